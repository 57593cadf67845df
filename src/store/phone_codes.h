/*
 * phone_codes.h — the live phone-verification code of each phone, in Redis
 * (key orderapi:pv:<phone>, a hash of {h: the code's keyed hash, t: tries
 * left}, expiring with the code).  Only the hash is ever stored; the caller
 * makes and compares it (auth/phone_code.h).  Each call is one round trip,
 * and each change is atomic (a Lua script), so parallel guesses cannot get
 * more tries than the code has, nor use one code twice.
 */
#ifndef ORDERAPI_PHONE_CODES_H
#define ORDERAPI_PHONE_CODES_H

#include <stddef.h>

struct arena;
struct cache;

/* Stores a code's hash for phone, replacing any earlier code: live for ttl
 * seconds, with tries wrong guesses allowed.  0, or -1 (Redis unreachable
 * or refusing the write). */
int phone_codes_put(struct cache *c, struct arena *a, const char *phone, const char *hash, unsigned tries,
                    unsigned ttl);

/* Forgets phone's code (its message could not be sent). */
void phone_codes_drop(struct cache *c, struct arena *a, const char *phone);

/* The live code's hash: 1 (*hash, *len set; arena memory), 0 when there is
 * none (never sent, expired, used, or killed by wrong guesses), -1 when
 * Redis is unreachable. */
int phone_codes_get(struct cache *c, struct arena *a, const char *phone, const char **hash, size_t *len);

/* Uses the code up: 1 when this call took it, 0 when it was gone already
 * (a parallel request took it, or wrong guesses killed it), -1 unreachable. */
int phone_codes_take(struct cache *c, struct arena *a, const char *phone);

/* Counts a wrong guess: the tries left (0: the code is now dead), -1 when
 * there was no live code, -2 when Redis is unreachable. */
long long phone_codes_wrong_guess(struct cache *c, struct arena *a, const char *phone);

#endif
