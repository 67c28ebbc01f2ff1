-- 0002: the organisation tree with QCVN 102 codes (DOMAIN-VN §1.2).
-- A unit is closed (valid_to set), never deleted, and its code never reused.
CREATE TABLE org_unit (
    id {{ID}},
    code VARCHAR(35) NOT NULL UNIQUE,
    parent_id BIGINT REFERENCES org_unit (id),
    kind TEXT NOT NULL CHECK (kind IN ('province_committee', 'department', 'service_center',
                                       'sub_unit', 'commune_committee')),
    name TEXT NOT NULL,
    name_en TEXT,
    short_name TEXT,
    name_fold TEXT NOT NULL,
    address TEXT,
    phone TEXT,
    email TEXT,
    website TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    demo INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX org_unit_parent ON org_unit (parent_id);

-- @sqlite
CREATE TRIGGER org_unit_never_deleted BEFORE DELETE ON org_unit
BEGIN
    SELECT RAISE(ABORT, 'org units are closed, never deleted');
END;
CREATE TRIGGER org_unit_code_fixed BEFORE UPDATE OF code ON org_unit
WHEN NEW.code <> OLD.code
BEGIN
    SELECT RAISE(ABORT, 'an org unit code never changes');
END;
-- @end
-- @pg
CREATE FUNCTION org_unit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'org units are closed, never deleted';
    END IF;
    IF NEW.code <> OLD.code THEN
        RAISE EXCEPTION 'an org unit code never changes';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER org_unit_guard BEFORE DELETE OR UPDATE OF code ON org_unit
    FOR EACH ROW EXECUTE FUNCTION org_unit_guard();
-- @end
