/*
 * cli_user.c — account administration for operators:
 *
 *   orderapi user add --email E [--role customer|admin] [--full-name N] [--phone P] --password-stdin
 *   orderapi user set-password --email E --password-stdin
 *   orderapi user set-role --email E --role customer|admin
 *   orderapi user delete --email E
 *   orderapi user list
 *
 * Every command takes --config F.  Passwords are read from standard input
 * (one line), never from the command line where `ps` would show them.  A
 * role change or deletion also drops the user's cached state in Redis, so
 * a demoted admin's token is refused at the next request.
 */
#include "cli_user.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth/jwt_keys.h"
#include "auth/password.h"
#include "auth/revocation.h"
#include "config.h"
#include "domain/validation.h"
#include "store/db.h"

struct user_opts {
    const char *config_file;
    const char *email;
    const char *role;
    const char *full_name;
    const char *phone;
    int password_stdin;
};

static void user_usage(FILE *out)
{
    fprintf(out, "usage: orderapi user add --email E [--role customer|admin] [--full-name N] [--phone P] "
                 "--password-stdin\n"
                 "       orderapi user set-password --email E --password-stdin\n"
                 "       orderapi user set-role --email E --role customer|admin\n"
                 "       orderapi user delete --email E\n"
                 "       orderapi user list\n"
                 "Every command also takes --config FILE.\n");
}

/* Reads one line from stdin into buf without its line ending. */
static int read_password(char *buf, size_t size, size_t *len)
{
    if (!fgets(buf, (int)size, stdin))
        return -1;
    size_t n = strlen(buf);
    if (n == size - 1 && buf[n - 1] != '\n')
        return -1;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    *len = n;
    return 0;
}

static int parse_user_opts(int argc, char **argv, struct user_opts *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},    {"email", required_argument, NULL, 'e'},
        {"role", required_argument, NULL, 'r'},      {"full-name", required_argument, NULL, 'n'},
        {"phone", required_argument, NULL, 'p'},     {"password-stdin", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config_file = optarg; break;
        case 'e': o->email = optarg; break;
        case 'r': o->role = optarg; break;
        case 'n': o->full_name = optarg; break;
        case 'p': o->phone = optarg; break;
        case 's': o->password_stdin = 1; break;
        case 'h': return 1;
        default: return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

/* Reads and checks a new password from stdin; 0 with hash filled. */
static int new_password_hash(char hash[PASSWORD_HASH_MAX])
{
    char password[PASSWORD_MAX_BYTES + 2];
    size_t len = 0;
    if (read_password(password, sizeof password, &len) != 0) {
        fprintf(stderr, "orderapi: cannot read a password line from standard input\n");
        return -1;
    }
    if (validate_password(password, len)) {
        fprintf(stderr, "orderapi: the password must be 10 to 1024 characters long\n");
        return -1;
    }
    if (password_hash(password, len, hash) != 0) {
        fprintf(stderr, "orderapi: hashing failed\n");
        return -1;
    }
    return 0;
}

static int user_id_by_email(struct app *app, struct arena *a, const char *email, int64_t *id)
{
    struct db_rows rows;
    struct db_value p = DBP_STR(email);
    int rc = db_query_row(app->db, STMT_USER_ID_BY_EMAIL, &p, 1, a, &rows);
    if (rc == DB_OK)
        *id = DB_CELL(&rows, 0, SINGLE_VALUE)->i;
    return rc;
}

static int db_failed(struct app *app, const char *what)
{
    fprintf(stderr, "orderapi: %s failed: %s\n", what, db_last_error(app->db));
    return 1;
}

static int cmd_add(struct app *app, const struct user_opts *o, const char *email)
{
    const char *role = o->role ? o->role : "customer";
    const char *name = o->full_name ? o->full_name : (strcmp(role, "admin") == 0 ? "Administrator" : email);
    if (validate_full_name(name, strlen(name)) || (o->phone && validate_phone(o->phone))) {
        fprintf(stderr, "orderapi: --full-name must be 1-200 printable characters, --phone E.164\n");
        return 2;
    }
    char hash[PASSWORD_HASH_MAX];
    if (new_password_hash(hash) != 0)
        return 1;
    struct db_value params[5] = {DBP_STR(email), DBP_STR(name), o->phone ? DBP_STR(o->phone) : DBP_NULL,
                                 DBP_STR(role), DBP_STR(hash)};
    uint64_t id = 0;
    int rc = db_exec(app->db, STMT_USER_INSERT, params, 5, NULL, &id);
    if (rc == DB_DUPLICATE) {
        fprintf(stderr, "orderapi: %s already exists\n", email);
        return 3;
    }
    if (rc != DB_OK)
        return db_failed(app, "user add");
    printf("created user %" PRIu64 " %s (%s)\n", id, email, role);
    return 0;
}

static int cmd_update(struct app *app, struct arena *a, enum stmt_id stmt, const char *value, const char *email,
                      const char *what)
{
    int64_t id = 0;
    int rc = user_id_by_email(app, a, email, &id);
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr, "orderapi: no user %s\n", email);
        return 4;
    }
    if (rc != DB_OK)
        return db_failed(app, what);
    struct db_value params[2] = {DBP_STR(value), DBP_STR(email)};
    if (db_exec(app->db, stmt, params, stmt == STMT_USER_DELETE ? 1 : 2, NULL, NULL) != DB_OK)
        return db_failed(app, what);
    revocation_forget_user(&app->revocation, a, id);
    printf("%s: %s\n", what, email);
    return 0;
}

static int cmd_list(struct app *app, struct arena *a)
{
    struct db_rows rows;
    if (db_query(app->db, STMT_USER_LIST, NULL, 0, a, &rows) != DB_OK)
        return db_failed(app, "user list");
    printf("%-8s %-40s %-10s %-20s %s\n", "id", "email", "role", "created_at", "full_name");
    for (size_t r = 0; r < rows.count; r++)
        printf("%-8" PRId64 " %-40s %-10s %-20s %s\n", DB_CELL(&rows, r, ULIST_ID)->i,
               DB_CELL(&rows, r, ULIST_EMAIL)->s, DB_CELL(&rows, r, ULIST_ROLE)->s,
               DB_CELL(&rows, r, ULIST_CREATED_AT)->s, DB_CELL(&rows, r, ULIST_FULL_NAME)->s);
    return 0;
}

int cli_user_main(int argc, char **argv)
{
    if (argc < 2) {
        user_usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        user_usage(stdout);
        return 0;
    }
    struct user_opts o = {0};
    int p = parse_user_opts(argc - 1, argv + 1, &o);
    if (p == 1) {
        user_usage(stdout);
        return 0;
    }
    int needs_email = strcmp(sub, "list") != 0;
    int needs_password = strcmp(sub, "add") == 0 || strcmp(sub, "set-password") == 0;
    if (p != 0 || (needs_email && !o.email) || (needs_password && !o.password_stdin) ||
        (strcmp(sub, "set-role") == 0 && !o.role)) {
        user_usage(stderr);
        return 2;
    }
    if (o.role && strcmp(o.role, "customer") != 0 && strcmp(o.role, "admin") != 0) {
        fprintf(stderr, "orderapi: --role must be customer or admin\n");
        return 2;
    }
    char email[EMAIL_MAX + 1] = "";
    if (needs_email) {
        if (validate_email(o.email)) {
            fprintf(stderr, "orderapi: --email is not a valid address\n");
            return 2;
        }
        email_normalize(o.email, email);
    }
    static struct config cfg;
    char err[512];
    if (config_load(&cfg, o.config_file, err, sizeof err) != 0 ||
        config_validate(&cfg, CONFIG_FOR_ADMIN, err, sizeof err) != 0 ||
        jwt_keys_read(&cfg.jwt, err, sizeof err) != 0) {
        fprintf(stderr, "orderapi: configuration error: %s\n", err);
        return 1;
    }
    struct app app;
    struct arena *a = arena_new();
    int rc = 1;
    if (!a || app_init(&app, &cfg, -1) != 0)
        goto out;
    if (db_ensure(app.db) != DB_OK) {
        fprintf(stderr, "orderapi: cannot reach MySQL: %s\n", db_last_error(app.db));
        goto release;
    }
    if (strcmp(sub, "add") == 0) {
        rc = cmd_add(&app, &o, email);
    } else if (strcmp(sub, "set-password") == 0) {
        char hash[PASSWORD_HASH_MAX];
        rc = new_password_hash(hash) == 0
                 ? cmd_update(&app, a, STMT_USER_SET_PASSWORD, hash, email, "password changed")
                 : 1;
    } else if (strcmp(sub, "set-role") == 0) {
        rc = cmd_update(&app, a, STMT_USER_SET_ROLE, o.role, email, "role changed");
    } else if (strcmp(sub, "delete") == 0) {
        rc = cmd_update(&app, a, STMT_USER_DELETE, email, email, "deleted");
    } else if (strcmp(sub, "list") == 0) {
        rc = cmd_list(&app, a);
    } else {
        user_usage(stderr);
        rc = 2;
    }
release:
    app_release(&app);
out:
    arena_free(a);
    return rc;
}
