/*
 * benchmark_external: the groups of another node as input to
 * bc_compute (SPEC 5, "groups that come back from the international
 * node").  It reads what the link stored and builds the external part of
 * a bc_input_t:
 * - on a national node, the international node's statistics, this
 *   country's positions in them and the band-4 members of each instance
 *   (foreign ones with identity only when they share it);
 * - on the international node, the national groups' statistics that the
 *   national nodes sent up, so that a reference to a national statistic
 *   resolves.
 * It also holds the layouts of the stored rows it reads, and the codec of
 * a peer group list as it crosses the link.  On the international node it
 * writes a close's band-4 rows (cband4) and shows them to the door as each
 * asking country may see them.  It sends nothing.
 *
 * Stored rows (keys \x1f-joined, see bl_page.h):
 *   national:      xband4  period \x1f indicator \x1f group \x1f key \x1f
 *                          order -> [id, name, country, service_type,
 *                          users, share, order]  (id, name "" when hidden)
 *   international: xstats  period \x1f country \x1f indicator \x1f group
 *                          \x1f key -> [n, mean, sd, min, p10, p25, p50,
 *                          p75, p90, max, best]
 *                  meta "ngroups.<country>": that country's group list
 * The international node keeps its own band-4 rows once in cband4
 * (period \x1f indicator \x1f group \x1f key \x1f order -> the same value,
 * with the id always there), written by benchmark_external_band4.  Its
 * door shows them to a country as period \x1f country \x1f indicator ...
 * with the id blanked unless the provider shares its identity or is of
 * that country — the layout national nodes page through.
 */
#ifndef BENCHMARK_EXTERNAL_H
#define BENCHMARK_EXTERNAL_H

#include <lmdb.h>
#include <stdint.h>

#include "benchmark_compute.h"
#include "bl_mp.h"

/* Width of the zero-padded order in band-4 keys: sorts as a number. */
#define BX_ORDER_DIGITS 10

/* The external part of one period's input; owns every array. */
typedef struct bx_external {
    size_t n_groups;
    bl_peer_group_t *groups;      /* owned copies */
    size_t n_instances;
    bc_ext_instance_t *instances;
    size_t n_positions;
    bc_ext_position_t *positions;
    size_t n_foreign;
    bc_foreign_t *foreign;
    bc_member_t *members;         /* the instances' band4 point here */
} bx_external_t;

/* The stores it reads. */
typedef struct bx_dbs {
    MDB_dbi stats;       /* national: the international rows live here */
    MDB_dbi positions;
    MDB_dbi xband4;
    MDB_dbi xstats;      /* international */
    MDB_dbi meta;
} bx_dbs_t;

/* National: loads period's international instances, this node's
 * positions in them and their band-4 members, for the external groups
 * given (the international node's).  providers sorted by id. */
int benchmark_external_national(MDB_txn *txn, const bx_dbs_t *dbs,
                                int64_t period, const bl_peer_group_t *groups,
                                size_t n_groups, const bc_input_t *in,
                                bx_external_t *out, bl_err_t *err);

/* International: loads the national groups' statistics of period. */
int benchmark_external_international(MDB_txn *txn, const bx_dbs_t *dbs,
                                     int64_t period, const bc_input_t *in,
                                     bx_external_t *out, bl_err_t *err);

/* International: writes period's band-4 rows once into dbi (cband4),
 * replacing the period's old ones (of either layout); every row with the
 * provider's id, which the door blanks for each asking country that may
 * not see it (benchmark_door.c). */
int benchmark_external_band4(MDB_txn *txn, MDB_dbi dbi, int64_t period,
                             const bc_input_t *in, const bc_output_t *out,
                             bl_err_t *err);

/* International: the door's reply to country's request for a page of
 * period's band-4 rows (after: the `next` of the page before, NULL for
 * the first; at most limit rows): the reply national nodes page through,
 * {ok, rows: [[period, country, indicator, group, key, order, value]...],
 * next}, each value with the id blanked unless the provider shares its
 * identity or is of country.  Returns 0, BL_EPROTO for a malformed stored
 * row, or another negative code (detail in err). */
int benchmark_external_band4_page(MDB_txn *txn, MDB_dbi dbi, int64_t period,
                                  const char *country, const char *after,
                                  size_t after_len, size_t limit,
                                  bl_mpw_t *reply, bl_err_t *err);

/* Points in's external fields at ext. */
void benchmark_external_attach(bc_input_t *in, const bx_external_t *ext);

void benchmark_external_free(bx_external_t *ext);

/* The group list codec of the link: [[id, [attr...]]...]. */
void benchmark_external_write_groups(bl_mpw_t *w,
                                     const bl_peer_group_t *groups,
                                     size_t n);
/* Reads at most max groups into groups (owned copies, free with
 * benchmark_external_free_groups); returns 0, BL_EPROTO or BL_ENOMEM. */
int benchmark_external_read_groups(bl_mpr_t *r, bl_peer_group_t *groups,
                                   size_t max, size_t *n);
void benchmark_external_free_groups(bl_peer_group_t *groups, size_t n);

/* The stored statistics value [n, mean, ..., best] <-> a summary and the
 * best in class (best_in_class may be NULL when not wanted).  Reading
 * returns 0 or BL_EPROTO. */
void benchmark_external_write_stat(bl_mpw_t *w, const bl_summary_t *s,
                                   double best_in_class);
int benchmark_external_read_stat(const void *data, size_t len,
                                 bl_summary_t *s, double *best_in_class);

#endif
