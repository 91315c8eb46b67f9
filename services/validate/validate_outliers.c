/*
 * validate_outliers: the outlier check of validation (see
 * validate_outliers.h): provider-level values gathered per message,
 * stored with their national peer group key beside the row's figures
 * ("vals"), and judged by the modified z-score against the group at the
 * end of a submission (or of the message, for a dry run, whose values are
 * not stored).  An indicator's stored values are read once and sorted
 * into their groups in memory: one put per row instead of two.
 */
#include "validate_outliers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_number.h"
#include "bl_page.h"
#include "bl_scan.h"
#include "bl_stats.h"
#include "bl_strset.h"
#include "bl_vec.h"
#include "validate_batch.h"
#include "validate_register.h"
#include "validate_submission.h"

/* Fewer peers than this are not judged. */
#define S_OUTLIER_MIN 10

/* A provider-level value to judge against its national peer group once
 * the batch it came in is stored (a dry run's), or the first value of a
 * (group, indicator) in a real submission's message, which records the
 * groups it touched.  Its prefix lies in the batch's
 * cand_text (small entries: sorting them moves no key buffers). */
struct s_candidate {
    uint64_t line;
    size_t at;                 /* prefix: cand_text + at, until sorting */
    const char *prefix;        /* period \x1f indicator \x1f group key \x1f,
                                  set for sorting */
    size_t pl;
    double value;
    bool numerator;            /* the value came from a ratio */
    bool dry;                  /* a dry run: the value is not stored */
};

/* The national peer group key of the row's provider, whose register
 * entry reg is (as vreg_provider_checks gave it): joined once per run of
 * the provider's rows, not twice per row. */
static const char *s_national_key(validate_batch_t *b, const s_reg_t *reg)
{
    s_lookup_t *c = &b->lookup;
    if (!c->has_national) {
        vreg_group_key(b->v, b->v->national_group, reg, c->national,
                       sizeof c->national);
        c->has_national = true;
    }
    return c->national;
}

/* The flag of (the provider's national group in period, indicator) among
 * the groups the message touched, set once the first value of the pair
 * became a candidate.  0 or BL_ENOMEM. */
static int s_seen_flag(validate_batch_t *b, int period, const s_reg_t *reg,
                       int indicator, bool **flag, bl_err_t *err)
{
    s_lookup_t *c = &b->lookup;
    size_t n_ind = b->v->cfg->catalogue->n_indicators;
    if (!c->has_seen || c->seen_period != period) {
        const char *nat = s_national_key(b, reg);
        size_t s = 0;
        while (s < b->n_seen && (b->seen[s].period != period ||
                                 strcmp(b->seen_text + b->seen[s].at,
                                        nat) != 0)) {
            s++;
        }
        if (s == b->n_seen) {
            size_t at;
            if (BL_GROW(b->seen, b->cap_seen, s + 1) != 0 ||
                BL_GROW(b->seen_ind, b->cap_seen_ind, (s + 1) * n_ind) !=
                    0 ||
                bl_vec_append(&b->seen_text, &b->cap_seen_text,
                              &b->n_seen_text, nat, strlen(nat) + 1,
                              &at) != 0) {
                return bl_err_set(err, BL_ENOMEM, "out of memory");
            }
            b->seen[s] = (s_seen_group_t){period, at};
            memset(b->seen_ind + s * n_ind, 0, n_ind * sizeof *b->seen_ind);
            b->n_seen++;
        }
        c->seen = s;
        c->seen_period = period;
        c->has_seen = true;
    }
    *flag = &b->seen_ind[c->seen * n_ind + (size_t)indicator];
    return 0;
}

int validate_outliers_add(validate_batch_t *b, uint64_t line,
                          const vr_indicator_row_t *row, const s_reg_t *reg,
                          bl_err_t *err)
{
    validate_t *v = b->v;
    if (v->national_group < 0 || row->unit[0] != '\0' || !row->has_value) {
        return 0;
    }
    if (!b->sub->dry_run) {
        /* only which groups it touched matters now: the values are judged
         * from the store when the submission ends */
        bool *seen = NULL;
        int rc = s_seen_flag(b, row->period, reg, row->indicator, &seen,
                             err);
        if (rc != 0 || *seen) {
            return rc;
        }
        *seen = true;
    }
    if (BL_GROW(b->cand, b->cap_cand, b->n_cand + 1) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    if (BL_GROW(b->cand_text, b->cap_cand_text,
                b->n_cand_text + S_KEY_MAX) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    s_candidate_t *c = &b->cand[b->n_cand];
    char p[BL_NUMBER_INT_MAX];
    bl_number_int(p, row->period);
    const char *parts[] = {p, v->cfg->catalogue->indicators[row->indicator].id,
                           s_national_key(b, reg), ""};
    c->at = b->n_cand_text;
    c->pl = bl_page_join(b->cand_text + c->at, S_KEY_MAX, parts, 4);
    if (c->pl == 0) {
        return 0;
    }
    b->n_cand_text += c->pl + 1;
    c->line = line;
    c->value = row->value;
    c->numerator = row->has_num;
    c->dry = b->sub->dry_run;
    b->n_cand++;
    return 0;
}

static int s_cmp_candidate(const void *a, const void *b)
{
    const s_candidate_t *x = a, *y = b;
    int c = strcmp(x->prefix, y->prefix);
    return c ? c : (x->line < y->line ? -1 : x->line > y->line);
}

/* Adds a warning to the stored outcome of line (it was accepted, or had
 * warnings already). */
static int s_amend_outcome(validate_t *v, MDB_txn *txn, s_sub_t *sub,
                           uint64_t line, const char *field,
                           const char *reason, bl_err_t *err)
{
    unsigned char lk[8];
    bl_store_u64_key(line, lk);
    unsigned char key[S_SUB_MAX + 9];
    size_t kl = vsub_key(sub->id, lk, sizeof lk, key, sizeof key);
    MDB_val val;
    int rc = bl_store_get(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), key, kl,
                          &val, err);
    if (rc != 0) {
        return rc == BL_ENOTFOUND ? 0 : rc;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, val.mv_data, val.mv_size);
    uint32_t two, np;
    uint64_t status;
    if (bl_mpr_array(&r, &two) || bl_mpr_uint(&r, &status) ||
        bl_mpr_array(&r, &np) || status == VALIDATE_REJECTED) {
        return 0;
    }
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, 2);
    bl_mpw_uint(w, VALIDATE_WARNED);
    bl_mpw_array(w, np + 1);
    bl_mpw_raw(w, r.p, (size_t)(r.end - r.p));
    bl_mpw_array(w, 3);
    bl_mpw_bool(w, false);
    bl_mpw_str(w, field);
    bl_mpw_str(w, reason);
    if (status == VALIDATE_ACCEPTED) {
        sub->accepted--;
        sub->warned++;
    }
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), key, kl,
                        bl_mpw_data(w), bl_mpw_size(w), err);
}

/* The median and MAD of xs (n >= S_OUTLIER_MIN; xs is reordered).  False
 * when the group is too small or has no spread. */
static bool s_median_mad(double *xs, size_t n, double *med, double *mad)
{
    if (n < S_OUTLIER_MIN) {
        return false;
    }
    *med = bl_stats_median(xs, n);
    for (size_t x = 0; x < n; x++) {
        xs[x] = fabs(xs[x] - *med);
    }
    *mad = bl_stats_median(xs, n);
    return *mad > 0;
}

/* Warns line if value is an outlier by the modified z-score (the issue's
 * robust rule: |0.6745 (x - median) / MAD| > 3.5) among n peers. */
static int s_warn_outlier(validate_t *v, MDB_txn *txn, s_sub_t *sub,
                          uint64_t line, bool numerator, double value,
                          size_t n, double med, double mad, bl_err_t *err)
{
    double mz = 0.6745 * (value - med) / mad;
    if (fabs(mz) <= 3.5) {
        return 0;
    }
    char reason[VR_REASON_MAX];
    snprintf(reason, sizeof reason,
             "%.10g is an outlier among %zu %s peers (modified z-score %.1f, "
             "median %.10g)",
             value, n, v->cfg->groups[v->national_group].id, mz, med);
    return s_amend_outcome(v, txn, sub, line, numerator ? "numerator" : "value",
                           reason, err);
}

/* ---- the groups' values, read from "vals" ------------------------------ */

/* The outlier part of a provider-level row's stored value (validate.c,
 * "vals"): after the 3 doubles, the national group key's length (1 byte)
 * and the key, then the value (8 bytes), the line (8), the numerator flag
 * (1) and the submission id.  Rows stored by earlier releases, whose
 * values went to a "gvals" database instead, have none: they are not
 * judged and no group counts them. */
#define S_FIGURES (3 * sizeof(double))

size_t validate_outliers_tail(validate_batch_t *b,
                              const vr_indicator_row_t *row,
                              const s_reg_t *reg, uint64_t line,
                              unsigned char *out, size_t cap)
{
    validate_t *v = b->v;
    if (v->national_group < 0 || row->unit[0] != '\0' || !row->has_value) {
        return 0;
    }
    const char *nk = s_national_key(b, reg);
    size_t nl = strlen(nk), sl = strlen(b->sub->id);
    if (nl > UINT8_MAX || 1 + nl + 17 + sl > cap) {
        return 0;
    }
    out[0] = (unsigned char)nl;
    memcpy(out + 1, nk, nl);
    unsigned char *d = out + 1 + nl;
    memcpy(d, &row->value, 8);
    memcpy(d + 8, &line, 8);
    d[16] = row->has_num ? 1 : 0;
    memcpy(d + 17, b->sub->id, sl);
    return 1 + nl + 17 + sl;
}

/* One national peer group of an indicator in one period, keyed
 * "indicator \x1f national group key", with the entries of one submission
 * picked out. */
typedef struct s_group {
    double *xs;                /* every value of the group */
    size_t n, cap;
    struct s_mine {
        uint64_t line;
        double value;
        bool numerator;
    } *mine;                   /* the submission's own rows */
    size_t n_mine, cap_mine;
} s_group_t;

/* The groups of one period, found by key (numbered as g).  Clearing keeps
 * every buffer. */
typedef struct s_groups {
    bl_strset_t keys;
    s_group_t *g;
    size_t n, cap;             /* groups in use, allocated */
} s_groups_t;

static void s_groups_clear(s_groups_t *gs)
{
    bl_strset_clear(&gs->keys);
    gs->n = 0;
}

static void s_groups_free(s_groups_t *gs)
{
    for (size_t i = 0; i < gs->cap; i++) {
        free(gs->g[i].xs);
        free(gs->g[i].mine);
    }
    free(gs->g);
    bl_strset_destroy(&gs->keys);
    memset(gs, 0, sizeof *gs);
}

/* The group of key (kl bytes), added when new; NULL when out of memory.
 * The pointer holds until the next group is added. */
static s_group_t *s_group_of(s_groups_t *gs, const char *key, size_t kl)
{
    long i = bl_strset_find(&gs->keys, key, kl);
    if (i >= 0) {
        return &gs->g[i];
    }
    if (gs->n + 1 > gs->cap) {
        size_t cap = gs->cap ? 2 * gs->cap : 64;
        s_group_t *g = realloc(gs->g, cap * sizeof *g);
        if (g == NULL) {
            return NULL;
        }
        memset(g + gs->cap, 0, (cap - gs->cap) * sizeof *g);
        gs->g = g;
        gs->cap = cap;
    }
    i = bl_strset_add(&gs->keys, key, kl);
    if (i < 0) {
        return NULL;
    }
    s_group_t *g = &gs->g[i];   /* (i is gs->n) its buffers kept */
    g->n = 0;
    g->n_mine = 0;
    gs->n++;
    return g;
}

/* The catalogue index of the indicator of a group prefix (period \x1f
 * indicator \x1f ..., pl bytes), with the length of its "period \x1f" in
 * *ppl; -1 when there is none. */
static int s_prefix_indicator(const validate_t *v, const char *prefix,
                              size_t pl, size_t *ppl)
{
    const char *a = memchr(prefix, '\x1f', pl);
    const char *b = a ? memchr(a + 1, '\x1f', pl - (size_t)(a + 1 - prefix))
                      : NULL;
    char id[S_KEY_MAX];
    if (b == NULL || (size_t)(b - a - 1) >= sizeof id) {
        return -1;
    }
    memcpy(id, a + 1, (size_t)(b - a - 1));
    id[b - a - 1] = '\0';
    *ppl = (size_t)(a + 1 - prefix);
    return bl_catalogue_find_indicator(v->cfg->catalogue, id);
}

/* The national groups a submission touched in one period, and the last
 * group key looked up: a provider's values follow each other in "vals"
 * and share their group, so most lookups are one compare. */
typedef struct s_gset {
    struct s_gkey {
        unsigned char len;
        char key[UINT8_MAX];
    } *k;
    size_t n, cap;
    unsigned char last[UINT8_MAX];
    size_t last_len;           /* > UINT8_MAX: nothing looked up yet */
    bool last_in;
} s_gset_t;

/* Adds group key g (gl bytes) unless it is there.  0 or BL_ENOMEM. */
static int s_gset_add(s_gset_t *s, const char *g, size_t gl)
{
    if (gl > UINT8_MAX) {
        return 0;   /* (no stored value has such a group: not judged) */
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->k[i].len == gl && memcmp(s->k[i].key, g, gl) == 0) {
            return 0;
        }
    }
    if (BL_GROW(s->k, s->cap, s->n + 1) != 0) {
        return BL_ENOMEM;
    }
    s->k[s->n].len = (unsigned char)gl;
    memcpy(s->k[s->n].key, g, gl);
    s->n++;
    s->last_len = UINT8_MAX + 1;
    return 0;
}

/* Whether group key g (gl <= UINT8_MAX bytes) is in s. */
static bool s_gset_has(s_gset_t *s, const unsigned char *g, size_t gl)
{
    if (gl == s->last_len && memcmp(s->last, g, gl) == 0) {
        return s->last_in;
    }
    s->last_in = false;
    for (size_t i = 0; i < s->n && !s->last_in; i++) {
        s->last_in = s->k[i].len == gl && memcmp(s->k[i].key, g, gl) == 0;
    }
    memcpy(s->last, g, gl);
    s->last_len = gl;
    return s->last_in;
}

/* Reads every stored provider-level value of one period (prefix "period
 * \x1f" of "vals", pl bytes) whose indicator want marks, and whose
 * national group is in only (when not NULL), into its group; the entries
 * of submission sub (when not NULL) are also noted as its own.  "vals" is
 * in provider order, so the period is read whole: the indicator is the
 * last part of each key, looked up only for a group of only. */
static int s_read_period(validate_t *v, MDB_txn *txn, const char *prefix,
                         size_t pl, const bool *want, s_gset_t *only,
                         const char *sub, s_groups_t *gs, bl_err_t *err)
{
    s_groups_clear(gs);
    size_t sl = sub ? strlen(sub) : 0;
    char key[S_KEY_MAX + 1 + UINT8_MAX + 1];
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, bl_daemon_dbi(v->d, DB_VALS), prefix,
                          pl, err);
    MDB_val k, val;
    int more = 0;
    while (rc == 0 && (more = bl_scan_next(&scan, &k, &val)) == 1) {
        const unsigned char *d = val.mv_data;
        if (val.mv_size <= S_FIGURES) {
            continue;   /* a unit's row, or stored by an earlier release */
        }
        size_t nl = d[S_FIGURES];
        const unsigned char *t = d + S_FIGURES + 1 + nl;
        if (val.mv_size < S_FIGURES + 1 + nl + 17 ||
            (only != NULL && !s_gset_has(only, d + S_FIGURES + 1, nl))) {
            continue;
        }
        size_t il;
        int ind = vbatch_vals_indicator(v, &k, &il);
        if (ind < 0 || !want[ind]) {
            continue;
        }
        memcpy(key, (const char *)k.mv_data + k.mv_size - il, il);
        key[il] = '\x1f';
        memcpy(key + il + 1, d + S_FIGURES + 1, nl);
        s_group_t *g = s_group_of(gs, key, il + 1 + nl);
        if (g == NULL || BL_GROW(g->xs, g->cap, g->n + 2) != 0) {
            rc = bl_err_set(err, BL_ENOMEM, "out of memory");
            break;
        }
        double x;
        memcpy(&x, t, sizeof x);
        g->xs[g->n++] = x;
        size_t rest = val.mv_size - (size_t)(t + 17 - d);
        if (sub && rest == sl && memcmp(t + 17, sub, sl) == 0) {
            if (BL_GROW(g->mine, g->cap_mine, g->n_mine + 1) != 0) {
                rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                break;
            }
            struct s_mine *m = &g->mine[g->n_mine++];
            memcpy(&m->line, t + 8, 8);
            m->value = x;
            m->numerator = t[16] != 0;
        }
    }
    bl_scan_close(&scan);
    return rc == 0 && more < 0 ? more : rc;
}

/* Judges a dry run's candidates [i, j) of one group (they share a
 * prefix, whose "period \x1f" is ppl bytes) against the group's stored
 * values in gs and their own. */
static int s_judge_dry(validate_batch_t *b, MDB_txn *txn, size_t i, size_t j,
                       size_t ppl, s_groups_t *gs, bl_err_t *err)
{
    const s_candidate_t *c0 = &b->cand[i];
    /* the group: "indicator \x1f group key", before the last \x1f */
    size_t kl = c0->pl > ppl ? c0->pl - ppl - 1 : 0;
    s_group_t *g = s_group_of(gs, c0->prefix + ppl, kl);
    if (g == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t c = i; c < j; c++) {
        if (BL_GROW(g->xs, g->cap, g->n + 2) != 0) {
            return bl_err_set(err, BL_ENOMEM, "out of memory");
        }
        g->xs[g->n++] = b->cand[c].value;
    }
    double med, mad;
    size_t n = g->n;
    int rc = 0;
    if (s_median_mad(g->xs, n, &med, &mad)) {
        for (size_t c = i; c < j && rc == 0; c++) {
            rc = s_warn_outlier(b->v, txn, b->sub, b->cand[c].line,
                                b->cand[c].numerator, b->cand[c].value, n,
                                med, mad, err);
        }
    }
    return rc;
}

/* A dry run's candidates [i, end) of one period (sorted, so a group's are
 * together): the period's stored values of their indicators read once,
 * each group judged with its own. */
static int s_judge_dry_period(validate_batch_t *b, MDB_txn *txn, size_t i,
                              size_t end, size_t ppl, bool *want,
                              s_groups_t *gs, bl_err_t *err)
{
    validate_t *v = b->v;
    size_t n_ind = v->cfg->catalogue->n_indicators;
    memset(want, 0, n_ind * sizeof *want);
    for (size_t c = i; c < end; c++) {
        size_t p;
        int ind = s_prefix_indicator(v, b->cand[c].prefix, b->cand[c].pl, &p);
        if (ind >= 0) {
            want[ind] = true;
        }
    }
    int rc = s_read_period(v, txn, b->cand[i].prefix, ppl, want, NULL,
                           NULL, gs, err);
    while (rc == 0 && i < end) {
        size_t j = i;
        while (j < end && strcmp(b->cand[j].prefix, b->cand[i].prefix) == 0) {
            j++;
        }
        size_t p;
        if (s_prefix_indicator(v, b->cand[i].prefix, b->cand[i].pl, &p) >=
            0) {
            rc = s_judge_dry(b, txn, i, j, ppl, gs, err);
        }
        i = j;
    }
    return rc;
}

/* After each message.  A real submission's values are judged when the
 * submission ends (validate_outliers_judge_submission): here the peer
 * groups it touched are recorded.  A dry run stores no values, so its
 * rows are judged now, against the stored group and the dry run's own
 * values. */
int validate_outliers_judge_batch(validate_batch_t *b, MDB_txn *txn,
                                  bl_err_t *err)
{
    validate_t *v = b->v;
    b->n_seen = 0;
    b->n_seen_text = 0;
    b->lookup.has_seen = false;
    if (b->n_cand == 0) {
        return 0;  /* (and qsort must not see the NULL of an empty list) */
    }
    for (size_t i = 0; i < b->n_cand; i++) {
        b->cand[i].prefix = b->cand_text + b->cand[i].at;
    }
    qsort(b->cand, b->n_cand, sizeof *b->cand, s_cmp_candidate);
    int rc = 0;
    if (!b->cand[0].dry) {
        for (size_t i = 0; i < b->n_cand && rc == 0; i++) {
            const s_candidate_t *c = &b->cand[i];
            if (i > 0 && strcmp(c->prefix, b->cand[i - 1].prefix) == 0) {
                continue;
            }
            unsigned char key[S_SUB_MAX + S_KEY_MAX + 1];
            size_t kl = vsub_key(b->sub->id, c->prefix, c->pl, key,
                                 sizeof key);
            rc = kl ? bl_store_put(txn, bl_daemon_dbi(v->d, DB_TOUCHED), key,
                                   kl, "", 0, err)
                    : 0;
        }
    } else {
        s_groups_t gs;
        memset(&gs, 0, sizeof gs);
        bool *want = calloc(v->cfg->catalogue->n_indicators + 1,
                            sizeof *want);
        if (want == NULL) {
            rc = bl_err_set(err, BL_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < b->n_cand && rc == 0;) {
            /* the candidates of one period: same "period \x1f" */
            size_t ppl;
            if (s_prefix_indicator(v, b->cand[i].prefix, b->cand[i].pl,
                                   &ppl) < 0) {
                i++;
                continue;
            }
            size_t j = i + 1;
            while (j < b->n_cand && b->cand[j].pl > ppl &&
                   memcmp(b->cand[j].prefix, b->cand[i].prefix, ppl) == 0) {
                j++;
            }
            rc = s_judge_dry_period(b, txn, i, j, ppl, want, &gs, err);
            i = j;
        }
        free(want);
        s_groups_free(&gs);
    }
    b->n_cand = 0;
    b->n_cand_text = 0;
    return rc;
}

/* Judges the rows of submission sub among the groups in gs. */
static int s_judge_groups(validate_t *v, MDB_txn *txn, s_sub_t *sub,
                          s_groups_t *gs, bl_err_t *err)
{
    int rc = 0;
    for (size_t i = 0; i < gs->n && rc == 0; i++) {
        s_group_t *g = &gs->g[i];
        double med, mad;
        size_t n = g->n;
        if (g->n_mine == 0 || !s_median_mad(g->xs, n, &med, &mad)) {
            continue;
        }
        for (size_t m = 0; m < g->n_mine && rc == 0; m++) {
            rc = s_warn_outlier(v, txn, sub, g->mine[m].line,
                                g->mine[m].numerator, g->mine[m].value, n,
                                med, mad, err);
        }
    }
    return rc;
}

/* The periods a submission touched, each with the indicators it touched
 * (read from "touched" before any outcome is amended: that writes). */
typedef struct s_touched {
    char period[BL_NUMBER_INT_MAX + 1];   /* "period \x1f" */
    bool *want;                           /* per catalogue indicator */
    s_gset_t groups;                      /* national groups */
} s_touched_t;

static void s_touched_free(s_touched_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].want);
        free(t[i].groups.k);
    }
    free(t);
}

/* At the end of a submission, judges its rows against their national peer
 * groups as they now stand: the stored values of each period it touched
 * are read once, for the indicators it touched. */
int validate_outliers_judge_submission(validate_t *v, MDB_txn *txn,
                                       s_sub_t *sub, bl_err_t *err)
{
    unsigned char prefix[S_SUB_MAX + 1];
    size_t pl = vsub_key(sub->id, "", 0, prefix, sizeof prefix);
    MDB_dbi touched = bl_daemon_dbi(v->d, DB_TOUCHED);
    size_t n_ind = v->cfg->catalogue->n_indicators;
    size_t n_per = 0, cap = 0;
    s_touched_t *per = NULL;
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, touched, prefix, pl, err);
    MDB_val k;
    int more = 0;
    while (rc == 0 && (more = bl_scan_next(&scan, &k, NULL)) == 1) {
        const char *group = (const char *)k.mv_data + pl;
        size_t gl = k.mv_size > pl ? k.mv_size - pl : 0, ppl;
        int ind = s_prefix_indicator(v, group, gl, &ppl);
        if (ind < 0 || ppl > BL_NUMBER_INT_MAX) {
            continue;
        }
        s_touched_t *t = n_per ? &per[n_per - 1] : NULL;
        if (t == NULL || strlen(t->period) != ppl ||
            memcmp(t->period, group, ppl) != 0) {
            if (BL_GROW(per, cap, n_per + 1) != 0) {
                rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                break;
            }
            t = &per[n_per++];
            memset(t, 0, sizeof *t);
            memcpy(t->period, group, ppl);
            t->period[ppl] = '\0';
            t->want = calloc(n_ind + 1, sizeof *t->want);
            if (t->want == NULL) {
                rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                break;
            }
        }
        t->want[ind] = true;
        /* "period \x1f indicator \x1f group \x1f": the group */
        const char *g = memchr(group + ppl, '\x1f', gl - ppl);
        size_t at = g != NULL ? (size_t)(g + 1 - group) : gl;
        if (at < gl && s_gset_add(&t->groups, group + at, gl - at - 1) != 0) {
            rc = bl_err_set(err, BL_ENOMEM, "out of memory");
            break;
        }
    }
    bl_scan_close(&scan);
    if (rc == 0 && more < 0) {
        rc = more;
    }
    s_groups_t gs;
    memset(&gs, 0, sizeof gs);
    for (size_t i = 0; i < n_per && rc == 0; i++) {
        rc = s_read_period(v, txn, per[i].period, strlen(per[i].period),
                           per[i].want, &per[i].groups, sub->id, &gs, err);
        if (rc == 0) {
            rc = s_judge_groups(v, txn, sub, &gs, err);
        }
    }
    s_groups_free(&gs);
    s_touched_free(per, n_per);
    if (rc == 0) {
        rc = bl_page_delete(txn, touched, (const char *)prefix, pl, err);
    }
    return rc;
}
