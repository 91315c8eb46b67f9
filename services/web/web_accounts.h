/*
 * web_accounts: the portal's accounts, sessions and log-in throttle, kept in
 * bl-web's own LMDB store (<data_dir>/web/store), which `benchlearn user`
 * opens too (LMDB lets two processes share an environment).
 *
 * Passwords are kept only as Argon2id hashes (libsodium crypto_pwhash_str).
 * A session id is 256 random bits; its CSRF token is 256 more, bound to it.
 * It is not an HTTP module: it knows nothing of cookies or requests.
 * Call sodium_init() before any function here.  Single-threaded.
 */
#ifndef WEB_ACCOUNTS_H
#define WEB_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_config.h"
#include "bl_error.h"

#define WEB_LOGIN_MAX 64          /* bytes of a login, NUL included */
#define WEB_PROVIDER_MAX 48       /* bytes of a provider id, NUL included */
#define WEB_TOKEN_HEX 65          /* 32 random bytes in hex, NUL included */
#define WEB_PASSWORD_MIN 10       /* characters of a chosen password */
#define WEB_PASSWORD_MAX 512      /* bytes of a password */
#define WEB_FAILS_MAX 5           /* failed log-ins before the lock */
#define WEB_LOCK_SECONDS (15 * 60)
#define WEB_IDLE_SECONDS (8 * 60 * 60)

typedef struct web_accounts web_accounts_t;

/* One account as stored. */
typedef struct web_account {
    char login[WEB_LOGIN_MAX];
    char provider[WEB_PROVIDER_MAX];  /* "" for a coordinator */
    bool coordinator;
    bool disabled;
    bool must_change;        /* a one-time password: change at first log-in */
    char lang[4];            /* "en", "no", "pt", "et", "lt" */
    uint32_t fails;          /* failed log-ins in a row */
    int64_t locked_until;    /* unix seconds; 0 = not locked */
} web_account_t;

/* A live session. */
typedef struct web_session {
    char id[WEB_TOKEN_HEX];
    char csrf[WEB_TOKEN_HEX];
    web_account_t account;
} web_session_t;

/* Outcome of a log-in attempt. */
typedef enum web_login_result {
    WEB_LOGIN_OK = 0,
    WEB_LOGIN_WRONG,      /* unknown login, disabled, or wrong password */
    WEB_LOGIN_LOCKED,     /* refused without hashing: too many failures */
} web_login_result_t;

/* Opens (creating) the store of cfg's node. */
int web_accounts_open(web_accounts_t **out, const bl_config_t *cfg,
                      bl_err_t *err);
void web_accounts_close(web_accounts_t **a);

/* True for a login of 1-63 characters [A-Za-z0-9_.@-]. */
bool web_login_valid(const char *login);

/* True for a provider id of 1-40 characters [A-Za-z0-9_.-], not "." or
 * "..": safe as a file name. */
bool web_id_valid(const char *id);

/* Adds an account with password (hashed here); must_change marks a
 * one-time password.  BL_EINVAL when the login exists already. */
int web_accounts_add(web_accounts_t *a, const char *login,
                     const char *provider, bool coordinator,
                     const char *password, bool must_change, bl_err_t *err);

/* Sets a new password and must_change; clears the lock.  BL_ENOTFOUND. */
int web_accounts_set_password(web_accounts_t *a, const char *login,
                              const char *password, bool must_change,
                              bl_err_t *err);

/* Disables an account and ends its sessions.  BL_ENOTFOUND. */
int web_accounts_disable(web_accounts_t *a, const char *login, bl_err_t *err);

/* Sets the account's language.  BL_ENOTFOUND. */
int web_accounts_set_lang(web_accounts_t *a, const char *login,
                          const char *lang, bl_err_t *err);

/* Reads one account: 0, BL_ENOTFOUND or BL_ESTORE. */
int web_accounts_get(web_accounts_t *a, const char *login,
                     web_account_t *out, bl_err_t *err);

/* Calls fn for each account in login order. */
int web_accounts_each(web_accounts_t *a,
                      void (*fn)(void *ctx, const web_account_t *acc),
                      void *ctx, bl_err_t *err);

/* Checks a log-in at time now (unix seconds): a locked login is refused
 * before any hashing; 5 failures in a row lock it for 15 minutes.  On
 * WEB_LOGIN_OK a new session is made and returned in *s. */
int web_accounts_login(web_accounts_t *a, const char *login,
                       const char *password, int64_t now,
                       web_login_result_t *result, web_session_t *s,
                       bl_err_t *err);

/* Finds the session id at time now; refreshes its idle clock.  0 with *s
 * filled, BL_ENOTFOUND (unknown, expired, or its account disabled). */
int web_accounts_session(web_accounts_t *a, const char *id, int64_t now,
                         web_session_t *s, bl_err_t *err);

/* Ends a session (harmless when it is gone). */
int web_accounts_logout(web_accounts_t *a, const char *id, bl_err_t *err);

/* Records that submission sub was sent by provider (coordinator: "") from
 * file name, at now.  Listed by web_accounts_each_sub. */
int web_accounts_add_sub(web_accounts_t *a, const char *sub,
                         const char *provider, const char *login,
                         const char *file, int64_t now, bl_err_t *err);

/* A submission sent through the portal. */
typedef struct web_sub {
    char sub[64];
    char provider[WEB_PROVIDER_MAX];
    char login[WEB_LOGIN_MAX];
    char file[256];
    int64_t at;              /* unix seconds */
} web_sub_t;

/* Reads one submission record: 0 or BL_ENOTFOUND. */
int web_accounts_get_sub(web_accounts_t *a, const char *sub, web_sub_t *out,
                         bl_err_t *err);

/* Calls fn for each submission, in submission-id order. */
int web_accounts_each_sub(web_accounts_t *a,
                          void (*fn)(void *ctx, const web_sub_t *s),
                          void *ctx, bl_err_t *err);

/* Fills buf (size >= 2 * n + 1) with n random bytes in hex. */
void web_random_hex(char *buf, size_t n);

#endif
