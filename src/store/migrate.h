/*
 * migrate.h — applies the SQL migrations in a directory, in version order.
 *
 * Files named NNN_name.sql (three digits, then lowercase letters, digits and
 * underscores) are migrations; other files are ignored.  Each is applied at
 * most once and recorded in schema_migrations with a checksum; a recorded
 * migration whose file has changed since is reported, not applied again.
 * A MySQL named lock keeps two concurrent runs from applying the same one.
 */
#ifndef ORDERAPI_MIGRATE_H
#define ORDERAPI_MIGRATE_H

#include <stdio.h>

struct db;

/* Largest migration file accepted, in bytes. */
#define MIGRATE_MAX_FILE (1024 * 1024)

/*
 * Applies every migration of dir not yet recorded, printing one line per
 * migration applied ("applied 001_baseline"), warnings, and "up to date"
 * when there was nothing to do, to out.  0 on success, -1 on any error (the
 * reason printed to out and logged).
 */
int migrate_run(struct db *db, const char *dir, FILE *out);

#endif
