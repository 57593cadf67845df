/*
 * test_report_body.c — the sales report and statistics bodies written
 * directly (src/handlers/report_body.c) must be byte for byte what
 * json_dumps(JSON_COMPACT) writes for their jansson trees: random ranges
 * by day, week and month with empty periods, extreme sums, every status,
 * names to escape; and the writers decline what the trees would write
 * some other way (an unknown status, a NULL or non-UTF-8 text).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "domain/order_rules.h"
#include "domain/report_periods.h"
#include "domain/sales_series.h"
#include "handlers/report_body.h"
#include "arena_fixture.h"
#include "json_out.h"
#include "store/db.h"
#include "store/statements.h"


/* The tree's compact text (malloc'd), consuming the tree. */
static char *dump(json_t *tree)
{
    assert_non_null(tree);
    char *text = json_dumps(tree, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(tree);
    assert_non_null(text);
    return text;
}

static void assert_same_text(const struct json_out *o, char *want)
{
    assert_false(o->failed);
    assert_int_equal(o->len, strlen(want));
    assert_string_equal(o->buf, want);
    free(want);
}

static void assert_sales_same(const struct sales_body *b, size_t first_cap)
{
    struct json_out o;
    json_out_init(&o, arena, NULL, first_cap);
    assert_int_equal(sales_body_write(&o, b), 0);
    assert_same_text(&o, dump(sales_body_json(b)));
}

/* A small pseudo-random generator of our own: the same cases every run. */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t random_below(int64_t n)
{
    return (int64_t)(next_random() % (uint64_t)n);
}

/* A range of up to three years from 2020 on, days scattered over it (some
 * outside it, most days absent so that many periods are empty), folded. */
static void random_sales_case(enum report_group g)
{
    int64_t from = 18262 + random_below(2000), to = from + random_below(3 * 365);
    size_t ndays = (size_t)random_below(60), count = report_period_count(from, to, g);
    struct sales_day *days = arena_alloc(arena, (ndays + 1) * sizeof *days);
    struct sales_period *periods = arena_alloc(arena, count * sizeof *periods);
    assert_non_null(days);
    assert_non_null(periods);
    for (size_t i = 0; i < ndays; i++)
        days[i] = (struct sales_day){from - 3 + random_below(to - from + 7), random_below(5000),
                                     random_below(1000000000), random_below(20000)};
    assert_int_equal(sales_series_fold(from, to, g, days, ndays, periods, count), 0);
    char from_text[11], to_text[11];
    report_day_format(from, from_text);
    report_day_format(to, to_text);
    struct sales_body b = {g, from_text, to_text, periods, count};
    /* A first buffer too small for most answers: the writer grows it. */
    assert_sales_same(&b, 16);
}

static void test_sales_random_ranges(void **state)
{
    (void)state;
    for (int i = 0; i < 300; i++)
        random_sales_case((enum report_group)(i % 3));
}

static void test_sales_edges(void **state)
{
    (void)state;
    struct sales_period p[4] = {
        {.start = 0},                                             /* 1970-01-01, empty */
        {.start = 2932896, .orders = 1, .revenue = 5, .items = 1}, /* 9999-12-31 */
        {.start = 20000, .orders = INT64_MAX, .revenue = INT64_MAX, .items = INT64_MAX},
        {.start = 20001, .orders = 3, .revenue = -1001, .items = INT64_MIN},
    };
    struct sales_body b = {REPORT_MONTH, "1970-01-01", "9999-12-31", p, 4};
    assert_sales_same(&b, 0);
    b.count = 0; /* no period at all: "data":[] */
    b.group = REPORT_WEEK;
    assert_sales_same(&b, 0);
}

static void test_sales_declines_bad_text(void **state)
{
    (void)state;
    struct sales_period p = {.start = 20000};
    struct sales_body b = {REPORT_DAY, "2024-01-01", NULL, &p, 1};
    struct json_out o;
    json_out_init(&o, arena, NULL, 0);
    assert_int_equal(sales_body_write(&o, &b), -1);
    b.to_text = "\xff";
    json_out_init(&o, arena, NULL, 0);
    assert_int_equal(sales_body_write(&o, &b), -1);
}

/* Statistics rows: buckets, days and products. */
static struct db_value bucket_cells[40 * STATS_BUCKETS_NCOLUMNS], daily_cells[400 * STATS_DAILY_NCOLUMNS],
    top_cells[12 * STATS_TOP_NCOLUMNS];
static struct db_rows buckets = {0, STATS_BUCKETS_NCOLUMNS, bucket_cells},
                      daily = {0, STATS_DAILY_NCOLUMNS, daily_cells}, top = {0, STATS_TOP_NCOLUMNS, top_cells};
static char day_texts[400][11];

static void add_bucket(const char *status, const char *payment, int64_t orders, int64_t revenue)
{
    struct db_value *c = DB_CELL(&buckets, buckets.count, 0);
    c[SBUCKET_STATUS] = status ? DBP_STR(status) : DBP_NULL;
    c[SBUCKET_PAYMENT_STATUS] = payment ? DBP_STR(payment) : DBP_NULL;
    c[SBUCKET_ORDERS] = DBP_INT(orders);
    c[SBUCKET_REVENUE] = DBP_INT(revenue);
    buckets.count++;
}

static void add_product(int64_t id, const char *name, int64_t quantity, int64_t revenue)
{
    struct db_value *c = DB_CELL(&top, top.count, 0);
    c[STOP_PRODUCT_ID] = DBP_INT(id);
    c[STOP_NAME] = name ? DBP_STR(name) : DBP_NULL;
    c[STOP_QUANTITY] = DBP_INT(quantity);
    c[STOP_REVENUE] = DBP_INT(revenue);
    top.count++;
}

/* Every pair of statuses in a random order (some twice), ndays days from
 * a random first one (gaps: days without orders have no row), products
 * whose names need escaping. */
static void fill_stats(size_t ndays, size_t nproducts)
{
    buckets.count = daily.count = top.count = 0;
    for (int s = 0; s < ORDER_STATUS_COUNT; s++)
        for (int p = 0; p < PAYMENT_STATUS_COUNT; p++)
            if (random_below(4) != 0)
                add_bucket(order_status_name((enum order_status)((s + 3) % ORDER_STATUS_COUNT)),
                           payment_status_name((enum payment_status)p), random_below(100000),
                           random_below(1000000000));
    if (buckets.count > 0) /* a pair seen twice adds up */
        add_bucket(DB_CELL(&buckets, 0, SBUCKET_STATUS)->s, DB_CELL(&buckets, 0, SBUCKET_PAYMENT_STATUS)->s, 7, 99);
    int64_t day = 19000 + random_below(1000);
    for (size_t r = 0; r < ndays; r++, day += 1 + random_below(3)) {
        report_day_format(day, day_texts[r]);
        struct db_value *c = DB_CELL(&daily, r, 0);
        c[SDAILY_DAY] = DBP_STR(day_texts[r]);
        c[SDAILY_ORDERS] = DBP_INT(random_below(3000));
        c[SDAILY_REVENUE] = DBP_INT(random_below(100000000));
        daily.count++;
    }
    static const char *const NAMES[] = {"Widget", "Widget \"Pro\"", "Back\\slash", "Tab\tand\nnewline",
                                        "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6", "ctl\x01\x1f", "", "x"};
    for (size_t r = 0; r < nproducts; r++)
        add_product(1 + random_below(1000), NAMES[r % 8], random_below(100000), random_below(1000000000));
}

static void assert_stats_same(const char *from, const char *to)
{
    struct stats_body b = {from, to, &buckets, &daily, &top};
    struct json_out o;
    json_out_init(&o, arena, NULL, 64);
    assert_int_equal(stats_body_write(&o, &b), 0);
    assert_same_text(&o, dump(stats_body_json(&b)));
}

static void test_stats_random(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        fill_stats((size_t)random_below(400), (size_t)random_below(11));
        assert_stats_same("2024-01-01", "2024-12-31");
    }
    fill_stats(0, 0); /* nothing in the range */
    buckets.count = 0;
    assert_stats_same("1970-01-01", "9999-12-31");
}

/* The tree leaves a product out whose name jansson refuses. */
static void assert_top_products_left_out(const struct stats_body *b)
{
    json_t *tree = stats_body_json(b);
    assert_non_null(tree);
    assert_int_equal(json_array_size(json_object_get(tree, "top_products")), 3);
    json_decref(tree);
}

/* An unknown status: the tree adds it as a key of its own; a NULL or
 * non-UTF-8 name: the tree leaves the product out.  The writer declines
 * all of them. */
static void test_stats_declines(void **state)
{
    (void)state;
    struct stats_body b = {"2024-01-01", "2024-01-31", &buckets, &daily, &top};
    struct json_out o;

    fill_stats(5, 3);
    add_bucket("lost", "paid", 1, 100);
    json_out_init(&o, arena, NULL, 0);
    assert_int_equal(stats_body_write(&o, &b), -1);
    char *text = dump(stats_body_json(&b));
    assert_non_null(strstr(text, "\"lost\":1"));
    free(text);

    fill_stats(5, 3);
    add_bucket("pending", "PAID", 1, 100);
    json_out_init(&o, arena, NULL, 0);
    assert_int_equal(stats_body_write(&o, &b), -1);

    fill_stats(5, 3);
    add_product(1, NULL, 1, 1);
    json_out_init(&o, arena, NULL, 0);
    assert_int_equal(stats_body_write(&o, &b), -1);
    assert_top_products_left_out(&b);

    fill_stats(5, 3);
    add_product(1, "bad \xc3\x28", 1, 1);
    json_out_init(&o, arena, NULL, 0);
    assert_int_equal(stats_body_write(&o, &b), -1);
    assert_top_products_left_out(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sales_random_ranges), cmocka_unit_test(test_sales_edges),
        cmocka_unit_test(test_sales_declines_bad_text), cmocka_unit_test(test_stats_random),
        cmocka_unit_test(test_stats_declines),
    };
    return cmocka_run_group_tests(tests, arena_setup, arena_teardown);
}
