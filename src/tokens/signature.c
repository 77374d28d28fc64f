/*
 * wssec — the XML Signature module (WSS 1.1 §8, X.509 Token Profile 1.1,
 * BSP R3102, R5401-R5423).
 *
 * Consumer, in this order, so that nothing expensive or dangerous runs on an
 * unchecked signature:
 *   1. structure and algorithms, against allow-lists: detached signatures
 *      only (no ds:Object), exclusive or inclusive C14N without comments, the
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
 * referring to its certificate the configured way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <xmlsec/keys.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

#include "../internal.h"

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
        xmlSecKeyDestroy(key);
        return NULL;
    }
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
    bool whole; /* only C14N and enveloped-signature transforms */
} ref_info;

typedef struct sig_info {
    xmlNodePtr signed_info, value, key_info;
    const wssec_alg *method;
    const char *c14n;
    ref_info refs[256];
    size_t nrefs;
} sig_info;

static int is_c14n(const char *uri)
{
    return strcmp(uri, WSSEC_URI_EXC_C14N) == 0 || strcmp(uri, WSSEC_URI_C14N) == 0;
}

static int transform_allowed(const wssec_settings *s, const char *uri, bool *whole)
{
    if (is_c14n(uri) || strcmp(uri, WSSEC_URI_ENVELOPED) == 0) return 1;
    static const struct {
        const char *name, *uri;
    } optional[] = { { "xpath", WSSEC_URI_XPATH },
                     { "xpath2", WSSEC_URI_XPATH2 },
                     { "xslt", WSSEC_URI_XSLT } };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(optional); i++) {
        if (strcmp(uri, optional[i].uri) != 0) continue;
        for (size_t j = 0; j < s->allow_transforms.n; j++)
            if (strcmp(s->allow_transforms.v[j], optional[i].name) == 0) {
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

/* Step 1: the structure and the algorithms, before any cryptography. */
static int check_structure(wssec_msg *msg, xmlNodePtr sig, sig_info *si)
{
    const wssec_settings *s = &msg->ctx->s;
    memset(si, 0, sizeof(*si));
    for (xmlNodePtr c = wssec__first_elem(sig); c; c = wssec__next_elem(c)) {
        if (wssec__is(c, WSSEC_NS_DS, "SignedInfo") && !si->signed_info && !si->value)
            si->signed_info = c;
        else if (wssec__is(c, WSSEC_NS_DS, "SignatureValue") && si->signed_info && !si->value)
            si->value = c;
        else if (wssec__is(c, WSSEC_NS_DS, "KeyInfo") && si->value && !si->key_info)
            si->key_info = c;
        else if (wssec__is(c, WSSEC_NS_DS, "Object"))
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

    xmlNodePtr c = wssec__first_elem(si->signed_info);
    const char *uri;
    if (!wssec__is(c, WSSEC_NS_DS, "CanonicalizationMethod") || !(uri = wssec__attr(c, "Algorithm")))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->signed_info,
                              "SignedInfo must start with a CanonicalizationMethod");
    if (!is_c14n(uri))
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, c,
                              "canonicalization '%.120s' is not allowed (exclusive C14N is, or "
                              "inclusive C14N, without comments)",
                              uri);
    si->c14n = uri;
    c = wssec__next_elem(c);
    if (!wssec__is(c, WSSEC_NS_DS, "SignatureMethod") || !(uri = wssec__attr(c, "Algorithm")))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->signed_info,
                              "SignedInfo without SignatureMethod after CanonicalizationMethod");
    if (wssec__first_elem(c))
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, c,
                              "SignatureMethod with parameters (HMACOutputLength) is refused "
                              "(BSP R5401)");
    si->method = wssec__alg_by_uri(wssec__sig_algs, uri);
    if (!si->method)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, c,
                              "signature algorithm '%.120s' is not allowed (RSA and ECDSA with "
                              "SHA-2; HMAC is not supported with X.509 tokens)",
                              uri);
    if (si->method->weak && !s->allow_sha1) return weak_refused(msg, c, "signature algorithm", si->method);

    /* bounds first: nothing is resolved for a signature over the limit */
    size_t count = 0;
    for (xmlNodePtr r = wssec__next_elem(c); r; r = wssec__next_elem(r)) count++;
    if (count > s->max_references || count > WSSEC_ARRAY_LEN(si->refs))
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", si->signed_info,
                              "signature has %zu references, more than max-references %zu",
                              count, s->max_references);
    for (c = wssec__next_elem(c); c; c = wssec__next_elem(c)) {
        if (!wssec__is(c, WSSEC_NS_DS, "Reference"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "SignedInfo may hold only References after SignatureMethod");
        ref_info *r = &si->refs[si->nrefs++];
        r->ref = c;
        r->whole = true;
        r->uri = wssec__attr(c, "URI");
        const char *type = wssec__attr(c, "Type");
        if (type && strstr(type, "#Manifest"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "a Reference to a ds:Manifest is refused (BSP R5403)");
        if (!r->uri || r->uri[0] != '#' || !r->uri[1] || strchr(r->uri, '(') ||
            strchr(r->uri, ' '))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "Reference URI '%.120s' is refused: only same-document "
                                  "references of the form #id are accepted (BSP R3001)",
                                  r->uri ? r->uri : "(none)");
        for (size_t j = 0; j + 1 < si->nrefs; j++)
            if (strcmp(si->refs[j].uri, r->uri) == 0)
                return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                      "two References to %s in one signature", r->uri);
        xmlNodePtr t = wssec__first_elem(c), dm;
        size_t ntrans = 0;
        if (wssec__is(t, WSSEC_NS_DS, "Transforms")) {
            for (xmlNodePtr tr = wssec__first_elem(t); tr; tr = wssec__next_elem(tr)) {
                const char *a = wssec__attr(tr, "Algorithm");
                if (!wssec__is(tr, WSSEC_NS_DS, "Transform") || !a)
                    return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, tr,
                                          "Transforms may hold only Transform elements");
                if (++ntrans > s->max_transforms)
                    return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", tr,
                                          "Reference %s has more than max-transforms %zu "
                                          "transforms",
                                          r->uri, s->max_transforms);
                if (!transform_allowed(s, a, &r->whole))
                    return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, tr,
                                          "transform '%.120s' in Reference %s is not allowed "
                                          "(C14N and enveloped-signature are; XPath, XPath "
                                          "Filter 2.0 and XSLT only with allow-transforms)",
                                          a, r->uri);
            }
            dm = wssec__next_elem(t);
        } else {
            dm = t;
        }
        const char *d;
        if (!wssec__is(dm, WSSEC_NS_DS, "DigestMethod") || !(d = wssec__attr(dm, "Algorithm")) ||
            !wssec__is(wssec__next_elem(dm), WSSEC_NS_DS, "DigestValue"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "Reference %s needs a DigestMethod and a DigestValue", r->uri);
        r->digest = wssec__alg_by_uri(wssec__digest_algs, d);
        if (!r->digest)
            return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, dm,
                                  "digest algorithm '%.120s' is not allowed (SHA-256, SHA-384, "
                                  "SHA-512)",
                                  d);
        if (r->digest->weak && !s->allow_sha1) return weak_refused(msg, dm, "digest algorithm", r->digest);

        xmlAttrPtr id = xmlGetID(msg->doc, BAD_CAST(r->uri + 1));
        if (!id || !id->parent || id->parent->type != XML_ELEMENT_NODE) {
            /* it may lie in ciphertext still to be decrypted (sign, then encrypt) */
            wssec__msg_retry_after_decryption(msg);
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "Reference %s names no element with a wsu:Id of that value",
                                  r->uri);
        }
        r->target = id->parent;
        if (wssec__is(r->target, WSSEC_NS_DS, "Manifest") ||
            wssec__is(r->target, WSSEC_NS_DS, "Object"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "Reference %s names a ds:%s, which is refused (BSP R5403)",
                                  r->uri, (const char *)r->target->name);
    }
    if (si->nrefs == 0)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->signed_info,
                              "signature without a Reference");
    return 0;
}

/* ---- step 3: the cryptography ---- */

static int enable_transforms(xmlSecDSigCtxPtr d, const wssec_settings *s, const sig_info *si)
{
    int rc = 0;
    rc |= xmlSecDSigCtxEnableSignatureTransform(d, xmlSecTransformExclC14NId);
    rc |= xmlSecDSigCtxEnableSignatureTransform(d, xmlSecTransformInclC14NId);
    xmlSecTransformId m = transform_by_uri(si->method->uri, xmlSecTransformUsageSignatureMethod);
    if (m == xmlSecTransformIdUnknown) return -1;
    rc |= xmlSecDSigCtxEnableSignatureTransform(d, m);
    rc |= xmlSecDSigCtxEnableReferenceTransform(d, xmlSecTransformExclC14NId);
    rc |= xmlSecDSigCtxEnableReferenceTransform(d, xmlSecTransformInclC14NId);
    rc |= xmlSecDSigCtxEnableReferenceTransform(d, xmlSecTransformEnvelopedId);
    for (const wssec_alg *a = wssec__digest_algs; a->name; a++) {
        if (a->weak && !s->allow_sha1) continue;
        xmlSecTransformId id = transform_by_uri(a->uri, xmlSecTransformUsageDigestMethod);
        if (id != xmlSecTransformIdUnknown) rc |= xmlSecDSigCtxEnableReferenceTransform(d, id);
    }
    for (size_t i = 0; i < s->allow_transforms.n; i++) {
        const char *n = s->allow_transforms.v[i];
        xmlSecTransformId id = !strcmp(n, "xpath")    ? xmlSecTransformXPathId
                               : !strcmp(n, "xpath2") ? xmlSecTransformXPath2Id
                                                      : xmlSecTransformXsltId;
        if (id != xmlSecTransformIdUnknown) rc |= xmlSecDSigCtxEnableReferenceTransform(d, id);
    }
    return rc;
}

static int is_ciphertext(xmlNodePtr e)
{
    return wssec__is(e, WSSEC_NS_XENC, "EncryptedData") ||
           wssec__is(e, WSSEC_NS_WSSE11, "EncryptedHeader");
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
    for (xmlNodePtr n = failed; n;) {
        if (is_ciphertext(n)) return true;
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && n != failed && !n->next) n = n->parent;
        n = n && n != failed ? n->next : NULL;
    }
    return false;
}

static int verify_crypto(wssec_msg *msg, xmlNodePtr sig, const sig_info *si, X509 *cert)
{
    const wssec_settings *s = &msg->ctx->s;
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    if (!pk) return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, sig, "certificate without a public key");
    if (EVP_PKEY_get_base_id(pk) != si->method->key_type)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, sig,
                              "signature algorithm %s does not fit the signer's %s key",
                              si->method->name, OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
    int rc = 0;
    xmlSecDSigCtxPtr d = xmlSecDSigCtxCreate(NULL);
    if (!d) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    d->signKey = key_from_pkey(pk);
    /* no URI but "#id" anywhere: a message never makes xmlsec fetch or open */
    d->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    d->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    d->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
    d->keyInfoReadCtx.retrievalMethodCtx.enabledUris = xmlSecTransformUriTypeNone;
    if (!d->signKey || enable_transforms(d, s, si) != 0) {
        rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "xmlsec cannot be set up");
        goto done;
    }
    if (xmlSecDSigCtxVerify(d, sig) < 0) {
        /* a processing error: a reference xmlsec could not resolve or
         * canonicalize, after our checks passed */
        ERR_clear_error();
        rc = wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, sig,
                            "signature cannot be processed (a reference or transform failed)");
        goto done;
    }
    if (d->status != xmlSecDSigStatusSucceeded) {
        xmlSecSize n = xmlSecPtrListGetSize(&d->signedInfoReferences);
        for (xmlSecSize i = 0; i < n; i++) {
            xmlSecDSigReferenceCtxPtr r = xmlSecPtrListGetItem(&d->signedInfoReferences, i);
            if (r && r->status != xmlSecDSigStatusSucceeded) {
                char path[200] = "";
                xmlAttrPtr a = r->uri ? xmlGetID(msg->doc, r->uri + 1) : NULL;
                if (a && a->parent) wssec__node_path(a->parent, path, sizeof(path));
                if (a && over_plaintext(si, a->parent)) wssec__msg_retry_after_decryption(msg);
                rc = wssec_msg_fail(msg, WSSEC_EDIGEST, NULL, a ? a->parent : sig,
                                    "digest of Reference %s (%s) does not match: the element was "
                                    "changed after it was signed",
                                    r->uri ? (const char *)r->uri : "?", path);
                goto done;
            }
        }
        char who[700];
        wssec__cert_describe(cert, who, sizeof(who));
        rc = wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, si->value,
                            "SignatureValue does not verify with the key of %s (SignedInfo was "
                            "changed, or the key is not the one that signed)",
                            who);
    }
done:
    ERR_clear_error();
    xmlSecDSigCtxDestroy(d);
    return rc;
}

static int sig_consume(wssec_msg *msg, xmlNodePtr sig, void *ud)
{
    (void)ud;
    wssec_token *tok = wssec_msg_add_token(msg, "signature", sig);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    sig_info *si = malloc(sizeof(*si));
    wssec_key_source k = { 0 };
    int rc;
    if (!si) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, sig, "out of memory");
    if ((rc = check_structure(msg, sig, si))) goto done;
    if (wssec_token_set(tok, "signature-method", si->method->name) ||
        wssec_token_set(tok, "c14n", strcmp(si->c14n, WSSEC_URI_EXC_C14N) == 0 ? "exclusive"
                                                                                : "inclusive")) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < si->nrefs; i++) {
        char name[32], path[300];
        snprintf(name, sizeof(name), "reference-%zu", i + 1);
        char where[200];
        wssec__node_path(si->refs[i].target, where, sizeof(where));
        snprintf(path, sizeof(path), "%s -> %s (%s)", si->refs[i].uri, where,
                 si->refs[i].digest->name);
        if (wssec_token_set(tok, name, path)) {
            rc = WSSEC_ENOMEM;
            goto done;
        }
    }
    if ((rc = wssec__key_resolve(msg, si->key_info, NULL, &k))) goto done;
    char text[600];
    wssec__dn_text(X509_get_subject_name(k.cert), text, sizeof(text));
    if (wssec_token_set(tok, "key-reference", k.how) || wssec_token_set(tok, "signer", text)) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    if (wssec__trust_has_anchors(msg->trust) && !wssec__trust_has_subject_rules(msg->trust) &&
        wssec__result_warn(msg->res, "no subject constraint (--subject): any certificate the "
                                     "trust anchors issued is accepted as a signer")) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    if ((rc = wssec__trust_check(msg, k.cert, k.presented, k.token ? k.token->crls : NULL,
                                 WSSEC_USE_SIGN, "signer", sig)))
        goto done;
    if (msg->cert_cache_hit && wssec_token_set(tok, "cert-cache", "hit")) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    msg->cert_cache_hit = false;
    if ((rc = verify_crypto(msg, sig, si, k.cert))) goto done;

    /* step 4: the record */
    for (size_t i = 0; i < si->nrefs; i++)
        if (wssec__result_add_ref(msg->res, si->refs[i].target, si->refs[i].uri,
                                  si->refs[i].digest->name, tok, si->refs[i].whole)) {
            rc = WSSEC_ENOMEM;
            goto done;
        }
    tok->signer_token = k.token;
    if (wssec__b64_elem(msg, si->value, &tok->sigvalue, &tok->sigvalue_len)) {
        rc = wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, si->value, "SignatureValue is not base64");
        goto done;
    }
    if (wssec_token_set_identity(tok, text)) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    rc = wssec_msg_set_caller(msg, tok);
done:
    if (rc == WSSEC_ENOMEM) wssec_msg_fail(msg, rc, NULL, sig, "out of memory");
    wssec__key_source_free(&k);
    free(si);
    return rc;
}

/* ===================================================================== */
/* generator                                                              */
/* ===================================================================== */

static xmlNodePtr child_of_security(wssec_msg *msg, const char *ns, const char *local)
{
    for (xmlNodePtr e = wssec__first_elem(msg->security); e; e = wssec__next_elem(e))
        if (wssec__is(e, ns, local)) return e;
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

static int select_part(wssec_msg *msg, const char *spec, bool implicit, parts *p)
{
    xmlNodePtr e = NULL;
    if (!strcmp(spec, "body")) e = msg->body;
    else if (!strcmp(spec, "timestamp")) e = child_of_security(msg, WSSEC_NS_WSU, "Timestamp");
    else if (!strcmp(spec, "token")) e = child_of_security(msg, WSSEC_NS_WSSE, "BinarySecurityToken");
    else if (!strcmp(spec, "username-token")) e = child_of_security(msg, WSSEC_NS_WSSE, "UsernameToken");
    else if (!strcmp(spec, "identity-assertion")) { /* generated before: in the token store */
        for (size_t i = 0; msg->res && i < msg->res->ntokens && !e; i++)
            if (!strcmp(msg->res->tokens[i]->type, WSSEC_TOKEN_ASSERTION)) e = msg->res->tokens[i]->node;
    } else if (spec[0] == '{') {
        const char *close = strchr(spec, '}');
        char ns[512];
        size_t nl = close ? (size_t)(close - spec - 1) : 0;
        if (!close || nl >= sizeof(ns))
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL, "sign-part '%s' is not a QName", spec);
        memcpy(ns, spec + 1, nl);
        ns[nl] = '\0';
        size_t before = p->n;
        /* every element of that name, in document order */
        for (xmlNodePtr n = xmlDocGetRootElement(msg->doc); n;) {
            if (wssec__is(n, ns, close + 1)) WSSEC_GUARD(add_part(msg, p, n, spec));
            if (n->children && n->type == XML_ELEMENT_NODE) {
                n = n->children;
                continue;
            }
            while (n && !n->next) n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
            if (n) n = n->next;
        }
        if (p->n == before)
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                                  "sign-part '%s' names no element of the message", spec);
        return 0;
    } else {
        xmlNodeSetPtr set = NULL;
        xmlXPathObjectPtr obj = NULL;
        int rc = wssec__xpath_select(msg, spec, &set, &obj);
        if (rc == 0 && (!set || set->nodeNr == 0))
            rc = wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                                "sign-part '%s' selects nothing in the message", spec);
        else if (rc)
            rc = wssec_msg_fail(msg, rc == WSSEC_ENOMEM ? rc : WSSEC_ECONFIG, NULL, NULL,
                                "sign-part '%s' cannot be evaluated", spec);
        for (int i = 0; !rc && set && i < set->nodeNr; i++) rc = add_part(msg, p, set->nodeTab[i], spec);
        xmlXPathFreeObject(obj);
        return rc;
    }
    if (!e) {
        if (implicit) return 0;
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-part '%s': the message has no such element (add the "
                              "action that creates it before the signature)",
                              spec);
    }
    return add_part(msg, p, e, spec);
}

/* The prefixes of namespaces declared above e that a QName in e's subtree
 * (an attribute value or a text like "p:local") uses: exclusive C14N drops
 * those declarations unless an InclusiveNamespaces PrefixList keeps them. */
static void qname_prefixes(xmlNodePtr e, char *list, size_t size)
{
    list[0] = '\0';
    xmlNsPtr *ns = e->parent ? xmlGetNsList(e->doc, e->parent) : NULL;
    size_t off = 0;
    for (size_t i = 0; ns && ns[i]; i++) {
        const xmlChar *pfx = ns[i]->prefix;
        if (!pfx || xmlStrEqual(pfx, BAD_CAST "xml")) continue;
        size_t pl = (size_t)xmlStrlen(pfx);
        bool used = false;
        for (xmlNodePtr n = e; n && !used;) {
            if (n->type == XML_ELEMENT_NODE) {
                for (xmlAttrPtr a = n->properties; a && !used; a = a->next) {
                    const xmlChar *v = a->children ? a->children->content : NULL;
                    used = v && xmlStrncmp(v, pfx, (int)pl) == 0 && v[pl] == ':';
                }
            } else if (n->type == XML_TEXT_NODE && n->content) {
                const xmlChar *v = n->content;
                while (*v == ' ' || *v == '\n' || *v == '\t' || *v == '\r') v++;
                used = xmlStrncmp(v, pfx, (int)pl) == 0 && v[pl] == ':';
            }
            if (n->children && n->type == XML_ELEMENT_NODE) {
                n = n->children;
                continue;
            }
            while (n && n != e && !n->next) n = n->parent;
            n = n && n != e ? n->next : NULL;
        }
        if (used && off + pl + 2 < size) {
            off += (size_t)snprintf(list + off, size - off, "%s%s", off ? " " : "", pfx);
        }
    }
    xmlFree(ns);
}

static const wssec_token *own_bst(const wssec_msg *msg)
{
    for (size_t i = 0; msg->res && i < msg->res->ntokens; i++) {
        const wssec_token *t = msg->res->tokens[i];
        if (t->cert && !strcmp(t->type, "x509-token") && X509_cmp(t->cert, msg->ctx->sign_x509) == 0)
            return t;
    }
    return NULL;
}

static int sig_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    const wssec_ctx *ctx = msg->ctx;
    const wssec_settings *s = &ctx->s;
    if (!ctx->sign_pkey)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "signature: no signing key (sign-key and sign-cert, or pkcs12)");
    const wssec_alg *alg = &wssec__sig_algs[s->sign_alg], *dig = &wssec__digest_algs[s->digest_alg];
    if (EVP_PKEY_get_base_id(ctx->sign_pkey) != alg->key_type)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "sign-alg %s does not fit the signing key (%s)", alg->name,
                              OBJ_nid2sn(EVP_PKEY_get_base_id(ctx->sign_pkey)));
    if (!wssec_msg_security(msg, 1)) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");

    const wssec_token *bst = own_bst(msg);
    if (s->key_id == WSSEC_KEYID_BST && !bst) {
        const wssec_module *m = wssec__module_by_name(ctx, "x509-token");
        if (!m || !m->generate)
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                                  "key-id bst needs the x509-token module");
        WSSEC_GUARD(m->generate(msg, m->userdata));
        if (!(bst = own_bst(msg))) return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "no token");
    }

    parts p = { .n = 0 };
    if (s->sign_parts.n == 0) {
        WSSEC_GUARD(select_part(msg, "body", false, &p));
        WSSEC_GUARD(select_part(msg, "timestamp", true, &p));
        WSSEC_GUARD(select_part(msg, "identity-assertion", true, &p));
        /* encrypted header blocks (encrypt, then sign): a receiver decrypts
         * only ciphertext the signature covers */
        for (xmlNodePtr h = wssec__first_elem(msg->header); h; h = wssec__next_elem(h))
            if (wssec__is(h, WSSEC_NS_WSSE11, "EncryptedHeader"))
                WSSEC_GUARD(add_part(msg, &p, h, "encrypted header"));
    }
    for (size_t i = 0; i < s->sign_parts.n; i++) WSSEC_GUARD(select_part(msg, s->sign_parts.v[i], false, &p));

    xmlSecTransformId sid = transform_by_uri(alg->uri, xmlSecTransformUsageSignatureMethod);
    xmlSecTransformId did = transform_by_uri(dig->uri, xmlSecTransformUsageDigestMethod);
    if (sid == xmlSecTransformIdUnknown || did == xmlSecTransformIdUnknown)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "xmlsec lacks %s or %s", alg->name,
                              dig->name);
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(msg->doc, xmlSecTransformExclC14NId, sid, NULL,
                                                     BAD_CAST "ds");
    if (!sig) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    /* after an EncryptedKey already in the header (encrypt, then sign) the
     * signature goes before it, with its token: the receiver verifies the
     * ciphertext first, then decrypts */
    xmlNodePtr ek = child_of_security(msg, WSSEC_NS_XENC, "EncryptedKey");
    if (!(ek ? xmlAddPrevSibling(ek, sig) : xmlAddChild(msg->security, sig))) {
        xmlFreeNode(sig);
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    }
    if (ek && bst) {
        for (xmlNodePtr c = ek; c; c = c->next)
            if (c == bst->node) {
                xmlUnlinkNode(bst->node);
                xmlAddPrevSibling(sig, bst->node);
                break;
            }
    }
    int rc = 0;
    xmlSecDSigCtxPtr d = NULL;
    for (size_t i = 0; i < p.n; i++) {
        const char *id = wssec__id_of(msg, p.v[i], NULL);
        char uri[300], prefixes[300];
        if (!id) goto nomem;
        snprintf(uri, sizeof(uri), "#%s", id);
        xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, did, NULL, BAD_CAST uri, NULL);
        xmlNodePtr tr = ref ? xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) : NULL;
        if (!tr) goto nomem;
        qname_prefixes(p.v[i], prefixes, sizeof(prefixes));
        if (prefixes[0] && xmlSecTmplTransformAddC14NInclNamespaces(tr, BAD_CAST prefixes) < 0)
            goto nomem;
    }
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    if (!ki) goto nomem;
    if ((rc = wssec__str_write(msg, ki, ctx->sign_x509, s->key_id, bst ? bst->node : NULL,
                               s->bst_type))) {
        if (rc == WSSEC_ENOMEM) goto nomem;
        goto done;
    }
    d = xmlSecDSigCtxCreate(NULL);
    if (!d || !(d->signKey = key_from_pkey(ctx->sign_pkey))) goto nomem;
    d->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    d->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    if (xmlSecDSigCtxSign(d, sig) < 0) {
        ERR_clear_error();
        rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, sig, "signing with %s failed", alg->name);
    }
    goto done;
nomem:
    rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
done:
    if (d) xmlSecDSigCtxDestroy(d);
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
