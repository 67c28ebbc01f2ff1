/*
 * listen.c - the listening socket and the thread that accepts on it.
 *
 * egov owns its listening socket and hands each accepted connection to
 * libmicrohttpd's worker threads with MHD_add_connection. Stopping to accept
 * at shutdown is then ours: shutdown(2) on the socket wakes the accept thread
 * and refuses new connections at once, while the workers finish what is in
 * flight. (libmicrohttpd's own way, MHD_quiesce_daemon, races with the epoll
 * workers of 0.9.75: both take the socket out of the epoll set, and the loser
 * aborts the process.)
 */
#define _GNU_SOURCE /* accept4: the socket comes non-blocking and close-on-exec at once */
#include "http_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define BACKLOG 1024

enum eg_err
eg_http_listen(struct eg_http_server *s, const struct sockaddr_storage *ss, struct eg_buf *msg)
{
    socklen_t len =
        ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0 &&
        (ss->ss_family != AF_INET6 ||
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == 0) &&
        bind(fd, (const struct sockaddr *)ss, len) == 0 && listen(fd, BACKLOG) == 0) {
        struct sockaddr_storage bound;
        socklen_t blen = sizeof(bound);
        memset(&bound, 0, sizeof(bound));
        if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0) {
            s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                        : ((struct sockaddr_in *)&bound)->sin_port);
            s->listen_fd = fd;
            return EG_OK;
        }
    }
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (eg_buf_printf(msg, "cannot listen on %s:%d: %s", s->cfg.host, s->cfg.port, strerror(err)) !=
        EG_OK)
        eg_buf_reset(msg);
    return EG_EIO;
}

static void
pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static void *
accept_loop(void *arg)
{
    struct eg_http_server *s = arg;
    int64_t warned = 0;
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        int fd =
            accept4(s->listen_fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            /* libmicrohttpd closes the socket itself when it cannot take it (limits). */
            (void)MHD_add_connection(s->daemon, fd, (const struct sockaddr *)&peer, len);
            continue;
        }
        if (atomic_load(&s->draining) || errno == EINVAL || errno == EBADF)
            break; /* shut down: stop accepting */
        if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN || errno == EPROTO)
            continue;
        /* Out of descriptors or memory: say so now and then, and let the load pass. */
        int64_t now = eg_mono_ns();
        if (now - warned > (int64_t)10 * 1000000000) {
            eg_warn("http: cannot accept connections: %s", strerror(errno));
            warned = now;
        }
        pause_ms(10);
    }
    return NULL;
}

enum eg_err
eg_http_accept_start(struct eg_http_server *s)
{
    if (pthread_create(&s->acceptor, NULL, accept_loop, s) != 0)
        return EG_ENOMEM;
    s->accepting = true;
    return EG_OK;
}

void
eg_http_accept_stop(struct eg_http_server *s)
{
    if (s->listen_fd < 0)
        return;
    /* Wakes the accept thread (EINVAL) and refuses whoever connects from now on. */
    shutdown(s->listen_fd, SHUT_RDWR);
    if (s->accepting) {
        pthread_join(s->acceptor, NULL);
        s->accepting = false;
    }
    close(s->listen_fd);
    s->listen_fd = -1;
}
