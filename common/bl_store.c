/*
 * bl_store: LMDB environment set-up, replayable write transactions that grow
 * the map when it fills, and small typed helpers.  Durability: default sync
 * on commit (no MDB_NOSYNC), because what we commit we acknowledge;
 * MDB_WRITEMAP keeps large transactions off the heap (the data file is
 * sparse, as large as the map); stages of many small transactions keep
 * them on the heap instead (bl_store_mode_t).
 */
#include "bl_store.h"

#include "bl_disk.h"
#include "bl_vec.h"
#include "bl_fs.h"
#include "bl_log.h"
#include "bl_prefault.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>
#include <string.h>

#include <stdlib.h>

struct bl_store {
    MDB_env *env;                    /* the environment */
    size_t n_dbs;                    /* named databases opened */
    MDB_dbi dbs[BL_STORE_DBS_MAX];   /* their handles, in open order */
    size_t map_size;                 /* current map size, bytes */
    char *dir;                       /* the store's directory */
    uint64_t reserve;                /* free bytes kept; 0 = no check */
    uint64_t allocated;              /* data file bytes known allocated */
    uint64_t max_growth;             /* most one transaction added, bytes */
    uint64_t expect;                 /* map bytes the replayed transaction
                                        asked for (bl_store_expect) */
    char *advised_map;               /* where s_advise found the map, */
    size_t advised_map_size;         /* when it was this large, */
    size_t advised_used;             /* and the boundary it advised */
    bl_prefault_t prefault;          /* pages to be written, read ahead */
};

#define S_MB ((uint64_t)1 << 20)

/* At most this much is read ahead of the pages in use (bl_store_prefault):
 * the most a close of 50,000 providers writes. */
#define S_PREFAULT_MAX (1024 * S_MB)

/* The map a store starts with: address space and a sparse data file, not
 * disk (s_ensure_pages allocates what is in use and a margin).  Large
 * enough that a node of 50,000 providers never grows it: each growth
 * runs the transaction that found the map full again (a close lost the
 * values messages of its batch and their time). */
#define S_DEFAULT_MAP ((size_t)16 << 30)

int bl_store_fail(bl_err_t *err, int rc, const char *what)
{
    int code = BL_ESTORE;
    if (rc == MDB_MAP_FULL) {
        code = MDB_MAP_FULL;
    } else if (rc == ENOSPC || rc == EDQUOT) {
        code = BL_ENOSPC;
    }
    return bl_err_set(err, code, "%s: %s", what, mdb_strerror(rc));
}

int bl_store_cursor(MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cur,
                    bl_err_t *err)
{
    int rc = mdb_cursor_open(txn, dbi, cur);
    if (rc != 0) {
        *cur = NULL;
        return bl_store_fail(err, rc, "mdb_cursor_open");
    }
    return 0;
}

int bl_store_open(bl_store_t **out, const char *dir, const char *const *names,
                  size_t n_names, size_t map_size, bl_err_t *err)
{
    return bl_store_open_mode(out, dir, names, n_names, map_size,
                              BL_STORE_MAPPED, err);
}

int bl_store_open_mode(bl_store_t **out, const char *dir,
                       const char *const *names, size_t n_names,
                       size_t map_size, bl_store_mode_t mode,
                       bl_err_t *err)
{
    *out = NULL;
    if (n_names > BL_STORE_DBS_MAX) {
        return bl_err_set(err, BL_EINVAL, "too many databases");
    }
    int rc = bl_fs_mkdirs(dir, 0750);
    if (rc != 0) {
        return bl_err_set(err, rc, "cannot create '%s': %s", dir,
                          strerror(-rc));
    }
    bl_store_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    s->map_size = map_size ? map_size : S_DEFAULT_MAP;
    s->dir = strdup(dir);
    if (s->dir == NULL) {
        free(s);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    MDB_txn *txn = NULL;
    rc = mdb_env_create(&s->env);
    if (rc != 0) {
        bl_store_fail(err, rc, "mdb_env_create");
        goto fail_create;
    }
    if ((rc = mdb_env_set_maxdbs(s->env, BL_STORE_DBS_MAX)) != 0 ||
        (rc = mdb_env_set_mapsize(s->env, s->map_size)) != 0 ||
        (rc = mdb_env_set_maxreaders(s->env, 126)) != 0) {
        bl_store_fail(err, rc, "mdb_env_set");
        goto fail_env;
    }
    /* MDB_WRITEMAP (BL_STORE_MAPPED): a transaction's dirty pages live in
     * the map, not on the heap, so a close that writes millions of rows
     * does not need gigabytes of memory.  Commits sync in either mode.
     * (Readahead is off only past the pages in use: s_advise.) */
    unsigned flags = MDB_NOTLS | (mode == BL_STORE_MAPPED ? MDB_WRITEMAP : 0);
    rc = mdb_env_open(s->env, dir, flags, 0640);
    if (rc != 0) {
        bl_err_set(err, BL_ESTORE, "cannot open store '%s': %s", dir,
                   mdb_strerror(rc));
        goto fail_env;
    }
    /* A crashed process may have left reader slots that pin old pages. */
    int dead = 0;
    rc = mdb_reader_check(s->env, &dead);
    if (rc != 0) {
        bl_store_fail(err, rc, "mdb_reader_check");
        goto fail_env;
    }
    /* The file may already be larger than our initial map. */
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->map_size) {
        s->map_size = info.me_mapsize;
    }
    rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0) {
        bl_store_fail(err, rc, "mdb_txn_begin");
        goto fail_env;
    }
    for (size_t i = 0; i < n_names; i++) {
        rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &s->dbs[i]);
        if (rc != 0) {
            bl_err_set(err, BL_ESTORE, "cannot open database '%s': %s",
                       names[i], mdb_strerror(rc));
            goto fail_txn;
        }
    }
    s->n_dbs = n_names;
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        bl_store_fail(err, rc, "mdb_txn_commit");
        goto fail_env;
    }
    *out = s;
    return 0;

fail_txn:
    mdb_txn_abort(txn);
fail_env:
    mdb_env_close(s->env);
fail_create:
    free(s->dir);
    free(s);
    return err ? err->code : BL_ESTORE;
}

void bl_store_close(bl_store_t **s)
{
    if (s == NULL || *s == NULL) {
        return;
    }
    bl_prefault_stop(&(*s)->prefault);
    mdb_env_close((*s)->env);
    free((*s)->dir);
    free(*s);
    *s = NULL;
}

MDB_dbi bl_store_dbi(const bl_store_t *s, size_t i)
{
    return s->dbs[i];
}

/* Another process grew the map: adopt the new size. */
static int s_begin(bl_store_t *s, unsigned flags, MDB_txn **txn)
{
    int rc = mdb_txn_begin(s->env, NULL, flags, txn);
    if (rc == MDB_MAP_RESIZED) {
        bl_prefault_stop(&s->prefault);   /* the map moves */
        rc = mdb_env_set_mapsize(s->env, 0);
        if (rc == 0) {
            MDB_envinfo info;
            if (mdb_env_info(s->env, &info) == 0) {
                s->map_size = info.me_mapsize;
            }
            rc = mdb_txn_begin(s->env, NULL, flags, txn);
        }
    }
    return rc;
}

static int s_grow(bl_store_t *s, bl_err_t *err)
{
    size_t next = s->map_size * 2;
    if (s->expect > next) {
        /* what the transaction said it needs, and a quarter more */
        uint64_t want = s->expect + s->expect / 4;
        next = want < SIZE_MAX ? (size_t)want : SIZE_MAX;
    }
    s->expect = 0;
    bl_prefault_stop(&s->prefault);   /* the map moves */
    int rc = mdb_env_set_mapsize(s->env, next);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_env_set_mapsize");
    }
    s->map_size = next;
    return 0;
}

int bl_store_expect(bl_store_t *s, uint64_t bytes)
{
    uint64_t used = bl_store_used(s);
    if (bytes > UINT64_MAX - used || used + bytes <= s->map_size) {
        return 0;
    }
    s->expect = used + bytes;
    return MDB_MAP_FULL;
}

void bl_store_set_reserve(bl_store_t *s, uint64_t bytes)
{
    s->reserve = bytes;
}

int bl_store_room(bl_store_t *s, bl_err_t *err)
{
    if (s->reserve == 0) {
        return 0;
    }
    return bl_disk_check(s->dir, s->reserve, NULL, err);
}

int bl_store_free(bl_store_t *s, uint64_t *free_bytes)
{
    return bl_disk_free(s->dir, free_bytes);
}

const char *bl_store_dir(const bl_store_t *s)
{
    return s->dir;
}

/* Where the data file is mapped.  LMDB does not tell (mdb_env_info's
 * me_mapaddr is the fixed address asked for, NULL without MDB_FIXEDMAP), so
 * the mapping of data.mdb's inode is looked up in /proc/self/maps; NULL
 * where there is none (the advice is then skipped). */
static char *s_map_base(const bl_store_t *s)
{
    int fd = -1;
    struct stat st;
    if (mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &st) != 0) {
        return NULL;
    }
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL) {
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    char *base = NULL;
    size_t best = 0;
    while (getline(&line, &cap, f) > 0) {
        unsigned long start = 0, end = 0, off = 0, ino = 0;
        char perms[8];
        char dev[32];
        if (sscanf(line, "%lx-%lx %7s %lx %31s %lu", &start, &end, perms,
                   &off, dev, &ino) == 6 &&
            ino == (unsigned long)st.st_ino && off == 0 && end > start &&
            end - start > best) {
            best = end - start;
            base = (char *)(uintptr_t)start;
        }
    }
    free(line);
    fclose(f);
    return base;
}

/* Readahead for the pages in use, none past them.  With MDB_WRITEMAP a
 * write to a new page is a fault on the preallocated, never written part
 * of the file, and readahead there brought in whole windows of pages the
 * kernel zeroed first: a quarter of a close's CPU.  Without readahead on
 * the pages in use, though (MDB_NORDAHEAD), a scan of a store the page
 * cache had dropped (after a period's 30 GB of reports) read them one by
 * one: a close's load went from 0.4 to 7.7 s.  The advice holds for the
 * map as it is mapped now: given again when the map moved or the pages in
 * use grew past the boundary (used: bl_store_used).  (It did nothing
 * until the map was found through s_map_base: the kernel zeroed a
 * quarter of validation's CPU too.) */
static void s_advise(bl_store_t *s, size_t used)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) {
        return;
    }
    used -= used % (size_t)page;
    if (s->advised_map_size != s->map_size) {
        s->advised_map_size = s->map_size;
        s->advised_map = s_map_base(s);
        s->advised_used = SIZE_MAX;
    }
    if (s->advised_map == NULL || used == s->advised_used) {
        return;
    }
    s->advised_used = used;
    char *map = s->advised_map;
    if (used > 0) {
        (void)madvise(map, used, MADV_NORMAL);
    }
    if (used < s->map_size) {
        (void)madvise(map + used, s->map_size - used, MADV_RANDOM);
    }
}

/* With MDB_WRITEMAP, LMDB writes new pages through the shared map: a page
 * in a hole of the sparse data file on a full filesystem is a SIGBUS, not
 * an error.  So before each write transaction the file gets real blocks up
 * to what is in use plus a margin that one transaction of ours fits in (a
 * quarter of the reserve, 1 to 16 MB); a filesystem without room for that
 * refuses the write here, cleanly. */
static int s_ensure_pages(bl_store_t *s, bl_err_t *err)
{
    size_t used = bl_store_used(s);
    s_advise(s, used);
    if (s->allocated == UINT64_MAX) {
        return 0;
    }
    uint64_t margin = s->reserve / 4;
    if (margin < S_MB) {
        margin = S_MB;
    } else if (margin > 16 * S_MB) {
        margin = 16 * S_MB;
    }
    /* A store whose transactions grow larger (a close) gets room for twice
     * the largest seen, up to 1 GiB. */
    uint64_t seen = s->max_growth * 2;
    if (seen > 1024 * S_MB) {
        seen = 1024 * S_MB;
    }
    if (seen > margin) {
        margin = seen;
    }
    uint64_t want = (uint64_t)used + margin;
    if (want > s->map_size) {
        want = s->map_size;
    }
    if (want <= s->allocated) {
        return 0;
    }
    int fd = -1;
    int rc = mdb_env_get_fd(s->env, &fd);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_env_get_fd");
    }
    /* Allocate in whole margins so this runs once per margin written. */
    want = s->allocated + ((want - s->allocated + margin - 1) / margin) *
                              margin;
    if (want > s->map_size) {
        want = s->map_size;
    }
    rc = bl_disk_ensure(fd, want, &s->allocated, err);
    if (rc == BL_ENOSPC) {
        uint64_t avail = 0;
        bl_disk_free(s->dir, &avail);
        return bl_err_set(err, BL_ENOSPC,
                          "node out of disk space in %s (%llu MB free, %llu "
                          "MB reserve)", s->dir,
                          (unsigned long long)(avail / S_MB),
                          (unsigned long long)((s->reserve + S_MB - 1) /
                                               S_MB));
    }
    return rc;
}

void bl_store_prefault(bl_store_t *s, uint64_t bytes)
{
    size_t used = bl_store_used(s);
    uint64_t to = bytes > UINT64_MAX - used ? UINT64_MAX : used + bytes;
    if (to > used + S_PREFAULT_MAX) {
        to = used + S_PREFAULT_MAX;
    }
    if (to > s->map_size) {
        to = s->map_size;
    }
    if (s->advised_map != NULL && s->advised_map_size == s->map_size &&
        to > used) {
        bl_prefault_range(&s->prefault, s->advised_map, used, (size_t)to);
    }
}

int bl_store_write(bl_store_t *s, bl_store_write_fn fn, void *ctx,
                   bl_err_t *err)
{
    int erc = s_ensure_pages(s, err);
    if (erc != 0) {
        return erc;
    }
    size_t before = bl_store_used(s);
    for (int attempt = 0; attempt < 40; attempt++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        MDB_txn *txn;
        int rc = s_begin(s, 0, &txn);
        if (rc != 0) {
            return bl_store_fail(err, rc, "mdb_txn_begin");
        }
        rc = fn(ctx, txn, err);
        if (rc == 0) {
            rc = mdb_txn_commit(txn);
            if (rc == 0) {
                size_t after = bl_store_used(s);
                if (after > before && after - before > s->max_growth) {
                    s->max_growth = after - before;
                }
                return 0;
            }
            if (rc != MDB_MAP_FULL) {
                return bl_store_fail(err, rc, "mdb_txn_commit");
            }
        } else {
            mdb_txn_abort(txn);
            if (rc != MDB_MAP_FULL) {
                return rc;
            }
        }
        /* MDB_MAP_FULL: the transaction is dead; grow and replay. */
        size_t was = s->map_size;
        rc = s_grow(s, err);
        if (rc != 0) {
            return rc;
        }
        s_advise(s, bl_store_used(s));   /* the map moved */
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        bl_log(BL_LOG_INFO, "store map grown dir=%s from_mb=%zu to_mb=%zu "
               "lost_s=%.2f (the transaction runs again)", s->dir, was >> 20,
               s->map_size >> 20,
               (double)(t1.tv_sec - t0.tv_sec) +
                   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        bl_err_clear(err);
    }
    return bl_err_set(err, BL_ESTORE, "store keeps filling up");
}

int bl_store_read(bl_store_t *s, MDB_txn **txn, bl_err_t *err)
{
    int rc = s_begin(s, MDB_RDONLY, txn);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_txn_begin");
    }
    return 0;
}

int bl_store_count(bl_store_t *s, MDB_dbi dbi, uint64_t *n, bl_err_t *err)
{
    MDB_txn *txn;
    int rc = bl_store_read(s, &txn, err);
    if (rc != 0) {
        return rc;
    }
    MDB_stat st;
    rc = mdb_stat(txn, dbi, &st);
    mdb_txn_abort(txn);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_stat");
    }
    *n = st.ms_entries;
    return 0;
}

size_t bl_store_used(bl_store_t *s)
{
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0) {
        return 0;
    }
    return (size_t)(info.me_last_pgno + 1) * st.ms_psize;
}

size_t bl_store_map_size(bl_store_t *s)
{
    return s->map_size;
}

int bl_store_put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 const void *val, size_t vlen, bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return bl_err_set(err, BL_EINVAL, "store key of %zu bytes", klen);
    }
    MDB_val k = {klen, (void *)key};
    MDB_val v = {vlen, (void *)val};
    int rc = mdb_put(txn, dbi, &k, &v, 0);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_put");
    }
    return 0;
}

int bl_store_cursor_put(MDB_cursor *cur, const void *key, size_t klen,
                        const void *val, size_t vlen, bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return bl_err_set(err, BL_EINVAL, "store key of %zu bytes", klen);
    }
    MDB_val k = {klen, (void *)key};
    MDB_val v = {vlen, (void *)val};
    int rc = mdb_cursor_put(cur, &k, &v, 0);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_cursor_put");
    }
    return 0;
}

int bl_store_append(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                    const void *val, size_t vlen, bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return bl_err_set(err, BL_EINVAL, "store key of %zu bytes", klen);
    }
    MDB_val k = {klen, (void *)key};
    MDB_val v = {vlen, (void *)val};
    int rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND);
    if (rc == MDB_KEYEXIST) {   /* not after the last key: put it */
        return bl_store_put(txn, dbi, key, klen, val, vlen, err);
    }
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_put");
    }
    return 0;
}

int bl_store_put_new(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                     const void *val, size_t vlen, MDB_val *old,
                     bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return bl_err_set(err, BL_EINVAL, "store key of %zu bytes", klen);
    }
    MDB_val k = {klen, (void *)key};
    MDB_val v = {vlen, (void *)val};
    int rc = mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE | MDB_APPEND);
    if (rc == MDB_KEYEXIST) {
        /* not after the last key: there already, or to go in between */
        v.mv_size = vlen;
        v.mv_data = (void *)val;
        rc = mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST) {
            *old = v;   /* LMDB points v at the stored value */
            return 1;
        }
    }
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_put");
    }
    return 0;
}

int bl_store_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 MDB_val *val, bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return BL_ENOTFOUND;
    }
    MDB_val k = {klen, (void *)key};
    int rc = mdb_get(txn, dbi, &k, val);
    if (rc == MDB_NOTFOUND) {
        return BL_ENOTFOUND;
    }
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_get");
    }
    return 0;
}

int bl_store_del(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return 0;
    }
    MDB_val k = {klen, (void *)key};
    int rc = mdb_del(txn, dbi, &k, NULL);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return bl_store_fail(err, rc, "mdb_del");
    }
    return 0;
}

void bl_store_u64_key(uint64_t v, unsigned char out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

uint64_t bl_store_u64_from(const void *key)
{
    const unsigned char *p = key;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

int bl_store_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key,
                     uint64_t *out, bl_err_t *err)
{
    MDB_val v;
    int rc = bl_store_get(txn, dbi, key, strlen(key), &v, err);
    if (rc == BL_ENOTFOUND) {
        *out = 0;
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    if (v.mv_size != 8) {
        return bl_err_set(err, BL_ESTORE, "counter '%s' is corrupt", key);
    }
    *out = bl_store_u64_from(v.mv_data);
    return 0;
}

int bl_store_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t v,
                     bl_err_t *err)
{
    unsigned char b[8];
    bl_store_u64_key(v, b);
    return bl_store_put(txn, dbi, key, strlen(key), b, sizeof b, err);
}

typedef struct s_import {
    MDB_dbi dbi;
    const unsigned char *buf;  /* [klen u32][vlen u32][key][value]... */
    size_t len;
} s_import_t;

static int s_import_txn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_import_t *im = ctx;
    size_t off = 0;
    while (off + 8 <= im->len) {
        uint32_t kl, vl;
        memcpy(&kl, im->buf + off, 4);
        memcpy(&vl, im->buf + off + 4, 4);
        off += 8;
        int rc = bl_store_put(txn, im->dbi, im->buf + off, kl,
                              im->buf + off + kl, vl, err);
        if (rc != 0) {
            return rc;
        }
        off += (size_t)kl + vl;
    }
    return 0;
}

int bl_store_import(bl_store_t *dst, MDB_dbi dst_dbi, const char *src_dir,
                    const char *db_name, bl_err_t *err)
{
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_env_create");
    }
    mdb_env_set_maxdbs(env, BL_STORE_DBS_MAX);
    if (mdb_env_open(env, src_dir, MDB_RDONLY | MDB_NOTLS, 0640) != 0) {
        mdb_env_close(env);
        return 0;  /* no such store: nothing to copy */
    }
    MDB_txn *txn;
    MDB_dbi dbi;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc == 0 && mdb_dbi_open(txn, db_name, 0, &dbi) == 0) {
        MDB_cursor *cur;
        if (mdb_cursor_open(txn, dbi, &cur) == 0) {
            MDB_val k, v;
            int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
            while (mrc == 0) {
                size_t need = 8 + k.mv_size + v.mv_size;
                if (BL_GROW(buf, cap, len + need) != 0) {
                    rc = BL_ENOMEM;
                    break;
                }
                uint32_t kl = (uint32_t)k.mv_size, vl = (uint32_t)v.mv_size;
                memcpy(buf + len, &kl, 4);
                memcpy(buf + len + 4, &vl, 4);
                memcpy(buf + len + 8, k.mv_data, kl);
                memcpy(buf + len + 8 + kl, v.mv_data, vl);
                len += need;
                mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            }
            mdb_cursor_close(cur);
        }
    }
    if (rc == 0) {
        mdb_txn_abort(txn);
    }
    mdb_env_close(env);
    if (rc != 0) {
        free(buf);
        return bl_err_set(err, rc == BL_ENOMEM ? BL_ENOMEM : BL_ESTORE,
                          "cannot read '%s' of '%s'", db_name, src_dir);
    }
    s_import_t im = {dst_dbi, buf, len};
    rc = len > 0 ? bl_store_write(dst, s_import_txn, &im, err) : 0;
    free(buf);
    return rc;
}
