/*
 * fuzz_query.c — the query string: query_parse and percent_decode, the
 * integer parser, the paging rules and the GET /orders filter that read the
 * parsed parameters.
 *
 * Invariants: every parameter is as many as the non-empty '&' parts; the
 * parameters re-encoded and parsed again give the same names and values;
 * parse_int64 accepts exactly the canonical spelling of an int64 in range;
 * the paging result is inside its documented bounds; the filter's canonical
 * text fits in the 1024 bytes order_filter.h promises.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>

#include "fuzz_common.h"

#include "arena.h"
#include "domain/order_filter.h"
#include "http/http.h"
#include "http/listing.h"
#include "http/query.h"

#define MAX_PARAMS 64

FUZZ_INITIALIZE_JSON_SEED()

/* Non-empty parts between '&' (what query_parse must return). */
static size_t count_parts(const char *qs)
{
    size_t count = 0, run = 0;

    for (const char *p = qs;; p++) {
        if (*p == '&' || *p == '\0') {
            count += run > 0;
            run = 0;
            if (*p == '\0')
                return count;
        } else {
            run++;
        }
    }
}

/* Appends s[0..len) percent-encoded (everything but unreserved bytes). */
static char *encode_into(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            *out++ = (char)c;
        } else {
            *out++ = '%';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 15];
        }
    }
    return out;
}

/* Re-encodes the parameters and parses them again: same list. */
static void check_round_trip(struct arena *a, const struct http_param *params, size_t count, size_t qs_len)
{
    char *text = malloc(3 * qs_len + count + 2);
    char *p = text;
    struct http_param *again;
    size_t again_count;

    FUZZ_CHECK(text != NULL);
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            *p++ = '&';
        p = encode_into(p, params[i].name, strlen(params[i].name));
        *p++ = '=';
        p = encode_into(p, params[i].value, params[i].value_len);
    }
    *p = '\0';
    FUZZ_CHECK(query_parse(a, text, MAX_PARAMS, &again, &again_count) == 0);
    /* A parameter whose name and value are both empty ("=") re-encodes
     * as "=", which is a non-empty part, so the counts agree. */
    FUZZ_CHECK(again_count == count);
    for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(strcmp(again[i].name, params[i].name) == 0);
        FUZZ_CHECK(again[i].value_len == params[i].value_len);
        FUZZ_CHECK(memcmp(again[i].value, params[i].value, params[i].value_len) == 0);
        FUZZ_CHECK(again[i].value[again[i].value_len] == '\0');
    }
    free(text);
}

/* parse_int64 accepts a string exactly when it is an int64's canonical
 * decimal spelling within the bounds. */
static void check_int64(const char *s, int64_t min, int64_t max)
{
    int64_t value = 0;
    int rc = parse_int64(s, min, max, &value);
    char canonical[32];
    char *end;
    long long ref;

    if (rc == 0) {
        FUZZ_CHECK(value >= min && value <= max);
        snprintf(canonical, sizeof(canonical), "%" PRId64, value);
        FUZZ_CHECK(strcmp(canonical, s) == 0);
        return;
    }
    errno = 0;
    ref = strtoll(s, &end, 10);
    if (errno == 0 && end != s && *end == '\0' && ref >= min && ref <= max) {
        snprintf(canonical, sizeof(canonical), "%lld", ref);
        FUZZ_CHECK(strcmp(canonical, s) != 0); /* refused only when not canonical */
    }
}

static void check_paging(const struct http_request *req)
{
    static const char *const allowed[] = {"page", "page_size", "skip", "limit", "status", NULL};
    static const char *const repeatable[] = {"status", NULL};
    struct page_request page;
    json_t *errors = json_array();
    size_t added;

    FUZZ_CHECK(errors != NULL);
    query_check_allowed(req, allowed, repeatable, errors);
    memset(&page, 0, sizeof(page));
    added = pagination_parse(req, &page, errors);
    if (added == 0) {
        FUZZ_CHECK(page.page_size >= 1 && page.page_size <= PAGE_SIZE_MAX);
        if (page.uses_skip) {
            /* page is derived from skip and may pass PAGE_MAX */
            FUZZ_CHECK(page.offset >= 0 && page.offset <= SKIP_MAX);
            FUZZ_CHECK(page.page == page.offset / page.page_size + 1);
        } else {
            FUZZ_CHECK(page.page >= 1 && page.page <= PAGE_MAX);
            FUZZ_CHECK(page.offset == (page.page - 1) * page.page_size);
        }
        json_decref(pagination_envelope(json_array(), &page, 0));
    }
    json_decref(errors);
}

static void check_order_filter(const struct http_param *params, size_t count)
{
    struct order_filter f;
    json_t *errors = json_array();
    char small[1024], large[4096];

    FUZZ_CHECK(errors != NULL);
    order_filter_init(&f);
    for (size_t i = 0; i < count; i++)
        order_filter_set(&f, params[i].name, params[i].value, errors);
    order_filter_finish(&f, errors);
    order_filter_canonical(&f, small, sizeof(small));
    order_filter_canonical(&f, large, sizeof(large));
    FUZZ_CHECK(strcmp(small, large) == 0); /* never cut at 1024 */
    json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *qs = fuzz_cstring(data, size);
    struct arena *a = arena_new();
    struct http_param *params;
    size_t count;
    char *decoded;
    size_t decoded_len;

    FUZZ_CHECK(a != NULL);
    if (query_parse(a, qs, MAX_PARAMS, &params, &count) == 0) {
        struct http_request req;

        FUZZ_CHECK(count == count_parts(qs));
        check_round_trip(a, params, count, strlen(qs));
        memset(&req, 0, sizeof(req));
        req.arena = a;
        req.query = params;
        req.query_count = count;
        check_paging(&req);
        check_order_filter(params, count);
    } else {
        FUZZ_CHECK(count == 0 && params == NULL);
    }
    if (percent_decode(a, (const char *)data, size, 0, &decoded, &decoded_len) == 0) {
        FUZZ_CHECK(decoded_len <= size);
        FUZZ_CHECK(decoded[decoded_len] == '\0');
    }
    check_int64(qs, INT64_MIN, INT64_MAX);
    check_int64(qs, -1000, 1000);
    arena_free(a);
    free(qs);
    return 0;
}
