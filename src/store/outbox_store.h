/*
 * outbox_store.h — the SQL of the event relay (events/relay.c): the
 * committed events not yet published, and their marking once Redis took
 * them.  The aggregates' own reading and marking of the same rows is
 * store/aggregate_store.h.
 */
#ifndef ORDERAPI_OUTBOX_STORE_H
#define ORDERAPI_OUTBOX_STORE_H

#include <stddef.h>

struct arena;
struct db;
struct db_rows;

/* Up to limit unpublished events in id order (enum outbox_col).  DB_*. */
int outbox_store_pending(struct db *db, struct arena *a, size_t limit, struct db_rows *rows);
/* Marks exactly the events of rows (as read by outbox_store_pending)
 * published.  DB_*. */
int outbox_store_mark_published(struct db *db, struct arena *a, const struct db_rows *rows);

#endif
