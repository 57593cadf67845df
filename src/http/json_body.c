/*
 * json_body.c — the gate every JSON request body passes before a handler
 * sees it.
 *
 * The cheap, linear checks run first (UTF-8, nesting depth) so that a hostile
 * body is refused before jansson builds any tree from it.  Then jansson
 * parses with duplicate keys refused, and the top level must be an object.
 */
#include "http/json_body.h"

#include <string.h>
#include <strings.h>

/*
 * Scans a JSON text and returns the deepest nesting of arrays and objects.
 * Brackets inside strings do not count; a backslash inside a string skips
 * the character after it, so "\"" does not end the string.  The text need not
 * be valid JSON: this runs before the parser, to bound its recursion.
 */
size_t json_text_depth(const char *text, size_t len)
{
    size_t depth = 0, max_depth = 0;
    int in_string = 0;

    if (text == NULL)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        switch (c) {
        case '"':
            in_string = 1;
            break;
        case '[':
        case '{':
            depth++;
            if (depth > max_depth)
                max_depth = depth;
            break;
        case ']':
        case '}':
            if (depth > 0)
                depth--;
            break;
        default:
            break;
        }
    }
    return max_depth;
}

/*
 * Checks that buf is well-formed UTF-8 as RFC 3629 §4 defines it: each lead
 * byte allows only the continuation range that yields the shortest form, so
 * overlong forms (C0, C1, E0 80..9F, F0 80..8F), UTF-16 surrogates
 * (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF) and truncated
 * sequences are all refused.
 */
int utf8_valid(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;

    if (buf == NULL)
        return len == 0;
    while (i < len) {
        unsigned char lead = s[i];
        unsigned char second_min = 0x80, second_max = 0xBF;
        size_t continuation;

        if (lead < 0x80) {
            i++;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            continuation = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            continuation = 2;
            if (lead == 0xE0)
                second_min = 0xA0; /* below is overlong */
            else if (lead == 0xED)
                second_max = 0x9F; /* above is a surrogate */
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            continuation = 3;
            if (lead == 0xF0)
                second_min = 0x90; /* below is overlong */
            else if (lead == 0xF4)
                second_max = 0x8F; /* above is past U+10FFFF */
        } else {
            return 0; /* 80..C1 and F5..FF never start a character */
        }
        if (len - i - 1 < continuation)
            return 0;
        if (s[i + 1] < second_min || s[i + 1] > second_max)
            return 0;
        for (size_t k = 2; k <= continuation; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return 0;
        }
        i += continuation + 1;
    }
    return 1;
}

/*
 * Parses a request body into a new reference to a JSON object.  The order
 * of the checks is fixed: UTF-8 (RFC 8259 §8.1), then depth against
 * max_depth, then jansson with JSON_REJECT_DUPLICATES (RFC 8259 §4 leaves
 * duplicate names to the implementation; we refuse them rather than pick
 * one) and with its end-of-input check on, so trailing garbage fails.
 * "\u0000" inside strings is refused because JSON_ALLOW_NUL is not given.
 * JSON_DECODE_ANY lets a scalar top level parse so that it can be reported as
 * "must be a JSON object" rather than as invalid JSON.
 */
int json_body_parse(const char *body, size_t len, size_t max_depth,
                    json_t **out, const char **why)
{
    json_error_t error;
    json_t *root;

    *out = NULL;
    if (body == NULL || len == 0) {
        *why = "body is not valid JSON";
        return -1;
    }
    if (!utf8_valid(body, len)) {
        *why = "body is not valid UTF-8";
        return -1;
    }
    if (json_text_depth(body, len) > max_depth) {
        *why = "JSON nested too deeply";
        return -1;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
    if (root == NULL) {
        if (json_error_code(&error) == json_error_duplicate_key ||
            strstr(error.text, "duplicate object key") != NULL)
            *why = "duplicate key in JSON object";
        else
            *why = "body is not valid JSON";
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        *why = "body must be a JSON object";
        return -1;
    }
    *out = root;
    return 0;
}

/*
 * 1 when a Content-Type header names application/json (RFC 8259 §11).  The
 * media type is case-insensitive (RFC 9110 §8.3.1) and may be followed by
 * whitespace and ';' parameters such as "charset=utf-8".  Look-alikes such
 * as "application/jsonx", "application/json-patch" or "text/json" are not
 * JSON for this purpose.
 */
int content_type_is_json(const char *content_type)
{
    static const char media_type[] = "application/json";
    const char *p = content_type;

    if (p == NULL)
        return 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, media_type, sizeof(media_type) - 1) != 0)
        return 0;
    p += sizeof(media_type) - 1;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '\0' || *p == ';';
}
