/*
 * validate_outliers: values that stand out among their national peer
 * group.  Each accepted provider-level indicator value of a message is a
 * candidate; a real submission's values are stored per group and judged
 * when the submission ends, a dry run's at the end of each message.  An
 * outlier adds a warning to the row's stored outcome.  Not the one-row
 * checks (validate_row.c), nor the change against the previous period or
 * the configured rules (validate.c).
 */
#ifndef VALIDATE_OUTLIERS_H
#define VALIDATE_OUTLIERS_H

#include <lmdb.h>
#include <stdint.h>

#include "bl_error.h"
#include "validate_row.h"
#include "validate_stage.h"

/* Notes row (of line, provider registered as reg) as a candidate of the
 * message being applied, when a national peer group is configured and
 * the row has a provider-level value. */
int validate_outliers_add(validate_t *v, uint64_t line,
                          const vr_indicator_row_t *row, const s_reg_t *reg,
                          bl_err_t *err);

/* Stores row's value in its national peer group ("gvals"), with its line
 * and submission, for the judgement at the submission's end. */
int validate_outliers_put(validate_t *v, MDB_txn *txn,
                          const vr_indicator_row_t *row, const s_reg_t *reg,
                          uint64_t line, bl_err_t *err);

/* After each message: records the groups a real submission touched, and
 * judges a dry run's candidates now.  Empties the candidates. */
int validate_outliers_judge_batch(validate_t *v, MDB_txn *txn, bl_err_t *err);

/* At the end of the cached submission (v->sub): judges its rows against
 * each group it touched, as the group now stands, and forgets the
 * touched groups. */
int validate_outliers_judge_submission(validate_t *v, MDB_txn *txn,
                                       bl_err_t *err);

#endif
