/*
 * Tests of bl_csv: the record structure (BOM, delimiter detection, quoting,
 * line endings, blank lines and line numbers, trimming), every record error
 * and that reading goes on after it, the hostile inputs (huge fields, binary
 * bytes, 100,000 columns, an unclosed quote), the file-descriptor path
 * across window boundaries, and the number parsers.
 *
 * Most tests render all records of an input as one string, e.g.
 * "1:a|b\n3:!expected 2 fields, found 1\n", and compare it whole.
 */
#include "bl_csv.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t len;
    size_t cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap == 0 ? 256 : b->cap;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        cr_assert_not_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_str(buf_t *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* Renders every record: "LINE:f1|f2|...\n", or "LINE:!error\n". */
static char *s_dump_reader(bl_csv_t *r)
{
    buf_t out = {0};
    buf_str(&out, "");
    bl_csv_record_t rec;
    bl_err_t err = {0};
    int rc;
    while ((rc = bl_csv_next(r, &rec, &err)) == 1) {
        char line[32];
        snprintf(line, sizeof line, "%zu:", rec.line);
        buf_str(&out, line);
        if (rec.error != NULL) {
            cr_assert_eq(rec.n_fields, 0);
            buf_str(&out, "!");
            buf_str(&out, rec.error);
        } else {
            for (size_t i = 0; i < rec.n_fields; i++) {
                cr_assert_eq(strlen(rec.fields[i]), rec.lens[i]);
                if (i > 0) {
                    buf_str(&out, "|");
                }
                buf_add(&out, rec.fields[i], rec.lens[i]);
            }
        }
        buf_str(&out, "\n");
    }
    cr_assert_eq(rc, 0, "bl_csv_next: %d %s", rc, err.msg);
    /* The end is sticky. */
    cr_assert_eq(bl_csv_next(r, &rec, &err), 0);
    return out.p;
}

static char *s_dump_n(const char *data, size_t size)
{
    bl_csv_t *r = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_csv_open_mem(&r, data, size, "t.csv", &err), 0);
    char *out = s_dump_reader(r);
    cr_assert_eq(bl_csv_offset(r), size);
    bl_csv_close(&r);
    return out;
}

static char *s_dump(const char *data)
{
    return s_dump_n(data, strlen(data));
}

static void s_expect(const char *data, const char *want)
{
    char *got = s_dump(data);
    cr_assert_str_eq(got, want);
    free(got);
}

static char s_delim_of(const char *data)
{
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_mem(&r, data, strlen(data), "t.csv", NULL), 0);
    cr_assert_eq(bl_csv_delimiter(r), ',');
    bl_csv_record_t rec;
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    char d = bl_csv_delimiter(r);
    bl_csv_close(&r);
    return d;
}

/* Writes data to a fresh temporary file and returns it open at offset 0. */
static int s_temp_fd(const char *data, size_t size)
{
    char path[] = "/tmp/test_bl_csv_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(unlink(path), 0);
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        cr_assert_gt(n, 0);
        done += (size_t)n;
    }
    cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static char *s_dump_fd(const char *data, size_t size)
{
    int fd = s_temp_fd(data, size);
    bl_csv_t *r = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_csv_open_fd(&r, fd, "t.csv", &err), 0);
    char *out = s_dump_reader(r);
    cr_assert_eq(bl_csv_offset(r), size);
    bl_csv_close(&r);
    close(fd);
    return out;
}

/* ---- structure ---------------------------------------------------------- */

Test(bl_csv, header_is_first_record_at_line_1, .timeout = 10)
{
    s_expect("a,b,c\n1,2,3\n4,5,6\n", "1:a|b|c\n2:1|2|3\n3:4|5|6\n");
}

Test(bl_csv, bom_is_stripped, .timeout = 10)
{
    s_expect("\xEF\xBB\xBFprovider_id,x\nNO-1,2\n",
             "1:provider_id|x\n2:NO-1|2\n");
}

Test(bl_csv, semicolon_detected_from_header, .timeout = 10)
{
    cr_assert_eq(s_delim_of("a;b;c\n"), ';');
    s_expect("a;b;c\n1,5;x,y;3\n", "1:a|b|c\n2:1,5|x,y|3\n");
}

Test(bl_csv, comma_wins_a_tie_and_quotes_do_not_count, .timeout = 10)
{
    cr_assert_eq(s_delim_of("a;b,c\n"), ',');
    cr_assert_eq(s_delim_of("single\n"), ',');
    cr_assert_eq(s_delim_of("\"a;b;c\",d\n"), ',');
    cr_assert_eq(s_delim_of("\"a,b,c\";d\n"), ';');
    /* Only the header line counts. */
    cr_assert_eq(s_delim_of("a;b\n1,2,3,4,5\n"), ';');
}

Test(bl_csv, quoted_delimiters_and_newlines_are_content, .timeout = 10)
{
    s_expect("a,b\n\"x,y\",\"line1\nline2\"\nc,d\n",
             "1:a|b\n2:x,y|line1\nline2\n4:c|d\n");
}

Test(bl_csv, doubled_quotes_are_one_quote, .timeout = 10)
{
    s_expect("a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n",
             "1:a|b\n2:say \"hi\"|\"\n");
    /* An empty quoted field. */
    s_expect("a,b\n\"\",x\n", "1:a|b\n2:|x\n");
}

Test(bl_csv, quote_inside_unquoted_field_is_literal, .timeout = 10)
{
    s_expect("a,b\n5\" screen,x\n", "1:a|b\n2:5\" screen|x\n");
}

Test(bl_csv, crlf_and_lone_cr_end_lines, .timeout = 10)
{
    s_expect("a,b\r\n1,2\r\n3,4\r\n", "1:a|b\n2:1|2\n3:3|4\n");
    s_expect("a,b\r1,2\r3,4", "1:a|b\n2:1|2\n3:3|4\n");
    /* CRLF inside quotes is kept and counts as one line. */
    s_expect("a\r\n\"x\r\ny\"\r\nz\r\n", "1:a\n2:x\r\ny\n4:z\n");
}

Test(bl_csv, blank_lines_skipped_but_counted, .timeout = 10)
{
    s_expect("\n\r\na,b\n\n1,2\r\n\r\n\n3,4\n\n",
             "3:a|b\n5:1|2\n8:3|4\n");
}

Test(bl_csv, line_numbers_count_breaks_inside_quotes, .timeout = 10)
{
    s_expect("a,b\n\"1\n2\n3\",x\n\ny,\"\r\n\"\nz,w\n",
             "1:a|b\n2:1\n2\n3|x\n6:y|\r\n\n8:z|w\n");
}

Test(bl_csv, spaces_and_tabs_trimmed_outside_quotes, .timeout = 10)
{
    s_expect("a , b\n  1 \t,\t 2  \n \" x \" , y\n",
             "1:a|b\n2:1|2\n3: x |y\n");
    /* Inner spaces stay. */
    s_expect("a\n  hello   world  \n", "1:a\n2:hello   world\n");
}

Test(bl_csv, empty_fields_are_returned, .timeout = 10)
{
    s_expect("a,b,c\n,,\n1,,3\n", "1:a|b|c\n2:||\n3:1||3\n");
}

Test(bl_csv, truncated_last_line_is_a_record, .timeout = 10)
{
    s_expect("a,b\n1,2", "1:a|b\n2:1|2\n");
    s_expect("a,b\n1,\"2\"", "1:a|b\n2:1|2\n");
}

Test(bl_csv, empty_file_has_no_records, .timeout = 10)
{
    s_expect("", "");
    s_expect("\xEF\xBB\xBF", "");
    s_expect("\n\r\n\n", "");
    char *got = s_dump_n(NULL, 0);
    cr_assert_str_eq(got, "");
    free(got);
}

Test(bl_csv, header_only_gives_one_record, .timeout = 10)
{
    s_expect("a,b,c\n", "1:a|b|c\n");
    s_expect("a,b,c", "1:a|b|c\n");
}

Test(bl_csv, fields_are_valid_until_next_call, .timeout = 10)
{
    const char *data = "id,name\nNO-1,\"A, B\"\n";
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_mem(&r, data, strlen(data), "t", NULL), 0);
    bl_csv_record_t rec;
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_eq(rec.n_fields, 2);
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_eq(rec.line, 2);
    cr_assert_null(rec.error);
    cr_assert_eq(rec.n_fields, 2);
    cr_assert_str_eq(rec.fields[0], "NO-1");
    cr_assert_str_eq(rec.fields[1], "A, B");
    cr_assert_eq(rec.lens[1], 4);
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 0);
    bl_csv_close(&r);
    cr_assert_null(r);
    bl_csv_close(&r);
    bl_csv_close(NULL);
}

/* ---- record errors ------------------------------------------------------ */

/* What the first invalid UTF-8 record of a file adds to its message. */
#define S_HINT " (is the file in another encoding, such as Windows-1252? " \
               "Save it as CSV UTF-8)"

Test(bl_csv, wrong_field_count_rejects_only_that_record, .timeout = 10)
{
    s_expect("a,b,c\n1,2\n1,2,3,4\n5,6,7\n",
             "1:a|b|c\n2:!expected 3 fields, found 2\n"
             "3:!expected 3 fields, found 4 (a ',' inside a value that "
             "is not in quotes?)\n4:5|6|7\n");
}

Test(bl_csv, invalid_utf8_names_byte_and_reading_goes_on, .timeout = 10)
{
    s_expect("a,b\nok,caf\xC3\xA9\nx,ab\xFF" "c\n\xC3(,y\nz,w\n",
             "1:a|b\n2:ok|caf\xC3\xA9\n3:!invalid UTF-8 at byte 5" S_HINT "\n"
             "4:!invalid UTF-8 at byte 1\n5:z|w\n");
}

Test(bl_csv, invalid_utf8_on_later_line_of_record_names_it, .timeout = 10)
{
    s_expect("a\n\"x\nyy\xC0\x80\"\nz\n",
             "1:a\n2:!invalid UTF-8 at line 3, byte 3" S_HINT "\n4:z\n");
}

Test(bl_csv, utf8_edge_cases, .timeout = 10)
{
    /* 4-byte emoji and the largest code point are fine. */
    s_expect("a\n\xF0\x9F\x98\x80\n\xF4\x8F\xBF\xBF\n",
             "1:a\n2:\xF0\x9F\x98\x80\n3:\xF4\x8F\xBF\xBF\n");
    /* Overlong, surrogate, over U+10FFFF, stray continuation, cut by a
     * delimiter, cut by the end of line, cut by the end of file. */
    s_expect("a,b\n\xC0\xAF,x\n\xED\xA0\x80,x\n\xF4\x90\x80\x80,x\n"
             "\x80,x\nx\xE2\x82,y\nx,\xE2\x82\ny,\xE2",
             "1:a|b\n2:!invalid UTF-8 at byte 1" S_HINT "\n"
             "3:!invalid UTF-8 at byte 1\n4:!invalid UTF-8 at byte 1\n"
             "5:!invalid UTF-8 at byte 1\n6:!invalid UTF-8 at byte 2\n"
             "7:!invalid UTF-8 at byte 3\n8:!invalid UTF-8 at byte 3\n");
}

Test(bl_csv, a_utf16_file_is_named_as_such, .timeout = 10)
{
    /* A spreadsheet's "Unicode text" starts with a UTF-16 byte order mark
     * (little- or big-endian).  (Its NUL bytes are left out here: the
     * reader is given C strings.) */
    const char *why = "1:!the file is UTF-16 (it starts with a UTF-16 byte "
                      "order mark), not UTF-8: save it as CSV UTF-8\n";
    s_expect("\xFF\xFE" "a,b\n", why);
    s_expect("\xFE\xFF" "a,b\n", why);
    /* the same bytes later in a file are only invalid UTF-8 */
    s_expect("a\n\xFF\xFEx\n",
             "1:a\n2:!invalid UTF-8 at byte 1" S_HINT "\n");
}

Test(bl_csv, a_workbook_is_named_as_such, .timeout = 10)
{
    /* .xlsx/.ods (zip) and .xls (OLE) as their first bytes start; the
     * first record fails on a byte, and says what the file is instead.
     * (The NULs of a real one are left out: C strings here.) */
    s_expect("PK\x03\x04\xFF\xFE,x\n",
             "1:!the file is a spreadsheet workbook (.xlsx or .ods), not "
             "CSV: save it as CSV UTF-8\n");
    s_expect("\xD0\xCF\x11\xE0\xA1\xB1\n",
             "1:!the file is an Excel 97-2003 workbook (.xls), not CSV: "
             "save it as CSV UTF-8\n");
}

Test(bl_csv, invalid_utf8_in_header_is_reported, .timeout = 10)
{
    s_expect("a,\xFE\n1,2\n",
             "1:!invalid UTF-8 at byte 3" S_HINT "\n2:1|2\n");
}

Test(bl_csv, nul_byte_rejects_record, .timeout = 10)
{
    const char data[] = "a,b\n1,x\0y\n3,4\n";
    char *got = s_dump_n(data, sizeof data - 1);
    cr_assert_str_eq(got, "1:a|b\n2:!NUL character at byte 4\n3:3|4\n");
    free(got);
}

Test(bl_csv, binary_garbage_never_crashes_and_is_rejected, .timeout = 10)
{
    unsigned char data[4096];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 16);
    }
    memcpy(data, "a,b\n", 4);
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_mem(&r, data, sizeof data, "bin", NULL), 0);
    bl_csv_record_t rec;
    size_t records = 0;
    size_t errors = 0;
    int rc;
    while ((rc = bl_csv_next(r, &rec, NULL)) == 1) {
        records++;
        errors += rec.error != NULL;
    }
    cr_assert_eq(rc, 0);
    cr_assert_gt(records, 1);
    /* Every record but the header holds random high bytes or NULs. */
    cr_assert_eq(errors, records - 1);
    cr_assert_eq(bl_csv_offset(r), sizeof data);
    bl_csv_close(&r);
}

Test(bl_csv, field_over_64k_rejected_and_next_record_fine, .timeout = 10)
{
    size_t big = BL_CSV_FIELD_MAX + 1;
    char *data = malloc(big + 64);
    cr_assert_not_null(data);
    strcpy(data, "a,b\nx,");
    size_t at = strlen(data);
    memset(data + at, 'q', big);
    strcpy(data + at + big, "\ny,z\n");
    s_expect(data, "1:a|b\n2:!field 2 is longer than 65536 bytes\n3:y|z\n");

    /* Exactly the bound is accepted. */
    memset(data + at, 'q', BL_CSV_FIELD_MAX);
    strcpy(data + at + BL_CSV_FIELD_MAX, "\n");
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_mem(&r, data, strlen(data), "t", NULL), 0);
    bl_csv_record_t rec;
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_null(rec.error);
    cr_assert_eq(rec.lens[1], BL_CSV_FIELD_MAX);
    bl_csv_close(&r);
    free(data);
}

Test(bl_csv, one_megabyte_quoted_field_is_rejected, .timeout = 10)
{
    size_t big = 1024 * 1024;
    char *data = malloc(big + 64);
    cr_assert_not_null(data);
    strcpy(data, "a,b\n\"");
    size_t at = strlen(data);
    for (size_t i = 0; i < big; i++) {
        data[at + i] = (i % 100 == 99) ? '\n' : 'm';
    }
    strcpy(data + at + big, "\",1\nc,d\n");
    /* The field holds 10485 line breaks: the next record starts after. */
    char want[128];
    snprintf(want, sizeof want,
             "1:a|b\n2:!field 1 is longer than 65536 bytes\n%zu:c|d\n",
             (size_t)(3 + big / 100));
    s_expect(data, want);
    free(data);
}

Test(bl_csv, record_over_16_mib_rejected_and_next_fine, .timeout = 10)
{
    /* 260 fields of 65,000 bytes: each within its bound, 16.9 MB in all. */
    size_t cols = 260;
    size_t width = 65000;
    buf_t in = {0};
    for (size_t i = 0; i < cols; i++) {
        buf_str(&in, i + 1 < cols ? "h," : "h\n");
    }
    char *field = malloc(width + 1);
    cr_assert_not_null(field);
    memset(field, 'w', width);
    field[width] = '\0';
    for (size_t i = 0; i < cols; i++) {
        buf_str(&in, field);
        buf_str(&in, i + 1 < cols ? "," : "\n");
    }
    for (size_t i = 0; i < cols; i++) {
        buf_str(&in, i + 1 < cols ? "1," : "2\n");
    }
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_mem(&r, in.p, in.len, "t", NULL), 0);
    bl_csv_record_t rec;
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_eq(rec.n_fields, cols);
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_str_eq(rec.error, "record is longer than 16777216 bytes");
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_null(rec.error);
    cr_assert_eq(rec.line, 3);
    cr_assert_str_eq(rec.fields[cols - 1], "2");
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 0);
    bl_csv_close(&r);
    free(field);
    free(in.p);
}

Test(bl_csv, too_many_columns_in_header, .timeout = 10)
{
    size_t cols = 100000;
    char *data = malloc(cols * 2 + 16);
    cr_assert_not_null(data);
    for (size_t i = 0; i < cols; i++) {
        data[2 * i] = 'c';
        data[2 * i + 1] = i + 1 < cols ? ',' : '\n';
    }
    strcpy(data + 2 * cols, "1,2\n");
    s_expect(data, "1:!too many columns (more than 4096)\n"
                   "2:!expected 100000 fields, found 2\n");
    free(data);
}

Test(bl_csv, columns_at_the_bound_are_accepted, .timeout = 10)
{
    size_t cols = BL_CSV_COLUMNS_MAX;
    char *data = malloc(cols * 2 + 16);
    cr_assert_not_null(data);
    for (size_t i = 0; i < cols; i++) {
        data[2 * i] = 'c';
        data[2 * i + 1] = i + 1 < cols ? ';' : '\n';
    }
    data[2 * cols] = '\0';
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_mem(&r, data, strlen(data), "t", NULL), 0);
    bl_csv_record_t rec;
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_null(rec.error);
    cr_assert_eq(rec.n_fields, BL_CSV_COLUMNS_MAX);
    cr_assert_eq(bl_csv_delimiter(r), ';');
    bl_csv_close(&r);
    free(data);
}

Test(bl_csv, unterminated_quote_is_an_error_at_its_line, .timeout = 10)
{
    s_expect("a,b\n1,2\n3,\"open\n4,5\n",
             "1:a|b\n2:1|2\n3:!quoted field not closed at end of file\n");
}

Test(bl_csv, text_after_closing_quote_is_an_error, .timeout = 10)
{
    s_expect("a,b\n\"x\"y,1\n\"x\"  ,2\n",
             "1:a|b\n2:!text after the closing quote of field 1\n3:x|2\n");
}

/* ---- the file-descriptor path ------------------------------------------- */

Test(bl_csv, fd_reads_records_across_window_boundaries, .timeout = 10)
{
    /* About 1 MiB of records of varying length, with quoted line breaks
     * and CRLF, so that records, quotes, CRLF pairs and UTF-8 sequences
     * straddle the 256 KiB window boundaries at many places. */
    buf_t in = {0};
    buf_t want = {0};
    buf_str(&in, "\xEF\xBB\xBFid;text;n\r\n");
    buf_str(&want, "1:id|text|n\n");
    size_t line = 2;
    for (size_t i = 0; in.len < 1100 * 1024; i++) {
        char rec[256];
        char exp[256];
        size_t pad = i % 37;
        char padding[64];
        memset(padding, 'p', pad);
        padding[pad] = '\0';
        if (i % 3 == 0) {
            snprintf(rec, sizeof rec, "r%zu;\"q%s\r\nx\xC3\xA9\";%zu,5\r\n",
                     i, padding, i);
            snprintf(exp, sizeof exp, "%zu:r%zu|q%s\r\nx\xC3\xA9|%zu,5\n",
                     line, i, padding, i);
            line += 2;
        } else {
            snprintf(rec, sizeof rec, "r%zu; \xE2\x82\xAC%s ;%zu\r\n", i,
                     padding, i);
            snprintf(exp, sizeof exp, "%zu:r%zu|\xE2\x82\xAC%s|%zu\n", line,
                     i, padding, i);
            line += 1;
        }
        buf_str(&in, rec);
        buf_str(&want, exp);
    }
    char *got = s_dump_fd(in.p, in.len);
    cr_assert(strcmp(got, want.p) == 0, "fd path differs from expected");
    free(got);
    /* The memory path agrees. */
    got = s_dump_n(in.p, in.len);
    cr_assert(strcmp(got, want.p) == 0, "memory path differs");
    free(got);
    free(in.p);
    free(want.p);
}

Test(bl_csv, fd_header_longer_than_window_detects_delimiter, .timeout = 10)
{
    /* 300 KiB header of ';'-separated names, more than the window. */
    size_t cols = 4000;
    buf_t in = {0};
    for (size_t i = 0; i < cols; i++) {
        char name[128];
        memset(name, 'h', 70);
        snprintf(name + 70, sizeof name - 70, "%zu%c", i,
                 i + 1 < cols ? ';' : '\n');
        buf_str(&in, name);
    }
    cr_assert_gt(in.len, 256 * 1024);
    for (size_t i = 0; i < cols; i++) {
        buf_str(&in, i + 1 < cols ? "1,5;" : "1,5\n");
    }
    int fd = s_temp_fd(in.p, in.len);
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_fd(&r, fd, "t", NULL), 0);
    bl_csv_record_t rec;
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_null(rec.error);
    cr_assert_eq(bl_csv_delimiter(r), ';');
    cr_assert_eq(rec.n_fields, cols);
    cr_assert_eq(rec.lens[3999], 74);
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 1);
    cr_assert_null(rec.error);
    cr_assert_eq(rec.line, 2);
    cr_assert_str_eq(rec.fields[3999], "1,5");
    cr_assert_eq(bl_csv_next(r, &rec, NULL), 0);
    bl_csv_close(&r);
    close(fd);
    free(in.p);
}

Test(bl_csv, fd_empty_file_has_no_records, .timeout = 10)
{
    char *got = s_dump_fd("", 0);
    cr_assert_str_eq(got, "");
    free(got);
}

Test(bl_csv, fd_read_error_is_returned, .timeout = 10)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    /* Reading the write end of a pipe fails with EBADF. */
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_fd(&r, fds[1], "pipe", NULL), 0);
    bl_csv_record_t rec;
    bl_err_t err = {0};
    int rc = bl_csv_next(r, &rec, &err);
    cr_assert_lt(rc, 0);
    cr_assert_eq(err.code, rc);
    cr_assert(strstr(err.msg, "pipe: cannot read") != NULL, "%s", err.msg);
    bl_csv_close(&r);
    close(fds[0]);
    close(fds[1]);
}

Test(bl_csv, open_rejects_bad_arguments, .timeout = 10)
{
    bl_csv_t *r = NULL;
    cr_assert_eq(bl_csv_open_fd(&r, -1, "x", NULL), BL_EINVAL);
    cr_assert_eq(bl_csv_open_mem(&r, NULL, 5, "x", NULL), BL_EINVAL);
    cr_assert_null(r);
}
