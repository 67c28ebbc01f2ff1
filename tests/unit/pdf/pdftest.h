/*
 * pdftest.h - what the PDF tests share: reading a rendered PDF back with
 * poppler-utils (pdftotext, pdfinfo), text normalised for comparison.
 *
 * The tools read a temporary file the test writes and removes (the writer
 * itself never touches files). When poppler-utils is missing the tests that
 * need it are skipped with a message saying so.
 */
#ifndef EG_PDFTEST_H
#define EG_PDFTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

/* Is an executable called tool on PATH? */
static inline bool
pdftest_have(const char *tool)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/bin:/bin";
    char dir[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n < sizeof(dir) - 64) {
            snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, path, tool);
            if (access(dir, X_OK) == 0)
                return true;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

/* True when pdftotext and pdfinfo are there; otherwise says why the test is skipped. */
static inline bool
pdftest_tools(void)
{
    if (pdftest_have("pdftotext") && pdftest_have("pdfinfo"))
        return true;
    fprintf(stderr, "pdftest: pdftotext/pdfinfo not found: install poppler-utils "
                    "(scripts/install-deps.sh test); skipping the text checks\n");
    return false;
}

/*
 * Runs "tool ARGS file [-]" on the PDF and returns its standard output
 * (malloc'ed, NUL-terminated), or NULL.
 */
static inline char *
pdftest_run(const char *tool, const char *args, const struct eg_buf *pdf)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/egov-pdftest-XXXXXX", tmp != NULL ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    size_t off = 0;
    while (off < pdf->len) {
        ssize_t w = write(fd, pdf->p + off, pdf->len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s %s '%s' %s 2>/dev/null", tool, args, path,
             strcmp(tool, "pdftotext") == 0 ? "-" : "");
    char *out = NULL;
    FILE *p = off == pdf->len ? popen(cmd, "r") : NULL;
    if (p != NULL) {
        struct eg_buf b = EG_BUF_INIT((size_t)64 << 20);
        char chunk[8192];
        bool ok = true;
        for (;;) {
            size_t n = fread(chunk, 1, sizeof(chunk), p);
            if (n == 0)
                break;
            ok = ok && eg_buf_add(&b, chunk, n) == EG_OK;
        }
        int st = pclose(p);
        if (ok && st == 0 && b.p != NULL)
            out = eg_buf_take(&b);
        eg_buf_release(&b);
    }
    unlink(path);
    return out;
}

/* Runs of white space (new lines, form feeds) become one space: wrapping moves line ends. */
static inline void
pdftest_squash(char *s)
{
    char *w = s;
    bool space = true;
    for (const char *r = s; *r; r++) {
        bool ws = *r == ' ' || *r == '\n' || *r == '\t' || *r == '\r' || *r == '\f';
        if (ws) {
            if (!space)
                *w++ = ' ';
            space = true;
        } else {
            *w++ = *r;
            space = false;
        }
    }
    if (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

/* pdftest_text() of pdftotext with these arguments (pages: "-f 2 -l 2"). */
static inline char *
pdftest_text_args(const struct eg_buf *pdf, const char *args)
{
    char *raw = pdftest_run("pdftotext", args, pdf);
    if (raw == NULL)
        return NULL;
    struct eg_buf b = EG_BUF_INIT((size_t)256 << 20);
    char *out = NULL;
    if (eg_text_nfc(raw, strlen(raw), &b) == EG_OK && b.p != NULL)
        out = eg_buf_take(&b);
    eg_buf_release(&b);
    free(raw);
    if (out != NULL)
        pdftest_squash(out);
    return out;
}

/*
 * The text of the PDF in drawing order, NFC and squashed (malloc'ed), or NULL.
 * -raw: in its layout mode pdftotext drops evenly spaced spaces ("a b c").
 */
static inline char *
pdftest_text(const struct eg_buf *pdf)
{
    return pdftest_text_args(pdf, "-q -raw -enc UTF-8");
}

/* The text of one page (from 1), as pdftest_text(). */
static inline char *
pdftest_page_text(const struct eg_buf *pdf, int page)
{
    char args[96];
    snprintf(args, sizeof(args), "-q -raw -enc UTF-8 -f %d -l %d", page, page);
    return pdftest_text_args(pdf, args);
}

/* True when pdftoppm and zbarimg (zbar-tools) are there; otherwise says why not. */
static inline bool
pdftest_qr_tools(void)
{
    if (pdftest_have("pdftoppm") && pdftest_have("zbarimg"))
        return true;
    fprintf(stderr, "pdftest: pdftoppm/zbarimg not found: install poppler-utils and zbar-tools "
                    "(scripts/install-deps.sh test); skipping the QR decoding checks\n");
    return false;
}

/*
 * The QR codes on one page (from 1) as zbarimg reads them from the page
 * rasterised at dpi: their texts, one per line without the last line end
 * (malloc'ed), or NULL when none was found or a tool failed.
 */
static inline char *
pdftest_qr(const struct eg_buf *pdf, int page, int dpi)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/egov-qrtest-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return NULL;
    char path[600];
    snprintf(path, sizeof(path), "%s/doc.pdf", dir);
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(pdf->p, 1, pdf->len, f) == pdf->len;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "pdftoppm -q -r %d -f %d -l %d -singlefile -png '%s' '%s/page' 2>/dev/null && "
             "zbarimg -q --raw '%s/page.png' 2>/dev/null",
             dpi, page, page, path, dir, dir);
    char *out = NULL;
    FILE *p = ok ? popen(cmd, "r") : NULL;
    if (p != NULL) {
        struct eg_buf b = EG_BUF_INIT((size_t)1 << 20);
        char chunk[4096];
        for (;;) {
            size_t n = fread(chunk, 1, sizeof(chunk), p);
            if (n == 0)
                break;
            ok = ok && eg_buf_add(&b, chunk, n) == EG_OK;
        }
        int st = pclose(p);
        while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == '\r'))
            b.p[--b.len] = '\0';
        if (ok && st == 0 && b.len > 0)
            out = eg_buf_take(&b);
        eg_buf_release(&b);
    }
    unlink(path);
    snprintf(path, sizeof(path), "%s/page.png", dir);
    unlink(path);
    rmdir(dir);
    return out;
}

/* Writes the PDF to $EGOV_PDF_OUT/name when that is set (for a person to look at). */
static inline void
pdftest_keep(const struct eg_buf *pdf, const char *name)
{
    const char *dir = getenv("EGOV_PDF_OUT");
    if (dir == NULL || *dir == '\0')
        return;
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    if (fwrite(pdf->p, 1, pdf->len, f) != pdf->len)
        fprintf(stderr, "pdftest: could not write %s\n", path);
    fclose(f);
}

/* The page count pdfinfo reads, or -1. */
static inline int
pdftest_pages(const struct eg_buf *pdf)
{
    char *info = pdftest_run("pdfinfo", "", pdf);
    if (info == NULL)
        return -1;
    int pages = -1;
    const char *p = strstr(info, "\nPages:");
    if (p != NULL)
        pages = (int)strtol(p + 7, NULL, 10);
    free(info);
    return pages;
}

/* The value of a pdfinfo field ("Title"), malloc'ed, or NULL. */
static inline char *
pdftest_info(const struct eg_buf *pdf, const char *field)
{
    char *info = pdftest_run("pdfinfo", "-enc UTF-8", pdf);
    if (info == NULL)
        return NULL;
    char key[64];
    snprintf(key, sizeof(key), "%s:", field);
    char *out = NULL;
    for (char *line = info; line != NULL && *line;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (strncmp(line, key, strlen(key)) == 0) {
            const char *v = line + strlen(key);
            while (*v == ' ')
                v++;
            out = strdup(v);
            break;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    free(info);
    return out;
}

/* Does the PDF start with %PDF- and end with %%EOF (and a line end)? */
static inline bool
pdftest_framed(const struct eg_buf *pdf)
{
    if (pdf->len < 16 || memcmp(pdf->p, "%PDF-", 5) != 0)
        return false;
    size_t end = pdf->len;
    while (end > 0 && (pdf->p[end - 1] == '\n' || pdf->p[end - 1] == '\r'))
        end--;
    return end >= 5 && memcmp(pdf->p + end - 5, "%%EOF", 5) == 0;
}

#endif /* EG_PDFTEST_H */
