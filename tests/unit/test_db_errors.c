/*
 * test_db_errors.c — db_classify_error (src/store/db.c): which MySQL errors
 * mean a lost connection (a 503, on any statement), which of those leave a
 * statement's outcome unknown, and the mapping of the others.  Error
 * numbers are written out here, not taken from the headers' names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store/db.h"

static void lost(unsigned err, int maybe_applied)
{
    struct db_error_class c = db_classify_error(err);
    if (!c.connection_lost || c.status != DB_UNAVAILABLE || c.maybe_applied != maybe_applied)
        fail_msg("error %u: lost %d status %d maybe_applied %d", err, c.connection_lost, c.status,
                 c.maybe_applied);
}

static void kept(unsigned err, int status)
{
    struct db_error_class c = db_classify_error(err);
    if (c.connection_lost || c.status != status || c.maybe_applied)
        fail_msg("error %u: lost %d status %d (want %d)", err, c.connection_lost, c.status, status);
}

/* Lost during a statement (the read timeout is 2013 too): the server may
 * have run it. */
static void test_lost_during_a_statement(void **state)
{
    (void)state;
    lost(2013, 1); /* CR_SERVER_LOST */
    lost(2055, 1); /* CR_SERVER_LOST_EXTENDED */
    lost(2027, 1); /* CR_MALFORMED_PACKET */
    lost(5013, 1); /* CR_ERR_NET_READ */
    lost(5014, 1); /* CR_ERR_NET_WRITE */
    lost(1160, 1); /* ER_NET_ERROR_ON_WRITE */
    lost(1152, 1); /* ER_ABORTING_CONNECTION */
    lost(1184, 1); /* ER_NEW_ABORTING_CONNECTION */
}

/* Lost before the statement could run. */
static void test_lost_before_a_statement(void **state)
{
    (void)state;
    lost(2006, 0); /* CR_SERVER_GONE_ERROR: could not send */
    lost(2002, 0); /* CR_CONNECTION_ERROR */
    lost(2003, 0); /* CR_CONN_HOST_ERROR */
    lost(2012, 0); /* CR_SERVER_HANDSHAKE_ERR */
    lost(1927, 0); /* ER_CONNECTION_KILLED */
    lost(1053, 0); /* ER_SERVER_SHUTDOWN */
    lost(1158, 0); /* ER_NET_READ_ERROR */
    lost(1153, 0); /* ER_NET_PACKET_TOO_LARGE */
    lost(4031, 0); /* MySQL 8.0.24+: disconnected for inactivity before the statement */
}

static void test_other_errors_keep_the_connection(void **state)
{
    (void)state;
    kept(1213, DB_RETRYABLE);  /* deadlock */
    kept(1205, DB_RETRYABLE);  /* lock wait timeout */
    kept(1467, DB_RETRYABLE);  /* auto-increment lock */
    kept(1062, DB_DUPLICATE);
    kept(4025, DB_CONSTRAINT); /* CHECK */
    kept(3819, DB_CONSTRAINT); /* CHECK on MySQL */
    kept(1451, DB_CONSTRAINT);
    kept(1452, DB_CONSTRAINT);
    kept(1146, DB_ERROR);      /* no such table */
    kept(1064, DB_ERROR);      /* syntax */
    kept(2014, DB_ERROR);      /* commands out of sync: a bug, not an outage */
    kept(0, DB_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_during_a_statement),
        cmocka_unit_test(test_lost_before_a_statement),
        cmocka_unit_test(test_other_errors_keep_the_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
