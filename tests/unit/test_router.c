/*
 * test_router.c — router_match against a small table of its own: literal
 * and {id} segments, literal over {id}, malformed ids and paths, 405 with
 * the exact Allow list, and HEAD served by GET.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "router.h"

static void handler_a(struct app *app, struct http_request *req, struct http_response *res)
{
    (void)app;
    (void)req;
    (void)res;
}

static const struct route TEST_ROUTES[] = {
    {HTTP_GET, "/api/v1/orders", handler_a, ACCESS_ANY_PRINCIPAL, "list orders", NULL},
    {HTTP_POST, "/api/v1/orders", handler_a, ACCESS_ANY_PRINCIPAL, "create order", NULL},
    {HTTP_GET, "/api/v1/orders/{id}", handler_a, ACCESS_USER, "get order", NULL},
    {HTTP_PATCH, "/api/v1/orders/{id}", handler_a, ACCESS_USER, "patch order", NULL},
    {HTTP_DELETE, "/api/v1/orders/{id}", handler_a, ACCESS_USER, "delete order", NULL},
    {HTTP_GET, "/api/v1/orders/stats", handler_a, ACCESS_ADMIN, "order stats", NULL},
    {HTTP_PUT, "/api/v1/orders/{id}/status", handler_a, ACCESS_ADMIN, "put status", NULL},
    {HTTP_PATCH, "/api/v1/orders/{id}/status", handler_a, ACCESS_ADMIN, "patch status", NULL},
    {HTTP_GET, "/api/v1/shops/{id}/items/{id}", handler_a, ACCESS_ANYONE, "shop item", NULL},
    {HTTP_POST, "/api/v1/auth/login", handler_a, ACCESS_ANYONE, "login", NULL},
    {HTTP_GET, "/health", handler_a, ACCESS_ANYONE, "health", NULL},
    {HTTP_OPTIONS, "/health", handler_a, ACCESS_ANYONE, "health options", NULL},
};
#define TEST_ROUTE_COUNT (sizeof(TEST_ROUTES) / sizeof(TEST_ROUTES[0]))

struct match {
    enum route_result result;
    const struct route *route;
    int64_t ids[HTTP_MAX_PATH_IDS];
    size_t id_count;
    char allow[64];
};

static struct match route(enum http_method method, const char *path)
{
    struct match m;

    memset(&m, 0x7f, sizeof(m));
    m.result = router_match(TEST_ROUTES, TEST_ROUTE_COUNT, method, path, &m.route,
                            m.ids, &m.id_count, m.allow, sizeof(m.allow));
    return m;
}

static void assert_found(enum http_method method, const char *path, const char *name)
{
    struct match m = route(method, path);

    if (m.result != ROUTE_FOUND)
        fail_msg("%s: result %d, expected found", path, m.result);
    assert_non_null(m.route);
    assert_string_equal(m.route->name, name);
    assert_string_equal(m.allow, "");
}

static void assert_not_found(enum http_method method, const char *path)
{
    struct match m = route(method, path);

    if (m.result != ROUTE_NOT_FOUND)
        fail_msg("\"%s\": result %d, expected not found", path, m.result);
    assert_null(m.route);
    assert_int_equal(m.id_count, 0);
    assert_string_equal(m.allow, "");
}

static void test_literal_match(void **state)
{
    struct match m = route(HTTP_GET, "/api/v1/orders");

    (void)state;
    assert_int_equal(m.result, ROUTE_FOUND);
    assert_ptr_equal(m.route, &TEST_ROUTES[0]);
    assert_int_equal(m.id_count, 0);
    assert_found(HTTP_POST, "/api/v1/orders", "create order");
    assert_found(HTTP_POST, "/api/v1/auth/login", "login");
    assert_found(HTTP_GET, "/health", "health");
}

static void test_ids(void **state)
{
    struct match m = route(HTTP_GET, "/api/v1/orders/42");

    (void)state;
    assert_int_equal(m.result, ROUTE_FOUND);
    assert_string_equal(m.route->name, "get order");
    assert_int_equal(m.id_count, 1);
    assert_int_equal(m.ids[0], 42);

    m = route(HTTP_PUT, "/api/v1/orders/7/status");
    assert_int_equal(m.result, ROUTE_FOUND);
    assert_string_equal(m.route->name, "put status");
    assert_int_equal(m.id_count, 1);
    assert_int_equal(m.ids[0], 7);

    m = route(HTTP_GET, "/api/v1/shops/3/items/9223372036854775807");
    assert_int_equal(m.result, ROUTE_FOUND);
    assert_string_equal(m.route->name, "shop item");
    assert_int_equal(m.id_count, 2);
    assert_int_equal(m.ids[0], 3);
    assert_true(m.ids[1] == INT64_MAX);

    m = route(HTTP_GET, "/api/v1/orders/1");
    assert_int_equal(m.result, ROUTE_FOUND);
    assert_int_equal(m.ids[0], 1);
}

/* "stats" is a literal route next to {id}: the literal wins. */
static void test_literal_over_id(void **state)
{
    struct match m = route(HTTP_GET, "/api/v1/orders/stats");

    (void)state;
    assert_int_equal(m.result, ROUTE_FOUND);
    assert_string_equal(m.route->name, "order stats");
    assert_int_equal(m.id_count, 0);
    /* Other methods on the literal path: only the stats route matches it. */
    m = route(HTTP_DELETE, "/api/v1/orders/stats");
    assert_int_equal(m.result, ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD");
}

static void test_bad_ids_are_404(void **state)
{
    static const char *const bad[] = {
        "/api/v1/orders/abc",
        "/api/v1/orders/0",
        "/api/v1/orders/007",
        "/api/v1/orders/-1",
        "/api/v1/orders/+1",
        "/api/v1/orders/1.0",
        "/api/v1/orders/1e3",
        "/api/v1/orders/12a",
        "/api/v1/orders/9223372036854775808",
        "/api/v1/orders/99999999999999999999",
        "/api/v1/orders/%31",
        "/api/v1/orders/0/status",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_not_found(HTTP_GET, bad[i]);
        assert_not_found(HTTP_DELETE, bad[i]);
    }
}

static void test_bad_paths_are_404(void **state)
{
    static const char *const bad[] = {
        "", "api/v1/orders", "/", "//", "/api//v1/orders", "/api/v1/orders/",
        "/api/v1/orders//", "/api/v1/./orders", "/api/v1/orders/..", "/api/v1/../v1/orders",
        "/api/v1/orders/42/", "//api/v1/orders", "/API/v1/orders", "/api/v1/orderss",
        "/api/v1/order", "/api/v1/orders/42/status/extra", "/api/v1",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_not_found(HTTP_GET, bad[i]);
    assert_not_found(HTTP_GET, NULL);
}

/* A path of exactly 2048 bytes can match; one byte more never does. */
static void test_long_path(void **state)
{
    static char pattern[2100], path[2100];
    struct route table[1] = {{HTTP_GET, pattern, handler_a, ACCESS_ANYONE, "long", NULL}};
    const struct route *out;
    int64_t ids[HTTP_MAX_PATH_IDS];
    size_t id_count;
    char allow[64];

    (void)state;
    memset(pattern, 'a', 2048);
    pattern[0] = '/';
    pattern[2048] = '\0';
    strcpy(path, pattern);
    assert_int_equal(router_match(table, 1, HTTP_GET, path, &out, ids, &id_count, allow,
                                  sizeof(allow)),
                     ROUTE_FOUND);
    pattern[2048] = 'a';
    pattern[2049] = '\0';
    strcpy(path, pattern);
    assert_int_equal(router_match(table, 1, HTTP_GET, path, &out, ids, &id_count, allow,
                                  sizeof(allow)),
                     ROUTE_NOT_FOUND);
}

/* A numeric literal listed after {id} still wins over it, whatever the
 * table order; other numbers go to {id}. */
static void test_numeric_literal_over_id(void **state)
{
    static const struct route table[] = {
        {HTTP_GET, "/x/{id}/{id}", handler_a, ACCESS_ANYONE, "id then id", NULL},
        {HTTP_GET, "/x/{id}/y", handler_a, ACCESS_ANYONE, "id then y", NULL},
        {HTTP_GET, "/x/5/{id}", handler_a, ACCESS_ANYONE, "five then id", NULL},
        {HTTP_GET, "/x/{id}", handler_a, ACCESS_ANYONE, "id", NULL},
        {HTTP_GET, "/x/5", handler_a, ACCESS_ANYONE, "five", NULL},
    };
    const struct route *out;
    int64_t ids[HTTP_MAX_PATH_IDS];
    size_t id_count;
    char allow[64];

    (void)state;
    assert_int_equal(router_match(table, 5, HTTP_GET, "/x/5", &out, ids, &id_count, allow,
                                  sizeof(allow)), ROUTE_FOUND);
    assert_string_equal(out->name, "five");
    assert_int_equal(id_count, 0);
    assert_int_equal(router_match(table, 5, HTTP_GET, "/x/6", &out, ids, &id_count, allow,
                                  sizeof(allow)), ROUTE_FOUND);
    assert_string_equal(out->name, "id");
    assert_int_equal(ids[0], 6);
    /* "/x/5/y" fits only "/x/{id}/y"; "/x/5/8" fits "/x/{id}/{id}" too, but
     * the literal 5 in the second segment decides. */
    assert_int_equal(router_match(table, 5, HTTP_GET, "/x/5/y", &out, ids, &id_count, allow,
                                  sizeof(allow)), ROUTE_FOUND);
    assert_string_equal(out->name, "id then y");
    assert_int_equal(ids[0], 5);
    assert_int_equal(router_match(table, 5, HTTP_GET, "/x/5/8", &out, ids, &id_count, allow,
                                  sizeof(allow)), ROUTE_FOUND);
    assert_string_equal(out->name, "five then id");
    assert_int_equal(id_count, 1);
    assert_int_equal(ids[0], 8);
    assert_int_equal(router_match(table, 5, HTTP_GET, "/x/6/8", &out, ids, &id_count, allow,
                                  sizeof(allow)), ROUTE_FOUND);
    assert_string_equal(out->name, "id then id");
    assert_int_equal(id_count, 2);
    assert_int_equal(ids[0], 6);
    assert_int_equal(ids[1], 8);
}

static void test_method_not_allowed(void **state)
{
    struct match m = route(HTTP_PUT, "/api/v1/orders/5");

    (void)state;
    assert_int_equal(m.result, ROUTE_METHOD_NOT_ALLOWED);
    assert_null(m.route);
    assert_string_equal(m.allow, "GET, HEAD, PATCH, DELETE");

    m = route(HTTP_DELETE, "/api/v1/orders");
    assert_int_equal(m.result, ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD, POST");

    m = route(HTTP_GET, "/api/v1/orders/5/status");
    assert_int_equal(m.result, ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "PUT, PATCH");

    m = route(HTTP_GET, "/api/v1/auth/login");
    assert_int_equal(m.result, ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "POST");

    m = route(HTTP_POST, "/health");
    assert_int_equal(m.result, ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD, OPTIONS");

    m = route(HTTP_OTHER, "/health");
    assert_int_equal(m.result, ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD, OPTIONS");
}

/* The Allow list is cut at whole names when the buffer is small. */
static void test_allow_small_buffer(void **state)
{
    const struct route *out;
    int64_t ids[HTTP_MAX_PATH_IDS];
    size_t id_count;
    char allow[12];

    (void)state;
    assert_int_equal(router_match(TEST_ROUTES, TEST_ROUTE_COUNT, HTTP_PUT, "/api/v1/orders/5",
                                  &out, ids, &id_count, allow, sizeof(allow)),
                     ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD");
}

static void test_head_uses_get(void **state)
{
    struct match m = route(HTTP_HEAD, "/api/v1/orders/9");

    (void)state;
    assert_int_equal(m.result, ROUTE_FOUND);
    assert_string_equal(m.route->name, "get order");
    assert_int_equal(m.route->method, HTTP_GET);
    assert_int_equal(m.ids[0], 9);
    assert_found(HTTP_HEAD, "/api/v1/orders/stats", "order stats");
    m = route(HTTP_HEAD, "/api/v1/auth/login");
    assert_int_equal(m.result, ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "POST");
}

static void test_empty_table(void **state)
{
    const struct route *out = (const struct route *)1;
    int64_t ids[HTTP_MAX_PATH_IDS];
    size_t id_count = 5;
    char allow[8] = "junk";

    (void)state;
    assert_int_equal(router_match(TEST_ROUTES, 0, HTTP_GET, "/health", &out, ids, &id_count,
                                  allow, sizeof(allow)),
                     ROUTE_NOT_FOUND);
    assert_null(out);
    assert_int_equal(id_count, 0);
    assert_string_equal(allow, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_match),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_literal_over_id),
        cmocka_unit_test(test_bad_ids_are_404),
        cmocka_unit_test(test_bad_paths_are_404),
        cmocka_unit_test(test_long_path),
        cmocka_unit_test(test_numeric_literal_over_id),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_allow_small_buffer),
        cmocka_unit_test(test_head_uses_get),
        cmocka_unit_test(test_empty_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
