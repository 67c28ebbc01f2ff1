/*
 * dossier_desk.c - the staff's side: work queues by role and unit (new
 * dossiers to check, assigned to me, at my step, due soon, overdue, results
 * waiting, everything) with their counts, a dossier for staff (applicant, form
 * values, components and files, timeline, the current step and the process)
 * and one form per action dossiers/ allows now ("actions"), each posting the
 * version it showed. A dossier changed meanwhile comes back as 409 with the
 * page as it is now and a clear message; a refused action as 400 with the
 * page, what was typed kept.
 */
#include "portal_int.h"

#include "notify/notify.h"

#include <stdio.h>
#include <string.h>

#define PER_PAGE 20

static const struct {
    enum eg_queue q;
    const char *key;
} tabs[] = {
    {EG_QUEUE_NEW, "new"},           {EG_QUEUE_ASSIGNED, "assigned"}, {EG_QUEUE_STEP, "step"},
    {EG_QUEUE_DUE_SOON, "due_soon"}, {EG_QUEUE_OVERDUE, "overdue"},   {EG_QUEUE_RESULTS, "results"},
    {EG_QUEUE_ALL, "all"},
};

static bool
staff_only(struct eg_call *c)
{
    if (c->subject.kind == EG_SUBJECT_STAFF)
        return true;
    eg_gate_refuse(c, "staff_only", "Trang này dành cho cán bộ xử lý hồ sơ.");
    return false;
}

static const char *
desk_path(struct eg_call *c, const char *code)
{
    return eg_arena_printf(eg_req_arena(c->req), "/desk/dossiers/%s", code ? code : "");
}

/* ---- GET /desk ------------------------------------------------------------------------------- */

static void
shape_row(struct page *pg, json_t *it)
{
    const char *code = json_string_value(json_object_get(it, "code"));
    json_object_set_new(it, "link", json_string(desk_path(pg->c, code)));
    static const char *const when[] = {"submitted", "received", "due", "due_at"};
    for (size_t i = 0; i < EG_ARRAY_LEN(when); i++) {
        char k[32];
        snprintf(k, sizeof(k), "%s_shown", when[i]);
        json_object_set_new(it, k, dv_when(json_object_get(it, when[i])));
    }
    const char *status = json_string_value(json_object_get(it, "status"));
    json_object_set_new(it, "status_class",
                        json_string(status && strcmp(status, "supplement") == 0 ? "tag tag-warn"
                                    : status && (strcmp(status, "result_ready") == 0 ||
                                                 strcmp(status, "returned") == 0)
                                        ? "tag tag-ok"
                                        : "tag tag-info"));
    if (!json_object_get(it, "step_unit"))
        json_object_set_new(it, "step_unit", json_null());
}

void
pg_desk(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!staff_only(c))
        return;
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    enum eg_queue cur = EG_QUEUE_NEW;
    const char *qs = pg_query_str(c, "queue", 16);
    if (qs && eg_queue_parse(qs, &cur) != EG_OK)
        cur = EG_QUEUE_NEW;
    if (cur == EG_QUEUE_MINE)
        cur = EG_QUEUE_NEW;
    long long page = pg_query_int(c, "page", 1, 10000, 1);
    struct eg_actor a = dv_actor(c);
    json_t *tl = json_array(), *list = NULL;
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < EG_ARRAY_LEN(tabs) && rc == EG_OK; i++) {
        bool here = tabs[i].q == cur;
        struct eg_dossier_query q = {.queue = tabs[i].q,
                                     .limit = here ? PER_PAGE : 1,
                                     .offset = here ? (int)((page - 1) * PER_PAGE) : 0};
        json_t *out = NULL;
        rc = eg_dossier_list(cfg->dossiers, &a, &q, pg.lang, &out);
        if (rc != EG_OK)
            break;
        const char *kv[] = {"queue", tabs[i].key, NULL};
        json_t *t = json_pack("{s:s,s:O,s:b,s:s}", "key", tabs[i].key, "count",
                              json_object_get(out, "total"), "current", here, "link",
                              pg_link(c, "/desk", kv));
        pg_flag(t, "q", tabs[i].key);
        json_array_append_new(tl, t);
        if (here)
            list = json_incref(out);
        json_decref(out);
    }
    if (rc != EG_OK) {
        json_decref(tl);
        json_decref(list);
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *items = json_object_get(list, "items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        shape_row(&pg, it);
    }
    json_int_t total = json_integer_value(json_object_get(list, "total"));
    json_object_set_new(pg.ctx, "tabs", tl);
    json_object_set(pg.ctx, "items", items);
    json_object_set_new(pg.ctx, "any", json_boolean(json_array_size(items) > 0));
    json_object_set_new(pg.ctx, "total", json_integer(total));
    json_t *qf = json_object();
    pg_flag(qf, "q", eg_queue_str(cur));
    json_object_set_new(pg.ctx, "queue", qf);
    const char *kv[] = {"queue", eg_queue_str(cur), NULL};
    pg_paging(&pg, "/desk", kv, page, PER_PAGE, total);
    json_object_set_new(pg.ctx, "nav_desk", json_true());
    json_decref(list);
    eg_resp_header(c->req, "Cache-Control", "private, no-store");
    pg_render(&pg, 200, "desk");
}

/* ---- GET /desk/dossiers/{code} ------------------------------------------------------------------ */

static bool
needs_note(const char *a)
{
    static const char *const with[] = {"refuse", "send_back", "request_supplement",
                                       "reject", "extend",    "stop"};
    for (size_t i = 0; i < EG_ARRAY_LEN(with); i++)
        if (strcmp(a, with[i]) == 0)
            return true;
    return false;
}

static json_t *
error_on(const json_t *errors, const char *id)
{
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *f = json_string_value(json_object_get(e, "field"));
        if (f && strcmp(f, id) == 0)
            return json_incref((json_t *)e);
    }
    return json_null();
}

/* One form per action the officer may take now. */
static json_t *
action_forms(struct page *pg, const json_t *d, const json_t *errors, const json_t *typed,
             json_t *assignees)
{
    static const char *const acts[] = {
        "receive",    "refuse",  "assign", "forward", "send_back",     "request_supplement",
        "supplement", "approve", "reject", "extend",  "return_result", "stop",
        NULL};
    json_t *out = json_array();
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(d, "actions"), i, a)
    {
        const char *act = json_string_value(a);
        if (!act || strcmp(act, "withdraw") == 0)
            continue;
        char note_id[48];
        snprintf(note_id, sizeof(note_id), "note-%s", act);
        bool warning =
            strcmp(act, "refuse") == 0 || strcmp(act, "reject") == 0 || strcmp(act, "stop") == 0;
        bool note = needs_note(act) || strcmp(act, "forward") == 0 || strcmp(act, "approve") == 0 ||
                    strcmp(act, "supplement") == 0 || strcmp(act, "receive") == 0 ||
                    strcmp(act, "return_result") == 0;
        json_t *f = json_pack("{s:s,s:s,s:b,s:b,s:b,s:o}", "action", act, "note_id", note_id,
                              "with_note", note, "note_required", needs_note(act), "warning",
                              warning, "note_error", error_on(errors, note_id));
        pg_flags(f, "a", act, acts);
        const json_t *tv = json_object_get(typed, note_id);
        json_object_set_new(f, "note", tv ? json_incref((json_t *)tv) : json_string(""));
        if (strcmp(act, "assign") == 0) {
            json_object_set(f, "officers", assignees ? assignees : json_array());
            json_object_set_new(f, "assignee_error", error_on(errors, "assignee"));
        } else {
            json_object_set_new(f, "officers", json_array());
            json_object_set_new(f, "assignee_error", json_null());
        }
        json_object_set_new(f, "due_error", error_on(errors, "due_day"));
        static const char *const due[] = {"due_day", "due_month", "due_year"};
        for (size_t k = 0; k < EG_ARRAY_LEN(due); k++) {
            tv = json_object_get(typed, due[k]);
            json_object_set_new(f, due[k], tv ? json_incref((json_t *)tv) : json_string(""));
        }
        json_array_append_new(out, f);
    }
    (void)pg;
    return out;
}

/* The staff's page of a dossier; errors and typed from a refused action (taken). */
static void
render_desk(struct page *pg, json_t *errors, json_t *typed, int status)
{
    struct eg_call *c = pg->c;
    const struct eg_portal_config *cfg = pg->cfg;
    const char *code = eg_req_param(c->req, "code");
    struct eg_actor a = dv_actor(c);
    json_t *d = NULL, *officers = NULL;
    enum eg_err rc = eg_dossier_get(cfg->dossiers, &a, code, EG_VIEW_FULL, pg->lang, &d);
    if (rc == EG_ENOTFOUND) {
        json_decref(errors);
        json_decref(typed);
        dv_not_found(pg);
        return;
    }
    if (rc != EG_OK) {
        json_decref(errors);
        json_decref(typed);
        pg_release(pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *doc = dv_doc(c, d);
    dv_shape(pg, d, doc, true);
    json_decref(doc);
    if (json_is_true(json_object_get(json_object_get(d, "can"), "act_assign")) &&
        eg_dossier_assignees(cfg->dossiers, &a, code, &officers) != EG_OK)
        officers = NULL;
    size_t i;
    json_t *o;
    int64_t current = json_integer_value(
        json_object_get(json_object_get(json_object_get(d, "step"), "assignee"), "id"));
    json_array_foreach(officers, i, o)
    {
        json_object_set_new(o, "selected",
                            json_boolean(json_integer_value(json_object_get(o, "id")) == current));
    }
    json_t *forms = action_forms(pg, d, errors, typed, officers);
    json_decref(officers);
    json_object_set_new(d, "forms", forms);
    json_object_set_new(
        d, "post",
        json_string(eg_arena_printf(eg_req_arena(c->req), "/desk/dossiers/%s/act", code)));
    json_object_set_new(d, "self", json_string(desk_path(c, code)));
    json_object_set_new(pg->ctx, "d", d);
    json_object_set_new(pg->ctx, "nav_desk", json_true());
    json_object_set_new(pg->ctx, "conflict", json_boolean(status == 409));
    json_decref(typed);
    pg_csrf(pg);
    dv_errors(pg, errors ? errors : json_array());
    dv_done(pg);
    eg_resp_header(c->req, "Cache-Control", "private, no-store");
    pg_render(pg, status, "desk_dossier");
}

void
pg_desk_dossier(struct eg_call *c, void *ctx)
{
    if (!staff_only(c))
        return;
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    render_desk(&pg, NULL, NULL, 200);
}

/* ---- POST /desk/dossiers/{code}/act ------------------------------------------------------------- */

/* Reads the action's input; false with errors when it cannot be sent. */
static bool
read_act(struct form *f, const char **v, struct eg_dossier_act *act, json_t *errors, json_t *typed)
{
    long long n;
    if (eg_dossier_action_parse(v[0], &act->action) != EG_OK ||
        eg_parse_i64(v[1], 1, INT32_MAX, &n) != EG_OK) {
        dv_error(errors, "", "bad_action", NULL);
        return false;
    }
    act->version = (int)n;
    act->note = v[2];
    char note_id[48];
    snprintf(note_id, sizeof(note_id), "note-%s", v[0]);
    if (v[2])
        json_object_set_new(typed, note_id, json_string(v[2]));
    if (needs_note(v[0]) && !v[2])
        dv_error(errors, note_id, "reason_required", NULL);
    if (act->action == EG_DA_ASSIGN) {
        if (!v[3] || eg_parse_i64(v[3], 1, INT64_MAX, &n) != EG_OK)
            dv_error(errors, "assignee", "assignee_required", NULL);
        else
            act->assignee = n;
    }
    if (act->action == EG_DA_EXTEND) {
        static const char *const due[] = {"due_day", "due_month", "due_year"};
        for (size_t k = 0; k < EG_ARRAY_LEN(due); k++)
            if (v[4 + k])
                json_object_set_new(typed, due[k], json_string(v[4 + k]));
        char in[32], ymd[11];
        snprintf(in, sizeof(in), "%s/%s/%s", v[4] ? v[4] : "", v[5] ? v[5] : "", v[6] ? v[6] : "");
        if (!v[4] && !v[5] && !v[6])
            dv_error(errors, "due_day", "date_required", NULL);
        else if (!v[6] || strlen(v[6]) != 4 || pg_date_norm(in, ymd) != EG_OK)
            dv_error(errors, "due_day", "date_invalid", NULL);
        else
            act->new_due = eg_arena_strdup(eg_req_arena(f->c->req), ymd);
    }
    return json_array_size(errors) == 0;
}

void
pg_desk_act_post(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!staff_only(c))
        return;
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    static const struct field fields[] = {
        {"action", 32, F_REQUIRED, NULL}, {"version", 12, F_REQUIRED, NULL},
        {"note", 2000, F_LINES, NULL},    {"assignee", 20, 0, NULL},
        {"due_day", 2, 0, NULL},          {"due_month", 2, 0, NULL},
        {"due_year", 4, 0, NULL},
    };
    const char *v[EG_ARRAY_LEN(fields)];
    json_t *errors = json_array(), *typed = json_object();
    bool ok = form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    struct eg_dossier_act act = {0};
    if (!ok)
        dv_error(errors, "", "bad_action", NULL);
    else
        ok = read_act(&f, v, &act, errors, typed);
    const char *code = eg_req_param(c->req, "code");
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg)) {
        json_decref(errors);
        json_decref(typed);
        form_release(&f);
        return;
    }
    int status = 400;
    if (ok) {
        struct eg_actor a = dv_actor(c);
        struct eg_dossier_ref ref;
        struct eg_buf msg = EG_BUF_INIT(2048);
        enum eg_err rc = eg_dossier_do(cfg->dossiers, &a, code, &act, &ref, &msg);
        if (rc == EG_OK) {
            eg_notifier_kick(c->notifier);
            pg_release(&pg);
            dv_redirect_done(c, desk_path(c, code), v[0]);
            json_decref(errors);
            json_decref(typed);
        } else if (rc == EG_ENOTFOUND) {
            json_decref(errors);
            json_decref(typed);
            dv_not_found(&pg);
        } else if (rc == EG_ECONFLICT || rc == EG_EINVAL || rc == EG_EFORBIDDEN) {
            char note_id[48];
            snprintf(note_id, sizeof(note_id), "note-%s", v[0]);
            if (rc == EG_ECONFLICT)
                dv_error(errors, "", "conflict", NULL);
            else
                dv_error(errors, rc == EG_EINVAL ? note_id : "", NULL, msg.len ? msg.p : "");
            status = rc == EG_ECONFLICT ? 409 : rc == EG_EINVAL ? 400 : 403;
            render_desk(&pg, errors, typed, status);
        } else {
            json_decref(errors);
            json_decref(typed);
            pg_release(&pg);
            eg_resp_err(c->req, rc, NULL);
        }
        eg_buf_release(&msg);
    } else {
        render_desk(&pg, errors, typed, status);
    }
    form_release(&f);
}
