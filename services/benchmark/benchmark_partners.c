/*
 * benchmark_partners: pass 4 of bc_compute (SPEC section 5) — every
 * provider's areas for improvement (band 1 or a gap, ordered by z then
 * indicator id), strengths (band 4) and up to BC_PARTNERS_MAX learning
 * partners per area: band-4 providers of its groups (the node's own and
 * those that came back from another node), nearest in users, its own
 * service type first.  Band-4 lists are sorted by (service type, users)
 * and by users, and searched by binary search and galloping.
 *
 * With c->threads above 1 the bands of the positions, the sorting of the
 * lists and the providers' results are split into contiguous runs, one
 * per thread, each writing only its own part of the output: the result
 * is the one thread's, bit for bit.
 */
#include <math.h>
#include <string.h>

#include "benchmark_compute_ctx.h"

/* A candidate partner with its sort key. */
typedef struct s_pick {
    long long diff;
    size_t idx;
} s_pick_t;

/* An area with the indicator's rank by id, for sorting. */
typedef struct s_area_sort {
    bc_area_t area;
    size_t rank;
} s_area_sort_t;

static int s_cmp_cand_users(const void *pa, const void *pb)
{
    const bcx_cand_t *a = pa;
    const bcx_cand_t *b = pb;
    if (a->users != b->users) {
        return (a->users > b->users) - (a->users < b->users);
    }
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int s_cmp_cand_st(const void *pa, const void *pb)
{
    const bcx_cand_t *a = pa;
    const bcx_cand_t *b = pb;
    if (a->st != b->st) {
        return (a->st > b->st) - (a->st < b->st);
    }
    return s_cmp_cand_users(pa, pb);
}

static int s_cmp_pick(const void *pa, const void *pb)
{
    const s_pick_t *a = pa;
    const s_pick_t *b = pb;
    if (a->diff != b->diff) {
        return (a->diff > b->diff) - (a->diff < b->diff);
    }
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int s_cmp_area(const void *pa, const void *pb)
{
    const s_area_sort_t *a = pa;
    const s_area_sort_t *b = pb;
    if (a->area.has_neg_z != b->area.has_neg_z) {
        return a->area.has_neg_z ? -1 : 1;
    }
    if (a->area.has_neg_z && a->area.neg_z != b->area.neg_z) {
        return a->area.neg_z > b->area.neg_z ? -1 : 1;
    }
    return (a->rank > b->rank) - (a->rank < b->rank);
}

/* The users of a person (a provider, then the foreign ones). */
static long long s_users_of(const bcx_ctx_t *c, size_t person)
{
    return person < c->n ? c->in->providers[person].users
                         : c->in->foreign[person - c->n].users;
}

/* Whether a band-4 member names a person that exists. */
static bool s_member_ok(const bcx_ctx_t *c, const bc_member_t *m)
{
    return m->local ? m->idx < c->n : m->idx < c->in->n_foreign;
}

/* One thread's share of the band-4 lists: the bands of positions
 * [lo, hi) into band, or (band NULL) the sorting of lists [lo, hi). */
typedef struct s_b4_job {
    bcx_ctx_t *c;
    const bc_output_t *out;
    int8_t *band;
    size_t lo, hi;
} s_b4_job_t;

static int s_b4_job(void *arg)
{
    s_b4_job_t *j = arg;
    bcx_ctx_t *c = j->c;
    if (j->band != NULL) {
        for (size_t x = j->lo; x < j->hi; x++) {
            bc_position_t p;
            bc_position(c->in, j->out, x, &p);
            j->band[x] = p.band;
        }
        return 0;
    }
    for (size_t s = j->lo; s < j->hi; s++) {
        size_t lo = c->b4_start[s];
        size_t len = c->b4_start[s + 1] - lo;
        qsort(c->b4_by_st + lo, len, sizeof *c->b4_by_st, s_cmp_cand_st);
        qsort(c->b4_by_users + lo, len, sizeof *c->b4_by_users,
              s_cmp_cand_users);
    }
    return 0;
}

/* Runs s_b4_job over [0, n) in c->threads runs: of equal length, or
 * (cum not NULL) of about equal weight. */
static int s_b4_run(bcx_ctx_t *c, const bc_output_t *out, int8_t *band,
                    size_t n, const size_t *cum)
{
    size_t parts = c->threads;
    size_t at[BC_THREADS_MAX + 1];
    if (cum != NULL) {
        bcx_split(cum, n, parts, at);
    } else {
        for (size_t t = 0; t <= parts; t++) {
            at[t] = n / parts * t + (t == parts ? n % parts : 0);
        }
    }
    s_b4_job_t jobs[BC_THREADS_MAX];
    for (size_t t = 0; t < parts; t++) {
        jobs[t] = (s_b4_job_t){c, out, band, at[t], at[t + 1]};
    }
    return bcx_run(parts, s_b4_job, jobs, sizeof *jobs);
}

/* Band-4 lists of every stat, then of every external instance (list
 * n_stats + instance), in two orders.  A candidate's idx is its rank. */
int bcx_band4_lists(bcx_ctx_t *c, const bc_output_t *out)
{
    size_t nx = c->in->n_ext_instances;
    size_t nl = out->n_stats + nx;
    c->n_stats = out->n_stats;
    c->b4_start = bcx_alloc(nl + 1, sizeof *c->b4_start);
    if (c->b4_start == NULL) {
        return BL_ENOMEM;
    }
    /* the band of each position, worked out once for both passes */
    int8_t *band = bcx_alloc(out->n_positions, sizeof *band);
    if (band == NULL) {
        return BL_ENOMEM;
    }
    int rc = s_b4_run(c, out, band, out->n_positions, NULL);
    if (rc != 0) {
        free(band);
        return rc;
    }
    for (size_t x = 0; x < out->n_positions; x++) {
        if (band[x] == 4) {
            c->b4_start[out->positions[x].stat + 1]++;
        }
    }
    for (size_t e = 0; e < nx; e++) {
        const bc_ext_instance_t *xi = &c->in->ext_instances[e];
        for (size_t m = 0; m < xi->n_band4; m++) {
            c->b4_start[out->n_stats + e + 1] += s_member_ok(c,
                                                             &xi->band4[m]);
        }
    }
    for (size_t s = 0; s < nl; s++) {
        c->b4_start[s + 1] += c->b4_start[s];
    }
    size_t total = c->b4_start[nl];
    c->b4_by_st = bcx_alloc(total, sizeof *c->b4_by_st);
    c->b4_by_users = bcx_alloc(total, sizeof *c->b4_by_users);
    size_t *fill = bcx_alloc(nl, sizeof *fill);
    if (c->b4_by_st == NULL || c->b4_by_users == NULL || fill == NULL) {
        free(fill);
        free(band);
        return BL_ENOMEM;
    }
    for (size_t x = 0; x < out->n_positions; x++) {
        const bc_pos_t *p = &out->positions[x];
        if (band[x] == 4) {
            size_t at = c->b4_start[p->stat] + fill[p->stat]++;
            c->b4_by_st[at].users = c->in->providers[p->provider].users;
            c->b4_by_st[at].st = c->st_of[p->provider];
            c->b4_by_st[at].idx = c->rank[p->provider];
        }
    }
    free(band);
    for (size_t e = 0; e < nx; e++) {
        const bc_ext_instance_t *xi = &c->in->ext_instances[e];
        size_t list = out->n_stats + e;
        for (size_t m = 0; m < xi->n_band4; m++) {
            const bc_member_t *mb = &xi->band4[m];
            if (!s_member_ok(c, mb)) {
                continue;
            }
            size_t person = mb->local ? mb->idx : c->n + mb->idx;
            size_t at = c->b4_start[list] + fill[list]++;
            c->b4_by_st[at].users = s_users_of(c, person);
            c->b4_by_st[at].st = c->st_of[person];
            c->b4_by_st[at].idx = c->rank[person];
        }
    }
    free(fill);
    memcpy(c->b4_by_users, c->b4_by_st, total * sizeof *c->b4_by_st);
    /* b4_start is the lists' lengths summed: their weights */
    return s_b4_run(c, out, NULL, nl, c->b4_start);
}

/* First index in list[lo, hi) with users >= u (strict: > u). */
static size_t s_users_bound(const bcx_cand_t *list, size_t lo, size_t hi,
                            long long u, bool strict)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        long long v = list[mid].users;
        if (strict ? v <= u : v < u) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* First index in list[lo, hi) with users > v, searching forward from lo
 * in growing steps: blocks of equal users are usually short. */
static size_t s_gallop_up(const bcx_cand_t *list, size_t lo, size_t hi,
                          long long v)
{
    size_t a = lo;  /* every entry before a has users <= v */
    size_t step = 1;
    while (a + step <= hi && list[a + step - 1].users <= v) {
        a += step;
        step *= 2;
    }
    size_t b = a + step - 1 < hi ? a + step - 1 : hi;
    return s_users_bound(list, a, b, v, true);
}

/* First index in list[lo, end) with users >= v, searching backward from
 * end in growing steps. */
static size_t s_gallop_down(const bcx_cand_t *list, size_t lo, size_t end,
                            long long v)
{
    size_t b = end;  /* every entry from b on has users >= v */
    size_t step = 1;
    while (b >= lo + step && list[b - step].users >= v) {
        b -= step;
        step *= 2;
    }
    size_t a = b >= lo + step ? b - step + 1 : lo;
    return s_users_bound(list, a, b, v, false);
}

/* Whether candidate e may be taken: not the provider itself, and (when
 * skip_st is not BCX_NONE) not of that service type. */
static bool s_eligible(const bcx_cand_t *e, size_t self, size_t skip_st)
{
    return e->idx != self && e->st != skip_st;
}

/* Adds to picks the up to BC_PARTNERS_MAX nearest eligible candidates by
 * (|users difference|, index) on each side of u in list[0, n), which is
 * sorted by (users, index).  Within one users value the lowest indexes
 * come first, so each side is walked block by block. */
static void s_nearest(const bcx_cand_t *list, size_t n, long long u,
                      size_t self, size_t skip_st, s_pick_t *picks,
                      size_t *n_picks)
{
    size_t mid_lo = s_users_bound(list, 0, n, u, false);
    size_t mid_hi = s_gallop_up(list, mid_lo, n, u);
    size_t taken = 0;
    for (size_t j = mid_lo; j < mid_hi && taken < BC_PARTNERS_MAX; j++) {
        if (s_eligible(&list[j], self, skip_st)) {
            picks[(*n_picks)++] = (s_pick_t){0, list[j].idx};
            taken++;
        }
    }
    taken = 0;
    size_t end = mid_lo;  /* walk left: blocks of decreasing users */
    while (end > 0 && taken < BC_PARTNERS_MAX) {
        long long v = list[end - 1].users;
        size_t start = s_gallop_down(list, 0, end, v);
        for (size_t j = start; j < end && taken < BC_PARTNERS_MAX; j++) {
            if (s_eligible(&list[j], self, skip_st)) {
                picks[(*n_picks)++] = (s_pick_t){u - v, list[j].idx};
                taken++;
            }
        }
        end = start;
    }
    taken = 0;
    size_t start = mid_hi;  /* walk right: blocks of increasing users */
    while (start < n && taken < BC_PARTNERS_MAX) {
        long long v = list[start].users;
        size_t stop = s_gallop_up(list, start, n, v);
        for (size_t j = start; j < stop && taken < BC_PARTNERS_MAX; j++) {
            if (s_eligible(&list[j], self, skip_st)) {
                picks[(*n_picks)++] = (s_pick_t){v - u, list[j].idx};
                taken++;
            }
        }
        start = stop;
    }
}

/* Sorts picks, drops repeats and those already in area, and appends to
 * area until it is full. */
static void s_take(s_pick_t *picks, size_t n_picks, bc_area_t *area)
{
    /* at most 9 per group instance: insertion sort beats qsort here */
    for (size_t i = 1; i < n_picks; i++) {
        s_pick_t e = picks[i];
        size_t j = i;
        while (j > 0 && s_cmp_pick(&picks[j - 1], &e) > 0) {
            picks[j] = picks[j - 1];
            j--;
        }
        picks[j] = e;
    }
    for (size_t x = 0; x < n_picks && area->n_partners < BC_PARTNERS_MAX;
         x++) {
        bool seen = false;
        for (size_t q = 0; q < area->n_partners; q++) {
            seen = seen || area->partners[q] == picks[x].idx;
        }
        if (!seen) {
            area->partners[area->n_partners++] = picks[x].idx;
        }
    }
}

/* Learning partners of provider i on the area's indicator. */
static void s_partners(const bcx_ctx_t *c, size_t i, bc_area_t *area,
                       s_pick_t *picks)
{
    const bc_provider_t *me = &c->in->providers[i];
    size_t my_st = c->st_of[i];
    size_t self = c->rank[i];
    size_t k = (size_t)area->indicator;
    size_t x_lo = c->xpos_start[i * c->nk + k];
    size_t x_hi = c->xpos_start[i * c->nk + k + 1];
    area->n_partners = 0;
    for (int pass = 0; pass < 2 && area->n_partners < BC_PARTNERS_MAX;
         pass++) {
        size_t n_picks = 0;
        /* the node's own groups, then the instances that came back */
        for (size_t gi = 0; gi < c->ng + (x_hi - x_lo); gi++) {
            size_t st;
            if (gi < c->ng) {
                const bcx_group_t *sg = &c->groups[gi];
                st = sg->stat_of[k * sg->n_inst + sg->inst_of[i]];
            } else {
                size_t q = c->xpos[x_lo + gi - c->ng];
                st = c->n_stats + c->in->ext_positions[q].instance;
            }
            if (st == BCX_NONE) {
                continue;
            }
            size_t lo = c->b4_start[st];
            size_t hi = c->b4_start[st + 1];
            if (pass == 0) {
                /* the run of my service type in the (st, users) order */
                const bcx_cand_t *l = c->b4_by_st;
                size_t a = lo;
                size_t b = hi;
                while (a < b) {
                    size_t mid = a + (b - a) / 2;
                    if (l[mid].st < my_st) {
                        a = mid + 1;
                    } else {
                        b = mid;
                    }
                }
                size_t run_lo = a;
                b = hi;
                while (a < b) {
                    size_t mid = a + (b - a) / 2;
                    if (l[mid].st <= my_st) {
                        a = mid + 1;
                    } else {
                        b = mid;
                    }
                }
                s_nearest(l + run_lo, a - run_lo, me->users, self, BCX_NONE,
                          picks, &n_picks);
            } else {
                s_nearest(c->b4_by_users + lo, hi - lo, me->users, self,
                          my_st, picks, &n_picks);
            }
        }
        s_take(picks, n_picks, area);
    }
    for (size_t x = 0; x < area->n_partners; x++) {
        area->partners[x] = c->person_of[area->partners[x]];
    }
}

/* One thread's share of the results: providers [lo, hi), their areas
 * written from areas on, their strengths from strengths on. */
typedef struct s_res_job {
    const bcx_ctx_t *c;
    bc_output_t *out;
    size_t lo, hi;
    bc_area_t *areas;
    int *strengths;
} s_res_job_t;

static int s_res_job(void *arg)
{
    s_res_job_t *j = arg;
    const bcx_ctx_t *c = j->c;
    size_t nk = c->nk;
    s_area_sort_t *tmp = bcx_alloc(nk, sizeof *tmp);
    /* 3 sides x BC_PARTNERS_MAX per group instance */
    s_pick_t *picks = bcx_alloc((c->ng + c->xpos_most) * 3 * BC_PARTNERS_MAX,
                              sizeof *picks);
    if (tmp == NULL || picks == NULL) {
        free(tmp);
        free(picks);
        return BL_ENOMEM;
    }
    bc_area_t *areas = j->areas;
    int *strengths = j->strengths;
    for (size_t i = j->lo; i < j->hi; i++) {
        bc_provider_result_t *r = &j->out->providers[i];
        size_t na = 0;
        r->strengths = strengths;
        for (size_t ko = 0; ko < nk; ko++) {
            size_t k = c->ind_order[ko];
            uint8_t f = c->flags[i * nk + k];
            if (f & BCX_F_BAND4) {
                r->strengths[r->n_strengths++] = (int)k;
            }
            if (f & (BCX_F_BAND1 | BCX_F_GAP)) {
                bc_area_t *a = &tmp[na].area;
                memset(a, 0, sizeof *a);
                a->indicator = (int)k;
                double nz = c->negz[i * nk + k];
                a->has_neg_z = !isnan(nz);
                a->neg_z = a->has_neg_z ? nz : 0.0;
                tmp[na].rank = ko;
                na++;
            }
        }
        strengths += r->n_strengths;
        if (r->n_strengths == 0) {
            r->strengths = NULL;
        }
        qsort(tmp, na, sizeof *tmp, s_cmp_area);
        r->areas = na ? areas : NULL;
        for (size_t x = 0; x < na; x++) {
            s_partners(c, i, &tmp[x].area, picks);
            areas[x] = tmp[x].area;
        }
        r->n_areas = na;
        areas += na;
    }
    free(tmp);
    free(picks);
    return 0;
}

/* Areas and strengths of every provider.  They live in one block with
 * out->providers (results, then areas, then strengths), so that
 * bc_output_free can free them without knowing how many providers there
 * are.  The providers are split into runs of about equal areas (the
 * partner searches are the work), each run's areas and strengths placed
 * where the counts of the providers before it end. */
int bcx_provider_results(bcx_ctx_t *c, bc_output_t *out)
{
    size_t nk = c->nk;
    if (c->n == 0) {
        return 0;
    }
    /* [i]: areas (then strengths) of the providers before i */
    size_t *area_at = bcx_alloc(c->n + 1, sizeof *area_at);
    size_t *str_at = bcx_alloc(c->n + 1, sizeof *str_at);
    size_t *work = bcx_alloc(c->n + 1, sizeof *work);
    char *block = NULL;
    int rc = BL_ENOMEM;
    if (area_at == NULL || str_at == NULL || work == NULL) {
        goto done;
    }
    for (size_t i = 0; i < c->n; i++) {
        size_t na = 0;
        size_t ns = 0;
        for (size_t k = 0; k < nk; k++) {
            na += (c->flags[i * nk + k] & (BCX_F_BAND1 | BCX_F_GAP)) != 0;
            ns += (c->flags[i * nk + k] & BCX_F_BAND4) != 0;
        }
        area_at[i + 1] = area_at[i] + na;
        str_at[i + 1] = str_at[i] + ns;
        work[i + 1] = work[i] + na + 1;
    }
    size_t sz_res = c->n * sizeof(bc_provider_result_t);
    size_t sz_area = area_at[c->n] * sizeof(bc_area_t);
    size_t sz_str = str_at[c->n] * sizeof(int);
    block = bcx_alloc(1, sz_res + sz_area + sz_str);
    if (block == NULL) {
        goto done;
    }
    out->providers = (bc_provider_result_t *)(void *)block;
    bc_area_t *areas = (bc_area_t *)(void *)(block + sz_res);
    int *strengths = (int *)(void *)(block + sz_res + sz_area);
    size_t parts = c->threads;
    size_t at[BC_THREADS_MAX + 1];
    bcx_split(work, c->n, parts, at);
    s_res_job_t jobs[BC_THREADS_MAX];
    for (size_t t = 0; t < parts; t++) {
        jobs[t] = (s_res_job_t){c, out, at[t], at[t + 1],
                                areas + area_at[at[t]],
                                strengths + str_at[at[t]]};
    }
    rc = bcx_run(parts, s_res_job, jobs, sizeof *jobs);
done:
    free(area_at);
    free(str_at);
    free(work);
    return rc;
}
