/*
 * report_files: the report daemon's files on disk (see report_files.h).
 * A file is written through a large stdio buffer of the daemon's (a
 * report in a few writes, not one per 4 KB) and its fclose is checked:
 * a full disk shows there, not at fprintf.
 */
#include "report_files.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bl_close_codec.h"
#include "bl_log.h"
#include "bl_mp.h"
#include "report_decode.h"
#include "report_export.h"
#include "report_html.h"
#include "report_names.h"

const report_i18n_t *report_files_messages(report_t *rp, const char *lang,
                                           bl_err_t *err)
{
    for (size_t i = 0; i < rp->n_msgs; i++) {
        if (strcmp(rp->msg_langs[i], lang) == 0) {
            return rp->msgs[i];
        }
    }
    /* Never evicted: the PDF thread may be reading one.  A node has one
     * language, or one per country of report_i18n_language_for_country. */
    if (rp->n_msgs == REPORT_LANGS_MAX) {
        bl_err_set(err, BL_EINVAL, "more than %d report languages",
                   REPORT_LANGS_MAX);
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

static const char *const s_formats[] = {"html", "csv", "json"};
#define S_FORMATS 3

unsigned report_files_formats(const char *format)
{
    if (format[0] == '\0') {
        return REPORT_FILES_ALL;
    }
    for (int i = 0; i < S_FORMATS; i++) {
        if (strcmp(format, s_formats[i]) == 0) {
            return 1u << i;
        }
    }
    return 0;
}

/* Writes provider p's files of the set formats.  Returns the number of
 * files written, or a negative code. */
int report_files_provider(report_t *rp, const report_provider_t *p,
                          const report_i18n_t *m, const char *dir,
                          unsigned formats, bl_err_t *err)
{
    int files = 0, rc = 0;
    for (int i = 0; i < S_FORMATS && rc == 0; i++) {
        if ((formats & (1u << i)) == 0) {
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
        if (i == 0 && rp->charts == NULL) {
            rp->charts = report_chart_memo_new();   /* NULL: drawn */
        }
        rc = i == 0   ? report_html_write_provider_memo(f, p, m, rp->charts,
                                                        err)
             : i == 1 ? report_export_csv(f, p, err)
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
 * with the period's close marker (stored by report.c's s_apply_close), to s. */
static int s_add_rejected(const report_t *rp, MDB_txn *txn, int64_t period,
                          report_summary_t *s)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    MDB_val v;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, REPORT_DB_REJECTED), p,
                     strlen(p), &v, NULL) != 0) {
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
int report_files_summary_read(const report_t *rp, MDB_txn *txn,
                              int64_t period, report_summary_t **s,
                              report_i18n_t **m, bl_err_t *err)
{
    *s = NULL;
    *m = NULL;
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    MDB_val sv;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, REPORT_DB_SUMMARY), p,
                     strlen(p), &sv, NULL) != 0) {
        return 0;
    }
    *s = report_decode_summary(rp->cfg, sv.mv_data, sv.mv_size, (int)period);
    if (*s == NULL) {
        return bl_err_set(err, BL_EPROTO, "the stored summary of %s is "
                          "unreadable", p);
    }
    if (s_add_rejected(rp, txn, period, *s) != 0) {
        bl_log(BL_LOG_WARN, "stored rejected-row counts are unreadable "
               "period=%s", p);
    }
    const char *lang = report_decode_language(rp->cfg, rp->cfg->country);
    int rc = report_i18n_open_builtin(m, lang, err);
    if (rc == 0 && (report_names_messages(*m, rp->cfg->catalogue) != 0 ||
                    report_names_summary(*s, rp->cfg->catalogue, lang) != 0)) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    if (rc != 0) {
        report_i18n_destroy(m);
        report_summary_destroy(s);
    }
    return rc;
}

int report_files_summary_write(report_summary_t **s, report_i18n_t **m,
                               const char *dir, bl_err_t *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/summary.html", dir);
    int rc = 0;
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        rc = bl_err_set(err, -errno, "cannot write '%s': %s", path,
                        strerror(errno));
    }
    if (rc == 0) {
        rc = report_html_write_summary(f, *s, *m, err);
    }
    if (f != NULL && fclose(f) != 0 && rc == 0) {
        rc = bl_err_set(err, BL_EIO, "cannot write '%s'", path);
    }
    report_i18n_destroy(m);
    report_summary_destroy(s);
    return rc != 0 ? rc : 1;
}
