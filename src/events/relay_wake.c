/*
 * relay_wake.c — see relay_wake.h.
 */
#include "events/relay_wake.h"

#include "events/relay.h"
#include "log.h"
#include "store/cache.h"

static const char *wake[] = {"LPUSH", RELAY_WAKE_KEY, "1"};
static const char *trim[] = {"LTRIM", RELAY_WAKE_KEY, "0", "0"};
static const size_t wake_lens[] = {5, sizeof RELAY_WAKE_KEY - 1, 1};
static const size_t trim_lens[] = {5, sizeof RELAY_WAKE_KEY - 1, 1, 1};
static const int wake_argcs[RELAY_WAKE_NCOMMANDS] = {3, 4};
static const char **const wake_argvs[RELAY_WAKE_NCOMMANDS] = {wake, trim};
static const size_t *const wake_lensv[RELAY_WAKE_NCOMMANDS] = {wake_lens, trim_lens};

void relay_wake_commands(const int **argcs, const char **const **argvs, const size_t *const **lens)
{
    *argcs = wake_argcs;
    *argvs = wake_argvs;
    *lens = wake_lensv;
}

int relay_wake_check(redisReply *const *replies)
{
    if (cache_write_verdict(replies[0], REDIS_REPLY_INTEGER) == CACHE_WRITE_OK &&
        cache_write_verdict(replies[1], REDIS_REPLY_STATUS) == CACHE_WRITE_OK)
        return 0;
    log_msg("warn", "could not wake the event relay; it publishes within a second");
    return -1;
}

void relay_wake(struct cache *cache, struct arena *a)
{
    redisReply *replies[RELAY_WAKE_NCOMMANDS] = {NULL, NULL};
    if (cache_pipeline(cache, a, RELAY_WAKE_NCOMMANDS, wake_argcs, wake_argvs, wake_lensv, replies) != 0)
        replies[0] = replies[1] = NULL;
    relay_wake_check(replies);
}
