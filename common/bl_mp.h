/*
 * bl_mp: MessagePack writing (over msgpack-c's packer and buffer; the
 * one-byte forms and short strings straight into the buffer) and bounded
 * reading (our own cursor over raw bytes).
 *
 * Why our own reader: msgpack-c's unpacker allocates N objects for an array
 * or map header before any element exists, so five hostile bytes can ask for
 * gigabytes.  bl_mpr_t never allocates: every declared count and length is
 * checked against the bytes that remain, nesting is bounded, and str/bin
 * values are returned as pointers into the input (not NUL-terminated).
 * Both sides keep a sticky error: after the first failure every call fails,
 * so a caller may check once at the end of a sequence of reads or writes.
 */
#ifndef BL_MP_H
#define BL_MP_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BL_MP_DEPTH_MAX 16  /* nesting levels a reader accepts */

/* ---- writer ------------------------------------------------------------ */

typedef struct bl_mpw {
    msgpack_sbuffer buf;  /* the bytes written so far */
    msgpack_packer pk;    /* packs into buf */
    int err;              /* 0, or BL_ENOMEM after a failed write */
} bl_mpw_t;

void bl_mpw_init(bl_mpw_t *w);
void bl_mpw_destroy(bl_mpw_t *w);   /* frees the buffer; w reusable by init */
void bl_mpw_reset(bl_mpw_t *w);     /* empties the buffer, keeps capacity */
void bl_mpw_map(bl_mpw_t *w, uint32_t n);
void bl_mpw_array(bl_mpw_t *w, uint32_t n);
void bl_mpw_str(bl_mpw_t *w, const char *s);    /* NULL writes nil */
void bl_mpw_strn(bl_mpw_t *w, const char *s, size_t len);
void bl_mpw_bin(bl_mpw_t *w, const void *data, size_t len);
void bl_mpw_uint(bl_mpw_t *w, uint64_t v);
void bl_mpw_int(bl_mpw_t *w, int64_t v);
void bl_mpw_double(bl_mpw_t *w, double v);
void bl_mpw_bool(bl_mpw_t *w, bool v);
void bl_mpw_nil(bl_mpw_t *w);
/* Appends bytes that already are one or more encoded objects. */
void bl_mpw_raw(bl_mpw_t *w, const void *data, size_t len);
/* Writes a double, or nil when has is false. */
void bl_mpw_opt_double(bl_mpw_t *w, bool has, double v);

static inline const void *bl_mpw_data(const bl_mpw_t *w) { return w->buf.data; }
static inline size_t bl_mpw_size(const bl_mpw_t *w) { return w->buf.size; }

/* ---- reader ------------------------------------------------------------ */

typedef struct bl_mpr {
    const uint8_t *p;    /* next byte */
    const uint8_t *end;  /* one past the last byte */
    int err;             /* 0, or BL_EPROTO after a failed read */
} bl_mpr_t;

void bl_mpr_init(bl_mpr_t *r, const void *data, size_t len);

/* Each returns 0, or BL_EPROTO (and sets the sticky error) when the next
 * object is not of that type, is truncated, or declares more elements or
 * bytes than remain. */
int bl_mpr_map(bl_mpr_t *r, uint32_t *n);
int bl_mpr_array(bl_mpr_t *r, uint32_t *n);
/* bl_mpr_str's reader of every str encoding; bl_mpr_str reads the short
 * ones (fixstr, the bulk of a payload) inline. */
int bl_mpr_str_full(bl_mpr_t *r, const char **s, uint32_t *len);
static inline int bl_mpr_str(bl_mpr_t *r, const char **s, uint32_t *len)
{
    if (r->err == 0 && r->p < r->end && (*r->p & 0xe0) == 0xa0 &&
        (size_t)(*r->p & 0x1f) < (size_t)(r->end - r->p)) {
        *len = *r->p & 0x1fu;
        *s = (const char *)r->p + 1;
        r->p += 1 + *len;
        return 0;
    }
    return bl_mpr_str_full(r, s, len);
}
int bl_mpr_bin(bl_mpr_t *r, const void **data, uint32_t *len);
int bl_mpr_uint(bl_mpr_t *r, uint64_t *v);   /* any non-negative integer */
int bl_mpr_int(bl_mpr_t *r, int64_t *v);     /* any integer in int64 range */
int bl_mpr_double(bl_mpr_t *r, double *v);   /* float or integer */
int bl_mpr_bool(bl_mpr_t *r, bool *v);
/* Reads a double or nil: *has tells which. */
int bl_mpr_opt_double(bl_mpr_t *r, bool *has, double *v);
/* Copies a str into buf (size includes the NUL); BL_EPROTO when longer. */
int bl_mpr_str_copy(bl_mpr_t *r, char *buf, size_t size);
/* Consumes a nil and returns true when the next object is nil. */
bool bl_mpr_nil(bl_mpr_t *r);
/* Skips one whole object (with nesting bounded by BL_MP_DEPTH_MAX). */
int bl_mpr_skip(bl_mpr_t *r);
/* Returns the span of the next whole object and skips it. */
int bl_mpr_raw(bl_mpr_t *r, const uint8_t **start, size_t *len);
/* True when every byte has been read. */
static inline bool bl_mpr_done(const bl_mpr_t *r) { return r->p == r->end; }

/* Whether the next object is nil / a string / an array (nothing is
 * read). */
static inline bool bl_mpr_at_nil(const bl_mpr_t *r)
{
    return r->p < r->end && *r->p == 0xc0;
}
static inline bool bl_mpr_at_str(const bl_mpr_t *r)
{
    return r->p < r->end &&
           ((*r->p & 0xe0) == 0xa0 || (*r->p >= 0xd9 && *r->p <= 0xdb));
}
static inline bool bl_mpr_at_array(const bl_mpr_t *r)
{
    return r->p < r->end && ((*r->p & 0xf0) == 0x90 || *r->p == 0xdc);
}
/* True when str s of length len equals the NUL-terminated lit (inline:
 * the length of a literal is then known when compiling). */
static inline bool bl_mp_str_eq(const char *s, uint32_t len, const char *lit)
{
    size_t l = strlen(lit);
    return l == len && memcmp(s, lit, l) == 0;
}

#endif
