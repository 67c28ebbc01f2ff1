/* public.c - the home page (with the search of procedures) and the public directory of agencies. */
#include "portal_int.h"

#include "directory/directory.h"

#include <string.h>

#define QUERY_MAX_BYTES 200
#define PER_PAGE 20
#define POPULAR 8 /* the most used procedures on the home page */

void
pg_home(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (pg_from_memo(&pg))
        return;
    json_object_set_new(pg.ctx, "nav_home", json_true());
    json_t *popular = cat_popular(&pg, POPULAR);
    json_object_set_new(pg.ctx, "popular_any", json_boolean(json_array_size(popular) > 0));
    json_object_set_new(pg.ctx, "popular", popular);
    pg_render(&pg, 200, "home");
}

/* The name to show in this language, and the kind as a flag for the templates. */
static void
shape_unit(struct page *pg, json_t *u)
{
    const char *en = json_string_value(json_object_get(u, "name_en"));
    json_object_set(u, "display_name",
                    pg->en && en && *en ? json_object_get(u, "name_en")
                                        : json_object_get(u, "name"));
    pg_flag(u, "kind", json_string_value(json_object_get(u, "kind")));
    /* Every unit gets its own keys (even null), so an item never shows another's. */
    static const char *const keys[] = {"website", "email", "phone", "address", "short_name"};
    for (size_t i = 0; i < EG_ARRAY_LEN(keys); i++)
        if (!json_object_get(u, keys[i]))
            json_object_set_new(u, keys[i], json_null());
    const char *email = json_string_value(json_object_get(u, "email"));
    json_object_set_new(
        u, "mailto",
        email ? json_string(eg_arena_printf(eg_req_arena(pg->c->req), "mailto:%s", email))
              : json_null());
}

void
pg_directory(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    json_object_set_new(pg.ctx, "nav_directory", json_true());
    const char *q = eg_req_query(c->req, "q");
    long long page = pg_query_int(c, "page", 1, 100000, 1);
    if (q && strlen(q) > QUERY_MAX_BYTES) {
        json_object_set_new(pg.ctx, "q_too_long", json_true());
        q = NULL;
    }
    if (q)
        json_object_set_new(pg.ctx, "q", json_string(q));
    struct eg_org_query oq = {
        .q = q && *q ? q : NULL,
        .limit = PER_PAGE,
        .offset = (int)((page - 1) * PER_PAGE),
    };
    json_t *out = NULL;
    enum eg_err rc = eg_org_unit_list(c->db, &oq, &out);
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *items = json_object_get(out, "items");
    size_t i;
    json_t *u;
    json_array_foreach(items, i, u)
    {
        shape_unit(&pg, u);
    }
    /* Each unit links to the procedures it carries out. */
    rc = cat_agency_counts(c, items);
    if (rc != EG_OK) {
        json_decref(out);
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_int_t total = json_integer_value(json_object_get(out, "total"));
    json_object_set(pg.ctx, "units", items);
    json_object_set_new(pg.ctx, "units_any", json_boolean(json_array_size(items) > 0));
    json_object_set_new(pg.ctx, "total", json_integer(total));
    if (oq.q)
        json_object_set_new(pg.ctx, "searched", json_true());
    const char *kv[] = {"q", oq.q, NULL};
    pg_paging(&pg, "/directory", kv, page, PER_PAGE, total);
    json_decref(out);
    pg_render(&pg, 200, "directory");
}
