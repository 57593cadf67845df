/*
 * test_session.c — src/auth/session.c without servers: reading the bearer
 * token out of Authorization (RFC 6750 §2.1), and the 401 answers of
 * session_verify_token with their WWW-Authenticate challenges (RFC 6750
 * §3).  The revocation half needs Redis and is covered end to end
 * (tests/e2e/test_tokens.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "arena.h"
#include "auth/jwt.h"
#include "auth/principal.h"
#include "auth/session.h"
#include "auth/token_cache.h"
#include "http/http.h"

static const char secret[] = "test-secret-of-at-least-thirty-two-bytes!!";

static struct jwt_settings settings(void)
{
    return (struct jwt_settings){
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
}

/* A request whose only header is Authorization: value (none when NULL). */
struct fixture {
    struct http_request req;
    struct http_response res;
    struct http_param header;
};

static void request_with(struct fixture *f, const char *authorization)
{
    memset(f, 0, sizeof *f);
    f->req.arena = arena_new();
    assert_non_null(f->req.arena);
    f->req.method = HTTP_GET;
    f->req.path = "/api/v1/auth/me";
    f->req.request_id = "test-session";
    if (authorization) {
        f->header = (struct http_param){"authorization", authorization, strlen(authorization)};
        f->req.headers = &f->header;
        f->req.header_count = 1;
    }
}

static void done(struct fixture *f)
{
    arena_free(f->req.arena);
}

static const char *token_of(const char *authorization)
{
    static struct fixture f;
    request_with(&f, authorization);
    const char *t = session_bearer_token(&f.req);
    done(&f);
    return t; /* points into authorization, not the arena */
}

static void test_bearer_token_parsing(void **state)
{
    (void)state;
    assert_null(token_of(NULL));
    assert_string_equal(token_of("Bearer abc.def.ghi"), "abc.def.ghi");
    assert_string_equal(token_of("bearer abc"), "abc");
    assert_string_equal(token_of("BEARER abc"), "abc");
    assert_string_equal(token_of("Bearer    abc"), "abc");
    assert_null(token_of("Bearer "));
    assert_null(token_of("Bearer    "));
    assert_null(token_of("Bearer"));
    assert_null(token_of("Bearerabc"));
    assert_null(token_of("Basic dXNlcjpwYXNz"));
    assert_null(token_of(""));
    assert_null(token_of(" Bearer abc"));
}

/* The problem's "code" member. */
static const char *problem_code(const struct http_response *res, json_t **keep)
{
    *keep = json_loadb(res->body, res->body_len, 0, NULL);
    assert_non_null(*keep);
    return json_string_value(json_object_get(*keep, "code"));
}

static void expect_401(const char *authorization, const char *code, const char *challenge)
{
    struct fixture f;
    struct principal p;
    struct jwt_settings s = settings();
    json_t *body;

    request_with(&f, authorization);
    assert_int_equal(session_verify_token(&s, &f.req, &f.res, &p), -1);
    assert_int_equal(f.res.status, 401);
    assert_string_equal(problem_code(&f.res, &body), code);
    assert_string_equal(http_response_header_get(&f.res, "WWW-Authenticate"), challenge);
    json_decref(body);
    done(&f);
}

static void test_no_credentials_get_a_bare_challenge(void **state)
{
    (void)state;
    expect_401(NULL, "unauthenticated", "Bearer");
}

static void test_other_schemes_and_bad_tokens_are_invalid(void **state)
{
    (void)state;
    expect_401("Basic dXNlcjpwYXNz", "unauthenticated", "Bearer error=\"invalid_token\"");
    expect_401("Bearer ", "unauthenticated", "Bearer error=\"invalid_token\"");
    expect_401("Bearer not.a.token", "unauthenticated", "Bearer error=\"invalid_token\"");
}

static void test_expired_token(void **state)
{
    (void)state;
    struct jwt_settings s = settings();
    struct principal p = {.kind = PRINCIPAL_CUSTOMER, .user_id = 7};
    char *token = NULL;
    char header[4096];

    assert_int_equal(jwt_issue(&s, &p, (int64_t)time(NULL) - 3600, &token), JWT_OK);
    snprintf(header, sizeof header, "Bearer %s", token);
    expect_401(header, "token_expired", "Bearer error=\"invalid_token\"");
    free(token);
}

static void test_valid_token_gives_the_principal(void **state)
{
    (void)state;
    struct jwt_settings s = settings();
    struct principal issued = {.kind = PRINCIPAL_ADMIN, .user_id = 42};
    char *token = NULL;
    char header[4096];

    assert_int_equal(jwt_issue(&s, &issued, (int64_t)time(NULL), &token), JWT_OK);
    snprintf(header, sizeof header, "bearer  %s", token);
    for (int round = 0; round < 2; round++) { /* verified, then from the token cache */
        struct fixture f;
        struct principal got;
        memset(&got, 0, sizeof got);
        request_with(&f, header);
        assert_int_equal(session_verify_token(&s, &f.req, &f.res, &got), 0);
        assert_int_equal(got.kind, PRINCIPAL_ADMIN);
        assert_int_equal(got.user_id, 42);
        assert_string_equal(got.jti, issued.jti);
        done(&f);
    }
    free(token);
}

static int teardown(void **state)
{
    (void)state;
    token_cache_clear();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bearer_token_parsing),
        cmocka_unit_test(test_no_credentials_get_a_bare_challenge),
        cmocka_unit_test(test_other_schemes_and_bad_tokens_are_invalid),
        cmocka_unit_test(test_expired_token),
        cmocka_unit_test(test_valid_token_gives_the_principal),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
