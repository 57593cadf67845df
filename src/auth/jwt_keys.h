/*
 * jwt_keys.h — the token keys a configuration names, loaded and proved
 * before anything serves with them.
 *
 * As nginx does on reload, the master reads the key files and proves them
 * (a token signed with the private key must verify with the public key)
 * before it starts a worker; a bad file is refused with one line naming the
 * setting, and the running workers keep their configuration.  The keys live
 * in struct jwt_config, so the workers inherit them across fork().
 */
#ifndef ORDERAPI_AUTH_JWT_KEYS_H
#define ORDERAPI_AUTH_JWT_KEYS_H

#include <stddef.h>

#include "auth/jwt.h"
#include "config.h"

/*
 * RS256/ES256: reads the PEM files named by private_key_file and
 * public_key_file into jc.  HS256 needs no file (its secret is in jc).
 * 0, or -1 with err naming the setting whose file is missing, unreadable,
 * empty or larger than CONFIG_KEY_MAX; jc's keys are then left empty.
 */
int jwt_keys_read(struct jwt_config *jc, char *err, size_t errlen);

/*
 * Proves the keys (or the secret): issues a token with them and verifies it
 * under jc's settings.  0, or -1 with err naming the setting at fault: the
 * private key when no token can be signed with it (not a PEM key, or not
 * one of jc->alg's type), the public key when it does not verify it.
 */
int jwt_keys_check(const struct jwt_config *jc, char *err, size_t errlen);

/* Token settings pointing into jc (its secret or its keys, its issuer and
 * audience); jc must outlive them.  -1 for RS256/ES256 keys not read. */
int jwt_keys_settings(const struct jwt_config *jc, struct jwt_settings *s);

#endif
