/*
 * bl_config: reads a node config (SPEC sections 6 and 7): defaults first,
 * then the YAML, then validation, then the catalogue the config names.
 *
 * Every problem is reported with its position and loading goes on, so that
 * one run shows them all.  Relative paths (data_dir, catalogue, key files,
 * ipc:// endpoints) are resolved against the absolute directory of the
 * config file; only the catalogue has to exist.  Not here: the meaning of
 * rule expressions (the validate stage parses them) and whether a
 * reference group of the catalogue exists (it may be a group that only the
 * international node computes).
 */
#include "bl_config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bl_error.h"
#include "bl_yaml.h"

/* An ipc:// path must fit a Unix socket address (sun_path, 108 bytes). */
#define S_IPC_PATH_MAX 107

#define S_WORKERS_MAX 16

static const char *const s_stage_names[BL_STAGE_COUNT] = {
    "ingest", "validate", "aggregate", "benchmark", "report",
};

/* Register attributes a peer group may match on (SPEC section 1). */
static const char *const s_group_attrs[] = {
    "country", "service_type", "membership", "share_identity", NULL,
};

static const char *const s_languages[] = {"en", "no", "pt", "et", "lt", NULL};

static const char *const s_ops[] = {"<", "<=", "==", "!=", ">=", ">", NULL};

typedef struct s_ctx {
    const bl_yaml_doc_t *doc;
    bl_diags_t *diags;
    bl_config_t *cfg;
    char *dir;                   /* absolute directory of the config file */
    size_t errors;
    bool oom;
} s_ctx_t;

static void s_err(s_ctx_t *c, const bl_yaml_node_t *node, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));

static void s_err(s_ctx_t *c, const bl_yaml_node_t *node, const char *fmt,
                  ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bl_yaml_error(c->doc, node, c->diags, "%s", msg);
    c->errors++;
}

static bool s_ok(s_ctx_t *c, int rc)
{
    if (rc != 0) {
        c->errors++;
        return false;
    }
    return true;
}

static char *s_dup(s_ctx_t *c, const char *s)
{
    char *d = strdup(s);
    if (d == NULL) {
        c->oom = true;
    }
    return d;
}

static int s_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], s) == 0) {
            return i;
        }
    }
    return -1;
}

static bool s_valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 40) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                  || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.'
                  || ch == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool s_valid_country(const char *s)
{
    return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A'
           && s[1] <= 'Z';
}

/* dir + "/" + rel, or a copy of rel when it is absolute. */
static char *s_resolve(s_ctx_t *c, const char *rel)
{
    if (rel[0] == '/') {
        return s_dup(c, rel);
    }
    size_t n = strlen(c->dir) + 1 + strlen(rel) + 1;
    char *p = malloc(n);
    if (p == NULL) {
        c->oom = true;
        return NULL;
    }
    snprintf(p, n, "%s/%s", c->dir, rel);
    return p;
}

/* A path-valued key: a non-empty string, resolved. */
static char *s_get_path(s_ctx_t *c, const bl_yaml_node_t *node,
                        const char *what)
{
    const char *s = NULL;
    if (!s_ok(c, bl_yaml_get_string(c->doc, node, what, &s, c->diags))) {
        return NULL;
    }
    return s_resolve(c, s);
}

/* Checks and resolves an endpoint: ipc://PATH (relative PATHs resolved,
 * and short enough for a socket address) or tcp://HOST:PORT (PORT digits or
 * "*").  Returns the endpoint to keep, or NULL after reporting. */
static char *s_endpoint(s_ctx_t *c, const bl_yaml_node_t *node,
                        const char *what)
{
    const char *s = NULL;
    if (!s_ok(c, bl_yaml_get_string(c->doc, node, what, &s, c->diags))) {
        return NULL;
    }
    if (strncmp(s, "ipc://", 6) == 0 && s[6] != '\0') {
        char *path = s_resolve(c, s + 6);
        if (path == NULL) {
            return NULL;
        }
        if (strlen(path) > S_IPC_PATH_MAX) {
            s_err(c, node, "%s: the socket path '%s' is %zu bytes, over the "
                  "%d a socket address holds", what, path, strlen(path),
                  S_IPC_PATH_MAX);
            free(path);
            return NULL;
        }
        size_t n = strlen(path) + 7;
        char *ep = malloc(n);
        if (ep == NULL) {
            c->oom = true;
        } else {
            snprintf(ep, n, "ipc://%s", path);
        }
        free(path);
        return ep;
    }
    if (strncmp(s, "tcp://", 6) == 0) {
        const char *colon = strrchr(s + 6, ':');
        bool ok = colon != NULL && colon > s + 6 && colon[1] != '\0';
        if (ok && strcmp(colon + 1, "*") != 0) {
            char *end = NULL;
            long port = strtol(colon + 1, &end, 10);
            ok = *end == '\0' && colon[1] >= '0' && colon[1] <= '9'
                 && port >= 1 && port <= 65535;
        }
        if (!ok) {
            s_err(c, node, "%s: '%s' is not tcp://HOST:PORT", what, s);
            return NULL;
        }
        return s_dup(c, s);
    }
    s_err(c, node, "%s: '%s' is not an ipc:// or tcp:// endpoint", what, s);
    return NULL;
}

static void s_positive_int(s_ctx_t *c, const bl_yaml_node_t *root,
                           const char *key, int *out)
{
    const bl_yaml_node_t *v = bl_yaml_map_get(root, key);
    int n = 0;
    if (v == NULL || !s_ok(c, bl_yaml_get_int(c->doc, v, key, &n, c->diags))) {
        return;
    }
    if (n < 1) {
        s_err(c, v, "%s: %d is not a positive integer", key, n);
        return;
    }
    *out = n;
}

/* An optional integer key within [lo, hi]; *out keeps its default when the
 * key is absent or wrong. */
static void s_int_range(s_ctx_t *c, const bl_yaml_node_t *root,
                        const char *key, int lo, int hi, int *out)
{
    const bl_yaml_node_t *v = bl_yaml_map_get(root, key);
    int n = 0;
    if (v == NULL || !s_ok(c, bl_yaml_get_int(c->doc, v, key, &n, c->diags))) {
        return;
    }
    if (n < lo || n > hi) {
        s_err(c, v, "%s: %d is not in %d..%d", key, n, lo, hi);
        return;
    }
    *out = n;
}

static void s_peer_groups(s_ctx_t *c, const bl_yaml_node_t *root)
{
    const bl_yaml_node_t *v = bl_yaml_map_get(root, "peer_groups");
    if (v == NULL) {
        s_err(c, root, "missing key 'peer_groups'");
        return;
    }
    if (bl_yaml_kind(v) != BL_YAML_MAPPING || bl_yaml_size(v) == 0) {
        s_err(c, v, "peer_groups: expected a mapping of group ids to lists "
              "of attributes, e.g. {national: [country, service_type]}");
        return;
    }
    size_t n = bl_yaml_size(v);
    bl_config_t *cfg = c->cfg;
    cfg->groups = calloc(n, sizeof *cfg->groups);
    if (cfg->groups == NULL) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n && !c->oom; i++) {
        const bl_yaml_node_t *k = bl_yaml_pair_key(v, i);
        const bl_yaml_node_t *attrs = bl_yaml_pair_value(v, i);
        const char *id = bl_yaml_scalar(k);
        if (!s_valid_id(id)) {
            s_err(c, k, "peer_groups: '%s' is not a valid group id (1 to 40 "
                  "of A-Z a-z 0-9 _ . -)", id);
            continue;
        }
        if (bl_yaml_kind(attrs) != BL_YAML_SEQUENCE) {
            s_err(c, attrs, "peer group '%s': expected a list of attributes "
                  "(country service_type membership share_identity)", id);
            continue;
        }
        bl_peer_group_t *g = &cfg->groups[cfg->n_groups++];
        g->id = s_dup(c, id);
        size_t na = bl_yaml_size(attrs);
        g->attrs = na ? calloc(na, sizeof *g->attrs) : NULL;
        if (g->id == NULL || (na > 0 && g->attrs == NULL)) {
            c->oom = true;
            return;
        }
        for (size_t j = 0; j < na; j++) {
            const bl_yaml_node_t *a = bl_yaml_item(attrs, j);
            const char *s = NULL;
            if (!s_ok(c, bl_yaml_get_string(c->doc, a, "attribute", &s,
                                            c->diags))) {
                continue;
            }
            if (s_index(s_group_attrs, s) < 0) {
                s_err(c, a, "peer group '%s': unknown attribute '%s' "
                      "(country service_type membership share_identity)",
                      id, s);
                continue;
            }
            bool dup = false;
            for (size_t k2 = 0; k2 < g->n_attrs && !dup; k2++) {
                dup = strcmp(g->attrs[k2], s) == 0;
            }
            if (dup) {
                s_err(c, a, "peer group '%s': attribute '%s' is listed twice",
                      id, s);
                continue;
            }
            g->attrs[g->n_attrs] = s_dup(c, s);
            if (g->attrs[g->n_attrs] == NULL) {
                return;
            }
            g->n_attrs++;
        }
    }
}

/* endpoints and workers: mappings keyed by stage name. */
static void s_stage_map(s_ctx_t *c, const bl_yaml_node_t *root,
                        const char *key)
{
    const bl_yaml_node_t *v = bl_yaml_map_get(root, key);
    if (v == NULL) {
        return;
    }
    if (bl_yaml_kind(v) != BL_YAML_MAPPING) {
        s_err(c, v, "%s: expected a mapping of stage names (ingest validate "
              "aggregate benchmark report)", key);
        return;
    }
    for (size_t i = 0; i < bl_yaml_size(v); i++) {
        const bl_yaml_node_t *k = bl_yaml_pair_key(v, i);
        const bl_yaml_node_t *val = bl_yaml_pair_value(v, i);
        int st = bl_stage_from_name(bl_yaml_scalar(k));
        if (st < 0) {
            s_err(c, k, "%s: unknown stage '%s' (ingest validate aggregate "
                  "benchmark report)", key, bl_yaml_scalar(k));
            continue;
        }
        if (strcmp(key, "endpoints") == 0) {
            char what[48];
            snprintf(what, sizeof what, "endpoints.%s", s_stage_names[st]);
            char *ep = s_endpoint(c, val, what);
            if (ep != NULL) {
                free(c->cfg->endpoints[st]);
                c->cfg->endpoints[st] = ep;
            }
            continue;
        }
        char what[48];
        snprintf(what, sizeof what, "workers.%s", s_stage_names[st]);
        int n = 0;
        if (!s_ok(c, bl_yaml_get_int(c->doc, val, what, &n, c->diags))) {
            continue;
        }
        if (n < 1 || n > S_WORKERS_MAX) {
            s_err(c, val, "%s: %d is outside 1..%d", what, n, S_WORKERS_MAX);
            continue;
        }
        if (n > 1 && st != BL_STAGE_VALIDATE && st != BL_STAGE_AGGREGATE &&
            st != BL_STAGE_REPORT) {
            s_err(c, val, "%s: only validate, aggregate and report run "
                  "several workers", what);
            continue;
        }
        c->cfg->workers[st] = n;
    }
}

/* The default endpoints: ipc://<data_dir>/run/<stage>.sock. */
static void s_default_endpoints(s_ctx_t *c, const bl_yaml_node_t *data_dir)
{
    bl_config_t *cfg = c->cfg;
    for (int st = 0; st < BL_STAGE_COUNT; st++) {
        if (cfg->endpoints[st] != NULL || cfg->data_dir == NULL) {
            continue;
        }
        size_t n = strlen(cfg->data_dir) + strlen(s_stage_names[st]) + 32;
        char *ep = malloc(n);
        if (ep == NULL) {
            c->oom = true;
            return;
        }
        snprintf(ep, n, "ipc://%s/run/%s.sock", cfg->data_dir,
                 s_stage_names[st]);
        if (strlen(ep) - 6 > S_IPC_PATH_MAX) {
            s_err(c, data_dir, "data_dir: the default %s endpoint '%s' is "
                  "over the %d bytes a socket address holds: give a shorter "
                  "data_dir or set endpoints.%s", s_stage_names[st], ep,
                  S_IPC_PATH_MAX, s_stage_names[st]);
            free(ep);
            continue;
        }
        cfg->endpoints[st] = ep;
    }
}

static void s_rules(s_ctx_t *c, const bl_yaml_node_t *root)
{
    const bl_yaml_node_t *v = bl_yaml_map_get(root, "rules");
    if (v == NULL || bl_yaml_is_null(v)) {
        return;
    }
    if (bl_yaml_kind(v) != BL_YAML_SEQUENCE) {
        s_err(c, v, "rules: expected a list of {name, left, op, right, "
              "severity, message}");
        return;
    }
    size_t n = bl_yaml_size(v);
    if (n == 0) {
        return;
    }
    bl_config_t *cfg = c->cfg;
    cfg->rules = calloc(n, sizeof *cfg->rules);
    if (cfg->rules == NULL) {
        c->oom = true;
        return;
    }
    static const char *const keys[] = {
        "name", "left", "op", "right", "severity", "message", NULL,
    };
    for (size_t i = 0; i < n && !c->oom; i++) {
        const bl_yaml_node_t *r = bl_yaml_item(v, i);
        char where[48];
        snprintf(where, sizeof where, "rule %zu", i + 1);
        if (bl_yaml_kind(r) != BL_YAML_MAPPING) {
            s_err(c, r, "%s: expected {name, left, op, right, severity, "
                  "message}", where);
            continue;
        }
        c->errors += bl_yaml_check_keys(c->doc, r, where, keys, c->diags);
        bl_rule_t *rule = &cfg->rules[cfg->n_rules++];
        rule->line = bl_yaml_line(r);
        rule->severity = BL_SEV_ERROR;
        const char *s = NULL;
        const bl_yaml_node_t *f = bl_yaml_map_get(r, "name");
        if (f != NULL && s_ok(c, bl_yaml_get_string(c->doc, f, "name", &s,
                                                    c->diags))) {
            rule->name = s_dup(c, s);
        } else {
            rule->name = s_dup(c, where);
        }
        static const char *const required[] = {"left", "op", "right"};
        char **dst[] = {&rule->left, &rule->op, &rule->right};
        for (size_t k = 0; k < 3; k++) {
            f = bl_yaml_map_get(r, required[k]);
            if (f == NULL) {
                s_err(c, r, "%s: missing key '%s'", where, required[k]);
                continue;
            }
            if (!s_ok(c, bl_yaml_get_string(c->doc, f, required[k], &s,
                                            c->diags))) {
                continue;
            }
            if (k == 1 && s_index(s_ops, s) < 0) {
                s_err(c, f, "%s: unknown op '%s' (< <= == != >= >)", where,
                      s);
                continue;
            }
            *dst[k] = s_dup(c, s);
        }
        f = bl_yaml_map_get(r, "severity");
        if (f != NULL && s_ok(c, bl_yaml_get_string(c->doc, f, "severity", &s,
                                                    c->diags))) {
            if (strcmp(s, "error") == 0) {
                rule->severity = BL_SEV_ERROR;
            } else if (strcmp(s, "warning") == 0) {
                rule->severity = BL_SEV_WARNING;
            } else {
                s_err(c, f, "%s: unknown severity '%s' (error warning)",
                      where, s);
            }
        }
        f = bl_yaml_map_get(r, "message");
        if (f != NULL && s_ok(c, bl_yaml_get_string(c->doc, f, "message", &s,
                                                    c->diags))) {
            rule->message = s_dup(c, s);
        } else if (rule->left != NULL && rule->op != NULL
                   && rule->right != NULL) {
            size_t len = strlen(rule->left) + strlen(rule->op)
                         + strlen(rule->right) + 3;
            rule->message = malloc(len);
            if (rule->message == NULL) {
                c->oom = true;
            } else {
                snprintf(rule->message, len, "%s %s %s", rule->left,
                         rule->op, rule->right);
            }
        }
    }
}

static void s_upstream(s_ctx_t *c, const bl_yaml_node_t *v)
{
    if (bl_yaml_kind(v) != BL_YAML_MAPPING) {
        s_err(c, v, "upstream: expected {endpoint, server_key, key}");
        return;
    }
    static const char *const keys[] = {"endpoint", "server_key", "key", NULL};
    c->errors += bl_yaml_check_keys(c->doc, v, "upstream", keys, c->diags);
    const bl_yaml_node_t *f = bl_yaml_map_get(v, "endpoint");
    if (f == NULL) {
        s_err(c, v, "upstream: missing key 'endpoint'");
    } else {
        c->cfg->upstream_endpoint = s_endpoint(c, f, "upstream.endpoint");
    }
    f = bl_yaml_map_get(v, "server_key");
    if (f == NULL) {
        s_err(c, v, "upstream: missing key 'server_key'");
    } else {
        c->cfg->upstream_server_key = s_get_path(c, f, "upstream.server_key");
    }
    f = bl_yaml_map_get(v, "key");
    if (f == NULL) {
        s_err(c, v, "upstream: missing key 'key'");
    } else {
        c->cfg->upstream_key = s_get_path(c, f, "upstream.key");
    }
}

/* web: {listen, tls_cert, tls_key, max_upload_mb, metrics_token} */
static void s_web(s_ctx_t *c, const bl_yaml_node_t *v)
{
    if (bl_yaml_kind(v) != BL_YAML_MAPPING) {
        s_err(c, v, "web: expected {listen, tls_cert, tls_key, "
              "max_upload_mb, metrics_token}");
        return;
    }
    static const char *const keys[] = {"listen", "tls_cert", "tls_key",
                                       "max_upload_mb", "metrics_token",
                                       NULL};
    c->errors += bl_yaml_check_keys(c->doc, v, "web", keys, c->diags);
    bl_config_t *cfg = c->cfg;
    const bl_yaml_node_t *f = bl_yaml_map_get(v, "listen");
    const char *s = NULL;
    if (f == NULL) {
        s_err(c, v, "web: missing key 'listen' (address:port)");
    } else if (s_ok(c, bl_yaml_get_string(c->doc, f, "web.listen", &s,
                                          c->diags))) {
        const char *colon = strrchr(s, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (colon == NULL || colon == s || end == colon + 1 || *end != '\0'
            || port < 0 || port > 65535) {
            s_err(c, f, "web.listen: '%s' is not address:port "
                  "(e.g. 127.0.0.1:8080)", s);
        } else {
            cfg->web_listen = s_dup(c, s);
        }
    }
    f = bl_yaml_map_get(v, "tls_cert");
    if (f != NULL) {
        cfg->web_tls_cert = s_get_path(c, f, "web.tls_cert");
    }
    f = bl_yaml_map_get(v, "tls_key");
    if (f != NULL) {
        cfg->web_tls_key = s_get_path(c, f, "web.tls_key");
    }
    if ((cfg->web_tls_cert == NULL) != (cfg->web_tls_key == NULL)) {
        s_err(c, v, "web: tls_cert and tls_key go together");
    }
    f = bl_yaml_map_get(v, "max_upload_mb");
    if (f != NULL && s_ok(c, bl_yaml_get_int(c->doc, f, "web.max_upload_mb",
                                             &cfg->web_max_upload_mb,
                                             c->diags))) {
        if (cfg->web_max_upload_mb < 1 || cfg->web_max_upload_mb > 4096) {
            s_err(c, f, "web.max_upload_mb: %d is not between 1 and 4096",
                  cfg->web_max_upload_mb);
        }
    }
    f = bl_yaml_map_get(v, "metrics_token");
    if (f != NULL) {
        cfg->web_metrics_token = s_get_path(c, f, "web.metrics_token");
    }
}

static void s_allow(s_ctx_t *c, const bl_yaml_node_t *v)
{
    if (bl_yaml_kind(v) != BL_YAML_SEQUENCE) {
        s_err(c, v, "allow: expected a list of {key, country}");
        return;
    }
    size_t n = bl_yaml_size(v);
    if (n == 0) {
        return;
    }
    bl_config_t *cfg = c->cfg;
    cfg->allow = calloc(n, sizeof *cfg->allow);
    if (cfg->allow == NULL) {
        c->oom = true;
        return;
    }
    static const char *const keys[] = {"key", "country", NULL};
    for (size_t i = 0; i < n && !c->oom; i++) {
        const bl_yaml_node_t *a = bl_yaml_item(v, i);
        char where[48];
        snprintf(where, sizeof where, "allow entry %zu", i + 1);
        if (bl_yaml_kind(a) != BL_YAML_MAPPING) {
            s_err(c, a, "%s: expected {key, country}", where);
            continue;
        }
        c->errors += bl_yaml_check_keys(c->doc, a, where, keys, c->diags);
        const bl_yaml_node_t *k = bl_yaml_map_get(a, "key");
        const bl_yaml_node_t *cc = bl_yaml_map_get(a, "country");
        if (k == NULL) {
            s_err(c, a, "%s: missing key 'key'", where);
        }
        if (cc == NULL) {
            s_err(c, a, "%s: missing key 'country'", where);
        }
        if (k == NULL || cc == NULL) {
            continue;
        }
        const char *country = NULL;
        if (!s_ok(c, bl_yaml_get_string(c->doc, cc, "country", &country,
                                        c->diags))) {
            continue;
        }
        if (!s_valid_country(country)) {
            s_err(c, cc, "%s: country '%s' is not two upper-case letters",
                  where, country);
            continue;
        }
        char *path = s_get_path(c, k, "key");
        if (path == NULL) {
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < cfg->n_allow && !dup; j++) {
            dup = strcmp(cfg->allow[j].key_path, path) == 0;
        }
        if (dup) {
            s_err(c, k, "%s: key '%s' is listed twice", where,
                  bl_yaml_scalar(k));
            free(path);
            continue;
        }
        bl_allow_t *al = &cfg->allow[cfg->n_allow++];
        al->key_path = path;
        memcpy(al->country, country, 3);
    }
}

/* Keys that belong to one role only: reported at the key on the other. */
static void s_role_only(s_ctx_t *c, const bl_yaml_node_t *root,
                        const char *key, const char *role)
{
    for (size_t i = 0; i < bl_yaml_size(root); i++) {
        const bl_yaml_node_t *k = bl_yaml_pair_key(root, i);
        if (strcmp(bl_yaml_scalar(k), key) == 0) {
            s_err(c, k, "'%s' is only for %s nodes", key, role);
        }
    }
}

static void s_config(s_ctx_t *c, const bl_yaml_node_t *root,
                     const char *path)
{
    static const char *const keys[] = {
        "node", "role", "country", "data_dir", "catalogue", "min_respondents",
        "min_peers", "peer_groups", "endpoints", "workers", "change_factor",
        "language", "rules", "upstream", "listen", "key", "allow", "web",
        "disk_reserve_mb", "link_heartbeat_s", NULL,
    };
    bl_config_t *cfg = c->cfg;
    c->errors += bl_yaml_check_keys(c->doc, root, "the node config", keys,
                                    c->diags);
    const char *s = NULL;

    const bl_yaml_node_t *v = bl_yaml_map_get(root, "node");
    if (v == NULL) {
        s_err(c, root, "missing key 'node'");
    } else if (s_ok(c, bl_yaml_get_string(c->doc, v, "node", &s, c->diags))) {
        if (!s_valid_id(s)) {
            s_err(c, v, "node: '%s' is not a valid id (1 to 40 of A-Z a-z "
                  "0-9 _ . -)", s);
        } else {
            cfg->node = s_dup(c, s);
        }
    }

    bool role_ok = false;
    v = bl_yaml_map_get(root, "role");
    if (v == NULL) {
        s_err(c, root, "missing key 'role'");
    } else if (s_ok(c, bl_yaml_get_string(c->doc, v, "role", &s, c->diags))) {
        role_ok = true;
        if (strcmp(s, "national") == 0) {
            cfg->role = BL_ROLE_NATIONAL;
        } else if (strcmp(s, "international") == 0) {
            cfg->role = BL_ROLE_INTERNATIONAL;
        } else {
            s_err(c, v, "role: unknown role '%s' (national international)",
                  s);
            role_ok = false;
        }
    }

    v = bl_yaml_map_get(root, "country");
    if (role_ok && cfg->role == BL_ROLE_INTERNATIONAL) {
        if (v != NULL) {
            s_role_only(c, root, "country", "national");
        }
    } else if (v == NULL) {
        if (role_ok) {
            s_err(c, root, "missing key 'country' (a national node's ISO "
                  "3166-1 alpha-2 code, e.g. NO)");
        }
    } else if (s_ok(c, bl_yaml_get_string(c->doc, v, "country", &s,
                                          c->diags))) {
        if (!s_valid_country(s)) {
            s_err(c, v, "country: '%s' is not two upper-case letters", s);
        } else {
            memcpy(cfg->country, s, 3);
        }
    }

    const bl_yaml_node_t *data_dir = bl_yaml_map_get(root, "data_dir");
    if (data_dir == NULL) {
        s_err(c, root, "missing key 'data_dir'");
    } else {
        cfg->data_dir = s_get_path(c, data_dir, "data_dir");
    }

    const bl_yaml_node_t *catalogue = bl_yaml_map_get(root, "catalogue");
    if (catalogue == NULL) {
        s_err(c, root, "missing key 'catalogue'");
    } else {
        cfg->catalogue_path = s_get_path(c, catalogue, "catalogue");
    }

    s_positive_int(c, root, "min_respondents", &cfg->min_respondents);
    s_positive_int(c, root, "min_peers", &cfg->min_peers);
    s_int_range(c, root, "disk_reserve_mb", 0, 1048576,
                &cfg->disk_reserve_mb);
    s_int_range(c, root, "link_heartbeat_s", 1, 3600,
                &cfg->link_heartbeat_s);

    v = bl_yaml_map_get(root, "change_factor");
    double f = 0.0;
    if (v != NULL
        && s_ok(c, bl_yaml_get_double(c->doc, v, "change_factor", &f,
                                      c->diags))) {
        if (f != 0.0 && !(f > 1.0)) {
            s_err(c, v, "change_factor: %g is neither above 1 nor 0 (off)",
                  f);
        } else {
            cfg->change_factor = f;
        }
    }

    v = bl_yaml_map_get(root, "language");
    if (v != NULL && !bl_yaml_is_null(v)
        && s_ok(c, bl_yaml_get_string(c->doc, v, "language", &s, c->diags))) {
        if (s_index(s_languages, s) < 0) {
            s_err(c, v, "language: unknown language '%s' (en no pt et lt)",
                  s);
        } else {
            cfg->language = s_dup(c, s);
        }
    }

    s_peer_groups(c, root);
    s_stage_map(c, root, "endpoints");
    s_stage_map(c, root, "workers");
    s_default_endpoints(c, data_dir);
    s_rules(c, root);

    v = bl_yaml_map_get(root, "upstream");
    if (v != NULL && !bl_yaml_is_null(v)) {
        if (role_ok && cfg->role == BL_ROLE_INTERNATIONAL) {
            s_role_only(c, root, "upstream", "national");
        } else {
            s_upstream(c, v);
        }
    }

    bool intl = role_ok && cfg->role == BL_ROLE_INTERNATIONAL;
    static const char *const intl_keys[] = {"listen", "key", "allow"};
    if (role_ok && !intl) {
        for (size_t i = 0; i < 3; i++) {
            if (bl_yaml_map_get(root, intl_keys[i]) != NULL) {
                s_role_only(c, root, intl_keys[i], "international");
            }
        }
    }
    if (intl) {
        /* listen and key go together: without them the international
         * node takes submissions directly (a single node over several
         * countries) and no national node can connect. */
        v = bl_yaml_map_get(root, "listen");
        const bl_yaml_node_t *kv = bl_yaml_map_get(root, "key");
        if (v != NULL) {
            cfg->listen = s_endpoint(c, v, "listen");
            if (kv == NULL) {
                s_err(c, root, "missing key 'key' (this node's secret key "
                      "file, needed with 'listen')");
            }
        }
        if (kv != NULL) {
            cfg->key = s_get_path(c, kv, "key");
        }
        v = bl_yaml_map_get(root, "allow");
        if (v != NULL && !bl_yaml_is_null(v)) {
            s_allow(c, v);
        }
    }

    cfg->web_max_upload_mb = 200;
    v = bl_yaml_map_get(root, "web");
    if (v != NULL && !bl_yaml_is_null(v)) {
        s_web(c, v);
    }

    /* The catalogue last: its own errors follow the config's. */
    if (cfg->catalogue_path != NULL && !c->oom) {
        int rc = bl_catalogue_load(&cfg->catalogue, cfg->catalogue_path,
                                   c->diags);
        if (rc == BL_ENOMEM) {
            c->oom = true;
        } else if (rc != 0) {
            c->errors++;
            if (rc != BL_ECONFIG) {
                /* the catalogue's own diag names the file; say who named it */
                s_err(c, catalogue, "catalogue: cannot load '%s', named in %s",
                      cfg->catalogue_path, path);
            }
        }
    }
}

/* The absolute directory holding path. */
static char *s_abs_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (slash == NULL) {
        dir = strdup(".");
    } else if (slash == path) {
        dir = strdup("/");
    } else {
        dir = strndup(path, (size_t)(slash - path));
    }
    if (dir == NULL) {
        return NULL;
    }
    char *abs = realpath(dir, NULL);
    free(dir);
    return abs;
}

int bl_config_load(bl_config_t **out, const char *path, bl_diags_t *diags)
{
    *out = NULL;
    bl_yaml_doc_t *doc = NULL;
    int rc = bl_yaml_load(&doc, path, diags);
    if (rc != 0) {
        return rc;
    }
    bl_config_t *cfg = calloc(1, sizeof *cfg);
    char *dir = s_abs_dir(path);
    if (cfg == NULL || dir == NULL || (cfg->path = strdup(path)) == NULL) {
        free(cfg);
        free(dir);
        bl_yaml_free(&doc);
        bl_diags_add(diags, path, 0, 0, "out of memory");
        return BL_ENOMEM;
    }
    cfg->min_respondents = 5;
    cfg->min_peers = 5;
    cfg->change_factor = 3.0;
    cfg->disk_reserve_mb = 64;
    cfg->link_heartbeat_s = 60;
    for (int st = 0; st < BL_STAGE_COUNT; st++) {
        cfg->workers[st] = 1;
    }
    s_ctx_t c = {.doc = doc, .diags = diags, .cfg = cfg, .dir = dir};
    const bl_yaml_node_t *root = bl_yaml_root(doc);
    if (root == NULL) {
        bl_diags_add(diags, path, 0, 0, "the file holds no node config");
        c.errors++;
    } else if (bl_yaml_kind(root) != BL_YAML_MAPPING) {
        s_err(&c, root, "expected a mapping at the top, got a %s",
              bl_yaml_kind_name(bl_yaml_kind(root)));
    } else {
        s_config(&c, root, path);
    }
    bl_yaml_free(&doc);
    free(dir);
    if (c.oom) {
        bl_diags_add(diags, path, 0, 0, "out of memory");
        bl_config_destroy(&cfg);
        return BL_ENOMEM;
    }
    if (c.errors > 0) {
        bl_config_destroy(&cfg);
        return BL_ECONFIG;
    }
    *out = cfg;
    return 0;
}

void bl_config_destroy(bl_config_t **cfg)
{
    if (cfg == NULL || *cfg == NULL) {
        return;
    }
    bl_config_t *c = *cfg;
    free(c->path);
    free(c->node);
    free(c->data_dir);
    free(c->catalogue_path);
    bl_catalogue_destroy(&c->catalogue);
    free(c->language);
    for (size_t i = 0; i < c->n_groups; i++) {
        free(c->groups[i].id);
        for (size_t j = 0; j < c->groups[i].n_attrs; j++) {
            free(c->groups[i].attrs[j]);
        }
        free(c->groups[i].attrs);
    }
    free(c->groups);
    for (int st = 0; st < BL_STAGE_COUNT; st++) {
        free(c->endpoints[st]);
    }
    for (size_t i = 0; i < c->n_rules; i++) {
        free(c->rules[i].name);
        free(c->rules[i].left);
        free(c->rules[i].op);
        free(c->rules[i].right);
        free(c->rules[i].message);
    }
    free(c->rules);
    free(c->upstream_endpoint);
    free(c->upstream_server_key);
    free(c->upstream_key);
    free(c->listen);
    free(c->key);
    for (size_t i = 0; i < c->n_allow; i++) {
        free(c->allow[i].key_path);
    }
    free(c->allow);
    free(c->web_listen);
    free(c->web_tls_cert);
    free(c->web_tls_key);
    free(c->web_metrics_token);
    free(c);
    *cfg = NULL;
}

const char *bl_stage_name(bl_stage_t stage)
{
    if ((int)stage >= 0 && stage < BL_STAGE_COUNT) {
        return s_stage_names[stage];
    }
    return "unknown";
}

int bl_stage_from_name(const char *name)
{
    for (int st = 0; st < BL_STAGE_COUNT; st++) {
        if (strcmp(s_stage_names[st], name) == 0) {
            return st;
        }
    }
    return -1;
}

int bl_config_find_group(const bl_config_t *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->n_groups; i++) {
        if (strcmp(cfg->groups[i].id, id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

void bl_group_key(const bl_peer_group_t *g, const bl_group_attrs_t *a,
                  char *buf, size_t size)
{
    if (buf == NULL || size == 0) {
        return;
    }
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < g->n_attrs; i++) {
        const char *attr = g->attrs[i];
        const char *v = "";
        if (strcmp(attr, "country") == 0) {
            v = a->country;
        } else if (strcmp(attr, "service_type") == 0) {
            v = a->service_type;
        } else if (strcmp(attr, "membership") == 0) {
            v = a->membership;
        } else if (strcmp(attr, "share_identity") == 0) {
            v = a->share_identity ? "yes" : "no";
        }
        int w = snprintf(buf + used, size - used, "%s%s", i ? "/" : "",
                         v ? v : "");
        if (w < 0 || (size_t)w >= size - used) {
            return;  /* truncated: buf holds what fits */
        }
        used += (size_t)w;
    }
}

int bl_config_apply_workers(bl_config_t *cfg, const char *spec, char *why,
                            size_t size)
{
    return bl_config_parse_workers(cfg->workers, spec, why, size);
}

int bl_config_parse_workers(int out[], const char *spec, char *why,
                            size_t size)
{
    int counts[BL_STAGE_COUNT];
    memcpy(counts, out, sizeof counts);
    const char *p = spec;
    while (*p) {
        const char *eq = strchr(p, '=');
        const char *end = strchr(p, ',');
        if (end == NULL) {
            end = p + strlen(p);
        }
        if (eq == NULL || eq > end) {
            snprintf(why, size, "'%.*s' is not STAGE=N", (int)(end - p), p);
            return BL_EINVAL;
        }
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(eq - p), p);
        int st = bl_stage_from_name(name);
        char *num_end;
        long n = strtol(eq + 1, &num_end, 10);
        if (st < 0) {
            snprintf(why, size, "unknown stage '%s'", name);
            return BL_EINVAL;
        }
        if (num_end != end || n < 1 || n > S_WORKERS_MAX) {
            snprintf(why, size, "%s: the number of workers must be 1..%d",
                     name, S_WORKERS_MAX);
            return BL_EINVAL;
        }
        if (n > 1 && st != BL_STAGE_VALIDATE && st != BL_STAGE_AGGREGATE &&
            st != BL_STAGE_REPORT) {
            snprintf(why, size, "%s: only validate, aggregate and report run "
                     "several workers", name);
            return BL_EINVAL;
        }
        counts[st] = (int)n;
        p = *end ? end + 1 : end;
    }
    memcpy(out, counts, sizeof counts);
    return 0;
}

int bl_config_follow_workers(bl_config_t *cfg, long long *stamp, char *why,
                             size_t size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run/workers", cfg->data_dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        return 0;
    }
    /* A new file (rename) or a new write changes one of the two. */
    uint64_t mix = ((uint64_t)st.st_mtim.tv_sec * 1000000000u +
                    (uint64_t)st.st_mtim.tv_nsec) ^
                   ((uint64_t)st.st_ino << 40);
    long long now = (long long)(mix >> 1);
    if (now == *stamp) {
        return 0;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    char spec[256];
    bool got = fgets(spec, sizeof spec, f) != NULL;
    fclose(f);
    *stamp = now;  /* a bad file is told once, not on every look */
    if (!got) {
        return 0;
    }
    spec[strcspn(spec, "\n")] = '\0';
    char inner[200];
    if (bl_config_apply_workers(cfg, spec, inner, sizeof inner) != 0) {
        snprintf(why, size, "%s: %s", path, inner);
        return BL_EINVAL;
    }
    return 1;
}
