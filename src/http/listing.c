/*
 * listing.c — query rules for lists; pure (no I/O).
 */
#include "http/listing.h"

#include <stdio.h>
#include <string.h>

#include "http/problem.h"
#include "http/query.h"

static int in_list(const char *name, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

size_t query_check_allowed(const struct http_request *req, const char *const *allowed,
                           const char *const *repeatable, json_t *errors)
{
    size_t added = 0;
    for (size_t i = 0; i < req->query_count; i++) {
        const char *name = req->query[i].name;
        int first = 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(req->query[j].name, name) == 0)
                first = 0;
        if (!first)
            continue;
        char shown[80];
        snprintf(shown, sizeof shown, "%.64s", name);
        if (!in_list(name, allowed)) {
            problem_add_error(errors, shown, "unknown_parameter", "This query parameter is not accepted here");
            added++;
        } else if (http_query_count(req, name) > 1 && !in_list(name, repeatable)) {
            problem_add_error(errors, shown, "repeated_parameter", "Give this query parameter once");
            added++;
        }
    }
    return added;
}

/* Reads one bounded integer parameter; 1 when present and valid, 0 when
 * absent, -1 (with an error entry) when malformed or out of range. */
static int int_param(const struct http_request *req, const char *name, int64_t min, int64_t max, int64_t *out,
                     json_t *errors)
{
    const char *v = http_query_get(req, name);
    if (!v)
        return 0;
    if (parse_int64(v, min, max, out) != 0) {
        char message[96];
        snprintf(message, sizeof message, "Must be a whole number from %lld to %lld", (long long)min,
                 (long long)max);
        problem_add_error(errors, name, "out_of_range", message);
        return -1;
    }
    return 1;
}

size_t pagination_parse(const struct http_request *req, struct page_request *out, json_t *errors)
{
    size_t before = json_array_size(errors);
    int64_t page = 1, size = PAGE_SIZE_DEFAULT, skip = 0, limit = PAGE_SIZE_DEFAULT;
    int has_page = int_param(req, "page", 1, PAGE_MAX, &page, errors);
    int has_size = int_param(req, "page_size", 1, PAGE_SIZE_MAX, &size, errors);
    int has_skip = int_param(req, "skip", 0, SKIP_MAX, &skip, errors);
    int has_limit = int_param(req, "limit", 1, PAGE_SIZE_MAX, &limit, errors);
    int paged = has_page || has_size, skipped = has_skip || has_limit;
    if (paged && skipped) {
        problem_add_error(errors, "skip", "conflicting_parameters", "Use page/page_size or skip/limit, not both");
    }
    *out = (struct page_request){0};
    if (skipped) {
        out->uses_skip = 1;
        out->offset = skip;
        out->page_size = limit;
        out->page = skip / limit + 1;
    } else {
        out->page = page;
        out->page_size = size;
        out->offset = (page - 1) * size; /* <= 1e6 * 100: no overflow */
    }
    return json_array_size(errors) - before;
}

json_t *pagination_envelope(json_t *data, const struct page_request *page, int64_t total)
{
    json_t *env = json_pack("{s:o, s:I, s:I, s:I}", "data", data, "page", (json_int_t)page->page, "page_size",
                            (json_int_t)page->page_size, "total", (json_int_t)total);
    if (env && page->uses_skip) {
        json_object_set_new(env, "skip", json_integer(page->offset));
        json_object_set_new(env, "limit", json_integer(page->page_size));
    }
    return env;
}
