/*
 * web_http: libmicrohttpd glue (see web_http.h).
 *
 * The access handler is called several times per request: first with no
 * body (the request state is made and the session read), then once per
 * piece of body (fed to the post processor), then once more to answer.
 * An answer may be queued early — 303 for a POST without a session, 413 as
 * soon as a body passes its limit — and then the rest of the body is
 * dropped unread.
 */
#include "web_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bl_log.h"
#include <stdarg.h>

#define S_CONNECTIONS 512          /* at once */
#define S_PER_IP 256               /* at once from one address */
#define S_IDLE_SECONDS 30          /* a client silent this long is dropped */
#define S_CONN_MEMORY (128 * 1024)  /* request line and headers, per
                                      connection */
#define S_POST_BUFFER (64 * 1024)
#define S_DROP_MAX (64u * 1024u * 1024u)  /* bytes read and dropped past a
                                             limit before hanging up */

struct web_http {
    web_t *w;
    struct MHD_Daemon *d;
    char *tls_cert, *tls_key;     /* PEM text, kept while serving */
};

/* One request's state across the handler's calls. */
typedef struct s_conn {
    web_t *w;
    web_req_t rq;
    struct MHD_PostProcessor *pp;
    uint64_t body;               /* bytes of body seen */
    uint64_t body_max;
    bool wants_upload;           /* POST /submissions with a session */
    bool queued;                 /* an answer has been queued */
    unsigned error;              /* 4xx found while reading the body */
    char error_text[256];
    bool upload_failed;          /* the spool could not be written */
} s_conn_t;

/* ---- answers ------------------------------------------------------------- */

static enum MHD_Result s_queue(web_t *w, struct MHD_Connection *conn,
                               web_resp_t *rs)
{
    struct MHD_Response *r;
    if (rs->fd >= 0) {
        r = MHD_create_response_from_fd64(rs->fd_size, rs->fd);
        if (r == NULL) {
            close(rs->fd);
        }
        rs->fd = -1;
    } else {
        if (rs->body.oom) {
            web_buf_free(&rs->body);
            rs->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
            rs->type = "text/plain; charset=utf-8";
            web_buf_puts(&rs->body, "out of memory\n");
        }
        size_t len = rs->body.len;
        r = MHD_create_response_from_buffer(len, len ? rs->body.data : "",
                                            len ? MHD_RESPMEM_MUST_FREE
                                                : MHD_RESPMEM_PERSISTENT);
        if (r != NULL && len) {
            rs->body.data = NULL;  /* MHD frees it */
        }
        web_buf_free(&rs->body);
    }
    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type",
                            rs->type ? rs->type : "text/html; charset=utf-8");
    MHD_add_response_header(r, "Content-Security-Policy",
                            rs->report ? "default-src 'self'; style-src "
                                         "'self' 'unsafe-inline'"
                                       : "default-src 'self'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (rs->location[0]) {
        MHD_add_response_header(r, "Location", rs->location);
    }
    if (rs->cookie[0]) {
        MHD_add_response_header(r, "Set-Cookie", rs->cookie);
    }
    if (rs->disposition[0]) {
        MHD_add_response_header(r, "Content-Disposition", rs->disposition);
    }
    if (rs->refresh > 0) {
        char sec[16];
        snprintf(sec, sizeof sec, "%d", rs->refresh);
        MHD_add_response_header(r, "Refresh", sec);
    }
    enum MHD_Result ok = MHD_queue_response(conn, rs->status, r);
    MHD_destroy_response(r);
    web_count(w, rs->status);
    return ok;
}

static void s_resp_init(web_resp_t *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->status = MHD_HTTP_OK;
    rs->fd = -1;
}

/* Queues an error page at once. */
static enum MHD_Result s_fail(web_t *w, s_conn_t *c, unsigned status,
                              const char *what)
{
    web_resp_t rs;
    s_resp_init(&rs);
    web_routes_error(&rs, c->rq.lang, status, what);
    c->queued = true;
    return s_queue(w, c->rq.conn, &rs);
}

static enum MHD_Result s_redirect(web_t *w, s_conn_t *c, const char *to)
{
    web_resp_t rs;
    s_resp_init(&rs);
    rs.status = MHD_HTTP_SEE_OTHER;
    snprintf(rs.location, sizeof rs.location, "%s", to);
    c->queued = true;
    return s_queue(w, c->rq.conn, &rs);
}

void web_resp_cookie(web_resp_t *rs, const web_t *w, const char *id)
{
    snprintf(rs->cookie, sizeof rs->cookie,
             "bl_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", id,
             w->tls ? "; Secure" : "", id[0] ? "" : "; Max-Age=0");
}

/* ---- the request's parts ------------------------------------------------ */

const char *web_req_field(const web_req_t *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_fields; i++) {
        if (strcmp(rq->fields[i].name, name) == 0) {
            return rq->fields[i].value;
        }
    }
    return NULL;
}

const char *web_req_query(const web_req_t *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

const char *web_req_header(const web_req_t *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

static bool s_loopback(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL) {
        return false;
    }
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

/* The language: the account's, else ?lang=, else Accept-Language. */
static int s_lang(const web_req_t *rq)
{
    if (rq->has_session) {
        int i = web_lang_index(rq->session.account.lang);
        if (i >= 0) {
            return i;
        }
    }
    int q = web_lang_index(web_req_query(rq, "lang"));
    if (q >= 0) {
        return q;
    }
    const char *al = web_req_header(rq, "Accept-Language");
    if (al != NULL && strlen(al) >= 2) {
        char two[3] = {al[0], al[1], '\0'};
        if (strcmp(two, "nb") == 0 || strcmp(two, "nn") == 0) {
            return 1;
        }
        int i = web_lang_index(two);
        if (i >= 0) {
            return i;
        }
    }
    return 0;
}

/* A file name safe to show and to pass on: its last part, with anything
 * but letters, digits, '.', '-' and '_' made '_'. */
static void s_safe_name(const char *name, char *out, size_t size)
{
    const char *base = name;
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p == '\\') {
            base = p + 1;
        }
    }
    size_t n = 0;
    for (const char *p = base; *p && n + 1 < size; p++) {
        char ch = *p;
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
                  ch == '_';
        out[n++] = ok ? ch : '_';
    }
    out[n] = '\0';
    if (n == 0 || out[0] == '.') {
        snprintf(out, size, "upload.csv");
    }
}

static enum MHD_Result s_iterate(void *cls, enum MHD_ValueKind kind,
                                 const char *key, const char *filename,
                                 const char *content_type,
                                 const char *transfer_encoding,
                                 const char *data, uint64_t off, size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    s_conn_t *c = cls;
    web_req_t *rq = &c->rq;
    if (c->error) {
        return MHD_NO;
    }
    if (key == NULL) {
        /* A part without a name (MHD passes NULL for a malformed
         * Content-Disposition). */
        c->error = MHD_HTTP_BAD_REQUEST;
        snprintf(c->error_text, sizeof c->error_text,
                 "the form has a part without a name");
        return MHD_NO;
    }
    if (filename != NULL) {
        if (strcmp(key, "file") != 0 || !c->wants_upload) {
            c->error = MHD_HTTP_BAD_REQUEST;
            snprintf(c->error_text, sizeof c->error_text,
                     "form field '%.40s': no file is expected here", key);
            return MHD_NO;
        }
        bl_err_t err = {0};
        if (rq->upload == NULL) {
            if (web_upload_open(&rq->upload, c->w->spool_dir, c->body_max,
                                &err) != 0) {
                bl_log(BL_LOG_ERROR, "upload: %s", err.msg);
                c->error = MHD_HTTP_INTERNAL_SERVER_ERROR;
                snprintf(c->error_text, sizeof c->error_text,
                         "the upload cannot be kept for sending");
                return MHD_NO;
            }
            s_safe_name(filename, rq->upload_name, sizeof rq->upload_name);
        }
        if (size > 0 && web_upload_write(rq->upload, data, size, &err) != 0) {
            c->error = err.code == BL_ETOOBIG
                           ? MHD_HTTP_CONTENT_TOO_LARGE
                           : MHD_HTTP_INTERNAL_SERVER_ERROR;
            snprintf(c->error_text, sizeof c->error_text, "%s", err.msg);
            return MHD_NO;
        }
        return MHD_YES;
    }
    web_field_t *f = NULL;
    if (off > 0 && rq->n_fields > 0 &&
        strcmp(rq->fields[rq->n_fields - 1].name, key) == 0) {
        f = &rq->fields[rq->n_fields - 1];
    } else if (rq->n_fields < WEB_FORM_FIELDS && strlen(key) < 32) {
        f = &rq->fields[rq->n_fields++];
        snprintf(f->name, sizeof f->name, "%s", key);
        f->len = 0;
        f->value[0] = '\0';
    } else {
        c->error = MHD_HTTP_BAD_REQUEST;
        snprintf(c->error_text, sizeof c->error_text,
                 "the form has too many fields or a field name over 31 "
                 "bytes");
        return MHD_NO;
    }
    if (f->len + size >= sizeof f->value) {
        c->error = MHD_HTTP_BAD_REQUEST;
        snprintf(c->error_text, sizeof c->error_text,
                 "form field '%s': longer than %d bytes", f->name,
                 WEB_FORM_VALUE_MAX - 1);
        return MHD_NO;
    }
    memcpy(f->value + f->len, data, size);
    f->len += size;
    f->value[f->len] = '\0';
    return MHD_YES;
}

/* ---- the handler --------------------------------------------------------- */

/* First call: the request's state, its session and its limits. */
static enum MHD_Result s_begin(web_t *w, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               void **con_cls)
{
    s_conn_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return MHD_NO;
    }
    *con_cls = c;
    c->w = w;
    web_req_t *rq = &c->rq;
    rq->conn = conn;
    rq->method = method;
    rq->url = url;
    rq->post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    rq->loopback = s_loopback(conn);
    const char *sid = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
                                                  "bl_session");
    if (sid != NULL) {
        bl_err_t err = {0};
        int rc = web_accounts_session(w->accounts, sid, (int64_t)time(NULL),
                                      &rq->session, &err);
        rq->has_session = rc == 0;
        if (rc != 0 && rc != BL_ENOTFOUND) {
            bl_log(BL_LOG_ERROR, "session: %s", err.msg);
        }
    }
    rq->lang = s_lang(rq);
    if (!rq->post) {
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
            strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
            return s_fail(w, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "only GET and POST are served");
        }
        return MHD_YES;
    }
    bool login = strcmp(url, "/login") == 0;
    if (!rq->has_session && !login) {
        return s_redirect(w, c, "/login");
    }
    c->wants_upload = strcmp(url, "/submissions") == 0;
    c->body_max = c->wants_upload
                      ? (uint64_t)w->cfg->web_max_upload_mb * 1024 * 1024
                      : WEB_FORM_BODY_MAX;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 "Content-Length");
    uint64_t slack = c->wants_upload ? 64 * 1024 : 0;
    if (cl != NULL && strtoull(cl, NULL, 10) > c->body_max + slack) {
        return s_fail(w, c, MHD_HTTP_CONTENT_TOO_LARGE,
                      c->wants_upload ? "the file is larger than the upload "
                                        "limit"
                                      : "the form is too large");
    }
    c->pp = MHD_create_post_processor(conn, S_POST_BUFFER, s_iterate, c);
    return MHD_YES;
}

static enum MHD_Result s_access(void *cls, struct MHD_Connection *conn,
                                const char *url, const char *method,
                                const char *version, const char *upload_data,
                                size_t *upload_data_size, void **con_cls)
{
    (void)version;
    web_t *w = cls;
    if (*con_cls == NULL) {
        return s_begin(w, conn, url, method, con_cls);
    }
    s_conn_t *c = *con_cls;
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (c->queued) {
            return MHD_YES;  /* dropping the rest */
        }
        c->body += n;
        uint64_t slack = c->wants_upload ? 64 * 1024 : 0;
        if (c->body > c->body_max + slack && !c->error) {
            /* MHD takes an answer only before the body or after it: the
             * spool is emptied now and the rest is read and dropped. */
            web_upload_close(&c->rq.upload);
            c->error = MHD_HTTP_CONTENT_TOO_LARGE;
            snprintf(c->error_text, sizeof c->error_text, "%s",
                     c->wants_upload ? "the file is larger than the upload "
                                       "limit"
                                     : "the form is too large");
        }
        if (c->error) {
            /* A sender that goes far past the limit is cut off. */
            return c->body > c->body_max + S_DROP_MAX ? MHD_NO : MHD_YES;
        }
        if (c->pp == NULL) {
            c->error = MHD_HTTP_BAD_REQUEST;
            snprintf(c->error_text, sizeof c->error_text,
                     "the body is not a form (expected "
                     "application/x-www-form-urlencoded, or "
                     "multipart/form-data with a boundary)");
            return MHD_YES;
        }
        if (MHD_post_process(c->pp, upload_data, n) != MHD_YES &&
            !c->error) {
            c->error = MHD_HTTP_BAD_REQUEST;
            snprintf(c->error_text, sizeof c->error_text,
                     "the form is malformed");
        }
        if (c->error) {
            web_upload_close(&c->rq.upload);
        }
        return MHD_YES;
    }
    if (c->queued) {
        return MHD_YES;
    }
    if (c->error) {
        return s_fail(w, c, c->error, c->error_text);
    }
    web_resp_t rs;
    s_resp_init(&rs);
    web_routes_handle(w, &c->rq, &rs);
    web_upload_close(&c->rq.upload);
    c->queued = true;
    return s_queue(w, conn, &rs);
}

static void s_completed(void *cls, struct MHD_Connection *conn,
                        void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    s_conn_t *c = *con_cls;
    if (c == NULL) {
        return;
    }
    if (c->pp != NULL) {
        MHD_destroy_post_processor(c->pp);
    }
    web_upload_close(&c->rq.upload);
    memset(&c->rq.session, 0, sizeof c->rq.session);
    free(c);
    *con_cls = NULL;
}

/* ---- the server ---------------------------------------------------------- */

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    bl_log(BL_LOG_WARN, "http: %s", msg);
}

/* Reads a whole small file (a PEM) into a new string. */
static char *s_slurp(const char *path, bl_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        bl_err_set(err, -errno, "cannot open '%s': %s", path,
                   strerror(errno));
        return NULL;
    }
    char *buf = malloc(1024 * 1024);
    size_t n = buf ? fread(buf, 1, 1024 * 1024 - 1, f) : 0;
    fclose(f);
    if (buf == NULL || n == 0) {
        free(buf);
        bl_err_set(err, BL_EIO, "'%s' is empty or unreadable", path);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* "host:port" or "[v6]:port" into a socket address. */
static int s_parse_listen(const char *listen, struct sockaddr_storage *ss,
                          bl_err_t *err)
{
    memset(ss, 0, sizeof *ss);
    char host[96];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host) {
        return bl_err_set(err, BL_ECONFIG, "web.listen: '%s' is not "
                          "address:port", listen);
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    unsigned port = (unsigned)strtoul(colon + 1, NULL, 10);
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1) {
            return 0;
        }
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        if (strcmp(host, "localhost") == 0) {
            snprintf(host, sizeof host, "127.0.0.1");
        }
        if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
            return 0;
        }
    }
    return bl_err_set(err, BL_ECONFIG, "web.listen: '%s' is not a numeric "
                      "address (e.g. 127.0.0.1:8080 or [::1]:8080)",
                      listen);
}

int web_http_start(web_http_t **out, web_t *w, bl_err_t *err)
{
    *out = NULL;
    struct sockaddr_storage ss;
    int rc = s_parse_listen(w->cfg->web_listen, &ss, err);
    if (rc != 0) {
        return rc;
    }
    web_http_t *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    h->w = w;
    unsigned flags = MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    if (w->cfg->web_tls_cert != NULL) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            free(h);
            return bl_err_set(err, BL_ECONFIG, "this libmicrohttpd has no "
                              "TLS: remove web.tls_cert or install one "
                              "built with GnuTLS");
        }
        h->tls_cert = s_slurp(w->cfg->web_tls_cert, err);
        h->tls_key = h->tls_cert ? s_slurp(w->cfg->web_tls_key, err) : NULL;
        if (h->tls_key == NULL) {
            free(h->tls_cert);
            free(h);
            return BL_ECONFIG;
        }
        flags |= MHD_USE_TLS;
        w->tls = true;
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, s_access, w,
        MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)S_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)S_PER_IP,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)S_IDLE_SECONDS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)S_CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL,
        MHD_OPTION_ARRAY, w->tls ? tls_opts : tls_opts + 2,
        MHD_OPTION_END);
    if (h->d == NULL) {
        free(h->tls_cert);
        free(h->tls_key);
        free(h);
        return bl_err_set(err, BL_EIO, "cannot listen on %s (in use, or "
                          "not an address of this host)",
                          w->cfg->web_listen);
    }
    *out = h;
    return 0;
}

void web_http_stop(web_http_t **h)
{
    if (h == NULL || *h == NULL) {
        return;
    }
    MHD_stop_daemon((*h)->d);
    free((*h)->tls_cert);
    free((*h)->tls_key);
    free(*h);
    *h = NULL;
}

unsigned web_http_port(const web_http_t *h)
{
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    return di ? di->port : 0;
}

int web_http_fdset(web_http_t *h, fd_set *r, fd_set *wr, fd_set *e,
                   int *max_fd, long *timeout_ms)
{
    MHD_socket max = 0;
    if (MHD_get_fdset(h->d, r, wr, e, &max) != MHD_YES) {
        return BL_EIO;
    }
    *max_fd = (int)max;
    MHD_UNSIGNED_LONG_LONG to;
    if (MHD_get_timeout(h->d, &to) == MHD_YES &&
        (long long)to < *timeout_ms) {
        *timeout_ms = (long)to;
    }
    return 0;
}

void web_http_run(web_http_t *h)
{
    MHD_run(h->d);
}
