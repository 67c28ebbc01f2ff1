/*
 * http.h - the HTTP server egov answers on, over GNU libmicrohttpd.
 *
 * Owns: the listening socket and its worker threads (epoll, one per core by
 * default), limits (header size -> 431, body size -> 413, slow bodies -> 408,
 * connections per IP and in all), the router, per-request arenas, responses
 * with security headers and a request id, the JSON access log, request
 * metrics, static files with ETag, and graceful shutdown. Nothing above this
 * header sees a libmicrohttpd type.
 *
 * A request lives from its first byte to eg_http's completion callback; all it
 * allocates comes from eg_req_arena() and dies with it. Handlers run on worker
 * threads; the router and config are read-only once the server starts.
 * Errors: eg_resp_err() is the one place that maps enum eg_err to a status.
 */
#ifndef EG_HTTP_H
#define EG_HTTP_H

#include "core/core.h"

struct eg_req;
struct eg_router;
struct eg_http_server;

typedef void (*eg_handler_fn)(struct eg_req *req, void *ctx);

/* How a route receives its request body. */
enum eg_body_mode {
    EG_BODY_MEMORY = 0, /* collected in memory up to the limit: eg_req_body() */
    EG_BODY_SPOOL,      /* streamed to files in the spool directory: eg_req_upload() */
};

/* One line of the route table. Every route declares who may call it. */
struct eg_route {
    const char *method;  /* "GET", "POST", ...; GET routes also answer HEAD */
    const char *pattern; /* "/api/v1/org-units/{code}"; a last "{name*}" takes the rest */
    eg_handler_fn fn;
    void *ctx;
    const char *perm;    /* the permission the route requires; "public" for anyone */
    size_t max_body;     /* 0 = the server's limit */
    const char *summary; /* one line for people and for the route listing */
};

/*
 * What a route may ask for beyond struct eg_route. Kept apart so that the
 * route tables' positional initializers stay as they are (with
 * -Wmissing-field-initializers, a new member of struct eg_route would make
 * every one of them an error).
 */
struct eg_route_opts {
    enum eg_body_mode body;
    /*
     * Optional: runs once routing and the declared size are checked, before any
     * body byte is read (who is calling, may they). If it answers, the body is
     * never read and the connection closes; fn does not run. It may leave a
     * pointer for fn with eg_req_set_data(). It may not suspend.
     */
    eg_handler_fn admit;
};

struct eg_router *eg_router_new(void);
void eg_router_free(struct eg_router *r);
/* The route is copied; pattern and strings must outlive the router. */
EG_WUR enum eg_err eg_router_add(struct eg_router *r, const struct eg_route *route);
/* The same with options (copied too); opts NULL = none. */
EG_WUR enum eg_err eg_router_add_opts(struct eg_router *r, const struct eg_route *route,
                                      const struct eg_route_opts *opts);
size_t eg_router_count(const struct eg_router *r);
const struct eg_route *eg_router_at(const struct eg_router *r, size_t i);
/* Route i's options (all zero when it was added without). */
const struct eg_route_opts *eg_router_opts_at(const struct eg_router *r, size_t i);

enum eg_match { EG_MATCH_OK, EG_MATCH_NO_PATH, EG_MATCH_NO_METHOD };
struct eg_param {
    const char *name;
    const char *value;
};
#define EG_ROUTE_MAX_PARAMS 8
/*
 * Matches decoded path segments against the table. On EG_MATCH_OK *out is the
 * route index and params holds its captures (values point into segs); on
 * EG_MATCH_NO_METHOD allow (if given) lists the methods that would match.
 */
enum eg_match eg_router_match(const struct eg_router *r, const char *method,
                              const char *const *segs, size_t nsegs, size_t *out,
                              struct eg_param *params, size_t *nparams, struct eg_buf *allow);

/* ---- URLs ----------------------------------------------------------------- */

struct eg_kv {
    const char *key;
    const char *value;
};

struct eg_url {
    const char **segs; /* decoded path segments; "/" has none */
    size_t nsegs;
    const char *path; /* the decoded path */
    struct eg_kv *query;
    size_t nquery;
};

#define EG_URL_MAX_SEGS 32
#define EG_URL_MAX_QUERY 64
/*
 * Parses a request target ("/a/b%20c?x=1"). Refuses with EG_EINVAL: no leading
 * '/', bad %-escapes, %00 or other control characters, invalid UTF-8, "." or
 * ".." segments, an encoded '/' inside a segment, too many segments or
 * parameters. msg (optional) says which, in Vietnamese.
 */
EG_WUR enum eg_err eg_url_parse(struct eg_arena *a, const char *target, size_t n,
                                struct eg_url *out, struct eg_buf *msg);
/*
 * Decodes an application/x-www-form-urlencoded body. Values may hold tab and
 * line breaks (a textarea; CR LF becomes LF), never other control characters;
 * keys and query strings (eg_url_parse) hold none.
 */
EG_WUR enum eg_err eg_form_parse(struct eg_arena *a, const char *s, size_t n, struct eg_kv **out,
                                 size_t *count, size_t max, struct eg_buf *msg);

/* ---- the server ----------------------------------------------------------- */

struct eg_http_config {
    const char *host; /* "127.0.0.1", "0.0.0.0", "::" */
    int port;
    int threads;               /* 0 = one per core */
    size_t max_header;         /* request line + headers; beyond -> 431 */
    size_t max_body;           /* default body limit; beyond -> 413 */
    unsigned max_conns;        /* all connections */
    unsigned conn_per_ip;      /* 0 = no limit (behind a proxy) */
    unsigned idle_timeout_s;   /* a connection quiet this long is closed */
    unsigned body_timeout_ms;  /* a body still arriving after this -> 408 */
    unsigned drain_timeout_ms; /* how long shutdown waits for requests in flight */
    const char *static_dir;    /* served under /static/; NULL = none */
    const char *spool_dir;     /* streamed bodies go here (created 0700); NULL = none: 503 */
    size_t spool_reserve;      /* free space the spool's filesystem keeps; beyond -> 507 */
};

void eg_http_config_defaults(struct eg_http_config *c);

/* Binds and starts serving. msg says why not (address in use, bad address ...). */
EG_WUR enum eg_err eg_http_server_start(const struct eg_http_config *cfg, struct eg_router *r,
                                        struct eg_http_server **out, struct eg_buf *msg);
/* The port actually bound (useful with port 0). */
int eg_http_server_port(const struct eg_http_server *s);
/*
 * Graceful stop: stop accepting, answer requests in flight (telling clients to
 * close), wait up to drain_timeout_ms for them, then close every connection and
 * join the threads. Returns the number of requests cut off (0 normally).
 */
unsigned eg_http_server_stop(struct eg_http_server *s);
void eg_http_server_free(struct eg_http_server *s);
/* Request counters and latency histograms in Prometheus text, appended to out. */
EG_WUR enum eg_err eg_http_metrics(struct eg_http_server *s, struct eg_buf *out);

/* ---- requests -------------------------------------------------------------- */

const char *eg_req_method(const struct eg_req *r);
const char *eg_req_path(const struct eg_req *r);
const char *eg_req_id(const struct eg_req *r);
const char *eg_req_remote(const struct eg_req *r);
struct eg_arena *eg_req_arena(struct eg_req *r);
/* A path capture by name, NULL if the route has none. */
const char *eg_req_param(const struct eg_req *r, const char *name);
/* The first value of a query parameter, NULL if absent. */
const char *eg_req_query(const struct eg_req *r, const char *name);
const struct eg_url *eg_req_url(const struct eg_req *r);
/* A request header (case-insensitive), NULL if absent. */
const char *eg_req_header(const struct eg_req *r, const char *name);
/* The body as received; empty when none. */
struct eg_str eg_req_body(const struct eg_req *r);
/* "vi" unless the client asked for English (?lang=en, or Accept-Language first prefers en). */
const char *eg_req_lang(const struct eg_req *r);
/* The server this request arrived on (for /metrics). */
struct eg_http_server *eg_req_server(const struct eg_req *r);
/* One pointer a route's admit step leaves for its handler (NULL until set). */
void eg_req_set_data(struct eg_req *r, void *p);
void *eg_req_data(const struct eg_req *r);

/* ---- streamed bodies (routes added with .body = EG_BODY_SPOOL) ----------------- */

/*
 * The body goes to files in spool_dir as it arrives, hashed (SHA-256) on the
 * way; nothing of it is held in memory. A raw body (any Content-Type but
 * multipart/form-data) is one file. A multipart/form-data body gives one file
 * per part that has a filename (a part with filename="" and no bytes, what a
 * browser sends for an empty file input, is dropped) and its other parts as
 * text fields. The route's max_body bounds the whole body exactly: a declared
 * size beyond it is 413 before anything is read, a chunked body that grows
 * past it stops being written and is 413. Before the body, the spool's
 * filesystem must keep spool_reserve free beyond the declared size (or the
 * route's limit when chunked), else 507. Every file not taken by the handler
 * is closed and removed when the request ends, whatever ended it (an answer,
 * an error, a timeout, a client gone); files of a process that died are
 * removed when the server starts.
 */
#define EG_UPLOAD_MAX_FILES 16
#define EG_UPLOAD_MAX_FIELDS 100
#define EG_UPLOAD_FIELDS_MAX ((size_t)64 * 1024) /* all text fields' bytes together */

struct eg_upload_file {
    int fd;               /* read-write; read it with pread(), its offset is unspecified */
    const char *path;     /* spool_dir/egov-PID-RANDOM.up */
    uint64_t size;        /* bytes */
    char sha256[65];      /* lower-case hex of the content */
    const char *field;    /* multipart: the part's field name; NULL for a raw body */
    const char *filename; /* multipart: as sent (UTF-8, no control characters); NULL for raw */
    const char *ctype; /* the part's Content-Type, or the request's for a raw body; may be NULL */
};

struct eg_upload {
    bool multipart;
    const struct eg_upload_file *files;
    size_t nfiles;
    const struct eg_kv *fields; /* multipart text fields in order: UTF-8, CR LF read as LF */
    size_t nfields;
};

/*
 * In the handler of an EG_BODY_SPOOL route: the whole body, received (no
 * files and no fields when the request had no body). NULL on other routes and
 * before the body has ended (in admit).
 */
const struct eg_upload *eg_req_upload(const struct eg_req *r);
/* The first multipart text field of that name, NULL if none. */
const char *eg_upload_field(const struct eg_upload *u, const char *name);
/*
 * Takes file i away from the request: its fd and path are the caller's from
 * now on (close the one, rename or remove the other). EG_EINVAL if there is
 * no such file or it was taken already.
 */
EG_WUR enum eg_err eg_req_upload_take(struct eg_req *r, size_t i);

/* ---- responses -------------------------------------------------------------- */

/* Adds a header to the response; copied. Refuses CR/LF in names or values. */
void eg_resp_header(struct eg_req *r, const char *name, const char *value);
/* Takes the reference to body and sends it as application/json. */
void eg_resp_json(struct eg_req *r, int status, json_t *body);
/* Sends n bytes (copied) with the given Content-Type. */
void eg_resp_bytes(struct eg_req *r, int status, const char *ctype, const void *p, size_t n);
/*
 * Sends size bytes of the open file fd as ctype, as a download:
 * Content-Disposition: attachment with filename (UTF-8, RFC 6266: an ASCII
 * filename= for old clients and filename*=UTF-8''...). fd is taken: it is
 * closed once sent, or at once if the answer changes. filename may be NULL.
 */
void eg_resp_file(struct eg_req *r, int fd, uint64_t size, const char *ctype, const char *filename);
/* Sends an error: JSON {"error":{"code","message"}} under /api/, a small page elsewhere. */
void eg_resp_error(struct eg_req *r, int status, const char *code, const char *message);
/* The one mapping from enum eg_err to an HTTP status, then eg_resp_error(). */
void eg_resp_err(struct eg_req *r, enum eg_err e, const char *message);
int eg_http_status_of(enum eg_err e);

/*
 * Slow work off the worker threads (password hashing): the handler calls
 * eg_req_suspend() and returns without answering; the worker is free for other
 * connections. Later, from any thread, eg_req_resume() has the server call
 * finish(r, arg) on a worker, which answers as a handler would. A suspended
 * request counts as in flight, so shutdown waits for it.
 */
void eg_req_suspend(struct eg_req *r, eg_handler_fn finish, void *arg);
void eg_req_resume(struct eg_req *r);

/* The handler for GET /static/{path*}; ctx is unused (the server's static_dir is used). */
void eg_http_static(struct eg_req *r, void *ctx);

#endif /* EG_HTTP_H */
