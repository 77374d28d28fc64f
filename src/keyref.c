/*
 * wssec — key references: the wsse:SecurityTokenReference (or, with BSP
 * R5417/R5426 relaxed by name, a bare ds:X509Data) that names a
 * certificate, written (signature and encryption generators) and resolved
 * (their consumers). Resolution looks only at the message's
 * X.509 tokens and the configured known certificates: nothing is fetched,
 * and a certificate found this way proves nothing until it is validated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "keyref.h"
#include "bsp.h"
#include "context.h"
#include "record.h"
#include "settings.h"
#include "trust.h"
#include "util.h"
#include "x509.h"
#include "x509_dn.h"

#define WSSE_STR "SecurityTokenReference"


void wssec__key_source_free(wssec_key_source *k)
{
    if (k->own_cert) X509_free(k->cert);
    if (k->own_presented) sk_X509_pop_free(k->presented, X509_free);
}

typedef int (*cert_match)(X509 *x, const void *arg);

/* Finds the certificate a reference (SKI, thumbprint, issuer-serial) names.
 * The certificate a reference resolves to is not signed, and the signer's
 * identity comes from it, so: the candidates given (our own decryption
 * certificates) answer first; then the configured certificates (--certs,
 * intermediates, anchors) are preferred over the message's X.509 tokens;
 * and two matching certificates of different subjects make the reference
 * ambiguous: it is refused, never settled by order. Returns 1 (found), 0
 * (none) or a negative code already recorded on the message. */
static int find_cert(wssec_msg *msg, cert_match match, const void *arg, wssec_key_source *k,
                     xmlNodePtr node)
{
    const wssec_result *r = msg->res;
    for (int i = 0; i < sk_X509_num(msg->candidates); i++)
        if (match(sk_X509_value(msg->candidates, i), arg)) {
            k->cert = sk_X509_value(msg->candidates, i);
            return 1;
        }
    X509 *chosen = NULL, *clash = NULL;
    const wssec_token *from = NULL;
    STACK_OF(X509) *conf[2] = { wssec__trust_known(msg->trust), wssec__trust_anchors(msg->trust) };
    for (int s = 0; s < 2 && !clash; s++)
        for (int i = 0; i < sk_X509_num(conf[s]) && !clash; i++) {
            X509 *x = sk_X509_value(conf[s], i);
            if (!match(x, arg)) continue;
            if (!chosen) chosen = x;
            else if (X509_NAME_cmp(X509_get_subject_name(chosen), X509_get_subject_name(x)) != 0)
                clash = x;
        }
    for (size_t i = 0; i < r->ntokens && !clash; i++) {
        wssec_token *t = r->tokens[i];
        if (!t->cert || t->status != 0 || !match(t->cert, arg)) continue;
        if (!chosen) {
            chosen = t->cert;
            from = t;
        } else if (X509_NAME_cmp(X509_get_subject_name(chosen), X509_get_subject_name(t->cert)) != 0) {
            clash = t->cert;
        } else if (!from && X509_cmp(chosen, t->cert) == 0) {
            from = t; /* the configured certificate, carried with its chain */
        }
    }
    if (clash) {
        char a[300], b[300];
        wssec__dn_text(X509_get_subject_name(chosen), a, sizeof(a));
        wssec__dn_text(X509_get_subject_name(clash), b, sizeof(b));
        return wssec_msg_fail(msg, WSSEC_EUNTRUSTED, NULL, node,
                              "key reference (%s) is ambiguous: it matches certificates of two "
                              "subjects, '%s' and '%s', so which one signed cannot be told",
                              k->how ? k->how : "?", a, b);
    }
    if (!chosen) return 0;
    k->cert = chosen;
    if (from) {
        k->presented = from->chain;
        k->token = from;
    }
    return 1;
}

typedef struct bytes_arg {
    const unsigned char *p;
    size_t n;
} bytes_arg;

static int match_ski(X509 *x, const void *arg)
{
    const bytes_arg *b = arg;
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
    return ski && (size_t)ASN1_STRING_length(ski) == b->n &&
           memcmp(ASN1_STRING_get0_data(ski), b->p, b->n) == 0;
}

static int match_thumbprint(X509 *x, const void *arg)
{
    const bytes_arg *b = arg;
    unsigned char d[20];
    return b->n == 20 && wssec__cert_thumbprint(x, d) == 0 && memcmp(d, b->p, 20) == 0;
}

/* An X509IssuerName is message text: it is canonicalised once per
 * reference, within these bounds, and each candidate's issuer (a parsed
 * name, bounded by the certificate) is compared with that form. */
#define MAX_ISSUER_NAME 4096
#define MAX_ISSUER_VALUES 64

typedef struct issuer_serial {
    const char *serial;
    char *canon, *canon_rev; /* the IssuerName in RFC 4514 order and reversed */
} issuer_serial;

static int match_issuer_serial(X509 *x, const void *arg)
{
    const issuer_serial *is = arg;
    if (!wssec__serial_equal_text(x, is->serial)) return 0;
    char *have = NULL;
    /* either RDN order: peers differ; the certificate is trust-checked after */
    int eq = wssec__dn_canon_name(X509_get_issuer_name(x), &have) == 0 &&
             (strcmp(have, is->canon) == 0 || strcmp(have, is->canon_rev) == 0);
    wssec__free(have);
    return eq;
}

int wssec_msg_b64_elem(unsigned char **out, size_t *len, wssec_msg *msg, xmlNodePtr e)
{
    char *text = wssec_xml_text(e);
    if (!text) return WSSEC_ENOMEM;
    int rc = wssec_b64_decode(out, len, text, msg->ctx->s.max_token_size);
    xmlFree(text);
    if (rc == 0 && *len == 0) {
        wssec__free(*out);
        *out = NULL;
        rc = WSSEC_EINVALID;
    }
    return rc;
}

/* The children of ds:X509Data: each X509Certificate parsed onto certs, the
 * X509IssuerSerial and X509SKI noted; any other child is refused. Returns 0
 * or the failure recorded in msg. */
static int x509data_children(wssec_msg *msg, xmlNodePtr xd, STACK_OF(X509) *certs,
                             xmlNodePtr *is, xmlNodePtr *ski)
{
    int rc = 0;
    for (xmlNodePtr c = wssec_xml_first_elem(xd); c && !rc; c = wssec_xml_next_elem(c)) {
        if (wssec_xml_is(c, WSSEC_NS_DS, "X509Certificate")) {
            unsigned char *der = NULL;
            size_t n = 0;
            X509 *x = NULL;
            if (wssec_msg_b64_elem(&der, &n, msg, c) || wssec__cert_parse_der(der, n, &x) ||
                !sk_X509_push(certs, x)) {
                X509_free(x);
                rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, c,
                                    "X509Certificate is not a base64 DER certificate");
            }
            wssec__free(der);
        } else if (wssec_xml_is(c, WSSEC_NS_DS, "X509IssuerSerial")) {
            *is = c;
        } else if (wssec_xml_is(c, WSSEC_NS_DS, "X509SKI")) {
            *ski = c;
        } else {
            rc = wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, c,
                                "X509Data child %s is not supported (X509Certificate, "
                                "X509IssuerSerial and X509SKI are)",
                                (const char *)c->name);
        }
    }
    return rc;
}

/* Certificates given in X509Data: the end entity is the certificate that
 * issued none of the others; it becomes k's certificate and the rest are
 * kept as what the sender presented (k owns them all). */
static void from_certificates(STACK_OF(X509) *certs, wssec_key_source *k)
{
    int leaf = 0;
    for (int i = 0; i < sk_X509_num(certs); i++) {
        bool issuer = false;
        for (int j = 0; j < sk_X509_num(certs) && !issuer; j++)
            issuer = i != j && X509_check_issued(sk_X509_value(certs, i),
                                                 sk_X509_value(certs, j)) == X509_V_OK;
        if (!issuer) {
            leaf = i;
            break;
        }
    }
    k->cert = sk_X509_delete(certs, leaf);
    k->own_cert = true;
    k->presented = certs;
    k->own_presented = true;
    k->how = "x509-certificate";
}

/* The certificate with this issuer name (message text, of bounded length)
 * and serial, among the message's and the known ones: the name is
 * canonicalised once, in both RDN orders. Returns 0 or the failure. */
static int find_issuer_serial(wssec_msg *msg, xmlNodePtr is, xmlNodePtr in, const char *issuer,
                              const char *serial, wssec_key_source *k)
{
    issuer_serial arg = { serial, NULL, NULL };
    int rc = 0;
    int crc = wssec__dn_canon_text_max(issuer, false, MAX_ISSUER_VALUES, &arg.canon);
    if (!crc) crc = wssec__dn_canon_text_max(issuer, true, MAX_ISSUER_VALUES, &arg.canon_rev);
    k->how = "issuer-serial";
    if (crc == WSSEC_ENOMEM)
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, is, "out of memory");
    else if (crc == WSSEC_ELIMIT)
        rc = wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, in,
                            "X509IssuerName has more than %d attribute values: no issuer "
                            "has such a name",
                            MAX_ISSUER_VALUES);
    else if (crc || !(rc = find_cert(msg, match_issuer_serial, &arg, k, is)))
        rc = wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, is,
                            "no certificate with issuer '%.200s' and serial %.80s in the "
                            "message or the known certificates (--certs)",
                            issuer, serial);
    if (rc > 0) rc = 0;
    wssec__free(arg.canon);
    wssec__free(arg.canon_rev);
    return rc;
}

/* ds:X509IssuerSerial: its issuer name and serial number, both required,
 * the name within MAX_ISSUER_NAME characters. Returns 0 or the failure. */
static int from_issuer_serial(wssec_msg *msg, xmlNodePtr is, wssec_key_source *k)
{
    xmlNodePtr in = NULL, sn = NULL;
    int rc;
    for (xmlNodePtr c = wssec_xml_first_elem(is); c; c = wssec_xml_next_elem(c)) {
        if (wssec_xml_is(c, WSSEC_NS_DS, "X509IssuerName")) in = c;
        else if (wssec_xml_is(c, WSSEC_NS_DS, "X509SerialNumber")) sn = c;
    }
    char *issuer = in ? wssec_xml_text(in) : NULL, *serial = sn ? wssec_xml_text(sn) : NULL;
    if (!issuer || !serial || !*issuer || !*serial) {
        /* zeep (python-xmlsec templates) can leave it empty */
        rc = wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, is,
                            "X509IssuerSerial without an issuer name and a serial number: "
                            "the signing certificate cannot be identified");
    } else if (strlen(issuer) > MAX_ISSUER_NAME) {
        rc = wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, in,
                            "X509IssuerName is longer than %d characters: no issuer has such a "
                            "name",
                            MAX_ISSUER_NAME);
    } else {
        rc = find_issuer_serial(msg, is, in, issuer, serial, k);
    }
    xmlFree(issuer);
    xmlFree(serial);
    return rc;
}

/* ds:X509SKI: the certificate with this subject key identifier. Returns 0
 * or the failure. */
static int from_ski(wssec_msg *msg, xmlNodePtr ski, wssec_key_source *k)
{
    unsigned char *b = NULL;
    size_t n = 0;
    int rc;
    if (wssec_msg_b64_elem(&b, &n, msg, ski)) {
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, ski, "X509SKI is not base64");
    } else {
        bytes_arg arg = { b, n };
        k->how = "ski";
        if (!(rc = find_cert(msg, match_ski, &arg, k, ski)))
            rc = wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, ski,
                                "no certificate with that subject key identifier in the "
                                "message or the known certificates (--certs)");
        if (rc > 0) rc = 0;
    }
    wssec__free(b);
    return rc;
}

/* ds:X509Data: certificates (the end entity plus, perhaps, its chain), an
 * IssuerSerial, or an SKI, in that order of preference. */
static int from_x509data(wssec_msg *msg, xmlNodePtr xd, wssec_key_source *k)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    xmlNodePtr is = NULL, ski = NULL;
    int rc;
    if (!certs) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, xd, "out of memory");
    if ((rc = x509data_children(msg, xd, certs, &is, &ski)) != 0) goto done;
    if (is && !wssec_xml_first_elem(is)) {
        /* zeep's Signature (python-xmlsec templates) leaves it empty */
        rc = wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, is,
                            "empty X509IssuerSerial: the certificate it should name cannot be "
                            "identified");
    } else if (sk_X509_num(certs) > 0) {
        from_certificates(certs, k);
        certs = NULL;
    } else if (is) {
        rc = from_issuer_serial(msg, is, k);
    } else if (ski) {
        rc = from_ski(msg, ski, k);
    } else {
        rc = wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, xd, "empty X509Data");
    }
done:
    sk_X509_pop_free(certs, X509_free);
    return rc;
}

static int from_key_identifier(wssec_msg *msg, xmlNodePtr ki, wssec_key_source *k)
{
    const char *vt = wssec_xml_attr(ki, "ValueType"), *enc = wssec_xml_attr(ki, "EncodingType");
    if (enc && strcmp(enc, WSSEC_ENC_BASE64) != 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, ki,
                              "KeyIdentifier EncodingType must be Base64Binary");
    unsigned char *b = NULL;
    size_t n = 0;
    if (!vt)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, ki, "KeyIdentifier without a ValueType");
    if (wssec_msg_b64_elem(&b, &n, msg, ki))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, ki, "KeyIdentifier is not base64");
    bytes_arg arg = { b, n };
    int rc = 0;
    if (strcmp(vt, WSSEC_VT_SKI) == 0) {
        k->how = "ski";
        if (!(rc = find_cert(msg, match_ski, &arg, k, ki)))
            rc = wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, ki,
                                "no certificate with that subject key identifier in the message "
                                "or the known certificates (--certs)");
        if (rc > 0) rc = 0;
    } else if (strcmp(vt, WSSEC_VT_THUMBPRINT) == 0) {
        k->how = "thumbprint";
        if (!(rc = find_cert(msg, match_thumbprint, &arg, k, ki)))
            rc = wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, ki,
                                "no certificate with that SHA-1 thumbprint in the message or the "
                                "known certificates (--certs)");
        if (rc > 0) rc = 0;
    } else if (strcmp(vt, WSSEC_VT_X509V3) == 0) {
        k->how = "x509";
        X509 *x = NULL;
        if (wssec__cert_parse_der(b, n, &x))
            rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, ki,
                                "X509v3 KeyIdentifier does not hold a DER certificate");
        k->cert = x;
        k->own_cert = true;
    } else {
        rc = wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, ki,
                            "KeyIdentifier ValueType '%.150s' is not supported", vt);
    }
    wssec__free(b);
    return rc;
}

static int resolve(wssec_msg *msg, xmlNodePtr key_info, wssec_key_source *k);
static int resolve_str(wssec_msg *msg, xmlNodePtr c, wssec_key_source *k);

int wssec__key_resolve(wssec_msg *msg, xmlNodePtr key_info, STACK_OF(X509) *candidates,
                       wssec_key_source *k)
{
    msg->candidates = candidates;
    int rc = resolve(msg, key_info, k);
    msg->candidates = NULL;
    return rc;
}

static int resolve(wssec_msg *msg, xmlNodePtr key_info, wssec_key_source *k)
{
    memset(k, 0, sizeof(*k));
    xmlNodePtr c = wssec_xml_first_elem(key_info);
    if (!c || wssec_xml_next_elem(c))
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, key_info,
                              "KeyInfo must hold exactly one SecurityTokenReference (BSP R5402)");
    if (wssec_xml_is(c, WSSEC_NS_DS, "X509Data")) {
        /* BSP R5417 (a signature's KeyInfo) and R5426 (an EncryptedKey's,
         * checked by its consumer before any key is used): an STR, and a
         * bare X509Data only when relaxed by name */
        bool ek = key_info->parent && wssec_xml_is(key_info->parent, WSSEC_NS_XENC, "EncryptedKey");
        int rule = ek ? WSSEC_BSP_R5426 : WSSEC_BSP_R5417;
        if (!wssec__bsp_relaxed(&msg->ctx->s, rule))
            return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, c,
                                  "KeyInfo holds a ds:X509Data, not a wsse:SecurityTokenReference "
                                  "(BSP %s; --bsp-relax %s accepts it)",
                                  wssec__bsp_rule_name(rule), wssec__bsp_rule_name(rule));
        if (!ek && wssec_msg_warn(msg, "BSP R5417 relaxed: a signature's KeyInfo held a "
                                                "ds:X509Data"))
            return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, c, "out of memory");
        return from_x509data(msg, c, k);
    }
    if (!wssec_xml_is(c, WSSEC_NS_WSSE, WSSE_STR))
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, c,
                              "KeyInfo child %s is not supported: the key must come from a "
                              "SecurityTokenReference (no KeyValue, KeyName or RetrievalMethod; "
                              "BSP R5417)",
                              (const char *)c->name);
    return resolve_str(msg, c, k);
}

int wssec__key_resolve_str(wssec_msg *msg, xmlNodePtr str, wssec_key_source *k)
{
    memset(k, 0, sizeof(*k));
    msg->candidates = NULL;
    return resolve_str(msg, str, k);
}

/* A wsse:SecurityTokenReference c: its one reference, resolved. */
static int resolve_str(wssec_msg *msg, xmlNodePtr c, wssec_key_source *k)
{
    xmlNodePtr r = wssec_xml_first_elem(c);
    if (!r || wssec_xml_next_elem(r))
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, c,
                              "SecurityTokenReference must hold exactly one reference");
    if (wssec_xml_is(r, WSSEC_NS_DS, "X509Data")) return from_x509data(msg, r, k);
    if (wssec_xml_is(r, WSSEC_NS_WSSE, "KeyIdentifier")) return from_key_identifier(msg, r, k);
    if (!wssec_xml_is(r, WSSEC_NS_WSSE, "Reference"))
        return wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, r,
                              "SecurityTokenReference child %s is not supported",
                              (const char *)r->name);
    const char *uri = wssec_xml_attr(r, "URI");
    if (!uri || uri[0] != '#' || !uri[1])
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, r,
                              "token reference '%.150s' is refused: only tokens in this message "
                              "(#id) are used, nothing is fetched",
                              uri ? uri : "(none)");
    k->how = "bst";
    wssec_token *t = wssec__token_by_id(msg, uri + 1);
    if (!t && msg->consume_ahead) {
        /* a token of our header that comes after its reference */
        xmlAttrPtr fwd = xmlGetID(msg->doc, BAD_CAST(uri + 1));
        int frc = fwd && fwd->parent ? msg->consume_ahead(msg, fwd->parent) : WSSEC_EUNAVAILABLE;
        if (frc == 0) {
            t = wssec__token_by_id(msg, uri + 1);
        } else if (frc != WSSEC_EUNAVAILABLE) {
            msg->failed = true; /* the token's own error stands */
            return frc;
        }
    }
    if (!t) {
        xmlAttrPtr a = xmlGetID(msg->doc, BAD_CAST(uri + 1));
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, r,
                              a ? "token %s is not a token of our Security header"
                                : "token %s is not in the message",
                              uri);
    }
    if (t->status)
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, r, "token %s is invalid: %s", uri,
                              wssec_token_error(t)->message);
    if (!t->cert)
        return wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, NULL, r,
                              "token %s (%s) holds no certificate: only X.509 tokens sign", uri,
                              t->type);
    k->cert = t->cert;
    k->presented = t->chain;
    k->token = t;
    return 0;
}


/* The ValueType of each WSSEC_BST_* kind. */
static const char *const bst_value_types[] = { WSSEC_VT_X509V3, WSSEC_VT_PKIPATH, WSSEC_VT_PKCS7 };

int wssec__str_write(wssec_msg *msg, xmlNodePtr parent, X509 *cert, int key_id, xmlNodePtr bst,
                     int bst_type)
{
    xmlNodePtr str = wssec_msg_add_elem(msg, parent, WSSEC_NS_WSSE, "wsse", WSSE_STR, NULL);
    if (!str) return WSSEC_ENOMEM;
    char text[600];
    unsigned char *bytes = NULL;
    size_t n = 0;
    const char *vt = NULL;
    switch (key_id) {
    case WSSEC_KEYID_BST: {
        xmlNodePtr r = wssec_msg_add_elem(msg, str, WSSEC_NS_WSSE, "wsse", "Reference", NULL);
        const char *id = bst ? wssec_msg_id_of(msg, bst, "X509") : NULL;
        const char *const *vts = bst_value_types;
        snprintf(text, sizeof(text), "#%s", id ? id : "");
        if (!r || !id || !xmlSetProp(r, BAD_CAST "URI", BAD_CAST text) ||
            !xmlSetProp(r, BAD_CAST "ValueType", BAD_CAST vts[bst_type]))
            return WSSEC_ENOMEM;
        if (bst_type != WSSEC_BST_X509V3) {
            /* a chain token is named by its TokenType too (WSS 1.1; WSS4J requires it) */
            xmlNsPtr w11 = xmlSearchNsByHref(msg->doc, str, BAD_CAST WSSEC_NS_WSSE11);
            if (!w11 && !(w11 = xmlNewNs(str, BAD_CAST WSSEC_NS_WSSE11, BAD_CAST "wsse11")))
                return WSSEC_ENOMEM;
            if (!xmlSetNsProp(str, w11, BAD_CAST "TokenType", BAD_CAST vts[bst_type]))
                return WSSEC_ENOMEM;
        }
        return 0;
    }
    case WSSEC_KEYID_ISSUER_SERIAL: {
        char issuer[600], serial[100];
        if (wssec__dn_text(X509_get_issuer_name(cert), issuer, sizeof(issuer)) ||
            wssec__cert_serial(cert, serial, sizeof(serial)))
            return WSSEC_ENOMEM;
        xmlNodePtr xd = wssec_msg_add_elem(msg, str, WSSEC_NS_DS, "ds", "X509Data", NULL);
        xmlNodePtr is = xd ? wssec_msg_add_elem(msg, xd, WSSEC_NS_DS, "ds", "X509IssuerSerial", NULL) : NULL;
        if (!is || !wssec_msg_add_elem(msg, is, WSSEC_NS_DS, "ds", "X509IssuerName", issuer) ||
            !wssec_msg_add_elem(msg, is, WSSEC_NS_DS, "ds", "X509SerialNumber", serial))
            return WSSEC_ENOMEM;
        return 0;
    }
    case WSSEC_KEYID_SKI: {
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cert);
        if (!ski)
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                                  "key reference ski: the certificate has no subject key "
                                  "identifier extension");
        n = (size_t)ASN1_STRING_length(ski);
        bytes = wssec__malloc(n);
        if (!bytes) return WSSEC_ENOMEM;
        memcpy(bytes, ASN1_STRING_get0_data(ski), n);
        vt = WSSEC_VT_SKI;
        break;
    }
    case WSSEC_KEYID_THUMBPRINT:
        bytes = wssec__malloc(20);
        if (!bytes || wssec__cert_thumbprint(cert, bytes)) {
            wssec__free(bytes);
            return WSSEC_ENOMEM;
        }
        n = 20;
        vt = WSSEC_VT_THUMBPRINT;
        break;
    default: { /* x509: the certificate itself */
        int len = i2d_X509(cert, NULL);
        unsigned char *p = len > 0 ? wssec__malloc((size_t)len) : NULL;
        if (!p) return WSSEC_ENOMEM;
        bytes = p;
        i2d_X509(cert, &p);
        n = (size_t)len;
        vt = WSSEC_VT_X509V3;
    }
    }
    char *b64 = wssec_b64_encode(bytes, n);
    wssec__free(bytes);
    xmlNodePtr kid = b64 ? wssec_msg_add_elem(msg, str, WSSEC_NS_WSSE, "wsse", "KeyIdentifier", b64) : NULL;
    xmlFree(b64);
    if (!kid || !xmlSetProp(kid, BAD_CAST "EncodingType", BAD_CAST WSSEC_ENC_BASE64) ||
        !xmlSetProp(kid, BAD_CAST "ValueType", BAD_CAST vt))
        return WSSEC_ENOMEM;
    return 0;
}

void wssec__key_error_forget(wssec_msg *msg) { msg->failed = false; }

/* ---- BinarySecurityTokens (the x509-token generator, a signature's own
 * token, the recipient's certificate of an encryption) ---- */

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

/* PKCS7: a degenerate SignedData holding cert and the chain. */
static int pkcs7_bytes(X509 *cert, STACK_OF(X509) *chain, unsigned char **out, size_t *len)
{
    int rc = WSSEC_ENOMEM;
    PKCS7 *p7 = PKCS7_new();
    if (!p7 || !PKCS7_set_type(p7, NID_pkcs7_signed) || !PKCS7_content_new(p7, NID_pkcs7_data) ||
        !PKCS7_add_certificate(p7, cert))
        goto done;
    for (int i = 0; i < sk_X509_num(chain); i++)
        if (!PKCS7_add_certificate(p7, sk_X509_value(chain, i))) goto done;
    int n = i2d_PKCS7(p7, NULL);
    unsigned char *p = n > 0 ? wssec__malloc((size_t)n) : NULL;
    if (!p) goto done;
    *out = p;
    i2d_PKCS7(p7, &p);
    *len = (size_t)n;
    rc = 0;
done:
    PKCS7_free(p7);
    return rc;
}

/* PKIPath: SEQUENCE OF Certificate, root side first, cert last. */
static int pkipath_bytes(X509 *cert, STACK_OF(X509) *chain, unsigned char **out, size_t *len)
{
    int rc = 0;
    wssec_buf body = { .max = 1u << 24 };
    for (int i = (chain ? sk_X509_num(chain) : 0) - 1; i >= -1; i--) {
        X509 *x = i >= 0 ? sk_X509_value(chain, i) : cert;
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

/* The token's bytes: one certificate, a PKIPath or a PKCS7. */
static int bst_bytes(X509 *cert, STACK_OF(X509) *chain, int bst_type, unsigned char **out,
                     size_t *len)
{
    *out = NULL;
    if (bst_type == WSSEC_BST_PKCS7) return pkcs7_bytes(cert, chain, out, len);
    if (bst_type == WSSEC_BST_PKIPATH) return pkipath_bytes(cert, chain, out, len);
    return der_of(cert, out, len);
}

/* The element: appended to our Security header, with a fresh wsu:Id, its
 * EncodingType and ValueType, and the base64 text of the token. */
static int bst_element(xmlNodePtr *out, wssec_msg *msg, const char *b64, int bst_type)
{
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    xmlNodePtr bst = sec ? wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "wsse",
                                              "BinarySecurityToken", NULL)
                         : NULL;
    xmlNodePtr text = NULL;
    int rc = 0;
    if (!bst || !wssec_msg_new_id(msg, bst, "X509") ||
        !xmlSetProp(bst, BAD_CAST "EncodingType", BAD_CAST WSSEC_ENC_BASE64) ||
        !xmlSetProp(bst, BAD_CAST "ValueType", BAD_CAST bst_value_types[bst_type]) ||
        !(text = xmlNewDocText(bst->doc, BAD_CAST b64)) || !xmlAddChild(bst, text)) {
        if (text && !text->parent) xmlFreeNode(text);
        rc = WSSEC_ENOMEM;
    }
    *out = rc ? NULL : bst;
    return rc;
}

/* Records the written token in the message's token store, holding cert and
 * chain (new references). */
static int bst_record(wssec_token **out, wssec_msg *msg, xmlNodePtr bst, X509 *cert,
                      STACK_OF(X509) *chain, const wssec_certdesc *desc)
{
    wssec_token *tok = wssec_msg_add_token(msg, "x509-token", bst);
    STACK_OF(X509) *others = chain ? sk_X509_dup(chain) : NULL;
    if (!tok || (chain && !others) || !X509_up_ref(cert)) {
        sk_X509_free(others);
        return WSSEC_ENOMEM;
    }
    for (int i = 0; i < sk_X509_num(others); i++) X509_up_ref(sk_X509_value(others, i));
    if (desc ? wssec__token_set_cert_desc(tok, cert, others, desc)
             : wssec_token_set_cert(tok, cert, others))
        return WSSEC_ENOMEM;
    *out = tok;
    return 0;
}

/* One certificate: its text and description made once per context (the
 * same certificate signs message after message). */
static int bst_write_x509v3(xmlNodePtr *out, wssec_token **token, wssec_msg *msg,
                            const char *what, X509 *cert, STACK_OF(X509) *chain)
{
    wssec_certpool *pool = msg->ctx->certpool;
    wssec_pooledcert *e = NULL;
    int rc = wssec__cert_to_b64(pool, cert, &e);
    if (rc) return wssec_msg_fail(msg, rc, NULL, NULL, "%s: the token cannot be encoded", what);
    xmlNodePtr bst = NULL;
    rc = bst_element(&bst, msg, e->text, WSSEC_BST_X509V3);
    if (!rc && token) rc = bst_record(token, msg, bst, cert, chain, &e->desc);
    wssec__pooledcert_release(pool, e);
    if (rc) return wssec_msg_fail(msg, rc, NULL, NULL, "out of memory");
    *out = bst;
    return 0;
}

int wssec__bst_write(xmlNodePtr *out, wssec_token **token, wssec_msg *msg, const char *what,
                     X509 *cert, STACK_OF(X509) *chain, int bst_type)
{
    *out = NULL;
    if (token) *token = NULL;
    if (bst_type < 0 || bst_type >= (int)WSSEC_ARRAY_LEN(bst_value_types))
        return wssec_msg_fail(msg, WSSEC_EINVALID, NULL, NULL, "%s: no such token type", what);
    if (bst_type == WSSEC_BST_X509V3) return bst_write_x509v3(out, token, msg, what, cert, chain);
    unsigned char *der = NULL;
    size_t len = 0;
    int rc = bst_bytes(cert, chain, bst_type, &der, &len);
    if (rc) return wssec_msg_fail(msg, rc, NULL, NULL, "%s: the token cannot be encoded", what);
    xmlNodePtr bst = NULL;
    char *b64 = wssec_b64_encode(der, len);
    rc = b64 ? bst_element(&bst, msg, b64, bst_type) : WSSEC_ENOMEM;
    xmlFree(b64);
    wssec__free(der);
    if (!rc && token) rc = bst_record(token, msg, bst, cert, chain, NULL);
    if (rc) return wssec_msg_fail(msg, rc, NULL, NULL, "out of memory");
    *out = bst;
    return 0;
}
