/*
 * jwt.c — bearer tokens: JWS compact serialization (RFC 7515 §7.1) carrying a
 * JWT claims set (RFC 7519), signed with exactly one configured algorithm.
 *
 * libjwt 1.10.2 computes and checks signatures, but it has sharp edges that
 * this file works around, in the order a token meets them:
 *
 *  - jwt_decode() copies the token onto the stack with alloca(), so a token
 *    of a few hundred kilobytes crashes the worker: the length is capped
 *    before anything else looks at the token.
 *  - Its base64 decoder skips characters outside the alphabet, so junk
 *    inserted into a signature still verifies: the shape is checked here
 *    (three non-empty base64url segments, no padding, no other bytes) and
 *    every segment is decoded with a strict, canonical decoder.
 *  - It takes the algorithm from the token's own header (case-insensitively)
 *    and with a NULL key it skips the signature altogether; it verifies an
 *    HS512 token under an HS256 secret, and an "HS256" token whose HMAC key
 *    is an RSA public key.  The header's "alg" is pinned here, byte for byte,
 *    before the call, the key is never empty, and the algorithm libjwt
 *    actually used is checked again after it.
 *  - It checks no claims at all: exp, nbf, iat, iss, aud, jti, role, sub and
 *    phone are checked here, with their JSON types.
 *
 * HS256 signatures are checked here instead, with libsodium's HMAC-SHA256
 * and a constant-time comparison over the strictly decoded signature:
 * libjwt's HMAC goes through OpenSSL, whose initialisation (its
 * configuration and provider tables) was most of the CPU a plain CGI
 * process spent on a request answered from Redis.  RS256 and ES256 stay
 * with libjwt, behind the same checks.
 */
#include "auth/jwt.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <jwt.h>
#include <sodium.h>

/* Bytes of randomness in a jti: 128 bits, written as 32 lowercase hex digits. */
#define JTI_RANDOM_BYTES 16

/* The three parts of a compact JWS, as offsets into the token. */
struct compact_token {
    const char *header;
    size_t header_len;
    const char *payload;
    size_t payload_len;
    const char *signature;
    size_t signature_len;
};

/*
 * The JWA name (RFC 7518 §3.1) of a configured algorithm, or NULL for a value
 * outside the enum.
 */
static const char *setting_alg_name(enum jwt_alg_setting alg)
{
    switch (alg) {
    case JWT_SETTING_HS256:
        return "HS256";
    case JWT_SETTING_RS256:
        return "RS256";
    case JWT_SETTING_ES256:
        return "ES256";
    }
    return NULL;
}

/*
 * The libjwt algorithm for a configured algorithm.  Returns 0 and sets *out,
 * or -1 for a value outside the enum.
 */
static int setting_libjwt_alg(enum jwt_alg_setting alg, jwt_alg_t *out)
{
    switch (alg) {
    case JWT_SETTING_HS256:
        *out = JWT_ALG_HS256;
        return 0;
    case JWT_SETTING_RS256:
        *out = JWT_ALG_RS256;
        return 0;
    case JWT_SETTING_ES256:
        *out = JWT_ALG_ES256;
        return 0;
    }
    return -1;
}

/*
 * The 6-bit value of a base64url character (RFC 4648 §5), or -1 for any
 * other byte, including the standard alphabet's '+' and '/' and the '='
 * padding that JWS forbids (RFC 7515 §2, "Base64url Encoding").
 */
static int base64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/*
 * Decodes len bytes of unpadded base64url text strictly: every byte must be
 * in the alphabet, the length must not leave a lone 6-bit group (len % 4 ==
 * 1), and the unused low bits of the last character must be zero, so every
 * byte string has exactly one accepted encoding (RFC 4648 §3.5).  On success
 * *out is a malloc'd buffer of *out_len bytes plus a terminating NUL (so
 * out_len may be zero only for empty input).  Returns JWT_OK,
 * JWT_ERR_MALFORMED or JWT_ERR_INTERNAL (out of memory).
 */
static int base64url_decode_strict(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
    size_t tail = len % 4;
    size_t decoded_len;
    unsigned char *buf;
    uint32_t bits = 0;
    unsigned bit_count = 0;
    size_t written = 0;

    *out = NULL;
    *out_len = 0;
    if (tail == 1)
        return JWT_ERR_MALFORMED;
    /* Three bytes per full quad, then one byte for a 2-char tail and two for
     * a 3-char tail.  len is bounded by JWT_MAX_TOKEN_LEN, so no overflow. */
    decoded_len = len / 4 * 3 + (tail == 0 ? 0 : tail - 1);
    buf = malloc(decoded_len + 1);
    if (buf == NULL)
        return JWT_ERR_INTERNAL;
    for (size_t i = 0; i < len; i++) {
        int value = base64url_value((unsigned char)in[i]);

        if (value < 0) {
            free(buf);
            return JWT_ERR_MALFORMED;
        }
        bits = (bits << 6) | (uint32_t)value;
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            buf[written++] = (unsigned char)(bits >> bit_count);
            bits &= (1u << bit_count) - 1;
        }
    }
    /* Leftover bits (2 or 4 of them) must be zero in a canonical encoding. */
    if (bits != 0) {
        free(buf);
        return JWT_ERR_MALFORMED;
    }
    buf[written] = '\0';
    *out = buf;
    *out_len = written;
    return JWT_OK;
}

/*
 * Splits a token of token_len bytes into its three segments.  The token must
 * be exactly three non-empty runs of base64url characters separated by
 * single dots: no padding, no whitespace, no other byte anywhere.  Returns
 * JWT_OK or JWT_ERR_MALFORMED.
 */
static int split_compact(const char *token, size_t token_len, struct compact_token *parts)
{
    const char *segment_start[3];
    size_t segment_len[3];
    size_t segment = 0;
    size_t start = 0;

    for (size_t i = 0; i <= token_len; i++) {
        if (i < token_len && token[i] != '.') {
            if (base64url_value((unsigned char)token[i]) < 0)
                return JWT_ERR_MALFORMED;
            continue;
        }
        /* A dot or the end closes a segment. */
        if (segment == 3 || i == start)
            return JWT_ERR_MALFORMED;
        segment_start[segment] = token + start;
        segment_len[segment] = i - start;
        segment++;
        start = i + 1;
    }
    if (segment != 3)
        return JWT_ERR_MALFORMED;
    parts->header = segment_start[0];
    parts->header_len = segment_len[0];
    parts->payload = segment_start[1];
    parts->payload_len = segment_len[1];
    parts->signature = segment_start[2];
    parts->signature_len = segment_len[2];
    return JWT_OK;
}

/*
 * Decodes a base64url segment and parses it as a JSON object, refusing
 * duplicate member names (RFC 7515 §5.2 step 4 and RFC 7519 §7.2 step 4 let
 * us reject them, and two "alg" members must not mean two algorithms).  On
 * JWT_OK *out is a new reference.  Returns JWT_OK, JWT_ERR_MALFORMED or
 * JWT_ERR_INTERNAL.
 */
static int decode_json_segment(const char *segment, size_t segment_len, json_t **out)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    json_t *value = NULL;
    json_error_t error;
    int rc;

    *out = NULL;
    rc = base64url_decode_strict(segment, segment_len, &raw, &raw_len);
    if (rc != JWT_OK)
        goto out;
    value = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, &error);
    if (value == NULL) {
        rc = json_error_code(&error) == json_error_out_of_memory ? JWT_ERR_INTERNAL
                                                                  : JWT_ERR_MALFORMED;
        goto out;
    }
    if (!json_is_object(value)) {
        rc = JWT_ERR_MALFORMED;
        goto out;
    }
    *out = value;
    value = NULL;
    rc = JWT_OK;
out:
    json_decref(value);
    free(raw);
    return rc;
}

/*
 * Checks a decoded JOSE header (RFC 7515 §4.1).  "alg" must be a string equal,
 * byte for byte, to the configured algorithm's name, so "none", "NoNe",
 * "hs256" and every other algorithm are JWT_ERR_ALGORITHM.  "typ", when
 * present, must be the string "JWT" (compared case-insensitively, as §4.1.9
 * recommends for media types).  A "crit" member is refused outright: it
 * lists extensions the recipient must understand (§4.1.11), and we
 * understand none.  Other members ("kid" and so on) are ignored; in
 * particular no key is ever taken from the header.
 */
int jwt_check_header(const json_t *header, const struct jwt_settings *s)
{
    const char *expected_alg;
    const json_t *alg;
    const json_t *typ;

    if (s == NULL)
        return JWT_ERR_INTERNAL;
    expected_alg = setting_alg_name(s->alg);
    if (expected_alg == NULL)
        return JWT_ERR_INTERNAL;
    if (!json_is_object(header))
        return JWT_ERR_MALFORMED;
    alg = json_object_get(header, "alg");
    if (!json_is_string(alg) || json_string_length(alg) != strlen(expected_alg) ||
        strcmp(json_string_value(alg), expected_alg) != 0)
        return JWT_ERR_ALGORITHM;
    typ = json_object_get(header, "typ");
    if (typ != NULL && (!json_is_string(typ) || json_string_length(typ) != 3 ||
                        strcasecmp(json_string_value(typ), "JWT") != 0))
        return JWT_ERR_MALFORMED;
    if (json_object_get(header, "crit") != NULL)
        return JWT_ERR_MALFORMED;
    return JWT_OK;
}

/*
 * Reads an optional NumericDate claim (RFC 7519 §2: seconds since the
 * epoch).  Only JSON integers are accepted — not strings, not reals, not
 * booleans — since RFC 7519's "non-integer values" are never issued by us
 * and a real like 1.5 or 1e300 has no exact int64 meaning.  Returns 1 and
 * sets *out when present, 0 when absent, -1 when ill-typed.
 */
static int claim_numeric_date(const json_t *claims, const char *name, int64_t *out)
{
    const json_t *value = json_object_get(claims, name);

    if (value == NULL)
        return 0;
    if (!json_is_integer(value))
        return -1;
    *out = (int64_t)json_integer_value(value);
    return 1;
}

/*
 * Whether a jti (RFC 7519 §4.1.7) is one we can store and compare: a
 * non-empty string of at most PRINCIPAL_JTI_MAX visible ASCII characters
 * (0x21..0x7e; no spaces, no control bytes, no NUL).
 */
static bool jti_is_valid(const json_t *jti)
{
    const char *text;
    size_t len;

    if (!json_is_string(jti))
        return false;
    text = json_string_value(jti);
    len = json_string_length(jti);
    if (len == 0 || len > PRINCIPAL_JTI_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < 0x21 || text[i] > 0x7e)
            return false;
    }
    return true;
}

/*
 * Whether text is an E.164 number as the API writes it (ITU-T E.164 §6):
 * '+', a first digit 1-9, then 7 to 14 further digits (8..15 digits in all).
 */
static bool phone_is_e164(const char *text, size_t len)
{
    if (len < 9 || len > PRINCIPAL_PHONE_MAX || text[0] != '+')
        return false;
    if (text[1] < '1' || text[1] > '9')
        return false;
    for (size_t i = 2; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
    }
    return true;
}

/*
 * Parses a "sub" claim holding a user id: canonical decimal digits (no sign,
 * no leading zero, no spaces) for a value in 1..INT64_MAX.  Returns 0 and
 * sets *out, or -1.
 */
static int parse_user_id(const char *text, size_t len, int64_t *out)
{
    int64_t value = 0;

    if (len == 0 || len > 19 || text[0] == '0')
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, text[i] - '0', &value))
            return -1;
    }
    *out = value;
    return 0;
}

/*
 * Whether the "aud" claim names our audience (RFC 7519 §4.1.3): either a
 * string equal to it, or a non-empty array of strings one of which equals
 * it.  Anything else — a number, an array holding a non-string — is refused.
 */
static bool audience_matches(const json_t *aud, const char *audience)
{
    size_t index;
    const json_t *entry;
    bool found = false;

    if (json_is_string(aud))
        return json_string_length(aud) == strlen(audience) &&
               strcmp(json_string_value(aud), audience) == 0;
    if (!json_is_array(aud) || json_array_size(aud) == 0)
        return false;
    json_array_foreach(aud, index, entry) {
        if (!json_is_string(entry))
            return false;
        if (json_string_length(entry) == strlen(audience) &&
            strcmp(json_string_value(entry), audience) == 0)
            found = true;
    }
    return found;
}

/*
 * a + b for a time and a leeway, saturating at INT64_MAX instead of
 * overflowing (a far-future exp plus leeway is simply "far future").
 */
static int64_t time_plus_leeway(int64_t a, unsigned b)
{
    int64_t sum;

    if (__builtin_add_overflow(a, (int64_t)b, &sum))
        return INT64_MAX;
    return sum;
}

/*
 * Checks a decoded claims set at time now and fills *out.  Every structural
 * rule is checked before the clock, so JWT_ERR_EXPIRED ("token_expired", a
 * hint to log in again) is only ever said about a token that would otherwise
 * have been accepted.  The rules:
 *  - exp (RFC 7519 §4.1.4) required, an integer; now > exp + leeway is expired.
 *  - jti (§4.1.7) required, see jti_is_valid().
 *  - iat (§4.1.6) optional; if present an integer not after now + leeway.
 *  - nbf (§4.1.5) optional; if present an integer not after now + leeway.
 *  - iss (§4.1.1) required, equal to the configured issuer.
 *  - aud (§4.1.3) required, see audience_matches().
 *  - role required: customer and admin need sub, a canonical user id; guest
 *    needs phone in E.164 (sub is ignored and user_id is 0).
 */
int jwt_check_claims(const json_t *claims, const struct jwt_settings *s, int64_t now,
                     struct principal *out)
{
    struct principal result;
    int64_t exp = 0, iat = 0, nbf = 0;
    int has_iat, has_nbf;
    const json_t *jti, *iss, *role, *sub, *phone;
    int64_t now_plus_leeway;

    if (s == NULL || s->issuer == NULL || s->audience == NULL || out == NULL)
        return JWT_ERR_INTERNAL;
    if (!json_is_object(claims))
        return JWT_ERR_CLAIMS;
    memset(&result, 0, sizeof(result));

    if (claim_numeric_date(claims, "exp", &exp) != 1)
        return JWT_ERR_CLAIMS;
    jti = json_object_get(claims, "jti");
    if (!jti_is_valid(jti))
        return JWT_ERR_CLAIMS;
    has_iat = claim_numeric_date(claims, "iat", &iat);
    has_nbf = claim_numeric_date(claims, "nbf", &nbf);
    if (has_iat < 0 || has_nbf < 0)
        return JWT_ERR_CLAIMS;

    iss = json_object_get(claims, "iss");
    if (!json_is_string(iss) || json_string_length(iss) != strlen(s->issuer) ||
        strcmp(json_string_value(iss), s->issuer) != 0)
        return JWT_ERR_CLAIMS;
    if (!audience_matches(json_object_get(claims, "aud"), s->audience))
        return JWT_ERR_CLAIMS;

    role = json_object_get(claims, "role");
    if (!json_is_string(role) || principal_role_parse(json_string_value(role), &result.kind) != 0)
        return JWT_ERR_CLAIMS;
    if (result.kind == PRINCIPAL_GUEST) {
        phone = json_object_get(claims, "phone");
        if (!json_is_string(phone) ||
            !phone_is_e164(json_string_value(phone), json_string_length(phone)))
            return JWT_ERR_CLAIMS;
        memcpy(result.phone, json_string_value(phone), json_string_length(phone) + 1);
        result.user_id = 0;
    } else {
        sub = json_object_get(claims, "sub");
        if (!json_is_string(sub) ||
            parse_user_id(json_string_value(sub), json_string_length(sub), &result.user_id) != 0)
            return JWT_ERR_CLAIMS;
    }

    now_plus_leeway = time_plus_leeway(now, s->leeway);
    if (has_iat == 1 && iat > now_plus_leeway)
        return JWT_ERR_CLAIMS;
    if (has_nbf == 1 && nbf > now_plus_leeway)
        return JWT_ERR_CLAIMS;
    if (now > time_plus_leeway(exp, s->leeway))
        return JWT_ERR_EXPIRED;

    memcpy(result.jti, json_string_value(jti), json_string_length(jti) + 1);
    result.issued_at = has_iat == 1 ? iat : 0;
    result.expires_at = exp;
    *out = result;
    return JWT_OK;
}

/*
 * Verifies a bearer token; see the file comment for why each step is here.
 * Order: length cap, strict shape, strict base64url of all three segments,
 * header and payload parsed as JSON objects without duplicate members, the
 * header pinned to the configured algorithm, the signature checked by libjwt
 * with a non-empty key, the algorithm libjwt used checked again, then the
 * claims as libjwt hands them back.
 */
/*
 * Steps (d) to (f): libjwt checks the signature with a non-empty key, the
 * algorithm it used must be ours, then the claims it hands back are
 * checked into out.
 */
static int jwt_verify_signed(const struct jwt_settings *s, const char *token, jwt_alg_t expected_alg,
                             int64_t now, struct principal *out)
{
    int rc;
    jwt_t *decoded = NULL;
    char *grants_json = NULL;
    json_t *claims = NULL;
    json_error_t error;

    /* (d) A NULL or empty key would make libjwt skip the signature. */
    if (s->verify_key == NULL || s->verify_key_len == 0 || s->verify_key_len > INT_MAX)
        return JWT_ERR_INTERNAL;
    int decode_errno = jwt_decode(&decoded, token, s->verify_key, (int)s->verify_key_len);
    if (decode_errno != 0 || decoded == NULL) {
        rc = decode_errno == ENOMEM ? JWT_ERR_INTERNAL : JWT_ERR_SIGNATURE;
        goto out;
    }
    /* (e) The algorithm libjwt verified with must be ours. */
    if (jwt_get_alg(decoded) != expected_alg) {
        rc = JWT_ERR_ALGORITHM;
        goto out;
    }
    /* (f) The claims, from the verified token. */
    grants_json = jwt_get_grants_json(decoded, NULL);
    claims = grants_json != NULL ? json_loads(grants_json, JSON_REJECT_DUPLICATES, &error) : NULL;
    rc = claims != NULL ? jwt_check_claims(claims, s, now, out) : JWT_ERR_INTERNAL;
out:
    json_decref(claims);
    free(grants_json);
    if (decoded != NULL)
        jwt_free(decoded);
    return rc;
}

/*
 * HS256, steps (d) to (f) without libjwt: the HMAC-SHA256 of the signing
 * input (the header and payload segments as sent, with their dot) under the
 * secret must equal the decoded signature, compared in constant time; then
 * the claims of the strictly decoded payload are checked into out.
 */
static int jwt_verify_hs256(const struct jwt_settings *s, const struct compact_token *parts,
                            const unsigned char *signature, size_t signature_len, const json_t *payload,
                            int64_t now, struct principal *out)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;

    /* (d) Never an empty key. */
    if (s->verify_key == NULL || s->verify_key_len == 0)
        return JWT_ERR_INTERNAL;
    if (signature_len != sizeof mac)
        return JWT_ERR_SIGNATURE;
    size_t input_len = (size_t)(parts->payload - parts->header) + parts->payload_len;
    if (crypto_auth_hmacsha256_init(&state, s->verify_key, s->verify_key_len) != 0 ||
        crypto_auth_hmacsha256_update(&state, (const unsigned char *)parts->header, input_len) != 0 ||
        crypto_auth_hmacsha256_final(&state, mac) != 0) {
        sodium_memzero(&state, sizeof state);
        return JWT_ERR_INTERNAL;
    }
    sodium_memzero(&state, sizeof state);
    int same = crypto_verify_32(mac, signature) == 0;
    sodium_memzero(mac, sizeof mac);
    if (!same)
        return JWT_ERR_SIGNATURE;
    /* (e) holds by construction; (f) the claims. */
    return jwt_check_claims(payload, s, now, out);
}

int jwt_verify(const struct jwt_settings *s, const char *token, int64_t now, struct principal *out)
{
    int rc;
    size_t token_len;
    struct compact_token parts;
    json_t *header = NULL;
    json_t *payload = NULL;
    unsigned char *signature = NULL;
    size_t signature_len = 0;
    jwt_alg_t expected_alg;

    /* (a) Nothing looks at a token longer than the cap, not even strlen. */
    if (token == NULL)
        return JWT_ERR_MALFORMED;
    token_len = strnlen(token, (size_t)JWT_MAX_TOKEN_LEN + 1);
    if (token_len == 0 || token_len > JWT_MAX_TOKEN_LEN)
        return JWT_ERR_MALFORMED;
    if (s == NULL || out == NULL || setting_libjwt_alg(s->alg, &expected_alg) != 0)
        return JWT_ERR_INTERNAL;

    /* (b) Shape, and (c) strict decoding of every segment. */
    rc = split_compact(token, token_len, &parts);
    if (rc == JWT_OK)
        rc = decode_json_segment(parts.header, parts.header_len, &header);
    if (rc == JWT_OK)
        rc = jwt_check_header(header, s);
    if (rc == JWT_OK)
        rc = decode_json_segment(parts.payload, parts.payload_len, &payload);
    if (rc == JWT_OK)
        rc = base64url_decode_strict(parts.signature, parts.signature_len, &signature, &signature_len);
    if (rc == JWT_OK && s->alg == JWT_SETTING_HS256)
        rc = jwt_verify_hs256(s, &parts, signature, signature_len, payload, now, out);
    else if (rc == JWT_OK)
        rc = jwt_verify_signed(s, token, expected_alg, now, out);
    free(signature);
    json_decref(payload);
    json_decref(header);
    return rc;
}

/*
 * Fills out with a fresh jti: JTI_RANDOM_BYTES from getrandom(2) as
 * lowercase hex.  Returns 0, or -1 if the kernel gives no randomness.
 */
static int random_jti(char out[PRINCIPAL_JTI_MAX + 1])
{
    static const char hex_digits[] = "0123456789abcdef";
    unsigned char random_bytes[JTI_RANDOM_BYTES];
    size_t filled = 0;

    while (filled < sizeof(random_bytes)) {
        ssize_t got = getrandom(random_bytes + filled, sizeof(random_bytes) - filled, 0);

        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        filled += (size_t)got;
    }
    for (size_t i = 0; i < sizeof(random_bytes); i++) {
        out[2 * i] = hex_digits[random_bytes[i] >> 4];
        out[2 * i + 1] = hex_digits[random_bytes[i] & 0x0f];
    }
    out[2 * sizeof(random_bytes)] = '\0';
    return 0;
}

/*
 * Adds a NumericDate grant, refusing values libjwt's long cannot hold.
 */
static int add_time_grant(jwt_t *jwt, const char *name, int64_t value)
{
    if (value < LONG_MIN || value > LONG_MAX)
        return -1;
    return jwt_add_grant_int(jwt, name, (long)value) == 0 ? 0 : -1;
}

/*
 * Issues a token for p: header {"alg": <configured>, "typ": "JWT"} and the
 * claims sub (customers and admins) or phone (guests), role, jti, iss, aud,
 * iat and exp.  The principal must be well-formed (user_id > 0, or an E.164
 * phone for a guest) and the settings usable (a non-empty signing key, an
 * issuer, an audience, a ttl > 0); anything else is JWT_ERR_INTERNAL, as a
 * programming or configuration error.  p's jti, issued_at and expires_at are
 * written only on JWT_OK.
 */
int jwt_issue(const struct jwt_settings *s, struct principal *p, int64_t now, char **token)
{
    int rc = JWT_ERR_INTERNAL;
    jwt_alg_t alg;
    jwt_t *jwt = NULL;
    char *encoded = NULL;
    char jti[PRINCIPAL_JTI_MAX + 1];
    char sub[24];
    int64_t expires_at;

    if (token == NULL)
        return JWT_ERR_INTERNAL;
    *token = NULL;
    if (s == NULL || p == NULL || setting_libjwt_alg(s->alg, &alg) != 0 ||
        s->sign_key == NULL || s->sign_key_len == 0 || s->sign_key_len > INT_MAX ||
        s->issuer == NULL || s->audience == NULL || s->ttl == 0)
        return JWT_ERR_INTERNAL;
    if (__builtin_add_overflow(now, (int64_t)s->ttl, &expires_at))
        return JWT_ERR_INTERNAL;
    if (p->kind == PRINCIPAL_GUEST) {
        if (!phone_is_e164(p->phone, strnlen(p->phone, sizeof(p->phone))))
            return JWT_ERR_INTERNAL;
    } else if (p->kind == PRINCIPAL_CUSTOMER || p->kind == PRINCIPAL_ADMIN) {
        if (p->user_id <= 0)
            return JWT_ERR_INTERNAL;
        snprintf(sub, sizeof(sub), "%" PRId64, p->user_id);
    } else {
        return JWT_ERR_INTERNAL;
    }
    if (random_jti(jti) != 0)
        return JWT_ERR_INTERNAL;

    if (jwt_new(&jwt) != 0 || jwt == NULL)
        goto out;
    if (jwt_set_alg(jwt, alg, s->sign_key, (int)s->sign_key_len) != 0)
        goto out;
    if (p->kind == PRINCIPAL_GUEST) {
        if (jwt_add_grant(jwt, "phone", p->phone) != 0)
            goto out;
    } else if (jwt_add_grant(jwt, "sub", sub) != 0) {
        goto out;
    }
    if (jwt_add_grant(jwt, "role", principal_role_name(p->kind)) != 0 ||
        jwt_add_grant(jwt, "jti", jti) != 0 ||
        jwt_add_grant(jwt, "iss", s->issuer) != 0 ||
        jwt_add_grant(jwt, "aud", s->audience) != 0 ||
        add_time_grant(jwt, "iat", now) != 0 ||
        add_time_grant(jwt, "exp", expires_at) != 0)
        goto out;
    encoded = jwt_encode_str(jwt);
    if (encoded == NULL)
        goto out;
    /* A token we would refuse ourselves is no use to anyone. */
    if (strnlen(encoded, (size_t)JWT_MAX_TOKEN_LEN + 1) > JWT_MAX_TOKEN_LEN)
        goto out;

    memcpy(p->jti, jti, sizeof(jti));
    p->issued_at = now;
    p->expires_at = expires_at;
    if (p->kind == PRINCIPAL_GUEST)
        p->user_id = 0;
    *token = encoded;
    encoded = NULL;
    rc = JWT_OK;
out:
    free(encoded);
    if (jwt != NULL)
        jwt_free(jwt);
    return rc;
}

/*
 * The contract's machine-readable code for a verification result (API.md,
 * 401 row): only an expired token gets its own code, so a client knows that
 * logging in again will help; every other failure is "unauthenticated" and
 * says nothing about which check failed.
 */
const char *jwt_result_code(int result)
{
    return result == JWT_ERR_EXPIRED ? "token_expired" : "unauthenticated";
}
