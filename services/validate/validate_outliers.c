/*
 * validate_outliers: the outlier check of validation (see
 * validate_outliers.h): provider-level values gathered per message,
 * stored per national peer group ("gvals"), and judged by the modified
 * z-score against the group at the end of a submission (or of the message,
 * for a dry run, whose values are not stored).
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
#include "bl_vec.h"
#include "validate_batch.h"
#include "validate_register.h"
#include "validate_submission.h"

/* Fewer peers than this are not judged. */
#define S_OUTLIER_MIN 10

/* A provider-level value to judge against its national peer group once
 * the batch it came in is stored.  Its prefix lies in the batch's
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

int validate_outliers_add(validate_batch_t *b, uint64_t line,
                          const vr_indicator_row_t *row, const s_reg_t *reg,
                          bl_err_t *err)
{
    validate_t *v = b->v;
    if (v->national_group < 0 || row->unit[0] != '\0' || !row->has_value) {
        return 0;
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
    bl_stats_sort(xs, n);
    *med = bl_stats_quantile(xs, n, 0.5);
    for (size_t x = 0; x < n; x++) {
        xs[x] = fabs(xs[x] - *med);
    }
    bl_stats_sort(xs, n);
    *mad = bl_stats_quantile(xs, n, 0.5);
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

/* A group's stored values (gvals: 8-byte value, 8-byte line, 1 byte
 * numerator flag, then the submission id), with the entries of one
 * submission picked out. */
typedef struct s_group_read {
    double *xs;             /* every value of the group */
    size_t n, cap;
    struct s_mine {
        uint64_t line;
        double value;
        bool numerator;
    } *mine;                /* the submission's own rows */
    size_t n_mine, cap_mine;
} s_group_read_t;

static int s_read_group(validate_t *v, MDB_txn *txn, const char *prefix,
                        size_t pl, const char *sub, s_group_read_t *g,
                        bl_err_t *err)
{
    g->n = 0;
    g->n_mine = 0;
    size_t sl = sub ? strlen(sub) : 0;
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, bl_daemon_dbi(v->d, DB_GVALS), prefix,
                          pl, err);
    MDB_val val;
    int more = 0;
    while (rc == 0 && (more = bl_scan_next(&scan, NULL, &val)) == 1) {
        if (val.mv_size >= 17) {
            if (BL_GROW(g->xs, g->cap, g->n + 2) != 0) {
                rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                break;
            }
            const unsigned char *d = val.mv_data;
            double x;
            memcpy(&x, d, sizeof x);
            g->xs[g->n++] = x;
            if (sub && val.mv_size == 17 + sl && memcmp(d + 17, sub, sl) == 0) {
                if (BL_GROW(g->mine, g->cap_mine, g->n_mine + 1) != 0) {
                    rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                    break;
                }
                struct s_mine *m = &g->mine[g->n_mine++];
                memcpy(&m->line, d + 8, 8);
                m->value = x;
                m->numerator = d[16] != 0;
            }
        }
    }
    bl_scan_close(&scan);
    return rc == 0 && more < 0 ? more : rc;
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
    if (b->n_cand == 0) {
        return 0;  /* (and qsort must not see the NULL of an empty list) */
    }
    for (size_t i = 0; i < b->n_cand; i++) {
        b->cand[i].prefix = b->cand_text + b->cand[i].at;
    }
    qsort(b->cand, b->n_cand, sizeof *b->cand, s_cmp_candidate);
    s_group_read_t g;
    memset(&g, 0, sizeof g);
    int rc = 0;
    for (size_t i = 0; i < b->n_cand && rc == 0;) {
        size_t j = i;
        while (j < b->n_cand &&
               strcmp(b->cand[j].prefix, b->cand[i].prefix) == 0) {
            j++;
        }
        if (!b->cand[i].dry) {
            unsigned char key[S_SUB_MAX + S_KEY_MAX + 1];
            size_t kl = vsub_key(b->sub->id, b->cand[i].prefix,
                                 b->cand[i].pl, key, sizeof key);
            rc = kl ? bl_store_put(txn, bl_daemon_dbi(v->d, DB_TOUCHED), key,
                                   kl, "", 0, err)
                    : 0;
            i = j;
            continue;
        }
        rc = s_read_group(v, txn, b->cand[i].prefix, b->cand[i].pl, NULL, &g,
                          err);
        for (size_t c = i; c < j && rc == 0; c++) {
            if (BL_GROW(g.xs, g.cap, g.n + 2) != 0) {
                rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                break;
            }
            g.xs[g.n++] = b->cand[c].value;
        }
        double med, mad;
        size_t n = g.n;
        if (rc == 0 && s_median_mad(g.xs, n, &med, &mad)) {
            for (size_t c = i; c < j && rc == 0; c++) {
                rc = s_warn_outlier(v, txn, b->sub, b->cand[c].line,
                                    b->cand[c].numerator, b->cand[c].value,
                                    n, med, mad, err);
            }
        }
        i = j;
    }
    free(g.xs);
    free(g.mine);
    b->n_cand = 0;
    b->n_cand_text = 0;
    return rc;
}

/* At the end of a submission, judges its rows against their national peer
 * groups as they now stand: each group it touched is read once. */
int validate_outliers_judge_submission(validate_t *v, MDB_txn *txn,
                                       s_sub_t *sub, bl_err_t *err)
{
    unsigned char prefix[S_SUB_MAX + 1];
    size_t pl = vsub_key(sub->id, "", 0, prefix, sizeof prefix);
    MDB_dbi touched = bl_daemon_dbi(v->d, DB_TOUCHED);
    /* Collect the groups first: amending outcomes writes in the txn. */
    size_t n_groups = 0, cap = 0;
    char (*groups)[S_KEY_MAX] = NULL;
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, touched, prefix, pl, err);
    MDB_val k;
    int more = 0;
    while (rc == 0 && (more = bl_scan_next(&scan, &k, NULL)) == 1) {
        if (k.mv_size <= pl || k.mv_size - pl >= S_KEY_MAX) {
            break;
        }
        if (BL_GROW(groups, cap, n_groups + 1) != 0) {
            rc = bl_err_set(err, BL_ENOMEM, "out of memory");
            break;
        }
        memcpy(groups[n_groups], (const char *)k.mv_data + pl,
               k.mv_size - pl);
        groups[n_groups][k.mv_size - pl] = '\0';
        n_groups++;
    }
    bl_scan_close(&scan);
    if (rc == 0 && more < 0) {
        rc = more;
    }
    s_group_read_t g;
    memset(&g, 0, sizeof g);
    for (size_t i = 0; i < n_groups && rc == 0; i++) {
        rc = s_read_group(v, txn, groups[i], strlen(groups[i]), sub->id, &g,
                          err);
        double med, mad;
        size_t n = g.n;
        if (rc == 0 && g.n_mine > 0 && s_median_mad(g.xs, n, &med, &mad)) {
            for (size_t m = 0; m < g.n_mine && rc == 0; m++) {
                rc = s_warn_outlier(v, txn, sub, g.mine[m].line,
                                    g.mine[m].numerator, g.mine[m].value, n,
                                    med, mad, err);
            }
        }
    }
    free(g.xs);
    free(g.mine);
    free(groups);
    if (rc == 0) {
        rc = bl_page_delete(txn, touched, (const char *)prefix, pl, err);
    }
    return rc;
}

int validate_outliers_put(validate_batch_t *b, const vr_indicator_row_t *row,
                          const s_reg_t *reg, uint64_t line, bl_err_t *err)
{
    validate_t *v = b->v;
    if (v->national_group < 0 || row->unit[0] != '\0') {
        return 0;
    }
    char p[BL_NUMBER_INT_MAX];
    bl_number_int(p, row->period);
    const char *ind = v->cfg->catalogue->indicators[row->indicator].id;
    const char *parts[] = {p, ind, s_national_key(b, reg), row->provider};
    char key[S_KEY_MAX];
    size_t kl = bl_page_join(key, sizeof key, parts, 4);
    if (kl == 0) {
        return 0;
    }
    /* value, then where it came from, for judging at the end of the
     * submission */
    unsigned char val[17 + S_SUB_MAX];
    size_t sl = strlen(b->sub->id);
    memcpy(val, &row->value, 8);
    memcpy(val + 8, &line, 8);
    val[16] = row->has_num ? 1 : 0;
    memcpy(val + 17, b->sub->id, sl);
    /* Put in key order when the message ends (vbatch_finish): nothing
     * reads a group before. */
    return vdef_add(&b->gvals, key, kl, val, 17 + sl, err);
}

