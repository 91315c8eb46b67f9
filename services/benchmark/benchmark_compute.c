/*
 * benchmark_compute: SPEC section 5 for one period — peer-group statistics,
 * positions with references and gaps, Spearman relationships, areas for
 * improvement, strengths and learning partners — over plain arrays.
 *
 * It is built to stay near O(N log N) for a register of tens of thousands
 * of providers (50,000 x 46 indicators x 3 groups in about 3 s on one
 * core): each peer group's providers are sorted once by group key, so a
 * group instance is a contiguous run; values are radix-sorted; percentile
 * ranks come from one sweep over an instance's sorted values;
 * correlations sort each indicator once per instance and rank each pair
 * by filtering that order; learning partners are found by binary search
 * in band-4 lists sorted by (service type, users).  Every comparison of
 * values uses the SPEC tolerance (bl_stats_equal, or its inline copy
 * s_equal), so results agree with bl_stats and with
 * tests/tools/check_stats.py.  It does no I/O, keeps no state and is
 * thread-safe.
 *
 * Choices where SPEC section 5 leaves room, written down here:
 * - A value that is NAN or infinite counts as "no value"; -0 counts as 0.
 * - min_peers below 1 counts as 1.
 * - "gap > 0" (area for improvement) means gap > 0 and the value does not
 *   equal the reference within the SPEC tolerance.
 * - A reference naming a group this node does not compute resolves
 *   through in->ext_groups: the provider's key in that group names the
 *   external instance whose statistic is the reference.
 * - Groups that came back from another node count like the node's own
 *   (SPEC 5): a band 1, band 4 or gap in an external position enters the
 *   provider's areas and strengths, its z the order of the areas, and the
 *   instance's band-4 members its learning partners.  Every provider,
 *   local or foreign, gets a global rank that sorts as the ids would
 *   (foreign ones by their order), so that the tie-break "then id" picks
 *   what one node holding everything would pick.
 */
#include "benchmark_compute.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_vec.h"

#define S_NONE SIZE_MAX
#define S_MIN_CORR_PAIRS 10

/* Flags of one (provider, indicator) over its position rows. */
#define S_F_BAND1 0x1u
#define S_F_BAND4 0x2u
#define S_F_GAP 0x4u

/* One peer group's providers, sorted by group key into instances. */
typedef struct s_group {
    size_t n_inst;
    size_t *order;        /* provider indexes by (key, index) */
    size_t *inst_start;   /* n_inst + 1 offsets into order */
    size_t *inst_of;      /* provider -> instance */
    char (*inst_key)[BC_KEY_MAX]; /* key of each instance */
    size_t *stat_of;      /* [k * n_inst + inst] -> stats index or S_NONE */
    size_t *count;        /* [k * n_inst + inst] -> number of values */
} s_group_t;

/* A band-4 provider, for learning partners.  Its users and service type
 * are copied in so that the searches do not chase provider records. */
typedef struct s_cand {
    long long users;
    size_t st;            /* dense rank of the service type (strcmp) */
    size_t idx;
} s_cand_t;

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

/* Everything bc_compute needs between its passes. */
typedef struct s_ctx {
    const bc_input_t *in;
    const bl_catalogue_t *cat;
    size_t n;             /* providers */
    size_t nk;            /* indicators */
    size_t ng;            /* groups */
    size_t min_peers;     /* cfg->min_peers, at least 1 */
    size_t *ind_order;    /* indicator indexes by id */
    size_t *grp_order;    /* group indexes by id */
    size_t *st_of;        /* provider -> dense rank of its service type */
    s_group_t *groups;
    size_t cap_stats;
    uint8_t *flags;       /* [i * nk + k] */
    double *negz;         /* [i * nk + k], NAN when no z */
    size_t *b4_start;     /* per stat: offset into the band-4 lists */
    s_cand_t *b4_by_st;   /* per stat: by (service type, users, index) */
    s_cand_t *b4_by_users;/* per stat: by (users, index) */
    size_t np;            /* persons: n providers, then the foreign ones */
    size_t *rank;         /* person -> rank by id (foreign: by order) */
    size_t *person_of;    /* rank -> person */
    size_t *ext_sorted;   /* ext instances by (indicator, group, key) */
    size_t *xpos_start;   /* [i * nk + k]: offsets into xpos */
    size_t *xpos;         /* ext positions by (provider, indicator) */
    size_t xpos_most;     /* most ext positions of one (i, k) */
    size_t n_stats;       /* out->n_stats, once known */
} s_ctx_t;

/* ---- small helpers ---------------------------------------------------- */

static bool s_has(double v)
{
    return isfinite(v);
}

static double s_no_negative_zero(double v)
{
    return v == 0.0 ? 0.0 : v;
}

/* bl_stats_equal, here so that the hot loops can inline it: a equals x
 * when |a - x| <= 1e-9 * |x| (SPEC section 5). */
static inline bool s_equal(double a, double x)
{
    return fabs(a - x) <= BL_STATS_REL_EPS * fabs(x);
}

static void *s_alloc(size_t n, size_t size)
{
    if (n == 0) {
        n = 1;
    }
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    return calloc(n, size);
}

void bc_group_key(const bl_peer_group_t *g, const bc_provider_t *p,
                  char *buf, size_t size)
{
    bl_group_attrs_t a = {p->country, p->service_type, p->membership,
                          p->share_identity};
    bl_group_key(g, &a, buf, size);
}

/* The statistic a reference names. */
static double s_stat_value(const bl_summary_t *s, bl_stat_t stat,
                           bool higher)
{
    switch (stat) {
    case BL_STAT_MEAN:
        return s->mean;
    case BL_STAT_P10:
        return s->p10;
    case BL_STAT_P25:
        return s->p25;
    case BL_STAT_P50:
        return s->p50;
    case BL_STAT_P75:
        return s->p75;
    case BL_STAT_P90:
        return s->p90;
    case BL_STAT_BEST_IN_CLASS:
        return bl_stats_best_in_class(s, higher);
    }
    return NAN;
}

/* v is worse-or-better in the strict sense: below x and not equal to it
 * (s_below), above x and not equal (s_above).  Over ascending values each
 * is a monotone predicate: the values equal to x form one run around x. */
static bool s_below(double v, double x)
{
    return v < x && !s_equal(v, x);
}

static bool s_above(double v, double x)
{
    return v > x && !s_equal(v, x);
}

/* First index of sorted[0, n) not below x, by binary search. */
static size_t s_first_not_below(const double *sorted, size_t n, double x)
{
    size_t lo = 0;
    size_t hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_below(sorted[mid], x)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* First index of sorted[0, n) above x, by binary search. */
static size_t s_first_above(const double *sorted, size_t n, double x)
{
    size_t lo = 0;
    size_t hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_above(sorted[mid], x)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* ---- sorting ---------------------------------------------------------- */

typedef struct s_keyed {
    const char *key;
    size_t idx;
} s_keyed_t;

static int s_cmp_keyed(const void *pa, const void *pb)
{
    const s_keyed_t *a = pa;
    const s_keyed_t *b = pb;
    int c = strcmp(a->key, b->key);
    if (c != 0) {
        return c;
    }
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int s_cmp_cand_users(const void *pa, const void *pb)
{
    const s_cand_t *a = pa;
    const s_cand_t *b = pb;
    if (a->users != b->users) {
        return (a->users > b->users) - (a->users < b->users);
    }
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int s_cmp_cand_st(const void *pa, const void *pb)
{
    const s_cand_t *a = pa;
    const s_cand_t *b = pb;
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

/* A value with the local index of its member in a group instance. */
typedef struct s_vl {
    double v;
    size_t local;
} s_vl_t;

/* The bits of a double as an unsigned key in the same order. */
static uint64_t s_radix_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

/* Sorts a[0..n) by value, stably (equal values keep their order), with
 * tmp room for n.  Values are finite and never -0 (callers turn -0 into
 * 0), so the bit order is the numeric order.  An LSD radix sort: the
 * benchmark sorts millions of values and qsort's indirect compares
 * dominated its time. */
static void s_sort_vl(s_vl_t *a, size_t n, s_vl_t *tmp)
{
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            s_vl_t e = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1].v > e.v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = e;
        }
        return;
    }
    size_t count[8][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = s_radix_key(a[i].v);
        for (unsigned d = 0; d < 8; d++) {
            count[d][(k >> (8 * d)) & 0xffu]++;
        }
    }
    s_vl_t *src = a;
    s_vl_t *dst = tmp;
    for (unsigned d = 0; d < 8; d++) {
        size_t first = (s_radix_key(src[0].v) >> (8 * d)) & 0xffu;
        if (count[d][first] == n) {
            continue;  /* every key has this digit */
        }
        size_t off[256];
        size_t sum = 0;
        for (unsigned x = 0; x < 256; x++) {
            off[x] = sum;
            sum += count[d][x];
        }
        for (size_t i = 0; i < n; i++) {
            size_t digit = (s_radix_key(src[i].v) >> (8 * d)) & 0xffu;
            dst[off[digit]++] = src[i];
        }
        s_vl_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) {
        memcpy(a, src, n * sizeof *a);
    }
}

/* Percentile ranks of every value of sorted xs[0, m) (vl[j] is xs[j] with
 * its local index), into pr[local]: 100 * (B + E/2) / m as
 * bl_stats_percentile_rank computes it, B the values strictly worse and E
 * those equal (SPEC tolerance).  One forward sweep moves the two
 * boundaries; each is checked against its predicate and found by binary
 * search in the (theoretical) case where rounding broke monotonicity, so
 * the counts are exactly those of the definition. */
static void s_percentile_ranks(const s_vl_t *vl, const double *xs,
                               size_t m, bool higher, double *pr)
{
    size_t lo = 0;  /* first index not below x */
    size_t hi = 0;  /* first index above x */
    for (size_t j = 0; j < m; j++) {
        double x = xs[j];
        if (j > 0 && x == xs[j - 1]) {
            pr[vl[j].local] = pr[vl[j - 1].local];
            continue;
        }
        while (lo < m && s_below(xs[lo], x)) {
            lo++;
        }
        if (lo > 0 && !s_below(xs[lo - 1], x)) {
            lo = s_first_not_below(xs, m, x);
        }
        if (hi < lo) {
            hi = lo;
        }
        while (hi < m && !s_above(xs[hi], x)) {
            hi++;
        }
        if (hi > 0 && s_above(xs[hi - 1], x)) {
            hi = s_first_above(xs, m, x);
        }
        size_t worse = higher ? lo : m - hi;
        size_t equal = hi - lo;
        pr[vl[j].local] = 50.0 * (double)(2 * worse + equal) / (double)m;
    }
}

/* Orders indexes 0..n-1 by the id strings ids[i] (insertion sort: the
 * catalogue and the group list are short). */
static void s_order_by_id(size_t *order, size_t n, const char *(*id)(
                              const void *, size_t), const void *arr)
{
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
    }
    for (size_t i = 1; i < n; i++) {
        size_t v = order[i];
        size_t j = i;
        while (j > 0 && strcmp(id(arr, order[j - 1]), id(arr, v)) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

static const char *s_ind_id(const void *arr, size_t i)
{
    return ((const bl_indicator_t *)arr)[i].id;
}

static const char *s_grp_id(const void *arr, size_t i)
{
    return ((const bl_peer_group_t *)arr)[i].id;
}

/* ---- output growth ---------------------------------------------------- */

static int s_push_stat(s_ctx_t *c, bc_output_t *out, const bc_stat_t *st)
{
    if (BL_GROW(out->stats, c->cap_stats, out->n_stats + 1) != 0) {
        return BL_ENOMEM;
    }
    out->stats[out->n_stats++] = *st;
    return 0;
}

static int s_push_corr(size_t *cap, bc_output_t *out, const bc_corr_t *r)
{
    if (BL_GROW(out->corrs, *cap, out->n_corrs + 1) != 0) {
        return BL_ENOMEM;
    }
    out->corrs[out->n_corrs++] = *r;
    return 0;
}

/* ---- pass 1: group instances ------------------------------------------ */

/* Dense ranks of the providers' service types, so that later passes
 * compare integers. */
static int s_service_types(s_ctx_t *c)
{
    size_t np = c->n + c->in->n_foreign;
    s_keyed_t *kd = s_alloc(np, sizeof *kd);
    c->st_of = s_alloc(np, sizeof *c->st_of);
    if (kd == NULL || c->st_of == NULL) {
        free(kd);
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < np; i++) {
        kd[i].key = i < c->n ? c->in->providers[i].service_type
                             : c->in->foreign[i - c->n].service_type;
        kd[i].idx = i;
    }
    qsort(kd, np, sizeof *kd, s_cmp_keyed);
    size_t rank = 0;
    for (size_t j = 0; j < np; j++) {
        if (j > 0 && strcmp(kd[j].key, kd[j - 1].key) != 0) {
            rank++;
        }
        c->st_of[kd[j].idx] = rank;
    }
    free(kd);
    return 0;
}

/* Sorts the providers of group g by key into instances and counts each
 * instance's values per indicator. */
static int s_group_build(s_ctx_t *c, size_t gi)
{
    const bl_peer_group_t *g = &c->in->cfg->groups[gi];
    s_group_t *sg = &c->groups[gi];
    size_t n = c->n;
    char (*keys)[BC_KEY_MAX] = s_alloc(n, sizeof *keys);
    s_keyed_t *kd = s_alloc(n, sizeof *kd);
    sg->order = s_alloc(n, sizeof *sg->order);
    sg->inst_of = s_alloc(n, sizeof *sg->inst_of);
    sg->inst_start = s_alloc(n + 1, sizeof *sg->inst_start);
    sg->inst_key = s_alloc(n, sizeof *sg->inst_key);
    int rc = BL_ENOMEM;
    if (keys == NULL || kd == NULL || sg->order == NULL
        || sg->inst_of == NULL || sg->inst_start == NULL
        || sg->inst_key == NULL) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        bc_group_key(g, &c->in->providers[i], keys[i], BC_KEY_MAX);
        kd[i].key = keys[i];
        kd[i].idx = i;
    }
    qsort(kd, n, sizeof *kd, s_cmp_keyed);
    sg->n_inst = 0;
    for (size_t j = 0; j < n; j++) {
        if (j == 0 || strcmp(kd[j].key, kd[j - 1].key) != 0) {
            sg->inst_start[sg->n_inst] = j;
            memcpy(sg->inst_key[sg->n_inst], kd[j].key, BC_KEY_MAX);
            sg->n_inst++;
        }
        sg->order[j] = kd[j].idx;
        sg->inst_of[kd[j].idx] = sg->n_inst - 1;
    }
    sg->inst_start[sg->n_inst] = n;
    size_t cells = c->nk * (sg->n_inst ? sg->n_inst : 1);
    sg->stat_of = s_alloc(cells, sizeof *sg->stat_of);
    sg->count = s_alloc(cells, sizeof *sg->count);
    if (sg->stat_of == NULL || sg->count == NULL) {
        goto out;
    }
    for (size_t x = 0; x < cells; x++) {
        sg->stat_of[x] = S_NONE;
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = c->in->values + i * c->nk;
        size_t inst = sg->inst_of[i];
        for (size_t k = 0; k < c->nk; k++) {
            if (s_has(row[k])) {
                sg->count[k * sg->n_inst + inst]++;
            }
        }
    }
    rc = 0;
out:
    free(keys);
    free(kd);
    return rc;
}

/* ---- external groups -------------------------------------------------- */

/* Orders two external instances by (indicator, group, key). */
static int s_cmp_ext(const bc_ext_instance_t *a, int indicator, size_t group,
                     const char *key)
{
    if (a->indicator != indicator) {
        return a->indicator < indicator ? -1 : 1;
    }
    if (a->group != group) {
        return a->group < group ? -1 : 1;
    }
    return strcmp(a->group_key, key);
}

/* The external instance of provider i in external group g on indicator k:
 * its statistics, or NULL when it did not come back. */
static const bl_summary_t *s_ext_find(const s_ctx_t *c, size_t k, size_t g,
                                      size_t i)
{
    char key[BC_KEY_MAX];
    bc_group_key(&c->in->ext_groups[g], &c->in->providers[i], key,
                 sizeof key);
    size_t lo = 0;
    size_t hi = c->in->n_ext_instances;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const bc_ext_instance_t *e =
            &c->in->ext_instances[c->ext_sorted[mid]];
        int cmp = s_cmp_ext(e, (int)k, g, key);
        if (cmp == 0) {
            return &e->s;
        }
        if (cmp < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* A person for the global order: a provider or a foreign one. */
typedef struct s_person {
    const bc_provider_t *p;   /* NULL for a foreign one */
    const bc_foreign_t *f;
    size_t person;
} s_person_t;

static int s_cmp_person(const void *pa, const void *pb)
{
    const s_person_t *a = pa;
    const s_person_t *b = pb;
    if (a->p != NULL && b->p != NULL) {
        return (a->person > b->person) - (a->person < b->person);
    }
    if (a->p == NULL && b->p == NULL) {
        return (a->f->order > b->f->order) - (a->f->order < b->f->order);
    }
    /* A provider of this node against a foreign one: ids when both are
     * known, else the country codes that lead every id (SPEC 1). */
    int sign = a->p != NULL ? 1 : -1;
    const bc_provider_t *p = a->p != NULL ? a->p : b->p;
    const bc_foreign_t *f = a->p != NULL ? b->f : a->f;
    int cmp = f->id[0] != '\0' ? strcmp(p->id, f->id)
                               : strncmp(p->id, f->country, 2);
    if (cmp == 0) {
        cmp = f->id[0] != '\0' ? 0 : -1;
    }
    return sign * cmp;
}

/* Ranks every person by id, sorts the external instances for lookup and
 * groups the external positions by (provider, indicator). */
static int s_ext_prepare(s_ctx_t *c)
{
    const bc_input_t *in = c->in;
    c->np = c->n + in->n_foreign;
    s_person_t *ps = s_alloc(c->np, sizeof *ps);
    c->rank = s_alloc(c->np, sizeof *c->rank);
    c->person_of = s_alloc(c->np, sizeof *c->person_of);
    c->ext_sorted = s_alloc(in->n_ext_instances, sizeof *c->ext_sorted);
    c->xpos_start = s_alloc(c->n * c->nk + 1, sizeof *c->xpos_start);
    c->xpos = s_alloc(in->n_ext_positions, sizeof *c->xpos);
    if (ps == NULL || c->rank == NULL || c->person_of == NULL
        || c->ext_sorted == NULL || c->xpos_start == NULL
        || c->xpos == NULL) {
        free(ps);
        return BL_ENOMEM;
    }
    for (size_t x = 0; x < c->np; x++) {
        ps[x].p = x < c->n ? &in->providers[x] : NULL;
        ps[x].f = x < c->n ? NULL : &in->foreign[x - c->n];
        ps[x].person = x;
    }
    qsort(ps, c->np, sizeof *ps, s_cmp_person);
    for (size_t r = 0; r < c->np; r++) {
        c->rank[ps[r].person] = r;
        c->person_of[r] = ps[r].person;
    }
    free(ps);
    /* insertion sort: a few thousand instances at most per period */
    for (size_t x = 0; x < in->n_ext_instances; x++) {
        size_t j = x;
        const bc_ext_instance_t *e = &in->ext_instances[x];
        while (j > 0
               && s_cmp_ext(&in->ext_instances[c->ext_sorted[j - 1]],
                            e->indicator, e->group, e->group_key) > 0) {
            c->ext_sorted[j] = c->ext_sorted[j - 1];
            j--;
        }
        c->ext_sorted[j] = x;
    }
    for (size_t x = 0; x < in->n_ext_positions; x++) {
        const bc_ext_position_t *q = &in->ext_positions[x];
        if (q->provider < c->n && q->instance < in->n_ext_instances) {
            size_t k = (size_t)in->ext_instances[q->instance].indicator;
            c->xpos_start[q->provider * c->nk + k + 1]++;
        }
    }
    for (size_t x = 0; x < c->n * c->nk; x++) {
        size_t cnt = c->xpos_start[x + 1];
        if (cnt > c->xpos_most) {
            c->xpos_most = cnt;
        }
        c->xpos_start[x + 1] += c->xpos_start[x];
    }
    size_t *fill = s_alloc(c->n * c->nk, sizeof *fill);
    if (fill == NULL) {
        return BL_ENOMEM;
    }
    for (size_t x = 0; x < in->n_ext_positions; x++) {
        const bc_ext_position_t *q = &in->ext_positions[x];
        if (q->provider < c->n && q->instance < in->n_ext_instances) {
            size_t at = q->provider * c->nk
                        + (size_t)in->ext_instances[q->instance].indicator;
            c->xpos[c->xpos_start[at] + fill[at]++] = x;
        }
    }
    free(fill);
    return 0;
}

/* Flags and -z of the external positions, as s_indicator sets them for
 * the node's own. */
static void s_ext_flags(s_ctx_t *c)
{
    for (size_t x = 0; x < c->in->n_ext_positions; x++) {
        const bc_ext_position_t *p = &c->in->ext_positions[x];
        if (p->provider >= c->n || p->instance >= c->in->n_ext_instances) {
            continue;
        }
        size_t k = (size_t)c->in->ext_instances[p->instance].indicator;
        uint8_t *f = &c->flags[p->provider * c->nk + k];
        if (p->band == 1) {
            *f |= S_F_BAND1;
        }
        if (p->band == 4) {
            *f |= S_F_BAND4;
        }
        if (p->has_reference && p->gap > 0.0
            && !s_equal(p->value, p->reference)) {
            *f |= S_F_GAP;
        }
        if (p->has_z) {
            double nz = s_no_negative_zero(-p->z);
            double *cur = &c->negz[p->provider * c->nk + k];
            if (isnan(*cur) || nz > *cur) {
                *cur = nz;
            }
        }
    }
}

/* ---- pass 2: statistics and positions --------------------------------- */

/* The reference of provider i on indicator k, when there is one. */
static bool s_reference(const s_ctx_t *c, const bc_output_t *out, size_t k,
                        int ref_group, long ext_group, size_t i, double *ref)
{
    const bl_indicator_t *ind = &c->cat->indicators[k];
    bool higher = ind->direction == BL_DIR_HIGHER;
    switch (ind->ref_kind) {
    case BL_REF_NONE:
        return false;
    case BL_REF_VALUE:
        *ref = ind->ref_value;
        return true;
    case BL_REF_STAT:
        if (ref_group >= 0) {
            const s_group_t *rg = &c->groups[ref_group];
            size_t st = rg->stat_of[k * rg->n_inst + rg->inst_of[i]];
            if (st == S_NONE) {
                return false;
            }
            *ref = s_stat_value(&out->stats[st].s, ind->ref_stat, higher);
            return true;
        }
        if (ext_group >= 0) {
            const bl_summary_t *s = s_ext_find(c, k, (size_t)ext_group, i);
            if (s == NULL) {
                return false;
            }
            *ref = s_stat_value(s, ind->ref_stat, higher);
            return isfinite(*ref);
        }
        return false;
    }
    return false;
}

/* Statistics and positions of indicator k over every group, appended in
 * export order (groups by id, instances by key, providers by index).
 * prs is scratch for ng * n doubles: the percentile ranks of the members
 * of this indicator's stat s, in member order, start at
 * prs[prs_at[s - first]].  xs, vl and vl_tmp are scratch for n entries
 * each. */
static int s_indicator(s_ctx_t *c, bc_output_t *out, size_t k,
                       double *prs, size_t *prs_at, double *xs, s_vl_t *vl,
                       s_vl_t *vl_tmp)
{
    const bl_indicator_t *ind = &c->cat->indicators[k];
    bool higher = ind->direction == BL_DIR_HIGHER;
    size_t first = out->n_stats;
    size_t used = 0;

    for (size_t go = 0; go < c->ng; go++) {
        size_t gi = c->grp_order[go];
        s_group_t *sg = &c->groups[gi];
        for (size_t inst = 0; inst < sg->n_inst; inst++) {
            size_t cnt = sg->count[k * sg->n_inst + inst];
            if (cnt < c->min_peers) {
                continue;
            }
            size_t m = 0;
            for (size_t j = sg->inst_start[inst];
                 j < sg->inst_start[inst + 1]; j++) {
                double v = c->in->values[sg->order[j] * c->nk + k];
                if (s_has(v)) {
                    vl[m].v = s_no_negative_zero(v);
                    vl[m].local = m;
                    m++;
                }
            }
            s_sort_vl(vl, m, vl_tmp);
            for (size_t x = 0; x < m; x++) {
                xs[x] = vl[x].v;
            }
            bc_stat_t st;
            memset(&st, 0, sizeof st);
            st.indicator = (int)k;
            st.group = (int)gi;
            memcpy(st.group_key, sg->inst_key[inst], BC_KEY_MAX);
            bl_stats_summarise(xs, m, &st.s);
            st.best_in_class = bl_stats_best_in_class(&st.s, higher);
            s_percentile_ranks(vl, xs, m, higher, prs + used);
            prs_at[out->n_stats - first] = used;
            sg->stat_of[k * sg->n_inst + inst] = out->n_stats;
            int rc = s_push_stat(c, out, &st);
            if (rc != 0) {
                return rc;
            }
            used += m;
        }
    }

    int ref_group = -1;
    long ext_group = -1;
    if (ind->ref_kind == BL_REF_STAT && ind->ref_group != NULL) {
        ref_group = bl_config_find_group(c->in->cfg, ind->ref_group);
        for (size_t g = 0; ref_group < 0 && g < c->in->n_ext_groups; g++) {
            if (strcmp(c->in->ext_groups[g].id, ind->ref_group) == 0) {
                ext_group = (long)g;
                break;
            }
        }
    }

    for (size_t go = 0; go < c->ng; go++) {
        size_t gi = c->grp_order[go];
        const s_group_t *sg = &c->groups[gi];
        for (size_t inst = 0; inst < sg->n_inst; inst++) {
            size_t st = sg->stat_of[k * sg->n_inst + inst];
            if (st == S_NONE) {
                continue;
            }
            const bl_summary_t *s = &out->stats[st].s;
            const double *pr = prs + prs_at[st - first];
            size_t q = 0;  /* members with a value so far */
            for (size_t j = sg->inst_start[inst];
                 j < sg->inst_start[inst + 1]; j++) {
                size_t i = sg->order[j];
                double x = c->in->values[i * c->nk + k];
                if (!s_has(x)) {
                    continue;
                }
                x = s_no_negative_zero(x);
                bc_position_t *p = &out->positions[out->n_positions++];
                memset(p, 0, sizeof *p);
                p->indicator = (int)k;
                p->group = (int)gi;
                p->stat = st;
                p->provider = i;
                p->value = x;
                p->percentile_rank = pr[q++];
                p->band = bl_stats_band(s, x, higher);
                p->has_z = bl_stats_z(s, x, higher, &p->z);
                double ref = 0.0;
                if (s_reference(c, out, k, ref_group, ext_group, i,
                                &ref)) {
                    p->has_reference = true;
                    p->reference = s_no_negative_zero(ref);
                    p->gap = s_no_negative_zero(higher ? ref - x : x - ref);
                }
                uint8_t *f = &c->flags[i * c->nk + k];
                if (p->band == 1) {
                    *f |= S_F_BAND1;
                }
                if (p->band == 4) {
                    *f |= S_F_BAND4;
                }
                if (p->has_reference && p->gap > 0.0
                    && !s_equal(x, p->reference)) {
                    *f |= S_F_GAP;
                }
                if (p->has_z) {
                    double nz = s_no_negative_zero(-p->z);
                    double *cur = &c->negz[i * c->nk + k];
                    if (isnan(*cur) || nz > *cur) {
                        *cur = nz;
                    }
                }
            }
        }
    }
    return 0;
}

/* ---- pass 3: correlations --------------------------------------------- */

/* Keeps the entries of a's sorted values (srt, cnt of them) whose member
 * also has a value of b (vb, by local index) in f, in order, and gives
 * them average ranks in ranks[local]: the same tie groups as
 * bl_stats_spearman (consecutive values equal to the group's first).
 * Returns the number kept; *groups is the number of tie groups. */
static size_t s_rank_filtered(const s_vl_t *srt, size_t cnt,
                              const double *vb, double *ranks, s_vl_t *f,
                              size_t need, size_t *groups)
{
    size_t m = 0;
    for (size_t x = 0; x < cnt; x++) {
        if (s_has(vb[srt[x].local])) {
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
        while (end < m && s_equal(f[end].v, f[start].v)) {
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
static int s_corr_instance(s_ctx_t *c, bc_output_t *out, size_t *cap,
                           size_t gi, const char *key, const size_t *mem,
                           size_t m, size_t need)
{
    size_t nk = c->nk;
    double *lv = s_alloc(nk * m, sizeof *lv);
    s_vl_t *srt = s_alloc(nk * m, sizeof *srt);
    size_t *cnt = s_alloc(nk, sizeof *cnt);
    double *ra = s_alloc(m, sizeof *ra);
    double *rb = s_alloc(m, sizeof *rb);
    s_vl_t *fa = s_alloc(m, sizeof *fa);
    s_vl_t *fb = s_alloc(m, sizeof *fb);
    int rc = BL_ENOMEM;
    if (lv == NULL || srt == NULL || cnt == NULL || ra == NULL
        || rb == NULL || fa == NULL || fb == NULL) {
        goto out;
    }
    for (size_t k = 0; k < nk; k++) {
        s_vl_t *row = srt + k * m;
        for (size_t l = 0; l < m; l++) {
            double v = c->in->values[mem[l] * nk + k];
            lv[k * m + l] = v;
            if (s_has(v)) {
                row[cnt[k]].v = s_no_negative_zero(v);
                row[cnt[k]].local = l;
                cnt[k]++;
            }
        }
        s_sort_vl(row, cnt[k], fa);
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
            row.rho = s_no_negative_zero(r);
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

static int s_correlations(s_ctx_t *c, bc_output_t *out)
{
    size_t need = S_MIN_CORR_PAIRS;
    if (c->min_peers > need) {
        need = c->min_peers;
    }
    size_t cap = 0;
    for (size_t go = 0; go < c->ng; go++) {
        size_t gi = c->grp_order[go];
        const s_group_t *sg = &c->groups[gi];
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

/* ---- pass 4: areas, strengths, learning partners ---------------------- */

/* The users of a person (a provider, then the foreign ones). */
static long long s_users_of(const s_ctx_t *c, size_t person)
{
    return person < c->n ? c->in->providers[person].users
                         : c->in->foreign[person - c->n].users;
}

/* Whether a band-4 member names a person that exists. */
static bool s_member_ok(const s_ctx_t *c, const bc_member_t *m)
{
    return m->local ? m->idx < c->n : m->idx < c->in->n_foreign;
}

/* Band-4 lists of every stat, then of every external instance (list
 * n_stats + instance), in two orders.  A candidate's idx is its rank. */
static int s_band4_lists(s_ctx_t *c, const bc_output_t *out)
{
    size_t nx = c->in->n_ext_instances;
    size_t nl = out->n_stats + nx;
    c->n_stats = out->n_stats;
    c->b4_start = s_alloc(nl + 1, sizeof *c->b4_start);
    if (c->b4_start == NULL) {
        return BL_ENOMEM;
    }
    for (size_t x = 0; x < out->n_positions; x++) {
        if (out->positions[x].band == 4) {
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
    c->b4_by_st = s_alloc(total, sizeof *c->b4_by_st);
    c->b4_by_users = s_alloc(total, sizeof *c->b4_by_users);
    size_t *fill = s_alloc(nl, sizeof *fill);
    if (c->b4_by_st == NULL || c->b4_by_users == NULL || fill == NULL) {
        free(fill);
        return BL_ENOMEM;
    }
    for (size_t x = 0; x < out->n_positions; x++) {
        const bc_position_t *p = &out->positions[x];
        if (p->band == 4) {
            size_t at = c->b4_start[p->stat] + fill[p->stat]++;
            c->b4_by_st[at].users = c->in->providers[p->provider].users;
            c->b4_by_st[at].st = c->st_of[p->provider];
            c->b4_by_st[at].idx = c->rank[p->provider];
        }
    }
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
    for (size_t s = 0; s < nl; s++) {
        size_t lo = c->b4_start[s];
        size_t len = c->b4_start[s + 1] - lo;
        qsort(c->b4_by_st + lo, len, sizeof *c->b4_by_st, s_cmp_cand_st);
        qsort(c->b4_by_users + lo, len, sizeof *c->b4_by_users,
              s_cmp_cand_users);
    }
    return 0;
}

/* First index in list[lo, hi) with users >= u (strict: > u). */
static size_t s_users_bound(const s_cand_t *list, size_t lo, size_t hi,
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
static size_t s_gallop_up(const s_cand_t *list, size_t lo, size_t hi,
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
static size_t s_gallop_down(const s_cand_t *list, size_t lo, size_t end,
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
 * skip_st is not S_NONE) not of that service type. */
static bool s_eligible(const s_cand_t *e, size_t self, size_t skip_st)
{
    return e->idx != self && e->st != skip_st;
}

/* Adds to picks the up to BC_PARTNERS_MAX nearest eligible candidates by
 * (|users difference|, index) on each side of u in list[0, n), which is
 * sorted by (users, index).  Within one users value the lowest indexes
 * come first, so each side is walked block by block. */
static void s_nearest(const s_cand_t *list, size_t n, long long u,
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
static void s_partners(const s_ctx_t *c, size_t i, bc_area_t *area,
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
                const s_group_t *sg = &c->groups[gi];
                st = sg->stat_of[k * sg->n_inst + sg->inst_of[i]];
            } else {
                size_t q = c->xpos[x_lo + gi - c->ng];
                st = c->n_stats + c->in->ext_positions[q].instance;
            }
            if (st == S_NONE) {
                continue;
            }
            size_t lo = c->b4_start[st];
            size_t hi = c->b4_start[st + 1];
            if (pass == 0) {
                /* the run of my service type in the (st, users) order */
                const s_cand_t *l = c->b4_by_st;
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
                s_nearest(l + run_lo, a - run_lo, me->users, self, S_NONE,
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

/* Areas and strengths of every provider.  They live in one block with
 * out->providers (results, then areas, then strengths), so that
 * bc_output_free can free them without knowing how many providers there
 * are. */
static int s_provider_results(s_ctx_t *c, bc_output_t *out)
{
    size_t nk = c->nk;
    size_t total_areas = 0;
    size_t total_strengths = 0;
    for (size_t x = 0; x < c->n * nk; x++) {
        total_areas += (c->flags[x] & (S_F_BAND1 | S_F_GAP)) != 0;
        total_strengths += (c->flags[x] & S_F_BAND4) != 0;
    }
    if (c->n == 0) {
        return 0;
    }
    size_t sz_res = c->n * sizeof(bc_provider_result_t);
    size_t sz_area = total_areas * sizeof(bc_area_t);
    size_t sz_str = total_strengths * sizeof(int);
    char *block = s_alloc(1, sz_res + sz_area + sz_str);
    s_area_sort_t *tmp = s_alloc(nk, sizeof *tmp);
    /* 3 sides x BC_PARTNERS_MAX per group instance */
    s_pick_t *picks = s_alloc((c->ng + c->xpos_most) * 3 * BC_PARTNERS_MAX,
                              sizeof *picks);
    if (block == NULL || tmp == NULL || picks == NULL) {
        free(block);
        free(tmp);
        free(picks);
        return BL_ENOMEM;
    }
    out->providers = (bc_provider_result_t *)(void *)block;
    bc_area_t *areas = (bc_area_t *)(void *)(block + sz_res);
    int *strengths = (int *)(void *)(block + sz_res + sz_area);
    for (size_t i = 0; i < c->n; i++) {
        bc_provider_result_t *r = &out->providers[i];
        size_t na = 0;
        r->strengths = strengths;
        for (size_t ko = 0; ko < nk; ko++) {
            size_t k = c->ind_order[ko];
            uint8_t f = c->flags[i * nk + k];
            if (f & S_F_BAND4) {
                r->strengths[r->n_strengths++] = (int)k;
            }
            if (f & (S_F_BAND1 | S_F_GAP)) {
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

/* ---- the whole ---------------------------------------------------------- */

static void s_ctx_free(s_ctx_t *c)
{
    if (c->groups != NULL) {
        for (size_t g = 0; g < c->ng; g++) {
            s_group_t *sg = &c->groups[g];
            free(sg->order);
            free(sg->inst_start);
            free(sg->inst_of);
            free(sg->inst_key);
            free(sg->stat_of);
            free(sg->count);
        }
    }
    free(c->groups);
    free(c->ind_order);
    free(c->grp_order);
    free(c->st_of);
    free(c->flags);
    free(c->negz);
    free(c->b4_start);
    free(c->b4_by_st);
    free(c->b4_by_users);
    free(c->rank);
    free(c->person_of);
    free(c->ext_sorted);
    free(c->xpos_start);
    free(c->xpos);
}

/* Positions and statistics of every indicator. */
static int s_stats_and_positions(s_ctx_t *c, bc_output_t *out)
{
    size_t n_pos = 0;
    for (size_t gi = 0; gi < c->ng; gi++) {
        const s_group_t *sg = &c->groups[gi];
        for (size_t x = 0; x < c->nk * sg->n_inst; x++) {
            if (sg->count[x] >= c->min_peers) {
                n_pos += sg->count[x];
            }
        }
    }
    out->positions = s_alloc(n_pos, sizeof *out->positions);
    double *prs = s_alloc(c->ng * c->n, sizeof *prs);
    size_t *prs_at = s_alloc(c->ng * c->n, sizeof *prs_at);
    double *xs = s_alloc(c->n, sizeof *xs);
    s_vl_t *vl = s_alloc(c->n, sizeof *vl);
    s_vl_t *vl_tmp = s_alloc(c->n, sizeof *vl_tmp);
    int rc = BL_ENOMEM;
    if (out->positions != NULL && prs != NULL && prs_at != NULL
        && xs != NULL && vl != NULL && vl_tmp != NULL) {
        rc = 0;
        for (size_t ko = 0; ko < c->nk && rc == 0; ko++) {
            rc = s_indicator(c, out, c->ind_order[ko], prs, prs_at, xs, vl,
                             vl_tmp);
        }
    }
    free(prs);
    free(prs_at);
    free(xs);
    free(vl);
    free(vl_tmp);
    return rc;
}

int bc_compute(const bc_input_t *in, bc_output_t *out, bl_err_t *err)
{
    if (out == NULL) {
        return bl_err_set(err, BL_EINVAL, "bc_compute: no output");
    }
    memset(out, 0, sizeof *out);
    if (in == NULL || in->cfg == NULL || in->cfg->catalogue == NULL
        || (in->n_providers > 0
            && (in->providers == NULL || in->values == NULL))) {
        return bl_err_set(err, BL_EINVAL, "bc_compute: incomplete input");
    }
    s_ctx_t c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.cat = in->cfg->catalogue;
    c.n = in->n_providers;
    c.nk = c.cat->n_indicators;
    c.ng = in->cfg->n_groups;
    c.min_peers = in->cfg->min_peers > 1 ? (size_t)in->cfg->min_peers : 1;

    int rc = BL_ENOMEM;
    c.ind_order = s_alloc(c.nk, sizeof *c.ind_order);
    c.grp_order = s_alloc(c.ng, sizeof *c.grp_order);
    c.groups = s_alloc(c.ng, sizeof *c.groups);
    c.flags = s_alloc(c.n * c.nk, sizeof *c.flags);
    c.negz = s_alloc(c.n * c.nk, sizeof *c.negz);
    if (c.ind_order == NULL || c.grp_order == NULL
        || c.groups == NULL || c.flags == NULL || c.negz == NULL) {
        goto fail;
    }
    for (size_t x = 0; x < c.n * c.nk; x++) {
        c.negz[x] = NAN;
    }
    s_order_by_id(c.ind_order, c.nk, s_ind_id, c.cat->indicators);
    s_order_by_id(c.grp_order, c.ng, s_grp_id, in->cfg->groups);
    rc = s_service_types(&c);
    if (rc == 0) {
        rc = s_ext_prepare(&c);
    }
    if (rc != 0) {
        goto fail;
    }

    for (size_t gi = 0; gi < c.ng; gi++) {
        rc = s_group_build(&c, gi);
        if (rc != 0) {
            goto fail;
        }
    }
    rc = s_stats_and_positions(&c, out);
    if (rc != 0) {
        goto fail;
    }
    s_ext_flags(&c);
    rc = s_correlations(&c, out);
    if (rc != 0) {
        goto fail;
    }
    rc = s_band4_lists(&c, out);
    if (rc != 0) {
        goto fail;
    }
    rc = s_provider_results(&c, out);
    if (rc != 0) {
        goto fail;
    }
    s_ctx_free(&c);
    return 0;

fail:
    s_ctx_free(&c);
    bc_output_free(out);
    return bl_err_set(err, rc, "benchmark of period %d: %s", in->period,
                      bl_strerror(rc));
}

void bc_output_free(bc_output_t *out)
{
    if (out == NULL) {
        return;
    }
    free(out->stats);
    free(out->positions);
    free(out->corrs);
    free(out->providers);  /* one block with every area and strength */
    memset(out, 0, sizeof *out);
}
