/*
 * web_accounts: accounts, sessions and portal submissions in LMDB (see
 * web_accounts.h).
 *
 * Databases: "accounts" login -> s_rec_t; "sessions" id -> s_sess_t;
 * "subs" submission id -> web_sub_t.  Records are fixed-size structs with a
 * version byte: the store is private to one host, never sent anywhere.
 */
#include "web_accounts.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_fs.h"
#include "bl_scan.h"
#include "bl_store.h"

enum { DB_ACCOUNTS = 0, DB_SESSIONS, DB_SUBS };
static const char *const s_dbs[] = {"accounts", "sessions", "subs"};

#define S_VERSION 1
/* The idle clock is written at most this often, so that reading pages does
 * not cost a durable commit each. */
#define S_TOUCH_SECONDS 60

struct web_accounts {
    bl_store_t *store;
};

typedef struct s_rec {
    uint8_t version;
    web_account_t acc;
    char hash[crypto_pwhash_STRBYTES];
} s_rec_t;

typedef struct s_sess {
    uint8_t version;
    char login[WEB_LOGIN_MAX];
    char csrf[WEB_TOKEN_HEX];
    int64_t last_seen;       /* unix seconds */
} s_sess_t;

int web_accounts_open(web_accounts_t **out, const bl_config_t *cfg,
                      bl_err_t *err)
{
    *out = NULL;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/web/store", cfg->data_dir);
    int rc = bl_fs_mkdirs(dir, 0700);
    if (rc != 0) {
        return bl_err_set(err, rc, "cannot create '%s': %s", dir,
                          strerror(-rc));
    }
    web_accounts_t *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    rc = bl_store_open(&a->store, dir, s_dbs, sizeof s_dbs / sizeof s_dbs[0],
                       64u * 1024u * 1024u, err);
    if (rc != 0) {
        free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void web_accounts_close(web_accounts_t **a)
{
    if (a == NULL || *a == NULL) {
        return;
    }
    bl_store_close(&(*a)->store);
    free(*a);
    *a = NULL;
}

static bool s_chars_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || strchr(extra, ch) != NULL;
        if (!ok || ch == '\0') {
            return false;
        }
    }
    return true;
}

bool web_login_valid(const char *login)
{
    return s_chars_ok(login, WEB_LOGIN_MAX - 1, "_.@-");
}

bool web_id_valid(const char *id)
{
    return s_chars_ok(id, 40, "_.-") && strcmp(id, ".") != 0 &&
           strcmp(id, "..") != 0;
}

void web_random_hex(char *buf, size_t n)
{
    unsigned char raw[64];
    if (n > sizeof raw) {
        n = sizeof raw;
    }
    randombytes_buf(raw, n);
    sodium_bin2hex(buf, 2 * n + 1, raw, n);
    sodium_memzero(raw, sizeof raw);
}

/* ---- reading and writing records ---------------------------------------- */

static int s_get_rec(MDB_txn *txn, MDB_dbi dbi, const char *login,
                     s_rec_t *rec, bl_err_t *err)
{
    MDB_val v;
    int rc = bl_store_get(txn, dbi, login, strlen(login), &v, err);
    if (rc != 0) {
        return rc;
    }
    if (v.mv_size != sizeof *rec) {
        return bl_err_set(err, BL_ESTORE, "account '%s': unreadable record",
                          login);
    }
    memcpy(rec, v.mv_data, sizeof *rec);
    rec->acc.login[WEB_LOGIN_MAX - 1] = '\0';
    rec->acc.provider[WEB_PROVIDER_MAX - 1] = '\0';
    rec->acc.lang[3] = '\0';
    rec->hash[sizeof rec->hash - 1] = '\0';
    return rec->version == S_VERSION
               ? 0
               : bl_err_set(err, BL_ESTORE, "account '%s': unknown version",
                            login);
}

static int s_put_rec(MDB_txn *txn, MDB_dbi dbi, const s_rec_t *rec,
                     bl_err_t *err)
{
    return bl_store_put(txn, dbi, rec->acc.login, strlen(rec->acc.login), rec,
                        sizeof *rec, err);
}

/* What a write transaction on one account needs. */
typedef struct s_op {
    web_accounts_t *a;
    const char *login;
    s_rec_t rec;            /* the new record (add) or the one read */
    int (*change)(struct s_op *op, MDB_txn *txn, bl_err_t *err);
    const void *arg;
} s_op_t;

static int s_op_run(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_op_t *op = ctx;
    MDB_dbi dbi = bl_store_dbi(op->a->store, DB_ACCOUNTS);
    s_rec_t rec;
    int rc = s_get_rec(txn, dbi, op->login, &rec, err);
    if (rc != 0) {
        return rc == BL_ENOTFOUND
                   ? bl_err_set(err, BL_ENOTFOUND, "no login '%s'",
                                op->login)
                   : rc;
    }
    op->rec = rec;
    rc = op->change(op, txn, err);
    if (rc != 0) {
        return rc;
    }
    return s_put_rec(txn, dbi, &op->rec, err);
}

static int s_hash(const char *password, char out[crypto_pwhash_STRBYTES],
                  bl_err_t *err)
{
    size_t n = strlen(password);
    if (n > WEB_PASSWORD_MAX) {
        return bl_err_set(err, BL_EINVAL, "the password is longer than %d "
                          "bytes", WEB_PASSWORD_MAX);
    }
    if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot hash the password: out "
                          "of memory");
    }
    return 0;
}

static int s_add(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_op_t *op = ctx;
    MDB_dbi dbi = bl_store_dbi(op->a->store, DB_ACCOUNTS);
    MDB_val v;
    int rc = bl_store_get(txn, dbi, op->login, strlen(op->login), &v, err);
    if (rc == 0) {
        return bl_err_set(err, BL_EINVAL, "login '%s' exists already",
                          op->login);
    }
    if (rc != BL_ENOTFOUND) {
        return rc;
    }
    return s_put_rec(txn, dbi, &op->rec, err);
}

int web_accounts_add(web_accounts_t *a, const char *login,
                     const char *provider, bool coordinator,
                     const char *password, bool must_change, bl_err_t *err)
{
    if (!web_login_valid(login)) {
        return bl_err_set(err, BL_EINVAL, "login '%s': use 1 to %d of "
                          "A-Z a-z 0-9 _ . @ -", login, WEB_LOGIN_MAX - 1);
    }
    if (!coordinator && !web_id_valid(provider)) {
        return bl_err_set(err, BL_EINVAL, "provider '%s': not a provider "
                          "id", provider);
    }
    s_op_t op;
    memset(&op, 0, sizeof op);
    op.a = a;
    op.login = login;
    op.rec.version = S_VERSION;
    snprintf(op.rec.acc.login, sizeof op.rec.acc.login, "%s", login);
    snprintf(op.rec.acc.provider, sizeof op.rec.acc.provider, "%s",
             coordinator ? "" : provider);
    op.rec.acc.coordinator = coordinator;
    op.rec.acc.must_change = must_change;
    snprintf(op.rec.acc.lang, sizeof op.rec.acc.lang, "en");
    int rc = s_hash(password, op.rec.hash, err);
    if (rc != 0) {
        return rc;
    }
    rc = bl_store_write(a->store, s_add, &op, err);
    sodium_memzero(&op.rec, sizeof op.rec);
    return rc;
}

/* A new password for s_change_password. */
typedef struct s_new_password {
    char hash[crypto_pwhash_STRBYTES];
    bool must_change;
} s_new_password_t;

static int s_change_password(s_op_t *op, MDB_txn *txn, bl_err_t *err)
{
    (void)txn;
    (void)err;
    const s_new_password_t *np = op->arg;
    memcpy(op->rec.hash, np->hash, sizeof op->rec.hash);
    op->rec.acc.must_change = np->must_change;
    op->rec.acc.fails = 0;
    op->rec.acc.locked_until = 0;
    return 0;
}

int web_accounts_set_password(web_accounts_t *a, const char *login,
                              const char *password, bool must_change,
                              bl_err_t *err)
{
    s_new_password_t np = {.must_change = must_change};
    int rc = s_hash(password, np.hash, err);
    if (rc != 0) {
        return rc;
    }
    s_op_t op = {.a = a, .login = login, .change = s_change_password,
                 .arg = &np};
    rc = bl_store_write(a->store, s_op_run, &op, err);
    sodium_memzero(&np, sizeof np);
    return rc;
}

/* Deletes every session of login (a full scan: sessions are few). */
static int s_end_sessions(MDB_txn *txn, MDB_dbi dbi, const char *login,
                          bl_err_t *err)
{
    bl_scan_t sc;
    int rc = bl_scan_open(&sc, txn, dbi, "", 0, err);
    MDB_val k, v;
    while (rc == 0 && (rc = bl_scan_next(&sc, &k, &v)) == 1) {
        const s_sess_t *ss = v.mv_data;
        rc = 0;
        if (v.mv_size == sizeof *ss &&
            strncmp(ss->login, login, sizeof ss->login) == 0) {
            rc = bl_scan_del(&sc);
        }
    }
    bl_scan_close(&sc);
    return rc;
}

static int s_change_disable(s_op_t *op, MDB_txn *txn, bl_err_t *err)
{
    op->rec.acc.disabled = true;
    return s_end_sessions(txn, bl_store_dbi(op->a->store, DB_SESSIONS),
                          op->login, err);
}

int web_accounts_disable(web_accounts_t *a, const char *login, bl_err_t *err)
{
    s_op_t op = {.a = a, .login = login, .change = s_change_disable};
    return bl_store_write(a->store, s_op_run, &op, err);
}

static int s_change_lang(s_op_t *op, MDB_txn *txn, bl_err_t *err)
{
    (void)txn;
    (void)err;
    snprintf(op->rec.acc.lang, sizeof op->rec.acc.lang, "%s",
             (const char *)op->arg);
    return 0;
}

int web_accounts_set_lang(web_accounts_t *a, const char *login,
                          const char *lang, bl_err_t *err)
{
    s_op_t op = {.a = a, .login = login, .change = s_change_lang,
                 .arg = lang};
    return bl_store_write(a->store, s_op_run, &op, err);
}

int web_accounts_get(web_accounts_t *a, const char *login,
                     web_account_t *out, bl_err_t *err)
{
    MDB_txn *txn;
    int rc = bl_store_read(a->store, &txn, err);
    if (rc != 0) {
        return rc;
    }
    s_rec_t rec;
    rc = s_get_rec(txn, bl_store_dbi(a->store, DB_ACCOUNTS), login, &rec,
                   err);
    mdb_txn_abort(txn);
    if (rc == 0) {
        *out = rec.acc;
    }
    sodium_memzero(&rec, sizeof rec);
    return rc;
}

/* Calls fn with every value of database db, in key order, in one read
 * transaction. */
static int s_each(web_accounts_t *a, int db,
                  void (*fn)(void *ctx, const MDB_val *v), void *ctx,
                  bl_err_t *err)
{
    MDB_txn *txn;
    int rc = bl_store_read(a->store, &txn, err);
    if (rc != 0) {
        return rc;
    }
    bl_scan_t sc;
    rc = bl_scan_open(&sc, txn, bl_store_dbi(a->store, db), "", 0, err);
    MDB_val v;
    while (rc == 0 && (rc = bl_scan_next(&sc, NULL, &v)) == 1) {
        fn(ctx, &v);
        rc = 0;
    }
    bl_scan_close(&sc);
    mdb_txn_abort(txn);
    return rc;
}

typedef struct s_each_acc {
    void (*fn)(void *ctx, const web_account_t *acc);
    void *ctx;
} s_each_acc_t;

static void s_one_account(void *ctx, const MDB_val *v)
{
    const s_each_acc_t *e = ctx;
    s_rec_t rec;
    if (v->mv_size == sizeof rec) {
        memcpy(&rec, v->mv_data, sizeof rec);
        rec.acc.login[WEB_LOGIN_MAX - 1] = '\0';
        rec.acc.provider[WEB_PROVIDER_MAX - 1] = '\0';
        rec.acc.lang[3] = '\0';
        e->fn(e->ctx, &rec.acc);
    }
    sodium_memzero(&rec, sizeof rec);
}

int web_accounts_each(web_accounts_t *a,
                      void (*fn)(void *ctx, const web_account_t *acc),
                      void *ctx, bl_err_t *err)
{
    s_each_acc_t e = {fn, ctx};
    return s_each(a, DB_ACCOUNTS, s_one_account, &e, err);
}

/* ---- log-in and sessions ------------------------------------------------- */

/* The outcome of a password check, recorded in one transaction. */
typedef struct s_login {
    web_accounts_t *a;
    const char *login;
    bool verified;           /* the password matched */
    int64_t now;
    web_session_t *session;
    web_account_t acc;       /* after the change */
} s_login_t;

static int s_record_login(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_login_t *l = ctx;
    MDB_dbi dbi = bl_store_dbi(l->a->store, DB_ACCOUNTS);
    s_rec_t rec;
    int rc = s_get_rec(txn, dbi, l->login, &rec, err);
    if (rc != 0) {
        return rc;
    }
    if (l->verified) {
        rec.acc.fails = 0;
        rec.acc.locked_until = 0;
        s_sess_t ss;
        memset(&ss, 0, sizeof ss);
        ss.version = S_VERSION;
        snprintf(ss.login, sizeof ss.login, "%s", l->login);
        snprintf(ss.csrf, sizeof ss.csrf, "%s", l->session->csrf);
        ss.last_seen = l->now;
        rc = bl_store_put(txn, bl_store_dbi(l->a->store, DB_SESSIONS),
                          l->session->id, strlen(l->session->id), &ss,
                          sizeof ss, err);
        if (rc != 0) {
            return rc;
        }
    } else if (++rec.acc.fails >= WEB_FAILS_MAX) {
        rec.acc.fails = 0;
        rec.acc.locked_until = l->now + WEB_LOCK_SECONDS;
    }
    l->acc = rec.acc;
    rc = s_put_rec(txn, dbi, &rec, err);
    sodium_memzero(&rec, sizeof rec);
    return rc;
}

int web_accounts_login(web_accounts_t *a, const char *login,
                       const char *password, int64_t now,
                       web_login_result_t *result, web_session_t *s,
                       bl_err_t *err)
{
    *result = WEB_LOGIN_WRONG;
    if (!web_login_valid(login) || strlen(password) > WEB_PASSWORD_MAX) {
        return 0;
    }
    MDB_txn *txn;
    int rc = bl_store_read(a->store, &txn, err);
    if (rc != 0) {
        return rc;
    }
    s_rec_t rec;
    rc = s_get_rec(txn, bl_store_dbi(a->store, DB_ACCOUNTS), login, &rec,
                   err);
    mdb_txn_abort(txn);
    if (rc == BL_ENOTFOUND) {
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    /* The throttle comes before the hash: a locked login costs nothing. */
    if (rec.acc.locked_until > now) {
        *result = WEB_LOGIN_LOCKED;
        sodium_memzero(&rec, sizeof rec);
        return 0;
    }
    s_login_t l = {.a = a, .login = login, .now = now, .session = s};
    l.verified = !rec.acc.disabled &&
                 crypto_pwhash_str_verify(rec.hash, password,
                                          strlen(password)) == 0;
    sodium_memzero(&rec, sizeof rec);
    if (l.verified) {
        web_random_hex(s->id, 32);
        web_random_hex(s->csrf, 32);
    }
    rc = bl_store_write(a->store, s_record_login, &l, err);
    if (rc != 0) {
        return rc;
    }
    if (l.verified) {
        s->account = l.acc;
        *result = WEB_LOGIN_OK;
    }
    return 0;
}

/* Moves a session's idle clock. */
typedef struct s_touch {
    web_accounts_t *a;
    const char *id;
    int64_t now;
    bool expired;            /* delete instead */
} s_touch_t;

static int s_touch(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_touch_t *t = ctx;
    MDB_dbi dbi = bl_store_dbi(t->a->store, DB_SESSIONS);
    MDB_val v;
    int rc = bl_store_get(txn, dbi, t->id, strlen(t->id), &v, err);
    if (rc != 0) {
        return rc == BL_ENOTFOUND ? 0 : rc;
    }
    if (t->expired) {
        return bl_store_del(txn, dbi, t->id, strlen(t->id), err);
    }
    s_sess_t ss;
    if (v.mv_size != sizeof ss) {
        return bl_store_del(txn, dbi, t->id, strlen(t->id), err);
    }
    memcpy(&ss, v.mv_data, sizeof ss);
    ss.last_seen = t->now;
    return bl_store_put(txn, dbi, t->id, strlen(t->id), &ss, sizeof ss, err);
}

static bool s_hex_token(const char *id)
{
    size_t n = strlen(id);
    if (n != WEB_TOKEN_HEX - 1) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') ||
              (id[i] >= 'a' && id[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

int web_accounts_session(web_accounts_t *a, const char *id, int64_t now,
                         web_session_t *s, bl_err_t *err)
{
    if (!s_hex_token(id)) {
        return BL_ENOTFOUND;
    }
    MDB_txn *txn;
    int rc = bl_store_read(a->store, &txn, err);
    if (rc != 0) {
        return rc;
    }
    MDB_val v;
    rc = bl_store_get(txn, bl_store_dbi(a->store, DB_SESSIONS), id,
                      strlen(id), &v, err);
    s_sess_t ss;
    s_rec_t rec;
    if (rc == 0 && v.mv_size == sizeof ss) {
        memcpy(&ss, v.mv_data, sizeof ss);
        ss.login[WEB_LOGIN_MAX - 1] = '\0';
        ss.csrf[WEB_TOKEN_HEX - 1] = '\0';
        rc = s_get_rec(txn, bl_store_dbi(a->store, DB_ACCOUNTS), ss.login,
                       &rec, err);
    } else if (rc == 0) {
        rc = BL_ENOTFOUND;
    }
    mdb_txn_abort(txn);
    if (rc != 0) {
        return rc;
    }
    s_touch_t t = {.a = a, .id = id, .now = now};
    if (ss.last_seen + WEB_IDLE_SECONDS < now || rec.acc.disabled) {
        t.expired = true;
        sodium_memzero(&rec, sizeof rec);
        rc = bl_store_write(a->store, s_touch, &t, err);
        return rc != 0 ? rc : BL_ENOTFOUND;
    }
    snprintf(s->id, sizeof s->id, "%s", id);
    snprintf(s->csrf, sizeof s->csrf, "%s", ss.csrf);
    s->account = rec.acc;
    sodium_memzero(&rec, sizeof rec);
    if (now - ss.last_seen >= S_TOUCH_SECONDS) {
        return bl_store_write(a->store, s_touch, &t, err);
    }
    return 0;
}

int web_accounts_logout(web_accounts_t *a, const char *id, bl_err_t *err)
{
    if (!s_hex_token(id)) {
        return 0;
    }
    s_touch_t t = {.a = a, .id = id, .expired = true};
    return bl_store_write(a->store, s_touch, &t, err);
}

/* ---- submissions --------------------------------------------------------- */

typedef struct s_sub_put {
    web_accounts_t *a;
    web_sub_t ws;
} s_sub_put_t;

static int s_put_sub(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    const s_sub_put_t *p = ctx;
    return bl_store_put(txn, bl_store_dbi(p->a->store, DB_SUBS), p->ws.sub,
                        strlen(p->ws.sub), &p->ws, sizeof p->ws, err);
}

int web_accounts_add_sub(web_accounts_t *a, const char *sub,
                         const char *provider, const char *login,
                         const char *file, int64_t now, bl_err_t *err)
{
    s_sub_put_t p;
    memset(&p, 0, sizeof p);
    p.a = a;
    snprintf(p.ws.sub, sizeof p.ws.sub, "%s", sub);
    snprintf(p.ws.provider, sizeof p.ws.provider, "%s", provider);
    snprintf(p.ws.login, sizeof p.ws.login, "%s", login);
    snprintf(p.ws.file, sizeof p.ws.file, "%s", file);
    p.ws.at = now;
    return bl_store_write(a->store, s_put_sub, &p, err);
}

static void s_fix_sub(web_sub_t *ws)
{
    ws->sub[sizeof ws->sub - 1] = '\0';
    ws->provider[sizeof ws->provider - 1] = '\0';
    ws->login[sizeof ws->login - 1] = '\0';
    ws->file[sizeof ws->file - 1] = '\0';
}

int web_accounts_get_sub(web_accounts_t *a, const char *sub, web_sub_t *out,
                         bl_err_t *err)
{
    MDB_txn *txn;
    int rc = bl_store_read(a->store, &txn, err);
    if (rc != 0) {
        return rc;
    }
    MDB_val v;
    rc = bl_store_get(txn, bl_store_dbi(a->store, DB_SUBS), sub, strlen(sub),
                      &v, err);
    if (rc == 0 && v.mv_size == sizeof *out) {
        memcpy(out, v.mv_data, sizeof *out);
        s_fix_sub(out);
    } else if (rc == 0) {
        rc = BL_ENOTFOUND;
    }
    mdb_txn_abort(txn);
    return rc;
}

typedef struct s_each_sub {
    void (*fn)(void *ctx, const web_sub_t *s);
    void *ctx;
} s_each_sub_t;

static void s_one_sub(void *ctx, const MDB_val *v)
{
    const s_each_sub_t *e = ctx;
    web_sub_t ws;
    if (v->mv_size == sizeof ws) {
        memcpy(&ws, v->mv_data, sizeof ws);
        s_fix_sub(&ws);
        e->fn(e->ctx, &ws);
    }
}

int web_accounts_each_sub(web_accounts_t *a,
                          void (*fn)(void *ctx, const web_sub_t *s),
                          void *ctx, bl_err_t *err)
{
    s_each_sub_t e = {fn, ctx};
    return s_each(a, DB_SUBS, s_one_sub, &e, err);
}
