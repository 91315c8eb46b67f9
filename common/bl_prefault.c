/*
 * bl_prefault: a store's pages brought in ahead of the writer, on a
 * thread (see bl_prefault.h).
 */
#include "bl_prefault.h"

#include <string.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22   /* Linux 5.14; older headers lack it */
#endif

/* Read in steps, so that a stop is seen within a few milliseconds. */
#define S_STEP ((size_t)4 << 20)

static void *s_main(void *arg)
{
    bl_prefault_t *p = arg;
    for (size_t at = p->from, to; at < (to = atomic_load(&p->to)) &&
                                  !atomic_load(&p->stop);) {
        size_t n = to - at < S_STEP ? to - at : S_STEP;
        /* EINVAL: a kernel without it; EFAULT, ENOMEM: past the file or
         * the map.  Either way the writer faults the pages in itself. */
        if (madvise(p->base + at, n, MADV_POPULATE_READ) != 0) {
            break;
        }
        at += n;
    }
    atomic_store(&p->done, true);
    return NULL;
}

void bl_prefault_range(bl_prefault_t *p, char *base, size_t from, size_t to)
{
    if (p->unsupported || base == NULL) {
        return;
    }
    if (p->started) {
        if (!atomic_load(&p->done)) {
            if (base == p->base && from <= atomic_load(&p->to) &&
                to > atomic_load(&p->to)) {
                atomic_store(&p->to, to);   /* read on to there */
            }
            return;
        }
        pthread_join(p->thread, NULL);
        p->started = false;
    }
    long page = 4096;
    from -= from % (size_t)page;
    if (from >= to) {
        return;
    }
    if (!p->probed) {   /* once: does the kernel have it? */
        p->probed = true;
        if (madvise(base + from, (size_t)page, MADV_POPULATE_READ) != 0) {
            p->unsupported = true;
            return;
        }
    }
    p->base = base;
    p->from = from;
    atomic_store(&p->to, to);
    atomic_store(&p->done, false);
    atomic_store(&p->stop, false);
    p->started = pthread_create(&p->thread, NULL, s_main, p) == 0;
}

void bl_prefault_stop(bl_prefault_t *p)
{
    if (p->started) {
        atomic_store(&p->stop, true);
        pthread_join(p->thread, NULL);
        p->started = false;
    }
}
