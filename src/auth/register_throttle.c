/*
 * register_throttle.c — one fixed-window counter per client address
 * (rate_window.c).
 */
#include "auth/register_throttle.h"

#include "arena.h"
#include "auth/rate_window.h"
#include "config.h"

static const char *addr_key(struct arena *a, const char *addr)
{
    return arena_printf(a, "orderapi:rl:register:addr:%s", addr && *addr ? addr : "unknown");
}

int register_throttle_begin(struct cache *cache, const struct jwt_config *jwt, struct arena *a,
                            const char *addr, long long *retry_after)
{
    const char *key = addr_key(a, addr);
    const unsigned limit = jwt->register_max_per_ip;
    if (!key)
        return -1;
    return rate_window_take(cache, a, 1, &key, &limit, jwt->register_window, retry_after);
}

void register_throttle_give_back(struct cache *cache, struct arena *a, const char *addr)
{
    const char *key = addr_key(a, addr);
    if (key)
        rate_window_give_back(cache, a, 1, &key);
}
