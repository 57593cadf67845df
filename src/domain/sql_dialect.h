/*
 * sql_dialect.h — which SQL orderapi speaks to its database server.  Pure,
 * no I/O: the choice is made from the ORDERAPI_DB_DIALECT setting and the
 * server's version string (mysql_get_server_info), which db.c reads when
 * it connects.
 *
 * "mariadb" uses what only MariaDB 10.5+ has (INSERT … RETURNING); "mysql"
 * is the portable dialect: only SQL that MySQL 8.0+ and MariaDB both accept
 * (docs/sql-dialects.md lists every difference and how it is handled).
 */
#ifndef ORDERAPI_SQL_DIALECT_H
#define ORDERAPI_SQL_DIALECT_H

enum sql_dialect {
    SQL_DIALECT_MARIADB = 0, /* MariaDB 10.5 or later: INSERT … RETURNING */
    SQL_DIALECT_MYSQL,       /* portable: MySQL 8.0+, and any MariaDB */
};

/* ORDERAPI_DB_DIALECT. */
enum sql_dialect_setting {
    SQL_DIALECT_AUTO = 0,    /* from the server's version string */
    SQL_DIALECT_FORCE_MARIADB,
    SQL_DIALECT_FORCE_MYSQL,
};

/* Parses "auto", "mariadb" or "mysql" (exactly, lower case): 0, or -1
 * for anything else. */
int sql_dialect_setting_parse(const char *text, enum sql_dialect_setting *out);

/* What auto chooses for a server version string ("10.11.6-MariaDB-0+deb12u1",
 * "5.5.5-10.4.32-MariaDB", "8.0.36", NULL): MARIADB only for a MariaDB of
 * version 10.5 or later, MYSQL for anything else, unknown or unparsable. */
enum sql_dialect sql_dialect_detect(const char *server_version);

/* The dialect to use: the forced one, or sql_dialect_detect's. */
enum sql_dialect sql_dialect_choose(enum sql_dialect_setting setting, const char *server_version);

/* "mariadb" or "mysql". */
const char *sql_dialect_name(enum sql_dialect dialect);

#endif
