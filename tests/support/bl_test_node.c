/*
 * bl_test_node: end-to-end test scaffolding (see bl_test_node.h).
 */
#include "bl_test_node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

int bl_test_node_init(bl_test_node_t *n, const char *role_yaml,
                      const char *groups_yaml, const char *extra_yaml)
{
    snprintf(n->dir, sizeof n->dir, "/tmp/blt.XXXXXX");
    if (mkdtemp(n->dir) == NULL) {
        return -1;
    }
    snprintf(n->config, sizeof n->config, "%s/node.yaml", n->dir);
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
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 1024) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
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
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    int pid = 0;
    if (fscanf(f, "%d", &pid) != 1) {
        pid = 0;
    }
    fclose(f);
    return pid;
}

void bl_test_node_stop(bl_test_node_t *n)
{
    if (n->dir[0] == '\0') {
        return;
    }
    bl_test_node_cli(n, NULL, "down");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", n->dir);
    int rc = system(cmd);
    (void)rc;
    n->dir[0] = '\0';
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
