/*
 * bl_test_lmdb: a temporary LMDB environment with one named database,
 * for unit tests of a stage's store modules (validate_keys,
 * aggregate_resp) that run on a real database without a daemon.
 * Criterion assertions fail the test when it cannot be made.
 */
#ifndef BL_TEST_LMDB_H
#define BL_TEST_LMDB_H

#include <lmdb.h>

typedef struct bl_test_lmdb {
    char dir[64];
    MDB_env *env;
    MDB_dbi dbi;
} bl_test_lmdb_t;

/* Makes a folder /tmp/bl-TAG-XXXXXX, an environment of 64 MB in it (no
 * sync) and the database db. */
void bl_test_lmdb_open(bl_test_lmdb_t *t, const char *tag, const char *db);

/* Closes the environment and removes its files and folder. */
void bl_test_lmdb_close(bl_test_lmdb_t *t);

#endif
