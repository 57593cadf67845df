/*
 * aggregate.h — the daily aggregates behind /orders/stats and /reports,
 * maintained from the outbox by the relay (not in the order transactions).
 *
 * A batch reads up to 500 committed events not yet applied, in id order,
 * turns them into deltas (domain/stats_delta.c: merged, so each aggregate
 * row is written once per batch), and in ONE transaction marks them applied
 * and adds the deltas (store/aggregate_store.c): a crash, a kill -9 or a
 * second consumer never counts an event twice or loses one.  After COMMIT
 * it bumps the "stats" cache scope.  It needs only MySQL: with Redis down
 * the aggregates still advance (the relay then looks every second).
 *
 * The statistics therefore lag the order commits by the relay's delay: its
 * wake-up, ORDERAPI_RELAY_GATHER_MS and a batch (README.md, "Statistics").
 */
#ifndef ORDERAPI_AGGREGATE_H
#define ORDERAPI_AGGREGATE_H

struct app;
struct arena;

/* Applies every pending event, a batch at a time: 0, or -1 when MySQL
 * failed (nothing of the failed batch is applied; it is read again). */
int aggregate_drain(struct app *app, struct arena *a);

#endif
