/*
 * ldap.c - staff sign-in by LDAP bind, and the directory's one-way export to LDAP
 * (directory.h, "LDAP"; docs/ldap.md).
 *
 * Every call opens one connection with the configured timeouts and TLS settings and
 * unbinds before it returns; nothing is shared between calls or threads. Passwords
 * (the person's and the service account's) only ever go into a simple bind's
 * credentials: never into a message, a log line or a filter.
 */
#include "directory.h"

#include <ldap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_FILTER "(&(objectClass=inetOrgPerson)(uid=%s))"
#define LOGIN_MAX 256
#define DENIED "the login or the password is wrong"
#define PEOPLE_DESC "Cán bộ chưa được phân công vào đơn vị nào (egov)"
#define ARENA_MAX ((size_t)512 << 20)

static enum eg_err say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...) EG_PRINTF(3, 4);

/* msg (if any) becomes the sentence; returns rc so callers can `return say(...)`. */
static enum eg_err
say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
{
    if (!msg)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    eg_buf_reset(msg);
    if (eg_buf_vprintf(msg, fmt, ap) != EG_OK)
        eg_buf_reset(msg);
    va_end(ap);
    return rc;
}

/* ---- settings ---------------------------------------------------------------------- */

void
eg_ldap_config_defaults(struct eg_ldap_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->user_filter, sizeof(c->user_filter), "%s", DEFAULT_FILTER);
    c->connect_timeout_ms = 5000;
    c->timeout_ms = 10000;
    c->page_size = 500;
}

bool
eg_ldap_enabled(const struct eg_ldap_config *c)
{
    return c && c->url[0] != '\0';
}

static bool
dn_valid(const char *s)
{
    LDAPDN dn = NULL;
    if (ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
        return false;
    ldap_dnfree(dn);
    return true;
}

/* Calls fn on each space-separated URL of list; false as soon as one says so. */
static bool
each_url(const char *list, bool (*fn)(const LDAPURLDesc *u, void *arg), void *arg)
{
    char one[EG_LDAP_STR];
    const char *p = list;
    bool any = false;
    while (*p) {
        size_t skip = strspn(p, " \t");
        p += skip;
        size_t n = strcspn(p, " \t");
        if (n == 0)
            break;
        if (n >= sizeof(one))
            return false;
        memcpy(one, p, n);
        one[n] = '\0';
        p += n;
        LDAPURLDesc *u = NULL;
        if (ldap_url_parse(one, &u) != LDAP_URL_SUCCESS)
            return false;
        bool ok = fn(u, arg);
        ldap_free_urldesc(u);
        if (!ok)
            return false;
        any = true;
    }
    return any;
}

/* scheme://host:port and nothing more: a DN, attributes or a filter here is a mistake. */
static bool
url_plain(const LDAPURLDesc *u, void *arg)
{
    (void)arg;
    bool scheme = strcasecmp(u->lud_scheme, "ldap") == 0 ||
                  strcasecmp(u->lud_scheme, "ldaps") == 0 ||
                  strcasecmp(u->lud_scheme, "ldapi") == 0;
    return scheme && (!u->lud_dn || !*u->lud_dn) && !u->lud_attrs && !u->lud_filter && !u->lud_exts;
}

static bool
url_not_ldaps(const LDAPURLDesc *u, void *arg)
{
    (void)arg;
    return strcasecmp(u->lud_scheme, "ldaps") != 0;
}

/* Passwords may travel in clear only over a Unix socket or to this machine. */
static bool
url_private(const LDAPURLDesc *u, void *arg)
{
    (void)arg;
    if (strcasecmp(u->lud_scheme, "ldapi") == 0 || strcasecmp(u->lud_scheme, "ldaps") == 0)
        return true;
    const char *h = u->lud_host ? u->lud_host : "";
    return *h == '\0' || strcmp(h, "localhost") == 0 || strcmp(h, "::1") == 0 ||
           strncmp(h, "127.", 4) == 0;
}

/* "(...)" with balanced parentheses and at least one "%s"; escaped values use \28 \29. */
static bool
filter_valid(const char *f)
{
    size_t n = strlen(f);
    if (n < 2 || f[0] != '(' || f[n - 1] != ')' || !strstr(f, "%s"))
        return false;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i] == '(')
            depth++;
        else if (f[i] == ')' && --depth < 0)
            return false;
        else if (f[i] == '%' && f[i + 1] != 's')
            return false;
        if (depth == 0 && i + 1 < n)
            return false;
    }
    return depth == 0;
}

static enum eg_err
set_flag(bool *dst, const char *key, const char *v, const char *origin, struct eg_buf *msg)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
        strcmp(v, "on") == 0)
        *dst = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0 ||
             strcmp(v, "off") == 0)
        *dst = false;
    else
        return say(msg, EG_EINVAL, "%s: %s: expected true or false", origin, key);
    return EG_OK;
}

static enum eg_err
set_timeout(long long *dst, const char *key, const char *v, const char *origin, struct eg_buf *msg)
{
    long long ms;
    if (eg_parse_duration_ms(v, &ms) != EG_OK || ms < 100 || ms > 600000)
        return say(msg, EG_EINVAL, "%s: %s: expected a duration from 100ms to 10m", origin, key);
    *dst = ms;
    return EG_OK;
}

enum eg_err
eg_ldap_config_set(struct eg_ldap_config *c, const char *key, const char *v, const char *origin,
                   struct eg_buf *msg)
{
    enum check { PLAIN, URL, DN, FILTER };
    static const struct {
        const char *key;
        size_t off, cap;
        enum check check;
    } strs[] = {
        {"ldap_url", offsetof(struct eg_ldap_config, url), EG_LDAP_STR, URL},
        {"ldap_ca_file", offsetof(struct eg_ldap_config, ca_file), EG_LDAP_STR, PLAIN},
        {"ldap_bind_dn", offsetof(struct eg_ldap_config, bind_dn), EG_LDAP_STR, DN},
        {"ldap_bind_password", offsetof(struct eg_ldap_config, bind_password), 256, PLAIN},
        {"ldap_user_base", offsetof(struct eg_ldap_config, user_base), EG_LDAP_STR, DN},
        {"ldap_user_filter", offsetof(struct eg_ldap_config, user_filter), EG_LDAP_STR, FILTER},
        {"ldap_export_base", offsetof(struct eg_ldap_config, export_base), EG_LDAP_STR, DN},
    };
    if (strcmp(key, "ldap_starttls") == 0)
        return set_flag(&c->starttls, key, v, origin, msg);
    if (strcmp(key, "ldap_allow_plaintext") == 0)
        return set_flag(&c->allow_plaintext, key, v, origin, msg);
    if (strcmp(key, "ldap_connect_timeout") == 0)
        return set_timeout(&c->connect_timeout_ms, key, v, origin, msg);
    if (strcmp(key, "ldap_timeout") == 0)
        return set_timeout(&c->timeout_ms, key, v, origin, msg);
    for (size_t i = 0; i < EG_ARRAY_LEN(strs); i++) {
        if (strcmp(key, strs[i].key) != 0)
            continue;
        size_t n = strlen(v);
        const char *why = NULL;
        if (n == 0)
            why = "must not be empty";
        else if (n >= strs[i].cap)
            why = "is too long";
        else if (!eg_utf8_valid(v, n))
            why = "is not valid UTF-8";
        else if (strs[i].check == URL && !each_url(v, url_plain, NULL))
            why = "expected ldap://HOST:PORT, ldaps://HOST:PORT or ldapi:// (several may be "
                  "given, separated by spaces)";
        else if (strs[i].check == DN && !dn_valid(v))
            why = "is not a distinguished name (RFC 4514)";
        else if (strs[i].check == FILTER && !filter_valid(v))
            why = "expected one parenthesised LDAP filter containing %s, like " DEFAULT_FILTER;
        if (why)
            return say(msg, EG_EINVAL, "%s: %s: %s", origin, key, why);
        memcpy((char *)c + strs[i].off, v, n + 1);
        return EG_OK;
    }
    return EG_ENOTFOUND;
}

/* Normalised DN for comparing (LDAPv3 string form, ASCII lower-cased); NULL if invalid. */
static char *
dn_norm(struct eg_arena *a, const char *s)
{
    LDAPDN dn = NULL;
    char *str = NULL;
    if (ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
        return NULL;
    int lrc = ldap_dn2str(dn, &str, LDAP_DN_FORMAT_LDAPV3);
    ldap_dnfree(dn);
    if (lrc != LDAP_SUCCESS || !str)
        return NULL;
    char *out = eg_arena_strdup(a, str);
    ldap_memfree(str);
    for (char *p = out; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

/* Whether normalised DN a is b or below it. */
static bool
dn_within(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (nb == 0)
        return true;
    if (na < nb || strcmp(a + na - nb, b) != 0)
        return false;
    return na == nb || a[na - nb - 1] == ',';
}

enum eg_err
eg_ldap_config_check(const struct eg_ldap_config *c, bool for_export, struct eg_buf *msg)
{
    if (!eg_ldap_enabled(c))
        return say(msg, EG_EINVAL, "LDAP is not configured (set ldap_url)");
    if (c->starttls && !each_url(c->url, url_not_ldaps, NULL))
        return say(msg, EG_EINVAL, "ldap_starttls is for ldap:// URLs; ldaps:// is TLS already");
    if (!c->starttls && !c->allow_plaintext && !each_url(c->url, url_private, NULL))
        return say(msg, EG_EINVAL,
                   "ldap_url: passwords would cross the network in clear; use ldaps://, set "
                   "ldap_starttls = true, or (for a trusted network only) ldap_allow_plaintext "
                   "= true");
    if (c->ca_file[0] && access(c->ca_file, R_OK) != 0)
        return say(msg, EG_EINVAL, "ldap_ca_file: cannot read %s", c->ca_file);
    if (c->bind_dn[0] && !c->bind_password[0])
        return say(msg, EG_EINVAL, "ldap_bind_dn is set but ldap_bind_password is not");
    if (c->timeout_ms <= 0 || c->connect_timeout_ms <= 0)
        return say(msg, EG_EINVAL, "LDAP timeouts must be positive");
    if (!for_export) {
        if (!c->user_base[0])
            return say(msg, EG_EINVAL, "sign-in by LDAP needs ldap_user_base");
        if (!filter_valid(c->user_filter))
            return say(msg, EG_EINVAL, "ldap_user_filter is not a filter containing %%s");
        return EG_OK;
    }
    if (!c->export_base[0])
        return say(msg, EG_EINVAL, "export to LDAP needs ldap_export_base");
    if (!c->bind_dn[0])
        return say(msg, EG_EINVAL, "export to LDAP needs ldap_bind_dn (a service account)");
    if (!c->user_base[0])
        return EG_OK;
    struct eg_arena *a = eg_arena_new(4096, 1 << 20);
    if (!a)
        return EG_ENOMEM;
    const char *eb = dn_norm(a, c->export_base), *ub = dn_norm(a, c->user_base);
    enum eg_err rc = EG_OK;
    if (!eb || !ub)
        rc = say(msg, EG_EINVAL, "ldap_export_base or ldap_user_base is not a DN");
    else if (dn_within(eb, ub) || dn_within(ub, eb))
        rc = say(msg, EG_EINVAL,
                 "ldap_export_base must not contain ldap_user_base or sit inside it: export "
                 "deletes the entries it does not own there");
    eg_arena_free(a);
    return rc;
}

/* ---- escaping ---------------------------------------------------------------------- */

enum eg_err
eg_ldap_filter_escape(const char *s, size_t n, struct eg_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        enum eg_err rc;
        if (ch < 0x20 || ch >= 0x7f || ch == '*' || ch == '(' || ch == ')' || ch == '\\') {
            char e[3] = {'\\', hex[ch >> 4], hex[ch & 15]};
            rc = eg_buf_add(out, e, sizeof(e));
        } else {
            rc = eg_buf_addc(out, (char)ch);
        }
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

/* An attribute value for a DN string (RFC 4514 §2.4), into the arena. */
static char *
rdn_escape(struct eg_arena *a, const char *s)
{
    size_t n = strlen(s);
    char *out = eg_arena_alloc(a, 3 * n + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool edge = (i == 0 && (ch == ' ' || ch == '#')) || (i == n - 1 && ch == ' ');
        if (edge || ch < 0x20 || ch == 0x7f || strchr("\"+,;<>\\=", ch)) {
            o += snprintf(o, 4, "\\%02x", ch);
        } else {
            *o++ = (char)ch;
        }
    }
    *o = '\0';
    return out;
}

/* "%s" in the filter template becomes the escaped login, every time it appears. */
static enum eg_err
build_filter(const char *tmpl, const char *login, struct eg_buf *out)
{
    enum eg_err rc = EG_OK;
    for (const char *p = tmpl; *p && rc == EG_OK; p++) {
        if (p[0] == '%' && p[1] == 's') {
            rc = eg_ldap_filter_escape(login, strlen(login), out);
            p++;
        } else {
            rc = eg_buf_addc(out, *p);
        }
    }
    return rc;
}

/* ---- connections ------------------------------------------------------------------- */

static enum eg_err
map_ldap(int lrc)
{
    switch (lrc) {
    case LDAP_SUCCESS:
        return EG_OK;
    case LDAP_SERVER_DOWN:
    case LDAP_CONNECT_ERROR:
    case LDAP_TIMEOUT:
    case LDAP_TIMELIMIT_EXCEEDED:
    case LDAP_BUSY:
    case LDAP_UNAVAILABLE:
        return EG_EUNAVAIL;
    case LDAP_NO_MEMORY:
        return EG_ENOMEM;
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_UNWILLING_TO_PERFORM:
        return EG_EFORBIDDEN;
    case LDAP_NO_SUCH_OBJECT:
        return EG_ENOTFOUND;
    case LDAP_ALREADY_EXISTS:
    case LDAP_NOT_ALLOWED_ON_NONLEAF:
        return EG_ECONFLICT;
    case LDAP_INVALID_SYNTAX:
    case LDAP_INVALID_DN_SYNTAX:
    case LDAP_OBJECT_CLASS_VIOLATION:
    case LDAP_NAMING_VIOLATION:
    case LDAP_UNDEFINED_TYPE:
    case LDAP_CONSTRAINT_VIOLATION:
    case LDAP_FILTER_ERROR:
        return EG_EINVAL;
    default:
        return EG_EIO;
    }
}

static enum eg_err ld_fail(LDAP *ld, int lrc, struct eg_buf *msg, const char *fmt, ...)
    EG_PRINTF(4, 5);

/* msg = "WHAT: the result's name (the server's words)"; returns lrc mapped. */
static enum eg_err
ld_fail(LDAP *ld, int lrc, struct eg_buf *msg, const char *fmt, ...)
{
    enum eg_err rc = map_ldap(lrc);
    if (!msg)
        return rc;
    char *diag = NULL;
    if (ld)
        (void)ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    va_list ap;
    va_start(ap, fmt);
    eg_buf_reset(msg);
    bool ok = eg_buf_vprintf(msg, fmt, ap) == EG_OK &&
              eg_buf_printf(msg, ": %s", ldap_err2string(lrc)) == EG_OK;
    if (ok && diag && *diag)
        ok = eg_buf_printf(msg, " (%s)", diag) == EG_OK;
    va_end(ap);
    if (!ok)
        eg_buf_reset(msg);
    ldap_memfree(diag);
    return rc;
}

static void
tv_of(long long ms, struct timeval *tv)
{
    tv->tv_sec = (time_t)(ms / 1000);
    tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

/* A simple bind; an empty password is never sent (it would be an unauthenticated bind). */
static int
simple_bind(LDAP *ld, const char *dn, const char *pw)
{
    if (!pw || pw[0] == '\0')
        return LDAP_INVALID_CREDENTIALS;
    struct berval cred = {.bv_len = strlen(pw), .bv_val = (char *)pw};
    return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* A handle with every option set; with StartTLS asked for, the connection is made here. */
static enum eg_err
ld_open(const struct eg_ldap_config *c, LDAP **out, struct eg_buf *msg)
{
    *out = NULL;
    LDAP *ld = NULL;
    int lrc = ldap_initialize(&ld, c->url);
    if (lrc != LDAP_SUCCESS)
        return ld_fail(NULL, lrc == LDAP_NO_MEMORY ? lrc : LDAP_CONNECT_ERROR, msg, "ldap_url %s",
                       c->url);
    int v3 = LDAP_VERSION3, hard = LDAP_OPT_X_TLS_HARD, tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2,
        client = 0;
    int timelimit = (int)((c->timeout_ms + 999) / 1000);
    struct timeval ctv, otv;
    tv_of(c->connect_timeout_ms, &ctv);
    tv_of(c->timeout_ms, &otv);
    bool tls = c->starttls || !each_url(c->url, url_not_ldaps, NULL);
    bool ok = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) == LDAP_OPT_SUCCESS &&
              ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) == LDAP_OPT_SUCCESS &&
              ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON) == LDAP_OPT_SUCCESS &&
              ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &ctv) == LDAP_OPT_SUCCESS &&
              ldap_set_option(ld, LDAP_OPT_TIMEOUT, &otv) == LDAP_OPT_SUCCESS &&
              ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &timelimit) == LDAP_OPT_SUCCESS;
    /* TLS: the certificate must verify and name the host; no TLS below 1.2. */
    if (ok && tls) {
        ok = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &hard) == LDAP_OPT_SUCCESS &&
             ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12) == LDAP_OPT_SUCCESS &&
             (!c->ca_file[0] ||
              ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca_file) == LDAP_OPT_SUCCESS);
        /* A context of this handle's own, so its CA file is the one that counts. */
        if (ok && ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &client) != LDAP_OPT_SUCCESS) {
            ldap_unbind_ext_s(ld, NULL, NULL);
            return say(msg, EG_EUNAVAIL, "LDAP TLS: cannot set up (is ldap_ca_file PEM?)");
        }
    }
    if (!ok) {
        ldap_unbind_ext_s(ld, NULL, NULL);
        return say(msg, EG_EINTERNAL, "LDAP: cannot set the connection options");
    }
    if (c->starttls) {
        lrc = ldap_start_tls_s(ld, NULL, NULL);
        if (lrc != LDAP_SUCCESS) {
            /* Never carry on in clear: no StartTLS, no connection. */
            enum eg_err rc = ld_fail(ld, lrc, msg, "LDAP StartTLS with %s", c->url);
            ldap_unbind_ext_s(ld, NULL, NULL);
            return rc == EG_ENOMEM ? rc : EG_EUNAVAIL;
        }
    }
    *out = ld;
    return EG_OK;
}

static void
ld_close(LDAP *ld)
{
    if (ld)
        ldap_unbind_ext_s(ld, NULL, NULL);
}

/* ---- sign-in ----------------------------------------------------------------------- */

void
eg_ldap_person_release(struct eg_ldap_person *p)
{
    if (!p)
        return;
    free(p->dn);
    free(p->cn);
    free(p->mail);
    free(p->display_name);
    memset(p, 0, sizeof(*p));
}

/* The first value of attr as a malloc'ed string; NULL when absent or not text. */
static char *
first_value(LDAP *ld, LDAPMessage *e, const char *attr)
{
    struct berval **v = ldap_get_values_len(ld, e, attr);
    char *s = NULL;
    if (v && v[0] && !memchr(v[0]->bv_val, '\0', v[0]->bv_len) &&
        eg_utf8_valid(v[0]->bv_val, v[0]->bv_len))
        s = strndup(v[0]->bv_val, v[0]->bv_len);
    ldap_value_free_len(v);
    return s;
}

/* The result of the deciding bind, for both a real and a dummy one. */
static enum eg_err
bind_outcome(LDAP *ld, int lrc, struct eg_buf *msg)
{
    switch (lrc) {
    case LDAP_SUCCESS:
        return EG_OK;
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_UNWILLING_TO_PERFORM:
    case LDAP_CONSTRAINT_VIOLATION:
    case LDAP_NO_SUCH_OBJECT:
    case LDAP_INVALID_DN_SYNTAX:
        return say(msg, EG_EFORBIDDEN, DENIED);
    default: {
        enum eg_err rc = ld_fail(ld, lrc, msg, "LDAP bind");
        return rc == EG_EUNAVAIL || rc == EG_ENOMEM ? rc : EG_EIO;
    }
    }
}

/*
 * No entry (or several): bind as a DN that cannot exist, with a random password, so
 * that an unknown login costs the same round trip as a wrong password.
 */
static enum eg_err
dummy_bind(LDAP *ld, const struct eg_ldap_config *c, struct eg_buf *msg)
{
    unsigned char r[16];
    char hex[33], dn[EG_LDAP_STR + 64];
    if (eg_random(r, sizeof(r)) != EG_OK)
        return EG_EIO;
    eg_hex(r, sizeof(r), hex);
    snprintf(dn, sizeof(dn), "cn=egov-no-such-entry-%s,%s", hex, c->user_base);
    int lrc = simple_bind(ld, dn, hex);
    enum eg_err rc = bind_outcome(ld, lrc, msg);
    return rc == EG_OK ? say(msg, EG_EFORBIDDEN, DENIED) : rc;
}

enum eg_err
eg_ldap_authenticate(const struct eg_ldap_config *c, const char *login, const char *password,
                     struct eg_ldap_person *out, struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    if (!c || !eg_ldap_enabled(c))
        return say(msg, EG_EUNAVAIL, "LDAP is not configured (set ldap_url)");
    /* Refused before anything is sent: an empty password binds "unauthenticated". */
    if (!password || !*password || !login || !*login || strlen(login) > LOGIN_MAX)
        return say(msg, EG_EFORBIDDEN, DENIED);
    if (eg_ldap_config_check(c, false, msg) != EG_OK)
        return EG_EUNAVAIL;
    LDAP *ld = NULL;
    LDAPMessage *res = NULL;
    struct eg_buf filter = EG_BUF_INIT((size_t)4 * EG_LDAP_STR);
    char *dn = NULL;
    enum eg_err rc = build_filter(c->user_filter, login, &filter);
    if (rc != EG_OK)
        goto out;
    rc = ld_open(c, &ld, msg);
    if (rc != EG_OK)
        goto out;
    if (c->bind_dn[0]) {
        int lrc = simple_bind(ld, c->bind_dn, c->bind_password);
        if (lrc != LDAP_SUCCESS) {
            rc = ld_fail(ld, lrc, msg, "LDAP bind as the service account %s", c->bind_dn);
            if (rc != EG_ENOMEM)
                rc = EG_EUNAVAIL; /* a configuration problem, not the person's */
            goto out;
        }
    }
    char *attrs[] = {(char *)"cn", (char *)"mail", (char *)"displayName", NULL};
    struct timeval tv;
    tv_of(c->timeout_ms, &tv);
    int lrc = ldap_search_ext_s(ld, c->user_base, LDAP_SCOPE_SUBTREE, eg_buf_str(&filter), attrs, 0,
                                NULL, NULL, &tv, 2, &res);
    if (lrc != LDAP_SUCCESS && lrc != LDAP_SIZELIMIT_EXCEEDED) {
        rc = ld_fail(ld, lrc, msg, "LDAP search under %s", c->user_base);
        if (rc != EG_ENOMEM)
            rc = EG_EUNAVAIL;
        goto out;
    }
    LDAPMessage *e = ldap_first_entry(ld, res);
    if (lrc == LDAP_SIZELIMIT_EXCEEDED || ldap_count_entries(ld, res) != 1 || !e) {
        rc = dummy_bind(ld, c, msg);
        goto out;
    }
    dn = ldap_get_dn(ld, e);
    if (!dn) {
        rc = say(msg, EG_EIO, "LDAP: an entry without a DN");
        goto out;
    }
    out->cn = first_value(ld, e, "cn");
    out->mail = first_value(ld, e, "mail");
    out->display_name = first_value(ld, e, "displayName");
    out->dn = strdup(dn);
    if (!out->dn) {
        rc = EG_ENOMEM;
        goto out;
    }
    rc = bind_outcome(ld, simple_bind(ld, dn, password), msg);
    if (rc == EG_OK && msg)
        eg_buf_reset(msg);
out:
    if (rc != EG_OK)
        eg_ldap_person_release(out);
    ldap_memfree(dn);
    ldap_msgfree(res);
    ld_close(ld);
    eg_buf_release(&filter);
    return rc;
}

/* ---- export: what egov wants ------------------------------------------------------- */

enum kind { K_UNIT, K_PERSON };

#define NATTR 7

static const char *const unit_attrs[] = {"description", "postalAddress", "telephoneNumber", NULL};
static const char *const person_attrs[] = {
    "cn", "sn", "givenName", "displayName", "mail", "telephoneNumber", "title", NULL};
static const char *const unit_classes[] = {"top", "organizationalUnit", NULL};
static const char *const person_classes[] = {"top", "person", "organizationalPerson",
                                             "inetOrgPerson", NULL};

static const char *const *
attrs_of(enum kind k)
{
    return k == K_UNIT ? unit_attrs : person_attrs;
}

/* An entry as egov wants it. */
struct want {
    enum kind kind;
    const char *rdn_attr, *rdn_value;
    char *dn, *norm, *key;
    const char *parent;
    int depth;
    const char *vals[NATTR]; /* by attrs_of(kind); NULL: absent */
};

/* An entry as LDAP has it. */
struct have {
    enum kind kind;
    char *dn, *norm, *key;
    int depth;
    struct eg_str *vals[NATTR];
    size_t nvals[NATTR];
    bool claimed;
};

/* An org unit row while the tree is resolved. */
struct unit_row {
    int64_t id, parent;
    const char *code, *name, *address, *phone;
    bool open;
    int state; /* 0 not yet known, 1 exported, 2 not exported */
    struct want *w;
};

struct person_row {
    int64_t id;
    const char *login, *name, *email, *phone, *title;
    const struct want *unit;
};

struct vec {
    void **p;
    size_t n, cap;
};

struct exporter {
    const struct eg_ldap_config *c;
    struct eg_arena *a;
    struct eg_buf *msg;
    const char *base_norm;
    struct vec units, persons;       /* struct unit_row *, struct person_row * */
    struct vec want_units, want_ppl; /* struct want * */
    struct vec have_units, have_ppl; /* struct have * */
    struct want *people;             /* ou=people */
    LDAP *ld;
    struct eg_ldap_export_report *rep;
};

static enum eg_err
vec_push(struct vec *v, void *x)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 64;
        void **p = realloc(v->p, cap * sizeof(*p));
        if (!p)
            return EG_ENOMEM;
        v->p = p;
        v->cap = cap;
    }
    v->p[v->n++] = x;
    return EG_OK;
}

static char *
dup_col(struct eg_arena *a, struct eg_stmt *st, int col)
{
    const char *s = eg_stmt_text(st, col);
    return s && *s ? eg_arena_strndup(a, s, eg_stmt_len(st, col)) : NULL;
}

static bool
printable_string(const char *s)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(" '()+,-./:?=", *p)))
            return false;
    return true;
}

static bool
ia5_mail(const char *s)
{
    if (!s || !strchr(s, '@'))
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            return false;
    return true;
}

/* A postalAddress line (RFC 4517 §3.3.28): '\' and '$' escaped as \5C and \24. */
static char *
postal(struct eg_arena *a, const char *s)
{
    if (!s)
        return NULL;
    char *out = eg_arena_alloc(a, 3 * strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = s; *p; p++) {
        if (*p == '\\' || *p == '$') {
            memcpy(o, *p == '\\' ? "\\5C" : "\\24", 3);
            o += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

static int
cmp_unit_id(const void *k, const void *e)
{
    int64_t a = *(const int64_t *)k, b = (*(struct unit_row *const *)e)->id;
    return a < b ? -1 : a > b;
}

static int
cmp_person_id(const void *k, const void *e)
{
    int64_t a = *(const int64_t *)k, b = (*(struct person_row *const *)e)->id;
    return a < b ? -1 : a > b;
}

static struct unit_row *
unit_by_id(struct exporter *x, int64_t id)
{
    if (x->units.n == 0)
        return NULL;
    struct unit_row **r = bsearch(&id, x->units.p, x->units.n, sizeof(void *), cmp_unit_id);
    return r ? *r : NULL;
}

static struct want *
want_new(struct exporter *x, enum kind k, const char *rdn_attr, const char *value,
         const char *parent, int depth)
{
    struct want *w = eg_arena_zalloc(x->a, sizeof(*w));
    char *esc = rdn_escape(x->a, value);
    if (!w || !esc)
        return NULL;
    w->kind = k;
    w->rdn_attr = rdn_attr;
    w->rdn_value = value;
    w->parent = parent;
    w->depth = depth;
    w->dn = eg_arena_printf(x->a, "%s=%s,%s", rdn_attr, esc, parent);
    w->norm = w->dn ? dn_norm(x->a, w->dn) : NULL;
    if (!w->norm)
        return NULL;
    w->key = w->norm;
    return w;
}

/* A unit is exported when it and all its ancestors are open. */
static enum eg_err
resolve_unit(struct exporter *x, struct unit_row *u, int guard)
{
    if (u->state != 0)
        return EG_OK;
    if (guard > 64)
        return say(x->msg, EG_EINTERNAL, "the org tree has a cycle at %s", u->code);
    struct unit_row *p = u->parent ? unit_by_id(x, u->parent) : NULL;
    if (p) {
        enum eg_err rc = resolve_unit(x, p, guard + 1);
        if (rc != EG_OK)
            return rc;
    }
    u->state = 2;
    if (!u->open || (u->parent && (!p || p->state != 1)))
        return EG_OK;
    const char *parent = p ? p->w->dn : x->c->export_base;
    u->w = want_new(x, K_UNIT, "ou", u->code, parent, p ? p->w->depth + 1 : 1);
    if (!u->w)
        return EG_ENOMEM;
    u->w->vals[0] = u->name;
    u->w->vals[1] = postal(x->a, u->address);
    u->w->vals[2] = printable_string(u->phone) ? u->phone : NULL;
    u->state = 1;
    return vec_push(&x->want_units, u->w);
}

static enum eg_err
read_units(struct exporter *x, struct eg_tx *tx)
{
    struct eg_stmt *st = NULL;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT id, parent_id, code, name, address, phone, valid_to "
                                   "FROM org_unit ORDER BY id",
                                   &st);
    for (;;) {
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        struct unit_row *u = eg_arena_zalloc(x->a, sizeof(*u));
        if (!u)
            return EG_ENOMEM;
        u->id = eg_stmt_i64(st, 0);
        u->parent = eg_stmt_is_null(st, 1) ? 0 : eg_stmt_i64(st, 1);
        u->code = dup_col(x->a, st, 2);
        u->name = dup_col(x->a, st, 3);
        u->address = dup_col(x->a, st, 4);
        u->phone = dup_col(x->a, st, 5);
        u->open = eg_stmt_is_null(st, 6);
        if (!u->code)
            return EG_ENOMEM;
        rc = vec_push(&x->units, u);
    }
    for (size_t i = 0; rc == EG_OK && i < x->units.n; i++)
        rc = resolve_unit(x, x->units.p[i], 0);
    return rc;
}

static enum eg_err
read_staff(struct exporter *x, struct eg_tx *tx)
{
    struct eg_stmt *st = NULL;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT id, login, name, email, phone FROM account WHERE kind "
                                   "= 'staff' AND status = 'active' AND login IS NOT NULL "
                                   "ORDER BY id",
                                   &st);
    for (;;) {
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        struct person_row *p = eg_arena_zalloc(x->a, sizeof(*p));
        if (!p)
            return EG_ENOMEM;
        p->id = eg_stmt_i64(st, 0);
        p->login = dup_col(x->a, st, 1);
        p->name = dup_col(x->a, st, 2);
        p->email = dup_col(x->a, st, 3);
        p->phone = dup_col(x->a, st, 4);
        if (!p->login)
            return EG_ENOMEM;
        rc = vec_push(&x->persons, p);
    }
    if (rc != EG_OK)
        return rc;
    /* Each person's first open assignment to an exported unit decides where it goes. */
    rc = eg_tx_prepare(tx,
                       "SELECT account_id, org_unit_id, position FROM staff_assignment WHERE "
                       "valid_to IS NULL ORDER BY account_id, id",
                       &st);
    for (;;) {
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        int64_t aid = eg_stmt_i64(st, 0);
        struct person_row **pp =
            x->persons.n ? bsearch(&aid, x->persons.p, x->persons.n, sizeof(void *), cmp_person_id)
                         : NULL;
        struct unit_row *u = unit_by_id(x, eg_stmt_i64(st, 1));
        if (!pp || (*pp)->unit || !u || u->state != 1)
            continue;
        (*pp)->unit = u->w;
        (*pp)->title = dup_col(x->a, st, 2);
    }
    return rc;
}

/* The words of a name: sn is the first (họ), givenName the last (tên); NULL sn: no memory. */
static void
name_parts(struct eg_arena *a, const char *name, const char **sn, const char **given)
{
    const char *s = name + strspn(name, " ");
    const char *end = s + strlen(s);
    while (end > s && end[-1] == ' ')
        end--;
    const char *last = end;
    while (last > s && last[-1] != ' ')
        last--;
    size_t first = strcspn(s, " ");
    *sn = first ? eg_arena_strndup(a, s, first) : name;
    *given = last > s ? eg_arena_strndup(a, last, (size_t)(end - last)) : NULL;
}

static enum eg_err
want_people(struct exporter *x)
{
    x->people = want_new(x, K_UNIT, "ou", "people", x->c->export_base, 1);
    if (!x->people)
        return EG_ENOMEM;
    x->people->vals[0] = PEOPLE_DESC;
    enum eg_err rc = vec_push(&x->want_units, x->people);
    for (size_t i = 0; rc == EG_OK && i < x->persons.n; i++) {
        const struct person_row *p = x->persons.p[i];
        const struct want *unit = p->unit ? p->unit : x->people;
        struct want *w = want_new(x, K_PERSON, "uid", p->login, unit->dn, unit->depth + 1);
        char *key = eg_arena_strdup(x->a, p->login);
        if (!w || !key)
            return EG_ENOMEM;
        for (char *k = key; *k; k++)
            if (*k >= 'A' && *k <= 'Z')
                *k = (char)(*k - 'A' + 'a');
        w->key = key;
        const char *name = p->name ? p->name : p->login;
        const char *sn, *given;
        name_parts(x->a, name, &sn, &given);
        if (!sn)
            return EG_ENOMEM;
        w->vals[0] = name;
        w->vals[1] = sn;
        w->vals[2] = given;
        w->vals[3] = name;
        w->vals[4] = ia5_mail(p->email) ? p->email : NULL;
        w->vals[5] = printable_string(p->phone) ? p->phone : NULL;
        w->vals[6] = p->title;
        rc = vec_push(&x->want_ppl, w);
    }
    return rc;
}

static int
cmp_want_depth(const void *a, const void *b)
{
    const struct want *x = *(struct want *const *)a, *y = *(struct want *const *)b;
    return x->depth != y->depth ? (x->depth < y->depth ? -1 : 1) : strcmp(x->norm, y->norm);
}

static enum eg_err
read_wanted(struct exporter *x, struct eg_db *db)
{
    struct eg_tx *tx = NULL;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return say(x->msg, rc, "reading the directory: %s", eg_strerror(rc));
    rc = read_units(x, tx);
    if (rc == EG_OK)
        rc = read_staff(x, tx);
    if (rc != EG_OK && x->msg && x->msg->len == 0)
        say(x->msg, rc, "reading the directory: %s %s", eg_strerror(rc), eg_tx_errmsg(tx));
    eg_tx_rollback(tx);
    if (rc == EG_OK)
        rc = want_people(x);
    if (rc == EG_OK && x->want_units.n > 1)
        qsort(x->want_units.p, x->want_units.n, sizeof(void *), cmp_want_depth);
    return rc;
}

/* ---- export: what LDAP has --------------------------------------------------------- */

static bool
has_class(LDAP *ld, LDAPMessage *e, const char *cls)
{
    struct berval **v = ldap_get_values_len(ld, e, "objectClass");
    bool found = false;
    for (size_t i = 0; v && v[i] && !found; i++)
        found = v[i]->bv_len == strlen(cls) && strncasecmp(v[i]->bv_val, cls, v[i]->bv_len) == 0;
    ldap_value_free_len(v);
    return found;
}

static int
dn_depth(const char *dn)
{
    LDAPDN d = NULL;
    int n = 0;
    if (ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
        return 0;
    while (d && d[n])
        n++;
    ldap_dnfree(d);
    return n;
}

static enum eg_err
have_entry(struct exporter *x, LDAPMessage *e)
{
    char *dn = ldap_get_dn(x->ld, e);
    if (!dn)
        return EG_ENOMEM;
    struct have *h = eg_arena_zalloc(x->a, sizeof(*h));
    enum eg_err rc = EG_OK;
    if (h) {
        h->dn = eg_arena_strdup(x->a, dn);
        h->norm = dn_norm(x->a, dn);
    }
    if (!h || !h->dn || !h->norm) {
        rc = EG_ENOMEM;
        goto out;
    }
    if (strcmp(h->norm, x->base_norm) == 0)
        goto out; /* the base itself is not egov's to change */
    h->kind = has_class(x->ld, e, "inetOrgPerson") ? K_PERSON : K_UNIT;
    h->depth = dn_depth(dn);
    h->key = h->norm;
    const char *const *attrs = attrs_of(h->kind);
    for (int i = 0; attrs[i]; i++) {
        struct berval **v = ldap_get_values_len(x->ld, e, attrs[i]);
        size_t n = 0;
        while (v && v[n])
            n++;
        h->nvals[i] = n;
        h->vals[i] = n ? eg_arena_alloc(x->a, n * sizeof(struct eg_str)) : NULL;
        bool ok = n == 0 || h->vals[i];
        for (size_t j = 0; j < n && ok; j++) {
            h->vals[i][j] =
                (struct eg_str){eg_arena_strndup(x->a, v[j]->bv_val, v[j]->bv_len), v[j]->bv_len};
            ok = h->vals[i][j].p != NULL;
        }
        ldap_value_free_len(v);
        if (!ok) {
            rc = EG_ENOMEM;
            goto out;
        }
    }
    if (h->kind == K_PERSON) {
        char *uid = first_value(x->ld, e, "uid");
        h->key = eg_arena_strdup(x->a, uid ? uid : "");
        free(uid);
        for (char *k = h->key; k && *k; k++)
            if (*k >= 'A' && *k <= 'Z')
                *k = (char)(*k - 'A' + 'a');
    }
    if (!h->key)
        rc = EG_ENOMEM;
    else
        rc = vec_push(h->kind == K_PERSON ? &x->have_ppl : &x->have_units, h);
out:
    ldap_memfree(dn);
    return rc;
}

/* One page of a paged search (RFC 2696); *cookie is replaced by the next one. */
static enum eg_err
read_page(struct exporter *x, char **attrs, struct berval **cookie)
{
    LDAPControl *page = NULL, **rctrls = NULL;
    LDAPMessage *res = NULL;
    struct timeval tv;
    tv_of(x->c->timeout_ms, &tv);
    int size = x->c->page_size > 0 ? x->c->page_size : 500;
    int lrc = ldap_create_page_control(x->ld, size, *cookie, 0, &page);
    ber_bvfree(*cookie);
    *cookie = NULL;
    if (lrc != LDAP_SUCCESS)
        return ld_fail(x->ld, lrc, x->msg, "LDAP paged search");
    LDAPControl *ctrls[] = {page, NULL};
    lrc = ldap_search_ext_s(x->ld, x->c->export_base, LDAP_SCOPE_SUBTREE,
                            "(|(objectClass=organizationalUnit)(objectClass=inetOrgPerson))", attrs,
                            0, ctrls, NULL, &tv, LDAP_NO_LIMIT, &res);
    ldap_control_free(page);
    enum eg_err rc = EG_OK;
    if (lrc != LDAP_SUCCESS) {
        rc = ld_fail(x->ld, lrc, x->msg, "LDAP search under %s", x->c->export_base);
        goto out;
    }
    for (LDAPMessage *e = ldap_first_entry(x->ld, res); e && rc == EG_OK;
         e = ldap_next_entry(x->ld, e))
        rc = have_entry(x, e);
    int err = 0;
    lrc = ldap_parse_result(x->ld, res, &err, NULL, NULL, NULL, &rctrls, 0);
    if (rc == EG_OK && lrc != LDAP_SUCCESS)
        rc = ld_fail(x->ld, lrc, x->msg, "LDAP paged search");
    LDAPControl *pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
    if (rc == EG_OK && pr) {
        ber_int_t estimate = 0;
        struct berval next = {0, NULL};
        lrc = ldap_parse_pageresponse_control(x->ld, pr, &estimate, &next);
        if (lrc != LDAP_SUCCESS)
            rc = ld_fail(x->ld, lrc, x->msg, "LDAP paged search");
        else if (next.bv_len > 0)
            *cookie = ber_bvdup(&next);
        if (rc == EG_OK && next.bv_len > 0 && !*cookie)
            rc = EG_ENOMEM;
        ber_memfree(next.bv_val);
    }
out:
    ldap_controls_free(rctrls);
    ldap_msgfree(res);
    return rc;
}

static int
cmp_have_key(const void *a, const void *b)
{
    return strcmp((*(struct have *const *)a)->key, (*(struct have *const *)b)->key);
}

static enum eg_err
read_existing(struct exporter *x)
{
    struct timeval tv;
    tv_of(x->c->timeout_ms, &tv);
    char *none[] = {(char *)LDAP_NO_ATTRS, NULL};
    LDAPMessage *res = NULL;
    int lrc = ldap_search_ext_s(x->ld, x->c->export_base, LDAP_SCOPE_BASE, "(objectClass=*)", none,
                                0, NULL, NULL, &tv, 1, &res);
    ldap_msgfree(res);
    if (lrc == LDAP_NO_SUCH_OBJECT)
        return say(x->msg, EG_ENOTFOUND,
                   "ldap_export_base %s does not exist in LDAP; create it (an "
                   "organizationalUnit) first",
                   x->c->export_base);
    if (lrc != LDAP_SUCCESS)
        return ld_fail(x->ld, lrc, x->msg, "LDAP: reading %s", x->c->export_base);
    static const char *const names[] = {"objectClass",     "uid",  "description", "postalAddress",
                                        "telephoneNumber", "cn",   "sn",          "givenName",
                                        "displayName",     "mail", "title",       NULL};
    char **attrs = (char **)names;
    struct berval *cookie = NULL;
    enum eg_err rc;
    do {
        rc = read_page(x, attrs, &cookie);
    } while (rc == EG_OK && cookie);
    ber_bvfree(cookie);
    if (x->have_units.n > 1)
        qsort(x->have_units.p, x->have_units.n, sizeof(void *), cmp_have_key);
    if (x->have_ppl.n > 1)
        qsort(x->have_ppl.p, x->have_ppl.n, sizeof(void *), cmp_have_key);
    return rc;
}

/* ---- export: making LDAP match ----------------------------------------------------- */

/* The unclaimed entry with this key, preferring one already at norm. */
static struct have *
find_have(struct vec *v, const char *key, const char *norm)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(((struct have *)v->p[mid])->key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    struct have *first = NULL;
    for (size_t i = lo; i < v->n && strcmp(((struct have *)v->p[i])->key, key) == 0; i++) {
        struct have *h = v->p[i];
        if (h->claimed)
            continue;
        if (strcmp(h->norm, norm) == 0)
            return h;
        if (!first)
            first = h;
    }
    return first;
}

static bool
same(const struct eg_str *have, size_t n, const char *want)
{
    if (!want)
        return n == 0;
    return n == 1 && have[0].n == strlen(want) && memcmp(have[0].p, want, have[0].n) == 0;
}

/* Modifications for the attributes that differ (all of them when h is NULL: an add). */
static size_t
diff(const struct want *w, const struct have *h, LDAPMod *mods, LDAPMod **list, char *vals[][2])
{
    const char *const *attrs = attrs_of(w->kind);
    size_t n = 0;
    for (int i = 0; attrs[i]; i++) {
        if (h ? same(h->vals[i], h->nvals[i], w->vals[i]) : !w->vals[i])
            continue;
        vals[n][0] = (char *)w->vals[i];
        vals[n][1] = NULL;
        mods[n] = (LDAPMod){
            .mod_op = h ? LDAP_MOD_REPLACE : LDAP_MOD_ADD,
            .mod_type = (char *)attrs[i],
            .mod_values = w->vals[i] ? vals[n] : NULL,
        };
        list[n] = &mods[n];
        n++;
    }
    list[n] = NULL;
    return n;
}

static enum eg_err
add_entry(struct exporter *x, const struct want *w)
{
    LDAPMod mods[NATTR + 2], *list[NATTR + 3];
    char *vals[NATTR + 2][2];
    size_t n = diff(w, NULL, mods, list, vals);
    char *rdn[] = {(char *)w->rdn_value, NULL};
    mods[n] = (LDAPMod){.mod_op = LDAP_MOD_ADD, .mod_type = (char *)w->rdn_attr, .mod_values = rdn};
    mods[n + 1] = (LDAPMod){
        .mod_op = LDAP_MOD_ADD,
        .mod_type = (char *)"objectClass",
        .mod_values = (char **)(w->kind == K_UNIT ? unit_classes : person_classes),
    };
    list[n] = &mods[n];
    list[n + 1] = &mods[n + 1];
    list[n + 2] = NULL;
    int lrc = ldap_add_ext_s(x->ld, w->dn, list, NULL, NULL);
    if (lrc != LDAP_SUCCESS)
        return ld_fail(x->ld, lrc, x->msg, "LDAP: adding %s", w->dn);
    x->rep->added++;
    return EG_OK;
}

/* Makes h (found by key) match w: moved if it sits elsewhere, attributes replaced. */
static enum eg_err
sync_entry(struct exporter *x, const struct want *w, struct have *h)
{
    bool moved = false;
    int lrc;
    h->claimed = true;
    if (strcmp(h->norm, w->norm) != 0) {
        const char *esc = rdn_escape(x->a, w->rdn_value);
        char *rdn = esc ? eg_arena_printf(x->a, "%s=%s", w->rdn_attr, esc) : NULL;
        if (!rdn)
            return EG_ENOMEM;
        lrc = ldap_rename_s(x->ld, h->dn, rdn, w->parent, 1, NULL, NULL);
        if (lrc != LDAP_SUCCESS)
            return ld_fail(x->ld, lrc, x->msg, "LDAP: moving %s to %s", h->dn, w->dn);
        moved = true;
    }
    LDAPMod mods[NATTR + 1], *list[NATTR + 2];
    char *vals[NATTR + 1][2];
    if (diff(w, h, mods, list, vals) > 0) {
        lrc = ldap_modify_ext_s(x->ld, w->dn, list, NULL, NULL);
        if (lrc != LDAP_SUCCESS)
            return ld_fail(x->ld, lrc, x->msg, "LDAP: changing %s", w->dn);
        moved = true;
    }
    if (moved)
        x->rep->modified++;
    else
        x->rep->unchanged++;
    return EG_OK;
}

static enum eg_err
apply(struct exporter *x, struct vec *want, struct vec *have)
{
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < want->n && rc == EG_OK; i++) {
        struct want *w = want->p[i];
        struct have *h = find_have(have, w->key, w->norm);
        rc = h ? sync_entry(x, w, h) : add_entry(x, w);
    }
    return rc;
}

static int
cmp_have_deeper(const void *a, const void *b)
{
    const struct have *x = *(struct have *const *)a, *y = *(struct have *const *)b;
    return x->depth != y->depth ? (x->depth > y->depth ? -1 : 1) : strcmp(x->norm, y->norm);
}

/* Whatever egov no longer exports goes, children before parents. */
static enum eg_err
delete_unclaimed(struct exporter *x)
{
    struct vec gone = {0};
    enum eg_err rc = EG_OK;
    struct vec *both[] = {&x->have_units, &x->have_ppl};
    for (size_t b = 0; b < 2 && rc == EG_OK; b++)
        for (size_t i = 0; i < both[b]->n && rc == EG_OK; i++)
            if (!((struct have *)both[b]->p[i])->claimed)
                rc = vec_push(&gone, both[b]->p[i]);
    if (rc == EG_OK && gone.n > 1)
        qsort(gone.p, gone.n, sizeof(void *), cmp_have_deeper);
    for (size_t i = 0; i < gone.n && rc == EG_OK; i++) {
        const struct have *h = gone.p[i];
        int lrc = ldap_delete_ext_s(x->ld, h->dn, NULL, NULL);
        if (lrc == LDAP_NOT_ALLOWED_ON_NONLEAF)
            rc = ld_fail(x->ld, lrc, x->msg,
                         "LDAP: cannot delete %s: it holds entries egov does not manage", h->dn);
        else if (lrc != LDAP_SUCCESS && lrc != LDAP_NO_SUCH_OBJECT)
            rc = ld_fail(x->ld, lrc, x->msg, "LDAP: deleting %s", h->dn);
        else
            x->rep->deleted++;
    }
    free(gone.p);
    return rc;
}

enum eg_err
eg_ldap_export(const struct eg_ldap_config *c, struct eg_db *db, struct eg_ldap_export_report *rep,
               struct eg_buf *msg)
{
    memset(rep, 0, sizeof(*rep));
    if (msg)
        eg_buf_reset(msg);
    struct exporter x = {.c = c, .msg = msg, .rep = rep};
    enum eg_err rc = eg_ldap_config_check(c, true, msg);
    if (rc != EG_OK)
        return rc;
    x.a = eg_arena_new((size_t)64 * 1024, ARENA_MAX);
    if (!x.a)
        return EG_ENOMEM;
    x.base_norm = dn_norm(x.a, c->export_base);
    rc = x.base_norm ? read_wanted(&x, db) : EG_ENOMEM;
    if (rc != EG_OK)
        goto out;
    rc = ld_open(c, &x.ld, msg);
    if (rc != EG_OK)
        goto out;
    int lrc = simple_bind(x.ld, c->bind_dn, c->bind_password);
    if (lrc != LDAP_SUCCESS) {
        rc = ld_fail(x.ld, lrc, msg, "LDAP bind as the service account %s", c->bind_dn);
        goto out;
    }
    rc = read_existing(&x);
    if (rc == EG_OK)
        rc = apply(&x, &x.want_units, &x.have_units);
    if (rc == EG_OK)
        rc = apply(&x, &x.want_ppl, &x.have_ppl);
    if (rc == EG_OK)
        rc = delete_unclaimed(&x);
out:
    if (rc == EG_ENOMEM && msg && msg->len == 0)
        say(msg, rc, "LDAP export: out of memory (more than %zu MiB of directory?)",
            ARENA_MAX >> 20);
    ld_close(x.ld);
    free(x.units.p);
    free(x.persons.p);
    free(x.want_units.p);
    free(x.want_ppl.p);
    free(x.have_units.p);
    free(x.have_ppl.p);
    eg_arena_free(x.a);
    return rc;
}
