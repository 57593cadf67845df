/*
 * respawn.h — when the master starts a child again after one died.  A pure
 * policy: times come in as arguments, nothing here forks, waits or reads a
 * clock, so it is unit-tested on its own (tests/unit/test_respawn.c).
 *
 * Every slot of the pool, and the relay, backs off on its own.  A child that
 * dies younger than RESPAWN_YOUNG_US is a quick death; after
 * RESPAWN_LOOP_DEATHS quick deaths in a row its slot waits
 * RESPAWN_FIRST_PAUSE_US before the next start, twice as long after each
 * further quick death, at most RESPAWN_MAX_PAUSE_US.  A child that lived
 * longer, or left cleanly (max_requests), forgives its slot.
 *
 * But the pool never waits with fewer than respawn_min_live() workers
 * running: empty slots below that number start again RESPAWN_FLOOR_US after
 * their death whatever their pause, so requests are still answered while a
 * request or a bug keeps killing workers, and a worker that cannot even
 * start costs at most ten forks a second.
 */
#ifndef ORDERAPI_RESPAWN_H
#define ORDERAPI_RESPAWN_H

#include <stddef.h>
#include <stdint.h>

#define RESPAWN_YOUNG_US 10000000ULL      /* a child that dies within 10 s died young */
#define RESPAWN_LOOP_DEATHS 3             /* this many young deaths in a row are a loop */
#define RESPAWN_FIRST_PAUSE_US 1000000ULL /* the first pause of a looping slot */
#define RESPAWN_MAX_PAUSE_US 30000000ULL
#define RESPAWN_FLOOR_US 100000ULL        /* the shortest wait of a slot below the minimum */
#define RESPAWN_NEVER UINT64_MAX

struct respawn_slot {
    uint64_t started_us;   /* when its latest child started */
    uint64_t died_us;      /* when that child died (0: none has) */
    uint64_t pause_us;     /* the wait after died_us before the next start */
    unsigned young_deaths; /* quick deaths in a row */
};

/* Records that the slot's child started at now_us. */
void respawn_started(struct respawn_slot *s, uint64_t now_us);

/* Records that the slot's child died (crashed, was killed, exited non-zero)
 * at now_us; returns the pause before its next start (0: at once). */
uint64_t respawn_died(struct respawn_slot *s, uint64_t now_us);

/* Records that the slot's child left cleanly at now_us: no pause, and the
 * slot's quick deaths are forgiven. */
void respawn_left(struct respawn_slot *s, uint64_t now_us);

/* When the empty slot may start: after its pause, or, when the pool is
 * below its minimum, after RESPAWN_FLOOR_US at most. */
uint64_t respawn_due_us(const struct respawn_slot *s, int below_minimum);

/* How many workers the pool keeps running whatever the pauses: half of
 * them, rounded up (at least one). */
unsigned respawn_min_live(unsigned workers);

/*
 * Plans the starts of n slots at now_us.  running[i] is 1 when slot i has a
 * live child; on return start[i] is 1 for each empty slot to start now.
 * Empty slots start when their pause is over; while fewer than min_live
 * slots would run, those past the floor start too, the longest-dead first.
 * Returns the time the next waiting slot becomes due, or RESPAWN_NEVER when
 * none is waiting.
 */
uint64_t respawn_plan(const struct respawn_slot *slots, const unsigned char *running, size_t n,
                      unsigned min_live, uint64_t now_us, unsigned char *start);

#endif
