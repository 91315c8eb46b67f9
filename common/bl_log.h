/*
 * bl_log: one line per event on stderr, in the form
 *   2026-01-31T12:00:00.123Z ingest[4242] I message key=value
 * Used by the daemons and the CLI, never by library code in common/.
 * Not thread-safe beyond what stdio gives; never call it from a signal
 * handler.
 */
#ifndef BL_LOG_H
#define BL_LOG_H

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

#define bl_log(level, ...)                                                 \
    do {                                                                   \
        if (bl_log_enabled(level)) {                                       \
            bl_log_write(level, __VA_ARGS__);                              \
        }                                                                  \
    } while (0)

#endif
