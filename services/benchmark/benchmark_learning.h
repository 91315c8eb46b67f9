/*
 * benchmark_learning: the learning cycle of SPEC section 10 on the
 * benchmarking stage.  It keeps the improvement actions and practices that
 * validation accepted (they arrive through aggregation in "learning"
 * messages), keeps at each close what the learning exports need — per
 * provider and indicator the value, the band in the first peer group,
 * whether it is an area for improvement and whether it is in band 4 —
 * and the learning needs per indicator and country, and answers the
 * exports `actions` and `learning-needs`.
 *
 * It also decides the warning "not an area for improvement": validation
 * cannot know the areas (they come from the benchmark), so an action is
 * judged here when it arrives for a period already computed, and every
 * action of a period again when the period is computed (closed, or
 * computed again).  The warnings are kept per submission and line, and
 * `benchlearn check` shows them beside validation's outcomes.
 *
 * For the reports it gives, per provider, the follow-up of the actions of
 * the period before (SPEC 10), which the benchmark daemon puts in the
 * provider's results, and the practices shown under each area.
 *
 * Practices cross borders like positions (SPEC 10, section 7): a national
 * node sends its practices up (benchmark_uplink, through
 * benchmark_learning_each_practice); the international node keeps them
 * beside its own (benchmark_learning_put_foreign), and at each of its
 * computations writes, per country, the other countries' practices whose
 * author is in band 4 of the indicator in one of its groups (an
 * international one, or one of its own node's, as the uplink said) into
 * xpractices; the national node stores the rows it fetches into its own
 * xpractices, and picks from them beside its own practices.  It is not
 * the link itself.
 *
 * Store (keys are \x1f-joined text, see bl_page.h):
 *   actions    period \x1f provider \x1f action_id
 *              -> [indicator, action, owner, due, status, sub, line]
 *   practices  period \x1f provider \x1f indicator
 *              -> [title, description, contact, sub, line] or, received
 *                 from a national node (international), [title,
 *                 description, contact, "", 0, band4 at home]
 *   lstate     period \x1f provider \x1f indicator
 *              -> [value|nil, band in the first group|nil, area, band4,
 *                  percentile rank in the first group|nil] (rows of
 *                  earlier releases lack the rank)
 *   lneeds     period \x1f indicator \x1f principle \x1f country
 *              -> [in_need, band4, hosts|nil, event|nil]
 *   lwarn      sub \x1f line (10 digits) -> [field, reason]
 *   lclosed    period -> "" once the period has been computed and
 *              closed; "reopened" after `close --reopen` until the next
 *              close (a computation meanwhile leaves it so)
 *   xpractices international: period \x1f country \x1f practice period
 *              \x1f indicator \x1f order -> a practice as
 *              bl_downlink_codec.h has it, for that country's node;
 *              national: the same without the country, as fetched
 *
 * Requests (benchmark_learning_answers says which):
 *   export {period, what: actions|learning-needs, after, limit}
 *       -> a page of rows (bl_page.h), the export's columns in order
 *   learning_warnings {sub} -> {ok, rows: [[line, field, reason]...]}
 */
#ifndef BENCHMARK_LEARNING_H
#define BENCHMARK_LEARNING_H

#include <stdbool.h>
#include <stdint.h>

#include "benchmark_compute.h"
#include "bl_daemon.h"
#include "bl_results_codec.h"
#include "bl_uplink_codec.h"

/* The stage databases this module uses, in this order, from first_db on
 * (the benchmark daemon lists them among its own). */
#define BENCHMARK_LEARNING_DB_NAMES                                          \
    "actions", "practices", "lstate", "lneeds", "lwarn", "lclosed",        \
        "xpractices"
#define BENCHMARK_LEARNING_N_DBS 7

typedef struct benchmark_learning benchmark_learning_t;

/* Makes the module for daemon d, whose stage databases first_db ..
 * first_db + BENCHMARK_LEARNING_N_DBS - 1 are this module's.  Returns 0
 * or BL_ENOMEM. */
int benchmark_learning_open(benchmark_learning_t **out, bl_daemon_t *d,
                            size_t first_db, bl_err_t *err);

/* Frees the module; sets *l to NULL; accepts NULL. */
void benchmark_learning_close(benchmark_learning_t **l);

/* Applies a "learning" message: {rows: [["a", provider, period,
 * action_id, indicator, action, owner, due, status, sub, line] or ["p",
 * provider, period, indicator, title, description, contact, sub, line]
 * ...]}.  A row replaces the stored one of the same key.  Changes the
 * transaction only.  Returns 0, BL_EPROTO for a malformed message, or a
 * store error. */
int benchmark_learning_apply(benchmark_learning_t *l, MDB_txn *txn,
                             const bl_msg_t *msg, bl_err_t *err);

/* Stores what the learning exports need from the computed period (in,
 * out as bc_compute made them), replacing what an earlier computation of
 * it stored, and judges the period's actions again.  Returns 0 or a store
 * error. */
int benchmark_learning_store(benchmark_learning_t *l, MDB_txn *txn,
                             int64_t period, const bc_input_t *in,
                             const bc_output_t *out, bl_err_t *err);

/* After a close marker is applied: when it reopens its period (`close
 * --reopen`), the period no longer counts as computed for the learning
 * cycle (lclosed says "reopened") until it is closed again, whatever is
 * computed meanwhile; otherwise it is closed now.  The actions export
 * shows no figures of it as PERIOD + 1, and its actions are judged at the
 * next close.  period and reopen come from the close marker
 * (bl_close_codec.h).  Returns 0 or a store error. */
int benchmark_learning_after_close(benchmark_learning_t *l, MDB_txn *txn,
                                   int64_t period, bool reopen,
                                   bl_err_t *err);

/* The follow-up in provider's report for period: every action recorded
 * for period - 1, in action id order, with the indicator's value, rank
 * and band in the first peer group in period - 1 and in period (as the
 * last computations of those periods stored them).  *rows is malloc'ed
 * (NULL when *n is 0); the caller frees it.  Returns 0 or a store error. */
int benchmark_learning_followup(benchmark_learning_t *l, MDB_txn *txn,
                                int64_t period, const char *provider,
                                bl_results_followup_t **rows, size_t *n,
                                bl_err_t *err);

/* The practices that may be shown in the reports of period (SPEC 10):
 * those of period or earlier whose author, one of in's providers, was in
 * band 4 of the indicator in one of its groups in the practice's period,
 * and on a national node those of other countries that came back for
 * period.  Loaded once per computation, then picked per provider and
 * area. */
typedef struct benchmark_practices benchmark_practices_t;

/* Loads them into *out (freed with benchmark_learning_practices_free; in
 * must outlive it).  Returns 0, BL_ENOMEM or a store error. */
int benchmark_learning_practices_load(benchmark_learning_t *l, MDB_txn *txn,
                                      int64_t period, const bc_input_t *in,
                                      benchmark_practices_t **out,
                                      bl_err_t *err);

/* Frees *ps and sets it to NULL; accepts NULL. */
void benchmark_learning_practices_free(benchmark_practices_t **ps);

/* Fills out with up to max (at most BL_RESULTS_PARTNERS_MAX) practices on
 * indicator for provider reader (an index in in's providers), not its own:
 * the reader's service type first, then the most recent period, then
 * provider id.  Id, name and contact only when the author shares
 * identity.  Returns how many. */
size_t benchmark_learning_practices_pick(const benchmark_practices_t *ps,
                                         size_t reader, const char *indicator,
                                         bl_results_practice_t *out,
                                         size_t max);

/* The learning part of the coordinator's summary of period (SPEC 10):
 * into s->done, per indicator in catalogue order, the actions recorded
 * for period - 1 and how many are `done` now; into s->needs the
 * learning-needs rows of period.  Both arrays are malloc'ed into s
 * (bl_results_summary_free frees them, also on failure).  Returns 0,
 * BL_ENOMEM or a store error. */
int benchmark_learning_summary(benchmark_learning_t *l, MDB_txn *txn,
                               int64_t period, const bl_catalogue_t *cat,
                               bl_results_summary_t *s, bl_err_t *err);

/* ---- practices over the link ------------------------------------------ */

/* Calls fn for every practice of a period up to max_period, in key order,
 * with band4 set when its author was in band 4 of the indicator in one of
 * this node's groups in the practice's period; the texts borrow the
 * transaction.  Returns 0, fn's negative code or a store error. */
typedef int (*benchmark_practice_fn)(void *ctx,
                                     const bl_uplink_practice_t *p);
int benchmark_learning_each_practice(benchmark_learning_t *l, MDB_txn *txn,
                                     int64_t max_period,
                                     benchmark_practice_fn fn, void *ctx,
                                     bl_err_t *err);

/* International: keeps a practice a national node sent.  0 or a store
 * error. */
int benchmark_learning_put_foreign(benchmark_learning_t *l, MDB_txn *txn,
                                   const bl_uplink_practice_t *p,
                                   bl_err_t *err);

/* International: deletes country's practices of periods up to max_period
 * (a national close sends them again).  0 or a store error. */
int benchmark_learning_drop_foreign(benchmark_learning_t *l, MDB_txn *txn,
                                    const char *country, int64_t max_period,
                                    bl_err_t *err);

/* The xpractices database (see the top): the door pages it, the uplink
 * stores what it fetched into it. */
MDB_dbi benchmark_learning_xpractices(const benchmark_learning_t *l);

/* True when the request is one of this module's. */
bool benchmark_learning_answers(const char *cmd, const bl_msg_t *msg);

/* Answers one of this module's requests into reply (an error reply for a
 * bad request).  Returns 0 or a store error. */
int benchmark_learning_request(benchmark_learning_t *l, MDB_txn *txn,
                               const char *cmd, const bl_msg_t *msg,
                               bl_mpw_t *reply, bl_err_t *err);

#endif
