/*
 * benchmark_compute: the benchmark of one period, as pure computation —
 * peer-group statistics, positions, references and gaps, Spearman
 * relationships, areas for improvement, strengths and learning partners
 * (SPEC section 5).  Input is the register and one value per provider and
 * indicator; output is plain arrays.  No I/O, no store, no sockets: the
 * benchmarking daemon (benchmark.c) feeds it; benchmark_store.c stores what
 * it returns.
 */
#ifndef BENCHMARK_COMPUTE_H
#define BENCHMARK_COMPUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_config.h"
#include "bl_error.h"
#include "bl_stats.h"

#define BC_KEY_MAX 256
#define BC_PARTNERS_MAX 3
#define BC_THREADS_MAX 16

/* A provider as the register describes it. */
typedef struct bc_provider {
    char id[48];
    char name[512];
    char country[3];
    char service_type[64];
    char membership[16];
    char member_since[11];
    bool share_identity;
    long long users, staff;
} bc_provider_t;

/* A provider this node knows only as a band-4 member of a group instance
 * that came back from the international node (another country's). */
typedef struct bc_foreign {
    char id[48];                   /* "" when it does not share identity */
    char name[512];                /* "" likewise */
    char country[3];
    char service_type[64];
    bool share_identity;
    long long users;
    uint64_t order;                /* rank of its id among the providers
                                      of the node that computed the
                                      instance: sorts as its id would */
} bc_foreign_t;

/* A band-4 member of an external group instance: one of in->providers
 * (local) or one of in->foreign. */
typedef struct bc_member {
    bool local;
    size_t idx;
} bc_member_t;

/* A group instance computed by another node: on a national node the
 * international node's groups, on the international node the national
 * nodes' groups (for references).  Its band-4 members are candidate
 * learning partners of the providers placed in it. */
typedef struct bc_ext_instance {
    int indicator;                 /* catalogue index */
    size_t group;                  /* index into in->ext_groups */
    char group_key[BC_KEY_MAX];
    bl_summary_t s;
    size_t n_band4;
    const bc_member_t *band4;
} bc_ext_instance_t;

/* A position of one of in->providers in an external group instance, as
 * the node that computed it sent it back. */
typedef struct bc_ext_position {
    size_t provider;               /* index into in->providers */
    size_t instance;               /* index into in->ext_instances */
    double value;
    double percentile_rank;
    int band;
    bool has_z;
    double z;
    bool has_reference;
    double reference;
    double gap;
} bc_ext_position_t;

typedef struct bc_input {
    const bl_config_t *cfg;        /* peer groups, min_peers, catalogue */
    int period;
    size_t n_providers;
    const bc_provider_t *providers; /* sorted by id (strcmp) */
    /* values[i * n_indicators + k]: provider i's value on catalogue
     * indicator k (provider level, status ok), NAN when it has none.
     * n_indicators == cfg->catalogue->n_indicators. */
    const double *values;
    /* Groups computed by another node (SPEC 5, "groups that come back"):
     * their ids must differ from cfg's.  All may be 0 / NULL. */
    size_t n_ext_groups;
    const bl_peer_group_t *ext_groups;
    size_t n_ext_instances;
    const bc_ext_instance_t *ext_instances;
    size_t n_ext_positions;
    const bc_ext_position_t *ext_positions;
    size_t n_foreign;
    const bc_foreign_t *foreign;   /* no two with the same order */
    /* Threads bc_compute may run its heavy passes on: 0 or 1 for the
     * caller's only (the default), at most BC_THREADS_MAX.  The output is
     * the same, bit for bit, whatever the count. */
    int threads;
} bc_input_t;

/* One statistics row (export --what stats). */
typedef struct bc_stat {
    int indicator;                 /* catalogue index */
    int group;                     /* cfg->groups index */
    char group_key[BC_KEY_MAX];    /* "NO/residential_care", "" for [] */
    bl_summary_t s;
    double best_in_class;
} bc_stat_t;

/* One position row (export --what positions), whole: what bc_position
 * derives from what bc_compute keeps (bc_pos_t). */
typedef struct bc_position {
    double value;
    double percentile_rank;
    double z;
    double reference;
    double gap;
    uint32_t stat;                 /* index into out->stats of its instance */
    uint32_t provider;             /* index into in->providers */
    int16_t indicator;             /* catalogue index */
    uint8_t group;                 /* cfg->groups index */
    int8_t band;
    bool has_z;
    bool has_reference;            /* reference and gap are set */
} bc_position_t;

/* A position as bc_compute keeps it: 12 bytes, for a period of 50,000
 * providers holds 4.5 million of them.  Everything else follows from its
 * statistic, out->kvalues and out->refs (bc_position). */
typedef struct bc_pos {
    uint32_t provider;             /* index into in->providers */
    uint32_t stat;                 /* index into out->stats */
    uint32_t rank2;                /* 2 x members worse + members equal:
                                      the percentile rank is
                                      50 * rank2 / n */
} bc_pos_t;

/* One relationship row (export --what correlations). */
typedef struct bc_corr {
    int group;
    char group_key[BC_KEY_MAX];
    int a, b;                      /* catalogue indexes, id(a) < id(b) */
    size_t n;
    double rho;
} bc_corr_t;

/* An area for improvement of a provider. */
typedef struct bc_area {
    int indicator;
    bool has_neg_z;
    double neg_z;                  /* largest -z over its groups */
    size_t n_partners;
    size_t partners[BC_PARTNERS_MAX]; /* best first: an index into
                                      in->providers, or n_providers + an
                                      index into in->foreign */
} bc_area_t;

/* What one provider should improve and where it is strong. */
typedef struct bc_provider_result {
    size_t n_areas;
    bc_area_t *areas;              /* ordered by neg_z, largest first;
                                      areas without z last, by id */
    size_t n_strengths;
    int *strengths;                /* catalogue indexes, by id */
} bc_provider_result_t;

typedef struct bc_output {
    size_t n_stats;
    bc_stat_t *stats;              /* sorted as the export: indicator id,
                                      group id, group key (strcmp) */
    size_t n_positions;
    bc_pos_t *positions;           /* sorted: indicator id, group id, group
                                      key, provider id; read them whole
                                      through bc_position */
    /* By indicator, then provider ([k * n_providers + i]), so that the
     * positions, in indicator order, read them in sequence: */
    double *kvalues;               /* provider i's value on indicator k
                                      (-0 as 0), NAN when it has none */
    double *refs;                  /* its reference there (the same in
                                      each of its groups), NAN for none */
    size_t n_corrs;
    bc_corr_t *corrs;              /* sorted: group id, key, id(a), id(b) */
    bc_provider_result_t *providers; /* n_providers of them, input order */
} bc_output_t;

/* Computes everything for one period.  Returns 0, BL_ENOMEM, or -errno
 * when a thread it started cannot be joined (a bug).  It
 * keeps no state and may run in several threads at once on different
 * outputs; with in->threads above 1 it starts that many - 1 threads of its
 * own for the statistics, positions and correlations and joins them
 * before it returns. */
int bc_compute(const bc_input_t *in, bc_output_t *out, bl_err_t *err);

/* Position x of out (x < out->n_positions) whole, into p.  in is the
 * input out was computed from (its catalogue is read). */
void bc_position(const bc_input_t *in, const bc_output_t *out, size_t x,
                 bc_position_t *p);

/* Frees what bc_compute allocated; out is zeroed. */
void bc_output_free(bc_output_t *out);

/* The group key of provider p in group g ("NO/residential_care"). */
void bc_group_key(const bl_peer_group_t *g, const bc_provider_t *p,
                  char *buf, size_t size);

/* The index of provider id among the n providers ps, sorted by id
 * (strcmp, as bc_input_t has them), or -1. */
long bc_find_provider(const bc_provider_t *ps, size_t n, const char *id);

/* The providers by id in a hash table, for walks that look up millions
 * of rows (one string compare each instead of a binary search's ~16),
 * and their ids packed in one block: a bc_provider_t is 700 bytes, so a
 * walk that reads only ids from it misses the cache on every one. */
typedef struct bc_id_index {
    uint32_t *slots;   /* provider index + 1, 0 for empty */
    size_t mask;       /* slots - 1 (a power of two) */
    char *pool;        /* the ids, NUL-terminated, in provider order */
    uint32_t *at;      /* [provider]: its id's offset in pool */
    uint8_t *len;      /* [provider]: its id's length */
} bc_id_index_t;

/* Builds the index of the n providers ps (their ids copied).  Returns 0
 * or BL_ENOMEM. */
int bc_id_index_build(bc_id_index_t *x, const bc_provider_t *ps, size_t n);

/* The index of the provider whose id is the len bytes at id (not
 * NUL-terminated), or -1. */
long bc_id_index_find_n(const bc_id_index_t *x, const char *id, size_t len);

/* Provider i's id (NUL-terminated) and its length. */
static inline const char *bc_id_index_id(const bc_id_index_t *x, size_t i,
                                         size_t *len)
{
    *len = x->len[i];
    return x->pool + x->at[i];
}

void bc_id_index_free(bc_id_index_t *x);

#endif
