/*
 * bl_csv: the streaming CSV reader of SPEC section 2 (see bl_csv.h).
 *
 * Bytes come through a window: for a file descriptor a buffer of
 * S_WINDOW bytes refilled with read(2), for a memory source the caller's
 * buffer itself.  One record at a time is copied (unquoted, trimmed) into a
 * record buffer that grows to the largest record seen, at most S_RECORD_MAX
 * bytes; a record over a bound is scanned to its end without being stored,
 * so memory stays flat and every pass is linear in the input.
 *
 * This is not a validator of what the columns mean, and it does not convert
 * fields: bl_number.h reads numbers by the same SPEC section.
 */
#include "bl_csv.h"

#include "bl_vec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_WINDOW (256 * 1024)            /* bytes read from an fd at once */
#define S_RECORD_MAX (16 * 1024 * 1024)  /* bytes stored for one record */
#define S_HEADER_SCAN_MAX S_RECORD_MAX   /* header bytes looked at for the
                                            delimiter */
#define S_FIELDS_INITIAL 64              /* first size of the field arrays */

struct bl_csv {
    int fd;                      /* -1 for a memory source */
    char *name;                  /* for messages about the source */
    const unsigned char *win;    /* the window: own, or the caller's bytes */
    unsigned char *own;          /* owned window buffer, NULL for memory */
    size_t cap;                  /* bytes allocated in own */
    size_t pos;                  /* index in win of the next unread byte */
    size_t len;                  /* bytes valid in win */
    size_t base;                 /* absolute offset of win[0] in the input */
    bool eof;                    /* the source has no more bytes */
    int io_err;                  /* first read error (negative), 0 if none */
    bool started;                /* the BOM has been looked for */
    bool utf16;                  /* it starts with a UTF-16 one */
    const char *workbook;        /* it starts as a spreadsheet's own file
                                    does ("an Excel workbook"), or NULL */
    bool u8_told;                /* an invalid UTF-8 record said what to do */
    bool have_header;            /* the header record has been returned */
    char delim;                  /* ',' or ';' */
    unsigned char plain[256];    /* 1: ordinary byte in an unquoted field */
    unsigned char qplain[256];   /* 1: ordinary byte in a quoted field */
    size_t line;                 /* physical line of the next byte, 1-based */
    size_t line_start;           /* absolute offset where that line starts */
    size_t expected;             /* fields in the header */

    /* The record being read. */
    size_t rec_line;             /* line where it starts */
    char *rec;                   /* fields, each NUL-terminated */
    size_t rec_len;              /* bytes used in rec */
    size_t rec_cap;              /* bytes allocated in rec */
    size_t *starts;              /* offset in rec of each field */
    size_t *lens;                /* length of each field */
    const char **fields;         /* pointers built when the record ends */
    size_t fields_cap;           /* entries allocated in the three arrays */
    size_t n_fields;             /* fields seen, stored or not */
    size_t field_len;            /* content bytes of the current field */
    bool failed;                 /* the record has an error: store nothing */
    int sys_err;                 /* allocation failure while storing */
    char errmsg[160];            /* the record's error */

    /* UTF-8 validation across the record's bytes. */
    unsigned u8_need;            /* continuation bytes still expected */
    unsigned u8_lo;              /* smallest allowed next continuation */
    unsigned u8_hi;              /* largest allowed next continuation */
    size_t u8_line;              /* line of the sequence's lead byte */
    size_t u8_col;               /* 1-based byte in that line */
};

/* ---- the byte source ---------------------------------------------------- */

/* Reads more bytes into the window, keeping the unread ones.  The window
 * grows only when it is full of unread bytes, which happens only while
 * the header is scanned for its delimiter. */
static void s_fill(bl_csv_t *r)
{
    if (r->eof || r->io_err != 0) {
        return;
    }
    if (r->fd < 0) {
        r->eof = true;
        return;
    }
    if (r->pos > 0) {
        memmove(r->own, r->own + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap) {
        if (BL_GROW(r->own, r->cap, r->cap + 1) != 0) {
            r->io_err = BL_ENOMEM;
            return;
        }
        r->win = r->own;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->own + r->len, r->cap - r->len);
        if (n > 0) {
            r->len += (size_t)n;
            return;
        }
        if (n == 0) {
            r->eof = true;
            return;
        }
        if (errno != EINTR) {
            r->io_err = -errno;
            return;
        }
    }
}

/* True when at least one unread byte is in the window. */
static bool s_more(bl_csv_t *r)
{
    while (r->pos >= r->len && !r->eof && r->io_err == 0) {
        s_fill(r);
    }
    return r->pos < r->len;
}

/* The next byte, or -1 at the end of input (or on a read error). */
static inline int s_getc(bl_csv_t *r)
{
    if (r->pos < r->len || s_more(r)) {
        return r->win[r->pos++];
    }
    return -1;
}

/* The next byte without consuming it, or -1. */
static inline int s_peek(bl_csv_t *r)
{
    if (r->pos < r->len || s_more(r)) {
        return r->win[r->pos];
    }
    return -1;
}

static inline size_t s_offset(const bl_csv_t *r)
{
    return r->base + r->pos;
}

/* A line break has just been consumed. */
static inline void s_newline(bl_csv_t *r)
{
    r->line++;
    r->line_start = s_offset(r);
}

/* ---- record errors and storage ----------------------------------------- */

/* Sets the record's error, unless it already has one; stops storing. */
static void s_fail(bl_csv_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_fail(bl_csv_t *r, const char *fmt, ...)
{
    if (r->failed) {
        return;
    }
    r->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    va_end(ap);
}

/* Reports the byte at line/col (col 1-based) as the record's error. */
static void s_fail_at(bl_csv_t *r, const char *what, size_t line, size_t col,
                      const char *hint)
{
    if (line == r->rec_line) {
        s_fail(r, "%s at byte %zu%s", what, col, hint);
    } else {
        s_fail(r, "%s at line %zu, byte %zu%s", what, line, col, hint);
    }
}

/* Column (1-based) of the byte just consumed. */
static inline size_t s_col(const bl_csv_t *r)
{
    return s_offset(r) - r->line_start;
}

static bool s_fail_workbook(bl_csv_t *r);

static void s_utf8_broken(bl_csv_t *r)
{
    r->u8_need = 0;
    if (s_fail_workbook(r)) {
        return;
    }
    if (r->utf16 && r->u8_line == 1 && r->u8_col == 1) {
        s_fail(r, "the file is UTF-16 (it starts with a UTF-16 byte order "
               "mark), not UTF-8: save it as CSV UTF-8");
        return;
    }
    /* The first of a file says what to do: a spreadsheet's plain "CSV"
     * is written in the computer's own encoding (Windows-1252: ø, ã, š
     * are single bytes). */
    s_fail_at(r, "invalid UTF-8", r->u8_line, r->u8_col,
              r->u8_told ? "" : " (is the file in another encoding, such "
                                "as Windows-1252? Save it as CSV UTF-8)");
    r->u8_told = true;
}

/* Feeds the byte just consumed to the UTF-8 check.  Rejects overlong
 * forms, surrogates and code points over U+10FFFF; names the lead byte of
 * a broken sequence.  NUL is rejected too: fields are C strings. */
static void s_utf8(bl_csv_t *r, unsigned c)
{
    if (r->u8_need > 0) {
        if (c < r->u8_lo || c > r->u8_hi) {
            s_utf8_broken(r);
            /* The byte that broke the sequence may start a new one. */
            s_utf8(r, c);
            return;
        }
        r->u8_need--;
        r->u8_lo = 0x80;
        r->u8_hi = 0xBF;
        return;
    }
    if (c < 0x80) {
        if (c == 0 && !s_fail_workbook(r)) {
            s_fail_at(r, "NUL character", r->line, s_col(r), "");
        }
        return;
    }
    r->u8_line = r->line;
    r->u8_col = s_col(r);
    r->u8_lo = 0x80;
    r->u8_hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        r->u8_need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        r->u8_need = 2;
        if (c == 0xE0) {
            r->u8_lo = 0xA0;
        } else if (c == 0xED) {
            r->u8_hi = 0x9F;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        r->u8_need = 3;
        if (c == 0xF0) {
            r->u8_lo = 0x90;
        } else if (c == 0xF4) {
            r->u8_hi = 0x8F;
        }
    } else {
        s_utf8_broken(r);
    }
}

/* Makes room for n more bytes in the record buffer. */
static bool s_reserve(bl_csv_t *r, size_t n)
{
    if (r->rec_len + n <= r->rec_cap) {
        return true;
    }
    if (BL_GROW(r->rec, r->rec_cap, r->rec_len + n) != 0) {
        r->sys_err = BL_ENOMEM;
        s_fail(r, "out of memory");
        return false;
    }
    return true;
}

/* Appends n content bytes of field idx (0-based). */
static void s_append(bl_csv_t *r, size_t idx, const void *p, size_t n)
{
    r->field_len += n;
    if (r->failed) {
        return;
    }
    if (r->field_len > BL_CSV_FIELD_MAX) {
        s_fail(r, "field %zu is longer than %d bytes", idx + 1,
               BL_CSV_FIELD_MAX);
        return;
    }
    if (r->rec_len + n + 1 > S_RECORD_MAX) {
        s_fail(r, "record is longer than %d bytes", S_RECORD_MAX);
        return;
    }
    /* +1 keeps room for the field's NUL. */
    if (!s_reserve(r, n + 1)) {
        return;
    }
    memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
}

static inline void s_append_byte(bl_csv_t *r, size_t idx, int c)
{
    char b = (char)c;
    s_append(r, idx, &b, 1);
}

/* Starts field idx: checks the column bound and the field arrays. */
static void s_begin_field(bl_csv_t *r, size_t idx)
{
    r->field_len = 0;
    if (idx >= BL_CSV_COLUMNS_MAX) {
        s_fail(r, "too many columns (more than %d)", BL_CSV_COLUMNS_MAX);
        return;
    }
    if (r->failed || idx < r->fields_cap) {
        return;
    }
    /* Three arrays, one capacity: it grows only when all three have. */
    size_t need = r->fields_cap == 0 ? S_FIELDS_INITIAL : r->fields_cap * 2;
    size_t c_starts = r->fields_cap, c_lens = r->fields_cap;
    size_t c_fields = r->fields_cap;
    if (BL_GROW(r->starts, c_starts, need) != 0 ||
        BL_GROW(r->lens, c_lens, need) != 0 ||
        BL_GROW(r->fields, c_fields, need) != 0) {
        r->sys_err = BL_ENOMEM;
        s_fail(r, "out of memory");
        return;
    }
    r->fields_cap = need;
}

/* Ends field idx, which started at offset start of the record buffer. */
static void s_end_field(bl_csv_t *r, size_t idx, size_t start, bool trim)
{
    if (r->failed) {
        return;
    }
    if (trim) {
        while (r->rec_len > start && (r->rec[r->rec_len - 1] == ' ' ||
                                      r->rec[r->rec_len - 1] == '\t')) {
            r->rec_len--;
        }
    }
    if (!s_reserve(r, 1)) {
        return;
    }
    r->rec[r->rec_len] = '\0';
    r->starts[idx] = start;
    r->lens[idx] = r->rec_len - start;
    r->rec_len++;
}

/* ---- the parser --------------------------------------------------------- */

/* Reads the rest of an unquoted field whose first byte c has been consumed
 * (c is not consumed when it is -1).  Returns the byte that ended it: the
 * delimiter, '\n', '\r', or -1 at end of input. */
static int s_unquoted(bl_csv_t *r, size_t idx, int c)
{
    for (;;) {
        if (c < 0 || c == '\n' || c == '\r' || c == r->delim) {
            return c;
        }
        if (r->u8_need == 0 && r->plain[c]) {
            /* Fast path: a run of ASCII bytes that end nothing, starting
             * with c, which s_getc() has just taken from win[pos - 1]. */
            const unsigned char *p = r->win + r->pos - 1;
            const unsigned char *q = p + 1;
            const unsigned char *e = r->win + r->len;
            while (q < e && r->plain[*q]) {
                q++;
            }
            s_append(r, idx, p, (size_t)(q - p));
            r->pos = (size_t)(q - r->win);
        } else {
            s_utf8(r, (unsigned)c);
            s_append_byte(r, idx, c);
        }
        c = s_getc(r);
    }
}

/* Reads a quoted field after its opening quote, then the spaces after the
 * closing quote.  Returns the byte that ended the field as s_unquoted(). */
static int s_quoted(bl_csv_t *r, size_t idx)
{
    for (;;) {
        if (r->u8_need == 0) {
            const unsigned char *p = r->win + r->pos;
            const unsigned char *q = p;
            const unsigned char *e = r->win + r->len;
            while (q < e && r->qplain[*q]) {
                q++;
            }
            if (q > p) {
                s_append(r, idx, p, (size_t)(q - p));
                r->pos += (size_t)(q - p);
            }
        }
        int c = s_getc(r);
        if (c < 0) {
            s_fail(r, "quoted field not closed at end of file");
            return -1;
        }
        s_utf8(r, (unsigned)c);
        if (c == '"') {
            if (s_peek(r) != '"') {
                break;
            }
            s_getc(r);
            s_utf8(r, '"');
        }
        s_append_byte(r, idx, c);
        if (c == '\r' && s_peek(r) == '\n') {
            s_getc(r);
            s_utf8(r, '\n');
            s_append_byte(r, idx, '\n');
        }
        if (c == '\r' || c == '\n') {
            s_newline(r);
        }
    }
    int c = s_getc(r);
    while (c == ' ' || c == '\t') {
        s_utf8(r, (unsigned)c);
        c = s_getc(r);
    }
    if (c < 0 || c == '\n' || c == '\r' || c == r->delim) {
        return c;
    }
    s_fail(r, "text after the closing quote of field %zu", idx + 1);
    return s_unquoted(r, idx, c);
}

/* Reads one field; returns true when a delimiter ended it (another field
 * follows), false at the end of the record. */
static bool s_field(bl_csv_t *r)
{
    size_t idx = r->n_fields++;
    s_begin_field(r, idx);
    size_t start = r->rec_len;
    int c = s_getc(r);
    while (c == ' ' || c == '\t') {
        s_utf8(r, (unsigned)c);
        c = s_getc(r);
    }
    bool quoted = c == '"';
    if (quoted) {
        s_utf8(r, '"');
        c = s_quoted(r, idx);
    } else {
        c = s_unquoted(r, idx, c);
    }
    s_end_field(r, idx, start, !quoted);
    if (c == r->delim) {
        s_utf8(r, (unsigned)c);
        return true;
    }
    if (c == '\r' && s_peek(r) == '\n') {
        s_getc(r);
    }
    if (c >= 0) {
        s_newline(r);
    }
    return false;
}

/* Skips empty lines.  Returns false at the end of input. */
static bool s_skip_blank(bl_csv_t *r)
{
    for (;;) {
        int c = s_peek(r);
        if (c < 0) {
            return false;
        }
        if (c != '\n' && c != '\r') {
            return true;
        }
        s_getc(r);
        if (c == '\r' && s_peek(r) == '\n') {
            s_getc(r);
        }
        s_newline(r);
    }
}

static void s_set_delim(bl_csv_t *r, char delim)
{
    r->delim = delim;
    for (int i = 0; i < 256; i++) {
        r->plain[i] = i > 0 && i < 0x80 && i != '\n' && i != '\r' &&
                      i != delim;
        r->qplain[i] = i > 0 && i < 0x80 && i != '\n' && i != '\r' &&
                       i != '"';
    }
}

/* Picks the delimiter from the header line, which starts at the next
 * unread byte: the one of ',' and ';' found more often outside quotes, ','
 * on a tie.  Looks ahead without consuming, growing the window when the
 * header is longer than it. */
static void s_detect_delim(bl_csv_t *r)
{
    size_t comma = 0;
    size_t semi = 0;
    bool in_quotes = false;
    size_t i = 0;  /* offset from r->pos, which s_fill() may move */
    for (;;) {
        if (r->pos + i >= r->len) {
            if (r->eof || r->io_err != 0 || i >= S_HEADER_SCAN_MAX) {
                break;
            }
            s_fill(r);
            continue;
        }
        unsigned char c = r->win[r->pos + i];
        i++;
        if (c == '"') {
            in_quotes = !in_quotes;
        } else if (!in_quotes) {
            if (c == ',') {
                comma++;
            } else if (c == ';') {
                semi++;
            } else if (c == '\n' || c == '\r') {
                break;
            }
        }
    }
    s_set_delim(r, semi > comma ? ';' : ',');
}

/* Skips a UTF-8 byte order mark at the very start. */
static void s_skip_bom(bl_csv_t *r)
{
    while (r->len - r->pos < 3 && !r->eof && r->io_err == 0) {
        s_fill(r);
    }
    if (r->len - r->pos >= 3 && r->win[r->pos] == 0xEF &&
        r->win[r->pos + 1] == 0xBB && r->win[r->pos + 2] == 0xBF) {
        r->pos += 3;
        r->line_start = s_offset(r);
    } else if (r->len - r->pos >= 2 &&
               ((r->win[r->pos] == 0xFF && r->win[r->pos + 1] == 0xFE) ||
                (r->win[r->pos] == 0xFE && r->win[r->pos + 1] == 0xFF))) {
        /* A spreadsheet's "Unicode text": its first byte already fails
         * the UTF-8 check, which then says what the file is. */
        r->utf16 = true;
    }
    /* A workbook sent as it is (.xlsx and .ods are zip files, .xls an OLE
     * one): its first record fails on a NUL or invalid UTF-8, which then
     * says what the file is. */
    static const unsigned char zip[] = {'P', 'K', 3, 4};
    static const unsigned char ole[] = {0xD0, 0xCF, 0x11, 0xE0};
    if (r->len - r->pos >= 4 && memcmp(r->win + r->pos, zip, 4) == 0) {
        r->workbook = "a spreadsheet workbook (.xlsx or .ods)";
    } else if (r->len - r->pos >= 4 &&
               memcmp(r->win + r->pos, ole, 4) == 0) {
        r->workbook = "an Excel 97-2003 workbook (.xls)";
    }
}

/* The first record of a workbook (s_skip_bom): what the file is, instead
 * of the byte that failed.  True when it said so. */
static bool s_fail_workbook(bl_csv_t *r)
{
    if (r->workbook == NULL || r->rec_line != 1) {
        return false;
    }
    s_fail(r, "the file is %s, not CSV: save it as CSV UTF-8", r->workbook);
    return true;
}

/* ---- the public functions ---------------------------------------------- */

static int s_new(bl_csv_t **out, const char *name, bl_err_t *err)
{
    bl_csv_t *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    r->name = strdup(name != NULL ? name : "(input)");
    if (r->name == NULL) {
        free(r);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    r->fd = -1;
    r->line = 1;
    s_set_delim(r, ',');
    *out = r;
    return 0;
}

int bl_csv_open_fd(bl_csv_t **out, int fd, const char *name, bl_err_t *err)
{
    if (out == NULL || fd < 0) {
        return bl_err_set(err, BL_EINVAL, "bl_csv_open_fd: bad argument");
    }
    *out = NULL;
    bl_csv_t *r = NULL;
    int rc = s_new(&r, name, err);
    if (rc != 0) {
        return rc;
    }
    r->own = malloc(S_WINDOW);
    if (r->own == NULL) {
        bl_csv_close(&r);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    r->win = r->own;
    r->cap = S_WINDOW;
    r->fd = fd;
    *out = r;
    return 0;
}

int bl_csv_open_mem(bl_csv_t **out, const void *data, size_t size,
                    const char *name, bl_err_t *err)
{
    if (out == NULL || (data == NULL && size > 0)) {
        return bl_err_set(err, BL_EINVAL, "bl_csv_open_mem: bad argument");
    }
    *out = NULL;
    bl_csv_t *r = NULL;
    int rc = s_new(&r, name, err);
    if (rc != 0) {
        return rc;
    }
    r->win = data;
    r->len = size;
    r->eof = true;
    *out = r;
    return 0;
}

int bl_csv_next(bl_csv_t *r, bl_csv_record_t *rec, bl_err_t *err)
{
    if (r == NULL || rec == NULL) {
        return bl_err_set(err, BL_EINVAL, "bl_csv_next: bad argument");
    }
    memset(rec, 0, sizeof *rec);
    if (r->io_err != 0) {
        goto read_failed;
    }
    if (!r->started) {
        r->started = true;
        s_skip_bom(r);
    }
    if (!s_skip_blank(r)) {
        if (r->io_err != 0) {
            goto read_failed;
        }
        return 0;
    }
    if (!r->have_header) {
        s_detect_delim(r);
    }

    r->rec_line = r->line;
    r->rec_len = 0;
    r->n_fields = 0;
    r->failed = false;
    r->sys_err = 0;
    r->u8_need = 0;
    while (s_field(r)) {
    }
    if (r->u8_need > 0) {
        s_utf8_broken(r);
    }
    if (r->io_err != 0) {
        goto read_failed;
    }
    if (r->sys_err != 0) {
        return bl_err_set(err, r->sys_err, "%s: line %zu: out of memory",
                          r->name, r->rec_line);
    }
    if (!r->have_header) {
        r->have_header = true;
        r->expected = r->n_fields;
    } else if (r->n_fields != r->expected) {
        /* More fields: most often a delimiter inside a value that is
         * not quoted ("Bergen Arbeid, AS", a decimal comma). */
        if (r->n_fields > r->expected) {
            s_fail(r, "expected %zu fields, found %zu (a '%c' inside a "
                   "value that is not in quotes?)", r->expected,
                   r->n_fields, r->delim);
        } else {
            s_fail(r, "expected %zu fields, found %zu", r->expected,
                   r->n_fields);
        }
    }

    rec->line = r->rec_line;
    if (r->failed) {
        rec->error = r->errmsg;
        return 1;
    }
    for (size_t i = 0; i < r->n_fields; i++) {
        r->fields[i] = r->rec + r->starts[i];
    }
    rec->n_fields = r->n_fields;
    rec->fields = r->fields;
    rec->lens = r->lens;
    return 1;

read_failed:
    if (r->io_err == BL_ENOMEM) {
        return bl_err_set(err, BL_ENOMEM, "%s: out of memory", r->name);
    }
    return bl_err_set(err, r->io_err, "%s: cannot read: %s", r->name,
                      bl_strerror(r->io_err));
}

char bl_csv_delimiter(const bl_csv_t *r)
{
    return r != NULL ? r->delim : ',';
}

size_t bl_csv_offset(const bl_csv_t *r)
{
    return r != NULL ? s_offset(r) : 0;
}

void bl_csv_close(bl_csv_t **r)
{
    if (r == NULL || *r == NULL) {
        return;
    }
    bl_csv_t *c = *r;
    free(c->name);
    free(c->own);
    free(c->rec);
    free(c->starts);
    free(c->lens);
    free(c->fields);
    free(c);
    *r = NULL;
}
