-- 0007: the catalogue of administrative procedures (thủ tục hành chính).
--
-- A procedure is identified by its national code (a local variant carries the
-- agency code as a suffix). Its content lives in versions with effective dates:
-- a dossier keeps the version it was submitted under. Search runs over folded
-- text (no diacritics, đ -> d, lower case) kept beside the name.
CREATE TABLE procedure_field (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT,
    -- How many published procedures the field has, kept by procedures/store.c when a
    -- version is published or a procedure retired: every catalogue page shows the list.
    published INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE procedure (
    id {{ID}},
    code VARCHAR(64) NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT,
    name_fold TEXT NOT NULL,
    body_fold TEXT NOT NULL,
    field_code TEXT NOT NULL REFERENCES procedure_field (code),
    level TEXT NOT NULL CHECK (level IN ('province', 'commune')),
    applicants TEXT NOT NULL,
    online_level TEXT NOT NULL CHECK (online_level IN ('full', 'partial', 'offline')),
    legacy_level INTEGER CHECK (legacy_level BETWEEN 1 AND 4),
    working_days INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    current_version INTEGER,
    popularity INTEGER NOT NULL DEFAULT 0,
    demo INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- A field's published procedures are counted from the index alone.
CREATE INDEX procedure_field_idx ON procedure (field_code, status);
CREATE INDEX procedure_popular ON procedure (status, popularity);

CREATE TABLE procedure_version (
    id {{ID}},
    procedure_id BIGINT NOT NULL REFERENCES procedure (id),
    version INTEGER NOT NULL,
    valid_from TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    published_at BIGINT,
    UNIQUE (procedure_id, version)
);

-- Which units carry out a procedure (the current version's list).
CREATE TABLE procedure_agency (
    procedure_id BIGINT NOT NULL REFERENCES procedure (id),
    org_unit_id BIGINT NOT NULL REFERENCES org_unit (id),
    PRIMARY KEY (procedure_id, org_unit_id)
);
CREATE INDEX procedure_agency_unit ON procedure_agency (org_unit_id);

-- @sqlite
-- Full-text search over the folded text; rowid = procedure.id. The unicode61
-- tokenizer also strips diacritics, but the text is folded before it gets here.
CREATE VIRTUAL TABLE procedure_search USING fts5(name, body, tokenize = 'unicode61 remove_diacritics 2');
-- @end
-- @pg
ALTER TABLE procedure ADD COLUMN search_vec tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', name_fold), 'A') ||
    setweight(to_tsvector('simple', body_fold), 'B')) STORED;
-- The catalogue changes rarely: no pending list, so a new version is searchable
-- at once and the planner's costs stay true.
CREATE INDEX procedure_search_idx ON procedure USING GIN (search_vec) WITH (fastupdate = off);
-- @end
