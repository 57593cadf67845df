/*
 * phone_throttle.h — how often a code may be sent (API.md "Guest orders by
 * phone"): once a minute to a phone, 5 times an hour to a phone, 20 times
 * an hour from a client address.  Counted in Redis before the code is made
 * (rate_window.h), so parallel requests cannot overrun the limits.
 */
#ifndef ORDERAPI_PHONE_THROTTLE_H
#define ORDERAPI_PHONE_THROTTLE_H

struct arena;
struct cache;

#define PHONE_RESEND_AFTER 60   /* seconds between two codes to one phone */
#define PHONE_MAX_PER_HOUR 5    /* codes to one phone an hour */
#define PHONE_ADDR_MAX_PER_HOUR 20 /* codes asked for from one client address an hour */

/* Takes one send from each limit, or from none.  0 (allowed), 1 (refused,
 * *retry_after set) or -1 (Redis unreachable). */
int phone_throttle_begin(struct cache *cache, struct arena *a, const char *phone, const char *addr,
                         long long *retry_after);

/* Gives the send back (it failed for a reason that is not the client's). */
void phone_throttle_give_back(struct cache *cache, struct arena *a, const char *phone, const char *addr);

#endif
