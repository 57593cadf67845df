/*
 * arena.c — the per-request arena: a list of blocks handed out by bumping an
 * offset, plus a list of deferred releases for memory that belongs to other
 * libraries.
 *
 * Small allocations come from the current block; a request for more than a
 * quarter of a block gets a block of its own so that one large body does not
 * waste the rest of the current block.  arena_reset() keeps the first block,
 * so a worker that serves request after request with small needs does not
 * touch malloc at all after the first one; it also keeps the other blocks,
 * up to ARENA_SPARE_BYTES, as spares for the next request: a report of a
 * few hundred kB would otherwise have malloc hand the top of the heap back
 * to the kernel after each request (brk) and fault it in again on the next.
 */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every allocation is aligned like max_align_t (16 bytes on x86-64), which is
 * enough for any scalar type and for long double. */
#define ARENA_ALIGN ((size_t)_Alignof(max_align_t))
#define ARENA_BLOCK_SIZE ((size_t)16384)
#define ARENA_LARGE_THRESHOLD (ARENA_BLOCK_SIZE / 4)
/* Blocks kept across resets, in bytes of capacity: bounds what an idle
 * worker holds beyond the first block (below the bench's 512 kB "flat"). */
#define ARENA_SPARE_BYTES ((size_t)256 * 1024)

/* Under AddressSanitizer a spare block is poisoned while it waits, so a
 * pointer kept past arena_reset() is still caught as it was when the block
 * was freed. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define SPARE_POISON(b) ASAN_POISON_MEMORY_REGION((b)->data, (b)->capacity)
#define SPARE_UNPOISON(b) ASAN_UNPOISON_MEMORY_REGION((b)->data, (b)->capacity)
#else
#define SPARE_POISON(b) ((void)(b))
#define SPARE_UNPOISON(b) ((void)(b))
#endif

struct arena_block {
    struct arena_block *next;
    size_t capacity; /* usable bytes in data[] */
    size_t offset;   /* bytes of data[] handed out */
    _Alignas(max_align_t) unsigned char data[];
};

struct arena_cleanup {
    struct arena_cleanup *next; /* the one registered before this one */
    void (*fn)(void *);
    void *p;
};

struct arena {
    struct arena_block *first;   /* kept across resets */
    struct arena_block *current; /* where small allocations bump */
    struct arena_cleanup *cleanups; /* newest first */
    size_t used;
    struct arena_block *spare; /* freed by the last reset, kept for reuse */
    size_t spare_bytes;        /* their capacity */
};

/*
 * Rounds size up to the arena alignment.  Returns 0 and sets *out, or -1 when
 * the rounding would overflow size_t.
 */
static int align_up(size_t size, size_t *out)
{
    if (size > SIZE_MAX - (ARENA_ALIGN - 1))
        return -1;
    *out = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    return 0;
}

/*
 * Allocates a block with room for capacity bytes, or NULL when the header
 * plus the capacity would overflow or malloc fails.
 */
static struct arena_block *block_new(size_t capacity)
{
    struct arena_block *block;

    if (capacity > SIZE_MAX - sizeof(*block))
        return NULL;
    block = malloc(sizeof(*block) + capacity);
    if (block == NULL)
        return NULL;
    block->next = NULL;
    block->capacity = capacity;
    block->offset = 0;
    return block;
}

/* The smallest spare block of at least capacity bytes (emptied), or a new
 * one; NULL when out of memory. */
static struct arena_block *block_get(struct arena *a, size_t capacity)
{
    struct arena_block **best = NULL;
    for (struct arena_block **b = &a->spare; *b; b = &(*b)->next)
        if ((*b)->capacity >= capacity && (!best || (*b)->capacity < (*best)->capacity))
            best = b;
    if (!best)
        return block_new(capacity);
    struct arena_block *block = *best;
    *best = block->next;
    a->spare_bytes -= block->capacity;
    SPARE_UNPOISON(block);
    block->next = NULL;
    block->offset = 0;
    return block;
}

/*
 * Creates an arena with one block ready for use.  Returns NULL when out of
 * memory.
 */
struct arena *arena_new(void)
{
    struct arena *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->first = block_new(ARENA_BLOCK_SIZE);
    if (a->first == NULL) {
        free(a);
        return NULL;
    }
    a->current = a->first;
    return a;
}

/*
 * Returns size zeroed bytes that stay valid until the next reset.  A request
 * for zero bytes still returns a distinct pointer.  Returns NULL when the
 * rounded size overflows or memory runs out; the arena stays usable.
 */
void *arena_alloc(struct arena *a, size_t size)
{
    struct arena_block *block;
    size_t rounded;
    void *p;

    if (a == NULL)
        return NULL;
    if (align_up(size == 0 ? 1 : size, &rounded) != 0)
        return NULL;

    block = a->current;
    if (rounded > block->capacity - block->offset) {
        if (rounded > ARENA_LARGE_THRESHOLD) {
            /* A dedicated block, linked behind the first one so that the
             * current block keeps serving small allocations. */
            block = block_get(a, rounded);
            if (block == NULL)
                return NULL;
            block->next = a->first->next;
            a->first->next = block;
        } else {
            block = block_get(a, ARENA_BLOCK_SIZE);
            if (block == NULL)
                return NULL;
            block->next = a->current->next;
            a->current->next = block;
            a->current = block;
        }
    }

    p = block->data + block->offset;
    block->offset += rounded;
    a->used += rounded;
    memset(p, 0, size);
    return p;
}

/*
 * Returns n * size zeroed bytes, or NULL when the product overflows size_t
 * (an attacker-chosen count must never wrap into a small allocation).
 */
void *arena_calloc(struct arena *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    return arena_alloc(a, n * size);
}

/* Copies the first n bytes of s (or fewer, up to its NUL) into the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    size_t len;
    char *copy;

    if (s == NULL)
        return NULL;
    len = strnlen(s, n);
    if (len == SIZE_MAX)
        return NULL;
    copy = arena_alloc(a, len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

/* Copies a NUL-terminated string into the arena. */
char *arena_strdup(struct arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return arena_strndup(a, s, strlen(s));
}

/*
 * Formats into the arena.  The length is measured with a first vsnprintf on a
 * copy of the argument list, then the text is written into exactly that much
 * arena memory.
 */
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list measure;
    int len;
    char *out;

    va_copy(measure, ap);
    len = vsnprintf(NULL, 0, fmt, measure);
    va_end(measure);
    if (len < 0)
        return NULL;
    out = arena_alloc(a, (size_t)len + 1);
    if (out == NULL)
        return NULL;
    vsnprintf(out, (size_t)len + 1, fmt, ap);
    return out;
}

/* printf into the arena; NULL when out of memory. */
char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    char *out;

    va_start(ap, fmt);
    out = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return out;
}

/*
 * Registers fn(p) to run at the next reset or free.  The record lives in the
 * arena itself.  When it cannot be allocated, fn(p) runs at once and -1 is
 * returned, so the object is never leaked (the caller must not use it after).
 */
int arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
    struct arena_cleanup *cleanup;

    if (fn == NULL)
        return -1;
    cleanup = arena_alloc(a, sizeof(*cleanup));
    if (cleanup == NULL) {
        fn(p);
        return -1;
    }
    cleanup->fn = fn;
    cleanup->p = p;
    cleanup->next = a->cleanups;
    a->cleanups = cleanup;
    return 0;
}

/*
 * Runs the deferred releases newest first.  A release may itself allocate or
 * defer (the new records go onto a fresh list, which is drained too).
 */
static void run_cleanups(struct arena *a)
{
    while (a->cleanups != NULL) {
        struct arena_cleanup *list = a->cleanups;

        a->cleanups = NULL;
        while (list != NULL) {
            struct arena_cleanup *next = list->next;

            list->fn(list->p);
            list = next;
        }
    }
}

/*
 * Ends a request: runs the deferred releases in reverse order of
 * registration, frees every block but the first and rewinds the first.
 */
void arena_reset(struct arena *a)
{
    struct arena_block *block;

    if (a == NULL)
        return;
    run_cleanups(a);
    block = a->first->next;
    while (block != NULL) {
        struct arena_block *next = block->next;

        if (block->capacity <= ARENA_SPARE_BYTES - a->spare_bytes) {
            SPARE_POISON(block);
            block->next = a->spare;
            a->spare = block;
            a->spare_bytes += block->capacity;
        } else {
            free(block);
        }
        block = next;
    }
    a->first->next = NULL;
    a->first->offset = 0;
    a->current = a->first;
    a->used = 0;
}

/* Runs the deferred releases and frees the arena with all its blocks. */
void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    arena_reset(a);
    while (a->spare != NULL) {
        struct arena_block *next = a->spare->next;

        free(a->spare);
        a->spare = next;
    }
    free(a->first);
    free(a);
}

/* Bytes handed out since the last reset, including alignment padding. */
size_t arena_used(const struct arena *a)
{
    return a == NULL ? 0 : a->used;
}

size_t arena_spare_bytes(const struct arena *a)
{
    return a == NULL ? 0 : a->spare_bytes;
}
