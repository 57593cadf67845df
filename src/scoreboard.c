/*
 * scoreboard.c — one slot per child in an anonymous shared mapping.  Only
 * the master claims and releases slots; a worker writes only its own slot.
 */
#include "scoreboard.h"

#include <stddef.h>
#include <sys/mman.h>
#include <time.h>

static struct scoreboard_slot *slots;

int scoreboard_init(void)
{
    if (slots)
        return 0;
    void *p = mmap(NULL, SCOREBOARD_SLOTS * sizeof *slots, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    slots = p;
    return 0;
}

int scoreboard_claim(pid_t pid)
{
    if (!slots)
        return -1;
    for (int i = 0; i < SCOREBOARD_SLOTS; i++) {
        if (slots[i].pid == 0) {
            slots[i] = (struct scoreboard_slot){.pid = pid, .route = SCOREBOARD_IDLE};
            return i;
        }
    }
    return -1;
}

void scoreboard_set_pid(int slot, pid_t pid)
{
    if (slots && slot >= 0 && slot < SCOREBOARD_SLOTS)
        slots[slot].pid = pid;
}

int scoreboard_find(pid_t pid)
{
    if (!slots)
        return -1;
    for (int i = 0; i < SCOREBOARD_SLOTS; i++)
        if (slots[i].pid == pid)
            return i;
    return -1;
}

void scoreboard_release(int slot)
{
    if (slots && slot >= 0 && slot < SCOREBOARD_SLOTS) {
        /* A permit of a worker that died hashing is free again. */
        __atomic_store_n(&slots[slot].hashing, 0, __ATOMIC_SEQ_CST);
        slots[slot] = (struct scoreboard_slot){0};
    }
}

struct scoreboard_slot scoreboard_read(int slot)
{
    struct scoreboard_slot s = {0};
    if (slots && slot >= 0 && slot < SCOREBOARD_SLOTS) {
        s.pid = slots[slot].pid;
        s.route = __atomic_load_n(&slots[slot].route, __ATOMIC_ACQUIRE);
        s.started_us = __atomic_load_n(&slots[slot].started_us, __ATOMIC_RELAXED);
        s.requests = __atomic_load_n(&slots[slot].requests, __ATOMIC_RELAXED);
    }
    return s;
}

void scoreboard_begin(int slot, int route, uint64_t now_us)
{
    if (!slots || slot < 0 || slot >= SCOREBOARD_SLOTS)
        return;
    __atomic_store_n(&slots[slot].started_us, now_us, __ATOMIC_RELAXED);
    __atomic_store_n(&slots[slot].route, route, __ATOMIC_RELEASE);
}

void scoreboard_end(int slot)
{
    if (!slots || slot < 0 || slot >= SCOREBOARD_SLOTS)
        return;
    __atomic_store_n(&slots[slot].route, SCOREBOARD_IDLE, __ATOMIC_RELEASE);
    __atomic_fetch_add(&slots[slot].requests, 1, __ATOMIC_RELAXED);
}

/*
 * Announce, then count: every store and load here is sequentially
 * consistent, so of any cap + 1 workers holding permits at once, the one that
 * announced last would have counted all cap + 1 announcements and withdrawn.
 * Two workers racing for the last permit may both withdraw; the caller
 * answers 503 and the client retries, which is the safe way to be wrong.
 */
int scoreboard_hash_acquire(int slot, unsigned cap)
{
    if (!slots || slot < 0 || slot >= SCOREBOARD_SLOTS)
        return 1;
    if (cap == 0)
        return 0;
    __atomic_store_n(&slots[slot].hashing, 1, __ATOMIC_SEQ_CST);
    if (scoreboard_hashing() <= cap)
        return 1;
    __atomic_store_n(&slots[slot].hashing, 0, __ATOMIC_SEQ_CST);
    return 0;
}

void scoreboard_hash_release(int slot)
{
    if (slots && slot >= 0 && slot < SCOREBOARD_SLOTS)
        __atomic_store_n(&slots[slot].hashing, 0, __ATOMIC_SEQ_CST);
}

unsigned scoreboard_hashing(void)
{
    unsigned n = 0;
    if (!slots)
        return 0;
    for (int i = 0; i < SCOREBOARD_SLOTS; i++)
        n += __atomic_load_n(&slots[i].hashing, __ATOMIC_SEQ_CST) != 0;
    return n;
}

uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
