/*
 * wssec — the key locator (include/wssec/keylocator.h): where a private
 * key comes from. The default locator answers from the context's
 * configured keys (context.c loads them: files, PKCS#12, PKCS#11 tokens);
 * a custom one, installed on the configuration, is asked instead, through
 * the one SDK call the token modules make (wssec_msg_locate_key). For
 * decryption the locator is asked with the EncryptedKey's key reference,
 * read here from its KeyInfo before any key or ciphertext is used; what
 * it answers is then used like any configured key, so a wrong key fails
 * with the same "decryption failed" (tokens/encryption.c).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "keylocator.h"
#include "config.h"
#include "context.h"
#include "error.h"
#include "keyref.h"
#include "record.h"
#include "util.h"
#include "validate.h"
#include "x509.h"
#include "x509_dn.h"
#include "xml.h"

#define MAX_ISSUER_VALUES 64

/* ---- the structs ---- */

int wssec_key_query_init(wssec_key_query *query, unsigned version)
{
    static const wssec_key_query tmpl = WSSEC_KEY_QUERY_INIT;
    return wssec__struct_init(query, &tmpl, sizeof(tmpl), version, WSSEC_KEY_QUERY_VERSION);
}

int wssec_located_key_init(wssec_located_key *found, unsigned version)
{
    static const wssec_located_key tmpl = WSSEC_LOCATED_KEY_INIT;
    return wssec__struct_init(found, &tmpl, sizeof(tmpl), version, WSSEC_LOCATED_KEY_VERSION);
}

int wssec_key_locator_init(wssec_key_locator *locator, unsigned version)
{
    static const wssec_key_locator tmpl = WSSEC_KEY_LOCATOR_INIT;
    return wssec__struct_init(locator, &tmpl, sizeof(tmpl), version, WSSEC_KEY_LOCATOR_VERSION);
}

void wssec_located_key_clear(wssec_located_key *found)
{
    if (!found) return;
    EVP_PKEY_free(found->key);
    X509_free(found->cert);
    sk_X509_pop_free(found->chain, X509_free);
    found->key = NULL;
    found->cert = NULL;
    found->chain = NULL;
}

int wssec_config_set_key_locator(wssec_config *cfg, const wssec_key_locator *locator,
                                 void *userdata)
{
    wssec_key_locator l = WSSEC_KEY_LOCATOR_INIT;
    if (locator) {
        if (locator->version < 1 || locator->version > WSSEC_KEY_LOCATOR_VERSION ||
            !locator->locate)
            return WSSEC_ERR(&cfg->err, WSSEC_EINVALID,
                             "key locator: version %u (1 to %d known) or no callback",
                             locator->version, WSSEC_KEY_LOCATOR_VERSION);
        l.name = locator->name;
        l.locate = locator->locate;
    }
    cfg->key_locator = l;
    cfg->key_locator_ud = locator ? userdata : NULL;
    return 0;
}

EVP_PKEY *wssec__pkey_for_use(EVP_PKEY *pk)
{
    if (!pk) return NULL;
    /* a key without a provider is a legacy key: in this library's use, one
     * an engine holds (EVP_PKEY_dup() cannot copy it: its private part
     * never leaves the token) */
    if (!EVP_PKEY_get0_provider(pk)) return EVP_PKEY_up_ref(pk) ? pk : NULL;
    return EVP_PKEY_dup(pk);
}

/* ---- the copy of a key kept for its private-key operations ---- */

static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static int kept_idx = -1;

static void kept_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                         void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    EVP_PKEY_free(ptr);
}

/* A copy of a key (EVP_PKEY_dup) does not share the original's kept copy:
 * without this, OpenSSL copies the pointer, and freeing either frees it. */
static int kept_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx,
                       long argl, void *argp)
{
    (void)to, (void)from, (void)idx, (void)argl, (void)argp;
    *from_d = NULL;
    return 1;
}

static void kept_init(void)
{
    kept_idx = EVP_PKEY_get_ex_new_index(0, NULL, NULL, kept_dup, kept_free);
}

EVP_PKEY *wssec__pkey_kept(EVP_PKEY *pk)
{
    if (!pk) return NULL;
    pthread_once(&kept_once, kept_init);
    if (kept_idx < 0 || !EVP_PKEY_get0_provider(pk)) return wssec__pkey_for_use(pk);
    EVP_PKEY *fresh = NULL, *out = NULL;
    for (int pass = 0; pass < 2 && !out; pass++) {
        pthread_mutex_lock(&kept_lock);
        EVP_PKEY *kept = EVP_PKEY_get_ex_data(pk, kept_idx);
        /* pk gets its ex_data before the first copy, so that every copy is
         * made alike (a copy of a key with ex_data gets its own, empty) */
        if (!kept && !fresh) EVP_PKEY_set_ex_data(pk, kept_idx, NULL);
        if (!kept && fresh && EVP_PKEY_set_ex_data(pk, kept_idx, fresh)) {
            kept = fresh;
            fresh = NULL;
        }
        if (kept && EVP_PKEY_up_ref(kept)) out = kept;
        pthread_mutex_unlock(&kept_lock);
        if (!out && !fresh && !(fresh = EVP_PKEY_dup(pk))) break; /* copied outside the lock */
    }
    EVP_PKEY_free(fresh); /* another thread kept its copy first, or memory is short */
    ERR_clear_error();
    return out;
}

void wssec__pkey_kept_renew(EVP_PKEY *pk, const EVP_PKEY *used)
{
    if (!pk || !used) return;
    pthread_once(&kept_once, kept_init);
    if (kept_idx < 0) return;
    EVP_PKEY *drop = NULL;
    pthread_mutex_lock(&kept_lock);
    if (EVP_PKEY_get_ex_data(pk, kept_idx) == used) {
        /* replaced at once (nothing kept when memory is short: the next
         * use makes it) */
        EVP_PKEY *fresh = EVP_PKEY_dup(pk);
        if (EVP_PKEY_set_ex_data(pk, kept_idx, fresh)) drop = (EVP_PKEY *)used;
        else EVP_PKEY_free(fresh);
    }
    pthread_mutex_unlock(&kept_lock);
    EVP_PKEY_free(drop); /* the kept reference; the caller still holds its own */
    ERR_clear_error();
}

bool wssec__err_resource_failure(void)
{
    bool found = false;
    unsigned long e;
    /* a sender's ciphertext fails in the RSA library with reasons of its
     * own (padding, length, size against the modulus); a failed allocation
     * is a common fatal reason (ERR_R_MALLOC_FAILURE, ERR_R_INTERNAL_ERROR)
     * or an error of the big-number arithmetic, which no ciphertext of the
     * right length makes fail */
    while ((e = ERR_get_error()) != 0)
        if ((ERR_GET_REASON(e) & ERR_RFLAG_FATAL) || ERR_GET_LIB(e) == ERR_LIB_BN) found = true;
    return found;
}

/* ---- matching a reference with a certificate ---- */

static int issuer_matches(const char *issuer, const X509 *x)
{
    char *have = NULL, *canon = NULL, *rev = NULL;
    int eq = wssec__dn_canon_name(X509_get_issuer_name(x), &have) == 0 &&
             wssec__dn_canon_text_max(issuer, false, MAX_ISSUER_VALUES, &canon) == 0 &&
             wssec__dn_canon_text_max(issuer, true, MAX_ISSUER_VALUES, &rev) == 0 &&
             (strcmp(have, canon) == 0 || strcmp(have, rev) == 0);
    wssec__free(have);
    wssec__free(canon);
    wssec__free(rev);
    return eq;
}

int wssec_key_query_matches(const wssec_key_query *query, const X509 *cert)
{
    if (!query || !cert) return 0;
    const ASN1_OCTET_STRING *ski;
    unsigned char d[20];
    switch (query->ref) {
    case WSSEC_KEY_REF_ISSUER_SERIAL:
        return query->issuer && query->serial && wssec__serial_equal_text(cert, query->serial) &&
               issuer_matches(query->issuer, cert);
    case WSSEC_KEY_REF_SKI:
        ski = X509_get0_subject_key_id((X509 *)cert);
        ERR_clear_error();
        return query->id && ski && (size_t)ASN1_STRING_length(ski) == query->id_len &&
               memcmp(ASN1_STRING_get0_data(ski), query->id, query->id_len) == 0;
    case WSSEC_KEY_REF_THUMBPRINT:
        return query->id && query->id_len == 20 && wssec__cert_thumbprint(cert, d) == 0 &&
               memcmp(d, query->id, 20) == 0;
    case WSSEC_KEY_REF_CERT: return query->cert && X509_cmp(query->cert, cert) == 0;
    default: return 0;
    }
}

/* ---- reading an EncryptedKey's reference ---- */

/* What the query points into: freed after the locator answered. */
typedef struct ref_hold {
    unsigned char *id;
    char *issuer, *serial;
    X509 *cert;
} ref_hold;

static void ref_hold_free(ref_hold *h)
{
    wssec__free(h->id);
    xmlFree(h->issuer);
    xmlFree(h->serial);
    X509_free(h->cert);
}

static void ref_bytes(wssec_key_query *q, ref_hold *h, wssec_msg *msg, xmlNodePtr e,
                      wssec_key_ref_type type)
{
    if (wssec_msg_b64_elem(&h->id, &q->id_len, msg, e)) return;
    q->id = h->id;
    q->ref = type;
}

static void ref_cert(wssec_key_query *q, ref_hold *h, wssec_msg *msg, xmlNodePtr e)
{
    unsigned char *der = NULL;
    size_t n = 0;
    if (wssec_msg_b64_elem(&der, &n, msg, e) == 0 &&
        wssec_msg_cert_from_der(&h->cert, msg, der, n) == 0) {
        q->cert = h->cert;
        q->ref = WSSEC_KEY_REF_CERT;
    }
    ERR_clear_error();
    wssec__free(der);
}

static void ref_issuer_serial(wssec_key_query *q, ref_hold *h, xmlNodePtr is)
{
    for (xmlNodePtr c = wssec_xml_first_elem(is); c; c = wssec_xml_next_elem(c)) {
        if (wssec_xml_is(c, WSSEC_NS_DS, "X509IssuerName") && !h->issuer)
            h->issuer = wssec_xml_text(c);
        else if (wssec_xml_is(c, WSSEC_NS_DS, "X509SerialNumber") && !h->serial)
            h->serial = wssec_xml_text(c);
    }
    if (h->issuer && h->serial && *h->issuer && *h->serial) {
        q->issuer = h->issuer;
        q->serial = h->serial;
        q->ref = WSSEC_KEY_REF_ISSUER_SERIAL;
    }
}

/* ds:X509Data: a certificate, else an IssuerSerial, else an SKI (the order
 * keyref.c resolves them in). */
static void ref_x509data(wssec_key_query *q, ref_hold *h, wssec_msg *msg, xmlNodePtr xd)
{
    xmlNodePtr cert = NULL, is = NULL, ski = NULL;
    for (xmlNodePtr c = wssec_xml_first_elem(xd); c; c = wssec_xml_next_elem(c)) {
        if (wssec_xml_is(c, WSSEC_NS_DS, "X509Certificate") && !cert) cert = c;
        else if (wssec_xml_is(c, WSSEC_NS_DS, "X509IssuerSerial")) is = c;
        else if (wssec_xml_is(c, WSSEC_NS_DS, "X509SKI")) ski = c;
    }
    if (cert) ref_cert(q, h, msg, cert);
    else if (is) ref_issuer_serial(q, h, is);
    else if (ski) ref_bytes(q, h, msg, ski, WSSEC_KEY_REF_SKI);
}

static void ref_key_identifier(wssec_key_query *q, ref_hold *h, wssec_msg *msg, xmlNodePtr ki)
{
    const char *vt = wssec_xml_attr(ki, "ValueType");
    if (!vt) return;
    if (strcmp(vt, WSSEC_VT_SKI) == 0) ref_bytes(q, h, msg, ki, WSSEC_KEY_REF_SKI);
    else if (strcmp(vt, WSSEC_VT_THUMBPRINT) == 0)
        ref_bytes(q, h, msg, ki, WSSEC_KEY_REF_THUMBPRINT);
    else if (strcmp(vt, WSSEC_VT_X509V3) == 0) ref_cert(q, h, msg, ki);
}

/* The reference of a KeyInfo, as far as it reads as one of the kinds a
 * locator is asked with (OTHER otherwise: the default locator's
 * resolution says what is wrong with it). Never fails: memory running out
 * leaves OTHER. */
static void read_ref(wssec_key_query *q, ref_hold *h, wssec_msg *msg, xmlNodePtr ki)
{
    q->ref = ki ? WSSEC_KEY_REF_OTHER : WSSEC_KEY_REF_NONE;
    xmlNodePtr c = ki ? wssec_xml_first_elem(ki) : NULL;
    if (!c || wssec_xml_next_elem(c)) return;
    xmlNodePtr r = c;
    if (wssec_xml_is(c, WSSEC_NS_WSSE, "SecurityTokenReference")) {
        r = wssec_xml_first_elem(c);
        if (!r || wssec_xml_next_elem(r)) return;
    }
    if (wssec_xml_is(r, WSSEC_NS_DS, "X509Data")) {
        ref_x509data(q, h, msg, r);
    } else if (wssec_xml_is(r, WSSEC_NS_WSSE, "KeyIdentifier")) {
        ref_key_identifier(q, h, msg, r);
    } else if (wssec_xml_is(r, WSSEC_NS_WSSE, "Reference")) {
        const char *uri = wssec_xml_attr(r, "URI");
        const wssec_token *t = uri && uri[0] == '#' ? wssec_msg_token_by_id(msg, uri + 1) : NULL;
        if (t && !wssec_token_status(t) && wssec_token_cert(t)) {
            q->cert = wssec_token_cert(t);
            q->ref = WSSEC_KEY_REF_CERT;
        }
    }
}

/* ---- the default locator ---- */

static int refuse(char *why, size_t whylen, int rc, const char *fmt, ...) WSSEC_PRINTF(4, 5);

static int refuse(char *why, size_t whylen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (whylen) vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return rc;
}

static int take(wssec_located_key *found, EVP_PKEY *key, X509 *cert, STACK_OF(X509) * chain)
{
    if (!EVP_PKEY_up_ref(key)) return WSSEC_ENOMEM;
    found->key = key;
    if (cert && !X509_up_ref(cert)) return WSSEC_ENOMEM;
    found->cert = cert;
    if (chain && !(found->chain = X509_chain_up_ref(chain))) return WSSEC_ENOMEM;
    return 0;
}

static int default_sign(wssec_located_key *found, const wssec_ctx *ctx, char *why, size_t whylen)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *chain = NULL;
    if (wssec_ctx_signing_key(&key, &cert, &chain, ctx) || !cert)
        return refuse(why, whylen, WSSEC_EUNAVAILABLE,
                      "no signing key (sign-key and sign-cert, or pkcs12)");
    return take(found, key, cert, chain);
}

/* The configured decryption key the resolved certificate is for. */
static EVP_PKEY *dec_key_for(const wssec_ctx *ctx, X509 *named, X509 **cert)
{
    for (size_t i = 0; i < ctx->n_dec; i++)
        if ((ctx->dec_x509[i] && X509_cmp(ctx->dec_x509[i], named) == 0) ||
            EVP_PKEY_eq(X509_get0_pubkey(named), ctx->dec_pkey[i]) == 1) {
            *cert = ctx->dec_x509[i];
            return ctx->dec_pkey[i];
        }
    return NULL;
}

/* The reference resolved as keyref.c resolves every reference, with our
 * decryption certificates as the first candidates; a failure it recorded
 * on the message becomes the reason, and is forgotten there. */
static int resolve_ref(wssec_key_source *k, wssec_msg *msg, xmlNodePtr ki, char *why, size_t whylen)
{
    int rc = wssec__key_resolve(msg, ki, msg->ctx->dec_certs, k);
    if (rc && whylen) snprintf(why, whylen, "%s", wssec_msg_error(msg)->message);
    if (rc) wssec__key_error_forget(msg);
    return rc;
}

static int default_decrypt(wssec_located_key *found, const wssec_key_query *q, char *why,
                           size_t whylen)
{
    const wssec_ctx *ctx = q->msg->ctx;
    X509 *cert = NULL;
    EVP_PKEY *pk = NULL;
    if (ctx->n_dec == 0)
        return refuse(why, whylen, WSSEC_EUNAVAILABLE,
                      "encrypted message, but no decryption key is configured (--decrypt-key, "
                      "or --pkcs12)");
    if (!q->key_info) {
        if (ctx->n_dec == 1) return take(found, ctx->dec_pkey[0], ctx->dec_x509[0], NULL);
        return refuse(why, whylen, WSSEC_EUNAVAILABLE,
                      "EncryptedKey without KeyInfo, and several decryption keys");
    }
    wssec_key_source k = { 0 };
    int rc = resolve_ref(&k, q->msg, q->key_info, why, whylen);
    if (rc == 0) pk = dec_key_for(ctx, k.cert, &cert);
    /* a key configured without its certificate cannot be matched by an
     * issuer-serial or SKI reference: when it is our only key, it is tried */
    if (!pk && ctx->n_dec == 1 && !ctx->dec_x509[0]) {
        pk = ctx->dec_pkey[0];
        rc = 0;
    }
    if (pk) {
        rc = take(found, pk, cert, NULL);
    } else if (rc == 0) {
        char who[700];
        wssec__cert_describe(k.cert, who, sizeof(who));
        rc = refuse(why, whylen, WSSEC_EUNAVAILABLE,
                    "EncryptedKey is for %s, which is not one of our decryption certificates", who);
    } else if (rc == WSSEC_EUNAVAILABLE) {
        refuse(why, whylen, rc,
               "EncryptedKey names a certificate that is not one of our decryption certificates");
    }
    ERR_clear_error();
    wssec__key_source_free(&k);
    return rc;
}

int wssec_key_locate_default(wssec_located_key *found, const wssec_key_query *query, char *why,
                             size_t whylen)
{
    if (whylen) why[0] = '\0';
    if (query->version < 1 || query->version > WSSEC_KEY_QUERY_VERSION || !query->msg)
        return refuse(why, whylen, WSSEC_EINVALID,
                      "wssec_key_locate_default: a query of version 1 to %d, with a message, is "
                      "needed",
                      WSSEC_KEY_QUERY_VERSION);
    int rc = query->use == WSSEC_KEY_USE_DECRYPT
                 ? default_decrypt(found, query, why, whylen)
                 : default_sign(found, query->msg->ctx, why, whylen);
    if (rc) wssec_located_key_clear(found);
    return rc;
}

/* ---- asking the context's locator (sys/keys.h) ---- */

/* What the reference is, for a custom locator's refusal. */
static void ref_text(const wssec_key_query *q, char *buf, size_t size)
{
    char hex[41] = "";
    for (size_t i = 0; q->id && i < q->id_len && i < 20; i++)
        snprintf(hex + 2 * i, sizeof(hex) - 2 * i, "%02x", q->id[i]);
    switch (q->ref) {
    case WSSEC_KEY_REF_ISSUER_SERIAL:
        snprintf(buf, size, "issuer '%.200s', serial %.80s", q->issuer, q->serial);
        break;
    case WSSEC_KEY_REF_SKI: snprintf(buf, size, "SKI %s", hex); break;
    case WSSEC_KEY_REF_THUMBPRINT: snprintf(buf, size, "SHA-1 thumbprint %s", hex); break;
    case WSSEC_KEY_REF_CERT: wssec__cert_describe(q->cert, buf, size); break;
    case WSSEC_KEY_REF_NONE: snprintf(buf, size, "no reference"); break;
    default: snprintf(buf, size, "a reference of another kind"); break;
    }
}

/* A custom locator's answer, checked: a key (and, to sign, a certificate
 * it belongs to), or a wssec code with a reason naming the locator. */
static int ask_custom(wssec_located_key *found, const wssec_key_query *q, char *why, size_t whylen)
{
    const wssec_ctx *ctx = q->msg->ctx;
    const char *name = ctx->key_locator.name ? ctx->key_locator.name : "custom";
    bool sign = q->use == WSSEC_KEY_USE_SIGN;
    char said[sizeof(((wssec_errrec *)0)->message)] = "", what[700];
    int got = ctx->key_locator.locate(found, q, said, sizeof(said), ctx->key_locator_ud);
    said[sizeof(said) - 1] = '\0'; /* whatever the callback did with the buffer */
    int rc = wssec__validator_code(got, WSSEC_EUNAVAILABLE);
    if (rc == 0 && !found->key) rc = WSSEC_EUNAVAILABLE;
    if (rc == 0 && sign && !found->cert)
        return refuse(why, whylen, WSSEC_ECONFIG,
                      "key locator '%s' gave a signing key without its certificate", name);
    if (rc == 0 && sign && X509_check_private_key(found->cert, found->key) != 1) {
        ERR_clear_error();
        return refuse(why, whylen, WSSEC_ECONFIG,
                      "key locator '%s' gave a signing key that does not belong to its "
                      "certificate",
                      name);
    }
    if (rc == 0) return 0;
    ref_text(q, what, sizeof(what));
    if (rc != got && got != 0)
        return refuse(why, whylen, rc,
                      "key locator '%s' returned %d, which is neither 0 nor a wssec error code: "
                      "no %s key (%s)",
                      name, got, sign ? "signing" : "decryption", what);
    return refuse(why, whylen, rc, "key locator '%s' has no %s key (%s)%s%s", name,
                  sign ? "signing" : "decryption", what, said[0] ? ": " : "", said);
}

int wssec_msg_locate_key(wssec_located_key *found, wssec_msg *msg, const wssec_key_query *query,
                         char *why, size_t whylen)
{
    WSSEC_ARG(found && msg && query && why && whylen);
    why[0] = '\0';
    wssec_key_query q = *query;
    ref_hold h = { 0 };
    found->key = NULL;
    found->cert = NULL;
    found->chain = NULL;
    q.msg = msg;
    if (q.use == WSSEC_KEY_USE_DECRYPT && q.ref == WSSEC_KEY_REF_NONE)
        read_ref(&q, &h, msg, q.key_info);
    int rc = msg->ctx->key_locator.locate ? ask_custom(found, &q, why, whylen)
                                          : wssec_key_locate_default(found, &q, why, whylen);
    ref_hold_free(&h);
    if (rc) wssec_located_key_clear(found);
    if (rc == WSSEC_EUNAVAILABLE && q.use == WSSEC_KEY_USE_DECRYPT) rc = WSSEC_EDECRYPT;
    return rc;
}
