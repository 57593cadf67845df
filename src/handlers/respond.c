/*
 * respond.c — shared ways to finish a response.
 */
#include "handlers/respond.h"

#include "app.h"
#include "arena.h"
#include "http/fields.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/list_cache.h"

void respond_json(struct http_request *req, struct http_response *res, int status, json_t *body)
{
    if (!body || http_respond_json(res, req->arena, status, body) != 0)
        problem_internal_error(req, res, "out of memory while writing a response");
    json_decref(body);
}

void respond_storage_failure(struct app *app, struct http_request *req, struct http_response *res, int rc,
                             const char *what)
{
    if (rc == DB_UNAVAILABLE)
        problem_unavailable(req, res, "mysql");
    else
        problem_internal_error(req, res, arena_printf(req->arena, "%s: %s", what, db_last_error(app->db)));
}

json_t *respond_body_errors(struct http_request *req, struct http_response *res, const struct field_spec *specs,
                            size_t count)
{
    if (problem_require_json(req, res) != 0)
        return NULL;
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return NULL;
    }
    fields_check(req->json, specs, count, "", errors);
    return errors;
}

int respond_body_valid(struct http_request *req, struct http_response *res, const struct field_spec *specs,
                       size_t count)
{
    json_t *errors = respond_body_errors(req, res, specs, count);
    if (!errors)
        return -1;
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return -1;
    }
    json_decref(errors);
    return 0;
}

/* A 200 with a JSON body already written, and whether it came from the cache. */
static void respond_json_text(struct http_response *res, const char *body, size_t len, const char *x_cache)
{
    res->status = 200;
    res->content_type = "application/json";
    res->body = body;
    res->body_len = len;
    http_response_header(res, "X-Cache", x_cache);
}

void respond_cached(struct http_response *res, const char *body, size_t len)
{
    respond_json_text(res, body, len, "HIT");
}

void respond_json_cacheable(struct app *app, struct http_request *req, struct http_response *res, json_t *body,
                            const struct list_cache_entry *entry, unsigned ttl)
{
    respond_json(req, res, 200, body);
    if (res->status == 200)
        respond_body_cacheable(app, req, res, res->body, res->body_len, entry, ttl);
}

void respond_body_cacheable(struct app *app, struct http_request *req, struct http_response *res, const char *body,
                            size_t len, const struct list_cache_entry *entry, unsigned ttl)
{
    respond_json_text(res, body, len, "MISS");
    list_cache_put(app->cache, req->arena, entry, body, len, ttl);
}
