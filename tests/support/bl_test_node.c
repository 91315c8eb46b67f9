/*
 * bl_test_node: end-to-end test scaffolding (see bl_test_node.h).
 */
#include "bl_test_node.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bl_daemon.h"
#include "bl_vec.h"

/* The environment wins (ctest sets it); the build's own directories,
 * compiled in, serve a test program run by hand. */
const char *bl_test_source_dir(void)
{
    const char *s = getenv("BL_SOURCE_DIR");
    return s ? s : BL_SOURCE_DIR;
}

const char *bl_test_binary_dir(void)
{
    const char *s = getenv("BL_BINARY_DIR");
    return s ? s : BL_BINARY_DIR;
}

/* Forks a process that waits on a pipe from us: a byte means the node was
 * stopped properly; end of file without one means we died, and then it
 * stops the node and removes its directory itself. */
static int s_watchdog(bl_test_node_t *n)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/benchlearn -c %s down >/dev/null 2>&1; rm -rf %s",
             n->dir, bl_test_binary_dir(), n->config, n->dir);
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    /* Neither end may leak into the daemons: one that held the write end
     * would keep the watchdog from ever seeing our death. */
    if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[1]);
        char b;
        ssize_t got;
        do {
            got = read(fds[0], &b, 1);
        } while (got < 0 && errno == EINTR);
        if (got == 1) {
            _exit(0);
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    n->watchdog_fd = fds[1];
    n->watchdog_pid = (int)pid;
    return 0;
}

/* Tells the watchdog the node was stopped, and waits for it to go. */
static void s_watchdog_release(bl_test_node_t *n)
{
    if (n->watchdog_fd >= 0) {
        ssize_t w = write(n->watchdog_fd, "x", 1);
        (void)w;
        close(n->watchdog_fd);
        n->watchdog_fd = -1;
    }
    if (n->watchdog_pid > 0) {
        waitpid(n->watchdog_pid, NULL, 0);
        n->watchdog_pid = 0;
    }
}

int bl_test_node_init(bl_test_node_t *n, const char *role_yaml,
                      const char *groups_yaml, const char *extra_yaml)
{
    n->n_expect = 0;
    n->watchdog_fd = -1;
    n->watchdog_pid = 0;
    /* Daemons double-forked by `benchlearn up` become our children, so
     * that bl_test_node_stop can read how they ended. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0) {
        return -1;
    }
    snprintf(n->dir, sizeof n->dir, "/tmp/blt.XXXXXX");
    if (mkdtemp(n->dir) == NULL) {
        return -1;
    }
    snprintf(n->config, sizeof n->config, "%s/node.yaml", n->dir);
    if (s_watchdog(n) != 0) {
        return -1;
    }
    FILE *f = fopen(n->config, "w");
    if (f == NULL) {
        return -1;
    }
    fprintf(f,
            "node: t1\n%sdata_dir: var\ncatalogue: %s/config/catalogue.yaml\n"
            "min_respondents: 5\nmin_peers: 5\npeer_groups:\n%s%s",
            role_yaml, bl_test_source_dir(), groups_yaml,
            extra_yaml ? extra_yaml : "");
    return fclose(f) == 0 ? 0 : -1;
}

int bl_test_node_cli(const bl_test_node_t *n, char **out, const char *fmt,
                     ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd %s && %s/benchlearn -c %s %s 2>&1", n->dir,
             bl_test_binary_dir(), n->config, args);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        return -1;
    }
    size_t cap = 0, len = 0;
    char *buf = NULL;
    bool ok = BL_GROW(buf, cap, 4096) == 0;
    size_t got;
    while (ok && (got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        ok = cap - len >= 1024 || BL_GROW(buf, cap, cap + 1) == 0;
    }
    if (!ok) {
        free(buf);
        buf = NULL;
    }
    if (buf) {
        buf[len] = '\0';
    }
    int status = pclose(p);
    if (out) {
        *out = buf;
    } else {
        free(buf);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int bl_test_node_pid(const bl_test_node_t *n, const char *daemon)
{
    char path[512];
    snprintf(path, sizeof path, "%s/var/run/%s.pid", n->dir, daemon);
    return bl_daemon_pid_file(path);
}

void bl_test_node_expect_error(bl_test_node_t *n, const char *pattern)
{
    cr_assert_lt(n->n_expect, BL_TEST_EXPECT_MAX, "too many expected errors");
    snprintf(n->expect[n->n_expect++], BL_TEST_EXPECT_LEN, "%s", pattern);
}

/* What the teardown found wrong, appended line by line. */
typedef struct s_problems {
    char text[4096];
    size_t len;
} s_problems_t;

static void s_problem(s_problems_t *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_problem(s_problems_t *p, const char *fmt, ...)
{
    if (p->len + 2 >= sizeof p->text) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->text + p->len, sizeof p->text - p->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        p->len += (size_t)n;
        if (p->len >= sizeof p->text - 1) {
            p->len = sizeof p->text - 2;
        }
        p->text[p->len++] = '\n';
        p->text[p->len] = '\0';
    }
}

/* A daemon's pid-file name and its pid, read before `down`. */
typedef struct s_daemon {
    char name[64];
    int pid;
} s_daemon_t;

static size_t s_daemons(const bl_test_node_t *n, s_daemon_t *d, size_t max)
{
    char path[512];
    snprintf(path, sizeof path, "%s/var/run", n->dir);
    DIR *dir = opendir(path);
    if (dir == NULL) {
        return 0;
    }
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < max) {
        size_t len = strlen(e->d_name);
        if (len < 5 || len - 4 >= sizeof d->name ||
            strcmp(e->d_name + len - 4, ".pid") != 0) {
            continue;
        }
        snprintf(d[count].name, sizeof d->name, "%.*s", (int)(len - 4),
                 e->d_name);
        d[count].pid = bl_test_node_pid(n, d[count].name);
        if (d[count].pid > 0) {
            count++;
        }
    }
    closedir(dir);
    return count;
}

/* Reaps every child that has ended and judges how it ended. */
static void s_reap(const s_daemon_t *d, size_t nd, s_problems_t *p)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        const char *name = "a daemon";
        for (size_t i = 0; i < nd; i++) {
            if (d[i].pid == pid) {
                name = d[i].name;
            }
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
            s_problem(p, "%s (pid %d) exited with status %d", name, (int)pid,
                      WEXITSTATUS(status));
        } else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
            s_problem(p, "%s (pid %d) died of signal %d", name, (int)pid,
                      WTERMSIG(status));
        }
    }
}

/* True for a line that reports an error: level E in the bl_log format
 * "TIME NAME[PID] E message", or a sanitizer's report. */
static bool s_error_line(const char *line)
{
    if (strstr(line, "ERROR: AddressSanitizer") != NULL ||
        strstr(line, "ERROR: LeakSanitizer") != NULL ||
        strstr(line, "runtime error:") != NULL) {
        return true;
    }
    const char *sp = strchr(line, ' ');
    if (sp == NULL || sp == line || sp[-1] != 'Z') {
        return false;
    }
    const char *who = sp + 1;
    const char *sp2 = strchr(who, ' ');
    if (sp2 == NULL || sp2 == who || sp2[-1] != ']') {
        return false;
    }
    return sp2[1] == 'E' && (sp2[2] == ' ' || sp2[2] == '\0' ||
                             sp2[2] == '\n');
}

static void s_scan_logs(const bl_test_node_t *n, s_problems_t *p)
{
    char path[512];
    snprintf(path, sizeof path, "%s/var/log", n->dir);
    DIR *dir = opendir(path);
    if (dir == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char file[1024];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        FILE *f = fopen(file, "r");
        if (f == NULL) {
            continue;
        }
        char *line = NULL;
        size_t cap = 0;
        size_t lineno = 0;
        ssize_t got;
        while ((got = getline(&line, &cap, f)) > 0) {
            lineno++;
            if (line[got - 1] == '\n') {
                line[got - 1] = '\0';
            }
            if (!s_error_line(line)) {
                continue;
            }
            bool expected = false;
            for (size_t i = 0; i < n->n_expect && !expected; i++) {
                expected = strstr(line, n->expect[i]) != NULL;
            }
            if (!expected) {
                s_problem(p, "%s:%zu: unexpected error: %.300s", e->d_name,
                          lineno, line);
            }
        }
        free(line);
        fclose(f);
    }
    closedir(dir);
}

size_t bl_test_node_stop_check(bl_test_node_t *n, char *why, size_t size)
{
    if (size > 0) {
        why[0] = '\0';
    }
    if (n->dir[0] == '\0') {
        return 0;
    }
    s_problems_t p = {"", 0};
    s_daemon_t d[64];
    size_t nd = s_daemons(n, d, sizeof d / sizeof d[0]);
    char *out = NULL;
    int rc = bl_test_node_cli(n, &out, "down");
    if (rc != 0) {
        s_problem(&p, "benchlearn down: status %d: %s", rc, out ? out : "");
    }
    free(out);
    s_watchdog_release(n);
    s_reap(d, nd, &p);
    s_scan_logs(n, &p);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", n->dir);
    int src = system(cmd);
    (void)src;
    n->dir[0] = '\0';
    size_t count = 0;
    for (size_t i = 0; i < p.len; i++) {
        count += p.text[i] == '\n';
    }
    if (size > 0) {
        snprintf(why, size, "%s", p.text);
    }
    return count;
}

void bl_test_node_stop(bl_test_node_t *n)
{
    char why[4096];
    size_t problems = bl_test_node_stop_check(n, why, sizeof why);
    /* An expectation, not an assertion: a teardown that stops several
     * nodes goes on to stop the others. */
    cr_expect_eq(problems, 0, "node teardown:\n%s", why);
}

long bl_test_node_pending(const bl_test_node_t *n)
{
    char *out = NULL;
    int rc = bl_test_node_cli(n, &out, "status");
    long total = rc == 0 && out != NULL ? 0 : -1;
    char *save = NULL;
    bool header = true;
    for (char *line = out ? strtok_r(out, "\n", &save) : NULL;
         line != NULL && total >= 0; line = strtok_r(NULL, "\n", &save)) {
        if (header) {
            header = false;  /* daemon state pid in out pending store */
            continue;
        }
        char name[64], state[16];
        long pid, in, sent, pending;
        if (sscanf(line, "%63s %15s %ld %ld %ld %ld", name, state, &pid, &in,
                   &sent, &pending) != 6 || strcmp(state, "up") != 0) {
            total = -1;
            break;
        }
        total += pending;
    }
    free(out);
    return total;
}

static bool s_quiet(void *ctx)
{
    return bl_test_node_pending(ctx) == 0;
}

bool bl_test_node_wait_quiet(const bl_test_node_t *n, int timeout_ms)
{
    return bl_test_wait(s_quiet, (void *)n, timeout_ms);
}

static bool s_gone(void *ctx)
{
    int pid = *(int *)ctx;
    /* Our child: ended once waitid sees it; WNOWAIT leaves it to be
     * reaped (and judged) by the teardown. */
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
        return info.si_pid == pid;
    }
    /* Not our child: gone when no process or only a zombie is left. */
    if (kill(pid, 0) != 0 && errno == ESRCH) {
        return true;
    }
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return true;
    }
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *paren = strrchr(buf, ')');
    return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

bool bl_test_wait_gone(int pid, int timeout_ms)
{
    return bl_test_wait(s_gone, &pid, timeout_ms);
}

bool bl_test_wait(bool (*done)(void *ctx), void *ctx, int timeout_ms)
{
    for (int waited = 0;; waited += 20) {
        if (done(ctx)) {
            return true;
        }
        if (waited >= timeout_ms) {
            return false;
        }
        bl_test_sleep_ms(20);
    }
}

int bl_test_node_write_data(const bl_test_node_t *n, int providers,
                            int respondents)
{
    char path[512];
    snprintf(path, sizeof path, "%s/register.csv", n->dir);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "provider_id,name,country,service_type,users,staff,"
               "membership,member_since\n");
    for (int p = 1; p <= providers; p++) {
        fprintf(f, "NO-%04d,Provider %d,NO,residential_care,%d,%d,assurance,"
                   "2020-01-01\n",
                p, p, 50 + p, 20 + p);
    }
    if (fclose(f) != 0) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/survey.csv", n->dir);
    f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "provider_id,unit_id,period,survey,respondent_id,U1,U2,U3\n");
    for (int p = 1; p <= providers; p++) {
        for (int r = 0; r < respondents; r++) {
            fprintf(f, "NO-%04d,,2025,user,r%d,%d,%d,%d\n", p, r, 1 + r % 5,
                    1 + (r + p) % 5, 1 + (r * 7) % 5);
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

long bl_test_node_status(const bl_test_node_t *n, const char *daemon,
                         const char *field, int sum)
{
    char *out = NULL;
    bl_test_node_cli(n, &out, "status");
    long v = -1;
    size_t dl = strlen(daemon);
    char *save = NULL;
    for (char *line = out ? strtok_r(out, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, daemon, dl) != 0 ||
            !(line[dl] == ' ' || (sum && line[dl] == '.'))) {
            continue;
        }
        char key[64];
        snprintf(key, sizeof key, " %s=", field);
        char *at = strstr(line, key);
        if (at != NULL) {
            v = (v < 0 ? 0 : v) + atol(at + strlen(key));
        }
    }
    free(out);
    return v;
}

int bl_test_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void bl_test_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int bl_test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

char *bl_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0;
    size_t cap = 0;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap * 2 + 4096;
            char *grown = realloc(buf, cap + 1);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len != NULL) {
        *len = n;
    }
    return buf;
}

void bl_test_rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d != NULL) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 ||
                    strcmp(e->d_name, "..") == 0) {
                    continue;
                }
                char child[4096];
                snprintf(child, sizeof child, "%s/%s", path, e->d_name);
                bl_test_rm_tree(child);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int s_cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *bl_test_sorted_lines(char *text)
{
    size_t n = 0, cap = 64;
    char **lines = malloc(cap * sizeof *lines);
    cr_assert_not_null(lines);
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        if (n == cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof *lines);
            cr_assert_not_null(lines);
        }
        lines[n++] = l;
    }
    qsort(lines, n, sizeof *lines, s_cmp_lines);
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        len += strlen(lines[i]) + 1;
    }
    char *out = malloc(len);
    cr_assert_not_null(out);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);
        memcpy(out + at, lines[i], l);
        out[at + l] = '\n';
        at += l + 1;
    }
    out[at] = '\0';
    free(lines);
    return out;
}
