/*
 * bl_strset: a set of byte strings, each kept once and numbered in the
 * order it was first added (0, 1, ...) — an open-addressing hash table
 * (bl_hash.h) over one buffer holding the strings, each NUL-ended, so a
 * caller can keep a small number where it would keep a copy, and compare
 * numbers instead of bytes.  For tables built and thrown away in one go:
 * nothing is ever removed but by bl_strset_clear.  A zeroed set is an
 * empty one, as bl_strset_init makes it.
 *
 * Users: the submit client's providers of a window (bl_row_group.c), the
 * benchmark's group keys of now (benchmark_store.c), the report's
 * message catalogue (report_i18n.c), validation's peer groups of the
 * outlier check (validate_outliers.c), the kinds of problem a listing
 * sums up (cli_submit.c).
 */
#ifndef BL_STRSET_H
#define BL_STRSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct bl_strset_item {
    size_t at;                  /* its bytes in text */
    uint32_t len;
} bl_strset_item_t;

typedef struct bl_strset {
    char *text;                 /* the strings, each NUL-ended */
    size_t text_len, text_cap;
    bl_strset_item_t *items;    /* by number */
    size_t n, cap;
    uint32_t *slot;             /* number + 1, or 0 for an empty slot */
    size_t n_slots;             /* a power of two, more than twice n */
} bl_strset_t;

void bl_strset_init(bl_strset_t *set);
void bl_strset_destroy(bl_strset_t *set);

/* Empties the set, keeping its memory. */
void bl_strset_clear(bl_strset_t *set);

/* The number of s (len bytes, which may hold NULs), added when it is
 * new; -1 when out of memory (the set as it was). */
long bl_strset_add(bl_strset_t *set, const char *s, size_t len);

/* The number of s (len bytes), or -1 when it is not in the set. */
long bl_strset_find(const bl_strset_t *set, const char *s, size_t len);

static inline size_t bl_strset_count(const bl_strset_t *set)
{
    return set->n;
}

/* String number i, NUL-ended; its length in *len (may be NULL). */
static inline const char *bl_strset_str(const bl_strset_t *set, size_t i,
                                        size_t *len)
{
    if (len != NULL) {
        *len = set->items[i].len;
    }
    return set->text + set->items[i].at;
}

#endif
