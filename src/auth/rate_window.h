/*
 * rate_window.h — fixed-window attempt counters in Redis, taken and given
 * back atomically (each call is one Lua script, one round trip).
 *
 * An attempt is counted BEFORE the work it guards, so parallel requests
 * cannot all pass a check that none of them has yet counted: the n-th
 * concurrent attempt sees n - 1 earlier ones, whatever their timing.  The
 * window starts with the first attempt (EXPIRE ... NX) and is not extended
 * by later ones.
 */
#ifndef ORDERAPI_AUTH_RATE_WINDOW_H
#define ORDERAPI_AUTH_RATE_WINDOW_H

#include <stddef.h>

struct cache;
struct arena;

#define RATE_WINDOW_MAX_KEYS 4

/*
 * Takes one attempt from each of the n counters keys[i] (limit limits[i]
 * within window seconds), or from none of them when one is used up.
 * Returns 0 (taken), 1 (refused; *retry_after is the number of seconds until
 * the used-up counter's window ends) or -1 (Redis unreachable or refusing
 * the script).
 */
int rate_window_take(struct cache *cache, struct arena *a, size_t n, const char *const *keys,
                     const unsigned *limits, unsigned window, long long *retry_after);

/*
 * Gives one attempt back to each counter (never below zero), for an attempt
 * that turned out not to count: a successful login, or a request refused
 * for a reason that is not the client's (server busy, storage down).
 */
void rate_window_give_back(struct cache *cache, struct arena *a, size_t n, const char *const *keys);

/* The Retry-After for a refused attempt: the counter's TTL, or the whole
 * window when Redis reports none (ttl <= 0).  Always at least 1. */
long long rate_window_retry_after(long long ttl, unsigned window);

#endif
