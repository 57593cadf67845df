/*
 * fcgi_io.c — FastCGI (libfcgi) and CGI behind struct http_io.
 *
 * The FastCGI protocol itself (records, multiplexing, the PARAMS stream) is
 * libfcgi's business; this file only adapts its request object to the plain
 * interface the rest of orderapi uses, so nothing else includes fcgiapp.h.
 * One exception: a large write (a report's body, an export's chunk) goes out
 * as FCGI_STDOUT records of up to 64 kB written here in one writev(), where
 * libfcgi would cut it into 8 kB records, one write() each.
 */
#include "fcgi_io.h"

#include <errno.h>
#include <fastcgi.h>
#include <fcgiapp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"

extern char **environ;

struct transport {
    FCGX_Request request;
    int active;
};

int transport_init(void)
{
    return FCGX_Init() == 0 ? 0 : -1;
}

/*
 * Opens the socket on the address config_listen_parse makes of listen_addr:
 * the very address config_validate checked, so no second parser (libfcgi's
 * FCGX_OpenSocket reads "0:9000" or ":::9000" its own way) can widen it.
 * A stale unix socket file from an earlier run is removed first, and the
 * socket is made group-writable (0660): nginx must run as the same user or
 * be in the same group.
 */
int transport_listen(const char *listen_addr)
{
    struct listen_addr at;
    char err[256];
    const struct sockaddr *sa = (const struct sockaddr *)(const void *)&at.sa;
    int one = 1;

    if (config_listen_parse(listen_addr, &at, err, sizeof err) != 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (sa->sa_family == AF_UNIX)
        unlink(((const struct sockaddr_un *)(const void *)sa)->sun_path);
    else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        goto fail;
    mode_t old = umask(007);
    int bound = bind(fd, sa, at.sa_len);
    umask(old);
    if (bound != 0 || listen(fd, 1024) != 0)
        goto fail;
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int transport_fd_is_listener(int fd)
{
    int v = 0;
    socklen_t len = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1;
}

struct transport *transport_new(int listen_fd)
{
    struct transport *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (FCGX_InitRequest(&t->request, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void transport_free(struct transport *t)
{
    if (!t)
        return;
    if (t->active)
        FCGX_Finish_r(&t->request);
    FCGX_Free(&t->request, 1);
    free(t);
}

static const char *fcgi_param(void *ctx, const char *name)
{
    struct transport *t = ctx;
    return FCGX_GetParam(name, t->request.envp);
}

/* Calls fn(name, value) for each "NAME=value" of an environment block. */
static void each_env(char **envp, void (*fn)(void *arg, const char *name, const char *value), void *arg)
{
    char name[256];
    for (char **e = envp; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || (size_t)(eq - *e) >= sizeof name)
            continue;
        memcpy(name, *e, (size_t)(eq - *e));
        name[eq - *e] = '\0';
        fn(arg, name, eq + 1);
    }
}

static void fcgi_each_param(void *ctx, void (*fn)(void *arg, const char *name, const char *value), void *arg)
{
    struct transport *t = ctx;
    each_env(t->request.envp, fn, arg);
}

static long fcgi_read(void *ctx, char *buf, size_t len)
{
    struct transport *t = ctx;
    size_t want = len > (size_t)0x40000000 ? (size_t)0x40000000 : len;
    int n = FCGX_GetStr(buf, (int)want, t->request.in);
    if (n < 0)
        return -1;
    if (n == 0 && FCGX_GetError(t->request.in) != 0)
        return -1;
    return n;
}

/* Writes at least this long skip libfcgi's stream buffer (8 kB records). */
#define DIRECT_WRITE_MIN 16384
/* A record's content: FCGI_MAX_LENGTH rounded down to a multiple of 8, so
 * that no record needs padding (FastCGI 1.0 §3.3 recommends 8-byte
 * alignment). */
#define RECORD_CONTENT_MAX (FCGI_MAX_LENGTH & ~7)
/* Records per writev(): 64 of them carry 4 MB. */
#define RECORDS_PER_WRITE 64

/* Writes all of iov[0..n), resuming after short writes; 0 or -1. */
static int writev_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t done = writev(fd, iov, n);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return -1;
        while (n > 0 && (size_t)done >= iov->iov_len) {
            done -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + done;
            iov->iov_len -= (size_t)done;
        }
    }
    return 0;
}

/*
 * Writes buf as FCGI_STDOUT records of up to RECORD_CONTENT_MAX bytes
 * (FastCGI 1.0 §3.3, §5.3) straight to the request's connection, after
 * libfcgi's buffered output so that the stream stays in order.  libfcgi
 * writes the stream's empty end record itself, at FCGX_Finish_r.
 */
static int write_stdout_records(struct transport *t, const char *buf, size_t len)
{
    FCGI_Header headers[RECORDS_PER_WRITE];
    struct iovec iov[2 * RECORDS_PER_WRITE];
    int id = t->request.requestId;

    if (FCGX_FFlush(t->request.out) != 0)
        return -1;
    while (len > 0) {
        int n = 0;
        for (; n < RECORDS_PER_WRITE && len > 0; n++) {
            size_t chunk = len < RECORD_CONTENT_MAX ? len : RECORD_CONTENT_MAX;
            headers[n] = (FCGI_Header){.version = FCGI_VERSION_1, .type = FCGI_STDOUT,
                                       .requestIdB1 = (unsigned char)((id >> 8) & 0xff),
                                       .requestIdB0 = (unsigned char)(id & 0xff),
                                       .contentLengthB1 = (unsigned char)(chunk >> 8),
                                       .contentLengthB0 = (unsigned char)(chunk & 0xff)};
            iov[2 * n] = (struct iovec){.iov_base = &headers[n], .iov_len = sizeof headers[n]};
            iov[2 * n + 1] = (struct iovec){.iov_base = (void *)(uintptr_t)buf, .iov_len = chunk};
            buf += chunk;
            len -= chunk;
        }
        if (writev_all(t->request.ipcFd, iov, 2 * n) != 0)
            return -1;
    }
    return 0;
}

static int fcgi_write(void *ctx, const char *buf, size_t len)
{
    struct transport *t = ctx;
    if (len >= DIRECT_WRITE_MIN && t->request.ipcFd >= 0)
        return write_stdout_records(t, buf, len);
    while (len > 0) {
        int chunk = len > 0x40000000 ? 0x40000000 : (int)len;
        if (FCGX_PutStr(buf, chunk, t->request.out) != chunk)
            return -1;
        buf += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

int transport_accept(struct transport *t, struct http_io *io)
{
    t->active = 0;
    if (FCGX_Accept_r(&t->request) < 0)
        return -1;
    t->active = 1;
    *io = (struct http_io){
        .param = fcgi_param,
        .each_param = fcgi_each_param,
        .read = fcgi_read,
        .write = fcgi_write,
        .ctx = t,
    };
    return 0;
}

/*
 * libfcgi closes a connection gracefully: shutdown(), then it waits (up to
 * 2 s) for the front to read the answer and close its end, reading and
 * dropping whatever input came meanwhile, and closes.  The wait is for input
 * the front is still sending: closing a socket with unread input resets the
 * connection, and the reset can destroy answer bytes the front has not read
 * yet.  Once the request's input has been read to its end (the empty
 * FCGI_STDIN record: a front sends nothing after it but an abort) and
 * nothing is queued on the socket, a plain close() loses nothing and frees
 * the worker at once; a detached request is closed that way (FCGX_Free).
 * A request whose body was not read (answered before it) keeps the wait.
 */
static int input_ended(FCGX_Stream *in)
{
    if (!in)
        return 0;
    if (FCGX_HasSeenEOF(in))
        return 1;
    /* A request without a body: its end is usually read already (nginx
     * sends it in the same write as the parameters); one read finds it. */
    return FCGX_GetChar(in) == EOF && FCGX_HasSeenEOF(in) && FCGX_GetError(in) == 0;
}

static void close_plainly_when_drained(struct transport *t)
{
    int queued = -1;
    if (t->request.ipcFd >= 0 && !t->request.keepConnection && input_ended(t->request.in) &&
        ioctl(t->request.ipcFd, FIONREAD, &queued) == 0 && queued == 0)
        FCGX_Detach(&t->request);
}

void transport_finish(struct transport *t)
{
    if (t->active) {
        close_plainly_when_drained(t);
        FCGX_Finish_r(&t->request);
        t->active = 0;
    }
}

/* CGI (RFC 3875): meta-variables in the environment, body on stdin. */
static const char *cgi_param(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

static void cgi_each_param(void *ctx, void (*fn)(void *arg, const char *name, const char *value), void *arg)
{
    (void)ctx;
    each_env(environ, fn, arg);
}

static long cgi_read(void *ctx, char *buf, size_t len)
{
    (void)ctx;
    size_t n = fread(buf, 1, len, stdin);
    if (n == 0 && ferror(stdin))
        return -1;
    return (long)n;
}

static int cgi_write(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    if (fwrite(buf, 1, len, stdout) != len)
        return -1;
    return fflush(stdout) == 0 ? 0 : -1;
}

void transport_cgi_io(struct http_io *io)
{
    *io = (struct http_io){
        .param = cgi_param,
        .each_param = cgi_each_param,
        .read = cgi_read,
        .write = cgi_write,
        .ctx = NULL,
    };
}
