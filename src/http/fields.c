/*
 * fields.c — declared body shapes, checked in one pass.
 */
#include "http/fields.h"

#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "http/problem.h"

static const char *type_name(enum field_type t)
{
    switch (t) {
    case FIELD_STRING: return "a string";
    case FIELD_INTEGER: return "an integer";
    case FIELD_BOOLEAN: return "true or false";
    case FIELD_OBJECT: return "an object";
    case FIELD_ARRAY: return "an array";
    case FIELD_STRING_OR_NUMBER: return "a string or a number";
    }
    return "a value";
}

static int type_matches(const json_t *v, enum field_type t)
{
    switch (t) {
    case FIELD_STRING: return json_is_string(v);
    case FIELD_INTEGER: return json_is_integer(v);
    case FIELD_BOOLEAN: return json_is_boolean(v);
    case FIELD_OBJECT: return json_is_object(v);
    case FIELD_ARRAY: return json_is_array(v);
    case FIELD_STRING_OR_NUMBER: return json_is_string(v) || json_is_number(v);
    }
    return 0;
}

static void add(json_t *errors, const char *prefix, const char *name, const char *code, const char *message)
{
    char field[256];
    snprintf(field, sizeof field, "%s%s", prefix, name);
    problem_add_error(errors, field, code, message);
}

size_t fields_check(const json_t *obj, const struct field_spec *specs, size_t count, const char *prefix,
                    json_t *errors)
{
    size_t added = 0;
    const char *key;
    json_t *value;
    char message[160];
    /* Unknown members first, in the body's order.  jansson's iterator takes
     * a non-const object but only reads it. */
    json_t *mutable_obj = (json_t *)(uintptr_t)obj;
    json_object_foreach(mutable_obj, key, value) {
        size_t i = 0;
        while (i < count && strcmp(specs[i].name, key) != 0)
            i++;
        if (i == count) {
            /* Never echo an arbitrarily long attacker-chosen name in full. */
            char shown[80];
            snprintf(shown, sizeof shown, "%.64s", key);
            add(errors, prefix, shown, "unknown_field", "This field is not accepted here");
            added++;
        }
    }
    for (size_t i = 0; i < count; i++) {
        const struct field_spec *s = &specs[i];
        json_t *v = json_object_get(obj, s->name);
        if (!v || (json_is_null(v) && s->nullable)) {
            if (s->required) {
                add(errors, prefix, s->name, "required", "This field is required");
                added++;
            }
            continue;
        }
        if (!type_matches(v, s->type)) {
            snprintf(message, sizeof message, "Must be %s", type_name(s->type));
            add(errors, prefix, s->name, "invalid_type", message);
            added++;
            continue;
        }
        if (s->type == FIELD_STRING && s->max_bytes && json_string_length(v) > s->max_bytes) {
            snprintf(message, sizeof message, "Must be at most %zu bytes", s->max_bytes);
            add(errors, prefix, s->name, "too_long", message);
            added++;
        }
    }
    return added;
}

/* Runs s's check on its member in obj, if both exist: 1 when it added an error. */
static size_t validate_one(const json_t *obj, const struct field_spec *s, const char *prefix, json_t *errors)
{
    if (!s->check)
        return 0;
    json_t *v = json_object_get(obj, s->name);
    if (!v || json_is_null(v) || !type_matches(v, s->type))
        return 0;
    const char *message = "Invalid value";
    const char *code = s->check(v, &message);
    if (!code)
        return 0;
    add(errors, prefix, s->name, code, message);
    return 1;
}

size_t fields_validate(const json_t *obj, const struct field_spec *specs, size_t count, const char *prefix,
                       json_t *errors)
{
    size_t added = 0;
    for (size_t i = 0; i < count; i++)
        added += validate_one(obj, &specs[i], prefix, errors);
    return added;
}

size_t fields_validate_member(const json_t *obj, const struct field_spec *specs, size_t count, const char *name,
                              const char *prefix, json_t *errors)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(specs[i].name, name) == 0)
            return validate_one(obj, &specs[i], prefix, errors);
    return 0;
}

const char *fields_string(const json_t *obj, const char *name, size_t *len)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return NULL;
    if (len)
        *len = json_string_length(v);
    return json_string_value(v);
}
