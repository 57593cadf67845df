/*
 * scoreboard.h — what each worker is doing, in memory shared with the
 * master, so that when a worker dies the master can log which route it was
 * running and for how long.
 */
#ifndef ORDERAPI_SCOREBOARD_H
#define ORDERAPI_SCOREBOARD_H

#include <stdint.h>
#include <sys/types.h>

#define SCOREBOARD_SLOTS 600 /* 256 workers, twice over during a reload, and spares */
#define SCOREBOARD_IDLE (-1)

struct scoreboard_slot {
    pid_t pid;
    int32_t route;          /* route index being served, or SCOREBOARD_IDLE */
    uint64_t started_us;    /* when the current request started */
    uint64_t requests;      /* requests served by this worker */
    int32_t hashing;        /* 1 while the worker holds a password-hash permit */
};

/* Maps the shared slots; before fork.  0 or -1. */
int scoreboard_init(void);
/* A free slot for a new child (claimed for pid), or -1. */
int scoreboard_claim(pid_t pid);
/* Records the pid of the child a claimed slot was forked for. */
void scoreboard_set_pid(int slot, pid_t pid);
/* The slot of pid, or -1. */
int scoreboard_find(pid_t pid);
/* Releases a slot after its child has been reaped. */
void scoreboard_release(int slot);
/* A copy of the slot's state (for the master's crash log). */
struct scoreboard_slot scoreboard_read(int slot);
/* Called by a worker around each request. */
void scoreboard_begin(int slot, int route, uint64_t now_us);
void scoreboard_end(int slot);
/*
 * Password-hash permits: at most cap slots hold one at a time, across every
 * process forked from the master.  A worker announces itself in its own slot
 * and then counts the announced slots; over cap, it withdraws and is refused.
 * A permit lives in the slot, so when a worker dies holding one, the master's
 * scoreboard_release() frees it.  1 granted, 0 refused.  Without a slot or
 * without the shared mapping (one process serving alone: CGI, an inherited
 * socket) there is nobody to share with, and the permit is granted.
 */
int scoreboard_hash_acquire(int slot, unsigned cap);
void scoreboard_hash_release(int slot);
/* How many slots hold a permit now (for tests and metrics). */
unsigned scoreboard_hashing(void);
/* Microseconds on the monotonic clock. */
uint64_t monotonic_us(void);

#endif
