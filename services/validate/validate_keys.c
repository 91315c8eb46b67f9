/*
 * validate_keys: a file's row keys kept per run of a provider's rows, for
 * the repeat check (see validate_keys.h).
 */
#include "validate_keys.h"

#include <stdlib.h>
#include <string.h>

#include "bl_hash.h"
#include "bl_page.h"
#include "bl_vec.h"
#include "validate_submission.h"

/* A provider's entries of one file read when its run starts: more are
 * folded into one (a file in another order than by provider leaves one
 * per run). */
#define S_KEYS_RUNS_MAX 8
#define S_BLOB_TAG 0x01
/* The bytes after the provider in an entry's key: \x1f \x01, line. */
#define S_KEY_TAIL 10

void vkeys_init(vkeys_t *k, MDB_txn *txn, MDB_dbi dbi, const char *sub)
{
    memset(k, 0, sizeof *k);
    k->txn = txn;
    k->dbi = dbi;
    k->sub = sub;
    k->sl = strlen(sub) + 1;
}

int vkeys_forget(MDB_txn *txn, MDB_dbi dbi, const char *sub, bl_err_t *err)
{
    /* the submission id and its NUL: "A" does not take "AB"'s keys */
    return bl_page_delete(txn, dbi, sub, strlen(sub) + 1, err);
}

void vkeys_free(vkeys_t *k)
{
    if (k->cur != NULL) {
        mdb_cursor_close(k->cur);
    }
    free(k->e);
    free(k->text);
    free(k->slot);
    free(k->slot_gen);
    memset(k, 0, sizeof *k);
}

/* The slot of suffix s (len bytes): where it is, or the free one where it
 * would go. */
static size_t s_slot(const vkeys_t *k, const char *s, size_t len)
{
    size_t mask = k->n_slots - 1;
    size_t i = (size_t)bl_hash_words(s, len) & mask;
    while (k->slot_gen[i] == k->gen) {
        const vkeys_entry_t *e = &k->e[k->slot[i] - 1];
        if (e->len == len && memcmp(k->text + e->at, s, len) == 0) {
            break;
        }
        i = (i + 1) & mask;
    }
    return i;
}

/* The entry of suffix s (len bytes), or NULL with its free slot in *at
 * (SIZE_MAX when the table is empty). */
static const vkeys_entry_t *s_find(const vkeys_t *k, const char *s,
                                   size_t len, size_t *at)
{
    *at = SIZE_MAX;
    if (k->n_slots == 0) {
        return NULL;
    }
    size_t i = s_slot(k, s, len);
    *at = i;
    return k->slot_gen[i] == k->gen ? &k->e[k->slot[i] - 1] : NULL;
}

/* Makes room for one more entry in the table (at most half full). */
static int s_room(vkeys_t *k)
{
    if (2 * (k->n + 1) <= k->n_slots) {
        return 0;
    }
    size_t n = k->n_slots ? 2 * k->n_slots : 64;
    uint32_t *slot = malloc(n * sizeof *slot);
    uint32_t *gen = calloc(n, sizeof *gen);
    if (slot == NULL || gen == NULL || k->n >= UINT32_MAX - 1) {
        free(slot);
        free(gen);
        return BL_ENOMEM;
    }
    free(k->slot);
    free(k->slot_gen);
    k->slot = slot;
    k->slot_gen = gen;
    k->n_slots = n;
    k->gen = 1;
    for (size_t j = 0; j < k->n; j++) {
        size_t i = s_slot(k, k->text + k->e[j].at, k->e[j].len);
        k->slot[i] = (uint32_t)j + 1;
        k->slot_gen[i] = k->gen;
    }
    return 0;
}

/* Adds suffix s (len bytes, not in the table) with its line; at is its
 * free slot when the caller found one (SIZE_MAX: look it up). */
static int s_add(vkeys_t *k, const char *s, size_t len, uint64_t line,
                 bool fresh, size_t at)
{
    size_t slots = k->n_slots;
    if (s_room(k) != 0 || BL_GROW(k->e, k->cap, k->n + 1) != 0 ||
        BL_GROW(k->text, k->cap_text, k->n_text + len + 1) != 0) {
        return BL_ENOMEM;
    }
    size_t i = at != SIZE_MAX && slots == k->n_slots ? at : s_slot(k, s, len);
    memcpy(k->text + k->n_text, s, len);
    k->e[k->n] = (vkeys_entry_t){k->n_text, (uint16_t)len, fresh, line};
    k->n_text += len;
    k->slot[i] = (uint32_t)k->n + 1;
    k->slot_gen[i] = k->gen;
    k->n++;
    return 0;
}

/* Empties the table for the next run. */
static void s_clear(vkeys_t *k)
{
    k->n = 0;
    k->n_text = 0;
    k->in_run = false;
    if (++k->gen == 0) {   /* wrapped: no stale slot may match */
        if (k->n_slots > 0) {
            memset(k->slot_gen, 0, k->n_slots * sizeof *k->slot_gen);
        }
        k->gen = 1;
    }
}

/* Adds the keys of one stored entry of the run's provider (key bytes after
 * the provider in rest): an entry of this release (a run) or of an
 * earlier one (one key).  *blob says which. */
static int s_load_entry(vkeys_t *k, const unsigned char *rest, size_t rl,
                        const MDB_val *v, bool fresh, bool *blob)
{
    const unsigned char *p = v->mv_data;
    *blob = false;
    if (v->mv_size == 8) {
        /* an earlier release's entry: one key, its line */
        size_t at;
        return s_find(k, (const char *)rest, rl, &at) != NULL
                   ? 0
                   : s_add(k, (const char *)rest, rl, bl_store_u64_from(p),
                           false, at);
    }
    if (v->mv_size == 0 || p[0] != S_BLOB_TAG || rl != S_KEY_TAIL ||
        rest[0] != 0x1f || rest[1] != S_BLOB_TAG) {
        return 0;   /* (not ours: passed over) */
    }
    *blob = true;
    size_t at = 1;
    while (at + 2 <= v->mv_size) {
        size_t len = (size_t)p[at] | (size_t)p[at + 1] << 8;
        if (at + 2 + len + 8 > v->mv_size) {
            break;
        }
        const char *s = (const char *)p + at + 2;
        size_t slot;
        if (s_find(k, s, len, &slot) == NULL &&
            s_add(k, s, len, bl_store_u64_from(p + at + 2 + len), fresh,
                  slot) != 0) {
            return BL_ENOMEM;
        }
        at += 2 + len + 8;
    }
    return 0;
}

/* Reads the provider's stored entries of the file; with fold, the runs'
 * entries are deleted and their keys become fresh (stored again as one).
 * *runs counts the runs' entries. */
static int s_load(vkeys_t *k, const unsigned char *prefix, size_t pl,
                  bool fold, size_t *runs, bl_err_t *err)
{
    *runs = 0;
    MDB_val key = {pl, (void *)prefix}, v;
    int rc = mdb_cursor_get(k->cur, &key, &v, MDB_SET_RANGE);
    while (rc == 0) {
        const unsigned char *kb = key.mv_data;
        if (key.mv_size < pl || memcmp(kb, prefix, pl) != 0 ||
            (key.mv_size > pl && kb[pl] != 0x1f)) {
            break;   /* past the provider's entries */
        }
        bool blob;
        int lrc = s_load_entry(k, kb + pl, key.mv_size - pl, &v, fold,
                               &blob);
        if (lrc != 0) {
            return bl_err_set(err, lrc, "out of memory");
        }
        *runs += blob;
        if (blob && fold) {
            rc = mdb_cursor_del(k->cur, 0);
            if (rc != 0) {
                return bl_store_fail(err, rc, "keys: fold");
            }
        }
        /* (after a delete, MDB_NEXT gives the entry that moved under the
         * cursor) */
        rc = mdb_cursor_get(k->cur, &key, &v, MDB_NEXT);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return bl_store_fail(err, rc, "keys: read");
    }
    return 0;
}

/* Starts the run of the provider key (pl bytes): the keys its earlier
 * runs in the file left. */
static int s_start_run(vkeys_t *k, const char *key, size_t pl, bl_err_t *err)
{
    unsigned char prefix[BL_STORE_KEY_MAX + 1];
    size_t fl = vsub_key(k->sub, key, pl, prefix, sizeof prefix);
    if (fl == 0 || fl + S_KEY_TAIL > BL_STORE_KEY_MAX) {
        return BL_ETOOBIG;
    }
    s_clear(k);
    memcpy(k->provider, prefix, fl);
    k->pl = fl;
    k->in_run = true;
    size_t runs;
    int rc = s_load(k, prefix, fl, false, &runs, err);
    if (rc == 0 && runs > S_KEYS_RUNS_MAX) {
        s_clear(k);
        k->in_run = true;
        rc = s_load(k, prefix, fl, true, &runs, err);
    }
    return rc;
}

int vkeys_check(vkeys_t *k, const char *key, size_t kl, uint64_t line,
                uint64_t *first, bl_err_t *err)
{
    *first = line;
    if (k->sl + kl > BL_STORE_KEY_MAX) {
        return BL_ETOOBIG;
    }
    if (k->cur == NULL) {
        int rc = mdb_cursor_open(k->txn, k->dbi, &k->cur);
        if (rc != 0) {
            k->cur = NULL;
            return bl_store_fail(err, rc, "keys: cursor");
        }
    }
    const char *end = memchr(key, 0x1f, kl);
    size_t pl = end != NULL ? (size_t)(end - key) : kl;
    if (!k->in_run || k->pl != k->sl + pl ||
        memcmp(k->provider + k->sl, key, pl) != 0) {
        int rc = vkeys_flush(k, err);
        if (rc == 0) {
            rc = s_start_run(k, key, pl, err);
        }
        if (rc != 0) {
            return rc;
        }
    }
    size_t at;
    const vkeys_entry_t *e = s_find(k, key + pl, kl - pl, &at);
    if (e != NULL) {
        *first = e->line;
        return 0;
    }
    if (s_add(k, key + pl, kl - pl, line, true, at) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    return 0;
}

int vkeys_flush(vkeys_t *k, bl_err_t *err)
{
    if (!k->in_run) {
        return 0;
    }
    size_t size = 1, n_fresh = 0;
    uint64_t low = UINT64_MAX;
    for (size_t j = 0; j < k->n; j++) {
        if (k->e[j].fresh) {
            size += 2 + k->e[j].len + 8;
            low = k->e[j].line < low ? k->e[j].line : low;
            n_fresh++;
        }
    }
    int rc = 0;
    if (n_fresh > 0) {
        unsigned char key[BL_STORE_KEY_MAX + 1];
        memcpy(key, k->provider, k->pl);
        key[k->pl] = 0x1f;
        key[k->pl + 1] = S_BLOB_TAG;
        bl_store_u64_key(low, key + k->pl + 2);   /* runs in line order */
        MDB_val mk = {k->pl + S_KEY_TAIL, key}, mv = {size, NULL};
        rc = mdb_cursor_put(k->cur, &mk, &mv, MDB_RESERVE);
        if (rc != 0) {
            rc = bl_store_fail(err, rc, "keys: put");
        } else {
            unsigned char *p = mv.mv_data;
            size_t at = 1;
            p[0] = S_BLOB_TAG;
            for (size_t j = 0; j < k->n; j++) {
                const vkeys_entry_t *e = &k->e[j];
                if (!e->fresh) {
                    continue;
                }
                p[at] = (unsigned char)(e->len & 0xff);
                p[at + 1] = (unsigned char)(e->len >> 8);
                memcpy(p + at + 2, k->text + e->at, e->len);
                bl_store_u64_key(e->line, p + at + 2 + e->len);
                at += 2 + e->len + 8;
            }
        }
    }
    s_clear(k);
    return rc;
}
