/*
 * bl_diag: a growable list of positioned diagnostics for loaders that must
 * report all errors at once (config, catalogue, validation rules).
 */
#include "bl_diag.h"

#include "bl_vec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bl_diags_add(bl_diags_t *d, const char *file, size_t line, size_t column,
                  const char *fmt, ...)
{
    if (BL_GROW(d->items, d->cap, d->count + 1) != 0) {
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bl_diag_entry_t *e = &d->items[d->count];
    e->file = strdup(file ? file : "");
    e->message = strdup(msg);
    if (e->file == NULL || e->message == NULL) {
        free(e->file);
        free(e->message);
        return;
    }
    e->line = line;
    e->column = column;
    d->count++;
}

void bl_diags_format(const bl_diags_t *d, size_t i, char *buf, size_t size)
{
    const bl_diag_entry_t *e = &d->items[i];
    if (e->line > 0 && e->column > 0) {
        snprintf(buf, size, "%s:%zu:%zu: %s", e->file, e->line, e->column,
                 e->message);
    } else if (e->line > 0) {
        snprintf(buf, size, "%s:%zu: %s", e->file, e->line, e->message);
    } else {
        snprintf(buf, size, "%s: %s", e->file, e->message);
    }
}

void bl_diags_clear(bl_diags_t *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].message);
    }
    free(d->items);
    d->items = NULL;
    d->count = 0;
    d->cap = 0;
}
