/*
 * idempotency.c — see idempotency.h.
 */
#include "handlers/idempotency.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

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
    const struct db_value *status = DB_CELL(row, 0, IDEM_STATUS), *body = DB_CELL(row, 0, IDEM_BODY),
                          *loc = DB_CELL(row, 0, IDEM_LOCATION);
    res->status = status->type == DBV_INT ? (int)status->i : 200;
    res->body = body->type == DBV_STR ? body->s : "";
    res->body_len = body->type == DBV_STR ? body->len : 0;
    res->content_type = res->status >= 400 ? "application/problem+json" : "application/json";
    if (loc->type == DBV_STR)
        http_response_header(res, "Location", loc->s);
    http_response_header(res, "Idempotent-Replayed", "true");
    (void)req;
}

enum idem_decision idempotency_decide(const struct idem_seen *seen)
{
    if (seen->expired)
        return IDEM_TAKE_OVER;
    if (!seen->same_request)
        return IDEM_REUSED;
    if (seen->done)
        return IDEM_REPLAY;
    if (seen->owner_alive && seen->age_s <= IDEMPOTENCY_STALE_SECONDS)
        return IDEM_BUSY;
    return IDEM_TAKE_OVER;
}

enum idem_settle idempotency_settlement(const struct idempotency *idem, int recorded, int status,
                                        int outcome_unknown)
{
    if (!idem->active || recorded || idem->lost)
        return IDEM_LEAVE;
    if (status >= 500)
        return outcome_unknown ? IDEM_LEAVE : IDEM_RELEASE;
    return IDEM_RECORD;
}

/* A random owner token in 1 .. 2^63-1 (it is bound as a signed integer). */
static int64_t new_token(void)
{
    uint64_t t = 0;
    if (getrandom(&t, sizeof t, 0) != (ssize_t)sizeof t) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        t = ((uint64_t)now.tv_sec << 32) ^ (uint64_t)now.tv_nsec ^ ((uint64_t)getpid() << 20);
    }
    t &= INT64_MAX;
    return t != 0 ? (int64_t)t : 1;
}

/* An integer result cell, whichever way the server typed it. */
static int64_t cell_int(const struct db_value *v, int64_t otherwise)
{
    if (v->type == DBV_INT)
        return v->i;
    if (v->type == DBV_STR && v->s)
        return strtoll(v->s, NULL, 10);
    return otherwise;
}

/*
 * Test hook (ORDERAPI_TEST_ROUTES=1 only): X-Orderapi-Test-Fault arms one
 * real connection fault in this request's MySQL work, so that the
 * end-to-end tests reproduce a lost COMMIT or a lost reply at the protocol
 * level (see db_test_fault_arm).  "claim-cut-pause" cuts the connection
 * that claimed the key and then holds the request for TEST_PAUSE_MS before
 * it goes on (on a new connection): a holder that is alive but whose
 * claiming connection is gone, for the take-over test.  Returns the pause.
 */
#define TEST_PAUSE_MS 8000
static unsigned arm_test_fault(struct app *app, const struct http_request *req)
{
    static const struct {
        const char *name;
        enum db_test_fault fault;
        unsigned pause_ms;
    } faults[] = {
        {"claim-reply-lost", DB_FAULT_REPLY_LOST, 0},
        {"claim-cut-pause", DB_FAULT_CUT_AFTER, TEST_PAUSE_MS},
        {"before-commit", DB_FAULT_BEFORE_COMMIT, 0},
        {"commit-reply-lost", DB_FAULT_COMMIT_REPLY_LOST, 0},
        {"exit-after-commit", DB_FAULT_EXIT_AFTER_COMMIT, 0},
    };
    const char *v = app->cfg->test_routes ? http_header_get(req, "x-orderapi-test-fault") : NULL;
    for (size_t i = 0; v && i < sizeof faults / sizeof faults[0]; i++) {
        if (strcmp(v, faults[i].name) == 0) {
            db_test_fault_arm(app->db, faults[i].fault, STMT_IDEMPOTENCY_CLAIM);
            return faults[i].pause_ms;
        }
    }
    return 0;
}

static void test_pause(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void respond_busy(struct http_request *req, struct http_response *res)
{
    problem_send(req, res, 409, "idempotency_in_progress",
                 "A request with this Idempotency-Key is still being processed");
    http_response_header(res, "Retry-After", "1");
}

void idempotency_respond_lost(struct http_request *req, struct http_response *res)
{
    respond_busy(req, res);
}

/* Reads a key row's facts for idempotency_decide. */
static void row_seen(const struct db_rows *row, const char *hash, struct idem_seen *seen)
{
    seen->same_request = strcmp(DB_CELL(row, 0, IDEM_HASH)->s, hash) == 0;
    seen->expired = cell_int(DB_CELL(row, 0, IDEM_EXPIRES_AT), 0) < (int64_t)time(NULL);
    seen->done = strcmp(DB_CELL(row, 0, IDEM_STATE)->s, "in_progress") != 0;
    seen->age_s = cell_int(DB_CELL(row, 0, IDEM_AGE_S), 0);
    seen->owner_alive = cell_int(DB_CELL(row, 0, IDEM_OWNER_ALIVE), 1) != 0;
}

/*
 * Takes over the row seen, if it is still as seen (same token and state):
 * DB_OK with *taken set or not (it changed: look again), or an error.
 */
static int take_over(struct app *app, struct idempotency *idem, const struct db_rows *row, const char *hash,
                     int64_t expires, int *taken)
{
    const struct db_value *seen_token = DB_CELL(row, 0, IDEM_OWNER_TOKEN);
    struct db_value v[7] = {DBP_STR(hash), DBP_INT(expires), DBP_INT(idem->token), DBP_STR(idem->principal),
                            DBP_STR(idem->key),
                            seen_token->type == DBV_NULL ? DBP_NULL : DBP_INT(cell_int(seen_token, 0)),
                            DBP_STR(DB_CELL(row, 0, IDEM_STATE)->s)};
    uint64_t affected = 0;
    int rc = db_exec(app->db, STMT_IDEMPOTENCY_RETAKE, v, 7, &affected, NULL);
    *taken = rc == DB_OK && affected == 1;
    return rc;
}

/* Claims the key, or answers.  See idempotency.h for the rules. */
static int claim(struct app *app, struct http_request *req, struct http_response *res, struct idempotency *idem,
                 const char *hash)
{
    int64_t expires = (int64_t)time(NULL) + IDEMPOTENCY_TTL_SECONDS;
    int rc = DB_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        struct db_value v[5] = {DBP_STR(idem->principal), DBP_STR(idem->key), DBP_STR(hash),
                                DBP_INT(idem->token), DBP_INT(expires)};
        rc = db_exec(app->db, STMT_IDEMPOTENCY_CLAIM, v, 5, NULL, NULL);
        if (rc == DB_OK)
            return 0;
        if (rc != DB_DUPLICATE)
            break;
        struct db_rows row;
        struct db_value who[2] = {DBP_STR(idem->principal), DBP_STR(idem->key)};
        rc = db_query_row(app->db, STMT_IDEMPOTENCY_GET, who, 2, req->arena, &row);
        if (rc == DB_NOT_FOUND)
            continue; /* released meanwhile: claim again */
        if (rc != DB_OK)
            break;
        struct idem_seen seen;
        row_seen(&row, hash, &seen);
        switch (idempotency_decide(&seen)) {
        case IDEM_REUSED:
            problem_send(req, res, 422, "idempotency_key_reused",
                         "This Idempotency-Key was used with a different request");
            return -1;
        case IDEM_BUSY:
            respond_busy(req, res);
            return -1;
        case IDEM_REPLAY:
            replay(req, res, &row);
            return -1;
        case IDEM_TAKE_OVER: {
            int taken = 0;
            rc = take_over(app, idem, &row, hash, expires, &taken);
            if (rc != DB_OK)
                goto failed;
            if (taken)
                return 0;
            continue; /* it changed meanwhile (finished, released, taken): look again */
        }
        }
    }
failed:
    if (rc == DB_OK || rc == DB_NOT_FOUND || rc == DB_DUPLICATE || rc == DB_RETRYABLE)
        respond_busy(req, res); /* still contended, or waiting on a committing holder */
    else if (rc == DB_UNAVAILABLE)
        problem_unavailable(req, res, "mysql");
    else
        problem_internal_error(req, res, arena_printf(req->arena, "idempotency: %s", db_last_error(app->db)));
    return -1;
}

int idempotency_begin(struct app *app, struct http_request *req, struct http_response *res,
                      struct idempotency *idem)
{
    memset(idem, 0, sizeof *idem);
    unsigned pause_ms = arm_test_fault(app, req);
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
    idem->token = new_token();
    char hash[65];
    if (idempotency_request_hash(req->method_name, req->path, req->json, hash) != 0) {
        problem_internal_error(req, res, "idempotency hash failed");
        return -1;
    }
    if (claim(app, req, res, idem, hash) != 0)
        return -1;
    idem->active = 1;
    if (pause_ms)
        test_pause(pause_ms);
    return 0;
}

int idempotency_record(struct db *db, struct idempotency *idem, int status, const char *body,
                       const char *location)
{
    if (!idem->active)
        return DB_OK;
    struct db_value v[6] = {DBP_INT(status), DBP_STR(body ? body : ""), location ? DBP_STR(location) : DBP_NULL,
                            DBP_STR(idem->principal), DBP_STR(idem->key), DBP_INT(idem->token)};
    uint64_t affected = 0;
    int rc = db_exec(db, STMT_IDEMPOTENCY_FINISH, v, 6, &affected, NULL);
    if (rc == DB_OK && affected != 1) {
        log_msg("warn", "idempotency: key %s of %s was taken over; this request's work is not kept", idem->key,
                idem->principal);
        idem->lost = 1;
        return DB_CONSTRAINT;
    }
    return rc;
}

/* Records a response given outside a transaction (a 4xx, a noop). */
static int record_late(struct app *app, const struct idempotency *idem, const struct http_response *res)
{
    struct idempotency mine = *idem;
    char *body = NULL;
    if (res->body) {
        body = malloc(res->body_len + 1);
        if (body) {
            memcpy(body, res->body, res->body_len);
            body[res->body_len] = '\0';
        }
    }
    int rc = idempotency_record(app->db, &mine, res->status, body, http_response_header_get(res, "Location"));
    free(body);
    return rc;
}

void idempotency_end(struct app *app, const struct idempotency *idem, const struct http_response *res,
                     int recorded)
{
    int rc = DB_OK;
    switch (idempotency_settlement(idem, recorded, res->status, db_outcome_unknown(app->db))) {
    case IDEM_LEAVE:
        if (idem->active && !recorded && !idem->lost)
            log_msg("warn", "idempotency: outcome unknown; key %s of %s kept for the retry to find out",
                    idem->key, idem->principal);
        return;
    case IDEM_RELEASE: {
        struct db_value v[3] = {DBP_STR(idem->principal), DBP_STR(idem->key), DBP_INT(idem->token)};
        rc = db_exec(app->db, STMT_IDEMPOTENCY_RELEASE, v, 3, NULL, NULL);
        break;
    }
    case IDEM_RECORD:
        rc = record_late(app, idem, res);
        break;
    }
    if (rc != DB_OK && rc != DB_CONSTRAINT)
        log_msg("warn",
                "idempotency: could not settle key %s for %s; a retry takes it over once this connection is"
                " gone, or after %d s",
                idem->key, idem->principal, IDEMPOTENCY_STALE_SECONDS);
}
