/*
 * dossier_fields.c - a procedure's form definition turned into inputs for the
 * templates (partials/dossier_field): one per field, by type (one line, a
 * textarea, day/month/year, radios or a select, a file input), each with what
 * was typed, its error and the files kept for it; the dossier components with
 * their file inputs; values filled from the applicant's profile or from a
 * draft. Without JavaScript a conditional field (show_if) is always shown,
 * labelled with its condition; the server ignores it when not asked.
 */
#include "portal_int.h"

#include <stdio.h>
#include <string.h>

#define RADIOS_MAX 4 /* more options than this: a select */

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *
aprintf(struct dform *f, const char *fmt, const char *a, const char *b)
{
    return eg_arena_printf(eg_req_arena(f->c->req), fmt, a, b ? b : "");
}

/* ---- filled in advance ------------------------------------------------------------------- */

static void
set(struct dform *f, const char *id, const json_t *v)
{
    if (json_is_string(v) && json_string_length(v) > 0 && !json_object_get(f->typed, id))
        json_object_set(f->typed, id, (json_t *)v);
}

static bool
named(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(name, *names) == 0)
            return true;
    return false;
}

void
df_prefill(struct dform *f, const json_t *account)
{
    static const char *const who[] = {"applicant_name", "requester_name", NULL};
    static const char *const pid[] = {"applicant_personal_id", "requester_personal_id",
                                      "personal_id", NULL};
    static const char *const tax[] = {"tax_code", "owner_tax_code", NULL};
    static const char *const home[] = {"residence", NULL};
    size_t i;
    const json_t *fd;
    json_array_foreach(json_object_get(json_object_get(f->doc, "form"), "fields"), i, fd)
    {
        const char *name = str(fd, "name"), *type = str(fd, "type");
        if (!name || !type)
            continue;
        const char *id = aprintf(f, "f_%s%s", name, NULL);
        if (strcmp(type, "text") == 0 && named(name, who))
            set(f, id, json_object_get(account, "name"));
        else if (strcmp(type, "personal_id") == 0 && named(name, pid))
            set(f, id, json_object_get(account, "personal_id"));
        else if (strcmp(type, "tax_code") == 0 && named(name, tax))
            set(f, id, json_object_get(account, "tax_code"));
        else if (strcmp(type, "phone") == 0 && strcmp(name, "phone") == 0)
            set(f, id, json_object_get(account, "phone"));
        else if (strcmp(type, "email") == 0 && strcmp(name, "email") == 0)
            set(f, id, json_object_get(account, "email"));
        else if (strcmp(type, "address") == 0 && named(name, home)) {
            const char *addr = str(account, "address"), *unit = str(account, "admin_unit");
            if (addr && *addr && unit && *unit)
                json_object_set_new(f->typed, id, json_string(aprintf(f, "%s, %s", addr, unit)));
            else
                set(f, id, json_object_get(account, addr && *addr ? "address" : "admin_unit"));
        }
    }
}

void
df_from_dossier(struct dform *f, const json_t *form, const json_t *files)
{
    size_t i;
    const json_t *fd, *file;
    json_array_foreach(json_object_get(json_object_get(f->doc, "form"), "fields"), i, fd)
    {
        const char *name = str(fd, "name"), *type = str(fd, "type");
        const json_t *v = name ? json_object_get(form, name) : NULL;
        if (!v || !type)
            continue;
        const char *id = aprintf(f, "f_%s%s", name, NULL);
        const char *s = json_string_value(v);
        if (strcmp(type, "date") == 0 && s && strlen(s) == 10) {
            json_object_set_new(f->typed, aprintf(f, "f_%s%s", name, "_day"),
                                json_stringn(s + 8, 2));
            json_object_set_new(f->typed, aprintf(f, "f_%s%s", name, "_month"),
                                json_stringn(s + 5, 2));
            json_object_set_new(f->typed, aprintf(f, "f_%s%s", name, "_year"), json_stringn(s, 4));
        } else if (json_is_integer(v)) {
            char n[32];
            snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(v));
            json_object_set_new(f->typed, id, json_string(n));
        } else if (json_is_object(v)) {
            set(f, id, json_object_get(v, "detail"));
        } else {
            set(f, id, v);
        }
    }
    json_array_foreach(files, i, file)
    {
        const char *field = str(file, "field");
        json_int_t comp = json_integer_value(json_object_get(file, "component"));
        json_int_t id = json_integer_value(json_object_get(file, "id"));
        char slot[96];
        if (field)
            snprintf(slot, sizeof(slot), "f_%s", field);
        else if (comp >= 0 && json_is_integer(json_object_get(file, "component")))
            snprintf(slot, sizeof(slot), "comp_%lld", (long long)comp);
        else
            continue;
        char value[128];
        snprintf(value, sizeof(value), "%lld:%s", (long long)id, slot);
        json_int_t size = json_integer_value(json_object_get(file, "size"));
        char sz[32];
        snprintf(sz, sizeof(sz), "%lld KB", (long long)(size + 1023) / 1024);
        json_array_append_new(f->kept, json_pack("{s:I,s:s,s:O,s:s,s:s}", "id", id, "slot", slot,
                                                 "filename", json_object_get(file, "filename"),
                                                 "size_shown", sz, "value", value));
    }
}

/* ---- inputs for the templates ------------------------------------------------------------ */

/* The labels of the select field and option a conditional field depends on. */
static json_t *
condition(const json_t *fields, const json_t *show_if)
{
    const char *on = str(show_if, "field"), *eq = str(show_if, "equals");
    size_t i, k;
    const json_t *f, *o;
    json_array_foreach(fields, i, f)
    {
        const char *name = str(f, "name");
        if (!on || !eq || !name || strcmp(name, on) != 0)
            continue;
        json_array_foreach(json_object_get(f, "options"), k, o)
        {
            const char *v = str(o, "value");
            if (v && strcmp(v, eq) == 0)
                return json_pack("{s:O,s:O}", "field", json_object_get(f, "label"), "option",
                                 json_object_get(o, "label"));
        }
    }
    return json_null();
}

/* ".pdf,.jpg,.jpeg,.png" and "PDF, JPG, PNG" from the accepted types. */
static void
accept_texts(struct dform *f, const json_t *accept, json_t *o)
{
    static const struct {
        const char *mime, *ext, *name;
    } t[] = {{"application/pdf", ".pdf", "PDF"},
             {"image/jpeg", ".jpg,.jpeg", "JPG"},
             {"image/png", ".png", "PNG"},
             {"application/xml", ".xml", "XML"}};
    char exts[96] = "", names[64] = "";
    size_t i;
    const json_t *m;
    bool any = false;
    for (size_t k = 0; k < EG_ARRAY_LEN(t); k++) {
        bool want = json_array_size(accept) == 0 && k < 3;
        json_array_foreach(accept, i, m)
        {
            want = want || (json_string_value(m) && strcmp(json_string_value(m), t[k].mime) == 0);
        }
        if (!want)
            continue;
        snprintf(exts + strlen(exts), sizeof(exts) - strlen(exts), "%s%s", any ? "," : "",
                 t[k].ext);
        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", any ? ", " : "",
                 t[k].name);
        any = true;
    }
    (void)f;
    json_object_set_new(o, "accept", json_string(exts));
    json_object_set_new(o, "types", json_string(names));
}

/* The files kept for a slot. */
static json_t *
kept_for(const struct dform *f, const char *slot)
{
    json_t *out = json_array();
    size_t i;
    const json_t *k;
    json_array_foreach(f->kept, i, k)
    {
        if (strcmp(str(k, "slot"), slot) == 0)
            json_array_append(out, (json_t *)k);
    }
    return out;
}

/* The first error on an input, or null. */
static json_t *
error_for(const struct dform *f, const char *id)
{
    size_t i;
    const json_t *e;
    json_array_foreach(f->errors, i, e)
    {
        if (strcmp(str(e, "field") ? str(e, "field") : "", id) == 0)
            return json_incref((json_t *)e);
    }
    return json_null();
}

static void
typed_into(const struct dform *f, json_t *o, const char *key, const char *id)
{
    const json_t *v = json_object_get(f->typed, id);
    json_object_set_new(o, key, v ? json_incref((json_t *)v) : json_string(""));
}

static json_t *
options(struct dform *f, const json_t *fd, const char *id)
{
    json_t *out = json_array();
    const char *have = str(f->typed, id);
    size_t k;
    const json_t *o;
    json_array_foreach(json_object_get(fd, "options"), k, o)
    {
        const char *v = str(o, "value");
        char oid[96];
        if (k == 0)
            snprintf(oid, sizeof(oid), "%s", id);
        else
            snprintf(oid, sizeof(oid), "%s-%zu", id, k);
        json_array_append_new(out,
                              json_pack("{s:O,s:O,s:s,s:b}", "value", json_object_get(o, "value"),
                                        "label", json_object_get(o, "label"), "oid", oid, "checked",
                                        have && v && strcmp(have, v) == 0));
    }
    return out;
}

/* One field of the form as the partial dossier_field reads it. */
static json_t *
field_item(struct dform *f, const json_t *fields, const json_t *fd)
{
    static const char *const kinds[] = {"line", "area", "date", "radios", "select", "file", NULL};
    static const char *const types[] = {"text",   "textarea",    "number",   "date",
                                        "select", "personal_id", "tax_code", "address",
                                        "phone",  "email",       "file",     NULL};
    const char *name = str(fd, "name"), *type = str(fd, "type");
    const char *id = aprintf(f, "f_%s%s", name, NULL);
    const char *kind = "line";
    size_t nopt = json_array_size(json_object_get(fd, "options"));
    if (strcmp(type, "textarea") == 0)
        kind = "area";
    else if (strcmp(type, "date") == 0)
        kind = "date";
    else if (strcmp(type, "select") == 0)
        kind = nopt > RADIOS_MAX ? "select" : "radios";
    else if (strcmp(type, "file") == 0)
        kind = "file";
    json_t *o = json_pack("{s:s,s:s,s:O,s:b,s:o}", "name", name, "id", id, "label",
                          json_object_get(fd, "label"), "required",
                          json_is_true(json_object_get(fd, "required")), "cond",
                          condition(fields, json_object_get(fd, "show_if")));
    pg_flags(o, "k", kind, kinds);
    pg_flags(o, "t", type, types);
    const json_t *hint = json_object_get(fd, "hint");
    json_object_set(o, "hint", json_is_string(hint) ? (json_t *)hint : json_null());
    const json_t *min = json_object_get(fd, "min"), *max = json_object_get(fd, "max");
    json_object_set(o, "min", min ? (json_t *)min : json_null());
    json_object_set(o, "max", max ? (json_t *)max : json_null());
    json_object_set_new(o, "range", json_boolean(min && max));
    bool has_hint = json_is_string(hint) || (min && max) || strcmp(kind, "date") == 0 ||
                    strcmp(type, "personal_id") == 0 || strcmp(type, "phone") == 0 ||
                    strcmp(type, "tax_code") == 0 || strcmp(kind, "file") == 0;
    const char *err_id = strcmp(kind, "date") == 0 ? aprintf(f, "%s%s", id, "_day") : id;
    json_t *err = error_for(f, err_id);
    json_object_set_new(o, "hint_id",
                        has_hint ? json_string(aprintf(f, "%s%s", id, "-hint")) : json_null());
    char desc[256] = "";
    if (has_hint)
        snprintf(desc, sizeof(desc), "%s-hint", id);
    if (!json_is_null(err))
        snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), "%s%s-error", *desc ? " " : "",
                 err_id);
    json_object_set_new(o, "describedby", *desc ? json_string(desc) : json_null());
    json_object_set_new(o, "error", err);
    /* One-line inputs: what the browser may offer and how long a value may be. */
    const char *itype = strcmp(type, "phone") == 0   ? "tel"
                        : strcmp(type, "email") == 0 ? "email"
                                                     : "text";
    json_object_set_new(o, "input_type", json_string(itype));
    bool numeric = strcmp(type, "number") == 0 || strcmp(type, "personal_id") == 0;
    json_object_set_new(o, "numeric", json_boolean(numeric));
    bool code = numeric || strcmp(type, "tax_code") == 0 || strcmp(type, "email") == 0 ||
                strcmp(type, "phone") == 0;
    json_object_set_new(o, "code", json_boolean(code));
    const char *ac = strcmp(type, "phone") == 0   ? "tel"
                     : strcmp(type, "email") == 0 ? "email"
                     : (strcmp(name, "applicant_name") == 0 || strcmp(name, "requester_name") == 0)
                         ? "name"
                         : NULL;
    json_object_set_new(o, "autocomplete", ac ? json_string(ac) : json_null());
    const json_t *ml = json_object_get(fd, "max_length");
    json_object_set_new(o, "maxlength",
                        json_is_integer(ml)                ? json_incref((json_t *)ml)
                        : strcmp(type, "personal_id") == 0 ? json_integer(15)
                        : strcmp(type, "textarea") == 0    ? json_integer(5000)
                                                           : json_integer(500));
    typed_into(f, o, "value", id);
    typed_into(f, o, "day", aprintf(f, "%s%s", id, "_day"));
    typed_into(f, o, "month", aprintf(f, "%s%s", id, "_month"));
    typed_into(f, o, "year", aprintf(f, "%s%s", id, "_year"));
    json_object_set_new(o, "options", options(f, fd, id));
    json_object_set_new(o, "kept", kept_for(f, id));
    accept_texts(f, json_object_get(fd, "accept"), o);
    json_int_t bytes = json_integer_value(json_object_get(fd, "max_bytes"));
    json_object_set_new(o, "size",
                        bytes > 0 ? json_string(eg_arena_printf(eg_req_arena(f->c->req), "%lld MB",
                                                                (long long)(bytes >> 20)))
                                  : json_null());
    return o;
}

void
df_render(struct page *pg, struct dform *f)
{
    const json_t *fields = json_object_get(json_object_get(f->doc, "form"), "fields");
    json_t *items = json_array(), *comps = json_array();
    size_t i, k;
    const json_t *fd, *c, *p;
    json_array_foreach(fields, i, fd)
    {
        if (str(fd, "name") && str(fd, "type"))
            json_array_append_new(items, field_item(f, fields, fd));
    }
    json_array_foreach(json_object_get(f->doc, "components"), i, c)
    {
        char id[32];
        snprintf(id, sizeof(id), "comp_%zu", i);
        bool decl = f->online && json_is_string(json_object_get(c, "template"));
        /* Carried by a file field of the form: shown, and uploaded there. */
        const char *by = df_component_slot(f, i) ? NULL : str(c, "field");
        const json_t *byf = NULL;
        json_array_foreach(fields, k, fd)
        {
            if (by && str(fd, "name") && strcmp(str(fd, "name"), by) == 0)
                byf = fd;
        }
        bool paper = false;
        json_array_foreach(f->paper, k, p)
        {
            paper = paper || json_integer_value(p) == (json_int_t)i;
        }
        json_t *err = error_for(f, id);
        json_t *o = json_pack(
            "{s:s,s:I,s:I,s:O,s:b,s:b,s:b,s:o,s:o,s:s,s:s}", "id", id, "index", (json_int_t)i,
            "number", (json_int_t)i + 1, "name", json_object_get(c, "name"), "required",
            json_is_true(json_object_get(c, "required")), "declaration", decl, "paper", paper,
            "error", err, "kept", kept_for(f, id), "accept", ".pdf,.jpg,.jpeg,.png", "paper_id",
            eg_arena_printf(eg_req_arena(f->c->req), "paper_%zu", i));
        char desc[96];
        snprintf(desc, sizeof(desc), "%s-hint%s%s%s", id, json_is_null(err) ? "" : " ",
                 json_is_null(err) ? "" : id, json_is_null(err) ? "" : "-error");
        json_object_set_new(o, "describedby", json_string(desc));
        if (byf) {
            json_object_set_new(o, "declaration", json_true());
            json_object_set_new(o, "by_field_any", json_true());
            json_object_set(o, "by_field", json_object_get(byf, "label"));
        }
        json_array_append_new(comps, o);
    }
    json_object_set_new(pg->ctx, "fields", items);
    json_object_set_new(pg->ctx, "components", comps);
    json_object_set_new(pg->ctx, "has_kept", json_boolean(json_array_size(f->kept) > 0));
    json_object_set(pg->ctx, "typed", f->typed);
    dv_errors(pg, json_incref(f->errors));
}
