/*
 * validation.c — value rules with no I/O.
 */
#include "domain/validation.h"

#include <string.h>

/* Counts code points, assuming s is valid UTF-8 (the body checks ensure it):
 * every byte that is not a continuation byte starts one. */
size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One DNS label: 1..63 letters, digits or '-', not starting or ending with '-'. */
static int label_ok(const char *s, size_t len)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return 1;
}

const char *validate_email(const char *email)
{
    size_t len = strlen(email);
    if (len == 0 || len > EMAIL_MAX)
        return "invalid_email";
    const char *at = strchr(email, '@');
    if (!at || strchr(at + 1, '@'))
        return "invalid_email";
    size_t local_len = (size_t)(at - email);
    if (local_len == 0 || local_len > 64)
        return "invalid_email";
    for (size_t i = 0; i < local_len; i++) {
        unsigned char c = (unsigned char)email[i];
        if (c <= 0x20 || c >= 0x7F || strchr("\"(),:;<>[\\]", c))
            return "invalid_email";
    }
    if (email[0] == '.' || email[local_len - 1] == '.' || strstr(email, ".."))
        return "invalid_email";
    const char *domain = at + 1;
    if (!strchr(domain, '.'))
        return "invalid_email";
    const char *p = domain;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (!label_ok(p, l))
            return "invalid_email";
        if (!dot)
            break;
        p = dot + 1;
    }
    return NULL;
}

void email_normalize(const char *email, char *out)
{
    size_t i = 0;
    for (; email[i] && i < EMAIL_MAX; i++) {
        char c = email[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[i] = '\0';
}

const char *validate_password(const char *password, size_t len)
{
    if (len > PASSWORD_MAX_BYTES)
        return "too_long";
    if (utf8_length(password, len) < PASSWORD_MIN_CHARS)
        return "too_short";
    return NULL;
}

const char *validate_full_name(const char *name, size_t len)
{
    size_t chars = utf8_length(name, len);
    if (chars == 0)
        return "required";
    if (chars > FULL_NAME_MAX_CHARS)
        return "too_long";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7F)
            return "invalid_characters";
    }
    size_t lead = 0;
    while (lead < len && name[lead] == ' ')
        lead++;
    if (lead == len)
        return "required";
    return NULL;
}

int text_is_base64url(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

const char *validate_phone(const char *phone)
{
    if (phone[0] != '+')
        return "invalid_phone";
    size_t digits = strlen(phone + 1);
    if (digits < 8 || digits > 15 || phone[1] == '0')
        return "invalid_phone";
    for (size_t i = 1; phone[i]; i++)
        if (phone[i] < '0' || phone[i] > '9')
            return "invalid_phone";
    return NULL;
}
