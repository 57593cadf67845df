/*
 * csv.h — CSV cells and lines (RFC 4180) for exports, with the spreadsheet
 * formula guard: a cell that starts with '=', '+', '-', '@', a tab or a
 * carriage return is prefixed with an apostrophe, so that a spreadsheet
 * shows it as text instead of running it.  Pure.
 */
#ifndef ORDERAPI_CSV_H
#define ORDERAPI_CSV_H

#include <stddef.h>

/* A line being built in a caller's buffer. */
struct csv_line {
    char *buf;
    size_t cap;
    size_t len;
    int cells;    /* cells so far: a comma goes before every other one */
    int overflow; /* a cell did not fit: the line is unusable */
};

void csv_line_start(struct csv_line *l, char *buf, size_t cap);

/* Appends one cell (n bytes of text; NULL for an empty cell), guarded and
 * quoted when it holds a comma, a quote, CR or LF (quotes doubled). */
void csv_cell(struct csv_line *l, const char *text, size_t n);

/* Ends the line with CRLF; the line's length, or 0 when it overflowed. */
size_t csv_line_end(struct csv_line *l);

#endif
