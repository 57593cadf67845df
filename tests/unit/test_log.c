/*
 * test_log.c — the per-request log line written directly must be the line
 * jansson writes (the tree log_request used to build), byte for byte, and
 * decline what only jansson does the same way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define TS "2026-12-02T04:30:00.123456Z"

/* The line as the jansson tree writes it (log_request and log_emit). */
static char *reference(const char *request_id, const char *method, const char *route, const char *path, int status,
                       double duration_ms, const char *error)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "level", json_string(status >= 500 ? "error" : "info"));
    json_object_set_new(obj, "request_id", json_string(request_id ? request_id : "-"));
    json_object_set_new(obj, "method", json_string(method ? method : "-"));
    json_object_set_new(obj, "route", json_string(route ? route : "-"));
    json_t *p = path ? json_stringn(path, strnlen(path, 256)) : NULL;
    json_object_set_new(obj, "path", p ? p : json_string("-"));
    json_object_set_new(obj, "status", json_integer(status));
    json_object_set_new(obj, "duration_ms", json_real((double)(long long)(duration_ms * 1000.0) / 1000.0));
    if (error) {
        json_t *e = json_string(error);
        if (e)
            json_object_set_new(obj, "error", e);
    }
    json_object_set_new(obj, "ts", json_string(TS));
    json_object_set_new(obj, "pid", json_integer(4242));
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(obj);
    return line;
}

static void same(const char *request_id, const char *method, const char *route, const char *path, int status,
                 double duration_ms, const char *error)
{
    char buf[2048];
    size_t n = log_request_line(buf, sizeof buf, TS, 4242, request_id, method, route, path, status, duration_ms,
                                error);
    char *want = reference(request_id, method, route, path, status, duration_ms, error);
    assert_non_null(want);
    assert_true(n > 0);
    assert_int_equal(n, strlen(want) + 1);
    assert_int_equal(buf[n - 1], '\n');
    assert_memory_equal(buf, want, n - 1);
    free(want);
}

static void test_lines_match_jansson(void **state)
{
    (void)state;
    same("432367b69eddc7999f227c72667bad8e", "GET", "GET /api/v1/orders/{id}", "/api/v1/orders/26005", 200, 1.234,
         NULL);
    same("r", "POST", "POST /api/v1/orders", "/api/v1/orders", 503, 0.0, "mysql: (2013) Lost connection");
    same(NULL, NULL, NULL, NULL, 404, 12.0, NULL);
    same("id", "GET", "-", "/a\"b\\c/caf\xc3\xa9/\x01", 400, 0.0004, NULL);
    same("id", "GET", "-", "/bad/\xc3", 400, 99999.9999, NULL);        /* not UTF-8: "-" */
    same("id", "GET", "-", "/x", 500, 3.14159265, "bad \xff error"); /* error dropped */
    char long_path[400];
    memset(long_path, 'p', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    same("id", "GET", "-", long_path, 414, 0.5, NULL);
    memcpy(long_path + 254, "\xc3\xa9", 2); /* cut inside a character at 256 */
    long_path[255] = (char)0xc3;
    same("id", "GET", "-", long_path, 414, 100.25, NULL);
    for (double d = 0.0001; d < 900000.0; d *= 3.7)
        same("id", "GET", "r", "/p", 200, d, NULL);
}

static void test_declines_what_jansson_writes_its_own_way(void **state)
{
    (void)state;
    char buf[2048], tiny[32];
    /* an exponent jansson rewrites */
    assert_int_equal(log_request_line(buf, sizeof buf, TS, 1, "id", "GET", "r", "/p", 200, 12345678.0, NULL), 0);
    /* a request id jansson refuses (it drops the key) */
    assert_int_equal(log_request_line(buf, sizeof buf, TS, 1, "\xc3", "GET", "r", "/p", 200, 1.0, NULL), 0);
    /* no room */
    assert_int_equal(log_request_line(tiny, sizeof tiny, TS, 1, "id", "GET", "r", "/p", 200, 1.0, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_match_jansson),
        cmocka_unit_test(test_declines_what_jansson_writes_its_own_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
