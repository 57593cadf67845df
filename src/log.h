/*
 * log.h — structured logging: one JSON object per line on stderr.
 *
 * Every line has "ts" (RFC 3339, UTC, microseconds), "level" and "pid".
 * log_msg adds a free-text "msg"; log_request writes the per-request line.
 * Internals (SQL errors, library messages) go here and never to a client.
 */
#ifndef ORDERAPI_LOG_H
#define ORDERAPI_LOG_H

#include <stddef.h>
#include <stdint.h>

void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one line written for each request. */
void log_request(const char *request_id, const char *method, const char *route,
                 const char *path, int status, double duration_ms, const char *error);

/*
 * The per-request line as log_request writes it, with the given ts and pid,
 * written directly (no jansson tree) into buf, newline included: its
 * length, or 0 when the line needs what only the jansson path does (a
 * string that is not UTF-8, a duration in exponent form, no room), which
 * log_request then takes.  Byte for byte the jansson path's line
 * (tests/unit/test_log.c).
 */
size_t log_request_line(char *buf, size_t cap, const char *ts, long pid, const char *request_id,
                        const char *method, const char *route, const char *path, int status,
                        double duration_ms, const char *error);

/* Formats the current UTC time as RFC 3339 with microseconds into buf. */
void log_timestamp(char *buf, unsigned len);

#endif
