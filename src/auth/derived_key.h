/*
 * derived_key.h — keys for the server's own MACs (phone codes, list
 * cursors), derived from the token signing key (the HS256 secret or the
 * private key PEM), so that no further secret needs configuring.  Each use
 * names its own context, so the keys differ: BLAKE2b-256 of the material,
 * keyed with the context.
 */
#ifndef ORDERAPI_DERIVED_KEY_H
#define ORDERAPI_DERIVED_KEY_H

#include <stddef.h>

#define DERIVED_KEY_BYTES 32

/* context: 16 to 64 bytes of text naming the use.  0, or -1 (no material,
 * a context of the wrong length, or libsodium failing). */
int derived_key(const unsigned char *material, size_t len, const char *context,
                unsigned char out[DERIVED_KEY_BYTES]);

#endif
