/*
 * etag.h — the entity-tag lists of If-Match and If-None-Match (RFC 9110
 * §8.8.3, §13.1.1, §13.1.2), one parser for both.
 */
#ifndef ORDERAPI_ETAG_H
#define ORDERAPI_ETAG_H

/* How two entity tags compare (RFC 9110 §8.8.3.2). */
enum etag_compare {
    ETAG_STRONG = 0, /* If-Match: both strong and the same opaque tag */
    ETAG_WEAK,       /* If-None-Match: the same opaque tag, W/ or not */
};

/*
 * Whether the field value of an If-Match or If-None-Match header matches
 * the current entity tag etag (a strong tag, with its quotes: "\"12-3\"").
 * The field is "*" (any current representation: a match) or a list of
 * entity tags, with optional whitespace and empty elements (§5.6.1).  "*"
 * means "any" only as the whole field: as a list element it is malformed.
 * A malformed element matches nothing, and the rest of the list still
 * counts.  1 on a match, 0 otherwise (also for NULL).
 */
int etag_list_matches(const char *field, const char *etag, enum etag_compare cmp);

#endif
