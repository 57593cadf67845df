/*
 * test_problem.c — RFC 9457 problem bodies: every required member, the
 * content type, validation error arrays and extra members.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http/http.h"
#include "http/problem.h"

struct fixture {
    struct arena *arena;
    struct http_request req;
    struct http_response res;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->arena = arena_new();
    if (f->arena == NULL) {
        free(f);
        return -1;
    }
    f->req.arena = f->arena;
    f->req.request_id = "req-123";
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    arena_free(f->arena);
    free(f);
    return 0;
}

/* Parses the response body back, checking it is compact JSON of its length. */
static json_t *body_json(const struct http_response *res)
{
    json_error_t error;
    json_t *json;

    assert_non_null(res->body);
    assert_int_equal(strlen(res->body), res->body_len);
    json = json_loadb(res->body, res->body_len, JSON_REJECT_DUPLICATES, &error);
    assert_non_null(json);
    return json;
}

static void assert_member_string(json_t *obj, const char *key, const char *expected)
{
    json_t *member = json_object_get(obj, key);

    if (!json_is_string(member))
        fail_msg("member \"%s\" missing or not a string", key);
    assert_string_equal(json_string_value(member), expected);
}

static void test_titles(void **state)
{
    (void)state;
    assert_string_equal(problem_title(400), "Bad Request");
    assert_string_equal(problem_title(401), "Unauthorized");
    assert_string_equal(problem_title(404), "Not Found");
    assert_string_equal(problem_title(405), "Method Not Allowed");
    assert_string_equal(problem_title(409), "Conflict");
    assert_string_equal(problem_title(412), "Precondition Failed");
    assert_string_equal(problem_title(413), "Content Too Large");
    assert_string_equal(problem_title(415), "Unsupported Media Type");
    assert_string_equal(problem_title(422), "Unprocessable Content");
    assert_string_equal(problem_title(429), "Too Many Requests");
    assert_string_equal(problem_title(500), "Internal Server Error");
    assert_string_equal(problem_title(503), "Service Unavailable");
}

static void test_problem_new_shape(void **state)
{
    json_t *p = problem_new(404, "not_found", "No such order", "rid");

    (void)state;
    assert_non_null(p);
    assert_int_equal(json_object_size(p), 6);
    assert_member_string(p, "type", "about:blank");
    assert_member_string(p, "title", "Not Found");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 404);
    assert_true(json_is_integer(json_object_get(p, "status")));
    assert_member_string(p, "detail", "No such order");
    assert_member_string(p, "code", "not_found");
    assert_member_string(p, "request_id", "rid");
    json_decref(p);
}

static void test_send(void **state)
{
    struct fixture *f = *state;
    json_t *body;

    assert_int_equal(problem_send(&f->req, &f->res, 415, "unsupported_media_type",
                                  "Send the body as application/json"), 0);
    assert_int_equal(f->res.status, 415);
    assert_string_equal(f->res.content_type, "application/problem+json");
    body = body_json(&f->res);
    assert_int_equal(json_object_size(body), 6);
    assert_member_string(body, "type", "about:blank");
    assert_member_string(body, "title", "Unsupported Media Type");
    assert_int_equal(json_integer_value(json_object_get(body, "status")), 415);
    assert_member_string(body, "detail", "Send the body as application/json");
    assert_member_string(body, "code", "unsupported_media_type");
    assert_member_string(body, "request_id", "req-123");
    json_decref(body);
    /* Compact output with the members in a fixed order. */
    assert_string_equal(f->res.body,
                        "{\"type\":\"about:blank\",\"title\":\"Unsupported Media Type\","
                        "\"status\":415,\"detail\":\"Send the body as application/json\","
                        "\"code\":\"unsupported_media_type\",\"request_id\":\"req-123\"}");
}

/* Extra members such as stock_issues survive and the status is the
 * problem's own. */
static void test_respond_extra_members(void **state)
{
    struct fixture *f = *state;
    json_t *p = problem_new(409, "insufficient_stock", "Some products have insufficient stock",
                            f->req.request_id);
    json_t *body, *issues;

    assert_non_null(p);
    assert_int_equal(json_object_set_new(p, "stock_issues",
                                         json_pack("[{s:i, s:s, s:i, s:i}]", "product_id", 1,
                                                   "product_name", "Premium Widget",
                                                   "requested", 5, "available", 2)), 0);
    assert_int_equal(problem_respond(&f->req, &f->res, p), 0);
    assert_int_equal(f->res.status, 409);
    assert_string_equal(f->res.content_type, "application/problem+json");
    body = body_json(&f->res);
    assert_member_string(body, "title", "Conflict");
    assert_member_string(body, "code", "insufficient_stock");
    issues = json_object_get(body, "stock_issues");
    assert_int_equal(json_array_size(issues), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(issues, 0), "available")), 2);
    json_decref(body);
}

static void test_validation(void **state)
{
    struct fixture *f = *state;
    json_t *errors = json_array();
    json_t *body, *list, *entry;

    assert_non_null(errors);
    assert_int_equal(problem_add_error(errors, "items[0].quantity", "must_be_positive",
                                       "quantity must be at least 1"), 0);
    assert_int_equal(problem_add_error(errors, "email", "invalid_format", "not an email"), 0);
    assert_int_equal(problem_add_error(errors, NULL, "x", "y"), -1);
    assert_int_equal(problem_add_error(NULL, "f", "x", "y"), -1);
    assert_int_equal(problem_validation(&f->req, &f->res, errors), 0);
    assert_int_equal(f->res.status, 422);
    assert_string_equal(f->res.content_type, "application/problem+json");
    body = body_json(&f->res);
    assert_member_string(body, "type", "about:blank");
    assert_member_string(body, "title", "Unprocessable Content");
    assert_int_equal(json_integer_value(json_object_get(body, "status")), 422);
    assert_member_string(body, "code", "validation_failed");
    assert_member_string(body, "request_id", "req-123");
    assert_true(json_is_string(json_object_get(body, "detail")));
    list = json_object_get(body, "errors");
    assert_int_equal(json_array_size(list), 2);
    entry = json_array_get(list, 0);
    assert_int_equal(json_object_size(entry), 3);
    assert_member_string(entry, "field", "items[0].quantity");
    assert_member_string(entry, "code", "must_be_positive");
    assert_member_string(entry, "message", "quantity must be at least 1");
    assert_member_string(json_array_get(list, 1), "field", "email");
    json_decref(body);
}

/* NULL errors still yields a 422 with an empty errors array. */
static void test_validation_null_errors(void **state)
{
    struct fixture *f = *state;
    json_t *body;

    problem_validation(&f->req, &f->res, NULL);
    assert_int_equal(f->res.status, 422);
    body = body_json(&f->res);
    assert_true(json_is_array(json_object_get(body, "errors")));
    assert_int_equal(json_array_size(json_object_get(body, "errors")), 0);
    json_decref(body);
}

/* Missing code and detail get defaults; every member is still there. */
static void test_defaults(void **state)
{
    struct fixture *f = *state;
    json_t *body;

    assert_int_equal(problem_send(&f->req, &f->res, 404, NULL, NULL), 0);
    body = body_json(&f->res);
    assert_member_string(body, "code", "not_found");
    assert_member_string(body, "detail", "Not Found");
    json_decref(body);
}

/* A NULL problem (allocation failed upstream) still gives a complete 500. */
static void test_respond_null_falls_back(void **state)
{
    struct fixture *f = *state;
    json_t *body;

    assert_int_equal(problem_respond(&f->req, &f->res, NULL), -1);
    assert_int_equal(f->res.status, 500);
    assert_string_equal(f->res.content_type, "application/problem+json");
    body = body_json(&f->res);
    assert_member_string(body, "type", "about:blank");
    assert_member_string(body, "title", "Internal Server Error");
    assert_int_equal(json_integer_value(json_object_get(body, "status")), 500);
    assert_member_string(body, "code", "internal_error");
    assert_member_string(body, "request_id", "req-123");
    assert_true(json_is_string(json_object_get(body, "detail")));
    json_decref(body);
}

/* A detail that is not UTF-8 cannot become a JSON string: the fallback
 * keeps the status and the code. */
static void test_send_bad_detail_falls_back(void **state)
{
    struct fixture *f = *state;
    json_t *body;

    assert_int_equal(problem_send(&f->req, &f->res, 409, "email_taken", "bad \xff"), -1);
    assert_int_equal(f->res.status, 409);
    assert_string_equal(f->res.content_type, "application/problem+json");
    body = body_json(&f->res);
    assert_member_string(body, "title", "Conflict");
    assert_member_string(body, "code", "email_taken");
    assert_member_string(body, "request_id", "req-123");
    assert_int_equal(json_integer_value(json_object_get(body, "status")), 409);
    json_decref(body);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_titles),
        cmocka_unit_test(test_problem_new_shape),
        T(test_send),
        T(test_respond_extra_members),
        T(test_validation),
        T(test_validation_null_errors),
        T(test_defaults),
        T(test_respond_null_falls_back),
        T(test_send_bad_detail_falls_back),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
