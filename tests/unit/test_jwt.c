/*
 * test_jwt.c — bearer tokens: issue/verify round trips for every role and
 * algorithm, the claim rules one by one, header pinning, the length cap,
 * strict shape and base64url (libjwt itself accepts junk inside RS256/ES256
 * signatures), wrong keys, and the algorithm confusions libjwt allows.
 *
 * Tokens that jwt_issue() cannot produce are built by hand: base64url via
 * libsodium and HMAC-SHA256 via crypto_auth_hmacsha256, or minted with
 * libjwt directly when another algorithm is needed.
 *
 * Links: src/auth/jwt.c src/auth/principal.c; jansson, libjwt, libsodium, cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <sodium.h>

#include "auth/jwt.h"

#define NOW INT64_C(1800000000)
#define TTL 900u
#define LEEWAY 30u

static const char hs_secret[] = "unit-test-secret-0123456789abcdef-0123456789";
static const char other_secret[] = "another-secret-0123456789abcdef-0123456789xx";

/* Test-only key pairs (generated with openssl genpkey for this file). */
static const char rsa_private_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCuZ1FtbyLaVtlc\n"
    "i15+y3JzAbtSiW9LxLdGjEV1IRPBkz930KOKiBw2mj+c3qmPUCwLCaF/LLzV4iTA\n"
    "S8/P/Yh3NX3u17SJUsvR9lSESJXRrRPOxu9z2XgPQkBMvlb+p2aNsc+hhQm29nC0\n"
    "RhJ9kVjsdUlkesOyMXVygGJCHE8k8sWVjqARug2ddHeIl3JbzqgxHBX4oCFq8E+x\n"
    "7QMBSx76q+YoHQnZ4x6MT3APbFaD9Mpcu1L6awfLPAryEbgJewW+VgYxID37RS10\n"
    "0ET8+U/e3m3VYtn/yMVL9jh7DERZ543ltNwsIUU5n8kjXqrR8fXdS+wQRcgquPJI\n"
    "poWf19MVAgMBAAECggEADF1x5f7fqzhGH+wXroixHBtO0yrAU9BmKB/Q2t2V/373\n"
    "nICT38IHsg1cnjwhLHKENOIha5lZ6BYpAeM+ICJ7FuyZeaIcgDH5FnFPC7Pzv1J0\n"
    "mY/8MSwFeZt6YJaMJ3Dp8fjd3jdG+YxecEGZlQKFmfo00mVr04nzKEOW89X6/IUF\n"
    "nhh55WrelIWj8p9ryJ2kgCbqfGUozAqRt8gsufzT3UWJ0WCFdVMK4rM0YBLE7sCn\n"
    "c3VuAyDBSyNVsV2CcigSooGI5oRz+4ppXankgSyoD4bhuPk9WnNGNFseQO9OJzq/\n"
    "ThHxXOunob+yo0Pb0i/6bIxgusLPgj/T9GtcEF/coQKBgQDznIM8xiOH39xMrNM0\n"
    "OV7fDmPCsmM9ZoNcWnHGuI9wtUtfyZFZDv7KmuTwknaLjnhXzt2RQKf+qy9zgKiE\n"
    "80fwcdJT41aPopxFidI4sNg5vkG7wo+lZE9IzbbpUUCr/P+X2/5nG7BbDiXbf5Y4\n"
    "+qAGcxAg24FUhhcfF9adbOnGRQKBgQC3RdCE4bU16eD6OPCZevqQbSiE5eVVcoNj\n"
    "OIYWuk8YoHt9M1wf+7TL9GLc+Cwy8zHkdRR3yN7rDJDicbPrSdms1X/YURL1K+2k\n"
    "cx5TF0/ERfhHFikNrA0a/rYr0Ra2cWgxfuoHtSzCUFEb5O7siR+ZfhQqPN06zx6a\n"
    "u2MKLgfOkQKBgCm03fMFqQeWF804uV/zgn6FpCatC7hzWIHzKg9vgX82SpU3mR66\n"
    "JnzhT9iv+oOh/JBr5hr8Csba3+DSYgeA7wwHMI8UGLm2iTKOieMSw7H/FJnkkVsr\n"
    "dTdtoKcJNh07zzZcf41/fA3aujh9+2X94m+4O0akzdt+qW61UhTZlJxRAoGAKRJl\n"
    "Q5JNiPKL76eZC9xKkNlVrkrTFU4fcbn2GtvP5AX7Brje2XAQOXDgQwL+7MAhm0A9\n"
    "wQZsJqLfSVAP8RfQx3HlP7YTmIwqqqL91cMwphzEIjIuKxk2qqkQbEtkWqiZoBYA\n"
    "HpAUostbEfRBMxMb2Msve7O+JHLMOgLqlBpyt3ECgYEA4q0Wr55yG7lJHBfxwPpj\n"
    "ZszrdVpXxmta5wQmhALuDyjOehXVhOPqLuFW9H4CFc3jnVWENg3nTOtD7D0z3pcI\n"
    "dVdl7G0PQl1aWrqobd8OzDQpp++iLbj8cL27NTr5GqRP3oiIXxG4r93rbwmlMq22\n"
    "xX/Ng7UBRpKRIPpiIn3gM8A=\n"
    "-----END PRIVATE KEY-----\n";

static const char rsa_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArmdRbW8i2lbZXItefsty\n"
    "cwG7UolvS8S3RoxFdSETwZM/d9CjiogcNpo/nN6pj1AsCwmhfyy81eIkwEvPz/2I\n"
    "dzV97te0iVLL0fZUhEiV0a0Tzsbvc9l4D0JATL5W/qdmjbHPoYUJtvZwtEYSfZFY\n"
    "7HVJZHrDsjF1coBiQhxPJPLFlY6gEboNnXR3iJdyW86oMRwV+KAhavBPse0DAUse\n"
    "+qvmKB0J2eMejE9wD2xWg/TKXLtS+msHyzwK8hG4CXsFvlYGMSA9+0UtdNBE/PlP\n"
    "3t5t1WLZ/8jFS/Y4ewxEWeeN5bTcLCFFOZ/JI16q0fH13UvsEEXIKrjySKaFn9fT\n"
    "FQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

static const char ec_private_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaloRgy0jMs0myRpx\n"
    "UpmUqtAo72evODZhglFJGZ2n3gahRANCAARJoUoVKDblakqWPAyTbYv6FQrzNTj9\n"
    "/+RfocCPmOu3Cu2eECxaBNUFijBCje5G5tIWLhvDj82jpiy6L62VvkmU\n"
    "-----END PRIVATE KEY-----\n";

static const char ec_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESaFKFSg25WpKljwMk22L+hUK8zU4\n"
    "/f/kX6HAj5jrtwrtnhAsWgTVBYowQo3uRubSFi4bw4/No6Ysui+tlb5JlA==\n"
    "-----END PUBLIC KEY-----\n";

/* ---- fixtures ----------------------------------------------------------- */

static struct jwt_settings hs_settings(void)
{
    struct jwt_settings s = {
        .alg = JWT_SETTING_HS256,
        .sign_key = (const unsigned char *)hs_secret,
        .sign_key_len = sizeof(hs_secret) - 1,
        .verify_key = (const unsigned char *)hs_secret,
        .verify_key_len = sizeof(hs_secret) - 1,
        .issuer = "orderapi",
        .audience = "orderapi",
        .ttl = TTL,
        .leeway = LEEWAY,
    };
    return s;
}

static struct jwt_settings rs_settings(void)
{
    struct jwt_settings s = hs_settings();

    s.alg = JWT_SETTING_RS256;
    s.sign_key = (const unsigned char *)rsa_private_pem;
    s.sign_key_len = sizeof(rsa_private_pem) - 1;
    s.verify_key = (const unsigned char *)rsa_public_pem;
    s.verify_key_len = sizeof(rsa_public_pem) - 1;
    return s;
}

static struct jwt_settings es_settings(void)
{
    struct jwt_settings s = hs_settings();

    s.alg = JWT_SETTING_ES256;
    s.sign_key = (const unsigned char *)ec_private_pem;
    s.sign_key_len = sizeof(ec_private_pem) - 1;
    s.verify_key = (const unsigned char *)ec_public_pem;
    s.verify_key_len = sizeof(ec_public_pem) - 1;
    return s;
}

static struct principal customer(int64_t user_id)
{
    struct principal p;

    memset(&p, 0, sizeof(p));
    p.kind = PRINCIPAL_CUSTOMER;
    p.user_id = user_id;
    return p;
}

/* A malloc'd unpadded base64url encoding of data. */
static char *b64url(const void *data, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);

    assert_non_null(out);
    sodium_bin2base64(out, cap, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* A malloc'd token "b64(header).b64(payload).b64(HMAC-SHA256(key, signing input))". */
static char *hand_token(const char *header, const char *payload, const char *key)
{
    char *h = b64url(header, strlen(header));
    char *p = b64url(payload, strlen(payload));
    size_t input_len = strlen(h) + 1 + strlen(p);
    char *input = malloc(input_len + 1);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    char *sig;
    char *token;

    assert_non_null(input);
    snprintf(input, input_len + 1, "%s.%s", h, p);
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)input, input_len);
    crypto_auth_hmacsha256_final(&state, mac);
    sig = b64url(mac, sizeof(mac));
    token = malloc(input_len + 1 + strlen(sig) + 1);
    assert_non_null(token);
    sprintf(token, "%s.%s", input, sig);
    free(h);
    free(p);
    free(input);
    free(sig);
    return token;
}

/* Valid customer claims at NOW (a new reference). */
static json_t *valid_claims(void)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "sub", "42", "role", "customer",
                          "jti", "0123456789abcdef0123456789abcdef", "iss", "orderapi", "aud",
                          "orderapi", "iat", (json_int_t)(NOW - 10), "exp", (json_int_t)(NOW + 600));

    assert_non_null(c);
    return c;
}

static json_t *with(json_t *claims, const char *key, json_t *value)
{
    assert_non_null(value);
    assert_int_equal(json_object_set_new(claims, key, value), 0);
    return claims;
}

static json_t *without(json_t *claims, const char *key)
{
    assert_int_equal(json_object_del(claims, key), 0);
    return claims;
}

/* jwt_check_claims on claims (consumed) with the HS settings at NOW. */
static int check(json_t *claims)
{
    struct jwt_settings s = hs_settings();
    struct principal p;
    int rc = jwt_check_claims(claims, &s, NOW, &p);

    json_decref(claims);
    return rc;
}

/* An HS256 token signed with the right secret over claims (consumed). */
static char *hs_token_for(const char *header, json_t *claims)
{
    char *payload = json_dumps(claims, JSON_COMPACT);
    char *token;

    assert_non_null(payload);
    token = hand_token(header, payload, hs_secret);
    free(payload);
    json_decref(claims);
    return token;
}

static int verify_hs(const char *token)
{
    struct jwt_settings s = hs_settings();
    struct principal p;

    return jwt_verify(&s, token, NOW, &p);
}

/* A copy of token with the character c inserted at offset at. */
static char *insert_char(const char *token, size_t at, char c)
{
    size_t len = strlen(token);
    char *out = malloc(len + 2);

    assert_non_null(out);
    memcpy(out, token, at);
    out[at] = c;
    memcpy(out + at + 1, token + at, len - at + 1);
    return out;
}

/* ---- round trips ---------------------------------------------------------- */

static void assert_round_trip(const struct jwt_settings *s, struct principal *p)
{
    char *token = NULL;
    struct principal got;

    assert_int_equal(jwt_issue(s, p, NOW, &token), JWT_OK);
    assert_non_null(token);
    assert_int_equal(strlen(p->jti), 32);
    assert_int_equal(strspn(p->jti, "0123456789abcdef"), 32);
    assert_int_equal(p->issued_at, NOW);
    assert_int_equal(p->expires_at, NOW + TTL);

    memset(&got, 0x5a, sizeof(got));
    assert_int_equal(jwt_verify(s, token, NOW, &got), JWT_OK);
    assert_int_equal(got.kind, p->kind);
    assert_int_equal(got.user_id, p->user_id);
    assert_string_equal(got.jti, p->jti);
    assert_int_equal(got.issued_at, NOW);
    assert_int_equal(got.expires_at, NOW + TTL);
    if (p->kind == PRINCIPAL_GUEST)
        assert_string_equal(got.phone, p->phone);
    else
        assert_string_equal(got.phone, "");
    free(token);
}

static void test_round_trip_customer(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p = customer(42);

    (void)state;
    assert_round_trip(&s, &p);
}

static void test_round_trip_admin(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p = customer(INT64_MAX);

    (void)state;
    p.kind = PRINCIPAL_ADMIN;
    assert_round_trip(&s, &p);
}

static void test_round_trip_guest(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p = customer(0);

    (void)state;
    p.kind = PRINCIPAL_GUEST;
    strcpy(p.phone, "+14155550123");
    assert_round_trip(&s, &p);
}

static void test_round_trip_rs256(void **state)
{
    struct jwt_settings s = rs_settings();
    struct principal p = customer(7);

    (void)state;
    assert_round_trip(&s, &p);
}

static void test_round_trip_es256(void **state)
{
    struct jwt_settings s = es_settings();
    struct principal p = customer(7);

    (void)state;
    p.kind = PRINCIPAL_ADMIN;
    assert_round_trip(&s, &p);
}

/* Two tokens for the same user get different jtis. */
static void test_issue_fresh_jti(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal a = customer(1), b = customer(1);
    char *ta = NULL, *tb = NULL;

    (void)state;
    assert_int_equal(jwt_issue(&s, &a, NOW, &ta), JWT_OK);
    assert_int_equal(jwt_issue(&s, &b, NOW, &tb), JWT_OK);
    assert_string_not_equal(a.jti, b.jti);
    assert_string_not_equal(ta, tb);
    free(ta);
    free(tb);
}

/* A principal or settings jwt_issue cannot sign for is an internal error. */
static void test_issue_refuses_bad_input(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p = customer(0);
    char *token = (char *)"sentinel";

    (void)state;
    assert_int_equal(jwt_issue(&s, &p, NOW, &token), JWT_ERR_INTERNAL);
    assert_null(token);
    p = customer(-5);
    assert_int_equal(jwt_issue(&s, &p, NOW, &token), JWT_ERR_INTERNAL);
    p = customer(0);
    p.kind = PRINCIPAL_GUEST;
    strcpy(p.phone, "555-1234");
    assert_int_equal(jwt_issue(&s, &p, NOW, &token), JWT_ERR_INTERNAL);
    p = customer(3);
    s.ttl = 0;
    assert_int_equal(jwt_issue(&s, &p, NOW, &token), JWT_ERR_INTERNAL);
    s = hs_settings();
    s.sign_key_len = 0;
    assert_int_equal(jwt_issue(&s, &p, NOW, &token), JWT_ERR_INTERNAL);
    s = hs_settings();
    assert_int_equal(jwt_issue(&s, &p, INT64_MAX - 10, &token), JWT_ERR_INTERNAL);
    assert_null(token);
}

/* exp + leeway is the last accepted second, end to end. */
static void test_verify_expiry_end_to_end(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p = customer(9), got;
    char *token = NULL;

    (void)state;
    assert_int_equal(jwt_issue(&s, &p, NOW, &token), JWT_OK);
    assert_int_equal(jwt_verify(&s, token, NOW + TTL + LEEWAY, &got), JWT_OK);
    assert_int_equal(jwt_verify(&s, token, NOW + TTL + LEEWAY + 1, &got), JWT_ERR_EXPIRED);
    /* Issued in the future beyond the leeway (iat > now + leeway). */
    assert_int_equal(jwt_verify(&s, token, NOW - LEEWAY - 1, &got), JWT_ERR_CLAIMS);
    free(token);
}

/* A token from a plain libjwt caller (as any standard library would make
 * it: aud as an array, extra claims, nbf) is accepted. */
static void test_verify_foreign_libjwt_token(void **state)
{
    jwt_t *jwt = NULL;
    char *token;
    struct principal got;

    (void)state;
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)hs_secret,
                                 (int)sizeof(hs_secret) - 1), 0);
    assert_int_equal(jwt_add_grants_json(jwt, "{\"sub\":\"77\",\"role\":\"admin\",\"jti\":\"uuid-1\","
                                              "\"iss\":\"orderapi\",\"aud\":[\"web\",\"orderapi\"],"
                                              "\"nbf\":1799999990,\"exp\":1800000500,\"extra\":{}}"),
                     0);
    token = jwt_encode_str(jwt);
    assert_non_null(token);
    {
        struct jwt_settings s = hs_settings();

        assert_int_equal(jwt_verify(&s, token, NOW, &got), JWT_OK);
    }
    assert_int_equal(got.kind, PRINCIPAL_ADMIN);
    assert_int_equal(got.user_id, 77);
    assert_string_equal(got.jti, "uuid-1");
    assert_int_equal(got.issued_at, 0);
    assert_int_equal(got.expires_at, 1800000500);
    free(token);
    jwt_free(jwt);
}

/* ---- claims, one rule at a time ------------------------------------------- */

static void test_claims_valid_baseline(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p;
    json_t *c = valid_claims();

    (void)state;
    assert_int_equal(jwt_check_claims(c, &s, NOW, &p), JWT_OK);
    assert_int_equal(p.kind, PRINCIPAL_CUSTOMER);
    assert_int_equal(p.user_id, 42);
    assert_string_equal(p.jti, "0123456789abcdef0123456789abcdef");
    assert_int_equal(p.issued_at, NOW - 10);
    assert_int_equal(p.expires_at, NOW + 600);
    json_decref(c);
    assert_int_equal(check(json_array()), JWT_ERR_CLAIMS);
}

static void test_claims_exp(void **state)
{
    (void)state;
    assert_int_equal(check(without(valid_claims(), "exp")), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "exp", json_string("1800000600"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "exp", json_real(1800000600.5))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "exp", json_real(1800000600.0))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "exp", json_true())), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "exp", json_null())), JWT_ERR_CLAIMS);
    /* Beyond the leeway: expired.  Within it (and at its last second): fine. */
    assert_int_equal(check(with(valid_claims(), "exp", json_integer(NOW - LEEWAY - 1))),
                     JWT_ERR_EXPIRED);
    assert_int_equal(check(with(valid_claims(), "exp", json_integer(NOW - LEEWAY))), JWT_OK);
    assert_int_equal(check(with(valid_claims(), "exp", json_integer(NOW - 1))), JWT_OK);
    assert_int_equal(check(with(valid_claims(), "exp", json_integer(INT64_MIN))), JWT_ERR_EXPIRED);
    /* exp + leeway saturates instead of overflowing. */
    assert_int_equal(check(with(valid_claims(), "exp", json_integer(INT64_MAX))), JWT_OK);
}

/* A structurally bad claim wins over expiry: "token_expired" is only said of
 * a token that would otherwise be good. */
static void test_claims_structure_before_expiry(void **state)
{
    json_t *c = with(valid_claims(), "exp", json_integer(NOW - 3600));

    (void)state;
    assert_int_equal(check(with(c, "iss", json_string("evil"))), JWT_ERR_CLAIMS);
}

static void test_claims_jti(void **state)
{
    char long_jti[PRINCIPAL_JTI_MAX + 2];

    (void)state;
    assert_int_equal(check(without(valid_claims(), "jti")), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "jti", json_string(""))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "jti", json_integer(12345))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "jti", json_string("has space"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "jti", json_string("tab\there"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "jti", json_string("caf\xc3\xa9"))), JWT_ERR_CLAIMS);
    memset(long_jti, 'a', PRINCIPAL_JTI_MAX + 1);
    long_jti[PRINCIPAL_JTI_MAX + 1] = '\0';
    assert_int_equal(check(with(valid_claims(), "jti", json_string(long_jti))), JWT_ERR_CLAIMS);
    long_jti[PRINCIPAL_JTI_MAX] = '\0';
    assert_int_equal(check(with(valid_claims(), "jti", json_string(long_jti))), JWT_OK);
    assert_int_equal(check(with(valid_claims(), "jti", json_string("x"))), JWT_OK);
}

static void test_claims_iss(void **state)
{
    (void)state;
    assert_int_equal(check(without(valid_claims(), "iss")), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "iss", json_string("other"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "iss", json_string("OrderAPI"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "iss", json_string("orderapi "))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "iss", json_pack("[s]", "orderapi"))),
                     JWT_ERR_CLAIMS);
}

static void test_claims_aud(void **state)
{
    (void)state;
    assert_int_equal(check(without(valid_claims(), "aud")), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "aud", json_string("billing"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "aud", json_pack("[ss]", "billing", "orderapi"))),
                     JWT_OK);
    assert_int_equal(check(with(valid_claims(), "aud", json_pack("[s]", "billing"))),
                     JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "aud", json_array())), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "aud", json_pack("[si]", "orderapi", 1))),
                     JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "aud", json_integer(1))), JWT_ERR_CLAIMS);
}

static void test_claims_nbf(void **state)
{
    (void)state;
    assert_int_equal(check(with(valid_claims(), "nbf", json_integer(NOW + LEEWAY + 1))),
                     JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "nbf", json_integer(NOW + LEEWAY))), JWT_OK);
    assert_int_equal(check(with(valid_claims(), "nbf", json_integer(NOW - 100))), JWT_OK);
    assert_int_equal(check(with(valid_claims(), "nbf", json_string("1"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "nbf", json_real(1.5))), JWT_ERR_CLAIMS);
}

static void test_claims_iat(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p;
    json_t *c;

    (void)state;
    assert_int_equal(check(with(valid_claims(), "iat", json_integer(NOW + LEEWAY + 1))),
                     JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "iat", json_integer(NOW + LEEWAY))), JWT_OK);
    assert_int_equal(check(with(valid_claims(), "iat", json_string("1799999990"))),
                     JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "iat", json_real(1799999990.0))), JWT_ERR_CLAIMS);
    /* iat is optional; then issued_at is 0. */
    c = without(valid_claims(), "iat");
    assert_int_equal(jwt_check_claims(c, &s, NOW, &p), JWT_OK);
    assert_int_equal(p.issued_at, 0);
    json_decref(c);
}

static void test_claims_role(void **state)
{
    (void)state;
    assert_int_equal(check(without(valid_claims(), "role")), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "role", json_string("superuser"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "role", json_string("Admin"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "role", json_string("admin "))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "role", json_string(""))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "role", json_integer(2))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "role", json_pack("[s]", "admin"))), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "role", json_string("admin"))), JWT_OK);
}

static void test_claims_sub(void **state)
{
    static const char *const bad[] = {
        "", "abc", "0", "007", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10",
        "9223372036854775808", "99999999999999999999", "18446744073709551617",
    };
    struct jwt_settings s = hs_settings();
    struct principal p;
    json_t *c;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = with(valid_claims(), "sub", json_string(bad[i]));
        assert_int_equal(jwt_check_claims(c, &s, NOW, &p), JWT_ERR_CLAIMS);
        json_decref(c);
    }
    assert_int_equal(check(without(valid_claims(), "sub")), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(valid_claims(), "sub", json_integer(42))), JWT_ERR_CLAIMS);
    c = with(valid_claims(), "sub", json_string("9223372036854775807"));
    assert_int_equal(jwt_check_claims(c, &s, NOW, &p), JWT_OK);
    assert_int_equal(p.user_id, INT64_MAX);
    json_decref(c);
    c = with(valid_claims(), "sub", json_string("1"));
    assert_int_equal(jwt_check_claims(c, &s, NOW, &p), JWT_OK);
    assert_int_equal(p.user_id, 1);
    json_decref(c);
}

static json_t *guest_claims(const char *phone)
{
    json_t *c = with(without(valid_claims(), "sub"), "role", json_string("guest"));

    if (phone != NULL)
        c = with(c, "phone", json_string(phone));
    return c;
}

static void test_claims_guest_phone(void **state)
{
    static const char *const bad[] = {
        "", "+", "14155550123", "+0155550123", "+1234567", "+1234567890123456",
        "+1 4155550123", "+1415555012a", "++14155550123", "+1-415-555-0123",
    };
    struct jwt_settings s = hs_settings();
    struct principal p;
    json_t *c;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = guest_claims(bad[i]);
        assert_int_equal(jwt_check_claims(c, &s, NOW, &p), JWT_ERR_CLAIMS);
        json_decref(c);
    }
    assert_int_equal(check(guest_claims(NULL)), JWT_ERR_CLAIMS);
    assert_int_equal(check(with(guest_claims(NULL), "phone", json_integer(14155550123))),
                     JWT_ERR_CLAIMS);
    assert_int_equal(check(guest_claims("+12345678")), JWT_OK);        /* 8 digits */
    assert_int_equal(check(guest_claims("+123456789012345")), JWT_OK); /* 15 digits */
    /* sub is ignored for a guest, and user_id stays 0. */
    c = with(guest_claims("+4915112345678"), "sub", json_string("not-a-number"));
    assert_int_equal(jwt_check_claims(c, &s, NOW, &p), JWT_OK);
    assert_int_equal(p.kind, PRINCIPAL_GUEST);
    assert_int_equal(p.user_id, 0);
    assert_string_equal(p.phone, "+4915112345678");
    json_decref(c);
}

/* ---- header pinning --------------------------------------------------------- */

static int header_result(const char *header_text, const struct jwt_settings *s)
{
    json_error_t error;
    json_t *header = json_loads(header_text, 0, &error);
    int rc;

    assert_non_null(header);
    rc = jwt_check_header(header, s);
    json_decref(header);
    return rc;
}

static void test_header_rules(void **state)
{
    struct jwt_settings hs = hs_settings();
    struct jwt_settings rs = rs_settings();

    (void)state;
    assert_int_equal(header_result("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", &hs), JWT_OK);
    assert_int_equal(header_result("{\"alg\":\"HS256\"}", &hs), JWT_OK);
    assert_int_equal(header_result("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", &hs), JWT_OK);
    assert_int_equal(header_result("{\"alg\":\"HS256\",\"kid\":\"k1\"}", &hs), JWT_OK);
    assert_int_equal(header_result("{\"alg\":\"none\"}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":\"NoNe\"}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":\"HS512\"}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":\"hs256\"}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":\"HS256 \"}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":\"RS256\"}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":\"HS256\"}", &rs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":\"RS256\"}", &rs), JWT_OK);
    assert_int_equal(header_result("{\"typ\":\"JWT\"}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":null}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":[\"HS256\"]}", &hs), JWT_ERR_ALGORITHM);
    assert_int_equal(header_result("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", &hs), JWT_ERR_MALFORMED);
    assert_int_equal(header_result("{\"alg\":\"HS256\",\"crit\":[]}", &hs), JWT_ERR_MALFORMED);
    assert_int_equal(header_result("{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", &hs), JWT_ERR_MALFORMED);
    assert_int_equal(header_result("{\"alg\":\"HS256\",\"typ\":1}", &hs), JWT_ERR_MALFORMED);
    assert_int_equal(header_result("{\"alg\":\"HS256\",\"typ\":\"JWS\"}", &hs), JWT_ERR_MALFORMED);
    assert_int_equal(header_result("[\"HS256\"]", &hs), JWT_ERR_MALFORMED);
}

/* The same rules reached through jwt_verify with correctly signed tokens. */
static void test_header_pinning_end_to_end(void **state)
{
    static const struct {
        const char *header;
        int expected;
    } cases[] = {
        {"{\"alg\":\"HS256\",\"typ\":\"JWT\"}", JWT_OK},
        {"{\"alg\":\"none\",\"typ\":\"JWT\"}", JWT_ERR_ALGORITHM},
        {"{\"alg\":\"NoNe\"}", JWT_ERR_ALGORITHM},
        {"{\"alg\":\"hs256\"}", JWT_ERR_ALGORITHM},
        {"{\"alg\":\"HS512\"}", JWT_ERR_ALGORITHM},
        {"{\"typ\":\"JWT\"}", JWT_ERR_ALGORITHM},
        {"{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}", JWT_ERR_MALFORMED},
        {"{\"alg\":\"HS256\",\"alg\":\"HS256\"}", JWT_ERR_MALFORMED},
        {"{\"alg\":\"none\",\"alg\":\"HS256\"}", JWT_ERR_MALFORMED},
        {"{\"alg\":\"HS256\"", JWT_ERR_MALFORMED},
        {"\"HS256\"", JWT_ERR_MALFORMED},
        {"{\"alg\":\"HS256\"} x", JWT_ERR_MALFORMED},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *token = hs_token_for(cases[i].header, valid_claims());

        assert_int_equal(verify_hs(token), cases[i].expected);
        free(token);
    }
}


/* An unsigned token: with an empty signature segment it is not even the
 * right shape; with a dummy signature its "none" is refused before libjwt. */
static void test_alg_none_unsigned(void **state)
{
    json_t *claims = valid_claims();
    char *payload_text = json_dumps(claims, JSON_COMPACT);
    char *h = b64url("{\"alg\":\"none\"}", 14);
    char *p = b64url(payload_text, strlen(payload_text));
    char token[2048];

    (void)state;
    snprintf(token, sizeof(token), "%s.%s.", h, p);
    assert_int_equal(verify_hs(token), JWT_ERR_MALFORMED);
    snprintf(token, sizeof(token), "%s.%s.AAAA", h, p);
    assert_int_equal(verify_hs(token), JWT_ERR_ALGORITHM);
    free(h);
    free(p);
    free(payload_text);
    json_decref(claims);
}

/* ---- length cap --------------------------------------------------------------- */

/* Finds a correctly signed token of exactly want bytes by padding a claim
 * and the header's whitespace; returns NULL if none was found. */
static char *signed_token_of_length(size_t want)
{
    static const char *const headers[] = {
        "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS256\", \"typ\":\"JWT\"}",
        "{\"alg\":\"HS256\",  \"typ\":\"JWT\"}",
    };

    for (size_t h = 0; h < 3; h++) {
        for (size_t pad = want * 3 / 4 - 300; pad < want * 3 / 4; pad++) {
            char *filler = malloc(pad + 1);
            char *token;

            assert_non_null(filler);
            memset(filler, 'x', pad);
            filler[pad] = '\0';
            token = hs_token_for(headers[h], with(valid_claims(), "pad", json_string(filler)));
            free(filler);
            if (strlen(token) == want)
                return token;
            free(token);
        }
    }
    return NULL;
}

static void test_length_cap(void **state)
{
    char *token;
    char *huge;
    size_t huge_len = 200 * 1024;

    (void)state;
    token = signed_token_of_length(JWT_MAX_TOKEN_LEN);
    assert_non_null(token);
    assert_int_equal(verify_hs(token), JWT_OK);
    free(token);
    token = signed_token_of_length(JWT_MAX_TOKEN_LEN + 1);
    if (token == NULL)
        token = signed_token_of_length(JWT_MAX_TOKEN_LEN + 2);
    assert_non_null(token);
    assert_int_equal(verify_hs(token), JWT_ERR_MALFORMED);
    free(token);

    /* 4097 bytes of base64url-looking text. */
    huge = malloc(huge_len + 1);
    assert_non_null(huge);
    memset(huge, 'A', JWT_MAX_TOKEN_LEN + 1);
    huge[10] = '.';
    huge[20] = '.';
    huge[JWT_MAX_TOKEN_LEN + 1] = '\0';
    assert_int_equal(verify_hs(huge), JWT_ERR_MALFORMED);

    /* 200 KB: a correctly signed token (libjwt would alloca it). */
    free(huge);
    huge = signed_token_of_length(huge_len);
    assert_non_null(huge);
    assert_int_equal(verify_hs(huge), JWT_ERR_MALFORMED);
    free(huge);
}

/* ---- shape and base64url --------------------------------------------------------- */

static void test_shape(void **state)
{
    static const char *const bad[] = {
        "", ".", "..", "...", "abc", "abc.def", "abc.def.", ".def.ghi", "abc..ghi",
        "abc.def.ghi.jkl", "abc.def.ghi.", "abc.def.gh!i", "abc.def.gh+i", "abc.def.gh/i",
        "abc.def.ghi=", "abc.def.gh=i", "abc.def.gh i", "abc.def.ghi\n", " abc.def.ghi",
        "abc.d\xc3\xa9" "f.ghi",
        "eyJhbGciOiJIUzI1NiJ9.eyJ9.abcd",   /* payload "{" is not JSON */
        "eyJhbGciOiJIUzI1NiJ9.e.abcd",      /* payload length % 4 == 1 */
    };
    struct jwt_settings s = hs_settings();
    struct principal p;

    (void)state;
    assert_int_equal(jwt_verify(&s, NULL, NOW, &p), JWT_ERR_MALFORMED);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(jwt_verify(&s, bad[i], NOW, &p), JWT_ERR_MALFORMED);
}

/* Junk inside a correctly signed token's signature.  libjwt 1.10.2 itself
 * accepts '!', '=' and a trailing '=' in RS256 and ES256 signatures (its
 * base64 decoder skips them); we refuse them for every algorithm. */
static void assert_junk_refused(const struct jwt_settings *s)
{
    static const char junk[] = {'!', '+', '/', '=', ' ', '~', '*'};
    struct principal p = customer(5), got;
    char *token = NULL;
    size_t sig_at;

    assert_int_equal(jwt_issue(s, &p, NOW, &token), JWT_OK);
    assert_int_equal(jwt_verify(s, token, NOW, &got), JWT_OK);
    sig_at = (size_t)(strrchr(token, '.') - token) + 1;
    for (size_t j = 0; j < sizeof(junk); j++) {
        char *bad = insert_char(token, sig_at + 4, junk[j]);

        assert_int_equal(jwt_verify(s, bad, NOW, &got), JWT_ERR_MALFORMED);
        free(bad);
        bad = insert_char(token, strlen(token), junk[j]);
        assert_int_equal(jwt_verify(s, bad, NOW, &got), JWT_ERR_MALFORMED);
        free(bad);
    }
    free(token);
}

static void test_junk_in_signature(void **state)
{
    struct jwt_settings hs = hs_settings(), rs = rs_settings(), es = es_settings();

    (void)state;
    assert_junk_refused(&hs);
    assert_junk_refused(&rs);
    assert_junk_refused(&es);
}

/* A signature segment whose last character differs only in the unused low
 * bits decodes to the same bytes in a lenient decoder.  We REJECT it as
 * MALFORMED (canonical base64url only), so one token has one spelling and
 * cannot be replayed under a second string. */
static void test_noncanonical_signature_rejected(void **state)
{
    struct jwt_settings settings[] = {hs_settings(), rs_settings(), es_settings()};

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct principal p = customer(5), got;
        char *token = NULL;
        size_t len, sig_len;
        char *last;

        assert_int_equal(jwt_issue(&settings[i], &p, NOW, &token), JWT_OK);
        len = strlen(token);
        sig_len = len - (size_t)(strrchr(token, '.') - token) - 1;
        /* HS256 (32 bytes), ES256 (64) and RS-2048 (256) all leave spare bits. */
        assert_int_not_equal(sig_len % 4, 0);
        last = &token[len - 1];
        /* Flip the lowest bit of the last character's 6-bit value, which is
         * always unused when the encoding has a 2- or 3-character tail. */
        if (*last >= 'A' && *last <= 'Z')
            *last = (char)('A' + ((*last - 'A') ^ 1));
        else if (*last >= 'a' && *last <= 'z')
            *last = (char)('a' + ((*last - 'a') ^ 1));
        else if (*last >= '0' && *last <= '9')
            *last = (char)('0' + ((*last - '0') ^ 1));
        else
            *last = *last == '-' ? '_' : '-';
        assert_int_equal(jwt_verify(&settings[i], token, NOW, &got), JWT_ERR_MALFORMED);
        free(token);
    }
}

/* ---- signatures and keys --------------------------------------------------------- */

static void test_wrong_secret(void **state)
{
    char *payload;
    char *token;
    json_t *claims = valid_claims();

    (void)state;
    payload = json_dumps(claims, JSON_COMPACT);
    token = hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, other_secret);
    assert_int_equal(verify_hs(token), JWT_ERR_SIGNATURE);
    free(token);
    token = hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, hs_secret);
    assert_int_equal(verify_hs(token), JWT_OK);
    free(token);
    free(payload);
    json_decref(claims);
}

/* HS256 is checked without libjwt: a MAC of another length (a prefix of
 * the right one, or one byte more), or one over the payload alone, is
 * refused; a secret that is a prefix of the right one is refused. */
static void test_hs256_mac_length_and_input(void **state)
{
    (void)state;
    char *token = hs_token_for("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", valid_claims());
    assert_int_equal(verify_hs(token), JWT_OK);
    char *last_dot = strrchr(token, '.');
    size_t input_len = (size_t)(last_dot - token);
    unsigned char mac[crypto_auth_hmacsha256_BYTES + 1];
    size_t mac_len = 0;
    assert_int_equal(sodium_base642bin(mac, sizeof mac, last_dot + 1, strlen(last_dot + 1), NULL, &mac_len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    assert_int_equal(mac_len, crypto_auth_hmacsha256_BYTES);
    char *forged = malloc(strlen(token) + 64);
    assert_non_null(forged);
    for (size_t len = crypto_auth_hmacsha256_BYTES - 1; len <= crypto_auth_hmacsha256_BYTES + 1; len += 2) {
        mac[crypto_auth_hmacsha256_BYTES] = 0;
        char *sig = b64url(mac, len);
        sprintf(forged, "%.*s.%s", (int)input_len, token, sig);
        assert_int_equal(verify_hs(forged), JWT_ERR_SIGNATURE);
        free(sig);
    }
    /* The MAC of the payload segment alone, under the right secret. */
    const char *payload = strchr(token, '.') + 1;
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)hs_secret, strlen(hs_secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)payload, (size_t)(last_dot - payload));
    crypto_auth_hmacsha256_final(&st, mac);
    char *sig = b64url(mac, crypto_auth_hmacsha256_BYTES);
    sprintf(forged, "%.*s.%s", (int)input_len, token, sig);
    assert_int_equal(verify_hs(forged), JWT_ERR_SIGNATURE);
    free(sig);
    free(forged);
    free(token);
    /* A prefix of the secret is another key. */
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%.*s", (int)(strlen(hs_secret) - 1), hs_secret);
    json_t *claims = valid_claims();
    char *payload_json = json_dumps(claims, JSON_COMPACT);
    json_decref(claims);
    token = hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload_json, prefix);
    assert_int_equal(verify_hs(token), JWT_ERR_SIGNATURE);
    free(token);
    free(payload_json);
}

/* Swapping in another token's payload keeps the shape but breaks the MAC. */
static void test_tampered_payload(void **state)
{
    struct jwt_settings settings[] = {hs_settings(), rs_settings(), es_settings()};

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct principal user = customer(5), admin = customer(1), got;
        char *user_token = NULL, *admin_token = NULL;
        char spliced[JWT_MAX_TOKEN_LEN + 1];
        const char *user_sig, *admin_payload_end, *admin_payload;

        admin.kind = PRINCIPAL_ADMIN;
        assert_int_equal(jwt_issue(&settings[i], &user, NOW, &user_token), JWT_OK);
        assert_int_equal(jwt_issue(&settings[i], &admin, NOW, &admin_token), JWT_OK);
        user_sig = strrchr(user_token, '.');
        admin_payload = strchr(admin_token, '.');
        admin_payload_end = strrchr(admin_token, '.');
        snprintf(spliced, sizeof(spliced), "%.*s%.*s%s", (int)(strchr(user_token, '.') - user_token),
                 user_token, (int)(admin_payload_end - admin_payload), admin_payload, user_sig);
        assert_int_equal(jwt_verify(&settings[i], spliced, NOW, &got), JWT_ERR_SIGNATURE);
        free(user_token);
        free(admin_token);
    }
}

/* Signed by the other key pair of the same algorithm family. */
static void test_wrong_key_pair(void **state)
{
    struct jwt_settings rs = rs_settings();
    struct principal p = customer(5), got;
    char *token = NULL;

    (void)state;
    assert_int_equal(jwt_issue(&rs, &p, NOW, &token), JWT_OK);
    /* An RS256 verifier whose public key is the EC one cannot verify it. */
    rs.verify_key = (const unsigned char *)ec_public_pem;
    rs.verify_key_len = sizeof(ec_public_pem) - 1;
    assert_int_equal(jwt_verify(&rs, token, NOW, &got), JWT_ERR_SIGNATURE);
    free(token);
}

/* libjwt verifies an HS512 token under the HS256 secret; we must not. */
static void test_hs512_with_right_secret(void **state)
{
    jwt_t *jwt = NULL;
    char *token;
    char *claims_text;
    json_t *claims = valid_claims();

    (void)state;
    claims_text = json_dumps(claims, JSON_COMPACT);
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_set_alg(jwt, JWT_ALG_HS512, (const unsigned char *)hs_secret,
                                 (int)sizeof(hs_secret) - 1), 0);
    assert_int_equal(jwt_add_grants_json(jwt, claims_text), 0);
    token = jwt_encode_str(jwt);
    assert_non_null(token);
    jwt_free(jwt);
    /* Prove the token is genuinely valid HS512 for this secret. */
    jwt = NULL;
    assert_int_equal(jwt_decode(&jwt, token, (const unsigned char *)hs_secret,
                                (int)sizeof(hs_secret) - 1), 0);
    assert_int_equal(jwt_get_alg(jwt), JWT_ALG_HS512);
    jwt_free(jwt);
    assert_int_equal(verify_hs(token), JWT_ERR_ALGORITHM);
    free(token);
    free(claims_text);
    json_decref(claims);
}

/* The classic confusion: an RS256 server's public key (which is public) used
 * as an HMAC secret.  libjwt would verify it as HS256 with the PEM bytes. */
static void test_hs256_signed_with_rsa_public_key(void **state)
{
    struct jwt_settings rs = rs_settings();
    struct principal got;
    json_t *claims = valid_claims();
    char *payload = json_dumps(claims, JSON_COMPACT);
    char *token;
    jwt_t *jwt = NULL;

    (void)state;
    token = hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, rsa_public_pem);
    /* libjwt alone accepts it. */
    assert_int_equal(jwt_decode(&jwt, token, (const unsigned char *)rsa_public_pem,
                                (int)sizeof(rsa_public_pem) - 1), 0);
    jwt_free(jwt);
    assert_int_equal(jwt_verify(&rs, token, NOW, &got), JWT_ERR_ALGORITHM);
    free(token);
    /* Claiming RS256 in the header while carrying an HMAC fails the RSA check. */
    token = hand_token("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", payload, rsa_public_pem);
    assert_int_equal(jwt_verify(&rs, token, NOW, &got), JWT_ERR_SIGNATURE);
    free(token);
    free(payload);
    json_decref(claims);
}

/* An RS256 token given to an ES256 or HS256 verifier, and so on. */
static void test_cross_algorithm(void **state)
{
    struct jwt_settings hs = hs_settings(), rs = rs_settings(), es = es_settings();
    struct principal p = customer(5), got;
    char *rs_token = NULL, *es_token = NULL, *hs_token = NULL;

    (void)state;
    assert_int_equal(jwt_issue(&rs, &p, NOW, &rs_token), JWT_OK);
    assert_int_equal(jwt_issue(&es, &p, NOW, &es_token), JWT_OK);
    assert_int_equal(jwt_issue(&hs, &p, NOW, &hs_token), JWT_OK);
    assert_int_equal(jwt_verify(&hs, rs_token, NOW, &got), JWT_ERR_ALGORITHM);
    assert_int_equal(jwt_verify(&es, rs_token, NOW, &got), JWT_ERR_ALGORITHM);
    assert_int_equal(jwt_verify(&rs, es_token, NOW, &got), JWT_ERR_ALGORITHM);
    assert_int_equal(jwt_verify(&rs, hs_token, NOW, &got), JWT_ERR_ALGORITHM);
    free(rs_token);
    free(es_token);
    free(hs_token);
}

/* An empty or missing verification key would make libjwt skip the check. */
static void test_empty_verify_key(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p = customer(5), got;
    char *token = NULL;

    (void)state;
    assert_int_equal(jwt_issue(&s, &p, NOW, &token), JWT_OK);
    s.verify_key_len = 0;
    assert_int_equal(jwt_verify(&s, token, NOW, &got), JWT_ERR_INTERNAL);
    s.verify_key = NULL;
    s.verify_key_len = 10;
    assert_int_equal(jwt_verify(&s, token, NOW, &got), JWT_ERR_INTERNAL);
    free(token);
}

/* Payload problems a signature does not excuse. */
static void test_payload_shape(void **state)
{
    char *token;

    (void)state;
    token = hand_token("{\"alg\":\"HS256\"}", "[1,2,3]", hs_secret);
    assert_int_equal(verify_hs(token), JWT_ERR_MALFORMED);
    free(token);
    token = hand_token("{\"alg\":\"HS256\"}", "not json", hs_secret);
    assert_int_equal(verify_hs(token), JWT_ERR_MALFORMED);
    free(token);
    token = hand_token("{\"alg\":\"HS256\"}",
                       "{\"sub\":\"1\",\"sub\":\"2\",\"role\":\"customer\",\"jti\":\"a\","
                       "\"iss\":\"orderapi\",\"aud\":\"orderapi\",\"exp\":1800000600}",
                       hs_secret);
    assert_int_equal(verify_hs(token), JWT_ERR_MALFORMED);
    free(token);
    /* An integer jansson cannot hold. */
    token = hand_token("{\"alg\":\"HS256\"}",
                       "{\"sub\":\"1\",\"role\":\"customer\",\"jti\":\"a\",\"iss\":\"orderapi\","
                       "\"aud\":\"orderapi\",\"exp\":99999999999999999999999}",
                       hs_secret);
    assert_int_equal(verify_hs(token), JWT_ERR_MALFORMED);
    free(token);
    /* Claims failing after a good signature are CLAIMS, not MALFORMED. */
    token = hand_token("{\"alg\":\"HS256\"}",
                       "{\"sub\":\"1\",\"role\":\"customer\",\"jti\":\"a\",\"iss\":\"orderapi\","
                       "\"aud\":\"orderapi\",\"exp\":\"1800000600\"}",
                       hs_secret);
    assert_int_equal(verify_hs(token), JWT_ERR_CLAIMS);
    free(token);
}

/* *out is written only on success. */
static void test_out_untouched_on_failure(void **state)
{
    struct jwt_settings s = hs_settings();
    struct principal p = customer(5), got, before;
    char *token = NULL;

    (void)state;
    assert_int_equal(jwt_issue(&s, &p, NOW, &token), JWT_OK);
    memset(&got, 0x77, sizeof(got));
    before = got;
    assert_int_equal(jwt_verify(&s, token, NOW + 100000, &got), JWT_ERR_EXPIRED);
    assert_memory_equal(&got, &before, sizeof(got));
    free(token);
}

static void test_result_codes(void **state)
{
    (void)state;
    assert_string_equal(jwt_result_code(JWT_ERR_EXPIRED), "token_expired");
    assert_string_equal(jwt_result_code(JWT_ERR_MALFORMED), "unauthenticated");
    assert_string_equal(jwt_result_code(JWT_ERR_ALGORITHM), "unauthenticated");
    assert_string_equal(jwt_result_code(JWT_ERR_SIGNATURE), "unauthenticated");
    assert_string_equal(jwt_result_code(JWT_ERR_CLAIMS), "unauthenticated");
    assert_string_equal(jwt_result_code(JWT_ERR_INTERNAL), "unauthenticated");
}

static void test_principal_roles(void **state)
{
    enum principal_kind kind = PRINCIPAL_GUEST;

    (void)state;
    assert_string_equal(principal_role_name(PRINCIPAL_CUSTOMER), "customer");
    assert_string_equal(principal_role_name(PRINCIPAL_ADMIN), "admin");
    assert_string_equal(principal_role_name(PRINCIPAL_GUEST), "guest");
    assert_int_equal(principal_role_parse("admin", &kind), 0);
    assert_int_equal(kind, PRINCIPAL_ADMIN);
    assert_int_equal(principal_role_parse("customer", &kind), 0);
    assert_int_equal(kind, PRINCIPAL_CUSTOMER);
    assert_int_equal(principal_role_parse("guest", &kind), 0);
    assert_int_equal(kind, PRINCIPAL_GUEST);
    assert_int_equal(principal_role_parse("Guest", &kind), -1);
    assert_int_equal(principal_role_parse("unknown", &kind), -1);
    assert_int_equal(principal_role_parse(NULL, &kind), -1);
    assert_int_equal(kind, PRINCIPAL_GUEST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_customer),
        cmocka_unit_test(test_round_trip_admin),
        cmocka_unit_test(test_round_trip_guest),
        cmocka_unit_test(test_round_trip_rs256),
        cmocka_unit_test(test_round_trip_es256),
        cmocka_unit_test(test_issue_fresh_jti),
        cmocka_unit_test(test_issue_refuses_bad_input),
        cmocka_unit_test(test_verify_expiry_end_to_end),
        cmocka_unit_test(test_verify_foreign_libjwt_token),
        cmocka_unit_test(test_claims_valid_baseline),
        cmocka_unit_test(test_claims_exp),
        cmocka_unit_test(test_claims_structure_before_expiry),
        cmocka_unit_test(test_claims_jti),
        cmocka_unit_test(test_claims_iss),
        cmocka_unit_test(test_claims_aud),
        cmocka_unit_test(test_claims_nbf),
        cmocka_unit_test(test_claims_iat),
        cmocka_unit_test(test_claims_role),
        cmocka_unit_test(test_claims_sub),
        cmocka_unit_test(test_claims_guest_phone),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_header_pinning_end_to_end),
        cmocka_unit_test(test_alg_none_unsigned),
        cmocka_unit_test(test_length_cap),
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_junk_in_signature),
        cmocka_unit_test(test_noncanonical_signature_rejected),
        cmocka_unit_test(test_wrong_secret),
        cmocka_unit_test(test_hs256_mac_length_and_input),
        cmocka_unit_test(test_tampered_payload),
        cmocka_unit_test(test_wrong_key_pair),
        cmocka_unit_test(test_hs512_with_right_secret),
        cmocka_unit_test(test_hs256_signed_with_rsa_public_key),
        cmocka_unit_test(test_cross_algorithm),
        cmocka_unit_test(test_empty_verify_key),
        cmocka_unit_test(test_payload_shape),
        cmocka_unit_test(test_out_untouched_on_failure),
        cmocka_unit_test(test_result_codes),
        cmocka_unit_test(test_principal_roles),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
