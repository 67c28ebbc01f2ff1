/*
 * test_sql.c - the SQL text helpers of sql.c ('?' -> $n for PostgreSQL, the
 * dialect blocks and macros of migrations) and the per-connection statement
 * cache. No database is opened here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- eg_sql_to_pg ------------------------------------------------------- */

static void
assert_to_pg(const char *sql, const char *want, int want_n)
{
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    int n = -1;
    enum eg_err rc = eg_sql_to_pg(sql, &out, &n);
    char got[4096];
    snprintf(got, sizeof(got), "%s", eg_buf_str(&out));
    eg_buf_release(&out);
    assert_int_equal(rc, EG_OK);
    assert_string_equal(got, want);
    assert_int_equal(n, want_n);
}

static enum eg_err
to_pg_rc(const char *sql)
{
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    int n = -1;
    enum eg_err rc = eg_sql_to_pg(sql, &out, &n);
    eg_buf_release(&out);
    return rc;
}

static void
test_to_pg_plain(void **state)
{
    (void)state;
    assert_to_pg("", "", 0);
    assert_to_pg("SELECT 1", "SELECT 1", 0);
    assert_to_pg("SELECT ?", "SELECT $1", 1);
    assert_to_pg("INSERT INTO t (a, b, c) VALUES (?, ?,?)",
                 "INSERT INTO t (a, b, c) VALUES ($1, $2,$3)", 3);
    assert_to_pg("SELECT x FROM t WHERE a=? AND b<>?", "SELECT x FROM t WHERE a=$1 AND b<>$2", 2);
    /* Nothing else changes: casts, operators, Vietnamese text. */
    assert_to_pg("SELECT ?::bigint, 'Hà Nội' || ?", "SELECT $1::bigint, 'Hà Nội' || $2", 2);
}

static void
test_to_pg_quotes(void **state)
{
    (void)state;
    /* '?' inside literals and quoted names is text, not a placeholder. */
    assert_to_pg("SELECT '?', ?", "SELECT '?', $1", 1);
    assert_to_pg("SELECT \"a?b\" FROM t WHERE x = ?", "SELECT \"a?b\" FROM t WHERE x = $1", 1);
    /* Doubled quotes stay inside the literal. */
    assert_to_pg("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1);
    assert_to_pg("SELECT '''?''', ?", "SELECT '''?''', $1", 1);
    assert_to_pg("SELECT \"a\"\"?\"\"b\", ?", "SELECT \"a\"\"?\"\"b\", $1", 1);
    assert_to_pg("SELECT '', ?", "SELECT '', $1", 1);
    assert_to_pg("SELECT '\"?', \"'?\", ?", "SELECT '\"?', \"'?\", $1", 1);
    /* The LIKE escape of directory.c: a backslash inside a literal. */
    assert_to_pg("x LIKE ? ESCAPE '\\' OR y LIKE ? ESCAPE '\\'",
                 "x LIKE $1 ESCAPE '\\' OR y LIKE $2 ESCAPE '\\'", 2);
}

static void
test_to_pg_comments(void **state)
{
    (void)state;
    assert_to_pg("-- what?\nSELECT ?", "-- what?\nSELECT $1", 1);
    assert_to_pg("SELECT ? -- and ?", "SELECT $1 -- and ?", 1);
    assert_to_pg("/* ? */ SELECT ?", "/* ? */ SELECT $1", 1);
    assert_to_pg("SELECT /* 'x */ ? /**/", "SELECT /* 'x */ $1 /**/", 1);
    /* A quote inside a comment does not open a literal. */
    assert_to_pg("-- don't\nSELECT ?", "-- don't\nSELECT $1", 1);
    /* '-' and '/' alone are operators. */
    assert_to_pg("SELECT ?-1, ?/2", "SELECT $1-1, $2/2", 2);
}

static void
test_to_pg_unterminated(void **state)
{
    (void)state;
    assert_int_equal(to_pg_rc("SELECT 'abc"), EG_EINVAL);
    assert_int_equal(to_pg_rc("SELECT 'abc''"), EG_EINVAL);
    assert_int_equal(to_pg_rc("SELECT \"abc"), EG_EINVAL);
    assert_int_equal(to_pg_rc("SELECT ? '"), EG_EINVAL);
    assert_int_equal(to_pg_rc("SELECT /* ? "), EG_EINVAL);
    assert_int_equal(to_pg_rc("SELECT /*/"), EG_EINVAL);
}

static void
test_to_pg_many_params(void **state)
{
    (void)state;
    /* 65535 is PostgreSQL's limit; one more is refused, not wrapped. */
    size_t max = 65535;
    char *sql = malloc(max + 2);
    assert_non_null(sql);
    memset(sql, '?', max + 1);
    sql[max] = '\0';
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    int n = 0;
    assert_int_equal(eg_sql_to_pg(sql, &out, &n), EG_OK);
    assert_int_equal(n, 65535);
    assert_non_null(strstr(eg_buf_str(&out), "$65535"));
    eg_buf_release(&out);
    sql[max] = '?';
    sql[max + 1] = '\0';
    assert_int_equal(eg_sql_to_pg(sql, &out, &n), EG_ETOOBIG);
    eg_buf_release(&out);
    free(sql);
}

static void
test_to_pg_nparams_optional(void **state)
{
    (void)state;
    struct eg_buf out = EG_BUF_INIT(1024);
    assert_int_equal(eg_sql_to_pg("SELECT ?", &out, NULL), EG_OK);
    assert_string_equal(eg_buf_str(&out), "SELECT $1");
    eg_buf_release(&out);
}

/* ---- eg_sql_dialect --------------------------------------------------------- */

static void
assert_dialect(const char *sql, enum eg_db_kind kind, const char *want)
{
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    enum eg_err rc = eg_sql_dialect(sql, kind, &out);
    char got[4096];
    snprintf(got, sizeof(got), "%s", eg_buf_str(&out));
    eg_buf_release(&out);
    assert_int_equal(rc, EG_OK);
    assert_string_equal(got, want);
}

static enum eg_err
dialect_rc(const char *sql, enum eg_db_kind kind)
{
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    enum eg_err rc = eg_sql_dialect(sql, kind, &out);
    eg_buf_release(&out);
    return rc;
}

static void
test_dialect_plain(void **state)
{
    (void)state;
    assert_dialect("", EG_DB_SQLITE, "");
    assert_dialect("SELECT 1;", EG_DB_SQLITE, "SELECT 1;\n");
    assert_dialect("A\nB\n", EG_DB_POSTGRES, "A\nB\n");
    assert_dialect("A\n\nB", EG_DB_POSTGRES, "A\n\nB\n");
    /* A lone brace is SQL (or plpgsql), not a macro. */
    assert_dialect("SELECT '{' || '}';", EG_DB_SQLITE, "SELECT '{' || '}';\n");
}

static void
test_dialect_blocks(void **state)
{
    (void)state;
    const char *sql = "X;\n"
                      "-- @sqlite\n"
                      "S;\n"
                      "-- @end\n"
                      "-- @pg\n"
                      "P1;\n"
                      "P2;\n"
                      "-- @end\n"
                      "Y;\n";
    assert_dialect(sql, EG_DB_SQLITE, "X;\nS;\nY;\n");
    assert_dialect(sql, EG_DB_POSTGRES, "X;\nP1;\nP2;\nY;\n");
    /* Tags tolerate trailing white space and CRLF line ends. */
    assert_dialect("-- @pg  \t\r\nP;\r\n-- @end\r\nZ;\r\n", EG_DB_POSTGRES, "P;\r\nZ;\r\n");
    assert_dialect("-- @pg  \t\r\nP;\r\n-- @end\r\nZ;\r\n", EG_DB_SQLITE, "Z;\r\n");
    /* A comment that only starts like a tag is a comment. */
    assert_dialect("-- @sqlitex\nA;\n", EG_DB_POSTGRES, "-- @sqlitex\nA;\n");
    assert_dialect("  -- @pg\nA;\n", EG_DB_SQLITE, "  -- @pg\nA;\n");
    /* The last line of a block need not end in a newline. */
    assert_dialect("-- @sqlite\nS;\n-- @end", EG_DB_SQLITE, "S;\n");
}

static void
test_dialect_bad_blocks(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "-- @sqlite\nS;\n",                           /* unterminated */
        "-- @pg\n",                                   /* unterminated, empty */
        "-- @end\n",                                  /* closes nothing */
        "A;\n-- @sqlite\nS;\n-- @end\n-- @end\n",     /* closed twice */
        "-- @sqlite\n-- @pg\nP;\n-- @end\n-- @end\n", /* nested */
        "-- @pg\n-- @pg\nP;\n-- @end\n",              /* nested, same kind */
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        assert_int_equal(dialect_rc(bad[i], EG_DB_SQLITE), EG_EINVAL);
        assert_int_equal(dialect_rc(bad[i], EG_DB_POSTGRES), EG_EINVAL);
    }
}

static void
test_dialect_macros(void **state)
{
    (void)state;
    assert_dialect("CREATE TABLE t (id {{ID}}, b {{BLOB}});", EG_DB_SQLITE,
                   "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB);\n");
    assert_dialect("CREATE TABLE t (id {{ID}}, b {{BLOB}});", EG_DB_POSTGRES,
                   "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                   "b BYTEA);\n");
    assert_dialect("{{BLOB}}{{BLOB}}", EG_DB_POSTGRES, "BYTEABYTEA\n");
    /* Unknown or broken macros are mistakes. */
    assert_int_equal(dialect_rc("x {{FOO}} y", EG_DB_SQLITE), EG_EINVAL);
    assert_int_equal(dialect_rc("x {{id}}", EG_DB_POSTGRES), EG_EINVAL);
    assert_int_equal(dialect_rc("x {{ID}", EG_DB_SQLITE), EG_EINVAL);
    assert_int_equal(dialect_rc("{{", EG_DB_SQLITE), EG_EINVAL);
    /* Lines dropped for this dialect are not expanded, so not checked. */
    assert_dialect("-- @pg\n{{FOO}}\n-- @end\nA;\n", EG_DB_SQLITE, "A;\n");
    assert_int_equal(dialect_rc("-- @pg\n{{FOO}}\n-- @end\nA;\n", EG_DB_POSTGRES), EG_EINVAL);
}

/* Every migration compiled into the binary goes through both dialects. */
static void
test_dialect_embedded_migrations(void **state)
{
    (void)state;
    size_t seen = 0;
    for (size_t i = 0; i < eg_embedded_count; i++) {
        const struct eg_embedded_file *f = &eg_embedded_files[i];
        if (strncmp(f->name, "src/db/migrations/", 18) != 0)
            continue;
        seen++;
        struct eg_buf sq = EG_BUF_INIT(4 << 20), pg = EG_BUF_INIT(4 << 20);
        assert_int_equal(eg_sql_dialect((const char *)f->data, EG_DB_SQLITE, &sq), EG_OK);
        assert_int_equal(eg_sql_dialect((const char *)f->data, EG_DB_POSTGRES, &pg), EG_OK);
        assert_null(strstr(eg_buf_str(&sq), "{{"));
        assert_null(strstr(eg_buf_str(&pg), "{{"));
        assert_null(strstr(eg_buf_str(&sq), "plpgsql"));
        assert_null(strstr(eg_buf_str(&pg), "RAISE(ABORT"));
        eg_buf_release(&sq);
        eg_buf_release(&pg);
    }
    assert_int_equal(seen, (size_t)eg_db_schema_latest());
    assert_true(seen >= 2);
}

/* ---- the statement cache ------------------------------------------------------ */

#define NKEYS 5000

static int cleared[NKEYS + 1];
static size_t clear_calls;

static void
on_clear(void *stmt, void *arg)
{
    assert_ptr_equal(arg, &clear_calls);
    uintptr_t v = (uintptr_t)stmt;
    assert_true(v >= 1 && v <= NKEYS);
    cleared[v]++;
    clear_calls++;
}

static void
key_of(size_t i, char *buf, size_t n)
{
    snprintf(buf, n, "SELECT %zu FROM t WHERE x = ?", i);
}

static void
test_cache_empty(void **state)
{
    (void)state;
    struct eg_stmt_cache c;
    eg_stmt_cache_init(&c);
    assert_null(eg_stmt_cache_get(&c, "SELECT 1"));
    assert_null(eg_stmt_cache_get(&c, ""));
    clear_calls = 0;
    eg_stmt_cache_clear(&c, on_clear, &clear_calls);
    assert_int_equal(clear_calls, 0);
    assert_int_equal(c.count, 0);
}

static void
test_cache_growth_and_clear(void **state)
{
    (void)state;
    struct eg_stmt_cache c;
    eg_stmt_cache_init(&c);
    char key[96];
    for (size_t i = 1; i <= NKEYS; i++) {
        key_of(i, key, sizeof(key));
        assert_int_equal(eg_stmt_cache_put(&c, key, (void *)(uintptr_t)i), EG_OK);
        assert_int_equal(c.count, i);
        /* Open addressing stays at most half full, cap a power of two. */
        assert_true(c.count * 2 <= c.cap);
        assert_int_equal(c.cap & (c.cap - 1), 0);
        /* An early key is still found after every growth. */
        assert_ptr_equal(eg_stmt_cache_get(&c, "SELECT 1 FROM t WHERE x = ?"), (void *)1);
    }
    for (size_t i = 1; i <= NKEYS; i++) {
        key_of(i, key, sizeof(key));
        assert_ptr_equal(eg_stmt_cache_get(&c, key), (void *)(uintptr_t)i);
    }
    /* Near misses are not hits. */
    assert_null(eg_stmt_cache_get(&c, "SELECT 1 FROM t WHERE x = ? "));
    assert_null(eg_stmt_cache_get(&c, "select 1 FROM t WHERE x = ?"));
    assert_null(eg_stmt_cache_get(&c, "SELECT 0 FROM t WHERE x = ?"));
    assert_null(eg_stmt_cache_get(&c, ""));
    /* The key is copied: changing the caller's buffer changes nothing. */
    snprintf(key, sizeof(key), "volatile key");
    assert_int_equal(eg_stmt_cache_put(&c, key, (void *)(uintptr_t)1), EG_OK);
    key[0] = 'V';
    assert_ptr_equal(eg_stmt_cache_get(&c, "volatile key"), (void *)1);
    assert_null(eg_stmt_cache_get(&c, "Volatile key"));

    memset(cleared, 0, sizeof(cleared));
    clear_calls = 0;
    eg_stmt_cache_clear(&c, on_clear, &clear_calls);
    assert_int_equal(clear_calls, NKEYS + 1);
    assert_int_equal(cleared[1], 2); /* stmt 1 was stored under two keys */
    for (size_t i = 2; i <= NKEYS; i++)
        assert_int_equal(cleared[i], 1);
    assert_int_equal(c.count, 0);
    assert_int_equal(c.cap, 0);
    assert_null(eg_stmt_cache_get(&c, "SELECT 1 FROM t WHERE x = ?"));

    /* Usable again after clear. */
    assert_int_equal(eg_stmt_cache_put(&c, "again", (void *)(uintptr_t)7), EG_OK);
    assert_ptr_equal(eg_stmt_cache_get(&c, "again"), (void *)7);
    memset(cleared, 0, sizeof(cleared));
    clear_calls = 0;
    eg_stmt_cache_clear(&c, on_clear, &clear_calls);
    assert_int_equal(clear_calls, 1);
    assert_int_equal(cleared[7], 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_to_pg_plain),
        cmocka_unit_test(test_to_pg_quotes),
        cmocka_unit_test(test_to_pg_comments),
        cmocka_unit_test(test_to_pg_unterminated),
        cmocka_unit_test(test_to_pg_many_params),
        cmocka_unit_test(test_to_pg_nparams_optional),
        cmocka_unit_test(test_dialect_plain),
        cmocka_unit_test(test_dialect_blocks),
        cmocka_unit_test(test_dialect_bad_blocks),
        cmocka_unit_test(test_dialect_macros),
        cmocka_unit_test(test_dialect_embedded_migrations),
        cmocka_unit_test(test_cache_empty),
        cmocka_unit_test(test_cache_growth_and_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
