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

/*
 * The text of the PDF in drawing order, NFC and squashed (malloc'ed), or NULL.
 * -raw: in its layout mode pdftotext drops evenly spaced spaces ("a b c").
 */
static inline char *
pdftest_text(const struct eg_buf *pdf)
{
    char *raw = pdftest_run("pdftotext", "-q -raw -enc UTF-8", pdf);
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
