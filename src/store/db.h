/*
 * db.h — one MySQL/MariaDB connection per worker.
 *
 * The client library is initialised and the connection opened lazily
 * (db_ensure), in utf8mb4, with connect, read and write timeouts.  Every
 * statement the application runs is listed once in statements.c and
 * prepared on its first use on a connection, its parameter count checked
 * against the table.  A lost connection (2006, 2013 and the others
 * db_classify_error lists) is DB_UNAVAILABLE on any statement; the
 * connection is re-opened and the statements re-prepared as they are used
 * again.  db_tx runs a whole transaction again on
 * deadlock (1213) or lock-wait timeout (1205), a bounded number of times.
 */
#ifndef ORDERAPI_DB_H
#define ORDERAPI_DB_H

#include <stddef.h>
#include <stdint.h>

#include "domain/sql_dialect.h"
#include "store/statements.h"

struct arena;
struct db_config;
struct db;

/* Initialises the MySQL client library (once per process; db_ensure calls
 * it before the first connection).  Call it before fork so that children
 * inherit it, and before any thread starts.  0 or -1. */
int db_library_init(void);

/* Result codes: 0 is success, negative an error. */
enum db_status {
    DB_OK = 0,
    DB_NOT_FOUND = 1,        /* lookups: no row (tri-state, see db_query_row) */
    DB_ERROR = -1,           /* anything else: a 500, details in the log */
    DB_UNAVAILABLE = -2,     /* cannot reach the server: a 503 */
    DB_DUPLICATE = -3,       /* unique key violation (1062) */
    DB_RETRYABLE = -4,       /* deadlock or lock wait timeout; db_tx retries */
    DB_CONSTRAINT = -5,      /* CHECK or foreign key violation (4025, 1451, 1452) */
};

/* What a MySQL error number means here (db_classify_error). */
struct db_error_class {
    int status;          /* enum db_status: DB_UNAVAILABLE whenever connection_lost */
    int connection_lost; /* the connection is gone (and any open transaction with it) */
    int maybe_applied;   /* lost after the statement was sent: it may have run, even committed */
};
/* Classifies a client (2xxx, 5xxx) or server error number; pure. */
struct db_error_class db_classify_error(unsigned err);

enum db_type { DBV_NULL = 0, DBV_INT, DBV_STR };

/* A parameter or a result column. */
struct db_value {
    enum db_type type;
    int64_t i;
    const char *s;   /* DBV_STR: not necessarily NUL-terminated as a param; results are */
    size_t len;
};

#define DBP_INT(v) ((struct db_value){.type = DBV_INT, .i = (int64_t)(v)})
#define DBP_STR(v) ((struct db_value){.type = DBV_STR, .s = (v), .len = strlen(v)})
#define DBP_STRN(v, n) ((struct db_value){.type = DBV_STR, .s = (v), .len = (n)})
#define DBP_NULL ((struct db_value){.type = DBV_NULL})

/* Rows of a SELECT, every column as a value, all memory in the arena. */
struct db_rows {
    size_t count;
    size_t columns;
    struct db_value *cells; /* count * columns, row-major */
};
#define DB_CELL(rows, r, c) (&(rows)->cells[(r) * (rows)->columns + (c)])

struct db *db_new(const struct db_config *cfg);
void db_free(struct db *db);

/* Connects and prepares every statement if not yet done.  DB_OK or
 * DB_UNAVAILABLE (logged). */
int db_ensure(struct db *db);
/* A cheap round trip: DB_OK or DB_UNAVAILABLE. */
int db_ping(struct db *db);

/* Runs a statement that returns no rows. */
int db_exec(struct db *db, enum stmt_id id, const struct db_value *params, size_t nparams,
            uint64_t *affected_rows, uint64_t *insert_id);
/* Runs a SELECT and collects all its rows into the arena. */
int db_query(struct db *db, enum stmt_id id, const struct db_value *params, size_t nparams,
             struct arena *a, struct db_rows *out);
/* Whether a result row of `columns` columns is what statement id declares
 * (STATEMENTS[id].ncolumns); pure.  db_query and db_query_row answer any
 * other width with DB_ERROR, logging the statement's name. */
int db_result_shape_matches(enum stmt_id id, unsigned columns);
/* Like db_query for at most one row: DB_OK, DB_NOT_FOUND or an error. */
int db_query_row(struct db *db, enum stmt_id id, const struct db_value *params, size_t nparams,
                 struct arena *a, struct db_rows *out);

/*
 * Runs a SELECT composed at run time (a list with optional filters, so that
 * each shape of query gets its own index-friendly text).  The text must be
 * built only from fixed fragments in the code; every value is a parameter.
 * Each distinct text is prepared once per connection (a small LRU).
 */
int db_query_sql(struct db *db, const char *sql, unsigned nparams, const struct db_value *params,
                 struct arena *a, struct db_rows *out);
/* The same for a composed statement without a result set (multi-row INSERT). */
int db_exec_sql(struct db *db, const char *sql, unsigned nparams, const struct db_value *params,
                uint64_t *affected_rows, uint64_t *insert_id);

/*
 * Runs body(db, arg) inside START TRANSACTION … COMMIT.  body returns DB_OK to
 * commit, or an error to roll back and have it returned.  DB_RETRYABLE (from
 * any call inside body, or from COMMIT) rolls back explicitly and runs body
 * again, up to cfg->tx_attempts times; a lost connection before anything was
 * committed is also retried once after reconnecting.  body must therefore
 * keep no side effects outside the transaction between attempts.
 */
int db_tx(struct db *db, int (*body)(struct db *db, void *arg), void *arg);

/* Called when a request ends: rolls back a transaction left open. */
void db_request_end(struct db *db);

/* True when a write of the current request (an autocommit statement or a
 * COMMIT) lost its connection after it was sent, so that it may have been
 * applied without the caller knowing: after db_tx returned DB_UNAVAILABLE
 * this says the COMMIT's outcome is unknown.  Reset by db_request_end. */
int db_outcome_unknown(const struct db *db);

/*
 * Faults for the end-to-end tests, armed per request only by the test
 * routes' header (ORDERAPI_TEST_ROUTES=1) and disarmed by db_request_end.
 * Each fires once and cuts the connection for real (the server sees the
 * client go); the library then reports the loss as it would any other.
 */
enum db_test_fault {
    DB_FAULT_NONE = 0,
    DB_FAULT_REPLY_LOST,        /* after the given statement ran: its reply is lost (2013) */
    DB_FAULT_CUT_AFTER,         /* after the given statement ran: cut; the next one reconnects */
    DB_FAULT_BEFORE_COMMIT,     /* cut before COMMIT is sent: the server rolls back */
    DB_FAULT_COMMIT_REPLY_LOST, /* cut after the server answered COMMIT: it committed */
    DB_FAULT_EXIT_AFTER_COMMIT, /* the process _exits right after a COMMIT */
};
void db_test_fault_arm(struct db *db, enum db_test_fault fault, enum stmt_id stmt);

/* The SQL dialect of the connection (enum sql_dialect, domain/sql_dialect.h),
 * chosen from ORDERAPI_DB_DIALECT and the server's version string each time
 * the connection opens: meaningful once db_ensure or a statement succeeded.
 * A MariaDB-only statement (STATEMENTS[id].mariadb_only) run on a connection
 * of the portable dialect is DB_ERROR, logged as a programming error. */
enum sql_dialect db_dialect(const struct db *db);
/* The server's version string (mysql_get_server_info) of the last connection. */
const char *db_server_version(const struct db *db);

/* The last server error for the log (never for a client). */
const char *db_last_error(const struct db *db);

/*
 * A SELECT read row by row as the server sends it (unbuffered), for
 * answers too large to hold: an export of every order.  sql is composed
 * from fixed fragments (every value bound), as for db_query_sql.  Only one
 * row is held at a time; the stream owns a statement of its own, and while
 * it is open nothing else may run on this connection.
 *
 * db_stream_open: DB_OK with *out, or an error (nothing to close).
 * db_stream_next: DB_OK with *row (one row, valid until the next call),
 *   DB_NOT_FOUND after the last row, or an error.
 * db_stream_close: abandon != 0 before the end (a client went away) drops
 *   the connection, which stops the query at once instead of reading the
 *   rest; the next statement reconnects.
 */
struct db_stream;
int db_stream_open(struct db *db, const char *sql, unsigned nparams, const struct db_value *params,
                   struct arena *a, struct db_stream **out);
int db_stream_next(struct db_stream *s, const struct db_rows **row);
void db_stream_close(struct db_stream *s, int abandon);

/* Runs a multi-statement SQL script (migrations only, not user input). */
int db_run_script(struct db *db, const char *sql, size_t len);

/* Events reported to an observer (the lead wires them to metrics). */
enum db_event { DB_EVENT_RETRY = 1, DB_EVENT_RECONNECT = 2 };
/* Registers on_event (NULL to remove), called once per transaction retry and
 * once per re-established connection (not for the first connect). */
void db_set_observer(struct db *db, void (*on_event)(int kind));

#endif
