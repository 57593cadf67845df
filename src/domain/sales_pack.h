/*
 * sales_pack.h — every product's running sales totals of one day, packed
 * (sql/012_sales_pack.sql), and the top products of a range computed from
 * two packs.  Pure, no I/O.
 *
 * A pack is a run of fixed-width records, one per product in ascending
 * product id: the product id, the units and the revenue in cents sold from
 * the first day up to and including the pack's day, each a big-endian
 * two's-complement 64-bit integer (24 bytes a product; big-endian so that
 * SQL can build and compare packs with HEX/UNHEX, as the migration's
 * backfill and the e2e checks do).  The products are split into chunks of
 * SALES_PACK_CHUNK consecutive ids, a row per (day, chunk), so a write
 * rewrites at most SALES_PACK_CHUNK records however many products a site
 * has; the chunks of a day, in chunk order, are one pack.
 */
#ifndef ORDERAPI_SALES_PACK_H
#define ORDERAPI_SALES_PACK_H

#include <stddef.h>
#include <stdint.h>

#define SALES_PACK_RECORD 24   /* bytes per product */
#define SALES_PACK_CHUNK 1024  /* products (consecutive ids) per packed row */

/* One product's totals: units and revenue (cents), or a change of them. */
struct sales_total {
    int64_t product_id;
    int64_t quantity;
    int64_t revenue;
};

/* The chunk of a product id. */
int64_t sales_pack_chunk(int64_t product_id);

/* Records in a pack of len bytes, or -1 when len is not a whole number of
 * records. */
long sales_pack_count(size_t len);

/* Decodes the pack p[0..len) into out (room for sales_pack_count(len)),
 * after the `after` product id: 0, or -1 when a length is wrong or a
 * product id is not above the one before it (or `after`). */
int sales_pack_decode(const unsigned char *p, size_t len, int64_t after, struct sales_total *out);

/* Encodes t[0..n) into out (n * SALES_PACK_RECORD bytes). */
void sales_pack_encode(const struct sales_total *t, size_t n, unsigned char *out);

/* The totals t[0..n) plus the changes d[0..nd), both ascending by product
 * id with no id twice, into out (room for n + nd; may not overlap either):
 * a product of d not in t is added, even when its change is zero.
 * Returns the records in out. */
size_t sales_pack_add(const struct sales_total *t, size_t n, const struct sales_total *d, size_t nd,
                      struct sales_total *out);

/* The best-selling products of a range: each product's totals at the
 * range's end (end[0..ne)) minus those before it (start[0..ns)), both
 * ascending by product id; those that sold at least a unit, best first by
 * revenue (by_quantity 0) or units (1), ties by product id ascending; the
 * first `limit` of them into out (room for limit).  Returns how many. */
size_t sales_pack_top(const struct sales_total *end, size_t ne, const struct sales_total *start, size_t ns,
                      int by_quantity, size_t limit, struct sales_total *out);

#endif
