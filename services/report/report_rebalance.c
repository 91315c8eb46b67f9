/*
 * report_rebalance: the report stage's databases, each with what a change
 * of the worker count does to it (see bl_rebalance.h for the kinds; keys
 * as report.c's header describes them).  Every report worker holds every
 * result and renders the providers bl_outbox_lane_of(provider, K) gives
 * it, so nothing is kept per provider: a new worker gets a copy of
 * worker 1's results, and a removed worker's store only goes.
 *
 *   prov      REPLICATED  period \x1f provider -> result
 *   istats    REPLICATED  period \x1f indicator \x1f group \x1f key -> an
 *                         instance's statistics, which results refer to
 *   summary   REPLICATED  period -> the coordinator's summary
 *   rejected  REPLICATED  period -> rows still rejected (every marker
 *                         reaches every worker)
 *   jobs      LOCAL, drained  render requests queued at that worker (the
 *                         asker polls that worker's job_state): a removed
 *                         worker must have worked them off
 *   done "close\x1f"  REPLICATED  a period's last close outcome, which
 *                         period_state answers (`close` waits on it)
 *   done, other keys  LOCAL  request outcomes, by the worker's own job ids
 *   meta "closes."   REPLICATED  close markers received per period (equal
 *                         on every worker; a kept PDF is checked against
 *                         it)
 *   meta "rendered."  REPLICATED  the generation last rendered per period
 *   meta "istats."  REPLICATED  the generation of a period's istats
 *   meta "pending."   UNION (larger generation)  a close not yet rendered
 *                         everywhere: since the shares change, every
 *                         worker renders its new share from the start
 *                         (rendering a file twice is harmless).  A job's
 *                         place in its share is kept in memory only, so
 *                         an unfinished job always starts again from its
 *                         first provider when its worker starts
 *   meta, other keys  LOCAL  "jobs.last" (the worker's job ids),
 *                         "pdf.<period>\x1f<provider>" (PDFs that worker
 *                         kept: another worker renders one again)
 *   seen      LOCAL       the inbox's last sequence per sender
 *   outbox    LOCAL, drained  (the report stage sends nothing)
 */
#include "report_rebalance.h"

static const bl_rebalance_rule_t s_rules[] = {
    {.db = "prov", .kind = BL_REBALANCE_REPLICATED},
    {.db = "istats", .kind = BL_REBALANCE_REPLICATED},
    {.db = "summary", .kind = BL_REBALANCE_REPLICATED},
    {.db = "rejected", .kind = BL_REBALANCE_REPLICATED},
    {.db = "jobs", .kind = BL_REBALANCE_LOCAL, .drained = true},
    {.db = "done", .prefix = "close\x1f", .kind = BL_REBALANCE_REPLICATED},
    {.db = "done", .kind = BL_REBALANCE_LOCAL},
    {.db = "meta", .prefix = "closes.", .kind = BL_REBALANCE_REPLICATED},
    {.db = "meta", .prefix = "rendered.", .kind = BL_REBALANCE_REPLICATED},
    {.db = "meta", .prefix = "istats.", .kind = BL_REBALANCE_REPLICATED},
    {.db = "meta", .prefix = "pending.", .kind = BL_REBALANCE_UNION,
     .fold = bl_rebalance_fold_max_u64},
    {.db = "meta", .kind = BL_REBALANCE_LOCAL},
    {.db = "seen", .kind = BL_REBALANCE_LOCAL},
    {.db = "outbox", .kind = BL_REBALANCE_LOCAL, .drained = true},
};

const bl_rebalance_table_t report_rebalance = {
    s_rules, sizeof s_rules / sizeof s_rules[0]};
