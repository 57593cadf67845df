/*
 * config.h — orderapi's settings.
 *
 * Sources, later ones winning: built-in defaults, ORDERAPI_* environment
 * variables, the --config file (lines "ORDERAPI_NAME=value", '#' comments),
 * then command-line flags.  A bad or missing required setting is reported as
 * one line naming it, and the process does not start (or, on SIGHUP, keeps
 * the configuration it has).
 */
#ifndef ORDERAPI_CONFIG_H
#define ORDERAPI_CONFIG_H

#include <stddef.h>
#include <sys/socket.h>

#define CONFIG_STR 512
#define CONFIG_KEY_MAX 16384 /* the largest PEM key file accepted */

struct db_config {
    char host[CONFIG_STR];
    unsigned port;
    char socket[CONFIG_STR];   /* unix socket path; wins over host/port */
    char name[128];
    char user[128];
    char password[CONFIG_STR];
    unsigned connect_timeout;  /* seconds */
    unsigned read_timeout;     /* seconds */
    unsigned write_timeout;    /* seconds */
    unsigned tx_attempts;      /* whole-transaction attempts on 1213/1205 */
    char dialect[16];          /* ORDERAPI_DB_DIALECT: auto, mariadb or mysql (domain/sql_dialect.h) */
};

struct redis_config {
    char url[CONFIG_STR];      /* as given (may hold the password: never log it) */
    char host[CONFIG_STR];
    unsigned port;
    char socket[CONFIG_STR];
    unsigned db;
    char user[128];            /* ACL user; "" with a password: AUTH password alone */
    char password[CONFIG_STR]; /* "": no AUTH */
    unsigned connect_timeout_ms;
    unsigned command_timeout_ms;
};

struct jwt_config {
    char alg[8];               /* "HS256" (default), "RS256" or "ES256" */
    char private_key_file[CONFIG_STR]; /* RS256/ES256: PEM key that signs */
    char public_key_file[CONFIG_STR];  /* RS256/ES256: PEM key that verifies */
    char secret[CONFIG_STR];
    /* RS256/ES256: the PEM keys themselves, read by jwt_keys_read()
     * (auth/jwt_keys.h) where the configuration is loaded.  The master
     * proves them before it starts a worker, and the workers inherit them:
     * no worker ever reads a key file. */
    char private_key_pem[CONFIG_KEY_MAX + 1];
    size_t private_key_len;
    char public_key_pem[CONFIG_KEY_MAX + 1];
    size_t public_key_len;
    char issuer[128];
    char audience[128];
    unsigned ttl;              /* seconds */
    unsigned guest_ttl;        /* seconds a guest token lives (ORDERAPI_GUEST_TOKEN_TTL) */
    unsigned refresh_ttl;      /* seconds a refresh token lives (ORDERAPI_REFRESH_TTL) */
    unsigned leeway;           /* seconds of clock skew accepted */
    int revocation_fail_open;  /* 1: let requests through when Redis is down */
    unsigned login_max_failures;        /* per email, within login_window */
    unsigned login_max_failures_per_ip; /* per client address, within login_window */
    unsigned login_window;              /* seconds */
    unsigned register_max_per_ip;       /* registration attempts per client address, within register_window */
    unsigned register_window;           /* seconds */
    unsigned max_hashes;                /* Argon2id runs at once across the pool; 0 = automatic */
};

struct config {
    char listen[CONFIG_STR];   /* "unix:/path.sock" or "127.0.0.1:9000" */
    char config_file[CONFIG_STR];
    unsigned workers;
    unsigned long max_requests; /* recycle a worker after this many; 0 = never */
    unsigned drain_timeout;    /* seconds a worker may take to finish on SIGTERM */
    size_t max_body;
    size_t max_json_depth;
    char sql_dir[CONFIG_STR];
    struct db_config db;
    struct redis_config redis;
    struct jwt_config jwt;
    char pid_file[CONFIG_STR];
    long long shipping_flat;       /* cents, ORDERAPI_SHIPPING_FLAT ("5.00") */
    long long free_shipping_over;  /* cents, ORDERAPI_FREE_SHIPPING_OVER ("100.00"); 0 = never free */
    unsigned low_stock_threshold;  /* stock.low fires when stock falls below this */
    unsigned list_cache_ttl;       /* seconds a cached list or stats response lives */
    unsigned long events_maxlen;   /* XADD MAXLEN ~ for orderapi:events */
    int relay;                     /* 1: the master runs the event relay */
    unsigned relay_gather_ms;      /* the relay waits this long after a wake-up, to batch a burst */
    int allow_public_listen;   /* 1: a wildcard listen address is allowed */
    int test_routes;           /* 1: serve the routes the e2e tests need */
    char sms_sender[CONFIG_STR]; /* ORDERAPI_SMS_SENDER: "", file:/path or command:/path (notify/sms.h) */
    char hash_lock_dir[CONFIG_STR]; /* ORDERAPI_HASH_LOCK_DIR: the hash cap's slot files without a master; "" = default */
    unsigned sms_timeout;      /* seconds a command: sender may take */
    char cors_origins[4096];   /* ORDERAPI_CORS_ORIGINS: comma list of exact origins; "" = no CORS */
};

/* What the configuration is for: serving needs more than migrating. */
enum config_use {
    CONFIG_FOR_SERVE = 1,
    CONFIG_FOR_ADMIN = 2,     /* migrate, user commands: database only */
};

/*
 * Fills cfg from defaults, the environment, and file (may be NULL; when NULL
 * ORDERAPI_CONFIG names one if set).  Returns 0, or -1 with one line in err
 * naming the setting that is wrong ("ORDERAPI_WORKERS: must be 1..256").
 */
int config_load(struct config *cfg, const char *file, char *err, size_t errlen);

/* Applies the lines of a config file; -1 with err naming file and line. */
int config_load_file(struct config *cfg, const char *file, char *err, size_t errlen);

/* Applies one NAME=value setting (a flag or a file line); -1 with err. */
int config_set(struct config *cfg, const char *name, const char *value, char *err, size_t errlen);

/* Checks cross-field rules and the settings required for use; -1 with err. */
int config_validate(const struct config *cfg, enum config_use use, char *err, size_t errlen);

/* ORDERAPI_LISTEN parsed into the address the socket is bound to. */
struct listen_addr {
    struct sockaddr_storage sa;  /* AF_UNIX, AF_INET or AF_INET6 */
    socklen_t sa_len;
    int wildcard;                /* 1: takes every interface (0.0.0.0, ::, ::ffff:0.0.0.0) */
};

/*
 * Parses "unix:/path.sock" or "HOST:PORT", HOST a numeric IPv4 address
 * (inet_aton forms: "0", "0x0" and "0.0" are all 0.0.0.0), a bracketed IPv6
 * address, "*" or empty (0.0.0.0).  The check for a public listen address
 * and the bind both use this, so they cannot disagree.  0, or -1 with err.
 */
int config_listen_parse(const char *text, struct listen_addr *out, char *err, size_t errlen);

/* Sets every default (what config_load starts from). */
void config_defaults(struct config *cfg);

/*
 * Parses a Redis URL into rc->host/port/socket/db/user/password; -1 on a bad
 * URL.  Accepted: redis://[[user]:password@]host[:port][/db] and
 * unix:/path[?db=N][&user=U][&password=P] (query items in any order);
 * user and password are percent-decoded.
 */
int config_parse_redis_url(struct redis_config *rc, const char *url);

#endif
