/*
 * sql_text.c — placeholder text for composed statements; see sql_text.h.
 */
#include "store/sql_text.h"

#include <stdint.h>
#include <string.h>

#include "arena.h"

char *sql_repeated(struct arena *a, size_t count, const char *unit, const char *sep)
{
    size_t unit_len = strlen(unit), sep_len = strlen(sep);
    if (count > (SIZE_MAX - 1) / (unit_len + sep_len + 1))
        return NULL;
    char *out = arena_alloc(a, count * (unit_len + sep_len) + 1);
    if (!out)
        return NULL;
    char *p = out;
    for (size_t i = 0; i < count; i++) {
        if (i) {
            memcpy(p, sep, sep_len);
            p += sep_len;
        }
        memcpy(p, unit, unit_len);
        p += unit_len;
    }
    *p = '\0';
    return out;
}

char *sql_in_list(struct arena *a, size_t count)
{
    return sql_repeated(a, count, "?", ",");
}

char *sql_groups(struct arena *a, size_t count, size_t width)
{
    if (width == 0 || width > 1024)
        return NULL;
    char unit[2 * 1024 + 2], *p = unit;
    *p++ = '(';
    for (size_t k = 0; k < width; k++) {
        if (k)
            *p++ = ',';
        *p++ = '?';
    }
    *p++ = ')';
    *p = '\0';
    return sql_repeated(a, count, unit, ",");
}
