/*
 * phone_code.h — the one-time codes that prove a phone number (API.md
 * "Guest orders by phone"): six digits from the system CSPRNG, kept only as
 * a keyed hash (HMAC-SHA-256 over the phone and the code, with a key derived
 * from the server's token signing key), compared in constant time.
 */
#ifndef ORDERAPI_PHONE_CODE_H
#define ORDERAPI_PHONE_CODE_H

#include <stddef.h>

#define PHONE_CODE_DIGITS 6
#define PHONE_CODE_KEY_BYTES 32
#define PHONE_CODE_HASH_LEN 64 /* hex of HMAC-SHA-256 */

/* A fresh code, 000000 to 999999, every one equally likely; 0 or -1. */
int phone_code_new(char code[PHONE_CODE_DIGITS + 1]);

/* 1 when text (len bytes) is exactly six ASCII digits; 0 otherwise. */
int phone_code_well_formed(const char *text, size_t len);

/* The key codes are hashed with, derived from secret material (the token
 * signing key: the HS256 secret or the private key PEM) so that no extra
 * secret needs configuring; 0 or -1 (no material). */
int phone_code_key(const unsigned char *material, size_t len, unsigned char key[PHONE_CODE_KEY_BYTES]);

/* The stored form of a code sent to phone; 0 or -1 (libsodium). */
int phone_code_hash(const unsigned char key[PHONE_CODE_KEY_BYTES], const char *phone, const char *code,
                    char out[PHONE_CODE_HASH_LEN + 1]);

/* 1 when the two stored forms are equal, compared in constant time; 0 when
 * not or when either is not PHONE_CODE_HASH_LEN long. */
int phone_code_hash_equal(const char *a, size_t a_len, const char *b, size_t b_len);

#endif
