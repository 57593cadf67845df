/*
 * hash_slots.h — the Argon2id cap across processes that share no master
 * (plain CGI, mod_fcgid): ORDERAPI_MAX_HASHES slot files in a directory,
 * each held with flock() by the process hashing.
 *
 * A lock belongs to the open file: the kernel drops it when the process
 * exits, however it ends, so a CGI process killed mid-hash frees its slot
 * and no slot is ever leaked.  The directory must be the caller's own
 * (its owner, mode 0700, not a symbolic link), so another user of a shared
 * host can neither hold the slots nor point them elsewhere.
 */
#ifndef ORDERAPI_AUTH_HASH_SLOTS_H
#define ORDERAPI_AUTH_HASH_SLOTS_H

#include <stddef.h>

/* HASH_SLOTS_BUSY: every slot is held; HASH_SLOTS_UNUSABLE: the directory
 * cannot be made or is not safely ours (the reason is in err). */
#define HASH_SLOTS_BUSY (-1)
#define HASH_SLOTS_UNUSABLE (-2)

/*
 * The directory used when ORDERAPI_HASH_LOCK_DIR is empty:
 * $TMPDIR (when absolute) or /tmp, then "/orderapi-hashes-<euid>".
 * 0, or -1 when it does not fit in len.
 */
int hash_slots_default_dir(char *out, size_t len, const char *tmpdir, unsigned euid);

/*
 * Takes one of cap slots in dir (made, 0700, when missing), trying them
 * from start % cap on.  Returns the held slot's descriptor (keep it open
 * while hashing, then hash_slots_give), HASH_SLOTS_BUSY or
 * HASH_SLOTS_UNUSABLE.
 */
int hash_slots_take(const char *dir, unsigned cap, unsigned start, char *err, size_t errlen);

/* Frees a slot taken by hash_slots_take (fd < 0: nothing). */
void hash_slots_give(int fd);

#endif
