/*
 * order_store.h — the one seam for order SQL.  Every statement about orders,
 * their items, history, outbox events, reading the stats aggregates and the stock an
 * order takes or gives back runs here, behind a function that says what it
 * does; the handlers parse, call the domain rules and these, and respond.
 *
 * Only plain values cross this seam: a struct db, an arena for the results,
 * whose orders a caller may see (struct order_scope), and the domain's order
 * lines and filter.  Nothing here knows the application or a request.
 */
#ifndef ORDERAPI_ORDER_STORE_H
#define ORDERAPI_ORDER_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct arena;
struct order_filter;
struct order_line;
struct order_totals;

/* Columns of ORDER_COLUMNS (statements.c), by position. */
enum order_column {
    OC_ID = 0, OC_NUMBER, OC_USER_ID, OC_GUEST_PHONE, OC_PLACED_BY, OC_STATUS, OC_PAYMENT_STATUS, OC_PAYMENT_METHOD,
    OC_TRANSACTION_REF, OC_PRIORITY, OC_CUSTOMER_NAME, OC_CUSTOMER_EMAIL, OC_CUSTOMER_PHONE,
    OC_SHIPPING_ADDRESS, OC_ITEM_COUNT, OC_TOTAL_QUANTITY, OC_SUBTOTAL, OC_TAX, OC_SHIPPING, OC_DISCOUNT,
    OC_TOTAL, OC_CURRENCY, OC_NOTES, OC_VERSION, OC_CREATED_AT, OC_UPDATED_AT, OC_CONFIRMED_AT,
    OC_SHIPPED_AT, OC_DELIVERED_AT, OC_COMPLETED_AT, OC_CANCELLED_AT, OC_DAY, OC_CREATED_EPOCH,
    OC_COUNT
};

/* Columns of the rows order_store_lock_products returns, by position. */
enum locked_product_column { LP_ID = 0, LP_SKU, LP_NAME, LP_PRICE, LP_TAX_RATE, LP_STOCK, LP_ACTIVE };

/* Whose orders a statement may see: every order (an admin), one user's, or
 * one guest phone's orders placed without an account.  The condition is
 * part of the SQL, so someone else's order is simply not found. */
struct order_scope {
    enum { ORDER_SCOPE_ALL = 0, ORDER_SCOPE_USER, ORDER_SCOPE_GUEST } kind;
    int64_t user_id;   /* ORDER_SCOPE_USER */
    const char *phone; /* ORDER_SCOPE_GUEST */
};

/* --- Reading orders ---------------------------------------------------- */

/* Loads order id if the scope may see it, optionally locking it FOR
 * UPDATE.  DB_OK, DB_NOT_FOUND (also for someone else's order) or an error. */
int order_store_load(struct db *db, struct arena *a, const struct order_scope *s, int64_t id, int for_update,
                     struct db_rows *row);
/* The order's items (ORDER_ITEM_COLUMNS), in id order. */
int order_store_items(struct db *db, struct arena *a, int64_t order_id, struct db_rows *items);
/* order_store_load (without a lock) and order_store_items in one round
 * trip: one query joins the order row to its items; *row and *items are
 * views into the same result. */
int order_store_load_with_items(struct db *db, struct arena *a, const struct order_scope *s, int64_t id,
                                struct db_rows *row, struct db_rows *items);
/* The order's history, oldest first: from, to, kind, changed_by, note,
 * created_at; its first step (NULL -> pending) implied by the order unless
 * stored (orders placed before it was implied). */
int order_store_history(struct db *db, struct arena *a, int64_t order_id, struct db_rows *rows);
/* Where a cursor page starts: after the row with this sort value (the
 * creation time in microseconds, or the total in cents) and id. */
struct order_list_after {
    int64_t key;
    int64_t id;
};
/* A list row's creation time in microseconds since 1970, after the order
 * columns (the key a cursor on the creation time carries). */
#define ORDER_LIST_CREATED_US OC_COUNT
/*
 * Up to limit of the orders the scope may see that match the filter, in the
 * filter's sort order: skipping offset rows, or (after != NULL) starting
 * after that row, which costs the same at any depth: the sort's index is
 * entered at the row.  *total is the number of all that match, counted only
 * when want_total.  The query is composed from fixed fragments for the
 * filters given (so each shape uses its index); every value is bound.
 * DB_ERROR when it would not fit.
 */
int order_store_list(struct db *db, struct arena *a, const struct order_scope *s, const struct order_filter *f,
                     int64_t limit, int64_t offset, const struct order_list_after *after, int want_total,
                     struct db_rows *rows, int64_t *total);
/* The columns of the CSV export, in order (enum order_export_column). */
enum order_export_column {
    OX_ID = 0, OX_NUMBER, OX_CREATED_AT, OX_STATUS, OX_PAYMENT_STATUS, OX_CUSTOMER_NAME, OX_CUSTOMER_EMAIL,
    OX_CUSTOMER_PHONE, OX_ITEM_COUNT, OX_SUBTOTAL, OX_TAX, OX_SHIPPING, OX_DISCOUNT, OX_TOTAL, OX_COUNT
};
/* Every order the scope may see that matches the filter, in its sort
 * order, as a stream of enum order_export_column rows (db_stream_next):
 * no page limit, one row held at a time. */
struct db_stream;
int order_store_export_open(struct db *db, struct arena *a, const struct order_scope *s,
                            const struct order_filter *f, struct db_stream **out);
/* The stats aggregates for the days from..to (YYYY-MM-DD): buckets (status,
 * payment_status, orders, revenue), daily (day, orders, revenue) and the top
 * products (product_id, name, quantity, revenue). */
int order_store_stats(struct db *db, struct arena *a, const char *from_day, const char *to_day,
                      struct db_rows *buckets, struct db_rows *daily, struct db_rows *top);

/* --- Placing an order -------------------------------------------------- */

/* Reserves the day's next block of order numbers (autocommit, outside any
 * order transaction); *last is the last number of the block. */
int order_store_reserve_numbers(struct db *db, const char *day, int64_t block, int64_t *last);
/* Locks the lines' products in ascending id order (lines are sorted by
 * product id), one statement; rows as enum locked_product_column, only for
 * the products that exist. */
int order_store_lock_products(struct db *db, struct arena *a, const struct order_line *lines, size_t n,
                              struct db_rows *products);
/* Takes every line's quantity from its product's stock with one guarded
 * statement; DB_ERROR unless every product had enough (all locked and
 * checked before, so that cannot happen). */
int order_store_take_stock(struct db *db, struct arena *a, const struct order_line *lines, size_t n);

/* The order row to insert; NULL strings are SQL NULL. */
struct order_store_new {
    const char *number;
    int64_t user_id;         /* the customer's; 0: a guest's or a walk-in's order */
    const char *guest_phone; /* for a guest's order */
    int64_t placed_by;       /* the user who placed it; 0: a guest */
    const char *payment_method, *customer_name, *customer_email, *customer_phone;
    const char *address;     /* canonical JSON text */
    const char *notes;
    const struct order_totals *totals;
};
/* Inserts the order (status pending, priority normal) and returns the row
 * as written (ORDER_COLUMNS, with its id and timestamps). */
int order_store_insert(struct db *db, struct arena *a, const struct order_store_new *o, struct db_rows *row);
/* Inserts the lines as the order's items (SKU and name copied from the
 * locked products) with one statement and returns them as written.  The
 * items are the order's sales in the stock ledger (sql/013): no
 * stock_movements row goes with them. */
int order_store_insert_items(struct db *db, struct arena *a, int64_t order_id, const struct order_line *lines,
                             size_t n, const struct db_rows *products, struct db_rows *items);

/* --- Changing an order ------------------------------------------------- */

/* Moves the locked order from status from to to; exactly one row must
 * change (DB_ERROR, logged, otherwise). */
int order_store_set_status(struct db *db, int64_t order_id, const char *from, const char *to);
/* Sets the payment status and details (NULL keeps a detail); one row. */
int order_store_set_payment(struct db *db, int64_t order_id, const char *status, const char *method,
                            const char *transaction_ref);
/* The columns order_store_update_fields sets, in its order. */
enum order_text_field {
    ORDER_TEXT_ADDRESS = 0, ORDER_TEXT_NOTES, ORDER_TEXT_NAME, ORDER_TEXT_EMAIL, ORDER_TEXT_PHONE,
    ORDER_TEXT_PRIORITY, ORDER_TEXT_COUNT
};
/* Sets the text columns (each the old or the new value), the discount and
 * the total of the locked order; one row. */
int order_store_update_fields(struct db *db, int64_t order_id, const struct db_value text[ORDER_TEXT_COUNT],
                              int64_t discount, int64_t total);

/*
 * Puts a cancelled order's items back into stock, exactly once: locks the
 * products in ascending id order (the order an order creation locks them
 * in, so the two never deadlock on products), writes one 'cancel' ledger row
 * per item — the ledger's unique key makes a second restock of the same
 * order a DB_DUPLICATE — and adds the quantities back.  items are the
 * order's rows from order_store_items (they never change).
 */
int order_store_restock(struct db *db, struct arena *a, const struct db_rows *items, int64_t order_id,
                        int64_t actor);

/* --- What every change writes ------------------------------------------ */

/* A history row; from and note may be NULL, changed_by 0 is NULL. */
int order_store_history_add(struct db *db, int64_t order_id, const char *kind, const char *from, const char *to,
                            int64_t changed_by, const char *note);
/* Writes an outbox event row (order_id 0: none); payload is stolen. */
int order_store_event_add(struct db *db, const char *type, int64_t order_id, json_t *payload);

#endif
