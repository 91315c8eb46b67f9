/*
 * bl_outcomes_client: a submission's row outcomes as its reader wants
 * them — in line order over every validation worker — for `benchlearn
 * submit --wait`, `benchlearn check` and the portal.  Each worker holds
 * the rows of its providers and answers "outcomes" requests a page at a
 * time in line order (SPEC 6); the pages of all workers are merged here,
 * one page per worker in memory, so a file's problems read from its first
 * line on however its providers were spread.
 */
#ifndef BL_OUTCOMES_CLIENT_H
#define BL_OUTCOMES_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"
#include "bl_submit_client.h"

/* One row's outcome: its problems are read from `problems`
 * (bl_outcome_problem, n_problems times); valid during the callback. */
typedef struct bl_outcome_row {
    uint64_t line;
    uint64_t status;
    uint32_t n_problems;
    bl_mpr_t problems;
} bl_outcome_row_t;

/* Called for each row in line order; nonzero stops (and is returned). */
typedef int (*bl_outcome_row_fn)(void *ctx, const bl_outcome_row_t *row);

/* Reads sub's row outcomes (problems only, or every row) from validation
 * workers 1..workers through ask, page_rows a request, and calls fn for
 * each in line order; at most max rows (0: every one), *more (may be
 * NULL) set when some were left.  0, ask's or fn's failure, or BL_EPROTO
 * for a malformed answer. */
int bl_outcomes_each(const char *sub, int workers, bool problems_only,
                     uint32_t page_rows, uint64_t max, bl_sub_ask_fn ask,
                     void *ask_ctx, bl_outcome_row_fn fn, void *ctx,
                     bool *more, bl_err_t *err);

/* The next problem of a row, from r (a copy of its `problems`): whether
 * it is an error (else a warning), its field and its reason (not
 * terminated).  0 or BL_EPROTO. */
int bl_outcome_problem(bl_mpr_t *r, bool *error, const char **field,
                       uint32_t *fl, const char **why, uint32_t *wl);

#endif
