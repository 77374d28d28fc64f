/*
 * wssec — the trust store: a snapshot of trust material built from the
 * settings (anchors, known and intermediate certificates, CRLs, subject and
 * issuer rules, limits, the certificate cache), and the CRLs a check uses.
 *
 * A snapshot is immutable and reference-counted. The context holds the
 * current one; a message takes a reference when its verify or inspect pass
 * begins (not when it is parsed), so a reload (wssec_ctx_reload_trust) swaps
 * the pointer while passes in flight finish with the snapshot they began with.
 * Validation is in trust.c, the words for people in trust_explain.c.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "trust_store.h"
#include "algs.h"
#include "context.h"
#include "error.h"
#include "ocsp.h"
#include "settings.h"
#include "trust_cache.h"
#include "trust_pin.h"
#include "trust_snapshot.h"
#include "util.h"
#include "x509.h"
#include "x509_dn.h"

static void rules_free(subject_rule *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wssec__free(r[i].text);
        if (r[i].canon) wssec__free(r[i].canon);
        else regfree(&r[i].re);
    }
    wssec__free(r);
}

void wssec__trust_release(wssec_trust *t)
{
    if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    X509_STORE_free(t->store);
    sk_X509_pop_free(t->anchors, X509_free);
    sk_X509_pop_free(t->known, X509_free);
    wssec__pins_free(t->pins, t->npins);
    sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
    rules_free(t->subjects, t->nsubjects);
    rules_free(t->issuers, t->nissuers);
    wssec__trust_cache_free(t->cache);
    wssec__ocsp_free(t->ocsp);
    wssec__free(t);
}

wssec_trust *wssec__trust_retain(wssec_trust *t)
{
    if (t) __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
    return t;
}

int wssec__trust_has_anchors(const wssec_trust *t)
{
    return t && sk_X509_num(t->anchors) > 0;
}

int wssec__trust_has_pins(const wssec_trust *t)
{
    return t && t->npins > 0;
}

int wssec__trust_is_anchor(const wssec_trust *t, const X509 *x)
{
    for (int i = 0; t && x && i < sk_X509_num(t->anchors); i++)
        if (X509_cmp(sk_X509_value(t->anchors, i), x) == 0) return 1;
    return 0;
}

int wssec__trust_is_pinned(const wssec_trust *t, const X509 *x)
{
    return t && wssec__pin_match(t->pins, t->npins, x) != NULL;
}

int wssec__trust_crl_exempt(const wssec_trust *t, X509_STORE_CTX *sctx)
{
    int e = X509_STORE_CTX_get_error(sctx), depth = X509_STORE_CTX_get_error_depth(sctx);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(sctx);
    if (e != X509_V_ERR_UNABLE_TO_GET_CRL && e != X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER) return 0;
    if (depth < 0 || depth != sk_X509_num(chain) - 1) return 0;
    X509 *x = sk_X509_value(chain, depth);
    /* a self-signed anchor's own CRL is checked as it always was */
    return depth >= X509_STORE_CTX_get_num_untrusted(sctx) && wssec__trust_is_anchor(t, x) &&
           X509_self_signed(x, 0) != 1;
}

int wssec__trust_has_subject_rules(const wssec_trust *t)
{
    return t && t->nsubjects > 0;
}

static int add_certs(wssec_errrec *err, STACK_OF(X509) *dst, const char *path)
{
    STACK_OF(X509) *sk = NULL;
    char why[400];
    int rc = wssec__load_certs(path, &sk, why, sizeof(why));
    if (rc)
        return wssec__err_set(err, rc == WSSEC_EIO ? WSSEC_ECONFIG : rc, NULL, path, __FILE__,
                              __LINE__, "%s", why);
    while (sk_X509_num(sk) > 0) {
        X509 *x = sk_X509_shift(sk);
        if (!sk_X509_push(dst, x)) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            return WSSEC_ENOMEM;
        }
    }
    sk_X509_free(sk);
    return 0;
}

/* A trust path is a PEM file or a directory of them (*.pem, *.crt, *.cer). */
static int add_anchor_path(wssec_errrec *err, STACK_OF(X509) *dst, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return WSSEC_ERR(err, WSSEC_ECONFIG, "trust: %s: cannot be opened: %s", path,
                         strerror(errno));
    if (!S_ISDIR(st.st_mode)) return add_certs(err, dst, path);
    DIR *d = opendir(path);
    if (!d) return WSSEC_ERR(err, WSSEC_ECONFIG, "trust: directory %s cannot be read", path);
    int rc = 0;
    size_t found = 0;
    struct dirent *de;
    /* sorted order is not needed: anchors form a set */
    while (!rc && (de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t l = strlen(n);
        if (l < 5 ||
            (strcmp(n + l - 4, ".pem") && strcmp(n + l - 4, ".crt") && strcmp(n + l - 4, ".cer")))
            continue;
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, n);
        rc = add_certs(err, dst, full);
        found++;
    }
    closedir(d);
    if (!rc && !found)
        rc = WSSEC_ERR(err, WSSEC_ECONFIG, "trust: directory %s holds no .pem, .crt or .cer file",
                       path);
    return rc;
}

static int load_crl(wssec_errrec *err, wssec_trust *t, const char *path)
{
    char reason[200];
    if (wssec__unreadable(path, reason, sizeof(reason)))
        return WSSEC_ERR(err, WSSEC_ECONFIG, "crl: %s: %s", path, reason);
    BIO *bio = BIO_new_file(path, "rb");
    if (!bio) {
        ERR_clear_error();
        return WSSEC_ERR(err, WSSEC_ECONFIG, "crl: %s cannot be opened", path);
    }
    size_t n = 0;
    X509_CRL *c;
    ERR_clear_error();
    while ((c = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_CRL_push(t->crls, c)) {
            X509_CRL_free(c);
            BIO_free(bio);
            return WSSEC_ENOMEM;
        }
        n++;
    }
    /* a CRL that failed to decode (no memory, or damaged) is never skipped:
     * that would accept what it revokes */
    int rc = n ? wssec__pem_read_end() : 0;
    if (rc) {
        BIO_free(bio);
        if (rc == WSSEC_ENOMEM) return WSSEC_ENOMEM;
        return WSSEC_ERR(err, WSSEC_ECONFIG, "crl: %s holds a CRL that cannot be decoded", path);
    }
    ERR_clear_error();
    if (n == 0) {
        (void)BIO_reset(bio);
        c = d2i_X509_CRL_bio(bio, NULL);
        if (c && !sk_X509_CRL_push(t->crls, c)) {
            X509_CRL_free(c);
            c = NULL;
        }
        n = c ? 1 : 0;
    }
    BIO_free(bio);
    ERR_clear_error();
    if (n == 0) return WSSEC_ERR(err, WSSEC_ECONFIG, "crl: %s holds no CRL (PEM or DER)", path);
    return 0;
}

static int compile_rules(wssec_errrec *err, const char *what, const wssec_strlist *l,
                         subject_rule **out, size_t *n)
{
    *n = 0;
    *out = l->n ? wssec__calloc(l->n, sizeof(**out)) : NULL;
    if (l->n && !*out) return WSSEC_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        subject_rule *r = &(*out)[i];
        const char *v = l->v[i];
        if (!(r->text = wssec__strdup(v))) return WSSEC_ENOMEM;
        (*n)++;
        if (strncmp(v, "re:", 3) == 0) {
            int rrc = regcomp(&r->re, v + 3, REG_EXTENDED | REG_NOSUB);
            if (rrc) {
                char msg[200];
                regerror(rrc, &r->re, msg, sizeof(msg));
                r->canon = wssec__strdup("");
                return WSSEC_ERR(err, WSSEC_ECONFIG,
                                 "%s: '%s' is not a valid regular expression: %s", what, v + 3,
                                 msg);
            }
        } else {
            int crc = wssec__dn_canon_text(v, false, &r->canon);
            if (crc == WSSEC_ENOMEM) return crc;
            if (crc) {
                r->canon = wssec__strdup("");
                return WSSEC_ERR(
                    err, WSSEC_ECONFIG,
                    "%s: '%s' is not a distinguished name like CN=alice,O=Example,C=US "
                    "(use re:REGEX for a pattern)",
                    what, v);
            }
        }
    }
    return 0;
}

int wssec__trust_new(wssec_trust **out, const wssec_settings *s, wssec_errrec *err)
{
    *out = NULL;
    wssec_trust *t = wssec__calloc(1, sizeof(*t));
    if (!t) return WSSEC_ENOMEM;
    t->refs = 1;
    int rc = 0;
    t->anchors = sk_X509_new_null();
    t->known = sk_X509_new_null();
    t->crls = sk_X509_CRL_new_null();
    t->store = X509_STORE_new();
    if (!t->anchors || !t->known || !t->crls || !t->store) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < s->trust.n && !rc; i++)
        rc = add_anchor_path(err, t->anchors, s->trust.v[i]);
    for (size_t i = 0; i < s->pins.n && !rc; i++)
        rc = wssec__pins_add(&t->pins, &t->npins, s->pins.v[i], err);
    for (size_t i = 0; i < s->certs.n && !rc; i++) rc = add_certs(err, t->known, s->certs.v[i]);
    for (size_t i = 0; i < s->intermediates.n && !rc; i++)
        rc = add_certs(err, t->known, s->intermediates.v[i]);
    for (size_t i = 0; i < s->crl.n && !rc; i++) rc = load_crl(err, t, s->crl.v[i]);
    if (rc) goto done;
    /* a duplicate is no error for OpenSSL 3, so a failure is memory: never
     * go on without an anchor, and above all without a CRL (that would
     * accept what it revokes) */
    for (int i = 0; i < sk_X509_num(t->anchors) && !rc; i++) {
        X509 *a = sk_X509_value(t->anchors, i);
        if (X509_self_signed(a, 0) != 1) t->partial = true;
        if (!X509_STORE_add_cert(t->store, a)) rc = WSSEC_ENOMEM;
    }
    for (int i = 0; i < sk_X509_CRL_num(t->crls) && !rc; i++)
        if (!X509_STORE_add_crl(t->store, sk_X509_CRL_value(t->crls, i))) rc = WSSEC_ENOMEM;
    if (rc) {
        ERR_clear_error();
        goto done;
    }
    t->crl_check = s->crl_check;
    if ((rc = compile_rules(err, "subject", &s->subjects, &t->subjects, &t->nsubjects)) ||
        (rc = compile_rules(err, "issuer", &s->issuers, &t->issuers, &t->nissuers)))
        goto done;
    t->max_chain = s->max_chain_length;
    t->min_rsa_bits = s->min_rsa_bits;
    t->min_ec_bits = s->min_ec_bits;
    t->allow_sha1 = s->allow_sha1;
    /* the certificate cache lives and dies with the snapshot; with OCSP,
     * whose checks need the validated chain, the OCSP answers are cached */
    if (s->cert_cache && s->ocsp_mode == WSSEC_OCSP_OFF)
        rc = wssec__trust_cache_new(&t->cache, s->cert_cache_size, s->cert_cache_max_age_ms);
    if (!rc) rc = wssec__ocsp_new(&t->ocsp, s, err);
done:
    if (rc) wssec__trust_release(t);
    else *out = t;
    return rc;
}

/* Chain building reports these before any other check ran, so trying
 * again with partial chains passes nothing over (a revocation, an expired
 * root). */
int wssec__trust_unrooted(int e)
{
    return e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
           e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           e == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
           e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
           e == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN || e == X509_V_ERR_CERT_CHAIN_TOO_LONG;
}

int wssec__trust_verify(const wssec_trust *t, X509_STORE_CTX *sctx, X509 *leaf,
                        STACK_OF(X509) *untrusted, void (*setup)(X509_STORE_CTX *, void *),
                        void *arg)
{
    for (int pass = 0; pass < 2; pass++) {
        if (pass) X509_STORE_CTX_cleanup(sctx);
        if (!X509_STORE_CTX_init(sctx, t->store, leaf, untrusted)) return WSSEC_ENOMEM;
        setup(sctx, arg);
        if (pass) X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(sctx),
                                              X509_V_FLAG_PARTIAL_CHAIN);
        if (X509_verify_cert(sctx) == 1) return 1;
        if (!t->partial || !wssec__trust_unrooted(X509_STORE_CTX_get_error(sctx))) break;
    }
    return 0;
}

/* CRL checking is in force when CRLs are configured or the message carries some. */
unsigned long wssec__trust_crl_flags(const wssec_trust *t, STACK_OF(X509_CRL) *crls)
{
    if (sk_X509_CRL_num(t->crls) <= 0 && sk_X509_CRL_num(crls) <= 0) return 0;
    if (t->crl_check == WSSEC_CRL_LEAF) return X509_V_FLAG_CRL_CHECK;
    if (t->crl_check == WSSEC_CRL_ALL) return X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
    return 0;
}

/* ---- CRLs: those of the configuration, and what a message may add ---- */

/* 1 when a is newer than b: a later thisUpdate, then a higher CRL number. */
static int crl_newer(X509_CRL *a, X509_CRL *b)
{
    int c = ASN1_TIME_compare(X509_CRL_get0_lastUpdate(a), X509_CRL_get0_lastUpdate(b));
    if (c != 0) return c > 0;
    ASN1_INTEGER *na = X509_CRL_get_ext_d2i(a, NID_crl_number, NULL, NULL);
    ASN1_INTEGER *nb = X509_CRL_get_ext_d2i(b, NID_crl_number, NULL, NULL);
    int newer = na && (!nb || ASN1_INTEGER_cmp(na, nb) > 0);
    ASN1_INTEGER_free(na);
    ASN1_INTEGER_free(nb);
    return newer;
}

static int crl_of_issuer(STACK_OF(X509_CRL) *sk, const X509_NAME *issuer)
{
    for (int i = 0; i < sk_X509_CRL_num(sk); i++)
        if (X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(sk, i)), issuer) == 0) return 1;
    return 0;
}

/* The CRLs a check uses when the message carries some (*out NULL when it
 * carries none: the store holds the configured ones). OpenSSL takes the
 * first valid CRL of an issuer it finds, and looks at the CRLs handed to the
 * check before the store's: so a message's CRL is never handed over for an
 * issuer the configuration has a CRL of (it could be an older, genuine one
 * issued before the signer was revoked), and of a message's CRLs of one
 * issuer only the newest is. The configured CRLs come along, so OpenSSL
 * picks among them as it does from the store. Borrowed entries: free the
 * stack with sk_X509_CRL_free. */
int wssec__trust_effective_crls(const wssec_trust *t, STACK_OF(X509_CRL) *carried,
                                STACK_OF(X509_CRL) **out)
{
    *out = NULL;
    if (sk_X509_CRL_num(carried) <= 0) return 0;
    STACK_OF(X509_CRL) *eff = sk_X509_CRL_new_null();
    if (!eff) return WSSEC_ENOMEM;
    for (int i = 0; i < sk_X509_CRL_num(t->crls); i++)
        if (!sk_X509_CRL_push(eff, sk_X509_CRL_value(t->crls, i))) goto nomem;
    for (int i = 0; i < sk_X509_CRL_num(carried); i++) {
        X509_CRL *c = sk_X509_CRL_value(carried, i);
        const X509_NAME *issuer = X509_CRL_get_issuer(c);
        if (crl_of_issuer(t->crls, issuer)) continue; /* the configured one wins */
        bool newest = true;
        for (int j = 0; j < sk_X509_CRL_num(carried) && newest; j++) {
            X509_CRL *o = sk_X509_CRL_value(carried, j);
            if (j == i || X509_NAME_cmp(X509_CRL_get_issuer(o), issuer) != 0) continue;
            /* a newer one, or an equally new one that comes first */
            newest = !(crl_newer(o, c) || (j < i && !crl_newer(c, o)));
        }
        if (newest && !sk_X509_CRL_push(eff, c)) goto nomem;
    }
    *out = eff;
    return 0;
nomem:
    sk_X509_CRL_free(eff);
    return WSSEC_ENOMEM;
}

/* Certificates the configuration knows (for key references by issuer-serial,
 * SKI or thumbprint): the known certificates. Borrowed. */
STACK_OF(X509) *wssec__trust_known(const wssec_trust *t)
{
    return t ? t->known : NULL;
}

/* The trust anchors (for key references, after the known certificates). Borrowed. */
STACK_OF(X509) *wssec__trust_anchors(const wssec_trust *t)
{
    return t ? t->anchors : NULL;
}

wssec_trust *wssec__ctx_trust(const wssec_ctx *ctx)
{
    wssec_ctx *c = (wssec_ctx *)ctx; /* the lock is the one mutable part */
    pthread_mutex_lock(&c->trust_lock);
    wssec_trust *t = wssec__trust_retain(c->trust);
    pthread_mutex_unlock(&c->trust_lock);
    return t;
}
