/*
 * report_enrich: a provider's report completed from the other stored
 * results (see report_enrich.h).  The earlier periods' results are decoded
 * as the report's own are (report_decode), so a curve point means what
 * the period's own report said.
 */
#include "report_enrich.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_page.h"
#include "report_decode.h"
#include "report_istats.h"

#define S_CURVE_MAX 30   /* periods on a learning curve, the latest kept */

/* One period's point of ind in the curve's group (NULL: none). */
static void s_curve_point(report_curve_point_t *pt, int period,
                          const report_indicator_t *ind, const char *group)
{
    pt->period = period;
    pt->status = ind->status;
    pt->value = ind->value;
    for (size_t g = 0; group != NULL && g < ind->group_count; g++) {
        const report_group_t *grp = &ind->groups[g];
        if (grp->group_id == NULL || strcmp(grp->group_id, group) != 0 ||
            grp->too_few_peers) {
            continue;
        }
        pt->has_p50 = 1;
        pt->p50 = grp->p50;
        if (grp->has_position && ind->status == REPORT_STATUS_OK) {
            pt->has_position = 1;
            pt->percentile_rank = grp->percentile_rank;
            pt->band = grp->band;
        }
        break;
    }
}

/* The learning curve of p (SPEC 5): for each indicator, p's value, rank
 * and band in the node's first peer group and that group's median, for
 * every period up to p's that the node holds results of p for, oldest
 * first.  The earlier periods' stored results are decoded as the report's
 * own are.  Without memory the report goes out without its curve. */
void report_enrich_curve(const report_t *rp, MDB_txn *txn,
                         report_provider_t *p)
{
    const char *group = rp->cfg->n_groups > 0 ? rp->cfg->groups[0].id
                                              : NULL;
    free(p->curve_group);
    p->curve_group = report_strdup(group);
    report_provider_t *old[S_CURVE_MAX];
    size_t n = 0;
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, bl_daemon_dbi(rp->d, REPORT_DB_PROV), &cur) != 0) {
        return;
    }
    MDB_val k, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (mrc == 0) {
        /* k is the first key of a period: "<period>\x1f<provider>". */
        const char *sep = memchr(k.mv_data, 0x1f, k.mv_size);
        if (sep == NULL) {
            break;
        }
        size_t plen = (size_t)(sep - (const char *)k.mv_data);
        char pt[24];
        if (plen == 0 || plen >= sizeof pt) {
            break;
        }
        memcpy(pt, k.mv_data, plen);
        pt[plen] = '\0';
        int q = atoi(pt);
        if (q >= p->period) {
            break;
        }
        const char *parts[] = {pt, p->provider_id};
        char key[REPORT_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 2);
        MDB_val ov;
        report_provider_t *o = NULL;
        if (kl > 0 &&
            bl_store_get(txn, bl_daemon_dbi(rp->d, REPORT_DB_PROV), key, kl,
                         &ov, NULL) == 0) {
            report_istats_source_t src = {rp, txn, q};
            o = report_decode_provider(rp->cfg, ov.mv_data, ov.mv_size, q,
                                       report_istats_get, &src);
        }
        if (o != NULL) {
            if (n == S_CURVE_MAX) {
                report_provider_destroy(&old[0]);
                memmove(old, old + 1, (n - 1) * sizeof old[0]);
                n--;
            }
            old[n++] = o;
        }
        /* On to the next period: past every key of this one. */
        char next[32];
        int nl = snprintf(next, sizeof next, "%s\x1f\x7f", pt);
        k.mv_size = (size_t)nl;
        k.mv_data = next;
        mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    mdb_cursor_close(cur);
    for (size_t j = 0; j < p->indicator_count; j++) {
        report_indicator_t *ind = &p->indicators[j];
        free(ind->curve);
        ind->curve = calloc(n + 1, sizeof *ind->curve);
        ind->curve_count = 0;
        if (ind->curve == NULL) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            const report_indicator_t *oi = report_provider_find(old[i],
                                                                ind->id);
            if (oi != NULL) {
                s_curve_point(&ind->curve[ind->curve_count++],
                              old[i]->period, oi, group);
            }
        }
        s_curve_point(&ind->curve[ind->curve_count++], p->period, ind,
                      group);
    }
    for (size_t i = 0; i < n; i++) {
        report_provider_destroy(&old[i]);
    }
}

/* One end of a shown correlation: every report looks up the ones of its
 * areas' indicators, and a period shows hundreds. */
struct report_corr_end {
    const char *id;     /* the indicator at this end; borrowed from corrs */
    size_t k;           /* the correlation's place in corrs */
};

static int s_end_cmp(const void *a, const void *b)
{
    const struct report_corr_end *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c != 0 ? c : (x->k > y->k) - (x->k < y->k);
}

/* Indexes the ends of job->corrs by indicator id, each id's in the order
 * of corrs.  Without memory the reports go out without relationships. */
static void s_index_ends(report_job_t *job)
{
    const report_summary_t *s = job->corrs;
    if (s == NULL || s->correlation_count == 0) {
        return;
    }
    job->corr_ends = calloc(2 * s->correlation_count,
                            sizeof *job->corr_ends);
    if (job->corr_ends == NULL) {
        return;
    }
    size_t n = 0;
    for (size_t k = 0; k < s->correlation_count; k++) {
        const report_correlation_t *c = &s->correlations[k];
        if (c->a == NULL || c->b == NULL) {
            continue;
        }
        job->corr_ends[n++] = (struct report_corr_end){c->a, k};
        if (strcmp(c->a, c->b) != 0) {
            job->corr_ends[n++] = (struct report_corr_end){c->b, k};
        }
    }
    qsort(job->corr_ends, n, sizeof *job->corr_ends, s_end_cmp);
    job->corr_end_count = n;
}

/* The relationships shown for p's areas for improvement (SPEC 5): the
 * shown correlations of the job's period (from its stored summary, read
 * once per job) that involve the area's indicator in a group instance p
 * belongs to for it, smallest p first.  Without memory the report goes out
 * without them. */
void report_enrich_read_correlations(const report_t *rp, MDB_txn *txn,
                                     report_job_t *job)
{
    if (job->corrs_read) {
        return;
    }
    job->corrs_read = true;
    char pk[24];
    snprintf(pk, sizeof pk, "%" PRId64, job->period);
    MDB_val sv;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, REPORT_DB_SUMMARY), pk,
                     strlen(pk), &sv, NULL) == 0) {
        job->corrs = report_decode_correlations(sv.mv_data, sv.mv_size);
    }
    s_index_ends(job);
}

void report_enrich_release(report_job_t *job)
{
    report_summary_destroy(&job->corrs);
    free(job->corr_ends);
    job->corr_ends = NULL;
    job->corr_end_count = 0;
}

void report_enrich_related(const report_t *rp, MDB_txn *txn,
                           report_job_t *job, report_provider_t *p)
{
    report_enrich_read_correlations(rp, txn, job);
    const report_summary_t *s = job->corrs;
    if (s == NULL || job->corr_ends == NULL) {
        return;
    }
    const struct report_corr_end *ends = job->corr_ends;
    size_t n_ends = job->corr_end_count;
    for (size_t i = 0; i < p->area_count; i++) {
        report_area_t *a = &p->areas[i];
        const report_indicator_t *ind = report_provider_find(p,
                                                             a->indicator_id);
        if (ind == NULL || ind->id == NULL) {
            continue;
        }
        /* The first end of ind's, then the others in the order of corrs
         * (smallest p first). */
        size_t lo = 0, hi = n_ends;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(ends[mid].id, ind->id) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (size_t e = lo; e < n_ends && strcmp(ends[e].id, ind->id) == 0;
             e++) {
            const report_correlation_t *c = &s->correlations[ends[e].k];
            const char *other = strcmp(c->a, ind->id) == 0 ? c->b : c->a;
            bool mine = false;
            for (size_t g = 0; other != NULL && g < ind->group_count; g++) {
                const report_group_t *grp = &ind->groups[g];
                mine = mine || (grp->group_id != NULL &&
                                grp->group_key != NULL &&
                                strcmp(grp->group_id, c->group_id) == 0 &&
                                strcmp(grp->group_key, c->group_key) == 0);
            }
            if (!mine) {
                continue;
            }
            report_relation_t *nr = realloc(
                a->related, (a->related_count + 1) * sizeof *nr);
            if (nr == NULL) {
                return;
            }
            a->related = nr;
            report_relation_t *rel = &nr[a->related_count++];
            rel->indicator_id = report_strdup(other);
            rel->group_id = report_strdup(c->group_id);
            rel->group_key = report_strdup(c->group_key);
            rel->n = c->n;
            rel->rho = c->rho;
            rel->p = c->p;
        }
    }
}
