/*
 * test_sales_pack.c — packed running sales totals (src/domain/sales_pack.c):
 * the byte layout, decoding hostile lengths and orders, adding changes,
 * and the top products of a range with its ties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/sales_pack.h"

static void test_layout_is_big_endian(void **state)
{
    (void)state;
    struct sales_total t[2] = {{1, 2, 0x0102030405060708LL}, {1025, -1, -2}};
    unsigned char p[2 * SALES_PACK_RECORD];
    sales_pack_encode(t, 2, p);
    static const unsigned char first[SALES_PACK_RECORD] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2,
                                                           1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(p, first, SALES_PACK_RECORD);
    for (int i = 8; i < SALES_PACK_RECORD - 1; i++) /* -1, then -2 */
        assert_int_equal(p[SALES_PACK_RECORD + i], 0xff);
    assert_int_equal(p[SALES_PACK_RECORD + 23], 0xfe);
    struct sales_total back[2];
    assert_int_equal(sales_pack_decode(p, sizeof p, 0, back), 0);
    assert_memory_equal(back, t, sizeof t);
}

static void test_decode_refuses_bad_packs(void **state)
{
    (void)state;
    struct sales_total t[2] = {{5, 1, 1}, {5, 1, 1}}, out[2];
    unsigned char p[2 * SALES_PACK_RECORD];
    sales_pack_encode(t, 2, p);
    assert_int_equal(sales_pack_count(sizeof p - 1), -1);
    assert_int_equal(sales_pack_decode(p, sizeof p - 1, 0, out), -1);
    assert_int_equal(sales_pack_decode(p, sizeof p, 0, out), -1);       /* the same id twice */
    assert_int_equal(sales_pack_decode(p, SALES_PACK_RECORD, 5, out), -1); /* not after the chunk before */
    assert_int_equal(sales_pack_decode(p, SALES_PACK_RECORD, 4, out), 0);
    assert_int_equal(sales_pack_decode(p, 0, 0, out), 0);
    assert_int_equal(sales_pack_count(0), 0);
}

static void test_chunks(void **state)
{
    (void)state;
    assert_int_equal(sales_pack_chunk(1), 0);
    assert_int_equal(sales_pack_chunk(SALES_PACK_CHUNK - 1), 0);
    assert_int_equal(sales_pack_chunk(SALES_PACK_CHUNK), 1);
    assert_int_equal(sales_pack_chunk(5 * SALES_PACK_CHUNK + 3), 5);
}

static void test_add_merges_and_keeps_zero_changes(void **state)
{
    (void)state;
    struct sales_total t[3] = {{2, 1, 100}, {4, 2, 200}, {9, 3, 300}};
    struct sales_total d[4] = {{1, 0, 0}, {4, -2, -200}, {5, 1, 50}, {10, 7, 70}};
    struct sales_total out[7];
    size_t n = sales_pack_add(t, 3, d, 4, out);
    struct sales_total want[6] = {{1, 0, 0}, {2, 1, 100}, {4, 0, 0}, {5, 1, 50}, {9, 3, 300}, {10, 7, 70}};
    assert_int_equal(n, 6);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(sales_pack_add(NULL, 0, d, 2, out), 2);
    assert_int_equal(sales_pack_add(t, 3, NULL, 0, out), 3);
    assert_memory_equal(out, t, sizeof t);
}

static void test_top_is_the_difference_ranked(void **state)
{
    (void)state;
    struct sales_total start[3] = {{1, 5, 500}, {2, 1, 100}, {3, 2, 900}};
    struct sales_total end[5] = {{1, 5, 500}, {2, 4, 400}, {3, 4, 1000}, {4, 3, 300}, {6, 0, 0}};
    struct sales_total out[5];
    /* 1 sold nothing in the range; 6 never sold: neither is listed. */
    size_t n = sales_pack_top(end, 5, start, 3, 0, 5, out);
    struct sales_total by_revenue[3] = {{2, 3, 300}, {4, 3, 300}, {3, 2, 100}};
    assert_int_equal(n, 3);
    assert_memory_equal(out, by_revenue, sizeof by_revenue);
    n = sales_pack_top(end, 5, start, 3, 1, 2, out);
    struct sales_total by_quantity[2] = {{2, 3, 300}, {4, 3, 300}};
    assert_int_equal(n, 2);
    assert_memory_equal(out, by_quantity, sizeof by_quantity);
    /* No start: the range begins before the first day. */
    n = sales_pack_top(end, 5, NULL, 0, 1, 1, out);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].product_id, 1);
    assert_int_equal(sales_pack_top(end, 5, start, 3, 0, 0, out), 0);
}

static void test_top_ranks_many(void **state)
{
    (void)state;
    enum { N = 300, LIMIT = 17 };
    struct sales_total end[N], out[LIMIT];
    for (int i = 0; i < N; i++)
        end[i] = (struct sales_total){i + 1, 1 + (i * 37) % 11, ((i * 7919) % 13) * 100};
    size_t n = sales_pack_top(end, N, NULL, 0, 0, LIMIT, out);
    assert_int_equal(n, LIMIT);
    for (size_t i = 1; i < n; i++)
        assert_true(out[i - 1].revenue > out[i].revenue ||
                    (out[i - 1].revenue == out[i].revenue && out[i - 1].product_id < out[i].product_id));
    /* Nothing left out ranks before the last one listed. */
    for (int i = 0; i < N; i++) {
        int listed = 0;
        for (size_t k = 0; k < n; k++)
            listed |= out[k].product_id == end[i].product_id;
        if (!listed)
            assert_true(end[i].revenue < out[n - 1].revenue ||
                        (end[i].revenue == out[n - 1].revenue && end[i].product_id > out[n - 1].product_id));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_is_big_endian),
        cmocka_unit_test(test_decode_refuses_bad_packs),
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_add_merges_and_keeps_zero_changes),
        cmocka_unit_test(test_top_is_the_difference_ranked),
        cmocka_unit_test(test_top_ranks_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
