/*
 * relay.c — outbox → Redis stream; see relay.h.
 */
#include "events/relay.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "arena.h"
#include "config.h"
#include "events/aggregate.h"
#include "events/drain.h"
#include "log.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/outbox_store.h"

#define RELAY_BATCH 500
#define HOUSEKEEPING_EVERY_S 60

static volatile sig_atomic_t relay_stop;

static void on_stop(int sig)
{
    (void)sig;
    relay_stop = 1;
}

/*
 * Publishes one batch of pending events.  Returns the number published (0:
 * nothing pending), or -1 when MySQL or Redis failed (nothing is marked
 * then, so the batch is sent again later).
 */
static long relay_batch(struct app *app, struct arena *a)
{
    struct db_rows rows;
    if (outbox_store_pending(app->db, a, RELAY_BATCH, &rows) != DB_OK)
        return -1;
    if (rows.count == 0)
        return 0;
    char *maxlen = arena_printf(a, "%lu", app->cfg->events_maxlen);
    int *argcs = arena_calloc(a, rows.count, sizeof *argcs);
    const char ***argvs = arena_calloc(a, rows.count, sizeof *argvs);
    const size_t **lens = arena_calloc(a, rows.count, sizeof *lens);
    redisReply **replies = arena_calloc(a, rows.count, sizeof *replies);
    if (!maxlen || !argcs || !argvs || !lens || !replies)
        return -1;
    for (size_t r = 0; r < rows.count; r++) {
        const char **argv = arena_calloc(a, 16, sizeof *argv);
        size_t *l = arena_calloc(a, 16, sizeof *l);
        if (!argv || !l)
            return -1;
        const struct db_value *order = DB_CELL(&rows, r, OUTBOX_ORDER_ID);
        const char *fields[16] = {"XADD", RELAY_STREAM_KEY, "MAXLEN", "~", maxlen, "*",
                                  "id", DB_CELL(&rows, r, OUTBOX_ID)->s, "type", DB_CELL(&rows, r, OUTBOX_TYPE)->s,
                                  "order_id", order->type == DBV_NULL ? "" : order->s,
                                  "payload", DB_CELL(&rows, r, OUTBOX_PAYLOAD)->s,
                                  "created_at", DB_CELL(&rows, r, OUTBOX_CREATED_AT)->s};
        for (int i = 0; i < 16; i++) {
            argv[i] = fields[i];
            l[i] = strlen(fields[i]);
        }
        argcs[r] = 16;
        argvs[r] = argv;
        lens[r] = l;
    }
    if (cache_pipeline(app->cache, a, rows.count, argcs, argvs, lens, replies) != 0)
        return -1;
    for (size_t r = 0; r < rows.count; r++)
        if (!replies[r] || replies[r]->type != REDIS_REPLY_STRING) {
            log_msg("error", "relay: XADD of event %s failed: %s", DB_CELL(&rows, r, OUTBOX_ID)->s,
                    replies[r] && replies[r]->type == REDIS_REPLY_ERROR ? replies[r]->str : "no reply");
            return -1;
        }
    /* Mark exactly the rows sent: an id below them that was not yet
     * committed when they were read is left for the next batch. */
    if (outbox_store_mark_published(app->db, a, &rows) != DB_OK)
        return -1;
    return (long)rows.count;
}

/* Publishes until nothing is pending; -1 on failure. */
static int relay_drain(struct app *app, struct arena *a)
{
    return drain_batches(app, a, relay_batch, RELAY_BATCH);
}

/* Deletes expired idempotency keys and token revocations, a batch a minute. */
static void housekeeping(struct app *app)
{
    struct db_value now = DBP_INT((int64_t)time(NULL));
    db_exec(app->db, STMT_IDEMPOTENCY_PURGE, &now, 1, NULL, NULL);
    db_exec(app->db, STMT_REVOCATION_PURGE, &now, 1, NULL, NULL);
}

/* Waits for a wake-up (or a second).  After a wake-up it waits
 * relay_gather_ms more, so that the commits of a burst are read and marked
 * with one query each instead of one pair per commit. */
static void relay_sleep(struct app *app, struct arena *a)
{
    const char *argv[] = {"BLPOP", RELAY_WAKE_KEY, "1"};
    size_t lens[] = {5, sizeof RELAY_WAKE_KEY - 1, 1};
    redisReply *r = cache_command(app->cache, a, 3, argv, lens);
    if (!r) {
        sleep(1); /* Redis is down: try again in a second */
        return;
    }
    unsigned ms = app->cfg->relay_gather_ms;
    if (ms > 0 && r->type == REDIS_REPLY_ARRAY) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL); /* SIGTERM cuts it short */
    }
    /* Several commits may have pushed: one drain serves them all.  Every
     * push dropped here came after its commit, so the drain sees it. */
    const char *del[] = {"DEL", RELAY_WAKE_KEY};
    size_t del_lens[] = {3, sizeof RELAY_WAKE_KEY - 1};
    cache_command(app->cache, a, 2, del, del_lens);
}

int relay_run(const struct config *cfg, int slot)
{
    pid_t master = getppid();
    prctl(PR_SET_NAME, "orderapi-relay");
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != master)
        return 0;
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    /* BLPOP waits up to a second: the command timeout must be longer. */
    struct config relay_cfg = *cfg;
    if (relay_cfg.redis.command_timeout_ms < 3000)
        relay_cfg.redis.command_timeout_ms = 3000;
    struct app app;
    struct arena *a = arena_new();
    if (!a || app_init(&app, &relay_cfg, slot) != 0)
        return 1;
    log_msg("info", "relay: publishing the outbox to %s", RELAY_STREAM_KEY);
    time_t last_housekeeping = 0;
    while (!relay_stop) {
        /* The aggregates first (they need only MySQL, so they advance with
         * Redis down), then the stream. */
        int aggregated = aggregate_drain(&app, a);
        arena_reset(a);
        if (relay_drain(&app, a) != 0 || aggregated != 0) {
            arena_reset(a);
            sleep(1);
            continue;
        }
        if (time(NULL) - last_housekeeping >= HOUSEKEEPING_EVERY_S) {
            housekeeping(&app);
            last_housekeeping = time(NULL);
        }
        relay_sleep(&app, a);
        arena_reset(a);
    }
    app_release(&app);
    arena_free(a);
    return 0;
}

/*
 * Takes the database's relay lock for this connection, without waiting: 1
 * taken, 0 another `relay --once` holds it, -1 MySQL failed.  The lock goes
 * with the connection when the process exits.
 */
static int relay_lock(struct app *app, struct arena *a)
{
    struct db_rows rows;
    if (db_query_row(app->db, STMT_RELAY_LOCK, NULL, 0, a, &rows) != DB_OK)
        return -1;
    const struct db_value *got = DB_CELL(&rows, 0, SINGLE_VALUE);
    return got->type == DBV_INT && got->i == 1 ? 1 : 0;
}

int relay_once(const struct config *cfg)
{
    struct app app;
    struct arena *a = arena_new();
    int rc = 1;
    if (!a || app_init(&app, cfg, -1) != 0)
        goto out;
    /* Two runs from cron that overlap (a slow one still publishing when
     * the next starts) would send the same batch twice: the second one
     * leaves it to the first and exits 0. */
    int locked = relay_lock(&app, a);
    arena_reset(a);
    if (locked == 1) {
        int aggregated = aggregate_drain(&app, a);
        arena_reset(a);
        rc = relay_drain(&app, a) == 0 && aggregated == 0 ? 0 : 1;
        if (rc == 0)
            housekeeping(&app);
    } else {
        if (locked < 0)
            log_msg("error", "relay: cannot take the relay lock: %s", db_last_error(app.db));
        rc = locked == 0 ? 0 : 1;
    }
    app_release(&app);
out:
    arena_free(a);
    return rc;
}
