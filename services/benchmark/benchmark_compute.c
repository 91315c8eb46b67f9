/*
 * benchmark_compute: SPEC section 5 for one period — peer-group statistics,
 * positions with references and gaps, Spearman relationships, areas for
 * improvement, strengths and learning partners — over plain arrays.  This
 * file holds the interface (bc_compute), the group instances and the
 * statistics and positions; the relationships are benchmark_corr.c, the
 * areas, strengths and partners benchmark_partners.c, and what the passes
 * share benchmark_compute_ctx.h.
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
 * Given in->threads, it runs its passes over statistics and positions and
 * over correlations on that many threads (bcx_run): the work is split into
 * contiguous runs in output order, each thread writes only its own rows
 * and scratch, and the runs meet in output order, so the result does not
 * depend on the thread count — tests/unit/test_benchmark_compute_threads.c
 * holds it to that, bit for bit.
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
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_compute_ctx.h"
#include "bl_hash.h"
#include "bl_vec.h"

/* ---- small helpers ---------------------------------------------------- */

void *bcx_alloc(size_t n, size_t size)
{
    if (n == 0) {
        n = 1;
    }
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    return calloc(n, size);
}

/* What a started thread runs: one job, its return kept for the join. */
typedef struct s_thread {
    int (*fn)(void *job);
    void *job;
    int rc;
} s_thread_t;

static void *s_thread_main(void *arg)
{
    s_thread_t *t = arg;
    t->rc = t->fn(t->job);
    return NULL;
}

int bcx_run(size_t n, int (*fn)(void *job), void *args, size_t job_size)
{
    pthread_t tid[BC_THREADS_MAX];
    s_thread_t th[BC_THREADS_MAX];
    bool started[BC_THREADS_MAX];
    if (n > BC_THREADS_MAX) {
        n = BC_THREADS_MAX;  /* callers never make more jobs than this */
    }
    for (size_t t = 1; t < n; t++) {
        th[t].fn = fn;
        th[t].job = (char *)args + t * job_size;
        th[t].rc = 0;
        started[t] = pthread_create(&tid[t], NULL, s_thread_main,
                                    &th[t]) == 0;
    }
    int rc = n > 0 ? fn(args) : 0;
    for (size_t t = 1; t < n; t++) {
        if (!started[t]) {
            th[t].rc = fn(th[t].job);
        } else {
            int jrc = pthread_join(tid[t], NULL);
            if (jrc != 0) {
                th[t].rc = -jrc;
            }
        }
        if (rc == 0) {
            rc = th[t].rc;
        }
    }
    return rc;
}

void bcx_split(const size_t *cum, size_t n, size_t parts, size_t *at)
{
    size_t total = cum[n];
    at[0] = 0;
    for (size_t t = 1; t < parts; t++) {
        /* the first item whose weight before it reaches t / parts */
        size_t target = (size_t)((double)total * (double)t / (double)parts);
        size_t lo = at[t - 1];
        size_t hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cum[mid] < target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        at[t] = lo;
    }
    at[parts] = n;
}

void bc_group_key(const bl_peer_group_t *g, const bc_provider_t *p,
                  char *buf, size_t size)
{
    bl_group_attrs_t a = {p->country, p->service_type, p->membership,
                          p->share_identity};
    bl_group_key(g, &a, buf, size);
}

long bc_find_provider(const bc_provider_t *ps, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ps[mid].id, id);
        if (c == 0) {
            return (long)mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

int bc_id_index_build(bc_id_index_t *x, const bc_provider_t *ps, size_t n)
{
    memset(x, 0, sizeof *x);
    size_t cap = 16;
    while (cap < 2 * n) {
        cap *= 2;
    }
    x->mask = cap - 1;
    x->slots = calloc(cap, sizeof *x->slots);
    /* ids are under 48 bytes (bc_provider_t) */
    x->pool = malloc((n ? n : 1) * sizeof ps->id);
    x->at = malloc((n ? n : 1) * sizeof *x->at);
    x->len = malloc((n ? n : 1) * sizeof *x->len);
    if (x->slots == NULL || x->pool == NULL || x->at == NULL ||
        x->len == NULL || n >= UINT32_MAX / sizeof ps->id) {
        bc_id_index_free(x);
        return BL_ENOMEM;
    }
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strnlen(ps[i].id, sizeof ps[i].id - 1);
        memcpy(x->pool + used, ps[i].id, len);
        x->pool[used + len] = '\0';
        x->at[i] = (uint32_t)used;
        x->len[i] = (uint8_t)len;
        size_t slot = (size_t)bl_hash_bytes(x->pool + used, len) & x->mask;
        used += len + 1;
        while (x->slots[slot] != 0) {
            slot = (slot + 1) & x->mask;
        }
        x->slots[slot] = (uint32_t)i + 1;
    }
    return 0;
}

long bc_id_index_find_n(const bc_id_index_t *x, const char *id, size_t len)
{
    if (x->slots == NULL) {
        return -1;
    }
    for (size_t at = (size_t)bl_hash_bytes(id, len) & x->mask;
         x->slots[at] != 0; at = (at + 1) & x->mask) {
        uint32_t i = x->slots[at] - 1;
        if (x->len[i] == len && memcmp(x->pool + x->at[i], id, len) == 0) {
            return (long)i;
        }
    }
    return -1;
}

void bc_id_index_free(bc_id_index_t *x)
{
    free(x->slots);
    free(x->pool);
    free(x->at);
    free(x->len);
    memset(x, 0, sizeof *x);
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
    return v < x && !bcx_equal(v, x);
}

static bool s_above(double v, double x)
{
    return v > x && !bcx_equal(v, x);
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
void bcx_sort_vl(bcx_vl_t *a, size_t n, bcx_vl_t *tmp)
{
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            bcx_vl_t e = a[i];
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
    bcx_vl_t *src = a;
    bcx_vl_t *dst = tmp;
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
        bcx_vl_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) {
        memcpy(a, src, n * sizeof *a);
    }
}

/* Percentile ranks of every value of sorted xs[0, m) (vl[j] is xs[j] with
 * its local index), into pr[local] as 2B + E: the rank is then
 * 50 * (2B + E) / m = 100 * (B + E/2) / m as bl_stats_percentile_rank
 * computes it, B the values strictly worse and E those equal (SPEC
 * tolerance).  One forward sweep moves the two
 * boundaries; each is checked against its predicate and found by binary
 * search in the (theoretical) case where rounding broke monotonicity, so
 * the counts are exactly those of the definition. */
static void s_percentile_ranks(const bcx_vl_t *vl, const double *xs,
                               size_t m, bool higher, uint32_t *pr)
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
        pr[vl[j].local] = (uint32_t)(2 * worse + equal);
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

/* ---- pass 1: group instances ------------------------------------------ */

/* Dense ranks of the providers' service types, so that later passes
 * compare integers. */
static int s_service_types(bcx_ctx_t *c)
{
    size_t np = c->n + c->in->n_foreign;
    s_keyed_t *kd = bcx_alloc(np, sizeof *kd);
    c->st_of = bcx_alloc(np, sizeof *c->st_of);
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
static int s_group_build(bcx_ctx_t *c, size_t gi)
{
    const bl_peer_group_t *g = &c->in->cfg->groups[gi];
    bcx_group_t *sg = &c->groups[gi];
    size_t n = c->n;
    char (*keys)[BC_KEY_MAX] = bcx_alloc(n, sizeof *keys);
    s_keyed_t *kd = bcx_alloc(n, sizeof *kd);
    sg->order = bcx_alloc(n, sizeof *sg->order);
    sg->inst_of = bcx_alloc(n, sizeof *sg->inst_of);
    sg->inst_start = bcx_alloc(n + 1, sizeof *sg->inst_start);
    sg->inst_key = bcx_alloc(n, sizeof *sg->inst_key);
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
    /* room for n keys was made; a group has far fewer instances */
    char (*fit)[BC_KEY_MAX] =
        realloc(sg->inst_key, (sg->n_inst ? sg->n_inst : 1) * BC_KEY_MAX);
    if (fit != NULL) {
        sg->inst_key = fit;
    }
    size_t cells = c->nk * (sg->n_inst ? sg->n_inst : 1);
    sg->stat_of = bcx_alloc(cells, sizeof *sg->stat_of);
    sg->count = bcx_alloc(cells, sizeof *sg->count);
    if (sg->stat_of == NULL || sg->count == NULL) {
        goto out;
    }
    for (size_t x = 0; x < cells; x++) {
        sg->stat_of[x] = BCX_NONE;
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = c->in->values + i * c->nk;
        size_t inst = sg->inst_of[i];
        for (size_t k = 0; k < c->nk; k++) {
            if (bcx_has(row[k])) {
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
static const bl_summary_t *s_ext_find(const bcx_ctx_t *c, size_t k, size_t g,
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
static int s_ext_prepare(bcx_ctx_t *c)
{
    const bc_input_t *in = c->in;
    c->np = c->n + in->n_foreign;
    s_person_t *ps = bcx_alloc(c->np, sizeof *ps);
    c->rank = bcx_alloc(c->np, sizeof *c->rank);
    c->person_of = bcx_alloc(c->np, sizeof *c->person_of);
    c->ext_sorted = bcx_alloc(in->n_ext_instances, sizeof *c->ext_sorted);
    c->xpos_start = bcx_alloc(c->n * c->nk + 1, sizeof *c->xpos_start);
    c->xpos = bcx_alloc(in->n_ext_positions, sizeof *c->xpos);
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
    size_t *fill = bcx_alloc(c->n * c->nk, sizeof *fill);
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
static void s_ext_flags(bcx_ctx_t *c)
{
    for (size_t x = 0; x < c->in->n_ext_positions; x++) {
        const bc_ext_position_t *p = &c->in->ext_positions[x];
        if (p->provider >= c->n || p->instance >= c->in->n_ext_instances) {
            continue;
        }
        size_t k = (size_t)c->in->ext_instances[p->instance].indicator;
        uint8_t *f = &c->flags[p->provider * c->nk + k];
        if (p->band == 1) {
            *f |= BCX_F_BAND1;
        }
        if (p->band == 4) {
            *f |= BCX_F_BAND4;
        }
        if (p->has_reference && p->gap > 0.0
            && !bcx_equal(p->value, p->reference)) {
            *f |= BCX_F_GAP;
        }
        if (p->has_z) {
            double nz = bcx_no_negative_zero(-p->z);
            double *cur = &c->negz[p->provider * c->nk + k];
            if (isnan(*cur) || nz > *cur) {
                *cur = nz;
            }
        }
    }
}

/* ---- pass 2: statistics and positions --------------------------------- */

/* The reference of provider i on indicator k, when there is one. */
static bool s_reference(const bcx_ctx_t *c, const bc_output_t *out, size_t k,
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
            const bcx_group_t *rg = &c->groups[ref_group];
            size_t st = rg->stat_of[k * rg->n_inst + rg->inst_of[i]];
            if (st == BCX_NONE) {
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

/* Scratch of one thread of pass 2: prs for ng * n ranks (the doubled
 * ranks, bc_pos_t rank2, of the members of the indicator's stat s, in
 * member order, start at prs[prs_at[s - first]]), xs, vl and vl_tmp for n
 * entries each. */
typedef struct s_scratch {
    uint32_t *prs;
    size_t *prs_at;
    double *xs;
    bcx_vl_t *vl;
    bcx_vl_t *vl_tmp;
} s_scratch_t;

/* Statistics and positions of indicator k over every group, in export
 * order (groups by id, instances by key, providers by index), written at
 * out->stats[stat_at...] and out->positions[pos_at...]: where the
 * indicators before it in id order end, so that indicators computed on
 * different threads land where one thread would have put them.  Everything
 * else it writes is indicator k's own (its kvalues and refs row, its
 * stat_of cells, flags and negz of (i, k)). */
static void s_indicator(bcx_ctx_t *c, bc_output_t *out, size_t k,
                        size_t stat_at, size_t pos_at, s_scratch_t *sc)
{
    const bl_indicator_t *ind = &c->cat->indicators[k];
    bool higher = ind->direction == BL_DIR_HIGHER;
    size_t first = stat_at;
    size_t next_stat = stat_at;
    size_t used = 0;
    uint32_t *prs = sc->prs;
    size_t *prs_at = sc->prs_at;
    double *xs = sc->xs;
    bcx_vl_t *vl = sc->vl;

    for (size_t go = 0; go < c->ng; go++) {
        size_t gi = c->grp_order[go];
        bcx_group_t *sg = &c->groups[gi];
        for (size_t inst = 0; inst < sg->n_inst; inst++) {
            size_t cnt = sg->count[k * sg->n_inst + inst];
            if (cnt < c->min_peers) {
                continue;
            }
            size_t m = 0;
            for (size_t j = sg->inst_start[inst];
                 j < sg->inst_start[inst + 1]; j++) {
                double v = out->kvalues[k * c->n + sg->order[j]];
                if (bcx_has(v)) {
                    vl[m].v = v;
                    vl[m].local = m;
                    m++;
                }
            }
            bcx_sort_vl(vl, m, sc->vl_tmp);
            for (size_t x = 0; x < m; x++) {
                xs[x] = vl[x].v;
            }
            bc_stat_t *st = &out->stats[next_stat];
            memset(st, 0, sizeof *st);
            st->indicator = (int)k;
            st->group = (int)gi;
            memcpy(st->group_key, sg->inst_key[inst], BC_KEY_MAX);
            bl_stats_summarise(xs, m, &st->s);
            st->best_in_class = bl_stats_best_in_class(&st->s, higher);
            s_percentile_ranks(vl, xs, m, higher, prs + used);
            prs_at[next_stat - first] = used;
            sg->stat_of[k * sg->n_inst + inst] = next_stat;
            next_stat++;
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
        const bcx_group_t *sg = &c->groups[gi];
        for (size_t inst = 0; inst < sg->n_inst; inst++) {
            size_t st = sg->stat_of[k * sg->n_inst + inst];
            if (st == BCX_NONE) {
                continue;
            }
            const uint32_t *pr = prs + prs_at[st - first];
            size_t q = 0;  /* members with a value so far */
            for (size_t j = sg->inst_start[inst];
                 j < sg->inst_start[inst + 1]; j++) {
                size_t i = sg->order[j];
                if (!bcx_has(out->kvalues[k * c->n + i])) {
                    continue;
                }
                size_t x = pos_at++;
                bc_pos_t *cp = &out->positions[x];
                cp->provider = (uint32_t)i;
                cp->stat = (uint32_t)st;
                cp->rank2 = (uint32_t)pr[q++];
                double *refp = &out->refs[k * c->n + i];
                double ref = 0.0;
                if (isnan(*refp)
                    && s_reference(c, out, k, ref_group, ext_group, i,
                                   &ref)) {
                    *refp = bcx_no_negative_zero(ref);
                }
                bc_position_t p;
                bc_position(c->in, out, x, &p);
                uint8_t *f = &c->flags[i * c->nk + k];
                if (p.band == 1) {
                    *f |= BCX_F_BAND1;
                }
                if (p.band == 4) {
                    *f |= BCX_F_BAND4;
                }
                if (p.has_reference && p.gap > 0.0
                    && !bcx_equal(p.value, p.reference)) {
                    *f |= BCX_F_GAP;
                }
                if (p.has_z) {
                    double nz = bcx_no_negative_zero(-p.z);
                    double *cur = &c->negz[i * c->nk + k];
                    if (isnan(*cur) || nz > *cur) {
                        *cur = nz;
                    }
                }
            }
        }
    }
}

void bc_position(const bc_input_t *in, const bc_output_t *out, size_t x,
                 bc_position_t *p)
{
    const bc_pos_t *cp = &out->positions[x];
    const bc_stat_t *st = &out->stats[cp->stat];
    const bl_catalogue_t *cat = in->cfg->catalogue;
    bool higher = cat->indicators[st->indicator].direction == BL_DIR_HIGHER;
    size_t cell = (size_t)st->indicator * in->n_providers
                  + (size_t)cp->provider;
    double v = out->kvalues[cell];
    memset(p, 0, sizeof *p);
    p->indicator = (int16_t)st->indicator;
    p->group = (uint8_t)st->group;
    p->stat = cp->stat;
    p->provider = cp->provider;
    p->value = v;
    p->percentile_rank = 50.0 * (double)cp->rank2 / (double)st->s.n;
    p->band = (int8_t)bl_stats_band(&st->s, v, higher);
    p->has_z = bl_stats_z(&st->s, v, higher, &p->z);
    double ref = out->refs[cell];
    if (!isnan(ref)) {
        p->has_reference = true;
        p->reference = ref;
        p->gap = bcx_no_negative_zero(higher ? ref - v : v - ref);
    }
}

/* ---- the whole ---------------------------------------------------------- */

static void s_ctx_free(bcx_ctx_t *c)
{
    if (c->groups != NULL) {
        for (size_t g = 0; g < c->ng; g++) {
            bcx_group_t *sg = &c->groups[g];
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

/* One thread's share of pass 2: the indicators ind_order[ko_lo, ko_hi). */
typedef struct s_ind_job {
    bcx_ctx_t *c;
    bc_output_t *out;
    const size_t *stat_at;   /* [ko]: where indicator ind_order[ko] starts */
    const size_t *pos_at;
    size_t ko_lo, ko_hi;
} s_ind_job_t;

static int s_ind_job(void *arg)
{
    s_ind_job_t *j = arg;
    bcx_ctx_t *c = j->c;
    bc_output_t *out = j->out;
    s_scratch_t sc;
    sc.prs = bcx_alloc(c->ng * c->n, sizeof *sc.prs);
    sc.prs_at = bcx_alloc(c->ng * c->n, sizeof *sc.prs_at);
    sc.xs = bcx_alloc(c->n, sizeof *sc.xs);
    sc.vl = bcx_alloc(c->n, sizeof *sc.vl);
    sc.vl_tmp = bcx_alloc(c->n, sizeof *sc.vl_tmp);
    int rc = BL_ENOMEM;
    if (sc.prs != NULL && sc.prs_at != NULL && sc.xs != NULL
        && sc.vl != NULL && sc.vl_tmp != NULL) {
        rc = 0;
        for (size_t ko = j->ko_lo; ko < j->ko_hi; ko++) {
            size_t k = c->ind_order[ko];
            /* indicator k's rows, read by no other indicator */
            double *kv = out->kvalues + k * c->n;
            double *refs = out->refs + k * c->n;
            for (size_t i = 0; i < c->n; i++) {
                double v = c->in->values[i * c->nk + k];
                kv[i] = bcx_has(v) ? bcx_no_negative_zero(v) : NAN;
                refs[i] = NAN;
            }
            s_indicator(c, out, k, j->stat_at[ko], j->pos_at[ko], &sc);
        }
    }
    free(sc.prs);
    free(sc.prs_at);
    free(sc.xs);
    free(sc.vl);
    free(sc.vl_tmp);
    return rc;
}

/* Positions and statistics of every indicator.  The instances' value
 * counts say beforehand how many statistics and positions each indicator
 * makes, hence where each one's go: the indicators are split into
 * c->threads contiguous runs (in id order) of about equal positions, one
 * per thread, each writing its own parts of the output. */
static int s_stats_and_positions(bcx_ctx_t *c, bc_output_t *out)
{
    size_t nk = c->nk;
    size_t *stat_at = bcx_alloc(nk + 1, sizeof *stat_at);
    size_t *pos_at = bcx_alloc(nk + 1, sizeof *pos_at);
    size_t *work = bcx_alloc(nk + 1, sizeof *work);
    int rc = BL_ENOMEM;
    if (stat_at == NULL || pos_at == NULL || work == NULL) {
        goto done;
    }
    for (size_t ko = 0; ko < nk; ko++) {
        size_t k = c->ind_order[ko];
        size_t n_stats = 0;
        size_t n_pos = 0;
        for (size_t gi = 0; gi < c->ng; gi++) {
            const bcx_group_t *sg = &c->groups[gi];
            for (size_t inst = 0; inst < sg->n_inst; inst++) {
                size_t cnt = sg->count[k * sg->n_inst + inst];
                if (cnt >= c->min_peers) {
                    n_stats++;
                    n_pos += cnt;
                }
            }
        }
        stat_at[ko + 1] = stat_at[ko] + n_stats;
        pos_at[ko + 1] = pos_at[ko] + n_pos;
        /* every provider's value is read, sorted values summarised */
        work[ko + 1] = work[ko] + c->n + n_pos + 1;
    }
    if (pos_at[nk] > UINT32_MAX || stat_at[nk] > UINT32_MAX) {
        goto done;  /* indexes would not fit a position */
    }
    out->stats = bcx_alloc(stat_at[nk], sizeof *out->stats);
    out->positions = bcx_alloc(pos_at[nk], sizeof *out->positions);
    out->refs = bcx_alloc(c->n * nk, sizeof *out->refs);
    out->kvalues = bcx_alloc(c->n * nk, sizeof *out->kvalues);
    if (out->stats == NULL || out->positions == NULL || out->refs == NULL
        || out->kvalues == NULL) {
        goto done;
    }
    out->n_stats = stat_at[nk];
    out->n_positions = pos_at[nk];
    size_t parts = c->threads < nk ? c->threads : (nk ? nk : 1);
    size_t at[BC_THREADS_MAX + 1];
    bcx_split(work, nk, parts, at);
    s_ind_job_t jobs[BC_THREADS_MAX];
    for (size_t t = 0; t < parts; t++) {
        jobs[t] = (s_ind_job_t){c, out, stat_at, pos_at, at[t], at[t + 1]};
    }
    rc = bcx_run(parts, s_ind_job, jobs, sizeof *jobs);
done:
    free(stat_at);
    free(pos_at);
    free(work);
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
    bcx_ctx_t c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.cat = in->cfg->catalogue;
    c.n = in->n_providers;
    c.nk = c.cat->n_indicators;
    c.ng = in->cfg->n_groups;
    c.min_peers = in->cfg->min_peers > 1 ? (size_t)in->cfg->min_peers : 1;
    c.threads = in->threads < 1               ? 1
                : in->threads > BC_THREADS_MAX ? BC_THREADS_MAX
                                               : (size_t)in->threads;
    if (c.nk > INT16_MAX || c.ng > UINT8_MAX || c.n > UINT32_MAX / 2) {
        return bl_err_set(err, BL_EINVAL, "bc_compute: too many indicators, "
                                          "groups or providers");
    }

    int rc = BL_ENOMEM;
    c.ind_order = bcx_alloc(c.nk, sizeof *c.ind_order);
    c.grp_order = bcx_alloc(c.ng, sizeof *c.grp_order);
    c.groups = bcx_alloc(c.ng, sizeof *c.groups);
    c.flags = bcx_alloc(c.n * c.nk, sizeof *c.flags);
    c.negz = bcx_alloc(c.n * c.nk, sizeof *c.negz);
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
    rc = bcx_correlations(&c, out);
    if (rc != 0) {
        goto fail;
    }
    rc = bcx_band4_lists(&c, out);
    if (rc != 0) {
        goto fail;
    }
    rc = bcx_provider_results(&c, out);
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
    free(out->refs);
    free(out->kvalues);
    free(out->corrs);
    free(out->providers);  /* one block with every area and strength */
    memset(out, 0, sizeof *out);
}
