/*
 * bl_mp: a sticky-error writer over msgpack-c's packer and a bounded,
 * allocation-free reader over raw MessagePack bytes (see bl_mp.h for why).
 */
#include "bl_mp.h"

#include <string.h>

#include "bl_error.h"

/* ---- writer ------------------------------------------------------------ */

void bl_mpw_init(bl_mpw_t *w)
{
    msgpack_sbuffer_init(&w->buf);
    msgpack_packer_init(&w->pk, &w->buf, msgpack_sbuffer_write);
    w->err = 0;
}

void bl_mpw_destroy(bl_mpw_t *w)
{
    msgpack_sbuffer_destroy(&w->buf);
    memset(&w->buf, 0, sizeof w->buf);
    w->err = 0;
}

void bl_mpw_reset(bl_mpw_t *w)
{
    w->buf.size = 0;
    w->err = 0;
}

/* msgpack-c's pack calls return the sbuffer's write result: -1 when growing
 * the buffer failed.  Record the first failure. */
static void s_check(bl_mpw_t *w, int rc)
{
    if (rc != 0 && w->err == 0) {
        w->err = BL_ENOMEM;
    }
}

/* Room for n more bytes in the buffer as it is: the fast paths below
 * write there directly; everything else, and any growth, goes through
 * msgpack-c.  The short forms they write are the only encodings
 * MessagePack allows for those values, so the bytes are msgpack-c's. */
static inline bool s_room(const bl_mpw_t *w, size_t n)
{
    return w->buf.data != NULL && w->buf.alloc - w->buf.size >= n;
}

static inline void s_byte(bl_mpw_t *w, uint8_t b)
{
    w->buf.data[w->buf.size++] = (char)b;
}

void bl_mpw_map(bl_mpw_t *w, uint32_t n)
{
    s_check(w, msgpack_pack_map(&w->pk, n));
}

void bl_mpw_array(bl_mpw_t *w, uint32_t n)
{
    if (n < 16 && s_room(w, 1)) {
        s_byte(w, (uint8_t)(0x90 | n));
        return;
    }
    s_check(w, msgpack_pack_array(&w->pk, n));
}

void bl_mpw_strn(bl_mpw_t *w, const char *s, size_t len)
{
    if (len > UINT32_MAX) {
        w->err = BL_ETOOBIG;
        return;
    }
    if (len < 32 && s_room(w, len + 1)) {
        s_byte(w, (uint8_t)(0xa0 | len));
        memcpy(w->buf.data + w->buf.size, s, len);
        w->buf.size += len;
        return;
    }
    s_check(w, msgpack_pack_str(&w->pk, len));
    s_check(w, msgpack_pack_str_body(&w->pk, s, len));
}

void bl_mpw_str(bl_mpw_t *w, const char *s)
{
    if (s == NULL) {
        bl_mpw_nil(w);
        return;
    }
    bl_mpw_strn(w, s, strlen(s));
}

void bl_mpw_bin(bl_mpw_t *w, const void *data, size_t len)
{
    if (len > UINT32_MAX) {
        w->err = BL_ETOOBIG;
        return;
    }
    s_check(w, msgpack_pack_bin(&w->pk, len));
    s_check(w, msgpack_pack_bin_body(&w->pk, data, len));
}

void bl_mpw_uint(bl_mpw_t *w, uint64_t v)
{
    if (v < 128 && s_room(w, 1)) {
        s_byte(w, (uint8_t)v);
        return;
    }
    s_check(w, msgpack_pack_uint64(&w->pk, v));
}

void bl_mpw_int(bl_mpw_t *w, int64_t v)
{
    if (v >= -32 && v < 128 && s_room(w, 1)) {
        s_byte(w, (uint8_t)(int8_t)v);
        return;
    }
    s_check(w, msgpack_pack_int64(&w->pk, v));
}

void bl_mpw_double(bl_mpw_t *w, double v)
{
    s_check(w, msgpack_pack_double(&w->pk, v));
}

void bl_mpw_bool(bl_mpw_t *w, bool v)
{
    s_check(w, v ? msgpack_pack_true(&w->pk) : msgpack_pack_false(&w->pk));
}

void bl_mpw_nil(bl_mpw_t *w)
{
    if (s_room(w, 1)) {
        s_byte(w, 0xc0);
        return;
    }
    s_check(w, msgpack_pack_nil(&w->pk));
}

void bl_mpw_raw(bl_mpw_t *w, const void *data, size_t len)
{
    s_check(w, msgpack_sbuffer_write(&w->buf, data, len));
}

void bl_mpw_opt_double(bl_mpw_t *w, bool has, double v)
{
    if (has) {
        bl_mpw_double(w, v);
    } else {
        bl_mpw_nil(w);
    }
}

/* ---- reader ------------------------------------------------------------ */

void bl_mpr_init(bl_mpr_t *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->err = 0;
}

static int s_fail(bl_mpr_t *r)
{
    r->err = BL_EPROTO;
    return BL_EPROTO;
}

static size_t s_left(const bl_mpr_t *r)
{
    return (size_t)(r->end - r->p);
}

/* Reads a big-endian unsigned integer of width bytes. */
static int s_be(bl_mpr_t *r, unsigned width, uint64_t *v)
{
    if (s_left(r) < width) {
        return s_fail(r);
    }
    uint64_t x = 0;
    for (unsigned i = 0; i < width; i++) {
        x = (x << 8) | r->p[i];
    }
    r->p += width;
    *v = x;
    return 0;
}

/* Reads a container header; min_bytes_each is the smallest encoding of one
 * element (1 for arrays, 2 for maps), so a count that cannot fit in the
 * remaining bytes is refused before anyone allocates for it. */
static int s_container(bl_mpr_t *r, int is_map, uint32_t *n)
{
    if (r->err || s_left(r) < 1) {
        return s_fail(r);
    }
    uint8_t b = *r->p;
    uint64_t count;
    if (is_map && (b & 0xf0) == 0x80) {
        count = b & 0x0f;
        r->p++;
    } else if (!is_map && (b & 0xf0) == 0x90) {
        count = b & 0x0f;
        r->p++;
    } else if (b == (is_map ? 0xde : 0xdc)) {
        r->p++;
        if (s_be(r, 2, &count)) {
            return BL_EPROTO;
        }
    } else if (b == (is_map ? 0xdf : 0xdd)) {
        r->p++;
        if (s_be(r, 4, &count)) {
            return BL_EPROTO;
        }
    } else {
        return s_fail(r);
    }
    uint64_t need = count * (is_map ? 2u : 1u);
    if (need > s_left(r)) {
        return s_fail(r);
    }
    *n = (uint32_t)count;
    return 0;
}

int bl_mpr_map(bl_mpr_t *r, uint32_t *n)
{
    return s_container(r, 1, n);
}

int bl_mpr_array(bl_mpr_t *r, uint32_t *n)
{
    return s_container(r, 0, n);
}

static int s_bytes(bl_mpr_t *r, int want_str, const uint8_t **s,
                   uint32_t *len)
{
    if (r->err || s_left(r) < 1) {
        return s_fail(r);
    }
    uint8_t b = *r->p;
    uint64_t l;
    if (want_str && (b & 0xe0) == 0xa0) {
        l = b & 0x1f;
        r->p++;
    } else if (b == (want_str ? 0xd9 : 0xc4)) {
        r->p++;
        if (s_be(r, 1, &l)) {
            return BL_EPROTO;
        }
    } else if (b == (want_str ? 0xda : 0xc5)) {
        r->p++;
        if (s_be(r, 2, &l)) {
            return BL_EPROTO;
        }
    } else if (b == (want_str ? 0xdb : 0xc6)) {
        r->p++;
        if (s_be(r, 4, &l)) {
            return BL_EPROTO;
        }
    } else {
        return s_fail(r);
    }
    if (l > s_left(r)) {
        return s_fail(r);
    }
    *s = r->p;
    *len = (uint32_t)l;
    r->p += l;
    return 0;
}

int bl_mpr_str_full(bl_mpr_t *r, const char **s, uint32_t *len)
{
    const uint8_t *p;
    int rc = s_bytes(r, 1, &p, len);
    if (rc == 0) {
        *s = (const char *)p;
    }
    return rc;
}

int bl_mpr_bin(bl_mpr_t *r, const void **data, uint32_t *len)
{
    const uint8_t *p;
    int rc = s_bytes(r, 0, &p, len);
    if (rc == 0) {
        *data = p;
    }
    return rc;
}

/* Reads any integer into a sign flag and magnitude. */
static int s_integer(bl_mpr_t *r, int *negative, uint64_t *mag)
{
    if (r->err || s_left(r) < 1) {
        return s_fail(r);
    }
    uint8_t b = *r->p;
    uint64_t v;
    if (b <= 0x7f) {
        r->p++;
        *negative = 0;
        *mag = b;
        return 0;
    }
    if (b >= 0xe0) {
        r->p++;
        *negative = 1;
        *mag = (uint64_t)(-(int64_t)(int8_t)b);
        return 0;
    }
    static const unsigned uwidth[] = {1, 2, 4, 8};
    if (b >= 0xcc && b <= 0xcf) {
        r->p++;
        if (s_be(r, uwidth[b - 0xcc], &v)) {
            return BL_EPROTO;
        }
        *negative = 0;
        *mag = v;
        return 0;
    }
    if (b >= 0xd0 && b <= 0xd3) {
        unsigned w = uwidth[b - 0xd0];
        r->p++;
        if (s_be(r, w, &v)) {
            return BL_EPROTO;
        }
        int64_t sv;
        switch (w) {
        case 1:
            sv = (int8_t)v;
            break;
        case 2:
            sv = (int16_t)v;
            break;
        case 4:
            sv = (int32_t)v;
            break;
        default:
            sv = (int64_t)v;
            break;
        }
        *negative = sv < 0;
        *mag = sv < 0 ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
        return 0;
    }
    return s_fail(r);
}

int bl_mpr_uint(bl_mpr_t *r, uint64_t *v)
{
    int neg;
    uint64_t mag;
    if (s_integer(r, &neg, &mag)) {
        return BL_EPROTO;
    }
    if (neg && mag != 0) {
        return s_fail(r);
    }
    *v = mag;
    return 0;
}

int bl_mpr_int(bl_mpr_t *r, int64_t *v)
{
    int neg;
    uint64_t mag;
    if (s_integer(r, &neg, &mag)) {
        return BL_EPROTO;
    }
    if (!neg && mag > (uint64_t)INT64_MAX) {
        return s_fail(r);
    }
    if (neg && mag > (uint64_t)INT64_MAX + 1) {
        return s_fail(r);
    }
    *v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return 0;
}

int bl_mpr_double(bl_mpr_t *r, double *v)
{
    if (r->err || s_left(r) < 1) {
        return s_fail(r);
    }
    uint8_t b = *r->p;
    uint64_t bits;
    if (b == 0xcb) {
        r->p++;
        if (s_be(r, 8, &bits)) {
            return BL_EPROTO;
        }
        memcpy(v, &bits, sizeof *v);
        return 0;
    }
    if (b == 0xca) {
        r->p++;
        if (s_be(r, 4, &bits)) {
            return BL_EPROTO;
        }
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        *v = f;
        return 0;
    }
    int neg;
    uint64_t mag;
    if (s_integer(r, &neg, &mag)) {
        return BL_EPROTO;
    }
    *v = neg ? -(double)mag : (double)mag;
    return 0;
}

int bl_mpr_bool(bl_mpr_t *r, bool *v)
{
    if (r->err || s_left(r) < 1) {
        return s_fail(r);
    }
    if (*r->p == 0xc2 || *r->p == 0xc3) {
        *v = *r->p == 0xc3;
        r->p++;
        return 0;
    }
    return s_fail(r);
}

bool bl_mpr_nil(bl_mpr_t *r)
{
    if (r->err == 0 && s_left(r) >= 1 && *r->p == 0xc0) {
        r->p++;
        return true;
    }
    return false;
}

int bl_mpr_opt_double(bl_mpr_t *r, bool *has, double *v)
{
    if (bl_mpr_nil(r)) {
        *has = false;
        *v = 0;
        return 0;
    }
    *has = true;
    return bl_mpr_double(r, v);
}

int bl_mpr_str_copy(bl_mpr_t *r, char *buf, size_t size)
{
    const char *s;
    uint32_t len;
    if (bl_mpr_str(r, &s, &len)) {
        return BL_EPROTO;
    }
    if ((size_t)len >= size) {
        return s_fail(r);
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 0;
}

/* Skips one whole object without recursion: todo[d] is the number of
 * objects still to skip at nesting level d (the elements of the containers
 * open there).  Strings and one-byte objects, nearly all of a payload, are
 * stepped over in the loop itself.  An object deeper than
 * BL_MP_DEPTH_MAX is refused, as is anything truncated or outside our
 * protocol (ext types, 0xc1). */
static int s_skip(bl_mpr_t *r)
{
    uint64_t todo[BL_MP_DEPTH_MAX + 1];
    int d = 0;
    todo[0] = 1;
    for (;;) {
        while (todo[d] == 0) {
            if (d == 0) {
                return 0;
            }
            d--;
        }
        todo[d]--;
        if (r->err || s_left(r) < 1) {
            return s_fail(r);
        }
        uint8_t b = *r->p;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            r->p++;
            continue;
        }
        if ((b & 0xe0) == 0xa0) {
            size_t l = b & 0x1f;
            if (l >= s_left(r)) {
                return s_fail(r);
            }
            r->p += 1 + l;
            continue;
        }
        uint32_t n;
        if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf ||
            (b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) {
            bool is_map = (b & 0xf0) == 0x80 || b == 0xde || b == 0xdf;
            if (s_container(r, is_map, &n)) {
                return BL_EPROTO;
            }
            if (n > 0) {
                if (d == BL_MP_DEPTH_MAX) {
                    return s_fail(r);
                }
                todo[++d] = (uint64_t)n * (is_map ? 2u : 1u);
            }
            continue;
        }
        if (b >= 0xca && b <= 0xd3) {
            /* float 32/64, uint 8-64, int 8-64: a fixed width after the
             * type byte, stepped over as bl_mpr_double and s_integer
             * would read it */
            static const uint8_t width[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
            r->p++;
            if (s_left(r) < width[b - 0xca]) {
                return s_fail(r);
            }
            r->p += width[b - 0xca];
            continue;
        }
        const uint8_t *p;
        int rc;
        if (b >= 0xd9 && b <= 0xdb) {
            rc = s_bytes(r, 1, &p, &n);
        } else if (b >= 0xc4 && b <= 0xc6) {
            rc = s_bytes(r, 0, &p, &n);
        } else {
            /* ext types and the never-used 0xc1 are not part of our
             * protocol. */
            return s_fail(r);
        }
        if (rc != 0) {
            return BL_EPROTO;
        }
    }
}

int bl_mpr_skip(bl_mpr_t *r)
{
    return s_skip(r);
}

int bl_mpr_raw(bl_mpr_t *r, const uint8_t **start, size_t *len)
{
    const uint8_t *s = r->p;
    if (s_skip(r)) {
        return BL_EPROTO;
    }
    *start = s;
    *len = (size_t)(r->p - s);
    return 0;
}
