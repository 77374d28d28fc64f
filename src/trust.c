/*
 * wssec — X.509 trust: is this certificate trusted for this use? The
 * default certificate validator (checks on the end-entity certificate,
 * the subject rule, path validation with OpenSSL at the message's clock,
 * keys and signatures along the chain, the issuer rule, the certificate
 * cache), the seam that lets an application replace it
 * (wssec_cert_validator), and the trust questions other units ask.
 *
 * Beside it: trust_store.c (the snapshot of trust material), trust_cache.c
 * (validated chains), trust_explain.c (the reasons in words, and the chain
 * for `wssec inspect`).
 */
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "trust.h"
#include "context.h"
#include "error.h"
#include "ocsp.h"
#include "record.h"
#include "trust_cache.h"
#include "trust_explain.h"
#include "trust_pin.h"
#include "trust_snapshot.h"
#include "trust_store.h"
#include "util.h"
#include "validate.h"
#include "x509.h"
#include "x509_dn.h"

/* ---- checks on the end-entity certificate ---- */

static int rule_match(const subject_rule *r, const X509_NAME *name)
{
    if (r->canon) {
        char *c = NULL;
        int eq = wssec__dn_canon_name(name, &c) == 0 && strcmp(c, r->canon) == 0;
        wssec__free(c);
        return eq;
    }
    char text[1024];
    if (wssec__dn_text(name, text, sizeof(text))) return 0; /* no memory: no match */
    return regexec(&r->re, text, 0, NULL, 0) == 0;
}

static int check_rules(wssec_trust_verdict *v, const subject_rule *rules, size_t n,
                       const X509_NAME *name, const char *what, const char *role)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (rule_match(&rules[i], name)) return 0;
    char dn[300], list[700];
    size_t off = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && off + 4 < sizeof(list); i++) {
        int w = snprintf(list + off, sizeof(list) - off, "%s'%s'", i ? ", " : "", rules[i].text);
        if (w < 0) break;
        off += (size_t)w;
    }
    wssec__dn_text(name, dn, sizeof(dn));
    /* a rule pasted from `openssl x509 -subject` lists the RDNs in the reverse order */
    const char *reversed = NULL;
    char *have = NULL;
    if (wssec__dn_canon_name(name, &have) == 0) {
        for (size_t i = 0; i < n && !reversed; i++) {
            char *rev = NULL;
            if (rules[i].canon && wssec__dn_canon_text(rules[i].text, true, &rev) == 0 &&
                strcmp(rev, have) == 0)
                reversed = rules[i].text;
            wssec__free(rev);
        }
    }
    wssec__free(have);
    if (reversed)
        return wssec__trust_refuse(
            v, WSSEC_EUNTRUSTED,
            "%s certificate %s '%s' does not match the accepted %ss: %s; '%s' "
            "lists the same names in the reverse order (as openssl prints "
            "them): write '%s'",
            role, what, dn, what, list, reversed, dn);
    return wssec__trust_refuse(v, WSSEC_EUNTRUSTED,
                               "%s certificate %s '%s' does not match the accepted %ss: %s", role,
                               what, dn, what, list);
}

static int key_strength(wssec_trust_verdict *v, const wssec_trust *t, X509 *x, int depth,
                        const char *role);
static int check_issuer_rule(wssec_trust_verdict *v, const wssec_trust *t, STACK_OF(X509) *chain,
                             X509 *leaf, const char *role, bool *by_chain);

/* 1 when the extendedKeyUsage extension lists the dotted OID. */
static int eku_has(X509 *x, const char *oid)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    int found = 0;
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku) && !found; i++) {
        char txt[80];
        OBJ_obj2txt(txt, sizeof(txt), sk_ASN1_OBJECT_value(eku, i), 1);
        found = strcmp(txt, oid) == 0;
    }
    EXTENDED_KEY_USAGE_free(eku);
    ERR_clear_error();
    return found;
}

static void eku_list(X509 *x, char *buf, size_t size)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku) && off + 4 < size; i++) {
        char txt[80];
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
        int nid = OBJ_obj2nid(o);
        if (nid != NID_undef) snprintf(txt, sizeof(txt), "%s", OBJ_nid2sn(nid));
        else OBJ_obj2txt(txt, sizeof(txt), o, 1);
        int w = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", txt);
        if (w < 0) break;
        off += (size_t)w;
    }
    EXTENDED_KEY_USAGE_free(eku);
    ERR_clear_error();
    if (!buf[0]) snprintf(buf, size, "none readable");
}

/* A name every decision can use: no NUL or control character in a value. */
static int usable_name(const X509_NAME *name)
{
    char *c = NULL;
    int rc = wssec__dn_canon_name(name, &c);
    wssec__free(c);
    return rc;
}

/* A self-signed certificate configured itself, as an anchor or a pin, may
 * be a CA (`openssl req -x509` makes CA:TRUE certificates): the partner
 * chose to trust exactly it. */
static bool configured_self_signed(const wssec_trust *t, X509 *x)
{
    bool self = X509_self_signed(x, 0) == 1;
    ERR_clear_error();
    return self && (wssec__trust_is_anchor(t, x) || wssec__trust_is_pinned(t, x));
}

/* A CA certificate used as an end entity, and what could accept it. */
static int refuse_ca(wssec_trust_verdict *v, X509 *leaf, const char *role)
{
    char who[700], fp[96];
    wssec__cert_describe(leaf, who, sizeof(who));
    bool self = X509_self_signed(leaf, 0) == 1;
    ERR_clear_error();
    if (!self)
        return wssec__trust_refuse(v, WSSEC_EUNTRUSTED,
                                   "%s %s is a CA certificate (basicConstraints CA:TRUE), not an "
                                   "end-entity certificate (only a self-signed certificate "
                                   "configured itself with --trust or --pin is accepted so)",
                                   role, who);
    wssec__cert_fingerprint_colons(leaf, fp);
    return wssec__trust_refuse(v, WSSEC_EUNTRUSTED,
                               "%s %s is a CA certificate (basicConstraints CA:TRUE), not an "
                               "end-entity certificate: to trust this self-signed certificate "
                               "itself, give it with --trust or --pin sha256:%s",
                               role, who, fp);
}

static int check_leaf(wssec_trust_verdict *v, const wssec_trust *t, X509 *leaf, int usage,
                      const char *role)
{
    char who[700];
    /* found usable once for a (pooled) certificate object: remembered */
    bool names_known = wssec__cert_flag(leaf, WSSEC_CERT_NAMES_USABLE);
    for (int which = 0; which < 2 && !names_known; which++) {
        const X509_NAME *n = which ? X509_get_issuer_name(leaf) : X509_get_subject_name(leaf);
        int urc = usable_name(n);
        if (urc == WSSEC_ENOMEM) return wssec__trust_refuse(v, urc, "out of memory");
        if (urc) {
            wssec__cert_describe(leaf, who, sizeof(who));
            return wssec__trust_refuse(
                v, WSSEC_EUNTRUSTED,
                "%s %s has a NUL or control character in its %s name: such a "
                "name cannot be compared safely and is refused",
                role, who, which ? "issuer" : "subject");
        }
    }
    if (!names_known) wssec__cert_flag_put(leaf, WSSEC_CERT_NAMES_USABLE);
    uint32_t flags = X509_get_extension_flags(leaf);
    if ((flags & EXFLAG_CA) && !configured_self_signed(t, leaf)) return refuse_ca(v, leaf, role);
    if (flags & EXFLAG_KUSAGE) {
        uint32_t ku = X509_get_key_usage(leaf);
        uint32_t need = usage == WSSEC_USE_SIGN ? (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)
                                                : KU_KEY_ENCIPHERMENT;
        if (!(ku & need)) {
            wssec__cert_describe(leaf, who, sizeof(who));
            return wssec__trust_refuse(
                v, WSSEC_EUNTRUSTED, "%s %s has the wrong key usage: %s needs %s", role, who,
                usage == WSSEC_USE_SIGN ? "signing" : "encryption",
                usage == WSSEC_USE_SIGN ? "digitalSignature or nonRepudiation" : "keyEncipherment");
        }
    }
    if (usage == WSSEC_USE_SIGN && (flags & EXFLAG_XKUSAGE) &&
        !(X509_get_extended_key_usage(leaf) & (XKU_SSL_CLIENT | XKU_SMIME | XKU_ANYEKU)) &&
        !eku_has(leaf, "1.3.6.1.5.5.7.3.36")) {
        char list[300];
        eku_list(leaf, list, sizeof(list));
        wssec__cert_describe(leaf, who, sizeof(who));
        return wssec__trust_refuse(v, WSSEC_EUNTRUSTED,
                                   "%s %s has an extended key usage that does not allow signing "
                                   "messages (%s): clientAuth, emailProtection, documentSigning or "
                                   "anyExtendedKeyUsage does",
                                   role, who, list);
    }
    return key_strength(v, t, leaf, 0, role);
}

/* ---- the whole chain: keys and the signatures on certificates ---- */

/* The key of the certificate at depth: RSA of min-rsa-bits, EC of
 * min-ec-bits or more. */
static int key_strength(wssec_trust_verdict *v, const wssec_trust *t, X509 *x, int depth,
                        const char *role)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    if (!pk) return 0;
    int type = EVP_PKEY_get_base_id(pk), bits = EVP_PKEY_get_bits(pk);
    const char *kind = NULL, *opt = NULL;
    size_t min = 0;
    if (type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS) {
        kind = "RSA";
        opt = "min-rsa-bits";
        min = t->min_rsa_bits;
    } else if (type == EVP_PKEY_EC) {
        kind = "EC";
        opt = "min-ec-bits";
        min = t->min_ec_bits;
    }
    if (!kind || bits < 0 || (size_t)bits >= min) return 0;
    char who[700], where[80];
    wssec__cert_describe(x, who, sizeof(who));
    if (depth == 0) /* the words the leaf check always used */
        return wssec__trust_refuse(v, WSSEC_EUNTRUSTED,
                                   "%s %s has an %s key of %d bits, fewer than %s %zu", role, who,
                                   kind, bits, opt, min);
    wssec__trust_where(depth, role, where, sizeof(where));
    return wssec__trust_refuse(
        v, WSSEC_EUNTRUSTED, "%s chain: %s %s, at %s, has an %s key of %d bits, fewer than %s %zu",
        role, wssec__trust_label(t, x), who, where, kind, bits, opt, min);
}

/* Every key of the validated chain, and every signature on a certificate
 * below the anchor (the anchor's own is not relied on): no MD5 (nor MD2,
 * MD4), no SHA-1 unless allow-sha1. */
static int check_chain(wssec_trust_verdict *v, const wssec_trust *t, STACK_OF(X509) *chain,
                       const char *role)
{
    int n = sk_X509_num(chain);
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);
        if (i > 0) WSSEC_GUARD(key_strength(v, t, x, i, role));
        if (i == n - 1) break;
        int md = NID_undef, pk = NID_undef;
        if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk)) md = NID_undef;
        if (md == NID_undef) {
            int secbits = 0;
            uint32_t fl = 0;
            if (!X509_get_signature_info(x, &md, &pk, &secbits, &fl)) md = NID_undef;
            ERR_clear_error();
        }
        const char *bad = NULL, *relax = "";
        if (md == NID_md5 || md == NID_md4 || md == NID_md2 || md == NID_md5_sha1) {
            bad = "MD5";
            relax = "broken, never accepted";
        } else if (md == NID_sha1 && !t->allow_sha1) {
            bad = "SHA-1";
            relax = "allow-sha1 accepts it";
        }
        if (!bad) continue;
        char who[700], where[80];
        wssec__cert_describe(x, who, sizeof(who));
        wssec__trust_where(i, role, where, sizeof(where));
        return wssec__trust_refuse(v, WSSEC_EUNTRUSTED,
                                   "%s chain: %s%s%s, at %s, is signed with %s (%s; %s)", role,
                                   i ? wssec__trust_label(t, x) : "", i ? " " : "", who, where, bad,
                                   OBJ_nid2ln(X509_get_signature_nid(x)), relax);
    }
    return 0;
}

/* ---- the default certificate validator ---- */

/* The checks before any path is built: anchors to build to, the leaf
 * itself, the subject rules. */
static int check_before_path(wssec_trust_verdict *v, const wssec_trust *t, X509 *leaf, int usage,
                             const char *role)
{
    char who[700];
    if (!wssec__trust_has_anchors(t) && !wssec__trust_has_pins(t)) {
        wssec__cert_describe(leaf, who, sizeof(who));
        return wssec__trust_refuse(
            v, WSSEC_EUNTRUSTED,
            "%s %s cannot be trusted: no trust anchors are configured (--trust FILE)", role, who);
    }
    WSSEC_GUARD(check_leaf(v, t, leaf, usage, role));
    return check_rules(v, t->subjects, t->nsubjects, X509_get_subject_name(leaf), "subject", role);
}

/* ---- pins: a signer accepted by its fingerprint ---- */

/* A pinned certificate: accepted by its fingerprint, with no path and no
 * CRL (a pin is withdrawn by removing it), within its validity at the
 * message's clock and under the issuer rule by its issuer's name (the leaf
 * checks and the subject rules held already). Never cached. */
static int accept_pinned(wssec_trust_verdict *v, const wssec_trust *t, wssec_time now, X509 *leaf,
                         const wssec_pin *pin, const char *role)
{
    time_t secs = (time_t)(now / 1000);
    int e = X509_V_OK;
    if (X509_cmp_time(X509_get0_notBefore(leaf), &secs) != -1) e = X509_V_ERR_CERT_NOT_YET_VALID;
    else if (X509_cmp_time(X509_get0_notAfter(leaf), &secs) != 1) e = X509_V_ERR_CERT_HAS_EXPIRED;
    ERR_clear_error();
    if (e != X509_V_OK) {
        char who[700], why[100];
        wssec__cert_describe(leaf, who, sizeof(who));
        wssec__trust_validity_words(e, leaf, why, sizeof(why));
        return wssec__trust_refuse(v, WSSEC_EUNTRUSTED, "%s %s, pinned by --pin %.100s, %s", role,
                                   who, pin->text, why);
    }
    bool by_chain = false;
    return check_issuer_rule(v, t, NULL, leaf, role, &by_chain);
}

/* Pins but no anchors, and the certificate matches none of the pins. */
static int refuse_unpinned(wssec_trust_verdict *v, const wssec_trust *t, X509 *leaf,
                           const char *role)
{
    char who[700], fp[96];
    wssec__cert_describe(leaf, who, sizeof(who));
    wssec__cert_fingerprint_colons(leaf, fp);
    return wssec__trust_refuse(v, WSSEC_EUNTRUSTED,
                               "%s %s matches none of the %zu pins (--pin) and no trust anchors "
                               "are configured: to trust this certificate itself, give it with "
                               "--pin sha256:%s; to trust what its CA issues, that CA with --trust",
                               role, who, t->npins, fp);
}

/* A path validation and what it holds on to (freed by path_free). */
typedef struct path {
    X509_STORE_CTX *sctx;
    STACK_OF(X509) *untrusted; /* candidates: presented, then known (borrowed) */
    STACK_OF(X509_CRL) *eff;   /* the message's CRLs, when it carries some */
    STACK_OF(X509) *chain;     /* the validated chain, leaf first (sctx's) */
} path;

static void path_free(path *p)
{
    X509_STORE_CTX_free(p->sctx);
    sk_X509_CRL_free(p->eff);
    sk_X509_free(p->untrusted);
}

/* The certificates a path may be built from: those the message presented,
 * then the known ones. 1, or 0 when memory ran out. */
static int add_candidates(STACK_OF(X509) *dst, STACK_OF(X509) *presented, STACK_OF(X509) *known)
{
    for (int i = 0; i < sk_X509_num(presented); i++)
        if (!sk_X509_push(dst, sk_X509_value(presented, i))) return 0;
    for (int i = 0; i < sk_X509_num(known); i++)
        if (!sk_X509_push(dst, sk_X509_value(known, i))) return 0;
    return 1;
}

/* Path validation's verdict on one error: a configured anchor that is not
 * self-signed is trusted as configured, and its issuer's CRL, which could
 * not be checked without the issuer, is not demanded. */
static int verify_cb(int ok, X509_STORE_CTX *sctx)
{
    const wssec_trust *t = X509_STORE_CTX_get_app_data(sctx);
    return ok || (t && wssec__trust_crl_exempt(t, sctx));
}

/* The parameters of a path validation: the message's clock,
 * max-chain-length, the CRLs and their flags. */
typedef struct path_setup {
    const wssec_trust *t;
    wssec_time now;
    unsigned long flags;
    STACK_OF(X509_CRL) *crls; /* NULL: the store's */
} path_setup;

static void setup_path(X509_STORE_CTX *sctx, void *arg)
{
    const path_setup *ps = arg;
    if (ps->crls) X509_STORE_CTX_set0_crls(sctx, ps->crls);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)(ps->now / 1000));
    X509_VERIFY_PARAM_set_depth(param, (int)ps->t->max_chain);
    X509_VERIFY_PARAM_set_flags(param, ps->flags);
    X509_STORE_CTX_set_app_data(sctx, (void *)ps->t);
    X509_STORE_CTX_set_verify_cb(sctx, verify_cb);
}

/* Path validation by OpenSSL at the message's clock, within max-chain-length,
 * with CRL checking as configured: 0 with the chain in p->chain, or the
 * refusal in words (wssec__trust_explain). */
static int validate_path(wssec_trust_verdict *v, const wssec_msg *msg, X509 *leaf,
                         STACK_OF(X509) *presented, STACK_OF(X509_CRL) *crls, const char *role,
                         path *p)
{
    const wssec_trust *t = msg->trust;
    p->untrusted = sk_X509_new_null();
    p->sctx = X509_STORE_CTX_new();
    if (!p->untrusted || !p->sctx || wssec__trust_effective_crls(t, crls, &p->eff) ||
        !add_candidates(p->untrusted, presented, t->known))
        return wssec__trust_refuse(v, WSSEC_ENOMEM, "out of memory");
    path_setup ps = { t, msg->now, wssec__trust_crl_flags(t, crls), p->eff };
    int ok = wssec__trust_verify(t, p->sctx, leaf, p->untrusted, setup_path, &ps);
    if (ok < 0) return wssec__trust_refuse(v, WSSEC_ENOMEM, "out of memory");
    if (!ok) return wssec__trust_explain(v, t, p->sctx, leaf, presented, p->eff, role, msg->now);
    p->chain = X509_STORE_CTX_get0_chain(p->sctx);
    return 0;
}

int wssec__trust_check_path(wssec_trust_verdict *v, const wssec_msg *msg, X509 *x,
                            STACK_OF(X509) *presented, const char *role)
{
    path p = { NULL, NULL, NULL, NULL };
    int rc = validate_path(v, msg, x, presented, NULL, role, &p);
    if (!rc) rc = check_chain(v, msg->trust, p.chain, role);
    path_free(&p);
    return rc;
}

/* The issuer rule holds when any CA of the validated chain matches
 * (*by_chain true, as when there is no rule); otherwise the leaf's issuer
 * name is checked against it, and an outcome that rests on that name
 * alone is not cached (*by_chain false). */
static int check_issuer_rule(wssec_trust_verdict *v, const wssec_trust *t, STACK_OF(X509) *chain,
                             X509 *leaf, const char *role, bool *by_chain)
{
    *by_chain = true;
    if (!t->nissuers) return 0;
    for (int i = 1; i < sk_X509_num(chain); i++)
        for (size_t j = 0; j < t->nissuers; j++)
            if (rule_match(&t->issuers[j], X509_get_subject_name(sk_X509_value(chain, i))))
                return 0;
    *by_chain = false;
    return check_rules(v, t->issuers, t->nissuers, X509_get_issuer_name(leaf), "issuer", role);
}

/* Caches a validated outcome for as long as every certificate of the chain,
 * and every configured CRL when CRLs are checked, is valid. */
static void remember(const wssec_trust *t, const unsigned char key[32], STACK_OF(X509) *chain,
                     wssec_time now)
{
    wssec_time nb, na;
    wssec__trust_cache_window(chain, wssec__trust_crl_flags(t, NULL) ? t->crls : NULL, &nb, &na);
    wssec__trust_cache_store(t->cache, key, nb, na, now);
}

/* The default certificate validator: the checks in the order they always
 * ran, its reason in v. */
static int default_validate(wssec_msg *msg, X509 *leaf, STACK_OF(X509) *presented,
                            STACK_OF(X509_CRL) *crls, int usage, const char *role,
                            wssec_trust_verdict *v)
{
    const wssec_trust *t = msg->trust;
    WSSEC_GUARD(check_before_path(v, t, leaf, usage, role));
    const wssec_pin *pin = wssec__pin_match(t->pins, t->npins, leaf);
    if (pin) {
        WSSEC_GUARD(accept_pinned(v, t, msg->now, leaf, pin, role));
        /* a key pin fixes the key, not the name: whoever holds the key can
         * write any subject into a certificate of it */
        if (pin->spki && !t->nsubjects &&
            wssec_msg_warn(msg, "a signer accepted by a public-key pin (spki-sha256) names "
                                "itself: its subject is not vouched for by anyone; bind it with "
                                "--subject"))
            return wssec__trust_refuse(v, WSSEC_ENOMEM, "out of memory");
        return 0;
    }
    if (!wssec__trust_has_anchors(t)) return refuse_unpinned(v, t, leaf, role);
    unsigned char key[32];
    /* The key is the leaf and the certificates presented with it; the
     * configured CRLs belong to the snapshot the cache lives in. CRLs from
     * the message change the outcome: such checks are not cached. */
    bool cacheable = t->cache && !crls && wssec__trust_cache_key(leaf, presented, key) == 0;
    if (cacheable && wssec__trust_cache_lookup(t->cache, key, msg->now)) {
        msg->cert_cache_hit = true;
        return 0;
    }
    path p = { NULL, NULL, NULL, NULL };
    bool by_chain = false;
    int rc = validate_path(v, msg, leaf, presented, crls, role, &p);
    if (!rc) rc = check_chain(v, t, p.chain, role);
    if (!rc) rc = check_issuer_rule(v, t, p.chain, leaf, role, &by_chain);
    if (!rc) rc = wssec__ocsp_check(msg, t->ocsp, p.chain, role, v->why, v->whylen);
    if (!rc && by_chain && cacheable) remember(t, key, p.chain, msg->now);
    path_free(&p);
    return rc;
}

/* ---- the certificate validator seam (validate.h) ---- */

int wssec_cert_check_init(wssec_cert_check *check, unsigned version)
{
    static const wssec_cert_check tmpl = WSSEC_CERT_CHECK_INIT;
    return wssec__struct_init(check, &tmpl, sizeof(tmpl), version, WSSEC_CERT_CHECK_VERSION);
}

int wssec_cert_validator_init(wssec_cert_validator *validator, unsigned version)
{
    static const wssec_cert_validator tmpl = WSSEC_CERT_VALIDATOR_INIT;
    return wssec__struct_init(validator, &tmpl, sizeof(tmpl), version, WSSEC_CERT_VALIDATOR_VERSION);
}

int wssec_cert_validate_default(const wssec_cert_check *check, char *why, size_t whylen)
{
    if (whylen) why[0] = '\0';
    wssec_trust_verdict v = { why, whylen };
    if (check->version < 1 || check->version > WSSEC_CERT_CHECK_VERSION || !check->msg ||
        !check->leaf)
        return wssec__trust_refuse(
            &v, WSSEC_EINVALID,
            "wssec_cert_validate_default: a check of version 1 to %d, with a message "
            "and a certificate, is needed",
            WSSEC_CERT_CHECK_VERSION);
    if (!check->msg->trust)
        return wssec__trust_refuse(&v, WSSEC_EINVALID, "the message is not being verified");
    return default_validate(check->msg, (X509 *)check->leaf, (STACK_OF(X509) *)check->presented,
                            (STACK_OF(X509_CRL) *)check->crls, (int)check->usage,
                            check->role ? check->role : "certificate", &v);
}

int wssec__trust_check(wssec_msg *msg, X509 *leaf, STACK_OF(X509) *presented,
                       STACK_OF(X509_CRL) *crls, int usage, const char *role, xmlNodePtr node)
{
    const wssec_cert_validator *cv = &msg->ctx->cert_validator;
    char why[sizeof(((wssec_errrec *)0)->message)] = "";
    wssec_trust_verdict v = { why, sizeof(why) };
    if (!cv->validate) {
        int rc = default_validate(msg, leaf, presented, crls, usage, role, &v);
        return rc ? wssec_msg_fail(msg, rc, NULL, node, "%s", why) : 0;
    }
    wssec_cert_check check = WSSEC_CERT_CHECK_INIT;
    check.leaf = leaf;
    check.presented = presented;
    check.crls = crls;
    check.usage = (wssec_cert_usage)usage;
    check.role = role;
    check.now = msg->now;
    check.msg = msg;
    const char *name = cv->name ? cv->name : "custom";
    int got = cv->validate(&check, why, sizeof(why), msg->ctx->cert_validator_ud);
    why[sizeof(why) - 1] = '\0'; /* whatever the callback did with the buffer */
    int rc = wssec__validator_code(got, WSSEC_EUNTRUSTED);
    if (!rc) return 0;
    char who[700];
    wssec__cert_describe(leaf, who, sizeof(who));
    if (rc != got)
        return wssec_msg_fail(msg, rc, NULL, node,
                              "certificate validator '%s' returned %d, which is neither 0 nor a "
                              "wssec error code: %s %s is refused",
                              name, got, role, who);
    if (!why[0])
        return wssec_msg_fail(msg, rc, NULL, node,
                              "%s %s is refused by certificate validator '%s' (no reason given)",
                              role, who, name);
    return wssec_msg_fail(msg, rc, NULL, node, "%s", why);
}

/* 1 when cert is pinned, or chains to an anchor through configured
 * certificates only (none carried in the message), at the message's clock;
 * 0 when not. */
int wssec__trust_configured_chain(wssec_msg *msg, X509 *cert)
{
    wssec_trust *t = msg->trust;
    if (wssec__trust_is_pinned(t, cert)) return 1; /* configured itself */
    if (!wssec__trust_has_anchors(t)) return 0;
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    if (!sctx) return WSSEC_ENOMEM;
    path_setup ps = { t, msg->now, 0, NULL };
    int ok = wssec__trust_verify(t, sctx, cert, t->known, setup_path, &ps);
    X509_STORE_CTX_free(sctx);
    ERR_clear_error();
    return ok;
}

int wssec__trust_unconstrained(const wssec_msg *msg)
{
    return wssec__trust_has_anchors(msg->trust) && !wssec__trust_has_subject_rules(msg->trust);
}

int wssec__trust_note_cache_hit(wssec_msg *msg, wssec_token *tok)
{
    if (msg->cert_cache_hit && wssec_token_set(tok, "cert-cache", "hit")) return WSSEC_ENOMEM;
    msg->cert_cache_hit = false;
    return 0;
}
