/*
 * validate_rebalance: how `bl-validate --rebalance FROM:TO` moves the
 * validation workers' state when their number changes (the table for
 * common/bl_rebalance.h; every database of validate.c classified there).
 */
#ifndef VALIDATE_REBALANCE_H
#define VALIDATE_REBALANCE_H

#include "bl_rebalance.h"

extern const bl_rebalance_table_t validate_rebalance;

#endif
