/*
 * list_cache.h — cached list and statistics responses, invalidated by
 * generation numbers.
 *
 * A scope ("products", "orders:u:7", "orders:all") has a generation
 * counter, orderapi:gen:<scope>, and every scope shares one epoch counter,
 * orderapi:cache-epoch.  A response is stored under
 * orderapi:cache:<scope>:<epoch>.<generation>:<variant> with a TTL.  A write
 * that changes what a scope shows bumps its generation after commit, so the
 * next read misses and is rebuilt from MySQL; old entries simply expire.
 * Reading the epoch, the generation and the entry is one round trip (a small
 * Lua script, or, for a prefetch whose version this process has seen, two
 * plain reads: list_cache_plan_lookup).
 *
 * A bump that fails (Redis refuses writes or is unreachable) leaves entries
 * readable that no longer match MySQL.  The process marks the cache stale in
 * memory shared by every process of its master (processes without a master
 * share it through a file instead: list_cache_init_file); while it is stale nothing
 * is read from or stored in the cache, and each read first tries INCR of the
 * epoch: once one succeeds, every entry from before it is out of reach, and
 * the mark is cleared.  A master starts with the cache stale (a master that
 * died may have left it so), which costs one epoch bump.
 *
 * Redis trouble never fails a read: the caller just goes to MySQL.
 */
#ifndef ORDERAPI_LIST_CACHE_H
#define ORDERAPI_LIST_CACHE_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

struct cache;
struct arena;

/*
 * The stale mark: failed bumps counted, and how many of them the last
 * successful epoch bump covered.  The cache is stale while the two differ.
 * Counting (rather than a flag) keeps a failure that happens while another
 * process is bumping the epoch from being cleared by that bump.
 */
struct list_cache_marker {
    uint64_t failures;
    uint64_t repaired;
};

/* Maps the mark into memory shared with the children forked afterwards,
 * starting stale; called once by the master, before fork.  Processes
 * without a master (CGI, a socket on fd 0, the CLI) share a file instead
 * (list_cache_init_file); failing that, each has a mark of its own,
 * starting clean.  0 or -1. */
int list_cache_init_shared(void);

/* Without a master: the mark of the site whose Redis is named by site (any
 * string that tells the site's Redis apart, e.g. its socket or host:port
 * and database), in a file of dir (own_dir.h) mapped shared, so that every
 * process of the site sees one mark.  A new file starts clean (unlike a
 * master's mark, the file outlives the processes that failed).  NULL, or
 * -1, with the reason in err; the process then keeps a mark of its own. */
struct list_cache_marker *list_cache_marker_open(const char *dir, const char *site, char *err, size_t errlen);
int list_cache_init_file(const char *dir, const char *site, char *err, size_t errlen);
/* Makes m the mark this process reads and sets from now on (NULL: the
 * process's own); returns the one it used before.  The init functions
 * above call it; tests give each case a fresh mark with it. */
struct list_cache_marker *list_cache_use_marker(struct list_cache_marker *m);

/* The mark's steps (atomic; pure apart from m). */
void list_cache_marker_fail(struct list_cache_marker *m);
int list_cache_marker_stale(const struct list_cache_marker *m);
/* The failure count to hand to list_cache_marker_repaired, read before the
 * epoch bump is sent. */
uint64_t list_cache_marker_failures(const struct list_cache_marker *m);
void list_cache_marker_repaired(struct list_cache_marker *m, uint64_t failures_seen);

/* Of a bump's replies, how many of the first scope_count (the INCRs) are not
 * an INCR's integer answer; pure. */
size_t list_cache_bump_failures(redisReply *const *replies, size_t scope_count);
/* Whether this process's cache is stale now (see above). */
int list_cache_stale(void);

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

/* The EVAL command of a lookup (argv/lens have room for 6); -1 also while
 * the cache is stale (a prefetch is then not sent: list_cache_get repairs). */
int list_cache_lookup_command(struct arena *a, const char *scope, const char *variant, const char **argv,
                              size_t *lens);
/* Reads a lookup's reply into e; 1 hit, 0 miss, -1 failed. */
int list_cache_lookup_reply(struct arena *a, const char *scope, const char *variant, const redisReply *r,
                            struct list_cache_entry *e);

/*
 * A prefetch's lookup without the script, when this process has read the
 * scope's version ("<epoch>.<generation>") before: MGET of the epoch and the
 * generation, and GET of the entry under the version last seen, in the same
 * round trip.  When the versions agree the GET's answer is the one the script
 * would have given at the moment of the MGET (an entry is only ever stored
 * under the version its reader saw); a hit then costs Redis two plain reads,
 * and the entry is not copied through Lua.  When they differ (a bump since),
 * nothing is prefetched and list_cache_get runs the script.
 */
struct list_cache_plan {
    int count; /* commands: 1 (the script) or 2 (MGET, then GET) */
    int argc[2];
    const char *argv[2][6];
    size_t lens[2][6];
    const char *version; /* the version guessed (count 2) */
};
/* Fills p; -1 as list_cache_lookup_command. */
int list_cache_plan_lookup(struct arena *a, const char *scope, const char *variant, struct list_cache_plan *p);
/* Reads the plan's replies (p->count of them) into e: as
 * list_cache_lookup_reply, or 2 when the guessed version was not the current
 * one (the current one is remembered for the next guess). */
int list_cache_plan_reply(struct arena *a, const struct list_cache_plan *p, const char *scope,
                          const char *variant, redisReply *const *replies, struct list_cache_entry *e);
/* Forgets every remembered version (tests; a version is only a guess). */
void list_cache_forget_versions(void);

/* Looks the variant up; fills e.  Returns 1 on a hit, 0 on a miss, -1 when
 * Redis is unavailable or the cache is stale and could not be repaired
 * (e->key is then NULL). */
int list_cache_get(struct cache *cache, struct arena *a, const char *scope, const char *variant,
                   struct list_cache_entry *e);
/* list_cache_get that first uses a matching prefetched answer (pf may be NULL). */
int list_cache_get_prefetched(struct cache *cache, struct arena *a, const struct list_cache_prefetch *pf,
                              const char *scope, const char *variant, struct list_cache_entry *e);
/* Stores body under e->key for ttl seconds (best effort; not while stale). */
void list_cache_put(struct cache *cache, struct arena *a, const struct list_cache_entry *e, const char *body,
                    size_t len, unsigned ttl);
/* Makes every cached response of the given scopes stale, in one round trip
 * (every reply is checked: a bump that fails marks the whole cache stale,
 * see above). */
void list_cache_bump(struct cache *cache, struct arena *a, const char *const *scopes, size_t count);

/* Commands a caller sends in the bump's round trip, after the INCRs (so
 * Redis runs them after the generations moved); their replies come back in
 * replies[] for the caller to check: all NULL when the pipeline failed, or
 * when n exceeds LIST_CACHE_THEN_MAX (they are not sent then). */
#define LIST_CACHE_THEN_MAX 4
struct list_cache_then {
    size_t n;
    const int *argcs;
    const char **const *argvs;
    const size_t *const *lens;
    redisReply **replies;
};
/* list_cache_bump, with then's commands in the same round trip. */
void list_cache_bump_then(struct cache *cache, struct arena *a, const char *const *scopes, size_t count,
                          const struct list_cache_then *then);

#endif
