/*
 * fuzz_json_body.c — the gate every JSON request body passes
 * (json_body_parse: UTF-8, depth, duplicates, an object at the top), the
 * UTF-8 checker on its own and the Content-Type check.
 *
 * Invariants: utf8_valid agrees with an independent decoder; an accepted
 * body is valid UTF-8, an object, no deeper than the limit, and survives a
 * dump and reload unchanged; every refusal names one of the documented
 * reasons.
 */
#include <jansson.h>

#include "fuzz_common.h"

#include "http/json_body.h"

FUZZ_INITIALIZE_JSON_SEED()

/* RFC 3629 by decoding: each sequence gives a code point that must need
 * exactly that many bytes, not be a surrogate and not pass U+10FFFF. */
static int utf8_reference(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n;

        if (s[i] < 0x80) {
            i++;
            continue;
        } else if ((s[i] & 0xE0) == 0xC0) {
            n = 2;
            cp = s[i] & 0x1F;
        } else if ((s[i] & 0xF0) == 0xE0) {
            n = 3;
            cp = s[i] & 0x0F;
        } else if ((s[i] & 0xF8) == 0xF0) {
            n = 4;
            cp = s[i] & 0x07;
        } else {
            return 0;
        }
        if (len - i < n)
            return 0;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
            return 0;
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
        i += n;
    }
    return 1;
}

/* Nesting depth of a parsed value: a scalar is 0, [] and {} are 1. */
static size_t tree_depth(const json_t *v)
{
    size_t deepest = 0;

    if (json_is_object(v)) {
        const char *key;
        json_t *member;

        json_object_foreach((json_t *)v, key, member) {
            size_t d = tree_depth(member);
            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t d = tree_depth(json_array_get(v, i));
            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    return 0;
}

static int reason_is_documented(const char *why)
{
    static const char *const reasons[] = {
        "body is not valid UTF-8", "body is not valid JSON", "duplicate key in JSON object",
        "JSON nested too deeply", "body must be a JSON object",
    };

    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (why != NULL && strcmp(why, reasons[i]) == 0)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the depth limit (2..64, as the setting allows). */
    size_t max_depth = size > 0 ? 2 + data[0] % 63 : 8;
    const char *body = size > 0 ? (const char *)data + 1 : "";
    size_t len = size > 0 ? size - 1 : 0;
    /* A copy of exactly len bytes, so ASan sees any read past the end. */
    char *copy = malloc(len > 0 ? len : 1);
    json_t *root = NULL;
    const char *why = NULL;
    char *ct;

    FUZZ_CHECK(copy != NULL);
    memcpy(copy, body, len);
    FUZZ_CHECK(utf8_valid(copy, len) == utf8_reference((const uint8_t *)copy, len));
    (void)json_text_depth(copy, len);
    if (json_body_parse(copy, len, max_depth, &root, &why) == 0) {
        char *text;
        json_t *again;

        FUZZ_CHECK(root != NULL && json_is_object(root));
        FUZZ_CHECK(utf8_valid(copy, len));
        FUZZ_CHECK(tree_depth(root) <= max_depth);
        FUZZ_CHECK(json_text_depth(copy, len) <= max_depth);
        text = json_dumps(root, JSON_COMPACT);
        FUZZ_CHECK(text != NULL);
        again = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        FUZZ_CHECK(again != NULL && json_equal(root, again));
        json_decref(again);
        free(text);
        json_decref(root);
    } else {
        FUZZ_CHECK(root == NULL);
        FUZZ_CHECK(reason_is_documented(why));
    }
    ct = fuzz_cstring((const uint8_t *)copy, len);
    if (content_type_is_json(ct))
        FUZZ_CHECK(strncasecmp(ct + strspn(ct, " \t"), "application/json", 16) == 0);
    free(ct);
    free(copy);
    return 0;
}
