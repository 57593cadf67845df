/*
 * relay_wake.h — tells the event relay (relay.h) that the outbox has rows.
 *
 * A worker that commits a transaction which wrote outbox events calls
 * relay_wake after the commit (and after bumping the list cache, so a
 * consumer that reads a list on an event sees the new generation).  The
 * relay sleeps in BLPOP on RELAY_WAKE_KEY; a lost wake-up only delays
 * publication, since the relay looks at the outbox every second anyway.
 */
#ifndef ORDERAPI_RELAY_WAKE_H
#define ORDERAPI_RELAY_WAKE_H

#include <hiredis/hiredis.h>

struct arena;
struct cache;

/* Pushes one wake-up (LPUSH, then LTRIM to one element, so the list cannot
 * grow while the relay is away), in one round trip; best effort, logged. */
void relay_wake(struct cache *cache, struct arena *a);

/* The wake-up's commands, for a caller that sends them in a pipeline of its
 * own (list_cache_bump_then: the generations and the wake-up in one round
 * trip); relay_wake_check then checks their replies (NULL: none came),
 * logs a failure and returns -1, else 0. */
#define RELAY_WAKE_NCOMMANDS 2
void relay_wake_commands(const int **argcs, const char **const **argvs, const size_t *const **lens);
int relay_wake_check(redisReply *const *replies);

#endif
