/*
 * sql_dialect.c — choosing the SQL dialect from the setting and the
 * server's version string.  See sql_dialect.h.
 */
#include "domain/sql_dialect.h"

#include <stddef.h>
#include <string.h>

/* MariaDB's INSERT … RETURNING (and REPLACE … RETURNING) came in 10.5.0. */
#define RETURNING_MAJOR 10
#define RETURNING_MINOR 5

int sql_dialect_setting_parse(const char *text, enum sql_dialect_setting *out)
{
    if (text == NULL)
        return -1;
    if (strcmp(text, "auto") == 0)
        *out = SQL_DIALECT_AUTO;
    else if (strcmp(text, "mariadb") == 0)
        *out = SQL_DIALECT_FORCE_MARIADB;
    else if (strcmp(text, "mysql") == 0)
        *out = SQL_DIALECT_FORCE_MYSQL;
    else
        return -1;
    return 0;
}

/* Whether s contains "mariadb" in any letter case. */
static int mentions_mariadb(const char *s)
{
    static const char word[] = "mariadb";
    for (; *s != '\0'; s++) {
        size_t i = 0;
        while (word[i] != '\0' && (s[i] | 0x20) == word[i])
            i++;
        if (word[i] == '\0')
            return 1;
    }
    return 0;
}

/* Reads a decimal number of at most 5 digits at *p: 0 and *p past it, or -1. */
static int read_number(const char **p, int *value)
{
    int v = 0, digits = 0;
    while (**p >= '0' && **p <= '9' && digits < 5) {
        v = v * 10 + (**p - '0');
        (*p)++;
        digits++;
    }
    if (digits == 0 || (**p >= '0' && **p <= '9'))
        return -1;
    *value = v;
    return 0;
}

/* "MAJOR.MINOR…" at the start of s, after the "5.5.5-" prefix a MariaDB
 * before 11.0 puts in front of its version (some clients keep it): 0, or -1. */
static int parse_version(const char *s, int *major, int *minor)
{
    if (strncmp(s, "5.5.5-", 6) == 0)
        s += 6;
    if (read_number(&s, major) != 0 || *s != '.')
        return -1;
    s++;
    return read_number(&s, minor);
}

enum sql_dialect sql_dialect_detect(const char *server_version)
{
    int major = 0, minor = 0;
    if (server_version == NULL || !mentions_mariadb(server_version))
        return SQL_DIALECT_MYSQL;
    if (parse_version(server_version, &major, &minor) != 0)
        return SQL_DIALECT_MYSQL;
    if (major > RETURNING_MAJOR || (major == RETURNING_MAJOR && minor >= RETURNING_MINOR))
        return SQL_DIALECT_MARIADB;
    return SQL_DIALECT_MYSQL;
}

enum sql_dialect sql_dialect_choose(enum sql_dialect_setting setting, const char *server_version)
{
    switch (setting) {
    case SQL_DIALECT_FORCE_MARIADB:
        return SQL_DIALECT_MARIADB;
    case SQL_DIALECT_FORCE_MYSQL:
        return SQL_DIALECT_MYSQL;
    case SQL_DIALECT_AUTO:
    default:
        return sql_dialect_detect(server_version);
    }
}

const char *sql_dialect_name(enum sql_dialect dialect)
{
    return dialect == SQL_DIALECT_MARIADB ? "mariadb" : "mysql";
}
