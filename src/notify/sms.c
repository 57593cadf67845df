/*
 * sms.c — which sender ORDERAPI_SMS_SENDER names, and sending through it
 * (see sms.h).
 */
#include "notify/sms.h"

#include <stdio.h>
#include <string.h>

int sms_sender_parse(const char *spec, unsigned timeout_s, struct sms_sender *out, char *err, size_t errlen)
{
    *out = (struct sms_sender){.kind = SMS_NONE, .path = NULL, .timeout_s = timeout_s};
    if (!spec || spec[0] == '\0')
        return 0;
    if (strncmp(spec, "file:", 5) == 0) {
        out->kind = SMS_FILE;
        out->path = spec + 5;
    } else if (strncmp(spec, "command:", 8) == 0) {
        out->kind = SMS_COMMAND;
        out->path = spec + 8;
    } else {
        snprintf(err, errlen, "ORDERAPI_SMS_SENDER: must be file:/path or command:/path, got \"%.40s\"", spec);
        return -1;
    }
    if (out->path[0] != '/') {
        snprintf(err, errlen, "ORDERAPI_SMS_SENDER: the path must be absolute, got \"%.60s\"", out->path);
        return -1;
    }
    return 0;
}

int sms_send(const struct sms_sender *s, const char *to, const char *text)
{
    switch (s->kind) {
    case SMS_FILE:
        return sms_file_send(s->path, to, text);
    case SMS_COMMAND:
        return sms_command_send(s->path, to, text, s->timeout_s);
    case SMS_NONE:
        break;
    }
    return -1;
}
