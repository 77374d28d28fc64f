/*
 * The LTPA token module: WebSphere's LTPA tokens (LtpaToken2 and, by
 * choice, LtpaToken) as BinarySecurityTokens, on the wssec module SDK.
 *
 *   <wsse:BinarySecurityToken wsu:Id="LTPA-..."
 *       ValueType="http://www.ibm.com/websphere/appserver/tokentype/LTPAv2"
 *       EncodingType="...#Base64Binary">base64(AES-128-CBC(...))</wsse:BinarySecurityToken>
 *
 * Consumer (both ValueTypes; v1 only with v1=yes): the token decrypts with
 * the key file's shared key, its signature verifies with the key file's
 * public key, then its signed expiry (v2; v1 has only an unsigned one) is
 * checked at the message's clock and its realm against realm= when given.
 * The user (the unique ID after the realm) becomes the caller. Each refusal
 * says why in the local error; the fault on the wire is always
 * wsse:FailedAuthentication. Generator (actions "ltpa-token", v2, and
 * "ltpa-token-v1"): a token for the configured user.
 *
 *   wssec verify --plugin ./ltpa_token.so::key-file=ltpa.keys,password-file=ltpa.pw ...
 *   wssec secure --plugin ./ltpa_token.so::key-file=ltpa.keys,password-file=ltpa.pw,user=carol \
 *                --actions timestamp,ltpa-token ...
 *
 * The argument is a comma-separated list of NAME=VALUE (a backslash keeps
 * a comma or backslash in a value, as DNs need):
 *   key-file=PATH        WebSphere's exported key file (required)
 *   password-file=PATH   the key-file password: the file's bytes, a final
 *   password-env=NAME    line end dropped; or an environment variable.
 *                        One of them is required; never the password itself.
 *   realm=NAME           consumer: the realm a token must name; generator:
 *                        the realm written (default: the key file's Realm)
 *   user=ID              generator: the user (default: the outbound username)
 *   ttl=SECONDS          generator: the token's lifetime (default 7200)
 *   skew=SECONDS         consumer: tolerated clock difference (default 0)
 *   v1=yes               consumer: accept LTPA v1 tokens too (their expiry
 *                        is not signed: a holder can extend it)
 *   trusted-ou=OU        also install a trusted-ID evaluator that trusts
 *                        upstreams proven by signature whose subject has OU=OU
 *
 * It is not linked with libwssec: the process that loads it provides it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/crypto.h>

#include <wssec/wssec.h>
#include <wssec/sys/sdk.h>

#include "ltpa.h"

#define LTPA_FAULT "wsse:FailedAuthentication"

typedef struct ltpa {
    wssec_module v2, v1; /* registered; their userdata is this state */
    ltpa_keys keys;
    char user[LTPA_MAX_NAME], realm[LTPA_MAX_NAME];
    long ttl, skew; /* seconds */
    int accept_v1;
    char trusted_ou[300]; /* normalised "ou=..." or "" */
} ltpa;

WSSEC_PLUGIN_EXPORT int wssec_plugin_init(wssec_plugin *plugin, wssec_config *cfg, const char *arg);

/* ---- consumer ---- */

static int code_of(int rc)
{
    switch (rc) {
    case LTPA_ESIZE: return WSSEC_ELIMIT;
    case LTPA_EFORMAT: return WSSEC_ETOKEN;
    case LTPA_ENOMEM: return WSSEC_ENOMEM;
    case LTPA_EINTERNAL: return WSSEC_EINTERNAL;
    default: return WSSEC_EAUTH; /* does not decrypt, bad signature */
    }
}

/* The facts of a good token, for reports; then the expiry and the realm. */
static int accept_token(wssec_msg *msg, wssec_token *t, xmlNodePtr elem, const ltpa *st,
                        const ltpa_token *tok)
{
    char until[40];
    if (wssec_time_format(until, sizeof(until), tok->expiry, 1))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, LTPA_FAULT, elem,
                              "LTPA v%d token: its expiry is out of range", tok->version);
    if (wssec_token_set(t, "user", tok->user) || wssec_token_set(t, "realm", tok->realm) ||
        wssec_token_set(t, "version", tok->version == 2 ? "2" : "1") ||
        wssec_token_set(t, "expires", until))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    if (wssec_msg_now(msg) > tok->expiry + (int64_t)st->skew * 1000)
        return wssec_msg_fail(msg, WSSEC_EEXPIRED, LTPA_FAULT, elem,
                              "LTPA v%d token for '%s' (realm '%s') expired at %s (skew %ld s)",
                              tok->version, tok->user, tok->realm, until, st->skew);
    if (st->realm[0] && strcmp(st->realm, tok->realm) != 0)
        return wssec_msg_fail(msg, WSSEC_EAUTH, LTPA_FAULT, elem,
                              "LTPA v%d token for '%s' is of realm '%s', not '%s'", tok->version,
                              tok->user, tok->realm, st->realm);
    if (wssec_token_set_identity(t, tok->user))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    return wssec_msg_set_caller(msg, t);
}

static int consume(wssec_msg *msg, xmlNodePtr elem, const ltpa *st, int version)
{
    wssec_token *t = wssec_msg_add_token(msg, "ltpa-token", elem);
    if (!t) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    if (version == 1 && !st->accept_v1)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, LTPA_FAULT, elem,
                              "LTPA v1 token refused: its expiry is not signed (the plug-in "
                              "argument v1=yes accepts them)");
    const char *enc = wssec_xml_attr(elem, "EncodingType");
    if (enc && strcmp(enc, WSSEC_ENC_BASE64) != 0 && strcmp(enc, "wsse:Base64Binary") != 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, LTPA_FAULT, elem,
                              "LTPA token: EncodingType must be Base64Binary");
    unsigned char *ct = NULL;
    size_t len = 0;
    int rc = wssec_msg_b64_elem(&ct, &len, msg, elem); /* bounded by max-token-size */
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, elem, "out of memory");
    if (rc)
        return wssec_msg_fail(msg, rc == WSSEC_ELIMIT ? rc : WSSEC_ETOKEN, LTPA_FAULT, elem,
                              "LTPA v%d token refused: %s", version,
                              rc == WSSEC_ELIMIT ? "it is larger than max-token-size"
                                                 : "it is empty or not base64");
    ltpa_token tok;
    char why[300];
    rc = ltpa_decode(&tok, &st->keys, version, ct, len, why, sizeof(why));
    wssec_free(ct);
    if (rc)
        return wssec_msg_fail(msg, code_of(rc), rc == LTPA_ENOMEM ? NULL : LTPA_FAULT, elem,
                              "LTPA v%d token refused: %s", version, why);
    rc = accept_token(msg, t, elem, st, &tok);
    ltpa_token_clear(&tok);
    return rc;
}

static int consume_v2(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    return consume(msg, elem, ud, 2);
}

static int consume_v1(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    return consume(msg, elem, ud, 1);
}

/* ---- generator ---- */

static int generate(wssec_msg *msg, const ltpa *st, int version)
{
    const char *user = st->user[0] ? st->user : wssec_msg_username(msg);
    const char *realm = st->realm[0] ? st->realm : st->keys.realm;
    if (!user || !*user || !*realm)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "ltpa-token: no %s (the plug-in argument %s)",
                              !user || !*user ? "user" : "realm",
                              !user || !*user ? "user=ID, or a username" : "realm=NAME");
    int64_t expiry = wssec_msg_now(msg) + (int64_t)st->ttl * 1000;
    char userdata[LTPA_MAX_USERDATA + 1], why[200], *b64 = NULL;
    if (ltpa_userdata(userdata, sizeof(userdata), version, realm, user, expiry))
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "ltpa-token: the user or realm is too long, or the realm has a '/'");
    int rc = ltpa_encode(&b64, &st->keys, version, userdata, expiry, why, sizeof(why));
    if (rc)
        return wssec_msg_fail(msg, rc == LTPA_ENOMEM ? WSSEC_ENOMEM : WSSEC_EINTERNAL, NULL, NULL,
                              "ltpa-token: %s", why);
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    xmlNodePtr bst = sec ? wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "wsse",
                                              "BinarySecurityToken", b64)
                         : NULL;
    OPENSSL_free(b64);
    if (!bst || !wssec_msg_new_id(msg, bst, "LTPA") ||
        !xmlSetProp(bst, BAD_CAST "ValueType", BAD_CAST(version == 2 ? LTPA_VT_V2 : LTPA_VT_V1)) ||
        !xmlSetProp(bst, BAD_CAST "EncodingType", BAD_CAST WSSEC_ENC_BASE64))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    /* into the outbound token store, where later generators find it */
    if (!wssec_msg_add_token(msg, "ltpa-token", bst))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return 0;
}

static int generate_v2(wssec_msg *msg, void *ud)
{
    return generate(msg, ud, 2);
}

static int generate_v1(wssec_msg *msg, void *ud)
{
    return generate(msg, ud, 1);
}

/* ---- an optional trusted-ID evaluator ---- */

/* 1 when the normalised DN has the AVA want ("ou=gateways") in any RDN. */
static int dn_has_ava(const char *dn, const char *want)
{
    size_t wl = strlen(want);
    const char *p = dn;
    while (*p) {
        const char *start = p;
        while (*p && *p != ',' && *p != '+') {
            if (*p == '\\' && p[1]) p++;
            p++;
        }
        if ((size_t)(p - start) == wl && memcmp(start, want, wl) == 0) return 1;
        if (*p) p++;
    }
    return 0;
}

static int ou_evaluator(const wssec_upstream *up, char *why, size_t whylen, void *ud)
{
    const ltpa *st = ud;
    if (up->proof != WSSEC_PROOF_SIGNATURE) {
        snprintf(why, whylen, "the ltpa plug-in trusts only upstreams proven by signature");
        return 0;
    }
    if (dn_has_ava(up->normalized, st->trusted_ou)) return 1;
    snprintf(why, whylen, "its subject has no %s (the ltpa plug-in's trusted-ou)", st->trusted_ou);
    return 0;
}

/* ---- the argument ---- */

static void ltpa_free(void *state)
{
    ltpa *st = state;
    if (!st) return;
    ltpa_keys_clear(&st->keys);
    OPENSSL_cleanse(st, sizeof(*st));
    free(st);
}

/* Copies a non-empty value that fits; 1 when it does not. */
static int copy(char *dst, size_t size, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= size) return 1;
    memcpy(dst, v, n + 1);
    return 0;
}

static int parse_seconds(const char *v, long *out)
{
    char *end = NULL;
    long s = strtol(v, &end, 10);
    if (!*v || *end || s < 0 || s > 86400 * 366) return -1;
    *out = s;
    return 0;
}

/* The password: a file's bytes (a final line end dropped) or a variable's value. */
static int read_password(char *pw, size_t size, size_t *len, const char *file, const char *env,
                         char *why, size_t wl)
{
    if (env[0]) {
        const char *v = getenv(env);
        if (!v || strlen(v) >= size) {
            snprintf(why, wl, "password-env %s is %s", env, v ? "too long" : "not set");
            return -1;
        }
        *len = strlen(v);
        memcpy(pw, v, *len + 1);
        return 0;
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        snprintf(why, wl, "password-file %s cannot be opened", file);
        return -1;
    }
    size_t n = fread(pw, 1, size, f);
    int err = ferror(f);
    fclose(f);
    while (n && n < size && (pw[n - 1] == '\n' || pw[n - 1] == '\r')) n--;
    if (err || n >= size) {
        snprintf(why, wl, "password-file %s: %s", file, err ? "read error" : "too long");
        return -1;
    }
    pw[n] = '\0';
    *len = n;
    return 0;
}

typedef struct args {
    char key_file[1024], pw_file[1024], pw_env[128];
} args;

/* One NAME=VALUE item. @return 0, or 1 for a bad value, or -1 for an unknown name. */
static int set_arg(ltpa *st, args *a, const char *name, const char *v)
{
    if (!strcmp(name, "key-file")) return copy(a->key_file, sizeof(a->key_file), v);
    if (!strcmp(name, "password-file")) return copy(a->pw_file, sizeof(a->pw_file), v);
    if (!strcmp(name, "password-env")) return copy(a->pw_env, sizeof(a->pw_env), v);
    if (!strcmp(name, "user")) return copy(st->user, sizeof(st->user), v);
    if (!strcmp(name, "realm")) return strchr(v, '/') || copy(st->realm, sizeof(st->realm), v);
    if (!strcmp(name, "ttl")) return parse_seconds(v, &st->ttl) || st->ttl == 0;
    if (!strcmp(name, "skew")) return parse_seconds(v, &st->skew) != 0;
    if (!strcmp(name, "v1")) {
        st->accept_v1 = !strcmp(v, "yes");
        return !st->accept_v1 && strcmp(v, "no") != 0;
    }
    if (!strcmp(name, "trusted-ou")) {
        /* compared with the upstream's normalised DN, so normalised alike */
        char dn[300], *norm = NULL;
        snprintf(dn, sizeof(dn), "OU=%s", v);
        int bad = !*v || wssec_dn_normalize(&norm, dn) != 0 ||
                  copy(st->trusted_ou, sizeof(st->trusted_ou), norm);
        wssec_free(norm);
        return bad;
    }
    return -1;
}

/* Splits "a=1,b=x\,y" into items (a backslash keeps the next character). */
static int parse_args(wssec_plugin *plugin, ltpa *st, args *a, const char *arg)
{
    char item[1100];
    for (const char *p = arg; *p;) {
        size_t n = 0;
        for (; *p && *p != ','; p++) {
            if (*p == '\\' && p[1]) p++;
            if (n + 1 >= sizeof(item))
                return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "argument too long");
            item[n++] = *p;
        }
        item[n] = '\0';
        if (*p) p++;
        char *eq = strchr(item, '=');
        if (!eq)
            return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "argument '%s' is not NAME=VALUE",
                                     item);
        *eq = '\0';
        int bad = set_arg(st, a, item, eq + 1);
        if (bad < 0)
            return wssec_plugin_fail(plugin, WSSEC_ECONFIG,
                                     "unknown argument '%s' (key-file, password-file, password-env, "
                                     "realm, user, ttl, skew, v1, trusted-ou)",
                                     item);
        if (bad) return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "bad value for %s", item);
    }
    return 0;
}

static int load_keys(wssec_plugin *plugin, ltpa *st, const args *a)
{
    if (!a->key_file[0])
        return wssec_plugin_fail(plugin, WSSEC_ECONFIG,
                                 "no key: give the argument key-file=PATH (WebSphere's exported "
                                 "LTPA keys)");
    if (!a->pw_file[0] == !a->pw_env[0])
        return wssec_plugin_fail(plugin, WSSEC_ECONFIG,
                                 "key-file %s: give its password with one of password-file=PATH "
                                 "and password-env=NAME",
                                 a->key_file);
    char pw[LTPA_MAX_PASSWORD + 1], why[300];
    size_t pwlen = 0;
    int rc = read_password(pw, sizeof(pw), &pwlen, a->pw_file, a->pw_env, why, sizeof(why));
    if (!rc) rc = ltpa_keys_load(&st->keys, a->key_file, pw, pwlen, why, sizeof(why));
    OPENSSL_cleanse(pw, sizeof(pw));
    if (rc == LTPA_ENOMEM) return wssec_plugin_fail(plugin, WSSEC_ENOMEM, "out of memory");
    if (rc) return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "key-file %s: %s", a->key_file, why);
    return 0;
}

/* ---- the entry point ---- */

int wssec_plugin_init(wssec_plugin *plugin, wssec_config *cfg, const char *arg)
{
    if (wssec_check_version(WSSEC_VERSION_NUMBER))
        return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "built for wssec %s, loaded by wssec %s",
                                 WSSEC_VERSION, wssec_version());
    ltpa *st = calloc(1, sizeof(*st));
    if (!st) return wssec_plugin_fail(plugin, WSSEC_ENOMEM, "out of memory");
    wssec_plugin_set_state(plugin, st, ltpa_free); /* freed with the context, or now on failure */
    st->ttl = 7200;
    args a = { "", "", "" };
    int rc = parse_args(plugin, st, &a, arg);
    if (!rc) rc = load_keys(plugin, st, &a);
    if (rc) return rc;

    st->v2 = (wssec_module){
        .version = WSSEC_MODULE_VERSION, .name = "ltpa-token", .ns = WSSEC_NS_WSSE,
        .local = "BinarySecurityToken", .value_type = LTPA_VT_V2, .consume = consume_v2,
        .generate = generate_v2, .userdata = st,
    };
    st->v1 = st->v2;
    st->v1.name = "ltpa-token-v1";
    st->v1.value_type = LTPA_VT_V1;
    st->v1.consume = consume_v1;
    st->v1.generate = generate_v1;
    rc = wssec_config_add_module(cfg, &st->v2);
    if (!rc) rc = wssec_config_add_module(cfg, &st->v1);
    if (rc) return rc; /* the configuration's error says why */
    if (st->trusted_ou[0]) wssec_config_set_trusted_id_evaluator(cfg, ou_evaluator, st);
    return 0;
}
