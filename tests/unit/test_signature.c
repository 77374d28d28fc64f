/*
 * XML Signature: round trips for every key reference type and algorithm,
 * what the result records, and the hostile corpus: signature wrapping
 * (McIntosh & Austel 2005; Somorovsky et al. 2011, 2012; ATTACKS.md §1),
 * ID confusion (§2), coverage and structure (§3), transform and reference
 * abuse (§4), key resolution (§5), algorithms (§6), certificates (§9) and
 * replay (§11) — each asserting the exact code and fault.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/c14n.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "helpers.h"
#include "pkigen.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"

static const char *const sign_actions[] = { "timestamp", "signature" };

/* A payment request (the Body keeps the wsu:Id it has), secured with ctx. */
static char *sign_with(wssec_ctx *ctx, int soap)
{
    char *xml = h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\"><soap:Header/>"
                       "<soap:Body wsu:Id=\"body\"><m:Pay xmlns:m=\"urn:example:bank\">"
                       "<m:To>bob</m:To><m:Amount>10</m:Amount></m:Pay></soap:Body>"
                       "</soap:Envelope>",
                       soap == 12 ? WSSEC_NS_SOAP12 : WSSEC_NS_SOAP11, H_NS_WSU);
    char *out = h_secure(ctx, xml, sign_actions, 2, NULL);
    free(xml);
    /* the Body's own wsu:Id is used, never a second one */
    assert_null(strstr(out, "wsu:Id=\"Body-"));
    return out;
}

/* ---- DOM h_surgery on a serialized message ---- */

static xmlNodePtr evil_body(xmlDocPtr doc)
{
    xmlNodePtr b = h_elem(doc, WSSEC_NS_SOAP11, "soap", "Body");
    xmlNodePtr pay = xmlNewChild(b, NULL, BAD_CAST "Pay", NULL);
    xmlSetNs(pay, xmlNewNs(pay, BAD_CAST "urn:example:bank", BAD_CAST "m"));
    xmlNewChild(pay, pay->ns, BAD_CAST "To", BAD_CAST "mallory");
    xmlNewChild(pay, pay->ns, BAD_CAST "Amount", BAD_CAST "1000000");
    return b;
}

/* 1.1: the signed Body moved into an unknown header, an evil Body in its place */
static void s_body_to_header(xmlDocPtr doc)
{
    h_wrap(h_xp(doc, "//soap:Header"), "Wrapper", h_xp(doc, "/soap:Envelope/soap:Body"));
    xmlAddChild(xmlDocGetRootElement(doc), evil_body(doc));
}

/* 1.2: the signed Body in a wrapper inside the Security header */
static void s_body_to_security(xmlDocPtr doc)
{
    h_wrap(h_xp(doc, "//wsse:Security"), "Wrapper", h_xp(doc, "/soap:Envelope/soap:Body"));
    xmlAddChild(xmlDocGetRootElement(doc), evil_body(doc));
}

/* 1.3: the signed Body inside ds:Signature/ds:Object */
static void s_body_to_object(xmlDocPtr doc)
{
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body"), sig = h_xp(doc, "//ds:Signature");
    xmlUnlinkNode(body);
    xmlNodePtr o = xmlNewChild(sig, sig->ns, BAD_CAST "Object", NULL);
    xmlAddChild(o, body);
    xmlAddChild(xmlDocGetRootElement(doc), evil_body(doc));
}

/* 1.4: the signed Body in an optional header for another actor */
static void s_body_to_optional(xmlDocPtr doc)
{
    xmlNodePtr hdr = h_xp(doc, "//soap:Header");
    xmlNsPtr soap = xmlSearchNsByHref(doc, hdr, BAD_CAST WSSEC_NS_SOAP11);
    xmlNodePtr w = h_wrap(hdr, "Optional", h_xp(doc, "/soap:Envelope/soap:Body"));
    xmlSetNsProp(w, soap, BAD_CAST "mustUnderstand", BAD_CAST "0");
    xmlSetNsProp(w, soap, BAD_CAST "actor", BAD_CAST "urn:nobody");
    xmlAddChild(xmlDocGetRootElement(doc), evil_body(doc));
}

/* 1.5: an evil Body first, the signed one after it (two Bodies) */
static void s_two_bodies(xmlDocPtr doc)
{
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body");
    xmlAddPrevSibling(body, evil_body(doc));
}

/* 1.5b: the signed Body in a trailer element after an evil Body */
static void s_trailer(xmlDocPtr doc)
{
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body");
    xmlUnlinkNode(body);
    xmlAddChild(xmlDocGetRootElement(doc), evil_body(doc));
    h_wrap(xmlDocGetRootElement(doc), "Trailer", body);
}

/* 1.7: nested: the evil Body holds a wrapper holding the signed Body */
static void s_nested(xmlDocPtr doc)
{
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body");
    xmlUnlinkNode(body);
    xmlNodePtr evil = evil_body(doc);
    xmlAddChild(xmlDocGetRootElement(doc), evil);
    h_wrap(evil, "Wrapper", body);
}

/* 1.8: outside the envelope: a foreign document element holds it all */
static void s_outside(xmlDocPtr doc)
{
    xmlNodePtr env = xmlDocGetRootElement(doc);
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body");
    xmlUnlinkNode(body);
    xmlAddChild(env, evil_body(doc));
    xmlNodePtr root = h_elem(doc, "urn:attacker", "w", "Root");
    xmlUnlinkNode(env);
    xmlDocSetRootElement(doc, root);
    xmlAddChild(root, env);
    xmlNodePtr stash = xmlNewChild(root, root->ns, BAD_CAST "Stash", NULL);
    xmlAddChild(stash, body);
}

/* 1.9: the signed (old) Timestamp moved to a wrapper, a fresh unsigned one in its place */
static void s_timestamp_wrap(xmlDocPtr doc)
{
    xmlNodePtr ts = h_xp(doc, "//wsse:Security/wsu:Timestamp"), hdr = h_xp(doc, "//soap:Header");
    xmlNodePtr fresh = xmlCopyNode(ts, 1);
    xmlUnsetNsProp(fresh, xmlSearchNsByHref(doc, ts, BAD_CAST WSSEC_NS_WSU), BAD_CAST "Id");
    xmlAddPrevSibling(ts, fresh);
    h_wrap(hdr, "Wrapper", ts);
}

/* 2.1: a second element with the Body's wsu:Id */
static void s_duplicate_id(xmlDocPtr doc)
{
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body"), hdr = h_xp(doc, "//soap:Header");
    xmlNsPtr wsu = xmlSearchNsByHref(doc, hdr, BAD_CAST WSSEC_NS_WSU);
    xmlChar *id = xmlGetNsProp(body, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
    xmlNodePtr w = h_elem(doc, "urn:attacker", "w", "Copy");
    if (!wsu) wsu = xmlNewNs(w, BAD_CAST WSSEC_NS_WSU, BAD_CAST "wsu");
    xmlSetNsProp(w, wsu, BAD_CAST "Id", id);
    xmlAddChild(hdr, w);
    xmlFree(id);
}

/* 2.5: the Body's ID moved to a look-alike namespace (wsu of 2002/07) */
static void s_foreign_id(xmlDocPtr doc)
{
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body");
    xmlChar *id = xmlGetNsProp(body, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
    xmlUnsetNsProp(body, xmlSearchNsByHref(doc, body, BAD_CAST WSSEC_NS_WSU), BAD_CAST "Id");
    xmlNsPtr old = xmlNewNs(body, BAD_CAST "http://schemas.xmlsoap.org/ws/2002/07/utility",
                            BAD_CAST "u02");
    xmlSetNsProp(body, old, BAD_CAST "Id", id);
    xmlFree(id);
}

/* 3.4: the Body changed */
static void s_tamper_body(xmlDocPtr doc)
{
    xmlNodeSetContent(h_xp(doc, "//m:Amount"), BAD_CAST "1000000");
}

/* 3.4: SignedInfo changed (an attribute added) */
static void s_tamper_signed_info(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//ds:SignedInfo"), BAD_CAST "Id", BAD_CAST "si-1");
}

static void s_tamper_value(xmlDocPtr doc)
{
    xmlNodePtr v = h_xp(doc, "//ds:SignatureValue");
    xmlChar *t = xmlNodeGetContent(v);
    t[0] = t[0] == 'A' ? 'B' : 'A';
    xmlNodeSetContent(v, t);
    xmlFree(t);
}

/* 5.2/11: the token claims bob's certificate; alice's key signed */
static void s_other_token(xmlDocPtr doc)
{
    FILE *f = fopen(PKI "bob.crt", "r");
    assert_non_null(f);
    char pem[4096];
    size_t n = fread(pem, 1, sizeof(pem) - 1, f);
    fclose(f);
    pem[n] = '\0';
    char *b = strstr(pem, "-----\n") + 6, *e = strstr(b, "-----END");
    *e = '\0';
    xmlNodeSetContent(h_xp(doc, "//wsse:BinarySecurityToken"), BAD_CAST b);
}

static void s_remove_bst(xmlDocPtr doc)
{
    h_remove(h_xp(doc, "//wsse:BinarySecurityToken"));
}

/* 5.7: the token after the signature that uses it (zeep's order): the ID
 * is unique, so the reference is unambiguous; accepted */
static void s_bst_after(xmlDocPtr doc)
{
    h_move(doc, "//wsse:BinarySecurityToken", "//ds:Signature", H_AFTER);
}

/* 5.6: the token in another header block, not in our Security header */
static void s_bst_elsewhere(xmlDocPtr doc)
{
    h_wrap(h_xp(doc, "//soap:Header"), "Tokens", h_xp(doc, "//wsse:BinarySecurityToken"));
}

/* zeep's Signature: X509Data with an empty X509IssuerSerial (and the certificate) */
static void s_empty_issuer_serial(xmlDocPtr doc)
{
    xmlNodePtr str = h_xp(doc, "//wsse:SecurityTokenReference");
    h_remove(wssec_xml_first_elem(str));
    xmlNodePtr xd = xmlNewChild(str, NULL, BAD_CAST "X509Data", NULL);
    xmlSetNs(xd, xmlNewNs(xd, BAD_CAST NS_DS, BAD_CAST "ds"));
    xmlNewChild(xd, xd->ns, BAD_CAST "X509IssuerSerial", NULL);
    xmlChar *cert = xmlNodeGetContent(h_xp(doc, "//wsse:BinarySecurityToken"));
    xmlNewChild(xd, xd->ns, BAD_CAST "X509Certificate", cert);
    xmlFree(cert);
}

static void set_alg(xmlDocPtr doc, const char *expr, const char *uri)
{
    xmlSetProp(h_xp(doc, expr), BAD_CAST "Algorithm", BAD_CAST uri);
}

static void s_hmac(xmlDocPtr doc)
{
    set_alg(doc, "//ds:SignatureMethod", "http://www.w3.org/2000/09/xmldsig#hmac-sha1");
}

static void s_hmac_length(xmlDocPtr doc)
{
    xmlNodePtr m = h_xp(doc, "//ds:SignatureMethod");
    xmlNewChild(m, m->ns, BAD_CAST "HMACOutputLength", BAD_CAST "8");
}

static void s_md5(xmlDocPtr doc)
{
    set_alg(doc, "//ds:Reference/ds:DigestMethod", "http://www.w3.org/2001/04/xmldsig-more#md5");
}

static void s_c14n_comments(xmlDocPtr doc)
{
    set_alg(doc, "//ds:CanonicalizationMethod",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments");
}

static void s_xslt(xmlDocPtr doc)
{
    xmlNodePtr ts = h_xp(doc, "//ds:Reference/ds:Transforms");
    xmlNodePtr t = xmlNewChild(ts, ts->ns, BAD_CAST "Transform", NULL);
    xmlSetProp(t, BAD_CAST "Algorithm", BAD_CAST "http://www.w3.org/TR/1999/REC-xslt-19991116");
}

static void s_xpath(xmlDocPtr doc)
{
    xmlNodePtr ts = h_xp(doc, "//ds:Reference/ds:Transforms");
    xmlNodePtr t = xmlNewChild(ts, ts->ns, BAD_CAST "Transform", NULL);
    xmlSetProp(t, BAD_CAST "Algorithm", BAD_CAST "http://www.w3.org/TR/1999/REC-xpath-19991116");
    xmlNewChild(t, ts->ns, BAD_CAST "XPath", BAD_CAST "count(//. | //@* | //namespace::*)");
}

static void s_many_transforms(xmlDocPtr doc)
{
    xmlNodePtr ts = h_xp(doc, "//ds:Reference/ds:Transforms");
    for (int i = 0; i < 4; i++) xmlAddChild(ts, xmlCopyNode(wssec_xml_first_elem(ts), 1));
}

static void s_many_references(xmlDocPtr doc)
{
    xmlNodePtr r = h_xp(doc, "//ds:Reference");
    for (int i = 0; i < 33; i++) {
        xmlNodePtr c = xmlCopyNode(r, 1);
        char uri[32];
        snprintf(uri, sizeof(uri), "#r-%d", i);
        xmlSetProp(c, BAD_CAST "URI", BAD_CAST uri);
        xmlAddNextSibling(r, c);
    }
}

static void s_duplicate_reference(xmlDocPtr doc)
{
    xmlNodePtr r = h_xp(doc, "//ds:Reference");
    xmlAddNextSibling(r, xmlCopyNode(r, 1));
}

static void s_xpointer(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//ds:Reference"), BAD_CAST "URI", BAD_CAST "#xpointer(/)");
}

static void s_external(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//ds:Reference"), BAD_CAST "URI", BAD_CAST "http://attacker.invalid/x");
}

static void s_empty_uri(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//ds:Reference"), BAD_CAST "URI", BAD_CAST "");
}

static void s_manifest(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//ds:Reference"), BAD_CAST "Type",
               BAD_CAST "http://www.w3.org/2000/09/xmldsig#Manifest");
}

static void s_key_value(xmlDocPtr doc)
{
    xmlNodePtr ki = h_xp(doc, "//ds:KeyInfo");
    h_remove(wssec_xml_first_elem(ki));
    xmlNewChild(ki, ki->ns, BAD_CAST "KeyName", BAD_CAST "alice");
}

static void s_external_token(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//wsse:SecurityTokenReference/wsse:Reference"), BAD_CAST "URI",
               BAD_CAST "http://attacker.invalid/cert");
}

/* 3.8: a comment inside signed text: exclusive C14N drops it, so the
 * signature holds; the value read is the whole text */
static void s_comment(xmlDocPtr doc)
{
    xmlNodePtr to = h_xp(doc, "//m:To");
    xmlNodeSetContent(to, BAD_CAST "b");
    xmlAddChild(to, xmlNewComment(BAD_CAST "x"));
    xmlAddChild(to, xmlNewText(BAD_CAST "ob"));
}

static const struct hostile {
    const char *name;
    h_surgery fn;
    int code;
    const char *fault;
    const char *needle;
} hostile[] = {
    { "1.1 Body moved to a header", s_body_to_header, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
      "the SOAP Body (/Envelope/Body) is not covered" },
    { "1.2 Body moved into the Security header", s_body_to_security, WSSEC_EUNSUPPORTED,
      "wsse:UnsupportedSecurityToken", "{urn:attacker}Wrapper in the Security header" },
    { "1.3 Body moved into ds:Object", s_body_to_object, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "ds:Object" },
    { "1.4 Body in an optional header for another actor", s_body_to_optional, WSSEC_EUNSIGNED,
      "wsse:InvalidSecurity", "the SOAP Body" },
    { "1.5 two Bodies", s_two_bodies, WSSEC_EPARSE, "soap:Client", "two SOAP Bodies" },
    { "1.5 Body in a trailer", s_trailer, WSSEC_EPARSE, "soap:Client",
      "{urn:attacker}Trailer is not allowed" },
    { "1.7 nested Body", s_nested, WSSEC_EUNSIGNED, "wsse:InvalidSecurity", "the SOAP Body" },
    { "1.8 outside the envelope", s_outside, WSSEC_EPARSE, "soap:Client",
      "is not a SOAP 1.1 or 1.2 Envelope" },
    { "1.9 Timestamp wrapping", s_timestamp_wrap, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
      "the Timestamp (/Envelope/Header/Security/Timestamp) is not covered" },
    { "2.1 duplicate wsu:Id", s_duplicate_id, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "duplicate ID" },
    { "2.5 ID in a look-alike namespace", s_foreign_id, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "names no element with a wsu:Id" },
    { "3.4 Body changed", s_tamper_body, WSSEC_EDIGEST, "wsse:FailedCheck",
      "(/Envelope/Body) does not match" },
    { "3.4 SignedInfo changed", s_tamper_signed_info, WSSEC_ESIGNATURE, "wsse:FailedCheck",
      "SignatureValue does not verify with the key of 'CN=alice" },
    { "3.4 SignatureValue changed", s_tamper_value, WSSEC_ESIGNATURE, "wsse:FailedCheck",
      "SignatureValue does not verify" },
    { "3.5 Reference to a Manifest", s_manifest, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "ds:Manifest" },
    { "3.7 C14N with comments", s_c14n_comments, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
      "canonicalization" },
    { "4.1 XPath transform", s_xpath, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
      "REC-xpath-19991116' in Reference" },
    { "4.2 XSLT transform", s_xslt, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
      "REC-xslt-19991116' in Reference" },
    { "4.3 too many references", s_many_references, WSSEC_ELIMIT, "wsse:InvalidSecurity",
      "more than max-references 32" },
    { "4.3 duplicate reference", s_duplicate_reference, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "two References to #" },
    { "4.4 too many transforms", s_many_transforms, WSSEC_ELIMIT, "wsse:InvalidSecurity",
      "max-transforms 4" },
    { "4.5 external reference", s_external, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "only same-document references" },
    { "4.7 XPointer reference", s_xpointer, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "'#xpointer(/)' is refused" },
    { "4.7 empty reference URI", s_empty_uri, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
      "Reference URI '' is refused" },
    { "5.1 KeyName instead of a token", s_key_value, WSSEC_EUNAVAILABLE,
      "wsse:SecurityTokenUnavailable", "KeyInfo child KeyName is not supported" },
    { "5.2 token of another signer", s_other_token, WSSEC_ESIGNATURE, "wsse:FailedCheck",
      "with the key of 'CN=bob" },
    { "5.4 token missing", s_remove_bst, WSSEC_EUNAVAILABLE, "wsse:SecurityTokenUnavailable",
      "is not in the message" },
    { "5.5 token by external URI", s_external_token, WSSEC_EUNAVAILABLE,
      "wsse:SecurityTokenUnavailable", "nothing is fetched" },
    { "5.6 token outside our Security header", s_bst_elsewhere, WSSEC_EUNAVAILABLE,
      "wsse:SecurityTokenUnavailable", "is not a token of our Security header" },
    { "5.3 empty X509IssuerSerial", s_empty_issuer_serial, WSSEC_EUNAVAILABLE,
      "wsse:SecurityTokenUnavailable", "empty X509IssuerSerial" },
    { "6.1 HMAC", s_hmac, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm", "hmac-sha1" },
    { "6.1 HMACOutputLength", s_hmac_length, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
      "HMACOutputLength" },
    { "6.2 MD5 digest", s_md5, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm", "md5" },
};

/* Each row's surgery on signed_xml, verified by in: the row's code, fault and needle. */
static void run_hostile(const wssec_ctx *in, const char *signed_xml, const struct hostile *rows,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *xml = h_operate(signed_xml, rows[i].fn, 1);
        h_run r;
        int rc = h_verify(&r, in, xml);
        if (rc != rows[i].code || !strstr(h_run_err(&r)->message, rows[i].needle))
            print_error("case '%s': %s %s\n", rows[i].name, wssec_code_name(rc),
                        h_run_err(&r)->message);
        assert_int_equal(rc, rows[i].code);
        h_assert_error(h_run_err(&r), rows[i].code, rows[i].fault, rows[i].needle);
        h_run_free(&r);
        free(xml);
    }
}

static void test_hostile(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL);
    wssec_ctx *in = h_receiver(NULL);
    char *signed_xml = sign_with(out, 11);
    run_hostile(in, signed_xml, hostile, WSSEC_ARRAY_LEN(hostile));
    /* the untouched message is accepted (and only then recorded for replay) */
    h_expect(in, signed_xml, 0, NULL, NULL);
    free(signed_xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* A second Signature element added inside the signed Envelope. */
static void s_extra_signature(xmlDocPtr doc)
{
    xmlNodePtr sig = h_xp(doc, "//ds:Signature");
    xmlAddNextSibling(sig, xmlCopyNode(sig, 1));
}

/* Enveloped signatures (WebSphere signs the Envelope, the Header or the
 * Security header): the part that holds the signature gets the
 * enveloped-signature transform, then exclusive C14N; the covered node is
 * the very part, and every node inside it counts as signed. Any change
 * inside it breaks the digest: the Body's text, another signature added. */
static void test_enveloped(void **state)
{
    (void)state;
    static const char *const parts[] = { "/soap:Envelope", "/soap:Envelope/soap:Header",
                                         "//wsse:Security" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(parts); i++) {
        wssec_ctx *out = h_signer("alice", "sign-part", "body", "sign-part", parts[i], NULL);
        wssec_ctx *in = h_receiver(NULL);
        char *xml = sign_with(out, 11);
        assert_non_null(strstr(xml, "Algorithm=\"http://www.w3.org/2000/09/xmldsig#"
                                    "enveloped-signature\""));
        h_run r;
        int rc = h_verify(&r, in, xml);
        if (rc) print_error("%s: %s\n", parts[i], h_run_err(&r)->message);
        assert_int_equal(rc, 0);
        xmlDocPtr doc = wssec_msg_doc(r.msg);
        xmlXPathContextPtr xc = xmlXPathNewContext(doc);
        xmlXPathRegisterNs(xc, BAD_CAST "soap", BAD_CAST WSSEC_NS_SOAP11);
        xmlXPathRegisterNs(xc, BAD_CAST "wsse", BAD_CAST WSSEC_NS_WSSE);
        xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST parts[i], xc);
        assert_true(o && o->nodesetval && o->nodesetval->nodeNr == 1);
        xmlNodePtr part = o->nodesetval->nodeTab[0];
        assert_int_equal(wssec_result_is_signed(r.res, part), 1);
        /* what the part holds is signed with it: the Timestamp of the header */
        if (i > 0)
            assert_int_equal(wssec_result_is_signed(r.res, h_xp(doc, "//wsu:Timestamp")), 1);
        xmlXPathFreeObject(o);
        xmlXPathFreeContext(xc);
        h_run_free(&r);
        if (i == 0) {
            char *bad = h_operate(xml, s_tamper_body, 1); /* the Body's reference is first */
            h_expect(in, bad, WSSEC_EDIGEST, "wsse:FailedCheck", "(/Envelope/Body) does not match");
            free(bad);
            bad = h_operate(xml, s_extra_signature, 1);
            h_expect(in, bad, WSSEC_EDIGEST, "wsse:FailedCheck", "(/Envelope) does not match");
            free(bad);
        }
        free(xml);
        wssec_ctx_free(out);
        wssec_ctx_free(in);
    }
}

/* A token after the signature that uses it, as zeep writes it: accepted, and
 * processed once. */
static void test_token_after_signature(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL), *in = h_receiver(NULL);
    char *signed_xml = sign_with(out, 11);
    char *xml = h_operate(signed_xml, s_bst_after, 1);
    h_run r;
    int rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    size_t tokens = 0;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++)
        tokens += !strcmp(wssec_token_type(wssec_result_token(r.res, i)), "x509-token");
    assert_int_equal(tokens, 1);
    h_run_free(&r);
    free(xml);
    free(signed_xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* 3.8: a comment splitting signed text keeps the signature valid; the
 * application reads the whole text, which is what was signed. */
static void test_comment_in_signed_text(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL), *in = h_receiver(NULL);
    char *signed_xml = sign_with(out, 11);
    char *xml = h_operate(signed_xml, s_comment, 1);
    h_run r;
    int rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    xmlNodePtr body = wssec_msg_body(r.msg);
    xmlChar *text = xmlNodeGetContent(body);
    h_assert_contains((char *)text, "bob");
    xmlFree(text);
    h_run_free(&r);
    free(xml);
    free(signed_xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* The SignatureValue's text in a secured message (malloc'd). */
static char *signature_value_text(const char *xml)
{
    const char *a = strstr(xml, "<ds:SignatureValue>"),
               *b = a ? strstr(a, "</ds:SignatureValue>") : NULL;
    assert_non_null(b);
    a += strlen("<ds:SignatureValue>");
    return h_strf("%.*s", (int)(b - a), a);
}

/* Which signer made the signature: the common shape (exclusive C14N, "#id"
 * parts, SHA-2, RSA or ECDSA) is signed directly, its SignatureValue one
 * base64 line of the key's size (RSA-2048: 256 bytes; ECDSA P-256: r||s,
 * 64 bytes); SHA-1 still goes through xmlsec, which folds the value at 64
 * columns. Each verifies, and the References are the same elements. */
static void test_direct_and_xmlsec_signers(void **state)
{
    (void)state;
    static const struct {
        const char *who, *alg, *digest;
        size_t b64len; /* 0: folded by xmlsec */
    } cases[] = {
        { "alice", "rsa-sha256", "sha256", 344 },
        { "ec", "ecdsa-sha256", "sha256", 88 },
        { "alice", "rsa-sha1", "sha1", 0 },
        { "alice", "rsa-sha256", "sha1", 0 },
    };
    wssec_ctx *in =
        h_receiver("certs", PKI "alice.crt", "certs", PKI "ec.crt", "allow-sha1", "true", NULL);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        wssec_ctx *out =
            h_signer(cases[i].who, "sign-alg", cases[i].alg, "digest-alg", cases[i].digest, NULL);
        char *xml = sign_with(out, 11);
        char *sv = signature_value_text(xml);
        if (cases[i].b64len) {
            assert_null(strchr(sv, '\n'));
            assert_int_equal(strlen(sv), cases[i].b64len);
        } else {
            assert_non_null(strchr(sv, '\n'));
        }
        h_assert_contains(xml,
                          "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>");
        h_assert_contains(xml, "<ds:Reference URI=\"#body\">");
        h_run r;
        assert_int_equal(h_verify(&r, in, xml), 0);
        assert_int_equal(wssec_result_signed_count(r.res), 2);
        h_run_free(&r);
        free(sv);
        free(xml);
        wssec_ctx_free(out);
    }
    wssec_ctx_free(in);
}

/* Every key reference type with every signature algorithm, both SOAP versions. */
static void test_round_trips(void **state)
{
    (void)state;
    static const char *const ids[] = { "bst", "issuer-serial", "ski", "thumbprint", "x509" };
    static const struct {
        const char *who, *alg, *digest;
    } algs[] = {
        { "alice", "rsa-sha256", "sha256" }, { "alice", "rsa-sha384", "sha384" },
        { "alice", "rsa-sha512", "sha512" }, { "alice", "rsa-sha1", "sha1" },
        { "ec", "ecdsa-sha256", "sha256" },  { "ec", "ecdsa-sha384", "sha256" },
    };
    /* issuer-serial, SKI and thumbprint name a certificate the receiver knows */
    wssec_ctx *in = h_receiver("certs", PKI "alice.crt", "certs", PKI "ec.crt", "allow-sha1", "true",
                             NULL);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(ids); i++) {
        for (size_t j = 0; j < WSSEC_ARRAY_LEN(algs); j++) {
            for (int soap = 11; soap <= 12; soap++) {
                wssec_ctx *out = h_signer(algs[j].who, "key-id", ids[i], "sign-alg", algs[j].alg,
                                        "digest-alg", algs[j].digest, NULL);
                char *xml = sign_with(out, soap);
                h_run r;
                int rc = h_verify(&r, in, xml);
                if (rc)
                    print_error("%s %s SOAP %d: %s\n", ids[i], algs[j].alg, soap,
                                h_run_err(&r)->message);
                assert_int_equal(rc, 0);
                char want[100];
                snprintf(want, sizeof(want), "CN=%s,OU=Clients,O=wssec test,C=US", algs[j].who);
                assert_string_equal(wssec_result_caller(r.res), want);
                /* what was signed: the very Body and Timestamp nodes */
                assert_true(wssec_result_is_signed(r.res, wssec_msg_body(r.msg)));
                assert_int_equal(wssec_result_signed_count(r.res), 2);
                h_assert_contains(xml, "URI=\"#body\"");
                const wssec_token *sig = NULL;
                for (size_t t = 0; t < wssec_result_token_count(r.res); t++)
                    if (!strcmp(wssec_token_type(wssec_result_token(r.res, t)), "signature"))
                        sig = wssec_result_token(r.res, t);
                assert_non_null(sig);
                assert_string_equal(wssec_token_get(sig, "signature-method"), algs[j].alg);
                assert_string_equal(wssec_token_get(sig, "key-reference"),
                                    !strcmp(ids[i], "x509") ? "x509" : ids[i]);
                xmlNodePtr node;
                const char *digest;
                const wssec_token *by;
                assert_int_equal(wssec_result_signed(&node, NULL, &digest, &by, r.res, 0), 0);
                assert_ptr_equal(node, wssec_msg_body(r.msg));
                assert_string_equal(digest, algs[j].digest);
                assert_ptr_equal(by, sig);
                h_run_free(&r);
                free(xml);
                wssec_ctx_free(out);
            }
        }
    }
    wssec_ctx_free(in);
}

/* PKIPath and PKCS7 tokens carry the intermediate: the receiver needs only the root. */
static void test_chain_tokens(void **state)
{
    (void)state;
    wssec_ctx *in = h_ctx("trust", PKI "root.crt", NULL);
    static const char *const types[] = { "pkipath", "pkcs7" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(types); i++) {
        wssec_ctx *out = h_signer("alice", "bst-type", types[i], "sign-chain", PKI "chain.pem", NULL);
        char *xml = sign_with(out, 11);
        h_assert_contains(xml, !strcmp(types[i], "pkipath") ? "#X509PKIPathv1" : "#PKCS7");
        h_run r;
        int rc = h_verify(&r, in, xml);
        if (rc) print_error("%s: %s\n", types[i], h_run_err(&r)->message);
        assert_int_equal(rc, 0);
        assert_string_equal(wssec_token_get(wssec_result_token(r.res, 1), "chain-certificates"), "1");
        h_run_free(&r);
        free(xml);
        wssec_ctx_free(out);
    }
    /* an X509v3 token alone: the intermediate is missing */
    wssec_ctx *out = h_signer("alice", NULL);
    char *xml = sign_with(out, 11);
    h_expect(in, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
             "has issuer 'CN=wssec Test Issuing CA,O=wssec test,C=US', found neither in the "
             "message nor among the trust anchors");
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* Coverage policy: what the sender chose to sign against what is required. */
static void test_coverage_policy(void **state)
{
    (void)state;
    wssec_ctx *in = h_receiver(NULL);
    static const struct {
        const char *part;
        int code;
        const char *needle;
    } rows[] = {
        { "timestamp", WSSEC_EUNSIGNED, "the SOAP Body (/Envelope/Body) is not covered" },
        { "body", WSSEC_EUNSIGNED, "the Timestamp (/Envelope/Header/Security/Timestamp)" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_ctx *out = h_signer("alice", "sign-part", rows[i].part, NULL);
        char *xml = sign_with(out, 11);
        h_run r;
        assert_int_equal(h_verify(&r, in, xml), rows[i].code);
        h_assert_error(h_run_err(&r), rows[i].code, "wsse:InvalidSecurity", rows[i].needle);
        h_run_free(&r);
        free(xml);
        wssec_ctx_free(out);
    }
    /* signed:XPATH over a part inside the Body, and over one that is not signed */
    wssec_ctx *out = h_signer("alice", NULL);
    char *xml = sign_with(out, 11);
    wssec_ctx *in2 = h_receiver("require", "timestamp,signature,signed:/soap:Envelope/soap:Body/m:Pay/m:To",
                              "namespace", "m=urn:example:bank", NULL);
    h_run r;
    h_expect(in2, xml, 0, NULL, NULL);
    wssec_ctx *in3 = h_receiver("require", "signed://wsse:Security/wsse:BinarySecurityToken", NULL);
    h_expect(in3, xml, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
             "required signed part '//wsse:Security/wsse:BinarySecurityToken'");
    wssec_ctx *in4 = h_receiver("require", "signed-by:^CN=bob,", NULL);
    h_expect(in4, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
             "does not match the required signed-by");
    /* the token and the UsernameToken can be signed too */
    wssec_ctx *out2 = h_signer("alice", "sign-part", "body", "sign-part", "timestamp", "sign-part",
                             "token", NULL);
    char *xml2 = sign_with(out2, 11);
    assert_int_equal(h_verify(&r, in3, xml2), 0);
    assert_int_equal(wssec_result_signed_count(r.res), 3);
    h_run_free(&r);
    free(xml2);
    wssec_ctx_free(out2);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in2);
    wssec_ctx_free(in3);
    wssec_ctx_free(in4);
    wssec_ctx_free(in);
}

/* Algorithms: SHA-1 refused unless allowed; the error says how to allow it. */
static void test_sha1_policy(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", "sign-alg", "rsa-sha1", "digest-alg", "sha256", NULL);
    wssec_ctx *out2 = h_signer("alice", "digest-alg", "sha1", NULL);
    wssec_ctx *in = h_receiver(NULL), *lax = h_receiver("allow-sha1", "true", NULL);
    char *a = sign_with(out, 11), *b = sign_with(out2, 11);
    h_expect(in, a, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
             "signature algorithm rsa-sha1 uses SHA-1, which is refused by default "
             "(--allow-sha1");
    h_expect(in, b, WSSEC_EALGORITHM, "wsse:UnsupportedAlgorithm",
             "digest algorithm sha1 uses SHA-1");
    h_expect(lax, a, 0, NULL, NULL);
    h_expect(lax, b, 0, NULL, NULL);
    free(a);
    free(b);
    wssec_ctx_free(out);
    wssec_ctx_free(out2);
    wssec_ctx_free(in);
    wssec_ctx_free(lax);
}

/* Signers whose certificates fail trust (ATTACKS §9). */
static void test_untrusted_signers(void **state)
{
    (void)state;
    wssec_ctx *in = h_receiver(NULL);
    static const struct {
        const char *who, *needle;
    } rows[] = {
        { "expired", "expired on 2021-01-01T00:00:00Z" },
        { "notyet", "is not valid before 2040-06-01T00:00:00Z" },
        { "selfsigned", "is self-signed and not one of the trust anchors" },
        { "evil-alice", "CN=alice,OU=Clients,O=wssec test,C=US" },
        { "orphan", "has issuer 'CN=wssec Test Other CA,O=wssec test,C=US', found neither" },
        { "wrongku", "has the wrong key usage: signing needs digitalSignature or nonRepudiation" },
        { "caleaf", "is a CA certificate (basicConstraints CA:TRUE)" },
        { "weak", "has an RSA key of 1024 bits, fewer than min-rsa-bits 2048" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_ctx *out = h_signer(rows[i].who, NULL);
        char *xml = sign_with(out, 11);
        h_run r;
        int rc = h_verify(&r, in, xml);
        if (rc != WSSEC_EUNTRUSTED) print_error("%s: %s\n", rows[i].who, h_run_err(&r)->message);
        assert_int_equal(rc, WSSEC_EUNTRUSTED);
        h_assert_error(h_run_err(&r), WSSEC_EUNTRUSTED, "wsse:FailedAuthentication", rows[i].needle);
        h_run_free(&r);
        free(xml);
        wssec_ctx_free(out);
    }
    /* no trust anchors at all */
    wssec_ctx *none = h_ctx(NULL), *out = h_signer("alice", NULL);
    char *xml = sign_with(out, 11);
    h_expect(none, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
             "no trust anchors are configured (--trust FILE)");
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(none);
    wssec_ctx_free(in);
}

/* Signature replay (ATTACKS 11.1): on by default, keyed on the SignatureValue. */
static void test_signature_replay(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL), *in = h_receiver(NULL),
              *off = h_receiver("replay-signatures", "false", NULL);
    char *xml = sign_with(out, 11);
    h_run r;
    h_expect(in, xml, 0, NULL, NULL);
    h_expect(in, xml, WSSEC_EREPLAY, "wsse:InvalidSecurity", "already accepted: a replay");
    for (int i = 0; i < 2; i++) {
        h_expect(off, xml, 0, NULL, NULL);
    }
    /* a rejected message takes no place in the cache */
    wssec_ctx *picky = h_receiver("require", "signed-by:^CN=bob,", NULL);
    char *xml2 = sign_with(out, 11);
    assert_int_equal(h_verify(&r, picky, xml2), WSSEC_EUNTRUSTED);
    h_run_free(&r);
    h_expect(in, xml2, 0, NULL, NULL);
    free(xml);
    free(xml2);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
    wssec_ctx_free(off);
    wssec_ctx_free(picky);
}

/* Generator errors: keys that do not fit, parts that do not exist. */
static void test_generator_errors(void **state)
{
    (void)state;
    char err[600];
    wssec_ctx *ctx = NULL;
    static const char *const mismatch[] = { "sign-key", PKI "bob.key", "sign-cert", PKI "alice.crt",
                                            NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, mismatch, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "the private key does not belong to the certificate 'CN=alice");
    static const char *const half[] = { "sign-key", PKI "alice.key", NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, half, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "needs both sign-key and sign-cert");
    static const char *const badp12[] = { "pkcs12", PKI "alice.p12", "pkcs12-password-env",
                                          "WSSEC_TEST_NO_SUCH_VAR", NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, badp12, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "WSSEC_TEST_NO_SUCH_VAR is not set");
    /* an empty password from the environment is refused, as for Redis (the
     * one rule of wssec_secret_read) */
    assert_int_equal(setenv("WSSEC_TEST_EMPTY_VAR", "", 1), 0);
    static const char *const emptyp12[] = { "pkcs12", PKI "alice.p12", "pkcs12-password-env",
                                            "WSSEC_TEST_EMPTY_VAR", NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, emptyp12, err, sizeof(err)), WSSEC_ECONFIG);
    assert_null(ctx);
    h_assert_contains(err, "pkcs12-password-env: environment variable WSSEC_TEST_EMPTY_VAR is empty");
    unsetenv("WSSEC_TEST_EMPTY_VAR");
    static const char *const badxpath[] = { "sign-part", "//x:nope", NULL };
    assert_int_equal(h_ctx_try(&ctx, 0, badxpath, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "sign-part: '//x:nope' is not an XPath expression");

    wssec_ctx *out = h_signer("alice", "sign-alg", "ecdsa-sha256", NULL);
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *msg = h_parse(out, plain);
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    static const char *const sig_only[] = { "signature" };
    o.actions = sig_only;
    o.n_actions = 1;
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "sign-alg ecdsa-sha256 does not fit");
    wssec_msg_free(msg);
    wssec_ctx_free(out);
    out = h_signer("alice", "sign-part", "username-token", NULL);
    msg = h_parse(out, plain);
    assert_int_equal(wssec_secure(msg, &o), WSSEC_ECONFIG);
    h_assert_error(wssec_msg_error(msg), WSSEC_ECONFIG, "", "sign-part 'username-token'");
    wssec_msg_free(msg);
    wssec_ctx_free(out);
    free(plain);
}

/* The PKCS#12 identity signs like the PEM one. */
static void test_pkcs12(void **state)
{
    (void)state;
    static const char *const pairs[] = { "pkcs12", PKI "alice.p12", "pkcs12-password-file",
                                         PKI "alice.p12.pw", "bst-type", "pkipath", NULL };
    wssec_ctx *out = NULL;
    char err[600];
    int rc = h_ctx_try(&out, 0, pairs, err, sizeof(err));
    if (rc) print_error("%s\n", err);
    assert_int_equal(rc, 0);
    wssec_ctx *in = h_ctx("trust", PKI "root.crt", NULL); /* the chain comes in the token */
    char *xml = sign_with(out, 12);
    h_expect(in, xml, 0, NULL, NULL);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}


/* ===================================================================== */
/* security issue: signature-side defects                                 */
/* ===================================================================== */

/* ECDSA: (r, s) -> (r, n - s) in the raw r||s SignatureValue. */
static void s_ecdsa_flip_s(xmlDocPtr doc)
{
    xmlNodePtr v = h_xp(doc, "//ds:SignatureValue");
    xmlChar *t = xmlNodeGetContent(v);
    unsigned char raw[200];
    size_t k = 0;
    for (size_t i = 0; t[i]; i++)
        if (t[i] != '\n' && t[i] != '\r' && t[i] != ' ' && t[i] != '\t') t[k++] = t[i];
    t[k] = '\0';
    int n = EVP_DecodeBlock(raw, t, (int)k);
    assert_true(n >= 64);
    size_t len = 64; /* P-256: 32-byte halves (EVP_DecodeBlock pads with zeros) */
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL), *ns = BN_new();
    assert_true(g && s && ns && BN_sub(ns, EC_GROUP_get0_order(g), s));
    assert_int_equal(BN_bn2binpad(ns, raw + len / 2, (int)(len / 2)), (int)(len / 2));
    h_set_b64(v, raw, len);
    BN_free(s);
    BN_free(ns);
    EC_GROUP_free(g);
    xmlFree(t);
}

/* The same SignatureValue bytes, base64 with line breaks every 16 characters. */
static void s_rewrap_value(xmlDocPtr doc)
{
    xmlNodePtr v = h_xp(doc, "//ds:SignatureValue");
    xmlChar *t = xmlNodeGetContent(v);
    size_t n = (size_t)xmlStrlen(t), o = 0;
    char *w = malloc(2 * n + 4);
    assert_non_null(w);
    w[o++] = '\n';
    for (size_t i = 0; i < n; i++) {
        w[o++] = (char)t[i];
        if (i % 16 == 15) w[o++] = '\n';
    }
    w[o] = '\0';
    xmlNodeSetContent(v, BAD_CAST w);
    free(w);
    xmlFree(t);
}

/* A second certificate over alice's key with another subject, issued by the
 * same (trusted) intermediate: relabels the signer. */
static int relabel_ous; /* extra 60-character OUs in the relabelled subject */
static const char *relabel_who = "alice"; /* whose key */
static bool relabel_compressed; /* EC: the point in compressed form */

static void s_relabel_signer(xmlDocPtr doc)
{
    char path[300];
    snprintf(path, sizeof(path), PKI "%s.crt", relabel_who);
    X509 *alice = pg_load_cert(path), *inter = pg_load_cert(PKI "inter.crt");
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key");
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 424242);
    EVP_PKEY *pub = EVP_PKEY_dup(X509_get0_pubkey(alice));
    assert_non_null(pub);
    if (relabel_compressed)
        assert_int_equal(EVP_PKEY_set_utf8_string_param(pub, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                                        "compressed"), 1);
    X509_set_pubkey(x, pub);
    EVP_PKEY_free(pub);
    X509_NAME *nm = X509_NAME_new();
    X509_NAME_add_entry_by_txt(nm, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0);
    X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"wssec test", -1, -1, 0);
    X509_NAME_add_entry_by_txt(nm, "OU", MBSTRING_ASC, (const unsigned char *)"Clients", -1, -1, 0);
    for (int i = 0; i < relabel_ous; i++) {
        char ou[61];
        memset(ou, 'a' + i % 26, 60);
        ou[60] = '\0';
        assert_int_equal(X509_NAME_add_entry_by_txt(nm, "OU", MBSTRING_ASC, (const unsigned char *)ou,
                                                    -1, -1, 0), 1);
    }
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"alice-relabelled",
                               -1, -1, 0);
    X509_set_subject_name(x, nm);
    X509_set_issuer_name(x, X509_get_subject_name(inter));
    X509_set1_notBefore(x, X509_get0_notBefore(alice));
    X509_set1_notAfter(x, X509_get0_notAfter(alice));
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, inter, x, NULL, NULL, 0);
    X509_EXTENSION *ku = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, "critical,digitalSignature");
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:FALSE");
    X509_EXTENSION *aki = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier, "keyid");
    assert_true(ku && bc && aki);
    X509_add_ext(x, ku, -1);
    X509_add_ext(x, bc, -1);
    X509_add_ext(x, aki, -1);
    assert_true(X509_sign(x, ikey, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    int dl = i2d_X509(x, &der);
    assert_true(dl > 0);
    h_set_b64(h_xp(doc, "//wsse:BinarySecurityToken"), der, (size_t)dl);
    OPENSSL_free(der);
    X509_EXTENSION_free(ku);
    X509_EXTENSION_free(bc);
    X509_EXTENSION_free(aki);
    X509_NAME_free(nm);
    X509_free(x);
    X509_free(alice);
    X509_free(inter);
    EVP_PKEY_free(ikey);
}

/* Replay detection keyed on what the signer's key fixes (the security
 * issue, "malleable signatures and replay"): ECDSA's (r, n - s), the same
 * SignatureValue in other base64, the same key under another certificate. */
static void test_replay_not_dodged(void **state)
{
    (void)state;
    /* ECDSA (r, s) -> (r, n - s) */
    wssec_ctx *ec = h_signer("ec", "sign-alg", "ecdsa-sha256", NULL);
    wssec_ctx *in = h_receiver(NULL), *fresh = h_receiver(NULL);
    char *xml = sign_with(ec, 11);
    char *flipped = h_operate(xml, s_ecdsa_flip_s, 0);
    assert_string_not_equal(xml, flipped);
    h_run r;
    /* the flipped signature verifies by itself: ECDSA is malleable */
    h_expect(fresh, flipped, 0, NULL, NULL);
    h_expect(in, xml, 0, NULL, NULL);
    h_expect(in, flipped, WSSEC_EREPLAY, "wsse:InvalidSecurity", "already accepted: a replay");

    /* base64 re-wrapped with line breaks */
    wssec_ctx *alice = h_signer("alice", NULL);
    char *xml2 = sign_with(alice, 11);
    char *wrapped = h_operate(xml2, s_rewrap_value, 0);
    assert_string_not_equal(xml2, wrapped);
    h_expect(in, xml2, 0, NULL, NULL);
    h_expect(in, wrapped, WSSEC_EREPLAY, "wsse:InvalidSecurity", "already accepted: a replay");

    /* the same key under a second certificate with another subject */
    char *xml3 = sign_with(alice, 11);
    char *relabelled = h_operate(xml3, s_relabel_signer, 0);
    wssec_ctx *fresh2 = h_receiver(NULL);
    int rc = h_verify(&r, fresh2, relabelled);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0); /* a genuine, trusted certificate */
    assert_string_equal(wssec_result_caller(r.res), "CN=alice-relabelled,OU=Clients,O=wssec test,C=US");
    h_run_free(&r);
    h_expect(in, xml3, 0, NULL, NULL);
    h_expect(in, relabelled, WSSEC_EREPLAY, "wsse:InvalidSecurity", "already accepted: a replay");

    /* an EC key under a second certificate that encodes the point compressed */
    char *xml4 = sign_with(ec, 11);
    relabel_who = "ec";
    relabel_compressed = true;
    char *compressed = h_operate(xml4, s_relabel_signer, 0);
    relabel_who = "alice";
    relabel_compressed = false;
    wssec_ctx *fresh3 = h_receiver(NULL);
    h_expect(fresh3, compressed, 0, NULL, NULL);
    h_expect(in, xml4, 0, NULL, NULL);
    h_expect(in, compressed, WSSEC_EREPLAY, "wsse:InvalidSecurity", "already accepted: a replay");
    wssec_ctx_free(fresh3);
    free(xml4);
    free(compressed);
    free(xml);
    free(flipped);
    free(xml2);
    free(wrapped);
    free(xml3);
    free(relabelled);
    wssec_ctx_free(ec);
    wssec_ctx_free(alice);
    wssec_ctx_free(in);
    wssec_ctx_free(fresh);
    wssec_ctx_free(fresh2);
}

/* A clock the test moves. */
static wssec_time test_clock_now;
static wssec_time test_clock(void *ud)
{
    (void)ud;
    return test_clock_now;
}

/* A signed message without a signed Timestamp stays valid as long as its
 * signer's certificate: its replay entry lives that long, and the result
 * warns about the configuration. */
static void test_replay_without_timestamp(void **state)
{
    (void)state;
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "trust", PKI "root.crt"), 0);
    assert_int_equal(wssec_config_set(cfg, "certs", PKI "inter.crt"), 0);
    assert_int_equal(wssec_config_set(cfg, "require", "signature"), 0);
    wssec_config_set_clock(cfg, test_clock, NULL);
    wssec_ctx *in = NULL;
    assert_int_equal(wssec_ctx_new(&in, cfg), 0);
    wssec_config_free(cfg);

    wssec_ctx *out = h_signer("alice", "sign-part", "body", NULL);
    char *plain = h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\"><soap:Header/>"
                         "<soap:Body wsu:Id=\"body\"><m:Pay xmlns:m=\"urn:example:bank\">"
                         "<m:To>bob</m:To></m:Pay></soap:Body></soap:Envelope>",
                         WSSEC_NS_SOAP11, H_NS_WSU);
    static const char *const only_sig[] = { "signature" };
    char *xml = h_secure(out, plain, only_sig, 1, NULL);
    test_clock_now = H_NOW;
    h_run r;
    int rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_true(h_has_warning(r.res, "requires a signature but no Timestamp"));
    h_run_free(&r);
    /* inspect shows the warning too */
    assert_int_equal(h_inspect(&r, in, xml), 0);
    assert_true(h_has_warning(r.res, "requires a signature but no Timestamp"));
    h_run_free(&r);
    /* a year later, well past max-age + clock-skew: still a replay */
    test_clock_now = H_NOW + 365 * 86400 * H_SEC;
    h_expect(in, xml, WSSEC_EREPLAY, "wsse:InvalidSecurity", "already accepted: a replay");
    free(plain);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* Bad SignatureValue and a changed Body: the SignatureValue is checked
 * first, so no reference is digested for it. */
static void s_tamper_value_and_body(xmlDocPtr doc)
{
    s_tamper_value(doc);
    s_tamper_body(doc);
}

/* Two C14N transforms in one reference (each re-parses its input). */
static void s_two_c14n(xmlDocPtr doc)
{
    xmlNodePtr ts = h_xp(doc, "//ds:Reference/ds:Transforms");
    xmlAddChild(ts, xmlCopyNode(wssec_xml_first_elem(ts), 1));
}

/* enveloped-signature after the C14N transform */
static void s_c14n_then_enveloped(xmlDocPtr doc)
{
    xmlNodePtr ts = h_xp(doc, "//ds:Reference/ds:Transforms");
    xmlNodePtr t = xmlNewChild(ts, ts->ns, BAD_CAST "Transform", NULL);
    xmlSetProp(t, BAD_CAST "Algorithm", BAD_CAST "http://www.w3.org/2000/09/xmldsig#enveloped-signature");
}

/* Five signatures in the Security header (copies without IDs). */
static void s_five_signatures(xmlDocPtr doc)
{
    xmlNodePtr sig = h_xp(doc, "//ds:Signature");
    for (int i = 0; i < 4; i++) {
        xmlNodePtr c = xmlCopyNode(sig, 1);
        for (xmlNodePtr n = c; n;) {
            if (n->type == XML_ELEMENT_NODE) {
                xmlAttrPtr a = n->properties;
                while (a) {
                    xmlAttrPtr next = a->next;
                    if (xmlStrEqual(a->name, BAD_CAST "Id")) xmlRemoveProp(a);
                    a = next;
                }
            }
            if (n->children && n->type == XML_ELEMENT_NODE) {
                n = n->children;
                continue;
            }
            while (n && n != c && !n->next) n = n->parent;
            n = n && n != c ? n->next : NULL;
        }
        xmlAddNextSibling(sig, c);
    }
}

static void test_work_before_authentication(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL);
    wssec_ctx *in = h_receiver(NULL);
    char *signed_xml = sign_with(out, 11);
    static const struct hostile rows[] = {
        { "bad SignatureValue, changed Body", s_tamper_value_and_body, WSSEC_ESIGNATURE,
          "wsse:FailedCheck", "SignatureValue does not verify with the key of 'CN=alice" },
        { "two C14N transforms", s_two_c14n, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
          "Reference #body: a C14N transform must be the last transform" },
        { "enveloped-signature after C14N", s_c14n_then_enveloped, WSSEC_EMALFORMED,
          "wsse:InvalidSecurity", "a C14N transform must be the last transform" },
        { "five signatures", s_five_signatures, WSSEC_ELIMIT, "wsse:InvalidSecurity",
          "5 signatures, more than max-signatures 4" },
    };
    run_hostile(in, signed_xml, rows, WSSEC_ARRAY_LEN(rows));
    /* max-signatures is a setting */
    char *five = h_operate(signed_xml, s_five_signatures, 1);
    wssec_ctx *lax = h_receiver("max-signatures", "5", "replay-signatures", "false", NULL);
    h_expect(lax, five, 0, NULL, NULL);
    free(five);
    free(signed_xml);
    wssec_ctx_free(lax);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* max-c14n-bytes: the bytes canonicalized for one message's signatures
 * are bounded; the C14N stops at the budget. */
static void test_c14n_budget(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL);
    char *big = malloc(60001);
    assert_non_null(big);
    memset(big, 'x', 60000);
    big[60000] = '\0';
    char *plain = h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\"><soap:Header/>"
                         "<soap:Body wsu:Id=\"body\"><m:Pay xmlns:m=\"urn:example:bank\">"
                         "<m:Memo>%s</m:Memo></m:Pay></soap:Body></soap:Envelope>",
                         WSSEC_NS_SOAP11, H_NS_WSU, big);
    char *xml = h_secure(out, plain, sign_actions, 2, NULL);
    wssec_ctx *tight = h_receiver("max-c14n-bytes", "32K", NULL), *in = h_receiver(NULL);
    h_expect(tight, xml, WSSEC_ELIMIT, "wsse:InvalidSecurity",
             "the signatures canonicalize more than max-c14n-bytes 32768 bytes");
    h_expect(in, xml, 0, NULL, NULL);
    free(big);
    free(plain);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(tight);
    wssec_ctx_free(in);
}

/* ---- QName values (xsi:type) inside signed content ---- */

#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

static char *qname_message(void)
{
    return h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\" xmlns:xsi=\"%s\"><soap:Header/>"
                  "<soap:Body wsu:Id=\"body\"><m:Pay xmlns:m=\"urn:example:bank\">"
                  "<m:To>bob</m:To><m:Amount xmlns:t=\"urn:example:types\" "
                  "xsi:type=\"t:Money\">10</m:Amount></m:Pay></soap:Body></soap:Envelope>",
                  WSSEC_NS_SOAP11, H_NS_WSU, NS_XSI);
}

/* The InclusiveNamespaces of a Reference's transforms removed. */
static void drop_prefix_list(xmlNodePtr ref)
{
    for (xmlNodePtr ts = wssec_xml_first_elem(ref); ts; ts = wssec_xml_next_elem(ts))
        for (xmlNodePtr t = wssec_xml_first_elem(ts); t; t = wssec_xml_next_elem(t)) {
            xmlNodePtr in = wssec_xml_first_elem(t);
            if (in && xmlStrEqual(in->name, BAD_CAST "InclusiveNamespaces")) h_remove(in);
        }
}

/* Removes every InclusiveNamespaces from the references, then signs again
 * with alice's key (digests, then SignatureValue, rsa-sha256): what a
 * signer that ignores QName values produces. */
static void s_resign_without_prefix_list(xmlDocPtr doc)
{
    h_redigest(doc, XML_C14N_EXCLUSIVE_1_0, drop_prefix_list);
    h_resign(doc, PKI "alice.key", XML_C14N_EXCLUSIVE_1_0, NULL);
}

/* The signer's identity is its subject's RFC 4514 text; a subject whose
 * text would not fit is refused rather than cut (a cut text could match a
 * subject rule or another signer's identity). */
static void test_long_signer_subject(void **state)
{
    (void)state;
    wssec_ctx *alice = h_signer("alice", NULL), *in = h_receiver(NULL);
    char *xml = sign_with(alice, 11);
    relabel_ous = 11; /* 11 x 64 characters of OU=...: over 600 */
    char *long_dn = h_operate(xml, s_relabel_signer, 0);
    relabel_ous = 0;
    h_expect(in, long_dn, WSSEC_ETOKEN, "wsse:InvalidSecurityToken",
             "the signer's subject is longer than");
    free(long_dn);
    free(xml);
    wssec_ctx_free(alice);
    wssec_ctx_free(in);
}

static void test_qname_prefixes(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL), *in = h_receiver(NULL);
    char *plain = qname_message();
    char *xml = h_secure(out, plain, sign_actions, 2, NULL);
    /* outbound: the prefix declared inside the Body and used only in
     * xsi:type goes in the Body reference's PrefixList */
    h_assert_contains(xml, "PrefixList=\"t\"");
    h_expect(in, xml, 0, NULL, NULL);
    /* inbound: the same content signed without the PrefixList: t can be
     * rebound after signing, so it is refused */
    char *bare = h_operate(xml, s_resign_without_prefix_list, 0);
    assert_null(strstr(bare, "PrefixList=\"t\""));
    wssec_ctx *in2 = h_receiver(NULL);
    h_expect(in2, bare, WSSEC_EPOLICY, "wsse:InvalidSecurity",
             "xsi:type 't:Money' uses prefix 't', whose declaration the signature of "
             "Reference #body does not cover");
    free(bare);
    free(xml);
    free(plain);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
    wssec_ctx_free(in2);
}

/* ---- the Basic Security Profile: inclusive C14N (R5404, R5412) ---- */

#define URI_INC_C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"

/* Makes a C14N element (CanonicalizationMethod or Transform) inclusive. */
static void make_inclusive(xmlNodePtr e)
{
    xmlNodePtr c = e->children;
    while (c) {
        xmlNodePtr next = c->next;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
        c = next;
    }
    xmlSetProp(e, BAD_CAST "Algorithm", BAD_CAST URI_INC_C14N);
}

static int inc_si, inc_refs;

/* A reference's exclusive C14N transform made inclusive. */
static void refs_inclusive(xmlNodePtr ref)
{
    for (xmlNodePtr n = wssec_xml_first_elem(ref); n; n = wssec_xml_next_elem(n)) {
        if (!xmlStrEqual(n->name, BAD_CAST "Transforms")) continue;
        for (xmlNodePtr t = wssec_xml_first_elem(n); t; t = wssec_xml_next_elem(t)) {
            xmlChar *a = xmlGetProp(t, BAD_CAST "Algorithm");
            if (xmlStrEqual(a, BAD_CAST WSSEC_URI_EXC_C14N)) make_inclusive(t);
            xmlFree(a);
        }
    }
}

/* Signs again with alice's key (rsa-sha256, sha256) after making the
 * SignedInfo (inc_si) and/or every reference's C14N (inc_refs) inclusive:
 * what an old peer that canonicalizes inclusively sends, validly signed. */
static void s_resign_inclusive(xmlDocPtr doc)
{
    if (inc_refs) h_redigest(doc, XML_C14N_1_0, refs_inclusive);
    xmlNodePtr cm = h_xp(doc, "//ds:SignedInfo/ds:CanonicalizationMethod");
    xmlChar *prefixes[16] = { NULL }, *list = NULL;
    if (inc_si) {
        make_inclusive(cm);
    } else if (wssec_xml_first_elem(cm)) {
        list = xmlGetProp(wssec_xml_first_elem(cm), BAD_CAST "PrefixList");
        size_t n = 0;
        for (char *p = (char *)list; p && *p && n < 15;) {
            while (*p == ' ') *p++ = '\0';
            if (!*p) break;
            prefixes[n++] = BAD_CAST p;
            while (*p && *p != ' ') p++;
        }
    }
    h_resign(doc, PKI "alice.key", inc_si ? XML_C14N_1_0 : XML_C14N_EXCLUSIVE_1_0, prefixes);
    xmlFree(list);
}

/* A row of the Basic Security Profile tests: a message, the rule relaxed
 * (NULL: none), the code, and the error or (accepted) the warning. */
typedef struct bsp_row {
    const char *name, *relax;
    char *xml;
    int code;
    const char *needle; /* the error, or the warning when accepted */
} bsp_row;

/* Each row verified by a receiver (knowing certs too, when not NULL) that
 * relaxes the row's rule: refused with the code, fault and needle (and no
 * caller, when no_caller), or accepted from alice with the warning. */
static void run_bsp_rows(const bsp_row *rows, size_t n, const char *fault, const char *certs,
                         bool no_caller)
{
    for (size_t i = 0; i < n; i++) {
        const char *relax = rows[i].relax;
        wssec_ctx *in = certs ? (relax ? h_receiver("certs", certs, "bsp-relax", relax, NULL)
                                       : h_receiver("certs", certs, NULL))
                              : (relax ? h_receiver("bsp-relax", relax, NULL) : h_receiver(NULL));
        h_run r;
        int rc = h_verify(&r, in, rows[i].xml);
        if (rc != rows[i].code)
            print_error("row '%s': %s %s\n", rows[i].name, wssec_code_name(rc),
                        h_run_err(&r)->message);
        assert_int_equal(rc, rows[i].code);
        if (rc) {
            h_assert_error(h_run_err(&r), rc, fault, rows[i].needle);
            if (no_caller) assert_null(wssec_result_caller(r.res));
        } else {
            h_assert_contains(wssec_result_caller(r.res), "CN=alice");
            if (rows[i].needle) assert_true(h_has_warning(r.res, rows[i].needle));
        }
        h_run_free(&r);
        wssec_ctx_free(in);
    }
}

/* Inclusive C14N, in SignedInfo (R5404) or a reference (R5412): refused by
 * default with the rule named, before any cryptography; accepted when the
 * rule is relaxed by name (its number or inclusive-c14n), and only that
 * rule. A message signed exclusively (the control) passes either way. */
static void test_bsp_inclusive_c14n(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL);
    char *xml = sign_with(out, 11);
    inc_si = 0, inc_refs = 0;
    char *control = h_operate(xml, s_resign_inclusive, 0);
    inc_si = 1, inc_refs = 0;
    char *si = h_operate(xml, s_resign_inclusive, 0);
    inc_si = 0, inc_refs = 1;
    char *refs = h_operate(xml, s_resign_inclusive, 0);
    inc_si = 1, inc_refs = 1;
    char *both = h_operate(xml, s_resign_inclusive, 0);
    h_assert_contains(si, URI_INC_C14N);
    h_assert_contains(refs, URI_INC_C14N);
    const bsp_row rows[] = {
        { "control", NULL, control, 0, NULL },
        { "SignedInfo", NULL, si, WSSEC_EALGORITHM,
          "SignedInfo canonicalization is inclusive C14N: only exclusive C14N is accepted (BSP "
          "R5404" },
        { "SignedInfo, other rule relaxed", "R5412", si, WSSEC_EALGORITHM, "(BSP R5404" },
        { "SignedInfo relaxed", "R5404", si, 0, "BSP R5404 relaxed" },
        { "SignedInfo relaxed by alias", "inclusive-c14n", si, 0, "BSP R5404 relaxed" },
        { "reference", NULL, refs, WSSEC_EALGORITHM,
          "is canonicalized with inclusive C14N: its last transform must be exclusive C14N (BSP "
          "R5412" },
        { "reference, other rule relaxed", "R5404", refs, WSSEC_EALGORITHM, "(BSP R5412" },
        { "reference relaxed", "R5412", refs, 0, "BSP R5412 relaxed" },
        { "both relaxed by alias", "inclusive-c14n", both, 0, "BSP R5412 relaxed" },
    };
    run_bsp_rows(rows, WSSEC_ARRAY_LEN(rows), "wsse:UnsupportedAlgorithm", NULL, false);
    free(control);
    free(si);
    free(refs);
    free(both);
    free(xml);
    wssec_ctx_free(out);
}

/* ---- the Basic Security Profile: the signature's KeyInfo (R5417) ---- */

/* The SecurityTokenReference replaced by the ds:X509Data it holds (the
 * KeyInfo is not signed: the signature still verifies) */
static void s_bare_x509data(xmlDocPtr doc)
{
    h_unwrap(doc, "//ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference");
}

/* A signature's KeyInfo holding a bare ds:X509Data: refused by default
 * (BSP R5417); accepted when R5417 (or keyinfo-x509data) is relaxed by
 * name, the certificate still trust-checked. */
static void test_bsp_keyinfo_x509data(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", "key-id", "issuer-serial", NULL);
    char *xml = sign_with(out, 11);
    char *bare = h_operate(xml, s_bare_x509data, 0);
    h_assert_contains(xml, "SecurityTokenReference");
    assert_null(strstr(bare, "SecurityTokenReference"));
    const bsp_row rows[] = {
        { "control", NULL, xml, 0, NULL },
        { "bare X509Data", NULL, bare, WSSEC_EUNAVAILABLE,
          "KeyInfo holds a ds:X509Data, not a wsse:SecurityTokenReference (BSP R5417; "
          "--bsp-relax R5417 accepts it)" },
        { "bare X509Data, other rule relaxed", "R5426", bare, WSSEC_EUNAVAILABLE, "(BSP R5417" },
        { "bare X509Data relaxed", "R5417", bare, 0, "BSP R5417 relaxed" },
        { "bare X509Data relaxed by alias", "keyinfo-x509data", bare, 0, "BSP R5417 relaxed" },
    };
    run_bsp_rows(rows, WSSEC_ARRAY_LEN(rows), "wsse:SecurityTokenUnavailable", PKI "alice.crt",
                 true);
    free(bare);
    free(xml);
    wssec_ctx_free(out);
}

/* ---- the Basic Security Profile: the BinarySecurityToken's EncodingType (R3029, R3030) ---- */

static void s_bst_no_encoding(xmlDocPtr doc)
{
    xmlUnsetProp(h_xp(doc, "//wsse:BinarySecurityToken"), BAD_CAST "EncodingType");
}

static void s_bst_hex_encoding(xmlDocPtr doc)
{
    xmlSetProp(h_xp(doc, "//wsse:BinarySecurityToken"), BAD_CAST "EncodingType",
               BAD_CAST "urn:hex");
}

/* A BinarySecurityToken without EncodingType: refused by default (BSP
 * R3029); read as base64 when R3029 (bst-without-encoding-type) is relaxed
 * by name. Another EncodingType (R3030) is refused even then. */
static void test_bsp_bst_encoding_type(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL);
    char *xml = sign_with(out, 11);
    char *none = h_operate(xml, s_bst_no_encoding, 0);
    char *hex = h_operate(xml, s_bst_hex_encoding, 0);
    const bsp_row rows[] = {
        { "no EncodingType", NULL, none, WSSEC_ETOKEN,
          "BinarySecurityToken without an EncodingType (BSP R3029; --bsp-relax R3029" },
        { "no EncodingType, other rule relaxed", "R4220", none, WSSEC_ETOKEN, "(BSP R3029" },
        { "no EncodingType relaxed", "R3029", none, 0, "BSP R3029 relaxed" },
        { "no EncodingType relaxed by alias", "bst-without-encoding-type", none, 0,
          "BSP R3029 relaxed" },
        { "hex EncodingType", "R3029", hex, WSSEC_ETOKEN,
          "EncodingType 'urn:hex' is not Base64Binary (BSP R3030)" },
    };
    run_bsp_rows(rows, WSSEC_ARRAY_LEN(rows), "wsse:InvalidSecurityToken", NULL, true);
    free(none);
    free(hex);
    free(xml);
    wssec_ctx_free(out);
}

/* A signed token moved out of the Security header into a header block of its
 * own: its reference still finds it by Id and its digest still matches, but
 * no consumer would see it (found by tests/fuzz/assertion_fuzzer.c). */
static void s_timestamp_out(xmlDocPtr doc)
{
    h_move(doc, "//wsse:Security/wsu:Timestamp", "/soap:Envelope/soap:Header", H_INTO);
}

static void s_username_out(xmlDocPtr doc)
{
    h_move(doc, "//wsse:Security/wsse:UsernameToken", "/soap:Envelope/soap:Header", H_INTO);
}

static void test_signed_token_moved_out(void **state)
{
    (void)state;
    /* a signed Timestamp moved out: it would no longer be checked */
    wssec_ctx *out = h_signer("alice", NULL), *in = h_receiver("require", "signature", NULL);
    char *xml = sign_with(out, 11);
    char *moved = h_operate(xml, s_timestamp_out, 1);
    h_run r;
    int rc = h_verify(&r, in, moved);
    if (rc != WSSEC_EMALFORMED) print_error("%s %s\n", wssec_code_name(rc), h_run_err(&r)->message);
    h_assert_error(h_run_err(&r), WSSEC_EMALFORMED, "wsse:InvalidSecurity",
                   "signed Timestamp #TS-");
    h_assert_contains(h_run_err(&r)->message, "lies outside our Security header "
                                              "(/Envelope/Header/Timestamp)");
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);
    free(moved);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(in);

    /* a signed UsernameToken moved out: the caller would become the signer */
    static const char *const acts[] = { "timestamp", "username-token", "signature" };
    out = h_signer("alice", "sign-part", "body", "sign-part", "timestamp", "sign-part",
                   "username-token", "password-type", "text", NULL);
    in = h_receiver("password-type", "any", NULL);
    char *plain = h_strf("<soap:Envelope xmlns:soap=\"%s\"><soap:Header/><soap:Body>"
                         "<m:Pay xmlns:m=\"urn:example:bank\">10</m:Pay></soap:Body>"
                         "</soap:Envelope>", WSSEC_NS_SOAP11);
    xml = h_secure(out, plain, acts, 3, "alice");
    rc = h_verify(&r, in, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    moved = h_operate(xml, s_username_out, 1);
    rc = h_verify(&r, in, moved);
    if (rc != WSSEC_EMALFORMED) print_error("%s %s\n", wssec_code_name(rc), h_run_err(&r)->message);
    h_assert_error(h_run_err(&r), WSSEC_EMALFORMED, "wsse:InvalidSecurity",
                   "signed UsernameToken #");
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);
    free(moved);
    free(xml);
    free(plain);
    wssec_ctx_free(out);
    wssec_ctx_free(in);
}

/* max-c14n-bytes crossed by a reference small enough that its canonical
 * bytes all reach the counting transform when xmlsec flushes its output
 * buffer at the end: refused all the same (WSSEC_ELIMIT, verify and
 * inspect), and, under ASan, nothing of xmlsec's leaks (a failed flush
 * makes xmlsec 1.2 keep its buffer). */
static void test_c14n_budget_at_close(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", NULL);
    char memo[1501];
    memset(memo, 'x', 1500);
    memo[1500] = '\0';
    char *plain = h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\"><soap:Header/>"
                         "<soap:Body wsu:Id=\"body\"><m:Pay xmlns:m=\"urn:example:bank\">"
                         "<m:Memo>%s</m:Memo></m:Pay></soap:Body></soap:Envelope>",
                         WSSEC_NS_SOAP11, H_NS_WSU, memo);
    char *xml = h_secure(out, plain, sign_actions, 2, NULL);
    wssec_ctx *tight = h_receiver("max-c14n-bytes", "2048", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, tight, xml), WSSEC_ELIMIT);
    h_assert_error(h_run_err(&r), WSSEC_ELIMIT, "wsse:InvalidSecurity",
                   "the signatures canonicalize more than max-c14n-bytes 2048 bytes");
    h_run_free(&r);
    assert_int_equal(h_inspect(&r, tight, xml), 0); /* an inspection: the verdict per token */
    int sig_status = 0;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++) {
        const wssec_token *t = wssec_result_token(r.res, i);
        if (!strcmp(wssec_token_type(t), "signature")) sig_status = wssec_token_status(t);
    }
    assert_int_equal(sig_status, WSSEC_ELIMIT);
    h_run_free(&r);
    free(plain);
    free(xml);
    wssec_ctx_free(out);
    wssec_ctx_free(tight);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_direct_and_xmlsec_signers),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_comment_in_signed_text),
        cmocka_unit_test(test_token_after_signature),
        cmocka_unit_test(test_enveloped),
        cmocka_unit_test(test_chain_tokens),
        cmocka_unit_test(test_coverage_policy),
        cmocka_unit_test(test_sha1_policy),
        cmocka_unit_test(test_untrusted_signers),
        cmocka_unit_test(test_signature_replay),
        cmocka_unit_test(test_generator_errors),
        cmocka_unit_test(test_pkcs12),
        cmocka_unit_test(test_replay_not_dodged),
        cmocka_unit_test(test_replay_without_timestamp),
        cmocka_unit_test(test_work_before_authentication),
        cmocka_unit_test(test_qname_prefixes),
        cmocka_unit_test(test_long_signer_subject),
        cmocka_unit_test(test_c14n_budget),
        cmocka_unit_test(test_bsp_inclusive_c14n),
        cmocka_unit_test(test_bsp_keyinfo_x509data),
        cmocka_unit_test(test_bsp_bst_encoding_type),
        cmocka_unit_test(test_signed_token_moved_out),
        cmocka_unit_test(test_c14n_budget_at_close),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
