/*
 * cli_keygen: `benchlearn keygen NAME [-o DIR]` writes a CURVE key pair:
 * NAME.pub (the Z85 public key, to give to the other node) and NAME.key
 * (the Z85 secret key, mode 0600, to keep).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "cli.h"

static int s_write(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        cli_error("cannot create '%s': %s", path, strerror(errno));
        return errno == EEXIST ? 1 : 2;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    ssize_t nl = write(fd, "\n", 1);
    if (w != (ssize_t)len || nl != 1 || fchmod(fd, mode) != 0 ||
        close(fd) != 0) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return 2;
    }
    return 0;
}

int cli_keygen(cli_t *c, int argc, char **argv)
{
    (void)c;
    const char *name = NULL, *dir = ".";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (name == NULL && argv[i][0] != '-') {
            name = argv[i];
        } else {
            cli_error("usage: benchlearn keygen NAME [-o DIR]");
            return 1;
        }
    }
    if (name == NULL || strchr(name, '/') != NULL) {
        cli_error("usage: benchlearn keygen NAME [-o DIR]");
        return 1;
    }
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec) != 0) {
        cli_error("cannot make a key pair: %s", zmq_strerror(zmq_errno()));
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    int rc = s_write(path, sec, 0600);
    if (rc != 0) {
        return rc;
    }
    snprintf(path, sizeof path, "%s/%s.pub", dir, name);
    rc = s_write(path, pub, 0644);
    if (rc != 0) {
        return rc;
    }
    printf("%s/%s.pub %s/%s.key\n", dir, name, dir, name);
    return 0;
}
