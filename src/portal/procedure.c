/*
 * procedure.c - one published procedure on one printable page (what to bring,
 * how long, what it costs, who decides, the legal basis), the blank
 * declaration (tờ khai) generated from its form definition for printing on A4,
 * the same declaration as a PDF to download (eg_procedure_form_pdf), and the
 * entry point of online submission, which for now says honestly how to submit
 * at the one-stop desk. The document comes from eg_procedure_get(); the pages
 * only choose what to show and how.
 */
#include "portal_int.h"

#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

#define AGENCIES_SHOWN 5 /* more are listed under a <details> */
#define PID_DIGITS 12
#define PDF_MAX ((size_t)8 << 20) /* a 60-field form is about 300 KB */

/* The published procedure of the path's code; answers 404 itself (false) when there is none. */
static bool
load(struct page *pg, json_t **doc)
{
    struct eg_call *c = pg->c;
    const char *code = eg_req_param(c->req, "code");
    *doc = NULL;
    enum eg_err rc =
        eg_procedure_code_ok(code) ? eg_procedure_get(c->db, code, false, doc) : EG_ENOTFOUND;
    if (rc == EG_ENOTFOUND) {
        pg_error(pg, 404, "procedure_not_found");
        return false;
    }
    if (rc != EG_OK) {
        pg_release(pg);
        eg_resp_err(c->req, rc, NULL);
        return false;
    }
    return true;
}

/* Sets key to null when absent, so that a template never reads it from around the item. */
static void
keep_null(json_t *o, const char *key)
{
    if (!json_object_get(o, key))
        json_object_set_new(o, key, json_null());
}

/* The name, field and enumerations of a procedure for the templates. */
static void
shape_common(struct page *pg, json_t *p)
{
    const char *en = json_string_value(json_object_get(p, "name_en"));
    const char *field_en = json_string_value(json_object_get(p, "field_name_en"));
    bool english_name = pg->en && en && *en;
    json_object_set(p, "display_name", json_object_get(p, english_name ? "name_en" : "name"));
    json_object_set_new(p, "name_vi_shown", json_boolean(english_name));
    json_object_set(
        p, "field_display",
        json_object_get(p, pg->en && field_en && *field_en ? "field_name_en" : "field_name"));
    cat_shape_item(pg, p);
    const char *field_q[] = {"field", json_string_value(json_object_get(p, "field")), NULL};
    json_object_set_new(p, "field_link", json_string(pg_link(pg->c, "/procedures", field_q)));
    keep_null(p, "legacy_level");
    keep_null(p, "conditions_vi");
    json_t *agencies = json_object_get(p, "agencies");
    size_t i, n = json_array_size(agencies);
    json_t *a;
    json_array_foreach(agencies, i, a)
    {
        json_object_set_new(
            a, "link",
            json_string(cat_agency_path(pg->c, json_string_value(json_object_get(a, "code")))));
    }
    json_object_set_new(p, "agency_count", json_integer((json_int_t)n));
    json_object_set_new(p, "agencies_many", json_boolean(n > AGENCIES_SHOWN));
    json_object_set_new(p, "agency_one",
                        n == 1 ? json_incref(json_array_get(agencies, 0)) : json_null());
    const char *code = json_string_value(json_object_get(p, "code"));
    const char *ol = json_string_value(json_object_get(p, "online_level"));
    bool online = ol && (strcmp(ol, "full") == 0 || strcmp(ol, "partial") == 0);
    json_object_set_new(p, "submit_link",
                        online ? json_string(cat_path(pg->c, code, "/submit")) : json_null());
    bool has_form = json_array_size(json_object_get(json_object_get(p, "form"), "fields")) > 0;
    json_object_set_new(p, "form_link",
                        has_form ? json_string(cat_path(pg->c, code, "/form")) : json_null());
    json_object_set_new(p, "pdf_link",
                        has_form ? json_string(cat_path(pg->c, code, "/form.pdf")) : json_null());
}

/* ---- GET /procedures/{code} --------------------------------------------------------------- */

static void
shape_page(struct page *pg, json_t *p)
{
    shape_common(pg, p);
    json_t *proc = json_object_get(p, "processing");
    keep_null(proc, "cutoff");
    keep_null(proc, "note_vi");
    json_t *fees = json_object_get(p, "fees");
    size_t i;
    json_t *v;
    json_array_foreach(fees, i, v)
    {
        keep_null(v, "note_vi");
        json_object_set_new(
            v, "free", json_boolean(json_integer_value(json_object_get(v, "amount_vnd")) == 0));
    }
    json_object_set_new(p, "fees_none", json_boolean(json_array_size(fees) == 0));
    const char *form = json_string_value(json_object_get(p, "form_link"));
    json_array_foreach(json_object_get(p, "components"), i, v)
    {
        const char *t = json_string_value(json_object_get(v, "template"));
        json_object_set_new(v, "required",
                            json_boolean(json_is_true(json_object_get(v, "required"))));
        json_object_set_new(v, "template_link", t && form ? json_string(form) : json_null());
        json_object_set(v, "template_pdf",
                        t && form ? json_object_get(p, "pdf_link") : json_null());
        json_object_set_new(v, "copies_any",
                            json_boolean(json_integer_value(json_object_get(v, "copies")) > 0));
        json_object_set_new(v, "originals_any",
                            json_boolean(json_integer_value(json_object_get(v, "originals")) > 0));
    }
}

void
pg_procedure(struct eg_call *c, void *ctx)
{
    struct page pg;
    json_t *p;
    pg_begin(&pg, c, ctx);
    if (pg_from_memo(&pg))
        return;
    json_object_set_new(pg.ctx, "nav_procedures", json_true());
    if (!load(&pg, &p))
        return;
    shape_page(&pg, p);
    json_object_set_new(pg.ctx, "p", p);
    pg_render(&pg, 200, "procedure");
}

/* ---- GET /procedures/{code}/form ------------------------------------------------------------ */

/* "PDF, JPG, PNG" from the accepted MIME types. */
static json_t *
types_text(const json_t *accept)
{
    static const struct {
        const char *mime, *name;
    } names[] = {{"application/pdf", "PDF"},
                 {"image/jpeg", "JPG"},
                 {"image/png", "PNG"},
                 {"application/xml", "XML"},
                 {"text/xml", "XML"}};
    char out[128] = "";
    size_t off = 0, i;
    const json_t *v;
    json_array_foreach(accept, i, v)
    {
        for (size_t k = 0; k < EG_ARRAY_LEN(names); k++) {
            if (strcmp(json_string_value(v) ? json_string_value(v) : "", names[k].mime) != 0 ||
                strstr(out, names[k].name))
                continue;
            off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s", off ? ", " : "",
                                    names[k].name);
            if (off >= sizeof(out))
                return json_null();
        }
    }
    return off ? json_string(out) : json_null();
}

/* "10 MB", "2,5 MB" (vi) / "2.5 MB" (en), "500 KB". */
static json_t *
size_text(json_int_t bytes, bool en)
{
    char out[32];
    const json_int_t mib = (json_int_t)1024 * 1024;
    if (bytes <= 0)
        return json_null();
    if (bytes >= mib && bytes % mib == 0)
        snprintf(out, sizeof(out), "%lld MB", (long long)(bytes / mib));
    else if (bytes >= mib)
        snprintf(out, sizeof(out), "%lld%c%lld MB", (long long)(bytes / mib), en ? '.' : ',',
                 (long long)(bytes % mib * 10 / mib));
    else
        snprintf(out, sizeof(out), "%lld KB", (long long)((bytes + 1023) / 1024));
    return json_string(out);
}

/* The labels of the select field and its option that a conditional field depends on. */
static json_t *
condition(const json_t *fields, const json_t *show_if)
{
    const char *on = json_string_value(json_object_get(show_if, "field"));
    const char *eq = json_string_value(json_object_get(show_if, "equals"));
    size_t i, k;
    const json_t *f, *o;
    if (!on || !eq)
        return json_null();
    json_array_foreach(fields, i, f)
    {
        const char *name = json_string_value(json_object_get(f, "name"));
        if (!name || strcmp(name, on) != 0)
            continue;
        json_array_foreach(json_object_get(f, "options"), k, o)
        {
            const char *v = json_string_value(json_object_get(o, "value"));
            if (v && strcmp(v, eq) == 0)
                return json_pack("{s:O, s:O}", "field", json_object_get(f, "label"), "option",
                                 json_object_get(o, "label"));
        }
    }
    return json_null();
}

/* What a field of the online form becomes on paper: a line, lines, boxes or choices. */
static const char *
paper_kind(const char *type)
{
    if (strcmp(type, "textarea") == 0)
        return "area";
    if (strcmp(type, "date") == 0)
        return "date";
    if (strcmp(type, "select") == 0)
        return "choice";
    if (strcmp(type, "personal_id") == 0)
        return "digits";
    return "line";
}

/* The declaration's fields (items) and the papers to attach (file fields). */
static void
shape_declaration(struct page *pg, json_t *p)
{
    static const char *const kinds[] = {"line", "area", "date", "choice", "digits", NULL};
    const json_t *fields = json_object_get(json_object_get(p, "form"), "fields");
    json_t *items = json_array(), *files = json_array();
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f)
    {
        const char *type = json_string_value(json_object_get(f, "type"));
        json_t *o = json_pack("{s:O, s:b, s:o}", "label", json_object_get(f, "label"), "required",
                              json_is_true(json_object_get(f, "required")), "cond",
                              condition(fields, json_object_get(f, "show_if")));
        json_t *hint = json_object_get(f, "hint");
        json_object_set(o, "hint", hint ? hint : json_null());
        json_t *min = json_object_get(f, "min"), *max = json_object_get(f, "max");
        json_object_set_new(o, "range_both", json_boolean(min && max));
        json_object_set_new(o, "range_min", json_boolean(min && !max));
        json_object_set_new(o, "range_max", json_boolean(!min && max));
        json_object_set(o, "min", min ? min : json_null());
        json_object_set(o, "max", max ? max : json_null());
        if (type && strcmp(type, "file") == 0) {
            json_object_set_new(o, "types", types_text(json_object_get(f, "accept")));
            json_object_set_new(
                o, "size", size_text(json_integer_value(json_object_get(f, "max_bytes")), pg->en));
            json_array_append_new(files, o);
            continue;
        }
        pg_flags(o, "t", paper_kind(type ? type : "text"), kinds);
        json_t *opts = json_array();
        size_t k;
        const json_t *opt;
        json_array_foreach(json_object_get(f, "options"), k, opt)
        {
            json_array_append_new(opts, json_pack("{s:O}", "label", json_object_get(opt, "label")));
        }
        json_object_set_new(o, "options", opts);
        json_t *digits = json_array();
        for (int d = 0; type && strcmp(type, "personal_id") == 0 && d < PID_DIGITS; d++)
            json_array_append_new(digits, json_integer(d));
        json_object_set_new(o, "digits", digits);
        json_array_append_new(items, o);
    }
    json_object_set_new(p, "decl_fields", items);
    json_object_set_new(p, "decl_files", files);
    json_object_set_new(p, "decl_files_any", json_boolean(json_array_size(files) > 0));
}

void
pg_procedure_form(struct eg_call *c, void *ctx)
{
    struct page pg;
    json_t *p;
    pg_begin(&pg, c, ctx);
    json_object_set_new(pg.ctx, "nav_procedures", json_true());
    if (!load(&pg, &p))
        return;
    shape_common(&pg, p);
    if (json_is_null(json_object_get(p, "form_link"))) {
        json_decref(p);
        pg_error(&pg, 404, "form_not_found");
        return;
    }
    shape_declaration(&pg, p);
    json_object_set_new(pg.ctx, "p", p);
    pg_render(&pg, 200, "procedure_form");
}

/* ---- GET /procedures/{code}/form.pdf ---------------------------------------------------------- */

/* A 404 page: no such published procedure, or it has no form. */
static void
pdf_not_found(struct eg_call *c, void *ctx, const char *key)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    pg_error(&pg, 404, key);
}

/*
 * The blank declaration as an A4 PDF, a download (to-khai-<code>.pdf) that
 * public caches may keep for an hour; the fixed texts in the page's language.
 */
void
pg_procedure_form_pdf(struct eg_call *c, void *ctx)
{
    const char *code = eg_req_param(c->req, "code");
    json_t *p = NULL;
    enum eg_err rc =
        eg_procedure_code_ok(code) ? eg_procedure_get(c->db, code, false, &p) : EG_ENOTFOUND;
    if (rc == EG_ENOTFOUND) {
        pdf_not_found(c, ctx, "procedure_not_found");
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    struct eg_buf out = EG_BUF_INIT(PDF_MAX), msg = EG_BUF_INIT(1024);
    rc = json_array_size(json_object_get(json_object_get(p, "form"), "fields")) > 0
             ? eg_procedure_form_pdf(p, pg_lang(c), NULL, &out, &msg)
             : EG_ENOTFOUND;
    json_decref(p);
    if (rc == EG_OK) {
        /* The code is digits, letters and dots (eg_procedure_code_ok): safe in the header. */
        const char *cd =
            eg_arena_printf(eg_req_arena(c->req), "attachment; filename=\"to-khai-%s.pdf\"", code);
        eg_resp_header(c->req, "Content-Disposition", cd ? cd : "attachment");
        eg_resp_header(c->req, "Cache-Control", "public, max-age=3600");
        /* The language comes from a cookie when ?lang= is absent. */
        eg_resp_header(c->req, "Vary", "Cookie");
        eg_resp_header(c->req, "Content-Language", pg_lang(c));
        eg_resp_bytes(c->req, 200, "application/pdf", out.p, out.len);
    } else if (rc == EG_ENOTFOUND) {
        pdf_not_found(c, ctx, "form_not_found");
    } else {
        eg_error("portal: the form of procedure %s as PDF: %s: %s", code, eg_strerror(rc),
                 msg.len ? eg_buf_str(&msg) : "-");
        eg_resp_err(c->req, EG_EINTERNAL, NULL);
    }
    eg_buf_release(&out);
    eg_buf_release(&msg);
}

/* ---- GET /procedures/{code}/submit ----------------------------------------------------------- */

/*
 * Online submission opens with the dossiers (the next release): until then,
 * the page says so and how to hand the dossier in at the one-stop desk.
 */
void
pg_procedure_submit(struct eg_call *c, void *ctx)
{
    struct page pg;
    json_t *p;
    pg_begin(&pg, c, ctx);
    json_object_set_new(pg.ctx, "nav_procedures", json_true());
    if (!load(&pg, &p))
        return;
    shape_common(&pg, p);
    json_object_set_new(pg.ctx, "p", p);
    pg_render(&pg, 200, "procedure_submit");
}
