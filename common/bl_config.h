/*
 * bl_config: a node's configuration (SPEC sections 6 and 7) loaded from
 * YAML, with its catalogue.
 *
 * Each daemon and the CLI load it once in main() and pass it down as a
 * const pointer.  Defaults first, then the YAML, then validation: unknown
 * keys, wrong types and out-of-range values are errors with their position.
 * Every error goes into a bl_diags_t ("file:line:column: message", 1-based);
 * this module never prints.  Relative paths in the file are resolved against
 * the file's own directory; the struct holds absolute (or file-relative
 * resolved) paths.
 */
#ifndef BL_CONFIG_H
#define BL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "bl_catalogue.h"
#include "bl_diag.h"

/* The five stages of a node, in pipeline order. */
typedef enum bl_stage {
    BL_STAGE_INGEST = 0,
    BL_STAGE_VALIDATE,
    BL_STAGE_AGGREGATE,
    BL_STAGE_BENCHMARK,
    BL_STAGE_REPORT,
    BL_STAGE_COUNT
} bl_stage_t;

typedef enum bl_role {
    BL_ROLE_NATIONAL = 0,
    BL_ROLE_INTERNATIONAL,
} bl_role_t;

/* One peer group: an id and the register attributes that must match. */
typedef struct bl_peer_group {
    char *id;          /* "national" */
    size_t n_attrs;
    char **attrs;      /* "country", "service_type", ... (register fields) */
} bl_peer_group_t;

typedef enum bl_severity {
    BL_SEV_ERROR = 0,
    BL_SEV_WARNING,
} bl_severity_t;

/* An extra validation rule in the style of DHIS2 (issue 3, item 5). */
typedef struct bl_rule {
    char *name;          /* rule id given in the config, or "rule N" */
    char *left;          /* arithmetic expression text */
    char *op;            /* "<", "<=", "==", "!=", ">=", ">" */
    char *right;         /* arithmetic expression text */
    bl_severity_t severity;
    char *message;       /* shown with the outcome */
    size_t line;         /* where the rule stands in the config, 1-based */
} bl_rule_t;

/* International node: a national node's public key and its country. */
typedef struct bl_allow {
    char *key_path;      /* file holding the Z85 public key */
    char country[3];     /* ISO 3166-1 alpha-2 */
} bl_allow_t;

typedef struct bl_config {
    char *path;               /* the config file */
    char *node;               /* node id, e.g. "no-1" */
    bl_role_t role;
    char country[3];          /* national nodes: "NO"; "" for international */
    char *data_dir;           /* resolved path */
    char *catalogue_path;     /* resolved path */
    bl_catalogue_t *catalogue;  /* loaded with the config */
    int min_respondents;      /* default 5 */
    int min_peers;            /* default 5 */
    double change_factor;     /* warn when value/previous > f or < 1/f;
                                 default 3; 0 disables */
    char *language;           /* report language override, NULL = country's */
    int disk_reserve_mb;      /* free space each store keeps: new work is
                                 refused below it; MB, default 64, 0..1 TB */
    int link_heartbeat_s;     /* a silent link between nodes is down after
                                 this long; seconds, default 60 */
    size_t n_groups;
    bl_peer_group_t *groups;  /* in file order */
    char *endpoints[BL_STAGE_COUNT];  /* resolved; default
                                 ipc://<data_dir>/run/<stage>.sock */
    int workers[BL_STAGE_COUNT];      /* processes per stage, default 1 */
    size_t n_rules;
    bl_rule_t *rules;
    /* national node feeding an international one (all NULL when absent) */
    char *upstream_endpoint;
    char *upstream_server_key;  /* path to the international node's .pub */
    char *upstream_key;         /* path to this node's .key */
    /* international node */
    char *listen;               /* e.g. tcp://0.0.0.0:7400, NULL if absent */
    char *key;                  /* path to this node's .key */
    size_t n_allow;
    bl_allow_t *allow;
    /* the web portal (SPEC 9); web_listen NULL when the node has no web */
    char *web_listen;           /* "127.0.0.1:8080" (port 0: the OS picks,
                                   written to <data_dir>/run/web.addr) */
    char *web_tls_cert;         /* path, NULL = plain HTTP */
    char *web_tls_key;          /* path, set with web_tls_cert */
    int web_max_upload_mb;      /* default 200 */
    char *web_metrics_token;    /* path to a file holding the token, or
                                   NULL */
} bl_config_t;

/* Loads the node config at path and the catalogue it names.  Returns 0 and
 * sets *out, or returns BL_ECONFIG / -errno with every problem in diags and
 * *out NULL. */
int bl_config_load(bl_config_t **out, const char *path, bl_diags_t *diags);

/* Reads a spec such as "validate=3,aggregate=2" over the counts in
 * counts[BL_STAGE_COUNT] (stages it does not name keep theirs; only
 * validate, aggregate and report may run more than one).  Returns 0, or
 * BL_EINVAL with the reason in why and counts unchanged. */
int bl_config_parse_workers(int counts[], const char *spec, char *why,
                            size_t size);

/* bl_config_parse_workers over cfg->workers. */
int bl_config_apply_workers(bl_config_t *cfg, const char *spec, char *why,
                            size_t size);

/* Applies the worker counts a running node records in
 * <data_dir>/run/workers (written by `benchlearn up` and `scale`) when the
 * file is there and has changed since *stamp (0 at first; updated).
 * Returns 1 when counts were applied, 0 when nothing changed, or BL_EINVAL
 * with why (the file names itself in why). */
int bl_config_follow_workers(bl_config_t *cfg, long long *stamp, char *why,
                             size_t size);

/* Frees the config (and its catalogue); sets *cfg to NULL; accepts NULL. */
void bl_config_destroy(bl_config_t **cfg);

/* "ingest", "validate", "aggregate", "benchmark", "report". */
const char *bl_stage_name(bl_stage_t stage);

/* The stage with this name, or -1. */
int bl_stage_from_name(const char *name);

/* The register attributes a peer group can match on. */
typedef struct bl_group_attrs {
    const char *country;        /* "NO" */
    const char *service_type;   /* catalogue code */
    const char *membership;     /* assurance | excellence | ... */
    bool share_identity;
} bl_group_attrs_t;

/* The group key of a provider in group g: its values of g's attributes
 * joined with "/" ("NO/residential_care"; "" for a group of no
 * attributes).  Truncated to what fits in buf. */
void bl_group_key(const bl_peer_group_t *g, const bl_group_attrs_t *a,
                  char *buf, size_t size);

/* Index of the peer group with this id, or -1. */
int bl_config_find_group(const bl_config_t *cfg, const char *id);

#endif
