/*
 * relay.h — publishes the outbox to the Redis stream orderapi:events.
 *
 * Order transactions write their events into outbox_events in the same
 * transaction as the change.  The relay reads the unpublished rows in id
 * order, XADDs them (fields id, type, order_id, payload, created_at; MAXLEN
 * ~ ORDERAPI_EVENTS_MAXLEN) in one pipeline, and only then marks them
 * published: delivery is at least once, and consumers deduplicate by id.
 * Events of one order are committed one after another (the order row lock
 * serialises them), so their ids — and so their stream positions — follow
 * their commit order.
 *
 * It does not poll MySQL in a tight loop: after each commit a worker pushes
 * a wake-up onto orderapi:outbox:wake, and the relay sleeps in BLPOP on it
 * (at most a second, so a lost wake-up costs at most a second).
 */
#ifndef ORDERAPI_RELAY_H
#define ORDERAPI_RELAY_H

struct config;
struct app;
struct arena;

#define RELAY_WAKE_KEY "orderapi:outbox:wake"
#define RELAY_STREAM_KEY "orderapi:events"

/* Runs until SIGTERM (as the master's relay child).  Exit code. */
int relay_run(const struct config *cfg, int slot);
/* Publishes everything pending, then returns (`orderapi relay --once`):
 * 0, or 1 when MySQL or Redis failed. */
int relay_once(const struct config *cfg);

#endif
