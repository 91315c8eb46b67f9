/*
 * Tests of bc_compute's threads (bc_input_t.threads): on generated
 * registers — empty, one provider, one short of min_peers, small and
 * large, with missing, tied, -0 and infinite values, references to the
 * node's groups, to a fixed value and to a group that came back from
 * another node, external positions and foreign band-4 members — the
 * output with 2, 3 and 16 threads equals the output with one, field by
 * field and bit by bit.  What the output means is test_benchmark_compute's
 * business, not this file's.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_compute.h"

#define S_NK 9
#define S_MIN_PEERS 5

static uint64_t s_state;

static uint64_t s_rng(void)
{
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return s_state;
}

/* A generated input and everything it points at. */
typedef struct s_case {
    bl_indicator_t ind[S_NK];
    char ind_id[S_NK][8];
    bl_catalogue_t cat;
    bl_peer_group_t grp[4];
    bl_config_t cfg;
    bc_provider_t *prov;
    double *values;
    bl_peer_group_t ext_grp;
    bc_ext_instance_t *ext_inst;
    bc_member_t *members;
    bc_ext_position_t *ext_pos;
    bc_foreign_t *foreign;
    bc_input_t in;
} s_case_t;

static char *s_a_nat[] = {"country", "service_type"};
static char *s_a_cty[] = {"country"};
static char *s_a_mem[] = {"membership"};
static char *s_a_ext[] = {"service_type"};
static const char *s_types[] = {"day_services", "home_care",
                                "residential_care"};
static const char *s_countries[] = {"NO", "PT", "SE"};

/* A value with many ties and near-ties, now and then none, -0 or inf. */
static double s_value(void)
{
    uint64_t r = s_rng() % 100;
    if (r < 12) {
        return NAN;
    }
    if (r < 14) {
        return -0.0;
    }
    if (r == 14) {
        return INFINITY;
    }
    if (r < 40) {
        return (double)(s_rng() % 8);  /* ties */
    }
    if (r < 45) {
        return 3.0 * (1.0 + 1e-12);    /* equal to 3 within the tolerance */
    }
    return (double)(s_rng() % 100000) / 97.0 - 200.0;
}

/* n providers over three countries; with ext, the international group
 * and what came back of it. */
static s_case_t *s_case_new(size_t n, bool ext, uint64_t seed)
{
    s_state = seed;
    s_case_t *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    for (size_t k = 0; k < S_NK; k++) {
        bl_indicator_t *ind = &c->ind[k];
        /* ids not in catalogue order, so that id order matters */
        snprintf(c->ind_id[k], sizeof c->ind_id[k], "I%02zu",
                 (k * 5) % S_NK);
        ind->id = c->ind_id[k];
        ind->direction = k % 3 == 1 ? BL_DIR_LOWER : BL_DIR_HIGHER;
        ind->survey = -1;
        switch (k % 4) {
        case 0:
            ind->ref_kind = BL_REF_NONE;
            break;
        case 1:
            ind->ref_kind = BL_REF_STAT;
            ind->ref_stat = BL_STAT_P75;
            ind->ref_group = "country";
            break;
        case 2:
            ind->ref_kind = BL_REF_VALUE;
            ind->ref_value = 3.0;
            break;
        case 3:
            ind->ref_kind = BL_REF_STAT;
            ind->ref_stat = BL_STAT_BEST_IN_CLASS;
            ind->ref_group = ext ? "international" : "all";
            break;
        }
    }
    c->cat.n_indicators = S_NK;
    c->cat.indicators = c->ind;
    c->grp[0] = (bl_peer_group_t){"national", 2, s_a_nat};
    c->grp[1] = (bl_peer_group_t){"all", 0, NULL};
    c->grp[2] = (bl_peer_group_t){"country", 1, s_a_cty};
    c->grp[3] = (bl_peer_group_t){"membership", 1, s_a_mem};
    c->cfg.catalogue = &c->cat;
    c->cfg.min_peers = S_MIN_PEERS;
    c->cfg.n_groups = 4;
    c->cfg.groups = c->grp;

    c->prov = calloc(n ? n : 1, sizeof *c->prov);
    c->values = calloc((n ? n : 1) * S_NK, sizeof *c->values);
    cr_assert(c->prov != NULL && c->values != NULL);
    for (size_t i = 0; i < n; i++) {
        bc_provider_t *p = &c->prov[i];
        /* ids sorted: the country leads, then the index */
        const char *cty = s_countries[i * 3 / (n ? n : 1)];
        snprintf(p->id, sizeof p->id, "%s-%06zu", cty, i);
        snprintf(p->country, sizeof p->country, "%s", cty);
        snprintf(p->service_type, sizeof p->service_type, "%s",
                 s_types[s_rng() % 3]);
        snprintf(p->membership, sizeof p->membership, "%s",
                 s_rng() % 4 ? "assurance" : "full");
        p->share_identity = s_rng() % 2;
        p->users = (long long)(s_rng() % 50);  /* ties */
        for (size_t k = 0; k < S_NK; k++) {
            c->values[i * S_NK + k] = s_value();
        }
    }
    c->in.cfg = &c->cfg;
    c->in.period = 2025;
    c->in.n_providers = n;
    c->in.providers = c->prov;
    c->in.values = c->values;
    if (!ext) {
        return c;
    }

    /* foreign providers from DK, which sorts before the node's ids */
    size_t nf = 20;
    c->foreign = calloc(nf, sizeof *c->foreign);
    cr_assert_not_null(c->foreign);
    for (size_t f = 0; f < nf; f++) {
        bc_foreign_t *fo = &c->foreign[f];
        fo->share_identity = f % 3 != 0;
        if (fo->share_identity) {
            snprintf(fo->id, sizeof fo->id, "DK-%04zu", f);
        }
        snprintf(fo->country, sizeof fo->country, "DK");
        snprintf(fo->service_type, sizeof fo->service_type, "%s",
                 s_types[f % 3]);
        fo->users = (long long)(s_rng() % 50);
        fo->order = f;
    }
    c->ext_grp = (bl_peer_group_t){"international", 1, s_a_ext};
    /* one instance per (indicator, service type), 6 band-4 members each */
    size_t ni = S_NK * 3;
    c->ext_inst = calloc(ni, sizeof *c->ext_inst);
    c->members = calloc(ni * 6, sizeof *c->members);
    cr_assert(c->ext_inst != NULL && c->members != NULL);
    for (size_t x = 0; x < ni; x++) {
        bc_ext_instance_t *e = &c->ext_inst[x];
        e->indicator = (int)(x / 3);
        e->group = 0;
        snprintf(e->group_key, sizeof e->group_key, "%s", s_types[x % 3]);
        e->s.n = 50;
        e->s.mean = 4.0;
        e->s.sd = 2.0;
        e->s.min = -3.0;
        e->s.p10 = 0.5;
        e->s.p25 = 1.5;
        e->s.p50 = 3.0;
        e->s.p75 = 6.0;
        e->s.p90 = 9.0;
        e->s.max = 12.0;
        for (size_t m = 0; m < 6; m++) {
            bc_member_t *mb = &c->members[x * 6 + m];
            mb->local = n > 0 && m % 2 == 0;
            mb->idx = mb->local ? (size_t)(s_rng() % n) : s_rng() % nf;
        }
        e->n_band4 = 6;
        e->band4 = &c->members[x * 6];
    }
    /* a position in its instance for about half the (provider, indicator)
     * with a value */
    c->ext_pos = calloc((n ? n : 1) * S_NK, sizeof *c->ext_pos);
    cr_assert_not_null(c->ext_pos);
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        size_t t = 0;
        while (strcmp(s_types[t], c->prov[i].service_type) != 0) {
            t++;
        }
        for (size_t k = 0; k < S_NK; k++) {
            double v = c->values[i * S_NK + k];
            if (!isfinite(v) || s_rng() % 2) {
                continue;
            }
            bc_ext_position_t *q = &c->ext_pos[np++];
            q->provider = i;
            q->instance = k * 3 + t;
            q->value = v;
            q->percentile_rank = (double)(s_rng() % 101);
            q->band = (int)(s_rng() % 4) + 1;
            q->has_z = s_rng() % 3 != 0;
            q->z = q->has_z ? (v - 4.0) / 2.0 : 0.0;
            q->has_reference = s_rng() % 2;
            q->reference = q->has_reference ? 3.0 : 0.0;
            q->gap = q->has_reference ? 3.0 - v : 0.0;
        }
    }
    c->in.n_ext_groups = 1;
    c->in.ext_groups = &c->ext_grp;
    c->in.n_ext_instances = ni;
    c->in.ext_instances = c->ext_inst;
    c->in.n_ext_positions = np;
    c->in.ext_positions = c->ext_pos;
    c->in.n_foreign = nf;
    c->in.foreign = c->foreign;
    return c;
}

static void s_case_free(s_case_t *c)
{
    free(c->prov);
    free(c->values);
    free(c->ext_inst);
    free(c->members);
    free(c->ext_pos);
    free(c->foreign);
    free(c);
}

/* n elements of size at a and b are the same bytes (NULL only when n
 * is 0). */
static void s_same(const void *a, const void *b, size_t n, size_t size,
                   const char *what)
{
    if (n == 0) {
        return;
    }
    cr_assert(a != NULL && b != NULL, "%s", what);
    for (size_t x = 0; x < n; x++) {
        cr_assert(memcmp((const char *)a + x * size,
                         (const char *)b + x * size, size) == 0,
                  "%s: row %zu of %zu differs", what, x, n);
    }
}

/* The output of c with t threads equals one's, bit for bit. */
static void s_check(s_case_t *c, int t, const char *name)
{
    bc_output_t one;
    bc_output_t many;
    bl_err_t err;
    memset(&err, 0, sizeof err);
    c->in.threads = 1;
    cr_assert_eq(bc_compute(&c->in, &one, &err), 0, "%s", err.msg);
    c->in.threads = t;
    cr_assert_eq(bc_compute(&c->in, &many, &err), 0, "%s", err.msg);
    size_t n = c->in.n_providers;
    cr_assert_eq(one.n_stats, many.n_stats, "%s, %d threads", name, t);
    cr_assert_eq(one.n_positions, many.n_positions, "%s", name);
    cr_assert_eq(one.n_corrs, many.n_corrs, "%s", name);
    s_same(one.stats, many.stats, one.n_stats, sizeof *one.stats, "stats");
    s_same(one.positions, many.positions, one.n_positions,
           sizeof *one.positions, "positions");
    s_same(one.kvalues, many.kvalues, n * S_NK, sizeof(double), "kvalues");
    s_same(one.refs, many.refs, n * S_NK, sizeof(double), "refs");
    s_same(one.corrs, many.corrs, one.n_corrs, sizeof *one.corrs, "corrs");
    for (size_t i = 0; i < n; i++) {
        const bc_provider_result_t *a = &one.providers[i];
        const bc_provider_result_t *b = &many.providers[i];
        cr_assert_eq(a->n_areas, b->n_areas, "%s: provider %zu", name, i);
        cr_assert_eq(a->n_strengths, b->n_strengths, "%s", name);
        s_same(a->areas, b->areas, a->n_areas, sizeof *a->areas, "areas");
        s_same(a->strengths, b->strengths, a->n_strengths,
               sizeof *a->strengths, "strengths");
    }
    /* every position read whole agrees as well (it is derived, but from
     * the statistic its index names) */
    for (size_t x = 0; x < one.n_positions; x++) {
        bc_position_t p;
        bc_position_t q;
        memset(&p, 0, sizeof p);
        memset(&q, 0, sizeof q);
        bc_position(&c->in, &one, x, &p);
        bc_position(&c->in, &many, x, &q);
        cr_assert(memcmp(&p, &q, sizeof p) == 0, "%s: position %zu", name,
                  x);
    }
    bc_output_free(&one);
    bc_output_free(&many);
}

static void s_check_sizes(bool ext)
{
    const size_t sizes[] = {0, 1, S_MIN_PEERS - 1, S_MIN_PEERS, 37, 400,
                            2500};
    const int threads[] = {2, 3, 16, 1000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
            s_case_t *c = s_case_new(sizes[s], ext, 0x9e3779b97f4a7c15ull
                                                        + sizes[s]);
            char name[64];
            snprintf(name, sizeof name, "%zu providers%s", sizes[s],
                     ext ? ", external" : "");
            s_check(c, threads[t], name);
            s_case_free(c);
        }
    }
}

Test(benchmark_compute_threads, threads_give_the_single_thread_output,
     .timeout = 120)
{
    s_check_sizes(false);
}

Test(benchmark_compute_threads,
     threads_give_the_single_thread_output_with_external_groups,
     .timeout = 120)
{
    s_check_sizes(true);
}

/* The large case has real output in every part, or the comparison above
 * would prove little. */
Test(benchmark_compute_threads, the_large_case_fills_every_part,
     .timeout = 60)
{
    s_case_t *c = s_case_new(2500, true, 0x9e3779b97f4a7c15ull + 2500);
    c->in.threads = 2;
    bc_output_t out;
    cr_assert_eq(bc_compute(&c->in, &out, NULL), 0);
    /* 9 indicators x (9 national + 1 all + 3 country + 2 membership) */
    cr_assert_eq(out.n_stats, S_NK * 15);
    cr_assert_gt(out.n_positions, 2500 * S_NK * 4 / 2);
    cr_assert_gt(out.n_corrs, 15 * S_NK * (S_NK - 1) / 2 / 2);
    size_t areas = 0;
    size_t partners = 0;
    for (size_t i = 0; i < 2500; i++) {
        areas += out.providers[i].n_areas;
        for (size_t a = 0; a < out.providers[i].n_areas; a++) {
            partners += out.providers[i].areas[a].n_partners;
        }
    }
    cr_assert_gt(areas, 1000);
    cr_assert_gt(partners, 1000);
    bc_output_free(&out);
    s_case_free(c);
}
