/*
 * Tests of bl_log: every conversion is escaped (newlines, terminal
 * escapes, quotes, backslashes, invalid UTF-8 as \xNN; valid UTF-8 kept),
 * long values are cut with a marker that counts what was cut, numbers
 * format as printf formats them, and a written record is exactly one line
 * that starts with its timestamp and holds no control character.
 *
 * Every test has the same .timeout: Criterion 2.4.1's runner leaks memory
 * (LeakSanitizer fails the run) when one binary mixes timeout values.
 */
#include "bl_log.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_TIMEOUT 10

static char s_buf[BL_LOG_LINE_MAX];

Test(bl_log, newline_in_value_is_escaped, .timeout = S_TIMEOUT)
{
    bl_log_format(s_buf, sizeof s_buf, "refused sender=%s", "a\nb\r\tc");
    cr_assert_str_eq(s_buf, "refused sender=a\\x0ab\\x0d\\x09c");
}

Test(bl_log, terminal_escape_is_escaped, .timeout = S_TIMEOUT)
{
    bl_log_format(s_buf, sizeof s_buf, "x=%s", "\x1b[31mred\x1b[0m\x7f");
    cr_assert_str_eq(s_buf, "x=\\x1b[31mred\\x1b[0m\\x7f");
}

Test(bl_log, quotes_and_backslash_in_value_are_escaped,
     .timeout = S_TIMEOUT)
{
    bl_log_format(s_buf, sizeof s_buf, "reason=\"%s\" file='%s'",
                  "a\" forged=\"1", "b'\\c");
    cr_assert_str_eq(s_buf,
                     "reason=\"a\\x22 forged=\\x221\" file='b\\x27\\x5cc'");
}

Test(bl_log, invalid_utf8_is_escaped_and_valid_utf8_kept,
     .timeout = S_TIMEOUT)
{
    /* ø, an overlong '/', a lone continuation byte, a cut sequence, a
     * surrogate, and the C1 control CSI */
    bl_log_format(s_buf, sizeof s_buf, "%s|%s|%s|%s|%s|%s",
                  "S\xc3\xb8r", "\xc0\xaf", "\x80", "\xe2\x82",
                  "\xed\xa0\x80", "\xc2\x9b");
    cr_assert_str_eq(s_buf, "S\xc3\xb8r|\\xc0\\xaf|\\x80|\\xe2\\x82|"
                            "\\xed\\xa0\\x80|\\xc2\\x9b");
}

Test(bl_log, long_value_is_cut_with_marker, .timeout = S_TIMEOUT)
{
    char big[BL_LOG_VALUE_MAX + 124];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    size_t n = bl_log_format(s_buf, sizeof s_buf, "v=%s end", big);
    char want[BL_LOG_VALUE_MAX + 64];
    memcpy(want, "v=", 2);
    memset(want + 2, 'a', BL_LOG_VALUE_MAX);
    snprintf(want + 2 + BL_LOG_VALUE_MAX, 64, "\xe2\x80\xa6[+123 bytes] end");
    cr_assert_str_eq(s_buf, want);
    cr_assert_eq(n, strlen(want));
}

Test(bl_log, line_that_does_not_fit_ends_with_marker, .timeout = S_TIMEOUT)
{
    char small[64];
    bl_log_format(small, sizeof small, "%s %s %s %s", "0123456789",
                  "0123456789", "0123456789", "0123456789");
    cr_assert_eq(strncmp(small, "0123456789 0123456789 ", 22), 0);
    cr_assert_lt(strlen(small), sizeof small);
    size_t len = strlen(small);
    const char *mark = "\xe2\x80\xa6[cut]";
    cr_assert_geq(len, strlen(mark));
    cr_assert_str_eq(small + len - strlen(mark), mark);
}

Test(bl_log, numbers_format_as_printf, .timeout = S_TIMEOUT)
{
    int64_t big = -9000000000;
    bl_log_format(s_buf, sizeof s_buf,
                  "a=%d b=%" PRId64 " c=%zu d=%5.2f e=%-3s| f=%.*s g=%x "
                  "h=%c i=%%",
                  -7, big, (size_t)42, 3.14159, "x", 3, "abcdef", 255u,
                  'q');
    cr_assert_str_eq(s_buf, "a=-7 b=-9000000000 c=42 d= 3.14 e=x  | f=abc "
                            "g=ff h=q i=%");
}

/* Writes one hostile record with stderr sent to a file; returns what the
 * file holds (NUL-terminated) in buf. */
static size_t s_capture(char *buf, size_t size, const char *value)
{
    char path[] = "/tmp/bl_log_test_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
    int saved = dup(STDERR_FILENO);
    cr_assert_geq(saved, 0);
    cr_assert_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    bl_log_init("test", BL_LOG_INFO);
    bl_log(BL_LOG_WARN, "refused message sender=%s reason=\"%s\"", value,
           value);
    cr_assert_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    ssize_t n = pread(fd, buf, size - 1, 0);
    cr_assert_geq(n, 0);
    buf[n] = '\0';
    close(fd);
    unlink(path);
    return (size_t)n;
}

Test(bl_log, hostile_record_is_one_line_with_timestamp,
     .timeout = S_TIMEOUT)
{
    char got[2 * BL_LOG_LINE_MAX];
    const char *value = "evil\n2026-01-01T00:00:00.000Z ingest[1] I ready"
                        "\r\x1b]0;title\x07\x1b[2J\"\\";
    size_t n = s_capture(got, sizeof got, value);
    cr_assert_gt(n, 0);
    cr_assert_eq(got[n - 1], '\n');
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned char c = (unsigned char)got[i];
        cr_assert(c >= 0x20 && c != 0x7f, "control byte 0x%02x at %zu", c,
                  i);
    }
    regex_t re;
    cr_assert_eq(regcomp(&re,
                         "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                         "[0-9]{2}\\.[0-9]{3}Z test\\[[0-9]+\\] W refused "
                         "message sender=evil\\\\x0a2026",
                         REG_EXTENDED | REG_NOSUB),
                 0);
    cr_assert_eq(regexec(&re, got, 0, NULL, 0), 0, "line: %s", got);
    regfree(&re);
}
