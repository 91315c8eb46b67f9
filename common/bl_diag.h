/*
 * bl_diag: a list of positioned diagnostics ("file:line:column: message"),
 * so that a loader can report every error it finds, not only the first.
 * Lines and columns are 1-based.  Memory-only; not thread-safe.
 */
#ifndef BL_DIAG_H
#define BL_DIAG_H

#include <stddef.h>

typedef struct bl_diag_entry {
    char *file;     /* file name as given to the loader */
    size_t line;    /* 1-based, 0 when unknown */
    size_t column;  /* 1-based, 0 when unknown */
    char *message;  /* lower case, no trailing period */
} bl_diag_entry_t;

typedef struct bl_diags {
    bl_diag_entry_t *items;  /* count entries, in the order they were added */
    size_t count;
    size_t cap;
} bl_diags_t;

/* Adds one diagnostic (copies file and the formatted message). */
void bl_diags_add(bl_diags_t *d, const char *file, size_t line, size_t column,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Formats entry i as "file:line:column: message" into buf (truncating). */
void bl_diags_format(const bl_diags_t *d, size_t i, char *buf, size_t size);

/* Frees every entry; the list is empty and reusable afterwards. */
void bl_diags_clear(bl_diags_t *d);

#endif
