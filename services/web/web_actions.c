/*
 * web_actions: a provider's improvement actions (SPEC 10) from the portal.
 * The form's fields become a one-row CSV with the actions header
 * (provider_id,period,action_id,indicator_id,action,owner,due,status) that
 * is sent to ingestion exactly as an upload is (web_upload), so it is
 * validated and stored like any actions file; the answer is the usual 303
 * to the submission's outcomes.  The page lists the provider's action
 * submissions made here, each linking to its outcomes.
 */
#include "web_routes.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <string.h>
#include <time.h>

#include "bl_log.h"
#include "web_upload.h"

/* The form's fields in CSV order after provider_id. */
static const char *const s_fields[] = {"period", "action_id",
                                       "indicator_id", "action", "owner",
                                       "due", "status"};
#define S_NFIELDS (sizeof s_fields / sizeof s_fields[0])
#define S_ACTIONS_FILE "actions.csv"

/* One CSV field, quoted when it holds a delimiter, quote or line break. */
static void s_csv_field(web_buf_t *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        web_buf_puts(b, s);
        return;
    }
    web_buf_puts(b, "\"");
    for (const char *p = s; *p; p++) {
        web_buf_add(b, p, 1);
        if (*p == '"') {
            web_buf_add(b, p, 1);
        }
    }
    web_buf_puts(b, "\"");
}

typedef struct s_list {
    web_buf_t *b;
    const char *provider;
    size_t n;
} s_list_t;

static void s_list_sub(void *ctx, const web_sub_t *ws)
{
    s_list_t *l = ctx;
    if (strcmp(ws->provider, l->provider) != 0 ||
        strcmp(ws->file, S_ACTIONS_FILE) != 0) {
        return;
    }
    char at[32];
    time_t t = (time_t)ws->at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(at, sizeof at, "%Y-%m-%d %H:%M UTC", &tm);
    web_buf_puts(l->b, "<li><a href=\"/submissions/");
    web_buf_url(l->b, ws->sub);
    web_buf_printf(l->b, "\">%s</a> ", at);
    web_buf_esc(l->b, ws->sub);
    web_buf_puts(l->b, "</li>\n");
    l->n++;
}

static void s_page(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    int lang = rq->lang;
    web_buf_t *b = &rs->body;
    web_page_begin(b, lang, "Actions", &rq->session);
    web_buf_puts(b, "<form method=\"post\" action=\"/actions\">\n");
    for (size_t i = 0; i < S_NFIELDS; i++) {
        web_buf_printf(b, "<label for=\"f-%s\">%s</label>\n<input id=\"f-%s"
                       "\" name=\"%s\"%s>\n", s_fields[i], s_fields[i],
                       s_fields[i], s_fields[i],
                       i == 4 ? "" : " required");
    }
    web_page_csrf(b, &rq->session);
    web_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n",
                   web_text(lang, T_SAVE));
    web_buf_printf(b, "<h2>%s</h2>\n<ul id=\"actions\">\n",
                   web_text(lang, T_SUBMISSIONS));
    s_list_t l = {b, rq->session.account.provider, 0};
    bl_err_t err = {0};
    if (web_accounts_each_sub(w->accounts, s_list_sub, &l, &err) != 0) {
        bl_log(BL_LOG_ERROR, "actions: %s", err.msg);
    }
    web_buf_puts(b, "</ul>\n");
    if (l.n == 0) {
        web_buf_printf(b, "<p>%s</p>\n", web_text(lang, T_NONE_YET));
    }
    web_page_end(b);
}

/* POST /actions: one action as a submission of its own. */
static void s_post(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    int lang = rq->lang;
    const char *prov = rq->session.account.provider;
    web_buf_t csv = {0};
    web_buf_puts(&csv, "provider_id");
    for (size_t i = 0; i < S_NFIELDS; i++) {
        web_buf_printf(&csv, ",%s", s_fields[i]);
    }
    web_buf_puts(&csv, "\n");
    s_csv_field(&csv, prov);
    for (size_t i = 0; i < S_NFIELDS; i++) {
        const char *v = web_req_field(rq, s_fields[i]);
        web_buf_puts(&csv, ",");
        s_csv_field(&csv, v != NULL ? v : "");
    }
    web_buf_puts(&csv, "\n");
    web_upload_t *u = NULL;
    web_buf_t why = {0};
    char sub[64] = "";
    bl_err_t err = {0};
    if (csv.oom) {
        web_buf_free(&csv);
        web_routes_error(rs, lang, MHD_HTTP_CONTENT_TOO_LARGE,
                         "the action's fields are too long");
        return;
    }
    int rc = web_upload_open(&u, w->spool_dir, WEB_FORM_BODY_MAX, &err);
    if (rc == 0) {
        rc = web_upload_write(u, csv.data ? csv.data : "", csv.len, &err);
    }
    if (rc == 0) {
        rc = web_upload_submit(u, w->backend, S_ACTIONS_FILE, prov, sub,
                               sizeof sub, &why, &err);
    }
    web_upload_close(&u);
    web_buf_free(&csv);
    if (rc == 1) {
        rs->status = MHD_HTTP_UNPROCESSABLE_CONTENT;
        web_page_begin(&rs->body, lang, "Actions", &rq->session);
        web_buf_printf(&rs->body, "<p class=\"error\" role=\"alert\">%s</p>"
                       "\n<ul>", web_text(lang, T_WHOLE_REJECTED));
        web_buf_add(&rs->body, why.data ? why.data : "", why.len);
        web_buf_puts(&rs->body, "</ul>\n");
        web_page_end(&rs->body);
        web_buf_free(&why);
        return;
    }
    web_buf_free(&why);
    if (rc != 0) {
        bl_log(BL_LOG_ERROR, "actions: %s", err.msg);
        web_routes_error(rs, lang, MHD_HTTP_BAD_GATEWAY, err.msg);
        return;
    }
    if (web_accounts_add_sub(w->accounts, sub, prov,
                             rq->session.account.login, S_ACTIONS_FILE,
                             (int64_t)time(NULL), &err) != 0) {
        bl_log(BL_LOG_ERROR, "submission %s: %s", sub, err.msg);
    }
    bl_log(BL_LOG_INFO, "action sub=%s login=%s", sub,
           rq->session.account.login);
    char to[128];
    snprintf(to, sizeof to, "/submissions/%s", sub);
    web_redirect(rs, to);
}

void web_actions(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    if (rq->session.account.coordinator) {
        /* Actions are a provider's own. */
        web_routes_error(rs, rq->lang, MHD_HTTP_NOT_FOUND,
                         web_text(rq->lang, T_NOT_FOUND));
    } else if (rq->post) {
        if (web_csrf_ok(rq, rs)) {
            s_post(w, rq, rs);
        }
    } else {
        s_page(w, rq, rs);
    }
}
