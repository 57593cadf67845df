/*
 * testing.c — routes the end-to-end tests need to reach the request
 * plumbing directly.  They answer 404 unless ORDERAPI_TEST_ROUTES=1, so a
 * production server exposes nothing here.
 *
 *   POST /api/v1/_echo         the parsed JSON body back, 200
 *   GET  /api/v1/_sleep?ms=N   sleeps N ms (0..10000), for drain and
 *                                   crash-logging tests
 *   POST /api/v1/_crash         the worker exits with status 70 mid-request,
 *                                   for the master's crash-loop backoff test
 *   POST /api/v1/_user_state    {"user_id", "role", "tokens_valid_after"}:
 *                                   caches that user state the way a request
 *                                   that read it from MySQL does (late, for
 *                                   the logout-all race test), 204
 *   GET  /api/v1/_db            {"dialect", "server_version", "setting"}: the
 *                                   SQL dialect this worker's MariaDB/MySQL
 *                                   connection uses (after a round trip), 200
 */
#include <jansson.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "auth/revocation.h"
#include "handlers/handlers.h"
#include "http/problem.h"
#include "http/query.h"
#include "store/db.h"

static int test_routes_enabled(struct app *app, struct http_request *req, struct http_response *res)
{
    if (app->cfg->test_routes)
        return 1;
    problem_send(req, res, 404, "not_found", "No such resource");
    return 0;
}

void handle_test_echo(struct app *app, struct http_request *req, struct http_response *res)
{
    if (!test_routes_enabled(app, req, res))
        return;
    json_t *body = req->json ? req->json : json_object();
    if (http_respond_json(res, req->arena, 200, body) != 0)
        problem_internal_error(req, res, "echo: out of memory");
    if (!req->json)
        json_decref(body);
}

void handle_test_sleep(struct app *app, struct http_request *req, struct http_response *res)
{
    if (!test_routes_enabled(app, req, res))
        return;
    int64_t ms = 0;
    const char *v = http_query_get(req, "ms");
    if (v && parse_int64(v, 0, 10000, &ms) != 0) {
        json_t *errors = json_array();
        problem_add_error(errors, "ms", "out_of_range", "ms must be a whole number from 0 to 10000");
        problem_validation(req, res, errors);
        return;
    }
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
    json_t *body = json_pack("{s:I}", "slept_ms", (json_int_t)ms);
    if (!body || http_respond_json(res, req->arena, 200, body) != 0)
        problem_internal_error(req, res, "sleep: out of memory");
    json_decref(body);
}

void handle_test_crash(struct app *app, struct http_request *req, struct http_response *res)
{
    if (!test_routes_enabled(app, req, res))
        return;
    _exit(70);
}

void handle_test_user_state(struct app *app, struct http_request *req, struct http_response *res)
{
    if (!test_routes_enabled(app, req, res))
        return;
    json_t *id = req->json ? json_object_get(req->json, "user_id") : NULL;
    json_t *role = req->json ? json_object_get(req->json, "role") : NULL;
    json_t *tva = req->json ? json_object_get(req->json, "tokens_valid_after") : NULL;
    if (!json_is_integer(id) || json_integer_value(id) < 1 || !json_is_string(role) || !json_is_integer(tva) ||
        json_integer_value(tva) < 0) {
        json_t *errors = json_array();
        problem_add_error(errors, "body", "invalid",
                          "want user_id (>= 1), role (a string) and tokens_valid_after (>= 0)");
        problem_validation(req, res, errors);
        return;
    }
    revocation_remember_user(&app->revocation, req->arena, (int64_t)json_integer_value(id), json_string_value(role),
                             (int64_t)json_integer_value(tva));
    res->status = 204;
}

void handle_test_db(struct app *app, struct http_request *req, struct http_response *res)
{
    if (!test_routes_enabled(app, req, res))
        return;
    if (db_ping(app->db) != DB_OK) {
        problem_unavailable(req, res, "mysql");
        return;
    }
    json_t *body = json_pack("{s:s, s:s, s:s}", "dialect", sql_dialect_name(db_dialect(app->db)), "server_version",
                             db_server_version(app->db), "setting", app->cfg->db.dialect);
    if (!body || http_respond_json(res, req->arena, 200, body) != 0)
        problem_internal_error(req, res, "db: out of memory");
    json_decref(body);
}
