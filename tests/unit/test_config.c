/*
 * test_config.c — settings: defaults, strict parsing with a named error,
 * file lines, Redis URLs, listen address rules and serve requirements.
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
#include <arpa/inet.h>
#include <netinet/in.h>

#include "config.h"

static const char *SECRET = "0123456789abcdef0123456789abcdef";

static void test_defaults_are_valid_for_admin_but_serve_needs_a_secret(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    config_defaults(&cfg);
    assert_string_equal(cfg.listen, "127.0.0.1:9000");
    assert_int_equal(cfg.max_body, 65536);
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_ADMIN, err, sizeof err), 0);
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), -1);
    assert_non_null(strstr(err, "ORDERAPI_JWT_SECRET"));
    assert_int_equal(config_set(&cfg, "ORDERAPI_JWT_SECRET", "too-short", err, sizeof err), 0);
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), -1);
    assert_non_null(strstr(err, "at least 32 bytes"));
    assert_int_equal(config_set(&cfg, "ORDERAPI_JWT_SECRET", SECRET, err, sizeof err), 0);
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), 0);
}

/* A serving process refuses a CORS list it could never match. */
static void test_cors_origins_are_checked_for_serving(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    config_defaults(&cfg);
    assert_string_equal(cfg.cors_origins, "");
    assert_int_equal(config_set(&cfg, "ORDERAPI_JWT_SECRET", SECRET, err, sizeof err), 0);
    assert_int_equal(config_set(&cfg, "ORDERAPI_CORS_ORIGINS", "https://shop.example, *", err, sizeof err), 0);
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), -1);
    assert_non_null(strstr(err, "ORDERAPI_CORS_ORIGINS"));
    assert_non_null(strstr(err, "\"*\""));
    assert_int_equal(config_set(&cfg, "ORDERAPI_CORS_ORIGINS", "https://shop.example, http://localhost:5173", err,
                                sizeof err),
                     0);
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), 0);
}

static void test_numbers_are_strict_and_errors_name_the_setting(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    config_defaults(&cfg);
    assert_int_equal(config_set(&cfg, "ORDERAPI_WORKERS", "4", err, sizeof err), 0);
    assert_int_equal(cfg.workers, 4);
    const char *bad[] = {"0", "257", "-1", "4x", " 4", "", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(config_set(&cfg, "ORDERAPI_WORKERS", bad[i], err, sizeof err), -1);
        assert_non_null(strstr(err, "ORDERAPI_WORKERS"));
        assert_int_equal(cfg.workers, 4);
    }
    assert_int_equal(config_set(&cfg, "ORDERAPI_NOPE", "1", err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown setting"));
    assert_int_equal(config_set(&cfg, "ORDERAPI_MAX_BODY", "1023", err, sizeof err), -1);
    assert_int_equal(config_set(&cfg, "ORDERAPI_TEST_ROUTES", "maybe", err, sizeof err), -1);
    /* The relay's gathering pause: 50 ms unless set, 0 (off) to 1000. */
    config_defaults(&cfg);
    assert_int_equal(cfg.relay_gather_ms, 50);
    assert_int_equal(config_set(&cfg, "ORDERAPI_RELAY_GATHER_MS", "0", err, sizeof err), 0);
    assert_int_equal(cfg.relay_gather_ms, 0);
    assert_int_equal(config_set(&cfg, "ORDERAPI_RELAY_GATHER_MS", "1000", err, sizeof err), 0);
    assert_int_equal(cfg.relay_gather_ms, 1000);
    assert_int_equal(config_set(&cfg, "ORDERAPI_RELAY_GATHER_MS", "1001", err, sizeof err), -1);
    assert_non_null(strstr(err, "ORDERAPI_RELAY_GATHER_MS"));
    assert_int_equal(cfg.relay_gather_ms, 1000);
}

static void test_redis_urls(void **state)
{
    (void)state;
    struct redis_config rc;
    memset(&rc, 0, sizeof rc);
    assert_int_equal(config_parse_redis_url(&rc, "redis://127.0.0.1:6380/2"), 0);
    assert_string_equal(rc.host, "127.0.0.1");
    assert_int_equal(rc.port, 6380);
    assert_int_equal(rc.db, 2);
    assert_string_equal(rc.socket, "");
    assert_int_equal(config_parse_redis_url(&rc, "redis://cache"), 0);
    assert_string_equal(rc.host, "cache");
    assert_int_equal(rc.port, 6379);
    assert_int_equal(rc.db, 0);
    assert_int_equal(config_parse_redis_url(&rc, "unix:/run/redis.sock?db=3"), 0);
    assert_string_equal(rc.socket, "/run/redis.sock");
    assert_int_equal(rc.db, 3);
    assert_string_equal(rc.password, "");
    assert_string_equal(rc.user, "");
    assert_int_equal(config_parse_redis_url(&rc, "redis://host:0/0"), -1);
    assert_int_equal(config_parse_redis_url(&rc, "redis://host:6379/16"), -1);
    assert_int_equal(config_parse_redis_url(&rc, "http://host"), -1);
    assert_int_equal(config_parse_redis_url(&rc, "unix:relative.sock"), -1);
}

static void test_redis_urls_with_credentials(void **state)
{
    (void)state;
    struct redis_config rc;
    memset(&rc, 0, sizeof rc);

    assert_int_equal(config_parse_redis_url(&rc, "redis://:s3cret@cache:6380/1"), 0);
    assert_string_equal(rc.host, "cache");
    assert_int_equal(rc.port, 6380);
    assert_int_equal(rc.db, 1);
    assert_string_equal(rc.user, "");
    assert_string_equal(rc.password, "s3cret");

    /* An ACL user; the password is percent-decoded, and may hold '@' and ':'. */
    assert_int_equal(config_parse_redis_url(&rc, "redis://orderapi:p%40ss:w@127.0.0.1"), 0);
    assert_string_equal(rc.host, "127.0.0.1");
    assert_int_equal(rc.port, 6379);
    assert_string_equal(rc.user, "orderapi");
    assert_string_equal(rc.password, "p@ss:w");
    assert_int_equal(config_parse_redis_url(&rc, "redis://u:a@b@host/2"), 0);
    assert_string_equal(rc.password, "a@b");
    assert_string_equal(rc.host, "host");
    assert_int_equal(rc.db, 2);

    /* A later URL without credentials clears them. */
    assert_int_equal(config_parse_redis_url(&rc, "redis://cache"), 0);
    assert_string_equal(rc.user, "");
    assert_string_equal(rc.password, "");

    /* The unix socket takes them as query items, in any order. */
    assert_int_equal(config_parse_redis_url(&rc, "unix:/run/r.sock?password=abc%26d"), 0);
    assert_string_equal(rc.socket, "/run/r.sock");
    assert_string_equal(rc.password, "abc&d");
    assert_string_equal(rc.user, "");
    assert_int_equal(rc.db, 0);
    assert_int_equal(config_parse_redis_url(&rc, "unix:///run/r.sock?user=app&db=4&password=pw"), 0);
    assert_string_equal(rc.socket, "/run/r.sock");
    assert_string_equal(rc.user, "app");
    assert_string_equal(rc.password, "pw");
    assert_int_equal(rc.db, 4);

    /* Refused: a user without a password, ambiguous or empty credentials,
     * bad escapes, an encoded NUL, unknown or repeated or empty items. */
    const char *bad[] = {
        "redis://app:@host",       "redis://word@host",         "redis://@host",
        "redis://:@host",          "redis://:pw@",              "redis://:p%zz@host",
        "redis://:p%4@host",       "redis://:p%00w@host",       "unix:/r.sock?user=app",
        "unix:/r.sock?password=",  "unix:/r.sock?pass=x",       "unix:/r.sock?db=1&db=2",
        "unix:/r.sock?password=a&", "unix:/r.sock?",            "unix:/r.sock?password=%",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct redis_config before = rc;
        if (config_parse_redis_url(&rc, bad[i]) != -1)
            fail_msg("accepted %s", bad[i]);
        assert_memory_equal(&before, &rc, sizeof rc);
    }
}

static void test_redis_url_errors_never_repeat_the_password(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    config_defaults(&cfg);
    assert_int_equal(config_set(&cfg, "ORDERAPI_REDIS_URL", "redis://:hunter2-secret@host:99999", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "ORDERAPI_REDIS_URL"));
    assert_null(strstr(err, "hunter2"));
    assert_int_equal(config_set(&cfg, "ORDERAPI_REDIS_URL", "unix:/r.sock?password=hunter2&x=1", err, sizeof err),
                     -1);
    assert_null(strstr(err, "hunter2"));
}

static void test_listen_never_wildcard_unless_asked(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    config_defaults(&cfg);
    snprintf(cfg.jwt.secret, sizeof cfg.jwt.secret, "%s", SECRET);
    snprintf(cfg.listen, sizeof cfg.listen, "0.0.0.0:9000");
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), -1);
    assert_non_null(strstr(err, "ORDERAPI_ALLOW_PUBLIC_LISTEN"));
    snprintf(cfg.listen, sizeof cfg.listen, ":9000");
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), -1);
    cfg.allow_public_listen = 1;
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), 0);
    cfg.allow_public_listen = 0;
    snprintf(cfg.listen, sizeof cfg.listen, "unix:/tmp/x.sock");
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), 0);
    snprintf(cfg.listen, sizeof cfg.listen, "localhost");
    assert_int_equal(config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err), -1);
}

/* Every spelling of "every interface" the bind would accept is refused
 * unless ORDERAPI_ALLOW_PUBLIC_LISTEN=1, however it is written. */
static void test_listen_wildcard_spellings_are_refused(void **state)
{
    (void)state;
    static const char *const wildcards[] = {
        "0.0.0.0:9000", "0:9000", "0.0:9000", "0.0.0:9000", "0x0:9000", "00:9000", "0x00000000:9000",
        "000.000.000.000:9000", "00000000000:9000", ":9000", "*:9000", "[::]:9000", "[0::0]:9000",
        "[::0]:9000", "[0:0:0:0:0:0:0:0]:9000", "[::ffff:0.0.0.0]:9000", "[::ffff:0:0]:9000",
        "[0:0:0:0:0:ffff:0:0]:9000", "[::0.0.0.0]:9000",
    };
    struct config cfg;
    char err[512];
    config_defaults(&cfg);
    snprintf(cfg.jwt.secret, sizeof cfg.jwt.secret, "%s", SECRET);
    for (size_t i = 0; i < sizeof wildcards / sizeof wildcards[0]; i++) {
        struct listen_addr at;
        snprintf(cfg.listen, sizeof cfg.listen, "%s", wildcards[i]);
        cfg.allow_public_listen = 0;
        err[0] = '\0';
        if (config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err) != -1 ||
            !strstr(err, "ORDERAPI_ALLOW_PUBLIC_LISTEN"))
            fail_msg("%s was not refused as a public listen address (err: %s)", wildcards[i], err);
        assert_int_equal(config_listen_parse(wildcards[i], &at, err, sizeof err), 0);
        assert_int_equal(at.wildcard, 1);
        cfg.allow_public_listen = 1;
        if (config_validate(&cfg, CONFIG_FOR_SERVE, err, sizeof err) != 0)
            fail_msg("%s refused although public listening was allowed: %s", wildcards[i], err);
    }
}

/* Specific addresses parse to exactly the address that is bound. */
static void test_listen_specific_addresses(void **state)
{
    (void)state;
    struct listen_addr at;
    char err[512];
    const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)&at.sa;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&at.sa;

    assert_int_equal(config_listen_parse("127.0.0.1:9000", &at, err, sizeof err), 0);
    assert_int_equal(at.sa.ss_family, AF_INET);
    assert_int_equal(at.wildcard, 0);
    assert_int_equal(ntohl(in->sin_addr.s_addr), 0x7f000001);
    assert_int_equal(ntohs(in->sin_port), 9000);
    /* inet_aton forms, read as the bind reads them. */
    assert_int_equal(config_listen_parse("127.1:9001", &at, err, sizeof err), 0);
    assert_int_equal(ntohl(in->sin_addr.s_addr), 0x7f000001);
    assert_int_equal(at.wildcard, 0);
    assert_int_equal(config_listen_parse("0x7f000001:9001", &at, err, sizeof err), 0);
    assert_int_equal(ntohl(in->sin_addr.s_addr), 0x7f000001);
    assert_int_equal(config_listen_parse("10.1.2.3:80", &at, err, sizeof err), 0);
    assert_int_equal(at.wildcard, 0);
    assert_int_equal(config_listen_parse("[::1]:9000", &at, err, sizeof err), 0);
    assert_int_equal(at.sa.ss_family, AF_INET6);
    assert_int_equal(at.wildcard, 0);
    assert_true(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
    assert_int_equal(ntohs(in6->sin6_port), 9000);
    assert_int_equal(config_listen_parse("[::ffff:127.0.0.1]:9000", &at, err, sizeof err), 0);
    assert_int_equal(at.wildcard, 0);
    assert_int_equal(config_listen_parse("unix:/tmp/x.sock", &at, err, sizeof err), 0);
    assert_int_equal(at.sa.ss_family, AF_UNIX);
    assert_int_equal(at.wildcard, 0);
}

/* Anything the parser cannot read exactly is an error, never a guess. */
static void test_listen_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "localhost", "localhost:9000", "example.com:9000", ":::9000", "::1:9000", "[::1:9000",
        "::]:9000", "[]:9000", "[127.0.0.1]:9000", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:",
        "127.0.0.1:9000x", "127.0.0.1 :9000", " 127.0.0.1:9000", "127.0.0.1:80:9000", "256.0.0.1:9000",
        "0.0.0.0.0:9000", "unix:", "[::]:", "[fe80::1%nosuchif]:9000",
    };
    struct listen_addr at;
    char err[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (config_listen_parse(bad[i], &at, err, sizeof err) != -1)
            fail_msg("%s was accepted as a listen address", bad[i]);
        assert_non_null(strstr(err, "ORDERAPI_LISTEN"));
    }
}

static void test_file_wins_over_environment_and_names_bad_lines(void **state)
{
    (void)state;
    char path[] = "/tmp/orderapi-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# comment\n\nORDERAPI_WORKERS=3\nexport ORDERAPI_DB_NAME=\"shop\"\n");
    fclose(f);
    setenv("ORDERAPI_WORKERS", "7", 1);
    setenv("ORDERAPI_DB_USER", "envuser", 1);
    struct config cfg;
    char err[512];
    assert_int_equal(config_load(&cfg, path, err, sizeof err), 0);
    assert_int_equal(cfg.workers, 3);
    assert_string_equal(cfg.db.name, "shop");
    assert_string_equal(cfg.db.user, "envuser");

    f = fopen(path, "a");
    fprintf(f, "ORDERAPI_WORKERS=zero\n");
    fclose(f);
    assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":5: ORDERAPI_WORKERS"));
    unsetenv("ORDERAPI_WORKERS");
    unsetenv("ORDERAPI_DB_USER");
    unlink(path);
    assert_int_equal(config_load(&cfg, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "--config"));
}

/* ORDERAPI_DB_DIALECT: auto by default, mariadb or mysql; anything else is
 * refused for every use (migrate too), naming the setting. */
static void test_db_dialect(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    static const char *const good[] = {"auto", "mariadb", "mysql"};
    static const char *const bad[] = {"MySQL", "postgres", "", "mysql8"};
    config_defaults(&cfg);
    assert_string_equal(cfg.db.dialect, "auto");
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(config_set(&cfg, "ORDERAPI_DB_DIALECT", good[i], err, sizeof err), 0);
        assert_string_equal(cfg.db.dialect, good[i]);
        assert_int_equal(config_validate(&cfg, CONFIG_FOR_ADMIN, err, sizeof err), 0);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(config_set(&cfg, "ORDERAPI_DB_DIALECT", bad[i], err, sizeof err), 0);
        assert_int_equal(config_validate(&cfg, CONFIG_FOR_ADMIN, err, sizeof err), -1);
        assert_non_null(strstr(err, "ORDERAPI_DB_DIALECT"));
    }
    assert_int_equal(config_set(&cfg, "ORDERAPI_DB_DIALECT", "a-value-far-too-long", err, sizeof err), -1);
    assert_non_null(strstr(err, "ORDERAPI_DB_DIALECT"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_valid_for_admin_but_serve_needs_a_secret),
        cmocka_unit_test(test_numbers_are_strict_and_errors_name_the_setting),
        cmocka_unit_test(test_redis_urls),
        cmocka_unit_test(test_redis_urls_with_credentials),
        cmocka_unit_test(test_redis_url_errors_never_repeat_the_password),
        cmocka_unit_test(test_listen_never_wildcard_unless_asked),
        cmocka_unit_test(test_listen_wildcard_spellings_are_refused),
        cmocka_unit_test(test_listen_specific_addresses),
        cmocka_unit_test(test_listen_malformed),
        cmocka_unit_test(test_cors_origins_are_checked_for_serving),
        cmocka_unit_test(test_file_wins_over_environment_and_names_bad_lines),
        cmocka_unit_test(test_db_dialect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
