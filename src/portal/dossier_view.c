/*
 * dossier_view.c - what the dossier pages share: the caller as dossiers/ sees
 * it, dates as people read them, and a dossier of eg_dossier_get shaped for
 * the templates (status tag, timeline, components and files with their links,
 * the form's values with their labels, the slips that can be printed).
 * Nothing here decides anything: dossiers/ says what the caller may see and do.
 */
#include "portal_int.h"

#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

static const char *const states[] = {
    "draft",    "submitted", "received",  "processing", "supplement", "result_ready",
    "returned", "refused",   "withdrawn", "stopped",    NULL,
};

struct eg_actor
dv_actor(struct eg_call *c)
{
    struct eg_actor a = {
        .subject = c->subject,
        .remote = eg_req_remote(c->req),
        .request_id = eg_req_id(c->req),
    };
    return a;
}

bool
dv_ready(struct page *pg)
{
    if (pg->cfg->dossiers && pg->cfg->files)
        return true;
    json_t *e = json_object();
    pg_flag(e, "m", "unavailable");
    json_object_set_new(pg->ctx, "error", e);
    pg_render(pg, 503, "dossier_error");
    return false;
}

void
dv_not_found(struct page *pg)
{
    json_t *e = json_object();
    pg_flag(e, "m", "not_found");
    json_object_set_new(pg->ctx, "error", e);
    pg_render(pg, 404, "dossier_error");
}

static bool
digits_at(const char *s, size_t from, size_t n)
{
    for (size_t i = from; i < from + n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

json_t *
dv_when(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    char out[20];
    if (n < 10 || s[4] != '-' || s[7] != '-' || !digits_at(s, 0, 4) || !digits_at(s, 5, 2) ||
        !digits_at(s, 8, 2))
        return json_null();
    snprintf(out, sizeof(out), "%.2s/%.2s/%.4s", s + 8, s + 5, s);
    if (n >= 16 && s[10] == 'T' && s[13] == ':' && digits_at(s, 11, 2) && digits_at(s, 14, 2))
        snprintf(out + 10, sizeof(out) - 10, " %.5s", s + 11);
    return json_string(out);
}

const char *
dv_path(struct eg_call *c, const char *code, const char *suffix)
{
    return eg_arena_printf(eg_req_arena(c->req), "/dossiers/%s%s", code ? code : "",
                           suffix ? suffix : "");
}

static void
keep_null(json_t *o, const char *key)
{
    if (o && !json_object_get(o, key))
        json_object_set_new(o, key, json_null());
}

/* Sets key_shown from key, a date or a local time. */
static void
shown(json_t *o, const char *key)
{
    char k[64];
    snprintf(k, sizeof(k), "%s_shown", key);
    json_object_set_new(o, k, dv_when(json_object_get(o, key)));
}

/* The tag that colours a state. */
static const char *
status_class(const char *s)
{
    if (!s)
        return "tag";
    if (strcmp(s, "supplement") == 0)
        return "tag tag-warn";
    if (strcmp(s, "result_ready") == 0 || strcmp(s, "returned") == 0)
        return "tag tag-ok";
    if (strcmp(s, "refused") == 0 || strcmp(s, "withdrawn") == 0 || strcmp(s, "stopped") == 0)
        return "tag tag-off";
    if (strcmp(s, "draft") == 0)
        return "tag";
    return "tag tag-info";
}

/* "PDF" from "application/pdf". */
static const char *
type_name(const char *mime)
{
    if (!mime)
        return "";
    if (strcmp(mime, "application/pdf") == 0)
        return "PDF";
    if (strcmp(mime, "image/jpeg") == 0)
        return "JPG";
    if (strcmp(mime, "image/png") == 0)
        return "PNG";
    if (strcmp(mime, "application/xml") == 0)
        return "XML";
    return mime;
}

/* "12 KB", "1,2 MB" (vi) / "1.2 MB" (en). */
static json_t *
size_shown(json_int_t bytes, bool en)
{
    char out[32];
    const json_int_t mib = (json_int_t)1024 * 1024;
    if (bytes >= mib)
        snprintf(out, sizeof(out), "%lld%c%lld MB", (long long)(bytes / mib), en ? '.' : ',',
                 (long long)(bytes % mib * 10 / mib));
    else
        snprintf(out, sizeof(out), "%lld KB", (long long)((bytes + 1023) / 1024));
    return json_string(out);
}

/* A file of the dossier with its download link. */
static void
shape_file(struct page *pg, const char *code, json_t *f)
{
    char suffix[48];
    snprintf(suffix, sizeof(suffix), "/files/%lld",
             (long long)json_integer_value(json_object_get(f, "id")));
    json_object_set_new(f, "link", code ? json_string(dv_path(pg->c, code, suffix)) : json_null());
    json_object_set_new(f, "type_name",
                        json_string(type_name(json_string_value(json_object_get(f, "type")))));
    json_object_set_new(f, "size_shown",
                        size_shown(json_integer_value(json_object_get(f, "size")), pg->en));
    keep_null(f, "filename");
}

static void
shape_timeline(json_t *tl)
{
    static const char *const outcomes[] = {"early", "on_time", "late", NULL};
    size_t i;
    json_t *e;
    json_array_foreach(tl, i, e)
    {
        shown(e, "at");
        keep_null(e, "actor");
        keep_null(e, "note");
        keep_null(e, "unit");
        pg_flags(e, "oc", json_string_value(json_object_get(e, "step_outcome")), outcomes);
    }
}

/* What a stored value reads as: the option's label, a date as dd/mm/yyyy, an address's text. */
static json_t *
value_text(const json_t *field, const json_t *v)
{
    const char *type = json_string_value(json_object_get(field, "type"));
    if (json_is_integer(v)) {
        char n[32];
        snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(v));
        return json_string(n);
    }
    if (json_is_object(v))
        return json_incref(json_object_get(v, "detail") ? json_object_get(v, "detail")
                                                        : json_null());
    if (type && strcmp(type, "select") == 0) {
        size_t i;
        const json_t *o;
        json_array_foreach(json_object_get(field, "options"), i, o)
        {
            if (json_equal(json_object_get(o, "value"), (json_t *)v))
                return json_incref(json_object_get(o, "label"));
        }
    }
    if (type && strcmp(type, "date") == 0)
        return dv_when(v);
    return json_is_string(v) ? json_incref((json_t *)v) : json_null();
}

/* The form's values in the form's order, file fields with their files. */
static json_t *
form_values(struct page *pg, const json_t *d, const json_t *doc)
{
    json_t *out = json_array();
    const json_t *form = json_object_get(d, "form");
    size_t i, k;
    const json_t *f, *file;
    json_array_foreach(json_object_get(json_object_get(doc, "form"), "fields"), i, f)
    {
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *type = json_string_value(json_object_get(f, "type"));
        if (!name || !type)
            continue;
        if (strcmp(type, "file") == 0) {
            json_t *files = json_array();
            json_array_foreach(json_object_get(d, "files"), k, file)
            {
                const char *fld = json_string_value(json_object_get(file, "field"));
                if (fld && strcmp(fld, name) == 0)
                    json_array_append(files, (json_t *)file);
            }
            if (json_array_size(files) == 0) {
                json_decref(files);
                continue;
            }
            json_array_append_new(out, json_pack("{s:O,s:n,s:o,s:b}", "label",
                                                 json_object_get(f, "label"), "value_shown",
                                                 "files", files, "is_file", true));
            continue;
        }
        const json_t *v = json_object_get(form, name);
        if (!v || json_is_null(v))
            continue;
        json_array_append_new(out, json_pack("{s:O,s:o,s:[],s:b}", "label",
                                             json_object_get(f, "label"), "value_shown",
                                             value_text(f, v), "files", "is_file", false));
    }
    (void)pg;
    return out;
}

/* Files that belong to no component and no field: supplements and results. */
static json_t *
loose_files(const json_t *d, bool supplement)
{
    json_t *out = json_array();
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(d, "files"), i, f)
    {
        bool is_supp = json_is_true(json_object_get(f, "supplement"));
        bool placed = json_integer_value(json_object_get(f, "component")) >= 0 &&
                      json_is_integer(json_object_get(f, "component"));
        if (is_supp == supplement &&
            (supplement || (!placed && json_is_null(json_object_get(f, "field")))))
            json_array_append(out, (json_t *)f);
    }
    return out;
}

static void
shape_slips(struct page *pg, json_t *d, const char *code, bool staff)
{
    json_t *slips = json_array();
    for (int k = EG_SLIP_RECEIPT; code && k <= EG_SLIP_CONTROL; k++) {
        if (k == EG_SLIP_CONTROL && !staff)
            continue;
        if (!eg_slip_available(d, (enum eg_slip)k))
            continue;
        char suffix[32];
        snprintf(suffix, sizeof(suffix), "/slips/%d", k);
        json_array_append_new(slips, json_pack("{s:i,s:s,s:s,s:b}", "n", k, "title",
                                               eg_slip_title((enum eg_slip)k, pg->lang), "link",
                                               dv_path(pg->c, code, suffix), "receipt",
                                               k == EG_SLIP_RECEIPT));
    }
    json_object_set_new(d, "slips_any", json_boolean(json_array_size(slips) > 0));
    json_object_set_new(d, "slips", slips);
}

static void
shape_step(json_t *d)
{
    json_t *step = json_object_get(d, "step");
    json_int_t cur = json_is_object(step) ? json_integer_value(json_object_get(step, "index")) : -1;
    if (json_is_object(step)) {
        shown(step, "started");
        shown(step, "due_at");
        keep_null(step, "assignee");
        keep_null(step, "unit");
    } else {
        json_object_set_new(d, "step", json_null());
    }
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(d, "steps"), i, s)
    {
        json_object_set_new(s, "current", json_boolean((json_int_t)i == cur));
        json_object_set_new(s, "number", json_integer((json_int_t)i + 1));
        keep_null(s, "unit");
        if ((json_int_t)i == cur + 1 && cur >= 0)
            json_object_set(d, "next_step", s);
    }
    keep_null(d, "next_step");
}

void
dv_shape(struct page *pg, json_t *d, const json_t *doc, bool staff)
{
    const char *code = json_string_value(json_object_get(d, "code"));
    const char *status = json_string_value(json_object_get(d, "status"));
    /* From the dossier as read, before it gains keys; the public view has none. */
    shape_slips(pg, d, json_object_get(d, "actions") ? code : NULL, staff);
    pg_flags(d, "st", status, states);
    json_object_set_new(d, "status_class", json_string(status_class(status)));
    static const char *const when[] = {"created",  "submitted", "received", "finished",
                                       "returned", "due",       "due_at"};
    for (size_t i = 0; i < EG_ARRAY_LEN(when); i++)
        shown(d, when[i]);
    static const char *const results[] = {"approved", "rejected", NULL};
    pg_flags(d, "res", json_string_value(json_object_get(d, "result")), results);
    keep_null(d, "reason");
    keep_null(d, "applicant");
    keep_null(d, "agency");
    json_t *app = json_object_get(d, "applicant");
    if (json_is_object(app)) {
        keep_null(app, "email");
        keep_null(app, "phone");
        keep_null(app, "personal_id");
        pg_flag(app, "kind", json_string_value(json_object_get(app, "kind")));
    }
    shape_timeline(json_object_get(d, "timeline"));
    size_t i, k;
    json_t *c, *f;
    json_array_foreach(json_object_get(d, "components"), i, c)
    {
        json_t *files = json_object_get(c, "files");
        json_array_foreach(files, k, f)
        {
            shape_file(pg, code, f);
        }
        json_object_set_new(c, "files_any", json_boolean(json_array_size(files) > 0));
        json_object_set_new(c, "number", json_integer((json_int_t)i + 1));
    }
    json_array_foreach(json_object_get(d, "files"), i, f)
    {
        shape_file(pg, code, f);
    }
    if (doc) {
        json_t *values = form_values(pg, d, doc);
        json_object_set_new(d, "values_any", json_boolean(json_array_size(values) > 0));
        json_object_set_new(d, "values", values);
    }
    json_t *supp = loose_files(d, true), *other = loose_files(d, false);
    json_object_set_new(d, "supplement_files_any", json_boolean(json_array_size(supp) > 0));
    json_object_set_new(d, "supplement_files", supp);
    json_object_set_new(d, "other_files_any", json_boolean(json_array_size(other) > 0));
    json_object_set_new(d, "other_files", other);
    shape_step(d);
    json_t *acts = json_object();
    json_t *a;
    json_array_foreach(json_object_get(d, "actions"), i, a)
    {
        pg_flag(acts, "act", json_string_value(a));
    }
    json_object_set_new(d, "can", acts);
    json_object_set_new(d, "actions_any",
                        json_boolean(json_array_size(json_object_get(d, "actions")) > 0));
    json_object_set_new(d, "link", code ? json_string(dv_path(pg->c, code, "")) : json_null());
    json_object_set_new(d, "supp_action",
                        code ? json_string(dv_path(pg->c, code, "/supplement")) : json_null());
    json_object_set_new(d, "withdraw_link",
                        code ? json_string(dv_path(pg->c, code, "/withdraw")) : json_null());
    json_object_set_new(
        d, "tracking_link",
        code ? json_string(eg_arena_printf(eg_req_arena(pg->c->req), "/tra-cuu/%s", code))
             : json_null());
}

json_t *
dv_doc(struct eg_call *c, const json_t *d)
{
    const json_t *p = json_object_get(d, "procedure");
    const char *code = json_string_value(json_object_get(p, "code"));
    json_t *doc = NULL;
    if (!code ||
        eg_procedure_document(c->db, code, (int)json_integer_value(json_object_get(p, "version")),
                              &doc) != EG_OK)
        return NULL;
    return doc;
}

void
dv_redirect_done(struct eg_call *c, const char *path, const char *what)
{
    json_t *flash = json_pack("{s:{s:s}}", "d", "done", what);
    if (flash)
        pg_flash_send(c->req, path, flash);
    json_decref(flash);
    pg_redirect(c, path);
}

void
dv_done(struct page *pg)
{
    const char *what = json_string_value(json_object_get(json_object_get(pg->flash, "d"), "done"));
    if (!what || strlen(what) > 32 || strspn(what, "abcdefghijklmnopqrstuvwxyz_") != strlen(what))
        return;
    json_t *done = json_object();
    pg_flag(done, "done", what);
    json_object_set_new(pg->ctx, "done", done);
}

void
dv_error(json_t *errors, const char *field, const char *key, const char *text)
{
    json_t *e = json_pack("{s:s}", "field", field ? field : "");
    if (key)
        pg_flag(e, "k", key);
    else
        json_object_set_new(e, "etext", json_string(text ? text : ""));
    json_array_append_new(errors, e);
}

void
dv_errors(struct page *pg, json_t *errors)
{
    json_t *by = json_object();
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *f = json_string_value(json_object_get(e, "field"));
        if (f && *f && !json_object_get(by, f))
            json_object_set(by, f, e);
    }
    json_object_set_new(pg->ctx, "e", by);
    if (json_array_size(errors) > 0) {
        json_object_set_new(pg->ctx, "has_errors", json_true());
        json_object_set_new(pg->ctx, "errors", errors);
    } else {
        json_decref(errors);
    }
}
