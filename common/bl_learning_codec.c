/*
 * bl_learning_codec: encoding and bounded decoding of actions, practices
 * and the learning message (see bl_learning_codec.h).
 */
#include "bl_learning_codec.h"

#include <string.h>

#include "bl_codec.h"

static int s_bad(bl_err_t *err, const char *field)
{
    return bl_codec_bad(err, "learning row", field);
}

static int s_id(bl_mpr_t *r, char *buf, size_t size, const char *field,
                bl_err_t *err)
{
    return bl_codec_str(r, buf, size, "learning row", field, err);
}

static int s_text(bl_mpr_t *r, bl_learning_text_t *t, const char *field,
                  bl_err_t *err)
{
    uint32_t len;
    if (bl_mpr_str(r, &t->s, &len) != 0) {
        return s_bad(err, field);
    }
    if (len > BL_LEARNING_TEXT_MAX) {
        return bl_err_set(err, BL_EPROTO,
                          "learning row: %s: longer than %d bytes", field,
                          BL_LEARNING_TEXT_MAX);
    }
    t->len = len;
    return 0;
}

bl_learning_text_t bl_learning_text(const char *s)
{
    bl_learning_text_t t = {s ? s : "", s ? strlen(s) : 0};
    return t;
}

void bl_learning_write_action(bl_mpw_t *rows, const bl_learning_action_t *a)
{
    bl_mpw_array(rows, 11);
    bl_mpw_str(rows, "a");
    bl_mpw_str(rows, a->provider);
    bl_mpw_int(rows, a->period);
    bl_mpw_str(rows, a->action_id);
    bl_mpw_str(rows, a->indicator);
    bl_mpw_strn(rows, a->action.s, a->action.len);
    bl_mpw_strn(rows, a->owner.s, a->owner.len);
    bl_mpw_str(rows, a->due);
    bl_mpw_str(rows, a->status);
    bl_mpw_str(rows, a->sub);
    bl_mpw_uint(rows, a->line);
}

void bl_learning_write_practice(bl_mpw_t *rows,
                                const bl_learning_practice_t *p)
{
    bl_mpw_array(rows, 9);
    bl_mpw_str(rows, "p");
    bl_mpw_str(rows, p->provider);
    bl_mpw_int(rows, p->period);
    bl_mpw_str(rows, p->indicator);
    bl_mpw_strn(rows, p->title.s, p->title.len);
    bl_mpw_strn(rows, p->description.s, p->description.len);
    bl_mpw_strn(rows, p->contact.s, p->contact.len);
    bl_mpw_str(rows, p->sub);
    bl_mpw_uint(rows, p->line);
}

void bl_learning_write_row(bl_mpw_t *rows, const bl_learning_row_t *row)
{
    if (row->kind == BL_LEARNING_ACTION) {
        bl_learning_write_action(rows, &row->action);
    } else {
        bl_learning_write_practice(rows, &row->practice);
    }
}

static int s_read_action(bl_mpr_t *r, bl_learning_action_t *a,
                         bl_err_t *err)
{
    if (s_id(r, a->provider, sizeof a->provider, "provider", err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_int(r, &a->period) != 0) {
        return s_bad(err, "period");
    }
    if (s_id(r, a->action_id, sizeof a->action_id, "action_id", err) != 0 ||
        s_id(r, a->indicator, sizeof a->indicator, "indicator", err) != 0 ||
        s_text(r, &a->action, "action", err) != 0 ||
        s_text(r, &a->owner, "owner", err) != 0 ||
        s_id(r, a->due, sizeof a->due, "due", err) != 0 ||
        s_id(r, a->status, sizeof a->status, "status", err) != 0 ||
        s_id(r, a->sub, sizeof a->sub, "sub", err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_uint(r, &a->line) != 0) {
        return s_bad(err, "line");
    }
    return 0;
}

static int s_read_practice(bl_mpr_t *r, bl_learning_practice_t *p,
                           bl_err_t *err)
{
    if (s_id(r, p->provider, sizeof p->provider, "provider", err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_int(r, &p->period) != 0) {
        return s_bad(err, "period");
    }
    if (s_id(r, p->indicator, sizeof p->indicator, "indicator", err) != 0 ||
        s_text(r, &p->title, "title", err) != 0 ||
        s_text(r, &p->description, "description", err) != 0 ||
        s_text(r, &p->contact, "contact", err) != 0 ||
        s_id(r, p->sub, sizeof p->sub, "sub", err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_uint(r, &p->line) != 0) {
        return s_bad(err, "line");
    }
    return 0;
}

int bl_learning_read_row(bl_mpr_t *r, bl_learning_row_t *row,
                         bl_err_t *err)
{
    memset(row, 0, sizeof *row);
    uint32_t n;
    const char *t;
    uint32_t tl;
    if (bl_mpr_array(r, &n) != 0) {
        return s_bad(err, "the row (an array)");
    }
    if (bl_mpr_str(r, &t, &tl) != 0) {
        return s_bad(err, "the tag");
    }
    if (bl_mp_str_eq(t, tl, "a")) {
        if (n != 11) {
            return bl_err_set(err, BL_EPROTO,
                              "learning row: an action of %u fields, not "
                              "11",
                              n);
        }
        row->kind = BL_LEARNING_ACTION;
        return s_read_action(r, &row->action, err);
    }
    if (bl_mp_str_eq(t, tl, "p")) {
        if (n != 9) {
            return bl_err_set(err, BL_EPROTO,
                              "learning row: a practice of %u fields, not "
                              "9",
                              n);
        }
        row->kind = BL_LEARNING_PRACTICE;
        return s_read_practice(r, &row->practice, err);
    }
    return bl_err_set(err, BL_EPROTO, "learning row: unknown tag '%.*s'",
                      (int)(tl < 16 ? tl : 16), t);
}

int bl_learning_write(bl_mpw_t *w, const bl_mpw_t *rows, uint32_t n_rows)
{
    bl_mpw_map(w, 1);
    bl_mpw_str(w, "rows");
    bl_mpw_array(w, n_rows);
    if (bl_mpw_size(rows) > 0) {
        bl_mpw_raw(w, bl_mpw_data(rows), bl_mpw_size(rows));
    }
    return w->err || rows->err ? BL_ENOMEM : 0;
}

int bl_learning_open(bl_learning_reader_t *rd, const void *data, size_t len,
                     bl_err_t *err)
{
    memset(rd, 0, sizeof *rd);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return bl_err_set(err, BL_EPROTO,
                          "learning message: not a map, or truncated");
    }
    bool has_rows = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return bl_err_set(err, BL_EPROTO,
                              "learning message: a key: missing, "
                              "truncated or not text");
        }
        if (bl_mp_str_eq(k, kl, "rows")) {
            if (bl_mpr_array(&r, &rd->n_rows) != 0) {
                return bl_err_set(err, BL_EPROTO,
                                  "learning message: rows: truncated or "
                                  "not an array");
            }
            if (bl_codec_list(&r, rd->n_rows, BL_LEARNING_ROWS_MAX, i + 1 == n, &rd->rows,
                              "learning message", "rows", "rows", "row",
                              err) != 0) {
                return BL_EPROTO;
            }
            has_rows = true;
        } else if (bl_mpr_skip(&r) != 0) {
            return bl_err_set(err, BL_EPROTO,
                              "learning message: an unknown key's value: "
                              "truncated");
        }
    }
    if (!has_rows) {
        return bl_err_set(err, BL_EPROTO, "learning message: no rows");
    }
    if (bl_codec_end(&r, "learning message", err) != 0) {
        return BL_EPROTO;
    }
    rd->left = rd->n_rows;
    return 0;
}

int bl_learning_next(bl_learning_reader_t *rd, bl_learning_row_t *row,
                     bl_err_t *err)
{
    if (rd->left == 0) {
        return BL_ENOTFOUND;
    }
    uint32_t i = rd->n_rows - rd->left + 1;
    if (bl_learning_read_row(&rd->rows, row, err) != 0) {
        bl_err_prefix(err, "learning message: row %u", i);
        return BL_EPROTO;
    }
    rd->left--;
    return bl_codec_list_last(&rd->rows, rd->left, "learning message", "row",
                              err);
}
