/*
 * money.h — money and tax-rate rules as pure functions (no I/O, no allocation).
 *
 * Money is int64 cents. Tax rates are int64 hundredths of a percent ("8.25" -> 825).
 * The HTTP contract (API.md, "Conventions") says money goes out as a JSON string
 * with exactly two decimals, comes in as a string or a number with at most two
 * decimals, and is never computed in double: every function here works on
 * integers, and the one place a double appears (a JSON real) is converted with
 * an explicit exactness check.
 *
 * Every parser returns 0 (MONEY_OK) or one negative enum money_error; on error
 * the output is left untouched. money_error_code() turns an error into the
 * stable "code" for the 422 errors array.
 */
#ifndef ORDERAPI_MONEY_H
#define ORDERAPI_MONEY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* 999,999,999.99: larger amounts are refused on input. */
#define MONEY_MAX_CENTS 99999999999LL
/* 100.00 percent: the largest tax rate accepted on input. */
#define TAX_RATE_MAX_HUNDREDTHS 10000LL

enum money_error {
    MONEY_OK = 0,
    MONEY_ERR_SYNTAX = -1,
    MONEY_ERR_PRECISION = -2,
    MONEY_ERR_NEGATIVE = -3,
    MONEY_ERR_RANGE = -4,
    MONEY_ERR_OVERFLOW = -5,
};

/*
 * Parses the decimal text s[0..len) (not NUL-terminated; an embedded NUL is a
 * syntax error) into cents. Accepted: digits, then optionally '.' and one or two
 * fraction digits ("12", "12.5", "12.50", "0.05"). Refused as MONEY_ERR_SYNTAX:
 * the empty string, spaces, '+', exponents, a leading or trailing '.', thousands
 * separators, and leading zeros beyond one ("007"). A leading '-' is recognised
 * only so that an otherwise well-formed negative amount ("-1", and also "-0")
 * is reported as MONEY_ERR_NEGATIVE rather than as a syntax error. More than two
 * fraction digits is MONEY_ERR_PRECISION, even when they are zeros ("1.500").
 * More than MONEY_MAX_CENTS is MONEY_ERR_RANGE. When several rules are broken
 * the first of SYNTAX, NEGATIVE, RANGE, PRECISION is reported.
 */
int money_parse_string(const char *s, size_t len, int64_t *cents);

/*
 * Parses a JSON value into cents: a JSON string by the rules of
 * money_parse_string, or a JSON number. An integer is exact (12 -> 1200). A real
 * is a double in jansson, its decimal text is gone, so the result never comes
 * from double arithmetic alone: the candidate cents = llround(x * 100) is
 * accepted only when x * 100 lies within 1e-6 of it (widened in proportion to
 * the magnitude from about 5 * 10^8 cents up, so that float drift of a few ulps
 * on a large amount is tolerated as it is on a small one). This accepts 12.5
 * and 0.1+0.2-style representations of two-decimal values and refuses 12.345
 * (PRECISION). Negative numbers (including -0.0) are NEGATIVE; amounts above
 * MONEY_MAX_CENTS are RANGE; true, false, null, objects, arrays and a NULL
 * pointer are SYNTAX.
 */
int money_parse_json(const json_t *v, int64_t *cents);

/*
 * Writes cents as a decimal with exactly two fraction digits ("12.50",
 * "-3.05", "0.00") into out, which has room for 24 bytes; every int64 value,
 * INT64_MIN included, fits. Returns out.
 */
char *money_format(int64_t cents, char out[24]);

/*
 * Parses a tax rate given as a percent, "8.25" or 8.25, into hundredths of a
 * percent (825). The rules are money_parse_json's, and a rate above 100.00
 * (TAX_RATE_MAX_HUNDREDTHS) is MONEY_ERR_RANGE. 0 is a valid rate.
 */
int tax_rate_parse_json(const json_t *v, int64_t *hundredths);

/* Writes a tax rate in hundredths of a percent as "8.25" (825), "8.00" (800). Returns out. */
char *tax_rate_format(int64_t hundredths, char out[24]);

/*
 * Computes the tax on a subtotal, round_half_up(subtotal_cents * rate_hundredths
 * / 10000), in exact integer arithmetic: the rate is in hundredths of a percent,
 * so 10000 means 100 %. The subtotal is split into whole multiples of 10000 and
 * a remainder so that no intermediate product is larger than it needs to be;
 * every multiplication and addition is checked with the compiler's overflow
 * builtins. Returns 0, MONEY_ERR_OVERFLOW when the tax does not fit in int64
 * (tax_cents untouched), or MONEY_ERR_NEGATIVE when an input is negative, which
 * callers must not pass.
 */
int money_tax(int64_t subtotal_cents, int64_t rate_hundredths, int64_t *tax_cents);

/* Computes cents * quantity into out. Returns 0, or MONEY_ERR_OVERFLOW (out untouched). */
int money_mul(int64_t cents, int64_t quantity, int64_t *out);

/* Computes a + b into out. Returns 0, or MONEY_ERR_OVERFLOW (out untouched). */
int money_add(int64_t a, int64_t b, int64_t *out);

/*
 * The stable client-facing code for an error: "invalid_amount" (SYNTAX),
 * "too_many_decimals", "must_not_be_negative", "out_of_range", "overflow".
 * MONEY_OK gives NULL (like the validate_* functions); any other unknown value
 * gives "invalid_amount".
 */
const char *money_error_code(int err);

#endif
