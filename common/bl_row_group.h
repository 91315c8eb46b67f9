/*
 * bl_row_group: a submission's rows gathered by provider before they are
 * sent, for files whose rows are not in provider order.
 *
 * Validation keeps a file's row keys, and aggregation a survey's
 * respondents, as one entry per run of a provider's rows in a message.
 * A file in provider order makes few, long runs; a survey tool's export
 * in the order the answers came (each row another provider's) makes a
 * run per row, and costs those stages three to five times the work.
 * bl_submit_client watches the runs of the rows it reads
 * (bl_row_runs_*) and, when they are short, gathers the rows of a window
 * of at most a given number of bytes here, encoded as they will be sent,
 * and sends them grouped by provider (bl_row_group_sort).  Each row keeps
 * its line number, and a provider's rows keep their order (a row's key
 * begins with its provider, so a repeated key still names its first
 * line): what each row's outcome says does not change, and the listings,
 * which go by line, read the same.  Memory stays bounded by the window
 * whatever the file's size.
 */
#ifndef BL_ROW_GROUP_H
#define BL_ROW_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_mp.h"
#include "bl_raw_rows_codec.h"
#include "bl_strset.h"

/* The window's bytes (encoded rows and provider ids) in bl_submit_client:
 * large enough that a provider's rows of a survey of 50,000 providers
 * meet in a few runs, small enough for a laptop and the portal. */
#define BL_ROW_GROUP_BYTES (48u * 1024u * 1024u)

/* Runs shorter than this on average, over BL_ROW_RUNS_SAMPLE rows, make
 * the rows worth gathering. */
#define BL_ROW_RUNS_SHORT 3
#define BL_ROW_RUNS_SAMPLE 1024

/* ---- watching the runs -------------------------------------------------- */

typedef struct bl_row_runs {
    uint64_t last;              /* the hash of the last row's provider */
    uint32_t rows;              /* rows of the current sample */
    uint32_t starts;            /* of them, rows that start a run */
} bl_row_runs_t;

void bl_row_runs_init(bl_row_runs_t *r);

/* Counts a row of provider id prov (len bytes).  Returns true when a full
 * sample of rows has come in runs shorter than BL_ROW_RUNS_SHORT rows on
 * average (then gather the rest of the file). */
bool bl_row_runs_add(bl_row_runs_t *r, const char *prov, size_t len);

/* ---- the window ----------------------------------------------------------- */

typedef struct bl_row_group_entry {
    size_t row_at;              /* the encoded row in rows */
    uint32_t row_len;
    uint32_t prov;              /* its provider's number in provs */
} bl_row_group_entry_t;

typedef struct bl_row_group {
    bl_mpw_t rows;              /* the rows, encoded one after another */
    bl_row_group_entry_t *e;    /* each row, in the order it came */
    size_t n, cap;
    bl_strset_t provs;          /* the providers' ids */
    uint32_t *prov_rows;        /* each provider's rows in the window (used
                                   up by bl_row_group_sort) */
    size_t prov_rows_cap;
    uint32_t *order;            /* once sorted: the rows in provider order */
    size_t order_cap;
    size_t max_bytes;
} bl_row_group_t;

/* An empty window of at most max_bytes (rows and ids). */
void bl_row_group_init(bl_row_group_t *g, size_t max_bytes);
void bl_row_group_destroy(bl_row_group_t *g);

/* Adds row, of provider prov (len bytes; "" for a row the reader could not
 * read).  Returns 0 or BL_ENOMEM (then reset or destroy the window). */
int bl_row_group_add(bl_row_group_t *g, const char *prov, size_t len,
                     const bl_raw_row_t *row);

/* Whether the window holds max_bytes or more. */
bool bl_row_group_full(const bl_row_group_t *g);

/* Orders the rows by provider, the providers in byte order of their ids
 * and a provider's rows in the order they came (the providers are sorted,
 * the rows placed).  Once per window: then read the rows and reset.  Returns 0 or
 * BL_ENOMEM. */
int bl_row_group_sort(bl_row_group_t *g);

/* The window's rows. */
static inline size_t bl_row_group_count(const bl_row_group_t *g)
{
    return g->n;
}

/* The i-th row in provider order (after bl_row_group_sort): its encoded
 * bytes (bl_raw_rows_write_row's), for bl_raw_rows_write_array. */
static inline const uint8_t *bl_row_group_row(const bl_row_group_t *g,
                                              size_t i, size_t *len)
{
    const bl_row_group_entry_t *e = &g->e[g->order[i]];
    *len = e->row_len;
    return (const uint8_t *)bl_mpw_data(&g->rows) + e->row_at;
}

/* Empties the window, keeping its memory. */
void bl_row_group_reset(bl_row_group_t *g);

#endif
