/*
 * statements.c — the text and parameter count of every SQL statement, in one
 * table indexed by enum stmt_id.
 *
 * Each entry is written with STATEMENT(), which places it at the index of its
 * own id, so the table cannot drift out of order when ids are added; db_new()
 * still checks at startup that every slot is filled and STATEMENTS[i].id == i,
 * and tests/unit/test_statements.c checks that the '?' placeholders match
 * nparams.  Parameters are always bound, never spliced into the text.
 */
#include "store/statements.h"

/* The columns of a product, in the order handlers/products.c reads them. */
#define PRODUCT_COLUMNS                                                                                  \
    "id, sku, name, description, price, tax_rate, stock, active,"                                       \
    " DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%sZ')"
#define PRODUCT_FILTER                                                                                   \
    " WHERE (? IS NULL OR active = ?) AND (? IS NULL OR name LIKE ? OR sku LIKE ?)"

#define STATEMENT(id_, nparams_, sql_) [id_] = {.id = (id_), .sql = (sql_), .nparams = (nparams_)}

const struct stmt_def STATEMENTS[STMT_COUNT] = {
    STATEMENT(STMT_PING, 0, "SELECT 1"),

    /* Migrations (store/migrate.c). */
    STATEMENT(STMT_MIGRATION_LIST, 0,
              "SELECT version, name, checksum FROM schema_migrations ORDER BY version"),
    STATEMENT(STMT_MIGRATION_RECORD, 3,
              "INSERT INTO schema_migrations(version, name, checksum) VALUES (?, ?, ?)"),
    STATEMENT(STMT_MIGRATE_LOCK, 0, "SELECT GET_LOCK('orderapi_migrate', 30)"),
    STATEMENT(STMT_MIGRATE_UNLOCK, 0, "SELECT RELEASE_LOCK('orderapi_migrate')"),

    /* Accounts. */
    STATEMENT(STMT_USER_INSERT, 5,
              "INSERT INTO users(email, full_name, phone, role, password_hash) VALUES (?, ?, ?, ?, ?)"),
    STATEMENT(STMT_USER_LOGIN, 1,
              "SELECT id, password_hash, role, tokens_valid_after FROM users WHERE email = ?"),
    STATEMENT(STMT_USER_PROFILE, 1,
              "SELECT id, email, full_name, phone, role, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"
              " FROM users WHERE id = ?"),
    STATEMENT(STMT_USER_AUTH_STATE, 1, "SELECT role, tokens_valid_after FROM users WHERE id = ?"),
    STATEMENT(STMT_USER_LOGOUT_ALL, 2,
              "UPDATE users SET tokens_valid_after = GREATEST(tokens_valid_after, ?) WHERE id = ?"),
    STATEMENT(STMT_USER_ID_BY_EMAIL, 1, "SELECT id FROM users WHERE email = ?"),
    STATEMENT(STMT_USER_SET_PASSWORD, 2, "UPDATE users SET password_hash = ? WHERE email = ?"),
    STATEMENT(STMT_USER_SET_ROLE, 2, "UPDATE users SET role = ? WHERE email = ?"),
    STATEMENT(STMT_USER_DELETE, 1, "DELETE FROM users WHERE email = ?"),
    STATEMENT(STMT_USER_LIST, 0,
              "SELECT id, email, full_name, role, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"
              " FROM users ORDER BY id"),

    /* Token revocation. */
    STATEMENT(STMT_REVOCATION_INSERT, 3,
              "INSERT IGNORE INTO token_revocations(jti, user_id, expires_at) VALUES (?, ?, ?)"),
    STATEMENT(STMT_REVOCATION_EXISTS, 1, "SELECT 1 FROM token_revocations WHERE jti = ?"),
    STATEMENT(STMT_REVOCATION_ACTIVE, 1, "SELECT jti, expires_at FROM token_revocations WHERE expires_at > ?"),
    STATEMENT(STMT_REVOCATION_PURGE, 1, "DELETE FROM token_revocations WHERE expires_at < ? LIMIT 1000"),

    /* Catalog and stock ledger. */
    STATEMENT(STMT_PRODUCT_INSERT, 7,
              "INSERT INTO products(sku, name, description, price, tax_rate, stock, active)"
              " VALUES (?, ?, ?, ?, ?, ?, ?)"),
    STATEMENT(STMT_PRODUCT_GET, 1, "SELECT " PRODUCT_COLUMNS " FROM products WHERE id = ?"),
    STATEMENT(STMT_PRODUCT_GET_LOCKED, 1, "SELECT " PRODUCT_COLUMNS " FROM products WHERE id = ? FOR UPDATE"),
    STATEMENT(STMT_PRODUCT_UPDATE, 7,
              "UPDATE products SET sku = ?, name = ?, description = ?, price = ?, tax_rate = ?, active = ?"
              " WHERE id = ?"),
    STATEMENT(STMT_PRODUCT_LIST, 7,
              "SELECT " PRODUCT_COLUMNS " FROM products" PRODUCT_FILTER " ORDER BY id LIMIT ? OFFSET ?"),
    STATEMENT(STMT_PRODUCT_COUNT, 5, "SELECT COUNT(*) FROM products" PRODUCT_FILTER),
    STATEMENT(STMT_STOCK_ADJUST, 4,
              "UPDATE products SET stock = stock + ? WHERE id = ? AND stock + ? >= 0 AND stock + ? <= 2147483647"),
    STATEMENT(STMT_STOCK_MOVEMENT_INSERT, 6,
              "INSERT INTO stock_movements(product_id, delta, reason, order_id, note, created_by)"
              " VALUES (?, ?, ?, ?, ?, ?)"),
    STATEMENT(STMT_STOCK_LOW, 1,
              "SELECT id, sku, name, stock FROM products WHERE active = 1 AND stock <= ? ORDER BY stock, id LIMIT 1000"),
    STATEMENT(STMT_STOCK_MISMATCH, 0,
              "SELECT p.id, p.sku, p.name, p.stock, CAST(COALESCE(SUM(m.delta), 0) AS SIGNED)"
              " FROM products p LEFT JOIN stock_movements m ON m.product_id = p.id"
              " GROUP BY p.id, p.sku, p.name, p.stock"
              " HAVING p.stock <> CAST(COALESCE(SUM(m.delta), 0) AS SIGNED) ORDER BY p.id LIMIT 1000"),
    STATEMENT(STMT_PRODUCT_COUNT_ALL, 0, "SELECT COUNT(*) FROM products"),
};

_Static_assert(sizeof STATEMENTS / sizeof STATEMENTS[0] == STMT_COUNT,
               "STATEMENTS must have one entry per enum stmt_id");
