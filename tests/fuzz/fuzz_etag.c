/*
 * fuzz_etag.c — the If-Match parser of the order writes
 * (order_check_if_match: "*" or a list of entity tags, strong comparison).
 *
 * The input is two bytes that make the order's id and version (small, so
 * that its ETag, "\"<id>-<version>\"", is easy to hit) and the header value.
 * Invariants, against a parser of RFC 9110's grammar (§8.8.3, §13.1.1, with
 * the empty list elements of §5.6.1): a well-formed field passes exactly
 * when it is "*" or lists the ETag as a strong tag; a malformed one never
 * passes unless one of its comma-separated items is the ETag itself; a
 * refusal is a 412 that carries the current ETag.
 */
#include <inttypes.h>
#include <jansson.h>

#include "fuzz_common.h"

#include "arena.h"
#include "handlers/order_common.h"
#include "http/http.h"
#include "store/db.h"

FUZZ_INITIALIZE_JSON_SEED()

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* etagc = %x21 / %x23-7E / obs-text */
static int is_etagc(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

/* 1 when the field is well-formed; *listed when it lists etag as a strong
 * tag or is "*". */
static int parse_if_match(const char *h, const char *etag, int *listed)
{
    size_t len = strlen(h), start = 0, end = len, etag_len = strlen(etag);

    *listed = 0;
    while (start < end && is_ows(h[start]))
        start++;
    while (end > start && is_ows(h[end - 1]))
        end--;
    if (end - start == 1 && h[start] == '*') {
        *listed = 1;
        return 1;
    }
    for (size_t p = start; p < end;) {
        size_t tag_start, strong;

        if (is_ows(h[p]) || h[p] == ',') {
            p++;
            continue;
        }
        tag_start = p;
        strong = 1;
        if (h[p] == 'W' && p + 1 < end && h[p + 1] == '/') {
            strong = 0;
            p += 2;
        }
        if (p >= end || h[p] != '"')
            return 0;
        p++;
        while (p < end && is_etagc((unsigned char)h[p]))
            p++;
        if (p >= end || h[p] != '"')
            return 0;
        p++;
        if (strong && p - tag_start == etag_len && memcmp(h + tag_start, etag, etag_len) == 0)
            *listed = 1;
        while (p < end && is_ows(h[p]))
            p++;
        if (p < end && h[p] != ',')
            return 0;
    }
    return 1;
}

/* 1 when some comma-separated item, OWS trimmed, is exactly etag. */
static int some_item_is(const char *h, const char *etag)
{
    size_t etag_len = strlen(etag);

    for (const char *p = h;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma != NULL ? comma : p + strlen(p);
        const char *start = p;

        while (start < end && is_ows(*start))
            start++;
        while (end > start && is_ows(end[-1]))
            end--;
        if ((size_t)(end - start) == etag_len && memcmp(start, etag, etag_len) == 0)
            return 1;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    struct db_value cells[OC_COUNT];
    struct db_rows row = {.count = 1, .columns = OC_COUNT, .cells = cells};
    struct arena *a = arena_new();
    struct http_request req;
    struct http_response res;
    struct http_param header;
    char etag[64];
    char *value;
    int rc, listed, well_formed;

    FUZZ_CHECK(a != NULL);
    memset(cells, 0, sizeof(cells));
    cells[OC_ID] = DBP_INT(fuzz_u8(&in) % 16);
    cells[OC_VERSION] = DBP_INT(fuzz_u8(&in) % 16);
    snprintf(etag, sizeof(etag), "\"%" PRId64 "-%" PRId64 "\"", cells[OC_ID].i, cells[OC_VERSION].i);
    value = fuzz_take_until(&in, 0, NULL);

    memset(&req, 0, sizeof(req));
    memset(&res, 0, sizeof(res));
    req.arena = a;
    req.method = HTTP_PATCH;
    req.method_name = "PATCH";
    req.path = "/api/v1/orders/1";
    req.request_id = "fuzz";
    header.name = "if-match";
    header.value = value;
    header.value_len = strlen(value);
    req.headers = &header;
    req.header_count = 1;

    rc = order_check_if_match(&req, &res, &row);
    well_formed = parse_if_match(value, etag, &listed);
    if (well_formed) {
        if ((rc == 0) != listed)
            fprintf(stderr, "If-Match [%s] against %s: %s\n", value, etag, rc == 0 ? "passed" : "refused");
        FUZZ_CHECK((rc == 0) == listed);
    } else if (rc == 0) {
        fprintf(stderr, "malformed If-Match [%s] passed against %s\n", value, etag);
        FUZZ_CHECK(some_item_is(value, etag));
    }
    if (rc != 0) {
        const char *sent = http_response_header_get(&res, "ETag");

        FUZZ_CHECK(res.status == 412);
        FUZZ_CHECK(sent != NULL && strcmp(sent, etag) == 0);
    }
    arena_free(a);
    free(value);
    return 0;
}
