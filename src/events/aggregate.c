/*
 * aggregate.c — the daily aggregates from the outbox; see aggregate.h.
 */
#include "events/aggregate.h"

#include <inttypes.h>
#include <jansson.h>

#include "app.h"
#include "arena.h"
#include "domain/stats_delta.h"
#include "events/drain.h"
#include "log.h"
#include "store/aggregate_store.h"
#include "store/db.h"
#include "store/list_cache.h"
#include "store/statements.h"

#define AGGREGATE_BATCH 500

struct aggregate_batch {
    struct arena *a;
    struct db_rows rows;
    struct stats_deltas deltas;
};

/* The merged deltas of the batch's events.  An event that lacks what the
 * statistics need (written by an older version) is logged and counted as
 * applied, so that it cannot hold the aggregates back.  0, or -1 (memory). */
static int batch_deltas(struct aggregate_batch *b)
{
    for (size_t r = 0; r < b->rows.count; r++) {
        const struct db_value *payload = DB_CELL(&b->rows, r, OUTBOX_AGG_PAYLOAD);
        const char *type = DB_CELL(&b->rows, r, OUTBOX_AGG_TYPE)->s;
        json_t *p = json_loadb(payload->s, payload->len, 0, NULL);
        int rc = stats_deltas_add_event(&b->deltas, type, p);
        json_decref(p);
        if (rc == STATS_DELTA_NOMEM)
            return -1;
        if (rc == STATS_DELTA_MALFORMED)
            log_msg("error", "aggregate: event %" PRId64 " (%s) lacks what the statistics need; not counted",
                    DB_CELL(&b->rows, r, OUTBOX_AGG_ID)->i, type);
    }
    stats_deltas_merge(&b->deltas);
    return 0;
}

/* Marks the events and applies their deltas, in one transaction. */
static int apply_tx(struct db *db, void *arg)
{
    struct aggregate_batch *b = arg;
    int rc = aggregate_store_mark(db, b->a, &b->rows);
    return rc == DB_OK ? aggregate_store_apply(db, b->a, &b->deltas) : rc;
}

/* Applies one batch.  Returns the number of events read (0: none pending),
 * or -1 when MySQL failed. */
static long aggregate_batch(struct app *app, struct arena *a)
{
    struct aggregate_batch b = {.a = a};
    if (aggregate_store_pending(app->db, a, AGGREGATE_BATCH, &b.rows) != DB_OK)
        return -1;
    if (b.rows.count == 0)
        return 0;
    int rc = batch_deltas(&b) == 0 ? db_tx(app->db, apply_tx, &b) : DB_ERROR;
    int changed = b.deltas.nbuckets > 0 || b.deltas.nsales > 0;
    stats_deltas_free(&b.deltas);
    if (rc == DB_DUPLICATE)
        return (long)b.rows.count; /* another consumer applied them: read again */
    if (rc != DB_OK) {
        log_msg("error", "aggregate: a batch of %zu events failed: %s", b.rows.count, db_last_error(app->db));
        return -1;
    }
    if (changed) {
        static const char *const scopes[] = {"stats"};
        list_cache_bump(app->cache, a, scopes, 1);
    }
    return (long)b.rows.count;
}

int aggregate_drain(struct app *app, struct arena *a)
{
    return drain_batches(app, a, aggregate_batch, AGGREGATE_BATCH);
}
