/* search.c - finding accounts for administrators. */
#include "identity_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UNITS 32
#define MAX_WORDS 4

/* Appends "a.id IN (staff assigned within the subtrees of the units)" to sql. */
static void
units_clause(char *sql, size_t n, size_t *off, size_t nunits)
{
    *off += (size_t)snprintf(sql + *off, n - *off,
                             " AND a.id IN (SELECT s.account_id FROM staff_assignment s WHERE "
                             "s.valid_to IS NULL AND s.org_unit_id IN (WITH RECURSIVE down (id) "
                             "AS (SELECT id FROM org_unit WHERE id IN (");
    for (size_t i = 0; i < nunits; i++)
        *off += (size_t)snprintf(sql + *off, n - *off, "%s?", i ? ", " : "");
    *off += (size_t)snprintf(sql + *off, n - *off,
                             ") UNION ALL SELECT o.id FROM org_unit o JOIN down ON o.parent_id = "
                             "down.id) SELECT id FROM down))");
}

struct plan {
    char where[3072];
    char words[MAX_WORDS][160];
    int nwords;
    unsigned char pid_hash[EG_PII_HASH_LEN];
    bool by_pid;
    char exact[256];
};

static enum eg_err
plan(const struct eg_identity *id, const struct eg_account_query *q, struct plan *p)
{
    memset(p, 0, sizeof(*p));
    size_t off = 0;
    off += (size_t)snprintf(p->where, sizeof(p->where), " WHERE 1 = 1");
    if (q->kind)
        off += (size_t)snprintf(p->where + off, sizeof(p->where) - off, " AND a.kind = ?");
    if (!q->all)
        units_clause(p->where, sizeof(p->where), &off, q->nunits);
    struct eg_pid pid;
    if (q->q && eg_pid_parse(q->q, 9999, &pid, NULL) == EG_OK) {
        p->by_pid = true;
        eg_identity_pii_hash(id, pid.digits, 12, p->pid_hash);
        off += (size_t)snprintf(p->where + off, sizeof(p->where) - off, " AND a.pid_hash = ?");
        return EG_OK;
    }
    if (!q->q || !*q->q)
        return EG_OK;
    /* A login, tax code or email matches exactly; otherwise the name's words, in any order. */
    size_t i = 0;
    for (; i < sizeof(p->exact) - 1 && q->q[i]; i++)
        p->exact[i] = (q->q[i] >= 'A' && q->q[i] <= 'Z') ? (char)(q->q[i] - 'A' + 'a') : q->q[i];
    p->exact[i] = '\0';
    struct eg_buf fold = EG_BUF_INIT(1024);
    enum eg_err rc = eg_text_fold(q->q, strlen(q->q), &fold);
    const char *s = eg_buf_str(&fold);
    off += (size_t)snprintf(p->where + off, sizeof(p->where) - off,
                            " AND (a.login = ? OR a.tax_code = ? OR a.email = ? OR (1 = 1");
    while (rc == EG_OK && *s && p->nwords < MAX_WORDS) {
        size_t n = strcspn(s, " ");
        size_t k = 0;
        p->words[p->nwords][k++] = '%';
        for (size_t j = 0; j < n && k < sizeof(p->words[0]) - 3; j++) {
            if (s[j] == '%' || s[j] == '_' || s[j] == '\\')
                p->words[p->nwords][k++] = '\\';
            p->words[p->nwords][k++] = s[j];
        }
        p->words[p->nwords][k++] = '%';
        p->words[p->nwords][k] = '\0';
        p->nwords++;
        off += (size_t)snprintf(p->where + off, sizeof(p->where) - off,
                                " AND a.name_fold LIKE ? ESCAPE '\\'");
        s += n;
        while (*s == ' ')
            s++;
    }
    snprintf(p->where + off, sizeof(p->where) - off, "))");
    eg_buf_release(&fold);
    return rc;
}

static enum eg_err
bind_plan(struct eg_stmt *st, const struct eg_account_query *q, const struct plan *p, int *i)
{
    enum eg_err rc = EG_OK;
    if (q->kind)
        rc = eg_stmt_bind_text(st, (*i)++, q->kind, SIZE_MAX);
    for (size_t u = 0; rc == EG_OK && !q->all && u < q->nunits; u++)
        rc = eg_stmt_bind_i64(st, (*i)++, q->units[u]);
    if (rc == EG_OK && p->by_pid)
        return eg_stmt_bind_blob(st, (*i)++, p->pid_hash, sizeof(p->pid_hash));
    if (rc == EG_OK && q->q && *q->q) {
        for (int k = 0; rc == EG_OK && k < 3; k++)
            rc = eg_stmt_bind_text(st, (*i)++, p->exact, SIZE_MAX);
        for (int w = 0; rc == EG_OK && w < p->nwords; w++)
            rc = eg_stmt_bind_text(st, (*i)++, p->words[w], SIZE_MAX);
    }
    return rc;
}

static json_t *
row_json(const struct eg_identity *id, struct eg_stmt *st)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s?, s:s, s:s?, s:s}", "id", (json_int_t)eg_stmt_i64(st, 0), "kind",
                  eg_stmt_text(st, 1), "login", eg_stmt_text(st, 2), "name", eg_stmt_text(st, 3),
                  "email", eg_stmt_text(st, 4), "status", eg_stmt_text(st, 5));
    if (!o)
        return NULL;
    json_object_set_new(o, "personal_id_masked", json_null());
    size_t n;
    const void *enc = eg_stmt_blob(st, 6, &n);
    struct eg_buf pid = EG_BUF_INIT(64);
    if (enc && eg_identity_open_sealed(id, enc, n, &pid) == EG_OK && pid.len == 12) {
        char masked[13];
        eg_pid_mask(pid.p, masked);
        json_object_set_new(o, "personal_id_masked", json_string(masked));
    }
    if (pid.p)
        sodium_memzero(pid.p, pid.cap);
    eg_buf_release(&pid);
    if (!eg_stmt_is_null(st, 7))
        json_object_set_new(o, "tax_code", json_string(eg_stmt_text(st, 7)));
    return o;
}

enum eg_err
eg_account_search(const struct eg_identity *id, struct eg_tx *tx, const struct eg_account_query *q,
                  json_t **out)
{
    *out = NULL;
    if (q->limit < 1 || q->limit > 200 || q->offset < 0 || q->nunits > MAX_UNITS ||
        (!q->all && q->nunits == 0))
        return EG_EINVAL;
    struct plan *p = calloc(1, sizeof(*p));
    if (!p)
        return EG_ENOMEM;
    enum eg_err rc = plan(id, q, p);
    char sql[4096];
    snprintf(sql, sizeof(sql),
             "SELECT a.id, a.kind, a.login, a.name, a.email, a.status, a.pid_enc, a.tax_code FROM "
             "account a%s ORDER BY a.id LIMIT ? OFFSET ?",
             p->where);
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    int i = 1;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = bind_plan(st, q, p, &i);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, q->limit);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, q->offset);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = row_json(id, st);
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    int64_t total = 0;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM account a%s", p->where);
    i = 1;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = bind_plan(st, q, p, &i);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        total = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    free(p);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
    return *out ? EG_OK : EG_ENOMEM;
}
