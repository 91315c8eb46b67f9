/*
 * cli_node: `benchlearn up`, `down` and `status` — starting the node's
 * daemons in the background (pid files and logs in the data directory),
 * waiting until each answers health, stopping them and showing their state.
 * The daemon programs are looked up next to the benchlearn program.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bl_daemon.h"
#include "bl_fs.h"
#include "bl_net.h"
#include "cli.h"
#include "bl_rpc.h"
#include "cli_health.h"

#define S_UP_TIMEOUT_MS 20000
#define S_DOWN_TIMEOUT_MS 30000

void cli_bin_dir(char *buf, size_t size)
{
    const char *env = getenv("BL_BIN_DIR");
    if (env != NULL) {
        snprintf(buf, size, "%s", env);
        return;
    }
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0) {
        snprintf(buf, size, ".");
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
}

/* Starts bl-<program> as worker k, detached, its output in log/<name>. */
int cli_spawn(cli_t *c, const char *program, int k, const char *name)
{
    char bin_dir[PATH_MAX], prog[PATH_MAX + 32], log_path[4200];
    cli_bin_dir(bin_dir, sizeof bin_dir);
    snprintf(prog, sizeof prog, "%s/bl-%s", bin_dir, program);
    snprintf(log_path, sizeof log_path, "%s/log/%s.log", c->cfg->data_dir,
             name);
    char worker[16];
    snprintf(worker, sizeof worker, "%d", k);
    pid_t pid = fork();
    if (pid < 0) {
        cli_error("cannot start %s: %s", name, strerror(errno));
        return 2;
    }
    if (pid == 0) {
        /* The daemon runs in its own session, its output in its log. */
        setsid();
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0640);
        int null = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            close(null);
        }
        /* Double fork so the daemon is not our child. */
        if (fork() != 0) {
            _exit(0);
        }
        execl(prog, prog, "-c", c->cfg->path, "--worker", worker,
              "--workers", c->workers_spec, (char *)NULL);
        fprintf(stderr, "benchlearn: cannot run %s: %s\n", prog,
                strerror(errno));
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return 0;
}

int cli_stop(const cli_t *c, const char *name, int timeout_ms)
{
    int pid = bl_daemon_running_pid(c->cfg, name);
    if (pid <= 0) {
        return 0;
    }
    if (kill(pid, SIGTERM) != 0 && errno != ESRCH) {
        cli_error("%s: cannot signal pid %d: %s", name, pid, strerror(errno));
        return 2;
    }
    long long deadline = bl_net_now_ms() + timeout_ms;
    while (bl_daemon_alive(pid) && bl_net_now_ms() < deadline) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (bl_daemon_alive(pid)) {
        cli_error("%s (pid %d) did not stop in time; killing it", name, pid);
        kill(pid, SIGKILL);
        while (bl_daemon_alive(pid)) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        return 2;
    }
    return 0;
}

/* True when any daemon of the node is running. */
static bool s_any_running(const bl_config_t *cfg)
{
    for (int s = 0; s < BL_STAGE_COUNT; s++) {
        char name[64];
        if (bl_daemon_stage_running(cfg, (bl_stage_t)s, name, sizeof name) >
            0) {
            return true;
        }
    }
    return false;
}

/* Records the worker counts the node runs with, for the next commands. */
int cli_save_workers(const cli_t *c)
{
    char path[4200], tmp[4210];
    snprintf(path, sizeof path, "%s/run/workers", c->cfg->data_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        return -errno;
    }
    fprintf(f, "%s\n", c->workers_spec);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        return -errno;
    }
    return 0;
}

/* ---- the web portal (bl-web), when the config has `web:` -------------- */

/* The address bl-web serves, from run/web.addr (written once it listens);
 * false when it is not there. */
static bool s_web_addr(const bl_config_t *cfg, char *buf, size_t size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run/web.addr", cfg->data_dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    bool ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return ok && buf[0] != '\0';
}

/* Starts bl-web unless it runs; waits until it listens.  Returns 0 or 2. */
/* Says that daemon name did not start: whether it exited or only did not
 * answer, and the last lines of its log (its reason, most often), so that
 * the operator need not go and look. */
static void s_not_started(const cli_t *c, const char *name)
{
    bool alive = bl_daemon_running_pid(c->cfg, name) > 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/log/%s.log", c->cfg->data_dir, name);
    cli_error("%s did not start (%s); see %s", name,
              alive ? "it did not answer in time" : "it exited", path);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return;
    }
    char tail[4096];
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    size_t n = 0;
    if (size >= 0 &&
        fseek(f, size > (long)sizeof tail - 1 ? size - (long)sizeof tail + 1
                                              : 0,
              SEEK_SET) == 0) {
        n = fread(tail, 1, sizeof tail - 1, f);
    }
    fclose(f);
    tail[n] = '\0';
    /* its last three lines */
    const char *from = tail + n;
    for (int lines = 0; from > tail && lines < 4; from--) {
        lines += from[-1] == '\n';
    }
    from += *from == '\n';
    for (const char *p = from; *p != '\0';) {
        size_t l = strcspn(p, "\n");
        if (l > 0) {
            fprintf(stderr, "  %s: %.*s\n", name, (int)l, p);
        }
        p += l + (p[l] == '\n');
    }
}

static int s_web_up(cli_t *c)
{
    if (bl_daemon_running_pid(c->cfg, "web") == 0) {
        char path[4200];
        snprintf(path, sizeof path, "%s/run/web.addr", c->cfg->data_dir);
        unlink(path);
        int rc = cli_spawn(c, "web", 1, "web");
        if (rc != 0) {
            return rc;
        }
    }
    long long deadline = bl_net_now_ms() + S_UP_TIMEOUT_MS;
    char addr[256];
    for (;;) {
        int pid = bl_daemon_running_pid(c->cfg, "web");
        if (pid > 0 && s_web_addr(c->cfg, addr, sizeof addr)) {
            printf("%-12s up   pid %d %s\n", "web", pid, addr);
            return 0;
        }
        if (bl_net_now_ms() > deadline) {
            s_not_started(c, "web");
            return 2;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int cli_up(cli_t *c, int argc, char **argv)
{
    bool selected[BL_STAGE_COUNT] = {false};
    bool any = false, web = false;
    const char *workers = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
            workers = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "web") == 0 && c->cfg->web_listen != NULL) {
            web = any = true;
            continue;
        }
        int s = bl_stage_from_name(argv[i]);
        if (s < 0) {
            cli_error("up: unknown stage '%s' (ingest, validate, aggregate, "
                      "benchmark, report%s)", argv[i],
                      c->cfg->web_listen ? ", web" : "");
            return 1;
        }
        selected[s] = any = true;
    }
    if (!any) {
        web = c->cfg->web_listen != NULL;
    }
    for (int s = 0; s < BL_STAGE_COUNT && !any; s++) {
        selected[s] = true;
    }
    if (workers != NULL) {
        char why[256];
        int wanted[BL_STAGE_COUNT];
        memcpy(wanted, c->cfg->workers, sizeof wanted);
        if (bl_config_parse_workers(wanted, workers, why, sizeof why) != 0) {
            cli_error("up: --workers: %s", why);
            return 1;
        }
        if (memcmp(wanted, c->cfg->workers, sizeof wanted) != 0) {
            /* Rows in flight are spread by worker count: change it only on
             * a stopped node (or with scale). */
            if (s_any_running(c->cfg)) {
                cli_error("up: the node runs with other worker counts: "
                          "change them with `benchlearn scale %s`, or stop "
                          "the node first (benchlearn down)", workers);
                return 1;
            }
            memcpy(c->cfg->workers, wanted, sizeof wanted);
        }
        cli_set_workers_spec(c);
    }
    static const char *const subdirs[] = {"log", "run"};
    for (int i = 0; i < 2; i++) {
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/%s", c->cfg->data_dir, subdirs[i]);
        int rc = bl_fs_mkdirs(dir, 0750);
        if (rc != 0) {
            cli_error("cannot create '%s': %s", dir, strerror(-rc));
            return 2;
        }
    }
    int rc = cli_save_workers(c);
    if (rc != 0) {
        cli_error("cannot write %s/run/workers: %s", c->cfg->data_dir,
                  strerror(-rc));
        return 2;
    }
    /* Start from the end of the pipeline so that each stage finds the next
     * one listening. */
    for (int s = BL_STAGE_COUNT - 1; s >= 0; s--) {
        if (!selected[s]) {
            continue;
        }
        for (int k = 1; k <= c->cfg->workers[s]; k++) {
            char name[64];
            bl_daemon_worker_name(c->cfg, (bl_stage_t)s, k, name, sizeof name);
            if (bl_daemon_running_pid(c->cfg, name) > 0) {
                continue;
            }
            rc = cli_spawn(c, bl_stage_name((bl_stage_t)s), k, name);
            if (rc != 0) {
                return rc;
            }
        }
    }
    int failed = 0;
    for (int s = 0; s < BL_STAGE_COUNT; s++) {
        if (!selected[s]) {
            continue;
        }
        for (int k = 1; k <= c->cfg->workers[s]; k++) {
            char name[64], ep[512];
            bl_daemon_worker_name(c->cfg, (bl_stage_t)s, k, name, sizeof name);
            cli_endpoint(c, (bl_stage_t)s, k, ep, sizeof ep);
            cli_health_t h;
            if (cli_health(c->zctx, c->cfg, ep, S_UP_TIMEOUT_MS, &h) !=
                0) {
                s_not_started(c, name);
                failed = 1;
            } else {
                printf("%-12s up   pid %d\n", name, h.pid);
            }
        }
    }
    if (web && s_web_up(c) != 0) {
        failed = 1;
    }
    return failed ? 2 : 0;
}

int cli_down(cli_t *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int pids[BL_STAGE_COUNT * BL_OUTBOX_LANES_MAX + 1];
    char names[BL_STAGE_COUNT * BL_OUTBOX_LANES_MAX + 1][64];
    size_t n = 0;
    /* The portal first: it stops taking requests before the stages go. */
    int web_pid = bl_daemon_running_pid(c->cfg, "web");
    if (web_pid > 0 && kill(web_pid, SIGTERM) == 0) {
        snprintf(names[n], sizeof names[0], "web");
        pids[n++] = web_pid;
    }
    for (int s = 0; s < BL_STAGE_COUNT; s++) {
        for (int k = 1; k <= c->cfg->workers[s]; k++) {
            bl_daemon_worker_name(c->cfg, (bl_stage_t)s, k, names[n], sizeof names[0]);
            int pid = bl_daemon_running_pid(c->cfg, names[n]);
            if (pid > 0 && kill(pid, SIGTERM) == 0) {
                pids[n++] = pid;
            }
        }
    }
    long long deadline = bl_net_now_ms() + S_DOWN_TIMEOUT_MS;
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        while (bl_daemon_alive(pids[i]) && bl_net_now_ms() < deadline) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (bl_daemon_alive(pids[i])) {
            cli_error("%s (pid %d) did not stop in time; killing it",
                      names[i], pids[i]);
            kill(pids[i], SIGKILL);
            status = 2;
        } else {
            printf("%-12s down\n", names[i]);
        }
    }
    if (n == 0) {
        printf("no daemon was running\n");
    }
    return status;
}

int cli_reload(cli_t *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* The config was loaded and checked before this runs: a config with
     * errors never reaches the daemons. */
    int n = 0;
    int status = 0;
    for (int s = 0; s < BL_STAGE_COUNT; s++) {
        for (int k = 1; k <= c->cfg->workers[s]; k++) {
            char name[64];
            bl_daemon_worker_name(c->cfg, (bl_stage_t)s, k, name, sizeof name);
            int pid = bl_daemon_running_pid(c->cfg, name);
            if (pid <= 0) {
                continue;
            }
            if (kill(pid, SIGHUP) != 0) {
                cli_error("%s: cannot signal pid %d: %s", name, pid,
                          strerror(errno));
                status = 2;
                continue;
            }
            printf("%-12s reloaded pid %d\n", name, pid);
            n++;
        }
    }
    if (n == 0 && status == 0) {
        cli_error("no daemon is running");
        return 2;
    }
    return status;
}

int cli_status(cli_t *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int down = 0;
    printf("%-12s %-5s %8s %10s %10s %8s %10s\n", "daemon", "state", "pid",
           "in", "out", "pending", "store");
    for (int s = 0; s < BL_STAGE_COUNT; s++) {
        for (int k = 1; k <= c->cfg->workers[s]; k++) {
            char name[64], ep[512];
            bl_daemon_worker_name(c->cfg, (bl_stage_t)s, k, name, sizeof name);
            cli_endpoint(c, (bl_stage_t)s, k, ep, sizeof ep);
            cli_health_t h;
            if (bl_daemon_running_pid(c->cfg, name) == 0 ||
                cli_health(c->zctx, c->cfg, ep, 2000, &h) != 0) {
                printf("%-12s %-5s\n", name, "down");
                down = 1;
                continue;
            }
            printf("%-12s %-5s %8d %10llu %10llu %8llu %8.1fMB", name, "up",
                   h.pid, h.in, h.out, h.pending,
                   (double)h.store_used / (1024.0 * 1024.0));
            for (size_t i = 0; i < h.n_extra; i++) {
                bool spaces = strchr(h.extra_values[i], ' ') != NULL;
                printf(" %s=%s%s%s", h.extra_names[i], spaces ? "\"" : "",
                       h.extra_values[i], spaces ? "\"" : "");
            }
            printf("\n");
        }
    }
    if (c->cfg->web_listen != NULL) {
        int pid = bl_daemon_running_pid(c->cfg, "web");
        char addr[256];
        if (pid > 0 && s_web_addr(c->cfg, addr, sizeof addr)) {
            printf("%-12s %-5s %8d %s\n", "web", "up", pid, addr);
        } else {
            printf("%-12s %-5s\n", "web", "down");
            down = 1;
        }
    }
    return down ? 2 : 0;
}
