/*
 * master.c — open the socket, fork the workers, keep them alive.
 *
 * The master never serves a request.  It sleeps in sigsuspend() and acts on
 * four signals:
 *   SIGCHLD  reap; respawn a worker that died (logging the route it was
 *            running, from the scoreboard), with a growing delay when
 *            workers die in a loop; a worker that exited 0 after
 *            max_requests is replaced at once.
 *   SIGHUP   parse the configuration again; if it is invalid, log why and
 *            keep the old one (as nginx does); otherwise start a new
 *            generation of workers, then ask the old ones to drain.  The
 *            listen socket stays open throughout, so no connection is
 *            refused during a reload.
 *   SIGTERM  ask every worker to drain (finish in-flight requests), wait up
 *   SIGINT   to drain_timeout, kill stragglers, remove socket and pid file.
 */
#include "master.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "events/relay.h"
#include "fcgi_io.h"
#include "log.h"
#include "metrics.h"
#include "router.h"
#include "scoreboard.h"
#include "store/list_cache.h"
#include "worker.h"

#define MAX_CHILDREN SCOREBOARD_SLOTS
#define CRASH_WINDOW_US 10000000ULL  /* crashes counted over 10 s ... */
#define CRASH_LOOP_COUNT 5           /* ... this many means a crash loop */
#define BACKOFF_MAX_US 30000000ULL

enum child_kind { CHILD_WORKER = 0, CHILD_RELAY };

struct child {
    pid_t pid;
    unsigned generation;
    int slot;
    enum child_kind kind;
};

static volatile sig_atomic_t got_chld, got_hup, got_term;

static void on_signal(int sig)
{
    if (sig == SIGCHLD)
        got_chld = 1;
    else if (sig == SIGHUP)
        got_hup = 1;
    else
        got_term = 1;
}

struct pool {
    struct config cfg;
    const struct config_override *overrides;
    size_t override_count;
    int listen_fd;
    pid_t self;
    unsigned generation;
    struct child children[MAX_CHILDREN];
    uint64_t crash_times[CRASH_LOOP_COUNT];
    size_t crash_next;
    uint64_t backoff_us;
    uint64_t respawn_after_us;  /* no respawn before this time (backoff) */
};

static size_t count_generation(const struct pool *p, unsigned generation, enum child_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < MAX_CHILDREN; i++)
        if (p->children[i].pid > 0 && p->children[i].generation == generation && p->children[i].kind == kind)
            n++;
    return n;
}

static size_t count_children(const struct pool *p)
{
    size_t n = 0;
    for (size_t i = 0; i < MAX_CHILDREN; i++)
        if (p->children[i].pid > 0)
            n++;
    return n;
}

/* Forks one child of the current generation: a worker or the relay. */
static int spawn_child(struct pool *p, enum child_kind kind)
{
    size_t idx = MAX_CHILDREN;
    for (size_t i = 0; i < MAX_CHILDREN; i++)
        if (p->children[i].pid == 0) {
            idx = i;
            break;
        }
    if (idx == MAX_CHILDREN)
        return -1;
    int slot = scoreboard_claim(-1);
    if (slot < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        scoreboard_release(slot);
        log_msg("error", "master: fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (kind == CHILD_RELAY) {
            close(p->listen_fd);
            _exit(relay_run(&p->cfg, slot));
        }
        _exit(worker_run(p->listen_fd, &p->cfg, slot, p->self));
    }
    scoreboard_set_pid(slot, pid);
    p->children[idx] = (struct child){.pid = pid, .generation = p->generation, .slot = slot, .kind = kind};
    return 0;
}

/* Starts workers until the current generation has cfg.workers of them,
 * unless a crash loop asked for a pause. */
static void fill_pool(struct pool *p)
{
    if (got_term)
        return;
    if (monotonic_us() < p->respawn_after_us)
        return;
    while (count_generation(p, p->generation, CHILD_WORKER) < p->cfg.workers)
        if (spawn_child(p, CHILD_WORKER) != 0)
            break;
    /* One relay at a time: a new one starts once the old one has gone. */
    if (p->cfg.relay && count_generation(p, p->generation, CHILD_RELAY) == 0) {
        int relay_alive = 0;
        for (size_t i = 0; i < MAX_CHILDREN; i++)
            relay_alive |= p->children[i].pid > 0 && p->children[i].kind == CHILD_RELAY;
        if (!relay_alive)
            spawn_child(p, CHILD_RELAY);
    }
}

static void signal_generation(struct pool *p, int sig, int all, unsigned generation)
{
    for (size_t i = 0; i < MAX_CHILDREN; i++)
        if (p->children[i].pid > 0 && (all || p->children[i].generation == generation))
            kill(p->children[i].pid, sig);
}

/* Remembers a crash and, when they come in a loop, delays respawns. */
static void note_crash(struct pool *p)
{
    uint64_t now = monotonic_us();
    p->crash_times[p->crash_next++ % CRASH_LOOP_COUNT] = now;
    size_t recent = 0;
    for (size_t i = 0; i < CRASH_LOOP_COUNT; i++)
        if (p->crash_times[i] && now - p->crash_times[i] < CRASH_WINDOW_US)
            recent++;
    if (recent >= CRASH_LOOP_COUNT) {
        p->backoff_us = p->backoff_us ? p->backoff_us * 2 : 1000000;
        if (p->backoff_us > BACKOFF_MAX_US)
            p->backoff_us = BACKOFF_MAX_US;
        p->respawn_after_us = now + p->backoff_us;
        log_msg("error", "master: workers are dying in a loop; next respawn in %llu ms",
                (unsigned long long)(p->backoff_us / 1000));
    } else if (recent <= 1) {
        p->backoff_us = 0;
    }
}

/* Reaps every exited child and says why it went. */
static void reap(struct pool *p)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        size_t idx = MAX_CHILDREN;
        for (size_t i = 0; i < MAX_CHILDREN; i++)
            if (p->children[i].pid == pid)
                idx = i;
        if (idx == MAX_CHILDREN)
            continue;
        struct child c = p->children[idx];
        struct scoreboard_slot s = scoreboard_read(c.slot);
        scoreboard_release(c.slot);
        p->children[idx] = (struct child){0};
        int old_generation = c.generation != p->generation;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            if (!old_generation && !got_term) {
                metrics_add(METRIC_WORKER_RESTARTS, 1);
                log_msg("info", "master: worker %d left after %llu requests; replacing it", (int)pid,
                        (unsigned long long)s.requests);
            }
            continue;
        }
        char why[64];
        if (WIFSIGNALED(status))
            snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
        else
            snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(status));
        if (c.kind == CHILD_RELAY)
            log_msg("error", "master: event relay %d %s; restarting it", (int)pid, why);
        else if (s.route != SCOREBOARD_IDLE && s.route >= 0 && (size_t)s.route < ROUTE_COUNT)
            log_msg("error", "master: worker %d %s while running route \"%s\" for %llu ms", (int)pid, why,
                    ROUTES[s.route].name, (unsigned long long)((monotonic_us() - s.started_us) / 1000));
        else
            log_msg("error", "master: worker %d %s while idle", (int)pid, why);
        metrics_add(METRIC_WORKER_CRASHES, 1);
        metrics_add(METRIC_WORKER_RESTARTS, 1);
        if (!old_generation)
            note_crash(p);
    }
}

/* Parses the configuration again; keeps the old one if the new is invalid. */
static void reload(struct pool *p)
{
    static struct config next;
    char err[512];
    if (config_load(&next, p->cfg.config_file[0] ? p->cfg.config_file : NULL, err, sizeof err) != 0)
        goto rejected;
    for (size_t i = 0; i < p->override_count; i++)
        if (config_set(&next, p->overrides[i].name, p->overrides[i].value, err, sizeof err) != 0)
            goto rejected;
    if (config_validate(&next, CONFIG_FOR_SERVE, err, sizeof err) != 0)
        goto rejected;
    if (strcmp(next.listen, p->cfg.listen) != 0) {
        log_msg("warn", "master: reload: a new listen address (%s) needs a restart; keeping %s", next.listen,
                p->cfg.listen);
        snprintf(next.listen, sizeof next.listen, "%s", p->cfg.listen);
    }
    p->cfg = next;
    unsigned old = p->generation++;
    p->respawn_after_us = 0;
    fill_pool(p);
    signal_generation(p, SIGTERM, 0, old);
    log_msg("info", "master: configuration reloaded; %u new workers started, generation %u draining",
            p->cfg.workers, old);
    return;
rejected:
    log_msg("error", "master: reload rejected, keeping the running configuration: %s", err);
}

static void write_pid_file(const char *path)
{
    if (!path[0])
        return;
    char tmp[CONFIG_STR + 8];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        goto fail;
    FILE *f = fopen(tmp, "w");
    if (!f)
        goto fail;
    int bad = fprintf(f, "%d\n", (int)getpid()) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0)
        goto fail;
    return;
fail:
    log_msg("warn", "master: cannot write pid file %s: %s", path, strerror(errno));
}

/* Waits for every child, killing those that outlive the drain timeout. */
static void drain_all(struct pool *p)
{
    signal_generation(p, SIGTERM, 1, 0);
    uint64_t deadline = monotonic_us() + (uint64_t)p->cfg.drain_timeout * 1000000u;
    while (count_children(p) > 0) {
        reap(p);
        if (count_children(p) == 0)
            break;
        if (monotonic_us() > deadline) {
            log_msg("warn", "master: drain timeout; killing %zu workers", count_children(p));
            signal_generation(p, SIGKILL, 1, 0);
            deadline = UINT64_MAX;
        }
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
}

int master_run(struct config *cfg, const struct config_override *overrides, size_t override_count)
{
    static struct pool pool;
    struct pool *p = &pool;
    p->cfg = *cfg;
    p->overrides = overrides;
    p->override_count = override_count;
    p->self = getpid();

    if (metrics_init(ROUTE_COUNT) != 0 || scoreboard_init() != 0) {
        log_msg("error", "master: cannot map shared memory");
        return 1;
    }
    /* The list cache's stale mark, shared so that every worker honours a
     * bump failed in any of them. */
    if (list_cache_init_shared() != 0) {
        log_msg("error", "master: cannot map the list cache's shared mark");
        return 1;
    }
    p->listen_fd = transport_listen(p->cfg.listen);
    if (p->listen_fd < 0) {
        log_msg("error", "master: cannot listen on %s: %s", p->cfg.listen, strerror(errno));
        fprintf(stderr, "orderapi: cannot listen on %s: %s\n", p->cfg.listen, strerror(errno));
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t blocked, waiting;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGCHLD);
    sigaddset(&blocked, SIGHUP);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, &waiting);

    write_pid_file(p->cfg.pid_file);
    log_msg("info", "master: listening on %s with %u workers (version %s)", p->cfg.listen, p->cfg.workers,
            ORDERAPI_VERSION);
    fill_pool(p);
    while (!got_term) {
        /* Sleep until a signal; wake every 100 ms while a crash-loop
         * backoff holds respawns back, to respawn when it ends. */
        struct timespec tick = {0, 100 * 1000000};
        int short_of_workers = count_generation(p, p->generation, CHILD_WORKER) < p->cfg.workers ||
                               (p->cfg.relay && count_generation(p, p->generation, CHILD_RELAY) == 0);
        ppoll(NULL, 0, short_of_workers ? &tick : NULL, &waiting);
        if (got_chld) {
            got_chld = 0;
            reap(p);
        }
        if (got_hup) {
            got_hup = 0;
            reload(p);
        }
        fill_pool(p);
    }
    log_msg("info", "master: draining %zu workers", count_children(p));
    drain_all(p);
    close(p->listen_fd);
    if (strncmp(p->cfg.listen, "unix:", 5) == 0)
        unlink(p->cfg.listen + 5);
    if (p->cfg.pid_file[0])
        unlink(p->cfg.pid_file);
    log_msg("info", "master: stopped");
    return 0;
}
