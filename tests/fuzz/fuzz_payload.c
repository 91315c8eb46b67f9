/*
 * libFuzzer target for the payload decoders of the messages between
 * stages (bl_*_codec): every input goes through each decoder and, when it
 * is accepted, through each row and field reader to the end.  A decoder
 * either refuses with BL_EPROTO and a reason, or gives fields within their
 * bounds and spans inside the input; a close marker it accepts writes and
 * decodes again to the same fields (the round trip).  The sanitizers and
 * these invariants are the oracle.
 */
#include "bl_close_codec.h"
#include "bl_learning_codec.h"
#include "bl_raw_rows_codec.h"
#include "bl_records_codec.h"
#include "bl_register_codec.h"
#include "bl_results_codec.h"
#include "bl_submission_codec.h"
#include "bl_values_codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_check(int ok)
{
    if (!ok) {
        abort();
    }
}

/* A refusal is BL_EPROTO with a reason; the end of rows is BL_ENOTFOUND. */
static void s_check_end(int rc, const bl_err_t *err)
{
    s_check(rc == BL_ENOTFOUND || (rc == BL_EPROTO && err->msg[0] != '\0'));
}

static void s_check_inside(const void *p, size_t len, const uint8_t *data,
                           size_t size)
{
    s_check(len == 0 || ((const uint8_t *)p >= data &&
                         (const uint8_t *)p + len <= data + size));
}

static void s_check_str(const char *s, size_t size)
{
    s_check(memchr(s, '\0', size) != NULL);
}

static void s_close(const uint8_t *data, size_t size)
{
    bl_close_t c;
    bl_err_t err = {0};
    int rc = bl_close_decode(data, size, &c, &err);
    if (rc != 0) {
        s_check(rc == BL_EPROTO && err.msg[0] != '\0');
        return;
    }
    s_check_inside(c.rejected, c.rejected_len, data, size);
    bl_close_counts_t it;
    bl_close_counts_of(&it, &c);
    bl_close_count_t one;
    uint32_t n = 0;
    while ((rc = bl_close_counts_next(&it, &one, &err)) == 0) {
        s_check_str(one.provider, sizeof one.provider);
        n++;
    }
    s_check(rc == BL_ENOTFOUND && n == (c.has_rejected ? c.n_rejected : 0));
    bl_mpw_t w;
    bl_mpw_init(&w);
    s_check(bl_close_write(&w, &c) == 0);
    bl_close_t again;
    s_check(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &again,
                            NULL) == 0);
    s_check(again.period == c.period && again.generation == c.generation &&
            again.reopen == c.reopen &&
            again.has_rejected == c.has_rejected &&
            again.n_rejected == c.n_rejected &&
            again.rejected_len == c.rejected_len);
    s_check(c.rejected_len == 0 ||
            memcmp(again.rejected, c.rejected, c.rejected_len) == 0);
    bl_mpw_destroy(&w);
}

static void s_submission(const uint8_t *data, size_t size)
{
    bl_submission_t s;
    bl_err_t err = {0};
    int rc = bl_submission_decode(data, size, &s, &err);
    if (rc != 0) {
        s_check(rc == BL_EPROTO && err.msg[0] != '\0');
        return;
    }
    s_check(s.event == BL_SUBMISSION_BEGIN || s.event == BL_SUBMISSION_END);
    s_check(s.delimiter == ',' || s.delimiter == ';');
    s_check_str(s.sub, sizeof s.sub);
    s_check_str(s.file, sizeof s.file);
    const char *name;
    uint32_t len, n = 0;
    while (bl_submission_next_name(&s, &name, &len) == 0) {
        s_check_inside(name, len, data, size);
        n++;
    }
    s_check(n == s.n_header);
}

static void s_raw_rows(const uint8_t *data, size_t size)
{
    bl_raw_rows_reader_t rd;
    bl_err_t err = {0};
    int rc = bl_raw_rows_open(&rd, data, size, &err);
    if (rc != 0) {
        s_check(rc == BL_EPROTO && err.msg[0] != '\0');
        return;
    }
    s_check_str(rd.sub, sizeof rd.sub);
    bl_raw_row_t row;
    while ((rc = bl_raw_rows_next(&rd, &row, &err)) == 0) {
        s_check_inside(row.raw, row.raw_len, data, size);
        s_check_inside(row.error, row.error_len, data, size);
        const char *f;
        uint32_t fl, n = 0;
        while (bl_raw_rows_next_field(&row, &f, &fl) == 0) {
            s_check_inside(f, fl, data, size);
            n++;
        }
        s_check(n == row.n_fields);
    }
    s_check_end(rc, &err);
}

static void s_records(const uint8_t *data, size_t size)
{
    bl_records_reader_t rd;
    bl_err_t err = {0};
    int rc = bl_records_open(&rd, data, size, &err);
    if (rc != 0) {
        s_check(rc == BL_EPROTO && err.msg[0] != '\0');
        return;
    }
    bl_record_t rec;
    while ((rc = bl_records_next(&rd, &rec, &err)) == 0) {
        switch (rec.kind) {
        case BL_RECORD_SURVEY:
            s_check(rec.survey.n_answers <= BL_RECORDS_ANSWERS_MAX);
            s_check_inside(rec.survey.answers_raw, rec.survey.answers_len,
                           data, size);
            break;
        case BL_RECORD_REGISTER:
            s_check_inside(rec.entry_raw, rec.entry_len, data, size);
            break;
        case BL_RECORD_ACTION:
            s_check_inside(rec.learning.action.action.s,
                           rec.learning.action.action.len, data, size);
            break;
        default:
            break;
        }
    }
    s_check_end(rc, &err);
}

static void s_register(const uint8_t *data, size_t size)
{
    bl_register_reader_t rd;
    bl_err_t err = {0};
    int rc = bl_register_open(&rd, data, size, &err);
    if (rc != 0) {
        s_check(rc == BL_EPROTO && err.msg[0] != '\0');
    } else {
        bl_register_row_t row;
        while ((rc = bl_register_next(&rd, &row, &err)) == 0) {
            s_check_inside(row.entry_raw, row.entry_len, data, size);
            s_check_str(row.entry.name, sizeof row.entry.name);
        }
        s_check_end(rc, &err);
    }
    /* a stored entry */
    bl_register_entry_t e;
    rc = bl_register_decode_entry(data, size, &e, &err);
    s_check(rc == 0 || (rc == BL_EPROTO && err.msg[0] != '\0'));
}

static void s_learning(const uint8_t *data, size_t size)
{
    bl_learning_reader_t rd;
    bl_err_t err = {0};
    int rc = bl_learning_open(&rd, data, size, &err);
    if (rc != 0) {
        s_check(rc == BL_EPROTO && err.msg[0] != '\0');
        return;
    }
    bl_learning_row_t row;
    while ((rc = bl_learning_next(&rd, &row, &err)) == 0) {
        if (row.kind == BL_LEARNING_PRACTICE) {
            s_check(row.practice.description.len <= BL_LEARNING_TEXT_MAX);
            s_check_inside(row.practice.description.s,
                           row.practice.description.len, data, size);
        } else {
            s_check(row.kind == BL_LEARNING_ACTION);
        }
    }
    s_check_end(rc, &err);
}

static void s_results(const uint8_t *data, size_t size)
{
    bl_results_reader_t rd;
    bl_err_t err = {0};
    int rc = bl_results_open(&rd, data, size, &err);
    if (rc != 0) {
        s_check(rc == BL_EPROTO && err.msg[0] != '\0');
        return;
    }
    s_check(rd.kind == BL_RESULTS_PROVIDERS || rd.kind == BL_RESULTS_SUMMARY ||
            rd.kind == BL_RESULTS_STATS);
    const uint8_t *item;
    size_t len;
    while ((rc = bl_results_next(&rd, &item, &len, &err)) == 0) {
        s_check_inside(item, len, data, size);
        char id[BL_RESULTS_PROVIDER_MAX];
        if (bl_results_provider_id(item, len, id) == 0) {
            s_check_str(id, sizeof id);
        }
        bl_results_stats_t st;
        bl_err_t serr = {0};
        if (rd.kind == BL_RESULTS_STATS &&
            bl_results_stats_decode(item, len, &st, &serr) == 0) {
            s_check_str(st.indicator, sizeof st.indicator);
            s_check_str(st.group, sizeof st.group);
            s_check_str(st.key, sizeof st.key);
        }
    }
    s_check_end(rc, &err);
}

static void s_values(const uint8_t *data, size_t size)
{
    bl_values_reader_t rd;
    if (bl_values_open(&rd, data, size) != 0) {
        return;
    }
    bl_values_row_t row;
    int rc;
    while ((rc = bl_values_next(&rd, &row)) == 0) {
        s_check_inside(row.value_raw, row.value_len, data, size);
    }
    s_check(rc == BL_ENOTFOUND || rc == BL_EPROTO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_close(data, size);
    s_submission(data, size);
    s_raw_rows(data, size);
    s_records(data, size);
    s_register(data, size);
    s_learning(data, size);
    s_results(data, size);
    s_values(data, size);
    return 0;
}
