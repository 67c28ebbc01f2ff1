/*
 * fuzz_sql.c - eg_sql_to_pg (placeholders for PostgreSQL) and eg_sql_dialect
 * (the "-- @sqlite" / "-- @pg" blocks and {{ID}} macros of migrations) for
 * both database kinds, with the buffer limits of src/db/pg.c and migrate.c.
 *
 * Invariants for eg_sql_to_pg, against a scanner written here:
 *  - it fails exactly when a quoted run or a block comment is unterminated;
 *  - *nparams is the number of '?' outside quotes and comments;
 *  - the output holds no '?' outside quotes and comments, and converting it
 *    again changes nothing (no placeholders left);
 *  - removing the $1, $2 ... it wrote, in order, gives the input back.
 * Invariants for eg_sql_dialect, against a line model written here:
 *  - it fails exactly when a block is nested, unclosed, or closed without
 *    being opened, or a kept line holds "{{" that is not a known macro;
 *  - on success the output is the kept lines, macros expanded, each ending in
 *    '\n'; it holds no "{{" and no block tag line.
 */
#include "fuzz.h"

#include "db/db_int.h"

#define TO_PG_MAX (1 << 20)
#define DIALECT_MAX (4 << 20)

/*
 * Scans sql as eg_sql_to_pg must: 0 = fine, -1 = refused (an unterminated quote
 * or comment, or SQLite's numbered "?NNN", which egov does not use); counts '?'
 * outside quotes and comments.
 */
static int
scan(const char *s, int *marks)
{
    enum { CODE, SQUOTE, DQUOTE, LINE, BLOCK } st = CODE;
    bool numbered = false;
    *marks = 0;
    for (size_t i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        char d = s[i + 1];
        switch (st) {
        case CODE:
            if (c == '\'')
                st = SQUOTE;
            else if (c == '"')
                st = DQUOTE;
            else if (c == '-' && d == '-')
                st = LINE;
            else if (c == '/' && d == '*')
                st = BLOCK;
            else if (c == '?') {
                (*marks)++;
                numbered = numbered || (d >= '0' && d <= '9');
            }
            if (st == LINE || st == BLOCK)
                i++; /* the second character of the opener */
            break;
        case SQUOTE:
        case DQUOTE:
            if (c == (st == SQUOTE ? '\'' : '"')) {
                if (d == c)
                    i++; /* a doubled quote stays inside */
                else
                    st = CODE;
            }
            break;
        case LINE:
            if (c == '\n')
                st = CODE;
            break;
        case BLOCK:
            if (c == '*' && d == '/') {
                st = CODE;
                i++;
            }
            break;
        }
    }
    return st == SQUOTE || st == DQUOTE || st == BLOCK || numbered ? -1 : 0;
}

static void
check_to_pg(const char *sql)
{
    size_t n = strlen(sql);
    int want;
    int verdict = scan(sql, &want);
    struct eg_buf out = EG_BUF_INIT(TO_PG_MAX);
    int got = -1;
    enum eg_err rc = eg_sql_to_pg(sql, &out, &got);
    if (rc == EG_ETOOBIG) {
        /* More placeholders than PostgreSQL takes, or an output past the limit. */
        FUZZ_CHECK(want > 65535 || n * 7 > TO_PG_MAX);
        goto out;
    }
    if (verdict < 0) {
        FUZZ_CHECK(rc == EG_EINVAL);
        goto out;
    }
    FUZZ_CHECK(want <= 65535 && rc == EG_OK);
    FUZZ_CHECK(got == want);
    const char *o = eg_buf_str(&out);
    int left;
    FUZZ_CHECK(strlen(o) == out.len);
    FUZZ_CHECK(scan(o, &left) == 0 && left == 0);

    struct eg_buf again = EG_BUF_INIT(TO_PG_MAX);
    int none = -1;
    FUZZ_CHECK(eg_sql_to_pg(o, &again, &none) == EG_OK);
    FUZZ_CHECK(none == 0 && fuzz_buf_eq(&out, &again));
    eg_buf_release(&again);

    /* Each '?' of the input became "$k", k counting up from 1; all else was copied. */
    size_t i = 0, j = 0;
    int k = 0;
    while (i < n) {
        FUZZ_CHECK(j < out.len);
        if (sql[i] == '?' && o[j] == '$') {
            char num[16];
            int w = snprintf(num, sizeof(num), "$%d", k + 1);
            if (strncmp(o + j, num, (size_t)w) == 0) {
                k++;
                i++;
                j += (size_t)w;
                continue;
            }
        }
        FUZZ_CHECK(sql[i] == o[j]);
        i++;
        j++;
    }
    FUZZ_CHECK(j == out.len && k == want);
out:
    eg_buf_release(&out);
}

/* The tag a line is, tolerating trailing blanks: 0 none, 1 @sqlite, 2 @pg, 3 @end. */
static int
tag_of(const char *line, size_t n)
{
    static const char *const tags[] = {"-- @sqlite", "-- @pg", "-- @end"};
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
        n--;
    for (int t = 0; t < 3; t++)
        if (strlen(tags[t]) == n && memcmp(line, tags[t], n) == 0)
            return t + 1;
    return 0;
}

/* The model of eg_sql_dialect; false where it must fail. */
static bool
model_dialect(const char *sql, enum eg_db_kind kind, struct eg_buf *out)
{
    int block = 0; /* 0 both, 1 sqlite only, 2 pg only */
    const char *p = sql;
    while (*p) {
        size_t n = strcspn(p, "\n");
        int tag = tag_of(p, n);
        if (tag == 1 || tag == 2) {
            if (block != 0)
                return false;
            block = tag;
        } else if (tag == 3) {
            if (block == 0)
                return false;
            block = 0;
        } else if (block == 0 || (block == 1 && kind == EG_DB_SQLITE) ||
                   (block == 2 && kind == EG_DB_POSTGRES)) {
            for (size_t i = 0; i < n; i++) {
                const char *id = kind == EG_DB_SQLITE
                                     ? "INTEGER PRIMARY KEY"
                                     : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
                const char *blob = kind == EG_DB_SQLITE ? "BLOB" : "BYTEA";
                if (n - i >= 6 && memcmp(p + i, "{{ID}}", 6) == 0) {
                    FUZZ_CHECK(eg_buf_adds(out, id) == EG_OK);
                    i += 5;
                } else if (n - i >= 8 && memcmp(p + i, "{{BLOB}}", 8) == 0) {
                    FUZZ_CHECK(eg_buf_adds(out, blob) == EG_OK);
                    i += 7;
                } else if (p[i] == '{' && i + 1 < n && p[i + 1] == '{') {
                    return false;
                } else {
                    FUZZ_CHECK(eg_buf_addc(out, p[i]) == EG_OK);
                }
            }
            FUZZ_CHECK(eg_buf_addc(out, '\n') == EG_OK);
        }
        p += n;
        if (*p == '\n')
            p++;
    }
    return block == 0;
}

static void
check_dialect(const char *sql, enum eg_db_kind kind)
{
    struct eg_buf out = EG_BUF_INIT(DIALECT_MAX);
    struct eg_buf want = EG_BUF_INIT(SIZE_MAX);
    enum eg_err rc = eg_sql_dialect(sql, kind, &out);
    bool ok = model_dialect(sql, kind, &want);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL || (rc == EG_ETOOBIG && want.len > DIALECT_MAX));
    FUZZ_CHECK(rc == EG_ETOOBIG || (rc == EG_OK) == ok);
    if (rc == EG_OK) {
        FUZZ_CHECK(fuzz_buf_eq(&out, &want));
        const char *o = eg_buf_str(&out);
        FUZZ_CHECK(strstr(o, "{{") == NULL);
        FUZZ_CHECK(out.len == 0 || o[out.len - 1] == '\n');
        for (const char *p = o; *p;) {
            size_t n = strcspn(p, "\n");
            FUZZ_CHECK(tag_of(p, n) == 0);
            p += n + 1;
        }
    }
    eg_buf_release(&out);
    eg_buf_release(&want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Both functions take C strings; an inner NUL ends the SQL early. */
    char *sql = fuzz_cstr(data, size);
    check_to_pg(sql);
    check_dialect(sql, EG_DB_SQLITE);
    check_dialect(sql, EG_DB_POSTGRES);
    free(sql);
    return 0;
}
