/*
 * fields.h — a request body's shape, declared as a table and checked before
 * the handler looks at any value (the kcgi way).
 *
 * fields_check reports, into one errors array, every unknown member (so a
 * client can never set a server-owned field such as "role" or "user_id"),
 * every missing required member and every member of the wrong JSON type.
 * The handler then validates values and adds its own entries to the same
 * array, so one 422 lists every bad field.
 *
 * Tables are written with designated initialisers, naming only what
 * differs from the defaults (optional, not nullable, no length limit):
 *     {.name = "sku", .type = FIELD_STRING, .required = 1, .max_bytes = 64}
 */
#ifndef ORDERAPI_FIELDS_H
#define ORDERAPI_FIELDS_H

#include <jansson.h>
#include <stddef.h>

enum field_type {
    FIELD_STRING,
    FIELD_INTEGER,
    FIELD_BOOLEAN,
    FIELD_OBJECT,
    FIELD_ARRAY,
    FIELD_STRING_OR_NUMBER, /* money: "12.50" or 12.5 */
};

/*
 * A member's value check (kcgi's validator slot): NULL when value is
 * acceptable, else the error code, with *message set to the text that goes
 * with it.  Called only for a member of the declared type (never for null),
 * so a rule and its message are written once, in the check, for every
 * table that declares the member.
 */
typedef const char *(*field_check_fn)(const json_t *value, const char **message);

struct field_spec {
    const char *name;
    enum field_type type;
    int required;
    int nullable;         /* JSON null is accepted (and means "absent") */
    size_t max_bytes;     /* strings: longest accepted length in bytes, 0 = no limit */
    field_check_fn check; /* optional: the value check, run by fields_validate */
};

/*
 * Checks obj against specs, appending {field, code, message} entries to
 * errors with prefix before each field name ("items[0]." or "").  Codes:
 * "unknown_field", "required", "invalid_type", "too_long".  Returns the
 * number of entries added.
 */
size_t fields_check(const json_t *obj, const struct field_spec *specs, size_t count, const char *prefix,
                    json_t *errors);

/*
 * Runs the value check of every spec that has one on its member, in the
 * table's order, appending {field, code, message} to errors (with prefix).
 * Returns the number of entries added.  fields_check reports the shape;
 * this, called after it, reports the values.
 */
size_t fields_validate(const json_t *obj, const struct field_spec *specs, size_t count, const char *prefix,
                       json_t *errors);
/* The same for the one member name, if specs declares it (else 0). */
size_t fields_validate_member(const json_t *obj, const struct field_spec *specs, size_t count, const char *name,
                              const char *prefix, json_t *errors);

/* The member as a string (NULL when absent, null, or not a string). */
const char *fields_string(const json_t *obj, const char *name, size_t *len);

#endif
