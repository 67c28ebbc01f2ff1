/*
 * fuzz_ftype.c - a file's type by its first bytes, the accept list of a form
 * field or of POST /api/v1/files?accept=, and the name a file is stored under
 * (src/files/ftype.c).
 *
 * The first byte chooses the type for eg_files_filename (its value modulo 4:
 * PDF, JPEG, PNG, XML); the rest is the input of all three functions.
 *
 * Invariants:
 *  - eg_ftype_detect agrees with a model of the signatures (%PDF-, FF D8 FF,
 *    the PNG signature, an optional UTF-8 BOM and white space before "<?xml"
 *    and white space) and reads at most EG_FTYPE_HEAD bytes: more input never
 *    changes its answer; a detected type has a MIME name that maps back to it
 *    and an extension;
 *  - eg_ftype_parse accepts exactly the lists of known names (pdf, jpg, jpeg,
 *    jpe, jfif, png, xml, in any case) separated by spaces and commas, with at
 *    least one name, and gives their mask; a refusal says why in a non-empty,
 *    valid UTF-8 sentence (it reaches clients in a JSON error);
 *  - eg_files_filename always gives a name: valid UTF-8, NFC, no C0, DEL or C1
 *    control, no '/' or '\', at most EG_FILENAME_MAX bytes, not starting with
 *    a space or a dot, a non-empty stem and an extension naming the type; it
 *    is idempotent, and leaves a name that is already such a name unchanged.
 */
#include "fuzz.h"

#include "files/files.h"

#include <strings.h>

static const enum eg_ftype all_types[] = {EG_FTYPE_PDF, EG_FTYPE_JPEG, EG_FTYPE_PNG, EG_FTYPE_XML};

/* The names files.h documents (pdf, jpg, jpeg, png, xml) and the JPEG's jpe and jfif. */
static enum eg_ftype
model_ext(const char *s, size_t n)
{
    static const struct {
        const char *ext;
        enum eg_ftype t;
    } exts[] = {{"pdf", EG_FTYPE_PDF},  {"jpg", EG_FTYPE_JPEG},  {"jpeg", EG_FTYPE_JPEG},
                {"jpe", EG_FTYPE_JPEG}, {"jfif", EG_FTYPE_JPEG}, {"png", EG_FTYPE_PNG},
                {"xml", EG_FTYPE_XML}};
    for (size_t i = 0; i < EG_ARRAY_LEN(exts); i++)
        if (strlen(exts[i].ext) == n && strncasecmp(s, exts[i].ext, n) == 0)
            return exts[i].t;
    return EG_FTYPE_NONE;
}

static bool
ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static enum eg_ftype
model_detect(const unsigned char *p, size_t n)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    if (n > EG_FTYPE_HEAD)
        n = EG_FTYPE_HEAD;
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return EG_FTYPE_PDF;
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return EG_FTYPE_JPEG;
    if (n >= 8 && memcmp(p, png, 8) == 0)
        return EG_FTYPE_PNG;
    size_t i = n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf ? 3 : 0;
    while (i < n && ws(p[i]))
        i++;
    if (i + 6 <= n && memcmp(p + i, "<?xml", 5) == 0 && ws(p[i + 5]))
        return EG_FTYPE_XML;
    return EG_FTYPE_NONE;
}

static void
check_detect(const uint8_t *p, size_t n)
{
    enum eg_ftype t = eg_ftype_detect(p, n);
    FUZZ_CHECK(t == model_detect(p, n));
    /* Only the first EG_FTYPE_HEAD bytes decide (the store reads no more). */
    FUZZ_CHECK(t == eg_ftype_detect(p, n < EG_FTYPE_HEAD ? n : EG_FTYPE_HEAD));
    if (t == EG_FTYPE_NONE) {
        FUZZ_CHECK(eg_ftype_mime(t) == NULL && eg_ftype_ext(t) == NULL);
        return;
    }
    FUZZ_CHECK(eg_ftype_of_mime(eg_ftype_mime(t)) == t);
    const char *ext = eg_ftype_ext(t);
    FUZZ_CHECK(ext != NULL && model_ext(ext, strlen(ext)) == t);
}

static void
check_parse(const char *s)
{
    /* The model: names separated by spaces and commas. */
    unsigned want = 0;
    bool ok = true;
    for (const char *p = s; *p && ok;) {
        size_t k = strcspn(p, " ,");
        if (k == 0) {
            p++;
            continue;
        }
        enum eg_ftype t = model_ext(p, k);
        ok = t != EG_FTYPE_NONE;
        want |= (unsigned)t;
        p += k;
    }
    ok = ok && want != 0;

    unsigned mask = 0xdead;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_ftype_parse(s, &mask, &msg);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    FUZZ_CHECK((rc == EG_OK) == ok);
    if (rc == EG_OK) {
        FUZZ_CHECK(mask == want);
        FUZZ_CHECK((mask & ~(unsigned)EG_FTYPE_ALL) == 0);
    } else {
        FUZZ_CHECK(msg.len > 0);
        FUZZ_CHECK(eg_utf8_valid(msg.p, msg.len));
    }
    eg_buf_release(&msg);
}

/* No C0 control, DEL or C1 control (U+0080..U+009F, C2 80..C2 9F in UTF-8). */
static bool
no_controls(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f)
            return false;
    }
    return true;
}

/* A name eg_files_filename gives for type t: the properties of files.h. */
static bool
is_stored_name(const char *s, size_t n, enum eg_ftype t)
{
    if (n == 0 || n > EG_FILENAME_MAX || !eg_utf8_valid(s, n) || !no_controls(s, n) ||
        memchr(s, '/', n) || memchr(s, '\\', n) || s[0] == ' ' || s[0] == '.')
        return false;
    const char *dot = strrchr(s, '.');
    return dot && dot != s && model_ext(dot + 1, strlen(dot + 1)) == t && eg_text_is_nfc(s, n);
}

static void
check_filename(const char *given, enum eg_ftype t)
{
    struct eg_buf out = EG_BUF_INIT(EG_FILENAME_MAX + 1);
    FUZZ_CHECK(eg_files_filename(given, t, &out) == EG_OK);
    FUZZ_CHECK(out.len == strlen(eg_buf_str(&out)));
    FUZZ_CHECK(is_stored_name(out.p, out.len, t));

    /* Idempotent: a stored name stays as it is. */
    struct eg_buf again = EG_BUF_INIT(EG_FILENAME_MAX + 1);
    FUZZ_CHECK(eg_files_filename(out.p, t, &again) == EG_OK);
    FUZZ_CHECK(fuzz_buf_eq(&out, &again));
    eg_buf_release(&again);

    /* A given name that is already a good one is kept. */
    size_t n = strlen(given);
    if (is_stored_name(given, n, t))
        FUZZ_CHECK(out.len == n && memcmp(out.p, given, n) == 0);
    eg_buf_release(&out);

    /* No type: refused. */
    struct eg_buf none = EG_BUF_INIT(EG_FILENAME_MAX + 1);
    FUZZ_CHECK(eg_files_filename(given, EG_FTYPE_NONE, &none) == EG_EINVAL);
    eg_buf_release(&none);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        check_detect(data, 0);
        check_parse("");
        check_filename("", EG_FTYPE_PDF);
        struct eg_buf out = EG_BUF_INIT(EG_FILENAME_MAX + 1);
        FUZZ_CHECK(eg_files_filename(NULL, EG_FTYPE_PNG, &out) == EG_OK);
        FUZZ_CHECK(strcmp(eg_buf_str(&out), "tep-dinh-kem.png") == 0);
        eg_buf_release(&out);
        return 0;
    }
    enum eg_ftype t = all_types[data[0] % 4];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    check_detect(p, n);
    char *s = fuzz_cstr(p, n);
    check_parse(s);
    check_filename(s, t);
    free(s);
    return 0;
}
