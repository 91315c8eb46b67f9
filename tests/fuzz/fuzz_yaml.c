/*
 * libFuzzer target for the YAML loaders: the input is written to a file
 * and loaded as a node config (BL_FUZZ_CONFIG: bl_config_load, which also
 * loads the catalogue it names — a valid catalogue.yaml sits beside the
 * file) or as an indicator catalogue (BL_FUZZ_CATALOGUE:
 * bl_catalogue_load).  A load either succeeds or fails with at least one
 * positioned diagnostic; nothing leaks or overflows.  Files go to a
 * private mkdtemp folder, removed at exit.
 */
#include "bl_catalogue.h"
#include "bl_config.h"
#include "bl_diag.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#ifndef BL_FUZZ_CATALOGUE_SRC
#define BL_FUZZ_CATALOGUE_SRC "config/catalogue.yaml"
#endif

static char s_dir[64];
static char s_input[128];

static void s_check(int ok)
{
    if (!ok) {
        abort();
    }
}

static void s_cleanup(void)
{
    char path[128];
    unlink(s_input);
    snprintf(path, sizeof path, "%s/catalogue.yaml", s_dir);
    unlink(path);
    rmdir(s_dir);
}

static int s_write(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return -1;
    }
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_fuzz_yaml_XXXXXX");
    s_check(mkdtemp(s_dir) != NULL);
    snprintf(s_input, sizeof s_input, "%s/input.yaml", s_dir);
    atexit(s_cleanup);
    /* The catalogue a fuzzed config names most often: "catalogue.yaml". */
    FILE *src = fopen(BL_FUZZ_CATALOGUE_SRC, "rb");
    s_check(src != NULL);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, src);
    fclose(src);
    char path[128];
    snprintf(path, sizeof path, "%s/catalogue.yaml", s_dir);
    s_check(s_write(path, buf, n) == 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_check(s_write(s_input, data, size) == 0);
    bl_diags_t diags = {0};
#if defined(BL_FUZZ_CONFIG)
    bl_config_t *cfg = NULL;
    int rc = bl_config_load(&cfg, s_input, &diags);
    s_check((rc == 0) == (cfg != NULL));
    s_check(rc == 0 || diags.count > 0);
    bl_config_destroy(&cfg);
#else
    bl_catalogue_t *cat = NULL;
    int rc = bl_catalogue_load(&cat, s_input, &diags);
    s_check((rc == 0) == (cat != NULL));
    s_check(rc == 0 || diags.count > 0);
    bl_catalogue_destroy(&cat);
#endif
    for (size_t i = 0; i < diags.count; i++) {
        char line[256];
        bl_diags_format(&diags, i, line, sizeof line);
        s_check(strlen(line) > 0);
    }
    bl_diags_clear(&diags);
    return 0;
}
