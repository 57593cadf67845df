/*
 * rate_window.c — see rate_window.h.  Both operations are Lua scripts, which
 * Redis runs atomically: no other client's command falls between the check
 * and the increment.
 */
#include "auth/rate_window.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "store/cache.h"

/*
 * KEYS: the counters; ARGV[1]: the window in seconds; ARGV[1 + i]: the
 * limit of KEYS[i].  Returns {0, 0} when every counter was incremented, or
 * {i, ttl} for the first counter already at its limit (nothing incremented).
 */
static const char TAKE_SCRIPT[] =
    "for i = 1, #KEYS do\n"
    "  local n = tonumber(redis.call('GET', KEYS[i]) or '0') or 0\n"
    "  if n >= tonumber(ARGV[i + 1]) then return {i, redis.call('TTL', KEYS[i])} end\n"
    "end\n"
    "for i = 1, #KEYS do\n"
    "  redis.call('INCR', KEYS[i])\n"
    "  redis.call('EXPIRE', KEYS[i], ARGV[1], 'NX')\n"
    "end\n"
    "return {0, 0}\n";

/* KEYS: the counters to decrement, each only while it is above zero. */
static const char GIVE_BACK_SCRIPT[] =
    "for i = 1, #KEYS do\n"
    "  if (tonumber(redis.call('GET', KEYS[i]) or '0') or 0) > 0 then redis.call('DECR', KEYS[i]) end\n"
    "end\n"
    "return 0\n";

long long rate_window_retry_after(long long ttl, unsigned window)
{
    if (ttl > 0)
        return ttl;
    return window > 0 ? (long long)window : 1;
}

/* Runs script over the keys with extra arguments; the reply, or NULL. */
static redisReply *run_script(struct cache *cache, struct arena *a, const char *script, size_t n,
                              const char *const *keys, size_t nargs, char *const *args)
{
    const char *argv[3 + 2 * RATE_WINDOW_MAX_KEYS + 1];
    size_t lens[sizeof argv / sizeof argv[0]];
    char count[8];
    if (n == 0 || n > RATE_WINDOW_MAX_KEYS || nargs > RATE_WINDOW_MAX_KEYS + 1)
        return NULL;
    snprintf(count, sizeof count, "%zu", n);
    size_t argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = script;
    argv[argc++] = count;
    for (size_t i = 0; i < n; i++)
        argv[argc++] = keys[i];
    for (size_t i = 0; i < nargs; i++)
        argv[argc++] = args[i];
    for (size_t i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = cache_command(cache, a, (int)argc, argv, lens);
    if (r && r->type == REDIS_REPLY_ERROR) {
        log_msg("error", "rate limit script: %s", r->str ? r->str : "error");
        return NULL;
    }
    return r;
}

int rate_window_take(struct cache *cache, struct arena *a, size_t n, const char *const *keys,
                     const unsigned *limits, unsigned window, long long *retry_after)
{
    char *args[RATE_WINDOW_MAX_KEYS + 1];
    if (n == 0 || n > RATE_WINDOW_MAX_KEYS)
        return -1;
    args[0] = arena_printf(a, "%u", window);
    for (size_t i = 0; i < n; i++)
        args[i + 1] = arena_printf(a, "%u", limits[i]);
    for (size_t i = 0; i <= n; i++)
        if (!args[i])
            return -1;
    redisReply *r = run_script(cache, a, TAKE_SCRIPT, n, keys, n + 1, args);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
        r->element[1]->type != REDIS_REPLY_INTEGER)
        return -1;
    if (r->element[0]->integer == 0)
        return 0;
    *retry_after = rate_window_retry_after(r->element[1]->integer, window);
    return 1;
}

void rate_window_give_back(struct cache *cache, struct arena *a, size_t n, const char *const *keys)
{
    run_script(cache, a, GIVE_BACK_SCRIPT, n, keys, 0, NULL);
}
