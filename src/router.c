/*
 * router.c — matches a request path against the static route table.
 *
 * Paths are compared segment by segment, as sent (no percent-decoding), so a
 * path has exactly one spelling that reaches a handler.  A pattern segment is
 * either a literal, compared byte for byte, or "{id}", which takes a positive
 * decimal integer without leading zeros that fits in int64_t.  When several
 * patterns match a path, the one with a literal at the first position where
 * they differ wins, so "/orders/stats" beats "/orders/{id}".
 */
#include "router.h"

#include <string.h>

#define ROUTER_MAX_PATH_LEN 2048

/* Methods in the order they are listed in Allow, with their names (kept
 * here so that the router links on its own). */
static const struct {
    enum http_method method;
    const char *name;
} ALLOW_ORDER[] = {
    {HTTP_GET, "GET"},       {HTTP_HEAD, "HEAD"},     {HTTP_POST, "POST"},
    {HTTP_PUT, "PUT"},       {HTTP_PATCH, "PATCH"},   {HTTP_DELETE, "DELETE"},
    {HTTP_OPTIONS, "OPTIONS"},
};

/*
 * 1 when path has a shape any route could match: absolute, at most 2048
 * bytes, no empty segment (which also rules out "//" and a trailing '/'), and
 * no "." or ".." segment (RFC 3986 §3.3 dot-segments).
 */
static int path_is_routable(const char *path)
{
    size_t len;
    const char *segment;

    if (path == NULL || path[0] != '/')
        return 0;
    len = strnlen(path, ROUTER_MAX_PATH_LEN + 1);
    if (len > ROUTER_MAX_PATH_LEN)
        return 0;
    segment = path + 1;
    for (;;) {
        size_t seg_len = strcspn(segment, "/");

        if (seg_len == 0)
            return 0;
        if ((seg_len == 1 && segment[0] == '.') ||
            (seg_len == 2 && segment[0] == '.' && segment[1] == '.'))
            return 0;
        if (segment[seg_len] == '\0')
            return 1;
        segment += seg_len + 1;
    }
}

/*
 * Parses an {id} segment: 1 to 19 digits, the first not '0', value at most
 * INT64_MAX.  Returns 0 and sets *out, or -1.
 */
static int parse_path_id(const char *segment, size_t len, int64_t *out)
{
    int64_t value = 0;

    if (len == 0 || len > 19 || segment[0] == '0')
        return -1;
    for (size_t i = 0; i < len; i++) {
        int digit;

        if (segment[i] < '0' || segment[i] > '9')
            return -1;
        digit = segment[i] - '0';
        if (value > (INT64_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    *out = value;
    return 0;
}

/* 1 when a pattern segment is the "{id}" placeholder. */
static int segment_is_id(const char *segment, size_t len)
{
    return len == 4 && memcmp(segment, "{id}", 4) == 0;
}

/*
 * Matches one pattern against a routable path.  Returns 1 and fills
 * ids[0..*id_count) on a match, else 0.  A pattern with more than
 * HTTP_MAX_PATH_IDS placeholders never matches.
 */
static int pattern_match(const char *pattern, const char *path,
                         int64_t ids[HTTP_MAX_PATH_IDS], size_t *id_count)
{
    const char *pat = pattern, *p = path;

    *id_count = 0;
    if (pattern == NULL || pattern[0] != '/')
        return 0;
    while (*pat == '/' && *p == '/') {
        size_t pat_len, path_len;

        pat++;
        p++;
        pat_len = strcspn(pat, "/");
        path_len = strcspn(p, "/");
        if (segment_is_id(pat, pat_len)) {
            if (*id_count == HTTP_MAX_PATH_IDS ||
                parse_path_id(p, path_len, &ids[*id_count]) != 0)
                return 0;
            (*id_count)++;
        } else if (pat_len != path_len || memcmp(pat, p, pat_len) != 0) {
            return 0;
        }
        pat += pat_len;
        p += path_len;
    }
    return *pat == '\0' && *p == '\0';
}

/*
 * 1 when pattern a is more specific than b for the same path: at the first
 * segment where one has a literal and the other "{id}", the literal wins.
 * Both patterns matched the same path, so they have the same segments.
 */
static int pattern_more_specific(const char *a, const char *b)
{
    while (*a == '/' && *b == '/') {
        size_t a_len = strcspn(a + 1, "/"), b_len = strcspn(b + 1, "/");
        int a_id = segment_is_id(a + 1, a_len), b_id = segment_is_id(b + 1, b_len);

        if (a_id != b_id)
            return b_id;
        a += a_len + 1;
        b += b_len + 1;
    }
    return 0;
}

/*
 * Writes "GET, HEAD, POST" for the methods set in mask into allow, whole
 * names only, always NUL-terminated.
 */
static void allow_format(unsigned mask, char *allow, size_t allow_len)
{
    size_t used = 0;

    if (allow == NULL || allow_len == 0)
        return;
    allow[0] = '\0';
    for (size_t i = 0; i < sizeof(ALLOW_ORDER) / sizeof(ALLOW_ORDER[0]); i++) {
        const char *name;
        size_t name_len, sep_len;

        if (!(mask & (1u << ALLOW_ORDER[i].method)))
            continue;
        name = ALLOW_ORDER[i].name;
        name_len = strlen(name);
        sep_len = used > 0 ? 2 : 0;
        if (sep_len + name_len >= allow_len - used)
            break;
        memcpy(allow + used, ", ", sep_len);
        memcpy(allow + used + sep_len, name, name_len);
        used += sep_len + name_len;
        allow[used] = '\0';
    }
}

/* Finds the most specific route for method among those matching path. */
static const struct route *best_route(const struct route *table, size_t count,
                                      enum http_method method, const char *path,
                                      int64_t ids[HTTP_MAX_PATH_IDS], size_t *id_count)
{
    const struct route *best = NULL;
    int64_t candidate_ids[HTTP_MAX_PATH_IDS];
    size_t candidate_count;

    for (size_t i = 0; i < count; i++) {
        if (table[i].method != method ||
            !pattern_match(table[i].pattern, path, candidate_ids, &candidate_count))
            continue;
        if (best == NULL || pattern_more_specific(table[i].pattern, best->pattern)) {
            best = &table[i];
            memcpy(ids, candidate_ids, sizeof(candidate_ids[0]) * candidate_count);
            *id_count = candidate_count;
        }
    }
    return best;
}

/*
 * Routes a request; see router.h.  HEAD uses a HEAD route when the table has
 * one, else the GET route (RFC 9110 §9.3.2).  When no route has the method
 * but some route matches the path, the result is 405 with an Allow list of
 * the methods those routes take (HEAD added wherever GET is, RFC 9110
 * §15.5.6 and §10.2.1).
 */
enum route_result router_match(const struct route *table, size_t count,
                               enum http_method method, const char *path,
                               const struct route **out,
                               int64_t ids[HTTP_MAX_PATH_IDS], size_t *id_count,
                               char *allow, size_t allow_len)
{
    const struct route *found;
    int64_t scratch_ids[HTTP_MAX_PATH_IDS];
    size_t scratch_count;
    unsigned methods = 0;

    *out = NULL;
    *id_count = 0;
    if (allow != NULL && allow_len > 0)
        allow[0] = '\0';
    if (!path_is_routable(path))
        return ROUTE_NOT_FOUND;

    found = best_route(table, count, method, path, ids, id_count);
    if (found == NULL && method == HTTP_HEAD)
        found = best_route(table, count, HTTP_GET, path, ids, id_count);
    if (found != NULL) {
        *out = found;
        return ROUTE_FOUND;
    }

    for (size_t i = 0; i < count; i++) {
        if ((unsigned)table[i].method < HTTP_OTHER &&
            pattern_match(table[i].pattern, path, scratch_ids, &scratch_count))
            methods |= 1u << table[i].method;
    }
    if (methods == 0)
        return ROUTE_NOT_FOUND;
    if (methods & (1u << HTTP_GET))
        methods |= 1u << HTTP_HEAD;
    allow_format(methods, allow, allow_len);
    return ROUTE_METHOD_NOT_ALLOWED;
}
