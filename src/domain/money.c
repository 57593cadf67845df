/*
 * money.c — parsing, formatting and arithmetic of money and tax rates in
 * integer cents. Pure: no I/O, no allocation; jansson is used only to read
 * the json_t the caller passes.
 */
#include "domain/money.h"

#include <float.h>
#include <math.h>

/* Tax rates are hundredths of a percent, so this divisor turns cents times a rate into cents. */
#define TAX_RATE_DIVISOR 10000

/* The integer part of an input amount is refused as out of range beyond this many
 * digits without being accumulated, so accumulation can never overflow int64
 * (10^15 * 100 < 2^63). The exact limit is MONEY_MAX_CENTS, checked afterwards. */
#define MONEY_INTEGER_DIGITS_GUARD 15

/* An ASCII decimal digit. isdigit() is not used: it depends on the locale. */
static int is_ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * The scan is done in full before any value is computed, so a malformed string
 * is always SYNTAX whatever else is wrong with it; then the sign (NEGATIVE), the
 * size of the integer part (RANGE) and the number of fraction digits
 * (PRECISION) are judged in that order.
 */
int money_parse_string(const char *s, size_t len, int64_t *cents)
{
    if (s == NULL || len == 0)
        return MONEY_ERR_SYNTAX;

    size_t pos = 0;
    int negative = 0;
    if (s[0] == '-') {
        negative = 1;
        pos = 1;
    }

    size_t integer_start = pos;
    while (pos < len && is_ascii_digit(s[pos]))
        pos++;
    size_t integer_digits = pos - integer_start;
    if (integer_digits == 0)
        return MONEY_ERR_SYNTAX; /* "", "-", ".5", "+1", " 1", "abc" */
    if (integer_digits > 1 && s[integer_start] == '0')
        return MONEY_ERR_SYNTAX; /* "007", "00.50" */

    size_t fraction_start = pos;
    size_t fraction_digits = 0;
    if (pos < len && s[pos] == '.') {
        pos++;
        fraction_start = pos;
        while (pos < len && is_ascii_digit(s[pos]))
            pos++;
        fraction_digits = pos - fraction_start;
        if (fraction_digits == 0)
            return MONEY_ERR_SYNTAX; /* "12." */
    }
    if (pos != len)
        return MONEY_ERR_SYNTAX; /* trailing garbage: "1e2", "1,000", "12.5 ", "1.2.3", NUL */

    if (negative)
        return MONEY_ERR_NEGATIVE;
    if (integer_digits > MONEY_INTEGER_DIGITS_GUARD)
        return MONEY_ERR_RANGE;

    int64_t value = 0;
    for (size_t i = integer_start; i < integer_start + integer_digits; i++)
        value = value * 10 + (s[i] - '0');
    value *= 100;
    if (fraction_digits >= 1)
        value += 10 * (s[fraction_start] - '0');
    if (fraction_digits >= 2)
        value += s[fraction_start + 1] - '0';
    if (value > MONEY_MAX_CENTS)
        return MONEY_ERR_RANGE;
    if (fraction_digits > 2)
        return MONEY_ERR_PRECISION; /* "12.345", and "1.500" too: the client sent three decimals */

    *cents = value;
    return MONEY_OK;
}

/*
 * Converts a JSON real (a double: its decimal text is no longer available) into
 * cents. The cents are the nearest integer to x * 100, and they are kept only
 * when x * 100 is that close to an integer that x can only have been written
 * with at most two decimals, give or take the binary rounding of the client's
 * own arithmetic (0.1 + 0.2). The tolerance is 1e-6 cents, or eight units of
 * double rounding of x * 100 when that is larger (from about 5 * 10^8 cents
 * up): above about 10^10 cents one unit of rounding of x * 100 is itself more
 * than 1e-6, so a fixed tolerance would refuse a large amount that is only a
 * couple of ulps off, as sums of doubles are. A third decimal moves x * 100 by
 * at least 0.1 cents from an integer, far outside either tolerance.
 */
static int money_from_double(double x, int64_t *cents)
{
    if (!isfinite(x))
        return MONEY_ERR_SYNTAX;
    if (signbit(x))
        return MONEY_ERR_NEGATIVE; /* -0.0 too, as "-0" is for strings */
    if (x >= 1e12)
        return MONEY_ERR_RANGE; /* also keeps llround below well inside long long */

    double scaled = x * 100.0;
    long long rounded = llround(scaled);
    if (rounded > MONEY_MAX_CENTS)
        return MONEY_ERR_RANGE;
    double tolerance = fmax(1e-6, scaled * 8.0 * DBL_EPSILON);
    if (!(fabs(scaled - (double)rounded) < tolerance))
        return MONEY_ERR_PRECISION;

    *cents = (int64_t)rounded;
    return MONEY_OK;
}

/*
 * Dispatches on the JSON type: strings follow the text rules, integers are
 * exact, reals go through money_from_double, anything else is not an amount.
 */
int money_parse_json(const json_t *v, int64_t *cents)
{
    if (v == NULL)
        return MONEY_ERR_SYNTAX;
    if (json_is_string(v))
        return money_parse_string(json_string_value(v), json_string_length(v), cents);
    if (json_is_integer(v)) {
        json_int_t whole_units = json_integer_value(v);
        if (whole_units < 0)
            return MONEY_ERR_NEGATIVE;
        if (whole_units > MONEY_MAX_CENTS / 100)
            return MONEY_ERR_RANGE;
        *cents = (int64_t)whole_units * 100;
        return MONEY_OK;
    }
    if (json_is_real(v))
        return money_from_double(json_real_value(v), cents);
    return MONEY_ERR_SYNTAX; /* true, false, null, object, array */
}

/*
 * Formats by hand rather than with snprintf so the output size is evident: at
 * most '-', 20 digits, '.', NUL = 23 bytes. The magnitude is taken in uint64_t
 * (0 - (uint64_t)cents), which is defined for INT64_MIN where -cents is not.
 */
char *money_format(int64_t cents, char out[24])
{
    uint64_t magnitude = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    char reversed_digits[20];
    size_t digit_count = 0;
    /* At least three digits: two decimals and one integer digit ("0.05"). */
    do {
        reversed_digits[digit_count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0 || digit_count < 3);

    size_t pos = 0;
    if (cents < 0)
        out[pos++] = '-';
    while (digit_count > 2)
        out[pos++] = reversed_digits[--digit_count];
    out[pos++] = '.';
    out[pos++] = reversed_digits[1];
    out[pos++] = reversed_digits[0];
    out[pos] = '\0';
    return out;
}

/* A rate is an amount with the same syntax and precision, capped at 100 %. */
int tax_rate_parse_json(const json_t *v, int64_t *hundredths)
{
    int64_t value;
    int rc = money_parse_json(v, &value);
    if (rc != MONEY_OK)
        return rc;
    if (value > TAX_RATE_MAX_HUNDREDTHS)
        return MONEY_ERR_RANGE;
    *hundredths = value;
    return MONEY_OK;
}

/* Hundredths of a percent print exactly like cents: 825 -> "8.25". */
char *tax_rate_format(int64_t hundredths, char out[24])
{
    return money_format(hundredths, out);
}

/*
 * With B = 10000, write the subtotal as S = a*B + r and the rate as R = c*B + d
 * (0 <= r, d < B). Then S*R/B = a*R + r*c + r*d/B, where the first two terms are
 * integers, so round_half_up(S*R/B) = a*R + r*c + floor((r*d + B/2) / B).
 * r*d < 10^8 cannot overflow; a*R and r*c are each at most the exact result, as
 * is every partial sum, so an overflow reported by the builtins means the tax
 * itself does not fit in int64, and a tax that fits is always computed.
 */
int money_tax(int64_t subtotal_cents, int64_t rate_hundredths, int64_t *tax_cents)
{
    if (subtotal_cents < 0 || rate_hundredths < 0)
        return MONEY_ERR_NEGATIVE;

    int64_t subtotal_whole = subtotal_cents / TAX_RATE_DIVISOR;
    int64_t subtotal_rest = subtotal_cents % TAX_RATE_DIVISOR;
    int64_t rate_whole = rate_hundredths / TAX_RATE_DIVISOR;
    int64_t rate_rest = rate_hundredths % TAX_RATE_DIVISOR;

    int64_t tax_from_whole, tax_from_rest_whole, tax;
    if (__builtin_mul_overflow(subtotal_whole, rate_hundredths, &tax_from_whole))
        return MONEY_ERR_OVERFLOW;
    if (__builtin_mul_overflow(subtotal_rest, rate_whole, &tax_from_rest_whole))
        return MONEY_ERR_OVERFLOW;
    int64_t rest_rounded = (subtotal_rest * rate_rest + TAX_RATE_DIVISOR / 2) / TAX_RATE_DIVISOR;
    if (__builtin_add_overflow(tax_from_whole, tax_from_rest_whole, &tax))
        return MONEY_ERR_OVERFLOW;
    if (__builtin_add_overflow(tax, rest_rounded, &tax))
        return MONEY_ERR_OVERFLOW;

    *tax_cents = tax;
    return MONEY_OK;
}

/* The builtin computes the product in infinite precision and reports whether it fits. */
int money_mul(int64_t cents, int64_t quantity, int64_t *out)
{
    int64_t product;
    if (__builtin_mul_overflow(cents, quantity, &product))
        return MONEY_ERR_OVERFLOW;
    *out = product;
    return MONEY_OK;
}

/* The builtin computes the sum in infinite precision and reports whether it fits. */
int money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t sum;
    if (__builtin_add_overflow(a, b, &sum))
        return MONEY_ERR_OVERFLOW;
    *out = sum;
    return MONEY_OK;
}

/* The codes are part of the API contract (the 422 "errors" array): never rename them. */
const char *money_error_code(int err)
{
    switch (err) {
    case MONEY_OK:
        return NULL;
    case MONEY_ERR_PRECISION:
        return "too_many_decimals";
    case MONEY_ERR_NEGATIVE:
        return "must_not_be_negative";
    case MONEY_ERR_RANGE:
        return "out_of_range";
    case MONEY_ERR_OVERFLOW:
        return "overflow";
    case MONEY_ERR_SYNTAX:
    default:
        return "invalid_amount";
    }
}
