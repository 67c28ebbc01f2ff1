/* demo.c - the demo province, compiled in from data/demo/province.json. */
#include "cli.h"

#include "directory/directory.h"

enum eg_err
eg_cli_load_demo(struct eg_db *db, size_t *count, struct eg_buf *msg)
{
    *count = 0;
    const struct eg_embedded_file *f = eg_embedded("data/demo/province.json");
    if (!f)
        return EG_EINTERNAL;
    json_t *doc;
    enum eg_err rc = eg_json_parse((const char *)f->data, f->len, &doc, msg);
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
    if (rc == EG_OK)
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
    if (rc == EG_OK) {
        rc = eg_tx_commit(tx);
    } else {
        if (msg && msg->len == 0 && *eg_tx_errmsg(tx) &&
            eg_buf_adds(msg, eg_tx_errmsg(tx)) != EG_OK)
            eg_buf_reset(msg);
        eg_tx_rollback(tx);
    }
    json_decref(doc);
    return rc;
}
