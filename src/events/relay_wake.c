/*
 * relay_wake.c — see relay_wake.h.
 */
#include "events/relay_wake.h"

#include "events/relay.h"
#include "log.h"
#include "store/cache.h"

void relay_wake(struct cache *cache, struct arena *a)
{
    static const char *wake[] = {"LPUSH", RELAY_WAKE_KEY, "1"};
    static const char *trim[] = {"LTRIM", RELAY_WAKE_KEY, "0", "0"};
    static const size_t wake_lens[] = {5, sizeof RELAY_WAKE_KEY - 1, 1};
    static const size_t trim_lens[] = {5, sizeof RELAY_WAKE_KEY - 1, 1, 1};
    const int argcs[2] = {3, 4};
    const char **argvs[2] = {wake, trim};
    const size_t *lens[2] = {wake_lens, trim_lens};
    redisReply *replies[2] = {NULL, NULL};

    if (cache_pipeline(cache, a, 2, argcs, argvs, lens, replies) != 0 ||
        cache_write_verdict(replies[0], REDIS_REPLY_INTEGER) != CACHE_WRITE_OK ||
        cache_write_verdict(replies[1], REDIS_REPLY_STATUS) != CACHE_WRITE_OK)
        log_msg("warn", "could not wake the event relay; it publishes within a second");
}
