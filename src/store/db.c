/*
 * db.c — one MySQL/MariaDB connection per worker, with the statements of
 * statements.c prepared on it as they are first used.
 *
 * The client library is initialised, and the connection opened, only when
 * a statement is first run: a plain CGI process answering a request that
 * needs no SQL (a 404, a 401, a Redis cache hit) loads nothing of it.  A
 * statement is prepared on its first use on a connection, not all of them
 * when it opens, so a process serving one request prepares only what that
 * request runs.  The connection is never opened with MYSQL_OPT_RECONNECT:
 * when the library reconnects by itself, prepared statements silently
 * become invalid and session settings are lost, so instead a lost
 * connection is closed here (statements and all) and the next call opens a
 * fresh one, setting the session up again.
 *
 * A statement that cannot be prepared (typically because its table does not
 * exist yet, before the migrations ran) leaves only itself unusable: its slot
 * stays NULL, preparing it is tried again when it is used, and until that
 * succeeds using it returns DB_ERROR with a logged reason.
 *
 * Transactions start without a round trip of their own when they can: db_tx
 * begins with SET autocommit = 0 in place of START TRANSACTION, and when the
 * last transaction on the connection was followed by another one (not by a
 * statement outside db_tx), it ends with COMMIT and leaves autocommit off, so
 * that the next db_tx sends nothing to begin: its first statement starts the
 * transaction.  Otherwise it ends with SET autocommit = 1, which commits as
 * COMMIT does and puts autocommit back on: one round trip either way.  A
 * statement outside db_tx finding autocommit off switches it back on first
 * (db_autocommit_on), so it never runs inside a transaction left open, and
 * reads outside transactions never see an old snapshot.  A connection that
 * only runs transactions (a worker placing orders) thus saves one round trip
 * per transaction; one that alternates pays what it did with START
 * TRANSACTION, and a change from one pattern to the other costs one round
 * trip at most.
 *
 * Inside db_tx a statement that fails with a deadlock or a lost connection
 * "dooms" the transaction: every later statement of the same attempt returns
 * that status at once without touching the server, so that a body ignoring
 * an error can never commit half a transaction, nor run its remaining
 * statements in autocommit mode on a new connection.
 */
#include "store/db.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "arena.h"
#include "config.h"
#include "domain/sql_dialect.h"
#include "log.h"

/* At most this many bound parameters per statement. */
#define DB_MAX_PARAMS 1200
/* Bytes per result column fetched directly; longer values are fetched again
 * into a buffer of their own size. */
#define DB_COLUMN_BUFFER 256
/* After a failed connect, further attempts within this long fail at once. */
#define DB_FAIL_FAST_NS 1000000000LL
/* A failed connect that took this long was a timeout, not a refusal. */
#define DB_SLOW_CONNECT_NS 100000000LL
#define DB_DEFAULT_TX_ATTEMPTS 3
/* Composed statements kept prepared per connection. */
#define DB_COMPOSED_SLOTS 48

#ifndef ER_CONNECTION_KILLED
#define ER_CONNECTION_KILLED 1927
#endif
#ifndef ER_CONSTRAINT_FAILED
#define ER_CONSTRAINT_FAILED 4025
#endif
/* MySQL's own numbers (MariaDB's headers lack them; docs/sql-dialects.md):
 * a CHECK constraint violated (MariaDB: 4025), and MySQL 8.0.24+ telling a
 * client it closed the connection for inactivity (wait_timeout).  4031 is
 * MariaDB's ER_REFERENCED_TRG_DOES_NOT_EXIST, which only CREATE TRIGGER …
 * FOLLOWS can raise: orderapi creates no triggers. */
#define ER_MYSQL_CHECK_CONSTRAINT_VIOLATED 3819
#define ER_MYSQL_CLIENT_INTERACTION_TIMEOUT 4031
#ifndef CR_SERVER_LOST_EXTENDED
#define CR_SERVER_LOST_EXTENDED 2055
#endif

#define DB_SESSION_SETUP                                                                  \
    "SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"      \
    "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'"

struct db {
    struct db_config cfg;
    MYSQL *conn;                       /* NULL while disconnected */
    MYSQL_STMT *stmts[STMT_COUNT];     /* NULL: not (yet) prepared */
    enum sql_dialect dialect;          /* of the connection, chosen when it opened */
    char server_version[96];           /* mysql_get_server_info of the last connection */
    int ever_connected;                /* a later connect is a reconnect */
    int connect_failed;                /* connect_failed_at is meaningful */
    struct timespec connect_failed_at; /* CLOCK_MONOTONIC */
    unsigned last_lost_errno;          /* errno that dropped the connection in this call */
    int lost_unsent;                   /* ...before the statement was executed (preparing it) */
    int in_tx;                         /* between the start of db_tx and COMMIT/ROLLBACK */
    int autocommit_off;                /* the session's autocommit is 0 (see db_tx) */
    int after_tx;                      /* the last thing done was a committed db_tx */
    int tx_follows_tx;                 /* ...and the one before was followed by another */
    int tx_doomed;                     /* DB_RETRYABLE or DB_UNAVAILABLE: attempt is lost */
    unsigned random_state;             /* for the retry backoff */
    int outcome_unknown;               /* a write of this request may have run unseen */
    enum db_test_fault test_fault;     /* armed for this request (test routes only) */
    enum stmt_id test_fault_stmt;      /* DB_FAULT_REPLY_LOST, _CUT_AFTER: after this statement */
    int test_peer;                     /* the other end of a cut connection's socket, or -1 */
    char last_error[512];
    void (*on_event)(int kind);
    /* Statements composed at run time from fixed fragments (db_query_sql),
     * prepared once per connection and kept by their text. */
    struct {
        char *sql;
        MYSQL_STMT *stmt;
        unsigned nparams;
        uint64_t used; /* for replacing the least recently used */
    } composed[DB_COMPOSED_SLOTS];
    uint64_t composed_clock;
};

/* The statement's name for logs: its SQL, which is never user data. */
static const char *db_statement_sql(enum stmt_id id)
{
    return STATEMENTS[id].sql;
}

/* Tells the observer, if any, about a retry or a reconnect. */
static void db_emit(struct db *db, int kind)
{
    if (db->on_event != NULL)
        db->on_event(kind);
}

/* Nanoseconds from a to b on the monotonic clock. */
static long long db_elapsed_ns(const struct timespec *a, const struct timespec *b)
{
    return (long long)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

/* Sets the text db_last_error() returns, cut to fit (it is for logs only). */
__attribute__((format(printf, 2, 3))) static void db_set_error(struct db *db, const char *fmt,
                                                               ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(db->last_error, sizeof db->last_error, fmt, ap);
    va_end(ap);
}

/* Remembers an error for db_last_error() and writes it to the log. */
static void db_note_error(struct db *db, const char *level, const char *what, unsigned err,
                          const char *msg)
{
    /* The error first: the statement after it may be long enough to be cut. */
    db_set_error(db, "(%u) %s; in: %s", err, msg != NULL ? msg : "", what);
    log_msg(level, "mysql %s", db->last_error);
}

/*
 * What an error number says (a pure function, unit-tested):
 *
 * - connection_lost: the connection is gone or unusable, and with it any
 *   open transaction; the caller gets DB_UNAVAILABLE, a 503, whatever the
 *   statement was.  These are the client library's connection errors (the
 *   read timeout is 2013 too), the server saying goodbye to a killed or
 *   shutting-down connection, and the server's own network errors, after
 *   which it closes the connection.
 * - maybe_applied: the connection broke after the statement was sent, so the
 *   server may have executed (and, in autocommit or for COMMIT, committed)
 *   it: the outcome is unknown and the statement must not be run again.
 *   Only a failed send (2006), a failed connect, a kill or a shutdown mean
 *   the statement certainly did not run.
 */
struct db_error_class db_classify_error(unsigned err)
{
    struct db_error_class c = {.status = DB_ERROR, .connection_lost = 0, .maybe_applied = 0};

    switch (err) {
    case CR_SERVER_GONE_ERROR:        /* 2006: the command could not be sent */
    case CR_CONNECTION_ERROR:         /* 2002 */
    case CR_CONN_HOST_ERROR:          /* 2003 */
    case CR_SERVER_HANDSHAKE_ERR:     /* 2012 */
    case CR_SSL_CONNECTION_ERROR:     /* 2026 */
    case ER_CONNECTION_KILLED:        /* 1927 */
    case ER_SERVER_SHUTDOWN:          /* 1053 */
    case ER_NET_READ_ERROR:           /* 1158: the server could not read the command */
    case ER_NET_READ_INTERRUPTED:     /* 1159 */
    case ER_NET_PACKETS_OUT_OF_ORDER: /* 1156 */
    case ER_NET_UNCOMPRESS_ERROR:     /* 1157 */
    case ER_NET_PACKET_TOO_LARGE:     /* 1153 */
    case ER_MYSQL_CLIENT_INTERACTION_TIMEOUT: /* 4031: closed while idle, before this statement */
        c.connection_lost = 1;
        break;
    case CR_SERVER_LOST:              /* 2013: lost, or read timeout, during the query */
    case CR_SERVER_LOST_EXTENDED:     /* 2055 */
    case CR_MALFORMED_PACKET:         /* 2027: the reply was garbled */
    case CR_NET_PACKET_TOO_LARGE:     /* 2020 */
    case CR_ERR_NET_READ:             /* 5013 */
    case CR_ERR_NET_WRITE:            /* 5014 */
    case CR_ERR_NET_UNCOMPRESS:       /* 5015 */
    case ER_NET_ERROR_ON_WRITE:       /* 1160: the server could not send the result */
    case ER_NET_WRITE_INTERRUPTED:    /* 1161 */
    case ER_ABORTING_CONNECTION:      /* 1152 */
    case ER_NEW_ABORTING_CONNECTION:  /* 1184 */
        c.connection_lost = 1;
        c.maybe_applied = 1;
        break;
    case ER_LOCK_DEADLOCK:     /* 1213 */
    case ER_LOCK_WAIT_TIMEOUT: /* 1205 */
    /* 1467: InnoDB reports a deadlock or timeout while taking the table's
     * AUTO-INC lock (an INSERT … SELECT under innodb_autoinc_lock_mode=1)
     * as "failed to read auto-increment value"; it is the same condition. */
    case ER_AUTOINC_READ_FAILED:
        c.status = DB_RETRYABLE;
        break;
    case ER_DUP_ENTRY: /* 1062 */
        c.status = DB_DUPLICATE;
        break;
    case ER_CONSTRAINT_FAILED:   /* 4025, CHECK */
    case ER_MYSQL_CHECK_CONSTRAINT_VIOLATED: /* 3819, CHECK on MySQL */
    case ER_ROW_IS_REFERENCED_2: /* 1451 */
    case ER_NO_REFERENCED_ROW_2: /* 1452 */
        c.status = DB_CONSTRAINT;
        break;
    default:
        break;
    }
    if (c.connection_lost)
        c.status = DB_UNAVAILABLE;
    return c;
}

/* True for the errors that mean the connection is gone (or never came up). */
static int db_errno_is_connection_lost(unsigned err)
{
    return db_classify_error(err).connection_lost;
}

/* True when a statement that failed with err certainly did not run, so that
 * running it again on a new connection cannot apply it twice. */
static int db_errno_means_not_executed(unsigned err)
{
    struct db_error_class c = db_classify_error(err);
    return c.connection_lost && !c.maybe_applied;
}

/* Closes every statement and the connection.  The server rolls back any open
 * transaction of a closed connection, so the attempt is marked as lost. */
static void db_disconnect(struct db *db)
{
    for (size_t i = 0; i < STMT_COUNT; i++) {
        if (db->stmts[i] != NULL) {
            mysql_stmt_close(db->stmts[i]);
            db->stmts[i] = NULL;
        }
    }
    for (size_t i = 0; i < DB_COMPOSED_SLOTS; i++) {
        if (db->composed[i].stmt != NULL) {
            mysql_stmt_close(db->composed[i].stmt);
            db->composed[i].stmt = NULL;
        }
    }
    if (db->conn != NULL) {
        mysql_close(db->conn);
        db->conn = NULL;
    }
    if (db->test_peer >= 0) {
        close(db->test_peer);
        db->test_peer = -1;
    }
    if (db->in_tx)
        db->tx_doomed = DB_UNAVAILABLE;
}

/*
 * Maps a server or client error number onto enum db_status, records it, and
 * drops the connection when the error says it is gone.  Inside a transaction
 * a deadlock, lock wait timeout or lost connection dooms the attempt.
 */
static int db_fail(struct db *db, const char *what, unsigned err, const char *msg)
{
    struct db_error_class c = db_classify_error(err);

    if (c.connection_lost) {
        db_note_error(db, "error", what, err, msg);
        db->last_lost_errno = err;
        db_disconnect(db);
        return DB_UNAVAILABLE;
    }
    switch (c.status) {
    case DB_RETRYABLE:
        db_note_error(db, "warn", what, err, msg);
        if (db->in_tx)
            db->tx_doomed = DB_RETRYABLE;
        break;
    case DB_DUPLICATE:
    case DB_CONSTRAINT:
        db_note_error(db, "info", what, err, msg);
        break;
    default:
        db_note_error(db, "error", what, err, msg);
        break;
    }
    return c.status;
}

/* db_fail() with the error of a statement handle. */
static int db_fail_stmt(struct db *db, MYSQL_STMT *stmt, const char *sql)
{
    return db_fail(db, sql, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
}

/* db_fail() with the error of the connection. */
static int db_fail_conn(struct db *db, const char *what)
{
    return db_fail(db, what, mysql_errno(db->conn), mysql_error(db->conn));
}

/*
 * Prepares statement id on the open connection and checks that the server
 * counts as many parameters as the table says.  DB_OK; DB_UNAVAILABLE when
 * the connection broke (it is closed then); DB_ERROR when only this statement
 * is unusable: a missing table (1146) before migrations ran, or a mismatch
 * between the SQL and its declared parameter count, which is a programming
 * error.  The slot stays NULL on any failure.
 */
static int db_prepare(struct db *db, enum stmt_id id)
{
    int rc = DB_ERROR;
    const char *sql = db_statement_sql(id);
    MYSQL_STMT *stmt = mysql_stmt_init(db->conn);

    if (stmt == NULL) {
        db_note_error(db, "error", "mysql_stmt_init", mysql_errno(db->conn),
                      "out of memory");
        goto out;
    }
    if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
        unsigned err = mysql_stmt_errno(stmt);
        if (db_errno_is_connection_lost(err)) {
            rc = db_fail_stmt(db, stmt, sql);
        } else {
            /* Not db_fail(): the statement is unusable, not the data wrong. */
            db_set_error(db, "statement %d not prepared: (%u) %s: %s", (int)id, err,
                         mysql_stmt_error(stmt), sql);
            log_msg(err == ER_NO_SUCH_TABLE ? "warn" : "error", "mysql %s", db->last_error);
            rc = DB_ERROR;
        }
        goto out;
    }
    if (mysql_stmt_param_count(stmt) != STATEMENTS[id].nparams) {
        db_set_error(db, "statement %d has %lu parameters but the table declares %u: %s",
                     (int)id, mysql_stmt_param_count(stmt), STATEMENTS[id].nparams, sql);
        log_msg("error", "mysql programming error: %s", db->last_error);
        rc = DB_ERROR;
        goto out;
    }
    db->stmts[id] = stmt;
    stmt = NULL;
    rc = DB_OK;
out:
    if (stmt != NULL)
        mysql_stmt_close(stmt);
    return rc;
}

/* Sets one integer connection option when it is configured (non-zero). */
static void db_set_timeout_option(MYSQL *conn, enum mysql_option option, unsigned seconds)
{
    if (seconds > 0)
        mysql_options(conn, option, &seconds);
}

/* Whether statement id is SQL the connection's dialect speaks (a
 * MariaDB-only one is neither prepared nor run on a portable connection). */
static int db_statement_in_dialect(const struct db *db, enum stmt_id id)
{
    return !STATEMENTS[id].mariadb_only || db->dialect == SQL_DIALECT_MARIADB;
}

/*
 * Reads the server's version string of the new connection and chooses the
 * SQL dialect from it and ORDERAPI_DB_DIALECT (validated with the rest of
 * the configuration; anything unparsable counts as auto).  A forced
 * "mariadb" on a server that auto would not give it is logged as a warning:
 * the MariaDB-only statements will fail there.
 */
static void db_choose_dialect(struct db *db)
{
    enum sql_dialect_setting setting = SQL_DIALECT_AUTO;
    const char *version = mysql_get_server_info(db->conn);

    snprintf(db->server_version, sizeof db->server_version, "%s", version != NULL ? version : "");
    if (sql_dialect_setting_parse(db->cfg.dialect, &setting) != 0)
        setting = SQL_DIALECT_AUTO;
    db->dialect = sql_dialect_choose(setting, db->server_version);
    int mismatch = db->dialect != sql_dialect_detect(db->server_version);
    log_msg(mismatch && db->dialect == SQL_DIALECT_MARIADB ? "warn" : "info",
            "mysql server %s: sql dialect %s (%s)", db->server_version, sql_dialect_name(db->dialect),
            setting == SQL_DIALECT_AUTO ? "auto" : "ORDERAPI_DB_DIALECT");
}

/*
 * Initialises the client library once per process, when the first
 * connection is opened (it starts OpenSSL and reads its configuration).
 * main() calls it before the pre-forked master forks, so workers inherit
 * it.  0 or -1.
 */
int db_library_init(void)
{
    static int ready;
    if (!ready) {
        if (mysql_library_init(0, NULL, NULL) != 0)
            return -1;
        ready = 1;
    }
    return 0;
}

/*
 * Opens the connection: timeouts, utf8mb4, no automatic reconnect, the unix
 * socket in preference to host and port; then UTC, a strict sql_mode and
 * autocommit for the session.  Statements are prepared as they are used
 * (db_statement).  DB_OK or DB_UNAVAILABLE (logged; the connection stays
 * closed).
 */
static int db_connect(struct db *db)
{
    int rc = DB_UNAVAILABLE;
    my_bool no_reconnect = 0;
    const struct db_config *cfg = &db->cfg;
    const char *host = cfg->host[0] != '\0' ? cfg->host : NULL;
    const char *socket_path = NULL;
    unsigned port = cfg->port;

    if (cfg->socket[0] != '\0') {
        socket_path = cfg->socket;
        host = "localhost"; /* "localhost" makes Connector/C use the socket */
        port = 0;
    }
    if (db_library_init() != 0) {
        db_note_error(db, "error", "mysql_library_init", 0, "cannot initialise the client library");
        goto out;
    }
    db->conn = mysql_init(NULL);
    if (db->conn == NULL) {
        db_note_error(db, "error", "mysql_init", 0, "out of memory");
        goto out;
    }
    db_set_timeout_option(db->conn, MYSQL_OPT_CONNECT_TIMEOUT, cfg->connect_timeout);
    db_set_timeout_option(db->conn, MYSQL_OPT_READ_TIMEOUT, cfg->read_timeout);
    db_set_timeout_option(db->conn, MYSQL_OPT_WRITE_TIMEOUT, cfg->write_timeout);
    mysql_options(db->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(db->conn, MYSQL_OPT_RECONNECT, &no_reconnect);

    if (mysql_real_connect(db->conn, host, cfg->user, cfg->password,
                           cfg->name[0] != '\0' ? cfg->name : NULL, port, socket_path, 0) == NULL) {
        db_note_error(db, "error", socket_path != NULL ? socket_path : (host ? host : "default"),
                      mysql_errno(db->conn), mysql_error(db->conn));
        goto out;
    }
    db_choose_dialect(db);
    if (mysql_query(db->conn, DB_SESSION_SETUP) != 0) {
        db_note_error(db, "error", "session setup", mysql_errno(db->conn), mysql_error(db->conn));
        goto out;
    }
    if (mysql_autocommit(db->conn, 1) != 0) {
        db_note_error(db, "error", "autocommit", mysql_errno(db->conn), mysql_error(db->conn));
        goto out;
    }
    db->autocommit_off = 0;
    rc = DB_OK;
out:
    if (rc != DB_OK)
        db_disconnect(db);
    return rc;
}

/*
 * Checks that the statement table is complete and in id order; a broken
 * table is a programming error caught once at startup.  0 or -1.
 */
static int db_check_statement_table(void)
{
    for (size_t i = 0; i < STMT_COUNT; i++) {
        if ((size_t)STATEMENTS[i].id != i || STATEMENTS[i].sql == NULL ||
            STATEMENTS[i].sql[0] == '\0' || STATEMENTS[i].nparams > DB_MAX_PARAMS) {
            log_msg("error", "statements.c: entry %zu is missing or out of order", i);
            return -1;
        }
    }
    return 0;
}

/* A new, unconnected handle for cfg (copied); NULL when out of memory or when
 * the statement table is broken. */
struct db *db_new(const struct db_config *cfg)
{
    struct db *db;
    struct timespec now;

    if (db_check_statement_table() != 0)
        return NULL;
    db = calloc(1, sizeof *db);
    if (db == NULL)
        return NULL;
    db->cfg = *cfg;
    clock_gettime(CLOCK_MONOTONIC, &now);
    db->random_state = (unsigned)now.tv_nsec ^ ((unsigned)getpid() << 16);
    db->test_peer = -1;
    return db;
}

/* Closes the connection (an open transaction is rolled back by the server)
 * and frees the handle. */
void db_free(struct db *db)
{
    if (db == NULL)
        return;
    db->in_tx = 0;
    db_disconnect(db);
    for (size_t i = 0; i < DB_COMPOSED_SLOTS; i++)
        free(db->composed[i].sql);
    free(db);
}

/* Registers the function told about retries and reconnects (metrics). */
void db_set_observer(struct db *db, void (*on_event)(int kind))
{
    db->on_event = on_event;
}

/*
 * Connects if not connected.  After an attempt that failed slowly (a connect
 * timeout), calls within the next second fail at once, so that an
 * unreachable server costs each request nothing instead of a timeout; an
 * attempt refused at once (server stopped) is simply tried again, so that a
 * restarted server is used as soon as it is back.  DB_OK or DB_UNAVAILABLE.
 */
int db_ensure(struct db *db)
{
    struct timespec now;

    if (db->conn != NULL)
        return DB_OK;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (db->connect_failed && db_elapsed_ns(&db->connect_failed_at, &now) < DB_FAIL_FAST_NS)
        return DB_UNAVAILABLE;
    if (db_connect(db) != DB_OK) {
        struct timespec after;
        clock_gettime(CLOCK_MONOTONIC, &after);
        db->connect_failed = db_elapsed_ns(&now, &after) >= DB_SLOW_CONNECT_NS;
        db->connect_failed_at = after;
        return DB_UNAVAILABLE;
    }
    db->connect_failed = 0;
    if (db->ever_connected) {
        log_msg("info", "mysql reconnected");
        db_emit(db, DB_EVENT_RECONNECT);
    }
    db->ever_connected = 1;
    return DB_OK;
}

/* Binds params to stmt after checking their count against the table. */
static int db_bind_params(struct db *db, MYSQL_STMT *stmt, const char *sql, unsigned declared,
                          const struct db_value *params, size_t nparams, MYSQL_BIND *binds,
                          long long *ints, unsigned long *lengths)
{
    if (nparams != declared || nparams > DB_MAX_PARAMS) {
        db_set_error(db, "statement called with %zu parameters, declares %u: %s", nparams, declared, sql);
        log_msg("error", "mysql programming error: %s", db->last_error);
        return DB_ERROR;
    }
    if (nparams == 0)
        return DB_OK;
    memset(binds, 0, nparams * sizeof *binds);
    for (size_t i = 0; i < nparams; i++) {
        switch (params[i].type) {
        case DBV_INT:
            ints[i] = params[i].i;
            binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
            binds[i].buffer = &ints[i];
            break;
        case DBV_STR:
            if (params[i].len > ULONG_MAX)
                return DB_ERROR;
            lengths[i] = (unsigned long)params[i].len;
            binds[i].buffer_type = MYSQL_TYPE_STRING;
            /* Connector/C only reads input buffers. */
            binds[i].buffer = (void *)(uintptr_t)(params[i].s != NULL ? params[i].s : "");
            binds[i].buffer_length = lengths[i];
            binds[i].length = &lengths[i];
            break;
        case DBV_NULL:
        default:
            binds[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        }
    }
    if (mysql_stmt_bind_param(stmt, binds) != 0)
        return db_fail_stmt(db, stmt, sql);
    return DB_OK;
}

/* True for the column types whose text is a whole number. */
static int db_field_is_integer(enum enum_field_types type)
{
    switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
        return 1;
    default:
        return 0;
    }
}

/*
 * Copies one fetched column into cell: NULL, the text (all its bytes, then
 * a NUL, in the arena; re-fetched at full length when it did not fit the
 * column buffer), and for integer columns also the value in .i.
 */
static int db_store_cell(struct db *db, MYSQL_STMT *stmt, struct arena *a, unsigned column,
                         const MYSQL_FIELD *field, const char *buffer, unsigned long length,
                         my_bool is_null, struct db_value *cell)
{
    char *text;

    if (is_null) {
        *cell = (struct db_value){.type = DBV_NULL};
        return DB_OK;
    }
    if (length > DB_COLUMN_BUFFER) {
        MYSQL_BIND whole;
        unsigned long whole_length = 0;

        if (length == ULONG_MAX)
            return DB_ERROR;
        text = arena_alloc(a, (size_t)length + 1);
        if (text == NULL)
            return DB_ERROR;
        memset(&whole, 0, sizeof whole);
        whole.buffer_type = MYSQL_TYPE_STRING;
        whole.buffer = text;
        whole.buffer_length = length + 1;
        whole.length = &whole_length;
        if (mysql_stmt_fetch_column(stmt, &whole, column, 0) != 0) {
            db_note_error(db, "error", "mysql_stmt_fetch_column", mysql_stmt_errno(stmt),
                          mysql_stmt_error(stmt));
            return DB_ERROR;
        }
        text[length] = '\0';
    } else {
        /* Every byte, NUL included: a binary column (product_sales_pack)
         * is not a C string. */
        text = arena_alloc(a, (size_t)length + 1);
        if (text == NULL)
            return DB_ERROR;
        memcpy(text, buffer, length);
        text[length] = '\0';
    }
    *cell = (struct db_value){.type = DBV_STR, .s = text, .len = length};
    if (db_field_is_integer(field->type)) {
        char *end = NULL;
        errno = 0;
        long long value = strtoll(text, &end, 10);
        if (errno != 0 || end == text || *end != '\0') {
            db_set_error(db, "integer column %s does not fit int64: %s", field->name, text);
            log_msg("error", "mysql %s", db->last_error);
            return DB_ERROR;
        }
        cell->type = DBV_INT;
        cell->i = value;
    }
    return DB_OK;
}

/* Result binds for columns string buffers of DB_COLUMN_BUFFER bytes, each
 * with its length, null and error flags, all in a; NULL when out of memory. */
static MYSQL_BIND *db_result_binds(struct arena *a, unsigned columns)
{
    MYSQL_BIND *binds = arena_calloc(a, columns, sizeof *binds);
    unsigned long *lengths = arena_calloc(a, columns, sizeof *lengths);
    my_bool *nulls = arena_calloc(a, columns, sizeof *nulls);
    my_bool *errors = arena_calloc(a, columns, sizeof *errors);
    char *buffers = arena_calloc(a, columns, DB_COLUMN_BUFFER);
    if (!binds || !lengths || !nulls || !errors || !buffers)
        return NULL;
    for (unsigned c = 0; c < columns; c++) {
        binds[c].buffer_type = MYSQL_TYPE_STRING;
        binds[c].buffer = buffers + (size_t)c * DB_COLUMN_BUFFER;
        binds[c].buffer_length = DB_COLUMN_BUFFER;
        binds[c].length = &lengths[c];
        binds[c].is_null = &nulls[c];
        binds[c].error = &errors[c];
    }
    return binds;
}

/* Fetches up to row_count rows through binds into out (its cells and
 * columns set); out->count is the rows fetched. */
static int db_fetch_each(struct db *db, MYSQL_STMT *stmt, const char *sql, struct arena *a,
                         const MYSQL_FIELD *fields, MYSQL_BIND *binds, unsigned long long row_count,
                         struct db_rows *out)
{
    size_t row = 0;
    while (row < row_count) {
        int fetched = mysql_stmt_fetch(stmt);
        if (fetched == MYSQL_NO_DATA)
            break;
        if (fetched != 0 && fetched != MYSQL_DATA_TRUNCATED)
            return db_fail_stmt(db, stmt, sql);
        for (unsigned c = 0; c < out->columns; c++) {
            /* The length is the full length even when the copy was cut. */
            if (db_store_cell(db, stmt, a, c, &fields[c], binds[c].buffer, *binds[c].length, *binds[c].is_null,
                              DB_CELL(out, row, c)) != DB_OK)
                return DB_ERROR;
        }
        row++;
    }
    out->count = row;
    return DB_OK;
}

/* Fetches every row of an executed SELECT into out, all memory in a.  The
 * caller frees the statement's result. */
static int db_fetch_rows(struct db *db, MYSQL_STMT *stmt, const char *sql, struct arena *a,
                         struct db_rows *out)
{
    int rc = DB_ERROR;
    MYSQL_RES *meta = NULL;
    MYSQL_BIND *binds;
    unsigned columns;
    unsigned long long row_count;

    *out = (struct db_rows){0};
    meta = mysql_stmt_result_metadata(stmt);
    if (meta == NULL) {
        if (mysql_stmt_errno(stmt) != 0)
            rc = db_fail_stmt(db, stmt, sql);
        else
            rc = DB_OK; /* a statement without a result set: no rows */
        goto out;
    }
    if (mysql_stmt_store_result(stmt) != 0) {
        rc = db_fail_stmt(db, stmt, sql);
        goto out;
    }
    columns = mysql_num_fields(meta);
    row_count = mysql_stmt_num_rows(stmt);
    if (columns == 0 || row_count == 0) {
        out->columns = columns;
        rc = DB_OK;
        goto out;
    }
    if (row_count > SIZE_MAX / columns)
        goto out;
    binds = db_result_binds(a, columns);
    out->cells = arena_calloc(a, (size_t)row_count * columns, sizeof *out->cells);
    if (!binds || !out->cells)
        goto out;
    if (mysql_stmt_bind_result(stmt, binds) != 0) {
        rc = db_fail_stmt(db, stmt, sql);
        goto out;
    }
    out->columns = columns;
    rc = db_fetch_each(db, stmt, sql, a, mysql_fetch_fields(meta), binds, row_count, out);
out:
    if (meta != NULL)
        mysql_free_result(meta);
    if (rc != DB_OK)
        *out = (struct db_rows){0};
    return rc;
}

/*
 * Returns the prepared statement id, preparing it first if an earlier
 * attempt failed (for instance before its table existed).  NULL with *rc set
 * when it cannot be prepared.
 */
static MYSQL_STMT *db_statement(struct db *db, enum stmt_id id, int *rc)
{
    if (!db_statement_in_dialect(db, id)) {
        db_set_error(db, "%s is MariaDB-only SQL; the connection uses the %s dialect", STATEMENTS[id].name,
                     sql_dialect_name(db->dialect));
        log_msg("error", "mysql programming error: %s", db->last_error);
        *rc = DB_ERROR;
        return NULL;
    }
    if (db->stmts[id] == NULL) {
        *rc = db_prepare(db, id);
        if (*rc != DB_OK)
            return NULL; /* db_prepare logged why */
    }
    *rc = DB_OK;
    return db->stmts[id];
}

/*
 * Returns the prepared statement for a composed SQL text, preparing it (and
 * checking its parameter count) on first use on this connection; the least
 * recently used one is closed when every slot is taken.  NULL with *rc set.
 */
static MYSQL_STMT *db_composed(struct db *db, const char *sql, unsigned nparams, int *rc)
{
    size_t victim = 0;
    for (size_t i = 0; i < DB_COMPOSED_SLOTS; i++) {
        if (db->composed[i].sql != NULL && strcmp(db->composed[i].sql, sql) == 0 &&
            db->composed[i].stmt != NULL) {
            db->composed[i].used = ++db->composed_clock;
            *rc = DB_OK;
            return db->composed[i].stmt;
        }
        if (db->composed[i].used < db->composed[victim].used)
            victim = i;
    }
    if (db->dialect != SQL_DIALECT_MARIADB && strstr(sql, " RETURNING ") != NULL) {
        /* The portable dialect never sends MariaDB-only SQL, even to a MariaDB. */
        db_set_error(db, "composed statement is MariaDB-only SQL; the connection uses the %s dialect: %s",
                     sql_dialect_name(db->dialect), sql);
        log_msg("error", "mysql programming error: %s", db->last_error);
        *rc = DB_ERROR;
        return NULL;
    }
    free(db->composed[victim].sql);
    if (db->composed[victim].stmt != NULL)
        mysql_stmt_close(db->composed[victim].stmt);
    memset(&db->composed[victim], 0, sizeof db->composed[victim]);
    MYSQL_STMT *stmt = mysql_stmt_init(db->conn);
    *rc = DB_ERROR;
    if (stmt == NULL)
        return NULL;
    if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
        *rc = db_fail_stmt(db, stmt, sql);
        if (*rc != DB_UNAVAILABLE)
            *rc = DB_ERROR;
        mysql_stmt_close(stmt);
        return NULL;
    }
    if (mysql_stmt_param_count(stmt) != nparams) {
        db_set_error(db, "composed statement has %lu parameters, caller says %u: %s",
                     mysql_stmt_param_count(stmt), nparams, sql);
        log_msg("error", "mysql programming error: %s", db->last_error);
        mysql_stmt_close(stmt);
        return NULL;
    }
    db->composed[victim].sql = strdup(sql);
    if (db->composed[victim].sql == NULL) {
        mysql_stmt_close(stmt);
        return NULL;
    }
    db->composed[victim].stmt = stmt;
    db->composed[victim].nparams = nparams;
    db->composed[victim].used = ++db->composed_clock;
    *rc = DB_OK;
    return stmt;
}

/*
 * Test faults (armed only through the test routes, see db.h).  A cut
 * replaces the connection's socket, under the client library, with one end
 * of a fresh socket pair whose other end never answers: the real socket is
 * closed, so the server sees the client go (and rolls back whatever it has
 * not committed), and the library's next read gets end-of-file, which it
 * reports as it would any lost connection.
 */
static void db_test_cut(struct db *db)
{
    int pair[2];
    int fd = db->conn != NULL ? (int)mysql_get_socket(db->conn) : -1;

    if (fd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return;
    /* Writes into the pair succeed (nobody reads them); reads see EOF. */
    shutdown(pair[1], SHUT_WR);
    if (dup2(pair[0], fd) < 0) {
        close(pair[1]);
    } else {
        if (db->test_peer >= 0)
            close(db->test_peer);
        db->test_peer = pair[1];
        log_msg("warn", "test fault: mysql connection %lu cut", mysql_thread_id(db->conn));
    }
    close(pair[0]);
}

/* After the statement ran, the connection is cut.  DB_FAULT_REPLY_LOST:
 * the loss the library reports on its next round trip is this statement's.
 * DB_FAULT_CUT_AFTER: the statement succeeded, and the next one finds the
 * connection gone before it is sent (2006: run again on a new one). */
static int db_test_after_statement(struct db *db, const char *sql)
{
    enum db_test_fault fault = db->test_fault;

    db->test_fault = DB_FAULT_NONE;
    db_test_cut(db);
    if (fault == DB_FAULT_CUT_AFTER) {
        if (db->test_peer >= 0)
            close(db->test_peer); /* writes now fail at once */
        db->test_peer = -1;
        return DB_OK;
    }
    if (mysql_ping(db->conn) == 0)
        return DB_OK;
    return db_fail_conn(db, sql);
}

/* Arms fault for the current request; db_request_end disarms it. */
void db_test_fault_arm(struct db *db, enum db_test_fault fault, enum stmt_id stmt)
{
    db->test_fault = fault;
    db->test_fault_stmt = stmt;
}

/* Which statement to run: one of the table (sql == NULL) or a composed text. */
struct db_target {
    enum stmt_id id;
    const char *sql;
    unsigned nparams;
};

int db_result_shape_matches(enum stmt_id id, unsigned columns)
{
    return (unsigned)id < STMT_COUNT && STATEMENTS[id].ncolumns == columns;
}

/* A result of another width than statement t.id declares (a composed
 * statement, t.sql != NULL, declares none): DB_ERROR, logged with the
 * statement's name, since every cell the caller reads by index would be
 * the wrong one. */
static int db_check_result_shape(struct db *db, const struct db_target *t, unsigned columns)
{
    if (t->sql != NULL || db_result_shape_matches(t->id, columns))
        return DB_OK;
    db_set_error(db, "%s returned %u columns, declares %u", STATEMENTS[t->id].name, columns,
                 STATEMENTS[t->id].ncolumns);
    log_msg("error", "mysql %s", db->last_error);
    return DB_ERROR;
}

static int db_control(struct db *db, const char *sql);

/*
 * Outside a transaction, switches the session's autocommit back on when a
 * db_tx left it off, before a statement that must run on its own.  Nothing
 * of that statement was sent when this fails.
 */
static int db_autocommit_on(struct db *db)
{
    if (db->in_tx)
        return DB_OK;
    if (db->after_tx)
        db->tx_follows_tx = 0; /* a transaction was followed by this statement */
    db->after_tx = 0;
    if (!db->autocommit_off || db->conn == NULL)
        return DB_OK;
    int rc = db_control(db, "SET autocommit = 1");
    if (rc == DB_OK)
        db->autocommit_off = 0;
    return rc;
}

/*
 * Runs statement id once: with out != NULL its rows are collected into a;
 * otherwise any result set is discarded and the affected rows and insert id
 * reported.
 */
static int db_run_once(struct db *db, struct db_target t, const struct db_value *params,
                       size_t nparams, struct arena *a, struct db_rows *out,
                       uint64_t *affected_rows, uint64_t *insert_id)
{
    MYSQL_BIND binds[DB_MAX_PARAMS];
    long long ints[DB_MAX_PARAMS];
    unsigned long lengths[DB_MAX_PARAMS];
    MYSQL_STMT *stmt;
    int rc;

    if (db->in_tx && db->tx_doomed != 0)
        return db->tx_doomed;
    rc = db_ensure(db);
    if (rc == DB_OK)
        rc = db_autocommit_on(db);
    if (rc != DB_OK) {
        db->lost_unsent = rc == DB_UNAVAILABLE;
        return rc;
    }
    const char *sql = t.sql != NULL ? t.sql : db_statement_sql(t.id);
    unsigned declared = t.sql != NULL ? t.nparams : STATEMENTS[t.id].nparams;
    stmt = t.sql != NULL ? db_composed(db, t.sql, t.nparams, &rc) : db_statement(db, t.id, &rc);
    if (stmt == NULL) {
        /* Lost while preparing: nothing of this statement ran. */
        db->lost_unsent = rc == DB_UNAVAILABLE;
        return rc;
    }
    rc = db_bind_params(db, stmt, sql, declared, params, nparams, binds, ints, lengths);
    if (rc != DB_OK)
        return rc;
    if (mysql_stmt_execute(stmt) != 0)
        return db_fail_stmt(db, stmt, sql);
    if (out != NULL) {
        /* Rows are read only at the width the statement declares. */
        unsigned columns = mysql_stmt_field_count(stmt);
        rc = db_check_result_shape(db, &t, columns);
        if (rc == DB_OK)
            rc = db_fetch_rows(db, stmt, sql, a, out);
        else {
            *out = (struct db_rows){0};
            if (columns > 0)
                mysql_stmt_store_result(stmt); /* read and drop the rows before the result is freed */
        }
    } else {
        if (affected_rows != NULL)
            *affected_rows = mysql_stmt_affected_rows(stmt);
        if (insert_id != NULL)
            *insert_id = mysql_stmt_insert_id(stmt);
        if (mysql_stmt_field_count(stmt) > 0 && mysql_stmt_store_result(stmt) != 0)
            rc = db_fail_stmt(db, stmt, sql);
    }
    /* A failure above may have dropped the connection and its statements.
     * A statement whose rows ended in an error (a duplicate key in an
     * INSERT … RETURNING arrives where its row would) is reset rather than
     * freed: Connector/C's free_result then leaves the connection so that
     * the statement's next execute waits for a reply that never comes,
     * until the read timeout. */
    if (db->conn != NULL && (t.sql != NULL || db->stmts[t.id] != NULL)) {
        if (mysql_stmt_errno(stmt) != 0)
            mysql_stmt_reset(stmt);
        else
            mysql_stmt_free_result(stmt);
    }
    if (rc == DB_OK && (db->test_fault == DB_FAULT_REPLY_LOST || db->test_fault == DB_FAULT_CUT_AFTER) &&
        t.sql == NULL && t.id == db->test_fault_stmt)
        rc = db_test_after_statement(db, sql);
    return rc;
}

/*
 * Runs statement id, and outside a transaction runs it once more on a new
 * connection when the old one turned out to be gone (typically closed by
 * the server's wait_timeout while the worker was idle).  A write whose
 * connection broke while it was running (2013) is not repeated, since it may
 * already have been applied; reads always are.
 */
static int db_run(struct db *db, struct db_target t, const struct db_value *params, size_t nparams,
                  struct arena *a, struct db_rows *out, uint64_t *affected_rows,
                  uint64_t *insert_id)
{
    int rc;
    int had_connection = db->conn != NULL;

    db->last_lost_errno = 0;
    db->lost_unsent = 0;
    rc = db_run_once(db, t, params, nparams, a, out, affected_rows, insert_id);
    if (rc != DB_UNAVAILABLE || db->last_lost_errno == 0)
        return rc;
    if (db->in_tx)
        return rc; /* the server rolls the attempt back; db_tx decides */
    if (out == NULL && !db->lost_unsent && !db_errno_means_not_executed(db->last_lost_errno)) {
        db->outcome_unknown = 1; /* the autocommit write may have been applied */
        return rc;
    }
    if (!had_connection)
        return rc;
    log_msg("info", "mysql connection lost (%u); reconnecting to run the statement again",
            db->last_lost_errno);
    db->last_lost_errno = 0;
    return db_run_once(db, t, params, nparams, a, out, affected_rows, insert_id);
}

/* Runs a statement without a result set. */
int db_exec(struct db *db, enum stmt_id id, const struct db_value *params, size_t nparams,
            uint64_t *affected_rows, uint64_t *insert_id)
{
    return db_run(db, (struct db_target){.id = id}, params, nparams, NULL, NULL, affected_rows, insert_id);
}

/* Runs a SELECT and collects all its rows into the arena. */
int db_query(struct db *db, enum stmt_id id, const struct db_value *params, size_t nparams,
             struct arena *a, struct db_rows *out)
{
    return db_run(db, (struct db_target){.id = id}, params, nparams, a, out, NULL, NULL);
}

/* Runs a SELECT expected to match at most one row: DB_OK, DB_NOT_FOUND, or
 * DB_ERROR when it matched several (a bug in the caller's WHERE clause). */
int db_query_row(struct db *db, enum stmt_id id, const struct db_value *params, size_t nparams,
                 struct arena *a, struct db_rows *out)
{
    int rc = db_query(db, id, params, nparams, a, out);

    if (rc != DB_OK)
        return rc;
    if (out->count == 0)
        return DB_NOT_FOUND;
    if (out->count > 1) {
        db_set_error(db, "statement %d returned %zu rows where at most one was expected",
                     (int)id, out->count);
        log_msg("error", "mysql %s", db->last_error);
        return DB_ERROR;
    }
    return DB_OK;
}

/* Runs a SELECT whose text was composed from fixed fragments (never from
 * client data: every value is a bound parameter). */
int db_query_sql(struct db *db, const char *sql, unsigned nparams, const struct db_value *params,
                 struct arena *a, struct db_rows *out)
{
    return db_run(db, (struct db_target){.sql = sql, .nparams = nparams}, params, nparams, a, out, NULL, NULL);
}

/* Runs a composed statement without a result set (multi-row inserts). */
int db_exec_sql(struct db *db, const char *sql, unsigned nparams, const struct db_value *params,
                uint64_t *affected_rows, uint64_t *insert_id)
{
    return db_run(db, (struct db_target){.sql = sql, .nparams = nparams}, params, nparams, NULL, NULL,
                  affected_rows, insert_id);
}

/* A round trip with SELECT 1; DB_OK or DB_UNAVAILABLE.  A connection found
 * dead is replaced once, so a health check reports the server, not an old
 * socket. */
int db_ping(struct db *db)
{
    return db_run(db, (struct db_target){.id = STMT_PING}, NULL, 0, NULL, NULL, NULL, NULL) == DB_OK ? DB_OK
                                                                            : DB_UNAVAILABLE;
}

/* Sends one transaction-control statement (SET autocommit, COMMIT,
 * ROLLBACK) as plain text. */
static int db_control(struct db *db, const char *sql)
{
    if (db->conn == NULL)
        return DB_UNAVAILABLE;
    if (mysql_real_query(db->conn, sql, strlen(sql)) != 0)
        return db_fail_conn(db, sql);
    return DB_OK;
}

/*
 * Sends the statement that commits (COMMIT, or SET autocommit = 1) and reads
 * its answer.  Under a test fault the connection is cut before it is sent
 * (the server rolls back), or after the server has answered it but before
 * the answer is read (the commit stands), or the worker exits right after
 * the commit.
 */
static int db_commit_send(struct db *db, const char *sql)
{
    enum db_test_fault fault = db->test_fault;

    if (db->conn == NULL || (fault != DB_FAULT_BEFORE_COMMIT && fault != DB_FAULT_COMMIT_REPLY_LOST)) {
        int rc = db_control(db, sql);
        if (rc == DB_OK && fault == DB_FAULT_EXIT_AFTER_COMMIT) {
            log_msg("warn", "test fault: worker exits after COMMIT");
            _exit(70);
        }
        return rc;
    }
    db->test_fault = DB_FAULT_NONE;
    if (fault == DB_FAULT_BEFORE_COMMIT)
        db_test_cut(db);
    if (mysql_send_query(db->conn, sql, (unsigned long)strlen(sql)) != 0)
        return db_fail_conn(db, sql);
    if (fault == DB_FAULT_COMMIT_REPLY_LOST) {
        struct pollfd p = {.fd = (int)mysql_get_socket(db->conn), .events = POLLIN};
        if (poll(&p, 1, 10000) != 1)
            log_msg("warn", "test fault: no answer to COMMIT within 10 s");
        db_test_cut(db);
    }
    if (mysql_read_query_result(db->conn) != 0)
        return db_fail_conn(db, sql);
    return DB_OK;
}

/*
 * Commits: with COMMIT when the last transaction was followed by another
 * (autocommit then stays off), else with SET autocommit = 1, which commits
 * the open transaction (MariaDB and MySQL alike) and puts autocommit back on.
 */
static int db_commit(struct db *db)
{
    const char *sql = db->tx_follows_tx ? "COMMIT" : "SET autocommit = 1";
    int rc = db_commit_send(db, sql);
    if (rc == DB_OK) {
        db->autocommit_off = db->tx_follows_tx;
        db->after_tx = 1;
    }
    return rc;
}

/* Rolls back the open transaction, if the connection is still there. */
static void db_rollback(struct db *db)
{
    if (db->conn != NULL && db_control(db, "ROLLBACK") != DB_OK)
        log_msg("warn", "mysql ROLLBACK failed: %s", db->last_error);
    db->in_tx = 0;
    db->tx_doomed = 0;
}

/* Sleeps 1 to 10 ms times attempt, so that two transactions that deadlocked
 * do not collide again in lockstep. */
static void db_retry_backoff(struct db *db, unsigned attempt)
{
    unsigned ms = (1u + (unsigned)rand_r(&db->random_state) % 10u) * attempt;
    struct timespec delay = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};

    while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
    }
}

/* Begins a transaction: with the session's autocommit off (left so by the
 * last one), nothing is sent and the first statement starts it; otherwise
 * SET autocommit = 0. */
static int db_begin(struct db *db)
{
    if (db->after_tx)
        db->tx_follows_tx = 1;
    db->after_tx = 0;
    if (db->autocommit_off)
        return DB_OK;
    int rc = db_control(db, "SET autocommit = 0");
    if (rc == DB_OK)
        db->autocommit_off = 1;
    return rc;
}

/*
 * Runs body inside a transaction, begun by db_begin, up to COMMIT (see db.h).  Attempts counts
 * the runs allowed for deadlocks and lock wait timeouts; a connection lost
 * before COMMIT was sent earns one extra run on a fresh connection.  When the
 * connection breaks during COMMIT itself the outcome is unknown, so the
 * transaction is not run again and DB_UNAVAILABLE is returned.
 */
int db_tx(struct db *db, int (*body)(struct db *db, void *arg), void *arg)
{
    unsigned attempts = db->cfg.tx_attempts != 0 ? db->cfg.tx_attempts : DB_DEFAULT_TX_ATTEMPTS;
    unsigned attempt = 1;
    int reconnect_retry_used = 0;
    int connection_lost;
    int rc;

    if (db->in_tx) {
        log_msg("error", "mysql db_tx called inside a transaction");
        return DB_ERROR;
    }
    for (;;) {
        rc = db_ensure(db);
        if (rc != DB_OK)
            return rc;
        db->last_lost_errno = 0;
        rc = db_begin(db);
        connection_lost = rc == DB_UNAVAILABLE && db->last_lost_errno != 0;
        if (rc == DB_OK) {
            db->in_tx = 1;
            db->tx_doomed = 0;
            rc = body(db, arg);
            if (db->tx_doomed != 0)
                rc = db->tx_doomed; /* a body cannot hide a lost attempt */
            connection_lost = db->tx_doomed == DB_UNAVAILABLE;
            if (rc == DB_OK) {
                rc = db_commit(db);
                if (rc == DB_OK) {
                    db->in_tx = 0;
                    return DB_OK;
                }
                if (rc == DB_UNAVAILABLE) {
                    log_msg("error", "mysql connection lost during COMMIT; outcome unknown");
                    db->in_tx = 0;
                    db->tx_doomed = 0;
                    db->outcome_unknown = 1;
                    return rc;
                }
            }
            db_rollback(db);
        }
        if (rc == DB_RETRYABLE && attempt < attempts) {
            attempt++;
        } else if (rc == DB_UNAVAILABLE && connection_lost && !reconnect_retry_used) {
            reconnect_retry_used = 1;
        } else {
            return rc;
        }
        log_msg("info", "mysql transaction retried (%s)", db->last_error);
        db_emit(db, DB_EVENT_RETRY);
        if (rc == DB_RETRYABLE)
            db_retry_backoff(db, attempt - 1);
    }
}

/* Rolls back a transaction a request left open, so that the next request
 * does not run inside it. */
void db_request_end(struct db *db)
{
    if (db == NULL)
        return;
    db->outcome_unknown = 0;
    db->test_fault = DB_FAULT_NONE;
    if (!db->in_tx)
        return;
    log_msg("warn", "mysql transaction left open at the end of a request; rolling back");
    db_rollback(db);
}

/* True when a write of the current request (an autocommit statement or a
 * COMMIT) lost its connection after it was sent: it may have been applied. */
int db_outcome_unknown(const struct db *db)
{
    return db->outcome_unknown;
}

/* The SQL dialect of the connection (domain/sql_dialect.h): chosen when it
 * was opened, so meaningful once a statement ran or db_ensure succeeded. */
enum sql_dialect db_dialect(const struct db *db)
{
    return db->dialect;
}

/* The server's version string as of the last connection ("" before one). */
const char *db_server_version(const struct db *db)
{
    return db->server_version;
}

/* The last error text, for log lines only: it may quote SQL and data. */
const char *db_last_error(const struct db *db)
{
    return db->last_error;
}

/*
 * Runs a script of several statements (a migration).  The connection is
 * opened without CLIENT_MULTI_STATEMENTS, so that no application statement
 * can ever carry a second one; it is switched on only around this call.
 * Every result is drained; the first failing statement stops the script and
 * its error is kept for db_last_error().  DB_OK, DB_UNAVAILABLE or DB_ERROR.
 */
int db_run_script(struct db *db, const char *sql, size_t len)
{
    int rc;
    int status;

    if (db->in_tx) {
        log_msg("error", "mysql db_run_script called inside a transaction");
        return DB_ERROR;
    }
    rc = db_ensure(db);
    if (rc == DB_OK)
        rc = db_autocommit_on(db);
    if (rc != DB_OK)
        return rc;
    if (len > ULONG_MAX)
        return DB_ERROR;
    if (mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0)
        return db_fail_conn(db, "multi statements on") == DB_UNAVAILABLE ? DB_UNAVAILABLE
                                                                         : DB_ERROR;
    rc = DB_OK;
    status = mysql_real_query(db->conn, sql, (unsigned long)len);
    while (status == 0) {
        MYSQL_RES *result = mysql_store_result(db->conn);
        if (result != NULL)
            mysql_free_result(result);
        else if (mysql_field_count(db->conn) != 0)
            break; /* a result that should have been there failed: errno is set */
        status = mysql_next_result(db->conn); /* 0 more, -1 done, >0 error */
    }
    if (status != -1) {
        rc = db_fail_conn(db, "script") == DB_UNAVAILABLE ? DB_UNAVAILABLE : DB_ERROR;
    }
    if (db->conn != NULL &&
        mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_OFF) != 0) {
        int off_rc = db_fail_conn(db, "multi statements off");
        if (rc == DB_OK)
            rc = off_rc == DB_UNAVAILABLE ? DB_UNAVAILABLE : DB_ERROR;
    }
    return rc;
}

/* --- Streaming a result ------------------------------------------------ */

/* A SELECT whose rows are read from the server one at a time (unbuffered),
 * on a statement of its own: only one row is ever held, in scratch memory
 * reset for each row. */
struct db_stream {
    struct db *db;
    MYSQL_STMT *stmt;
    MYSQL_RES *meta;
    MYSQL_BIND *binds;
    const MYSQL_FIELD *fields;
    struct arena *scratch;
    struct db_rows row;
    const char *sql;
    int done;
};

/* Prepares sql on a statement of its own, binds params and executes it;
 * DB_OK, or an error (the caller closes the stream). */
static int db_stream_execute(struct db_stream *s, unsigned nparams, const struct db_value *params)
{
    struct db *db = s->db;
    size_t n = nparams ? nparams : 1;
    MYSQL_BIND *binds = arena_calloc(s->scratch, n, sizeof *binds);
    long long *ints = arena_calloc(s->scratch, n, sizeof *ints);
    unsigned long *lengths = arena_calloc(s->scratch, n, sizeof *lengths);
    if (!binds || !ints || !lengths || nparams > DB_MAX_PARAMS)
        return DB_ERROR;
    s->stmt = mysql_stmt_init(db->conn);
    if (s->stmt == NULL)
        return DB_ERROR;
    if (mysql_stmt_prepare(s->stmt, s->sql, strlen(s->sql)) != 0)
        return db_fail_stmt(db, s->stmt, s->sql);
    int rc = db_bind_params(db, s->stmt, s->sql, nparams, params, nparams, binds, ints, lengths);
    if (rc != DB_OK)
        return rc;
    if (mysql_stmt_execute(s->stmt) != 0)
        return db_fail_stmt(db, s->stmt, s->sql);
    return DB_OK;
}

static void free_scratch(void *p)
{
    arena_free(p);
}

int db_stream_open(struct db *db, const char *sql, unsigned nparams, const struct db_value *params,
                   struct arena *a, struct db_stream **out)
{
    *out = NULL;
    if (db->in_tx)
        return DB_ERROR;
    int rc = db_ensure(db);
    if (rc == DB_OK)
        rc = db_autocommit_on(db);
    if (rc != DB_OK)
        return rc;
    struct db_stream *s = arena_calloc(a, 1, sizeof *s);
    if (!s || !(s->scratch = arena_new()))
        return DB_ERROR;
    if (arena_defer(a, free_scratch, s->scratch) != 0) {
        arena_free(s->scratch);
        return DB_ERROR;
    }
    s->db = db;
    s->sql = sql;
    rc = db_stream_execute(s, nparams, params);
    if (rc != DB_OK) {
        db_stream_close(s, 0);
        return rc;
    }
    s->meta = mysql_stmt_result_metadata(s->stmt);
    unsigned columns = s->meta ? mysql_num_fields(s->meta) : 0;
    s->binds = columns ? db_result_binds(a, columns) : NULL;
    s->row.cells = columns ? arena_calloc(a, columns, sizeof *s->row.cells) : NULL;
    if (!s->binds || !s->row.cells || mysql_stmt_bind_result(s->stmt, s->binds) != 0) {
        db_stream_close(s, 1);
        return DB_ERROR;
    }
    s->row.columns = columns;
    s->fields = mysql_fetch_fields(s->meta);
    *out = s;
    return DB_OK;
}

int db_stream_next(struct db_stream *s, const struct db_rows **row)
{
    if (s->done)
        return DB_NOT_FOUND;
    arena_reset(s->scratch);
    int fetched = mysql_stmt_fetch(s->stmt);
    if (fetched == MYSQL_NO_DATA) {
        s->done = 1;
        return DB_NOT_FOUND;
    }
    if (fetched != 0 && fetched != MYSQL_DATA_TRUNCATED) {
        s->done = 1;
        return db_fail_stmt(s->db, s->stmt, s->sql);
    }
    for (unsigned c = 0; c < s->row.columns; c++)
        if (db_store_cell(s->db, s->stmt, s->scratch, c, &s->fields[c], s->binds[c].buffer, *s->binds[c].length,
                          *s->binds[c].is_null, &s->row.cells[c]) != DB_OK) {
            s->done = 1;
            return DB_ERROR;
        }
    s->row.count = 1;
    *row = &s->row;
    return DB_OK;
}

void db_stream_close(struct db_stream *s, int abandon)
{
    if (!s)
        return;
    if (s->meta)
        mysql_free_result(s->meta);
    s->meta = NULL;
    /* Rows the server is still sending would have to be read to the end
     * before the connection could be used again: closing it is cheaper
     * and stops the query; the next statement reconnects.  The connection
     * goes first, so that closing the statement sends and reads nothing. */
    if (abandon && !s->done && s->db->conn != NULL)
        db_disconnect(s->db);
    if (s->stmt)
        mysql_stmt_close(s->stmt);
    s->stmt = NULL;
}
