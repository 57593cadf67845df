/*
 * test_idempotency.c — the decisions of src/handlers/idempotency.c that need
 * no server: what a duplicate does with the key row it finds, and what the
 * end of a request does with its own key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "handlers/idempotency.h"

static struct idem_seen seen(int same_request, int expired, int done, int owner_alive, int64_t age_s)
{
    return (struct idem_seen){.same_request = same_request, .expired = expired, .done = done,
                              .owner_alive = owner_alive, .age_s = age_s};
}

static enum idem_decision decide(struct idem_seen s)
{
    return idempotency_decide(&s);
}

static void test_finished_key_replays(void **state)
{
    (void)state;
    assert_int_equal(decide(seen(1, 0, 1, 0, 5)), IDEM_REPLAY);
    /* A finished row's holder being alive or not does not matter. */
    assert_int_equal(decide(seen(1, 0, 1, 1, 5)), IDEM_REPLAY);
    assert_int_equal(decide(seen(1, 0, 1, 0, 100000)), IDEM_REPLAY);
}

static void test_other_request_is_refused(void **state)
{
    (void)state;
    assert_int_equal(decide(seen(0, 0, 1, 0, 5)), IDEM_REUSED);
    assert_int_equal(decide(seen(0, 0, 0, 1, 5)), IDEM_REUSED);
    /* Even when the holder is dead: the key belongs to another request. */
    assert_int_equal(decide(seen(0, 0, 0, 0, 5)), IDEM_REUSED);
}

static void test_live_holder_means_busy(void **state)
{
    (void)state;
    assert_int_equal(decide(seen(1, 0, 0, 1, 0)), IDEM_BUSY);
    assert_int_equal(decide(seen(1, 0, 0, 1, IDEMPOTENCY_STALE_SECONDS)), IDEM_BUSY);
}

/* The fix for a key held by a request known to be dead: taken over at once,
 * not after IDEMPOTENCY_STALE_SECONDS. */
static void test_dead_holder_is_taken_over_at_once(void **state)
{
    (void)state;
    assert_int_equal(decide(seen(1, 0, 0, 0, 0)), IDEM_TAKE_OVER);
    assert_int_equal(decide(seen(1, 0, 0, 0, 1)), IDEM_TAKE_OVER);
}

static void test_stale_or_expired_is_taken_over(void **state)
{
    (void)state;
    assert_int_equal(decide(seen(1, 0, 0, 1, IDEMPOTENCY_STALE_SECONDS + 1)), IDEM_TAKE_OVER);
    assert_int_equal(decide(seen(1, 1, 1, 0, 90000)), IDEM_TAKE_OVER);
    assert_int_equal(decide(seen(0, 1, 1, 0, 90000)), IDEM_TAKE_OVER);
    assert_int_equal(decide(seen(0, 1, 0, 1, 90000)), IDEM_TAKE_OVER);
}

static enum idem_settle settle(int active, int lost, int recorded, int status, int unknown)
{
    struct idempotency idem = {.active = active, .lost = lost};
    return idempotency_settlement(&idem, recorded, status, unknown);
}

static void test_settlement(void **state)
{
    (void)state;
    /* No key, a response recorded in the transaction, a key taken over. */
    assert_int_equal(settle(0, 0, 0, 500, 0), IDEM_LEAVE);
    assert_int_equal(settle(1, 0, 1, 201, 0), IDEM_LEAVE);
    assert_int_equal(settle(1, 1, 0, 409, 0), IDEM_LEAVE);
    assert_int_equal(settle(1, 1, 0, 503, 0), IDEM_LEAVE);
    /* A 5xx with nothing committed frees the key for a retry. */
    assert_int_equal(settle(1, 0, 0, 500, 0), IDEM_RELEASE);
    assert_int_equal(settle(1, 0, 0, 503, 0), IDEM_RELEASE);
    /* The fix: a 5xx whose COMMIT's outcome is unknown keeps the key. */
    assert_int_equal(settle(1, 0, 0, 503, 1), IDEM_LEAVE);
    /* Other answers given outside the transaction are recorded. */
    assert_int_equal(settle(1, 0, 0, 409, 0), IDEM_RECORD);
    assert_int_equal(settle(1, 0, 0, 422, 0), IDEM_RECORD);
    assert_int_equal(settle(1, 0, 0, 404, 0), IDEM_RECORD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finished_key_replays),
        cmocka_unit_test(test_other_request_is_refused),
        cmocka_unit_test(test_live_holder_means_busy),
        cmocka_unit_test(test_dead_holder_is_taken_over_at_once),
        cmocka_unit_test(test_stale_or_expired_is_taken_over),
        cmocka_unit_test(test_settlement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
