/*
 * fuzz_common.h — small helpers shared by the libFuzzer harnesses.
 *
 * A harness checks invariants with FUZZ_CHECK, which aborts (libFuzzer then
 * saves the input as a crash) with the condition and the line, so a broken
 * invariant is reported like a memory error.  fuzz_input reads structured
 * values off the front of the fuzzer's bytes.
 */
#ifndef ORDERAPI_FUZZ_COMMON_H
#define ORDERAPI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry points, declared once for every harness. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Defines the LLVMFuzzerInitialize of a harness that needs nothing but a
 * fixed hash seed for jansson, so that objects iterate in the same order on
 * every run and a saved input reproduces its run.
 */
#define FUZZ_INITIALIZE_JSON_SEED()                   \
    int LLVMFuzzerInitialize(int *argc, char ***argv) \
    {                                                 \
        (void)argc;                                   \
        (void)argv;                                   \
        json_object_seed(1);                          \
        return 0;                                     \
    }

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* Bytes not yet consumed. */
struct fuzz_input {
    const uint8_t *data;
    size_t size;
};

/* One byte, or 0 when the input is exhausted. */
static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
    uint8_t v;

    if (in->size == 0)
        return 0;
    v = in->data[0];
    in->data++;
    in->size--;
    return v;
}

/* Eight bytes as a little-endian integer (missing bytes are 0). */
static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v |= (uint64_t)fuzz_u8(in) << (8 * i);
    return v;
}

/*
 * The bytes up to the next sep (not included, sep consumed) or to the end,
 * as a malloc'd NUL-terminated copy; *len gets the length (the copy may hold
 * NUL bytes).  The caller frees.
 */
static inline char *fuzz_take_until(struct fuzz_input *in, uint8_t sep, size_t *len)
{
    const uint8_t *end = memchr(in->data, sep, in->size);
    size_t n = end != NULL ? (size_t)(end - in->data) : in->size;
    char *copy = malloc(n + 1);

    if (copy == NULL)
        abort();
    memcpy(copy, in->data, n);
    copy[n] = '\0';
    if (len != NULL)
        *len = n;
    in->data += n;
    in->size -= n;
    if (end != NULL) {
        in->data++;
        in->size--;
    }
    return copy;
}

/* The whole input as a malloc'd NUL-terminated string. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);

    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    return copy;
}

#endif
