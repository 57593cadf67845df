/*
 * listing.h — the query-string rules every list endpoint shares.
 *
 * Lists take page/page_size (page >= 1, page_size 1..100, default 1 and 20)
 * or skip/limit (skip >= 0, limit 1..100) — not both.  Out-of-range or
 * malformed values are 422 entries, never clamped; unknown or repeated
 * parameters are 422 entries too, so a typo never silently widens a list.
 */
#ifndef ORDERAPI_LISTING_H
#define ORDERAPI_LISTING_H

#include <jansson.h>
#include <stdint.h>

#include "http/http.h"

#define PAGE_SIZE_DEFAULT 20
#define PAGE_SIZE_MAX 100
#define PAGE_MAX 1000000
#define SKIP_MAX 100000000

struct page_request {
    int64_t page;      /* 1-based */
    int64_t page_size;
    int64_t offset;    /* rows to skip */
    int uses_skip;     /* the client spoke skip/limit */
};

/* Appends an error for every query parameter not in allowed (NULL-ended)
 * and for every parameter given more than once unless it is in repeatable
 * (NULL-ended, may be NULL).  Returns the number of entries added. */
size_t query_check_allowed(const struct http_request *req, const char *const *allowed,
                           const char *const *repeatable, json_t *errors);

/* Reads the paging parameters; appends errors; returns the number added. */
size_t pagination_parse(const struct http_request *req, struct page_request *out, json_t *errors);

/* {"data": data, "page", "page_size", "total"} (+ "skip", "limit" when the
 * client used them); steals data. */
json_t *pagination_envelope(json_t *data, const struct page_request *page, int64_t total);

#endif
