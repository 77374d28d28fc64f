/*
 * wssec — the X.509 BinarySecurityToken module (X.509 Token Profile 1.1;
 * BSP R3029-R3033).
 *
 * Consumer: a base64 token of one of three value types, X509v3 (one
 * certificate), X509PKIPathv1 (a DER SEQUENCE OF Certificate, root side
 * first) and PKCS7 (a degenerate SignedData with certificates); the
 * end-entity certificate and the others go into the token store, where
 * signature and encryption consumers find them. The token proves nothing by
 * itself: a signature made with its key does, once its chain is trusted.
 * Generator: the context's own certificate (and, for pkipath and pkcs7, its
 * chain) as a token with a fresh wsu:Id, written by the key-reference
 * service (keyref.h), which a signature uses too.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "algs.h"
#include "bsp.h"
#include "keyref.h"
#include "settings.h"
#include "trust.h"
#include "util.h"
#include "x509.h"

/* The end-entity certificate of a set: the one that issued none of the
 * others. With several candidates (unrelated certificates), prefer_last
 * picks the last one (PKIPath order), else the first. */
static int pick_leaf(STACK_OF(X509) *sk, bool prefer_last)
{
    int found = -1, n = sk_X509_num(sk);
    for (int i = 0; i < n; i++) {
        X509 *cand = sk_X509_value(sk, i);
        bool issues_other = false;
        for (int j = 0; j < n && !issues_other; j++)
            if (i != j && X509_check_issued(cand, sk_X509_value(sk, j)) == X509_V_OK &&
                X509_cmp(cand, sk_X509_value(sk, j)) != 0)
                issues_other = true;
        if (!issues_other) {
            found = i;
            if (!prefer_last) break;
        }
    }
    return found;
}

static int parse_pkipath(wssec_msg *msg, const unsigned char *der, size_t len,
                         STACK_OF(X509) *out)
{
    const unsigned char *p = der;
    long inner = 0;
    int tag = 0, xclass = 0;
    int r = ASN1_get_object(&p, &inner, &tag, &xclass, (long)len);
    if ((r & 0x80) || tag != V_ASN1_SEQUENCE || !(r & V_ASN1_CONSTRUCTED)) return WSSEC_ETOKEN;
    const unsigned char *end = p + inner;
    if (end != der + len) return WSSEC_ETOKEN;
    while (p < end) {
        /* each certificate's extent, then the certificate (from the pool) */
        const unsigned char *start = p;
        long clen = 0;
        int ctag = 0, cclass = 0;
        int cr = ASN1_get_object(&p, &clen, &ctag, &cclass, end - p);
        if ((cr & 0x80) || ctag != V_ASN1_SEQUENCE || clen > end - p) return WSSEC_ETOKEN;
        p += clen;
        X509 *x = NULL;
        WSSEC_GUARD(wssec_msg_cert_from_der(&x, msg, start, (size_t)(p - start)));
        if (!sk_X509_push(out, x)) {
            X509_free(x);
            return WSSEC_ENOMEM;
        }
    }
    return sk_X509_num(out) ? 0 : WSSEC_ETOKEN;
}
static int parse_pkcs7(const unsigned char *der, size_t len, STACK_OF(X509) *out,
                       STACK_OF(X509_CRL) **crls)
{
    const unsigned char *p = der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
    int rc = WSSEC_ETOKEN;
    if (!p7 || p != der + len || !PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->cert)
        goto done;
    for (int i = 0; i < sk_X509_num(p7->d.sign->cert); i++) {
        X509 *x = sk_X509_value(p7->d.sign->cert, i);
        if (!wssec__cert_usable(x) || !X509_up_ref(x)) goto done;
        if (!sk_X509_push(out, x)) {
            X509_free(x);
            rc = WSSEC_ENOMEM;
            goto done;
        }
    }
    rc = sk_X509_num(out) ? 0 : WSSEC_ETOKEN;
    /* CRLs carried with the certificates: signed by their CAs, so usable as
     * they come (path validation checks their signatures and times) */
    for (int i = 0; rc == 0 && p7->d.sign->crl && i < sk_X509_CRL_num(p7->d.sign->crl); i++) {
        X509_CRL *c = sk_X509_CRL_value(p7->d.sign->crl, i);
        if (!*crls && !(*crls = sk_X509_CRL_new_null())) rc = WSSEC_ENOMEM;
        else if (!X509_CRL_up_ref(c)) rc = WSSEC_ENOMEM;
        else if (!sk_X509_CRL_push(*crls, c)) {
            X509_CRL_free(c);
            rc = WSSEC_ENOMEM;
        }
    }
done:
    PKCS7_free(p7);
    return rc;
}

/* The ValueType of a token holding one X.509 version 1 certificate. */
#define VT_X509V1 WSSEC_X509_PROFILE "#X509v1"

/* The token's kind from its ValueType, then its EncodingType: Base64Binary,
 * or none when BSP R3029 is relaxed. An X509v1 token is one certificate
 * (*v1 set), accepted only with allow-x509v1. */
static int check_types(wssec_msg *msg, wssec_token *tok, xmlNodePtr elem, int *kind, bool *v1)
{
    const char *vt = wssec_xml_attr(elem, "ValueType"), *enc = wssec_xml_attr(elem, "EncodingType");
    int allow_v1 = 0;
    if (!vt)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "BinarySecurityToken without a ValueType (BSP R3031)");
    *v1 = strcmp(vt, VT_X509V1) == 0;
    if (*v1 && (wssec_ctx_get_bool(&allow_v1, wssec_msg_ctx(msg), "allow-x509v1") || !allow_v1))
        return wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, elem,
                              "BinarySecurityToken ValueType X509v1 is refused by default: a "
                              "version 1 certificate has no extensions (nothing says it is no CA, "
                              "nor what its key may do); --allow-x509v1 accepts it from old peers");
    if (*v1 || strcmp(vt, WSSEC_VT_X509V3) == 0) *kind = WSSEC_BST_X509V3;
    else if (strcmp(vt, WSSEC_VT_PKIPATH) == 0) *kind = WSSEC_BST_PKIPATH;
    else if (strcmp(vt, WSSEC_VT_PKCS7) == 0) *kind = WSSEC_BST_PKCS7;
    else
        return wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, elem,
                              "BinarySecurityToken ValueType '%.150s' is not supported (X509v3, "
                              "X509PKIPathv1 and PKCS7 are)",
                              vt);
    if (wssec_token_set(tok, "value-type", *v1 ? "x509v1" : wssec__bsttype_names[*kind]))
        return WSSEC_ENOMEM;
    /* without an EncodingType WSS reads base64; BSP requires it, so it is
     * accepted only when relaxed by name */
    if (!enc && !wssec__bsp_relaxed_in(wssec_msg_ctx(msg), WSSEC_BSP_R3029))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "BinarySecurityToken without an EncodingType (BSP R3029; "
                              "--bsp-relax R3029 reads it as base64)");
    if (enc && strcmp(enc, WSSEC_ENC_BASE64) != 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "BinarySecurityToken EncodingType '%.120s' is not Base64Binary "
                              "(BSP R3030)",
                              enc);
    if (!enc && wssec_msg_warn(msg, "BSP R3029 relaxed: a BinarySecurityToken without an "
                                    "EncodingType was read as base64"))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    return 0;
}

/* The token's bytes: its base64 text decoded, not empty, at most
 * max-token-size bytes. Free *der with wssec_free(). */
static int decode(unsigned char **der, size_t *len, wssec_msg *msg, xmlNodePtr elem)
{
    size_t max = 0;
    if (wssec_ctx_get_size(&max, wssec_msg_ctx(msg), "max-token-size"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, elem, "no max-token-size");
    char *text = wssec_xml_text(elem);
    if (!text) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    int rc = wssec_b64_decode(der, len, text, max);
    xmlFree(text);
    if (rc == WSSEC_ELIMIT)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurityToken", elem,
                              "BinarySecurityToken larger than max-token-size %zu bytes", max);
    if (rc || *len == 0) {
        wssec_free(*der);
        *der = NULL;
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "BinarySecurityToken is not base64");
    }
    return 0;
}

/* The certificates of the token's bytes into certs; a PKCS7 token's CRLs
 * into the token. */
static int parse_certs(wssec_msg *msg, wssec_token *tok, xmlNodePtr elem, int kind,
                       const unsigned char *der, size_t len, STACK_OF(X509) *certs)
{
    int rc;
    if (kind == WSSEC_BST_X509V3) {
        X509 *x = NULL;
        rc = wssec_msg_cert_from_der(&x, msg, der, len);
        if (!rc && !sk_X509_push(certs, x)) {
            X509_free(x);
            rc = WSSEC_ENOMEM;
        }
    } else if (kind == WSSEC_BST_PKIPATH) {
        rc = parse_pkipath(msg, der, len, certs);
    } else {
        STACK_OF(X509_CRL) *crls = NULL;
        rc = parse_pkcs7(der, len, certs, &crls);
        if (crls) wssec_token_set_crls(tok, crls);
    }
    if (!rc) return 0;
    ERR_clear_error();
    return wssec_msg_fail(msg, rc, NULL, elem, "BinarySecurityToken (%s) does not hold %s",
                          wssec__bsttype_names[kind],
                          kind == WSSEC_BST_X509V3    ? "one DER certificate"
                          : kind == WSSEC_BST_PKIPATH ? "a DER sequence of certificates"
                                                      : "a PKCS#7 SignedData with certificates");
}

/* Puts the end-entity certificate and the others into the token (which
 * owns certs from now on), with the number of CRLs, and, while inspecting,
 * the chain as it would be built. */
static int store_certs(wssec_msg *msg, wssec_token *tok, xmlNodePtr elem, int kind,
                       STACK_OF(X509) *certs)
{
    int leaf = pick_leaf(certs, kind == WSSEC_BST_PKIPATH);
    if (leaf < 0) {
        sk_X509_pop_free(certs, X509_free);
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "BinarySecurityToken certificates have no end-entity certificate");
    }
    if (kind == WSSEC_BST_PKIPATH && leaf != sk_X509_num(certs) - 1 &&
        wssec_token_set(tok, "order", "leaf not last: X509PKIPathv1 puts the root side first")) {
        sk_X509_pop_free(certs, X509_free);
        return WSSEC_ENOMEM;
    }
    X509 *x = sk_X509_delete(certs, leaf);
    int rc = wssec_token_set_cert(tok, x, certs);
    STACK_OF(X509_CRL) *crls = wssec_token_crls(tok);
    if (!rc && crls) {
        char n[16];
        snprintf(n, sizeof(n), "%d", sk_X509_CRL_num(crls));
        rc = wssec_token_set(tok, "crls", n);
    }
    if (!rc && wssec_msg_inspecting(msg)) rc = wssec__trust_describe(msg, tok, crls);
    if (rc) rc = wssec_msg_fail(msg, rc, NULL, elem, "out of memory");
    return rc;
}

/* An X509v3 (or X509v1) token: one certificate, through the context's pool
 * keyed by the token's text, so a token seen before costs a lookup; the
 * same outcomes as decode, parse_certs and store_certs. */
static int x509v3_consume(wssec_msg *msg, wssec_token *tok, xmlNodePtr elem, bool v1)
{
    size_t max = 0;
    if (wssec_ctx_get_size(&max, wssec_msg_ctx(msg), "max-token-size"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, elem, "no max-token-size");
    char *text = wssec_xml_text(elem);
    if (!text) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    int rc = wssec_msg_token_cert_b64(msg, tok, text, strlen(text), max);
    xmlFree(text);
    ERR_clear_error();
    if (rc == WSSEC_ELIMIT)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurityToken", elem,
                              "BinarySecurityToken larger than max-token-size %zu bytes", max);
    if (rc == WSSEC_EINVALID)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "BinarySecurityToken is not base64");
    if (rc == WSSEC_ETOKEN)
        return wssec_msg_fail(msg, rc, NULL, elem, "BinarySecurityToken (%s) does not hold %s",
                              wssec__bsttype_names[WSSEC_BST_X509V3], "one DER certificate");
    if (rc) return wssec_msg_fail(msg, rc, NULL, elem, "out of memory");
    X509 *x = wssec_token_cert(tok);
    if (v1 && X509_get_version(x) != X509_VERSION_1)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "BinarySecurityToken of ValueType X509v1 holds a version %ld "
                              "certificate",
                              X509_get_version(x) + 1);
    if (wssec_msg_inspecting(msg) && (rc = wssec__trust_describe(msg, tok, NULL)))
        return wssec_msg_fail(msg, rc, NULL, elem, "out of memory");
    return 0;
}

static int bst_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    (void)ud;
    wssec_token *tok = wssec_msg_add_token(msg, "x509-token", elem);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    int kind = 0;
    bool v1 = false;
    WSSEC_GUARD(check_types(msg, tok, elem, &kind, &v1));
    if (kind == WSSEC_BST_X509V3) return x509v3_consume(msg, tok, elem, v1);
    unsigned char *der = NULL;
    size_t len = 0;
    WSSEC_GUARD(decode(&der, &len, msg, elem));
    STACK_OF(X509) *certs = sk_X509_new_null();
    int rc = certs ? parse_certs(msg, tok, elem, kind, der, len, certs)
                   : wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    wssec_free(der);
    if (!rc && v1 && X509_get_version(sk_X509_value(certs, 0)) != X509_VERSION_1)
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                            "BinarySecurityToken of ValueType X509v1 holds a version %ld "
                            "certificate",
                            X509_get_version(sk_X509_value(certs, 0)) + 1);
    if (rc) {
        sk_X509_pop_free(certs, X509_free);
        return rc;
    }
    return store_certs(msg, tok, elem, kind, certs);
}

/* ---- generator ---- */

/* The context's own certificate (and, for pkipath and pkcs7, its chain) as
 * a token, written by the key-reference service as a signature writes it
 * when it needs one. */
static int bst_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    wssec_located_key own = WSSEC_LOCATED_KEY_INIT;
    wssec_key_query q = WSSEC_KEY_QUERY_INIT;
    char why[512];
    int kind = 0;
    if (wssec_ctx_get_choice(&kind, NULL, ctx, "bst-type"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "x509-token: no bst-type");
    /* the certificate the signature will name: the key locator's */
    int rc = wssec_msg_locate_key(&own, msg, &q, why, sizeof(why));
    if (rc)
        return wssec_msg_fail(msg, rc == WSSEC_EUNAVAILABLE ? WSSEC_ECONFIG : rc, NULL, NULL,
                              "x509-token: %s", why);
    xmlNodePtr bst = NULL;
    wssec_token *tok = NULL;
    rc = wssec__bst_write(&bst, &tok, msg, "x509-token", own.cert, own.chain, kind);
    wssec_located_key_clear(&own);
    return rc;
}

const wssec_module wssec__module_bst = {
    .version = WSSEC_MODULE_VERSION,
    .name = "x509-token",
    .ns = WSSEC_NS_WSSE,
    .local = "BinarySecurityToken",
    .value_type = NULL, /* the X.509 value types; a plug-in may claim others */
    .consume = bst_consume,
    .generate = bst_generate,
};
