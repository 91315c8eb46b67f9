/*
 * End to end: a link between a national and the international node cut
 * without a reset.  A TCP relay written here (a thread on loopback that
 * can stop forwarding without closing a socket, like a router that drops
 * packets) stands between the two nodes; heartbeats are set to a few
 * seconds (link_heartbeat_s) so the test does not wait two minutes.  While
 * the relay is paused the national node takes its survey and closes the
 * period: `status` must show the link down.  Once the relay forwards again
 * the uplink catches up by itself, `status` shows the link up, and the
 * international export equals that of the same two nodes linked directly.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_INTL_GROUPS "  international: [service_type]\n  all: []\n"
#define S_NATIONAL_GROUPS "  national: [country, service_type]\n"
#define S_HEARTBEAT "link_heartbeat_s: 3\n"
#define S_PAIRS_MAX 32

/* ---- the relay ---------------------------------------------------------- */

typedef struct s_relay {
    int listen_fd;               /* accepts the national node */
    int port;                    /* where it listens */
    int upstream_port;           /* the international node */
    atomic_int paused;           /* 1: nothing is read or written */
    atomic_int stop;
    pthread_t thread;
    int down[S_PAIRS_MAX];       /* national side of each connection */
    int up[S_PAIRS_MAX];         /* international side */
    size_t n;
} s_relay_t;

static int s_connect_upstream(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void s_relay_drop(s_relay_t *r, size_t i)
{
    close(r->down[i]);
    close(r->up[i]);
    r->n--;
    r->down[i] = r->down[r->n];
    r->up[i] = r->up[r->n];
}

/* Copies what is waiting on from to to; false on end of file or error
 * (a peer that closed gives EPIPE, not a SIGPIPE that would end the
 * test). */
static bool s_relay_copy(int from, int to)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) {
        return false;
    }
    for (ssize_t off = 0; off < n;) {
        ssize_t w = send(to, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
        if (w <= 0) {
            return false;
        }
        off += w;
    }
    return true;
}

static void *s_relay_main(void *arg)
{
    s_relay_t *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd p[1 + 2 * S_PAIRS_MAX];
        size_t np = 0;
        p[np++] = (struct pollfd){r->listen_fd, POLLIN, 0};
        bool paused = atomic_load(&r->paused);
        if (!paused) {
            for (size_t i = 0; i < r->n; i++) {
                p[np++] = (struct pollfd){r->down[i], POLLIN, 0};
                p[np++] = (struct pollfd){r->up[i], POLLIN, 0};
            }
        }
        if (poll(p, (nfds_t)np, 50) <= 0) {
            continue;
        }
        if (p[0].revents & POLLIN) {
            int fd = accept(r->listen_fd, NULL, NULL);
            int up = fd >= 0 ? s_connect_upstream(r->upstream_port) : -1;
            if (fd >= 0 && up >= 0 && r->n < S_PAIRS_MAX) {
                r->down[r->n] = fd;
                r->up[r->n] = up;
                r->n++;
            } else {
                if (fd >= 0) {
                    close(fd);
                }
                if (up >= 0) {
                    close(up);
                }
            }
        }
        /* Paused while poll waited: copy nothing that came meanwhile. */
        if (paused || atomic_load(&r->paused)) {
            continue;
        }
        /* Walk backwards: dropping a pair moves the last one into i. */
        for (size_t k = np - 1; k >= 1 && k + 1 >= 2; k -= 2) {
            size_t i = (k - 1) / 2;
            bool ok = true;
            if (p[k - 1].revents & (POLLIN | POLLHUP | POLLERR)) {
                ok = s_relay_copy(r->down[i], r->up[i]);
            }
            if (ok && (p[k].revents & (POLLIN | POLLHUP | POLLERR))) {
                ok = s_relay_copy(r->up[i], r->down[i]);
            }
            if (!ok) {
                s_relay_drop(r, i);
            }
            if (k < 2) {
                break;
            }
        }
    }
    return NULL;
}

static void s_relay_start(s_relay_t *r, int upstream_port)
{
    memset(r, 0, sizeof *r);
    r->upstream_port = upstream_port;
    r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(r->listen_fd, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(r->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(r->listen_fd, 16), 0);
    cr_assert_eq(getsockname(r->listen_fd, (struct sockaddr *)&a, &len), 0);
    r->port = ntohs(a.sin_port);
    cr_assert_eq(pthread_create(&r->thread, NULL, s_relay_main, r), 0);
}

static void s_relay_stop(s_relay_t *r)
{
    if (r->listen_fd <= 0) {
        return;
    }
    atomic_store(&r->stop, 1);
    pthread_join(r->thread, NULL);
    while (r->n > 0) {
        s_relay_drop(r, 0);
    }
    close(r->listen_fd);
    r->listen_fd = 0;
}

/* ---- two nodes ---------------------------------------------------------- */

typedef struct s_pair {
    bl_test_node_t intl;
    bl_test_node_t nat;
    char keys[300];
    int port;                    /* the international node's door */
} s_pair_t;

static s_pair_t s_direct, s_cut;
static s_relay_t s_relay;

/* Makes an international node and a NO national node whose upstream is
 * 127.0.0.1:via (the door itself, or the relay: via_relay), and starts
 * them (the international node only with start_intl). */
static void s_pair_init(s_pair_t *p, bool via_relay, bool start_intl)
{
    memset(p, 0, sizeof *p);
    p->port = bl_test_free_port();
    cr_assert_gt(p->port, 0);
    cr_assert_eq(bl_test_node_init(&p->intl, "role: international\n",
                                   S_INTL_GROUPS, S_HEARTBEAT),
                 0);
    snprintf(p->keys, sizeof p->keys, "%s/keys", p->intl.dir);
    cr_assert_eq(mkdir(p->keys, 0700), 0);
    static const char *const names[] = {"intl", "no"};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(bl_test_node_cli(&p->intl, NULL, "keygen %s -o %s",
                                      names[i], p->keys),
                     0);
    }
    FILE *f = fopen(p->intl.config, "a");
    cr_assert_not_null(f);
    fprintf(f,
            "listen: tcp://127.0.0.1:%d\nkey: %s/intl.key\nallow:\n"
            "  - {key: %s/no.pub, country: \"NO\"}\n",
            p->port, p->keys, p->keys);
    cr_assert_eq(fclose(f), 0);
    int via = p->port;
    if (via_relay) {
        s_relay_start(&s_relay, p->port);
        via = s_relay.port;
    }
    char up[1024];
    snprintf(up, sizeof up,
             S_HEARTBEAT "upstream:\n  endpoint: tcp://127.0.0.1:%d\n"
             "  server_key: %s/intl.pub\n  key: %s/no.key\n",
             via, p->keys, p->keys);
    cr_assert_eq(bl_test_node_init(&p->nat, "role: national\ncountry: "
                                   "\"NO\"\n",
                                   S_NATIONAL_GROUPS, up),
                 0);
    cr_assert_eq(bl_test_node_write_data(&p->nat, 12, 8), 0);
    char *out = NULL;
    if (start_intl) {
        cr_assert_eq(bl_test_node_cli(&p->intl, &out, "up"), 0, "%s", out);
        free(out);
    }
    cr_assert_eq(bl_test_node_cli(&p->nat, &out, "up"), 0, "%s", out);
    free(out);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_cut.nat);
    bl_test_node_stop(&s_cut.intl);
    bl_test_node_stop(&s_direct.nat);
    bl_test_node_stop(&s_direct.intl);
    s_relay_stop(&s_relay);
}

/* The national node's benchmark status line (malloc'd). */
static char *s_uplink_status(const s_pair_t *p)
{
    char *out = NULL;
    bl_test_node_cli(&p->nat, &out, "status");
    cr_assert_not_null(out);
    return out;
}

/* Waits up to ms for the national status to hold needle. */
static bool s_wait_status(const s_pair_t *p, const char *needle, int ms)
{
    for (int waited = 0;; waited += 200) {
        char *out = s_uplink_status(p);
        bool found = strstr(out, needle) != NULL;
        free(out);
        if (found || waited >= ms) {
            return found;
        }
        bl_test_sleep_ms(200);
    }
}

static void s_submit_and_close(const s_pair_t *p)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&p->nat, &out, "submit --wait survey.csv"),
                 0, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&p->nat, &out, "close 2025"), 0, "%s",
                 out);
    free(out);
}

/* The international node's exports of 2025 (malloc'd), "" until it has
 * the national values. */
static char *s_intl_exports(const s_pair_t *p)
{
    static const char *const whats[] = {"values", "stats", "positions"};
    size_t cap = 1 << 20, len = 0;
    char *all = malloc(cap);
    cr_assert_not_null(all);
    all[0] = '\0';
    for (int i = 0; i < 3; i++) {
        char *out = NULL;
        int rc = bl_test_node_cli(&p->intl, &out, "export 2025 --what %s",
                                  whats[i]);
        cr_assert_eq(rc, 0, "%s", out);
        size_t n = strlen(out);
        cr_assert_lt(len + n, cap);
        memcpy(all + len, out, n + 1);
        len += n;
        free(out);
    }
    return all;
}

/* Waits until the international node's exports hold NO's values and stop
 * changing; returns them. */
static char *s_settled_exports(const s_pair_t *p)
{
    char *last = NULL;
    for (int i = 0; i < 300; i++) {
        char *now = s_intl_exports(p);
        bool has = strstr(now, ",NO-0001,") != NULL;
        if (has && last != NULL && strcmp(now, last) == 0) {
            free(last);
            return now;
        }
        free(last);
        last = now;
        bl_test_sleep_ms(500);
    }
    cr_assert_fail("the international node never got NO's values");
    return NULL;
}

Test(e2e_cutlink, a_silent_cut_shows_down_and_catches_up_when_healed,
     .fini = s_teardown, .timeout = 600)
{
    /* The figures without a cut. */
    s_pair_init(&s_direct, false, true);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_direct.nat, &out, "submit --wait "
                                  "register.csv"),
                 0, "%s", out);
    free(out);
    s_submit_and_close(&s_direct);
    cr_assert(s_wait_status(&s_direct, "uplink_pending=0 ", 60000));
    char *want = s_settled_exports(&s_direct);
    bl_test_node_stop(&s_direct.nat);
    bl_test_node_stop(&s_direct.intl);

    /* The same through the relay, cut while the national node closes. */
    s_pair_init(&s_cut, true, true);
    cr_assert_eq(bl_test_node_cli(&s_cut.nat, &out, "submit --wait "
                                  "register.csv"),
                 0, "%s", out);
    free(out);
    cr_assert(s_wait_status(&s_cut, "uplink=up ", 30000),
              "the link never came up");
    int intl_pid = bl_test_node_pid(&s_cut.intl, "benchmark");
    int nat_pid = bl_test_node_pid(&s_cut.nat, "benchmark");
    atomic_store(&s_relay.paused, 1);
    s_submit_and_close(&s_cut);
    cr_assert(s_wait_status(&s_cut, "uplink=down ", 60000),
              "status does not show the cut link down");
    out = s_uplink_status(&s_cut);
    cr_assert_null(strstr(out, "uplink_pending=0 "),
                   "nothing waits to be sent: %s", out);
    cr_assert_not_null(strstr(out, "uplink_last_contact=20"), "%s", out);
    free(out);
    char *during = s_intl_exports(&s_cut);
    cr_assert_null(strstr(during, ",NO-0001,"),
                   "values crossed a paused relay: %s", during);
    free(during);

    atomic_store(&s_relay.paused, 0);
    cr_assert(s_wait_status(&s_cut, "uplink_pending=0 ", 120000),
              "the uplink did not catch up");
    cr_assert(s_wait_status(&s_cut, "uplink=up ", 60000),
              "status does not show the healed link up");
    char *got = s_settled_exports(&s_cut);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    cr_assert_eq(bl_test_node_pid(&s_cut.intl, "benchmark"), intl_pid);
    cr_assert_eq(bl_test_node_pid(&s_cut.nat, "benchmark"), nat_pid);
    char path[512];
    snprintf(path, sizeof path, "%s/var/log/benchmark.log", s_cut.nat.dir);
    cr_assert_eq(bl_test_sh("grep -q 'link: down, no answer' %s", path), 0);
    cr_assert_eq(bl_test_sh("grep -q 'link: up again' %s", path), 0);
}

/* The time of day (ms) of the national benchmark's first log line of
 * level (" W ", " E ") saying the international node is not reachable;
 * -1 when there is none yet. */
static long s_unreachable_at(const s_pair_t *p, const char *level)
{
    char path[512];
    snprintf(path, sizeof path, "%s/var/log/benchmark.log", p->nat.dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char line[1024];
    long at = -1;
    while (at < 0 && fgets(line, sizeof line, f) != NULL) {
        int h, m, sec, ms;
        if (strstr(line, level) != NULL &&
            strstr(line, "link: the international node at ") != NULL &&
            strstr(line, " is not reachable") != NULL &&
            sscanf(line, "%*10cT%d:%d:%d.%dZ", &h, &m, &sec, &ms) == 4) {
            at = ((h * 60L + m) * 60 + sec) * 1000 + ms;
        }
    }
    fclose(f);
    return at;
}

/* A national node that starts before the international node (or is
 * started while its link is still being made) warns; only a link that
 * stays unreachable for the heartbeat timeout (3 s here) is an error.
 * `status` names it from the first try, and the link comes up by
 * itself. */
Test(e2e_cutlink, an_upstream_not_up_yet_warns_then_is_an_error,
     .fini = s_teardown, .timeout = 120)
{
    s_pair_init(&s_direct, false, false);
    bl_test_node_expect_error(&s_direct.nat, "is not reachable");
    cr_assert(s_wait_status(&s_direct, "not reachable", 10000),
              "status does not name the unreachable upstream");
    long error_at;
    for (int waited = 0; (error_at = s_unreachable_at(&s_direct, " E ")) < 0;
         waited += 200) {
        cr_assert_lt(waited, 20000, "no error after the heartbeat timeout");
        bl_test_sleep_ms(200);
    }
    long warned_at = s_unreachable_at(&s_direct, " W ");
    cr_assert_geq(warned_at, 0, "no warning first");
    if (error_at < warned_at) {
        error_at += 24L * 3600 * 1000;   /* past midnight */
    }
    cr_assert_geq(error_at - warned_at, 3000,
                  "an error %ld ms after the first warning, before the "
                  "heartbeat timeout", error_at - warned_at);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_direct.intl, &out, "up"), 0, "%s", out);
    free(out);
    cr_assert(s_wait_status(&s_direct, "uplink=up ", 30000),
              "the link never came up");
    for (int waited = 0;; waited += 200) {
        out = s_uplink_status(&s_direct);
        bool named = strstr(out, "not reachable") != NULL;
        free(out);
        if (!named) {
            break;
        }
        cr_assert_lt(waited, 30000, "status still names the error");
        bl_test_sleep_ms(200);
    }
}
