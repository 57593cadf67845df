/*
 * token_cache.h — the tokens this worker has already verified.
 *
 * A token's signature and claims never change, so a byte-for-byte identical
 * token that verified before only needs its expiry checked again; the HMAC,
 * the base64 and the JSON parsing are skipped.  Revocation is never cached:
 * every request still asks the revocation list.  Workers are replaced on a
 * configuration reload, so a changed secret never meets an old entry.
 */
#ifndef ORDERAPI_TOKEN_CACHE_H
#define ORDERAPI_TOKEN_CACHE_H

#include <stdint.h>

struct principal;

#define TOKEN_CACHE_SLOTS 256

/* JWT_OK (0) with *out filled when token was verified before and has not
 * expired (now <= exp + leeway); -1 otherwise. */
int token_cache_lookup(const char *token, int64_t now, unsigned leeway, struct principal *out);
/* Remembers a token that jwt_verify accepted (best effort). */
void token_cache_store(const char *token, const struct principal *p);
/* Forgets every entry (app_release, when a worker or command ends). */
void token_cache_clear(void);

#endif
