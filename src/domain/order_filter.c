/*
 * order_filter.c — the GET /orders query rules as pure functions.
 *
 * Every parameter is checked completely before the filter is touched, so a
 * bad value leaves the filter as it was and adds exactly one entry to the 422
 * errors array. Dates are turned into epoch seconds with calendar arithmetic
 * of our own (no locale, no TZ environment, no libc time conversion).
 */
#include "domain/order_filter.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "domain/calendar.h"
#include "domain/money.h"
#include "domain/validation.h"

/* Longer date parameters are refused before any parsing ("2026-11-22T10:30:00.123456789+02:00" is 35). */
#define DATE_TEXT_MAX 64
/* Longest single item of a comma list worth looking up ("processing" is 10). */
#define LIST_ITEM_MAX 16

#define SECONDS_PER_DAY 86400

/*
 * Appends {field, code, message} to errors, the 422 "errors" entry of API.md
 * ("Errors"). errors may be NULL when the caller only wants the verdict; a
 * failed allocation loses the entry but never the verdict, which the caller
 * has from the return value.
 */
static void filter_error(json_t *errors, const char *field, const char *code, const char *message)
{
    if (!errors)
        return;
    json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", field, "code", code, "message", message));
}

/* Sets every field to "any": no bit sets, open date and amount bounds, newest first. */
void order_filter_init(struct order_filter *f)
{
    memset(f, 0, sizeof *f); /* no bits, user_id 0, NULL strings */
    f->created_from = INT64_MIN;
    f->created_before = INT64_MAX;
    f->min_amount = -1;
    f->max_amount = -1;
    f->sort = SORT_CREATED_DESC;
}

/* Reads exactly count decimal digits at s into *value. Returns 0, or -1 when any of them is not a digit. */
static int read_digits(const char *s, int count, int *value)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return 0;
}

/*
 * Parses the full-date of RFC 3339 §5.6 ("2026-11-22") at s[0..10) into a
 * day count from 1970-01-01, accepting only real calendar dates in years
 * 1970..9999. Returns 0 or -1.
 */
static int parse_full_date(const char *s, int64_t *days)
{
    int year, month, day;
    if (read_digits(s, 4, &year) != 0 || s[4] != '-' || read_digits(s + 5, 2, &month) != 0 || s[7] != '-' ||
        read_digits(s + 8, 2, &day) != 0)
        return -1;
    if (year < 1970 || day < 1 || day > calendar_days_in_month(year, month))
        return -1;
    *days = calendar_days_since_epoch(year, month, day);
    return 0;
}

/*
 * Parses a date ("YYYY-MM-DD", RFC 3339 full-date) or an RFC 3339 §5.6
 * date-time: full-date 'T' HH:MM:SS [.fraction] ('Z' | ('+'|'-') HH:MM).
 * §5.6 allows 't' and 'z' in lower case, and a leap second 60, which counts
 * as the first second of the next minute as POSIX time would. The fraction is
 * truncated. The offset is subtracted to get UTC, and a result before the
 * epoch is refused.
 */
int parse_date_or_datetime(const char *s, int64_t *epoch, int *is_date_only)
{
    if (!s)
        return -1;
    size_t len = strnlen(s, DATE_TEXT_MAX + 1);
    if (len < 10 || len > DATE_TEXT_MAX)
        return -1;
    int64_t days;
    if (parse_full_date(s, &days) != 0)
        return -1;
    if (len == 10) {
        *epoch = days * SECONDS_PER_DAY;
        *is_date_only = 1;
        return 0;
    }

    int hour, minute, second;
    const char *p = s + 10;
    if ((p[0] != 'T' && p[0] != 't') || read_digits(p + 1, 2, &hour) != 0 || p[3] != ':' ||
        read_digits(p + 4, 2, &minute) != 0 || p[6] != ':' || read_digits(p + 7, 2, &second) != 0)
        return -1;
    if (hour > 23 || minute > 59 || second > 60)
        return -1;
    p += 9;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t offset_seconds = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int offset_hour, offset_minute;
        if (read_digits(p + 1, 2, &offset_hour) != 0 || p[3] != ':' || read_digits(p + 4, 2, &offset_minute) != 0)
            return -1;
        if (offset_hour > 23 || offset_minute > 59)
            return -1;
        offset_seconds = (int64_t)offset_hour * 3600 + offset_minute * 60;
        if (*p == '-')
            offset_seconds = -offset_seconds;
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;

    int64_t result = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset_seconds;
    if (result < 0)
        return -1;
    *epoch = result;
    *is_date_only = 0;
    return 0;
}

/*
 * Parses a comma list of names (status=pending,shipped) into a bit set using
 * parse_item, which maps one name to its index or fails. An empty list, an
 * empty item ("pending,,shipped", a trailing comma) or an unknown name fails
 * the whole list. Returns 0 and sets *mask, or -1.
 */
static int parse_name_list(const char *value, int (*parse_item)(const char *, int *), unsigned *mask)
{
    unsigned bits = 0;
    const char *item = value;
    for (;;) {
        const char *comma = strchr(item, ',');
        size_t item_len = comma ? (size_t)(comma - item) : strlen(item);
        char name[LIST_ITEM_MAX + 1];
        int index;
        if (item_len == 0 || item_len > LIST_ITEM_MAX)
            return -1;
        memcpy(name, item, item_len);
        name[item_len] = '\0';
        if (parse_item(name, &index) != 0)
            return -1;
        bits |= 1u << (unsigned)index;
        if (!comma)
            break;
        item = comma + 1;
    }
    *mask = bits;
    return 0;
}

/* parse_name_list adapters for the three enums. */
static int order_status_index(const char *name, int *index)
{
    enum order_status s;
    if (order_status_parse(name, &s) != 0)
        return -1;
    *index = (int)s;
    return 0;
}

static int payment_status_index(const char *name, int *index)
{
    enum payment_status s;
    if (payment_status_parse(name, &s) != 0)
        return -1;
    *index = (int)s;
    return 0;
}

static int priority_index(const char *name, int *index)
{
    enum order_priority p;
    if (priority_parse(name, &p) != 0)
        return -1;
    *index = (int)p;
    return 0;
}

/*
 * Parses a positive decimal id: digits only, no sign, no leading zero,
 * 1..INT64_MAX with the multiplication and addition overflow-checked.
 * Returns 0 or -1.
 */
static int parse_positive_id(const char *s, int64_t *out)
{
    int64_t value = 0;
    if (s[0] < '1' || s[0] > '9')
        return -1;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, s[i] - '0', &value))
            return -1;
    }
    *out = value;
    return 0;
}

/*
 * Checks an order number against ^ORD-[0-9]{8}-[0-9]{4,}$, with at most
 * ORDER_NUMBER_MAX_LEN bytes in all (a sequence beyond int64 cannot exist).
 */
static int order_number_valid(const char *s)
{
    size_t len = strnlen(s, ORDER_NUMBER_MAX_LEN + 1);
    if (len > ORDER_NUMBER_MAX_LEN || len < 4 + 8 + 1 + 4 || strncmp(s, "ORD-", 4) != 0 || s[12] != '-')
        return 0;
    for (size_t i = 4; i < len; i++)
        if (i != 12 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

/* Parses an amount bound with money_parse_string; on failure reports the money error's code. */
static int set_amount(const char *name, const char *value, int64_t *bound, json_t *errors)
{
    int64_t cents;
    int err = money_parse_string(value, strlen(value), &cents);
    if (err != MONEY_OK) {
        filter_error(errors, name, money_error_code(err), "An amount such as 25.00: at most two decimals, not negative");
        return -1;
    }
    *bound = cents;
    return 0;
}

/*
 * Parses one date bound (see order_filter.h for the inclusive/exclusive
 * rules): start_date becomes the first second it names, end_date the second
 * just after the last second it names.
 */
static int set_date(struct order_filter *f, const char *name, const char *value, int is_end, json_t *errors)
{
    int64_t epoch;
    int date_only;
    if (parse_date_or_datetime(value, &epoch, &date_only) != 0) {
        filter_error(errors, name, "invalid_date",
                     "A date such as 2026-11-22 or an RFC 3339 time such as 2026-11-22T10:30:00Z");
        return -1;
    }
    if (is_end)
        f->created_before = epoch + (date_only ? SECONDS_PER_DAY : 1);
    else
        f->created_from = epoch;
    return 0;
}

/* Maps a sort parameter value to its enum. Returns 0 or -1. */
static int parse_sort(const char *value, enum order_sort *sort)
{
    static const struct {
        const char *name;
        enum order_sort sort;
    } SORTS[] = {
        {"-created_at", SORT_CREATED_DESC},
        {"created_at", SORT_CREATED_ASC},
        {"-total_amount", SORT_TOTAL_DESC},
        {"total_amount", SORT_TOTAL_ASC},
    };
    for (size_t i = 0; i < sizeof SORTS / sizeof SORTS[0]; i++) {
        if (strcmp(value, SORTS[i].name) == 0) {
            *sort = SORTS[i].sort;
            return 0;
        }
    }
    return -1;
}

/* status, payment_status or priority: a comma list of names, added to
 * the set. */
static int set_name_list(struct order_filter *f, const char *name, const char *value, json_t *errors)
{
    unsigned mask;
    if (name[0] == 's') {
        if (parse_name_list(value, order_status_index, &mask) != 0) {
            filter_error(errors, name, "invalid_status",
                         "Comma-separated statuses: pending, confirmed, processing, shipped, delivered, "
                         "completed, cancelled, refunded");
            return -1;
        }
        f->statuses |= mask;
    } else if (name[1] == 'a') {
        if (parse_name_list(value, payment_status_index, &mask) != 0) {
            filter_error(errors, name, "invalid_payment_status",
                         "Comma-separated payment statuses: pending, paid, failed, refunded");
            return -1;
        }
        f->payment_statuses |= mask;
    } else {
        if (parse_name_list(value, priority_index, &mask) != 0) {
            filter_error(errors, name, "invalid_priority",
                         "Comma-separated priorities: low, normal, high, urgent");
            return -1;
        }
        f->priorities |= mask;
    }
    return 0;
}

/*
 * Applies one GET /orders query parameter. Each branch validates the whole
 * value first and writes the filter only when it is good, so a refused value
 * never leaves a half-applied filter. A parameter without a value ("?status")
 * is treated as the empty string, which no parameter accepts.
 */
int order_filter_set(struct order_filter *f, const char *name, const char *value, json_t *errors)
{
    if (!name)
        return 1;
    if (!value)
        value = "";

    if (strcmp(name, "status") == 0 || strcmp(name, "payment_status") == 0 || strcmp(name, "priority") == 0)
        return set_name_list(f, name, value, errors);
    if (strcmp(name, "user_id") == 0) {
        int64_t id;
        if (parse_positive_id(value, &id) != 0) {
            filter_error(errors, name, "invalid_user_id", "A positive integer user id");
            return -1;
        }
        f->user_id = id;
        return 0;
    }
    if (strcmp(name, "order_number") == 0) {
        if (!order_number_valid(value)) {
            filter_error(errors, name, "invalid_order_number", "An order number such as ORD-20261122-0001");
            return -1;
        }
        f->order_number = value;
        return 0;
    }
    if (strcmp(name, "customer_name") == 0) {
        size_t len = strnlen(value, ORDER_FILTER_NAME_MAX + 1);
        if (len == 0 || len > ORDER_FILTER_NAME_MAX) {
            filter_error(errors, name, "invalid_length", "From 1 to 200 bytes");
            return -1;
        }
        f->customer_name = value;
        return 0;
    }
    if (strcmp(name, "customer_phone") == 0) {
        const char *code = validate_phone(value);
        if (code) {
            filter_error(errors, name, code, "An E.164 phone number such as +14155550123");
            return -1;
        }
        f->customer_phone = value;
        return 0;
    }
    if (strcmp(name, "start_date") == 0)
        return set_date(f, name, value, 0, errors);
    if (strcmp(name, "end_date") == 0)
        return set_date(f, name, value, 1, errors);
    if (strcmp(name, "min_amount") == 0)
        return set_amount(name, value, &f->min_amount, errors);
    if (strcmp(name, "max_amount") == 0)
        return set_amount(name, value, &f->max_amount, errors);
    if (strcmp(name, "sort") == 0) {
        enum order_sort sort;
        if (parse_sort(value, &sort) != 0) {
            filter_error(errors, name, "invalid_sort", "One of created_at, -created_at, total_amount, -total_amount");
            return -1;
        }
        f->sort = sort;
        return 0;
    }
    return 1;
}

/*
 * The rules that involve two parameters: the date range must not end before
 * it starts (an end equal to the start is a one-day or one-second range and
 * fine), and min_amount must not exceed max_amount.
 */
size_t order_filter_finish(struct order_filter *f, json_t *errors)
{
    size_t added = 0;
    if (f->created_from != INT64_MIN && f->created_before != INT64_MAX && f->created_from >= f->created_before) {
        filter_error(errors, "end_date", "invalid_range", "end_date must not be before start_date");
        added++;
    }
    if (f->min_amount >= 0 && f->max_amount >= 0 && f->min_amount > f->max_amount) {
        filter_error(errors, "max_amount", "invalid_range", "max_amount must not be less than min_amount");
        added++;
    }
    return added;
}

/*
 * Appends s to out[*pos..out_len) percent-encoded: letters, digits, '-', '.'
 * and '_' as they are, every other byte as %XX, and NULL as "*" (which no
 * encoded string produces). Output that does not fit is cut, always
 * NUL-terminated.
 */
static void canonical_append_string(char *out, size_t out_len, size_t *pos, const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    char encoded[4];
    if (!s) {
        if (*pos + 1 < out_len) {
            out[(*pos)++] = '*';
            out[*pos] = '\0';
        }
        return;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        size_t n = 0;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_') {
            encoded[n++] = (char)c;
        } else {
            encoded[n++] = '%';
            encoded[n++] = HEX[c >> 4];
            encoded[n++] = HEX[c & 15];
        }
        if (*pos + n >= out_len)
            return;
        memcpy(out + *pos, encoded, n);
        *pos += n;
        out[*pos] = '\0';
    }
}

/* Appends formatted text at out[*pos], keeping *pos at the terminating NUL even when the text is cut. */
static void canonical_append_text(char *out, size_t out_len, size_t *pos, const char *text)
{
    size_t len = strlen(text);
    if (*pos >= out_len)
        return;
    if (len >= out_len - *pos)
        len = out_len - *pos - 1;
    memcpy(out + *pos, text, len);
    *pos += len;
    out[*pos] = '\0';
}

/*
 * Writes every field of the filter in a fixed order, so two filters that
 * select the same rows in the same order always give the same text (the
 * order of query parameters does not matter) and two different filters never
 * do: numbers in decimal, bit sets in hex, strings percent-encoded.
 */
void order_filter_canonical(const struct order_filter *f, char *out, size_t out_len)
{
    char numbers[256];
    size_t pos = 0;
    if (!out || out_len == 0)
        return;
    out[0] = '\0';
    snprintf(numbers, sizeof numbers, "st=%x;ps=%x;pr=%x;uid=%" PRId64 ";from=%" PRId64 ";before=%" PRId64
             ";min=%" PRId64 ";max=%" PRId64 ";sort=%d;on=",
             f->statuses, f->payment_statuses, f->priorities, f->user_id, f->created_from, f->created_before,
             f->min_amount, f->max_amount, (int)f->sort);
    canonical_append_text(out, out_len, &pos, numbers);
    canonical_append_string(out, out_len, &pos, f->order_number);
    canonical_append_text(out, out_len, &pos, ";cp=");
    canonical_append_string(out, out_len, &pos, f->customer_phone);
    canonical_append_text(out, out_len, &pos, ";cn=");
    canonical_append_string(out, out_len, &pos, f->customer_name);
}
