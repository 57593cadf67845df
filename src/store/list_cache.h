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

#include <hiredis/hiredis.h>
#include <stddef.h>

struct app;
struct arena;

struct list_cache_entry {
    const char *key;  /* where a fresh response is to be stored (NULL: don't) */
    const char *body; /* the cached response on a hit, else NULL */
    size_t body_len;
};

/*
 * A lookup sent ahead of time, in the same round trip as the request's
 * token revocation check (auth/revocation.c): the route's prefetch hook
 * names the scope and variant, and the handler's list_cache_get then finds
 * the answer already there.
 */
struct list_cache_prefetch {
    const char *scope;
    const char *variant;
    int result;       /* as list_cache_get: 1 hit, 0 miss, -1 unavailable; 2 = not sent */
    struct list_cache_entry entry;
};

/* The EVAL command of a lookup (argv/lens have room for 6). */
int list_cache_lookup_command(struct arena *a, const char *scope, const char *variant, const char **argv,
                              size_t *lens);
/* Reads a lookup's reply into e; 1 hit, 0 miss, -1 failed. */
int list_cache_lookup_reply(struct arena *a, const char *scope, const char *variant, const redisReply *r,
                            struct list_cache_entry *e);

/* Looks the variant up; fills e.  Returns 1 on a hit, 0 on a miss, -1 when
 * Redis is unavailable (e->key is then NULL). */
int list_cache_get(struct app *app, struct arena *a, const char *scope, const char *variant,
                   struct list_cache_entry *e);
/* list_cache_get that first uses a matching prefetched answer (pf may be NULL). */
int list_cache_get_prefetched(struct app *app, struct arena *a, const struct list_cache_prefetch *pf,
                              const char *scope, const char *variant, struct list_cache_entry *e);
/* Stores body under e->key for ttl seconds (best effort). */
void list_cache_put(struct app *app, struct arena *a, const struct list_cache_entry *e, const char *body,
                    size_t len, unsigned ttl);
/* Makes every cached response of the given scopes stale (best effort; a
 * failure is logged, and entries expire with their TTL), in one round trip;
 * with wake_relay, also wakes the event relay (the write made events). */
void list_cache_bump(struct app *app, struct arena *a, const char *const *scopes, size_t count,
                     int wake_relay);

#endif
