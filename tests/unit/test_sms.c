/*
 * test_sms.c — the SMS senders (src/notify/): the setting, the file sender's
 * lines, and the command sender's argument, input, failure and timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "notify/sms.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_sms.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_setting(void **state)
{
    (void)state;
    struct sms_sender s;
    char err[160];
    assert_int_equal(sms_sender_parse("", 10, &s, err, sizeof err), 0);
    assert_int_equal(s.kind, SMS_NONE);
    assert_int_equal(sms_sender_parse("file:/var/lib/orderapi/sms.log", 10, &s, err, sizeof err), 0);
    assert_int_equal(s.kind, SMS_FILE);
    assert_string_equal(s.path, "/var/lib/orderapi/sms.log");
    assert_int_equal(sms_sender_parse("command:/usr/local/bin/send-sms", 7, &s, err, sizeof err), 0);
    assert_int_equal(s.kind, SMS_COMMAND);
    assert_int_equal(s.timeout_s, 7);
    const char *bad[] = {"file:", "file:relative.log", "command:send-sms", "smtp://x", "/tmp/sms.log"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sms_sender_parse(bad[i], 10, &s, err, sizeof err) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(strstr(err, "ORDERAPI_SMS_SENDER"));
    }
    assert_int_equal(sms_send(&(struct sms_sender){.kind = SMS_NONE}, "+15551234567", "x"), -1);
}

static void test_file_sender_appends_json_lines(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/sms.log", dir);
    struct sms_sender s;
    char spec[160], err[160];
    snprintf(spec, sizeof spec, "file:%s", path);
    assert_int_equal(sms_sender_parse(spec, 10, &s, err, sizeof err), 0);
    assert_int_equal(sms_send(&s, "+15551234567", "Your order code is 012345"), 0);
    assert_int_equal(sms_send(&s, "+15557654321", "a \"quoted\"\ntext"), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    const char *want_to[] = {"+15551234567", "+15557654321"};
    const char *want_text[] = {"Your order code is 012345", "a \"quoted\"\ntext"};
    for (int i = 0; i < 2; i++) {
        assert_non_null(fgets(line, sizeof line, f));
        json_t *j = json_loads(line, 0, NULL);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "to")), want_to[i]);
        assert_string_equal(json_string_value(json_object_get(j, "text")), want_text[i]);
        assert_int_equal(strlen(json_string_value(json_object_get(j, "created_at"))), 20);
        json_decref(j);
    }
    assert_null(fgets(line, sizeof line, f));
    fclose(f);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(sms_file_send("/nonexistent-dir/sms.log", "+15551234567", "x"), -1);
}

/* Writes an executable shell script into the test directory; its path. */
static const char *script(const char *name, const char *body)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0700);
    return path;
}

static void test_command_sender(void **state)
{
    (void)state;
    char out[128], body[400];
    snprintf(out, sizeof out, "%s/sent", dir);
    snprintf(body, sizeof body, "printf '%%s|' \"$1\" > '%s'; cat >> '%s'", out, out);
    assert_int_equal(sms_command_send(script("ok.sh", body), "+15551234567", "Your order code is 123456", 5), 0);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char got[128] = "";
    assert_non_null(fgets(got, sizeof got, f));
    fclose(f);
    assert_string_equal(got, "+15551234567|Your order code is 123456");
    assert_int_equal(sms_command_send(script("fails.sh", "exit 3"), "+15551234567", "x", 5), -1);
    assert_int_equal(sms_command_send(script("dies.sh", "kill -9 $$"), "+15551234567", "x", 5), -1);
    assert_int_equal(sms_command_send(script("ignores.sh", "exit 0"), "+15551234567", "x", 5), 0);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/missing.sh", dir);
    assert_int_equal(sms_command_send(missing, "+15551234567", "x", 5), -1);
    /* One that hangs is killed after its time. */
    assert_int_equal(sms_command_send(script("hangs.sh", "exec sleep 30"), "+15551234567", "x", 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setting),
        cmocka_unit_test(test_file_sender_appends_json_lines),
        cmocka_unit_test(test_command_sender),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
