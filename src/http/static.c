/*
 * static.c - files under web/static, served with ETag and Cache-Control.
 *
 * Every path component is checked (letters, digits, '-', '_', '.'; no leading
 * dot) and opened relative to the static directory with O_NOFOLLOW, so neither
 * "..", nor a symlink, nor a hidden file can lead outside it.
 */
#include "http_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *ext, *type;
} types[] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".json", "application/json"},
    {".pdf", "application/pdf"},
    {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {".html", "text/html; charset=utf-8"},
};

static const char *
type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < EG_ARRAY_LEN(types); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static bool
component_ok(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 128)
        return false;
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* Walks segs[1..] under the static directory; returns an fd or -1. */
static int
open_under(int root, const char *const *segs, size_t nsegs)
{
    int dir = root;
    int fd = -1;
    for (size_t i = 1; i < nsegs; i++) {
        if (!component_ok(segs[i]))
            break;
        bool last = i + 1 == nsegs;
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY);
        int next = openat(dir, segs[i], flags);
        if (dir != root)
            close(dir);
        dir = root;
        if (next < 0)
            break;
        if (last) {
            fd = next;
            break;
        }
        dir = next;
    }
    if (dir != root)
        close(dir);
    return fd;
}

void
eg_http_static(struct eg_req *r, void *ctx)
{
    (void)ctx;
    int root = r->srv->static_fd;
    const struct eg_url *u = &r->url;
    int fd = root >= 0 && u->nsegs >= 2 ? open_under(root, u->segs, u->nsegs) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        eg_http_fail(r, 404, "not_found");
        return;
    }
    char etag[64];
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
                 (unsigned long long)st.st_mtim.tv_nsec);
    eg_resp_header(r, "ETag", etag);
    eg_resp_header(r, "Cache-Control", "public, max-age=3600");
    const char *inm = eg_req_header(r, "If-None-Match");
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        close(fd);
        eg_resp_bytes(r, 304, type_of(u->segs[u->nsegs - 1]), "", 0);
        return;
    }
    eg_resp_bytes(r, 200, type_of(u->segs[u->nsegs - 1]), "", 0);
    r->resp_fd = fd;
    r->resp_fd_size = (uint64_t)st.st_size;
}
