/*
 * aggregate_resp: the survey answers aggregation keeps ("resp" database),
 * written a run at a time and read back latest-wins.
 *
 * A records message's survey records of one provider, survey and period
 * come together; they are kept as one entry, a run:
 *   period \x1f provider \x1f survey \x1f \x01 sub \x1f first respondent
 *     -> [[respondent, unit, [answer|nil...]]...]
 * instead of one entry per respondent (the put of each, with its random
 * respondent id in the middle of a page, was 40 % of aggregation's CPU on
 * the surveys and its commit 23 %).  Entries of earlier releases, one per
 * respondent, are read too:
 *   period \x1f provider \x1f survey \x1f respondent -> [unit, [answer...]]
 * A respondent re-sent in a later submission replaces the earlier one
 * (SPEC section 2).  The runs of one (period, provider, survey) are read
 * together, as a group: when they come from more than one submission, a
 * respondent's answers are those of the latest submission (ids of one
 * node grow: a longer id is later, then byte order), an earlier release's
 * entry older than any run.  The provider stays second in every key, so
 * a move between workers (aggregate_rebalance.c) takes its runs along.
 */
#ifndef AGGREGATE_RESP_H
#define AGGREGATE_RESP_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_cursors.h"
#include "bl_error.h"
#include "bl_mp.h"
#include "bl_records_codec.h"

/* The run being gathered from a records message. */
typedef struct agg_resp_run {
    bool open;
    char sub[BL_RECORDS_ID_MAX];            /* the message's submission */
    int64_t period;
    char provider[BL_RECORDS_ID_MAX];
    char survey[BL_RECORDS_ID_MAX];
    char first[BL_RECORDS_RESPONDENT_MAX];  /* its first respondent */
    uint32_t n;
    bl_mpw_t body;                          /* its respondents */
    bl_mpw_t val;                           /* scratch: the stored value */
} agg_resp_run_t;

void agg_resp_run_init(agg_resp_run_t *r);
void agg_resp_run_free(agg_resp_run_t *r);

/* Forgets the run, stored or not: at the start of each records message
 * (a message refused halfway runs again, and keeps nothing of before). */
void agg_resp_run_reset(agg_resp_run_t *r);

/* Adds survey record x of submission sub to the run; a record of another
 * period, provider or survey, or a run of AGG_RESP_RUN_MAX respondents,
 * first stores the run (agg_resp_flush).  A run never spans messages
 * (agg_resp_run_reset at each one's start, agg_resp_flush at its end), so
 * all of its records are of one submission.  0, or an error of the store
 * (BL_EDATA when a key does not fit). */
#define AGG_RESP_RUN_MAX 512
int agg_resp_add(agg_resp_run_t *r, bl_cursors_t *cur, MDB_dbi dbi,
                 const char *sub, const bl_record_survey_t *x, bl_err_t *err);

/* Stores the run, if one is open: at the end of each records message. */
int agg_resp_flush(agg_resp_run_t *r, bl_cursors_t *cur, MDB_dbi dbi,
                   bl_err_t *err);

/* One respondent's answers, as stored: unit (ul bytes, not terminated),
 * the encoded array of answers. */
typedef struct agg_resp_answers {
    const char *unit;
    uint32_t ul;
    const uint8_t *answers;
    size_t answers_len;
} agg_resp_answers_t;

typedef void (*agg_resp_fn)(void *ctx, const agg_resp_answers_t *ans);

/* The entries of one (period, provider, survey), gathered in key order.
 * Their values are borrowed from the transaction: nothing may be written
 * to "resp" between the first agg_resp_group_add and agg_resp_group_each.
 */
typedef struct agg_resp_entry {
    MDB_val v;
    bool run;
    size_t sub_at, sub_len;     /* in text: the submission (runs) */
    size_t resp_at, resp_len;   /* in text: the respondent (old entries) */
} agg_resp_entry_t;

typedef struct agg_resp_group {
    agg_resp_entry_t *e;
    size_t n, cap;
    char *text;
    size_t n_text, cap_text;
    bool mixed;                 /* entries of more than one submission */
    struct agg_resp_item *items;/* scratch for a mixed group */
    size_t cap_items;
} agg_resp_group_t;

void agg_resp_group_init(agg_resp_group_t *g);
void agg_resp_group_clear(agg_resp_group_t *g);
void agg_resp_group_free(agg_resp_group_t *g);

/* Adds the entry whose key's fourth part is tail (tl bytes: the
 * respondent, or \x01 sub \x1f first respondent) and whose value is v. */
int agg_resp_group_add(agg_resp_group_t *g, const char *tail, size_t tl,
                       const MDB_val *v, bl_err_t *err);

/* Calls fn once for each respondent of the group, with its latest
 * answers; *count (may be NULL) gets how many.  A malformed entry is
 * passed over.  0 or BL_ENOMEM. */
int agg_resp_group_each(agg_resp_group_t *g, agg_resp_fn fn, void *ctx,
                        uint64_t *count, bl_err_t *err);

/* The respondents stored in dbi ("resp"), each counted once: its latest
 * answers.  0 or an error of the store. */
int agg_resp_count(MDB_txn *txn, MDB_dbi dbi, uint64_t *count,
                   bl_err_t *err);

#endif
