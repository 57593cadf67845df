/*
 * sql_text.h — the placeholder text of statements composed at run time:
 * multi-row VALUES groups, IN lists and repeated CASE arms.  Only
 * placeholders: every value is still bound, never written into the text.
 * The text lives in the caller's arena; NULL when it is out of memory.
 */
#ifndef ORDERAPI_SQL_TEXT_H
#define ORDERAPI_SQL_TEXT_H

#include <stddef.h>

struct arena;

/* unit repeated count times, separated by sep ("" for count 0). */
char *sql_repeated(struct arena *a, size_t count, const char *unit, const char *sep);

/* "?,?,…": count placeholders, for IN (…). */
char *sql_in_list(struct arena *a, size_t count);

/* "(?,?,…),(?,?,…)…": count groups of width placeholders, for VALUES. */
char *sql_groups(struct arena *a, size_t count, size_t width);

#endif
