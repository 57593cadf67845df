/*
 * session.c — bearer token → principal.
 */
#include "auth/session.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/jwt.h"
#include "auth/principal.h"
#include "auth/revocation.h"
#include "auth/token_cache.h"
#include "http/http.h"
#include "http/problem.h"

/* 401 with the RFC 6750 §3 challenge. */
static void unauthorized(struct http_request *req, struct http_response *res, const char *code, const char *detail)
{
    problem_send(req, res, 401, code, detail);
    http_response_header(res, "WWW-Authenticate",
                         strcmp(code, "unauthenticated") == 0 && !http_header_get(req, "authorization")
                             ? "Bearer"
                             : "Bearer error=\"invalid_token\"");
}

const char *session_bearer_token(const struct http_request *req)
{
    const char *h = http_header_get(req, "authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

int session_verify_token(const struct jwt_settings *jwt, struct http_request *req, struct http_response *res,
                         struct principal *out)
{
    const char *token = session_bearer_token(req);
    if (!token) {
        unauthorized(req, res, "unauthenticated", "A valid bearer token is required");
        return -1;
    }
    int64_t now = (int64_t)time(NULL);
    int v = token_cache_lookup(token, now, jwt->leeway, out);
    if (v == JWT_OK)
        return 0;
    v = jwt_verify(jwt, token, now, out);
    if (v == JWT_ERR_INTERNAL) {
        problem_internal_error(req, res, "jwt_verify: internal error");
        return -1;
    }
    if (v != JWT_OK) {
        unauthorized(req, res, jwt_result_code(v),
                     v == JWT_ERR_EXPIRED ? "The token has expired" : "The token is not valid");
        return -1;
    }
    token_cache_store(token, out);
    return 0;
}

/* Answers res for a verdict that is not TOKEN_ACCEPTED; 0 when it is. */
static int answer_verdict(struct http_request *req, struct http_response *res, int verdict, const char *part)
{
    switch (verdict) {
    case TOKEN_ACCEPTED:
        return 0;
    case TOKEN_REVOKED:
        unauthorized(req, res, "token_revoked", "The token has been revoked");
        return -1;
    case TOKEN_USER_GONE:
    case TOKEN_ROLE_CHANGED:
        unauthorized(req, res, "token_revoked", "The token no longer matches the account");
        return -1;
    case TOKEN_UNAVAILABLE:
        problem_unavailable(req, res, part ? part : "a dependency");
        return -1;
    default:
        problem_internal_error(req, res, "revocation_check failed");
        return -1;
    }
}

int session_check_revocation(const struct revocation_ctx *rv, struct http_request *req,
                             struct http_response *res, const struct principal *p,
                             struct list_cache_prefetch *pf)
{
    const char *part = NULL;
    int verdict = revocation_check(rv, req->arena, p, pf, &part);
    return answer_verdict(req, res, verdict, part);
}

int session_send_revocation(const struct revocation_ctx *rv, struct http_request *req, const struct principal *p)
{
    return revocation_send(rv, req->arena, p);
}

int session_finish_revocation(const struct revocation_ctx *rv, struct http_request *req,
                              struct http_response *res, const struct principal *p)
{
    const char *part = NULL;
    int verdict = revocation_receive(rv, req->arena, p, &part);
    return answer_verdict(req, res, verdict, part);
}
