/*
 * fuzz_router.c - eg_router_add and eg_router_match on a route table shaped
 * like egov's, checked against a small model of the documented rules.
 *
 * Input: byte 0 picks the request method (bits 0-2); when bit 7 is set, the
 * first line of the rest is one more pattern to add (its method from bits
 * 3-5). What remains is the path, split on '/' into segments the way
 * eg_url_parse hands them over (at most EG_URL_MAX_SEGS, a trailing '/' adds
 * none).
 *
 * The model: a pattern is '/' and segments separated by '/'; each is a
 * literal, a capture "{name}" (one non-empty segment) or, last, "{name*}" (one
 * or more segments). A route matches when its segments do and the method is
 * its own, or HEAD for GET; of the routes that match, the one with most
 * literal segments wins, the first added on a tie.
 *
 * Invariants: eg_router_add accepts exactly the patterns the model accepts,
 * and every accepted pattern's captures fit in EG_ROUTE_MAX_PARAMS (else a
 * handler's eg_req_param() would find NULL for a capture its route promises);
 * eg_router_match gives the model's verdict, route and captures; on
 * EG_MATCH_NO_METHOD, Allow lists exactly the methods of the routes whose path
 * matches (and HEAD with GET), each once.
 */
#include "fuzz.h"

#include "http/http.h"

#define MODEL_MAX_SEGS 16 /* the router's own limit, src/http/router.c */
#define CAPTURE_NAME_MAX 32
#define MAX_ROUTES 32

enum kind { LIT, CAP, REST };

struct mseg {
    const char *p; /* the literal, or the capture's name */
    size_t n;
    enum kind kind;
};

struct mroute {
    const char *method;
    struct mseg segs[MODEL_MAX_SEGS];
    size_t nsegs;
    size_t ncaps;
    int literals;
};

static const char *const req_methods[8] = {"GET",    "HEAD",  "POST",    "PUT",
                                           "DELETE", "PATCH", "OPTIONS", "get"};
static const char *const route_methods[8] = {"GET",   "POST", "PUT",  "DELETE",
                                             "PATCH", "GET",  "POST", "OPTIONS"};

static const struct {
    const char *method, *pattern;
} table[] = {
    {"GET", "/"},
    {"GET", "/healthz"},
    {"GET", "/readyz"},
    {"GET", "/metrics"},
    {"GET", "/api/v1/openapi.json"},
    {"GET", "/api/v1/org-units"},
    {"POST", "/api/v1/org-units"},
    {"GET", "/api/v1/org-units/{code}"},
    {"PUT", "/api/v1/org-units/{code}"},
    {"DELETE", "/api/v1/org-units/{code}"},
    {"GET", "/api/v1/org-units/{code}/children"},
    {"POST", "/api/v1/agency-codes/parse"},
    {"GET", "/api/v1/procedures/{code}/versions"},
    {"POST", "/api/v1/procedures/{code}/versions"},
    {"GET", "/api/v1/procedures/{code}/versions/latest"},
    {"GET", "/api/v1/procedures/{code}/versions/{v}"},
    {"PATCH", "/api/v1/procedures/{code}/versions/{v}"},
    {"GET", "/api/v1/dossiers/{id}/attachments/{name*}"},
    {"GET", "/static/{path*}"},
};

static void
handler(struct eg_req *r, void *ctx)
{
    (void)r;
    (void)ctx;
}

/* The model's reading of a pattern; false where eg_router_add must refuse it. */
static bool
model_compile(const char *pat, struct mroute *m)
{
    if (pat[0] != '/')
        return false;
    const char *p = pat + 1;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (len == 0 || m->nsegs == MODEL_MAX_SEGS)
            return false;
        struct mseg *s = &m->segs[m->nsegs++];
        if (len > 2 && p[0] == '{' && p[len - 1] == '}') {
            s->kind = p[len - 2] == '*' ? REST : CAP;
            s->p = p + 1;
            s->n = len - (s->kind == REST ? 3 : 2);
            if (s->n == 0 || s->n >= CAPTURE_NAME_MAX || (s->kind == REST && p[len] == '/'))
                return false;
            m->ncaps++;
        } else {
            if (memchr(p, '{', len) || memchr(p, '}', len))
                return false;
            s->kind = LIT;
            s->p = p;
            s->n = len;
            m->literals++;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    return true;
}

static bool
model_path(const struct mroute *m, char *const *segs, size_t nsegs, const char **vals,
           size_t *nvals)
{
    size_t nv = 0;
    for (size_t i = 0; i < m->nsegs; i++) {
        const struct mseg *s = &m->segs[i];
        if (i >= nsegs)
            return false;
        if (s->kind == REST) {
            vals[nv++] = segs[i];
            *nvals = nv;
            return true;
        }
        if (s->kind == CAP) {
            if (segs[i][0] == '\0')
                return false;
            vals[nv++] = segs[i];
        } else if (strlen(segs[i]) != s->n || memcmp(segs[i], s->p, s->n) != 0) {
            return false;
        }
    }
    *nvals = nv;
    return nsegs == m->nsegs;
}

static bool
model_method(const char *route, const char *req)
{
    return strcmp(route, req) == 0 || (strcmp(req, "HEAD") == 0 && strcmp(route, "GET") == 0);
}

/* Does the comma-separated list hold token exactly once? */
static int
count_token(const char *list, const char *token)
{
    int found = 0;
    size_t n = strlen(token);
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == n && memcmp(p, token, n) == 0)
            found++;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return found;
}

static void
check_allow(const struct mroute *model, size_t nroutes, char *const *segs, size_t nsegs,
            const char *allow)
{
    static const char *const all[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    size_t listed = 0;
    for (size_t k = 0; k < EG_ARRAY_LEN(all); k++) {
        bool want = false;
        for (size_t i = 0; i < nroutes; i++) {
            const char *vals[MODEL_MAX_SEGS];
            size_t nv;
            if (!model_path(&model[i], segs, nsegs, vals, &nv))
                continue;
            if (strcmp(model[i].method, all[k]) == 0 ||
                (strcmp(all[k], "HEAD") == 0 && strcmp(model[i].method, "GET") == 0))
                want = true;
        }
        int got = count_token(allow, all[k]);
        FUZZ_CHECK(got == (want ? 1 : 0));
        listed += (size_t)got;
    }
    /* Nothing but those methods, separated by ", ". */
    size_t expect_len = 0;
    for (size_t k = 0; k < EG_ARRAY_LEN(all); k++)
        if (count_token(allow, all[k]))
            expect_len += strlen(all[k]);
    FUZZ_CHECK(listed > 0 && strlen(allow) == expect_len + 2 * (listed - 1));
}

/* Splits path into NUL-terminated segments as eg_url_parse would; returns how many. */
static size_t
split(const char *path, size_t n, char **segs)
{
    size_t ns = 0;
    const char *p = path, *end = path + n;
    if (p < end && *p == '/')
        p++;
    while (p <= end && ns < EG_URL_MAX_SEGS) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash ? slash : end;
        if (stop == p && !slash)
            break;
        segs[ns] = malloc((size_t)(stop - p) + 1);
        FUZZ_CHECK(segs[ns] != NULL);
        memcpy(segs[ns], p, (size_t)(stop - p));
        segs[ns][stop - p] = '\0';
        ns++;
        if (!slash)
            break;
        p = slash + 1;
    }
    return ns;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *method = req_methods[data[0] & 7];
    const char *rest = (const char *)data + 1;
    size_t nrest = size - 1;
    char *extra = NULL;
    if (data[0] & 0x80) {
        const char *nl = memchr(rest, '\n', nrest);
        size_t len = nl ? (size_t)(nl - rest) : nrest;
        extra = fuzz_cstr((const uint8_t *)rest, len);
        rest += nl ? len + 1 : len;
        nrest -= nl ? len + 1 : len;
    }

    struct eg_router *r = eg_router_new();
    FUZZ_CHECK(r != NULL);
    struct mroute model[MAX_ROUTES];
    memset(model, 0, sizeof(model));
    size_t nroutes = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(table); i++) {
        struct eg_route route = {
            table[i].method, table[i].pattern, handler, NULL, "public", 0, NULL};
        FUZZ_CHECK(eg_router_add(r, &route) == EG_OK);
        model[nroutes].method = table[i].method;
        FUZZ_CHECK(model_compile(table[i].pattern, &model[nroutes]));
        nroutes++;
    }
    if (extra) {
        const char *m = route_methods[(data[0] >> 3) & 7];
        struct eg_route route = {m, extra, handler, NULL, "public", 0, NULL};
        enum eg_err rc = eg_router_add(r, &route);
        model[nroutes].method = m;
        bool ok = model_compile(extra, &model[nroutes]);
        if (rc == EG_OK)
            FUZZ_CHECK(model[nroutes].ncaps <= EG_ROUTE_MAX_PARAMS);
        ok = ok && model[nroutes].ncaps <= EG_ROUTE_MAX_PARAMS;
        FUZZ_CHECK((rc == EG_OK) == ok);
        FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL || rc == EG_ETOOBIG);
        if (ok)
            nroutes++;
    }
    FUZZ_CHECK(eg_router_count(r) == nroutes);
    FUZZ_CHECK(eg_router_at(r, nroutes) == NULL);

    char *segs[EG_URL_MAX_SEGS];
    size_t nsegs = split(rest, nrest, segs);

    size_t idx = (size_t)-1;
    struct eg_param params[EG_ROUTE_MAX_PARAMS];
    size_t nparams = (size_t)-1;
    struct eg_buf allow = EG_BUF_INIT(256);
    enum eg_match got = eg_router_match(r, method, (const char *const *)segs, nsegs, &idx, params,
                                        &nparams, &allow);

    /* The model's verdict. */
    bool path_seen = false;
    int best = -1;
    size_t want_idx = 0, want_nv = 0;
    const char *want_vals[MODEL_MAX_SEGS];
    for (size_t i = 0; i < nroutes; i++) {
        const char *vals[MODEL_MAX_SEGS];
        size_t nv;
        if (!model_path(&model[i], segs, nsegs, vals, &nv))
            continue;
        path_seen = true;
        if (!model_method(model[i].method, method) || model[i].literals <= best)
            continue;
        best = model[i].literals;
        want_idx = i;
        want_nv = nv;
        memcpy(want_vals, vals, nv * sizeof(*vals));
    }
    if (best >= 0) {
        FUZZ_CHECK(got == EG_MATCH_OK);
        FUZZ_CHECK(idx == want_idx);
        const struct eg_route *route = eg_router_at(r, idx);
        FUZZ_CHECK(route != NULL && strcmp(route->method, model[idx].method) == 0);
        FUZZ_CHECK(nparams == want_nv);
        size_t k = 0;
        for (size_t i = 0; i < model[idx].nsegs; i++) {
            const struct mseg *s = &model[idx].segs[i];
            if (s->kind == LIT)
                continue;
            FUZZ_CHECK(strlen(params[k].name) == s->n);
            FUZZ_CHECK(memcmp(params[k].name, s->p, s->n) == 0);
            FUZZ_CHECK(params[k].value == want_vals[k]);
            k++;
        }
    } else if (path_seen) {
        FUZZ_CHECK(got == EG_MATCH_NO_METHOD);
        FUZZ_CHECK(nparams == 0);
        check_allow(model, nroutes, segs, nsegs, eg_buf_str(&allow));
    } else {
        FUZZ_CHECK(got == EG_MATCH_NO_PATH);
        FUZZ_CHECK(nparams == 0);
    }

    eg_buf_release(&allow);
    for (size_t i = 0; i < nsegs; i++)
        free(segs[i]);
    eg_router_free(r);
    free(extra);
    return 0;
}
