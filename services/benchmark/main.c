/*
 * bl-benchmark: the benchmarking daemon.  Computes peer-group statistics,
 * positions, relationships and learning partners.  See benchmark.h.
 */
#include "bl_daemon.h"
#include "benchmark.h"

int main(int argc, char **argv)
{
    return bl_daemon_main(argc, argv, &benchmark_ops);
}
