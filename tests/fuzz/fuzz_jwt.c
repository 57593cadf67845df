/*
 * fuzz_jwt.c — bearer-token verification (jwt_verify) with HS256, the
 * header and claim rules on their own, and issuing.
 *
 * The first byte picks a mode:
 *   0  the rest is a token, verified as it is (shape, base64url, header,
 *      the signature, which random bytes never pass);
 *   1  the rest is "HEADER\xffPAYLOAD", two JSON texts: the harness
 *      base64url-encodes and signs them with the configured secret, so the
 *      claims rules behind the signature check are reached;
 *   2  a principal built from the bytes is issued a token and verified;
 *   3  the rest is a JSON text given to jwt_check_header and
 *      jwt_check_claims directly.
 * Invariants: an accepted token yields a well-formed principal; a signed
 * token is accepted only when its header and claims pass the rules, and
 * then with the principal the rules give (what libjwt hands back after its
 * own parsing must not make it more lenient); an issued token verifies to
 * the principal it was issued for and expires when it should.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>

#include "fuzz_common.h"

#include "auth/jwt.h"

#define NOW INT64_C(1800000000)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char SECRET[] = "fuzzing-secret-0123456789abcdef-0123456789";

static const struct jwt_settings SETTINGS = {
    .alg = JWT_SETTING_HS256,
    .sign_key = SECRET,
    .sign_key_len = sizeof(SECRET) - 1,
    .verify_key = SECRET,
    .verify_key_len = sizeof(SECRET) - 1,
    .issuer = "orderapi",
    .audience = "orderapi",
    .ttl = 3600,
    .leeway = 30,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_object_seed(1);
    FUZZ_CHECK(sodium_init() >= 0);
    return 0;
}

static void check_principal(const struct principal *p)
{
    size_t jti_len = strnlen(p->jti, sizeof(p->jti));

    FUZZ_CHECK(jti_len > 0 && jti_len < sizeof(p->jti));
    FUZZ_CHECK(strnlen(p->phone, sizeof(p->phone)) < sizeof(p->phone));
    if (p->kind == PRINCIPAL_GUEST) {
        FUZZ_CHECK(p->user_id == 0 && p->phone[0] == '+');
    } else {
        FUZZ_CHECK(p->kind == PRINCIPAL_CUSTOMER || p->kind == PRINCIPAL_ADMIN);
        FUZZ_CHECK(p->user_id > 0 && p->phone[0] == '\0');
    }
}

/* Unpadded base64url of data into out (room for 4/3 len + 4). */
static size_t b64url(const uint8_t *data, size_t len, char *out)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t used = 0;
    uint32_t bits = 0;
    int count = 0;

    for (size_t i = 0; i < len; i++) {
        bits = bits << 8 | data[i];
        count += 8;
        while (count >= 6) {
            count -= 6;
            out[used++] = alphabet[(bits >> count) & 63];
        }
    }
    if (count > 0)
        out[used++] = alphabet[(bits << (6 - count)) & 63];
    out[used] = '\0';
    return used;
}

static void mode_raw(const uint8_t *data, size_t size)
{
    char *token = fuzz_cstring(data, size);
    struct principal p;

    if (jwt_verify(&SETTINGS, token, NOW, &p) == JWT_OK)
        check_principal(&p);
    free(token);
}

static void mode_signed(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    size_t header_len, payload_len;
    char *header = fuzz_take_until(&in, 0xff, &header_len);
    char *payload = fuzz_take_until(&in, 0xff, &payload_len);
    char *token = malloc(2 * (header_len + payload_len) + 128);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    json_t *header_json, *claims_json;
    struct principal verified, checked;
    int verdict, expected = JWT_ERR_MALFORMED;
    size_t used;

    FUZZ_CHECK(token != NULL);
    used = b64url((const uint8_t *)header, header_len, token);
    token[used++] = '.';
    used += b64url((const uint8_t *)payload, payload_len, token + used);
    crypto_auth_hmacsha256_init(&state, SECRET, sizeof(SECRET) - 1);
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)token, used);
    crypto_auth_hmacsha256_final(&state, mac);
    token[used++] = '.';
    b64url(mac, sizeof(mac), token + used);

    verdict = jwt_verify(&SETTINGS, token, NOW, &verified);
    if (verdict == JWT_OK)
        check_principal(&verified);

    /* What the rules say about the same header and claims. */
    header_json = json_loadb(header, header_len, JSON_REJECT_DUPLICATES, NULL);
    claims_json = json_loadb(payload, payload_len, JSON_REJECT_DUPLICATES, NULL);
    if (strlen(token) <= JWT_MAX_TOKEN_LEN && header_len > 0 && payload_len > 0 &&
        json_is_object(header_json) && json_is_object(claims_json)) {
        expected = jwt_check_header(header_json, &SETTINGS);
        if (expected == JWT_OK)
            expected = jwt_check_claims(claims_json, &SETTINGS, NOW, &checked);
        /* Never more lenient than the rules.  (libjwt parses the payload
         * again as a C string, so it may refuse what the rules accept,
         * such as a payload with a NUL byte after the object: that is
         * only stricter.) */
        if (verdict == JWT_OK && expected != JWT_OK)
            fprintf(stderr, "verify accepted what the rules refuse (%d)\n", expected);
        FUZZ_CHECK(verdict != JWT_OK || expected == JWT_OK);
        if (verdict == JWT_OK && expected == JWT_OK) {
            FUZZ_CHECK(verified.kind == checked.kind && verified.user_id == checked.user_id);
            FUZZ_CHECK(strcmp(verified.phone, checked.phone) == 0 && strcmp(verified.jti, checked.jti) == 0);
            FUZZ_CHECK(verified.expires_at == checked.expires_at && verified.issued_at == checked.issued_at);
        }
    } else {
        FUZZ_CHECK(verdict != JWT_OK);
    }
    json_decref(header_json);
    json_decref(claims_json);
    free(token);
    free(header);
    free(payload);
}

static void mode_issue(const uint8_t *data, size_t size)
{
    static const enum principal_kind kinds[] = {PRINCIPAL_CUSTOMER, PRINCIPAL_ADMIN, PRINCIPAL_GUEST};
    struct fuzz_input in = {data, size};
    struct principal p, verified;
    char *token = NULL;
    size_t digits;

    memset(&p, 0, sizeof(p));
    p.kind = kinds[fuzz_u8(&in) % 3];
    p.user_id = (int64_t)fuzz_u64(&in);
    if (p.kind == PRINCIPAL_GUEST) {
        p.user_id = 0;
        digits = fuzz_u8(&in) % (PRINCIPAL_PHONE_MAX);
        p.phone[0] = '+';
        for (size_t i = 1; i <= digits; i++)
            p.phone[i] = (char)('0' + fuzz_u8(&in) % 10);
    }
    if (jwt_issue(&SETTINGS, &p, NOW, &token) != JWT_OK) {
        FUZZ_CHECK(token == NULL);
        return;
    }
    FUZZ_CHECK(jwt_verify(&SETTINGS, token, NOW, &verified) == JWT_OK);
    check_principal(&verified);
    FUZZ_CHECK(verified.kind == p.kind && verified.user_id == p.user_id);
    FUZZ_CHECK(strcmp(verified.phone, p.phone) == 0 && strcmp(verified.jti, p.jti) == 0);
    FUZZ_CHECK(verified.expires_at == NOW + SETTINGS.ttl && verified.issued_at == NOW);
    FUZZ_CHECK(jwt_verify(&SETTINGS, token, NOW + SETTINGS.ttl + SETTINGS.leeway + 1, &verified) ==
               JWT_ERR_EXPIRED);
    free(token);
}

static void mode_rules(const uint8_t *data, size_t size)
{
    json_t *v = json_loadb((const char *)data, size, 0, NULL);
    struct principal p;

    if (v == NULL)
        return;
    (void)jwt_check_header(v, &SETTINGS);
    if (jwt_check_claims(v, &SETTINGS, NOW, &p) == JWT_OK)
        check_principal(&p);
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 4) {
    case 0: mode_raw(data + 1, size - 1); break;
    case 1: mode_signed(data + 1, size - 1); break;
    case 2: mode_issue(data + 1, size - 1); break;
    default: mode_rules(data + 1, size - 1); break;
    }
    return 0;
}
