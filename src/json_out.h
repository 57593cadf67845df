/*
 * json_out.h — JSON text written directly, byte for byte as jansson's
 * json_dumps(JSON_COMPACT) would write the same values, for responses and
 * log lines whose shape is known (no tree of json_t to build and free).
 *
 * Strings follow jansson's rules: '"', '\\' and control characters are
 * escaped (\b \f \n \r \t, else \u00XX in upper-case hex), everything else
 * is copied; a string that is not valid UTF-8 (jansson refuses it) marks
 * the output failed, so the caller can fall back to jansson and keep its
 * behaviour exactly.
 */
#ifndef ORDERAPI_JSON_OUT_H
#define ORDERAPI_JSON_OUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

struct json_out {
    char *buf;
    size_t len, cap;
    struct arena *arena; /* grows the buffer; NULL: fixed capacity */
    int failed;          /* out of room or memory, or a string jansson refuses */
};

/* Writes into buf[cap] (fixed), or into arena memory when a is not NULL
 * (buf may then be NULL and cap a first size). */
void json_out_init(struct json_out *o, struct arena *a, char *buf, size_t cap);
void json_out_raw(struct json_out *o, const char *s, size_t n);
/* Appends a NUL-terminated literal fragment. */
void json_out_lit(struct json_out *o, const char *s);
/* A JSON string of s[0..n), as jansson writes it. */
void json_out_strn(struct json_out *o, const char *s, size_t n);
void json_out_str(struct json_out *o, const char *s);
/* The string, or null when s is NULL. */
void json_out_str_or_null(struct json_out *o, const char *s);
void json_out_int(struct json_out *o, int64_t v);
/* A jansson value as json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) writes it. */
void json_out_value(struct json_out *o, const json_t *v);
/* 1 when s[0..n) is valid UTF-8 as jansson checks it (no overlong forms,
 * no surrogates, nothing above U+10FFFF; a NUL is U+0000, written \u0000). */
int json_utf8_valid(const char *s, size_t n);

#endif
