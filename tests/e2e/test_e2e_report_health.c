/*
 * End to end: the report daemon answers health within 100 ms while it
 * renders a period of 50,000 providers (issue #10).
 *
 * The node is a real one: 50,000 residential-care providers in NO with two
 * ratio indicators for 2023 go through submission, validation,
 * aggregation and benchmarking; the close of 2023 then has the report
 * daemon render 150,000 files, far longer than the samples take; the test
 * asks for health 40 times while it does (and checks that the render has
 * not ended), asks for one provider's PDF (which goes before the rest of
 * the close), then stops the node mid-render.
 *
 * Each answer carries the daemon's longest loop turn of the last second
 * (the samples are 23 ms apart, so each covers the time since the one
 * before): turn_ms in wall time, how long a request could have waited for
 * the loop, and turn_cpu_ms, the daemon's own work in a turn.  Every
 * turn_cpu_ms must be below 100 ms in a Release build (S_TURN_CPU_MS):
 * that is the daemon's part, which a loaded machine (CI shares two cores)
 * changes little.  The wall
 * times and the round trips seen from here add the scheduling of two
 * processes on that machine, so of those only the median round trip is
 * held to 100 ms; all of them are printed.
 *
 * BL_HEALTH_PROVIDERS sets the count (default 50,000).  The whole test
 * takes about 10 s in a Release build and 12 s in the sanitizer build
 * (whose rendering turns run to the same 40 ms), so both run it at full
 * size; the sanitizer build's bound on a turn's CPU is scaled to its
 * speed (S_TURN_CPU_MS).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_config.h"
#include "bl_daemon.h"
#include "bl_net.h"
#include "bl_rpc.h"
#include "bl_test_node.h"

#define S_PROVIDERS_DEFAULT 50000
#define S_RTT_MEDIAN_MS 100   /* the median round trip */
/* Each answer: the daemon's work in a turn.  A sanitizer build does the
 * same work two to three times slower, and a turn at the start of a
 * render (memory touched for the first time) reached 105 ms of CPU once
 * in CI, against 42 ms as a rule: the bound of issue #10 is held in the
 * Release build, and the sanitizer build checks the same turns against a
 * bound scaled as its speed is. */
#if defined(__SANITIZE_ADDRESS__)
#define S_TURN_CPU_MS 250
#else
#define S_TURN_CPU_MS 100
#endif
#define S_SAMPLES 40          /* health answers during the render */

static bl_test_node_t s_node;

static void s_setup(void)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: national\n"
                                            "country: \"NO\"\n",
                                   "  national: [country, service_type]\n",
                                   NULL), 0);
}

static void s_teardown(void)
{
    /* the close started in the background waits for the whole render:
     * it goes with the node */
    bl_test_sh("cd %s && test -f close.pid && kill $(cat close.pid) "
               "2>/dev/null; true", s_node.dir);
    bl_test_node_stop(&s_node);
}

static int s_providers(void)
{
    const char *s = getenv("BL_HEALTH_PROVIDERS");
    int n = s != NULL ? atoi(s) : 0;
    return n > 0 ? n : S_PROVIDERS_DEFAULT;
}

/* register.csv with providers NO-0001.. (bl_test_node_write_data) and
 * ind-2023.csv: LEA-01 = (10 + 3 (p % 25)) %, LEA-03 = (80 - 2 (p % 30)) %. */
static void s_write_data(int providers)
{
    cr_assert_eq(bl_test_node_write_data(&s_node, providers, 0), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/ind-2023.csv", s_node.dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "provider_id,unit_id,period,indicator_id,numerator,"
               "denominator,value\n");
    for (int p = 1; p <= providers; p++) {
        fprintf(f, "NO-%04d,,2023,LEA-01,%d,100,\n", p, 10 + 3 * (p % 25));
        fprintf(f, "NO-%04d,,2023,LEA-03,%d,100,\n", p, 80 - 2 * (p % 30));
    }
    cr_assert_eq(fclose(f), 0);
}

/* One health answer of the report daemon, in ms: the round trip, and the
 * daemon's turn_ms and turn_cpu_ms. */
typedef struct s_sample {
    long long rtt;
    int64_t turn;
    int64_t cpu;
} s_sample_t;

static s_sample_t s_health(bl_rpc_t *rpc)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "health", 0);
    bl_err_t err = {0};
    bl_reply_t reply;
    long long t0 = bl_net_now_ms();
    cr_assert_eq(bl_rpc_call(rpc, &w, &reply, 10000, &err), 0, "%s",
                 err.msg);
    s_sample_t s = {bl_net_now_ms() - t0, -1, -1};
    char why[256];
    cr_assert(bl_reply_ok(&reply, why, sizeof why), "%s", why);
    cr_assert_eq(bl_req_int(&reply.msg, "turn_ms", &s.turn), 0,
                 "health without turn_ms");
    cr_assert_eq(bl_req_int(&reply.msg, "turn_cpu_ms", &s.cpu), 0,
                 "health without turn_cpu_ms");
    bl_reply_free(&reply);
    bl_mpw_destroy(&w);
    return s;
}

static int s_cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static bool s_log_has(const char *needle)
{
    char path[512];
    snprintf(path, sizeof path, "%s/var/log/report.log", s_node.dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s", path);
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        found = strstr(line, needle) != NULL;
    }
    fclose(f);
    return found;
}

Test(e2e_report_health, health_answers_within_100_ms_while_50000_render,
     .init = s_setup, .fini = s_teardown, .timeout = 400)
{
    int providers = s_providers();
    cr_log_info("%d providers (BL_HEALTH_PROVIDERS sets the count)",
                providers);
    s_write_data(providers);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
    /* Every row accepted: the render below is of all the providers. */
    char want[64];
    int rc = bl_test_node_cli(&s_node, &out, "submit --wait register.csv");
    cr_assert_eq(rc, 0, "%s", out);
    snprintf(want, sizeof want, ": %d accepted, 0 with warnings, 0 rejected",
             providers);
    cr_assert_not_null(strstr(out, want), "%s", out);
    free(out);
    rc = bl_test_node_cli(&s_node, &out, "submit --wait ind-2023.csv");
    cr_assert_eq(rc, 0, "%s", out);
    snprintf(want, sizeof want, ": %d accepted, 0 with warnings, 0 rejected",
             2 * providers);
    cr_assert_not_null(strstr(out, want), "%s", out);
    free(out);

    bl_config_t *cfg = NULL;
    bl_diags_t diags = {0};
    cr_assert_eq(bl_config_load(&cfg, s_node.config, &diags), 0);
    bl_diags_clear(&diags);
    void *zctx = zmq_ctx_new();
    cr_assert_not_null(zctx);
    char ep[512];
    bl_daemon_endpoint(cfg, BL_STAGE_REPORT, 1, ep, sizeof ep);
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    cr_assert_eq(bl_rpc_open(&rpc, zctx, cfg, ep, &err), 0, "%s", err.msg);

    /* The close waits for the whole render: in the background. */
    cr_assert_eq(bl_test_sh("cd %s && { %s/benchlearn -c %s close 2023 "
                            ">close.out 2>&1 & echo $! >close.pid; }",
                            s_node.dir, bl_test_binary_dir(), s_node.config),
                 0);
    /* A close writes every HTML page first, then the CSV and JSON. */
    char first[512];
    snprintf(first, sizeof first, "%s/var/reports/2023/NO-0001.html",
             s_node.dir);
    long long deadline = bl_net_now_ms() + 300000;
    while (access(first, F_OK) != 0 && bl_net_now_ms() < deadline) {
        bl_test_sleep_ms(50);
    }
    cr_assert_eq(access(first, F_OK), 0, "the rendering never began");
    s_sample_t samples[S_SAMPLES];
    long long rtt[S_SAMPLES];
    for (int i = 0; i < S_SAMPLES; i++) {
        bl_test_sleep_ms(23);
        samples[i] = s_health(rpc);
        rtt[i] = samples[i].rtt;
    }
    cr_assert_not(s_log_has("rendered period=2023"),
                  "the render ended before the samples were taken");
    /* A provider's PDF asked for meanwhile (the portal's download) goes
     * before the rest of the close: it is back while the close renders
     * (the close logs "rendered period=2023" at its end, the PDF's job
     * "rendered request period=2023 files=1"). */
    rc = bl_test_node_cli(&s_node, &out,
                          "report 2023 --provider NO-0002 --format pdf");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_not_null(strstr(out, "1 pdf file"), "%s", out);
    free(out);
    cr_assert(s_log_has("rendered request period=2023 files=1 "),
              "no job logged the PDF");
    cr_assert_not(s_log_has("rendered period=2023"),
                  "the PDF waited for the whole close");
    char all[S_SAMPLES * 32] = "";
    size_t used = 0;
    for (int i = 0; i < S_SAMPLES && used < sizeof all; i++) {
        int n = snprintf(all + used, sizeof all - used, " %lld/%lld/%lld",
                         rtt[i], (long long)samples[i].turn,
                         (long long)samples[i].cpu);
        used += n > 0 ? (size_t)n : 0;
    }
    cr_log_info("round trip/turn_ms/turn_cpu_ms:%s", all);
    /* The daemon was rendering all along: its turns run to their 40 ms. */
    int64_t longest = 0;
    for (int i = 0; i < S_SAMPLES; i++) {
        longest = samples[i].turn > longest ? samples[i].turn : longest;
    }
    cr_assert_geq(longest, 30, "no rendering turn during the samples (%s)",
                  all);
    for (int i = 0; i < S_SAMPLES; i++) {
        cr_assert_lt(samples[i].cpu, S_TURN_CPU_MS,
                     "answer %d: a loop turn took %lld ms of the daemon's "
                     "work (round trip/turn_ms/turn_cpu_ms:%s)", i,
                     (long long)samples[i].cpu, all);
    }
    qsort(rtt, S_SAMPLES, sizeof rtt[0], s_cmp_ll);
    cr_assert_lt(rtt[S_SAMPLES / 2], S_RTT_MEDIAN_MS,
                 "median health round trip %lld ms during the render "
                 "(round trip/turn_ms/turn_cpu_ms:%s)", rtt[S_SAMPLES / 2],
                 all);
    cr_log_info("round trip median %lld ms, max %lld ms",
                rtt[S_SAMPLES / 2], rtt[S_SAMPLES - 1]);
    bl_rpc_close(&rpc);
    zmq_ctx_term(zctx);
    bl_config_destroy(&cfg);
}
