/*
 * router.h — one static table of (method, pattern, handler, who may call it).
 *
 * Patterns are absolute paths whose segments are literals or "{id}".  An
 * {id} segment matches a positive decimal integer up to INT64_MAX without
 * leading zeros; anything else there ("abc", "0", "007", a huge number) does
 * not match, so such a path is 404 as the contract says.  HEAD is served by
 * the GET route.
 */
#ifndef ORDERAPI_ROUTER_H
#define ORDERAPI_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"
#include "http/http.h"

struct app;

typedef void (*route_handler)(struct app *app, struct http_request *req, struct http_response *res);

struct list_cache_prefetch;
/* Names the cache lookup a route's handler will make (scope and variant in
 * the request's arena), so that it can travel with the token check in one
 * Redis round trip.  1 when filled, 0 when the request has none to make
 * (for instance a query the handler will refuse). */
typedef int (*route_prefetch)(struct app *app, struct http_request *req, struct list_cache_prefetch *pf);

/* Who may call a route: a set of principal kinds (their bits), or anyone. */
enum route_access {
    ACCESS_ANYONE = 0,          /* no token needed */
    ACCESS_CUSTOMER = PRINCIPAL_CUSTOMER,
    ACCESS_ADMIN = PRINCIPAL_ADMIN,
    ACCESS_GUEST = PRINCIPAL_GUEST,
    ACCESS_LOOPBACK = 1u << 3,  /* no token; only from 127.0.0.0/8 or ::1 (nginx also restricts) */
    /* The handler only reads MariaDB (no Redis, no writes): the token's
     * revocation check is sent before it runs and its reply read after,
     * so the two round trips overlap; a refused token's answer replaces
     * the handler's (app.c). */
    ACCESS_OVERLAP_CHECK = 1u << 4,
};
#define ACCESS_USER (ACCESS_CUSTOMER | ACCESS_ADMIN)
#define ACCESS_ANY_PRINCIPAL (ACCESS_CUSTOMER | ACCESS_ADMIN | ACCESS_GUEST)

struct route {
    enum http_method method;
    const char *pattern;   /* "/api/v1/orders/{id}" */
    route_handler handler;
    unsigned access;       /* enum route_access bits */
    const char *name;      /* for logs and metrics: "GET /api/v1/orders/{id}" */
    route_prefetch prefetch; /* optional */
};

enum route_result {
    ROUTE_FOUND = 0,
    ROUTE_NOT_FOUND = 1,
    ROUTE_METHOD_NOT_ALLOWED = 2,
};

/*
 * Finds the route for method and path.  On ROUTE_FOUND sets *out and fills
 * ids[0..*id_count) with the {id} values.  On ROUTE_METHOD_NOT_ALLOWED
 * writes the comma-separated methods the path does allow ("GET, HEAD, PATCH")
 * into allow.  The path is matched as sent (no decoding); a trailing slash,
 * empty segment or "." / ".." segment never matches.
 */
enum route_result router_match(const struct route *table, size_t count,
                               enum http_method method, const char *path,
                               const struct route **out,
                               int64_t ids[HTTP_MAX_PATH_IDS], size_t *id_count,
                               char *allow, size_t allow_len);

/* The application's table (routes.c) and its size. */
extern const struct route ROUTES[];
extern const size_t ROUTE_COUNT;

#endif
