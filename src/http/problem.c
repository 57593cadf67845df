/*
 * problem.c — RFC 9457 problem details for every error response.
 *
 * A problem always carries type, title, status, detail, code and request_id.
 * With "type": "about:blank" the title must be the status's reason phrase
 * (RFC 9457 §4.2.1), so titles come from http_status_reason().  When memory
 * runs out while building the JSON, a smaller body is formatted by hand, and
 * failing that a static 500 body is used: an error is never answered with an
 * empty response.
 */
#include "http/problem.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "http/http.h"
#include "log.h"

#define PROBLEM_CONTENT_TYPE "application/problem+json"

/* Used when not even a few bytes of arena memory are left. */
static const char STATIC_PROBLEM_BODY[] =
    "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
    "\"detail\":\"The server could not complete the request\",\"code\":\"internal_error\"}";

/* The RFC 9110 reason phrase of status, used as the problem title. */
const char *problem_title(int status)
{
    return http_status_reason(status);
}

/* A code for callers that passed none, so that "code" is always present. */
static const char *problem_default_code(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 412: return "precondition_failed";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 422: return "validation_failed";
    case 429: return "rate_limited";
    case 503: return "dependency_unavailable";
    default: return status >= 500 ? "internal_error" : "error";
    }
}

/* Sets a string member, taking care of the new reference; -1 on failure. */
static int set_string(json_t *object, const char *key, const char *value)
{
    return json_object_set_new(object, key, json_string(value));
}

/*
 * Builds {"type","title","status","detail","code","request_id"}.  A NULL
 * code or detail is replaced by a default so that every member is present;
 * a NULL request id becomes JSON null.  Returns NULL when out of memory or
 * when a string is not valid UTF-8.
 */
json_t *problem_new(int status, const char *code, const char *detail, const char *request_id)
{
    json_t *problem = json_object();

    if (problem == NULL)
        return NULL;
    if (set_string(problem, "type", "about:blank") != 0 ||
        set_string(problem, "title", problem_title(status)) != 0 ||
        json_object_set_new(problem, "status", json_integer(status)) != 0 ||
        set_string(problem, "detail", detail != NULL ? detail : problem_title(status)) != 0 ||
        set_string(problem, "code", code != NULL ? code : problem_default_code(status)) != 0 ||
        json_object_set_new(problem, "request_id",
                            request_id != NULL ? json_string(request_id) : json_null()) != 0) {
        json_decref(problem);
        return NULL;
    }
    return problem;
}

/* 1 when s can go into a JSON string literal without escaping. */
static int json_literal_safe(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return 0;
    }
    return 1;
}

/*
 * The last resort when the JSON tree could not be built or serialised: a
 * minimal problem formatted straight into the arena, keeping the status, or
 * the static 500 body when even that fails.  res is always complete after it.
 */
static void problem_fallback(const struct http_request *req, struct http_response *res,
                             int status, const char *code)
{
    const char *title = problem_title(status);
    const char *request_id = req != NULL ? req->request_id : NULL;
    char *body = NULL;

    if (code == NULL || !json_literal_safe(code))
        code = problem_default_code(status);
    if (request_id == NULL || !json_literal_safe(request_id))
        request_id = "";
    if (req != NULL && req->arena != NULL && status >= 400 && status <= 599)
        body = arena_printf(req->arena,
                            "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,"
                            "\"detail\":\"%s\",\"code\":\"%s\",\"request_id\":\"%s\"}",
                            title, status, title, code, request_id);
    res->content_type = PROBLEM_CONTENT_TYPE;
    if (body != NULL) {
        res->status = status;
        res->body = body;
        res->body_len = strlen(body);
    } else {
        res->status = 500;
        res->body = STATIC_PROBLEM_BODY;
        res->body_len = sizeof(STATIC_PROBLEM_BODY) - 1;
    }
}

/*
 * Serialises problem (extra members included) into res with the status it
 * carries and the problem+json content type, and drops the reference.
 * Returns 0, or -1 when a fallback body had to be used (res is complete
 * either way; a NULL problem is answered as a 500).
 */
int problem_respond(const struct http_request *req, struct http_response *res, json_t *problem)
{
    int rc = -1;
    int status = 500;
    const char *code = "internal_error";
    json_t *status_json, *code_json;

    if (problem == NULL) {
        problem_fallback(req, res, status, code);
        goto out;
    }
    status_json = json_object_get(problem, "status");
    if (json_is_integer(status_json) && json_integer_value(status_json) >= 100 &&
        json_integer_value(status_json) <= 599)
        status = (int)json_integer_value(status_json);
    code_json = json_object_get(problem, "code");
    if (json_is_string(code_json))
        code = json_string_value(code_json);

    if (req == NULL || http_respond_json(res, req->arena, status, problem) != 0) {
        problem_fallback(req, res, status, code);
        goto out;
    }
    res->content_type = PROBLEM_CONTENT_TYPE;
    rc = 0;
out:
    json_decref(problem);
    return rc;
}

/*
 * Answers with a plain problem.  When the JSON cannot be built the fallback
 * still keeps status and code, which a NULL passed to problem_respond would
 * lose.
 */
int problem_send(const struct http_request *req, struct http_response *res,
                 int status, const char *code, const char *detail)
{
    json_t *problem = problem_new(status, code, detail, req != NULL ? req->request_id : NULL);

    if (problem == NULL) {
        problem_fallback(req, res, status, code);
        return -1;
    }
    return problem_respond(req, res, problem);
}

/*
 * Answers 422 validation_failed with the given errors array (one
 * {field, code, message} per bad field), stealing the reference.  A NULL
 * errors becomes an empty array.
 */
int problem_validation(const struct http_request *req, struct http_response *res, json_t *errors)
{
    json_t *problem = problem_new(422, "validation_failed", "The request has invalid fields",
                                  req != NULL ? req->request_id : NULL);

    if (problem == NULL) {
        json_decref(errors);
        problem_fallback(req, res, 422, "validation_failed");
        return -1;
    }
    if (json_object_set_new(problem, "errors", errors != NULL ? errors : json_array()) != 0) {
        json_decref(problem);
        problem_fallback(req, res, 422, "validation_failed");
        return -1;
    }
    return problem_respond(req, res, problem);
}

/* Appends {"field", "code", "message"} to errors; -1 on NULL or no memory. */
int problem_add_error(json_t *errors, const char *field, const char *code, const char *message)
{
    json_t *entry;

    if (!json_is_array(errors) || field == NULL || code == NULL || message == NULL)
        return -1;
    entry = json_pack("{s:s, s:s, s:s}", "field", field, "code", code, "message", message);
    if (entry == NULL)
        return -1;
    return json_array_append_new(errors, entry);
}

int problem_require_json(const struct http_request *req, struct http_response *res)
{
    if (req->json)
        return 0;
    problem_send(req, res, 400, "malformed_json", "This request needs a JSON object body");
    return -1;
}

void problem_unavailable(const struct http_request *req, struct http_response *res, const char *part)
{
    char detail[96];
    snprintf(detail, sizeof detail, "%s is unavailable; try again shortly", part);
    problem_send(req, res, 503, "dependency_unavailable", detail);
    http_response_header(res, "Retry-After", "2");
}

void problem_internal_error(const struct http_request *req, struct http_response *res, const char *log_detail)
{
    log_msg("error", "request %s: %s", req->request_id ? req->request_id : "-", log_detail);
    problem_send(req, res, 500, "internal_error", "The server could not complete the request");
}
