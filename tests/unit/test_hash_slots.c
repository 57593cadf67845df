/*
 * test_hash_slots.c — the hash cap's slot files for processes without a
 * master: never more holders than slots, across processes; a slot freed
 * when its holder gives it back or dies; a directory that is not the
 * caller's own (open to others, or a symbolic link) refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/hash_slots.h"

struct dir {
    char path[64];
};

static int make_dir(void **state)
{
    struct dir *d = calloc(1, sizeof *d);
    assert_non_null(d);
    snprintf(d->path, sizeof d->path, "/tmp/test_hash_slots.XXXXXX");
    assert_non_null(mkdtemp(d->path));
    *state = d;
    return 0;
}

static int remove_dir(void **state)
{
    struct dir *d = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    assert_int_equal(system(cmd), 0);
    free(d);
    return 0;
}

static void test_default_dir(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(hash_slots_default_dir(out, sizeof out, NULL, 33), 0);
    assert_string_equal(out, "/tmp/orderapi-hashes-33");
    assert_int_equal(hash_slots_default_dir(out, sizeof out, "/home/me/tmp", 1000), 0);
    assert_string_equal(out, "/home/me/tmp/orderapi-hashes-1000");
    assert_int_equal(hash_slots_default_dir(out, sizeof out, "relative", 0), 0);
    assert_string_equal(out, "/tmp/orderapi-hashes-0");
    assert_int_equal(hash_slots_default_dir(out, 10, NULL, 0), -1);
}

static void test_no_more_holders_than_slots(void **state)
{
    struct dir *d = *state;
    char err[256];
    int a = hash_slots_take(d->path, 2, 0, err, sizeof err);
    int b = hash_slots_take(d->path, 2, 7, err, sizeof err);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(hash_slots_take(d->path, 2, 3, err, sizeof err), HASH_SLOTS_BUSY);
    hash_slots_give(a);
    int c = hash_slots_take(d->path, 2, 1, err, sizeof err);
    assert_true(c >= 0);
    assert_int_equal(hash_slots_take(d->path, 2, 0, err, sizeof err), HASH_SLOTS_BUSY);
    hash_slots_give(b);
    hash_slots_give(c);
    assert_int_equal(hash_slots_take(d->path, 0, 0, err, sizeof err), HASH_SLOTS_BUSY);
}

/* A child takes the only slot and waits; the parent finds it busy, then
 * free once the child is killed (the kernel drops its lock). */
static void test_slot_of_a_killed_process_is_freed(void **state)
{
    struct dir *d = *state;
    char err[256];
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = hash_slots_take(d->path, 1, 0, err, sizeof err);
        char c = fd >= 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char c = 0;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    assert_int_equal(hash_slots_take(d->path, 1, 0, err, sizeof err), HASH_SLOTS_BUSY);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    int fd = hash_slots_take(d->path, 1, 0, err, sizeof err);
    assert_true(fd >= 0);
    hash_slots_give(fd);
    close(ready[0]);
    close(ready[1]);
}

static void test_a_directory_open_to_others_is_refused(void **state)
{
    struct dir *d = *state;
    char err[256] = "";
    assert_int_equal(chmod(d->path, 0777), 0);
    assert_int_equal(hash_slots_take(d->path, 2, 0, err, sizeof err), HASH_SLOTS_UNUSABLE);
    assert_non_null(strstr(err, "0700"));
}

static void test_a_symbolic_link_is_refused(void **state)
{
    struct dir *d = *state;
    char link[96], err[256] = "";
    snprintf(link, sizeof link, "%s/link", d->path);
    assert_int_equal(symlink(d->path, link), 0);
    assert_int_equal(hash_slots_take(link, 2, 0, err, sizeof err), HASH_SLOTS_UNUSABLE);
}

static void test_a_missing_directory_is_made_private(void **state)
{
    struct dir *d = *state;
    char sub[96], err[256];
    struct stat st;
    snprintf(sub, sizeof sub, "%s/made", d->path);
    int fd = hash_slots_take(sub, 1, 0, err, sizeof err);
    assert_true(fd >= 0);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    hash_slots_give(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_dir),
        cmocka_unit_test_setup_teardown(test_no_more_holders_than_slots, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_slot_of_a_killed_process_is_freed, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_a_directory_open_to_others_is_refused, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_a_symbolic_link_is_refused, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_a_missing_directory_is_made_private, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
