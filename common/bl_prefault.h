/*
 * bl_prefault: brings the pages a store is about to write into memory on
 * a thread of its own, so that the thread writing them does not stop for
 * each one.
 *
 * With MDB_WRITEMAP, LMDB writes a transaction's new pages straight into
 * the mapped data file.  The first touch of such a page is a fault in
 * which the kernel takes a free page, zeroes it (the file's blocks there
 * are preallocated but never written) and adds it to the page cache: at
 * 50,000 providers, 12 % of the benchmark daemon's close and 7 % of
 * validation, on the one core that does the work.  MADV_POPULATE_READ
 * (Linux 5.14) does that part for a range in one call; the writer then
 * only takes the cheaper fault that marks the page dirty.  Nothing is
 * written: a page prefaulted and never used stays clean in the cache.
 *
 * One range at a time: a new one while the last is still being read
 * extends it when they touch, else waits for the next call.  Stop
 * before the map moves (bl_prefault_stop): the thread reads the map.
 */
#ifndef BL_PREFAULT_H
#define BL_PREFAULT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct bl_prefault {
    pthread_t thread;
    bool started;              /* a thread to join */
    atomic_bool done;          /* it finished its range */
    atomic_bool stop;          /* asked to stop early */
    char *base;                /* the map */
    size_t from;               /* the range it reads, bytes from base */
    atomic_size_t to;          /* (a later range that touches extends it) */
    bool probed;               /* the kernel was asked once */
    bool unsupported;          /* the kernel refused: never again */
} bl_prefault_t;

/* Starts reading [from, to) of the map at base on a thread, unless a
 * range is still being read (then a range that touches it extends it).
 * Pages already in memory cost little: a range is read whole again. */
void bl_prefault_range(bl_prefault_t *p, char *base, size_t from, size_t to);

/* Stops the thread, if any, and waits for it (before the map moves). */
void bl_prefault_stop(bl_prefault_t *p);

#endif
