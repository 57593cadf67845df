/*
 * cursor.h — the opaque cursors of GET /orders and my-orders (API.md
 * "Cursor paging"): where the next page starts (the last row's sort key and
 * id), which sort it belongs to, and a tag of the list it came from (the
 * caller's scope and every filter), sealed with a MAC so that a forged,
 * altered or foreign cursor is refused.
 *
 * Text: base64url (no padding) of 26 bytes of payload — version, sort, key
 * and id (big-endian), tag — and the first 16 bytes of HMAC-SHA-256 over
 * them.  Pure: the key is the caller's.
 */
#ifndef ORDERAPI_CURSOR_H
#define ORDERAPI_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define CURSOR_KEY_BYTES 32
#define CURSOR_TEXT_LEN 56 /* base64url of 42 bytes */

struct list_cursor {
    unsigned sort;       /* the list's enum order_sort */
    int64_t key;         /* the last row's sort value (microseconds, or cents) */
    int64_t id;          /* the last row's id */
    uint64_t tag;        /* cursor_tag() of the list */
};

/* The tag of a list, from a text naming it (scope and canonical filter). */
uint64_t cursor_tag(const char *list_text);

/* Writes c sealed with key as CURSOR_TEXT_LEN characters and a NUL. */
void cursor_encode(const unsigned char key[CURSOR_KEY_BYTES], const struct list_cursor *c,
                   char out[CURSOR_TEXT_LEN + 1]);

/* Reads a cursor; 0, or -1 for anything that is not one this key sealed
 * (wrong length or alphabet, a bad MAC, an unknown version, a negative id). */
int cursor_decode(const unsigned char key[CURSOR_KEY_BYTES], const char *text, size_t len, struct list_cursor *out);

#endif
