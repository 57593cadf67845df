/*
 * metrics.c — request counts by route and status, a latency histogram per
 * route, and a few process-wide counters, in memory shared by the pool.
 */
#include "metrics.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"

/* The statuses orderapi answers with; anything else counts as "other". */
static const int STATUSES[] = {200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409,
                               411, 412, 413, 415, 422, 429, 500, 503};
#define STATUS_COUNT (sizeof STATUSES / sizeof STATUSES[0])
/* Histogram upper bounds in seconds (Prometheus "le"). */
static const double BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1, 0.25, 0.5, 1.0, 2.5};
#define BUCKET_COUNT (sizeof BUCKETS / sizeof BUCKETS[0])

struct route_metrics {
    uint64_t by_status[STATUS_COUNT + 1];
    uint64_t buckets[BUCKET_COUNT + 1]; /* non-cumulative; last is +Inf */
    uint64_t sum_us;
    uint64_t count;
};

struct metrics_shared {
    size_t route_count;
    uint64_t counters[METRIC_COUNTER_COUNT];
    struct route_metrics routes[]; /* route_count + 1 */
};

static struct metrics_shared *shared;

static const char *const COUNTER_NAMES[METRIC_COUNTER_COUNT] = {
    [METRIC_DB_RETRIES] = "orderapi_db_transaction_retries_total",
    [METRIC_DB_RECONNECTS] = "orderapi_db_reconnects_total",
    [METRIC_REDIS_RECONNECTS] = "orderapi_redis_reconnects_total",
    [METRIC_CACHE_HITS] = "orderapi_cache_hits_total",
    [METRIC_CACHE_MISSES] = "orderapi_cache_misses_total",
    [METRIC_WORKER_RESTARTS] = "orderapi_worker_restarts_total",
    [METRIC_WORKER_CRASHES] = "orderapi_worker_crashes_total",
    [METRIC_PASSWORD_HASHES] = "orderapi_password_hashes_total",
    [METRIC_PASSWORD_HASHES_REFUSED] = "orderapi_password_hashes_refused_total",
};

/* Maps the region; it is inherited by every child forked afterwards. */
int metrics_init(size_t route_count)
{
    if (shared)
        return 0;
    size_t size = sizeof *shared + (route_count + 1) * sizeof(struct route_metrics);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    shared = p;
    shared->route_count = route_count;
    return 0;
}

static size_t status_index(int status)
{
    for (size_t i = 0; i < STATUS_COUNT; i++)
        if (STATUSES[i] == status)
            return i;
    return STATUS_COUNT;
}

/* Counts one request; a no-op when metrics were never initialised (CGI). */
void metrics_request(size_t route_index, int status, double seconds)
{
    if (!shared)
        return;
    if (route_index > shared->route_count)
        route_index = shared->route_count;
    struct route_metrics *m = &shared->routes[route_index];
    __atomic_fetch_add(&m->by_status[status_index(status)], 1, __ATOMIC_RELAXED);
    size_t b = 0;
    while (b < BUCKET_COUNT && seconds > BUCKETS[b])
        b++;
    __atomic_fetch_add(&m->buckets[b], 1, __ATOMIC_RELAXED);
    uint64_t us = seconds <= 0 ? 0 : (uint64_t)(seconds * 1e6);
    __atomic_fetch_add(&m->sum_us, us, __ATOMIC_RELAXED);
    __atomic_fetch_add(&m->count, 1, __ATOMIC_RELAXED);
}

void metrics_add(enum metric_counter which, unsigned long long n)
{
    if (!shared || (unsigned)which >= METRIC_COUNTER_COUNT)
        return;
    __atomic_fetch_add(&shared->counters[which], n, __ATOMIC_RELAXED);
}

/* A growing text buffer in the arena. */
struct textbuf {
    struct arena *a;
    char *buf;
    size_t len, cap;
    int failed;
};

static void tb_printf(struct textbuf *tb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_printf(struct textbuf *tb, const char *fmt, ...)
{
    if (tb->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(tb->buf + tb->len, tb->cap - tb->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            tb->failed = 1;
            return;
        }
        if ((size_t)n < tb->cap - tb->len) {
            tb->len += (size_t)n;
            return;
        }
        size_t ncap = tb->cap * 2 + (size_t)n;
        char *nb = arena_alloc(tb->a, ncap);
        if (!nb) {
            tb->failed = 1;
            return;
        }
        memcpy(nb, tb->buf, tb->len);
        tb->buf = nb;
        tb->cap = ncap;
    }
}

/* Renders every series in the Prometheus text format. */
char *metrics_render(struct arena *a, const char *const *route_names, size_t *len)
{
    struct textbuf tb = {.a = a, .cap = 16384};
    tb.buf = arena_alloc(a, tb.cap);
    if (!tb.buf || !shared)
        return NULL;
    tb_printf(&tb, "# HELP orderapi_requests_total Requests answered, by route and status.\n"
                   "# TYPE orderapi_requests_total counter\n");
    for (size_t r = 0; r <= shared->route_count; r++) {
        const char *name = r < shared->route_count ? route_names[r] : "unmatched";
        for (size_t s = 0; s <= STATUS_COUNT; s++) {
            uint64_t v = __atomic_load_n(&shared->routes[r].by_status[s], __ATOMIC_RELAXED);
            if (!v)
                continue;
            if (s < STATUS_COUNT)
                tb_printf(&tb, "orderapi_requests_total{route=\"%s\",status=\"%d\"} %llu\n", name,
                          STATUSES[s], (unsigned long long)v);
            else
                tb_printf(&tb, "orderapi_requests_total{route=\"%s\",status=\"other\"} %llu\n", name,
                          (unsigned long long)v);
        }
    }
    tb_printf(&tb, "# HELP orderapi_request_duration_seconds Time from request read to response written.\n"
                   "# TYPE orderapi_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= shared->route_count; r++) {
        const struct route_metrics *m = &shared->routes[r];
        uint64_t count = __atomic_load_n(&m->count, __ATOMIC_RELAXED);
        if (!count)
            continue;
        const char *name = r < shared->route_count ? route_names[r] : "unmatched";
        uint64_t cumulative = 0;
        for (size_t b = 0; b < BUCKET_COUNT; b++) {
            cumulative += __atomic_load_n(&m->buckets[b], __ATOMIC_RELAXED);
            tb_printf(&tb, "orderapi_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", name,
                      BUCKETS[b], (unsigned long long)cumulative);
        }
        cumulative += __atomic_load_n(&m->buckets[BUCKET_COUNT], __ATOMIC_RELAXED);
        tb_printf(&tb, "orderapi_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", name,
                  (unsigned long long)cumulative);
        tb_printf(&tb, "orderapi_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                  (double)__atomic_load_n(&m->sum_us, __ATOMIC_RELAXED) / 1e6);
        tb_printf(&tb, "orderapi_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                  (unsigned long long)cumulative);
    }
    for (size_t c = 0; c < METRIC_COUNTER_COUNT; c++) {
        tb_printf(&tb, "# TYPE %s counter\n%s %llu\n", COUNTER_NAMES[c], COUNTER_NAMES[c],
                  (unsigned long long)__atomic_load_n(&shared->counters[c], __ATOMIC_RELAXED));
    }
    if (tb.failed)
        return NULL;
    *len = tb.len;
    return tb.buf;
}
