/*
 * fuzz_money.c — money and tax-rate parsing, formatting and arithmetic.
 *
 * Invariants: an accepted amount formats back to text that parses to the
 * same cents (and is the input itself when that had two decimals); any
 * int64 formats to text that parses back or is refused with the right
 * error; a JSON amount agrees with the string rules for strings and stays
 * within a millionth of a cent of a real; tax, product and sum agree with
 * 128-bit reference arithmetic, overflow included.
 */
#include <jansson.h>
#include <math.h>

#include "fuzz_common.h"

#include "domain/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t len)
{
    int64_t cents = -1;
    char formatted[24];
    int64_t again = -1;
    const char *dot;

    if (money_parse_string(s, len, &cents) != MONEY_OK) {
        FUZZ_CHECK(cents == -1); /* untouched on error */
        return;
    }
    FUZZ_CHECK(cents >= 0 && cents <= MONEY_MAX_CENTS);
    money_format(cents, formatted);
    FUZZ_CHECK(money_parse_string(formatted, strlen(formatted), &again) == MONEY_OK && again == cents);
    dot = memchr(s, '.', len);
    if (dot != NULL && (size_t)(s + len - dot) == 3)
        FUZZ_CHECK(strlen(formatted) == len && memcmp(formatted, s, len) == 0);
    if (dot == NULL)
        FUZZ_CHECK(strlen(formatted) == len + 3 && memcmp(formatted, s, len) == 0 &&
                   strcmp(formatted + len, ".00") == 0);
}

/* Formats any int64 and parses it back. */
static void check_format(int64_t value)
{
    char text[24];
    int64_t cents = -1;
    int rc;

    money_format(value, text);
    FUZZ_CHECK(strlen(text) < sizeof(text));
    rc = money_parse_string(text, strlen(text), &cents);
    if (value < 0)
        FUZZ_CHECK(rc == MONEY_ERR_NEGATIVE);
    else if (value > MONEY_MAX_CENTS)
        FUZZ_CHECK(rc == MONEY_ERR_RANGE);
    else
        FUZZ_CHECK(rc == MONEY_OK && cents == value);
}

static void check_json(const char *s, size_t len)
{
    json_t *v = json_loadb(s, len, JSON_DECODE_ANY, NULL);
    int64_t cents = -1, rate = -1;
    int rc;

    if (v == NULL)
        return;
    rc = money_parse_json(v, &cents);
    if (json_is_string(v)) {
        int64_t direct = -1;
        FUZZ_CHECK(rc == money_parse_string(json_string_value(v), json_string_length(v), &direct));
        FUZZ_CHECK(direct == cents);
    }
    if (rc == MONEY_OK) {
        FUZZ_CHECK(cents >= 0 && cents <= MONEY_MAX_CENTS);
        if (json_is_real(v))
            FUZZ_CHECK(fabs(json_real_value(v) * 100.0 - (double)cents) < fmax(1e-6, (double)cents * 2e-15));
        if (json_is_integer(v))
            FUZZ_CHECK(cents == json_integer_value(v) * 100);
    }
    rc = tax_rate_parse_json(v, &rate);
    if (rc == MONEY_OK)
        FUZZ_CHECK(rate >= 0 && rate <= TAX_RATE_MAX_HUNDREDTHS);
    json_decref(v);
}

static void check_arithmetic(int64_t a, int64_t b)
{
    __int128 product = (__int128)a * b, sum = (__int128)a + b;
    int64_t out = 12345;
    int rc;

    rc = money_mul(a, b, &out);
    if (product > INT64_MAX || product < INT64_MIN)
        FUZZ_CHECK(rc == MONEY_ERR_OVERFLOW && out == 12345);
    else
        FUZZ_CHECK(rc == MONEY_OK && out == (int64_t)product);
    out = 12345;
    rc = money_add(a, b, &out);
    if (sum > INT64_MAX || sum < INT64_MIN)
        FUZZ_CHECK(rc == MONEY_ERR_OVERFLOW && out == 12345);
    else
        FUZZ_CHECK(rc == MONEY_OK && out == (int64_t)sum);
    out = 12345;
    rc = money_tax(a, b, &out);
    if (a < 0 || b < 0) {
        FUZZ_CHECK(rc == MONEY_ERR_NEGATIVE);
    } else {
        /* round_half_up(a * b / 10000); a * b < 2^126, so + 5000 fits. */
        __int128 tax = (product + 5000) / 10000;
        if (tax > INT64_MAX)
            FUZZ_CHECK(rc == MONEY_ERR_OVERFLOW && out == 12345);
        else
            FUZZ_CHECK(rc == MONEY_OK && out == (int64_t)tax);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    /* Copies of exactly the text, so ASan sees a read past its end. */
    char *text = malloc(size > 0 ? size : 1);
    int64_t a, b;

    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    check_text(text, size);
    check_json(text, size);
    free(text);
    a = (int64_t)fuzz_u64(&in);
    b = (int64_t)fuzz_u64(&in);
    check_format(a);
    check_format(b);
    check_arithmetic(a, b);
    /* Small, realistic operands reach the rounding paths more often. */
    check_arithmetic(a % 100000000000LL, b % 20000);
    return 0;
}
