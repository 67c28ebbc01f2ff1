/*
 * test_ldap.c - LDAP sign-in by bind and the directory's export, against a real slapd.
 *
 * The server: when EGOV_TEST_LDAP_URL is set (with EGOV_TEST_LDAP_BIND_DN,
 * EGOV_TEST_LDAP_BIND_PASSWORD, EGOV_TEST_LDAP_BASE, and optionally
 * EGOV_TEST_LDAPS_URL and EGOV_TEST_LDAP_CA_FILE), that one, started by
 * tests/ldap/slapd.sh; otherwise this test runs the script itself
 * (EGOV_SOURCE_DIR/tests/ldap/slapd.sh start), and stops it at the end. Without
 * either, every test that needs a server is skipped with a message saying so.
 *
 * The people and passwords are the script's (see its header). Vietnamese literals here
 * are NFC, like the demo data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "directory/directory.h"
#include "db/dbtest.h"

#include <arpa/inet.h>
#include <ldap.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define NOW 1767225600000LL /* 2026-01-01T00:00:00Z */
#define AN_DN "uid=an.nguyen,ou=people,"
#define AN_PW "Mật-khẩu-Đúng-2025"
#define HOA_LOGIN "hoa*(le)\\x"
#define HOA_PW "Special-Chars-9"
#define DENIED "the login or the password is wrong"

struct ldap_env {
    bool ready, own, stopped;
    char why[512];
    char url[256], bind_dn[256], bind_pw[128], base[256], ldaps_url[256], ca_file[512];
    char dir[512];
};

static struct ldap_env env;

/* ---- the server ----------------------------------------------------------------------- */

static void
copy_env(char *dst, size_t cap, const char *name)
{
    const char *v = getenv(name);
    snprintf(dst, cap, "%s", v ? v : "");
}

/* Runs tests/ldap/slapd.sh with args; its standard output goes to out (may be NULL). */
static int
run_script(const char *action, const char *arg, char *out, size_t cap)
{
    const char *src = getenv("EGOV_SOURCE_DIR");
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/ldap/slapd.sh", src ? src : ".");
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* A watcher in the script stops slapd if this process dies before its teardown. */
        char owner[32];
        snprintf(owner, sizeof(owner), "%ld", (long)getppid());
        setenv("EGOV_TEST_LDAP_OWNER_PID", owner, 1);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/bin/sh", "sh", script, action, arg, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    for (;;) {
        char tmp[512];
        ssize_t got = read(fds[0], tmp, sizeof(tmp));
        if (got <= 0)
            break;
        for (ssize_t i = 0; out && i < got && n + 1 < cap; i++)
            out[n++] = tmp[i];
    }
    if (out)
        out[n] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The value of KEY=value in the script's output. */
static void
take(const char *text, const char *key, char *dst, size_t cap)
{
    size_t k = strlen(key);
    dst[0] = '\0';
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, k) == 0 && p[k] == '=') {
            size_t n = strcspn(p + k + 1, "\n");
            snprintf(dst, cap, "%.*s", (int)n, p + k + 1);
            return;
        }
    }
}

static int
port_of(const char *url)
{
    const char *colon = strrchr(url, ':');
    return colon ? (int)strtol(colon + 1, NULL, 10) : 0;
}

/* Waits until something accepts TCP connections on 127.0.0.1:port. */
static bool
wait_port(int port)
{
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        if (fd >= 0)
            close(fd);
        if (ok)
            return true;
        usleep(100000);
    }
    return false;
}

static int
group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    memset(&env, 0, sizeof(env));
    if (getenv("EGOV_TEST_LDAP_URL") && *getenv("EGOV_TEST_LDAP_URL")) {
        copy_env(env.url, sizeof(env.url), "EGOV_TEST_LDAP_URL");
        copy_env(env.bind_dn, sizeof(env.bind_dn), "EGOV_TEST_LDAP_BIND_DN");
        copy_env(env.bind_pw, sizeof(env.bind_pw), "EGOV_TEST_LDAP_BIND_PASSWORD");
        copy_env(env.base, sizeof(env.base), "EGOV_TEST_LDAP_BASE");
        copy_env(env.ldaps_url, sizeof(env.ldaps_url), "EGOV_TEST_LDAPS_URL");
        copy_env(env.ca_file, sizeof(env.ca_file), "EGOV_TEST_LDAP_CA_FILE");
        env.ready = env.bind_dn[0] && env.bind_pw[0] && env.base[0];
        if (!env.ready)
            snprintf(env.why, sizeof(env.why),
                     "EGOV_TEST_LDAP_URL is set but EGOV_TEST_LDAP_BIND_DN, _BIND_PASSWORD or "
                     "_BASE is not");
        return 0;
    }
    if (access("/usr/sbin/slapd", X_OK) != 0 || !getenv("EGOV_SOURCE_DIR")) {
        snprintf(env.why, sizeof(env.why),
                 "EGOV_TEST_LDAP_URL is not set and slapd (or EGOV_SOURCE_DIR) is not there to "
                 "start one: eval \"$(tests/ldap/slapd.sh start)\" first");
        return 0;
    }
    static char out[8192];
    int code = run_script("start", NULL, out, sizeof(out));
    take(out, "EGOV_TEST_LDAP_URL", env.url, sizeof(env.url));
    take(out, "EGOV_TEST_LDAP_BIND_DN", env.bind_dn, sizeof(env.bind_dn));
    take(out, "EGOV_TEST_LDAP_BIND_PASSWORD", env.bind_pw, sizeof(env.bind_pw));
    take(out, "EGOV_TEST_LDAP_BASE", env.base, sizeof(env.base));
    take(out, "EGOV_TEST_LDAPS_URL", env.ldaps_url, sizeof(env.ldaps_url));
    take(out, "EGOV_TEST_LDAP_CA_FILE", env.ca_file, sizeof(env.ca_file));
    take(out, "EGOV_TEST_LDAP_DIR", env.dir, sizeof(env.dir));
    env.own = env.dir[0] != '\0';
    if (code != 0 || !env.url[0] || !wait_port(port_of(env.url))) {
        snprintf(env.why, sizeof(env.why), "tests/ldap/slapd.sh start failed (exit %d)", code);
        return 0;
    }
    env.ready = true;
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    if (env.own && !env.stopped)
        (void)run_script("stop", env.dir, NULL, 0);
    return 0;
}

static void
need_ldap(void)
{
    if (!env.ready) {
        print_message("skipped: %s\n", env.why);
        skip();
    }
}

/* ---- helpers -------------------------------------------------------------------------- */

static void
set_ok(struct eg_ldap_config *c, const char *key, const char *value)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_ldap_config_set(c, key, value, "test", &msg);
    if (rc != EG_OK)
        fail_msg("%s = %s: %s", key, value, eg_buf_str(&msg));
    eg_buf_release(&msg);
}

static void
config(struct eg_ldap_config *c)
{
    char dn[512];
    eg_ldap_config_defaults(c);
    set_ok(c, "ldap_url", env.url);
    set_ok(c, "ldap_bind_dn", env.bind_dn);
    set_ok(c, "ldap_bind_password", env.bind_pw);
    snprintf(dn, sizeof(dn), "ou=people,%s", env.base);
    set_ok(c, "ldap_user_base", dn);
    snprintf(dn, sizeof(dn), "ou=egov,%s", env.base);
    set_ok(c, "ldap_export_base", dn);
    set_ok(c, "ldap_connect_timeout", "2s");
    set_ok(c, "ldap_timeout", "3s");
    c->page_size = 7; /* several pages, even for the demo province */
}

static enum eg_err
auth(const struct eg_ldap_config *c, const char *login, const char *pw, struct eg_buf *msg)
{
    struct eg_ldap_person p;
    enum eg_err rc = eg_ldap_authenticate(c, login, pw, &p, msg);
    if (rc == EG_OK)
        assert_non_null(p.dn);
    else
        assert_null(p.dn);
    eg_ldap_person_release(&p);
    return rc;
}

static void
assert_denied(const struct eg_ldap_config *c, const char *login, const char *pw)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = auth(c, login, pw, &msg);
    if (rc != EG_EFORBIDDEN)
        fail_msg("login '%s': %s (%s), expected forbidden", login, eg_strerror(rc),
                 eg_buf_str(&msg));
    assert_string_equal(eg_buf_str(&msg), DENIED);
    eg_buf_release(&msg);
}

/* The test's own connection, as the service account. */
static LDAP *
admin(void)
{
    LDAP *ld = NULL;
    int v3 = LDAP_VERSION3;
    assert_int_equal(ldap_initialize(&ld, env.url), LDAP_SUCCESS);
    assert_int_equal(ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3), LDAP_OPT_SUCCESS);
    struct berval cred = {.bv_len = strlen(env.bind_pw), .bv_val = env.bind_pw};
    assert_int_equal(ldap_sasl_bind_s(ld, env.bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL),
                     LDAP_SUCCESS);
    return ld;
}

/* "ou=A,ou=B,...,ou=egov,BASE" from a path of RDNs. */
static void
dn_of(char *out, size_t cap, const char *rdns)
{
    snprintf(out, cap, "%s,ou=egov,%s", rdns, env.base);
}

/* All values of attr of the entry dn, joined with '|'; "" when absent; NULL: no entry. */
static char *
values(LDAP *ld, const char *dn, const char *attr)
{
    char *attrs[] = {(char *)attr, NULL};
    LDAPMessage *res = NULL;
    int lrc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
                                NULL, 0, &res);
    if (lrc == LDAP_NO_SUCH_OBJECT) {
        ldap_msgfree(res);
        return NULL;
    }
    assert_int_equal(lrc, LDAP_SUCCESS);
    LDAPMessage *e = ldap_first_entry(ld, res);
    assert_non_null(e);
    struct berval **v = ldap_get_values_len(ld, e, attr);
    static char buf[4096];
    size_t n = 0;
    for (size_t i = 0; v && v[i]; i++) {
        assert_true(n + v[i]->bv_len + 2 < sizeof(buf));
        if (i)
            buf[n++] = '|';
        memcpy(buf + n, v[i]->bv_val, v[i]->bv_len);
        n += v[i]->bv_len;
    }
    buf[n] = '\0';
    ldap_value_free_len(v);
    ldap_msgfree(res);
    return buf;
}

static void
assert_attr(LDAP *ld, const char *dn, const char *attr, const char *want)
{
    const char *got = values(ld, dn, attr);
    if (!got)
        fail_msg("%s: no such entry", dn);
    if (strcmp(got, want) != 0)
        fail_msg("%s %s: got '%s', want '%s'", dn, attr, got, want);
}

static void
assert_gone(LDAP *ld, const char *dn)
{
    if (values(ld, dn, "objectClass"))
        fail_msg("%s should not exist", dn);
}

/* Deletes everything below ou=egov (deepest first), so each export test starts empty. */
static void
wipe(LDAP *ld)
{
    char base[512];
    snprintf(base, sizeof(base), "ou=egov,%s", env.base);
    for (int pass = 0; pass < 10; pass++) {
        char *attrs[] = {(char *)LDAP_NO_ATTRS, NULL};
        LDAPMessage *res = NULL;
        assert_int_equal(ldap_search_ext_s(ld, base, LDAP_SCOPE_ONELEVEL, "(objectClass=*)", attrs,
                                           0, NULL, NULL, NULL, 0, &res),
                         LDAP_SUCCESS);
        int n = ldap_count_entries(ld, res);
        if (n == 0) {
            ldap_msgfree(res);
            return;
        }
        for (LDAPMessage *e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
            char *dn = ldap_get_dn(ld, e);
            /* Leaves first: delete the subtree bottom-up with a subtree search per child. */
            LDAPMessage *sub = NULL;
            assert_int_equal(ldap_search_ext_s(ld, dn, LDAP_SCOPE_SUBTREE, "(objectClass=*)", attrs,
                                               0, NULL, NULL, NULL, 0, &sub),
                             LDAP_SUCCESS);
            int m = ldap_count_entries(ld, sub);
            char **dns = calloc((size_t)m, sizeof(char *));
            int k = 0;
            for (LDAPMessage *s = ldap_first_entry(ld, sub); s; s = ldap_next_entry(ld, s))
                dns[k++] = ldap_get_dn(ld, s);
            /* Longer DNs are deeper. */
            for (int a = 0; a < k; a++)
                for (int b = a + 1; b < k; b++)
                    if (strlen(dns[b]) > strlen(dns[a])) {
                        char *t = dns[a];
                        dns[a] = dns[b];
                        dns[b] = t;
                    }
            for (int a = 0; a < k; a++) {
                (void)ldap_delete_ext_s(ld, dns[a], NULL, NULL);
                ldap_memfree(dns[a]);
            }
            free(dns);
            ldap_msgfree(sub);
            ldap_memfree(dn);
        }
        ldap_msgfree(res);
    }
    fail_msg("cannot empty %s", base);
}

/* An entry egov does not manage (an organizationalRole "cn=NAME") at dn. */
static void
add_role(LDAP *ld, const char *dn, const char *name)
{
    char *oc[] = {(char *)"organizationalRole", NULL};
    char *cn[] = {(char *)name, NULL};
    LDAPMod m1 = {.mod_op = LDAP_MOD_ADD, .mod_type = (char *)"objectClass", .mod_values = oc};
    LDAPMod m2 = {.mod_op = LDAP_MOD_ADD, .mod_type = (char *)"cn", .mod_values = cn};
    LDAPMod *mods[] = {&m1, &m2, NULL};
    assert_int_equal(ldap_add_ext_s(ld, dn, mods, NULL, NULL), LDAP_SUCCESS);
}

/* A socket that accepts connections (the kernel's backlog) but never answers. */
static int
silent_server(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 8), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A loopback port nobody listens on. */
static int
closed_port(void)
{
    int port;
    int fd = silent_server(&port);
    close(fd);
    return port;
}

/* ---- configuration and escaping (no server needed) ------------------------------------ */

static void
test_filter_escape(void **state)
{
    (void)state;
    struct eg_buf out = EG_BUF_INIT(256);
    const char in[] = "a*b(c)\\d\0e Ă";
    assert_int_equal(eg_ldap_filter_escape(in, sizeof(in) - 1, &out), EG_OK);
    assert_string_equal(eg_buf_str(&out), "a\\2ab\\28c\\29\\5cd\\00e \\c4\\82");
    eg_buf_release(&out);
    /* Past the buffer's limit: an error, never a truncated filter. */
    struct eg_buf tiny = EG_BUF_INIT(4);
    assert_int_equal(eg_ldap_filter_escape("****", 4, &tiny), EG_ETOOBIG);
    eg_buf_release(&tiny);
}

static void
test_config(void **state)
{
    (void)state;
    struct eg_ldap_config c;
    struct eg_buf msg = EG_BUF_INIT(1024);
    eg_ldap_config_defaults(&c);
    assert_false(eg_ldap_enabled(&c));
    assert_string_equal(c.user_filter, "(&(objectClass=inetOrgPerson)(uid=%s))");
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_EINVAL);

    assert_int_equal(eg_ldap_config_set(&c, "listen", "x", "test", &msg), EG_ENOTFOUND);
    static const char *const bad[][2] = {
        {"ldap_url", "http://example.vn"},
        {"ldap_url", "ldap://h:389/dc=x?cn"},
        {"ldap_url", ""},
        {"ldap_starttls", "maybe"},
        {"ldap_bind_dn", "not a dn"},
        {"ldap_user_base", "dc=x,,"},
        {"ldap_user_filter", "uid=%s"},
        {"ldap_user_filter", "(uid=admin)"},
        {"ldap_user_filter", "(uid=%s))("},
        {"ldap_user_filter", "(uid=%d)"},
        {"ldap_timeout", "0"},
        {"ldap_connect_timeout", "1h"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        eg_buf_reset(&msg);
        enum eg_err rc = eg_ldap_config_set(&c, bad[i][0], bad[i][1], "egov.conf:3", &msg);
        if (rc != EG_EINVAL)
            fail_msg("%s = '%s' was accepted", bad[i][0], bad[i][1]);
        assert_non_null(strstr(eg_buf_str(&msg), "egov.conf:3: "));
        assert_non_null(strstr(eg_buf_str(&msg), bad[i][0]));
    }
    /* The service account's password never appears in a message. */
    assert_int_equal(eg_ldap_config_set(&c, "ldap_bind_password", "s3cret-service", "t", &msg),
                     EG_OK);

    set_ok(&c, "ldap_url", "ldap://ldap.nghean.example:389");
    set_ok(&c, "ldap_user_base", "ou=people,dc=nghean,dc=example");
    set_ok(&c, "ldap_bind_dn", "cn=egov,dc=nghean,dc=example");
    /* Clear text to another machine: refused unless StartTLS or explicitly allowed. */
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "clear"));
    assert_null(strstr(eg_buf_str(&msg), "s3cret"));
    set_ok(&c, "ldap_starttls", "true");
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_OK);
    set_ok(&c, "ldap_url", "ldaps://a.example ldaps://b.example:636");
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_EINVAL); /* StartTLS + ldaps */
    set_ok(&c, "ldap_starttls", "false");
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_OK);
    set_ok(&c, "ldap_url", "ldaps://a.example ldap://b.example");
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_EINVAL);
    set_ok(&c, "ldap_allow_plaintext", "yes");
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_OK);
    set_ok(&c, "ldap_url", "ldap://127.0.0.1:3890");
    set_ok(&c, "ldap_allow_plaintext", "no");
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_OK);
    set_ok(&c, "ldap_ca_file", "/nonexistent/ca.pem");
    assert_int_equal(eg_ldap_config_check(&c, false, &msg), EG_EINVAL);
    c.ca_file[0] = '\0';

    /* Export: needs its base and the service account; must not swallow the people. */
    assert_int_equal(eg_ldap_config_check(&c, true, &msg), EG_EINVAL);
    set_ok(&c, "ldap_export_base", "dc=nghean,dc=example");
    assert_int_equal(eg_ldap_config_check(&c, true, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "must not contain"));
    set_ok(&c, "ldap_export_base", "ou=x,ou=People,dc=NGHEAN,dc=example");
    assert_int_equal(eg_ldap_config_check(&c, true, &msg), EG_EINVAL);
    set_ok(&c, "ldap_export_base", "ou=egov,dc=nghean,dc=example");
    assert_int_equal(eg_ldap_config_check(&c, true, &msg), EG_OK);
    c.bind_dn[0] = '\0';
    assert_int_equal(eg_ldap_config_check(&c, true, &msg), EG_EINVAL);
    eg_buf_release(&msg);
}

/* ---- sign-in -------------------------------------------------------------------------- */

static void
test_auth_ok(void **state)
{
    (void)state;
    need_ldap();
    struct eg_ldap_config c;
    config(&c);
    struct eg_ldap_person p;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_ldap_authenticate(&c, "an.nguyen", AN_PW, &p, &msg);
    if (rc != EG_OK)
        fail_msg("%s: %s", eg_strerror(rc), eg_buf_str(&msg));
    char dn[512];
    snprintf(dn, sizeof(dn), AN_DN "%s", env.base);
    assert_string_equal(p.dn, dn);
    assert_string_equal(p.cn, "Nguyễn Văn An");
    assert_string_equal(p.display_name, "Nguyễn Văn An");
    assert_string_equal(p.mail, "an.nguyen@nghean.demo.egov.vn");
    eg_ldap_person_release(&p);
    eg_ldap_person_release(&p); /* twice is fine */

    /*
     * Without a service account the search is anonymous, and this server shows anonymous
     * clients nothing: the base itself is "no such object". That is a configuration
     * problem (503), not a wrong password.
     */
    c.bind_dn[0] = '\0';
    c.bind_password[0] = '\0';
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
    assert_non_null(strstr(eg_buf_str(&msg), "No such object"));
    eg_buf_release(&msg);
}

static void
test_auth_wrong_or_unknown(void **state)
{
    (void)state;
    need_ldap();
    struct eg_ldap_config c;
    config(&c);
    assert_denied(&c, "an.nguyen", "Mật-khẩu-Sai-2025");
    assert_denied(&c, "an.nguyen", "mật-khẩu-đúng-2025"); /* case matters */
    assert_denied(&c, "an.nguyen", AN_PW " ");
    assert_denied(&c, "binh.tran", AN_PW); /* someone else's password */
    assert_denied(&c, "khong.co.ai", AN_PW);
    assert_denied(&c, "egov", env.bind_pw); /* not below ldap_user_base */
    /* A filter matching several entries: refused, whoever they are. */
    set_ok(&c, "ldap_user_filter", "(|(uid=%s)(objectClass=inetOrgPerson))");
    assert_denied(&c, "an.nguyen", AN_PW);
    /* %s twice: both replaced. */
    set_ok(&c, "ldap_user_filter", "(&(objectClass=inetOrgPerson)(|(uid=%s)(mail=%s)))");
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, NULL), EG_OK);
}

static void
test_auth_empty_password(void **state)
{
    (void)state;
    struct eg_ldap_config c;
    eg_ldap_config_defaults(&c);
    char url[64];
    snprintf(url, sizeof(url), "ldap://127.0.0.1:%d", closed_port());
    set_ok(&c, "ldap_url", url);
    set_ok(&c, "ldap_user_base", "ou=people,dc=nghean,dc=demo,dc=egov,dc=vn");
    /* Nothing listens there: forbidden (not unavailable) shows nothing was sent. */
    assert_denied(&c, "an.nguyen", "");
    assert_denied(&c, "an.nguyen", NULL);
    assert_denied(&c, "", "x");
    assert_denied(&c, NULL, "x");
    char longlogin[300];
    memset(longlogin, 'a', sizeof(longlogin) - 1);
    longlogin[sizeof(longlogin) - 1] = '\0';
    assert_denied(&c, longlogin, "x");
    if (!env.ready)
        return;
    config(&c);
    assert_denied(&c, "an.nguyen", "");
    assert_denied(&c, "", "");
}

static void
test_auth_injection(void **state)
{
    (void)state;
    need_ldap();
    struct eg_ldap_config c;
    config(&c);
    /* Each of these would find an.nguyen if the login went into the filter raw. */
    static const char *const logins[] = {
        "an.ngu*",
        "*",
        "a*",
        "an.nguyen)(uid=*",
        "*)(uid=an.nguyen",
        "an\\2enguyen",
        "an.nguyen)(|(objectClass=*)",
        "*)(|(uid=*",
        "an.nguyen\\",
        "(uid=an.nguyen)",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(logins); i++)
        assert_denied(&c, logins[i], AN_PW);
    /* Escaping is exact: an entry whose uid really holds * ( ) \ is found, and only it. */
    assert_int_equal(auth(&c, HOA_LOGIN, HOA_PW, NULL), EG_OK);
    assert_denied(&c, "hoa*", HOA_PW);
    assert_denied(&c, "hoa\\2a(le)\\5cx", HOA_PW);
    assert_denied(&c, "hoa*(le)\\5cx", HOA_PW);
}

static void
test_auth_unavailable(void **state)
{
    (void)state;
    struct eg_ldap_config c;
    eg_ldap_config_defaults(&c);
    struct eg_buf msg = EG_BUF_INIT(1024);
    char url[64];
    set_ok(&c, "ldap_user_base", "ou=people,dc=nghean,dc=demo,dc=egov,dc=vn");
    set_ok(&c, "ldap_connect_timeout", "1s");
    set_ok(&c, "ldap_timeout", "1s");

    /* Nobody listens: unavailable, at once. */
    snprintf(url, sizeof(url), "ldap://127.0.0.1:%d", closed_port());
    set_ok(&c, "ldap_url", url);
    int64_t t0 = eg_mono_ns();
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
    assert_true(eg_mono_ns() - t0 < 2000000000LL);
    assert_null(strstr(eg_buf_str(&msg), AN_PW));

    /* Something accepts but never answers: unavailable after the timeout, not later. */
    int port;
    int fd = silent_server(&port);
    snprintf(url, sizeof(url), "ldap://127.0.0.1:%d", port);
    set_ok(&c, "ldap_url", url);
    t0 = eg_mono_ns();
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
    int64_t ms = (eg_mono_ns() - t0) / 1000000;
    print_message("silent server: unavailable after %lld ms (%s)\n", (long long)ms,
                  eg_buf_str(&msg));
    assert_true(ms >= 900 && ms < 3000);
    /* StartTLS against it: the same. */
    set_ok(&c, "ldap_starttls", "true");
    t0 = eg_mono_ns();
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
    assert_true((eg_mono_ns() - t0) / 1000000 < 3000);
    close(fd);

    /* LDAP not configured at all: unavailable too (503), never "wrong password". */
    eg_ldap_config_defaults(&c);
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);

    if (env.ready) {
        /* The service account refused: a configuration problem, so unavailable. */
        config(&c);
        set_ok(&c, "ldap_bind_password", "not-the-password");
        assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
        assert_non_null(strstr(eg_buf_str(&msg), "service account"));
        assert_null(strstr(eg_buf_str(&msg), "not-the-password"));
        /* A user base that does not exist: unavailable (misconfigured), not "wrong". */
        config(&c);
        set_ok(&c, "ldap_user_base", "ou=nobody,dc=nghean,dc=demo,dc=egov,dc=vn");
        assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
    }
    eg_buf_release(&msg);
}

static void
test_auth_tls(void **state)
{
    (void)state;
    need_ldap();
    if (!env.ldaps_url[0] || !env.ca_file[0]) {
        print_message("skipped: EGOV_TEST_LDAPS_URL / EGOV_TEST_LDAP_CA_FILE not set\n");
        skip();
    }
    struct eg_ldap_config c;
    struct eg_buf msg = EG_BUF_INIT(1024);
    config(&c);
    set_ok(&c, "ldap_url", env.ldaps_url);
    set_ok(&c, "ldap_ca_file", env.ca_file);
    enum eg_err rc = auth(&c, "an.nguyen", AN_PW, &msg);
    if (rc != EG_OK)
        fail_msg("ldaps: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    assert_denied(&c, "an.nguyen", "wrong-password-123");
    /* Without our CA the server's certificate is not trusted: no connection at all. */
    c.ca_file[0] = '\0';
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);

    config(&c);
    set_ok(&c, "ldap_starttls", "true");
    set_ok(&c, "ldap_ca_file", env.ca_file);
    rc = auth(&c, "an.nguyen", AN_PW, &msg);
    if (rc != EG_OK)
        fail_msg("StartTLS: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    c.ca_file[0] = '\0';
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
    /* StartTLS on a port that speaks TLS already fails; it never falls back to clear. */
    set_ok(&c, "ldap_ca_file", env.ca_file);
    char url[512];
    snprintf(url, sizeof(url), "ldap://%.400s", env.ldaps_url + strlen("ldaps://"));
    set_ok(&c, "ldap_url", url);
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
    eg_buf_release(&msg);
}

/* ---- export --------------------------------------------------------------------------- */

static void
load_demo(struct eg_db *db)
{
    /* What `egov init --demo` does (src/cli/demo.c): the embedded province, imported. */
    const struct eg_embedded_file *f = eg_embedded("data/demo/province.json");
    assert_non_null(f);
    json_t *doc = NULL;
    struct eg_buf msg = EG_BUF_INIT(2048);
    assert_int_equal(eg_json_parse((const char *)f->data, f->len, &doc, &msg), EG_OK);
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    size_t count = 0;
    enum eg_err rc =
        eg_org_unit_import(tx, json_object_get(doc, "org_units"), true, NOW, &count, &msg);
    if (rc != EG_OK)
        fail_msg("import: %s", eg_buf_str(&msg));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(count, 42);
    json_decref(doc);
    eg_buf_release(&msg);
}

static void
export_ok(const struct eg_ldap_config *c, struct eg_db *db, size_t added, size_t modified,
          size_t deleted, size_t unchanged)
{
    struct eg_ldap_export_report r;
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_ldap_export(c, db, &r, &msg);
    if (rc != EG_OK)
        fail_msg("export: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    if (r.added != added || r.modified != modified || r.deleted != deleted ||
        r.unchanged != unchanged)
        fail_msg("export: added %zu modified %zu deleted %zu unchanged %zu; want %zu %zu %zu %zu",
                 r.added, r.modified, r.deleted, r.unchanged, added, modified, deleted, unchanged);
    eg_buf_release(&msg);
}

#define KHAI "Nguyễn Thị Minh Khai"
#define LUONG "Trần Đức Lương"
#define HR "ou=000.02.02.H41,ou=000.00.02.H41,ou=000.00.00.H41"
#define FIN "ou=000.01.03.H41,ou=000.00.03.H41,ou=000.00.00.H41"

static void
test_export(void **state)
{
    struct dbt *t = dbt_get(state);
    need_ldap();
    struct eg_ldap_config c;
    config(&c);
    LDAP *ld = admin();
    wipe(ld);
    load_demo(t->db);
    dbt_write(
        t->db,
        "INSERT INTO account (kind, login, name, name_fold, email, phone, auth_source, status, "
        "created_at, updated_at) VALUES ('staff', 'khai.nguyen', '" KHAI
        "', 'nguyen thi minh khai', "
        "'khai.nguyen@nghean.demo.egov.vn', '0238 3999 200', 'ldap', 'active', 1, 1)");
    dbt_write(t->db,
              "INSERT INTO account (kind, login, name, name_fold, email, auth_source, status, "
              "created_at, updated_at) VALUES ('staff', 'luong.tran', '" LUONG
              "', 'tran duc luong', "
              "'luong.tran@nghean.demo.egov.vn', 'local', 'active', 1, 1)");
    /* Not exported: a citizen, and staff already disabled. */
    dbt_write(
        t->db,
        "INSERT INTO account (kind, login, name, name_fold, pid_hash, status, created_at, "
        "updated_at) VALUES ('citizen', 'cong.dan', 'Công Dân', 'cong dan', 'h', 'active', 1, 1)");
    dbt_write(t->db,
              "INSERT INTO account (kind, login, name, name_fold, status, created_at, updated_at) "
              "VALUES ('staff', 'da.nghi', 'Đã Nghỉ', 'da nghi', 'disabled', 1, 1)");
    dbt_write(t->db, "INSERT INTO staff_assignment (account_id, org_unit_id, position, "
                     "valid_from) SELECT a.id, o.id, 'Chuyên viên', 1 FROM account a, org_unit o "
                     "WHERE a.login = 'khai.nguyen' AND o.code = '000.02.02.H41'");

    /* First export: 42 units, ou=people, two people. */
    export_ok(&c, t->db, 45, 0, 0, 0);
    char dn[1024];
    dn_of(dn, sizeof(dn), "ou=000.00.00.H41");
    assert_attr(ld, dn, "objectClass", "top|organizationalUnit");
    assert_attr(ld, dn, "ou", "000.00.00.H41");
    assert_attr(ld, dn, "description", "Ủy ban nhân dân tỉnh Nghệ An");
    assert_attr(ld, dn, "telephoneNumber", "0238 3999 100");
    assert_attr(ld, dn, "postalAddress", "Số 3 đường Trường Thi, phường Thành Vinh, tỉnh Nghệ An");
    dn_of(dn, sizeof(dn), HR);
    assert_attr(ld, dn, "description", "Phòng Công chức, viên chức");
    dn_of(dn, sizeof(dn), "uid=khai.nguyen," HR);
    assert_attr(ld, dn, "objectClass", "top|person|organizationalPerson|inetOrgPerson");
    assert_attr(ld, dn, "uid", "khai.nguyen");
    assert_attr(ld, dn, "cn", KHAI);
    assert_attr(ld, dn, "displayName", KHAI);
    assert_attr(ld, dn, "sn", "Nguyễn");
    assert_attr(ld, dn, "givenName", "Khai");
    assert_attr(ld, dn, "mail", "khai.nguyen@nghean.demo.egov.vn");
    assert_attr(ld, dn, "telephoneNumber", "0238 3999 200");
    assert_attr(ld, dn, "title", "Chuyên viên");
    dn_of(dn, sizeof(dn), "uid=luong.tran,ou=people");
    assert_attr(ld, dn, "cn", LUONG);
    assert_attr(ld, dn, "sn", "Trần");
    assert_attr(ld, dn, "givenName", "Lương");
    assert_attr(ld, dn, "title", "");
    dn_of(dn, sizeof(dn), "uid=da.nghi,ou=people");
    assert_gone(ld, dn);
    dn_of(dn, sizeof(dn), "uid=cong.dan,ou=people");
    assert_gone(ld, dn);

    /* Every unit's description is its name, byte for byte. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
    struct eg_stmt *st = dbt_prepare(
        tx, "SELECT o.code, o.name, p.code, g.code FROM org_unit o LEFT JOIN org_unit p ON "
            "p.id = o.parent_id LEFT JOIN org_unit g ON g.id = p.parent_id");
    bool row = false;
    int seen = 0;
    while (eg_stmt_step(st, &row) == EG_OK && row) {
        char rdns[256];
        const char *code = eg_stmt_text(st, 0), *p = eg_stmt_text(st, 2), *g = eg_stmt_text(st, 3);
        if (g)
            snprintf(rdns, sizeof(rdns), "ou=%s,ou=%s,ou=%s", code, p, g);
        else if (p)
            snprintf(rdns, sizeof(rdns), "ou=%s,ou=%s", code, p);
        else
            snprintf(rdns, sizeof(rdns), "ou=%s", code);
        dn_of(dn, sizeof(dn), rdns);
        assert_attr(ld, dn, "description", eg_stmt_text(st, 1));
        seen++;
    }
    eg_tx_rollback(tx);
    assert_int_equal(seen, 42);

    /* Again: nothing to do. */
    export_ok(&c, t->db, 0, 0, 0, 45);

    /* Entries egov does not own are left alone; a change made in LDAP is undone. */
    dn_of(dn, sizeof(dn), "cn=keep-me");
    add_role(ld, dn, "keep-me");
    char unit[1024];
    dn_of(unit, sizeof(unit), "ou=000.00.05.H41,ou=000.00.00.H41");
    char *desc[] = {(char *)"changed by hand", NULL};
    LDAPMod m = {.mod_op = LDAP_MOD_REPLACE, .mod_type = (char *)"description", .mod_values = desc};
    LDAPMod *mods[] = {&m, NULL};
    assert_int_equal(ldap_modify_ext_s(ld, unit, mods, NULL, NULL), LDAP_SUCCESS);
    export_ok(&c, t->db, 0, 1, 0, 44);
    assert_attr(ld, unit, "description", "Sở Xây dựng tỉnh Nghệ An");
    assert_attr(ld, dn, "cn", "keep-me");

    /* A renamed unit and a person's new name: modified, nothing else. */
    dbt_write(t->db, "UPDATE org_unit SET name = 'Sở Xây dựng Nghệ An' WHERE code = "
                     "'000.00.05.H41'");
    dbt_write(t->db, "UPDATE account SET name = 'Trần Đức Lượng', email = NULL WHERE login = "
                     "'luong.tran'");
    export_ok(&c, t->db, 0, 2, 0, 43);
    assert_attr(ld, unit, "description", "Sở Xây dựng Nghệ An");
    dn_of(dn, sizeof(dn), "uid=luong.tran,ou=people");
    assert_attr(ld, dn, "givenName", "Lượng");
    assert_attr(ld, dn, "mail", "");

    /* Closing khai's unit and another; disabling luong: gone; khai moves to ou=people. */
    dbt_write(t->db, "UPDATE org_unit SET valid_to = '2026-01-01' WHERE code IN "
                     "('000.02.02.H41', '000.03.04.H41')");
    dbt_write(t->db, "UPDATE account SET status = 'disabled' WHERE login = 'luong.tran'");
    export_ok(&c, t->db, 0, 1, 3, 41);
    dn_of(dn, sizeof(dn), HR);
    assert_gone(ld, dn);
    dn_of(dn, sizeof(dn), "ou=000.03.04.H41,ou=000.00.04.H41,ou=000.00.00.H41");
    assert_gone(ld, dn);
    dn_of(dn, sizeof(dn), "uid=luong.tran,ou=people");
    assert_gone(ld, dn);
    dn_of(dn, sizeof(dn), "uid=khai.nguyen,ou=people");
    assert_attr(ld, dn, "cn", KHAI);
    assert_attr(ld, dn, "title", "");

    /* A new assignment: khai moves under it, with its position. */
    dbt_write(t->db, "INSERT INTO staff_assignment (account_id, org_unit_id, position, "
                     "valid_from) SELECT a.id, o.id, 'Trưởng phòng', 2 FROM account a, org_unit o "
                     "WHERE a.login = 'khai.nguyen' AND o.code = '000.01.03.H41'");
    export_ok(&c, t->db, 0, 1, 0, 41);
    dn_of(dn, sizeof(dn), "uid=khai.nguyen," FIN);
    assert_attr(ld, dn, "title", "Trưởng phòng");
    dn_of(dn, sizeof(dn), "uid=khai.nguyen,ou=people");
    assert_gone(ld, dn);

    /* A unit to delete that holds an entry egov does not own: a conflict naming it. */
    dn_of(dn, sizeof(dn), "cn=blocker,ou=000.02.03.H41,ou=000.00.03.H41,ou=000.00.00.H41");
    add_role(ld, dn, "blocker");
    dbt_write(t->db, "UPDATE org_unit SET valid_to = '2026-01-01' WHERE code = '000.02.03.H41'");
    struct eg_ldap_export_report r;
    struct eg_buf msg = EG_BUF_INIT(2048);
    assert_int_equal(eg_ldap_export(&c, t->db, &r, &msg), EG_ECONFLICT);
    assert_non_null(strstr(eg_buf_str(&msg), "ou=000.02.03.H41"));
    eg_buf_release(&msg);
    assert_int_equal(ldap_delete_ext_s(ld, dn, NULL, NULL), LDAP_SUCCESS);
    export_ok(&c, t->db, 0, 0, 1, 41);
    export_ok(&c, t->db, 0, 0, 0, 41);
    dn_of(dn, sizeof(dn), "cn=keep-me");
    assert_attr(ld, dn, "cn", "keep-me");
    wipe(ld);
    ldap_unbind_ext_s(ld, NULL, NULL);
}

static void
test_export_errors(void **state)
{
    struct dbt *t = dbt_get(state);
    need_ldap();
    struct eg_ldap_config c;
    struct eg_ldap_export_report r;
    struct eg_buf msg = EG_BUF_INIT(2048);
    load_demo(t->db);
    config(&c);
    char dn[512];
    snprintf(dn, sizeof(dn), "ou=nowhere,%s", env.base);
    set_ok(&c, "ldap_export_base", dn);
    assert_int_equal(eg_ldap_export(&c, t->db, &r, &msg), EG_ENOTFOUND);
    assert_non_null(strstr(eg_buf_str(&msg), "ou=nowhere"));
    /* A base the service account may not write. */
    snprintf(dn, sizeof(dn), "ou=people,%s", env.base);
    set_ok(&c, "ldap_export_base", dn);
    c.user_base[0] = '\0';
    assert_int_equal(eg_ldap_export(&c, t->db, &r, &msg), EG_EFORBIDDEN);
    /* The service account refused. */
    config(&c);
    set_ok(&c, "ldap_bind_password", "not-the-password");
    assert_int_equal(eg_ldap_export(&c, t->db, &r, &msg), EG_EFORBIDDEN);
    assert_null(strstr(eg_buf_str(&msg), "not-the-password"));
    /* Nobody there. */
    config(&c);
    char url[64];
    snprintf(url, sizeof(url), "ldap://127.0.0.1:%d", closed_port());
    set_ok(&c, "ldap_url", url);
    assert_int_equal(eg_ldap_export(&c, t->db, &r, &msg), EG_EUNAVAIL);
    eg_buf_release(&msg);
}

/* Last: stops the server this test started, then everything is unavailable. */
static void
test_server_stopped(void **state)
{
    (void)state;
    need_ldap();
    if (!env.own) {
        print_message("skipped: the server is not this test's to stop (EGOV_TEST_LDAP_URL)\n");
        skip();
    }
    struct eg_ldap_config c;
    config(&c);
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, NULL), EG_OK);
    assert_int_equal(run_script("stop", env.dir, NULL, 0), 0);
    env.stopped = true;
    struct eg_buf msg = EG_BUF_INIT(1024);
    int64_t t0 = eg_mono_ns();
    assert_int_equal(auth(&c, "an.nguyen", AN_PW, &msg), EG_EUNAVAIL);
    assert_true((eg_mono_ns() - t0) / 1000000 < 3000);
    assert_int_equal(auth(&c, "an.nguyen", "wrong", &msg), EG_EUNAVAIL);
    eg_buf_release(&msg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_escape),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_auth_ok),
        cmocka_unit_test(test_auth_wrong_or_unknown),
        cmocka_unit_test(test_auth_empty_password),
        cmocka_unit_test(test_auth_injection),
        cmocka_unit_test(test_auth_unavailable),
        cmocka_unit_test(test_auth_tls),
        DBT_BOTH(test_export, dbt_setup_migrated),
        DBT_BOTH(test_export_errors, dbt_setup_migrated),
        cmocka_unit_test(test_server_stopped),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
