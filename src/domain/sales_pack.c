/*
 * sales_pack.c — see sales_pack.h.
 */
#include "domain/sales_pack.h"

#include <endian.h>
#include <limits.h>
#include <string.h>

int64_t sales_pack_chunk(int64_t product_id)
{
    return product_id / SALES_PACK_CHUNK;
}

long sales_pack_count(size_t len)
{
    if (len % SALES_PACK_RECORD != 0 || len / SALES_PACK_RECORD > (size_t)LONG_MAX)
        return -1;
    return (long)(len / SALES_PACK_RECORD);
}

static int64_t get_be64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return (int64_t)be64toh(v);
}

static void put_be64(unsigned char *p, int64_t value)
{
    uint64_t v = htobe64((uint64_t)value);
    memcpy(p, &v, sizeof v);
}

int sales_pack_decode(const unsigned char *p, size_t len, int64_t after, struct sales_total *out)
{
    long n = sales_pack_count(len);
    if (n < 0)
        return -1;
    for (long i = 0; i < n; i++, p += SALES_PACK_RECORD) {
        out[i] = (struct sales_total){get_be64(p), get_be64(p + 8), get_be64(p + 16)};
        if (out[i].product_id <= after)
            return -1;
        after = out[i].product_id;
    }
    return 0;
}

void sales_pack_encode(const struct sales_total *t, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++, out += SALES_PACK_RECORD) {
        put_be64(out, t[i].product_id);
        put_be64(out + 8, t[i].quantity);
        put_be64(out + 16, t[i].revenue);
    }
}

size_t sales_pack_add(const struct sales_total *t, size_t n, const struct sales_total *d, size_t nd,
                      struct sales_total *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < n || j < nd) {
        if (j == nd || (i < n && t[i].product_id < d[j].product_id)) {
            out[k++] = t[i++];
        } else if (i == n || d[j].product_id < t[i].product_id) {
            out[k++] = d[j++];
        } else {
            out[k++] = (struct sales_total){t[i].product_id, t[i].quantity + d[j].quantity,
                                            t[i].revenue + d[j].revenue};
            i++;
            j++;
        }
    }
    return k;
}

/* Whether a ranks before b: the larger key first, then the smaller id. */
static int ranks_before(const struct sales_total *a, const struct sales_total *b, int by_quantity)
{
    int64_t ka = by_quantity ? a->quantity : a->revenue, kb = by_quantity ? b->quantity : b->revenue;
    return ka != kb ? ka > kb : a->product_id < b->product_id;
}

/* Puts x into the ranked out[0..*n) (room for limit) if it ranks in the
 * first limit. */
static void rank_insert(struct sales_total *out, size_t *n, size_t limit, const struct sales_total *x,
                        int by_quantity)
{
    if (limit == 0 || (*n == limit && !ranks_before(x, &out[limit - 1], by_quantity)))
        return;
    size_t at = *n < limit ? (*n)++ : limit - 1;
    while (at > 0 && ranks_before(x, &out[at - 1], by_quantity)) {
        out[at] = out[at - 1];
        at--;
    }
    out[at] = *x;
}

size_t sales_pack_top(const struct sales_total *end, size_t ne, const struct sales_total *start, size_t ns,
                      int by_quantity, size_t limit, struct sales_total *out)
{
    size_t n = 0, j = 0;
    for (size_t i = 0; i < ne; i++) {
        struct sales_total x = end[i];
        while (j < ns && start[j].product_id < x.product_id)
            j++;
        if (j < ns && start[j].product_id == x.product_id) {
            x.quantity -= start[j].quantity;
            x.revenue -= start[j].revenue;
        }
        if (x.quantity > 0)
            rank_insert(out, &n, limit, &x, by_quantity);
    }
    return n;
}
