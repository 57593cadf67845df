/*
 * fuzz_date.c — the date parser of the order filters and statistics
 * (parse_date_or_datetime: RFC 3339 full-date or date-time), and the two
 * filter parameters built on it.
 *
 * Invariants: an accepted text gives the epoch that the C library's timegm
 * gives for the same fields and offset (a date-only one the midnight that
 * formats back to the same text), never before 1970; a well-formed date or
 * date-time built from the input's bytes is always accepted with that
 * epoch; an end_date is never before the start_date of the same text.
 */
#include <inttypes.h>
#include <jansson.h>
#include <time.h>

#include "fuzz_common.h"

#include "domain/order_filter.h"

FUZZ_INITIALIZE_JSON_SEED()

static int digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* The epoch of an accepted text by timegm, from the fixed positions of
 * RFC 3339 (the parser has accepted the shape). */
static int64_t reference_epoch(const char *s)
{
    struct tm tm;
    size_t len = strlen(s);
    int64_t offset = 0;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = digits(s, 4) - 1900;
    tm.tm_mon = digits(s + 5, 2) - 1;
    tm.tm_mday = digits(s + 8, 2);
    if (len > 10) {
        const char *zone = s + len - 1;

        tm.tm_hour = digits(s + 11, 2);
        tm.tm_min = digits(s + 14, 2);
        tm.tm_sec = digits(s + 17, 2); /* 60 normalises into the next minute */
        if (*zone != 'Z' && *zone != 'z') {
            zone = s + len - 6;
            offset = (int64_t)digits(zone + 1, 2) * 3600 + digits(zone + 4, 2) * 60;
            if (*zone == '-')
                offset = -offset;
        }
    }
    return (int64_t)timegm(&tm) - offset;
}

static void check_text(const char *s)
{
    int64_t epoch = -1;
    int date_only = -1;

    if (parse_date_or_datetime(s, &epoch, &date_only) != 0) {
        FUZZ_CHECK(epoch == -1 && date_only == -1);
        return;
    }
    FUZZ_CHECK(epoch >= 0);
    FUZZ_CHECK(epoch == reference_epoch(s));
    if (date_only) {
        time_t t = (time_t)epoch;
        struct tm tm;
        char back[16];

        FUZZ_CHECK(epoch % 86400 == 0);
        gmtime_r(&t, &tm);
        strftime(back, sizeof(back), "%Y-%m-%d", &tm);
        FUZZ_CHECK(strcmp(back, s) == 0);
    }
}

/* A well-formed text from the bytes: it must be accepted. */
static void check_generated(struct fuzz_input *in)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = 1970 + (int)(fuzz_u64(in) % 8030);
    int month = 1 + fuzz_u8(in) % 12;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int day = 1 + fuzz_u8(in) % (month_days[month - 1] + (month == 2 && leap));
    int hour = fuzz_u8(in) % 24, minute = fuzz_u8(in) % 60, second = fuzz_u8(in) % 61;
    int form = fuzz_u8(in) % 4, offset_hour = fuzz_u8(in) % 24, offset_minute = fuzz_u8(in) % 60;
    char text[64];
    int64_t epoch = -1;
    int date_only = -1;
    int rc;

    if (form == 0)
        snprintf(text, sizeof(text), "%04d-%02d-%02d", year, month, day);
    else if (form == 1)
        snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute, second);
    else
        snprintf(text, sizeof(text), "%04d-%02d-%02dt%02d:%02d:%02d.%03d%c%02d:%02d", year, month, day, hour,
                 minute, second, offset_minute * 7, form == 2 ? '+' : '-', offset_hour, offset_minute);
    rc = parse_date_or_datetime(text, &epoch, &date_only);
    if (reference_epoch(text) >= 0) {
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(date_only == (form == 0));
        FUZZ_CHECK(epoch == reference_epoch(text));
    } else {
        FUZZ_CHECK(rc != 0); /* before 1970 after the offset */
    }
}

/* start_date and end_date of the same text: never an inverted range. */
static void check_filter(const char *s)
{
    struct order_filter f;
    json_t *errors = json_array();

    FUZZ_CHECK(errors != NULL);
    order_filter_init(&f);
    if (order_filter_set(&f, "start_date", s, errors) == 0) {
        FUZZ_CHECK(order_filter_set(&f, "end_date", s, errors) == 0);
        FUZZ_CHECK(f.created_from < f.created_before);
        FUZZ_CHECK(order_filter_finish(&f, errors) == 0);
    } else {
        FUZZ_CHECK(json_array_size(errors) == 1);
    }
    json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    char *s = fuzz_cstring(data, size);

    check_text(s);
    check_filter(s);
    check_generated(&in);
    free(s);
    return 0;
}
