/*
 * The STR Dereference Transform (WSS 1.1 §8.3) on inbound references: the
 * token a SecurityTokenReference names is what is digested, it must be the
 * signer's, and the token (when in the message) is what is recorded as
 * signed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <stdio.h>
#include <libxml/c14n.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "helpers.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"
#define STR_T                                                                                     \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-"     \
    "Transform"
#define EXC "http://www.w3.org/2001/10/xml-exc-c14n#"
#define INC "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"

static const char *const sign_actions[] = { "timestamp", "signature" };

static char *signed_by(const char *key_id)
{
    wssec_ctx *alice = h_signer("alice", "key-id", key_id, NULL);
    char *xml = h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\"><soap:Header/>"
                       "<soap:Body wsu:Id=\"body\"><m:Pay xmlns:m=\"urn:example:bank\">"
                       "<m:To>bob</m:To></m:Pay></soap:Body></soap:Envelope>",
                       WSSEC_NS_SOAP11, H_NS_WSU);
    char *out = h_secure(alice, xml, sign_actions, 2, NULL);
    free(xml);
    wssec_ctx_free(alice);
    return out;
}

/* What the surgery does: the transform's c14n, what the STR names
 * ("#id" of a token, or NULL: leave it), what the digest is over ("bst":
 * the message's BinarySecurityToken, "cert": alice's certificate as WSS4J
 * writes it, "bob": bob's), and whether the Reference names the token instead of the STR. */
static const char *t_c14n = EXC, *t_names, *t_over = "bst";
static int t_body;
/* t_other: the reference names a second STR of the Security header
 * (wsu:Id str-2) instead of the KeyInfo's, and it names t_other: "bob"
 * (bob's certificate by X509IssuerSerial) or "#id" (a wsse:Reference). */
static const char *t_other;

/* The second STR, in the Security header, as t_other says. */
static void add_other_str(xmlDocPtr doc)
{
    xmlNodePtr sec = h_xp(doc, "//wsse:Security");
    xmlNodePtr str = xmlNewChild(sec, sec->ns, BAD_CAST "SecurityTokenReference", NULL);
    xmlSetNsProp(str, xmlNewNs(str, BAD_CAST H_NS_WSU, BAD_CAST "wsu"), BAD_CAST "Id",
                 BAD_CAST "str-2");
    if (t_other[0] == '#') {
        xmlSetProp(xmlNewChild(str, sec->ns, BAD_CAST "Reference", NULL), BAD_CAST "URI",
                   BAD_CAST t_other);
        return;
    }
    xmlNsPtr ds = xmlNewNs(str, BAD_CAST "http://www.w3.org/2000/09/xmldsig#", BAD_CAST "ds");
    xmlNodePtr is = xmlNewChild(xmlNewChild(str, ds, BAD_CAST "X509Data", NULL), ds,
                                BAD_CAST "X509IssuerSerial", NULL);
    xmlNewChild(is, ds, BAD_CAST "X509IssuerName",
                BAD_CAST "CN=wssec Test Issuing CA,O=wssec test,C=US");
    xmlNewChild(is, ds, BAD_CAST "X509SerialNumber", BAD_CAST "8194"); /* bob: 0x2002 */
}

static void add_text(xmlBufferPtr b, const char *s)
{
    xmlBufferCat(b, BAD_CAST s);
}

/* alice's (or bob's) certificate as the STR-Transform writes it. */
static xmlBufferPtr synthesized(const char *who)
{
    char *path = h_strf(PKI "%s.crt", who);
    size_t n = 0;
    unsigned char *der = h_cert_der(path, &n);
    free(path);
    char *b64 = h_b64(der, n);
    xmlBufferPtr b = xmlBufferCreate();
    add_text(b, "<wsse:BinarySecurityToken xmlns=\"\" xmlns:wsse=\"" H_NS_WSSE
                "\" ValueType=\"" WSSEC_VT_X509V3 "\">");
    add_text(b, b64);
    add_text(b, "</wsse:BinarySecurityToken>");
    free(b64);
    OPENSSL_free(der);
    return b;
}

/* The message's BinarySecurityToken, exclusive C14N with #default, and
 * xmlns="" after its name. */
static xmlBufferPtr from_bst(xmlDocPtr doc)
{
    xmlChar *incl[] = { BAD_CAST "#default", NULL };
    int len = 0;
    xmlChar *c = h_c14n(doc, h_xp(doc, "//wsse:BinarySecurityToken"), XML_C14N_EXCLUSIVE_1_0,
                        incl, &len);
    const char *sp = strchr((const char *)c, ' ');
    xmlBufferPtr b = xmlBufferCreate();
    xmlBufferAdd(b, c, (int)(sp - (const char *)c) + 1);
    add_text(b, "xmlns=\"\" ");
    add_text(b, sp + 1);
    xmlFree(c);
    return b;
}

static void s_str_reference(xmlDocPtr doc)
{
    xmlNodePtr str = h_xp(doc, "//ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference");
    xmlNsPtr wsu = xmlSearchNsByHref(doc, str, BAD_CAST H_NS_WSU);
    if (!wsu) wsu = xmlNewNs(str, BAD_CAST H_NS_WSU, BAD_CAST "wsu");
    xmlSetNsProp(str, wsu, BAD_CAST "Id", BAD_CAST "str-1");
    if (t_names)
        xmlSetProp(h_xp(doc, "//ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference"),
                   BAD_CAST "URI", BAD_CAST t_names);
    if (t_other) add_other_str(doc);
    xmlBufferPtr b = strcmp(t_over, "bst") == 0 ? from_bst(doc) : synthesized(t_over);
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_Digest(xmlBufferContent(b), (size_t)xmlBufferLength(b), d, &dl, EVP_sha256(), NULL);
    xmlBufferFree(b);
    char *b64 = h_b64(d, dl);
    xmlNodePtr si = h_xp(doc, "//ds:SignedInfo");
    xmlNsPtr ds = si->ns;
    xmlNodePtr ref = xmlNewChild(si, ds, BAD_CAST "Reference", NULL);
    xmlChar *bid = t_body ? xmlGetNsProp(h_xp(doc, "//wsse:BinarySecurityToken"),
                                         BAD_CAST "Id", BAD_CAST H_NS_WSU)
                          : NULL;
    char *uri = h_strf("#%s", t_body ? (const char *)bid : t_other ? "str-2" : "str-1");
    xmlSetProp(ref, BAD_CAST "URI", BAD_CAST uri);
    free(uri);
    xmlFree(bid);
    xmlNodePtr tr = xmlNewChild(xmlNewChild(ref, ds, BAD_CAST "Transforms", NULL), ds,
                                BAD_CAST "Transform", NULL);
    xmlSetProp(tr, BAD_CAST "Algorithm", BAD_CAST STR_T);
    xmlNodePtr tp = xmlNewChild(tr, NULL, BAD_CAST "TransformationParameters", NULL);
    xmlSetNs(tp, xmlNewNs(tp, BAD_CAST H_NS_WSSE, BAD_CAST "wsse"));
    xmlSetProp(xmlNewChild(tp, ds, BAD_CAST "CanonicalizationMethod", NULL), BAD_CAST "Algorithm",
               BAD_CAST t_c14n);
    xmlSetProp(xmlNewChild(ref, ds, BAD_CAST "DigestMethod", NULL), BAD_CAST "Algorithm",
               BAD_CAST "http://www.w3.org/2001/04/xmlenc#sha256");
    xmlNewChild(ref, ds, BAD_CAST "DigestValue", BAD_CAST b64);
    free(b64);
    h_resign(doc, PKI "alice.key", XML_C14N_EXCLUSIVE_1_0, NULL);
}

/* The message signed with key-id, an STR-Transform reference added as the
 * t_* variables say, signed again. */
static char *with_str_transform(const char *key_id)
{
    char *xml = signed_by(key_id);
    char *out = h_operate(xml, s_str_reference, 0);
    free(xml);
    t_c14n = EXC;
    t_names = NULL;
    t_over = "bst";
    t_body = 0;
    t_other = NULL;
    return out;
}

/* A Reference to the BinarySecurityToken: the token is digested and is
 * what --require signed: can name (the STR itself is not covered whole). */
static void test_bst_token(void **state)
{
    (void)state;
    char *xml = with_str_transform("bst");
    wssec_ctx *in = h_receiver("require", "signed://wsse:Security/wsse:BinarySecurityToken", NULL);
    h_expect(in, xml, 0, NULL, NULL);
    wssec_ctx *str = h_receiver("require", "signed://ds:KeyInfo/wsse:SecurityTokenReference", NULL);
    h_expect(str, xml, WSSEC_EUNSIGNED, "wsse:InvalidSecurity", "SecurityTokenReference");
    wssec_ctx_free(str);
    wssec_ctx_free(in);
    free(xml);
}

/* An X509IssuerSerial to a certificate not in the message: the digest is
 * over a BinarySecurityToken made from it, as WSS4J writes it. */
static void test_issuer_serial(void **state)
{
    (void)state;
    t_over = "alice";
    char *xml = with_str_transform("issuer-serial");
    wssec_ctx *in = h_receiver("certs", PKI "alice.crt", NULL);
    h_expect(in, xml, 0, NULL, NULL);
    wssec_ctx_free(in);
    free(xml);
}

/* The digest over another certificate's token than the signer's: the
 * STR still names alice, so the digest does not match. */
static void test_digest_of_another(void **state)
{
    (void)state;
    t_over = "bob";
    char *xml = with_str_transform("issuer-serial");
    wssec_ctx *in = h_receiver("certs", PKI "alice.crt", NULL);
    h_expect(in, xml, WSSEC_EDIGEST, "wsse:FailedCheck", "STR-Transform");
    wssec_ctx_free(in);
    free(xml);
}

/* The hostile cases: an STR naming nothing, an STR naming an STR (nested),
 * a c14n not allowed, a Reference to something other than an STR. */
static void test_refused(void **state)
{
    (void)state;
    wssec_ctx *in = h_receiver(NULL);
    t_names = "#nothing";
    char *xml = with_str_transform("bst");
    /* the KeyInfo STR names nothing either: the key fails first */
    h_expect(in, xml, WSSEC_EUNAVAILABLE, "wsse:SecurityTokenUnavailable", "#nothing");
    free(xml);
    t_c14n = INC;
    xml = with_str_transform("bst");
    h_expect(in, xml, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
             "the STR-Transform canonicalizes with");
    free(xml);
    t_body = 1;
    xml = with_str_transform("bst");
    h_expect(in, xml, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
             "uses the STR-Transform but names a BinarySecurityToken");
    free(xml);
    wssec_ctx_free(in);
}

/* Signature wrapping through the transform: the reference's STR names
 * another certificate than the signer's (bob's, with a digest that matches
 * bob's token), another STR (nested), or nothing. The digest may match, but
 * what it covers is not the signing token: refused. */
static void test_other_token(void **state)
{
    (void)state;
    wssec_ctx *in = h_receiver("certs", PKI "alice.crt", "certs", PKI "bob.crt", NULL);
    t_other = "bob";
    t_over = "bob";
    char *xml = with_str_transform("issuer-serial");
    h_expect(in, xml, WSSEC_ESIGNATURE, NULL, "not the signer's");
    free(xml);
    t_other = "#str-1";
    t_over = "alice";
    xml = with_str_transform("issuer-serial");
    h_expect(in, xml, WSSEC_EUNAVAILABLE, NULL, "#str-1");
    free(xml);
    t_other = "#nothing";
    t_over = "alice";
    xml = with_str_transform("issuer-serial");
    h_expect(in, xml, WSSEC_EUNAVAILABLE, NULL, "#nothing");
    free(xml);
    wssec_ctx_free(in);
}

/* ---- outbound: sign-part token-str ---- */

static const char *const body_xml =
    "<soap:Envelope xmlns:soap=\"" WSSEC_NS_SOAP11 "\"><soap:Header/><soap:Body>"
    "<m:Pay xmlns:m=\"urn:example:bank\"><m:To>bob</m:To></m:Pay></soap:Body></soap:Envelope>";

/* Secured by who with sign-part body, timestamp and token-str (and
 * sign-alg alg when not NULL). */
static char *written_by(const char *who, const char *alg)
{
    wssec_ctx *c = alg ? h_signer(who, "sign-part", "body", "sign-part", "timestamp", "sign-part",
                                  "token-str", "sign-alg", alg, NULL)
                       : h_signer(who, "sign-part", "body", "sign-part", "timestamp", "sign-part",
                                  "token-str", NULL);
    char *out = h_secure(c, body_xml, sign_actions, 2, NULL);
    wssec_ctx_free(c);
    return out;
}

/* The Reference written: to the KeyInfo STR, the STR-Transform with
 * exclusive C14N in its TransformationParameters, as WSS4J writes it. */
static void shape_checked(xmlDocPtr doc)
{
    xmlNodePtr str = h_xp(doc, "//ds:KeyInfo/wsse:SecurityTokenReference");
    xmlChar *id = xmlGetNsProp(str, BAD_CAST "Id", BAD_CAST H_NS_WSU);
    assert_non_null(id);
    char *xp = h_strf("//ds:SignedInfo/ds:Reference[@URI='#%s']/ds:Transforms/"
                      "ds:Transform[@Algorithm='" STR_T "']/wsse:TransformationParameters/"
                      "ds:CanonicalizationMethod[@Algorithm='" EXC "']",
                      (const char *)id);
    h_xp(doc, xp);
    free(xp);
    xmlFree(id);
}

/* wssec writes the STR-Transform: the shape, and the message verifies
 * with the token recorded as signed (RSA and ECDSA keys). */
static void test_written(void **state)
{
    (void)state;
    const char *algs[][2] = { { "alice", NULL }, { "ec", "ecdsa-sha256" } };
    wssec_ctx *in = h_receiver("require", "signed://wsse:Security/wsse:BinarySecurityToken", NULL);
    for (size_t i = 0; i < 2; i++) {
        char *xml = written_by(algs[i][0], algs[i][1]);
        free(h_operate(xml, shape_checked, 0));
        h_expect(in, xml, 0, NULL, NULL);
        free(xml);
    }
    wssec_ctx_free(in);
}

/* Tampering with the covered token: an attribute added (same key: the
 * STR-Transform's digest fails), or the certificate bytes swapped for
 * bob's (the SignatureValue no longer verifies with the token's key). */
static void add_attr(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//wsse:BinarySecurityToken"), BAD_CAST "Extra", BAD_CAST "1");
}

static void bob_bytes(xmlDocPtr doc)
{
    FILE *f = fopen(PKI "bob.crt", "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    char *b64 = wssec_b64_encode(der, (size_t)n);
    xmlNodeSetContent(h_xp(doc, "//wsse:BinarySecurityToken"), BAD_CAST b64);
    xmlFree(b64);
    OPENSSL_free(der);
    X509_free(x);
}

static void test_written_tampered(void **state)
{
    (void)state;
    wssec_ctx *in = h_receiver(NULL);
    char *xml = written_by("alice", NULL);
    char *bad = h_operate(xml, add_attr, 0);
    h_expect(in, bad, WSSEC_EDIGEST, "wsse:FailedCheck", "STR-Transform");
    free(bad);
    bad = h_operate(xml, bob_bytes, 0);
    h_expect(in, bad, WSSEC_ESIGNATURE, "wsse:FailedCheck", "SignatureValue does not verify");
    free(bad);
    free(xml);
    wssec_ctx_free(in);
}

/* token-str needs the token in the message (key-id bst) and a
 * certificate's signature. */
static void test_written_refused(void **state)
{
    (void)state;
    wssec_ctx *c = h_signer("alice", "sign-part", "token-str", "key-id", "issuer-serial", NULL);
    wssec_msg *m = h_parse(c, body_xml);
    h_secure_refused(m, sign_actions, 2, WSSEC_ECONFIG, "needs key-id bst");
    wssec_msg_free(m);
    wssec_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bst_token),
        cmocka_unit_test(test_issuer_serial),
        cmocka_unit_test(test_digest_of_another),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_other_token),
        cmocka_unit_test(test_written),
        cmocka_unit_test(test_written_tampered),
        cmocka_unit_test(test_written_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
