/*
 * test_csv.c — CSV lines (src/http/csv.c): RFC 4180 quoting and the formula
 * guard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/csv.h"

static const char *line_of(const char *const *cells, size_t n, char *buf, size_t cap)
{
    struct csv_line l;
    csv_line_start(&l, buf, cap);
    for (size_t i = 0; i < n; i++)
        csv_cell(&l, cells[i], cells[i] ? strlen(cells[i]) : 0);
    return csv_line_end(&l) ? buf : NULL;
}

static void test_quoting(void **state)
{
    (void)state;
    char buf[256];
    const char *plain[] = {"1", "ORD-20261201-0001", "Ada Lovelace", NULL, "27.50"};
    assert_string_equal(line_of(plain, 5, buf, sizeof buf), "1,ORD-20261201-0001,Ada Lovelace,,27.50\r\n");
    const char *quoted[] = {"a,b", "say \"hi\"", "two\nlines", "cr\rhere", "ok"};
    assert_string_equal(line_of(quoted, 5, buf, sizeof buf),
                        "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",ok\r\n");
}

static void test_formula_guard(void **state)
{
    (void)state;
    char buf[256];
    const char *risky[] = {"=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "a=b", "1-2"};
    assert_string_equal(line_of(risky, 8, buf, sizeof buf),
                        "\"'=HYPERLINK(\"\"x\"\")\",'+1,'-2,'@SUM(A1),'\tx,\"'\rx\",a=b,1-2\r\n");
}

static void test_overflow_is_refused(void **state)
{
    (void)state;
    char buf[8];
    const char *cells[] = {"12345678"};
    assert_null(line_of(cells, 1, buf, sizeof buf));
    const char *fits[] = {"12345"};
    assert_string_equal(line_of(fits, 1, buf, sizeof buf), "12345\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_formula_guard),
        cmocka_unit_test(test_overflow_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
