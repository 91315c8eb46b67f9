/*
 * web_routes: dispatch, log-in, password, language, the provider's home,
 * uploads and submissions (see web_routes.h).
 */
#include "web_routes.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_log.h"

#define S_OUTCOMES_SHOWN 2000   /* rows with problems listed on a page */

/* ---- helpers ------------------------------------------------------------ */

bool web_period_parse(const char *s, size_t len, int64_t *out)
{
    if (len != 4) {
        return false;
    }
    int64_t v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1900 || v > 2999) {
        return false;
    }
    *out = v;
    return true;
}

void web_redirect(web_resp_t *rs, const char *location)
{
    rs->status = MHD_HTTP_SEE_OTHER;
    snprintf(rs->location, sizeof rs->location, "%s", location);
}

void web_routes_error(web_resp_t *rs, int lang, unsigned status,
                      const char *what)
{
    web_buf_free(&rs->body);
    rs->status = status;
    rs->type = "text/html; charset=utf-8";
    if (status >= 500) {   /* the node's fault, not the person's: logged */
        bl_log(BL_LOG_WARN, "answer %u: %s", status, what);
    }
    char title[64];
    snprintf(title, sizeof title, "%u", status);
    web_page_begin(&rs->body, lang, title, NULL);
    web_buf_puts(&rs->body, "<p class=\"error\">");
    web_buf_esc(&rs->body, what);
    web_buf_puts(&rs->body, "</p>\n<p><a href=\"/\">");
    web_buf_puts(&rs->body, web_text(lang, T_HOME));
    web_buf_puts(&rs->body, "</a></p>\n");
    web_page_end(&rs->body);
}

static void s_not_found(web_resp_t *rs, int lang)
{
    web_routes_error(rs, lang, MHD_HTTP_NOT_FOUND, web_text(lang,
                                                            T_NOT_FOUND));
}

bool web_csrf_ok(const web_req_t *rq, web_resp_t *rs)
{
    const char *t = web_req_field(rq, "csrf");
    if (t != NULL && rq->has_session &&
        strlen(t) == strlen(rq->session.csrf) &&
        sodium_memcmp(t, rq->session.csrf, strlen(t)) == 0) {
        return true;
    }
    web_routes_error(rs, rq->lang, MHD_HTTP_FORBIDDEN,
                     "the form's csrf token is missing or wrong: reload "
                     "the page and try again");
    return false;
}

static void s_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

static void s_lang_form(web_buf_t *b, const web_req_t *rq)
{
    web_buf_printf(b, "<form method=\"post\" action=\"/language\">"
                   "<label for=\"lang\">%s</label>"
                   "<select id=\"lang\" name=\"lang\">",
                   web_text(rq->lang, T_LANGUAGE));
    for (int i = 0; i < WEB_LANGS; i++) {
        web_buf_printf(b, "<option value=\"%s\"%s>%s</option>",
                       web_lang_codes[i], i == rq->lang ? " selected" : "",
                       web_lang_names[i]);
    }
    web_buf_puts(b, "</select> ");
    web_page_csrf(b, &rq->session);
    web_buf_printf(b, "<button type=\"submit\">%s</button></form>\n",
                   web_text(rq->lang, T_SAVE));
}

/* ---- log-in, log-out, password, language --------------------------------- */

static void s_login_page(web_resp_t *rs, int lang, const char *notice,
                         const char *login)
{
    web_buf_t *b = &rs->body;
    web_page_begin(b, lang, web_text(lang, T_LOGIN), NULL);
    if (notice != NULL) {
        web_buf_puts(b, "<p class=\"error\" role=\"alert\">");
        web_buf_esc(b, notice);
        web_buf_puts(b, "</p>\n");
    }
    web_buf_printf(b, "<form method=\"post\" action=\"/login\">\n"
                   "<label for=\"login\">%s</label>\n"
                   "<input id=\"login\" name=\"login\" autocomplete="
                   "\"username\" required value=\"",
                   web_text(lang, T_USER));
    web_buf_esc(b, login ? login : "");
    web_buf_printf(b, "\">\n<label for=\"password\">%s</label>\n"
                   "<input id=\"password\" name=\"password\" type="
                   "\"password\" autocomplete=\"current-password\" "
                   "required>\n<button type=\"submit\">%s</button>\n"
                   "</form>\n<p>",
                   web_text(lang, T_PASSWORD), web_text(lang, T_LOGIN));
    for (int i = 0; i < WEB_LANGS; i++) {
        web_buf_printf(b, "%s<a href=\"/login?lang=%s\" lang=\"%s\">%s</a>",
                       i ? " · " : "", web_lang_codes[i], web_lang_codes[i],
                       web_lang_names[i]);
    }
    web_buf_puts(b, "</p>\n");
    web_page_end(b);
}

static void s_login(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    if (!rq->post) {
        if (rq->has_session) {
            web_redirect(rs, "/");
            return;
        }
        s_login_page(rs, rq->lang, NULL, NULL);
        return;
    }
    const char *login = web_req_field(rq, "login");
    const char *password = web_req_field(rq, "password");
    if (login == NULL || password == NULL) {
        rs->status = MHD_HTTP_BAD_REQUEST;
        s_login_page(rs, rq->lang, "the form needs login and password",
                     login);
        return;
    }
    web_login_result_t result;
    web_session_t s;
    bl_err_t err = {0};
    int rc = web_accounts_login(w->accounts, login, password,
                                (int64_t)time(NULL), &result, &s, &err);
    if (rc != 0) {
        bl_log(BL_LOG_ERROR, "login: %s", err.msg);
        web_routes_error(rs, rq->lang, MHD_HTTP_INTERNAL_SERVER_ERROR,
                         "the account store failed: see the portal's log");
        return;
    }
    if (result == WEB_LOGIN_LOCKED) {
        w->refused_logins++;
        bl_log(BL_LOG_WARN, "login locked login=%s", login);
        rs->status = MHD_HTTP_TOO_MANY_REQUESTS;
        s_login_page(rs, rq->lang, web_text(rq->lang, T_LOCKED), login);
        return;
    }
    if (result == WEB_LOGIN_WRONG) {
        w->refused_logins++;
        rs->status = MHD_HTTP_UNAUTHORIZED;
        s_login_page(rs, rq->lang, web_text(rq->lang, T_WRONG), login);
        return;
    }
    bl_log(BL_LOG_INFO, "login login=%s", login);
    web_resp_cookie(rs, w, s.id);
    web_redirect(rs, s.account.must_change ? "/password" : "/");
    sodium_memzero(&s, sizeof s);
}

static void s_logout(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    if (!rq->post) {
        web_redirect(rs, "/");
        return;
    }
    if (!web_csrf_ok(rq, rs)) {
        return;
    }
    bl_err_t err = {0};
    if (web_accounts_logout(w->accounts, rq->session.id, &err) != 0) {
        bl_log(BL_LOG_ERROR, "logout: %s", err.msg);
    }
    web_resp_cookie(rs, w, "");
    web_redirect(rs, "/login");
}

static void s_password(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    int lang = rq->lang;
    const char *notice = NULL;
    if (rq->post) {
        if (!web_csrf_ok(rq, rs)) {
            return;
        }
        const char *p1 = web_req_field(rq, "password");
        const char *p2 = web_req_field(rq, "repeat");
        if (p1 != NULL && p2 != NULL && strcmp(p1, p2) == 0 &&
            strlen(p1) >= WEB_PASSWORD_MIN &&
            strlen(p1) <= WEB_PASSWORD_MAX) {
            bl_err_t err = {0};
            if (web_accounts_set_password(w->accounts,
                                          rq->session.account.login, p1,
                                          false, &err) != 0) {
                bl_log(BL_LOG_ERROR, "password: %s", err.msg);
                web_routes_error(rs, lang, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "the password could not be saved");
                return;
            }
            web_redirect(rs, "/");
            return;
        }
        rs->status = MHD_HTTP_BAD_REQUEST;
        notice = web_text(lang, T_PASSWORD_BAD);
    }
    web_buf_t *b = &rs->body;
    web_page_begin(b, lang, web_text(lang, T_CHANGE_PASSWORD), &rq->session);
    web_buf_printf(b, "<p%s>%s</p>\n", notice ? " class=\"error\" "
                                                "role=\"alert\"" : "",
                   notice ? notice : web_text(lang, T_MUST_CHANGE));
    web_buf_printf(b, "<form method=\"post\" action=\"/password\">\n"
                   "<label for=\"password\">%s</label>\n"
                   "<input id=\"password\" name=\"password\" type="
                   "\"password\" autocomplete=\"new-password\" minlength="
                   "\"%d\" required>\n<label for=\"repeat\">%s</label>\n"
                   "<input id=\"repeat\" name=\"repeat\" type=\"password\" "
                   "autocomplete=\"new-password\" minlength=\"%d\" "
                   "required>\n",
                   web_text(lang, T_NEW_PASSWORD), WEB_PASSWORD_MIN,
                   web_text(lang, T_REPEAT), WEB_PASSWORD_MIN);
    web_page_csrf(b, &rq->session);
    web_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n",
                   web_text(lang, T_SAVE));
    web_page_end(b);
}

static void s_language(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    if (!rq->post) {
        web_redirect(rs, "/");
        return;
    }
    if (!web_csrf_ok(rq, rs)) {
        return;
    }
    const char *lang = web_req_field(rq, "lang");
    if (web_lang_index(lang) < 0) {
        web_routes_error(rs, rq->lang, MHD_HTTP_BAD_REQUEST,
                         "lang: use one of en, no, pt, et, lt");
        return;
    }
    bl_err_t err = {0};
    if (web_accounts_set_lang(w->accounts, rq->session.account.login, lang,
                              &err) != 0) {
        bl_log(BL_LOG_ERROR, "language: %s", err.msg);
    }
    web_redirect(rs, "/");
}

/* ---- home, upload, submissions ------------------------------------------- */

/* Lists the provider's portal submissions into b (newest last). */
typedef struct s_subs {
    web_buf_t *b;
    const char *provider;
    int lang;
    size_t n;
} s_subs_t;

static void s_sub_row(void *ctx, const web_sub_t *ws)
{
    s_subs_t *l = ctx;
    if (strcmp(ws->provider, l->provider) != 0) {
        return;
    }
    char at[32];
    s_time(ws->at, at, sizeof at);
    if (l->n++ == 0) {
        web_buf_printf(l->b, "<div class=\"table\"><table><thead><tr>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th></tr></thead><tbody>\n",
                       web_text(l->lang, T_SUBMISSION),
                       web_text(l->lang, T_FILE),
                       web_text(l->lang, T_SENT));
    }
    web_buf_puts(l->b, "<tr><td><a href=\"/submissions/");
    web_buf_url(l->b, ws->sub);
    web_buf_puts(l->b, "\">");
    web_buf_esc(l->b, ws->sub);
    web_buf_puts(l->b, "</a></td><td>");
    web_buf_esc(l->b, ws->file);
    web_buf_printf(l->b, "</td><td>%s</td></tr>\n", at);
}

static void s_home(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    if (rq->session.account.coordinator) {
        web_redirect(rs, "/coordinator");
        return;
    }
    int lang = rq->lang;
    const char *prov = rq->session.account.provider;
    web_buf_t *b = &rs->body;
    web_page_begin(b, lang, prov, &rq->session);
    web_buf_printf(b, "<p><a href=\"/submit\">%s</a></p>\n",
                   web_text(lang, T_UPLOAD));
    web_buf_printf(b, "<h2>%s</h2>\n", web_text(lang, T_REPORTS));
    web_reports_list(w, rq, b, prov);
    web_buf_printf(b, "<h2>%s</h2>\n", web_text(lang, T_SUBMISSIONS));
    s_subs_t l = {b, prov, lang, 0};
    bl_err_t err = {0};
    if (web_accounts_each_sub(w->accounts, s_sub_row, &l, &err) != 0) {
        bl_log(BL_LOG_ERROR, "submissions: %s", err.msg);
    }
    if (l.n == 0) {
        web_buf_printf(b, "<p>%s</p>\n", web_text(lang, T_NONE_YET));
    } else {
        web_buf_puts(b, "</tbody></table></div>\n");
    }
    s_lang_form(b, rq);
    web_page_end(b);
}

static void s_submit_form(web_req_t *rq, web_resp_t *rs)
{
    int lang = rq->lang;
    web_buf_t *b = &rs->body;
    web_page_begin(b, lang, web_text(lang, T_UPLOAD), &rq->session);
    web_buf_printf(b, "<form method=\"post\" action=\"/submissions\" "
                   "enctype=\"multipart/form-data\">\n"
                   "<label for=\"file\">%s</label>\n"
                   "<input id=\"file\" name=\"file\" type=\"file\" "
                   "accept=\".csv,text/csv\" required>\n",
                   web_text(lang, T_FILE));
    web_page_csrf(b, &rq->session);
    web_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n",
                   web_text(lang, T_SEND));
    web_page_end(b);
}

static void s_upload(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    if (!web_csrf_ok(rq, rs)) {
        return;
    }
    int lang = rq->lang;
    if (rq->upload == NULL) {
        web_routes_error(rs, lang, MHD_HTTP_BAD_REQUEST,
                         "file: choose a CSV file to send");
        return;
    }
    const char *prov = rq->session.account.coordinator
                           ? ""
                           : rq->session.account.provider;
    char sub[64];
    web_buf_t why = {0};
    bl_err_t err = {0};
    w->uploads++;
    w->upload_bytes += web_upload_size(rq->upload);
    int rc = web_upload_submit(rq->upload, w->backend, rq->upload_name, prov,
                               sub, sizeof sub, &why, &err);
    if (rc < 0) {
        bl_log(BL_LOG_ERROR, "upload %s: %s", rq->upload_name, err.msg);
        web_buf_free(&why);
        web_routes_error(rs, lang, MHD_HTTP_BAD_GATEWAY, err.msg);
        return;
    }
    if (rc == 1) {
        web_buf_t *b = &rs->body;
        rs->status = MHD_HTTP_UNPROCESSABLE_CONTENT;
        web_page_begin(b, lang, rq->upload_name, &rq->session);
        web_buf_printf(b, "<p class=\"error\" role=\"alert\">%s</p>\n<ul>",
                       web_text(lang, T_WHOLE_REJECTED));
        web_buf_add(b, why.data ? why.data : "", why.len);
        web_buf_printf(b, "</ul>\n<p><a href=\"/submit\">%s</a></p>\n",
                       web_text(lang, T_UPLOAD));
        web_page_end(b);
        web_buf_free(&why);
        return;
    }
    web_buf_free(&why);
    rc = web_accounts_add_sub(w->accounts, sub, prov,
                              rq->session.account.login, rq->upload_name,
                              (int64_t)time(NULL), &err);
    if (rc != 0) {
        bl_log(BL_LOG_ERROR, "submission %s: %s", sub, err.msg);
    }
    bl_log(BL_LOG_INFO, "upload sub=%s login=%s file=%s", sub,
           rq->session.account.login, rq->upload_name);
    char to[128];
    snprintf(to, sizeof to, "/submissions/%s", sub);
    web_redirect(rs, to);
}

/* Collects problems as HTML rows or JSON items. */
typedef struct s_problems {
    web_buf_t *b;
    bool json;
    size_t n;
} s_problems_t;

static void s_json_str(web_buf_t *b, const char *s, size_t n)
{
    web_buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            web_buf_printf(b, "\\%c", ch);
        } else if (ch < 0x20) {
            web_buf_printf(b, "\\u%04x", ch);
        } else {
            web_buf_add(b, (const char *)&s[i], 1);
        }
    }
    web_buf_puts(b, "\"");
}

static void s_problem(void *ctx, const web_problem_t *p)
{
    s_problems_t *l = ctx;
    char field[256], why[1024];
    snprintf(field, sizeof field, "%.*s", (int)p->fl, p->field);
    snprintf(why, sizeof why, "%.*s", (int)p->wl, p->why);
    if (l->json) {
        web_buf_printf(l->b, "%s\n  {\"line\": %" PRIu64 ", \"severity\": "
                       "\"%s\", \"field\": ", l->n ? "," : "", p->line,
                       p->error ? "error" : "warning");
        s_json_str(l->b, field, strlen(field));
        web_buf_puts(l->b, ", \"reason\": ");
        s_json_str(l->b, why, strlen(why));
        web_buf_puts(l->b, "}");
    } else {
        web_buf_printf(l->b, "<tr class=\"%s\"><td>%" PRIu64 "</td><td>",
                       p->error ? "error" : "warn", p->line);
        web_buf_esc(l->b, field);
        web_buf_printf(l->b, "</td><td>%s", p->error ? "" : "warning: ");
        web_buf_esc(l->b, why);
        web_buf_puts(l->b, "</td></tr>\n");
    }
    l->n++;
}

/* The next of a rejected file's reasons (web_backend_sub_info's, one a
 * line) from *p: *reason and *len, *p moved past it; false at the end. */
static bool s_next_reason(const char **p, const char **reason, size_t *len)
{
    if (**p == '\0') {
        return false;
    }
    const char *nl = strchr(*p, '\n');
    *reason = *p;
    *len = nl ? (size_t)(nl - *p) : strlen(*p);
    *p += *len + (nl != NULL);
    return true;
}

static void s_submission(web_t *w, web_req_t *rq, web_resp_t *rs,
                         const char *rest)
{
    int lang = rq->lang;
    char id[64];
    size_t n = strlen(rest);
    bool json = n > 5 && strcmp(rest + n - 5, ".json") == 0;
    if (json) {
        n -= 5;
    }
    if (n == 0 || n >= sizeof id) {
        s_not_found(rs, lang);
        return;
    }
    memcpy(id, rest, n);
    id[n] = '\0';
    if (!web_id_valid(id)) {
        s_not_found(rs, lang);
        return;
    }
    web_sub_t ws;
    bl_err_t err = {0};
    int rc = web_accounts_get_sub(w->accounts, id, &ws, &err);
    const web_account_t *acc = &rq->session.account;
    char file[256] = "", state[16] = "", why[2048] = "";
    if (rc == 0 && !acc->coordinator && strcmp(ws.provider, acc->provider)) {
        rc = BL_ENOTFOUND;   /* another provider's: as if it did not exist */
    } else if (rc == BL_ENOTFOUND && acc->coordinator) {
        rc = web_backend_sub_info(w->backend, id, file, sizeof file, state,
                                  sizeof state, why, sizeof why, &err);
    }
    if (rc == 0 && file[0] == '\0') {
        snprintf(file, sizeof file, "%s", ws.file);
        rc = web_backend_sub_info(w->backend, id, file, sizeof file, state,
                                  sizeof state, why, sizeof why, &err);
    }
    if (rc == BL_ENOTFOUND) {
        s_not_found(rs, lang);
        return;
    }
    if (rc != 0) {
        web_routes_error(rs, lang, MHD_HTTP_BAD_GATEWAY, err.msg);
        return;
    }
    web_counts_t cnt;
    bool whole = strcmp(state, "rejected") == 0;
    memset(&cnt, 0, sizeof cnt);
    if (!whole && web_backend_sub_status(w->backend, id, &cnt, &err) != 0) {
        web_routes_error(rs, lang, MHD_HTTP_BAD_GATEWAY, err.msg);
        return;
    }
    web_buf_t *b = &rs->body;
    s_problems_t l = {b, json, 0};
    bool more = false;
    if (json) {
        rs->type = "application/json";
        web_buf_puts(b, "{\"submission\": ");
        s_json_str(b, id, strlen(id));
        web_buf_puts(b, ", \"file\": ");
        s_json_str(b, file, strlen(file));
        web_buf_printf(b, ", \"state\": \"%s\", \"rows\": %" PRIu64
                       ", \"accepted\": %" PRIu64 ", \"warned\": %" PRIu64
                       ", \"rejected\": %" PRIu64 ", \"problems\": [",
                       whole ? "rejected" : cnt.complete ? "validated"
                                                         : "validating",
                       cnt.rows, cnt.accepted, cnt.warned, cnt.rejected);
        if (!whole && (cnt.rejected > 0 || cnt.warned > 0)) {
            rc = web_backend_outcomes(w->backend, id, S_OUTCOMES_SHOWN,
                                      s_problem, &l, &more, &err);
        }
        web_buf_printf(b, "\n], \"more\": %s", more ? "true" : "false");
        if (whole) {
            /* why the whole file was rejected, one reason a line */
            web_buf_puts(b, ", \"errors\": [");
            const char *p = why, *reason;
            size_t len;
            for (int k = 0; s_next_reason(&p, &reason, &len); k++) {
                web_buf_puts(b, k ? ", " : "");
                s_json_str(b, reason, len);
            }
            web_buf_puts(b, "]");
        }
        web_buf_puts(b, "}\n");
        if (rc != 0) {
            web_routes_error(rs, lang, MHD_HTTP_BAD_GATEWAY, err.msg);
        }
        return;
    }
    char title[128];
    snprintf(title, sizeof title, "%s %s", web_text(lang, T_SUBMISSION), id);
    web_page_begin(b, lang, title, &rq->session);
    web_buf_puts(b, "<p>");
    web_buf_esc(b, file);
    web_buf_puts(b, "</p>\n");
    if (whole) {
        web_buf_printf(b, "<p class=\"error\">%s</p>\n<ul id=\"why\">",
                       web_text(lang, T_WHOLE_REJECTED));
        const char *p = why, *reason;
        size_t len;
        while (s_next_reason(&p, &reason, &len)) {
            char line[600];
            snprintf(line, sizeof line, "%.*s", (int)len, reason);
            web_buf_puts(b, "<li>1: ");
            web_buf_esc(b, line);
            web_buf_puts(b, "</li>");
        }
        web_buf_puts(b, "</ul>\n");
    } else {
        web_buf_printf(b, "<p id=\"counts\">%" PRIu64 " %s: %" PRIu64
                       " %s, %" PRIu64 " %s, <span%s>%" PRIu64 " %s</span>"
                       "</p>\n",
                       cnt.rows, web_text(lang, T_ROWS), cnt.accepted,
                       web_text(lang, T_ACCEPTED), cnt.warned,
                       web_text(lang, T_WARNED),
                       cnt.rejected ? " class=\"error\"" : "", cnt.rejected,
                       web_text(lang, T_REJECTED));
        if (!cnt.complete) {
            web_buf_printf(b, "<p role=\"status\">%s</p>\n",
                           web_text(lang, T_VALIDATING));
        }
    }
    if (!whole && (cnt.rejected > 0 || cnt.warned > 0)) {
        web_buf_printf(b, "<div class=\"table\"><table id=\"problems\">"
                       "<thead><tr><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "</tr></thead><tbody>\n",
                       web_text(lang, T_LINE), web_text(lang, T_FIELD),
                       web_text(lang, T_REASON));
        rc = web_backend_outcomes(w->backend, id, S_OUTCOMES_SHOWN,
                                  s_problem, &l, &more, &err);
        web_buf_puts(b, "</tbody></table></div>\n");
        if (more) {
            web_buf_printf(b, "<p>… <a href=\"/submissions/%s.json\">"
                           "JSON</a></p>\n", id);
        }
    }
    web_buf_printf(b, "<p><a href=\"/submissions/%s.json\">JSON</a> · "
                   "<a href=\"/submit\">%s</a></p>\n", id,
                   web_text(lang, T_UPLOAD));
    web_page_end(b);
    if (rc != 0) {
        web_routes_error(rs, lang, MHD_HTTP_BAD_GATEWAY, err.msg);
    }
}

/* POST /coordinator/users: a provider's login with a one-time password,
 * shown once on the answer page. */
static void s_add_user(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    int lang = rq->lang;
    const char *login = web_req_field(rq, "login");
    const char *prov = web_req_field(rq, "provider");
    if (login == NULL || !web_login_valid(login)) {
        web_routes_error(rs, lang, MHD_HTTP_BAD_REQUEST,
                         "login: use 1 to 63 of A-Z a-z 0-9 _ . @ -");
        return;
    }
    if (prov == NULL || !web_id_valid(prov)) {
        web_routes_error(rs, lang, MHD_HTTP_BAD_REQUEST,
                         "provider: not a provider id (1 to 40 of A-Z a-z "
                         "0-9 _ . -)");
        return;
    }
    char password[32];
    web_random_hex(password, 9);
    bl_err_t err = {0};
    int rc = web_accounts_add(w->accounts, login, prov, false, password,
                              true, &err);
    if (rc != 0) {
        sodium_memzero(password, sizeof password);
        web_routes_error(rs, lang, rc == BL_EINVAL
                                       ? MHD_HTTP_CONFLICT
                                       : MHD_HTTP_INTERNAL_SERVER_ERROR,
                         err.msg);
        return;
    }
    bl_log(BL_LOG_INFO, "user added login=%s provider=%s by=%s", login, prov,
           rq->session.account.login);
    web_buf_t *b = &rs->body;
    web_page_begin(b, lang, web_text(lang, T_ADD_LOGIN), &rq->session);
    web_buf_puts(b, "<p>");
    web_buf_esc(b, login);
    web_buf_puts(b, " — ");
    web_buf_esc(b, prov);
    web_buf_printf(b, "</p>\n<p>%s <strong id=\"one-time\">%s</strong>"
                   "</p>\n<p><a href=\"/coordinator\">%s</a></p>\n",
                   web_text(lang, T_ONE_TIME), password,
                   web_text(lang, T_COORDINATOR));
    web_page_end(b);
    sodium_memzero(password, sizeof password);
}

/* ---- dispatch ------------------------------------------------------------ */

static bool s_prefix(const char *url, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncmp(url, prefix, n) == 0) {
        *rest = url + n;
        return true;
    }
    return false;
}

void web_routes_handle(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    const char *url = rq->url;
    const char *rest;
    rs->type = "text/html; charset=utf-8";
    if (strcmp(url, "/style.css") == 0) {
        rs->type = "text/css; charset=utf-8";
        web_buf_puts(&rs->body, web_page_css);
        return;
    }
    if (strcmp(url, "/metrics") == 0) {
        web_metrics(w, rq, rs);
        return;
    }
    if (strcmp(url, "/login") == 0) {
        s_login(w, rq, rs);
        return;
    }
    if (!rq->has_session) {
        web_redirect(rs, "/login");
        return;
    }
    if (strcmp(url, "/logout") == 0) {
        s_logout(w, rq, rs);
        return;
    }
    if (strcmp(url, "/password") == 0) {
        s_password(w, rq, rs);
        return;
    }
    if (rq->session.account.must_change) {
        web_redirect(rs, "/password");
        return;
    }
    bool coord = rq->session.account.coordinator;
    if (rq->post) {
        if (strcmp(url, "/language") == 0) {
            s_language(w, rq, rs);
        } else if (strcmp(url, "/submissions") == 0) {
            s_upload(w, rq, rs);
        } else if (coord && strcmp(url, "/coordinator/users") == 0) {
            if (web_csrf_ok(rq, rs)) {
                s_add_user(w, rq, rs);
            }
        } else if (coord && s_prefix(url, "/coordinator/close/", &rest)) {
            if (web_csrf_ok(rq, rs)) {
                web_reports_close(w, rq, rs, rest);
            }
        } else if (strcmp(url, "/actions") == 0) {
            web_actions(w, rq, rs);
        } else if (strcmp(url, "/actions/practice") == 0) {
            web_actions_practice(w, rq, rs);
        } else {
            s_not_found(rs, rq->lang);
        }
        return;
    }
    if (strcmp(url, "/") == 0) {
        s_home(w, rq, rs);
    } else if (strcmp(url, "/submit") == 0) {
        s_submit_form(rq, rs);
    } else if (s_prefix(url, "/submissions/", &rest)) {
        s_submission(w, rq, rs, rest);
    } else if (s_prefix(url, "/reports/", &rest)) {
        web_reports_file(w, rq, rs, rest);
    } else if (strcmp(url, "/actions") == 0) {
        web_actions(w, rq, rs);
    } else if (coord && strcmp(url, "/coordinator") == 0) {
        web_reports_dashboard(w, rq, rs);
    } else if (coord && s_prefix(url, "/coordinator/summary/", &rest)) {
        web_reports_summary(w, rq, rs, rest);
    } else {
        s_not_found(rs, rq->lang);
    }
}
