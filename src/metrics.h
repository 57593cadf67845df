/*
 * metrics.h — counters shared by every worker of one master.
 *
 * The master maps one anonymous shared region before forking; workers add
 * to it with atomic operations, so /metrics on any worker reports the whole
 * pool, and a worker's death loses nothing it counted.
 */
#ifndef ORDERAPI_METRICS_H
#define ORDERAPI_METRICS_H

#include <stddef.h>

struct arena;

enum metric_counter {
    METRIC_DB_RETRIES = 0,
    METRIC_DB_RECONNECTS,
    METRIC_REDIS_RECONNECTS,
    METRIC_CACHE_HITS,
    METRIC_CACHE_MISSES,
    METRIC_WORKER_RESTARTS,
    METRIC_WORKER_CRASHES,
    METRIC_PASSWORD_HASHES,         /* Argon2id runs started (hash or verify) */
    METRIC_PASSWORD_HASHES_REFUSED, /* refused at the cap (ORDERAPI_MAX_HASHES) */
    METRIC_COUNTER_COUNT
};

/* Maps the shared region for route_count routes (plus one "unmatched").
 * Called once, before fork.  0 or -1. */
int metrics_init(size_t route_count);
/* Records one finished request; route_index == route_count means unmatched. */
void metrics_request(size_t route_index, int status, double seconds);
void metrics_add(enum metric_counter which, unsigned long long n);
/* The Prometheus text exposition (format 0.0.4), in the arena. */
char *metrics_render(struct arena *a, const char *const *route_names, size_t *len);

#endif
