/*
 * validate_keys: a file's row keys kept per message and provider, for the
 * repeat check (see validate_keys.h).
 */
#include "validate_keys.h"

#include <stdlib.h>
#include <string.h>

#include "bl_hash.h"
#include "bl_page.h"
#include "bl_vec.h"
#include "validate_submission.h"

/* A provider's entries of one file read when its first row of a message
 * comes: more are folded into one (a file in another order than by
 * provider leaves one per message the provider has rows in). */
#define S_KEYS_RUNS_MAX 8
#define S_BLOB_TAG 0x01
/* The bytes after the provider in an entry's key: \x1f \x01, line. */
#define S_KEY_TAIL 10
/* A provider with more keys of earlier messages than this has them put
 * into the table at its second row of a message. */
#define S_SCAN_MAX 32

static void s_clear(vkeys_t *k);

void vkeys_init(vkeys_t *k)
{
    memset(k, 0, sizeof *k);
}

void vkeys_begin(vkeys_t *k, MDB_txn *txn, MDB_dbi dbi, const char *sub)
{
    s_clear(k);
    k->txn = txn;
    k->dbi = dbi;
    k->cur = NULL;
    k->sub = sub;
    k->sl = strlen(sub) + 1;
}

void vkeys_end(vkeys_t *k)
{
    if (k->cur != NULL) {
        mdb_cursor_close(k->cur);
        k->cur = NULL;
    }
    s_clear(k);
    k->txn = NULL;
    k->sub = NULL;
}

int vkeys_forget(MDB_txn *txn, MDB_dbi dbi, const char *sub, bl_err_t *err)
{
    /* the submission id and its NUL: "A" does not take "AB"'s keys */
    return bl_page_delete(txn, dbi, sub, strlen(sub) + 1, err);
}

void vkeys_free(vkeys_t *k)
{
    vkeys_end(k);
    free(k->e);
    free(k->stored);
    free(k->provs);
    free(k->text);
    free(k->slot);
    free(k->slot_gen);
    memset(k, 0, sizeof *k);
}

/* The slot of (prov, suffix s of len bytes): where it is, or the free one
 * where it would go. */
static size_t s_slot(const vkeys_t *k, uint32_t prov, const char *s,
                     size_t len)
{
    size_t mask = k->n_slots - 1;
    size_t i = (size_t)(bl_hash_words(s, len) ^
                        (uint64_t)prov * 0x9e3779b97f4a7c15u) &
               mask;
    while (k->slot_gen[i] == k->gen) {
        const vkeys_entry_t *e = &k->e[k->slot[i] - 1];
        if (e->prov == prov && e->len == len &&
            memcmp(k->text + e->at, s, len) == 0) {
            break;
        }
        i = (i + 1) & mask;
    }
    return i;
}

/* The entry of (prov, s), or NULL with its free slot in *at (SIZE_MAX
 * when the table is empty). */
static const vkeys_entry_t *s_find(const vkeys_t *k, uint32_t prov,
                                   const char *s, size_t len, size_t *at)
{
    *at = SIZE_MAX;
    if (k->n_slots == 0) {
        return NULL;
    }
    size_t i = s_slot(k, prov, s, len);
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
        size_t i = s_slot(k, k->e[j].prov, k->text + k->e[j].at,
                          k->e[j].len);
        k->slot[i] = (uint32_t)j + 1;
        k->slot_gen[i] = k->gen;
    }
    return 0;
}

/* Marks entry j fresh: it goes into its provider's entry at the flush. */
static void s_chain_fresh(vkeys_t *k, size_t j)
{
    vkeys_entry_t *e = &k->e[j];
    vkeys_prov_t *p = &k->provs[e->prov];
    e->fresh = true;
    e->next_fresh = 0;
    if (p->last_fresh != 0) {
        k->e[p->last_fresh - 1].next_fresh = (uint32_t)j + 1;
    } else {
        p->first_fresh = (uint32_t)j + 1;
    }
    p->last_fresh = (uint32_t)j + 1;
}

/* Adds (prov, the suffix of len bytes at text + t), not in the table,
 * with its line; at is its free slot when the caller found one (SIZE_MAX:
 * look it up). */
static int s_add_at(vkeys_t *k, uint32_t prov, size_t t, size_t len,
                    uint64_t line, bool fresh, size_t at)
{
    size_t slots = k->n_slots;
    if (len > UINT16_MAX || s_room(k) != 0 ||
        BL_GROW(k->e, k->cap, k->n + 1) != 0) {
        return BL_ENOMEM;
    }
    size_t i = at != SIZE_MAX && slots == k->n_slots
                   ? at
                   : s_slot(k, prov, k->text + t, len);
    k->e[k->n] = (vkeys_entry_t){t, (uint16_t)len, false, prov, 0, line};
    if (fresh) {
        s_chain_fresh(k, k->n);
    }
    k->slot[i] = (uint32_t)k->n + 1;
    k->slot_gen[i] = k->gen;
    k->n++;
    return 0;
}

/* s_add_at for a suffix s not yet in the text. */
static int s_add(vkeys_t *k, uint32_t prov, const char *s, size_t len,
                 uint64_t line, bool fresh, size_t at)
{
    size_t t;
    return bl_vec_append(&k->text, &k->cap_text, &k->n_text, s, len, &t) != 0
               ? BL_ENOMEM
               : s_add_at(k, prov, t, len, line, fresh, at);
}

/* Empties the table for the next message. */
static void s_clear(vkeys_t *k)
{
    k->n = 0;
    k->n_text = 0;
    k->n_stored = 0;
    k->n_provs = 0;
    k->last_prov = 0;
    if (++k->gen == 0) {   /* wrapped: no stale slot may match */
        if (k->n_slots > 0) {
            memset(k->slot_gen, 0, k->n_slots * sizeof *k->slot_gen);
        }
        k->gen = 1;
    }
}

/* Keeps one key read back (its suffix s, len bytes) in stored. */
static int s_keep_stored(vkeys_t *k, const void *s, size_t len,
                         uint64_t line, bool in_blob)
{
    size_t t;
    if (len > UINT16_MAX ||
        BL_GROW(k->stored, k->cap_stored, k->n_stored + 1) != 0 ||
        bl_vec_append(&k->text, &k->cap_text, &k->n_text, s, len, &t) !=
            0) {
        return BL_ENOMEM;
    }
    k->stored[k->n_stored++] =
        (vkeys_stored_t){t, (uint16_t)len, in_blob, line};
    return 0;
}

/* Reads the keys of one stored entry (key bytes after the provider in
 * rest): an entry of this release (a message's keys) or of an earlier
 * one (one key).  *blob says which. */
static int s_load_entry(vkeys_t *k, const unsigned char *rest, size_t rl,
                        const MDB_val *v, bool *blob)
{
    const unsigned char *p = v->mv_data;
    *blob = false;
    if (v->mv_size == 8) {
        /* an earlier release's entry: one key, its line */
        return s_keep_stored(k, rest, rl, bl_store_u64_from(p), false);
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
        if (s_keep_stored(k, p + at + 2, len,
                          bl_store_u64_from(p + at + 2 + len), true) != 0) {
            return BL_ENOMEM;
        }
        at += 2 + len + 8;
    }
    return 0;
}

/* Whether the stored key kb (kl bytes) is one of the provider's whose
 * prefix (sub \0 provider) is pl bytes. */
static bool s_of_provider(const unsigned char *kb, size_t kl,
                          const unsigned char *prefix, size_t pl)
{
    return kl >= pl && memcmp(kb, prefix, pl) == 0 &&
           (kl == pl || kb[pl] == 0x1f);
}

/* Reads the stored entries of the provider (prefix, pl bytes) of the
 * file into stored; *runs counts those of this release. */
static int s_load(vkeys_t *k, const unsigned char *prefix, size_t pl,
                  size_t *runs, bl_err_t *err)
{
    *runs = 0;
    MDB_val key = {pl, (void *)prefix}, v;
    int rc = mdb_cursor_get(k->cur, &key, &v, MDB_SET_RANGE);
    while (rc == 0 && s_of_provider(key.mv_data, key.mv_size, prefix, pl)) {
        const unsigned char *kb = key.mv_data;
        bool blob;
        if (s_load_entry(k, kb + pl, key.mv_size - pl, &v, &blob) != 0) {
            return bl_err_set(err, BL_ENOMEM, "out of memory");
        }
        *runs += blob;
        rc = mdb_cursor_get(k->cur, &key, &v, MDB_NEXT);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return bl_store_fail(err, rc, "keys: read");
    }
    return 0;
}

/* Puts provider prov's keys read back into the table; with fresh, those
 * of this release's entries become fresh (stored again as one). */
static int s_index(vkeys_t *k, uint32_t prov, bool fresh)
{
    vkeys_prov_t *p = &k->provs[prov];
    for (size_t j = p->lo; j < p->hi; j++) {
        const vkeys_stored_t *st = &k->stored[j];
        size_t at;
        if (s_find(k, prov, k->text + st->at, st->len, &at) == NULL &&
            s_add_at(k, prov, st->at, st->len, st->line,
                     fresh && st->in_blob, at) != 0) {
            return BL_ENOMEM;
        }
    }
    p->indexed = true;
    return 0;
}

/* Folds the provider's entries of this release (prefix, pl bytes) into
 * one: its keys go into the table, those of the entries fresh, and the
 * entries are deleted. */
static int s_fold(vkeys_t *k, uint32_t prov, const unsigned char *prefix,
                  size_t pl, bl_err_t *err)
{
    if (s_index(k, prov, true) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    MDB_val key = {pl, (void *)prefix}, v;
    int rc = mdb_cursor_get(k->cur, &key, &v, MDB_SET_RANGE);
    while (rc == 0 && s_of_provider(key.mv_data, key.mv_size, prefix, pl)) {
        const unsigned char *kb = key.mv_data;
        if (key.mv_size == pl + S_KEY_TAIL && kb[pl + 1] == S_BLOB_TAG) {
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
        return bl_store_fail(err, rc, "keys: fold");
    }
    return 0;
}

/* The provider of the row key key (its first pl bytes) in *prov: found,
 * or added with the keys its earlier messages left read back. */
static int s_provider(vkeys_t *k, const char *key, size_t pl, uint32_t *prov,
                      bl_err_t *err)
{
    if (k->last_prov != 0) {
        const vkeys_prov_t *p = &k->provs[k->last_prov - 1];
        if (p->len == pl && memcmp(k->text + p->at, key, pl) == 0) {
            *prov = k->last_prov - 1;
            return 0;
        }
    }
    size_t at;
    const vkeys_entry_t *e = s_find(k, VKEYS_PROVIDER, key, pl, &at);
    if (e != NULL) {
        *prov = (uint32_t)e->line;
        k->last_prov = *prov + 1;
        return 0;
    }
    unsigned char prefix[BL_STORE_KEY_MAX + 1];
    size_t fl = vsub_key(k->sub, key, pl, prefix, sizeof prefix);
    if (fl == 0 || fl + S_KEY_TAIL > BL_STORE_KEY_MAX ||
        k->n_provs >= UINT32_MAX - 1) {
        return BL_ETOOBIG;
    }
    if (BL_GROW(k->provs, k->cap_provs, k->n_provs + 1) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    *prov = (uint32_t)k->n_provs;
    if (s_add(k, VKEYS_PROVIDER, key, pl, *prov, false, at) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    vkeys_prov_t *p = &k->provs[k->n_provs++];
    *p = (vkeys_prov_t){.at = k->e[k->n - 1].at, .len = pl};
    k->last_prov = *prov + 1;
    size_t runs;
    p->lo = k->n_stored;
    int rc = s_load(k, prefix, fl, &runs, err);
    p = &k->provs[*prov];
    p->hi = k->n_stored;
    if (rc == 0 && runs > S_KEYS_RUNS_MAX) {
        rc = s_fold(k, *prov, prefix, fl, err);
    }
    return rc;
}

/* The line of provider p's key suffix s (len bytes) among the keys its
 * earlier messages left, looked through in order, or 0. */
static uint64_t s_scan_stored(const vkeys_t *k, const vkeys_prov_t *p,
                              const char *s, size_t len)
{
    for (size_t j = p->lo; j < p->hi; j++) {
        const vkeys_stored_t *st = &k->stored[j];
        if (st->len == len && memcmp(k->text + st->at, s, len) == 0) {
            return st->line;
        }
    }
    return 0;
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
    uint32_t prov;
    int rc = s_provider(k, key, pl, &prov, err);
    if (rc != 0) {
        return rc;
    }
    vkeys_prov_t *p = &k->provs[prov];
    if (!p->indexed && ++p->checks >= 2 && p->hi - p->lo > S_SCAN_MAX &&
        s_index(k, prov, false) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    size_t at;
    const vkeys_entry_t *e = s_find(k, prov, key + pl, kl - pl, &at);
    if (e != NULL) {
        *first = e->line;
        return 0;
    }
    uint64_t was = p->indexed ? 0 : s_scan_stored(k, p, key + pl, kl - pl);
    if (was != 0) {
        *first = was;
        return 0;
    }
    if (s_add(k, prov, key + pl, kl - pl, line, true, at) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    return 0;
}

/* Stores provider p's fresh keys as one entry, keyed by their lowest
 * line. */
static int s_store_provider(vkeys_t *k, const vkeys_prov_t *p,
                            bl_err_t *err)
{
    size_t size = 1;
    uint64_t low = UINT64_MAX;
    for (uint32_t j = p->first_fresh; j != 0; j = k->e[j - 1].next_fresh) {
        const vkeys_entry_t *e = &k->e[j - 1];
        size += 2 + e->len + 8;
        low = e->line < low ? e->line : low;
    }
    unsigned char key[BL_STORE_KEY_MAX + 1];
    size_t fl = vsub_key(k->sub, k->text + p->at, p->len, key, sizeof key);
    if (fl == 0 || fl + S_KEY_TAIL > sizeof key) {
        return BL_ETOOBIG;   /* (s_provider refused it first) */
    }
    key[fl] = 0x1f;
    key[fl + 1] = S_BLOB_TAG;
    bl_store_u64_key(low, key + fl + 2);   /* in line order */
    MDB_val mk = {fl + S_KEY_TAIL, key}, mv = {size, NULL};
    int rc = mdb_cursor_put(k->cur, &mk, &mv, MDB_RESERVE);
    if (rc != 0) {
        return bl_store_fail(err, rc, "keys: put");
    }
    unsigned char *d = mv.mv_data;
    size_t at = 1;
    d[0] = S_BLOB_TAG;
    for (uint32_t j = p->first_fresh; j != 0; j = k->e[j - 1].next_fresh) {
        const vkeys_entry_t *e = &k->e[j - 1];
        d[at] = (unsigned char)(e->len & 0xff);
        d[at + 1] = (unsigned char)(e->len >> 8);
        memcpy(d + at + 2, k->text + e->at, e->len);
        bl_store_u64_key(e->line, d + at + 2 + e->len);
        at += 2 + e->len + 8;
    }
    return 0;
}

int vkeys_flush(vkeys_t *k, bl_err_t *err)
{
    int rc = 0;
    for (size_t i = 0; i < k->n_provs && rc == 0; i++) {
        if (k->provs[i].first_fresh != 0) {
            rc = s_store_provider(k, &k->provs[i], err);
        }
    }
    s_clear(k);
    return rc;
}
