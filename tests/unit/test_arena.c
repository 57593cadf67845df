/*
 * test_arena.c — the per-request arena: alignment, zeroing, overflow
 * checks, large allocations, formatting, and deferred releases in reverse
 * order on reset and free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* Records the order in which deferred releases run. */
static char release_log[32];
static size_t release_count;

static void record_release(void *p)
{
    release_log[release_count++] = *(const char *)p;
    release_log[release_count] = '\0';
}

static int setup(void **state)
{
    struct arena *a = arena_new();

    if (a == NULL)
        return -1;
    release_count = 0;
    release_log[0] = '\0';
    *state = a;
    return 0;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

/* Every allocation is aligned to at least 16 bytes and zeroed. */
static void test_alignment_and_zeroing(void **state)
{
    struct arena *a = *state;

    for (size_t size = 1; size < 100; size += 7) {
        unsigned char *p = arena_alloc(a, size);

        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (size_t i = 0; i < size; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xAB, size);
    }
}

/* Memory reused after a reset is zeroed again. */
static void test_reset_rezeroes(void **state)
{
    struct arena *a = *state;
    unsigned char *first = arena_alloc(a, 64);
    unsigned char *again;

    assert_non_null(first);
    memset(first, 0xFF, 64);
    arena_reset(a);
    again = arena_alloc(a, 64);
    assert_ptr_equal(first, again); /* the first block is kept and rewound */
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(again[i], 0);
}

/* arena_used counts rounded bytes and drops to zero on reset. */
static void test_used(void **state)
{
    struct arena *a = *state;

    assert_int_equal(arena_used(a), 0);
    assert_non_null(arena_alloc(a, 1));
    assert_int_equal(arena_used(a), 16);
    assert_non_null(arena_alloc(a, 17));
    assert_int_equal(arena_used(a), 48);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
}

/* Sizes that would wrap around are refused, not shrunk. */
static void test_overflow(void **state)
{
    struct arena *a = *state;

    assert_null(arena_alloc(a, SIZE_MAX));
    assert_null(arena_alloc(a, SIZE_MAX - 8));
    assert_null(arena_calloc(a, SIZE_MAX / 2 + 1, 2));
    assert_null(arena_calloc(a, 2, SIZE_MAX));
    /* The arena is still usable afterwards. */
    assert_non_null(arena_calloc(a, 4, 8));
}

/* Allocations larger than a block, and many small ones, all stay valid. */
static void test_large_and_many(void **state)
{
    struct arena *a = *state;
    unsigned char *big = arena_alloc(a, 100000);
    char *small[2000];

    assert_non_null(big);
    memset(big, 0x5A, 100000);
    for (size_t i = 0; i < 2000; i++) {
        small[i] = arena_printf(a, "item-%zu", i);
        assert_non_null(small[i]);
    }
    for (size_t i = 0; i < 2000; i++) {
        char expected[32];

        snprintf(expected, sizeof(expected), "item-%zu", i);
        assert_string_equal(small[i], expected);
    }
    assert_int_equal(big[0], 0x5A);
    assert_int_equal(big[99999], 0x5A);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    assert_non_null(arena_alloc(a, 200000));
}

/* A reset keeps the blocks of a report-sized request (up to 256 kB) for the
 * next one, which gets them back emptied and zeroed, however malloc was used
 * in between; a block that would pass the bound is freed. */
static void test_reset_keeps_spares(void **state)
{
    struct arena *a = *state;
    unsigned char *body = arena_alloc(a, 40000);
    char *small[600];

    assert_non_null(body);
    memset(body, 0x5A, 40000);
    for (size_t i = 0; i < 600; i++) /* some 40 kB: more standard blocks */
        assert_non_null(small[i] = arena_printf(a, "%0*zu", 60, i));
    arena_reset(a);
    assert_true(arena_spare_bytes(a) >= 40000 + 16384);
    assert_true(arena_spare_bytes(a) <= 256 * 1024);

    /* Between requests, the worker's libraries take memory of that size. */
    void *other = malloc(40000);
    assert_non_null(other);
    unsigned char *again = arena_alloc(a, 40000);
    free(other);
    assert_ptr_equal(again, body);
    for (size_t i = 0; i < 40000; i++)
        assert_int_equal(again[i], 0);
    for (size_t i = 0; i < 600; i++)
        assert_non_null(arena_printf(a, "%0*zu", 60, i));
    assert_int_equal(arena_spare_bytes(a), 0);

    arena_reset(a);
    size_t kept = arena_spare_bytes(a);
    assert_non_null(arena_alloc(a, 1024 * 1024));
    arena_reset(a);
    assert_int_equal(arena_spare_bytes(a), kept); /* the megabyte is freed */
}

static void test_strings(void **state)
{
    struct arena *a = *state;

    assert_string_equal(arena_strdup(a, "hello"), "hello");
    assert_string_equal(arena_strndup(a, "hello", 3), "hel");
    assert_string_equal(arena_strndup(a, "hi", 10), "hi");
    assert_string_equal(arena_strdup(a, ""), "");
    assert_null(arena_strdup(a, NULL));
    assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
}

/* Deferred releases run newest first, once, on reset. */
static void test_defer_order_on_reset(void **state)
{
    struct arena *a = *state;
    static char names[] = "abc";

    assert_int_equal(arena_defer(a, record_release, &names[0]), 0);
    assert_int_equal(arena_defer(a, record_release, &names[1]), 0);
    assert_int_equal(arena_defer(a, record_release, &names[2]), 0);
    assert_int_equal(release_count, 0);
    arena_reset(a);
    assert_string_equal(release_log, "cba");
    arena_reset(a);
    assert_int_equal(release_count, 3);
}

/* arena_free runs the pending releases too. */
static void test_defer_on_free(void **state)
{
    struct arena *a = arena_new();
    static char name = 'z';

    (void)state;
    assert_non_null(a);
    assert_int_equal(arena_defer(a, record_release, &name), 0);
    arena_free(a);
    assert_string_equal(release_log, "z");
}

/* A real heap object registered for release is not leaked (valgrind/ASan
 * would report it otherwise). */
static void test_defer_frees_heap(void **state)
{
    struct arena *a = *state;
    char *heap = malloc(100);

    assert_non_null(heap);
    assert_int_equal(arena_defer(a, free, heap), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alignment_and_zeroing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_rezeroes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_used, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_and_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_keeps_spares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defer_order_on_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defer_on_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defer_frees_heap, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
