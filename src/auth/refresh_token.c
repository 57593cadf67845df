/*
 * refresh_token.c — making, checking and hashing refresh tokens (see
 * refresh_token.h).
 */
#include "auth/refresh_token.h"

#include "domain/validation.h"

#include <string.h>

#include <sodium.h>

static int sodium_ready(void)
{
    return sodium_init() >= 0 ? 0 : -1;
}

int refresh_token_new(char token[REFRESH_TOKEN_LEN + 1])
{
    if (sodium_ready() != 0)
        return -1;
    unsigned char raw[REFRESH_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, REFRESH_TOKEN_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

int refresh_family_new(char family[REFRESH_FAMILY_LEN + 1])
{
    if (sodium_ready() != 0)
        return -1;
    unsigned char raw[REFRESH_FAMILY_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(family, REFRESH_FAMILY_LEN + 1, raw, sizeof raw);
    return 0;
}

int refresh_token_well_formed(const char *text, size_t len)
{
    if (!text || len != REFRESH_TOKEN_LEN || !text_is_base64url(text, len))
        return 0;
    unsigned char raw[REFRESH_TOKEN_BYTES];
    size_t raw_len = 0;
    const char *end = NULL;
    /* libsodium refuses characters outside the alphabet and (with no
     * padding) a last character whose unused low bits are set. */
    if (sodium_base642bin(raw, sizeof raw, text, len, NULL, &raw_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return 0;
    return raw_len == REFRESH_TOKEN_BYTES && end == text + len;
}

int refresh_token_hash(const char *token, size_t len, char hash[REFRESH_HASH_LEN + 1])
{
    if (!refresh_token_well_formed(token, len) || sodium_ready() != 0)
        return -1;
    unsigned char digest[REFRESH_HASH_LEN / 2];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)token, len, NULL, 0);
    sodium_bin2hex(hash, REFRESH_HASH_LEN + 1, digest, sizeof digest);
    return 0;
}
