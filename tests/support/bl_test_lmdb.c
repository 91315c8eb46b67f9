/*
 * bl_test_lmdb: a temporary LMDB environment for unit tests (see
 * bl_test_lmdb.h).
 */
#include "bl_test_lmdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void bl_test_lmdb_open(bl_test_lmdb_t *t, const char *tag, const char *db)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/bl-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(t->dir));
    cr_assert_eq(mdb_env_create(&t->env), 0);
    cr_assert_eq(mdb_env_set_maxdbs(t->env, 4), 0);
    cr_assert_eq(mdb_env_set_mapsize(t->env, 64u << 20), 0);
    cr_assert_eq(mdb_env_open(t->env, t->dir, MDB_NOSYNC, 0600), 0);
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(t->env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_dbi_open(txn, db, MDB_CREATE, &t->dbi), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
}

void bl_test_lmdb_close(bl_test_lmdb_t *t)
{
    mdb_env_close(t->env);
    t->env = NULL;
    char path[128];
    snprintf(path, sizeof path, "%s/data.mdb", t->dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", t->dir);
    unlink(path);
    rmdir(t->dir);
}
