/*
 * migrate.c — applies sql/NNN_name.sql migrations in version order.
 *
 * The run holds the MySQL named lock 'orderapi_migrate' throughout, so that
 * two runs started together (two hosts deploying at once) wait for each
 * other instead of both applying a migration.  The lock belongs to the
 * connection: if the connection were lost in the middle of a run the lock
 * would go with it, but a second run would then fail to record the same
 * version again (it is the primary key of schema_migrations), so a double
 * application cannot go unnoticed.
 *
 * MySQL commits DDL implicitly, so a migration is not atomic: one that fails
 * half-way is not recorded, and its earlier statements stay applied.  Write
 * migrations so that they can be re-run (CREATE TABLE IF NOT EXISTS, …).
 *
 * The checksum recorded for each file is FNV-1a 64-bit, in hex.  It detects
 * accidental edits of an applied migration; it is not a security measure
 * (anyone who can edit the file can make it collide).
 */
#include "store/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "log.h"
#include "store/db.h"

#define MIGRATE_CREATE_TABLE                                                    \
    "CREATE TABLE IF NOT EXISTS schema_migrations ("                           \
    "version INT PRIMARY KEY, "                                                \
    "name VARCHAR(255) NOT NULL, "                                             \
    "checksum CHAR(64) NOT NULL, "                                             \
    "applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"            \
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

/* A migration file: its version, its name without ".sql", and once read,
 * its text (in the run's arena) and checksum. */
struct migration {
    int version;
    char name[NAME_MAX + 1];
    char *text;
    size_t len;
    char checksum[17];
};

/*
 * Tells whether a file name is a migration, ^[0-9]{3}_[a-z0-9_]+\.sql$, and
 * if so stores its version and its name without the extension.
 */
static int migration_parse_filename(const char *file, struct migration *m)
{
    size_t len = strlen(file);
    const char *suffix = ".sql";
    size_t suffix_len = strlen(suffix);

    if (len < 3 + 1 + 1 + suffix_len || len - suffix_len > NAME_MAX)
        return 0;
    if (memcmp(file + len - suffix_len, suffix, suffix_len) != 0)
        return 0;
    for (size_t i = 0; i < 3; i++) {
        if (file[i] < '0' || file[i] > '9')
            return 0;
    }
    if (file[3] != '_')
        return 0;
    for (size_t i = 4; i < len - suffix_len; i++) {
        char ch = file[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return 0;
    }
    m->version = (file[0] - '0') * 100 + (file[1] - '0') * 10 + (file[2] - '0');
    memcpy(m->name, file, len - suffix_len);
    m->name[len - suffix_len] = '\0';
    return 1;
}

/* Orders migrations by version (qsort). */
static int migration_compare(const void *a, const void *b)
{
    const struct migration *ma = a, *mb = b;

    return (ma->version > mb->version) - (ma->version < mb->version);
}

/*
 * Lists the migrations of dir, sorted by version, into a malloc'd array.
 * Two files with the same version are an error: their order would be
 * undefined.  0 or -1 (reason printed to out).
 */
static int migration_list(const char *dir, FILE *out, struct migration **list, size_t *count)
{
    int rc = -1;
    DIR *d = opendir(dir);
    struct dirent *entry;
    struct migration *items = NULL;
    size_t n = 0, capacity = 0;

    if (d == NULL) {
        fprintf(out, "error: cannot open migration directory %s: %s\n", dir, strerror(errno));
        goto out;
    }
    while ((entry = readdir(d)) != NULL) {
        struct migration m = {0};
        if (!migration_parse_filename(entry->d_name, &m))
            continue;
        if (n == capacity) {
            size_t new_capacity = capacity != 0 ? capacity * 2 : 16;
            struct migration *grown;
            if (new_capacity > 1000) /* three digits: at most 1000 versions */
                new_capacity = 1000;
            if (new_capacity <= n) {
                fprintf(out, "error: more than 1000 migrations in %s\n", dir);
                goto out;
            }
            grown = realloc(items, new_capacity * sizeof *items);
            if (grown == NULL) {
                fprintf(out, "error: out of memory\n");
                goto out;
            }
            items = grown;
            capacity = new_capacity;
        }
        items[n++] = m;
    }
    if (n > 0)
        qsort(items, n, sizeof *items, migration_compare);
    for (size_t i = 1; i < n; i++) {
        if (items[i].version == items[i - 1].version) {
            fprintf(out, "error: %s and %s have the same version\n", items[i - 1].name,
                    items[i].name);
            goto out;
        }
    }
    *list = items;
    *count = n;
    items = NULL;
    rc = 0;
out:
    free(items);
    if (d != NULL)
        closedir(d);
    return rc;
}

/*
 * Reads dir/name.sql into the arena, refusing anything but a regular file of
 * at most MIGRATE_MAX_FILE bytes.  0 or -1 (reason printed to out).
 */
static int migration_read(struct arena *a, const char *dir, const struct migration *m, FILE *out,
                          char **text, size_t *len)
{
    int rc = -1;
    int fd = -1;
    char path[PATH_MAX];
    struct stat st;
    char *buffer;
    size_t size, done = 0;
    int path_len = snprintf(path, sizeof path, "%s/%s.sql", dir, m->name);

    if (path_len < 0 || (size_t)path_len >= sizeof path) {
        fprintf(out, "error: path too long for %s\n", m->name);
        goto out;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(out, "error: cannot read %s: %s\n", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > MIGRATE_MAX_FILE) {
        fprintf(out, "error: %s is not a regular file of at most %d bytes\n", path,
                MIGRATE_MAX_FILE);
        goto out;
    }
    size = (size_t)st.st_size;
    buffer = arena_alloc(a, size + 1);
    if (buffer == NULL) {
        fprintf(out, "error: out of memory reading %s\n", path);
        goto out;
    }
    while (done < size) {
        ssize_t got = read(fd, buffer + done, size - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            fprintf(out, "error: cannot read %s: %s\n", path,
                    got < 0 ? strerror(errno) : "file shrank while reading");
            goto out;
        }
        done += (size_t)got;
    }
    buffer[size] = '\0';
    *text = buffer;
    *len = size;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* FNV-1a 64-bit of the file, as 16 hex digits: change detection only. */
static void migration_checksum(const char *text, size_t len, char hex[17])
{
    uint64_t hash = UINT64_C(14695981039346656037);

    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char)text[i];
        hash *= UINT64_C(1099511628211);
    }
    snprintf(hex, 17, "%016" PRIx64, hash);
}

/* True when a file holds nothing but whitespace, which MySQL would reject
 * as an empty query. */
static int migration_is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            return 0;
    }
    return 1;
}

/*
 * Takes the named lock, waiting up to 30 seconds for another run to finish.
 * 0, or -1 (reason printed to out).
 */
static int migrate_lock(struct db *db, struct arena *a, FILE *out)
{
    struct db_rows rows;
    int status = db_query_row(db, STMT_MIGRATE_LOCK, NULL, 0, a, &rows);

    if (status != DB_OK) {
        fprintf(out, "error: cannot take the migration lock: %s\n", db_last_error(db));
        return -1;
    }
    if (DB_CELL(&rows, 0, SINGLE_VALUE)->type != DBV_INT || DB_CELL(&rows, 0, SINGLE_VALUE)->i != 1) {
        fprintf(out, "error: another migration run holds the lock 'orderapi_migrate'\n");
        return -1;
    }
    return 0;
}

/* Releases the named lock (closing the connection would release it too). */
static void migrate_unlock(struct db *db, struct arena *a)
{
    struct db_rows rows;

    if (db_query_row(db, STMT_MIGRATE_UNLOCK, NULL, 0, a, &rows) != DB_OK)
        log_msg("warn", "migrate: RELEASE_LOCK failed: %s", db_last_error(db));
}

/* The row of applied (version, name, checksum) for version, or -1. */
static long migrate_find_applied(const struct db_rows *applied, int version)
{
    for (size_t r = 0; r < applied->count; r++) {
        const struct db_value *cell = DB_CELL(applied, r, MIG_VERSION);
        if (cell->type == DBV_INT && cell->i == version)
            return (long)r;
    }
    return -1;
}

/* Warns about recorded migrations whose file has disappeared. */
static void migrate_warn_missing(const struct db_rows *applied, const struct migration *list,
                                 size_t count, FILE *out)
{
    for (size_t r = 0; r < applied->count; r++) {
        const struct db_value *version = DB_CELL(applied, r, MIG_VERSION);
        const struct db_value *name = DB_CELL(applied, r, MIG_NAME);
        int found = 0;
        for (size_t i = 0; i < count && !found; i++)
            found = version->type == DBV_INT && version->i == list[i].version;
        if (!found)
            fprintf(out, "warning: %s was applied but its file is missing\n",
                    name->type == DBV_STR ? name->s : "?");
    }
}

/*
 * Applies one migration that is not yet recorded, then records it.  0 or -1
 * (reason printed to out).
 */
static int migrate_apply(struct db *db, const struct migration *m, FILE *out)
{
    struct db_value params[3] = {DBP_INT(m->version), DBP_STR(m->name), DBP_STR(m->checksum)};
    int status;

    if (!migration_is_blank(m->text, m->len)) {
        status = db_run_script(db, m->text, m->len);
        if (status != DB_OK) {
            fprintf(out, "error: %s failed: %s\n", m->name, db_last_error(db));
            return -1;
        }
    }
    status = db_exec(db, STMT_MIGRATION_RECORD, params, 3, NULL, NULL);
    if (status != DB_OK) {
        fprintf(out, "error: %s was applied but could not be recorded: %s\n", m->name,
                db_last_error(db));
        return -1;
    }
    fprintf(out, "applied %s\n", m->name);
    log_msg("info", "migrate: applied %s (checksum %s)", m->name, m->checksum);
    return 0;
}

/* Applies the missing migrations of dir; see migrate.h. */
int migrate_run(struct db *db, const char *dir, FILE *out)
{
    int rc = -1;
    int locked = 0;
    struct arena *a = arena_new();
    struct migration *list = NULL;
    size_t count = 0, applied_now = 0;
    struct db_rows applied;

    if (a == NULL) {
        fprintf(out, "error: out of memory\n");
        goto out;
    }
    if (migration_list(dir, out, &list, &count) != 0)
        goto out;
    if (db_ensure(db) != DB_OK) {
        fprintf(out, "error: cannot connect to MySQL: %s\n", db_last_error(db));
        goto out;
    }
    if (migrate_lock(db, a, out) != 0)
        goto out;
    locked = 1;
    /* The statements on schema_migrations could not be prepared before the
     * table existed; db.c prepares them again when they are first used. */
    if (db_run_script(db, MIGRATE_CREATE_TABLE, strlen(MIGRATE_CREATE_TABLE)) != DB_OK) {
        fprintf(out, "error: cannot create schema_migrations: %s\n", db_last_error(db));
        goto out;
    }
    if (db_query(db, STMT_MIGRATION_LIST, NULL, 0, a, &applied) != DB_OK) {
        fprintf(out, "error: cannot list applied migrations: %s\n", db_last_error(db));
        goto out;
    }
    /* Read every file before applying any, so that a bad file late in the
     * list stops the run before it changes the schema. */
    for (size_t i = 0; i < count; i++) {
        if (migration_read(a, dir, &list[i], out, &list[i].text, &list[i].len) != 0)
            goto out;
        migration_checksum(list[i].text, list[i].len, list[i].checksum);
    }
    migrate_warn_missing(&applied, list, count, out);
    for (size_t i = 0; i < count; i++) {
        long row = migrate_find_applied(&applied, list[i].version);

        if (row >= 0) {
            const struct db_value *recorded = DB_CELL(&applied, (size_t)row, 2);
            if (recorded->type != DBV_STR || strcmp(recorded->s, list[i].checksum) != 0)
                fprintf(out, "warning: %s changed after it was applied (checksum %s, recorded %s)\n",
                        list[i].name, list[i].checksum,
                        recorded->type == DBV_STR ? recorded->s : "NULL");
            continue;
        }
        if (migrate_apply(db, &list[i], out) != 0)
            goto out;
        applied_now++;
    }
    if (applied_now == 0)
        fprintf(out, "up to date\n");
    rc = 0;
out:
    if (locked)
        migrate_unlock(db, a);
    free(list);
    if (a != NULL)
        arena_free(a);
    return rc;
}
