/*
 * bl_log: timestamped one-line log records on stderr.  Each record is
 * formatted into one buffer and written with a single write(2) so that lines
 * of concurrent processes sharing a terminal or file do not interleave.
 *
 * The formatter walks the format itself: the format's text is copied (its
 * control characters escaped), and each conversion is formatted on its own
 * and then escaped, so a value from outside can never end the line, start a
 * terminal escape, or pose as the format's own quotes.
 */
#include "bl_log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Room kept at the end of the body for the "cut" marker. */
#define S_CUT_ROOM 24

static char s_name[32] = "benchlearn";
static bl_log_level_t s_level = BL_LOG_INFO;

/* The output being built: never more than size - 1 bytes plus the NUL;
 * full is set once something did not fit. */
typedef struct s_out {
    char *buf;
    size_t size;
    size_t len;
    int full;
} s_out_t;

void bl_log_init(const char *name, bl_log_level_t level)
{
    snprintf(s_name, sizeof s_name, "%s", name);
    s_level = level;
    const char *env = getenv("BL_LOG_LEVEL");
    if (env != NULL) {
        if (strcasecmp(env, "debug") == 0) {
            s_level = BL_LOG_DEBUG;
        } else if (strcasecmp(env, "warn") == 0) {
            s_level = BL_LOG_WARN;
        } else if (strcasecmp(env, "error") == 0) {
            s_level = BL_LOG_ERROR;
        }
    }
}

int bl_log_enabled(bl_log_level_t level)
{
    return level >= s_level;
}

/* Appends n bytes when they fit below the cut room, else marks full. */
static void s_put(s_out_t *o, const char *p, size_t n)
{
    if (o->full || o->len + n + S_CUT_ROOM >= o->size) {
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void s_put_hex(s_out_t *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
    s_put(o, e, 4);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes) that is safe to
 * show, or 0: overlong forms, surrogates, code points above U+10FFFF, the
 * C1 controls and the line and paragraph separators are not. */
static size_t s_utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
        (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
        return 0;
    }
    return len;
}

/* Copies n bytes of s, escaping what cannot be shown as it is; quotes and
 * backslashes too when quotes is set (values, not the format's text). */
static void s_put_escaped(s_out_t *o, const char *s, size_t n, int quotes)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !o->full) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t len = s_utf8_len(p + i, n - i);
            if (len > 0) {
                s_put(o, s + i, len);
                i += len;
            } else {
                s_put_hex(o, c);
                i++;
            }
        } else if (c < 0x20 || c == 0x7f ||
                   (quotes && (c == '"' || c == '\'' || c == '\\'))) {
            s_put_hex(o, c);
            i++;
        } else {
            s_put(o, s + i, 1);
            i++;
        }
    }
}

/* A value: escaped, cut after BL_LOG_VALUE_MAX bytes with a marker, padded
 * to width (negative: on the right). */
static void s_put_value(s_out_t *o, const char *s, size_t n, int width)
{
    size_t shown = n > BL_LOG_VALUE_MAX ? BL_LOG_VALUE_MAX : n;
    size_t start = o->len;
    s_put_escaped(o, s, shown, 1);
    if (shown < n) {
        char mark[48];
        int m = snprintf(mark, sizeof mark, "\xe2\x80\xa6[+%zu bytes]",
                         n - shown);
        s_put(o, mark, (size_t)m);
    }
    size_t w = (size_t)(width < 0 ? -(long)width : width);
    size_t used = o->len - start;
    if (used >= w || o->full) {
        return;
    }
    size_t pad = w - used;
    if (o->len + pad + S_CUT_ROOM >= o->size) {
        o->full = 1;
        return;
    }
    if (width > 0) {
        /* right-aligned: move the value right by the padding */
        memmove(o->buf + start + pad, o->buf + start, used);
        memset(o->buf + start, ' ', pad);
    } else {
        memset(o->buf + o->len, ' ', pad);
    }
    o->len += pad;
}

/* Formats one numeric conversion with spec (its own "%...c", width and
 * precision already taken from the arguments when they were '*'). */
#define S_NUM(type)                                                       \
    do {                                                                  \
        type v_ = va_arg(*ap, type);                                      \
        if (star_w && star_p) {                                           \
            n = snprintf(tmp, sizeof tmp, spec, width, prec, v_);         \
        } else if (star_w) {                                              \
            n = snprintf(tmp, sizeof tmp, spec, width, v_);               \
        } else if (star_p) {                                              \
            n = snprintf(tmp, sizeof tmp, spec, prec, v_);                \
        } else {                                                          \
            n = snprintf(tmp, sizeof tmp, spec, v_);                      \
        }                                                                 \
    } while (0)

/* Handles the conversion at *fmtp (just after '%'); advances *fmtp. */
static void s_conversion(s_out_t *o, const char **fmtp, va_list *ap)
{
    const char *f = *fmtp;
    const char *begin = f - 1;
    int left = 0;
    while (*f && strchr("-+ #0'", *f)) {
        left |= *f == '-';
        f++;
    }
    int width = 0;
    int star_w = 0;
    if (*f == '*') {
        star_w = 1;
        width = va_arg(*ap, int);
        f++;
    } else {
        while (*f >= '0' && *f <= '9') {
            width = width * 10 + (*f - '0');
            if (width > BL_LOG_LINE_MAX) {
                width = BL_LOG_LINE_MAX;
            }
            f++;
        }
    }
    int prec = -1;
    int star_p = 0;
    if (*f == '.') {
        f++;
        prec = 0;
        if (*f == '*') {
            star_p = 1;
            prec = va_arg(*ap, int);
            f++;
        } else {
            while (*f >= '0' && *f <= '9') {
                prec = prec * 10 + (*f - '0');
                if (prec > BL_LOG_LINE_MAX) {
                    prec = BL_LOG_LINE_MAX;
                }
                f++;
            }
        }
    }
    char len[3] = {0};
    size_t nl = 0;
    while (*f && strchr("hlLjzt", *f) && nl < 2) {
        len[nl++] = *f++;
    }
    char conv = *f;
    if (conv == '\0') {
        *fmtp = f;
        return;
    }
    *fmtp = f + 1;
    if (left && width > 0) {
        width = -width;
    }
    if (conv == '%') {
        s_put(o, "%", 1);
        return;
    }
    if (conv == 's') {
        const char *s = va_arg(*ap, const char *);
        if (s == NULL) {
            s = "(null)";
        }
        size_t n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
        s_put_value(o, s, n, width);
        return;
    }
    if (conv == 'n') {
        (void)va_arg(*ap, void *);
        return;
    }
    char spec[32];
    size_t sl = (size_t)(f + 1 - begin);
    if (sl >= sizeof spec) {
        s_put(o, "?", 1);
        return;
    }
    memcpy(spec, begin, sl);
    spec[sl] = '\0';
    char tmp[512];
    int n = -1;
    int is_l = strcmp(len, "l") == 0;
    int is_ll = strcmp(len, "ll") == 0;
    switch (conv) {
    case 'd':
    case 'i':
        if (is_l) {
            S_NUM(long);
        } else if (is_ll) {
            S_NUM(long long);
        } else if (len[0] == 'j') {
            S_NUM(intmax_t);
        } else if (len[0] == 'z') {
            S_NUM(ssize_t);
        } else if (len[0] == 't') {
            S_NUM(ptrdiff_t);
        } else {
            S_NUM(int);
        }
        break;
    case 'u':
    case 'o':
    case 'x':
    case 'X':
        if (is_l) {
            S_NUM(unsigned long);
        } else if (is_ll) {
            S_NUM(unsigned long long);
        } else if (len[0] == 'j') {
            S_NUM(uintmax_t);
        } else if (len[0] == 'z') {
            S_NUM(size_t);
        } else if (len[0] == 't') {
            S_NUM(ptrdiff_t);
        } else {
            S_NUM(unsigned);
        }
        break;
    case 'c':
        S_NUM(int);
        break;
    case 'p':
        S_NUM(void *);
        break;
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
    case 'a':
    case 'A':
        if (len[0] == 'L') {
            S_NUM(long double);
        } else {
            S_NUM(double);
        }
        break;
    default:
        /* an unknown conversion: nothing can be taken from the arguments
         * safely after it, so the rest of the format is dropped */
        s_put(o, "?", 1);
        *fmtp = f + strlen(f);
        return;
    }
    if (n < 0) {
        s_put(o, "?", 1);
        return;
    }
    size_t len_out = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    s_put_escaped(o, tmp, len_out, 1);
}

size_t bl_log_vformat(char *out, size_t size, const char *fmt, va_list ap)
{
    if (size == 0) {
        return 0;
    }
    s_out_t o = {out, size, 0, 0};
    if (size <= S_CUT_ROOM) {
        out[0] = '\0';
        return 0;
    }
    va_list aq;
    va_copy(aq, ap);
    const char *f = fmt;
    while (*f && !o.full) {
        const char *pct = strchr(f, '%');
        size_t lit = pct ? (size_t)(pct - f) : strlen(f);
        s_put_escaped(&o, f, lit, 0);
        f += lit;
        if (*f == '%') {
            f++;
            s_conversion(&o, &f, &aq);
        }
    }
    va_end(aq);
    if (o.full) {
        static const char cut[] = "\xe2\x80\xa6[cut]";
        size_t n = sizeof cut - 1;
        if (o.len + n < o.size) {
            memcpy(o.buf + o.len, cut, n);
            o.len += n;
        }
    }
    out[o.len] = '\0';
    return o.len;
}

size_t bl_log_format(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = bl_log_vformat(out, size, fmt, ap);
    va_end(ap);
    return n;
}

void bl_log_write(bl_log_level_t level, const char *fmt, ...)
{
    static const char letters[] = "DIWE";
    char line[BL_LOG_LINE_MAX];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    int len = snprintf(line, sizeof line,
                       "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s[%d] %c ",
                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec,
                       (int)(tv.tv_usec / 1000), s_name, (int)getpid(),
                       letters[level & 3]);
    if (len < 0 || (size_t)len >= sizeof line / 2) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    size_t total = (size_t)len;
    total += bl_log_vformat(line + len, sizeof line - (size_t)len - 1, fmt,
                            ap);
    va_end(ap);
    line[total++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, total);
    (void)w;
}
