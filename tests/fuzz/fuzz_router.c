/*
 * fuzz_router.c — router_match over the application's real route table.
 *
 * Invariants: a found route has the request's method (or GET for HEAD) and
 * its pattern with the {id} values put back spells the path exactly, each id
 * positive; a path no route matches is 404 for every method; a 405's Allow
 * list is non-empty, NUL-terminated within its buffer and never names the
 * method that was refused.
 */
#include <inttypes.h>

#include "fuzz_common.h"

#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The pattern with ids substituted for its {id} segments, into out. */
static void pattern_fill(const char *pattern, const int64_t *ids, size_t id_count, char *out, size_t out_len)
{
    size_t used = 0, next_id = 0;

    out[0] = '\0';
    while (*pattern != '\0') {
        if (strncmp(pattern, "{id}", 4) == 0) {
            FUZZ_CHECK(next_id < id_count);
            used += (size_t)snprintf(out + used, out_len - used, "%" PRId64, ids[next_id++]);
            pattern += 4;
        } else {
            FUZZ_CHECK(used + 1 < out_len);
            out[used++] = *pattern++;
            out[used] = '\0';
        }
        FUZZ_CHECK(used < out_len);
    }
    FUZZ_CHECK(next_id == id_count);
}

/* 1 when the comma-separated list holds the method's name as a whole item. */
static int allow_lists(const char *allow, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = allow; *p != '\0';) {
        size_t item = strcspn(p, ",");

        if (item == len && memcmp(p, name, len) == 0)
            return 1;
        p += item;
        p += strspn(p, ", ");
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    enum http_method method = (enum http_method)(fuzz_u8(&in) % HTTP_METHOD_COUNT);
    size_t allow_len = fuzz_u8(&in) % 64;
    char *path = fuzz_take_until(&in, 0, NULL);
    char *allow = malloc(allow_len > 0 ? allow_len : 1);
    const struct route *route;
    int64_t ids[HTTP_MAX_PATH_IDS];
    size_t id_count = 99;
    enum route_result rc;

    FUZZ_CHECK(allow != NULL);
    rc = router_match(ROUTES, ROUTE_COUNT, method, path, &route, ids, &id_count, allow, allow_len);
    if (rc == ROUTE_FOUND) {
        char rebuilt[4096];

        FUZZ_CHECK(route != NULL);
        FUZZ_CHECK(route->method == method || (method == HTTP_HEAD && route->method == HTTP_GET));
        FUZZ_CHECK(id_count <= HTTP_MAX_PATH_IDS);
        for (size_t i = 0; i < id_count; i++)
            FUZZ_CHECK(ids[i] > 0);
        pattern_fill(route->pattern, ids, id_count, rebuilt, sizeof(rebuilt));
        FUZZ_CHECK(strcmp(rebuilt, path) == 0);
    } else if (rc == ROUTE_NOT_FOUND) {
        FUZZ_CHECK(route == NULL && id_count == 0);
        for (int m = 0; m < HTTP_METHOD_COUNT; m++) {
            const struct route *other;
            int64_t other_ids[HTTP_MAX_PATH_IDS];
            size_t other_count;

            FUZZ_CHECK(router_match(ROUTES, ROUTE_COUNT, (enum http_method)m, path, &other, other_ids,
                                    &other_count, NULL, 0) == ROUTE_NOT_FOUND);
        }
    } else {
        FUZZ_CHECK(rc == ROUTE_METHOD_NOT_ALLOWED && route == NULL);
        if (allow_len > 0) {
            FUZZ_CHECK(memchr(allow, '\0', allow_len) != NULL);
            FUZZ_CHECK(!allow_lists(allow, http_method_name(method)));
            /* Room for the longest name ("OPTIONS"): the list is not empty. */
            if (allow_len >= 8)
                FUZZ_CHECK(allow[0] != '\0');
        }
    }
    free(allow);
    free(path);
    return 0;
}
