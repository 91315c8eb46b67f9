/*
 * validate_expr: the arithmetic expressions of the node config's extra
 * validation rules (DHIS2 style, e.g. `RES-01.denominator <= users`):
 * compile a side of a rule once, list the figures it needs, evaluate it
 * against one provider's figures for one period, and compare two sides.
 *
 * Grammar (spaces and tabs between tokens are ignored):
 *   expr    := term  (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := '-'* primary
 *   primary := number | reference | field | '(' expr ')'
 *   number  := [0-9]+ ('.' [0-9]+)?          no exponent, no sign
 *   reference := IND '.' ('numerator' | 'denominator' | 'value')
 *   IND     := [A-Z]{2,4} '-' [0-9]+ ('.' [0-9]+)?   e.g. RES-01, DK-1.1
 *   field   := 'users' | 'staff'             register fields of the provider
 * `DK-1.1.value` is indicator DK-1.1, field value; `RES-01.value-3` and
 * `RES-01.value - 3` both subtract 3.
 *
 * This module does not know the catalogue or the register: the caller checks
 * that every referenced indicator exists (validate_expr_ref) and supplies the
 * figures through a lookup callback.  It neither prints nor logs.
 * A compiled expression is immutable: evaluating it from several threads at
 * once is safe as long as the lookup callback is.
 */
#ifndef VALIDATE_EXPR_H
#define VALIDATE_EXPR_H

#include <stddef.h>

#include "bl_error.h"

/* Longest expression text accepted, in bytes (without the NUL). */
#define VALIDATE_EXPR_TEXT_MAX 1024

/* Deepest parenthesis nesting accepted. */
#define VALIDATE_EXPR_DEPTH_MAX 64

/* validate_expr_eval's result besides 0: the expression has no value here
 * (an operand is missing, a division by zero, or a result beyond the double
 * range).  A rule with such a side is "not applicable", neither held nor
 * broken. */
#define VALIDATE_EXPR_NA 1

typedef struct validate_expr validate_expr_t;

/* One distinct figure an expression uses. */
typedef struct validate_expr_ref {
    const char *indicator_id;  /* "RES-01"; NULL for a register field */
    const char *field;         /* "numerator" | "denominator" | "value" |
                                  "users" | "staff" */
    size_t column;             /* 1-based column of its first use */
} validate_expr_ref_t;

/* Asks the caller for one figure of the provider and period being checked.
 * indicator_id is NULL for a register field ("users", "staff").  Returns 0
 * and sets *out when the figure exists, 1 when it is missing (not sent,
 * empty), or a negative BL_E* / -errno code to abort the evaluation.  A
 * non-finite *out counts as missing. */
typedef int (*validate_expr_lookup_fn)(void *ctx, const char *indicator_id,
                                       const char *field, double *out);

/* Compiles text (NUL-terminated).  Returns 0 and sets *out (the caller's, to
 * free with validate_expr_destroy), or returns BL_EINVAL with *out NULL,
 * the 1-based column of the problem in *column (when not NULL; one past the
 * end for "unexpected end of expression") and a message in err such as
 * "unexpected ')'" or "unknown field 'foo'" (without the column).  Returns
 * BL_ENOMEM on allocation failure (*column 0).  Text longer than
 * VALIDATE_EXPR_TEXT_MAX or nested deeper than VALIDATE_EXPR_DEPTH_MAX is
 * refused with BL_EINVAL. */
int validate_expr_compile(validate_expr_t **out, const char *text,
                          size_t *column, bl_err_t *err);

/* Frees the expression and sets *expr to NULL; accepts NULL and a NULL
 * *expr. */
void validate_expr_destroy(validate_expr_t **expr);

/* The number of distinct (indicator, field) figures the expression uses. */
size_t validate_expr_ref_count(const validate_expr_t *expr);

/* The i-th distinct figure, in order of first use (i < ref_count).  The
 * pointers inside are borrowed and live as long as the expression. */
const validate_expr_ref_t *validate_expr_ref(const validate_expr_t *expr,
                                             size_t i);

/* Evaluates the expression.  Looks up every figure it uses once, in the
 * order of validate_expr_ref, and stops at the first one missing.  Returns
 * 0 with the value in *out (always finite), VALIDATE_EXPR_NA when the
 * expression has no value (missing figure, division by zero, overflow),
 * or the negative code the lookup returned (BL_EINVAL if the lookup
 * returned anything else but 0 or 1). */
int validate_expr_eval(const validate_expr_t *expr,
                       validate_expr_lookup_fn lookup, void *ctx,
                       double *out);

/* Compares two evaluated sides with op, one of "<" "<=" "==" "!=" ">="
 * ">".  Equality uses SPEC section 5's tolerance: left equals right when
 * |left - right| <= 1e-9 * |right|; so "<" means less and not equal, "<="
 * less or equal, and likewise for ">" and ">=".  Returns 1 when the rule
 * holds, 0 when it is broken, BL_EINVAL for an unknown op or a NaN side
 * (so validate_rule_holds(0, op, 0) checks an op from the config). */
int validate_rule_holds(double left, const char *op, double right);

#endif
