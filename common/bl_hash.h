/*
 * bl_hash: FNV-1a (64-bit) of bytes, for the in-memory hash tables of the
 * daemons (the report's message table and chart cache, the benchmark's
 * provider index).  Not for anything stored or sent: the outbox's lane
 * rule (bl_outbox_lane_of) keeps its own constants, since changing them
 * would move providers between workers.
 */
#ifndef BL_HASH_H
#define BL_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t bl_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ p[i]) * 1099511628211u;
    }
    return h;
}

static inline uint64_t bl_hash_str(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h = (h ^ *p) * 1099511628211u;
    }
    return h;
}

#endif
