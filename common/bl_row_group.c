/*
 * bl_row_group: a submission's rows gathered by provider before they are
 * sent (see bl_row_group.h).
 */
#include "bl_row_group.h"

#include <stdlib.h>
#include <string.h>

#include "bl_hash.h"
#include "bl_vec.h"

/* ---- watching the runs -------------------------------------------------- */

void bl_row_runs_init(bl_row_runs_t *r)
{
    memset(r, 0, sizeof *r);
}

bool bl_row_runs_add(bl_row_runs_t *r, const char *prov, size_t len)
{
    uint64_t h = bl_hash_bytes(prov, len);
    if (r->rows == 0 || h != r->last) {
        r->starts++;
    }
    r->last = h;
    if (++r->rows < BL_ROW_RUNS_SAMPLE) {
        return false;
    }
    bool short_runs = (uint64_t)r->starts * BL_ROW_RUNS_SHORT > r->rows;
    r->rows = 0;
    r->starts = 0;
    return short_runs;
}

/* ---- the window ----------------------------------------------------------- */

void bl_row_group_init(bl_row_group_t *g, size_t max_bytes)
{
    memset(g, 0, sizeof *g);
    bl_mpw_init(&g->rows);
    g->max_bytes = max_bytes;
}

void bl_row_group_destroy(bl_row_group_t *g)
{
    bl_mpw_destroy(&g->rows);
    free(g->e);
    free(g->provs);
    free(g->keys);
    free(g->slot);
    free(g->order);
    memset(g, 0, sizeof *g);
}

void bl_row_group_reset(bl_row_group_t *g)
{
    bl_mpw_reset(&g->rows);
    g->n = 0;
    g->n_provs = 0;
    g->keys_len = 0;
    if (g->slot != NULL) {
        memset(g->slot, 0, g->n_slots * sizeof *g->slot);
    }
}

static size_t s_home(const bl_row_group_t *g, const char *prov, size_t len)
{
    return (size_t)bl_hash_bytes(prov, len) & (g->n_slots - 1);
}

/* Doubles the table (or makes its first) and puts every provider in
 * again. */
static int s_grow_slots(bl_row_group_t *g)
{
    size_t n = g->n_slots ? g->n_slots * 2 : 1024;
    uint32_t *slot = calloc(n, sizeof *slot);
    if (slot == NULL) {
        return BL_ENOMEM;
    }
    free(g->slot);
    g->slot = slot;
    g->n_slots = n;
    for (size_t p = 0; p < g->n_provs; p++) {
        const bl_row_group_prov_t *q = &g->provs[p];
        size_t i = s_home(g, g->keys + q->key_at, q->key_len);
        while (g->slot[i] != 0) {
            i = (i + 1) & (n - 1);
        }
        g->slot[i] = (uint32_t)p + 1;
    }
    return 0;
}

/* The index of provider prov, added when it is new; -1 when out of
 * memory. */
static long s_prov(bl_row_group_t *g, const char *prov, size_t len)
{
    if ((g->n_provs + 1) * 2 > g->n_slots && s_grow_slots(g) != 0) {
        return -1;
    }
    size_t i = s_home(g, prov, len);
    for (; g->slot[i] != 0; i = (i + 1) & (g->n_slots - 1)) {
        const bl_row_group_prov_t *q = &g->provs[g->slot[i] - 1];
        if (q->key_len == len && memcmp(g->keys + q->key_at, prov, len) == 0) {
            return (long)g->slot[i] - 1;
        }
    }
    size_t at;
    if (BL_GROW(g->provs, g->provs_cap, g->n_provs + 1) != 0 ||
        bl_vec_append(&g->keys, &g->keys_cap, &g->keys_len, prov, len,
                      &at) != 0) {
        return -1;
    }
    g->provs[g->n_provs] = (bl_row_group_prov_t){at, (uint32_t)len, 0};
    g->slot[i] = (uint32_t)++g->n_provs;
    return (long)g->n_provs - 1;
}

int bl_row_group_add(bl_row_group_t *g, const char *prov, size_t len,
                     const bl_raw_row_t *row)
{
    if (g->n >= UINT32_MAX - 1 || len > UINT32_MAX ||
        BL_GROW(g->e, g->cap, g->n + 1) != 0) {
        return BL_ENOMEM;
    }
    long p = s_prov(g, prov, len);
    if (p < 0) {
        return BL_ENOMEM;
    }
    size_t at = bl_mpw_size(&g->rows);
    bl_raw_rows_write_row(&g->rows, row);
    if (g->rows.err || bl_mpw_size(&g->rows) - at > UINT32_MAX) {
        return BL_ENOMEM;
    }
    g->e[g->n++] = (bl_row_group_entry_t){
        at, (uint32_t)(bl_mpw_size(&g->rows) - at), (uint32_t)p};
    g->provs[p].rows++;
    return 0;
}

bool bl_row_group_full(const bl_row_group_t *g)
{
    return bl_mpw_size(&g->rows) + g->keys_len >= g->max_bytes;
}

/* A provider's id, for sorting the providers. */
typedef struct s_key {
    const char *at;
    uint32_t len;
    uint32_t prov;
} s_key_t;

static int s_cmp_key(const void *a, const void *b)
{
    const s_key_t *x = a, *y = b;
    int c = memcmp(x->at, y->at, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

int bl_row_group_sort(bl_row_group_t *g)
{
    s_key_t *keys = malloc((g->n_provs ? g->n_provs : 1) * sizeof *keys);
    if (keys == NULL ||
        BL_GROW(g->order, g->order_cap, g->n ? g->n : 1) != 0) {
        free(keys);
        return BL_ENOMEM;
    }
    for (size_t p = 0; p < g->n_provs; p++) {
        keys[p] = (s_key_t){g->keys + g->provs[p].key_at,
                            g->provs[p].key_len, (uint32_t)p};
    }
    /* The providers in byte order: the stages' stores are keyed by
     * provider, and rows in that order write near where the last ones
     * did.  Then each provider's first place, and its rows in turn. */
    qsort(keys, g->n_provs, sizeof *keys, s_cmp_key);
    uint32_t next = 0;
    for (size_t k = 0; k < g->n_provs; k++) {
        bl_row_group_prov_t *q = &g->provs[keys[k].prov];
        uint32_t rows = q->rows;
        q->rows = next;
        next += rows;
    }
    free(keys);
    for (size_t i = 0; i < g->n; i++) {
        g->order[g->provs[g->e[i].prov].rows++] = (uint32_t)i;
    }
    return 0;
}
