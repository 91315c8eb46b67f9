/*
 * report_state: what the report daemon holds for its whole life, shared by
 * the modules that make up the stage (report.c, report_jobs.c,
 * report_requests.c, report_files.c, report_enrich.c): the store's
 * databases, the job being worked off, the PDF thread, the parsed message
 * catalogues and the sockets that wake the loop.
 *
 * It is the daemon's private state, not an interface: no other stage and
 * no test includes it.  The store's layout is described in report.c.
 * Everything here is touched by the loop's thread only, except the PDF
 * job while its thread runs (see report_pdfjob.h).
 */
#ifndef REPORT_STATE_H
#define REPORT_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_config.h"
#include "bl_daemon.h"
#include "bl_store.h"
#include "report_chart.h"
#include "report_i18n.h"
#include "report_model.h"
#include "report_pdfjob.h"

/* The databases of the store, in the order of report_ops.db_names. */
enum {
    REPORT_DB_PROV = 0,   /* period \x1f provider -> the provider's result */
    REPORT_DB_SUMMARY,    /* period -> the coordinator's summary */
    REPORT_DB_REJECTED,   /* period -> rows still rejected per provider */
    REPORT_DB_JOBS,       /* %020 id -> a queued render request */
    REPORT_DB_DONE,       /* a finished job's outcome */
    REPORT_DB_ISTATS      /* period \x1f indicator \x1f group \x1f key ->
                             an instance's statistics (report_istats.h) */
};

#define REPORT_KEY_MAX BL_STORE_KEY_MAX

#define REPORT_FAILED_NAMED 10   /* failed reports a job's outcome names */
#define REPORT_LANGS_MAX 8       /* report languages kept parsed */
#define REPORT_TURN_SLOTS 10     /* tenths of a second of tick times kept */

typedef enum report_job_kind {
    REPORT_JOB_CLOSE = 1,        /* a close marker: every provider */
    REPORT_JOB_REQUEST           /* a queued render request */
} report_job_kind_t;

/* Where a rendering stands: the pass and the key of the last provider
 * written in it.  A close job goes over its providers twice: every HTML
 * page first (then the summary), the CSV and JSON files in the second
 * pass; a request job once.  A zeroed cursor starts from the beginning. */
typedef struct report_cursor {
    char after[REPORT_KEY_MAX];  /* "" before the first */
    size_t after_len;
    int pass;                    /* close jobs: 0 the HTML pages, 1 the CSV
                                    and JSON files; request jobs: 0 */
    bool providers_done;         /* every provider of the pass written; the
                                    summary follows in turns of its own */
    bool done;                   /* every provider and the summary
                                    written */
} report_cursor_t;

/* The job being worked off. */
typedef struct report_job {
    bool active;
    report_job_kind_t kind;
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
    report_cursor_t at;
    int files;                  /* files written */
    int failed;                 /* reports that could not be written */
    char failed_ids[REPORT_FAILED_NAMED][64];
    char reason[256];           /* the first failure's reason */
    char (*html_failed)[64];    /* close jobs: the providers whose HTML
                                   pass failed, in key order, skipped by
                                   the second pass (a report fails once);
                                   heap, NULL when none */
    size_t html_failed_n;       /* entries in html_failed */
    size_t html_failed_cap;     /* its room */
    size_t html_failed_at;      /* the second pass's place in it */
    report_summary_t *corrs;    /* the period's shown correlations, read
                                   once per job; NULL until then */
    bool corrs_read;
    struct report_corr_end *corr_ends;   /* both ends of each of corrs,
                                   sorted by indicator id (report_enrich.c);
                                   heap, with corrs */
    size_t corr_end_count;
    report_summary_t *summary;  /* the summary page read in one turn and
                                   written in the next; NULL otherwise */
    report_i18n_t *summary_m;   /* its messages, with summary */
} report_job_t;

typedef struct report {
    bl_daemon_t *d;
    const bl_config_t *cfg;
    report_job_t job;
    report_job_t paused;        /* a close job set aside while a request
                                   (a provider's PDF from the portal)
                                   goes first; resumed where it stood */
    bool has_paused;
    report_i18n_t *msgs[REPORT_LANGS_MAX];   /* parsed messages, by
                                                language */
    char msg_langs[REPORT_LANGS_MAX][4];
    size_t n_msgs;
    report_chart_memo_t *charts;   /* the charts' pictures drawn for
                                   earlier HTML pages (their messages are
                                   msgs, kept as long); NULL until the
                                   first page */
    report_pdfjob_t pdf;        /* the PDF being written by a thread */
    void *pdf_in;               /* inproc PAIR the PDF thread wakes */
    void *kick_in;              /* inproc PAIR the loop polls */
    void *kick_out;             /* its other end: a byte = "render on" */
    bool kicked;                /* a byte is waiting in kick_in */
    long long turn_ms[REPORT_TURN_SLOTS];   /* the longest tick (ms) of
                                   each tenth of a second of the last
                                   second, by slot (ms / 100) % slots */
    long long turn_cpu_ms[REPORT_TURN_SLOTS];   /* the same in the loop
                                   thread's CPU time (ms) */
    long long turn_at[REPORT_TURN_SLOTS];   /* the tenth (ms / 100) each
                                   slot holds */
    char iobuf[1 << 16];        /* the stdio buffer of the file being
                                   written by the loop: a report in a few
                                   writes, not one per 4 KB */
} report_t;

#endif
