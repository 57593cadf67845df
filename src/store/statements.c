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
};

_Static_assert(sizeof STATEMENTS / sizeof STATEMENTS[0] == STMT_COUNT,
               "STATEMENTS must have one entry per enum stmt_id");
