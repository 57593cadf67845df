/*
 * hash_gate.c — see hash_gate.h.
 */
#include "auth/hash_gate.h"

#include <unistd.h>

#include "config.h"
#include "metrics.h"
#include "scoreboard.h"

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

int hash_gate_enter(const struct config *cfg, int slot)
{
    if (!scoreboard_hash_acquire(slot, hash_gate_capacity(cfg))) {
        metrics_add(METRIC_PASSWORD_HASHES_REFUSED, 1);
        return -1;
    }
    metrics_add(METRIC_PASSWORD_HASHES, 1);
    return 0;
}

void hash_gate_leave(int slot)
{
    scoreboard_hash_release(slot);
}
