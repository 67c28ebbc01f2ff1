/*
 * multipart.h - a streaming parser of multipart/form-data bodies (RFC 7578
 * over RFC 2046). Internal to src/http/ (server.c feeds it the body as
 * libmicrohttpd hands it over) and to its fuzz harness; nothing above http/
 * sees it.
 *
 * Strict where two readers could disagree, lenient nowhere:
 *  - the boundary comes from Content-Type (1..70 bchars, token or quoted);
 *  - no preamble: the body starts with the first delimiter; CR LF line ends
 *    only; the epilogue after the close delimiter is ignored;
 *  - each part has exactly one Content-Disposition: form-data with a name
 *    (filename and filename*=UTF-8''... optional, filename* wins), at most
 *    one Content-Type, no Content-Transfer-Encoding but 7bit/8bit/binary, no
 *    folded header lines, header names that are tokens;
 *  - at most EG_MP_MAX_PARTS parts, each header block under EG_MP_MAX_HEADER.
 * Only a part's header block is buffered (in m->head); data is handed on as
 * it arrives, so a file part of any size costs no memory here.
 *
 * Errors: EG_EINVAL for a malformed body (eg_mp_error() says why, in
 * Vietnamese); a callback's own error is returned unchanged and stops the
 * parser. After any error the parser only accepts eg_mp_release().
 */
#ifndef EG_HTTP_MULTIPART_H
#define EG_HTTP_MULTIPART_H

#include "core/core.h"

#define EG_MP_BOUNDARY_MAX 70
#define EG_MP_MAX_PARTS 64
#define EG_MP_MAX_HEADER 8192

/* One part's headers; the strings live only during the begin callback. */
struct eg_mp_part {
    const char *name;     /* the form field's name: UTF-8, no control characters */
    const char *filename; /* NULL for a plain field; "" when the browser sent no file */
    const char *ctype;    /* the part's Content-Type, NULL if it had none */
};

struct eg_mp_handler {
    enum eg_err (*begin)(void *ctx, const struct eg_mp_part *p);
    enum eg_err (*data)(void *ctx, const char *p, size_t n);
    enum eg_err (*end)(void *ctx);
    void *ctx;
};

struct eg_mp {
    struct eg_mp_handler h;
    char delim[4 + EG_MP_BOUNDARY_MAX + 1]; /* CR LF "--" boundary */
    size_t dlen;
    int state;
    size_t match; /* bytes of delim matched so far */
    size_t pad;   /* transport padding after a delimiter */
    size_t parts; /* parts begun */
    bool in_part; /* between begin and end */
    struct eg_buf head;
    const char *error;
};

/* Is the media type of this Content-Type value multipart/form-data? */
bool eg_mp_is_multipart(const char *content_type);
/* Takes the boundary from the Content-Type value; EG_EINVAL (with eg_mp_error) if unusable. */
EG_WUR enum eg_err eg_mp_init(struct eg_mp *m, const char *content_type,
                              const struct eg_mp_handler *h);
EG_WUR enum eg_err eg_mp_feed(struct eg_mp *m, const char *p, size_t n);
/* The body ended: EG_EINVAL unless the close delimiter was seen. */
EG_WUR enum eg_err eg_mp_finish(struct eg_mp *m);
void eg_mp_release(struct eg_mp *m);
/* Why the last EG_EINVAL, in Vietnamese; never NULL. */
const char *eg_mp_error(const struct eg_mp *m);

#endif /* EG_HTTP_MULTIPART_H */
