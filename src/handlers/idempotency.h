/*
 * idempotency.h — Idempotency-Key for unsafe requests (API.md, Idempotency).
 *
 * The key is claimed in MySQL (state in_progress, committed at once) before
 * the work starts, so a concurrent duplicate finds it and gets 409
 * idempotency_in_progress; the response is recorded with the key — inside
 * the work's own transaction where there is one, so an order and its key's
 * response commit together.  A repeat with the same request gets the first
 * response again with Idempotent-Replayed: true; the same key with another
 * request is 422 idempotency_key_reused.  Keys live 24 h.
 *
 * Who holds a key.  The claiming request writes a random owner_token and its
 * connection's CONNECTION_ID() (owner_conn) into the row.  Every later write
 * it makes to the row — the response inside the order's transaction, a
 * release, a late recording — is guarded by its token and by the row being
 * still in_progress, so a request whose key was taken over changes nothing
 * (its transaction is rolled back and it answers 409).
 *
 * When a holder is dead.  A transaction can only commit while its connection
 * exists, and the server closes a connection whose client has gone (worker
 * killed, connection cut, read timeout).  So a duplicate that finds an
 * in_progress key asks the server whether owner_conn still exists: if it
 * does, the holder may still be working or committing (409, Retry-After: 1);
 * if not, the holder is dead and its work either committed (then the row says
 * done, written in the same transaction, and is replayed) or did not (the row
 * is in_progress, and the key is taken over at once for a fresh attempt).
 * The take-over is an update guarded by the token and state seen, so it
 * waits for the row lock of a transaction still committing the key's
 * response and then finds the row changed.  A holder whose connection lives
 * but which seems stuck (a hung worker) is taken over after
 * IDEMPOTENCY_STALE_SECONDS; its guarded writes then fail.
 *
 * After a 5xx the key is released for a retry (only while still in_progress
 * and ours), except when the outcome of a write is unknown (the connection
 * broke during COMMIT): then the row is kept and the retry finds out as above.
 */
#ifndef ORDERAPI_IDEMPOTENCY_H
#define ORDERAPI_IDEMPOTENCY_H

#include <stdint.h>

struct app;
struct db;
struct http_request;
struct http_response;

#define IDEMPOTENCY_TTL_SECONDS 86400
#define IDEMPOTENCY_STALE_SECONDS 60

struct idempotency {
    int active;          /* the request carried a key and it was claimed */
    int lost;            /* the key was taken over: our writes to it changed nothing */
    char principal[32];  /* "u:<user id>" or "g:<phone>" */
    const char *key;
    int64_t token;       /* owner_token of our claim */
};

/* What a request does with a key row it found (idempotency_decide). */
enum idem_decision {
    IDEM_REPLAY,      /* finished: answer the recorded response */
    IDEM_REUSED,      /* another request under the same key: 422 */
    IDEM_BUSY,        /* a live holder is still at work: 409 */
    IDEM_TAKE_OVER,   /* expired, or its holder is dead or stale: claim it */
};

/* The facts about a key row that decide what a duplicate does. */
struct idem_seen {
    int same_request;  /* the stored request hash is this request's */
    int expired;       /* past expires_at */
    int done;          /* state done (a response is recorded) */
    int owner_alive;   /* in_progress and the holder's connection exists (or is unknown) */
    int64_t age_s;     /* since the row was claimed */
};
enum idem_decision idempotency_decide(const struct idem_seen *seen);

/* What the end of a request does with its key (idempotency_settlement). */
enum idem_settle {
    IDEM_LEAVE,    /* nothing: no key, already recorded, taken over, or outcome unknown */
    IDEM_RELEASE,  /* a 5xx with nothing committed: free the key for a retry */
    IDEM_RECORD,   /* any other answer: record it */
};
enum idem_settle idempotency_settlement(const struct idempotency *idem, int recorded, int status,
                                        int outcome_unknown);

/* 0: go on (idem->active says whether a key is held); -1: answered
 * (400 bad key, replay, 409 in progress, 422 reused, 503). */
int idempotency_begin(struct app *app, struct http_request *req, struct http_response *res,
                      struct idempotency *idem);
/* Records res as the key's response inside the caller's transaction.
 * DB_CONSTRAINT with idem->lost set when the key is no longer ours. */
int idempotency_record(struct db *db, struct idempotency *idem, int status, const char *body,
                       const char *location);
/* Answers 409 idempotency_in_progress: for a request whose key was taken
 * over (idem->lost) while it worked. */
void idempotency_respond_lost(struct http_request *req, struct http_response *res);
/* After the request: see idempotency_settlement. */
void idempotency_end(struct app *app, const struct idempotency *idem, const struct http_response *res,
                     int recorded);

#endif
