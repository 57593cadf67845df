/*
 * statements.h — every SQL statement the application runs, by name.  The
 * text and parameter count of each lives in statements.c; db.c prepares them
 * all once per connection.
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
    STMT_COUNT
};

struct stmt_def {
    enum stmt_id id;
    const char *sql;
    unsigned nparams;
};

extern const struct stmt_def STATEMENTS[STMT_COUNT];

#endif
