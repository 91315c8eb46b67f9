/*
 * report_jobs: the rendering queue of the report daemon.  A close marker
 * or a `render` request records a job in its transaction (report.c,
 * report_requests.c); the loop works the jobs off here, one at a time, a
 * queued request before a pending close, from a read transaction for about
 * S_TURN_MS per turn, so the daemon keeps answering while it renders.  An
 * inbox handler never writes a file.
 *
 * A close job renders every provider of its worker's share, the HTML
 * pages in a first pass (then the summary), the CSV and JSON in a second; a request job what it names, its PDF included,
 * which is served from the period's folder while it is fresh.  When a job
 * is done its outcome is recorded in a write transaction of its own.
 */
#include "report_jobs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_fs.h"
#include "bl_log.h"
#include "bl_net.h"
#include "bl_outbox.h"
#include "bl_page.h"
#include "report_decode.h"
#include "report_enrich.h"
#include "report_files.h"
#include "report_istats.h"

#define S_TURN_MS 40        /* rendering per loop turn, one provider at least */
#define S_DONE_KEPT 100     /* outcomes of request jobs kept for job_state */

void report_jobs_period_dir(const report_t *rp, int64_t period, char *buf,
                            size_t size)
{
    snprintf(buf, size, "%s/reports/%" PRId64, rp->cfg->data_dir, period);
}

void report_jobs_key(uint64_t id, char *buf, size_t size)
{
    snprintf(buf, size, "%020" PRIu64, id);
}

/* Counts one report of the job that could not be written. */
static void s_job_fail(report_job_t *job, const char *what, const char *why)
{
    if (job->failed < REPORT_FAILED_NAMED) {
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

/* Joins the PDF thread and counts its file into the job. */
static void s_pdf_join(report_t *rp)
{
    report_pdfjob_t *pdf = &rp->pdf;
    if (!pdf->running) {
        return;
    }
    if (report_pdfjob_join(pdf) != 0) {
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
    report_job_t *job = &rp->job;
    const char *id = (*rep)->provider_id;
    char pdir[PATH_MAX], kept[PATH_MAX], key[REPORT_KEY_MAX];
    report_jobs_period_dir(rp, job->period, pdir, sizeof pdir);
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
        if (!same && report_pdfjob_copy(kept, dst, &err) != 0) {
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
        rc = report_pdfjob_start(&rp->pdf, rep, m, pdir,
                                 same ? NULL : job->dir, &err);
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

/* Remembers that provider id's HTML failed in a close job's first pass,
 * so that the second skips it: a report that could not be written counts
 * once, and gets no CSV or JSON, as when one pass wrote all three.
 * Without memory it is not remembered (and may count twice). */
static void s_html_failed_add(report_job_t *job, const char *id)
{
    if (job->html_failed_n == job->html_failed_cap) {
        size_t cap = job->html_failed_cap ? 2 * job->html_failed_cap : 16;
        void *p = realloc(job->html_failed, cap * sizeof job->html_failed[0]);
        if (p == NULL) {
            return;
        }
        job->html_failed = p;
        job->html_failed_cap = cap;
    }
    snprintf(job->html_failed[job->html_failed_n++],
             sizeof job->html_failed[0], "%s", id);
}

/* Whether provider id's HTML failed in the first pass.  The second pass
 * asks in key order, the order the first added them in. */
static bool s_html_failed_had(report_job_t *job, const char *id)
{
    while (job->html_failed_at < job->html_failed_n &&
           strcmp(job->html_failed[job->html_failed_at], id) < 0) {
        job->html_failed_at++;
    }
    return job->html_failed_at < job->html_failed_n &&
           strcmp(job->html_failed[job->html_failed_at], id) == 0;
}

/* After the first pass of a close job (and its summary): the second, over
 * the same providers from the first.  Otherwise the job is done. */
static void s_next_pass(report_job_t *job)
{
    report_cursor_t *at = &job->at;
    at->done = true;
    if (job->kind == REPORT_JOB_CLOSE && at->pass == 0) {
        at->pass = 1;
        at->after_len = 0;
        at->providers_done = false;
        at->done = false;
    }
}

/* The coordinator's summary after the job's providers: read in one turn
 * and written in the next, each tens of milliseconds at 50,000
 * participants.  Sets at.done when it is written, absent or failed. */
static void s_summary_turn(report_t *rp, MDB_txn *txn, const char *mkdir_why)
{
    report_job_t *job = &rp->job;
    bl_err_t err = {0};
    int n;
    if (mkdir_why[0] != '\0') {
        n = bl_err_set(&err, BL_EIO, "%s", mkdir_why);
    } else if (job->summary == NULL) {
        n = report_files_summary_read(rp, txn, job->period, &job->summary,
                                      &job->summary_m, &err);
        if (n == 0 && job->summary != NULL) {
            return;   /* written in the next turn */
        }
    } else {
        n = report_files_summary_write(&job->summary, &job->summary_m,
                                       job->dir, &err);
    }
    if (n < 0) {
        s_job_fail(job, "summary", err.msg);
    } else {
        job->files += n;
    }
    s_next_pass(job);
}

/* Renders the job's providers from its cursor on until deadline (at least
 * one): a close job every HTML page in its first pass, the CSV and JSON
 * files in its second, so that every page is there as early as it can
 * be; a request job what it asks for in one pass, the PDF handed to its
 * thread (the turn ends there).  Sets at.done after the last pass and the
 * summary.  A job's first turn only reads the period's correlations, and
 * the summary takes two turns of its own after the HTML pages
 * (s_summary_turn). */
static void s_render_turn(report_t *rp, MDB_txn *txn, long long deadline)
{
    report_job_t *job = &rp->job;
    report_cursor_t *at = &job->at;
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, job->period);
    char prefix[REPORT_KEY_MAX];
    size_t pl;
    if (job->provider[0] != '\0') {
        const char *parts[] = {p, job->provider};
        pl = bl_page_join(prefix, sizeof prefix, parts, 2);
    } else {
        pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    }
    if (!job->corrs_read) {
        /* The period's correlations first, in a turn of their own: the
         * summary they are read from is megabytes at 50,000 providers. */
        report_enrich_read_correlations(rp, txn, job);
        return;
    }
    bl_err_t err = {0};
    int rc = bl_fs_mkdirs(job->dir, 0755);
    char mkdir_why[BL_ERR_MSG_MAX] = "";
    if (rc != 0) {
        snprintf(mkdir_why, sizeof mkdir_why, "cannot create '%s': %s",
                 job->dir, strerror(-rc));
    }
    if (at->providers_done) {
        s_summary_turn(rp, txn, mkdir_why);
        return;
    }
    MDB_cursor *cur;
    rc = mdb_cursor_open(txn, bl_daemon_dbi(rp->d, REPORT_DB_PROV), &cur);
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
    bool pdf = job->kind == REPORT_JOB_REQUEST &&
               (job->format[0] == '\0' || strcmp(job->format, "pdf") == 0);
    bool close = job->kind == REPORT_JOB_CLOSE;
    unsigned formats = !close          ? report_files_formats(job->format)
                       : at->pass == 0 ? REPORT_FILES_HTML
                                       : REPORT_FILES_CSV | REPORT_FILES_JSON;
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
        if (close && workers > 1 &&
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
        if (close && at->pass == 1 && s_html_failed_had(job, id)) {
            /* Counted in the first pass. */
            rendered++;
            if (k.mv_size < sizeof at->after) {
                memcpy(at->after, k.mv_data, k.mv_size);
                at->after_len = k.mv_size;
            }
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;
        }
        report_istats_source_t src = {rp, txn, job->period};
        report_provider_t *rep = report_decode_provider(
            rp->cfg, v.mv_data, v.mv_size, (int)job->period,
            report_istats_get, &src);
        const report_i18n_t *m = NULL;
        bl_err_clear(&err);
        int failed = job->failed;
        if (rep == NULL) {
            s_job_fail(job, id, "the stored result is unreadable");
        } else if (mkdir_why[0] != '\0') {
            s_job_fail(job, id, mkdir_why);
        } else if ((m = report_files_messages(
                        rp, report_decode_language(rp->cfg, rep->country),
                        &err)) == NULL) {
            s_job_fail(job, id, err.msg);
        } else {
            report_enrich_curve(rp, txn, rep);
            report_enrich_related(rp, txn, job, rep);
            int n = report_files_provider(rp, rep, m, job->dir, formats,
                                          &err);
            if (n < 0) {
                s_job_fail(job, id, err.msg);
            } else {
                job->files += n;
                if (close && at->pass == 0) {
                    s_drop_stale_pdf(job->dir, rep->provider_id);
                } else if (pdf && job->provider[0] != '\0') {
                    s_request_pdf(rp, txn, &rep, m);
                } else if (pdf && report_pdfjob_start(&rp->pdf, &rep, m,
                                                      job->dir, NULL,
                                                      &err) != 0) {
                    s_job_fail(job, id, err.msg);
                }
            }
        }
        if (close && at->pass == 0 && job->failed != failed) {
            s_html_failed_add(job, id);
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
    if (!at->done) {
        return;
    }
    if (close && at->pass == 0) {
        bl_log(BL_LOG_INFO, "html rendered period=%" PRId64 " files=%d "
               "failed=%d", job->period, job->files, job->failed);
    }
    if (job->provider[0] == '\0' && (!close || me == 0) &&
        (formats & REPORT_FILES_HTML)) {
        at->providers_done = true;   /* the summary next */
        at->done = false;
        return;
    }
    s_next_pass(job);
}

/* Reads the request job stored under key into rp->job. */
static bool s_load_request(report_t *rp, const MDB_val *k, const MDB_val *v)
{
    report_job_t *job = &rp->job;
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
    job->kind = REPORT_JOB_REQUEST;
    return true;
}

/* Takes up the next job: a queued request first (they are small and a
 * person waits for them), else a period whose close is not rendered yet
 * ("pending.<period>" in meta). */
/* Whether a request job (render of one provider or format) is queued. */
static bool s_request_waiting(report_t *rp, MDB_txn *txn)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, bl_daemon_dbi(rp->d, REPORT_DB_JOBS), &cur) !=
        0) {
        return false;
    }
    MDB_val k, v;
    bool found = mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0;
    mdb_cursor_close(cur);
    return found;
}

static bool s_next_job(report_t *rp, MDB_txn *txn)
{
    report_job_t *job = &rp->job;
    memset(job, 0, sizeof *job);
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, bl_daemon_dbi(rp->d, REPORT_DB_JOBS), &cur) != 0) {
        return false;
    }
    MDB_val k, v;
    bool found = mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0;
    if (found && !s_load_request(rp, &k, &v)) {
        /* Stored by this daemon, so this cannot happen; drop it below. */
        bl_log(BL_LOG_ERROR, "an unreadable render job is dropped");
        memset(job, 0, sizeof *job);
        job->kind = REPORT_JOB_REQUEST;
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
            job->kind = REPORT_JOB_CLOSE;
            job->period = strtoll(p, NULL, 10);
            job->generation = bl_store_u64_from(v.mv_data);
            report_jobs_period_dir(rp, job->period, job->dir, sizeof job->dir);
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
        if (job->kind == REPORT_JOB_CLOSE) {
            bl_log(BL_LOG_INFO, "rendering period=%" PRId64
                   " generation=%" PRIu64, job->period, job->generation);
        }
    }
    job->active = found;
    return found;
}

/* Encodes the job's outcome: {generation, files, failed, failed_reports,
 * reason, dir}. */
static int s_encode_outcome(const report_job_t *job, bl_mpw_t *w)
{
    bl_mpw_map(w, 6);
    bl_mpw_str(w, "generation");
    bl_mpw_uint(w, job->generation);
    bl_mpw_str(w, "files");
    bl_mpw_int(w, job->files);
    bl_mpw_str(w, "failed");
    bl_mpw_int(w, job->failed);
    bl_mpw_str(w, "failed_reports");
    int named = job->failed < REPORT_FAILED_NAMED ? job->failed
                                                  : REPORT_FAILED_NAMED;
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
    report_job_t *job = &rp->job;
    bl_mpw_t w;
    bl_mpw_init(&w);
    if (s_encode_outcome(job, &w) != 0) {
        bl_mpw_destroy(&w);
        return bl_err_set(err, BL_ENOMEM, "cannot encode a job's outcome");
    }
    char key[48];
    int rc;
    MDB_dbi done = bl_daemon_dbi(rp->d, REPORT_DB_DONE);
    if (job->kind == REPORT_JOB_REQUEST) {
        report_jobs_key(job->id, key, sizeof key);
        rc = bl_store_del(txn, bl_daemon_dbi(rp->d, REPORT_DB_JOBS), key,
                          strlen(key), err);
        if (rc == 0 || rc == BL_ENOTFOUND) {
            char dk[48];
            snprintf(dk, sizeof dk, "request\x1f%s", key);
            rc = bl_store_put(txn, done, dk, strlen(dk), bl_mpw_data(&w),
                              bl_mpw_size(&w), err);
        }
        if (rc == 0 && job->keep_pdf && job->failed == 0) {
            char kk[REPORT_KEY_MAX];
            size_t kl = s_kept_key(job->period, job->provider, kk,
                                   sizeof kk);
            rc = kl == 0 ? 0
                         : bl_store_put_u64(txn, bl_daemon_meta(rp->d), kk,
                                            job->closes + 1, err);
        }
        if (rc == 0 && job->id > S_DONE_KEPT) {
            char old[48], dk[64];
            report_jobs_key(job->id - S_DONE_KEPT, old, sizeof old);
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
void report_jobs_kick(report_t *rp)
{
    if (rp->kicked || rp->kick_out == NULL) {
        return;
    }
    if (zmq_send(rp->kick_out, "", 0, ZMQ_DONTWAIT) == 0) {
        rp->kicked = true;
    }
}

void report_jobs_on_kick(void *ctx, void *sock)
{
    report_t *rp = ctx;
    char b;
    while (zmq_recv(sock, &b, sizeof b, ZMQ_DONTWAIT) >= 0) {
    }
    if (sock == rp->kick_in) {
        rp->kicked = false;
    }
}

/* The loop thread's CPU time in ms; 0 when the clock cannot be read. */
static long long s_cpu_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
        return 0;
    }
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One tick (see report_jobs_tick). */
static void s_tick(report_t *rp)
{
    if (rp->pdf.running) {
        if (!atomic_load(&rp->pdf.done)) {
            return;   /* the thread wakes the loop when it is done */
        }
        s_pdf_join(rp);
    }
    if (bl_daemon_disk_low(rp->d)) {
        return;   /* no new files below the reserve: the tick after the
                     space comes back goes on where this one stopped */
    }
    report_job_t *job = &rp->job;
    bl_err_t err = {0};
    if (!job->active || !job->at.done) {
        MDB_txn *txn;
        if (bl_store_read(bl_daemon_store(rp->d), &txn, &err) != 0) {
            return;
        }
        if (job->active && job->kind == REPORT_JOB_CLOSE &&
            !rp->has_paused && s_request_waiting(rp, txn)) {
            /* A request goes first: a close takes minutes, a provider's
             * file a moment.  The close goes on where it stood after. */
            rp->paused = *job;
            rp->has_paused = true;
            memset(job, 0, sizeof *job);
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
            report_jobs_kick(rp);
            return;
        }
    }
    /* A request's job says so: "rendered period=" is a close's end. */
    const char *what = job->kind == REPORT_JOB_REQUEST ? "request " : "";
    if (job->failed > 0) {
        bl_log(BL_LOG_ERROR, "rendering %sincomplete period=%" PRId64
               " files=%d failed=%d dir=%s reason=\"%s\"", what, job->period,
               job->files, job->failed, job->dir, job->reason);
    } else {
        bl_log(BL_LOG_INFO, "rendered %speriod=%" PRId64 " files=%d dir=%s",
               what, job->period, job->files, job->dir);
    }
    if (bl_store_write(bl_daemon_store(rp->d), s_finish_job, rp, &err) != 0) {
        /* The job stays queued and is rendered again. */
        bl_log(BL_LOG_ERROR, "cannot record the rendering: %s", err.msg);
    }
    report_enrich_release(job);
    report_summary_destroy(&job->summary);
    report_i18n_destroy(&job->summary_m);
    free(job->html_failed);
    job->html_failed = NULL;
    job->active = false;
    if (rp->has_paused) {
        *job = rp->paused;   /* the close set aside for this request */
        rp->has_paused = false;
        memset(&rp->paused, 0, sizeof rp->paused);
    }
    report_jobs_kick(rp);   /* the next job, if any, without waiting for
                               the poll */
}


void report_jobs_tick(void *svc)
{
    report_t *rp = svc;
    long long t0 = bl_net_now_ms();
    long long c0 = s_cpu_ms();
    s_tick(rp);
    long long now = bl_net_now_ms();
    long long cpu = s_cpu_ms() - c0;
    long long tenth = now / 100;
    size_t slot = (size_t)(tenth % REPORT_TURN_SLOTS);
    if (rp->turn_at[slot] != tenth) {
        rp->turn_at[slot] = tenth;
        rp->turn_ms[slot] = 0;
        rp->turn_cpu_ms[slot] = 0;
    }
    if (now - t0 > rp->turn_ms[slot]) {
        rp->turn_ms[slot] = now - t0;
    }
    if (cpu > rp->turn_cpu_ms[slot]) {
        rp->turn_cpu_ms[slot] = cpu;
    }
}

void report_jobs_turns(const report_t *rp, long long *wall_ms,
                       long long *cpu_ms)
{
    long long tenth = bl_net_now_ms() / 100;
    *wall_ms = 0;
    *cpu_ms = 0;
    for (size_t i = 0; i < REPORT_TURN_SLOTS; i++) {
        if (rp->turn_at[i] <= tenth - REPORT_TURN_SLOTS) {
            continue;
        }
        if (rp->turn_ms[i] > *wall_ms) {
            *wall_ms = rp->turn_ms[i];
        }
        if (rp->turn_cpu_ms[i] > *cpu_ms) {
            *cpu_ms = rp->turn_cpu_ms[i];
        }
    }
}
