/*
 * health.c — GET /health: one round trip to MySQL (a ping) and one to Redis
 * (a write of a probe key, since Redis can answer reads and still refuse
 * writes).  200 {"status":"ok","mysql":"ok","redis":"ok","version":…} when
 * both are fully usable; otherwise 503 problem+json naming each part's
 * state ("down", or for Redis "degraded" when it answers but refuses writes:
 * the list cache is then bypassed, and whatever else writes to Redis fails),
 * with Retry-After, so a load balancer can take the worker out of rotation.
 */
#include <jansson.h>
#include <string.h>

#include "app.h"
#include "handlers/handlers.h"
#include "http/problem.h"
#include "store/cache.h"
#include "store/db.h"

/* The body member for Redis's state. */
static const char *redis_state(enum cache_write redis)
{
    return redis == CACHE_WRITE_OK ? "ok" : redis == CACHE_WRITE_REFUSED ? "degraded" : "down";
}

/* The problem's detail: what is wrong with each part that is not ok. */
static const char *health_detail(int mysql_ok, enum cache_write redis)
{
    if (!mysql_ok)
        return redis == CACHE_WRITE_OK        ? "mysql is unreachable"
               : redis == CACHE_WRITE_REFUSED ? "mysql is unreachable and redis refuses writes"
                                              : "mysql and redis are unreachable";
    return redis == CACHE_WRITE_REFUSED ? "redis refuses writes" : "redis is unreachable";
}

void handle_health(struct app *app, struct http_request *req, struct http_response *res)
{
    int mysql_ok = db_ping(app->db) == DB_OK;
    enum cache_write redis = cache_probe_write(app->cache);
    if (mysql_ok && redis == CACHE_WRITE_OK) {
        json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "status", "ok", "mysql", "ok", "redis", "ok",
                                 "version", ORDERAPI_VERSION);
        if (!body || http_respond_json(res, req->arena, 200, body) != 0)
            problem_internal_error(req, res, "health: out of memory");
        json_decref(body);
        return;
    }
    json_t *problem = problem_new(503, "dependency_unavailable", health_detail(mysql_ok, redis), req->request_id);
    if (problem) {
        json_object_set_new(problem, "mysql", json_string(mysql_ok ? "ok" : "down"));
        json_object_set_new(problem, "redis", json_string(redis_state(redis)));
        json_object_set_new(problem, "version", json_string(ORDERAPI_VERSION));
    }
    problem_respond(req, res, problem);
    http_response_header(res, "Retry-After", "2");
}
