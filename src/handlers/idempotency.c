/*
 * idempotency.c — see idempotency.h.
 */
#include "handlers/idempotency.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "auth/principal.h"
#include "domain/order_rules.h"
#include "http/http.h"
#include "http/problem.h"
#include "log.h"
#include "store/db.h"

/* Answers with a stored response. */
static void replay(struct http_request *req, struct http_response *res, const struct db_rows *row)
{
    const struct db_value *status = DB_CELL(row, 0, 2), *body = DB_CELL(row, 0, 3), *loc = DB_CELL(row, 0, 4);
    res->status = status->type == DBV_INT ? (int)status->i : 200;
    res->body = body->type == DBV_STR ? body->s : "";
    res->body_len = body->type == DBV_STR ? body->len : 0;
    res->content_type = res->status >= 400 ? "application/problem+json" : "application/json";
    if (loc->type == DBV_STR)
        http_response_header(res, "Location", loc->s);
    http_response_header(res, "Idempotent-Replayed", "true");
    (void)req;
}

int idempotency_begin(struct app *app, struct http_request *req, struct http_response *res,
                      struct idempotency *idem)
{
    memset(idem, 0, sizeof *idem);
    const char *key = http_header_get(req, "idempotency-key");
    if (!key)
        return 0;
    if (!idempotency_key_valid(key)) {
        problem_send(req, res, 400, "invalid_idempotency_key",
                     "Idempotency-Key must be 1 to 255 printable ASCII characters");
        return -1;
    }
    const struct principal *p = req->principal;
    if (p->kind == PRINCIPAL_GUEST)
        snprintf(idem->principal, sizeof idem->principal, "g:%s", p->phone);
    else
        snprintf(idem->principal, sizeof idem->principal, "u:%" PRId64, p->user_id);
    idem->key = key;
    char hash[65];
    if (idempotency_request_hash(req->method_name, req->path, req->json, hash) != 0) {
        app_internal_error(req, res, "idempotency hash failed");
        return -1;
    }
    int64_t expires = (int64_t)time(NULL) + IDEMPOTENCY_TTL_SECONDS;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct db_value claim[4] = {DBP_STR(idem->principal), DBP_STR(key), DBP_STR(hash), DBP_INT(expires)};
        int rc = db_exec(app->db, STMT_IDEMPOTENCY_CLAIM, claim, 4, NULL, NULL);
        if (rc == DB_OK) {
            idem->active = 1;
            return 0;
        }
        if (rc != DB_DUPLICATE)
            goto storage;
        struct db_rows row;
        struct db_value who[2] = {DBP_STR(idem->principal), DBP_STR(key)};
        rc = db_query_row(app->db, STMT_IDEMPOTENCY_GET, who, 2, req->arena, &row);
        if (rc == DB_NOT_FOUND)
            continue; /* released meanwhile: claim again */
        if (rc != DB_OK)
            goto storage;
        int expired = DB_CELL(&row, 0, 5)->i < (int64_t)time(NULL);
        int in_progress = strcmp(DB_CELL(&row, 0, 1)->s, "in_progress") == 0;
        int stale = in_progress && DB_CELL(&row, 0, 6)->type == DBV_INT &&
                    DB_CELL(&row, 0, 6)->i > IDEMPOTENCY_STALE_SECONDS;
        if (!expired && strcmp(DB_CELL(&row, 0, 0)->s, hash) != 0) {
            problem_send(req, res, 422, "idempotency_key_reused",
                         "This Idempotency-Key was used with a different request");
            return -1;
        }
        if (expired || stale) {
            struct db_value retake[4] = {DBP_STR(hash), DBP_INT(expires), DBP_STR(idem->principal), DBP_STR(key)};
            uint64_t affected = 0;
            rc = db_exec(app->db, STMT_IDEMPOTENCY_RETAKE, retake, 4, &affected, NULL);
            if (rc != DB_OK)
                goto storage;
            idem->active = 1;
            return 0;
        }
        if (in_progress) {
            problem_send(req, res, 409, "idempotency_in_progress",
                         "A request with this Idempotency-Key is still being processed");
            http_response_header(res, "Retry-After", "1");
            return -1;
        }
        replay(req, res, &row);
        return -1;
    }
storage:
    if (db_ping(app->db) != DB_OK)
        app_unavailable(req, res, "mysql");
    else
        app_internal_error(req, res, arena_printf(req->arena, "idempotency: %s", db_last_error(app->db)));
    return -1;
}

int idempotency_record(struct db *db, const struct idempotency *idem, int status, const char *body,
                       const char *location)
{
    if (!idem->active)
        return DB_OK;
    struct db_value v[5] = {DBP_INT(status), DBP_STR(body ? body : ""), location ? DBP_STR(location) : DBP_NULL,
                            DBP_STR(idem->principal), DBP_STR(idem->key)};
    return db_exec(db, STMT_IDEMPOTENCY_FINISH, v, 5, NULL, NULL);
}

void idempotency_end(struct app *app, const struct idempotency *idem, const struct http_response *res,
                     int recorded)
{
    if (!idem->active || recorded)
        return;
    int rc;
    if (res->status >= 500) {
        struct db_value v[2] = {DBP_STR(idem->principal), DBP_STR(idem->key)};
        rc = db_exec(app->db, STMT_IDEMPOTENCY_RELEASE, v, 2, NULL, NULL);
    } else {
        char *body = NULL;
        if (res->body) {
            body = malloc(res->body_len + 1);
            if (body) {
                memcpy(body, res->body, res->body_len);
                body[res->body_len] = '\0';
            }
        }
        rc = idempotency_record(app->db, idem, res->status, body, http_response_header_get(res, "Location"));
        free(body);
    }
    if (rc != DB_OK)
        log_msg("warn", "idempotency: could not settle key %s for %s; it frees itself after %d s", idem->key,
                idem->principal, IDEMPOTENCY_STALE_SECONDS);
}
