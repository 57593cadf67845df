/*
 * test_money.c — parsing, formatting, tax rounding and overflow checks of
 * src/domain/money.c. Every assertion compares exact values, and every refused
 * input also checks that the output was left untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "domain/money.h"

/* A value no parser ever produces: shows that a refused input left the output alone. */
#define UNTOUCHED ((int64_t)-424242)

struct string_case {
    const char *text;
    int expected_rc;
    int64_t expected_cents; /* meaningful when expected_rc == MONEY_OK */
};

static const struct string_case string_cases[] = {
    /* Accepted forms. */
    {"0", MONEY_OK, 0},
    {"0.0", MONEY_OK, 0},
    {"0.00", MONEY_OK, 0},
    {"0.05", MONEY_OK, 5},
    {"0.5", MONEY_OK, 50},
    {"1", MONEY_OK, 100},
    {"12", MONEY_OK, 1200},
    {"12.5", MONEY_OK, 1250},
    {"12.50", MONEY_OK, 1250},
    {"12.05", MONEY_OK, 1205},
    {"19.99", MONEY_OK, 1999},
    {"100", MONEY_OK, 10000},
    {"1234.56", MONEY_OK, 123456},
    {"10.01", MONEY_OK, 1001},
    {"999999999.99", MONEY_OK, MONEY_MAX_CENTS},
    {"999999999", MONEY_OK, 99999999900LL},
    /* Syntax errors. */
    {"", MONEY_ERR_SYNTAX, 0},
    {"-", MONEY_ERR_SYNTAX, 0},
    {".", MONEY_ERR_SYNTAX, 0},
    {".5", MONEY_ERR_SYNTAX, 0},
    {"-.5", MONEY_ERR_SYNTAX, 0},
    {"12.", MONEY_ERR_SYNTAX, 0},
    {"+12", MONEY_ERR_SYNTAX, 0},
    {" 12", MONEY_ERR_SYNTAX, 0},
    {"12 ", MONEY_ERR_SYNTAX, 0},
    {"1 2", MONEY_ERR_SYNTAX, 0},
    {"1e2", MONEY_ERR_SYNTAX, 0},
    {"1E2", MONEY_ERR_SYNTAX, 0},
    {"1.5e1", MONEY_ERR_SYNTAX, 0},
    {"1,000", MONEY_ERR_SYNTAX, 0},
    {"1,000.00", MONEY_ERR_SYNTAX, 0},
    {"1_000", MONEY_ERR_SYNTAX, 0},
    {"12,50", MONEY_ERR_SYNTAX, 0},
    {"007", MONEY_ERR_SYNTAX, 0},
    {"00", MONEY_ERR_SYNTAX, 0},
    {"00.50", MONEY_ERR_SYNTAX, 0},
    {"01.5", MONEY_ERR_SYNTAX, 0},
    {"abc", MONEY_ERR_SYNTAX, 0},
    {"12abc", MONEY_ERR_SYNTAX, 0},
    {"1.2.3", MONEY_ERR_SYNTAX, 0},
    {"1..2", MONEY_ERR_SYNTAX, 0},
    {"$12", MONEY_ERR_SYNTAX, 0},
    {"12USD", MONEY_ERR_SYNTAX, 0},
    {"0x10", MONEY_ERR_SYNTAX, 0},
    {"NaN", MONEY_ERR_SYNTAX, 0},
    {"inf", MONEY_ERR_SYNTAX, 0},
    {"--1", MONEY_ERR_SYNTAX, 0},
    {"-+1", MONEY_ERR_SYNTAX, 0},
    {"1-", MONEY_ERR_SYNTAX, 0},
    {"\xd9\xa3", MONEY_ERR_SYNTAX, 0},  /* ARABIC-INDIC DIGIT THREE */
    {"\xef\xbc\x91", MONEY_ERR_SYNTAX, 0}, /* FULLWIDTH DIGIT ONE */
    {"-abc", MONEY_ERR_SYNTAX, 0},
    {"-1.5.0", MONEY_ERR_SYNTAX, 0},   /* syntax wins over the sign */
    {"-007", MONEY_ERR_SYNTAX, 0},
    {"1.500x", MONEY_ERR_SYNTAX, 0},   /* syntax wins over precision */
    /* Negative amounts. */
    {"-1", MONEY_ERR_NEGATIVE, 0},
    {"-0.01", MONEY_ERR_NEGATIVE, 0},
    {"-12.50", MONEY_ERR_NEGATIVE, 0},
    {"-0", MONEY_ERR_NEGATIVE, 0},
    {"-0.00", MONEY_ERR_NEGATIVE, 0},
    {"-1.500", MONEY_ERR_NEGATIVE, 0}, /* the sign wins over precision */
    {"-99999999999999999999", MONEY_ERR_NEGATIVE, 0},
    /* Too many decimals. */
    {"12.345", MONEY_ERR_PRECISION, 0},
    {"1.500", MONEY_ERR_PRECISION, 0},
    {"0.000", MONEY_ERR_PRECISION, 0},
    {"0.001", MONEY_ERR_PRECISION, 0},
    {"19.990000000000000000000000000", MONEY_ERR_PRECISION, 0},
    {"999999999.999", MONEY_ERR_PRECISION, 0},
    /* Out of range. */
    {"1000000000", MONEY_ERR_RANGE, 0},
    {"1000000000.00", MONEY_ERR_RANGE, 0},
    {"1000000000.001", MONEY_ERR_RANGE, 0}, /* range wins over precision */
    {"9223372036854775807", MONEY_ERR_RANGE, 0},
    {"9223372036854775808", MONEY_ERR_RANGE, 0},
    {"99999999999999999999999999999999999999.99", MONEY_ERR_RANGE, 0},
};

/* Every row of the table, through the length-delimited string parser. */
static void test_parse_string_table(void **state)
{
    (void)state;
    size_t count = sizeof string_cases / sizeof string_cases[0];
    assert_true(count >= 40);
    for (size_t i = 0; i < count; i++) {
        const struct string_case *c = &string_cases[i];
        int64_t cents = UNTOUCHED;
        int rc = money_parse_string(c->text, strlen(c->text), &cents);
        if (rc != c->expected_rc)
            fail_msg("\"%s\": rc %d, expected %d", c->text, rc, c->expected_rc);
        if (c->expected_rc == MONEY_OK)
            assert_int_equal(cents, c->expected_cents);
        else
            assert_int_equal(cents, UNTOUCHED);
    }
}

/* The same table wrapped in JSON strings gives the same answers. */
static void test_parse_json_string_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof string_cases / sizeof string_cases[0]; i++) {
        const struct string_case *c = &string_cases[i];
        json_t *value = json_stringn_nocheck(c->text, strlen(c->text));
        assert_non_null(value);
        int64_t cents = UNTOUCHED;
        int rc = money_parse_json(value, &cents);
        json_decref(value);
        if (rc != c->expected_rc)
            fail_msg("json \"%s\": rc %d, expected %d", c->text, rc, c->expected_rc);
        if (c->expected_rc == MONEY_OK)
            assert_int_equal(cents, c->expected_cents);
        else
            assert_int_equal(cents, UNTOUCHED);
    }
}

/* The length bounds the parse: no NUL terminator is needed, and bytes past len are ignored. */
static void test_parse_string_length_delimited(void **state)
{
    (void)state;
    int64_t cents = UNTOUCHED;
    assert_int_equal(money_parse_string("12.50garbage", 5, &cents), MONEY_OK);
    assert_int_equal(cents, 1250);
    assert_int_equal(money_parse_string("12.5", 2, &cents), MONEY_OK);
    assert_int_equal(cents, 1200);
    cents = UNTOUCHED;
    /* An embedded NUL is not a digit. */
    assert_int_equal(money_parse_string("1\0" "2", 3, &cents), MONEY_ERR_SYNTAX);
    assert_int_equal(money_parse_string("12\0", 3, &cents), MONEY_ERR_SYNTAX);
    assert_int_equal(money_parse_string(NULL, 0, &cents), MONEY_ERR_SYNTAX);
    assert_int_equal(money_parse_string("12", 0, &cents), MONEY_ERR_SYNTAX);
    assert_int_equal(cents, UNTOUCHED);

    json_t *with_nul = json_stringn("12\0" "5", 4);
    assert_non_null(with_nul);
    assert_int_equal(money_parse_json(with_nul, &cents), MONEY_ERR_SYNTAX);
    json_decref(with_nul);
    assert_int_equal(cents, UNTOUCHED);
}

struct json_case {
    const char *json_text;
    int expected_rc;
    int64_t expected_cents;
};

/* JSON documents parsed by jansson the way a request body is. */
static const struct json_case json_cases[] = {
    {"12", MONEY_OK, 1200},
    {"0", MONEY_OK, 0},
    {"-0", MONEY_OK, 0}, /* jansson reads "-0" as the integer 0: indistinguishable */
    {"12.5", MONEY_OK, 1250},
    {"12.50", MONEY_OK, 1250},
    {"0.1", MONEY_OK, 10},
    {"0.3", MONEY_OK, 30},
    {"0.30000000000000004", MONEY_OK, 30}, /* what JSON.stringify(0.1 + 0.2) sends */
    {"19.99", MONEY_OK, 1999},
    {"0.01", MONEY_OK, 1},
    {"1.15", MONEY_OK, 115},
    {"1.005e2", MONEY_OK, 10050},
    {"1e2", MONEY_OK, 10000},
    {"1E2", MONEY_OK, 10000},
    {"2.5e-1", MONEY_OK, 25},
    {"999999999.99", MONEY_OK, MONEY_MAX_CENTS},
    {"999999999", MONEY_OK, 99999999900LL},
    {"123456789.12", MONEY_OK, 12345678912LL},
    {"12.345", MONEY_ERR_PRECISION, 0},
    {"1.005", MONEY_ERR_PRECISION, 0},
    {"0.001", MONEY_ERR_PRECISION, 0},
    {"19.999", MONEY_ERR_PRECISION, 0},
    {"12.3401", MONEY_ERR_PRECISION, 0},
    {"1e-3", MONEY_ERR_PRECISION, 0},
    {"999999999.991", MONEY_ERR_PRECISION, 0},
    {"-1", MONEY_ERR_NEGATIVE, 0},
    {"-0.01", MONEY_ERR_NEGATIVE, 0},
    {"-12.5", MONEY_ERR_NEGATIVE, 0},
    {"-0.0", MONEY_ERR_NEGATIVE, 0},
    {"-1e300", MONEY_ERR_NEGATIVE, 0},
    {"1000000000", MONEY_ERR_RANGE, 0},
    {"1000000000.5", MONEY_ERR_RANGE, 0},
    {"9223372036854775807", MONEY_ERR_RANGE, 0},
    {"1e12", MONEY_ERR_RANGE, 0},
    {"1e300", MONEY_ERR_RANGE, 0},
    {"1.7976931348623157e308", MONEY_ERR_RANGE, 0},
    {"true", MONEY_ERR_SYNTAX, 0},
    {"false", MONEY_ERR_SYNTAX, 0},
    {"null", MONEY_ERR_SYNTAX, 0},
    {"{}", MONEY_ERR_SYNTAX, 0},
    {"{\"amount\": 12}", MONEY_ERR_SYNTAX, 0},
    {"[]", MONEY_ERR_SYNTAX, 0},
    {"[12]", MONEY_ERR_SYNTAX, 0},
    {"\"\"", MONEY_ERR_SYNTAX, 0},
    {"\"abc\"", MONEY_ERR_SYNTAX, 0},
    {"\"12.50\"", MONEY_OK, 1250},
    {"\"12.345\"", MONEY_ERR_PRECISION, 0},
    {"\"-1\"", MONEY_ERR_NEGATIVE, 0},
    {"\"1e2\"", MONEY_ERR_SYNTAX, 0},
};

static void test_parse_json_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof json_cases / sizeof json_cases[0]; i++) {
        const struct json_case *c = &json_cases[i];
        json_error_t error;
        json_t *value = json_loads(c->json_text, JSON_DECODE_ANY, &error);
        if (value == NULL)
            fail_msg("jansson refused %s: %s", c->json_text, error.text);
        int64_t cents = UNTOUCHED;
        int rc = money_parse_json(value, &cents);
        json_decref(value);
        if (rc != c->expected_rc)
            fail_msg("%s: rc %d, expected %d", c->json_text, rc, c->expected_rc);
        if (c->expected_rc == MONEY_OK)
            assert_int_equal(cents, c->expected_cents);
        else
            assert_int_equal(cents, UNTOUCHED);
    }
}

/* Reals produced by arithmetic rather than by parsing text. */
static void test_parse_json_computed_reals(void **state)
{
    (void)state;
    volatile double a = 0.1, b = 0.2, c = 0.3;
    int64_t cents = UNTOUCHED;

    json_t *sum = json_real(a + b);
    assert_int_equal(money_parse_json(sum, &cents), MONEY_OK);
    assert_int_equal(cents, 30);
    json_decref(sum);

    /* 0.01 added 1000 times drifts to 9.999999999999831: still ten dollars. */
    double total = 0;
    for (int i = 0; i < 1000; i++)
        total += 0.01;
    assert_true(total != 10.0);
    json_t *drifted = json_real(total);
    assert_int_equal(money_parse_json(drifted, &cents), MONEY_OK);
    assert_int_equal(cents, 1000);
    json_decref(drifted);

    /* 1.1 * 3 = 3.3000000000000003. */
    json_t *product = json_real(1.1 * 3);
    assert_int_equal(money_parse_json(product, &cents), MONEY_OK);
    assert_int_equal(cents, 330);
    json_decref(product);

    /* a + b - c is 5.55e-17, within tolerance of zero cents. */
    json_t *near_zero = json_real(a + b - c);
    assert_int_equal(money_parse_json(near_zero, &cents), MONEY_OK);
    assert_int_equal(cents, 0);
    json_decref(near_zero);

    /* Float drift scales with the amount: 999999999.99 two ulps off (what summing large
     * doubles produces) is x * 100 about 2.4e-5 away from an integer, beyond a fixed 1e-6
     * tolerance but still a two-decimal amount. */
    json_t *large_drift = json_real(nextafter(nextafter(999999999.99, INFINITY), INFINITY));
    assert_int_equal(money_parse_json(large_drift, &cents), MONEY_OK);
    assert_int_equal(cents, MONEY_MAX_CENTS);
    json_decref(large_drift);
    json_t *mid_drift = json_real(nextafter(nextafter(nextafter(123456789.12, 0), 0), 0));
    assert_int_equal(money_parse_json(mid_drift, &cents), MONEY_OK);
    assert_int_equal(cents, 12345678912LL);
    json_decref(mid_drift);
    /* The widened tolerance is still far from a third decimal at that size. */
    json_t *third_decimal = json_real(999999999.989);
    cents = UNTOUCHED;
    assert_int_equal(money_parse_json(third_decimal, &cents), MONEY_ERR_PRECISION);
    assert_int_equal(cents, UNTOUCHED);
    json_decref(third_decimal);

    /* Every two-decimal amount from 0.00 to 100.00 survives the trip through a double. */
    for (int64_t expected = 0; expected <= 10000; expected++) {
        char text[32];
        snprintf(text, sizeof text, "%lld.%02lld", (long long)(expected / 100), (long long)(expected % 100));
        json_t *real = json_loads(text, JSON_DECODE_ANY, NULL);
        assert_non_null(real);
        cents = UNTOUCHED;
        int rc = money_parse_json(real, &cents);
        json_decref(real);
        if (rc != MONEY_OK || cents != expected)
            fail_msg("%s: rc %d cents %lld", text, rc, (long long)cents);
    }

    /* Large genuine amounts near the maximum are not refused for their own binary rounding. */
    const int64_t large[] = {99999999999LL, 99999999998LL, 99999999901LL, 12345678901LL, 6710886401LL,
                             50000000001LL, 13421772799LL};
    for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
        char text[32];
        snprintf(text, sizeof text, "%lld.%02lld", (long long)(large[i] / 100), (long long)(large[i] % 100));
        json_t *real = json_loads(text, JSON_DECODE_ANY, NULL);
        assert_non_null(real);
        assert_true(json_is_real(real));
        cents = UNTOUCHED;
        int rc = money_parse_json(real, &cents);
        json_decref(real);
        if (rc != MONEY_OK || cents != large[i])
            fail_msg("%s: rc %d cents %lld", text, rc, (long long)cents);
    }
}

/* NULL is not an amount, and the JSON null singleton is refused like any other non-number. */
static void test_parse_json_non_values(void **state)
{
    (void)state;
    int64_t cents = UNTOUCHED;
    assert_int_equal(money_parse_json(NULL, &cents), MONEY_ERR_SYNTAX);
    assert_int_equal(money_parse_json(json_null(), &cents), MONEY_ERR_SYNTAX);
    assert_int_equal(money_parse_json(json_true(), &cents), MONEY_ERR_SYNTAX);
    assert_int_equal(money_parse_json(json_false(), &cents), MONEY_ERR_SYNTAX);
    /* jansson will not even build a NaN or an infinity. */
    assert_null(json_real(NAN));
    assert_null(json_real(INFINITY));
    json_t *big_integer = json_integer(INT64_MAX);
    assert_int_equal(money_parse_json(big_integer, &cents), MONEY_ERR_RANGE);
    json_decref(big_integer);
    json_t *min_integer = json_integer(INT64_MIN);
    assert_int_equal(money_parse_json(min_integer, &cents), MONEY_ERR_NEGATIVE);
    json_decref(min_integer);
    json_t *limit_integer = json_integer(MONEY_MAX_CENTS / 100 + 1);
    assert_int_equal(money_parse_json(limit_integer, &cents), MONEY_ERR_RANGE);
    json_decref(limit_integer);
    assert_int_equal(cents, UNTOUCHED);
}

static void assert_formats(int64_t cents, const char *expected)
{
    char out[24];
    memset(out, 'X', sizeof out);
    char *returned = money_format(cents, out);
    assert_ptr_equal(returned, out);
    assert_string_equal(out, expected);
}

static void test_format(void **state)
{
    (void)state;
    assert_formats(0, "0.00");
    assert_formats(5, "0.05");
    assert_formats(50, "0.50");
    assert_formats(99, "0.99");
    assert_formats(100, "1.00");
    assert_formats(101, "1.01");
    assert_formats(1250, "12.50");
    assert_formats(123456, "1234.56");
    assert_formats(-1, "-0.01");
    assert_formats(-5, "-0.05");
    assert_formats(-50, "-0.50");
    assert_formats(-100, "-1.00");
    assert_formats(-305, "-3.05");
    assert_formats(-123456, "-1234.56");
    assert_formats(MONEY_MAX_CENTS, "999999999.99");
    assert_formats(INT64_MAX, "92233720368547758.07");
    assert_formats(INT64_MIN, "-92233720368547758.08");
    assert_formats(INT64_MIN + 1, "-92233720368547758.07");
    /* The longest output, INT64_MIN, uses 22 of the 24 bytes. */
    char out[24];
    assert_int_equal(strlen(money_format(INT64_MIN, out)), 21);
}

/* Whatever is formatted parses back to the same cents. */
static void test_format_parse_round_trip(void **state)
{
    (void)state;
    const int64_t samples[] = {0, 1, 9, 10, 99, 100, 101, 1999, 123456, 100000, 9999999999LL, MONEY_MAX_CENTS};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char out[24];
        money_format(samples[i], out);
        int64_t cents = UNTOUCHED;
        assert_int_equal(money_parse_string(out, strlen(out), &cents), MONEY_OK);
        assert_int_equal(cents, samples[i]);
    }
}

static void test_tax_rate(void **state)
{
    (void)state;
    const struct json_case rate_cases[] = {
        {"\"8.25\"", MONEY_OK, 825},
        {"8.25", MONEY_OK, 825},
        {"\"8\"", MONEY_OK, 800},
        {"7", MONEY_OK, 700},
        {"0", MONEY_OK, 0},
        {"\"0.00\"", MONEY_OK, 0},
        {"\"0.05\"", MONEY_OK, 5},
        {"19.6", MONEY_OK, 1960},
        {"100", MONEY_OK, 10000},
        {"\"100.00\"", MONEY_OK, 10000},
        {"100.0", MONEY_OK, 10000},
        {"\"100.01\"", MONEY_ERR_RANGE, 0},
        {"100.01", MONEY_ERR_RANGE, 0},
        {"101", MONEY_ERR_RANGE, 0},
        {"\"1000000000\"", MONEY_ERR_RANGE, 0},
        {"\"8.255\"", MONEY_ERR_PRECISION, 0},
        {"8.255", MONEY_ERR_PRECISION, 0},
        {"\"-1\"", MONEY_ERR_NEGATIVE, 0},
        {"-8.25", MONEY_ERR_NEGATIVE, 0},
        {"\"8.25%\"", MONEY_ERR_SYNTAX, 0},
        {"\"\"", MONEY_ERR_SYNTAX, 0},
        {"true", MONEY_ERR_SYNTAX, 0},
        {"null", MONEY_ERR_SYNTAX, 0},
    };
    for (size_t i = 0; i < sizeof rate_cases / sizeof rate_cases[0]; i++) {
        const struct json_case *c = &rate_cases[i];
        json_t *value = json_loads(c->json_text, JSON_DECODE_ANY, NULL);
        assert_non_null(value);
        int64_t hundredths = UNTOUCHED;
        int rc = tax_rate_parse_json(value, &hundredths);
        json_decref(value);
        if (rc != c->expected_rc)
            fail_msg("rate %s: rc %d, expected %d", c->json_text, rc, c->expected_rc);
        if (c->expected_rc == MONEY_OK)
            assert_int_equal(hundredths, c->expected_cents);
        else
            assert_int_equal(hundredths, UNTOUCHED);
    }
    assert_int_equal(tax_rate_parse_json(NULL, &(int64_t){0}), MONEY_ERR_SYNTAX);

    char out[24];
    assert_string_equal(tax_rate_format(825, out), "8.25");
    assert_string_equal(tax_rate_format(800, out), "8.00");
    assert_string_equal(tax_rate_format(5, out), "0.05");
    assert_string_equal(tax_rate_format(0, out), "0.00");
    assert_string_equal(tax_rate_format(10000, out), "100.00");
}

static void assert_tax(int64_t subtotal, int64_t rate, int64_t expected)
{
    int64_t tax = UNTOUCHED;
    int rc = money_tax(subtotal, rate, &tax);
    if (rc != MONEY_OK || tax != expected)
        fail_msg("tax(%lld, %lld): rc %d tax %lld, expected %lld", (long long)subtotal, (long long)rate, rc,
                 (long long)tax, (long long)expected);
}

static void test_tax_rounding(void **state)
{
    (void)state;
    assert_tax(2500, 825, 206);   /* 206.25 -> 206: the API.md example, 25.00 at 8.25 % = 2.06 */
    assert_tax(1000, 825, 83);    /* 82.5 -> 83: exactly half rounds up */
    assert_tax(1, 50, 0);         /* 0.005 -> 0 */
    assert_tax(1, 5000, 1);       /* 0.5 -> 1 */
    assert_tax(1, 4999, 0);       /* 0.4999 -> 0 */
    assert_tax(3, 5000, 2);       /* 1.5 -> 2 */
    assert_tax(5000, 1, 1);       /* 0.5 -> 1 */
    assert_tax(4999, 1, 0);       /* 0.4999 -> 0 */
    assert_tax(15000, 1, 2);      /* 1.5 -> 2 */
    assert_tax(14999, 1, 1);      /* 1.4999 -> 1 */
    assert_tax(9999, 9999, 9998); /* 9998.0001 -> 9998 */
    assert_tax(19999, 10000, 19999);
    assert_tax(1999, 2000, 400);  /* 399.8 -> 400 */
    assert_tax(1999, 1960, 392);  /* 391.804 -> 392 */
    assert_tax(12345, 725, 895);  /* 895.0125 -> 895 */
    assert_tax(0, 825, 0);
    assert_tax(123456, 0, 0);
    assert_tax(0, 0, 0);
    assert_tax(MONEY_MAX_CENTS, 10000, MONEY_MAX_CENTS);
    assert_tax(MONEY_MAX_CENTS * 10000, 10000, MONEY_MAX_CENTS * 10000);  /* max price x max quantity */
    assert_tax(MONEY_MAX_CENTS * 10000, 825, 82499999999175LL);          /* 82499999999175.0 exactly */
    assert_tax(1000000000000000LL, 825, 82500000000000LL);
}

static void test_tax_overflow_edges(void **state)
{
    (void)state;
    assert_tax(INT64_MAX, 825, 760928193040519004LL);
    assert_tax(INT64_MAX, 1, 922337203685478LL);     /* ...5807 / 10000 = 0.5807 rounds up */
    assert_tax(INT64_MAX, 10000, INT64_MAX);         /* 100 %: exactly the subtotal */
    assert_tax(INT64_MAX, 0, 0);
    assert_tax(1, INT64_MAX, 922337203685478LL);     /* huge rate, small subtotal: still exact */
    assert_tax(10000, INT64_MAX, INT64_MAX);

    int64_t tax = UNTOUCHED;
    assert_int_equal(money_tax(INT64_MAX, 10001, &tax), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_tax(INT64_MAX, INT64_MAX, &tax), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_tax(10001, INT64_MAX, &tax), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_tax(INT64_MAX / 2, 20001, &tax), MONEY_ERR_OVERFLOW);
    assert_int_equal(tax, UNTOUCHED);

    assert_int_equal(money_tax(-1, 825, &tax), MONEY_ERR_NEGATIVE);
    assert_int_equal(money_tax(100, -1, &tax), MONEY_ERR_NEGATIVE);
    assert_int_equal(money_tax(INT64_MIN, 825, &tax), MONEY_ERR_NEGATIVE);
    assert_int_equal(tax, UNTOUCHED);
}

/* A tiny deterministic generator (xorshift64*), so a failure reproduces. */
static uint64_t next_random(uint64_t *seed)
{
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    return *seed * 2685821657736338717ULL;
}

/* Cross-checks money_tax against 128-bit arithmetic over many magnitudes. */
static void test_tax_against_reference(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 200000; i++) {
        int subtotal_bits = (int)(next_random(&seed) % 64);
        int rate_bits = (int)(next_random(&seed) % 64);
        /* Uniform bit lengths 0..63, so small, realistic and extreme values all occur. */
        int64_t subtotal = (int64_t)((next_random(&seed) >> 1) >> (63 - subtotal_bits));
        int64_t rate = (int64_t)((next_random(&seed) >> 1) >> (63 - rate_bits));
        __int128 product = (__int128)subtotal * rate;
        __int128 expected = product / 10000 + (product % 10000 >= 5000 ? 1 : 0);
        int64_t tax = UNTOUCHED;
        int rc = money_tax(subtotal, rate, &tax);
        if (expected > INT64_MAX) {
            if (rc != MONEY_ERR_OVERFLOW || tax != UNTOUCHED)
                fail_msg("tax(%lld, %lld): rc %d, expected overflow", (long long)subtotal, (long long)rate, rc);
        } else if (rc != MONEY_OK || tax != (int64_t)expected) {
            fail_msg("tax(%lld, %lld): rc %d tax %lld, expected %lld", (long long)subtotal, (long long)rate, rc,
                     (long long)tax, (long long)expected);
        }
    }
}

static void test_mul(void **state)
{
    (void)state;
    int64_t out = UNTOUCHED;
    assert_int_equal(money_mul(1250, 2, &out), MONEY_OK);
    assert_int_equal(out, 2500);
    assert_int_equal(money_mul(MONEY_MAX_CENTS, 10000, &out), MONEY_OK);
    assert_int_equal(out, 999999999990000LL);
    assert_int_equal(money_mul(INT64_MAX, 1, &out), MONEY_OK);
    assert_int_equal(out, INT64_MAX);
    assert_int_equal(money_mul(INT64_MAX / 2, 2, &out), MONEY_OK);
    assert_int_equal(out, INT64_MAX - 1);
    assert_int_equal(money_mul(0, INT64_MIN, &out), MONEY_OK);
    assert_int_equal(out, 0);
    assert_int_equal(money_mul(-1, INT64_MAX, &out), MONEY_OK);
    assert_int_equal(out, -INT64_MAX);
    assert_int_equal(money_mul(INT64_MIN, 1, &out), MONEY_OK);
    assert_int_equal(out, INT64_MIN);

    out = UNTOUCHED;
    assert_int_equal(money_mul(INT64_MAX, 2, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_mul(INT64_MAX / 2 + 1, 2, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_mul(INT64_MIN, -1, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_mul(-1, INT64_MIN, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_mul(INT64_MIN, 2, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_mul(4294967296LL, 4294967296LL, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(out, UNTOUCHED);
}

static void test_add(void **state)
{
    (void)state;
    int64_t out = UNTOUCHED;
    assert_int_equal(money_add(2500, 206, &out), MONEY_OK);
    assert_int_equal(out, 2706);
    assert_int_equal(money_add(INT64_MAX, 0, &out), MONEY_OK);
    assert_int_equal(out, INT64_MAX);
    assert_int_equal(money_add(INT64_MAX - 1, 1, &out), MONEY_OK);
    assert_int_equal(out, INT64_MAX);
    assert_int_equal(money_add(INT64_MIN, INT64_MAX, &out), MONEY_OK);
    assert_int_equal(out, -1);
    assert_int_equal(money_add(INT64_MIN, 0, &out), MONEY_OK);
    assert_int_equal(out, INT64_MIN);

    out = UNTOUCHED;
    assert_int_equal(money_add(INT64_MAX, 1, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_add(1, INT64_MAX, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_add(INT64_MAX, INT64_MAX, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_add(INT64_MIN, -1, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(money_add(INT64_MIN, INT64_MIN, &out), MONEY_ERR_OVERFLOW);
    assert_int_equal(out, UNTOUCHED);
}

static void test_error_codes(void **state)
{
    (void)state;
    assert_null(money_error_code(MONEY_OK));
    assert_string_equal(money_error_code(MONEY_ERR_SYNTAX), "invalid_amount");
    assert_string_equal(money_error_code(MONEY_ERR_PRECISION), "too_many_decimals");
    assert_string_equal(money_error_code(MONEY_ERR_NEGATIVE), "must_not_be_negative");
    assert_string_equal(money_error_code(MONEY_ERR_RANGE), "out_of_range");
    assert_string_equal(money_error_code(MONEY_ERR_OVERFLOW), "overflow");
    assert_string_equal(money_error_code(-99), "invalid_amount");
    assert_string_equal(money_error_code(7), "invalid_amount");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_string_table),
        cmocka_unit_test(test_parse_json_string_table),
        cmocka_unit_test(test_parse_string_length_delimited),
        cmocka_unit_test(test_parse_json_table),
        cmocka_unit_test(test_parse_json_computed_reals),
        cmocka_unit_test(test_parse_json_non_values),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_parse_round_trip),
        cmocka_unit_test(test_tax_rate),
        cmocka_unit_test(test_tax_rounding),
        cmocka_unit_test(test_tax_overflow_edges),
        cmocka_unit_test(test_tax_against_reference),
        cmocka_unit_test(test_mul),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_error_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
