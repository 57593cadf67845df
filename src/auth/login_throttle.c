/*
 * login_throttle.c — fixed-window failure counters:
 *   orderapi:rl:login:email:<email>   INCR, EXPIRE window NX
 *   orderapi:rl:login:addr:<address>
 */
#include "auth/login_throttle.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "store/cache.h"

static char *email_key(struct arena *a, const char *email)
{
    return arena_printf(a, "orderapi:rl:login:email:%s", email);
}

static char *addr_key(struct arena *a, const char *addr)
{
    return arena_printf(a, "orderapi:rl:login:addr:%s", addr && *addr ? addr : "unknown");
}

static long long reply_int(const redisReply *r)
{
    if (!r)
        return 0;
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (r->type == REDIS_REPLY_STRING)
        return atoll(r->str);
    return 0;
}

int login_throttle_check(struct app *app, struct arena *a, const char *email, const char *addr,
                         long long *retry_after)
{
    const char *k_email = email_key(a, email), *k_addr = addr_key(a, addr);
    if (!k_email || !k_addr)
        return -1;
    const char *argv[] = {"MGET", k_email, k_addr};
    size_t lens[] = {4, strlen(k_email), strlen(k_addr)};
    redisReply *r = cache_command(app->cache, a, 3, argv, lens);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
        return -1;
    const char *limited = NULL;
    if (reply_int(r->element[0]) >= (long long)app->cfg->jwt.login_max_failures)
        limited = k_email;
    else if (reply_int(r->element[1]) >= (long long)app->cfg->jwt.login_max_failures_per_ip)
        limited = k_addr;
    if (!limited)
        return 0;
    const char *ttl_argv[] = {"TTL", limited};
    size_t ttl_lens[] = {3, strlen(limited)};
    redisReply *t = cache_command(app->cache, a, 2, ttl_argv, ttl_lens);
    long long ttl = reply_int(t);
    *retry_after = ttl > 0 ? ttl : (long long)app->cfg->jwt.login_window;
    return 1;
}

void login_throttle_failure(struct app *app, struct arena *a, const char *email, const char *addr)
{
    const char *k_email = email_key(a, email), *k_addr = addr_key(a, addr);
    char *window = arena_printf(a, "%u", app->cfg->jwt.login_window);
    if (!k_email || !k_addr || !window)
        return;
    const char *incr_e[] = {"INCR", k_email}, *exp_e[] = {"EXPIRE", k_email, window, "NX"};
    const char *incr_a[] = {"INCR", k_addr}, *exp_a[] = {"EXPIRE", k_addr, window, "NX"};
    size_t l_incr_e[] = {4, strlen(k_email)}, l_exp_e[] = {6, strlen(k_email), strlen(window), 2};
    size_t l_incr_a[] = {4, strlen(k_addr)}, l_exp_a[] = {6, strlen(k_addr), strlen(window), 2};
    const int argcs[] = {2, 4, 2, 4};
    const char **argvs[] = {incr_e, exp_e, incr_a, exp_a};
    const size_t *const lens[] = {l_incr_e, l_exp_e, l_incr_a, l_exp_a};
    redisReply *replies[4];
    cache_pipeline(app->cache, a, 4, argcs, argvs, lens, replies);
}

void login_throttle_success(struct app *app, struct arena *a, const char *email)
{
    const char *k_email = email_key(a, email);
    if (!k_email)
        return;
    const char *argv[] = {"DEL", k_email};
    size_t lens[] = {3, strlen(k_email)};
    cache_command(app->cache, a, 2, argv, lens);
}
