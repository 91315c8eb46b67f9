/*
 * cli_user: `benchlearn user add|list|disable|passwd` — the web portal's
 * accounts (SPEC sections 6 and 9).  It opens bl-web's account store
 * directly (LMDB lets the running daemon and this command share it); it
 * does not talk to the daemon.  A password comes from --password-file (its
 * first line), or a one-time password is made and printed, which must be
 * changed at the first log-in.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "web_accounts.h"

#define S_ONE_TIME_BYTES 9    /* 72 random bits, shown as 18 hex digits */

/* Reads the first line of path into buf.  Returns 0, or 1 after printing. */
static int s_read_password(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        cli_error("cannot open '%s': %s", path, strerror(errno));
        return 1;
    }
    if (fgets(buf, (int)size, f) == NULL) {
        buf[0] = '\0';
    }
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    if (strlen(buf) < WEB_PASSWORD_MIN) {
        cli_error("%s:1: the password is shorter than %d characters", path,
                  WEB_PASSWORD_MIN);
        return 1;
    }
    if (strlen(buf) > WEB_PASSWORD_MAX) {
        cli_error("%s:1: the password is longer than %d bytes", path,
                  WEB_PASSWORD_MAX);
        return 1;
    }
    return 0;
}

/* The password of add and passwd: from the file, or a one-time one. */
static int s_password(const char *file, char *buf, size_t size,
                      bool *one_time)
{
    if (file != NULL) {
        *one_time = false;
        return s_read_password(file, buf, size);
    }
    *one_time = true;
    web_random_hex(buf, S_ONE_TIME_BYTES);
    return 0;
}

static int s_fail(const bl_err_t *err)
{
    cli_error("user: %s", err->msg);
    return err->code == BL_EINVAL || err->code == BL_ENOTFOUND ? 1 : 2;
}

static int s_add(web_accounts_t *a, int argc, char **argv)
{
    const char *login = NULL, *provider = NULL, *file = NULL;
    bool coordinator = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--provider") == 0 && i + 1 < argc) {
            provider = argv[++i];
        } else if (strcmp(argv[i], "--coordinator") == 0) {
            coordinator = true;
        } else if (strcmp(argv[i], "--password-file") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (argv[i][0] != '-' && login == NULL) {
            login = argv[i];
        } else {
            cli_error("user add: unexpected argument '%s'", argv[i]);
            return 1;
        }
    }
    if (login == NULL || coordinator == (provider != NULL)) {
        cli_error("usage: benchlearn user add LOGIN (--provider ID | "
                  "--coordinator) [--password-file F]");
        return 1;
    }
    char password[WEB_PASSWORD_MAX + 2];
    bool one_time;
    if (s_password(file, password, sizeof password, &one_time) != 0) {
        return 1;
    }
    bl_err_t err = {0};
    int rc = web_accounts_add(a, login, provider, coordinator, password,
                              one_time, &err);
    if (rc != 0) {
        sodium_memzero(password, sizeof password);
        return s_fail(&err);
    }
    printf("%s: %s added\n", login,
           coordinator ? "coordinator" : provider);
    if (one_time) {
        printf("one-time password: %s (to be changed at the first "
               "log-in)\n", password);
    }
    sodium_memzero(password, sizeof password);
    return 0;
}

static void s_print_account(void *ctx, const web_account_t *acc)
{
    (void)ctx;
    printf("%-24s %-14s %-4s %s%s\n", acc->login,
           acc->coordinator ? "coordinator" : acc->provider, acc->lang,
           acc->disabled ? "disabled" : "active",
           acc->must_change ? ", one-time password" : "");
}

static int s_list(web_accounts_t *a)
{
    printf("%-24s %-14s %-4s %s\n", "login", "sees", "lang", "state");
    bl_err_t err = {0};
    int rc = web_accounts_each(a, s_print_account, NULL, &err);
    return rc == 0 ? 0 : s_fail(&err);
}

static int s_passwd(web_accounts_t *a, int argc, char **argv)
{
    const char *login = NULL, *file = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--password-file") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (argv[i][0] != '-' && login == NULL) {
            login = argv[i];
        } else {
            cli_error("user passwd: unexpected argument '%s'", argv[i]);
            return 1;
        }
    }
    if (login == NULL) {
        cli_error("usage: benchlearn user passwd LOGIN [--password-file F]");
        return 1;
    }
    char password[WEB_PASSWORD_MAX + 2];
    bool one_time;
    if (s_password(file, password, sizeof password, &one_time) != 0) {
        return 1;
    }
    bl_err_t err = {0};
    int rc = web_accounts_set_password(a, login, password, one_time, &err);
    if (rc == 0 && one_time) {
        printf("one-time password: %s (to be changed at the next "
               "log-in)\n", password);
    } else if (rc == 0) {
        printf("%s: password changed\n", login);
    }
    sodium_memzero(password, sizeof password);
    return rc == 0 ? 0 : s_fail(&err);
}

int cli_user(cli_t *c, int argc, char **argv)
{
    if (argc < 2) {
        cli_error("usage: benchlearn user add|list|disable|passwd ...");
        return 1;
    }
    if (sodium_init() < 0) {
        cli_error("cannot initialise libsodium");
        return 2;
    }
    web_accounts_t *a;
    bl_err_t err = {0};
    if (web_accounts_open(&a, c->cfg, &err) != 0) {
        cli_error("cannot open the account store: %s", err.msg);
        return 2;
    }
    int rc;
    if (strcmp(argv[1], "add") == 0) {
        rc = s_add(a, argc, argv);
    } else if (strcmp(argv[1], "list") == 0 && argc == 2) {
        rc = s_list(a);
    } else if (strcmp(argv[1], "disable") == 0 && argc == 3) {
        rc = web_accounts_disable(a, argv[2], &err) == 0 ? 0 : s_fail(&err);
        if (rc == 0) {
            printf("%s: disabled\n", argv[2]);
        }
    } else if (strcmp(argv[1], "passwd") == 0) {
        rc = s_passwd(a, argc, argv);
    } else {
        cli_error("usage: benchlearn user add LOGIN (--provider ID | "
                  "--coordinator) [--password-file F] | list | disable "
                  "LOGIN | passwd LOGIN [--password-file F]");
        rc = 1;
    }
    web_accounts_close(&a);
    return rc;
}
