/*
 * csv.c — CSV lines with the formula guard (see csv.h).
 */
#include "http/csv.h"

#include <string.h>

void csv_line_start(struct csv_line *l, char *buf, size_t cap)
{
    *l = (struct csv_line){.buf = buf, .cap = cap};
}

static void put(struct csv_line *l, char c)
{
    if (l->len + 1 >= l->cap) {
        l->overflow = 1;
        return;
    }
    l->buf[l->len++] = c;
}

static int needs_guard(const char *text, size_t n)
{
    return n > 0 && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                     text[0] == '\r');
}

static int needs_quotes(const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n')
            return 1;
    return 0;
}

void csv_cell(struct csv_line *l, const char *text, size_t n)
{
    if (l->cells++ > 0)
        put(l, ',');
    if (!text)
        return;
    int quoted = needs_quotes(text, n);
    if (quoted)
        put(l, '"');
    if (needs_guard(text, n))
        put(l, '\'');
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '"')
            put(l, '"');
        put(l, text[i]);
    }
    if (quoted)
        put(l, '"');
}

size_t csv_line_end(struct csv_line *l)
{
    put(l, '\r');
    put(l, '\n');
    if (l->overflow)
        return 0;
    l->buf[l->len] = '\0';
    return l->len;
}
