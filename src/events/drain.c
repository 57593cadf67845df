/*
 * drain.c — see drain.h.
 */
#include "events/drain.h"

#include "arena.h"

int drain_batches(struct app *app, struct arena *a, drain_batch_fn batch, long batch_size)
{
    for (;;) {
        long n = batch(app, a);
        arena_reset(a);
        if (n < 0)
            return -1;
        if (n < batch_size)
            return 0;
    }
}
