/*
 * app.h — what a worker holds for its whole life and hands to every handler:
 * the configuration in force, its MySQL and Redis connections, and the
 * shared metrics.  One per worker process, built after fork.
 */
#ifndef ORDERAPI_APP_H
#define ORDERAPI_APP_H

#include "config.h"
#include "http/http.h"

struct db;
struct cache;

struct app {
    const struct config *cfg;
    struct db *db;       /* connects lazily on first use */
    struct cache *cache; /* connects lazily on first use */
    struct http_limits limits;
    int slot;            /* scoreboard slot, -1 without a master */
};

/* Runs one request through checks, routing and its handler; always leaves a
 * complete response in res (problem+json on every error). */
void app_handle(struct app *app, struct http_request *req, struct http_response *res,
                int read_status);

/* 503 dependency_unavailable with Retry-After, naming the part. */
void app_unavailable(struct http_request *req, struct http_response *res, const char *part);
/* 500 internal_error with no details for the client (the log has them). */
void app_internal_error(struct http_request *req, struct http_response *res, const char *log_detail);

#endif
