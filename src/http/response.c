/* response.c - building responses, the error vocabulary over HTTP, and queueing. */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

/* Every response carries these (RELIABILITY C4). */
static const struct {
    const char *name, *value;
} security_headers[] = {
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "strict-origin-when-cross-origin"},
    {"X-Frame-Options", "DENY"},
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
};

enum eg_err
eg_http_security_headers_text(struct eg_buf *out)
{
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < EG_ARRAY_LEN(security_headers) && rc == EG_OK; i++)
        rc = eg_buf_printf(out, "%s: %s\r\n", security_headers[i].name, security_headers[i].value);
    return rc;
}

int
eg_http_status_of(enum eg_err e)
{
    switch (e) {
    case EG_OK:
        return 200;
    case EG_EINVAL:
        return 400;
    case EG_EUNAUTH:
        return 401;
    case EG_EFORBIDDEN:
        return 403;
    case EG_ENOTFOUND:
        return 404;
    case EG_ECONFLICT:
        return 409;
    case EG_ETOOBIG:
        return 413;
    case EG_ERATE:
        return 429;
    case EG_ETIMEOUT:
        return 504;
    case EG_ENOMEM:
    case EG_EBUSY:
    case EG_EUNAVAIL:
    case EG_EIO:
        return 503;
    case EG_EVERSION:
    case EG_EINTERNAL:
    case EG_ERR_COUNT:
        break;
    }
    return 500;
}

static bool
header_ok(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

void
eg_resp_header(struct eg_req *r, const char *name, const char *value)
{
    if (!header_ok(name) || !header_ok(value))
        return;
    struct eg_resp_header *h = eg_arena_alloc(r->arena, sizeof(*h));
    if (!h)
        return;
    h->name = eg_arena_strdup(r->arena, name);
    h->value = eg_arena_strdup(r->arena, value);
    if (!h->name || !h->value)
        return;
    h->next = r->headers;
    r->headers = h;
}

static void
set_body(struct eg_req *r, int status, const char *ctype, char *body, size_t n)
{
    free(r->resp_body);
    if (r->resp_fd >= 0) {
        close(r->resp_fd);
        r->resp_fd = -1;
    }
    r->status = status;
    r->ctype = ctype;
    r->resp_body = body;
    r->resp_len = n;
    r->responded = true;
}

void
eg_resp_bytes(struct eg_req *r, int status, const char *ctype, const void *p, size_t n)
{
    char *copy = malloc(n ? n : 1);
    if (!copy) {
        set_body(r, 503, "text/plain; charset=utf-8", NULL, 0);
        return;
    }
    if (n)
        memcpy(copy, p, n);
    set_body(r, status, ctype, copy, n);
}

void
eg_resp_json(struct eg_req *r, int status, json_t *body)
{
    struct eg_buf b = EG_BUF_INIT(64 << 20);
    enum eg_err rc = body ? eg_json_dump(body, &b) : EG_ENOMEM;
    json_decref(body);
    if (rc == EG_OK && eg_buf_addc(&b, '\n') == EG_OK) {
        size_t n = b.len;
        set_body(r, status, "application/json", eg_buf_take(&b), n);
        return;
    }
    eg_buf_release(&b);
    eg_resp_error(r, 500, "internal", NULL);
}

static bool
is_api(const struct eg_req *r)
{
    const char *p = r->url.path ? r->url.path : r->raw_target;
    return p && strncmp(p, "/api/", 5) == 0;
}

/* Default sentences for the statuses the server itself produces. */
static const char *
default_message(int status, bool en)
{
    switch (status) {
    case 400:
        return en ? "The request is not valid." : "Yêu cầu không hợp lệ.";
    case 401:
        return en ? "Please sign in." : "Vui lòng đăng nhập.";
    case 403:
        return en ? "You are not allowed to do this."
                  : "Bạn không có quyền thực hiện thao tác này.";
    case 404:
        return en ? "There is no page or resource at this address."
                  : "Không tìm thấy trang hoặc tài nguyên tại địa chỉ này.";
    case 405:
        return en ? "This address does not accept this method."
                  : "Địa chỉ này không chấp nhận phương thức yêu cầu.";
    case 408:
        return en ? "The request took too long to arrive."
                  : "Yêu cầu gửi đến quá chậm, đã hết thời gian chờ.";
    case 409:
        return en ? "This conflicts with the current state; reload and try again."
                  : "Thao tác xung đột với trạng thái hiện tại; vui lòng tải lại và thử lại.";
    case 413:
        return en ? "The content sent is larger than allowed."
                  : "Nội dung gửi lên vượt quá dung lượng cho phép.";
    case 414:
    case 431:
        return en ? "The address or the request's headers are too long; shorten the search or "
                    "go back to the home page."
                  : "Địa chỉ hoặc phần đầu của yêu cầu quá dài; hãy rút gọn nội dung tìm kiếm "
                    "hoặc quay về trang chủ.";
    case 415:
        return en ? "This type of content is not accepted here."
                  : "Kiểu nội dung gửi lên không được chấp nhận tại địa chỉ này.";
    case 429:
        return en ? "Too many requests; please wait a moment."
                  : "Quá nhiều yêu cầu; vui lòng thử lại sau ít phút.";
    case 503:
        return en ? "The service is temporarily unavailable; please try again shortly."
                  : "Dịch vụ tạm thời gián đoạn; vui lòng thử lại sau ít phút.";
    case 507:
        return en ? "The server has no room to store this now; please try again later."
                  : "Máy chủ tạm thời không còn chỗ lưu trữ; vui lòng thử lại sau.";
    case 504:
        return en ? "The operation timed out." : "Thao tác quá thời gian chờ.";
    default:
        return en ? "Something went wrong on our side." : "Hệ thống gặp lỗi.";
    }
}

static const char *
title_of(int status, bool en)
{
    if (status == 404)
        return en ? "Page not found" : "Không tìm thấy trang";
    if (status == 401)
        return en ? "Please sign in" : "Cần đăng nhập";
    if (status == 403)
        return en ? "Access denied" : "Không có quyền truy cập";
    if (status == 413 || status == 414 || status == 431)
        return en ? "Request too large" : "Yêu cầu quá lớn";
    if (status == 429)
        return en ? "Too many requests" : "Quá nhiều yêu cầu";
    if (status >= 500)
        return en ? "Service error" : "Lỗi hệ thống";
    return en ? "Request error" : "Yêu cầu không hợp lệ";
}

/* HTML-escapes s into b. */
static enum eg_err
html_escape(struct eg_buf *b, const char *s)
{
    enum eg_err rc = EG_OK;
    for (; *s && rc == EG_OK; s++) {
        switch (*s) {
        case '<':
            rc = eg_buf_adds(b, "&lt;");
            break;
        case '>':
            rc = eg_buf_adds(b, "&gt;");
            break;
        case '&':
            rc = eg_buf_adds(b, "&amp;");
            break;
        case '"':
            rc = eg_buf_adds(b, "&quot;");
            break;
        case '\'':
            rc = eg_buf_adds(b, "&#39;");
            break;
        default:
            rc = eg_buf_addc(b, *s);
        }
    }
    return rc;
}

static void
error_page(struct eg_req *r, int status, const char *message)
{
    bool en = strcmp(eg_req_lang(r), "en") == 0;
    struct eg_buf b = EG_BUF_INIT(16384);
    enum eg_err rc =
        eg_buf_printf(&b,
                      "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                      "<title>%s</title><link rel=\"stylesheet\" href=\"/static/egov.css\"></head>"
                      "<body><main class=\"error-page\"><h1>%s</h1><p>",
                      en ? "en" : "vi", title_of(status, en), title_of(status, en));
    if (rc == EG_OK)
        rc = html_escape(&b, message);
    if (rc == EG_OK)
        rc = eg_buf_printf(&b,
                           "</p><p class=\"muted\">%s %s</p><p><a href=\"/\">%s</a></p>"
                           "</main></body></html>\n",
                           en ? "Request id:" : "Mã yêu cầu:", r->id,
                           en ? "Back to the home page" : "Về trang chủ");
    if (rc != EG_OK) {
        eg_buf_release(&b);
        set_body(r, status, "text/plain; charset=utf-8", NULL, 0);
        return;
    }
    size_t n = b.len;
    set_body(r, status, "text/html; charset=utf-8", eg_buf_take(&b), n);
}

void
eg_resp_error(struct eg_req *r, int status, const char *code, const char *message)
{
    bool en = strcmp(eg_req_lang(r), "en") == 0;
    if (!message)
        message = default_message(status, en);
    if (!code)
        code = "error";
    /* Every temporary failure says when to come back (RELIABILITY C8). */
    if (status == 503)
        eg_resp_header(r, "Retry-After", "5");
    if (!is_api(r)) {
        error_page(r, status, message);
        return;
    }
    json_t *body = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "message", message,
                             "request_id", r->id);
    if (!body) {
        set_body(r, 500, "application/json", NULL, 0);
        return;
    }
    eg_resp_json(r, status, body);
}

void
eg_resp_err(struct eg_req *r, enum eg_err e, const char *message)
{
    int status = eg_http_status_of(e);
    /* Internal details never reach the client; the log has them. */
    if (status >= 500)
        message = NULL;
    eg_resp_error(r, status, eg_err_code(e), message);
}

void
eg_http_fail(struct eg_req *r, int status, const char *code)
{
    eg_resp_error(r, status, code, NULL);
}

/*
 * The ASCII stand-in of a filename for clients that ignore filename*: without
 * diacritics (the folded form: "Giấy khai sinh.pdf" -> "giay khai sinh.pdf"),
 * anything but letters, digits, space and ._-()+ as '_'.
 */
static enum eg_err
ascii_name(const char *name, struct eg_buf *out)
{
    struct eg_buf fold = EG_BUF_INIT(4096);
    enum eg_err rc = eg_text_fold(name, strlen(name), &fold);
    const char *f = rc == EG_OK && fold.len ? eg_buf_str(&fold) : "download";
    for (; *f && rc == EG_OK; f++) {
        char c = *f;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == ' ' || c == '.' || c == '_' || c == '-' || c == '(' || c == ')' || c == '+';
        rc = eg_buf_addc(out, ok ? c : '_');
    }
    eg_buf_release(&fold);
    return rc;
}

/* Content-Disposition: attachment; filename="ascii"; filename*=UTF-8''%.. (RFC 6266, 8187). */
static enum eg_err
content_disposition(const char *name, struct eg_buf *out)
{
    enum eg_err rc = eg_buf_adds(out, "attachment");
    if (!name || !*name || rc != EG_OK)
        return rc;
    rc = eg_buf_adds(out, "; filename=\"");
    if (rc == EG_OK)
        rc = ascii_name(name, out);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p && rc == EG_OK; p++) {
        bool attr = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p);
        rc = attr ? eg_buf_addc(out, (char)*p) : eg_buf_printf(out, "%%%02X", *p);
    }
    return rc;
}

void
eg_resp_file(struct eg_req *r, int fd, uint64_t size, const char *ctype, const char *filename)
{
    struct eg_buf cd = EG_BUF_INIT(8192);
    if (content_disposition(filename, &cd) == EG_OK)
        eg_resp_header(r, "Content-Disposition", eg_buf_str(&cd));
    else
        eg_resp_header(r, "Content-Disposition", "attachment");
    eg_buf_release(&cd);
    eg_resp_bytes(r, 200, ctype ? ctype : "application/octet-stream", "", 0);
    if (r->status != 200) {
        close(fd); /* out of memory: the 503 goes out instead */
        return;
    }
    r->resp_fd = fd;
    r->resp_fd_size = size;
}

static void
free_body(void *p)
{
    free(p);
}

int
eg_http_queue(struct eg_req *r)
{
    if (!r->responded)
        eg_resp_error(r, 500, "internal", NULL);
    struct MHD_Response *resp;
    if (r->resp_fd >= 0) {
        resp = MHD_create_response_from_fd64(r->resp_fd_size, r->resp_fd);
        if (resp)
            r->resp_fd = -1; /* libmicrohttpd closes it */
    } else {
        resp = MHD_create_response_from_buffer_with_free_callback(r->resp_len, r->resp_body,
                                                                  free_body);
        if (resp)
            r->resp_body = NULL;
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/plain");
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    bool cache_set = false;
    for (struct eg_resp_header *h = r->headers; h; h = h->next) {
        MHD_add_response_header(resp, h->name, h->value);
        cache_set = cache_set || strcasecmp(h->name, "Cache-Control") == 0;
    }
    if (!cache_set)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (size_t i = 0; i < EG_ARRAY_LEN(security_headers); i++)
        MHD_add_response_header(resp, security_headers[i].name, security_headers[i].value);
    if (r->status == 408 || r->status == 413 || r->close || atomic_load(&r->srv->draining))
        MHD_add_response_header(resp, "Connection", "close");
    int ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    r->state = REQ_QUEUED;
    return ret;
}
