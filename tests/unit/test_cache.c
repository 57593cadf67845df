/*
 * test_cache.c — what a write's reply says about Redis: taken, refused (an
 * error reply, or not what the write answers with), or no reply at all;
 * and a command sent in two halves (cache_send, cache_receive) against a
 * fake Redis on a unix socket, served by a child process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "config.h"

#include "store/cache.h"
#include "fake_reply.h"

static void test_expected_type_is_taken(void **state)
{
    (void)state;
    redisReply incr = reply_of(REDIS_REPLY_INTEGER, NULL);
    redisReply set = reply_of(REDIS_REPLY_STATUS, "OK");
    assert_int_equal(cache_write_verdict(&incr, REDIS_REPLY_INTEGER), CACHE_WRITE_OK);
    assert_int_equal(cache_write_verdict(&set, REDIS_REPLY_STATUS), CACHE_WRITE_OK);
}

static void test_error_reply_is_refused(void **state)
{
    (void)state;
    static char *errors[] = {
        "OOM command not allowed when used memory > 'maxmemory'.",
        "READONLY You can't write against a read only replica.",
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        redisReply r = reply_of(REDIS_REPLY_ERROR, errors[i]);
        assert_int_equal(cache_write_verdict(&r, REDIS_REPLY_INTEGER), CACHE_WRITE_REFUSED);
        assert_int_equal(cache_write_verdict(&r, REDIS_REPLY_STATUS), CACHE_WRITE_REFUSED);
    }
}

static void test_unexpected_type_is_refused(void **state)
{
    (void)state;
    /* INCR of a key holding text answers an error; a nil or a string where an
     * integer belongs is no bump either. */
    redisReply nil = reply_of(REDIS_REPLY_NIL, NULL);
    redisReply text = reply_of(REDIS_REPLY_STRING, "12");
    redisReply status = reply_of(REDIS_REPLY_STATUS, "QUEUED");
    assert_int_equal(cache_write_verdict(&nil, REDIS_REPLY_INTEGER), CACHE_WRITE_REFUSED);
    assert_int_equal(cache_write_verdict(&text, REDIS_REPLY_INTEGER), CACHE_WRITE_REFUSED);
    assert_int_equal(cache_write_verdict(&status, REDIS_REPLY_INTEGER), CACHE_WRITE_REFUSED);
}

static void test_no_reply_is_unreachable(void **state)
{
    (void)state;
    assert_int_equal(cache_write_verdict(NULL, REDIS_REPLY_INTEGER), CACHE_WRITE_UNREACHABLE);
    assert_int_equal(cache_write_verdict(NULL, REDIS_REPLY_STATUS), CACHE_WRITE_UNREACHABLE);
}

/* *pending = 1 when a connection waits on lfd to be accepted. */
static int connection_pending(int lfd, int *pending)
{
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    int n = poll(&p, 1, 0);
    *pending = n > 0;
    return n < 0 ? -1 : 0;
}

/* A listening unix socket at a fresh path (written to path[108]). */
static int listen_unix(char path[108])
{
    snprintf(path, 108, "/tmp/orderapi-test-cache-%ld.sock", (long)getpid());
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, path);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 4), 0);
    return fd;
}

static struct cache *cache_at(const char *path)
{
    struct redis_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.socket, sizeof cfg.socket, "%s", path);
    cfg.connect_timeout_ms = 1000;
    cfg.command_timeout_ms = 1000;
    struct cache *c = cache_new(&cfg);
    assert_non_null(c);
    return c;
}

/* The fake Redis: one connection; answers each of `answers` requests (one
 * read each) with its text, then closes. */
static pid_t serve(int lfd, const char *const *answers, size_t n)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0)
        return pid;
    int fd = accept(lfd, NULL, NULL);
    char buf[4096];
    for (size_t i = 0; fd >= 0 && i < n; i++) {
        if (read(fd, buf, sizeof buf) <= 0 || write(fd, answers[i], strlen(answers[i])) < 0)
            break;
    }
    _exit(0);
}

static void test_send_never_connects(void **state)
{
    (void)state;
    char path[108];
    int lfd = listen_unix(path);
    struct cache *c = cache_at(path);
    const char *argv[] = {"GET", "k"};
    const size_t lens[] = {3, 1};
    /* Not connected: the caller must take the ordinary path, which connects. */
    assert_int_equal(cache_send(c, 2, argv, lens), -1);
    struct arena *a = arena_new();
    assert_null(cache_receive(c, a));
    int flags = 1;
    assert_int_equal(connection_pending(lfd, &flags), 0);
    assert_int_equal(flags, 0);
    arena_free(a);
    cache_free(c);
    close(lfd);
    unlink(path);
}

static void test_send_then_receive(void **state)
{
    (void)state;
    char path[108];
    int lfd = listen_unix(path);
    static const char *const answers[] = {"+PONG\r\n", "*2\r\n$-1\r\n$1\r\n1\r\n"};
    pid_t child = serve(lfd, answers, 2);
    struct cache *c = cache_at(path);
    assert_int_equal(cache_ping(c), 0); /* connects */
    const char *argv[] = {"MGET", "a", "b"};
    const size_t lens[] = {4, 1, 1};
    assert_int_equal(cache_send(c, 3, argv, lens), 0);
    struct arena *a = arena_new();
    redisReply *r = cache_receive(c, a);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 2);
    assert_int_equal(r->element[0]->type, REDIS_REPLY_NIL);
    assert_string_equal(r->element[1]->str, "1");
    /* The server is gone now: the half that fails says so, and drops the
     * connection, so the next send does not pretend to work. */
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    int sent = cache_send(c, 3, argv, lens);
    if (sent == 0)
        assert_null(cache_receive(c, a));
    assert_int_equal(cache_send(c, 3, argv, lens), -1);
    arena_free(a);
    cache_free(c);
    close(lfd);
    unlink(path);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expected_type_is_taken),
        cmocka_unit_test(test_error_reply_is_refused),
        cmocka_unit_test(test_unexpected_type_is_refused),
        cmocka_unit_test(test_no_reply_is_unreachable),
        cmocka_unit_test(test_send_never_connects),
        cmocka_unit_test(test_send_then_receive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
