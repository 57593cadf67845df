/*
 * idempotency.h — Idempotency-Key for unsafe requests (API.md, Idempotency).
 *
 * The key is claimed in MySQL (state in_progress, committed at once) before
 * the work starts, so a concurrent duplicate finds it and gets 409
 * idempotency_in_progress; the response is recorded with the key — inside
 * the work's own transaction where there is one, so an order and its key's
 * response commit together.  A repeat with the same request gets the first
 * response again with Idempotent-Replayed: true; the same key with another
 * request is 422 idempotency_key_reused.  Keys live 24 h; a key left
 * in_progress for over a minute by a crashed worker may be taken over.
 */
#ifndef ORDERAPI_IDEMPOTENCY_H
#define ORDERAPI_IDEMPOTENCY_H

struct app;
struct db;
struct http_request;
struct http_response;

#define IDEMPOTENCY_TTL_SECONDS 86400
#define IDEMPOTENCY_STALE_SECONDS 60

struct idempotency {
    int active;          /* the request carried a key and it was claimed */
    char principal[32];  /* "u:<user id>" or "g:<phone>" */
    const char *key;
};

/* 0: go on (idem->active says whether a key is held); -1: answered
 * (400 bad key, replay, 409 in progress, 422 reused, 503). */
int idempotency_begin(struct app *app, struct http_request *req, struct http_response *res,
                      struct idempotency *idem);
/* Records res as the key's response inside the caller's transaction. */
int idempotency_record(struct db *db, const struct idempotency *idem, int status, const char *body,
                       const char *location);
/* After the request: a 5xx frees the key for a retry; any other response not
 * yet recorded is recorded now. */
void idempotency_end(struct app *app, const struct idempotency *idem, const struct http_response *res,
                     int recorded);

#endif
