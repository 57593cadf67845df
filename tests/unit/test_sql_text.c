/*
 * test_sql_text.c — placeholder text of composed statements
 * (src/store/sql_text.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arena.h"
#include "store/sql_text.h"

static int setup(void **state)
{
    *state = arena_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

static void test_in_list(void **state)
{
    struct arena *a = *state;
    assert_string_equal(sql_in_list(a, 0), "");
    assert_string_equal(sql_in_list(a, 1), "?");
    assert_string_equal(sql_in_list(a, 4), "?,?,?,?");
}

static void test_repeated_with_separator(void **state)
{
    struct arena *a = *state;
    assert_string_equal(sql_repeated(a, 2, " WHEN ? THEN ?", ""), " WHEN ? THEN ? WHEN ? THEN ?");
    assert_string_equal(sql_repeated(a, 3, "?", ", "), "?, ?, ?");
}

static void test_groups(void **state)
{
    struct arena *a = *state;
    assert_string_equal(sql_groups(a, 1, 1), "(?)");
    assert_string_equal(sql_groups(a, 2, 3), "(?,?,?),(?,?,?)");
    assert_string_equal(sql_groups(a, 0, 3), "");
    assert_null(sql_groups(a, 2, 0));
}

static void test_overflowing_count_is_refused(void **state)
{
    struct arena *a = *state;
    assert_null(sql_repeated(a, SIZE_MAX / 2, "??", ","));
    assert_null(sql_groups(a, SIZE_MAX / 3, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_with_separator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overflowing_count_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
