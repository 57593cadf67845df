/*
 * health.c — GET /health: one round trip to MySQL and one to Redis.
 * 200 {"status":"ok","mysql":"ok","redis":"ok","version":…} when both
 * answer; otherwise 503 problem+json naming the part that is down, with
 * Retry-After, so a load balancer can take the worker out of rotation.
 */
#include <jansson.h>
#include <string.h>

#include "app.h"
#include "handlers/handlers.h"
#include "http/problem.h"
#include "store/cache.h"
#include "store/db.h"

void handle_health(struct app *app, struct http_request *req, struct http_response *res)
{
    int mysql_ok = db_ping(app->db) == DB_OK;
    int redis_ok = cache_ping(app->cache) == 0;
    if (mysql_ok && redis_ok) {
        json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "status", "ok", "mysql", "ok", "redis", "ok",
                                 "version", ORDERAPI_VERSION);
        if (!body || http_respond_json(res, req->arena, 200, body) != 0)
            app_internal_error(req, res, "health: out of memory");
        json_decref(body);
        return;
    }
    const char *detail = !mysql_ok && !redis_ok ? "mysql and redis are unreachable"
                         : !mysql_ok            ? "mysql is unreachable"
                                                : "redis is unreachable";
    json_t *problem = problem_new(503, "dependency_unavailable", detail, req->request_id);
    if (problem) {
        json_object_set_new(problem, "mysql", json_string(mysql_ok ? "ok" : "down"));
        json_object_set_new(problem, "redis", json_string(redis_ok ? "ok" : "down"));
        json_object_set_new(problem, "version", json_string(ORDERAPI_VERSION));
    }
    problem_respond(req, res, problem);
    http_response_header(res, "Retry-After", "2");
}
