/*
 * list_cache.c — generation-keyed response cache in Redis.
 */
#include "store/list_cache.h"

#include <string.h>

#include "app.h"
#include "arena.h"
#include "events/relay.h"
#include "log.h"
#include "metrics.h"
#include "store/cache.h"

/* KEYS[1] = generation key; ARGV[1] = entry key prefix, ARGV[2] = variant.
 * Returns {generation, entry or false}. */
static const char LOOKUP_SCRIPT[] =
    "local g = redis.call('GET', KEYS[1]) or '0' "
    "return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}";

int list_cache_lookup_command(struct arena *a, const char *scope, const char *variant, const char **argv,
                              size_t *lens)
{
    char *gen_key = arena_printf(a, "orderapi:gen:%s", scope);
    char *prefix = arena_printf(a, "orderapi:cache:%s:", scope);
    if (!gen_key || !prefix)
        return -1;
    const char *v[] = {"EVAL", LOOKUP_SCRIPT, "1", gen_key, prefix, variant};
    size_t l[] = {4, sizeof LOOKUP_SCRIPT - 1, 1, strlen(gen_key), strlen(prefix), strlen(variant)};
    memcpy(argv, v, sizeof v);
    memcpy(lens, l, sizeof l);
    return 0;
}

int list_cache_lookup_reply(struct arena *a, const char *scope, const char *variant, const redisReply *r,
                            struct list_cache_entry *e)
{
    memset(e, 0, sizeof *e);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING) {
        if (r && r->type == REDIS_REPLY_ERROR)
            log_msg("warn", "list cache: %s", r->str);
        return -1;
    }
    e->key = arena_printf(a, "orderapi:cache:%s:%s:%s", scope, r->element[0]->str, variant);
    if (r->element[1]->type == REDIS_REPLY_STRING) {
        e->body = r->element[1]->str;
        e->body_len = r->element[1]->len;
        metrics_add(METRIC_CACHE_HITS, 1);
        return 1;
    }
    metrics_add(METRIC_CACHE_MISSES, 1);
    return 0;
}

int list_cache_get(struct app *app, struct arena *a, const char *scope, const char *variant,
                   struct list_cache_entry *e)
{
    const char *argv[6];
    size_t lens[6];
    memset(e, 0, sizeof *e);
    if (list_cache_lookup_command(a, scope, variant, argv, lens) != 0)
        return -1;
    redisReply *r = cache_command(app->cache, a, 6, argv, lens);
    return list_cache_lookup_reply(a, scope, variant, r, e);
}

int list_cache_get_prefetched(struct app *app, struct arena *a, const struct list_cache_prefetch *pf,
                              const char *scope, const char *variant, struct list_cache_entry *e)
{
    if (pf && pf->result != 2 && strcmp(pf->scope, scope) == 0 && strcmp(pf->variant, variant) == 0) {
        *e = pf->entry;
        return pf->result;
    }
    return list_cache_get(app, a, scope, variant, e);
}

void list_cache_put(struct app *app, struct arena *a, const struct list_cache_entry *e, const char *body,
                    size_t len, unsigned ttl)
{
    if (!e->key)
        return;
    char *ttl_s = arena_printf(a, "%u", ttl);
    if (!ttl_s)
        return;
    const char *argv[] = {"SET", e->key, body, "EX", ttl_s};
    size_t lens[] = {3, strlen(e->key), len, 2, strlen(ttl_s)};
    cache_command(app->cache, a, 5, argv, lens);
}

void list_cache_bump(struct app *app, struct arena *a, const char *const *scopes, size_t count,
                     int wake_relay)
{
    /* One round trip: every INCR, and the relay's wake-up (kept to a single
     * element, so it cannot grow while the relay is away). */
    enum { MAX_SCOPES = 8 };
    if (count > MAX_SCOPES)
        count = MAX_SCOPES;
    int argcs[MAX_SCOPES + 2];
    const char **argvs[MAX_SCOPES + 2];
    const size_t *lens[MAX_SCOPES + 2];
    redisReply *replies[MAX_SCOPES + 2];
    static const char *wake[] = {"LPUSH", RELAY_WAKE_KEY, "1"};
    static const char *trim[] = {"LTRIM", RELAY_WAKE_KEY, "0", "0"};
    static const size_t wake_lens[] = {5, sizeof RELAY_WAKE_KEY - 1, 1};
    static const size_t trim_lens[] = {5, sizeof RELAY_WAKE_KEY - 1, 1, 1};
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const char **argv = arena_calloc(a, 2, sizeof *argv);
        size_t *l = arena_calloc(a, 2, sizeof *l);
        char *gen_key = arena_printf(a, "orderapi:gen:%s", scopes[i]);
        if (!argv || !l || !gen_key)
            return;
        argv[0] = "INCR";
        argv[1] = gen_key;
        l[0] = 4;
        l[1] = strlen(gen_key);
        argcs[n] = 2;
        argvs[n] = argv;
        lens[n++] = l;
    }
    if (wake_relay) {
        argcs[n] = 3;
        argvs[n] = wake;
        lens[n++] = wake_lens;
        argcs[n] = 4;
        argvs[n] = trim;
        lens[n++] = trim_lens;
    }
    if (cache_pipeline(app->cache, a, n, argcs, argvs, lens, replies) != 0)
        log_msg("warn", "list cache: could not bump %zu scopes; entries go stale within their TTL", count);
}
