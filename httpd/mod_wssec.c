/*
 * mod_wssec — Apache httpd 2.4 as a WS-Security gateway.
 *
 * For a location with WSSecConfig, every request must carry a SOAP message
 * that libwssec accepts under that configuration file (the schema of
 * `wssec -c`). Before the handler runs (fixups), the body is read, bounded
 * by the configuration's max-message-size (refused as soon as it passes),
 * and verified; an accepted message is handed on to the handler (typically
 * mod_proxy to the backend), decrypted and, with WSSecStripSecurity On,
 * without its Security header, with Content-Length corrected, and the
 * caller in a request header. A header of that name sent by the client is
 * always removed first. A refused message gets the SOAP fault of its SOAP
 * version (generic reason) and never reaches the handler; the precise
 * reason goes to the error log.
 *
 * The verdict is reached in fixups rather than in an input filter that
 * the handler pulls through: mod_proxy builds the backend's request
 * headers before it reads the body, so the caller header must be known
 * before the handler starts. The processed body is then served to the
 * handler by a small input filter (WSSEC_BODY).
 *
 * Besides: WSSecTLSBindSigner and WSSecTLSPeerCheck tie a mod_ssl client
 * certificate to the message, WSSecSecureResponse secures the response on
 * its way back (WSSEC_SECURE output filter), WSSecEncryptResponse Caller
 * encrypts it for the request's verified signer, the TLS client certificate
 * goes to the library for a configuration with transport-client-cert
 * required (the caller of an unsigned message), and the counters of
 * status.c are kept here.
 *
 * Contexts: one per WSSecConfig file, built in post_config (in the parent,
 * which can read root-only keys; a broken file stops the start-up with the
 * library's reason) and inherited by the children, whose threads share it
 * (a context is immutable and thread-safe). A graceful restart reads the
 * configuration again and builds new contexts; requests in flight in the
 * old children finish with the old ones.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>
#include <apr_buckets.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include <libxml/tree.h>
#include <mod_ssl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <wssec/sys/settings.h>

#include "gateway.h"

/* the one symbol httpd looks up (the rest is hidden) */
#define GW_EXPORT __attribute__((visibility("default")))
GW_EXPORT module AP_MODULE_DECLARE_DATA wssec_gateway_module;

/* One WSSecConfig file and the context built from it. */
typedef struct gw_site {
    const char *file;
    wssec_ctx *ctx;
    size_t max_size;       /* the context's max-message-size */
    const char *actor;     /* the configuration's actor, or NULL */
    int replay_shared;     /* use the shared cache (the file named no replay-cache, or memory) */
    const char *users;     /* the file's "users" option (the wssec program's), or NULL */
    apr_hash_t *passwords; /* user -> password, from @c users */
    int encrypts;          /* the actions encrypt (encrypted-key) */
    int transport_cert;    /* transport-client-cert required: pass the TLS client's */
    struct gw_site *next;
} gw_site;

/* Per directory (server or location) configuration. */
typedef struct gw_dir {
    gw_site *site; /* NULL: not set here; &gw_off: WSSecConfig None */
    const char *caller_header;
    const char *asserted_header;
    int strip;      /* -1: not set */
    int bind_tls;   /* WSSecTLSBindSigner; -1: not set */
    int peer_check; /* WSSecTLSPeerCheck; -1: not set */
    int secure_out; /* WSSecSecureResponse; -1: not set */
    int encrypt_out; /* WSSecEncryptResponse: 0 Off, 1 Caller; -1: not set */
    const char *encrypt_where; /* the file and line of that directive */
} gw_dir;

/* What one request proved, for its body filter and internal redirects. */
typedef struct gw_req {
    const struct gw_site *site; /* the configuration that accepted the message */
    const char *caller, *asserted;
    /* WSSecSecureResponse: the response's message, made when the request
     * was accepted, holding the request's SignatureValues to confirm (WSS
     * 1.1 SignatureConfirmation: the "signature-confirmation" action) */
    wssec_msg *response;
    const char *body;
    apr_size_t len, sent;
    int eos_sent;
} gw_req;

static gw_site gw_off;                                    /* the marker of WSSecConfig None */
static gw_site *gw_sites;                                 /* every file named in this generation */
static const char *gw_replay_spec;                        /* WSSecReplayCache, or NULL */
static APR_OPTIONAL_FN_TYPE(ssl_var_lookup) * gw_ssl_var; /* mod_ssl's, when loaded */

#define GW_DEFAULT_CALLER "X-WSSec-Caller"
#define GW_DEFAULT_ASSERTED "X-WSSec-Asserted-By"

/* ---- configuration ---------------------------------------------------- */

static void *gw_dir_create(apr_pool_t *p, char *dir)
{
    gw_dir *d = apr_pcalloc(p, sizeof(*d));
    (void)dir;
    d->strip = -1;
    d->bind_tls = -1;
    d->peer_check = -1;
    d->secure_out = -1;
    d->encrypt_out = -1;
    return d;
}

static void *gw_dir_merge(apr_pool_t *p, void *basev, void *addv)
{
    gw_dir *base = basev, *add = addv, *d = apr_pcalloc(p, sizeof(*d));
    d->site = add->site ? add->site : base->site;
    d->caller_header = add->caller_header ? add->caller_header : base->caller_header;
    d->asserted_header = add->asserted_header ? add->asserted_header : base->asserted_header;
    d->strip = add->strip != -1 ? add->strip : base->strip;
    d->bind_tls = add->bind_tls != -1 ? add->bind_tls : base->bind_tls;
    d->peer_check = add->peer_check != -1 ? add->peer_check : base->peer_check;
    d->secure_out = add->secure_out != -1 ? add->secure_out : base->secure_out;
    d->encrypt_out = add->encrypt_out != -1 ? add->encrypt_out : base->encrypt_out;
    d->encrypt_where = add->encrypt_out != -1 ? add->encrypt_where : base->encrypt_where;
    return d;
}

static const char *cmd_config(cmd_parms *cmd, void *dv, const char *arg)
{
    gw_dir *d = dv;
    gw_site *site;
    if (!strcasecmp(arg, "none")) {
        d->site = &gw_off;
        return NULL;
    }
    const char *file = ap_server_root_relative(cmd->pool, arg);
    if (!file) return apr_pstrcat(cmd->pool, "WSSecConfig: invalid path ", arg, NULL);
    for (site = gw_sites; site; site = site->next)
        if (!strcmp(site->file, file)) break;
    if (!site) {
        site = apr_pcalloc(cmd->pool, sizeof(*site));
        site->file = file;
        site->next = gw_sites;
        gw_sites = site;
    }
    d->site = site;
    return NULL;
}

/* A header name: an HTTP token, so that it cannot smuggle anything. */
static const char *check_header_name(cmd_parms *cmd, const char *arg)
{
    if (!*arg || *ap_scan_http_token(arg) != '\0')
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": '", arg, "' is not a header name", NULL);
    return NULL;
}

static const char *cmd_caller_header(cmd_parms *cmd, void *dv, const char *arg)
{
    const char *err = check_header_name(cmd, arg);
    if (!err) ((gw_dir *)dv)->caller_header = arg;
    return err;
}

static const char *cmd_asserted_header(cmd_parms *cmd, void *dv, const char *arg)
{
    const char *err = check_header_name(cmd, arg);
    if (!err) ((gw_dir *)dv)->asserted_header = arg;
    return err;
}

static const char *cmd_strip(cmd_parms *cmd, void *dv, int on)
{
    (void)cmd;
    ((gw_dir *)dv)->strip = on;
    return NULL;
}

static const char *cmd_bind_tls(cmd_parms *cmd, void *dv, int on)
{
    (void)cmd;
    ((gw_dir *)dv)->bind_tls = on;
    return NULL;
}

static const char *cmd_peer_check(cmd_parms *cmd, void *dv, int on)
{
    (void)cmd;
    ((gw_dir *)dv)->peer_check = on;
    return NULL;
}

static const char *cmd_secure_out(cmd_parms *cmd, void *dv, int on)
{
    (void)cmd;
    ((gw_dir *)dv)->secure_out = on;
    return NULL;
}

static const char *cmd_encrypt_out(cmd_parms *cmd, void *dv, const char *arg)
{
    gw_dir *d = dv;
    if (!strcasecmp(arg, "off")) d->encrypt_out = 0;
    else if (!strcasecmp(arg, "caller")) d->encrypt_out = 1;
    else return "WSSecEncryptResponse: Off or Caller";
    d->encrypt_where = cmd->directive
                           ? apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                                          cmd->directive->line_num)
                           : "WSSecEncryptResponse";
    return NULL;
}

static const char *cmd_replay_cache(cmd_parms *cmd, void *dv, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dv;
    if (err) return err;
    gw_replay_spec = arg;
    return NULL;
}

static const command_rec gw_cmds[] = {
    AP_INIT_TAKE1("WSSecConfig", cmd_config, NULL, RSRC_CONF | ACCESS_CONF,
                  "the wssec configuration file (the schema of wssec -c) that requests here "
                  "must satisfy, or None"),
    AP_INIT_TAKE1("WSSecCallerHeader", cmd_caller_header, NULL, RSRC_CONF | ACCESS_CONF,
                  "the request header that carries the authenticated caller to the backend "
                  "(default " GW_DEFAULT_CALLER ")"),
    AP_INIT_TAKE1("WSSecAssertedByHeader", cmd_asserted_header, NULL, RSRC_CONF | ACCESS_CONF,
                  "the request header that carries the upstream that asserted the caller "
                  "(default " GW_DEFAULT_ASSERTED ")"),
    AP_INIT_FLAG("WSSecStripSecurity", cmd_strip, NULL, RSRC_CONF | ACCESS_CONF,
                 "On: remove the Security header addressed to us before the backend sees the "
                 "message (default Off)"),
    AP_INIT_FLAG("WSSecTLSBindSigner", cmd_bind_tls, NULL, RSRC_CONF | ACCESS_CONF,
                 "On: the TLS client certificate (mod_ssl, verified) must be the certificate "
                 "of the message's signer (default Off)"),
    AP_INIT_FLAG("WSSecTLSPeerCheck", cmd_peer_check, NULL, RSRC_CONF | ACCESS_CONF,
                 "On: the TLS client certificate must pass the configuration's trust and DN "
                 "rules as a signer's would (default Off)"),
    AP_INIT_FLAG("WSSecSecureResponse", cmd_secure_out, NULL, RSRC_CONF | ACCESS_CONF,
                 "On: secure the handler's response with the configuration's actions "
                 "(timestamp, signature...) before it goes back (default Off)"),
    AP_INIT_TAKE1("WSSecEncryptResponse", cmd_encrypt_out, NULL, RSRC_CONF | ACCESS_CONF,
                  "Caller: encrypt the secured response (WSSecSecureResponse On, an encryption "
                  "action) for the certificate of the request's verified signer; Off (default)"),
    AP_INIT_TAKE1("WSSecReplayCache", cmd_replay_cache, NULL, RSRC_CONF,
                  "the socache shared by the children for replay detection, provider[:args] "
                  "(default shmcb:(16777216), about 290,000 keys)"),
    { NULL }
};

/* ---- contexts ----------------------------------------------------------- */

/* Sees each option of the file before the library applies it; takes the
 * "users" option, which is the wssec program's, not the library's. */
static int observe_option(const char *name, const char *value, void *ud)
{
    gw_site *site = ud;
    if (!strcmp(name, "replay-cache")) site->replay_shared = !strcmp(value, "memory");
    else if (!strcmp(name, "actor")) {
        free((void *)site->actor);
        if (!(site->actor = strdup(value))) return WSSEC_ENOMEM;
    } else if (!strcmp(name, "users")) {
        free((void *)site->users);
        site->users = strdup(value);
        return site->users ? 1 : WSSEC_ENOMEM;
    }
    return 0;
}

/* Wipes the passwords of a users file when its configuration goes. */
static apr_status_t wipe_passwords(void *data)
{
    apr_hash_t *h = data;
    for (apr_hash_index_t *hi = apr_hash_first(NULL, h); hi; hi = apr_hash_next(hi)) {
        void *v;
        apr_hash_this(hi, NULL, NULL, &v);
        OPENSSL_cleanse(v, strlen(v));
    }
    return APR_SUCCESS;
}

/*
 * Loads the users file as the wssec program does: lines "user:password",
 * '#' starts a comment line; a relative path is relative to the
 * configuration file. Read once, in the parent (which may be root).
 */
static int load_users(gw_site *site, server_rec *s, apr_pool_t *pconf, apr_pool_t *ptemp)
{
    const char *path = site->users;
    apr_file_t *f = NULL;
    char line[1100];
    apr_status_t rv;
    if (path[0] != '/') {
        const char *slash = strrchr(site->file, '/');
        path =
            apr_pstrcat(ptemp, apr_pstrndup(ptemp, site->file, slash - site->file + 1), path, NULL);
    }
    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, ptemp)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, "wssec: WSSecConfig %s: users file %s",
                     site->file, path);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    site->passwords = apr_hash_make(pconf);
    while (apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
        char *colon = strchr(line, ':');
        if (line[0] == '#' || !colon) continue;
        *colon = '\0';
        colon[1 + strcspn(colon + 1, "\r\n")] = '\0';
        apr_hash_set(site->passwords, apr_pstrdup(pconf, line), APR_HASH_KEY_STRING,
                     apr_pstrdup(pconf, colon + 1));
    }
    OPENSSL_cleanse(line, sizeof(line));
    apr_file_close(f);
    apr_pool_cleanup_register(pconf, site->passwords, wipe_passwords, apr_pool_cleanup_null);
    return OK;
}

/* The password callback of a configuration with a users file. The table is
 * only read once built: thread-safe. */
static int lookup_password(char *buf, size_t size, size_t *len, const char *user,
                           wssec_password_usage usage, void *userdata)
{
    const gw_site *site = userdata;
    const char *pw;
    size_t n;
    if (usage == WSSEC_PW_KEY) return WSSEC_EAUTH;
    pw = apr_hash_get(site->passwords, user, APR_HASH_KEY_STRING);
    if (!pw) return WSSEC_EAUTH;
    if ((n = strlen(pw)) > size) return WSSEC_ELIMIT;
    memcpy(buf, pw, n);
    *len = n;
    return 0;
}

static apr_status_t site_cleanup(void *data)
{
    gw_site *site = data;
    wssec_ctx_free(site->ctx);
    site->ctx = NULL;
    free((void *)site->actor);
    site->actor = NULL;
    free((void *)site->users);
    site->users = NULL;
    return APR_SUCCESS;
}

/* Whether the context's actions encrypt (the "encrypted-key" action). */
static int site_encrypts(const gw_site *site)
{
    const char *const *items = NULL;
    size_t n = 0;
    if (!site->ctx || wssec_ctx_get_list(&items, &n, site->ctx, "actions") != 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(items[i], "encrypted-key") || !strcmp(items[i], "encrypt")) return 1;
    return 0;
}

static int site_build(gw_site *site, server_rec *s, apr_pool_t *pconf, apr_pool_t *ptemp)
{
    wssec_config *cfg = NULL;
    int rc;
    site->replay_shared = 1;
    apr_pool_cleanup_register(pconf, site, site_cleanup, apr_pool_cleanup_null);
    if (wssec_config_new(&cfg) != 0) return HTTP_INTERNAL_SERVER_ERROR;
    rc = wssec_config_load(cfg, site->file, observe_option, site);
    if (rc == 0 && site->users) {
        if (load_users(site, s, pconf, ptemp) != OK) {
            wssec_config_free(cfg);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        wssec_config_set_password_cb(cfg, lookup_password, site);
    }
    if (rc == 0 && site->replay_shared) {
        wssec_replay_cache *cache = gw_replay_shared(s, gw_replay_spec, pconf, ptemp);
        if (!cache) rc = WSSEC_EBACKEND;
        else wssec_config_set_replay_cache(cfg, cache);
    }
    if (rc == 0) rc = wssec_ctx_new(&site->ctx, cfg);
    if (rc != 0) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "wssec: WSSecConfig %s: %s (%s)", site->file,
                     wssec_config_error(cfg)->message, wssec_code_name(rc));
        wssec_config_free(cfg);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (size_t i = 0; i < wssec_config_warning_count(cfg); i++)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "wssec: %s: %s", site->file,
                     wssec_config_warning(cfg, i));
    wssec_config_free(cfg);
    site->max_size = wssec_ctx_max_message_size(site->ctx);
    site->encrypts = site_encrypts(site);
    {
        const char *mode = NULL;
        site->transport_cert = wssec_ctx_get_choice(NULL, &mode, site->ctx,
                                                    "transport-client-cert") == 0 &&
                               mode && !strcmp(mode, "required");
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "wssec: %s: context built (replay cache %s)",
                 site->file, wssec_ctx_replay_cache_name(site->ctx));
    return OK;
}

/*
 * WSSecEncryptResponse Caller in section @p d (over the server's @p def):
 * refused unless the response is secured there (WSSecSecureResponse On,
 * here or inherited from the server) by a configuration whose actions
 * encrypt. @return NULL or the reason.
 */
static const char *encrypt_refused(apr_pool_t *p, const gw_dir *d, const gw_dir *def)
{
    int secure = d->secure_out != -1 ? d->secure_out : def->secure_out;
    const gw_site *site = d->site ? d->site : def->site;
    if (d->encrypt_out != 1) return NULL;
    if (secure != 1)
        return apr_psprintf(p,
                            "WSSecEncryptResponse Caller (%s): the response is not secured "
                            "here: set WSSecSecureResponse On",
                            d->encrypt_where);
    if (!site || site == &gw_off)
        return apr_psprintf(p, "WSSecEncryptResponse Caller (%s): no WSSecConfig here",
                            d->encrypt_where);
    if (!site->encrypts)
        return apr_psprintf(p,
                            "WSSecEncryptResponse Caller (%s): the actions of %s do not encrypt "
                            "(add encrypted-key to its <actions>)",
                            d->encrypt_where, site->file);
    return NULL;
}

/* Checks WSSecEncryptResponse in every server and <Location>/<Directory>. */
static int check_encrypt(server_rec *s, apr_pool_t *ptemp)
{
    for (server_rec *v = s; v; v = v->next) {
        const gw_dir *def = ap_get_module_config(v->lookup_defaults, &wssec_gateway_module);
        core_server_config *sc = ap_get_core_module_config(v->module_config);
        apr_array_header_t *secs[2] = { sc->sec_url, sc->sec_dir };
        const char *why = def ? encrypt_refused(ptemp, def, def) : NULL;
        for (int k = 0; k < 2 && !why; k++)
            for (int i = 0; secs[k] && i < secs[k]->nelts && !why; i++) {
                ap_conf_vector_t *sec = ((ap_conf_vector_t **)secs[k]->elts)[i];
                const gw_dir *d = ap_get_module_config(sec, &wssec_gateway_module);
                if (d && def) why = encrypt_refused(ptemp, d, def);
            }
        if (why) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "wssec: %s", why);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

static int gw_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    gw_sites = NULL; /* this generation's files are read afresh */
    gw_replay_spec = NULL;
    return gw_replay_pre_config(pconf) == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static int gw_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    if (wssec_check_version(WSSEC_VERSION_NUMBER) != 0) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "wssec: libwssec %s is not compatible with the headers mod_wssec was "
                     "built with (%s)",
                     wssec_version(), WSSEC_VERSION);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (gw_stats_init(s, pconf) != OK) return HTTP_INTERNAL_SERVER_ERROR;
    for (gw_site *site = gw_sites; site; site = site->next) {
        int rc = site_build(site, s, pconf, ptemp);
        if (rc != OK) return rc;
    }
    return check_encrypt(s, ptemp);
}

static void gw_optional_fns(void) { gw_ssl_var = APR_RETRIEVE_OPTIONAL_FN(ssl_var_lookup); }

static void gw_child_init(apr_pool_t *pchild, server_rec *s) { gw_replay_child_init(pchild, s); }

/* ---- the request -------------------------------------------------------- */

/* A copy of @p in fit for a log line or a header: no control characters. */
static const char *printable(apr_pool_t *p, const char *in)
{
    char *out = apr_pstrdup(p, in ? in : "");
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    return out;
}

/* Whether header names @p a and @p b are the same once case is ignored and
 * '-' and '_' are taken as one (CGI, WSGI and PHP backends map both to '_'). */
static int same_header(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int ca = apr_tolower(*a), cb = apr_tolower(*b);
        if (ca == '_') ca = '-';
        if (cb == '_') cb = '-';
        if (ca != cb) return 0;
    }
    return *a == *b;
}

/* Removes every request header a client may have sent under @p name, in
 * any spelling a backend could take for it. */
static void unset_forged(request_rec *r, const char *name)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = apr_array_make(r->pool, 2, sizeof(const char *));
    for (int i = 0; i < arr->nelts; i++)
        if (e[i].key && same_header(e[i].key, name))
            *(const char **)apr_array_push(doomed) = e[i].key;
    for (int i = 0; i < doomed->nelts; i++)
        apr_table_unset(r->headers_in, ((const char **)doomed->elts)[i]);
}

/* The SOAP version of a request whose message could not be parsed. */
static int soap_version_of(request_rec *r, const wssec_msg *msg)
{
    int v = msg ? wssec_msg_soap_version(msg) : 0;
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    if (v) return v;
    return ct && !strncasecmp(ct, "application/soap+xml", 20) ? WSSEC_SOAP12 : WSSEC_SOAP11;
}

static void set_outcome(request_rec *r, const char *result, const char *code)
{
    apr_table_setn(r->notes, "WSSEC_RESULT", result);
    apr_table_setn(r->subprocess_env, "WSSEC_RESULT", result);
    apr_table_setn(r->notes, "WSSEC_CODE", code);
    apr_table_setn(r->subprocess_env, "WSSEC_CODE", code);
}

/*
 * Answers with the SOAP fault for @p err: SOAP 1.1, HTTP 500 and text/xml;
 * SOAP 1.2, application/soap+xml and 400 for a fault of the sender, 500 for
 * one of the receiver. The fault carries the generic reason; the precise
 * one goes to the error log, in the request's one wssec line.
 */
static int reject(request_rec *r, const wssec_error *err, int soap)
{
    unsigned char *fault = NULL;
    size_t len = 0;
    int receiver = wssec_code_category(err->code) == WSSEC_CAT_INTERNAL ||
                   err->code == WSSEC_EINVALID || err->code == WSSEC_ECONFIG;
    ap_log_rerror(APLOG_MARK, receiver ? APLOG_ERR : APLOG_WARNING, 0, r,
                  "wssec: rejected %s (%s): %s", wssec_code_name(err->code),
                  err->fault && *err->fault ? err->fault : "no fault",
                  printable(r->pool, err->message));
    set_outcome(r, "rejected", wssec_code_name(err->code));
    gw_stats_verdict(err->code, apr_time_now() - r->request_time);
    if (wssec_fault_serialize(&fault, &len, err, soap) != 0) return HTTP_INTERNAL_SERVER_ERROR;
    r->status = soap == WSSEC_SOAP12 && !receiver ? HTTP_BAD_REQUEST : HTTP_INTERNAL_SERVER_ERROR;
    ap_set_content_type(r, soap == WSSEC_SOAP12 ? "application/soap+xml; charset=utf-8"
                                                : "text/xml; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)len);
    ap_rwrite(fault, (int)len, r);
    wssec_free(fault);
    return DONE;
}

/* A rejection without a message object: built from a code and a reason. */
static int reject_code(request_rec *r, int code, const char *why, int soap)
{
    wssec_error e = { 0 };
    e.code = code;
    e.category = wssec_code_category(code);
    e.message = why;
    e.fault = wssec_code_fault(code);
    e.fault_ns = "";
    e.subject = "";
    e.file = "";
    return reject(r, &e, soap);
}

/*
 * Reads the whole body into @p out, refusing it as soon as it passes
 * @p max: a Content-Length over the limit is refused before anything is
 * read, a chunked body when its bytes pass the limit. The connection is
 * then closed rather than the rest read.
 * @return OK; HTTP_REQUEST_ENTITY_TOO_LARGE; another HTTP status on a read
 *         error.
 */
static int read_body(request_rec *r, apr_size_t max, char **out, apr_size_t *outlen)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_size_t cap = 16384, len = 0;
    char *buf;
    int eos = 0;

    if (cl) {
        apr_off_t n;
        char *end;
        if (apr_strtoff(&n, cl, &end, 10) != APR_SUCCESS || *end || n < 0) return HTTP_BAD_REQUEST;
        if ((apr_uint64_t)n > max) return HTTP_REQUEST_ENTITY_TOO_LARGE;
        cap = (apr_size_t)n + 1;
    }
    buf = apr_palloc(r->pool, cap);
    while (!eos) {
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        for (apr_bucket *b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t n;
            if (APR_BUCKET_IS_EOS(b)) {
                eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) continue;
            if ((rv = apr_bucket_read(b, &data, &n, APR_BLOCK_READ)) != APR_SUCCESS)
                return HTTP_BAD_REQUEST;
            if (n > max - len) return HTTP_REQUEST_ENTITY_TOO_LARGE;
            if (len + n > cap) {
                apr_size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                char *nbuf;
                while (ncap < len + n) ncap = ncap * 2 > max + 1 ? max + 1 : ncap * 2;
                nbuf = apr_palloc(r->pool, ncap);
                memcpy(nbuf, buf, len);
                buf = nbuf;
                cap = ncap;
            }
            memcpy(buf + len, data, n);
            len += n;
        }
        apr_brigade_cleanup(bb);
    }
    *out = buf;
    *outlen = len;
    return OK;
}

/* The Security header addressed to us (the configuration's actor), or NULL. */
static xmlNodePtr our_security(const wssec_msg *msg, const char *actor)
{
    int soap = wssec_msg_soap_version(msg);
    const char *ns = soap == WSSEC_SOAP12 ? WSSEC_NS_SOAP12 : WSSEC_NS_SOAP11;
    const char *next = soap == WSSEC_SOAP12 ? WSSEC_ROLE_SOAP12_NEXT : WSSEC_ROLE_SOAP11_NEXT;
    xmlNodePtr header = wssec_msg_header(msg);
    for (xmlNodePtr n = header ? header->children : NULL; n; n = n->next) {
        xmlChar *t;
        int ours;
        if (n->type != XML_ELEMENT_NODE || !n->ns ||
            !xmlStrEqual(n->ns->href, BAD_CAST WSSEC_NS_WSSE) ||
            !xmlStrEqual(n->name, BAD_CAST "Security"))
            continue;
        t = xmlGetNsProp(n, BAD_CAST(soap == WSSEC_SOAP12 ? "role" : "actor"), BAD_CAST ns);
        if (t && xmlStrEqual(t, BAD_CAST next)) ours = 1;
        else if (!actor)
            ours = !t || !*t ||
                   (soap == WSSEC_SOAP12 && xmlStrEqual(t, BAD_CAST WSSEC_ROLE_SOAP12_ULTIMATE));
        else ours = t && xmlStrEqual(t, BAD_CAST actor);
        xmlFree(t);
        if (ours) return n;
    }
    return NULL;
}

/* The SHA-256 of a PEM certificate in upper-case hex (as the library's
 * "sha256" property prints it), or NULL. */
static const char *pem_sha256(apr_pool_t *p, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char *hex = NULL;
    if (x && X509_digest(x, EVP_sha256(), md, &n) && n == 32) {
        hex = apr_palloc(p, 65);
        for (unsigned int i = 0; i < n; i++) {
            hex[2 * i] = "0123456789ABCDEF"[md[i] >> 4];
            hex[2 * i + 1] = "0123456789ABCDEF"[md[i] & 15];
        }
        hex[64] = '\0';
    }
    X509_free(x);
    BIO_free(bio);
    return hex;
}

/* The SHA-256 of the certificate of a verified signature's signer, from the
 * X.509 token the message carried, or NULL (no such signature, or its
 * certificate was not in the message). */
static const char *signer_sha256(const wssec_result *res, const char **signer)
{
    size_t n = wssec_result_token_count(res);
    *signer = NULL;
    for (size_t i = 0; i < n && !*signer; i++) {
        const wssec_token *t = wssec_result_token(res, i);
        if (!strcmp(wssec_token_type(t), "signature") && wssec_token_status(t) == 0)
            *signer = wssec_token_get(t, "signer");
    }
    for (size_t i = 0; *signer && i < n; i++) {
        const wssec_token *t = wssec_result_token(res, i);
        const char *subject = wssec_token_get(t, "subject");
        if (!strcmp(wssec_token_type(t), "x509-token") && wssec_token_status(t) == 0 && subject &&
            !strcmp(subject, *signer))
            return wssec_token_get(t, "sha256");
    }
    return NULL;
}

/*
 * WSSecTLSBindSigner: the TLS client certificate, verified by mod_ssl, must
 * be the very certificate (by SHA-256) of the message's signer, so that the
 * two layers name one party. Fails closed: no TLS, no verified client
 * certificate, no signer, or a signer whose certificate the message does
 * not carry (a reference by issuer and serial) is a refusal.
 * @return NULL when bound, else the reason (for the log).
 */
static const char *tls_unbound(request_rec *r, const wssec_result *res)
{
    char *verify =
        gw_ssl_var ? gw_ssl_var(r->pool, r->server, r->connection, r, (char *)"SSL_CLIENT_VERIFY")
                   : NULL;
    char *pem = gw_ssl_var
                    ? gw_ssl_var(r->pool, r->server, r->connection, r, (char *)"SSL_CLIENT_CERT")
                    : NULL;
    const char *tls_fp, *signer = NULL, *msg_fp = signer_sha256(res, &signer);
    if (!gw_ssl_var) return "WSSecTLSBindSigner: mod_ssl is not loaded";
    if (!verify || strcmp(verify, "SUCCESS") != 0 || !pem || !*pem)
        return apr_psprintf(r->pool,
                            "WSSecTLSBindSigner: no verified TLS client certificate "
                            "(SSL_CLIENT_VERIFY %s)",
                            verify && *verify ? verify : "none");
    if (!(tls_fp = pem_sha256(r->pool, pem)))
        return "WSSecTLSBindSigner: the TLS client certificate cannot be read";
    if (!signer) return "WSSecTLSBindSigner: the message has no verified signature";
    if (!msg_fp)
        return apr_psprintf(r->pool,
                            "WSSecTLSBindSigner: the certificate of the signer '%s' is "
                            "not in the message, so it cannot be compared",
                            signer);
    if (strcmp(tls_fp, msg_fp) != 0)
        return apr_psprintf(r->pool,
                            "WSSecTLSBindSigner: the TLS client certificate (SHA-256 "
                            "%s) is not the signer's ('%s', SHA-256 %s)",
                            tls_fp, signer, msg_fp);
    return NULL;
}

/* The TLS client certificate and the chain it sent, PEM, or NULL. */
static const char *tls_peer_pem(request_rec *r)
{
    char *leaf = gw_ssl_var(r->pool, r->server, r->connection, r, (char *)"SSL_CLIENT_CERT");
    const char *all = leaf;
    if (!leaf || !*leaf) return NULL;
    for (int i = 0; i < 10; i++) {
        char *c = gw_ssl_var(r->pool, r->server, r->connection, r,
                             apr_psprintf(r->pool, "SSL_CLIENT_CERT_CHAIN_%d", i));
        if (!c || !*c) break;
        all = apr_pstrcat(r->pool, all, "\n", c, NULL);
    }
    return all;
}

/*
 * The TLS client certificate (mod_ssl's SSL_CLIENT_CERT, with the chain the
 * client sent) for a message whose configuration counts on it
 * ("transport-client-cert required": WS-SecurityPolicy's HttpsToken with
 * RequireClientCertificate; the library validates it with a signer's rules
 * and makes it the caller of an unsigned message; other configurations do
 * not pay for the parsing). Without TLS or a client certificate, nothing is
 * set: the library then refuses the message.
 * @return 0, or a code (a certificate that does not parse, memory).
 */
static int pass_transport_cert(request_rec *r, wssec_msg *msg)
{
    const char *pem = gw_ssl_var ? tls_peer_pem(r) : NULL;
    BIO *bio;
    X509 *leaf = NULL, *x;
    STACK_OF(X509) *chain = NULL;
    int rc = 0;
    if (!pem) return 0;
    if (!(bio = BIO_new_mem_buf(pem, -1)) || !(chain = sk_X509_new_null())) rc = WSSEC_ENOMEM;
    else if (!(leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL))) rc = WSSEC_EINVALID;
    while (rc == 0 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(chain, x)) {
            X509_free(x);
            rc = WSSEC_ENOMEM;
        }
    ERR_clear_error(); /* the end of the PEM text */
    if (rc == 0) rc = wssec_msg_set_transport_cert(msg, leaf, chain);
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    BIO_free(bio);
    return rc;
}

/*
 * WSSecTLSPeerCheck (WebSphere's SSLPEER idea): the TLS client certificate
 * must pass the configuration's own rules for a signer — its trust anchors,
 * CRLs, subject and issuer constraints — checked by the library
 * (wssec_ctx_check_certs) on the certificate and the chain the client sent.
 * @return NULL when it passes, else the reason (for the log).
 */
static const char *tls_peer_refused(request_rec *r, const gw_site *site)
{
    char *verify =
        gw_ssl_var ? gw_ssl_var(r->pool, r->server, r->connection, r, (char *)"SSL_CLIENT_VERIFY")
                   : NULL;
    const char *pem = gw_ssl_var ? tls_peer_pem(r) : NULL, *why = NULL;
    wssec_result *res = NULL;
    int fd, rc;
    if (!gw_ssl_var) return "WSSecTLSPeerCheck: mod_ssl is not loaded";
    if (!verify || strcmp(verify, "SUCCESS") != 0 || !pem)
        return apr_psprintf(r->pool,
                            "WSSecTLSPeerCheck: no verified TLS client certificate "
                            "(SSL_CLIENT_VERIFY %s)",
                            verify && *verify ? verify : "none");
    /* the library reads certificates from a path: an anonymous file */
    if ((fd = memfd_create("wssec-tls-peer", MFD_CLOEXEC)) < 0)
        return "WSSecTLSPeerCheck: memfd_create failed";
    if (write(fd, pem, strlen(pem)) != (ssize_t)strlen(pem)) {
        close(fd);
        return "WSSecTLSPeerCheck: the certificate could not be written";
    }
    rc =
        wssec_ctx_check_certs(&res, site->ctx, apr_psprintf(r->pool, "/proc/self/fd/%d", fd), NULL);
    close(fd);
    if (rc != 0)
        why = apr_psprintf(r->pool, "WSSecTLSPeerCheck: TLS client certificate refused: %s",
                           res ? wssec_result_error(res)->message : wssec_code_name(rc));
    wssec_result_free(res);
    return why;
}

/* Serves the processed message to the handler, then EOS. */
static apr_status_t body_filter(ap_filter_t *f, apr_bucket_brigade *bb, ap_input_mode_t mode,
                                apr_read_type_e block, apr_off_t readbytes)
{
    gw_req *st = f->ctx;
    apr_size_t n = st->len - st->sent;
    (void)block;
    if (mode != AP_MODE_READBYTES && mode != AP_MODE_SPECULATIVE) return APR_ENOTIMPL;
    if (n == 0) {
        /* EOS again on every later read, as HTTP_IN does: an error here
         * would make httpd drop a keep-alive connection after the response */
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        if (mode == AP_MODE_READBYTES) st->eos_sent = 1;
        return APR_SUCCESS;
    }
    if (readbytes > 0 && (apr_uint64_t)readbytes < n) n = (apr_size_t)readbytes;
    APR_BRIGADE_INSERT_TAIL(bb,
                            apr_bucket_immortal_create(st->body + st->sent, n, f->c->bucket_alloc));
    if (mode == AP_MODE_READBYTES) st->sent += n;
    return APR_SUCCESS;
}

/* The output filter's state: the response held until its end. */
typedef struct gw_out {
    const gw_site *site;
    wssec_msg *response; /* made with the request (gw_req), or NULL */
    apr_bucket_brigade *held;
    apr_size_t len;
    int failed;
} gw_out;

/* Secures the whole response @p in, in @p prepared (the request's
 * confirmations in it; the request pool frees it) or a new message; 0 and
 * the bytes in @p out, or a code. */
static int secure_response(request_rec *r, const gw_site *site, wssec_msg *prepared,
                           const char *in, apr_size_t len, const char **out, apr_size_t *outlen)
{
    wssec_msg *msg = prepared;
    unsigned char *bytes = NULL;
    size_t n = 0;
    int rc = msg ? 0 : wssec_msg_new(&msg, site->ctx);
    if (rc == 0) rc = wssec_msg_parse(msg, in, len);
    if (rc == 0) rc = wssec_secure(msg, NULL);
    if (rc == 0) rc = wssec_msg_serialize(&bytes, &n, msg);
    if (rc != 0) {
        const wssec_error *e = msg ? wssec_msg_error(msg) : NULL;
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "wssec: response not secured, refused: %s (%s)",
                      printable(r->pool, e && e->message ? e->message : ""), wssec_code_name(rc));
    } else {
        *out = apr_pmemdup(r->pool, bytes, n);
        *outlen = n;
    }
    wssec_free(bytes);
    if (msg != prepared) wssec_msg_free(msg);
    return rc;
}

/*
 * WSSEC_SECURE (WSSecSecureResponse On): holds the handler's response,
 * bounded by max-message-size, and at its end secures it with the
 * configuration's actions (a Timestamp, the gateway's signature...), with
 * Content-Length corrected. A response that cannot be secured (not SOAP,
 * too large, no signing key) is never sent as it was: the client gets a
 * SOAP fault of the receiver (HTTP 500) and the reason goes to the log.
 */
static apr_status_t secure_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    gw_out *o = f->ctx;
    apr_bucket *b;
    if (!o->held) o->held = apr_brigade_create(r->pool, f->c->bucket_alloc);
    while ((b = APR_BRIGADE_FIRST(bb)) != APR_BRIGADE_SENTINEL(bb)) {
        const char *data;
        apr_size_t n;
        char *flat = NULL;
        apr_size_t flen = 0, outlen = 0;
        const char *out = NULL;
        int soap;
        if (APR_BUCKET_IS_EOS(b)) {
            APR_BUCKET_REMOVE(b);
            soap = apr_table_get(r->headers_out, "Content-Type") &&
                           !strncasecmp(apr_table_get(r->headers_out, "Content-Type"),
                                        "application/soap+xml", 20)
                       ? WSSEC_SOAP12
                       : WSSEC_SOAP11;
            if (!o->failed && apr_brigade_pflatten(o->held, &flat, &flen, r->pool) == APR_SUCCESS &&
                secure_response(r, o->site, o->response, flat, flen, &out, &outlen) == 0) {
                apr_brigade_cleanup(o->held);
                APR_BRIGADE_INSERT_TAIL(
                    o->held, apr_bucket_pool_create(out, outlen, r->pool, f->c->bucket_alloc));
            } else {
                unsigned char *fault = NULL;
                size_t fl = 0;
                wssec_error e = { 0 };
                e.code = WSSEC_EINTERNAL;
                e.category = wssec_code_category(e.code);
                e.message = e.fault_ns = e.subject = e.file = "";
                e.fault = wssec_code_fault(e.code);
                apr_brigade_cleanup(o->held);
                if (wssec_fault_serialize(&fault, &fl, &e, soap) == 0) {
                    out = apr_pmemdup(r->pool, fault, fl);
                    outlen = fl;
                }
                wssec_free(fault);
                r->status = HTTP_INTERNAL_SERVER_ERROR;
                set_outcome(r, "rejected", "response");
                if (out)
                    APR_BRIGADE_INSERT_TAIL(
                        o->held, apr_bucket_pool_create(out, outlen, r->pool, f->c->bucket_alloc));
            }
            ap_set_content_length(r, (apr_off_t)outlen);
            APR_BRIGADE_INSERT_TAIL(o->held, b);
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, o->held);
        }
        if (APR_BUCKET_IS_METADATA(b)) { /* a FLUSH: nothing leaves before the end */
            apr_bucket_delete(b);
            continue;
        }
        if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS ||
            n > o->site->max_size - o->len) {
            if (!o->failed)
                ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                              "wssec: response larger than max-message-size or unreadable");
            o->failed = 1;
            apr_bucket_delete(b);
            continue;
        }
        o->len += n;
        APR_BUCKET_REMOVE(b);
        if (o->failed) {
            apr_bucket_destroy(b);
            continue;
        }
        apr_bucket_setaside(b, r->pool);
        APR_BRIGADE_INSERT_TAIL(o->held, b);
    }
    return APR_SUCCESS;
}

/* The accepted message goes on: headers, notes, variables and the body. */
static void pass_on(request_rec *r, const gw_dir *d, gw_req *st, const char *caller,
                    const char *asserted, int count)
{
    const char *ch = d->caller_header ? d->caller_header : GW_DEFAULT_CALLER;
    const char *ah = d->asserted_header ? d->asserted_header : GW_DEFAULT_ASSERTED;
    if (caller) {
        caller = printable(r->pool, caller);
        apr_table_setn(r->headers_in, ch, caller);
        apr_table_setn(r->notes, "WSSEC_CALLER", caller);
        apr_table_setn(r->subprocess_env, "WSSEC_CALLER", caller);
    }
    if (asserted) {
        asserted = printable(r->pool, asserted);
        apr_table_setn(r->headers_in, ah, asserted);
        apr_table_setn(r->notes, "WSSEC_ASSERTED_BY", asserted);
        apr_table_setn(r->subprocess_env, "WSSEC_ASSERTED_BY", asserted);
    }
    set_outcome(r, "accepted", "OK");
    if (count) gw_stats_verdict(0, apr_time_now() - r->request_time);
    apr_table_unset(r->headers_in, "Transfer-Encoding");
    apr_table_setn(r->headers_in, "Content-Length", apr_off_t_toa(r->pool, (apr_off_t)st->len));
    /* the backend gets a Content-Length even for a body mod_proxy cannot
     * hold in memory (it spools it) rather than a chunked one */
    if (!apr_table_get(r->subprocess_env, "proxy-sendchunked"))
        apr_table_setn(r->subprocess_env, "proxy-sendcl", "1");
    ap_set_module_config(r->request_config, &wssec_gateway_module, st);
    ap_add_input_filter("WSSEC_BODY", st, r, r->connection);
    if (count && d->secure_out == 1) { /* an internal redirect keeps the first's */
        gw_out *o = apr_pcalloc(r->pool, sizeof(*o));
        o->site = st->site;
        o->response = st->response;
        ap_add_output_filter("WSSEC_SECURE", o, r, r->connection);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "wssec: accepted caller '%s'%s%s",
                  caller ? caller : "", asserted ? " asserted by " : "", asserted ? asserted : "");
}

static apr_status_t free_wssec(void *p)
{
    wssec_free(p);
    return APR_SUCCESS;
}

static apr_status_t free_msg(void *p)
{
    wssec_msg_free(p);
    return APR_SUCCESS;
}

/*
 * WSSecSecureResponse: the response's message, made now, while the
 * request's result still exists, with the SignatureValues it confirms (a
 * response secured with the "signature-confirmation" action confirms them;
 * without that action they are unused). NULL when it cannot be made: the
 * response is then secured without them, and an action that needs them
 * refuses it (a receiver fault), never a response that confirms nothing.
 */
static wssec_msg *response_for(request_rec *r, const gw_site *site, const wssec_result *res)
{
    wssec_msg *resp = NULL;
    int rc = wssec_msg_new(&resp, site->ctx);
    if (rc == 0) rc = wssec_msg_confirm_signatures(resp, res);
    if (rc != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "wssec: the request's signatures cannot be kept for the response's "
                      "SignatureConfirmation: %s",
                      resp ? printable(r->pool, wssec_msg_error(resp)->message)
                           : wssec_code_name(rc));
        wssec_msg_free(resp);
        return NULL;
    }
    apr_pool_cleanup_register(r->pool, resp, free_msg, apr_pool_cleanup_null);
    return resp;
}

/*
 * WSSecEncryptResponse Caller: the response is encrypted for the
 * certificate of the request's verified signer (the message takes its own
 * reference, so the result may go). A request whose caller has no
 * certificate (a UsernameToken, an asserted identity) is refused before the
 * handler runs: its response could not be encrypted for it, and is never
 * sent in the clear nor to the configuration's fixed recipient instead.
 * @return NULL, or the reason (for the log).
 */
static const char *encrypt_for_caller(request_rec *r, wssec_msg *response,
                                      const wssec_result *res)
{
    X509 *cert = wssec_result_caller_cert(res);
    if (!response)
        return "WSSecEncryptResponse Caller: the response's message could not be made";
    if (!cert)
        return apr_psprintf(r->pool,
                            "WSSecEncryptResponse Caller: the caller '%s' has no certificate "
                            "(not a verified X.509 signer), so the response cannot be "
                            "encrypted for it",
                            printable(r->pool, wssec_result_caller(res)));
    if (wssec_msg_set_recipient(response, cert) != 0)
        return apr_psprintf(r->pool, "WSSecEncryptResponse Caller: %s",
                            printable(r->pool, wssec_msg_error(response)->message));
    return NULL;
}

/*
 * Verifies the message of the request under @p site; on acceptance hands it
 * on (pass_on), else answers with the fault.
 */
static int verify_request(request_rec *r, const gw_dir *d, const gw_site *site, const char *buf,
                          apr_size_t len)
{
    wssec_msg *msg = NULL;
    wssec_result *res = NULL;
    unsigned char *out = NULL;
    size_t outlen = 0;
    const char *caller = NULL, *asserted = NULL;
    wssec_msg *response = NULL;
    int rc, status;

    rc = wssec_msg_new(&msg, site->ctx);
    if (rc == 0) rc = wssec_msg_parse(msg, buf, len);
    if (rc == 0 && site->transport_cert && (rc = pass_transport_cert(r, msg)) != 0 &&
        !wssec_msg_error(msg)->code) {
        status = reject_code(r, rc, "the TLS client certificate cannot be read",
                             soap_version_of(r, msg));
        goto done;
    }
    if (rc == 0) rc = wssec_verify(&res, msg);
    if (rc != 0) {
        const wssec_error *e = res ? wssec_result_error(res) : wssec_msg_error(msg);
        status = msg ? reject(r, e, soap_version_of(r, msg))
                     : reject_code(r, rc, "no memory for a message", soap_version_of(r, NULL));
        goto done;
    }
    if (d->bind_tls == 1) {
        const char *why = tls_unbound(r, res);
        if (why) {
            status = reject_code(r, WSSEC_EAUTH, why, soap_version_of(r, msg));
            goto done;
        }
    }
    if (wssec_result_caller(res)) caller = apr_pstrdup(r->pool, wssec_result_caller(res));
    if (wssec_result_asserted_by(res))
        asserted = apr_pstrdup(r->pool, wssec_result_asserted_by(res));
    if (d->secure_out == 1) response = response_for(r, site, res);
    if (d->encrypt_out == 1 && (d->secure_out != 1 || !site->encrypts)) {
        /* a section the start-up check does not see (<If>, <Files>...) */
        status = reject_code(r, WSSEC_ECONFIG,
                             "WSSecEncryptResponse Caller where the response is not secured "
                             "(WSSecSecureResponse On) or the actions do not encrypt",
                             soap_version_of(r, msg));
        goto done;
    }
    if (d->secure_out == 1 && d->encrypt_out == 1) {
        const char *why = encrypt_for_caller(r, response, res);
        if (why) {
            status = reject_code(r, WSSEC_EPOLICY, why, soap_version_of(r, msg));
            goto done;
        }
    }
    wssec_result_free(res); /* it points into the document changed below */
    res = NULL;
    if (d->strip == 1) {
        xmlNodePtr sec = our_security(msg, site->actor);
        if (sec) {
            xmlUnlinkNode(sec);
            xmlFreeNode(sec);
        }
    }
    if ((rc = wssec_msg_serialize(&out, &outlen, msg)) != 0) {
        status = reject(r, wssec_msg_error(msg), soap_version_of(r, msg));
        goto done;
    }
    apr_pool_cleanup_register(r->pool, out, free_wssec, apr_pool_cleanup_null);
    gw_req *st = apr_pcalloc(r->pool, sizeof(*st));
    st->site = site;
    st->caller = caller;
    st->asserted = asserted;
    st->body = (const char *)out;
    st->len = outlen;
    st->response = response;
    pass_on(r, d, st, caller, asserted, 1);
    status = OK;
done:
    wssec_result_free(res);
    wssec_msg_free(msg);
    return status;
}

/*
 * An internal redirect (ErrorDocument, mod_rewrite in a directory...) of a
 * request we accepted, to a location of the same configuration: the same
 * verdict, headers and body again (the body as the first location made it:
 * its WSSecStripSecurity applied). Anything else fails closed: the body is
 * gone, or was never checked under this location's configuration.
 */
static int redirected(request_rec *r, const gw_dir *d)
{
    request_rec *first = r;
    gw_req *st, *again;
    while (first->prev) first = first->prev;
    st = ap_get_module_config(first->request_config, &wssec_gateway_module);
    if (!st || st->site != d->site) {
        set_outcome(r, "rejected", "redirect");
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "wssec: rejected: an internal redirect into a WSSecConfig location from a "
                      "request %s",
                      st ? "checked under another configuration" : "not checked");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    again = apr_pmemdup(r->pool, st, sizeof(*st));
    again->sent = 0;
    again->eos_sent = 0;
    pass_on(r, d, again, st->caller, st->asserted, 0);
    return OK;
}

static int gw_fixups(request_rec *r)
{
    const gw_dir *d = ap_get_module_config(r->per_dir_config, &wssec_gateway_module);
    const gw_site *site = d->site;
    char *buf = NULL;
    apr_size_t len = 0;
    int status;

    if (!site || site == &gw_off || r->main) return DECLINED;
    /* never let a client name the caller */
    unset_forged(r, d->caller_header ? d->caller_header : GW_DEFAULT_CALLER);
    unset_forged(r, d->asserted_header ? d->asserted_header : GW_DEFAULT_ASSERTED);
    if (r->prev) return redirected(r, d);
    if (!site->ctx) return HTTP_INTERNAL_SERVER_ERROR;
    if (r->method_number != M_POST) {
        apr_table_setn(r->headers_out, "Allow", "POST");
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "wssec: rejected method %s",
                      printable(r->pool, r->method));
        set_outcome(r, "rejected", "method");
        gw_stats_verdict(GW_REJECT_METHOD, -1);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (d->peer_check == 1) {
        const char *why = tls_peer_refused(r, site);
        if (why) {
            r->connection->keepalive = AP_CONN_CLOSE; /* the body is never read */
            return reject_code(r, WSSEC_EUNTRUSTED, why, soap_version_of(r, NULL));
        }
    }
    status = read_body(r, site->max_size, &buf, &len);
    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        r->connection->keepalive = AP_CONN_CLOSE; /* the rest is never read */
        return reject_code(
            r, WSSEC_ELIMIT,
            apr_psprintf(r->pool, "body larger than max-message-size %" APR_SIZE_T_FMT " bytes",
                         site->max_size),
            soap_version_of(r, NULL));
    }
    if (status != OK) {
        r->connection->keepalive = AP_CONN_CLOSE;
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "wssec: rejected: body not read (%d)",
                      status);
        set_outcome(r, "rejected", "read");
        gw_stats_verdict(GW_REJECT_READ, -1);
        return status;
    }
    return verify_request(r, d, site, buf, len);
}

static void gw_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(gw_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(gw_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(gw_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_optional_fn_retrieve(gw_optional_fns, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(gw_fixups, NULL, NULL, APR_HOOK_LAST);
    ap_hook_handler(gw_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_input_filter("WSSEC_BODY", body_filter, NULL, AP_FTYPE_RESOURCE);
    ap_register_output_filter("WSSEC_SECURE", secure_filter, NULL, AP_FTYPE_CONTENT_SET);
}

GW_EXPORT AP_DECLARE_MODULE(wssec_gateway) = {
    STANDARD20_MODULE_STUFF, gw_dir_create, gw_dir_merge, NULL, NULL, gw_cmds, gw_register_hooks
};
