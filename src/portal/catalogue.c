/*
 * catalogue.c - finding a procedure: the search page with its filters (field,
 * implementing agency, level, applicant), browsing by field and by agency, and
 * what the home page and the directory show of the catalogue. Everything comes
 * from procedures/ (eg_procedure_search, eg_procedure_fields,
 * eg_procedure_agencies) and directory/; the pages only check the query and
 * shape the results.
 */
#include "portal_int.h"

#include "directory/directory.h"
#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

#define PER_PAGE 20
#define PAGE_MAX 10000
#define FIELD_CODE_MAX 16 /* procedure_field.code */
#define UNITS_MAX 1000

static const char *const levels[] = {"province", "commune", NULL};
static const char *const online_levels[] = {"full", "partial", "offline", NULL};
static const char *const applicants[] = {"citizen", "business", NULL};

/* ---- shared with the other pages ------------------------------------------------------ */

static const char *
path_with(struct eg_call *c, const char *prefix, const char *code, const char *suffix)
{
    struct eg_buf b = EG_BUF_INIT(512);
    const char *s = NULL;
    if (eg_buf_adds(&b, prefix) == EG_OK && pg_url_encode(&b, code) == EG_OK &&
        eg_buf_adds(&b, suffix) == EG_OK)
        s = eg_arena_strdup(eg_req_arena(c->req), b.p);
    eg_buf_release(&b);
    return s ? s : "/procedures";
}

const char *
cat_path(struct eg_call *c, const char *code, const char *suffix)
{
    return path_with(c, "/procedures/", code ? code : "", suffix ? suffix : "");
}

const char *
cat_agency_path(struct eg_call *c, const char *code)
{
    return path_with(c, "/procedures?agency=", code ? code : "", "");
}

/* Whether to show obj's key_en: the page is English and obj has an English text there. */
static bool
english(const struct page *pg, const json_t *obj, const char *key_en)
{
    const char *en = json_string_value(json_object_get(obj, key_en));
    return pg->en && en && *en;
}

void
cat_shape_item(struct page *pg, json_t *item)
{
    const char *code = json_string_value(json_object_get(item, "code"));
    json_object_set_new(item, "link", json_string(cat_path(pg->c, code, "")));
    /*
     * A search result's names in the page's language, Vietnamese when there is
     * no English one (a whole document is named by procedure.c).
     */
    json_t *field = json_object_get(item, "field");
    if (json_is_object(field)) {
        bool en_name = english(pg, item, "name_en"), en_field = english(pg, field, "name_en");
        json_object_set(item, "display_name", json_object_get(item, en_name ? "name_en" : "name"));
        json_object_set_new(item, "name_vi", json_boolean(!en_name));
        json_object_set(item, "field_display",
                        json_object_get(field, en_field ? "name_en" : "name"));
        json_object_set_new(item, "field_vi", json_boolean(!en_field));
    }
    pg_flags(item, "level", json_string_value(json_object_get(item, "level")), levels);
    pg_flags(item, "online", json_string_value(json_object_get(item, "online_level")),
             online_levels);
    /* A whole document keeps it under "processing"; a search result at the top. */
    json_t *wd = json_object_get(json_object_get(item, "processing"), "working_days");
    if (!json_object_get(item, "working_days") && wd)
        json_object_set(item, "working_days", wd);
    json_int_t days = json_integer_value(json_object_get(item, "working_days"));
    json_object_set_new(item, "same_day", json_boolean(days == 0));
    /* The applicants as a list of flagged items (partials/kind.html). */
    json_t *list = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(item, "applicants"), i, a)
    {
        json_t *o = json_object();
        pg_flags(o, "kind", json_string_value(a), applicants);
        json_object_set_new(o, "kind_staff", json_false());
        json_object_set_new(
            o, "last", json_boolean(i + 1 == json_array_size(json_object_get(item, "applicants"))));
        json_array_append_new(list, o);
    }
    json_object_set_new(item, "applicant_list", list);
}

json_t *
cat_popular(struct page *pg, int n)
{
    struct eg_procedure_query q = {.limit = n};
    json_t *out = NULL;
    if (eg_procedure_search(pg->c->db, &q, &out) != EG_OK)
        return json_array();
    json_t *items = json_incref(json_object_get(out, "items"));
    json_decref(out);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        cat_shape_item(pg, it);
    }
    return items ? items : json_array();
}

enum eg_err
cat_agency_counts(struct eg_call *c, json_t *units)
{
    json_t *counted = NULL;
    enum eg_err rc = eg_procedure_agencies(c->db, &counted);
    if (rc != EG_OK)
        return rc;
    size_t i, k;
    json_t *u, *a;
    json_array_foreach(units, i, u)
    {
        const char *code = json_string_value(json_object_get(u, "code"));
        json_int_t n = 0;
        json_array_foreach(counted, k, a)
        {
            const char *ac = json_string_value(json_object_get(a, "code"));
            if (code && ac && strcmp(code, ac) == 0)
                n = json_integer_value(json_object_get(a, "count"));
        }
        json_object_set_new(u, "procedures", json_integer(n));
        json_object_set_new(u, "procedures_link",
                            n > 0 ? json_string(cat_agency_path(c, code)) : json_null());
    }
    json_decref(counted);
    return EG_OK;
}

/* ---- GET /procedures ------------------------------------------------------------------- */

/* The options of a select: {"value", "<prefix>_<value>": flags, "selected"}, "any" first. */
static json_t *
options(const char *prefix, const char *const *set, const char *chosen)
{
    json_t *list = json_array();
    json_t *any = json_pack("{s:s, s:b, s:b}", "value", "", "any", 1, "selected", !chosen);
    pg_flags(any, prefix, NULL, set);
    json_array_append_new(list, any);
    for (const char *const *s = set; *s; s++) {
        json_t *o = json_pack("{s:s, s:b, s:b}", "value", *s, "any", 0, "selected",
                              chosen && strcmp(chosen, *s) == 0);
        pg_flags(o, prefix, *s, set);
        json_array_append_new(list, o);
    }
    /* partials/kind.html also knows staff, which is never an applicant. */
    for (size_t i = 0; strcmp(prefix, "kind") == 0 && i < json_array_size(list); i++)
        json_object_set_new(json_array_get(list, i), "kind_staff", json_false());
    return list;
}

/* The field options with their counts, and the display name of the chosen one. */
static json_t *
field_options(struct page *pg, json_t *fields, const char *chosen, bool *known)
{
    json_t *list = json_array();
    *known = false;
    json_array_append_new(list, json_pack("{s:s, s:b, s:b, s:n, s:n}", "value", "", "any", 1,
                                          "selected", !chosen, "name", "count"));
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f)
    {
        const char *code = json_string_value(json_object_get(f, "code"));
        bool sel = chosen && code && strcmp(chosen, code) == 0;
        *known = *known || sel;
        json_array_append_new(
            list, json_pack("{s:s, s:b, s:b, s:O, s:O}", "value", code ? code : "", "any", 0,
                            "selected", sel, "name",
                            json_object_get(f, english(pg, f, "name_en") ? "name_en" : "name"),
                            "count", json_object_get(f, "count")));
    }
    return list;
}

/* One of a fixed set, or absent (NULL); anything else is an error on the field. */
static const char *
one_of(struct page *pg, const char *name, const char *const *set, const char *err)
{
    const char *v = eg_req_query(pg->c->req, name);
    if (!v || !*v)
        return NULL;
    for (const char *const *s = set; *s; s++)
        if (strcmp(v, *s) == 0)
            return *s;
    pg_field_error(pg, name, err);
    return NULL;
}

/* The agency filter: a code of an existing unit, shown as a chip that can be removed. */
static const char *
agency_filter(struct page *pg, const char *const *kv)
{
    struct eg_call *c = pg->c;
    const char *a = eg_req_query(c->req, "agency");
    if (!a || !*a)
        return NULL;
    json_t *u = NULL;
    json_t *chip = json_object();
    json_object_set_new(chip, "remove", json_string(pg_link(c, "/procedures", kv)));
    json_object_set_new(pg->ctx, "agency", chip);
    if (strlen(a) <= EG_AGENCY_CODE_MAX &&
        eg_agency_code_parse(a, &(struct eg_agency_code){0}, NULL) == EG_OK &&
        eg_org_unit_get(c->db, a, &u) == EG_OK) {
        bool en_name = english(pg, u, "name_en");
        json_object_set(chip, "name", json_object_get(u, en_name ? "name_en" : "name"));
        json_object_set_new(chip, "name_vi", json_boolean(!en_name));
        json_object_set(chip, "code", json_object_get(u, "code"));
        json_decref(u);
        return json_string_value(json_object_get(chip, "code"));
    }
    json_object_set_new(chip, "code", json_string(a));
    json_object_set_new(chip, "name", json_null());
    json_object_set_new(chip, "name_vi", json_false());
    pg_field_error(pg, "agency", "agency_unknown");
    return NULL;
}

/* Reads and checks the query; errors go on the page (answered 400). */
static void
read_query(struct page *pg, struct eg_procedure_query *q, json_t *fields, long long *page)
{
    struct eg_call *c = pg->c;
    json_t *v = json_object_get(pg->ctx, "v");
    memset(q, 0, sizeof(*q));
    const char *text = eg_req_query(c->req, "q");
    if (text && *text) {
        json_object_set_new(v, "q", json_string(text));
        if (strlen(text) > EG_PROCEDURE_QUERY_MAX)
            pg_field_error(pg, "q", "procedure_query_too_long");
        else
            q->q = text;
    }
    const char *field = eg_req_query(c->req, "field");
    bool known = false;
    if (field && !*field)
        field = NULL;
    json_object_set_new(pg->ctx, "field_options", field_options(pg, fields, field, &known));
    if (field && (!known || strlen(field) > FIELD_CODE_MAX))
        pg_field_error(pg, "field", "field_unknown");
    q->field = known ? field : NULL;
    q->level = one_of(pg, "level", levels, "level_invalid");
    q->applicant = one_of(pg, "applicant", applicants, "applicant_invalid");
    json_object_set_new(pg->ctx, "level_options", options("level", levels, q->level));
    json_object_set_new(pg->ctx, "applicant_options", options("kind", applicants, q->applicant));
    /* The filters stay folded away on a first search; open when one is set (or refused). */
    json_object_set_new(
        pg->ctx, "filters_open",
        json_boolean(field || pg_query_str(c, "level", 64) || pg_query_str(c, "applicant", 64)));
    const char *without_agency[] = {"q",      q->q,        "field",      q->field, "level",
                                    q->level, "applicant", q->applicant, NULL};
    q->agency = agency_filter(pg, without_agency);
    *page = 1;
    const char *p = eg_req_query(c->req, "page");
    if (p && *p && eg_parse_i64(p, 1, PAGE_MAX, page) != EG_OK)
        pg_field_error(pg, "", "page_invalid");
    q->limit = PER_PAGE;
    q->offset = (int)((*page - 1) * PER_PAGE);
}

/* The results, the count, the paging and what to try when nothing was found. */
static void
results(struct page *pg, const struct eg_procedure_query *q, json_t *out, long long page)
{
    json_t *items = json_object_get(out, "items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        cat_shape_item(pg, it);
    }
    json_int_t total = json_integer_value(json_object_get(out, "total"));
    bool filtered = q->field || q->agency || q->level || q->applicant;
    json_object_set(pg->ctx, "items", items);
    json_object_set_new(pg->ctx, "items_any", json_boolean(json_array_size(items) > 0));
    json_object_set_new(pg->ctx, "total", json_integer(total));
    json_object_set_new(pg->ctx, "searched", json_boolean(q->q || filtered));
    json_object_set_new(pg->ctx, "partial",
                        json_boolean(json_is_true(json_object_get(out, "partial"))));
    if (total == 0) {
        json_t *none = json_object();
        const char *kv[] = {"q", q->q, NULL};
        if (filtered)
            json_object_set_new(none, "unfilter", json_string(pg_link(pg->c, "/procedures", kv)));
        else
            json_object_set_new(none, "unfilter", json_null());
        json_object_set_new(pg->ctx, "none", none);
    } else if (json_array_size(items) == 0) {
        json_object_set_new(pg->ctx, "beyond", json_true());
    }
    const char *kv[] = {"q",     q->q,     "field",     q->field,     "agency", q->agency,
                        "level", q->level, "applicant", q->applicant, NULL};
    json_object_set_new(pg->ctx, "first_page", json_string(pg_link(pg->c, "/procedures", kv)));
    pg_paging(pg, "/procedures", kv, page, PER_PAGE, total);
}

void
pg_procedures(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (pg_from_memo(&pg))
        return;
    json_object_set_new(pg.ctx, "nav_procedures", json_true());
    json_t *fields = NULL, *out = NULL;
    enum eg_err rc = eg_procedure_fields(c->db, &fields);
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    struct eg_procedure_query q;
    long long page;
    read_query(&pg, &q, fields, &page);
    bool refused = json_object_get(pg.ctx, "has_errors") != NULL;
    if (!refused) {
        rc = eg_procedure_search(c->db, &q, &out);
        if (rc == EG_EINVAL) {
            pg_field_error(&pg, "q", "procedure_query_invalid");
            refused = true;
        } else if (rc != EG_OK) {
            json_decref(fields);
            pg_release(&pg);
            eg_resp_err(c->req, rc, NULL);
            return;
        } else {
            results(&pg, &q, out, page);
        }
    }
    json_decref(out);
    json_decref(fields);
    pg_render(&pg, refused ? 400 : 200, "procedures");
}

/* ---- GET /fields ----------------------------------------------------------------------------- */

void
pg_fields(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (pg_from_memo(&pg))
        return;
    json_t *fields = NULL;
    enum eg_err rc = eg_procedure_fields(c->db, &fields);
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_object_set_new(pg.ctx, "nav_procedures", json_true());
    size_t i;
    json_t *f;
    json_int_t sum = 0;
    json_array_foreach(fields, i, f)
    {
        const char *code = json_string_value(json_object_get(f, "code"));
        const char *kv[] = {"field", code, NULL};
        json_int_t n = json_integer_value(json_object_get(f, "count"));
        sum += n;
        json_object_set(f, "display_name",
                        json_object_get(f, english(&pg, f, "name_en") ? "name_en" : "name"));
        json_object_set_new(f, "link",
                            n > 0 ? json_string(pg_link(c, "/procedures", kv)) : json_null());
    }
    json_object_set_new(pg.ctx, "fields", fields);
    json_object_set_new(pg.ctx, "fields_any", json_boolean(json_array_size(fields) > 0));
    json_object_set_new(pg.ctx, "total", json_integer(sum));
    pg_render(&pg, 200, "fields");
}

/* ---- GET /agencies ------------------------------------------------------------------------- */

/*
 * The English names of the units, for an English page: eg_procedure_agencies
 * gives the Vietnamese ones only. One listing of the open units (at most
 * UNITS_MAX, 200 a query); a unit not found keeps its Vietnamese name.
 */
static enum eg_err
english_names(struct eg_db *db, json_t *agencies)
{
    struct eg_org_query q = {.limit = 200};
    for (;;) {
        json_t *out = NULL;
        enum eg_err rc = eg_org_unit_list(db, &q, &out);
        if (rc != EG_OK)
            return rc;
        json_t *items = json_object_get(out, "items");
        size_t i, k;
        json_t *u, *a;
        json_array_foreach(items, i, u)
        {
            const char *code = json_string_value(json_object_get(u, "code"));
            json_t *en = json_object_get(u, "name_en");
            json_array_foreach(agencies, k, a)
            {
                const char *ac = json_string_value(json_object_get(a, "code"));
                if (code && ac && strcmp(code, ac) == 0 && json_is_string(en))
                    json_object_set(a, "name_en", en);
            }
        }
        json_int_t total = json_integer_value(json_object_get(out, "total"));
        size_t got = json_array_size(items);
        json_decref(out);
        q.offset += (int)got;
        if (got == 0 || q.offset >= total || q.offset >= UNITS_MAX)
            return EG_OK;
    }
}

void
pg_agencies(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (pg_from_memo(&pg))
        return;
    json_t *units = NULL;
    enum eg_err rc = eg_procedure_agencies(c->db, &units);
    if (rc == EG_OK && pg.en)
        rc = english_names(c->db, units);
    if (rc != EG_OK) {
        json_decref(units);
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_object_set_new(pg.ctx, "nav_procedures", json_true());
    /* Those that carry out procedures (with how many): the province's agencies, then the communes. */
    json_t *province = json_array(), *communes = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        const char *code = json_string_value(json_object_get(u, "code"));
        bool en_name = english(&pg, u, "name_en");
        json_object_set(u, "display_name", json_object_get(u, en_name ? "name_en" : "name"));
        json_object_set_new(u, "name_vi", json_boolean(!en_name));
        json_object_set(u, "procedures", json_object_get(u, "count"));
        json_object_set_new(u, "procedures_link", json_string(cat_agency_path(c, code)));
        const char *kind = json_string_value(json_object_get(u, "kind"));
        bool commune = kind && strcmp(kind, "commune_committee") == 0;
        json_array_append(commune ? communes : province, u);
    }
    json_object_set_new(pg.ctx, "province_units", province);
    json_object_set_new(pg.ctx, "commune_units", communes);
    json_object_set_new(pg.ctx, "province_any", json_boolean(json_array_size(province) > 0));
    json_object_set_new(pg.ctx, "communes_any", json_boolean(json_array_size(communes) > 0));
    json_decref(units);
    pg_render(&pg, 200, "agencies");
}
