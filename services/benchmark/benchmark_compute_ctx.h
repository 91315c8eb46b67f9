/*
 * benchmark_compute_ctx: what the passes of bc_compute share (internal to
 * services/benchmark/; see benchmark_compute.h for the interface).
 *
 * bc_compute (benchmark_compute.c) builds the group instances and computes
 * statistics and positions; benchmark_corr.c adds the Spearman
 * relationships; benchmark_partners.c the areas for improvement, strengths
 * and learning partners.  They share the context below and a few small
 * helpers that the hot loops inline.
 */
#ifndef BENCHMARK_COMPUTE_CTX_H
#define BENCHMARK_COMPUTE_CTX_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "benchmark_compute.h"
#include "bl_stats.h"

#define BCX_NONE SIZE_MAX

/* Flags of one (provider, indicator) over its position rows. */
#define BCX_F_BAND1 0x1u
#define BCX_F_BAND4 0x2u
#define BCX_F_GAP 0x4u

/* One peer group's providers, sorted by group key into instances. */
typedef struct bcx_group {
    size_t n_inst;
    size_t *order;        /* provider indexes by (key, index) */
    size_t *inst_start;   /* n_inst + 1 offsets into order */
    size_t *inst_of;      /* provider -> instance */
    char (*inst_key)[BC_KEY_MAX]; /* key of each instance */
    size_t *stat_of;      /* [k * n_inst + inst] -> stats index or BCX_NONE */
    size_t *count;        /* [k * n_inst + inst] -> number of values */
} bcx_group_t;

/* A band-4 provider, for learning partners.  Its users and service type
 * are copied in so that the searches do not chase provider records. */
typedef struct bcx_cand {
    long long users;
    size_t st;            /* dense rank of the service type (strcmp) */
    size_t idx;
} bcx_cand_t;

/* Everything bc_compute needs between its passes. */
typedef struct bcx_ctx {
    const bc_input_t *in;
    const bl_catalogue_t *cat;
    size_t n;             /* providers */
    size_t nk;            /* indicators */
    size_t ng;            /* groups */
    size_t min_peers;     /* cfg->min_peers, at least 1 */
    size_t *ind_order;    /* indicator indexes by id */
    size_t *grp_order;    /* group indexes by id */
    size_t *st_of;        /* provider -> dense rank of its service type */
    bcx_group_t *groups;
    uint8_t *flags;       /* [i * nk + k] */
    double *negz;         /* [i * nk + k], NAN when no z */
    size_t *b4_start;     /* per stat: offset into the band-4 lists */
    bcx_cand_t *b4_by_st;   /* per stat: by (service type, users, index) */
    bcx_cand_t *b4_by_users;/* per stat: by (users, index) */
    size_t np;            /* persons: n providers, then the foreign ones */
    size_t *rank;         /* person -> rank by id (foreign: by order) */
    size_t *person_of;    /* rank -> person */
    size_t *ext_sorted;   /* ext instances by (indicator, group, key) */
    size_t *xpos_start;   /* [i * nk + k]: offsets into xpos */
    size_t *xpos;         /* ext positions by (provider, indicator) */
    size_t xpos_most;     /* most ext positions of one (i, k) */
    size_t n_stats;       /* out->n_stats, once known */
    size_t threads;       /* in->threads, 1 to BC_THREADS_MAX */
} bcx_ctx_t;

/* A value with the local index of its member in a group instance. */
typedef struct bcx_vl {
    double v;
    size_t local;
} bcx_vl_t;

/* A value counts when it is finite. */
static inline bool bcx_has(double v)
{
    return isfinite(v);
}

static inline double bcx_no_negative_zero(double v)
{
    return v == 0.0 ? 0.0 : v;
}

/* bl_stats_equal, here so that the hot loops can inline it: a equals x
 * when |a - x| <= 1e-9 * |x| (SPEC section 5). */
static inline bool bcx_equal(double a, double x)
{
    return fabs(a - x) <= BL_STATS_REL_EPS * fabs(x);
}

/* calloc of n (at least 1) elements of size, NULL on overflow. */
void *bcx_alloc(size_t n, size_t size);

/* Runs fn on each of the n (at most BC_THREADS_MAX) jobs args[0..n),
 * job_size bytes apart: the first on the calling thread, each other on a
 * thread of its own, and joins them.  A job whose thread cannot be
 * started runs on the calling thread instead, so what the jobs compute
 * never depends on how many threads there were.  Returns 0, the first
 * nonzero return of a job (in job order), or -errno when a join fails. */
int bcx_run(size_t n, int (*fn)(void *job), void *args, size_t job_size);

/* Splits items 0..n of weights w (prefix sums: item x weighs
 * cum[x + 1] - cum[x], cum[0] == 0) into parts contiguous runs of about
 * equal weight: part t is [at[t], at[t + 1]), at[0] == 0,
 * at[parts] == n. */
void bcx_split(const size_t *cum, size_t n, size_t parts, size_t *at);

/* Sorts a[0..n) by value, stably, with tmp room for n (finite values, no
 * -0). */
void bcx_sort_vl(bcx_vl_t *a, size_t n, bcx_vl_t *tmp);

/* Pass 3 (benchmark_corr.c): the Spearman rows of every group instance
 * with enough pairs, into out->corrs. */
int bcx_correlations(bcx_ctx_t *c, bc_output_t *out);

/* Pass 4 (benchmark_partners.c): the band-4 lists of every statistic and
 * external instance, then every provider's areas, strengths and learning
 * partners into out->providers. */
int bcx_band4_lists(bcx_ctx_t *c, const bc_output_t *out);
int bcx_provider_results(bcx_ctx_t *c, bc_output_t *out);

#endif
