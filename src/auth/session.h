/*
 * session.h — turns a request's bearer token into a principal.
 */
#ifndef ORDERAPI_SESSION_H
#define ORDERAPI_SESSION_H

struct app;
struct http_request;
struct http_response;
struct principal;
struct list_cache_prefetch;

/*
 * Authenticates req (Authorization: Bearer, RFC 6750 §2.1): verifies the
 * token, then asks the revocation list.  Returns 0 with *out filled, or -1
 * after answering res: 401 (with WWW-Authenticate) for a missing, malformed,
 * wrongly signed, expired or revoked token or a user who is gone or has a
 * new role; 503 when Redis (fail-closed) or MySQL is unreachable.
 */
int session_authenticate(struct app *app, struct http_request *req, struct http_response *res,
                         struct principal *out);

/* The two halves of session_authenticate, for callers that want to send a
 * cache lookup with the revocation check: verify the token locally, then
 * ask the revocation list (with pf, which may be NULL). */
int session_verify_token(struct app *app, struct http_request *req, struct http_response *res,
                         struct principal *out);
int session_check_revocation(struct app *app, struct http_request *req, struct http_response *res,
                             const struct principal *p, struct list_cache_prefetch *pf);

#endif
