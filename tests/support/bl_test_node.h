/*
 * bl_test_node: a real node for end-to-end tests — a private temporary
 * directory, a generated node config with short ipc:// endpoints, the
 * daemons started from the build directory, and `benchlearn` run as a
 * subprocess with its output captured.  Everything is stopped and removed
 * by bl_test_node_stop.
 */
#ifndef BL_TEST_NODE_H
#define BL_TEST_NODE_H

#include <stddef.h>

typedef struct bl_test_node {
    char dir[256];         /* the temporary directory */
    char config[300];      /* dir/node.yaml */
} bl_test_node_t;

/* Makes the directory and writes node.yaml with the given role line(s)
 * (e.g. "role: national\ncountry: \"NO\"\n"), peer groups block and extra
 * YAML.  Returns 0 or -1. */
int bl_test_node_init(bl_test_node_t *n, const char *role_yaml,
                      const char *groups_yaml, const char *extra_yaml);

/* Runs `benchlearn -c config ARGS` (a shell-quoted string); stores stdout
 * and stderr (combined) into *out (malloc'd, may be NULL) and returns the
 * exit status, or -1. */
int bl_test_node_cli(const bl_test_node_t *n, char **out, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

/* The pid of a running daemon ("validate"), or 0. */
int bl_test_node_pid(const bl_test_node_t *n, const char *daemon);

/* Writes dir/register.csv with providers NO-0001.. (residential care) and
 * dir/survey.csv with `respondents` user-survey rows per provider for
 * 2025.  Returns 0 or -1. */
int bl_test_node_write_data(const bl_test_node_t *n, int providers,
                            int respondents);

/* A counter of a daemon from `benchlearn status` ("records_applied" of
 * "aggregate.2"); with sum, the total over every worker of the stage
 * named by daemon ("aggregate").  -1 when absent. */
long bl_test_node_status(const bl_test_node_t *n, const char *daemon,
                         const char *field, int sum);

/* Runs a shell command (formatted); returns its exit status or -1. */
int bl_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sleeps ms milliseconds. */
void bl_test_sleep_ms(int ms);

/* A TCP port on 127.0.0.1 that is free now (the OS picks it), or -1. */
int bl_test_free_port(void);

/* Stops the node (benchlearn down) and removes the directory. */
void bl_test_node_stop(bl_test_node_t *n);

/* The source and build directories: $BL_SOURCE_DIR / $BL_BINARY_DIR, else
 * the ones this build was configured with. */
const char *bl_test_source_dir(void);
const char *bl_test_binary_dir(void);

#endif
