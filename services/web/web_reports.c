/*
 * web_reports: a provider's reports and the coordinator's pages (see
 * web_routes.h).
 *
 * Reports are served from the report daemon's folder for the period
 * (<data_dir>/reports/PERIOD/), where closing the period renders every
 * provider's report and the summary; its "period_state" request says when
 * that is done.  The path is made only from a checked period, a checked
 * provider id and one of four extensions.  The dashboard gathers the
 * register's providers and their completeness from validation, rows still
 * rejected likewise, and the portal's own uploads.
 */
#include "web_routes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bl_fs.h"
#include "bl_log.h"
#include "bl_net.h"

#define S_PERIODS_MAX 64
#define S_ROWS_MAX 4096     /* providers on the dashboard */

typedef struct s_kind {
    const char *ext;
    const char *type;
} s_kind_t;

static const s_kind_t s_kinds[] = {
    {"html", "text/html; charset=utf-8"},
    {"pdf", "application/pdf"},
    {"csv", "text/csv; charset=utf-8"},
    {"json", "application/json"},
};

/* The generation of period the report daemon has rendered, asked at most
 * once per WEB_GEN_TTL_MS. */
static int s_rendered(web_t *w, int64_t period, uint64_t *gen, bl_err_t *err)
{
    long long now = bl_net_now_ms();
    size_t slot = 0;
    for (size_t i = 0; i < sizeof w->gens / sizeof w->gens[0]; i++) {
        if (w->gens[i].period == period) {
            if (now - w->gens[i].asked_ms < WEB_GEN_TTL_MS) {
                *gen = w->gens[i].gen;
                return 0;
            }
            slot = i;
            break;
        }
        if (w->gens[i].asked_ms < w->gens[slot].asked_ms) {
            slot = i;
        }
    }
    int rc = web_backend_rendered(w->backend, period, gen, err);
    if (rc == 0) {
        w->gens[slot].period = period;
        w->gens[slot].gen = *gen;
        w->gens[slot].asked_ms = now;
    }
    return rc;
}

/* Opens file of period from the report daemon's period folder, where a
 * close renders every provider's report and the summary.  Nothing is
 * rendered on request, so no view waits for the report daemon: while the
 * close's rendering runs the answer is 503 with Refresh ("being prepared,
 * reload in a moment").  Returns an fd, or -1 with rs filled. */
static int s_fetch(web_t *w, const web_req_t *rq, web_resp_t *rs,
                   int64_t period, const char *provider, const char *file)
{
    uint64_t gen = 0;
    bl_err_t err = {0};
    if (s_rendered(w, period, &gen, &err) != 0) {
        web_routes_error(rs, rq->lang, MHD_HTTP_BAD_GATEWAY, err.msg);
        return -1;
    }
    char dir[PATH_MAX], path[PATH_MAX + 128];
    snprintf(dir, sizeof dir, "%s/reports/%" PRId64, w->cfg->data_dir,
             period);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = gen > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        return fd;
    }
    size_t fl = strlen(file);
    if (gen > 0 && fl > 4 && strcmp(file + fl - 4, ".pdf") == 0) {
        /* A close renders no PDFs: ask for this one, and have the browser
         * come back for the file the report daemon keeps. */
        if (web_backend_render_pdf(w->backend, period, provider, &err) != 0) {
            web_routes_error(rs, rq->lang, MHD_HTTP_BAD_GATEWAY, err.msg);
            return -1;
        }
        web_routes_error(rs, rq->lang, MHD_HTTP_SERVICE_UNAVAILABLE,
                         web_text(rq->lang, T_PREPARING));
        rs->refresh = WEB_REFRESH_S;
        return -1;
    }
    struct stat st;
    if (gen == 0 && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* Closed, and its reports are being written. */
        web_routes_error(rs, rq->lang, MHD_HTTP_SERVICE_UNAVAILABLE,
                         web_text(rq->lang, T_PREPARING));
        rs->refresh = WEB_REFRESH_S;
        return -1;
    }
    web_routes_error(rs, rq->lang, MHD_HTTP_NOT_FOUND,
                     web_text(rq->lang, T_NOT_FOUND));
    return -1;
}

static void s_serve_fd(web_resp_t *rs, int fd, const char *type)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        web_routes_error(rs, 0, MHD_HTTP_INTERNAL_SERVER_ERROR,
                         "the report file cannot be read");
        return;
    }
    rs->fd = fd;
    rs->fd_size = (uint64_t)st.st_size;
    rs->type = type;
}

void web_reports_file(web_t *w, web_req_t *rq, web_resp_t *rs,
                      const char *rest)
{
    int64_t period;
    const char *slash = strchr(rest, '/');
    const char *dot = slash ? strrchr(slash, '.') : NULL;
    char provider[48];
    if (slash == NULL || dot == NULL ||
        !web_period_parse(rest, (size_t)(slash - rest), &period) ||
        (size_t)(dot - slash - 1) >= sizeof provider) {
        web_routes_error(rs, rq->lang, MHD_HTTP_NOT_FOUND,
                         web_text(rq->lang, T_NOT_FOUND));
        return;
    }
    memcpy(provider, slash + 1, (size_t)(dot - slash - 1));
    provider[dot - slash - 1] = '\0';
    const s_kind_t *kind = NULL;
    for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds[0]; i++) {
        if (strcmp(dot + 1, s_kinds[i].ext) == 0) {
            kind = &s_kinds[i];
        }
    }
    const web_account_t *acc = &rq->session.account;
    if (kind == NULL || !web_id_valid(provider) ||
        (!acc->coordinator && strcmp(provider, acc->provider) != 0)) {
        /* Another provider's report answers as if it did not exist. */
        web_routes_error(rs, rq->lang, MHD_HTTP_NOT_FOUND,
                         web_text(rq->lang, T_NOT_FOUND));
        return;
    }
    char file[96];
    snprintf(file, sizeof file, "%s.%s", provider, kind->ext);
    int fd = s_fetch(w, rq, rs, period, provider, file);
    if (fd < 0) {
        return;
    }
    s_serve_fd(rs, fd, kind->type);
    rs->report = strcmp(kind->ext, "html") == 0;
    if (!rs->report) {
        snprintf(rs->disposition, sizeof rs->disposition,
                 "attachment; filename=\"%s-%" PRId64 ".%s\"", provider,
                 period, kind->ext);
    }
}

/* The periods the report daemon has rendered, newest first. */
static size_t s_periods(web_t *w, int64_t *out, size_t max)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/reports", w->cfg->data_dir);
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        int64_t p;
        uint64_t gen = 0;
        bl_err_t err = {0};
        if (web_period_parse(e->d_name, strlen(e->d_name), &p) &&
            s_rendered(w, p, &gen, &err) == 0 &&
            gen > 0) {
            out[n++] = p;
        }
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && out[j] > out[j - 1]; j--) {
            int64_t t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    }
    return n;
}

void web_reports_list(web_t *w, const web_req_t *rq, web_buf_t *b,
                      const char *provider)
{
    int64_t periods[S_PERIODS_MAX];
    size_t n = s_periods(w, periods, S_PERIODS_MAX);
    if (n == 0) {
        web_buf_printf(b, "<p>%s</p>\n", web_text(rq->lang, T_NONE_YET));
        return;
    }
    web_buf_puts(b, "<ul id=\"reports\">\n");
    for (size_t i = 0; i < n; i++) {
        web_buf_printf(b, "<li>%s %" PRId64 ": ",
                       web_text(rq->lang, T_PERIOD), periods[i]);
        for (size_t k = 0; k < sizeof s_kinds / sizeof s_kinds[0]; k++) {
            web_buf_printf(b, "%s<a href=\"/reports/%" PRId64 "/",
                           k ? " · " : "", periods[i]);
            web_buf_url(b, provider);
            web_buf_printf(b, ".%s\">%s%s%s</a>", s_kinds[k].ext,
                           k ? web_text(rq->lang, T_DOWNLOAD) : "",
                           k ? " " : web_text(rq->lang, T_VIEW),
                           k ? s_kinds[k].ext : "");
        }
        web_buf_puts(b, "</li>\n");
    }
    web_buf_puts(b, "</ul>\n");
}

/* ---- the coordinator's dashboard ----------------------------------------- */

typedef struct s_row {
    char provider[WEB_PROVIDER_MAX];
    bool has_login;
    uint64_t subs;
    int64_t last_at;
    char last_sub[64];
    bool registered;         /* in the node's register */
    uint64_t sent, total;    /* indicators sent of the catalogue's */
    uint64_t still_rejected;
} s_row_t;

typedef struct s_table {
    s_row_t *rows;
    size_t n;
} s_table_t;

static s_row_t *s_row(s_table_t *t, const char *provider)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->rows[i].provider, provider) == 0) {
            return &t->rows[i];
        }
    }
    if (t->n >= S_ROWS_MAX || provider[0] == '\0') {
        return NULL;
    }
    s_row_t *r = &t->rows[t->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->provider, sizeof r->provider, "%s", provider);
    return r;
}

static void s_add_account(void *ctx, const web_account_t *acc)
{
    s_row_t *r = acc->coordinator ? NULL : s_row(ctx, acc->provider);
    if (r != NULL) {
        r->has_login = true;
    }
}

static void s_add_sub(void *ctx, const web_sub_t *ws)
{
    s_row_t *r = s_row(ctx, ws->provider);
    if (r != NULL) {
        r->subs++;
        if (ws->at >= r->last_at) {
            r->last_at = ws->at;
            snprintf(r->last_sub, sizeof r->last_sub, "%s", ws->sub);
        }
    }
}

static void s_add_rejected(void *ctx, const char *provider, uint64_t n)
{
    s_row_t *r = s_row(ctx, provider);
    if (r != NULL) {
        r->still_rejected += n;
    }
}

static void s_add_completeness(void *ctx, const char *provider,
                               uint64_t sent, uint64_t total)
{
    s_row_t *r = s_row(ctx, provider);
    if (r != NULL) {
        r->registered = true;
        r->sent = sent;
        r->total = total;
    }
}

/* Submitted: it has sent an indicator of the period, or uploaded here. */
static bool s_submitted(const s_row_t *r)
{
    return r->sent > 0 || r->subs > 0;
}

static double s_share(const s_row_t *r)
{
    return r->total ? (double)r->sent / (double)r->total : -1.0;
}

static const char *s_sort_key = "provider";

static int s_cmp(const void *a, const void *b)
{
    const s_row_t *x = a, *y = b;
    int c = 0;
    if (strcmp(s_sort_key, "sent") == 0) {
        c = s_submitted(x) - s_submitted(y);
    } else if (strcmp(s_sort_key, "complete") == 0) {
        double dx = s_share(x), dy = s_share(y);
        c = (dx > dy) - (dx < dy);
    } else if (strcmp(s_sort_key, "rejected") == 0) {
        c = (y->still_rejected > x->still_rejected) -
            (y->still_rejected < x->still_rejected);
    } else if (strcmp(s_sort_key, "last") == 0) {
        c = (y->last_at > x->last_at) - (y->last_at < x->last_at);
    }
    return c != 0 ? c : strcmp(x->provider, y->provider);
}

void web_reports_dashboard(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    int lang = rq->lang;
    int64_t period = 0;
    const char *qp = web_req_query(rq, "period");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    if (qp == NULL) {
        period = tm.tm_year + 1900 - 1;
    } else if (!web_period_parse(qp, strlen(qp), &period)) {
        web_routes_error(rs, lang, MHD_HTTP_BAD_REQUEST,
                         "period: expected a year such as 2025");
        return;
    }
    const char *sort = web_req_query(rq, "sort");
    static const char *const sorts[] = {"provider", "sent", "complete",
                                        "rejected", "last"};
    s_sort_key = "provider";
    for (size_t i = 0; sort != NULL && i < 5; i++) {
        if (strcmp(sort, sorts[i]) == 0) {
            s_sort_key = sorts[i];
        }
    }
    s_table_t t = {calloc(S_ROWS_MAX, sizeof(s_row_t)), 0};
    if (t.rows == NULL) {
        web_routes_error(rs, lang, MHD_HTTP_INTERNAL_SERVER_ERROR,
                         "out of memory");
        return;
    }
    bl_err_t err = {0};
    int rc = web_accounts_each(w->accounts, s_add_account, &t, &err);
    if (rc == 0) {
        rc = web_accounts_each_sub(w->accounts, s_add_sub, &t, &err);
    }
    if (rc == 0) {
        rc = web_backend_completeness(w->backend, period,
                                      s_add_completeness, &t, &err);
    }
    if (rc == 0) {
        rc = web_backend_rejected(w->backend, period, s_add_rejected, &t,
                                  &err);
    }
    if (rc != 0) {
        free(t.rows);
        web_routes_error(rs, lang, MHD_HTTP_BAD_GATEWAY, err.msg);
        return;
    }
    qsort(t.rows, t.n, sizeof *t.rows, s_cmp);
    web_buf_t *b = &rs->body;
    web_page_begin(b, lang, web_text(lang, T_COORDINATOR), &rq->session);
    web_buf_printf(b, "<form method=\"get\" action=\"/coordinator\">"
                   "<label for=\"period\">%s</label>"
                   "<input id=\"period\" name=\"period\" inputmode="
                   "\"numeric\" pattern=\"[0-9]{4}\" value=\"%" PRId64
                   "\"> <input type=\"hidden\" name=\"sort\" value=\"%s\">"
                   "<button type=\"submit\">%s</button></form>\n",
                   web_text(lang, T_PERIOD), period, s_sort_key,
                   web_text(lang, T_VIEW));
    size_t sent = 0;
    for (size_t i = 0; i < t.n; i++) {
        sent += s_submitted(&t.rows[i]);
    }
    web_buf_printf(b, "<p id=\"sent-count\">%s: %zu / %zu</p>\n",
                   web_text(lang, T_SENT), sent, t.n);
    static const web_text_t heads[] = {T_PROVIDER, T_SENT, T_COMPLETENESS,
                                       T_STILL_REJECTED, T_LAST};
    web_buf_puts(b, "<div class=\"table\"><table id=\"dashboard\"><thead>"
                    "<tr>");
    for (size_t i = 0; i < 5; i++) {
        bool on = strcmp(s_sort_key, sorts[i]) == 0;
        web_buf_printf(b, "<th scope=\"col\"%s><a href=\"/coordinator?"
                       "period=%" PRId64 "&amp;sort=%s\">%s</a></th>",
                       on ? " aria-sort=\"ascending\"" : "", period,
                       sorts[i], web_text(lang, heads[i]));
    }
    web_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < t.n; i++) {
        const s_row_t *r = &t.rows[i];
        web_buf_puts(b, "<tr><td>");
        web_buf_esc(b, r->provider);
        web_buf_printf(b, "</td><td>%s</td><td>",
                       s_submitted(r) ? web_text(lang, T_SENT)
                                      : web_text(lang, T_NOT_SENT));
        double share = s_share(r);
        if (share >= 0) {
            /* Rounded down: 23 of 24 does not read 100%. */
            web_buf_printf(b, "%d%% (%" PRIu64 "/%" PRIu64 ")",
                           (int)(share * 100.0), r->sent, r->total);
        }
        web_buf_printf(b, "</td><td>%" PRIu64 "</td><td>", r->still_rejected);
        if (r->last_sub[0]) {
            char at[32];
            time_t tt = (time_t)r->last_at;
            struct tm lt;
            gmtime_r(&tt, &lt);
            strftime(at, sizeof at, "%Y-%m-%d %H:%M UTC", &lt);
            web_buf_puts(b, "<a href=\"/submissions/");
            web_buf_url(b, r->last_sub);
            web_buf_printf(b, "\">%s</a> ", at);
            web_buf_esc(b, r->last_sub);
        }
        web_buf_puts(b, "</td></tr>\n");
    }
    web_buf_puts(b, "</tbody></table></div>\n");
    free(t.rows);
    web_buf_printf(b, "<h2>%s</h2>\n<p><a href=\"/coordinator/summary/%"
                   PRId64 ".html\">%s %" PRId64 "</a></p>\n",
                   web_text(lang, T_SUMMARY), period,
                   web_text(lang, T_SUMMARY), period);
    web_buf_printf(b, "<form method=\"post\" action=\"/coordinator/close/%"
                   PRId64 "\">", period);
    web_page_csrf(b, &rq->session);
    web_buf_printf(b, "<button type=\"submit\">%s %" PRId64 "</button>"
                   "</form>\n", web_text(lang, T_CLOSE), period);
    web_buf_printf(b, "<h2>%s</h2>\n<form method=\"post\" action="
                   "\"/coordinator/users\">\n<label for=\"new-login\">%s"
                   "</label>\n<input id=\"new-login\" name=\"login\" "
                   "required pattern=\"[A-Za-z0-9_.@-]{1,63}\">\n"
                   "<label for=\"new-provider\">%s</label>\n<input id="
                   "\"new-provider\" name=\"provider\" required pattern="
                   "\"[A-Za-z0-9_.-]{1,40}\">\n",
                   web_text(lang, T_ADD_LOGIN), web_text(lang, T_USER),
                   web_text(lang, T_PROVIDER));
    web_page_csrf(b, &rq->session);
    web_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n",
                   web_text(lang, T_SAVE));
    web_page_end(b);
}

void web_reports_summary(web_t *w, web_req_t *rq, web_resp_t *rs,
                         const char *rest)
{
    int64_t period;
    size_t n = strlen(rest);
    if (n != 9 || strcmp(rest + 4, ".html") != 0 ||
        !web_period_parse(rest, 4, &period)) {
        web_routes_error(rs, rq->lang, MHD_HTTP_NOT_FOUND,
                         web_text(rq->lang, T_NOT_FOUND));
        return;
    }
    int fd = s_fetch(w, rq, rs, period, "", "summary.html");
    if (fd >= 0) {
        s_serve_fd(rs, fd, "text/html; charset=utf-8");
        rs->report = true;
    }
}

void web_reports_close(web_t *w, web_req_t *rq, web_resp_t *rs,
                       const char *rest)
{
    int64_t period;
    if (!web_period_parse(rest, strlen(rest), &period)) {
        web_routes_error(rs, rq->lang, MHD_HTTP_NOT_FOUND,
                         web_text(rq->lang, T_NOT_FOUND));
        return;
    }
    bl_err_t err = {0};
    if (web_backend_close(w->backend, period, &err) != 0) {
        web_routes_error(rs, rq->lang, err.code == BL_EREFUSED
                                           ? MHD_HTTP_CONFLICT
                                           : MHD_HTTP_BAD_GATEWAY,
                         err.msg);
        return;
    }
    bl_log(BL_LOG_INFO, "close period=%" PRId64 " login=%s", period,
           rq->session.account.login);
    char title[64];
    snprintf(title, sizeof title, "%s %" PRId64, web_text(rq->lang, T_PERIOD),
             period);
    web_page_begin(&rs->body, rq->lang, title, &rq->session);
    web_buf_printf(&rs->body, "<p role=\"status\">%s</p>\n<p><a href="
                   "\"/coordinator?period=%" PRId64 "\">%s</a></p>\n",
                   web_text(rq->lang, T_CLOSED), period,
                   web_text(rq->lang, T_COORDINATOR));
    web_page_end(&rs->body);
}
