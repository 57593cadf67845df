/*
 * phone_throttle.c — the limits on sending codes (see phone_throttle.h).
 * Two fixed windows: the minute (one key) and the hour (the phone's and the
 * address's keys, taken together).
 */
#include "auth/phone_throttle.h"

#include "arena.h"
#include "auth/rate_window.h"

static void throttle_keys(struct arena *a, const char *phone, const char *addr, const char *keys[3])
{
    keys[0] = arena_printf(a, "orderapi:rl:pv:minute:%s", phone);
    keys[1] = arena_printf(a, "orderapi:rl:pv:phone:%s", phone);
    keys[2] = arena_printf(a, "orderapi:rl:pv:addr:%s", addr ? addr : "-");
}

int phone_throttle_begin(struct cache *cache, struct arena *a, const char *phone, const char *addr,
                         long long *retry_after)
{
    const char *keys[3];
    throttle_keys(a, phone, addr, keys);
    if (!keys[0] || !keys[1] || !keys[2])
        return -1;
    const unsigned once = 1;
    int rc = rate_window_take(cache, a, 1, keys, &once, PHONE_RESEND_AFTER, retry_after);
    if (rc != 0)
        return rc;
    const unsigned hourly[2] = {PHONE_MAX_PER_HOUR, PHONE_ADDR_MAX_PER_HOUR};
    rc = rate_window_take(cache, a, 2, keys + 1, hourly, 3600, retry_after);
    /* Refused by the hour: the minute's send stays taken (asking again at
     * once would be refused by the hour anyway). */
    return rc;
}

void phone_throttle_give_back(struct cache *cache, struct arena *a, const char *phone, const char *addr)
{
    const char *keys[3];
    throttle_keys(a, phone, addr, keys);
    if (keys[0] && keys[1] && keys[2])
        rate_window_give_back(cache, a, 3, keys);
}
