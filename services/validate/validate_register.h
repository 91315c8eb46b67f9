/*
 * validate_register: the register in validation — register rows judged
 * and stored (every worker keeps the whole register), the entries sent on
 * to every aggregation worker, and the provider lookups the other rows
 * are judged with (in the register, period closed).  Not the one-row
 * checks of a register row (validate_row.c).
 */
#ifndef VALIDATE_REGISTER_H
#define VALIDATE_REGISTER_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>

#include "bl_error.h"
#include "validate_row.h"
#include "validate_stage.h"

/* Judges a register row of batch b.  The provider's own worker judges
 * it, checks its key and passes the entry on to every aggregation lane;
 * another worker only stores a valid entry and marks the row not its
 * own.  Returns 0 or an error of the store. */
int vreg_judge_row(validate_batch_t *b, MDB_txn *txn, validate_line_t *row,
                   bl_err_t *err);

/* The register entry of provider into *reg (reg->found false when there
 * is none), and whether period is closed; adds "not in the register" and,
 * unless closed_ok (actions and practices, SPEC section 10), "period is
 * closed" to o.  Looks up once per run of rows of one provider (the
 * batch's lookup cache).  Returns 0 or an error of the store. */
int vreg_provider_checks(validate_batch_t *b, MDB_txn *txn,
                         const char *provider, int period, bool closed_ok,
                         s_reg_t *reg, vr_outcome_t *o, bl_err_t *err);

/* The group key of a provider in peer group g ("NO/residential_care") in
 * buf (size bytes); "" when g < 0. */
void vreg_group_key(const validate_t *v, int g, const s_reg_t *reg,
                    char *buf, size_t size);

/* True when this validation worker is the one for provider (the same
 * rule ingestion uses to spread rows). */
bool vreg_owns(const validate_t *v, const char *provider);

/* A worker other than the first, started with an empty register, takes
 * worker 1's register over (every register row reaches every worker from
 * then on).  Returns 0 or an error (detail in err). */
int vreg_seed(validate_t *v, const char *db_name, bl_err_t *err);

#endif
