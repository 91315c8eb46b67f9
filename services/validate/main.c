/*
 * bl-validate: the validation daemon.  Gives every row an outcome, keeps
 * the outcomes for `benchlearn check`, and passes accepted rows on to
 * aggregation.  See validate.h.
 */
#include "bl_daemon.h"
#include "validate.h"

int main(int argc, char **argv)
{
    return bl_daemon_main(argc, argv, &validate_ops);
}
