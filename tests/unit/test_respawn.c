/*
 * test_respawn.c — the master's respawn policy (src/respawn.c): pauses per
 * slot, forgiveness, and the minimum of running workers that no pause may
 * take the pool below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "respawn.h"

#define S 1000000ULL /* one second in microseconds */
#define MS 1000ULL

/* Starts the slot at `at` and lets its child die `lived` later; the pause. */
static uint64_t live_and_die(struct respawn_slot *s, uint64_t at, uint64_t lived)
{
    respawn_started(s, at);
    return respawn_died(s, at + lived);
}

static void test_first_quick_deaths_respawn_at_once(void **state)
{
    (void)state;
    struct respawn_slot s = {0};
    assert_int_equal(live_and_die(&s, 100 * S, 10 * MS), 0);
    assert_int_equal(live_and_die(&s, 101 * S, 10 * MS), 0);
    assert_int_equal(s.young_deaths, 2);
    assert_int_equal(respawn_due_us(&s, 0), 101 * S + 10 * MS);
}

static void test_a_loop_pauses_doubling_up_to_the_cap(void **state)
{
    (void)state;
    struct respawn_slot s = {0};
    uint64_t t = 100 * S;
    uint64_t want[] = {0, 0, 1 * S, 2 * S, 4 * S, 8 * S, 16 * S, 30 * S, 30 * S, 30 * S};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t pause = live_and_die(&s, t, 50 * MS);
        assert_int_equal(pause, want[i]);
        assert_int_equal(respawn_due_us(&s, 0), t + 50 * MS + pause);
        t += 50 * MS + pause;
    }
}

static void test_very_long_loops_stay_at_the_cap(void **state)
{
    (void)state;
    struct respawn_slot s = {0};
    uint64_t t = 100 * S;
    for (int i = 0; i < 200; i++) {
        uint64_t pause = live_and_die(&s, t, 1 * MS);
        assert_true(pause <= RESPAWN_MAX_PAUSE_US);
        t += 1 * MS + pause;
    }
    assert_int_equal(s.pause_us, RESPAWN_MAX_PAUSE_US);
}

static void test_a_long_life_forgives_the_slot(void **state)
{
    (void)state;
    struct respawn_slot s = {0};
    uint64_t t = 100 * S;
    for (int i = 0; i < 5; i++)
        t += 10 * MS + live_and_die(&s, t, 10 * MS);
    assert_true(s.pause_us > 0);
    /* This child lived past RESPAWN_YOUNG_US: its death starts a new run. */
    assert_int_equal(live_and_die(&s, t, RESPAWN_YOUNG_US), 0);
    assert_int_equal(s.young_deaths, 0);
    assert_int_equal(live_and_die(&s, t + 20 * S, 10 * MS), 0);
}

static void test_a_clean_exit_forgives_the_slot(void **state)
{
    (void)state;
    struct respawn_slot s = {0};
    uint64_t t = 100 * S;
    for (int i = 0; i < 4; i++)
        t += 10 * MS + live_and_die(&s, t, 10 * MS);
    respawn_started(&s, t);
    respawn_left(&s, t + 5 * MS);
    assert_int_equal(s.young_deaths, 0);
    assert_int_equal(respawn_due_us(&s, 0), t + 5 * MS);
}

static void test_below_the_minimum_a_slot_waits_only_the_floor(void **state)
{
    (void)state;
    struct respawn_slot s = {0};
    uint64_t t = 100 * S;
    for (int i = 0; i < 6; i++)
        t += 10 * MS + live_and_die(&s, t, 10 * MS);
    assert_int_equal(s.pause_us, 8 * S);
    assert_int_equal(respawn_due_us(&s, 1), s.died_us + RESPAWN_FLOOR_US);
    /* A slot without a pause is not held back by the floor. */
    struct respawn_slot fresh = {0};
    assert_int_equal(live_and_die(&fresh, t, 20 * MS), 0);
    assert_int_equal(respawn_due_us(&fresh, 1), t + 20 * MS);
}

static void test_min_live_is_half_rounded_up(void **state)
{
    (void)state;
    assert_int_equal(respawn_min_live(0), 1);
    assert_int_equal(respawn_min_live(1), 1);
    assert_int_equal(respawn_min_live(2), 1);
    assert_int_equal(respawn_min_live(3), 2);
    assert_int_equal(respawn_min_live(4), 2);
    assert_int_equal(respawn_min_live(256), 128);
}

/* Puts a slot into a loop whose latest death was at died with this pause. */
static void looping(struct respawn_slot *s, uint64_t died, uint64_t pause)
{
    *s = (struct respawn_slot){.started_us = died - 1, .died_us = died, .pause_us = pause, .young_deaths = 5};
}

static void test_plan_starts_a_new_pool_at_once(void **state)
{
    (void)state;
    struct respawn_slot slots[4] = {{0}};
    unsigned char running[4] = {0}, start[4];
    uint64_t next = respawn_plan(slots, running, 4, 2, 100 * S, start);
    for (int i = 0; i < 4; i++)
        assert_int_equal(start[i], 1);
    assert_int_equal(next, RESPAWN_NEVER);
}

static void test_plan_leaves_paused_slots_while_the_minimum_runs(void **state)
{
    (void)state;
    struct respawn_slot slots[4] = {{0}};
    unsigned char running[4] = {1, 1, 0, 0}, start[4];
    uint64_t now = 100 * S;
    looping(&slots[2], now - 1 * S, 4 * S);
    looping(&slots[3], now - 3 * S, 4 * S);
    uint64_t next = respawn_plan(slots, running, 4, 2, now, start);
    assert_memory_equal(start, ((unsigned char[]){0, 0, 0, 0}), 4);
    assert_int_equal(next, now + 1 * S); /* slot 3's pause ends first */
    /* Its pause over, slot 3 starts; slot 2 still waits. */
    next = respawn_plan(slots, running, 4, 2, now + 1 * S, start);
    assert_memory_equal(start, ((unsigned char[]){0, 0, 0, 1}), 4);
    assert_int_equal(next, now + 3 * S);
}

static void test_plan_never_lets_the_pool_fall_below_the_minimum(void **state)
{
    (void)state;
    struct respawn_slot slots[4] = {{0}};
    unsigned char running[4] = {0, 0, 0, 0}, start[4];
    uint64_t now = 100 * S;
    /* Every slot is looping with a long pause; slots 1 and 3 died longest ago. */
    looping(&slots[0], now - 50 * MS, 30 * S);
    looping(&slots[1], now - 900 * MS, 30 * S);
    looping(&slots[2], now - 200 * MS, 30 * S);
    looping(&slots[3], now - 500 * MS, 30 * S);
    uint64_t next = respawn_plan(slots, running, 4, 2, now, start);
    assert_memory_equal(start, ((unsigned char[]){0, 1, 0, 1}), 4);
    assert_int_equal(next, now - 200 * MS + 30 * S); /* the minimum runs: pauses again */
}

static void test_plan_below_the_minimum_waits_for_the_floor(void **state)
{
    (void)state;
    struct respawn_slot slots[2] = {{0}};
    unsigned char running[2] = {0, 0}, start[2];
    uint64_t now = 100 * S;
    looping(&slots[0], now - 20 * MS, 8 * S);
    looping(&slots[1], now - 10 * MS, 8 * S);
    uint64_t next = respawn_plan(slots, running, 2, 1, now, start);
    assert_memory_equal(start, ((unsigned char[]){0, 0}), 2);
    assert_int_equal(next, now - 20 * MS + RESPAWN_FLOOR_US);
    next = respawn_plan(slots, running, 2, 1, next, start);
    assert_memory_equal(start, ((unsigned char[]){1, 0}), 2);
    assert_int_equal(next, now - 10 * MS + 8 * S);
}

static void test_plan_with_no_minimum_keeps_every_pause(void **state)
{
    (void)state;
    /* The relay: one slot, and nothing forces it back early. */
    struct respawn_slot relay;
    unsigned char running = 0, start = 1;
    looping(&relay, 100 * S, 2 * S);
    assert_int_equal(respawn_plan(&relay, &running, 1, 0, 100 * S + 500 * MS, &start), 102 * S);
    assert_int_equal(start, 0);
    respawn_plan(&relay, &running, 1, 0, 102 * S, &start);
    assert_int_equal(start, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_quick_deaths_respawn_at_once),
        cmocka_unit_test(test_a_loop_pauses_doubling_up_to_the_cap),
        cmocka_unit_test(test_very_long_loops_stay_at_the_cap),
        cmocka_unit_test(test_a_long_life_forgives_the_slot),
        cmocka_unit_test(test_a_clean_exit_forgives_the_slot),
        cmocka_unit_test(test_below_the_minimum_a_slot_waits_only_the_floor),
        cmocka_unit_test(test_min_live_is_half_rounded_up),
        cmocka_unit_test(test_plan_starts_a_new_pool_at_once),
        cmocka_unit_test(test_plan_leaves_paused_slots_while_the_minimum_runs),
        cmocka_unit_test(test_plan_never_lets_the_pool_fall_below_the_minimum),
        cmocka_unit_test(test_plan_below_the_minimum_waits_for_the_floor),
        cmocka_unit_test(test_plan_with_no_minimum_keeps_every_pause),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
