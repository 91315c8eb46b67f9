/*
 * End to end for `benchlearn scale` on a running node: while 100,000
 * survey rows are being submitted, the node goes from one worker of each
 * scalable stage to validate=3,aggregate=2,report=2, a new validation
 * worker is killed with SIGKILL, and the node goes back to
 * validate=2,aggregate=1,report=1.  Nothing is lost or applied twice: the
 * outcomes, values and positions equal those of a node that ran one worker
 * throughout.  And scale refuses what it cannot do with a clear error.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_ROLE "role: national\ncountry: \"NO\"\n"
#define S_GROUPS "  national: [country, service_type]\n  country: [country]\n"
#define S_PROVIDERS 400
#define S_RESPONDENTS 250

typedef struct s_result {
    char *summary;    /* the submission's counts */
    char *values;     /* export values */
    char *positions;  /* export positions */
} s_result_t;

/* The counts line of `submit --wait` ("N rows: ..."), from out. */
static char *s_counts(const char *out)
{
    const char *p = strstr(out, " accepted");
    cr_assert_not_null(p, "no counts in: %s", out);
    while (p > out && p[-1] != '\n') {
        p--;
    }
    size_t len = strcspn(p, "\n");
    return strndup(p, len);
}

static void s_export(bl_test_node_t *n, s_result_t *res)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "close 2025"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(n, &res->values,
                                  "export 2025 --what values"),
                 0, "%s", res->values);
    cr_assert_eq(bl_test_node_cli(n, &res->positions,
                                  "export 2025 --what positions"),
                 0, "%s", res->positions);
}

static void s_free(s_result_t *r)
{
    free(r->summary);
    free(r->values);
    free(r->positions);
}

/* Reads the background submission's output once it has finished. */
static char *s_wait_submit(const bl_test_node_t *n, int timeout_ms)
{
    char path[400];
    snprintf(path, sizeof path, "%s/submit.out", n->dir);
    for (int waited = 0; waited < timeout_ms; waited += 200) {
        char done[400];
        snprintf(done, sizeof done, "%s/submit.done", n->dir);
        FILE *d = fopen(done, "r");
        if (d != NULL) {
            fclose(d);
            FILE *f = fopen(path, "r");
            cr_assert_not_null(f);
            char *text = calloc(1, 1 << 20);
            size_t got = fread(text, 1, (1 << 20) - 1, f);
            text[got] = '\0';
            fclose(f);
            return text;
        }
        bl_test_sleep_ms(200);
    }
    cr_assert_fail("the background submission did not finish");
    return NULL;
}

/* A node with one worker of each stage, its data written and its
 * register submitted. */
static void s_start(bl_test_node_t *n)
{
    cr_assert_eq(bl_test_node_init(n, S_ROLE, S_GROUPS, NULL), 0);
    cr_assert_eq(bl_test_node_write_data(n, S_PROVIDERS, S_RESPONDENTS), 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(n, &out, "up"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(n, &out, "submit --wait register.csv"), 0,
                 "%s", out);
    free(out);
}

/* Once the node has settled: every row stored once, and the exports equal
 * the reference's. Stops the node and frees both results. */
static void s_expect_reference(bl_test_node_t *n, s_result_t *one,
                               s_result_t *scaled)
{
    cr_assert(bl_test_node_wait_quiet(n, 120000), "the node never settled: "
              "%ld pending", bl_test_node_pending(n));
    cr_assert_eq(bl_test_node_status(n, "aggregate", "records_stored", 1),
                 (long)S_PROVIDERS * S_RESPONDENTS);
    s_export(n, scaled);
    cr_assert_gt(strlen(one->values), 200, "%s", one->values);
    cr_assert_str_eq(scaled->values, one->values);
    cr_assert_str_eq(scaled->positions, one->positions);
    bl_test_node_stop(n);
    s_free(one);
    s_free(scaled);
}

static void s_reference(s_result_t *res)
{
    bl_test_node_t n;
    s_start(&n);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&n, &out, "submit --wait survey.csv"), 0,
                 "%s", out);
    res->summary = s_counts(out);
    free(out);
    s_export(&n, res);
    bl_test_node_stop(&n);
}

/* Writes len bytes of buf to fd, all of them; 0 or -1. */
static int s_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

Test(e2e_scale, up_and_down_while_submitting_loses_nothing, .timeout = 560)
{
    s_result_t one = {0}, scaled = {0};
    s_reference(&one);

    bl_test_node_t n;
    s_start(&n);
    char *out = NULL;
    /* The submission runs in the background and reads survey.csv from a
     * pipe that the test fills: its first part, then (after the scale)
     * the rest.  So the scale comes mid-stream however fast the node is.
     * The pipe has the file's name, in its own directory, so that the
     * outcomes read as the reference run's. */
    size_t csv_len = 0;
    char path[400];
    snprintf(path, sizeof path, "%s/survey.csv", n.dir);
    char *csv = bl_test_read_file(path, &csv_len);
    cr_assert_not_null(csv);
    cr_assert_gt(csv_len, 0);
    /* cut after the line that ends the first third of the file */
    const char *cut = memchr(csv + csv_len / 3, '\n', csv_len - csv_len / 3);
    cr_assert_not_null(cut);
    size_t first = (size_t)(cut - csv) + 1;
    snprintf(path, sizeof path, "%s/pipe", n.dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/pipe/survey.csv", n.dir);
    cr_assert_eq(mkfifo(path, 0644), 0);
    long before = bl_test_node_status(&n, "ingest", "rows_stored", 1);
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "cd %s/pipe && (%s/benchlearn -c %s submit --wait survey.csv "
             ">../submit.out 2>&1; touch ../submit.done) &",
             n.dir, bl_test_binary_dir(), n.config);
    cr_assert_eq(system(cmd), 0);
    int fd = open(path, O_WRONLY);  /* once the client opens it */
    cr_assert_geq(fd, 0);
    cr_assert_eq(s_write_all(fd, csv, first), 0);
    long rows = (long)S_PROVIDERS * S_RESPONDENTS;
    long stored = 0;
    for (int i = 0; i < 1200 && stored <= 0; i++) {
        bl_test_sleep_ms(50);
        stored = bl_test_node_status(&n, "ingest", "rows_stored", 1) - before;
    }
    cr_log_info("survey rows stored before the scale: %ld of %ld", stored,
                rows);
    cr_assert_gt(stored, 0, "no survey row came");
    cr_assert_lt(stored, rows);
    char done[400];
    snprintf(done, sizeof done, "%s/submit.done", n.dir);
    cr_assert_neq(access(done, F_OK), 0, "the submission ended too soon");
    cr_assert_eq(bl_test_node_cli(&n, &out,
                                  "scale validate=3,aggregate=2,report=2"),
                 0, "%s", out);
    cr_assert_not_null(strstr(out, "validate=3,aggregate=2,report=2"), "%s",
                       out);
    free(out);
    cr_assert_gt(bl_test_node_pid(&n, "validate.3"), 0);
    cr_assert_gt(bl_test_node_pid(&n, "aggregate.2"), 0);
    cr_assert_gt(bl_test_node_pid(&n, "report.2"), 0);
    /* the rest of the rows go to the new workers */
    cr_assert_eq(s_write_all(fd, csv + first, csv_len - first), 0);
    cr_assert_eq(close(fd), 0);
    free(csv);

    /* A new worker dies mid-stream; the next scale starts it again first. */
    bl_test_sleep_ms(300);
    int pid = bl_test_node_pid(&n, "validate.2");
    cr_assert_gt(pid, 0);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    cr_assert(bl_test_wait_gone(pid, 10000), "validate.2 survived SIGKILL");

    cr_assert_eq(bl_test_node_cli(&n, &out,
                                  "scale validate=2,aggregate=1,report=1"),
                 0, "%s", out);
    cr_log_info("second scale: %s", out);
    cr_log_info("rows applied by then: %ld of %ld",
                bl_test_node_status(&n, "aggregate", "records_applied", 1),
                rows);
    free(out);
    cr_assert_eq(bl_test_node_pid(&n, "validate.3"), 0);
    cr_assert_eq(bl_test_node_pid(&n, "aggregate.2"), 0);

    char *sub = s_wait_submit(&n, 600000);
    scaled.summary = s_counts(sub);
    free(sub);
    cr_assert_str_eq(scaled.summary, one.summary);
    s_expect_reference(&n, &one, &scaled);
}

/* Whether `benchlearn status` shows ingestion holding new rows. */
static bool s_holding(const bl_test_node_t *n)
{
    char *out = NULL;
    bl_test_node_cli(n, &out, "status");
    bool on = out != NULL && strstr(out, "holding=yes") != NULL;
    free(out);
    return on;
}

/* Writes the header of csv and its lines [from, to) to dir/name. */
static void s_write_part(const bl_test_node_t *n, const char *name,
                         const char *csv, size_t header, size_t from,
                         size_t to)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", n->dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(csv, 1, header, f), header);
    cr_assert_eq(fwrite(csv + from, 1, to - from, f), to - from);
    cr_assert_eq(fclose(f), 0);
}

/* While the scale waits for the pipeline to drain (validation is
 * stopped), a file is submitted: ingestion holds its messages, then
 * forwards them in several steps (a few first, so the new workers start
 * on them), in order, none lost or sent twice. */
Test(e2e_scale, rows_sent_while_it_drains_are_held_then_forwarded_in_steps,
     .timeout = 300)
{
    s_result_t one = {0}, scaled = {0};
    s_reference(&one);

    bl_test_node_t n;
    s_start(&n);
    char *out = NULL;
    /* survey.csv in two files: a fifth, then the rest (each with the
     * header) */
    char path[400];
    snprintf(path, sizeof path, "%s/survey.csv", n.dir);
    size_t csv_len = 0;
    char *csv = bl_test_read_file(path, &csv_len);
    cr_assert_not_null(csv);
    const char *nl = memchr(csv, '\n', csv_len);
    cr_assert_not_null(nl);
    size_t header = (size_t)(nl - csv) + 1;
    const char *cut = memchr(csv + csv_len / 5, '\n', csv_len - csv_len / 5);
    cr_assert_not_null(cut);
    size_t first = (size_t)(cut - csv) + 1;
    s_write_part(&n, "part1.csv", csv, header, header, first);
    s_write_part(&n, "part2.csv", csv, header, first, csv_len);
    free(csv);

    /* Validation stopped: the first part stays in flight to it. */
    int vpid = bl_test_node_pid(&n, "validate");
    cr_assert_gt(vpid, 0);
    cr_assert_eq(kill(vpid, SIGSTOP), 0);
    cr_assert_eq(bl_test_node_cli(&n, &out, "submit part1.csv"), 0, "%s",
                 out);
    free(out);
    cr_assert_eq(bl_test_sh("(%s/benchlearn -c %s scale validate=2,"
                            "aggregate=2,report=1 >%s/scale.out 2>&1; "
                            "touch %s/scale.done) &",
                            bl_test_binary_dir(), n.config, n.dir, n.dir),
                 0);
    bool holding = false;
    for (int i = 0; i < 300 && !holding; i++) {
        holding = s_holding(&n);
        if (!holding) {
            bl_test_sleep_ms(50);
        }
    }
    cr_assert(holding, "ingestion never held");
    char done[400];
    snprintf(done, sizeof done, "%s/scale.done", n.dir);
    cr_assert_neq(access(done, F_OK), 0, "the scale did not wait");
    cr_assert_eq(bl_test_node_cli(&n, &out, "submit part2.csv"), 0, "%s",
                 out);
    free(out);
    long held = bl_test_node_status(&n, "ingest", "held", 0);
    cr_log_info("messages held: %ld", held);
    cr_assert_gt(held, 8, "fewer held messages than a first step takes");
    cr_assert_eq(kill(vpid, SIGCONT), 0);
    for (int i = 0; i < 3000 && access(done, F_OK) != 0; i++) {
        bl_test_sleep_ms(50);
    }
    snprintf(path, sizeof path, "%s/scale.out", n.dir);
    char *scale_out = bl_test_read_file(path, NULL);
    cr_assert_not_null(scale_out);
    cr_log_info("scale: %s", scale_out);
    cr_assert_not_null(strstr(scale_out, "the node runs validate=2,"
                                         "aggregate=2,report=1"),
                       "%s", scale_out);
    const char *fw = strstr(scale_out, "ingestion forwarded ");
    cr_assert_not_null(fw, "%s", scale_out);
    long n_fw = 0;
    int steps = 0;
    cr_assert_eq(sscanf(fw, "ingestion forwarded %ld held message(s) in %d",
                        &n_fw, &steps), 2, "%s", fw);
    cr_assert_geq(n_fw, held, "%s", fw);
    cr_assert_geq(steps, 2, "%s", fw);
    free(scale_out);
    cr_assert_eq(bl_test_node_status(&n, "ingest", "held", 0), 0);
    s_expect_reference(&n, &one, &scaled);
}

Test(e2e_scale, refuses_what_it_cannot_do, .timeout = 120)
{
    bl_test_node_t n;
    cr_assert_eq(bl_test_node_init(&n, S_ROLE, S_GROUPS, NULL), 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&n, &out, "up"), 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "scale benchmark=2"), 1, "%s",
                 out);
    cr_assert_not_null(strstr(out, "only validate, aggregate and report"),
                       "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "scale validate=0"), 1, "%s",
                 out);
    cr_assert_not_null(strstr(out, "validate: the number of workers"), "%s",
                       out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "scale"), 1, "%s", out);
    free(out);
    /* Nothing changed, nothing is held. */
    cr_assert_eq(bl_test_node_cli(&n, &out, "scale validate=1"), 0, "%s",
                 out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&n, &out, "status"), 0, "%s", out);
    cr_assert_not_null(strstr(out, "holding=no"), "%s", out);
    free(out);
    bl_test_node_stop(&n);
}
