/*
 * bl_fs: the few file-system helpers several daemons and the CLI share.
 * Not a file abstraction: callers use stdio and POSIX directly.
 */
#ifndef BL_FS_H
#define BL_FS_H

#include <sys/types.h>

/* Creates directory path and any missing parents (like mkdir -p).
 * Returns 0, or -errno (ENAMETOOLONG for a path over PATH_MAX). */
int bl_fs_mkdirs(const char *path, mode_t mode);

/* Creates the directory that holds file path, and its parents. */
int bl_fs_mkdirs_parent(const char *path, mode_t mode);

#endif
