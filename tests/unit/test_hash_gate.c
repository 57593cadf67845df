/*
 * test_hash_gate.c — the cap on password hashes at once: its automatic
 * value, and the scoreboard permits that enforce it across processes (never
 * more than the cap, and a permit of a dead worker freed when its slot is
 * released).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/hash_gate.h"
#include "config.h"
#include "scoreboard.h"

static void test_automatic_cap_leaves_a_worker_free(void **state)
{
    (void)state;
    assert_int_equal(hash_gate_auto_capacity(2, 4), 2);  /* defaults on 2 cores */
    assert_int_equal(hash_gate_auto_capacity(2, 2), 1);  /* the test stack */
    assert_int_equal(hash_gate_auto_capacity(8, 4), 3);
    assert_int_equal(hash_gate_auto_capacity(1, 8), 1);
    assert_int_equal(hash_gate_auto_capacity(4, 1), 1);
    assert_int_equal(hash_gate_auto_capacity(0, 4), 1);  /* sysconf failed */
    assert_int_equal(hash_gate_auto_capacity(-1, 4), 1);
}

static void test_setting_wins_over_automatic(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    config_defaults(&cfg);
    assert_int_equal(cfg.jwt.max_hashes, 0);
    assert_int_equal(config_set(&cfg, "ORDERAPI_WORKERS", "2", err, sizeof err), 0);
    assert_int_equal(hash_gate_capacity(&cfg), 1);
    assert_int_equal(config_set(&cfg, "ORDERAPI_MAX_HASHES", "3", err, sizeof err), 0);
    assert_int_equal(hash_gate_capacity(&cfg), 3);
    assert_int_equal(config_set(&cfg, "ORDERAPI_MAX_HASHES", "257", err, sizeof err), -1);
    assert_int_equal(config_set(&cfg, "ORDERAPI_REGISTER_MAX_PER_IP", "0", err, sizeof err), -1);
    assert_int_equal(config_set(&cfg, "ORDERAPI_REGISTER_WINDOW", "60", err, sizeof err), 0);
    assert_int_equal(cfg.jwt.register_window, 60);
}

static void test_permits_up_to_the_cap(void **state)
{
    (void)state;
    assert_int_equal(scoreboard_init(), 0);
    int a = scoreboard_claim(101), b = scoreboard_claim(102), c = scoreboard_claim(103);
    assert_true(a >= 0 && b >= 0 && c >= 0);
    assert_int_equal(scoreboard_hash_acquire(a, 2), 1);
    assert_int_equal(scoreboard_hash_acquire(b, 2), 1);
    assert_int_equal(scoreboard_hash_acquire(c, 2), 0);
    assert_int_equal(scoreboard_hashing(), 2); /* the refused one withdrew */
    scoreboard_hash_release(a);
    assert_int_equal(scoreboard_hash_acquire(c, 2), 1);
    assert_int_equal(scoreboard_hash_acquire(a, 0), 0);
    /* No slot: a process serving alone always hashes. */
    assert_int_equal(scoreboard_hash_acquire(-1, 1), 1);
    scoreboard_hash_release(b);
    scoreboard_hash_release(c);
    assert_int_equal(scoreboard_hashing(), 0);
    scoreboard_release(a);
    scoreboard_release(b);
    scoreboard_release(c);
}

static void test_a_dead_workers_permit_is_freed_when_reaped(void **state)
{
    (void)state;
    assert_int_equal(scoreboard_init(), 0);
    int slot = scoreboard_claim(-1), other = scoreboard_claim(-1);
    assert_true(slot >= 0 && other >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        scoreboard_hash_acquire(slot, 1);
        raise(SIGKILL); /* dies holding the permit */
        _exit(1);
    }
    scoreboard_set_pid(slot, pid);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(scoreboard_hashing(), 1);
    assert_int_equal(scoreboard_hash_acquire(other, 1), 0);
    scoreboard_release(scoreboard_find(pid)); /* what the master does on SIGCHLD */
    assert_int_equal(scoreboard_hash_acquire(other, 1), 1);
    scoreboard_hash_release(other);
    scoreboard_release(other);
}

#define RACERS 6
#define ROUNDS 200

/* Processes race for 2 permits; a counter of holders, shared with the test,
 * must never exceed 2. */
static void test_racing_processes_never_exceed_the_cap(void **state)
{
    (void)state;
    assert_int_equal(scoreboard_init(), 0);
    int *shared = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(shared != MAP_FAILED);
    shared[0] = shared[1] = 0; /* holders now, most holders seen */
    pid_t pids[RACERS];
    int slots[RACERS];
    for (int i = 0; i < RACERS; i++) {
        slots[i] = scoreboard_claim(-1);
        assert_true(slots[i] >= 0);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            for (int r = 0; r < ROUNDS; r++) {
                if (!scoreboard_hash_acquire(slots[i], 2))
                    continue;
                int now = __atomic_add_fetch(&shared[0], 1, __ATOMIC_SEQ_CST);
                int seen = __atomic_load_n(&shared[1], __ATOMIC_SEQ_CST);
                while (now > seen && !__atomic_compare_exchange_n(&shared[1], &seen, now, 0, __ATOMIC_SEQ_CST,
                                                                  __ATOMIC_SEQ_CST)) {
                }
                usleep(50); /* hold it a while, as a hash would */
                __atomic_sub_fetch(&shared[0], 1, __ATOMIC_SEQ_CST);
                scoreboard_hash_release(slots[i]);
            }
            _exit(0);
        }
    }
    for (int i = 0; i < RACERS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        scoreboard_release(slots[i]);
    }
    assert_true(shared[1] >= 1 && shared[1] <= 2);
    assert_int_equal(scoreboard_hashing(), 0);
    munmap(shared, 2 * sizeof(int));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_automatic_cap_leaves_a_worker_free),
        cmocka_unit_test(test_setting_wins_over_automatic),
        cmocka_unit_test(test_permits_up_to_the_cap),
        cmocka_unit_test(test_a_dead_workers_permit_is_freed_when_reaped),
        cmocka_unit_test(test_racing_processes_never_exceed_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
