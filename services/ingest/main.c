/*
 * bl-ingest: the ingestion daemon.  Takes submissions from `benchlearn submit`,
 * stores every raw row before it answers, gives out submission ids, and
 * passes the rows on to validation.  See ingest.h.
 */
#include "bl_daemon.h"
#include "ingest.h"

int main(int argc, char **argv)
{
    return bl_daemon_main(argc, argv, &ingest_ops);
}
