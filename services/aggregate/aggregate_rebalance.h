/*
 * aggregate_rebalance: how `bl-aggregate --rebalance FROM:TO` moves the
 * aggregation workers' state when their number changes (the table for
 * common/bl_rebalance.h; every database of aggregate.c classified there).
 */
#ifndef AGGREGATE_REBALANCE_H
#define AGGREGATE_REBALANCE_H

#include "bl_rebalance.h"

extern const bl_rebalance_table_t aggregate_rebalance;

#endif
