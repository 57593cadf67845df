/*
 * hash_gate.c — see hash_gate.h.
 */
#include "auth/hash_gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth/hash_slots.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "scoreboard.h"

/* The slot file this process holds while hashing without a master (one
 * hash at a time per process), or -1. */
static int held_slot = -1;

unsigned hash_gate_auto_capacity(long cores, unsigned workers)
{
    unsigned cap = cores > 0 && cores < 1024 ? (unsigned)cores : 1;
    unsigned spare_one = workers > 1 ? workers - 1 : 1;
    return cap < spare_one ? cap : spare_one;
}

unsigned hash_gate_capacity(const struct config *cfg)
{
    if (cfg->jwt.max_hashes > 0)
        return cfg->jwt.max_hashes;
    return hash_gate_auto_capacity(sysconf(_SC_NPROCESSORS_ONLN), cfg->workers);
}

/*
 * Without a master (slot < 0): a slot file of the host's lock directory.
 * 1: taken (or the directory is unusable, which is logged and lets the
 * hash run, as before the cap held across processes); 0: all busy.
 */
static int slot_file_acquire(const struct config *cfg)
{
    char dir[CONFIG_STR], err[256];
    if (cfg->hash_lock_dir[0])
        snprintf(dir, sizeof dir, "%s", cfg->hash_lock_dir);
    else if (hash_slots_default_dir(dir, sizeof dir, getenv("TMPDIR"), (unsigned)geteuid()) != 0)
        return 1;
    int fd = hash_slots_take(dir, hash_gate_capacity(cfg), (unsigned)getpid(), err, sizeof err);
    if (fd == HASH_SLOTS_BUSY)
        return 0;
    if (fd == HASH_SLOTS_UNUSABLE) {
        log_msg("warn", "ORDERAPI_MAX_HASHES not enforced across processes: %s", err);
        return 1;
    }
    held_slot = fd;
    return 1;
}

int hash_gate_enter(const struct config *cfg, int slot)
{
    int granted = slot >= 0 ? scoreboard_hash_acquire(slot, hash_gate_capacity(cfg)) : slot_file_acquire(cfg);
    if (!granted) {
        metrics_add(METRIC_PASSWORD_HASHES_REFUSED, 1);
        return -1;
    }
    metrics_add(METRIC_PASSWORD_HASHES, 1);
    return 0;
}

void hash_gate_leave(int slot)
{
    if (slot >= 0) {
        scoreboard_hash_release(slot);
        return;
    }
    hash_slots_give(held_slot);
    held_slot = -1;
}
