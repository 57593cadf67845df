/*
 * test_order_filter.c — the GET /orders query rules of
 * src/domain/order_filter.c: every parameter with good and bad values, the
 * date and date-time parser (checked against glibc's timegm over every day
 * from 1970 to 2100), the cross-field rules and the canonical text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/order_filter.h"

#define UNTOUCHED ((int64_t)-424242)

/* 2026-11-22T00:00:00Z and friends, from Python's calendar.timegm. */
#define NOV22 1795305600LL
#define NOV23 1795392000LL
#define NOV22_1030 1795343400LL
#define NOV22_0830 1795336200LL

/* Asserts that errors holds exactly count entries and that the last is {field, code, <non-empty message>}. */
static void assert_last_error(json_t *errors, size_t count, const char *field, const char *code)
{
    assert_int_equal(json_array_size(errors), count);
    json_t *entry = json_array_get(errors, count - 1);
    assert_non_null(entry);
    assert_int_equal(json_object_size(entry), 3);
    assert_string_equal(json_string_value(json_object_get(entry, "field")), field);
    assert_string_equal(json_string_value(json_object_get(entry, "code")), code);
    const char *message = json_string_value(json_object_get(entry, "message"));
    assert_non_null(message);
    assert_true(strlen(message) > 0);
}

/* Applies one refused parameter: -1, one error with field = name and the code, and the filter unchanged. */
static void assert_refused(const char *name, const char *value, const char *code)
{
    struct order_filter f, before;
    order_filter_init(&f);
    /* Give every field a non-default value so that any write shows. */
    assert_int_equal(order_filter_set(&f, "status", "confirmed", NULL), 0);
    assert_int_equal(order_filter_set(&f, "payment_status", "paid", NULL), 0);
    assert_int_equal(order_filter_set(&f, "priority", "low", NULL), 0);
    assert_int_equal(order_filter_set(&f, "user_id", "5", NULL), 0);
    assert_int_equal(order_filter_set(&f, "order_number", "ORD-20260101-0001", NULL), 0);
    assert_int_equal(order_filter_set(&f, "customer_name", "Zed", NULL), 0);
    assert_int_equal(order_filter_set(&f, "customer_phone", "+4712345678", NULL), 0);
    assert_int_equal(order_filter_set(&f, "start_date", "2020-01-01", NULL), 0);
    assert_int_equal(order_filter_set(&f, "end_date", "2030-01-01", NULL), 0);
    assert_int_equal(order_filter_set(&f, "min_amount", "1", NULL), 0);
    assert_int_equal(order_filter_set(&f, "max_amount", "2", NULL), 0);
    assert_int_equal(order_filter_set(&f, "sort", "total_amount", NULL), 0);
    before = f;

    json_t *errors = json_array();
    if (order_filter_set(&f, name, value, errors) != -1)
        fail_msg("%s=%s was accepted", name, value ? value : "(null)");
    assert_last_error(errors, 1, name, code);
    assert_memory_equal(&f, &before, sizeof f);
    /* Without an errors array the verdict is the same. */
    assert_int_equal(order_filter_set(&f, name, value, NULL), -1);
    assert_memory_equal(&f, &before, sizeof f);
    json_decref(errors);
}

/* Applies one accepted parameter to a fresh filter; no errors are added. */
static void set_ok(struct order_filter *f, const char *name, const char *value)
{
    json_t *errors = json_array();
    order_filter_init(f);
    if (order_filter_set(f, name, value, errors) != 0)
        fail_msg("%s=%s was refused", name, value);
    assert_int_equal(json_array_size(errors), 0);
    json_decref(errors);
}

static void test_init(void **state)
{
    (void)state;
    struct order_filter f;
    memset(&f, 0x5a, sizeof f);
    order_filter_init(&f);
    assert_int_equal(f.statuses, 0);
    assert_int_equal(f.payment_statuses, 0);
    assert_int_equal(f.priorities, 0);
    assert_int_equal(f.user_id, 0);
    assert_null(f.order_number);
    assert_null(f.customer_name);
    assert_null(f.customer_phone);
    assert_true(f.created_from == INT64_MIN);
    assert_true(f.created_before == INT64_MAX);
    assert_int_equal(f.min_amount, -1);
    assert_int_equal(f.max_amount, -1);
    assert_int_equal(f.sort, SORT_CREATED_DESC);
    struct order_filter again;
    order_filter_init(&again);
    assert_int_equal(order_filter_finish(&again, NULL), 0);
}

static void test_status_lists(void **state)
{
    (void)state;
    struct order_filter f;
    set_ok(&f, "status", "pending,shipped");
    assert_int_equal(f.statuses, (1u << ORDER_PENDING) | (1u << ORDER_SHIPPED));
    set_ok(&f, "status", "refunded");
    assert_int_equal(f.statuses, 1u << ORDER_REFUNDED);
    set_ok(&f, "status", "pending,confirmed,processing,shipped,delivered,completed,cancelled,refunded");
    assert_int_equal(f.statuses, 0xffu);
    set_ok(&f, "status", "shipped,shipped");
    assert_int_equal(f.statuses, 1u << ORDER_SHIPPED);
    /* Given twice, the sets are joined. */
    assert_int_equal(order_filter_set(&f, "status", "cancelled", NULL), 0);
    assert_int_equal(f.statuses, (1u << ORDER_SHIPPED) | (1u << ORDER_CANCELLED));

    set_ok(&f, "payment_status", "paid,failed");
    assert_int_equal(f.payment_statuses, (1u << PAYMENT_PAID) | (1u << PAYMENT_FAILED));
    assert_int_equal(f.statuses, 0);
    set_ok(&f, "priority", "urgent,low");
    assert_int_equal(f.priorities, (1u << PRIORITY_URGENT) | (1u << PRIORITY_LOW));
    assert_int_equal(f.payment_statuses, 0);

    static const char *const BAD[] = {"pending,,x", "", ",", "pending,", ",pending", "Pending", "pending ",
                                      "pending;shipped", "x", "processingprocessing", "paid"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_refused("status", BAD[i], "invalid_status");
    assert_refused("status", NULL, "invalid_status");
    assert_refused("payment_status", "paid,,", "invalid_payment_status");
    assert_refused("payment_status", "shipped", "invalid_payment_status");
    assert_refused("payment_status", "", "invalid_payment_status");
    assert_refused("priority", "normal,medium", "invalid_priority");
    assert_refused("priority", "HIGH", "invalid_priority");
    assert_refused("priority", "", "invalid_priority");
}

static void test_user_id(void **state)
{
    (void)state;
    struct order_filter f;
    set_ok(&f, "user_id", "1");
    assert_int_equal(f.user_id, 1);
    set_ok(&f, "user_id", "42");
    assert_int_equal(f.user_id, 42);
    set_ok(&f, "user_id", "9223372036854775807");
    assert_true(f.user_id == INT64_MAX);
    static const char *const BAD[] = {"0", "-1", "01", "+1", " 1", "1 ", "1a", "", "9223372036854775808",
                                      "99999999999999999999", "1.0"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_refused("user_id", BAD[i], "invalid_user_id");
}

static void test_order_number(void **state)
{
    (void)state;
    struct order_filter f;
    const char *good = "ORD-20261122-0001";
    set_ok(&f, "order_number", good);
    assert_ptr_equal(f.order_number, good);
    set_ok(&f, "order_number", "ORD-20261122-12345");
    assert_string_equal(f.order_number, "ORD-20261122-12345");
    set_ok(&f, "order_number", "ORD-20261122-9223372036854775807"); /* 32 bytes */
    static const char *const BAD[] = {"", "ORD-20261122-001", "ORD-2026112-0001", "ORD-202611221-0001",
                                      "ord-20261122-0001", "ORD20261122-0001", "ORD-20261122_0001",
                                      "ORD-20261122-0001x", " ORD-20261122-0001", "ORD-2026112a-0001",
                                      "ORD-20261122-00000000000000000001", "ORD-20261122-", "ORD-"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_refused("order_number", BAD[i], "invalid_order_number");
}

static void test_customer_name_and_phone(void **state)
{
    (void)state;
    struct order_filter f;
    char name[202];
    set_ok(&f, "customer_name", "Ann");
    assert_string_equal(f.customer_name, "Ann");
    memset(name, 'n', 200);
    name[200] = '\0';
    set_ok(&f, "customer_name", name);
    assert_int_equal(strlen(f.customer_name), 200);
    name[200] = 'n';
    name[201] = '\0';
    assert_refused("customer_name", name, "invalid_length");
    assert_refused("customer_name", "", "invalid_length");

    set_ok(&f, "customer_phone", "+14155550123");
    assert_string_equal(f.customer_phone, "+14155550123");
    static const char *const BAD[] = {"14155550123", "+0123456789", "+1234567", "+1234567890123456", "+1415555012a",
                                      ""};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_refused("customer_phone", BAD[i], "invalid_phone");
}

/* Dates and date-times accepted, with the epoch each gives. */
static void test_parse_dates_good(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t epoch;
        int date_only;
    } CASES[] = {
        {"2026-11-22", NOV22, 1},
        {"2024-02-29", 1709164800LL, 1},
        {"2000-02-29", 951782400LL, 1},
        {"1970-01-01", 0, 1},
        {"9999-12-31", 253402214400LL, 1},
        {"2026-11-22T10:30:00Z", NOV22_1030, 0},
        {"2026-11-22t10:30:00z", NOV22_1030, 0},
        {"2026-11-22T10:30:00+02:00", NOV22_0830, 0},
        {"2026-11-22T10:30:00-02:00", NOV22_1030 + 2 * 3600, 0},
        {"2026-11-22T10:30:00+05:30", NOV22_1030 - 5 * 3600 - 30 * 60, 0},
        {"2026-11-22T10:30:00+00:00", NOV22_1030, 0},
        {"2026-11-22T10:30:00-00:00", NOV22_1030, 0},
        {"2026-11-22T10:30:00.5Z", NOV22_1030, 0},
        {"2026-11-22T10:30:00.999999999Z", NOV22_1030, 0},
        {"2026-11-22T10:30:00.000+02:00", NOV22_0830, 0},
        {"2026-11-22T00:00:00Z", NOV22, 0},
        {"2026-11-22T23:59:59Z", NOV23 - 1, 0},
        {"2026-11-22T23:59:60Z", NOV23, 0},          /* leap second */
        {"2026-11-23T01:00:00+01:00", NOV23, 0},     /* crosses midnight back */
        {"2026-11-21T23:00:00-01:00", NOV22, 0},     /* crosses midnight forward */
        {"1970-01-01T00:00:00Z", 0, 0},
        {"1970-01-01T01:00:00+01:00", 0, 0},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        int64_t epoch = UNTOUCHED;
        int date_only = -1;
        if (parse_date_or_datetime(CASES[i].text, &epoch, &date_only) != 0)
            fail_msg("%s was refused", CASES[i].text);
        if (epoch != CASES[i].epoch || date_only != CASES[i].date_only)
            fail_msg("%s: %lld, date_only %d", CASES[i].text, (long long)epoch, date_only);
    }
}

/* Texts that are not dates, or not real calendar dates, leave the outputs alone. */
static void test_parse_dates_bad(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "", "garbage", "2026-02-29", "1900-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10",
        "2026-11-00", "1969-12-31", "0000-01-01", "2026-1-22", "2026-11-2", "26-11-22", "2026/11/22",
        "2026-11-22 ", " 2026-11-22", "2026-11-22x", "20261122", "+2026-11-22", "-2026-11-22",
        "2026-11-22T", "2026-11-22T10:30:00", "2026-11-22 10:30:00Z", "2026-11-22T10:30Z", "2026-11-22T10:30:00ZZ",
        "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:30:61Z", "2026-11-22T1:30:00Z",
        "2026-11-22T10:30:00.Z", "2026-11-22T10:30:00,5Z", "2026-11-22T10:30:00.5", "2026-11-22T10:30:00+2:00",
        "2026-11-22T10:30:00+02", "2026-11-22T10:30:00+0200", "2026-11-22T10:30:00+24:00",
        "2026-11-22T10:30:00+02:60", "2026-11-22T10:30:00+02:00x", "2026-11-22T10:30:00 Z",
        "1970-01-01T00:00:00+00:01", "1970-01-01T00:59:59+01:00", /* before the epoch */
        "2026-11-22T10:30:00.00000000000000000000000000000000000000000000000000000Z", /* over the length limit */
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        int64_t epoch = UNTOUCHED;
        int date_only = -7;
        if (parse_date_or_datetime(BAD[i], &epoch, &date_only) != -1)
            fail_msg("%s was accepted", BAD[i]);
        assert_int_equal(epoch, UNTOUCHED);
        assert_int_equal(date_only, -7);
    }
    int64_t epoch;
    int date_only;
    assert_int_equal(parse_date_or_datetime(NULL, &epoch, &date_only), -1);
}

/* Every day from 1970 to 2100 against glibc's timegm, and every impossible day is refused. */
static void test_parse_dates_against_timegm(void **state)
{
    (void)state;
    int accepted = 0;
    for (int year = 1970; year <= 2100; year++) {
        for (int month = 1; month <= 12; month++) {
            for (int day = 1; day <= 31; day++) {
                char text[32];
                snprintf(text, sizeof text, "%04d-%02d-%02dT13:45:07Z", year, month, day);
                struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                                .tm_hour = 13, .tm_min = 45, .tm_sec = 7};
                time_t expected = timegm(&tm);
                int real = tm.tm_mday == day; /* timegm normalises 02-30 to 03-02 */
                int64_t epoch = UNTOUCHED;
                int date_only;
                int rc = parse_date_or_datetime(text, &epoch, &date_only);
                if (real != (rc == 0))
                    fail_msg("%s: rc %d", text, rc);
                if (rc == 0 && epoch != (int64_t)expected)
                    fail_msg("%s: %lld, timegm %lld", text, (long long)epoch, (long long)expected);
                accepted += rc == 0;
            }
        }
    }
    /* 131 years, 32 of them leap years. */
    assert_int_equal(accepted, 131 * 365 + 32);
}

/* start_date is the first second named, end_date the second after the last second named. */
static void test_date_bounds(void **state)
{
    (void)state;
    struct order_filter f;
    set_ok(&f, "start_date", "2026-11-22");
    assert_int_equal(f.created_from, NOV22);
    assert_true(f.created_before == INT64_MAX);
    set_ok(&f, "end_date", "2026-11-22");
    assert_int_equal(f.created_before, NOV23);
    assert_true(f.created_from == INT64_MIN);
    set_ok(&f, "start_date", "2026-11-22T10:30:00Z");
    assert_int_equal(f.created_from, NOV22_1030);
    set_ok(&f, "end_date", "2026-11-22T10:30:00Z");
    assert_int_equal(f.created_before, NOV22_1030 + 1);
    set_ok(&f, "start_date", "2026-11-22T10:30:00+02:00");
    assert_int_equal(f.created_from, NOV22_0830);
    set_ok(&f, "end_date", "2026-11-22T10:30:00.5Z");
    assert_int_equal(f.created_before, NOV22_1030 + 1);
    set_ok(&f, "end_date", "9999-12-31");
    assert_int_equal(f.created_before, 253402214400LL + 86400);

    static const char *const BAD[] = {"2026-02-29", "garbage", "", "2026-11-22T10:30:00", "2026-11-22T25:00:00Z"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        assert_refused("start_date", BAD[i], "invalid_date");
        assert_refused("end_date", BAD[i], "invalid_date");
    }
}

static void test_amounts_and_sort(void **state)
{
    (void)state;
    struct order_filter f;
    set_ok(&f, "min_amount", "25.00");
    assert_int_equal(f.min_amount, 2500);
    assert_int_equal(f.max_amount, -1);
    set_ok(&f, "max_amount", "0");
    assert_int_equal(f.max_amount, 0);
    assert_int_equal(f.min_amount, -1);
    set_ok(&f, "max_amount", "12.5");
    assert_int_equal(f.max_amount, 1250);
    set_ok(&f, "min_amount", "999999999.99");
    assert_int_equal(f.min_amount, 99999999999LL);

    assert_refused("min_amount", "abc", "invalid_amount");
    assert_refused("min_amount", "", "invalid_amount");
    assert_refused("min_amount", "1.234", "too_many_decimals");
    assert_refused("max_amount", "-1", "must_not_be_negative");
    assert_refused("max_amount", "1000000000", "out_of_range");
    assert_refused("max_amount", "1e3", "invalid_amount");

    static const struct {
        const char *text;
        enum order_sort sort;
    } SORTS[] = {{"created_at", SORT_CREATED_ASC}, {"-created_at", SORT_CREATED_DESC},
                 {"total_amount", SORT_TOTAL_ASC}, {"-total_amount", SORT_TOTAL_DESC}};
    for (size_t i = 0; i < sizeof SORTS / sizeof SORTS[0]; i++) {
        set_ok(&f, "sort", "total_amount"); /* a non-default start */
        assert_int_equal(order_filter_set(&f, "sort", SORTS[i].text, NULL), 0);
        assert_int_equal(f.sort, SORTS[i].sort);
    }
    static const char *const BAD[] = {"", "+created_at", "created", "Created_at", "--created_at", "id",
                                      "created_at,total_amount"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_refused("sort", BAD[i], "invalid_sort");
}

/* Names that are not filter parameters are left to the caller. */
static void test_unknown_names(void **state)
{
    (void)state;
    struct order_filter f, before;
    order_filter_init(&f);
    before = f;
    json_t *errors = json_array();
    assert_int_equal(order_filter_set(&f, "page", "2", errors), 1);
    assert_int_equal(order_filter_set(&f, "Status", "pending", errors), 1);
    assert_int_equal(order_filter_set(&f, "status ", "pending", errors), 1);
    assert_int_equal(order_filter_set(&f, "", "x", errors), 1);
    assert_int_equal(order_filter_set(&f, NULL, "x", errors), 1);
    assert_int_equal(json_array_size(errors), 0);
    assert_memory_equal(&f, &before, sizeof f);
    json_decref(errors);
}

/* Builds a filter from name/value pairs (NULL-terminated), all of which must be accepted. */
static void build(struct order_filter *f, const char *const *pairs)
{
    order_filter_init(f);
    for (size_t i = 0; pairs[i]; i += 2)
        if (order_filter_set(f, pairs[i], pairs[i + 1], NULL) != 0)
            fail_msg("%s=%s refused", pairs[i], pairs[i + 1]);
}

static void test_finish(void **state)
{
    (void)state;
    struct order_filter f;
    json_t *errors = json_array();

    /* Same day, same second: fine. */
    build(&f, (const char *const[]){"start_date", "2026-11-22", "end_date", "2026-11-22", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 0);
    build(&f, (const char *const[]){"start_date", "2026-11-22T10:30:00Z", "end_date", "2026-11-22T10:30:00Z", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 0);
    build(&f, (const char *const[]){"start_date", "2026-11-22T23:59:59Z", "end_date", "2026-11-22", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 0);
    build(&f, (const char *const[]){"min_amount", "10", "max_amount", "10.00", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 0);
    build(&f, (const char *const[]){"min_amount", "10", "end_date", "2026-01-01", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 0);
    assert_int_equal(json_array_size(errors), 0);

    /* End before start. */
    build(&f, (const char *const[]){"start_date", "2026-11-23", "end_date", "2026-11-22", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 1);
    assert_last_error(errors, 1, "end_date", "invalid_range");
    build(&f, (const char *const[]){"start_date", "2026-11-22T10:30:01Z", "end_date", "2026-11-22T10:30:00Z", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 1);
    assert_last_error(errors, 2, "end_date", "invalid_range");
    build(&f, (const char *const[]){"start_date", "2026-11-23T00:00:00Z", "end_date", "2026-11-22", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 1);
    assert_last_error(errors, 3, "end_date", "invalid_range");

    /* min above max. */
    build(&f, (const char *const[]){"min_amount", "10.01", "max_amount", "10", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 1);
    assert_last_error(errors, 4, "max_amount", "invalid_range");

    /* Both at once. */
    build(&f, (const char *const[]){"min_amount", "5", "max_amount", "4", "start_date", "2026-02-02", "end_date",
                                    "2026-02-01", NULL});
    assert_int_equal(order_filter_finish(&f, errors), 2);
    assert_int_equal(json_array_size(errors), 6);
    assert_int_equal(order_filter_finish(&f, NULL), 2);
    json_decref(errors);
}

static void test_canonical(void **state)
{
    (void)state;
    char a[1024], b[1024];
    struct order_filter f, g;
    const char *const all[] = {"status", "pending,shipped", "payment_status", "paid", "priority", "high",
                               "user_id", "7", "order_number", "ORD-20261122-0001", "customer_name", "Ann Lee",
                               "customer_phone", "+14155550123", "start_date", "2026-11-01", "end_date",
                               "2026-11-22", "min_amount", "1", "max_amount", "100", "sort", "total_amount", NULL};
    const char *const shuffled[] = {"sort", "total_amount", "max_amount", "100.00", "end_date", "2026-11-22",
                                    "customer_phone", "+14155550123", "priority", "high", "status", "shipped",
                                    "min_amount", "1.0", "user_id", "7", "start_date", "2026-11-01T00:00:00Z",
                                    "payment_status", "paid", "order_number", "ORD-20261122-0001",
                                    "customer_name", "Ann Lee", "status", "pending", NULL};
    build(&f, all);
    build(&g, shuffled);
    order_filter_canonical(&f, a, sizeof a);
    order_filter_canonical(&g, b, sizeof b);
    assert_string_equal(a, b);
    assert_string_equal(a, "st=9;ps=2;pr=4;uid=7;from=1793491200;before=1795392000;min=100;max=10000;sort=3;"
                           "on=ORD-20261122-0001;cp=%2B14155550123;cn=Ann%20Lee");

    order_filter_init(&f);
    order_filter_canonical(&f, a, sizeof a);
    assert_string_equal(a, "st=0;ps=0;pr=0;uid=0;from=-9223372036854775808;before=9223372036854775807;min=-1;"
                           "max=-1;sort=0;on=*;cp=*;cn=*");

    /* Every single-field change gives another text. */
    static const char *const CHANGES[][2] = {
        {"status", "pending"}, {"payment_status", "pending"}, {"priority", "low"}, {"user_id", "8"},
        {"order_number", "ORD-20261122-0002"}, {"customer_name", "Ann"}, {"customer_phone", "+14155550124"},
        {"start_date", "2026-11-02"}, {"end_date", "2026-11-21"}, {"min_amount", "2"}, {"max_amount", "99"},
        {"sort", "created_at"},
    };
    build(&f, all);
    order_filter_canonical(&f, a, sizeof a);
    for (size_t i = 0; i < sizeof CHANGES / sizeof CHANGES[0]; i++) {
        build(&g, all);
        if (strcmp(CHANGES[i][0], "status") == 0)
            g.statuses = 0;
        assert_int_equal(order_filter_set(&g, CHANGES[i][0], CHANGES[i][1], NULL), 0);
        order_filter_canonical(&g, b, sizeof b);
        if (strcmp(a, b) == 0)
            fail_msg("changing %s left the text the same", CHANGES[i][0]);
    }

    /* Separators inside a name cannot imitate another field. */
    order_filter_init(&f);
    assert_int_equal(order_filter_set(&f, "customer_name", "x;cp=*", NULL), 0);
    order_filter_canonical(&f, a, sizeof a);
    assert_non_null(strstr(a, ";cn=x%3Bcp%3D%2A"));
    assert_null(strstr(a + strlen(a) - 12, ";cp=*"));

    /* The longest filter order_filter_set accepts fits, every byte encoded. */
    char name[ORDER_FILTER_NAME_MAX + 1];
    memset(name, '%', ORDER_FILTER_NAME_MAX);
    name[ORDER_FILTER_NAME_MAX] = '\0';
    build(&f, (const char *const[]){"status", "pending,confirmed,processing,shipped,delivered,completed,cancelled",
                                    "user_id", "9223372036854775807", "order_number",
                                    "ORD-20261122-9223372036854775807", "customer_name", name, "customer_phone",
                                    "+123456789012345", "start_date", "1970-01-01", "end_date", "9999-12-31",
                                    "min_amount", "999999999.99", "max_amount", "999999999.99", NULL});
    order_filter_canonical(&f, a, sizeof a);
    size_t len = strlen(a);
    assert_true(len < sizeof a - 1);
    assert_int_equal(strncmp(a + len - 3 * ORDER_FILTER_NAME_MAX, "%25", 3), 0);
    for (size_t i = 0; i < len; i++)
        assert_true(a[i] > 0x20 && a[i] < 0x7f);

    /* A small buffer is cut, not overrun, and stays terminated. */
    char small[16];
    memset(small, 'Z', sizeof small);
    order_filter_canonical(&f, small, 10);
    assert_int_equal(strlen(small), 9);
    assert_int_equal(small[10], 'Z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_status_lists),
        cmocka_unit_test(test_user_id),
        cmocka_unit_test(test_order_number),
        cmocka_unit_test(test_customer_name_and_phone),
        cmocka_unit_test(test_parse_dates_good),
        cmocka_unit_test(test_parse_dates_bad),
        cmocka_unit_test(test_parse_dates_against_timegm),
        cmocka_unit_test(test_date_bounds),
        cmocka_unit_test(test_amounts_and_sort),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_finish),
        cmocka_unit_test(test_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
