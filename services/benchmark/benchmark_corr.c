/*
 * benchmark_corr: pass 3 of bc_compute (SPEC section 5, relationships) —
 * Spearman's rho between every pair of indicators in every group instance
 * with at least max(10, min_peers) providers holding both values.  Each
 * indicator is sorted once per instance, and each pair ranks by filtering
 * that order, with the tie groups of bl_stats_spearman.
 */
#include <math.h>
#include <string.h>

#include "benchmark_compute_ctx.h"
#include "bl_vec.h"

#define S_MIN_CORR_PAIRS 10

static int s_push_corr(size_t *cap, bc_output_t *out, const bc_corr_t *r)
{
    if (BL_GROW(out->corrs, *cap, out->n_corrs + 1) != 0) {
        return BL_ENOMEM;
    }
    out->corrs[out->n_corrs++] = *r;
    return 0;
}

/* Keeps the entries of a's sorted values (srt, cnt of them) whose member
 * also has a value of b (vb, by local index) in f, in order, and gives
 * them average ranks in ranks[local]: the same tie groups as
 * bl_stats_spearman (consecutive values equal to the group's first).
 * Returns the number kept; *groups is the number of tie groups. */
static size_t s_rank_filtered(const bcx_vl_t *srt, size_t cnt,
                              const double *vb, double *ranks, bcx_vl_t *f,
                              size_t need, size_t *groups)
{
    size_t m = 0;
    for (size_t x = 0; x < cnt; x++) {
        if (bcx_has(vb[srt[x].local])) {
            f[m++] = srt[x];
        }
    }
    *groups = 0;
    if (m < need) {
        return m;
    }
    size_t start = 0;
    while (start < m) {
        size_t end = start + 1;
        while (end < m && bcx_equal(f[end].v, f[start].v)) {
            end++;
        }
        double rank = (double)(start + 1 + end) / 2.0;
        for (size_t q = start; q < end; q++) {
            ranks[f[q].local] = rank;
        }
        (*groups)++;
        start = end;
    }
    return m;
}

/* Correlation rows of one instance with m members (provider indexes mem). */
static int s_corr_instance(bcx_ctx_t *c, bc_output_t *out, size_t *cap,
                           size_t gi, const char *key, const size_t *mem,
                           size_t m, size_t need)
{
    size_t nk = c->nk;
    double *lv = bcx_alloc(nk * m, sizeof *lv);
    bcx_vl_t *srt = bcx_alloc(nk * m, sizeof *srt);
    size_t *cnt = bcx_alloc(nk, sizeof *cnt);
    double *ra = bcx_alloc(m, sizeof *ra);
    double *rb = bcx_alloc(m, sizeof *rb);
    bcx_vl_t *fa = bcx_alloc(m, sizeof *fa);
    bcx_vl_t *fb = bcx_alloc(m, sizeof *fb);
    int rc = BL_ENOMEM;
    if (lv == NULL || srt == NULL || cnt == NULL || ra == NULL
        || rb == NULL || fa == NULL || fb == NULL) {
        goto out;
    }
    for (size_t k = 0; k < nk; k++) {
        bcx_vl_t *row = srt + k * m;
        for (size_t l = 0; l < m; l++) {
            double v = c->in->values[mem[l] * nk + k];
            lv[k * m + l] = v;
            if (bcx_has(v)) {
                row[cnt[k]].v = bcx_no_negative_zero(v);
                row[cnt[k]].local = l;
                cnt[k]++;
            }
        }
        bcx_sort_vl(row, cnt[k], fa);
    }
    for (size_t ia = 0; ia < nk; ia++) {
        size_t a = c->ind_order[ia];
        if (cnt[a] < need) {
            continue;
        }
        for (size_t ib = ia + 1; ib < nk; ib++) {
            size_t b = c->ind_order[ib];
            if (cnt[b] < need) {
                continue;
            }
            size_t ga;
            size_t gb;
            size_t both = s_rank_filtered(srt + a * m, cnt[a], lv + b * m,
                                          ra, fa, need, &ga);
            if (both < need || ga < 2) {
                continue;  /* too few pairs, or a constant: no rho */
            }
            s_rank_filtered(srt + b * m, cnt[b], lv + a * m, rb, fb, need,
                            &gb);
            if (gb < 2) {
                continue;
            }
            /* Deviations from the exact mean rank are multiples of 1/2:
             * the sums are exact, so their order does not matter. */
            double mean = (double)(both + 1) / 2.0;
            double sxy = 0.0;
            double sxx = 0.0;
            double syy = 0.0;
            for (size_t q = 0; q < both; q++) {
                size_t l = fa[q].local;
                double dx = ra[l] - mean;
                double dy = rb[l] - mean;
                sxy += dx * dy;
                sxx += dx * dx;
                syy += dy * dy;
            }
            if (!(sxx > 0.0) || !(syy > 0.0)) {
                continue;
            }
            double r = sxy / sqrt(sxx * syy);
            if (r > 1.0) {
                r = 1.0;
            } else if (r < -1.0) {
                r = -1.0;
            }
            bc_corr_t row;
            memset(&row, 0, sizeof row);
            row.group = (int)gi;
            memcpy(row.group_key, key, BC_KEY_MAX);
            row.a = (int)a;
            row.b = (int)b;
            row.n = both;
            row.rho = bcx_no_negative_zero(r);
            rc = s_push_corr(cap, out, &row);
            if (rc != 0) {
                goto out;
            }
        }
    }
    rc = 0;
out:
    free(lv);
    free(srt);
    free(cnt);
    free(ra);
    free(rb);
    free(fa);
    free(fb);
    return rc;
}

int bcx_correlations(bcx_ctx_t *c, bc_output_t *out)
{
    size_t need = S_MIN_CORR_PAIRS;
    if (c->min_peers > need) {
        need = c->min_peers;
    }
    size_t cap = 0;
    for (size_t go = 0; go < c->ng; go++) {
        size_t gi = c->grp_order[go];
        const bcx_group_t *sg = &c->groups[gi];
        for (size_t inst = 0; inst < sg->n_inst; inst++) {
            size_t m = sg->inst_start[inst + 1] - sg->inst_start[inst];
            if (m < need) {
                continue;
            }
            int rc = s_corr_instance(c, out, &cap, gi, sg->inst_key[inst],
                                     sg->order + sg->inst_start[inst], m,
                                     need);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}
