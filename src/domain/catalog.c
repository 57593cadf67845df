/*
 * catalog.c — product rules with no I/O.
 */
#include "domain/catalog.h"

#include "domain/validation.h"

const char *validate_sku(const char *sku)
{
    size_t n = 0;
    for (; sku[n]; n++) {
        char c = sku[n];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (n == 0 || (c != '.' && c != '_' && c != '-')))
            return "invalid_sku";
        if (n >= SKU_MAX)
            return "invalid_sku";
    }
    return n == 0 ? "invalid_sku" : NULL;
}

const char *validate_product_name(const char *name, size_t len)
{
    return validate_full_name(name, len);
}

const char *validate_description(const char *text, size_t len)
{
    if (len > PRODUCT_DESCRIPTION_MAX_BYTES)
        return "too_long";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F)
            return "invalid_characters";
    }
    return NULL;
}

const char *validate_stock_delta(int64_t delta)
{
    if (delta == 0)
        return "must_not_be_zero";
    if (delta > STOCK_ADJUSTMENT_MAX || delta < -STOCK_ADJUSTMENT_MAX)
        return "out_of_range";
    return NULL;
}

char *like_contains_pattern(const char *s, size_t len, char *out)
{
    size_t o = 0;
    out[o++] = '%';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' || s[i] == '%' || s[i] == '_')
            out[o++] = '\\';
        out[o++] = s[i];
    }
    out[o++] = '%';
    out[o] = '\0';
    return out;
}
