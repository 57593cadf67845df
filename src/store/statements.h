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
    STMT_COUNT
};

struct stmt_def {
    enum stmt_id id;
    const char *sql;
    unsigned nparams;
};

extern const struct stmt_def STATEMENTS[STMT_COUNT];

#endif
