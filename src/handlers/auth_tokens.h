/*
 * auth_tokens.h — what login and refresh answer with (handlers/auth_tokens.c):
 * an access token, and the refresh token that lets a client get the next one
 * without its password (API.md "Refresh tokens").
 */
#ifndef ORDERAPI_AUTH_TOKENS_H
#define ORDERAPI_AUTH_TOKENS_H

#include <stdint.h>

#include "auth/refresh_token.h"

struct app;
struct http_request;
struct http_response;
struct principal;

/*
 * Starts a login's family of refresh tokens for user_id (dropping the
 * user's expired ones); token receives the first.  0, or -1 when answered
 * (storage down).
 */
int auth_tokens_start_family(struct app *app, struct http_request *req, struct http_response *res,
                             int64_t user_id, char token[REFRESH_TOKEN_LEN + 1]);

/*
 * 200 {access_token, token_type, expires_in[, refresh_token,
 * refresh_expires_in]} with Cache-Control: no-store: a new access token for
 * p, dated after the user's logout-everywhere cut-off tva; refresh may be
 * NULL (no refresh token).
 */
void auth_tokens_answer(struct app *app, struct http_request *req, struct http_response *res, struct principal *p,
                        int64_t tva, const char *refresh);

/* Logout with {refresh_token} in its body: that token's family is revoked
 * too (when it is the caller's).  0, or -1 when answered. */
int auth_tokens_revoke_presented(struct app *app, struct http_request *req, struct http_response *res);

#endif
