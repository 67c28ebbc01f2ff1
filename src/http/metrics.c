/*
 * metrics.c - requests by route and status, and latency histograms, kept in
 * atomic counters (no lock on the request path) and printed in Prometheus text.
 * Slot 0 counts requests that matched no route.
 */
#include "http_int.h"

#include <stdlib.h>

#define STATUS_MIN 100
#define STATUS_SPAN 500 /* 100..599 */

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof(bounds) / sizeof(bounds[0]))

struct slot {
    atomic_ullong status[STATUS_SPAN];
    atomic_ullong bucket[NBUCKETS + 1]; /* the last is +Inf */
    atomic_ullong sum_ns;
    atomic_ullong count;
};

struct eg_http_metrics {
    size_t nslots;
    struct slot slots[];
};

struct eg_http_metrics *
eg_http_metrics_new(size_t nroutes)
{
    struct eg_http_metrics *m = calloc(1, sizeof(*m) + (nroutes + 1) * sizeof(struct slot));
    if (m)
        m->nslots = nroutes + 1;
    return m;
}

void
eg_http_metrics_free(struct eg_http_metrics *m)
{
    free(m);
}

void
eg_http_metrics_record(struct eg_http_metrics *m, size_t slot, int status, int64_t ns)
{
    if (slot >= m->nslots)
        slot = 0;
    struct slot *s = &m->slots[slot];
    if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SPAN)
        atomic_fetch_add_explicit(&s->status[status - STATUS_MIN], 1, memory_order_relaxed);
    double secs = (double)ns / 1e9;
    size_t b = 0;
    while (b < NBUCKETS && secs > bounds[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns, (unsigned long long)(ns > 0 ? ns : 0),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

static const char *
route_label(struct eg_http_server *srv, size_t slot, struct eg_buf *tmp)
{
    if (slot == 0)
        return "unmatched";
    const struct eg_route *r = eg_router_at(srv->router, slot - 1);
    eg_buf_reset(tmp);
    if (eg_buf_printf(tmp, "%s %s", r->method, r->pattern) != EG_OK)
        return "?";
    return eg_buf_str(tmp);
}

enum eg_err
eg_http_metrics(struct eg_http_server *srv, struct eg_buf *out)
{
    struct eg_http_metrics *m = srv->metrics;
    struct eg_buf label = EG_BUF_INIT(1024);
    enum eg_err rc =
        eg_buf_printf(out,
                      "# HELP egov_http_in_flight Requests being handled now.\n"
                      "# TYPE egov_http_in_flight gauge\n"
                      "egov_http_in_flight %ld\n"
                      "# HELP egov_http_connections Open client connections.\n"
                      "# TYPE egov_http_connections gauge\n"
                      "egov_http_connections %ld\n"
                      "# HELP egov_http_requests_total Requests answered, by route and status.\n"
                      "# TYPE egov_http_requests_total counter\n",
                      atomic_load(&srv->in_flight), atomic_load(&srv->connections));
    for (size_t i = 0; i < m->nslots && rc == EG_OK; i++) {
        const char *name = route_label(srv, i, &label);
        for (int s = 0; s < STATUS_SPAN && rc == EG_OK; s++) {
            unsigned long long n =
                atomic_load_explicit(&m->slots[i].status[s], memory_order_relaxed);
            if (n)
                rc = eg_buf_printf(out,
                                   "egov_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                                   name, s + STATUS_MIN, n);
        }
    }
    if (rc == EG_OK)
        rc =
            eg_buf_adds(out, "# HELP egov_http_request_duration_seconds Time to answer, by route.\n"
                             "# TYPE egov_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < m->nslots && rc == EG_OK; i++) {
        struct slot *s = &m->slots[i];
        unsigned long long count = atomic_load(&s->count);
        if (count == 0)
            continue;
        const char *name = route_label(srv, i, &label);
        unsigned long long cum = 0;
        for (size_t b = 0; b <= NBUCKETS && rc == EG_OK; b++) {
            cum += atomic_load(&s->bucket[b]);
            if (b < NBUCKETS)
                rc = eg_buf_printf(out,
                                   "egov_http_request_duration_seconds_bucket{route=\"%s\","
                                   "le=\"%g\"} %llu\n",
                                   name, bounds[b], cum);
            else
                rc = eg_buf_printf(out,
                                   "egov_http_request_duration_seconds_bucket{route=\"%s\","
                                   "le=\"+Inf\"} %llu\n",
                                   name, cum);
        }
        if (rc == EG_OK)
            rc = eg_buf_printf(out,
                               "egov_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                               "egov_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                               name, (double)atomic_load(&s->sum_ns) / 1e9, name, count);
    }
    eg_buf_release(&label);
    return rc;
}
