/*
 * cursor.c — sealing and reading list cursors (see cursor.h).
 */
#include "domain/cursor.h"

#include "domain/validation.h"

#include <string.h>

#include <sodium.h>

#define CURSOR_VERSION 1
#define PAYLOAD_BYTES 26
#define MAC_BYTES 16

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

uint64_t cursor_tag(const char *list_text)
{
    unsigned char digest[8];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)list_text, strlen(list_text), NULL, 0);
    return get64(digest);
}

static void mac(const unsigned char key[CURSOR_KEY_BYTES], const unsigned char *payload, unsigned char out[MAC_BYTES])
{
    unsigned char full[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, CURSOR_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, payload, PAYLOAD_BYTES);
    crypto_auth_hmacsha256_final(&st, full);
    memcpy(out, full, MAC_BYTES);
}

void cursor_encode(const unsigned char key[CURSOR_KEY_BYTES], const struct list_cursor *c,
                   char out[CURSOR_TEXT_LEN + 1])
{
    unsigned char raw[PAYLOAD_BYTES + MAC_BYTES];
    raw[0] = CURSOR_VERSION;
    raw[1] = (unsigned char)c->sort;
    put64(raw + 2, (uint64_t)c->key);
    put64(raw + 10, (uint64_t)c->id);
    put64(raw + 18, c->tag);
    mac(key, raw, raw + PAYLOAD_BYTES);
    sodium_bin2base64(out, CURSOR_TEXT_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int cursor_decode(const unsigned char key[CURSOR_KEY_BYTES], const char *text, size_t len, struct list_cursor *out)
{
    unsigned char raw[PAYLOAD_BYTES + MAC_BYTES], want[MAC_BYTES];
    size_t raw_len = 0;
    const char *end = NULL;
    if (!text || len != CURSOR_TEXT_LEN || !text_is_base64url(text, len) ||
        sodium_base642bin(raw, sizeof raw, text, len, NULL, &raw_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        raw_len != sizeof raw || end != text + len)
        return -1;
    mac(key, raw, want);
    if (sodium_memcmp(want, raw + PAYLOAD_BYTES, MAC_BYTES) != 0 || raw[0] != CURSOR_VERSION)
        return -1;
    int64_t id = (int64_t)get64(raw + 10);
    if (id < 0)
        return -1;
    *out = (struct list_cursor){.sort = raw[1], .key = (int64_t)get64(raw + 2), .id = id, .tag = get64(raw + 18)};
    return 0;
}
