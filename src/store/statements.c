/*
 * statements.c — the text, parameter count and result column count of every
 * SQL statement, in one table indexed by enum stmt_id.
 *
 * Each entry is written with STATEMENT(), which places it at the index of its
 * own id, so the table cannot drift out of order when ids are added; db_new()
 * still checks at startup that every slot is filled and STATEMENTS[i].id == i,
 * and tests/unit/test_statements.c checks that the '?' placeholders match
 * nparams and the select list (or RETURNING list) matches ncolumns; db.c
 * refuses to fetch a result of any other width.  Parameters are always
 * bound, never spliced into the text.
 */
#include "store/statements.h"

#include "store/order_store.h"

/* The columns of a product: enum product_col (statements.h), PRODUCT_NCOLUMNS of them. */
#define PRODUCT_COLUMNS                                                                                  \
    "id, sku, name, description, price, tax_rate, stock, active,"                                       \
    " DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ')"
#define PRODUCT_FILTER                                                                                   \
    " WHERE (? IS NULL OR active = ?) AND (? IS NULL OR name LIKE ? OR CONVERT(sku USING utf8mb4) LIKE ?)"

/* The columns of an order: enum order_column (store/order_store.h), ORDER_NCOLUMNS of them. */
#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define ORDER_COLUMNS                                                                                    \
    "id, order_number, user_id, guest_phone, placed_by, status, payment_status, payment_method,"         \
    " transaction_ref,"                                                                                  \
    " priority, customer_name, customer_email, customer_phone, shipping_address, item_count,"           \
    " total_quantity, subtotal, tax_amount, shipping_amount, discount_amount, total_amount, currency,"  \
    " notes, version, " TS("created_at") ", " TS("updated_at") ", " TS("confirmed_at") ", "               \
    TS("shipped_at") ", " TS("delivered_at") ", " TS("completed_at") ", " TS("cancelled_at") ","          \
    " DATE_FORMAT(created_at, '%Y-%m-%d'), UNIX_TIMESTAMP(created_at)"
#define ORDER_NCOLUMNS OC_COUNT
/* A new order; STMT_ORDER_INSERT_RETURNING adds RETURNING ORDER_COLUMNS. */
#define ORDER_INSERT                                                                                     \
    "INSERT INTO orders(order_number, user_id, guest_phone, placed_by, payment_method, customer_name,"   \
    " customer_email, customer_phone, shipping_address, item_count, total_quantity, subtotal,"          \
    " tax_amount, shipping_amount, discount_amount, total_amount, notes, priority)"                     \
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
/* The columns of an order item: enum order_item_col (statements.h). */
#define ORDER_ITEM_COLUMNS                                                                               \
    "id, product_id, sku, product_name, unit_price, quantity, subtotal, tax_amount, total_amount, notes, tax_rate"

/* A statement without a result set (INSERT, UPDATE, DELETE): no columns. */
#define STATEMENT(id_, nparams_, sql_) \
    [id_] = {.id = (id_), .name = #id_, .sql = (sql_), .nparams = (nparams_), .ncolumns = 0}
/* A statement that returns rows (SELECT, or a write with RETURNING), and how
 * many columns each row has. */
#define QUERY(id_, nparams_, ncolumns_, sql_) \
    [id_] = {.id = (id_), .name = #id_, .sql = (sql_), .nparams = (nparams_), .ncolumns = (ncolumns_)}
/* A QUERY in SQL only MariaDB accepts (RETURNING): used only in the
 * "mariadb" dialect, each with a portable counterpart (docs/sql-dialects.md). */
#define MARIADB_QUERY(id_, nparams_, ncolumns_, sql_)                                                      \
    [id_] = {.id = (id_), .name = #id_, .sql = (sql_), .nparams = (nparams_), .ncolumns = (ncolumns_), \
             .mariadb_only = 1}

/* The packed running totals of the latest materialized day before the
 * range (r.s) and of the latest on or before its end (r.e), each found by
 * one index dive into order_totals_daily, then both days' rows by one range
 * read of product_sales_pack's key, in day and chunk order; the end's
 * totals minus the start's are the range's (sql/012_sales_pack.sql).  No
 * UNION: MariaDB would copy the packs into a temporary table.
 * Parameters: (from_day, to_day). */
#define SALES_PACK_RANGE_SQL                                                                                \
    "SELECT c.day <=> r.s, c.day <=> r.e, c.chunk, c.totals"                                               \
    " FROM (SELECT (SELECT MAX(day) FROM order_totals_daily WHERE day < ?) AS s,"                           \
    " (SELECT MAX(day) FROM order_totals_daily WHERE day <= ?) AS e) r"                                     \
    " JOIN product_sales_pack c ON c.day IN (r.s, r.e) ORDER BY c.day, c.chunk"
const struct stmt_def STATEMENTS[STMT_COUNT] = {
    QUERY(STMT_PING, 0, SINGLE_NCOLUMNS, "SELECT 1"),

    /* Migrations (store/migrate.c). */
    QUERY(STMT_MIGRATION_LIST, 0, MIGRATION_NCOLUMNS,
              "SELECT version, name, checksum FROM schema_migrations ORDER BY version"),
    STATEMENT(STMT_MIGRATION_RECORD, 3,
              "INSERT INTO schema_migrations(version, name, checksum) VALUES (?, ?, ?)"),
    QUERY(STMT_MIGRATE_LOCK, 0, SINGLE_NCOLUMNS, "SELECT GET_LOCK('orderapi_migrate', 30)"),
    QUERY(STMT_MIGRATE_UNLOCK, 0, SINGLE_NCOLUMNS, "SELECT RELEASE_LOCK('orderapi_migrate')"),

    /* Accounts. */
    STATEMENT(STMT_USER_INSERT, 5,
              "INSERT INTO users(email, full_name, phone, role, password_hash) VALUES (?, ?, ?, ?, ?)"),
    QUERY(STMT_USER_LOGIN, 1, USER_LOGIN_NCOLUMNS,
              "SELECT id, password_hash, role, tokens_valid_after FROM users WHERE email = ?"),
    QUERY(STMT_USER_PROFILE, 1, USER_PROFILE_NCOLUMNS,
              "SELECT id, email, full_name, phone, role, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"
              " FROM users WHERE id = ?"),
    QUERY(STMT_USER_AUTH_STATE, 1, USER_AUTH_STATE_NCOLUMNS, "SELECT role, tokens_valid_after FROM users WHERE id = ?"),
    STATEMENT(STMT_USER_LOGOUT_ALL, 2,
              "UPDATE users SET tokens_valid_after = GREATEST(tokens_valid_after + 1, ?) WHERE id = ?"),
    QUERY(STMT_USER_ID_BY_EMAIL, 1, SINGLE_NCOLUMNS, "SELECT id FROM users WHERE email = ?"),
    STATEMENT(STMT_USER_SET_PASSWORD, 2, "UPDATE users SET password_hash = ? WHERE email = ?"),
    STATEMENT(STMT_USER_SET_ROLE, 2, "UPDATE users SET role = ? WHERE email = ?"),
    STATEMENT(STMT_USER_DELETE, 1, "DELETE FROM users WHERE email = ?"),
    QUERY(STMT_USER_LIST, 0, USER_LIST_NCOLUMNS,
              "SELECT id, email, full_name, role, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"
              " FROM users ORDER BY id"),

    /* Token revocation. */
    /* Refresh tokens. */
    STATEMENT(STMT_REFRESH_INSERT, 6,
              "INSERT INTO refresh_tokens(token_hash, family, parent_id, user_id, created_at, expires_at)"
              " VALUES (?, ?, ?, ?, ?, ?)"),
    QUERY(STMT_REFRESH_GET_LOCKED, 1, REFRESH_NCOLUMNS,
              "SELECT r.id, r.family, r.user_id, r.expires_at, r.used_at, r.revoked_at, u.role, u.tokens_valid_after"
              " FROM refresh_tokens r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ? FOR UPDATE"),
    STATEMENT(STMT_REFRESH_MARK_USED, 2, "UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL"),
    STATEMENT(STMT_REFRESH_REVOKE_FAMILY, 2,
              "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL"),
    STATEMENT(STMT_REFRESH_REVOKE_USER, 2,
              "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"),
    QUERY(STMT_REFRESH_FAMILY_OF, 2, SINGLE_NCOLUMNS,
              "SELECT family FROM refresh_tokens WHERE token_hash = ? AND user_id = ?"),
    STATEMENT(STMT_REFRESH_PURGE_USER, 2, "DELETE FROM refresh_tokens WHERE user_id = ? AND expires_at < ?"),

    STATEMENT(STMT_REVOCATION_INSERT, 3,
              "INSERT IGNORE INTO token_revocations(jti, user_id, expires_at) VALUES (?, ?, ?)"),
    QUERY(STMT_REVOCATION_EXISTS, 1, SINGLE_NCOLUMNS, "SELECT 1 FROM token_revocations WHERE jti = ?"),
    QUERY(STMT_REVOCATION_ACTIVE, 1, REVOCATION_ACTIVE_NCOLUMNS,
              "SELECT jti, expires_at FROM token_revocations WHERE expires_at > ?"),
    STATEMENT(STMT_REVOCATION_PURGE, 1, "DELETE FROM token_revocations WHERE expires_at < ? LIMIT 1000"),

    /* Catalog and stock ledger. */
    STATEMENT(STMT_PRODUCT_INSERT, 7,
              "INSERT INTO products(sku, name, description, price, tax_rate, stock, active)"
              " VALUES (?, ?, ?, ?, ?, ?, ?)"),
    QUERY(STMT_PRODUCT_GET, 1, PRODUCT_NCOLUMNS, "SELECT " PRODUCT_COLUMNS " FROM products WHERE id = ?"),
    QUERY(STMT_PRODUCT_GET_LOCKED, 1, PRODUCT_NCOLUMNS, "SELECT " PRODUCT_COLUMNS " FROM products WHERE id = ? FOR UPDATE"),
    STATEMENT(STMT_PRODUCT_UPDATE, 7,
              "UPDATE products SET sku = ?, name = ?, description = ?, price = ?, tax_rate = ?, active = ?"
              " WHERE id = ?"),
    QUERY(STMT_PRODUCT_LIST, 7, PRODUCT_NCOLUMNS,
              "SELECT " PRODUCT_COLUMNS " FROM products" PRODUCT_FILTER " ORDER BY id LIMIT ? OFFSET ?"),
    QUERY(STMT_PRODUCT_COUNT, 5, SINGLE_NCOLUMNS, "SELECT COUNT(*) FROM products" PRODUCT_FILTER),
    STATEMENT(STMT_STOCK_ADJUST, 4,
              "UPDATE products SET stock = stock + ? WHERE id = ? AND stock + ? >= 0 AND stock + ? <= 2147483647"),
    STATEMENT(STMT_STOCK_MOVEMENT_INSERT, 6,
              "INSERT INTO stock_movements(product_id, delta, reason, order_id, note, created_by)"
              " VALUES (?, ?, ?, ?, ?, ?)"),
    QUERY(STMT_STOCK_LOW, 1, STOCK_LOW_NCOLUMNS,
              "SELECT id, sku, name, stock FROM products WHERE active = 1 AND stock <= ? ORDER BY stock, id LIMIT 1000"),
    /* The ledger of a product: its stock_movements rows, and its order
     * items as sales (-quantity each; sql/013). */
    QUERY(STMT_STOCK_MISMATCH, 0, STOCK_MISMATCH_NCOLUMNS,
              "SELECT p.id, p.sku, p.name, p.stock, CAST(COALESCE(m.total, 0) - COALESCE(s.sold, 0) AS SIGNED)"
              " FROM products p"
              " LEFT JOIN (SELECT product_id, SUM(delta) AS total FROM stock_movements GROUP BY product_id) m"
              " ON m.product_id = p.id"
              " LEFT JOIN (SELECT product_id, SUM(quantity) AS sold FROM order_items GROUP BY product_id) s"
              " ON s.product_id = p.id"
              " WHERE p.stock <> COALESCE(m.total, 0) - COALESCE(s.sold, 0) ORDER BY p.id LIMIT 1000"),
    QUERY(STMT_PRODUCT_COUNT_ALL, 0, SINGLE_NCOLUMNS, "SELECT COUNT(*) FROM products"),

    /* Orders. */
    STATEMENT(STMT_ORDER_SEQUENCE_NEXT, 3,
              "INSERT INTO order_number_sequences(day, last_value) VALUES (?, LAST_INSERT_ID(?))"
              " ON DUPLICATE KEY UPDATE last_value = LAST_INSERT_ID(last_value + ?)"),
    STATEMENT(STMT_ORDER_INSERT, ORDER_INSERT_NPARAMS, ORDER_INSERT),
    MARIADB_QUERY(STMT_ORDER_INSERT_RETURNING, ORDER_INSERT_NPARAMS, ORDER_NCOLUMNS,
                  ORDER_INSERT " RETURNING " ORDER_COLUMNS),
    QUERY(STMT_ORDER_GET, 1, ORDER_NCOLUMNS, "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ?"),
    QUERY(STMT_ORDER_GET_USER, 2, ORDER_NCOLUMNS, "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ? AND user_id = ?"),
    QUERY(STMT_ORDER_GET_GUEST, 2, ORDER_NCOLUMNS,
              "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ? AND guest_phone = ? AND user_id IS NULL"),
    QUERY(STMT_ORDER_GET_LOCKED, 1, ORDER_NCOLUMNS, "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ? FOR UPDATE"),
    QUERY(STMT_ORDER_GET_USER_LOCKED, 2, ORDER_NCOLUMNS,
              "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ? AND user_id = ? FOR UPDATE"),
    QUERY(STMT_ORDER_GET_GUEST_LOCKED, 2, ORDER_NCOLUMNS,
              "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ? AND guest_phone = ? AND user_id IS NULL FOR UPDATE"),
    QUERY(STMT_ORDER_ITEMS, 1, ORDER_ITEM_NCOLUMNS, "SELECT " ORDER_ITEM_COLUMNS " FROM order_items WHERE order_id = ? ORDER BY id"),
    STATEMENT(STMT_ORDER_HISTORY_INSERT, 6,
              "INSERT INTO order_history(order_id, kind, from_status, to_status, changed_by, note)"
              " VALUES (?, ?, ?, ?, ?, ?)"),
    /* The first step (NULL -> pending, by whoever placed the order, when it
     * was placed) is implied by the order itself; orders placed before it
     * was (migration-free) have it stored, and then it is not implied. */
    QUERY(STMT_ORDER_HISTORY, 2, ORDER_HISTORY_NCOLUMNS,
              "SELECT from_status, to_status, kind, changed_by, note, " TS("created_at")
              " FROM (SELECT 0 AS step, 0 AS id, NULL AS from_status, 'pending' AS to_status, 'status' AS kind,"
              " placed_by AS changed_by, NULL AS note, created_at FROM orders o WHERE o.id = ?"
              " AND NOT EXISTS (SELECT 1 FROM order_history h WHERE h.order_id = o.id AND h.kind = 'status'"
              " AND h.from_status IS NULL)"
              " UNION ALL SELECT 1, id, from_status, to_status, kind, changed_by, note, created_at"
              " FROM order_history WHERE order_id = ?) AS steps ORDER BY step, id"),
    STATEMENT(STMT_OUTBOX_INSERT, 3, "INSERT INTO outbox_events(type, order_id, payload) VALUES (?, ?, ?)"),
    STATEMENT(STMT_IDEMPOTENCY_CLAIM, 5,
              "INSERT INTO idempotency_keys(principal, idem_key, request_hash, state, owner_token, owner_conn,"
              " expires_at) VALUES (?, ?, ?, 'in_progress', ?, CONNECTION_ID(), ?)"),
    /* owner_alive: 1 while the connection that claimed an in_progress key
     * still exists in the server (another one than ours: a worker runs one
     * request at a time, so a key held by our own connection belongs to a
     * request that has ended), or when the owner is unknown (NULL). */
    QUERY(STMT_IDEMPOTENCY_GET, 2, IDEMPOTENCY_NCOLUMNS,
              "SELECT request_hash, state, response_status, response_body, response_location, expires_at,"
              " TIMESTAMPDIFF(SECOND, created_at, CURRENT_TIMESTAMP(6)), owner_token,"
              " CASE WHEN state <> 'in_progress' THEN 0 WHEN owner_conn IS NULL THEN 1"
              " WHEN owner_conn = CONNECTION_ID() THEN 0"
              " ELSE EXISTS (SELECT 1 FROM information_schema.PROCESSLIST p WHERE p.ID = owner_conn) END"
              " FROM idempotency_keys WHERE principal = ? AND idem_key = ?"),
    STATEMENT(STMT_IDEMPOTENCY_FINISH, 6,
              "UPDATE idempotency_keys SET state = 'done', response_status = ?, response_body = ?,"
              " response_location = ? WHERE principal = ? AND idem_key = ? AND owner_token = ?"
              " AND state = 'in_progress'"),
    STATEMENT(STMT_IDEMPOTENCY_RETAKE, 7,
              "UPDATE idempotency_keys SET request_hash = ?, state = 'in_progress', response_status = NULL,"
              " response_body = NULL, response_location = NULL, expires_at = ?, created_at = CURRENT_TIMESTAMP(6),"
              " owner_token = ?, owner_conn = CONNECTION_ID()"
              " WHERE principal = ? AND idem_key = ? AND owner_token <=> ? AND state = ?"),
    STATEMENT(STMT_IDEMPOTENCY_RELEASE, 3,
              "DELETE FROM idempotency_keys WHERE principal = ? AND idem_key = ? AND owner_token = ?"
              " AND state = 'in_progress'"),
    STATEMENT(STMT_ORDER_SET_STATUS, 3,
              "UPDATE orders SET status = ?, version = version + 1, updated_at = CURRENT_TIMESTAMP(6),"
              " confirmed_at = IF(status = 'confirmed', CURRENT_TIMESTAMP(6), confirmed_at),"
              " shipped_at = IF(status = 'shipped', CURRENT_TIMESTAMP(6), shipped_at),"
              " delivered_at = IF(status = 'delivered', CURRENT_TIMESTAMP(6), delivered_at),"
              " completed_at = IF(status = 'completed', CURRENT_TIMESTAMP(6), completed_at),"
              " cancelled_at = IF(status = 'cancelled', CURRENT_TIMESTAMP(6), cancelled_at)"
              " WHERE id = ? AND status = ?"),
    STATEMENT(STMT_ORDER_SET_PAYMENT, 4,
              "UPDATE orders SET payment_status = ?, payment_method = COALESCE(?, payment_method),"
              " transaction_ref = COALESCE(?, transaction_ref), version = version + 1,"
              " updated_at = CURRENT_TIMESTAMP(6) WHERE id = ?"),
    STATEMENT(STMT_ORDER_UPDATE_FIELDS, 9,
              "UPDATE orders SET shipping_address = ?, notes = ?, customer_name = ?, customer_email = ?,"
              " customer_phone = ?, priority = ?, discount_amount = ?, total_amount = ?,"
              " version = version + 1, updated_at = CURRENT_TIMESTAMP(6) WHERE id = ?"),
    /* Statistics (store/order_store.c): the range's days of
     * order_totals_daily with the latest materialized day before it (the
     * start of the running totals; from_day itself when there is none), as
     * DATE values (the client writes them as YYYY-MM-DD); then the two
     * ends' rows of the running totals, whose difference is the range's
     * (sql/011_running_totals.sql). */
    QUERY(STMT_STATS_DAILY, 3, STATS_DAILY_NCOLUMNS,
              "SELECT day, orders_all, revenue_counted FROM order_totals_daily"
              " WHERE day BETWEEN COALESCE((SELECT MAX(day) FROM order_totals_daily WHERE day < ?), ?) AND ?"
              " ORDER BY day"),
    QUERY(STMT_STATS_CUM_ENDS, 3, STATS_CUM_NCOLUMNS,
              "SELECT day <=> ?, status, payment_status, orders, revenue FROM order_stats_cum WHERE day IN (?, ?)"),

    /* Reports: a row per day, and the running totals' two ends. */
    QUERY(STMT_REPORT_SALES_DAILY, 2, REPORT_SALES_NCOLUMNS,
              "SELECT DATEDIFF(day, '1970-01-01'), orders_counted, revenue_counted, items_counted"
              " FROM order_totals_daily WHERE day BETWEEN ? AND ? ORDER BY day"),
    QUERY(STMT_SALES_PACK_RANGE, 2, SALES_PACK_NCOLUMNS, SALES_PACK_RANGE_SQL),
    QUERY(STMT_SALES_PACK_DAYS, 4, SALES_PACK_NCOLUMNS,
              "SELECT day <=> ?, day <=> ?, chunk, totals FROM product_sales_pack WHERE day IN (?, ?)"
              " ORDER BY day, chunk"),

    /* Event relay and housekeeping. */
    QUERY(STMT_OUTBOX_PENDING, 1, OUTBOX_PENDING_NCOLUMNS,
              "SELECT id, type, order_id, payload, " TS("created_at")
              " FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT ?"),
    QUERY(STMT_OUTBOX_UNAGGREGATED, 1, OUTBOX_AGG_NCOLUMNS,
              "SELECT id, type, payload FROM outbox_events WHERE aggregated_at IS NULL ORDER BY id LIMIT ?"),
    /* The relay's running totals (store/aggregate_store.c): a day of
     * order_totals_daily is materialized in order_stats_cum and the packs. */
    QUERY(STMT_AGG_DAY_KNOWN, 1, SINGLE_NCOLUMNS, "SELECT COUNT(*) FROM order_totals_daily WHERE day = ?"),
    QUERY(STMT_AGG_LAST_DAY, 0, SINGLE_NCOLUMNS, "SELECT DATE_FORMAT(MAX(day), '%Y-%m-%d') FROM order_totals_daily"),
    STATEMENT(STMT_AGG_MATERIALIZE_STATS, 2,
              "INSERT INTO order_stats_cum (day, status, payment_status, orders, revenue)"
              " SELECT ?, c.status, c.payment_status, c.orders, c.revenue"
              " FROM (SELECT MAX(day) AS d FROM order_totals_daily WHERE day < ?) p"
              " JOIN order_stats_cum c ON c.day = p.d"),
    STATEMENT(STMT_AGG_CARRY_STATS, 5,
              "INSERT INTO order_stats_cum (day, status, payment_status, orders, revenue)"
              " SELECT day, ?, ?, ?, ? FROM order_totals_daily WHERE day >= ?"
              " ON DUPLICATE KEY UPDATE orders = order_stats_cum.orders + VALUES(orders),"
              " revenue = order_stats_cum.revenue + VALUES(revenue)"),
    /* The packed running totals (store/sales_pack_store.c). */
    STATEMENT(STMT_AGG_MATERIALIZE_PACK, 2,
              "INSERT INTO product_sales_pack (day, chunk, totals)"
              " SELECT ?, c.chunk, c.totals"
              " FROM (SELECT MAX(day) AS d FROM order_totals_daily WHERE day < ?) p"
              " JOIN product_sales_pack c ON c.day = p.d"),
    QUERY(STMT_AGG_DAYS_FROM, 1, SINGLE_NCOLUMNS,
              "SELECT DATE_FORMAT(day, '%Y-%m-%d') FROM order_totals_daily WHERE day >= ? ORDER BY day"),
    QUERY(STMT_AGG_PACK_LOCKED, 2, PACK_DAY_NCOLUMNS,
              "SELECT DATE_FORMAT(day, '%Y-%m-%d'), totals FROM product_sales_pack"
              " WHERE chunk = ? AND day >= ? ORDER BY day FOR UPDATE"),
    STATEMENT(STMT_AGG_PACK_PUT, 3,
              "INSERT INTO product_sales_pack (day, chunk, totals) VALUES (?, ?, ?)"
              " ON DUPLICATE KEY UPDATE totals = VALUES(totals)"),
    /* Named locks are server-wide: the database's name keeps two sites on
     * one shared MySQL server apart (SHA1 keeps it under MySQL's 64 bytes). */
    QUERY(STMT_RELAY_LOCK, 0, SINGLE_NCOLUMNS, "SELECT GET_LOCK(CONCAT('orderapi_relay_', SHA1(DATABASE())), 0)"),
    STATEMENT(STMT_IDEMPOTENCY_PURGE, 1, "DELETE FROM idempotency_keys WHERE expires_at < ? LIMIT 1000"),
};

const char ORDER_COLUMNS_SQL[] = ORDER_COLUMNS;
const char ORDER_ITEM_COLUMNS_SQL[] = ORDER_ITEM_COLUMNS;

_Static_assert(sizeof STATEMENTS / sizeof STATEMENTS[0] == STMT_COUNT,
               "STATEMENTS must have one entry per enum stmt_id");
