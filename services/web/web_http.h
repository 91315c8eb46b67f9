/*
 * web_http: the HTTP side of the portal on libmicrohttpd — the server and
 * its limits (connections, per address, idle time, header memory), one
 * request's state across the access handler's calls, form and multipart
 * parsing with MHD's post processor (an upload goes straight to a
 * web_upload spool), the headers every answer carries (CSP, no sniffing,
 * no framing, no caching), and the session cookie.
 *
 * It does not know the routes: web_routes_handle() answers a request once
 * its body has been read.  Runs from web's loop only.
 */
#ifndef WEB_HTTP_H
#define WEB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>

#include "web.h"
#include "web_page.h"
#include "web_upload.h"

#define WEB_FORM_FIELDS 16
/* Bytes of one field: a practice's description of 4,000 characters
 * (SPEC 10) in 4-byte UTF-8, and its NUL. */
#define WEB_FORM_VALUE_MAX 16384
#define WEB_FORM_BODY_MAX (64u * 1024u)  /* bytes of a body without file */

/* One form field. */
typedef struct web_field {
    char name[32];
    char value[WEB_FORM_VALUE_MAX];
    size_t len;
} web_field_t;

/* A request as the routes see it. */
typedef struct web_req {
    void *conn;               /* struct MHD_Connection * */
    const char *method;
    const char *url;          /* the path, without the query */
    bool post;
    bool has_session;
    web_session_t session;
    int lang;                 /* index into web_lang_codes */
    bool loopback;            /* from 127.0.0.1 or ::1 */
    size_t n_fields;
    web_field_t fields[WEB_FORM_FIELDS];
    web_upload_t *upload;     /* the file of POST /submissions, or NULL */
    char upload_name[128];    /* its file name, made safe */
} web_req_t;

/* An answer. */
typedef struct web_resp {
    unsigned status;
    const char *type;         /* Content-Type */
    web_buf_t body;
    int fd;                   /* >= 0: send this file instead of body */
    uint64_t fd_size;
    char location[512];       /* Location, for 3xx */
    char cookie[256];         /* Set-Cookie */
    char disposition[160];    /* Content-Disposition */
    bool report;              /* a rendered report: its own inline styles
                                 are allowed */
    int refresh;              /* > 0: Refresh after so many seconds */
} web_resp_t;

int web_http_start(web_http_t **out, web_t *w, bl_err_t *err);
void web_http_stop(web_http_t **h);

/* The port actually bound (when the config said 0). */
unsigned web_http_port(const web_http_t *h);

/* For the loop: the descriptors to wait on and the longest wait. */
int web_http_fdset(web_http_t *h, fd_set *r, fd_set *wr, fd_set *e,
                   int *max_fd, long *timeout_ms);
/* Does the work that is ready. */
void web_http_run(web_http_t *h);

/* A form field's value, or NULL. */
const char *web_req_field(const web_req_t *rq, const char *name);
/* A query parameter, or NULL. */
const char *web_req_query(const web_req_t *rq, const char *name);
/* A request header, or NULL. */
const char *web_req_header(const web_req_t *rq, const char *name);

/* The session cookie for id (an empty id ends it). */
void web_resp_cookie(web_resp_t *rs, const web_t *w, const char *id);

/* Answered by web_routes.c. */
void web_routes_handle(web_t *w, web_req_t *rq, web_resp_t *rs);

/* An error page: status and a sentence saying what was wrong. */
void web_routes_error(web_resp_t *rs, int lang, unsigned status,
                      const char *what);

#endif
