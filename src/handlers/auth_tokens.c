/*
 * auth_tokens.c — access and refresh tokens for login and refresh:
 *
 *   POST /api/v1/auth/refresh  anyone  {refresh_token} -> 200 new access and
 *                                      refresh tokens; 401 invalid_refresh_token
 *                                      or refresh_token_reused; 422
 *
 * A refresh token is used once: refreshing stores its child and uses it up
 * in one transaction.  A used-up token presented again revokes its family
 * (every token descended from the same login), since either the client or
 * a thief holds a copy.  Revocation lives in MySQL, so a Redis flush does
 * not bring a token back.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "auth/jwt.h"
#include "auth/principal.h"
#include "auth/refresh_token.h"
#include "auth/revocation.h"
#include "handlers/auth_tokens.h"
#include "handlers/handlers.h"
#include "handlers/respond.h"
#include "http/fields.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/refresh_store.h"

int auth_tokens_start_family(struct app *app, struct http_request *req, struct http_response *res,
                             int64_t user_id, char token[REFRESH_TOKEN_LEN + 1])
{
    char hash[REFRESH_HASH_LEN + 1], family[REFRESH_FAMILY_LEN + 1];
    if (refresh_token_new(token) != 0 || refresh_family_new(family) != 0 ||
        refresh_token_hash(token, REFRESH_TOKEN_LEN, hash) != 0) {
        problem_internal_error(req, res, "cannot make a refresh token");
        return -1;
    }
    int64_t now = (int64_t)time(NULL);
    int rc = refresh_store_purge_user(app->db, user_id, now);
    if (rc == DB_OK)
        rc = refresh_store_issue(app->db, hash, family, 0, user_id, now, now + app->cfg->jwt.refresh_ttl);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "refresh token");
        return -1;
    }
    return 0;
}

void auth_tokens_answer(struct app *app, struct http_request *req, struct http_response *res, struct principal *p,
                        int64_t tva, const char *refresh)
{
    /* A token must be issued after the logout-everywhere cut-off, even within
     * the same second: then it is dated one second ahead (inside the leeway). */
    int64_t now = (int64_t)time(NULL);
    if (now <= tva)
        now = tva + 1;
    char *token = NULL;
    if (jwt_issue(&app->jwt, p, now, &token) != JWT_OK) {
        problem_internal_error(req, res, "jwt_issue failed");
        return;
    }
    json_t *body = json_pack("{s:s, s:s, s:I}", "access_token", token, "token_type", "Bearer", "expires_in",
                             (json_int_t)app->jwt.ttl);
    free(token);
    if (body && refresh) {
        json_object_set_new(body, "refresh_token", json_string(refresh));
        json_object_set_new(body, "refresh_expires_in", json_integer((json_int_t)app->cfg->jwt.refresh_ttl));
    }
    respond_json(req, res, 200, body);
    http_response_header(res, "Cache-Control", "no-store");
}

static const struct field_spec REFRESH_FIELDS[] = {
    {.name = "refresh_token", .type = FIELD_STRING, .required = 1, .max_bytes = 256},
};

static void refused(struct http_request *req, struct http_response *res, enum refresh_outcome outcome)
{
    if (outcome == REFRESH_REUSED)
        problem_send(req, res, 401, "refresh_token_reused",
                     "This refresh token was already used; every token of its sign-in is now revoked");
    else
        problem_send(req, res, 401, "invalid_refresh_token", "The refresh token is unknown, expired or revoked");
}

/* The hash of the body's refresh_token; 0, or -1 when answered (422, 401). */
static int presented_hash(struct http_request *req, struct http_response *res, char hash[REFRESH_HASH_LEN + 1])
{
    if (respond_body_valid(req, res, REFRESH_FIELDS, sizeof REFRESH_FIELDS / sizeof REFRESH_FIELDS[0]) != 0)
        return -1;
    size_t len = 0;
    const char *presented = fields_string(req->json, "refresh_token", &len);
    if (refresh_token_hash(presented, len, hash) != 0) {
        refused(req, res, REFRESH_UNKNOWN);
        return -1;
    }
    return 0;
}

void handle_auth_refresh(struct app *app, struct http_request *req, struct http_response *res)
{
    char old_hash[REFRESH_HASH_LEN + 1], new_hash[REFRESH_HASH_LEN + 1], fresh[REFRESH_TOKEN_LEN + 1];
    if (presented_hash(req, res, old_hash) != 0)
        return;
    if (refresh_token_new(fresh) != 0 || refresh_token_hash(fresh, REFRESH_TOKEN_LEN, new_hash) != 0) {
        problem_internal_error(req, res, "cannot make a refresh token");
        return;
    }
    int64_t now = (int64_t)time(NULL);
    struct refresh_rotation r = {
        .old_hash = old_hash,
        .new_hash = new_hash,
        .now = now,
        .new_expires_at = now + app->cfg->jwt.refresh_ttl,
    };
    int rc = refresh_store_rotate(app->db, req->arena, &r);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "refresh");
        return;
    }
    if (r.outcome != REFRESH_ROTATED) {
        refused(req, res, r.outcome);
        return;
    }
    struct principal p = {.user_id = r.user_id};
    if (principal_role_parse(r.role, &p.kind) != 0) {
        problem_internal_error(req, res, "refresh: unknown role in users row");
        return;
    }
    revocation_remember_user(&app->revocation, req->arena, p.user_id, r.role, r.tokens_valid_after);
    auth_tokens_answer(app, req, res, &p, r.tokens_valid_after, fresh);
}

static const struct field_spec LOGOUT_FIELDS[] = {
    {.name = "refresh_token", .type = FIELD_STRING, .max_bytes = 256},
};

int auth_tokens_revoke_presented(struct app *app, struct http_request *req, struct http_response *res)
{
    if (!req->json)
        return 0;
    if (respond_body_valid(req, res, LOGOUT_FIELDS, sizeof LOGOUT_FIELDS / sizeof LOGOUT_FIELDS[0]) != 0)
        return -1;
    size_t len = 0;
    const char *presented = fields_string(req->json, "refresh_token", &len);
    char hash[REFRESH_HASH_LEN + 1];
    /* A guest has no refresh tokens; a token that is not one is nobody's. */
    if (!presented || req->principal->user_id <= 0 || refresh_token_hash(presented, len, hash) != 0)
        return 0;
    int rc = refresh_store_revoke_family_of(app->db, req->arena, hash, req->principal->user_id, (int64_t)time(NULL));
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "logout");
        return -1;
    }
    return 0;
}
