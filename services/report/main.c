/*
 * bl-report: the report daemon.  Renders each provider's benchmark
 * report and the coordinator's summary.  See report.h.
 */
#include "bl_daemon.h"
#include "report.h"

int main(int argc, char **argv)
{
    return bl_daemon_main(argc, argv, &report_ops);
}
