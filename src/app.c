/*
 * app.c — the path every request takes above the transport:
 *
 *   transport-level rejection (413, 400)  →  routing (404, 405 + Allow)
 *   → who may call it (401, 403)  →  body checks (415, 400)  →  handler
 *
 * Each step either passes or answers with problem+json; the handler only
 * runs for a request that is routed, allowed and, if it has a body, carries
 * a well-formed JSON object.  Every response gets X-Request-Id.
 */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "auth/hash_slots.h"
#include "auth/jwt_keys.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/session.h"
#include "auth/token_cache.h"
#include "http/cors.h"
#include "http/json_body.h"
#include "http/problem.h"
#include "log.h"
#include "metrics.h"
#include "router.h"
#include "scoreboard.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/list_cache.h"

static void on_db_event(int kind)
{
    if (kind == DB_EVENT_RETRY)
        metrics_add(METRIC_DB_RETRIES, 1);
    else if (kind == DB_EVENT_RECONNECT)
        metrics_add(METRIC_DB_RECONNECTS, 1);
}

static void on_cache_event(int kind)
{
    if (kind == CACHE_EVENT_RECONNECT)
        metrics_add(METRIC_REDIS_RECONNECTS, 1);
}

/* The token settings, pointing into the configuration: its secret, or the
 * RS256/ES256 keys read (and proved) where it was loaded. */
static int jwt_settings_init(struct app *app, const struct config *cfg)
{
    if (jwt_keys_settings(&cfg->jwt, &app->jwt) != 0) {
        log_msg("error", "the %s keys have not been read (%s, %s)", cfg->jwt.alg, cfg->jwt.private_key_file,
                cfg->jwt.public_key_file);
        return -1;
    }
    return 0;
}

/*
 * Without a master (plain CGI, mod_fcgid, the relay from cron), the list
 * cache's stale mark is shared through a file in the directory the hash
 * slots use, one file per Redis (store/list_cache.h).  When that fails the
 * process keeps a mark of its own, as before, and says why.
 */
static void share_cache_mark(const struct config *cfg)
{
    char dir[CONFIG_STR], site[CONFIG_STR * 2 + 32], err[256];
    if (cfg->hash_lock_dir[0])
        snprintf(dir, sizeof dir, "%s", cfg->hash_lock_dir);
    else if (hash_slots_default_dir(dir, sizeof dir, getenv("TMPDIR"), (unsigned)geteuid()) != 0)
        return;
    const struct redis_config *r = &cfg->redis;
    snprintf(site, sizeof site, "%s|%s|%u|%u", r->socket, r->host, r->port, r->db);
    if (list_cache_init_file(dir, site, err, sizeof err) != 0)
        log_msg("warn", "the list cache's stale mark is this process's own: %s", err);
}

int app_init(struct app *app, const struct config *cfg, int slot)
{
    memset(app, 0, sizeof *app);
    app->cfg = cfg;
    app->slot = slot;
    app->limits = (struct http_limits){
        .max_body = cfg->max_body,
        .max_json_depth = cfg->max_json_depth,
        .max_query_params = 64,
        .max_headers = 64,
    };
    if (password_init() != 0) {
        log_msg("error", "cannot initialise libsodium");
        return -1;
    }
    if (jwt_settings_init(app, cfg) != 0)
        return -1;
    if (slot < 0)
        share_cache_mark(cfg);
    app->db = db_new(&cfg->db);
    app->cache = cache_new(&cfg->redis);
    if (!app->db || !app->cache) {
        log_msg("error", "out of memory at start");
        return -1;
    }
    app->revocation = (struct revocation_ctx){
        .db = app->db,
        .cache = app->cache,
        .fail_open = cfg->jwt.revocation_fail_open,
        .leeway = cfg->jwt.leeway,
    };
    db_set_observer(app->db, on_db_event);
    cache_set_observer(app->cache, on_cache_event);
    return 0;
}

void app_release(struct app *app)
{
    db_free(app->db);
    cache_free(app->cache);
    token_cache_clear();
    memset(app, 0, sizeof *app);
}

/* 1 for a loopback peer (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
static int remote_is_loopback(const char *addr)
{
    if (!addr)
        return 0;
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 || strncmp(addr, "::ffff:127.", 11) == 0;
}

static void json_decref_cb(void *p)
{
    json_decref(p);
}

/* Answers a request that could not be read completely or safely. */
static void answer_read_error(struct http_request *req, struct http_response *res, int status)
{
    if (status >= 500) {
        problem_internal_error(req, res, "out of memory while reading the request");
        return;
    }
    const char *code = req->read_error ? req->read_error : (status == 413 ? "payload_too_large" : "bad_request");
    const char *detail = "The request could not be read";
    if (status == 413)
        detail = "The request body is larger than this server accepts";
    else if (strcmp(code, "incomplete_body") == 0)
        detail = "The request body is shorter than its Content-Length";
    else if (strcmp(code, "malformed_query") == 0)
        detail = "The query string is malformed";
    else if (strcmp(code, "bad_content_length") == 0)
        detail = "Content-Length is not a valid length";
    else if (status == 431)
        detail = "The request has more header fields than this server accepts";
    problem_send(req, res, status, code, detail);
}

/* Parses and checks a request body; 0 or an answered error. */
static int check_body(struct app *app, struct http_request *req, struct http_response *res)
{
    if (!req->body)
        return 0;
    if (!content_type_is_json(req->content_type)) {
        problem_send(req, res, 415, "unsupported_media_type", "Request bodies must be sent as application/json");
        return -1;
    }
    const char *why = NULL;
    json_t *json = NULL;
    if (json_body_parse(req->body, req->body_len, app->limits.max_json_depth, &json, &why) != 0) {
        problem_send(req, res, 400, "malformed_json", why ? why : "body is not valid JSON");
        return -1;
    }
    if (arena_defer(req->arena, json_decref_cb, json) != 0) {
        problem_internal_error(req, res, "out of memory");
        return -1;
    }
    req->json = json;
    return 0;
}

/* The request's Origin when ORDERAPI_CORS_ORIGINS lists it, else NULL. */
static const char *cors_listed_origin(const struct app *app, const struct http_request *req)
{
    const char *origin = http_header_get(req, "origin");
    return cors_origin_listed(app->cfg->cors_origins, origin) ? origin : NULL;
}

/* A preflight from a listed origin, answered before authentication (the
 * browser sends no Authorization with it): 204 with the path's methods. */
static void answer_preflight(struct http_request *req, struct http_response *res, const char *allow)
{
    res->status = 204;
    http_response_header(res, "Access-Control-Allow-Methods", arena_strdup(req->arena, allow));
    http_response_header(res, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    http_response_header(res, "Access-Control-Max-Age", CORS_MAX_AGE);
}

/* With CORS on, every answer varies by Origin, and one to a listed origin,
 * errors included, lets the page read it and the headers it needs. */
static void cors_decorate(const struct app *app, const struct http_request *req, struct http_response *res)
{
    if (app->cfg->cors_origins[0] == '\0')
        return;
    http_response_header(res, "Vary", "Origin");
    const char *origin = cors_listed_origin(app, req);
    if (!origin)
        return;
    http_response_header(res, "Access-Control-Allow-Origin", origin);
    http_response_header(res, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
}

/*
 * A route marked ACCESS_OVERLAP_CHECK, for a principal it admits: the
 * revocation check is sent, the handler runs (its MariaDB round trip
 * overlapping Redis's), then the check's reply is read; a refused token's
 * 401 or 503 replaces whatever the handler answered, so the answer is the
 * one the check-first order gives.  1 when answered, 0 when the check
 * could not be sent (the caller takes the ordinary path, which decides
 * what an unreachable Redis means).
 */
static int handle_overlapped(struct app *app, const struct route *route, struct http_request *req,
                             struct http_response *res, struct principal *p)
{
    if (!(route->access & ACCESS_OVERLAP_CHECK) || !(route->access & (unsigned)p->kind) || route->prefetch)
        return 0;
    if (session_send_revocation(&app->revocation, req, p) != 0)
        return 0;
    req->principal = p;
    if (check_body(app, req, res) == 0)
        route->handler(app, req, res);
    struct http_response refused;
    memset(&refused, 0, sizeof refused);
    refused.status = 200;
    if (session_finish_revocation(&app->revocation, req, &refused, p) != 0) {
        req->principal = NULL;
        *res = refused;
    }
    return 1;
}

void app_handle(struct app *app, struct http_request *req, struct http_response *res, int read_status)
{
    memset(res, 0, sizeof *res);
    res->status = 200;
    if (read_status != 0) {
        answer_read_error(req, res, read_status);
        goto done;
    }
    const struct route *route = NULL;
    char allow[96] = "";
    enum route_result rr = router_match(ROUTES, ROUTE_COUNT, req->method, req->path, &route, req->path_ids,
                                        &req->path_id_count, allow, sizeof allow);
    if (rr == ROUTE_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such resource");
        goto done;
    }
    if (rr == ROUTE_METHOD_NOT_ALLOWED) {
        if (req->method == HTTP_OPTIONS && cors_listed_origin(app, req)) {
            answer_preflight(req, res, allow);
            goto done;
        }
        problem_send(req, res, 405, "method_not_allowed", "This resource does not support that method");
        http_response_header(res, "Allow", arena_strdup(req->arena, allow));
        goto done;
    }
    req->route = route;
    scoreboard_begin(app->slot, (int)(route - ROUTES), monotonic_us());
    if ((route->access & ACCESS_LOOPBACK) && !remote_is_loopback(req->remote_addr)) {
        problem_send(req, res, 403, "forbidden", "This resource is only served to local clients");
        goto done;
    }
    if (route->access & ACCESS_ANY_PRINCIPAL) {
        struct principal *p = arena_alloc(req->arena, sizeof *p);
        if (!p) {
            problem_internal_error(req, res, "out of memory");
            goto done;
        }
        if (session_verify_token(&app->jwt, req, res, p) != 0)
            goto done;
        if (handle_overlapped(app, route, req, res, p))
            goto done;
        req->principal = p;
        /* A cache lookup the handler will make rides along with the
         * revocation check: one Redis round trip for both. */
        struct list_cache_prefetch *pf = NULL;
        if (route->prefetch && (route->access & (unsigned)p->kind)) {
            pf = arena_alloc(req->arena, sizeof *pf);
            if (pf && route->prefetch(app, req, pf) != 1)
                pf = NULL;
            if (pf)
                pf->result = 2;
        }
        if (session_check_revocation(&app->revocation, req, res, p, pf) != 0) {
            req->principal = NULL;
            goto done;
        }
        req->prefetch = pf;
        if (!(route->access & (unsigned)p->kind)) {
            problem_send(req, res, 403, "forbidden", "Your role may not do this");
            goto done;
        }
    }
    if (check_body(app, req, res) != 0)
        goto done;
    route->handler(app, req, res);
done:
    if (req->request_id)
        http_response_header(res, "X-Request-Id", req->request_id);
    cors_decorate(app, req, res);
}
