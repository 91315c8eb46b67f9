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
            o = report_decode_provider(rp->cfg, ov.mv_data, ov.mv_size, q);
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
}

void report_enrich_related(const report_t *rp, MDB_txn *txn,
                           report_job_t *job, report_provider_t *p)
{
    report_enrich_read_correlations(rp, txn, job);
    const report_summary_t *s = job->corrs;
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < p->area_count; i++) {
        report_area_t *a = &p->areas[i];
        const report_indicator_t *ind = report_provider_find(p,
                                                             a->indicator_id);
        if (ind == NULL) {
            continue;
        }
        for (size_t k = 0; k < s->correlation_count; k++) {
            const report_correlation_t *c = &s->correlations[k];
            const char *other = strcmp(c->a, ind->id) == 0   ? c->b
                                : strcmp(c->b, ind->id) == 0 ? c->a
                                                             : NULL;
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
