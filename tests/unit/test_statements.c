/*
 * test_statements.c — the statement table is complete, in id order, and
 * each SQL text has exactly as many '?' placeholders as its declared
 * parameter count (db.c asserts the same against the server when it
 * prepares them; this catches it without one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/statements.h"

/*
 * Counts '?' placeholders outside string literals ('…', "…"), quoted
 * identifiers (`…`) and comments (-- …, # …, slash-star … star-slash).  A
 * quote inside a literal is escaped with a backslash or by doubling it;
 * doubling needs no special case, since it closes and reopens the literal.
 */
static unsigned count_placeholders(const char *sql)
{
    unsigned count = 0;
    const char *p = sql;

    while (*p != '\0') {
        if (*p == '\'' || *p == '"' || *p == '`') {
            char quote = *p++;
            while (*p != '\0' && *p != quote) {
                if (*p == '\\' && quote != '`' && p[1] != '\0')
                    p++;
                p++;
            }
            if (*p == quote)
                p++;
        } else if ((p[0] == '-' && p[1] == '-') || p[0] == '#') {
            while (*p != '\0' && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            p += 2;
            while (*p != '\0' && !(p[0] == '*' && p[1] == '/'))
                p++;
            if (*p != '\0')
                p += 2;
        } else {
            if (*p == '?')
                count++;
            p++;
        }
    }
    return count;
}

/* The counter itself, on the cases it must get right. */
static void test_counter_skips_quotes_and_comments(void **state)
{
    (void)state;
    assert_int_equal(count_placeholders("SELECT 1"), 0);
    assert_int_equal(count_placeholders("SELECT ? , ?"), 2);
    assert_int_equal(count_placeholders("SELECT '?', \"?\", `?` FROM t WHERE a = ?"), 1);
    assert_int_equal(count_placeholders("SELECT 'it''s ?' , 'a\\'?' , ?"), 1);
    assert_int_equal(count_placeholders("SELECT ? -- why?\n, ? /* ? */ # ?"), 2);
    assert_int_equal(count_placeholders("SELECT 'unterminated ?"), 0);
}

/* Every enum stmt_id has its entry at its own index, with some SQL. */
static void test_table_is_complete_and_in_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < STMT_COUNT; i++) {
        assert_int_equal((size_t)STATEMENTS[i].id, i);
        assert_non_null(STATEMENTS[i].sql);
        assert_true(strlen(STATEMENTS[i].sql) > 0);
    }
}

/* Each statement declares as many parameters as its SQL has. */
static void test_placeholders_match_nparams(void **state)
{
    (void)state;
    for (size_t i = 0; i < STMT_COUNT; i++) {
        unsigned found = count_placeholders(STATEMENTS[i].sql);
        if (found != STATEMENTS[i].nparams)
            fail_msg("statement %zu declares %u parameters but has %u: %s", i,
                     STATEMENTS[i].nparams, found, STATEMENTS[i].sql);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_skips_quotes_and_comments),
        cmocka_unit_test(test_table_is_complete_and_in_order),
        cmocka_unit_test(test_placeholders_match_nparams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
