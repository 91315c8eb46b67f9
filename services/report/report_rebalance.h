/*
 * report_rebalance: how `bl-report --rebalance FROM:TO` moves the report
 * workers' state when their number changes (the table for
 * common/bl_rebalance.h; every database of report.c classified there).
 */
#ifndef REPORT_REBALANCE_H
#define REPORT_REBALANCE_H

#include "bl_rebalance.h"

extern const bl_rebalance_table_t report_rebalance;

#endif
