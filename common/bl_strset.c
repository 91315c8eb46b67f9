/*
 * bl_strset: a set of byte strings numbered in the order they came (see
 * bl_strset.h).
 */
#include "bl_strset.h"

#include <stdlib.h>
#include <string.h>

#include "bl_hash.h"
#include "bl_vec.h"

void bl_strset_init(bl_strset_t *set)
{
    memset(set, 0, sizeof *set);
}

void bl_strset_destroy(bl_strset_t *set)
{
    free(set->text);
    free(set->items);
    free(set->slot);
    memset(set, 0, sizeof *set);
}

void bl_strset_clear(bl_strset_t *set)
{
    set->text_len = 0;
    set->n = 0;
    if (set->slot != NULL) {
        memset(set->slot, 0, set->n_slots * sizeof *set->slot);
    }
}

/* The slot of s: the one holding it, or the empty one where it would
 * go (there is always one). */
static size_t s_slot(const bl_strset_t *set, const char *s, size_t len)
{
    size_t mask = set->n_slots - 1;
    size_t i = (size_t)bl_hash_bytes(s, len) & mask;
    for (; set->slot[i] != 0; i = (i + 1) & mask) {
        const bl_strset_item_t *it = &set->items[set->slot[i] - 1];
        if (it->len == len && memcmp(set->text + it->at, s, len) == 0) {
            break;
        }
    }
    return i;
}

/* Doubles the table (or makes its first) and puts every string in
 * again. */
static int s_grow(bl_strset_t *set)
{
    size_t n = set->n_slots ? set->n_slots * 2 : 64;
    uint32_t *slot = calloc(n, sizeof *slot);
    if (slot == NULL) {
        return -1;
    }
    free(set->slot);
    set->slot = slot;
    set->n_slots = n;
    for (size_t i = 0; i < set->n; i++) {
        const bl_strset_item_t *it = &set->items[i];
        set->slot[s_slot(set, set->text + it->at, it->len)] = (uint32_t)i + 1;
    }
    return 0;
}

long bl_strset_add(bl_strset_t *set, const char *s, size_t len)
{
    if (len > UINT32_MAX || set->n >= UINT32_MAX - 1) {
        return -1;
    }
    if (2 * (set->n + 1) > set->n_slots && s_grow(set) != 0) {
        return -1;
    }
    size_t i = s_slot(set, s, len);
    if (set->slot[i] != 0) {
        return (long)set->slot[i] - 1;
    }
    size_t at;
    if (BL_GROW(set->items, set->cap, set->n + 1) != 0 ||
        BL_GROW(set->text, set->text_cap, set->text_len + len + 1) != 0) {
        return -1;
    }
    at = set->text_len;
    memcpy(set->text + at, s, len);
    set->text[at + len] = '\0';
    set->text_len += len + 1;
    set->items[set->n] = (bl_strset_item_t){at, (uint32_t)len};
    set->slot[i] = (uint32_t)++set->n;
    return (long)set->n - 1;
}

long bl_strset_find(const bl_strset_t *set, const char *s, size_t len)
{
    if (set->n_slots == 0) {
        return -1;
    }
    size_t i = s_slot(set, s, len);
    return set->slot[i] != 0 ? (long)set->slot[i] - 1 : -1;
}
