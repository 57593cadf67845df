/*
 * order_read.h — an order's JSON written directly: the single order's body,
 * and an order of a list page (order_list.c).
 */
#ifndef ORDERAPI_ORDER_READ_H
#define ORDERAPI_ORDER_READ_H

#include <stddef.h>

struct arena;
struct db_rows;
struct json_out;

/*
 * Appends order r of o to out, byte for byte what
 * json_dumps(order_json(o, r, items), JSON_COMPACT) writes: with its items
 * when items is not NULL, without the "items" key when it is (a list's
 * rows).  A value the direct writer does not reproduce sets out->failed.
 */
void order_write(struct json_out *out, const struct db_rows *o, size_t r, const struct db_rows *items);

/*
 * Writes the order in row 0 of o with its items as JSON into arena memory,
 * byte for byte what json_dumps(order_json(o, 0, items), JSON_COMPACT)
 * writes (tests/unit/test_order_read.c holds the two together), without
 * building the jansson tree.  0 with *body and *len set, or -1 when a value
 * is one the direct writer does not reproduce (a string that is not UTF-8,
 * a NULL where order_json expects text): the caller then uses order_json.
 */
int order_read_json(struct arena *a, const struct db_rows *o, const struct db_rows *items, const char **body,
                    size_t *len);

#endif
