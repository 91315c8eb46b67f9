/*
 * bl_values_codec: encoding and bounded decoding of the values message
 * (see bl_values_codec.h).
 */
#include "bl_values_codec.h"

#include <string.h>

void bl_values_write_value(bl_mpw_t *w, const bl_value_t *v)
{
    bool suppressed = v->status == BL_CELL_SUPPRESSED;
    bl_mpw_array(w, 5);
    bl_mpw_opt_double(w, v->has_value && !suppressed, v->value);
    bl_mpw_opt_double(w, v->has_numerator, v->numerator);
    bl_mpw_opt_double(w, v->has_denominator, v->denominator);
    if (v->has_n) {
        bl_mpw_uint(w, v->n);
    } else {
        bl_mpw_nil(w);
    }
    bl_mpw_str(w, suppressed ? "suppressed" : "ok");
}

int bl_values_read_value(bl_mpr_t *r, bl_value_t *v)
{
    memset(v, 0, sizeof *v);
    uint32_t five;
    const char *st;
    uint32_t sl;
    if (bl_mpr_array(r, &five) != 0 || five != 5 ||
        bl_mpr_opt_double(r, &v->has_value, &v->value) != 0 ||
        bl_mpr_opt_double(r, &v->has_numerator, &v->numerator) != 0 ||
        bl_mpr_opt_double(r, &v->has_denominator, &v->denominator) != 0) {
        return BL_EPROTO;
    }
    v->has_n = !bl_mpr_nil(r);
    if ((v->has_n && bl_mpr_uint(r, &v->n) != 0) ||
        bl_mpr_str(r, &st, &sl) != 0) {
        return BL_EPROTO;
    }
    if (bl_mp_str_eq(st, sl, "ok")) {
        v->status = BL_CELL_OK;
    } else if (bl_mp_str_eq(st, sl, "suppressed")) {
        v->status = BL_CELL_SUPPRESSED;
    } else {
        return BL_EPROTO;
    }
    return 0;
}

void bl_values_write_row(bl_mpw_t *rows, const bl_values_row_t *row)
{
    bl_mpw_array(rows, 6);
    bl_mpw_str(rows, row->provider);
    bl_mpw_str(rows, row->unit);
    bl_mpw_str(rows, row->indicator);
    bl_values_write_value(rows, &row->value);
    bl_mpw_int(rows, row->generation);
    bl_mpw_nil(rows);
}

int bl_values_write(bl_mpw_t *w, int64_t period, int64_t generation,
                    const bl_mpw_t *rows, uint32_t n_rows)
{
    bl_mpw_map(w, 3);
    bl_mpw_str(w, "period");
    bl_mpw_int(w, period);
    bl_mpw_str(w, "generation");
    bl_mpw_int(w, generation);
    bl_mpw_str(w, "rows");
    bl_mpw_array(w, n_rows);
    bl_mpw_raw(w, bl_mpw_data(rows), bl_mpw_size(rows));
    return w->err || rows->err ? BL_ENOMEM : 0;
}

int bl_values_open(bl_values_reader_t *rd, const void *data, size_t len)
{
    memset(rd, 0, sizeof *rd);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    bool has_period = false, has_gen = false, has_rows = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        int rc;
        if (bl_mp_str_eq(k, kl, "period")) {
            rc = bl_mpr_int(&r, &rd->period);
            has_period = true;
        } else if (bl_mp_str_eq(k, kl, "generation")) {
            rc = bl_mpr_int(&r, &rd->generation);
            has_gen = true;
        } else if (bl_mp_str_eq(k, kl, "rows")) {
            rc = bl_mpr_array(&r, &rd->n_rows);
            if (rc == 0 && rd->n_rows > BL_VALUES_ROWS_MAX) {
                rc = BL_EPROTO;
            }
            rd->rows = r;
            /* skip the rows to read the keys after them */
            for (uint32_t j = 0; rc == 0 && j < rd->n_rows; j++) {
                rc = bl_mpr_skip(&r);
            }
            has_rows = true;
        } else {
            rc = bl_mpr_skip(&r);
        }
        if (rc != 0) {
            return BL_EPROTO;
        }
    }
    if (!has_period || !has_gen || !has_rows || !bl_mpr_done(&r)) {
        return BL_EPROTO;
    }
    rd->left = rd->n_rows;
    return 0;
}

int bl_values_next(bl_values_reader_t *rd, bl_values_row_t *row)
{
    if (rd->left == 0) {
        return BL_ENOTFOUND;
    }
    memset(row, 0, sizeof *row);
    bl_mpr_t *r = &rd->rows;
    uint32_t six;
    if (bl_mpr_array(r, &six) != 0 || six != 6 ||
        bl_mpr_str_copy(r, row->provider, sizeof row->provider) != 0 ||
        bl_mpr_str_copy(r, row->unit, sizeof row->unit) != 0 ||
        bl_mpr_str_copy(r, row->indicator, sizeof row->indicator) != 0) {
        return BL_EPROTO;
    }
    row->value_raw = r->p;
    if (bl_values_read_value(r, &row->value) != 0) {
        return BL_EPROTO;
    }
    row->value_len = (size_t)(r->p - row->value_raw);
    if (bl_mpr_int(r, &row->generation) != 0 || bl_mpr_skip(r) != 0) {
        return BL_EPROTO;
    }
    rd->left--;
    return 0;
}
