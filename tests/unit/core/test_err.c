/*
 * test_err.c - the error vocabulary (eg_strerror, eg_err_code) and eg_bug().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_every_error_has_code_and_text(void **state)
{
    (void)state;
    for (int e = EG_OK; e < EG_ERR_COUNT; e++) {
        const char *code = eg_err_code((enum eg_err)e);
        const char *text = eg_strerror((enum eg_err)e);
        assert_non_null(code);
        assert_non_null(text);
        assert_true(strlen(code) > 0);
        assert_true(strlen(text) > 0);
        /* Codes are stable machine words: lower-case letters and '_'. */
        for (const char *p = code; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
    }
}

static void
test_codes_and_texts_are_distinct(void **state)
{
    (void)state;
    for (int a = EG_OK; a < EG_ERR_COUNT; a++) {
        for (int b = a + 1; b < EG_ERR_COUNT; b++) {
            assert_string_not_equal(eg_err_code((enum eg_err)a), eg_err_code((enum eg_err)b));
            assert_string_not_equal(eg_strerror((enum eg_err)a), eg_strerror((enum eg_err)b));
        }
    }
}

/* The codes are part of the HTTP API: they must not drift. */
static void
test_known_codes(void **state)
{
    (void)state;
    assert_string_equal(eg_err_code(EG_OK), "ok");
    assert_string_equal(eg_err_code(EG_EINVAL), "invalid_argument");
    assert_string_equal(eg_err_code(EG_ENOTFOUND), "not_found");
    assert_string_equal(eg_err_code(EG_ECONFLICT), "conflict");
    assert_string_equal(eg_err_code(EG_ETOOBIG), "too_large");
    assert_string_equal(eg_err_code(EG_EINTERNAL), "internal");
}

static void
test_out_of_range(void **state)
{
    (void)state;
    const int bad[] = {EG_ERR_COUNT, EG_ERR_COUNT + 1, 1000, -1, -1000};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        const char *code = eg_err_code((enum eg_err)bad[i]);
        const char *text = eg_strerror((enum eg_err)bad[i]);
        assert_non_null(code);
        assert_non_null(text);
        assert_true(strlen(code) > 0);
        assert_true(strlen(text) > 0);
        /* Never mistaken for success. */
        assert_string_not_equal(code, eg_err_code(EG_OK));
        assert_string_not_equal(text, eg_strerror(EG_OK));
    }
}

/* Runs fn in a child and returns its wait status. */
static int
run_child(void (*fn)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Keep the child's report out of the test output. */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        fn();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void
child_bug(void)
{
    EG_BUG("impossible state");
}

static void
child_assert_false(void)
{
    int x = 1;
    EG_ASSERT(x == 2);
}

static void
child_assert_true(void)
{
    int x = 1;
    EG_ASSERT(x == 1);
}

static void
test_bug_aborts(void **state)
{
    (void)state;
    int st = run_child(child_bug);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
    st = run_child(child_assert_false);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
    st = run_child(child_assert_true);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error_has_code_and_text),
        cmocka_unit_test(test_codes_and_texts_are_distinct),
        cmocka_unit_test(test_known_codes),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_bug_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
