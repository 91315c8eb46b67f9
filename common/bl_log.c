/*
 * bl_log: timestamped one-line log records on stderr.  Each record is
 * formatted into one buffer and written with a single write(2) so that lines
 * of concurrent processes sharing a terminal or file do not interleave.
 */
#include "bl_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char s_name[32] = "benchlearn";
static bl_log_level_t s_level = BL_LOG_INFO;

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

void bl_log_write(bl_log_level_t level, const char *fmt, ...)
{
    static const char letters[] = "DIWE";
    char line[2048];
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
    if (len < 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int body = vsnprintf(line + len, sizeof line - (size_t)len - 1, fmt, ap);
    va_end(ap);
    size_t total = (size_t)len;
    if (body > 0) {
        total += (size_t)body;
        if (total > sizeof line - 2) {
            total = sizeof line - 2;
        }
    }
    line[total++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, total);
    (void)w;
}
