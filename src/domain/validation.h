/*
 * validation.h — rules for values clients send, as pure functions.
 * Each returns NULL when the value is acceptable, or a stable error code
 * ("invalid_email", "too_short", ...) for the 422 errors array.
 */
#ifndef ORDERAPI_VALIDATION_H
#define ORDERAPI_VALIDATION_H

#include <stddef.h>

#define EMAIL_MAX 254
#define PASSWORD_MIN_CHARS 10
#define PASSWORD_MAX_BYTES 1024
#define FULL_NAME_MAX_CHARS 200

/* Number of Unicode code points in valid UTF-8 s[0..len). */
size_t utf8_length(const char *s, size_t len);

/* A practical address check (RFC 5321 limits): one '@', a non-empty local
 * part of printable ASCII without spaces, a domain of dot-separated labels
 * of letters, digits and '-', with at least one dot; at most 254 bytes. */
const char *validate_email(const char *email);
/* Copies email into out (size EMAIL_MAX + 1) in lower case: addresses are
 * unique without regard to case. */
void email_normalize(const char *email, char *out);
/* At least 10 characters (code points), at most 1024 bytes. */
const char *validate_password(const char *password, size_t len);
/* 1..200 characters, no control characters. */
const char *validate_full_name(const char *name, size_t len);
/* E.164: '+', then 8 to 15 digits, the first not 0. */
const char *validate_phone(const char *phone);

/* 1 when the n bytes are all of base64url's alphabet (A-Z a-z 0-9 - _).
 * Checked before libsodium decodes: its decoder (1.0.18) reads a byte
 * over 0x7f as if it were '_', so without this one value would have more
 * than one spelling. */
int text_is_base64url(const char *s, size_t n);

#endif
