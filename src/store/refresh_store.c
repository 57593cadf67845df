/*
 * refresh_store.c — refresh tokens in MySQL (see refresh_store.h).
 */
#include "store/refresh_store.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "store/db.h"
#include "store/statements.h"

int refresh_store_issue(struct db *db, const char *hash, const char *family, int64_t parent_id, int64_t user_id,
                        int64_t now, int64_t expires_at)
{
    struct db_value p[6] = {DBP_STR(hash),     DBP_STR(family), parent_id > 0 ? DBP_INT(parent_id) : DBP_NULL,
                            DBP_INT(user_id), DBP_INT(now),    DBP_INT(expires_at)};
    return db_exec(db, STMT_REFRESH_INSERT, p, 6, NULL, NULL);
}

struct rotate_call {
    struct arena *arena;
    struct refresh_rotation *r;
};

/* The state of the locked row, as an outcome other than ROTATED, or
 * ROTATED when it is live. */
static enum refresh_outcome row_state(const struct db_rows *rows, int64_t now)
{
    if (DB_CELL(rows, 0, RT_USED_AT)->type != DBV_NULL)
        return REFRESH_REUSED;
    if (DB_CELL(rows, 0, RT_REVOKED_AT)->type != DBV_NULL)
        return REFRESH_REVOKED;
    if (DB_CELL(rows, 0, RT_EXPIRES_AT)->i <= now)
        return REFRESH_EXPIRED;
    return REFRESH_ROTATED;
}

static int rotate_body(struct db *db, void *arg)
{
    struct rotate_call *call = arg;
    struct refresh_rotation *r = call->r;
    struct db_rows rows;
    struct db_value key = DBP_STR(r->old_hash);
    int rc = db_query_row(db, STMT_REFRESH_GET_LOCKED, &key, 1, call->arena, &rows);
    if (rc == DB_NOT_FOUND) {
        r->outcome = REFRESH_UNKNOWN;
        return DB_OK;
    }
    if (rc != DB_OK)
        return rc;
    r->outcome = row_state(&rows, r->now);
    const char *family = DB_CELL(&rows, 0, RT_FAMILY)->s;
    if (r->outcome == REFRESH_REUSED) {
        /* A used-up token came back: whoever holds it may be a thief, so
         * every token of the login goes, the newest one included. */
        struct db_value p[2] = {DBP_INT(r->now), DBP_STR(family)};
        return db_exec(db, STMT_REFRESH_REVOKE_FAMILY, p, 2, NULL, NULL);
    }
    if (r->outcome != REFRESH_ROTATED)
        return DB_OK;
    int64_t id = DB_CELL(&rows, 0, RT_ID)->i;
    r->user_id = DB_CELL(&rows, 0, RT_USER_ID)->i;
    snprintf(r->role, sizeof r->role, "%s", DB_CELL(&rows, 0, RT_ROLE)->s);
    r->tokens_valid_after = DB_CELL(&rows, 0, RT_TOKENS_VALID_AFTER)->i;
    struct db_value used[2] = {DBP_INT(r->now), DBP_INT(id)};
    rc = db_exec(db, STMT_REFRESH_MARK_USED, used, 2, NULL, NULL);
    if (rc != DB_OK)
        return rc;
    return refresh_store_issue(db, r->new_hash, family, id, r->user_id, r->now, r->new_expires_at);
}

int refresh_store_rotate(struct db *db, struct arena *a, struct refresh_rotation *r)
{
    struct rotate_call call = {a, r};
    return db_tx(db, rotate_body, &call);
}

int refresh_store_revoke_family_of(struct db *db, struct arena *a, const char *hash, int64_t user_id, int64_t now)
{
    struct db_rows rows;
    struct db_value key[2] = {DBP_STR(hash), DBP_INT(user_id)};
    int rc = db_query_row(db, STMT_REFRESH_FAMILY_OF, key, 2, a, &rows);
    if (rc != DB_OK)
        return rc == DB_NOT_FOUND ? DB_OK : rc;
    struct db_value p[2] = {DBP_INT(now), DBP_STR(DB_CELL(&rows, 0, SINGLE_VALUE)->s)};
    return db_exec(db, STMT_REFRESH_REVOKE_FAMILY, p, 2, NULL, NULL);
}

int refresh_store_revoke_user(struct db *db, int64_t user_id, int64_t now)
{
    struct db_value p[2] = {DBP_INT(now), DBP_INT(user_id)};
    return db_exec(db, STMT_REFRESH_REVOKE_USER, p, 2, NULL, NULL);
}

int refresh_store_purge_user(struct db *db, int64_t user_id, int64_t now)
{
    struct db_value p[2] = {DBP_INT(user_id), DBP_INT(now)};
    return db_exec(db, STMT_REFRESH_PURGE_USER, p, 2, NULL, NULL);
}
