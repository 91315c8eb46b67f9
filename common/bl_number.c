/*
 * bl_number: reading a number field as SPEC section 2 reads it (see
 * bl_number.h).  The shape is checked by hand before strtod/strtoll see
 * the text, because both take more than the SPEC allows (hex, "inf",
 * "nan", the locale's decimal mark).
 */
#include "bl_number.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NUMBER_STACK 128  /* bytes of a number copied without malloc */

static bool s_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool s_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The shape of a number, checked before any conversion, because strtod()
 * also takes hex, "inf", "nan" and the locale's decimal mark. */
typedef struct s_number {
    const char *begin;   /* first byte after trimming */
    const char *end;     /* one past the last byte after trimming */
    const char *mark;    /* the decimal mark, or NULL */
    bool fraction_zero;  /* no fraction, or only zeros after the mark */
    bool exponent;       /* an e/E part is present */
} s_number_t;

/* Why the number stops at p (before end), for what spreadsheets write:
 * a thousands separator, a decimal comma in a ',' file, a '%' sign. */
static const char *s_why_not(const char *p, const char *end,
                             const char *mark, bool decimal_comma)
{
    bool digit_after = p + 1 < end && s_digit(p[1]);
    /* a no-break space (U+00A0), a spreadsheet's thousands separator */
    if ((unsigned char)p[0] == 0xC2 && p + 2 < end &&
        (unsigned char)p[1] == 0xA0 && s_digit(p[2])) {
        return "not a number (no thousands separators)";
    }
    if (*p == ',' && !decimal_comma && mark == NULL && digit_after) {
        return "not a number (',' is a decimal mark only in a file "
               "separated by ';', and there are no thousands separators)";
    }
    if ((*p == ',' || *p == '.' || *p == ' ') && digit_after) {
        return "not a number (no thousands separators)";
    }
    if (*p == '%' && p + 1 == end) {
        return "not a number (write it without '%')";
    }
    return "not a number";
}

/* Checks [+-]digits[(.|,)digits][(e|E)[+-]digits] with at least one digit
 * before the exponent; ',' counts only when decimal_comma.  Returns the
 * reason, or NULL when the shape is right. */
static const char *s_scan_number(const char *s, bool decimal_comma,
                                 s_number_t *n)
{
    while (s_blank(*s)) {
        s++;
    }
    const char *end = s + strlen(s);
    while (end > s && s_blank(end[-1])) {
        end--;
    }
    if (end == s) {
        return "empty";
    }
    memset(n, 0, sizeof *n);
    n->begin = s;
    n->end = end;
    n->fraction_zero = true;
    const char *p = s;
    if (*p == '+' || *p == '-') {
        p++;
    }
    size_t digits = 0;
    while (p < end && s_digit(*p)) {
        p++;
        digits++;
    }
    if (p < end && (*p == '.' || (decimal_comma && *p == ','))) {
        n->mark = p++;
        while (p < end && s_digit(*p)) {
            if (*p != '0') {
                n->fraction_zero = false;
            }
            p++;
            digits++;
        }
    }
    if (digits == 0) {
        /* a typographic minus (U+2212) before the digits */
        if (end - s > 3 && (unsigned char)s[0] == 0xE2 &&
            (unsigned char)s[1] == 0x88 && (unsigned char)s[2] == 0x92 &&
            s_digit(s[3])) {
            return "not a number (write '-' for a minus)";
        }
        return "not a number";
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        n->exponent = true;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p == end || !s_digit(*p)) {
            return "not a number";
        }
        while (p < end && s_digit(*p)) {
            p++;
        }
    }
    return p == end ? NULL : s_why_not(p, end, n->mark, decimal_comma);
}

/* A "C" locale, made once, for strtod(): the process's locale may use
 * ',' as its decimal mark.  Lock-free lazy creation; a lost race frees its
 * copy. */
static locale_t s_c_locale(void)
{
    static _Atomic(locale_t) cached = (locale_t)0;
    locale_t loc = atomic_load(&cached);
    if (loc != (locale_t)0) {
        return loc;
    }
    locale_t made = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (made == (locale_t)0) {
        return (locale_t)0;
    }
    locale_t expected = (locale_t)0;
    if (!atomic_compare_exchange_strong(&cached, &expected, made)) {
        freelocale(made);
        return expected;
    }
    return made;
}

static int s_reject(const char **why, const char *reason)
{
    if (why != NULL) {
        *why = reason;
    }
    return BL_EDATA;
}

int bl_number_parse(const char *s, bool decimal_comma, double *out,
                    const char **why)
{
    if (s == NULL || out == NULL) {
        if (why != NULL) {
            *why = "no input";
        }
        return BL_EINVAL;
    }
    s_number_t n;
    const char *reason = s_scan_number(s, decimal_comma, &n);
    if (reason != NULL) {
        return s_reject(why, reason);
    }
    /* A copy with '.' as the mark and nothing after the number. */
    size_t len = (size_t)(n.end - n.begin);
    char stack[S_NUMBER_STACK];
    char *copy = stack;
    if (len + 1 > sizeof stack) {
        copy = malloc(len + 1);
        if (copy == NULL) {
            if (why != NULL) {
                *why = "out of memory";
            }
            return BL_ENOMEM;
        }
    }
    memcpy(copy, n.begin, len);
    copy[len] = '\0';
    if (n.mark != NULL) {
        copy[n.mark - n.begin] = '.';
    }

    locale_t c_loc = s_c_locale();
    locale_t old = (locale_t)0;
    if (c_loc != (locale_t)0) {
        old = uselocale(c_loc);
    }
    errno = 0;
    char *stop = NULL;
    double v = strtod(copy, &stop);
    int saved = errno;
    if (old != (locale_t)0) {
        uselocale(old);
    }
    bool whole = stop == copy + len;
    if (copy != stack) {
        free(copy);
    }

    if (!whole) {
        return s_reject(why, "not a number");
    }
    if (!isfinite(v) || (saved == ERANGE && fabs(v) > 1.0)) {
        return s_reject(why, "not finite");
    }
    if (saved == ERANGE && fabs(v) < DBL_MIN) {
        /* Underflow: so small it cannot be told from 0 reliably. */
        return s_reject(why, "out of range");
    }
    *out = v;
    return 0;
}

int bl_number_parse_int(const char *s, bool decimal_comma, long long *out,
                        const char **why)
{
    if (s == NULL || out == NULL) {
        if (why != NULL) {
            *why = "no input";
        }
        return BL_EINVAL;
    }
    s_number_t n;
    const char *reason = s_scan_number(s, decimal_comma, &n);
    if (reason != NULL) {
        return s_reject(why, reason);
    }
    if (!n.exponent && n.fraction_zero) {
        /* Plain digits (maybe "3.0"): exact with strtoll, which does not
         * depend on the locale for digits.  The digits end at the mark. */
        const char *digits_end = n.mark != NULL ? n.mark : n.end;
        if (digits_end == n.begin || (digits_end == n.begin + 1 &&
                                      !s_digit(n.begin[0]))) {
            /* ".0", "-.0": no integer digits, the value is 0. */
            *out = 0;
            return 0;
        }
        size_t len = (size_t)(digits_end - n.begin);
        char stack[S_NUMBER_STACK];
        char *copy = stack;
        if (len + 1 > sizeof stack) {
            copy = malloc(len + 1);
            if (copy == NULL) {
                if (why != NULL) {
                    *why = "out of memory";
                }
                return BL_ENOMEM;
            }
        }
        memcpy(copy, n.begin, len);
        copy[len] = '\0';
        errno = 0;
        char *stop = NULL;
        long long v = strtoll(copy, &stop, 10);
        int saved = errno;
        bool whole = stop == copy + len;
        if (copy != stack) {
            free(copy);
        }
        if (!whole) {
            return s_reject(why, "not a number");
        }
        if (saved == ERANGE) {
            return s_reject(why, "out of range");
        }
        *out = v;
        return 0;
    }
    double d = 0;
    int rc = bl_number_parse(s, decimal_comma, &d, why);
    if (rc != 0) {
        return rc;
    }
    if (d != floor(d)) {
        return s_reject(why, "not an integer");
    }
    /* 2^63 is exact as a double; anything from it up does not fit. */
    if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
        return s_reject(why, "out of range");
    }
    *out = (long long)d;
    return 0;
}

int bl_number_parse_steps(const char *s, bool decimal_comma, int *out,
                          const char **why)
{
    long long v = 0;
    const char *reason = NULL;
    int rc = bl_number_parse_int(s, decimal_comma, &v, &reason);
    if (rc == BL_EDATA || (rc == 0 && (v < 0 || v > BL_NUMBER_STEPS_MAX))) {
        return s_reject(why, "not a number of steps: an integer 0-4");
    }
    if (rc != 0) {
        if (why != NULL) {
            *why = reason;
        }
        return rc;
    }
    *out = (int)v;
    return 0;
}

/* ---- writing -------------------------------------------------------- */

/* |v| * 10^decimals rounded to an integer in *n, as printf would round
 * it; false when printf alone can tell (near a tie, too large). */
static bool s_scaled(double v, int decimals, uint64_t *n)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
                                 1e15, 1e16, 1e17, 1e18, 1e19};
    if (decimals < 0 || decimals > 19) {
        return false;
    }
    double x = fabs(v) * p10[decimals];   /* 10^d is exact up to 10^22 */
    double fl = floor(x);
    /* x carries a rounding error of at most half an ulp (x * 2^-53): when
     * the exact value could be on the other side of a tie, or x is too
     * large for the integer path, printf rounds the exact binary value. */
    if (x >= 1e15 || fabs((x - fl) - 0.5) <= x * 4.5e-16 + 1e-12) {
        return false;
    }
    *n = (uint64_t)fl + (x - fl > 0.5 ? 1u : 0u);
    return true;
}

/* Writes n / 10^decimals with exactly decimals digits after the point
 * (sign first when neg) into tmp; returns the length. */
static size_t s_put_fixed(char *tmp, bool neg, uint64_t n, int decimals)
{
    size_t len = 0;
    if (neg) {
        tmp[len++] = '-';
    }
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (nd < 24 && (n > 0 || (int)nd <= decimals));
    /* digits holds at least decimals + 1 digits, lowest first */
    for (size_t i = nd; i > 0; i--) {
        if ((int)(i - 1) == decimals - 1) {
            tmp[len++] = '.';
        }
        tmp[len++] = digits[i - 1];
    }
    return len;
}

static int s_out(char *buf, size_t size, const char *tmp, size_t len)
{
    if (size > 0) {
        size_t k = len < size - 1 ? len : size - 1;
        memcpy(buf, tmp, k);
        buf[k] = '\0';
    }
    return (int)len;
}

int bl_number_fixed(char *buf, size_t size, double v, int decimals)
{
    uint64_t n;
    if (decimals < 0 || decimals > 9 || !isfinite(v) ||
        !s_scaled(v, decimals, &n)) {
        return snprintf(buf, size, "%.*f", decimals < 0 ? 0 : decimals, v);
    }
    char tmp[48];
    return s_out(buf, size, tmp, s_put_fixed(tmp, signbit(v), n, decimals));
}

/* The digit pairs "00" to "99": two digits per division by 100. */
static const char s_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Writes the decimal digits of n, at least min_digits of them (zeros in
 * front), so that they end just before end; returns their first byte.
 * The room before end must hold 20 digits or min_digits, the larger. */
static char *s_digits_before(char *end, uint64_t n, int min_digits)
{
    char *p = end;
    while (n >= 100) {
        unsigned pair = (unsigned)(n % 100);
        n /= 100;
        p -= 2;
        memcpy(p, s_pairs + 2 * pair, 2);
    }
    if (n >= 10) {
        p -= 2;
        memcpy(p, s_pairs + 2 * n, 2);
    } else {
        *--p = (char)('0' + n);
    }
    while (end - p < min_digits) {
        *--p = '0';
    }
    return p;
}

/* 10^0 to 10^15 as integers. */
static const uint64_t s_u10[] = {1, 10, 100, 1000, 10000, 100000, 1000000,
                                 10000000, 100000000, 1000000000,
                                 10000000000u, 100000000000u,
                                 1000000000000u, 10000000000000u,
                                 100000000000000u, 1000000000000000u};

/* Drops the trailing zeros of the fraction of n / 10^decimals, as %g
 * does. */
static void s_drop_zeros(uint64_t *n, int *decimals)
{
    while (*decimals > 0 && *n % 10 == 0) {
        *n /= 10;
        (*decimals)--;
    }
}

/* The length of n / 10^decimals written by s_general_before; n < 10^16. */
static size_t s_general_len(bool neg, uint64_t n, int decimals)
{
    int nd = 1;
    while (nd < 16 && n >= s_u10[nd]) {
        nd++;
    }
    if (nd < decimals + 1) {
        nd = decimals + 1;
    }
    return (size_t)neg + (size_t)nd + (decimals > 0 ? 1u : 0u);
}

/* Writes n / 10^decimals (sign first when neg, the point only when
 * decimals > 0) so that it ends just before end; returns its first byte.
 * It takes at most 22 bytes (n < 10^16, decimals <= 19). */
static char *s_general_before(char *end, bool neg, uint64_t n, int decimals)
{
    char *p = end;
    if (decimals > 0) {
        int left = decimals;
        for (; left >= 2; left -= 2) {
            unsigned pair = (unsigned)(n % 100);
            n /= 100;
            p -= 2;
            memcpy(p, s_pairs + 2 * pair, 2);
        }
        if (left == 1) {
            *--p = (char)('0' + n % 10);
            n /= 10;
        }
        *--p = '.';
    }
    p = s_digits_before(p, n, 1);
    if (neg) {
        *--p = '-';
    }
    return p;
}

/* Writes n / 10^decimals as %g shows it (trailing zeros of the fraction
 * dropped, and the point with them when none is left) to buf as snprintf
 * would; straight into buf when it fits, which is nearly always. */
static int s_put_general(char *buf, size_t size, bool neg, uint64_t n,
                         int decimals)
{
    s_drop_zeros(&n, &decimals);
    size_t len = s_general_len(neg, n, decimals);
    if (len < size) {
        s_general_before(buf + len, neg, n, decimals);
        buf[len] = '\0';
        return (int)len;
    }
    char tmp[32];
    return s_out(buf, size, s_general_before(tmp + sizeof tmp, neg, n,
                                             decimals), len);
}

/* A first guess at floor(log10(a)) for a > 0, from a table of powers of
 * ten as doubles: exact in [-4, 15] but for a within an ulp of a power of
 * ten (10^-k is not a double), which the caller's digit count corrects.
 * Outside [-5, 16] the guess only says "out of range". */
static int s_exponent_guess(double a)
{
    static const double p10[] = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1,
                                 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16};
    enum { S_P10_ONE = 5, S_P10_LAST = sizeof p10 / sizeof *p10 - 1 };
    int i = S_P10_ONE;
    while (i < S_P10_LAST && a >= p10[i + 1]) {
        i++;
    }
    while (i > 0 && a < p10[i]) {
        i--;
    }
    return i - S_P10_ONE;
}

int bl_number_general(char *buf, size_t size, double v, int digits)
{
    if (digits < 1 || digits > 15 || !isfinite(v)) {
        return snprintf(buf, size, "%.*g", digits, v);
    }
    double a = fabs(v);
    /* A whole number of at most digits digits (0 and -0 included) is
     * written as it is: %g shows no point and no exponent for it. */
    if (a < 1e15 && a == (double)(uint64_t)a &&
        (uint64_t)a < s_u10[digits]) {
        return s_put_general(buf, size, signbit(v), (uint64_t)a, 0);
    }
    /* %g: the exponent X of v rounded to digits significant digits; fixed
     * notation with digits - 1 - X decimals when -4 <= X < digits, then
     * trailing zeros dropped.  X is guessed from a table, then checked by
     * the digit count of the rounded integer (which must have exactly
     * digits digits). */
    int x = s_exponent_guess(a);
    for (int tries = 0; tries < 3; tries++) {
        int decimals = digits - 1 - x;
        uint64_t n;
        if (x < -4 || x >= digits || !s_scaled(v, decimals, &n)) {
            break;
        }
        if (n < s_u10[digits - 1]) {
            x--;
            continue;
        }
        if (n >= s_u10[digits]) {
            /* the guess was low, or rounding carried into a new digit
             * (9.99.. -> 10.0): one more, and so one decimal fewer */
            x++;
            continue;
        }
        return s_put_general(buf, size, signbit(v), n, decimals);
    }
    return snprintf(buf, size, "%.*g", digits, v);
}

size_t bl_number_int(char *buf, int64_t v)
{
    char tmp[BL_NUMBER_INT_MAX];
    size_t n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    size_t o = 0;
    if (v < 0) {
        buf[o++] = '-';
    }
    while (n > 0) {
        buf[o++] = tmp[--n];
    }
    buf[o] = '\0';
    return o;
}
