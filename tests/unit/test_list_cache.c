/*
 * test_list_cache.c — the stale mark (a failed bump makes the cache stale
 * until an epoch bump sent after it succeeds), the check of a bump's
 * replies and of the relay's wake-up sent in the bump's round trip, the
 * mark shared through a file, and the prefetch's plan: the script until the
 * scope's version is known, then MGET + GET, whose answer counts only while
 * the version holds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "config.h"
#include "events/relay_wake.h"
#include "store/cache.h"
#include "store/list_cache.h"
#include "fake_reply.h"

static void test_fresh_mark_is_clean(void **state)
{
    (void)state;
    struct list_cache_marker m = {0};
    assert_false(list_cache_marker_stale(&m));
}

static void test_failure_is_stale_until_repaired(void **state)
{
    (void)state;
    struct list_cache_marker m = {0};
    list_cache_marker_fail(&m);
    assert_true(list_cache_marker_stale(&m));
    uint64_t seen = list_cache_marker_failures(&m);
    assert_true(list_cache_marker_stale(&m));
    list_cache_marker_repaired(&m, seen);
    assert_false(list_cache_marker_stale(&m));
}

static void test_failure_during_a_repair_survives_it(void **state)
{
    (void)state;
    struct list_cache_marker m = {0};
    list_cache_marker_fail(&m);
    uint64_t seen = list_cache_marker_failures(&m); /* a repairer sends its INCR */
    list_cache_marker_fail(&m);                     /* another bump fails meanwhile */
    list_cache_marker_repaired(&m, seen);           /* the INCR succeeded: not enough */
    assert_true(list_cache_marker_stale(&m));
    list_cache_marker_repaired(&m, list_cache_marker_failures(&m));
    assert_false(list_cache_marker_stale(&m));
}

static void test_slow_repair_does_not_undo_a_later_one(void **state)
{
    (void)state;
    struct list_cache_marker m = {0};
    list_cache_marker_fail(&m);
    uint64_t slow = list_cache_marker_failures(&m);
    list_cache_marker_fail(&m);
    list_cache_marker_repaired(&m, list_cache_marker_failures(&m));
    list_cache_marker_repaired(&m, slow);
    assert_false(list_cache_marker_stale(&m));
    assert_int_equal(m.repaired, 2);
    list_cache_marker_fail(&m);
    assert_true(list_cache_marker_stale(&m));
}

static void test_bump_replies_are_each_checked(void **state)
{
    (void)state;
    redisReply one = reply_of(REDIS_REPLY_INTEGER, NULL);
    redisReply oom = reply_of(REDIS_REPLY_ERROR, "OOM command not allowed when used memory > 'maxmemory'.");
    redisReply pushed = reply_of(REDIS_REPLY_INTEGER, NULL);
    redisReply trimmed = reply_of(REDIS_REPLY_STATUS, "OK");

    redisReply *all_ok[] = {&one, &one, &one, &pushed, &trimmed};
    assert_int_equal(list_cache_bump_failures(all_ok, 3), 0);
    redisReply *last_refused[] = {&one, &one, &oom, &pushed, &trimmed};
    assert_int_equal(list_cache_bump_failures(last_refused, 3), 1);
    redisReply *all_refused[] = {&oom, &oom, &oom};
    assert_int_equal(list_cache_bump_failures(all_refused, 3), 3);
    /* A pipeline that failed leaves every reply NULL. */
    redisReply *none[] = {NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(list_cache_bump_failures(none, 3), 3);
    /* Only the INCRs count: the relay's wake-up is not a bump. */
    redisReply *wake_refused[] = {&one, &oom, &oom};
    assert_int_equal(list_cache_bump_failures(wake_refused, 1), 0);
}

/* A scratch directory of mode 0700 for the mark files. */
static char *scratch_dir(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/test_list_cache.XXXXXX");
    return mkdtemp(buf);
}

static void remove_dir(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_file_mark_is_shared_by_every_mapping(void **state)
{
    (void)state;
    char dir[64], err[256];
    assert_non_null(scratch_dir(dir, sizeof dir));
    /* Two processes of one site map the same file: one's failure is the
     * other's stale cache, and one's repair clears it for both. */
    struct list_cache_marker *a = list_cache_marker_open(dir, "/run/redis.sock||0|0", err, sizeof err);
    struct list_cache_marker *b = list_cache_marker_open(dir, "/run/redis.sock||0|0", err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_false(list_cache_marker_stale(b)); /* a new file starts clean */
    list_cache_marker_fail(b);
    assert_true(list_cache_marker_stale(a));
    list_cache_marker_repaired(b, list_cache_marker_failures(b));
    assert_false(list_cache_marker_stale(a));
    /* An existing file keeps its state for the next process. */
    list_cache_marker_fail(a);
    struct list_cache_marker *c = list_cache_marker_open(dir, "/run/redis.sock||0|0", err, sizeof err);
    assert_non_null(c);
    assert_true(list_cache_marker_stale(c));
    munmap(a, sizeof *a);
    munmap(b, sizeof *b);
    munmap(c, sizeof *c);
    remove_dir(dir);
}

static void test_file_marks_of_two_sites_are_apart(void **state)
{
    (void)state;
    char dir[64], err[256];
    assert_non_null(scratch_dir(dir, sizeof dir));
    struct list_cache_marker *one = list_cache_marker_open(dir, "|127.0.0.1|6379|0", err, sizeof err);
    struct list_cache_marker *two = list_cache_marker_open(dir, "|127.0.0.1|6379|1", err, sizeof err);
    assert_non_null(one);
    assert_non_null(two);
    list_cache_marker_fail(one);
    assert_true(list_cache_marker_stale(one));
    assert_false(list_cache_marker_stale(two));
    munmap(one, sizeof *one);
    munmap(two, sizeof *two);
    remove_dir(dir);
}

static void test_file_mark_refuses_a_directory_open_to_others(void **state)
{
    (void)state;
    char dir[64], err[256] = "";
    assert_non_null(scratch_dir(dir, sizeof dir));
    assert_int_equal(chmod(dir, 0755), 0);
    assert_null(list_cache_marker_open(dir, "site", err, sizeof err));
    assert_non_null(strstr(err, "mode 0700"));
    remove_dir(dir);
}

/* The relay's wake-up, sent in a bump's round trip, is judged apart from
 * the INCRs: a refused wake-up does not make the cache stale, only late. */
static void test_wake_replies_are_checked(void **state)
{
    (void)state;
    redisReply pushed = reply_of(REDIS_REPLY_INTEGER, NULL);
    redisReply trimmed = reply_of(REDIS_REPLY_STATUS, "OK");
    redisReply oom = reply_of(REDIS_REPLY_ERROR, "OOM command not allowed when used memory > 'maxmemory'.");
    redisReply *ok[] = {&pushed, &trimmed}, *refused[] = {&oom, &trimmed}, *none[] = {NULL, NULL};
    assert_int_equal(relay_wake_check(ok), 0);
    assert_int_equal(relay_wake_check(refused), -1);
    assert_int_equal(relay_wake_check(none), -1);
    const int *argcs;
    const char **const *argvs;
    const size_t *const *lens;
    relay_wake_commands(&argcs, &argvs, &lens);
    assert_int_equal(argcs[0], 3);
    assert_string_equal(argvs[0][0], "LPUSH");
    assert_string_equal(argvs[1][0], "LTRIM");
    assert_int_equal(lens[1][1], strlen(argvs[1][1]));
}

/* Each case that reads or sets the process's mark gets a fresh one of its
 * own, so that no case depends on what an earlier one left. */
static struct list_cache_marker case_mark;

static int use_fresh_mark(void **state)
{
    (void)state;
    memset(&case_mark, 0, sizeof case_mark);
    list_cache_use_marker(&case_mark);
    return 0;
}

static int drop_fresh_mark(void **state)
{
    (void)state;
    list_cache_use_marker(NULL);
    return 0;
}

/* Redis unreachable: the bump fails (the cache is stale) and the caller's
 * commands come back without replies; too many are not sent at all. */
static void test_bump_then_without_redis(void **state)
{
    (void)state;
    struct redis_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.socket, sizeof cfg.socket, "/nonexistent/orderapi-test-redis.sock");
    cfg.connect_timeout_ms = 100;
    cfg.command_timeout_ms = 100;
    struct cache *cache = cache_new(&cfg);
    struct arena *a = arena_new();
    assert_non_null(cache);
    assert_non_null(a);
    redisReply sentinel = reply_of(REDIS_REPLY_INTEGER, NULL);
    redisReply *woken[LIST_CACHE_THEN_MAX + 1] = {&sentinel, &sentinel, &sentinel, &sentinel, &sentinel};
    struct list_cache_then then = {.n = RELAY_WAKE_NCOMMANDS, .replies = woken};
    relay_wake_commands(&then.argcs, &then.argvs, &then.lens);
    const char *scopes[] = {"orders:all"};
    list_cache_bump_then(cache, a, scopes, 1, &then);
    assert_null(woken[0]);
    assert_null(woken[1]);
    assert_true(list_cache_stale());
    assert_true(list_cache_marker_stale(&case_mark));
    then.n = LIST_CACHE_THEN_MAX + 1;
    woken[0] = &sentinel;
    list_cache_bump_then(cache, a, scopes, 1, &then);
    for (size_t i = 0; i < then.n; i++)
        assert_null(woken[i]);
    arena_free(a);
    cache_free(cache);
}

/* The script's reply {version, entry or nil}. */
static void script_reply(redisReply *r, redisReply *elems, redisReply **ptrs, char *version, char *entry)
{
    elems[0] = reply_of(REDIS_REPLY_STRING, version);
    elems[1] = entry ? reply_of(REDIS_REPLY_STRING, entry) : reply_of(REDIS_REPLY_NIL, NULL);
    ptrs[0] = &elems[0];
    ptrs[1] = &elems[1];
    *r = reply_of(REDIS_REPLY_ARRAY, NULL);
    r->elements = 2;
    r->element = ptrs;
}

/* The MGET reply {epoch, generation}; NULL text is nil. */
static void mget_reply(redisReply *r, redisReply *elems, redisReply **ptrs, char *epoch, char *gen)
{
    elems[0] = epoch ? reply_of(REDIS_REPLY_STRING, epoch) : reply_of(REDIS_REPLY_NIL, NULL);
    elems[1] = gen ? reply_of(REDIS_REPLY_STRING, gen) : reply_of(REDIS_REPLY_NIL, NULL);
    ptrs[0] = &elems[0];
    ptrs[1] = &elems[1];
    *r = reply_of(REDIS_REPLY_ARRAY, NULL);
    r->elements = 2;
    r->element = ptrs;
}

static void test_plan_guesses_the_version_once_seen(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct list_cache_plan p;
    struct list_cache_entry e;
    redisReply r, elems[2], *ptrs[2];
    list_cache_forget_versions();
    /* Not seen yet: the script. */
    assert_int_equal(list_cache_plan_lookup(a, "orders:u:7", "page=1", &p), 0);
    assert_int_equal(p.count, 1);
    assert_string_equal(p.argv[0][0], "EVAL");
    script_reply(&r, elems, ptrs, "3.17", "{\"data\":[]}");
    redisReply *one[1] = {&r};
    assert_int_equal(list_cache_plan_reply(a, &p, "orders:u:7", "page=1", one, &e), 1);
    assert_string_equal(e.key, "orderapi:cache:orders:u:7:3.17:page=1");
    /* Seen: MGET of the epoch and the generation, GET of the entry. */
    assert_int_equal(list_cache_plan_lookup(a, "orders:u:7", "page=2", &p), 0);
    assert_int_equal(p.count, 2);
    assert_int_equal(p.argc[0], 3);
    assert_string_equal(p.argv[0][0], "MGET");
    assert_string_equal(p.argv[0][1], "orderapi:cache-epoch");
    assert_string_equal(p.argv[0][2], "orderapi:gen:orders:u:7");
    assert_int_equal(p.lens[0][2], strlen("orderapi:gen:orders:u:7"));
    assert_string_equal(p.argv[1][0], "GET");
    assert_string_equal(p.argv[1][1], "orderapi:cache:orders:u:7:3.17:page=2");
    /* Another scope is not guessed. */
    struct list_cache_plan other;
    assert_int_equal(list_cache_plan_lookup(a, "orders:u:8", "page=1", &other), 0);
    assert_int_equal(other.count, 1);
    arena_free(a);
}

static void test_plan_answer_counts_only_while_the_version_holds(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct list_cache_plan p;
    struct list_cache_entry e;
    redisReply r, elems[2], *ptrs[2], got;
    list_cache_forget_versions();
    script_reply(&r, elems, ptrs, "3.17", NULL);
    assert_int_equal(list_cache_plan_lookup(a, "orders:all", "v", &p), 0);
    redisReply *one[1] = {&r};
    assert_int_equal(list_cache_plan_reply(a, &p, "orders:all", "v", one, &e), 0);
    assert_string_equal(e.key, "orderapi:cache:orders:all:3.17:v");

    assert_int_equal(list_cache_plan_lookup(a, "orders:all", "v", &p), 0);
    assert_int_equal(p.count, 2);
    redisReply *two[2] = {&r, &got};
    /* Same version, entry there: a hit. */
    mget_reply(&r, elems, ptrs, "3", "17");
    got = reply_of(REDIS_REPLY_STRING, "{\"cached\":1}");
    assert_int_equal(list_cache_plan_reply(a, &p, "orders:all", "v", two, &e), 1);
    assert_string_equal(e.body, "{\"cached\":1}");
    assert_int_equal(e.body_len, strlen("{\"cached\":1}"));
    assert_string_equal(e.key, "orderapi:cache:orders:all:3.17:v");
    /* Same version, no entry: a miss to be stored under it. */
    got = reply_of(REDIS_REPLY_NIL, NULL);
    assert_int_equal(list_cache_plan_reply(a, &p, "orders:all", "v", two, &e), 0);
    assert_null(e.body);
    assert_string_equal(e.key, "orderapi:cache:orders:all:3.17:v");
    /* Bumped since: the entry read does not count, even when there is one. */
    mget_reply(&r, elems, ptrs, "3", "18");
    got = reply_of(REDIS_REPLY_STRING, "{\"cached\":1}");
    assert_int_equal(list_cache_plan_reply(a, &p, "orders:all", "v", two, &e), 2);
    assert_null(e.body);
    assert_null(e.key);
    /* ... and the next plan guesses the new version. */
    assert_int_equal(list_cache_plan_lookup(a, "orders:all", "v", &p), 0);
    assert_string_equal(p.argv[1][1], "orderapi:cache:orders:all:3.18:v");
    /* Absent counters read as 0, as the script reads them. */
    mget_reply(&r, elems, ptrs, NULL, NULL);
    assert_int_equal(list_cache_plan_reply(a, &p, "orders:all", "v", two, &e), 2);
    assert_int_equal(list_cache_plan_lookup(a, "orders:all", "v", &p), 0);
    assert_string_equal(p.argv[1][1], "orderapi:cache:orders:all:0.0:v");
    /* An error or a wrong shape: unavailable. */
    redisReply err = reply_of(REDIS_REPLY_ERROR, "LOADING");
    redisReply *bad[2] = {&err, &got};
    assert_int_equal(list_cache_plan_reply(a, &p, "orders:all", "v", bad, &e), -1);
    redisReply *none[2] = {NULL, NULL};
    assert_int_equal(list_cache_plan_reply(a, &p, "orders:all", "v", none, &e), -1);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_mark_is_clean),
        cmocka_unit_test(test_failure_is_stale_until_repaired),
        cmocka_unit_test(test_failure_during_a_repair_survives_it),
        cmocka_unit_test(test_slow_repair_does_not_undo_a_later_one),
        cmocka_unit_test(test_bump_replies_are_each_checked),
        cmocka_unit_test(test_file_mark_is_shared_by_every_mapping),
        cmocka_unit_test(test_file_marks_of_two_sites_are_apart),
        cmocka_unit_test(test_file_mark_refuses_a_directory_open_to_others),
        cmocka_unit_test(test_wake_replies_are_checked),
        cmocka_unit_test_setup_teardown(test_bump_then_without_redis, use_fresh_mark, drop_fresh_mark),
        cmocka_unit_test_setup_teardown(test_plan_guesses_the_version_once_seen, use_fresh_mark, drop_fresh_mark),
        cmocka_unit_test_setup_teardown(test_plan_answer_counts_only_while_the_version_holds, use_fresh_mark,
                                        drop_fresh_mark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
