/*
 * cache.h — one Redis connection per worker.
 *
 * Opened lazily with a connect timeout; the command timeout is set again
 * after every (re)connect, because hiredis 0.14's redisReconnect forgets it.
 * Only argv-style commands are used, so keys and values are binary-safe.
 * Any I/O or protocol error drops the connection; the next call reconnects.
 */
#ifndef ORDERAPI_CACHE_H
#define ORDERAPI_CACHE_H

#include <hiredis/hiredis.h>
#include <stddef.h>

struct arena;
struct redis_config;
struct cache;

struct cache *cache_new(const struct redis_config *cfg);
void cache_free(struct cache *c);

/* 0 when connected (connecting if needed), -1 when Redis is unreachable. */
int cache_ensure(struct cache *c);
/* PING: 0 or -1. */
int cache_ping(struct cache *c);

/*
 * Whether Redis takes writes.  Redis may answer and still refuse every
 * command that could grow its memory (out of memory under maxmemory with
 * noeviction), or every write (a read-only replica, a failed background
 * save with stop-writes-on-bgsave-error): reads then work, writes do not.
 */
enum cache_write {
    CACHE_WRITE_UNREACHABLE = -1, /* no reply: Redis down or the connection failed */
    CACHE_WRITE_OK = 0,
    CACHE_WRITE_REFUSED = 1,      /* Redis answered with an error (or not what a write answers) */
};
/* The verdict on r, the reply to a write command that answers with a reply
 * of type expected (REDIS_REPLY_INTEGER for INCR, REDIS_REPLY_STATUS for
 * SET, ...).  Pure: reads r only. */
enum cache_write cache_write_verdict(const redisReply *r, int expected);
/* Writes a small probe key (SET with a TTL) and says whether Redis took it;
 * a refusal is logged with Redis's message. */
enum cache_write cache_probe_write(struct cache *c);

/*
 * Runs one command.  The reply belongs to the arena (freed when the request
 * ends); NULL when Redis is unreachable or the connection failed (the
 * connection is then dropped).  A Redis error reply (REDIS_REPLY_ERROR) is
 * returned as a reply, not NULL.
 */
redisReply *cache_command(struct cache *c, struct arena *a, int argc,
                          const char **argv, const size_t *argvlen);

/*
 * Sends n commands in one round trip and collects n replies into replies[].
 * 0 when n replies were read, -1 if the connection failed (all replies[]
 * NULL then).  0 says nothing about what the replies are: an error reply
 * (OOM, READONLY, ...) is a reply, so the caller checks each one
 * (cache_write_verdict for writes).  Replies belong to the arena.
 */
int cache_pipeline(struct cache *c, struct arena *a, size_t n,
                   const int *argcs, const char **const *argvs, const size_t *const *argvlens,
                   redisReply **replies);

/*
 * One command in two halves, so that the caller can do other work (a
 * MariaDB query) while Redis answers.  cache_send writes the command now
 * on the open connection: 0, or -1 when there is none (it does not connect:
 * the caller then runs the command the ordinary way, which does) or the
 * write failed (the connection is then dropped).  cache_receive reads its reply, which
 * belongs to the arena: NULL when it cannot be read (the connection is then
 * dropped).  Between the two, nothing else may use the connection.
 */
int cache_send(struct cache *c, int argc, const char **argv, const size_t *argvlen);
redisReply *cache_receive(struct cache *c, struct arena *a);

/* Events reported to an observer; same numbering as enum db_event. */
enum cache_event { CACHE_EVENT_RECONNECT = 2 };
/* Registers on_event (NULL to remove), called once per re-established
 * connection (not for the first connect). */
void cache_set_observer(struct cache *c, void (*on_event)(int kind));

#endif
