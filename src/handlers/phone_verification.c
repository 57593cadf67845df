/*
 * phone_verification.c — guest checkout by phone (API.md "Guest orders by
 * phone"):
 *
 *   POST /api/v1/phone-verifications         {phone}        202; 422; 429; 503
 *   POST /api/v1/phone-verifications/verify  {phone, code}  200 guest token;
 *                                            422 invalid_code (attempts_left),
 *                                            code_expired, validation_failed
 *
 * A code is six digits from the CSPRNG, sent through ORDERAPI_SMS_SENDER and
 * kept in Redis only as a keyed hash for 600 s; it is usable once and dies
 * after 5 wrong tries.  The code itself is never logged, stored in MySQL,
 * published as an event, counted in a metric or answered.
 */
#include <string.h>
#include <time.h>
#include <stdlib.h>

#include "app.h"
#include "arena.h"
#include "auth/jwt.h"
#include "auth/phone_code.h"
#include "auth/phone_throttle.h"
#include "auth/principal.h"
#include "domain/validation.h"
#include "handlers/handlers.h"
#include "handlers/respond.h"
#include "http/fields.h"
#include "http/problem.h"
#include "notify/sms.h"
#include "store/phone_codes.h"

#define CODE_TTL 600
#define CODE_TRIES 5

static const struct field_spec START_FIELDS[] = {
    {.name = "phone", .type = FIELD_STRING, .required = 1, .max_bytes = 32},
};

static const struct field_spec VERIFY_FIELDS[] = {
    {.name = "phone", .type = FIELD_STRING, .required = 1, .max_bytes = 32},
    {.name = "code", .type = FIELD_STRING, .required = 1, .max_bytes = 32},
};

/* Checks the body against specs and the phone (and code) in it; the phone,
 * or NULL when answered (422). */
static const char *read_phone(struct http_request *req, struct http_response *res, const struct field_spec *specs,
                              size_t count)
{
    json_t *errors = respond_body_errors(req, res, specs, count);
    if (!errors)
        return NULL;
    const char *phone = fields_string(req->json, "phone", NULL);
    if (json_array_size(errors) == 0 && validate_phone(phone))
        problem_add_error(errors, "phone", "invalid_phone", "Must be an E.164 number such as +15551234567");
    size_t code_len = 0;
    const char *code = fields_string(req->json, "code", &code_len);
    if (json_array_size(errors) == 0 && count > 1 && !phone_code_well_formed(code, code_len))
        problem_add_error(errors, "code", "invalid_format", "Must be the 6 digits that were sent");
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return NULL;
    }
    json_decref(errors);
    return phone;
}

/* The key codes are hashed with, from the token signing key. */
static int code_key(const struct app *app, unsigned char key[PHONE_CODE_KEY_BYTES])
{
    return phone_code_key(app->jwt.sign_key, app->jwt.sign_key_len, key);
}

/* Makes, stores and sends a code; 0, or -1 when answered (nothing is left:
 * a code that could not be sent is forgotten). */
static int send_code(struct app *app, struct http_request *req, struct http_response *res,
                     const struct sms_sender *sender, const char *phone)
{
    char code[PHONE_CODE_DIGITS + 1], hash[PHONE_CODE_HASH_LEN + 1];
    unsigned char key[PHONE_CODE_KEY_BYTES];
    if (phone_code_new(code) != 0 || code_key(app, key) != 0 || phone_code_hash(key, phone, code, hash) != 0) {
        problem_internal_error(req, res, "cannot make a phone code");
        return -1;
    }
    if (phone_codes_put(app->cache, req->arena, phone, hash, CODE_TRIES, CODE_TTL) != 0) {
        problem_unavailable(req, res, "redis");
        return -1;
    }
    const char *text = arena_printf(req->arena, "Your order code is %s", code);
    int sent = text ? sms_send(sender, phone, text) : -1;
    memset(code, 0, sizeof code);
    if (sent != 0) {
        phone_codes_drop(app->cache, req->arena, phone);
        problem_send(req, res, 503, "sms_unavailable", "The code could not be sent; try again shortly");
        http_response_header(res, "Retry-After", "30");
        return -1;
    }
    return 0;
}

void handle_phone_verification_start(struct app *app, struct http_request *req, struct http_response *res)
{
    const char *phone = read_phone(req, res, START_FIELDS, 1);
    if (!phone)
        return;
    struct sms_sender sender;
    char err[160];
    if (sms_sender_parse(app->cfg->sms_sender, app->cfg->sms_timeout, &sender, err, sizeof err) != 0 ||
        sender.kind == SMS_NONE) {
        problem_send(req, res, 503, "sms_unavailable", "This server has no SMS sender configured");
        return;
    }
    long long retry_after = 0;
    int limited = phone_throttle_begin(app->cache, req->arena, phone, req->remote_addr, &retry_after);
    if (limited < 0) {
        problem_unavailable(req, res, "redis");
        return;
    }
    if (limited > 0) {
        problem_send(req, res, 429, "rate_limited", "Too many codes asked for; try again later");
        http_response_header(res, "Retry-After", arena_printf(req->arena, "%lld", retry_after));
        return;
    }
    if (send_code(app, req, res, &sender, phone) != 0) {
        phone_throttle_give_back(app->cache, req->arena, phone, req->remote_addr);
        return;
    }
    respond_json(req, res, 202,
                 json_pack("{s:s, s:i, s:i}", "phone", phone, "expires_in", CODE_TTL, "resend_after",
                           PHONE_RESEND_AFTER));
    http_response_header(res, "Cache-Control", "no-store");
}

/* 422: invalid_code with the tries left (0: that was the last), or
 * code_expired when there is no live code (attempts_left < 0). */
static void code_refused(struct http_request *req, struct http_response *res, long long attempts_left)
{
    if (attempts_left < 0) {
        problem_send(req, res, 422, "code_expired",
                     "There is no live code for this phone: ask for a new one");
        return;
    }
    json_t *problem = problem_new(422, "invalid_code", "The code is not correct", req->request_id);
    if (problem)
        json_object_set_new(problem, "attempts_left", json_integer(attempts_left));
    problem_respond(req, res, problem);
}

/* Checks the code against phone's live one and uses it up; 0 when it was
 * right (and is now used), -1 when answered. */
static int check_code(struct app *app, struct http_request *req, struct http_response *res, const char *phone)
{
    const char *stored = NULL;
    size_t stored_len = 0;
    int rc = phone_codes_get(app->cache, req->arena, phone, &stored, &stored_len);
    if (rc <= 0) {
        rc < 0 ? problem_unavailable(req, res, "redis") : code_refused(req, res, -1);
        return -1;
    }
    char hash[PHONE_CODE_HASH_LEN + 1];
    unsigned char key[PHONE_CODE_KEY_BYTES];
    if (code_key(app, key) != 0 || phone_code_hash(key, phone, fields_string(req->json, "code", NULL), hash) != 0) {
        problem_internal_error(req, res, "cannot hash a phone code");
        return -1;
    }
    if (phone_code_hash_equal(stored, stored_len, hash, strlen(hash))) {
        rc = phone_codes_take(app->cache, req->arena, phone);
        if (rc == 1)
            return 0;
        rc < 0 ? problem_unavailable(req, res, "redis") : code_refused(req, res, -1);
        return -1;
    }
    long long left = phone_codes_wrong_guess(app->cache, req->arena, phone);
    if (left < -1) {
        problem_unavailable(req, res, "redis");
        return -1;
    }
    code_refused(req, res, left);
    return -1;
}

void handle_phone_verification_verify(struct app *app, struct http_request *req, struct http_response *res)
{
    const char *phone = read_phone(req, res, VERIFY_FIELDS, 2);
    if (!phone || check_code(app, req, res, phone) != 0)
        return;
    struct principal p = {.kind = PRINCIPAL_GUEST};
    snprintf(p.phone, sizeof p.phone, "%s", phone);
    struct jwt_settings guest = app->jwt;
    guest.ttl = app->cfg->jwt.guest_ttl;
    char *token = NULL;
    if (jwt_issue(&guest, &p, (int64_t)time(NULL), &token) != JWT_OK) {
        problem_internal_error(req, res, "jwt_issue failed for a guest");
        return;
    }
    json_t *body = json_pack("{s:s, s:s, s:I}", "access_token", token, "token_type", "Bearer", "expires_in",
                             (json_int_t)guest.ttl);
    free(token);
    respond_json(req, res, 200, body);
    http_response_header(res, "Cache-Control", "no-store");
}
