/*
 * auth.c — accounts and tokens (API.md, Authentication):
 *
 *   POST /api/v1/auth/register    anyone     201 user; 409 email_taken; 422; 429; 503
 *   POST /api/v1/auth/login       anyone     200 token; 401; 429; 503
 *
 * Both hash a password (Argon2id, a third of a second and 64 MiB), so both
 * do every cheap check first (rate limits, a taken email) and hash only
 * under a permit of the pool-wide cap (auth/hash_gate.h), or answer 503.
 *   POST /api/v1/auth/logout      token      204, this token revoked (and the
 *                                            family of a {refresh_token} sent)
 *   POST /api/v1/auth/logout-all  token      204, every older token and every
 *                                            refresh token revoked
 *   GET  /api/v1/auth/me          token      200 user
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "auth/hash_gate.h"
#include "auth/jwt.h"
#include "auth/login_throttle.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/register_throttle.h"
#include "auth/revocation.h"
#include "domain/validation.h"
#include "handlers/auth_tokens.h"
#include "handlers/handlers.h"
#include "handlers/respond.h"
#include "http/fields.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/refresh_store.h"

/* The public view of a user row (id, email, full_name, phone, role, created_at). */
static json_t *user_json(const struct db_rows *rows)
{
    const struct db_value *phone = DB_CELL(rows, 0, UPROF_PHONE);
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)DB_CELL(rows, 0, UPROF_ID)->i, "email",
                     DB_CELL(rows, 0, UPROF_EMAIL)->s, "full_name", DB_CELL(rows, 0, UPROF_FULL_NAME)->s, "phone",
                     phone->type == DBV_STR ? json_string(phone->s) : json_null(), "role",
                     DB_CELL(rows, 0, UPROF_ROLE)->s, "created_at", DB_CELL(rows, 0, UPROF_CREATED_AT)->s);
}

static const struct field_spec REGISTER_FIELDS[] = {
    {.name = "email", .type = FIELD_STRING, .required = 1},
    {.name = "password", .type = FIELD_STRING, .required = 1},
    {.name = "full_name", .type = FIELD_STRING, .required = 1},
    {.name = "phone", .type = FIELD_STRING, .nullable = 1},
};

/* 429 rate_limited with Retry-After (RFC 6585 §4). */
static void rate_limited(struct http_request *req, struct http_response *res, long long retry_after,
                         const char *detail)
{
    problem_send(req, res, 429, "rate_limited", detail);
    http_response_header(res, "Retry-After", arena_printf(req->arena, "%lld", retry_after));
}

/* 503 server_busy with Retry-After (RFC 9110 §15.6.4): every password-hash
 * permit is taken, and this request is refused rather than queued. */
static void hashing_busy(struct http_request *req, struct http_response *res)
{
    problem_send(req, res, 503, "server_busy", "The server is busy checking passwords; try again shortly");
    http_response_header(res, "Retry-After", "1");
}

/* A registration's fields, once they passed validation. */
struct registration {
    const char *email, *password, *name, *phone;
    size_t password_len, name_len;
    char normalized[EMAIL_MAX + 1];
};

/* Checks every field of a registration; 0, or -1 when the request was
 * answered (422 listing each bad field, or a body error). */
static int registration_parse(struct http_request *req, struct http_response *res, struct registration *r)
{
    json_t *errors = respond_body_errors(req, res, REGISTER_FIELDS, sizeof REGISTER_FIELDS / sizeof REGISTER_FIELDS[0]);
    if (!errors)
        return -1;
    size_t email_len = 0;
    r->email = fields_string(req->json, "email", &email_len);
    r->password = fields_string(req->json, "password", &r->password_len);
    r->name = fields_string(req->json, "full_name", &r->name_len);
    r->phone = fields_string(req->json, "phone", NULL);
    const char *why;
    if (r->email && (why = validate_email(r->email)))
        problem_add_error(errors, "email", why, "Must be a valid email address");
    if (r->password && (why = validate_password(r->password, r->password_len)))
        problem_add_error(errors, "password", why, "Must be 10 to 1024 characters long");
    if (r->name && (why = validate_full_name(r->name, r->name_len)))
        problem_add_error(errors, "full_name", why, "Must be 1 to 200 printable characters");
    if (r->phone && (why = validate_phone(r->phone)))
        problem_add_error(errors, "phone", why, "Must be an E.164 number such as +14155550123");
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return -1;
    }
    json_decref(errors);
    email_normalize(r->email, r->normalized);
    return 0;
}

/*
 * Everything a registration must pass before its password is hashed: the
 * per-address limit, and an email nobody has yet (a taken one is 409 at the
 * cost of one indexed lookup, not of a hash).  0, or -1 when answered.
 */
static int registration_admit(struct app *app, struct http_request *req, struct http_response *res,
                              const struct registration *r)
{
    long long retry_after = 0;
    int limited = register_throttle_begin(app->cache, &app->cfg->jwt, req->arena, req->remote_addr, &retry_after);
    if (limited < 0) {
        problem_unavailable(req, res, "redis");
        return -1;
    }
    if (limited > 0) {
        rate_limited(req, res, retry_after, "Too many registrations from this address; try again later");
        return -1;
    }
    struct db_rows rows;
    struct db_value param = DBP_STR(r->normalized);
    int rc = db_query_row(app->db, STMT_USER_ID_BY_EMAIL, &param, 1, req->arena, &rows);
    if (rc == DB_OK) {
        problem_send(req, res, 409, "email_taken", "An account with this email already exists");
        return -1;
    }
    if (rc != DB_NOT_FOUND) {
        register_throttle_give_back(app->cache, req->arena, req->remote_addr);
        respond_storage_failure(app, req, res, rc, "register: email lookup");
        return -1;
    }
    return 0;
}

/* Hashes the password under a hash permit; 0, or -1 when answered. */
static int registration_hash(struct app *app, struct http_request *req, struct http_response *res,
                             const struct registration *r, char hash[PASSWORD_HASH_MAX])
{
    if (hash_gate_enter(app->cfg, app->slot) != 0) {
        register_throttle_give_back(app->cache, req->arena, req->remote_addr);
        hashing_busy(req, res);
        return -1;
    }
    int rc = password_hash(r->password, r->password_len, hash);
    hash_gate_leave(app->slot);
    if (rc != 0) {
        problem_internal_error(req, res, "password_hash failed");
        return -1;
    }
    return 0;
}

void handle_auth_register(struct app *app, struct http_request *req, struct http_response *res)
{
    struct registration r;
    char hash[PASSWORD_HASH_MAX];
    if (registration_parse(req, res, &r) != 0 || registration_admit(app, req, res, &r) != 0 ||
        registration_hash(app, req, res, &r, hash) != 0)
        return;
    struct db_value params[5] = {DBP_STR(r.normalized), DBP_STRN(r.name, r.name_len),
                                 r.phone ? DBP_STR(r.phone) : DBP_NULL, DBP_STR("customer"), DBP_STR(hash)};
    uint64_t id = 0;
    int rc = db_exec(app->db, STMT_USER_INSERT, params, 5, NULL, &id);
    if (rc == DB_DUPLICATE) {
        /* Registered by a parallel request since registration_admit looked. */
        problem_send(req, res, 409, "email_taken", "An account with this email already exists");
        return;
    }
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "register");
        return;
    }
    struct db_rows rows;
    struct db_value pid = DBP_INT(id);
    rc = db_query_row(app->db, STMT_USER_PROFILE, &pid, 1, req->arena, &rows);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "register: read back");
        return;
    }
    respond_json(req, res, 201, user_json(&rows));
    http_response_header(res, "Location", "/api/v1/auth/me");
}

static const struct field_spec LOGIN_FIELDS[] = {
    {.name = "email", .type = FIELD_STRING, .required = 1, .max_bytes = EMAIL_MAX},
    {.name = "password", .type = FIELD_STRING, .required = 1, .max_bytes = PASSWORD_MAX_BYTES},
};

/* The one answer for an unknown email and a wrong password alike. */
static void bad_credentials(struct http_request *req, struct http_response *res)
{
    problem_send(req, res, 401, "invalid_credentials", "The email or password is not correct");
    http_response_header(res, "WWW-Authenticate", "Bearer");
}

/* The account a login names, once its password was checked. */
struct login_account {
    int64_t user_id;
    const char *role;
    int64_t tokens_valid_after;
};

/*
 * Counts the attempt, looks the account up and checks the password, under a
 * hash permit.  The attempt is counted first, atomically, so parallel
 * guesses cannot overrun the limit; one that checked no password (busy,
 * storage down) is given back.  0 with *acct filled, or -1 when answered.
 */
static int login_check(struct app *app, struct http_request *req, struct http_response *res,
                       const char *email, struct login_account *acct)
{
    size_t password_len = 0;
    const char *password = fields_string(req->json, "password", &password_len);
    long long retry_after = 0;
    int limited = login_throttle_begin(app->cache, &app->cfg->jwt, req->arena, email, req->remote_addr, &retry_after);
    if (limited < 0) {
        problem_unavailable(req, res, "redis");
        return -1;
    }
    if (limited > 0) {
        rate_limited(req, res, retry_after, "Too many failed logins; try again later");
        return -1;
    }
    struct db_rows rows;
    struct db_value param = DBP_STR(email);
    int rc = db_query_row(app->db, STMT_USER_LOGIN, &param, 1, req->arena, &rows);
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        login_throttle_give_back(app->cache, req->arena, email, req->remote_addr);
        respond_storage_failure(app, req, res, rc, "login");
        return -1;
    }
    if (hash_gate_enter(app->cfg, app->slot) != 0) {
        login_throttle_give_back(app->cache, req->arena, email, req->remote_addr);
        hashing_busy(req, res);
        return -1;
    }
    /* An unknown email is verified against a dummy hash: the same cost. */
    const char *hash = rc == DB_OK ? DB_CELL(&rows, 0, ULOGIN_PASSWORD_HASH)->s : NULL;
    int verified = password_verify(hash, password, password_len);
    hash_gate_leave(app->slot);
    if (verified != 0) {
        bad_credentials(req, res); /* already counted */
        return -1;
    }
    login_throttle_success(app->cache, req->arena, email, req->remote_addr);
    acct->user_id = DB_CELL(&rows, 0, ULOGIN_ID)->i;
    acct->role = DB_CELL(&rows, 0, ULOGIN_ROLE)->s;
    acct->tokens_valid_after = DB_CELL(&rows, 0, ULOGIN_TOKENS_VALID_AFTER)->i;
    return 0;
}

void handle_auth_login(struct app *app, struct http_request *req, struct http_response *res)
{
    if (respond_body_valid(req, res, LOGIN_FIELDS, sizeof LOGIN_FIELDS / sizeof LOGIN_FIELDS[0]) != 0)
        return;
    char normalized[EMAIL_MAX + 1];
    email_normalize(fields_string(req->json, "email", NULL), normalized);
    struct login_account acct;
    if (login_check(app, req, res, normalized, &acct) != 0)
        return;
    struct principal p = {0};
    int64_t tva = acct.tokens_valid_after;
    if (principal_role_parse(acct.role, &p.kind) != 0) {
        problem_internal_error(req, res, "login: unknown role in users row");
        return;
    }
    p.user_id = acct.user_id;
    char refresh[REFRESH_TOKEN_LEN + 1];
    if (auth_tokens_start_family(app, req, res, p.user_id, refresh) != 0)
        return;
    revocation_remember_user(&app->revocation, req->arena, p.user_id, acct.role, tva);
    auth_tokens_answer(app, req, res, &p, tva, refresh);
}

void handle_auth_logout(struct app *app, struct http_request *req, struct http_response *res)
{
    if (auth_tokens_revoke_presented(app, req, res) != 0)
        return;
    int rc = revocation_revoke_token(&app->revocation, req->arena, req->principal);
    if (rc == TOKEN_UNAVAILABLE) {
        problem_unavailable(req, res, "a dependency");
        return;
    }
    if (rc != 0) {
        problem_internal_error(req, res, "logout failed");
        return;
    }
    res->status = 204;
}

void handle_auth_logout_all(struct app *app, struct http_request *req, struct http_response *res)
{
    /* Refresh tokens first: were the cut-off written and this not, a
     * refresh token could still mint access tokens after the cut-off. */
    int rc = refresh_store_revoke_user(app->db, req->principal->user_id, (int64_t)time(NULL));
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "logout-all");
        return;
    }
    int64_t cutoff = 0;
    rc = revocation_revoke_all(&app->revocation, req->arena, req->principal->user_id, (int64_t)time(NULL), &cutoff);
    if (rc == TOKEN_UNAVAILABLE) {
        problem_unavailable(req, res, "mysql");
        return;
    }
    if (rc != 0) {
        problem_internal_error(req, res, "logout-all failed");
        return;
    }
    res->status = 204;
}

void handle_auth_me(struct app *app, struct http_request *req, struct http_response *res)
{
    struct db_rows rows;
    struct db_value param = DBP_INT(req->principal->user_id);
    int rc = db_query_row(app->db, STMT_USER_PROFILE, &param, 1, req->arena, &rows);
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such user");
        return;
    }
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "me");
        return;
    }
    respond_json(req, res, 200, user_json(&rows));
}
