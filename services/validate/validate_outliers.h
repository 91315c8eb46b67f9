/*
 * validate_outliers: values that stand out among their national peer
 * group.  Each accepted provider-level indicator value of a message is a
 * candidate; a real submission's values are stored per group and judged
 * when the submission ends, a dry run's at the end of each message.  An
 * outlier adds a warning to the row's stored outcome.  Not the one-row
 * checks (validate_row.c), nor the change against the previous period or
 * the configured rules (validate_rules.c).
 */
#ifndef VALIDATE_OUTLIERS_H
#define VALIDATE_OUTLIERS_H

#include <lmdb.h>
#include <stdint.h>

#include "bl_error.h"
#include "validate_row.h"
#include "validate_stage.h"

/* Notes row (of line, provider registered as reg) as a candidate of
 * batch b, when a national peer group is configured and the row has a
 * provider-level value. */
int validate_outliers_add(validate_batch_t *b, uint64_t line,
                          const vr_indicator_row_t *row, const s_reg_t *reg,
                          bl_err_t *err);

/* Stores row's value in its national peer group ("gvals"), with its line
 * and the batch's submission, for the judgement at the submission's
 * end: put when the batch ends (vbatch_finish). */
int validate_outliers_put(validate_batch_t *b, const vr_indicator_row_t *row,
                          const s_reg_t *reg, uint64_t line, bl_err_t *err);

/* After each message: records the groups a real submission touched, and
 * judges a dry run's candidates now.  Empties the batch's candidates. */
int validate_outliers_judge_batch(validate_batch_t *b, MDB_txn *txn,
                                  bl_err_t *err);

/* At the end of submission sub: judges its rows against each group it
 * touched, as the group now stands (a warning added to an accepted row
 * is counted in sub), and forgets the touched groups. */
int validate_outliers_judge_submission(validate_t *v, MDB_txn *txn,
                                       s_sub_t *sub, bl_err_t *err);

#endif
