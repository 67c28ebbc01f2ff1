/* process.c - how a procedure's dossiers move between units: steps as data. */
#include "dossiers_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * Parsed definitions, keyed by their text. A stored process never changes (a
 * new version is a new row) and a text parses to the same JSON whichever
 * database it came from, so the cache is never stale; it saves parsing the
 * definition again on every submission and action. The definitions handed
 * out are shared: nobody changes them.
 */
#define DEF_CACHE 32

static struct {
    uint64_t hash;
    char *text;
    json_t *def;
} def_cache[DEF_CACHE];
static size_t def_next;
static pthread_mutex_t def_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
text_hash(const char *s)
{
    return eg_hash64(EG_HASH64_INIT, s, strlen(s));
}

/* The definition stored as text, parsed (a new reference to a shared value), or NULL. */
static json_t *
def_parse(const char *text)
{
    if (!text)
        return NULL;
    uint64_t h = text_hash(text);
    pthread_mutex_lock(&def_mu);
    for (size_t i = 0; i < DEF_CACHE; i++) {
        if (def_cache[i].text && def_cache[i].hash == h && strcmp(def_cache[i].text, text) == 0) {
            json_t *d = json_incref(def_cache[i].def);
            pthread_mutex_unlock(&def_mu);
            return d;
        }
    }
    pthread_mutex_unlock(&def_mu);
    json_t *d = json_loads(text, 0, NULL);
    char *copy = d ? strdup(text) : NULL;
    if (!copy)
        return d;
    pthread_mutex_lock(&def_mu);
    size_t i = def_next;
    def_next = (def_next + 1) % DEF_CACHE;
    free(def_cache[i].text);
    json_decref(def_cache[i].def);
    def_cache[i].hash = h;
    def_cache[i].text = copy;
    def_cache[i].def = json_incref(d);
    pthread_mutex_unlock(&def_mu);
    return d;
}

static bool
step_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* A QCVN 102 code as stored: up to 35 characters of digits, capitals and dots. */
static bool
unit_code_shape(const char *s)
{
    size_t n = strlen(s);
    if (n < 13 || n > 35)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '.'))
            return false;
    return true;
}

static bool
step_role_ok(enum eg_role r)
{
    return r == EG_ROLE_SPECIALIST || r == EG_ROLE_DEPARTMENT_HEAD || r == EG_ROLE_AGENCY_LEADER ||
           r == EG_ROLE_DESK_OFFICER || r == EG_ROLE_CLERK;
}

enum eg_err
eg_process_check(const json_t *def, struct eg_buf *msg)
{
    if (!json_is_object(def))
        return ds_say(msg, EG_EINVAL, "quy trình phải là một đối tượng JSON {\"steps\":[...]}");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)def, key, v)
    {
        if (strcmp(key, "steps") != 0 && strcmp(key, "receiving") != 0)
            return ds_say(msg, EG_EINVAL, "quy trình: không có mục \"%s\"", key);
    }
    const json_t *recv = json_object_get(def, "receiving");
    if (recv && (!json_is_string(recv) || !unit_code_shape(json_string_value(recv))))
        return ds_say(msg, EG_EINVAL,
                      "receiving: mã định danh của đơn vị tiếp nhận (bộ phận một cửa), ví dụ "
                      "000.00.14.H41");
    const json_t *steps = json_object_get(def, "steps");
    size_t n = json_array_size(steps);
    if (!json_is_array(steps) || n == 0 || n > EG_PROCESS_MAX_STEPS)
        return ds_say(msg, EG_EINVAL, "steps: từ 1 đến %d bước", EG_PROCESS_MAX_STEPS);
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(steps, i);
        if (!json_is_object(s))
            return ds_say(msg, EG_EINVAL, "steps[%zu]: phải là một đối tượng", i);
        json_object_foreach((json_t *)s, key, v)
        {
            static const char *const known[] = {"id", "name", "unit", "role", "days", "decides"};
            bool ok = false;
            for (size_t k = 0; k < EG_ARRAY_LEN(known); k++)
                ok = ok || strcmp(key, known[k]) == 0;
            if (!ok)
                return ds_say(msg, EG_EINVAL, "steps[%zu]: không có mục \"%s\"", i, key);
        }
        const char *id = json_string_value(json_object_get(s, "id"));
        if (!id || !step_id_ok(id))
            return ds_say(msg, EG_EINVAL, "steps[%zu].id: chữ thường a-z, số và _, tối đa 63 ký tự",
                          i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(id, json_string_value(json_object_get(json_array_get(steps, j), "id"))) == 0)
                return ds_say(msg, EG_EINVAL, "steps[%zu].id: \"%s\" đã dùng cho bước khác", i, id);
        const char *name = json_string_value(json_object_get(s, "name"));
        if (!name || !*name || strlen(name) > 255 || !eg_utf8_valid(name, strlen(name)))
            return ds_say(msg, EG_EINVAL, "steps[%zu].name: tên bước, tối đa 255 byte", i);
        const char *unit = json_string_value(json_object_get(s, "unit"));
        if (!unit || (strcmp(unit, "receiving") != 0 && strcmp(unit, "agency") != 0 &&
                      !unit_code_shape(unit)))
            return ds_say(msg, EG_EINVAL,
                          "steps[%zu].unit: \"receiving\" (nơi tiếp nhận), \"agency\" (cơ quan "
                          "thực hiện) hoặc mã định danh của một cơ quan",
                          i);
        enum eg_role role;
        const char *rs = json_string_value(json_object_get(s, "role"));
        if (!rs || eg_role_parse(rs, &role) != EG_OK || !step_role_ok(role))
            return ds_say(msg, EG_EINVAL,
                          "steps[%zu].role: specialist, department_head, agency_leader, "
                          "desk_officer hoặc clerk",
                          i);
        const json_t *days = json_object_get(s, "days");
        if (!json_is_integer(days) || json_integer_value(days) < 0 ||
            json_integer_value(days) > 365)
            return ds_say(msg, EG_EINVAL, "steps[%zu].days: số ngày làm việc từ 0 đến 365", i);
        const json_t *dec = json_object_get(s, "decides");
        if (dec && !json_is_boolean(dec))
            return ds_say(msg, EG_EINVAL, "steps[%zu].decides: true hoặc false", i);
        bool decides = json_is_true(dec);
        if (decides != (i == n - 1))
            return ds_say(msg, EG_EINVAL,
                          "steps[%zu].decides: đúng một bước quyết định (phê duyệt), là bước cuối",
                          i);
    }
    return EG_OK;
}

enum eg_err
eg_process_default(int working_days, json_t **out)
{
    int decide = working_days > 0 ? 1 : 0;
    *out = json_pack("{s:[{s:s,s:s,s:s,s:s,s:i},{s:s,s:s,s:s,s:s,s:i,s:b}]}", "steps", "id",
                     "tham_dinh", "name", "Thẩm định, xử lý hồ sơ", "unit", "agency", "role",
                     "specialist", "days", working_days - decide, "id", "phe_duyet", "name",
                     "Phê duyệt kết quả", "unit", "agency", "role", "agency_leader", "days", decide,
                     "decides", 1);
    return *out ? EG_OK : EG_ENOMEM;
}

enum eg_err
eg_process_current(struct eg_tx *tx, const char *procedure_code, int64_t *id, json_t **def)
{
    struct eg_stmt *st;
    bool row = false;
    *def = NULL;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT id, definition FROM dossier_process WHERE "
                                   "procedure_code = ? ORDER BY version DESC LIMIT 1",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, procedure_code, strlen(procedure_code));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    *id = eg_stmt_i64(st, 0);
    *def = def_parse(eg_stmt_text(st, 1));
    eg_stmt_reset(st);
    return *def ? EG_OK : EG_EIO;
}

enum eg_err
eg_process_put(struct eg_tx *tx, const char *procedure_code, const json_t *def, const char *actor,
               int64_t now_ms, int *version, struct eg_buf *msg)
{
    enum eg_err rc = eg_process_check(def, msg);
    if (rc != EG_OK)
        return rc;
    size_t i;
    const json_t *s;
    const char *recv = json_string_value(json_object_get(def, "receiving"));
    int64_t rid;
    if (recv && (rc = ds_lookup_unit(tx, recv, &rid)) != EG_OK)
        return rc == EG_ENOTFOUND
                   ? ds_say(msg, EG_EINVAL, "receiving: không có đơn vị đang hoạt động mã %s", recv)
                   : rc;
    json_array_foreach(json_object_get(def, "steps"), i, s)
    {
        const char *unit = json_string_value(json_object_get(s, "unit"));
        int64_t id;
        if (strcmp(unit, "receiving") == 0 || strcmp(unit, "agency") == 0)
            continue;
        rc = ds_lookup_unit(tx, unit, &id);
        if (rc == EG_ENOTFOUND)
            return ds_say(msg, EG_EINVAL, "steps[%zu].unit: không có cơ quan đang hoạt động mã %s",
                          i, unit);
        if (rc != EG_OK)
            return rc;
    }
    struct eg_stmt *st;
    bool row = false;
    rc = eg_tx_prepare(tx,
                       "SELECT COALESCE(MAX(version), 0) + 1 FROM dossier_process WHERE "
                       "procedure_code = ?",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, procedure_code, strlen(procedure_code));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    *version = (int)eg_stmt_i64(st, 0);
    eg_stmt_reset(st);
    char *text = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return EG_ENOMEM;
    rc = eg_tx_prepare(tx,
                       "INSERT INTO dossier_process (procedure_code, version, definition, "
                       "created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, procedure_code, strlen(procedure_code));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, *version);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, text, strlen(text));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 5, actor, strlen(actor));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    free(text);
    return rc;
}

void
ds_process_receiving(const json_t *def, char out[40])
{
    const char *recv = json_string_value(json_object_get(def, "receiving"));
    snprintf(out, 40, "%s", recv ? recv : "");
}

static enum eg_err
resolve(struct eg_tx *tx, const json_t *def, const struct drow *r, struct process *out)
{
    memset(out, 0, sizeof(*out));
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(def, "steps"), i, s)
    {
        if (i >= EG_PROCESS_MAX_STEPS)
            return EG_EIO;
        struct step *p = &out->steps[i];
        snprintf(p->id, sizeof(p->id), "%s", json_string_value(json_object_get(s, "id")));
        snprintf(p->name, sizeof(p->name), "%s", json_string_value(json_object_get(s, "name")));
        const char *unit = json_string_value(json_object_get(s, "unit"));
        if (!unit || strcmp(unit, "receiving") == 0) {
            p->unit_id = r->unit_id;
            snprintf(p->unit_code, sizeof(p->unit_code), "%s", r->unit_code);
        } else if (strcmp(unit, "agency") == 0) {
            p->unit_id = r->agency_unit_id;
            snprintf(p->unit_code, sizeof(p->unit_code), "%s", r->agency_code);
        } else {
            enum eg_err rc = ds_lookup_unit(tx, unit, &p->unit_id);
            if (rc != EG_OK)
                return rc == EG_ENOTFOUND ? EG_EIO : rc;
            snprintf(p->unit_code, sizeof(p->unit_code), "%s", unit);
        }
        if (eg_role_parse(json_string_value(json_object_get(s, "role")), &p->role) != EG_OK)
            return EG_EIO;
        p->days = (int)json_integer_value(json_object_get(s, "days"));
        p->decides = json_is_true(json_object_get(s, "decides"));
        out->n = (int)i + 1;
    }
    return out->n > 0 ? EG_OK : EG_EIO;
}

enum eg_err
ds_load_process(struct eg_tx *tx, const struct drow *r, struct process *out)
{
    json_t *def = NULL;
    enum eg_err rc = EG_OK;
    if (r->process_id > 0) {
        struct eg_stmt *st;
        bool row = false;
        rc = eg_tx_prepare(tx, "SELECT definition FROM dossier_process WHERE id = ?", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, r->process_id);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc == EG_OK && !row)
            rc = EG_EIO;
        if (rc == EG_OK) {
            def = def_parse(eg_stmt_text(st, 0));
            eg_stmt_reset(st);
            if (!def)
                rc = EG_EIO;
        }
    } else {
        rc = eg_process_default(r->working_days, &def);
    }
    if (rc == EG_OK)
        rc = resolve(tx, def, r, out);
    json_decref(def);
    return rc;
}
