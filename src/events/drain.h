/*
 * drain.h — the relay's loop over its outbox consumers: run batches until
 * one comes back short, which means nothing more was pending.
 */
#ifndef ORDERAPI_DRAIN_H
#define ORDERAPI_DRAIN_H

struct app;
struct arena;

/* One batch of a consumer: the number of events it read (fewer than its
 * batch size: nothing more pending), or -1 when it failed. */
typedef long (*drain_batch_fn)(struct app *app, struct arena *a);

/* Runs batch until it reads fewer than batch_size events, resetting the
 * arena after each: 0, or -1 when a batch failed (the rest waits for the
 * next drain). */
int drain_batches(struct app *app, struct arena *a, drain_batch_fn batch, long batch_size);

#endif
