/*
 * test_embed.c - lookup of files compiled into the binary. Works with whatever
 * table is linked in (the generated one, or a stub): every entry is found by
 * its own name, and names that are not there are not found.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <stdio.h>
#include <string.h>

static void
test_every_entry_is_found(void **state)
{
    (void)state;
    for (size_t i = 0; i < eg_embedded_count; i++) {
        const struct eg_embedded_file *f = &eg_embedded_files[i];
        assert_non_null(f->name);
        assert_non_null(f->data);
        assert_int_equal(f->data[f->len], '\0'); /* NUL-terminated */
        const struct eg_embedded_file *g = eg_embedded(f->name);
        assert_non_null(g);
        assert_string_equal(g->name, f->name);
    }
}

static void
test_unknown_names(void **state)
{
    (void)state;
    assert_null(eg_embedded("no/such/file.html"));
    assert_null(eg_embedded(""));
    /* Exact names only: no prefix or suffix matches. */
    for (size_t i = 0; i < eg_embedded_count; i++) {
        char name[512];
        snprintf(name, sizeof(name), "%s.bak", eg_embedded_files[i].name);
        assert_null(eg_embedded(name));
        snprintf(name, sizeof(name), "/%s", eg_embedded_files[i].name);
        assert_null(eg_embedded(name));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_entry_is_found),
        cmocka_unit_test(test_unknown_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
