/*
 * search.c - finding procedures the way people type: with or without
 * diacritics, any case, words in any order, the last word possibly unfinished.
 *
 * The database finds the candidates through its full-text index (SQLite FTS5,
 * PostgreSQL a GIN index over a weighted tsvector) with the filters; the
 * ranking is done here, in C, the same for both engines (see rank_cmp), and
 * only the page's rows are read in full. Lists without words (browse by
 * field, by agency, the most used) are plain indexed queries.
 */
#include "procedures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORDS_MAX 8
#define WORD_MAX 40
#define SQL_MAX 4096
/* More candidates than this and the search is refused as too broad (never seen: 1 word). */
#define CANDIDATES_MAX 200000

struct terms {
    char words[WORDS_MAX][WORD_MAX + 1];
    int n;
    char fold[512];                       /* every word, space-separated */
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
        while (*p == ' ')
            p++;
        while (*p && *p != ' ') {
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

/* The engine's query: every word (or any, on the second try), the last as a prefix;
 * phrase: the words one after the other, all whole. Only a-z0-9 reach it: nothing to
 * inject. */
static void
match_query(const struct terms *t, bool sqlite, bool any, bool phrase, char *out, size_t n)
{
    size_t off = 0;
    out[0] = '\0';
    const char *sep = phrase ? (sqlite ? " " : " <-> ")
                      : any  ? (sqlite ? " OR " : " | ")
                             : (sqlite ? " " : " & ");
    for (int i = 0; i < t->n && off < n; i++) {
        bool last = i == t->n - 1;
        if (sqlite && phrase)
            off += (size_t)snprintf(out + off, n - off, "%s%s%s", i ? sep : "\"", t->words[i],
                                    last ? "\"" : "");
        else if (sqlite)
            off += (size_t)snprintf(out + off, n - off, "%s\"%s\"%s", i ? sep : "", t->words[i],
                                    last ? "*" : "");
        else
            off += (size_t)snprintf(out + off, n - off, "%s%s%s", i ? sep : "", t->words[i],
                                    last && !phrase ? ":*" : "");
    }
}

/* ---- the filters, shared by every statement ------------------------------------------ */

static void
filters_sql(const struct eg_procedure_query *q, char *out, size_t n)
{
    size_t w = (size_t)snprintf(out, n, "%s",
                                !q->include_drafts    ? " AND p.status = 'published'"
                                : !q->include_retired ? " AND p.status <> 'retired'"
                                                      : "");
    if (q->field)
        w += (size_t)snprintf(out + w, n - w, " AND p.field_code = ?");
    if (q->level)
        w += (size_t)snprintf(out + w, n - w, " AND p.level = ?");
    if (q->applicant)
        w += (size_t)snprintf(out + w, n - w, " AND (' ' || p.applicants || ' ') LIKE ?");
    if (q->agency)
        snprintf(out + w, n - w,
                 " AND EXISTS (SELECT 1 FROM procedure_agency a JOIN org_unit o ON o.id = "
                 "a.org_unit_id WHERE a.procedure_id = p.id AND o.code = ?)");
}

static enum eg_err
bind_filters(struct eg_stmt *st, const struct eg_procedure_query *q, int *i)
{
    enum eg_err rc = EG_OK;
    char like[32];
    if (q->field)
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

#define ITEM_COLUMNS                                                                               \
    "p.code, p.name, p.field_code, f.name, p.level, p.online_level, p.applicants, "                \
    "p.working_days, p.status, p.name_en, f.name_en"

static json_t *
item(const struct eg_stmt *st)
{
    json_t *apps = json_array();
    const char *a = eg_stmt_text(st, 6);
    if (!a)
        a = "";
    while (apps && *a) {
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

/* Appends the rows of a prepared listing statement to items. */
static enum eg_err
collect(struct eg_stmt *st, json_t *items)
{
    bool row = true;
    enum eg_err rc = EG_OK;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = item(st);
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    return rc;
}

/* ---- lists without words: indexed queries, the database orders and counts ----------- */

static void
list_sql(const struct eg_procedure_query *q, bool code, const char *prefix, bool count, char *sql,
         size_t n)
{
    char filters[1024];
    filters_sql(q, filters, sizeof(filters));
    if (count)
        snprintf(sql, n, "%sSELECT count(*) FROM procedure p WHERE %s%s", prefix,
                 code ? "p.code = ?" : "1 = 1", filters);
    else
        snprintf(sql, n,
                 "%sSELECT " ITEM_COLUMNS " FROM procedure p JOIN procedure_field f ON f.code = "
                 "p.field_code WHERE %s%s ORDER BY p.popularity DESC, p.name_fold, p.code LIMIT ? "
                 "OFFSET ?",
                 prefix, code ? "p.code = ?" : "1 = 1", filters);
}

static enum eg_err
prepare_list(struct eg_tx *tx, const struct eg_procedure_query *q, const struct terms *t,
             const char *prefix, bool count, struct eg_stmt **st)
{
    char sql[SQL_MAX];
    list_sql(q, t->code[0] != '\0', prefix, count, sql, sizeof(sql));
    int i = 1;
    enum eg_err rc = eg_tx_prepare(tx, sql, st);
    if (rc == EG_OK && t->code[0])
        rc = eg_stmt_bind_text(*st, i++, t->code, SIZE_MAX);
    if (rc == EG_OK)
        rc = bind_filters(*st, q, &i);
    if (rc == EG_OK && !count)
        rc = eg_stmt_bind_i64(*st, i++, q->limit);
    if (rc == EG_OK && !count)
        rc = eg_stmt_bind_i64(*st, i++, q->offset);
    return rc;
}

static enum eg_err
run_list(struct eg_tx *tx, const struct eg_procedure_query *q, const struct terms *t, json_t *items,
         int64_t *total)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = prepare_list(tx, q, t, "", false, &st);
    if (rc == EG_OK)
        rc = collect(st, items);
    if (rc == EG_OK)
        rc = prepare_list(tx, q, t, "", true, &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        *total = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    return rc;
}

/* ---- text searches: candidates from the index, ranked here ------------------------------ */

struct cand {
    int64_t id;
    double score; /* the engine's relevance, lower is better */
    int popularity;
    unsigned char exact, phrase_name, phrase_any, hits;
    unsigned short len; /* of the folded name, capped */
    char code[EG_PROCEDURE_CODE_MAX + 1];
};

/*
 * The ranking, the same on both engines:
 *   1. the name is exactly the query;
 *   2. the words stand together in the name, in the query's order;
 *   3. ... or anywhere in the text ("giấy chứng sinh" is a paper the birth
 *      registration asks for; "sổ đỏ" a keyword of the land certificate);
 *   4. ... in the name with the last word unfinished ("so do" in "hồ sơ đối với");
 *   5. how many of the words are words of the name (the last one may be unfinished);
 *   6. among names with some of the words, the shortest: it is about nothing else;
 *   7. the engine's relevance over the name and the rest (bm25 / ts_rank);
 *   8. the most used; then the code, so that pages never overlap.
 */
static int
rank_cmp(const void *pa, const void *pb)
{
    const struct cand *a = pa, *b = pb;
    if (a->exact != b->exact)
        return b->exact - a->exact;
    if ((a->phrase_name == 2) != (b->phrase_name == 2))
        return a->phrase_name == 2 ? -1 : 1;
    if (a->phrase_any != b->phrase_any)
        return b->phrase_any - a->phrase_any;
    if (a->phrase_name != b->phrase_name)
        return b->phrase_name - a->phrase_name;
    if (a->hits != b->hits)
        return b->hits - a->hits;
    int la = a->hits ? a->len : 0, lb = b->hits ? b->len : 0;
    if (la != lb)
        return la - lb;
    if (a->score != b->score)
        return a->score < b->score ? -1 : 1;
    if (a->popularity != b->popularity)
        return b->popularity - a->popularity;
    return strcmp(a->code, b->code);
}

/* Does " name " hold " word " (or " word..." for the unfinished last word)? */
static bool
has_word(const char *name, const char *word, bool prefix)
{
    size_t n = strlen(word);
    for (const char *p = strstr(name, word); p; p = strstr(p + 1, word)) {
        bool start = p == name || p[-1] == ' ';
        bool end = prefix || p[n] == '\0' || p[n] == ' ';
        if (start && end)
            return true;
    }
    return false;
}

static void
judge(struct cand *c, const char *name_fold, const struct terms *t)
{
    size_t len = strlen(name_fold);
    c->len = (unsigned short)(len > 60000 ? 60000 : len);
    c->exact = strcmp(name_fold, t->fold) == 0;
    for (int i = 0; i < t->n; i++)
        c->hits += has_word(name_fold, t->words[i], i == t->n - 1);
    /* The phrase: the words of the query one after the other; 2 with the last one whole. */
    c->phrase_name = t->n == 0                             ? 0
                     : has_word(name_fold, t->fold, false) ? 2
                     : has_word(name_fold, t->fold, true)  ? 1
                                                           : 0;
}

struct cands {
    struct cand *v;
    size_t n, cap;
};

static enum eg_err
cands_push(struct cands *cs, const struct cand *c)
{
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 64;
        if (cap > CANDIDATES_MAX)
            return EG_ETOOBIG;
        struct cand *v = realloc(cs->v, cap * sizeof(*v));
        if (!v)
            return EG_ENOMEM;
        cs->v = v;
        cs->cap = cap;
    }
    cs->v[cs->n++] = *c;
    return EG_OK;
}

/* The statement that finds the candidates: the index first, then the filters. */
static void
candidates_sql(const struct eg_procedure_query *q, bool sqlite, const char *prefix, char *sql,
               size_t n)
{
    char filters[1024];
    filters_sql(q, filters, sizeof(filters));
    if (sqlite)
        /* CROSS JOIN: SQLite keeps this order, so the index drives (never every row). */
        snprintf(sql, n,
                 "%sSELECT p.id, p.name_fold, p.popularity, p.code, bm25(procedure_search, "
                 "10.0, 1.0) FROM procedure_search s CROSS JOIN procedure p ON p.id = s.rowid "
                 "WHERE procedure_search MATCH ?%s",
                 prefix, filters);
    else
        snprintf(sql, n,
                 "%sSELECT p.id, p.name_fold, p.popularity, p.code, ts_rank(p.search_vec, "
                 "to_tsquery('simple', ?)) FROM procedure p WHERE p.search_vec @@ "
                 "to_tsquery('simple', ?)%s",
                 prefix, filters);
}

static void
phrase_sql(bool sqlite, const char *prefix, char *sql, size_t n)
{
    if (sqlite)
        snprintf(sql, n, "%sSELECT s.rowid FROM procedure_search s WHERE procedure_search MATCH ?",
                 prefix);
    else
        snprintf(sql, n,
                 "%sSELECT p.id FROM procedure p WHERE p.search_vec @@ to_tsquery('simple', ?)",
                 prefix);
}

static enum eg_err
prepare_candidates(struct eg_tx *tx, const struct eg_procedure_query *q, const char *match,
                   const char *prefix, struct eg_stmt **st)
{
    bool sqlite = eg_tx_kind(tx) == EG_DB_SQLITE;
    char sql[SQL_MAX];
    candidates_sql(q, sqlite, prefix, sql, sizeof(sql));
    int i = 1;
    enum eg_err rc = eg_tx_prepare(tx, sql, st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(*st, i++, match, SIZE_MAX);
    if (rc == EG_OK && !sqlite)
        rc = eg_stmt_bind_text(*st, i++, match, SIZE_MAX);
    if (rc == EG_OK)
        rc = bind_filters(*st, q, &i);
    return rc;
}

static int
id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Marks the candidates whose text holds the words one after the other. */
static enum eg_err
mark_phrases(struct eg_tx *tx, const struct terms *t, struct cands *cs)
{
    if (t->n < 2) {
        for (size_t i = 0; i < cs->n; i++)
            cs->v[i].phrase_any = 1;
        return EG_OK;
    }
    bool sqlite = eg_tx_kind(tx) == EG_DB_SQLITE;
    char sql[256], match[512];
    phrase_sql(sqlite, "", sql, sizeof(sql));
    match_query(t, sqlite, false, true, match, sizeof(match));
    struct eg_stmt *st;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, match, SIZE_MAX);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *v = cap <= CANDIDATES_MAX ? realloc(ids, cap * sizeof(*v)) : NULL;
            if (!v) {
                rc = EG_ENOMEM;
                eg_stmt_reset(st);
                break;
            }
            ids = v;
        }
        ids[n++] = eg_stmt_i64(st, 0);
    }
    if (rc == EG_OK && n > 0) {
        qsort(ids, n, sizeof(*ids), id_cmp);
        for (size_t i = 0; i < cs->n; i++)
            cs->v[i].phrase_any = bsearch(&cs->v[i].id, ids, n, sizeof(*ids), id_cmp) != NULL;
    }
    free(ids);
    return rc;
}

static enum eg_err
find_candidates(struct eg_tx *tx, const struct eg_procedure_query *q, const struct terms *t,
                bool any, struct cands *cs)
{
    bool sqlite = eg_tx_kind(tx) == EG_DB_SQLITE;
    char match[512];
    match_query(t, sqlite, any, false, match, sizeof(match));
    struct eg_stmt *st;
    enum eg_err rc = prepare_candidates(tx, q, match, "", &st);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        struct cand c = {.id = eg_stmt_i64(st, 0),
                         .popularity = (int)eg_stmt_i64(st, 2),
                         .score = eg_stmt_double(st, 4)};
        if (!sqlite)
            c.score = -c.score; /* ts_rank: higher is better */
        snprintf(c.code, sizeof(c.code), "%s", eg_stmt_text(st, 3));
        judge(&c, eg_stmt_text(st, 1), t);
        rc = cands_push(cs, &c);
        if (rc != EG_OK)
            eg_stmt_reset(st);
    }
    return rc;
}

/* The page's rows, read in full by id in the ranked order. */
static enum eg_err
page_items(struct eg_tx *tx, const struct eg_procedure_query *q, const struct cands *cs,
           json_t *items)
{
    struct eg_stmt *st;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT " ITEM_COLUMNS " FROM procedure p JOIN "
                                   "procedure_field f ON f.code = p.field_code WHERE p.id = ?",
                                   &st);
    for (size_t i = (size_t)q->offset;
         rc == EG_OK && i < cs->n && i < (size_t)q->offset + (size_t)q->limit; i++) {
        rc = eg_stmt_bind_i64(st, 1, cs->v[i].id);
        if (rc == EG_OK)
            rc = collect(st, items);
    }
    return rc;
}

static enum eg_err
run_text(struct eg_tx *tx, const struct eg_procedure_query *q, const struct terms *t, bool any,
         json_t *items, int64_t *total)
{
    struct cands cs = {0};
    enum eg_err rc = find_candidates(tx, q, t, any, &cs);
    if (rc == EG_OK && cs.n > 0)
        rc = mark_phrases(tx, t, &cs);
    if (rc == EG_OK) {
        if (cs.n > 1) /* qsort's base may not be NULL, even for nothing */
            qsort(cs.v, cs.n, sizeof(*cs.v), rank_cmp);
        rc = page_items(tx, q, &cs, items);
    }
    *total = (int64_t)cs.n;
    free(cs.v);
    return rc;
}

/* ---- the entry points ---------------------------------------------------------------- */

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
    if (!items)
        rc = EG_ENOMEM;
    else if (nothing)
        rc = EG_OK;
    else if (t.code[0] || t.n == 0)
        rc = run_list(tx, q, &t, items, &total);
    else
        rc = run_text(tx, q, &t, false, items, &total);
    /* Nothing has every word ("thủ tục đăng ký khai sinh"): rank those with some of them. */
    if (rc == EG_OK && total == 0 && t.n > 1 && !t.code[0]) {
        any = true;
        rc = run_text(tx, q, &t, true, items, &total);
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
    bool sqlite = eg_tx_kind(tx) == EG_DB_SQLITE;
    const char *prefix = sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ";
    struct eg_stmt *st;
    if (t.n > 0 && !t.code[0]) {
        /* The candidates, then the phrase's. */
        char match[512], sql[256];
        match_query(&t, sqlite, false, false, match, sizeof(match));
        rc = prepare_candidates(tx, q, match, prefix, &st);
        if (rc == EG_OK)
            rc = explain(tx, st, out);
        if (rc == EG_OK)
            rc = eg_buf_adds(out, "--\n");
        match_query(&t, sqlite, false, true, match, sizeof(match));
        phrase_sql(sqlite, prefix, sql, sizeof(sql));
        if (rc == EG_OK)
            rc = eg_tx_prepare(tx, sql, &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 1, match, SIZE_MAX);
    } else {
        /* The page, then the count. */
        rc = prepare_list(tx, q, &t, prefix, false, &st);
        if (rc == EG_OK)
            rc = explain(tx, st, out);
        if (rc == EG_OK)
            rc = eg_buf_adds(out, "--\n");
        if (rc == EG_OK)
            rc = prepare_list(tx, q, &t, prefix, true, &st);
    }
    if (rc == EG_OK)
        rc = explain(tx, st, out);
    eg_tx_rollback(tx);
    return rc;
}
