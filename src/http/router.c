/*
 * router.c - method + path patterns. Patterns are split into segments once,
 * when added; a request is matched segment by segment. Literal segments win
 * over captures when two routes could match ("/a/new" before "/a/{id}").
 */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEGS 16

struct seg {
    const char *text; /* literal text (not NUL-terminated) */
    size_t len;
    char name[32]; /* capture name */
    bool capture;
    bool rest; /* {name*}: takes the remaining segments */
};

struct entry {
    struct eg_route route;
    struct eg_route_opts opts;
    struct seg segs[MAX_SEGS];
    size_t nsegs;
    int literals; /* for precedence */
};

struct eg_router {
    struct entry *v;
    size_t n, cap;
};

struct eg_router *
eg_router_new(void)
{
    return calloc(1, sizeof(struct eg_router));
}

void
eg_router_free(struct eg_router *r)
{
    if (!r)
        return;
    free(r->v);
    free(r);
}

static enum eg_err
compile(struct entry *e)
{
    const char *p = e->route.pattern;
    int captures = 0;
    if (!p || p[0] != '/')
        return EG_EINVAL;
    p++;
    while (*p) {
        if (e->nsegs == MAX_SEGS)
            return EG_ETOOBIG;
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0)
            return EG_EINVAL;
        struct seg *s = &e->segs[e->nsegs++];
        if (p[0] == '{' && p[n - 1] == '}' && n > 2) {
            s->capture = true;
            s->text = p + 1;
            s->len = n - 2;
            if (s->text[s->len - 1] == '*') {
                s->rest = true;
                s->len--;
                if (slash)
                    return EG_EINVAL; /* {x*} must come last */
            }
            if (s->len == 0 || s->len >= sizeof(s->name))
                return EG_EINVAL;
            if (++captures > EG_ROUTE_MAX_PARAMS)
                return EG_ETOOBIG; /* a handler would miss the captures past the limit */
            memcpy(s->name, s->text, s->len);
            s->name[s->len] = '\0';
        } else {
            if (memchr(p, '{', n) || memchr(p, '}', n))
                return EG_EINVAL;
            s->text = p;
            s->len = n;
            e->literals++;
        }
        if (!slash)
            break;
        p = slash + 1;
    }
    return EG_OK;
}

enum eg_err
eg_router_add(struct eg_router *r, const struct eg_route *route)
{
    return eg_router_add_opts(r, route, NULL);
}

enum eg_err
eg_router_add_opts(struct eg_router *r, const struct eg_route *route,
                   const struct eg_route_opts *opts)
{
    if (!route->method || !route->fn || !route->perm || !*route->perm)
        return EG_EINVAL; /* a route without a declared permission is refused */
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct entry *v = realloc(r->v, cap * sizeof(*v));
        if (!v)
            return EG_ENOMEM;
        r->v = v;
        r->cap = cap;
    }
    struct entry *e = &r->v[r->n];
    memset(e, 0, sizeof(*e));
    e->route = *route;
    if (opts)
        e->opts = *opts;
    enum eg_err rc = compile(e);
    if (rc != EG_OK)
        return rc;
    r->n++;
    return EG_OK;
}

size_t
eg_router_count(const struct eg_router *r)
{
    return r->n;
}

const struct eg_route *
eg_router_at(const struct eg_router *r, size_t i)
{
    return i < r->n ? &r->v[i].route : NULL;
}

const struct eg_route_opts *
eg_router_opts_at(const struct eg_router *r, size_t i)
{
    return i < r->n ? &r->v[i].opts : NULL;
}

/* Does e match the segments? Fills captures when it does. */
static bool
path_matches(const struct entry *e, const char *const *segs, size_t nsegs, struct eg_param *params,
             size_t *nparams)
{
    size_t np = 0;
    for (size_t i = 0; i < e->nsegs; i++) {
        const struct seg *s = &e->segs[i];
        if (s->rest) {
            if (i >= nsegs)
                return false; /* the rest must hold at least one segment */
            if (np < EG_ROUTE_MAX_PARAMS) {
                params[np].name = s->name;
                params[np].value = segs[i]; /* the caller joins the rest if it wants */
                np++;
            }
            *nparams = np;
            return true;
        }
        if (i >= nsegs)
            return false;
        if (s->capture) {
            if (segs[i][0] == '\0')
                return false;
            if (np < EG_ROUTE_MAX_PARAMS) {
                params[np].name = s->name;
                params[np].value = segs[i];
                np++;
            }
        } else if (strlen(segs[i]) != s->len || memcmp(segs[i], s->text, s->len) != 0) {
            return false;
        }
    }
    if (e->nsegs != nsegs)
        return false;
    *nparams = np;
    return true;
}

static bool
method_matches(const char *route_method, const char *method)
{
    if (strcmp(route_method, method) == 0)
        return true;
    return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

enum eg_match
eg_router_match(const struct eg_router *r, const char *method, const char *const *segs,
                size_t nsegs, size_t *out, struct eg_param *params, size_t *nparams,
                struct eg_buf *allow)
{
    bool path_seen = false;
    int best_literals = -1;
    struct eg_param tmp[EG_ROUTE_MAX_PARAMS];
    *nparams = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct entry *e = &r->v[i];
        size_t np = 0;
        if (!path_matches(e, segs, nsegs, tmp, &np))
            continue;
        path_seen = true;
        if (!method_matches(e->route.method, method)) {
            if (allow && !strstr(eg_buf_str(allow), e->route.method)) {
                if ((allow->len && eg_buf_adds(allow, ", ") != EG_OK) ||
                    eg_buf_adds(allow, e->route.method) != EG_OK)
                    eg_buf_reset(allow);
                if (strcmp(e->route.method, "GET") == 0 && eg_buf_adds(allow, ", HEAD") != EG_OK)
                    eg_buf_reset(allow);
            }
            continue;
        }
        if (e->literals > best_literals) {
            best_literals = e->literals;
            *out = i;
            memcpy(params, tmp, np * sizeof(*tmp));
            *nparams = np;
        }
    }
    if (best_literals >= 0)
        return EG_MATCH_OK;
    return path_seen ? EG_MATCH_NO_METHOD : EG_MATCH_NO_PATH;
}
