/*
 * form.c - reading a form: x-www-form-urlencoded pairs in NFC, declared
 * fields with their limits (one line unless F_LINES), errors in form order,
 * and the way back to the form (the flash cookie) with what was typed, never
 * a password.
 */
#include "portal_int.h"

#include "directory/directory.h"

#include <string.h>

enum eg_err
form_read(struct eg_call *c, struct form *f)
{
    memset(f, 0, sizeof(*f));
    f->c = c;
    f->values = json_object();
    f->errors = json_array();
    f->data = json_object();
    struct eg_str body = eg_req_body(c->req);
    struct eg_arena *a = eg_req_arena(c->req);
    struct eg_buf msg = EG_BUF_INIT(256);
    enum eg_err rc = eg_form_parse(a, body.p, body.n, &f->kv, &f->n, FORM_MAX_FIELDS, &msg);
    /* Keyboards and copy-paste give decomposed Vietnamese too: store the composed form. */
    for (size_t i = 0; rc == EG_OK && i < f->n; i++) {
        const char *v = f->kv[i].value;
        size_t n = strlen(v);
        if (eg_text_is_nfc(v, n))
            continue;
        /* NFC never grows text by more than a factor of 3 (UAX #15): a pasted document fits. */
        struct eg_buf nfc = EG_BUF_INIT(3 * n + 64 * KiB);
        rc = eg_text_nfc(v, n, &nfc);
        if (rc == EG_OK) {
            explicit_bzero((char *)v, n);
            f->kv[i].value = eg_arena_strdup(a, eg_buf_str(&nfc));
            rc = f->kv[i].value ? EG_OK : EG_ENOMEM;
            explicit_bzero(nfc.p, nfc.len);
        }
        eg_buf_release(&nfc);
    }
    if (rc != EG_OK) {
        eg_resp_error(c->req, rc == EG_ENOMEM ? 503 : 400, "invalid_form",
                      msg.len ? eg_arena_strdup(a, msg.p) : NULL);
        form_release(f);
    }
    eg_buf_release(&msg);
    return rc;
}

const char *
form_get(const struct form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->kv[i].key, name) == 0)
            return f->kv[i].value;
    return NULL;
}

static const char *
trimmed(struct eg_call *c, const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return eg_arena_strndup(eg_req_arena(c->req), s, n);
}

/*
 * A one-line field: every tab and line break of its values becomes a space, in
 * place (the same length), so that form_get() gives the flattened text too.
 */
static void
one_line(struct form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->kv[i].key, name) != 0)
            continue;
        for (char *p = (char *)f->kv[i].value; p && *p; p++)
            if (*p == '\t' || *p == '\n' || *p == '\r')
                *p = ' ';
    }
}

bool
form_check(struct form *f, const struct field *fields, size_t n, const char **out)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (!(fields[i].flags & F_LINES))
            one_line(f, fields[i].name);
        const char *v = form_get(f, fields[i].name);
        if (v && !(fields[i].flags & F_RAW))
            v = trimmed(f->c, v);
        if (v && !*v)
            v = NULL;
        out[i] = v;
        if (v && !(fields[i].flags & F_SECRET))
            form_keep(f, fields[i].name, v);
        if (!v && (fields[i].flags & F_REQUIRED)) {
            form_error(f, fields[i].name, fields[i].missing ? fields[i].missing : "required");
            ok = false;
        } else if (v && strlen(v) > fields[i].max) {
            form_error(f, fields[i].name, "too_long");
            out[i] = NULL;
            ok = false;
        }
    }
    return ok;
}

void
form_error(struct form *f, const char *field, const char *key)
{
    json_t *e = json_pack("{s:s}", "field", field);
    pg_flag(e, "k", key);
    json_array_append_new(f->errors, e);
}

void
form_error_text(struct form *f, const char *field, const char *text)
{
    json_array_append_new(f->errors,
                          json_pack("{s:s, s:s}", "field", field, "etext", text ? text : ""));
}

bool
form_has_errors(const struct form *f)
{
    return json_array_size(f->errors) > 0;
}

void
form_keep(struct form *f, const char *field, const char *value)
{
    if (value)
        json_object_set_new(f->values, field, json_string(value));
}

/* Where the field stands in the form as sent (browsers send fields in page order). */
static size_t
rank(const struct form *f, const json_t *e)
{
    const char *field = json_string_value(json_object_get(e, "field"));
    if (!field || !*field)
        return 0; /* about the whole form: first */
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->kv[i].key, field) == 0)
            return i + 1;
    return f->n + 1;
}

/* The errors in the order of their fields on the page, as the summary should list them. */
static json_t *
in_page_order(const struct form *f)
{
    json_t *out = json_array();
    size_t n = json_array_size(f->errors);
    for (size_t r = 0; r <= f->n + 1 && json_array_size(out) < n; r++)
        for (size_t i = 0; i < n; i++)
            if (rank(f, json_array_get(f->errors, i)) == r)
                json_array_append(out, json_array_get(f->errors, i));
    return out;
}

static void
send(struct form *f, const char *path, const char *notice, bool with_input)
{
    json_t *flash = json_object();
    if (with_input) {
        json_object_set(flash, "v", f->values);
        json_object_set_new(flash, "errors", in_page_order(f));
    }
    if (json_object_size(f->data) > 0)
        json_object_set(flash, "d", f->data);
    if (notice)
        json_object_set_new(flash, "m", json_string(notice));
    pg_flash_send(f->c->req, path, flash);
    json_decref(flash);
    pg_redirect(f->c, path);
    form_release(f);
}

void
form_fail(struct form *f, const char *path)
{
    send(f, path, NULL, true);
}

void
form_done(struct form *f, const char *path, const char *notice)
{
    send(f, path, notice, false);
}

void
form_release(struct form *f)
{
    /* The values are arena strings that may hold a password: wipe them now. */
    for (size_t i = 0; i < f->n; i++)
        if (f->kv[i].value)
            explicit_bzero((char *)f->kv[i].value, strlen(f->kv[i].value));
    f->n = 0;
    json_decref(f->values);
    json_decref(f->errors);
    json_decref(f->data);
    f->values = f->errors = f->data = NULL;
}

enum eg_err
form_unit(struct form *f, const char *field, const char *code, int64_t *out)
{
    struct eg_tx *tx;
    *out = 0;
    if (!code)
        return EG_OK;
    enum eg_err rc = eg_db_begin(f->c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_id(tx, code, out);
        eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND) {
        form_error(f, field, "org_unknown");
        rc = EG_OK;
    }
    return rc;
}

/* ---- errors found in a GET page's query (no form, no flash) ------------------------------- */

static void
field_error(struct page *pg, const char *field, json_t *e)
{
    if (field && *field && !json_object_get(json_object_get(pg->ctx, "e"), field))
        json_object_set(json_object_get(pg->ctx, "e"), field, e);
    json_t *list = json_object_get(pg->ctx, "errors");
    if (!list) {
        list = json_array();
        json_object_set_new(pg->ctx, "errors", list);
        json_object_set_new(pg->ctx, "has_errors", json_true());
    }
    json_array_append_new(list, e);
}

void
pg_field_error(struct page *pg, const char *field, const char *key)
{
    json_t *e = json_pack("{s:s}", "field", field ? field : "");
    pg_flag(e, "k", key);
    field_error(pg, field, e);
}

void
pg_field_error_text(struct page *pg, const char *field, const char *text)
{
    field_error(pg, field,
                json_pack("{s:s, s:s}", "field", field ? field : "", "etext", text ? text : ""));
}
