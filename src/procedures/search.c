/*
 * search.c - finding procedures the way people type: with or without
 * diacritics, any case, words in any order, the last word possibly unfinished.
 * SQLite: FTS5 with bm25 (the name weighs ten times the rest). PostgreSQL: a
 * GIN index over a weighted tsvector, ts_rank normalised by length. Both break
 * ties by how often a procedure is used.
 */
#include "procedures_int.h"

#include <stdio.h>
#include <string.h>

#define WORDS_MAX 8
#define WORD_MAX 40

struct terms {
    char words[WORDS_MAX][WORD_MAX + 1];
    int n;
    char fold[512];
    char code[EG_PROCEDURE_CODE_MAX + 1]; /* the query is a procedure code */
};

/* Folds the query and keeps at most WORDS_MAX words of letters and digits. */
static enum eg_err
terms_of(const char *q, struct terms *t)
{
    memset(t, 0, sizeof(*t));
    struct eg_buf fold = EG_BUF_INIT(4096);
    enum eg_err rc = eg_proc_words(q, strlen(q), &fold);
    if (rc != EG_OK) {
        eg_buf_release(&fold);
        return rc;
    }
    /* All the words, for "the name is exactly the query". */
    snprintf(t->fold, sizeof(t->fold), "%s", eg_buf_str(&fold));
    /* "1.001193" (or a local variant's code) finds that procedure only. */
    size_t lead = strspn(q, " "), len = strcspn(q + lead, " ");
    if (len <= EG_PROCEDURE_CODE_MAX && q[lead + len + strspn(q + lead + len, " ")] == '\0') {
        memcpy(t->code, q + lead, len);
        t->code[len] = '\0';
        if (!eg_procedure_code_ok(t->code))
            t->code[0] = '\0';
    }
    const char *p = eg_buf_str(&fold);
    while (*p && t->n < WORDS_MAX) {
        size_t k = 0;
        /* Anything but a-z and 0-9 separates words (and cannot reach the query syntax). */
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            p++;
        while (((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
            if (k < WORD_MAX)
                t->words[t->n][k++] = *p;
            p++;
        }
        if (k > 0)
            t->words[t->n++][k] = '\0';
    }
    eg_buf_release(&fold);
    return EG_OK;
}

/*
 * FTS5: "dang" "ky" "khai" "sinh"* - every word, the last as a prefix; with
 * any, "dang" OR "ky" OR ... for a second try when no procedure has them all.
 */
static void
fts5_query(const struct terms *t, bool any, char *out, size_t n)
{
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; i < t->n && off < n; i++)
        off += (size_t)snprintf(out + off, n - off, "%s\"%s\"%s", i ? (any ? " OR " : " ") : "",
                                t->words[i], i == t->n - 1 ? "*" : "");
}

/* PostgreSQL: dang & ky & khai & sinh:* (or with |). */
static void
pg_query(const struct terms *t, bool any, char *out, size_t n)
{
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; i < t->n && off < n; i++)
        off += (size_t)snprintf(out + off, n - off, "%s%s%s", i ? (any ? " | " : " & ") : "",
                                t->words[i], i == t->n - 1 ? ":*" : "");
}

#define ORDER_BINDS (2 * WORDS_MAX + 4) /* exact, phrase twice, the words twice, the query */

struct plan {
    char from[512];
    char where[1024];
    char order[4096];
    char match[512];
    bool text;
    bool code;
    /* The ORDER BY's parameters, in order. */
    char binds[ORDER_BINDS][512];
    int nbinds;
};

static void
order_bind(struct plan *p, const char *fmt, const char *a)
{
    if (p->nbinds < ORDER_BINDS)
        snprintf(p->binds[p->nbinds++], sizeof(p->binds[0]), fmt, a);
}

#define SQL_MAX 8192

/*
 * The ranking, the same on both engines so that both answer alike:
 *   1. the name is exactly the query;
 *   2. the words stand together in the name, in the query's order;
 *   3. ... or anywhere in the text ("giấy chứng sinh" is a paper the birth
 *      registration asks for; "sổ đỏ" a keyword of the land certificate);
 *   4. how many of the words are words of the name (the last one may be unfinished);
 *   5. among names that have some of the words, the shortest: it is about nothing else;
 *   6. the engine's relevance over the name and the rest of the text (bm25 / ts_rank);
 *   7. the most used; then the code, so that pages never overlap.
 */
static void
ranking(const struct terms *t, bool sqlite, struct plan *p)
{
    char hits[1024] = "", phrase[512] = "";
    size_t h = 0, f = 0;
    for (int i = 0; i < t->n; i++)
        h += (size_t)snprintf(hits + h, sizeof(hits) - h,
                              "%s(CASE WHEN (' ' || p.name_fold || ' ') LIKE ? THEN 1 ELSE 0 END)",
                              i ? " + " : "");
    for (int i = 0; i < t->n; i++)
        f += (size_t)snprintf(phrase + f, sizeof(phrase) - f, "%s%s", i ? " " : "", t->words[i]);
    snprintf(p->order, sizeof(p->order),
             "p.name_fold = ? DESC, (' ' || p.name_fold || ' ') LIKE ? DESC, %s DESC, (%s) DESC, "
             "(CASE WHEN (%s) > 0 THEN length(p.name_fold) ELSE 0 END), %s, "
             "p.popularity DESC, p.code",
             sqlite ? "(p.id IN (SELECT rowid FROM procedure_search WHERE procedure_search "
                      "MATCH ?))"
                    : "(p.search_vec @@ to_tsquery('simple', ?))",
             hits, hits,
             sqlite ? "bm25(procedure_search, 10.0, 1.0)"
                    : "ts_rank(p.search_vec, to_tsquery('simple', ?)) DESC");
    order_bind(p, "%s", t->fold);
    order_bind(p, "%% %s%%", phrase);
    /* The phrase for the engine: "giay chung sinh"* / giay <-> chung <-> sinh:* */
    char together[512];
    size_t g = 0;
    for (int i = 0; i < t->n; i++)
        g += (size_t)snprintf(together + g, sizeof(together) - g, "%s%s",
                              i ? (sqlite ? " " : " <-> ") : (sqlite ? "\"" : ""), t->words[i]);
    snprintf(together + g, sizeof(together) - g, "%s", sqlite ? "\"*" : ":*");
    order_bind(p, "%s", together);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < t->n; i++)
            order_bind(p, i == t->n - 1 ? "%% %s%%" : "%% %s %%", t->words[i]);
    if (!sqlite)
        order_bind(p, "%s", p->match);
}

static void
plan(struct eg_tx *tx, const struct eg_procedure_query *q, const struct terms *t, bool any,
     struct plan *p)
{
    memset(p, 0, sizeof(*p));
    bool sqlite = eg_tx_kind(tx) == EG_DB_SQLITE;
    p->code = t->code[0] != '\0';
    p->text = t->n > 0 && !p->code;
    size_t w = 0;
    if (p->code) {
        snprintf(p->from, sizeof(p->from), "procedure p");
        w += (size_t)snprintf(p->where + w, sizeof(p->where) - w, " WHERE p.code = ?");
        snprintf(p->order, sizeof(p->order), "p.code");
    } else if (p->text && sqlite) {
        fts5_query(t, any, p->match, sizeof(p->match));
        /* CROSS JOIN: SQLite keeps this order, so the index drives (never every published row). */
        snprintf(p->from, sizeof(p->from),
                 "procedure_search s CROSS JOIN procedure p ON p.id = s.rowid");
        w +=
            (size_t)snprintf(p->where + w, sizeof(p->where) - w, " WHERE procedure_search MATCH ?");
        ranking(t, true, p);
    } else if (p->text) {
        pg_query(t, any, p->match, sizeof(p->match));
        snprintf(p->from, sizeof(p->from), "procedure p");
        w += (size_t)snprintf(p->where + w, sizeof(p->where) - w,
                              " WHERE p.search_vec @@ to_tsquery('simple', ?)");
        ranking(t, false, p);
    } else {
        snprintf(p->from, sizeof(p->from), "procedure p");
        w += (size_t)snprintf(p->where + w, sizeof(p->where) - w, " WHERE 1 = 1");
        snprintf(p->order, sizeof(p->order), "p.popularity DESC, p.name_fold, p.code");
    }
    if (!q->include_drafts)
        w += (size_t)snprintf(p->where + w, sizeof(p->where) - w, " AND p.status = 'published'");
    else if (!q->include_retired)
        w += (size_t)snprintf(p->where + w, sizeof(p->where) - w, " AND p.status <> 'retired'");
    if (q->field)
        w += (size_t)snprintf(p->where + w, sizeof(p->where) - w, " AND p.field_code = ?");
    if (q->level)
        w += (size_t)snprintf(p->where + w, sizeof(p->where) - w, " AND p.level = ?");
    if (q->applicant)
        w += (size_t)snprintf(p->where + w, sizeof(p->where) - w,
                              " AND (' ' || p.applicants || ' ') LIKE ?");
    if (q->agency)
        snprintf(p->where + w, sizeof(p->where) - w,
                 " AND EXISTS (SELECT 1 FROM procedure_agency a JOIN org_unit o ON o.id = "
                 "a.org_unit_id WHERE a.procedure_id = p.id AND o.code = ?)");
}

static enum eg_err
bind_filters(struct eg_stmt *st, const struct eg_procedure_query *q, const struct terms *t,
             const struct plan *p, int *i)
{
    enum eg_err rc = EG_OK;
    char like[32];
    if (p->code)
        rc = eg_stmt_bind_text(st, (*i)++, t->code, SIZE_MAX);
    if (p->text)
        rc = eg_stmt_bind_text(st, (*i)++, p->match, SIZE_MAX);
    if (rc == EG_OK && q->field)
        rc = eg_stmt_bind_text(st, (*i)++, q->field, SIZE_MAX);
    if (rc == EG_OK && q->level)
        rc = eg_stmt_bind_text(st, (*i)++, q->level, SIZE_MAX);
    if (rc == EG_OK && q->applicant) {
        snprintf(like, sizeof(like), "%% %s %%", q->applicant);
        rc = eg_stmt_bind_text(st, (*i)++, like, SIZE_MAX);
    }
    if (rc == EG_OK && q->agency)
        rc = eg_stmt_bind_text(st, (*i)++, q->agency, SIZE_MAX);
    return rc;
}

static json_t *
item(const struct eg_stmt *st)
{
    json_t *apps = json_array();
    const char *a = eg_stmt_text(st, 6);
    while (apps && a && *a) {
        size_t n = strcspn(a, " ");
        json_array_append_new(apps, json_stringn(a, n));
        a += n;
        while (*a == ' ')
            a++;
    }
    return json_pack("{s:s, s:s, s:s?, s:{s:s, s:s, s:s?}, s:s, s:o, s:s, s:I, s:s}", "code",
                     eg_stmt_text(st, 0), "name", eg_stmt_text(st, 1), "name_en",
                     eg_stmt_text(st, 9), "field", "code", eg_stmt_text(st, 2), "name",
                     eg_stmt_text(st, 3), "name_en", eg_stmt_text(st, 10), "level",
                     eg_stmt_text(st, 4), "applicants", apps, "online_level", eg_stmt_text(st, 5),
                     "working_days", (json_int_t)eg_stmt_i64(st, 7), "status", eg_stmt_text(st, 8));
}

/* The listing's statement: SELECT ... ORDER BY ... LIMIT ? OFFSET ?, every parameter bound. */
static enum eg_err
prepare_list(struct eg_tx *tx, const struct eg_procedure_query *q, const struct terms *t,
             const struct plan *p, const char *prefix, struct eg_stmt **st)
{
    char sql[SQL_MAX];
    snprintf(sql, sizeof(sql),
             "%sSELECT p.code, p.name, p.field_code, f.name, p.level, p.online_level, "
             "p.applicants, p.working_days, p.status, p.name_en, f.name_en FROM %s JOIN "
             "procedure_field f ON f.code = p.field_code%s ORDER BY %s LIMIT ? OFFSET ?",
             prefix, p->from, p->where, p->order);
    int i = 1;
    enum eg_err rc = eg_tx_prepare(tx, sql, st);
    if (rc == EG_OK)
        rc = bind_filters(*st, q, t, p, &i);
    for (int k = 0; rc == EG_OK && k < p->nbinds; k++)
        rc = eg_stmt_bind_text(*st, i++, p->binds[k], SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(*st, i++, q->limit);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(*st, i++, q->offset);
    return rc;
}

static enum eg_err
prepare_count(struct eg_tx *tx, const struct eg_procedure_query *q, const struct terms *t,
              const struct plan *p, const char *prefix, struct eg_stmt **st)
{
    char sql[SQL_MAX];
    snprintf(sql, sizeof(sql), "%sSELECT count(*) FROM %s%s", prefix, p->from, p->where);
    int i = 1;
    enum eg_err rc = eg_tx_prepare(tx, sql, st);
    if (rc == EG_OK)
        rc = bind_filters(*st, q, t, p, &i);
    return rc;
}

static enum eg_err
run(struct eg_tx *tx, const struct eg_procedure_query *q, const struct terms *t, bool any,
    json_t *items, int64_t *total)
{
    struct plan p;
    plan(tx, q, t, any, &p);
    struct eg_stmt *st;
    bool row = true;
    enum eg_err rc = prepare_list(tx, q, t, &p, "", &st);
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = item(st);
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    *total = 0;
    if (rc == EG_OK)
        rc = prepare_count(tx, q, t, &p, "", &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        *total = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    return rc;
}

static enum eg_err
query_ok(const struct eg_procedure_query *q)
{
    if (q->limit < 1 || q->limit > 100 || q->offset < 0)
        return EG_EINVAL;
    if (q->q && strlen(q->q) > EG_PROCEDURE_QUERY_MAX)
        return EG_EINVAL;
    return EG_OK;
}

enum eg_err
eg_procedure_search(struct eg_db *db, const struct eg_procedure_query *q, json_t **out)
{
    *out = NULL;
    enum eg_err rc = query_ok(q);
    struct terms t;
    if (rc == EG_OK)
        rc = terms_of(q->q ? q->q : "", &t);
    if (rc != EG_OK)
        return rc;
    struct eg_tx *tx;
    rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    json_t *items = json_array();
    int64_t total = 0;
    bool any = false;
    /* Typed something, but no letter or digit in it ("???"): nothing matches. */
    bool nothing = q->q && q->q[strspn(q->q, " \t")] && t.n == 0 && !t.code[0];
    rc = !items ? EG_ENOMEM : nothing ? EG_OK : run(tx, q, &t, false, items, &total);
    /* Nothing has every word ("thủ tục đăng ký khai sinh"): rank those with some of them. */
    if (rc == EG_OK && total == 0 && t.n > 1 && !t.code[0]) {
        any = true;
        rc = run(tx, q, &t, true, items, &total);
    }
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o, s:I, s:b}", "items", items, "total", (json_int_t)total, "partial", any);
    return *out ? EG_OK : EG_ENOMEM;
}

/* One plan step per line, from EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL). */
static enum eg_err
explain(struct eg_tx *tx, struct eg_stmt *st, struct eg_buf *out)
{
    bool row = true;
    enum eg_err rc = EG_OK;
    int col = eg_tx_kind(tx) == EG_DB_SQLITE ? 3 : 0;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        rc = eg_buf_printf(out, "%s\n", eg_stmt_text(st, col) ? eg_stmt_text(st, col) : "");
    }
    return rc;
}

enum eg_err
eg_procedure_search_plan(struct eg_db *db, const struct eg_procedure_query *q, struct eg_buf *out)
{
    enum eg_err rc = query_ok(q);
    struct terms t;
    if (rc == EG_OK)
        rc = terms_of(q->q ? q->q : "", &t);
    if (rc != EG_OK)
        return rc;
    struct eg_tx *tx;
    rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    const char *prefix = eg_tx_kind(tx) == EG_DB_SQLITE ? "EXPLAIN QUERY PLAN " : "EXPLAIN ";
    struct plan p;
    plan(tx, q, &t, false, &p);
    struct eg_stmt *st;
    rc = prepare_list(tx, q, &t, &p, prefix, &st);
    if (rc == EG_OK)
        rc = explain(tx, st, out);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, "--\n");
    if (rc == EG_OK)
        rc = prepare_count(tx, q, &t, &p, prefix, &st);
    if (rc == EG_OK)
        rc = explain(tx, st, out);
    eg_tx_rollback(tx);
    return rc;
}
