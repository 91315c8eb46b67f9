/*
 * bl_register_codec: encoding and bounded decoding of register entries
 * and of the register message (see bl_register_codec.h).
 */
#include "bl_register_codec.h"

#include <string.h>

#include "bl_codec.h"

static int s_bad(bl_err_t *err, const char *field)
{
    return bl_codec_bad(err, "register", field);
}

static int s_text(bl_mpr_t *r, char *buf, size_t size, const char *field,
                  bl_err_t *err)
{
    return bl_codec_str(r, buf, size, "register", field, err);
}

void bl_register_write_entry(bl_mpw_t *w, const bl_register_entry_t *e)
{
    bl_mpw_array(w, 8);
    bl_mpw_str(w, e->name);
    bl_mpw_str(w, e->country);
    bl_mpw_str(w, e->service_type);
    bl_mpw_int(w, e->users);
    bl_mpw_int(w, e->staff);
    bl_mpw_str(w, e->membership);
    bl_mpw_str(w, e->member_since);
    bl_mpw_bool(w, e->share_identity);
}

int bl_register_read_entry(bl_mpr_t *r, bl_register_entry_t *e,
                           bl_err_t *err)
{
    memset(e, 0, sizeof *e);
    uint32_t eight;
    if (bl_mpr_array(r, &eight) != 0 || eight != 8) {
        return bl_err_set(err, BL_EPROTO,
                          "register: entry: not an array of 8 attributes");
    }
    if (s_text(r, e->name, sizeof e->name, "name", err) != 0 ||
        s_text(r, e->country, sizeof e->country, "country", err) != 0 ||
        s_text(r, e->service_type, sizeof e->service_type, "service_type",
               err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_int(r, &e->users) != 0) {
        return s_bad(err, "users");
    }
    if (bl_mpr_int(r, &e->staff) != 0) {
        return s_bad(err, "staff");
    }
    if (s_text(r, e->membership, sizeof e->membership, "membership",
               err) != 0 ||
        s_text(r, e->member_since, sizeof e->member_since, "member_since",
               err) != 0) {
        return BL_EPROTO;
    }
    if (bl_mpr_bool(r, &e->share_identity) != 0) {
        return s_bad(err, "share_identity");
    }
    return 0;
}

int bl_register_decode_entry(const void *data, size_t len,
                             bl_register_entry_t *e, bl_err_t *err)
{
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    if (bl_register_read_entry(&r, e, err) != 0) {
        return BL_EPROTO;
    }
    if (!bl_mpr_done(&r)) {
        return bl_err_set(err, BL_EPROTO,
                          "register: bytes after the entry");
    }
    return 0;
}

void bl_register_write_row(bl_mpw_t *rows, const char *provider,
                           const void *entry, size_t entry_len)
{
    bl_mpw_array(rows, 2);
    bl_mpw_str(rows, provider);
    bl_mpw_raw(rows, entry, entry_len);
}

int bl_register_write(bl_mpw_t *w, const bl_mpw_t *rows, uint32_t n_rows)
{
    bl_mpw_map(w, 1);
    bl_mpw_str(w, "providers");
    bl_mpw_array(w, n_rows);
    if (bl_mpw_size(rows) > 0) {
        bl_mpw_raw(w, bl_mpw_data(rows), bl_mpw_size(rows));
    }
    return w->err || rows->err ? BL_ENOMEM : 0;
}

int bl_register_open(bl_register_reader_t *rd, const void *data, size_t len,
                     bl_err_t *err)
{
    memset(rd, 0, sizeof *rd);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return s_bad(err, "the message (a map)");
    }
    bool has_rows = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return s_bad(err, "a key");
        }
        if (bl_mp_str_eq(k, kl, "providers")) {
            if (bl_mpr_array(&r, &rd->n_rows) != 0) {
                return s_bad(err, "providers");
            }
            if (bl_codec_list(&r, rd->n_rows, BL_REGISTER_ROWS_MAX, i + 1 == n, &rd->rows,
                              "register", "providers", "entries", "provider",
                              err) != 0) {
                return BL_EPROTO;
            }
            has_rows = true;
        } else if (bl_mpr_skip(&r) != 0) {
            return s_bad(err, "an unknown key's value");
        }
    }
    if (!has_rows) {
        return s_bad(err, "providers");
    }
    if (bl_codec_end(&r, "register", err) != 0) {
        return BL_EPROTO;
    }
    rd->left = rd->n_rows;
    return 0;
}

int bl_register_next(bl_register_reader_t *rd, bl_register_row_t *row,
                     bl_err_t *err)
{
    if (rd->left == 0) {
        return BL_ENOTFOUND;
    }
    memset(row, 0, sizeof *row);
    uint32_t i = rd->n_rows - rd->left + 1;
    bl_mpr_t *r = &rd->rows;
    uint32_t two;
    if (bl_mpr_array(r, &two) != 0 || two != 2) {
        return bl_err_set(err, BL_EPROTO,
                          "register: provider %u: not a [provider, entry] "
                          "pair",
                          i);
    }
    if (s_text(r, row->provider, sizeof row->provider, "provider", err) !=
        0) {
        bl_err_prefix(err, "provider %u", i);
        return BL_EPROTO;
    }
    row->entry_raw = r->p;
    if (bl_register_read_entry(r, &row->entry, err) != 0) {
        bl_err_prefix(err, "provider %s", row->provider);
        return BL_EPROTO;
    }
    row->entry_len = (size_t)(r->p - row->entry_raw);
    rd->left--;
    return bl_codec_list_last(r, rd->left, "register", "provider", err);
}
