/*
 * wssec — the XML Signature module (WSS 1.1 §8, X.509 Token Profile 1.1,
 * BSP R3102, R5401-R5423).
 *
 * Consumer, in this order, so that nothing expensive or dangerous runs on an
 * unchecked signature:
 *   1. structure and algorithms, against allow-lists: detached signatures
 *      only (no ds:Object), exclusive C14N without comments (inclusive C14N
 *      only when BSP R5404 / R5412 are relaxed by name), the
 *      signature and digest algorithms wssec accepts (SHA-1 only with
 *      allow-sha1), no HMAC, same-document "#id" references only, at most
 *      max-references references and max-transforms transforms each, no
 *      duplicate reference, no reference to a ds:Manifest or ds:Object;
 *   2. the key: the SecurityTokenReference (or X509Data) resolved against the
 *      message's tokens and the configured certificates, never fetched, then
 *      the certificate validated against the trust anchors at the message's
 *      clock;
 *   3. the cryptography, by xmlsec with that key preset and the same
 *      allow-lists enabled in its transform contexts;
 *   4. the record: each reference as the node it covered, for the policy.
 * Generator: a Signature over the configured parts with the context's key,
 * referring to its certificate the configured way (key-id bst: the
 * x509-token action's token, or one the key-reference service writes).
 *
 * The module sees the library through the module SDK (wssec/sys/) and
 * service headers only: settings by name, the context's keys, the token
 * store and its typed facts.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "algs.h"
#include "bsp.h"
#include "c14n.h"
#include "keylocator.h"
#include "keyref.h"
#include "ocsp.h"
#include "policy.h"
#include "settings.h"
#include "str_transform.h"
#include "symkey.h"
#include "trust.h"
#include "trust_warn.h"
#include "util.h"
#include "x509.h"
#include "xml.h"

#define WSSE_STR "SecurityTokenReference"

static xmlSecTransformId transform_by_uri(const char *uri, xmlSecTransformUsage usage)
{
    return xmlSecTransformIdListFindByHref(xmlSecTransformIdsGet(), BAD_CAST uri, usage);
}

/* An xmlsec key holding a reference to pkey (public or private). */
static xmlSecKeyPtr key_from_pkey(EVP_PKEY *pkey)
{
    if (!EVP_PKEY_up_ref(pkey)) return NULL;
    xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pkey);
    if (!data) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    xmlSecKeyPtr key = xmlSecKeyCreate();
    if (!key || xmlSecKeySetValue(key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        if (key) xmlSecKeyDestroy(key);
        return NULL;
    }
    return key;
}

/* An xmlsec key holding a copy of our private key, for one message:
 * OpenSSL 3.0 leaves an RSA key's blinding state inconsistent when an
 * allocation fails while it renews it (BN_BLINDING_update), and every later
 * signature made with that key object does not verify (found by the
 * allocation torture); the copy takes the damage with it. A key in a token
 * cannot be copied and is used as it is (wssec__pkey_for_use). */
static xmlSecKeyPtr key_from_private(const EVP_PKEY *shared)
{
    EVP_PKEY *own = wssec__pkey_for_use((EVP_PKEY *)shared);
    if (!own) return NULL;
    xmlSecKeyPtr key = key_from_pkey(own);
    EVP_PKEY_free(own); /* the key holds its own reference */
    return key;
}

/* ===================================================================== */
/* consumer                                                               */
/* ===================================================================== */

typedef struct ref_info {
    xmlNodePtr ref;    /* ds:Reference */
    xmlNodePtr target; /* the element its URI names */
    const char *uri;
    const wssec_alg *digest;
    bool whole;           /* only C14N and enveloped-signature transforms */
    bool exclusive;       /* the last transform is exclusive C14N */
    const char *prefixes; /* its InclusiveNamespaces PrefixList, or NULL */
    bool str;             /* its one transform is the STR-Transform */
    xmlNodePtr token;     /* STR-Transform: the token element digested, or NULL */
} ref_info;

/* The settings a signature is checked with, read once per signature. */
typedef struct sig_settings {
    size_t max_references, max_transforms, max_signatures, max_message_size, max_c14n_bytes;
    int allow_sha1;
    const char *const *allow_transforms; /* names: xpath, xpath2, xslt */
    size_t n_allow_transforms;
    bool relax_r5404, relax_r5412; /* inclusive C14N (SignedInfo, a Reference) */
} sig_settings;

static int read_settings(sig_settings *s, const wssec_ctx *ctx)
{
    int rc = 0;
    rc |= wssec_ctx_get_size(&s->max_references, ctx, "max-references");
    rc |= wssec_ctx_get_size(&s->max_transforms, ctx, "max-transforms");
    rc |= wssec_ctx_get_size(&s->max_signatures, ctx, "max-signatures");
    rc |= wssec_ctx_get_size(&s->max_message_size, ctx, "max-message-size");
    rc |= wssec_ctx_get_size(&s->max_c14n_bytes, ctx, "max-c14n-bytes");
    rc |= wssec_ctx_get_bool(&s->allow_sha1, ctx, "allow-sha1");
    rc |= wssec_ctx_get_list(&s->allow_transforms, &s->n_allow_transforms, ctx,
                             "allow-transforms");
    s->relax_r5404 = wssec__bsp_relaxed_in(ctx, WSSEC_BSP_R5404);
    s->relax_r5412 = wssec__bsp_relaxed_in(ctx, WSSEC_BSP_R5412);
    return rc ? WSSEC_EINTERNAL : 0;
}

typedef struct sig_info {
    sig_settings set;
    xmlNodePtr signed_info, value, key_info;
    const wssec_alg *method;
    const char *c14n;
    const char *c14n_prefixes; /* the CanonicalizationMethod's PrefixList, or NULL */
    size_t nrefs;
    /* whether our C14N (c14n.c) may stand for libxml2's in this document:
     * 0 not asked yet, 1 yes, 2 no (asked once per signature) */
    int own_c14n;
    /* inspect: algorithms refused so far, and the first refusal's code; the
     * walk goes on so that every --allow-... needed is shown at once */
    int deferred;
    char refused[600];
    /* last: sig_consume zeroes everything before it; each slot is zeroed
     * when a Reference takes it */
    ref_info refs[256];
} sig_info;

/* While inspecting, an algorithm refusal is noted and the walk goes on;
 * otherwise it is returned. */
static int defer_refusal(wssec_msg *msg, sig_info *si, int rc, const char *what, const char *fix)
{
    if (!wssec_msg_inspecting(msg)) return rc;
    if (!si->deferred) si->deferred = rc;
    size_t off = strlen(si->refused);
    snprintf(si->refused + off, sizeof(si->refused) - off, "%s%s (%s)", off ? "; " : "", what,
             fix);
    return 0;
}

static int is_c14n(const char *uri)
{
    return strcmp(uri, WSSEC_URI_EXC_C14N) == 0 || strcmp(uri, WSSEC_URI_C14N) == 0;
}

#define NS_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"

/* The InclusiveNamespaces child of an exclusive C14N transform (or
 * CanonicalizationMethod): its PrefixList (borrowed), or NULL. Anything else
 * inside the element is refused. */
static int c14n_prefix_list(wssec_msg *msg, xmlNodePtr e, const char *where, const char **out)
{
    *out = NULL;
    for (xmlNodePtr c = wssec_xml_first_elem(e); c; c = wssec_xml_next_elem(c)) {
        if (!wssec_xml_is(c, NS_EXC_C14N, "InclusiveNamespaces") || *out ||
            !wssec_xml_attr(c, "PrefixList"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "%s: a C14N transform may hold only one InclusiveNamespaces "
                                  "with a PrefixList",
                                  where);
        *out = wssec_xml_attr(c, "PrefixList");
    }
    return 0;
}

static int transform_allowed(const sig_settings *s, const char *uri, bool *whole)
{
    if (is_c14n(uri) || strcmp(uri, WSSEC_URI_ENVELOPED) == 0) return 1;
    static const struct {
        const char *name, *uri;
    } optional[] = { { "xpath", WSSEC_URI_XPATH },
                     { "xpath2", WSSEC_URI_XPATH2 },
                     { "xslt", WSSEC_URI_XSLT } };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(optional); i++) {
        if (strcmp(uri, optional[i].uri) != 0) continue;
        for (size_t j = 0; j < s->n_allow_transforms; j++)
            if (strcmp(s->allow_transforms[j], optional[i].name) == 0) {
                *whole = false; /* a filtered reference does not cover its subtree */
                return 1;
            }
    }
    return 0;
}

static int weak_refused(wssec_msg *msg, xmlNodePtr node, const char *what, const wssec_alg *a)
{
    return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, node,
                          "%s %s uses SHA-1, which is refused by default (--allow-sha1 accepts it "
                          "from old peers such as WSS4J 1.6 and zeep, which default to rsa-sha1)",
                          what, a->name);
}

/* The name --allow-transforms takes for a transform URI, or NULL. */
static const char *transform_name(const char *uri)
{
    if (!strcmp(uri, WSSEC_URI_XPATH)) return "xpath";
    if (!strcmp(uri, WSSEC_URI_XPATH2)) return "xpath2";
    if (!strcmp(uri, WSSEC_URI_XSLT)) return "xslt";
    return NULL;
}

/* ---- step 1: the structure and the algorithms, before any cryptography ---- */

/* SignedInfo, SignatureValue and KeyInfo, in that order, and nothing else
 * (no ds:Object: detached signatures only). */
static int find_children(wssec_msg *msg, xmlNodePtr sig, sig_info *si)
{
    for (xmlNodePtr c = wssec_xml_first_elem(sig); c; c = wssec_xml_next_elem(c)) {
        if (wssec_xml_is(c, WSSEC_NS_DS, "SignedInfo") && !si->signed_info && !si->value)
            si->signed_info = c;
        else if (wssec_xml_is(c, WSSEC_NS_DS, "SignatureValue") && si->signed_info && !si->value)
            si->value = c;
        else if (wssec_xml_is(c, WSSEC_NS_DS, "KeyInfo") && si->value && !si->key_info)
            si->key_info = c;
        else if (wssec_xml_is(c, WSSEC_NS_DS, "Object"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "ds:Object in a signature: only detached signatures are "
                                  "accepted (BSP R3102)");
        else
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "signature child {%s}%s out of place (SignedInfo, "
                                  "SignatureValue, KeyInfo)",
                                  c->ns ? (const char *)c->ns->href : "", (const char *)c->name);
    }
    if (!si->signed_info || !si->value)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, sig,
                              "signature without SignedInfo or SignatureValue");
    if (!si->key_info)
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, sig,
                              "signature without KeyInfo: the signing token cannot be found");
    return 0;
}

/* SignedInfo's first child, its CanonicalizationMethod (*out): exclusive
 * C14N, inclusive only when BSP R5404 is relaxed. */
static int check_c14n_method(wssec_msg *msg, sig_info *si, xmlNodePtr *out)
{
    xmlNodePtr c = wssec_xml_first_elem(si->signed_info);
    const char *uri;
    if (!wssec_xml_is(c, WSSEC_NS_DS, "CanonicalizationMethod") ||
        !(uri = wssec_xml_attr(c, "Algorithm")))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->signed_info,
                              "SignedInfo must start with a CanonicalizationMethod");
    if (!is_c14n(uri))
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, c,
                              "canonicalization '%.120s' is not allowed (exclusive C14N without "
                              "comments is; BSP R5404)",
                              uri);
    if (strcmp(uri, WSSEC_URI_EXC_C14N) != 0) {
        if (!si->set.relax_r5404)
            return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, c,
                                  "SignedInfo canonicalization is inclusive C14N: only exclusive "
                                  "C14N is accepted (BSP R5404; --bsp-relax R5404 accepts it)");
        if (wssec_msg_warn(msg, "BSP R5404 relaxed: a SignedInfo canonicalized with "
                                "inclusive C14N was accepted"))
            return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, c, "out of memory");
    }
    si->c14n = uri;
    if (strcmp(uri, WSSEC_URI_EXC_C14N) == 0)
        WSSEC_GUARD(c14n_prefix_list(msg, c, "CanonicalizationMethod", &si->c14n_prefixes));
    *out = c;
    return 0;
}

/* The SignatureMethod c after it: an allowed algorithm without parameters
 * (SHA-1 only with allow-sha1). */
static int check_signature_method(wssec_msg *msg, sig_info *si, xmlNodePtr c)
{
    const char *uri;
    if (!wssec_xml_is(c, WSSEC_NS_DS, "SignatureMethod") || !(uri = wssec_xml_attr(c, "Algorithm")))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->signed_info,
                              "SignedInfo without SignatureMethod after CanonicalizationMethod");
    if (wssec_xml_first_elem(c))
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, c,
                              "SignatureMethod with parameters (HMACOutputLength) is refused "
                              "(BSP R5401)");
    si->method = wssec__alg_by_uri(wssec__sig_algs, uri);
    if (!si->method)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, c,
                              "signature algorithm '%.120s' is not allowed (RSA and ECDSA with "
                              "SHA-2; HMAC-SHA256 with an EncryptedKey's session key)",
                              uri);
    if (si->method->weak && !si->set.allow_sha1) {
        char what[80];
        snprintf(what, sizeof(what), "signature algorithm %s", si->method->name);
        WSSEC_GUARD(defer_refusal(msg, si, weak_refused(msg, c, "signature algorithm", si->method),
                                  what, "--allow-sha1"));
    }
    return 0;
}

/* Bounds first: nothing is resolved for a signature with more than
 * max-references References after its SignatureMethod. */
static int count_references(wssec_msg *msg, const sig_info *si, xmlNodePtr method)
{
    size_t count = 0;
    for (xmlNodePtr r = wssec_xml_next_elem(method); r; r = wssec_xml_next_elem(r)) count++;
    if (count > si->set.max_references || count > WSSEC_ARRAY_LEN(si->refs))
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", si->signed_info,
                              "signature has %zu references, more than max-references %zu",
                              count, si->set.max_references);
    return 0;
}

/* A Reference's URI: same-document "#id" only, not to a ds:Manifest, and
 * not twice in one signature. */
static int check_uri(wssec_msg *msg, const sig_info *si, ref_info *r, xmlNodePtr c)
{
    r->uri = wssec_xml_attr(c, "URI");
    const char *type = wssec_xml_attr(c, "Type");
    if (type && strstr(type, "#Manifest"))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                              "a Reference to a ds:Manifest is refused (BSP R5403)");
    if (!r->uri || r->uri[0] != '#' || !r->uri[1] || strchr(r->uri, '(') || strchr(r->uri, ' '))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                              "Reference URI '%.120s' is refused: only same-document "
                              "references of the form #id are accepted (BSP R3001)",
                              r->uri ? r->uri : "(none)");
    for (size_t j = 0; j + 1 < si->nrefs; j++)
        if (strcmp(si->refs[j].uri, r->uri) == 0)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "two References to %s in one signature", r->uri);
    return 0;
}

/* A Transform not allowed: refused, or, while inspecting, noted with the
 * option that allows it (when one does). */
static int refuse_transform(wssec_msg *msg, sig_info *si, const ref_info *r, xmlNodePtr tr,
                            const char *a)
{
    int frc = wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, tr,
                             "transform '%.120s' in Reference %s is not allowed (C14N and "
                             "enveloped-signature are; XPath, XPath Filter 2.0 and XSLT only "
                             "with allow-transforms)",
                             a, r->uri);
    const char *tn = transform_name(a);
    if (!tn) return frc;
    char what[200], fix[60];
    snprintf(what, sizeof(what), "transform %s in Reference %.40s", tn, r->uri);
    snprintf(fix, sizeof(fix), "--allow-transforms %s", tn);
    return defer_refusal(msg, si, frc, what, fix);
}

/* The STR-Transform: the only transform of its Reference, which then
 * covers the token its STR names (recorded as signed), not the STR. */
static int check_str_transform(wssec_msg *msg, ref_info *r, xmlNodePtr tr)
{
    if (tr->parent && (wssec_xml_first_elem(tr->parent) != tr || wssec_xml_next_elem(tr)))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, tr,
                              "Reference %s: the STR-Transform must be its only transform",
                              r->uri);
    r->str = true;
    r->whole = false;
    return wssec__str_transform_params(msg, tr, r->uri);
}

/* One Transform of a Reference: allowed, and a C14N transform last
 * (exclusive; inclusive only when BSP R5412 is relaxed). */
static int check_transform(wssec_msg *msg, sig_info *si, ref_info *r, xmlNodePtr tr,
                           bool *c14n_seen)
{
    const char *a = wssec_xml_attr(tr, "Algorithm");
    if (!wssec_xml_is(tr, WSSEC_NS_DS, "Transform") || !a)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, tr,
                              "Transforms may hold only Transform elements");
    if (strcmp(a, WSSEC_URI_STR_TRANSFORM) == 0) return check_str_transform(msg, r, tr);
    if (!transform_allowed(&si->set, a, &r->whole))
        WSSEC_GUARD(refuse_transform(msg, si, r, tr, a));
    /* a C14N transform turns nodes into bytes; anything after it re-parses
     * them (and each keeps its output): refused */
    if (*c14n_seen)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, tr,
                              "Reference %s: a C14N transform must be the last transform (at "
                              "most one per reference; enveloped-signature may precede it)",
                              r->uri);
    if (!is_c14n(a)) return 0;
    *c14n_seen = true;
    r->exclusive = strcmp(a, WSSEC_URI_EXC_C14N) == 0;
    if (!r->exclusive && !si->set.relax_r5412)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, tr,
                              "Reference %s is canonicalized with inclusive C14N: its last "
                              "transform must be exclusive C14N (BSP R5412; --bsp-relax R5412 "
                              "accepts it)",
                              r->uri);
    if (!r->exclusive && wssec_msg_warn(msg, "BSP R5412 relaxed: a Reference canonicalized "
                                             "with inclusive C14N was accepted"))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, tr, "out of memory");
    if (r->exclusive) WSSEC_GUARD(c14n_prefix_list(msg, tr, r->uri, &r->prefixes));
    return 0;
}

/* A Reference's Transforms t, when it has them (at most max-transforms),
 * and the element after them (*next). */
static int check_transforms(wssec_msg *msg, sig_info *si, ref_info *r, xmlNodePtr t,
                            xmlNodePtr *next)
{
    *next = t;
    if (!wssec_xml_is(t, WSSEC_NS_DS, "Transforms")) return 0;
    size_t ntrans = 0;
    for (xmlNodePtr tr = wssec_xml_first_elem(t); tr; tr = wssec_xml_next_elem(tr))
        if (++ntrans > si->set.max_transforms)
            return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", tr,
                                  "Reference %s has more than max-transforms %zu transforms",
                                  r->uri, si->set.max_transforms);
    bool c14n_seen = false;
    for (xmlNodePtr tr = wssec_xml_first_elem(t); tr; tr = wssec_xml_next_elem(tr))
        WSSEC_GUARD(check_transform(msg, si, r, tr, &c14n_seen));
    *next = wssec_xml_next_elem(t);
    return 0;
}

/* A Reference's DigestMethod dm (an allowed digest; SHA-1 only with
 * allow-sha1) and DigestValue. */
static int check_digest(wssec_msg *msg, sig_info *si, ref_info *r, xmlNodePtr c, xmlNodePtr dm)
{
    const char *d;
    if (!wssec_xml_is(dm, WSSEC_NS_DS, "DigestMethod") || !(d = wssec_xml_attr(dm, "Algorithm")) ||
        !wssec_xml_is(wssec_xml_next_elem(dm), WSSEC_NS_DS, "DigestValue"))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                              "Reference %s needs a DigestMethod and a DigestValue", r->uri);
    r->digest = wssec__alg_by_uri(wssec__digest_algs, d);
    if (!r->digest)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, dm,
                              "digest algorithm '%.120s' is not allowed (SHA-256, SHA-384, "
                              "SHA-512)",
                              d);
    if (r->digest->weak && !si->set.allow_sha1) {
        char what[120];
        snprintf(what, sizeof(what), "digest %s in Reference %.60s", r->digest->name, r->uri);
        WSSEC_GUARD(defer_refusal(msg, si, weak_refused(msg, dm, "digest algorithm", r->digest),
                                  what, "--allow-sha1"));
    }
    return 0;
}

/* The element a Reference names, by its registered ID: neither a
 * ds:Manifest nor a ds:Object. */
static int resolve_target(wssec_msg *msg, ref_info *r, xmlNodePtr c)
{
    xmlAttrPtr id = xmlGetID(wssec_msg_doc(msg), BAD_CAST(r->uri + 1));
    if (!id || !id->parent || id->parent->type != XML_ELEMENT_NODE) {
        /* it may lie in ciphertext still to be decrypted (sign, then encrypt) */
        wssec_msg_retry_after_decryption(msg);
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                              "Reference %s names no element with a wsu:Id of that value",
                              r->uri);
    }
    r->target = id->parent;
    if (wssec_xml_is(r->target, WSSEC_NS_DS, "Manifest") ||
        wssec_xml_is(r->target, WSSEC_NS_DS, "Object"))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                              "Reference %s names a ds:%s, which is refused (BSP R5403)",
                              r->uri, (const char *)r->target->name);
    return 0;
}

/* One Reference of SignedInfo, checked whole before the next. */
static int check_reference(wssec_msg *msg, sig_info *si, xmlNodePtr c)
{
    if (!wssec_xml_is(c, WSSEC_NS_DS, "Reference"))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                              "SignedInfo may hold only References after SignatureMethod");
    ref_info *r = &si->refs[si->nrefs++];
    memset(r, 0, sizeof(*r)); /* sig_info is zeroed up to refs (sig_consume) */
    r->ref = c;
    r->whole = true;
    WSSEC_GUARD(check_uri(msg, si, r, c));
    xmlNodePtr dm = NULL;
    WSSEC_GUARD(check_transforms(msg, si, r, wssec_xml_first_elem(c), &dm));
    WSSEC_GUARD(check_digest(msg, si, r, c, dm));
    return resolve_target(msg, r, c);
}

/* The whole of step 1, in document order. */
static int check_structure_walk(wssec_msg *msg, xmlNodePtr sig, sig_info *si)
{
    xmlNodePtr c = NULL;
    WSSEC_GUARD(find_children(msg, sig, si));
    WSSEC_GUARD(check_c14n_method(msg, si, &c));
    c = wssec_xml_next_elem(c);
    WSSEC_GUARD(check_signature_method(msg, si, c));
    WSSEC_GUARD(count_references(msg, si, c));
    for (c = wssec_xml_next_elem(c); c; c = wssec_xml_next_elem(c))
        WSSEC_GUARD(check_reference(msg, si, c));
    if (si->nrefs == 0)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->signed_info,
                              "signature without a Reference");
    return 0;
}

/* Returns the walk's failure, or the first refusal it deferred (whose
 * message is the recorded one: the first error of a step wins). *complete
 * tells whether the walk reached its end (every reference resolved). */
static int check_structure(wssec_msg *msg, xmlNodePtr sig, sig_info *si, bool *complete)
{
    int rc = check_structure_walk(msg, sig, si);
    *complete = rc == 0;
    if (rc == WSSEC_ENOMEM) return rc;
    return si->deferred ? si->deferred : rc;
}

/* ---- the canonical SignedInfo ---- */

/* Visibility for C14N of one subtree (top and everything under it). The
 * answer for a node's parent is remembered: siblings ask in a row. */
typedef struct subtree_vis {
    xmlNodePtr top, last;
    int last_in;
} subtree_vis;

static int in_subtree(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
    subtree_vis *v = ud;
    xmlNodePtr n = node && node->type == XML_NAMESPACE_DECL ? parent : node;
    if (!n) return 0;
    if (n == v->top) return 1;
    xmlNodePtr p = n->parent;
    if (p == v->last) return v->last_in;
    int in = 0;
    for (xmlNodePtr x = p; x; x = x->parent)
        if (x == v->top) {
            in = 1;
            break;
        }
    v->last = p;
    v->last_in = in;
    return in;
}

static int buf_write(void *ctx, const char *p, int n)
{
    return n < 0 || wssec__buf_append(ctx, p, (size_t)n) ? -1 : n;
}

static int buf_sink(void *ctx, const unsigned char *p, size_t n)
{
    return wssec__buf_append(ctx, p, n);
}

/* Whether our exclusive C14N of a subtree (c14n.c, byte-identical to
 * libxml2's) may stand for xmlC14NExecute in the message's document as it
 * is now: nothing in it that makes libxml2 fail. One walk of the document,
 * once per signature (a decryption between two signatures changes it). */
static bool own_c14n(wssec_msg *msg, sig_info *si)
{
    if (!si->own_c14n) si->own_c14n = wssec__c14n_doc_ok(wssec_msg_doc(msg)) ? 1 : 2;
    return si->own_c14n == 1;
}

/* Splits a PrefixList at XML whitespace into a NULL-terminated array
 * (pointers into copy, which the caller frees); at most max prefixes. */
static int split_prefixes(const char *list, char **copy, xmlChar **v, size_t max)
{
    size_t n = 0;
    *copy = NULL;
    v[0] = NULL;
    if (!list) return 0;
    if (!(*copy = wssec__strdup(list))) return WSSEC_ENOMEM;
    for (char *p = *copy; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') *p++ = '\0';
        if (!*p) break;
        if (n + 1 >= max) return WSSEC_ELIMIT;
        v[n++] = BAD_CAST p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') p++;
    }
    v[n] = NULL;
    return 0;
}

/* SignedInfo canonicalized with the signature's own CanonicalizationMethod:
 * the bytes the SignatureValue is over. */
static int c14n_signed_info(wssec_msg *msg, sig_info *si, wssec_buf *out)
{
    xmlChar *prefixes[65];
    char *copy = NULL;
    int rc = split_prefixes(si->c14n_prefixes, &copy, prefixes, WSSEC_ARRAY_LEN(prefixes));
    if (rc) {
        wssec__free(copy);
        return wssec_msg_fail(msg, rc, "wsse:InvalidSecurity", si->signed_info,
                              rc == WSSEC_ELIMIT ? "CanonicalizationMethod PrefixList has more "
                                                   "than 64 prefixes"
                                                 : "out of memory");
    }
    memset(out, 0, sizeof(*out));
    out->max = si->set.max_message_size + 65536;
    bool exc = strcmp(si->c14n, WSSEC_URI_EXC_C14N) == 0;
    /* exclusive: our C14N of the subtree, the same bytes as libxml2's */
    int own = exc && own_c14n(msg, si)
                  ? wssec__c14n_exc_subtree(si->signed_info, (const xmlChar *const *)prefixes, 0,
                                            buf_sink, out)
                  : WSSEC_C14N_UNHANDLED;
    int n = own ? -1 : 0;
    if (own == WSSEC_C14N_UNHANDLED) {
        wssec__buf_free(out); /* nothing of ours kept: libxml2's from the start */
        subtree_vis v = { si->signed_info, NULL, 0 };
        xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(buf_write, NULL, out, NULL);
        n = ob ? xmlC14NExecute(wssec_msg_doc(msg), in_subtree, &v,
                                exc ? XML_C14N_EXCLUSIVE_1_0 : XML_C14N_1_0,
                                exc && prefixes[0] ? prefixes : NULL, 0, ob)
               : -1;
        if (ob && xmlOutputBufferClose(ob) < 0) n = -1;
    }
    wssec__free(copy);
    if (n < 0) {
        wssec__buf_free(out);
        if (own == WSSEC_ENOMEM)
            return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, si->signed_info, "out of memory");
        return wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, si->signed_info,
                              "SignedInfo cannot be canonicalized");
    }
    return 0;
}

/* The digest of a signature algorithm: the part of its name after the dash. */
static const EVP_MD *method_md(const wssec_alg *a)
{
    const char *d = strrchr(a->name, '-');
    return d ? EVP_get_digestbyname(d + 1) : NULL;
}

/* Step 3a: the SignatureValue over the canonical SignedInfo, with the
 * signer's key, before any reference is digested. 1 verified, 0 not, <0
 * an error. XML DSig's ECDSA value is r||s, two halves of the order's size. */
static int signature_value_verifies(EVP_PKEY *pk, const wssec_alg *method, const unsigned char *sig,
                                    size_t siglen, const wssec_buf *tbs)
{
    const EVP_MD *md = method_md(method);
    unsigned char *der = NULL;
    int derlen = 0, ok = 0;
    if (!md) return -1;
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
        size_t half = ((size_t)EVP_PKEY_get_bits(pk) + 7) / 8;
        if (half == 0 || siglen != 2 * half) return 0;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, (int)half, NULL), *s = BN_bin2bn(sig + half, (int)half, NULL);
        if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
            BN_free(r);
            BN_free(s);
            ECDSA_SIG_free(es);
            return -1;
        }
        derlen = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        if (derlen <= 0) return -1;
        sig = der;
        siglen = (size_t)derlen;
    }
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c && EVP_DigestVerifyInit(c, NULL, md, NULL, pk) == 1)
        ok = EVP_DigestVerify(c, sig, siglen, tbs->data, tbs->len) == 1;
    else
        ok = -1;
    EVP_MD_CTX_free(c);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

/* Adds a length-prefixed part to a digest. */
static int md_part(EVP_MD_CTX *c, const void *p, size_t n)
{
    unsigned char len[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                             (unsigned char)(n >> 8), (unsigned char)n };
    return n <= 0xffffffffu && EVP_DigestUpdate(c, len, 4) == 1 && EVP_DigestUpdate(c, p, n) == 1;
}

static int md_bn_param(EVP_MD_CTX *c, const EVP_PKEY *pk, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int ok = EVP_PKEY_get_bn_param(pk, name, &bn) == 1 && BN_num_bytes(bn) <= (int)sizeof(buf);
    int n = ok ? BN_bn2bin(bn, buf) : 0;
    ok = ok && md_part(c, buf, (size_t)n);
    BN_free(bn);
    return ok;
}

/* SHA-256 of the signer's public key in one encoding per key: RSA (n, e);
 * EC on a named curve (the curve, x, y), whatever the point format the
 * certificate used; anything else its SubjectPublicKeyInfo DER as the
 * certificate has it. */
static int key_hash(X509 *cert, EVP_PKEY *pk, unsigned char out[32])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int len = 0;
    char group[80];
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
    if (ok && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
        ok = md_part(c, "rsa", 3) && md_bn_param(c, pk, OSSL_PKEY_PARAM_RSA_N) &&
             md_bn_param(c, pk, OSSL_PKEY_PARAM_RSA_E);
    } else if (ok && EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
               EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                              NULL) == 1) {
        ok = md_part(c, "ec", 2) && md_part(c, group, strlen(group)) &&
             md_bn_param(c, pk, OSSL_PKEY_PARAM_EC_PUB_X) &&
             md_bn_param(c, pk, OSSL_PKEY_PARAM_EC_PUB_Y);
    } else if (ok) {
        unsigned char *spki = NULL;
        int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &spki);
        ok = n > 0 && md_part(c, "spki", 4) && md_part(c, spki, (size_t)n);
        OPENSSL_free(spki);
    }
    ok = ok && EVP_DigestFinal_ex(c, out, &len) == 1 && len == 32;
    EVP_MD_CTX_free(c);
    ERR_clear_error();
    return ok ? 0 : -1;
}

/* Item 1: the replay key, SHA-256(SHA-256(the signer's public key) ||
 * canonical SignedInfo): what the key fixes. */
static int replay_key(X509 *cert, EVP_PKEY *pk, const wssec_buf *si, unsigned char out[32])
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    /* once per certificate object (pooled ones come again) */
    if (wssec__cert_keyhash_get(cert, h) != 0) {
        if (key_hash(cert, pk, h)) return -1;
        wssec__cert_keyhash_put(cert, h);
    }
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(c, h, sizeof(h)) == 1 && EVP_DigestUpdate(c, si->data, si->len) == 1 &&
             EVP_DigestFinal_ex(c, out, &len) == 1 && len == 32;
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* ---- item 4: QName values in signed content ---- */

#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

/* 1 when element e visibly utilizes prefix (NULL: the default namespace)
 * in exclusive C14N's sense: its own name or an attribute's name. */
static int uses_prefix(xmlNodePtr e, const xmlChar *prefix)
{
    if (!prefix ? !e->ns || !e->ns->prefix : e->ns && xmlStrEqual(e->ns->prefix, prefix)) return 1;
    if (!prefix) return 0;
    for (xmlAttrPtr a = e->properties; a; a = a->next)
        if (a->ns && xmlStrEqual(a->ns->prefix, prefix)) return 1;
    return 0;
}

static int in_prefix_list(const char *list, const xmlChar *prefix)
{
    const char *want = prefix ? (const char *)prefix : "#default";
    size_t wl = strlen(want);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') q++;
        if ((size_t)(q - p) == wl && memcmp(p, want, wl) == 0) return 1;
        p = q;
    }
    return 0;
}

/* The namespace URI prefix means at e ("" when it is not bound). */
static const xmlChar *ns_at(xmlNodePtr e, const xmlChar *prefix)
{
    xmlNsPtr ns = xmlSearchNs(e->doc, e, prefix);
    return ns && ns->href ? ns->href : BAD_CAST "";
}

/* A reference digested with exclusive C14N covers the declaration of a
 * prefix only where an element visibly uses it, or when its PrefixList
 * names it. An xsi:type value's prefix that neither covers means nothing
 * the signer signed: it can be rebound after signing. Refused. */
static int check_qnames(wssec_msg *msg, const ref_info *r)
{
    if (!r->exclusive || !r->target) return 0;
    xmlNodePtr top = r->target;
    for (xmlNodePtr n = top; n; n = wssec_xml_next_in(n, top)) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttrPtr a = n->properties; a; a = a->next) {
                if (!a->ns || !xmlStrEqual(a->ns->href, BAD_CAST NS_XSI) ||
                    !xmlStrEqual(a->name, BAD_CAST "type"))
                    continue;
                xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
                if (!v) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, n, "out of memory");
                const xmlChar *s = v;
                while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
                const xmlChar *colon = xmlStrchr(s, ':');
                xmlChar *prefix = colon ? xmlStrndup(s, (int)(colon - s)) : NULL;
                bool covered = in_prefix_list(r->prefixes, prefix);
                const xmlChar *want = ns_at(n, prefix);
                for (xmlNodePtr e = n; !covered && e; e = e == top ? NULL : e->parent)
                    if (e->type == XML_ELEMENT_NODE && uses_prefix(e, prefix)) {
                        covered = xmlStrEqual(ns_at(e, prefix), want);
                        break;
                    }
                int rc = 0;
                if (!covered) {
                    char path[200];
                    wssec_xml_path(path, sizeof(path), n);
                    rc = wssec_msg_fail(msg, WSSEC_EPOLICY, "wsse:InvalidSecurity", n,
                                        "xsi:type '%.100s' uses prefix '%s', whose declaration "
                                        "the signature of Reference %s does not cover (exclusive "
                                        "C14N without it in the InclusiveNamespaces PrefixList): "
                                        "it could be rebound after signing (%s)",
                                        (const char *)s, prefix ? (const char *)prefix : "#default",
                                        r->uri, path);
                }
                xmlFree(prefix);
                xmlFree(v);
                if (rc) return rc;
            }
        }
    }
    return 0;
}

/* ---- step 3: the cryptography ---- */

static int enable_transforms(xmlSecDSigCtxPtr d, const sig_settings *s)
{
    int rc = 0;
    rc |= xmlSecDSigCtxEnableReferenceTransform(d, xmlSecTransformExclC14NId);
    rc |= xmlSecDSigCtxEnableReferenceTransform(d, xmlSecTransformInclC14NId);
    rc |= xmlSecDSigCtxEnableReferenceTransform(d, xmlSecTransformEnvelopedId);
    for (const wssec_alg *a = wssec__digest_algs; a->name; a++) {
        if (a->weak && !s->allow_sha1) continue;
        xmlSecTransformId id = transform_by_uri(a->uri, xmlSecTransformUsageDigestMethod);
        if (id != xmlSecTransformIdUnknown) rc |= xmlSecDSigCtxEnableReferenceTransform(d, id);
    }
    for (size_t i = 0; i < s->n_allow_transforms; i++) {
        const char *n = s->allow_transforms[i];
        xmlSecTransformId id = !strcmp(n, "xpath")    ? xmlSecTransformXPathId
                               : !strcmp(n, "xpath2") ? xmlSecTransformXPath2Id
                                                      : xmlSecTransformXsltId;
        if (id != xmlSecTransformIdUnknown) rc |= xmlSecDSigCtxEnableReferenceTransform(d, id);
    }
    return rc;
}

/* ---- bytes canonicalized per message (max-c14n-bytes) ---- */

/* A pass-through binary transform, put right before each reference's
 * digest: it counts what the C14N (or the implicit one) produces and stops
 * the chain past the message's budget. The C14N writes into it as it goes,
 * so the work stops there too. */
/* What the counting transform of a reference sees: the message, and, for
 * the explain callback, a copy of the bytes. */
typedef struct count_state {
    wssec_msg *msg;
    wssec_buf *capture; /* NULL: nothing kept */
    bool refused;       /* a take was refused: the reference fails */
} count_state;

static int count_execute(xmlSecTransformPtr t, int last, xmlSecTransformCtxPtr tctx)
{
    count_state *cs = tctx->userData;
    wssec_msg *msg = cs ? cs->msg : NULL;
    xmlSecBufferPtr in = &t->inBuf;
    xmlSecSize n = xmlSecBufferGetSize(in);
    if (t->status == xmlSecTransformStatusNone) t->status = xmlSecTransformStatusWorking;
    if (t->status == xmlSecTransformStatusFinished) return 0;
    if (t->status != xmlSecTransformStatusWorking || !msg) return -1;
    if (!cs->refused &&
        (wssec__c14n_take(msg, n, true) ||
         (n && cs->capture && wssec__buf_append(cs->capture, xmlSecBufferGetData(in), n)) ||
         (n && (xmlSecBufferAppend(&t->outBuf, xmlSecBufferGetData(in), n) < 0 ||
                xmlSecBufferRemoveHead(in, n) < 0)))) {
        cs->refused = true;
        /* before the end, a refusal stops the C14N (its output's first
         * error is final) */
        if (!last) return -1;
    }
    if (cs->refused) {
        /* Refused bytes, and what comes after them, are dropped, never
         * digested, and the reference fails (digest_reference reads
         * cs->refused). The last push, xmlsec flushing its output buffer as
         * it closes it, is taken all the same: xmlsec 1.2 leaks that buffer
         * when the flush fails (xmlSecTransformIOBufferClose). */
        xmlSecBufferEmpty(in);
    }
    if (last) t->status = xmlSecTransformStatusFinished;
    return 0;
}

static xmlSecTransformKlass count_klass = {
    sizeof(xmlSecTransformKlass), sizeof(xmlSecTransform), BAD_CAST "wssec-c14n-budget", NULL,
    xmlSecTransformUsageUnknown, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    xmlSecTransformDefaultGetDataType, xmlSecTransformDefaultPushBin,
    xmlSecTransformDefaultPopBin, NULL, NULL, count_execute, NULL, NULL,
};

static int insert_counter(xmlSecTransformCtxPtr tctx)
{
    xmlSecTransformPtr d = tctx->last;
    while (d && !(d->id->usage & xmlSecTransformUsageDigestMethod)) d = d->prev;
    if (!d || !d->prev) return -1;
    xmlSecTransformPtr c = xmlSecTransformCreate(&count_klass);
    if (!c) return -1;
    c->prev = d->prev;
    c->next = d;
    d->prev->next = c;
    d->prev = c;
    return 0;
}

/* The base64 digest of bytes with the named digest ("sha256"), or NULL. */
static char *digest_b64(const char *name, const unsigned char *p, size_t n)
{
    const EVP_MD *md = EVP_get_digestbyname(name);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!md || !EVP_Digest(p, n, d, &dl, md, NULL)) return NULL;
    return wssec_b64_encode(d, dl);
}

/* The explain callback for SignedInfo or one reference (nothing without one). */
static void explain(wssec_msg *msg, const char *what, const wssec_buf *b, const char *alg,
                    const char *md_name, xmlNodePtr digest_value)
{
    if (!wssec__explaining(msg)) return;
    char *computed = digest_b64(md_name, b->data ? b->data : (const unsigned char *)"", b->len);
    char *expected = digest_value ? wssec_xml_text(digest_value) : NULL;
    wssec__explain(msg, what, b->data, b->len, alg, expected, computed);
    xmlFree(computed);
    if (expected) xmlFree(expected);
}

static int over_budget(wssec_msg *msg, const sig_info *si, xmlNodePtr node)
{
    return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", node,
                          "the signatures canonicalize more than max-c14n-bytes %zu bytes",
                          si->set.max_c14n_bytes);
}

/* 1 for ciphertext: an EncryptedData or an EncryptedHeader. */
static int is_ciphertext(xmlNodePtr e)
{
    return wssec_xml_is(e, WSSEC_NS_XENC, "EncryptedData") ||
           wssec_xml_is(e, WSSEC_NS_WSSE11, "EncryptedHeader");
}

/* Whether a reference whose digest failed may have been made over plaintext
 * that is still encrypted (sign, then encrypt): its element holds ciphertext,
 * and no reference of the signature names ciphertext itself (that one was
 * made over ciphertext: encrypt, then sign, and nothing decrypted can mend
 * it). */
static bool over_plaintext(const sig_info *si, xmlNodePtr failed)
{
    for (size_t i = 0; i < si->nrefs; i++)
        if (is_ciphertext(si->refs[i].target)) return false;
    for (xmlNodePtr n = failed; n; n = wssec_xml_next_in(n, failed))
        if (is_ciphertext(n)) return true;
    return false;
}

/* (a) The SignatureValue over the canonical SignedInfo (*tbs, which the
 * caller frees), by us, with the signer's key; then the replay key from
 * the same bytes, and the value as the token's typed fact. */
static int verify_signed_info(wssec_msg *msg, wssec_token *tok, xmlNodePtr sig,
                              sig_info *si, X509 *cert, EVP_PKEY *pk, wssec_buf *tbs,
                              unsigned char replay[32])
{
    unsigned char *value = NULL;
    size_t value_len = 0;
    WSSEC_GUARD(c14n_signed_info(msg, si, tbs));
    if (wssec__c14n_take(msg, tbs->len, false)) return over_budget(msg, si, si->signed_info);
    if (wssec_msg_b64_elem(&value, &value_len, msg, si->value))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->value,
                              "SignatureValue is not base64");
    int ok = signature_value_verifies(pk, si->method, value, value_len, tbs);
    if (ok > 0 && wssec_token_set_signature_value(tok, value, value_len)) ok = -2;
    wssec__free(value);
    if (ok == -2) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    if (ok >= 0) {
        const char *dash = strrchr(si->method->name, '-');
        explain(msg, "SignedInfo", tbs, si->method->name, dash ? dash + 1 : "sha256", NULL);
    }
    if (ok < 0)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "%s cannot be verified",
                              si->method->name);
    if (!ok) {
        char who[700];
        wssec__cert_describe(cert, who, sizeof(who));
        return wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, si->value,
                              "SignatureValue does not verify with the key of %s (SignedInfo was "
                              "changed, or the key is not the one that signed)",
                              who);
    }
    if (replay_key(cert, pk, tbs, replay))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "replay key derivation");
    return 0;
}

/* (b) One reference, digested by xmlsec with the counting transform before
 * its digest, against its DigestValue. */
static int digest_reference(wssec_msg *msg, xmlSecDSigCtxPtr d, xmlNodePtr sig,
                            const sig_info *si, const ref_info *r)
{
    xmlSecDSigReferenceCtxPtr rc_ =
        xmlSecDSigReferenceCtxCreate(d, xmlSecDSigReferenceOriginSignedInfo);
    if (!rc_) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    wssec_buf capture = { .max = si->set.max_c14n_bytes };
    count_state cs = { msg, wssec__explaining(msg) ? &capture : NULL };
    rc_->transformCtx.userData = &cs;
    rc_->transformCtx.preExecCallback = insert_counter;
    int ret = xmlSecDSigReferenceCtxProcessNode(rc_, r->ref);
    xmlSecDSigStatus st = rc_->status;
    xmlSecDSigReferenceCtxDestroy(rc_);
    if (ret >= 0 && !cs.refused && cs.capture) {
        xmlNodePtr dv = wssec_xml_first_elem(r->ref);
        while (dv && !wssec_xml_is(dv, WSSEC_NS_DS, "DigestValue")) dv = wssec_xml_next_elem(dv);
        explain(msg, r->uri, &capture, r->digest->name, r->digest->name, dv);
    }
    wssec__buf_free(&capture);
    if ((ret < 0 || cs.refused) && wssec__c14n_over(msg)) {
        ERR_clear_error();
        return over_budget(msg, si, r->ref);
    }
    if (ret < 0 || cs.refused) {
        /* a reference xmlsec could not resolve or canonicalize, after our
         * checks passed */
        ERR_clear_error();
        return wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, r->ref,
                              "signature cannot be processed (Reference %s: a transform failed)",
                              r->uri);
    }
    if (st != xmlSecDSigStatusSucceeded) {
        char path[200];
        wssec_xml_path(path, sizeof(path), r->target);
        if (over_plaintext(si, r->target)) wssec_msg_retry_after_decryption(msg);
        return wssec_msg_fail(msg, WSSEC_EDIGEST, NULL, r->target,
                              "digest of Reference %s (%s) does not match: the element was "
                              "changed after it was signed",
                              r->uri, path);
    }
    return 0;
}

/* (b) A reference with the STR-Transform, by the str_transform service. */
static int str_reference(wssec_msg *msg, sig_info *si, ref_info *r, X509 *signer)
{
    if (!signer) /* an HMAC signature: no signing token to be covered */
        return wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, r->ref,
                              "Reference %s uses the STR-Transform in a signature by a symmetric "
                              "key: only a certificate's signature may cover its token so",
                              r->uri);
    wssec_str_ref s = { .ref = r->ref, .str = r->target, .uri = r->uri, .md = r->digest->name,
                        .own_c14n = own_c14n(msg, si) ? 1 : 2,
                        .signer = signer, .max_c14n_bytes = si->set.max_c14n_bytes };
    int rc = wssec__str_transform_verify(msg, &s);
    if (!rc) {
        xmlNodePtr dv = wssec_xml_first_elem(r->ref);
        while (dv && !wssec_xml_is(dv, WSSEC_NS_DS, "DigestValue")) dv = wssec_xml_next_elem(dv);
        explain(msg, r->uri, &s.bytes, r->digest->name, r->digest->name, dv);
        r->token = s.token;
    }
    wssec__buf_free(&s.bytes);
    return rc;
}

/* ---- (b) the common shape, digested directly ---- */

/* Where the canonical bytes of a reference go: counted against
 * max-c14n-bytes, kept when explaining, into the digest. */
typedef struct digest_sink {
    wssec_msg *msg;
    EVP_MD_CTX *md;
    wssec_buf *capture; /* NULL: nothing kept */
    bool refused;       /* the budget or the digest refused: the reference fails */
} digest_sink;

static int digest_put(void *ctx, const unsigned char *p, size_t n)
{
    digest_sink *s = ctx;
    if (s->refused) return -1;
    if (wssec__c14n_take(s->msg, n, true) ||
        (n && s->capture && wssec__buf_append(s->capture, p, n)) ||
        EVP_DigestUpdate(s->md, p, n) != 1) {
        s->refused = true;
        return -1;
    }
    return 0;
}

static int digest_write(void *ctx, const char *p, int n)
{
    return n < 0 || digest_put(ctx, (const unsigned char *)p, (size_t)n) ? -1 : n;
}

/* The common shape, which needs none of xmlsec's machinery: a same-document
 * "#id" reference (already resolved to r->target, checked and allowed) whose
 * one transform is exclusive C14N, with a SHA-2 digest. */
static bool direct_shape(const ref_info *r)
{
    if (r->str || !r->exclusive || !r->target || r->digest->weak || r->uri[0] != '#' ||
        strchr(r->uri, '(')) /* an XPointer: xmlsec's */
        return false;
    xmlNodePtr t = wssec_xml_first_elem(r->ref);
    xmlNodePtr tr = wssec_xml_is(t, WSSEC_NS_DS, "Transforms") ? wssec_xml_first_elem(t) : NULL;
    return tr && !wssec_xml_next_elem(tr);
}

/* The DigestValue of a reference, decoded, when it is base64 of the
 * digest's size: 1, else 0 (xmlsec then judges it, as before). */
static int digest_value(wssec_msg *msg, const ref_info *r, const EVP_MD *md, xmlNodePtr *dv,
                        unsigned char **want)
{
    size_t len = 0;
    *dv = wssec_xml_first_elem(r->ref);
    while (*dv && !wssec_xml_is(*dv, WSSEC_NS_DS, "DigestValue")) *dv = wssec_xml_next_elem(*dv);
    *want = NULL;
    if (!*dv || wssec_msg_b64_elem(want, &len, msg, *dv)) return 0;
    if (len != (size_t)EVP_MD_get_size(md)) {
        wssec__free(*want);
        *want = NULL;
        return 0;
    }
    return 1;
}

/* (b) One reference of the common shape: the exclusive C14N of the
 * referenced subtree, r->target itself (the element the checks before
 * looked at), written straight into the digest, then compared with the
 * DigestValue; the same outcomes and messages as digest_reference. Our
 * C14N (c14n.c) when the document allows it, else libxml2's with the
 * visibility callback SignedInfo uses: the same bytes. 1 when the
 * reference is not of a shape this handles (xmlsec digests it). */
static int digest_reference_direct(wssec_msg *msg, xmlNodePtr sig, sig_info *si,
                                   const ref_info *r)
{
    const EVP_MD *md = EVP_get_digestbyname(r->digest->name);
    xmlChar *prefixes[65];
    char *copy = NULL;
    xmlNodePtr dv = NULL;
    unsigned char *want = NULL;
    if (!md || split_prefixes(r->prefixes, &copy, prefixes, WSSEC_ARRAY_LEN(prefixes)) ||
        !digest_value(msg, r, md, &dv, &want)) {
        wssec__free(copy);
        return 1;
    }
    wssec_buf capture = { .max = si->set.max_c14n_bytes };
    digest_sink sink = { msg, EVP_MD_CTX_new(), wssec__explaining(msg) ? &capture : NULL, false };
    subtree_vis v = { r->target, NULL, 0 };
    unsigned char got[EVP_MAX_MD_SIZE];
    unsigned int gotlen = 0;
    int n = -1, own = WSSEC_C14N_UNHANDLED;
    if (sink.md && EVP_DigestInit_ex(sink.md, md, NULL) == 1) {
        if (own_c14n(msg, si))
            own = wssec__c14n_exc_subtree(r->target, (const xmlChar *const *)prefixes, 0,
                                          digest_put, &sink);
        if (own != WSSEC_C14N_UNHANDLED) {
            n = own ? -1 : 0;
        } else {
            xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(digest_write, NULL, &sink, NULL);
            n = ob ? xmlC14NExecute(wssec_msg_doc(msg), in_subtree, &v, XML_C14N_EXCLUSIVE_1_0,
                                    prefixes[0] ? prefixes : NULL, 0, ob)
                   : -1;
            if (ob && xmlOutputBufferClose(ob) < 0) n = -1;
        }
        if (n >= 0 && !sink.refused && EVP_DigestFinal_ex(sink.md, got, &gotlen) != 1) n = -1;
    }
    EVP_MD_CTX_free(sink.md);
    wssec__free(copy);
    int rc = 0;
    if (n < 0 || sink.refused) {
        ERR_clear_error();
        if (!sink.md || own == WSSEC_ENOMEM)
            rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
        else if (wssec__c14n_over(msg)) rc = over_budget(msg, si, r->ref);
        else
            rc = wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, r->ref,
                                "signature cannot be processed (Reference %s: a transform "
                                "failed)",
                                r->uri);
    } else {
        if (sink.capture) explain(msg, r->uri, &capture, r->digest->name, r->digest->name, dv);
        if (gotlen != (unsigned)EVP_MD_get_size(md) || CRYPTO_memcmp(got, want, gotlen) != 0) {
            char path[200];
            wssec_xml_path(path, sizeof(path), r->target);
            if (over_plaintext(si, r->target)) wssec_msg_retry_after_decryption(msg);
            rc = wssec_msg_fail(msg, WSSEC_EDIGEST, NULL, r->target,
                                "digest of Reference %s (%s) does not match: the element was "
                                "changed after it was signed",
                                r->uri, path);
        }
    }
    wssec__buf_free(&capture);
    wssec__free(want);
    return rc;
}

/* (b) Every reference, one by one, by xmlsec with our allow-lists enabled
 * in its transform contexts (the STR-Transform by us). */
static int digest_references(wssec_msg *msg, xmlNodePtr sig, sig_info *si, X509 *signer)
{
    xmlSecDSigCtxPtr d = xmlSecDSigCtxCreate(NULL);
    if (!d) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    d->operation = xmlSecTransformOperationVerify;
    /* no URI but "#id" anywhere: a message never makes xmlsec fetch or open */
    d->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    d->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    d->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
    d->keyInfoReadCtx.retrievalMethodCtx.enabledUris = xmlSecTransformUriTypeNone;
    int rc = 0;
    if (enable_transforms(d, &si->set) != 0)
        rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "xmlsec cannot be set up");
    for (size_t i = 0; !rc && i < si->nrefs; i++) {
        ref_info *r = &si->refs[i];
        if (r->str) rc = str_reference(msg, si, r, signer);
        else if (!direct_shape(r) || (rc = digest_reference_direct(msg, sig, si, r)) == 1)
            rc = digest_reference(msg, d, sig, si, r);
    }
    xmlSecDSigCtxDestroy(d);
    return rc;
}

/* Step 3: (a) the SignatureValue over the canonical SignedInfo, by us; then,
 * only when it verifies, (b) xmlsec digests the references one by one, each
 * against its DigestValue. The replay key comes from the same canonical
 * SignedInfo. */
static int verify_crypto(wssec_msg *msg, wssec_token *tok, xmlNodePtr sig, sig_info *si,
                         X509 *cert, unsigned char replay[32])
{
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    if (!pk)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, sig, "certificate without a public key");
    if (EVP_PKEY_get_base_id(pk) != si->method->key_type)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, sig,
                              "signature algorithm %s does not fit the signer's %s key",
                              si->method->name, OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
    wssec_buf tbs = { 0 };
    int rc = verify_signed_info(msg, tok, sig, si, cert, pk, &tbs, replay);
    wssec__buf_free(&tbs);
    /* SignedInfo is authentic from here on */
    for (size_t i = 0; !rc && i < si->nrefs; i++) rc = check_qnames(msg, &si->refs[i]);
    if (!rc) rc = digest_references(msg, sig, si, cert);
    ERR_clear_error();
    return rc;
}

/* At most max-signatures signatures in our Security header, counted each
 * time one is consumed (decryption may reveal one), before any
 * cryptography. */
static int count_signatures(wssec_msg *msg, xmlNodePtr sig, const sig_info *si)
{
    const size_t max = si->set.max_signatures;
    size_t n = 0;
    for (xmlNodePtr e = wssec_xml_first_elem(wssec_msg_security(msg, 0)); e;
         e = wssec_xml_next_elem(e))
        if (wssec_xml_is(e, WSSEC_NS_DS, "Signature")) n++;
    if (n > max)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", sig,
                              "the Security header holds %zu signatures, more than "
                              "max-signatures %zu; refused before any cryptography",
                              n, max);
    return 0;
}

/* What the signature is, for reports: its method, its C14N, and each
 * reference with the element it names. 0 or WSSEC_ENOMEM. */
static int describe(wssec_token *tok, const sig_info *si)
{
    if (wssec_token_set(tok, "signature-method", si->method->name) ||
        wssec_token_set(tok, "c14n", strcmp(si->c14n, WSSEC_URI_EXC_C14N) == 0 ? "exclusive"
                                                                                : "inclusive"))
        return WSSEC_ENOMEM;
    for (size_t i = 0; i < si->nrefs; i++) {
        char name[32], path[300];
        snprintf(name, sizeof(name), "reference-%zu", i + 1);
        char where[200];
        wssec_xml_path(where, sizeof(where), si->refs[i].target);
        snprintf(path, sizeof(path), "%s -> %s (%s)", si->refs[i].uri, where,
                 si->refs[i].digest->name);
        if (wssec_token_set(tok, name, path)) return WSSEC_ENOMEM;
    }
    return 0;
}

/* Inspect, past refused algorithms: the key reference and the signer too
 * (when they resolve), then the refusals, each with its option. Returns
 * the first refusal's code (deferred). */
static int report_refused(wssec_msg *msg, wssec_token *tok, const sig_info *si, int deferred,
                          wssec_key_source *k)
{
    if (wssec__key_resolve(msg, si->key_info, NULL, k) == 0) {
        char who[600];
        wssec__dn_text(X509_get_subject_name(k->cert), who, sizeof(who));
        if (wssec_token_set(tok, "key-reference", k->how) || wssec_token_set(tok, "signer", who))
            return WSSEC_ENOMEM;
    }
    return wssec_token_set(tok, "refused", si->refused) ? WSSEC_ENOMEM : deferred;
}

/* Step 2: the signer k resolved from KeyInfo. Its subject, whole, is the
 * identity (text, of size bytes); its certificate is validated against the
 * trust anchors at the message's clock. */
static int check_signer(wssec_msg *msg, xmlNodePtr sig, wssec_token *tok,
                        const wssec_key_source *k, char *text, size_t size)
{
    if (wssec__cert_subject_text(k->cert, text, size))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    /* the identity is this text, whole: never a cut (which could match a
     * subject rule or another signer), never empty */
    if (!text[0] || strlen(text) >= size - 1)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, sig,
                              "the signer's subject is longer than %zu characters (RFC 4514) or "
                              "cannot be written: refused rather than cut",
                              size - 2);
    if (wssec_token_set(tok, "key-reference", k->how) || wssec_token_set(tok, "signer", text))
        return WSSEC_ENOMEM;
    if (wssec__trust_unconstrained(msg) &&
        wssec_msg_warn(msg, "no subject constraint (--subject): any certificate the trust "
                            "anchors issued is accepted as a signer"))
        return WSSEC_ENOMEM;
    WSSEC_GUARD(wssec__trust_check(msg, k->cert, k->presented,
                                   k->token ? wssec_token_crls(k->token) : NULL, WSSEC_USE_SIGN,
                                   "signer", sig));
    WSSEC_GUARD(wssec__trust_warn_signer(msg, k->cert));
    return wssec__trust_note_cache_hit(msg, tok);
}

/* An endorsing signature: a reference of it covers another ds:Signature of
 * our header (WS-SecurityPolicy EndorsingSupportingTokens). For reports,
 * "endorses" on it and "endorsed-by" on the endorsed signature's token when
 * that one came first; what it proves is decided by node identity in the
 * record (wssec_msg_is_covered, the caller). 0 or WSSEC_ENOMEM. */
static int note_endorsed(wssec_msg *msg, wssec_token *tok, const sig_info *si, const char *identity)
{
    for (size_t i = 0; i < si->nrefs; i++) {
        xmlNodePtr t = si->refs[i].target;
        if (!t || !wssec_xml_is(t, WSSEC_NS_DS, "Signature") || !si->refs[i].whole) continue;
        if (wssec_token_set(tok, "endorses", si->refs[i].uri)) return WSSEC_ENOMEM;
        for (size_t j = 0; j < wssec_msg_token_count(msg); j++) {
            wssec_token *o = wssec_msg_token(msg, j);
            if (o != tok && wssec_token_node(o) == t && !strcmp(wssec_token_type(o), "signature") &&
                wssec_token_set(o, "endorsed-by", identity))
                return WSSEC_ENOMEM;
        }
    }
    return 0;
}

/* For reports and the policy's protection order: "covers-ciphertext" on a
 * signature a reference of which covered ciphertext when it verified
 * (encrypt, then sign); a signature over plaintext that was encrypted after
 * it (sign, then encrypt) verifies after decryption, over plaintext. 0 or
 * WSSEC_ENOMEM. */
static int note_ciphertext(wssec_token *tok, const sig_info *si)
{
    for (size_t i = 0; i < si->nrefs; i++) {
        xmlNodePtr t = si->refs[i].target;
        for (xmlNodePtr n = t; n; n = wssec_xml_next_in(n, t))
            if (is_ciphertext(n))
                return wssec_token_set(tok, "covers-ciphertext", si->refs[i].uri) ? WSSEC_ENOMEM
                                                                                  : 0;
    }
    return 0;
}

/* Step 4: the record: each reference as the node it covered, what verified
 * the signature and its replay key, the signer's identity as the caller. */
static int record(wssec_msg *msg, wssec_token *tok, const sig_info *si,
                  const wssec_key_source *k, const unsigned char replay[32], const char *identity)
{
    wssec_time horizon;
    if (wssec__asn1_time(X509_get0_notAfter(k->cert), &horizon)) horizon = wssec_msg_now(msg);
    wssec_token_set_replay(tok, replay, horizon);
    for (size_t i = 0; i < si->nrefs; i++)
        if (wssec_msg_add_signed(msg, si->refs[i].target, si->refs[i].uri,
                                 si->refs[i].digest->name, tok, si->refs[i].whole) ||
            (si->refs[i].token && wssec_msg_add_signed(msg, si->refs[i].token, si->refs[i].uri,
                                                       si->refs[i].digest->name, tok, 1)))
            return WSSEC_ENOMEM;
    if (wssec_token_set_signer(tok, k->token, k->cert) || wssec_token_set_identity(tok, identity))
        return WSSEC_ENOMEM;
    WSSEC_GUARD(note_endorsed(msg, tok, si, identity));
    WSSEC_GUARD(note_ciphertext(tok, si));
    return wssec_msg_set_caller(msg, tok);
}

/* An HMAC signature's value (all of it: no truncation) over the canonical
 * SignedInfo, with the session key, compared in constant time. */
static int hmac_value_verifies(wssec_msg *msg, wssec_token *tok, sig_info *si,
                               const wssec_token *key_token)
{
    const unsigned char *key = NULL;
    size_t klen = wssec_token_secret(&key, key_token);
    wssec_buf tbs = { 0 };
    unsigned char *value = NULL, mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t value_len = 0;
    const EVP_MD *md = method_md(si->method);
    int rc = c14n_signed_info(msg, si, &tbs);
    if (!rc && wssec__c14n_take(msg, tbs.len, false)) rc = over_budget(msg, si, si->signed_info);
    if (!rc && wssec_msg_b64_elem(&value, &value_len, msg, si->value))
        rc = wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->value, "SignatureValue is not base64");
    if (!rc && (!md || !HMAC(md, key, (int)klen, tbs.data, tbs.len, mac, &maclen)))
        rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, si->value, "%s cannot be computed",
                            si->method->name);
    if (!rc && (value_len != maclen || CRYPTO_memcmp(value, mac, maclen) != 0))
        rc = wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, si->value,
                            "SignatureValue (%s) does not verify with the key of the %s its "
                            "KeyInfo names (SignedInfo was changed, or the key is not the one "
                            "that signed)",
                            si->method->name, wssec__symkey_kind(key_token));
    if (!rc && wssec_token_set_signature_value(tok, value, value_len))
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, si->value, "out of memory");
    wssec__memzero(mac, sizeof(mac));
    wssec__free(value);
    wssec__buf_free(&tbs);
    ERR_clear_error();
    return rc;
}

/* A signature by a symmetric key (HMAC, the symmetric binding): keyed by
 * the session key of the EncryptedKey its KeyInfo names, never by a
 * certificate's bytes (symkey.c). It proves the parts it covers intact, not
 * who sent them (anyone can encrypt a key to our certificate): no signer,
 * no caller, no replay entry, and its references satisfy no signed: or
 * signature requirement (record.c: by_symmetric_key). */
static int hmac_verify(wssec_msg *msg, wssec_token *tok, xmlNodePtr sig, sig_info *si)
{
    const wssec_token *ek = NULL;
    WSSEC_GUARD(wssec__symkey_resolve(msg, si->key_info, "HMAC signature", &ek));
    WSSEC_GUARD(hmac_value_verifies(msg, tok, si, ek));
    for (size_t i = 0; i < si->nrefs; i++) WSSEC_GUARD(check_qnames(msg, &si->refs[i]));
    WSSEC_GUARD(digest_references(msg, sig, si, NULL));
    char by[200];
    xmlNodePtr kn = wssec_token_node(ek);
    xmlChar *wsu_id = xmlGetNsProp(kn, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
    const char *id = wsu_id ? (const char *)wsu_id : wssec_xml_attr(kn, "Id");
    if (!strcmp(wssec_token_type(ek), "session-key")) /* a response to our request */
        snprintf(by, sizeof(by),
                 "symmetric key of a request we sent, EncryptedKeySHA1 %.40s "
                 "(anonymous: not a certificate)",
                 wssec_token_get(ek, "encrypted-key-sha1"));
    else
        snprintf(by, sizeof(by), "symmetric key of %s %.100s (anonymous: not a certificate)",
                 wssec__symkey_kind(ek), id ? id : "(no Id)");
    if (wsu_id) xmlFree(wsu_id);
    if (wssec_token_set(tok, "key-reference", wssec_token_type(ek)) ||
        wssec_token_set(tok, "signed-with", by))
        return WSSEC_ENOMEM;
    for (size_t i = 0; i < si->nrefs; i++)
        if (wssec_msg_add_signed(msg, si->refs[i].target, si->refs[i].uri, si->refs[i].digest->name,
                                 tok, si->refs[i].whole))
            return WSSEC_ENOMEM;
    WSSEC_GUARD(note_ciphertext(tok, si));
    return wssec_token_set_signer(tok, ek, NULL);
}

static int sig_consume(wssec_msg *msg, xmlNodePtr sig, void *ud)
{
    (void)ud;
    wssec_token *tok = wssec_msg_add_token(msg, "signature", sig);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    /* zeroed but for refs[] (18 KB), each of which is zeroed when used */
    sig_info *si = wssec__malloc(sizeof(*si));
    wssec_key_source k = { 0 };
    unsigned char replay[32];
    char text[600];
    int rc;
    if (!si) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    memset(si, 0, offsetof(sig_info, refs));
    if ((rc = read_settings(&si->set, wssec_msg_ctx(msg)))) {
        rc = wssec_msg_fail(msg, rc, NULL, sig, "signature: the settings cannot be read");
        goto done;
    }
    if ((rc = count_signatures(msg, sig, si))) goto done;
    if ((rc = wssec__policy_warn_no_timestamp(msg))) goto done;
    bool complete = false;
    rc = check_structure(msg, sig, si, &complete);
    /* inspect goes on past refused algorithms to show the whole signature */
    int deferred = rc && si->deferred == rc && complete ? rc : 0;
    if (rc && !deferred) goto done;
    if ((rc = describe(tok, si))) goto done;
    if (deferred) {
        rc = report_refused(msg, tok, si, deferred, &k);
        goto done;
    }
    if (si->method->key_type == EVP_PKEY_HMAC) {
        rc = hmac_verify(msg, tok, sig, si);
        goto done;
    }
    if ((rc = wssec__key_resolve(msg, si->key_info, NULL, &k))) goto done;
    /* OCSP waits until the signature verifies: no query for a forgery */
    wssec__ocsp_arm(msg);
    if ((rc = check_signer(msg, sig, tok, &k, text, sizeof(text)))) goto done;
    if ((rc = verify_crypto(msg, tok, sig, si, k.cert, replay))) goto done;
    if ((rc = wssec__ocsp_settle(msg, tok, sig))) goto done;
    rc = record(msg, tok, si, &k, replay, text);
done:
    wssec__ocsp_disarm(msg);
    if (rc == WSSEC_ENOMEM) wssec_msg_fail(msg, rc, NULL, sig, "out of memory");
    wssec__key_source_free(&k);
    wssec__free(si);
    return rc;
}

/* ===================================================================== */
/* generator                                                              */
/* ===================================================================== */

static xmlNodePtr child_of_security(wssec_msg *msg, const char *ns, const char *local)
{
    for (xmlNodePtr e = wssec_xml_first_elem(wssec_msg_security(msg, 0)); e;
         e = wssec_xml_next_elem(e))
        if (wssec_xml_is(e, ns, local)) return e;
    return NULL;
}

typedef struct parts {
    xmlNodePtr v[64];
    size_t n;
} parts;

static int add_part(wssec_msg *msg, parts *p, xmlNodePtr e, const char *spec)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == e) return 0;
    if (p->n >= WSSEC_ARRAY_LEN(p->v))
        return wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, e, "sign-part '%s': more than %zu parts",
                              spec, WSSEC_ARRAY_LEN(p->v));
    if (e->type != XML_ELEMENT_NODE)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-part '%s' selects something that is not an element", spec);
    p->v[p->n++] = e;
    return 0;
}

/* The element a part's name stands for (NULL when the message has none);
 * *named is false when spec is no such name. */
static xmlNodePtr named_part(wssec_msg *msg, const char *spec, bool *named)
{
    *named = true;
    if (!strcmp(spec, "body")) return wssec_msg_body(msg);
    if (!strcmp(spec, "timestamp")) return child_of_security(msg, WSSEC_NS_WSU, "Timestamp");
    if (!strcmp(spec, "token")) return child_of_security(msg, WSSEC_NS_WSSE, "BinarySecurityToken");
    if (!strcmp(spec, "username-token"))
        return child_of_security(msg, WSSEC_NS_WSSE, "UsernameToken");
    if (!strcmp(spec, "identity-assertion")) { /* generated before: in the token store */
        for (size_t i = 0; i < wssec_msg_token_count(msg); i++) {
            const wssec_token *t = wssec_msg_token(msg, i);
            if (!strcmp(wssec_token_type(t), WSSEC_TOKEN_IDENTITY_ASSERTION))
                return wssec_token_node(t);
        }
        return NULL;
    }
    *named = false;
    return NULL;
}

/* The part selector's callback: a node for the parts of one sign-part. */
typedef struct part_sink {
    parts *p;
    const char *spec;
} part_sink;

static int add_selected(wssec_msg *msg, xmlNodePtr e, void *ud)
{
    part_sink *k = ud;
    return add_part(msg, k->p, e, k->spec);
}

/* {NS}LOCAL (every element of that name, in document order) or an XPath
 * (every node it selects, which must be elements), by the part selector. */
static int select_nodes(wssec_msg *msg, const char *spec, parts *p)
{
    part_sink k = { p, spec };
    size_t before = p->n, found = 0;
    WSSEC_GUARD(wssec__part_select(&found, msg, "sign-part", spec, spec, false, add_selected, &k));
    if (spec[0] == '{' && p->n == before)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-part '%s' names no element of the message", spec);
    if (spec[0] != '{' && found == 0)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-part '%s' selects nothing in the message", spec);
    return 0;
}

/* One sign-part: a name (body, timestamp, token, username-token,
 * identity-assertion; an implicit one may be missing), {NS}LOCAL or an
 * XPath. */
static int select_part(wssec_msg *msg, const char *spec, bool implicit, parts *p)
{
    if (spec[0] == '{') return select_nodes(msg, spec, p);
    bool named = false;
    xmlNodePtr e = named_part(msg, spec, &named);
    if (!named) return select_nodes(msg, spec, p);
    if (!e) {
        if (implicit) return 0;
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-part '%s': the message has no such element (add the "
                              "action that creates it before the signature)",
                              spec);
    }
    return add_part(msg, p, e, spec);
}

/* 1 when a QName in e's subtree (an attribute value or a text like
 * "p:local") uses prefix pfx. */
static bool qname_used(xmlNodePtr e, const xmlChar *pfx)
{
    size_t pl = (size_t)xmlStrlen(pfx);
    for (xmlNodePtr n = e; n; n = wssec_xml_next_in(n, e)) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttrPtr a = n->properties; a; a = a->next) {
                const xmlChar *v = a->children ? a->children->content : NULL;
                if (v && xmlStrncmp(v, pfx, (int)pl) == 0 && v[pl] == ':') return true;
            }
        } else if (n->type == XML_TEXT_NODE && n->content) {
            const xmlChar *v = n->content;
            while (*v == ' ' || *v == '\n' || *v == '\t' || *v == '\r') v++;
            if (xmlStrncmp(v, pfx, (int)pl) == 0 && v[pl] == ':') return true;
        }
    }
    return false;
}

static void prefix_add(char *list, size_t size, size_t *off, const xmlChar *pfx, xmlNodePtr e)
{
    if (!pfx || xmlStrEqual(pfx, BAD_CAST "xml")) return;
    size_t pl = (size_t)xmlStrlen(pfx);
    for (const char *p = list; *p;) { /* once */
        const char *q = strchr(p, ' ');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (l == pl && memcmp(p, pfx, pl) == 0) return;
        p += l + (q ? 1 : 0);
    }
    if (!qname_used(e, pfx) || *off + pl + 2 >= size) return;
    *off += (size_t)snprintf(list + *off, size - *off, "%s%s", *off ? " " : "", (const char *)pfx);
}

/* The prefixes a QName in e's subtree (an attribute value such as xsi:type,
 * or a text like "p:local") uses, of namespaces declared above e or inside
 * it: exclusive C14N drops those declarations (it renders only prefixes
 * that element and attribute names use) unless an InclusiveNamespaces
 * PrefixList keeps them. */
static void qname_prefixes(xmlNodePtr e, char *list, size_t size)
{
    list[0] = '\0';
    size_t off = 0;
    xmlNsPtr *ns = e->parent ? xmlGetNsList(e->doc, e->parent) : NULL;
    for (size_t i = 0; ns && ns[i]; i++) prefix_add(list, size, &off, ns[i]->prefix, e);
    xmlFree(ns);
    for (xmlNodePtr n = e; n; n = wssec_xml_next_in(n, e))
        if (n->type == XML_ELEMENT_NODE)
            for (xmlNsPtr d = n->nsDef; d; d = d->next) prefix_add(list, size, &off, d->prefix, e);
}

/* What a signature is made with: our key, certificate and chain, and the
 * settings of the outbound signature. */
typedef struct gen_settings {
    wssec_located_key key; /* from the key locator: freed by sig_generate */
    EVP_PKEY *pkey;
    X509 *cert;
    STACK_OF(X509) *chain;
    const wssec_alg *alg, *dig;
    int key_id, bst_type;     /* WSSEC_KEYID_*, WSSEC_BST_* */
    const char *const *parts; /* sign-part */
    size_t nparts;
} gen_settings;

/* Our signing key and the settings; the key must fit sign-alg. */
static int read_gen_settings(wssec_msg *msg, gen_settings *g)
{
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    int sa = 0, da = 0;
    wssec_key_query q = WSSEC_KEY_QUERY_INIT;
    char why[512];
    int rc = wssec_msg_locate_key(&g->key, msg, &q, why, sizeof(why));
    if (rc)
        return wssec_msg_fail(msg, rc == WSSEC_EUNAVAILABLE ? WSSEC_ECONFIG : rc, NULL, NULL,
                              "signature: %s", why);
    g->pkey = g->key.key;
    g->cert = g->key.cert;
    g->chain = g->key.chain;
    if (wssec_ctx_get_choice(&sa, NULL, ctx, "sign-alg") ||
        wssec_ctx_get_choice(&da, NULL, ctx, "digest-alg") ||
        wssec_ctx_get_choice(&g->key_id, NULL, ctx, "key-id") ||
        wssec_ctx_get_choice(&g->bst_type, NULL, ctx, "bst-type") ||
        wssec_ctx_get_list(&g->parts, &g->nparts, ctx, "sign-part"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL,
                              "signature: the settings cannot be read");
    g->alg = &wssec__sig_algs[sa];
    g->dig = &wssec__digest_algs[da];
    if (EVP_PKEY_get_base_id(g->pkey) != g->alg->key_type)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-alg %s does not fit the signing key (%s)", g->alg->name,
                              OBJ_nid2sn(EVP_PKEY_get_base_id(g->pkey)));
    return 0;
}

/* Our own X.509 token already in the message (the x509-token action ran),
 * or NULL. */
static const wssec_token *own_bst(const wssec_msg *msg, X509 *cert)
{
    for (size_t i = 0; i < wssec_msg_token_count(msg); i++) {
        const wssec_token *t = wssec_msg_token(msg, i);
        X509 *c = wssec_token_cert(t);
        if (c && !strcmp(wssec_token_type(t), "x509-token") && X509_cmp(c, cert) == 0) return t;
    }
    return NULL;
}

/* The token the signature names with key-id bst: ours already in the
 * message, or one written now as the x509-token action writes it. NULL
 * for the other key-ids when there is none. */
static int own_token(wssec_msg *msg, const gen_settings *g, const wssec_token **out)
{
    *out = own_bst(msg, g->cert);
    if (g->key_id != WSSEC_KEYID_BST || *out) return 0;
    xmlNodePtr node = NULL;
    wssec_token *tok = NULL;
    WSSEC_GUARD(wssec__bst_write(&node, &tok, msg, "x509-token", g->cert, g->chain, g->bst_type));
    *out = tok;
    return 0;
}

/* The SignatureConfirmations of our Security header (a response, WSS 1.1
 * §8.5): the requester checks that the response's signature covers them. */
static int add_confirmations(wssec_msg *msg, parts *p)
{
    for (xmlNodePtr e = wssec_xml_first_elem(wssec_msg_security(msg, 0)); e;
         e = wssec_xml_next_elem(e))
        if (wssec_xml_is(e, WSSEC_NS_WSSE11, "SignatureConfirmation"))
            WSSEC_GUARD(add_part(msg, p, e, "signature confirmation"));
    return 0;
}

/* What to sign: the sign-part settings, or by default the Body, the
 * Timestamp, an identity assertion and encrypted header blocks. */
static int choose_parts(wssec_msg *msg, const gen_settings *g, parts *p)
{
    if (g->nparts == 0) {
        WSSEC_GUARD(select_part(msg, "body", false, p));
        WSSEC_GUARD(select_part(msg, "timestamp", true, p));
        WSSEC_GUARD(select_part(msg, "identity-assertion", true, p));
        /* encrypted header blocks (encrypt, then sign): a receiver decrypts
         * only ciphertext the signature covers */
        for (xmlNodePtr h = wssec_xml_first_elem(wssec_msg_header(msg)); h;
             h = wssec_xml_next_elem(h))
            if (wssec_xml_is(h, WSSEC_NS_WSSE11, "EncryptedHeader"))
                WSSEC_GUARD(add_part(msg, p, h, "encrypted header"));
        WSSEC_GUARD(add_confirmations(msg, p));
    }
    for (size_t i = 0; i < g->nparts; i++)
        if (strcmp(g->parts[i], "token-str") != 0) /* by str_transform_ref */
            WSSEC_GUARD(select_part(msg, g->parts[i], false, p));
    return 0;
}

/* Whether sign-part names token-str: our token covered by the STR-Transform. */
static bool wants_token_str(const gen_settings *g)
{
    for (size_t i = 0; i < g->nparts; i++)
        if (!strcmp(g->parts[i], "token-str")) return true;
    return false;
}

/* The Signature (a template, or the direct signature's elements; freed on
 * failure), in our Security header: after an EncryptedKey
 * already in the header (encrypt, then sign) the signature goes before it,
 * with its token: the receiver verifies the ciphertext first, then
 * decrypts. */
static int place_signature(wssec_msg *msg, xmlNodePtr sig, const wssec_token *bst)
{
    if (!sig) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    xmlNodePtr ek = child_of_security(msg, WSSEC_NS_XENC, "EncryptedKey");
    if (!(ek ? xmlAddPrevSibling(ek, sig) : xmlAddChild(wssec_msg_security(msg, 0), sig))) {
        xmlFreeNode(sig);
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    }
    xmlNodePtr node = bst ? wssec_token_node(bst) : NULL;
    if (ek && node) {
        for (xmlNodePtr c = ek; c; c = c->next)
            if (c == node) {
                xmlUnlinkNode(node);
                xmlAddPrevSibling(sig, node);
                break;
            }
    }
    return 0;
}

/* Whether the signature sig sits inside part (the Envelope, the Header, our
 * Security header): its digest must leave the signature out. */
static bool envelops(xmlNodePtr part, xmlNodePtr sig)
{
    for (xmlNodePtr n = sig->parent; n; n = n->parent)
        if (n == part) return true;
    return false;
}

/* One Reference per part, each with exclusive C14N keeping the prefixes
 * QName values use, after the enveloped-signature transform for a part that
 * holds the signature (WebSphere signs the Envelope, a header or the
 * Security header so). 0 or WSSEC_ENOMEM (unrecorded). */
static int add_refs(wssec_msg *msg, xmlNodePtr sig, xmlSecTransformId did, const parts *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const char *id = wssec_msg_id_of(msg, p->v[i], NULL);
        char uri[300], prefixes[300];
        if (!id) return WSSEC_ENOMEM;
        snprintf(uri, sizeof(uri), "#%s", id);
        xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, did, NULL, BAD_CAST uri, NULL);
        if (ref && envelops(p->v[i], sig) &&
            !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId))
            return WSSEC_ENOMEM;
        xmlNodePtr tr =
            ref ? xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) : NULL;
        if (!tr) return WSSEC_ENOMEM;
        qname_prefixes(p->v[i], prefixes, sizeof(prefixes));
        if (prefixes[0] && xmlSecTmplTransformAddC14NInclNamespaces(tr, BAD_CAST prefixes) < 0)
            return WSSEC_ENOMEM;
    }
    return 0;
}

/* The References, then the KeyInfo naming our certificate. 0, or
 * WSSEC_ENOMEM unrecorded, or another recorded code. */
static int add_references(wssec_msg *msg, xmlNodePtr sig, const gen_settings *g,
                          xmlSecTransformId did, const parts *p, const wssec_token *bst)
{
    WSSEC_GUARD(add_refs(msg, sig, did, p));
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    if (!ki) return WSSEC_ENOMEM;
    return wssec__str_write(msg, ki, g->cert, g->key_id, bst ? wssec_token_node(bst) : NULL,
                            g->bst_type);
}

/* Signs the template with key (taken: destroyed with the context), same-document
 * references only; alg names the algorithm in the error. */
static int sign_with(wssec_msg *msg, xmlNodePtr sig, xmlSecKeyPtr key, const char *alg)
{
    int rc = 0;
    xmlSecDSigCtxPtr d = xmlSecDSigCtxCreate(NULL);
    if (!d || !key) {
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
        if (key) xmlSecKeyDestroy(key);
    } else {
        d->signKey = key;
        d->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
        d->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
        if (xmlSecDSigCtxSign(d, sig) < 0) {
            ERR_clear_error();
            rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "signing with %s failed", alg);
        }
    }
    if (d) xmlSecDSigCtxDestroy(d);
    return rc;
}

/* Signs the template with a copy of our key. */
static int sign(wssec_msg *msg, xmlNodePtr sig, const gen_settings *g)
{
    return sign_with(msg, sig, key_from_private(g->pkey), g->alg->name);
}

/* ---- the direct signature (issue 18, S2) ---- */

typedef struct write_sink {
    xmlOutputWriteCallback write;
    void *ctx;
} write_sink;

static int to_write(void *ud, const unsigned char *p, size_t n)
{
    const write_sink *w = ud;
    return n <= INT_MAX && w->write(w->ctx, (const char *)p, (int)n) == (int)n ? 0 : -1;
}

/* Exclusive C14N (without comments) of the subtree at top, written to
 * write(sink): our subtree C14N when the document is fit for it (the same
 * bytes as libxml2's, tests/unit/test_c14n.c), else libxml2's with the
 * verifier's visibility callback. The one place the signing side
 * canonicalizes. 0, or -1 when it or the sink failed. */
static int exc_c14n_subtree(xmlNodePtr top, xmlChar **prefixes, xmlOutputWriteCallback write,
                            void *sink)
{
    if (wssec__c14n_doc_ok(top->doc)) {
        write_sink w = { write, sink };
        return wssec__c14n_exc_subtree(top, (const xmlChar *const *)prefixes, 0, to_write, &w)
                   ? -1
                   : 0;
    }
    subtree_vis v = { top, NULL, 0 };
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(write, NULL, sink, NULL);
    int n =
        ob ? xmlC14NExecute(top->doc, in_subtree, &v, XML_C14N_EXCLUSIVE_1_0, prefixes, 0, ob) : -1;
    if (ob && xmlOutputBufferClose(ob) < 0) n = -1;
    return n < 0 ? -1 : 0;
}

static int md_write(void *ctx, const char *p, int n)
{
    return n >= 0 && EVP_DigestUpdate(ctx, p, (size_t)n) == 1 ? n : -1;
}

static int sign_write(void *ctx, const char *p, int n)
{
    return n >= 0 && EVP_DigestSignUpdate(ctx, p, (size_t)n) == 1 ? n : -1;
}

/* Whether this signature can be made directly: exclusive C14N of "#id"
 * parts that do not hold the signature, a SHA-2 digest, RSA or ECDSA with
 * SHA-2, a key OpenSSL holds (a key in a token goes through xmlsec as
 * before), no STR-Transform. */
static bool parts_outside(const parts *p, xmlNodePtr sec)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == sec || envelops(p->v[i], sec)) return false;
    return true;
}

static bool direct_signable(const gen_settings *g, const parts *p, xmlNodePtr sec)
{
    if (g->dig->weak || g->alg->weak || wants_token_str(g) || !EVP_PKEY_get0_provider(g->pkey) ||
        (g->alg->key_type != EVP_PKEY_RSA && g->alg->key_type != EVP_PKEY_EC))
        return false;
    return parts_outside(p, sec);
}

/* A child element of parent in the namespace ns, after a line feed (the
 * layout xmlsec's templates have); with an Algorithm attribute when alg
 * is given. */
static xmlNodePtr ds_add(xmlNodePtr parent, xmlNsPtr ns, const char *local, const char *alg)
{
    if (!parent->children && !xmlAddChild(parent, xmlNewDocText(parent->doc, BAD_CAST "\n")))
        return NULL;
    xmlNodePtr c = xmlNewDocNode(parent->doc, ns, BAD_CAST local, NULL);
    if (c && !xmlAddChild(parent, c)) {
        xmlFreeNode(c);
        return NULL;
    }
    xmlNodePtr lf = c ? xmlNewDocText(parent->doc, BAD_CAST "\n") : NULL;
    if (lf && !xmlAddChild(parent, lf)) xmlFreeNode(lf);
    if (!lf || (alg && !xmlNewProp(c, BAD_CAST "Algorithm", BAD_CAST alg))) return NULL;
    return c;
}

/* The Signature element with its SignedInfo (CanonicalizationMethod and
 * SignatureMethod), an empty SignatureValue and an empty KeyInfo. */
static xmlNodePtr direct_template(wssec_msg *msg, const gen_settings *g)
{
    xmlNodePtr sig = xmlNewDocNode(wssec_msg_doc(msg), NULL, BAD_CAST "Signature", NULL);
    xmlNsPtr ds = sig ? xmlNewNs(sig, BAD_CAST WSSEC_NS_DS, BAD_CAST "ds") : NULL;
    if (ds) xmlSetNs(sig, ds);
    xmlNodePtr si = ds ? ds_add(sig, ds, "SignedInfo", NULL) : NULL;
    if (!si || !ds_add(si, ds, "CanonicalizationMethod", WSSEC_URI_EXC_C14N) ||
        !ds_add(si, ds, "SignatureMethod", g->alg->uri) ||
        !ds_add(sig, ds, "SignatureValue", NULL) || !ds_add(sig, ds, "KeyInfo", NULL)) {
        xmlFreeNode(sig);
        return NULL;
    }
    return sig;
}

/* The digest of a part, by exclusive C14N keeping the prefixes its QName
 * values use (prefixes: their list), base64. NULL when out of memory. */
static char *part_digest(xmlNodePtr part, const char *prefixes, const EVP_MD *md)
{
    xmlChar *v[65];
    char *copy = NULL, *b64 = NULL;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c && split_prefixes(prefixes[0] ? prefixes : NULL, &copy, v, WSSEC_ARRAY_LEN(v)) == 0 &&
        EVP_DigestInit_ex(c, md, NULL) == 1 &&
        exc_c14n_subtree(part, v[0] ? v : NULL, md_write, c) == 0 &&
        EVP_DigestFinal_ex(c, d, &dl) == 1)
        b64 = wssec_b64_encode(d, dl);
    EVP_MD_CTX_free(c);
    wssec__free(copy);
    return b64;
}

/* One Reference of SignedInfo si naming part (its wsu:Id given before any
 * part was digested), with its DigestValue. 0 or WSSEC_ENOMEM. */
static int direct_reference(wssec_msg *msg, xmlNodePtr si, const gen_settings *g, const EVP_MD *md,
                            xmlNodePtr part)
{
    const char *id = wssec_msg_id_of(msg, part, NULL);
    char uri[300], prefixes[300];
    if (!id || (size_t)snprintf(uri, sizeof(uri), "#%s", id) >= sizeof(uri)) return WSSEC_ENOMEM;
    qname_prefixes(part, prefixes, sizeof(prefixes));
    xmlNsPtr ds = si->ns;
    xmlNodePtr ref = ds_add(si, ds, "Reference", NULL);
    xmlNodePtr ts = ref && xmlNewProp(ref, BAD_CAST "URI", BAD_CAST uri)
                        ? ds_add(ref, ds, "Transforms", NULL)
                        : NULL;
    xmlNodePtr tr = ts ? ds_add(ts, ds, "Transform", WSSEC_URI_EXC_C14N) : NULL;
    if (!tr) return WSSEC_ENOMEM;
    if (prefixes[0]) {
        xmlNodePtr in = ds_add(tr, NULL, "InclusiveNamespaces", NULL);
        xmlNsPtr ec = in ? xmlNewNs(in, BAD_CAST WSSEC_URI_EXC_C14N, BAD_CAST "ec") : NULL;
        if (!ec || !xmlNewProp(in, BAD_CAST "PrefixList", BAD_CAST prefixes)) return WSSEC_ENOMEM;
        xmlSetNs(in, ec);
    }
    char *b64 = part_digest(part, prefixes, md);
    xmlNodePtr dv = b64 && ds_add(ref, ds, "DigestMethod", g->dig->uri)
                        ? ds_add(ref, ds, "DigestValue", NULL)
                        : NULL;
    if (dv) xmlNodeSetContent(dv, BAD_CAST b64);
    xmlFree(b64);
    return dv && dv->children ? 0 : WSSEC_ENOMEM;
}

/* An ECDSA signature (DER) as XML DSig writes it: r||s, two halves of the
 * order's size. 0, or -1 (*raw NULL). */
static int ecdsa_raw(EVP_PKEY *pk, const unsigned char *der, size_t derlen, unsigned char **raw,
                     size_t *rawlen)
{
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    size_t half = ((size_t)EVP_PKEY_get_bits(pk) + 7) / 8;
    *rawlen = 2 * half;
    int ok = es && (*raw = OPENSSL_malloc(*rawlen)) != NULL &&
             BN_bn2binpad(ECDSA_SIG_get0_r(es), *raw, (int)half) == (int)half &&
             BN_bn2binpad(ECDSA_SIG_get0_s(es), *raw + half, (int)half) == (int)half;
    ECDSA_SIG_free(es);
    if (!ok) {
        OPENSSL_free(*raw);
        *raw = NULL;
    }
    return ok ? 0 : -1;
}

/* SignedInfo si canonicalized by exclusive C14N straight into a signature
 * with pk and md (XML DSig's form: ECDSA as r||s), base64 into
 * SignatureValue sv. *key_failed is set when the signing operation itself
 * failed. 0 or -1. */
static int sign_value(xmlNodePtr si, xmlNodePtr sv, EVP_PKEY *pk, const EVP_MD *md,
                      bool *key_failed)
{
    EVP_MD_CTX *c = md ? EVP_MD_CTX_new() : NULL;
    unsigned char *out = NULL, *raw = NULL;
    size_t outlen = 0, rawlen = 0;
    int size = EVP_PKEY_get_size(pk);
    if (size < EVP_MAX_MD_SIZE) size = EVP_MAX_MD_SIZE;       /* an HMAC key may say 0 */
    if (c) EVP_MD_CTX_set_flags(c, EVP_MD_CTX_FLAG_FINALISE); /* signed once: no copy */
    int ok = c && (out = OPENSSL_malloc((size_t)size)) != NULL &&
             EVP_DigestSignInit(c, NULL, md, NULL, pk) == 1 &&
             exc_c14n_subtree(si, NULL, sign_write, c) == 0;
    outlen = (size_t)size;
    if (ok && EVP_DigestSignFinal(c, out, &outlen) != 1) { /* the private-key operation */
        ok = 0;
        *key_failed = true;
    }
    EVP_MD_CTX_free(c);
    if (ok && EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC)
        ok = ecdsa_raw(pk, out, outlen, &raw, &rawlen) == 0;
    char *b64 = ok ? wssec_b64_encode(raw ? raw : out, raw ? rawlen : outlen) : NULL;
    OPENSSL_cleanse(out, out ? (size_t)size : 0);
    OPENSSL_free(out);
    OPENSSL_free(raw);
    if (b64) xmlNodeSetContent(sv, BAD_CAST b64);
    xmlFree(b64);
    ERR_clear_error();
    return b64 && sv->children ? 0 : -1;
}

/* The SignatureValue with the copy of our key kept for signing, replaced
 * when the private-key operation fails. 0 or -1. */
static int direct_sign_value(xmlNodePtr si, xmlNodePtr sv, const gen_settings *g)
{
    EVP_PKEY *pk = wssec__pkey_kept(g->pkey);
    bool failed = false;
    int rc = pk ? sign_value(si, sv, pk, method_md(g->alg), &failed) : -1;
    if (failed) wssec__pkey_kept_renew(g->pkey, pk);
    EVP_PKEY_free(pk);
    return rc;
}

/* Every part's wsu:Id, given before any part is digested. */
static int direct_ids(wssec_msg *msg, const parts *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (!wssec_msg_id_of(msg, p->v[i], NULL))
            return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return 0;
}

/* A digested Reference per part, in order. */
static int direct_references(wssec_msg *msg, xmlNodePtr si, const gen_settings *g, const EVP_MD *md,
                             const parts *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (direct_reference(msg, si, g, md, p->v[i]))
            return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return 0;
}

/* The signature of the common shape without xmlsec: the elements written
 * here, every part's wsu:Id given, then each part digested by exclusive
 * C14N of its subtree, then SignedInfo signed; the same elements, values
 * and errors as the template signed by xmlsec. */
static int sign_direct(wssec_msg *msg, const gen_settings *g, const parts *p,
                       const wssec_token *bst)
{
    const EVP_MD *md = EVP_get_digestbyname(g->dig->name);
    xmlNodePtr sig = md ? direct_template(msg, g) : NULL;
    if (!sig) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    WSSEC_GUARD(place_signature(msg, sig, bst));
    xmlNodePtr si = wssec_xml_first_elem(sig), sv = wssec_xml_next_elem(si);
    xmlNodePtr ki = wssec_xml_next_elem(sv);
    /* every Id, and the KeyInfo (which may give the token one), before any
     * digest */
    WSSEC_GUARD(direct_ids(msg, p));
    int rc = wssec__str_write(msg, ki, g->cert, g->key_id, bst ? wssec_token_node(bst) : NULL,
                              g->bst_type);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    if (rc) return rc;
    WSSEC_GUARD(direct_references(msg, si, g, md, p));
    if (direct_sign_value(si, sv, g))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "signing with %s failed",
                              g->alg->name);
    return 0;
}

/* ---- sign-part token-str: the STR-Transform (WSS 1.1 section 8.3) ---- */

/* A child element of parent, in the namespace ns of sig's document. */
static xmlNodePtr new_child(xmlNodePtr parent, xmlNodePtr sig, const char *ns, const char *pfx,
                            const char *local)
{
    xmlNsPtr n = xmlSearchNsByHref(sig->doc, sig, BAD_CAST ns);
    xmlNodePtr c = xmlNewChild(parent, n, BAD_CAST local, NULL);
    if (c && !n) xmlSetNs(c, xmlNewNs(c, BAD_CAST ns, BAD_CAST pfx));
    return c && c->ns ? c : NULL;
}

/* The Reference xmlsec cannot make (it lacks the transform): it names the
 * signature's own KeyInfo SecurityTokenReference (given a wsu:Id), with the
 * STR-Transform canonicalizing by exclusive C14N, as WSS4J writes it; its
 * DigestValue is the digest of the transform's output, computed by the
 * str_transform service the consumer uses. Added after xmlsec signed the
 * others: SignedInfo is signed again by resign_signed_info. */
static int str_transform_ref(wssec_msg *msg, xmlNodePtr sig, const gen_settings *g,
                             xmlSecTransformId did)
{
    xmlNodePtr ki = wssec_xml_first_elem(sig), str = NULL;
    while (ki && !wssec_xml_is(ki, WSSEC_NS_DS, "KeyInfo")) ki = wssec_xml_next_elem(ki);
    str = ki ? wssec_xml_first_elem(ki) : NULL;
    if (!wssec_xml_is(str, WSSEC_NS_WSSE, "SecurityTokenReference"))
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, sig,
                              "sign-part token-str: the signature's KeyInfo holds no "
                              "SecurityTokenReference (key-id)");
    const char *id = wssec_msg_id_of(msg, str, "STR");
    char uri[300];
    if (!id) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    snprintf(uri, sizeof(uri), "#%s", id);
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, did, NULL, BAD_CAST uri, NULL);
    xmlNodePtr dm = ref ? wssec_xml_first_elem(ref) : NULL;
    xmlNodePtr ts = dm ? xmlNewDocNode(sig->doc, dm->ns, BAD_CAST "Transforms", NULL) : NULL;
    if (ts && !xmlAddPrevSibling(dm, ts)) {
        xmlFreeNode(ts);
        ts = NULL;
    }
    xmlNodePtr tr = ts ? new_child(ts, sig, WSSEC_NS_DS, "ds", "Transform") : NULL;
    xmlNodePtr tp = tr ? new_child(tr, sig, WSSEC_NS_WSSE, "wsse", "TransformationParameters")
                       : NULL;
    xmlNodePtr cm = tp ? new_child(tp, sig, WSSEC_NS_DS, "ds", "CanonicalizationMethod") : NULL;
    xmlNodePtr dv = wssec_xml_next_elem(dm);
    if (!cm || !dv || !xmlSetProp(tr, BAD_CAST "Algorithm", BAD_CAST WSSEC_URI_STR_TRANSFORM) ||
        !xmlSetProp(cm, BAD_CAST "Algorithm", BAD_CAST WSSEC_URI_EXC_C14N))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    /* the output is one token: bounded by max-token-size, not by this */
    wssec_str_ref s = { .ref = ref, .str = str, .uri = uri, .md = g->dig->name,
                        .signer = g->cert, .max_c14n_bytes = 16u << 20 };
    WSSEC_GUARD(wssec__str_transform_output(msg, &s));
    const EVP_MD *md = EVP_get_digestbyname(g->dig->name);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    int ok = md && EVP_Digest(s.bytes.data, s.bytes.len, d, &dl, md, NULL);
    wssec__buf_free(&s.bytes);
    char *b64 = ok ? wssec_b64_encode(d, dl) : NULL;
    if (b64) xmlNodeSetContent(dv, BAD_CAST b64);
    xmlFree(b64);
    if (!b64) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, ref, "digest %s failed", s.md);
    return 0;
}

/* The SignatureValue again, over SignedInfo as it is now (exclusive C14N,
 * the template's CanonicalizationMethod), with our key: XML DSig's ECDSA
 * value is r||s, two halves of the order's size. */
static int resign_signed_info(wssec_msg *msg, xmlNodePtr sig, const gen_settings *g)
{
    xmlNodePtr si = wssec_xml_first_elem(sig), sv = wssec_xml_next_elem(si);
    if (!wssec_xml_is(si, WSSEC_NS_DS, "SignedInfo") ||
        !wssec_xml_is(sv, WSSEC_NS_DS, "SignatureValue"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "the signature has no SignedInfo");
    if (direct_sign_value(si, sv, g))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "signing with %s failed",
                              g->alg->name);
    return 0;
}

static int sig_generate_with(wssec_msg *msg, gen_settings *g);
static int sig_symmetric(wssec_msg *msg);

static int sig_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    int symmetric = 0;
    if (wssec_ctx_get_bool(&symmetric, wssec_msg_ctx(msg), "symmetric"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL,
                              "signature: the settings cannot be read");
    if (symmetric) return sig_symmetric(msg);
    gen_settings g = { .key = WSSEC_LOCATED_KEY_INIT };
    int rc = read_gen_settings(msg, &g);
    if (!rc) rc = sig_generate_with(msg, &g);
    wssec_located_key_clear(&g.key);
    return rc;
}

/* The signature, made with the key and settings read. */
static int sig_generate_with(wssec_msg *msg, gen_settings *gs)
{
    const gen_settings g = *gs;
    if (!wssec_msg_security(msg, 1))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    if (wants_token_str(&g) && g.key_id != WSSEC_KEYID_BST)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-part token-str covers the BinarySecurityToken the signature "
                              "names: it needs key-id bst");
    const wssec_token *bst = NULL;
    WSSEC_GUARD(own_token(msg, &g, &bst));
    parts p = { .n = 0 };
    WSSEC_GUARD(choose_parts(msg, &g, &p));
    if (direct_signable(&g, &p, wssec_msg_security(msg, 0))) return sign_direct(msg, &g, &p, bst);
    xmlSecTransformId sid = transform_by_uri(g.alg->uri, xmlSecTransformUsageSignatureMethod);
    xmlSecTransformId did = transform_by_uri(g.dig->uri, xmlSecTransformUsageDigestMethod);
    if (sid == xmlSecTransformIdUnknown || did == xmlSecTransformIdUnknown)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "xmlsec lacks %s or %s",
                              g.alg->name, g.dig->name);
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(wssec_msg_doc(msg), xmlSecTransformExclC14NId,
                                                     sid, NULL, BAD_CAST "ds");
    WSSEC_GUARD(place_signature(msg, sig, bst));
    int rc = add_references(msg, sig, &g, did, &p, bst);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    if (rc) return rc;
    WSSEC_GUARD(sign(msg, sig, &g));
    if (!wants_token_str(&g)) return 0;
    WSSEC_GUARD(str_transform_ref(msg, sig, &g, did));
    return resign_signed_info(msg, sig, &g);
}

/* The symmetric binding's Signature template: after the EncryptedKey (the
 * session key), before a standalone ReferenceList already in the header
 * (encrypt, then sign: the receiver verifies the ciphertext first). */
static int place_symmetric(wssec_msg *msg, xmlNodePtr sig)
{
    if (!sig) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    xmlNodePtr rl = child_of_security(msg, WSSEC_NS_XENC, "ReferenceList");
    if (!(rl ? xmlAddPrevSibling(rl, sig) : xmlAddChild(wssec_msg_security(msg, 0), sig))) {
        xmlFreeNode(sig);
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    }
    return 0;
}

/* The symmetric binding's signature without xmlsec (exclusive C14N, "#id"
 * parts outside our Security header, a SHA-2 digest): the elements written
 * here, the key taken from the session key (and named in KeyInfo) before
 * any part is digested, SignedInfo signed by HMAC-SHA256. */
static int sym_direct(wssec_msg *msg, gen_settings *g, const parts *p, const wssec_token *ek,
                      int derived)
{
    for (size_t i = 0; wssec__sig_algs[i].name && !g->alg; i++)
        if (!strcmp(wssec__sig_algs[i].name, "hmac-sha256")) g->alg = &wssec__sig_algs[i];
    const EVP_MD *md = g->alg ? EVP_get_digestbyname(g->dig->name) : NULL;
    xmlNodePtr sig = md ? direct_template(msg, g) : NULL;
    WSSEC_GUARD(place_symmetric(msg, sig));
    xmlNodePtr si = wssec_xml_first_elem(sig), sv = wssec_xml_next_elem(si);
    xmlNodePtr ki = wssec_xml_next_elem(sv);
    WSSEC_GUARD(direct_ids(msg, p));
    unsigned char key[64];
    size_t klen = 0;
    wssec_symkey_ref ref;
    int rc = wssec__symkey_use(msg, ek, sig, derived ? 32 : 0, key, &klen, &ref);
    if (!rc) rc = wssec__symkey_ref_write(msg, ki, &ref);
    if (!rc) rc = direct_references(msg, si, g, md, p);
    EVP_PKEY *hk = rc ? NULL : EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, NULL, key, klen);
    wssec__memzero(key, sizeof(key));
    bool failed = false;
    if (!rc && (!hk || sign_value(si, sv, hk, EVP_sha256(), &failed)))
        rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "signing with hmac-sha256 failed");
    EVP_PKEY_free(hk);
    ERR_clear_error();
    return rc;
}

/* The signature of the symmetric binding (the symmetric option): HMAC-SHA256
 * keyed by the message's session key (or a key derived from it), its
 * KeyInfo naming the EncryptedKey (or the DerivedKeyToken). It proves the
 * parts intact, not who sent them: no private key is used. */
static int sig_symmetric(wssec_msg *msg)
{
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    gen_settings g = { .key = WSSEC_LOCATED_KEY_INIT };
    int da = 0;
    if (wssec_ctx_get_choice(&da, NULL, ctx, "digest-alg") ||
        wssec_ctx_get_list(&g.parts, &g.nparts, ctx, "sign-part"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL,
                              "signature: the settings cannot be read");
    g.dig = &wssec__digest_algs[da];
    const wssec_token *ek = NULL;
    if (wants_token_str(&g))
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-part token-str: the symmetric binding's signature has no "
                              "certificate token to cover");
    WSSEC_GUARD(wssec__symkey_session(msg, &ek));
    parts p = { .n = 0 };
    WSSEC_GUARD(choose_parts(msg, &g, &p));
    int derived = 0;
    if (wssec_ctx_get_bool(&derived, ctx, "derived-keys")) derived = 0;
    if (!g.dig->weak && parts_outside(&p, wssec_msg_security(msg, 0)))
        return sym_direct(msg, &g, &p, ek, derived);
    xmlSecTransformId did = transform_by_uri(g.dig->uri, xmlSecTransformUsageDigestMethod);
    if (did == xmlSecTransformIdUnknown)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "xmlsec lacks %s", g.dig->name);
    xmlNodePtr ki = NULL;
    xmlNodePtr sig =
        xmlSecTmplSignatureCreateNsPref(wssec_msg_doc(msg), xmlSecTransformExclC14NId,
                                        xmlSecTransformHmacSha256Id, NULL, BAD_CAST "ds");
    WSSEC_GUARD(place_symmetric(msg, sig));
    if (add_refs(msg, sig, did, &p) || !(ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL)))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    unsigned char key[64];
    size_t klen = 0;
    /* HMAC-SHA256: a derived key of 32 bytes, or the session key itself */
    wssec_symkey_ref ref;
    int rc = wssec__symkey_use(msg, ek, sig, derived ? 32 : 0, key, &klen, &ref);
    if (!rc) rc = wssec__symkey_ref_write(msg, ki, &ref);
    if (!rc)
        rc = sign_with(msg, sig, xmlSecKeyReadMemory(xmlSecKeyDataHmacId, key, (xmlSecSize)klen),
                       "hmac-sha256");
    wssec__memzero(key, sizeof(key));
    return rc;
}

const wssec_module wssec__module_signature = {
    .version = WSSEC_MODULE_VERSION,
    .name = "signature",
    .ns = WSSEC_NS_DS,
    .local = "Signature",
    .consume = sig_consume,
    .generate = sig_generate,
};

/* ===================================================================== */
/* the endorsing signature (outbound)                                     */
/* ===================================================================== */

/* An X.509 signature whose one Reference covers the primary signature (the
 * first ds:Signature of our Security header, whatever its key: a
 * certificate's or a session key's), given a wsu:Id, with exclusive C14N:
 * WS-SecurityPolicy's EndorsingSupportingTokens, as WCF and CXF send it.
 * It goes right after the primary signature. */
static int endorse_with(wssec_msg *msg, const gen_settings *g, xmlNodePtr primary)
{
    const wssec_token *bst = NULL;
    WSSEC_GUARD(own_token(msg, g, &bst));
    parts p = { .n = 0 };
    WSSEC_GUARD(add_part(msg, &p, primary, "endorsed signature"));
    if (!wssec_msg_id_of(msg, primary, "SIG"))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    xmlSecTransformId sid = transform_by_uri(g->alg->uri, xmlSecTransformUsageSignatureMethod);
    xmlSecTransformId did = transform_by_uri(g->dig->uri, xmlSecTransformUsageDigestMethod);
    if (sid == xmlSecTransformIdUnknown || did == xmlSecTransformIdUnknown)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "xmlsec lacks %s or %s",
                              g->alg->name, g->dig->name);
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(wssec_msg_doc(msg), xmlSecTransformExclC14NId,
                                                     sid, NULL, BAD_CAST "ds");
    if (!sig || !xmlAddNextSibling(primary, sig)) {
        xmlFreeNode(sig);
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    }
    /* the endorsing token before the signature that uses it (a strict
     * layout), when it was just appended after it */
    xmlNodePtr bn = bst ? wssec_token_node(bst) : NULL;
    for (xmlNodePtr n = sig->next; bn && n; n = n->next)
        if (n == bn) {
            xmlUnlinkNode(bn);
            if (!xmlAddPrevSibling(sig, bn))
                return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
            break;
        }
    int rc = add_references(msg, sig, g, did, &p, bst);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    if (rc) return rc;
    return sign(msg, sig, g);
}

static int endorse_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    xmlNodePtr primary = child_of_security(msg, WSSEC_NS_DS, "Signature");
    if (!primary)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "endorse: the message has no signature to endorse (the signature "
                              "action, or a message signed already, comes first)");
    gen_settings g = { .key = WSSEC_LOCATED_KEY_INIT };
    int rc = read_gen_settings(msg, &g);
    if (!rc) rc = endorse_with(msg, &g, primary);
    wssec_located_key_clear(&g.key);
    return rc;
}

const wssec_module wssec__module_endorse = {
    .version = WSSEC_MODULE_VERSION,
    .name = "endorse",
    .generate = endorse_generate,
};
