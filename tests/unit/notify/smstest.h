/*
 * smstest.h - a real SMS gateway for notify's tests: tests/support/sms_gateway.py
 * (python3's http.server only) started as a child process on a free loopback
 * port, recording every request it gets in <dir>/requests.jsonl.
 *
 * smsgw_start() forks and execs the script and waits until its port answers
 * (the gateway gets SIGTERM if the test process dies first); smsgw_stop()
 * takes it down (the "gateway down" of the tests) and smsgw_start() brings it
 * back on the same port; smsgw_control() steers its next answers
 * ({"status":500,"count":2}, {"hang":2,"count":1}, ...); smsgw_requests()
 * returns what it received, oldest first. Include after <cmocka.h>; uses the
 * process helpers of smtptest.h.
 */
#ifndef EG_TESTS_SMSTEST_H
#define EG_TESTS_SMSTEST_H

#include "notify/smtptest.h"

struct smsgw {
    pid_t pid;
    int port;
    char dir[256];   /* temporary: requests.jsonl, control, server.log */
    char token[128]; /* the token it requires, or "" */
    char url[128];   /* "http://127.0.0.1:<port>/send" */
};

static inline void
smsgw_init(struct smsgw *g, const char *token)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->dir, sizeof(g->dir), "/tmp/egov_smsgw_%ld_XXXXXX", (long)getpid());
    assert_non_null(mkdtemp(g->dir));
    snprintf(g->token, sizeof(g->token), "%s", token ? token : "");
    g->port = smtpd_free_port();
    snprintf(g->url, sizeof(g->url), "http://127.0.0.1:%d/send", g->port);
}

static inline void
smsgw_print_log(const struct smsgw *g)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/server.log", g->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f))
        print_error("sms_gateway: %s", line);
    fclose(f);
}

static inline void
smsgw_start(struct smsgw *g)
{
    char script[512], port[16], log[400];
    const char *src = getenv("EGOV_SOURCE_DIR");
    snprintf(script, sizeof(script), "%s/tests/support/sms_gateway.py", src && *src ? src : ".");
    snprintf(port, sizeof(port), "%d", g->port);
    snprintf(log, sizeof(log), "%s/server.log", g->dir);
    const char *py = smtpd_python();
    pid_t parent = getpid();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(126);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execlp(py, py, script, "--port", port, "--dir", g->dir, "--token", g->token, (char *)NULL);
        _exit(127);
    }
    g->pid = pid;
    for (int i = 0; i < 1500; i++) {
        if (smtpd_port_open(g->port))
            return;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            g->pid = 0;
            smsgw_print_log(g);
            fail_msg("the test SMS gateway (%s %s) exited before listening", py, script);
        }
        smtpd_sleep_ms(10);
    }
    smsgw_print_log(g);
    fail_msg("the test SMS gateway did not listen on port %d within 15 s", g->port);
}

static inline void
smsgw_stop(struct smsgw *g)
{
    if (g->pid <= 0)
        return;
    kill(g->pid, SIGTERM);
    int status;
    for (int i = 0; i < 500; i++) {
        if (waitpid(g->pid, &status, WNOHANG) == g->pid) {
            g->pid = 0;
            return;
        }
        smtpd_sleep_ms(10);
    }
    kill(g->pid, SIGKILL);
    waitpid(g->pid, &status, 0);
    g->pid = 0;
}

/* Writes the control file: the gateway's next answers (see sms_gateway.py). */
static inline void
smsgw_control(const struct smsgw *g, const char *json)
{
    char path[400], tmp[420];
    snprintf(path, sizeof(path), "%s/control", g->dir);
    snprintf(tmp, sizeof(tmp), "%s/control.new", g->dir);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(json, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0);
}

/* Every request received, oldest first (a new array). */
static inline json_t *
smsgw_requests(const struct smsgw *g)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/requests.jsonl", g->dir);
    json_t *all = json_array();
    FILE *f = fopen(path, "r");
    if (!f)
        return all;
    static char line[1 << 16];
    while (fgets(line, sizeof(line), f)) {
        json_error_t je;
        json_t *r = json_loads(line, 0, &je);
        if (!r)
            fail_msg("%s: %s", path, je.text);
        json_array_append_new(all, r);
    }
    fclose(f);
    return all;
}

static inline size_t
smsgw_count(const struct smsgw *g)
{
    json_t *all = smsgw_requests(g);
    size_t n = json_array_size(all);
    json_decref(all);
    return n;
}

/* Requests the gateway accepted. */
static inline size_t
smsgw_accepted(const struct smsgw *g)
{
    json_t *all = smsgw_requests(g);
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(all); i++)
        n += json_is_true(json_object_get(json_array_get(all, i), "accepted"));
    json_decref(all);
    return n;
}

/* Forgets the requests and the control file. */
static inline void
smsgw_clear(const struct smsgw *g)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/requests.jsonl", g->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/control", g->dir);
    unlink(path);
}

static inline void
smsgw_destroy(struct smsgw *g)
{
    smsgw_stop(g);
    smsgw_clear(g);
    char path[400];
    snprintf(path, sizeof(path), "%s/server.log", g->dir);
    unlink(path);
    rmdir(g->dir);
}

#endif /* EG_TESTS_SMSTEST_H */
