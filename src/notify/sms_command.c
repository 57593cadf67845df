/*
 * sms_command.c — the command: SMS sender: runs the host's program with the
 * phone as its argument and the text on standard input, and gives it
 * timeout_s seconds to exit 0.  The program gets an empty environment but
 * PATH, no other descriptor of ours, and /dev/null as its output; one that
 * hangs is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify/sms.h"

/* In the child, between fork and exec: only async-signal-safe calls.
 * path and to are the parent's writable copies (execve wants char *). */
static void run_program(char *path, char *to, int stdin_fd)
{
    int devnull = open("/dev/null", O_WRONLY);
    if (dup2(stdin_fd, 0) < 0 || devnull < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
        _exit(127);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    static char env_path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
    char *const argv[] = {path, to, NULL};
    char *const envp[] = {env_path, NULL};
    execve(path, argv, envp);
    _exit(127);
}

/* Waits for pid at most timeout_s seconds; its wait status, or -1 after
 * killing it. */
static int wait_bounded(pid_t pid, unsigned timeout_s)
{
    struct timespec start, now, pause = {0, 5 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int status = 0;
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            return status;
        if (got < 0 && errno != EINTR)
            return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)timeout_s) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return -1;
        }
        nanosleep(&pause, NULL);
    }
}

/* Writes all of text to fd; a program that exits without reading it all
 * makes this fail with EPIPE (SIGPIPE is ignored), which only the exit
 * status decides about. */
static void feed(int fd, const char *text)
{
    size_t left = strlen(text);
    while (left > 0) {
        ssize_t n = write(fd, text, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text += n;
        left -= (size_t)n;
    }
}

int sms_command_send(const char *path, const char *to, const char *text, unsigned timeout_s)
{
    char path_copy[4096], to_copy[64];
    if (snprintf(path_copy, sizeof path_copy, "%s", path) >= (int)sizeof path_copy ||
        snprintf(to_copy, sizeof to_copy, "%s", to) >= (int)sizeof to_copy)
        return -1;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        log_msg("error", "sms: pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        log_msg("error", "sms: fork: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0)
        run_program(path_copy, to_copy, pipefd[0]);
    close(pipefd[0]);
    feed(pipefd[1], text);
    close(pipefd[1]);
    int status = wait_bounded(pid, timeout_s);
    if (status == -1) {
        log_msg("error", "sms: %s did not finish within %u s; killed", path, timeout_s);
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        log_msg("error", "sms: %s failed (%s %d)", path, WIFEXITED(status) ? "exit status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return -1;
    }
    return 0;
}
