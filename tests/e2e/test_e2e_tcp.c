/*
 * End to end with every stage on tcp:// endpoints (SPEC 7: "a stage can
 * run on another host or as several workers"), as an operator lays out a
 * node whose workers live on other hosts: two validation and two
 * aggregation workers listening on loopback ports give the same outcomes,
 * values and positions as one node on ipc:// with one worker of each.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_ROLE "role: national\ncountry: \"NO\"\n"
#define S_GROUPS "  national: [country, service_type]\n  country: [country]\n"

static const char *const s_files[] = {
    "register.csv", "prev-2024.csv", "duplicate-key.csv", "number-nan.csv",
    "negative.csv", "semicolon-decimal-comma.csv", "survey-off-scale.csv",
    "survey-respondent-repeated.csv", "unused-field.csv",
    "steps-invalid.csv", "denominator-zero.csv"};

static const char *const s_stages[] = {"ingest", "validate", "aggregate",
                                       "benchmark", "report"};

/* True when a TCP port on 127.0.0.1 can be bound now. */
static int s_port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* A first port p, chosen by the OS, with p .. p + count - 1 all free and
 * none in used[0 .. n_used). */
static int s_free_ports(int count, const int *used, int n_used)
{
    for (int tries = 0; tries < 200; tries++) {
        int p = bl_test_free_port();
        if (p <= 0 || p + count > 65535) {
            continue;
        }
        int ok = 1;
        for (int k = 0; k < count && ok; k++) {
            ok = k == 0 || s_port_free(p + k);
            for (int u = 0; u < n_used && ok; u++) {
                ok = used[u] != p + k;
            }
        }
        if (ok) {
            return p;
        }
    }
    return -1;
}

typedef struct s_result {
    char *outcomes;
    char *values;
    char *positions;
} s_result_t;

/* Runs the fixtures on a node; the ports in bound[0 .. n_bound) must be
 * listened on while it is up. */
static void s_run(const char *extra, const char *workers, const int *bound,
                  int n_bound, s_result_t *res)
{
    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, extra), 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&n, &out, "up %s", workers), 0, "%s", out);
    free(out);
    for (int i = 0; i < n_bound; i++) {
        cr_assert(!s_port_free(bound[i]), "nothing listens on port %d",
                  bound[i]);
    }
    char files[4096] = "";
    for (size_t i = 0; i < sizeof s_files / sizeof *s_files; i++) {
        char one[600];
        snprintf(one, sizeof one, " %s/tests/data/validation/%s",
                 bl_test_source_dir(), s_files[i]);
        strncat(files, one, sizeof files - strlen(files) - 1);
    }
    bl_test_node_cli(&n, &out, "submit --wait%s", files);
    cr_assert_not_null(out);
    res->outcomes = bl_test_sorted_lines(out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "close 2025"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &res->values,
                                  "export 2025 --what values"), 0);
    cr_assert_eq(bl_test_node_cli(&n, &res->positions,
                                  "export 2025 --what positions"), 0);
    bl_test_node_stop(&n);
}

static void s_free(s_result_t *r)
{
    free(r->outcomes);
    free(r->values);
    free(r->positions);
}

Test(e2e_tcp, workers_on_tcp_endpoints_judge_as_one_node_on_ipc,
     .timeout = 300)
{
    char extra[1024] = "endpoints:\n";
    int used[16], bound[16];
    int n_used = 0, n_bound = 0;
    for (size_t s = 0; s < sizeof s_stages / sizeof *s_stages; s++) {
        /* Two workers of validate and aggregate: port and port + 1. */
        int count = 2;
        int p = s_free_ports(count, used, n_used);
        cr_assert_gt(p, 0, "no free ports on 127.0.0.1");
        /* Only validate and aggregate have a second worker listening. */
        int listening = s == 1 || s == 2 ? 2 : 1;
        for (int k = 0; k < count; k++) {
            used[n_used++] = p + k;
            if (k < listening) {
                bound[n_bound++] = p + k;
            }
        }
        char line[128];
        snprintf(line, sizeof line, "  %s: tcp://127.0.0.1:%d\n",
                 s_stages[s], p);
        strncat(extra, line, sizeof extra - strlen(extra) - 1);
    }
    s_result_t one, tcp;
    s_run(NULL, "", NULL, 0, &one);
    s_run(extra, "--workers validate=2,aggregate=2", bound, n_bound, &tcp);
    cr_assert_not_null(strstr(one.outcomes, "rejected"), "%s", one.outcomes);
    cr_assert_str_eq(tcp.outcomes, one.outcomes);
    cr_assert_gt(strlen(one.values), 200, "%s", one.values);
    cr_assert_str_eq(tcp.values, one.values);
    cr_assert_gt(strlen(one.positions), 100, "%s", one.positions);
    cr_assert_str_eq(tcp.positions, one.positions);
    s_free(&one);
    s_free(&tcp);
}
