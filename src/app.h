/*
 * app.h — what a worker holds for its whole life and hands to every handler:
 * the configuration in force, its MySQL and Redis connections, and the
 * shared metrics.  One per worker process, built after fork.
 */
#ifndef ORDERAPI_APP_H
#define ORDERAPI_APP_H

#include "auth/jwt.h"
#include "auth/revocation.h"
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
    struct jwt_settings jwt; /* points into cfg->jwt */
    struct revocation_ctx revocation; /* db, cache and cfg->jwt's revocation settings */
};

/* Builds the per-process state (connections open lazily); 0 or -1 with a
 * logged reason. */
int app_init(struct app *app, const struct config *cfg, int slot);
void app_release(struct app *app);

/* Runs one request through checks, routing and its handler; always leaves a
 * complete response in res (problem+json on every error). */
void app_handle(struct app *app, struct http_request *req, struct http_response *res,
                int read_status);

#endif
