/*
 * jwt_keys.c — reading and proving the token keys (see jwt_keys.h).
 */
#include "auth/jwt_keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/principal.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_hs256(const struct jwt_config *jc)
{
    return strcmp(jc->alg, "HS256") == 0;
}

/* Reads the whole file at path into buf (cap bytes and a NUL); the length,
 * or -1 with err naming setting. */
static long read_pem(const char *setting, const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: cannot read %s: %s", setting, path, strerror(errno));
    size_t len = fread(buf, 1, cap, f);
    int read_error = ferror(f);
    int more = !read_error && fgetc(f) != EOF;
    fclose(f);
    buf[len] = '\0';
    if (read_error)
        return fail(err, errlen, "%s: cannot read %s", setting, path);
    if (more)
        return fail(err, errlen, "%s: %s is larger than %d bytes", setting, path, CONFIG_KEY_MAX);
    if (len == 0)
        return fail(err, errlen, "%s: %s is empty", setting, path);
    return (long)len;
}

int jwt_keys_read(struct jwt_config *jc, char *err, size_t errlen)
{
    jc->private_key_len = jc->public_key_len = 0;
    if (is_hs256(jc))
        return 0;
    long private_len = read_pem("ORDERAPI_JWT_PRIVATE_KEY_FILE", jc->private_key_file, jc->private_key_pem,
                                CONFIG_KEY_MAX, err, errlen);
    if (private_len < 0)
        return -1;
    long public_len = read_pem("ORDERAPI_JWT_PUBLIC_KEY_FILE", jc->public_key_file, jc->public_key_pem,
                               CONFIG_KEY_MAX, err, errlen);
    if (public_len < 0)
        return -1;
    jc->private_key_len = (size_t)private_len;
    jc->public_key_len = (size_t)public_len;
    return 0;
}

int jwt_keys_settings(const struct jwt_config *jc, struct jwt_settings *s)
{
    *s = (struct jwt_settings){
        .issuer = jc->issuer, .audience = jc->audience, .ttl = jc->ttl, .leeway = jc->leeway};
    if (is_hs256(jc)) {
        s->alg = JWT_SETTING_HS256;
        s->sign_key = s->verify_key = (const unsigned char *)jc->secret;
        s->sign_key_len = s->verify_key_len = strlen(jc->secret);
        return 0;
    }
    if (strcmp(jc->alg, "RS256") == 0)
        s->alg = JWT_SETTING_RS256;
    else if (strcmp(jc->alg, "ES256") == 0)
        s->alg = JWT_SETTING_ES256;
    else
        return -1;
    if (jc->private_key_len == 0 || jc->public_key_len == 0)
        return -1;
    s->sign_key = (const unsigned char *)jc->private_key_pem;
    s->sign_key_len = jc->private_key_len;
    s->verify_key = (const unsigned char *)jc->public_key_pem;
    s->verify_key_len = jc->public_key_len;
    return 0;
}

int jwt_keys_check(const struct jwt_config *jc, char *err, size_t errlen)
{
    struct jwt_settings s;
    if (jwt_keys_settings(jc, &s) != 0)
        return fail(err, errlen, "ORDERAPI_JWT_ALG: %s keys have not been read", jc->alg);
    const char *signer = is_hs256(jc) ? "ORDERAPI_JWT_SECRET" : "ORDERAPI_JWT_PRIVATE_KEY_FILE";
    struct principal p = {.kind = PRINCIPAL_CUSTOMER, .user_id = 1};
    struct principal verified;
    char *token = NULL;
    int64_t now = (int64_t)time(NULL);
    if (jwt_issue(&s, &p, now, &token) != JWT_OK)
        return fail(err, errlen, "%s: %s cannot sign %s tokens (not a PEM private key of that type?)", signer,
                    is_hs256(jc) ? "the secret" : jc->private_key_file, jc->alg);
    int verified_rc = jwt_verify(&s, token, now, &verified);
    free(token);
    if (verified_rc != JWT_OK)
        return fail(err, errlen, "%s: %s does not verify the tokens %s signs (not its %s public key?)",
                    is_hs256(jc) ? "ORDERAPI_JWT_SECRET" : "ORDERAPI_JWT_PUBLIC_KEY_FILE",
                    is_hs256(jc) ? "the secret" : jc->public_key_file, signer, jc->alg);
    return 0;
}
