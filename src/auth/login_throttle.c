/*
 * login_throttle.c — fixed-window attempt counters (rate_window.c):
 *   orderapi:rl:login:email:<email>
 *   orderapi:rl:login:addr:<address>
 */
#include "auth/login_throttle.h"

#include <string.h>

#include "arena.h"
#include "auth/rate_window.h"
#include "config.h"
#include "store/cache.h"

static char *email_key(struct arena *a, const char *email)
{
    return arena_printf(a, "orderapi:rl:login:email:%s", email);
}

static char *addr_key(struct arena *a, const char *addr)
{
    return arena_printf(a, "orderapi:rl:login:addr:%s", addr && *addr ? addr : "unknown");
}

int login_throttle_begin(struct cache *cache, const struct jwt_config *jwt, struct arena *a,
                         const char *email, const char *addr, long long *retry_after)
{
    const char *keys[2] = {email_key(a, email), addr_key(a, addr)};
    const unsigned limits[2] = {jwt->login_max_failures, jwt->login_max_failures_per_ip};
    if (!keys[0] || !keys[1])
        return -1;
    return rate_window_take(cache, a, 2, keys, limits, jwt->login_window, retry_after);
}

void login_throttle_give_back(struct cache *cache, struct arena *a, const char *email, const char *addr)
{
    const char *keys[2] = {email_key(a, email), addr_key(a, addr)};
    if (keys[0] && keys[1])
        rate_window_give_back(cache, a, 2, keys);
}

void login_throttle_success(struct cache *cache, struct arena *a, const char *email, const char *addr)
{
    const char *k_email = email_key(a, email), *k_addr = addr_key(a, addr);
    if (!k_email || !k_addr)
        return;
    const char *argv[] = {"DEL", k_email};
    size_t lens[] = {3, strlen(k_email)};
    cache_command(cache, a, 2, argv, lens);
    rate_window_give_back(cache, a, 1, &k_addr);
}
