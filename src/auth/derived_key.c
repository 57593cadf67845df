/*
 * derived_key.c — per-use keys from the signing key (see derived_key.h).
 */
#include "auth/derived_key.h"

#include <string.h>

#include <sodium.h>

int derived_key(const unsigned char *material, size_t len, const char *context, unsigned char out[DERIVED_KEY_BYTES])
{
    size_t context_len = context ? strlen(context) : 0;
    if (!material || len == 0 || context_len < crypto_generichash_KEYBYTES_MIN ||
        context_len > crypto_generichash_KEYBYTES_MAX || sodium_init() < 0)
        return -1;
    return crypto_generichash(out, DERIVED_KEY_BYTES, material, len, (const unsigned char *)context, context_len) == 0
               ? 0
               : -1;
}
