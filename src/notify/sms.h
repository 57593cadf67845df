/*
 * sms.h — sending a text message, behind one small interface, chosen by
 * ORDERAPI_SMS_SENDER:
 *
 *   file:/path        appends one JSON object per line to the file,
 *                     {"to": "+15551234567", "text": "…", "created_at": "…"}
 *                     (development and tests: the stack reads codes there);
 *   command:/path     runs the program with the phone as its one argument and
 *                     the text on standard input, and waits for it at most
 *                     ORDERAPI_SMS_TIMEOUT seconds; exit status 0 is sent,
 *                     anything else (or the timeout: it is killed) is a
 *                     failure.  A host plugs in its SMS gateway this way.
 *
 * An empty setting is no sender.  A real gateway is one of those away.
 */
#ifndef ORDERAPI_SMS_H
#define ORDERAPI_SMS_H

#include <stddef.h>

enum sms_kind { SMS_NONE = 0, SMS_FILE, SMS_COMMAND };

struct sms_sender {
    enum sms_kind kind;
    const char *path;   /* points into the setting it was parsed from */
    unsigned timeout_s; /* SMS_COMMAND */
};

/* Parses an ORDERAPI_SMS_SENDER value ("", "file:/abs/path" or
 * "command:/abs/path"); 0, or -1 with err naming the setting. */
int sms_sender_parse(const char *spec, unsigned timeout_s, struct sms_sender *out, char *err, size_t errlen);

/* Sends text to the phone; 0 when sent, -1 otherwise (logged). */
int sms_send(const struct sms_sender *s, const char *to, const char *text);

/* The two ways (sms_file.c, sms_command.c). */
int sms_file_send(const char *path, const char *to, const char *text);
int sms_command_send(const char *path, const char *to, const char *text, unsigned timeout_s);

#endif
