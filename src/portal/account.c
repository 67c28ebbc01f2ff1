/* account.c - one's own account: the profile, the password, and the open sessions. */
#include "portal_int.h"

#include <stdio.h>
#include <string.h>

/* Marks the account section and its tab for the navigation. */
static void
section(struct page *pg, const char *tab)
{
    json_object_set_new(pg->ctx, "nav_account", json_true());
    pg_flag(pg->ctx, "tab", tab);
}

/* ---- GET /account ----------------------------------------------------------------------- */

/* The form's values from the account: the birth date as day, month and year. */
static void
profile_values(json_t *v, const json_t *a)
{
    static const char *const keys[] = {"name", "phone", "address", "admin_unit"};
    for (size_t i = 0; i < EG_ARRAY_LEN(keys); i++) {
        const char *s = json_string_value(json_object_get(a, keys[i]));
        if (s)
            json_object_set_new(v, keys[i], json_string(s));
    }
    const char *bd = json_string_value(json_object_get(a, "birth_date"));
    if (bd && strlen(bd) == 10) {
        json_object_set_new(v, "birth_year", json_stringn(bd, 4));
        json_object_set_new(v, "birth_month", json_stringn(bd + 5, 2));
        json_object_set_new(v, "birth_day", json_stringn(bd + 8, 2));
    }
}

void
pg_account(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "profile");
    struct eg_tx *tx;
    json_t *a = NULL;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_account_get(c->identity, tx, c->who.account_id, &a);
        eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    /* The number is the owner's to see, but shown whole only when asked. */
    const char *show = eg_req_query(c->req, "show");
    pg_mask_pid(a, show && strcmp(show, "pid") == 0);
    pg_flag(a, "kind", json_string_value(json_object_get(a, "kind")));
    pg_flag(a, "status", json_string_value(json_object_get(a, "status")));
    if (!pg.flash)
        profile_values(json_object_get(pg.ctx, "v"), a);
    json_object_set_new(pg.ctx, "account", a);
    pg_csrf(&pg);
    pg_render(&pg, 200, "account");
}

/* ---- POST /account ------------------------------------------------------------------------- */

/* Day, month and year as typed into "YYYY-MM-DD"; NULL when all three are empty. */
static bool
birth_date(struct form *f, const char *d, const char *m, const char *y, char out[11],
           const char **date)
{
    *date = NULL;
    if (!d && !m && !y)
        return true;
    char s[32];
    snprintf(s, sizeof(s), "%s/%s/%s", d ? d : "", m ? m : "", y ? y : "");
    if (pg_date_norm(s, out) != EG_OK) {
        form_error(f, "birth_day", "birth_date_invalid");
        return false;
    }
    *date = out;
    return true;
}

void
pg_account_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"name", 300, F_REQUIRED, "name_required"},
        {"phone", 32, 0, NULL},
        {"address", 300, 0, NULL},
        {"admin_unit", 300, 0, NULL},
        {"birth_day", 2, 0, NULL},
        {"birth_month", 2, 0, NULL},
        {"birth_year", 4, 0, NULL},
    };
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    char bd[11];
    const char *date = NULL;
    birth_date(&f, v[4], v[5], v[6], bd, &date);
    if (form_has_errors(&f)) {
        form_fail(&f, "/account");
        return;
    }
    /* A field left empty is cleared; the birth date only changes when given. */
    struct eg_profile_update u = {
        .name = v[0],
        .phone = v[1] ? v[1] : "",
        .address = v[2] ? v[2] : "",
        .admin_unit = v[3] ? v[3] : "",
        .birth_date = date,
    };
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_update_profile(tx, c->who.account_id, &u, pg_actor(c), c->now_ms, &msg);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc == EG_EINVAL) {
        form_error_text(&f, "", eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
        form_fail(&f, "/account");
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        form_release(&f);
        pg_redirect_notice(c, "/account", "profile_saved");
    }
    eg_buf_release(&msg);
}

/* ---- /account/password ------------------------------------------------------------------------ */

void
pg_password(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "password");
    pg_csrf(&pg);
    pg_render(&pg, 200, "account_password");
}

struct pwchange {
    struct form f;
    char *current, *next;
    char hash[128];
    bool wrong;
    enum eg_err rc;
};

static void
password_work(struct eg_call *c, void *data)
{
    struct pwchange *p = data;
    /* The current password proves it is the owner at the keyboard. */
    p->rc = eg_account_check_password(c->identity, c->db, c->who.account_id, p->current);
    p->wrong = p->rc == EG_EFORBIDDEN;
    if (p->wrong)
        p->rc = EG_OK;
    if (p->rc == EG_OK && !p->wrong)
        p->rc = eg_password_hash(p->next, p->hash, sizeof(p->hash));
    explicit_bzero(p->current, strlen(p->current));
    explicit_bzero(p->next, strlen(p->next));
}

static void
password_finish(struct eg_call *c, void *data)
{
    struct pwchange *p = data;
    enum eg_err rc = p->rc;
    if (rc == EG_OK && p->wrong) {
        form_error(&p->f, "current_password", "current_password_wrong");
        form_fail(&p->f, "/account/password");
        return;
    }
    struct eg_tx *tx;
    if (rc == EG_OK)
        rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_set_password(tx, c->who.account_id, p->hash, pg_actor(c), c->now_ms);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    explicit_bzero(p->hash, sizeof(p->hash));
    form_release(&p->f);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    /* Every session ended with the old password, this one too: sign in again. */
    eg_gate_clear_session(c->req);
    pg_redirect_notice(c, "/signin", "password_changed");
}

void
pg_password_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"current_password", PASSWORD_MAX_BYTES, F_REQUIRED | F_SECRET | F_RAW,
         "current_password_required"},
        {"new_password", PASSWORD_MAX_BYTES, F_REQUIRED | F_SECRET | F_RAW,
         "new_password_required"},
    };
    struct pwchange *p = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*p));
    if (!p) {
        eg_resp_err(c->req, EG_ENOMEM, NULL);
        return;
    }
    if (form_read(c, &p->f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    form_check(&p->f, fields, EG_ARRAY_LEN(fields), v);
    struct eg_buf msg = EG_BUF_INIT(256);
    if (v[1] && eg_password_check(c->identity, v[1], &msg) != EG_OK)
        form_error_text(&p->f, "new_password",
                        eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
    eg_buf_release(&msg);
    if (form_has_errors(&p->f)) {
        form_fail(&p->f, "/account/password");
        return;
    }
    p->current = (char *)v[0];
    p->next = (char *)v[1];
    eg_gate_run_slow(c, password_work, password_finish, p);
}

/* ---- /account/sessions ------------------------------------------------------------------------ */

/* The browser and the system named by a User-Agent header, for people ("Chrome", "Linux"). */
static void
device_of(json_t *item, const char *ua)
{
    static const char *const browsers[] = {"Edg/",     "Edge",    "OPR/",    "Opera",
                                           "Firefox/", "Firefox", "Chrome/", "Chrome",
                                           "Safari/",  "Safari",  "curl/",   "curl"};
    static const char *const systems[] = {"Android", "Android", "iPhone", "iOS",   "Windows",
                                          "Windows", "Mac OS",  "macOS",  "Linux", "Linux"};
    const char *b = NULL, *s = NULL;
    for (size_t i = 0; ua && !b && i < EG_ARRAY_LEN(browsers); i += 2)
        if (strstr(ua, browsers[i]))
            b = browsers[i + 1];
    for (size_t i = 0; ua && !s && i < EG_ARRAY_LEN(systems); i += 2)
        if (strstr(ua, systems[i]))
            s = systems[i + 1];
    json_object_set_new(item, "browser", b ? json_string(b) : json_null());
    json_object_set_new(item, "os", s ? json_string(s) : json_null());
}

void
pg_sessions(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "sessions");
    json_t *list = NULL;
    enum eg_err rc =
        eg_session_list(c->identity, c->db, c->who.account_id, c->who.session_id, c->now_ms, &list);
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        device_of(s, json_string_value(json_object_get(s, "user_agent")));
        json_object_set_new(
            s, "end_url",
            json_string(eg_arena_printf(eg_req_arena(c->req), "/account/sessions/%lld/end",
                                        (long long)json_integer_value(json_object_get(s, "id")))));
    }
    /* This device first, then the others as identity/ lists them. */
    json_t *ordered = json_array();
    json_array_foreach(list, i, s)
    {
        if (json_is_true(json_object_get(s, "current")))
            json_array_append(ordered, s);
    }
    json_array_foreach(list, i, s)
    {
        if (!json_is_true(json_object_get(s, "current")))
            json_array_append(ordered, s);
    }
    json_decref(list);
    json_object_set_new(pg.ctx, "others", json_boolean(json_array_size(ordered) > 1));
    json_object_set_new(pg.ctx, "sessions", ordered);
    pg_csrf(&pg);
    pg_render(&pg, 200, "account_sessions");
}

/* Ends the given sessions of the caller in one transaction, audited as action. */
static enum eg_err
end_sessions(struct eg_call *c, const int64_t *ids, size_t n, const char *action)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    for (size_t i = 0; i < n && rc == EG_OK; i++)
        rc = eg_session_revoke(tx, ids[i], c->now_ms);
    if (rc == EG_OK)
        rc = eg_gate_audit(c, tx, action, NULL, true, NULL);
    if (rc == EG_OK)
        return eg_tx_commit(tx);
    eg_tx_rollback(tx);
    return rc;
}

void
pg_session_end_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    struct page pg;
    long long id;
    if (eg_parse_i64(eg_req_param(c->req, "id"), 1, INT64_MAX, &id) != EG_OK) {
        pg_begin(&pg, c, ctx);
        pg_error(&pg, 404, "not_found");
        return;
    }
    /* Only one's own sessions: someone else's id is simply not found. */
    json_t *list = NULL;
    enum eg_err rc =
        eg_session_list(c->identity, c->db, c->who.account_id, c->who.session_id, c->now_ms, &list);
    bool mine = false;
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        mine = mine || json_integer_value(json_object_get(s, "id")) == id;
    }
    json_decref(list);
    if (rc == EG_OK && !mine) {
        pg_begin(&pg, c, ctx);
        pg_error(&pg, 404, "not_found");
        return;
    }
    int64_t one = id;
    if (rc == EG_OK)
        rc = end_sessions(c, &one, 1, "auth.logout");
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
    } else if (id == c->who.session_id) {
        eg_gate_clear_session(c->req);
        pg_redirect_notice(c, "/", "signed_out");
    } else {
        pg_redirect_notice(c, "/account/sessions", "session_ended");
    }
}

void
pg_sessions_end_others_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    json_t *list = NULL;
    enum eg_err rc =
        eg_session_list(c->identity, c->db, c->who.account_id, c->who.session_id, c->now_ms, &list);
    size_t n = 0, i;
    json_t *s;
    int64_t *ids = eg_arena_alloc(eg_req_arena(c->req), (json_array_size(list) + 1) * sizeof(*ids));
    if (rc == EG_OK && !ids)
        rc = EG_ENOMEM;
    json_array_foreach(list, i, s)
    {
        int64_t id = json_integer_value(json_object_get(s, "id"));
        if (ids && id != c->who.session_id)
            ids[n++] = id;
    }
    json_decref(list);
    if (rc == EG_OK)
        rc = end_sessions(c, ids, n, "auth.logout_others");
    if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        pg_redirect_notice(c, "/account/sessions", "sessions_ended");
}
