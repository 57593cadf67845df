/*
 * test_fields.c — declared body shapes: unknown, missing, mistyped and
 * over-long members are all reported together.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "http/fields.h"

static const struct field_spec SPECS[] = {
    {.name = "email", .type = FIELD_STRING, .required = 1, .max_bytes = 10},
    {.name = "age", .type = FIELD_INTEGER},
    {.name = "phone", .type = FIELD_STRING, .nullable = 1},
    {.name = "price", .type = FIELD_STRING_OR_NUMBER},
};
#define NSPECS (sizeof SPECS / sizeof SPECS[0])

static const char *error_code_for(json_t *errors, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return json_string_value(json_object_get(e, "code"));
    }
    return NULL;
}

static void test_valid_body_adds_nothing(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:s, s:i, s:n, s:s}", "email", "a@b.co", "age", 3, "phone", "price", "1.50");
    json_t *errors = json_array();
    assert_int_equal(fields_check(obj, SPECS, NSPECS, "", errors), 0);
    assert_int_equal(json_array_size(errors), 0);
    size_t len = 0;
    assert_string_equal(fields_string(obj, "email", &len), "a@b.co");
    assert_int_equal(len, 6);
    assert_null(fields_string(obj, "age", NULL));
    json_decref(obj);
    json_decref(errors);
}

static void test_every_problem_reported_once(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:s, s:s, s:b, s:s}", "role", "admin", "age", "3", "price", 1, "email",
                            "far-too-long@example.com");
    json_t *errors = json_array();
    assert_int_equal(fields_check(obj, SPECS, NSPECS, "user.", errors), 4);
    assert_string_equal(error_code_for(errors, "user.role"), "unknown_field");
    assert_string_equal(error_code_for(errors, "user.age"), "invalid_type");
    assert_string_equal(error_code_for(errors, "user.price"), "invalid_type");
    assert_string_equal(error_code_for(errors, "user.email"), "too_long");
    json_decref(obj);
    json_decref(errors);
}

static void test_missing_required_and_null(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:n, s:n}", "email", "age");
    json_t *errors = json_array();
    assert_int_equal(fields_check(obj, SPECS, NSPECS, "", errors), 2);
    assert_string_equal(error_code_for(errors, "email"), "invalid_type");
    assert_string_equal(error_code_for(errors, "age"), "invalid_type");
    json_decref(obj);
    obj = json_object();
    json_array_clear(errors);
    assert_int_equal(fields_check(obj, SPECS, NSPECS, "", errors), 1);
    assert_string_equal(error_code_for(errors, "email"), "required");
    json_decref(obj);
    json_decref(errors);
}

/* A value check for the tests: refuses "bad", counting its calls. */
static int checks_run;
static const char *check_not_bad(const json_t *v, const char **message)
{
    checks_run++;
    *message = "Anything but bad";
    return strcmp(json_string_value(v), "bad") == 0 ? "is_bad" : NULL;
}

static const struct field_spec CHECKED[] = {
    {.name = "first", .type = FIELD_STRING, .nullable = 1, .max_bytes = 2, .check = check_not_bad},
    {.name = "plain", .type = FIELD_STRING},
    {.name = "second", .type = FIELD_STRING, .check = check_not_bad},
};
#define NCHECKED (sizeof CHECKED / sizeof CHECKED[0])

static void test_value_checks_run_in_table_order(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:s, s:s, s:s}", "second", "bad", "plain", "bad", "first", "bad");
    json_t *errors = json_array();
    checks_run = 0;
    /* The shape's own check still reports the length; the value check runs too. */
    assert_int_equal(fields_check(obj, CHECKED, NCHECKED, "", errors), 1);
    assert_int_equal(fields_validate(obj, CHECKED, NCHECKED, "x.", errors), 2);
    assert_int_equal(checks_run, 2);
    assert_int_equal(json_array_size(errors), 3);
    json_t *e = json_array_get(errors, 1);
    assert_string_equal(json_string_value(json_object_get(e, "field")), "x.first");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "is_bad");
    assert_string_equal(json_string_value(json_object_get(e, "message")), "Anything but bad");
    e = json_array_get(errors, 2);
    assert_string_equal(json_string_value(json_object_get(e, "field")), "x.second");
    json_decref(obj);
    json_decref(errors);
}

static void test_value_checks_skip_absent_null_and_mistyped(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:n, s:i}", "first", "second", 7);
    json_t *errors = json_array();
    checks_run = 0;
    assert_int_equal(fields_validate(obj, CHECKED, NCHECKED, "", errors), 0);
    assert_int_equal(checks_run, 0);
    json_decref(obj);
    obj = json_pack("{s:s, s:s}", "first", "ok", "second", "bad");
    assert_int_equal(fields_validate(obj, CHECKED, NCHECKED, "", errors), 1);
    assert_int_equal(checks_run, 2);
    json_decref(obj);
    json_decref(errors);
}

static void test_one_member_checked_by_name(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:s, s:s}", "first", "bad", "second", "bad");
    json_t *errors = json_array();
    assert_int_equal(fields_validate_member(obj, CHECKED, NCHECKED, "second", "", errors), 1);
    assert_string_equal(error_code_for(errors, "second"), "is_bad");
    assert_null(error_code_for(errors, "first"));
    assert_int_equal(fields_validate_member(obj, CHECKED, NCHECKED, "plain", "", errors), 0);
    assert_int_equal(fields_validate_member(obj, CHECKED, NCHECKED, "undeclared", "", errors), 0);
    assert_int_equal(json_array_size(errors), 1);
    json_decref(obj);
    json_decref(errors);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_body_adds_nothing),
        cmocka_unit_test(test_every_problem_reported_once),
        cmocka_unit_test(test_missing_required_and_null),
        cmocka_unit_test(test_value_checks_run_in_table_order),
        cmocka_unit_test(test_value_checks_skip_absent_null_and_mistyped),
        cmocka_unit_test(test_one_member_checked_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
