/*
 * test_order_rules.c — status machines, permissions, line and order totals,
 * order numbers and idempotency fingerprints of src/domain/order_rules.c.
 * The expected tables are written out here from API.md independently of the
 * tables in the source, so a wrong entry on either side fails a test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/money.h"
#include "domain/order_rules.h"

/* A value no computation produces: shows that a refused input left the output alone. */
#define UNTOUCHED ((int64_t)-424242)

enum { P = ORDER_PENDING, CF = ORDER_CONFIRMED, PR = ORDER_PROCESSING, SH = ORDER_SHIPPED, DE = ORDER_DELIVERED,
       CO = ORDER_COMPLETED, CA = ORDER_CANCELLED, RE = ORDER_REFUNDED };

/* API.md "Orders": rows are from, columns are to, in enum order
   pending, confirmed, processing, shipped, delivered, completed, cancelled, refunded. */
static const int EXPECTED_ORDER_TRANSITIONS[ORDER_STATUS_COUNT][ORDER_STATUS_COUNT] = {
    /* pending    */ {0, 1, 1, 0, 0, 0, 1, 0},
    /* confirmed  */ {0, 0, 1, 1, 0, 0, 1, 0},
    /* processing */ {0, 0, 0, 1, 0, 1, 1, 0},
    /* shipped    */ {0, 0, 0, 0, 1, 0, 0, 0},
    /* delivered  */ {0, 0, 0, 0, 0, 1, 0, 1},
    /* completed  */ {0, 0, 0, 0, 0, 0, 0, 1},
    /* cancelled  */ {0, 0, 0, 0, 0, 0, 0, 0},
    /* refunded   */ {0, 0, 0, 0, 0, 0, 0, 0},
};

/* pending, paid, failed, refunded. */
static const int EXPECTED_PAYMENT_TRANSITIONS[PAYMENT_STATUS_COUNT][PAYMENT_STATUS_COUNT] = {
    /* pending  */ {0, 1, 1, 0},
    /* paid     */ {0, 0, 0, 1},
    /* failed   */ {1, 1, 0, 0},
    /* refunded */ {0, 0, 0, 0},
};

static const char *const STATUS_NAMES[] = {"pending",   "confirmed", "processing", "shipped",
                                           "delivered", "completed", "cancelled",  "refunded"};
static const char *const PAYMENT_NAMES[] = {"pending", "paid", "failed", "refunded"};
static const char *const PRIORITY_NAMES[] = {"low", "normal", "high", "urgent"};

/* Every one of the 64 order pairs against the contract's table, with the failing pair printed. */
static void test_order_transitions_all_pairs(void **state)
{
    (void)state;
    int allowed_count = 0;
    for (int from = 0; from < ORDER_STATUS_COUNT; from++) {
        for (int to = 0; to < ORDER_STATUS_COUNT; to++) {
            int got = order_transition_allowed((enum order_status)from, (enum order_status)to);
            if (got != EXPECTED_ORDER_TRANSITIONS[from][to])
                fail_msg("order %s -> %s: got %d", STATUS_NAMES[from], STATUS_NAMES[to], got);
            allowed_count += got;
        }
    }
    assert_int_equal(allowed_count, 13);
    /* Out of range is never allowed. */
    assert_int_equal(order_transition_allowed(ORDER_STATUS_COUNT, ORDER_PENDING), 0);
    assert_int_equal(order_transition_allowed(ORDER_PENDING, ORDER_STATUS_COUNT), 0);
    assert_int_equal(order_transition_allowed((enum order_status)-1, ORDER_CONFIRMED), 0);
}

/* Every one of the 16 payment pairs. */
static void test_payment_transitions_all_pairs(void **state)
{
    (void)state;
    for (int from = 0; from < PAYMENT_STATUS_COUNT; from++)
        for (int to = 0; to < PAYMENT_STATUS_COUNT; to++) {
            int got = payment_transition_allowed((enum payment_status)from, (enum payment_status)to);
            if (got != EXPECTED_PAYMENT_TRANSITIONS[from][to])
                fail_msg("payment %s -> %s: got %d", PAYMENT_NAMES[from], PAYMENT_NAMES[to], got);
        }
    assert_int_equal(payment_transition_allowed(PAYMENT_STATUS_COUNT, PAYMENT_PAID), 0);
    assert_int_equal(payment_transition_allowed(PAYMENT_PENDING, PAYMENT_STATUS_COUNT), 0);
}

/* Names round-trip through parse; near misses are refused and leave the output alone. */
static void test_names_and_parse(void **state)
{
    (void)state;
    for (int i = 0; i < ORDER_STATUS_COUNT; i++) {
        enum order_status s = ORDER_REFUNDED;
        assert_string_equal(order_status_name((enum order_status)i), STATUS_NAMES[i]);
        assert_int_equal(order_status_parse(STATUS_NAMES[i], &s), 0);
        assert_int_equal(s, i);
    }
    for (int i = 0; i < PAYMENT_STATUS_COUNT; i++) {
        enum payment_status s = PAYMENT_REFUNDED;
        assert_string_equal(payment_status_name((enum payment_status)i), PAYMENT_NAMES[i]);
        assert_int_equal(payment_status_parse(PAYMENT_NAMES[i], &s), 0);
        assert_int_equal(s, i);
    }
    for (int i = 0; i < PRIORITY_COUNT; i++) {
        enum order_priority p = PRIORITY_URGENT;
        assert_string_equal(priority_name((enum order_priority)i), PRIORITY_NAMES[i]);
        assert_int_equal(priority_parse(PRIORITY_NAMES[i], &p), 0);
        assert_int_equal(p, i);
    }
    assert_null(order_status_name(ORDER_STATUS_COUNT));
    assert_null(payment_status_name(PAYMENT_STATUS_COUNT));
    assert_null(priority_name(PRIORITY_COUNT));

    static const char *const BAD[] = {"", "Pending", "PENDING", "pending ", " pending", "pend", "pendingx",
                                      "unknown", "paid\n"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        enum order_status s = ORDER_SHIPPED;
        enum payment_status ps = PAYMENT_FAILED;
        enum order_priority pr = PRIORITY_HIGH;
        assert_int_equal(order_status_parse(BAD[i], &s), -1);
        assert_int_equal(s, ORDER_SHIPPED);
        assert_int_equal(payment_status_parse(BAD[i], &ps), -1);
        assert_int_equal(ps, PAYMENT_FAILED);
        assert_int_equal(priority_parse(BAD[i], &pr), -1);
        assert_int_equal(pr, PRIORITY_HIGH);
    }
    enum order_status s;
    enum payment_status ps;
    enum order_priority pr;
    assert_int_equal(order_status_parse(NULL, &s), -1);
    assert_int_equal(payment_status_parse(NULL, &ps), -1);
    assert_int_equal(priority_parse(NULL, &pr), -1);
    /* A payment name is not an order name and vice versa. */
    assert_int_equal(order_status_parse("paid", &s), -1);
    assert_int_equal(payment_status_parse("shipped", &ps), -1);
}

/* The timestamp column of each status, and which statuses count as revenue. */
static void test_timestamps_and_revenue(void **state)
{
    (void)state;
    static const char *const EXPECTED_COLUMN[ORDER_STATUS_COUNT] = {
        NULL, "confirmed_at", NULL, "shipped_at", "delivered_at", "completed_at", "cancelled_at", NULL,
    };
    static const int EXPECTED_REVENUE[ORDER_STATUS_COUNT] = {1, 1, 1, 1, 1, 1, 0, 0};
    for (int i = 0; i < ORDER_STATUS_COUNT; i++) {
        const char *column = order_status_timestamp_column((enum order_status)i);
        if (EXPECTED_COLUMN[i])
            assert_non_null(column), assert_string_equal(column, EXPECTED_COLUMN[i]);
        else
            assert_null(column);
        assert_int_equal(order_status_counts_revenue((enum order_status)i), EXPECTED_REVENUE[i]);
    }
    assert_null(order_status_timestamp_column(ORDER_STATUS_COUNT));
    assert_int_equal(order_status_counts_revenue(ORDER_STATUS_COUNT), 0);
}

/* Cancel, delete and edit for the owner and for an admin, for every status. */
static void test_permissions(void **state)
{
    (void)state;
    /* Columns: owner, admin. */
    static const int CANCEL[ORDER_STATUS_COUNT][2] = {
        [P] = {1, 1}, [CF] = {1, 1}, [PR] = {0, 1}, [SH] = {0, 0},
        [DE] = {0, 0}, [CO] = {0, 0}, [CA] = {0, 0}, [RE] = {0, 0},
    };
    static const int DELETE[ORDER_STATUS_COUNT][2] = {
        [P] = {1, 1}, [CF] = {0, 1}, [PR] = {0, 1}, [SH] = {0, 0},
        [DE] = {0, 0}, [CO] = {0, 0}, [CA] = {0, 0}, [RE] = {0, 0},
    };
    static const int EDIT[ORDER_STATUS_COUNT][2] = {
        [P] = {1, 1}, [CF] = {0, 1}, [PR] = {0, 1}, [SH] = {0, 1},
        [DE] = {0, 1}, [CO] = {0, 1}, [CA] = {0, 0}, [RE] = {0, 0},
    };
    for (int s = 0; s < ORDER_STATUS_COUNT; s++) {
        for (int admin = 0; admin < 2; admin++) {
            int cancel = order_cancellable_by((enum order_status)s, admin);
            int del = order_deletable_by((enum order_status)s, admin);
            int edit = order_editable_by((enum order_status)s, admin);
            if (cancel != CANCEL[s][admin] || del != DELETE[s][admin] || edit != EDIT[s][admin])
                fail_msg("%s admin=%d: cancel %d delete %d edit %d", STATUS_NAMES[s], admin, cancel, del, edit);
        }
    }
    /* is_admin is a truth value, not exactly 1. */
    assert_int_equal(order_cancellable_by(ORDER_PROCESSING, 7), 1);
    assert_int_equal(order_editable_by(ORDER_STATUS_COUNT, 1), 0);
    assert_int_equal(order_cancellable_by(ORDER_STATUS_COUNT, 1), 0);
    assert_int_equal(order_deletable_by(ORDER_STATUS_COUNT, 1), 0);
}

/* The whole status-options document, compared as JSON with the contract's tables. */
static void test_status_options_json(void **state)
{
    (void)state;
    json_error_t error;
    json_t *expected = json_loads(
        "{\"statuses\": [\"pending\", \"confirmed\", \"processing\", \"shipped\", \"delivered\", \"completed\","
        "                \"cancelled\", \"refunded\"],"
        " \"payment_statuses\": [\"pending\", \"paid\", \"failed\", \"refunded\"],"
        " \"priorities\": [\"low\", \"normal\", \"high\", \"urgent\"],"
        " \"transitions\": {\"pending\": [\"confirmed\", \"processing\", \"cancelled\"],"
        "                   \"confirmed\": [\"processing\", \"shipped\", \"cancelled\"],"
        "                   \"processing\": [\"shipped\", \"completed\", \"cancelled\"],"
        "                   \"shipped\": [\"delivered\"],"
        "                   \"delivered\": [\"completed\", \"refunded\"],"
        "                   \"completed\": [\"refunded\"],"
        "                   \"cancelled\": [], \"refunded\": []},"
        " \"payment_transitions\": {\"pending\": [\"paid\", \"failed\"], \"paid\": [\"refunded\"],"
        "                           \"failed\": [\"pending\", \"paid\"], \"refunded\": []}}",
        0, &error);
    assert_non_null(expected);
    json_t *got = order_status_options_json();
    assert_non_null(got);
    if (!json_equal(got, expected)) {
        char *text = json_dumps(got, JSON_SORT_KEYS);
        fail_msg("status options differ: %s", text ? text : "?");
    }
    /* A new reference each time: the caller owns it. */
    json_t *again = order_status_options_json();
    assert_ptr_not_equal(again, got);
    assert_int_equal(got->refcount, 1);
    json_decref(again);
    json_decref(got);
    json_decref(expected);
}

/* Builds a line with only the inputs the merge looks at. */
static struct order_line make_line(int64_t product_id, int64_t quantity, const char *notes, size_t origin)
{
    struct order_line line = {.product_id = product_id, .quantity = quantity, .notes = notes,
                              .notes_len = notes ? strlen(notes) : 0, .request_index = origin};
    return line;
}

/* Unsorted input with duplicates: sorted, merged, first line's other fields and first notes kept. */
static void test_merge_unsorted_duplicates(void **state)
{
    (void)state;
    struct order_line lines[6] = {
        make_line(30, 1, NULL, 0),     make_line(10, 2, NULL, 1), make_line(30, 4, "gift", 2),
        make_line(20, 5, "first", 3),  make_line(10, 3, "late", 4), make_line(20, 1, "second", 5),
    };
    long n = order_lines_merge(lines, 6);
    assert_int_equal(n, 3);
    assert_int_equal(lines[0].product_id, 10);
    assert_int_equal(lines[0].quantity, 5);
    assert_string_equal(lines[0].notes, "late"); /* the first non-NULL notes */
    assert_int_equal(lines[0].notes_len, 4);
    assert_int_equal(lines[0].request_index, 1); /* the first line of product 10 survived */
    assert_int_equal(lines[1].product_id, 20);
    assert_int_equal(lines[1].quantity, 6);
    assert_string_equal(lines[1].notes, "first");
    assert_int_equal(lines[1].request_index, 3);
    assert_int_equal(lines[2].product_id, 30);
    assert_int_equal(lines[2].quantity, 5);
    assert_string_equal(lines[2].notes, "gift");
    assert_int_equal(lines[2].notes_len, 4);
    assert_int_equal(lines[2].request_index, 0);
}

/* No duplicates: only sorted; a single line and no lines are fine. */
static void test_merge_plain(void **state)
{
    (void)state;
    struct order_line lines[4] = {make_line(4, 1, NULL, 0), make_line(3, 1, NULL, 1), make_line(2, 1, NULL, 2),
                                  make_line(1, 1, NULL, 3)};
    assert_int_equal(order_lines_merge(lines, 4), 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(lines[i].product_id, i + 1);
        assert_int_equal(lines[i].request_index, 3 - i);
    }
    assert_int_equal(order_lines_merge(lines, 1), 1);
    assert_int_equal(order_lines_merge(lines, 0), 0);

    /* Many copies of one product collapse to one line. */
    struct order_line same[ORDER_MAX_LINES];
    for (int i = 0; i < ORDER_MAX_LINES; i++)
        same[i] = make_line(7, 100, NULL, i);
    assert_int_equal(order_lines_merge(same, ORDER_MAX_LINES), 1);
    assert_int_equal(same[0].quantity, 10000);
    assert_int_equal(same[0].request_index, 0);
}

/* A merged quantity above ORDER_MAX_QUANTITY is refused; exactly the maximum is fine. */
static void test_merge_quantity_overflow(void **state)
{
    (void)state;
    struct order_line ok[2] = {make_line(1, 5000, NULL, 0), make_line(1, 5000, NULL, 1)};
    assert_int_equal(order_lines_merge(ok, 2), 1);
    assert_int_equal(ok[0].quantity, ORDER_MAX_QUANTITY);

    struct order_line over[3] = {make_line(2, 1, NULL, 0), make_line(1, 5000, NULL, 1), make_line(1, 5001, NULL, 2)};
    assert_int_equal(order_lines_merge(over, 3), -1);
    /* Not half-merged: both lines of product 1 are still there with their own quantities. */
    assert_int_equal(over[0].product_id, 1);
    assert_int_equal(over[0].quantity, 5000);
    assert_int_equal(over[1].quantity, 5001);

    struct order_line single[1] = {make_line(1, ORDER_MAX_QUANTITY + 1, NULL, 0)};
    assert_int_equal(order_lines_merge(single, 1), -1);

    struct order_line huge[2] = {make_line(1, INT64_MAX, NULL, 0), make_line(1, INT64_MAX, NULL, 1)};
    assert_int_equal(order_lines_merge(huge, 2), -1);

    struct order_line negative[2] = {make_line(1, -5, NULL, 0), make_line(1, 3, NULL, 1)};
    assert_int_equal(order_lines_merge(negative, 2), -1);
}

/* Builds a line ready to compute. */
static struct order_line priced_line(int64_t unit_price, int64_t quantity, int64_t tax_rate)
{
    struct order_line line = {.product_id = 1, .quantity = quantity, .unit_price = unit_price, .tax_rate = tax_rate,
                              .subtotal = UNTOUCHED, .tax_amount = UNTOUCHED, .total_amount = UNTOUCHED};
    return line;
}

/* Exact results and half-up rounding. */
static void test_line_compute(void **state)
{
    (void)state;
    static const struct {
        int64_t unit_price, quantity, tax_rate, subtotal, tax, total;
    } CASES[] = {
        {1250, 2, 825, 2500, 206, 2706},      /* 12.50 x 2 at 8.25 %: 206.25 -> 206 */
        {1000, 1, 825, 1000, 83, 1083},       /* 82.5 rounds up */
        {999, 1, 825, 999, 82, 1081},         /* 82.4175 -> 82 */
        {1, 1, 5000, 1, 1, 2},                /* 0.5 rounds up */
        {1, 1, 4999, 1, 0, 1},                /* 0.4999 rounds down */
        {1999, 3, 0, 5997, 0, 5997},          /* no tax */
        {0, 5, 825, 0, 0, 0},                 /* free item */
        {1234, 10000, 10000, 12340000, 12340000, 24680000}, /* 100 % */
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        struct order_line line = priced_line(CASES[i].unit_price, CASES[i].quantity, CASES[i].tax_rate);
        assert_int_equal(order_line_compute(&line), 0);
        if (line.subtotal != CASES[i].subtotal || line.tax_amount != CASES[i].tax ||
            line.total_amount != CASES[i].total)
            fail_msg("case %zu: %lld %lld %lld", i, (long long)line.subtotal, (long long)line.tax_amount,
                     (long long)line.total_amount);
    }
}

/* Refused lines are left untouched. */
static void test_line_compute_refused(void **state)
{
    (void)state;
    static const struct {
        int64_t unit_price, quantity, tax_rate;
    } CASES[] = {
        {INT64_MAX, 2, 0},           /* subtotal overflows */
        {INT64_MAX / 2 + 1, 2, 0},   /* exactly 2^63 */
        {INT64_MAX, 1, 1},           /* the tax pushes the total over */
        {INT64_MAX / 10000, 10000, 10000}, /* subtotal fits, subtotal + 100 % tax does not */
        {-1, 1, 825},
        {100, 1, -1},
        {100, 0, 825},
        {100, -1, 825},
        {100, ORDER_MAX_QUANTITY + 1, 825},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        struct order_line line = priced_line(CASES[i].unit_price, CASES[i].quantity, CASES[i].tax_rate);
        if (order_line_compute(&line) != -1)
            fail_msg("case %zu was accepted", i);
        assert_int_equal(line.subtotal, UNTOUCHED);
        assert_int_equal(line.tax_amount, UNTOUCHED);
        assert_int_equal(line.total_amount, UNTOUCHED);
    }
    /* The largest price that still fits with no tax. */
    struct order_line max = priced_line(INT64_MAX, 1, 0);
    assert_int_equal(order_line_compute(&max), 0);
    assert_int_equal(max.total_amount, INT64_MAX);
}

/* Two computed lines used by the totals tests: 25.00 + 2.06 tax and 10.00 + 0.83 tax. */
static void two_lines(struct order_line lines[2])
{
    lines[0] = priced_line(1250, 2, 825);
    lines[1] = priced_line(1000, 1, 825);
    assert_int_equal(order_line_compute(&lines[0]), 0);
    assert_int_equal(order_line_compute(&lines[1]), 0);
}

/* Shipping below, at and above the free threshold; without an address; with free shipping disabled. */
static void test_totals_shipping(void **state)
{
    (void)state;
    struct order_line lines[2];
    two_lines(lines); /* subtotal 3500, tax 289 */
    struct order_totals t;

    assert_int_equal(order_totals_compute(lines, 2, 1, 500, 3501, 0, &t), 0); /* below */
    assert_int_equal(t.item_count, 2);
    assert_int_equal(t.total_quantity, 3);
    assert_int_equal(t.subtotal, 3500);
    assert_int_equal(t.tax_amount, 289);
    assert_int_equal(t.shipping_amount, 500);
    assert_int_equal(t.discount_amount, 0);
    assert_int_equal(t.total_amount, 4289);

    assert_int_equal(order_totals_compute(lines, 2, 1, 500, 3500, 0, &t), 0); /* at: free */
    assert_int_equal(t.shipping_amount, 0);
    assert_int_equal(t.total_amount, 3789);

    assert_int_equal(order_totals_compute(lines, 2, 1, 500, 3499, 0, &t), 0); /* above: free */
    assert_int_equal(t.shipping_amount, 0);

    assert_int_equal(order_totals_compute(lines, 2, 0, 500, 100000, 0, &t), 0); /* no address */
    assert_int_equal(t.shipping_amount, 0);
    assert_int_equal(t.total_amount, 3789);

    assert_int_equal(order_totals_compute(lines, 2, 1, 500, 0, 0, &t), 0); /* never free */
    assert_int_equal(t.shipping_amount, 500);
    assert_int_equal(order_totals_compute(lines, 2, 1, 500, -1, 0, &t), 0);
    assert_int_equal(t.shipping_amount, 500);

    /* The contract's example: one line 25.00 + 2.06, shipping 5.00 -> 32.06. */
    assert_int_equal(order_totals_compute(lines, 1, 1, 500, 5000, 0, &t), 0);
    assert_int_equal(t.item_count, 1);
    assert_int_equal(t.total_amount, 3206);

    /* No lines. */
    assert_int_equal(order_totals_compute(lines, 0, 0, 500, 5000, 0, &t), 0);
    assert_int_equal(t.item_count, 0);
    assert_int_equal(t.total_amount, 0);
}

/* The discount may take the total to zero, never below, and is never negative. */
static void test_totals_discount(void **state)
{
    (void)state;
    struct order_line lines[2];
    two_lines(lines); /* gross with shipping 500: 4289 */
    struct order_totals t;
    assert_int_equal(order_totals_compute(lines, 2, 1, 500, 0, 289, &t), 0);
    assert_int_equal(t.discount_amount, 289);
    assert_int_equal(t.total_amount, 4000);
    assert_int_equal(order_totals_compute(lines, 2, 1, 500, 0, 4289, &t), 0);
    assert_int_equal(t.total_amount, 0);

    struct order_totals untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    struct order_totals copy = untouched;
    assert_int_equal(order_totals_compute(lines, 2, 1, 500, 0, 4290, &untouched), -1);
    assert_int_equal(order_totals_compute(lines, 2, 1, 500, 0, -1, &untouched), -1);
    assert_int_equal(order_totals_compute(lines, 2, 0, 500, 0, 3790, &untouched), -1); /* no shipping to absorb */
    assert_int_equal(order_totals_compute(lines, 2, 1, -500, 0, 0, &untouched), -1);  /* negative shipping */
    assert_memory_equal(&untouched, &copy, sizeof copy);
}

/* Sums that do not fit in int64, and lines that were not computed consistently. */
static void test_totals_overflow(void **state)
{
    (void)state;
    struct order_line big[2] = {priced_line(INT64_MAX, 1, 0), priced_line(1, 1, 0)};
    assert_int_equal(order_line_compute(&big[0]), 0);
    assert_int_equal(order_line_compute(&big[1]), 0);
    struct order_totals t;
    memset(&t, 0, sizeof t);
    assert_int_equal(order_totals_compute(big, 2, 0, 0, 0, 0, &t), -1);
    assert_int_equal(t.total_amount, 0);

    /* One line at the maximum: fine without shipping, overflow with it. */
    assert_int_equal(order_totals_compute(big, 1, 0, 500, 0, 0, &t), 0);
    assert_int_equal(t.total_amount, INT64_MAX);
    assert_int_equal(order_totals_compute(big, 1, 1, 500, 0, 0, &t), -1);

    /* Subtotal and tax each fit but their sum does not. */
    struct order_line half[2] = {priced_line(INT64_MAX / 2, 1, 0), priced_line(INT64_MAX / 2, 1, 0)};
    assert_int_equal(order_line_compute(&half[0]), 0);
    assert_int_equal(order_line_compute(&half[1]), 0);
    half[1].subtotal = 0;
    half[1].tax_amount = INT64_MAX / 2;
    assert_int_equal(order_totals_compute(half, 2, 0, 0, 0, 0, &t), 0);
    assert_int_equal(t.total_amount, INT64_MAX - 1);
    half[1].tax_amount = INT64_MAX / 2 + 2;
    half[1].total_amount = INT64_MAX / 2 + 2;
    assert_int_equal(order_totals_compute(half, 2, 0, 0, 0, 0, &t), -1);

    /* A line whose total is not subtotal + tax, or with negative values. */
    struct order_line lines[2];
    two_lines(lines);
    lines[1].total_amount += 1;
    assert_int_equal(order_totals_compute(lines, 2, 0, 0, 0, 0, &t), -1);
    two_lines(lines);
    lines[0].subtotal = -2500;
    lines[0].total_amount = -2294;
    assert_int_equal(order_totals_compute(lines, 2, 0, 0, 0, 0, &t), -1);
}

/* Order numbers: padding to four digits, longer sequences, refused dates and sequences. */
static void test_order_number_format(void **state)
{
    (void)state;
    char out[40];
    assert_int_equal(order_number_format(2026, 11, 22, 1, out, sizeof out), 0);
    assert_string_equal(out, "ORD-20261122-0001");
    assert_int_equal(order_number_format(2026, 11, 22, 12345, out, sizeof out), 0);
    assert_string_equal(out, "ORD-20261122-12345");
    assert_int_equal(order_number_format(2026, 1, 5, 9999, out, sizeof out), 0);
    assert_string_equal(out, "ORD-20260105-9999");
    assert_int_equal(order_number_format(2024, 2, 29, 10, out, sizeof out), 0);
    assert_string_equal(out, "ORD-20240229-0010");
    assert_int_equal(order_number_format(9999, 12, 31, INT64_MAX, out, sizeof out), 0);
    assert_string_equal(out, "ORD-99991231-9223372036854775807");

    strcpy(out, "unchanged");
    assert_int_equal(order_number_format(2026, 2, 29, 1, out, sizeof out), -1);
    assert_int_equal(order_number_format(2026, 13, 1, 1, out, sizeof out), -1);
    assert_int_equal(order_number_format(2026, 0, 1, 1, out, sizeof out), -1);
    assert_int_equal(order_number_format(2026, 4, 31, 1, out, sizeof out), -1);
    assert_int_equal(order_number_format(2026, 4, 0, 1, out, sizeof out), -1);
    assert_int_equal(order_number_format(1969, 12, 31, 1, out, sizeof out), -1);
    assert_int_equal(order_number_format(10000, 1, 1, 1, out, sizeof out), -1);
    assert_int_equal(order_number_format(2026, 11, 22, 0, out, sizeof out), -1);
    assert_int_equal(order_number_format(2026, 11, 22, -1, out, sizeof out), -1);
    assert_int_equal(order_number_format(2026, 11, 22, 1, out, 39), -1);
    assert_int_equal(order_number_format(2026, 11, 22, 1, NULL, 40), -1);
    assert_string_equal(out, "unchanged");
}

/* Order number blocks: the first reservation is one number, then they
 * double up to the maximum; the numbers handed out are the block's, in
 * order, and a new day or an empty block asks for a reservation. */
static void test_order_number_blocks_grow_from_one(void **state)
{
    (void)state;
    struct order_number_block b = {0};
    int64_t seq = 0, sequence = 0, expect_sizes[] = {1, 2, 4, 8, 16, 32, 50, 50, 50};
    assert_int_equal(order_number_block_take(&b, "2026-12-01", &seq), 0);
    for (size_t k = 0; k < sizeof expect_sizes / sizeof expect_sizes[0]; k++) {
        int64_t want = order_number_block_want(&b);
        assert_int_equal(want, expect_sizes[k]);
        sequence += want + 3; /* others reserved 3 in between: a gap */
        assert_int_equal(order_number_block_fill(&b, "2026-12-01", sequence, want), 0);
        for (int64_t i = 0; i < want; i++) {
            assert_int_equal(order_number_block_take(&b, "2026-12-01", &seq), 1);
            assert_int_equal(seq, sequence - want + 1 + i);
        }
        assert_int_equal(order_number_block_take(&b, "2026-12-01", &seq), 0);
    }
    /* One order (plain CGI): a block of one, nothing left over to burn. */
    struct order_number_block one = {0};
    assert_int_equal(order_number_block_want(&one), 1);
    assert_int_equal(order_number_block_fill(&one, "2026-12-01", 7, 1), 0);
    assert_int_equal(order_number_block_take(&one, "2026-12-01", &seq), 1);
    assert_int_equal(seq, 7);
    assert_int_equal(order_number_block_take(&one, "2026-12-01", &seq), 0);
}

/* A dropped block hands out nothing more and asks for a reservation of
 * the size it would have asked for anyway. */
static void test_order_number_block_drop(void **state)
{
    (void)state;
    struct order_number_block b = {0};
    int64_t seq = 0;
    assert_int_equal(order_number_block_fill(&b, "2026-12-01", 40, 8), 0);
    assert_int_equal(order_number_block_take(&b, "2026-12-01", &seq), 1);
    assert_int_equal(seq, 33);
    order_number_block_drop(&b);
    assert_int_equal(order_number_block_take(&b, "2026-12-01", &seq), 0);
    assert_int_equal(order_number_block_want(&b), 16);
    assert_int_equal(order_number_block_fill(&b, "2026-12-01", 56, 16), 0);
    assert_int_equal(order_number_block_take(&b, "2026-12-01", &seq), 1);
    assert_int_equal(seq, 41);
    struct order_number_block none = {0};
    order_number_block_drop(&none); /* no block yet: still none */
    assert_int_equal(order_number_block_take(&none, "2026-12-01", &seq), 0);
}

/* Numbers left from yesterday are not handed out today; refused fills
 * change nothing. */
static void test_order_number_blocks_day_and_bad_fills(void **state)
{
    (void)state;
    struct order_number_block b = {0};
    int64_t seq = 0;
    assert_int_equal(order_number_block_fill(&b, "2026-12-01", 10, 4), 0);
    assert_int_equal(order_number_block_take(&b, "2026-12-01", &seq), 1);
    assert_int_equal(seq, 7);
    assert_int_equal(order_number_block_take(&b, "2026-12-02", &seq), 0);
    assert_int_equal(order_number_block_want(&b), 8); /* a busy process stays busy */
    assert_int_equal(order_number_block_fill(&b, "2026-12-02", 8, 8), 0);
    assert_int_equal(order_number_block_take(&b, "2026-12-02", &seq), 1);
    assert_int_equal(seq, 1);

    struct order_number_block before = b;
    assert_int_equal(order_number_block_fill(&b, "2026-12-02", 3, 4), -1);  /* last < size */
    assert_int_equal(order_number_block_fill(&b, "2026-12-02", 3, 0), -1);  /* empty block */
    assert_int_equal(order_number_block_fill(&b, "2026-12-02", 3, -2), -1);
    assert_int_equal(order_number_block_fill(&b, "2026-12-02-and-more", 30, 4), -1);
    assert_memory_equal(&b, &before, sizeof b);
    assert_int_equal(order_number_block_want(&(struct order_number_block){.size = 25}), 50);
    assert_int_equal(order_number_block_want(&(struct order_number_block){.size = 50}), 50);
}

/* Idempotency keys: length 1..255, printable ASCII, not only spaces. */
static void test_idempotency_key_valid(void **state)
{
    (void)state;
    char key[300];
    assert_int_equal(idempotency_key_valid("a"), 1);
    assert_int_equal(idempotency_key_valid("3f2a9c1e-7b4d-4e0f-9a61-2c8d5e7f0b13"), 1);
    assert_int_equal(idempotency_key_valid(" key with spaces ~!"), 1);
    memset(key, 'k', 255);
    key[255] = '\0';
    assert_int_equal(idempotency_key_valid(key), 1);
    key[255] = 'k';
    key[256] = '\0';
    assert_int_equal(idempotency_key_valid(key), 0);

    assert_int_equal(idempotency_key_valid(NULL), 0);
    assert_int_equal(idempotency_key_valid(""), 0);
    assert_int_equal(idempotency_key_valid(" "), 0);
    assert_int_equal(idempotency_key_valid("     "), 0);
    assert_int_equal(idempotency_key_valid("tab\there"), 0);
    assert_int_equal(idempotency_key_valid("new\nline"), 0);
    assert_int_equal(idempotency_key_valid("del\x7f"), 0);
    assert_int_equal(idempotency_key_valid("caf\xc3\xa9"), 0);
}

/* Hashes body text (parsed) for method and path; fails the test on a bad fixture. */
static void hash_of(const char *method, const char *path, const char *body_text, char out[65])
{
    json_t *body = NULL;
    if (body_text) {
        json_error_t error;
        body = json_loads(body_text, 0, &error);
        if (!body)
            fail_msg("fixture: %s", error.text);
    }
    assert_int_equal(idempotency_request_hash(method, path, body, out), 0);
    assert_int_equal(strlen(out), 64);
    json_decref(body);
}

/* The same request in any key order or spacing hashes the same; a change anywhere hashes differently. */
static void test_idempotency_hash(void **state)
{
    (void)state;
    char a[65], b[65], c[65];
    /* A known value: sha256("POST\n/api/v1/orders\n{\"a\":1,\"b\":[1,2]}"). */
    hash_of("POST", "/api/v1/orders", "{\"b\": [1, 2], \"a\": 1}", a);
    assert_string_equal(a, "aadca22f1d4c32f5b88bcac3709a7c05f086681a67bc6d3407af3009ddec6554");
    /* NULL body: sha256("POST\n/api/v1/orders/1/cancel\n"). */
    hash_of("POST", "/api/v1/orders/1/cancel", NULL, b);
    assert_string_equal(b, "98d9b926b93f8de85d104f635875465fa38d234da844bb68d79cccdd565c9002");

    const char *body = "{\"items\": [{\"product_id\": 1, \"quantity\": 2, \"notes\": \"x\"}],"
                       " \"customer_name\": \"Ann\", \"shipping_address\": {\"city\": \"Oslo\", \"country\": \"NO\"}}";
    const char *reordered = "{\n  \"shipping_address\":{\"country\":\"NO\",\"city\":\"Oslo\"},"
                            "\"customer_name\":\"Ann\",\t\"items\":[{\"notes\":\"x\",\"quantity\":2,\"product_id\":1}]\n}";
    hash_of("POST", "/api/v1/orders", body, a);
    hash_of("POST", "/api/v1/orders", reordered, b);
    assert_string_equal(a, b);

    hash_of("POST", "/api/v1/orders", "{\"items\": [{\"product_id\": 1, \"quantity\": 3, \"notes\": \"x\"}],"
                                      " \"customer_name\": \"Ann\", \"shipping_address\": {\"city\": \"Oslo\","
                                      " \"country\": \"NO\"}}", c);
    assert_string_not_equal(a, c); /* another value */
    hash_of("POST", "/api/v1/orders/", body, c);
    assert_string_not_equal(a, c); /* another path */
    hash_of("PUT", "/api/v1/orders", body, c);
    assert_string_not_equal(a, c); /* another method */
    hash_of("POST", "/api/v1/orders", "{}", c);
    hash_of("POST", "/api/v1/orders", NULL, b);
    assert_string_not_equal(b, c); /* an empty object is not an absent body */
    /* Array order matters. */
    hash_of("POST", "/p", "[1, 2]", b);
    hash_of("POST", "/p", "[2, 1]", c);
    assert_string_not_equal(b, c);

    assert_int_equal(idempotency_request_hash(NULL, "/p", NULL, a), -1);
    assert_int_equal(idempotency_request_hash("POST", NULL, NULL, a), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_transitions_all_pairs),
        cmocka_unit_test(test_payment_transitions_all_pairs),
        cmocka_unit_test(test_names_and_parse),
        cmocka_unit_test(test_timestamps_and_revenue),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_status_options_json),
        cmocka_unit_test(test_merge_unsorted_duplicates),
        cmocka_unit_test(test_merge_plain),
        cmocka_unit_test(test_merge_quantity_overflow),
        cmocka_unit_test(test_line_compute),
        cmocka_unit_test(test_line_compute_refused),
        cmocka_unit_test(test_totals_shipping),
        cmocka_unit_test(test_totals_discount),
        cmocka_unit_test(test_totals_overflow),
        cmocka_unit_test(test_order_number_format),
        cmocka_unit_test(test_order_number_blocks_grow_from_one),
        cmocka_unit_test(test_order_number_block_drop),
        cmocka_unit_test(test_order_number_blocks_day_and_bad_fills),
        cmocka_unit_test(test_idempotency_key_valid),
        cmocka_unit_test(test_idempotency_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
