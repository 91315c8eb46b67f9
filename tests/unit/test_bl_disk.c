/*
 * Tests of bl_disk and the store's reserve: the out-of-space refusal names
 * the store with its free space and reserve in MB, a reserve the disk can
 * keep admits work, preallocation gives a sparse file real blocks without
 * changing its bytes, and a store's bl_store_room follows its reserve.
 *
 * Every test has the same .timeout: Criterion 2.4.1's runner leaks memory
 * (LeakSanitizer fails the run) when one binary mixes timeout values.
 */
#include "bl_disk.h"
#include "bl_store.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_TIMEOUT 30
#define S_EXABYTE ((uint64_t)1 << 60)

static char s_dir[64];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_disk_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
}

static void s_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    cr_assert_eq(system(cmd), 0);
}

Test(bl_disk, a_reserve_above_the_free_space_is_refused_with_figures,
     .init = s_setup, .fini = s_teardown, .timeout = S_TIMEOUT)
{
    bl_err_t err = {0};
    uint64_t avail = 0;
    int rc = bl_disk_check(s_dir, S_EXABYTE, &avail, &err);
    cr_assert_eq(rc, BL_ENOSPC);
    cr_assert_eq(err.code, BL_ENOSPC);
    cr_assert_gt(avail, 0);
    char want[256];
    snprintf(want, sizeof want,
             "node out of disk space in %s (%llu MB free, %llu MB reserve)",
             s_dir, (unsigned long long)(avail >> 20),
             (unsigned long long)(S_EXABYTE >> 20));
    cr_assert_str_eq(err.msg, want);
}

Test(bl_disk, a_reserve_the_disk_keeps_is_admitted, .init = s_setup,
     .fini = s_teardown, .timeout = S_TIMEOUT)
{
    bl_err_t err = {0};
    cr_assert_eq(bl_disk_check(s_dir, 0, NULL, &err), 0);
    cr_assert_eq(bl_disk_check(s_dir, 1 << 20, NULL, &err), 0);
    cr_assert_eq(err.code, 0);
}

Test(bl_disk, ensure_gives_holes_blocks_and_keeps_the_bytes,
     .init = s_setup, .fini = s_teardown, .timeout = S_TIMEOUT)
{
    char path[128];
    snprintf(path, sizeof path, "%s/data", s_dir);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(pwrite(fd, "abc", 3, 0), 3);
    cr_assert_eq(ftruncate(fd, 8 << 20), 0);   /* sparse, like LMDB's map */
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_lt((uint64_t)st.st_blocks * 512, (uint64_t)1 << 20);
    uint64_t allocated = 0;
    bl_err_t err = {0};
    cr_assert_eq(bl_disk_ensure(fd, 4 << 20, &allocated, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(fstat(fd, &st), 0);
    if (allocated != UINT64_MAX) {     /* the filesystem can preallocate */
        cr_assert_eq(allocated, (uint64_t)4 << 20);
        cr_assert_geq((uint64_t)st.st_blocks * 512, (uint64_t)4 << 20);
    }
    cr_assert_eq(st.st_size, 8 << 20, "the size changed");
    char buf[4] = {0};
    cr_assert_eq(pread(fd, buf, 3, 0), 3);
    cr_assert_str_eq(buf, "abc");
    close(fd);
}

Test(bl_disk, store_room_follows_its_reserve, .init = s_setup,
     .fini = s_teardown, .timeout = S_TIMEOUT)
{
    static const char *const names[] = {"rows"};
    bl_store_t *s = NULL;
    bl_err_t err = {0};
    char dir[128];
    snprintf(dir, sizeof dir, "%s/store", s_dir);
    cr_assert_eq(bl_store_open(&s, dir, names, 1, 0, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(bl_store_room(s, &err), 0);
    bl_store_set_reserve(s, S_EXABYTE);
    cr_assert_eq(bl_store_room(s, &err), BL_ENOSPC);
    cr_assert_not_null(strstr(err.msg, dir), "%s", err.msg);
    bl_store_set_reserve(s, 0);
    bl_err_clear(&err);
    cr_assert_eq(bl_store_room(s, &err), 0);
    cr_assert_str_eq(bl_store_dir(s), dir);
    bl_store_close(&s);
}
