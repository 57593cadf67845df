/*
 * respawn.c — the master's respawn policy (see respawn.h).
 */
#include "respawn.h"

void respawn_started(struct respawn_slot *s, uint64_t now_us)
{
    s->started_us = now_us;
}

/*
 * A young death extends the slot's run of quick deaths; once the run is
 * RESPAWN_LOOP_DEATHS long the pause starts at RESPAWN_FIRST_PAUSE_US and
 * doubles with each further one.  A death after a long life starts a new run.
 */
uint64_t respawn_died(struct respawn_slot *s, uint64_t now_us)
{
    int young = now_us >= s->started_us && now_us - s->started_us < RESPAWN_YOUNG_US;
    s->young_deaths = young ? s->young_deaths + 1 : 0;
    if (s->young_deaths > 64)
        s->young_deaths = 64; /* long past the cap: keeps the shift below in range */
    s->died_us = now_us;
    s->pause_us = 0;
    if (s->young_deaths >= RESPAWN_LOOP_DEATHS) {
        unsigned doublings = s->young_deaths - RESPAWN_LOOP_DEATHS;
        s->pause_us = RESPAWN_MAX_PAUSE_US;
        if (doublings < 16 && (RESPAWN_FIRST_PAUSE_US << doublings) < RESPAWN_MAX_PAUSE_US)
            s->pause_us = RESPAWN_FIRST_PAUSE_US << doublings;
    }
    return s->pause_us;
}

void respawn_left(struct respawn_slot *s, uint64_t now_us)
{
    s->young_deaths = 0;
    s->died_us = now_us;
    s->pause_us = 0;
}

uint64_t respawn_due_us(const struct respawn_slot *s, int below_minimum)
{
    uint64_t wait = s->pause_us;
    if (below_minimum && wait > RESPAWN_FLOOR_US)
        wait = RESPAWN_FLOOR_US;
    return s->died_us + wait;
}

unsigned respawn_min_live(unsigned workers)
{
    return workers > 1 ? (workers + 1) / 2 : 1;
}

/* The empty, unplanned slot that has been dead longest among those due by
 * the floor at now_us; n when there is none. */
static size_t longest_dead_due(const struct respawn_slot *slots, const unsigned char *running,
                               const unsigned char *start, size_t n, uint64_t now_us)
{
    size_t pick = n;
    for (size_t i = 0; i < n; i++) {
        if (running[i] || start[i] || respawn_due_us(&slots[i], 1) > now_us)
            continue;
        if (pick == n || slots[i].died_us < slots[pick].died_us)
            pick = i;
    }
    return pick;
}

uint64_t respawn_plan(const struct respawn_slot *slots, const unsigned char *running, size_t n,
                      unsigned min_live, uint64_t now_us, unsigned char *start)
{
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        start[i] = !running[i] && respawn_due_us(&slots[i], 0) <= now_us;
        live += running[i] || start[i];
    }
    while (live < min_live) {
        size_t pick = longest_dead_due(slots, running, start, n, now_us);
        if (pick == n)
            break;
        start[pick] = 1;
        live++;
    }
    uint64_t next = RESPAWN_NEVER;
    for (size_t i = 0; i < n; i++) {
        if (running[i] || start[i])
            continue;
        uint64_t due = respawn_due_us(&slots[i], live < min_live);
        if (due < next)
            next = due;
    }
    return next;
}
