-- 0004: the tamper-evident audit log (docs/audit.md, src/audit/).
--
-- Every entry is a leaf of an RFC 9162 Merkle tree; seq runs 0, 1, 2 ... without gaps
-- and leaf_hash = SHA-256(0x00 || canonical leaf bytes). audit_state is one row: the
-- tree's size and its frontier (the roots of its perfect subtrees, highest first), so
-- an append and the tree head cost O(log n); appends lock it on PostgreSQL. log_id is
-- random per database and names the log in every signed checkpoint. Times are UTC ms.
-- Entries and checkpoints are append-only: triggers refuse UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_entry (
    seq BIGINT NOT NULL PRIMARY KEY CHECK (seq >= 0),
    ts_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    remote TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail TEXT,
    leaf_hash {{BLOB}} NOT NULL
);
CREATE INDEX audit_entry_ts ON audit_entry (ts_ms);
CREATE INDEX audit_entry_actor ON audit_entry (actor, seq);
CREATE INDEX audit_entry_object ON audit_entry (object, seq);

CREATE TABLE audit_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    log_id TEXT NOT NULL,
    tree_size BIGINT NOT NULL CHECK (tree_size >= 0),
    frontier {{BLOB}} NOT NULL
);

-- Signed tree heads; each is also a line of the anchor file outside the database.
CREATE TABLE audit_checkpoint (
    tree_size BIGINT NOT NULL PRIMARY KEY CHECK (tree_size >= 0),
    ts_ms BIGINT NOT NULL,
    root_hash {{BLOB}} NOT NULL,
    signature {{BLOB}} NOT NULL
);

-- @sqlite
INSERT INTO audit_state (id, log_id, tree_size, frontier)
VALUES (1, lower(hex(randomblob(16))), 0, X'');
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
CREATE TRIGGER audit_state_no_delete BEFORE DELETE ON audit_state
BEGIN
    SELECT RAISE(ABORT, 'the audit state row is never deleted');
END;
-- @end
-- @pg
INSERT INTO audit_state (id, log_id, tree_size, frontier)
VALUES (1, replace(gen_random_uuid()::text, '-', ''), 0, '\x'::bytea);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_state_kept BEFORE DELETE ON audit_state
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_state_no_truncate BEFORE TRUNCATE ON audit_state
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
-- @end
