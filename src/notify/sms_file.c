/*
 * sms_file.c — the file: SMS sender: one JSON object per line, appended
 * with one write(2) to a file opened O_APPEND, so lines from several
 * workers never interleave.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "notify/sms.h"

int sms_file_send(const char *path, const char *to, const char *text)
{
    char created_at[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created_at, sizeof created_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *line = json_pack("{s:s, s:s, s:s}", "to", to, "text", text, "created_at", created_at);
    char *json = line ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    if (!json)
        return -1;
    size_t len = strlen(json);
    json[len] = '\n'; /* replaces the NUL: written as one line */
    int rc = -1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_msg("error", "sms: cannot open %s: %s", path, strerror(errno));
    } else {
        ssize_t n = write(fd, json, len + 1);
        if (n == (ssize_t)(len + 1))
            rc = 0;
        else
            log_msg("error", "sms: cannot append to %s: %s", path, n < 0 ? strerror(errno) : "short write");
        close(fd);
    }
    free(json);
    return rc;
}
