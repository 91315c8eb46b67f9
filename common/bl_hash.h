/*
 * bl_hash: FNV-1a (64-bit) of bytes, for the in-memory hash tables of the
 * daemons (bl_strset's sets of strings, the report's chart cache, the
 * benchmark's provider index).  Not for anything stored or sent: the outbox's lane
 * rule (bl_outbox_lane_of) keeps its own constants, since changing them
 * would move providers between workers.  bl_hash_words reads eight bytes
 * at a time, for keys hashed once per row.
 */
#ifndef BL_HASH_H
#define BL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

static inline uint64_t bl_hash_words(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15u ^ len;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9u;
        h ^= h >> 31;
    }
    uint64_t w = 0;
    memcpy(&w, p, len);
    h = (h ^ w) * 0x94d049bb133111ebu;
    return h ^ (h >> 29);
}

#endif
