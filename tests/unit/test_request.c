/*
 * test_request.c — building a request from CGI parameters through a fake
 * struct http_io (body limits, headers, request id, query), and writing
 * responses back as CGI output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http/http.h"

#define FAKE_MAX_PARAMS 32

/* A transport that serves fixed parameters and body, and records output. */
struct fake_io {
    const char *names[FAKE_MAX_PARAMS];
    const char *values[FAKE_MAX_PARAMS];
    size_t param_count;
    const char *body;       /* bytes the client actually sends */
    size_t body_len;
    size_t body_pos;
    size_t chunk;           /* largest read served at once (0: no cap) */
    int read_calls;
    int fail_writes;
    char out[8192];
    size_t out_len;
};

static const char *fake_param(void *ctx, const char *name)
{
    struct fake_io *fake = ctx;

    for (size_t i = 0; i < fake->param_count; i++) {
        if (strcmp(fake->names[i], name) == 0)
            return fake->values[i];
    }
    return NULL;
}

static void fake_each_param(void *ctx, void (*fn)(void *, const char *, const char *), void *arg)
{
    struct fake_io *fake = ctx;

    for (size_t i = 0; i < fake->param_count; i++)
        fn(arg, fake->names[i], fake->values[i]);
}

static long fake_read(void *ctx, char *buf, size_t len)
{
    struct fake_io *fake = ctx;
    size_t left = fake->body_len - fake->body_pos;
    size_t n = len < left ? len : left;

    fake->read_calls++;
    if (fake->chunk != 0 && n > fake->chunk)
        n = fake->chunk;
    memcpy(buf, fake->body + fake->body_pos, n);
    fake->body_pos += n;
    return (long)n;
}

static int fake_write(void *ctx, const char *buf, size_t len)
{
    struct fake_io *fake = ctx;

    if (fake->fail_writes)
        return -1;
    assert_true(len <= sizeof(fake->out) - fake->out_len);
    memcpy(fake->out + fake->out_len, buf, len);
    fake->out_len += len;
    return 0;
}

static void fake_set(struct fake_io *fake, const char *name, const char *value)
{
    assert_true(fake->param_count < FAKE_MAX_PARAMS);
    fake->names[fake->param_count] = name;
    fake->values[fake->param_count] = value;
    fake->param_count++;
}

struct fixture {
    struct arena *arena;
    struct fake_io fake;
    struct http_io io;
    struct http_limits limits;
    struct http_request req;
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
    f->io = (struct http_io){fake_param, fake_each_param, fake_read, fake_write, &f->fake};
    f->limits = (struct http_limits){.max_body = 16, .max_json_depth = 8,
                                     .max_query_params = 4, .max_headers = 8};
    fake_set(&f->fake, "REQUEST_METHOD", "POST");
    fake_set(&f->fake, "REQUEST_URI", "/api/v1/orders?page=2");
    fake_set(&f->fake, "QUERY_STRING", "page=2");
    fake_set(&f->fake, "REMOTE_ADDR", "127.0.0.1");
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

/* Starts over with a fresh fixture (for tests that loop over cases). */
static struct fixture *fixture_renew(void **state)
{
    teardown(state);
    assert_int_equal(setup(state), 0);
    return *state;
}

static int read_request(struct fixture *f)
{
    return http_request_read(&f->req, f->arena, &f->io, &f->limits);
}

/* 1 when s is 32 lower-case hex digits. */
static int is_generated_id(const char *s)
{
    if (strlen(s) != 32)
        return 0;
    for (size_t i = 0; i < 32; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return 1;
}

static void test_basic_fields(void **state)
{
    struct fixture *f = *state;

    fake_set(&f->fake, "CONTENT_TYPE", "application/json");
    assert_int_equal(read_request(f), 0);
    assert_int_equal(f->req.method, HTTP_POST);
    assert_string_equal(f->req.method_name, "POST");
    assert_string_equal(f->req.path, "/api/v1/orders");
    assert_string_equal(f->req.query_string, "page=2");
    assert_int_equal(f->req.query_count, 1);
    assert_string_equal(http_query_get(&f->req, "page"), "2");
    assert_null(http_query_get(&f->req, "missing"));
    assert_string_equal(f->req.content_type, "application/json");
    assert_string_equal(f->req.remote_addr, "127.0.0.1");
    assert_null(f->req.body);
    assert_int_equal(f->req.body_len, 0);
    assert_null(f->req.json);
    assert_ptr_equal(f->req.arena, f->arena);
    assert_int_equal(f->fake.read_calls, 0);
}

/* Without REQUEST_URI the path is SCRIPT_NAME + PATH_INFO; an empty
 * Content-Type and Content-Length count as absent. */
static void test_path_fallback(void **state)
{
    struct fixture *f = *state;

    f->fake.param_count = 0;
    fake_set(&f->fake, "REQUEST_METHOD", "GET");
    fake_set(&f->fake, "SCRIPT_NAME", "/api/v1");
    fake_set(&f->fake, "PATH_INFO", "/products/3");
    fake_set(&f->fake, "CONTENT_TYPE", "");
    fake_set(&f->fake, "CONTENT_LENGTH", "");
    assert_int_equal(read_request(f), 0);
    assert_string_equal(f->req.path, "/api/v1/products/3");
    assert_string_equal(f->req.query_string, "");
    assert_int_equal(f->req.query_count, 0);
    assert_null(f->req.content_type);
    assert_null(f->req.body);
    assert_int_equal(f->fake.read_calls, 0);
}

static void test_method_parse_and_names(void **state)
{
    (void)state;
    assert_int_equal(http_method_parse("GET"), HTTP_GET);
    assert_int_equal(http_method_parse("HEAD"), HTTP_HEAD);
    assert_int_equal(http_method_parse("PATCH"), HTTP_PATCH);
    assert_int_equal(http_method_parse("OPTIONS"), HTTP_OPTIONS);
    assert_int_equal(http_method_parse("get"), HTTP_OTHER);
    assert_int_equal(http_method_parse("TRACE"), HTTP_OTHER);
    assert_int_equal(http_method_parse(NULL), HTTP_OTHER);
    assert_string_equal(http_method_name(HTTP_DELETE), "DELETE");
    assert_string_equal(http_status_reason(422), "Unprocessable Content");
    assert_string_equal(http_status_reason(413), "Content Too Large");
    assert_string_equal(http_status_reason(429), "Too Many Requests");
    assert_string_equal(http_status_reason(204), "No Content");
}

/* A body over the limit is refused from its Content-Length alone. */
static void test_body_too_large_not_read(void **state)
{
    struct fixture *f = *state;

    fake_set(&f->fake, "HTTP_X_REQUEST_ID", "client-id-1");
    fake_set(&f->fake, "CONTENT_LENGTH", "17");
    f->fake.body = "01234567890123456";
    f->fake.body_len = 17;
    assert_int_equal(read_request(f), 413);
    assert_int_equal(f->fake.read_calls, 0);
    assert_string_equal(f->req.read_error, "payload_too_large");
    assert_null(f->req.body);
    /* Still usable for the problem response. */
    assert_int_equal(f->req.method, HTTP_POST);
    assert_string_equal(f->req.path, "/api/v1/orders");
    assert_string_equal(f->req.request_id, "client-id-1");
}

static void test_body_huge_length(void **state)
{
    struct fixture *f = *state;

    fake_set(&f->fake, "CONTENT_LENGTH", "9223372036854775807");
    assert_int_equal(read_request(f), 413);
    assert_int_equal(f->fake.read_calls, 0);
}

static void test_body_exact_at_limit(void **state)
{
    struct fixture *f = *state;

    fake_set(&f->fake, "CONTENT_LENGTH", "16");
    f->fake.body = "{\"a\":1234567890}";
    f->fake.body_len = 16;
    f->fake.chunk = 5; /* forces the read loop to run several times */
    assert_int_equal(read_request(f), 0);
    assert_int_equal(f->req.body_len, 16);
    assert_string_equal(f->req.body, "{\"a\":1234567890}");
    assert_int_equal(f->req.body[16], '\0');
    assert_int_equal(f->fake.read_calls, 4);
}

static void test_body_short(void **state)
{
    struct fixture *f = *state;

    fake_set(&f->fake, "CONTENT_LENGTH", "10");
    f->fake.body = "{\"a\":";
    f->fake.body_len = 5;
    assert_int_equal(read_request(f), 400);
    assert_string_equal(f->req.read_error, "incomplete_body");
    assert_null(f->req.body);
    assert_string_equal(f->req.path, "/api/v1/orders");
    assert_true(is_generated_id(f->req.request_id));
}

static void test_body_zero_length(void **state)
{
    struct fixture *f = *state;

    fake_set(&f->fake, "CONTENT_LENGTH", "0");
    assert_int_equal(read_request(f), 0);
    assert_null(f->req.body);
    assert_int_equal(f->req.body_len, 0);
    assert_int_equal(f->fake.read_calls, 0);
}

static void test_bad_content_length(void **state)
{
    static const char *const bad[] = {"abc", "-1", "+5", " 5", "5 ", "05", "1e2", "0x10",
                                      "99999999999999999999"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct fixture *f = fixture_renew(state);

        fake_set(&f->fake, "CONTENT_LENGTH", bad[i]);
        f->fake.body = "12345";
        f->fake.body_len = 5;
        if (read_request(f) != 400)
            fail_msg("Content-Length \"%s\" not refused with 400", bad[i]);
        assert_int_equal(f->fake.read_calls, 0);
    }
}

static void test_headers(void **state)
{
    struct fixture *f = *state;

    fake_set(&f->fake, "HTTP_AUTHORIZATION", "Bearer abc");
    fake_set(&f->fake, "HTTP_IF_MATCH", "\"3\"");
    fake_set(&f->fake, "HTTP_X_REQUEST_ID", "abc");
    fake_set(&f->fake, "HTTP_", "ignored: no name");
    fake_set(&f->fake, "SERVER_NAME", "not a header");
    assert_int_equal(read_request(f), 0);
    assert_int_equal(f->req.header_count, 3);
    assert_string_equal(f->req.headers[0].name, "authorization");
    assert_string_equal(f->req.headers[1].name, "if-match");
    assert_string_equal(f->req.headers[2].name, "x-request-id");
    assert_string_equal(http_header_get(&f->req, "authorization"), "Bearer abc");
    assert_string_equal(http_header_get(&f->req, "If-Match"), "\"3\"");
    assert_null(http_header_get(&f->req, "server-name"));
    assert_null(http_header_get(&f->req, "content-type"));
}

/* At max_headers headers every one is kept. */
static void test_header_cap_exact(void **state)
{
    struct fixture *f = *state;

    f->limits.max_headers = 2;
    fake_set(&f->fake, "HTTP_A", "1");
    fake_set(&f->fake, "HTTP_B", "2");
    assert_int_equal(read_request(f), 0);
    assert_int_equal(f->req.header_count, 2);
    assert_string_equal(http_header_get(&f->req, "a"), "1");
    assert_string_equal(http_header_get(&f->req, "b"), "2");
}

/* One header more than max_headers is 431, never a request with the last
 * ones dropped: a lost If-Match, Idempotency-Key or Authorization would
 * change what the request means. */
static void test_header_cap_refuses(void **state)
{
    struct fixture *f = *state;

    f->limits.max_headers = 2;
    fake_set(&f->fake, "HTTP_A", "1");
    fake_set(&f->fake, "HTTP_B", "2");
    fake_set(&f->fake, "HTTP_IF_MATCH", "\"1\"");
    fake_set(&f->fake, "CONTENT_LENGTH", "2");
    f->fake.body = "{}";
    f->fake.body_len = 2;
    assert_int_equal(read_request(f), 431);
    assert_string_equal(f->req.read_error, "request_header_fields_too_large");
    /* Still answerable, and nothing of the body was read. */
    assert_string_equal(f->req.method_name, "POST");
    assert_string_equal(f->req.path, "/api/v1/orders");
    assert_non_null(f->req.request_id);
    assert_int_equal(f->fake.read_calls, 0);
}

/* The case: padding headers ahead of the ones that matter, with the
 * application's own limit of 64.  Non-header parameters do not count. */
static void test_header_padding_is_refused(void **state)
{
    static char names[FAKE_MAX_PARAMS][32];
    struct fixture *f = *state;
    size_t padding = FAKE_MAX_PARAMS - f->fake.param_count - 1;

    f->limits.max_headers = padding;
    for (size_t i = 0; i < padding; i++) {
        snprintf(names[i], sizeof(names[i]), "HTTP_X_PAD_%zu", i);
        fake_set(&f->fake, names[i], "x");
    }
    assert_int_equal(read_request(f), 0);
    assert_int_equal(f->req.header_count, padding);

    f = fixture_renew(state);
    f->limits.max_headers = padding;
    for (size_t i = 0; i < padding; i++)
        fake_set(&f->fake, names[i], "x");
    fake_set(&f->fake, "HTTP_AUTHORIZATION", "Bearer abc");
    assert_int_equal(read_request(f), 431);
    assert_null(http_header_get(&f->req, "authorization"));
}

/* A limit of zero takes no header at all: any header is 431. */
static void test_header_cap_zero(void **state)
{
    struct fixture *f = *state;

    f->limits.max_headers = 0;
    assert_int_equal(read_request(f), 0);
    assert_int_equal(f->req.header_count, 0);
    f = fixture_renew(state);
    f->limits.max_headers = 0;
    fake_set(&f->fake, "HTTP_HOST", "localhost");
    assert_int_equal(read_request(f), 431);
}

static void test_request_id_echo(void **state)
{
    struct fixture *f = *state;
    const char *id64 = "0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijABCDEFGHIJ._-X";

    assert_int_equal(strlen(id64), 64);
    fake_set(&f->fake, "HTTP_X_REQUEST_ID", id64);
    assert_int_equal(read_request(f), 0);
    assert_string_equal(f->req.request_id, id64);
}

static void test_request_id_generated(void **state)
{
    static const char *const unsafe[] = {
        "", "has space", "semi;colon", "new\nline", "quote\"",
        "0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijABCDEFGHIJ._-XY", /* 65 */
    };
    char first[33];

    for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
        struct fixture *f = fixture_renew(state);

        fake_set(&f->fake, "HTTP_X_REQUEST_ID", unsafe[i]);
        assert_int_equal(read_request(f), 0);
        if (!is_generated_id(f->req.request_id))
            fail_msg("id \"%s\" echoed as \"%s\"", unsafe[i], f->req.request_id);
        if (i == 0) {
            strcpy(first, f->req.request_id);
        } else {
            assert_string_not_equal(first, f->req.request_id);
        }
    }
}

static void test_request_id_absent(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(read_request(f), 0);
    assert_true(is_generated_id(f->req.request_id));
}

static void test_query_failure(void **state)
{
    struct fixture *f = *state;

    f->fake.param_count = 0;
    fake_set(&f->fake, "REQUEST_METHOD", "GET");
    fake_set(&f->fake, "REQUEST_URI", "/api/v1/products?q=%ZZ");
    fake_set(&f->fake, "QUERY_STRING", "q=%ZZ");
    assert_int_equal(read_request(f), 400);
    assert_string_equal(f->req.read_error, "malformed_query");
    assert_int_equal(f->req.method, HTTP_GET);
    assert_string_equal(f->req.path, "/api/v1/products");
    assert_int_equal(f->req.query_count, 0);
    assert_non_null(f->req.request_id);
}

/* Decoded query values must be text: invalid UTF-8 and NUL bytes are 400. */
static void test_query_not_text(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"q=%FF%FE", "q=a%00b", "%C0%AF=1", "q=%ED%A0%80"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f->fake.param_count = 0;
        fake_set(&f->fake, "REQUEST_METHOD", "GET");
        fake_set(&f->fake, "REQUEST_URI", "/api/v1/products");
        fake_set(&f->fake, "QUERY_STRING", bad[i]);
        assert_int_equal(read_request(f), 400);
        assert_string_equal(f->req.read_error, "malformed_query");
        arena_reset(f->arena);
    }
    f->fake.param_count = 0;
    fake_set(&f->fake, "REQUEST_METHOD", "GET");
    fake_set(&f->fake, "REQUEST_URI", "/api/v1/products");
    fake_set(&f->fake, "QUERY_STRING", "q=%C3%A4pfel");
    assert_int_equal(read_request(f), 0);
    assert_string_equal(http_query_get(&f->req, "q"), "\xc3\xa4pfel");
}

static void test_query_too_many(void **state)
{
    struct fixture *f = *state;

    f->fake.param_count = 0;
    fake_set(&f->fake, "REQUEST_METHOD", "GET");
    fake_set(&f->fake, "REQUEST_URI", "/p?a=1&b=2&c=3&d=4&e=5");
    fake_set(&f->fake, "QUERY_STRING", "a=1&b=2&c=3&d=4&e=5");
    assert_int_equal(read_request(f), 400);
}

/* Without QUERY_STRING the query comes from REQUEST_URI. */
static void test_query_from_uri(void **state)
{
    struct fixture *f = *state;

    f->fake.param_count = 0;
    fake_set(&f->fake, "REQUEST_METHOD", "GET");
    fake_set(&f->fake, "REQUEST_URI", "/p?status=a&status=b");
    assert_int_equal(read_request(f), 0);
    assert_string_equal(f->req.path, "/p");
    assert_int_equal(http_query_count(&f->req, "status"), 2);
    assert_string_equal(http_query_get(&f->req, "status"), "a");
    assert_int_equal(http_query_count(&f->req, "other"), 0);
}

static void test_write_json(void **state)
{
    struct fixture *f = *state;
    struct http_response res = {0};
    json_t *json = json_pack("{s:i, s:s}", "id", 12, "name", "x");

    assert_non_null(json);
    assert_int_equal(http_respond_json(&res, f->arena, 201, json), 0);
    json_decref(json);
    assert_int_equal(res.status, 201);
    assert_string_equal(res.body, "{\"id\":12,\"name\":\"x\"}");
    assert_int_equal(res.body_len, 20);
    assert_int_equal(http_response_header(&res, "Location", "/api/v1/orders/12"), 0);
    assert_int_equal(http_response_header(&res, "X-Request-Id", "rid"), 0);
    assert_string_equal(http_response_header_get(&res, "location"), "/api/v1/orders/12");
    assert_null(http_response_header_get(&res, "etag"));
    assert_int_equal(http_response_write(&res, HTTP_POST, &f->io), 0);
    f->fake.out[f->fake.out_len] = '\0';
    assert_string_equal(f->fake.out,
                        "Status: 201 Created\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: 20\r\n"
                        "Location: /api/v1/orders/12\r\n"
                        "X-Request-Id: rid\r\n"
                        "\r\n"
                        "{\"id\":12,\"name\":\"x\"}");
}

static void test_write_default_content_type(void **state)
{
    struct fixture *f = *state;
    struct http_response res = {.status = 404, .body = "{}", .body_len = 2};

    assert_int_equal(http_response_write(&res, HTTP_GET, &f->io), 0);
    f->fake.out[f->fake.out_len] = '\0';
    assert_string_equal(f->fake.out,
                        "Status: 404 Not Found\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: 2\r\n"
                        "\r\n"
                        "{}");
}

static void test_write_204(void **state)
{
    struct fixture *f = *state;
    struct http_response res = {.status = 204, .body = "ignored", .body_len = 7};

    assert_int_equal(http_response_header(&res, "X-Request-Id", "r1"), 0);
    assert_int_equal(http_response_write(&res, HTTP_DELETE, &f->io), 0);
    f->fake.out[f->fake.out_len] = '\0';
    assert_string_equal(f->fake.out, "Status: 204 No Content\r\nX-Request-Id: r1\r\n\r\n");
}

/* HEAD gets the headers a GET would (Content-Length included), no body. */
static void test_write_head(void **state)
{
    struct fixture *f = *state;
    struct http_response res = {.status = 200, .content_type = "application/json",
                                .body = "{\"a\":1}", .body_len = 7};

    assert_int_equal(http_response_write(&res, HTTP_HEAD, &f->io), 0);
    f->fake.out[f->fake.out_len] = '\0';
    assert_string_equal(f->fake.out,
                        "Status: 200 OK\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: 7\r\n"
                        "\r\n");
}

/* A header value with CR/LF is refused before anything is written. */
static void test_write_refuses_header_injection(void **state)
{
    struct fixture *f = *state;
    struct http_response res = {.status = 200, .body = "{}", .body_len = 2};

    assert_int_equal(http_response_header(&res, "X-Evil", "a\r\nSet-Cookie: x=1"), 0);
    assert_int_equal(http_response_write(&res, HTTP_GET, &f->io), -1);
    assert_int_equal(f->fake.out_len, 0);
}

static void test_write_failure_reported(void **state)
{
    struct fixture *f = *state;
    struct http_response res = {.status = 200, .body = "{}", .body_len = 2};

    f->fake.fail_writes = 1;
    assert_int_equal(http_response_write(&res, HTTP_GET, &f->io), -1);
}

/* A body bigger than the writer's buffer arrives whole. */
static void test_write_large_body(void **state)
{
    struct fixture *f = *state;
    static char big[5000];
    struct http_response res = {.status = 200, .body = big, .body_len = sizeof(big)};
    const char *sep;

    memset(big, 'x', sizeof(big));
    assert_int_equal(http_response_write(&res, HTTP_GET, &f->io), 0);
    f->fake.out[f->fake.out_len] = '\0';
    sep = strstr(f->fake.out, "\r\n\r\n");
    assert_non_null(sep);
    assert_int_equal(f->fake.out_len - (size_t)(sep + 4 - f->fake.out), sizeof(big));
    assert_non_null(strstr(f->fake.out, "Content-Length: 5000\r\n"));
}

static void test_response_header_table_full(void **state)
{
    struct http_response res = {0};

    (void)state;
    for (int i = 0; i < HTTP_MAX_RESPONSE_HEADERS; i++)
        assert_int_equal(http_response_header(&res, "X-N", "v"), 0);
    assert_int_equal(http_response_header(&res, "X-N", "v"), -1);
    assert_int_equal(res.header_count, HTTP_MAX_RESPONSE_HEADERS);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_basic_fields),
        T(test_path_fallback),
        T(test_method_parse_and_names),
        T(test_body_too_large_not_read),
        T(test_body_huge_length),
        T(test_body_exact_at_limit),
        T(test_body_short),
        T(test_body_zero_length),
        T(test_bad_content_length),
        T(test_headers),
        T(test_header_cap_exact),
        T(test_header_cap_refuses),
        T(test_header_padding_is_refused),
        T(test_header_cap_zero),
        T(test_request_id_echo),
        T(test_request_id_generated),
        T(test_request_id_absent),
        T(test_query_failure),
        T(test_query_not_text),
        T(test_query_too_many),
        T(test_query_from_uri),
        T(test_write_json),
        T(test_write_default_content_type),
        T(test_write_204),
        T(test_write_head),
        T(test_write_refuses_header_injection),
        T(test_write_failure_reported),
        T(test_write_large_body),
        T(test_response_header_table_full),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
