/*
 * wssec — the STR Dereference Transform (WSS 1.1 SOAP Message Security
 * §8.3): a ds:Reference names a wsse:SecurityTokenReference, and what is
 * digested is the token that STR names, canonicalized. Peers (CXF and WSS4J
 * token protection) use it to sign the signing token itself, also when the
 * certificate is not in the message (an X509IssuerSerial or a
 * KeyIdentifier): the output is then a wsse:BinarySecurityToken made from
 * the certificate, written the way WSS4J writes it (its bytes are what the
 * peer digested).
 *
 * The STR is resolved by the key-reference service, as every key reference
 * is: by Id among the tokens of this message, by issuer-serial, SKI or
 * thumbprint among the configured certificates, never fetched. The token
 * must be the signer's own: a reference whose digest covers another token
 * would let a message claim token protection for a token that did not
 * sign (ATTACKS.md), so it is refused.
 */
#include <string.h>

#include <libxml/c14n.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "str_transform.h"
#include "algs.h"
#include "c14n.h"
#include "keyref.h"
#include "util.h"
#include "x509.h"
#include "xml.h"


int wssec__str_transform_params(wssec_msg *msg, xmlNodePtr tr, const char *uri)
{
    xmlNodePtr tp = wssec_xml_first_elem(tr);
    xmlNodePtr cm = tp ? wssec_xml_first_elem(tp) : NULL;
    if (!wssec_xml_is(tp, WSSEC_NS_WSSE, "TransformationParameters") ||
        wssec_xml_next_elem(tp) || !wssec_xml_is(cm, WSSEC_NS_DS, "CanonicalizationMethod") ||
        wssec_xml_next_elem(cm) || !wssec_xml_attr(cm, "Algorithm"))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, tr,
                              "Reference %s: the STR-Transform needs a "
                              "wsse:TransformationParameters holding one ds:CanonicalizationMethod "
                              "(WSS 1.1 section 8.3)",
                              uri);
    const char *a = wssec_xml_attr(cm, "Algorithm");
    if (strcmp(a, WSSEC_URI_EXC_C14N) != 0 || wssec_xml_first_elem(cm))
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, cm,
                              "Reference %s: the STR-Transform canonicalizes with '%.120s', which "
                              "is not allowed (exclusive C14N without comments or "
                              "InclusiveNamespaces only)",
                              uri, a);
    return 0;
}

static int buf_write(void *ctx, const char *p, int n)
{
    return n < 0 || wssec__buf_append(ctx, p, (size_t)n) ? -1 : n;
}

static int buf_sink(void *ctx, const unsigned char *p, size_t n)
{
    return wssec__buf_append(ctx, p, n);
}

/* Visibility for C14N: the token element and everything under it. */
static int in_token(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
    xmlNodePtr top = ud;
    for (xmlNodePtr n = node && node->type == XML_NAMESPACE_DECL ? parent : node; n; n = n->parent)
        if (n == top) return 1;
    return 0;
}

/* WSS 1.1 §8.3 (and WSS4J): the apex of the output carries a default
 * namespace declaration; when C14N wrote none, xmlns="" goes before its
 * first namespace or attribute. */
static int apex_default_ns(wssec_buf *b)
{
    const unsigned char *gt = memchr(b->data, '>', b->len);
    const unsigned char *sp = memchr(b->data, ' ', b->len);
    size_t head = gt ? (size_t)(gt - b->data) : b->len;
    for (size_t i = 0; i + 6 <= head; i++)
        if (memcmp(b->data + i, "xmlns=", 6) == 0) return 0;
    if (!sp || sp > gt) return WSSEC_EMALFORMED; /* a token has attributes */
    static const char ins[] = "xmlns=\"\" ";
    size_t at = (size_t)(sp - b->data) + 1, n = sizeof(ins) - 1;
    WSSEC_GUARD(wssec__buf_append(b, ins, n)); /* room, then shift */
    memmove(b->data + at + n, b->data + at, b->len - n - at);
    memcpy(b->data + at, ins, n);
    return 0;
}

/* The token element of the message, canonicalized (exclusive, #default
 * inclusive) into s->bytes: by our C14N of the subtree when the document
 * is fit for it (the same bytes), else by libxml2's. */
static int c14n_token(wssec_msg *msg, wssec_str_ref *s, xmlNodePtr token)
{
    xmlChar *incl[] = { BAD_CAST "#default", NULL };
    if (!s->own_c14n) s->own_c14n = wssec__c14n_doc_ok(wssec_msg_doc(msg)) ? 1 : 2;
    int n = -1, own = s->own_c14n == 1 ? wssec__c14n_exc_subtree(token,
                                                                 (const xmlChar *const *)incl, 0,
                                                                 buf_sink, &s->bytes)
                                       : WSSEC_C14N_UNHANDLED;
    if (own == WSSEC_C14N_UNHANDLED) {
        s->bytes.len = 0; /* nothing of ours kept */
        xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(buf_write, NULL, &s->bytes, NULL);
        n = ob ? xmlC14NExecute(wssec_msg_doc(msg), in_token, token, XML_C14N_EXCLUSIVE_1_0,
                                incl, 0, ob)
               : -1;
        if (ob && xmlOutputBufferClose(ob) < 0) n = -1;
    } else {
        n = own ? -1 : 0;
    }
    if (n < 0 || !s->bytes.len || apex_default_ns(&s->bytes))
        return wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, s->ref,
                              "Reference %s: the token its SecurityTokenReference names cannot "
                              "be canonicalized",
                              s->uri);
    return 0;
}

/* A wsse:BinarySecurityToken for cert, as WSS4J makes it for the transform
 * (the STR's prefix for wsse, ValueType only, base64 on one line), in its
 * canonical form, into s->bytes. */
static int synthesized_bst(wssec_msg *msg, wssec_str_ref *s, X509 *cert)
{
    const char *pfx = s->str->ns && s->str->ns->prefix ? (const char *)s->str->ns->prefix : "wsse";
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);
    char *b64 = len > 0 ? wssec_b64_encode(der, (size_t)len) : NULL;
    OPENSSL_free(der);
    int rc = b64 ? 0 : WSSEC_ENOMEM;
    const char *parts[] = { "<", pfx, ":BinarySecurityToken xmlns=\"\" xmlns:", pfx, "=\"",
                            WSSEC_NS_WSSE, "\" ValueType=\"", WSSEC_VT_X509V3, "\">", b64,
                            "</", pfx, ":BinarySecurityToken>" };
    for (size_t i = 0; !rc && i < WSSEC_ARRAY_LEN(parts); i++)
        rc = wssec__buf_append(&s->bytes, parts[i], strlen(parts[i]));
    xmlFree(b64);
    if (rc) return wssec_msg_fail(msg, rc, NULL, s->ref, "out of memory");
    return 0;
}

/* The STR resolved to the signer's certificate, then the transform's
 * output into s->bytes (s->token: the element, when in the message). */
static int dereference(wssec_msg *msg, wssec_str_ref *s)
{
    if (!wssec_xml_is(s->str, WSSEC_NS_WSSE, "SecurityTokenReference"))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, s->ref,
                              "Reference %s uses the STR-Transform but names a %s, not a "
                              "wsse:SecurityTokenReference",
                              s->uri, (const char *)s->str->name);
    wssec_key_source k;
    int rc = wssec__key_resolve_str(msg, s->str, &k);
    if (!rc && X509_cmp(k.cert, s->signer) != 0) {
        char who[300];
        wssec__dn_text(X509_get_subject_name(k.cert), who, sizeof(who));
        rc = wssec_msg_fail(msg, WSSEC_ESIGNATURE, NULL, s->ref,
                            "Reference %s: the STR-Transform names the token of '%s', not the "
                            "signer's: only the signing token may be covered this way",
                            s->uri, who);
    }
    if (!rc && k.token && strcmp(k.how, "bst") == 0) {
        s->token = wssec_token_node(k.token);
        rc = c14n_token(msg, s, s->token);
    } else if (!rc) {
        rc = synthesized_bst(msg, s, k.cert);
    }
    wssec__key_source_free(&k);
    return rc;
}

int wssec__str_transform_output(wssec_msg *msg, wssec_str_ref *s)
{
    memset(&s->bytes, 0, sizeof(s->bytes));
    s->bytes.max = s->max_c14n_bytes + 16;
    s->token = NULL;
    return dereference(msg, s);
}

int wssec__str_transform_verify(wssec_msg *msg, wssec_str_ref *s)
{
    WSSEC_GUARD(wssec__str_transform_output(msg, s));
    if (wssec__c14n_take(msg, s->bytes.len, false))
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", s->ref,
                              "the signatures canonicalize more than max-c14n-bytes %zu bytes",
                              s->max_c14n_bytes);
    xmlNodePtr dv = wssec_xml_first_elem(s->ref);
    while (dv && !wssec_xml_is(dv, WSSEC_NS_DS, "DigestValue")) dv = wssec_xml_next_elem(dv);
    const EVP_MD *md = EVP_get_digestbyname(s->md);
    unsigned char d[EVP_MAX_MD_SIZE], *want = NULL;
    unsigned int dl = 0;
    size_t wl = 0;
    if (!md || !EVP_Digest(s->bytes.data, s->bytes.len, d, &dl, md, NULL))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, s->ref, "digest %s failed", s->md);
    int ok = dv && wssec_msg_b64_elem(&want, &wl, msg, dv) == 0 && wl == dl &&
             CRYPTO_memcmp(want, d, dl) == 0;
    wssec__free(want);
    if (!ok)
        return wssec_msg_fail(msg, WSSEC_EDIGEST, NULL, s->ref,
                              "digest of Reference %s (STR-Transform: the token its "
                              "SecurityTokenReference names) does not match",
                              s->uri);
    return 0;
}
