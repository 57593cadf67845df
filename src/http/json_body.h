/*
 * json_body.h — the checks every JSON request body passes before a handler
 * sees it: valid UTF-8 (RFC 8259 §8.1), no duplicate object keys, nesting no
 * deeper than a limit, a JSON object at the top.
 */
#ifndef ORDERAPI_JSON_BODY_H
#define ORDERAPI_JSON_BODY_H

#include <jansson.h>
#include <stddef.h>

/* Largest nesting depth found in a JSON text (strings are skipped). */
size_t json_text_depth(const char *text, size_t len);
/* 1 when buf is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int utf8_valid(const char *buf, size_t len);

/*
 * Parses body into *out (a new reference).  Returns 0, or -1 with *why set
 * to a short static client-safe reason: "body is not valid UTF-8",
 * "body is not valid JSON", "duplicate key in JSON object",
 * "JSON nested too deeply", "body must be a JSON object".
 */
int json_body_parse(const char *body, size_t len, size_t max_depth,
                    json_t **out, const char **why);

/* 1 when a Content-Type names application/json (parameters allowed,
 * case-insensitive media type), else 0. */
int content_type_is_json(const char *content_type);

#endif
