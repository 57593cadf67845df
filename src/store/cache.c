/*
 * cache.c — one Redis connection per worker (hiredis 0.14, blocking API).
 *
 * Every connection, first or later, is authenticated (AUTH) when the URL
 * carries a password, before any command.
 *
 * hiredis keeps a sticky error on its context: once ctx->err is set, nothing
 * more can be done on it.  So any NULL reply or error drops the context here,
 * and the next call connects afresh (never with redisReconnect, which in
 * 0.14 forgets the command timeout).  After a failed connect, calls within
 * the next second fail at once, so that a dead Redis costs a request nothing
 * instead of a connect timeout.
 *
 * Every reply handed out is registered with the request's arena, which frees
 * it when the request ends.
 */
#include "store/cache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "log.h"

/* After a failed connect, further attempts within this long fail at once. */
#define CACHE_FAIL_FAST_NS 1000000000LL
/* A failed connect that took this long was a timeout, not a refusal. */
#define CACHE_SLOW_CONNECT_NS 100000000LL

struct cache {
    struct redis_config cfg;
    redisContext *ctx;                 /* NULL while disconnected */
    int ever_connected;                /* a later connect is a reconnect */
    int connect_failed;                /* connect_failed_at is meaningful */
    struct timespec connect_failed_at; /* CLOCK_MONOTONIC */
    void (*on_event)(int kind);
};

/* A millisecond count as a struct timeval. */
static struct timeval cache_timeval_ms(unsigned ms)
{
    return (struct timeval){.tv_sec = (time_t)(ms / 1000u), .tv_usec = (suseconds_t)(ms % 1000u) * 1000};
}

/* Where the configuration points, for log lines. */
static const char *cache_target(const struct cache *c)
{
    return c->cfg.socket[0] != '\0' ? c->cfg.socket : c->cfg.host;
}

/* Logs why the connection is being given up, and frees it. */
static void cache_drop(struct cache *c, const char *what)
{
    if (c->ctx == NULL)
        return;
    log_msg("error", "redis %s: %s (%s)", what, c->ctx->err != 0 ? c->ctx->errstr : "no reply",
            cache_target(c));
    redisFree(c->ctx);
    c->ctx = NULL;
}

/* Frees a reply when its arena is reset; the arena_defer() signature. */
static void cache_reply_release(void *reply)
{
    freeReplyObject(reply);
}

/*
 * Authenticates a fresh connection: AUTH [user] password.  0, or -1 when
 * Redis refused it (the caller drops the connection).  The password is
 * never logged; Redis's own error text does not repeat it.
 */
static int cache_auth(struct cache *c)
{
    int rc = -1;
    const char *argv[3] = {"AUTH"};
    size_t argvlen[3] = {4};
    int argc = 1;
    redisReply *reply;

    if (c->cfg.user[0] != '\0') {
        argv[argc] = c->cfg.user;
        argvlen[argc++] = strlen(c->cfg.user);
    }
    argv[argc] = c->cfg.password;
    argvlen[argc++] = strlen(c->cfg.password);
    reply = redisCommandArgv(c->ctx, argc, argv, argvlen);
    if (reply == NULL)
        goto out;
    if (reply->type == REDIS_REPLY_ERROR) {
        log_msg("error", "redis AUTH%s%s: %s (%s)", c->cfg.user[0] != '\0' ? " as " : "", c->cfg.user, reply->str,
                cache_target(c));
        goto out;
    }
    rc = 0;
out:
    if (reply != NULL)
        freeReplyObject(reply);
    return rc;
}

/*
 * Selects database cfg.db on a fresh connection.  0, or -1 when Redis
 * refused it (the caller drops the connection).
 */
static int cache_select_db(struct cache *c)
{
    int rc = -1;
    char number[16];
    const char *argv[2] = {"SELECT", number};
    size_t argvlen[2];
    redisReply *reply;

    argvlen[0] = 6;
    argvlen[1] = (size_t)snprintf(number, sizeof number, "%u", c->cfg.db);
    reply = redisCommandArgv(c->ctx, 2, argv, argvlen);
    if (reply == NULL)
        goto out;
    if (reply->type == REDIS_REPLY_ERROR) {
        log_msg("error", "redis SELECT %u: %s", c->cfg.db, reply->str);
        goto out;
    }
    rc = 0;
out:
    if (reply != NULL)
        freeReplyObject(reply);
    return rc;
}

/*
 * Connects (unix socket in preference to host and port) with the connect
 * timeout, then sets the command timeout, authenticates (when a password is
 * configured) and selects the database.  0, or -1 with the context freed.
 */
static int cache_connect(struct cache *c)
{
    struct timeval connect_timeout = cache_timeval_ms(c->cfg.connect_timeout_ms);
    int unbounded = c->cfg.connect_timeout_ms == 0; /* 0: no timeout, not "give up at once" */

    if (c->cfg.socket[0] != '\0')
        c->ctx = unbounded ? redisConnectUnix(c->cfg.socket)
                           : redisConnectUnixWithTimeout(c->cfg.socket, connect_timeout);
    else
        c->ctx = unbounded ? redisConnect(c->cfg.host, (int)c->cfg.port)
                           : redisConnectWithTimeout(c->cfg.host, (int)c->cfg.port, connect_timeout);
    if (c->ctx == NULL) {
        log_msg("error", "redis connect %s: out of memory", cache_target(c));
        return -1;
    }
    if (c->ctx->err != 0) {
        cache_drop(c, "connect");
        return -1;
    }
    if (c->cfg.command_timeout_ms > 0 &&
        redisSetTimeout(c->ctx, cache_timeval_ms(c->cfg.command_timeout_ms)) != REDIS_OK) {
        cache_drop(c, "set timeout");
        return -1;
    }
    if (c->cfg.password[0] != '\0' && cache_auth(c) != 0) {
        cache_drop(c, "auth");
        return -1;
    }
    if (c->cfg.db != 0 && cache_select_db(c) != 0) {
        cache_drop(c, "select");
        return -1;
    }
    return 0;
}

/* A new, unconnected handle for cfg (copied); NULL when out of memory. */
struct cache *cache_new(const struct redis_config *cfg)
{
    struct cache *c = calloc(1, sizeof *c);

    if (c == NULL)
        return NULL;
    c->cfg = *cfg;
    return c;
}

/* Closes the connection, if any, and frees the handle. */
void cache_free(struct cache *c)
{
    if (c == NULL)
        return;
    if (c->ctx != NULL)
        redisFree(c->ctx);
    free(c);
}

/* Registers the function told about reconnects (metrics). */
void cache_set_observer(struct cache *c, void (*on_event)(int kind))
{
    c->on_event = on_event;
}

/* Connects if not connected.  Within a second of an attempt that failed
 * slowly (a connect timeout: the host does not answer) it fails at once, so
 * that requests do not each wait out the timeout; an attempt refused at once
 * (server stopped: no socket, connection refused) is simply tried again, so
 * a restarted Redis is used by every worker as soon as it is back.  0 or -1. */
int cache_ensure(struct cache *c)
{
    struct timespec now;

    if (c->ctx != NULL)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (c->connect_failed &&
        (long long)(now.tv_sec - c->connect_failed_at.tv_sec) * 1000000000LL +
                (now.tv_nsec - c->connect_failed_at.tv_nsec) <
            CACHE_FAIL_FAST_NS)
        return -1;
    if (cache_connect(c) != 0) {
        struct timespec after;
        clock_gettime(CLOCK_MONOTONIC, &after);
        long long took = (long long)(after.tv_sec - now.tv_sec) * 1000000000LL + (after.tv_nsec - now.tv_nsec);
        c->connect_failed = took >= CACHE_SLOW_CONNECT_NS;
        c->connect_failed_at = after;
        return -1;
    }
    c->connect_failed = 0;
    if (c->ever_connected) {
        log_msg("info", "redis reconnected (%s)", cache_target(c));
        if (c->on_event != NULL)
            c->on_event(CACHE_EVENT_RECONNECT);
    }
    c->ever_connected = 1;
    return 0;
}

/*
 * Runs one command and returns its reply (the caller frees it), or NULL
 * when Redis is unreachable.  A connection that was already open may have
 * died while idle (Redis restarted): the command is then tried once more on
 * a new one, so the first request after a restart does not fail.
 */
static redisReply *cache_run(struct cache *c, int argc, const char **argv, const size_t *argvlen)
{
    int was_open = c->ctx != NULL;

    for (int attempt = 0;; attempt++) {
        if (cache_ensure(c) != 0)
            return NULL;
        redisReply *reply = redisCommandArgv(c->ctx, argc, argv, argvlen);
        if (reply != NULL && c->ctx->err == 0)
            return reply;
        if (reply != NULL)
            freeReplyObject(reply);
        cache_drop(c, argc > 0 ? argv[0] : "command");
        if (!was_open || attempt > 0)
            return NULL;
    }
}

/* PING, expecting a status reply: 0 or -1. */
int cache_ping(struct cache *c)
{
    const char *argv[1] = {"PING"};
    const size_t argvlen[1] = {4};
    redisReply *reply = cache_run(c, 1, argv, argvlen);
    int rc = reply != NULL && reply->type == REDIS_REPLY_STATUS ? 0 : -1;
    if (reply != NULL)
        freeReplyObject(reply);
    return rc;
}

/* What a write's reply says about Redis; see cache.h. */
enum cache_write cache_write_verdict(const redisReply *r, int expected)
{
    if (r == NULL)
        return CACHE_WRITE_UNREACHABLE;
    return r->type == expected ? CACHE_WRITE_OK : CACHE_WRITE_REFUSED;
}

/* SET orderapi:health:probe with a short TTL: one key, overwritten by every
 * probe, so probing costs Redis no memory over time.  Under noeviction
 * Redis refuses a SET while over maxmemory even when it would not grow. */
enum cache_write cache_probe_write(struct cache *c)
{
#define CACHE_PROBE_KEY "orderapi:health:probe"
    const char *argv[] = {"SET", CACHE_PROBE_KEY, "1", "EX", "60"};
    static const size_t argvlen[] = {3, sizeof CACHE_PROBE_KEY - 1, 1, 2, 2};
    redisReply *reply = cache_run(c, 5, argv, argvlen);
    enum cache_write verdict = cache_write_verdict(reply, REDIS_REPLY_STATUS);
    if (verdict == CACHE_WRITE_REFUSED)
        log_msg("warn", "redis refuses writes: %s (%s)",
                reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply to SET", cache_target(c));
    if (reply != NULL)
        freeReplyObject(reply);
    return verdict;
}

/* Runs one command; see cache.h. */
redisReply *cache_command(struct cache *c, struct arena *a, int argc, const char **argv,
                          const size_t *argvlen)
{
    redisReply *reply = cache_run(c, argc, argv, argvlen);
    if (reply == NULL)
        return NULL;
    if (arena_defer(a, cache_reply_release, reply) != 0)
        return NULL; /* arena_defer already freed it */
    return reply;
}

/* Sends one command without waiting for its reply; see cache.h. */
int cache_send(struct cache *c, int argc, const char **argv, const size_t *argvlen)
{
    if (c->ctx == NULL)
        return -1; /* not connected: the caller runs the command the ordinary way */
    if (redisAppendCommandArgv(c->ctx, argc, argv, argvlen) != REDIS_OK) {
        cache_drop(c, "send");
        return -1;
    }
    int done = 0;
    while (!done) {
        if (redisBufferWrite(c->ctx, &done) != REDIS_OK) {
            cache_drop(c, argc > 0 ? argv[0] : "send");
            return -1;
        }
    }
    return 0;
}

/* The reply of the command cache_send sent; see cache.h. */
redisReply *cache_receive(struct cache *c, struct arena *a)
{
    void *reply = NULL;
    if (c->ctx == NULL)
        return NULL;
    if (redisGetReply(c->ctx, &reply) != REDIS_OK || reply == NULL || c->ctx->err != 0) {
        if (reply != NULL)
            freeReplyObject(reply);
        cache_drop(c, "receive");
        return NULL;
    }
    if (arena_defer(a, cache_reply_release, reply) != 0)
        return NULL; /* arena_defer already freed it */
    return reply;
}

/* One try of cache_pipeline on the current connection: 0, or -1 with
 * *read_any telling whether a reply had been read before the failure. */
static int pipeline_once(struct cache *c, struct arena *a, size_t n, const int *argcs,
                         const char **const *argvs, const size_t *const *argvlens, redisReply **replies,
                         int *read_any)
{
    *read_any = 0;
    for (size_t i = 0; i < n; i++) {
        if (redisAppendCommandArgv(c->ctx, argcs[i], (const char **)argvs[i], argvlens[i]) != REDIS_OK) {
            cache_drop(c, "pipeline append");
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        void *reply = NULL;
        if (redisGetReply(c->ctx, &reply) != REDIS_OK || reply == NULL) {
            if (reply != NULL)
                freeReplyObject(reply);
            cache_drop(c, "pipeline");
            return -1;
        }
        *read_any = 1;
        if (arena_defer(a, cache_reply_release, reply) != 0) {
            cache_drop(c, "pipeline (out of memory)");
            return -1;
        }
        replies[i] = reply;
    }
    return 0;
}

/*
 * Sends n commands in one write and reads their n replies in order; see
 * cache.h.  If any reply cannot be read the connection is dropped (the
 * replies after it would be out of step) and every replies[] is NULL; the
 * replies already read stay owned by the arena.  As with one command
 * (cache_run), a connection that was already open may have died while
 * idle (Redis restarted): when it fails before any reply came back, the
 * pipeline is sent once more on a new connection, so the first request
 * after a restart does not fail.
 */
int cache_pipeline(struct cache *c, struct arena *a, size_t n, const int *argcs,
                   const char **const *argvs, const size_t *const *argvlens, redisReply **replies)
{
    int was_open = c->ctx != NULL;
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    for (int attempt = 0;; attempt++) {
        int read_any;
        if (cache_ensure(c) != 0)
            break;
        if (pipeline_once(c, a, n, argcs, argvs, argvlens, replies, &read_any) == 0)
            return 0;
        if (!was_open || attempt > 0 || read_any)
            break;
    }
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    return -1;
}
