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
    if (slots && slot >= 0 && slot < SCOREBOARD_SLOTS)
        slots[slot] = (struct scoreboard_slot){0};
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

uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
