/*
 * etag.c — entity-tag lists (see etag.h).
 *
 *   If-Match = "*" / #entity-tag          entity-tag = [ "W/" ] opaque-tag
 *   opaque-tag = DQUOTE *etagc DQUOTE      etagc = %x21 / %x23-7E / obs-text
 */
#include "http/etag.h"

#include <string.h>

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int is_etagc(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

/* Parses one list element at *p: an entity tag followed by optional
 * whitespace and then a comma or the end.  Returns 1 with the opaque tag
 * (quotes included) in [*tag, *tag + *tag_len) and *weak set; 0 for a
 * malformed element.  *p is left at the comma or end that closes it. */
static int parse_element(const char **p, const char **tag, size_t *tag_len, int *weak)
{
    const char *s = *p;
    int ok = 1;
    *weak = 0;
    if (s[0] == 'W' && s[1] == '/') {
        *weak = 1;
        s += 2;
    }
    *tag = s;
    if (*s != '"') {
        ok = 0;
    } else {
        s++;
        while (is_etagc((unsigned char)*s))
            s++;
        if (*s == '"')
            s++;
        else
            ok = 0;
    }
    *tag_len = (size_t)(s - *tag);
    while (ok && is_ows(*s))
        s++;
    if (ok && *s != ',' && *s != '\0')
        ok = 0;
    if (!ok)
        s += strcspn(s, ","); /* the rest of a malformed element */
    *p = s;
    return ok;
}

/* Whether the field, OWS trimmed, is exactly "*". */
static int is_star(const char *field)
{
    field += strspn(field, " \t");
    if (*field != '*')
        return 0;
    field++;
    return field[strspn(field, " \t")] == '\0';
}

int etag_list_matches(const char *field, const char *etag, enum etag_compare cmp)
{
    if (!field || !etag)
        return 0;
    if (is_star(field))
        return 1;
    size_t etag_len = strlen(etag);
    for (const char *p = field; *p;) {
        if (is_ows(*p) || *p == ',') {
            p++;
            continue;
        }
        const char *tag;
        size_t tag_len;
        int weak;
        if (parse_element(&p, &tag, &tag_len, &weak) && (!weak || cmp == ETAG_WEAK) && tag_len == etag_len &&
            memcmp(tag, etag, etag_len) == 0)
            return 1;
    }
    return 0;
}
