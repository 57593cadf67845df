/*
 * test_if_match.c — order_check_if_match (RFC 9110 §13.1.1): "*" or a list
 * of entity tags compared strongly with the order's ETag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "arena_fixture.h"
#include "handlers/order_common.h"
#include "http/http.h"
#include "store/db.h"


/* order_check_if_match for order 12, version 3 (ETag "12-3") and the
 * header value (NULL: no If-Match).  Returns its result; *status gets the
 * response status it set (0 when none). */
static int check(const char *if_match, int *status)
{
    struct db_value cells[OC_COUNT];
    struct db_rows row = {.count = 1, .columns = OC_COUNT, .cells = cells};
    struct http_param header = {.name = "if-match", .value = if_match};
    struct http_request req;
    struct http_response res;
    int rc;

    memset(cells, 0, sizeof cells);
    cells[OC_ID] = DBP_INT(12);
    cells[OC_VERSION] = DBP_INT(3);
    memset(&req, 0, sizeof req);
    memset(&res, 0, sizeof res);
    req.arena = arena;
    req.request_id = "test";
    req.path = "/api/v1/orders/12";
    req.method_name = "PATCH";
    if (if_match != NULL) {
        header.value_len = strlen(if_match);
        req.headers = &header;
        req.header_count = 1;
    }
    rc = order_check_if_match(&req, &res, &row);
    *status = res.status;
    if (rc != 0)
        assert_string_equal(http_response_header_get(&res, "ETag"), "\"12-3\"");
    return rc;
}

static void test_absent_or_listed_passes(void **state)
{
    int status;
    (void)state;
    assert_int_equal(check(NULL, &status), 0);
    assert_int_equal(check("\"12-3\"", &status), 0);
    assert_int_equal(check("\"1-1\", \"12-3\"", &status), 0);
    assert_int_equal(check(" ,\"12-3\" ,", &status), 0);
    assert_int_equal(status, 0);
}

static void test_star_passes(void **state)
{
    int status;
    (void)state;
    assert_int_equal(check("*", &status), 0);
    assert_int_equal(check(" *\t", &status), 0);
}

static void test_other_tags_fail(void **state)
{
    int status;
    (void)state;
    assert_int_equal(check("\"12-4\"", &status), -1);
    assert_int_equal(status, 412);
    assert_int_equal(check("W/\"12-3\"", &status), -1); /* weak never matches */
    assert_int_equal(check("12-3", &status), -1);
    assert_int_equal(check("", &status), -1);
}

/* "*" only means "any" as the whole field: "*" with more after it or as
 * one item of a list is malformed, and a malformed precondition must not
 * let a write through (found by tests/fuzz/fuzz_etag). */
static void test_star_inside_a_list_fails(void **state)
{
    int status;
    (void)state;
    assert_int_equal(check("*\xa0", &status), -1);
    assert_int_equal(status, 412);
    assert_int_equal(check("*x", &status), -1);
    assert_int_equal(check("\"1-1\", *", &status), -1);
    assert_int_equal(check("*, \"1-1\"", &status), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent_or_listed_passes),
        cmocka_unit_test(test_star_passes),
        cmocka_unit_test(test_other_tags_fail),
        cmocka_unit_test(test_star_inside_a_list_fails),
    };
    return cmocka_run_group_tests(tests, arena_setup, arena_teardown);
}
