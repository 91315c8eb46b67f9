/*
 * bl_raw_rows_codec: encoding and bounded decoding of raw rows and of the
 * raw_rows message (see bl_raw_rows_codec.h).
 */
#include "bl_raw_rows_codec.h"

#include <string.h>

#include "bl_codec.h"

static int s_bad(bl_err_t *err, const char *field)
{
    return bl_codec_bad(err, "raw_rows message", field);
}

static int s_bad_row(bl_err_t *err, uint32_t i, const char *field)
{
    return bl_err_set(err, BL_EPROTO,
                      "raw_rows message: row %u: %s: missing, truncated or "
                      "of the wrong type",
                      i + 1, field);
}

void bl_raw_rows_write_row(bl_mpw_t *rows, const bl_raw_row_t *row)
{
    bl_mpw_array(rows, 3);
    bl_mpw_uint(rows, row->line);
    if (row->error != NULL) {
        bl_mpw_strn(rows, row->error, row->error_len);
        bl_mpw_array(rows, 0);
        return;
    }
    bl_mpw_nil(rows);
    bl_mpw_array(rows, row->n_fields);
    for (uint32_t i = 0; i < row->n_fields; i++) {
        bl_mpw_strn(rows, row->fields[i], row->lens[i]);
    }
}

int bl_raw_rows_write_array(bl_mpw_t *w, const bl_mpw_t *rows,
                            uint32_t n_rows)
{
    bl_mpw_array(w, n_rows);
    if (bl_mpw_size(rows) > 0) {
        bl_mpw_raw(w, bl_mpw_data(rows), bl_mpw_size(rows));
    }
    return w->err || rows->err ? BL_ENOMEM : 0;
}

int bl_raw_rows_write(bl_mpw_t *w, const char *sub, const bl_mpw_t *rows,
                      uint32_t n_rows)
{
    bl_mpw_map(w, 2);
    bl_mpw_str(w, "sub");
    bl_mpw_str(w, sub);
    bl_mpw_str(w, "rows");
    return bl_raw_rows_write_array(w, rows, n_rows);
}

void bl_raw_rows_write_head(bl_mpw_t *w, const char *sub, uint32_t n_rows)
{
    bl_mpw_map(w, 2);
    bl_mpw_str(w, "sub");
    bl_mpw_str(w, sub);
    bl_mpw_str(w, "rows");
    bl_mpw_array(w, n_rows);
}

void bl_raw_rows_write_raw(bl_mpw_t *w, const bl_raw_row_t *row)
{
    bl_mpw_raw(w, row->raw, row->raw_len);
}

int bl_raw_rows_read_row(bl_mpr_t *r, bl_raw_row_t *row, uint32_t i,
                         bl_err_t *err)
{
    memset(row, 0, sizeof *row);
    row->raw = r->p;
    uint32_t three;
    if (bl_mpr_array(r, &three) != 0 || three != 3) {
        return bl_err_set(err, BL_EPROTO,
                          "raw_rows message: row %u: not a [line, error, "
                          "fields] triple",
                          i + 1);
    }
    if (bl_mpr_uint(r, &row->line) != 0) {
        return s_bad_row(err, i, "line");
    }
    if (!bl_mpr_nil(r)) {
        const char *e;
        uint32_t el;
        if (bl_mpr_str(r, &e, &el) != 0) {
            return s_bad_row(err, i, "error");
        }
        if (el > BL_RAW_ROWS_TEXT_MAX) {
            return bl_err_set(err, BL_EPROTO,
                              "raw_rows message: row %u: error: longer "
                              "than %d bytes",
                              i + 1, BL_RAW_ROWS_TEXT_MAX);
        }
        row->error = e;
        row->error_len = el;
    }
    uint32_t nf;
    if (bl_mpr_array(r, &nf) != 0) {
        return s_bad_row(err, i, "fields");
    }
    if (nf > BL_RAW_ROWS_FIELDS_MAX) {
        return bl_err_set(err, BL_EPROTO,
                          "raw_rows message: row %u: fields: %u fields, "
                          "more than %d",
                          i + 1, nf, BL_RAW_ROWS_FIELDS_MAX);
    }
    row->field_r = *r;
    for (uint32_t f = 0; f < nf; f++) {
        const char *s;
        uint32_t sl;
        if (bl_mpr_str(r, &s, &sl) != 0) {
            return bl_err_set(err, BL_EPROTO,
                              "raw_rows message: row %u: field %u: "
                              "missing, truncated or not text",
                              i + 1, f + 1);
        }
        if (sl > BL_RAW_ROWS_TEXT_MAX) {
            return bl_err_set(err, BL_EPROTO,
                              "raw_rows message: row %u: field %u: longer "
                              "than %d bytes",
                              i + 1, f + 1, BL_RAW_ROWS_TEXT_MAX);
        }
    }
    /* A row the reader could not read has no usable fields. */
    row->n_fields = row->error != NULL ? 0 : nf;
    row->fields_left = row->n_fields;
    row->raw_len = (size_t)(r->p - row->raw);
    return 0;
}

int bl_raw_rows_next_field(bl_raw_row_t *row, const char **s,
                           uint32_t *len)
{
    if (row->fields_left == 0) {
        return BL_ENOTFOUND;
    }
    if (bl_mpr_str(&row->field_r, s, len) != 0) {
        return BL_EPROTO;
    }
    row->fields_left--;
    return 0;
}

int bl_raw_rows_open(bl_raw_rows_reader_t *rd, const void *data, size_t len,
                     bl_err_t *err)
{
    memset(rd, 0, sizeof *rd);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return s_bad(err, "the message (a map)");
    }
    bool has_sub = false, has_rows = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return s_bad(err, "a key");
        }
        if (bl_mp_str_eq(k, kl, "sub")) {
            const char *s;
            uint32_t sl;
            if (bl_mpr_str(&r, &s, &sl) != 0) {
                return s_bad(err, "sub");
            }
            if (sl >= sizeof rd->sub) {
                return bl_err_set(err, BL_EPROTO,
                                  "raw_rows message: sub: longer than %d "
                                  "bytes",
                                  BL_RAW_ROWS_ID_MAX - 1);
            }
            memcpy(rd->sub, s, sl);
            rd->sub[sl] = '\0';
            has_sub = true;
        } else if (bl_mp_str_eq(k, kl, "rows")) {
            if (bl_mpr_array(&r, &rd->n_rows) != 0) {
                return s_bad(err, "rows");
            }
            if (bl_codec_list(&r, rd->n_rows, BL_RAW_ROWS_MAX, i + 1 == n, &rd->rows,
                              "raw_rows message", "rows", "rows", "row",
                              err) != 0) {
                return BL_EPROTO;
            }
            rd->rows_start = rd->rows.p;
            rd->rows_len = (size_t)(r.p - rd->rows.p);
            has_rows = true;
        } else if (bl_mpr_skip(&r) != 0) {
            return s_bad(err, "an unknown key's value");
        }
    }
    if (!has_sub) {
        return s_bad(err, "sub");
    }
    if (!has_rows) {
        return s_bad(err, "rows");
    }
    if (bl_codec_end(&r, "raw_rows message", err) != 0) {
        return BL_EPROTO;
    }
    rd->left = rd->n_rows;
    return 0;
}

int bl_raw_rows_next(bl_raw_rows_reader_t *rd, bl_raw_row_t *row,
                     bl_err_t *err)
{
    if (rd->left == 0) {
        return BL_ENOTFOUND;
    }
    int rc = bl_raw_rows_read_row(&rd->rows, row, rd->n_rows - rd->left,
                                  err);
    if (rc != 0) {
        return rc;
    }
    rd->left--;
    return bl_codec_list_last(&rd->rows, rd->left, "raw_rows message", "row",
                              err);
}
