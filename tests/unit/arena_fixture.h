/*
 * arena_fixture.h — one arena for a whole test group: the group's setup
 * makes it, its teardown frees it, and the cases share `arena`.
 *   return cmocka_run_group_tests(tests, arena_setup, arena_teardown);
 */
#ifndef ORDERAPI_TEST_ARENA_FIXTURE_H
#define ORDERAPI_TEST_ARENA_FIXTURE_H

#include "arena.h"

static struct arena *arena;

static int arena_setup(void **state)
{
    (void)state;
    arena = arena_new();
    return arena ? 0 : -1;
}

static int arena_teardown(void **state)
{
    (void)state;
    arena_free(arena);
    arena = NULL;
    return 0;
}

#endif
