/*
 * query.c — query strings and bounded integers.
 *
 * The query string is split the way browsers build it
 * (application/x-www-form-urlencoded, WHATWG URL §5.1): parts separated by
 * '&', name and value separated by the first '=', '+' meaning a space and
 * percent-escapes as in RFC 3986 §2.1.  A malformed escape is an error
 * rather than being passed through, so handlers never see half-decoded text.
 */
#include "http/query.h"

#include <string.h>

#include "arena.h"
#include "http/http.h"

int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Decodes s[0..len) into a new NUL-terminated arena string.  "%XY" becomes
 * the byte 0xXY (RFC 3986 §2.1, either case), and with plus_is_space a '+'
 * becomes ' '.  The result may hold NUL bytes, so *out_len is its true
 * length.  Returns -1 for a '%' not followed by two hex digits or when out of
 * memory.
 */
int percent_decode(struct arena *a, const char *s, size_t len, int plus_is_space,
                   char **out, size_t *out_len)
{
    char *decoded;
    size_t in = 0, used = 0;

    if (len == SIZE_MAX || (s == NULL && len != 0))
        return -1;
    decoded = arena_alloc(a, len + 1);
    if (decoded == NULL)
        return -1;
    while (in < len) {
        char c = s[in];

        if (c == '%') {
            int high, low;

            if (len - in < 3)
                return -1;
            high = hex_digit_value(s[in + 1]);
            low = hex_digit_value(s[in + 2]);
            if (high < 0 || low < 0)
                return -1;
            decoded[used++] = (char)(high << 4 | low);
            in += 3;
        } else {
            decoded[used++] = (plus_is_space && c == '+') ? ' ' : c;
            in++;
        }
    }
    decoded[used] = '\0';
    *out = decoded;
    if (out_len != NULL)
        *out_len = used;
    return 0;
}

/*
 * Parses qs into an arena array of decoded parameters, in order and with
 * repeated names kept.  The parts are counted before anything is allocated,
 * so a query with more than max_params parameters costs no memory.  A NULL
 * or empty qs yields zero parameters.
 */
int query_parse(struct arena *a, const char *qs, size_t max_params,
                struct http_param **out, size_t *count)
{
    struct http_param *params = NULL;
    size_t total = 0, filled = 0;
    const char *part;

    *out = NULL;
    *count = 0;
    if (qs == NULL || *qs == '\0')
        return 0;

    /* First pass: count the non-empty parts. */
    part = qs;
    for (;;) {
        const char *end = strchr(part, '&');
        size_t part_len = end != NULL ? (size_t)(end - part) : strlen(part);

        if (part_len > 0) {
            if (total == max_params)
                return -1;
            total++;
        }
        if (end == NULL)
            break;
        part = end + 1;
    }
    if (total == 0)
        return 0;

    params = arena_calloc(a, total, sizeof(*params));
    if (params == NULL)
        return -1;

    /* Second pass: split each part on its first '=' and decode both sides. */
    part = qs;
    for (;;) {
        const char *end = strchr(part, '&');
        size_t part_len = end != NULL ? (size_t)(end - part) : strlen(part);

        if (part_len > 0) {
            const char *eq = memchr(part, '=', part_len);
            size_t name_len = eq != NULL ? (size_t)(eq - part) : part_len;
            char *name, *value;
            size_t value_len;

            if (percent_decode(a, part, name_len, 1, &name, NULL) != 0)
                return -1;
            if (eq != NULL) {
                if (percent_decode(a, eq + 1, part_len - name_len - 1, 1, &value, &value_len) != 0)
                    return -1;
            } else {
                if (percent_decode(a, "", 0, 1, &value, &value_len) != 0)
                    return -1;
            }
            params[filled].name = name;
            params[filled].value = value;
            params[filled].value_len = value_len;
            filled++;
        }
        if (end == NULL)
            break;
        part = end + 1;
    }

    *out = params;
    *count = filled;
    return 0;
}

/*
 * Parses a canonical decimal integer: an optional '-', then "0" or digits
 * that do not start with '0'.  "-0", "+1", " 1", "1 " and "01" are refused so
 * that every accepted value has exactly one spelling.  The value is
 * accumulated as a negative number, which covers INT64_MIN, and every step is
 * checked for overflow before it is taken.
 */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    int negative = 0;
    int64_t value = 0; /* minus the magnitude read so far */
    const char *p = s;

    if (s == NULL)
        return -1;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    if (*p < '0' || *p > '9')
        return -1;
    if (*p == '0' && (p[1] != '\0' || negative))
        return -1;
    for (; *p != '\0'; p++) {
        int digit;

        if (*p < '0' || *p > '9')
            return -1;
        digit = *p - '0';
        if (value < (INT64_MIN + digit) / 10)
            return -1;
        value = value * 10 - digit;
    }
    if (!negative) {
        if (value == INT64_MIN)
            return -1;
        value = -value;
    }
    if (value < min || value > max)
        return -1;
    *out = value;
    return 0;
}
