/*
 * bl_disk: free space and preallocation (see bl_disk.h).  fallocate(2)
 * mode 0 gives the holes of a sparse file real blocks without touching the
 * bytes that are there, which is what LMDB's shared map needs; glibc's
 * posix_fallocate would fall back to writing on filesystems without it,
 * which we do not want under a live map.
 */
#define _GNU_SOURCE
#include "bl_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>

#define S_MB ((uint64_t)1 << 20)

int bl_disk_free(const char *path, uint64_t *free_bytes)
{
    struct statvfs st;
    if (statvfs(path, &st) != 0) {
        return -errno;
    }
    *free_bytes = (uint64_t)st.f_bavail * (uint64_t)st.f_frsize;
    return 0;
}

int bl_disk_check(const char *dir, uint64_t reserve, uint64_t *free_bytes,
                  bl_err_t *err)
{
    uint64_t avail = 0;
    if (bl_disk_free(dir, &avail) != 0) {
        if (free_bytes != NULL) {
            *free_bytes = UINT64_MAX;
        }
        return 0;
    }
    if (free_bytes != NULL) {
        *free_bytes = avail;
    }
    if (avail >= reserve) {
        return 0;
    }
    return bl_err_set(err, BL_ENOSPC,
                      "node out of disk space in %s (%llu MB free, %llu MB "
                      "reserve)", dir, (unsigned long long)(avail / S_MB),
                      (unsigned long long)((reserve + S_MB - 1) / S_MB));
}

int bl_disk_ensure(int fd, uint64_t size, uint64_t *allocated,
                   bl_err_t *err)
{
    if (size <= *allocated) {
        return 0;
    }
    off_t off = (off_t)*allocated;
    if (fallocate(fd, 0, off, (off_t)(size - *allocated)) != 0) {
        int e = errno;
        if (e == EOPNOTSUPP || e == ENOSYS) {
            *allocated = UINT64_MAX;
            return 0;
        }
        if (e == ENOSPC || e == EDQUOT) {
            return bl_err_set(err, BL_ENOSPC, "no room to grow the store: "
                              "%s", strerror(e));
        }
        return bl_err_set(err, BL_EIO, "fallocate: %s", strerror(e));
    }
    *allocated = size;
    return 0;
}
