/*
 * report: stored results in, report files out (see report.h).
 *
 * Store: "prov" period \x1f provider -> the provider's result as the
 * benchmarking daemon wrote it (benchmark.c, s_write_provider);
 * "summary" period -> the coordinator's summary (s_write_summary).
 * meta "rendered.<period>" is the last close generation rendered.
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

static char *s_str(bl_mpr_t *r)
{
    if (bl_mpr_nil(r)) {
        return NULL;
    }
    const char *s;
    uint32_t l;
    if (bl_mpr_str(r, &s, &l) != 0) {
        return NULL;
    }
    char *out = malloc(l + 1);
    if (out != NULL) {
        memcpy(out, s, l);
        out[l] = '\0';
    }
    return out;
}

static double s_num(bl_mpr_t *r, int *has)
{
    bool h;
    double v;
    if (bl_mpr_opt_double(r, &h, &v) != 0) {
        h = false;
    }
    if (has) {
        *has = h;
    }
    return h ? v : 0;
}

static int s_decode_groups(bl_mpr_t *r, report_indicator_t *ind)
{
    uint32_t n;
    if (bl_mpr_array(r, &n) != 0) {
        return BL_EPROTO;
    }
    ind->groups = calloc(n ? n : 1, sizeof *ind->groups);
    if (ind->groups == NULL) {
        return BL_ENOMEM;
    }
    ind->group_count = n;
    for (uint32_t g = 0; g < n; g++) {
        report_group_t *grp = &ind->groups[g];
        uint32_t nine, eleven;
        if (bl_mpr_array(r, &nine) != 0 || nine != 9) {
            return BL_EPROTO;
        }
        grp->group_id = s_str(r);
        grp->group_key = s_str(r);
        /* Too few peers: the instance's count of values instead of its
         * statistics (nil when unknown). */
        uint64_t few = 0;
        bl_mpr_t peek = *r;
        if (bl_mpr_nil(r) || bl_mpr_uint(&peek, &few) == 0) {
            if (few > 0) {
                *r = peek;
            }
            grp->too_few_peers = 1;
            grp->n = (size_t)few;
            for (int i = 0; i < 6; i++) {
                bl_mpr_skip(r);
            }
            continue;
        }
        if (bl_mpr_array(r, &eleven) != 0 || eleven != 11) {
            return BL_EPROTO;
        }
        double *f[] = {&grp->mean, &grp->sd, &grp->min, &grp->p10, &grp->p25,
                       &grp->p50, &grp->p75, &grp->p90, &grp->max,
                       &grp->best_in_class};
        grp->n = (size_t)s_num(r, NULL);
        for (int i = 0; i < 10; i++) {
            *f[i] = s_num(r, NULL);
        }
        grp->has_position = 1;
        grp->percentile_rank = s_num(r, NULL);
        grp->band = (int)s_num(r, NULL);
        grp->z = s_num(r, &grp->has_z);
        grp->reference = s_num(r, &grp->has_reference);
        grp->gap = s_num(r, NULL);
        grp->previous_rank = s_num(r, &grp->has_previous_rank);
    }
    return r->err;
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
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        goto fail;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            goto fail;
        }
        if (bl_mp_str_eq(k, kl, "id")) {
            p->provider_id = s_str(&r);
        } else if (bl_mp_str_eq(k, kl, "name")) {
            p->name = s_str(&r);
        } else if (bl_mp_str_eq(k, kl, "country")) {
            p->country = s_str(&r);
        } else if (bl_mp_str_eq(k, kl, "service_type")) {
            p->service_type = s_str(&r);
        } else if (bl_mp_str_eq(k, kl, "share")) {
            bool b = false;
            bl_mpr_bool(&r, &b);
            p->share_identity = b;
        } else if (bl_mp_str_eq(k, kl, "intl_pending")) {
            bool b = false;
            bl_mpr_bool(&r, &b);
            p->international_pending = b;
        } else if (bl_mp_str_eq(k, kl, "has_prev")) {
            bool b = false;
            bl_mpr_bool(&r, &b);
            p->has_previous_period = b;
        } else if (bl_mp_str_eq(k, kl, "ind")) {
            uint32_t ni;
            if (bl_mpr_array(&r, &ni) != 0 || ni != cat->n_indicators) {
                goto fail;
            }
            p->indicators = calloc(ni ? ni : 1, sizeof *p->indicators);
            if (p->indicators == NULL) {
                goto fail;
            }
            p->indicator_count = ni;
            for (uint32_t j = 0; j < ni; j++) {
                report_indicator_t *ind = &p->indicators[j];
                const bl_indicator_t *def = &cat->indicators[j];
                uint32_t seven;
                int has;
                if (bl_mpr_array(&r, &seven) != 0 || seven != 7) {
                    goto fail;
                }
                ind->id = report_strdup(def->id);
                ind->name = report_strdup(def->name);
                ind->principle = report_strdup(def->principle);
                ind->kind = report_strdup(bl_kind_name(def->kind));
                ind->unit = def->unit && def->unit[0]
                                ? report_strdup(def->unit)
                                : NULL;
                ind->direction = def->direction == BL_DIR_LOWER
                                     ? REPORT_DIR_LOWER
                                     : REPORT_DIR_HIGHER;
                int status = (int)s_num(&r, NULL);
                ind->status = status == 0   ? REPORT_STATUS_OK
                              : status == 1 ? REPORT_STATUS_SUPPRESSED
                                            : REPORT_STATUS_MISSING;
                ind->value = s_num(&r, &has);
                double nn = s_num(&r, &has);
                ind->n = has ? (long)nn : -1;
                int hn, hd;
                ind->numerator = s_num(&r, &hn);
                ind->denominator = s_num(&r, &hd);
                ind->has_ratio = hn && hd;
                ind->previous_value = s_num(&r, &ind->has_previous);
                if (s_decode_groups(&r, ind) != 0) {
                    goto fail;
                }
            }
        } else if (bl_mp_str_eq(k, kl, "areas")) {
            uint32_t na;
            if (bl_mpr_array(&r, &na) != 0) {
                goto fail;
            }
            p->areas = calloc(na ? na : 1, sizeof *p->areas);
            if (p->areas == NULL) {
                goto fail;
            }
            p->area_count = na;
            for (uint32_t a = 0; a < na; a++) {
                uint32_t two, np;
                if (bl_mpr_array(&r, &two) || two != 2) {
                    goto fail;
                }
                p->areas[a].indicator_id = s_str(&r);
                if (bl_mpr_array(&r, &np) != 0) {
                    goto fail;
                }
                for (uint32_t j = 0; j < np; j++) {
                    uint32_t five;
                    bool named = false;
                    if (bl_mpr_array(&r, &five) || five != 5 ||
                        bl_mpr_bool(&r, &named)) {
                        goto fail;
                    }
                    if (j >= REPORT_PARTNERS_MAX) {
                        for (int s = 0; s < 4; s++) {
                            bl_mpr_skip(&r);
                        }
                        continue;
                    }
                    report_partner_t *pt = &p->areas[a].partners[j];
                    pt->named = named;
                    pt->provider_id = s_str(&r);
                    pt->name = s_str(&r);
                    pt->service_type = s_str(&r);
                    pt->country = s_str(&r);
                    p->areas[a].partner_count = j + 1;
                }
            }
        } else if (bl_mp_str_eq(k, kl, "strengths")) {
            uint32_t ns;
            if (bl_mpr_array(&r, &ns) != 0) {
                goto fail;
            }
            p->strengths = calloc(ns ? ns : 1, sizeof *p->strengths);
            if (p->strengths == NULL) {
                goto fail;
            }
            p->strength_count = ns;
            for (uint32_t s = 0; s < ns; s++) {
                p->strengths[s] = s_str(&r);
            }
        } else if (bl_mp_str_eq(k, kl, "units")) {
            uint32_t nu;
            if (bl_mpr_array(&r, &nu) != 0) {
                goto fail;
            }
            for (uint32_t u = 0; u < nu; u++) {
                uint32_t five;
                char unit[64], ind[64];
                int64_t status;
                if (bl_mpr_array(&r, &five) || five != 5 ||
                    bl_mpr_str_copy(&r, unit, sizeof unit) ||
                    bl_mpr_str_copy(&r, ind, sizeof ind) ||
                    bl_mpr_int(&r, &status)) {
                    goto fail;
                }
                int hv, hn;
                double v = s_num(&r, &hv);
                double nn = s_num(&r, &hn);
                size_t slot = p->unit_count;
                for (size_t s = 0; s < p->unit_count; s++) {
                    if (strcmp(p->units[s].unit_id, unit) == 0) {
                        slot = s;
                    }
                }
                if (slot == p->unit_count) {
                    report_unit_t *nu2 = realloc(
                        p->units, (p->unit_count + 1) * sizeof *p->units);
                    if (nu2 == NULL) {
                        goto fail;
                    }
                    p->units = nu2;
                    p->units[slot].unit_id = report_strdup(unit);
                    p->units[slot].values =
                        calloc(cat->n_indicators ? cat->n_indicators : 1,
                               sizeof *p->units[slot].values);
                    if (p->units[slot].values == NULL) {
                        goto fail;
                    }
                    for (size_t j = 0; j < cat->n_indicators; j++) {
                        p->units[slot].values[j].status =
                            REPORT_STATUS_MISSING;
                        p->units[slot].values[j].n = -1;
                    }
                    p->unit_count++;
                }
                int k2 = bl_catalogue_find_indicator(cat, ind);
                if (k2 >= 0) {
                    report_unit_value_t *uv = &p->units[slot].values[k2];
                    uv->status = status == 1 ? REPORT_STATUS_SUPPRESSED
                                 : hv       ? REPORT_STATUS_OK
                                            : REPORT_STATUS_MISSING;
                    uv->value = v;
                    uv->n = hn ? (long)nn : -1;
                }
            }
        } else {
            bl_mpr_skip(&r);
        }
    }
    if (r.err == 0 && p->provider_id != NULL && p->indicators != NULL) {
        return p;
    }
fail:
    report_provider_destroy(&p);
    return NULL;
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
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        goto fail;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl, m;
        if (bl_mpr_str(&r, &k, &kl) != 0 || bl_mpr_array(&r, &m) != 0) {
            goto fail;
        }
        if (bl_mp_str_eq(k, kl, "participants")) {
            s->participants = calloc(m ? m : 1, sizeof *s->participants);
            s->overdue = calloc(m ? m : 1, sizeof *s->overdue);
            if (s->participants == NULL || s->overdue == NULL) {
                goto fail;
            }
            s->participant_count = m;
            for (uint32_t j = 0; j < m; j++) {
                report_participant_t *p = &s->participants[j];
                uint32_t seven;
                if (bl_mpr_array(&r, &seven) || seven != 7) {
                    goto fail;
                }
                p->provider_id = s_str(&r);
                p->name = s_str(&r);
                p->country = s_str(&r);
                p->membership = s_str(&r);
                p->sent = (size_t)s_num(&r, NULL);
                p->expected = (size_t)s_num(&r, NULL);
                char *since = s_str(&r);
                /* A potential member must move up within two years of
                 * member_since; judged at the end of the period. */
                if (p->membership && strcmp(p->membership, "potential") == 0 &&
                    since && atoi(since) + 2 < period + 1) {
                    report_overdue_t *o = &s->overdue[s->overdue_count++];
                    o->provider_id = report_strdup(p->provider_id);
                    o->name = report_strdup(p->name);
                    o->country = report_strdup(p->country);
                    o->member_since = since;
                    since = NULL;
                }
                free(since);
            }
        } else if (bl_mp_str_eq(k, kl, "bands")) {
            s->band_dists = calloc(m ? m : 1, sizeof *s->band_dists);
            if (s->band_dists == NULL) {
                goto fail;
            }
            for (uint32_t j = 0; j < m; j++) {
                uint32_t six;
                if (bl_mpr_array(&r, &six) || six != 6) {
                    goto fail;
                }
                report_band_dist_t *bd = &s->band_dists[s->band_dist_count];
                bd->indicator_id = s_str(&r);
                bd->group_id = s_str(&r);
                size_t total = 0;
                for (int b = 0; b < 4; b++) {
                    bd->bands[b] = (size_t)s_num(&r, NULL);
                    total += bd->bands[b];
                }
                int ki = bd->indicator_id
                             ? bl_catalogue_find_indicator(cat,
                                                           bd->indicator_id)
                             : -1;
                bd->name = ki >= 0 ? report_strdup(cat->indicators[ki].name)
                                   : NULL;
                if (total > 0) {
                    s->band_dist_count++;
                } else {
                    free(bd->indicator_id);
                    free(bd->group_id);
                    free(bd->name);
                    memset(bd, 0, sizeof *bd);
                }
            }
        } else if (bl_mp_str_eq(k, kl, "areas")) {
            s->top_areas = calloc(m ? m : 1, sizeof *s->top_areas);
            if (s->top_areas == NULL) {
                goto fail;
            }
            for (uint32_t j = 0; j < m; j++) {
                uint32_t two;
                if (bl_mpr_array(&r, &two) || two != 2) {
                    goto fail;
                }
                report_top_area_t *ta = &s->top_areas[s->top_area_count];
                ta->indicator_id = s_str(&r);
                ta->providers = (size_t)s_num(&r, NULL);
                int ki = ta->indicator_id
                             ? bl_catalogue_find_indicator(cat,
                                                           ta->indicator_id)
                             : -1;
                ta->name = ki >= 0 ? report_strdup(cat->indicators[ki].name)
                                   : NULL;
                s->top_area_count++;
            }
            qsort(s->top_areas, s->top_area_count, sizeof *s->top_areas,
                  s_cmp_area);
        } else if (bl_mp_str_eq(k, kl, "corrs")) {
            s->correlations = calloc(m ? m : 1, sizeof *s->correlations);
            if (s->correlations == NULL) {
                goto fail;
            }
            for (uint32_t j = 0; j < m; j++) {
                uint32_t six;
                if (bl_mpr_array(&r, &six) || six != 6) {
                    goto fail;
                }
                report_correlation_t *c = &s->correlations[j];
                c->group_id = s_str(&r);
                c->group_key = s_str(&r);
                c->a = s_str(&r);
                c->b = s_str(&r);
                c->n = (size_t)s_num(&r, NULL);
                c->rho = s_num(&r, NULL);
                s->correlation_count++;
            }
            qsort(s->correlations, s->correlation_count,
                  sizeof *s->correlations, s_cmp_corr);
        } else {
            for (uint32_t j = 0; j < m; j++) {
                bl_mpr_skip(&r);
            }
        }
    }
    if (r.err == 0) {
        return s;
    }
fail:
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
    return bl_store_put_u64(txn, bl_daemon_meta(rp->d), key, (uint64_t)gen,
                            err);
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
    if (pending == rp->job.generation) {
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
