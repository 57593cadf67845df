/*
 * test_statements.c — the statement table is complete, in id order, and
 * each SQL text has exactly as many '?' placeholders as its declared
 * parameter count (db.c asserts the same against the server when it
 * prepares them; this catches it without one), and as many columns in its
 * select list (or RETURNING list) as it declares (db.c refuses a result of
 * another width: db_result_shape_matches).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/db.h"
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

/* Skips a quoted literal or identifier starting at p; returns past its end. */
static const char *skip_quoted(const char *p)
{
    char quote = *p++;
    while (*p != '\0' && *p != quote) {
        if (*p == '\\' && quote != '`' && p[1] != '\0')
            p++;
        p++;
    }
    return *p == quote ? p + 1 : p;
}

/* 1 when the keyword kw starts at p as a whole word (p > sql). */
static int keyword_at(const char *sql, const char *p, const char *kw)
{
    size_t n = strlen(kw);
    if (strncmp(p, kw, n) != 0)
        return 0;
    int before = p == sql || p[-1] == ' ' || p[-1] == ')';
    int after = p[n] == '\0' || p[n] == ' ' || p[n] == '(';
    return before && after;
}

/*
 * The number of columns a statement's rows have, read from its text: the
 * items of the select list (from a leading SELECT to the FROM at the top
 * level, or the end) or of a top-level RETURNING list, counted by their
 * commas outside parentheses and quotes; 0 for a statement with neither.
 */
static unsigned count_columns(const char *sql)
{
    const char *p = NULL;
    if (strncmp(sql, "SELECT ", 7) == 0) {
        p = sql + 7;
    } else {
        int depth = 0;
        for (const char *q = sql; *q != '\0';) {
            if (*q == '\'' || *q == '"' || *q == '`') {
                q = skip_quoted(q);
                continue;
            }
            if (*q == '(')
                depth++;
            else if (*q == ')')
                depth--;
            else if (depth == 0 && keyword_at(sql, q, "RETURNING")) {
                p = q + strlen("RETURNING");
                break;
            }
            q++;
        }
        if (p == NULL)
            return 0;
    }
    unsigned columns = 1;
    int depth = 0;
    while (*p != '\0') {
        if (*p == '\'' || *p == '"' || *p == '`') {
            p = skip_quoted(p);
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        else if (depth == 0 && *p == ',')
            columns++;
        else if (depth == 0 && keyword_at(sql, p, "FROM"))
            break;
        p++;
    }
    return columns;
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

/* The column counter itself. */
static void test_column_counter(void **state)
{
    (void)state;
    assert_int_equal(count_columns("SELECT 1"), 1);
    assert_int_equal(count_columns("SELECT a, b FROM t WHERE c IN (1, 2)"), 2);
    assert_int_equal(count_columns("SELECT DATE_FORMAT(d, '%Y,%m'), ',' FROM t"), 2);
    assert_int_equal(count_columns("SELECT a, EXISTS (SELECT 1, 2 FROM u) FROM t"), 2);
    assert_int_equal(count_columns("SELECT a, `x,FROM` FROM t"), 2);
    assert_int_equal(count_columns("INSERT INTO t(a, b) VALUES (?, ?) RETURNING id, a, b"), 3);
    assert_int_equal(count_columns("INSERT INTO t(a, b) VALUES (?, ?)"), 0);
    assert_int_equal(count_columns("UPDATE t SET a = 'RETURNING x, y' WHERE id = ?"), 0);
    assert_int_equal(count_columns("DELETE FROM t WHERE a < ?"), 0);
}

/* Each statement declares as many result columns as its SQL returns, and
 * has its own name for the logs. */
static void test_columns_match_ncolumns(void **state)
{
    (void)state;
    for (size_t i = 0; i < STMT_COUNT; i++) {
        unsigned found = count_columns(STATEMENTS[i].sql);
        if (found != STATEMENTS[i].ncolumns)
            fail_msg("%s declares %u result columns but has %u: %s", STATEMENTS[i].name,
                     STATEMENTS[i].ncolumns, found, STATEMENTS[i].sql);
        assert_non_null(STATEMENTS[i].name);
        assert_int_equal(strncmp(STATEMENTS[i].name, "STMT_", 5), 0);
    }
    assert_string_equal(STATEMENTS[STMT_ORDER_GET].name, "STMT_ORDER_GET");
}

/* db.c takes a result only at the declared width. */
static void test_result_shape_check(void **state)
{
    (void)state;
    assert_true(db_result_shape_matches(STMT_PING, 1));
    assert_false(db_result_shape_matches(STMT_PING, 0));
    assert_false(db_result_shape_matches(STMT_PING, 2));
    assert_true(db_result_shape_matches(STMT_USER_AUTH_STATE, 2));
    assert_false(db_result_shape_matches(STMT_USER_AUTH_STATE, 3));
    assert_true(db_result_shape_matches(STMT_USER_DELETE, 0));
    assert_false(db_result_shape_matches(STMT_USER_DELETE, 1));
    assert_true(db_result_shape_matches(STMT_ORDER_GET, STATEMENTS[STMT_ORDER_INSERT_RETURNING].ncolumns));
    assert_true(db_result_shape_matches(STMT_ORDER_INSERT, 0));
    assert_false(db_result_shape_matches(STMT_COUNT, 0));
}

/* Whether sql has the keyword kw outside parentheses and quotes. */
static int has_top_level_keyword(const char *sql, const char *kw)
{
    int depth = 0;
    for (const char *q = sql; *q != '\0';) {
        if (*q == '\'' || *q == '"' || *q == '`') {
            q = skip_quoted(q);
            continue;
        }
        if (*q == '(')
            depth++;
        else if (*q == ')')
            depth--;
        else if (depth == 0 && keyword_at(sql, q, kw))
            return 1;
        q++;
    }
    return 0;
}

/*
 * The portable ("mysql") dialect never sees RETURNING: exactly the
 * statements that have it are marked mariadb_only (db.c neither prepares
 * nor runs those on a portable connection), and the order insert's
 * portable twin is the same INSERT without it.
 */
static void test_returning_only_in_mariadb_statements(void **state)
{
    (void)state;
    assert_true(has_top_level_keyword("INSERT INTO t(a) VALUES (?) RETURNING id", "RETURNING"));
    assert_false(has_top_level_keyword("SELECT 'RETURNING' FROM t", "RETURNING"));
    for (size_t i = 0; i < STMT_COUNT; i++) {
        int returning = has_top_level_keyword(STATEMENTS[i].sql, "RETURNING");
        if (returning != STATEMENTS[i].mariadb_only)
            fail_msg("%s: RETURNING %s but mariadb_only is %d", STATEMENTS[i].name,
                     returning ? "used" : "not used", STATEMENTS[i].mariadb_only);
    }
    const char *portable = STATEMENTS[STMT_ORDER_INSERT].sql;
    const char *mariadb = STATEMENTS[STMT_ORDER_INSERT_RETURNING].sql;
    assert_int_equal(strncmp(portable, mariadb, strlen(portable)), 0);
    assert_int_equal(strncmp(mariadb + strlen(portable), " RETURNING ", 11), 0);
    assert_int_equal(STATEMENTS[STMT_ORDER_INSERT].nparams, STATEMENTS[STMT_ORDER_INSERT_RETURNING].nparams);
    assert_int_equal(STATEMENTS[STMT_ORDER_INSERT_RETURNING].ncolumns, STATEMENTS[STMT_ORDER_GET].ncolumns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_skips_quotes_and_comments),
        cmocka_unit_test(test_table_is_complete_and_in_order),
        cmocka_unit_test(test_placeholders_match_nparams),
        cmocka_unit_test(test_column_counter),
        cmocka_unit_test(test_columns_match_ncolumns),
        cmocka_unit_test(test_result_shape_check),
        cmocka_unit_test(test_returning_only_in_mariadb_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
