/*
 * validate_rules: checks an indicator row against the node's configured
 * rules (config "rules": two expressions and an operator, an error or a
 * warning) and against the node's change limit (a value that changed by
 * more than a factor against the provider's previous period).  Not the
 * expression language itself (validate_expr.c), nor the one-row checks
 * (validate_row.c).
 */
#ifndef VALIDATE_RULES_H
#define VALIDATE_RULES_H

#include <lmdb.h>

#include "bl_error.h"
#include "validate_row.h"
#include "validate_stage.h"

/* Compiles the configured rules into v->rules.  Returns 0, or BL_ECONFIG
 * naming the config file, line, rule and column (BL_ENOMEM). */
int validate_rules_compile(validate_t *v, bl_err_t *err);

/* Frees v->rules; harmless after a failed or no compile. */
void validate_rules_free(validate_t *v);

/* Adds to o every rule that names row's indicator and does not hold; the
 * other figures are the provider's stored ones (reg for users, staff),
 * read in the transaction of batch b. */
void validate_rules_check(validate_batch_t *b, const vr_indicator_row_t *row,
                          const s_reg_t *reg, vr_outcome_t *o);

/* Warns when row's value changed by more than the node's change factor
 * against the provider's previous period (read in b's transaction). */
void validate_rules_check_change(validate_batch_t *b,
                                 const vr_indicator_row_t *row,
                                 vr_outcome_t *o);

#endif
