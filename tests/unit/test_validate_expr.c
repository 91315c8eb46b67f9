/*
 * Unit tests of validate_expr: the rule expression compiler (what it
 * accepts, the column and words of what it refuses, its bounds), the
 * evaluator (arithmetic, precedence, missing figures, division by zero) and
 * validate_rule_holds with SPEC's equality tolerance.  Not a test of the
 * validate daemon's use of rules: that lives with the daemon's tests.
 */
#include "validate_expr.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One provider's figures for the lookup callback. */
typedef struct t_figure {
    const char *indicator_id;  /* NULL for a register field */
    const char *field;
    double value;
} t_figure_t;

typedef struct t_ctx {
    const t_figure_t *figures;
    size_t n;
    int calls;           /* lookups made */
    int fail_with;       /* when not 0, every lookup returns this */
} t_ctx_t;

static int t_lookup(void *ctx, const char *indicator_id, const char *field,
                    double *out)
{
    t_ctx_t *c = ctx;
    c->calls++;
    if (c->fail_with != 0) {
        return c->fail_with;
    }
    for (size_t i = 0; i < c->n; i++) {
        const t_figure_t *f = &c->figures[i];
        bool same_ind = f->indicator_id == NULL
            ? indicator_id == NULL
            : indicator_id != NULL && strcmp(f->indicator_id, indicator_id)
                  == 0;
        if (same_ind && strcmp(f->field, field) == 0) {
            *out = f->value;
            return 0;
        }
    }
    return 1;
}

static const t_figure_t t_provider[] = {
    {"RES-01", "numerator", 30.0},
    {"RES-01", "denominator", 40.0},
    {"STA-02", "value", 5.5},
    {"DK-1.1", "value", 3.0},
    {"COM-01", "value", 0.0},
    {NULL, "users", 120.0},
    {NULL, "staff", 45.0},
};

/* Compiles text (which must compile) and evaluates it against t_provider;
 * returns eval's code and the value in *out. */
static int t_eval(const char *text, double *out)
{
    validate_expr_t *e = NULL;
    bl_err_t err = {0};
    size_t column = 99;
    int rc = validate_expr_compile(&e, text, &column, &err);
    cr_assert_eq(rc, 0, "'%s' should compile: col %zu: %s", text, column,
                 err.msg);
    cr_assert_not_null(e);
    t_ctx_t ctx = {t_provider, sizeof t_provider / sizeof t_provider[0],
                   0, 0};
    rc = validate_expr_eval(e, t_lookup, &ctx, out);
    validate_expr_destroy(&e);
    cr_assert_null(e);
    return rc;
}

static double t_value(const char *text)
{
    double v = NAN;
    int rc = t_eval(text, &v);
    cr_assert_eq(rc, 0, "'%s' should evaluate, got %d", text, rc);
    return v;
}

/* Compiles text, which must fail with BL_EINVAL at column and a message
 * containing want. */
static void t_refused(const char *text, size_t column, const char *want)
{
    validate_expr_t *e = (validate_expr_t *)&e;  /* must be reset to NULL */
    bl_err_t err = {0};
    size_t got_column = 0;
    int rc = validate_expr_compile(&e, text, &got_column, &err);
    cr_assert_eq(rc, BL_EINVAL, "'%s' should be refused, rc %d", text, rc);
    cr_assert_null(e);
    cr_assert_eq(err.code, BL_EINVAL);
    cr_assert_eq(got_column, column, "'%s': column %zu, want %zu (%s)", text,
                 got_column, column, err.msg);
    cr_assert(strstr(err.msg, want) != NULL, "'%s': message '%s' lacks '%s'",
              text, err.msg, want);
}

Test(validate_expr, numbers_and_precedence_follow_arithmetic,
     .timeout = 10)
{
    cr_assert_float_eq(t_value("42"), 42.0, 1e-12);
    cr_assert_float_eq(t_value("2.5"), 2.5, 1e-12);
    cr_assert_float_eq(t_value("1 + 2 * 3"), 7.0, 1e-12);
    cr_assert_float_eq(t_value("(1 + 2) * 3"), 9.0, 1e-12);
    cr_assert_float_eq(t_value("10 - 4 - 3"), 3.0, 1e-12);
    cr_assert_float_eq(t_value("100 / 10 / 5"), 2.0, 1e-12);
    cr_assert_float_eq(t_value("2*3/4"), 1.5, 1e-12);
    cr_assert_float_eq(t_value("\t1+1 "), 2.0, 1e-12);
}

Test(validate_expr, unary_minus_binds_tighter_than_operators,
     .timeout = 10)
{
    cr_assert_float_eq(t_value("-3"), -3.0, 1e-12);
    cr_assert_float_eq(t_value("--3"), 3.0, 1e-12);
    cr_assert_float_eq(t_value("- - -3"), -3.0, 1e-12);
    cr_assert_float_eq(t_value("2 - -3"), 5.0, 1e-12);
    cr_assert_float_eq(t_value("2--3"), 5.0, 1e-12);
    cr_assert_float_eq(t_value("-2 * 3"), -6.0, 1e-12);
    cr_assert_float_eq(t_value("-(1 + 2) * 2"), -6.0, 1e-12);
    cr_assert_float_eq(t_value("4 * -0.5"), -2.0, 1e-12);
}

Test(validate_expr, negative_zero_comes_out_as_zero, .timeout = 10)
{
    double v = t_value("-0");
    cr_assert(v == 0.0 && !signbit(v));
    v = t_value("0 * -1");
    cr_assert(v == 0.0 && !signbit(v));
}

Test(validate_expr, references_read_the_providers_figures, .timeout = 10)
{
    cr_assert_float_eq(t_value("RES-01.numerator"), 30.0, 1e-12);
    cr_assert_float_eq(t_value("RES-01.numerator / RES-01.denominator * 100"),
                       75.0, 1e-12);
    cr_assert_float_eq(t_value("RES-01.denominator - users"), -80.0, 1e-12);
    cr_assert_float_eq(t_value("users / staff"), 120.0 / 45.0, 1e-12);
    cr_assert_float_eq(t_value("STA-02.value*2"), 11.0, 1e-12);
}

Test(validate_expr, dotted_indicator_id_takes_its_field_after_the_second_dot,
     .timeout = 10)
{
    validate_expr_t *e = NULL;
    cr_assert_eq(validate_expr_compile(&e, "DK-1.1.value", NULL, NULL), 0);
    cr_assert_eq(validate_expr_ref_count(e), 1);
    const validate_expr_ref_t *r = validate_expr_ref(e, 0);
    cr_assert_str_eq(r->indicator_id, "DK-1.1");
    cr_assert_str_eq(r->field, "value");
    cr_assert_eq(r->column, 1);
    validate_expr_destroy(&e);
    cr_assert_float_eq(t_value("DK-1.1.value + 1"), 4.0, 1e-12);
}

Test(validate_expr, minus_after_a_reference_subtracts, .timeout = 10)
{
    cr_assert_float_eq(t_value("RES-01.numerator - 3"), 27.0, 1e-12);
    cr_assert_float_eq(t_value("RES-01.numerator-3"), 27.0, 1e-12);
    cr_assert_float_eq(t_value("users-3"), 117.0, 1e-12);
    cr_assert_float_eq(t_value("users - RES-01.numerator"), 90.0, 1e-12);
}

Test(validate_expr, refs_are_listed_once_in_order_of_first_use,
     .timeout = 10)
{
    validate_expr_t *e = NULL;
    const char *text = "RES-01.denominator + users * RES-01.denominator"
                       " - RES-01.numerator + users";
    cr_assert_eq(validate_expr_compile(&e, text, NULL, NULL), 0);
    cr_assert_eq(validate_expr_ref_count(e), 3);
    const validate_expr_ref_t *r0 = validate_expr_ref(e, 0);
    const validate_expr_ref_t *r1 = validate_expr_ref(e, 1);
    const validate_expr_ref_t *r2 = validate_expr_ref(e, 2);
    cr_assert_str_eq(r0->indicator_id, "RES-01");
    cr_assert_str_eq(r0->field, "denominator");
    cr_assert_eq(r0->column, 1);
    cr_assert_null(r1->indicator_id);
    cr_assert_str_eq(r1->field, "users");
    cr_assert_eq(r1->column, 22);
    cr_assert_str_eq(r2->indicator_id, "RES-01");
    cr_assert_str_eq(r2->field, "numerator");
    cr_assert_eq(r2->column, 51);
    cr_assert_null(validate_expr_ref(e, 3));

    t_ctx_t ctx = {t_provider, sizeof t_provider / sizeof t_provider[0],
                   0, 0};
    double v = 0.0;
    cr_assert_eq(validate_expr_eval(e, t_lookup, &ctx, &v), 0);
    cr_assert_float_eq(v, 40.0 + 120.0 * 40.0 - 30.0 + 120.0, 1e-9);
    cr_assert_eq(ctx.calls, 3, "each figure is looked up once");
    validate_expr_destroy(&e);
}

Test(validate_expr, expression_without_refs_has_none, .timeout = 10)
{
    validate_expr_t *e = NULL;
    cr_assert_eq(validate_expr_compile(&e, "1 + 2", NULL, NULL), 0);
    cr_assert_eq(validate_expr_ref_count(e), 0);
    double v = 0.0;
    cr_assert_eq(validate_expr_eval(e, NULL, NULL, &v), 0);
    cr_assert_float_eq(v, 3.0, 1e-12);
    validate_expr_destroy(&e);
}

Test(validate_expr, missing_figure_makes_the_expression_not_applicable,
     .timeout = 10)
{
    double v = 7.0;
    cr_assert_eq(t_eval("RES-02.value + 1", &v), VALIDATE_EXPR_NA);
    cr_assert_eq(t_eval("users + RES-01.value", &v), VALIDATE_EXPR_NA);
    cr_assert_float_eq(v, 7.0, 1e-12, "out untouched when not applicable");
}

Test(validate_expr, division_by_zero_is_not_applicable, .timeout = 10)
{
    double v = 0.0;
    cr_assert_eq(t_eval("1 / 0", &v), VALIDATE_EXPR_NA);
    cr_assert_eq(t_eval("0 / 0", &v), VALIDATE_EXPR_NA);
    cr_assert_eq(t_eval("users / COM-01.value", &v), VALIDATE_EXPR_NA);
    cr_assert_eq(t_eval("users / (staff - 45)", &v), VALIDATE_EXPR_NA);
}

Test(validate_expr, overflow_is_not_applicable, .timeout = 10)
{
    char text[400];
    /* 1e300 written out, squared. */
    memset(text, 0, sizeof text);
    text[0] = '(';
    text[1] = '1';
    memset(text + 2, '0', 300);
    strcpy(text + 302, ") * (1");
    memset(text + 308, '0', 20);
    strcpy(text + 328, ")");
    double v = 0.0;
    cr_assert_eq(t_eval(text, &v), VALIDATE_EXPR_NA);
}

Test(validate_expr, lookup_error_is_passed_up, .timeout = 10)
{
    validate_expr_t *e = NULL;
    cr_assert_eq(validate_expr_compile(&e, "users + 1", NULL, NULL), 0);
    t_ctx_t ctx = {t_provider, 0, 0, BL_ESTORE};
    double v = 0.0;
    cr_assert_eq(validate_expr_eval(e, t_lookup, &ctx, &v), BL_ESTORE);
    ctx.fail_with = 2;
    cr_assert_eq(validate_expr_eval(e, t_lookup, &ctx, &v), BL_EINVAL);
    validate_expr_destroy(&e);
}

static int t_lookup_nan(void *ctx, const char *indicator_id,
                        const char *field, double *out)
{
    (void)ctx;
    (void)indicator_id;
    (void)field;
    *out = NAN;
    return 0;
}

Test(validate_expr, non_finite_figure_counts_as_missing, .timeout = 10)
{
    validate_expr_t *e = NULL;
    cr_assert_eq(validate_expr_compile(&e, "users", NULL, NULL), 0);
    double v = 0.0;
    cr_assert_eq(validate_expr_eval(e, t_lookup_nan, NULL, &v),
                 VALIDATE_EXPR_NA);
    validate_expr_destroy(&e);
}

Test(validate_expr, syntax_errors_name_the_column_and_the_token,
     .timeout = 10)
{
    t_refused(")", 1, "unexpected ')'");
    t_refused("1 + )", 5, "unexpected ')'");
    t_refused("(1 + 2))", 8, "unexpected ')'");
    t_refused("1 +", 4, "unexpected end of expression");
    t_refused("1 2", 3, "unexpected '2'");
    t_refused("users staff", 7, "unexpected 'staff'");
    t_refused("2 * * 3", 5, "unexpected '*'");
    t_refused("1 # 2", 3, "unexpected '#'");
    t_refused("1 < 2", 3, "unexpected '<'");
    t_refused("(1 + 2", 1, "unclosed '('");
    t_refused("3 + ((1)", 5, "unclosed '('");
    t_refused("()", 2, "unexpected ')'");
    t_refused("1 + \x01", 5, "unexpected byte 0x01");
}

Test(validate_expr, empty_text_is_refused, .timeout = 10)
{
    t_refused("", 1, "empty expression");
    t_refused("   ", 4, "empty expression");
}

Test(validate_expr, numbers_take_only_plain_decimals, .timeout = 10)
{
    t_refused("3.", 3, "expected a digit after '.'");
    t_refused(".5", 1, "unexpected '.'");
    t_refused("1.2.3", 4, "unexpected '.'");
    t_refused("1e5", 2, "unknown field 'e5'");
    t_refused("12a", 3, "unknown field 'a'");
}

Test(validate_expr, unknown_names_and_fields_are_refused, .timeout = 10)
{
    t_refused("foo", 1, "unknown field 'foo'");
    t_refused("users + foo * 2", 9, "unknown field 'foo'");
    t_refused("RES-01.foo", 8, "unknown field 'foo'");
    t_refused("RES-01.Value", 8, "unknown field 'Value'");
    t_refused("res-01.value", 1, "unknown field 'res'");
    t_refused("Users", 1, "unknown field 'Users'");
    t_refused("RESULT-01.value", 1, "unknown field 'RESULT'");
}

Test(validate_expr, indicator_without_field_is_refused, .timeout = 10)
{
    t_refused("RES-01", 7, "expected '.numerator', '.denominator' or "
                           "'.value' after 'RES-01'");
    t_refused("DK-1.1 + 1", 7, "after 'DK-1.1'");
    t_refused("RES-01. value", 7, "after 'RES-01'");
    t_refused("RES-01a.value", 7, "unexpected 'a' in indicator id");
    t_refused("RES-01.value.numerator", 13, "unexpected '.'");
}

Test(validate_expr, text_over_the_bound_is_refused, .timeout = 10)
{
    char *text = malloc(VALIDATE_EXPR_TEXT_MAX + 2);
    cr_assert_not_null(text);
    /* "1+1+...+1": exactly the bound compiles, one more byte does not. */
    for (size_t i = 0; i < VALIDATE_EXPR_TEXT_MAX; i++) {
        text[i] = i % 2 == 0 ? '1' : '+';
    }
    text[VALIDATE_EXPR_TEXT_MAX - 1] = ' ';
    text[VALIDATE_EXPR_TEXT_MAX] = '\0';
    double v = 0.0;
    cr_assert_eq(t_eval(text, &v), 0);
    cr_assert_float_eq(v, VALIDATE_EXPR_TEXT_MAX / 2, 1e-9);
    text[VALIDATE_EXPR_TEXT_MAX] = '1';
    text[VALIDATE_EXPR_TEXT_MAX + 1] = '\0';
    t_refused(text, VALIDATE_EXPR_TEXT_MAX + 1, "longer than 1024");
    free(text);
}

/* Builds "(((...(1)...)))" with depth pairs of parentheses. */
static char *t_nested(size_t depth)
{
    char *text = malloc(2 * depth + 2);
    cr_assert_not_null(text);
    memset(text, '(', depth);
    text[depth] = '1';
    memset(text + depth + 1, ')', depth);
    text[2 * depth + 1] = '\0';
    return text;
}

Test(validate_expr, nesting_over_the_bound_is_refused, .timeout = 10)
{
    char *text = t_nested(VALIDATE_EXPR_DEPTH_MAX);
    cr_assert_float_eq(t_value(text), 1.0, 1e-12);
    free(text);
    text = t_nested(VALIDATE_EXPR_DEPTH_MAX + 1);
    t_refused(text, VALIDATE_EXPR_DEPTH_MAX + 1, "nested deeper than 64");
    free(text);
}

Test(validate_expr, right_leaning_operands_fit_the_stack, .timeout = 10)
{
    /* 2*(2*(2*(...))) keeps one value per level on the stack. */
    char text[VALIDATE_EXPR_TEXT_MAX + 1];
    size_t n = 0;
    for (int i = 0; i < VALIDATE_EXPR_DEPTH_MAX; i++) {
        text[n++] = '2';
        text[n++] = '*';
        text[n++] = '(';
    }
    text[n++] = '1';
    for (int i = 0; i < VALIDATE_EXPR_DEPTH_MAX; i++) {
        text[n++] = ')';
    }
    text[n] = '\0';
    cr_assert_float_eq(t_value(text), ldexp(1.0, VALIDATE_EXPR_DEPTH_MAX),
                       1.0);
}

Test(validate_expr, compile_argument_errors_are_refused, .timeout = 10)
{
    size_t column = 5;
    cr_assert_eq(validate_expr_compile(NULL, "1", &column, NULL), BL_EINVAL);
    cr_assert_eq(column, 0);
    validate_expr_t *e = NULL;
    cr_assert_eq(validate_expr_compile(&e, NULL, NULL, NULL), BL_EINVAL);
    cr_assert_null(e);
    double v = 0.0;
    cr_assert_eq(validate_expr_eval(NULL, t_lookup, NULL, &v), BL_EINVAL);
}

Test(validate_expr, destroy_accepts_null_and_is_harmless_twice,
     .timeout = 10)
{
    validate_expr_destroy(NULL);
    validate_expr_t *e = NULL;
    validate_expr_destroy(&e);
    cr_assert_eq(validate_expr_compile(&e, "users", NULL, NULL), 0);
    validate_expr_destroy(&e);
    cr_assert_null(e);
    validate_expr_destroy(&e);
    cr_assert_eq(validate_expr_ref_count(NULL), 0);
}

Test(validate_rule, comparisons_hold_as_written, .timeout = 10)
{
    cr_assert_eq(validate_rule_holds(1.0, "<", 2.0), 1);
    cr_assert_eq(validate_rule_holds(2.0, "<", 1.0), 0);
    cr_assert_eq(validate_rule_holds(2.0, "<", 2.0), 0);
    cr_assert_eq(validate_rule_holds(2.0, "<=", 2.0), 1);
    cr_assert_eq(validate_rule_holds(3.0, "<=", 2.0), 0);
    cr_assert_eq(validate_rule_holds(3.0, ">", 2.0), 1);
    cr_assert_eq(validate_rule_holds(2.0, ">", 2.0), 0);
    cr_assert_eq(validate_rule_holds(2.0, ">=", 2.0), 1);
    cr_assert_eq(validate_rule_holds(1.0, ">=", 2.0), 0);
    cr_assert_eq(validate_rule_holds(2.0, "==", 2.0), 1);
    cr_assert_eq(validate_rule_holds(2.0, "==", 3.0), 0);
    cr_assert_eq(validate_rule_holds(2.0, "!=", 3.0), 1);
    cr_assert_eq(validate_rule_holds(2.0, "!=", 2.0), 0);
}

Test(validate_rule, equality_has_the_spec_tolerance, .timeout = 10)
{
    /* 0.1 + 0.2 is 0.30000000000000004: equal to 0.3 within 1e-9. */
    cr_assert_eq(validate_rule_holds(0.1 + 0.2, "==", 0.3), 1);
    cr_assert_eq(validate_rule_holds(0.1 + 0.2, "!=", 0.3), 0);
    cr_assert_eq(validate_rule_holds(0.1 + 0.2, "<=", 0.3), 1);
    cr_assert_eq(validate_rule_holds(0.1 + 0.2, ">", 0.3), 0);
    cr_assert_eq(validate_rule_holds(0.3, "<", 0.1 + 0.2), 0);
    cr_assert_eq(validate_rule_holds(0.3, ">=", 0.1 + 0.2), 1);
    /* Within 1e-9 relative to the right side, and just beyond it. */
    cr_assert_eq(validate_rule_holds(1000.0 + 0.5e-6, "==", 1000.0), 1);
    cr_assert_eq(validate_rule_holds(1000.0 + 2e-6, "==", 1000.0), 0);
    cr_assert_eq(validate_rule_holds(1000.0 + 2e-6, ">", 1000.0), 1);
    /* Against zero only zero is equal. */
    cr_assert_eq(validate_rule_holds(1e-300, "==", 0.0), 0);
    cr_assert_eq(validate_rule_holds(-0.0, "==", 0.0), 1);
}

Test(validate_rule, unknown_op_or_nan_is_refused, .timeout = 10)
{
    cr_assert_eq(validate_rule_holds(0.0, "=", 0.0), BL_EINVAL);
    cr_assert_eq(validate_rule_holds(0.0, "=<", 0.0), BL_EINVAL);
    cr_assert_eq(validate_rule_holds(0.0, "<>", 0.0), BL_EINVAL);
    cr_assert_eq(validate_rule_holds(0.0, "", 0.0), BL_EINVAL);
    cr_assert_eq(validate_rule_holds(0.0, "< ", 0.0), BL_EINVAL);
    cr_assert_eq(validate_rule_holds(0.0, NULL, 0.0), BL_EINVAL);
    cr_assert_eq(validate_rule_holds(NAN, "<", 1.0), BL_EINVAL);
    cr_assert_eq(validate_rule_holds(1.0, "==", NAN), BL_EINVAL);
}

Test(validate_rule, config_example_rule_evaluates_end_to_end, .timeout = 10)
{
    /* RES-01.denominator <= users: 40 goals reviewed for 120 users. */
    double left = t_value("RES-01.denominator");
    double right = t_value("users");
    cr_assert_eq(validate_rule_holds(left, "<=", right), 1);
    cr_assert_eq(validate_rule_holds(t_value("RES-01.denominator * 4"), "<=",
                                     right),
                 0);
}
