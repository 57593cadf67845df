/*
 * statements.h — every SQL statement the application runs, by name.  The
 * text, parameter count and result column count of each live in
 * statements.c; db.c prepares them all once per connection.
 */
#ifndef ORDERAPI_STATEMENTS_H
#define ORDERAPI_STATEMENTS_H

/* The values of a new order (STMT_ORDER_INSERT, order_store_insert). */
#define ORDER_INSERT_NPARAMS 18

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

    /* Refresh tokens (store/refresh_store.c). */
    STMT_REFRESH_INSERT,        /* (token_hash, family, parent_id, user_id, created_at, expires_at) */
    STMT_REFRESH_GET_LOCKED,    /* token_hash -> REFRESH columns, FOR UPDATE */
    STMT_REFRESH_MARK_USED,     /* (now, id): only while unused */
    STMT_REFRESH_REVOKE_FAMILY, /* (now, family) */
    STMT_REFRESH_REVOKE_USER,   /* (now, user_id) */
    STMT_REFRESH_FAMILY_OF,     /* (token_hash, user_id) -> family */
    STMT_REFRESH_PURGE_USER,    /* (user_id, now): the user's expired rows */

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
    STMT_ORDER_INSERT,          /* ORDER_INSERT_NPARAMS columns, see statements.c; the new id in mysql_insert_id */
    STMT_ORDER_INSERT_RETURNING,/* the same, RETURNING ORDER_COLUMNS (MariaDB only) */
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
    STMT_STATS_DAILY,           /* (from_day, from_day, to_day) -> day, orders, revenue: the days of the
                                    range and the latest day before it (STATS_DAILY columns) */
    STMT_STATS_CUM_ENDS,        /* (end_day, start_day, end_day) -> STATS_CUM columns: order_stats_cum's rows
                                    of the two days */

    /* Reports (store/report_store.c). */
    STMT_REPORT_SALES_DAILY,    /* (from_day, to_day) -> day (days since 1970-01-01), orders, revenue, items
                                 * (orders counting revenue) */
    STMT_SALES_PACK_RANGE,      /* (from_day, to_day) -> SALES_PACK columns: the packs of the range's two ends */
    STMT_SALES_PACK_DAYS,       /* (start_day, end_day, start_day, end_day) -> SALES_PACK columns: the packs
                                    of two materialized days */

    /* The event relay and housekeeping (events/relay.c). */
    STMT_OUTBOX_PENDING,        /* (limit) -> id, type, order_id, payload, created_at */
    STMT_OUTBOX_UNAGGREGATED,   /* (limit) -> id, type, payload (events/aggregate.c) */
    STMT_AGG_DAY_KNOWN,         /* (day) -> 1 when order_totals_daily has the day (materialized), else 0 */
    STMT_AGG_LAST_DAY,          /* -> the latest day of order_totals_daily, or NULL */
    STMT_AGG_MATERIALIZE_STATS, /* (day, day): order_stats_cum's rows of the latest day before, copied to day */
    STMT_AGG_CARRY_STATS,       /* (status, payment_status, orders, revenue, day): added to every day >= day */
    STMT_AGG_MATERIALIZE_PACK,  /* (day, day): product_sales_pack's rows of the latest day before, copied */
    STMT_AGG_DAYS_FROM,         /* (day) -> the days of order_totals_daily on or after day, in order */
    STMT_AGG_PACK_LOCKED,       /* (chunk, day) -> PACK_DAY columns: the chunk's packs on or after day */
    STMT_AGG_PACK_PUT,          /* (day, chunk, totals): a chunk's pack of a day, written whole */
    STMT_RELAY_LOCK,            /* GET_LOCK('orderapi_relay_' + SHA1(database), 0): 1, 0 or NULL */
    STMT_IDEMPOTENCY_PURGE,     /* (now): expired keys, a batch at a time */
    STMT_COUNT
};

/*
 * The result columns of each statement that returns rows, by position, and
 * their count (the ncolumns of the statement in statements.c).  Code reads
 * a cell only by these names: DB_CELL(rows, r, PC_SKU), never by a number.
 */

/* One column: SELECT 1, COUNT(*), GET_LOCK(), an id by email, EXISTS rows. */
enum single_col { SINGLE_VALUE = 0, SINGLE_NCOLUMNS };

/* STMT_MIGRATION_LIST. */
enum migration_col { MIG_VERSION = 0, MIG_NAME, MIG_CHECKSUM, MIGRATION_NCOLUMNS };

/* STMT_USER_LOGIN. */
enum user_login_col { ULOGIN_ID = 0, ULOGIN_PASSWORD_HASH, ULOGIN_ROLE, ULOGIN_TOKENS_VALID_AFTER,
                      USER_LOGIN_NCOLUMNS };
/* STMT_USER_PROFILE. */
enum user_profile_col { UPROF_ID = 0, UPROF_EMAIL, UPROF_FULL_NAME, UPROF_PHONE, UPROF_ROLE,
                        UPROF_CREATED_AT, USER_PROFILE_NCOLUMNS };
/* STMT_USER_AUTH_STATE. */
enum user_auth_state_col { UAUTH_ROLE = 0, UAUTH_TOKENS_VALID_AFTER, USER_AUTH_STATE_NCOLUMNS };
/* STMT_USER_LIST. */
enum user_list_col { ULIST_ID = 0, ULIST_EMAIL, ULIST_FULL_NAME, ULIST_ROLE, ULIST_CREATED_AT,
                     USER_LIST_NCOLUMNS };

/* STMT_REFRESH_GET_LOCKED. */
enum refresh_col { RT_ID = 0, RT_FAMILY, RT_USER_ID, RT_EXPIRES_AT, RT_USED_AT, RT_REVOKED_AT, RT_ROLE,
                   RT_TOKENS_VALID_AFTER, REFRESH_NCOLUMNS };

/* STMT_REPORT_SALES_DAILY. */
enum report_sales_col { RSALES_DAY = 0, RSALES_ORDERS, RSALES_REVENUE, RSALES_ITEMS, REPORT_SALES_NCOLUMNS };
/* The top products of GET /reports/top-products, likewise. */
enum report_top_col { RTOP_PRODUCT_ID = 0, RTOP_SKU, RTOP_NAME, RTOP_QUANTITY, RTOP_REVENUE, REPORT_TOP_NCOLUMNS };
/* STMT_SALES_PACK_RANGE and STMT_SALES_PACK_DAYS, ordered by day, then
 * chunk: whether the row is of the day before the range (is_start) and of
 * the range's last day (is_end); both when they are one day. */
enum sales_pack_col { SPACK_IS_START = 0, SPACK_IS_END, SPACK_CHUNK, SPACK_TOTALS, SALES_PACK_NCOLUMNS };
/* STMT_AGG_PACK_LOCKED. */
enum pack_day_col { PDAY_DAY = 0, PDAY_TOTALS, PACK_DAY_NCOLUMNS };

/* STMT_REVOCATION_ACTIVE. */
enum revocation_col { REVOKED_JTI = 0, REVOKED_EXPIRES_AT, REVOCATION_ACTIVE_NCOLUMNS };

/* PRODUCT_COLUMNS: STMT_PRODUCT_GET, STMT_PRODUCT_GET_LOCKED, STMT_PRODUCT_LIST. */
enum product_col { PC_ID = 0, PC_SKU, PC_NAME, PC_DESCRIPTION, PC_PRICE, PC_TAX_RATE, PC_STOCK, PC_ACTIVE,
                   PC_CREATED_AT, PC_UPDATED_AT, PRODUCT_NCOLUMNS };
/* STMT_STOCK_LOW. */
enum stock_low_col { SLOW_ID = 0, SLOW_SKU, SLOW_NAME, SLOW_STOCK, STOCK_LOW_NCOLUMNS };
/* STMT_STOCK_MISMATCH. */
enum stock_mismatch_col { SMIS_ID = 0, SMIS_SKU, SMIS_NAME, SMIS_STOCK, SMIS_LEDGER_SUM, STOCK_MISMATCH_NCOLUMNS };

/* ORDER_COLUMNS are enum order_column (store/order_store.h), OC_COUNT of them. */
/* ORDER_ITEM_COLUMNS: STMT_ORDER_ITEMS and the composed item queries. */
enum order_item_col { OIC_ID = 0, OIC_PRODUCT_ID, OIC_SKU, OIC_PRODUCT_NAME, OIC_UNIT_PRICE, OIC_QUANTITY,
                      OIC_SUBTOTAL, OIC_TAX, OIC_TOTAL, OIC_NOTES, OIC_TAX_RATE, ORDER_ITEM_NCOLUMNS };
/* STMT_ORDER_HISTORY. */
enum order_history_col { OHIST_FROM = 0, OHIST_TO, OHIST_KIND, OHIST_CHANGED_BY, OHIST_NOTE, OHIST_CREATED_AT,
                         ORDER_HISTORY_NCOLUMNS };
/* STMT_IDEMPOTENCY_GET. */
enum idempotency_col { IDEM_HASH = 0, IDEM_STATE, IDEM_STATUS, IDEM_BODY, IDEM_LOCATION, IDEM_EXPIRES_AT,
                       IDEM_AGE_S, IDEM_OWNER_TOKEN, IDEM_OWNER_ALIVE, IDEMPOTENCY_NCOLUMNS };
/* The range's status buckets (store/order_store.c builds them from
 * STMT_STATS_CUM_ENDS: the end's running totals minus the start's). */
enum stats_bucket_col { SBUCKET_STATUS = 0, SBUCKET_PAYMENT_STATUS, SBUCKET_ORDERS, SBUCKET_REVENUE,
                        STATS_BUCKETS_NCOLUMNS };
/* STMT_STATS_CUM_ENDS: whether the row is of the end day, then the
 * running totals of one bucket. */
enum stats_cum_col { SCUM_IS_END = 0, SCUM_STATUS, SCUM_PAYMENT_STATUS, SCUM_ORDERS, SCUM_REVENUE,
                     STATS_CUM_NCOLUMNS };
/* STMT_STATS_DAILY. */
enum stats_daily_col { SDAILY_DAY = 0, SDAILY_ORDERS, SDAILY_REVENUE, STATS_DAILY_NCOLUMNS };
/* The top products of GET /orders/stats (store/sales_pack_store.c builds
 * these rows from STMT_SALES_PACK_RANGE and the products' names). */
enum stats_top_col { STOP_PRODUCT_ID = 0, STOP_NAME, STOP_QUANTITY, STOP_REVENUE, STATS_TOP_NCOLUMNS };
/* The products' names of a ranking (store/sales_pack_store.c's
 * SELECT id, sku, name ... WHERE id IN (...)). */
enum product_name_col { PNAME_ID = 0, PNAME_SKU, PNAME_NAME, PRODUCT_NAME_NCOLUMNS };

/* STMT_OUTBOX_PENDING. */
enum outbox_col { OUTBOX_ID = 0, OUTBOX_TYPE, OUTBOX_ORDER_ID, OUTBOX_PAYLOAD, OUTBOX_CREATED_AT,
                  OUTBOX_PENDING_NCOLUMNS };
/* STMT_OUTBOX_UNAGGREGATED. */
enum outbox_agg_col { OUTBOX_AGG_ID = 0, OUTBOX_AGG_TYPE, OUTBOX_AGG_PAYLOAD, OUTBOX_AGG_NCOLUMNS };

struct stmt_def {
    enum stmt_id id;
    const char *name;  /* "STMT_ORDER_GET", for logs */
    const char *sql;
    unsigned nparams;  /* '?' placeholders */
    unsigned ncolumns; /* columns of each result row; 0: no result set */
    int mariadb_only;  /* SQL that only the "mariadb" dialect has (domain/sql_dialect.h):
                          not prepared, and refused, on a connection using the portable one */
};

extern const struct stmt_def STATEMENTS[STMT_COUNT];

/* The order columns (store/order_store.h, enum order_column), for the
 * order queries that are composed at run time. */
extern const char ORDER_COLUMNS_SQL[];
/* The item columns (ORDER_ITEM_COLUMNS), likewise. */
extern const char ORDER_ITEM_COLUMNS_SQL[];

#endif
