/*
 * web_routes: the portal's pages, split by audience — web_routes.c (log-in,
 * password, home, uploads, submissions, dispatch), web_reports.c (reports
 * and the coordinator's pages), web_actions.c (/actions and
 * /actions/practice), web_metrics.c (/metrics).  Every handler fills a
 * web_resp_t; none touches the connection.  Route parameters are
 * checked against a strict pattern before any use: a period is a year, a
 * provider or submission id [A-Za-z0-9_.-]; nothing from the client ever
 * becomes part of a path otherwise.
 */
#ifndef WEB_ROUTES_H
#define WEB_ROUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "web.h"
#include "web_http.h"

/* A period in a URL: a year 1900..2999, exactly four digits. */
bool web_period_parse(const char *s, size_t len, int64_t *out);

/* 303 to location. */
void web_redirect(web_resp_t *rs, const char *location);

/* True when the POST carries the session's CSRF token; otherwise fills a
 * 403 answer. */
bool web_csrf_ok(const web_req_t *rq, web_resp_t *rs);

/* GET /reports/PERIOD/PROVIDER.EXT (rest = "PERIOD/PROVIDER.EXT"). */
void web_reports_file(web_t *w, web_req_t *rq, web_resp_t *rs,
                      const char *rest);
/* The provider's home: its periods with reports. */
void web_reports_list(web_t *w, const web_req_t *rq, web_buf_t *b,
                      const char *provider);
/* GET /coordinator */
void web_reports_dashboard(web_t *w, web_req_t *rq, web_resp_t *rs);
/* GET /coordinator/summary/PERIOD.html */
void web_reports_summary(web_t *w, web_req_t *rq, web_resp_t *rs,
                         const char *rest);
/* POST /coordinator/close/PERIOD */
void web_reports_close(web_t *w, web_req_t *rq, web_resp_t *rs,
                       const char *rest);

/* GET and POST /actions (web_actions.c) */
void web_actions(web_t *w, web_req_t *rq, web_resp_t *rs);
/* POST /actions/practice: a practice from the form on /actions
 * (web_actions.c) */
void web_actions_practice(web_t *w, web_req_t *rq, web_resp_t *rs);

/* GET /metrics */
void web_metrics(web_t *w, web_req_t *rq, web_resp_t *rs);

#endif
