/*
 * Tests of bl_prefault: a range of a mapped file is brought into memory
 * on the thread (and only that range), without writing the file or
 * giving it blocks; a stop in the middle returns and leaves the next
 * range free to start.
 *
 * Every test has the same .timeout: Criterion 2.4.1's runner leaks memory
 * (LeakSanitizer fails the run) when one binary mixes timeout values.
 */
#include "bl_prefault.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_TIMEOUT 30
#define S_MB ((size_t)1 << 20)

static char s_path[64];
static int s_fd = -1;
static char *s_map;
static size_t s_len;

/* A sparse file of len bytes, mapped shared as LMDB maps a store. */
static void s_map_file(size_t len)
{
    snprintf(s_path, sizeof s_path, "/tmp/bl_prefault_test_XXXXXX");
    s_fd = mkstemp(s_path);
    cr_assert_geq(s_fd, 0, "mkstemp: %s", strerror(errno));
    cr_assert_eq(ftruncate(s_fd, (off_t)len), 0);
    s_map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s_fd, 0);
    cr_assert_neq(s_map, MAP_FAILED, "mmap: %s", strerror(errno));
    s_len = len;
    /* As a store advises the pages past those in use (bl_store.c): no
     * readahead around each page read. */
    cr_assert_eq(madvise(s_map, len, MADV_RANDOM), 0);
}

static void s_teardown(void)
{
    if (s_map != NULL && s_map != MAP_FAILED) {
        munmap(s_map, s_len);
    }
    if (s_fd >= 0) {
        close(s_fd);
        unlink(s_path);
    }
    s_map = NULL;
    s_fd = -1;
}

/* How many pages of [from, to) are in memory. */
static size_t s_resident(size_t from, size_t to)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t n = (to - from) / page;
    unsigned char *vec = malloc(n);
    cr_assert_not_null(vec);
    cr_assert_eq(mincore(s_map + from, to - from, vec), 0, "mincore: %s",
                 strerror(errno));
    size_t in = 0;
    for (size_t i = 0; i < n; i++) {
        in += vec[i] & 1;
    }
    free(vec);
    return in;
}

static void s_wait_done(bl_prefault_t *p)
{
    for (int i = 0; i < 2000 && !atomic_load(&p->done); i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    cr_assert(atomic_load(&p->done), "the range was never read");
}

TestSuite(bl_prefault, .fini = s_teardown, .timeout = S_TIMEOUT);

Test(bl_prefault, the_range_and_only_it_is_brought_in_unwritten)
{
    s_map_file(64 * S_MB);
    cr_assert_eq(s_resident(0, 64 * S_MB), 0);
    bl_prefault_t p;
    memset(&p, 0, sizeof p);
    bl_prefault_range(&p, s_map, 8 * S_MB, 40 * S_MB);
    if (p.unsupported) {
        cr_skip_test("this kernel has no MADV_POPULATE_READ");
    }
    s_wait_done(&p);
    bl_prefault_stop(&p);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    cr_expect_eq(s_resident(8 * S_MB, 40 * S_MB), 32 * S_MB / page,
                 "not every page of the range is in memory");
    cr_expect_eq(s_resident(0, 8 * S_MB), 0, "pages before the range");
    cr_expect_eq(s_resident(40 * S_MB, 64 * S_MB), 0,
                 "pages after the range");
    struct stat st;
    cr_assert_eq(fstat(s_fd, &st), 0);
    cr_expect_eq(st.st_blocks, 0, "reading gave the file blocks");
    for (size_t i = 8 * S_MB; i < 40 * S_MB; i += page) {
        cr_assert_eq(s_map[i], 0);
    }
}

Test(bl_prefault, a_range_that_touches_the_one_being_read_extends_it)
{
    s_map_file(64 * S_MB);
    bl_prefault_t p;
    memset(&p, 0, sizeof p);
    bl_prefault_range(&p, s_map, 0, 16 * S_MB);
    if (p.unsupported) {
        cr_skip_test("this kernel has no MADV_POPULATE_READ");
    }
    /* While it reads (or after: then this starts a new range). */
    bl_prefault_range(&p, s_map, 4 * S_MB, 48 * S_MB);
    s_wait_done(&p);
    if (s_resident(16 * S_MB, 48 * S_MB) == 0) {
        /* the first range had ended: the second started on its own */
        bl_prefault_range(&p, s_map, 4 * S_MB, 48 * S_MB);
        s_wait_done(&p);
    }
    bl_prefault_stop(&p);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    cr_expect_eq(s_resident(0, 48 * S_MB), 48 * S_MB / page);
    cr_expect_eq(s_resident(48 * S_MB, 64 * S_MB), 0);
}

Test(bl_prefault, a_stop_in_the_middle_returns_and_a_new_range_starts)
{
    s_map_file(1024 * S_MB);
    bl_prefault_t p;
    memset(&p, 0, sizeof p);
    bl_prefault_range(&p, s_map, 0, 1024 * S_MB);
    if (p.unsupported) {
        cr_skip_test("this kernel has no MADV_POPULATE_READ");
    }
    bl_prefault_stop(&p);
    cr_expect_not(p.started, "the thread is still there");
    bl_prefault_range(&p, s_map, 0, 4 * S_MB);
    s_wait_done(&p);
    bl_prefault_stop(&p);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    cr_expect_eq(s_resident(0, 4 * S_MB), 4 * S_MB / page);
}

Test(bl_prefault, nothing_starts_without_a_map_or_an_empty_range)
{
    bl_prefault_t p;
    memset(&p, 0, sizeof p);
    bl_prefault_range(&p, NULL, 0, 4 * S_MB);
    cr_expect_not(p.started);
    s_map_file(4 * S_MB);
    bl_prefault_range(&p, s_map, 2 * S_MB, 2 * S_MB);
    cr_expect_not(p.started);
    bl_prefault_stop(&p);
}
