/*
 * cli_export: `benchlearn export` — pages through a daemon's rows and
 * writes them as CSV or JSON with the columns and number format of SPEC
 * section 6.  Two threads share the work: the calling thread receives the
 * pages (and asks for the next one as soon as a reply names it), a second
 * thread formats and writes them, in the order received.  It is not a
 * reader of the stores: the daemons page through those.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_rpc.h"
#include "bl_stats.h"
#include "bl_vec.h"
#include "cli.h"

/* Rows are built in one growable buffer and written a large piece at a
 * time: fputc/fputs per character and field cost more than the rows. */
#define S_WRITE_AT (256 * 1024)  /* bytes of rows gathered before a write */
#define S_NUMBER_ROOM 64         /* bytes a formatted number may take */

/* Numbers formatted before, found again by their bits: the rows of a
 * group repeat its size, reference and band, and tied values repeat their
 * rank and z, so most numbers of an export are seen before (three in four
 * in the sample data).  A slot holds the last number that hashed to it. */
#define S_MEMO_BITS 10
#define S_MEMO_SLOTS (1u << S_MEMO_BITS)

typedef struct s_memo {
    uint64_t bits;     /* the double's bits */
    char text[23];     /* its text as s_number writes it */
    uint8_t len;       /* bytes in text; 0: an empty slot */
} s_memo_t;

/* A row held back for sorting when several workers each send their own
 * sorted part: its sort key and where its text sits in the buffer. */
typedef struct s_held {
    char key[256];     /* the key columns joined by \x1f */
    size_t off, len;
} s_held_t;

/* One export.  While the formatting thread runs (s_pipe_t), it alone
 * touches what changes here: rows, text, held, memo and the output. */
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
    s_memo_t memo[S_MEMO_SLOTS];  /* numbers formatted before */
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
 * round-trips).  The same bits always make the same text, so a number
 * found in the memo is copied from there. */
static int s_number(s_export_t *e, double v)
{
    if (s_room(e, S_NUMBER_ROOM) != 0) {
        return BL_ENOMEM;
    }
    char *at = e->text + e->text_len;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    s_memo_t *m = &e->memo[(bits * UINT64_C(0x9e3779b97f4a7c15)) >>
                           (64 - S_MEMO_BITS)];
    if (m->len > 0 && m->bits == bits) {
        /* the whole slot: S_NUMBER_ROOM bytes are free at `at` */
        memcpy(at, m->text, sizeof m->text);
        e->text_len += m->len;
        return 0;
    }
    size_t len;
    if (e->json) {
        int n = snprintf(at, S_NUMBER_ROOM, "%.17g", v == 0 ? 0.0 : v);
        len = n < 0 ? 0 : (size_t)n < S_NUMBER_ROOM ? (size_t)n
                                                     : S_NUMBER_ROOM - 1;
    } else {
        len = bl_stats_format(v, at, S_NUMBER_ROOM);
    }
    if (len > 0 && len <= sizeof m->text) {
        m->bits = bits;
        memcpy(m->text, at, len);
        m->len = (uint8_t)len;
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

/* The rows of one page (a reply with "rows"; one without has none). */
static int s_page(s_export_t *e, const bl_reply_t *page)
{
    bl_mpr_t r;
    if (bl_req_find(&page->msg, "rows", &r) != 0) {
        return 0;
    }
    return s_rows(e, &r);
}

/* ---- the formatting thread ---------------------------------------------- */

/* Pages received and not yet formatted: bounded, so a slow output holds
 * back the receiving (and the daemon) instead of gathering every page. */
#define S_QUEUE_PAGES 4

/* The pages on their way from the receiving thread to the formatting one.
 * While the formatter runs, only it touches the export (its text, rows
 * and output); the receiver reads it again once the formatter has been
 * joined. */
typedef struct s_pipe {
    s_export_t *e;
    bool threaded;           /* false: each page is formatted when put */
    pthread_t thread;
    pthread_mutex_t lock;    /* guards the fields below */
    pthread_cond_t put;      /* a page came, or the last one did */
    pthread_cond_t taken;    /* a page was taken, or the formatter failed */
    bl_reply_t pages[S_QUEUE_PAGES];  /* a ring of count pages from head */
    size_t head, count;
    bool ended;              /* no page comes any more */
    int rc;                  /* the formatter's failure (BL_E* / -errno):
                                it then takes no more pages */
} s_pipe_t;

/* A lock or condition call fails only when misused (an uninitialised or
 * foreign mutex): says which and stops the program. */
static void s_must(int rc, const char *call)
{
    if (rc != 0) {
        cli_error("export: %s: %s", call, strerror(rc));
        abort();
    }
}

static void s_lock(s_pipe_t *p)
{
    s_must(pthread_mutex_lock(&p->lock), "pthread_mutex_lock");
}

static void s_unlock(s_pipe_t *p)
{
    s_must(pthread_mutex_unlock(&p->lock), "pthread_mutex_unlock");
}

static void s_wait(s_pipe_t *p, pthread_cond_t *cond)
{
    s_must(pthread_cond_wait(cond, &p->lock), "pthread_cond_wait");
}

static void s_signal(pthread_cond_t *cond)
{
    s_must(pthread_cond_signal(cond), "pthread_cond_signal");
}

/* Takes the next page into *page; false when the pages have ended. */
static bool s_pipe_take(s_pipe_t *p, bl_reply_t *page)
{
    s_lock(p);
    while (p->count == 0 && !p->ended) {
        s_wait(p, &p->put);
    }
    bool got = p->count > 0;
    if (got) {
        *page = p->pages[p->head];
        p->head = (p->head + 1) % S_QUEUE_PAGES;
        p->count--;
        s_signal(&p->taken);
    }
    s_unlock(p);
    return got;
}

/* The formatting thread: every page in turn, until the pages end or one
 * cannot be formatted or written (the pages after it stay queued). */
static void *s_formatter(void *arg)
{
    s_pipe_t *p = arg;
    bl_reply_t page;
    while (s_pipe_take(p, &page)) {
        int rc = s_page(p->e, &page);
        bl_reply_free(&page);
        if (rc != 0) {
            s_lock(p);
            p->rc = rc;
            s_signal(&p->taken);
            s_unlock(p);
            break;
        }
    }
    return NULL;
}

/* Starts the formatting thread for export e.  When no thread can be had,
 * the pages are formatted by the caller as they are put: slower, the same
 * output. */
static void s_pipe_start(s_pipe_t *p, s_export_t *e)
{
    memset(p, 0, sizeof *p);
    p->e = e;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        return;
    }
    if (pthread_cond_init(&p->put, NULL) != 0) {
        goto fail_put;
    }
    if (pthread_cond_init(&p->taken, NULL) != 0) {
        goto fail_taken;
    }
    if (pthread_create(&p->thread, NULL, s_formatter, p) != 0) {
        goto fail_thread;
    }
    p->threaded = true;
    return;
fail_thread:
    s_must(pthread_cond_destroy(&p->taken), "pthread_cond_destroy");
fail_taken:
    s_must(pthread_cond_destroy(&p->put), "pthread_cond_destroy");
fail_put:
    s_must(pthread_mutex_destroy(&p->lock), "pthread_mutex_destroy");
}

/* Hands *page to the formatter (the pipe owns it from then on; *page is
 * emptied).  Waits while the queue is full.  Returns 0, or the
 * formatter's failure, once it has stopped taking pages (then the page is
 * freed here). */
static int s_pipe_put(s_pipe_t *p, bl_reply_t *page)
{
    if (!p->threaded) {
        int rc = p->rc != 0 ? p->rc : s_page(p->e, page);
        bl_reply_free(page);
        p->rc = rc;
        return rc;
    }
    s_lock(p);
    while (p->count == S_QUEUE_PAGES && p->rc == 0) {
        s_wait(p, &p->taken);
    }
    int rc = p->rc;
    if (rc == 0) {
        p->pages[(p->head + p->count) % S_QUEUE_PAGES] = *page;
        p->count++;
        s_signal(&p->put);
    }
    s_unlock(p);
    if (rc != 0) {
        bl_reply_free(page);
    }
    memset(page, 0, sizeof *page);
    return rc;
}

/* Says that no page comes any more, waits until the formatter has done
 * the pages it was given (or failed), and frees what it left.  Returns 0
 * or the formatter's failure (BL_E* / -errno). */
static int s_pipe_finish(s_pipe_t *p)
{
    if (!p->threaded) {
        return p->rc;
    }
    s_lock(p);
    p->ended = true;
    s_signal(&p->put);
    s_unlock(p);
    s_must(pthread_join(p->thread, NULL), "pthread_join");
    for (; p->count > 0; p->count--) {
        bl_reply_free(&p->pages[p->head]);
        p->head = (p->head + 1) % S_QUEUE_PAGES;
    }
    s_must(pthread_cond_destroy(&p->taken), "pthread_cond_destroy");
    s_must(pthread_cond_destroy(&p->put), "pthread_cond_destroy");
    s_must(pthread_mutex_destroy(&p->lock), "pthread_mutex_destroy");
    p->threaded = false;
    return p->rc;
}

/* ---- receiving ---------------------------------------------------------- */

/* Why the pages stopped coming, said only after the formatter has
 * finished: when a page before could not be formatted, that is what the
 * export reports, as when one thread did everything and stopped there. */
typedef struct s_fault {
    int status;                     /* exit status: 0, 1 or 2 */
    char msg[BL_ERR_MSG_MAX + 64];  /* the message, without "benchlearn: " */
} s_fault_t;

static int s_fault_set(s_fault_t *f, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the first failure; returns its exit status. */
static int s_fault_set(s_fault_t *f, int status, const char *fmt, ...)
{
    if (f->status == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->msg, sizeof f->msg, fmt, ap);
        va_end(ap);
        f->status = status;
    }
    return f->status;
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
 * Returns 0, or 2 (kept in *fault). */
static int s_ask_page(const s_export_t *e, bl_rpc_t *rpc, bl_mpw_t *w,
                      int64_t period, const char *after, size_t after_len,
                      s_fault_t *fault)
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
        return s_fault_set(fault, 2, "%s: %s", bl_stage_name(e->stage),
                           err.msg);
    }
    return 0;
}

/* Waits for the reply to s_ask_page, which must be ok.  Returns 0, 1 (the
 * daemon refused) or 2 (both kept in *fault). */
static int s_wait_page(const s_export_t *e, bl_rpc_t *rpc, bl_reply_t *reply,
                       s_fault_t *fault)
{
    bl_err_t err = {0};
    if (bl_rpc_recv(rpc, reply, 60000, &err) != 0) {
        return s_fault_set(fault, 2, "%s: %s", bl_stage_name(e->stage),
                           err.msg);
    }
    char why[512];
    if (!bl_reply_ok(reply, why, sizeof why)) {
        bl_reply_free(reply);
        return s_fault_set(fault, 1, "%s", why);
    }
    return 0;
}

/* Receives the rows of worker k, page after page, and hands each page to
 * the formatter.  The next page is asked for as soon as a reply names it,
 * so the daemon reads it while this thread waits for it and the formatter
 * writes the rows before: one request is in flight at a time.  A page is
 * handed on only once the next one has been asked for, as the rows of a
 * page were written only then when one thread did both.  Returns 0; 1 or
 * 2 with *fault set; or 2 when the formatter stopped (its failure is the
 * pipe's). */
static int s_export_pages(cli_t *c, s_export_t *e, s_pipe_t *p,
                          int64_t period, int k, s_fault_t *fault)
{
    char ep[512];
    cli_endpoint(c, e->stage, k, ep, sizeof ep);
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    if (bl_rpc_open(&rpc, c->zctx, c->cfg, ep, &err) != 0) {
        return s_fault_set(fault, 2, "%s", err.msg);
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    int rc = s_ask_page(e, rpc, &w, period, NULL, 0, fault);
    while (rc == 0) {
        bl_reply_t reply;
        rc = s_wait_page(e, rpc, &reply, fault);
        if (rc != 0) {
            break;
        }
        char *after = NULL;
        size_t after_len = 0;
        s_keep_next(&reply.msg, &after, &after_len);
        if (after != NULL) {
            rc = s_ask_page(e, rpc, &w, period, after, after_len, fault);
        }
        if (rc == 0) {
            rc = s_pipe_put(p, &reply) != 0 ? 2 : 0;
        } else {
            bl_reply_free(&reply);
        }
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

/* ---- the command -------------------------------------------------------- */

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

/* Every worker's pages through one formatter; then says what stopped
 * them, if anything did.  Returns 0, 1 or 2. */
static int s_export_all(cli_t *c, s_export_t *e, int64_t period)
{
    int workers = c->cfg->workers[e->stage];
    /* Each worker's rows come sorted; several workers' are held in the
     * text and merged at the end. */
    e->merge = workers > 1;
    s_pipe_t p;
    s_pipe_start(&p, e);
    s_fault_t fault = {0};
    int rc = 0;
    for (int k = 1; k <= workers && rc == 0; k++) {
        rc = s_export_pages(c, e, &p, period, k, &fault);
    }
    int frc = s_pipe_finish(&p);
    if (frc != 0) {
        return s_export_failed(e, frc);
    }
    if (rc != 0) {
        cli_error("%s", fault.msg);
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
        } else if (cli_parse_period(argv[i], &period) != 0) {
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
    int rc = s_export_finish(&e, s_export_all(c, &e, period));
    free(e.text);
    free(e.held);
    if (path != NULL && fclose(e.out) != 0) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return 2;
    }
    return rc;
}
