/*
 * bl_submit_client: the client side of a submission to the ingestion
 * daemon — the requests submit_begin, submit_rows and submit_end (SPEC 6)
 * written in one place for `benchlearn submit` and bl-web's upload — and
 * the reading of validation's sub_status answer.
 *
 * bl_submit_csv reads a CSV file with the streaming reader, sends its
 * header, then batches of rows (at most BL_SUBMIT_BATCH_ROWS rows or
 * BL_SUBMIT_BATCH_BYTES bytes, BL_SUBMIT_IN_FLIGHT batches in flight) and
 * the end; the daemon has stored every row when it returns 0.  A row the
 * reader could not read is sent with its reason, so that it shows with its
 * line number like any other rejected row.  A survey or indicators file
 * whose rows come in short runs of a provider (a survey tool's export, in
 * the order the answers came) is sent a window at a time, its rows
 * gathered by provider (bl_row_group.h); each row keeps its line.  Memory
 * stays flat whatever the file's size.
 */
#ifndef BL_SUBMIT_CLIENT_H
#define BL_SUBMIT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_csv.h"
#include "bl_error.h"
#include "bl_rpc.h"

#define BL_SUBMIT_BATCH_ROWS 4000
#define BL_SUBMIT_BATCH_BYTES (4u * 1024u * 1024u)
#define BL_SUBMIT_IN_FLIGHT 4
#define BL_SUBMIT_ID_MAX 64

/* What bl_submit_csv gives back besides an error code (< 0). */
typedef enum bl_submit_outcome {
    BL_SUBMIT_STORED = 0,       /* every row stored; the id in sub */
    BL_SUBMIT_NO_HEADER = 1,    /* empty, or the header could not be read */
    BL_SUBMIT_REJECTED = 2      /* the daemon rejected the header */
} bl_submit_outcome_t;

/* What the caller adds to a submission.  Every callback may be NULL. */
typedef struct bl_submit_hooks {
    void *ctx;
    /* A reason the whole file is rejected, at line: "header: ..." or
     * "the file is empty: a header row is needed". */
    void (*header_problem)(void *ctx, uint64_t line, const char *reason);
    /* The header, readable, before it is sent. */
    void (*header)(void *ctx, const bl_csv_record_t *hdr);
    /* A reason of the caller's own to reject a row the reader could read
     * (written into buf, returned), or NULL to send it as it is. */
    const char *(*row_problem)(void *ctx, const bl_csv_record_t *rec,
                               char *buf, size_t size);
    /* After each batch sent: rows so far and bytes of the file read. */
    void (*progress)(void *ctx, uint64_t rows, size_t offset);
    /* The header was taken: the file's kind as ingestion read it
     * ("register", "indicators", "survey", "actions", "practices"). */
    void (*kind)(void *ctx, const char *kind);
} bl_submit_hooks_t;

/* What to send and where. */
typedef struct bl_submit_req {
    bl_rpc_t *rpc;              /* connected to ingestion */
    int fd;                     /* the file, read from its current offset */
    const char *file;           /* its name, as messages show it */
    bool dry_run;
    int timeout_ms;             /* for each request's answer */
    size_t group_bytes;         /* the window of a file gathered by
                                   provider; 0: BL_ROW_GROUP_BYTES */
} bl_submit_req_t;

/* Submits req->fd.  Returns a bl_submit_outcome_t, or an error code with
 * err set (a refusal by the daemon is BL_EREFUSED with its reason as the
 * message, e.g. "node out of disk space in ..."; after an error, replies
 * may still be on their way: close the rpc).  *rows counts the data rows
 * read (may be NULL).  sub gets the submission id when the file is stored,
 * or rejected as a whole by ingestion (which keeps why: sub_info). */
int bl_submit_csv(const bl_submit_req_t *req, const bl_submit_hooks_t *hooks,
                  char *sub, size_t sub_size, uint64_t *rows, bl_err_t *err);

/* The counts of one validation worker's sub_status answer. */
typedef struct bl_sub_counts {
    uint64_t rows, accepted, warned, rejected;
    bool complete;              /* every worker said "complete" */
} bl_sub_counts_t;

/* Starts counts over all workers (complete until a worker says not). */
void bl_sub_counts_init(bl_sub_counts_t *c);

/* Adds one worker's sub_status reply; a refusal (the submission has not
 * reached that worker yet) makes the whole incomplete. */
void bl_sub_counts_add(bl_sub_counts_t *c, const bl_reply_t *reply);

/* Writes the sub_status request for sub into w (reset first). */
void bl_sub_status_request(bl_mpw_t *w, const char *sub);

/* One of the reasons a file was rejected as a whole (its header), from
 * ingestion's answer to submit_begin or sub_info. */
typedef void (*bl_sub_error_fn)(void *ctx, uint64_t line,
                                const char *message);

/* Calls fn for each entry of msg's "errors" ([[line, column, message]...]);
 * returns how many it lists, or -1 when msg has none. */
int bl_sub_errors_each(const bl_msg_t *msg, bl_sub_error_fn fn, void *ctx);

/* Sends request w to validation worker k (1-based) and waits for its
 * reply: 0 with *reply to free, or an error (detail in err). */
typedef int (*bl_sub_ask_fn)(void *ctx, int k, const bl_mpw_t *w,
                             bl_reply_t *reply, bl_err_t *err);

/* Asks each of the validation workers (1..workers) through ask how far
 * submission sub got, and adds their answers up in out.  Returns 0 or
 * the first failure of ask. */
int bl_sub_status_all(const char *sub, int workers, bl_sub_ask_fn ask,
                      void *ctx, bl_sub_counts_t *out, bl_err_t *err);

#endif
