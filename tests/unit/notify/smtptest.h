/*
 * smtptest.h - a real SMTP server for notify's tests: tests/notify/smtp_server.py
 * (Debian's python3-aiosmtpd) started as a child process on a free loopback
 * port, storing what it receives as files in a temporary directory.
 *
 * smtpd_start() forks and execs the script and waits until its port answers (the
 * server gets SIGTERM if the test process dies first);
 * smtpd_stop() sends SIGTERM and reaps it; smtpd_mode() changes its behaviour
 * while it runs ("accept", "reject", "tempfail", "slow:S"); smtpd_messages()
 * returns what arrived (the JSON summaries, oldest first).
 *
 * The interpreter is $EGOV_TEST_PYTHON, else /usr/bin/python3 (Debian's, which
 * has aiosmtpd), else python3 from PATH. Include after <cmocka.h>.
 */
#ifndef EG_TESTS_SMTPTEST_H
#define EG_TESTS_SMTPTEST_H

#include "core/core.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct smtpd {
    pid_t pid;
    int port;
    char root[256]; /* temporary directory: server.log and mail/ */
    char dir[300];  /* what the server stores: msg-*.eml, msg-*.json, mode */
    char auth[128]; /* "user:password" or "" */
};

static inline const char *
smtpd_python(void)
{
    const char *p = getenv("EGOV_TEST_PYTHON");
    if (p && *p)
        return p;
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

static inline void
smtpd_script(char *out, size_t n)
{
    const char *src = getenv("EGOV_SOURCE_DIR");
    snprintf(out, n, "%s/tests/notify/smtp_server.py", src && *src ? src : ".");
}

/* A loopback port nobody listens on right now. */
static inline int
smtpd_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static inline bool
smtpd_port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static inline void
smtpd_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static inline void
smtpd_print_log(const struct smtpd *s)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/server.log", s->root);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f))
        print_error("smtpd: %s", line);
    fclose(f);
}

/* Makes the directories and picks a port; does not start the server. */
static inline void
smtpd_init(struct smtpd *s, const char *auth)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->root, sizeof(s->root), "/tmp/egov_smtp_%ld_XXXXXX", (long)getpid());
    assert_non_null(mkdtemp(s->root));
    snprintf(s->dir, sizeof(s->dir), "%s/mail", s->root);
    assert_int_equal(mkdir(s->dir, 0700), 0);
    snprintf(s->auth, sizeof(s->auth), "%s", auth ? auth : "");
    s->port = smtpd_free_port();
}

/* Starts the server on s->port and waits (up to 15 s) until it answers. */
static inline void
smtpd_start(struct smtpd *s)
{
    char script[512], port[16], log[400];
    smtpd_script(script, sizeof(script));
    snprintf(port, sizeof(port), "%d", s->port);
    snprintf(log, sizeof(log), "%s/server.log", s->root);
    const char *py = smtpd_python();
    pid_t parent = getpid();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A test that crashes or is killed takes its server with it. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(126);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (s->auth[0])
            execlp(py, py, script, "--port", port, "--dir", s->dir, "--auth", s->auth,
                   (char *)NULL);
        else
            execlp(py, py, script, "--port", port, "--dir", s->dir, (char *)NULL);
        _exit(127);
    }
    s->pid = pid;
    for (int i = 0; i < 1500; i++) {
        if (smtpd_port_open(s->port))
            return;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            s->pid = 0;
            smtpd_print_log(s);
            fail_msg("the test SMTP server (%s %s) exited before listening", py, script);
        }
        smtpd_sleep_ms(10);
    }
    smtpd_print_log(s);
    fail_msg("the test SMTP server did not listen on port %d within 15 s", s->port);
}

static inline void
smtpd_stop(struct smtpd *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    int status;
    for (int i = 0; i < 500; i++) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return;
        }
        smtpd_sleep_ms(10);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
}

static inline void
smtpd_mode(const struct smtpd *s, const char *mode)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/mode", s->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(mode, f);
    assert_int_equal(fclose(f), 0);
}

static inline int
smtpd_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The JSON summaries of every message received, oldest first (a new array). */
static inline json_t *
smtpd_messages(const struct smtpd *s)
{
    json_t *all = json_array();
    DIR *d = opendir(s->dir);
    assert_non_null(d);
    char *names[4096];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "msg-", 4) == 0 && len > 5 &&
            strcmp(e->d_name + len - 5, ".json") == 0 && n < 4096)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), smtpd_cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[700];
        snprintf(path, sizeof(path), "%s/%s", s->dir, names[i]);
        json_error_t je;
        json_t *m = json_load_file(path, 0, &je);
        if (!m)
            fail_msg("%s: %s", path, je.text);
        json_array_append_new(all, m);
        free(names[i]);
    }
    return all;
}

static inline size_t
smtpd_count(const struct smtpd *s)
{
    json_t *all = smtpd_messages(s);
    size_t n = json_array_size(all);
    json_decref(all);
    return n;
}

/* Forgets what arrived and goes back to "accept". */
static inline void
smtpd_clear(const struct smtpd *s)
{
    DIR *d = opendir(s->dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[700];
        snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

/* Stops the server and removes its directory. */
static inline void
smtpd_destroy(struct smtpd *s)
{
    smtpd_stop(s);
    smtpd_clear(s);
    char path[400];
    snprintf(path, sizeof(path), "%s/server.log", s->root);
    unlink(path);
    rmdir(s->dir);
    rmdir(s->root);
}

/* A string member of a message summary ("" when absent or null). */
static inline const char *
smtpd_field(const json_t *msg, const char *key)
{
    const char *v = json_string_value(json_object_get(msg, key));
    return v ? v : "";
}

/* The same as tests/unit/db/dbtest.h's, for files that do not include it (include that first). */
#ifndef assert_contains
#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        if (!h_ || !strstr(h_, (needle)))                                                          \
            fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle));           \
    } while (0)

#define assert_not_contains(hay, needle)                                                           \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        if (h_ && strstr(h_, (needle)))                                                            \
            fail_msg("expected \"%s\" not to contain \"%s\"", h_, (needle));                       \
    } while (0)
#endif

#endif /* EG_TESTS_SMTPTEST_H */
