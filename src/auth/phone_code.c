/*
 * phone_code.c — making, hashing and comparing phone codes (see
 * phone_code.h).
 */
#include "auth/phone_code.h"

#include "auth/derived_key.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

/* The context of the key derivation (auth/derived_key.h). */
static const char KEY_CONTEXT[] = "orderapi phone codes, v1";

int phone_code_new(char code[PHONE_CODE_DIGITS + 1])
{
    if (sodium_init() < 0)
        return -1;
    uint32_t n = randombytes_uniform(1000000); /* no modulo bias */
    snprintf(code, PHONE_CODE_DIGITS + 1, "%06u", (unsigned)n);
    return 0;
}

int phone_code_well_formed(const char *text, size_t len)
{
    if (!text || len != PHONE_CODE_DIGITS)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return 0;
    return 1;
}

int phone_code_key(const unsigned char *material, size_t len, unsigned char key[PHONE_CODE_KEY_BYTES])
{
    _Static_assert(PHONE_CODE_KEY_BYTES == DERIVED_KEY_BYTES, "one key size");
    return derived_key(material, len, KEY_CONTEXT, key);
}

int phone_code_hash(const unsigned char key[PHONE_CODE_KEY_BYTES], const char *phone, const char *code,
                    char out[PHONE_CODE_HASH_LEN + 1])
{
    if (sodium_init() < 0)
        return -1;
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, PHONE_CODE_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)phone, strlen(phone));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)code, strlen(code));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, PHONE_CODE_HASH_LEN + 1, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
    return 0;
}

int phone_code_hash_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (!a || !b || a_len != PHONE_CODE_HASH_LEN || b_len != PHONE_CODE_HASH_LEN)
        return 0;
    return sodium_memcmp(a, b, PHONE_CODE_HASH_LEN) == 0;
}
