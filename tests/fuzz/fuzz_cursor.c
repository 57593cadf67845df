/*
 * fuzz_cursor.c — the list cursor decoder (domain/cursor.c), the one
 * parser of GET /orders' ?cursor=.
 *
 * The input is the cursor text.  Invariants: text that is not exactly a
 * sealed cursor is refused (the fuzzer cannot forge the 128-bit MAC, so
 * nearly everything is); whatever is accepted re-encodes to exactly the
 * same text, and has a non-negative id.  A cursor sealed here from the
 * input's bytes decodes to what was sealed, and flipping any of its
 * characters makes it refused or a different cursor... never a crash.
 */
#include <sodium.h>

#include "fuzz_common.h"

#include "domain/cursor.h"

static const unsigned char KEY[CURSOR_KEY_BYTES] = "fuzz key, not a secret, 32 bytes";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return sodium_init() < 0 ? -1 : 0;
}

static uint64_t bytes64(struct fuzz_input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | fuzz_u8(in);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct list_cursor c;
    char again[CURSOR_TEXT_LEN + 1];
    if (cursor_decode(KEY, (const char *)data, size, &c) == 0) {
        FUZZ_CHECK(c.id >= 0);
        cursor_encode(KEY, &c, again);
        FUZZ_CHECK(size == CURSOR_TEXT_LEN && memcmp(again, data, size) == 0);
    }
    /* Seal a cursor from the input's bytes, then damage one character. */
    struct fuzz_input in = {data, size};
    struct list_cursor sealed = {.sort = fuzz_u8(&in) % 4, .key = (int64_t)bytes64(&in),
                                 .id = (int64_t)(bytes64(&in) >> 1), .tag = bytes64(&in)};
    cursor_encode(KEY, &sealed, again);
    FUZZ_CHECK(strlen(again) == CURSOR_TEXT_LEN);
    FUZZ_CHECK(cursor_decode(KEY, again, CURSOR_TEXT_LEN, &c) == 0);
    FUZZ_CHECK(c.sort == sealed.sort && c.key == sealed.key && c.id == sealed.id && c.tag == sealed.tag);
    size_t at = fuzz_u8(&in) % CURSOR_TEXT_LEN;
    char flipped = (char)fuzz_u8(&in);
    if (flipped != again[at]) {
        again[at] = flipped;
        if (cursor_decode(KEY, again, CURSOR_TEXT_LEN, &c) == 0)
            FUZZ_CHECK(c.sort != sealed.sort || c.key != sealed.key || c.id != sealed.id || c.tag != sealed.tag ||
                       0); /* a different text decoding to the same cursor would be a second spelling */
    }
    return 0;
}
