/*
 * page_memo.c - catalogue pages kept for visitors who are not signed in.
 *
 * The busiest pages of the portal - the home page, search results, a
 * procedure, the lists by field and by agency - are the same for every visitor
 * who is not signed in: they show only the catalogue, and the catalogue changes
 * a few times a day. Rendering one reads the search index and several tables
 * and builds a template context; most visitors ask for what someone asked a
 * moment ago ("khai sinh", the most used procedures linked from the home page).
 * So such a page is kept, under its language, path and query, together with the
 * catalogue's generation (eg_catalogue_generation: triggers move it with every
 * change to procedures, fields, units or the instance's settings, whoever makes
 * it). A later visitor gets the kept page only while the generation is the same
 * - one indexed read - so an edit shows on the next request; PAGE_TTL_MS bounds
 * what the generation does not cover (nothing on these pages today).
 *
 * Never kept: a signed-in caller's page (the header names them), a page that
 * carried a flash message or holds a form token, anything but 200.
 */
#include "portal_int.h"

#include "procedures/procedures.h"

#include <string.h>

#define PAGE_SLOTS 4096
#define PAGE_TTL_MS 60000
#define PAGE_VALUE_MAX ((size_t)512 * 1024)

enum eg_err
eg_portal_memo_new(size_t bytes, struct eg_memo **out)
{
    return eg_memo_new(PAGE_SLOTS, bytes, PAGE_VALUE_MAX, PAGE_TTL_MS, out);
}

/* The key: language, path and every query parameter (NUL-separated; "?q" and "?q=" apart). */
static enum eg_err
memo_key(struct page *pg, struct eg_buf *b)
{
    const struct eg_url *u = eg_req_url(pg->c->req);
    if (!u || !u->path)
        return EG_EINVAL;
    enum eg_err rc = eg_buf_add(b, pg->lang, strlen(pg->lang) + 1);
    if (rc == EG_OK)
        rc = eg_buf_add(b, u->path, strlen(u->path) + 1);
    for (size_t i = 0; i < u->nquery && rc == EG_OK; i++) {
        const char *v = u->query[i].value;
        rc = eg_buf_add(b, u->query[i].key, strlen(u->query[i].key));
        if (rc == EG_OK && v)
            rc = eg_buf_printf(b, "=%s", v);
        if (rc == EG_OK)
            rc = eg_buf_addc(b, '\0');
    }
    return rc;
}

bool
pg_from_memo(struct page *pg)
{
    struct eg_call *c = pg->c;
    struct eg_memo *memo = pg->cfg->pages;
    const char *method = eg_req_method(c->req);
    if (!memo || pg->flash || c->who.account_id != 0 ||
        (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
        return false;
    int64_t gen = 0;
    if (eg_catalogue_generation(c->db, &gen) != EG_OK)
        return false; /* rendered as usual, and not kept */
    struct eg_buf key = EG_BUF_INIT(16 * KiB);
    if (memo_key(pg, &key) != EG_OK) {
        eg_buf_release(&key);
        return false;
    }
    char *k = eg_arena_alloc(eg_req_arena(c->req), key.len);
    if (k)
        memcpy(k, key.p, key.len);
    pg->memo_key = k;
    pg->memo_klen = key.len;
    pg->memo_gen = gen;
    eg_buf_release(&key);
    if (!k)
        return false;

    struct eg_buf html = EG_BUF_INIT(PAGE_VALUE_MAX);
    bool hit = eg_memo_get(memo, pg->memo_key, pg->memo_klen, gen, c->now_ms, &html) == EG_OK;
    if (hit) {
        eg_resp_header(c->req, "Content-Language", pg->lang);
        eg_resp_bytes(c->req, 200, "text/html; charset=utf-8", html.p, html.len);
        pg_release(pg);
    }
    eg_buf_release(&html);
    return hit;
}

void
pg_memo_keep(struct page *pg, int status, const char *html, size_t n)
{
    if (!pg->memo_key || status != 200 || json_object_get(pg->ctx, "csrf") ||
        json_object_get(pg->ctx, "me"))
        return;
    eg_memo_put(pg->cfg->pages, pg->memo_key, pg->memo_klen, pg->memo_gen, pg->c->now_ms, html, n);
}
