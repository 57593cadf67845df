/*
 * order_rules.h — the order rules of the HTTP contract (API.md, "Orders" and
 * "Idempotency") as pure functions: status names and transitions, who may
 * cancel, delete or edit, line and order totals in integer cents, order
 * numbers, and Idempotency-Key checks. No I/O; the only allocation is the
 * JSON document built by order_status_options_json().
 */
#ifndef ORDERAPI_ORDER_RULES_H
#define ORDERAPI_ORDER_RULES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum order_status { ORDER_PENDING = 0, ORDER_CONFIRMED, ORDER_PROCESSING, ORDER_SHIPPED, ORDER_DELIVERED,
                    ORDER_COMPLETED, ORDER_CANCELLED, ORDER_REFUNDED, ORDER_STATUS_COUNT };
enum payment_status { PAYMENT_PENDING = 0, PAYMENT_PAID, PAYMENT_FAILED, PAYMENT_REFUNDED, PAYMENT_STATUS_COUNT };
enum order_priority { PRIORITY_LOW = 0, PRIORITY_NORMAL, PRIORITY_HIGH, PRIORITY_URGENT, PRIORITY_COUNT };

/* The lower-case contract name of a status ("pending" ...), or NULL for a value out of range. */
const char *order_status_name(enum order_status s);
/* Parses an exact lower-case status name into *out. Returns 0, or -1 (NULL, unknown, other case). */
int order_status_parse(const char *s, enum order_status *out);
/* "pending", "paid", "failed", "refunded", or NULL out of range. */
const char *payment_status_name(enum payment_status s);
/* Parses an exact lower-case payment status name. 0 / -1. */
int payment_status_parse(const char *s, enum payment_status *out);
/* "low", "normal", "high", "urgent", or NULL out of range. */
const char *priority_name(enum order_priority p);
/* Parses an exact lower-case priority name. 0 / -1. */
int priority_parse(const char *s, enum order_priority *out);

/* The contract's tables: pending -> confirmed|processing|cancelled; confirmed -> processing|shipped|cancelled;
   processing -> shipped|completed|cancelled; shipped -> delivered; delivered -> completed|refunded;
   completed -> refunded; cancelled, refunded final. Same status -> 0 (the caller treats it as a no-op).
   Returns 1 when allowed, else 0 (also for values out of range). */
int order_transition_allowed(enum order_status from, enum order_status to);
/* pending -> paid|failed; failed -> pending|paid; paid -> refunded. 1 / 0. */
int payment_transition_allowed(enum payment_status from, enum payment_status to);
/* The timestamp column a status sets when entered: "confirmed_at", "shipped_at", "delivered_at", "completed_at",
   "cancelled_at", or NULL (pending, processing, refunded, out of range). */
const char *order_status_timestamp_column(enum order_status s);
/* 0 for cancelled and refunded (and out of range), else 1. */
int order_status_counts_revenue(enum order_status s);
/* Cancel rules: owner may cancel while pending or confirmed; admin until shipped (pending, confirmed, processing).
   DELETE: owner only while pending; admin while cancellable. Return 1/0. */
int order_cancellable_by(enum order_status s, int is_admin);
int order_deletable_by(enum order_status s, int is_admin);
/* The owner may edit (PATCH) only while pending; admin any non-final status. 1 / 0. */
int order_editable_by(enum order_status s, int is_admin);
/* {"statuses":[...], "payment_statuses":[...], "priorities":[...], "transitions":{status:[next...]},
   "payment_transitions":{...}} as a new reference, or NULL when out of memory. */
json_t *order_status_options_json(void);

/* Lines and totals, integer cents, every step overflow-checked (return 0 or -1). */
#define ORDER_MAX_LINES 100
#define ORDER_MAX_QUANTITY 10000
struct order_line {
    int64_t product_id, quantity;           /* in */
    const char *notes; size_t notes_len;    /* in (may be NULL) */
    int64_t unit_price, tax_rate;           /* in: cents; hundredths of a percent */
    int64_t subtotal, tax_amount, total_amount; /* out */
    size_t request_index;                   /* in: the line's position in the request (merging keeps the
                                               first line's), for error fields */
};
/* Sorts lines by product_id ascending (stable: lines of one product keep their request order) and merges lines
   of the same product into the first of them (quantities added; the first non-NULL notes kept; every other
   field of the first line kept). Returns the new count, or -1 if a merged quantity exceeds ORDER_MAX_QUANTITY
   (or is negative); the array is then sorted but not merged. */
long order_lines_merge(struct order_line *lines, size_t n);
/* subtotal = unit_price * quantity; tax = round_half_up(subtotal * tax_rate / 10000) (money_tax); total = sum.
   -1 (line untouched) for a negative price or rate, a quantity outside 1..ORDER_MAX_QUANTITY, or overflow. */
int order_line_compute(struct order_line *line);
struct order_totals {
    int64_t item_count;      /* number of lines */
    int64_t total_quantity;
    int64_t subtotal, tax_amount, shipping_amount, discount_amount, total_amount;
};
/* Sums computed lines; shipping = shipping_flat when has_shipping_address and subtotal < free_shipping_over
   (free_shipping_over <= 0 means never free), else 0; total = subtotal + tax + shipping - discount.
   -1 (out untouched) on overflow, a negative line value or shipping_flat, an inconsistent line
   (subtotal + tax != total), or when discount < 0 or discount > subtotal + tax + shipping. */
int order_totals_compute(const struct order_line *lines, size_t n, int has_shipping_address, int64_t shipping_flat,
                         int64_t free_shipping_over, int64_t discount, struct order_totals *out);
/* "ORD-" + YYYYMMDD + "-" + sequence zero-padded to at least 4 digits. out >= 40 bytes. -1 on bad input
   (not a calendar date in 1970..9999, sequence < 1, out too small). */
int order_number_format(int year, int month, int day, int64_t sequence, char *out, size_t out_len);
/* Order numbers a process has reserved from a day's sequence and hands out itself (order_create.c).
   Blocks grow with use: the first is 1 number, each next one twice the last, at most
   ORDER_NUMBER_BLOCK_MAX; so a process that creates one order (plain CGI) burns none, and one
   that exits or sees the day end leaves a gap smaller than the numbers it used (or than the
   maximum).  Zero-initialised = nothing reserved yet. */
#define ORDER_NUMBER_BLOCK_MAX 50
struct order_number_block {
    char day[11];        /* YYYY-MM-DD the numbers belong to, "" before the first block */
    int64_t next, last;  /* next <= last: numbers left to hand out */
    int64_t size;        /* size of the last block reserved (0: none yet) */
};
/* The next number of day into *seq: 1, or 0 when a block must be reserved first (none left, or
   they belong to another day): then reserve order_number_block_want(b) numbers and call
   order_number_block_fill. */
int order_number_block_take(struct order_number_block *b, const char *day, int64_t *seq);
/* How many numbers the next reservation should take: 1, 2, 4, ... up to ORDER_NUMBER_BLOCK_MAX. */
int64_t order_number_block_want(const struct order_number_block *b);
/* Records a reservation of size numbers of day ending at last (the sequence's new value, so the
   numbers are last - size + 1 .. last).  0, or -1 (b unchanged) when size < 1 or last < size. */
int order_number_block_fill(struct order_number_block *b, const char *day, int64_t last, int64_t size);
/* Forgets the numbers left in b (the next take asks for a reservation),
   keeping its size: a number of it was found taken, so the day's sequence
   was put back under this process (a restored backup, a reseeded
   database) and none of the rest can be trusted. */
void order_number_block_drop(struct order_number_block *b);
/* Idempotency-Key: 1..255 printable ASCII (0x20..0x7e), not all spaces. 1 valid / 0. */
int idempotency_key_valid(const char *key);
/* SHA-256 (libsodium crypto_hash_sha256) of method + '\n' + path + '\n' + the body serialised canonically
   (json_dumps with JSON_SORT_KEYS | JSON_COMPACT; NULL body = ""), as 64 lower-case hex chars and a NUL.
   Same JSON with keys in another order or other whitespace -> same hash. 0 / -1. */
int idempotency_request_hash(const char *method, const char *path, const json_t *body, char out[65]);

#endif
