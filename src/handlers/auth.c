/*
 * auth.c — accounts and tokens (API.md, Authentication):
 *
 *   POST /api/v1/auth/register    anyone     201 user; 409 email_taken; 422
 *   POST /api/v1/auth/login       anyone     200 token; 401; 429
 *   POST /api/v1/auth/logout      token      204, this token revoked
 *   POST /api/v1/auth/logout-all  token      204, every older token revoked
 *   GET  /api/v1/auth/me          token      200 user
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "auth/jwt.h"
#include "auth/login_throttle.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/revocation.h"
#include "domain/validation.h"
#include "handlers/handlers.h"
#include "handlers/respond.h"
#include "http/fields.h"
#include "http/problem.h"
#include "store/db.h"

/* The public view of a user row (id, email, full_name, phone, role, created_at). */
static json_t *user_json(const struct db_rows *rows)
{
    const struct db_value *phone = DB_CELL(rows, 0, 3);
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)DB_CELL(rows, 0, 0)->i, "email",
                     DB_CELL(rows, 0, 1)->s, "full_name", DB_CELL(rows, 0, 2)->s, "phone",
                     phone->type == DBV_STR ? json_string(phone->s) : json_null(), "role", DB_CELL(rows, 0, 4)->s,
                     "created_at", DB_CELL(rows, 0, 5)->s);
}

static const struct field_spec REGISTER_FIELDS[] = {
    {"email", FIELD_STRING, 1, 0, 0},
    {"password", FIELD_STRING, 1, 0, 0},
    {"full_name", FIELD_STRING, 1, 0, 0},
    {"phone", FIELD_STRING, 0, 1, 0},
};

void handle_auth_register(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = respond_body_errors(req, res, REGISTER_FIELDS, sizeof REGISTER_FIELDS / sizeof REGISTER_FIELDS[0]);
    if (!errors)
        return;
    size_t email_len = 0, password_len = 0, name_len = 0;
    const char *email = fields_string(req->json, "email", &email_len);
    const char *password = fields_string(req->json, "password", &password_len);
    const char *name = fields_string(req->json, "full_name", &name_len);
    const char *phone = fields_string(req->json, "phone", NULL);
    const char *why;
    if (email && (why = validate_email(email)))
        problem_add_error(errors, "email", why, "Must be a valid email address");
    if (password && (why = validate_password(password, password_len)))
        problem_add_error(errors, "password", why, "Must be 10 to 1024 characters long");
    if (name && (why = validate_full_name(name, name_len)))
        problem_add_error(errors, "full_name", why, "Must be 1 to 200 printable characters");
    if (phone && (why = validate_phone(phone)))
        problem_add_error(errors, "phone", why, "Must be an E.164 number such as +14155550123");
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);

    char normalized[EMAIL_MAX + 1];
    email_normalize(email, normalized);
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(password, password_len, hash) != 0) {
        app_internal_error(req, res, "password_hash failed");
        return;
    }
    struct db_value params[5] = {DBP_STR(normalized), DBP_STRN(name, name_len), phone ? DBP_STR(phone) : DBP_NULL,
                                 DBP_STR("customer"), DBP_STR(hash)};
    uint64_t id = 0;
    int rc = db_exec(app->db, STMT_USER_INSERT, params, 5, NULL, &id);
    if (rc == DB_DUPLICATE) {
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
    {"email", FIELD_STRING, 1, 0, EMAIL_MAX},
    {"password", FIELD_STRING, 1, 0, PASSWORD_MAX_BYTES},
};

/* The one answer for an unknown email and a wrong password alike. */
static void bad_credentials(struct http_request *req, struct http_response *res)
{
    problem_send(req, res, 401, "invalid_credentials", "The email or password is not correct");
    http_response_header(res, "WWW-Authenticate", "Bearer");
}

void handle_auth_login(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = respond_body_errors(req, res, LOGIN_FIELDS, sizeof LOGIN_FIELDS / sizeof LOGIN_FIELDS[0]);
    if (!errors)
        return;
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    size_t password_len = 0;
    const char *email = fields_string(req->json, "email", NULL);
    const char *password = fields_string(req->json, "password", &password_len);
    char normalized[EMAIL_MAX + 1];
    email_normalize(email, normalized);

    long long retry_after = 0;
    int limited = login_throttle_check(app, req->arena, normalized, req->remote_addr, &retry_after);
    if (limited < 0) {
        app_unavailable(req, res, "redis");
        return;
    }
    if (limited > 0) {
        problem_send(req, res, 429, "rate_limited", "Too many failed logins; try again later");
        http_response_header(res, "Retry-After", arena_printf(req->arena, "%lld", retry_after));
        return;
    }
    struct db_rows rows;
    struct db_value param = DBP_STR(normalized);
    int rc = db_query_row(app->db, STMT_USER_LOGIN, &param, 1, req->arena, &rows);
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        respond_storage_failure(app, req, res, rc, "login");
        return;
    }
    /* An unknown email is verified against a dummy hash: the same cost. */
    const char *hash = rc == DB_OK ? DB_CELL(&rows, 0, 1)->s : NULL;
    if (password_verify(hash, password, password_len) != 0) {
        login_throttle_failure(app, req->arena, normalized, req->remote_addr);
        bad_credentials(req, res);
        return;
    }
    login_throttle_success(app, req->arena, normalized);
    struct principal p = {0};
    const char *role = DB_CELL(&rows, 0, 2)->s;
    int64_t tva = DB_CELL(&rows, 0, 3)->i;
    if (principal_role_parse(role, &p.kind) != 0) {
        app_internal_error(req, res, "login: unknown role in users row");
        return;
    }
    p.user_id = DB_CELL(&rows, 0, 0)->i;
    /* A token must be issued after the logout-everywhere cut-off, even within
     * the same second: then it is dated one second ahead (inside the leeway). */
    int64_t now = (int64_t)time(NULL);
    if (now <= tva)
        now = tva + 1;
    char *token = NULL;
    if (jwt_issue(&app->jwt, &p, now, &token) != JWT_OK) {
        app_internal_error(req, res, "jwt_issue failed");
        return;
    }
    revocation_remember_user(app, req->arena, p.user_id, role, tva);
    json_t *body = json_pack("{s:s, s:s, s:I}", "access_token", token, "token_type", "Bearer", "expires_in",
                             (json_int_t)app->jwt.ttl);
    free(token);
    respond_json(req, res, 200, body);
    http_response_header(res, "Cache-Control", "no-store");
}

void handle_auth_logout(struct app *app, struct http_request *req, struct http_response *res)
{
    int rc = revocation_revoke_token(app, req->arena, req->principal);
    if (rc == TOKEN_UNAVAILABLE) {
        app_unavailable(req, res, "a dependency");
        return;
    }
    if (rc != 0) {
        app_internal_error(req, res, "logout failed");
        return;
    }
    res->status = 204;
}

void handle_auth_logout_all(struct app *app, struct http_request *req, struct http_response *res)
{
    int64_t cutoff = 0;
    int rc = revocation_revoke_all(app, req->arena, req->principal->user_id, (int64_t)time(NULL), &cutoff);
    if (rc == TOKEN_UNAVAILABLE) {
        app_unavailable(req, res, "mysql");
        return;
    }
    if (rc != 0) {
        app_internal_error(req, res, "logout-all failed");
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
