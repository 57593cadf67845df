/*
 * arena.h — the per-request arena.
 *
 * Everything a request allocates comes from its arena and is released in one
 * go when the request ends (arena_reset).  Objects owned by other libraries
 * (jansson references, hiredis replies) are registered with arena_defer() so
 * that their release runs at the same moment, in reverse order.
 */
#ifndef ORDERAPI_ARENA_H
#define ORDERAPI_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* A new, empty arena; NULL when out of memory. */
struct arena *arena_new(void);
/* Zeroed memory for the life of the arena; NULL on overflow or out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* n * size bytes, zeroed, with the multiplication checked for overflow. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);
/* Runs fn(p) when the arena is reset or freed; -1 when out of memory (fn(p)
 * is then run at once so that the caller never leaks). */
int arena_defer(struct arena *a, void (*fn)(void *), void *p);
/* Runs the deferred releases and takes back all memory: the first block
 * and up to 256 kB of others are kept for the next request, the rest is
 * freed. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
/* Bytes handed out since the last reset (for tests and metrics). */
size_t arena_used(const struct arena *a);
/* Bytes of blocks kept by the last resets for reuse, beyond the first. */
size_t arena_spare_bytes(const struct arena *a);

#endif
