/*
 * Key references (src/keyref.c): the signer's certificate found by a BST
 * reference, issuer-serial, SKI, thumbprint or an embedded X509v3
 * KeyIdentifier, and every refusal — the exact code, fault, reason and the
 * node the error names (its path).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "helpers.h"

#define PKI H_PKI
#define ALICE "CN=alice,OU=Clients,O=wssec test,C=US"
#define STR_PATH "/Envelope/Header/Security/Signature/KeyInfo/SecurityTokenReference"

static const char *const sign_actions[] = { "timestamp", "signature" };

/* A message signed by alice, naming her certificate by key_id. */
static char *signed_by_alice(const char *key_id)
{
    wssec_ctx *out = h_signer("alice", "key-id", key_id, NULL);
    char *plain = h_envelope_header(11, NULL);
    char *xml = h_secure(out, plain, sign_actions, 2, NULL);
    free(plain);
    wssec_ctx_free(out);
    return xml;
}

/* The one signature token of a result. */
static const wssec_token *signature_token(const wssec_result *res)
{
    for (size_t i = 0; i < wssec_result_token_count(res); i++)
        if (!strcmp(wssec_token_type(wssec_result_token(res, i)), "signature"))
            return wssec_result_token(res, i);
    fail_msg("no signature token");
    return NULL;
}

/* Each reference resolves to alice's certificate; the result says how. */
static void test_resolved(void **state)
{
    (void)state;
    static const struct {
        const char *key_id, *how;
    } rows[] = {
        { "bst", "bst" },
        { "issuer-serial", "issuer-serial" },
        { "ski", "ski" },
        { "thumbprint", "thumbprint" },
        { "x509", "x509" },
    };
    /* issuer-serial, SKI and thumbprint name a certificate the receiver knows */
    wssec_ctx *in = h_receiver("certs", PKI "alice.crt", NULL);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *xml = signed_by_alice(rows[i].key_id);
        h_run r;
        int rc = h_verify(&r, in, xml);
        if (rc) print_error("%s: %s\n", rows[i].key_id, h_run_err(&r)->message);
        assert_int_equal(rc, 0);
        assert_string_equal(wssec_result_caller(r.res), ALICE);
        assert_string_equal(wssec_token_get(signature_token(r.res), "key-reference"), rows[i].how);
        h_run_free(&r);
        free(xml);
    }
    wssec_ctx_free(in);
}

/* A reference by issuer-serial, SKI or thumbprint to a certificate that is
 * neither in the message nor known: unavailable, naming the reference. */
static void test_unknown_certificate(void **state)
{
    (void)state;
    static const struct {
        const char *key_id, *needle, *subject;
    } rows[] = {
        { "issuer-serial", "no certificate with issuer 'CN=wssec Test Issuing CA",
          STR_PATH "/X509Data/X509IssuerSerial" },
        { "ski", "no certificate with that subject key identifier", STR_PATH "/KeyIdentifier" },
        { "thumbprint", "no certificate with that SHA-1 thumbprint", STR_PATH "/KeyIdentifier" },
    };
    wssec_ctx *in = h_receiver(NULL); /* root and intermediate only */
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *xml = signed_by_alice(rows[i].key_id);
        h_run r;
        assert_int_equal(h_verify(&r, in, xml), WSSEC_EUNAVAILABLE);
        const wssec_error *e = h_run_err(&r);
        h_assert_error(e, WSSEC_EUNAVAILABLE, "wsse:SecurityTokenUnavailable", rows[i].needle);
        assert_string_equal(e->subject, rows[i].subject);
        assert_null(wssec_result_caller(r.res));
        h_run_free(&r);
        free(xml);
    }
    wssec_ctx_free(in);
}

/* ---- refusals, by surgery on the reference of a BST-signed message ---- */

static xmlNodePtr str_of(xmlDocPtr doc)
{
    return h_xp(doc, "//ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference");
}

static xmlNodePtr ref_of(xmlDocPtr doc)
{
    return h_xp(doc, "//ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference");
}

static void uri_external(xmlDocPtr doc)
{
    xmlSetProp(ref_of(doc), BAD_CAST "URI", BAD_CAST "http://example.com/cert");
}

static void uri_missing(xmlDocPtr doc)
{
    xmlSetProp(ref_of(doc), BAD_CAST "URI", BAD_CAST "#no-such-id");
}

static void uri_not_a_token(xmlDocPtr doc)
{
    /* the Timestamp's own Id: in the message, but not an X.509 token */
    xmlNodePtr ts = h_xp(doc, "//wsu:Timestamp");
    xmlChar *id = xmlGetNsProp(ts, BAD_CAST "Id", BAD_CAST H_NS_WSU);
    char uri[200];
    snprintf(uri, sizeof(uri), "#%s", (const char *)id);
    xmlFree(id);
    xmlSetProp(ref_of(doc), BAD_CAST "URI", BAD_CAST uri);
}

static void uri_body(xmlDocPtr doc)
{
    /* the Body's own (signed) Id: outside our Security header */
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body");
    xmlChar *id = xmlGetNsProp(body, BAD_CAST "Id", BAD_CAST H_NS_WSU);
    assert_string_equal((const char *)id, "body");
    xmlFree(id);
    xmlSetProp(ref_of(doc), BAD_CAST "URI", BAD_CAST "#body");
}

static void two_references(xmlDocPtr doc)
{
    xmlAddChild(str_of(doc), xmlCopyNode(ref_of(doc), 1));
}

static void embedded_child(xmlDocPtr doc)
{
    xmlNodeSetName(ref_of(doc), BAD_CAST "Embedded");
}

static void key_name(xmlDocPtr doc)
{
    xmlNodePtr str = str_of(doc);
    xmlNodePtr ki = str->parent;
    xmlUnlinkNode(str);
    xmlFreeNode(str);
    xmlNodePtr kn = xmlNewChild(ki, ki->ns, BAD_CAST "KeyName", BAD_CAST "alice");
    (void)kn;
}

static void empty_key_info(xmlDocPtr doc)
{
    xmlNodePtr str = str_of(doc);
    xmlUnlinkNode(str);
    xmlFreeNode(str);
}

/* Replaces the Reference with a KeyIdentifier of the given ValueType (NULL:
 * none), EncodingType (NULL: none) and text. */
static void key_identifier(xmlDocPtr doc, const char *vt, const char *enc, const char *text)
{
    xmlNodePtr ref = ref_of(doc);
    xmlNodePtr ki = xmlNewDocNode(doc, ref->ns, BAD_CAST "KeyIdentifier", BAD_CAST text);
    if (vt) xmlSetProp(ki, BAD_CAST "ValueType", BAD_CAST vt);
    if (enc) xmlSetProp(ki, BAD_CAST "EncodingType", BAD_CAST enc);
    xmlReplaceNode(ref, ki);
    xmlFreeNode(ref);
}

static void ki_unknown_type(xmlDocPtr doc)
{
    key_identifier(doc, "urn:example:kerberos", H_ENC_B64, "AAAA");
}

static void ki_no_type(xmlDocPtr doc)
{
    key_identifier(doc, NULL, H_ENC_B64, "AAAA");
}

static void ki_hex_encoding(xmlDocPtr doc)
{
    key_identifier(doc, WSSEC_VT_SKI, "urn:example:hex", "AAAA");
}

static void ki_not_base64(xmlDocPtr doc)
{
    key_identifier(doc, WSSEC_VT_SKI, H_ENC_B64, "***");
}

static void ki_x509_not_der(xmlDocPtr doc)
{
    key_identifier(doc, WSSEC_VT_X509V3, H_ENC_B64, "AAAAAAAA");
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        h_surgery fn;
        int code;
        const char *needle, *subject;
    } rows[] = {
        { "external URI", uri_external, WSSEC_EUNAVAILABLE,
          "token reference 'http://example.com/cert' is refused: only tokens in this message",
          STR_PATH "/Reference" },
        { "unknown id", uri_missing, WSSEC_EUNAVAILABLE, "token #no-such-id is not in the message",
          STR_PATH "/Reference" },
        { "the Body's id", uri_body, WSSEC_EUNAVAILABLE,
          "token #body is not a token of our Security header", STR_PATH "/Reference" },
        { "a Timestamp", uri_not_a_token, WSSEC_EUNSUPPORTED,
          "(timestamp) holds no certificate: only X.509 tokens sign", STR_PATH "/Reference" },
        { "two references", two_references, WSSEC_EUNAVAILABLE,
          "SecurityTokenReference must hold exactly one reference", STR_PATH },
        { "wsse:Embedded", embedded_child, WSSEC_EUNSUPPORTED,
          "SecurityTokenReference child Embedded is not supported", STR_PATH "/Embedded" },
        { "ds:KeyName", key_name, WSSEC_EUNAVAILABLE, "KeyInfo child KeyName is not supported",
          "/Envelope/Header/Security/Signature/KeyInfo/KeyName" },
        { "empty KeyInfo", empty_key_info, WSSEC_EUNAVAILABLE,
          "KeyInfo must hold exactly one SecurityTokenReference",
          "/Envelope/Header/Security/Signature/KeyInfo" },
        { "KeyIdentifier of an unknown type", ki_unknown_type, WSSEC_EUNSUPPORTED,
          "KeyIdentifier ValueType 'urn:example:kerberos' is not supported",
          STR_PATH "/KeyIdentifier" },
        { "KeyIdentifier without a type", ki_no_type, WSSEC_ETOKEN,
          "KeyIdentifier without a ValueType", STR_PATH "/KeyIdentifier" },
        { "KeyIdentifier not base64-encoded", ki_hex_encoding, WSSEC_ETOKEN,
          "KeyIdentifier EncodingType must be Base64Binary", STR_PATH "/KeyIdentifier" },
        { "KeyIdentifier text not base64", ki_not_base64, WSSEC_ETOKEN,
          "KeyIdentifier is not base64", STR_PATH "/KeyIdentifier" },
        { "X509v3 KeyIdentifier not DER", ki_x509_not_der, WSSEC_ETOKEN,
          "X509v3 KeyIdentifier does not hold a DER certificate", STR_PATH "/KeyIdentifier" },
    };
    char *good = signed_by_alice("bst");
    wssec_ctx *in = h_receiver(NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, good), 0); /* the control */
    h_run_free(&r);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char *xml = h_operate(good, rows[i].fn, 0);
        int rc = h_verify(&r, in, xml);
        const wssec_error *e = h_run_err(&r);
        if (rc != rows[i].code)
            print_error("%s: got %s: %s\n", rows[i].name, wssec_code_name(rc), e->message);
        assert_int_equal(rc, rows[i].code);
        h_assert_error(e, rows[i].code, wssec_code_fault(rows[i].code), rows[i].needle);
        if (strcmp(e->subject, rows[i].subject) != 0)
            print_error("%s: subject %s\n", rows[i].name, e->subject);
        assert_string_equal(e->subject, rows[i].subject);
        assert_null(wssec_result_caller(r.res));
        h_run_free(&r);
        free(xml);
    }
    wssec_ctx_free(in);
    free(good);
}

/* The configured certificates answer a reference before the message's
 * tokens: a reference by SKI to alice resolves to the configured alice
 * even when the message also carries her in a BST; and a receiver that
 * does not know her finds her in that BST. */
static void test_configured_first(void **state)
{
    (void)state;
    wssec_ctx *out = h_signer("alice", "key-id", "ski", NULL);
    static const char *const with_bst[] = { "timestamp", "x509-token", "signature" };
    char *plain = h_envelope_header(11, NULL);
    char *xml = h_secure(out, plain, with_bst, 3, NULL);
    free(plain);
    wssec_ctx_free(out);
    h_assert_contains(xml, "BinarySecurityToken");

    wssec_ctx *knows = h_receiver("certs", PKI "alice.crt", NULL);
    wssec_ctx *not_known = h_receiver(NULL);
    for (int k = 0; k < 2; k++) {
        h_run r;
        int rc = h_verify(&r, k ? not_known : knows, xml);
        if (rc) print_error("%d: %s\n", k, h_run_err(&r)->message);
        assert_int_equal(rc, 0);
        assert_string_equal(wssec_result_caller(r.res), ALICE);
        assert_string_equal(wssec_token_get(signature_token(r.res), "key-reference"), "ski");
        h_run_free(&r);
    }
    wssec_ctx_free(knows);
    wssec_ctx_free(not_known);
    free(xml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolved),
        cmocka_unit_test(test_unknown_certificate),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_configured_first),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
