/*
 * dossier_form.c - a procedure's online form read back from a multipart body:
 * the fields it asks (a field whose show_if is not met is not asked, and a
 * value sent for it is dropped, as dossiers/ does), the files handed in
 * (stored at once as the caller's own uploads, so that a refused form never
 * asks for them again: they come back as "kept" files, ticked), what must be
 * there before submitting, and a sentence of dossiers/ put on the input it is
 * about. The values themselves are checked by dossiers/ (eg_dossier_create).
 */
#include "portal_int.h"

#include "files/files.h"

#include <stdio.h>
#include <string.h>

#define FILE_MAX_DEFAULT ((uint64_t)20 << 20) /* a component's scan, when nothing else says */

void
df_init(struct dform *f, struct eg_call *c, const struct eg_portal_config *cfg, const json_t *doc,
        bool online)
{
    memset(f, 0, sizeof(*f));
    f->c = c;
    f->cfg = cfg;
    f->doc = doc;
    f->online = online;
    f->typed = json_object();
    f->form = json_object();
    f->errors = json_array();
    f->kept = json_array();
    f->paper = json_array();
}

void
df_release(struct dform *f)
{
    json_decref(f->typed);
    json_decref(f->form);
    json_decref(f->errors);
    json_decref(f->kept);
    json_decref(f->paper);
    f->typed = f->form = f->errors = f->kept = f->paper = NULL;
}

static const json_t *
fields_of(const json_t *doc)
{
    return json_object_get(json_object_get(doc, "form"), "fields");
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

const char *
df_text(struct dform *f, const char *name, bool lines)
{
    const char *raw = eg_upload_field(eg_req_upload(f->c->req), name);
    size_t n = raw ? strlen(raw) : 0;
    if (!n || !eg_utf8_valid(raw, n))
        return NULL;
    struct eg_arena *a = eg_req_arena(f->c->req);
    char *s = NULL;
    if (eg_text_is_nfc(raw, n)) {
        s = eg_arena_strndup(a, raw, n);
    } else {
        struct eg_buf nfc = EG_BUF_INIT(3 * n + 64);
        if (eg_text_nfc(raw, n, &nfc) == EG_OK)
            s = eg_arena_strdup(a, eg_buf_str(&nfc));
        eg_buf_release(&nfc);
    }
    if (!s)
        return NULL;
    for (char *p = s; !lines && *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t len = strlen(s);
    while (len > 0 &&
           (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = '\0';
    return len ? s : NULL;
}

/* Is the field asked, given the values read so far (show_if on an earlier select)? */
static bool
asked(const json_t *field, const json_t *form)
{
    const json_t *cond = json_object_get(field, "show_if");
    if (!cond)
        return true;
    const char *val = str(form, str(cond, "field") ? str(cond, "field") : "");
    const char *eq = str(cond, "equals");
    return val && eq && strcmp(val, eq) == 0;
}

static const char *
input_id(struct dform *f, const char *name, const char *suffix)
{
    return eg_arena_printf(eg_req_arena(f->c->req), "f_%s%s", name, suffix ? suffix : "");
}

/* A date typed as day, month and year: "YYYY-MM-DD", or NULL when any part is wrong. */
static const char *
date_of(struct dform *f, const char *d, const char *m, const char *y)
{
    char in[32], out[11];
    if (!d || !m || !y || strlen(d) > 2 || strlen(m) > 2 || strlen(y) != 4)
        return NULL;
    snprintf(in, sizeof(in), "%s/%s/%s", d, m, y);
    if (pg_date_norm(in, out) != EG_OK)
        return NULL;
    return eg_arena_strdup(eg_req_arena(f->c->req), out);
}

static void
typed(struct dform *f, const char *id, const char *v)
{
    if (v)
        json_object_set_new(f->typed, id, json_string(v));
}

enum eg_err
df_read_fields(struct dform *f)
{
    size_t i;
    const json_t *fd;
    json_array_foreach(fields_of(f->doc), i, fd)
    {
        const char *name = str(fd, "name"), *type = str(fd, "type");
        if (!name || !type || strcmp(type, "file") == 0 || strlen(name) > 64)
            continue;
        const char *v;
        if (strcmp(type, "date") == 0) {
            const char *id_d = input_id(f, name, "_day"), *id_m = input_id(f, name, "_month");
            const char *id_y = input_id(f, name, "_year");
            const char *d = df_text(f, id_d, false), *m = df_text(f, id_m, false);
            const char *y = df_text(f, id_y, false);
            typed(f, id_d, d);
            typed(f, id_m, m);
            typed(f, id_y, y);
            v = date_of(f, d, m, y);
            if (!v && (d || m || y) && asked(fd, f->form))
                dv_error(f->errors, id_d, "date_invalid", NULL);
        } else {
            const char *id = input_id(f, name, NULL);
            v = df_text(f, id, strcmp(type, "textarea") == 0);
            typed(f, id, v);
        }
        if (v && asked(fd, f->form))
            json_object_set_new(f->form, name, json_string(v));
    }
    return EG_OK;
}

/* ---- files ---------------------------------------------------------------------------------- */

/* The file field of the form named name, or NULL. */
static const json_t *
file_field(const json_t *doc, const char *name)
{
    size_t i;
    const json_t *fd;
    json_array_foreach(fields_of(doc), i, fd)
    {
        const char *n = str(fd, "name"), *t = str(fd, "type");
        if (n && t && strcmp(n, name) == 0 && strcmp(t, "file") == 0)
            return fd;
    }
    return NULL;
}

/*
 * What a slot ("comp_<i>" or "f_<file field>") is: a component (*comp >= 0)
 * or a file field (*field). False for anything else.
 */
static bool
slot_of(const struct dform *f, const char *slot, int *comp, const json_t **field)
{
    *comp = -1;
    *field = NULL;
    if (!slot)
        return false;
    if (strncmp(slot, "comp_", 5) == 0) {
        long long i;
        if (eg_parse_i64(slot + 5, 0, 999, &i) != EG_OK ||
            (size_t)i >= json_array_size(json_object_get(f->doc, "components")))
            return false;
        *comp = (int)i;
        return true;
    }
    if (strncmp(slot, "f_", 2) == 0)
        *field = file_field(f->doc, slot + 2);
    return *field != NULL;
}

static enum eg_err
add_ref(struct dform *f, int64_t id, const char *slot, const char *filename, uint64_t size)
{
    if (f->nrefs >= EG_DOSSIER_MAX_FILES)
        return EG_ETOOBIG;
    for (size_t i = 0; i < f->nrefs; i++)
        if (f->refs[i].attachment_id == id)
            return EG_OK; /* ticked twice */
    if (!f->refs) {
        f->refs = eg_arena_zalloc(eg_req_arena(f->c->req), EG_DOSSIER_MAX_FILES * sizeof(*f->refs));
        if (!f->refs)
            return EG_ENOMEM;
    }
    int comp;
    const json_t *field;
    if (!slot_of(f, slot, &comp, &field))
        return EG_EINVAL;
    struct eg_dossier_file_ref *r = &f->refs[f->nrefs++];
    r->attachment_id = id;
    r->component = comp;
    r->field = field ? str(field, "name") : NULL;
    json_t *k = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "slot", slot, "filename",
                          filename ? filename : "");
    char sz[32];
    if (size >= (1u << 20))
        snprintf(sz, sizeof(sz), "%.1f MB", (double)size / (1 << 20));
    else
        snprintf(sz, sizeof(sz), "%llu KB", (unsigned long long)(size + 1023) / 1024);
    json_object_set_new(k, "size_shown", json_string(sz));
    json_object_set_new(
        k, "value",
        json_string(eg_arena_printf(eg_req_arena(f->c->req), "%lld:%s", (long long)id, slot)));
    json_array_append_new(f->kept, k);
    return EG_OK;
}

/* A file ticked to keep ("<id>:<slot>"): the caller's own upload, or a file of their draft. */
static enum eg_err
keep_one(struct dform *f, const char *v)
{
    const char *colon = v ? strchr(v, ':') : NULL;
    long long id;
    if (!colon || colon - v > 19)
        return EG_OK;
    char num[24];
    snprintf(num, sizeof(num), "%.*s", (int)(colon - v), v);
    if (eg_parse_i64(num, 1, INT64_MAX, &id) != EG_OK)
        return EG_OK;
    struct eg_attachment a;
    enum eg_err rc = eg_files_get(f->c->db, id, &a);
    if (rc == EG_ENOTFOUND)
        return EG_OK;
    if (rc != EG_OK)
        return rc;
    char draft[32];
    snprintf(draft, sizeof(draft), "%lld", (long long)f->draft_id);
    bool mine =
        a.owner_account == f->c->who.account_id &&
        (strcmp(a.owner_kind, "upload") == 0 ||
         (f->draft_id && strcmp(a.owner_kind, "dossier") == 0 && strcmp(a.owner_ref, draft) == 0));
    if (!mine)
        return EG_OK; /* someone else's, or spent: as if it had not been sent */
    rc = add_ref(f, id, colon + 1, a.filename, a.size);
    return rc == EG_EINVAL ? EG_OK : rc;
}

/* The types a slot accepts (a file field's "accept" list; scans otherwise). */
static unsigned
accept_of(const json_t *field)
{
    unsigned mask = 0;
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(field, "accept"), i, m)
    {
        mask |= (unsigned)eg_ftype_of_mime(json_string_value(m));
    }
    return mask ? mask : EG_FTYPE_SCANS;
}

/* Stores one uploaded file as the caller's own upload, audited like the API's. */
static enum eg_err
store(struct dform *f, const struct eg_upload_file *u, unsigned accept, struct eg_attachment *out,
      struct eg_buf *msg)
{
    struct eg_call *c = f->c;
    struct eg_blob_src src = {.fd = u->fd, .path = u->path, .sha256 = u->sha256};
    struct eg_blob blob;
    enum eg_err rc = eg_files_store(f->cfg->files, &src, accept, &blob, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_attach in = {
        .filename = u->filename,
        .declared_type = u->ctype,
        .owner_account = c->who.account_id,
        .owner_kind = "upload",
    };
    struct eg_tx *tx = NULL;
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = eg_files_attach_tx(tx, &blob, &in, c->now_ms, out);
    if (rc == EG_OK) {
        char object[48], detail[160];
        snprintf(object, sizeof(object), "attachment:%lld", (long long)out->id);
        snprintf(detail, sizeof(detail), "{\"sha256\":\"%s\",\"size\":%llu,\"type\":\"%s\"}",
                 out->sha256, (unsigned long long)out->size, eg_ftype_mime(out->type));
        rc = eg_gate_audit(c, tx, "file.upload", object, true, detail);
    }
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc == EG_OK)
        rc = eg_files_settle(f->cfg->files, &src, &blob);
    return rc;
}

/* "10 MB" for a limit in bytes. */
static const char *
limit_text(struct dform *f, uint64_t bytes)
{
    if (bytes >= (1u << 20))
        return eg_arena_printf(eg_req_arena(f->c->req), "%llu MB",
                               (unsigned long long)(bytes >> 20));
    return eg_arena_printf(eg_req_arena(f->c->req), "%llu KB",
                           (unsigned long long)(bytes + 1023) / 1024);
}

static enum eg_err
upload_one(struct dform *f, const struct eg_upload_file *u)
{
    int comp;
    const json_t *field;
    if (!slot_of(f, u->field, &comp, &field))
        return EG_OK; /* an input this form does not have */
    const char *slot = u->field;
    json_int_t max = json_integer_value(json_object_get(field, "max_bytes"));
    uint64_t limit = max > 0 ? (uint64_t)max : FILE_MAX_DEFAULT;
    if (u->size > limit) {
        json_t *e =
            json_pack("{s:s,s:b,s:s,s:s}", "field", slot, "k_file_too_big", true, "filename",
                      u->filename ? u->filename : "", "limit", limit_text(f, limit));
        json_array_append_new(f->errors, e);
        return EG_OK;
    }
    struct eg_buf msg = EG_BUF_INIT(1024);
    struct eg_attachment a;
    enum eg_err rc = store(f, u, field ? accept_of(field) : EG_FTYPE_SCANS, &a, &msg);
    if (rc == EG_EINVAL) {
        const char *text = eg_arena_printf(eg_req_arena(f->c->req), "%s: %s",
                                           u->filename ? u->filename : "", eg_buf_str(&msg));
        dv_error(f->errors, slot, NULL, text);
        rc = EG_OK;
    } else if (rc == EG_OK) {
        rc = add_ref(f, a.id, slot, a.filename, a.size);
        if (rc == EG_ETOOBIG) {
            dv_error(f->errors, slot, "too_many_files", NULL);
            rc = EG_OK;
        }
    }
    eg_buf_release(&msg);
    return rc;
}

enum eg_err
df_read_files(struct dform *f)
{
    const struct eg_upload *up = eg_req_upload(f->c->req);
    enum eg_err rc = EG_OK;
    for (size_t i = 0; up && i < up->nfields && rc == EG_OK; i++)
        if (strcmp(up->fields[i].key, "keep") == 0)
            rc = keep_one(f, up->fields[i].value);
    if (rc == EG_ETOOBIG) {
        dv_error(f->errors, "", "too_many_files", NULL);
        rc = EG_OK;
    }
    for (size_t i = 0; up && i < up->nfiles && rc == EG_OK; i++)
        rc = upload_one(f, &up->files[i]);
    return rc;
}

/* ---- what must be there ------------------------------------------------------------------------ */

static bool
has_error(const struct dform *f, const char *id)
{
    size_t i;
    const json_t *e;
    json_array_foreach(f->errors, i, e)
    {
        if (strcmp(str(e, "field") ? str(e, "field") : "", id) == 0)
            return true;
    }
    return false;
}

static bool
has_file(const struct dform *f, int comp, const char *field)
{
    for (size_t i = 0; i < f->nrefs; i++)
        if ((comp >= 0 && f->refs[i].component == comp) ||
            (field && f->refs[i].field && strcmp(f->refs[i].field, field) == 0))
            return true;
    size_t k;
    const json_t *p;
    json_array_foreach(f->paper, k, p)
    {
        if (comp >= 0 && json_integer_value(p) == comp)
            return true;
    }
    return false;
}

bool
df_component_slot(const struct dform *f, size_t i)
{
    const json_t *comp = json_array_get(json_object_get(f->doc, "components"), i);
    if (!f->online || !str(comp, "field"))
        return true;
    /* A draft from before the component was linked may hold files in its own slot. */
    char id[32];
    snprintf(id, sizeof(id), "comp_%zu", i);
    size_t k;
    const json_t *kept;
    json_array_foreach(f->kept, k, kept)
    {
        if (str(kept, "slot") && strcmp(str(kept, "slot"), id) == 0)
            return true;
    }
    return false;
}

void
df_check_required(struct dform *f)
{
    size_t i;
    const json_t *fd;
    json_array_foreach(fields_of(f->doc), i, fd)
    {
        const char *name = str(fd, "name"), *type = str(fd, "type");
        if (!name || !type || !json_is_true(json_object_get(fd, "required")) || !asked(fd, f->form))
            continue;
        bool date = strcmp(type, "date") == 0, file = strcmp(type, "file") == 0;
        const char *id = input_id(f, name, date ? "_day" : NULL);
        if (has_error(f, id))
            continue;
        if (file && !has_file(f, -1, name))
            dv_error(f->errors, id, "file_required", NULL);
        else if (!file && !json_object_get(f->form, name))
            dv_error(f->errors, id, date ? "date_required" : "value_required", NULL);
    }
    const json_t *comp;
    json_array_foreach(json_object_get(f->doc, "components"), i, comp)
    {
        if (!json_is_true(json_object_get(comp, "required")))
            continue;
        if (f->online && json_is_string(json_object_get(comp, "template")))
            continue; /* the declaration is this form */
        const char *id = eg_arena_printf(eg_req_arena(f->c->req), "comp_%zu", i);
        /* Carried by a file field (docs/procedures.md): online it is asked there, once. */
        const char *by = str(comp, "field");
        if (by && f->online && !df_component_slot(f, i)) {
            if (has_file(f, (int)i, NULL) || has_file(f, -1, by))
                continue;
            id = input_id(f, by, NULL);
            if (!has_error(f, id))
                dv_error(f->errors, id, "component_required", NULL);
            continue;
        }
        if (!has_file(f, (int)i, NULL) && !(by && has_file(f, -1, by)) && !has_error(f, id))
            dv_error(f->errors, id, f->online ? "component_required" : "component_missing", NULL);
    }
}

void
df_business_error(struct dform *f, const char *msg)
{
    size_t i, n;
    const json_t *fd, *comp;
    json_array_foreach(fields_of(f->doc), i, fd)
    {
        const char *label = str(fd, "label"), *name = str(fd, "name"), *type = str(fd, "type");
        if (!label || !name || !type || !*label)
            continue;
        n = strlen(label);
        if (strncmp(msg, label, n) == 0 && msg[n] == ':') {
            dv_error(f->errors, input_id(f, name, strcmp(type, "date") == 0 ? "_day" : NULL), NULL,
                     msg);
            return;
        }
    }
    json_array_foreach(json_object_get(f->doc, "components"), i, comp)
    {
        const char *name = str(comp, "name");
        if (name && *name && strstr(msg, name)) {
            dv_error(f->errors, eg_arena_printf(eg_req_arena(f->c->req), "comp_%zu", i), NULL, msg);
            return;
        }
    }
    dv_error(f->errors, "", NULL, msg);
}

/* ---- idempotency ------------------------------------------------------------------------------------ */

const char *
df_new_key(struct eg_call *c)
{
    unsigned char b[16];
    char hex[33];
    if (eg_random(b, sizeof(b)) != EG_OK)
        return NULL;
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    return eg_arena_strdup(eg_req_arena(c->req), hex);
}

bool
df_key_ok(const char *s)
{
    return s && strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

void
df_request_hash(struct dform *f, const char *what, char out[65])
{
    const struct eg_upload *up = eg_req_upload(f->c->req);
    struct eg_buf b = EG_BUF_INIT((size_t)4 << 20);
    enum eg_err rc = eg_buf_printf(&b, "%s\n", what);
    for (size_t i = 0; up && i < up->nfields && rc == EG_OK; i++)
        if (strcmp(up->fields[i].key, "csrf") != 0)
            rc = eg_buf_printf(&b, "%s=%s\n", up->fields[i].key, up->fields[i].value);
    for (size_t i = 0; up && i < up->nfiles && rc == EG_OK; i++)
        rc = eg_buf_printf(&b, "%s:%s\n", up->files[i].field ? up->files[i].field : "",
                           up->files[i].sha256);
    unsigned char h[EG_PII_HASH_LEN];
    eg_identity_pii_hash(f->c->identity, b.p ? b.p : "", b.len, h);
    for (size_t i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    eg_buf_release(&b);
}
