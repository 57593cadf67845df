/*
 * test_listing.c — paging and query-parameter rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "arena_fixture.h"
#include "http/listing.h"
#include "http/query.h"


/* A request whose query is qs (no transport needed). */
static struct http_request request_with(const char *qs)
{
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.arena = arena;
    assert_int_equal(query_parse(arena, qs, 64, &req.query, &req.query_count), 0);
    return req;
}

static const char *first_code(json_t *errors)
{
    return json_string_value(json_object_get(json_array_get(errors, 0), "code"));
}

static void test_defaults(void **state)
{
    (void)state;
    struct http_request req = request_with("");
    struct page_request p;
    json_t *errors = json_array();
    assert_int_equal(pagination_parse(&req, &p, errors), 0);
    assert_int_equal(p.page, 1);
    assert_int_equal(p.page_size, 20);
    assert_int_equal(p.offset, 0);
    assert_int_equal(p.uses_skip, 0);
    json_decref(errors);
}

static void test_page_and_skip(void **state)
{
    (void)state;
    struct page_request p;
    json_t *errors = json_array();
    struct http_request req = request_with("page=3&page_size=50");
    assert_int_equal(pagination_parse(&req, &p, errors), 0);
    assert_int_equal(p.offset, 100);
    assert_int_equal(p.page_size, 50);
    req = request_with("skip=45&limit=10");
    assert_int_equal(pagination_parse(&req, &p, errors), 0);
    assert_int_equal(p.offset, 45);
    assert_int_equal(p.page_size, 10);
    assert_int_equal(p.page, 5);
    assert_int_equal(p.uses_skip, 1);
    json_t *env = pagination_envelope(json_array(), &p, 57);
    assert_int_equal(json_integer_value(json_object_get(env, "total")), 57);
    assert_int_equal(json_integer_value(json_object_get(env, "skip")), 45);
    json_decref(env);
    json_decref(errors);
}

static void test_out_of_range_is_an_error_not_clamped(void **state)
{
    (void)state;
    const char *bad[] = {"page=0", "page=-1", "page_size=0", "page_size=101", "page=abc", "limit=0",
                         "limit=1000", "skip=-5", "page=1.5", "page="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http_request req = request_with(bad[i]);
        struct page_request p;
        json_t *errors = json_array();
        assert_int_equal(pagination_parse(&req, &p, errors), 1);
        assert_string_equal(first_code(errors), "out_of_range");
        json_decref(errors);
    }
    struct http_request req = request_with("page=2&limit=5");
    struct page_request p;
    json_t *errors = json_array();
    assert_int_equal(pagination_parse(&req, &p, errors), 1);
    assert_string_equal(first_code(errors), "conflicting_parameters");
    json_decref(errors);
}

static void test_unknown_and_repeated(void **state)
{
    (void)state;
    static const char *const allowed[] = {"q", "page", "status", NULL};
    static const char *const repeatable[] = {"status", NULL};
    struct http_request req = request_with("q=a&pgae=2&status=x&status=y&page=1&page=2");
    json_t *errors = json_array();
    assert_int_equal(query_check_allowed(&req, allowed, repeatable, errors), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "pgae");
    assert_string_equal(first_code(errors), "unknown_parameter");
    assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "code")),
                        "repeated_parameter");
    json_decref(errors);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_page_and_skip),
        cmocka_unit_test(test_out_of_range_is_an_error_not_clamped),
        cmocka_unit_test(test_unknown_and_repeated),
    };
    return cmocka_run_group_tests(tests, arena_setup, arena_teardown);
}
