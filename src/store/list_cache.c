/*
 * list_cache.c — generation-keyed response cache in Redis, and the stale
 * mark that keeps it from answering after a bump failed.
 */
#include "store/list_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "log.h"
#include "metrics.h"
#include "own_dir.h"
#include "store/cache.h"

/* The counter every entry key starts with; bumped to repair a stale cache. */
#define EPOCH_KEY "orderapi:cache-epoch"

/* KEYS[1] = generation key; ARGV[1] = entry key prefix, ARGV[2] = variant.
 * Returns {"<epoch>.<generation>", entry or false}.  Read-only, so Redis
 * runs it even while it refuses writes. */
static const char LOOKUP_SCRIPT[] =
    "local v = (redis.call('GET', '" EPOCH_KEY "') or '0') .. '.' .. (redis.call('GET', KEYS[1]) or '0') "
    "return {v, redis.call('GET', ARGV[1] .. v .. ':' .. ARGV[2])}";

/* KEYS[1] = entry key; ARGV[1] = the answer, ARGV[2] = TTL in seconds.  The
 * entry is stored as SET would, but kept out of the append-only file (and
 * replicas): redis.set_repl(redis.REPL_NONE).  An entry lives for its TTL
 * at most and is only ever a copy of what MySQL answers, so a Redis restart
 * that loses it costs one miss; persisting it would cost an AOF append of
 * every answer, and the AOF rewrites (a fork, every live entry compressed
 * again) that so much growth brings.  Only its expiry reaches the AOF (a
 * DEL).  redis.replicate_commands() is what Redis 3.2 to 4 need before
 * set_repl; from Redis 5 on it is a no-op.  The generation and epoch
 * counters stay persistent: losing a bump could bring an old entry back,
 * losing an entry cannot. */
static const char PUT_SCRIPT[] =
    "redis.replicate_commands() redis.set_repl(redis.REPL_NONE) "
    "return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])";

/* ---------------------------------------------------------------- the stale mark */

static struct list_cache_marker process_marker;
static struct list_cache_marker *marker = &process_marker;

int list_cache_init_shared(void)
{
    void *p = mmap(NULL, sizeof *marker, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    marker = p;
    /* An earlier master may have died with the cache stale: start so. */
    marker->failures = 1;
    marker->repaired = 0;
    return 0;
}

/* The mark file's name for a site: a hash of its Redis, so that two sites
 * of one user on one host never clear each other's mark. */
static void mark_file_name(char *out, size_t len, const char *site)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)site; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    snprintf(out, len, "cache-mark-%016" PRIx64, h);
}

struct list_cache_marker *list_cache_marker_open(const char *dir, const char *site, char *err, size_t errlen)
{
    char name[64];
    struct stat st;
    int dirfd = own_dir_open(dir, err, errlen);
    if (dirfd < 0)
        return NULL;
    mark_file_name(name, sizeof name, site);
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    close(dirfd);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s/%s: %s", dir, name, strerror(errno));
        return NULL;
    }
    struct list_cache_marker *m = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
        snprintf(err, errlen, "%s/%s is not this user's own file", dir, name);
    else if (st.st_size < (off_t)sizeof *m && ftruncate(fd, sizeof *m) != 0)
        snprintf(err, errlen, "cannot size %s/%s: %s", dir, name, strerror(errno));
    else if ((m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        snprintf(err, errlen, "cannot map %s/%s: %s", dir, name, strerror(errno));
        m = NULL;
    }
    close(fd);
    return m;
}

int list_cache_init_file(const char *dir, const char *site, char *err, size_t errlen)
{
    struct list_cache_marker *m = list_cache_marker_open(dir, site, err, errlen);
    if (!m)
        return -1;
    list_cache_use_marker(m);
    return 0;
}

struct list_cache_marker *list_cache_use_marker(struct list_cache_marker *m)
{
    struct list_cache_marker *before = marker;
    marker = m ? m : &process_marker;
    return before;
}

void list_cache_marker_fail(struct list_cache_marker *m)
{
    __atomic_add_fetch(&m->failures, 1, __ATOMIC_SEQ_CST);
}

int list_cache_marker_stale(const struct list_cache_marker *m)
{
    return __atomic_load_n(&m->failures, __ATOMIC_SEQ_CST) != __atomic_load_n(&m->repaired, __ATOMIC_SEQ_CST);
}

uint64_t list_cache_marker_failures(const struct list_cache_marker *m)
{
    return __atomic_load_n(&m->failures, __ATOMIC_SEQ_CST);
}

/* Records that every failure up to failures_seen is repaired; never lowers
 * the count (a slower repairer may finish after a faster one). */
void list_cache_marker_repaired(struct list_cache_marker *m, uint64_t failures_seen)
{
    uint64_t now = __atomic_load_n(&m->repaired, __ATOMIC_SEQ_CST);
    while (now < failures_seen &&
           !__atomic_compare_exchange_n(&m->repaired, &now, failures_seen, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
}

int list_cache_stale(void)
{
    return list_cache_marker_stale(marker);
}

size_t list_cache_bump_failures(redisReply *const *replies, size_t scope_count)
{
    size_t failed = 0;
    for (size_t i = 0; i < scope_count; i++)
        if (cache_write_verdict(replies[i], REDIS_REPLY_INTEGER) != CACHE_WRITE_OK)
            failed++;
    return failed;
}

/* ---------------------------------------------------------------- lookups */

/* Fills the lookup's EVAL argv (6 entries); 0 or -1 (out of memory). */
static int lookup_argv(struct arena *a, const char *scope, const char *variant, const char **argv, size_t *lens)
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

/* ------------------------------------------------- versions remembered */

/* The version this process last read for a scope, by hash of the scope:
 * only a guess that saves the script when it is still right. */
#define KNOWN_SLOTS 256
static struct known_version {
    char scope[96];
    char version[48];
} known[KNOWN_SLOTS];

static size_t known_slot(const char *scope)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *c = scope; *c; c++) {
        h ^= (unsigned char)*c;
        h *= 1099511628211ULL;
    }
    return (size_t)(h % KNOWN_SLOTS);
}

static void remember_version(const char *scope, const char *version)
{
    struct known_version *k = &known[known_slot(scope)];
    if (strlen(scope) >= sizeof k->scope || strlen(version) >= sizeof k->version)
        return;
    strcpy(k->scope, scope);
    strcpy(k->version, version);
}

static const char *known_version(const char *scope)
{
    const struct known_version *k = &known[known_slot(scope)];
    return k->version[0] && strcmp(k->scope, scope) == 0 ? k->version : NULL;
}

void list_cache_forget_versions(void)
{
    memset(known, 0, sizeof known);
}

int list_cache_lookup_command(struct arena *a, const char *scope, const char *variant, const char **argv,
                              size_t *lens)
{
    if (list_cache_stale())
        return -1;
    return lookup_argv(a, scope, variant, argv, lens);
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
    remember_version(scope, r->element[0]->str);
    if (r->element[1]->type == REDIS_REPLY_STRING) {
        e->body = r->element[1]->str;
        e->body_len = r->element[1]->len;
        metrics_add(METRIC_CACHE_HITS, 1);
        return 1;
    }
    metrics_add(METRIC_CACHE_MISSES, 1);
    return 0;
}

int list_cache_plan_lookup(struct arena *a, const char *scope, const char *variant, struct list_cache_plan *p)
{
    memset(p, 0, sizeof *p);
    const char *version = list_cache_stale() ? NULL : known_version(scope);
    if (!version) {
        p->count = 1;
        p->argc[0] = 6;
        return list_cache_lookup_command(a, scope, variant, p->argv[0], p->lens[0]);
    }
    char *gen_key = arena_printf(a, "orderapi:gen:%s", scope);
    char *entry_key = arena_printf(a, "orderapi:cache:%s:%s:%s", scope, version, variant);
    p->version = arena_strdup(a, version);
    if (!gen_key || !entry_key || !p->version)
        return -1;
    p->count = 2;
    p->argc[0] = 3;
    p->argv[0][0] = "MGET";
    p->argv[0][1] = EPOCH_KEY;
    p->argv[0][2] = gen_key;
    p->argc[1] = 2;
    p->argv[1][0] = "GET";
    p->argv[1][1] = entry_key;
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < p->argc[c]; i++)
            p->lens[c][i] = strlen(p->argv[c][i]);
    return 0;
}

/* A counter's value as the script reads it: its text, or "0" when absent. */
static const char *counter_text(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING ? r->str : "0";
}

int list_cache_plan_reply(struct arena *a, const struct list_cache_plan *p, const char *scope,
                          const char *variant, redisReply *const *replies, struct list_cache_entry *e)
{
    if (p->count == 1)
        return list_cache_lookup_reply(a, scope, variant, replies[0], e);
    memset(e, 0, sizeof *e);
    const redisReply *m = replies[0], *g = replies[1];
    if (!m || m->type != REDIS_REPLY_ARRAY || m->elements != 2 || !g ||
        (g->type != REDIS_REPLY_STRING && g->type != REDIS_REPLY_NIL)) {
        if (m && m->type == REDIS_REPLY_ERROR)
            log_msg("warn", "list cache: %s", m->str);
        return -1;
    }
    char *version = arena_printf(a, "%s.%s", counter_text(m->element[0]), counter_text(m->element[1]));
    if (!version)
        return -1;
    if (strcmp(version, p->version) != 0) {
        remember_version(scope, version);
        return 2;
    }
    e->key = arena_printf(a, "orderapi:cache:%s:%s:%s", scope, version, variant);
    if (g->type == REDIS_REPLY_STRING) {
        e->body = g->str;
        e->body_len = g->len;
        metrics_add(METRIC_CACHE_HITS, 1);
        return 1;
    }
    metrics_add(METRIC_CACHE_MISSES, 1);
    return 0;
}

/*
 * The lookup of a stale cache: INCR of the epoch and the lookup in one
 * round trip.  When the INCR succeeds, every entry from before it is out of
 * reach (the lookup, run after it, reads the new epoch), so the mark's
 * failures seen before sending are repaired; otherwise the cache stays stale
 * and the caller goes to MySQL.
 */
static int lookup_after_epoch_bump(struct cache *cache, struct arena *a, const char *scope, const char *variant,
                                   const char **argv, const size_t *lens, struct list_cache_entry *e)
{
    static const char *incr[] = {"INCR", EPOCH_KEY};
    static const size_t incr_lens[] = {4, sizeof EPOCH_KEY - 1};
    const int argcs[2] = {2, 6};
    const char **argvs[2] = {incr, argv};
    const size_t *lensv[2] = {incr_lens, lens};
    redisReply *replies[2];
    uint64_t seen = list_cache_marker_failures(marker);

    if (cache_pipeline(cache, a, 2, argcs, argvs, lensv, replies) != 0 ||
        cache_write_verdict(replies[0], REDIS_REPLY_INTEGER) != CACHE_WRITE_OK)
        return -1;
    list_cache_marker_repaired(marker, seen);
    log_msg("info", "list cache: epoch bumped to %lld; entries from before the failed bumps are no longer read",
            replies[0]->integer);
    return list_cache_lookup_reply(a, scope, variant, replies[1], e);
}

int list_cache_get(struct cache *cache, struct arena *a, const char *scope, const char *variant,
                   struct list_cache_entry *e)
{
    const char *argv[6];
    size_t lens[6];
    memset(e, 0, sizeof *e);
    if (lookup_argv(a, scope, variant, argv, lens) != 0)
        return -1;
    if (list_cache_stale())
        return lookup_after_epoch_bump(cache, a, scope, variant, argv, lens, e);
    redisReply *r = cache_command(cache, a, 6, argv, lens);
    return list_cache_lookup_reply(a, scope, variant, r, e);
}

int list_cache_get_prefetched(struct cache *cache, struct arena *a, const struct list_cache_prefetch *pf,
                              const char *scope, const char *variant, struct list_cache_entry *e)
{
    if (pf && pf->result != 2 && strcmp(pf->scope, scope) == 0 && strcmp(pf->variant, variant) == 0 &&
        !list_cache_stale()) {
        *e = pf->entry;
        return pf->result;
    }
    return list_cache_get(cache, a, scope, variant, e);
}

void list_cache_put(struct cache *cache, struct arena *a, const struct list_cache_entry *e, const char *body,
                    size_t len, unsigned ttl)
{
    if (!e->key || list_cache_stale())
        return;
    char *ttl_s = arena_printf(a, "%u", ttl);
    if (!ttl_s)
        return;
    const char *argv[] = {"EVAL", PUT_SCRIPT, "1", e->key, body, ttl_s};
    size_t lens[] = {4, sizeof PUT_SCRIPT - 1, 1, strlen(e->key), len, strlen(ttl_s)};
    cache_command(cache, a, 6, argv, lens);
}

/* The bump's replies: a failed INCR marks the cache stale. */
static void check_bump_replies(redisReply *const *replies, size_t count)
{
    size_t failed = list_cache_bump_failures(replies, count);
    if (failed == 0)
        return;
    const char *why = "no reply";
    for (size_t i = 0; i < count; i++)
        if (replies[i] && replies[i]->type == REDIS_REPLY_ERROR) {
            why = replies[i]->str;
            break;
        }
    list_cache_marker_fail(marker);
    log_msg("warn", "list cache: %zu of %zu generation bumps failed (%s); the cache is not used until "
            "an epoch bump succeeds", failed, count, why);
}

void list_cache_bump_then(struct cache *cache, struct arena *a, const char *const *scopes, size_t count,
                          const struct list_cache_then *then)
{
    /* One round trip: every INCR, then the caller's commands. */
    enum { MAX_SCOPES = 8, MAX = MAX_SCOPES + LIST_CACHE_THEN_MAX };
    int argcs[MAX] = {0};
    const char **argvs[MAX] = {0};
    const size_t *lens[MAX] = {0};
    redisReply *replies[MAX] = {0};
    size_t n = 0;
    if (count > MAX_SCOPES) {
        /* Scopes that are not bumped are stale as surely as refused ones. */
        list_cache_marker_fail(marker);
        log_msg("error", "list cache: %zu scopes to bump, at most %d; the cache is not used until an epoch "
                "bump succeeds", count, MAX_SCOPES);
        count = MAX_SCOPES;
    }
    for (size_t i = 0; i < count; i++) {
        const char **argv = arena_calloc(a, 2, sizeof *argv);
        size_t *l = arena_calloc(a, 2, sizeof *l);
        char *gen_key = arena_printf(a, "orderapi:gen:%s", scopes[i]);
        if (!argv || !l || !gen_key) {
            list_cache_marker_fail(marker);
            log_msg("error", "list cache: out of memory; the cache is not used until an epoch bump succeeds");
            return;
        }
        argv[0] = "INCR";
        argv[1] = gen_key;
        l[0] = 4;
        l[1] = strlen(gen_key);
        argcs[n] = 2;
        argvs[n] = argv;
        lens[n++] = l;
    }
    size_t then_n = then && then->n <= LIST_CACHE_THEN_MAX ? then->n : 0;
    for (size_t i = 0; then && i < then->n; i++)
        then->replies[i] = NULL;
    for (size_t i = 0; i < then_n; i++) {
        argcs[n + i] = then->argcs[i];
        argvs[n + i] = then->argvs[i];
        lens[n + i] = then->lens[i];
    }
    if (n + then_n == 0)
        return;
    /* A failed pipeline leaves every replies[] NULL: each INCR counts as failed. */
    cache_pipeline(cache, a, n + then_n, argcs, argvs, lens, replies);
    for (size_t i = 0; i < then_n; i++)
        then->replies[i] = replies[n + i];
    check_bump_replies(replies, count);
}

void list_cache_bump(struct cache *cache, struct arena *a, const char *const *scopes, size_t count)
{
    list_cache_bump_then(cache, a, scopes, count, NULL);
}
