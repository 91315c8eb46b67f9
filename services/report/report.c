/*
 * report: stored results in, report files out (see report.h).
 *
 * Store: "prov" period \x1f provider -> the provider's result and
 * "summary" period -> the coordinator's summary, as the benchmarking
 * daemon encoded them (bl_results_codec.h).
 * meta "rendered.<period>" is the last close generation rendered;
 * "pending.<period>" a close to render, "closes.<period>" how many closes
 * came (a close under the same generation renders again).
 */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bl_fs.h"
#include "bl_log.h"
#include "bl_page.h"
#include "bl_results_codec.h"
#include "bl_rpc.h"
#include "report_export.h"
#include "report_html.h"
#include "report_i18n.h"
#include "report_model.h"
#include "report_pdf.h"

enum { DB_PROV = 0, DB_SUMMARY };
static const char *const s_dbs[] = {"prov", "summary"};

#define S_KEY_MAX 480

/* A period being rendered after its close. */
typedef struct s_job {
    bool active;
    int64_t period;
    uint64_t generation;
    uint64_t closes;         /* "closes.<period>" when the job began */
    int files;
    struct s_cursor *at;
} s_job_t;

typedef struct report {
    bl_daemon_t *d;
    const bl_config_t *cfg;
    char messages_dir[PATH_MAX];
    s_job_t job;
} report_t;

/* ---- decoding results into the model ------------------------------------ */

/* Fills the model's group entry from a decoded one. */
static void s_model_group(report_group_t *grp, const bl_results_group_t *g)
{
    grp->group_id = report_strdup(g->id);
    grp->group_key = report_strdup(g->key);
    grp->n = (size_t)g->n;
    if (g->too_few_peers) {
        grp->too_few_peers = 1;
        return;
    }
    grp->mean = g->mean;
    grp->sd = g->sd;
    grp->min = g->min;
    grp->p10 = g->p10;
    grp->p25 = g->p25;
    grp->p50 = g->p50;
    grp->p75 = g->p75;
    grp->p90 = g->p90;
    grp->max = g->max;
    grp->best_in_class = g->best_in_class;
    grp->has_position = 1;
    grp->percentile_rank = g->percentile_rank;
    grp->band = g->band;
    grp->has_z = g->has_z;
    grp->z = g->z;
    grp->has_reference = g->has_reference;
    grp->reference = g->reference;
    grp->gap = g->gap;
    grp->has_previous_rank = g->has_previous_rank;
    grp->previous_rank = g->previous_rank;
}

static char *s_opt_dup(const char *s)
{
    return s[0] ? report_strdup(s) : NULL;
}

/* The report model of one provider from its decoded results
 * (bl_results_codec.h): the catalogue gives names, kinds and units. */
static int s_model_provider(const report_t *rp, report_provider_t *p,
                            const bl_results_provider_t *res)
{
    const bl_catalogue_t *cat = rp->cfg->catalogue;
    if (res->n_indicators != cat->n_indicators) {
        return BL_EPROTO;
    }
    p->provider_id = report_strdup(res->id);
    p->name = report_strdup(res->name);
    p->country = report_strdup(res->country);
    p->service_type = report_strdup(res->service_type);
    p->share_identity = res->share_identity;
    p->has_previous_period = res->has_previous_period;
    p->international_pending = res->international_pending;
    size_t ni = res->n_indicators;
    p->indicators = calloc(ni ? ni : 1, sizeof *p->indicators);
    if (p->indicators == NULL) {
        return BL_ENOMEM;
    }
    p->indicator_count = ni;
    for (size_t j = 0; j < ni; j++) {
        report_indicator_t *ind = &p->indicators[j];
        const bl_indicator_t *def = &cat->indicators[j];
        const bl_results_indicator_t *ri = &res->indicators[j];
        ind->id = report_strdup(def->id);
        ind->name = report_strdup(def->name);
        ind->principle = report_strdup(def->principle);
        ind->kind = report_strdup(bl_kind_name(def->kind));
        ind->unit = def->unit && def->unit[0] ? report_strdup(def->unit)
                                              : NULL;
        ind->direction = def->direction == BL_DIR_LOWER ? REPORT_DIR_LOWER
                                                        : REPORT_DIR_HIGHER;
        ind->status = ri->status == 0   ? REPORT_STATUS_OK
                      : ri->status == 1 ? REPORT_STATUS_SUPPRESSED
                                        : REPORT_STATUS_MISSING;
        ind->value = ri->has_value ? ri->value : 0;
        ind->n = ri->has_n ? (long)ri->n : -1;
        ind->numerator = ri->numerator;
        ind->denominator = ri->denominator;
        ind->has_ratio = ri->has_numerator && ri->has_denominator;
        ind->has_previous = ri->has_previous;
        ind->previous_value = ri->has_previous ? ri->previous : 0;
        ind->groups = calloc(ri->n_groups ? ri->n_groups : 1,
                             sizeof *ind->groups);
        if (ind->groups == NULL) {
            return BL_ENOMEM;
        }
        ind->group_count = ri->n_groups;
        for (size_t g = 0; g < ri->n_groups; g++) {
            s_model_group(&ind->groups[g], &ri->groups[g]);
        }
    }
    p->areas = calloc(res->n_areas ? res->n_areas : 1, sizeof *p->areas);
    if (p->areas == NULL) {
        return BL_ENOMEM;
    }
    p->area_count = res->n_areas;
    for (size_t a = 0; a < res->n_areas; a++) {
        const bl_results_area_t *ra = &res->areas[a];
        p->areas[a].indicator_id = report_strdup(ra->indicator);
        for (size_t j = 0; j < ra->n_partners && j < REPORT_PARTNERS_MAX;
             j++) {
            report_partner_t *pt = &p->areas[a].partners[j];
            pt->named = ra->partners[j].named;
            pt->provider_id = s_opt_dup(ra->partners[j].id);
            pt->name = s_opt_dup(ra->partners[j].name);
            pt->service_type = report_strdup(ra->partners[j].service_type);
            pt->country = report_strdup(ra->partners[j].country);
            p->areas[a].partner_count = j + 1;
        }
    }
    p->strengths = calloc(res->n_strengths ? res->n_strengths : 1,
                          sizeof *p->strengths);
    if (p->strengths == NULL) {
        return BL_ENOMEM;
    }
    p->strength_count = res->n_strengths;
    for (size_t s = 0; s < res->n_strengths; s++) {
        p->strengths[s] = report_strdup(res->strengths[s]);
    }
    for (size_t u = 0; u < res->n_units; u++) {
        const bl_results_unit_t *ru = &res->units[u];
        size_t slot = p->unit_count;
        for (size_t s = 0; s < p->unit_count; s++) {
            if (strcmp(p->units[s].unit_id, ru->unit) == 0) {
                slot = s;
            }
        }
        if (slot == p->unit_count) {
            report_unit_t *grown =
                realloc(p->units, (p->unit_count + 1) * sizeof *p->units);
            if (grown == NULL) {
                return BL_ENOMEM;
            }
            p->units = grown;
            memset(&p->units[slot], 0, sizeof p->units[slot]);
            p->unit_count++;
            p->units[slot].unit_id = report_strdup(ru->unit);
            p->units[slot].values =
                calloc(cat->n_indicators ? cat->n_indicators : 1,
                       sizeof *p->units[slot].values);
            if (p->units[slot].values == NULL) {
                return BL_ENOMEM;
            }
            for (size_t j = 0; j < cat->n_indicators; j++) {
                p->units[slot].values[j].status = REPORT_STATUS_MISSING;
                p->units[slot].values[j].n = -1;
            }
        }
        int k2 = bl_catalogue_find_indicator(cat, ru->indicator);
        if (k2 >= 0) {
            report_unit_value_t *uv = &p->units[slot].values[k2];
            uv->status = ru->status == 1 ? REPORT_STATUS_SUPPRESSED
                         : ru->has_value ? REPORT_STATUS_OK
                                         : REPORT_STATUS_MISSING;
            uv->value = ru->value;
            uv->n = ru->has_n ? (long)ru->n : -1;
        }
    }
    return 0;
}

static report_provider_t *s_decode_provider(const report_t *rp,
                                            const void *data, size_t len,
                                            int period)
{
    const bl_catalogue_t *cat = rp->cfg->catalogue;
    report_provider_t *p = report_provider_new();
    if (p == NULL) {
        return NULL;
    }
    p->period = period;
    p->node_id = report_strdup(rp->cfg->node);
    char catname[160];
    snprintf(catname, sizeof catname, "%s %s", cat->name, cat->version);
    p->catalogue = report_strdup(catname);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[16];
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    p->generated = report_strdup(date);
    p->min_respondents = rp->cfg->min_respondents;
    p->min_peers = rp->cfg->min_peers;
    bl_results_provider_t res;
    int rc = bl_results_provider_decode(data, len, &res, NULL);
    if (rc == 0) {
        rc = s_model_provider(rp, p, &res);
    }
    bl_results_provider_free(&res);
    if (rc != 0) {
        report_provider_destroy(&p);
    }
    return p;
}

/* Orders top areas by providers, most first. */
static int s_cmp_area(const void *a, const void *b)
{
    const report_top_area_t *x = a, *y = b;
    if (x->providers != y->providers) {
        return x->providers < y->providers ? 1 : -1;
    }
    return strcmp(x->indicator_id, y->indicator_id);
}

static int s_cmp_corr(const void *a, const void *b)
{
    const report_correlation_t *x = a, *y = b;
    double ax = x->rho < 0 ? -x->rho : x->rho;
    double ay = y->rho < 0 ? -y->rho : y->rho;
    if (ax != ay) {
        return ax < ay ? 1 : -1;
    }
    return strcmp(x->a, y->a);
}

static report_summary_t *s_decode_summary(const report_t *rp,
                                          const void *data, size_t len,
                                          int period)
{
    const bl_catalogue_t *cat = rp->cfg->catalogue;
    report_summary_t *s = report_summary_new();
    if (s == NULL) {
        return NULL;
    }
    s->node_id = report_strdup(rp->cfg->node);
    s->international = rp->cfg->role == BL_ROLE_INTERNATIONAL;
    s->country = rp->cfg->country[0] ? report_strdup(rp->cfg->country) : NULL;
    s->period = period;
    bl_results_summary_t in;
    if (bl_results_summary_decode(data, len, &in, NULL) != 0) {
        goto fail;
    }
    size_t m = in.n_participants;
    s->participants = calloc(m ? m : 1, sizeof *s->participants);
    s->overdue = calloc(m ? m : 1, sizeof *s->overdue);
    s->band_dists = calloc(in.n_bands ? in.n_bands : 1,
                           sizeof *s->band_dists);
    s->top_areas = calloc(in.n_areas ? in.n_areas : 1, sizeof *s->top_areas);
    s->correlations = calloc(in.n_corrs ? in.n_corrs : 1,
                             sizeof *s->correlations);
    if (s->participants == NULL || s->overdue == NULL ||
        s->band_dists == NULL || s->top_areas == NULL ||
        s->correlations == NULL) {
        goto fail;
    }
    s->participant_count = m;
    for (size_t j = 0; j < m; j++) {
        const bl_results_participant_t *q = &in.participants[j];
        report_participant_t *p = &s->participants[j];
        p->provider_id = report_strdup(q->id);
        p->name = report_strdup(q->name);
        p->country = report_strdup(q->country);
        p->membership = report_strdup(q->membership);
        p->sent = (size_t)q->sent;
        p->expected = (size_t)q->expected;
        /* A potential member must move up within two years of
         * member_since; judged at the end of the period. */
        if (strcmp(q->membership, "potential") == 0 &&
            atoi(q->member_since) + 2 < period + 1) {
            report_overdue_t *o = &s->overdue[s->overdue_count++];
            o->provider_id = report_strdup(q->id);
            o->name = report_strdup(q->name);
            o->country = report_strdup(q->country);
            o->member_since = report_strdup(q->member_since);
        }
    }
    for (size_t j = 0; j < in.n_bands; j++) {
        const bl_results_bands_t *d = &in.bands[j];
        size_t total = d->bands[0] + d->bands[1] + d->bands[2] + d->bands[3];
        if (total == 0) {
            continue;
        }
        report_band_dist_t *bd = &s->band_dists[s->band_dist_count++];
        bd->indicator_id = report_strdup(d->indicator);
        bd->group_id = report_strdup(d->group);
        for (int b = 0; b < 4; b++) {
            bd->bands[b] = (size_t)d->bands[b];
        }
        int ki = bl_catalogue_find_indicator(cat, d->indicator);
        bd->name = ki >= 0 ? report_strdup(cat->indicators[ki].name) : NULL;
    }
    for (size_t j = 0; j < in.n_areas; j++) {
        report_top_area_t *ta = &s->top_areas[s->top_area_count++];
        ta->indicator_id = report_strdup(in.areas[j].indicator);
        ta->providers = (size_t)in.areas[j].providers;
        int ki = bl_catalogue_find_indicator(cat, in.areas[j].indicator);
        ta->name = ki >= 0 ? report_strdup(cat->indicators[ki].name) : NULL;
    }
    qsort(s->top_areas, s->top_area_count, sizeof *s->top_areas, s_cmp_area);
    for (size_t j = 0; j < in.n_corrs; j++) {
        const bl_results_corr_t *rc = &in.corrs[j];
        report_correlation_t *c = &s->correlations[s->correlation_count++];
        c->group_id = report_strdup(rc->group);
        c->group_key = report_strdup(rc->key);
        c->a = report_strdup(rc->a);
        c->b = report_strdup(rc->b);
        c->n = (size_t)rc->n;
        c->rho = rc->rho;
    }
    qsort(s->correlations, s->correlation_count, sizeof *s->correlations,
          s_cmp_corr);
    bl_results_summary_free(&in);
    return s;
fail:
    bl_results_summary_free(&in);
    report_summary_destroy(&s);
    return NULL;
}

/* ---- writing files ------------------------------------------------------ */

static const char *s_language(const report_t *rp, const char *country)
{
    if (rp->cfg->language != NULL) {
        return rp->cfg->language;
    }
    return report_i18n_language_for_country(country);
}

/* Writes one provider's files of the given format ("" = all four).
 * Returns the number of files written, or a negative code. */
static int s_write_provider(const report_t *rp, const report_provider_t *p,
                            const char *dir, const char *format,
                            bl_err_t *err)
{
    report_i18n_t *m;
    int rc = report_i18n_open(&m, rp->messages_dir,
                              s_language(rp, p->country), err);
    if (rc != 0) {
        return rc;
    }
    int files = 0;
    static const char *const formats[] = {"html", "pdf", "csv", "json"};
    for (int i = 0; i < 4 && rc == 0; i++) {
        if (format[0] && strcmp(format, formats[i]) != 0) {
            continue;
        }
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.%s", dir, p->provider_id,
                 formats[i]);
        if (i == 1) {
            rc = report_pdf_write(path, p, m, err);
        } else {
            FILE *f = fopen(path, "w");
            if (f == NULL) {
                rc = bl_err_set(err, -errno, "cannot write '%s': %s", path,
                                strerror(errno));
                break;
            }
            rc = i == 0   ? report_html_write_provider(f, p, m, err)
                 : i == 2 ? report_export_csv(f, p, err)
                          : report_export_json(f, p, err);
            if (fclose(f) != 0 && rc == 0) {
                rc = bl_err_set(err, BL_EIO, "cannot write '%s'", path);
            }
        }
        if (rc == 0) {
            files++;
        }
    }
    report_i18n_destroy(&m);
    return rc != 0 ? rc : files;
}

/* Asks every validation worker how many rows of each provider are still
 * rejected in period, for the coordinator's summary.  A worker that does
 * not answer leaves its providers at 0 (logged). */
static void s_add_rejected(const report_t *rp, int64_t period,
                           report_summary_t *s)
{
    const bl_config_t *cfg = rp->cfg;
    for (int k = 1; k <= cfg->workers[BL_STAGE_VALIDATE]; k++) {
        char ep[512];
        bl_daemon_endpoint(cfg, BL_STAGE_VALIDATE, k, ep, sizeof ep);
        bl_rpc_t *rpc;
        bl_err_t err = {0};
        if (bl_rpc_open(&rpc, bl_daemon_zctx(rp->d), cfg, ep, &err) != 0) {
            bl_log(BL_LOG_WARN, "rejected rows unknown: %s", err.msg);
            continue;
        }
        char after[S_KEY_MAX] = "";
        size_t after_len = 0;
        bool more = true;
        bl_mpw_t w;
        bl_mpw_init(&w);
        while (more) {
            more = false;
            bl_mpw_reset(&w);
            bl_rpc_request(&w, "rejected", after_len ? 3 : 2);
            bl_mpw_str(&w, "period");
            bl_mpw_int(&w, period);
            bl_mpw_str(&w, "limit");
            bl_mpw_uint(&w, 5000);
            if (after_len) {
                bl_mpw_str(&w, "after");
                bl_mpw_strn(&w, after, after_len);
            }
            bl_reply_t reply;
            if (bl_rpc_call(rpc, &w, &reply, 10000, &err) != 0) {
                bl_log(BL_LOG_WARN, "rejected rows unknown: %s", err.msg);
                break;
            }
            bl_mpr_t r;
            uint32_t n;
            if (bl_req_find(&reply.msg, "rows", &r) == 0 &&
                bl_mpr_array(&r, &n) == 0) {
                for (uint32_t i = 0; i < n; i++) {
                    uint32_t three;
                    char provider[64];
                    uint64_t count;
                    if (bl_mpr_array(&r, &three) || three != 3 ||
                        bl_mpr_skip(&r) ||
                        bl_mpr_str_copy(&r, provider, sizeof provider) ||
                        bl_mpr_uint(&r, &count)) {
                        break;
                    }
                    s->rejected_rows += count;
                    for (size_t j = 0; j < s->participant_count; j++) {
                        const char *id = s->participants[j].provider_id;
                        if (id != NULL && strcmp(id, provider) == 0) {
                            s->participants[j].rejected += count;
                        }
                    }
                }
            }
            const char *next;
            uint32_t nl;
            if (bl_req_find(&reply.msg, "next", &r) == 0 &&
                bl_mpr_str(&r, &next, &nl) == 0 && nl < sizeof after) {
                memcpy(after, next, nl);
                after_len = nl;
                more = true;
            }
            bl_reply_free(&reply);
        }
        bl_mpw_destroy(&w);
        bl_rpc_close(&rpc);
    }
}

/* Writes the coordinator's summary of period into dir; returns the number
 * of files written (0 or 1). */
static int s_render_summary(const report_t *rp, MDB_txn *txn, int64_t period,
                            const char *dir, bl_err_t *err)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    MDB_val sv;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, DB_SUMMARY), p, strlen(p), &sv,
                     NULL) != 0) {
        return 0;
    }
    int files = 0;
    report_summary_t *s = s_decode_summary(rp, sv.mv_data, sv.mv_size,
                                           (int)period);
    if (s != NULL) {
        s_add_rejected(rp, period, s);
    }
    report_i18n_t *m = NULL;
    const char *lang = s_language(rp, rp->cfg->country);
    if (s != NULL && report_i18n_open(&m, rp->messages_dir, lang, err) == 0) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/summary.html", dir);
        FILE *f = fopen(path, "w");
        if (f != NULL) {
            if (report_html_write_summary(f, s, m, err) == 0) {
                files++;
            }
            fclose(f);
        }
    }
    report_i18n_destroy(&m);
    report_summary_destroy(&s);
    return files;
}

/* Where a rendering stands: the key of the last provider written. */
typedef struct s_cursor {
    char after[S_KEY_MAX];   /* "" before the first */
    size_t after_len;
    bool done;               /* every provider written */
} s_cursor_t;

/* Renders up to max providers of period's stored results into dir (one
 * provider, or all when provider is ""), from the cursor on.  Returns the
 * number of files written, or a negative code. */
static int s_render_providers(const report_t *rp, MDB_txn *txn,
                              int64_t period, const char *provider,
                              const char *format, const char *dir,
                              s_cursor_t *at, size_t max, bl_err_t *err)
{
    int rc = bl_fs_mkdirs(dir, 0755);
    if (rc != 0) {
        return bl_err_set(err, rc, "cannot create '%s': %s", dir,
                          strerror(-rc));
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    char prefix[S_KEY_MAX];
    const char *parts[] = {p, provider};
    size_t pl = bl_page_join(prefix, sizeof prefix, parts, 2);
    if (provider[0] == '\0') {
        pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    }
    MDB_cursor *cur;
    rc = mdb_cursor_open(txn, bl_daemon_dbi(rp->d, DB_PROV), &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    int files = 0;
    size_t written = 0;
    MDB_val k = {pl, prefix}, v;
    if (at->after_len > 0) {
        k.mv_size = at->after_len;
        k.mv_data = at->after;
    }
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (mrc == 0 && at->after_len > 0 && k.mv_size == at->after_len &&
        memcmp(k.mv_data, at->after, at->after_len) == 0) {
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    at->done = true;
    while (mrc == 0 && k.mv_size >= pl && memcmp(k.mv_data, prefix, pl) == 0) {
        if (provider[0] && k.mv_size != pl) {
            break;
        }
        if (written == max) {
            at->done = false;
            break;
        }
        report_provider_t *rep = s_decode_provider(rp, v.mv_data, v.mv_size,
                                                   (int)period);
        if (rep == NULL) {
            bl_log(BL_LOG_WARN, "a stored result is unreadable period=%s", p);
        } else {
            int n = s_write_provider(rp, rep, dir, format, err);
            report_provider_destroy(&rep);
            if (n < 0) {
                mdb_cursor_close(cur);
                return n;
            }
            files += n;
        }
        written++;
        if (k.mv_size < sizeof at->after) {
            memcpy(at->after, k.mv_data, k.mv_size);
            at->after_len = k.mv_size;
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return files;
}

/* Renders period's stored results into dir at once; provider "" means all
 * (with the summary).  Returns the number of files, or a negative code. */
static int s_render(const report_t *rp, MDB_txn *txn, int64_t period,
                    const char *provider, const char *format, const char *dir,
                    bl_err_t *err)
{
    s_cursor_t at = {"", 0, false};
    int files = s_render_providers(rp, txn, period, provider, format, dir,
                                   &at, (size_t)-1, err);
    if (files >= 0 && provider[0] == '\0' &&
        (format[0] == '\0' || strcmp(format, "html") == 0)) {
        files += s_render_summary(rp, txn, period, dir, err);
    }
    return files;
}

static void s_period_dir(const report_t *rp, int64_t period, char *buf,
                         size_t size)
{
    snprintf(buf, size, "%s/reports/%" PRId64, rp->cfg->data_dir, period);
}

/* ---- messages in -------------------------------------------------------- */

static int s_apply_results(report_t *rp, MDB_txn *txn, const bl_msg_t *msg,
                           bl_err_t *err)
{
    int64_t period;
    char kind[16];
    bl_mpr_t r;
    uint32_t n;
    if (bl_req_int(msg, "period", &period) != 0 ||
        bl_req_str(msg, "kind", kind, sizeof kind) != 0 ||
        bl_req_find(msg, "items", &r) != 0 || bl_mpr_array(&r, &n) != 0) {
        return bl_err_set(err, BL_EPROTO, "malformed results message");
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *item;
        size_t il;
        if (bl_mpr_raw(&r, &item, &il) != 0) {
            return bl_err_set(err, BL_EPROTO, "malformed result");
        }
        int rc;
        if (strcmp(kind, "summary") == 0) {
            rc = bl_store_put(txn, bl_daemon_dbi(rp->d, DB_SUMMARY), p,
                              strlen(p), item, il, err);
        } else {
            bl_msg_t fake = *msg;
            fake.payload = item;
            fake.payload_len = il;
            char id[64];
            if (bl_req_str(&fake, "id", id, sizeof id) != 0) {
                return bl_err_set(err, BL_EPROTO, "result without id");
            }
            const char *parts[] = {p, id};
            char key[S_KEY_MAX];
            size_t kl = bl_page_join(key, sizeof key, parts, 2);
            rc = bl_store_put(txn, bl_daemon_dbi(rp->d, DB_PROV), key, kl,
                              item, il, err);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int s_apply_close(report_t *rp, MDB_txn *txn, const bl_msg_t *msg,
                         bl_err_t *err)
{
    int64_t period, gen;
    if (bl_req_int(msg, "period", &period) != 0 ||
        bl_req_int(msg, "generation", &gen) != 0) {
        return bl_err_set(err, BL_EPROTO, "malformed close message");
    }
    /* Rendering takes seconds to minutes: it runs from the loop, a few
     * providers a turn, so the daemon keeps answering meanwhile. */
    char key[48];
    snprintf(key, sizeof key, "pending.%" PRId64, period);
    int rc = bl_store_put_u64(txn, bl_daemon_meta(rp->d), key, (uint64_t)gen,
                              err);
    /* Counted too: fresh results under the same generation (international
     * results that came back) must render again. */
    uint64_t closes = 0;
    snprintf(key, sizeof key, "closes.%" PRId64, period);
    if (rc == 0) {
        rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &closes, err);
    }
    return rc != 0 ? rc
                   : bl_store_put_u64(txn, bl_daemon_meta(rp->d), key,
                                      closes + 1, err);
}

static int s_apply(void *svc, MDB_txn *txn, const bl_msg_t *msg,
                   bl_err_t *err)
{
    report_t *rp = svc;
    switch (msg->type) {
    case BL_MSG_RESULTS:
        return s_apply_results(rp, txn, msg, err);
    case BL_MSG_CLOSE:
        return s_apply_close(rp, txn, msg, err);
    default:
        return bl_err_set(err, BL_EDATA, "reporting takes no %s messages",
                          bl_msg_type_name(msg->type));
    }
}

/* ---- requests ----------------------------------------------------------- */

static int s_request(void *svc, MDB_txn *txn, const char *cmd,
                     const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    report_t *rp = svc;
    int64_t period;
    if (bl_req_int(msg, "period", &period) != 0) {
        bl_reply_error(reply, "%s needs a period", cmd);
        return 0;
    }
    char dir[PATH_MAX];
    if (strcmp(cmd, "period_state") == 0) {
        char key[48];
        uint64_t gen = 0;
        snprintf(key, sizeof key, "rendered.%" PRId64, period);
        int rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &gen, err);
        if (rc != 0) {
            return rc;
        }
        s_period_dir(rp, period, dir, sizeof dir);
        bl_reply_begin(reply, 2);
        bl_mpw_str(reply, "generation");
        bl_mpw_uint(reply, gen);
        bl_mpw_str(reply, "dir");
        bl_mpw_str(reply, dir);
        return 0;
    }
    if (strcmp(cmd, "render") != 0) {
        bl_reply_error(reply, "unknown command '%s'", cmd);
        return 0;
    }
    char provider[64] = "", format[8] = "";
    bl_req_str(msg, "provider", provider, sizeof provider);
    bl_req_str(msg, "format", format, sizeof format);
    if (bl_req_str(msg, "dir", dir, sizeof dir) != 0 || dir[0] == '\0') {
        s_period_dir(rp, period, dir, sizeof dir);
    }
    bl_err_t rerr = {0};
    int files = s_render(rp, txn, period, provider, format, dir, &rerr);
    if (files < 0) {
        bl_reply_error(reply, "%s", rerr.msg);
        return 0;
    }
    if (files == 0) {
        bl_reply_error(reply, "no results for period %" PRId64 "%s%s yet",
                       period, provider[0] ? " and provider " : "", provider);
        return 0;
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "dir");
    bl_mpw_str(reply, dir);
    bl_mpw_str(reply, "files");
    bl_mpw_int(reply, files);
    return 0;
}

static int s_open(void **svc, bl_daemon_t *d, bl_err_t *err)
{
    report_t *rp = calloc(1, sizeof *rp);
    if (rp == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    rp->d = d;
    rp->cfg = bl_daemon_config(d);
    rp->job.at = calloc(1, sizeof *rp->job.at);
    if (rp->job.at == NULL) {
        free(rp);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    /* The message catalogues sit beside the indicator catalogue. */
    snprintf(rp->messages_dir, sizeof rp->messages_dir, "%s",
             rp->cfg->catalogue_path);
    char *slash = strrchr(rp->messages_dir, '/');
    if (slash != NULL) {
        snprintf(slash, sizeof rp->messages_dir -
                            (size_t)(slash - rp->messages_dir),
                 "/messages");
    } else {
        snprintf(rp->messages_dir, sizeof rp->messages_dir, "messages");
    }
    *svc = rp;
    return 0;
}

#define S_PROVIDERS_PER_TURN 4

/* Finds a period waiting to be rendered ("pending.<period>" in meta). */
static bool s_next_job(report_t *rp, MDB_txn *txn)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, bl_daemon_meta(rp->d), &cur) != 0) {
        return false;
    }
    MDB_val k = {8, "pending."}, v;
    bool found = false;
    if (mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size > 8 &&
        k.mv_size < 24 && memcmp(k.mv_data, "pending.", 8) == 0 &&
        v.mv_size == 8) {
        char p[24];
        memcpy(p, (const char *)k.mv_data + 8, k.mv_size - 8);
        p[k.mv_size - 8] = '\0';
        rp->job.period = strtoll(p, NULL, 10);
        rp->job.generation = bl_store_u64_from(v.mv_data);
        char key[48];
        snprintf(key, sizeof key, "closes.%s", p);
        rp->job.closes = 0;
        bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &rp->job.closes,
                         NULL);
        rp->job.files = 0;
        memset(rp->job.at, 0, sizeof *rp->job.at);
        rp->job.active = true;
        found = true;
    }
    mdb_cursor_close(cur);
    return found;
}

/* Marks the job's period rendered, unless a newer close came meanwhile
 * (then it is rendered again from the start). */
static int s_finish_job(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    report_t *rp = ctx;
    char key[48];
    snprintf(key, sizeof key, "pending.%" PRId64, rp->job.period);
    uint64_t pending = 0;
    int rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &pending, err);
    if (rc != 0) {
        return rc;
    }
    uint64_t closes = 0;
    char ckey[48];
    snprintf(ckey, sizeof ckey, "closes.%" PRId64, rp->job.period);
    rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), ckey, &closes, err);
    if (rc == 0 && pending == rp->job.generation &&
        closes == rp->job.closes) {
        rc = bl_store_del(txn, bl_daemon_meta(rp->d), key, strlen(key), err);
    }
    snprintf(key, sizeof key, "rendered.%" PRId64, rp->job.period);
    if (rc == 0) {
        rc = bl_store_put_u64(txn, bl_daemon_meta(rp->d), key,
                              rp->job.generation, err);
    }
    return rc;
}

static void s_tick(void *svc)
{
    report_t *rp = svc;
    MDB_txn *txn;
    bl_err_t err = {0};
    if (bl_store_read(bl_daemon_store(rp->d), &txn, &err) != 0) {
        return;
    }
    if (!rp->job.active && !s_next_job(rp, txn)) {
        mdb_txn_abort(txn);
        return;
    }
    char dir[PATH_MAX];
    s_period_dir(rp, rp->job.period, dir, sizeof dir);
    int n = s_render_providers(rp, txn, rp->job.period, "", "", dir,
                               rp->job.at, S_PROVIDERS_PER_TURN, &err);
    bool done = n < 0 || rp->job.at->done;
    if (n > 0) {
        rp->job.files += n;
    }
    if (done && n >= 0) {
        rp->job.files += s_render_summary(rp, txn, rp->job.period, dir, &err);
    }
    mdb_txn_abort(txn);
    if (!done) {
        return;
    }
    if (n < 0) {
        /* The results stay stored; `benchlearn report` renders them
         * again. */
        bl_log(BL_LOG_ERROR,
               "rendering failed period=%" PRId64 " reason=\"%s\"",
               rp->job.period, err.msg);
    } else {
        bl_log(BL_LOG_INFO, "rendered period=%" PRId64 " files=%d dir=%s",
               rp->job.period, rp->job.files, dir);
    }
    bl_err_clear(&err);
    if (bl_store_write(bl_daemon_store(rp->d), s_finish_job, rp, &err) != 0) {
        bl_log(BL_LOG_ERROR, "cannot record the rendering: %s", err.msg);
    }
    rp->job.active = false;
}

static void s_close(void **svc)
{
    report_t *rp = *svc;
    if (rp != NULL) {
        free(rp->job.at);
        free(rp);
    }
    *svc = NULL;
}

const bl_stage_ops_t report_ops = {
    .stage = BL_STAGE_REPORT,
    .db_names = s_dbs,
    .n_dbs = sizeof s_dbs / sizeof s_dbs[0],
    .has_outbox = 0,
    .open = s_open,
    .apply = s_apply,
    .request = s_request,
    .health = NULL,
    .committed = NULL,
    .tick = s_tick,
    .close = s_close,
};
