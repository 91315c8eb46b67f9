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

/* The end of a call to stage s that returned rc (err its reason): 0 for
 * an ok reply, 1 when the daemon refused, 2 when the call failed (both
 * printed; a refused reply is freed). */
static int s_reply_checked(bl_stage_t s, int rc, const bl_err_t *err,
                           bl_reply_t *reply)
{
    if (rc != 0) {
        cli_error("%s: %s", bl_stage_name(s), err->msg);
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
    return s_reply_checked(s, rc, &err, reply);
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
    if (cli_sub_status(c, sub, &n, NULL, 0) == 0 && n.warned > 0) {
        printf("%" PRIu64 " of %" PRIu64 " providers have not sent every "
               "indicator: benchlearn check %s lists them\n",
               n.warned, n.rows, sub);
    }
    return 0;
}

/* ---- export ------------------------------------------------------------- */

/* Rows are built in one growable buffer and written a large piece at a
 * time: fputc/fputs per character and field cost more than the rows. */
#define S_WRITE_AT (256 * 1024)  /* bytes of rows gathered before a write */
#define S_NUMBER_ROOM 64         /* bytes a formatted number may take */

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
    const char *path;  /* the file out writes, NULL for stdout */
    uint64_t rows;
    char *text;        /* rows not yet written (when merging: all rows) */
    size_t text_len, text_cap;
    bool merge;        /* rows stay in text and are sorted at the end */
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

/* Makes room for n more bytes of text; BL_ENOMEM when there is none.
 * Nearly always there is: the buffer only grows. */
static inline int s_room(s_export_t *e, size_t n)
{
    if (n <= e->text_cap - e->text_len) {
        return 0;
    }
    if (n > SIZE_MAX - e->text_len) {
        return BL_ENOMEM;
    }
    return BL_GROW(e->text, e->text_cap, e->text_len + n) == 0 ? 0
                                                               : BL_ENOMEM;
}

static int s_put(s_export_t *e, const char *s, size_t n)
{
    if (s_room(e, n) != 0) {
        return BL_ENOMEM;
    }
    memcpy(e->text + e->text_len, s, n);
    e->text_len += n;
    return 0;
}

static int s_putc(s_export_t *e, char ch)
{
    if (s_room(e, 1) != 0) {
        return BL_ENOMEM;
    }
    e->text[e->text_len++] = ch;
    return 0;
}

static int s_puts(s_export_t *e, const char *s)
{
    return s_put(e, s, strlen(s));
}

/* -errno after a failed write (errno cleared before it), -EIO when the
 * stream said nothing. */
static int s_write_error(void)
{
    return errno ? -errno : -EIO;
}

/* Writes the gathered text to the output and empties the buffer; -errno
 * when the write fails. */
static int s_write_text(s_export_t *e)
{
    errno = 0;
    if (e->text_len > 0 &&
        fwrite(e->text, 1, e->text_len, e->out) != e->text_len) {
        return s_write_error();
    }
    e->text_len = 0;
    return 0;
}

static bool s_csv_special(char ch)
{
    return ch == ',' || ch == '"' || ch == '\n' || ch == '\r';
}

/* Whether s holds no byte that makes a CSV field quoted.  All of them
 * are below '-' (0x2d), so eight bytes at a time are first asked whether
 * any byte is below it (the "has less" bit trick, exact as a yes/no);
 * only when one is are they looked at one by one. */
static bool s_csv_plain(const char *s, size_t len)
{
    const uint64_t ones = UINT64_MAX / 255, highs = ones * 0x80;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, sizeof x);
        if (((x - ones * 0x2d) & ~x & highs) != 0) {
            for (size_t j = i; j < i + 8; j++) {
                if (s_csv_special(s[j])) {
                    return false;
                }
            }
        }
    }
    for (; i < len; i++) {
        if (s_csv_special(s[i])) {
            return false;
        }
    }
    return true;
}

/* A CSV field: as it is, or in quotes with '"' doubled when it holds a
 * comma, a quote or a line break. */
static int s_csv_text(s_export_t *e, const char *s, size_t len)
{
    if (s_csv_plain(s, len)) {
        return s_put(e, s, len);
    }
    size_t quotes = 0;
    for (size_t i = 0; i < len; i++) {
        quotes += s[i] == '"';
    }
    if (len > SIZE_MAX - 2 - quotes || s_room(e, len + quotes + 2) != 0) {
        return BL_ENOMEM;
    }
    char *p = e->text + e->text_len;
    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            *p++ = '"';
        }
        *p++ = s[i];
    }
    *p++ = '"';
    e->text_len = (size_t)(p - e->text);
    return 0;
}

/* One character of a JSON string, escaped when it must be. */
static int s_json_char(s_export_t *e, unsigned char ch)
{
    static const char hex[] = "0123456789abcdef";
    if (ch == '"' || ch == '\\') {
        char esc[2] = {'\\', (char)ch};
        return s_put(e, esc, sizeof esc);
    }
    if (ch < 0x20) {
        char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 0xf]};
        return s_put(e, esc, sizeof esc);
    }
    return s_putc(e, (char)ch);
}

static int s_json_text(s_export_t *e, const char *s, size_t len)
{
    if (s_putc(e, '"') != 0) {
        return BL_ENOMEM;
    }
    size_t plain = 0;   /* the leading bytes that need no escape */
    while (plain < len && (unsigned char)s[plain] >= 0x20 &&
           s[plain] != '"' && s[plain] != '\\') {
        plain++;
    }
    if (s_put(e, s, plain) != 0) {
        return BL_ENOMEM;
    }
    for (size_t i = plain; i < len; i++) {
        if (s_json_char(e, (unsigned char)s[i]) != 0) {
            return BL_ENOMEM;
        }
    }
    return s_putc(e, '"');
}

/* A number: CSV the %.10g of SPEC section 6; JSON full precision (it
 * round-trips). */
static int s_number(s_export_t *e, double v)
{
    if (s_room(e, S_NUMBER_ROOM) != 0) {
        return BL_ENOMEM;
    }
    char *at = e->text + e->text_len;
    size_t len;
    if (e->json) {
        int n = snprintf(at, S_NUMBER_ROOM, "%.17g", v == 0 ? 0.0 : v);
        len = n < 0 ? 0 : (size_t)n < S_NUMBER_ROOM ? (size_t)n
                                                     : S_NUMBER_ROOM - 1;
    } else {
        len = bl_stats_format(v, at, S_NUMBER_ROOM);
    }
    e->text_len += len;
    return 0;
}

/* What goes before field col: JSON its name, CSV a comma after the first. */
static int s_field_start(s_export_t *e, size_t col)
{
    if (!e->json) {
        return col ? s_putc(e, ',') : 0;
    }
    if ((col && s_put(e, ", ", 2) != 0) || s_putc(e, '"') != 0 ||
        s_puts(e, e->columns[col]) != 0 || s_put(e, "\": ", 3) != 0) {
        return BL_ENOMEM;
    }
    return 0;
}

/* Writes one scalar field; nested arrays are flattened by the caller.
 * BL_EPROTO for a value that is not nil, a string or a number. */
static int s_field(s_export_t *e, bl_mpr_t *r, size_t col)
{
    if (s_field_start(e, col) != 0) {
        return BL_ENOMEM;
    }
    if (bl_mpr_at_nil(r) && bl_mpr_nil(r)) {
        return e->json ? s_put(e, "null", 4) : 0;
    }
    if (bl_mpr_at_str(r)) {
        const char *s;
        uint32_t len;
        if (bl_mpr_str(r, &s, &len) != 0) {
            return BL_EPROTO;
        }
        return e->json ? s_json_text(e, s, len) : s_csv_text(e, s, len);
    }
    double v;
    if (bl_mpr_double(r, &v) != 0) {
        return BL_EPROTO;
    }
    return s_number(e, v);
}

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
        return BL_ENOMEM;
    }
    s_held_t *h = &e->held[e->n_held++];
    s_row_key(*r, h->key, sizeof h->key);
    h->off = e->text_len;
    h->len = 0;
    return 0;
}

/* The fields of a nested array, flattened into the row's next columns;
 * elements beyond the last column are left unread, as they always were. */
static int s_nested(s_export_t *e, bl_mpr_t *r, size_t *col)
{
    uint32_t m;
    if (bl_mpr_array(r, &m) != 0) {
        return BL_EPROTO;
    }
    for (uint32_t j = 0; j < m && *col < e->n_columns; j++) {
        int rc = s_field(e, r, (*col)++);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Writes one row (an array whose nested arrays are flattened).  0,
 * BL_EPROTO for a malformed row, or BL_ENOMEM. */
static int s_row(s_export_t *e, bl_mpr_t *r)
{
    if (e->merge && s_hold(e, r) != 0) {
        return BL_ENOMEM;
    }
    uint32_t n;
    if (bl_mpr_array(r, &n) != 0) {
        return BL_EPROTO;
    }
    if (e->json &&
        s_puts(e, e->merge ? "{" : e->rows ? ",\n  {" : "\n  {") != 0) {
        return BL_ENOMEM;
    }
    size_t col = 0;
    for (uint32_t i = 0; i < n; i++) {
        int rc;
        if (bl_mpr_at_array(r)) {
            rc = s_nested(e, r, &col);
        } else if (col >= e->n_columns) {
            bl_mpr_skip(r);
            rc = 0;
        } else {
            rc = s_field(e, r, col++);
        }
        if (rc != 0) {
            return rc;
        }
    }
    if (s_putc(e, e->json ? '}' : '\n') != 0) {
        return BL_ENOMEM;
    }
    e->rows++;
    if (e->merge) {
        s_held_t *h = &e->held[e->n_held - 1];
        h->len = e->text_len - h->off;
    }
    return 0;
}

static int s_cmp_held(const void *a, const void *b)
{
    return strcmp(((const s_held_t *)a)->key, ((const s_held_t *)b)->key);
}

/* Writes the held rows to the output in key order; -errno when a write
 * fails. */
static int s_write_held(s_export_t *e)
{
    if (e->n_held == 0) {
        return 0;
    }
    qsort(e->held, e->n_held, sizeof *e->held, s_cmp_held);
    errno = 0;
    for (size_t i = 0; i < e->n_held; i++) {
        if (e->json && fputs(i ? ",\n  " : "\n  ", e->out) == EOF) {
            return s_write_error();
        }
        const s_held_t *h = &e->held[i];
        if (fwrite(e->text + h->off, 1, h->len, e->out) != h->len) {
            return s_write_error();
        }
    }
    return 0;
}

/* Says what stopped an export; returns the CLI's exit code 2. */
static int s_export_failed(const s_export_t *e, int rc)
{
    if (rc == BL_ENOMEM) {
        cli_error("export: out of memory");
    } else if (rc == BL_EPROTO) {
        cli_error("export: a malformed row from %s", bl_stage_name(e->stage));
    } else if (e->path != NULL) {
        cli_error("cannot write '%s': %s", e->path, strerror(-rc));
    } else {
        cli_error("cannot write the standard output: %s", strerror(-rc));
    }
    return 2;
}

/* Writes the rows of the array at r, then, unless merging, the text
 * gathered so far when it has grown large.  0 or a BL_E* / -errno code. */
static int s_rows(s_export_t *e, bl_mpr_t *r)
{
    uint32_t n;
    if (bl_mpr_array(r, &n) != 0) {
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        int rc = s_row(e, r);
        if (rc == 0 && !e->merge && e->text_len >= S_WRITE_AT) {
            rc = s_write_text(e);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Keeps a copy of the str "next" of a reply as the next page's "after"
 * (*after stays NULL when there is none or memory is short, which ends
 * the export as the last page would). */
static void s_keep_next(const bl_msg_t *reply, char **after,
                        size_t *after_len)
{
    bl_mpr_t r;
    const char *next;
    uint32_t nl;
    *after = NULL;
    if (bl_req_find(reply, "next", &r) != 0 ||
        bl_mpr_str(&r, &next, &nl) != 0) {
        return;
    }
    *after = malloc((size_t)nl + 1);
    if (*after != NULL) {
        memcpy(*after, next, nl);
        *after_len = nl;
    }
}

/* Asks worker rpc for the page of rows after `after` (NULL: the first).
 * Returns 0, or 2 (printed). */
static int s_ask_page(const s_export_t *e, bl_rpc_t *rpc, bl_mpw_t *w,
                      int64_t period, const char *after, size_t after_len)
{
    bl_mpw_reset(w);
    bl_rpc_request(w, e->cmd, after ? 4 : 3);
    bl_mpw_str(w, "period");
    bl_mpw_int(w, period);
    bl_mpw_str(w, "what");
    bl_mpw_str(w, e->what);
    bl_mpw_str(w, "limit");
    bl_mpw_uint(w, 5000);
    if (after) {
        bl_mpw_str(w, "after");
        bl_mpw_strn(w, after, after_len);
    }
    bl_err_t err = {0};
    if (bl_rpc_send(rpc, w, 60000, &err) != 0) {
        cli_error("%s: %s", bl_stage_name(e->stage), err.msg);
        return 2;
    }
    return 0;
}

/* Waits for the reply to s_ask_page, which must be ok.  Returns 0, 1 (the
 * daemon refused; printed) or 2 (printed). */
static int s_wait_page(const s_export_t *e, bl_rpc_t *rpc, bl_reply_t *reply)
{
    bl_err_t err = {0};
    int rc = bl_rpc_recv(rpc, reply, 60000, &err);
    return s_reply_checked(e->stage, rc, &err, reply);
}

/* Writes the rows of worker k, page after page.  The next page is asked
 * for as soon as a reply names it, so the daemon reads it while this
 * process writes the rows it has: one request is in flight at a time, as
 * before, but the two processes work side by side. */
static int s_export_pages(cli_t *c, s_export_t *e, int64_t period, int k)
{
    char ep[512];
    cli_endpoint(c, e->stage, k, ep, sizeof ep);
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    if (bl_rpc_open(&rpc, c->zctx, c->cfg, ep, &err) != 0) {
        cli_error("%s", err.msg);
        return 2;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    int rc = s_ask_page(e, rpc, &w, period, NULL, 0);
    while (rc == 0) {
        bl_reply_t reply;
        rc = s_wait_page(e, rpc, &reply);
        if (rc != 0) {
            break;
        }
        char *after = NULL;
        size_t after_len = 0;
        s_keep_next(&reply.msg, &after, &after_len);
        if (after != NULL) {
            rc = s_ask_page(e, rpc, &w, period, after, after_len);
        }
        bl_mpr_t r;
        if (rc == 0 && bl_req_find(&reply.msg, "rows", &r) == 0) {
            int rows_rc = s_rows(e, &r);
            if (rows_rc != 0) {
                rc = s_export_failed(e, rows_rc);
            }
        }
        bl_reply_free(&reply);
        bool more = after != NULL;
        free(after);
        if (!more) {
            break;
        }
    }
    bl_mpw_destroy(&w);
    bl_rpc_close(&rpc);
    return rc;
}

/* The columns of an export by its --what; false for an unknown one. */
static bool s_columns(s_export_t *e, const char *what)
{
    static const struct {
        const char *what;
        const char *const *columns;
        size_t n_columns;
    } kinds[] = {
#define S_KIND(name, cols) {name, cols, sizeof cols / sizeof *cols}
        S_KIND("stats", s_stats_cols),
        S_KIND("positions", s_pos_cols),
        S_KIND("values", s_values_cols),
        S_KIND("correlations", s_corr_cols),
        S_KIND("learning-needs", s_needs_cols),
        S_KIND("actions", s_actions_cols),
#undef S_KIND
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(what, kinds[i].what) == 0) {
            e->columns = kinds[i].columns;
            e->n_columns = kinds[i].n_columns;
            return true;
        }
    }
    return false;
}

/* Writes what the export gathered and its end (JSON's closing bracket).
 * Rows written before a failure stay written, as they always have.
 * Returns rc, or 2 when a write fails. */
static int s_export_finish(s_export_t *e, int rc)
{
    int wrc = e->merge ? (rc == 0 ? s_write_held(e) : 0) : s_write_text(e);
    if (wrc != 0 && rc == 0) {
        rc = s_export_failed(e, wrc);
    }
    errno = 0;
    if (e->json && fputs(e->rows ? "\n]\n" : "]\n", e->out) == EOF &&
        rc == 0) {
        rc = s_export_failed(e, s_write_error());
    }
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
    if (!s_columns(&e, what)) {
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
    e.path = path;
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
    /* Each worker's rows come sorted; several workers' are held in the
     * text and merged at the end. */
    e.merge = workers > 1;
    for (int k = 1; k <= workers && rc == 0; k++) {
        rc = s_export_pages(c, &e, period, k);
    }
    rc = s_export_finish(&e, rc);
    free(e.text);
    free(e.held);
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
