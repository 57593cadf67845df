/*
 * test_app.c — the order app_handle (src/app.c) answers in, without
 * servers: a request that could not be read, then routing (404, 405 with
 * Allow), then the loopback guard, then the bearer token (401), then the
 * body (415, 400), and only then the handler.  Each test sends a request
 * that fails two steps at once and expects the earlier step's answer.
 * Steps after a valid token need Redis (the revocation check) and are
 * covered end to end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "app.h"
#include "arena.h"
#include "auth/token_cache.h"
#include "config.h"
#include "http/http.h"

static const char secret[] = "test-secret-of-at-least-thirty-two-bytes!!";

static struct config cfg;
static struct app app;

static int setup(void **state)
{
    (void)state;
    config_defaults(&cfg);
    cfg.test_routes = 1; /* POST /api/v1/_echo answers its body back */
    memset(&app, 0, sizeof app);
    app.cfg = &cfg;
    app.slot = -1;
    app.limits = (struct http_limits){.max_body = 1024, .max_json_depth = 8, .max_query_params = 64,
                                      .max_headers = 64};
    app.jwt = (struct jwt_settings){
        .alg = JWT_SETTING_HS256,
        .sign_key = (const unsigned char *)secret,
        .sign_key_len = sizeof secret - 1,
        .verify_key = (const unsigned char *)secret,
        .verify_key_len = sizeof secret - 1,
        .issuer = "orderapi",
        .audience = "orderapi",
        .ttl = 900,
        .leeway = 5,
    };
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    token_cache_clear();
    return 0;
}

struct exchange {
    struct http_request req;
    struct http_response res;
    struct http_param headers[3];
    json_t *body; /* the response body, parsed */
};

/* The Origin header the next run() sends, or NULL for none. */
static const char *request_origin;

/* Runs one request through app_handle.  remote may be NULL (a client
 * elsewhere); authorization NULL for none; body NULL for none. */
static void run(struct exchange *x, enum http_method method, const char *path, const char *remote,
                const char *authorization, const char *content_type, const char *body, int read_status)
{
    memset(x, 0, sizeof *x);
    x->req.arena = arena_new();
    assert_non_null(x->req.arena);
    x->req.method = method;
    x->req.method_name = http_method_name(method);
    x->req.path = path;
    x->req.query_string = "";
    x->req.remote_addr = remote ? remote : "192.0.2.10";
    x->req.request_id = "test-app";
    x->req.headers = x->headers;
    if (authorization)
        x->headers[x->req.header_count++] = (struct http_param){"authorization", authorization, strlen(authorization)};
    if (request_origin)
        x->headers[x->req.header_count++] = (struct http_param){"origin", request_origin, strlen(request_origin)};
    x->req.content_type = content_type;
    if (body) {
        x->req.body = body;
        x->req.body_len = strlen(body);
    }
    app_handle(&app, &x->req, &x->res, read_status);
    assert_string_equal(http_response_header_get(&x->res, "X-Request-Id"), "test-app");
    x->body = x->res.body ? json_loadb(x->res.body, x->res.body_len, 0, NULL) : NULL;
}

static void finish(struct exchange *x)
{
    json_decref(x->body);
    arena_free(x->req.arena);
}

static void expect(struct exchange *x, int status, const char *code)
{
    if (x->res.status != status)
        fail_msg("status %d, want %d (%.*s)", x->res.status, status, (int)x->res.body_len,
                 x->res.body ? x->res.body : "");
    if (code) {
        assert_non_null(x->body);
        assert_string_equal(json_string_value(json_object_get(x->body, "code")), code);
    }
    finish(x);
}

/* A request that could not be read is answered before it is routed. */
static void test_read_errors_come_before_routing(void **state)
{
    (void)state;
    struct exchange x;
    run(&x, HTTP_GET, "/no/such/path", NULL, NULL, NULL, NULL, 413);
    expect(&x, 413, "payload_too_large");
    run(&x, HTTP_POST, "/api/v1/orders", NULL, NULL, NULL, NULL, 500);
    expect(&x, 500, "internal_error");
}

/* Routing comes before authentication: an unknown path or method is 404
 * or 405 even without a token. */
static void test_routing_comes_before_the_token(void **state)
{
    (void)state;
    struct exchange x;
    run(&x, HTTP_GET, "/api/v1/orderz", NULL, NULL, NULL, NULL, 0);
    expect(&x, 404, "not_found");
    run(&x, HTTP_PUT, "/api/v1/orders", NULL, NULL, "text/plain", "x", 0);
    assert_int_equal(x.res.status, 405);
    assert_string_equal(http_response_header_get(&x.res, "Allow"), "GET, HEAD, POST");
    expect(&x, 405, "method_not_allowed");
}

/* The loopback guard answers before the handler runs. */
static void test_loopback_guard(void **state)
{
    (void)state;
    struct exchange x;
    run(&x, HTTP_GET, "/metrics", "203.0.113.5", NULL, NULL, NULL, 0);
    expect(&x, 403, "forbidden");
    run(&x, HTTP_GET, "/metrics", "::ffff:198.51.100.1", NULL, NULL, NULL, 0);
    expect(&x, 403, "forbidden");
}

/* The token is checked before the body: a body of the wrong type sent
 * without a token is 401, not 415. */
static void test_token_comes_before_the_body(void **state)
{
    (void)state;
    struct exchange x;
    run(&x, HTTP_POST, "/api/v1/orders", NULL, NULL, "text/plain", "hello", 0);
    assert_string_equal(http_response_header_get(&x.res, "WWW-Authenticate"), "Bearer");
    expect(&x, 401, "unauthenticated");
    run(&x, HTTP_POST, "/api/v1/orders", NULL, "Bearer a.b.c", "application/json", "{", 0);
    assert_string_equal(http_response_header_get(&x.res, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
    expect(&x, 401, "unauthenticated");
}

/* On a route anyone may call, the body's type and syntax are checked
 * before the handler; a good body reaches it. */
static void test_body_checks_come_before_the_handler(void **state)
{
    (void)state;
    struct exchange x;
    run(&x, HTTP_POST, "/api/v1/_echo", NULL, NULL, "text/plain", "{\"a\":1}", 0);
    expect(&x, 415, "unsupported_media_type");
    run(&x, HTTP_POST, "/api/v1/_echo", NULL, NULL, "application/json", "{\"a\":", 0);
    expect(&x, 400, "malformed_json");
    run(&x, HTTP_POST, "/api/v1/_echo", NULL, NULL, "application/json; charset=utf-8", "{\"a\":[1,2]}", 0);
    assert_int_equal(x.res.status, 200);
    assert_non_null(x.body);
    assert_int_equal(json_array_size(json_object_get(x.body, "a")), 2);
    finish(&x);
    run(&x, HTTP_GET, "/api/v1/orders/status-options", NULL, NULL, NULL, NULL, 0);
    expect(&x, 200, NULL);
}

/* Without ORDERAPI_CORS_ORIGINS there is no CORS: OPTIONS is 405 and no
 * response carries a CORS header, whatever the Origin. */
static void test_cors_off(void **state)
{
    (void)state;
    struct exchange x;
    request_origin = "https://shop.example";
    run(&x, HTTP_OPTIONS, "/api/v1/orders", NULL, NULL, NULL, NULL, 0);
    assert_null(http_response_header_get(&x.res, "Access-Control-Allow-Origin"));
    assert_null(http_response_header_get(&x.res, "Vary"));
    expect(&x, 405, "method_not_allowed");
    request_origin = NULL;
}

/* A preflight from a listed origin is answered before the token is asked
 * for, with the path's methods; an unknown path is still 404. */
static void test_cors_preflight(void **state)
{
    (void)state;
    struct exchange x;
    snprintf(cfg.cors_origins, sizeof cfg.cors_origins, "http://localhost:5173, https://shop.example");
    request_origin = "https://shop.example";
    run(&x, HTTP_OPTIONS, "/api/v1/orders", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(x.res.status, 204);
    assert_string_equal(http_response_header_get(&x.res, "Access-Control-Allow-Origin"), "https://shop.example");
    assert_string_equal(http_response_header_get(&x.res, "Access-Control-Allow-Methods"), "GET, HEAD, POST");
    assert_string_equal(http_response_header_get(&x.res, "Access-Control-Allow-Headers"),
                        "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-Request-Id");
    assert_string_equal(http_response_header_get(&x.res, "Access-Control-Max-Age"), "600");
    assert_string_equal(http_response_header_get(&x.res, "Vary"), "Origin");
    assert_null(x.res.body);
    finish(&x);
    run(&x, HTTP_OPTIONS, "/api/v1/orderz", NULL, NULL, NULL, NULL, 0);
    assert_string_equal(http_response_header_get(&x.res, "Access-Control-Allow-Origin"), "https://shop.example");
    expect(&x, 404, "not_found");
    cfg.cors_origins[0] = '\0';
    request_origin = NULL;
}

/* Every answer to a listed origin, errors included, carries the CORS
 * headers; an unlisted origin gets none (only Vary). */
static void test_cors_listed_and_unlisted(void **state)
{
    (void)state;
    struct exchange x;
    snprintf(cfg.cors_origins, sizeof cfg.cors_origins, "https://shop.example");
    request_origin = "https://shop.example";
    run(&x, HTTP_GET, "/api/v1/orders", NULL, NULL, NULL, NULL, 0);
    assert_string_equal(http_response_header_get(&x.res, "Access-Control-Allow-Origin"), "https://shop.example");
    assert_string_equal(http_response_header_get(&x.res, "Access-Control-Expose-Headers"),
                        "ETag, Location, X-Request-Id, X-Cache, Retry-After, Idempotent-Replayed");
    expect(&x, 401, "unauthenticated");
    const char *unlisted[] = {"https://shop.example.evil.test", "https://shop.exampl", "http://shop.example",
                              "https://shop.example/", "https://SHOP.example", "null"};
    for (size_t i = 0; i < sizeof unlisted / sizeof unlisted[0]; i++) {
        request_origin = unlisted[i];
        run(&x, HTTP_OPTIONS, "/api/v1/orders", NULL, NULL, NULL, NULL, 0);
        assert_null(http_response_header_get(&x.res, "Access-Control-Allow-Origin"));
        assert_null(http_response_header_get(&x.res, "Access-Control-Allow-Methods"));
        assert_string_equal(http_response_header_get(&x.res, "Vary"), "Origin");
        expect(&x, 405, "method_not_allowed");
    }
    cfg.cors_origins[0] = '\0';
    request_origin = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_errors_come_before_routing),
        cmocka_unit_test(test_routing_comes_before_the_token),
        cmocka_unit_test(test_loopback_guard),
        cmocka_unit_test(test_token_comes_before_the_body),
        cmocka_unit_test(test_body_checks_come_before_the_handler),
        cmocka_unit_test(test_cors_off),
        cmocka_unit_test(test_cors_preflight),
        cmocka_unit_test(test_cors_listed_and_unlisted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
