/*
 * refresh_token.h — the opaque refresh tokens of API.md "Refresh tokens":
 * 32 bytes from the system CSPRNG, written as 43 characters of unpadded
 * base64url.  The server keeps only a hash of a token (BLAKE2b-256, in hex),
 * and each login's line of tokens shares a random family id.
 */
#ifndef ORDERAPI_REFRESH_TOKEN_H
#define ORDERAPI_REFRESH_TOKEN_H

#include <stddef.h>

#define REFRESH_TOKEN_BYTES 32
#define REFRESH_TOKEN_LEN 43  /* base64url of 32 bytes, no padding */
#define REFRESH_HASH_LEN 64   /* hex of the 32-byte hash */
#define REFRESH_FAMILY_LEN 32 /* hex of 16 random bytes */

/* A fresh token; 0, or -1 when libsodium cannot be initialised. */
int refresh_token_new(char token[REFRESH_TOKEN_LEN + 1]);

/* A fresh family id; 0 or -1. */
int refresh_family_new(char family[REFRESH_FAMILY_LEN + 1]);

/* 1 when text (len bytes) has a token's shape: exactly 43 base64url
 * characters whose last one carries no stray bits; 0 otherwise. */
int refresh_token_well_formed(const char *text, size_t len);

/* The stored form of a well-formed token; 0, or -1 for a malformed one. */
int refresh_token_hash(const char *token, size_t len, char hash[REFRESH_HASH_LEN + 1]);

#endif
