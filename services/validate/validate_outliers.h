/*
 * validate_outliers: values that stand out among their national peer
 * group.  Each accepted provider-level indicator value of a message is a
 * candidate; a real submission's values are stored with their group (in
 * "vals", beside the row's figures) and judged when the submission ends, a dry run's at the end of each message.  An
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

/* The outlier part of row's stored value (validate_outliers.c): its
 * national peer group key, value, line and the batch's submission, written
 * to out (cap bytes, VALIDATE_OUTLIERS_TAIL_MAX is enough); the group's
 * values are read from there when the submission ends.  0 when the row is
 * not judged (a unit's row, no national group configured). */
#define VALIDATE_OUTLIERS_TAIL_MAX (1 + UINT8_MAX + 17 + S_SUB_MAX)
size_t validate_outliers_tail(validate_batch_t *b,
                              const vr_indicator_row_t *row,
                              const s_reg_t *reg, uint64_t line,
                              unsigned char *out, size_t cap);

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
