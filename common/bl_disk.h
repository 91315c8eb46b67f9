/*
 * bl_disk: whether a filesystem can take more writes.  Free space is what
 * an unprivileged writer may still use (statvfs f_bavail); a store keeps a
 * reserve below which new work is refused, so that deletes, acks and the
 * work already admitted always find room.  This module only measures and
 * words the refusal; the policy lives in bl_store and bl_inbox.  Never
 * logs.
 */
#ifndef BL_DISK_H
#define BL_DISK_H

#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"

/* Free bytes on the filesystem holding path.  Returns 0 or -errno. */
int bl_disk_free(const char *path, uint64_t *free_bytes);

/* Checks that the filesystem of dir has at least reserve bytes free.
 * Returns 0, or BL_ENOSPC with err saying "node out of disk space in DIR
 * (12 MB free, 64 MB reserve)"; a failing statvfs counts as room (the
 * write then reports its own error).  *free_bytes (may be NULL) gets the
 * free space measured. */
int bl_disk_check(const char *dir, uint64_t reserve, uint64_t *free_bytes,
                  bl_err_t *err);

/* Makes sure the bytes [0, size) of the file fd have blocks on disk, so a
 * write through a shared map cannot meet a hole on a full filesystem
 * (SIGBUS).  *allocated is what is known to be allocated already and is
 * raised on success.  Returns 0, BL_ENOSPC when the filesystem is full, or
 * 0 when the filesystem cannot preallocate (nothing to protect then). */
int bl_disk_ensure(int fd, uint64_t size, uint64_t *allocated,
                   bl_err_t *err);

#endif
