/*
 * cli_period: `benchlearn close`, `export` and `report` — the commands that
 * act on a whole period.  close asks ingestion to end collection and waits
 * until the report daemon has rendered the period; export pages through a
 * daemon's rows and writes them as CSV or JSON with the columns and number
 * format of SPEC section 6; report queues a rendering on the report daemon,
 * waits for it and, with -o, moves the files into the folder asked for.
 * close and report exit 2 naming the reports that could not be written.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bl_net.h"
#include "bl_stats.h"
#include "bl_vec.h"
#include "cli.h"
#include "bl_rpc.h"

#define S_CLOSE_WAIT_MS (60 * 60 * 1000)

static int s_parse_period(const char *s, int64_t *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1900 || v > 9999) {
        return -1;
    }
    *out = v;
    return 0;
}

/* One request to worker k of stage s; the reply must be ok. */
static int s_call(cli_t *c, bl_stage_t s, int k, const bl_mpw_t *req,
                  bl_reply_t *reply, int timeout_ms)
{
    char ep[512];
    cli_endpoint(c, s, k, ep, sizeof ep);
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    if (bl_rpc_open(&rpc, c->zctx, c->cfg, ep, &err) != 0) {
        cli_error("%s", err.msg);
        return 2;
    }
    int rc = bl_rpc_call(rpc, req, reply, timeout_ms, &err);
    bl_rpc_close(&rpc);
    if (rc != 0) {
        cli_error("%s: %s", bl_stage_name(s), err.msg);
        return 2;
    }
    char why[512];
    if (!bl_reply_ok(reply, why, sizeof why)) {
        cli_error("%s", why);
        bl_reply_free(reply);
        return 1;
    }
    return 0;
}

/* Says which reports of a finished rendering could not be written (the
 * report daemon's outcome: failed, failed_reports, reason).  Returns 0 when
 * every report was written, else 2. */
static int s_report_failures(const bl_msg_t *outcome, const char *what,
                             int64_t period)
{
    int64_t failed = 0;
    bl_req_int(outcome, "failed", &failed);
    if (failed <= 0) {
        return 0;
    }
    char names[1024] = "", reason[512] = "";
    size_t used = 0;
    bl_mpr_t r;
    uint32_t n;
    if (bl_req_find(outcome, "failed_reports", &r) == 0 &&
        bl_mpr_array(&r, &n) == 0) {
        for (uint32_t i = 0; i < n; i++) {
            const char *s;
            uint32_t len;
            if (bl_mpr_str(&r, &s, &len) != 0) {
                break;
            }
            int wr = snprintf(names + used, sizeof names - used, "%s%.*s",
                              i ? ", " : "", (int)len, s);
            if (wr < 0 || (size_t)wr >= sizeof names - used) {
                break;
            }
            used += (size_t)wr;
        }
        if ((int64_t)n < failed && used + 8 < sizeof names) {
            snprintf(names + used, sizeof names - used, ", ...");
        }
    }
    bl_req_str(outcome, "reason", reason, sizeof reason);
    cli_error("%s: %" PRId64 " report%s of period %" PRId64 " could not be "
              "written (%s): %s", what, failed, failed == 1 ? "" : "s",
              period, names, reason);
    return 2;
}

int cli_close(cli_t *c, int argc, char **argv)
{
    int64_t period = 0;
    bool reopen = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reopen") == 0) {
            reopen = true;
        } else if (s_parse_period(argv[i], &period) != 0) {
            cli_error("close: '%s' is not a period (a year such as 2025)",
                      argv[i]);
            return 1;
        }
    }
    if (period == 0) {
        cli_error("usage: benchlearn close PERIOD [--reopen]");
        return 1;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "close", 2);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_mpw_str(&w, "reopen");
    bl_mpw_bool(&w, reopen);
    bl_reply_t reply;
    int rc = s_call(c, BL_STAGE_INGEST, 1, &w, &reply, 30000);
    if (rc != 0) {
        bl_mpw_destroy(&w);
        return rc;
    }
    int64_t gen = 0;
    bl_req_int(&reply.msg, "generation", &gen);
    bl_reply_free(&reply);
    if (reopen) {
        printf("period %" PRId64 " reopened\n", period);
        bl_mpw_destroy(&w);
        return 0;
    }
    /* Wait until every report worker has rendered its share of this
     * generation; each names the reports it could not write. */
    long long deadline = bl_net_now_ms() + S_CLOSE_WAIT_MS;
    char dir[PATH_MAX] = "";
    int workers = c->cfg->workers[BL_STAGE_REPORT];
    int k = 1, failures = 0;
    for (;;) {
        bl_mpw_reset(&w);
        bl_rpc_request(&w, "period_state", 1);
        bl_mpw_str(&w, "period");
        bl_mpw_int(&w, period);
        rc = s_call(c, BL_STAGE_REPORT, k, &w, &reply, 30000);
        if (rc != 0) {
            bl_mpw_destroy(&w);
            return rc;
        }
        int64_t done = 0;
        bl_req_int(&reply.msg, "generation", &done);
        bl_req_str(&reply.msg, "dir", dir, sizeof dir);
        if (done >= gen) {
            if (s_report_failures(&reply.msg, "close", period) != 0) {
                failures = 2;
            }
            bl_reply_free(&reply);
            if (++k <= workers) {
                continue;
            }
            rc = failures;
            break;
        }
        bl_reply_free(&reply);
        if (bl_net_now_ms() > deadline) {
            cli_error("close: the period was not rendered in time");
            bl_mpw_destroy(&w);
            return 2;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    bl_mpw_destroy(&w);
    if (rc != 0) {
        printf("period %" PRId64 " closed, but not every report was "
               "written: see above\n", period);
        return rc;
    }
    printf("period %" PRId64 " closed: reports in %s\n", period, dir);
    char sub[32];
    snprintf(sub, sizeof sub, "close-%" PRId64, period);
    cli_counts_t n;
    if (cli_sub_status(c, sub, &n) == 0 && n.warned > 0) {
        printf("%" PRIu64 " of %" PRIu64 " providers have not sent every "
               "indicator: benchlearn check %s lists them\n",
               n.warned, n.rows, sub);
    }
    return 0;
}

/* ---- export ------------------------------------------------------------- */

/* A row held back for sorting when several workers each send their own
 * sorted part: its sort key and where its text sits in the buffer. */
typedef struct s_held {
    char key[256];     /* the key columns joined by \x1f */
    size_t off, len;
} s_held_t;

typedef struct s_export {
    const char *what;
    const char *const *columns;
    size_t n_columns;
    bl_stage_t stage;
    const char *cmd;
    bool json;
    FILE *out;
    uint64_t rows;
    bool merge;        /* rows go to a buffer and are sorted at the end */
    s_held_t *held;
    size_t n_held, cap_held;
} s_export_t;

static const char *const s_stats_cols[] = {
    "period", "indicator_id", "group", "group_key", "n", "mean", "sd", "min",
    "p10", "p25", "p50", "p75", "p90", "max", "best_in_class"};
static const char *const s_pos_cols[] = {
    "period", "indicator_id", "group", "group_key", "provider_id", "value",
    "n", "percentile_rank", "band", "z", "reference", "gap"};
static const char *const s_values_cols[] = {
    "period", "provider_id", "unit_id", "indicator_id", "value", "numerator",
    "denominator", "n", "status"};
static const char *const s_corr_cols[] = {
    "period", "group", "group_key", "indicator_a", "indicator_b", "n", "rho"};
static const char *const s_needs_cols[] = {
    "period", "indicator_id", "principle", "country", "in_need", "band4",
    "hosts", "event"};
static const char *const s_actions_cols[] = {
    "period", "provider_id", "action_id", "indicator_id", "status", "due",
    "value", "band", "next_value", "next_band"};

static void s_csv_text(FILE *f, const char *s, size_t len)
{
    bool quote = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') {
            quote = true;
        }
    }
    if (!quote) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            fputc('"', f);
        }
        fputc(s[i], f);
    }
    fputc('"', f);
}

static void s_json_text(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            fprintf(f, "\\%c", ch);
        } else if (ch < 0x20) {
            fprintf(f, "\\u%04x", ch);
        } else {
            fputc(ch, f);
        }
    }
    fputc('"', f);
}

/* Writes one scalar field; nested arrays are flattened by the caller. */
static int s_field(s_export_t *e, bl_mpr_t *r, size_t col)
{
    FILE *f = e->out;
    if (e->json) {
        fprintf(f, "%s\"%s\": ", col ? ", " : "", e->columns[col]);
    } else if (col) {
        fputc(',', f);
    }
    if (bl_mpr_nil(r)) {
        if (e->json) {
            fputs("null", f);
        }
        return 0;
    }
    if (r->p < r->end && (((*r->p & 0xe0) == 0xa0) ||
                          (*r->p >= 0xd9 && *r->p <= 0xdb))) {
        const char *s;
        uint32_t len;
        if (bl_mpr_str(r, &s, &len) != 0) {
            return -1;
        }
        if (e->json) {
            s_json_text(f, s, len);
        } else {
            s_csv_text(f, s, len);
        }
        return 0;
    }
    double v;
    if (bl_mpr_double(r, &v) != 0) {
        return -1;
    }
    char buf[64];
    if (e->json) {
        /* JSON carries full precision (it round-trips); CSV the %.10g of
         * SPEC section 6. */
        snprintf(buf, sizeof buf, "%.17g", v == 0 ? 0.0 : v);
    } else {
        bl_stats_format(v, buf, sizeof buf);
    }
    fputs(buf, f);
    return 0;
}

/* Writes one row (an array whose nested arrays are flattened). */
/* The sort key of a row: its leading string fields joined by \x1f
 * (\x1f sorts before every printable character, so this orders rows by
 * their columns as text, left to right). */
static void s_row_key(bl_mpr_t r, char *key, size_t size)
{
    uint32_t n;
    size_t used = 0;
    key[0] = '\0';
    if (bl_mpr_array(&r, &n) != 0) {
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *s;
        uint32_t len;
        if (bl_mpr_str(&r, &s, &len) != 0) {
            return;
        }
        int w = snprintf(key + used, size - used, "%s%.*s", i ? "\x1f" : "",
                         (int)len, s);
        if (w < 0 || (size_t)w >= size - used) {
            return;
        }
        used += (size_t)w;
    }
}

static int s_hold(s_export_t *e, const bl_mpr_t *r)
{
    if (BL_GROW(e->held, e->cap_held, e->n_held + 1) != 0) {
        return -1;
    }
    s_held_t *h = &e->held[e->n_held++];
    s_row_key(*r, h->key, sizeof h->key);
    fflush(e->out);
    h->off = (size_t)ftell(e->out);
    return 0;
}

static int s_row(s_export_t *e, bl_mpr_t *r)
{
    if (e->merge && s_hold(e, r) != 0) {
        return -1;
    }
    uint32_t n;
    if (bl_mpr_array(r, &n) != 0) {
        return -1;
    }
    if (e->json) {
        fputs(e->merge ? "{" : e->rows ? ",\n  {" : "\n  {", e->out);
    }
    size_t col = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (r->p < r->end && ((*r->p & 0xf0) == 0x90 || *r->p == 0xdc)) {
            uint32_t m;
            if (bl_mpr_array(r, &m) != 0) {
                return -1;
            }
            for (uint32_t j = 0; j < m && col < e->n_columns; j++) {
                if (s_field(e, r, col++) != 0) {
                    return -1;
                }
            }
            continue;
        }
        if (col >= e->n_columns) {
            bl_mpr_skip(r);
            continue;
        }
        if (s_field(e, r, col++) != 0) {
            return -1;
        }
    }
    fputs(e->json ? "}" : "\n", e->out);
    e->rows++;
    if (e->merge) {
        fflush(e->out);
        s_held_t *h = &e->held[e->n_held - 1];
        h->len = (size_t)ftell(e->out) - h->off;
    }
    return 0;
}

static int s_cmp_held(const void *a, const void *b)
{
    return strcmp(((const s_held_t *)a)->key, ((const s_held_t *)b)->key);
}

/* Writes the held rows to out in key order. */
static void s_write_held(s_export_t *e, const char *buf, FILE *out)
{
    if (e->n_held == 0) {
        return;
    }
    qsort(e->held, e->n_held, sizeof *e->held, s_cmp_held);
    for (size_t i = 0; i < e->n_held; i++) {
        if (e->json) {
            fputs(i ? ",\n  " : "\n  ", out);
        }
        fwrite(buf + e->held[i].off, 1, e->held[i].len, out);
    }
}

static int s_export_pages(cli_t *c, s_export_t *e, int64_t period, int k)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    char *after = NULL;
    size_t after_len = 0;
    int rc = 0;
    for (;;) {
        bl_mpw_reset(&w);
        bl_rpc_request(&w, e->cmd, after ? 4 : 3);
        bl_mpw_str(&w, "period");
        bl_mpw_int(&w, period);
        bl_mpw_str(&w, "what");
        bl_mpw_str(&w, e->what);
        bl_mpw_str(&w, "limit");
        bl_mpw_uint(&w, 5000);
        if (after) {
            bl_mpw_str(&w, "after");
            bl_mpw_strn(&w, after, after_len);
        }
        bl_reply_t reply;
        rc = s_call(c, e->stage, k, &w, &reply, 60000);
        if (rc != 0) {
            break;
        }
        bl_mpr_t r;
        uint32_t n;
        if (bl_req_find(&reply.msg, "rows", &r) == 0 &&
            bl_mpr_array(&r, &n) == 0) {
            for (uint32_t i = 0; i < n && rc == 0; i++) {
                if (s_row(e, &r) != 0) {
                    cli_error("export: a malformed row from %s",
                              bl_stage_name(e->stage));
                    rc = 2;
                }
            }
        }
        free(after);
        after = NULL;
        const char *next;
        uint32_t nl;
        if (rc == 0 && bl_req_find(&reply.msg, "next", &r) == 0 &&
            bl_mpr_str(&r, &next, &nl) == 0) {
            after = malloc(nl + 1);
            if (after != NULL) {
                memcpy(after, next, nl);
                after_len = nl;
            }
        }
        bl_reply_free(&reply);
        if (after == NULL) {
            break;
        }
    }
    free(after);
    bl_mpw_destroy(&w);
    return rc;
}

int cli_export(cli_t *c, int argc, char **argv)
{
    int64_t period = 0;
    const char *what = NULL, *format = "csv", *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--what") == 0 && i + 1 < argc) {
            what = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (s_parse_period(argv[i], &period) != 0) {
            cli_error("export: '%s' is not a period or an option", argv[i]);
            return 1;
        }
    }
    s_export_t e = {0};
    e.what = what;
    if (period == 0 || what == NULL) {
        cli_error("usage: benchlearn export PERIOD --what "
                  "stats|positions|values|correlations|learning-needs|"
                  "actions [--format csv|json] [-o FILE]");
        return 1;
    }
    if (strcmp(what, "stats") == 0) {
        e.columns = s_stats_cols;
        e.n_columns = sizeof s_stats_cols / sizeof *s_stats_cols;
    } else if (strcmp(what, "positions") == 0) {
        e.columns = s_pos_cols;
        e.n_columns = sizeof s_pos_cols / sizeof *s_pos_cols;
    } else if (strcmp(what, "values") == 0) {
        e.columns = s_values_cols;
        e.n_columns = sizeof s_values_cols / sizeof *s_values_cols;
    } else if (strcmp(what, "correlations") == 0) {
        e.columns = s_corr_cols;
        e.n_columns = sizeof s_corr_cols / sizeof *s_corr_cols;
    } else if (strcmp(what, "learning-needs") == 0) {
        e.columns = s_needs_cols;
        e.n_columns = sizeof s_needs_cols / sizeof *s_needs_cols;
    } else if (strcmp(what, "actions") == 0) {
        e.columns = s_actions_cols;
        e.n_columns = sizeof s_actions_cols / sizeof *s_actions_cols;
    } else {
        cli_error("export: --what must be stats, positions, values, "
                  "correlations, learning-needs or actions, not '%s'", what);
        return 1;
    }
    if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        cli_error("export: --format must be csv or json, not '%s'", format);
        return 1;
    }
    e.json = strcmp(format, "json") == 0;
    bool values = strcmp(what, "values") == 0;
    e.stage = values ? BL_STAGE_AGGREGATE : BL_STAGE_BENCHMARK;
    e.cmd = values ? "values" : "export";
    e.out = stdout;
    if (path != NULL && (e.out = fopen(path, "w")) == NULL) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return 1;
    }
    if (e.json) {
        fputs("[", e.out);
    } else {
        for (size_t i = 0; i < e.n_columns; i++) {
            fprintf(e.out, "%s%s", i ? "," : "", e.columns[i]);
        }
        fputc('\n', e.out);
    }
    int rc = 0;
    int workers = c->cfg->workers[e.stage];
    /* Each worker's rows come sorted; several workers' are merged. */
    char *buf = NULL;
    size_t buf_len = 0;
    FILE *final_out = e.out;
    if (workers > 1) {
        e.merge = true;
        e.out = open_memstream(&buf, &buf_len);
        if (e.out == NULL) {
            cli_error("export: out of memory");
            return 2;
        }
    }
    for (int k = 1; k <= workers && rc == 0; k++) {
        rc = s_export_pages(c, &e, period, k);
    }
    if (e.merge) {
        fclose(e.out);
        e.out = final_out;
        if (rc == 0) {
            s_write_held(&e, buf, e.out);
        }
        free(buf);
        free(e.held);
    }
    if (e.json) {
        fputs(e.rows ? "\n]\n" : "]\n", e.out);
    }
    if (path != NULL && fclose(e.out) != 0) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return 2;
    }
    return rc;
}

/* ---- report ------------------------------------------------------------- */

/* Copies every file of the folder src into dst (made when missing), then
 * removes src's files and src.  Returns 0 or 2 (printed). */
static int s_move_files(const char *src, const char *dst, int *files)
{
    if (mkdir(dst, 0755) != 0 && errno != EEXIST) {
        cli_error("cannot create '%s': %s", dst, strerror(errno));
        return 2;
    }
    DIR *dir = opendir(src);
    if (dir == NULL) {
        cli_error("cannot read the report folder '%s': %s", src,
                  strerror(errno));
        return 2;
    }
    int rc = 0;
    *files = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char from[PATH_MAX], to[PATH_MAX];
        snprintf(from, sizeof from, "%s/%s", src, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dst, e->d_name);
        FILE *in = fopen(from, "rb");
        FILE *out = in ? fopen(to, "wb") : NULL;
        if (in == NULL || out == NULL) {
            cli_error("cannot copy '%s' to '%s': %s", from, to,
                      strerror(errno));
            rc = 2;
        }
        char buf[65536];
        size_t n;
        while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0) {
            if (fwrite(buf, 1, n, out) != n) {
                cli_error("cannot write '%s': %s", to, strerror(errno));
                rc = 2;
            }
        }
        if (in != NULL) {
            fclose(in);
        }
        if (out != NULL && fclose(out) != 0 && rc == 0) {
            cli_error("cannot write '%s': %s", to, strerror(errno));
            rc = 2;
        }
        if (rc == 0) {
            unlink(from);
            (*files)++;
        }
    }
    closedir(dir);
    if (rc == 0) {
        rmdir(src);
    }
    return rc;
}

int cli_report(cli_t *c, int argc, char **argv)
{
    int64_t period = 0;
    const char *provider = NULL, *format = "html", *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--provider") == 0 && i + 1 < argc) {
            provider = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (s_parse_period(argv[i], &period) != 0) {
            cli_error("report: '%s' is not a period or an option", argv[i]);
            return 1;
        }
    }
    if (period == 0) {
        cli_error("usage: benchlearn report PERIOD [--provider ID] "
                  "[--format html|pdf|csv|json] [-o DIR]");
        return 1;
    }
    if (strcmp(format, "html") && strcmp(format, "pdf") &&
        strcmp(format, "csv") && strcmp(format, "json")) {
        cli_error("report: --format must be html, pdf, csv or json");
        return 1;
    }
    /* The report daemon writes only under its node's reports folder: with
     * -o, into a folder of this request's own there, and the files are
     * then moved to DIR. */
    char name[96] = "";
    if (dir != NULL) {
        snprintf(name, sizeof name, "requests/%ld-%lld", (long)getpid(),
                 bl_net_now_ms());
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "render", 4);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_mpw_str(&w, "provider");
    bl_mpw_str(&w, provider ? provider : "");
    bl_mpw_str(&w, "format");
    bl_mpw_str(&w, format);
    bl_mpw_str(&w, "dir");
    bl_mpw_str(&w, name);
    bl_reply_t reply;
    int rc = s_call(c, BL_STAGE_REPORT, 1, &w, &reply, 30000);
    if (rc != 0) {
        bl_mpw_destroy(&w);
        return rc;
    }
    int64_t job = 0;
    bl_req_int(&reply.msg, "job", &job);
    bl_reply_free(&reply);
    /* Wait for the job: the daemon renders it between other work. */
    long long deadline = bl_net_now_ms() + S_CLOSE_WAIT_MS;
    char out[PATH_MAX] = "";
    int64_t files = 0;
    for (;;) {
        bl_mpw_reset(&w);
        bl_rpc_request(&w, "job_state", 1);
        bl_mpw_str(&w, "job");
        bl_mpw_int(&w, job);
        rc = s_call(c, BL_STAGE_REPORT, 1, &w, &reply, 30000);
        if (rc != 0) {
            bl_mpw_destroy(&w);
            return rc;
        }
        char state[16] = "";
        bl_req_str(&reply.msg, "state", state, sizeof state);
        if (strcmp(state, "done") == 0) {
            bl_req_str(&reply.msg, "dir", out, sizeof out);
            bl_req_int(&reply.msg, "files", &files);
            rc = s_report_failures(&reply.msg, "report", period);
            bl_reply_free(&reply);
            break;
        }
        bl_reply_free(&reply);
        if (bl_net_now_ms() > deadline) {
            cli_error("report: the reports were not rendered in time");
            bl_mpw_destroy(&w);
            return 2;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    bl_mpw_destroy(&w);
    if (rc == 0 && dir != NULL) {
        int moved = 0;
        rc = s_move_files(out, dir, &moved);
        snprintf(out, sizeof out, "%s", dir);
        files = moved;
    }
    if (rc != 0) {
        return rc;
    }
    printf("%" PRId64 " %s file%s in %s\n", files, format,
           files == 1 ? "" : "s", out);
    return 0;
}
