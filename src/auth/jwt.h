/*
 * jwt.h — issuing and verifying the API's bearer tokens (RFC 7519 JWTs in
 * JWS compact serialization, RFC 7515 §7.1).
 *
 * Exactly one algorithm is accepted: the configured one.  libjwt 1.10 does
 * the signature arithmetic; everything an attacker can steer before that
 * (token length, shape, base64url, the header and its "alg") is checked
 * here first, and the claims are checked here after it, because libjwt
 * checks none of them strictly enough on its own.
 */
#ifndef ORDERAPI_AUTH_JWT_H
#define ORDERAPI_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth/principal.h"

enum jwt_alg_setting { JWT_SETTING_HS256 = 0, JWT_SETTING_RS256, JWT_SETTING_ES256 };

struct jwt_settings {
    enum jwt_alg_setting alg;
    const unsigned char *sign_key;   /* HS256: the secret; RS/ES: PEM private key */
    size_t sign_key_len;
    const unsigned char *verify_key; /* HS256: the secret; RS/ES: PEM public key */
    size_t verify_key_len;
    const char *issuer;
    const char *audience;
    unsigned ttl;    /* seconds */
    unsigned leeway; /* seconds of clock skew accepted on exp/nbf/iat */
};

/* Longer tokens are refused before any parsing (libjwt copies the token onto
 * the stack with alloca, so a huge one crashes the worker). */
#define JWT_MAX_TOKEN_LEN 4096

enum jwt_result {
    JWT_OK = 0,
    JWT_ERR_MALFORMED = -1, /* too long, bad shape, bad base64url, header/payload not a JSON object,
                               bad "typ", a "crit" header */
    JWT_ERR_ALGORITHM = -2, /* alg not exactly the configured one */
    JWT_ERR_SIGNATURE = -3,
    JWT_ERR_EXPIRED = -4,
    JWT_ERR_CLAIMS = -5,    /* missing/ill-typed exp or jti, wrong iss/aud, nbf/iat in the future,
                               bad sub/role/phone */
    JWT_ERR_INTERNAL = -6,  /* out of memory, library failure, unusable settings */
};

/*
 * Issues a token for p (kind, and user_id for customers and admins or phone
 * for guests).  Fills p->jti (128 random bits from getrandom, as 32 hex
 * characters), p->issued_at = now and p->expires_at = now + ttl.  On JWT_OK
 * *token is a malloc'd string the caller frees; on error *token is NULL.
 */
int jwt_issue(const struct jwt_settings *s, struct principal *p, int64_t now, char **token);

/*
 * Verifies token (signature with the configured algorithm and key, then the
 * claims at time now) and fills *out.  *out is written only on JWT_OK.
 */
int jwt_verify(const struct jwt_settings *s, const char *token, int64_t now, struct principal *out);

/* The header rules on an already-decoded JOSE header: an object whose "alg"
 * is exactly the configured algorithm, "typ" (if any) "JWT", no "crit". */
int jwt_check_header(const json_t *header, const struct jwt_settings *s);

/* The claim rules on an already-decoded claims set (no signature involved);
 * fills *out only on JWT_OK. */
int jwt_check_claims(const json_t *claims, const struct jwt_settings *s, int64_t now,
                     struct principal *out);

/* The contract's error code for a result: "token_expired" for
 * JWT_ERR_EXPIRED, "unauthenticated" for everything else. */
const char *jwt_result_code(int result);

#endif
