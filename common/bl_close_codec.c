/*
 * bl_close_codec: encoding and bounded decoding of the period close
 * marker (see bl_close_codec.h).
 */
#include "bl_close_codec.h"

#include <string.h>

#include "bl_codec.h"

static int s_bad(bl_err_t *err, const char *field)
{
    return bl_codec_bad(err, "close marker", field);
}

void bl_close_write_count(bl_mpw_t *pairs, const char *provider,
                          uint64_t rows)
{
    bl_mpw_array(pairs, 2);
    bl_mpw_str(pairs, provider);
    bl_mpw_uint(pairs, rows);
}

int bl_close_write_counts(bl_mpw_t *w, const bl_close_t *c)
{
    uint32_t n = c->has_rejected ? c->n_rejected : 0;
    bl_mpw_array(w, n);
    if (n > 0 && c->rejected_len > 0) {
        bl_mpw_raw(w, c->rejected, c->rejected_len);
    }
    return w->err ? BL_ENOMEM : 0;
}

int bl_close_write(bl_mpw_t *w, const bl_close_t *c)
{
    bl_mpw_map(w, c->has_rejected ? 4 : 3);
    bl_mpw_str(w, "period");
    bl_mpw_int(w, c->period);
    bl_mpw_str(w, "generation");
    bl_mpw_int(w, c->generation);
    bl_mpw_str(w, "reopen");
    bl_mpw_bool(w, c->reopen);
    if (c->has_rejected) {
        bl_mpw_str(w, "rejected");
        return bl_close_write_counts(w, c);
    }
    return w->err ? BL_ENOMEM : 0;
}

/* Reads one pair at r into out (NULL: check only). */
static int s_read_pair(bl_mpr_t *r, bl_close_count_t *out, uint32_t i,
                       bl_err_t *err)
{
    bl_close_count_t scratch;
    if (out == NULL) {
        out = &scratch;
    }
    uint32_t two;
    if (bl_mpr_array(r, &two) != 0 || two != 2) {
        bl_err_set(err, BL_EPROTO,
                   "close marker: rejected count %u: not a [provider, "
                   "rows] pair",
                   i);
        return BL_EPROTO;
    }
    const char *s;
    uint32_t sl;
    if (bl_mpr_str(r, &s, &sl) != 0) {
        bl_err_set(err, BL_EPROTO,
                   "close marker: rejected count %u: provider: missing, "
                   "truncated or not text",
                   i);
        return BL_EPROTO;
    }
    if (sl >= sizeof out->provider) {
        bl_err_set(err, BL_EPROTO,
                   "close marker: rejected count %u: provider: longer than "
                   "%d bytes",
                   i, BL_CLOSE_ID_MAX - 1);
        return BL_EPROTO;
    }
    memcpy(out->provider, s, sl);
    out->provider[sl] = '\0';
    if (bl_mpr_uint(r, &out->rows) != 0) {
        bl_err_set(err, BL_EPROTO,
                   "close marker: rejected count %u: rows: missing, "
                   "truncated or not a count",
                   i);
        return BL_EPROTO;
    }
    return 0;
}

/* Reads the array header at r and checks every pair after it; leaves r
 * after the array, *first at the first pair. */
static int s_read_counts(bl_mpr_t *r, uint32_t *n, bl_mpr_t *first,
                         bl_err_t *err)
{
    if (bl_mpr_array(r, n) != 0) {
        return s_bad(err, "rejected");
    }
    if (*n > BL_CLOSE_COUNTS_MAX) {
        return bl_err_set(err, BL_EPROTO,
                          "close marker: rejected: %u counts, more than %u",
                          *n, (unsigned)BL_CLOSE_COUNTS_MAX);
    }
    *first = *r;
    for (uint32_t i = 0; i < *n; i++) {
        if (s_read_pair(r, NULL, i, err) != 0) {
            return BL_EPROTO;
        }
    }
    return 0;
}

int bl_close_decode(const void *data, size_t len, bl_close_t *c,
                    bl_err_t *err)
{
    memset(c, 0, sizeof *c);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return s_bad(err, "the marker (a map)");
    }
    bool has_period = false, has_gen = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return s_bad(err, "a key");
        }
        if (bl_mp_str_eq(k, kl, "period")) {
            if (bl_mpr_int(&r, &c->period) != 0) {
                return s_bad(err, "period");
            }
            has_period = true;
        } else if (bl_mp_str_eq(k, kl, "generation")) {
            if (bl_mpr_int(&r, &c->generation) != 0) {
                return s_bad(err, "generation");
            }
            has_gen = true;
        } else if (bl_mp_str_eq(k, kl, "reopen")) {
            if (bl_mpr_bool(&r, &c->reopen) != 0) {
                return s_bad(err, "reopen");
            }
        } else if (bl_mp_str_eq(k, kl, "rejected")) {
            bl_mpr_t first = r;
            if (s_read_counts(&r, &c->n_rejected, &first, err) != 0) {
                return BL_EPROTO;
            }
            c->has_rejected = true;
            c->rejected = first.p;
            c->rejected_len = (size_t)(r.p - first.p);
        } else if (bl_mpr_skip(&r) != 0) {
            return s_bad(err, "an unknown key's value");
        }
    }
    if (!has_period) {
        return s_bad(err, "period");
    }
    if (!has_gen) {
        return s_bad(err, "generation");
    }
    if (!bl_mpr_done(&r)) {
        return bl_err_set(err, BL_EPROTO,
                          "close marker: bytes after the marker");
    }
    return 0;
}

void bl_close_counts_of(bl_close_counts_t *it, const bl_close_t *c)
{
    memset(it, 0, sizeof *it);
    if (c->has_rejected) {
        it->left = c->n_rejected;
        bl_mpr_init(&it->r, c->rejected, c->rejected_len);
    }
}

int bl_close_counts_open(bl_close_counts_t *it, const void *data,
                         size_t len, bl_err_t *err)
{
    memset(it, 0, sizeof *it);
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    bl_mpr_t first = r;
    if (s_read_counts(&r, &n, &first, err) != 0) {
        return BL_EPROTO;
    }
    if (!bl_mpr_done(&r)) {
        return bl_err_set(err, BL_EPROTO,
                          "close marker: bytes after the counts");
    }
    it->left = n;
    it->r = first;
    return 0;
}

int bl_close_counts_next(bl_close_counts_t *it, bl_close_count_t *out,
                         bl_err_t *err)
{
    if (it->left == 0) {
        return BL_ENOTFOUND;
    }
    int rc = s_read_pair(&it->r, out, 0, err);
    if (rc != 0) {
        return rc;
    }
    it->left--;
    return 0;
}
