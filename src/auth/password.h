/*
 * password.h — password hashing with Argon2id (RFC 9106) through libsodium.
 *
 * Hashes are the self-describing PHC strings "$argon2id$v=19$m=...,t=...,p=1$
 * salt$hash", so the cost a hash was made with travels with it and can be
 * compared against the current settings (password_needs_rehash).  A login
 * for an unknown email costs the same as a wrong password: password_verify
 * with hash == NULL runs against a dummy hash, built when first needed (that
 * build is then the request's one Argon2id computation) or ahead of time by
 * password_prepare_dummy().
 */
#ifndef ORDERAPI_AUTH_PASSWORD_H
#define ORDERAPI_AUTH_PASSWORD_H

#include <stddef.h>

/* crypto_pwhash_STRBYTES: room for the hash string and its NUL. */
#define PASSWORD_HASH_MAX 128

/* Longer passwords are refused before hashing (each byte costs Argon2 work
 * in the pre-hash only, but a megabyte "password" is never legitimate). */
#define PASSWORD_MAX_LEN 1024

/*
 * Initializes libsodium; no hashing (cheap: a one-request CGI process calls
 * it).  Idempotent.  Returns 0 or -1.
 */
int password_init(void);

/*
 * password_init() and the dummy hash at the current cost (64 MiB and about
 * a third of a second at the default cost), unless it exists: the
 * pre-forked master calls it once before fork so that every worker inherits
 * it.  Idempotent.  Returns 0 or -1.
 */
int password_prepare_dummy(void);

/* 1 once the dummy hash exists in this process (for tests). */
int password_dummy_ready(void);

/*
 * Sets the Argon2id cost for new hashes (opslimit = passes, memlimit in
 * bytes) and rebuilds the dummy hash at that cost.  The defaults are
 * libsodium's INTERACTIVE limits (2 passes, 64 MiB); tests use smaller ones.
 * Values outside libsodium's argon2id limits are refused.  Returns 0 or -1.
 */
int password_set_cost(unsigned long long opslimit, size_t memlimit);

/*
 * Hashes len bytes of password (any bytes, normally UTF-8) into out as a NUL
 * terminated PHC string.  Returns 0, or -1 when len > PASSWORD_MAX_LEN or
 * hashing fails (out of memory).
 */
int password_hash(const char *password, size_t len, char out[PASSWORD_HASH_MAX]);

/*
 * Returns 0 when password matches hash, -1 otherwise.  hash == NULL means
 * "no such user": the dummy hash is verified anyway, so that an unknown email
 * costs the same as a wrong password, and the result is -1.
 */
int password_verify(const char *hash, const char *password, size_t len);

/*
 * Returns 1 when hash should be replaced by a fresh one (made with other cost
 * settings or another algorithm), 0 when it is current, -1 when hash is not
 * a valid hash string.
 */
int password_needs_rehash(const char *hash);

/* How many Argon2id verifications this process has run (for tests: an
 * unknown email must cost one, exactly like a wrong password). */
unsigned long password_verifications(void);

#endif
