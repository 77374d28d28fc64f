/*
 * wssec — private keys from files: PEM and DER keys (PKCS#8, traditional,
 * encrypted or not) with a password from a file, the environment or the
 * password callback, and PKCS#12 key stores.
 *
 * A PKCS#12 file is read bag by bag rather than by PKCS12_parse(), so that a
 * file with several keys gives the key of one alias (friendlyName) and that
 * key's certificates only. Files that keytool, ikeyman and Windows export
 * encrypt their certificates with RC2 or DES, which OpenSSL 3 keeps in its
 * legacy provider: when the default library context lacks an algorithm the
 * file is decrypted again in a private library context that has the legacy
 * provider, made for that one file and freed at once. The bags are only
 * decrypted there: the key (EVP_PKCS82PKEY) and the certificates are decoded
 * in the default context, so nothing that outlives the call refers to the
 * private one, and the legacy algorithms never reach message processing.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "keystore.h"
#include "util.h"
#include "x509.h"

/* ---- passwords ---- */

int wssec__keypw_get(wssec_keypw *kp, char *why, size_t whylen)
{
    if (kp && kp->have) return 0;
    if (kp && kp->cb && !kp->cb_asked) {
        size_t n = 0;
        kp->cb_asked = true;
        kp->cb_rc = kp->cb(kp->pw, sizeof(kp->pw) - 1, &n, kp->path, WSSEC_PW_KEY, kp->ud);
        if (kp->cb_rc == 0 && n >= sizeof(kp->pw)) kp->cb_rc = WSSEC_ELIMIT;
        if (kp->cb_rc == 0 && n == 0) kp->cb_rc = WSSEC_EAUTH; /* empty: none, as for files */
        if (kp->cb_rc == 0) {
            kp->pw[n] = '\0';
            kp->len = n;
            kp->have = true;
            return 0;
        }
        wssec__memzero(kp->pw, sizeof(kp->pw));
    }
    if (kp && kp->cb_asked && kp->cb_rc == WSSEC_ELIMIT) {
        snprintf(why, whylen, "the password callback's password is longer than %zu bytes",
                 sizeof(kp->pw) - 1);
        return WSSEC_ELIMIT;
    }
    if (kp && kp->cb_asked && kp->cb_rc != WSSEC_EAUTH) {
        snprintf(why, whylen, "the password callback failed (%s)", wssec_code_name(kp->cb_rc));
        return kp->cb_rc < 0 ? kp->cb_rc : WSSEC_EINTERNAL;
    }
    if (kp && kp->option)
        snprintf(why, whylen, "no password is configured: give %s-password-file or %s-password-env",
                 kp->option, kp->option);
    else snprintf(why, whylen, "no password is configured");
    return WSSEC_ECONFIG;
}

void wssec__keypw_wipe(wssec_keypw *kp)
{
    if (!kp) return;
    wssec__memzero(kp->pw, sizeof(kp->pw));
    kp->len = 0;
    kp->have = false;
}

/* ---- OpenSSL's errors ---- */

/* Reads and clears the error queue: 1 when it says an algorithm is not
 * available (a legacy cipher without the legacy provider), else 0; *nomem
 * set when OpenSSL ran out of memory. */
static int unsupported_error(int *nomem)
{
    int found = 0;
    for (unsigned long e; (e = ERR_get_error()) != 0;) {
        int lib = ERR_GET_LIB(e), r = ERR_GET_REASON(e);
        if (r == ERR_R_MALLOC_FAILURE) *nomem = 1;
        if (r == ERR_R_UNSUPPORTED ||
            (lib == ERR_LIB_EVP &&
             (r == EVP_R_UNSUPPORTED_CIPHER || r == EVP_R_UNSUPPORTED_ALGORITHM ||
              r == EVP_R_UNKNOWN_PBE_ALGORITHM || r == EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION ||
              r == EVP_R_UNSUPPORTED_PRF)))
            found = 1;
    }
    return found;
}

/* The file, opened for reading; 0 or WSSEC_EIO with why written. */
static int open_file(const char *path, BIO **out, char *why, size_t whylen)
{
    char reason[200];
    *out = NULL;
    if (wssec__unreadable(path, reason, sizeof(reason))) {
        snprintf(why, whylen, "%s: %s", path, reason);
        return WSSEC_EIO;
    }
    if (!(*out = BIO_new_file(path, "rb"))) {
        snprintf(why, whylen, "%s: cannot be opened", path);
        ERR_clear_error();
        return WSSEC_EIO;
    }
    return 0;
}

/* ---- PEM and DER keys ---- */

/* What OpenSSL's passphrase callback saw. */
typedef struct pem_ask {
    wssec_keypw *kp;
    bool asked; /* the key is encrypted */
    int rc;     /* wssec__keypw_get's answer */
    char why[300];
} pem_ask;

static int pem_password(char *buf, int size, int rwflag, void *u)
{
    pem_ask *a = u;
    (void)rwflag;
    a->asked = true;
    a->rc = wssec__keypw_get(a->kp, a->why, sizeof(a->why));
    if (a->rc) return -1;
    if (size < 0 || a->kp->len > (size_t)size) {
        snprintf(a->why, sizeof(a->why), "the password is longer than OpenSSL takes (%d bytes)",
                 size);
        a->rc = WSSEC_ELIMIT;
        return -1;
    }
    memcpy(buf, a->kp->pw, a->kp->len);
    return (int)a->kp->len;
}

/* PEM (any form OpenSSL reads), then DER: PKCS#8 or traditional, then
 * encrypted PKCS#8. Once a form asked for the password, it is the key's. */
static EVP_PKEY *decode_key(BIO *bio, pem_ask *a)
{
    ERR_clear_error();
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, pem_password, a);
    if (!k && !a->asked) {
        ERR_clear_error();
        (void)BIO_reset(bio);
        k = d2i_PrivateKey_bio(bio, NULL);
    }
    if (!k && !a->asked) {
        ERR_clear_error();
        (void)BIO_reset(bio);
        k = d2i_PKCS8PrivateKey_bio(bio, NULL, pem_password, a);
    }
    return k;
}

int wssec__load_key(const char *path, EVP_PKEY **out, wssec_keypw *kp, char *why, size_t whylen)
{
    *out = NULL;
    BIO *bio = NULL;
    int rc = open_file(path, &bio, why, whylen);
    if (rc) return rc;
    pem_ask a = { .kp = kp };
    EVP_PKEY *k = decode_key(bio, &a);
    BIO_free(bio);
    wssec__keypw_wipe(kp);
    int nomem = 0, unsupported = k ? 0 : unsupported_error(&nomem);
    ERR_clear_error();
    if (k) {
        *out = k;
        return 0;
    }
    if (a.asked && a.rc) {
        snprintf(why, whylen, "%s: an encrypted private key, and %s", path, a.why);
        return a.rc;
    }
    if (nomem) {
        snprintf(why, whylen, "%s: out of memory", path);
        return WSSEC_ENOMEM;
    }
    if (a.asked && unsupported)
        snprintf(why, whylen,
                 "%s: encrypted with an algorithm this OpenSSL does not provide (DES or RC2?); "
                 "encrypt it again with `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
                 path);
    else if (a.asked)
        snprintf(why, whylen, "%s: wrong password for the encrypted private key", path);
    else snprintf(why, whylen, "%s: not a private key (PEM or DER, PKCS#8 or traditional)", path);
    return WSSEC_ECONFIG;
}

/* ---- PKCS#12 ---- */

#define P12_MAX_ITEMS 4096 /* keys and certificates in one file */
#define P12_MAX_DEPTH 4    /* nested safe contents */
#define P12_UNSUPPORTED 1  /* not a result: an algorithm the context lacks */

/* One key or certificate of the file, with its bag attributes. */
typedef struct p12_item {
    EVP_PKEY *key;         /* a key bag's key, or NULL */
    X509 *cert;            /* a certificate bag's certificate, or NULL */
    ASN1_OCTET_STRING *id; /* localKeyId, or NULL */
    char *name;            /* friendlyName (UTF-8, OPENSSL_malloc'd), or NULL */
} p12_item;

/* Reading one file. */
typedef struct p12_read {
    OSSL_LIB_CTX *lc; /* where bags are decrypted; NULL: the default context */
    const char *pw;
    int pwlen;
    bool mac; /* the file has an integrity MAC (so the password was right) */
    const char *path;
    char *why;
    size_t whylen;
    p12_item *items;
    size_t n;
} p12_read;

static void p12_clear(p12_read *r)
{
    for (size_t i = 0; i < r->n; i++) {
        EVP_PKEY_free(r->items[i].key);
        X509_free(r->items[i].cert);
        ASN1_OCTET_STRING_free(r->items[i].id);
        OPENSSL_free(r->items[i].name);
    }
    wssec__free(r->items);
    r->items = NULL;
    r->n = 0;
}

/* A refusal: why = "PATH: what"; OpenSSL's error queue is cleared. */
static int p12_refuse(p12_read *r, int code, const char *what)
{
    snprintf(r->why, r->whylen, "%s: %s", r->path, what);
    ERR_clear_error();
    return code;
}

/* After OpenSSL failed: P12_UNSUPPORTED when an algorithm is missing, else
 * the refusal what. */
static int p12_fail(p12_read *r, const char *what)
{
    int nomem = 0;
    if (unsupported_error(&nomem)) return P12_UNSUPPORTED;
    return nomem ? p12_refuse(r, WSSEC_ENOMEM, "out of memory")
                 : p12_refuse(r, WSSEC_ECONFIG, what);
}

static int p12_bags(p12_read *r, const STACK_OF(PKCS12_SAFEBAG) * bags, int depth);

/* A key bag's key, decrypted in r->lc, decoded in the default context. */
static int p12_key(p12_read *r, const PKCS12_SAFEBAG *bag, EVP_PKEY **out)
{
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    if (PKCS12_SAFEBAG_get_nid(bag) == NID_pkcs8ShroudedKeyBag &&
        !(p8 = PKCS12_decrypt_skey_ex(bag, r->pw, r->pwlen, r->lc, NULL)))
        return p12_fail(r, r->mac ? "a key cannot be decrypted"
                                  : "wrong password (a key cannot be decrypted with it)");
    *out = EVP_PKCS82PKEY(p8 ? p8 : PKCS12_SAFEBAG_get0_p8inf(bag));
    PKCS8_PRIV_KEY_INFO_free(p8); /* OpenSSL wipes the key bytes */
    return *out ? 0 : p12_fail(r, "a key cannot be decoded");
}

/* One bag: a key or a certificate is kept with its attributes; nested
 * contents are read; anything else (CRLs, secrets) is left alone. */
static int p12_bag(p12_read *r, const PKCS12_SAFEBAG *bag, int depth)
{
    int nid = PKCS12_SAFEBAG_get_nid(bag), rc;
    if (nid == NID_safeContentsBag) {
        if (depth >= P12_MAX_DEPTH) return p12_refuse(r, WSSEC_ELIMIT, "contents nested too deep");
        return p12_bags(r, PKCS12_SAFEBAG_get0_safes(bag), depth + 1);
    }
    p12_item it = { 0 };
    if (nid == NID_keyBag || nid == NID_pkcs8ShroudedKeyBag) {
        if ((rc = p12_key(r, bag, &it.key))) return rc;
    } else if (nid == NID_certBag && PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate) {
        it.cert = PKCS12_SAFEBAG_get1_cert(bag);
        if (!wssec__cert_usable(it.cert)) {
            X509_free(it.cert);
            return p12_fail(r, "a certificate cannot be decoded");
        }
    } else {
        return 0;
    }
    const ASN1_TYPE *id = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
    rc = wssec__array_grow(&r->items, r->n, sizeof(p12_item), P12_MAX_ITEMS);
    if (!rc && id && id->type == V_ASN1_OCTET_STRING &&
        !(it.id = ASN1_OCTET_STRING_dup(id->value.octet_string)))
        rc = WSSEC_ENOMEM;
    if (!rc) it.name = PKCS12_get_friendlyname((PKCS12_SAFEBAG *)bag);
    if (rc) {
        EVP_PKEY_free(it.key);
        X509_free(it.cert);
        ASN1_OCTET_STRING_free(it.id);
        return p12_refuse(
            r, rc, rc == WSSEC_ELIMIT ? "holds too many keys and certificates" : "out of memory");
    }
    r->items[r->n++] = it;
    return 0;
}

static int p12_bags(p12_read *r, const STACK_OF(PKCS12_SAFEBAG) * bags, int depth)
{
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++)
        WSSEC_GUARD(p12_bag(r, sk_PKCS12_SAFEBAG_value(bags, i), depth));
    return 0;
}

/* The bags of one authenticated safe: plain or password-encrypted data
 * (public-key encrypted contents are skipped, as PKCS12_parse does). */
static int p12_safe(p12_read *r, PKCS7 *p7)
{
    int nid = OBJ_obj2nid(p7->type), rc;
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    if (nid == NID_pkcs7_data) bags = PKCS12_unpack_p7data(p7);
    else if (nid == NID_pkcs7_encrypted) bags = PKCS12_unpack_p7encdata(p7, r->pw, r->pwlen);
    else return 0;
    if (!bags)
        rc = p12_fail(r, nid == NID_pkcs7_data ? "its contents cannot be decoded"
                         : r->mac              ? "its certificates cannot be decrypted"
                                  : "wrong password (its contents cannot be decrypted with it)");
    else rc = p12_bags(r, bags, 0);
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    return rc;
}

/* Every key and certificate of the file, decrypted in r->lc. 0,
 * P12_UNSUPPORTED, or a refusal. */
static int p12_decode(p12_read *r, BIO *bio)
{
    PKCS12 *p12 = NULL;
    if (r->lc && !(p12 = PKCS12_init_ex(NID_pkcs7_data, r->lc, NULL)))
        return p12_refuse(r, WSSEC_ENOMEM, "out of memory");
    (void)BIO_reset(bio);
    ERR_clear_error();
    if (!d2i_PKCS12_bio(bio, &p12)) { /* frees a p12 given in and leaves NULL */
        char what[200];
        wssec__openssl_reason(what, sizeof(what), "not a PKCS#12 file");
        return p12_refuse(r, WSSEC_ECONFIG, what);
    }
    int rc = 0;
    r->mac = PKCS12_mac_present(p12);
    if (r->mac && !PKCS12_verify_mac(p12, r->pw, r->pwlen))
        rc = p12_fail(r, "wrong password (the file's integrity check fails with it)");
    STACK_OF(PKCS7) *safes = rc ? NULL : PKCS12_unpack_authsafes(p12);
    if (!rc && !safes) rc = p12_fail(r, "its contents cannot be decoded");
    for (int i = 0; !rc && i < sk_PKCS7_num(safes); i++) rc = p12_safe(r, sk_PKCS7_value(safes, i));
    sk_PKCS7_pop_free(safes, PKCS7_free);
    PKCS12_free(p12);
    return rc;
}

/* p12_decode in a private library context with the legacy provider, freed
 * before returning (nothing decoded refers to it: see the top of the file). */
static int p12_decode_legacy(p12_read *r, BIO *bio)
{
    OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *legacy = lc ? OSSL_PROVIDER_load(lc, "legacy") : NULL;
    OSSL_PROVIDER *dflt = legacy ? OSSL_PROVIDER_load(lc, "default") : NULL;
    int rc;
    if (!lc) {
        rc = p12_refuse(r, WSSEC_ENOMEM, "out of memory");
    } else if (!dflt) {
        rc = p12_refuse(r, WSSEC_ECONFIG,
                        "protected with a legacy algorithm (RC2 or DES, as keytool, ikeyman and "
                        "Windows export), and OpenSSL's legacy provider cannot be loaded "
                        "(OPENSSL_MODULES names the directory of legacy.so)");
    } else {
        r->lc = lc;
        rc = p12_decode(r, bio);
        r->lc = NULL;
        if (rc == P12_UNSUPPORTED)
            rc = p12_refuse(r, WSSEC_ECONFIG,
                            "protected with an algorithm OpenSSL does not provide, even with its "
                            "legacy provider");
    }
    OSSL_PROVIDER_unload(dflt);
    OSSL_PROVIDER_unload(legacy);
    OSSL_LIB_CTX_free(lc);
    return rc;
}

/* ---- choosing the key ---- */

static bool same_id(const ASN1_OCTET_STRING *a, const ASN1_OCTET_STRING *b)
{
    return a && b && ASN1_OCTET_STRING_cmp(a, b) == 0;
}

/* The alias of a key: its friendlyName, else that of the certificate with
 * its localKeyId; NULL when neither has one. */
static const char *key_alias(const p12_read *r, const p12_item *k)
{
    for (size_t i = 0; !k->name && i < r->n; i++)
        if (r->items[i].cert && r->items[i].name && same_id(r->items[i].id, k->id))
            return r->items[i].name;
    return k->name;
}

/* "alice, server" (unprintable bytes as '?', a key without one as
 * "(no alias)"). */
static void alias_list(const p12_read *r, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n && at < size; i++) {
        if (!r->items[i].key) continue;
        const char *a = key_alias(r, &r->items[i]);
        int n = snprintf(buf + at, size - at, "%s%s", at ? ", " : "", a ? a : "(no alias)");
        for (size_t j = at; n > 0 && j < at + (size_t)n && j < size && buf[j]; j++)
            if ((unsigned char)buf[j] < 0x20 || buf[j] == 0x7f) buf[j] = '?';
        at += n > 0 ? (size_t)n : 0;
    }
}

/* The key of alias (exactly, else without regard to ASCII case when only
 * one matches so), or the only key without alias; NULL with the refusal
 * written. */
static p12_item *p12_pick(p12_read *r, const char *alias, size_t nkeys)
{
    p12_item *exact = NULL, *loose = NULL;
    size_t nloose = 0;
    for (size_t i = 0; i < r->n; i++) {
        const char *a = r->items[i].key ? key_alias(r, &r->items[i]) : NULL;
        if (!r->items[i].key || (alias && !a)) continue;
        if (!alias && nkeys == 1) return &r->items[i];
        if (alias && !strcmp(a, alias) && !exact) exact = &r->items[i];
        if (alias && !strcasecmp(a, alias) && nloose++ == 0) loose = &r->items[i];
    }
    if (exact || nloose == 1) return exact ? exact : loose;
    char list[400], what[600];
    alias_list(r, list, sizeof(list));
    if (alias)
        snprintf(what, sizeof(what), "no key has the alias '%s' (its keys: %s)", alias, list);
    else
        snprintf(what, sizeof(what), "holds %zu keys; choose one with pkcs12-alias (its keys: %s)",
                 nkeys, list);
    p12_refuse(r, WSSEC_ECONFIG, what);
    return NULL;
}

/* Whether certificate c is that of key k: its public key is k's (and, with
 * by_id, its localKeyId is k's too: of several certificates of one key, the
 * one the file pairs with it). */
static bool cert_of(const p12_item *c, const p12_item *k, bool by_id)
{
    if (by_id && !same_id(c->id, k->id)) return false;
    int ok = X509_check_private_key(c->cert, k->key) == 1;
    ERR_clear_error();
    return ok;
}

/* The certificate of key k: by localKeyId and key, else by key alone. */
static p12_item *p12_leaf(p12_read *r, const p12_item *k)
{
    for (int by_id = 1; by_id >= 0; by_id--)
        for (size_t i = 0; i < r->n; i++)
            if (r->items[i].cert && cert_of(&r->items[i], k, by_id)) return &r->items[i];
    return NULL;
}

/* The chain of the key k with leaf: every other certificate of the file
 * but those of other keys (by localKeyId or by key), each once. */
static int p12_chain(const p12_read *r, const p12_item *k, X509 *leaf, STACK_OF(X509) *chain)
{
    for (size_t i = 0; i < r->n; i++) {
        const p12_item *c = &r->items[i];
        bool skip = !c->cert || X509_cmp(c->cert, leaf) == 0;
        for (size_t j = 0; !skip && j < r->n; j++)
            skip = r->items[j].key && &r->items[j] != k &&
                   (same_id(c->id, r->items[j].id) || cert_of(c, &r->items[j], false));
        for (int j = 0; !skip && j < sk_X509_num(chain); j++)
            skip = X509_cmp(c->cert, sk_X509_value(chain, j)) == 0;
        if (skip) continue;
        if (!X509_up_ref(c->cert)) return WSSEC_ENOMEM;
        if (!sk_X509_push(chain, c->cert)) {
            X509_free(c->cert);
            return WSSEC_ENOMEM;
        }
    }
    return 0;
}

/* The key of alias, its certificate and chain, moved out of r. */
static int p12_choose(p12_read *r, const char *alias, EVP_PKEY **key, X509 **cert,
                      STACK_OF(X509) **chain)
{
    size_t nkeys = 0;
    for (size_t i = 0; i < r->n; i++) nkeys += r->items[i].key != NULL;
    if (nkeys == 0) return p12_refuse(r, WSSEC_ECONFIG, "holds no private key");
    p12_item *k = p12_pick(r, alias, nkeys);
    if (!k) return WSSEC_ECONFIG;
    p12_item *leaf = p12_leaf(r, k);
    if (!leaf) {
        const char *a = key_alias(r, k);
        char what[300];
        snprintf(what, sizeof(what), "holds no certificate for the key%s%s%s", a ? " '" : "",
                 a ? a : "", a ? "'" : "");
        return p12_refuse(r, WSSEC_ECONFIG, what);
    }
    STACK_OF(X509) *sk = sk_X509_new_null();
    int rc = sk ? p12_chain(r, k, leaf->cert, sk) : WSSEC_ENOMEM;
    if (rc) {
        sk_X509_pop_free(sk, X509_free);
        return p12_refuse(r, rc, "out of memory");
    }
    *key = k->key;
    k->key = NULL;
    *cert = leaf->cert;
    leaf->cert = NULL;
    *chain = sk;
    return 0;
}

int wssec__load_pkcs12(const char *path, wssec_keypw *kp, const char *alias, EVP_PKEY **key,
                       X509 **cert, STACK_OF(X509) **chain, char *why, size_t whylen)
{
    *key = NULL;
    *cert = NULL;
    *chain = NULL;
    BIO *bio = NULL;
    char pwwhy[300];
    int rc = open_file(path, &bio, why, whylen);
    if (rc) return rc;
    if (wssec__java_keystore(bio, path, true, why, whylen)) {
        BIO_free(bio);
        return WSSEC_ECONFIG;
    }
    if ((rc = wssec__keypw_get(kp, pwwhy, sizeof(pwwhy)))) {
        snprintf(why, whylen, "%s: %s", path, pwwhy);
        BIO_free(bio);
        return rc;
    }
    p12_read r = {
        .pw = kp->pw, .pwlen = (int)kp->len, .path = path, .why = why, .whylen = whylen
    };
    rc = p12_decode(&r, bio);
    if (rc == P12_UNSUPPORTED) {
        p12_clear(&r);
        rc = p12_decode_legacy(&r, bio);
    }
    wssec__keypw_wipe(kp);
    BIO_free(bio);
    if (!rc) rc = p12_choose(&r, alias, key, cert, chain);
    p12_clear(&r);
    return rc;
}
