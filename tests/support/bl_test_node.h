/*
 * bl_test_node: a real node for end-to-end tests — a private temporary
 * directory, a generated node config with short ipc:// endpoints, the
 * daemons started from the build directory, and `benchlearn` run as a
 * subprocess with its output captured.  Everything is stopped and removed
 * by bl_test_node_stop, which also fails the test (Criterion) when a
 * daemon of the node exited with a status other than 0, died of a signal
 * other than SIGKILL (the signal tests use on purpose), or wrote an error
 * line (level E, or a sanitizer report) to its log that the test did not
 * declare with bl_test_node_expect_error.  For the exit statuses,
 * bl_test_node_init makes the test process the daemons' subreaper (Linux):
 * `benchlearn up` double-forks them, and they become its children.
 * A watchdog process stops the node and removes its directory when the
 * test process dies without stopping it (a ctest timeout kills it), so no
 * daemon outlives its test.
 */
#ifndef BL_TEST_NODE_H
#define BL_TEST_NODE_H

#include <stdbool.h>
#include <stddef.h>

/* The settings of tests/data/validation/node.yaml, for the tests that
 * start a node on those files: role, peer groups and the rest. */
#define BL_TEST_VALIDATION_ROLE "role: national\ncountry: \"NO\"\n"
#define BL_TEST_VALIDATION_GROUPS                                            \
    "  national: [country, service_type]\n  country: [country]\n"
#define BL_TEST_VALIDATION_EXTRA                                             \
    "change_factor: 3\n"                                                     \
    "rules:\n"                                                               \
    "  - name: den-le-users\n"                                               \
    "    left: RES-02.denominator\n"                                         \
    "    op: \"<=\"\n"                                                       \
    "    right: users\n"                                                     \
    "    severity: warning\n"                                                \
    "    message: \"more goals reviewed than service users\"\n"

#define BL_TEST_EXPECT_MAX 8     /* declared error patterns per node */
#define BL_TEST_EXPECT_LEN 128   /* bytes of one pattern */

typedef struct bl_test_node {
    char dir[256];         /* the temporary directory */
    char config[300];      /* dir/node.yaml */
    int watchdog_fd;       /* write end of the watchdog's pipe, or -1 */
    int watchdog_pid;      /* the watchdog process, or 0 */
    size_t n_expect;       /* patterns in expect */
    char expect[BL_TEST_EXPECT_MAX][BL_TEST_EXPECT_LEN]; /* allowed E lines */
} bl_test_node_t;

/* Makes the directory and writes node.yaml with the given role line(s)
 * (e.g. "role: national\ncountry: \"NO\"\n"), peer groups block and extra
 * YAML; makes the calling process a subreaper.  Returns 0 or -1. */
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

/* The sum of the `pending` column of `benchlearn status` (messages not yet
 * acknowledged by the next stage) over every daemon; -1 when a daemon is
 * down or status fails. */
long bl_test_node_pending(const bl_test_node_t *n);

/* Waits up to timeout_ms until nothing is pending anywhere in the node:
 * every message sent has been applied and acknowledged, so nothing can be
 * resent (and counted twice) any more.  Returns true when quiet. */
bool bl_test_node_wait_quiet(const bl_test_node_t *n, int timeout_ms);

/* Waits up to timeout_ms until process pid has ended (without reaping
 * it: the teardown judges how it ended).  Returns true when it has. */
bool bl_test_wait_gone(int pid, int timeout_ms);

/* The lines of text sorted, as a new string (each line ends in a newline;
 * several workers answer in worker order).  Cuts text apart (strtok). */
char *bl_test_sorted_lines(char *text);

/* Removes path and everything under it (no symlink is followed). */
void bl_test_rm_tree(const char *path);

/* Runs a shell command (formatted); returns its exit status or -1. */
int bl_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sleeps ms milliseconds. */
void bl_test_sleep_ms(int ms);

/* A TCP port on 127.0.0.1 that is free now (the OS picks it), or -1. */
int bl_test_free_port(void);

/* Declares that an error line of a daemon's log containing pattern is
 * expected by the test (at most BL_TEST_EXPECT_MAX patterns). */
void bl_test_node_expect_error(bl_test_node_t *n, const char *pattern);

/* Stops the node (benchlearn down), reaps its daemons, reads their logs,
 * removes the directory, and then fails the test on any daemon that did
 * not stop in time, exited non-zero, died of a signal other than SIGKILL,
 * or logged an unexpected error (see above).  Harmless twice. */
void bl_test_node_stop(bl_test_node_t *n);

/* bl_test_node_stop without the assertion: returns the number of problems
 * found, described one per line in why (size bytes). */
size_t bl_test_node_stop_check(bl_test_node_t *n, char *why, size_t size);

/* Calls done(ctx) every 20 ms until it returns true (then returns true)
 * or timeout_ms have passed (then returns false): the way a test waits
 * for a condition instead of sleeping a fixed time. */
bool bl_test_wait(bool (*done)(void *ctx), void *ctx, int timeout_ms);

/* The whole of the file at path, NUL-terminated (free it), its length in
 * *len when len is not NULL; NULL when it cannot be read. */
char *bl_test_read_file(const char *path, size_t *len);

/* The source and build directories: $BL_SOURCE_DIR / $BL_BINARY_DIR, else
 * the ones this build was configured with. */
const char *bl_test_source_dir(void);
const char *bl_test_binary_dir(void);

#endif
