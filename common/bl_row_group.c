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
    bl_strset_init(&g->provs);
    g->max_bytes = max_bytes;
}

void bl_row_group_destroy(bl_row_group_t *g)
{
    bl_mpw_destroy(&g->rows);
    bl_strset_destroy(&g->provs);
    free(g->e);
    free(g->prov_rows);
    free(g->order);
    memset(g, 0, sizeof *g);
}

void bl_row_group_reset(bl_row_group_t *g)
{
    bl_mpw_reset(&g->rows);
    bl_strset_clear(&g->provs);
    g->n = 0;
}

int bl_row_group_add(bl_row_group_t *g, const char *prov, size_t len,
                     const bl_raw_row_t *row)
{
    if (g->n >= UINT32_MAX - 1 || BL_GROW(g->e, g->cap, g->n + 1) != 0) {
        return BL_ENOMEM;
    }
    size_t known = bl_strset_count(&g->provs);
    long p = bl_strset_add(&g->provs, prov, len);
    if (p < 0 || BL_GROW(g->prov_rows, g->prov_rows_cap, (size_t)p + 1) != 0) {
        return BL_ENOMEM;
    }
    if ((size_t)p == known) {
        g->prov_rows[p] = 0;
    }
    size_t at = bl_mpw_size(&g->rows);
    bl_raw_rows_write_row(&g->rows, row);
    if (g->rows.err || bl_mpw_size(&g->rows) - at > UINT32_MAX) {
        return BL_ENOMEM;
    }
    g->e[g->n++] = (bl_row_group_entry_t){
        at, (uint32_t)(bl_mpw_size(&g->rows) - at), (uint32_t)p};
    g->prov_rows[p]++;
    return 0;
}

bool bl_row_group_full(const bl_row_group_t *g)
{
    return bl_mpw_size(&g->rows) + g->provs.text_len >= g->max_bytes;
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
    size_t n_provs = bl_strset_count(&g->provs);
    s_key_t *keys = malloc((n_provs ? n_provs : 1) * sizeof *keys);
    if (keys == NULL ||
        BL_GROW(g->order, g->order_cap, g->n ? g->n : 1) != 0) {
        free(keys);
        return BL_ENOMEM;
    }
    for (size_t p = 0; p < n_provs; p++) {
        size_t len;
        const char *id = bl_strset_str(&g->provs, p, &len);
        keys[p] = (s_key_t){id, (uint32_t)len, (uint32_t)p};
    }
    /* The providers in byte order: the stages' stores are keyed by
     * provider, and rows in that order write near where the last ones
     * did.  Then each provider's first place, and its rows in turn. */
    qsort(keys, n_provs, sizeof *keys, s_cmp_key);
    uint32_t next = 0;
    for (size_t k = 0; k < n_provs; k++) {
        uint32_t *rows = &g->prov_rows[keys[k].prov];
        uint32_t mine = *rows;
        *rows = next;
        next += mine;
    }
    free(keys);
    for (size_t i = 0; i < g->n; i++) {
        g->order[g->prov_rows[g->e[i].prov]++] = (uint32_t)i;
    }
    return 0;
}
