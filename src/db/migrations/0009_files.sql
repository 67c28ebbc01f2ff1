-- 0009: attachments in a content-addressed store (docs/files.md).
--
-- A blob is a file's content, stored once on disk under its SHA-256 (files_dir
-- /ab/cd/<hex>); its row says how big it is, what it is by its first bytes,
-- and when it was last used, so gc removes only blobs nothing has referenced
-- for a grace period. An attachment is one file someone handed in: the blob,
-- the name it came with (NFC, ending in the extension of its real type), the
-- type it was declared as and the type it is, who handed it in, and an
-- opaque owner: owner_kind 'upload' (not yet part of anything) until a
-- dossier takes it ('dossier', owner_ref = the dossier's code).
CREATE TABLE file_blob (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size BIGINT NOT NULL CHECK (size >= 0),
    type TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX file_blob_last_used ON file_blob (last_used_at);

CREATE TABLE attachment (
    id {{ID}},
    blob_sha256 TEXT NOT NULL REFERENCES file_blob (sha256),
    filename TEXT NOT NULL,
    declared_type TEXT,
    detected_type TEXT NOT NULL,
    owner_account BIGINT NOT NULL REFERENCES account (id),
    owner_kind TEXT NOT NULL,
    owner_ref TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachment_blob ON attachment (blob_sha256);
CREATE INDEX attachment_account ON attachment (owner_account);
CREATE INDEX attachment_owner ON attachment (owner_kind, owner_ref);
