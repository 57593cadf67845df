/*
 * test_sql_dialect.c — ORDERAPI_DB_DIALECT's values, and the dialect chosen
 * from the version strings real servers send (mysql_get_server_info).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain/sql_dialect.h"

static void test_setting_values(void **state)
{
    enum sql_dialect_setting s = SQL_DIALECT_FORCE_MYSQL;
    (void)state;
    assert_int_equal(sql_dialect_setting_parse("auto", &s), 0);
    assert_int_equal(s, SQL_DIALECT_AUTO);
    assert_int_equal(sql_dialect_setting_parse("mariadb", &s), 0);
    assert_int_equal(s, SQL_DIALECT_FORCE_MARIADB);
    assert_int_equal(sql_dialect_setting_parse("mysql", &s), 0);
    assert_int_equal(s, SQL_DIALECT_FORCE_MYSQL);
}

static void test_setting_rejects_others(void **state)
{
    static const char *const bad[] = {"", "MySQL", "MARIADB", "Auto", "mysql8", "maria", " mysql", "mysql ",
                                      "postgres", "portable"};
    enum sql_dialect_setting s = SQL_DIALECT_FORCE_MARIADB;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sql_dialect_setting_parse(bad[i], &s), -1);
        assert_int_equal(s, SQL_DIALECT_FORCE_MARIADB); /* untouched */
    }
    assert_int_equal(sql_dialect_setting_parse(NULL, &s), -1);
}

/* MariaDB 10.5 and later: RETURNING is there. */
static void test_detect_mariadb_with_returning(void **state)
{
    (void)state;
    assert_int_equal(sql_dialect_detect("10.11.6-MariaDB-0+deb12u1"), SQL_DIALECT_MARIADB);
    assert_int_equal(sql_dialect_detect("10.11.19-MariaDB-0+deb12u1-log"), SQL_DIALECT_MARIADB);
    assert_int_equal(sql_dialect_detect("5.5.5-10.11.6-MariaDB-0+deb12u1"), SQL_DIALECT_MARIADB);
    assert_int_equal(sql_dialect_detect("10.5.0-MariaDB"), SQL_DIALECT_MARIADB);
    assert_int_equal(sql_dialect_detect("10.6.16-MariaDB-cll-lve"), SQL_DIALECT_MARIADB);
    assert_int_equal(sql_dialect_detect("11.4.2-MariaDB-ubu2404"), SQL_DIALECT_MARIADB);
    assert_int_equal(sql_dialect_detect("12.0.1-mariadb"), SQL_DIALECT_MARIADB);
}

/* Older MariaDB, MySQL and its forks, and anything unparsable: portable. */
static void test_detect_portable(void **state)
{
    static const char *const portable[] = {
        "10.4.32-MariaDB",       "5.5.5-10.4.32-MariaDB-log", "10.3.39-MariaDB-0+deb10u1",
        "5.5.5-10.1.48-MariaDB", "8.0.36",                    "8.0.36-0ubuntu0.22.04.1",
        "8.4.0",                 "9.1.0",                      "5.7.44-log",
        "8.0.35-27",             "",                           "MariaDB",
        "x.y-MariaDB",           "10-MariaDB",                 "10.-MariaDB",
        "123456.5-MariaDB",      "5.5.5-",                     "10.4",
    };
    (void)state;
    for (size_t i = 0; i < sizeof portable / sizeof portable[0]; i++)
        assert_int_equal(sql_dialect_detect(portable[i]), SQL_DIALECT_MYSQL);
    assert_int_equal(sql_dialect_detect(NULL), SQL_DIALECT_MYSQL);
}

/* A forced dialect wins over the server's string; auto follows it. */
static void test_choose(void **state)
{
    (void)state;
    assert_int_equal(sql_dialect_choose(SQL_DIALECT_FORCE_MYSQL, "10.11.6-MariaDB"), SQL_DIALECT_MYSQL);
    assert_int_equal(sql_dialect_choose(SQL_DIALECT_FORCE_MARIADB, "8.0.36"), SQL_DIALECT_MARIADB);
    assert_int_equal(sql_dialect_choose(SQL_DIALECT_AUTO, "10.11.6-MariaDB"), SQL_DIALECT_MARIADB);
    assert_int_equal(sql_dialect_choose(SQL_DIALECT_AUTO, "8.0.36"), SQL_DIALECT_MYSQL);
    assert_int_equal(sql_dialect_choose(SQL_DIALECT_AUTO, NULL), SQL_DIALECT_MYSQL);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sql_dialect_name(SQL_DIALECT_MARIADB), "mariadb");
    assert_string_equal(sql_dialect_name(SQL_DIALECT_MYSQL), "mysql");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setting_values),
        cmocka_unit_test(test_setting_rejects_others),
        cmocka_unit_test(test_detect_mariadb_with_returning),
        cmocka_unit_test(test_detect_portable),
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
