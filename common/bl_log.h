/*
 * bl_log: one line per event on stderr, in the form
 *   2026-01-31T12:00:00.123Z ingest[4242] I message key=value
 * Used by the daemons and the CLI, never by library code in common/.
 *
 * Every value is escaped as it is formatted, so no call site can forget:
 * the text of each conversion (%s above all, but every one) has its control
 * characters, quotes, backslashes and bytes that are not valid UTF-8
 * written as \xNN, and a value longer than BL_LOG_VALUE_MAX bytes is cut
 * with a marker "…[+N bytes]".  The format's own text is trusted except for
 * control characters, which are escaped too.  So one event is always
 * exactly one line, and no sender, file name or peer can forge a line.
 *
 * Not thread-safe beyond what stdio gives; never call it from a signal
 * handler.
 */
#ifndef BL_LOG_H
#define BL_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* The longest value (in input bytes) written whole. */
#define BL_LOG_VALUE_MAX 512
/* The longest line written, prefix and newline included. */
#define BL_LOG_LINE_MAX 4096

typedef enum bl_log_level {
    BL_LOG_DEBUG = 0,
    BL_LOG_INFO = 1,
    BL_LOG_WARN = 2,
    BL_LOG_ERROR = 3,
} bl_log_level_t;

/* Sets the name shown on each line (e.g. "ingest") and the lowest level
 * that is written.  The level can be raised with BL_LOG_LEVEL=debug in the
 * environment, read here once. */
void bl_log_init(const char *name, bl_log_level_t level);

/* True when a line of this level would be written. */
int bl_log_enabled(bl_log_level_t level);

/* Writes one line when level is enabled; formats nothing otherwise. */
void bl_log_write(bl_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats the body of a line (no prefix, no newline) into out, escaping
 * every conversion as described above.  Takes the conversions of printf
 * except %n (which consumes its argument and writes nothing) and wide
 * strings.  out is always NUL-terminated; the result is cut to fit, with a
 * marker.  Returns the length written.  Exposed for tests. */
size_t bl_log_vformat(char *out, size_t size, const char *fmt, va_list ap);

/* bl_log_vformat with arguments. */
size_t bl_log_format(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define bl_log(level, ...)                                                 \
    do {                                                                   \
        if (bl_log_enabled(level)) {                                       \
            bl_log_write(level, __VA_ARGS__);                              \
        }                                                                  \
    } while (0)

#endif
