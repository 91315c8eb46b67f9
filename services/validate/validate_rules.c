/*
 * validate_rules: the node's configured rules and the change limit, checked
 * on indicator rows (see validate_rules.h).  Expressions are parsed and
 * evaluated by validate_expr.c; this module compiles the configured rules
 * once, finds the figures they name, and words the outcome.
 */
#include "validate_rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bl_catalogue.h"
#include "validate_batch.h"

/* Lookup for rule expressions: the provider's figures for the period, with
 * the row being checked taking the place of what is stored. */
typedef struct s_rule_ctx {
    validate_t *v;
    validate_batch_t *b;
    const vr_indicator_row_t *row;
    const s_reg_t *reg;
} s_rule_ctx_t;

static int s_rule_lookup(void *ctx, const char *indicator_id,
                         const char *field, double *out)
{
    s_rule_ctx_t *c = ctx;
    if (indicator_id == NULL) {
        if (!c->reg->found) {
            return 1;
        }
        *out = strcmp(field, "users") == 0 ? c->reg->users : c->reg->staff;
        return 0;
    }
    double f[3];
    const bl_indicator_t *ind =
        &c->v->cfg->catalogue->indicators[c->row->indicator];
    if (strcmp(indicator_id, ind->id) == 0) {
        f[0] = c->row->has_num ? c->row->num : NAN;
        f[1] = c->row->has_den ? c->row->den : NAN;
        f[2] = c->row->has_value ? c->row->value : NAN;
    } else if (vbatch_vals_get(c->b, c->row->period, indicator_id,
                               c->row->provider, "", f, NULL) != 0) {
        return 1;
    }
    double x = strcmp(field, "numerator") == 0     ? f[0]
               : strcmp(field, "denominator") == 0 ? f[1]
                                                   : f[2];
    if (isnan(x)) {
        return 1;
    }
    *out = x;
    return 0;
}

void validate_rules_check(validate_batch_t *b, const vr_indicator_row_t *row,
                          const s_reg_t *reg, vr_outcome_t *o)
{
    validate_t *v = b->v;
    const char *ind = v->cfg->catalogue->indicators[row->indicator].id;
    for (size_t i = 0; i < v->n_rules; i++) {
        s_rule_t *r = &v->rules[i];
        /* A rule is checked on the rows of the indicators it names. */
        bool uses = false;
        validate_expr_t *sides[] = {r->left, r->right};
        for (int s = 0; s < 2 && !uses; s++) {
            for (size_t k = 0; k < validate_expr_ref_count(sides[s]); k++) {
                const validate_expr_ref_t *ref = validate_expr_ref(sides[s],
                                                                   k);
                if (ref->indicator_id && strcmp(ref->indicator_id, ind) == 0) {
                    uses = true;
                    break;
                }
            }
        }
        if (!uses) {
            continue;
        }
        s_rule_ctx_t c = {v, b, row, reg};
        double l, rr;
        if (validate_expr_eval(r->left, s_rule_lookup, &c, &l) != 0 ||
            validate_expr_eval(r->right, s_rule_lookup, &c, &rr) != 0) {
            continue;
        }
        if (validate_rule_holds(l, r->def->op, rr) == 0) {
            vr_add(o, r->def->severity == BL_SEV_ERROR, ind,
                   "%s (rule %s: %s %s %s, here %.10g %s %.10g)",
                   r->def->message, r->def->name, r->def->left, r->def->op,
                   r->def->right, l, r->def->op, rr);
        }
    }
}

void validate_rules_check_change(validate_batch_t *b,
                                 const vr_indicator_row_t *row,
                                 vr_outcome_t *o)
{
    validate_t *v = b->v;
    double f = v->cfg->change_factor;
    if (f <= 0 || !row->has_value) {
        return;
    }
    double prev[3];
    const char *ind = v->cfg->catalogue->indicators[row->indicator].id;
    if (vbatch_vals_get(b, row->period - 1, ind, row->provider, row->unit,
                        prev, NULL) != 0 ||
        isnan(prev[2]) || prev[2] <= 0 || row->value <= 0) {
        return;
    }
    double ratio = row->value / prev[2];
    if (ratio > f || ratio < 1.0 / f) {
        vr_add(o, false, row->has_num ? "numerator" : "value",
               "%.10g changed by a factor of %.2f against the previous "
               "period (%.10g); the node's limit is %.10g",
               row->value, ratio, prev[2], f);
    }
}

int validate_rules_compile(validate_t *v, bl_err_t *err)
{
    v->n_rules = v->cfg->n_rules;
    v->rules = calloc(v->n_rules ? v->n_rules : 1, sizeof *v->rules);
    if (v->rules == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < v->n_rules; i++) {
        const bl_rule_t *def = &v->cfg->rules[i];
        v->rules[i].def = def;
        size_t col = 0;
        if (validate_expr_compile(&v->rules[i].left, def->left, &col, err) !=
                0 ||
            validate_expr_compile(&v->rules[i].right, def->right, &col,
                                  err) != 0) {
            bl_err_prefix(err, "%s:%zu: rule %s, column %zu", v->cfg->path,
                          def->line, def->name, col);
            return BL_ECONFIG;
        }
        validate_expr_t *sides[] = {v->rules[i].left, v->rules[i].right};
        for (int s = 0; s < 2; s++) {
            for (size_t k = 0; k < validate_expr_ref_count(sides[s]); k++) {
                const validate_expr_ref_t *ref = validate_expr_ref(sides[s],
                                                                   k);
                if (ref->indicator_id &&
                    bl_catalogue_find_indicator(v->cfg->catalogue,
                                                ref->indicator_id) < 0) {
                    return bl_err_set(err, BL_ECONFIG,
                                      "%s:%zu: rule %s: unknown indicator "
                                      "'%s'",
                                      v->cfg->path, def->line, def->name,
                                      ref->indicator_id);
                }
            }
        }
    }
    return 0;
}

void validate_rules_free(validate_t *v)
{
    for (size_t i = 0; i < v->n_rules && v->rules != NULL; i++) {
        validate_expr_destroy(&v->rules[i].left);
        validate_expr_destroy(&v->rules[i].right);
    }
    free(v->rules);
    v->rules = NULL;
    v->n_rules = 0;
}
