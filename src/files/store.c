/*
 * store.c - blobs on disk: root/ab/cd/<sha256 hex>, read-only, written whole
 * before they get their name.
 *
 * Placing a blob: the source's bytes are fsynced, then the source file is
 * hard-linked under the blob's name (one atomic step that fails with EEXIST
 * when the blob is there already: stored once, never overwritten), and the
 * directory is fsynced. A hard link rather than a rename because the spool
 * file stays its producer's to remove (http removes it when the request ends)
 * and an existing blob is never replaced. When a link is impossible (the
 * source is on another filesystem, or has no name), the bytes are copied to
 * root/tmp, fsynced, renamed into place, and the directory fsynced. An fsync
 * that fails is an error, never retried into a success (RELIABILITY A5).
 */
#include "files_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define IO_CHUNK ((size_t)64 * 1024)

static enum eg_err
say(struct eg_buf *msg, const char *fmt, const char *a, const char *b)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_printf(msg, fmt, a, b ? b : "") != EG_OK)
            eg_buf_reset(msg);
    }
    return EG_EIO;
}

/* mkdir -p, each missing component 0700. */
static int
mkdirs(const char *dir)
{
    char path[1024];
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

enum eg_err
eg_files_open(const struct eg_files_config *c, struct eg_files **out, struct eg_buf *msg)
{
    *out = NULL;
    if (!c->root || !*c->root || strlen(c->root) >= sizeof(((struct eg_files *)0)->root))
        return say(msg, "the files directory is not set or too long%s%s", "", NULL);
    if (mkdirs(c->root) != 0)
        return say(msg, "cannot create the files directory %s: %s", c->root, strerror(errno));
    struct eg_files *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return EG_ENOMEM;
    snprintf(fs->root, sizeof(fs->root), "%s", c->root);
    fs->tmp_fd = -1;
    fs->root_fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fs->root_fd < 0) {
        enum eg_err rc =
            say(msg, "cannot open the files directory %s: %s", c->root, strerror(errno));
        free(fs);
        return rc;
    }
    if (mkdirat(fs->root_fd, "tmp", 0700) != 0 && errno != EEXIST) {
        eg_files_close(fs);
        return say(msg, "cannot create %s/tmp: %s", c->root, strerror(errno));
    }
    fs->tmp_fd = openat(fs->root_fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fs->tmp_fd < 0) {
        eg_files_close(fs);
        return say(msg, "cannot open %s/tmp: %s", c->root, strerror(errno));
    }
    struct stat a, b;
    if (c->spool_dir && stat(c->spool_dir, &a) == 0 && fstat(fs->root_fd, &b) == 0 &&
        a.st_dev != b.st_dev)
        eg_warn("files: the spool %s and the store %s are on different filesystems: uploads "
                "are copied into the store instead of linked",
                c->spool_dir, c->root);
    *out = fs;
    return EG_OK;
}

void
eg_files_close(struct eg_files *fs)
{
    if (!fs)
        return;
    if (fs->tmp_fd >= 0)
        close(fs->tmp_fd);
    if (fs->root_fd >= 0)
        close(fs->root_fd);
    free(fs);
}

bool
eg_files_hex_ok(const char *s)
{
    size_t i = 0;
    for (; s && s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == 64;
}

void
eg_files_blob_path(const char *hex, char *out, size_t n)
{
    snprintf(out, n, "%.2s/%.2s/%s", hex, hex + 2, hex);
}

enum eg_err
eg_files_hash_fd(int fd, char *hex, uint64_t *size)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char *buf = malloc(IO_CHUNK);
    enum eg_err rc = md && buf ? EG_OK : EG_ENOMEM;
    if (rc == EG_OK && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        rc = EG_EINTERNAL;
    uint64_t off = 0;
    while (rc == EG_OK) {
        ssize_t got = pread(fd, buf, IO_CHUNK, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            eg_warn("files: read error while hashing: %s", strerror(errno));
            rc = EG_EIO;
            break;
        }
        if (got == 0)
            break;
        if (EVP_DigestUpdate(md, buf, (size_t)got) != 1)
            rc = EG_EINTERNAL;
        off += (uint64_t)got;
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dn = 0;
    if (rc == EG_OK && (EVP_DigestFinal_ex(md, d, &dn) != 1 || dn != 32))
        rc = EG_EINTERNAL;
    if (rc == EG_OK) {
        eg_hex(d, 32, hex);
        *size = off;
    }
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

/* Opens root/ab/cd, creating ab and cd (and fsyncing their parents) when missing. */
static int
blob_dir(struct eg_files *fs, const char *hex)
{
    char a[3] = {hex[0], hex[1], '\0'}, b[3] = {hex[2], hex[3], '\0'};
    if (mkdirat(fs->root_fd, a, 0700) == 0) {
        if (fsync(fs->root_fd) != 0)
            return -1;
    } else if (errno != EEXIST) {
        return -1;
    }
    int da = openat(fs->root_fd, a, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (da < 0)
        return -1;
    if (mkdirat(da, b, 0700) == 0) {
        if (fsync(da) != 0) {
            close(da);
            return -1;
        }
    } else if (errno != EEXIST) {
        close(da);
        return -1;
    }
    int db = openat(da, b, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    close(da);
    return db;
}

static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copies fd to root/tmp, fsyncs it, renames it to dir/hex. */
static enum eg_err
place_copy(struct eg_files *fs, int fd, int dir, const char *hex)
{
    unsigned char rnd[8];
    char name[40], rh[17];
    if (eg_random(rnd, sizeof(rnd)) != EG_OK)
        return EG_EIO;
    eg_hex(rnd, sizeof(rnd), rh);
    snprintf(name, sizeof(name), "%s.tmp", rh);
    int out = openat(fs->tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (out < 0) {
        eg_warn("files: cannot create %s/tmp/%s: %s", fs->root, name, strerror(errno));
        return EG_EIO;
    }
    char *buf = malloc(IO_CHUNK);
    enum eg_err rc = buf ? EG_OK : EG_ENOMEM;
    for (off_t off = 0; rc == EG_OK;) {
        ssize_t got = pread(fd, buf, IO_CHUNK, off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0)
            break;
        if (got < 0 || write_all(out, buf, (size_t)got) != 0)
            rc = EG_EIO;
        off += got;
    }
    free(buf);
    if (rc == EG_OK && (fchmod(out, 0400) != 0 || fsync(out) != 0))
        rc = EG_EIO;
    if (rc == EG_OK && renameat(fs->tmp_fd, name, dir, hex) != 0)
        rc = EG_EIO;
    if (rc != EG_OK) {
        eg_warn("files: cannot copy blob %s into the store: %s", hex, strerror(errno));
        (void)unlinkat(fs->tmp_fd, name, 0);
    }
    close(out);
    return rc;
}

/* Puts the bytes of src under dir/hex (not there yet, or damaged). */
static enum eg_err
place(struct eg_files *fs, const struct eg_blob_src *src, int dir, const char *hex, bool replace)
{
    struct stat sf, sp;
    if (fsync(src->fd) != 0) {
        eg_warn("files: fsync of the file for blob %s failed: %s", hex, strerror(errno));
        return EG_EIO;
    }
    /* A link only to the very file we hashed, never over an existing blob. */
    bool link_ok = !replace && src->path && fstat(src->fd, &sf) == 0 && stat(src->path, &sp) == 0 &&
                   sf.st_dev == sp.st_dev && sf.st_ino == sp.st_ino;
    enum eg_err rc = EG_OK;
    if (link_ok) {
        (void)fchmod(src->fd, 0400);
        if (linkat(AT_FDCWD, src->path, dir, hex, 0) != 0 && errno != EEXIST)
            rc = place_copy(fs, src->fd, dir, hex);
    } else {
        rc = place_copy(fs, src->fd, dir, hex);
    }
    if (rc == EG_OK && fsync(dir) != 0) {
        eg_warn("files: fsync of the directory of blob %s failed: %s", hex, strerror(errno));
        rc = EG_EIO;
    }
    return rc;
}

/* Makes sure dir/hex holds size bytes of src; places or repairs it. */
static enum eg_err
ensure(struct eg_files *fs, const struct eg_blob_src *src, const char *hex, uint64_t size)
{
    int dir = blob_dir(fs, hex);
    if (dir < 0) {
        eg_warn("files: cannot create the directory of blob %s: %s", hex, strerror(errno));
        return EG_EIO;
    }
    struct stat st;
    enum eg_err rc = EG_OK;
    if (fstatat(dir, hex, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
            /* Damaged (verify would say so): the good copy replaces it. */
            eg_warn("files: blob %s on disk has %lld bytes, not %llu: replaced", hex,
                    (long long)st.st_size, (unsigned long long)size);
            rc = place(fs, src, dir, hex, true);
        }
    } else if (errno == ENOENT) {
        rc = place(fs, src, dir, hex, false);
    } else {
        eg_warn("files: cannot look at blob %s: %s", hex, strerror(errno));
        rc = EG_EIO;
    }
    close(dir);
    return rc;
}

static const char *
type_vi(enum eg_ftype t)
{
    switch (t) {
    case EG_FTYPE_PDF:
        return "tệp PDF";
    case EG_FTYPE_JPEG:
        return "ảnh JPEG";
    case EG_FTYPE_PNG:
        return "ảnh PNG";
    case EG_FTYPE_XML:
        return "tệp XML";
    case EG_FTYPE_NONE:
        break;
    }
    return "không xác định";
}

enum eg_err
eg_files_store(struct eg_files *fs, const struct eg_blob_src *src, unsigned accept,
               struct eg_blob *out, struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    if (accept == 0)
        accept = EG_FTYPE_SCANS;
    unsigned char head[EG_FTYPE_HEAD];
    ssize_t n;
    do
        n = pread(src->fd, head, sizeof(head), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        eg_warn("files: cannot read the file to store: %s", strerror(errno));
        return EG_EIO;
    }
    struct eg_buf want = EG_BUF_INIT(256);
    enum eg_err rc = eg_ftype_list_vi(accept, &want);
    enum eg_ftype t = eg_ftype_detect(head, (size_t)n);
    if (rc == EG_OK && n == 0) {
        eg_buf_reset(msg);
        rc = eg_buf_adds(msg, "Tệp rỗng (0 byte); hãy chọn lại tệp cần nộp.");
        rc = rc == EG_OK ? EG_EINVAL : rc;
    } else if (rc == EG_OK && !(accept & (unsigned)t)) {
        eg_buf_reset(msg);
        if (t != EG_FTYPE_NONE)
            rc = eg_buf_printf(msg,
                               "Tệp không được chấp nhận: nội dung của tệp là %s, ở đây chỉ nhận "
                               "%s (tên tệp và kiểu khai báo không quyết định loại tệp).",
                               type_vi(t), eg_buf_str(&want));
        else
            rc = eg_buf_printf(msg,
                               "Tệp không được chấp nhận: nội dung của tệp không phải %s (tên "
                               "tệp và kiểu khai báo không quyết định loại tệp).",
                               eg_buf_str(&want));
        rc = rc == EG_OK ? EG_EINVAL : rc;
    }
    eg_buf_release(&want);
    if (rc != EG_OK)
        return rc;
    rc = eg_files_hash_fd(src->fd, out->sha256, &out->size);
    if (rc != EG_OK)
        return rc;
    if (src->sha256 && strcmp(src->sha256, out->sha256) != 0) {
        eg_warn("files: the file to store hashes to %s, its producer said %.64s", out->sha256,
                src->sha256);
        return EG_EIO;
    }
    out->type = t;
    return ensure(fs, src, out->sha256, out->size);
}

enum eg_err
eg_files_settle(struct eg_files *fs, const struct eg_blob_src *src, const struct eg_blob *b)
{
    return ensure(fs, src, b->sha256, b->size);
}

enum eg_err
eg_files_open_blob(struct eg_files *fs, const char *sha256, int *fd, uint64_t *size)
{
    *fd = -1;
    *size = 0;
    if (!eg_files_hex_ok(sha256))
        return EG_ENOTFOUND;
    char rel[80];
    eg_files_blob_path(sha256, rel, sizeof(rel));
    int f = openat(fs->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0) {
        if (errno == ENOENT) {
            eg_error("files: blob %s is missing from %s (run egov files verify)", sha256, fs->root);
            return EG_ENOTFOUND;
        }
        eg_warn("files: cannot open blob %s: %s", sha256, strerror(errno));
        return EG_EIO;
    }
    struct stat st;
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(f);
        return EG_EIO;
    }
    *fd = f;
    *size = (uint64_t)st.st_size;
    return EG_OK;
}
