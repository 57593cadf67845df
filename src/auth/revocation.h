/*
 * revocation.h — whether a verified token may still be used.
 *
 * Three facts decide it, fetched from Redis in one round trip (MGET):
 *   orderapi:revoked:<jti>        set by logout, expires with the token
 *   orderapi:user:<id>            "<role>:<tokens_valid_after>", a 60 s
 *                                 cache of the user's row (role, and the
 *                                 logout-everywhere cut-off); written only
 *                                 by a script that never lowers the cut-off,
 *                                 so a request that read MySQL before a
 *                                 logout-all cannot put the old one back
 *   orderapi:revocations:loaded   present while Redis holds the denylist
 * MySQL is the durable copy: users.tokens_valid_after and
 * token_revocations.  When the marker is missing (Redis restarted without
 * its data, or was flushed) the denylist is put back from MySQL before the
 * answer is given, so a revoked token stays revoked.
 */
#ifndef ORDERAPI_REVOCATION_H
#define ORDERAPI_REVOCATION_H

#include <stdint.h>

struct arena;
struct cache;
struct db;
struct principal;
struct list_cache_prefetch;

/* What the revocation list reads and writes: both stores, and the two
 * settings it needs (ORDERAPI_REVOCATION_FAIL_OPEN and the token leeway). */
struct revocation_ctx {
    struct db *db;
    struct cache *cache;
    int fail_open;   /* 1: when Redis is down, decide from MySQL alone */
    unsigned leeway; /* seconds of clock skew accepted on exp */
};

enum revocation_verdict {
    TOKEN_ACCEPTED = 0,
    TOKEN_REVOKED = 1,        /* logged out, or issued before logout-everywhere */
    TOKEN_USER_GONE = 2,      /* the user no longer exists */
    TOKEN_ROLE_CHANGED = 3,   /* the user's role is no longer the token's */
    TOKEN_UNAVAILABLE = -2,   /* Redis (fail-closed) or MySQL unreachable: 503 */
    TOKEN_ERROR = -1,
};

/* The verdict for a verified principal; *unavailable names the part when
 * TOKEN_UNAVAILABLE ("redis" or "mysql").  A cache lookup the handler will
 * need (pf, may be NULL) is sent in the same round trip. */
int revocation_check(const struct revocation_ctx *rv, struct arena *a, const struct principal *p,
                     struct list_cache_prefetch *pf, const char **unavailable);

/*
 * The same check in two halves, for a handler that only reads MariaDB: the
 * MGET is sent first (revocation_send: 0, or -1 when it could not be sent,
 * and the caller then uses revocation_check), the handler's query runs
 * while Redis answers, and revocation_receive reads the reply and gives the
 * verdict, exactly as revocation_check would (a reply that cannot be read
 * makes it run revocation_check).  Nothing else may use the Redis
 * connection in between.
 */
int revocation_send(const struct revocation_ctx *rv, struct arena *a, const struct principal *p);
int revocation_receive(const struct revocation_ctx *rv, struct arena *a, const struct principal *p,
                       const char **unavailable);

/* Revokes one token until it expires (MySQL first, then Redis).  0, or
 * TOKEN_UNAVAILABLE / TOKEN_ERROR. */
int revocation_revoke_token(const struct revocation_ctx *rv, struct arena *a, const struct principal *p);

/* Revokes every token of the user issued up to now, including one a login
 * dated a second ahead (the cut-off moves to max(previous + 1, now)).  0, or TOKEN_UNAVAILABLE / TOKEN_ERROR. */
int revocation_revoke_all(const struct revocation_ctx *rv, struct arena *a, int64_t user_id, int64_t now,
                          int64_t *cutoff);

/* Drops the cached user row after a role change or deletion (best effort). */
void revocation_forget_user(const struct revocation_ctx *rv, struct arena *a, int64_t user_id);

/* Caches the user's state (after a login or a lookup), unless the cache
 * already holds a later cut-off. */
void revocation_remember_user(const struct revocation_ctx *rv, struct arena *a, int64_t user_id,
                              const char *role, int64_t tokens_valid_after);

/* The keep-max rule of the cached user state: 1 when the cached value
 * ("<role>:<tokens_valid_after>", or NULL) must stay because its cut-off is
 * later than tokens_valid_after; 0 when the new state may be written. */
int revocation_state_keeps(const char *cached, int64_t tokens_valid_after);

#endif
