/*
 * End to end: the international node's door under attack.  A real
 * international node (role international, a CURVE server on a loopback
 * port, an allow-list holding only the NO key) is started with `benchlearn
 * up`; the test then plays the national side itself with libzmq DEALER
 * sockets and hand-built envelopes: a stranger's key, a client without
 * CURVE, a NO node sending a PT provider, malformed frames, payloads and
 * rows from the authenticated NO peer, and a foreign catalogue version.
 * Each must be refused (nothing applied, counted in link_refused, logged in
 * var/log/benchmark.log) without taking the daemon down, and a well-formed
 * message afterwards must still be applied.  What this is not: a test of
 * the national uplink (test_e2e_link does that with real national nodes).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_mp.h"
#include "bl_msg.h"
#include "bl_test_link.h"
#include "bl_test_node.h"
#include "bl_zap.h"

#define S_GROUPS "  international: [service_type]\n  all: []\n"
#define S_CAT_NAME "elc"
#define S_CAT_VERSION "2025.1"   /* config/catalogue.yaml */
#define S_INDICATOR "LEA-01"     /* an indicator of that catalogue */
#define S_NO_ACK_MS 2000         /* how long silence must last */
#define S_ACK_MS 15000           /* how long an ack may take */
#define S_SOCKS_MAX 8

static struct {
    bl_test_node_t intl;
    char keys[300];
    int port;
    void *zctx;
    void *socks[S_SOCKS_MAX];  /* open DEALERs, closed by the teardown */
    size_t n_socks;
    bl_test_keys_t server, no, stranger;
} s_t;

/* ---- helpers ------------------------------------------------------------ */

static void s_read_keys(const char *name, bl_test_keys_t *k)
{
    bl_test_read_keys(s_t.keys, name, k);
}

static long s_field(const char *field)
{
    return bl_test_node_status(&s_t.intl, "benchmark", field, 0);
}

/* Polls the benchmark status until field reaches at least want; returns
 * the last value read. */
static long s_wait_field(const char *field, long want, int ms)
{
    long v = s_field(field);
    for (int waited = 0; v < want && waited < ms; waited += 100) {
        bl_test_sleep_ms(100);
        v = s_field(field);
    }
    return v;
}

/* Whether a line of the international node's benchmark log holds both a
 * and b (b may be NULL), waiting up to ms for it to appear. */
static bool s_log_has(const char *a, const char *b, int ms)
{
    return bl_test_node_log_has(&s_t.intl, "benchmark", a, b, ms);
}

/* A DEALER connected to the door; with keys, a CURVE client of the
 * international node's public key. */
static void *s_dealer(const bl_test_keys_t *keys)
{
    cr_assert_lt(s_t.n_socks, S_SOCKS_MAX);
    void *sock = bl_test_dealer(s_t.zctx, s_t.port, &s_t.server, keys);
    s_t.socks[s_t.n_socks++] = sock;
    return sock;
}

static void s_send_raw(void *sock, const void *data, size_t len)
{
    cr_assert_eq(zmq_send(sock, data, len, 0), (int)len, "%s",
                 zmq_strerror(zmq_errno()));
}

/* Sends one uplink envelope with the given payload. */
static void s_send_uplink(void *sock, const char *sender, uint64_t epoch,
                          uint64_t seq, const char *cat_version,
                          const bl_mpw_t *payload)
{
    bl_msg_t m;
    memset(&m, 0, sizeof m);
    m.version = BL_MSG_VERSION;
    m.type = BL_MSG_UPLINK;
    snprintf(m.sender, sizeof m.sender, "%s", sender);
    m.epoch = epoch;
    m.seq = seq;
    snprintf(m.origin, sizeof m.origin, "no-test");
    snprintf(m.cat_name, sizeof m.cat_name, S_CAT_NAME);
    snprintf(m.cat_version, sizeof m.cat_version, "%s", cat_version);
    m.payload = bl_mpw_data(payload);
    m.payload_len = bl_mpw_size(payload);
    bl_mpw_t env;
    bl_mpw_init(&env);
    cr_assert_eq(bl_msg_encode(&env, &m), 0);
    s_send_raw(sock, bl_mpw_data(&env), bl_mpw_size(&env));
    bl_mpw_destroy(&env);
}

/* Waits up to ms for one envelope; returns true with its type, epoch and
 * (for an ack) the acknowledged seq. */
static bool s_recv_envelope(void *sock, int ms, bl_msg_type_t *type,
                            uint64_t *epoch, uint64_t *acked)
{
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll(&it, 1, ms);
    cr_assert_geq(rc, 0, "%s", zmq_strerror(zmq_errno()));
    if (rc == 0) {
        return false;
    }
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    cr_assert_geq(zmq_msg_recv(&frame, sock, 0), 0);
    cr_assert_not(zmq_msg_more(&frame), "an envelope of several frames");
    bl_msg_t m;
    bl_err_t err = {0};
    cr_assert_eq(bl_msg_decode(zmq_msg_data(&frame), zmq_msg_size(&frame),
                               &m, &err),
                 0, "the door answered a malformed envelope: %s", err.msg);
    *type = m.type;
    *epoch = m.epoch;
    *acked = 0;
    if (m.type == BL_MSG_ACK) {
        bl_mpr_t r;
        bl_mpr_init(&r, m.payload, m.payload_len);
        cr_assert_eq(bl_mpr_uint(&r, acked), 0, "an ack without a seq");
    }
    zmq_msg_close(&frame);
    return true;
}

/* Asserts that an ack of seq for epoch arrives. */
static void s_expect_ack(void *sock, uint64_t epoch, uint64_t seq)
{
    bl_msg_type_t type;
    uint64_t e, acked;
    cr_assert(s_recv_envelope(sock, S_ACK_MS, &type, &e, &acked),
              "no ack of epoch %llu seq %llu", (unsigned long long)epoch,
              (unsigned long long)seq);
    cr_assert_eq(type, BL_MSG_ACK, "a %s, not an ack", bl_msg_type_name(type));
    cr_assert_str_eq(bl_msg_type_name(type), "ack");
    cr_assert_eq(e, epoch);
    cr_assert_eq(acked, seq);
}

/* Asserts that nothing arrives for S_NO_ACK_MS. */
static void s_expect_silence(void *sock)
{
    bl_msg_type_t type;
    uint64_t e, acked;
    cr_assert_not(s_recv_envelope(sock, S_NO_ACK_MS, &type, &e, &acked),
                  "the door answered with a %s (seq %llu)",
                  bl_msg_type_name(type), (unsigned long long)acked);
}

/* Asserts that link_refused grows to exactly *refused + 1. */
static void s_expect_refused(long *refused)
{
    long got = s_wait_field("link_refused", *refused + 1, 5000);
    cr_assert_eq(got, *refused + 1, "link_refused=%ld, want %ld", got,
                 *refused + 1);
    *refused = got;
}

/* ---- payloads ----------------------------------------------------------- */

static void s_begin(bl_mpw_t *w)
{
    bl_mpw_reset(w);
    bl_mpw_map(w, 3);
    bl_mpw_str(w, "kind");
    bl_mpw_str(w, "begin");
    bl_mpw_str(w, "period");
    bl_mpw_int(w, 2025);
    bl_mpw_str(w, "generation");
    bl_mpw_int(w, 1);
}

/* A register entry: [name, country, service_type, users, staff,
 * membership, member_since, share_identity]. */
static void s_entry(bl_mpw_t *w, const char *country)
{
    bl_mpw_array(w, 8);
    bl_mpw_str(w, "Provider");
    bl_mpw_str(w, country);
    bl_mpw_str(w, "residential_care");
    bl_mpw_int(w, 50);
    bl_mpw_int(w, 20);
    bl_mpw_str(w, "assurance");
    bl_mpw_str(w, "2020-01-01");
    bl_mpw_bool(w, true);
}

/* {kind: "register", period: 0, rows: [[provider, entry]]} */
static void s_register(bl_mpw_t *w, const char *provider, const char *country)
{
    bl_mpw_reset(w);
    bl_mpw_map(w, 3);
    bl_mpw_str(w, "kind");
    bl_mpw_str(w, "register");
    bl_mpw_str(w, "period");
    bl_mpw_int(w, 0);
    bl_mpw_str(w, "rows");
    bl_mpw_array(w, 1);
    bl_mpw_array(w, 2);
    bl_mpw_str(w, provider);
    s_entry(w, country);
}

/* {kind: "values", period: 2025, rows: [<row as raw bytes>]} */
static void s_values_raw_row(bl_mpw_t *w, const bl_mpw_t *row)
{
    bl_mpw_reset(w);
    bl_mpw_map(w, 3);
    bl_mpw_str(w, "kind");
    bl_mpw_str(w, "values");
    bl_mpw_str(w, "period");
    bl_mpw_int(w, 2025);
    bl_mpw_str(w, "rows");
    bl_mpw_array(w, 1);
    bl_mpw_raw(w, bl_mpw_data(row), bl_mpw_size(row));
}

/* [value, numerator, denominator, n, status] */
static void s_value(bl_mpw_t *w)
{
    bl_mpw_array(w, 5);
    bl_mpw_double(w, 0.75);
    bl_mpw_double(w, 3);
    bl_mpw_double(w, 4);
    bl_mpw_int(w, 4);
    bl_mpw_str(w, "ok");
}

/* ---- fixture ------------------------------------------------------------ */

static void s_setup(void)
{
    memset(&s_t, 0, sizeof s_t);
    s_t.port = bl_test_free_port();
    cr_assert_gt(s_t.port, 0);
    cr_assert_eq(bl_test_node_init(&s_t.intl, "role: international\n",
                                   S_GROUPS, ""),
                 0);
    snprintf(s_t.keys, sizeof s_t.keys, "%s/keys", s_t.intl.dir);
    cr_assert_eq(mkdir(s_t.keys, 0700), 0);
    static const char *const names[] = {"intl", "no", "stranger"};
    for (int i = 0; i < 3; i++) {
        char *out = NULL;
        int rc = bl_test_node_cli(&s_t.intl, &out, "keygen %s -o %s",
                                  names[i], s_t.keys);
        cr_assert_eq(rc, 0, "keygen %s: %s", names[i], out);
        free(out);
    }
    s_read_keys("intl", &s_t.server);
    s_read_keys("no", &s_t.no);
    s_read_keys("stranger", &s_t.stranger);
    FILE *f = fopen(s_t.intl.config, "a");
    cr_assert_not_null(f);
    fprintf(f,
            "listen: tcp://127.0.0.1:%d\nkey: %s/intl.key\nallow:\n"
            "  - {key: %s/no.pub, country: \"NO\"}\n",
            s_t.port, s_t.keys, s_t.keys);
    cr_assert_eq(fclose(f), 0);
    char *out = NULL;
    int rc = bl_test_node_cli(&s_t.intl, &out, "up");
    cr_assert_eq(rc, 0, "up: %s", out);
    free(out);
    s_t.zctx = zmq_ctx_new();
    cr_assert_not_null(s_t.zctx);
    cr_assert_eq(s_field("link_in"), 0, "the door is not open");
    cr_assert_eq(s_field("link_refused"), 0);
}

static void s_teardown(void)
{
    /* The node first: a blocked context must not leave daemons behind. */
    bl_test_node_stop(&s_t.intl);
    for (size_t i = 0; i < s_t.n_socks; i++) {
        zmq_close(s_t.socks[i]);
    }
    s_t.n_socks = 0;
    if (s_t.zctx != NULL) {
        zmq_ctx_term(s_t.zctx);
        s_t.zctx = NULL;
    }
}

/* A well-formed NO register message on a fresh epoch is acked and
 * applied: the link still works. */
static void s_still_applies(void *sock, uint64_t epoch, long applied_before)
{
    bl_mpw_t p;
    bl_mpw_init(&p);
    s_register(&p, "NO-0001", "NO");
    s_send_uplink(sock, "no/uplink", epoch, 1, S_CAT_VERSION, &p);
    bl_mpw_destroy(&p);
    s_expect_ack(sock, epoch, 1);
    long in = s_wait_field("link_in", applied_before + 1, 5000);
    cr_assert_eq(in, applied_before + 1, "link_in=%ld", in);
}

/* ---- tests -------------------------------------------------------------- */

Test(e2e_link_security, an_unknown_key_is_refused_and_logged,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    void *sock = s_dealer(&s_t.stranger);
    bl_mpw_t p;
    bl_mpw_init(&p);
    s_begin(&p);
    s_send_uplink(sock, "x/uplink", 1, 1, S_CAT_VERSION, &p);
    bl_mpw_destroy(&p);
    s_expect_silence(sock);
    cr_assert(s_log_has("link: refused connection", s_t.stranger.pub, 5000),
              "no refused connection with the stranger's key in the log");
    cr_assert_eq(s_field("link_in"), 0);
    cr_assert_geq(s_field("link_refused"), 1);
    /* The NO key still gets in. */
    sock = s_dealer(&s_t.no);
    s_still_applies(sock, 7, 0);
    cr_assert_not(s_log_has("refused connection", s_t.no.pub, 0));
}

Test(e2e_link_security, a_client_without_curve_is_refused,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    int pid = bl_test_node_pid(&s_t.intl, "benchmark");
    cr_assert_gt(pid, 0);
    void *sock = s_dealer(NULL);
    bl_mpw_t p;
    bl_mpw_init(&p);
    s_begin(&p);
    s_send_uplink(sock, "x/uplink", 1, 1, S_CAT_VERSION, &p);
    bl_mpw_destroy(&p);
    s_expect_silence(sock);
    cr_assert_eq(s_field("link_in"), 0);
    cr_assert_eq(bl_test_node_pid(&s_t.intl, "benchmark"), pid);
    sock = s_dealer(&s_t.no);
    s_still_applies(sock, 7, 0);
}

Test(e2e_link_security, a_no_node_sending_a_pt_provider_is_refused,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    void *sock = s_dealer(&s_t.no);
    bl_mpw_t p;
    bl_mpw_init(&p);
    s_register(&p, "PT-0001", "PT");
    s_send_uplink(sock, "no/uplink", 1, 1, S_CAT_VERSION, &p);
    /* Refused messages are acked so that the sender moves on. */
    s_expect_ack(sock, 1, 1);
    cr_assert(s_log_has("link: refused message", "PT-0001", 5000),
              "no refused message naming PT-0001 in the log");
    cr_assert_geq(s_wait_field("link_refused", 1, 5000), 1);
    cr_assert_eq(s_field("link_in"), 0, "a refused message was applied");
    /* The next message of the same sender is applied. */
    s_register(&p, "NO-0001", "NO");
    s_send_uplink(sock, "no/uplink", 1, 2, S_CAT_VERSION, &p);
    s_expect_ack(sock, 1, 2);
    cr_assert_eq(s_wait_field("link_in", 1, 5000), 1);
    /* A PT provider among NO ones: nothing of the message applied. */
    bl_mpw_reset(&p);
    bl_mpw_map(&p, 3);
    bl_mpw_str(&p, "kind");
    bl_mpw_str(&p, "register");
    bl_mpw_str(&p, "period");
    bl_mpw_int(&p, 0);
    bl_mpw_str(&p, "rows");
    bl_mpw_array(&p, 2);
    bl_mpw_array(&p, 2);
    bl_mpw_str(&p, "NO-0002");
    s_entry(&p, "NO");
    bl_mpw_array(&p, 2);
    bl_mpw_str(&p, "PT-0002");
    s_entry(&p, "PT");
    s_send_uplink(sock, "no/uplink", 1, 3, S_CAT_VERSION, &p);
    s_expect_ack(sock, 1, 3);
    cr_assert(s_log_has("link: refused message", "PT-0002", 5000));
    cr_assert_eq(s_wait_field("link_refused", 2, 5000), 2);
    cr_assert_eq(s_field("link_in"), 1);
    bl_mpw_destroy(&p);
}

Test(e2e_link_security, malformed_input_of_a_peer_is_refused_without_crash,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    int pid = bl_test_node_pid(&s_t.intl, "benchmark");
    cr_assert_gt(pid, 0);
    void *sock = s_dealer(&s_t.no);
    long refused = 0;
    /* (a) random bytes: not an envelope, refused without an ack. */
    unsigned char junk[512];
    srand(12345);
    junk[0] = 0xc1;  /* never used in MessagePack */
    for (size_t i = 1; i < sizeof junk; i++) {
        junk[i] = (unsigned char)(rand() & 0xff);
    }
    s_send_raw(sock, junk, sizeof junk);
    s_expect_silence(sock);
    s_expect_refused(&refused);
    /* A frame that claims a huge map, and an empty frame. */
    s_send_raw(sock, "\xdf\xff\xff\xff\xff", 5);
    s_expect_refused(&refused);
    s_send_raw(sock, "", 0);
    s_expect_refused(&refused);
    /* (b) an envelope whose payload claims a 2^32-1 element array. */
    bl_mpw_t p, row;
    bl_mpw_init(&p);
    bl_mpw_init(&row);
    bl_mpw_raw(&p, "\xdd\xff\xff\xff\xff", 5);
    s_send_uplink(sock, "no/uplink", 1, 1, S_CAT_VERSION, &p);
    s_expect_silence(sock);
    s_expect_refused(&refused);
    /* ... a payload that decodes but is no map: acked, refused. */
    bl_mpw_reset(&p);
    bl_mpw_int(&p, 42);
    s_send_uplink(sock, "no/uplink", 2, 1, S_CAT_VERSION, &p);
    s_expect_ack(sock, 2, 1);
    s_expect_refused(&refused);
    /* ... rows that are not an array. */
    bl_mpw_reset(&p);
    bl_mpw_map(&p, 2);
    bl_mpw_str(&p, "kind");
    bl_mpw_str(&p, "values");
    bl_mpw_str(&p, "rows");
    bl_mpw_str(&p, "rows");
    s_send_uplink(sock, "no/uplink", 3, 1, S_CAT_VERSION, &p);
    s_expect_ack(sock, 3, 1);
    s_expect_refused(&refused);
    /* (c) values rows of the wrong shape, each on its own epoch. */
    uint64_t epoch = 10;
    for (int shape = 0; shape < 5; shape++) {
        bl_mpw_reset(&row);
        switch (shape) {
        case 0:  /* too short */
            bl_mpw_array(&row, 1);
            bl_mpw_str(&row, "NO-0001");
            break;
        case 1:  /* too long */
            bl_mpw_array(&row, 4);
            bl_mpw_str(&row, "NO-0001");
            bl_mpw_str(&row, S_INDICATOR);
            s_value(&row);
            bl_mpw_int(&row, 1);
            break;
        case 2:  /* the provider not a string */
            bl_mpw_array(&row, 3);
            bl_mpw_int(&row, 7);
            bl_mpw_str(&row, S_INDICATOR);
            s_value(&row);
            break;
        case 3:  /* not an array */
            bl_mpw_str(&row, "NO-0001");
            break;
        default: /* an indicator not in the catalogue */
            bl_mpw_array(&row, 3);
            bl_mpw_str(&row, "NO-0001");
            bl_mpw_str(&row, "NO-SUCH-INDICATOR");
            s_value(&row);
            break;
        }
        s_values_raw_row(&p, &row);
        s_send_uplink(sock, "no/uplink", epoch, 1, S_CAT_VERSION, &p);
        s_expect_ack(sock, epoch, 1);
        epoch++;
        long got = s_wait_field("link_refused", refused + 1, 5000);
        cr_assert_eq(got, refused + 1, "row shape %d not refused (%ld)",
                     shape, got);
        refused = got;
    }
    cr_assert(s_log_has("link: refused message", "malformed row", 5000));
    cr_assert(s_log_has("link: refused message", "NO-SUCH-INDICATOR", 5000));
    bl_mpw_destroy(&row);
    bl_mpw_destroy(&p);
    cr_assert_eq(s_field("link_in"), 0, "a malformed message was applied");
    /* The daemon is the same process and still applies. */
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_t.intl, &out, "status"), 0, "%s", out);
    cr_assert_not_null(strstr(out, "benchmark"), "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_pid(&s_t.intl, "benchmark"), pid,
                 "the benchmarking daemon restarted");
    s_still_applies(sock, 100, 0);
    cr_assert_eq(bl_test_node_pid(&s_t.intl, "benchmark"), pid);
}

Test(e2e_link_security, a_foreign_catalogue_version_is_refused,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    void *sock = s_dealer(&s_t.no);
    bl_mpw_t p;
    bl_mpw_init(&p);
    s_register(&p, "NO-0001", "NO");
    s_send_uplink(sock, "no/uplink", 1, 1, "1999.1", &p);
    bl_mpw_destroy(&p);
    s_expect_ack(sock, 1, 1);
    cr_assert(s_log_has("link: refused message", "catalogue mismatch", 5000),
              "no catalogue mismatch in the log");
    cr_assert(s_log_has("catalogue mismatch", "1999.1", 0));
    cr_assert_geq(s_wait_field("link_refused", 1, 5000), 1);
    cr_assert_eq(s_field("link_in"), 0);
    s_still_applies(sock, 2, 0);
}

/* Rows whose content is wrong although their shape looks right: each
 * message is acknowledged, refused as a whole, and nothing is applied. */
Test(e2e_link_security, wrong_register_entries_and_values_are_refused,
     .init = s_setup, .fini = s_teardown, .timeout = 120)
{
    void *sock = s_dealer(&s_t.no);
    bl_mpw_t p, row;
    bl_mpw_init(&p);
    bl_mpw_init(&row);
    long refused = s_field("link_refused");
    uint64_t epoch = 100;
    for (int shape = 0; shape < 5; shape++) {
        bl_mpw_reset(&row);
        if (shape == 0) {
            /* a NO id whose register entry says PT */
            s_register(&p, "NO-0008", "PT");
        } else if (shape == 1) {
            /* a register entry that is no entry */
            bl_mpw_reset(&p);
            bl_mpw_map(&p, 3);
            bl_mpw_str(&p, "kind");
            bl_mpw_str(&p, "register");
            bl_mpw_str(&p, "period");
            bl_mpw_int(&p, 0);
            bl_mpw_str(&p, "rows");
            bl_mpw_array(&p, 1);
            bl_mpw_array(&p, 2);
            bl_mpw_str(&p, "NO-0004");
            bl_mpw_str(&p, "garbage");
        } else {
            /* a value out of range, beyond any value, or of a provider id
             * that breaks the pattern */
            bl_mpw_array(&row, 3);
            bl_mpw_str(&row, shape == 4 ? "NO-9\x1fu" : "NO-0005");
            bl_mpw_str(&row, shape == 3 ? "LEA-04" : "LEA-01");
            bl_mpw_array(&row, 5);
            bl_mpw_double(&row, shape == 4 ? 50 : 1e308);
            bl_mpw_double(&row, 1);
            bl_mpw_double(&row, 2);
            bl_mpw_nil(&row);
            bl_mpw_str(&row, "ok");
            s_values_raw_row(&p, &row);
        }
        s_send_uplink(sock, "no/uplink", epoch, 1, S_CAT_VERSION, &p);
        s_expect_ack(sock, epoch, 1);
        epoch++;
        long got = s_wait_field("link_refused", refused + 1, 5000);
        cr_assert_eq(got, refused + 1, "content %d not refused (%ld)", shape,
                     got);
        refused = got;
    }
    cr_assert_eq(s_field("link_in"), 0, "a wrong row was applied");
    cr_assert(s_log_has("link: refused message", "another country", 5000));
    cr_assert(s_log_has("link: refused message", "range", 5000));
    bl_mpw_destroy(&row);
    bl_mpw_destroy(&p);
}
