/*
 * bl-benchmark: the benchmarking daemon.  Computes peer-group statistics,
 * positions, relationships and learning partners.  See benchmark.h.
 */
#include <malloc.h>

#include "bl_daemon.h"
#include "benchmark.h"

int main(int argc, char **argv)
{
    /* A close allocates arrays of tens of megabytes and frees them again.
     * glibc raises its mmap threshold after such a free, so the next ones
     * came from the heap and stayed resident once freed: at 50,000
     * providers the heap peaked at 543 MB, 496 MB with a fixed threshold
     * (every block over 1 MB is its own mapping, given back on free). */
    (void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
    return bl_daemon_main(argc, argv, &benchmark_ops);
}
