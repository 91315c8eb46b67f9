/*
 * report: stored results in, report files out (see report.h).
 *
 * Store: "prov" period \x1f provider -> the provider's result and
 * "summary" period -> the coordinator's summary, as the benchmarking
 * daemon encoded them (bl_results_codec.h);
 * "rejected" period -> [[provider, rows still rejected]...] as validation
 * passed them on with the close marker;
 * "jobs" %020 id -> a queued render request {period, provider, format, dir};
 * "done" "request" \x1f %020 id, or "close" \x1f period -> a finished job's
 * outcome {generation, files, failed, failed_reports, reason, dir}.
 * meta "pending.<period>" is a close generation waiting to be rendered,
 * "rendered.<period>" the last one rendered, "jobs.last" the last job id,
 * "closes.<period>" the close markers received for the period, and
 * "pdf.<period>" \x1f provider 1 + the "closes.<period>" a kept PDF was
 * rendered under.
 *
 * A close renders every provider's HTML, CSV and JSON and the summary,
 * not the PDFs (cairo and pango take tens of milliseconds each: 40
 * minutes a period at 50,000 providers).  A provider's PDF is rendered
 * when asked for (render {provider, format: "pdf"}, as `benchlearn report`
 * and the portal ask) into the period's folder and kept there: a later
 * request serves the kept file until the next close marker of the period
 * makes it stale (the close removes it as it writes the provider's HTML).
 *
 * Report workers (workers: {report: K}): the benchmarking daemon sends
 * every result and close marker to each of them, so any one answers a
 * request and draws any learning curve; a close job renders only the
 * providers its worker is assigned by bl_outbox_lane_of(provider, K) (the
 * rule of the lanes), and worker 1 the summary too.  Each writes into the
 * same reports folder, so rendering time falls with K.
 */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <zmq.h>

#include "bl_close_codec.h"
#include "bl_fs.h"
#include "bl_log.h"
#include "bl_page.h"
#include "bl_net.h"
#include "bl_outbox.h"
#include "bl_results_codec.h"
#include "report_export.h"
#include "report_html.h"
#include "report_i18n.h"
#include "report_model.h"
#include "report_names.h"
#include "report_pdf.h"
#include "report_signif.h"

enum { DB_PROV = 0, DB_SUMMARY, DB_REJECTED, DB_JOBS, DB_DONE };
static const char *const s_dbs[] = {"prov", "summary", "rejected", "jobs",
                                    "done"};

#define S_KEY_MAX BL_STORE_KEY_MAX

#define S_TURN_MS 40        /* rendering per loop turn, one provider at least */
#define S_FAILED_NAMED 10   /* failed reports a job's outcome names */
#define S_DONE_KEPT 100     /* outcomes of request jobs kept for job_state */
#define S_LANGS_MAX 8       /* report languages kept parsed */

typedef enum s_job_kind { S_JOB_CLOSE = 1, S_JOB_REQUEST } s_job_kind_t;

/* Where a rendering stands: the key of the last provider written. */
typedef struct s_cursor {
    char after[S_KEY_MAX];   /* "" before the first */
    size_t after_len;
    bool done;               /* every provider written */
} s_cursor_t;

/* A provider's PDF, written by a thread of its own (cairo and pango take
 * tens of milliseconds per report, far longer than a loop turn may): the
 * loop hands over the decoded model and goes on answering; the thread
 * sends one byte on `kick` when it is done, and the loop joins it. */
typedef struct s_pdf {
    pthread_t thread;
    bool running;               /* started and not joined yet */
    atomic_bool done;           /* set by the thread as it ends */
    report_provider_t *p;       /* owned while running */
    const report_i18n_t *m;     /* the daemon's, read only */
    char path[PATH_MAX];
    char copy_to[PATH_MAX];     /* "" or where the written PDF is copied */
    char id[64];                /* the provider, for a failure */
    int rc;                     /* report_pdf_write's */
    bl_err_t err;
    void *kick;                 /* inproc PAIR used only by the thread */
} s_pdf_t;

/* The job being worked off. */
typedef struct s_job {
    bool active;
    s_job_kind_t kind;
    uint64_t id;                /* request jobs: their key in "jobs" */
    int64_t period;
    uint64_t generation;        /* close jobs: the close's generation */
    uint64_t closes;            /* "closes.<period>" when the job began
                                   (close jobs: fresh results under the
                                   same generation render again; request
                                   jobs: what a kept PDF is checked
                                   against) */
    bool keep_pdf;              /* a request job rendered its provider's
                                   PDF into the period's folder: recorded
                                   as kept when the job is finished */
    char provider[64];          /* "" = every provider and the summary */
    char format[8];             /* "" = all four formats */
    char dir[PATH_MAX];         /* absolute, under data_dir/reports */
    s_cursor_t at;
    int files;                  /* files written */
    int failed;                 /* reports that could not be written */
    char failed_ids[S_FAILED_NAMED][64];
    char reason[256];           /* the first failure's reason */
    report_summary_t *corrs;    /* the period's shown correlations, read
                                   once per job; NULL until then */
    bool corrs_read;
} s_job_t;

typedef struct report {
    bl_daemon_t *d;
    const bl_config_t *cfg;
    s_job_t job;
    report_i18n_t *msgs[S_LANGS_MAX];   /* parsed messages, by language */
    char msg_langs[S_LANGS_MAX][4];
    size_t n_msgs;
    s_pdf_t pdf;                /* the PDF being written by a thread */
    void *pdf_in;               /* inproc PAIR the PDF thread wakes */
    void *kick_in;              /* inproc PAIR the loop polls */
    void *kick_out;             /* its other end: a byte = "render on" */
    bool kicked;                /* a byte is waiting in kick_in */
    char iobuf[1 << 16];        /* the stdio buffer of the file being
                                   written by the loop: a report in a few
                                   writes, not one per 4 KB */
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
    for (size_t x = 0; x < res->n_practices; x++) {
        const bl_results_practice_t *rx = &res->practices[x];
        report_area_t *ar = NULL;
        for (size_t a = 0; a < p->area_count && ar == NULL; a++) {
            if (strcmp(p->areas[a].indicator_id, rx->indicator) == 0) {
                ar = &p->areas[a];
            }
        }
        if (ar == NULL || ar->practice_count == REPORT_PARTNERS_MAX) {
            continue;
        }
        if (ar->practices == NULL) {
            ar->practices = calloc(REPORT_PARTNERS_MAX, sizeof *ar->practices);
            if (ar->practices == NULL) {
                return BL_ENOMEM;
            }
        }
        report_practice_t *mp = &ar->practices[ar->practice_count++];
        mp->period = (int)rx->period;
        mp->named = rx->named;
        mp->provider_id = s_opt_dup(rx->id);
        mp->name = s_opt_dup(rx->name);
        mp->service_type = report_strdup(rx->service_type);
        mp->country = report_strdup(rx->country);
        mp->title = report_strdup(rx->title);
        mp->description = report_strdup(rx->description);
        mp->contact = s_opt_dup(rx->contact);
        if (mp->service_type == NULL || mp->country == NULL ||
            mp->title == NULL || mp->description == NULL) {
            return BL_ENOMEM;
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
    if (res->n_followups > 0) {
        p->followups = calloc(res->n_followups, sizeof *p->followups);
        if (p->followups == NULL) {
            return BL_ENOMEM;
        }
        p->followup_count = res->n_followups;
    }
    for (size_t f = 0; f < res->n_followups; f++) {
        const bl_results_followup_t *rf = &res->followups[f];
        report_followup_t *mf = &p->followups[f];
        mf->action_id = report_strdup(rf->action_id);
        mf->indicator_id = report_strdup(rf->indicator);
        mf->status = report_strdup(rf->status);
        mf->due = report_strdup(rf->due);
        const bl_results_side_t *from[] = {&rf->before, &rf->after};
        report_side_t *to[] = {&mf->before, &mf->after};
        for (int x = 0; x < 2; x++) {
            to[x]->has_value = from[x]->has_value;
            to[x]->value = from[x]->value;
            to[x]->has_rank = from[x]->has_rank;
            to[x]->percentile_rank = from[x]->rank;
            to[x]->band = from[x]->band;
        }
        if (mf->action_id == NULL || mf->indicator_id == NULL ||
            mf->status == NULL || mf->due == NULL) {
            return BL_ENOMEM;
        }
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

static const char *s_language(const report_t *rp, const char *country);

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
    /* names in the report's language (SPEC 3) */
    if (p != NULL && report_names_provider(p, rp->cfg->catalogue,
                                           s_language(rp, p->country)) != 0) {
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
    /* Only the pairs SPEC 5 lets people see, most certain first. */
    s->correlation_count = report_signif_filter(s->correlations,
                                                s->correlation_count);
    s->done = calloc(in.n_done ? in.n_done : 1, sizeof *s->done);
    s->needs = calloc(in.n_needs ? in.n_needs : 1, sizeof *s->needs);
    if (s->done == NULL || s->needs == NULL) {
        goto fail;
    }
    for (size_t j = 0; j < in.n_done; j++) {
        report_done_t *d = &s->done[s->done_count++];
        d->indicator_id = report_strdup(in.done[j].indicator);
        d->actions = (size_t)in.done[j].actions;
        d->done = (size_t)in.done[j].done;
        int ki = bl_catalogue_find_indicator(cat, in.done[j].indicator);
        d->name = ki >= 0 ? report_strdup(cat->indicators[ki].name) : NULL;
    }
    for (size_t j = 0; j < in.n_needs; j++) {
        const bl_results_need_t *rn = &in.needs[j];
        report_need_t *d = &s->needs[s->need_count++];
        d->indicator_id = report_strdup(rn->indicator);
        d->principle = report_strdup(rn->principle);
        d->country = report_strdup(rn->country);
        d->in_need = (size_t)rn->in_need;
        d->band4 = (size_t)rn->band4;
        d->hosts = rn->hosts != NULL ? report_strdup(rn->hosts) : NULL;
        d->event = rn->event[0] ? report_strdup(rn->event) : NULL;
        int ki = bl_catalogue_find_indicator(cat, rn->indicator);
        d->name = ki >= 0 ? report_strdup(cat->indicators[ki].name) : NULL;
    }
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

/* The messages of lang, parsed once and kept for the daemon's life.  NULL
 * with err set when they cannot be had. */
static const report_i18n_t *s_messages(report_t *rp, const char *lang,
                                       bl_err_t *err)
{
    for (size_t i = 0; i < rp->n_msgs; i++) {
        if (strcmp(rp->msg_langs[i], lang) == 0) {
            return rp->msgs[i];
        }
    }
    /* Never evicted: the PDF thread may be reading one.  A node has one
     * language, or one per country of report_i18n_language_for_country. */
    if (rp->n_msgs == S_LANGS_MAX) {
        bl_err_set(err, BL_EINVAL, "more than %d report languages",
                   S_LANGS_MAX);
        return NULL;
    }
    report_i18n_t *m;
    if (report_i18n_open_builtin(&m, lang, err) != 0) {
        return NULL;
    }
    if (report_names_messages(m, rp->cfg->catalogue) != 0) {
        report_i18n_destroy(&m);
        bl_err_set(err, BL_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(rp->msg_langs[rp->n_msgs], sizeof rp->msg_langs[0], "%s", lang);
    rp->msgs[rp->n_msgs++] = m;
    return m;
}

static const char *const s_formats[] = {"html", "pdf", "csv", "json"};
#define S_FORMATS 4

/* Writes provider p's HTML, CSV and JSON files (those of the given format;
 * "" = all).  Returns the number of files written, or a negative code. */
static int s_write_provider(report_t *rp, const report_provider_t *p,
                            const report_i18n_t *m, const char *dir,
                            const char *format, bl_err_t *err)
{
    int files = 0, rc = 0;
    for (int i = 0; i < S_FORMATS && rc == 0; i++) {
        if (i == 1 || (format[0] && strcmp(format, s_formats[i]) != 0)) {
            continue;
        }
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.%s", dir, p->provider_id,
                 s_formats[i]);
        FILE *f = fopen(path, "w");
        if (f == NULL) {
            rc = bl_err_set(err, -errno, "cannot write '%s': %s", path,
                            strerror(errno));
            break;
        }
        setvbuf(f, rp->iobuf, _IOFBF, sizeof rp->iobuf);
        rc = i == 0   ? report_html_write_provider(f, p, m, err)
             : i == 2 ? report_export_csv(f, p, err)
                      : report_export_json(f, p, err);
        if (fclose(f) != 0 && rc == 0) {
            rc = bl_err_set(err, BL_EIO, "cannot write '%s'", path);
        }
        if (rc == 0) {
            files++;
        }
    }
    return rc != 0 ? rc : files;
}

/* Adds the rows still rejected per provider, as validation passed them on
 * with the period's close marker (stored by s_apply_close), to s. */
static int s_add_rejected(const report_t *rp, MDB_txn *txn, int64_t period,
                          report_summary_t *s)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    MDB_val v;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, DB_REJECTED), p, strlen(p),
                     &v, NULL) != 0) {
        return 0;
    }
    bl_close_counts_t it;
    if (bl_close_counts_open(&it, v.mv_data, v.mv_size, NULL) != 0) {
        return BL_EPROTO;
    }
    bl_close_count_t c;
    while (bl_close_counts_next(&it, &c, NULL) == 0) {
        const char *provider = c.provider;
        uint64_t count = c.rows;
        s->rejected_rows += count;
        for (size_t j = 0; j < s->participant_count; j++) {
            const char *id = s->participants[j].provider_id;
            if (id != NULL && strcmp(id, provider) == 0) {
                s->participants[j].rejected += count;
            }
        }
    }
    return 0;
}

/* Writes the coordinator's summary of period into dir.  Returns 1 when it
 * was written, 0 when the period has no summary, or a negative code. */
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
    report_summary_t *s = s_decode_summary(rp, sv.mv_data, sv.mv_size,
                                           (int)period);
    if (s == NULL) {
        return bl_err_set(err, BL_EPROTO, "the stored summary of %s is "
                          "unreadable", p);
    }
    if (s_add_rejected(rp, txn, period, s) != 0) {
        bl_log(BL_LOG_WARN, "stored rejected-row counts are unreadable "
               "period=%s", p);
    }
    report_i18n_t *m = NULL;
    const char *lang = s_language(rp, rp->cfg->country);
    int rc = report_i18n_open_builtin(&m, lang, err);
    if (rc == 0 && (report_names_messages(m, rp->cfg->catalogue) != 0 ||
                    report_names_summary(s, rp->cfg->catalogue, lang) != 0)) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/summary.html", dir);
    FILE *f = NULL;
    if (rc == 0 && (f = fopen(path, "w")) == NULL) {
        rc = bl_err_set(err, -errno, "cannot write '%s': %s", path,
                        strerror(errno));
    }
    if (rc == 0) {
        rc = report_html_write_summary(f, s, m, err);
    }
    if (f != NULL && fclose(f) != 0 && rc == 0) {
        rc = bl_err_set(err, BL_EIO, "cannot write '%s'", path);
    }
    report_i18n_destroy(&m);
    report_summary_destroy(&s);
    return rc != 0 ? rc : 1;
}

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
static void s_add_curve(report_t *rp, MDB_txn *txn, report_provider_t *p)
{
    const char *group = rp->cfg->n_groups > 0 ? rp->cfg->groups[0].id
                                              : NULL;
    free(p->curve_group);
    p->curve_group = report_strdup(group);
    report_provider_t *old[S_CURVE_MAX];
    size_t n = 0;
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, bl_daemon_dbi(rp->d, DB_PROV), &cur) != 0) {
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
        char key[S_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 2);
        MDB_val ov;
        report_provider_t *o = NULL;
        if (kl > 0 && bl_store_get(txn, bl_daemon_dbi(rp->d, DB_PROV), key,
                                   kl, &ov, NULL) == 0) {
            o = s_decode_provider(rp, ov.mv_data, ov.mv_size, q);
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
static void s_add_related(report_t *rp, MDB_txn *txn, report_provider_t *p)
{
    s_job_t *job = &rp->job;
    if (!job->corrs_read) {
        job->corrs_read = true;
        char pk[24];
        snprintf(pk, sizeof pk, "%" PRId64, job->period);
        MDB_val sv;
        if (bl_store_get(txn, bl_daemon_dbi(rp->d, DB_SUMMARY), pk,
                         strlen(pk), &sv, NULL) == 0) {
            job->corrs = s_decode_summary(rp, sv.mv_data, sv.mv_size,
                                          (int)job->period);
        }
    }
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

/* ---- rendering jobs ----------------------------------------------------- */

/* Rendering is a job: a close or a `render` request records it in its
 * transaction, and the loop works it off afterwards (s_tick), from a read
 * transaction, for about S_TURN_MS per turn, so the daemon keeps answering
 * while it renders.  An inbox handler never writes a file. */

static void s_period_dir(const report_t *rp, int64_t period, char *buf,
                         size_t size)
{
    snprintf(buf, size, "%s/reports/%" PRId64, rp->cfg->data_dir, period);
}

static void s_job_key(uint64_t id, char *buf, size_t size)
{
    snprintf(buf, size, "%020" PRIu64, id);
}

/* Counts one report of the job that could not be written. */
static void s_job_fail(s_job_t *job, const char *what, const char *why)
{
    if (job->failed < S_FAILED_NAMED) {
        snprintf(job->failed_ids[job->failed], sizeof job->failed_ids[0],
                 "%s", what);
    }
    if (job->failed == 0) {
        snprintf(job->reason, sizeof job->reason, "%s", why);
    }
    job->failed++;
    bl_log(BL_LOG_WARN, "report not written period=%" PRId64
           " report=%s reason=\"%s\"", job->period, what, why);
}

static void *s_pdf_main(void *arg)
{
    s_pdf_t *pdf = arg;
    pdf->rc = report_pdf_write(pdf->path, pdf->p, pdf->m, &pdf->err);
    atomic_store(&pdf->done, true);
    zmq_send(pdf->kick, "", 0, ZMQ_DONTWAIT);   /* a wake-up; may be lost */
    return NULL;
}

/* Copies the file src to dst (replaced).  Returns 0, or a negative code
 * with err naming the file. */
static int s_copy_file(const char *src, const char *dst, bl_err_t *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return bl_err_set(err, -errno, "cannot read '%s': %s", src,
                          strerror(errno));
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        int rc = bl_err_set(err, -errno, "cannot write '%s': %s", dst,
                            strerror(errno));
        close(in);
        return rc;
    }
    char buf[16384];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = bl_err_set(err, -errno, "cannot read '%s': %s", src,
                            strerror(errno));
            break;
        }
        if (n == 0) {
            break;
        }
        for (ssize_t off = 0; off < n && rc == 0;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w < 0) {
                rc = bl_err_set(err, -errno, "cannot write '%s': %s", dst,
                                strerror(errno));
            } else {
                off += w;
            }
        }
        if (rc != 0) {
            break;
        }
    }
    close(in);
    if (close(out) != 0 && rc == 0) {
        rc = bl_err_set(err, BL_EIO, "cannot write '%s'", dst);
    }
    return rc;
}

/* Hands p (ownership passes: *p is cleared) to a thread that writes its
 * PDF into dir; with copy_to (not NULL) the written file is copied into
 * that folder too when the thread is joined.  Returns 0, or a negative
 * code with p still the caller's. */
static int s_pdf_start(report_t *rp, report_provider_t **p,
                       const report_i18n_t *m, const char *dir,
                       const char *copy_to, bl_err_t *err)
{
    s_pdf_t *pdf = &rp->pdf;
    pdf->p = *p;
    pdf->m = m;
    pdf->rc = 0;
    bl_err_clear(&pdf->err);
    atomic_store(&pdf->done, false);
    snprintf(pdf->path, sizeof pdf->path, "%s/%s.pdf", dir,
             (*p)->provider_id);
    pdf->copy_to[0] = '\0';
    if (copy_to != NULL) {
        snprintf(pdf->copy_to, sizeof pdf->copy_to, "%s/%s.pdf", copy_to,
                 (*p)->provider_id);
    }
    snprintf(pdf->id, sizeof pdf->id, "%s", (*p)->provider_id);
    int rc = pthread_create(&pdf->thread, NULL, s_pdf_main, pdf);
    if (rc != 0) {
        pdf->p = NULL;
        return bl_err_set(err, -rc, "cannot start a thread: %s",
                          strerror(rc));
    }
    pdf->running = true;
    *p = NULL;
    return 0;
}

/* Joins the PDF thread and counts its file into the job. */
static void s_pdf_join(report_t *rp)
{
    s_pdf_t *pdf = &rp->pdf;
    if (!pdf->running) {
        return;
    }
    pthread_join(pdf->thread, NULL);
    pdf->running = false;
    report_provider_destroy(&pdf->p);
    if (pdf->rc == 0 && pdf->copy_to[0] != '\0') {
        pdf->rc = s_copy_file(pdf->path, pdf->copy_to, &pdf->err);
    }
    if (pdf->rc != 0) {
        s_job_fail(&rp->job, pdf->id, pdf->err.msg);
    } else {
        rp->job.files++;
    }
}

/* The key under which a kept PDF of period and provider is recorded. */
static size_t s_kept_key(int64_t period, const char *provider, char *buf,
                         size_t size)
{
    int n = snprintf(buf, size, "pdf.%" PRId64 "\x1f%s", period, provider);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* A request job's PDF of provider id: served from the period's folder
 * when it was kept there under the job's close count (copied into the
 * job's folder when that is another), else handed to the PDF thread,
 * which writes it into the period's folder to be kept.  Takes *rep when
 * the thread does. */
static void s_request_pdf(report_t *rp, MDB_txn *txn, report_provider_t **rep,
                          const report_i18n_t *m)
{
    s_job_t *job = &rp->job;
    const char *id = (*rep)->provider_id;
    char pdir[PATH_MAX], kept[PATH_MAX], key[S_KEY_MAX];
    s_period_dir(rp, job->period, pdir, sizeof pdir);
    bool same = strcmp(pdir, job->dir) == 0;
    snprintf(kept, sizeof kept, "%s/%s.pdf", pdir, id);
    size_t kl = s_kept_key(job->period, id, key, sizeof key);
    uint64_t closes = 0;
    bl_err_t err = {0};
    if (kl > 0 && bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &closes,
                                   NULL) == 0 &&
        closes == job->closes + 1 && access(kept, R_OK) == 0) {
        char dst[PATH_MAX];
        snprintf(dst, sizeof dst, "%s/%s.pdf", job->dir, id);
        if (!same && s_copy_file(kept, dst, &err) != 0) {
            s_job_fail(job, id, err.msg);
        } else {
            job->files++;
        }
        return;
    }
    int rc = bl_fs_mkdirs(pdir, 0755);
    if (rc != 0) {
        bl_err_set(&err, rc, "cannot create '%s': %s", pdir, strerror(-rc));
    } else {
        rc = s_pdf_start(rp, rep, m, pdir, same ? NULL : job->dir, &err);
    }
    if (rc != 0) {
        s_job_fail(job, id, err.msg);
    } else {
        job->keep_pdf = true;
    }
}

/* Removes the PDF a request rendered under an earlier close, if any: a
 * close makes it stale. */
static void s_drop_stale_pdf(const char *dir, const char *provider)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.pdf", dir, provider);
    if (unlink(path) != 0 && errno != ENOENT) {
        bl_log(BL_LOG_WARN, "cannot remove a stale report path=%s "
               "reason=\"%s\"", path, strerror(errno));
    }
}

/* Renders the job's providers from its cursor on until deadline (at least
 * one): HTML, CSV and JSON here, the PDF handed to its thread (the turn
 * ends there).  Sets at.done after the last provider and the summary. */
static void s_render_turn(report_t *rp, MDB_txn *txn, long long deadline)
{
    s_job_t *job = &rp->job;
    s_cursor_t *at = &job->at;
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, job->period);
    char prefix[S_KEY_MAX];
    size_t pl;
    if (job->provider[0] != '\0') {
        const char *parts[] = {p, job->provider};
        pl = bl_page_join(prefix, sizeof prefix, parts, 2);
    } else {
        pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    }
    bl_err_t err = {0};
    int rc = bl_fs_mkdirs(job->dir, 0755);
    char mkdir_why[BL_ERR_MSG_MAX] = "";
    if (rc != 0) {
        snprintf(mkdir_why, sizeof mkdir_why, "cannot create '%s': %s",
                 job->dir, strerror(-rc));
    }
    MDB_cursor *cur;
    rc = mdb_cursor_open(txn, bl_daemon_dbi(rp->d, DB_PROV), &cur);
    if (rc != 0) {
        s_job_fail(job, "every report", mdb_strerror(rc));
        at->done = true;
        return;
    }
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
    /* PDFs only when asked for: a close writes HTML, CSV and JSON. */
    bool pdf = job->kind == S_JOB_REQUEST &&
               (job->format[0] == '\0' || strcmp(job->format, "pdf") == 0);
    at->done = true;
    size_t rendered = 0;
    size_t workers = (size_t)(rp->cfg->workers[BL_STAGE_REPORT] > 1
                                  ? rp->cfg->workers[BL_STAGE_REPORT]
                                  : 1);
    size_t me = (size_t)bl_daemon_worker(rp->d) - 1;
    while (mrc == 0 && k.mv_size >= pl && memcmp(k.mv_data, prefix, pl) == 0) {
        if (job->provider[0] && k.mv_size != pl) {
            break;
        }
        if (job->kind == S_JOB_CLOSE && workers > 1 &&
            bl_outbox_lane_of((const char *)k.mv_data + strlen(p) + 1,
                              k.mv_size - strlen(p) - 1, workers) != me) {
            /* Another worker's share. */
            if (k.mv_size < sizeof at->after) {
                memcpy(at->after, k.mv_data, k.mv_size);
                at->after_len = k.mv_size;
            }
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;
        }
        if (rp->pdf.running ||
            (rendered > 0 && bl_net_now_ms() >= deadline)) {
            at->done = false;
            break;
        }
        char id[64];
        size_t il = k.mv_size - strlen(p) - 1;
        snprintf(id, sizeof id, "%.*s", (int)(il < 63 ? il : 63),
                 (const char *)k.mv_data + strlen(p) + 1);
        report_provider_t *rep = s_decode_provider(rp, v.mv_data, v.mv_size,
                                                   (int)job->period);
        const report_i18n_t *m = NULL;
        bl_err_clear(&err);
        if (rep == NULL) {
            s_job_fail(job, id, "the stored result is unreadable");
        } else if (mkdir_why[0] != '\0') {
            s_job_fail(job, id, mkdir_why);
        } else if ((m = s_messages(rp, s_language(rp, rep->country),
                                   &err)) == NULL) {
            s_job_fail(job, id, err.msg);
        } else {
            s_add_curve(rp, txn, rep);
            s_add_related(rp, txn, rep);
            int n = s_write_provider(rp, rep, m, job->dir, job->format,
                                     &err);
            if (n < 0) {
                s_job_fail(job, id, err.msg);
            } else {
                job->files += n;
                if (job->kind == S_JOB_CLOSE) {
                    s_drop_stale_pdf(job->dir, rep->provider_id);
                } else if (pdf && job->provider[0] != '\0') {
                    s_request_pdf(rp, txn, &rep, m);
                } else if (pdf && s_pdf_start(rp, &rep, m, job->dir, NULL,
                                              &err) != 0) {
                    s_job_fail(job, id, err.msg);
                }
            }
        }
        report_provider_destroy(&rep);
        rendered++;
        if (k.mv_size < sizeof at->after) {
            memcpy(at->after, k.mv_data, k.mv_size);
            at->after_len = k.mv_size;
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (at->done && job->provider[0] == '\0' &&
        (job->kind == S_JOB_REQUEST || me == 0) &&
        (job->format[0] == '\0' || strcmp(job->format, "html") == 0)) {
        bl_err_clear(&err);
        int n = mkdir_why[0] ? bl_err_set(&err, BL_EIO, "%s", mkdir_why)
                             : s_render_summary(rp, txn, job->period,
                                                job->dir, &err);
        if (n < 0) {
            s_job_fail(job, "summary", err.msg);
        } else {
            job->files += n;
        }
    }
}

/* Reads the request job stored under key into rp->job. */
static bool s_load_request(report_t *rp, const MDB_val *k, const MDB_val *v)
{
    s_job_t *job = &rp->job;
    char key[32];
    if (k->mv_size >= sizeof key) {
        return false;
    }
    memcpy(key, k->mv_data, k->mv_size);
    key[k->mv_size] = '\0';
    job->id = strtoull(key, NULL, 10);
    bl_msg_t m = {0};
    m.payload = v->mv_data;
    m.payload_len = v->mv_size;
    if (bl_req_int(&m, "period", &job->period) != 0 ||
        bl_req_str(&m, "provider", job->provider, sizeof job->provider) ||
        bl_req_str(&m, "format", job->format, sizeof job->format) ||
        bl_req_str(&m, "dir", job->dir, sizeof job->dir)) {
        return false;
    }
    job->kind = S_JOB_REQUEST;
    return true;
}

/* Takes up the next job: a queued request first (they are small and a
 * person waits for them), else a period whose close is not rendered yet
 * ("pending.<period>" in meta). */
static bool s_next_job(report_t *rp, MDB_txn *txn)
{
    s_job_t *job = &rp->job;
    memset(job, 0, sizeof *job);
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, bl_daemon_dbi(rp->d, DB_JOBS), &cur) != 0) {
        return false;
    }
    MDB_val k, v;
    bool found = mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0;
    if (found && !s_load_request(rp, &k, &v)) {
        /* Stored by this daemon, so this cannot happen; drop it below. */
        bl_log(BL_LOG_ERROR, "an unreadable render job is dropped");
        memset(job, 0, sizeof *job);
        job->kind = S_JOB_REQUEST;
        job->id = strtoull((const char *)k.mv_data, NULL, 10);
        job->at.done = true;
        job->active = true;
        mdb_cursor_close(cur);
        return true;
    }
    mdb_cursor_close(cur);
    if (!found) {
        if (mdb_cursor_open(txn, bl_daemon_meta(rp->d), &cur) != 0) {
            return false;
        }
        k = (MDB_val){8, "pending."};
        if (mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 &&
            k.mv_size > 8 && k.mv_size < 24 &&
            memcmp(k.mv_data, "pending.", 8) == 0 && v.mv_size == 8) {
            char p[24];
            memcpy(p, (const char *)k.mv_data + 8, k.mv_size - 8);
            p[k.mv_size - 8] = '\0';
            job->kind = S_JOB_CLOSE;
            job->period = strtoll(p, NULL, 10);
            job->generation = bl_store_u64_from(v.mv_data);
            s_period_dir(rp, job->period, job->dir, sizeof job->dir);
            found = true;
        }
        mdb_cursor_close(cur);
    }
    if (found) {
        char ck[48];
        snprintf(ck, sizeof ck, "closes.%" PRId64, job->period);
        if (bl_store_get_u64(txn, bl_daemon_meta(rp->d), ck, &job->closes,
                             NULL) != 0) {
            job->closes = 0;
        }
    }
    job->active = found;
    return found;
}

/* Encodes the job's outcome: {generation, files, failed, failed_reports,
 * reason, dir}. */
static int s_encode_outcome(const s_job_t *job, bl_mpw_t *w)
{
    bl_mpw_map(w, 6);
    bl_mpw_str(w, "generation");
    bl_mpw_uint(w, job->generation);
    bl_mpw_str(w, "files");
    bl_mpw_int(w, job->files);
    bl_mpw_str(w, "failed");
    bl_mpw_int(w, job->failed);
    bl_mpw_str(w, "failed_reports");
    int named = job->failed < S_FAILED_NAMED ? job->failed : S_FAILED_NAMED;
    bl_mpw_array(w, (uint32_t)named);
    for (int i = 0; i < named; i++) {
        bl_mpw_str(w, job->failed_ids[i]);
    }
    bl_mpw_str(w, "reason");
    bl_mpw_str(w, job->reason);
    bl_mpw_str(w, "dir");
    bl_mpw_str(w, job->dir);
    return w->err;
}

/* Records the finished job: a request's outcome replaces its queue entry; a
 * close marks its period rendered (unless a newer close came meanwhile:
 * then it is rendered again from the start) with its outcome. */
static int s_finish_job(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    report_t *rp = ctx;
    s_job_t *job = &rp->job;
    bl_mpw_t w;
    bl_mpw_init(&w);
    if (s_encode_outcome(job, &w) != 0) {
        bl_mpw_destroy(&w);
        return bl_err_set(err, BL_ENOMEM, "cannot encode a job's outcome");
    }
    char key[48];
    int rc;
    MDB_dbi done = bl_daemon_dbi(rp->d, DB_DONE);
    if (job->kind == S_JOB_REQUEST) {
        s_job_key(job->id, key, sizeof key);
        rc = bl_store_del(txn, bl_daemon_dbi(rp->d, DB_JOBS), key,
                          strlen(key), err);
        if (rc == 0 || rc == BL_ENOTFOUND) {
            char dk[48];
            snprintf(dk, sizeof dk, "request\x1f%s", key);
            rc = bl_store_put(txn, done, dk, strlen(dk), bl_mpw_data(&w),
                              bl_mpw_size(&w), err);
        }
        if (rc == 0 && job->keep_pdf && job->failed == 0) {
            char kk[S_KEY_MAX];
            size_t kl = s_kept_key(job->period, job->provider, kk,
                                   sizeof kk);
            rc = kl == 0 ? 0
                         : bl_store_put_u64(txn, bl_daemon_meta(rp->d), kk,
                                            job->closes + 1, err);
        }
        if (rc == 0 && job->id > S_DONE_KEPT) {
            char old[48], dk[64];
            s_job_key(job->id - S_DONE_KEPT, old, sizeof old);
            snprintf(dk, sizeof dk, "request\x1f%s", old);
            rc = bl_store_del(txn, done, dk, strlen(dk), err);
            rc = rc == BL_ENOTFOUND ? 0 : rc;
        }
        bl_mpw_destroy(&w);
        return rc;
    }
    uint64_t closes = 0;
    snprintf(key, sizeof key, "closes.%" PRId64, job->period);
    rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &closes, err);
    snprintf(key, sizeof key, "pending.%" PRId64, job->period);
    uint64_t pending = 0;
    if (rc == 0) {
        rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &pending,
                              err);
    }
    if (rc == 0 && pending == job->generation && closes == job->closes) {
        rc = bl_store_del(txn, bl_daemon_meta(rp->d), key, strlen(key), err);
    }
    if (rc == 0) {
        snprintf(key, sizeof key, "close\x1f%" PRId64, job->period);
        rc = bl_store_put(txn, done, key, strlen(key), bl_mpw_data(&w),
                          bl_mpw_size(&w), err);
    }
    if (rc == 0) {
        snprintf(key, sizeof key, "rendered.%" PRId64, job->period);
        rc = bl_store_put_u64(txn, bl_daemon_meta(rp->d), key,
                              job->generation, err);
    }
    bl_mpw_destroy(&w);
    return rc;
}

/* Wakes the loop at once for the next rendering turn: the loop polls for
 * up to 100 ms when nothing arrives, and a request that does arrive is
 * still answered between two turns. */
static void s_kick(report_t *rp)
{
    if (rp->kicked || rp->kick_out == NULL) {
        return;
    }
    if (zmq_send(rp->kick_out, "", 0, ZMQ_DONTWAIT) == 0) {
        rp->kicked = true;
    }
}

static void s_on_kick(void *ctx, void *sock)
{
    report_t *rp = ctx;
    char b;
    while (zmq_recv(sock, &b, sizeof b, ZMQ_DONTWAIT) >= 0) {
    }
    if (sock == rp->kick_in) {
        rp->kicked = false;
    }
}

static void s_tick(void *svc)
{
    report_t *rp = svc;
    if (rp->pdf.running) {
        if (!atomic_load(&rp->pdf.done)) {
            return;   /* the thread wakes the loop when it is done */
        }
        s_pdf_join(rp);
    }
    s_job_t *job = &rp->job;
    bl_err_t err = {0};
    if (!job->active || !job->at.done) {
        MDB_txn *txn;
        if (bl_store_read(bl_daemon_store(rp->d), &txn, &err) != 0) {
            return;
        }
        if (!job->active && !s_next_job(rp, txn)) {
            mdb_txn_abort(txn);
            return;
        }
        if (!job->at.done) {
            s_render_turn(rp, txn, bl_net_now_ms() + S_TURN_MS);
        }
        mdb_txn_abort(txn);
        if (rp->pdf.running) {
            return;
        }
        if (!job->at.done) {
            s_kick(rp);
            return;
        }
    }
    if (job->failed > 0) {
        bl_log(BL_LOG_ERROR, "rendering incomplete period=%" PRId64
               " files=%d failed=%d dir=%s reason=\"%s\"", job->period,
               job->files, job->failed, job->dir, job->reason);
    } else {
        bl_log(BL_LOG_INFO, "rendered period=%" PRId64 " files=%d dir=%s",
               job->period, job->files, job->dir);
    }
    if (bl_store_write(bl_daemon_store(rp->d), s_finish_job, rp, &err) != 0) {
        /* The job stays queued and is rendered again. */
        bl_log(BL_LOG_ERROR, "cannot record the rendering: %s", err.msg);
    }
    report_summary_destroy(&job->corrs);
    job->active = false;
    s_kick(rp);   /* the next job, if any, without waiting for the poll */
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


/* A close marker: the period is queued for rendering, and the rows still
 * rejected per provider that validation passed on with it are kept for the
 * coordinator's summary (a recomputation's marker carries none: the
 * counts of the last close stay). */
static int s_apply_close(report_t *rp, MDB_txn *txn, const bl_msg_t *msg,
                         bl_err_t *err)
{
    bl_close_t marker;
    if (bl_close_decode(msg->payload, msg->payload_len, &marker, err) != 0) {
        return BL_EPROTO;
    }
    int64_t period = marker.period, gen = marker.generation;
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    if (marker.has_rejected) {
        bl_mpw_t counts;
        bl_mpw_init(&counts);
        int rc = bl_close_write_counts(&counts, &marker) != 0
                     ? bl_err_set(err, BL_ENOMEM, "out of memory")
                     : bl_store_put(txn, bl_daemon_dbi(rp->d, DB_REJECTED),
                                    p, strlen(p), bl_mpw_data(&counts),
                                    bl_mpw_size(&counts), err);
        bl_mpw_destroy(&counts);
        if (rc != 0) {
            return rc;
        }
    }
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

/* Writes a job's stored outcome (see s_encode_outcome) as the reply's
 * fields after `state`. */
static int s_reply_outcome(bl_mpw_t *reply, const char *state,
                           const MDB_val *outcome)
{
    bl_mpr_t r;
    bl_mpr_init(&r, outcome->mv_data, outcome->mv_size);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    bl_reply_begin(reply, n + 1);
    bl_mpw_str(reply, "state");
    bl_mpw_str(reply, state);
    if (r.end > r.p) {
        bl_mpw_raw(reply, r.p, (size_t)(r.end - r.p));
    }
    return 0;
}

static int s_req_period_state(report_t *rp, MDB_txn *txn, int64_t period,
                              bl_mpw_t *reply, bl_err_t *err)
{
    char key[48];
    uint64_t gen = 0;
    snprintf(key, sizeof key, "rendered.%" PRId64, period);
    int rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &gen, err);
    if (rc != 0) {
        return rc;
    }
    snprintf(key, sizeof key, "close\x1f%" PRId64, period);
    MDB_val v;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, DB_DONE), key, strlen(key),
                     &v, NULL) == 0 &&
        s_reply_outcome(reply, "done", &v) == 0) {
        return 0;
    }
    char dir[PATH_MAX];
    s_period_dir(rp, period, dir, sizeof dir);
    bl_reply_begin(reply, 3);
    bl_mpw_str(reply, "generation");
    bl_mpw_uint(reply, gen);
    bl_mpw_str(reply, "failed");
    bl_mpw_int(reply, 0);
    bl_mpw_str(reply, "dir");
    bl_mpw_str(reply, dir);
    return 0;
}

static int s_req_job_state(report_t *rp, MDB_txn *txn, const bl_msg_t *msg,
                           bl_mpw_t *reply)
{
    int64_t id;
    if (bl_req_int(msg, "job", &id) != 0 || id <= 0) {
        bl_reply_error(reply, "job_state needs a job id");
        return 0;
    }
    char key[48], dk[64];
    s_job_key((uint64_t)id, key, sizeof key);
    snprintf(dk, sizeof dk, "request\x1f%s", key);
    MDB_val v;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, DB_DONE), dk, strlen(dk), &v,
                     NULL) == 0) {
        if (s_reply_outcome(reply, "done", &v) != 0) {
            bl_reply_error(reply, "job %" PRId64 ": unreadable outcome", id);
        }
        return 0;
    }
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, DB_JOBS), key, strlen(key),
                     &v, NULL) == 0) {
        bl_reply_begin(reply, 1);
        bl_mpw_str(reply, "state");
        bl_mpw_str(reply, "queued");
        return 0;
    }
    bl_reply_error(reply, "no render job %" PRId64, id);
    return 0;
}

/* A provider id as SPEC section 1 has it: ^[A-Z]{2}-[A-Za-z0-9_.-]{1,40}$ */
static bool s_provider_id_ok(const char *s)
{
    size_t len = strlen(s);
    if (len < 4 || len > 43 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
        s[1] > 'Z' || s[2] != '-') {
        return false;
    }
    for (size_t i = 3; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
              ch == '-')) {
            return false;
        }
    }
    return true;
}

/* A name under data_dir/reports: parts of [A-Za-z0-9_.-], joined by '/',
 * none of them "." or "..", at most 200 bytes. */
static bool s_dir_name_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 200 || s[0] == '/') {
        return false;
    }
    const char *part = s;
    for (size_t i = 0; i <= len; i++) {
        char ch = s[i];
        if (ch == '/' || ch == '\0') {
            size_t pl = (size_t)(s + i - part);
            if (pl == 0 || (pl == 1 && part[0] == '.') ||
                (pl == 2 && part[0] == '.' && part[1] == '.')) {
                return false;
            }
            part = s + i + 1;
        } else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
                     ch == '-')) {
            return false;
        }
    }
    return true;
}

/* Reads an optional string field into buf ("" when absent).  Returns false
 * (and writes the error reply) when it is there but not a string that
 * fits: a bad field is refused, never read as absent. */
static bool s_opt_str(const bl_msg_t *msg, const char *field, char *buf,
                      size_t size, bl_mpw_t *reply)
{
    buf[0] = '\0';
    int rc = bl_req_str(msg, field, buf, size);
    if (rc == 0 || rc == BL_ENOTFOUND) {
        return true;
    }
    buf[0] = '\0';
    bl_reply_error(reply, "render: %s: not a string of at most %zu bytes",
                   field, size - 1);
    return false;
}

/* render {period, provider?, format?, dir?}: queues a job and answers its
 * id at once; job_state tells when it is done. */
static int s_req_render(report_t *rp, MDB_txn *txn, int64_t period,
                        const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    char provider[64], format[8], name[256];
    if (!s_opt_str(msg, "provider", provider, sizeof provider, reply) ||
        !s_opt_str(msg, "format", format, sizeof format, reply) ||
        !s_opt_str(msg, "dir", name, sizeof name, reply)) {
        return 0;
    }
    if (provider[0] != '\0' && !s_provider_id_ok(provider)) {
        bl_reply_error(reply, "render: provider: '%s' is not a provider id",
                       provider);
        return 0;
    }
    if (format[0] != '\0' && strcmp(format, "html") != 0 &&
        strcmp(format, "pdf") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "json") != 0) {
        bl_reply_error(reply, "render: format: must be html, pdf, csv or "
                       "json, not '%s'", format);
        return 0;
    }
    if (name[0] != '\0' && !s_dir_name_ok(name)) {
        bl_reply_error(reply, "render: dir: '%s' is not a folder name under "
                       "the node's reports folder (letters, digits, '_', "
                       "'.', '-' and '/', no '..')", name);
        return 0;
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    char prefix[S_KEY_MAX];
    size_t pl;
    if (provider[0] != '\0') {
        const char *parts[] = {p, provider};
        pl = bl_page_join(prefix, sizeof prefix, parts, 2);
    } else {
        pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    }
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, bl_daemon_dbi(rp->d, DB_PROV), &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    MDB_val k = {pl, prefix}, v;
    bool any = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 &&
               k.mv_size >= pl && memcmp(k.mv_data, prefix, pl) == 0 &&
               (provider[0] == '\0' || k.mv_size == pl);
    mdb_cursor_close(cur);
    if (!any) {
        bl_reply_error(reply, "no results for period %" PRId64 "%s%s yet",
                       period, provider[0] ? " and provider " : "", provider);
        return 0;
    }
    char dir[PATH_MAX];
    if (name[0] != '\0') {
        snprintf(dir, sizeof dir, "%s/reports/%s", rp->cfg->data_dir, name);
    } else {
        s_period_dir(rp, period, dir, sizeof dir);
    }
    uint64_t id = 0;
    rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), "jobs.last", &id, err);
    if (rc == 0) {
        rc = bl_store_put_u64(txn, bl_daemon_meta(rp->d), "jobs.last",
                              ++id, err);
    }
    if (rc != 0) {
        return rc;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 4);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_mpw_str(&w, "provider");
    bl_mpw_str(&w, provider);
    bl_mpw_str(&w, "format");
    bl_mpw_str(&w, format);
    bl_mpw_str(&w, "dir");
    bl_mpw_str(&w, dir);
    char key[48];
    s_job_key(id, key, sizeof key);
    rc = w.err ? bl_err_set(err, BL_ENOMEM, "cannot encode a render job")
               : bl_store_put(txn, bl_daemon_dbi(rp->d, DB_JOBS), key,
                              strlen(key), bl_mpw_data(&w), bl_mpw_size(&w),
                              err);
    bl_mpw_destroy(&w);
    if (rc != 0) {
        return rc;
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "job");
    bl_mpw_uint(reply, id);
    bl_mpw_str(reply, "dir");
    bl_mpw_str(reply, dir);
    return 0;
}

static int s_request(void *svc, MDB_txn *txn, const char *cmd,
                     const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    report_t *rp = svc;
    if (strcmp(cmd, "job_state") == 0) {
        return s_req_job_state(rp, txn, msg, reply);
    }
    int64_t period;
    if (strcmp(cmd, "period_state") != 0 && strcmp(cmd, "render") != 0) {
        bl_reply_error(reply, "unknown command '%s'", cmd);
        return 0;
    }
    if (bl_req_int(msg, "period", &period) != 0 || period < 0 ||
        period > 9999) {
        bl_reply_error(reply, "%s needs a period", cmd);
        return 0;
    }
    if (strcmp(cmd, "period_state") == 0) {
        return s_req_period_state(rp, txn, period, reply, err);
    }
    return s_req_render(rp, txn, period, msg, reply, err);
}

static void s_close(void **svc)
{
    report_t *rp = *svc;
    if (rp != NULL) {
        if (rp->pdf.running) {
            pthread_join(rp->pdf.thread, NULL);
            report_provider_destroy(&rp->pdf.p);
        }
        report_summary_destroy(&rp->job.corrs);
        for (size_t i = 0; i < rp->n_msgs; i++) {
            report_i18n_destroy(&rp->msgs[i]);
        }
        void *socks[] = {rp->kick_in, rp->kick_out, rp->pdf_in,
                         rp->pdf.kick};
        for (int i = 0; i < 4; i++) {
            if (socks[i] != NULL) {
                int linger = 0;
                zmq_setsockopt(socks[i], ZMQ_LINGER, &linger, sizeof linger);
                zmq_close(socks[i]);
            }
        }
        free(rp);
    }
    *svc = NULL;
}

/* The pair of inproc sockets by which a rendering turn wakes the loop for
 * the next one (s_kick). */
static int s_open_pair(report_t *rp, const char *name, void **in,
                       void **out, bl_err_t *err)
{
    char ep[96];
    snprintf(ep, sizeof ep, "inproc://report-%s-%p", name, (void *)rp);
    void *zctx = bl_daemon_zctx(rp->d);
    *in = zmq_socket(zctx, ZMQ_PAIR);
    *out = zmq_socket(zctx, ZMQ_PAIR);
    if (*in == NULL || *out == NULL || zmq_bind(*in, ep) != 0 ||
        zmq_connect(*out, ep) != 0) {
        return bl_err_set(err, BL_EZMQ, "cannot open %s: %s", ep,
                          zmq_strerror(zmq_errno()));
    }
    int rc = bl_daemon_add_socket(rp->d, *in, s_on_kick, rp);
    if (rc != 0) {
        return bl_err_set(err, rc, "cannot poll %s", ep);
    }
    return 0;
}

static int s_open_kick(report_t *rp, bl_err_t *err)
{
    int rc = s_open_pair(rp, "kick", &rp->kick_in, &rp->kick_out, err);
    if (rc == 0) {
        rc = s_open_pair(rp, "pdf", &rp->pdf_in, &rp->pdf.kick, err);
    }
    return rc;
}

static int s_open(void **svc, bl_daemon_t *d, bl_err_t *err)
{
    report_t *rp = calloc(1, sizeof *rp);
    if (rp == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    rp->d = d;
    rp->cfg = bl_daemon_config(d);
    /* The messages are compiled in: make sure they parse before "ready". */
    report_i18n_t *m;
    int rc = report_i18n_open_builtin(&m, s_language(rp, rp->cfg->country),
                                      err);
    report_i18n_destroy(&m);
    if (rc != 0) {
        free(rp);
        return rc;
    }
    rc = s_open_kick(rp, err);
    if (rc != 0) {
        s_close((void **)&rp);
        return rc;
    }
    *svc = rp;
    return 0;
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
