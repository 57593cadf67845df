/*
 * list_cache.h — cached list and statistics responses, invalidated by
 * generation numbers.
 *
 * A scope ("products", "orders:user:7", "orders:all") has a generation
 * counter, orderapi:gen:<scope>.  A response is stored under
 * orderapi:cache:<scope>:<generation>:<variant> with a TTL.  A write that
 * changes what a scope shows bumps its generation after commit, so the next
 * read misses and is rebuilt from MySQL; old entries simply expire.  Reading
 * the generation and the entry is one round trip (a small Lua script).
 *
 * Redis trouble never fails a read: the caller just goes to MySQL.
 */
#ifndef ORDERAPI_LIST_CACHE_H
#define ORDERAPI_LIST_CACHE_H

#include <stddef.h>

struct app;
struct arena;

struct list_cache_entry {
    const char *key;  /* where a fresh response is to be stored (NULL: don't) */
    const char *body; /* the cached response on a hit, else NULL */
    size_t body_len;
};

/* Looks the variant up; fills e.  Returns 1 on a hit, 0 on a miss, -1 when
 * Redis is unavailable (e->key is then NULL). */
int list_cache_get(struct app *app, struct arena *a, const char *scope, const char *variant,
                   struct list_cache_entry *e);
/* Stores body under e->key for ttl seconds (best effort). */
void list_cache_put(struct app *app, struct arena *a, const struct list_cache_entry *e, const char *body,
                    size_t len, unsigned ttl);
/* Makes every cached response of the given scopes stale (best effort; a
 * failure is logged, and entries expire with their TTL), in one round trip;
 * with wake_relay, also wakes the event relay (the write made events). */
void list_cache_bump(struct app *app, struct arena *a, const char *const *scopes, size_t count,
                     int wake_relay);

#endif
