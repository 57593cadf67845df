/*
 * catalog.h — product rules, pure.
 */
#ifndef ORDERAPI_CATALOG_H
#define ORDERAPI_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#define SKU_MAX 64
#define PRODUCT_NAME_MAX_CHARS 200
#define PRODUCT_DESCRIPTION_MAX_BYTES 5000
#define STOCK_MAX 2147483647LL
#define STOCK_ADJUSTMENT_MAX 1000000LL
#define STOCK_REASON_MAX_BYTES 255
#define LOW_STOCK_THRESHOLD_MAX 1000000LL

/* 1..64 of letters, digits, '.', '_' and '-', starting with a letter or
 * digit.  NULL or "invalid_sku". */
const char *validate_sku(const char *sku);
/* 1..200 characters without control characters; NULL or a code. */
const char *validate_product_name(const char *name, size_t len);
/* At most 5000 bytes, no control characters but newline and tab. */
const char *validate_description(const char *text, size_t len);
/* A stock adjustment: non-zero, |delta| <= 1,000,000. */
const char *validate_stock_delta(int64_t delta);
/* Escapes '\\', '%' and '_' for a LIKE pattern and wraps it in '%'; out
 * must hold 2 * len + 3 bytes.  Returns out. */
char *like_contains_pattern(const char *s, size_t len, char *out);

#endif
