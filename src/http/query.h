/*
 * query.h — application/x-www-form-urlencoded query strings (RFC 3986 §3.4
 * with the WHATWG "+ means space" rule), and bounded integer parsing.
 */
#ifndef ORDERAPI_QUERY_H
#define ORDERAPI_QUERY_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct http_param;

/*
 * Splits qs on '&', each part on the first '=', and percent-decodes names
 * and values into the arena.  Empty parts ("a=1&&b=2") are skipped; a part
 * without '=' has the value "".  Returns 0, or -1 for a malformed escape
 * ("%G1", a lone "%") or more than max_params parameters.
 */
int query_parse(struct arena *a, const char *qs, size_t max_params,
                struct http_param **out, size_t *count);

/* The value of one hexadecimal digit (either case), or -1. */
int hex_digit_value(char c);

/* Percent-decodes s[0..len) into a new arena string; -1 on a bad escape. */
int percent_decode(struct arena *a, const char *s, size_t len, int plus_is_space,
                   char **out, size_t *out_len);

/*
 * Parses a whole decimal integer in [min, max]: optional '-', digits only,
 * no spaces, no '+', no leading zeros beyond "0", overflow-checked.
 * Returns 0 and sets *out, or -1.
 */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
