/*
 * report: the report daemon's frame — the store's layout, the messages it
 * applies (results and close markers), and opening and closing the stage.
 * The daemon's files read as its table of contents:
 *   report_requests.c  the requests (period_state, job_state, render)
 *   report_jobs.c      the rendering queue, worked off a turn at a time
 *   report_pdfjob.c    a provider's PDF on a thread of its own
 *   report_decode.c    stored results into the report model
 *   report_istats.c    the instances' statistics the results refer to
 *   report_enrich.c    a report's learning curve and related indicators
 *   report_files.c     one provider's files and the summary page on disk
 *   report_model.c     the model; report_sections.c what the HTML and
 *                      the PDF both walk and say; report_html*.c,
 *                      report_hw.c, report_pdf.c, report_export.c,
 *                      report_chart.c the formats
 * See report.h for the requests and report_state.h for the state.
 *
 * Store: "prov" period \x1f provider -> the provider's result and
 * "summary" period -> the coordinator's summary, as the benchmarking
 * daemon encoded them (bl_results_codec.h);
 * "istats" period \x1f indicator \x1f group \x1f key -> the statistics of
 * a group instance, sent once per computation ahead of the providers'
 * results, whose position entries refer to them (report_istats.h); a
 * newer generation's replace the period's older ones;
 * "rejected" period -> [[provider, rows still rejected]...] as validation
 * passed them on with the close marker;
 * "jobs" %020 id -> a queued render request {period, provider, format, dir};
 * "done" "request" \x1f %020 id, or "close" \x1f period -> a finished job's
 * outcome {generation, files, failed, failed_reports, reason, dir}.
 * meta "istats.<period>" is 1 + the generation of the period's "istats",
 * "pending.<period>" a close generation waiting to be rendered,
 * "rendered.<period>" the last one rendered, "jobs.last" the last job id,
 * "closes.<period>" the close markers received for the period, and
 * "pdf.<period>" \x1f provider 1 + the "closes.<period>" a kept PDF was
 * rendered under.
 *
 * A close renders every provider's HTML, CSV and JSON and the summary,
 * in two passes over its providers: every HTML page first (then the
 * summary), the CSV and JSON in the second, so that the pages people read
 * are there as early as they can be ("html rendered" in the log).  Not the
 * PDFs (cairo and pango take tens of milliseconds each: 40
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

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bl_close_codec.h"
#include "bl_page.h"
#include "bl_results_codec.h"
#include "report_decode.h"
#include "report_enrich.h"
#include "report_i18n.h"
#include "report_istats.h"
#include "report_jobs.h"
#include "report_rebalance.h"
#include "report_requests.h"
#include "report_state.h"

/* In the order of REPORT_DB_* (report_state.h). */
static const char *const s_dbs[] = {"prov", "summary", "rejected", "jobs",
                                    "done", "istats"};

static int s_apply_results(report_t *rp, MDB_txn *txn, const bl_msg_t *msg,
                           bl_err_t *err)
{
    bl_results_reader_t rd;
    if (bl_results_open(&rd, msg->payload, msg->payload_len, err) != 0) {
        return BL_EPROTO;
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, rd.period);
    const uint8_t *item;
    size_t il;
    int rc = rd.kind == BL_RESULTS_STATS
                 ? report_istats_begin(rp, txn, rd.period, rd.generation, err)
                 : 0;
    if (rc != 0) {
        return rc;
    }
    while ((rc = bl_results_next(&rd, &item, &il, err)) == 0) {
        if (rd.kind == BL_RESULTS_STATS) {
            rc = report_istats_put(rp, txn, rd.period, item, il, err);
        } else if (rd.kind == BL_RESULTS_SUMMARY) {
            rc = bl_store_put(txn, bl_daemon_dbi(rp->d, REPORT_DB_SUMMARY),
                              p, strlen(p), item, il, err);
        } else {
            char id[BL_RESULTS_PROVIDER_MAX];
            if (bl_results_provider_id(item, il, id) != 0) {
                return bl_err_set(err, BL_EPROTO, "results message: a "
                                  "provider without an id");
            }
            const char *parts[] = {p, id};
            char key[REPORT_KEY_MAX];
            size_t kl = bl_page_join(key, sizeof key, parts, 2);
            rc = bl_store_put(txn, bl_daemon_dbi(rp->d, REPORT_DB_PROV), key,
                              kl, item, il, err);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
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
                     : bl_store_put(txn,
                                    bl_daemon_dbi(rp->d, REPORT_DB_REJECTED),
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

/* Health's own fields: turn_ms, the longest loop turn of the last second,
 * which bounds how long a request waited for the loop, and turn_cpu_ms,
 * the daemon's own work in it (a test holds that under 100 ms while a
 * large period renders). */
static uint32_t s_health(void *svc, MDB_txn *txn, bl_mpw_t *reply)
{
    (void)txn;
    const report_t *rp = svc;
    long long wall, cpu;
    report_jobs_turns(rp, &wall, &cpu);
    bl_mpw_str(reply, "turn_ms");
    bl_mpw_int(reply, wall);
    bl_mpw_str(reply, "turn_cpu_ms");
    bl_mpw_int(reply, cpu);
    return 2;
}

static void s_close(void **svc)
{
    report_t *rp = *svc;
    if (rp != NULL) {
        report_pdfjob_abandon(&rp->pdf);
        report_job_t *jobs[] = {&rp->job, &rp->paused};
        for (int i = 0; i < 2; i++) {
            report_enrich_release(jobs[i]);
            free(jobs[i]->html_failed);
            report_summary_destroy(&jobs[i]->summary);
            report_i18n_destroy(&jobs[i]->summary_m);
        }
        report_chart_memo_destroy(&rp->charts);
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
 * the next one (report_jobs_kick). */
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
    int rc = bl_daemon_add_socket(rp->d, *in, report_jobs_on_kick, rp);
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
    int rc = report_i18n_open_builtin(
        &m, report_decode_language(rp->cfg, rp->cfg->country), err);
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
    .store_mode = BL_STORE_BUFFERED,   /* small transactions */
    .open = s_open,
    .apply = s_apply,
    .request = report_requests_answer,
    .health = s_health,
    .committed = NULL,
    .tick = report_jobs_tick,
    .close = s_close,
    .rebalance = &report_rebalance,
};
