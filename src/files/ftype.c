/*
 * ftype.c - a file's type from its first bytes, and the names it is stored
 * under. A name or a declared Content-Type is what the sender says; the
 * first bytes are what the file is, and only they decide.
 */
#include "files_int.h"

#include <string.h>
#include <strings.h>

static const struct {
    enum eg_ftype type;
    const char *mime, *ext, *label;
} types[] = {
    {EG_FTYPE_PDF, "application/pdf", "pdf", "PDF"},
    {EG_FTYPE_JPEG, "image/jpeg", "jpg", "JPEG"},
    {EG_FTYPE_PNG, "image/png", "png", "PNG"},
    {EG_FTYPE_XML, "application/xml", "xml", "XML"},
};

/* Extensions people give these types (lower case). */
static const struct {
    const char *ext;
    enum eg_ftype type;
} exts[] = {
    {"pdf", EG_FTYPE_PDF},  {"jpg", EG_FTYPE_JPEG},  {"jpeg", EG_FTYPE_JPEG},
    {"jpe", EG_FTYPE_JPEG}, {"jfif", EG_FTYPE_JPEG}, {"png", EG_FTYPE_PNG},
    {"xml", EG_FTYPE_XML},
};

enum eg_ftype
eg_ftype_detect(const void *head, size_t n)
{
    const unsigned char *p = head;
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    /* Only the first EG_FTYPE_HEAD bytes decide, however many the caller has (the store reads
     * no more): an XML declaration may not start inside them and end after them. */
    if (n > EG_FTYPE_HEAD)
        n = EG_FTYPE_HEAD;
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return EG_FTYPE_PDF;
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return EG_FTYPE_JPEG;
    if (n >= 8 && memcmp(p, png, 8) == 0)
        return EG_FTYPE_PNG;
    /* XML: a UTF-8 byte order mark, white space, then the declaration. */
    size_t i = 0;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (n >= i + 6 && memcmp(p + i, "<?xml", 5) == 0 &&
        (p[i + 5] == ' ' || p[i + 5] == '\t' || p[i + 5] == '\r' || p[i + 5] == '\n'))
        return EG_FTYPE_XML;
    return EG_FTYPE_NONE;
}

const char *
eg_ftype_mime(enum eg_ftype t)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(types); i++)
        if (types[i].type == t)
            return types[i].mime;
    return NULL;
}

enum eg_ftype
eg_ftype_of_mime(const char *mime)
{
    for (size_t i = 0; mime && i < EG_ARRAY_LEN(types); i++)
        if (strcmp(types[i].mime, mime) == 0)
            return types[i].type;
    return EG_FTYPE_NONE;
}

const char *
eg_ftype_ext(enum eg_ftype t)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(types); i++)
        if (types[i].type == t)
            return types[i].ext;
    return NULL;
}

enum eg_err
eg_ftype_parse(const char *list, unsigned *mask, struct eg_buf *msg)
{
    *mask = 0;
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        enum eg_ftype t = EG_FTYPE_NONE;
        for (size_t i = 0; i < EG_ARRAY_LEN(exts); i++)
            if (strlen(exts[i].ext) == n && strncasecmp(p, exts[i].ext, n) == 0)
                t = exts[i].type;
        if (t == EG_FTYPE_NONE) {
            /*
             * The name as given, at most 32 bytes cut on a character boundary and
             * invalid UTF-8 replaced: the sentence reaches clients in a JSON error,
             * which cannot hold half a character (jansson refuses it: a 500).
             */
            size_t k = n > 32 ? 32 : n;
            for (int j = 0; j < 3 && k > 0 && k < n && ((unsigned char)p[k] & 0xc0) == 0x80; j++)
                k--;
            eg_buf_reset(msg);
            enum eg_err rc = eg_buf_adds(msg, "Kiểu tệp \"");
            if (rc == EG_OK)
                rc = eg_utf8_sanitize(p, k, msg);
            if (rc == EG_OK)
                rc = eg_buf_adds(msg, "\" không được hỗ trợ; chỉ nhận pdf, jpeg, png, xml.");
            if (rc != EG_OK)
                eg_buf_reset(msg);
            return EG_EINVAL;
        }
        *mask |= (unsigned)t;
        p += n;
    }
    if (*mask == 0) {
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, "Danh sách kiểu tệp trống; hãy ghi ví dụ pdf,jpeg,png.") != EG_OK)
            eg_buf_reset(msg);
        return EG_EINVAL;
    }
    return EG_OK;
}

enum eg_err
eg_ftype_list_vi(unsigned mask, struct eg_buf *out)
{
    size_t n = 0, total = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(types); i++)
        total += (mask & (unsigned)types[i].type) != 0;
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < EG_ARRAY_LEN(types) && rc == EG_OK; i++) {
        if (!(mask & (unsigned)types[i].type))
            continue;
        n++;
        if (n > 1)
            rc = eg_buf_adds(out, n == total ? " hoặc " : ", ");
        if (rc == EG_OK)
            rc = eg_buf_adds(out, types[i].label);
    }
    return rc;
}

/* ---- stored names ------------------------------------------------------------------------ */

static enum eg_ftype
type_of_ext(const char *ext)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(exts); i++)
        if (strcasecmp(ext, exts[i].ext) == 0)
            return exts[i].type;
    return EG_FTYPE_NONE;
}

/* Length of the longest prefix of s[0..n) that ends on a UTF-8 character boundary. */
static size_t
utf8_cut(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

enum eg_err
eg_files_filename(const char *given, enum eg_ftype type, struct eg_buf *out)
{
    const char *ext = eg_ftype_ext(type);
    if (!ext)
        return EG_EINVAL;
    /* The last path component: old browsers send C:\...\scan.pdf. */
    const char *base = given ? given : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    /*
     * No control characters, and then NFC: removed after NFC, a control would
     * leave what it separated uncomposed ("Â", U+0085, a hook above would become
     * "Â" and a loose hook instead of "Ẩ"). Not UTF-8 (or absurdly long): the
     * name goes, the file stays.
     */
    size_t blen = strlen(base);
    struct eg_buf clean = EG_BUF_INIT(8192), nfc = EG_BUF_INIT(8192);
    enum eg_err rc = eg_utf8_valid(base, blen) ? EG_OK : EG_EINVAL;
    for (size_t i = 0; i < blen && rc == EG_OK; i++) {
        unsigned char c = (unsigned char)base[i];
        if (c == 0xc2 && i + 1 < blen && ((unsigned char)base[i + 1] & 0xe0) == 0x80) {
            i++; /* a C1 control: both of its bytes go */
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            continue;
        rc = eg_buf_addc(&clean, (char)c);
    }
    if (rc == EG_OK)
        rc = eg_text_nfc(eg_buf_str(&clean), clean.len, &nfc);
    eg_buf_release(&clean);
    if (rc != EG_OK)
        eg_buf_release(&nfc);
    /* White space and dots trimmed at the ends. */
    char name[EG_FILENAME_MAX * 4 + 1];
    size_t n = 0;
    for (const char *p = eg_buf_str(&nfc); *p && n + 1 < sizeof(name); p++)
        name[n++] = *p;
    name[n] = '\0';
    eg_buf_release(&nfc);
    size_t start = 0;
    while (start < n && (name[start] == ' ' || name[start] == '.'))
        start++;
    while (n > start && (name[n - 1] == ' ' || name[n - 1] == '.'))
        name[--n] = '\0';
    const char *stem = name + start;
    size_t stem_len = n - start;
    /* The extension it has, if any: kept when it names this type, replaced when another. */
    const char *dot = strrchr(stem, '.');
    if (dot && dot != stem) {
        enum eg_ftype has = type_of_ext(dot + 1);
        if (has == type) {
            ext = dot + 1;
            stem_len = (size_t)(dot - stem);
        } else if (has != EG_FTYPE_NONE) {
            stem_len = (size_t)(dot - stem);
        }
    }
    if (stem_len == 0) {
        stem = "tep-dinh-kem";
        stem_len = strlen(stem);
    }
    size_t room = EG_FILENAME_MAX - 1 - strlen(ext);
    if (stem_len > room)
        stem_len = utf8_cut(stem, room);
    eg_buf_reset(out);
    rc = eg_buf_add(out, stem, stem_len);
    if (rc == EG_OK)
        rc = eg_buf_addc(out, '.');
    if (rc == EG_OK)
        rc = eg_buf_adds(out, ext);
    return rc;
}
