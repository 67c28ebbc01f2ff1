/*
 * server.c - libmicrohttpd glue: the daemon, the request lifecycle, limits,
 * the access log, and graceful shutdown.
 *
 * A request's life: the URI log callback creates struct eg_req with the raw
 * target (before libmicrohttpd unescapes anything); the first access-handler
 * call parses and routes it and checks the declared body size; later calls
 * collect the body within its limit and time; the last call runs the handler
 * and queues the response; the completion callback logs, counts and frees.
 */
#include "http_int.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

void
eg_http_config_defaults(struct eg_http_config *c)
{
    memset(c, 0, sizeof(*c));
    c->host = "127.0.0.1";
    c->port = 8080;
    c->threads = 0;
    c->max_header = (size_t)16 * 1024;
    c->max_body = (size_t)1024 * 1024;
    c->max_conns = 4096;
    c->conn_per_ip = 256;
    c->idle_timeout_s = 30;
    c->body_timeout_ms = 30000;
    c->drain_timeout_ms = 10000;
    c->static_dir = NULL;
    c->spool_dir = NULL;
    c->spool_reserve = (size_t)256 * 1024 * 1024;
}

/* ---- request accessors ------------------------------------------------------ */

const char *
eg_req_method(const struct eg_req *r)
{
    return r->method;
}

const char *
eg_req_path(const struct eg_req *r)
{
    return r->url.path ? r->url.path : "/";
}

const char *
eg_req_id(const struct eg_req *r)
{
    return r->id;
}

const char *
eg_req_remote(const struct eg_req *r)
{
    return r->remote;
}

struct eg_arena *
eg_req_arena(struct eg_req *r)
{
    return r->arena;
}

const char *
eg_req_param(const struct eg_req *r, const char *name)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, name) == 0)
            return r->params[i].value;
    return NULL;
}

const char *
eg_req_query(const struct eg_req *r, const char *name)
{
    for (size_t i = 0; i < r->url.nquery; i++)
        if (strcmp(r->url.query[i].key, name) == 0)
            return r->url.query[i].value;
    return NULL;
}

const struct eg_url *
eg_req_url(const struct eg_req *r)
{
    return &r->url;
}

const char *
eg_req_header(const struct eg_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct eg_str
eg_req_body(const struct eg_req *r)
{
    struct eg_str s = {eg_buf_str(&r->body), r->body.len};
    return s;
}

struct eg_http_server *
eg_req_server(const struct eg_req *r)
{
    return r->srv;
}

void
eg_req_set_data(struct eg_req *r, void *p)
{
    r->data = p;
}

void *
eg_req_data(const struct eg_req *r)
{
    return r->data;
}

static const char *
detect_lang(const struct eg_req *r)
{
    const char *q = eg_req_query(r, "lang");
    if (q)
        return strcmp(q, "en") == 0 ? "en" : "vi";
    const char *al = eg_req_header(r, "Accept-Language");
    if (al) {
        while (*al == ' ')
            al++;
        if (strncasecmp(al, "en", 2) == 0)
            return "en";
    }
    return "vi";
}

const char *
eg_req_lang(const struct eg_req *r)
{
    return r->lang ? r->lang : "vi";
}

/* ---- lifecycle -------------------------------------------------------------- */

static void
client_address(struct eg_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(r->remote, sizeof(r->remote), "-");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, r->remote,
                  sizeof(r->remote));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, r->remote,
                  sizeof(r->remote));
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    struct eg_http_server *srv = cls;
    struct eg_req *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    /* The arena holds the parsed URL, captures and handler data, not the body. */
    r->arena = eg_arena_new(8192, (size_t)4 * 1024 * 1024);
    if (!r->arena) {
        free(r);
        return NULL;
    }
    r->srv = srv;
    r->conn = con;
    r->resp_fd = -1;
    r->body_deadline_ms = srv->cfg.body_timeout_ms;
    pthread_mutex_init(&r->lock, NULL);
    r->start_ns = eg_mono_ns();
    r->raw_target = eg_arena_strdup(r->arena, uri ? uri : "");
    r->raw_ptr = uri;
    unsigned long long seq = atomic_fetch_add(&srv->req_seq, 1);
    snprintf(r->id, sizeof(r->id), "%s-%08llx", srv->id_prefix, seq & 0xffffffffULL);
    client_address(r);
    atomic_fetch_add(&srv->in_flight, 1);
    return r;
}

static void
req_free(struct eg_req *r)
{
    pthread_mutex_destroy(&r->lock);
    eg_spool_release(r->spool); /* before the arena it lives in */
    eg_buf_release(&r->body);
    free(r->resp_body);
    if (r->resp_fd >= 0)
        close(r->resp_fd);
    eg_arena_free(r->arena);
    free(r);
}

static void
access_log(const struct eg_req *r, int status, int64_t ns, enum MHD_RequestTerminationCode toe)
{
    if (!eg_log_enabled(EG_LOG_INFO))
        return;
    char ts[32];
    eg_time_iso_utc(eg_clock_now_ms(&eg_clock_system), ts, sizeof(ts));
    /* The path without the query: queries may carry personal data. */
    const char *raw = r->raw_target ? r->raw_target : "";
    size_t pn = strcspn(raw, "?");
    if (pn > 512)
        pn = 512;
    /* Written straight as JSON: the access log is on every request's path. */
    struct eg_buf b = EG_BUF_INIT(4096);
    enum eg_err rc =
        eg_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"info\",\"type\":\"access\",\"id\":", ts);
    if (rc == EG_OK)
        rc = eg_json_add_string(&b, r->id, strlen(r->id));
    if (rc == EG_OK)
        rc = eg_buf_adds(&b, ",\"remote\":");
    if (rc == EG_OK)
        rc = eg_json_add_string(&b, r->remote, strlen(r->remote));
    if (rc == EG_OK)
        rc = eg_buf_adds(&b, ",\"method\":");
    if (rc == EG_OK)
        rc = r->method ? eg_json_add_string(&b, r->method, strlen(r->method))
                       : eg_buf_adds(&b, "null");
    if (rc == EG_OK)
        rc = eg_buf_adds(&b, ",\"path\":");
    /* Raw bytes may not be UTF-8: a marker instead. */
    if (rc == EG_OK)
        rc = eg_utf8_valid(raw, pn) ? eg_json_add_string(&b, raw, pn)
                                    : eg_buf_adds(&b, "\"(not UTF-8)\"");
    if (rc == EG_OK && r->route) {
        rc = eg_buf_adds(&b, ",\"route\":");
        if (rc == EG_OK)
            rc = eg_json_add_string(&b, r->route->pattern, strlen(r->route->pattern));
    }
    if (rc == EG_OK)
        rc = status ? eg_buf_printf(&b, ",\"status\":%d", status)
                    : eg_buf_adds(&b, ",\"status\":null");
    if (rc == EG_OK)
        rc = eg_buf_printf(&b, ",\"bytes_in\":%llu,\"ms\":%.3f",
                           (unsigned long long)(r->spool ? eg_spool_bytes(r->spool) : r->body.len),
                           (double)ns / 1e6);
    if (rc == EG_OK && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        rc = eg_buf_printf(&b, ",\"terminated\":%d", (int)toe);
    if (rc == EG_OK)
        rc = eg_buf_addc(&b, '}');
    if (rc == EG_OK)
        eg_log_line(b.p, b.len);
    eg_buf_release(&b);
}

static void
on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)con;
    struct eg_http_server *srv = cls;
    struct eg_req *r = *req_cls;
    if (!r)
        return;
    *req_cls = NULL;
    int64_t ns = eg_mono_ns() - r->start_ns;
    int status = r->state == REQ_QUEUED ? r->status : 0;
    eg_http_metrics_record(srv->metrics, r->route ? r->route_index + 1 : 0, status, ns);
    access_log(r, status, ns, toe);
    req_free(r);
    atomic_fetch_sub(&srv->in_flight, 1);
}

static void
on_connection(void *cls, struct MHD_Connection *con, void **socket_ctx,
              enum MHD_ConnectionNotificationCode code)
{
    (void)con;
    (void)socket_ctx;
    struct eg_http_server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&srv->connections, 1);
    else
        atomic_fetch_sub(&srv->connections, 1);
}

/* Does the client announce a body? */
static bool
has_body(const struct eg_req *r, unsigned long long *declared)
{
    *declared = 0;
    const char *cl = eg_req_header(r, "Content-Length");
    if (cl) {
        char *end;
        *declared = strtoull(cl, &end, 10);
        return *declared > 0;
    }
    const char *te = eg_req_header(r, "Transfer-Encoding");
    return te != NULL;
}

struct header_census {
    size_t bytes;
    int host, content_length, transfer_encoding, bad_name;
    const char *te, *cl;
};

/* RFC 9110 token characters: what a header name may be made of. */
static bool
token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c))
            return false;
    }
    return true;
}

static enum MHD_Result
census_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct header_census *c = cls;
    c->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
    c->bad_name += !token(key);
    if (strcasecmp(key, "Host") == 0)
        c->host++;
    if (strcasecmp(key, "Content-Length") == 0) {
        c->content_length++;
        c->cl = value;
    }
    if (strcasecmp(key, "Transfer-Encoding") == 0) {
        c->transfer_encoding++;
        c->te = value;
    }
    return MHD_YES;
}

/*
 * Message framing that two parsers could read differently is refused and the
 * connection closed (RFC 9112 §6.3; RELIABILITY C1): both Content-Length and
 * Transfer-Encoding, either of them twice, a transfer coding other than plain
 * chunked, a Content-Length that is not digits, two Host lines. Also the
 * header size limit, counted here so that libmicrohttpd's own memory pool can
 * be roomier than the limit.
 */
static bool
framing_refused(struct eg_req *r, const char *version)
{
    struct header_census c = {0};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, census_one, &c);
    c.bytes += strlen(r->method) + (r->raw_target ? strlen(r->raw_target) : 0) + 12;
    /*
     * libmicrohttpd hands over the target as a C string: a NUL byte inside it
     * would silently cut it. The version follows the target in the same
     * buffer, so a target that ends early is one with a NUL in it.
     */
    bool cut = r->raw_ptr && r->raw_target && version && *version &&
               version != r->raw_ptr + strlen(r->raw_target) + 1;
    int status = 0;
    if (c.bytes > r->srv->cfg.max_header)
        status = 431;
    else if (cut || c.bad_name || c.host > 1 || c.content_length > 1 || c.transfer_encoding > 1 ||
             (c.content_length && c.transfer_encoding) ||
             (c.host == 0 && version && strcmp(version, "HTTP/1.1") == 0))
        status = 400;
    else if (c.transfer_encoding && strcasecmp(c.te, "chunked") != 0)
        status = 501;
    else if (c.cl && (!*c.cl || strspn(c.cl, "0123456789") != strlen(c.cl)))
        status = 400;
    if (!status)
        return false;
    r->close = true;
    r->url.path = r->raw_target && strncmp(r->raw_target, "/api/", 5) == 0 ? "/api/" : "/";
    eg_http_fail(r, status, status == 431 ? "headers_too_large" : "bad_framing");
    return true;
}

/*
 * How long a body may take to arrive: body_timeout, and for a streamed body
 * body_timeout per MiB of the route's limit (a 20 MiB scan over a slow line
 * must not be cut at 30 s). A body that stops arriving is cut after
 * body_timeout either way (the connection timeout, set in prepare()).
 */
static int64_t
body_deadline_ms(const struct eg_req *r)
{
    int64_t t = r->srv->cfg.body_timeout_ms;
    if (r->opts->body != EG_BODY_SPOOL)
        return t;
    int64_t mib = (int64_t)((r->body_max + ((size_t)1 << 20) - 1) >> 20);
    return t * (mib > 1 ? mib : 1);
}

/*
 * Once routed, before any body byte: the declared size, the route's admit
 * step, and for a streamed body its files. Sets an answer on refusal.
 */
static void
admit_body(struct eg_req *r)
{
    bool spool = r->opts->body == EG_BODY_SPOOL;
    if (!spool)
        eg_buf_init(&r->body, r->body_max);
    unsigned long long declared;
    bool body = has_body(r, &declared);
    if (body && declared > r->body_max) {
        eg_http_fail(r, 413, "too_large");
        return;
    }
    if (spool && !eg_spool_new(r))
        return;
    if (r->opts->admit) {
        r->opts->admit(r, r->route->ctx);
        if (r->responded)
            return;
    }
    if (!body)
        return;
    /* no room, no spool, or a multipart body we cannot read: answered */
    if (spool && !eg_spool_begin(r, declared))
        return;
    /* A body that stops arriving is cut off after body_timeout, not idle_timeout. */
    unsigned secs = (r->srv->cfg.body_timeout_ms + 999) / 1000;
    MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, secs ? secs : 1);
    r->body_timer = true;
}

/* The first call: parse, route, check the declared size. Sets an answer on failure. */
static void
prepare(struct eg_req *r, const char *method, const char *version)
{
    r->method = method;
    r->lang = detect_lang(r);
    if (framing_refused(r, version))
        return;
    struct eg_buf msg = EG_BUF_INIT(512);
    const char *target = r->raw_target ? r->raw_target : "";
    enum eg_err rc = eg_url_parse(r->arena, target, strlen(target), &r->url, &msg);
    if (rc != EG_OK) {
        /* Keep the error page's links sane even for a path we could not read. */
        r->url.path = "/";
        if (strncmp(target, "/api/", 5) == 0)
            r->url.path = "/api/";
        eg_resp_error(r, rc == EG_EINVAL ? 400 : 414, "bad_request",
                      msg.len ? eg_arena_strdup(r->arena, msg.p) : NULL);
        eg_buf_release(&msg);
        return;
    }
    eg_buf_release(&msg);
    r->lang = detect_lang(r); /* now that ?lang= is readable */
    struct eg_buf allow = EG_BUF_INIT(256);
    size_t idx;
    enum eg_match m = eg_router_match(r->srv->router, method, r->url.segs, r->url.nsegs, &idx,
                                      r->params, &r->nparams, &allow);
    if (m == EG_MATCH_NO_PATH) {
        eg_http_fail(r, 404, "not_found");
    } else if (m == EG_MATCH_NO_METHOD) {
        eg_resp_header(r, "Allow", eg_buf_str(&allow));
        eg_http_fail(r, 405, "method_not_allowed");
    } else {
        r->route = eg_router_at(r->srv->router, idx);
        r->opts = eg_router_opts_at(r->srv->router, idx);
        r->route_index = idx;
        r->body_max = r->route->max_body ? r->route->max_body : r->srv->cfg.max_body;
        r->body_deadline_ms = body_deadline_ms(r);
        admit_body(r);
    }
    eg_buf_release(&allow);
}

/*
 * libmicrohttpd 0.9.75 accepts a response only before the body starts or after
 * it ends. A body that grows past its limit is therefore read and dropped to
 * its end and answered then; past DISCARD_FACTOR times the limit, or when it
 * trickles past body_timeout, the answer is written to the socket directly and
 * the connection closed, so the client still learns why.
 */
#define DISCARD_FACTOR 4

static enum MHD_Result
reply_now_and_close(struct eg_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct eg_buf head = EG_BUF_INIT(4096);
    const char *reason = MHD_get_reason_phrase_for((unsigned)r->status);
    enum eg_err rc =
        eg_buf_printf(&head,
                      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "X-Request-Id: %s\r\nCache-Control: no-store\r\n"
                      "Connection: close\r\n",
                      r->status, reason ? reason : "Error", r->ctype, r->resp_len, r->id);
    if (rc == EG_OK)
        rc = eg_http_security_headers_text(&head);
    if (rc == EG_OK)
        rc = eg_buf_adds(&head, "\r\n");
    if (ci && r->resp_body && rc == EG_OK) {
        if (send(ci->connect_fd, head.p, head.len, MSG_NOSIGNAL | MSG_DONTWAIT) ==
            (ssize_t)head.len)
            (void)send(ci->connect_fd, r->resp_body, r->resp_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        shutdown(ci->connect_fd, SHUT_WR);
    }
    eg_buf_release(&head);
    r->state = REQ_QUEUED; /* answered, for the log and the metrics */
    return MHD_NO;
}

static enum MHD_Result
on_body(struct eg_req *r, const char *data, size_t n)
{
    if (r->state == REQ_QUEUED)
        return MHD_YES;
    int64_t elapsed_ms = (eg_mono_ns() - r->start_ns) / 1000000;
    if (elapsed_ms > r->body_deadline_ms) {
        eg_spool_release(r->spool);
        eg_http_fail(r, 408, "timeout");
        return reply_now_and_close(r);
    }
    if (r->responded) {
        /* Already refused (413 on a streamed body): drop the rest, within reason. */
        r->discarded += n;
        if (r->discarded > r->body_max * DISCARD_FACTOR)
            return reply_now_and_close(r);
        return MHD_YES;
    }
    if (r->spool) {
        /* Streamed to files: past the limit nothing more is written, and nothing is kept. */
        uint64_t had = eg_spool_bytes(r->spool);
        if (had + n > r->body_max) {
            eg_spool_release(r->spool);
            eg_http_fail(r, 413, "too_large");
            r->discarded = (size_t)had + n;
        } else if (!eg_spool_feed(r, data, n)) {
            r->discarded = (size_t)had + n; /* refused (answer set, files removed) */
        }
        return MHD_YES;
    }
    enum eg_err rc = eg_buf_add(&r->body, data, n);
    if (rc == EG_ETOOBIG) {
        eg_http_fail(r, 413, "too_large");
        r->discarded = r->body.len + n;
        eg_buf_release(&r->body);
    } else if (rc != EG_OK) {
        eg_http_fail(r, 503, "busy");
        return reply_now_and_close(r);
    }
    return MHD_YES;
}

void
eg_req_suspend(struct eg_req *r, eg_handler_fn finish, void *arg)
{
    r->finish = finish;
    r->finish_arg = arg;
    r->suspend_wanted = true;
}

void
eg_req_resume(struct eg_req *r)
{
    /*
     * Once resumed, the worker may finish and free r at any moment: read what
     * is needed under the lock, release it, and only then resume. A suspended
     * connection stays alive until it is resumed, so conn is still valid.
     */
    pthread_mutex_lock(&r->lock);
    r->resumed = true;
    bool wake = r->suspended;
    struct MHD_Connection *conn = r->conn;
    pthread_mutex_unlock(&r->lock);
    if (wake)
        MHD_resume_connection(conn);
}

/* The handler is done: what it did not take from the spool goes now, before
 * the client sees the answer, not when libmicrohttpd is done with the
 * connection (a client could otherwise see its upload's leftovers). */
static enum MHD_Result
answer(struct eg_req *r)
{
    eg_spool_release(r->spool);
    return (enum MHD_Result)eg_http_queue(r);
}

/* After a handler asked to suspend: suspend, unless the work already finished. */
static enum MHD_Result
suspend_or_finish(struct eg_req *r)
{
    pthread_mutex_lock(&r->lock);
    if (r->resumed) {
        pthread_mutex_unlock(&r->lock);
        r->finish(r, r->finish_arg);
        return answer(r);
    }
    r->state = REQ_SUSPENDED;
    r->suspended = true;
    MHD_suspend_connection(r->conn);
    pthread_mutex_unlock(&r->lock);
    return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)con;
    struct eg_req *r = *req_cls;
    if (!r)
        return MHD_NO; /* out of memory at the start of the request */
    if (r->state == REQ_NEW) {
        r->state = REQ_BODY;
        prepare(r, method, version);
        unsigned long long declared;
        /*
         * An early answer to a request with a body goes out now, so the body
         * is never read (libmicrohttpd then closes the connection); without a
         * body it waits for the next call, as libmicrohttpd expects.
         */
        if (r->responded && has_body(r, &declared))
            return (enum MHD_Result)eg_http_queue(r);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return on_body(r, upload_data, n);
    }
    if (r->state == REQ_QUEUED)
        return MHD_YES;
    if (r->body_timer) {
        MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                  r->srv->cfg.idle_timeout_s);
        r->body_timer = false;
    }
    if (r->state == REQ_SUSPENDED) {
        /* Resumed: the finishing step answers. */
        r->state = REQ_BODY;
        r->finish(r, r->finish_arg);
        return answer(r);
    }
    if (!r->responded && r->spool && !eg_spool_end(r)) {
        /* answered: a multipart body cut short, say */
    } else if (!r->responded) {
        r->route->fn(r, r->route->ctx);
    }
    if (r->suspend_wanted && !r->responded)
        return suspend_or_finish(r);
    return answer(r);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    eg_warn("http: %s", line);
}

/* ---- start and stop ------------------------------------------------------------ */

static void
raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static enum eg_err
bind_address(const struct eg_http_config *cfg, struct sockaddr_storage *ss, struct eg_buf *msg)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, cfg->host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)cfg->port);
        return EG_OK;
    }
    if (inet_pton(AF_INET6, cfg->host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)cfg->port);
        return EG_OK;
    }
    if (eg_buf_printf(msg, "the listen address %s is not an IPv4 or IPv6 address", cfg->host) !=
        EG_OK)
        eg_buf_reset(msg);
    return EG_EINVAL;
}

/*
 * libmicrohttpd's per-connection pool holds the request headers, their parsed
 * cookies and the response headers; give it room beyond max_header, which is
 * enforced exactly in framing_refused().
 */
static size_t
pool_size(const struct eg_http_config *cfg)
{
    return cfg->max_header * 2 + (size_t)4 * 1024;
}

static int
cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 256 ? (int)n : 1;
}

enum eg_err
eg_http_server_start(const struct eg_http_config *cfg, struct eg_router *router,
                     struct eg_http_server **out, struct eg_buf *msg)
{
    *out = NULL;
    struct sockaddr_storage ss;
    enum eg_err rc = bind_address(cfg, &ss, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_http_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return EG_ENOMEM;
    srv->cfg = *cfg;
    srv->router = router;
    srv->static_fd = -1;
    srv->spool_fd = -1;
    srv->listen_fd = -1;
    unsigned char rnd[4];
    if (eg_random(rnd, sizeof(rnd)) != EG_OK)
        memset(rnd, 0, sizeof(rnd));
    eg_hex(rnd, sizeof(rnd), srv->id_prefix);
    srv->metrics = eg_http_metrics_new(eg_router_count(router));
    if (!srv->metrics) {
        free(srv);
        return EG_ENOMEM;
    }
    if (cfg->static_dir) {
        srv->static_fd = open(cfg->static_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (srv->static_fd < 0)
            eg_warn("static files: cannot open %s; /static/ will answer 404", cfg->static_dir);
    }
    if (cfg->spool_dir && eg_spool_dir_open(cfg->spool_dir, &srv->spool_fd, msg) != EG_OK) {
        eg_http_server_free(srv);
        return EG_EIO;
    }
    raise_fd_limit();
    rc = eg_http_listen(srv, &ss, msg);
    if (rc != EG_OK) {
        eg_http_server_free(srv);
        return rc;
    }
    /* The listening socket is ours (listen.c); libmicrohttpd gets each connection. */
    int threads = cfg->threads > 0 ? cfg->threads : cpu_count();
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 1 ? threads : 0),
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->conn_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_size(cfg), MHD_OPTION_STRICT_FOR_CLIENT, 0,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
    if (!srv->daemon || eg_http_accept_start(srv) != EG_OK) {
        if (eg_buf_printf(msg, "cannot start the HTTP server on %s:%d", cfg->host, cfg->port) !=
            EG_OK)
            eg_buf_reset(msg);
        eg_http_server_free(srv);
        return EG_EIO;
    }
    *out = srv;
    return EG_OK;
}

int
eg_http_server_port(const struct eg_http_server *s)
{
    return s->port;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

unsigned
eg_http_server_stop(struct eg_http_server *s)
{
    if (!s->daemon)
        return 0;
    /* Stop accepting: new connections are refused from now on (listen.c). */
    atomic_store(&s->draining, 1);
    eg_http_accept_stop(s);
    /*
     * Requests in flight finish and are told "Connection: close"; keep-alive
     * clients may still send on open connections for a moment, so wait until
     * nothing has been in flight for a short quiet spell.
     */
    int64_t deadline = eg_mono_ns() + (int64_t)s->cfg.drain_timeout_ms * 1000000;
    int quiet = 0;
    while (eg_mono_ns() < deadline && quiet < 5) {
        quiet = atomic_load(&s->in_flight) == 0 ? quiet + 1 : 0;
        sleep_ms(20);
    }
    long left = atomic_load(&s->in_flight);
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    return left > 0 ? (unsigned)left : 0;
}

void
eg_http_server_free(struct eg_http_server *s)
{
    if (!s)
        return;
    atomic_store(&s->draining, 1);
    eg_http_accept_stop(s);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    if (s->static_fd >= 0)
        close(s->static_fd);
    if (s->spool_fd >= 0)
        close(s->spool_fd);
    eg_http_metrics_free(s->metrics);
    free(s);
}
