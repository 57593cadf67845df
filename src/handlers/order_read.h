/*
 * order_read.h — the single order's body, written directly.
 */
#ifndef ORDERAPI_ORDER_READ_H
#define ORDERAPI_ORDER_READ_H

#include <stddef.h>

struct arena;
struct db_rows;

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
