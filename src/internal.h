/*
 * wssec — private declarations shared by the library's parts.
 */
#ifndef WSSEC_INTERNAL_H
#define WSSEC_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <libxml/xpath.h>

#include "wssec/wssec.h"

/* ---- safety macros (s2n-tls style); every one records file:line ---- */

/* Propagate a negative status unchanged. */
#define WSSEC_GUARD(expr)                 \
    do {                                  \
        int wssec__rc = (expr);           \
        if (wssec__rc < 0) return wssec__rc; \
    } while (0)

#define WSSEC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- one error record, owning its strings ---- */

typedef struct wssec_errrec {
    wssec_error pub;
    char message[512];
    char fault[64];
    char fault_ns[128];
    char subject[256];
} wssec_errrec;

void wssec__err_clear(wssec_errrec *e);
/* Records an error; returns code. fault NULL: the code's default. */
int wssec__err_set(wssec_errrec *e, int code, const char *fault, const char *subject,
                   const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
int wssec__err_setv(wssec_errrec *e, int code, const char *fault, const char *subject,
                    const char *file, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));
void wssec__err_copy(wssec_errrec *dst, const wssec_errrec *src);
/* The namespace a "prefix:local" fault lives in (wsse, soap ...). */
const char *wssec__fault_ns(const char *fault);

#define WSSEC_ERR(e, code, ...) wssec__err_set((e), (code), NULL, NULL, __FILE__, __LINE__, __VA_ARGS__)

/* ---- bounded buffer: every growable buffer has a max ---- */

typedef struct wssec_buf {
    unsigned char *data;
    size_t len, cap, max;
} wssec_buf;

int wssec__buf_append(wssec_buf *b, const void *p, size_t n); /* ELIMIT past max */
void wssec__buf_free(wssec_buf *b);                          /* wipes, then frees */

/* ---- small utilities ---- */

/* Wipes secrets; not optimised away. */
void wssec__memzero(void *p, size_t n);
/* Constant-time equality of two byte strings of possibly different lengths
 * (compares SHA-256 digests, so the time does not depend on where they differ). */
int wssec__ct_equal(const void *a, size_t alen, const void *b, size_t blen);
char *wssec__strdup(const char *s);

/* ---- the library's own allocations ----
 * Every malloc/calloc/realloc/free of src/ (not libxml2's, xmlsec's or
 * OpenSSL's, which have their own process-wide hooks: xmlMemSetup,
 * CRYPTO_set_mem_functions) goes through these, so that a test can make any
 * one of them fail (tests/oom/torture.c). Memory handed to the caller is
 * freed with wssec_free(), which goes through them too. */
void *wssec__malloc(size_t n);
void *wssec__calloc(size_t n, size_t size);
void *wssec__realloc(void *p, size_t n);
void wssec__free(void *p);

typedef struct wssec_alloc_hooks {
    void *(*malloc_fn)(size_t n);
    void *(*calloc_fn)(size_t n, size_t size);
    void *(*realloc_fn)(void *p, size_t n);
    void (*free_fn)(void *p);
} wssec_alloc_hooks;
/* Test harnesses only: replaces the hooks (NULL: the C library's). Not
 * thread-safe; call before any wssec, libxml2 or OpenSSL use, and never
 * after memory was allocated through the previous hooks unless the two
 * free functions are compatible. */
void wssec__set_alloc_hooks(const wssec_alloc_hooks *h);
/* Parses a non-negative decimal with an optional K/M/G suffix (binary). */
int wssec__parse_size(const char *s, size_t *out);
/* Parses a non-negative decimal number of seconds. */
int wssec__parse_seconds(const char *s, int64_t *out_ms);
/* The XML whitespace-trimmed content of an element; caller frees with xmlFree. */
char *wssec__node_text(xmlNodePtr node);
/* An XPath-like path of a node for messages, e.g. /Envelope/Header/Security/Timestamp[1]. */
void wssec__node_path(xmlNodePtr node, char *buf, size_t size);
/* 1 if node is an element with this namespace and local name. */
int wssec__is(xmlNodePtr node, const char *ns, const char *local);
/* The value of an unqualified attribute ("" when empty), or NULL. Borrowed. */
const char *wssec__attr(xmlNodePtr e, const char *name);
/* The first element child, next element sibling. */
xmlNodePtr wssec__first_elem(xmlNodePtr node);
xmlNodePtr wssec__next_elem(xmlNodePtr node);
/* The node after n in document order within top's subtree (elements'
 * children included), or NULL after the last: for (n = top; n; n =
 * wssec__next_in(n, top)) visits top and everything under it. */
xmlNodePtr wssec__next_in(xmlNodePtr n, xmlNodePtr top);
/* Base64 decode of text (whitespace allowed) into a fresh buffer of at most max bytes. */
int wssec__b64_decode(const char *text, size_t max, unsigned char **out, size_t *outlen);
/* Base64 encode without line breaks; caller frees with xmlFree. */
char *wssec__b64_encode(const unsigned char *p, size_t n);

/* ---- settings: the typed form of the options; the context holds a copy ---- */

typedef struct wssec_strlist {
    char **v;
    size_t n;
} wssec_strlist;

int wssec__strlist_add(wssec_strlist *l, const char *s);
void wssec__strlist_clear(wssec_strlist *l);
int wssec__strlist_copy(wssec_strlist *dst, const wssec_strlist *src);

enum wssec_pwtype { WSSEC_PWTYPE_DIGEST = 0, WSSEC_PWTYPE_TEXT = 1, WSSEC_PWTYPE_ANY = 2 };

/* Requirements of the inbound policy. */
enum {
    WSSEC_REQ_TIMESTAMP = 1u << 0,
    WSSEC_REQ_USERNAME = 1u << 1,
    WSSEC_REQ_SIGNATURE = 1u << 2 /* a trusted X.509 signature over the Body (and Timestamp) */
};

/* How an outbound signature refers to its certificate. */
enum wssec_keyid {
    WSSEC_KEYID_BST = 0,
    WSSEC_KEYID_ISSUER_SERIAL,
    WSSEC_KEYID_SKI,
    WSSEC_KEYID_THUMBPRINT,
    WSSEC_KEYID_X509
};

/* BinarySecurityToken value types. */
enum wssec_bsttype { WSSEC_BST_X509V3 = 0, WSSEC_BST_PKIPATH, WSSEC_BST_PKCS7 };

typedef struct wssec_settings {
    size_t max_message_size;
    size_t max_depth;
    size_t max_nodes;
    size_t max_attributes, max_namespaces; /* per element, checked before libxml2 parses it */
    size_t max_namespaces_in_scope;
    size_t max_token_size;
    size_t max_references;
    size_t max_transforms;
    size_t max_encrypted_keys;
    size_t max_signatures; /* ds:Signature elements in our Security header */
    size_t max_c14n_bytes; /* bytes canonicalized for signatures, per message */
    size_t min_rsa_bits;
    size_t min_ec_bits; /* every EC key of a chain */
    int64_t clock_skew_ms;
    int64_t max_age_ms;
    int64_t timestamp_ttl_ms;
    bool timestamp_millis;
    char *actor;
    int password_type;
    unsigned require;
    wssec_strlist require_signed;    /* signed:XPATH */
    wssec_strlist require_signed_by; /* signed-by:REGEX */
    char *username;
    wssec_strlist actions;
    bool have_now;
    wssec_time now;
    size_t replay_cache_size;
    char *replay_cache;
    char *redis_password_file, *redis_password_env;
    size_t redis_connect_timeout_ms, redis_command_timeout_ms, redis_pool_size;
    bool replay_signatures;
    /* outbound signature */
    char *sign_key, *sign_cert, *sign_chain, *pkcs12, *pkcs12_pw_file, *pkcs12_pw_env;
    int key_id;
    int bst_type;
    int sign_alg;   /* index into wssec__sig_algs */
    int digest_alg; /* index into wssec__digest_algs */
    wssec_strlist sign_parts;
    wssec_strlist namespaces; /* prefix=uri */
    /* inbound signature and trust */
    wssec_strlist trust, certs, intermediates, crl, subjects, issuers, allow_transforms;
    wssec_strlist bsp_relax; /* BSP rules relaxed by name (bsp.c) */
    int crl_check; /* WSSEC_CRL_* */
    size_t max_chain_length;
    bool cert_cache;
    size_t cert_cache_size;
    int64_t cert_cache_max_age_ms;
    bool allow_sha1;
    /* encryption */
    char *encrypt_cert, *decrypt_key, *decrypt_cert, *psk_file, *psk_name;
    int enc_alg;       /* index into wssec__enc_algs */
    int key_transport; /* index into wssec__kt_algs */
    int enc_key_id;    /* WSSEC_KEYID_* (not bst-type) */
    wssec_strlist encrypt_parts;
    wssec_strlist require_encrypted; /* encrypted:XPATH */
    bool allow_cbc, allow_rsa15;
    /* identity assertion and plug-ins (identity.c, plugin.c) */
    char *assert_user, *assert_dn, *assert_cert;
    bool strip_security;
    wssec_strlist trusted_upstreams;
    int trust_mode; /* WSSEC_TRUST_SIGNATURE, WSSEC_TRUST_BASIC */
    wssec_strlist plugins;
} wssec_settings;

enum { WSSEC_CRL_ALL = 0, WSSEC_CRL_LEAF = 1, WSSEC_CRL_OFF = 2 };
extern const char *const wssec__crl_check_names[];
extern const char *const wssec__enc_key_id_names[];

/* ---- algorithms (algs.c) ---- */

typedef struct wssec_alg {
    const char *name; /* as options spell it: "rsa-sha256" */
    const char *uri;  /* as messages spell it */
    bool weak;        /* SHA-1: only with allow-sha1 */
    int key_type;     /* EVP_PKEY_RSA, EVP_PKEY_EC; 0 for digests */
} wssec_alg;

extern const wssec_alg wssec__sig_algs[];    /* NULL-name terminated */
extern const wssec_alg wssec__digest_algs[]; /* NULL-name terminated */
extern const wssec_alg wssec__enc_algs[];    /* data encryption; key_type = key bytes */
extern const wssec_alg wssec__kt_algs[];     /* key transport and wrap */
extern const char *const wssec__enc_alg_names[];
extern const char *const wssec__kt_alg_names[];
enum { WSSEC_KT_RSA_OAEP = 0, WSSEC_KT_RSA15, WSSEC_KT_KW_AES128, WSSEC_KT_KW_AES256 };
extern const char *const wssec__sig_alg_names[];
extern const char *const wssec__digest_alg_names[];
extern const char *const wssec__keyid_names[];
extern const char *const wssec__bsttype_names[];
extern const char *const wssec__transform_names[];

/* ---- the Basic Security Profile rules a peer may be let off (bsp.c) ---- */

enum wssec_bsp_rule {
    WSSEC_BSP_R3029 = 0, /* BinarySecurityToken EncodingType: a token without one read as base64 */
    WSSEC_BSP_R4201,     /* Password Type attribute: a namespace-qualified wsse:Type accepted */
    WSSEC_BSP_R4220,     /* Nonce EncodingType: a Nonce without one read as base64 */
    WSSEC_BSP_R5404,     /* SignedInfo CanonicalizationMethod: inclusive C14N accepted */
    WSSEC_BSP_R5412,     /* a Reference's last transform: inclusive C14N accepted */
    WSSEC_BSP_R5417,     /* a Signature's KeyInfo: ds:X509Data accepted in place of an STR */
    WSSEC_BSP_R5426,     /* an EncryptedKey's KeyInfo: ds:X509Data accepted in place of an STR */
    WSSEC_BSP_N
};
/* The rule names and aliases bsp-relax accepts (NULL-terminated). */
extern const char *const wssec__bsp_relax_names[];
/* Whether bsp-relax names the rule (by its number or an alias). */
bool wssec__bsp_relaxed(const wssec_settings *s, int rule);
/* "R4220" */
const char *wssec__bsp_rule_name(int rule);
const wssec_alg *wssec__alg_by_uri(const wssec_alg *table, const char *uri);

#define WSSEC_URI_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define WSSEC_URI_C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define WSSEC_URI_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define WSSEC_URI_XPATH "http://www.w3.org/TR/1999/REC-xpath-19991116"
#define WSSEC_URI_XPATH2 "http://www.w3.org/2002/06/xmldsig-filter2"
#define WSSEC_URI_XSLT "http://www.w3.org/TR/1999/REC-xslt-19991116"
/* Namespaces, value types and encoding types: include/wssec/ns.h
 * (WSSEC_NS_DS, WSSEC_NS_XENC, WSSEC_X509_PROFILE, WSSEC_VT_X509V3,
 * WSSEC_VT_PKIPATH, WSSEC_VT_PKCS7, WSSEC_VT_SKI, WSSEC_VT_THUMBPRINT,
 * WSSEC_ENC_BASE64, ...), through wssec/wssec.h. */

/* ---- certificates and names (x509.c) ---- */

typedef struct wssec_certpool wssec_certpool;
/* A pool of parsed certificates for at most max entries (0: no pool, *out NULL). */
int wssec__certpool_new(wssec_certpool **out, size_t max);
void wssec__certpool_free(wssec_certpool *p);
/* One DER certificate, exactly: from the pool (a new reference) or parsed.
 * p may be NULL (always parsed). WSSEC_ETOKEN when it is not one. */
int wssec__cert_from_der(wssec_certpool *p, const unsigned char *der, size_t len, X509 **out);

/* After a PEM_read_bio_* loop returned NULL: 0 when it met the end of the
 * input, WSSEC_ENOMEM or WSSEC_ECONFIG when a block failed to decode (clears
 * the error queue either way). */
int wssec__pem_read_end(void);
/* 1 when OpenSSL decoded the certificate's public key (a certificate parsed
 * when its key decoder could not be allocated has none). */
int wssec__cert_usable(const X509 *x);
int wssec__load_certs(const char *path, STACK_OF(X509) **out, char *why, size_t whylen);
int wssec__load_key(const char *path, EVP_PKEY **out, char *why, size_t whylen);
int wssec__load_pkcs12(const char *path, const char *password, EVP_PKEY **key, X509 **cert,
                       STACK_OF(X509) **chain, char *why, size_t whylen);
int wssec__asn1_time(const ASN1_TIME *t, wssec_time *out);
void wssec__asn1_time_text(const ASN1_TIME *t, char *buf, size_t size);
/* RFC 4514 text of a name, UTF-8. */
/* 0, or WSSEC_ENOMEM with buf "" (an identity must not silently become ""). */
int wssec__dn_text(const X509_NAME *name, char *buf, size_t size);
void wssec__cert_fingerprint(const X509 *cert, char hex[65]);
/* 0, or WSSEC_ENOMEM with buf "?". */
int wssec__cert_serial(const X509 *cert, char *buf, size_t size);
/* "'subject' (issuer 'issuer', serial N, SHA-256 0123...)" */
void wssec__cert_describe(const X509 *cert, char *buf, size_t size);
int wssec__cert_thumbprint(const X509 *cert, unsigned char out[20]);
/* Canonical DN forms (see x509.c); caller frees. WSSEC_EINVALID for bad text. */
int wssec__dn_canon_name(const X509_NAME *name, char **out);
int wssec__dn_canon_text(const char *text, bool reverse, char **out);
/* The same, WSSEC_ELIMIT past max_values attribute values (0: no bound). */
int wssec__dn_canon_text_max(const char *text, bool reverse, size_t max_values, char **out);
/* 1 when the name equals the text DN (in RFC 4514 order, or either order). */
int wssec__dn_equal_text(const X509_NAME *name, const char *text, bool either_order);
/* 1 when the certificate's serial equals the decimal text. */
int wssec__serial_equal_text(const X509 *cert, const char *text);

/* ---- trust (trust.c) ---- */

typedef struct wssec_trust wssec_trust;
enum { WSSEC_USE_SIGN = 1, WSSEC_USE_ENCRYPT = 2 };

int wssec__trust_new(wssec_trust **out, const wssec_settings *s, wssec_errrec *err);
wssec_trust *wssec__trust_retain(wssec_trust *t);
void wssec__trust_release(wssec_trust *t);
int wssec__trust_has_anchors(const wssec_trust *t);
int wssec__trust_has_subject_rules(const wssec_trust *t);
STACK_OF(X509) *wssec__trust_known(const wssec_trust *t);
STACK_OF(X509) *wssec__trust_anchors(const wssec_trust *t);
/* 1 when cert chains to an anchor through configured certificates only (none
 * carried in the message), at the message's clock; 0 when not. */
int wssec__trust_configured_chain(wssec_msg *msg, X509 *cert);
/* Validates leaf (with the certificates presented in the message) against
 * the message's trust snapshot at the message's clock; records a precise
 * WSSEC_EUNTRUSTED on the message. role names the certificate ("signer"). */
int wssec__trust_check(wssec_msg *msg, X509 *leaf, STACK_OF(X509) *presented,
                       STACK_OF(X509_CRL) *crls, int usage, const char *role, xmlNodePtr node);
/* Adds the chain as OpenSSL would build it, one property per link with its
 * status ("chain-0" ... "chain-N"), to a token: for `wssec inspect`. */
int wssec__trust_describe(wssec_msg *msg, wssec_token *tok, STACK_OF(X509_CRL) *crls);

void wssec__settings_init(wssec_settings *s);
int wssec__settings_copy(wssec_settings *dst, const wssec_settings *src);
void wssec__settings_free(wssec_settings *s);

/* ---- configuration and context ---- */

typedef struct wssec_modlist {
    const wssec_module **v;
    size_t n;
} wssec_modlist;

struct wssec_config {
    wssec_settings s;
    wssec_modlist modules;
    wssec_password_cb password_cb;
    void *password_ud;
    wssec_clock_cb clock_cb;
    void *clock_ud;
    wssec_replay_cache *replay;
    bool require_set; /* "require" was given: it replaces the default */
    wssec_trusted_id_cb trusted_id_cb; /* NULL: the trusted-upstream list */
    void *trusted_id_ud;
    wssec_explain_cb explain_cb; /* NULL: nothing captured */
    void *explain_ud;
    wssec_errrec err;
};

struct wssec_ctx {
    wssec_settings s;
    /* trust: the current snapshot, swapped by wssec_ctx_reload_trust() */
    pthread_mutex_t trust_lock;
    wssec_trust *trust;
    wssec_certpool *certpool; /* parsed token certificates, shared by all messages */
    /* outbound signing identity */
    EVP_PKEY *sign_pkey;
    X509 *sign_x509;
    STACK_OF(X509) *sign_chain;
    /* encryption: the recipient (outbound), our decryption keys (inbound),
     * a pre-shared key for kw-aes key wrap */
    X509 *enc_x509;
    EVP_PKEY *dec_pkey[2];
    X509 *dec_x509[2];
    STACK_OF(X509) *dec_certs; /* the dec_x509 that exist */
    size_t n_dec;
    unsigned char psk[32];
    size_t psk_len;
    wssec_modlist modules;
    wssec_password_cb password_cb;
    void *password_ud;
    wssec_clock_cb clock_cb;
    void *clock_ud;
    wssec_replay_cache *replay;
    struct wssec_idctx *identity; /* identity assertion and plug-ins (identity.c) */
    wssec_explain_cb explain_cb;  /* wssec verify --explain */
    void *explain_ud;
};

/* The current trust snapshot, retained for the caller. */
wssec_trust *wssec__ctx_trust(const wssec_ctx *ctx);
/* Checks the policy options (XPath expressions, regular expressions) once. */
int wssec__policy_check_config(wssec_config *cfg);
/* Reads the first line of a file (a secret), without the line end. */
/* NULL when path can be opened for reading and is not a directory; otherwise
 * the reason ("cannot be opened: <system reason>", "is a directory") in buf. */
const char *wssec__unreadable(const char *path, char *buf, size_t size);
int wssec__read_secret(const char *path, char *buf, size_t size, size_t *len, char *why,
                       size_t whylen);

/* Module lookup: by element (and ValueType), or by action name. */
const wssec_module *wssec__module_for_elem(const wssec_ctx *ctx, xmlNodePtr elem);
const wssec_module *wssec__module_by_name(const wssec_ctx *ctx, const char *name);

/* Silences libxml2's error output for the calling thread (its handlers are
 * per thread): errors are reported on the message instead. */
void wssec__quiet_libxml(void);

/* Out of memory inside libxml2 or xmlsec, on this thread: libxml2 2.9
 * carries on after some failed allocations and hands back a damaged tree (a
 * namespace declaration without its prefix, a node or attribute missing), so
 * every public call that works on a document clears this first and, when
 * libxml2 or xmlsec reported an allocation failure meanwhile (through the
 * handlers wssec installs), fails with WSSEC_ENOMEM instead of succeeding. */
void wssec__oom_clear(void);
int wssec__oom_seen(void);

/* Process-wide one-time initialisation of libxml2, xmlsec and OpenSSL. */
int wssec__global_init(void);

/* ---- replay caches by name (replay_redis.c) ---- */

/* A parsed Redis URL. The password is a secret: wipe the struct after use. */
typedef struct wssec_redis_url {
    int unix_socket; /* 1: path; 0: host and port */
    char host[256];
    unsigned port;
    char path[108]; /* sun_path */
    unsigned db;
    char user[128];
    char password[513];
    int has_password;
    char endpoint[300]; /* "host:port", "[v6]:port" or the socket path: for reasons */
    char name[420];     /* the URL without credentials: for reports */
} wssec_redis_url;

/* Parses "redis://[[user]:password@]host[:port][/db]" or
 * "unix:///path[?db=N]"; WSSEC_ECONFIG with a reason (never echoing the URL,
 * which may hold a password) for anything else, "rediss://" included. */
int wssec__redis_url_parse(wssec_redis_url *u, const char *url, char *why, size_t whylen);
/* The cache the "replay-cache" option names: memory (sized by
 * replay-cache-size) or a Redis URL (with the redis-* options); errors go
 * to err. */
int wssec__replay_cache_from_settings(wssec_replay_cache **out, const wssec_settings *s,
                                      wssec_errrec *err);

/* ---- tokens, results, messages ---- */

/* The one message of every decryption failure (no oracle). */
#define WSSEC_DECRYPT_FAILED "decryption failed"


struct wssec_token {
    char *type;
    xmlNodePtr node;
    char *identity;
    int status;
    wssec_errrec *err;     /* the token's error, or NULL while it has none */
    char **names;
    char **values;
    size_t nprops;
    X509 *cert;            /* X.509 tokens: the end-entity certificate */
    STACK_OF(X509) *chain; /* the other certificates the token carried */
    STACK_OF(X509_CRL) *crls; /* CRLs the token carried (PKCS7) */
    const wssec_token *signer_token; /* signatures: the token that held the key */
    X509 *signer_cert;               /* signatures: the certificate whose key verified it */
    /* signatures, for replay detection: SHA-256 over the SHA-256 of the
     * signer's public key (one encoding per key) and the canonical SignedInfo (what the
     * key fixes, whatever the encoding of the SignatureValue or the
     * certificate that carried the key), and when the signer's certificate
     * expires (the horizon of a signature without a signed Timestamp) */
    unsigned char replay_key[32];
    bool has_replay_key;
    wssec_time signer_not_after;
};

/* One decrypted part: the element that came out of an EncryptedData, or
 * (content) the element whose content did; for content, first..last are
 * the nodes decryption inserted there (what counts as decrypted: never
 * cleartext placed beside the EncryptedData). */
typedef struct wssec_plain {
    xmlNodePtr node;
    bool content;
    xmlNodePtr first, last;
} wssec_plain;

/* One verified signature reference: the node it covered. */
typedef struct wssec_ref {
    xmlNodePtr node;
    char *uri;
    const char *digest; /* algorithm name, static */
    const wssec_token *signature;
    bool whole; /* the whole subtree is covered (no XPath/XSLT transform) */
} wssec_ref;

struct wssec_result {
    wssec_errrec err;
    wssec_token **tokens;
    size_t ntokens;
    const wssec_token *caller;
    wssec_ref *refs;
    size_t nrefs;
    wssec_strlist warnings;
    wssec_plain *plains;
    size_t nplains;
    const wssec_token *asserted_by; /* identity assertion: the upstream's token */
    int assertion_proof;            /* a wssec_upstream_proof */
};

struct wssec_msg {
    const wssec_ctx *ctx;
    xmlDocPtr doc;
    int soap;
    const char *soap_ns;
    xmlNodePtr envelope, header, body, security;
    bool had_xmldecl;
    wssec_errrec err;
    wssec_result *res; /* being built by verify/inspect */
    wssec_time now;
    bool inspecting;
    bool failed;          /* an error was recorded for the current step */
    const char *username; /* outbound: the user of a UsernameToken */
    wssec_trust *trust;   /* the snapshot this message is checked against */
    bool cert_cache_hit;  /* the last trust check was answered by the cache */
    STACK_OF(X509) *candidates; /* while resolving a key reference */
    /* inbound: tokens consumed ahead of the walk (forward references) */
    int (*consume_ahead)(wssec_msg *msg, xmlNodePtr elem);
    xmlNodePtr ahead[8];
    size_t nahead;
    /* inbound decryption, carried out between walks of the header (see
     * pipeline.c): the queued jobs, the EncryptedData they claim, whether a
     * verified signature covered ciphertext (then only covered ciphertext is
     * decrypted), whether ciphertext no signature covered was decrypted in an
     * unauthenticated mode (then every later rejection reads the same) */
    struct wssec_deferred *jobs;
    size_t njobs, jobs_cap;
    xmlNodePtr *claimed;
    size_t nclaimed, claimed_cap;
    bool signed_ciphertext;
    bool oracle_risk;
    bool decrypted;        /* something was decrypted in this message */
    bool retry;            /* the current consumer asks to run again after decryption */
    bool plaintext_refused; /* verify failed after decrypting: never serialized */
    size_t c14n_bytes; /* canonicalized so far for signatures (max-c14n-bytes) */
    /* outbound identity assertion (borrowed, during wssec_secure) and the
     * Security header strip-security took out (freed when it ends) */
    const char *assert_user, *assert_dn;
    xmlNodePtr stripped;
};

int wssec__result_new(wssec_result **out);
/* Adds a warning once (the same text twice is kept once). */
int wssec__result_warn(wssec_result *r, const char *text);
int wssec__result_add_ref(wssec_result *r, xmlNodePtr node, const char *uri, const char *digest,
                          const wssec_token *signature, bool whole);
int wssec__result_add_plain(wssec_result *r, xmlNodePtr node, bool content, xmlNodePtr first,
                            xmlNodePtr last);
/* Before old (and its subtree) leaves the document: every record that names
 * old is re-pointed to the elements first..last that replace it (a signed
 * EncryptedData's plaintext counts as signed), and every record that names a
 * node inside old is dropped (tokens: re-pointed to the first element), so
 * that nothing in the result points at freed memory. */
int wssec__result_replace(wssec_result *r, xmlNodePtr old, xmlNodePtr first, xmlNodePtr last);
/* Forgets what a rejected message proved: caller, coverage, decrypted parts,
 * token identities (a rejection is final). */
void wssec__result_reject(wssec_result *r);
/* 1 when node is, or lies inside, a decrypted part. */
int wssec__result_decrypted(const wssec_result *r, xmlNodePtr node);
/* Re-checks the document after decryption put new nodes in it: SOAP
 * structure, no PI or entity reference, IDs unique and registered. */
int wssec__recheck(wssec_msg *msg);
/* 1 when node is, or lies inside, a node a verified reference covered whole. */
int wssec__result_covers(const wssec_result *r, xmlNodePtr node);
/* The token whose element carries wsu:Id (or Id) id, or NULL. */
wssec_token *wssec__token_by_id(const wssec_msg *msg, const char *id);
/* A decryption that a consumer found during the walk of the header and
 * that the pipeline carries out after it: first every queued job's check
 * (with every signature that could be verified before any decryption known,
 * whatever the order of the header's blocks), then every job's run. */
typedef struct wssec_deferred {
    wssec_token *token;
    int (*check)(wssec_msg *msg, void *job);
    int (*run)(wssec_msg *msg, void *job);
    void (*free)(void *job);
    void *job;
} wssec_deferred;
/* Queues a job (owned by the message from now on, freed with free even on
 * failure). */
int wssec__msg_defer(wssec_msg *msg, wssec_token *tok, int (*check)(wssec_msg *, void *),
                     int (*run)(wssec_msg *, void *), void (*free_job)(void *), void *job);
/* Claims an EncryptedData for decryption: WSSEC_EMALFORMED when another
 * EncryptedKey of this message claimed it already. */
int wssec__msg_claim(wssec_msg *msg, xmlNodePtr data);
void wssec__msg_unclaim(wssec_msg *msg, xmlNodePtr data);
/* A consumer whose failure may be due to content still encrypted (a
 * signature over plaintext, sign-then-encrypt) asks to be run again after
 * the queued decryptions; the pipeline grants it only when decryptions are
 * queued, else the failure stands. */
void wssec__msg_retry_after_decryption(wssec_msg *msg);
/* Frees the message's inbound state (jobs, claims). */
void wssec__msg_clear_inbound(wssec_msg *msg);

/* ---- key references (keyref.c) ---- */

/* Where a key's certificate came from. */
typedef struct wssec_key_source {
    X509 *cert;                /* borrowed, or owned when own_cert */
    STACK_OF(X509) *presented; /* certificates the message carried with it */
    const wssec_token *token;  /* the token it came from, or NULL */
    const char *how;           /* "bst", "issuer-serial", "ski", "thumbprint", "x509", ... */
    bool own_cert, own_presented;
} wssec_key_source;

/* Resolves a ds:KeyInfo (one SecurityTokenReference or X509Data); candidates
 * (may be NULL) are searched first, then the message's tokens, then the
 * known certificates. */
int wssec__key_resolve(wssec_msg *msg, xmlNodePtr key_info, STACK_OF(X509) *candidates,
                       wssec_key_source *k);
void wssec__key_source_free(wssec_key_source *k);
/* Writes a SecurityTokenReference naming cert under parent: key_id is a
 * WSSEC_KEYID_*; for WSSEC_KEYID_BST, bst is the token element. */
int wssec__str_write(wssec_msg *msg, xmlNodePtr parent, X509 *cert, int key_id, xmlNodePtr bst,
                     int bst_type);
/* Base64 content of an element, at most max-token-size bytes, not empty. */
int wssec__b64_elem(wssec_msg *msg, xmlNodePtr e, unsigned char **out, size_t *len);
/* The element's registered ID, or a fresh wsu:Id (prefix-HEX; NULL: by kind). */
const char *wssec__id_of(wssec_msg *msg, xmlNodePtr e, const char *prefix);

/* Puts a certificate (and the others its token carried; both owned by the
 * token from now on) into an X.509 token, with its identity and properties. */
int wssec__token_set_cert(wssec_token *tok, X509 *leaf, STACK_OF(X509) *others);
/* The policy (policy.c). */
int wssec__run_policy(wssec_msg *msg);
/* Refuses a signed security token moved out of our Security header (policy.c). */
int wssec__signed_tokens_in_place(wssec_msg *msg);
/* Evaluates an XPath with the predefined and configured prefixes. *obj is
 * freed by the caller (xmlXPathFreeObject); *out points into it. */
int wssec__xpath_select(wssec_msg *msg, const char *expr, xmlNodeSetPtr *out,
                        xmlXPathObjectPtr *obj);
int wssec__part_is_xpath(const char *part);

/* ---- parsing and the SOAP model (xml.c, soap.c) ---- */

/* Parses data into a document with the safe settings and limits. */
int wssec__xml_parse(wssec_errrec *err, const wssec_settings *s, const char *data, size_t len,
                     xmlDocPtr *out);
/* The linear scan wssec__xml_parse runs first: encoding, and attributes and
 * namespace declarations per start tag, counted before libxml2 sees them. */
int wssec__xml_prescan(wssec_errrec *err, const wssec_settings *s, const char *data, size_t len);
/* Registers the IDs of the document; a duplicate value fails. */
int wssec__xml_register_ids(wssec_errrec *err, xmlDocPtr doc);
/* Checks the envelope and fills msg->soap, header, body, security. */
int wssec__soap_bind(wssec_msg *msg);
/* 1 if a header block is targeted at this node given the configured actor. */
int wssec__soap_targets_us(const wssec_msg *msg, xmlNodePtr block);

/* Gives an element a fresh, registered wsu:Id; returns it (borrowed) or NULL. */
const char *wssec__new_id(wssec_msg *msg, xmlNodePtr elem, const char *prefix);

/* Appends an element {ns}local (with text, if not NULL) to parent, declaring
 * the namespace with prefix on it when it is not in scope. NULL on ENOMEM. */
xmlNodePtr wssec__add_elem(wssec_msg *msg, xmlNodePtr parent, const char *ns, const char *prefix,
                           const char *local, const char *text);

/* RSA key transport unwrap of want bytes (encryption.c). With RSA-1.5
 * (kt WSSEC_KT_RSA15) it never fails: a non-conformant key yields a
 * substitute derived from the wrapped bytes and a per-process secret. */
int wssec__rsa_unwrap(EVP_PKEY *pk, int kt, const unsigned char *in, size_t inlen, size_t want,
                      unsigned char *key);

/* Built-in modules. */
extern const wssec_module wssec__module_timestamp;
extern const wssec_module wssec__module_username;
extern const wssec_module wssec__module_bst;
extern const wssec_module wssec__module_signature;
extern const wssec_module wssec__module_encryption;

/* ---- identity assertion (identity.c, tokens/assertion.c) and plug-ins (plugin.c) ---- */

enum { WSSEC_TRUST_SIGNATURE = 0, WSSEC_TRUST_BASIC = 1 };
extern const char *const wssec__trust_mode_names[];
/* The token type of an asserted identity (a UsernameToken without Password,
 * an asserted X.509 token); properties "asserted-kind" (username, dn) and
 * "asserted" (the identity). It has no identity until the identity phase
 * accepts it. */
#define WSSEC_TOKEN_ASSERTION "identity-assertion"
extern const wssec_module wssec__module_assertion;

/* 1 when inbound identity assertion is configured (a trusted-upstream list or
 * a trusted-ID evaluator). */
int wssec__identity_enabled(const wssec_ctx *ctx);
/* Builds ctx->identity from cfg (checks the options, loads assert-cert). */
int wssec__identity_ctx_init(wssec_ctx *ctx, wssec_config *cfg);
/* Frees ctx->identity, then the plug-ins' states and shared objects: call
 * last, when nothing of the plug-ins is used any more. */
void wssec__identity_ctx_free(wssec_ctx *ctx);
/* The certificate of the assert-cert option, or NULL. Borrowed. */
X509 *wssec__identity_assert_cert(const wssec_ctx *ctx);
/* The identity phase of wssec_verify, after the policy: binds an asserted
 * identity to its upstream, asks the evaluator, sets the caller. */
int wssec__identity_run(wssec_msg *msg);
/* wssec_secure: the identity to assert and strip-security, before the
 * generators; and the end of the call (frees what was stripped). */
int wssec__identity_secure_begin(wssec_msg *msg, const wssec_secure_options *opts);
void wssec__identity_secure_end(wssec_msg *msg);
/* The plug-ins: wssec_ctx_new() for a configuration with "plugin" entries
 * (loads them into a copy of cfg, builds the context from it). */
typedef struct wssec_plugins wssec_plugins;
int wssec__ctx_new_with_plugins(wssec_ctx **out, wssec_config *cfg);
void wssec__plugins_close(wssec_plugins *p);
/* Hands loaded plug-ins to a context (they are closed with it). */
void wssec__identity_adopt_plugins(wssec_ctx *ctx, wssec_plugins *p);

/* ---- publicapi additions ---- */

/* The error record an object without an error reports (code 0, every string
 * ""), and the one the error accessors return for a NULL object
 * (WSSEC_EINVALID): the accessors never return NULL. */
const wssec_error *wssec__err_none(void);
const wssec_error *wssec__err_null(void);
/* Sets a token's error: a copy of @p from when it holds one, else the
 * description of @p code; the record's code is @p code either way.
 * @return 0 or WSSEC_ENOMEM. */
int wssec__token_fail(wssec_token *t, int code, const wssec_errrec *from);

/* The body of every wssec_<struct>_init(): refuses version 0 and versions
 * newer than @p current (WSSEC_EINVALID), else zeroes the @p size bytes the
 * caller's version has and copies them from @p tmpl (the struct's
 * *_INIT), then sets the version (the struct's first member). */
int wssec__struct_init(void *p, const void *tmpl, size_t size, unsigned version,
                       unsigned current);

/* Argument checks of the public entry points: a NULL where the prototype
 * wants an object fails cleanly (WSSEC_EINVALID, or NULL/0/no-op as each
 * function documents) instead of crashing. The headers' WSSEC_NONNULL is
 * compiled out inside the library (WSSEC_BUILDING), so the compiler cannot
 * assume these pointers non-NULL and drop the checks. */
#define WSSEC_ARG(cond)                     \
    do {                                    \
        if (!(cond)) return WSSEC_EINVALID; \
    } while (0)
#define WSSEC_ARG_OR(cond, value)     \
    do {                              \
        if (!(cond)) return (value);  \
    } while (0)
#define WSSEC_ARG_VOID(cond) \
    do {                     \
        if (!(cond)) return; \
    } while (0)

/* Module names: a module, its action and the tokens it records share one
 * name (README, "Names of modules, actions and tokens"). Older spellings
 * stay accepted wherever an action is named: this gives the name an alias
 * stands for, or @p name itself. */
const char *wssec__module_alias(const char *name);

#endif /* WSSEC_INTERNAL_H */
