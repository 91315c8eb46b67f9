/*
 * aggregate_rebalance: the aggregation stage's databases, each with what
 * a change of the worker count does to it (see bl_rebalance.h for the
 * kinds; keys as aggregate.c's header describes them):
 *
 *   register  REPLICATED   every validation worker sends each register
 *                          entry to every aggregation worker
 *   ind       BY_PROVIDER  period \x1f provider \x1f unit \x1f indicator
 *   resp      BY_PROVIDER  period \x1f provider \x1f survey \x1f a run of
 *                          the provider's respondents (aggregate_resp.h)
 *   values    BY_PROVIDER  period \x1f provider \x1f unit \x1f indicator
 *   rejected  LOCAL, drained  period \x1f validation worker: the counts of
 *                          a close whose markers have not all come; empty
 *                          once the node has drained (the last marker
 *                          deletes them), so a removed worker holding any
 *                          is refused
 *   meta "records"  MERGED (added)  records applied, which `status`
 *                          adds up over the workers: a removed worker's
 *                          count adds to worker 1's
 *   meta, other keys  LOCAL  the outbox's epoch and sequence numbers, the
 *                          close-marker counts of each (period,
 *                          generation) (complete once drained; a later
 *                          close has a new generation)
 *   seen      LOCAL        the inbox's last sequence per sender
 *   outbox    LOCAL, drained  values and markers not yet acknowledged
 */
#include "aggregate_rebalance.h"

static size_t s_part1(const MDB_val *key, const MDB_val *val, char *buf,
                      size_t size)
{
    (void)val;
    return bl_rebalance_part(key->mv_data, key->mv_size, false, 1, buf, size);
}

static const bl_rebalance_rule_t s_rules[] = {
    {.db = "register", .kind = BL_REBALANCE_REPLICATED},
    {.db = "ind", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part1},
    {.db = "resp", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part1},
    {.db = "values", .kind = BL_REBALANCE_BY_PROVIDER, .provider = s_part1},
    {.db = "rejected", .kind = BL_REBALANCE_LOCAL, .drained = true},
    {.db = "meta", .prefix = "records", .kind = BL_REBALANCE_MERGED,
     .fold = bl_rebalance_fold_add_u64},
    {.db = "meta", .kind = BL_REBALANCE_LOCAL},
    {.db = "seen", .kind = BL_REBALANCE_LOCAL},
    {.db = "outbox", .kind = BL_REBALANCE_LOCAL, .drained = true},
};

const bl_rebalance_table_t aggregate_rebalance = {
    s_rules, sizeof s_rules / sizeof s_rules[0]};
