/*
 * respond.h — the few ways a handler finishes a response, shared by every
 * handler so that status codes for storage failures and cache headers are
 * the same everywhere.
 */
#ifndef ORDERAPI_RESPOND_H
#define ORDERAPI_RESPOND_H

#include <jansson.h>
#include <stddef.h>

struct app;
struct http_request;
struct http_response;
struct list_cache_entry;
struct field_spec;

/* Serialises body (stolen) as the response; 500 if body is NULL. */
void respond_json(struct http_request *req, struct http_response *res, int status, json_t *body);
/* 503 when MySQL is unreachable (rc == DB_UNAVAILABLE), else 500 with what
 * and the server's error in the log only. */
void respond_storage_failure(struct app *app, struct http_request *req, struct http_response *res, int rc,
                             const char *what);
/* Starts reading a JSON body: answers 400 when there is none, else checks
 * it against specs (unknown, missing and mistyped members) and returns the
 * errors array the handler goes on filling (owned by the caller; NULL when
 * the request was already answered). */
json_t *respond_body_errors(struct http_request *req, struct http_response *res, const struct field_spec *specs,
                            size_t count);

/* respond_body_errors for a body with no further rules: 0 when it matches
 * specs, or -1 when the request was answered (415, 422, 500). */
int respond_body_valid(struct http_request *req, struct http_response *res, const struct field_spec *specs,
                       size_t count);

/* 200 with a cached JSON body and X-Cache: HIT. */
void respond_cached(struct http_response *res, const char *body, size_t len);
/* 200 with body (stolen) and X-Cache: MISS; stores it under entry's key. */
void respond_json_cacheable(struct app *app, struct http_request *req, struct http_response *res, json_t *body,
                            const struct list_cache_entry *entry, unsigned ttl);
/* The same for a body already written (arena memory, kept by res). */
void respond_body_cacheable(struct app *app, struct http_request *req, struct http_response *res, const char *body,
                            size_t len, const struct list_cache_entry *entry, unsigned ttl);

#endif
