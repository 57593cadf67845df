/*
 * refresh_store.h — refresh tokens in MySQL (sql/007_refresh_tokens.sql):
 * issuing, the one-use rotation with reuse detection, and revocation.  The
 * caller hashes tokens (auth/refresh_token.h); nothing here sees a token.
 * Times are unix seconds.
 */
#ifndef ORDERAPI_REFRESH_STORE_H
#define ORDERAPI_REFRESH_STORE_H

#include <stdint.h>

struct arena;
struct db;

/* Stores a token: a login's first (parent_id 0, a new family) or a child.
 * A DB_* status. */
int refresh_store_issue(struct db *db, const char *hash, const char *family, int64_t parent_id, int64_t user_id,
                        int64_t now, int64_t expires_at);

/* What presenting a token found. */
enum refresh_outcome {
    REFRESH_ROTATED = 0, /* it was live: now used up, and the child stored */
    REFRESH_UNKNOWN,     /* no such token (or purged after it expired) */
    REFRESH_EXPIRED,
    REFRESH_REVOKED,     /* revoked by a logout, a logout-all or a reuse */
    REFRESH_REUSED,      /* used up before: its family is now revoked */
};

/* A rotation's request and result. */
struct refresh_rotation {
    const char *old_hash;
    const char *new_hash;
    int64_t now;
    int64_t new_expires_at;
    enum refresh_outcome outcome;
    int64_t user_id;            /* ROTATED: whose token it was */
    char role[16];              /* ROTATED: the user's role now */
    int64_t tokens_valid_after; /* ROTATED: the user's logout-everywhere cut-off */
};

/*
 * Presents r->old_hash, in one transaction with the row locked: a live
 * token is used up and r->new_hash stored as its child in the same family,
 * expiring at r->new_expires_at; a used-up one revokes its family (that
 * revocation is committed).  A DB_* status; on DB_OK r->outcome says which.
 * Two rotations of one token are serialised by the lock: exactly one is
 * ROTATED, the other REUSED.
 */
int refresh_store_rotate(struct db *db, struct arena *a, struct refresh_rotation *r);

/* Revokes the family of the token with this hash, if it is user_id's. */
int refresh_store_revoke_family_of(struct db *db, struct arena *a, const char *hash, int64_t user_id, int64_t now);

/* Revokes every refresh token of a user (logout-all). */
int refresh_store_revoke_user(struct db *db, int64_t user_id, int64_t now);

/* Deletes a user's expired rows (done at login, so the table stays small). */
int refresh_store_purge_user(struct db *db, int64_t user_id, int64_t now);

#endif
