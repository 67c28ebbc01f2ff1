/* http_int.h - the request and server structs; included only inside src/http/. */
#ifndef EG_HTTP_INT_H
#define EG_HTTP_INT_H

#include "http/http.h"

#include <pthread.h>
#include <sys/socket.h>
#include <stdatomic.h>

struct MHD_Connection;
struct MHD_Daemon;

struct eg_resp_header {
    const char *name;
    const char *value;
    struct eg_resp_header *next;
};

enum eg_req_state { REQ_NEW, REQ_BODY, REQ_SUSPENDED, REQ_QUEUED };

struct eg_req {
    struct eg_http_server *srv;
    struct MHD_Connection *conn;
    struct eg_arena *arena;
    char id[24];
    char remote[64];
    const char *method;
    const char *raw_target;
    const char *raw_ptr; /* libmicrohttpd's own copy of the target (its read buffer) */
    struct eg_url url;
    const struct eg_route *route;
    const struct eg_route_opts *opts; /* the route's */
    size_t route_index;               /* metrics slot: 0 = unmatched, i+1 = route i */
    struct eg_param params[EG_ROUTE_MAX_PARAMS];
    size_t nparams;
    struct eg_buf body;
    size_t body_max;
    size_t discarded;         /* body bytes dropped after a 413 */
    bool body_timer;          /* the connection timeout is body_timeout while the body arrives */
    int64_t body_deadline_ms; /* the body must have arrived this long after the start */
    struct eg_spool *spool;   /* EG_BODY_SPOOL routes: the files being written */
    void *data;               /* eg_req_set_data() */
    int64_t start_ns;
    enum eg_req_state state;
    const char *lang;

    /* The response being built. */
    int status;
    const char *ctype;
    char *resp_body; /* malloc'ed, handed to libmicrohttpd */
    size_t resp_len;
    int resp_fd; /* -1 unless a file is sent */
    uint64_t resp_fd_size;
    struct eg_resp_header *headers;
    bool responded;
    bool close; /* end the connection after this answer (framing errors) */

    /* Suspension (eg_req_suspend): lock orders suspend against resume. */
    pthread_mutex_t lock;
    eg_handler_fn finish;
    void *finish_arg;
    bool suspend_wanted;
    bool suspended;
    bool resumed;
};

struct eg_http_metrics;

struct eg_http_server {
    struct eg_http_config cfg;
    struct eg_router *router;
    struct MHD_Daemon *daemon;
    int port;
    int listen_fd;      /* ours (listen.c), -1 once closed */
    pthread_t acceptor; /* the accept thread, while accepting */
    bool accepting;
    int static_fd; /* O_PATH directory, -1 if none */
    int spool_fd;  /* the spool directory, -1 if none */
    atomic_int draining;
    atomic_long in_flight;
    atomic_long connections;
    atomic_ullong req_seq;
    char id_prefix[9];
    struct eg_http_metrics *metrics;
};

/* listen.c: our listening socket (sets listen_fd and port), the accept thread, stopping it. */
EG_WUR enum eg_err eg_http_listen(struct eg_http_server *s, const struct sockaddr_storage *ss,
                                  struct eg_buf *msg);
EG_WUR enum eg_err eg_http_accept_start(struct eg_http_server *s);
void eg_http_accept_stop(struct eg_http_server *s);

/* metrics.c */
struct eg_http_metrics *eg_http_metrics_new(size_t nroutes);
void eg_http_metrics_free(struct eg_http_metrics *m);
void eg_http_metrics_record(struct eg_http_metrics *m, size_t slot, int status, int64_t ns);

/*
 * spool.c: streamed bodies (EG_BODY_SPOOL). Each function that can fail sets
 * the answer itself (400, 413, 503, 507) and removes the files written so far.
 */
struct eg_spool;
/* At start: creates the directory (0700) if missing, opens it, removes dead processes' files. */
EG_WUR enum eg_err eg_spool_dir_open(const char *dir, int *fd, struct eg_buf *msg);
/* For a spool route, once routed: the (empty) upload. false when out of memory (answered). */
bool eg_spool_new(struct eg_req *r);
/* The body is coming (declared bytes, 0 if chunked): free space, raw file or multipart. */
bool eg_spool_begin(struct eg_req *r, unsigned long long declared);
/* Body bytes, within the route's limit (the caller checks it). */
bool eg_spool_feed(struct eg_req *r, const char *p, size_t n);
/* The body ended: hashes and the multipart's end. */
bool eg_spool_end(struct eg_req *r);
/* Closes and removes every file not taken (NULL-safe; again after a refusal). */
void eg_spool_release(struct eg_spool *s);
uint64_t eg_spool_bytes(const struct eg_spool *s);

/* response.c: sends what the handler built; called once per request. */
int eg_http_queue(struct eg_req *r);
/* The security headers as "Name: value\r\n" lines, for answers written directly. */
EG_WUR enum eg_err eg_http_security_headers_text(struct eg_buf *out);
/* The request's own errors (bad path, limits) in the request's language. */
void eg_http_fail(struct eg_req *r, int status, const char *code);

#endif /* EG_HTTP_INT_H */
