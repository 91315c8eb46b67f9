/*
 * libFuzzer target for the envelope decoder (bl_msg_decode): any frame is
 * either refused with a reason or decoded into an envelope whose names are
 * NUL-terminated within their bounds and whose payload lies inside the
 * frame; a decoded envelope encodes again and decodes to the same fields
 * (the round trip).  The sanitizers and these invariants are the oracle.
 */
#include "bl_msg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_check(int ok)
{
    if (!ok) {
        abort();
    }
}

static void s_check_name(const char *s)
{
    s_check(memchr(s, '\0', BL_MSG_NAME_MAX) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bl_msg_t m;
    bl_err_t err = {0};
    int rc = bl_msg_decode(data, size, &m, &err);
    if (rc != 0) {
        s_check(rc == BL_EPROTO || rc == BL_ETOOBIG);
        s_check(err.code == rc && err.msg[0] != '\0');
        return 0;
    }
    s_check((unsigned)m.type < BL_MSG_TYPE_COUNT);
    s_check_name(m.sender);
    s_check_name(m.origin);
    s_check_name(m.cat_name);
    s_check_name(m.cat_version);
    s_check(m.payload_len == 0 ||
            (m.payload >= data && m.payload + m.payload_len <= data + size));

    bl_mpw_t w;
    bl_mpw_init(&w);
    s_check(bl_msg_encode(&w, &m) == 0);
    bl_msg_t again;
    s_check(bl_msg_decode(bl_mpw_data(&w), bl_mpw_size(&w), &again, NULL) ==
            0);
    s_check(again.version == m.version && again.type == m.type);
    s_check(again.epoch == m.epoch && again.seq == m.seq);
    s_check(strcmp(again.sender, m.sender) == 0);
    s_check(strcmp(again.origin, m.origin) == 0);
    s_check(strcmp(again.cat_name, m.cat_name) == 0);
    s_check(strcmp(again.cat_version, m.cat_version) == 0);
    s_check(again.payload_len == m.payload_len);
    s_check(m.payload_len == 0 ||
            memcmp(again.payload, m.payload, m.payload_len) == 0);
    bl_mpw_destroy(&w);
    return 0;
}
