/*
 * own_dir.h — a directory that is this user's own, for state that the
 * processes of one site share without a master (plain CGI, mod_fcgid, the
 * relay run from cron): the password-hash slots (auth/hash_slots.c) and the
 * list cache's stale mark (store/list_cache.c).
 *
 * Made (mode 0700) when missing, and opened only if it is the caller's own,
 * closed to everyone else and not a symbolic link: on a shared host another
 * user could otherwise hold or forge what is in it.
 */
#ifndef ORDERAPI_OWN_DIR_H
#define ORDERAPI_OWN_DIR_H

#include <stddef.h>

/* The directory's descriptor (O_DIRECTORY, close-on-exec), or -1 with the
 * reason in err. */
int own_dir_open(const char *dir, char *err, size_t errlen);

#endif
