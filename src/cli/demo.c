/*
 * demo.c - the demo province and its catalogue of procedures, compiled in
 * from data/demo/province.json and data/demo/procedures.json. Each loads in
 * one transaction: all of it or nothing.
 */
#include "cli.h"

#include "directory/directory.h"
#include "dossiers/dossiers.h"
#include "procedures/procedures.h"

static enum eg_err
parse_embedded(const char *path, json_t **doc, struct eg_buf *msg)
{
    const struct eg_embedded_file *f = eg_embedded(path);
    if (!f)
        return EG_EINTERNAL;
    return eg_json_parse((const char *)f->data, f->len, doc, msg);
}

/* On failure, the database's own words when nothing better was said. */
static enum eg_err
finish(struct eg_tx *tx, enum eg_err rc, struct eg_buf *msg)
{
    if (rc == EG_OK)
        return eg_tx_commit(tx);
    if (msg && msg->len == 0 && *eg_tx_errmsg(tx) && eg_buf_adds(msg, eg_tx_errmsg(tx)) != EG_OK)
        eg_buf_reset(msg);
    eg_tx_rollback(tx);
    return rc;
}

enum eg_err
eg_cli_load_demo(struct eg_db *db, size_t *count, struct eg_buf *msg)
{
    *count = 0;
    json_t *doc;
    enum eg_err rc = parse_embedded("data/demo/province.json", &doc, msg);
    if (rc != EG_OK)
        return rc;
    const json_t *province = json_object_get(doc, "province");
    const char *name = json_string_value(json_object_get(province, "name"));
    const char *code = json_string_value(json_object_get(province, "agency_code"));
    const char *label_vi = json_string_value(json_object_get(doc, "label_vi"));
    const char *label_en = json_string_value(json_object_get(doc, "label_en"));
    if (!name || !code || !label_vi || !label_en) {
        json_decref(doc);
        return EG_EINTERNAL;
    }
    int64_t now = eg_clock_now_ms(&eg_clock_system);
    struct eg_tx *tx;
    rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_import(tx, json_object_get(doc, "org_units"), true, now, count, msg);
        if (rc == EG_OK)
            rc = eg_instance_set(tx, "province_name", name, now);
        if (rc == EG_OK)
            rc = eg_instance_set(tx, "province_agency_code", code, now);
        if (rc == EG_OK)
            rc = eg_instance_set(tx, "demo", "true", now);
        if (rc == EG_OK)
            rc = eg_instance_set(tx, "demo_label_vi", label_vi, now);
        if (rc == EG_OK)
            rc = eg_instance_set(tx, "demo_label_en", label_en, now);
        rc = finish(tx, rc, msg);
    }
    json_decref(doc);
    return rc;
}

/* How the demo's dossiers move between units (data/demo/processes.json). */
static enum eg_err
load_processes(struct eg_tx *tx, struct eg_buf *msg)
{
    json_t *doc;
    enum eg_err rc = parse_embedded("data/demo/processes.json", &doc, msg);
    if (rc != EG_OK)
        return rc;
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(doc, "processes"), i, p)
    {
        int version = 0;
        const char *code = json_string_value(json_object_get(p, "procedure"));
        rc = code ? eg_process_put(tx, code, json_object_get(p, "process"), "egov init --demo",
                                   eg_clock_now_ms(&eg_clock_system), &version, msg)
                  : EG_EINVAL;
        if (rc != EG_OK) {
            char why[512];
            snprintf(why, sizeof(why), "processes.json: %s: %s", code ? code : "?",
                     msg->len ? eg_buf_str(msg) : eg_err_code(rc));
            eg_buf_reset(msg);
            if (eg_buf_adds(msg, why) != EG_OK)
                eg_buf_reset(msg);
            break;
        }
    }
    json_decref(doc);
    return rc;
}

enum eg_err
eg_cli_load_demo_catalogue(struct eg_db *db, size_t *count, struct eg_buf *msg)
{
    *count = 0;
    json_t *doc;
    enum eg_err rc = parse_embedded("data/demo/procedures.json", &doc, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_tx *tx;
    rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_procedure_import(tx, doc, true, true, "egov init --demo",
                                 eg_clock_now_ms(&eg_clock_system), count, msg);
        if (rc == EG_OK)
            rc = load_processes(tx, msg);
        rc = finish(tx, rc, msg);
    }
    json_decref(doc);
    return rc;
}
