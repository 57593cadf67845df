/*
 * hash_slots.c — see hash_slots.h.
 */
#include "auth/hash_slots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "own_dir.h"

int hash_slots_default_dir(char *out, size_t len, const char *tmpdir, unsigned euid)
{
    const char *base = tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp";
    int n = snprintf(out, len, "%s/orderapi-hashes-%u", base, euid);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

int hash_slots_take(const char *dir, unsigned cap, unsigned start, char *err, size_t errlen)
{
    if (cap == 0)
        return HASH_SLOTS_BUSY;
    int dirfd = own_dir_open(dir, err, errlen);
    if (dirfd < 0)
        return HASH_SLOTS_UNUSABLE;
    int result = HASH_SLOTS_BUSY;
    for (unsigned i = 0; i < cap; i++) {
        char name[32];
        snprintf(name, sizeof name, "slot-%u", (start + i) % cap);
        int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "cannot open %s/%s: %s", dir, name, strerror(errno));
            result = HASH_SLOTS_UNUSABLE;
            break;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            result = fd;
            break;
        }
        int busy = errno == EWOULDBLOCK;
        if (!busy)
            snprintf(err, errlen, "cannot lock %s/%s: %s", dir, name, strerror(errno));
        close(fd);
        if (!busy) {
            result = HASH_SLOTS_UNUSABLE;
            break;
        }
    }
    close(dirfd);
    return result;
}

void hash_slots_give(int fd)
{
    if (fd >= 0)
        close(fd); /* closing the only descriptor of the open file drops its lock */
}
