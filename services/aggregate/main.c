/*
 * bl-aggregate: the aggregation daemon.  Keeps the accepted records and
 * turns them into indicator values per provider and unit.  See aggregate.h.
 */
#include "bl_daemon.h"
#include "aggregate.h"

int main(int argc, char **argv)
{
    return bl_daemon_main(argc, argv, &aggregate_ops);
}
