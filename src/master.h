/*
 * master.h — the pre-fork pool.
 */
#ifndef ORDERAPI_MASTER_H
#define ORDERAPI_MASTER_H

#include <stddef.h>

struct config;

/* A setting given on the command line; re-applied on every reload so that
 * flags keep winning over the file. */
struct config_override {
    const char *name;
    const char *value;
};

/*
 * Opens the listen socket, forks cfg->workers workers and supervises them
 * until SIGTERM/SIGINT.  SIGHUP reloads the configuration (file and
 * environment, then overrides); an invalid one is logged and the running one
 * kept.  Returns the process exit code.
 */
int master_run(struct config *cfg, const struct config_override *overrides, size_t override_count);

#endif
