/*
 * cli_submit: `benchlearn submit` and `benchlearn check`.
 *
 * submit reads each file with the streaming CSV reader, sends the header
 * and then batches of rows to the ingestion daemon (several batches in
 * flight), and prints the submission id once the daemon has stored every
 * row.  With --wait it then waits for validation and prints the outcome and
 * every rejected row as `file:line: field: reason`.  A progress bar shows
 * on a terminal only.
 *
 * With --wait the files are still sent one after the other without waiting
 * in between, so that validation works on one while the next arrives (the
 * node keeps their order); the outcomes are printed in the files' order
 * after.  A register is waited for before the files after it are sent:
 * their rows are checked against it.
 */
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bl_csv.h"
#include "bl_net.h"
#include "bl_outcomes_client.h"
#include "cli.h"
#include "bl_rpc.h"
#include "bl_strset.h"
#include "bl_submit_client.h"

#define S_TIMEOUT_MS 120000
#define S_WAIT_MS (30 * 60 * 1000)
#define S_STATUS_FIRST_MS 250        /* a status answer's first wait */
#define S_STATUS_MAX_MS 2000         /* ... doubled up to this */
#define S_STATUS_FAILING_MS 60000    /* failures given up on after this */

typedef struct s_submit {
    const char *file;
    bool progress;
    size_t file_size;
    long long started_ms, shown_ms;
    char kind[32];              /* as ingestion read the header */
} s_submit_t;

static void s_show_progress(s_submit_t *s, uint64_t rows, size_t offset,
                            bool last)
{
    if (!s->progress) {
        return;
    }
    long long now = bl_net_now_ms();
    if (!last && now - s->shown_ms < 200) {
        return;
    }
    s->shown_ms = now;
    double secs = (double)(now - s->started_ms) / 1000.0;
    double pct = s->file_size ? 100.0 * (double)offset / (double)s->file_size
                              : 100.0;
    int filled = (int)(pct / 5.0);
    char bar[21];
    for (int i = 0; i < 20; i++) {
        bar[i] = i < filled ? '#' : '.';
    }
    bar[20] = '\0';
    fprintf(stderr, "\r%s [%s] %5.1f%% %" PRIu64 " rows %.0f rows/s%s",
            s->file, bar, pct, rows,
            secs > 0 ? (double)rows / secs : 0.0, last ? "\n" : "");
    fflush(stderr);
}

static void s_progress(void *ctx, uint64_t rows, size_t offset)
{
    s_show_progress(ctx, rows, offset, false);
}

static void s_kind(void *ctx, const char *kind)
{
    s_submit_t *s = ctx;
    snprintf(s->kind, sizeof s->kind, "%s", kind);
}

static void s_header_problem(void *ctx, uint64_t line, const char *reason)
{
    const s_submit_t *s = ctx;
    printf("%s:%" PRIu64 ": %s\n", s->file, line, reason);
}

/* Sends one file over rpc.  Returns 0 (stored, its id in sub), 1
 * (rejected as a whole, or unreadable) or 2, after printing why. */
static int s_send_file(s_submit_t *s, bl_rpc_t *rpc, bool dry_run,
                       char *sub, size_t sub_size, uint64_t *rows)
{
    int fd = open(s->file, O_RDONLY);
    if (fd < 0) {
        cli_error("cannot open '%s': %s", s->file, strerror(errno));
        return 1;
    }
    struct stat st;
    s->file_size = fstat(fd, &st) == 0 ? (size_t)st.st_size : 0;
    s->started_ms = bl_net_now_ms();
    sub[0] = '\0';
    bl_submit_req_t req = {rpc, fd, s->file, dry_run, S_TIMEOUT_MS, 0};
    bl_submit_hooks_t hooks = {s,    s_header_problem, NULL, NULL,
                               s_progress, s_kind};
    bl_err_t err = {0};
    int rc = bl_submit_csv(&req, &hooks, sub, sub_size, rows, &err);
    close(fd);
    switch (rc) {
    case BL_SUBMIT_STORED:
        s_show_progress(s, *rows, s->file_size, true);
        return 0;
    case BL_SUBMIT_REJECTED:
        if (sub[0] != '\0' && !dry_run) {
            printf("%s: rejected as a whole (benchlearn check %s)\n",
                   s->file, sub);
        } else {
            printf("%s: rejected as a whole\n", s->file);
        }
        return 1;
    case BL_SUBMIT_NO_HEADER:
        return 1;
    default:
        /* A node out of disk space is not the file's fault: that message
         * stands alone. */
        if (rc == BL_EREFUSED &&
            strncmp(err.msg, "node out of disk space", 22) == 0) {
            cli_error("%s", err.msg);
        } else {
            cli_error("%s: %s", s->file, err.msg);
        }
        return 2;
    }
}

/* ---- waiting for validation and showing outcomes ----------------------- */

/* A failure of cli_sub_status: into why, or printed when why is NULL. */
static void s_say(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_say(char *why, size_t why_size, const char *fmt, ...)
{
    char msg[BL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (why != NULL && why_size > 0) {
        snprintf(why, why_size, "%s", msg);
    } else {
        cli_error("%s", msg);
    }
}

/* A question to validation worker k for cli_sub_status: a connection of
 * its own, closed after the answer. */
typedef struct s_ask {
    cli_t *c;
    int timeout_ms;
} s_ask_t;

static int s_ask_validation(void *ctx, int k, const bl_mpw_t *w,
                            bl_reply_t *reply, bl_err_t *err)
{
    s_ask_t *a = ctx;
    char ep[512];
    cli_endpoint(a->c, BL_STAGE_VALIDATE, k, ep, sizeof ep);
    bl_rpc_t *rpc;
    int rc = bl_rpc_open(&rpc, a->c->zctx, a->c->cfg, ep, err);
    if (rc != 0) {
        return rc;
    }
    rc = bl_rpc_call(rpc, w, reply, a->timeout_ms, err);
    if (rc != 0) {
        bl_err_prefix(err, "validation");
    }
    bl_rpc_close(&rpc);
    return rc;
}

int cli_sub_status(cli_t *c, const char *sub, int timeout_ms,
                   cli_counts_t *out, char *why, size_t why_size)
{
    s_ask_t a = {c, timeout_ms};
    bl_err_t err = {0};
    if (bl_sub_status_all(sub, c->cfg->workers[BL_STAGE_VALIDATE],
                          s_ask_validation, &a, out, &err) != 0) {
        s_say(why, why_size, "%s", err.msg);
        return 2;
    }
    return 0;
}

/* A warning the benchmark daemon keeps about a row of an actions file:
 * its indicator is not an area for improvement of its provider (only the
 * benchmark knows the areas; see benchmark_learning.h). */
typedef struct s_lwarn {
    uint64_t line;
    char field[64];
    char reason[256];
} s_lwarn_t;

/* Fetches the benchmark's warnings about sub, in line order. */
static int s_learning_warnings(cli_t *c, const char *sub, s_lwarn_t **out,
                               size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    char ep[512];
    cli_endpoint(c, BL_STAGE_BENCHMARK, 1, ep, sizeof ep);
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    if (bl_rpc_open(&rpc, c->zctx, c->cfg, ep, &err) != 0) {
        cli_error("%s", err.msg);
        return 2;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "learning_warnings", 1);
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, sub);
    bl_reply_t reply;
    int rc = bl_rpc_call(rpc, &w, &reply, 60000, &err);
    bl_mpw_destroy(&w);
    bl_rpc_close(&rpc);
    if (rc != 0) {
        cli_error("benchmark: %s", err.msg);
        return 2;
    }
    bl_mpr_t r;
    uint32_t n;
    if (bl_req_find(&reply.msg, "rows", &r) == 0 &&
        bl_mpr_array(&r, &n) == 0 && n > 0) {
        s_lwarn_t *lw = calloc(n, sizeof *lw);
        if (lw == NULL) {
            bl_reply_free(&reply);
            cli_error("out of memory");
            return 2;
        }
        size_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t two, fr;
            if (bl_mpr_array(&r, &two) || two != 2 ||
                bl_mpr_uint(&r, &lw[k].line) || bl_mpr_array(&r, &fr) ||
                fr != 2 ||
                bl_mpr_str_copy(&r, lw[k].field, sizeof lw[k].field) ||
                bl_mpr_str_copy(&r, lw[k].reason, sizeof lw[k].reason)) {
                break;
            }
            k++;
        }
        *out = lw;
        *n_out = k;
    }
    bl_reply_free(&reply);
    return 0;
}

/* The first of the n warnings (in line order) about line, or n. */
static size_t s_lwarn_find(const s_lwarn_t *lw, size_t n, uint64_t line)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (lw[mid].line < line) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < n && lw[lo].line == line ? lo : n;
}

/* The kinds of problem a listing counts for its summary: a field and a
 * reason with its quoted values and numbers left out ("'x' is not a
 * number" and "'y' is not a number" are one kind). */
#define S_KINDS_MAX 64
#define S_SUMMARY_FROM 20       /* problems before a summary is printed */
#define S_SUMMARY_SHOWN 5

typedef struct s_kind {
    char text[200];             /* "field: reason" as shown, the first one */
    uint64_t count;
    uint64_t first_line;
} s_kind_t;

typedef struct s_kinds {
    bl_strset_t keys;           /* the kinds met, numbered as k */
    s_kind_t k[S_KINDS_MAX];
    size_t n;
    uint64_t problems;
    uint64_t other;             /* problems of kinds past S_KINDS_MAX, or
                                   not kept for want of memory */
} s_kinds_t;

/* key: text without what lies between quotes, and with each run of
 * digits as one '#'. */
static void s_kind_key(const char *text, char *key, size_t size)
{
    size_t at = 0;
    bool quoted = false;
    for (const char *p = text; *p != '\0' && at + 1 < size; p++) {
        if (*p == '\'') {
            quoted = !quoted;
            key[at++] = '\'';
        } else if (quoted) {
            continue;
        } else if (*p >= '0' && *p <= '9') {
            if (at == 0 || key[at - 1] != '#') {
                key[at++] = '#';
            }
        } else {
            key[at++] = *p;
        }
    }
    key[at] = '\0';
}

static void s_kind_add(s_kinds_t *ks, uint64_t line, const char *field,
                       uint32_t fl, const char *why, uint32_t wl)
{
    char text[200], key[200];
    snprintf(text, sizeof text, "%.*s: %.*s", (int)fl, field, (int)wl, why);
    s_kind_key(text, key, sizeof key);
    ks->problems++;
    size_t kl = strlen(key);
    long i = bl_strset_find(&ks->keys, key, kl);
    if (i >= 0) {
        ks->k[i].count++;
        return;
    }
    if (ks->n == S_KINDS_MAX || bl_strset_add(&ks->keys, key, kl) < 0) {
        ks->other++;
        return;
    }
    s_kind_t *k = &ks->k[ks->n++];
    memcpy(k->text, text, sizeof text);
    k->count = 1;
    k->first_line = line;
}

static int s_kind_cmp(const void *a, const void *b)
{
    const s_kind_t *x = a, *y = b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return x->first_line < y->first_line ? -1 : x->first_line > y->first_line;
}

/* After a long listing: its most common kinds of problem, on stderr (the
 * listing's lines on stdout keep their one shape).  Sorts ks->k: the
 * numbers of ks->keys no longer name them after. */
static void s_kinds_print(s_kinds_t *ks, const char *file)
{
    if (ks->problems < S_SUMMARY_FROM) {
        return;
    }
    qsort(ks->k, ks->n, sizeof *ks->k, s_kind_cmp);
    fprintf(stderr, "%s: %" PRIu64 " problems; the most common:\n", file,
            ks->problems);
    for (size_t i = 0; i < ks->n && i < S_SUMMARY_SHOWN; i++) {
        fprintf(stderr, "  %8" PRIu64 " like line %" PRIu64 ": %s\n",
                ks->k[i].count, ks->k[i].first_line, ks->k[i].text);
    }
    uint64_t rest = ks->other;
    for (size_t i = S_SUMMARY_SHOWN; i < ks->n; i++) {
        rest += ks->k[i].count;
    }
    if (rest > 0) {
        fprintf(stderr, "  %8" PRIu64 " others\n", rest);
    }
}

/* Asks validation worker k (bl_sub_ask_fn), on a connection kept open
 * for the whole listing. */
typedef struct s_lister {
    cli_t *c;
    bl_rpc_t **rpc;             /* [worker - 1], opened when first asked */
    const char *file;
    const s_lwarn_t *lw;
    size_t n_lw;
    s_kinds_t kinds;            /* for the summary */
} s_lister_t;

static int s_ask_worker(void *ctx, int k, const bl_mpw_t *w,
                        bl_reply_t *reply, bl_err_t *err)
{
    s_lister_t *l = ctx;
    if (l->rpc[k - 1] == NULL) {
        char ep[512];
        cli_endpoint(l->c, BL_STAGE_VALIDATE, k, ep, sizeof ep);
        int rc = bl_rpc_open(&l->rpc[k - 1], l->c->zctx, l->c->cfg, ep, err);
        if (rc != 0) {
            return rc;
        }
    }
    return bl_rpc_call(l->rpc[k - 1], w, reply, 30000, err);
}

/* One row's outcome: its problems, the benchmark's warnings on it, or
 * "accepted". */
static int s_print_row(void *ctx, const bl_outcome_row_t *row)
{
    s_lister_t *l = ctx;
    size_t li = s_lwarn_find(l->lw, l->n_lw, row->line);
    if (row->n_problems == 0 && li == l->n_lw) {
        printf("%s:%" PRIu64 ": accepted\n", l->file, row->line);
    }
    bl_mpr_t r = row->problems;
    for (uint32_t j = 0; j < row->n_problems; j++) {
        bool error;
        const char *f, *why;
        uint32_t fl, wl;
        if (bl_outcome_problem(&r, &error, &f, &fl, &why, &wl) != 0) {
            break;
        }
        printf("%s:%" PRIu64 ": %.*s: %s%.*s\n", l->file, row->line, (int)fl,
               f, error ? "" : "warning: ", (int)wl, why);
        s_kind_add(&l->kinds, row->line, f, fl, why, wl);
    }
    for (; li < l->n_lw && l->lw[li].line == row->line; li++) {
        printf("%s:%" PRIu64 ": %s: warning: %s\n", l->file, row->line,
               l->lw[li].field, l->lw[li].reason);
    }
    return 0;
}

/* Prints the outcomes of sub (problems only, or every row) in line order
 * over every validation worker, with the benchmark's warnings lw (n_lw of
 * them, in line order) on their rows. */
static int s_print_outcomes(cli_t *c, const char *sub, const char *file,
                            bool problems_only, const s_lwarn_t *lw,
                            size_t n_lw)
{
    int workers = c->cfg->workers[BL_STAGE_VALIDATE];
    s_lister_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        cli_error("out of memory");
        return 2;
    }
    l->c = c;
    l->rpc = calloc((size_t)(workers > 0 ? workers : 1), sizeof(bl_rpc_t *));
    l->file = file;
    l->lw = lw;
    l->n_lw = n_lw;
    if (l->rpc == NULL) {
        free(l);
        cli_error("out of memory");
        return 2;
    }
    bl_err_t err = {0};
    int rc = bl_outcomes_each(sub, workers, problems_only, 5000, 0,
                              s_ask_worker, l, s_print_row, l, NULL, &err);
    for (int k = 0; k < workers; k++) {
        bl_rpc_close(&l->rpc[k]);
    }
    free(l->rpc);
    if (rc == 0) {
        fflush(stdout);
        s_kinds_print(&l->kinds, file);
    }
    bl_strset_destroy(&l->kinds.keys);
    free(l);
    if (rc != 0) {
        cli_error("validation: %s", err.msg);
        return 2;
    }
    return 0;
}

static int s_wait(cli_t *c, const char *sub, const char *file, uint64_t rows)
{
    long long deadline = bl_net_now_ms() + S_WAIT_MS, failing_since = 0;
    cli_counts_t n;
    /* A question sent to a worker that `scale` stops is lost with it:
     * waited for briefly, then asked again.  A worker busy with a large
     * transaction answers late: each failure doubles the wait, and only
     * a minute of failures is given up on (the last one shown). */
    int timeout_ms = S_STATUS_FIRST_MS;
    for (;;) {
        /* The node may change its validation workers meanwhile (scale);
         * a worker being restarted misses a question or two. */
        char why[512];
        if (bl_config_follow_workers(c->cfg, &c->workers_stamp, why,
                                     sizeof why) == 1) {
            cli_set_workers_spec(c);
        }
        char failed[BL_ERR_MSG_MAX];
        int rc = cli_sub_status(c, sub, timeout_ms, &n, failed,
                                sizeof failed);
        long long now = bl_net_now_ms();
        if (rc != 0 && failing_since == 0) {
            failing_since = now;
        }
        if (rc != 0 && now - failing_since < S_STATUS_FAILING_MS &&
            now < deadline) {
            timeout_ms = timeout_ms < S_STATUS_MAX_MS ? timeout_ms * 2
                                                      : timeout_ms;
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (rc != 0) {
            cli_error("%s", failed);
            return rc;
        }
        failing_since = 0;
        timeout_ms = S_STATUS_FIRST_MS;
        if (n.complete && n.rows >= rows) {
            break;
        }
        if (bl_net_now_ms() > deadline) {
            cli_error("%s: validation did not finish in time", file);
            return 2;
        }
        /* A question costs each worker a read: asked often enough that
         * the answer is not 50 ms late on average. */
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    printf("%s: %" PRIu64 " accepted, %" PRIu64 " with warnings, %" PRIu64
           " rejected%s\n",
           file, n.accepted, n.warned, n.rejected,
           rows == 0 ? " (the file has no rows after its header)" : "");
    if (n.rejected > 0 || n.warned > 0) {
        int rc = s_print_outcomes(c, sub, file, true, NULL, 0);
        if (rc != 0) {
            return rc;
        }
    }
    return n.rejected > 0 ? 1 : 0;
}

/* A file sent, to be waited for. */
typedef struct s_sent {
    const char *file;
    char sub[BL_SUBMIT_ID_MAX];
    uint64_t rows;
} s_sent_t;

/* Waits for the sent files from *waited on, in order, printing each
 * one's outcome; returns the largest exit status. */
static int s_wait_sent(cli_t *c, const s_sent_t *sent, size_t n,
                       size_t *waited)
{
    int status = 0;
    for (; *waited < n; (*waited)++) {
        const s_sent_t *t = &sent[*waited];
        int rc = s_wait(c, t->sub, t->file, t->rows);
        status = rc > status ? rc : status;
    }
    return status;
}

int cli_submit(cli_t *c, int argc, char **argv)
{
    bool wait = false, dry_run = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--wait") == 0) {
            wait = true;
        } else if (strcmp(argv[first], "--dry-run") == 0) {
            dry_run = true;
            wait = true;
        } else {
            cli_error("submit: unknown option '%s'", argv[first]);
            return 1;
        }
    }
    if (first >= argc) {
        cli_error("usage: benchlearn submit [--wait] [--dry-run] FILE...");
        return 1;
    }
    char ep[512];
    cli_endpoint(c, BL_STAGE_INGEST, 1, ep, sizeof ep);
    int status = 0;
    /* Sent and not yet waited for (--wait), in the files' order. */
    s_sent_t *sent = calloc((size_t)(argc - first), sizeof *sent);
    if (sent == NULL) {
        cli_error("out of memory");
        return 2;
    }
    size_t n_sent = 0, n_waited = 0;
    for (int i = first; i < argc; i++) {
        s_submit_t s;
        memset(&s, 0, sizeof s);
        s.file = argv[i];
        s.progress = isatty(STDERR_FILENO);
        s_sent_t *t = &sent[n_sent];
        bl_rpc_t *rpc = NULL;
        bl_err_t err = {0};
        int rc = bl_rpc_open(&rpc, c->zctx, c->cfg, ep, &err);
        if (rc != 0) {
            cli_error("%s", err.msg);
            rc = 2;
        } else {
            rc = s_send_file(&s, rpc, dry_run, t->sub, sizeof t->sub,
                             &t->rows);
        }
        bl_rpc_close(&rpc);
        if (rc == 0) {
            printf("%s %s%s\n", t->sub, s.file, dry_run ? " (dry run)" : "");
            fflush(stdout);
            t->file = s.file;
            n_sent += wait;
        }
        if (rc > status) {
            status = rc;
        }
        if (rc == 0 && wait && strcmp(s.kind, "register") == 0) {
            rc = s_wait_sent(c, sent, n_sent, &n_waited);
            status = rc > status ? rc : status;
        }
    }
    int rc = s_wait_sent(c, sent, n_sent, &n_waited);
    free(sent);
    return rc > status ? rc : status;
}

/* Prints the counts and every row's outcome of a submission; with
 * learning, also the benchmark's warnings about its actions.  Those rows
 * had no warning from validation (its checks of actions warn about
 * nothing), so each one moves from accepted to with warnings. */
static int s_check_outcomes(cli_t *c, const char *sub, const char *file,
                            bool learning)
{
    cli_counts_t n;
    int rc = cli_sub_status(c, sub, S_STATUS_MAX_MS, &n, NULL, 0);
    if (rc != 0) {
        return rc;
    }
    s_lwarn_t *lw = NULL;
    size_t n_lw = 0;
    if (learning && (rc = s_learning_warnings(c, sub, &lw, &n_lw)) != 0) {
        return rc;
    }
    uint64_t rows_warned = 0;
    for (size_t i = 0; i < n_lw; i++) {
        rows_warned += i == 0 || lw[i].line != lw[i - 1].line;
    }
    if (rows_warned > n.accepted) {
        rows_warned = n.accepted;
    }
    printf("%s %s: %s; %" PRIu64 " rows: %" PRIu64 " accepted, %" PRIu64
           " with warnings, %" PRIu64 " rejected\n",
           sub, file, n.complete ? "validated" : "being validated", n.rows,
           n.accepted - rows_warned, n.warned + rows_warned, n.rejected);
    rc = s_print_outcomes(c, sub, file, false, lw, n_lw);
    free(lw);
    return rc;
}

/* One reason a file was rejected as a whole: "FILE:LINE: header: ...". */
static void s_print_header_error(void *ctx, uint64_t line,
                                 const char *message)
{
    printf("%s:%" PRIu64 ": header: %s\n", (const char *)ctx, line,
           message);
}

int cli_check(cli_t *c, int argc, char **argv)
{
    if (argc != 2) {
        cli_error("usage: benchlearn check SUBMISSION_ID");
        return 1;
    }
    const char *sub = argv[1];
    if (strncmp(sub, "close-", 6) == 0) {
        /* The warnings of a period close live with validation only. */
        char file[64];
        snprintf(file, sizeof file, "period %.8s close", sub + 6);
        return s_check_outcomes(c, sub, file, false);
    }
    char ep[512];
    cli_endpoint(c, BL_STAGE_INGEST, 1, ep, sizeof ep);
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    if (bl_rpc_open(&rpc, c->zctx, c->cfg, ep, &err) != 0) {
        cli_error("%s", err.msg);
        return 2;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "sub_info", 1);
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, sub);
    bl_reply_t reply;
    int rc = bl_rpc_call(rpc, &w, &reply, 60000, &err);
    bl_mpw_destroy(&w);
    bl_rpc_close(&rpc);
    if (rc != 0) {
        cli_error("ingestion: %s", err.msg);
        return 2;
    }
    char why[512], file[1024] = "?", state[16] = "?", kind[16] = "";
    if (!bl_reply_ok(&reply, why, sizeof why)) {
        cli_error("%s", why);
        bl_reply_free(&reply);
        return 1;
    }
    bl_req_str(&reply.msg, "file", file, sizeof file);
    bl_req_str(&reply.msg, "state", state, sizeof state);
    bl_req_str(&reply.msg, "kind", kind, sizeof kind);
    if (strcmp(state, "rejected") == 0) {
        printf("%s %s: rejected as a whole (its header)\n", sub, file);
        /* why, as submit said it (kept by ingestion) */
        bl_sub_errors_each(&reply.msg, s_print_header_error, file);
        bl_reply_free(&reply);
        return 0;
    }
    bl_reply_free(&reply);
    return s_check_outcomes(c, sub, file, strcmp(kind, "actions") == 0);
}
