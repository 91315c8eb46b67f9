/*
 * bl_results_codec: provider results and the coordinator's summary (see
 * bl_results_codec.h).
 */
#include "bl_results_codec.h"

#include <stdlib.h>
#include <string.h>

#include "bl_codec.h"

/* ---- encoding ----------------------------------------------------------- */

static void s_opt_str(bl_mpw_t *w, const char *s)
{
    bl_mpw_str(w, s[0] ? s : NULL);
}

/* An instance's n and its ten statistics (mean, sd, min, p10 .. p90,
 * max, best in class), as a position's entry and a stats item hold them. */
#define S_STAT_VALUES 10

static void s_write_stat_values(bl_mpw_t *w, uint64_t n,
                                const double f[S_STAT_VALUES])
{
    bl_mpw_uint(w, n);
    for (int i = 0; i < S_STAT_VALUES; i++) {
        bl_mpw_double(w, f[i]);
    }
}

static bool s_read_stat_values(bl_mpr_t *r, uint64_t *n,
                               double *const f[S_STAT_VALUES])
{
    if (bl_mpr_uint(r, n) != 0) {
        return false;
    }
    for (int i = 0; i < S_STAT_VALUES; i++) {
        if (bl_mpr_double(r, f[i]) != 0) {
            return false;
        }
    }
    return true;
}

/* A position's statistics as earlier writers put them in its entry. */
static void s_encode_inline_stats(bl_mpw_t *w, const bl_results_group_t *g)
{
    const double f[] = {g->mean, g->sd,  g->min, g->p10,
                        g->p25,  g->p50, g->p75, g->p90,
                        g->max,  g->best_in_class};
    bl_mpw_array(w, 11);
    s_write_stat_values(w, g->n, f);
}

/* A provider's distinct group entries (id and key), in the order first
 * met: an entry names its pair by index (the same few pairs repeat in
 * every indicator).  Pairs past BL_RESULTS_GROUPS_MAX are written out. */
typedef struct s_gdict {
    const char *id[BL_RESULTS_GROUPS_MAX];
    const char *key[BL_RESULTS_GROUPS_MAX];
    size_t n;
} s_gdict_t;

static size_t s_gdict_find(const s_gdict_t *d, const char *id,
                           const char *key)
{
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(d->key[i], key) == 0 && strcmp(d->id[i], id) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

static void s_gdict_build(s_gdict_t *d, const bl_results_provider_t *p)
{
    d->n = 0;
    for (size_t k = 0; k < p->n_indicators; k++) {
        const bl_results_indicator_t *ind = &p->indicators[k];
        for (size_t g = 0; g < ind->n_groups; g++) {
            const bl_results_group_t *e = &ind->groups[g];
            if (d->n < BL_RESULTS_GROUPS_MAX &&
                s_gdict_find(d, e->id, e->key) == SIZE_MAX) {
                d->id[d->n] = e->id;
                d->key[d->n] = e->key;
                d->n++;
            }
        }
    }
}

static void s_encode_group(bl_mpw_t *w, const bl_results_group_t *g,
                           const s_gdict_t *d)
{
    bl_mpw_array(w, 9);
    size_t at = s_gdict_find(d, g->id, g->key);
    if (at != SIZE_MAX) {
        bl_mpw_uint(w, at);
        bl_mpw_nil(w);
    } else {
        bl_mpw_str(w, g->id);
        bl_mpw_str(w, g->key);
    }
    if (g->too_few_peers) {
        if (g->has_n) {
            bl_mpw_uint(w, g->n);
        } else {
            bl_mpw_nil(w);
        }
        for (int i = 0; i < 6; i++) {
            bl_mpw_nil(w);
        }
        return;
    }
    if (g->has_stats) {
        s_encode_inline_stats(w, g);
    } else {
        bl_mpw_array(w, 0);  /* in a stats item */
    }
    bl_mpw_double(w, g->percentile_rank);
    bl_mpw_int(w, g->band);
    bl_mpw_opt_double(w, g->has_z, g->z);
    bl_mpw_opt_double(w, g->has_reference, g->reference);
    bl_mpw_opt_double(w, g->has_reference, g->gap);
    bl_mpw_opt_double(w, g->has_previous_rank, g->previous_rank);
}

static void s_encode_side(bl_mpw_t *w, const bl_results_side_t *s)
{
    bl_mpw_opt_double(w, s->has_value, s->value);
    bl_mpw_opt_double(w, s->has_rank, s->rank);
    if (s->band >= 1 && s->band <= 4) {
        bl_mpw_int(w, s->band);
    } else {
        bl_mpw_nil(w);
    }
}

void bl_results_group_set_stats(bl_results_group_t *g,
                                const bl_results_stats_t *s)
{
    g->has_stats = true;
    g->has_n = true;
    g->n = s->n;
    g->mean = s->mean;
    g->sd = s->sd;
    g->min = s->min;
    g->p10 = s->p10;
    g->p25 = s->p25;
    g->p50 = s->p50;
    g->p75 = s->p75;
    g->p90 = s->p90;
    g->max = s->max;
    g->best_in_class = s->best_in_class;
}

int bl_results_stats_encode(bl_mpw_t *w, const bl_results_stats_t *s)
{
    const double f[] = {s->mean, s->sd,  s->min, s->p10,
                        s->p25,  s->p50, s->p75, s->p90,
                        s->max,  s->best_in_class};
    bl_mpw_array(w, 14);
    bl_mpw_str(w, s->indicator);
    bl_mpw_str(w, s->group);
    bl_mpw_str(w, s->key);
    s_write_stat_values(w, s->n, f);
    return w->err;
}

int bl_results_provider_encode(bl_mpw_t *w, const bl_results_provider_t *p)
{
    s_gdict_t dict;
    s_gdict_build(&dict, p);
    bl_mpw_map(w, 14);
    bl_mpw_str(w, "id");
    bl_mpw_str(w, p->id);
    bl_mpw_str(w, "name");
    bl_mpw_str(w, p->name);
    bl_mpw_str(w, "country");
    bl_mpw_str(w, p->country);
    bl_mpw_str(w, "service_type");
    bl_mpw_str(w, p->service_type);
    bl_mpw_str(w, "share");
    bl_mpw_bool(w, p->share_identity);
    bl_mpw_str(w, "has_prev");
    bl_mpw_bool(w, p->has_previous_period);
    bl_mpw_str(w, "intl_pending");
    bl_mpw_bool(w, p->international_pending);
    bl_mpw_str(w, "groups");
    bl_mpw_array(w, (uint32_t)dict.n);
    for (size_t i = 0; i < dict.n; i++) {
        bl_mpw_array(w, 2);
        bl_mpw_str(w, dict.id[i]);
        bl_mpw_str(w, dict.key[i]);
    }
    bl_mpw_str(w, "ind");
    bl_mpw_array(w, (uint32_t)p->n_indicators);
    for (size_t k = 0; k < p->n_indicators; k++) {
        const bl_results_indicator_t *ind = &p->indicators[k];
        bl_mpw_array(w, 7);
        bl_mpw_int(w, ind->status);
        bl_mpw_opt_double(w, ind->has_value, ind->value);
        bl_mpw_opt_double(w, ind->has_n, ind->n);
        bl_mpw_opt_double(w, ind->has_numerator, ind->numerator);
        bl_mpw_opt_double(w, ind->has_denominator, ind->denominator);
        bl_mpw_opt_double(w, ind->has_previous, ind->previous);
        bl_mpw_array(w, (uint32_t)ind->n_groups);
        for (size_t g = 0; g < ind->n_groups; g++) {
            s_encode_group(w, &ind->groups[g], &dict);
        }
    }
    bl_mpw_str(w, "areas");
    bl_mpw_array(w, (uint32_t)p->n_areas);
    for (size_t a = 0; a < p->n_areas; a++) {
        const bl_results_area_t *ar = &p->areas[a];
        bl_mpw_array(w, 2);
        bl_mpw_str(w, ar->indicator);
        bl_mpw_array(w, (uint32_t)ar->n_partners);
        for (size_t j = 0; j < ar->n_partners; j++) {
            const bl_results_partner_t *pt = &ar->partners[j];
            bl_mpw_array(w, 5);
            bl_mpw_bool(w, pt->named);
            s_opt_str(w, pt->id);
            s_opt_str(w, pt->name);
            bl_mpw_str(w, pt->service_type);
            bl_mpw_str(w, pt->country);
        }
    }
    bl_mpw_str(w, "strengths");
    bl_mpw_array(w, (uint32_t)p->n_strengths);
    for (size_t s = 0; s < p->n_strengths; s++) {
        bl_mpw_str(w, p->strengths[s]);
    }
    bl_mpw_str(w, "units");
    bl_mpw_array(w, (uint32_t)p->n_units);
    for (size_t u = 0; u < p->n_units; u++) {
        const bl_results_unit_t *un = &p->units[u];
        bl_mpw_array(w, 5);
        bl_mpw_str(w, un->unit);
        bl_mpw_str(w, un->indicator);
        bl_mpw_int(w, un->status);
        bl_mpw_opt_double(w, un->has_value, un->value);
        bl_mpw_opt_double(w, un->has_n, un->n);
    }
    bl_mpw_str(w, "followup");
    bl_mpw_array(w, (uint32_t)p->n_followups);
    for (size_t f = 0; f < p->n_followups; f++) {
        const bl_results_followup_t *fu = &p->followups[f];
        bl_mpw_array(w, 10);
        bl_mpw_str(w, fu->action_id);
        bl_mpw_str(w, fu->indicator);
        bl_mpw_str(w, fu->status);
        bl_mpw_str(w, fu->due);
        s_encode_side(w, &fu->before);
        s_encode_side(w, &fu->after);
    }
    bl_mpw_str(w, "practices");
    bl_mpw_array(w, (uint32_t)p->n_practices);
    for (size_t x = 0; x < p->n_practices; x++) {
        const bl_results_practice_t *pr = &p->practices[x];
        bl_mpw_array(w, 10);
        bl_mpw_str(w, pr->indicator);
        bl_mpw_int(w, pr->period);
        bl_mpw_bool(w, pr->named);
        s_opt_str(w, pr->named ? pr->id : "");
        s_opt_str(w, pr->named ? pr->name : "");
        bl_mpw_str(w, pr->service_type);
        bl_mpw_str(w, pr->country);
        bl_mpw_str(w, pr->title);
        bl_mpw_str(w, pr->description);
        s_opt_str(w, pr->named ? pr->contact : "");
    }
    return w->err;
}

int bl_results_summary_encode(bl_mpw_t *w, const bl_results_summary_t *s)
{
    bl_mpw_map(w, 6);
    bl_mpw_str(w, "participants");
    bl_mpw_array(w, (uint32_t)s->n_participants);
    for (size_t i = 0; i < s->n_participants; i++) {
        const bl_results_participant_t *p = &s->participants[i];
        bl_mpw_array(w, 7);
        bl_mpw_str(w, p->id);
        bl_mpw_str(w, p->name);
        bl_mpw_str(w, p->country);
        bl_mpw_str(w, p->membership);
        bl_mpw_uint(w, p->sent);
        bl_mpw_uint(w, p->expected);
        bl_mpw_str(w, p->member_since);
    }
    bl_mpw_str(w, "bands");
    bl_mpw_array(w, (uint32_t)s->n_bands);
    for (size_t i = 0; i < s->n_bands; i++) {
        const bl_results_bands_t *b = &s->bands[i];
        bl_mpw_array(w, 6);
        bl_mpw_str(w, b->indicator);
        bl_mpw_str(w, b->group);
        for (int j = 0; j < 4; j++) {
            bl_mpw_uint(w, b->bands[j]);
        }
    }
    bl_mpw_str(w, "areas");
    bl_mpw_array(w, (uint32_t)s->n_areas);
    for (size_t i = 0; i < s->n_areas; i++) {
        bl_mpw_array(w, 2);
        bl_mpw_str(w, s->areas[i].indicator);
        bl_mpw_uint(w, s->areas[i].providers);
    }
    bl_mpw_str(w, "corrs");
    bl_mpw_array(w, (uint32_t)s->n_corrs);
    for (size_t i = 0; i < s->n_corrs; i++) {
        const bl_results_corr_t *c = &s->corrs[i];
        bl_mpw_array(w, 6);
        bl_mpw_str(w, c->group);
        bl_mpw_str(w, c->key);
        bl_mpw_str(w, c->a);
        bl_mpw_str(w, c->b);
        bl_mpw_uint(w, c->n);
        bl_mpw_double(w, c->rho);
    }
    bl_mpw_str(w, "done");
    bl_mpw_array(w, (uint32_t)s->n_done);
    for (size_t i = 0; i < s->n_done; i++) {
        bl_mpw_array(w, 3);
        bl_mpw_str(w, s->done[i].indicator);
        bl_mpw_uint(w, s->done[i].actions);
        bl_mpw_uint(w, s->done[i].done);
    }
    bl_mpw_str(w, "needs");
    bl_mpw_array(w, (uint32_t)s->n_needs);
    for (size_t i = 0; i < s->n_needs; i++) {
        const bl_results_need_t *n = &s->needs[i];
        bl_mpw_array(w, 7);
        bl_mpw_str(w, n->indicator);
        bl_mpw_str(w, n->principle);
        bl_mpw_str(w, n->country);
        bl_mpw_uint(w, n->in_need);
        bl_mpw_uint(w, n->band4);
        bl_mpw_str(w, n->hosts != NULL && n->hosts[0] ? n->hosts : NULL);
        s_opt_str(w, n->event);
    }
    return w->err;
}

/* ---- decoding ----------------------------------------------------------- */

/* Fails the decode naming the field. */
#define S_FAIL(what)                                                          \
    do {                                                                      \
        field = (what);                                                       \
        goto fail;                                                            \
    } while (0)

/* An array header of exactly n elements. */
static bool s_tuple(bl_mpr_t *r, uint32_t n)
{
    uint32_t m;
    return bl_mpr_array(r, &m) == 0 && m == n;
}

/* An array header of at most max elements. */
static bool s_list(bl_mpr_t *r, uint32_t max, uint32_t *n)
{
    return bl_mpr_array(r, n) == 0 && *n <= max;
}

/* A string or nil (""). */
static bool s_opt_copy(bl_mpr_t *r, char *buf, size_t size)
{
    if (bl_mpr_nil(r)) {
        buf[0] = '\0';
        return true;
    }
    return bl_mpr_str_copy(r, buf, size) == 0;
}

static bool s_small_int(bl_mpr_t *r, int lo, int hi, int *out)
{
    int64_t v;
    if (bl_mpr_int(r, &v) != 0 || v < lo || v > hi) {
        return false;
    }
    *out = (int)v;
    return true;
}

static void *s_calloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

/* The array of a list field: refuses a field read twice (seen), a list
 * over max elements or one whose elements, at min_bytes each at least,
 * cannot fit in what is left of the input; then allocates its *m
 * elements of size bytes.  NULL with *rc BL_EPROTO or BL_ENOMEM. */
static void *s_list_new(bl_mpr_t *r, bool seen, uint32_t max,
                        size_t min_bytes, size_t size, uint32_t *m, int *rc)
{
    *rc = BL_EPROTO;
    if (seen || !s_list(r, max, m) ||
        (size_t)*m * min_bytes > (size_t)(r->end - r->p)) {
        return NULL;
    }
    void *a = s_calloc(*m, size);
    *rc = a != NULL ? 0 : BL_ENOMEM;
    return a;
}

/* The 11 statistics after their array header, as earlier writers put
 * them in a position's entry. */
static bool s_decode_inline_stats(bl_mpr_t *r, bl_results_group_t *g)
{
    double *const f[] = {&g->mean, &g->sd,  &g->min, &g->p10,
                         &g->p25,  &g->p50, &g->p75, &g->p90,
                         &g->max,  &g->best_in_class};
    g->has_n = g->has_stats = s_read_stat_values(r, &g->n, f);
    return g->has_stats;
}

/* The pairs a provider's "groups" lists, pointing into the input. */
typedef struct s_gpairs {
    const char *id[BL_RESULTS_GROUPS_MAX], *key[BL_RESULTS_GROUPS_MAX];
    uint32_t id_len[BL_RESULTS_GROUPS_MAX], key_len[BL_RESULTS_GROUPS_MAX];
    uint32_t n;
} s_gpairs_t;

static bool s_decode_gpairs(bl_mpr_t *r, s_gpairs_t *d)
{
    if (!s_list(r, BL_RESULTS_GROUPS_MAX, &d->n)) {
        return false;
    }
    for (uint32_t i = 0; i < d->n; i++) {
        if (!s_tuple(r, 2) || bl_mpr_str(r, &d->id[i], &d->id_len[i]) ||
            d->id_len[i] >= BL_RESULTS_ID_MAX ||
            bl_mpr_str(r, &d->key[i], &d->key_len[i]) ||
            d->key_len[i] >= BL_RESULTS_KEY_MAX) {
            return false;
        }
    }
    return true;
}

/* A group entry's id and key: an index into d (then nil), or the two
 * strings. */
static bool s_decode_group_name(bl_mpr_t *r, bl_results_group_t *g,
                                const s_gpairs_t *d)
{
    uint64_t at;
    bl_mpr_t look = *r;
    if (bl_mpr_uint(&look, &at) != 0) {
        return !bl_mpr_str_copy(r, g->id, sizeof g->id) &&
               !bl_mpr_str_copy(r, g->key, sizeof g->key);
    }
    *r = look;
    if (at >= d->n || !bl_mpr_nil(r)) {
        return false;
    }
    memcpy(g->id, d->id[at], d->id_len[at]);
    g->id[d->id_len[at]] = '\0';
    memcpy(g->key, d->key[at], d->key_len[at]);
    g->key[d->key_len[at]] = '\0';
    return true;
}

static bool s_decode_group(bl_mpr_t *r, bl_results_group_t *g,
                           const s_gpairs_t *d)
{
    if (!s_tuple(r, 9) || !s_decode_group_name(r, g, d)) {
        return false;
    }
    bl_mpr_t look = *r;
    if (bl_mpr_nil(r) || bl_mpr_uint(&look, &g->n) == 0) {
        g->too_few_peers = true;
        if (look.p > r->p) {  /* a count, not nil */
            *r = look;
            g->has_n = true;
        }
        for (int i = 0; i < 6; i++) {
            if (!bl_mpr_nil(r)) {
                return false;
            }
        }
        return true;
    }
    uint32_t ns;
    if (bl_mpr_array(r, &ns) != 0 || (ns != 0 && ns != 11) ||
        (ns == 11 && !s_decode_inline_stats(r, g))) {
        return false;
    }
    bool has_gap;
    return bl_mpr_double(r, &g->percentile_rank) == 0 &&
           s_small_int(r, 1, 4, &g->band) &&
           bl_mpr_opt_double(r, &g->has_z, &g->z) == 0 &&
           bl_mpr_opt_double(r, &g->has_reference, &g->reference) == 0 &&
           bl_mpr_opt_double(r, &has_gap, &g->gap) == 0 &&
           has_gap == g->has_reference &&
           bl_mpr_opt_double(r, &g->has_previous_rank, &g->previous_rank) ==
               0;
}

/* Returns 0, BL_EPROTO or BL_ENOMEM. */
static int s_decode_indicator(bl_mpr_t *r, bl_results_indicator_t *ind,
                              const s_gpairs_t *d)
{
    uint32_t ng;
    if (!s_tuple(r, 7) || !s_small_int(r, 0, 2, &ind->status) ||
        bl_mpr_opt_double(r, &ind->has_value, &ind->value) ||
        bl_mpr_opt_double(r, &ind->has_n, &ind->n) ||
        bl_mpr_opt_double(r, &ind->has_numerator, &ind->numerator) ||
        bl_mpr_opt_double(r, &ind->has_denominator, &ind->denominator) ||
        bl_mpr_opt_double(r, &ind->has_previous, &ind->previous) ||
        !s_list(r, BL_RESULTS_GROUPS_MAX, &ng)) {
        return BL_EPROTO;
    }
    ind->groups = s_calloc(ng, sizeof *ind->groups);
    if (ind->groups == NULL) {
        return BL_ENOMEM;
    }
    for (uint32_t g = 0; g < ng; g++) {
        ind->n_groups = g + 1;
        if (!s_decode_group(r, &ind->groups[g], d)) {
            return BL_EPROTO;
        }
    }
    return 0;
}

static bool s_decode_area(bl_mpr_t *r, bl_results_area_t *a)
{
    uint32_t np;
    if (!s_tuple(r, 2) ||
        bl_mpr_str_copy(r, a->indicator, sizeof a->indicator) ||
        !s_list(r, BL_RESULTS_PARTNERS_MAX, &np)) {
        return false;
    }
    for (uint32_t j = 0; j < np; j++) {
        bl_results_partner_t *pt = &a->partners[j];
        if (!s_tuple(r, 5) || bl_mpr_bool(r, &pt->named) ||
            !s_opt_copy(r, pt->id, sizeof pt->id) ||
            !s_opt_copy(r, pt->name, sizeof pt->name) ||
            bl_mpr_str_copy(r, pt->service_type, sizeof pt->service_type) ||
            bl_mpr_str_copy(r, pt->country, sizeof pt->country)) {
            return false;
        }
        a->n_partners = j + 1;
    }
    return true;
}

static bool s_decode_unit(bl_mpr_t *r, bl_results_unit_t *u)
{
    return s_tuple(r, 5) && bl_mpr_str_copy(r, u->unit, sizeof u->unit) == 0 &&
           bl_mpr_str_copy(r, u->indicator, sizeof u->indicator) == 0 &&
           s_small_int(r, 0, 2, &u->status) &&
           bl_mpr_opt_double(r, &u->has_value, &u->value) == 0 &&
           bl_mpr_opt_double(r, &u->has_n, &u->n) == 0;
}

static bool s_decode_side(bl_mpr_t *r, bl_results_side_t *s)
{
    s->band = 0;
    return bl_mpr_opt_double(r, &s->has_value, &s->value) == 0 &&
           bl_mpr_opt_double(r, &s->has_rank, &s->rank) == 0 &&
           (bl_mpr_nil(r) || s_small_int(r, 1, 4, &s->band));
}

static bool s_decode_followup(bl_mpr_t *r, bl_results_followup_t *f)
{
    return s_tuple(r, 10) &&
           bl_mpr_str_copy(r, f->action_id, sizeof f->action_id) == 0 &&
           bl_mpr_str_copy(r, f->indicator, sizeof f->indicator) == 0 &&
           bl_mpr_str_copy(r, f->status, sizeof f->status) == 0 &&
           bl_mpr_str_copy(r, f->due, sizeof f->due) == 0 &&
           s_decode_side(r, &f->before) && s_decode_side(r, &f->after);
}

static bool s_decode_practice(bl_mpr_t *r, bl_results_practice_t *p)
{
    return s_tuple(r, 10) &&
           bl_mpr_str_copy(r, p->indicator, sizeof p->indicator) == 0 &&
           bl_mpr_int(r, &p->period) == 0 && bl_mpr_bool(r, &p->named) == 0 &&
           s_opt_copy(r, p->id, sizeof p->id) &&
           s_opt_copy(r, p->name, sizeof p->name) &&
           bl_mpr_str_copy(r, p->service_type, sizeof p->service_type) == 0 &&
           bl_mpr_str_copy(r, p->country, sizeof p->country) == 0 &&
           bl_mpr_str_copy(r, p->title, sizeof p->title) == 0 &&
           bl_mpr_str_copy(r, p->description, sizeof p->description) == 0 &&
           s_opt_copy(r, p->contact, sizeof p->contact);
}

int bl_results_stats_decode(const void *data, size_t len,
                            bl_results_stats_t *s, bl_err_t *err)
{
    memset(s, 0, sizeof *s);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    if (!s_tuple(&r, 14)) {
        return bl_codec_bad(err, "instance statistics", "the array");
    }
    if (bl_mpr_str_copy(&r, s->indicator, sizeof s->indicator) != 0) {
        return bl_codec_bad(err, "instance statistics", "indicator");
    }
    if (bl_mpr_str_copy(&r, s->group, sizeof s->group) != 0) {
        return bl_codec_bad(err, "instance statistics", "group");
    }
    if (bl_mpr_str_copy(&r, s->key, sizeof s->key) != 0) {
        return bl_codec_bad(err, "instance statistics", "key");
    }
    double *const f[] = {&s->mean, &s->sd,  &s->min, &s->p10,
                         &s->p25,  &s->p50, &s->p75, &s->p90,
                         &s->max,  &s->best_in_class};
    if (!s_read_stat_values(&r, &s->n, f)) {
        return bl_codec_bad(err, "instance statistics",
                            "n or a statistic");
    }
    if (!bl_mpr_done(&r)) {
        return bl_codec_bad(err, "instance statistics", "bytes after it");
    }
    return 0;
}

int bl_results_provider_decode(const void *data, size_t len,
                               bl_results_provider_t *p, bl_err_t *err)
{
    memset(p, 0, sizeof *p);
    const char *field = "the map";
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    bool have_id = false, have_ind = false;
    s_gpairs_t pairs;
    pairs.n = 0;
    if (bl_mpr_map(&r, &n) != 0) {
        S_FAIL("the map");
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl, m;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            S_FAIL("a key");
        }
        if (bl_mp_str_eq(k, kl, "id")) {
            have_id = true;
            if (bl_mpr_str_copy(&r, p->id, sizeof p->id)) {
                S_FAIL("id");
            }
        } else if (bl_mp_str_eq(k, kl, "name")) {
            if (!s_opt_copy(&r, p->name, sizeof p->name)) {
                S_FAIL("name");
            }
        } else if (bl_mp_str_eq(k, kl, "country")) {
            if (bl_mpr_str_copy(&r, p->country, sizeof p->country)) {
                S_FAIL("country");
            }
        } else if (bl_mp_str_eq(k, kl, "service_type")) {
            if (bl_mpr_str_copy(&r, p->service_type,
                                sizeof p->service_type)) {
                S_FAIL("service_type");
            }
        } else if (bl_mp_str_eq(k, kl, "share")) {
            if (bl_mpr_bool(&r, &p->share_identity)) {
                S_FAIL("share");
            }
        } else if (bl_mp_str_eq(k, kl, "has_prev")) {
            if (bl_mpr_bool(&r, &p->has_previous_period)) {
                S_FAIL("has_prev");
            }
        } else if (bl_mp_str_eq(k, kl, "intl_pending")) {
            if (bl_mpr_bool(&r, &p->international_pending)) {
                S_FAIL("intl_pending");
            }
        } else if (bl_mp_str_eq(k, kl, "groups")) {
            if (have_ind || !s_decode_gpairs(&r, &pairs)) {
                S_FAIL("groups");
            }
        } else if (bl_mp_str_eq(k, kl, "ind")) {
            int lrc;
            p->indicators = s_list_new(&r, have_ind,
                                       BL_RESULTS_INDICATORS_MAX, 1,
                                       sizeof *p->indicators, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("ind");
            }
            have_ind = true;
            for (uint32_t j = 0; j < m; j++) {
                p->n_indicators = j + 1;
                int rc = s_decode_indicator(&r, &p->indicators[j], &pairs);
                if (rc == BL_ENOMEM) {
                    goto nomem;
                }
                if (rc != 0) {
                    S_FAIL("ind");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "areas")) {
            int lrc;
            p->areas = s_list_new(&r, p->areas != NULL,
                                  BL_RESULTS_ROWS_MAX, 1,
                                  sizeof *p->areas, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("areas");
            }
            for (uint32_t j = 0; j < m; j++) {
                p->n_areas = j + 1;
                if (!s_decode_area(&r, &p->areas[j])) {
                    S_FAIL("areas");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "strengths")) {
            int lrc;
            p->strengths = s_list_new(&r, p->strengths != NULL,
                                      BL_RESULTS_ROWS_MAX, 1,
                                      sizeof *p->strengths, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("strengths");
            }
            for (uint32_t j = 0; j < m; j++) {
                p->n_strengths = j + 1;
                if (bl_mpr_str_copy(&r, p->strengths[j],
                                    sizeof p->strengths[j])) {
                    S_FAIL("strengths");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "units")) {
            int lrc;
            p->units = s_list_new(&r, p->units != NULL,
                                  BL_RESULTS_ROWS_MAX, 1,
                                  sizeof *p->units, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("units");
            }
            for (uint32_t j = 0; j < m; j++) {
                p->n_units = j + 1;
                if (!s_decode_unit(&r, &p->units[j])) {
                    S_FAIL("units");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "followup")) {
            int lrc;
            p->followups = s_list_new(&r, p->followups != NULL,
                                      BL_RESULTS_ROWS_MAX, 1,
                                      sizeof *p->followups, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("followup");
            }
            for (uint32_t j = 0; j < m; j++) {
                p->n_followups = j + 1;
                if (!s_decode_followup(&r, &p->followups[j])) {
                    S_FAIL("followup");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "practices")) {
            /* A practice takes at least 11 bytes: the count cannot ask
             * for more room than the input describes. */
            int lrc;
            p->practices = s_list_new(&r, p->practices != NULL,
                                      BL_RESULTS_PARTNERS_MAX *
                                          BL_RESULTS_INDICATORS_MAX, 11,
                                      sizeof *p->practices, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("practices");
            }
            for (uint32_t j = 0; j < m; j++) {
                p->n_practices = j + 1;
                if (!s_decode_practice(&r, &p->practices[j])) {
                    S_FAIL("practices");
                }
            }
        } else if (bl_mpr_skip(&r) != 0) {
            S_FAIL("an unknown field");
        }
    }
    if (!have_id || !have_ind) {
        S_FAIL(have_id ? "ind (missing)" : "id (missing)");
    }
    if (!bl_mpr_done(&r)) {
        S_FAIL("bytes after the map");
    }
    return 0;
nomem:
    return bl_err_set(err, BL_ENOMEM, "provider results: out of memory");
fail:
    return bl_err_set(err, BL_EPROTO, "provider results: malformed %s",
                      field);
}

/* A string or nil (NULL) into a heap copy. */
static bool s_opt_heap(bl_mpr_t *r, char **out)
{
    *out = NULL;
    if (bl_mpr_nil(r)) {
        return true;
    }
    const char *p;
    uint32_t n;
    if (bl_mpr_str(r, &p, &n) != 0) {
        return false;
    }
    *out = malloc((size_t)n + 1);
    if (*out == NULL) {
        return false;
    }
    memcpy(*out, p, n);
    (*out)[n] = '\0';
    return true;
}

int bl_results_summary_decode(const void *data, size_t len,
                              bl_results_summary_t *s, bl_err_t *err)
{
    memset(s, 0, sizeof *s);
    const char *field = "the map";
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        S_FAIL("the map");
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl, m;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            S_FAIL("a key");
        }
        if (bl_mp_str_eq(k, kl, "participants")) {
            int lrc;
            s->participants = s_list_new(&r, s->participants != NULL,
                                         BL_RESULTS_ROWS_MAX, 1,
                                         sizeof *s->participants, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("participants");
            }
            for (uint32_t j = 0; j < m; j++) {
                bl_results_participant_t *p = &s->participants[j];
                s->n_participants = j + 1;
                if (!s_tuple(&r, 7) ||
                    bl_mpr_str_copy(&r, p->id, sizeof p->id) ||
                    !s_opt_copy(&r, p->name, sizeof p->name) ||
                    bl_mpr_str_copy(&r, p->country, sizeof p->country) ||
                    bl_mpr_str_copy(&r, p->membership, sizeof p->membership) ||
                    bl_mpr_uint(&r, &p->sent) ||
                    bl_mpr_uint(&r, &p->expected) ||
                    bl_mpr_str_copy(&r, p->member_since,
                                    sizeof p->member_since)) {
                    S_FAIL("participants");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "bands")) {
            int lrc;
            s->bands = s_list_new(&r, s->bands != NULL,
                                  BL_RESULTS_ROWS_MAX, 1,
                                  sizeof *s->bands, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("bands");
            }
            for (uint32_t j = 0; j < m; j++) {
                bl_results_bands_t *b = &s->bands[j];
                s->n_bands = j + 1;
                if (!s_tuple(&r, 6) ||
                    bl_mpr_str_copy(&r, b->indicator, sizeof b->indicator) ||
                    bl_mpr_str_copy(&r, b->group, sizeof b->group)) {
                    S_FAIL("bands");
                }
                for (int x = 0; x < 4; x++) {
                    if (bl_mpr_uint(&r, &b->bands[x]) != 0) {
                        S_FAIL("bands");
                    }
                }
            }
        } else if (bl_mp_str_eq(k, kl, "areas")) {
            int lrc;
            s->areas = s_list_new(&r, s->areas != NULL,
                                  BL_RESULTS_ROWS_MAX, 1,
                                  sizeof *s->areas, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("areas");
            }
            for (uint32_t j = 0; j < m; j++) {
                s->n_areas = j + 1;
                if (!s_tuple(&r, 2) ||
                    bl_mpr_str_copy(&r, s->areas[j].indicator,
                                    sizeof s->areas[j].indicator) ||
                    bl_mpr_uint(&r, &s->areas[j].providers)) {
                    S_FAIL("areas");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "corrs")) {
            int lrc;
            s->corrs = s_list_new(&r, s->corrs != NULL,
                                  BL_RESULTS_ROWS_MAX, 1,
                                  sizeof *s->corrs, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("corrs");
            }
            for (uint32_t j = 0; j < m; j++) {
                bl_results_corr_t *c = &s->corrs[j];
                s->n_corrs = j + 1;
                if (!s_tuple(&r, 6) ||
                    bl_mpr_str_copy(&r, c->group, sizeof c->group) ||
                    bl_mpr_str_copy(&r, c->key, sizeof c->key) ||
                    bl_mpr_str_copy(&r, c->a, sizeof c->a) ||
                    bl_mpr_str_copy(&r, c->b, sizeof c->b) ||
                    bl_mpr_uint(&r, &c->n) || bl_mpr_double(&r, &c->rho)) {
                    S_FAIL("corrs");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "done")) {
            int lrc;
            s->done = s_list_new(&r, s->done != NULL,
                                 BL_RESULTS_INDICATORS_MAX, 1,
                                 sizeof *s->done, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("done");
            }
            for (uint32_t j = 0; j < m; j++) {
                bl_results_done_t *d = &s->done[j];
                s->n_done = j + 1;
                if (!s_tuple(&r, 3) ||
                    bl_mpr_str_copy(&r, d->indicator, sizeof d->indicator) ||
                    bl_mpr_uint(&r, &d->actions) ||
                    bl_mpr_uint(&r, &d->done) || d->done > d->actions) {
                    S_FAIL("done");
                }
            }
        } else if (bl_mp_str_eq(k, kl, "needs")) {
            /* A row takes at least 10 bytes. */
            int lrc;
            s->needs = s_list_new(&r, s->needs != NULL,
                                  BL_RESULTS_ROWS_MAX, 10,
                                  sizeof *s->needs, &m, &lrc);
            if (lrc == BL_ENOMEM) {
                goto nomem;
            }
            if (lrc != 0) {
                S_FAIL("needs");
            }
            for (uint32_t j = 0; j < m; j++) {
                bl_results_need_t *d = &s->needs[j];
                s->n_needs = j + 1;
                if (!s_tuple(&r, 7) ||
                    bl_mpr_str_copy(&r, d->indicator, sizeof d->indicator) ||
                    bl_mpr_str_copy(&r, d->principle, sizeof d->principle) ||
                    bl_mpr_str_copy(&r, d->country, sizeof d->country) ||
                    bl_mpr_uint(&r, &d->in_need) ||
                    bl_mpr_uint(&r, &d->band4) ||
                    !s_opt_heap(&r, &d->hosts) ||
                    !s_opt_copy(&r, d->event, sizeof d->event)) {
                    S_FAIL("needs");
                }
            }
        } else if (bl_mpr_skip(&r) != 0) {
            S_FAIL("an unknown field");
        }
    }
    if (!bl_mpr_done(&r)) {
        S_FAIL("bytes after the map");
    }
    return 0;
nomem:
    return bl_err_set(err, BL_ENOMEM, "summary: out of memory");
fail:
    return bl_err_set(err, BL_EPROTO, "summary: malformed %s", field);
}

void bl_results_provider_free(bl_results_provider_t *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t k = 0; p->indicators != NULL && k < p->n_indicators; k++) {
        free(p->indicators[k].groups);
    }
    free(p->indicators);
    free(p->areas);
    free(p->strengths);
    free(p->units);
    free(p->followups);
    free(p->practices);
    memset(p, 0, sizeof *p);
}

void bl_results_summary_free(bl_results_summary_t *s)
{
    if (s == NULL) {
        return;
    }
    free(s->participants);
    free(s->bands);
    free(s->areas);
    free(s->corrs);
    free(s->done);
    for (size_t i = 0; s->needs != NULL && i < s->n_needs; i++) {
        free(s->needs[i].hosts);
    }
    free(s->needs);
    memset(s, 0, sizeof *s);
}

/* ---- the message -------------------------------------------------------- */

static const char *const s_kinds[] = {"?", "providers", "summary",
                                      "stats"};

int bl_results_write(bl_mpw_t *w, int64_t period, int64_t generation,
                     bl_results_kind_t kind, const bl_mpw_t *items,
                     uint32_t n_items)
{
    if (kind != BL_RESULTS_PROVIDERS && kind != BL_RESULTS_SUMMARY &&
        kind != BL_RESULTS_STATS) {
        return BL_EINVAL;
    }
    bl_mpw_map(w, 4);
    bl_mpw_str(w, "period");
    bl_mpw_int(w, period);
    bl_mpw_str(w, "generation");
    bl_mpw_int(w, generation);
    bl_mpw_str(w, "kind");
    bl_mpw_str(w, s_kinds[kind]);
    bl_mpw_str(w, "items");
    bl_mpw_array(w, n_items);
    if (bl_mpw_size(items) > 0) {
        bl_mpw_raw(w, bl_mpw_data(items), bl_mpw_size(items));
    }
    return w->err || items->err ? BL_ENOMEM : 0;
}

static int s_msg_bad(bl_err_t *err, const char *field)
{
    return bl_codec_bad(err, "results message", field);
}

int bl_results_open(bl_results_reader_t *rd, const void *data, size_t len,
                    bl_err_t *err)
{
    memset(rd, 0, sizeof *rd);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return s_msg_bad(err, "the message (a map)");
    }
    bool has_period = false, has_items = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return s_msg_bad(err, "a key");
        }
        if (bl_mp_str_eq(k, kl, "period")) {
            if (bl_mpr_int(&r, &rd->period) != 0) {
                return s_msg_bad(err, "period");
            }
            has_period = true;
        } else if (bl_mp_str_eq(k, kl, "generation")) {
            if (bl_mpr_int(&r, &rd->generation) != 0) {
                return s_msg_bad(err, "generation");
            }
        } else if (bl_mp_str_eq(k, kl, "kind")) {
            const char *v;
            uint32_t vl;
            if (bl_mpr_str(&r, &v, &vl) != 0) {
                return s_msg_bad(err, "kind");
            }
            if (bl_mp_str_eq(v, vl, s_kinds[BL_RESULTS_PROVIDERS])) {
                rd->kind = BL_RESULTS_PROVIDERS;
            } else if (bl_mp_str_eq(v, vl, s_kinds[BL_RESULTS_SUMMARY])) {
                rd->kind = BL_RESULTS_SUMMARY;
            } else if (bl_mp_str_eq(v, vl, s_kinds[BL_RESULTS_STATS])) {
                rd->kind = BL_RESULTS_STATS;
            } else {
                return bl_err_set(err, BL_EPROTO,
                                  "results message: kind: unknown kind "
                                  "'%.*s'",
                                  (int)(vl < 32 ? vl : 32), v);
            }
        } else if (bl_mp_str_eq(k, kl, "items")) {
            if (bl_mpr_array(&r, &rd->n_items) != 0) {
                return s_msg_bad(err, "items");
            }
            if (bl_codec_list(&r, rd->n_items, BL_RESULTS_ITEMS_MAX,
                              i + 1 == n, &rd->items, "results message", "items",
                              "items", "item", err) != 0) {
                return BL_EPROTO;
            }
            has_items = true;
        } else if (bl_mpr_skip(&r) != 0) {
            return s_msg_bad(err, "an unknown key's value");
        }
    }
    if (!has_period) {
        return s_msg_bad(err, "period");
    }
    if (rd->kind == 0) {
        return s_msg_bad(err, "kind");
    }
    if (!has_items) {
        return s_msg_bad(err, "items");
    }
    if (bl_codec_end(&r, "results message", err) != 0) {
        return BL_EPROTO;
    }
    rd->left = rd->n_items;
    return 0;
}

int bl_results_next(bl_results_reader_t *rd, const uint8_t **item,
                    size_t *len, bl_err_t *err)
{
    if (rd->left == 0) {
        return BL_ENOTFOUND;
    }
    if (bl_mpr_raw(&rd->items, item, len) != 0) {
        return bl_err_set(err, BL_EPROTO, "results message: item %u: "
                          "truncated",
                          rd->n_items - rd->left + 1);
    }
    rd->left--;
    return bl_codec_list_last(&rd->items, rd->left, "results message",
                              "item", err);
}

int bl_results_provider_id(const void *item, size_t len,
                           char id[BL_RESULTS_PROVIDER_MAX])
{
    bl_mpr_t r;
    bl_mpr_init(&r, item, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        if (bl_mp_str_eq(k, kl, "id")) {
            return bl_mpr_str_copy(&r, id, BL_RESULTS_PROVIDER_MAX);
        }
        if (bl_mpr_skip(&r) != 0) {
            return BL_EPROTO;
        }
    }
    return BL_EPROTO;
}
