/*
 * benchmark_corr: pass 3 of bc_compute (SPEC section 5, relationships) —
 * Spearman's rho between every pair of indicators in every group instance
 * with at least max(10, min_peers) providers holding both values.  Each
 * indicator is sorted once per instance.  A pair of indicators held by
 * exactly the same members takes their ranks over all of them (ranked
 * once, for the indicators that share their members); any other pair
 * ranks by filtering the first's order to the members holding both, with
 * the tie groups of bl_stats_spearman.
 *
 * With c->threads above 1 the rows to compute — (instance, first
 * indicator of the pair) in output order — are split into contiguous runs
 * of about equal work, one per thread, each thread filling a list of its
 * own; the lists are joined in run order, so the rows come out as one
 * thread would have made them.  An instance split between two runs is
 * read and sorted by both.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "benchmark_compute_ctx.h"
#include "bl_vec.h"

#define S_MIN_CORR_PAIRS 10

/* Relationship rows as one thread makes them. */
typedef struct s_corrs {
    bc_corr_t *rows;
    size_t n;
    size_t cap;
} s_corrs_t;

static int s_push_corr(s_corrs_t *v, const bc_corr_t *r)
{
    if (BL_GROW(v->rows, v->cap, v->n + 1) != 0) {
        return BL_ENOMEM;
    }
    v->rows[v->n++] = *r;
    return 0;
}

/* Whether member l is in the set of bits (one per member). */
static inline bool s_in(const uint64_t *bits, size_t l)
{
    return (bits[l >> 6] >> (l & 63)) & 1u;
}

/* The average ranks of sorted values (srt, cnt of them) in ranks[local]:
 * the tie groups of bl_stats_spearman (consecutive values equal to the
 * group's first).  Returns the number of tie groups. */
static size_t s_rank_all(const bcx_vl_t *srt, size_t cnt, double *ranks)
{
    size_t groups = 0;
    size_t start = 0;
    while (start < cnt) {
        size_t end = start + 1;
        while (end < cnt && bcx_equal(srt[end].v, srt[start].v)) {
            end++;
        }
        double rank = (double)(start + 1 + end) / 2.0;
        for (size_t q = start; q < end; q++) {
            ranks[srt[q].local] = rank;
        }
        groups++;
        start = end;
    }
    return groups;
}

/* Keeps the entries of a's sorted values (srt, cnt of them) whose member
 * also has a value of b (in the bits hb, by local index) in f, in order,
 * and gives them average ranks in ranks[local] (s_rank_all).  Returns
 * the number kept; *groups is the number of tie groups (0 when fewer
 * than need are kept). */
static size_t s_rank_filtered(const bcx_vl_t *srt, size_t cnt,
                              const uint64_t *hb, double *ranks, bcx_vl_t *f,
                              size_t need, size_t *groups)
{
    size_t m = 0;
    for (size_t x = 0; x < cnt; x++) {
        if (s_in(hb, srt[x].local)) {
            f[m++] = srt[x];
        }
    }
    *groups = m < need ? 0 : s_rank_all(f, m, ranks);
    return m;
}

/* Gives each indicator the lowest indicator whose members with a value
 * are exactly its own (same[k] <= k; has: words per indicator): a pair of
 * such indicators ranks over all of them, with no filtering. */
static void s_same_members(const uint64_t *has, size_t words,
                           const size_t *cnt, size_t nk, size_t *same)
{
    for (size_t k = 0; k < nk; k++) {
        same[k] = k;
        for (size_t j = 0; j < k; j++) {
            if (same[j] == j && cnt[j] == cnt[k] &&
                memcmp(has + j * words, has + k * words,
                       words * sizeof *has) == 0) {
                same[k] = j;
                break;
            }
        }
    }
}

/* Correlation rows of one instance with m members (provider indexes
 * mem) whose first indicator is ind_order[ia_lo, ia_hi). */
static int s_corr_instance(const bcx_ctx_t *c, s_corrs_t *out, size_t gi,
                           const char *key, const size_t *mem, size_t m,
                           size_t need, size_t ia_lo, size_t ia_hi)
{
    size_t nk = c->nk;
    bcx_vl_t *srt = bcx_alloc(nk * m, sizeof *srt);
    size_t *cnt = bcx_alloc(nk, sizeof *cnt);
    double *ra = bcx_alloc(m, sizeof *ra);
    double *rb = bcx_alloc(m, sizeof *rb);
    bcx_vl_t *fa = bcx_alloc(m, sizeof *fa);
    bcx_vl_t *fb = bcx_alloc(m, sizeof *fb);
    double *rk = bcx_alloc(nk * m, sizeof *rk);
    size_t *gk = bcx_alloc(nk, sizeof *gk);
    size_t *same = bcx_alloc(nk, sizeof *same);
    /* which members hold a value of each indicator, one bit each: the
     * filter of a pair reads them instead of the values */
    size_t words = (m + 63) / 64;
    uint64_t *has = bcx_alloc(nk * words, sizeof *has);
    int rc = BL_ENOMEM;
    if (srt == NULL || cnt == NULL || ra == NULL || rb == NULL || fa == NULL
        || fb == NULL || rk == NULL || gk == NULL || same == NULL
        || has == NULL) {
        goto out;
    }
    for (size_t k = 0; k < nk; k++) {
        bcx_vl_t *row = srt + k * m;
        for (size_t l = 0; l < m; l++) {
            double v = c->in->values[mem[l] * nk + k];
            if (bcx_has(v)) {
                has[k * words + (l >> 6)] |= (uint64_t)1 << (l & 63);
                row[cnt[k]].v = bcx_no_negative_zero(v);
                row[cnt[k]].local = l;
                cnt[k]++;
            }
        }
        bcx_sort_vl(row, cnt[k], fa);
    }
    s_same_members(has, words, cnt, nk, same);
    /* ranks over all members, for the indicators that share theirs */
    for (size_t k = 0; k < nk; k++) {
        if (same[k] != k) {
            size_t j = same[k];
            if (gk[j] == 0) {
                gk[j] = s_rank_all(srt + j * m, cnt[j], rk + j * m);
            }
            gk[k] = s_rank_all(srt + k * m, cnt[k], rk + k * m);
        }
    }
    for (size_t ia = ia_lo; ia < ia_hi; ia++) {
        size_t a = c->ind_order[ia];
        if (cnt[a] < need) {
            continue;
        }
        for (size_t ib = ia + 1; ib < nk; ib++) {
            size_t b = c->ind_order[ib];
            if (cnt[b] < need) {
                continue;
            }
            /* Deviations from the exact mean rank are multiples of 1/2:
             * the sums are exact, so their order does not matter. */
            double sxy = 0.0;
            double sxx = 0.0;
            double syy = 0.0;
            size_t both;
            if (same[a] == same[b]) {
                /* the same members hold both: their ranks over all */
                both = cnt[a];
                if (gk[a] < 2 || gk[b] < 2) {
                    continue;
                }
                double mean = (double)(both + 1) / 2.0;
                const double *xa = rk + a * m, *xb = rk + b * m;
                const uint64_t *ha = has + a * words;
                for (size_t l = 0; l < m; l++) {
                    if (s_in(ha, l)) {
                        double dx = xa[l] - mean;
                        double dy = xb[l] - mean;
                        sxy += dx * dy;
                        sxx += dx * dx;
                        syy += dy * dy;
                    }
                }
            } else {
                size_t ga;
                size_t gb;
                both = s_rank_filtered(srt + a * m, cnt[a], has + b * words,
                                       ra, fa, need, &ga);
                if (both < need || ga < 2) {
                    continue;  /* too few pairs, or a constant: no rho */
                }
                s_rank_filtered(srt + b * m, cnt[b], has + a * words, rb,
                                fb, need, &gb);
                if (gb < 2) {
                    continue;
                }
                double mean = (double)(both + 1) / 2.0;
                for (size_t q = 0; q < both; q++) {
                    size_t l = fa[q].local;
                    double dx = ra[l] - mean;
                    double dy = rb[l] - mean;
                    sxy += dx * dy;
                    sxx += dx * dx;
                    syy += dy * dy;
                }
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
            rc = s_push_corr(out, &row);
            if (rc != 0) {
                goto out;
            }
        }
    }
    rc = 0;
out:
    free(srt);
    free(cnt);
    free(ra);
    free(rb);
    free(fa);
    free(fb);
    free(rk);
    free(gk);
    free(same);
    free(has);
    return rc;
}

/* An instance with enough members for a relationship. */
typedef struct s_inst {
    size_t gi;
    size_t inst;
} s_inst_t;

/* One thread's share: the items [lo, hi), item x being the rows of
 * instance x / nk whose first indicator is ind_order[x % nk]. */
typedef struct s_corr_job {
    const bcx_ctx_t *c;
    const s_inst_t *insts;
    size_t need;
    size_t lo, hi;
    s_corrs_t rows;
} s_corr_job_t;

static int s_corr_job(void *arg)
{
    s_corr_job_t *j = arg;
    const bcx_ctx_t *c = j->c;
    size_t nk = c->nk;
    for (size_t x = j->lo; x < j->hi;) {
        size_t w = x / nk;
        size_t ia_hi = (w + 1) * nk < j->hi ? nk : j->hi - w * nk;
        const bcx_group_t *sg = &c->groups[j->insts[w].gi];
        size_t inst = j->insts[w].inst;
        size_t m = sg->inst_start[inst + 1] - sg->inst_start[inst];
        int rc = s_corr_instance(c, &j->rows, j->insts[w].gi,
                                 sg->inst_key[inst],
                                 sg->order + sg->inst_start[inst], m,
                                 j->need, x - w * nk, ia_hi);
        if (rc != 0) {
            return rc;
        }
        x = w * nk + ia_hi;
    }
    return 0;
}

int bcx_correlations(bcx_ctx_t *c, bc_output_t *out)
{
    size_t need = S_MIN_CORR_PAIRS;
    if (c->min_peers > need) {
        need = c->min_peers;
    }
    size_t nk = c->nk;
    size_t n_inst = 0;
    for (size_t gi = 0; gi < c->ng; gi++) {
        n_inst += c->groups[gi].n_inst;
    }
    s_inst_t *insts = bcx_alloc(n_inst, sizeof *insts);
    size_t *work = NULL;
    s_corr_job_t jobs[BC_THREADS_MAX];
    size_t parts = 0;
    int rc = BL_ENOMEM;
    if (insts == NULL) {
        goto done;
    }
    size_t nw = 0;
    for (size_t go = 0; go < c->ng; go++) {
        size_t gi = c->grp_order[go];
        const bcx_group_t *sg = &c->groups[gi];
        for (size_t inst = 0; inst < sg->n_inst; inst++) {
            if (sg->inst_start[inst + 1] - sg->inst_start[inst] >= need) {
                insts[nw++] = (s_inst_t){gi, inst};
            }
        }
    }
    if (nw > SIZE_MAX / (nk + 1) - 1) {
        goto done;
    }
    size_t items = nw * nk;
    work = bcx_alloc(items + 1, sizeof *work);
    if (work == NULL) {
        goto done;
    }
    for (size_t x = 0; x < items; x++) {
        /* item (w, ia) pairs ind_order[ia] with the nk - 1 - ia after it,
         * each pair filtering the instance's members twice */
        const bcx_group_t *sg = &c->groups[insts[x / nk].gi];
        size_t inst = insts[x / nk].inst;
        size_t m = sg->inst_start[inst + 1] - sg->inst_start[inst];
        work[x + 1] = work[x] + m * (nk - x % nk);
    }
    parts = items == 0 ? 1 : c->threads;
    size_t at[BC_THREADS_MAX + 1];
    bcx_split(work, items, parts, at);
    for (size_t t = 0; t < parts; t++) {
        jobs[t] = (s_corr_job_t){c, insts, need, at[t], at[t + 1],
                                 {NULL, 0, 0}};
    }
    rc = bcx_run(parts, s_corr_job, jobs, sizeof *jobs);
    if (rc != 0) {
        goto done;
    }
    size_t total = 0;
    for (size_t t = 0; t < parts; t++) {
        total += jobs[t].rows.n;
    }
    /* the first run's list becomes the output, the others follow it */
    out->corrs = jobs[0].rows.rows;
    out->n_corrs = jobs[0].rows.n;
    jobs[0].rows.rows = NULL;
    size_t cap = jobs[0].rows.cap;
    if (BL_GROW(out->corrs, cap, total) != 0) {
        rc = BL_ENOMEM;
        goto done;
    }
    for (size_t t = 1; t < parts; t++) {
        if (jobs[t].rows.n > 0) {
            memcpy(out->corrs + out->n_corrs, jobs[t].rows.rows,
                   jobs[t].rows.n * sizeof *out->corrs);
        }
        out->n_corrs += jobs[t].rows.n;
    }
done:
    for (size_t t = 0; t < parts; t++) {
        free(jobs[t].rows.rows);
    }
    free(insts);
    free(work);
    return rc;
}
