/*
 * cors.h — Cross-Origin Resource Sharing for browser apps on other origins
 * (API.md "Browsers: CORS"; the Fetch standard's CORS protocol).
 *
 * ORDERAPI_CORS_ORIGINS is a comma list of exact origins such as
 * "https://shop.example, http://localhost:5173".  A listed Origin gets the
 * CORS response headers; an unlisted one gets none, and the browser keeps
 * the response from the page.  There is no credentials mode: tokens travel
 * in Authorization, never in cookies.  Pure functions, no I/O.
 */
#ifndef ORDERAPI_CORS_H
#define ORDERAPI_CORS_H

#include <stddef.h>

/* What a preflight allows besides the path's methods, and what every
 * response to a listed origin lets the page read. */
#define CORS_ALLOW_HEADERS "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-Request-Id"
#define CORS_EXPOSE_HEADERS "ETag, Location, X-Request-Id, X-Cache, Retry-After, Idempotent-Replayed"
#define CORS_MAX_AGE "600"

/*
 * Checks an ORDERAPI_CORS_ORIGINS value: "" (CORS off) or a comma list
 * (spaces around commas allowed) of origins, each "http://" or "https://",
 * a lower-case host name, IPv4 address or bracketed IPv6 address, and an
 * optional ":port" (1-65535); no path, no trailing slash, no "*", no
 * "null".  Upper case is refused because browsers send origins in lower
 * case and the match is exact.  0, or -1 with err naming the bad entry.
 */
int cors_origins_check(const char *list, char *err, size_t errlen);

/* 1 when origin (the request's Origin header) is exactly one of the list's
 * origins; 0 for NULL, "", or anything else. */
int cors_origin_listed(const char *list, const char *origin);

#endif
