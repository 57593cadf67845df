/*
 * test_jwt_keys.c — reading and proving the token keys (src/auth/jwt_keys.c):
 * a good pair is read and proved; missing, empty, oversized and garbage
 * files, a public key of another pair and a key of the wrong type are each
 * refused with the setting at fault named.
 *
 * The key files are written to a fresh directory under $TMPDIR (or /tmp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/jwt_keys.h"
#include "config.h"

/* Test-only P-256 key pairs (generated with openssl genpkey for this file). */
static const char ec_private_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaloRgy0jMs0myRpx\n"
    "UpmUqtAo72evODZhglFJGZ2n3gahRANCAARJoUoVKDblakqWPAyTbYv6FQrzNTj9\n"
    "/+RfocCPmOu3Cu2eECxaBNUFijBCje5G5tIWLhvDj82jpiy6L62VvkmU\n"
    "-----END PRIVATE KEY-----\n";

static const char ec_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESaFKFSg25WpKljwMk22L+hUK8zU4\n"
    "/f/kX6HAj5jrtwrtnhAsWgTVBYowQo3uRubSFi4bw4/No6Ysui+tlb5JlA==\n"
    "-----END PUBLIC KEY-----\n";

static const char other_ec_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGdtG45SO9iubys9QZ7oYCqQFGwWy\n"
    "it8oYIQVBkjsFWGo5R4kbf/3Alul8P3wOuUbM6SXM/dCHYJ3u8YiNSwIsA==\n"
    "-----END PUBLIC KEY-----\n";

struct fixture {
    char dir[256];
    char private_path[300];
    char public_path[300];
    struct config cfg;
    char err[512];
};

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A configuration of alg whose key files hold the given texts. */
static void use_keys(struct fixture *fx, const char *alg, const char *private_pem, const char *public_pem)
{
    snprintf(fx->cfg.jwt.alg, sizeof fx->cfg.jwt.alg, "%s", alg);
    write_file(fx->private_path, private_pem, strlen(private_pem));
    write_file(fx->public_path, public_pem, strlen(public_pem));
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->dir, sizeof fx->dir, "%s/test_jwt_keys.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->private_path, sizeof fx->private_path, "%s/private.pem", fx->dir);
    snprintf(fx->public_path, sizeof fx->public_path, "%s/public.pem", fx->dir);
    config_defaults(&fx->cfg);
    snprintf(fx->cfg.jwt.private_key_file, sizeof fx->cfg.jwt.private_key_file, "%s", fx->private_path);
    snprintf(fx->cfg.jwt.public_key_file, sizeof fx->cfg.jwt.public_key_file, "%s", fx->public_path);
    snprintf(fx->cfg.jwt.secret, sizeof fx->cfg.jwt.secret, "unit-test-secret-0123456789abcdef-0123");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    unlink(fx->private_path);
    unlink(fx->public_path);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void test_hs256_needs_no_file_and_proves_its_secret(void **state)
{
    struct fixture *fx = *state;
    snprintf(fx->cfg.jwt.alg, sizeof fx->cfg.jwt.alg, "HS256");
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    assert_int_equal(fx->cfg.jwt.private_key_len, 0);
    assert_int_equal(jwt_keys_check(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    struct jwt_settings s;
    assert_int_equal(jwt_keys_settings(&fx->cfg.jwt, &s), 0);
    assert_ptr_equal(s.sign_key, (const unsigned char *)fx->cfg.jwt.secret);
}

static void test_a_good_pair_is_read_and_proved(void **state)
{
    struct fixture *fx = *state;
    use_keys(fx, "ES256", ec_private_pem, ec_public_pem);
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    assert_int_equal(fx->cfg.jwt.private_key_len, strlen(ec_private_pem));
    assert_int_equal(fx->cfg.jwt.public_key_len, strlen(ec_public_pem));
    assert_string_equal(fx->cfg.jwt.public_key_pem, ec_public_pem);
    assert_int_equal(jwt_keys_check(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    struct jwt_settings s;
    assert_int_equal(jwt_keys_settings(&fx->cfg.jwt, &s), 0);
    assert_int_equal(s.alg, JWT_SETTING_ES256);
    assert_ptr_equal(s.verify_key, (const unsigned char *)fx->cfg.jwt.public_key_pem);
}

static void test_keys_not_read_give_no_settings(void **state)
{
    struct fixture *fx = *state;
    snprintf(fx->cfg.jwt.alg, sizeof fx->cfg.jwt.alg, "RS256");
    struct jwt_settings s;
    assert_int_equal(jwt_keys_settings(&fx->cfg.jwt, &s), -1);
    assert_int_equal(jwt_keys_check(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
    assert_non_null(strstr(fx->err, "ORDERAPI_JWT_ALG"));
}

static void test_a_missing_file_is_refused(void **state)
{
    struct fixture *fx = *state;
    use_keys(fx, "ES256", ec_private_pem, ec_public_pem);
    unlink(fx->public_path);
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
    assert_non_null(strstr(fx->err, "ORDERAPI_JWT_PUBLIC_KEY_FILE"));
    assert_int_equal(fx->cfg.jwt.private_key_len, 0); /* nothing half-read */
}

static void test_an_empty_file_is_refused(void **state)
{
    struct fixture *fx = *state;
    use_keys(fx, "ES256", "", ec_public_pem);
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
    assert_non_null(strstr(fx->err, "ORDERAPI_JWT_PRIVATE_KEY_FILE"));
    assert_non_null(strstr(fx->err, "empty"));
}

static void test_an_oversized_file_is_refused(void **state)
{
    struct fixture *fx = *state;
    use_keys(fx, "ES256", ec_private_pem, ec_public_pem);
    static char big[CONFIG_KEY_MAX + 1];
    memset(big, 'A', sizeof big);
    write_file(fx->private_path, big, sizeof big);
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
    assert_non_null(strstr(fx->err, "larger than"));
    /* Exactly CONFIG_KEY_MAX bytes is still read (and then fails the proof). */
    write_file(fx->private_path, big, CONFIG_KEY_MAX);
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    assert_int_equal(fx->cfg.jwt.private_key_len, CONFIG_KEY_MAX);
    assert_int_equal(jwt_keys_check(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
}

static void test_a_garbage_private_key_is_refused(void **state)
{
    struct fixture *fx = *state;
    use_keys(fx, "ES256", "this is not a PEM key\n", ec_public_pem);
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    assert_int_equal(jwt_keys_check(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
    assert_non_null(strstr(fx->err, "ORDERAPI_JWT_PRIVATE_KEY_FILE"));
}

static void test_a_garbage_public_key_is_refused(void **state)
{
    struct fixture *fx = *state;
    use_keys(fx, "ES256", ec_private_pem, "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n");
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    assert_int_equal(jwt_keys_check(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
    assert_non_null(strstr(fx->err, "ORDERAPI_JWT_PUBLIC_KEY_FILE"));
}

static void test_the_public_key_of_another_pair_is_refused(void **state)
{
    struct fixture *fx = *state;
    use_keys(fx, "ES256", ec_private_pem, other_ec_public_pem);
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    assert_int_equal(jwt_keys_check(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
    assert_non_null(strstr(fx->err, "ORDERAPI_JWT_PUBLIC_KEY_FILE"));
}

static void test_a_key_of_the_wrong_type_is_refused(void **state)
{
    struct fixture *fx = *state;
    use_keys(fx, "RS256", ec_private_pem, ec_public_pem);
    assert_int_equal(jwt_keys_read(&fx->cfg.jwt, fx->err, sizeof fx->err), 0);
    assert_int_equal(jwt_keys_check(&fx->cfg.jwt, fx->err, sizeof fx->err), -1);
    assert_non_null(strstr(fx->err, "ORDERAPI_JWT_PRIVATE_KEY_FILE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hs256_needs_no_file_and_proves_its_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_good_pair_is_read_and_proved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_not_read_give_no_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_missing_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_empty_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_oversized_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_garbage_private_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_garbage_public_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_public_key_of_another_pair_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_key_of_the_wrong_type_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
