/*
 * order_rules.c — the order rules of the HTTP contract as pure functions.
 *
 * The status machines are tables of bit masks indexed by the current state, so
 * the code that answers "may this change happen?" and the code that publishes
 * the transitions to clients (GET /orders/status-options) read the same data.
 * Money is int64 cents and every sum and product goes through money.h's
 * overflow-checked helpers.
 */
#include "domain/order_rules.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/calendar.h"
#include "domain/money.h"

#define BIT(x) (1u << (unsigned)(x))

static const char *const ORDER_STATUS_NAMES[ORDER_STATUS_COUNT] = {
    "pending", "confirmed", "processing", "shipped", "delivered", "completed", "cancelled", "refunded",
};
static const char *const PAYMENT_STATUS_NAMES[PAYMENT_STATUS_COUNT] = {"pending", "paid", "failed", "refunded"};
static const char *const PRIORITY_NAMES[PRIORITY_COUNT] = {"low", "normal", "high", "urgent"};

/* The order status machine of API.md ("Orders"): for each status, the set of statuses it may move to. */
static const unsigned ORDER_NEXT[ORDER_STATUS_COUNT] = {
    [ORDER_PENDING] = BIT(ORDER_CONFIRMED) | BIT(ORDER_PROCESSING) | BIT(ORDER_CANCELLED),
    [ORDER_CONFIRMED] = BIT(ORDER_PROCESSING) | BIT(ORDER_SHIPPED) | BIT(ORDER_CANCELLED),
    [ORDER_PROCESSING] = BIT(ORDER_SHIPPED) | BIT(ORDER_COMPLETED) | BIT(ORDER_CANCELLED),
    [ORDER_SHIPPED] = BIT(ORDER_DELIVERED),
    [ORDER_DELIVERED] = BIT(ORDER_COMPLETED) | BIT(ORDER_REFUNDED),
    [ORDER_COMPLETED] = BIT(ORDER_REFUNDED),
    [ORDER_CANCELLED] = 0,
    [ORDER_REFUNDED] = 0,
};

/* The payment status machine of API.md ("Orders"). */
static const unsigned PAYMENT_NEXT[PAYMENT_STATUS_COUNT] = {
    [PAYMENT_PENDING] = BIT(PAYMENT_PAID) | BIT(PAYMENT_FAILED),
    [PAYMENT_PAID] = BIT(PAYMENT_REFUNDED),
    [PAYMENT_FAILED] = BIT(PAYMENT_PENDING) | BIT(PAYMENT_PAID),
    [PAYMENT_REFUNDED] = 0,
};

/*
 * Finds s among names[0..count) by exact, case-sensitive comparison and
 * stores its index in *index. Returns 0, or -1 when s is NULL or unknown.
 */
static int name_lookup(const char *const *names, int count, const char *s, int *index)
{
    if (!s)
        return -1;
    for (int i = 0; i < count; i++) {
        if (strcmp(names[i], s) == 0) {
            *index = i;
            return 0;
        }
    }
    return -1;
}

/* Returns the contract name of an order status, or NULL when s is not one of the enum's values. */
const char *order_status_name(enum order_status s)
{
    if ((unsigned)s >= ORDER_STATUS_COUNT)
        return NULL;
    return ORDER_STATUS_NAMES[s];
}

/* Parses an exact lower-case order status name; *out is set only on success. */
int order_status_parse(const char *s, enum order_status *out)
{
    int index;
    if (name_lookup(ORDER_STATUS_NAMES, ORDER_STATUS_COUNT, s, &index) != 0)
        return -1;
    *out = (enum order_status)index;
    return 0;
}

/* Returns the contract name of a payment status, or NULL when out of range. */
const char *payment_status_name(enum payment_status s)
{
    if ((unsigned)s >= PAYMENT_STATUS_COUNT)
        return NULL;
    return PAYMENT_STATUS_NAMES[s];
}

/* Parses an exact lower-case payment status name; *out is set only on success. */
int payment_status_parse(const char *s, enum payment_status *out)
{
    int index;
    if (name_lookup(PAYMENT_STATUS_NAMES, PAYMENT_STATUS_COUNT, s, &index) != 0)
        return -1;
    *out = (enum payment_status)index;
    return 0;
}

/* Returns the contract name of a priority, or NULL when out of range. */
const char *priority_name(enum order_priority p)
{
    if ((unsigned)p >= PRIORITY_COUNT)
        return NULL;
    return PRIORITY_NAMES[p];
}

/* Parses an exact lower-case priority name; *out is set only on success. */
int priority_parse(const char *s, enum order_priority *out)
{
    int index;
    if (name_lookup(PRIORITY_NAMES, PRIORITY_COUNT, s, &index) != 0)
        return -1;
    *out = (enum order_priority)index;
    return 0;
}

/*
 * Answers whether an order may move from one status to another by the
 * contract's table. Moving to the current status is not a transition (the
 * caller answers it as a 200 no-op), so it gives 0 like any other pair that
 * is not in the table.
 */
int order_transition_allowed(enum order_status from, enum order_status to)
{
    if ((unsigned)from >= ORDER_STATUS_COUNT || (unsigned)to >= ORDER_STATUS_COUNT)
        return 0;
    return (ORDER_NEXT[from] & BIT(to)) != 0;
}

/* Answers whether a payment may move from one status to another by the contract's table. */
int payment_transition_allowed(enum payment_status from, enum payment_status to)
{
    if ((unsigned)from >= PAYMENT_STATUS_COUNT || (unsigned)to >= PAYMENT_STATUS_COUNT)
        return 0;
    return (PAYMENT_NEXT[from] & BIT(to)) != 0;
}

/*
 * Names the orders column that records when an order entered status s. The
 * order representation has exactly these five timestamps besides created_at
 * and updated_at; pending is covered by created_at, and processing and
 * refunded have none.
 */
const char *order_status_timestamp_column(enum order_status s)
{
    switch (s) {
    case ORDER_CONFIRMED: return "confirmed_at";
    case ORDER_SHIPPED: return "shipped_at";
    case ORDER_DELIVERED: return "delivered_at";
    case ORDER_COMPLETED: return "completed_at";
    case ORDER_CANCELLED: return "cancelled_at";
    default: return NULL;
    }
}

/* Revenue statistics leave out cancelled and refunded orders (API.md, GET /orders/stats). */
int order_status_counts_revenue(enum order_status s)
{
    if ((unsigned)s >= ORDER_STATUS_COUNT)
        return 0;
    return s != ORDER_CANCELLED && s != ORDER_REFUNDED;
}

/*
 * POST /orders/{id}/cancel: the owner may cancel while the order is pending or
 * confirmed; an admin also while it is processing, that is until it ships.
 */
int order_cancellable_by(enum order_status s, int is_admin)
{
    if (s == ORDER_PENDING || s == ORDER_CONFIRMED)
        return 1;
    return is_admin && s == ORDER_PROCESSING;
}

/*
 * DELETE /orders/{id} cancels the order and keeps it for the record: the owner
 * may do so only while it is pending, an admin whenever it is cancellable.
 */
int order_deletable_by(enum order_status s, int is_admin)
{
    if (is_admin)
        return order_cancellable_by(s, 1);
    return s == ORDER_PENDING;
}

/*
 * PATCH /orders/{id}: the owner may edit only a pending order; an admin any
 * order whose status is not final (cancelled and refunded are final).
 */
int order_editable_by(enum order_status s, int is_admin)
{
    if ((unsigned)s >= ORDER_STATUS_COUNT)
        return 0;
    if (is_admin)
        return ORDER_NEXT[s] != 0;
    return s == ORDER_PENDING;
}

/*
 * Builds {name: [next names...]} from a transition table. Returns a new
 * reference, or NULL when out of memory.
 */
static json_t *transitions_json(const char *const *names, const unsigned *next, int count)
{
    json_t *object = json_object();
    if (!object)
        return NULL;
    for (int from = 0; from < count; from++) {
        json_t *targets = json_array();
        if (!targets || json_object_set_new(object, names[from], targets) != 0)
            goto fail;
        for (int to = 0; to < count; to++)
            if ((next[from] & BIT(to)) && json_array_append_new(targets, json_string(names[to])) != 0)
                goto fail;
    }
    return object;
fail:
    json_decref(object);
    return NULL;
}

/* Builds [names...] in enum order. Returns a new reference, or NULL when out of memory. */
static json_t *names_json(const char *const *names, int count)
{
    json_t *array = json_array();
    if (!array)
        return NULL;
    for (int i = 0; i < count; i++) {
        if (json_array_append_new(array, json_string(names[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

/*
 * The body of GET /orders/status-options, built from the same tables that
 * order_transition_allowed() and payment_transition_allowed() read, so what
 * clients are told is what the server enforces. Final statuses map to [].
 */
json_t *order_status_options_json(void)
{
    json_t *options = json_object();
    if (!options)
        return NULL;
    if (json_object_set_new(options, "statuses", names_json(ORDER_STATUS_NAMES, ORDER_STATUS_COUNT)) != 0 ||
        json_object_set_new(options, "payment_statuses", names_json(PAYMENT_STATUS_NAMES, PAYMENT_STATUS_COUNT)) != 0 ||
        json_object_set_new(options, "priorities", names_json(PRIORITY_NAMES, PRIORITY_COUNT)) != 0 ||
        json_object_set_new(options, "transitions",
                            transitions_json(ORDER_STATUS_NAMES, ORDER_NEXT, ORDER_STATUS_COUNT)) != 0 ||
        json_object_set_new(options, "payment_transitions",
                            transitions_json(PAYMENT_STATUS_NAMES, PAYMENT_NEXT, PAYMENT_STATUS_COUNT)) != 0) {
        json_decref(options);
        return NULL;
    }
    return options;
}

/*
 * Sorts the lines by product id with a stable insertion sort, so lines of one
 * product stay in request order and the first of them is the one that
 * survives the merge. Orders have at most ORDER_MAX_LINES lines, for which
 * the quadratic worst case is trivial.
 */
static void order_lines_sort(struct order_line *lines, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct order_line moving = lines[i];
        size_t j = i;
        while (j > 0 && lines[j - 1].product_id > moving.product_id) {
            lines[j] = lines[j - 1];
            j--;
        }
        lines[j] = moving;
    }
}

/*
 * API.md: "The same product twice is merged." After a stable sort, each run of
 * equal product ids is checked first (so a refused merge leaves no half-merged
 * array), then folded into its first line: quantities added, notes taken from
 * the first line that has any.
 */
long order_lines_merge(struct order_line *lines, size_t n)
{
    if (n > (size_t)LONG_MAX)
        return -1;
    order_lines_sort(lines, n);

    for (size_t start = 0; start < n;) {
        int64_t quantity = 0;
        size_t end = start;
        for (; end < n && lines[end].product_id == lines[start].product_id; end++) {
            if (lines[end].quantity < 0 || money_add(quantity, lines[end].quantity, &quantity) != 0)
                return -1;
        }
        if (quantity > ORDER_MAX_QUANTITY)
            return -1;
        start = end;
    }

    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && lines[out - 1].product_id == lines[i].product_id) {
            struct order_line *kept = &lines[out - 1];
            kept->quantity += lines[i].quantity; /* checked above */
            if (!kept->notes && lines[i].notes) {
                kept->notes = lines[i].notes;
                kept->notes_len = lines[i].notes_len;
            }
            continue;
        }
        if (out != i)
            lines[out] = lines[i];
        out++;
    }
    return (long)out;
}

/*
 * Computes one line in integer cents: subtotal = unit price x quantity, tax by
 * API.md's round_half_up(subtotal x rate / 100) with the rate in hundredths of
 * a percent (money_tax), total = subtotal + tax. Every step is checked, and
 * the line is written only when all of them succeed.
 */
int order_line_compute(struct order_line *line)
{
    int64_t subtotal, tax, total;
    if (line->unit_price < 0 || line->tax_rate < 0 || line->quantity < 1 || line->quantity > ORDER_MAX_QUANTITY)
        return -1;
    if (money_mul(line->unit_price, line->quantity, &subtotal) != 0)
        return -1;
    if (money_tax(subtotal, line->tax_rate, &tax) != 0)
        return -1;
    if (money_add(subtotal, tax, &total) != 0)
        return -1;
    line->subtotal = subtotal;
    line->tax_amount = tax;
    line->total_amount = total;
    return 0;
}

/*
 * Sums computed lines into order totals. Shipping applies only with a
 * shipping address and is free at or above free_shipping_over (API.md:
 * "free at or above ORDERAPI_FREE_SHIPPING_OVER"); a threshold <= 0 disables
 * free shipping. The discount may bring the total down to zero, never below.
 */
int order_totals_compute(const struct order_line *lines, size_t n, int has_shipping_address, int64_t shipping_flat,
                         int64_t free_shipping_over, int64_t discount, struct order_totals *out)
{
    struct order_totals totals = {0};
    if (n > (size_t)INT64_MAX || shipping_flat < 0 || discount < 0)
        return -1;
    totals.item_count = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        const struct order_line *line = &lines[i];
        int64_t line_total;
        if (line->quantity < 0 || line->subtotal < 0 || line->tax_amount < 0)
            return -1;
        if (money_add(line->subtotal, line->tax_amount, &line_total) != 0 || line_total != line->total_amount)
            return -1;
        if (money_add(totals.total_quantity, line->quantity, &totals.total_quantity) != 0 ||
            money_add(totals.subtotal, line->subtotal, &totals.subtotal) != 0 ||
            money_add(totals.tax_amount, line->tax_amount, &totals.tax_amount) != 0)
            return -1;
    }
    if (has_shipping_address && (free_shipping_over <= 0 || totals.subtotal < free_shipping_over))
        totals.shipping_amount = shipping_flat;

    int64_t gross;
    if (money_add(totals.subtotal, totals.tax_amount, &gross) != 0 ||
        money_add(gross, totals.shipping_amount, &gross) != 0)
        return -1;
    if (discount > gross)
        return -1;
    totals.discount_amount = discount;
    totals.total_amount = gross - discount;
    *out = totals;
    return 0;
}

/*
 * Writes an order number, "ORD-20261122-0001": the UTC date of creation and
 * the per-day sequence, zero-padded to at least four digits and growing
 * beyond four when the day has more orders (API.md, "Orders").
 */
int order_number_format(int year, int month, int day, int64_t sequence, char *out, size_t out_len)
{
    if (!out || out_len < 40)
        return -1;
    if (year < 1970 || year > 9999 || day < 1 || day > calendar_days_in_month(year, month) || sequence < 1)
        return -1;
    int written = snprintf(out, out_len, "ORD-%04d%02d%02d-%04lld", year, month, day, (long long)sequence);
    if (written < 0 || (size_t)written >= out_len)
        return -1;
    return 0;
}

/*
 * Order number blocks.  A reservation is one atomic upsert on the day's
 * sequence row, so numbers are unique however many processes reserve at
 * once and whatever sizes they ask for; the size only decides how many a
 * process may leave unused (a gap) when it exits or the day ends.
 * Starting at one and doubling keeps that below the count it used, while
 * a busy worker soon reserves ORDER_NUMBER_BLOCK_MAX at a time.
 */
int order_number_block_take(struct order_number_block *b, const char *day, int64_t *seq)
{
    if (b->size == 0 || strcmp(b->day, day) != 0 || b->next > b->last)
        return 0;
    *seq = b->next++;
    return 1;
}

int64_t order_number_block_want(const struct order_number_block *b)
{
    if (b->size < 1)
        return 1;
    return b->size >= ORDER_NUMBER_BLOCK_MAX / 2 ? ORDER_NUMBER_BLOCK_MAX : b->size * 2;
}

int order_number_block_fill(struct order_number_block *b, const char *day, int64_t last, int64_t size)
{
    if (size < 1 || last < size || strlen(day) >= sizeof b->day)
        return -1;
    snprintf(b->day, sizeof b->day, "%s", day);
    b->last = last;
    b->next = last - size + 1;
    b->size = size;
    return 0;
}

void order_number_block_drop(struct order_number_block *b)
{
    b->next = b->last + 1;
}

/*
 * An Idempotency-Key is 1 to 255 printable ASCII characters (API.md,
 * "Idempotency"); a key of spaces only is refused because proxies and
 * clients may trim it to nothing.
 */
int idempotency_key_valid(const char *key)
{
    if (!key)
        return 0;
    size_t len = 0;
    int has_non_space = 0;
    for (; key[len]; len++) {
        unsigned char c = (unsigned char)key[len];
        if (c < 0x20 || c > 0x7e || len >= 255)
            return 0;
        if (c != ' ')
            has_non_space = 1;
    }
    return len >= 1 && has_non_space;
}

/*
 * Fingerprints a request for the idempotency store: SHA-256 over the method,
 * a newline, the path, a newline, and the body in jansson's compact
 * sorted-keys serialisation, so that the same JSON sent with its keys in
 * another order or with other whitespace has the same fingerprint. The
 * compact serialisation never contains a raw newline (strings escape it), so
 * the last newline of the hashed text always separates path from body.
 */
int idempotency_request_hash(const char *method, const char *path, const json_t *body, char out[65])
{
    int rc = -1;
    char *serialised = NULL;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state state;

    if (!method || !path || !out)
        goto out;
    if (sodium_init() < 0)
        goto out;
    if (body) {
        serialised = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
        if (!serialised)
            goto out;
    }
    if (crypto_hash_sha256_init(&state) != 0 ||
        crypto_hash_sha256_update(&state, (const unsigned char *)method, strlen(method)) != 0 ||
        crypto_hash_sha256_update(&state, (const unsigned char *)"\n", 1) != 0 ||
        crypto_hash_sha256_update(&state, (const unsigned char *)path, strlen(path)) != 0 ||
        crypto_hash_sha256_update(&state, (const unsigned char *)"\n", 1) != 0)
        goto out;
    if (serialised &&
        crypto_hash_sha256_update(&state, (const unsigned char *)serialised, strlen(serialised)) != 0)
        goto out;
    if (crypto_hash_sha256_final(&state, digest) != 0)
        goto out;
    sodium_bin2hex(out, 65, digest, sizeof digest);
    rc = 0;
out:
    free(serialised);
    return rc;
}
