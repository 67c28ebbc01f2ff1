-- 0013: a number that changes whenever anything the public catalogue pages show
-- changes - procedures, their versions, agencies and fields, org units, the
-- instance's settings (province name, demo label). The portal keeps rendered
-- catalogue pages for visitors who are not signed in and uses one only while
-- this number is the one it was rendered under, so an edit, a publication or
-- an import - from this server, another one or the command line - shows on the
-- next request. Triggers keep it, so no writer can forget to.
CREATE TABLE catalogue_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO catalogue_generation (id, n) VALUES (1, 1);

-- @sqlite
CREATE TRIGGER procedure_ins_gen AFTER INSERT ON procedure
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_upd_gen AFTER UPDATE ON procedure
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_version_ins_gen AFTER INSERT ON procedure_version
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_version_upd_gen AFTER UPDATE ON procedure_version
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_agency_ins_gen AFTER INSERT ON procedure_agency
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_agency_del_gen AFTER DELETE ON procedure_agency
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_field_ins_gen AFTER INSERT ON procedure_field
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_field_upd_gen AFTER UPDATE ON procedure_field
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER org_unit_ins_gen AFTER INSERT ON org_unit
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER org_unit_upd_gen AFTER UPDATE ON org_unit
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER instance_setting_ins_gen AFTER INSERT ON instance_setting
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER instance_setting_upd_gen AFTER UPDATE ON instance_setting
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER instance_setting_del_gen AFTER DELETE ON instance_setting
BEGIN UPDATE catalogue_generation SET n = n + 1 WHERE id = 1; END;
-- @end
-- @pg
-- Once per statement: an import of ten thousand procedures moves it a few times, not per row.
CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalogue_generation SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER procedure_gen AFTER INSERT OR UPDATE OR DELETE ON procedure
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER procedure_version_gen AFTER INSERT OR UPDATE OR DELETE ON procedure_version
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER procedure_agency_gen AFTER INSERT OR UPDATE OR DELETE ON procedure_agency
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER procedure_field_gen AFTER INSERT OR UPDATE OR DELETE ON procedure_field
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER org_unit_gen AFTER INSERT OR UPDATE OR DELETE ON org_unit
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER instance_setting_gen AFTER INSERT OR UPDATE OR DELETE ON instance_setting
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
-- @end
