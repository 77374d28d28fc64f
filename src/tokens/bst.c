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
 * chain) as a token with a fresh wsu:Id.
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
#include "context.h"
#include "record.h"
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

static int parse_pkipath(wssec_certpool *pool, const unsigned char *der, size_t len,
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
        WSSEC_GUARD(wssec__cert_from_der(pool, start, (size_t)(p - start), &x));
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

static int bst_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    (void)ud;
    const char *vt = wssec_xml_attr(elem, "ValueType"), *enc = wssec_xml_attr(elem, "EncodingType");
    wssec_token *tok = wssec_msg_add_token(msg, "x509-token", elem);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    int kind;
    if (!vt)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "BinarySecurityToken without a ValueType (BSP R3031)");
    if (strcmp(vt, WSSEC_VT_X509V3) == 0) kind = WSSEC_BST_X509V3;
    else if (strcmp(vt, WSSEC_VT_PKIPATH) == 0) kind = WSSEC_BST_PKIPATH;
    else if (strcmp(vt, WSSEC_VT_PKCS7) == 0) kind = WSSEC_BST_PKCS7;
    else
        return wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, elem,
                              "BinarySecurityToken ValueType '%.150s' is not supported (X509v3, "
                              "X509PKIPathv1 and PKCS7 are)",
                              vt);
    if (wssec_token_set(tok, "value-type", wssec__bsttype_names[kind])) return WSSEC_ENOMEM;
    /* without an EncodingType WSS reads base64; BSP requires it, so it is
     * accepted only when relaxed by name */
    if (!enc && !wssec__bsp_relaxed(&msg->ctx->s, WSSEC_BSP_R3029))
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

    char *text = wssec_xml_text(elem);
    unsigned char *der = NULL;
    size_t len = 0;
    STACK_OF(X509) *certs = sk_X509_new_null();
    int rc = 0;
    if (!text || !certs) {
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
        goto done;
    }
    rc = wssec_b64_decode(&der, &len, text, msg->ctx->s.max_token_size);
    if (rc == WSSEC_ELIMIT) {
        rc = wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurityToken", elem,
                            "BinarySecurityToken larger than max-token-size %zu bytes",
                            msg->ctx->s.max_token_size);
        goto done;
    }
    if (rc || len == 0) {
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "BinarySecurityToken is not base64");
        goto done;
    }
    if (kind == WSSEC_BST_X509V3) {
        X509 *x = NULL;
        rc = wssec__cert_from_der(msg->ctx->certpool, der, len, &x);
        if (!rc && !sk_X509_push(certs, x)) {
            X509_free(x);
            rc = WSSEC_ENOMEM;
        }
    } else if (kind == WSSEC_BST_PKIPATH) {
        rc = parse_pkipath(msg->ctx->certpool, der, len, certs);
    } else {
        rc = parse_pkcs7(der, len, certs, &tok->crls);
    }
    if (rc) {
        ERR_clear_error();
        rc = wssec_msg_fail(msg, rc, NULL, elem, "BinarySecurityToken (%s) does not hold %s",
                            wssec__bsttype_names[kind],
                            kind == WSSEC_BST_X509V3 ? "one DER certificate"
                            : kind == WSSEC_BST_PKIPATH ? "a DER sequence of certificates"
                                                        : "a PKCS#7 SignedData with certificates");
        goto done;
    }
    int leaf = pick_leaf(certs, kind == WSSEC_BST_PKIPATH);
    if (leaf < 0) {
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                            "BinarySecurityToken certificates have no end-entity certificate");
        goto done;
    }
    if (kind == WSSEC_BST_PKIPATH && leaf != sk_X509_num(certs) - 1 &&
        wssec_token_set(tok, "order", "leaf not last: X509PKIPathv1 puts the root side first")) {
        rc = WSSEC_ENOMEM;
        goto done;
    }
    X509 *x = sk_X509_delete(certs, leaf);
    rc = wssec_token_set_cert(tok, x, certs);
    certs = NULL;
    if (!rc && tok->crls) {
        char n[16];
        snprintf(n, sizeof(n), "%d", sk_X509_CRL_num(tok->crls));
        rc = wssec_token_set(tok, "crls", n);
    }
    if (!rc && msg->inspecting) rc = wssec__trust_describe(msg, tok, tok->crls);
    if (rc) rc = wssec_msg_fail(msg, rc, NULL, elem, "out of memory");
done:
    sk_X509_pop_free(certs, X509_free);
    wssec__free(der);
    xmlFree(text);
    return rc;
}

/* ---- generator ---- */

static int der_of(X509 *x, unsigned char **out, size_t *len)
{
    int n = i2d_X509(x, NULL);
    if (n <= 0) return WSSEC_EINTERNAL;
    unsigned char *p = wssec__malloc((size_t)n);
    if (!p) return WSSEC_ENOMEM;
    *out = p;
    i2d_X509(x, &p);
    *len = (size_t)n;
    return 0;
}

/* The token's bytes: one certificate, a PKIPath (root side first) or PKCS7. */
static int token_bytes(const wssec_ctx *ctx, int kind, unsigned char **out, size_t *len)
{
    *out = NULL;
    if (kind == WSSEC_BST_X509V3) return der_of(ctx->sign_x509, out, len);
    int rc = WSSEC_ENOMEM;
    if (kind == WSSEC_BST_PKCS7) {
        PKCS7 *p7 = PKCS7_new();
        if (!p7 || !PKCS7_set_type(p7, NID_pkcs7_signed) ||
            !PKCS7_content_new(p7, NID_pkcs7_data) || !PKCS7_add_certificate(p7, ctx->sign_x509))
            goto p7done;
        for (int i = 0; i < sk_X509_num(ctx->sign_chain); i++)
            if (!PKCS7_add_certificate(p7, sk_X509_value(ctx->sign_chain, i))) goto p7done;
        int n = i2d_PKCS7(p7, NULL);
        unsigned char *p = n > 0 ? wssec__malloc((size_t)n) : NULL;
        if (!p) goto p7done;
        *out = p;
        i2d_PKCS7(p7, &p);
        *len = (size_t)n;
        rc = 0;
    p7done:
        PKCS7_free(p7);
        return rc;
    }
    /* PKIPath: SEQUENCE OF Certificate, root side first, the signer last */
    wssec_buf body = { .max = 1u << 24 };
    for (int i = sk_X509_num(ctx->sign_chain) - 1; i >= -1; i--) {
        X509 *x = i >= 0 ? sk_X509_value(ctx->sign_chain, i) : ctx->sign_x509;
        unsigned char *d = NULL;
        size_t dl = 0;
        if ((rc = der_of(x, &d, &dl)) || (rc = wssec__buf_append(&body, d, dl))) {
            wssec__free(d);
            wssec__buf_free(&body);
            return rc;
        }
        wssec__free(d);
    }
    int hl = ASN1_object_size(1, (int)body.len, V_ASN1_SEQUENCE);
    unsigned char *p = hl > 0 ? wssec__malloc((size_t)hl) : NULL;
    if (!p) {
        wssec__buf_free(&body);
        return WSSEC_ENOMEM;
    }
    *out = p;
    ASN1_put_object(&p, 1, (int)body.len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
    memcpy(p, body.data, body.len);
    *len = (size_t)hl;
    wssec__buf_free(&body);
    return 0;
}

static int bst_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    const wssec_ctx *ctx = msg->ctx;
    if (!ctx->sign_x509)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "x509-token: no certificate (sign-cert or pkcs12)");
    int kind = ctx->s.bst_type;
    unsigned char *der = NULL;
    size_t len = 0;
    char *b64 = NULL;
    int rc = token_bytes(ctx, kind, &der, &len);
    if (rc) return wssec_msg_fail(msg, rc, NULL, NULL, "x509-token: the token cannot be encoded");
    static const char *const vts[] = { WSSEC_VT_X509V3, WSSEC_VT_PKIPATH, WSSEC_VT_PKCS7 };
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    xmlNodePtr bst = sec ? wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "wsse", "BinarySecurityToken",
                                           NULL)
                         : NULL;
    xmlNodePtr text = NULL;
    if (!bst || !(b64 = wssec_b64_encode(der, len)) || !wssec_msg_new_id(msg, bst, "X509") ||
        !xmlSetProp(bst, BAD_CAST "EncodingType", BAD_CAST WSSEC_ENC_BASE64) ||
        !xmlSetProp(bst, BAD_CAST "ValueType", BAD_CAST vts[kind]) ||
        !(text = xmlNewDocText(msg->doc, BAD_CAST b64)) || !xmlAddChild(bst, text)) {
        if (text && !text->parent) xmlFreeNode(text);
        rc = WSSEC_ENOMEM;
    }
    wssec__free(der);
    xmlFree(b64);
    if (rc) return wssec_msg_fail(msg, rc, NULL, NULL, "out of memory");
    /* into the outbound token store, for the signature to reference */
    wssec_token *tok = wssec_msg_add_token(msg, "x509-token", bst);
    X509 *leaf = ctx->sign_x509;
    STACK_OF(X509) *chain = sk_X509_dup(ctx->sign_chain);
    if (!tok || !chain || !X509_up_ref(leaf)) {
        sk_X509_free(chain);
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    }
    for (int i = 0; i < sk_X509_num(chain); i++) X509_up_ref(sk_X509_value(chain, i));
    if (wssec_token_set_cert(tok, leaf, chain))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return 0;
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
