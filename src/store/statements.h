/*
 * statements.h — every SQL statement the application runs, by name.  The
 * text, parameter count and result column count of each live in
 * statements.c; db.c prepares them all once per connection.
 */
#ifndef ORDERAPI_STATEMENTS_H
#define ORDERAPI_STATEMENTS_H

enum stmt_id {
    STMT_PING = 0,              /* SELECT 1 */
    STMT_MIGRATION_LIST,        /* applied migrations: version, name, checksum */
    STMT_MIGRATION_RECORD,      /* (version, name, checksum) */
    STMT_MIGRATE_LOCK,          /* GET_LOCK('orderapi_migrate', 30): 1, 0 or NULL */
    STMT_MIGRATE_UNLOCK,        /* RELEASE_LOCK('orderapi_migrate') */

    /* Accounts (handlers/auth.c, cli_user.c). */
    STMT_USER_INSERT,           /* (email, full_name, phone, role, password_hash) */
    STMT_USER_LOGIN,            /* email -> id, password_hash, role, tokens_valid_after */
    STMT_USER_PROFILE,          /* id -> id, email, full_name, phone, role, created_at */
    STMT_USER_AUTH_STATE,       /* id -> role, tokens_valid_after */
    STMT_USER_LOGOUT_ALL,       /* (cutoff, id) */
    STMT_USER_ID_BY_EMAIL,      /* email -> id */
    STMT_USER_SET_PASSWORD,     /* (password_hash, email) */
    STMT_USER_SET_ROLE,         /* (role, email) */
    STMT_USER_DELETE,           /* (email) */
    STMT_USER_LIST,             /* -> id, email, full_name, role, created_at */

    /* Token revocation, the durable copy (auth/revocation.c). */
    STMT_REVOCATION_INSERT,     /* (jti, user_id, expires_at) */
    STMT_REVOCATION_EXISTS,     /* jti -> 1 */
    STMT_REVOCATION_ACTIVE,     /* now -> jti, expires_at */
    STMT_REVOCATION_PURGE,      /* (now) */

    /* Catalog and stock ledger (handlers/products.c, handlers/stock.c). */
    STMT_PRODUCT_INSERT,        /* (sku, name, description, price, tax_rate, stock, active) */
    STMT_PRODUCT_GET,           /* id -> PRODUCT_COLUMNS */
    STMT_PRODUCT_GET_LOCKED,    /* id -> PRODUCT_COLUMNS, FOR UPDATE */
    STMT_PRODUCT_UPDATE,        /* (sku, name, description, price, tax_rate, active, id) */
    STMT_PRODUCT_LIST,          /* (active, active, q, qlike, qlike, limit, offset) -> PRODUCT_COLUMNS */
    STMT_PRODUCT_COUNT,         /* (active, active, q, qlike, qlike) -> count */
    STMT_STOCK_ADJUST,          /* (delta, id, delta, delta): guarded stock + delta */
    STMT_STOCK_MOVEMENT_INSERT, /* (product_id, delta, reason, order_id, note, created_by) */
    STMT_STOCK_LOW,             /* threshold -> id, sku, name, stock */
    STMT_STOCK_MISMATCH,        /* -> id, sku, name, stock, ledger_sum */
    STMT_PRODUCT_COUNT_ALL,     /* -> count */

    /* Orders (store/order_store.c; the idempotency keys: handlers/idempotency.c). */
    STMT_ORDER_SEQUENCE_NEXT,   /* (day, block, block): reserves a block; its last number in mysql_insert_id */
    STMT_ORDER_INSERT,          /* 17 columns, see statements.c; RETURNING ORDER_COLUMNS */
    STMT_ORDER_GET,             /* id -> ORDER_COLUMNS (admin) */
    STMT_ORDER_GET_USER,        /* (id, user_id) -> ORDER_COLUMNS */
    STMT_ORDER_GET_GUEST,       /* (id, phone) -> ORDER_COLUMNS */
    STMT_ORDER_GET_LOCKED,      /* id -> ORDER_COLUMNS FOR UPDATE (admin) */
    STMT_ORDER_GET_USER_LOCKED, /* (id, user_id) FOR UPDATE */
    STMT_ORDER_GET_GUEST_LOCKED,/* (id, phone) FOR UPDATE */
    STMT_ORDER_ITEMS,           /* order_id -> ORDER_ITEM_COLUMNS */
    STMT_ORDER_HISTORY_INSERT,  /* (order_id, kind, from, to, changed_by, note) */
    STMT_ORDER_HISTORY,         /* order_id -> from, to, kind, changed_by, note, created_at */
    STMT_OUTBOX_INSERT,         /* (type, order_id, payload) */
    STMT_ORDER_STATS_ADD,       /* (day, status, payment_status, shard, orders, revenue) */
    STMT_IDEMPOTENCY_CLAIM,     /* (principal, key, hash, owner_token, expires_at); owner_conn = CONNECTION_ID() */
    STMT_IDEMPOTENCY_GET,       /* (principal, key) -> hash, state, status, body, location, expires_at, age_s,
                                    owner_token, owner_alive */
    STMT_IDEMPOTENCY_FINISH,    /* (status, body, location, principal, key, owner_token): only while ours */
    STMT_IDEMPOTENCY_RETAKE,    /* (hash, expires_at, owner_token, principal, key, seen_token, seen_state):
                                    a dead, stale or expired holder's row taken over, if unchanged since seen */
    STMT_IDEMPOTENCY_RELEASE,   /* (principal, key, owner_token): forget our key still in_progress after a 5xx */
    STMT_ORDER_SET_STATUS,      /* (status, ts column handled by CASE) (status, status..., id) */
    STMT_ORDER_SET_PAYMENT,     /* (payment_status, payment_method, transaction_ref, id) */
    STMT_ORDER_UPDATE_FIELDS,   /* (shipping_address, notes, customer_name, customer_email, customer_phone,
                                    priority, discount_amount, total_amount, id) */
    STMT_STATS_BUCKETS,         /* (from_day, to_day) -> status, payment_status, orders, revenue */
    STMT_STATS_DAILY,           /* (from_day, to_day) -> day, orders, revenue (counting orders) */
    STMT_STATS_TOP_PRODUCTS,    /* (from_day, to_day) -> product_id, name, quantity, revenue */

    /* The event relay and housekeeping (events/relay.c). */
    STMT_OUTBOX_PENDING,        /* (limit) -> id, type, order_id, payload, created_at */
    STMT_IDEMPOTENCY_PURGE,     /* (now): expired keys, a batch at a time */
    STMT_COUNT
};

struct stmt_def {
    enum stmt_id id;
    const char *name;  /* "STMT_ORDER_GET", for logs */
    const char *sql;
    unsigned nparams;  /* '?' placeholders */
    unsigned ncolumns; /* columns of each result row; 0: no result set */
};

extern const struct stmt_def STATEMENTS[STMT_COUNT];

/* The order columns (store/order_store.h, enum order_column), for the
 * order queries that are composed at run time. */
extern const char ORDER_COLUMNS_SQL[];
/* The item columns (ORDER_ITEM_COLUMNS), likewise. */
extern const char ORDER_ITEM_COLUMNS_SQL[];

#endif
