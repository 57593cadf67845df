/*
 * test_list_index.c — the index a cursor page enters at the cursor
 * (src/store/list_index.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/order_rules.h"
#include "store/list_index.h"

static struct order_filter filter(enum order_sort sort)
{
    struct order_filter f;
    order_filter_init(&f);
    f.sort = sort;
    return f;
}

static void test_everyones_orders_by_creation(void **state)
{
    (void)state;
    struct order_filter f = filter(SORT_CREATED_DESC);
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_created");
    f.min_amount = 1000;
    f.statuses = 1u << ORDER_PENDING;
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_status_created");
    f.sort = SORT_CREATED_ASC;
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_status_created");
    /* Two statuses: no single range on (status, created_at) is in order. */
    f.statuses |= 1u << ORDER_SHIPPED;
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_created");
    f.payment_statuses = 1u << PAYMENT_PAID;
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_payment_created");
    f.payment_statuses = 0;
    f.priorities = 1u << PRIORITY_URGENT;
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_priority_created");
    f.statuses = 1u << ORDER_REFUNDED; /* status first */
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_status_created");
}

static void test_everyones_orders_by_total(void **state)
{
    (void)state;
    struct order_filter f = filter(SORT_TOTAL_DESC);
    f.statuses = 1u << ORDER_PENDING;
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_total");
    f.sort = SORT_TOTAL_ASC;
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_total");
}

static void test_one_owners_orders(void **state)
{
    (void)state;
    struct order_filter f = filter(SORT_CREATED_DESC);
    f.statuses = 1u << ORDER_PENDING;
    assert_string_equal(order_list_ordered_index(LIST_OWNER_USER, &f), "ix_orders_user_created");
    assert_string_equal(order_list_ordered_index(LIST_OWNER_GUEST, &f), "ix_orders_guest_created");
    f.user_id = 7; /* an admin's user_id filter */
    assert_string_equal(order_list_ordered_index(LIST_OWNER_ANY, &f), "ix_orders_user_created");
    f.sort = SORT_TOTAL_DESC;
    assert_null(order_list_ordered_index(LIST_OWNER_ANY, &f));
    assert_null(order_list_ordered_index(LIST_OWNER_USER, &f));
    assert_null(order_list_ordered_index(LIST_OWNER_GUEST, &f));
}

static void test_lookups_are_left_to_the_optimizer(void **state)
{
    (void)state;
    struct order_filter f = filter(SORT_CREATED_DESC);
    f.order_number = "ORD-20261201-0001";
    assert_null(order_list_ordered_index(LIST_OWNER_ANY, &f));
    f.order_number = NULL;
    f.customer_phone = "+15551234567";
    assert_null(order_list_ordered_index(LIST_OWNER_ANY, &f));
    assert_null(order_list_ordered_index(LIST_OWNER_USER, &f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_everyones_orders_by_creation),
        cmocka_unit_test(test_everyones_orders_by_total),
        cmocka_unit_test(test_one_owners_orders),
        cmocka_unit_test(test_lookups_are_left_to_the_optimizer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
