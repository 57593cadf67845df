/*
 * revocation.c — the denylist in Redis, with MySQL as its durable copy.
 */
#include "auth/revocation.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "auth/principal.h"
#include "http/query.h"
#include "log.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/list_cache.h"

#define USER_STATE_TTL "60"
static const char MARKER_KEY[] = "orderapi:revocations:loaded";

/*
 * Writes the cached user state "<role>:<tva>" unless the cache already holds
 * a later cut-off (revocation_state_keeps() in Lua), atomically; returns the
 * value the key holds afterwards.  KEYS[1] the user key; ARGV[1] the value,
 * ARGV[2] its cut-off, ARGV[3] the TTL.
 */
static const char KEEP_MAX_SCRIPT[] =
    "local cur = redis.call('GET', KEYS[1]) "
    "if cur then "
    "local t = tonumber(string.match(cur, ':(%d+)$')) "
    "if t and t > tonumber(ARGV[2]) then return cur end "
    "end "
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3]) "
    "return ARGV[1]";

static char *revoked_key(struct arena *a, const char *jti)
{
    return arena_printf(a, "orderapi:revoked:%s", jti);
}

static char *user_key(struct arena *a, int64_t user_id)
{
    return arena_printf(a, "orderapi:user:%" PRId64, user_id);
}

/* Runs argv as one Redis command; NULL when Redis is unreachable. */
static redisReply *redis_run(const struct revocation_ctx *rv, struct arena *a, int argc, const char **argv)
{
    size_t lens[8];
    for (int i = 0; i < argc && i < 8; i++)
        lens[i] = strlen(argv[i]);
    return cache_command(rv->cache, a, argc, argv, lens);
}

/* Parses a cached "<role>:<tokens_valid_after>" value. */
static int user_state_parse(const char *value, char *role, size_t role_len, int64_t *tva)
{
    const char *colon = strrchr(value, ':');
    if (!colon || (size_t)(colon - value) >= role_len)
        return -1;
    memcpy(role, value, (size_t)(colon - value));
    role[colon - value] = '\0';
    return parse_int64(colon + 1, 0, INT64_MAX, tva);
}

int revocation_state_keeps(const char *cached, int64_t tokens_valid_after)
{
    char role[16];
    int64_t cached_tva;
    if (cached == NULL || user_state_parse(cached, role, sizeof role, &cached_tva) != 0)
        return 0;
    return cached_tva > tokens_valid_after;
}

/*
 * Caches the user's state unless the cache holds a later cut-off (written by
 * a logout-all after this request read MySQL).  When it does, role and *tva
 * become the cached ones, so the caller decides with the newer state too.
 */
static void remember_user_state(const struct revocation_ctx *rv, struct arena *a, int64_t user_id,
                                char *role, size_t role_len, int64_t *tva)
{
    char *key = user_key(a, user_id);
    char *value = arena_printf(a, "%s:%" PRId64, role, *tva);
    char *tva_s = arena_printf(a, "%" PRId64, *tva);
    if (!key || !value || !tva_s)
        return;
    const char *argv[] = {"EVAL", KEEP_MAX_SCRIPT, "1", key, value, tva_s, USER_STATE_TTL};
    redisReply *reply = redis_run(rv, a, 7, argv);
    if (!reply || reply->type != REDIS_REPLY_STRING) {
        if (reply && reply->type == REDIS_REPLY_ERROR)
            log_msg("error", "revocation: caching the state of user %" PRId64 ": %s", user_id, reply->str);
        return;
    }
    char cached_role[16];
    int64_t cached_tva;
    if (revocation_state_keeps(reply->str, *tva) &&
        user_state_parse(reply->str, cached_role, sizeof cached_role, &cached_tva) == 0 &&
        strlen(cached_role) < role_len) {
        memcpy(role, cached_role, strlen(cached_role) + 1);
        *tva = cached_tva;
    }
}

void revocation_remember_user(const struct revocation_ctx *rv, struct arena *a, int64_t user_id,
                              const char *role, int64_t tokens_valid_after)
{
    char role_copy[16];
    if (snprintf(role_copy, sizeof role_copy, "%s", role) >= (int)sizeof role_copy)
        return;
    remember_user_state(rv, a, user_id, role_copy, sizeof role_copy, &tokens_valid_after);
}

void revocation_forget_user(const struct revocation_ctx *rv, struct arena *a, int64_t user_id)
{
    char *key = user_key(a, user_id);
    if (!key)
        return;
    const char *argv[] = {"DEL", key};
    if (!redis_run(rv, a, 2, argv))
        log_msg("warn", "revocation: could not drop the cached state of user %" PRId64
                        "; it expires within " USER_STATE_TTL " s", user_id);
}

/*
 * Puts every unexpired revocation from MySQL back into Redis, then sets the
 * marker.  Several workers may do this at once after a Redis restart; the
 * writes are idempotent.
 */
static int reload_denylist(const struct revocation_ctx *rv, struct arena *a, int64_t now)
{
    struct db_rows rows;
    struct db_value param = DBP_INT(now);
    int rc = db_query(rv->db, STMT_REVOCATION_ACTIVE, &param, 1, a, &rows);
    if (rc != DB_OK)
        return rc == DB_UNAVAILABLE ? TOKEN_UNAVAILABLE : TOKEN_ERROR;
    for (size_t r = 0; r < rows.count; r++) {
        const struct db_value *jti = DB_CELL(&rows, r, REVOKED_JTI), *exp = DB_CELL(&rows, r, REVOKED_EXPIRES_AT);
        if (jti->type != DBV_STR || exp->type != DBV_INT || exp->i <= now)
            continue;
        char *key = revoked_key(a, jti->s);
        char *ttl = arena_printf(a, "%" PRId64, exp->i - now);
        if (!key || !ttl)
            return TOKEN_ERROR;
        const char *argv[] = {"SET", key, "1", "EX", ttl};
        if (!redis_run(rv, a, 5, argv))
            return TOKEN_UNAVAILABLE;
    }
    const char *argv[] = {"SET", MARKER_KEY, "1"};
    if (!redis_run(rv, a, 3, argv))
        return TOKEN_UNAVAILABLE;
    log_msg("info", "revocation: denylist reloaded from MySQL (%zu tokens)", rows.count);
    return 0;
}

/* Reads the user's role and cut-off from MySQL: 0, 1 when not found, or an error verdict. */
static int user_state_from_db(const struct revocation_ctx *rv, struct arena *a, int64_t user_id, char *role,
                              size_t role_len, int64_t *tva)
{
    struct db_rows rows;
    struct db_value param = DBP_INT(user_id);
    int rc = db_query_row(rv->db, STMT_USER_AUTH_STATE, &param, 1, a, &rows);
    if (rc == DB_NOT_FOUND)
        return 1;
    if (rc != DB_OK)
        return rc == DB_UNAVAILABLE ? TOKEN_UNAVAILABLE : TOKEN_ERROR;
    const struct db_value *r = DB_CELL(&rows, 0, UAUTH_ROLE), *t = DB_CELL(&rows, 0, UAUTH_TOKENS_VALID_AFTER);
    if (r->type != DBV_STR || t->type != DBV_INT)
        return TOKEN_ERROR;
    snprintf(role, role_len, "%s", r->s);
    *tva = t->i;
    return 0;
}

/* Applies the user rules once the user's role and cut-off are known. */
static int verdict_for_user(const struct principal *p, const char *role, int64_t tva)
{
    enum principal_kind kind;
    if (principal_role_parse(role, &kind) != 0 || kind != p->kind)
        return TOKEN_ROLE_CHANGED;
    if (p->issued_at <= tva)
        return TOKEN_REVOKED;
    return TOKEN_ACCEPTED;
}

/* The MySQL-only path: Redis is down and fail-open was chosen. */
static int check_from_db(const struct revocation_ctx *rv, struct arena *a, const struct principal *p,
                         const char **unavailable)
{
    struct db_rows rows;
    struct db_value jti = DBP_STR(p->jti);
    int rc = db_query_row(rv->db, STMT_REVOCATION_EXISTS, &jti, 1, a, &rows);
    if (rc == DB_OK)
        return TOKEN_REVOKED;
    if (rc != DB_NOT_FOUND) {
        *unavailable = "mysql";
        return rc == DB_UNAVAILABLE ? TOKEN_UNAVAILABLE : TOKEN_ERROR;
    }
    if (p->kind == PRINCIPAL_GUEST)
        return TOKEN_ACCEPTED;
    char role[16];
    int64_t tva = 0;
    rc = user_state_from_db(rv, a, p->user_id, role, sizeof role, &tva);
    if (rc == 1)
        return TOKEN_USER_GONE;
    if (rc != 0) {
        *unavailable = "mysql";
        return rc;
    }
    return verdict_for_user(p, role, tva);
}

/* The MGET of the token's three facts (two for a guest): argv[0..*argc),
 * keys in the arena.  0, or -1 out of memory. */
static int check_argv(struct arena *a, const struct principal *p, const char *argv[4], int *argc)
{
    int is_user = p->kind != PRINCIPAL_GUEST;
    char *k_revoked = revoked_key(a, p->jti);
    char *k_user = is_user ? user_key(a, p->user_id) : NULL;
    if (!k_revoked || (is_user && !k_user))
        return -1;
    argv[0] = "MGET";
    argv[1] = k_revoked;
    argv[2] = MARKER_KEY;
    argv[3] = k_user;
    *argc = is_user ? 4 : 3;
    return 0;
}

/* The verdict from the MGET's reply (NULL: Redis did not answer). */
static int verdict_from_reply(const struct revocation_ctx *rv, struct arena *a, const struct principal *p,
                              redisReply *reply, const char **unavailable)
{
    int is_user = p->kind != PRINCIPAL_GUEST;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != (size_t)(is_user ? 3 : 2)) {
        if (!rv->fail_open) {
            *unavailable = "redis";
            return TOKEN_UNAVAILABLE;
        }
        log_msg("warn", "revocation: Redis unavailable; ORDERAPI_REVOCATION_FAIL_OPEN=1, checking MySQL only");
        return check_from_db(rv, a, p, unavailable);
    }
    int revoked = reply->element[0]->type == REDIS_REPLY_STRING;
    int marker = reply->element[1]->type == REDIS_REPLY_STRING;
    if (!marker) {
        /* Redis lost the denylist: put it back, then ask MySQL about this one. */
        int rc = reload_denylist(rv, a, (int64_t)time(NULL));
        if (rc != 0) {
            *unavailable = rc == TOKEN_UNAVAILABLE ? "mysql" : NULL;
            return rc;
        }
        struct db_rows rows;
        struct db_value jti = DBP_STR(p->jti);
        int q = db_query_row(rv->db, STMT_REVOCATION_EXISTS, &jti, 1, a, &rows);
        if (q == DB_OK)
            revoked = 1;
        else if (q != DB_NOT_FOUND) {
            *unavailable = "mysql";
            return q == DB_UNAVAILABLE ? TOKEN_UNAVAILABLE : TOKEN_ERROR;
        }
    }
    if (revoked)
        return TOKEN_REVOKED;
    if (!is_user)
        return TOKEN_ACCEPTED;
    char role[16];
    int64_t tva = 0;
    redisReply *cached = reply->element[2];
    if (cached->type != REDIS_REPLY_STRING || user_state_parse(cached->str, role, sizeof role, &tva) != 0) {
        int rc = user_state_from_db(rv, a, p->user_id, role, sizeof role, &tva);
        if (rc == 1)
            return TOKEN_USER_GONE;
        if (rc != 0) {
            *unavailable = "mysql";
            return rc;
        }
        remember_user_state(rv, a, p->user_id, role, sizeof role, &tva);
    }
    return verdict_for_user(p, role, tva);
}

int revocation_check(const struct revocation_ctx *rv, struct arena *a, const struct principal *p,
                     struct list_cache_prefetch *pf, const char **unavailable)
{
    *unavailable = NULL;
    const char *argv[4];
    int argc;
    if (check_argv(a, p, argv, &argc) != 0)
        return TOKEN_ERROR;
    redisReply *reply = NULL;
    struct list_cache_plan plan;
    if (pf && list_cache_plan_lookup(a, pf->scope, pf->variant, &plan) == 0) {
        size_t lens[4];
        for (int i = 0; i < argc; i++)
            lens[i] = strlen(argv[i]);
        const int argcs[3] = {argc, plan.argc[0], plan.argc[1]};
        const char **argvs[3] = {argv, plan.argv[0], plan.argv[1]};
        const size_t *lensv[3] = {lens, plan.lens[0], plan.lens[1]};
        redisReply *replies[3];
        if (cache_pipeline(rv->cache, a, 1 + (size_t)plan.count, argcs, argvs, lensv, replies) == 0) {
            reply = replies[0];
            pf->result = list_cache_plan_reply(a, &plan, pf->scope, pf->variant, replies + 1, &pf->entry);
        }
    } else {
        reply = redis_run(rv, a, argc, argv);
    }
    return verdict_from_reply(rv, a, p, reply, unavailable);
}

int revocation_send(const struct revocation_ctx *rv, struct arena *a, const struct principal *p)
{
    const char *argv[4];
    size_t lens[4];
    int argc;
    if (check_argv(a, p, argv, &argc) != 0)
        return -1;
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return cache_send(rv->cache, argc, argv, lens);
}

int revocation_receive(const struct revocation_ctx *rv, struct arena *a, const struct principal *p,
                       const char **unavailable)
{
    *unavailable = NULL;
    redisReply *reply = cache_receive(rv->cache, a);
    /* Not answered on the connection it was sent on (Redis restarted, or
     * went away): the whole check again, as one command would have been
     * tried again on a new connection. */
    if (!reply)
        return revocation_check(rv, a, p, NULL, unavailable);
    return verdict_from_reply(rv, a, p, reply, unavailable);
}

int revocation_revoke_token(const struct revocation_ctx *rv, struct arena *a, const struct principal *p)
{
    struct db_value params[3] = {
        DBP_STR(p->jti),
        p->user_id > 0 ? DBP_INT(p->user_id) : DBP_NULL,
        DBP_INT(p->expires_at),
    };
    int rc = db_exec(rv->db, STMT_REVOCATION_INSERT, params, 3, NULL, NULL);
    if (rc != DB_OK)
        return rc == DB_UNAVAILABLE ? TOKEN_UNAVAILABLE : TOKEN_ERROR;
    int64_t ttl = p->expires_at - (int64_t)time(NULL) + (int64_t)rv->leeway;
    if (ttl < 1)
        ttl = 1;
    char *key = revoked_key(a, p->jti);
    char *ttl_s = arena_printf(a, "%" PRId64, ttl);
    if (!key || !ttl_s)
        return TOKEN_ERROR;
    const char *argv[] = {"SET", key, "1", "EX", ttl_s};
    /* MySQL has it; a Redis failure here is repaired by the next reload. */
    if (!redis_run(rv, a, 5, argv))
        return TOKEN_UNAVAILABLE;
    return 0;
}

int revocation_revoke_all(const struct revocation_ctx *rv, struct arena *a, int64_t user_id, int64_t now,
                          int64_t *cutoff)
{
    struct db_value params[2] = {DBP_INT(now), DBP_INT(user_id)};
    int rc = db_exec(rv->db, STMT_USER_LOGOUT_ALL, params, 2, NULL, NULL);
    if (rc != DB_OK)
        return rc == DB_UNAVAILABLE ? TOKEN_UNAVAILABLE : TOKEN_ERROR;
    /* The new cut-off goes into the cache (not a DEL, which a request that
     * read the old one from MySQL just before could fill again); the
     * keep-max write refuses such a late filler's older value. */
    char role[16];
    int64_t tva = 0;
    if (user_state_from_db(rv, a, user_id, role, sizeof role, &tva) != 0) {
        *cutoff = now;
        revocation_forget_user(rv, a, user_id);
        return 0;
    }
    *cutoff = tva;
    remember_user_state(rv, a, user_id, role, sizeof role, &tva);
    return 0;
}
