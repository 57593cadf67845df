/*
 * master.c — open the socket, fork the workers, keep them alive.
 *
 * The master never serves a request.  It sleeps in ppoll() and acts on
 * four signals:
 *   SIGCHLD  reap; respawn a worker that died (logging the route it was
 *            running, from the scoreboard).  Each slot of the pool, and
 *            the relay, backs off on its own when its children die young
 *            in a loop, but half the pool is always started again within
 *            0.1 s (respawn.c); a worker that exited 0 after max_requests is
 *            replaced at once.
 *   SIGHUP   parse the configuration again and read and prove its token
 *            keys; if anything is wrong, log why and keep the old
 *            configuration and workers (as nginx does); otherwise start a new
 *            generation of workers, then ask the old ones to drain (and
 *            kill those still running after drain_timeout).  The
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

#include "auth/jwt_keys.h"
#include "auth/password.h"
#include "config.h"
#include "events/relay.h"
#include "fcgi_io.h"
#include "log.h"
#include "metrics.h"
#include "respawn.h"
#include "router.h"
#include "scoreboard.h"
#include "store/list_cache.h"
#include "worker.h"

#define MAX_CHILDREN SCOREBOARD_SLOTS
#define MAX_WORKERS 256 /* ORDERAPI_WORKERS' bound */
#define RETRY_FORK_US 100000ULL

enum child_kind { CHILD_WORKER = 0, CHILD_RELAY };

struct child {
    pid_t pid;
    unsigned generation;
    int slot;              /* scoreboard slot */
    int pool_slot;         /* the worker's place in its generation, 0..workers-1; -1 for the relay */
    enum child_kind kind;
    uint64_t kill_after_us; /* told to drain on reload: SIGKILL after this; 0: not draining */
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
    struct respawn_slot worker_respawn[MAX_WORKERS]; /* per pool slot, current generation */
    struct respawn_slot relay_respawn;
    uint64_t next_start_us;     /* when a waiting slot becomes due; RESPAWN_NEVER: none */
};

static size_t count_children(const struct pool *p)
{
    size_t n = 0;
    for (size_t i = 0; i < MAX_CHILDREN; i++)
        if (p->children[i].pid > 0)
            n++;
    return n;
}

/* Forks one child of the current generation: a worker for pool_slot, or
 * the relay (pool_slot -1). */
static int spawn_child(struct pool *p, enum child_kind kind, int pool_slot)
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
    p->children[idx] = (struct child){
        .pid = pid, .generation = p->generation, .slot = slot, .pool_slot = pool_slot, .kind = kind};
    respawn_started(kind == CHILD_RELAY ? &p->relay_respawn : &p->worker_respawn[pool_slot], monotonic_us());
    return 0;
}

/* Starts the workers of the current generation whose slots are due (see
 * respawn.h); returns when the next waiting one becomes due. */
static uint64_t fill_workers(struct pool *p, uint64_t now)
{
    static unsigned char running[MAX_WORKERS], start[MAX_WORKERS];
    size_t n = p->cfg.workers < MAX_WORKERS ? p->cfg.workers : MAX_WORKERS;
    memset(running, 0, n);
    for (size_t i = 0; i < MAX_CHILDREN; i++) {
        const struct child *c = &p->children[i];
        if (c->pid > 0 && c->kind == CHILD_WORKER && c->generation == p->generation && (size_t)c->pool_slot < n)
            running[c->pool_slot] = 1;
    }
    uint64_t next = respawn_plan(p->worker_respawn, running, n, respawn_min_live((unsigned)n), now, start);
    for (size_t i = 0; i < n; i++)
        if (start[i] && spawn_child(p, CHILD_WORKER, (int)i) != 0 && now + RETRY_FORK_US < next)
            next = now + RETRY_FORK_US;
    return next;
}

/* Starts the relay when it is due.  One relay at a time: a new one starts
 * once the old one (of any generation) has gone.  Its deaths pause only
 * itself, never the workers. */
static uint64_t fill_relay(struct pool *p, uint64_t now)
{
    if (!p->cfg.relay)
        return RESPAWN_NEVER;
    for (size_t i = 0; i < MAX_CHILDREN; i++)
        if (p->children[i].pid > 0 && p->children[i].kind == CHILD_RELAY)
            return RESPAWN_NEVER;
    unsigned char running = 0, start = 0;
    uint64_t next = respawn_plan(&p->relay_respawn, &running, 1, 0, now, &start);
    if (start && spawn_child(p, CHILD_RELAY, -1) != 0)
        next = now + RETRY_FORK_US;
    return next;
}

/* Starts what is due and remembers when to look again. */
static void fill_pool(struct pool *p)
{
    p->next_start_us = RESPAWN_NEVER;
    if (got_term)
        return;
    uint64_t now = monotonic_us();
    uint64_t workers_due = fill_workers(p, now);
    uint64_t relay_due = fill_relay(p, now);
    p->next_start_us = workers_due < relay_due ? workers_due : relay_due;
}

static void signal_all(struct pool *p, int sig)
{
    for (size_t i = 0; i < MAX_CHILDREN; i++)
        if (p->children[i].pid > 0)
            kill(p->children[i].pid, sig);
}

/* Asks an old generation to drain; those still running after
 * drain_timeout are killed by kill_overdue(). */
static void drain_generation(struct pool *p, unsigned generation)
{
    uint64_t deadline = monotonic_us() + (uint64_t)p->cfg.drain_timeout * 1000000u;
    for (size_t i = 0; i < MAX_CHILDREN; i++) {
        struct child *c = &p->children[i];
        if (c->pid > 0 && c->generation == generation) {
            kill(c->pid, SIGTERM);
            if (!c->kill_after_us)
                c->kill_after_us = deadline;
        }
    }
}

/* Kills the draining children past their deadline; returns the next
 * deadline still ahead (RESPAWN_NEVER: none). */
static uint64_t kill_overdue(struct pool *p)
{
    uint64_t now = monotonic_us(), next = RESPAWN_NEVER;
    for (size_t i = 0; i < MAX_CHILDREN; i++) {
        struct child *c = &p->children[i];
        if (c->pid <= 0 || !c->kill_after_us || c->kill_after_us == RESPAWN_NEVER)
            continue;
        if (c->kill_after_us <= now) {
            log_msg("warn", "master: %s %d of generation %u is still draining after %u s; killing it",
                    c->kind == CHILD_RELAY ? "event relay" : "worker", (int)c->pid, c->generation,
                    p->cfg.drain_timeout);
            kill(c->pid, SIGKILL);
            c->kill_after_us = RESPAWN_NEVER;
        } else if (c->kill_after_us < next) {
            next = c->kill_after_us;
        }
    }
    return next;
}

/* Sleeps until a signal comes or the monotonic clock reaches when
 * (RESPAWN_NEVER: no limit). */
static void sleep_until(uint64_t when, const sigset_t *waiting)
{
    uint64_t now = monotonic_us();
    struct timespec wait = {0, 0};
    if (when != RESPAWN_NEVER && when > now) {
        uint64_t us = when - now;
        wait = (struct timespec){(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000};
    }
    ppoll(NULL, 0, when == RESPAWN_NEVER ? NULL : &wait, waiting);
}

/* Remembers a crash of a current child in its slot's respawn state, and
 * says so when its slot now waits. */
static void note_crash(struct pool *p, const struct child *c)
{
    struct respawn_slot *s = c->kind == CHILD_RELAY ? &p->relay_respawn : &p->worker_respawn[c->pool_slot];
    uint64_t pause = respawn_died(s, monotonic_us());
    if (pause == 0)
        return;
    if (c->kind == CHILD_RELAY)
        log_msg("error", "master: the event relay is dying in a loop (%u quick deaths); next start in %llu ms",
                s->young_deaths, (unsigned long long)(pause / 1000));
    else
        log_msg("error",
                "master: worker slot %d is dying in a loop (%u quick deaths); next start in %llu ms, "
                "or %llu ms while fewer than %u workers run",
                c->pool_slot, s->young_deaths, (unsigned long long)(pause / 1000),
                (unsigned long long)(RESPAWN_FLOOR_US / 1000), respawn_min_live(p->cfg.workers));
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
            if (!old_generation)
                respawn_left(c.kind == CHILD_RELAY ? &p->relay_respawn : &p->worker_respawn[c.pool_slot],
                             monotonic_us());
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
            note_crash(p, &c);
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
    /* The new workers inherit these keys: prove them before any starts. */
    if (jwt_keys_read(&next.jwt, err, sizeof err) != 0 || jwt_keys_check(&next.jwt, err, sizeof err) != 0)
        goto rejected;
    if (strcmp(next.listen, p->cfg.listen) != 0) {
        log_msg("warn", "master: reload: a new listen address (%s) needs a restart; keeping %s", next.listen,
                p->cfg.listen);
        snprintf(next.listen, sizeof next.listen, "%s", p->cfg.listen);
    }
    p->cfg = next;
    unsigned old = p->generation++;
    /* A new configuration may cure what made children die: start afresh. */
    memset(p->worker_respawn, 0, sizeof p->worker_respawn);
    memset(&p->relay_respawn, 0, sizeof p->relay_respawn);
    fill_pool(p);
    drain_generation(p, old);
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
    signal_all(p, SIGTERM);
    uint64_t deadline = monotonic_us() + (uint64_t)p->cfg.drain_timeout * 1000000u;
    while (count_children(p) > 0) {
        reap(p);
        if (count_children(p) == 0)
            break;
        if (monotonic_us() > deadline) {
            log_msg("warn", "master: drain timeout; killing %zu workers", count_children(p));
            signal_all(p, SIGKILL);
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
    /* libsodium and the dummy password hash (an Argon2id hash: 64 MiB and
     * a noticeable time) are made once here and inherited, so that a new
     * worker is ready at once instead of hashing before its first accept. */
    if (password_prepare_dummy() != 0) {
        log_msg("error", "master: cannot initialise libsodium");
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
        /* Sleep until a signal, a slot that waits becomes due, or a
         * draining child runs out of time. */
        uint64_t next_kill = kill_overdue(p);
        sleep_until(p->next_start_us < next_kill ? p->next_start_us : next_kill, &waiting);
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
    /* The socket's path goes first: a connection made from now on fails at
     * once (nginx answers 503), and the workers, seeing the path gone, serve
     * every connection already queued before they leave. */
    if (strncmp(p->cfg.listen, "unix:", 5) == 0)
        unlink(p->cfg.listen + 5);
    log_msg("info", "master: draining %zu workers", count_children(p));
    drain_all(p);
    close(p->listen_fd);
    if (p->cfg.pid_file[0])
        unlink(p->cfg.pid_file);
    log_msg("info", "master: stopped");
    return 0;
}
