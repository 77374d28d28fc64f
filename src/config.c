/*
 * wssec — configuration: the option table shared by the command line, the
 * configuration file and wssec_config_set(), and the module registry.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "config.h"
#include "context.h"
#include "algs.h"
#include "bsp.h"
#include "error.h"
#include "global.h"
#include "registry.h"
#include "replay_url.h"
#include "settings.h"
#include "util.h"
#include "xml.h"

/* The configuration schema, built into the library (generated from schemas/). */
extern const unsigned char wssec__config_xsd[];
extern const size_t wssec__config_xsd_len;

#define DEFAULT_REQUIRE (WSSEC_REQ_TIMESTAMP | WSSEC_REQ_SIGNATURE)

void wssec__settings_init(wssec_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->max_message_size = 4u * 1024 * 1024;
    s->max_depth = 256;
    s->max_nodes = 200000;
    s->max_attributes = 64;
    s->max_namespaces = 64;
    s->max_namespaces_in_scope = 256;
    s->max_token_size = 256u * 1024;
    s->clock_skew_ms = 60 * 1000;
    s->max_age_ms = 300 * 1000;
    s->timestamp_ttl_ms = 300 * 1000;
    s->timestamp_millis = true;
    s->password_type = WSSEC_PWTYPE_DIGEST;
    s->require = DEFAULT_REQUIRE;
    s->replay_cache_size = 100000;
    s->redis_connect_timeout_ms = 1000;
    s->redis_command_timeout_ms = 1000;
    s->redis_pool_size = 8;
    s->replay_signatures = true;
    s->max_references = 32;
    s->max_transforms = 4;
    s->max_encrypted_keys = 4;
    s->max_signatures = 4;
    s->max_c14n_bytes = 16u * 1024 * 1024;
    s->min_rsa_bits = 2048;
    s->min_ec_bits = 256;
    s->max_chain_length = 8;
    s->cert_cache = true;
    s->cert_cache_size = 10000;
    s->cert_cache_max_age_ms = 3600 * 1000;
    s->enc_key_id = WSSEC_KEYID_ISSUER_SERIAL;
}

/* The settings that own memory, found through the option table (strings
 * and lists) plus the lists "require" fills. */
static void settings_owned(wssec_settings *s, char ***strs, size_t *nstrs, wssec_strlist **lists,
                           size_t *nlists);

int wssec__settings_copy(wssec_settings *dst, const wssec_settings *src)
{
    *dst = *src;
    char **dstrs[64];
    wssec_strlist *dlists[32];
    char **sstrs[64];
    wssec_strlist *slists[32];
    size_t ns = 0, nl = 0;
    settings_owned(dst, dstrs, &ns, dlists, &nl);
    settings_owned((wssec_settings *)src, sstrs, &ns, slists, &nl);
    for (size_t i = 0; i < ns; i++) *dstrs[i] = NULL;
    for (size_t i = 0; i < nl; i++) memset(dlists[i], 0, sizeof(*dlists[i]));
    for (size_t i = 0; i < ns; i++)
        if (*sstrs[i] && !(*dstrs[i] = wssec__strdup(*sstrs[i]))) goto nomem;
    for (size_t i = 0; i < nl; i++)
        if (wssec__strlist_copy(dlists[i], slists[i])) goto nomem;
    return 0;
nomem:
    wssec__settings_free(dst);
    return WSSEC_ENOMEM;
}

void wssec__settings_free(wssec_settings *s)
{
    char **strs[64];
    wssec_strlist *lists[32];
    size_t ns = 0, nl = 0;
    settings_owned(s, strs, &ns, lists, &nl);
    /* strings may hold secrets (a replay-cache URL with a password): wiped */
    for (size_t i = 0; i < ns; i++) {
        if (*strs[i]) wssec__memzero(*strs[i], strlen(*strs[i]));
        wssec__free(*strs[i]);
    }
    for (size_t i = 0; i < nl; i++) wssec__strlist_clear(lists[i]);
    memset(s, 0, sizeof(*s));
}

/* ---- the option table ---- */

typedef enum opt_kind {
    OPT_SIZE,
    OPT_SECONDS,
    OPT_BOOL,
    OPT_STRING,
    OPT_PWTYPE,
    OPT_REQUIRE,
    OPT_LIST,
    OPT_TIME,
    OPT_REPLAY,
    OPT_MULTI, /* repeatable: each setting appends the whole value; "" clears */
    OPT_ENUM   /* one of choices; stored as its index */
} opt_kind;

typedef struct opt {
    const char *name;
    opt_kind kind;
    size_t offset;
    size_t min; /* OPT_SIZE: smallest accepted value */
    const char *arg;
    const char *help;
    const char *const *choices; /* OPT_ENUM, OPT_LIST: the accepted words, NULL-terminated */
} opt;

#define OFF(field) offsetof(wssec_settings, field)

static const opt options[] = {
    { "max-message-size", OPT_SIZE, OFF(max_message_size), 256, "BYTES",
      "largest message accepted, checked while reading (default 4M)" },
    { "max-depth", OPT_SIZE, OFF(max_depth), 4, "N", "deepest element nesting (default 256)" },
    { "max-nodes", OPT_SIZE, OFF(max_nodes), 16, "N",
      "most nodes (elements, attributes, text) in a message (default 200000)" },
    { "max-attributes", OPT_SIZE, OFF(max_attributes), 1, "N",
      "most attributes on one element, namespace declarations apart (default 64)" },
    { "max-namespaces", OPT_SIZE, OFF(max_namespaces), 1, "N",
      "most namespace declarations on one element (default 64)" },
    { "max-namespaces-in-scope", OPT_SIZE, OFF(max_namespaces_in_scope), 1, "N",
      "most namespace declarations in scope at one element, shadowed ones included "
      "(default 256)" },
    { "max-token-size", OPT_SIZE, OFF(max_token_size), 64, "BYTES",
      "largest decoded base64 token (default 256K)" },
    { "clock-skew", OPT_SECONDS, OFF(clock_skew_ms), 0, "SECONDS",
      "tolerated clock difference with senders (default 60)" },
    { "max-age", OPT_SECONDS, OFF(max_age_ms), 0, "SECONDS",
      "oldest Created accepted, Timestamp and UsernameToken (default 300)" },
    { "timestamp-ttl", OPT_SECONDS, OFF(timestamp_ttl_ms), 0, "SECONDS",
      "outbound Timestamp lifetime; 0 omits Expires (default 300)" },
    { "timestamp-millis", OPT_BOOL, OFF(timestamp_millis), 0, "BOOL",
      "outbound times with milliseconds (default true)" },
    { "actor", OPT_STRING, OFF(actor), 0, "URI",
      "the actor/role whose Security header is ours (default: none, the ultimate receiver)" },
    { "password-type", OPT_PWTYPE, OFF(password_type), 0, "TYPE",
      "UsernameToken password: digest or text outbound; digest, text or any inbound "
      "(default digest)" },
    { "require", OPT_REQUIRE, OFF(require), 0, "LIST",
      "inbound requirements: timestamp, username-token, signature, signed:XPATH, "
      "signed-by:REGEX, encrypted:XPATH, none (default timestamp,signature)" },
    { "username", OPT_STRING, OFF(username), 0, "USER", "outbound UsernameToken user" },
    { "actions", OPT_LIST, OFF(actions), 0, "LIST",
      "outbound actions in order, e.g. timestamp,username-token,signature,encrypted-key" },
    { "now", OPT_TIME, OFF(now), 0, "TIME",
      "the clock for every time check, e.g. 2025-01-31T12:00:00Z (default: system clock)" },
    { "replay-cache", OPT_REPLAY, OFF(replay_cache), 0, "KIND",
      "replay cache back end: memory, redis://[user@]host[:port][/db] or "
      "unix:///path[?db=N] (default memory)" },
    { "replay-cache-size", OPT_SIZE, OFF(replay_cache_size), 1, "N",
      "most live entries in the in-memory replay cache (default 100000)" },
    { "redis-password-file", OPT_STRING, OFF(redis_password_file), 0, "FILE",
      "the Redis password: the first line of FILE" },
    { "redis-password-env", OPT_STRING, OFF(redis_password_env), 0, "VAR",
      "the Redis password: environment variable VAR" },
    { "redis-connect-timeout-ms", OPT_SIZE, OFF(redis_connect_timeout_ms), 1, "MS",
      "time allowed to connect to Redis, milliseconds (default 1000)" },
    { "redis-command-timeout-ms", OPT_SIZE, OFF(redis_command_timeout_ms), 1, "MS",
      "time allowed for each Redis command, milliseconds (default 1000)" },
    { "redis-pool-size", OPT_SIZE, OFF(redis_pool_size), 1, "N",
      "most idle Redis connections kept for reuse (default 8)" },
    { "replay-signatures", OPT_BOOL, OFF(replay_signatures), 0, "BOOL",
      "reject a signed message whose SignedInfo was already accepted from the same key "
      "(default true)" },
    /* outbound signature */
    { "sign-key", OPT_STRING, OFF(sign_key), 0, "FILE",
      "secure: the signing private key (PEM or DER, unencrypted)" },
    { "sign-cert", OPT_STRING, OFF(sign_cert), 0, "FILE",
      "secure: the signing certificate (PEM or DER)" },
    { "sign-chain", OPT_STRING, OFF(sign_chain), 0, "FILE",
      "secure: intermediate certificates sent with the signing certificate (PEM)" },
    { "pkcs12", OPT_STRING, OFF(pkcs12), 0, "FILE",
      "the key and certificate(s) from a PKCS#12 file (instead of sign-key/sign-cert)" },
    { "pkcs12-password-file", OPT_STRING, OFF(pkcs12_pw_file), 0, "FILE",
      "the PKCS#12 password: the first line of FILE" },
    { "pkcs12-password-env", OPT_STRING, OFF(pkcs12_pw_env), 0, "VAR",
      "the PKCS#12 password: environment variable VAR" },
    { "key-id", OPT_ENUM, OFF(key_id), 0, "TYPE",
      "secure: how the signature names its certificate: bst, issuer-serial, ski, thumbprint, "
      "x509 (default bst)", wssec__keyid_names },
    { "bst-type", OPT_ENUM, OFF(bst_type), 0, "TYPE",
      "secure: BinarySecurityToken value type: x509v3, pkipath, pkcs7 (default x509v3; "
      "pkipath and pkcs7 carry the sign-chain)", wssec__bsttype_names },
    { "sign-alg", OPT_ENUM, OFF(sign_alg), 0, "ALG",
      "secure: rsa-sha256, rsa-sha384, rsa-sha512, rsa-sha1, ecdsa-sha256, ecdsa-sha384, "
      "ecdsa-sha512 (default rsa-sha256)", wssec__sig_alg_names },
    { "digest-alg", OPT_ENUM, OFF(digest_alg), 0, "ALG",
      "secure: sha256, sha384, sha512, sha1 (default sha256)", wssec__digest_alg_names },
    { "sign-part", OPT_MULTI, OFF(sign_parts), 0, "PART",
      "secure, repeatable: what to sign: body, timestamp, token, username-token, "
      "{NS}LOCAL or an XPath (default body and timestamp)" },
    { "namespace", OPT_MULTI, OFF(namespaces), 0, "PREFIX=URI",
      "repeatable: a prefix for XPath expressions (soap, wsse, wsu, ds, xenc are predefined)" },
    /* inbound signature and trust */
    { "trust", OPT_MULTI, OFF(trust), 0, "FILE|DIR",
      "verify, repeatable: trust anchors: a certificate file (PEM or DER) or a directory of "
      ".pem, .crt and .cer files" },
    { "intermediates", OPT_MULTI, OFF(intermediates), 0, "FILE",
      "verify, repeatable: another name for certs" },
    { "crl", OPT_MULTI, OFF(crl), 0, "FILE",
      "verify, repeatable: certificate revocation lists (PEM or DER)" },
    { "crl-check", OPT_ENUM, OFF(crl_check), 0, "MODE",
      "verify: with CRLs configured, check all certificates of the chain, the leaf only, or off "
      "(default all)", wssec__crl_check_names },
    { "subject", OPT_MULTI, OFF(subjects), 0, "DN|re:REGEX",
      "verify, repeatable: accepted signer subjects, a DN compared after RFC 4514 "
      "normalisation or re:REGEX over the RFC 4514 text (default: any)" },
    { "issuer", OPT_MULTI, OFF(issuers), 0, "DN|re:REGEX",
      "verify, repeatable: accepted issuing CAs anywhere in the chain (default: any)" },
    { "max-chain-length", OPT_SIZE, OFF(max_chain_length), 1, "N",
      "verify: most CA certificates between a signer and its trust anchor (default 8)" },
    { "cert-cache", OPT_BOOL, OFF(cert_cache), 0, "BOOL",
      "verify: remember validated certificate chains until they or a CRL expire (default true)" },
    { "cert-cache-size", OPT_SIZE, OFF(cert_cache_size), 1, "N",
      "verify: most chains remembered (default 10000)" },
    { "cert-cache-max-age", OPT_SECONDS, OFF(cert_cache_max_age_ms), 0, "SECONDS",
      "verify: longest a validated chain is remembered (default 3600)" },
    { "certs", OPT_MULTI, OFF(certs), 0, "FILE",
      "verify, repeatable: known certificates (PEM or DER): intermediate CAs for building "
      "chains, and signers named by issuer-serial, ski or thumbprint; never trusted by "
      "themselves (alias: intermediates)" },
    { "allow-sha1", OPT_BOOL, OFF(allow_sha1), 0, "BOOL",
      "verify: accept rsa-sha1 signatures and sha1 digests from old peers (default false)" },
    { "allow-transforms", OPT_LIST, OFF(allow_transforms), 0, "LIST",
      "verify: also allow these reference transforms: xpath, xpath2, xslt (default none)",
      wssec__transform_names },
    { "bsp-relax", OPT_LIST, OFF(bsp_relax), 0, "LIST",
      "verify: Basic Security Profile rules an old peer breaks, accepted by name: R3029 "
      "(bst-without-encoding-type), R4201 (qualified-password-type), R4220 (nonce-without-encoding-type), R5404 and R5412 "
      "(inclusive-c14n), R5417 and R5426 (keyinfo-x509data) (default none)",
      wssec__bsp_relax_names },
    { "max-references", OPT_SIZE, OFF(max_references), 1, "N",
      "verify: most references in one signature (default 32)" },
    { "max-transforms", OPT_SIZE, OFF(max_transforms), 1, "N",
      "verify: most transforms in one reference (default 4)" },
    { "max-encrypted-keys", OPT_SIZE, OFF(max_encrypted_keys), 1, "N",
      "verify: most EncryptedKeys in our Security header, counted before any decryption "
      "(default 4)" },
    { "max-signatures", OPT_SIZE, OFF(max_signatures), 1, "N",
      "verify: most signatures in our Security header, refused before any cryptography "
      "(default 4)" },
    { "max-c14n-bytes", OPT_SIZE, OFF(max_c14n_bytes), 1024, "BYTES",
      "verify: most bytes canonicalized for the signatures of one message, SignedInfo and "
      "references (default 16M)" },
    { "min-rsa-bits", OPT_SIZE, OFF(min_rsa_bits), 512, "BITS",
      "verify: smallest RSA key accepted for a signer and every certificate of its chain "
      "(default 2048)" },
    { "min-ec-bits", OPT_SIZE, OFF(min_ec_bits), 160, "BITS",
      "verify: smallest EC key accepted for a signer and every certificate of its chain "
      "(default 256)" },
    /* identity assertion and plug-ins (identity.c, plugin.c) */
    { "assert-user", OPT_STRING, OFF(assert_user), 0, "USER",
      "secure: the identity-assertion action asserts this user (a UsernameToken without "
      "password)" },
    { "assert-dn", OPT_STRING, OFF(assert_dn), 0, "DN",
      "secure: the identity-assertion action asserts this subject DN (an X.509 token)" },
    { "assert-cert", OPT_STRING, OFF(assert_cert), 0, "FILE",
      "secure: the certificate (PEM or DER) whose subject is assert-dn (default: the caller's "
      "X.509 token in the message)" },
    { "strip-security", OPT_BOOL, OFF(strip_security), 0, "BOOL",
      "secure: remove the Security header targeted at us before adding ours (default false)" },
    { "trusted-upstream", OPT_MULTI, OFF(trusted_upstreams), 0, "NAME|DN",
      "verify, repeatable: an upstream trusted to assert identities: a user name (trust-mode "
      "basic) or a DN compared after RFC 4514 normalisation (trust-mode signature), bound "
      "further by ;issuer=DN, ;cert-sha256=HEX or ;spki-sha256=HEX" },
    { "trust-mode", OPT_ENUM, OFF(trust_mode), 0, "MODE",
      "verify: how an upstream proves itself: signature (its X.509 signature) or basic (its "
      "UsernameToken) (default signature)", wssec__trust_mode_names },
    { "plugin", OPT_MULTI, OFF(plugins), 0, "FILE[:ENTRY[:ARG]]",
      "repeatable: a plug-in shared object to load, its entry point (default "
      "wssec_plugin_init) and its argument" },
    /* encryption */
    { "encrypt-cert", OPT_STRING, OFF(encrypt_cert), 0, "FILE",
      "secure: the recipient's certificate (PEM or DER); its key wraps the session key" },
    { "enc-alg", OPT_ENUM, OFF(enc_alg), 0, "ALG",
      "secure: aes256-gcm, aes128-gcm, aes128-cbc, aes256-cbc (default aes256-gcm)",
      wssec__enc_alg_names },
    { "key-transport", OPT_ENUM, OFF(key_transport), 0, "ALG",
      "secure: rsa-oaep, rsa-1_5 (legacy peers only), kw-aes128, kw-aes256 (with psk-file) "
      "(default rsa-oaep)", wssec__kt_alg_names },
    { "encrypt-part", OPT_MULTI, OFF(encrypt_parts), 0, "PART",
      "secure, repeatable: what to encrypt: body (its content), signature, {NS}LOCAL or an XPath, "
      "each with an optional :content or :element (default body)" },
    { "enc-key-id", OPT_ENUM, OFF(enc_key_id), 0, "TYPE",
      "secure: how the EncryptedKey names the recipient: issuer-serial, ski, thumbprint, bst, x509 "
      "(default issuer-serial)", wssec__enc_key_id_names },
    { "decrypt-key", OPT_STRING, OFF(decrypt_key), 0, "FILE",
      "verify: a private key (PEM or DER, unencrypted) that decrypts; the signing identity "
      "(pkcs12 or sign-key) decrypts too" },
    { "decrypt-cert", OPT_STRING, OFF(decrypt_cert), 0, "FILE",
      "verify: the certificate (PEM or DER) of decrypt-key, to match the EncryptedKey's "
      "reference" },
    { "psk-file", OPT_STRING, OFF(psk_file), 0, "FILE",
      "a pre-shared AES key (base64, first line) for kw-aes128/kw-aes256 key wrap" },
    { "psk-name", OPT_STRING, OFF(psk_name), 0, "NAME",
      "the KeyName that names the pre-shared key (default psk)" },
    { "allow-cbc", OPT_BOOL, OFF(allow_cbc), 0, "BOOL",
      "verify: accept AES-CBC data encryption from old peers (default false)" },
    { "allow-rsa15", OPT_BOOL, OFF(allow_rsa15), 0, "BOOL",
      "verify: accept RSA-1.5 key transport from legacy peers (default false)" },
};

static void settings_owned(wssec_settings *s, char ***strs, size_t *nstrs, wssec_strlist **lists,
                           size_t *nlists)
{
    size_t ns = 0, nl = 0;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(options); i++) {
        void *field = (char *)s + options[i].offset;
        if (options[i].kind == OPT_STRING || options[i].kind == OPT_REPLAY) strs[ns++] = field;
        else if (options[i].kind == OPT_LIST || options[i].kind == OPT_MULTI) lists[nl++] = field;
    }
    lists[nl++] = &s->require_signed;
    lists[nl++] = &s->require_signed_by;
    lists[nl++] = &s->require_encrypted;
    *nstrs = ns;
    *nlists = nl;
}

int wssec_config_option_info(const char **name, const char **arg, const char **help, size_t i)
{
    WSSEC_ARG(name && arg && help);
    if (i >= WSSEC_ARRAY_LEN(options)) return WSSEC_EINVALID;
    *name = options[i].name;
    *arg = options[i].arg;
    *help = options[i].help;
    return 0;
}

/* The options by name, sorted once: modules read settings by name on every
 * message (sys/settings.h), so a lookup is a binary search. */
static const opt *by_name[WSSEC_ARRAY_LEN(options)];
static pthread_once_t by_name_once = PTHREAD_ONCE_INIT;

static int opt_cmp(const void *a, const void *b)
{
    return strcmp((*(const opt *const *)a)->name, (*(const opt *const *)b)->name);
}

static void sort_options(void)
{
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(options); i++) by_name[i] = &options[i];
    qsort(by_name, WSSEC_ARRAY_LEN(by_name), sizeof(by_name[0]), opt_cmp);
}

static const opt *find_opt(const char *name)
{
    pthread_once(&by_name_once, sort_options);
    const opt key = { .name = name }, *kp = &key;
    const opt *const *o = bsearch(&kp, by_name, WSSEC_ARRAY_LEN(by_name), sizeof(by_name[0]),
                                  opt_cmp);
    return o ? *o : NULL;
}

int wssec_config_has_option(const char *name)
{
    WSSEC_ARG_OR(name, 0);
    return find_opt(name) != NULL;
}

static const struct {
    const char *name;
    unsigned bit;
} requirements[] = {
    { "timestamp", WSSEC_REQ_TIMESTAMP },
    { "username-token", WSSEC_REQ_USERNAME },
    { "signature", WSSEC_REQ_SIGNATURE },
};

/* The length of the next comma-separated item of a requirement list. Commas
 * inside brackets, parentheses or quotes belong to the item (XPath
 * expressions and regular expressions have them). */
static size_t item_len(const char *p)
{
    int depth = 0;
    char quote = 0;
    size_t n = 0;
    for (; p[n]; n++) {
        char c = p[n];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
            depth--;
        } else if (c == ',' && depth == 0) {
            break;
        }
    }
    return n;
}

/* Applies a comma-separated requirement list. The first call replaces the
 * defaults; later calls add to what was set. "none" clears. */
static int set_require(wssec_config *cfg, const char *value, bool *require_set)
{
    if (!*require_set) {
        cfg->s.require = 0;
        wssec__strlist_clear(&cfg->s.require_signed);
        wssec__strlist_clear(&cfg->s.require_signed_by);
        wssec__strlist_clear(&cfg->s.require_encrypted);
    }
    *require_set = true;
    char item[1024];
    const char *p = value;
    while (*p) {
        size_t n = item_len(p);
        if (n >= sizeof(item))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "require: item of %zu characters is too long",
                             n);
        memcpy(item, p, n);
        item[n] = '\0';
        char *s = item, *e = item + n;
        while (*s == ' ') s++;
        while (e > s && e[-1] == ' ') *--e = '\0';
        p += n + (p[n] == ',');
        if (!*s) continue;
        if (strcmp(s, "none") == 0) {
            cfg->s.require = 0;
            wssec__strlist_clear(&cfg->s.require_signed);
            wssec__strlist_clear(&cfg->s.require_signed_by);
            wssec__strlist_clear(&cfg->s.require_encrypted);
            continue;
        }
        if (strncmp(s, "encrypted:", 10) == 0) {
            if (!s[10])
                return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                                 "require: '%s' needs an XPath expression after the colon", s);
            WSSEC_GUARD(wssec__strlist_add(&cfg->s.require_encrypted, s + 10));
            continue;
        }
        if (strncmp(s, "signed:", 7) == 0 || strncmp(s, "signed-by:", 10) == 0) {
            bool by = s[6] == '-';
            const char *arg = s + (by ? 10 : 7);
            if (!*arg)
                return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "require: '%s' needs %s after the colon",
                                 s, by ? "a regular expression" : "an XPath expression");
            WSSEC_GUARD(wssec__strlist_add(by ? &cfg->s.require_signed_by : &cfg->s.require_signed,
                                           arg));
            continue;
        }
        size_t i;
        for (i = 0; i < WSSEC_ARRAY_LEN(requirements); i++)
            if (strcmp(requirements[i].name, s) == 0) break;
        if (i == WSSEC_ARRAY_LEN(requirements))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "require: unknown requirement '%s' (known: timestamp, "
                             "username-token, signature, signed:XPATH, signed-by:REGEX, "
                             "encrypted:XPATH, none)",
                             s);
        cfg->s.require |= requirements[i].bit;
    }
    return 0;
}

static int choice_index(const char *const *choices, const char *word)
{
    for (int i = 0; choices && choices[i]; i++)
        if (strcmp(choices[i], word) == 0) return i;
    return -1;
}

/* "a, b, c" for messages. */
static void join_choices(char *buf, size_t size, const char *const *choices)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; choices[i] && off < size; i++) {
        int w = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", choices[i]);
        if (w < 0) break;
        off += (size_t)w;
    }
}

static int set_list(wssec_config *cfg, const opt *o, wssec_strlist *l, const char *value)
{
    const char *name = o->name;
    if (!*value) {
        wssec__strlist_clear(l);
        return 0;
    }
    char item[128];
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, ", ");
        if (n >= sizeof(item))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: list item of %zu characters is too long",
                             name, n);
        memcpy(item, p, n);
        item[n] = '\0';
        p += n;
        while (*p == ',' || *p == ' ') p++;
        if (n && o->choices && choice_index(o->choices, item) < 0) {
            char known[400];
            join_choices(known, sizeof(known), o->choices);
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: unknown value '%s' (known: %s)", name,
                             item, known);
        }
        if (n) WSSEC_GUARD(wssec__strlist_add(l, item));
    }
    return 0;
}

int wssec_config_set(wssec_config *cfg, const char *name, const char *value)
{
    WSSEC_ARG(cfg);
    if (!name || !value)
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID, "wssec_config_set: no option name or value");
    wssec__err_clear(&cfg->err);
    const opt *o = find_opt(name);
    if (!o) return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "unknown option '%s'", name);
    void *field = (char *)&cfg->s + o->offset;
    switch (o->kind) {
    case OPT_SIZE: {
        size_t v;
        if (wssec__parse_size(value, &v) || v < o->min)
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "%s: '%s' is not a size of at least %zu (digits, optional K/M/G)",
                             name, value, o->min);
        *(size_t *)field = v;
        return 0;
    }
    case OPT_SECONDS: {
        int64_t ms;
        if (wssec__parse_seconds(value, &ms))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: '%s' is not a number of seconds",
                             name, value);
        *(int64_t *)field = ms;
        return 0;
    }
    case OPT_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0) *(bool *)field = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0) *(bool *)field = false;
        else
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: '%s' is not true or false", name,
                             value);
        return 0;
    case OPT_STRING: {
        char *d = NULL;
        if (*value && !(d = wssec__strdup(value))) return WSSEC_ENOMEM;
        wssec__free(*(char **)field);
        *(char **)field = d;
        return 0;
    }
    case OPT_PWTYPE:
        if (strcmp(value, "digest") == 0) cfg->s.password_type = WSSEC_PWTYPE_DIGEST;
        else if (strcmp(value, "text") == 0) cfg->s.password_type = WSSEC_PWTYPE_TEXT;
        else if (strcmp(value, "any") == 0) cfg->s.password_type = WSSEC_PWTYPE_ANY;
        else
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "password-type: '%s' is not digest, text or any", value);
        return 0;
    case OPT_REQUIRE:
        return set_require(cfg, value, &cfg->require_set);
    case OPT_LIST:
        return set_list(cfg, o, (wssec_strlist *)field, value);
    case OPT_MULTI:
        if (!*value) {
            wssec__strlist_clear((wssec_strlist *)field);
            return 0;
        }
        return wssec__strlist_add((wssec_strlist *)field, value);
    case OPT_ENUM: {
        int i = choice_index(o->choices, value);
        if (i < 0) {
            char known[200];
            join_choices(known, sizeof(known), o->choices);
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: '%s' is not one of %s", name, value,
                             known);
        }
        *(int *)field = i;
        return 0;
    }
    case OPT_TIME:
        if (wssec_time_parse(&cfg->s.now, value))
            return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG,
                             "now: '%s' is not a UTC time like 2025-01-31T12:00:00Z", value);
        cfg->s.have_now = true;
        return 0;
    case OPT_REPLAY:
        if (strcmp(value, "memory") != 0) {
            /* a URL: checked now, so a mistake is a configuration error at
             * once (the message never echoes it: it may hold a password) */
            wssec_redis_url u;
            char why[300];
            int rc = wssec__redis_url_parse(&u, value, why, sizeof(why));
            wssec__memzero(&u, sizeof(u));
            if (rc) return WSSEC_ERR(&cfg->err, rc, "replay-cache: %s", why);
        }
        wssec__free(cfg->s.replay_cache);
        if (!(cfg->s.replay_cache = wssec__strdup(value))) return WSSEC_ENOMEM;
        return 0;
    }
    return WSSEC_ERR(&cfg->err, WSSEC_EINTERNAL, "option kind");
}

/* ---- the configuration object ---- */

int wssec_config_new(wssec_config **out)
{
    WSSEC_ARG(out);
    *out = NULL;
    wssec_config *cfg = wssec__calloc(1, sizeof(*cfg));
    if (!cfg) return WSSEC_ENOMEM;
    wssec__settings_init(&cfg->s);
    wssec__err_clear(&cfg->err);
    if (wssec__modlist_builtins(&cfg->modules)) {
        wssec_config_free(cfg);
        return WSSEC_ENOMEM;
    }
    *out = cfg;
    return 0;
}

void wssec_config_free(wssec_config *cfg)
{
    if (!cfg) return;
    wssec__settings_free(&cfg->s);
    wssec__modlist_clear(&cfg->modules);
    wssec_replay_cache_release(cfg->replay);
    wssec__free(cfg);
}

const wssec_error *wssec_config_error(const wssec_config *cfg)
{
    return cfg ? &cfg->err.pub : wssec__err_null();
}

void wssec_config_set_password_cb(wssec_config *cfg, wssec_password_cb cb, void *userdata)
{
    WSSEC_ARG_VOID(cfg);
    cfg->password_cb = cb;
    cfg->password_ud = userdata;
}

void wssec_config_set_explain_cb(wssec_config *cfg, wssec_explain_cb cb, void *userdata)
{
    WSSEC_ARG_VOID(cfg);
    cfg->explain_cb = cb;
    cfg->explain_ud = userdata;
}

void wssec_config_set_clock(wssec_config *cfg, wssec_clock_cb cb, void *userdata)
{
    WSSEC_ARG_VOID(cfg);
    cfg->clock_cb = cb;
    cfg->clock_ud = userdata;
}

/* Validators are copied into the configuration as the current version of
 * their struct: an older version's fields are the first ones, and the
 * fields it lacks keep their defaults. Only through the API: no option of
 * the configuration file (or command line) installs code. */
int wssec_config_set_cert_validator(wssec_config *cfg, const wssec_cert_validator *validator,
                                    void *userdata)
{
    wssec_cert_validator v = WSSEC_CERT_VALIDATOR_INIT;
    if (validator) {
        if (validator->version < 1 || validator->version > WSSEC_CERT_VALIDATOR_VERSION ||
            !validator->validate)
            return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                             "certificate validator: version %u (1 to %d known) or no callback",
                             validator->version, WSSEC_CERT_VALIDATOR_VERSION);
        v.name = validator->name;
        v.validate = validator->validate;
    }
    cfg->cert_validator = v;
    cfg->cert_validator_ud = validator ? userdata : NULL;
    return 0;
}

int wssec_config_set_time_validator(wssec_config *cfg, const wssec_time_validator *validator,
                                    void *userdata)
{
    wssec_time_validator v = WSSEC_TIME_VALIDATOR_INIT;
    if (validator) {
        if (validator->version < 1 || validator->version > WSSEC_TIME_VALIDATOR_VERSION ||
            !validator->validate)
            return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                             "time validator: version %u (1 to %d known) or no callback",
                             validator->version, WSSEC_TIME_VALIDATOR_VERSION);
        v.name = validator->name;
        v.validate = validator->validate;
    }
    cfg->time_validator = v;
    cfg->time_validator_ud = validator ? userdata : NULL;
    return 0;
}

void wssec_config_set_replay_cache(wssec_config *cfg, wssec_replay_cache *cache)
{
    WSSEC_ARG_VOID(cfg && cache);
    wssec_replay_cache_retain(cache);
    wssec_replay_cache_release(cfg->replay);
    cfg->replay = cache;
}

int wssec_module_init(wssec_module *module, unsigned version)
{
    static const wssec_module tmpl = WSSEC_MODULE_INIT;
    /* a version-1 struct ends before free_state */
    size_t size = version >= 2 ? sizeof(tmpl) : offsetof(wssec_module, free_state);
    return wssec__struct_init(module, &tmpl, size, version, WSSEC_MODULE_VERSION);
}

int wssec_config_add_module(wssec_config *cfg, const wssec_module *module)
{
    WSSEC_ARG(cfg);
    if (!module) return WSSEC_ERR(&cfg->err, WSSEC_EINVALID, "wssec_config_add_module: no module");
    wssec__err_clear(&cfg->err);
    if (module->version < 1 || module->version > WSSEC_MODULE_VERSION)
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                         "module '%s': interface version %u; this library (%s) accepts versions "
                         "1 to %u",
                         module->name ? module->name : "?", module->version, WSSEC_VERSION,
                         WSSEC_MODULE_VERSION);
    if (!module->name || !*module->name)
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID, "a module without a name");
    if ((module->local == NULL) != (module->consume == NULL))
        return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                         "module '%s': a consumer needs an element and an element a consumer",
                         module->name);
    return wssec__modlist_add(&cfg->modules, module);
}

/* ---- the configuration file ---- */

typedef struct schema_errors {
    char first[400];
} schema_errors;

static void schema_error(void *ud, xmlErrorPtr e)
{
    schema_errors *se = ud;
    if (se->first[0] || !e || !e->message) return;
    snprintf(se->first, sizeof(se->first), "line %d: %s", e->line, e->message);
    size_t n = strlen(se->first);
    while (n && (se->first[n - 1] == '\n' || se->first[n - 1] == ' ')) se->first[--n] = '\0';
}

static int validate(wssec_config *cfg, xmlDocPtr doc, const char *path)
{
    int rc = 0;
    schema_errors se = { { 0 } };
    xmlSchemaParserCtxtPtr pctx =
        xmlSchemaNewMemParserCtxt((const char *)wssec__config_xsd, (int)wssec__config_xsd_len);
    xmlSchemaPtr schema = pctx ? xmlSchemaParse(pctx) : NULL;
    xmlSchemaValidCtxtPtr vctx = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
    if (!vctx) {
        rc = WSSEC_ERR(&cfg->err, WSSEC_EINTERNAL, "configuration schema cannot be loaded");
        goto done;
    }
    xmlSchemaSetValidStructuredErrors(vctx, schema_error, &se);
    if (xmlSchemaValidateDoc(vctx, doc) != 0)
        rc = WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: not a valid wssec configuration: %s", path,
                       se.first[0] ? se.first : "schema validation failed");
done:
    xmlSchemaFreeValidCtxt(vctx);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctx);
    return rc;
}

int wssec_config_load(wssec_config *cfg, const char *path, wssec_config_option_cb cb,
                      void *userdata)
{
    WSSEC_ARG(cfg);
    if (!path) return WSSEC_ERR(&cfg->err, WSSEC_EINVALID, "wssec_config_load: no file");
    wssec__err_clear(&cfg->err);
    WSSEC_GUARD(wssec__global_init());
    char reason[200];
    if (wssec__unreadable(path, reason, sizeof(reason)))
        return WSSEC_ERR(&cfg->err, WSSEC_EIO, "%s: %s", path, reason);
    FILE *f = fopen(path, "rb");
    if (!f) return WSSEC_ERR(&cfg->err, WSSEC_EIO, "%s: cannot be opened: %s", path, strerror(errno));
    wssec_buf b = { .max = 1024 * 1024 };
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if ((rc = wssec__buf_append(&b, chunk, n)) != 0) break;
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    if (rc == WSSEC_ELIMIT || rerr) {
        wssec__buf_free(&b);
        return WSSEC_ERR(&cfg->err, rerr ? WSSEC_EIO : WSSEC_ECONFIG, "%s: %s", path,
                         rerr ? strerror(rerr) : "larger than 1 MiB");
    }
    if (rc) {
        wssec__buf_free(&b);
        return rc;
    }
    wssec_settings limits;
    wssec__settings_init(&limits);
    xmlDocPtr doc = NULL;
    wssec_errrec perr;
    wssec__err_clear(&perr);
    rc = wssec__xml_parse(&perr, &limits, b.len ? (const char *)b.data : "", b.len, &doc);
    wssec__buf_free(&b);
    if (rc) return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: %s", path, perr.message);
    if ((rc = validate(cfg, doc, path)) != 0) goto done;
    for (xmlNodePtr e = wssec_xml_first_elem(xmlDocGetRootElement(doc)); e; e = wssec_xml_next_elem(e)) {
        char *value = wssec_xml_text(e);
        if (!value) {
            rc = WSSEC_ENOMEM;
            goto done;
        }
        const char *name = (const char *)e->name;
        const opt *fo = find_opt(name);
        const char *slash = strrchr(path, '/');
        if (fo && !strncmp(fo->arg, "FILE", 4) && slash && value[0] && value[0] != '/') {
            /* a relative path names a file beside the configuration file */
            size_t dl = (size_t)(slash - path) + 1, vl = strlen(value);
            char *abs = xmlMalloc(dl + vl + 1);
            if (!abs) {
                xmlFree(value);
                rc = WSSEC_ENOMEM;
                goto done;
            }
            memcpy(abs, path, dl);
            memcpy(abs + dl, value, vl + 1);
            xmlFree(value);
            value = abs;
        }
        rc = cb ? cb(name, value, userdata) : 0;
        if (rc < 0) {
            if (!cfg->err.pub.code)
                WSSEC_ERR(&cfg->err, rc, "%s: line %ld: bad value for %s", path, xmlGetLineNo(e),
                          name);
        } else if (rc == 0 && find_opt(name)) {
            rc = wssec_config_set(cfg, name, value);
            if (rc) {
                char msg[sizeof(cfg->err.message)];
                snprintf(msg, sizeof(msg), "%s", cfg->err.message);
                WSSEC_ERR(&cfg->err, rc, "%s: line %ld: %s", path, xmlGetLineNo(e), msg);
            }
        } else if (rc == 0) {
            rc = WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: line %ld: unknown option '%s'", path,
                           xmlGetLineNo(e), name);
        } else {
            rc = 0;
        }
        xmlFree(value);
        if (rc) goto done;
    }
done:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- the context's settings, for modules (sys/settings.h) ---- */

/* The field of ctx's settings the option name stands for, when it is of
 * kind (or of kind2); NULL otherwise. */
static const void *setting(const wssec_ctx *ctx, const char *name, opt_kind kind, opt_kind kind2,
                           const opt **which)
{
    const opt *o = ctx && name ? find_opt(name) : NULL;
    if (!o || (o->kind != kind && o->kind != kind2)) return NULL;
    if (which) *which = o;
    return (const char *)&ctx->s + o->offset;
}

int wssec_ctx_get_size(size_t *out, const wssec_ctx *ctx, const char *name)
{
    const size_t *f = setting(ctx, name, OPT_SIZE, OPT_SIZE, NULL);
    WSSEC_ARG(out && f);
    *out = *f;
    return 0;
}

int wssec_ctx_get_ms(int64_t *out, const wssec_ctx *ctx, const char *name)
{
    const int64_t *f = setting(ctx, name, OPT_SECONDS, OPT_SECONDS, NULL);
    WSSEC_ARG(out && f);
    *out = *f;
    return 0;
}

int wssec_ctx_get_bool(int *out, const wssec_ctx *ctx, const char *name)
{
    const bool *f = setting(ctx, name, OPT_BOOL, OPT_BOOL, NULL);
    WSSEC_ARG(out && f);
    *out = *f ? 1 : 0;
    return 0;
}

int wssec_ctx_get_string(const char **out, const wssec_ctx *ctx, const char *name)
{
    const char *const *f = setting(ctx, name, OPT_STRING, OPT_REPLAY, NULL);
    WSSEC_ARG(out && f);
    *out = *f;
    return 0;
}

int wssec_ctx_get_choice(int *index, const char **word, const wssec_ctx *ctx, const char *name)
{
    static const char *const pwtypes[] = { "digest", "text", "any", NULL };
    const opt *o = NULL;
    const int *f = setting(ctx, name, OPT_ENUM, OPT_PWTYPE, &o);
    WSSEC_ARG(f);
    const char *const *words = o->kind == OPT_PWTYPE ? pwtypes : o->choices;
    if (index) *index = *f;
    if (word) *word = words[*f];
    return 0;
}

int wssec_ctx_get_list(const char *const **items, size_t *n, const wssec_ctx *ctx,
                       const char *name)
{
    const wssec_strlist *f = setting(ctx, name, OPT_LIST, OPT_MULTI, NULL);
    WSSEC_ARG(items && n && f);
    *items = (const char *const *)f->v;
    *n = f->n;
    return 0;
}

int wssec_ctx_requires(const wssec_ctx *ctx, const char *what)
{
    WSSEC_ARG_OR(ctx && what, 0);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(requirements); i++)
        if (strcmp(requirements[i].name, what) == 0)
            return (ctx->s.require & requirements[i].bit) != 0;
    return 0;
}
