/*
 * Tests of bl_mp: every reader function on each encoding boundary (fixint,
 * uint8..64, int8..64, float32/64, str8/16/32, bin8/16/32, fixarray,
 * array16/32, fixmap, map16/32), the sticky error, refusal of declared
 * counts and lengths that the remaining bytes cannot hold, the span that
 * bl_mpr_raw returns, the nesting bound of bl_mpr_skip, and writer round
 * trips of the extreme values.
 *
 * Inputs are written as hand-made byte arrays, so a test states exactly the
 * wire bytes it feeds the reader; not a test of msgpack-c itself.
 */
#include "bl_mp.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bl_error.h"

#define S_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------ */

/* Reads one uint from bytes and checks that all bytes were used. */
static uint64_t s_read_uint(const uint8_t *b, size_t len)
{
    bl_mpr_t r;
    bl_mpr_init(&r, b, len);
    uint64_t v = 0;
    cr_assert_eq(bl_mpr_uint(&r, &v), 0, "uint refused, first byte %#x",
                 b[0]);
    cr_assert(bl_mpr_done(&r));
    return v;
}

static int64_t s_read_int(const uint8_t *b, size_t len)
{
    bl_mpr_t r;
    bl_mpr_init(&r, b, len);
    int64_t v = 0;
    cr_assert_eq(bl_mpr_int(&r, &v), 0, "int refused, first byte %#x", b[0]);
    cr_assert(bl_mpr_done(&r));
    return v;
}

/* Builds a buffer of n bytes: header bytes followed by filler 'x'. */
static uint8_t *s_with_body(const uint8_t *hdr, size_t hlen, size_t body)
{
    uint8_t *b = malloc(hlen + body + 1);
    cr_assert_not_null(b);
    memcpy(b, hdr, hlen);
    memset(b + hlen, 'x', body);
    return b;
}

/* ---- integers ----------------------------------------------------------- */

Test(bl_mp, uint_reads_every_unsigned_width_at_its_bounds, .timeout = 10)
{
    const uint8_t fix0[] = {0x00};
    const uint8_t fix127[] = {0x7f};
    const uint8_t u8[] = {0xcc, 0xff};
    const uint8_t u16[] = {0xcd, 0xff, 0xff};
    const uint8_t u32[] = {0xce, 0xff, 0xff, 0xff, 0xff};
    const uint8_t u64[] = {0xcf, 0xff, 0xff, 0xff, 0xff,
                           0xff, 0xff, 0xff, 0xff};
    const uint8_t u16b[] = {0xcd, 0x01, 0x02};
    cr_assert_eq(s_read_uint(fix0, 1), 0);
    cr_assert_eq(s_read_uint(fix127, 1), 127);
    cr_assert_eq(s_read_uint(u8, sizeof u8), 255);
    cr_assert_eq(s_read_uint(u16, sizeof u16), 65535);
    cr_assert_eq(s_read_uint(u32, sizeof u32), UINT32_MAX);
    cr_assert_eq(s_read_uint(u64, sizeof u64), UINT64_MAX);
    cr_assert_eq(s_read_uint(u16b, sizeof u16b), 0x0102, "big-endian");
}

Test(bl_mp, uint_accepts_non_negative_signed_encodings, .timeout = 10)
{
    const uint8_t i8[] = {0xd0, 0x05};
    const uint8_t i64[] = {0xd3, 0x7f, 0xff, 0xff, 0xff,
                           0xff, 0xff, 0xff, 0xff};
    cr_assert_eq(s_read_uint(i8, sizeof i8), 5);
    cr_assert_eq(s_read_uint(i64, sizeof i64), (uint64_t)INT64_MAX);
}

Test(bl_mp, uint_refuses_negatives_and_sets_sticky_error, .timeout = 10)
{
    const uint8_t *cases[] = {
        (const uint8_t[]){0xff},                 /* fixint -1 */
        (const uint8_t[]){0xe0},                 /* fixint -32 */
        (const uint8_t[]){0xd0, 0x80},           /* int8 -128 */
        (const uint8_t[]){0xd1, 0xff, 0xff},     /* int16 -1 */
        (const uint8_t[]){0xd2, 0x80, 0, 0, 0},  /* int32 min */
        (const uint8_t[]){0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0},
    };
    const size_t lens[] = {1, 1, 2, 3, 5, 9};
    for (size_t i = 0; i < S_LEN(cases); i++) {
        bl_mpr_t r;
        bl_mpr_init(&r, cases[i], lens[i]);
        uint64_t v = 42;
        cr_assert_eq(bl_mpr_uint(&r, &v), BL_EPROTO, "case %zu", i);
        cr_assert_eq(r.err, BL_EPROTO, "case %zu", i);
        cr_assert_eq(v, 42, "case %zu: output untouched", i);
    }
}

Test(bl_mp, int_reads_every_signed_width_at_its_bounds, .timeout = 10)
{
    const uint8_t neg1[] = {0xff};
    const uint8_t neg32[] = {0xe0};
    const uint8_t i8[] = {0xd0, 0x80};
    const uint8_t i8p[] = {0xd0, 0x7f};
    const uint8_t i16[] = {0xd1, 0x80, 0x00};
    const uint8_t i16p[] = {0xd1, 0x7f, 0xff};
    const uint8_t i32[] = {0xd2, 0x80, 0x00, 0x00, 0x00};
    const uint8_t i32p[] = {0xd2, 0x7f, 0xff, 0xff, 0xff};
    const uint8_t i64[] = {0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t i64p[] = {0xd3, 0x7f, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff};
    const uint8_t u64max_int[] = {0xcf, 0x7f, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff};
    const uint8_t u8[] = {0xcc, 0xff};
    cr_assert_eq(s_read_int(neg1, 1), -1);
    cr_assert_eq(s_read_int(neg32, 1), -32);
    cr_assert_eq(s_read_int(i8, sizeof i8), INT8_MIN);
    cr_assert_eq(s_read_int(i8p, sizeof i8p), INT8_MAX);
    cr_assert_eq(s_read_int(i16, sizeof i16), INT16_MIN);
    cr_assert_eq(s_read_int(i16p, sizeof i16p), INT16_MAX);
    cr_assert_eq(s_read_int(i32, sizeof i32), INT32_MIN);
    cr_assert_eq(s_read_int(i32p, sizeof i32p), INT32_MAX);
    cr_assert_eq(s_read_int(i64, sizeof i64), INT64_MIN);
    cr_assert_eq(s_read_int(i64p, sizeof i64p), INT64_MAX);
    cr_assert_eq(s_read_int(u64max_int, sizeof u64max_int), INT64_MAX);
    cr_assert_eq(s_read_int(u8, sizeof u8), 255);
}

Test(bl_mp, int_refuses_uint64_above_int64_max, .timeout = 10)
{
    const uint8_t b[] = {0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0};
    bl_mpr_t r;
    bl_mpr_init(&r, b, sizeof b);
    int64_t v = 7;
    cr_assert_eq(bl_mpr_int(&r, &v), BL_EPROTO);
    cr_assert_eq(v, 7);
    cr_assert_eq(r.err, BL_EPROTO);
}

Test(bl_mp, integer_readers_refuse_other_types, .timeout = 10)
{
    const uint8_t others[] = {0xc0, 0xc2, 0xc3, 0xa1, 0x90, 0x80,
                              0xca, 0xcb, 0xc4, 0xc1, 0xd4};
    for (size_t i = 0; i < S_LEN(others); i++) {
        /* Enough bytes after the type byte that only the type is wrong. */
        uint8_t b[16] = {0};
        b[0] = others[i];
        bl_mpr_t r;
        uint64_t u;
        int64_t s;
        bl_mpr_init(&r, b, sizeof b);
        cr_assert_eq(bl_mpr_uint(&r, &u), BL_EPROTO, "byte %#x", b[0]);
        bl_mpr_init(&r, b, sizeof b);
        cr_assert_eq(bl_mpr_int(&r, &s), BL_EPROTO, "byte %#x", b[0]);
    }
}

Test(bl_mp, truncated_integers_are_refused_at_every_width, .timeout = 10)
{
    const uint8_t types[] = {0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3};
    const size_t widths[] = {1, 2, 4, 8, 1, 2, 4, 8};
    for (size_t i = 0; i < S_LEN(types); i++) {
        uint8_t b[9] = {types[i], 1, 1, 1, 1, 1, 1, 1, 1};
        for (size_t len = 0; len < 1 + widths[i]; len++) {
            bl_mpr_t r;
            bl_mpr_init(&r, b, len);
            int64_t v;
            cr_assert_eq(bl_mpr_int(&r, &v), BL_EPROTO, "type %#x len %zu",
                         types[i], len);
            cr_assert_leq(r.p, r.end, "never moved past the end");
            cr_assert_eq(r.err, BL_EPROTO);
        }
    }
}

/* ---- floats -------------------------------------------------------------- */

Test(bl_mp, double_reads_float32_float64_and_integers, .timeout = 10)
{
    /* 1.5f = 0x3fc00000; -2.25 = 0xc002000000000000 */
    const uint8_t f32[] = {0xca, 0x3f, 0xc0, 0x00, 0x00};
    const uint8_t f64[] = {0xcb, 0xc0, 0x02, 0, 0, 0, 0, 0, 0};
    const uint8_t neg[] = {0xd0, 0x9c};            /* -100 */
    const uint8_t big[] = {0xcf, 0xff, 0xff, 0xff, 0xff,
                           0xff, 0xff, 0xff, 0xff};
    double v;
    bl_mpr_t r;
    bl_mpr_init(&r, f32, sizeof f32);
    cr_assert_eq(bl_mpr_double(&r, &v), 0);
    cr_assert_eq(v, 1.5);
    cr_assert(bl_mpr_done(&r));
    bl_mpr_init(&r, f64, sizeof f64);
    cr_assert_eq(bl_mpr_double(&r, &v), 0);
    cr_assert_eq(v, -2.25);
    bl_mpr_init(&r, neg, sizeof neg);
    cr_assert_eq(bl_mpr_double(&r, &v), 0);
    cr_assert_eq(v, -100.0);
    bl_mpr_init(&r, big, sizeof big);
    cr_assert_eq(bl_mpr_double(&r, &v), 0);
    cr_assert_eq(v, (double)UINT64_MAX);
}

Test(bl_mp, double_refuses_truncation_and_other_types, .timeout = 10)
{
    const uint8_t f64[] = {0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d,
                           0x18};
    const uint8_t f32[] = {0xca, 0x3f, 0xc0, 0x00, 0x00};
    double v;
    bl_mpr_t r;
    for (size_t len = 0; len < sizeof f64; len++) {
        bl_mpr_init(&r, f64, len);
        cr_assert_eq(bl_mpr_double(&r, &v), BL_EPROTO, "len %zu", len);
    }
    for (size_t len = 0; len < sizeof f32; len++) {
        bl_mpr_init(&r, f32, len);
        cr_assert_eq(bl_mpr_double(&r, &v), BL_EPROTO, "len %zu", len);
    }
    const uint8_t str[] = {0xa1, 'x'};
    bl_mpr_init(&r, str, sizeof str);
    cr_assert_eq(bl_mpr_double(&r, &v), BL_EPROTO);
    const uint8_t nil[] = {0xc0};
    bl_mpr_init(&r, nil, sizeof nil);
    cr_assert_eq(bl_mpr_double(&r, &v), BL_EPROTO);
}

Test(bl_mp, opt_double_reads_nil_as_absent_and_a_number_as_present,
     .timeout = 10)
{
    const uint8_t b[] = {0xc0, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x07};
    bl_mpr_t r;
    bl_mpr_init(&r, b, sizeof b);
    bool has = true;
    double v = 9;
    cr_assert_eq(bl_mpr_opt_double(&r, &has, &v), 0);
    cr_assert_not(has);
    cr_assert_eq(v, 0.0);
    cr_assert_eq(bl_mpr_opt_double(&r, &has, &v), 0);
    cr_assert(has);
    cr_assert_eq(v, 1.5);
    cr_assert_eq(bl_mpr_opt_double(&r, &has, &v), 0);
    cr_assert(has);
    cr_assert_eq(v, 7.0);
    cr_assert(bl_mpr_done(&r));
}

/* ---- bool and nil ------------------------------------------------------- */

Test(bl_mp, bool_and_nil_read_their_bytes_only, .timeout = 10)
{
    const uint8_t b[] = {0xc3, 0xc2, 0xc0, 0x01};
    bl_mpr_t r;
    bl_mpr_init(&r, b, sizeof b);
    bool v = false;
    cr_assert_eq(bl_mpr_bool(&r, &v), 0);
    cr_assert(v);
    cr_assert_not(bl_mpr_nil(&r), "false is not nil");
    cr_assert_eq(r.err, 0, "a non-nil is no error");
    cr_assert_eq(bl_mpr_bool(&r, &v), 0);
    cr_assert_not(v);
    cr_assert_eq(bl_mpr_bool(&r, &v), BL_EPROTO, "nil is not a bool");
    /* Now sticky: even the nil is not consumed. */
    cr_assert_not(bl_mpr_nil(&r));
    cr_assert_eq(r.p, b + 2);
}

Test(bl_mp, nil_at_end_of_input_is_false, .timeout = 10)
{
    const uint8_t b[] = {0xc0};
    bl_mpr_t r;
    bl_mpr_init(&r, b, 0);
    cr_assert_not(bl_mpr_nil(&r));
    bl_mpr_init(&r, b, 1);
    cr_assert(bl_mpr_nil(&r));
    cr_assert(bl_mpr_done(&r));
}

/* ---- str and bin --------------------------------------------------------- */

/* Checks a str/bin of body bytes with the given header reads whole. */
static void s_check_bytes(int is_str, const uint8_t *hdr, size_t hlen,
                          size_t body)
{
    uint8_t *b = s_with_body(hdr, hlen, body);
    bl_mpr_t r;
    bl_mpr_init(&r, b, hlen + body);
    uint32_t len = 0;
    int rc;
    const uint8_t *p = NULL;
    if (is_str) {
        const char *s = NULL;
        rc = bl_mpr_str(&r, &s, &len);
        p = (const uint8_t *)s;
    } else {
        const void *d = NULL;
        rc = bl_mpr_bin(&r, &d, &len);
        p = d;
    }
    cr_assert_eq(rc, 0, "header %#x body %zu", hdr[0], body);
    cr_assert_eq(len, body);
    cr_assert_eq(p, b + hlen, "points into the input");
    cr_assert(bl_mpr_done(&r));
    /* One byte short: refused, and the pointer is not moved past the end. */
    if (body > 0) {
        bl_mpr_init(&r, b, hlen + body - 1);
        if (is_str) {
            const char *s;
            rc = bl_mpr_str(&r, &s, &len);
        } else {
            const void *d;
            rc = bl_mpr_bin(&r, &d, &len);
        }
        cr_assert_eq(rc, BL_EPROTO, "short by one, header %#x", hdr[0]);
        cr_assert_leq(r.p, r.end);
    }
    free(b);
}

Test(bl_mp, str_reads_fixstr_str8_str16_str32_at_bounds, .timeout = 10)
{
    s_check_bytes(1, (const uint8_t[]){0xa0}, 1, 0);
    s_check_bytes(1, (const uint8_t[]){0xbf}, 1, 31);
    s_check_bytes(1, (const uint8_t[]){0xd9, 0x00}, 2, 0);
    s_check_bytes(1, (const uint8_t[]){0xd9, 0xff}, 2, 255);
    s_check_bytes(1, (const uint8_t[]){0xda, 0xff, 0xff}, 3, 65535);
    s_check_bytes(1, (const uint8_t[]){0xdb, 0x00, 0x01, 0x00, 0x00}, 5,
                  65536);
}

Test(bl_mp, bin_reads_bin8_bin16_bin32_at_bounds, .timeout = 10)
{
    s_check_bytes(0, (const uint8_t[]){0xc4, 0x00}, 2, 0);
    s_check_bytes(0, (const uint8_t[]){0xc4, 0xff}, 2, 255);
    s_check_bytes(0, (const uint8_t[]){0xc5, 0xff, 0xff}, 3, 65535);
    s_check_bytes(0, (const uint8_t[]){0xc6, 0x00, 0x01, 0x00, 0x00}, 5,
                  65536);
}

Test(bl_mp, str_and_bin_are_not_interchangeable, .timeout = 10)
{
    const uint8_t s[] = {0xa2, 'h', 'i'};
    const uint8_t b[] = {0xc4, 0x02, 'h', 'i'};
    bl_mpr_t r;
    const void *d;
    const char *c;
    uint32_t len;
    bl_mpr_init(&r, s, sizeof s);
    cr_assert_eq(bl_mpr_bin(&r, &d, &len), BL_EPROTO);
    bl_mpr_init(&r, b, sizeof b);
    cr_assert_eq(bl_mpr_str(&r, &c, &len), BL_EPROTO);
}

Test(bl_mp, declared_lengths_past_the_end_are_refused, .timeout = 10)
{
    /* str8 of 200 with 3 bytes; str32 of 4 GiB; bin32 of 4 GiB. */
    const uint8_t s8[] = {0xd9, 200, 'a', 'b', 'c'};
    const uint8_t s32[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'};
    const uint8_t b32[] = {0xc6, 0xff, 0xff, 0xff, 0xff, 'a'};
    const uint8_t s16hdr[] = {0xda, 0x00};  /* header itself truncated */
    bl_mpr_t r;
    const char *c;
    const void *d;
    uint32_t len = 77;
    bl_mpr_init(&r, s8, sizeof s8);
    cr_assert_eq(bl_mpr_str(&r, &c, &len), BL_EPROTO);
    cr_assert_eq(len, 77, "length not reported");
    bl_mpr_init(&r, s32, sizeof s32);
    cr_assert_eq(bl_mpr_str(&r, &c, &len), BL_EPROTO);
    bl_mpr_init(&r, b32, sizeof b32);
    cr_assert_eq(bl_mpr_bin(&r, &d, &len), BL_EPROTO);
    bl_mpr_init(&r, s16hdr, sizeof s16hdr);
    cr_assert_eq(bl_mpr_str(&r, &c, &len), BL_EPROTO);
    cr_assert_eq(bl_mpr_skip(&r), BL_EPROTO);
}

Test(bl_mp, str_copy_fits_exactly_or_refuses, .timeout = 10)
{
    const uint8_t b[] = {0xa3, 'a', 'b', 'c'};
    bl_mpr_t r;
    char buf[8];
    bl_mpr_init(&r, b, sizeof b);
    cr_assert_eq(bl_mpr_str_copy(&r, buf, 4), 0);
    cr_assert_str_eq(buf, "abc");
    cr_assert(bl_mpr_done(&r));

    memset(buf, '#', sizeof buf);
    bl_mpr_init(&r, b, sizeof b);
    cr_assert_eq(bl_mpr_str_copy(&r, buf, 3), BL_EPROTO, "no room for NUL");
    cr_assert_eq(r.err, BL_EPROTO);
    cr_assert_eq(buf[0], '#', "nothing copied");
    cr_assert_eq(buf[3], '#', "nothing written past the size");

    bl_mpr_init(&r, b, sizeof b);
    cr_assert_eq(bl_mpr_str_copy(&r, buf, 0), BL_EPROTO);
    cr_assert_eq(buf[0], '#');

    const uint8_t empty[] = {0xa0};
    bl_mpr_init(&r, empty, sizeof empty);
    cr_assert_eq(bl_mpr_str_copy(&r, buf, 1), 0);
    cr_assert_str_eq(buf, "");
}

Test(bl_mp, str_eq_compares_length_and_bytes, .timeout = 10)
{
    cr_assert(bl_mp_str_eq("abc", 3, "abc"));
    cr_assert_not(bl_mp_str_eq("abc", 2, "abc"));
    cr_assert(bl_mp_str_eq("abcdef", 2, "ab"));
    cr_assert_not(bl_mp_str_eq("abd", 3, "abc"));
    cr_assert(bl_mp_str_eq("", 0, ""));
}

/* ---- containers ---------------------------------------------------------- */

Test(bl_mp, array_reads_fixarray_array16_array32, .timeout = 10)
{
    uint8_t b[70000];
    memset(b, 0x01, sizeof b);
    bl_mpr_t r;
    uint32_t n = 0;

    b[0] = 0x90;
    bl_mpr_init(&r, b, 1);
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert(bl_mpr_done(&r));

    b[0] = 0x9f;
    bl_mpr_init(&r, b, 1 + 15);
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(n, 15);
    cr_assert_eq(r.p, b + 1);

    b[0] = 0xdc;
    b[1] = 0xff;
    b[2] = 0xff;
    bl_mpr_init(&r, b, 3 + 65535);
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(n, 65535);
    cr_assert_eq(r.p, b + 3);

    b[0] = 0xdd;
    b[1] = 0x00;
    b[2] = 0x01;
    b[3] = 0x00;
    b[4] = 0x00;
    bl_mpr_init(&r, b, 5 + 65536);
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(n, 65536);
    cr_assert_eq(bl_mpr_skip(&(bl_mpr_t){b, b + 5 + 65536, 0}), 0);
}

Test(bl_mp, map_reads_fixmap_map16_map32, .timeout = 10)
{
    uint8_t b[140000];
    memset(b, 0x01, sizeof b);
    bl_mpr_t r;
    uint32_t n = 0;

    b[0] = 0x80;
    bl_mpr_init(&r, b, 1);
    cr_assert_eq(bl_mpr_map(&r, &n), 0);
    cr_assert_eq(n, 0);

    b[0] = 0x8f;
    bl_mpr_init(&r, b, 1 + 30);
    cr_assert_eq(bl_mpr_map(&r, &n), 0);
    cr_assert_eq(n, 15);

    b[0] = 0xde;
    b[1] = 0xff;
    b[2] = 0xff;
    bl_mpr_init(&r, b, 3 + 2 * 65535);
    cr_assert_eq(bl_mpr_map(&r, &n), 0);
    cr_assert_eq(n, 65535);

    b[0] = 0xdf;
    b[1] = 0x00;
    b[2] = 0x01;
    b[3] = 0x00;
    b[4] = 0x00;
    bl_mpr_init(&r, b, 5 + 2 * 65536);
    cr_assert_eq(bl_mpr_map(&r, &n), 0);
    cr_assert_eq(n, 65536);
    bl_mpr_init(&r, b, 5 + 2 * 65536);
    cr_assert_eq(bl_mpr_skip(&r), 0);
    cr_assert(bl_mpr_done(&r));
}

Test(bl_mp, counts_larger_than_the_remaining_bytes_are_refused,
     .timeout = 10)
{
    const uint8_t a32[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    const uint8_t m32[] = {0xdf, 0xff, 0xff, 0xff, 0xff};
    const uint8_t a16[] = {0xdc, 0x00, 0x03, 0x01, 0x01};  /* 3, 2 left */
    const uint8_t fa[] = {0x93, 0x01, 0x01};               /* 3, 2 left */
    const uint8_t m16[] = {0xde, 0x00, 0x02, 1, 1, 1};     /* 4 bytes, 3 */
    const uint8_t fm[] = {0x81, 0x01};                     /* 2 bytes, 1 */
    bl_mpr_t r;
    uint32_t n = 99;
    bl_mpr_init(&r, a32, sizeof a32);
    cr_assert_eq(bl_mpr_array(&r, &n), BL_EPROTO);
    cr_assert_eq(n, 99);
    bl_mpr_init(&r, m32, sizeof m32);
    cr_assert_eq(bl_mpr_map(&r, &n), BL_EPROTO);
    bl_mpr_init(&r, a16, sizeof a16);
    cr_assert_eq(bl_mpr_array(&r, &n), BL_EPROTO);
    bl_mpr_init(&r, fa, sizeof fa);
    cr_assert_eq(bl_mpr_array(&r, &n), BL_EPROTO);
    bl_mpr_init(&r, m16, sizeof m16);
    cr_assert_eq(bl_mpr_map(&r, &n), BL_EPROTO);
    bl_mpr_init(&r, fm, sizeof fm);
    cr_assert_eq(bl_mpr_map(&r, &n), BL_EPROTO);
    cr_assert_eq(n, 99);
    /* The same through skip. */
    bl_mpr_init(&r, a32, sizeof a32);
    cr_assert_eq(bl_mpr_skip(&r), BL_EPROTO);
    bl_mpr_init(&r, m32, sizeof m32);
    cr_assert_eq(bl_mpr_skip(&r), BL_EPROTO);
}

Test(bl_mp, array_and_map_are_not_interchangeable, .timeout = 10)
{
    const uint8_t a[] = {0x91, 0x01};
    const uint8_t m[] = {0x81, 0x01, 0x01};
    bl_mpr_t r;
    uint32_t n;
    bl_mpr_init(&r, a, sizeof a);
    cr_assert_eq(bl_mpr_map(&r, &n), BL_EPROTO);
    bl_mpr_init(&r, m, sizeof m);
    cr_assert_eq(bl_mpr_array(&r, &n), BL_EPROTO);
}

/* ---- sticky error -------------------------------------------------------- */

Test(bl_mp, error_is_sticky_for_every_reader, .timeout = 10)
{
    /* A valid object of each kind after a byte that fails. */
    const uint8_t b[] = {0xc1, 0x01, 0xa1, 'x', 0x90, 0x80, 0xc3, 0xc0};
    bl_mpr_t r;
    bl_mpr_init(&r, b, sizeof b);
    uint64_t u;
    cr_assert_eq(bl_mpr_uint(&r, &u), BL_EPROTO);
    cr_assert_eq(r.p, b, "the failing byte is not consumed");
    r.p = b + 1;  /* move onto valid bytes: the error must still hold */
    int64_t s;
    double d;
    bool bo, has;
    const char *c;
    const void *v;
    uint32_t len, n;
    char buf[4];
    const uint8_t *start;
    size_t rlen;
    cr_assert_eq(bl_mpr_uint(&r, &u), BL_EPROTO);
    cr_assert_eq(bl_mpr_int(&r, &s), BL_EPROTO);
    cr_assert_eq(bl_mpr_double(&r, &d), BL_EPROTO);
    cr_assert_eq(bl_mpr_opt_double(&r, &has, &d), BL_EPROTO);
    cr_assert_eq(bl_mpr_skip(&r), BL_EPROTO);
    cr_assert_eq(bl_mpr_raw(&r, &start, &rlen), BL_EPROTO);
    r.p = b + 2;
    cr_assert_eq(bl_mpr_str(&r, &c, &len), BL_EPROTO);
    cr_assert_eq(bl_mpr_str_copy(&r, buf, sizeof buf), BL_EPROTO);
    r.p = b + 4;
    cr_assert_eq(bl_mpr_array(&r, &n), BL_EPROTO);
    r.p = b + 5;
    cr_assert_eq(bl_mpr_map(&r, &n), BL_EPROTO);
    r.p = b + 6;
    cr_assert_eq(bl_mpr_bool(&r, &bo), BL_EPROTO);
    r.p = b + 7;
    cr_assert_not(bl_mpr_nil(&r));
    cr_assert_eq(r.p, b + 7);
    r.p = b + 2;
    const uint8_t bin[] = {0xc4, 0x00};
    bl_mpr_t rb = {bin, bin + 2, BL_EPROTO};
    cr_assert_eq(bl_mpr_bin(&rb, &v, &len), BL_EPROTO);
    cr_assert_eq(r.err, BL_EPROTO);
}

Test(bl_mp, reading_at_the_end_fails, .timeout = 10)
{
    const uint8_t b[] = {0x01};
    bl_mpr_t r;
    bl_mpr_init(&r, b, 1);
    uint64_t u;
    cr_assert_eq(bl_mpr_uint(&r, &u), 0);
    cr_assert(bl_mpr_done(&r));
    cr_assert_eq(r.err, 0);
    cr_assert_eq(bl_mpr_uint(&r, &u), BL_EPROTO);
    cr_assert_eq(r.err, BL_EPROTO);
    cr_assert_eq(r.p, r.end);
}

/* ---- skip and raw -------------------------------------------------------- */

Test(bl_mp, raw_returns_the_span_of_each_whole_object, .timeout = 10)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_uint(&w, 300);                /* 3 bytes */
    bl_mpw_map(&w, 2);                   /* nested map: 1 + ... */
    bl_mpw_str(&w, "a");
    bl_mpw_array(&w, 3);
    bl_mpw_nil(&w);
    bl_mpw_double(&w, 1.0);
    bl_mpw_bin(&w, "xyz", 3);
    bl_mpw_str(&w, "b");
    bl_mpw_bool(&w, true);
    bl_mpw_int(&w, -5);                  /* 1 byte */
    cr_assert_eq(w.err, 0);
    const uint8_t *d = bl_mpw_data(&w);
    size_t total = bl_mpw_size(&w);
    /* map: 1 + (2 + 1 + 1 + 9 + 5) + (2 + 1) = 22 */
    cr_assert_eq(total, 3 + 22 + 1);

    bl_mpr_t r;
    bl_mpr_init(&r, d, total);
    const uint8_t *start;
    size_t len;
    cr_assert_eq(bl_mpr_raw(&r, &start, &len), 0);
    cr_assert_eq(start, d);
    cr_assert_eq(len, 3);
    cr_assert_eq(bl_mpr_raw(&r, &start, &len), 0);
    cr_assert_eq(start, d + 3);
    cr_assert_eq(len, 22);
    cr_assert_eq(bl_mpr_raw(&r, &start, &len), 0);
    cr_assert_eq(start, d + 25);
    cr_assert_eq(len, 1);
    cr_assert(bl_mpr_done(&r));
    cr_assert_eq(bl_mpr_raw(&r, &start, &len), BL_EPROTO);
    bl_mpw_destroy(&w);
}

Test(bl_mp, skip_refuses_every_truncation_of_a_nested_object,
     .timeout = 10)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 3);
    bl_mpw_str(&w, "list");
    bl_mpw_array(&w, 4);
    bl_mpw_uint(&w, UINT64_MAX);
    bl_mpw_int(&w, INT32_MIN);
    bl_mpw_str(&w, "a string longer than thirty-one bytes, str8");
    bl_mpw_opt_double(&w, false, 0);
    bl_mpw_str(&w, "bin");
    bl_mpw_bin(&w, "\0\1\2", 3);
    bl_mpw_str(&w, "f");
    bl_mpw_double(&w, -0.5);
    cr_assert_eq(w.err, 0);
    const uint8_t *d = bl_mpw_data(&w);
    size_t total = bl_mpw_size(&w);
    for (size_t len = 0; len < total; len++) {
        /* A private copy so that ASan sees any read past the prefix. */
        uint8_t *copy = malloc(len + 1);
        cr_assert_not_null(copy);
        memcpy(copy, d, len);
        bl_mpr_t r;
        bl_mpr_init(&r, copy, len);
        cr_assert_eq(bl_mpr_skip(&r), BL_EPROTO, "prefix %zu of %zu", len,
                     total);
        free(copy);
    }
    bl_mpr_t r;
    bl_mpr_init(&r, d, total);
    cr_assert_eq(bl_mpr_skip(&r), 0);
    cr_assert(bl_mpr_done(&r));
    bl_mpw_destroy(&w);
}

Test(bl_mp, skip_refuses_ext_types_and_the_never_used_byte, .timeout = 10)
{
    const uint8_t bytes[] = {0xc1, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7,
                             0xd8};
    for (size_t i = 0; i < S_LEN(bytes); i++) {
        uint8_t b[32] = {0};
        b[0] = bytes[i];
        bl_mpr_t r;
        bl_mpr_init(&r, b, sizeof b);
        cr_assert_eq(bl_mpr_skip(&r), BL_EPROTO, "byte %#x", b[0]);
    }
}

/* n arrays each holding the next, the innermost holding one fixint. */
static uint8_t *s_nested(size_t n, size_t *len)
{
    uint8_t *b = malloc(n + 1);
    cr_assert_not_null(b);
    memset(b, 0x91, n);
    b[n] = 0x01;
    *len = n + 1;
    return b;
}

Test(bl_mp, skip_accepts_nesting_up_to_the_bound, .timeout = 10)
{
    size_t len;
    uint8_t *b = s_nested(BL_MP_DEPTH_MAX, &len);
    bl_mpr_t r;
    bl_mpr_init(&r, b, len);
    cr_assert_eq(bl_mpr_skip(&r), 0);
    cr_assert(bl_mpr_done(&r));
    free(b);
}

Test(bl_mp, skip_refuses_nesting_past_the_bound, .timeout = 10)
{
    /* Levels counted loosely (see the report): one container beyond the
     * bound plus a scalar is certainly refused, and so are 100,000 levels,
     * which must not exhaust the stack. */
    const size_t depths[] = {BL_MP_DEPTH_MAX + 1, BL_MP_DEPTH_MAX + 2,
                             100000};
    for (size_t i = 0; i < S_LEN(depths); i++) {
        size_t len;
        uint8_t *b = s_nested(depths[i], &len);
        bl_mpr_t r;
        bl_mpr_init(&r, b, len);
        cr_assert_eq(bl_mpr_skip(&r), BL_EPROTO, "depth %zu", depths[i]);
        cr_assert_eq(r.err, BL_EPROTO);
        free(b);
    }
    /* Maps too. */
    uint8_t m[2 * (BL_MP_DEPTH_MAX + 2) + 1];
    size_t k = 0;
    for (int i = 0; i < BL_MP_DEPTH_MAX + 2; i++) {
        m[k++] = 0x81;
        m[k++] = 0x01;
    }
    m[k++] = 0x01;
    bl_mpr_t r;
    bl_mpr_init(&r, m, k);
    cr_assert_eq(bl_mpr_skip(&r), BL_EPROTO);
}

/* ---- writer -------------------------------------------------------------- */

Test(bl_mp, writer_round_trips_extreme_integers, .timeout = 10)
{
    const int64_t ints[] = {INT64_MIN, INT64_MIN + 1, INT32_MIN - 1LL,
                            INT32_MIN, INT16_MIN, INT8_MIN, -33, -32, -1, 0,
                            1, 127, 128, 255, 256, 65535, 65536, INT64_MAX};
    const uint64_t uints[] = {0, 127, 128, 255, 256, UINT16_MAX,
                              UINT16_MAX + 1u, UINT32_MAX,
                              (uint64_t)UINT32_MAX + 1, UINT64_MAX - 1,
                              UINT64_MAX};
    bl_mpw_t w;
    bl_mpw_init(&w);
    for (size_t i = 0; i < S_LEN(ints); i++) {
        bl_mpw_int(&w, ints[i]);
    }
    for (size_t i = 0; i < S_LEN(uints); i++) {
        bl_mpw_uint(&w, uints[i]);
    }
    cr_assert_eq(w.err, 0);
    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(&w), bl_mpw_size(&w));
    for (size_t i = 0; i < S_LEN(ints); i++) {
        int64_t v;
        cr_assert_eq(bl_mpr_int(&r, &v), 0, "int %zu", i);
        cr_assert_eq(v, ints[i], "int %zu: %lld", i, (long long)v);
    }
    for (size_t i = 0; i < S_LEN(uints); i++) {
        uint64_t v;
        cr_assert_eq(bl_mpr_uint(&r, &v), 0, "uint %zu", i);
        cr_assert_eq(v, uints[i], "uint %zu", i);
    }
    cr_assert(bl_mpr_done(&r));
    bl_mpw_destroy(&w);
}

Test(bl_mp, writer_round_trips_negative_zero_nan_and_infinities,
     .timeout = 10)
{
    const double ds[] = {-0.0, 0.0, NAN, INFINITY, -INFINITY, -1021.0,
                         5e-324, 1.7976931348623157e308, 0.1};
    bl_mpw_t w;
    bl_mpw_init(&w);
    for (size_t i = 0; i < S_LEN(ds); i++) {
        bl_mpw_double(&w, ds[i]);
    }
    bl_mpw_opt_double(&w, true, -0.0);
    bl_mpw_opt_double(&w, false, 3.0);
    cr_assert_eq(w.err, 0);
    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(&w), bl_mpw_size(&w));
    for (size_t i = 0; i < S_LEN(ds); i++) {
        double v;
        cr_assert_eq(bl_mpr_double(&r, &v), 0);
        /* Bit-exact: keeps the sign of zero and NaN as NaN. */
        cr_assert_eq(memcmp(&v, &ds[i], sizeof v), 0, "double %zu", i);
    }
    bool has;
    double v;
    cr_assert_eq(bl_mpr_opt_double(&r, &has, &v), 0);
    cr_assert(has);
    cr_assert(signbit(v) && v == 0.0, "-0.0 keeps its sign");
    cr_assert_eq(bl_mpr_opt_double(&r, &has, &v), 0);
    cr_assert_not(has);
    cr_assert(bl_mpr_done(&r));
    bl_mpw_destroy(&w);
}

Test(bl_mp, nan_stays_nan, .timeout = 10)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_double(&w, NAN);
    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(&w), bl_mpw_size(&w));
    double v = 0;
    cr_assert_eq(bl_mpr_double(&r, &v), 0);
    cr_assert(isnan(v));
    bl_mpw_destroy(&w);
}

Test(bl_mp, writer_round_trips_strings_bins_and_containers, .timeout = 10)
{
    size_t big = 70000;
    char *s = malloc(big);
    cr_assert_not_null(s);
    for (size_t i = 0; i < big; i++) {
        s[i] = (char)('a' + i % 26);
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_array(&w, 7);
    bl_mpw_str(&w, "");
    bl_mpw_strn(&w, s, 31);
    bl_mpw_strn(&w, s, big);
    bl_mpw_str(&w, NULL);                /* nil */
    bl_mpw_bin(&w, s, 256);
    bl_mpw_map(&w, 0);
    bl_mpw_raw(&w, (const uint8_t[]){0xc3, 0xc2}, 1);  /* true only */
    cr_assert_eq(w.err, 0);

    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(&w), bl_mpw_size(&w));
    uint32_t n, len;
    const char *c;
    const void *d;
    bool bo;
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(n, 7);
    cr_assert_eq(bl_mpr_str(&r, &c, &len), 0);
    cr_assert_eq(len, 0);
    cr_assert_eq(bl_mpr_str(&r, &c, &len), 0);
    cr_assert_eq(len, 31);
    cr_assert_eq(memcmp(c, s, 31), 0);
    cr_assert_eq(bl_mpr_str(&r, &c, &len), 0);
    cr_assert_eq(len, big);
    cr_assert_eq(memcmp(c, s, big), 0);
    cr_assert(bl_mpr_nil(&r));
    cr_assert_eq(bl_mpr_bin(&r, &d, &len), 0);
    cr_assert_eq(len, 256);
    cr_assert_eq(memcmp(d, s, 256), 0);
    cr_assert_eq(bl_mpr_map(&r, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(bl_mpr_bool(&r, &bo), 0);
    cr_assert(bo);
    cr_assert(bl_mpr_done(&r));
    bl_mpw_destroy(&w);
    free(s);
}

Test(bl_mp, writer_reset_empties_and_destroy_allows_init, .timeout = 10)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_str(&w, "hello");
    cr_assert_eq(bl_mpw_size(&w), 6);
    bl_mpw_reset(&w);
    cr_assert_eq(bl_mpw_size(&w), 0);
    bl_mpw_uint(&w, 5);
    cr_assert_eq(bl_mpw_size(&w), 1);
    cr_assert_eq(((const uint8_t *)bl_mpw_data(&w))[0], 0x05);
    bl_mpw_destroy(&w);
    cr_assert_eq(bl_mpw_size(&w), 0);
    bl_mpw_init(&w);
    bl_mpw_nil(&w);
    cr_assert_eq(bl_mpw_size(&w), 1);
    bl_mpw_destroy(&w);
}
