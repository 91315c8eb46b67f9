/*
 * The web portal against a real node: bl-web and the five stages started
 * by `benchlearn up` from a generated config (web on 127.0.0.1, port picked
 * by the OS, upload limit 1 MB), accounts made with `benchlearn user`, and
 * raw HTTP/1.1 over a socket (no client library hides a header).
 *
 * Access (SPEC 9): no session → 303 /login; another provider's submission,
 * report or action → 404; a POST without the CSRF token → 403; the sixth
 * log-in after five wrong passwords is refused even with the right one;
 * the cookie is HttpOnly and SameSite=Strict; every answer carries the CSP.
 * Bad input: an upload past the limit → 413 with bl-web's memory flat; a
 * malformed multipart body, path traversal in every route parameter, an
 * over-long header, a slow client → 4xx or a closed connection, and the
 * portal goes on serving.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_TIMEOUT 300

static bl_test_node_t s_node;
static int s_port;

/* One HTTP answer. */
typedef struct s_resp {
    int status;
    char *head;      /* status line and headers */
    char *body;
    size_t body_len;
} s_resp_t;

static void s_free(s_resp_t *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

static int s_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)s_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0,
                 "connect: %s", strerror(errno));
    return fd;
}

static void s_send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return;  /* the server may close early (413): fine */
        }
        data += n;
        len -= (size_t)n;
    }
}

/* Reads until the server closes; splits head and body. */
static void s_read_resp(int fd, s_resp_t *r)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (;;) {
        if (cap - len < 4096) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    memset(r, 0, sizeof *r);
    char *end = strstr(buf, "\r\n\r\n");
    if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1) {
        r->status = 0;
    }
    size_t hl = end ? (size_t)(end - buf) : len;
    r->head = strndup(buf, hl);
    size_t bo = end ? hl + 4 : len;
    r->body_len = len - bo;
    r->body = malloc(r->body_len + 1);
    memcpy(r->body, buf + bo, r->body_len);
    r->body[r->body_len] = '\0';
    free(buf);
}

/* Sends a request (method, path, extra headers, body) and reads the whole
 * answer. */
static void s_http(s_resp_t *r, const char *method, const char *path,
                   const char *cookie, const char *type, const char *body,
                   size_t body_len)
{
    int fd = s_connect();
    char head[4096];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Connection: close\r\n", method, path);
    if (cookie != NULL) {
        n += snprintf(head + n, sizeof head - (size_t)n,
                      "Cookie: bl_session=%s\r\n", cookie);
    }
    if (body != NULL) {
        n += snprintf(head + n, sizeof head - (size_t)n,
                      "Content-Type: %s\r\nContent-Length: %zu\r\n", type,
                      body_len);
    }
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    s_send_all(fd, head, (size_t)n);
    if (body != NULL) {
        s_send_all(fd, body, body_len);
    }
    s_read_resp(fd, r);
    close(fd);
}

static const char *s_header(const s_resp_t *r, const char *name, char *buf,
                            size_t size)
{
    buf[0] = '\0';
    char key[128];
    snprintf(key, sizeof key, "\r\n%s: ", name);
    const char *at = strstr(r->head, key);
    if (at == NULL) {
        return NULL;
    }
    at += strlen(key);
    size_t n = strcspn(at, "\r\n");
    snprintf(buf, size, "%.*s", (int)n, at);
    return buf;
}

/* Logs in; returns the session id in sid (65 bytes). */
static int s_login(const char *login, const char *password, char *sid)
{
    char body[256];
    snprintf(body, sizeof body, "login=%s&password=%s", login, password);
    s_resp_t r;
    s_http(&r, "POST", "/login", NULL, "application/x-www-form-urlencoded",
           body, strlen(body));
    int status = r.status;
    char cookie[512];
    sid[0] = '\0';
    if (s_header(&r, "Set-Cookie", cookie, sizeof cookie) != NULL) {
        sscanf(cookie, "bl_session=%64[0-9a-f]", sid);
    }
    s_free(&r);
    return status;
}

/* The CSRF token in a page of the session. */
static void s_csrf(const char *sid, char *token)
{
    s_resp_t r;
    s_http(&r, "GET", "/submit", sid, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    const char *at = strstr(r.body, "name=\"csrf\" value=\"");
    cr_assert_not_null(at);
    sscanf(at + strlen("name=\"csrf\" value=\""), "%64[0-9a-f]", token);
    cr_assert_eq(strlen(token), 64);
    s_free(&r);
}

/* A multipart body with the csrf field (when not NULL) and a file. */
static char *s_multipart(const char *csrf, const char *file, size_t flen,
                         size_t *len)
{
    const char *bd = "XbLbOuNdArY";
    size_t cap = flen + 1024;
    char *b = malloc(cap);
    cr_assert_not_null(b);
    size_t n = 0;
    if (csrf != NULL) {
        n += (size_t)snprintf(b + n, cap - n,
                              "--%s\r\nContent-Disposition: form-data; "
                              "name=\"csrf\"\r\n\r\n%s\r\n", bd, csrf);
    }
    n += (size_t)snprintf(b + n, cap - n,
                          "--%s\r\nContent-Disposition: form-data; "
                          "name=\"file\"; filename=\"figures.csv\"\r\n"
                          "Content-Type: text/csv\r\n\r\n", bd);
    memcpy(b + n, file, flen);
    n += flen;
    n += (size_t)snprintf(b + n, cap - n, "\r\n--%s--\r\n", bd);
    *len = n;
    return b;
}

#define S_MULTIPART "multipart/form-data; boundary=XbLbOuNdArY"

/* bl-web's resident memory in kB. */
static long s_rss_kb(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status",
             bl_test_node_pid(&s_node, "web"));
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    long kb = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "VmRSS: %ld", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb;
}

static void s_write(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_node.dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static void s_setup(void)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: national\ncountry: NO\n",
                                   "  national: [country]\n",
                                   "web:\n  listen: 127.0.0.1:0\n"
                                   "  max_upload_mb: 1\n"),
                 0);
    cr_assert_eq(bl_test_node_write_data(&s_node, 6, 6), 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
    char path[512], addr[128] = "";
    snprintf(path, sizeof path, "%s/var/run/web.addr", s_node.dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(addr, sizeof addr, f));
    fclose(f);
    cr_assert_eq(sscanf(addr, "http://127.0.0.1:%d/", &s_port), 1, "%s",
                 addr);
    s_write("pw1", "provider-one-secret\n");
    s_write("pw2", "provider-two-secret\n");
    s_write("pwc", "coordinator-secret\n");
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "user add p1 --provider "
                                  "NO-0001 --password-file pw1"), 0, "%s",
                 out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "user add p2 --provider "
                                  "NO-0002 --password-file pw2"), 0, "%s",
                 out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "user add boss "
                                  "--coordinator --password-file pwc"), 0,
                 "%s", out);
    free(out);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

TestSuite(web, .init = s_setup, .fini = s_teardown, .timeout = S_TIMEOUT);

Test(web, no_session_redirects_to_login)
{
    static const char *const paths[] = {"/", "/submit", "/coordinator",
                                        "/submissions/x",
                                        "/reports/2025/NO-0001.html",
                                        "/actions"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        s_resp_t r;
        s_http(&r, "GET", paths[i], NULL, NULL, NULL, 0);
        char loc[128], csp[128];
        cr_assert_eq(r.status, 303, "%s: %s", paths[i], r.head);
        cr_assert_str_eq(s_header(&r, "Location", loc, sizeof loc),
                         "/login");
        cr_assert_str_eq(s_header(&r, "Content-Security-Policy", csp,
                                  sizeof csp),
                         "default-src 'self'");
        s_free(&r);
    }
    s_resp_t r;
    s_http(&r, "POST", "/submissions", "0123", S_MULTIPART, "x", 1);
    cr_assert_eq(r.status, 303);
    s_free(&r);
    s_http(&r, "GET", "/login", NULL, NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "<label for=\"login\">") != NULL);
    cr_assert(strstr(r.body, "name=\"viewport\"") != NULL);
    cr_assert(strstr(r.body, "<script") == NULL);
    s_free(&r);
}

Test(web, session_cookie_is_httponly_and_strict)
{
    s_resp_t r;
    const char *body = "login=p1&password=provider-one-secret";
    s_http(&r, "POST", "/login", NULL, "application/x-www-form-urlencoded",
           body, strlen(body));
    char cookie[512], loc[64], sid[65] = "";
    cr_assert_eq(r.status, 303, "%s", r.head);
    cr_assert_str_eq(s_header(&r, "Location", loc, sizeof loc), "/");
    cr_assert_not_null(s_header(&r, "Set-Cookie", cookie, sizeof cookie));
    cr_assert(strstr(cookie, "; HttpOnly") != NULL, "%s", cookie);
    cr_assert(strstr(cookie, "; SameSite=Strict") != NULL, "%s", cookie);
    cr_assert(strstr(cookie, "Secure") == NULL, "no TLS here: %s", cookie);
    cr_assert_eq(sscanf(cookie, "bl_session=%64[0-9a-f]", sid), 1);
    cr_assert_eq(strlen(sid), 64, "256 random bits in hex: %s", cookie);
    s_free(&r);
    s_http(&r, "GET", "/", sid, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, "NO-0001") != NULL);
    s_free(&r);
}

Test(web, post_without_csrf_is_forbidden)
{
    char sid[65], token[65];
    cr_assert_eq(s_login("p1", "provider-one-secret", sid), 303);
    s_csrf(sid, token);
    s_resp_t r;
    static const char *const posts[] = {"/logout", "/language",
                                        "/password", "/actions",
                                        "/actions/practice"};
    for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++) {
        s_http(&r, "POST", posts[i], sid,
               "application/x-www-form-urlencoded", "lang=no", 7);
        cr_assert_eq(r.status, 403, "%s: %s", posts[i], r.head);
        s_free(&r);
    }
    s_http(&r, "POST", "/logout", sid, "application/x-www-form-urlencoded",
           "csrf=0000000000000000000000000000000000000000000000000000000000"
           "000000", 69);
    cr_assert_eq(r.status, 403, "a wrong token: %s", r.head);
    s_free(&r);
    size_t len;
    char *mp = s_multipart(NULL, "provider_id\nNO-0001\n", 20, &len);
    s_http(&r, "POST", "/submissions", sid, S_MULTIPART, mp, len);
    cr_assert_eq(r.status, 403, "upload without csrf: %s", r.head);
    s_free(&r);
    free(mp);
    /* With the token the same POST works: the session still lives. */
    char body[128];
    snprintf(body, sizeof body, "lang=pt&csrf=%s", token);
    s_http(&r, "POST", "/language", sid, "application/x-www-form-urlencoded",
           body, strlen(body));
    cr_assert_eq(r.status, 303, "%s", r.head);
    s_free(&r);
    s_http(&r, "GET", "/", sid, NULL, NULL, 0);
    cr_assert(strstr(r.body, "<html lang=\"pt\">") != NULL);
    cr_assert(strstr(r.body, "Enviar um ficheiro") != NULL);
    s_free(&r);
}

Test(web, sixth_login_after_five_failures_is_locked)
{
    char sid[65];
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(s_login("p2", "wrong-password", sid), 401, "try %d", i);
        cr_assert_eq(sid[0], '\0');
    }
    cr_assert_eq(s_login("p2", "provider-two-secret", sid), 429);
    cr_assert_eq(sid[0], '\0', "no session while locked");
    /* Another login is not affected. */
    cr_assert_eq(s_login("p1", "provider-one-secret", sid), 303);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "user list"), 0);
    cr_assert(strstr(out, "p2") != NULL);
    free(out);
}

Test(web, another_providers_things_are_not_found)
{
    char sid1[65], sid2[65], token[65];
    cr_assert_eq(s_login("p1", "provider-one-secret", sid1), 303);
    cr_assert_eq(s_login("p2", "provider-two-secret", sid2), 303);
    s_csrf(sid1, token);
    const char *csv = "provider_id,unit_id,period,survey,respondent_id,U1,"
                      "U2,U3\nNO-0001,,2025,user,r1,1,2,3\n"
                      "NO-0002,,2025,user,r1,1,2,3\n"
                      "NO-0001,,2025,user,r2,9,2,3\n";
    size_t len;
    char *mp = s_multipart(token, csv, strlen(csv), &len);
    s_resp_t r;
    s_http(&r, "POST", "/submissions", sid1, S_MULTIPART, mp, len);
    free(mp);
    char loc[128];
    cr_assert_eq(r.status, 303, "%s\n%s", r.head, r.body);
    cr_assert_not_null(s_header(&r, "Location", loc, sizeof loc));
    cr_assert(strncmp(loc, "/submissions/", 13) == 0, "%s", loc);
    s_free(&r);
    /* Its own: the outcomes with line numbers; line 3 is another
     * provider's row, line 4 has an answer out of range. */
    char json[160];
    snprintf(json, sizeof json, "%s.json", loc);
    int tries = 0;
    do {
        s_free(&r);
        s_http(&r, "GET", json, sid1, NULL, NULL, 0);
        cr_assert_eq(r.status, 200, "%s", r.head);
        bl_test_sleep_ms(100);
    } while (strstr(r.body, "\"state\": \"validated\"") == NULL &&
             ++tries < 600);
    cr_assert(strstr(r.body, "\"rows\": 3") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "\"line\": 3") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "not your provider") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "\"line\": 4") != NULL, "%s", r.body);
    s_free(&r);
    s_http(&r, "GET", loc, sid1, NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "<td>4</td>") != NULL, "%s", r.body);
    s_free(&r);
    /* The other provider: as if it did not exist. */
    const char *theirs[] = {loc, json, "/reports/2025/NO-0001.html",
                            "/reports/2025/NO-0001.pdf",
                            "/reports/2025/NO-0001.csv",
                            "/reports/2025/NO-0001.json", "/actions/a1",
                            "/coordinator",
                            "/coordinator/summary/2025.html"};
    for (size_t i = 0; i < sizeof theirs / sizeof theirs[0]; i++) {
        s_http(&r, "GET", theirs[i], sid2, NULL, NULL, 0);
        cr_assert_eq(r.status, 404, "%s: %s", theirs[i], r.head);
        s_free(&r);
    }
    char token2[65], body[128];
    s_csrf(sid2, token2);
    snprintf(body, sizeof body, "csrf=%s", token2);
    s_http(&r, "POST", "/coordinator/close/2025", sid2,
           "application/x-www-form-urlencoded", body, strlen(body));
    cr_assert_eq(r.status, 404, "a provider cannot close: %s", r.head);
    s_free(&r);
    /* The coordinator sees it, and the provider counted as sent. */
    char sidc[65];
    cr_assert_eq(s_login("boss", "coordinator-secret", sidc), 303);
    s_http(&r, "GET", loc, sidc, NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    s_free(&r);
    s_http(&r, "GET", "/coordinator?period=2025&sort=rejected", sidc, NULL,
           NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, "<p id=\"sent-count\">Sent: 1 / 2</p>") !=
                  NULL, "%s", r.body);
    s_free(&r);
}

/* The dashboard covers the whole register: a provider that submitted with
 * `benchlearn submit` only is there with its figures, one that sent
 * nothing is there as not sent, and each column sorts. */
Test(web, dashboard_covers_the_register_and_cli_submissions)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "submit --wait "
                                  "register.csv"), 0, "%s", out);
    free(out);
    s_write("cli.csv", "provider_id,unit_id,period,survey,respondent_id,U1,"
                       "U2,U3\nNO-0005,,2025,user,r1,1,2,3\n"
                       "NO-0005,,2025,user,r2,9,2,3\n");
    bl_test_node_cli(&s_node, &out, "submit --wait cli.csv");
    cr_assert(strstr(out, "1 accepted, 0 with warnings, 1 rejected") != NULL,
              "%s", out);
    free(out);
    char sidc[65];
    cr_assert_eq(s_login("boss", "coordinator-secret", sidc), 303);
    s_resp_t r;
    s_http(&r, "GET", "/coordinator?period=2025&sort=provider", sidc, NULL,
           NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    /* Six providers in the register, one of them has sent. */
    cr_assert(strstr(r.body, "<p id=\"sent-count\">Sent: 1 / 6</p>") !=
                  NULL, "%s", r.body);
    static const char head5[] = "<tr><td>NO-0005</td><td>Sent</td><td>";
    const char *five = strstr(r.body, head5);
    cr_assert_not_null(five, "%s", r.body);
    int pct;
    unsigned long sent, total, rejected;
    cr_assert_eq(sscanf(five + strlen(head5),
                        "%d%% (%lu/%lu)</td><td>%lu</td>", &pct, &sent,
                        &total, &rejected),
                 4, "%s", five);
    cr_assert(sent >= 1 && sent < total, "%lu of %lu", sent, total);
    cr_assert_eq(pct, (int)(100 * sent / total));
    cr_assert_eq(rejected, 1, "the row answered 9 is still rejected");
    char six[128];
    snprintf(six, sizeof six, "<tr><td>NO-0006</td><td>not yet</td><td>0%% "
             "(0/%lu)</td><td>0</td>", total);
    const char *p6 = strstr(r.body, six);
    cr_assert_not_null(p6, "%s", r.body);
    cr_assert(five < p6, "sorted by provider");
    s_free(&r);
    /* By completeness (ascending): the one that sent comes last. */
    s_http(&r, "GET", "/coordinator?period=2025&sort=complete", sidc, NULL,
           NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    five = strstr(r.body, "<tr><td>NO-0005</td>");
    p6 = strstr(r.body, "<tr><td>NO-0006</td>");
    cr_assert(five != NULL && p6 != NULL && p6 < five, "%s", r.body);
    cr_assert(strstr(r.body, "aria-sort=\"ascending\"><a href=\"/coordinator"
                     "?period=2025&amp;sort=complete\"") != NULL, "%s",
              r.body);
    s_free(&r);
    /* Another period: nobody has sent. */
    s_http(&r, "GET", "/coordinator?period=2024", sidc, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, "<p id=\"sent-count\">Sent: 0 / 6</p>") !=
                  NULL, "%s", r.body);
    s_free(&r);
}

/* A file rejected as a whole keeps why: its submission's page (and JSON)
 * lists the header's reasons, as `submit` gave them. */
Test(web, a_file_rejected_as_a_whole_shows_why_on_its_page)
{
    s_write("caps.csv", "Provider_ID,Unit_ID,Period,Indicator_ID,Numerator,"
                        "Denominator,Value\nNO-0001,,2025,COM-01,,,1\n");
    char *out = NULL;
    bl_test_node_cli(&s_node, &out, "submit caps.csv");
    cr_assert_not_null(out);
    const char *at = strstr(out, "rejected as a whole (benchlearn check ");
    cr_assert_not_null(at, "%s", out);
    char id[128] = "";
    sscanf(at + strlen("rejected as a whole (benchlearn check "),
           "%127[^)]", id);
    free(out);
    char sidc[65], path[256];
    cr_assert_eq(s_login("boss", "coordinator-secret", sidc), 303);
    s_resp_t r;
    snprintf(path, sizeof path, "/submissions/%s", id);
    s_http(&r, "GET", path, sidc, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, "<li>1: column &#39;Provider_ID&#39; would be "
                             "&#39;provider_id&#39;: column names are lower "
                             "case</li>") != NULL, "%s", r.body);
    s_free(&r);
    snprintf(path, sizeof path, "/submissions/%s.json", id);
    s_http(&r, "GET", path, sidc, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, "\"errors\": [\"cannot tell the file kind") !=
                  NULL, "%s", r.body);
    s_free(&r);
}

/* Reports are never rendered on request: while a close's rendering runs
 * (its folder there, no generation rendered yet) a report answers 503 with
 * Refresh at once; a period never closed is not found. */
Test(web, a_report_being_rendered_answers_refresh_at_once)
{
    cr_assert_eq(bl_test_sh("mkdir -p %s/var/reports/2030", s_node.dir), 0);
    char sidc[65], sid1[65], loc[16];
    cr_assert_eq(s_login("boss", "coordinator-secret", sidc), 303);
    cr_assert_eq(s_login("p1", "provider-one-secret", sid1), 303);
    s_resp_t r;
    s_http(&r, "GET", "/coordinator/summary/2030.html", sidc, NULL, NULL, 0);
    cr_assert_eq(r.status, 503, "%s", r.head);
    cr_assert_not_null(s_header(&r, "Refresh", loc, sizeof loc));
    cr_assert_str_eq(loc, "5");
    cr_assert(strstr(r.body, "being prepared") != NULL, "%s", r.body);
    s_free(&r);
    s_http(&r, "GET", "/reports/2030/NO-0001.pdf", sid1, NULL, NULL, 0);
    cr_assert_eq(r.status, 503, "%s", r.head);
    cr_assert_not_null(s_header(&r, "Refresh", loc, sizeof loc));
    s_free(&r);
    s_http(&r, "GET", "/coordinator/summary/2029.html", sidc, NULL, NULL, 0);
    cr_assert_eq(r.status, 404, "%s", r.head);
    cr_assert_null(s_header(&r, "Refresh", loc, sizeof loc));
    s_free(&r);
}

/* GET s_path as sid until its outcomes say validated; r keeps the last. */
static void s_wait_validated(s_resp_t *r, const char *path, const char *sid)
{
    char json[160];
    snprintf(json, sizeof json, "%s.json", path);
    int tries = 0;
    memset(r, 0, sizeof *r);
    do {
        s_free(r);
        s_http(r, "GET", json, sid, NULL, NULL, 0);
        cr_assert_eq(r->status, 200, "%s", r->head);
        bl_test_sleep_ms(100);
    } while (strstr(r->body, "\"state\": \"validated\"") == NULL &&
             ++tries < 600);
}

/* POST /actions: the form's action becomes a one-row actions CSV sent to
 * ingestion like an upload; its outcomes say what was wrong, and /actions
 * lists the provider's own. */
Test(web, an_action_from_the_form_is_a_submission)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "submit --wait "
                                  "register.csv"), 0, "%s", out);
    free(out);
    char sid1[65], sid2[65], token[65], loc[128], loc2[128];
    cr_assert_eq(s_login("p1", "provider-one-secret", sid1), 303);
    cr_assert_eq(s_login("p2", "provider-two-secret", sid2), 303);
    s_csrf(sid1, token);
    char body[512];
    snprintf(body, sizeof body, "csrf=%s&period=2025&action_id=a1&"
             "indicator_id=LEA-01&action=Train+staff%%2C+weekly&owner=Ana&"
             "due=2026-03-01&status=planned", token);
    s_resp_t r;
    s_http(&r, "POST", "/actions", sid1, "application/x-www-form-urlencoded",
           body, strlen(body));
    cr_assert_eq(r.status, 303, "%s\n%s", r.head, r.body);
    cr_assert_not_null(s_header(&r, "Location", loc, sizeof loc));
    cr_assert(strncmp(loc, "/submissions/", 13) == 0, "%s", loc);
    s_free(&r);
    s_wait_validated(&r, loc, sid1);
    cr_assert(strstr(r.body, "\"rows\": 1") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "\"rejected\": 0") != NULL, "%s", r.body);
    s_free(&r);
    /* A status SPEC 10 does not know: rejected, naming the field. */
    snprintf(body, sizeof body, "csrf=%s&period=2025&action_id=a2&"
             "indicator_id=LEA-01&action=x&owner=&due=2026-03-01&"
             "status=maybe", token);
    s_http(&r, "POST", "/actions", sid1, "application/x-www-form-urlencoded",
           body, strlen(body));
    cr_assert_eq(r.status, 303, "%s\n%s", r.head, r.body);
    cr_assert_not_null(s_header(&r, "Location", loc2, sizeof loc2));
    s_free(&r);
    s_wait_validated(&r, loc2, sid1);
    cr_assert(strstr(r.body, "\"rejected\": 1") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "\"line\": 2, \"severity\": \"error\", "
                     "\"field\": \"status\"") != NULL, "%s", r.body);
    s_free(&r);
    /* Listed on the provider's page; another provider's: not found. */
    s_http(&r, "GET", "/actions", sid1, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, loc) != NULL && strstr(r.body, loc2) != NULL,
              "%s", r.body);
    s_free(&r);
    s_http(&r, "GET", "/actions", sid2, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, loc) == NULL, "%s", r.body);
    s_free(&r);
    s_http(&r, "GET", loc, sid2, NULL, NULL, 0);
    cr_assert_eq(r.status, 404, "%s", r.head);
    s_free(&r);
}

/* POST /actions/practice: the practice form on /actions becomes a one-row
 * practices CSV sent to ingestion like an upload; /actions?indicator=&period=
 * fills the form; a coordinator has no practice to tell. */
Test(web, a_practice_from_the_form_is_a_submission)
{
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "submit --wait "
                                  "register.csv"), 0, "%s", out);
    free(out);
    char sid1[65], sidc[65], token[65], tokc[65], loc[128], loc2[128];
    cr_assert_eq(s_login("p1", "provider-one-secret", sid1), 303);
    cr_assert_eq(s_login("boss", "coordinator-secret", sidc), 303);
    s_resp_t r;
    /* The report's link fills indicator and period; odd values do not. */
    s_http(&r, "GET", "/actions?indicator=LEA-01&period=2025", sid1, NULL,
           NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, "<form method=\"post\" action=\"/actions/"
                     "practice\">") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "id=\"practice\"") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "<input id=\"p-indicator_id\" name=\""
                     "indicator_id\" value=\"LEA-01\" required>") != NULL,
              "%s", r.body);
    cr_assert(strstr(r.body, "<input id=\"p-period\" name=\"period\" "
                     "value=\"2025\" required>") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "<label for=\"p-description\">") != NULL &&
              strstr(r.body, "<textarea id=\"p-description\"") != NULL,
              "%s", r.body);
    s_free(&r);
    s_http(&r, "GET", "/actions?indicator=%22%3E%3Cb%3E&period=2025", sid1,
           NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert(strstr(r.body, "<b>") == NULL, "%s", r.body);
    cr_assert(strstr(r.body, "<input id=\"p-indicator_id\" name=\""
                     "indicator_id\" required>") != NULL, "%s", r.body);
    s_free(&r);

    s_csrf(sid1, token);
    char body[1024];
    snprintf(body, sizeof body, "csrf=%s&period=2025&indicator_id=LEA-01&"
             "title=Weekly+huddles&description=Ten+minutes%%2C+every+"
             "Monday%%3A+%%22what+went+well%%22%%0D%%0Aand+what+next.&"
             "contact=ana%%40example.org", token);
    s_http(&r, "POST", "/actions/practice", sid1,
           "application/x-www-form-urlencoded", body, strlen(body));
    cr_assert_eq(r.status, 303, "%s\n%s", r.head, r.body);
    cr_assert_not_null(s_header(&r, "Location", loc, sizeof loc));
    cr_assert(strncmp(loc, "/submissions/", 13) == 0, "%s", loc);
    s_free(&r);
    s_wait_validated(&r, loc, sid1);
    cr_assert(strstr(r.body, "\"rows\": 1") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "\"rejected\": 0") != NULL, "%s", r.body);
    s_free(&r);
    /* The longest description SPEC 10 allows, 4,000 characters of 2-byte
     * UTF-8 (8,000 bytes): a form field takes it. */
    size_t big_cap = 200 + 4000 * 6;
    char *big = malloc(big_cap);
    cr_assert_not_null(big);
    int bl = snprintf(big, big_cap, "csrf=%s&period=2025&indicator_id=LEA-02&"
                      "title=Long&contact=&description=", token);
    for (int i = 0; i < 4000; i++) {
        memcpy(big + bl, "%C3%B8", 6);
        bl += 6;
    }
    big[bl] = '\0';
    s_http(&r, "POST", "/actions/practice", sid1,
           "application/x-www-form-urlencoded", big, (size_t)bl);
    free(big);
    cr_assert_eq(r.status, 303, "%s\n%s", r.head, r.body);
    char loc3[128];
    cr_assert_not_null(s_header(&r, "Location", loc3, sizeof loc3));
    s_free(&r);
    s_wait_validated(&r, loc3, sid1);
    cr_assert(strstr(r.body, "\"rejected\": 0") != NULL, "%s", r.body);
    s_free(&r);
    /* No title: rejected, naming the field. */
    snprintf(body, sizeof body, "csrf=%s&period=2025&indicator_id=LEA-01&"
             "title=&description=x&contact=", token);
    s_http(&r, "POST", "/actions/practice", sid1,
           "application/x-www-form-urlencoded", body, strlen(body));
    cr_assert_eq(r.status, 303, "%s\n%s", r.head, r.body);
    cr_assert_not_null(s_header(&r, "Location", loc2, sizeof loc2));
    s_free(&r);
    s_wait_validated(&r, loc2, sid1);
    cr_assert(strstr(r.body, "\"rejected\": 1") != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "\"line\": 2, \"severity\": \"error\", "
                     "\"field\": \"title\"") != NULL, "%s", r.body);
    s_free(&r);
    /* Listed with the practices, not with the actions. */
    s_http(&r, "GET", "/actions", sid1, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    const char *practices = strstr(r.body, "<ul id=\"practices\">");
    cr_assert_not_null(practices, "%s", r.body);
    cr_assert(strstr(practices, loc) != NULL &&
              strstr(practices, loc2) != NULL, "%s", r.body);
    const char *actions = strstr(r.body, "<ul id=\"actions\">");
    cr_assert(actions != NULL && actions < practices, "%s", r.body);
    cr_assert(strstr(r.body, loc) > practices, "%s", r.body);
    s_free(&r);
    /* Without the token: 403; GET: not found; a coordinator: not found,
     * and nothing submitted. */
    s_http(&r, "POST", "/actions/practice", sid1,
           "application/x-www-form-urlencoded", "period=2025&title=x", 19);
    cr_assert_eq(r.status, 403, "%s", r.head);
    s_free(&r);
    s_http(&r, "GET", "/actions/practice", sid1, NULL, NULL, 0);
    cr_assert_eq(r.status, 404, "%s", r.head);
    s_free(&r);
    s_csrf(sidc, tokc);
    snprintf(body, sizeof body, "csrf=%s&period=2025&indicator_id=LEA-01&"
             "title=Mine&description=x&contact=", tokc);
    s_http(&r, "POST", "/actions/practice", sidc,
           "application/x-www-form-urlencoded", body, strlen(body));
    cr_assert_eq(r.status, 404, "%s", r.head);
    cr_assert_null(s_header(&r, "Location", loc2, sizeof loc2));
    s_free(&r);
    s_http(&r, "GET", "/actions", sidc, NULL, NULL, 0);
    cr_assert_eq(r.status, 404, "%s", r.head);
    cr_assert(strstr(r.body, "/actions/practice") == NULL, "%s", r.body);
    s_free(&r);
}

Test(web, upload_past_the_limit_is_refused_with_memory_flat)
{
    char sid[65], token[65];
    cr_assert_eq(s_login("p1", "provider-one-secret", sid), 303);
    s_csrf(sid, token);
    size_t flen = 8u * 1024u * 1024u;
    char *file = malloc(flen);
    cr_assert_not_null(file);
    memset(file, 'a', flen);
    for (size_t i = 80; i < flen; i += 80) {
        file[i] = '\n';
    }
    size_t len;
    char *mp = s_multipart(token, file, flen, &len);
    free(file);
    long before = s_rss_kb();
    s_resp_t r;
    s_http(&r, "POST", "/submissions", sid, S_MULTIPART, mp, len);
    cr_assert_eq(r.status, 413, "%s", r.head);
    cr_assert(strstr(r.body, "limit") != NULL);
    s_free(&r);
    /* No Content-Length: the limit is found while reading, the rest is
     * dropped unkept. */
    int fd = s_connect();
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /submissions HTTP/1.1\r\nHost: x\r\n"
                     "Cookie: bl_session=%s\r\nConnection: close\r\n"
                     "Content-Type: " S_MULTIPART "\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n", sid);
    s_send_all(fd, head, (size_t)n);
    for (size_t off = 0; off < len; off += 65536) {
        size_t k = len - off < 65536 ? len - off : 65536;
        char ch[32];
        n = snprintf(ch, sizeof ch, "%zx\r\n", k);
        s_send_all(fd, ch, (size_t)n);
        s_send_all(fd, mp + off, k);
        s_send_all(fd, "\r\n", 2);
    }
    s_send_all(fd, "0\r\n\r\n", 5);
    s_read_resp(fd, &r);
    close(fd);
    cr_assert_eq(r.status, 413, "chunked: %s", r.head);
    s_free(&r);
    free(mp);
    long after = s_rss_kb();
    cr_assert_lt(after - before, 4096, "bl-web grew from %ld to %ld kB",
                 before, after);
    /* Nothing of it kept: the spool directory is empty. */
    cr_assert_eq(bl_test_sh("test -z \"$(ls -A %s/var/web/spool)\"",
                            s_node.dir),
                 0);
    s_http(&r, "GET", "/", sid, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "still serving");
    s_free(&r);
}

Test(web, bad_input_gets_a_4xx_and_the_portal_goes_on)
{
    char sid[65], sidc[65], token[65];
    cr_assert_eq(s_login("p1", "provider-one-secret", sid), 303);
    cr_assert_eq(s_login("boss", "coordinator-secret", sidc), 303);
    s_csrf(sid, token);
    s_resp_t r;
    /* A multipart type without a boundary, and a body that is no form. */
    char body[256];
    snprintf(body, sizeof body, "csrf=%s", token);
    s_http(&r, "POST", "/submissions", sid, "multipart/form-data", body,
           strlen(body));
    cr_assert(r.status >= 400 && r.status < 500, "%s", r.head);
    s_free(&r);
    const char *junk = "--XbLbOuNdArY\r\nContent-Disposition: garbage\r\n"
                       "\r\n\x01\x02--XbLbOuNdArY";
    s_http(&r, "POST", "/submissions", sid, S_MULTIPART, junk,
           strlen(junk));
    cr_assert(r.status >= 400 && r.status < 500, "%s", r.head);
    s_free(&r);
    /* Path traversal in every route parameter. */
    static const char *const paths[] = {
        "/submissions/..%2F..%2Fetc%2Fpasswd",
        "/submissions/../../etc/passwd",
        "/submissions/%2e%2e.json",
        "/reports/..%2F..%2F/NO-0001.html",
        "/reports/2025/..%2F..%2F..%2Fetc%2Fpasswd.html",
        "/reports/2025/../NO-0001.pdf",
        "/reports/2025/NO-0001.html%00.pdf",
        "/reports/2025/NO-0001.sh",
        "/coordinator/summary/..%2Fsummary.html",
        "/coordinator/summary/2025.html%2F..%2F..",
        "/style.css/../../etc/passwd",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        s_http(&r, "GET", paths[i], sidc, NULL, NULL, 0);
        cr_assert(r.status >= 400 && r.status < 500, "%s: %s", paths[i],
                  r.head);
        cr_assert(strstr(r.body, "root:") == NULL, "%s", paths[i]);
        s_free(&r);
    }
    snprintf(body, sizeof body, "csrf=%s", token);
    char tokc[65];
    s_csrf(sidc, tokc);
    snprintf(body, sizeof body, "csrf=%s", tokc);
    s_http(&r, "POST", "/coordinator/close/..%2F2025", sidc,
           "application/x-www-form-urlencoded", body, strlen(body));
    cr_assert_eq(r.status, 404, "%s", r.head);
    s_free(&r);
    /* An over-long header. */
    size_t big = 200 * 1024;
    char *hdr = malloc(big + 256);
    cr_assert_not_null(hdr);
    int n = snprintf(hdr, 256, "GET / HTTP/1.1\r\nHost: x\r\nX-Long: ");
    memset(hdr + n, 'a', big);
    memcpy(hdr + n + big, "\r\n\r\n", 5);
    int fd = s_connect();
    s_send_all(fd, hdr, (size_t)n + big + 4);
    s_read_resp(fd, &r);
    close(fd);
    free(hdr);
    cr_assert(r.status == 0 || (r.status >= 400 && r.status < 500),
              "long header: %s", r.head);
    s_free(&r);
    /* A slow client holds a connection; others are served meanwhile, and
     * the slow one is dropped after the idle time (30 s). */
    int slow = s_connect();
    s_send_all(slow, "GET / HTTP/1.1\r\nHost: x\r\n", 26);
    s_http(&r, "GET", "/login", NULL, NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    s_free(&r);
    struct pollfd pfd = {.fd = slow, .events = POLLIN};
    cr_assert_eq(poll(&pfd, 1, 60000), 1, "the slow client was kept");
    char buf[512];
    ssize_t got = recv(slow, buf, sizeof buf - 1, 0);
    if (got > 0) {
        buf[got] = '\0';
        int st = 0;
        sscanf(buf, "HTTP/1.%*d %d", &st);
        cr_assert(st >= 400 && st < 500, "%s", buf);
    }
    close(slow);
    s_http(&r, "GET", "/", sid, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "still serving: %s", r.head);
    s_free(&r);
    char *out = NULL;
    bl_test_node_cli(&s_node, &out, "status");
    cr_assert(strstr(out, "web          up") != NULL, "%s", out);
    free(out);
}

Test(web, metrics_for_loopback_with_every_daemon)
{
    s_resp_t r;
    s_http(&r, "GET", "/metrics", NULL, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.head);
    static const char *const want[] = {
        "bl_up{daemon=\"ingest\"} 1", "bl_up{daemon=\"validate\"} 1",
        "bl_up{daemon=\"aggregate\"} 1", "bl_up{daemon=\"benchmark\"} 1",
        "bl_up{daemon=\"report\"} 1", "bl_pending{daemon=\"ingest\"} ",
        "bl_store_used{daemon=\"validate\"} ",
        "bl_web_requests_total{status=\"2xx\"} "};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_assert(strstr(r.body, want[i]) != NULL, "%s in\n%s", want[i],
                  r.body);
    }
    s_free(&r);
}

/* ---- configuration and TLS, each on a node of its own ------------------- */

static void s_plain_setup(void)
{
    memset(&s_node, 0, sizeof s_node);
}

Test(web_config, a_bad_web_section_is_refused_with_its_line,
     .init = s_plain_setup, .fini = s_teardown, .timeout = 60)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: national\ncountry: NO\n",
                                   "  national: [country]\n",
                                   "web:\n  listen: nowhere\n"
                                   "  max_upload_mb: 0\n  colour: red\n"),
                 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "status"), 1, "%s", out);
    cr_assert(strstr(out, "node.yaml:11:") != NULL &&
                  strstr(out, "web.listen: 'nowhere' is not address:port")
                      != NULL, "%s", out);
    cr_assert(strstr(out, "node.yaml:12:") != NULL &&
                  strstr(out, "web.max_upload_mb: 0 is not between 1 and "
                              "4096") != NULL, "%s", out);
    cr_assert(strstr(out, "unknown key 'colour'") != NULL, "%s", out);
    free(out);
}

Test(web_config, https_only_with_a_secure_cookie_under_tls,
     .init = s_plain_setup, .fini = s_teardown, .timeout = 300)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: national\ncountry: NO\n",
                                   "  national: [country]\n",
                                   "web:\n  listen: 127.0.0.1:0\n"
                                   "  tls_cert: web.crt\n"
                                   "  tls_key: web.key\n"),
                 0);
    cr_assert_eq(bl_test_sh("cd %s && openssl req -x509 -newkey rsa:2048 "
                            "-nodes -keyout web.key -out web.crt -days 2 "
                            "-subj /CN=127.0.0.1 >/dev/null 2>&1 && "
                            "echo provider-one-secret > pw1",
                            s_node.dir),
                 0, "openssl is needed (apt-get install openssl)");
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    cr_assert(strstr(out, "https://127.0.0.1:") != NULL, "%s", out);
    free(out);
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "user add p1 --provider "
                                  "NO-0001 --password-file pw1"), 0, "%s",
                 out);
    free(out);
    /* Python's ssl module speaks TLS for the test. */
    int rc = bl_test_sh(
        "cd %s && python3 - <<'PY'\n"
        "import http.client, ssl, sys, urllib.parse\n"
        "url = open('var/run/web.addr').read().strip()\n"
        "host, port = url.split('//')[1].rstrip('/').split(':')\n"
        "ctx = ssl.create_default_context(cafile='web.crt')\n"
        "ctx.check_hostname = False\n"
        "c = http.client.HTTPSConnection(host, int(port), context=ctx)\n"
        "c.request('POST', '/login', urllib.parse.urlencode({'login': 'p1',"
        " 'password': 'provider-one-secret'}), {'Content-Type': "
        "'application/x-www-form-urlencoded'})\n"
        "r = c.getresponse(); r.read()\n"
        "ck = r.getheader('Set-Cookie') or ''\n"
        "ok = r.status == 303 and '; Secure' in ck and 'HttpOnly' in ck\n"
        "p = http.client.HTTPConnection(host, int(port), timeout=10)\n"
        "try:\n"
        "    p.request('GET', '/login'); plain = p.getresponse().status\n"
        "except Exception:\n"
        "    plain = 0\n"
        "print(r.status, ck, plain)\n"
        "sys.exit(0 if ok and plain != 200 else 1)\n"
        "PY",
        s_node.dir);
    cr_assert_eq(rc, 0, "TLS log-in or plain refusal failed");
}
