/*
 * Tests of bl_number: the number forms SPEC section 2 accepts and those it
 * forbids (with the reason given), integers and whole decimals, `steps`
 * values 0-4, long digit strings, and independence from the process
 * locale.  Memory only.
 */
#include "bl_number.h"

#include <criterion/criterion.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct num_case {
    const char *in;
    bool comma;
    double want;
} num_case_t;

Test(bl_number, parse_accepts_spec_forms, .timeout = 10)
{
    static const num_case_t ok[] = {
        {"0", false, 0.0},        {"12", false, 12.0},
        {"12.5", false, 12.5},    {" 12.5\t", false, 12.5},
        {"-3", false, -3.0},      {"+3.25", false, 3.25},
        {".5", false, 0.5},       {"5.", false, 5.0},
        {"1e3", false, 1000.0},   {"2.5E-2", false, 0.025},
        {"1e+2", false, 100.0},   {"12,5", true, 12.5},
        {"12.5", true, 12.5},     {"-0,25", true, -0.25},
        {"007", false, 7.0},      {"1.7976931348623157e308", false, DBL_MAX},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = -99;
        const char *why = NULL;
        int rc = bl_number_parse(ok[i].in, ok[i].comma, &v, &why);
        cr_assert_eq(rc, 0, "'%s': %s", ok[i].in, why);
        cr_assert_eq(v, ok[i].want, "'%s' read as %g", ok[i].in, v);
    }
}

typedef struct bad_case {
    const char *in;
    bool comma;
    const char *why;
} bad_case_t;

Test(bl_number, parse_rejects_what_spec_forbids, .timeout = 10)
{
    static const bad_case_t bad[] = {
        {"", false, "empty"},
        {"   ", false, "empty"},
        {"12,5", false, "not a number (',' is a decimal mark only in a file "
                             "separated by ';', and there are no thousands "
                             "separators)"},
        {"1,234.5", true, "not a number (no thousands separators)"},
        {"1,234,567", true, "not a number (no thousands separators)"},
        {"1 234", false, "not a number (no thousands separators)"},
        {"NaN", false, "not a number"},
        {"nan", false, "not a number"},
        {"inf", false, "not a number"},
        {"-Infinity", false, "not a number"},
        {"0x1A", false, "not a number"},
        {"0x1p3", false, "not a number"},
        {"12a", false, "not a number"},
        {"1e", false, "not a number"},
        {"1e+", false, "not a number"},
        {"e5", false, "not a number"},
        {".", false, "not a number"},
        {"-", false, "not a number"},
        {"+-1", false, "not a number"},
        {"1.2.3", false, "not a number (no thousands separators)"},
        {"--1", false, "not a number"},
        {"- 1", false, "not a number"},
        {"1e309", false, "not finite"},
        {"-1e999", false, "not finite"},
        {"1e-400", false, "out of range"},
        {"NA", false, "not a number"},
        {"57%", false, "not a number (write it without '%')"},
        {"1\xC2\xA0" "234", false, "not a number (no thousands separators)"},
        {"\xE2\x88\x92" "5", false, "not a number (write '-' for a minus)"},
        {"57 %", false, "not a number"},
        {"1.234,5", true, "not a number (no thousands separators)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = -99;
        const char *why = NULL;
        int rc = bl_number_parse(bad[i].in, bad[i].comma, &v, &why);
        cr_assert_eq(rc, BL_EDATA, "'%s' accepted as %g", bad[i].in, v);
        cr_assert_str_eq(why, bad[i].why, "'%s'", bad[i].in);
        cr_assert_eq(v, -99, "'%s' touched *out", bad[i].in);
    }
}

Test(bl_number, parse_takes_long_digit_strings, .timeout = 10)
{
    char s[400];
    memset(s, '0', 300);
    strcpy(s + 300, "1.5");
    double v = 0;
    cr_assert_eq(bl_number_parse(s, false, &v, NULL), 0);
    cr_assert_eq(v, 1.5);
    s[301] = ',';
    cr_assert_eq(bl_number_parse(s, true, &v, NULL), 0);
    cr_assert_eq(v, 1.5);
}

typedef struct int_case {
    const char *in;
    bool comma;
    long long want;
} int_case_t;

Test(bl_number, parse_int_accepts_integers_and_whole_decimals, .timeout = 10)
{
    static const int_case_t ok[] = {
        {"0", false, 0},
        {"3", false, 3},
        {" 42 ", false, 42},
        {"-7", false, -7},
        {"+7", false, 7},
        {"3.0", false, 3},
        {"3,00", true, 3},
        {"4.", false, 4},
        {"1e3", false, 1000},
        {"2.5e1", false, 25},
        {"9223372036854775807", false, 9223372036854775807LL},
        {"-9223372036854775808", false, -9223372036854775807LL - 1},
        {"9223372036854775807.000", false, 9223372036854775807LL},
        {"-0", false, 0},
        {".0", false, 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        long long v = -99;
        const char *why = NULL;
        int rc = bl_number_parse_int(ok[i].in, ok[i].comma, &v, &why);
        cr_assert_eq(rc, 0, "'%s': %s", ok[i].in, why);
        cr_assert_eq(v, ok[i].want, "'%s' read as %lld", ok[i].in, v);
    }
}

Test(bl_number, parse_int_rejects_fractions_and_overflow, .timeout = 10)
{
    static const bad_case_t bad[] = {
        {"3.5", false, "not an integer"},
        {"3,5", true, "not an integer"},
        {"3,0", false, "not a number (',' is a decimal mark only in a file "
                         "separated by ';', and there are no thousands "
                         "separators)"},
        {"0.001", false, "not an integer"},
        {"1e-1", false, "not an integer"},
        {"9223372036854775808", false, "out of range"},
        {"-9223372036854775809", false, "out of range"},
        {"1e19", false, "out of range"},
        {"1e400", false, "not finite"},
        {"", false, "empty"},
        {"NA", false, "not a number"},
        {"0x10", false, "not a number"},
        {"12a", false, "not a number"},
        {"1 000", false, "not a number (no thousands separators)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long v = -99;
        const char *why = NULL;
        int rc = bl_number_parse_int(bad[i].in, bad[i].comma, &v, &why);
        cr_assert_eq(rc, BL_EDATA, "'%s' accepted as %lld", bad[i].in, v);
        cr_assert_str_eq(why, bad[i].why, "'%s'", bad[i].in);
        cr_assert_eq(v, -99, "'%s' touched *out", bad[i].in);
    }
}

Test(bl_number, parse_ignores_process_locale, .timeout = 10)
{
    /* A locale with a decimal comma, when one is installed. */
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                           "nb_NO.UTF-8"};
    bool set = false;
    for (size_t i = 0; i < 4 && !set; i++) {
        set = setlocale(LC_NUMERIC, names[i]) != NULL;
    }
    double v = 0;
    cr_assert_eq(bl_number_parse("12.5", false, &v, NULL), 0);
    cr_assert_eq(v, 12.5);
    cr_assert_eq(bl_number_parse("12,5", true, &v, NULL), 0);
    cr_assert_eq(v, 12.5);
    setlocale(LC_NUMERIC, "C");
}

Test(bl_number, parse_steps_takes_0_to_4, .timeout = 10)
{
    static const struct {
        const char *in;
        bool comma;
        int want;
    } ok[] = {{"0", false, 0}, {"4", false, 4}, {" 3 ", false, 3},
              {"3.0", false, 3}, {"2,00", true, 2}, {"1e0", false, 1}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int v = -99;
        const char *why = NULL;
        cr_assert_eq(bl_number_parse_steps(ok[i].in, ok[i].comma, &v, &why),
                     0, "'%s': %s", ok[i].in, why);
        cr_assert_eq(v, ok[i].want, "'%s' read as %d", ok[i].in, v);
    }
}

Test(bl_number, parse_steps_refuses_everything_else, .timeout = 10)
{
    static const char *const bad[] = {"5", "-1", "2.5", "", "NA", "3a",
                                      "0x2", "2,0", "1e1", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int v = -99;
        const char *why = NULL;
        cr_assert_eq(bl_number_parse_steps(bad[i], false, &v, &why),
                     BL_EDATA, "'%s' accepted as %d", bad[i], v);
        cr_assert_str_eq(why, "not a number of steps: an integer 0-4",
                         "'%s'", bad[i]);
        cr_assert_eq(v, -99, "'%s' touched *out", bad[i]);
    }
}

Test(bl_number, null_input_is_a_programming_error_code, .timeout = 10)
{
    double d;
    long long ll;
    int st;
    const char *why = NULL;
    cr_assert_eq(bl_number_parse(NULL, false, &d, &why), BL_EINVAL);
    cr_assert_str_eq(why, "no input");
    cr_assert_eq(bl_number_parse_int("1", false, NULL, NULL), BL_EINVAL);
    cr_assert_eq(bl_number_parse_steps(NULL, false, &st, NULL), BL_EINVAL);
    (void)ll;
}

/* bl_number_fixed writes what snprintf("%.*f") writes, byte for byte. */
static void s_same_as_printf(double v, int d)
{
    char want[400], got[400];
    int wn = snprintf(want, sizeof want, "%.*f", d, v);
    int gn = bl_number_fixed(got, sizeof got, v, d);
    cr_assert_eq(gn, wn, "%.17g with %d decimals: %d vs %d", v, d, gn, wn);
    cr_assert_str_eq(got, want, "%.17g with %d decimals", v, d);
}

Test(bl_number, fixed_equals_printf_on_ties_and_edges, .timeout = 10)
{
    static const double edge[] = {
        0.0, -0.0, 0.5, 1.5, 2.5, -0.5, 0.125, 0.375, 2.675, 1.005, 1.015,
        0.045, -0.004, -0.0049, 0.0049, 99.995, 1e-300, -1e-300, 1e14,
        1e14 + 0.5, 123456789.125, 4503599627370495.5, 9007199254740993.0,
        1e15, 1e16, 1e300, -1e300, DBL_MAX, DBL_MIN, 0.1, 0.7, 12.345,
        -12.345, 100.0 / 3.0, 2.0 / 3.0, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        for (int d = 0; d <= 9; d++) {
            s_same_as_printf(edge[i], d);
        }
    }
}

Test(bl_number, fixed_equals_printf_on_random_values, .timeout = 60)
{
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* values from 1e-6 to 1e12, both signs, and many short decimals
         * (x.yz5 sits on a tie in decimal, rarely in binary) */
        double mag = pow(10.0, (double)(x % 19) - 6.0);
        double v = (double)(x >> 11) / 9007199254740992.0 * mag;
        if (x & 1) {
            v = -v;
        }
        if ((x >> 3) % 4 == 0) {
            v = (double)((int64_t)(x % 2000001) - 1000000) / 1000.0 + 0.0005;
        }
        s_same_as_printf(v, (int)((x >> 5) % 7));
    }
}

Test(bl_number, fixed_cuts_like_snprintf, .timeout = 10)
{
    char buf[5];
    cr_assert_eq(bl_number_fixed(buf, sizeof buf, 12345.678, 2), 8);
    cr_assert_str_eq(buf, "1234");
    cr_assert_eq(bl_number_fixed(NULL, 0, 3.25, 1), 3);
}

static void s_same_as_printf_g(double v, int d)
{
    char want[400], got[400];
    int wn = snprintf(want, sizeof want, "%.*g", d, v);
    int gn = bl_number_general(got, sizeof got, v, d);
    cr_assert_eq(gn, wn, "%.17g with %d digits: %d vs %d", v, d, gn, wn);
    cr_assert_str_eq(got, want, "%.17g with %d digits", v, d);
}

Test(bl_number, general_equals_printf, .timeout = 60)
{
    static const double edge[] = {
        0.0, -0.0, 1.0, -1.0, 9.9999999999, 99999.999995, 0.0001,
        0.00009999999999, 0.000123456789012, 1e9, 9999999999.5, 1e10,
        123456789.5, 0.5, 2.5, 1e-5, 1e15, 1e16, 1e300, DBL_MIN, 1.0 / 3.0,
        2.0 / 3.0, 100.0, 1234.5678, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        for (int d = 1; d <= 15; d++) {
            s_same_as_printf_g(edge[i], d);
        }
    }
    uint64_t x = 0x243f6a8885a308d3u;
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double mag = pow(10.0, (double)(x % 25) - 8.0);
        double v = (double)(x >> 11) / 9007199254740992.0 * mag;
        if (x & 1) {
            v = -v;
        }
        if ((x >> 3) % 4 == 0) {
            v = (double)((int64_t)(x % 2000001) - 1000000) / 1000.0;
        }
        s_same_as_printf_g(v, (x >> 5) % 3 == 0 ? 10 : 1 + (int)((x >> 9) % 15));
    }
}

/* The next random 64 bits of an xorshift generator. */
static uint64_t s_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Each value with its sign flipped and its neighbouring doubles, with
 * every digits count (10 is the exports' %.10g). */
static void s_same_as_printf_g_near(double v)
{
    double near[] = {v, nextafter(v, INFINITY), nextafter(v, -INFINITY)};
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
        for (int d = 1; d <= 15; d++) {
            s_same_as_printf_g(near[i], d);
            s_same_as_printf_g(-near[i], d);
        }
    }
}

Test(bl_number, general_equals_printf_near_powers_and_ties, .timeout = 60)
{
    for (int e = -30; e <= 30; e++) {
        double p = pow(10.0, e);
        s_same_as_printf_g_near(p);
        /* the largest values that round up into the next power for
         * every digits count: 9.99..95 * 10^e with 1 to 16 nines */
        for (int k = 1; k <= 16; k++) {
            double nines = 1.0 - 0.5 * pow(10.0, -k);
            s_same_as_printf_g_near(nines * p);
            s_same_as_printf_g_near(nines * 10.0 * p);
        }
    }
    static const double edge[] = {
        9.9999999995, 9.99999999949, 9.99999999951, 0.0001, 0.00009999999995,
        99999.5, 99999.49999999, 999999999.95, 9999999999.4, 9999999999.5,
        0.5, 1.5, 2.5, 1234567890.5, 123456789.05, 12345678.905,
        0.1234567890500, 0.00012345678905, 1e15 - 1, 1e15 - 0.5, 1e15,
        4503599627370495.5, 9007199254740993.0, 2.675, 1.005, 68.75,
        92.857142857142857, 47.457912457912457, -0.06044767761, 1e-5,
        DBL_MIN, DBL_MAX, 5e-324};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        s_same_as_printf_g_near(edge[i]);
    }
}

Test(bl_number, general_equals_printf_on_random_doubles, .timeout = 120)
{
    uint64_t x = 0x13198a2e03707344u;
    for (int i = 0; i < 400000; i++) {
        uint64_t r = s_next(&x);
        double v;
        switch (r % 5) {
        case 0: /* a random mantissa times 10^-30 .. 10^30 */
            v = (double)(s_next(&x) >> 11) / 9007199254740992.0 *
                pow(10.0, (double)((r >> 8) % 61) - 30.0);
            break;
        case 1: /* any finite double bit pattern */
            do {
                uint64_t bits = s_next(&x);
                memcpy(&v, &bits, sizeof v);
            } while (!isfinite(v));
            break;
        case 2: /* a decimal tie at the eleventh digit: k.5 * 10^e */
            v = ((double)(s_next(&x) % 10000000000u) + 0.5) *
                pow(10.0, (double)((r >> 8) % 15) - 14.0);
            break;
        case 3: /* a short decimal, as percentages and ratios are */
            v = (double)(s_next(&x) % 20000001) / 100000.0;
            break;
        default: /* a ratio of small integers, as indicator values are */
            v = (double)(s_next(&x) % 5000) /
                (double)(1 + s_next(&x) % 5000) * 100.0;
            break;
        }
        if (r & 0x80) {
            v = -v;
        }
        s_same_as_printf_g(v, 10);
        s_same_as_printf_g(v, 1 + (int)((r >> 16) % 15));
    }
}

Test(bl_number, general_cuts_like_snprintf, .timeout = 10)
{
    static const double vs[] = {0.0, -0.0, 7.0, -12345.0, 68.75,
                                -0.06044767761, 92.857142857142857,
                                0.00012345678905, 1e20};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        for (size_t size = 0; size <= 24; size++) {
            char want[32], got[32];
            memset(want, 'x', sizeof want);
            memset(got, 'x', sizeof got);
            int wn = snprintf(size ? want : NULL, size, "%.10g", vs[i]);
            int gn = bl_number_general(size ? got : NULL, size, vs[i], 10);
            cr_assert_eq(gn, wn, "%.17g in %zu bytes", vs[i], size);
            cr_assert_eq(memcmp(got, want, sizeof got), 0,
                         "%.17g in %zu bytes", vs[i], size);
        }
    }
}

Test(bl_number, int_equals_printf, .timeout = 10)
{
    const int64_t vs[] = {0, 1, -1, 9, 10, 2024, -2024, 99999, 1000000007,
                          INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        char got[BL_NUMBER_INT_MAX], want[32];
        size_t len = bl_number_int(got, vs[i]);
        snprintf(want, sizeof want, "%" PRId64, vs[i]);
        cr_assert_str_eq(got, want);
        cr_assert_eq(len, strlen(want));
    }
}
