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

/* Answers exactly one CGI request from the environment and stdin. */
int worker_run_cgi(const struct config *cfg);

#endif
