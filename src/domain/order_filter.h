/*
 * order_filter.h — the query rules of GET /orders (API.md, "Orders") as pure
 * functions: each query parameter is checked and turned into a typed field of
 * struct order_filter, then cross-field rules are applied, and the result can
 * be written as a canonical text for cache keys.
 *
 * The string fields point into the values passed to order_filter_set(); the
 * caller keeps those alive as long as the filter (they live in the request
 * arena).
 *
 * Date bounds work at whole seconds, the precision at which the API shows
 * times. start_date is inclusive: a date means from 00:00:00Z of that day, a
 * date-time from the second it names. end_date is inclusive too and is stored
 * as the exclusive bound just after it: a date means up to the end of that UTC
 * day (created_before = the next day 00:00:00Z), a date-time up to the end of
 * the second it names (created_before = that second + 1). Fractional seconds
 * are truncated to the second they fall in, so "10:30:00.5Z" names the second
 * 10:30:00Z for either bound.
 */
#ifndef ORDERAPI_ORDER_FILTER_H
#define ORDERAPI_ORDER_FILTER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/order_rules.h"

/* Longest customer_name filter, in bytes. */
#define ORDER_FILTER_NAME_MAX 200
/* Longest order_number accepted: "ORD-" + 8 + "-" + up to 19 sequence digits (int64). */
#define ORDER_NUMBER_MAX_LEN 32

struct order_filter {
    unsigned statuses;        /* bit per enum order_status; 0 = any */
    unsigned payment_statuses;/* bit per enum payment_status; 0 = any */
    unsigned priorities;      /* bit per enum order_priority; 0 = any */
    int64_t user_id;          /* 0 = any */
    const char *order_number; /* exact, NULL = any */
    const char *customer_name;/* substring, NULL = any */
    const char *customer_phone; /* exact, NULL = any */
    int64_t created_from;     /* epoch seconds, inclusive; INT64_MIN = open */
    int64_t created_before;   /* epoch seconds, exclusive; INT64_MAX = open */
    int64_t min_amount, max_amount; /* cents, inclusive; -1 = open */
    enum order_sort { SORT_CREATED_DESC = 0, SORT_CREATED_ASC, SORT_TOTAL_DESC, SORT_TOTAL_ASC } sort;
};

/* Sets every field to "any" / open and the sort to the default, -created_at. */
void order_filter_init(struct order_filter *f);
/* Applies one query parameter (name, value). Known names: status (comma list, each a status; empty items or
   unknown -> error), payment_status (comma list), priority (comma list), user_id (1..INT64_MAX), order_number
   (must match ^ORD-[0-9]{8}-[0-9]{4,}$, at most ORDER_NUMBER_MAX_LEN bytes), customer_name (1..200 bytes),
   customer_phone (E.164 via validate_phone), start_date, end_date (see the file comment for the bounds),
   min_amount, max_amount (money strings via money_parse_string), sort (created_at, -created_at, total_amount,
   -total_amount). A list parameter given twice adds to the set; any other parameter given twice keeps the last
   good value. Unknown name -> returns 1 (not ours; the caller decides). Bad value -> appends
   {field, code, message} to errors (when errors is not NULL), leaves the filter unchanged and returns -1;
   ok -> 0. */
int order_filter_set(struct order_filter *f, const char *name, const char *value, json_t *errors);
/* Cross-field rules after all parameters: start <= end (code "invalid_range" on end_date), min <= max (code
   "invalid_range" on max_amount); appends errors; returns count added. */
size_t order_filter_finish(struct order_filter *f, json_t *errors);
/* Parses "YYYY-MM-DD" (real calendar dates only: 2026-02-30 invalid; years 1970..9999) or RFC 3339 date-time
   ("2026-11-22T10:30:00Z", "...+02:00", "...10:30:00.5Z"; 'T'/'t', 'Z'/'z') into epoch seconds (fraction
   truncated; a leap second 60 counts as the next second). A time before 1970-01-01T00:00:00Z is refused.
   Sets *is_date_only. 0 / -1 (outputs untouched). */
int parse_date_or_datetime(const char *s, int64_t *epoch, int *is_date_only);
/* A canonical text of the filter for cache keys: every field in a fixed order, strings percent-encoded so the
   text is printable ASCII without ';' or '=' inside values. Filters built by order_filter_set always fit in
   1024 bytes. out >= 1024. */
void order_filter_canonical(const struct order_filter *f, char *out, size_t out_len);

#endif
