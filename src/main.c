/*
 * main.c — orderapi's commands.
 *
 *   orderapi serve [--config F] [--listen A] [--workers N] [--max-requests N] [--pid-file P]
 *   orderapi migrate [--config F] [--dir SQLDIR]
 *   orderapi check-config [--config F]
 *   orderapi relay --once [--config F]   publish pending events and exit (cron)
 *   orderapi user add|set-password|set-role|delete|list ...   (cli_user.c)
 *   orderapi version
 *
 * Started with no command by a web server: when fd 0 is a listening socket
 * (Apache mod_fcgid, spawn-fcgi) it serves FastCGI on it in this process,
 * without forking; with REQUEST_METHOD in the environment (plain CGI) it
 * answers that one request.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/jwt_keys.h"
#include "cli_user.h"
#include "config.h"
#include "events/relay.h"
#include "fcgi_io.h"
#include "log.h"
#include "master.h"
#include "store/db.h"
#include "store/migrate.h"
#include "worker.h"

#define MAX_OVERRIDES 16

static void usage(FILE *out)
{
    fprintf(out,
            "usage: orderapi serve [--config FILE] [--listen unix:/path.sock|HOST:PORT] [--workers N]\n"
            "                      [--max-requests N] [--pid-file PATH]\n"
            "       orderapi migrate [--config FILE] [--dir SQLDIR]\n"
            "       orderapi check-config [--config FILE]\n"
            "       orderapi relay --once [--config FILE]\n"
            "       orderapi user add|set-password|set-role|delete|list ... (orderapi user --help)\n"
            "       orderapi version\n"
            "Settings come from ORDERAPI_* environment variables, then the --config file,\n"
            "then flags; see README.md.\n");
}

struct options {
    const char *config_file;
    const char *sql_dir;
    struct config_override overrides[MAX_OVERRIDES];
    size_t override_count;
};

/* Parses the flags after the command; -1 on a bad flag. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'w'},
        {"max-requests", required_argument, NULL, 'm'},
        {"pid-file", required_argument, NULL, 'p'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        const char *name = NULL;
        switch (c) {
        case 'c': o->config_file = optarg; continue;
        case 'd': o->sql_dir = optarg; continue;
        case 'l': name = "ORDERAPI_LISTEN"; break;
        case 'w': name = "ORDERAPI_WORKERS"; break;
        case 'm': name = "ORDERAPI_MAX_REQUESTS"; break;
        case 'p': name = "ORDERAPI_PID_FILE"; break;
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
        if (o->override_count == MAX_OVERRIDES)
            return -1;
        o->overrides[o->override_count++] = (struct config_override){name, optarg};
    }
    return optind == argc ? 0 : -1;
}

/* How much of the token keys load_config checks when serving. */
enum key_check {
    KEYS_PROVE, /* read them and sign and verify a token with them */
    KEYS_READ,  /* read them only (plain CGI: once per request) */
};

/* Loads and validates the configuration for use; -1 with the reason in err. */
static int load_config_why(struct config *cfg, const struct options *o, enum config_use use, enum key_check keys,
                           char *err, size_t err_len)
{
    if (config_load(cfg, o->config_file, err, err_len) != 0)
        return -1;
    for (size_t i = 0; i < o->override_count; i++)
        if (config_set(cfg, o->overrides[i].name, o->overrides[i].value, err, err_len) != 0)
            return -1;
    if (o->sql_dir && config_set(cfg, "ORDERAPI_SQL_DIR", o->sql_dir, err, err_len) != 0)
        return -1;
    if (config_validate(cfg, use, err, err_len) != 0)
        return -1;
    /* Serving reads the token keys here, once, and proves them: the
     * workers inherit them.  A plain CGI process, which lives for one
     * request, does not sign a token to prove them on every request (that
     * alone loads OpenSSL's configuration); check-config proves them. */
    if (use == CONFIG_FOR_SERVE &&
        (jwt_keys_read(&cfg->jwt, err, err_len) != 0 ||
         (keys == KEYS_PROVE && jwt_keys_check(&cfg->jwt, err, err_len) != 0)))
        return -1;
    return 0;
}

/* Loads and validates the configuration for use; prints one line on error. */
static int load_config(struct config *cfg, const struct options *o, enum config_use use, enum key_check keys)
{
    char err[512];
    if (load_config_why(cfg, o, use, keys, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "orderapi: configuration error: %s\n", err);
    return -1;
}

static int cmd_migrate(const struct config *cfg)
{
    struct db *db = db_new(&cfg->db);
    if (!db)
        return 1;
    int rc = migrate_run(db, cfg->sql_dir, stdout) == 0 ? 0 : 1;
    db_free(db);
    return rc;
}

/* `orderapi relay --once [--config FILE]` (for cron where no master runs):
 * the only form; the master runs the long-lived relay itself. */
static int cmd_relay_once(int argc, char **argv)
{
    static struct config cfg;
    struct options o = {0};
    char err[512];
    if (argc < 3 || strcmp(argv[2], "--once") != 0 || parse_options(argc - 2, argv + 2, &o) != 0 ||
        o.override_count > 0 || o.sql_dir) {
        fprintf(stderr, "usage: orderapi relay --once [--config FILE]\n");
        return 2;
    }
    if (load_config(&cfg, &o, CONFIG_FOR_ADMIN, KEYS_PROVE) != 0)
        return 1;
    if (jwt_keys_read(&cfg.jwt, err, sizeof err) != 0) {
        fprintf(stderr, "orderapi: configuration error: %s\n", err);
        return 1;
    }
    return relay_once(&cfg);
}

/*
 * Started with no command by a web server: serves FastCGI on a socket handed
 * over as fd 0 (mod_fcgid), or answers the one plain CGI request in the
 * environment.  The MySQL client library is initialised only when a
 * connection is first opened (db.c), so a CGI request that needs no SQL
 * never loads it.
 */
static int serve_for_web_server(struct config *cfg)
{
    struct options none = {0};
    if (transport_fd_is_listener(0)) {
        if (load_config(cfg, &none, CONFIG_FOR_SERVE, KEYS_PROVE) != 0)
            return 1;
        return worker_run(0, cfg, -1, 0);
    }
    if (getenv("REQUEST_METHOD")) {
        /* A configuration error is the site's fault, not the client's: a
         * 500 problem with the request's id, and the reason in the web
         * server's error log under that id (never in the answer). */
        char err[512], why[600];
        if (load_config_why(cfg, &none, CONFIG_FOR_SERVE, KEYS_READ, err, sizeof err) != 0) {
            snprintf(why, sizeof why, "configuration error: %s", err);
            worker_refuse_cgi(500, "internal_error", "The server could not complete the request", why);
            return 1;
        }
        return worker_run_cgi(cfg);
    }
    usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    static struct config cfg;
    struct options o = {0};
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2)
        return serve_for_web_server(&cfg);
    const char *cmd = argv[1];
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("orderapi %s\n", ORDERAPI_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "user") == 0)
        return cli_user_main(argc - 1, argv + 1);
    if (strcmp(cmd, "relay") == 0)
        return cmd_relay_once(argc, argv);
    if (parse_options(argc - 1, argv + 1, &o) != 0) {
        usage(stderr);
        return 2;
    }
    if (strcmp(cmd, "serve") == 0) {
        if (load_config(&cfg, &o, CONFIG_FOR_SERVE, KEYS_PROVE) != 0)
            return 1;
        /* Before forking, so that the workers inherit it. */
        if (db_library_init() != 0) {
            fprintf(stderr, "orderapi: cannot initialise the MySQL client library\n");
            return 1;
        }
        return master_run(&cfg, o.overrides, o.override_count);
    }
    if (strcmp(cmd, "migrate") == 0) {
        if (load_config(&cfg, &o, CONFIG_FOR_ADMIN, KEYS_PROVE) != 0)
            return 1;
        return cmd_migrate(&cfg);
    }
    if (strcmp(cmd, "check-config") == 0) {
        if (load_config(&cfg, &o, CONFIG_FOR_SERVE, KEYS_PROVE) != 0)
            return 1;
        printf("configuration ok\n");
        return 0;
    }
    fprintf(stderr, "orderapi: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return 2;
}
