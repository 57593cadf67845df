/*
 * phone_codes.c — live phone codes in Redis (see phone_codes.h).
 */
#include "store/phone_codes.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "arena.h"
#include "log.h"
#include "store/cache.h"

/* KEYS[1] the code's key; ARGV: hash, tries, ttl.  Replaces the old code. */
static const char PUT_SCRIPT[] = "redis.call('DEL', KEYS[1])\n"
                                 "redis.call('HSET', KEYS[1], 'h', ARGV[1], 't', ARGV[2])\n"
                                 "redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
                                 "return 1\n";

/* KEYS[1] the code's key.  -1 without a live code, else the tries left;
 * the code is deleted when none are. */
static const char WRONG_SCRIPT[] = "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
                                   "local t = redis.call('HINCRBY', KEYS[1], 't', -1)\n"
                                   "if t <= 0 then redis.call('DEL', KEYS[1]); return 0 end\n"
                                   "return t\n";

static const char *code_key(struct arena *a, const char *phone)
{
    return arena_printf(a, "orderapi:pv:%s", phone);
}

/* Runs argc strings as one command; the reply (arena), or NULL when Redis is
 * unreachable or answered with an error (logged). */
static redisReply *run(struct cache *c, struct arena *a, int argc, const char **argv)
{
    size_t lens[8];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = cache_command(c, a, argc, argv, lens);
    if (r && r->type == REDIS_REPLY_ERROR) {
        log_msg("error", "phone codes: %s: %s", argv[0], r->str ? r->str : "error");
        return NULL;
    }
    return r;
}

int phone_codes_put(struct cache *c, struct arena *a, const char *phone, const char *hash, unsigned tries,
                    unsigned ttl)
{
    const char *key = code_key(a, phone);
    const char *argv[] = {"EVAL", PUT_SCRIPT, "1", key, hash, arena_printf(a, "%u", tries),
                          arena_printf(a, "%u", ttl)};
    if (!key || !argv[5] || !argv[6])
        return -1;
    redisReply *r = run(c, a, 7, argv);
    return r && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
}

void phone_codes_drop(struct cache *c, struct arena *a, const char *phone)
{
    const char *argv[] = {"DEL", code_key(a, phone)};
    if (argv[1])
        run(c, a, 2, argv);
}

int phone_codes_get(struct cache *c, struct arena *a, const char *phone, const char **hash, size_t *len)
{
    const char *argv[] = {"HGET", code_key(a, phone), "h"};
    if (!argv[1])
        return -1;
    redisReply *r = run(c, a, 3, argv);
    if (!r)
        return -1;
    if (r->type != REDIS_REPLY_STRING)
        return 0;
    *hash = r->str;
    *len = r->len;
    return 1;
}

int phone_codes_take(struct cache *c, struct arena *a, const char *phone)
{
    const char *argv[] = {"DEL", code_key(a, phone)};
    if (!argv[1])
        return -1;
    redisReply *r = run(c, a, 2, argv);
    if (!r || r->type != REDIS_REPLY_INTEGER)
        return -1;
    return r->integer == 1 ? 1 : 0;
}

long long phone_codes_wrong_guess(struct cache *c, struct arena *a, const char *phone)
{
    const char *argv[] = {"EVAL", WRONG_SCRIPT, "1", code_key(a, phone)};
    if (!argv[3])
        return -2;
    redisReply *r = run(c, a, 4, argv);
    if (!r || r->type != REDIS_REPLY_INTEGER)
        return -2;
    return r->integer;
}
