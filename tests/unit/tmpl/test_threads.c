/*
 * test_threads.c - one set, four threads rendering at once: a page with a
 * layout, partials, sections and messages in both languages, from one shared
 * context and from per-thread ones. Every output equals the one rendered
 * alone beforehand, and the atomic miss counter loses no increment. The
 * engine is race-free by design (read-only set, state on the stack); this
 * test keeps it so, and is meant to pass under ThreadSanitizer too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpl/tmpl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 2000
#define MISSES 500

struct worker {
    const struct eg_tmpl_set *set;
    const json_t *shared;
    const char *want_shared[2]; /* vi, en */
    int id;
    int bad;
    int errors;
};

static const char *const langs[2] = {"vi", "en"};

static char *
render(const struct eg_tmpl_set *set, const char *name, const json_t *ctx, const char *lang)
{
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    if (eg_tmpl_render(set, name, ctx, lang, &out) != EG_OK) {
        eg_buf_release(&out);
        return NULL;
    }
    char *s = eg_buf_take(&out);
    return s ? s : strdup("");
}

static json_t *
own_context(int id)
{
    json_t *items = json_array();
    for (int i = 0; i < 20; i++)
        json_array_append_new(items, json_pack("{s:s,s:I,s:s}", "code", "H41-<x>", "at",
                                               (json_int_t)1795810380000 + i * 3600000LL, "url",
                                               i % 2 ? "javascript:x" : "/ho-so"));
    return json_pack("{s:i,s:s,s:o}", "who", id, "title", "Trang \"riêng\"", "items", items);
}

static void *
work(void *arg)
{
    struct worker *w = arg;
    json_t *mine = own_context(w->id);
    char *want_mine[2];
    for (int l = 0; l < 2; l++)
        want_mine[l] = render(w->set, "page", mine, langs[l]);
    for (int i = 0; i < ROUNDS; i++) {
        int l = (i + w->id) % 2;
        char *a = render(w->set, "page", w->shared, langs[l]);
        char *b = render(w->set, "page", mine, langs[l]);
        if (!a || !b || !want_mine[l])
            w->errors++;
        else if (strcmp(a, w->want_shared[l]) != 0 || strcmp(b, want_mine[l]) != 0)
            w->bad++;
        free(a);
        free(b);
    }
    for (int i = 0; i < MISSES; i++) {
        char *m = render(w->set, "missing", NULL, langs[i % 2]);
        if (!m || strcmp(m, "[no.such]") != 0)
            w->bad++;
        free(m);
    }
    free(want_mine[0]);
    free(want_mine[1]);
    json_decref(mine);
    return NULL;
}

static void
add(struct eg_tmpl_set *set, const char *name, const char *text)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    if (eg_tmpl_set_add(set, name, text, strlen(text), &msg) != EG_OK)
        fail_msg("%s: %s", name, eg_buf_str(&msg));
    eg_buf_release(&msg);
}

static void
test_four_threads(void **state)
{
    (void)state;
    eg_log_setup(EG_LOG_ERROR, 2); /* the misses below log warnings */
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "layout",
        "<title>{{$title}}{{@site.name}}{{/title}}</title><main>{{$content}}"
        "{{/content}}</main><footer>{{@footer.owner owner}}</footer>");
    add(set, "row",
        "<tr><td>{{code}}</td><td>{{at|datetime}}</td>"
        "<td><a href=\"{{url|url}}\">{{@dossier.received code at|date}}</a></td></tr>");
    add(set, "page",
        "{{<layout}}{{$title}}{{title}} #{{who|number}}{{/title}}{{$content}}"
        "<table>{{#items}}{{>row}}{{/items}}</table>{{^items}}-{{/items}}"
        "{{/content}}{{/layout}}");
    add(set, "missing", "[{{@no.such}}]");
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_tmpl_set_load_catalogues(set, "web/i18n/", &msg), EG_OK);
    eg_buf_release(&msg);

    json_t *shared = own_context(1000000);
    json_object_set_new(shared, "owner", json_string("UBND tỉnh <Demo>"));
    struct worker w[THREADS];
    pthread_t t[THREADS];
    char *want[2];
    for (int l = 0; l < 2; l++) {
        want[l] = render(set, "page", shared, langs[l]);
        assert_non_null(want[l]);
    }
    assert_non_null(strstr(want[0], "#1.000.000"));
    assert_non_null(strstr(want[1], "#1,000,000"));
    assert_non_null(strstr(want[0], "UBND tỉnh &lt;Demo&gt;"));
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){set, shared, {want[0], want[1]}, i, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].errors, 0);
        assert_int_equal(w[i].bad, 0);
    }
    assert_int_equal(eg_tmpl_missing_count(set), THREADS * MISSES);
    free(want[0]);
    free(want[1]);
    json_decref(shared);
    eg_tmpl_set_free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_four_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
