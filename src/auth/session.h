/*
 * session.h — turns a request's bearer token into a principal.
 */
#ifndef ORDERAPI_SESSION_H
#define ORDERAPI_SESSION_H

struct jwt_settings;
struct revocation_ctx;
struct http_request;
struct http_response;
struct principal;
struct list_cache_prefetch;

/* The token of an "Authorization: Bearer <token>" header (RFC 6750 §2.1;
 * the scheme compared case-insensitively, RFC 9110 §11.1; spaces after it
 * skipped), or NULL when there is none, another scheme, or an empty token. */
const char *session_bearer_token(const struct http_request *req);

/*
 * Authenticates req (Authorization: Bearer, RFC 6750 §2.1) in two steps, so
 * that a cache lookup can travel with the second (app.c):
 *
 * session_verify_token verifies the token locally (signature and claims, or
 * the worker's memory of a token verified before); session_check_revocation
 * asks the revocation list, sending pf (which may be NULL) in the same Redis
 * round trip.  Each returns 0, or -1 after answering res: 401 (with
 * WWW-Authenticate) for a missing, malformed, wrongly signed, expired or
 * revoked token or a user who is gone or has a new role; 503 when Redis
 * (fail-closed) or MySQL is unreachable.
 */
int session_verify_token(const struct jwt_settings *jwt, struct http_request *req, struct http_response *res,
                         struct principal *out);
int session_check_revocation(const struct revocation_ctx *rv, struct http_request *req,
                             struct http_response *res, const struct principal *p,
                             struct list_cache_prefetch *pf);
/* session_check_revocation in two halves (revocation_send and _receive),
 * for a route whose handler only reads MariaDB: session_send_revocation
 * returns 0 when the check is on its way (session_finish_revocation then
 * gives the verdict, answering res as session_check_revocation would when
 * it is not 0), or -1 when it was not sent (use session_check_revocation). */
int session_send_revocation(const struct revocation_ctx *rv, struct http_request *req, const struct principal *p);
int session_finish_revocation(const struct revocation_ctx *rv, struct http_request *req,
                              struct http_response *res, const struct principal *p);

#endif
