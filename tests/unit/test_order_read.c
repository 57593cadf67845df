/*
 * test_order_read.c — the single order's body written directly must be
 * byte for byte order_json's, for every shape of row; where it cannot be,
 * order_read_json declines and the handler uses order_json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arena_fixture.h"
#include "handlers/order_common.h"
#include "handlers/order_read.h"
#include "json_out.h"
#include "store/db.h"
#include "store/order_store.h"
#include "store/statements.h"

static struct db_value order_cells[OC_COUNT];
static struct db_value item_cells[3 * ORDER_ITEM_NCOLUMNS];
static struct db_rows order, items;

static struct db_value str(const char *s)
{
    return DBP_STR(s);
}

/* A complete order with two items, every optional field set. */
static int fill(void **state)
{
    (void)state;
    for (int c = 0; c < OC_COUNT; c++)
        order_cells[c] = DBP_NULL;
    order_cells[OC_ID] = DBP_INT(26005);
    order_cells[OC_NUMBER] = str("ORD-20260926-0632");
    order_cells[OC_USER_ID] = DBP_INT(7);
    order_cells[OC_PLACED_BY] = DBP_INT(1);
    order_cells[OC_STATUS] = str("completed");
    order_cells[OC_PAYMENT_STATUS] = str("paid");
    order_cells[OC_PAYMENT_METHOD] = str("card");
    order_cells[OC_TRANSACTION_REF] = str("tx-\"1\"");
    order_cells[OC_PRIORITY] = str("normal");
    order_cells[OC_CUSTOMER_NAME] = str("Ren\xc3\xa9\x65 \\ O'Brien\t");
    order_cells[OC_CUSTOMER_EMAIL] = str("rene@example.com");
    order_cells[OC_CUSTOMER_PHONE] = str("+15551234567");
    order_cells[OC_SHIPPING_ADDRESS] =
        str("{\"full_name\": \"Ren\\u00e9e\", \"line1\": \"1 Main St\", \"line2\": null, \"zip\": 62701.5}");
    order_cells[OC_ITEM_COUNT] = DBP_INT(2);
    order_cells[OC_TOTAL_QUANTITY] = DBP_INT(3);
    order_cells[OC_SUBTOTAL] = DBP_INT(2500);
    order_cells[OC_TAX] = DBP_INT(206);
    order_cells[OC_SHIPPING] = DBP_INT(500);
    order_cells[OC_DISCOUNT] = DBP_INT(-1);
    order_cells[OC_TOTAL] = DBP_INT(3206);
    order_cells[OC_CURRENCY] = str("USD");
    order_cells[OC_NOTES] = str("leave at the door\n\x01");
    order_cells[OC_VERSION] = DBP_INT(4);
    order_cells[OC_CREATED_AT] = str("2026-11-22T10:30:00Z");
    order_cells[OC_UPDATED_AT] = str("2026-11-22T10:31:00Z");
    order_cells[OC_CONFIRMED_AT] = str("2026-11-22T10:32:00Z");
    order_cells[OC_SHIPPED_AT] = str("2026-11-22T10:33:00Z");
    order_cells[OC_DELIVERED_AT] = str("2026-11-22T10:34:00Z");
    order_cells[OC_COMPLETED_AT] = str("2026-11-22T10:35:00Z");
    order_cells[OC_CANCELLED_AT] = str("2026-11-22T10:36:00Z");
    for (int r = 0; r < 3; r++) {
        struct db_value *it = item_cells + r * ORDER_ITEM_NCOLUMNS;
        it[OIC_ID] = DBP_INT(100 + r);
        it[OIC_PRODUCT_ID] = DBP_INT(9 + r);
        it[OIC_SKU] = str(r ? "SKU-2" : "SKU-\xe2\x82\xac");
        it[OIC_PRODUCT_NAME] = str("Widget \"Pro\"");
        it[OIC_UNIT_PRICE] = DBP_INT(1250);
        it[OIC_QUANTITY] = DBP_INT(r + 1);
        it[OIC_SUBTOTAL] = DBP_INT(1250 * (r + 1));
        it[OIC_TAX] = DBP_INT(103);
        it[OIC_TOTAL] = DBP_INT(1353);
        it[OIC_NOTES] = r ? DBP_NULL : str("gift");
        it[OIC_TAX_RATE] = DBP_INT(825);
    }
    order = (struct db_rows){.count = 1, .columns = OC_COUNT, .cells = order_cells};
    items = (struct db_rows){.count = 2, .columns = ORDER_ITEM_NCOLUMNS, .cells = item_cells};
    return 0;
}

/* The direct body equals json_dumps(order_json(...)). */
static void assert_same_as_order_json(void)
{
    const char *body = NULL;
    size_t len = 0;
    assert_int_equal(order_read_json(arena, &order, &items, &body, &len), 0);
    json_t *j = order_json(&order, 0, &items);
    assert_non_null(j);
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    assert_string_equal(body, text);
    free(text);
}

static void test_full_order(void **state)
{
    (void)state;
    assert_same_as_order_json();
}

static void test_nulls_and_no_address(void **state)
{
    (void)state;
    static const int nullable[] = {OC_USER_ID, OC_PLACED_BY, OC_PAYMENT_METHOD, OC_TRANSACTION_REF,
                                   OC_CUSTOMER_NAME, OC_CUSTOMER_EMAIL, OC_CUSTOMER_PHONE, OC_SHIPPING_ADDRESS,
                                   OC_NOTES, OC_CREATED_AT, OC_CONFIRMED_AT, OC_CANCELLED_AT};
    for (size_t i = 0; i < sizeof nullable / sizeof nullable[0]; i++)
        order_cells[nullable[i]] = DBP_NULL;
    assert_same_as_order_json();
}

static void test_unparsable_address_and_one_item(void **state)
{
    (void)state;
    order_cells[OC_SHIPPING_ADDRESS] = str("{not json");
    items.count = 1;
    assert_same_as_order_json();
    order_cells[OC_SHIPPING_ADDRESS] = str("\"just a string\"");
    items.count = 3;
    assert_same_as_order_json();
}

/* Values order_json would drop a key or an item for: the direct writer
 * declines, so the handler answers through order_json. */
static void test_declines_what_it_cannot_reproduce(void **state)
{
    (void)state;
    const char *body = NULL;
    size_t len = 0;
    order_cells[OC_CUSTOMER_NAME] = str("bad \xc3");
    assert_int_equal(order_read_json(arena, &order, &items, &body, &len), -1);
    fill(NULL);
    order_cells[OC_STATUS] = DBP_NULL;
    assert_int_equal(order_read_json(arena, &order, &items, &body, &len), -1);
    fill(NULL);
    item_cells[ORDER_ITEM_NCOLUMNS + OIC_SKU] = DBP_NULL;
    assert_int_equal(order_read_json(arena, &order, &items, &body, &len), -1);
}

/* A list page's rows: the second of two rows, without items, is
 * order_json(rows, 1, NULL) byte for byte. */
static void test_list_row_without_items(void **state)
{
    (void)state;
    struct db_value cells[2 * OC_COUNT];
    for (int c = 0; c < OC_COUNT; c++) {
        cells[c] = DBP_NULL;
        cells[OC_COUNT + c] = order_cells[c];
    }
    cells[OC_ID] = DBP_INT(1); /* the first row differs; it must not be read */
    struct db_rows rows = {.count = 2, .columns = OC_COUNT, .cells = cells};
    struct json_out out;
    json_out_init(&out, arena, NULL, 64);
    order_write(&out, &rows, 1, NULL);
    assert_false(out.failed);
    json_t *j = order_json(&rows, 1, NULL);
    assert_non_null(j);
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    assert_non_null(text);
    assert_int_equal(out.len, strlen(text));
    assert_memory_equal(out.buf, text, out.len);
    assert_null(strstr(text, "\"items\""));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_full_order, fill),
        cmocka_unit_test_setup(test_nulls_and_no_address, fill),
        cmocka_unit_test_setup(test_unparsable_address_and_one_item, fill),
        cmocka_unit_test_setup(test_declines_what_it_cannot_reproduce, fill),
        cmocka_unit_test_setup(test_list_row_without_items, fill),
    };
    return cmocka_run_group_tests(tests, arena_setup, arena_teardown);
}
