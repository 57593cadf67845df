/*
 * stats_delta.c — order events into aggregate deltas; see stats_delta.h.
 */
#include "domain/stats_delta.h"

#include <stdlib.h>
#include <string.h>

#include "domain/money.h"

/* What an event says about the order at the time of the change. */
struct order_state {
    char day[STATS_DAY_LEN + 1];
    enum order_status status;
    enum payment_status payment;
    int64_t total;
};

int stats_day_of(const char *s, char day[STATS_DAY_LEN + 1])
{
    static const char shape[] = "dddd-dd-dd";
    if (!s)
        return -1;
    for (size_t i = 0; i < STATS_DAY_LEN; i++) {
        int digit = s[i] >= '0' && s[i] <= '9';
        if (shape[i] == 'd' ? !digit : s[i] != '-')
            return -1;
    }
    if (s[STATS_DAY_LEN] != '\0' && s[STATS_DAY_LEN] != 'T')
        return -1;
    memcpy(day, s, STATS_DAY_LEN);
    day[STATS_DAY_LEN] = '\0';
    return 0;
}

static int read_status(const json_t *p, const char *field, enum order_status *out)
{
    return order_status_parse(json_string_value(json_object_get(p, field)), out);
}

static int read_payment(const json_t *p, const char *field, enum payment_status *out)
{
    return payment_status_parse(json_string_value(json_object_get(p, field)), out);
}

static int read_money(const json_t *p, const char *field, int64_t *out)
{
    return money_parse_json(json_object_get(p, field), out) == 0 ? 0 : -1;
}

static int read_day(const json_t *p, char day[STATS_DAY_LEN + 1])
{
    return stats_day_of(json_string_value(json_object_get(p, "created_at")), day);
}

static int add_bucket(struct stats_deltas *d, const char *day, enum order_status status,
                      enum payment_status payment, int64_t orders, int64_t revenue)
{
    if (d->nbuckets == d->bucket_cap) {
        size_t cap = d->bucket_cap ? d->bucket_cap * 2 : 64;
        struct stats_bucket_delta *grown = realloc(d->buckets, cap * sizeof *grown);
        if (!grown)
            return STATS_DELTA_NOMEM;
        d->buckets = grown;
        d->bucket_cap = cap;
    }
    struct stats_bucket_delta *b = &d->buckets[d->nbuckets++];
    memcpy(b->day, day, sizeof b->day);
    b->status = status;
    b->payment = payment;
    b->orders = orders;
    b->revenue = revenue;
    return STATS_DELTA_OK;
}

static int add_sale(struct stats_deltas *d, const char *day, int64_t product_id, int64_t quantity, int64_t revenue)
{
    if (d->nsales == d->sales_cap) {
        size_t cap = d->sales_cap ? d->sales_cap * 2 : 64;
        struct sales_delta *grown = realloc(d->sales, cap * sizeof *grown);
        if (!grown)
            return STATS_DELTA_NOMEM;
        d->sales = grown;
        d->sales_cap = cap;
    }
    struct sales_delta *s = &d->sales[d->nsales++];
    memcpy(s->day, day, sizeof s->day);
    s->product_id = product_id;
    s->quantity = quantity;
    s->revenue = revenue;
    return STATS_DELTA_OK;
}

/* The order's lines ("items": [{product_id, quantity, total_amount}]) into
 * its day's sales, added (sign 1) or taken out (sign -1). */
static int add_items(struct stats_deltas *d, const json_t *p, const char *day, int sign)
{
    const json_t *items = json_object_get(p, "items");
    if (!json_is_array(items) || json_array_size(items) == 0)
        return STATS_DELTA_MALFORMED;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const json_t *item = json_array_get(items, i);
        const json_t *product = json_object_get(item, "product_id"), *quantity = json_object_get(item, "quantity");
        int64_t total;
        if (!json_is_integer(product) || json_integer_value(product) < 1 || !json_is_integer(quantity) ||
            json_integer_value(quantity) < 1 || read_money(item, "total_amount", &total) != 0)
            return STATS_DELTA_MALFORMED;
        int rc = add_sale(d, day, json_integer_value(product), sign * json_integer_value(quantity), sign * total);
        if (rc != STATS_DELTA_OK)
            return rc;
    }
    return STATS_DELTA_OK;
}

/* The order leaves bucket from and enters bucket to, total and all. */
static int move_order(struct stats_deltas *d, const struct order_state *from, const struct order_state *to)
{
    int rc = add_bucket(d, from->day, from->status, from->payment, -1, -from->total);
    return rc == STATS_DELTA_OK ? add_bucket(d, to->day, to->status, to->payment, 1, to->total) : rc;
}

static int order_created(struct stats_deltas *d, const json_t *p)
{
    struct order_state o;
    if (read_day(p, o.day) != 0 || read_status(p, "status", &o.status) != 0 ||
        read_payment(p, "payment_status", &o.payment) != 0 || read_money(p, "total_amount", &o.total) != 0)
        return STATS_DELTA_MALFORMED;
    int rc = add_bucket(d, o.day, o.status, o.payment, 1, o.total);
    if (rc == STATS_DELTA_OK && order_status_counts_revenue(o.status))
        rc = add_items(d, p, o.day, 1);
    return rc;
}

/* order.status_changed and order.cancelled: from → to. */
static int status_changed(struct stats_deltas *d, const json_t *p)
{
    struct order_state from, to;
    if (read_day(p, from.day) != 0 || read_status(p, "from", &from.status) != 0 ||
        read_status(p, "to", &to.status) != 0 || read_payment(p, "payment_status", &from.payment) != 0 ||
        read_money(p, "total_amount", &from.total) != 0)
        return STATS_DELTA_MALFORMED;
    memcpy(to.day, from.day, sizeof to.day);
    to.payment = from.payment;
    to.total = from.total;
    int rc = move_order(d, &from, &to);
    int counted = order_status_counts_revenue(from.status), counts = order_status_counts_revenue(to.status);
    if (rc == STATS_DELTA_OK && counted != counts)
        rc = add_items(d, p, from.day, counts ? 1 : -1);
    return rc;
}

static int payment_changed(struct stats_deltas *d, const json_t *p)
{
    struct order_state from, to;
    if (read_payment(p, "from", &from.payment) != 0 || read_payment(p, "to", &to.payment) != 0)
        return STATS_DELTA_MALFORMED;
    if (from.payment == to.payment)
        return STATS_DELTA_OK; /* new details (method, reference) only */
    if (read_day(p, from.day) != 0 || read_status(p, "status", &from.status) != 0 ||
        read_money(p, "total_amount", &from.total) != 0)
        return STATS_DELTA_MALFORMED;
    memcpy(to.day, from.day, sizeof to.day);
    to.status = from.status;
    to.total = from.total;
    return move_order(d, &from, &to);
}

/* order.updated: a discount moves the revenue of the order's bucket. */
static int order_updated(struct stats_deltas *d, const json_t *p)
{
    struct order_state o;
    int64_t before;
    if (read_day(p, o.day) != 0 || read_status(p, "status", &o.status) != 0 ||
        read_payment(p, "payment_status", &o.payment) != 0 || read_money(p, "total_amount", &o.total) != 0 ||
        read_money(p, "previous_total_amount", &before) != 0)
        return STATS_DELTA_MALFORMED;
    return o.total == before ? STATS_DELTA_OK : add_bucket(d, o.day, o.status, o.payment, 0, o.total - before);
}

int stats_deltas_add_event(struct stats_deltas *d, const char *type, const json_t *payload)
{
    size_t nbuckets = d->nbuckets, nsales = d->nsales;
    int rc = STATS_DELTA_OK;
    if (!type)
        rc = STATS_DELTA_MALFORMED;
    else if (!json_is_object(payload))
        rc = strncmp(type, "order.", 6) == 0 ? STATS_DELTA_MALFORMED : STATS_DELTA_OK;
    else if (strcmp(type, "order.created") == 0)
        rc = order_created(d, payload);
    else if (strcmp(type, "order.status_changed") == 0 || strcmp(type, "order.cancelled") == 0)
        rc = status_changed(d, payload);
    else if (strcmp(type, "order.payment_updated") == 0)
        rc = payment_changed(d, payload);
    else if (strcmp(type, "order.updated") == 0)
        rc = order_updated(d, payload);
    if (rc != STATS_DELTA_OK) {
        d->nbuckets = nbuckets;
        d->nsales = nsales;
    }
    return rc;
}

static int bucket_cmp(const void *x, const void *y)
{
    const struct stats_bucket_delta *a = x, *b = y;
    int c = strcmp(a->day, b->day);
    if (c)
        return c;
    if (a->status != b->status)
        return a->status < b->status ? -1 : 1;
    return a->payment == b->payment ? 0 : a->payment < b->payment ? -1 : 1;
}

static int sales_cmp(const void *x, const void *y)
{
    const struct sales_delta *a = x, *b = y;
    int c = strcmp(a->day, b->day);
    if (c)
        return c;
    return a->product_id == b->product_id ? 0 : a->product_id < b->product_id ? -1 : 1;
}

/* How merge_rows sorts, sums and drops the rows of one kind of delta. */
struct row_kind {
    size_t size;
    int (*cmp)(const void *, const void *);
    void (*add)(void *into, const void *from);
    int (*is_zero)(const void *row); /* NULL: keep rows that sum to nothing */
};

/* Sorts rows[0..n) by key, sums equal keys into one row and drops the rows
 * that sum to nothing; returns how many are left. */
static size_t merge_rows(void *rows, size_t n, const struct row_kind *k)
{
    char *base = rows;
    size_t out = 0;
    if (n > 1)
        qsort(rows, n, k->size, k->cmp);
    for (size_t i = 0; i < n; i++) {
        char *row = base + i * k->size, *last = base + (out ? out - 1 : 0) * k->size;
        if (out > 0 && k->cmp(last, row) == 0) {
            k->add(last, row);
            continue;
        }
        if (out > 0 && k->is_zero && k->is_zero(last))
            out--;
        if (out != i)
            memcpy(base + out * k->size, row, k->size);
        out++;
    }
    if (out > 0 && k->is_zero && k->is_zero(base + (out - 1) * k->size))
        out--;
    return out;
}

static void bucket_add(void *into, const void *from)
{
    struct stats_bucket_delta *a = into;
    const struct stats_bucket_delta *b = from;
    a->orders += b->orders;
    a->revenue += b->revenue;
}

static int bucket_zero(const void *row)
{
    const struct stats_bucket_delta *b = row;
    return b->orders == 0 && b->revenue == 0;
}

static void sale_add(void *into, const void *from)
{
    struct sales_delta *a = into;
    const struct sales_delta *b = from;
    a->quantity += b->quantity;
    a->revenue += b->revenue;
}

static int sale_zero(const void *row)
{
    const struct sales_delta *s = row;
    return s->quantity == 0 && s->revenue == 0;
}

static int totals_cmp(const void *x, const void *y)
{
    const struct day_totals_delta *a = x, *b = y;
    return strcmp(a->day, b->day);
}

static void totals_add(void *into, const void *from)
{
    struct day_totals_delta *a = into;
    const struct day_totals_delta *b = from;
    a->orders_all += b->orders_all;
    a->orders_counted += b->orders_counted;
    a->revenue_counted += b->revenue_counted;
    a->items += b->items;
}

static const struct row_kind BUCKETS = {sizeof(struct stats_bucket_delta), bucket_cmp, bucket_add, bucket_zero};
static const struct row_kind SALES = {sizeof(struct sales_delta), sales_cmp, sale_add, sale_zero};
static const struct row_kind DAY_TOTALS = {sizeof(struct day_totals_delta), totals_cmp, totals_add, NULL};

void stats_deltas_merge(struct stats_deltas *d)
{
    d->nbuckets = merge_rows(d->buckets, d->nbuckets, &BUCKETS);
    d->nsales = merge_rows(d->sales, d->nsales, &SALES);
}

size_t stats_day_totals(const struct stats_deltas *d, struct day_totals_delta *out)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nbuckets; i++, n++) {
        const struct stats_bucket_delta *b = &d->buckets[i];
        int counts = order_status_counts_revenue(b->status);
        out[n] = (struct day_totals_delta){.orders_all = b->orders,
                                           .orders_counted = counts ? b->orders : 0,
                                           .revenue_counted = counts ? b->revenue : 0};
        memcpy(out[n].day, b->day, sizeof out[n].day);
    }
    for (size_t i = 0; i < d->nsales; i++, n++) {
        out[n] = (struct day_totals_delta){.items = d->sales[i].quantity};
        memcpy(out[n].day, d->sales[i].day, sizeof out[n].day);
    }
    return merge_rows(out, n, &DAY_TOTALS);
}

void stats_deltas_free(struct stats_deltas *d)
{
    free(d->buckets);
    free(d->sales);
    memset(d, 0, sizeof *d);
}
