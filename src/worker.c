/*
 * worker.c — the accept loop.
 *
 * SIGTERM (and SIGINT) stay blocked while a request runs, so a drain never
 * interrupts a request half-way.  Between requests the worker looks for a
 * pending one and leaves; while idle it waits in ppoll() with them
 * unblocked.  ppoll() alone is not enough: Linux runs the handler only when
 * ppoll() fails with EINTR, and under steady load it returns a ready listen
 * socket every time, so a signal that came during a request would wait for
 * an idle moment that never comes.  The listen socket is non-blocking, so
 * when several idle workers wake for one connection the losers go back to
 * waiting instead of blocking inside accept().
 *
 * After each request the worker first tries to accept (under load a
 * connection is usually queued: no wait at all), and waits only when none
 * is.  It waits in epoll_pwait() with EPOLLEXCLUSIVE, so a new connection
 * wakes one idle worker rather than every one of them (ppoll() when epoll
 * is not to be had); the signal mask is the same as ppoll()'s.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "arena.h"
#include "config.h"
#include "fcgi_io.h"
#include "log.h"
#include "http/problem.h"
#include "metrics.h"
#include "router.h"
#include "scoreboard.h"
#include "store/cache.h"
#include "store/db.h"

static volatile sig_atomic_t worker_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    worker_stop = 1;
}

/*
 * 1 once SIGTERM or SIGINT asked this worker to stop: the handler ran (in
 * ppoll), or the signal is pending because it came while a request ran.
 * Called before each wait, that is after each request.
 */
static int stop_requested(void)
{
    sigset_t pending;
    if (!worker_stop && sigpending(&pending) == 0 &&
        (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1))
        worker_stop = 1;
    return worker_stop;
}

/*
 * 1 when the listen socket is a unix socket whose path is gone: the master
 * unlinks it first thing when it stops for good (SIGTERM), so that no new
 * connection can reach the socket, while the connections already queued on
 * it still can be accepted.  On a reload the path stays.
 */
static int listen_path_unlinked(const char *listen)
{
    struct stat st;
    if (strncmp(listen, "unix:", 5) != 0)
        return 0;
    return stat(listen + 5, &st) != 0 && errno == ENOENT;
}

/* Reads, answers, writes, logs and counts one request. */
static void serve_one(struct app *app, struct arena *arena, const struct http_io *io)
{
    uint64_t t0 = monotonic_us();
    struct http_request req;
    struct http_response res;
    int read_status = http_request_read(&req, arena, io, &app->limits);
    app_handle(app, &req, &res, read_status);
    if (http_response_write(&res, req.method, io) != 0)
        log_msg("warn", "request %s: client went away while writing the response", req.request_id);
    db_request_end(app->db);
    double seconds = (double)(monotonic_us() - t0) / 1e6;
    size_t route_index = req.route ? (size_t)(req.route - ROUTES) : ROUTE_COUNT;
    metrics_request(route_index, res.status, seconds);
    log_request(req.request_id, req.method_name, req.route ? req.route->name : NULL, req.path, res.status,
                seconds * 1000.0, NULL);
    scoreboard_end(app->slot);
}

/* Serves up to most connections already queued on the non-blocking listen
 * socket; returns how many it served (the first accept that finds the
 * queue empty ends it). */
static unsigned long serve_queued(struct app *app, struct arena *arena, struct transport *t, unsigned long most)
{
    unsigned long served = 0;
    struct http_io io;
    while (served < most && transport_accept(t, &io) == 0) {
        serve_one(app, arena, &io);
        transport_finish(t);
        arena_reset(arena);
        served++;
    }
    return served;
}

/*
 * The master is stopping and has unlinked the socket: serves every
 * connection still queued on it (no new one can arrive); the master's drain
 * timeout bounds it.
 *
 * A reload instead lets the pool go on, and an old worker serves at most
 * one more queued connection before it leaves.  Its epoll instance is
 * EPOLLEXCLUSIVE: the kernel wakes one waiting worker per new connection,
 * and the old generation's entries come first on the socket's wait queue.
 * A connection whose wake-up reached this worker just as the stop signal
 * did would otherwise wait in the queue, while the other workers sleep,
 * until the next connection wakes one of them.  One is enough: a worker
 * takes at most one wake-up per wait, and it no longer waits.
 */
static unsigned long serve_before_leaving(struct app *app, struct arena *arena, struct transport *t,
                                          int master_stopping)
{
    unsigned long served = serve_queued(app, arena, t, master_stopping ? ULONG_MAX : 1);
    if (served > 0)
        log_msg("info", "worker: served %lu queued requests before stopping", served);
    return served;
}

/* An epoll instance watching the listen socket with EPOLLEXCLUSIVE, or -1
 * (the caller then waits in ppoll()). */
static int listen_waiter(int listen_fd)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return -1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_fd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
        close(ep);
        return -1;
    }
    return ep;
}

/* Waits, with the stop signals unblocked, until a connection may be
 * queued: 1 when one may be, 0 when interrupted (the caller looks at
 * stop_requested()), or -1. */
static int wait_for_connection(int ep, int listen_fd, const sigset_t *waiting)
{
    int n;
    short ready = POLLIN;
    if (ep >= 0) {
        struct epoll_event ev;
        n = epoll_pwait(ep, &ev, 1, -1, waiting);
    } else {
        struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};
        n = ppoll(&pfd, 1, NULL, waiting);
        ready = pfd.revents;
    }
    if (n < 0 && errno != EINTR) {
        log_msg("error", "worker: poll: %s", strerror(errno));
        return -1;
    }
    return n > 0 && (ready & POLLIN) ? 1 : 0;
}

/* Non-blocking listen sockets (the master's) are tried before waiting.  A
 * blocking one (handed over on fd 0 by mod_fcgid) is accepted from only
 * once it is ready: accept() would block there with the stop signals
 * blocked. */
static int accepts_without_blocking(int listen_fd)
{
    int flags = fcntl(listen_fd, F_GETFL);
    return flags >= 0 && (flags & O_NONBLOCK);
}

/* The next connection: 1 when accepted into io, 0 when there is none yet
 * (the caller looks at stop_requested() again), -1 when waiting failed. */
static int next_connection(struct transport *t, struct http_io *io, int ep, int listen_fd, int accept_first,
                           const sigset_t *waiting)
{
    if (accept_first && transport_accept(t, io) == 0)
        return 1;
    int ready = wait_for_connection(ep, listen_fd, waiting);
    if (ready <= 0)
        return ready;
    return !accept_first && transport_accept(t, io) == 0 ? 1 : 0;
}

/* SIGTERM and SIGINT set worker_stop and stay blocked but while waiting
 * (*waiting: the mask to wait with); SIGHUP and SIGPIPE are ignored. */
static void block_stop_signals(sigset_t *waiting)
{
    sigset_t blocked;
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, waiting);
    sigdelset(waiting, SIGTERM);
    sigdelset(waiting, SIGINT);
}

int worker_run(int listen_fd, const struct config *cfg, int slot, pid_t master_pid)
{
    int rc = 1;
    struct app app;
    struct arena *arena = NULL;
    struct transport *t = NULL;
    int ep = -1;
    sigset_t waiting;

    if (master_pid > 0) {
        /* Die with the master: PDEATHSIG asks for a drain, and the check
         * after it closes the race with a master that is already gone. */
        prctl(PR_SET_NAME, "orderapi-worker");
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != master_pid)
            return 0;
    }
    block_stop_signals(&waiting);

    if (app_init(&app, cfg, slot) != 0 || !(arena = arena_new()) || transport_init() != 0 ||
        !(t = transport_new(listen_fd))) {
        log_msg("error", "worker: out of memory at start");
        goto out;
    }
    unsigned long served = 0;
    int recycle = 0;
    ep = listen_waiter(listen_fd);
    int accept_first = accepts_without_blocking(listen_fd);
    while (!stop_requested()) {
        struct http_io io;
        int got = next_connection(t, &io, ep, listen_fd, accept_first, &waiting);
        if (got < 0)
            goto out;
        if (got == 0)
            continue;
        serve_one(&app, arena, &io);
        transport_finish(t);
        arena_reset(arena);
        served++;
        if (cfg->max_requests && served >= cfg->max_requests) {
            log_msg("info", "worker: recycling after %lu requests", served);
            recycle = 1;
            break;
        }
    }
    if (!recycle && accept_first)
        served += serve_before_leaving(&app, arena, t, listen_path_unlinked(cfg->listen));
    rc = 0;
out:
    if (ep >= 0)
        close(ep);
    transport_free(t);
    arena_free(arena);
    app_release(&app);
    return rc;
}

void worker_refuse_cgi(int status, const char *code, const char *detail, const char *log_detail)
{
    /* Limits of its own: the configuration may be what failed. */
    static const struct http_limits limits = {
        .max_body = 65536, .max_json_depth = 32, .max_query_params = 64, .max_headers = 64};
    struct arena *arena = arena_new();
    struct http_request req = {0};
    struct http_response res = {0};
    struct http_io io;
    transport_cgi_io(&io);
    if (arena)
        (void)http_request_read(&req, arena, &io, &limits);
    req.arena = arena;
    if (!req.request_id)
        req.request_id = "-";
    log_msg("error", "request %s: cannot serve: %s", req.request_id, log_detail);
    problem_send(&req, &res, status, code, detail);
    if (status == 503)
        http_response_header(&res, "Retry-After", "2");
    if (arena)
        http_response_header(&res, "X-Request-Id", req.request_id);
    if (http_response_write(&res, req.method, &io) != 0)
        log_msg("warn", "request %s: client went away while writing the response", req.request_id);
    arena_free(arena);
}

int worker_run_cgi(const struct config *cfg)
{
    struct app app;
    struct arena *arena = NULL;
    int rc = 1;
    if (app_init(&app, cfg, -1) != 0 || !(arena = arena_new())) {
        worker_refuse_cgi(503, "service_unavailable", "The service cannot take requests right now; try again shortly",
                          "the process could not start serving (see above)");
        goto out;
    }
    struct http_io io;
    transport_cgi_io(&io);
    serve_one(&app, arena, &io);
    arena_reset(arena);
    rc = 0;
out:
    arena_free(arena);
    app_release(&app);
    return rc;
}
