/*
 * spool.c - request bodies streamed to files (EG_BODY_SPOOL routes).
 *
 * The body is written to files in the server's spool directory as
 * libmicrohttpd hands it over, each file hashed (SHA-256, OpenSSL EVP) on the
 * way, so a 20 MiB scan costs a few kilobytes of memory. A raw body is one
 * file; a multipart/form-data body is parsed as it streams (multipart.c): a
 * part with a filename becomes a file of its own, the other parts become text
 * fields held in the request's arena within EG_UPLOAD_FIELDS_MAX bytes.
 *
 * Files are named egov-PID-RANDOM.up and opened O_EXCL|O_NOFOLLOW, mode 0600.
 * Those the handler did not take are removed once it is done, before its
 * answer is queued (and in any case when the request ends), and at once when
 * the body is refused halfway; the name carries the process id so a server
 * starting up can remove what a dead process left behind.
 */
#include "http_int.h"
#include "multipart.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <openssl/evp.h>

#define NAME_LEN 48

struct eg_spool {
    struct eg_req *req;
    struct eg_upload up;
    struct eg_upload_file files[EG_UPLOAD_MAX_FILES];
    char names[EG_UPLOAD_MAX_FILES][NAME_LEN];
    bool taken[EG_UPLOAD_MAX_FILES];
    size_t nfiles;
    int cur;        /* the file being written, -1 none */
    EVP_MD_CTX *md; /* its hash */
    bool multipart;
    bool begun; /* eg_spool_begin ran */
    bool done;  /* eg_spool_end succeeded: the upload is visible */
    struct eg_mp mp;
    struct eg_kv fields[EG_UPLOAD_MAX_FIELDS];
    size_t nfields;
    bool in_field; /* a text part is being read */
    char *field_name;
    struct eg_buf field;
    size_t field_bytes; /* all text fields so far */
    uint64_t total;     /* body bytes received */
};

/* ---- the directory ------------------------------------------------------------------ */

/* mkdir -p, each missing component 0700. */
static int
mkdirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(path))
        return -1;
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        path[i] = c;
    }
    return 0;
}

/* "egov-PID-HEX.up" of a process that no longer runs. */
static bool
stale(const char *name)
{
    if (strncmp(name, "egov-", 5) != 0)
        return false;
    char *end;
    long pid = strtol(name + 5, &end, 10);
    if (pid <= 0 || *end != '-' || strlen(end) != 1 + 16 + 3 || strcmp(end + 17, ".up") != 0)
        return false;
    if (pid == (long)getpid())
        return false;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

enum eg_err
eg_spool_dir_open(const char *dir, int *fd, struct eg_buf *msg)
{
    *fd = -1;
    if (mkdirs(dir) != 0) {
        if (eg_buf_printf(msg, "cannot create the spool directory %s: %s", dir, strerror(errno)) !=
            EG_OK)
            eg_buf_reset(msg);
        return EG_EIO;
    }
    int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) {
        if (eg_buf_printf(msg, "cannot open the spool directory %s: %s", dir, strerror(errno)) !=
            EG_OK)
            eg_buf_reset(msg);
        return EG_EIO;
    }
    int scan = dup(d);
    DIR *dp = scan >= 0 ? fdopendir(scan) : NULL;
    if (!dp && scan >= 0)
        close(scan);
    unsigned removed = 0;
    for (struct dirent *e = dp ? readdir(dp) : NULL; e; e = readdir(dp))
        if (stale(e->d_name) && unlinkat(d, e->d_name, 0) == 0)
            removed++;
    if (dp)
        closedir(dp);
    if (removed)
        eg_info("spool: removed %u files left by processes that ended", removed);
    *fd = d;
    return EG_OK;
}

/* ---- answers ---------------------------------------------------------------------- */

static bool
en(const struct eg_req *r)
{
    return strcmp(eg_req_lang(r), "en") == 0;
}

/* Refuses the body: the answer for rc, and no file left. */
static bool
refuse(struct eg_spool *s, enum eg_err rc, int err, const char *message)
{
    struct eg_req *r = s->req;
    if (rc == EG_EINVAL)
        eg_resp_error(r, 400, "bad_request", message);
    else if (rc == EG_ETOOBIG)
        eg_resp_error(r, 413, "too_large", message);
    else if (err == ENOSPC || err == EDQUOT)
        eg_resp_error(r, 507, "insufficient_storage",
                      en(r) ? "The server has no room for this upload now; please try again later."
                            : "Máy chủ tạm thời không còn chỗ lưu tệp tải lên; vui lòng thử lại "
                              "sau.");
    else
        eg_resp_err(r, rc == EG_ENOMEM ? EG_ENOMEM : EG_EIO, NULL);
    if (rc != EG_EINVAL && rc != EG_ETOOBIG && err)
        eg_warn("spool: %s (%s)", strerror(err), eg_req_path(r));
    eg_spool_release(s);
    return false;
}

/* ---- files ------------------------------------------------------------------------ */

static enum eg_err
file_new(struct eg_spool *s, const char *field, const char *filename, const char *ctype, int *err)
{
    struct eg_req *r = s->req;
    struct eg_arena *a = r->arena;
    if (s->nfiles == EG_UPLOAD_MAX_FILES)
        return EG_ETOOBIG;
    size_t i = s->nfiles;
    unsigned char rnd[8];
    char hex[17];
    if (eg_random(rnd, sizeof(rnd)) != EG_OK)
        return EG_EIO;
    eg_hex(rnd, sizeof(rnd), hex);
    snprintf(s->names[i], NAME_LEN, "egov-%ld-%s.up", (long)getpid(), hex);
    struct eg_upload_file *f = &s->files[i];
    memset(f, 0, sizeof(*f));
    f->path = eg_arena_printf(a, "%s/%s", r->srv->cfg.spool_dir, s->names[i]);
    f->field = field ? eg_arena_strdup(a, field) : NULL;
    f->filename = filename ? eg_arena_strdup(a, filename) : NULL;
    f->ctype = ctype ? eg_arena_strdup(a, ctype) : NULL;
    if (!f->path || (field && !f->field) || (filename && !f->filename) || (ctype && !f->ctype))
        return EG_ENOMEM;
    if (!s->md && !(s->md = EVP_MD_CTX_new()))
        return EG_ENOMEM;
    if (EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
        return EG_EINTERNAL;
    f->fd = openat(r->srv->spool_fd, s->names[i],
                   O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f->fd < 0) {
        *err = errno;
        return EG_EIO;
    }
    s->nfiles++;
    s->cur = (int)i;
    return EG_OK;
}

static enum eg_err
file_write(struct eg_spool *s, const char *p, size_t n, int *err)
{
    struct eg_upload_file *f = &s->files[s->cur];
    if (EVP_DigestUpdate(s->md, p, n) != 1)
        return EG_EINTERNAL;
    while (n > 0) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            *err = w < 0 ? errno : EIO;
            return EG_EIO;
        }
        p += w;
        n -= (size_t)w;
        f->size += (uint64_t)w;
    }
    return EG_OK;
}

static enum eg_err
file_end(struct eg_spool *s)
{
    struct eg_upload_file *f = &s->files[s->cur];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    s->cur = -1;
    if (EVP_DigestFinal_ex(s->md, md, &mdlen) != 1 || mdlen != 32)
        return EG_EINTERNAL;
    eg_hex(md, 32, f->sha256);
    return EG_OK;
}

/* Closes and removes file i (not taken). */
static void
file_drop(struct eg_spool *s, size_t i)
{
    if (s->taken[i])
        return;
    if (s->files[i].fd >= 0) {
        close(s->files[i].fd);
        s->files[i].fd = -1;
        if (unlinkat(s->req->srv->spool_fd, s->names[i], 0) != 0 && errno != ENOENT)
            eg_warn("spool: cannot remove %s: %s", s->files[i].path, strerror(errno));
    }
}

/* ---- multipart ---------------------------------------------------------------------- */

struct mp_ctx {
    struct eg_spool *s;
    int err;
    const char *why; /* a sentence for 400/413 */
};

static enum eg_err
mp_begin(void *ctx, const struct eg_mp_part *p)
{
    struct mp_ctx *c = ctx;
    struct eg_spool *s = c->s;
    bool en_ = en(s->req);
    if (p->filename) {
        enum eg_err rc = file_new(s, p->name, p->filename, p->ctype, &c->err);
        if (rc == EG_ETOOBIG)
            c->why = en_ ? "Too many files in one request." : "Quá nhiều tệp trong một yêu cầu.";
        return rc;
    }
    if (s->nfields == EG_UPLOAD_MAX_FIELDS) {
        c->why = en_ ? "Too many form fields." : "Biểu mẫu có quá nhiều trường.";
        return EG_ETOOBIG;
    }
    s->field_name = eg_arena_strdup(s->req->arena, p->name);
    if (!s->field_name)
        return EG_ENOMEM;
    eg_buf_release(&s->field);
    eg_buf_init(&s->field, EG_UPLOAD_FIELDS_MAX - s->field_bytes);
    s->in_field = true;
    return EG_OK;
}

static enum eg_err
mp_data(void *ctx, const char *p, size_t n)
{
    struct mp_ctx *c = ctx;
    struct eg_spool *s = c->s;
    if (!s->in_field)
        return file_write(s, p, n, &c->err);
    enum eg_err rc = eg_buf_add(&s->field, p, n);
    if (rc == EG_ETOOBIG)
        c->why = en(s->req) ? "The form's text fields are too long."
                            : "Các trường văn bản của biểu mẫu quá dài.";
    return rc;
}

/* A text field's value: UTF-8, CR LF and a lone CR as LF, no controls but tab and LF. */
static enum eg_err
field_value(struct eg_spool *s, char **out)
{
    size_t n = s->field.len;
    const char *v = eg_buf_str(&s->field);
    char *d = eg_arena_alloc(s->req->arena, n + 1);
    if (!d)
        return EG_ENOMEM;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch == '\r') {
            d[j++] = '\n';
            if (i + 1 < n && v[i + 1] == '\n')
                i++;
            continue;
        }
        if ((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f ||
            (ch == 0xc2 && i + 1 < n && (unsigned char)v[i + 1] <= 0x9f))
            return EG_EINVAL;
        d[j++] = (char)ch;
    }
    d[j] = '\0';
    if (!eg_utf8_valid(d, j))
        return EG_EINVAL;
    *out = d;
    return EG_OK;
}

static enum eg_err
mp_end(void *ctx)
{
    struct mp_ctx *c = ctx;
    struct eg_spool *s = c->s;
    if (!s->in_field) {
        size_t i = (size_t)s->cur;
        enum eg_err rc = file_end(s);
        /* An empty file input: filename="" and no bytes. */
        if (rc == EG_OK && s->files[i].size == 0 && s->files[i].filename &&
            !s->files[i].filename[0] && i + 1 == s->nfiles) {
            file_drop(s, i);
            s->nfiles--;
        }
        return rc;
    }
    s->in_field = false;
    char *value;
    enum eg_err rc = field_value(s, &value);
    if (rc == EG_EINVAL)
        c->why = en(s->req) ? "A form field is not valid UTF-8 text."
                            : "Một trường của biểu mẫu không phải văn bản UTF-8 hợp lệ.";
    if (rc != EG_OK)
        return rc;
    s->field_bytes += s->field.len;
    eg_buf_release(&s->field);
    s->fields[s->nfields].key = s->field_name;
    s->fields[s->nfields].value = value;
    s->nfields++;
    return EG_OK;
}

/* ---- the request's side ------------------------------------------------------------ */

bool
eg_spool_new(struct eg_req *r)
{
    struct eg_spool *s = eg_arena_zalloc(r->arena, sizeof(*s));
    if (!s) {
        eg_resp_err(r, EG_ENOMEM, NULL);
        return false;
    }
    s->req = r;
    s->cur = -1;
    for (size_t i = 0; i < EG_UPLOAD_MAX_FILES; i++)
        s->files[i].fd = -1;
    r->spool = s;
    return true;
}

bool
eg_spool_begin(struct eg_req *r, unsigned long long declared)
{
    struct eg_spool *s = r->spool;
    s->begun = true;
    if (r->srv->spool_fd < 0) {
        eg_warn("spool: no spool directory: %s refused", eg_req_path(r));
        return refuse(s, EG_EIO, 0, NULL);
    }
    /* Room for the whole body (the route's limit when not declared), and the reserve. */
    struct statvfs vfs;
    uint64_t need = (declared ? declared : r->body_max) + (uint64_t)r->srv->cfg.spool_reserve;
    if (fstatvfs(r->srv->spool_fd, &vfs) != 0)
        return refuse(s, EG_EIO, errno, NULL);
    if ((uint64_t)vfs.f_bavail * vfs.f_frsize < need) {
        eg_warn("spool: %llu bytes free, %llu needed: %s refused",
                (unsigned long long)vfs.f_bavail * vfs.f_frsize, (unsigned long long)need,
                eg_req_path(r));
        return refuse(s, EG_EIO, ENOSPC, NULL);
    }
    const char *ct = eg_req_header(r, "Content-Type");
    int err = 0;
    if (eg_mp_is_multipart(ct)) {
        struct mp_ctx *c = eg_arena_zalloc(r->arena, sizeof(*c));
        if (!c)
            return refuse(s, EG_ENOMEM, 0, NULL);
        c->s = s;
        struct eg_mp_handler h = {mp_begin, mp_data, mp_end, c};
        s->multipart = true;
        if (eg_mp_init(&s->mp, ct, &h) != EG_OK)
            return refuse(s, EG_EINVAL, 0, eg_mp_error(&s->mp));
        return true;
    }
    enum eg_err rc = file_new(s, NULL, NULL, ct, &err);
    if (rc != EG_OK)
        return refuse(s, rc, err, NULL);
    return true;
}

bool
eg_spool_feed(struct eg_req *r, const char *p, size_t n)
{
    struct eg_spool *s = r->spool;
    s->total += n;
    int err = 0;
    enum eg_err rc;
    if (!s->multipart)
        rc = file_write(s, p, n, &err);
    else {
        struct mp_ctx *c = s->mp.h.ctx;
        rc = eg_mp_feed(&s->mp, p, n);
        err = c->err;
        if (rc == EG_EINVAL || rc == EG_ETOOBIG)
            return refuse(s, rc, 0, c->why ? c->why : eg_mp_error(&s->mp));
    }
    if (rc != EG_OK)
        return refuse(s, rc, err, NULL);
    return true;
}

bool
eg_spool_end(struct eg_req *r)
{
    struct eg_spool *s = r->spool;
    if (s->begun && !s->multipart && file_end(s) != EG_OK)
        return refuse(s, EG_EINTERNAL, 0, NULL);
    if (s->begun && s->multipart && eg_mp_finish(&s->mp) != EG_OK)
        return refuse(s, EG_EINVAL, 0, eg_mp_error(&s->mp));
    s->up.multipart = s->multipart;
    s->up.files = s->files;
    s->up.nfiles = s->nfiles;
    s->up.fields = s->fields;
    s->up.nfields = s->nfields;
    s->done = true;
    return true;
}

void
eg_spool_release(struct eg_spool *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nfiles; i++)
        file_drop(s, i);
    s->nfiles = 0;
    s->done = false;
    s->cur = -1;
    EVP_MD_CTX_free(s->md);
    s->md = NULL;
    eg_buf_release(&s->field);
    if (s->multipart)
        eg_mp_release(&s->mp);
    s->multipart = false;
}

uint64_t
eg_spool_bytes(const struct eg_spool *s)
{
    return s ? s->total : 0;
}

/* ---- the handler's side ------------------------------------------------------------ */

const struct eg_upload *
eg_req_upload(const struct eg_req *r)
{
    return r->spool && r->spool->done ? &r->spool->up : NULL;
}

const char *
eg_upload_field(const struct eg_upload *u, const char *name)
{
    for (size_t i = 0; u && i < u->nfields; i++)
        if (strcmp(u->fields[i].key, name) == 0)
            return u->fields[i].value;
    return NULL;
}

enum eg_err
eg_req_upload_take(struct eg_req *r, size_t i)
{
    struct eg_spool *s = r->spool;
    if (!s || !s->done || i >= s->nfiles || s->taken[i])
        return EG_EINVAL;
    s->taken[i] = true;
    return EG_OK;
}
