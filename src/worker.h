/*
 * worker.h — a worker's life: open connections lazily, accept requests,
 * answer them, and leave cleanly.
 */
#ifndef ORDERAPI_WORKER_H
#define ORDERAPI_WORKER_H

#include <sys/types.h>

struct config;

/*
 * Serves FastCGI requests from listen_fd until SIGTERM (finishing the
 * request in flight), the master's death, or cfg->max_requests.  slot is the
 * scoreboard slot (-1 when running without a master); master_pid is checked
 * so that a worker never outlives its master (0: no master).  Returns the
 * process exit code.
 */
int worker_run(int listen_fd, const struct config *cfg, int slot, pid_t master_pid);

/* Answers exactly one CGI request from the environment and stdin.  When
 * the process cannot start serving it, answers 503 problem+json (as
 * worker_refuse_cgi) rather than leaving the web server to send a bare 500. */
int worker_run_cgi(const struct config *cfg);

/*
 * Answers the one CGI request in the environment with a problem+json of
 * status and code (its body read and dropped, its X-Request-Id kept or one
 * made, Retry-After on a 503) when it cannot be served at all, and logs
 * log_detail to stderr (the web server's error log) under its request id.
 */
void worker_refuse_cgi(int status, const char *code, const char *detail, const char *log_detail);

#endif
