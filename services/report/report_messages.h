/*
 * report_messages: the report message catalogues compiled into the program
 * (config/messages/<lang>.yaml, turned into C arrays at build time by
 * report_messages.cmake), so that rendering never depends on where the
 * program or the node's catalogue is installed.  Only data: report_i18n
 * parses it.
 */
#ifndef REPORT_MESSAGES_H
#define REPORT_MESSAGES_H

#include <stddef.h>

/* One language's catalogue: the YAML text of config/messages/<lang>.yaml. */
typedef struct report_messages_file {
    const char *lang;            /* "en", "no", ... */
    const unsigned char *text;   /* the file's bytes, NUL-terminated */
    size_t len;                  /* bytes, without the NUL */
} report_messages_file_t;

extern const report_messages_file_t report_messages_files[];
extern const size_t report_messages_file_count;

#endif
