/*
 * web_actions: a provider's improvement actions and practices (SPEC 10)
 * from the portal.  Each form's fields become a one-row CSV with its kind's
 * header (actions: provider_id,period,action_id,indicator_id,action,owner,
 * due,status; practices: provider_id,period,indicator_id,title,description,
 * contact) that is sent to ingestion exactly as an upload is (web_upload),
 * so it is validated and stored like any such file; the answer is the usual
 * 303 to the submission's outcomes.  provider_id is always the session's
 * provider.  The page lists the provider's submissions made here, each
 * linking to its outcomes.  GET /actions?indicator=ID&period=P fills the
 * practice form's indicator and period (the report's "Tell others what
 * works" link on a band-4 indicator).
 */
#include "web_routes.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "bl_log.h"
#include "web_upload.h"

/* One of the two forms: the submission's file name and the fields in CSV
 * order after provider_id. */
typedef struct s_form {
    const char *file;
    const char *const *fields;
    size_t n;
} s_form_t;

static const char *const s_action_fields[] = {"period", "action_id",
                                              "indicator_id", "action",
                                              "owner", "due", "status"};
static const char *const s_practice_fields[] = {"period", "indicator_id",
                                                "title", "description",
                                                "contact"};
static const s_form_t s_actions = {
    "actions.csv", s_action_fields,
    sizeof s_action_fields / sizeof s_action_fields[0]};
static const s_form_t s_practices = {
    "practices.csv", s_practice_fields,
    sizeof s_practice_fields / sizeof s_practice_fields[0]};

#define S_QUERY_MAX 64  /* bytes of a pre-filled indicator or period */
/* The form's maxlength hints; validation (validate_learning.h: VL_SHORT_MAX,
 * VL_DESCRIPTION_MAX) is what refuses a longer row. */
#define S_TITLE_MAX 200        /* characters of a practice's title, contact */
#define S_DESCRIPTION_MAX 4000 /* characters of a practice's description */

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
    const char *file;
    size_t n;
} s_list_t;

static void s_list_sub(void *ctx, const web_sub_t *ws)
{
    s_list_t *l = ctx;
    if (strcmp(ws->provider, l->provider) != 0 ||
        strcmp(ws->file, l->file) != 0) {
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

/* The list (ul id) of the provider's submissions of form's kind made
 * here. */
static void s_list(web_t *w, web_req_t *rq, web_buf_t *b,
                   const s_form_t *form, const char *id)
{
    web_buf_printf(b, "<ul id=\"%s\">\n", id);
    s_list_t l = {b, rq->session.account.provider, form->file, 0};
    bl_err_t err = {0};
    if (web_accounts_each_sub(w->accounts, s_list_sub, &l, &err) != 0) {
        bl_log(BL_LOG_ERROR, "actions: %s", err.msg);
    }
    web_buf_puts(b, "</ul>\n");
    if (l.n == 0) {
        web_buf_printf(b, "<p>%s</p>\n", web_text(rq->lang, T_NONE_YET));
    }
}

/* A query parameter for a form's value: NULL when absent, too long or
 * holding anything but an id's characters. */
static const char *s_prefill(const web_req_t *rq, const char *name)
{
    const char *v = web_req_query(rq, name);
    if (v == NULL || strlen(v) > S_QUERY_MAX ||
        v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                 "0123456789_.-")] != '\0') {
        return NULL;
    }
    return v;
}

/* One labelled input of the practice form. */
static void s_practice_input(web_buf_t *b, int lang, const char *name,
                             web_text_t label, const char *value,
                             size_t maxlength, bool required)
{
    web_buf_printf(b, "<label for=\"p-%s\">%s</label>\n<input id=\"p-%s\" "
                   "name=\"%s\"", name, web_text(lang, label), name, name);
    if (maxlength > 0) {
        web_buf_printf(b, " maxlength=\"%zu\"", maxlength);
    }
    if (value != NULL) {
        web_buf_puts(b, " value=\"");
        web_buf_esc(b, value);
        web_buf_puts(b, "\"");
    }
    web_buf_printf(b, "%s>\n", required ? " required" : "");
}

static void s_page(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    int lang = rq->lang;
    web_buf_t *b = &rs->body;
    web_page_begin(b, lang, web_text(lang, T_ACTIONS), &rq->session);
    web_buf_puts(b, "<form method=\"post\" action=\"/actions\">\n");
    /* the labels of s_action_fields, in order */
    static const web_text_t labels[] = {T_PERIOD, T_ACTION_ID, T_INDICATOR,
                                        T_ACTION, T_OWNER, T_DUE,
                                        T_ACTION_STATUS};
    for (size_t i = 0; i < s_actions.n; i++) {
        const char *f = s_actions.fields[i];
        web_buf_printf(b, "<label for=\"f-%s\">%s</label>\n<input id=\"f-%s"
                       "\" name=\"%s\"%s>\n", f,
                       web_text(lang, labels[i]), f, f,
                       labels[i] == T_OWNER ? "" : " required");
    }
    web_page_csrf(b, &rq->session);
    web_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n",
                   web_text(lang, T_SAVE));
    web_buf_printf(b, "<h2>%s</h2>\n", web_text(lang, T_SUBMISSIONS));
    s_list(w, rq, b, &s_actions, "actions");

    web_buf_printf(b, "<h2 id=\"practice\">%s</h2>\n<p>%s</p>\n"
                   "<form method=\"post\" action=\"/actions/practice\">\n",
                   web_text(lang, T_PRACTICE),
                   web_text(lang, T_PRACTICE_INTRO));
    s_practice_input(b, lang, "period", T_PERIOD, s_prefill(rq, "period"),
                     0, true);
    s_practice_input(b, lang, "indicator_id", T_INDICATOR,
                     s_prefill(rq, "indicator"), 0, true);
    s_practice_input(b, lang, "title", T_PRACTICE_TITLE, NULL, S_TITLE_MAX,
                     true);
    web_buf_printf(b, "<label for=\"p-description\">%s</label>\n<textarea "
                   "id=\"p-description\" name=\"description\" rows=\"8\" "
                   "maxlength=\"%d\" required></textarea>\n",
                   web_text(lang, T_DESCRIPTION), S_DESCRIPTION_MAX);
    s_practice_input(b, lang, "contact", T_CONTACT, NULL, S_TITLE_MAX,
                     false);
    web_page_csrf(b, &rq->session);
    web_buf_printf(b, "<button type=\"submit\">%s</button>\n</form>\n",
                   web_text(lang, T_SEND));
    web_buf_printf(b, "<h3>%s</h3>\n", web_text(lang, T_SUBMISSIONS));
    s_list(w, rq, b, &s_practices, "practices");
    web_page_end(b);
}

/* POST of form: its fields as a submission of their own. */
static void s_post(web_t *w, web_req_t *rq, web_resp_t *rs,
                   const s_form_t *form)
{
    int lang = rq->lang;
    const char *prov = rq->session.account.provider;
    web_buf_t csv = {0};
    web_buf_puts(&csv, "provider_id");
    for (size_t i = 0; i < form->n; i++) {
        web_buf_printf(&csv, ",%s", form->fields[i]);
    }
    web_buf_puts(&csv, "\n");
    s_csv_field(&csv, prov);
    for (size_t i = 0; i < form->n; i++) {
        const char *v = web_req_field(rq, form->fields[i]);
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
                         "the form's fields are too long");
        return;
    }
    int rc = web_upload_open(&u, w->spool_dir, WEB_FORM_BODY_MAX, &err);
    if (rc == 0) {
        rc = web_upload_write(u, csv.data ? csv.data : "", csv.len, &err);
    }
    if (rc == 0) {
        rc = web_upload_submit(u, w->backend, form->file, prov, sub,
                               sizeof sub, &why, &err);
    }
    web_upload_close(&u);
    web_buf_free(&csv);
    if (rc == 1) {
        rs->status = MHD_HTTP_UNPROCESSABLE_CONTENT;
        web_page_begin(&rs->body, lang, web_text(lang, T_ACTIONS),
                       &rq->session);
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
                             rq->session.account.login, form->file,
                             (int64_t)time(NULL), &err) != 0) {
        bl_log(BL_LOG_ERROR, "submission %s: %s", sub, err.msg);
    }
    bl_log(BL_LOG_INFO, "%s sub=%s login=%s", form->file, sub,
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
            s_post(w, rq, rs, &s_actions);
        }
    } else {
        s_page(w, rq, rs);
    }
}

void web_actions_practice(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    if (rq->session.account.coordinator || !rq->post) {
        /* Practices are a provider's own; the form is on /actions. */
        web_routes_error(rs, rq->lang, MHD_HTTP_NOT_FOUND,
                         web_text(rq->lang, T_NOT_FOUND));
    } else if (web_csrf_ok(rq, rs)) {
        s_post(w, rq, rs, &s_practices);
    }
}
