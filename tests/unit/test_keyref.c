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
#include <openssl/pkcs7.h>

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

/* ---- wssec__bst_write: the one writer of BinarySecurityTokens ---- */

/* A parsed message with a result to record tokens in (as wssec_secure has). */
static wssec_msg *msg_with_result(const wssec_ctx *ctx)
{
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *msg = h_parse(ctx, plain);
    free(plain);
    assert_int_equal(wssec__result_new(&msg->res), 0);
    return msg;
}

static void msg_with_result_free(wssec_msg *msg)
{
    wssec_result_free(msg->res);
    msg->res = NULL;
    wssec_msg_free(msg);
}

/* The DER of a certificate; OPENSSL_free(). */
static size_t der(X509 *x, unsigned char **out)
{
    *out = NULL;
    int n = i2d_X509(x, out);
    assert_true(n > 0);
    return (size_t)n;
}

/* The decoded content of a written token. */
static size_t bst_content(xmlNodePtr bst, unsigned char **out)
{
    char *text = wssec_xml_text(bst);
    size_t len = 0;
    assert_non_null(text);
    assert_int_equal(wssec_b64_decode(out, &len, text, 1u << 20), 0);
    xmlFree(text);
    return len;
}

/* Each type: the element at the end of our Security header with a fresh
 * wsu:Id, its ValueType and EncodingType, and the exact bytes: the
 * certificate; a PKIPath of the chain (root side first) then the
 * certificate; a PKCS7 holding both. With a token pointer, an x509-token
 * holding the certificate and chain is recorded; without, none. */
static void test_bst_write(void **state)
{
    (void)state;
    static const struct {
        int type;
        const char *vt;
    } rows[] = {
        { WSSEC_BST_X509V3, WSSEC_VT_X509V3 },
        { WSSEC_BST_PKIPATH, WSSEC_VT_PKIPATH },
        { WSSEC_BST_PKCS7, WSSEC_VT_PKCS7 },
    };
    wssec_ctx *ctx = h_signer("alice", "sign-chain", PKI "inter.crt", NULL);
    X509 *cert = NULL;
    STACK_OF(X509) *chain = NULL;
    assert_int_equal(wssec_ctx_signing_key(NULL, &cert, &chain, ctx), 0);
    assert_int_equal(sk_X509_num(chain), 1);
    unsigned char *leaf_der = NULL, *inter_der = NULL;
    size_t leaf_len = der(cert, &leaf_der), inter_len = der(sk_X509_value(chain, 0), &inter_der);
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_msg *msg = msg_with_result(ctx);
        xmlNodePtr bst = NULL;
        wssec_token *tok = NULL;
        assert_int_equal(wssec__bst_write(&bst, &tok, msg, "test", cert, chain, rows[i].type), 0);
        assert_true(wssec_xml_is(bst, WSSEC_NS_WSSE, "BinarySecurityToken"));
        assert_ptr_equal(bst->parent, wssec_msg_security(msg, 0));
        assert_null(wssec_xml_next_elem(bst));
        assert_string_equal(wssec_xml_attr(bst, "ValueType"), rows[i].vt);
        assert_string_equal(wssec_xml_attr(bst, "EncodingType"), WSSEC_ENC_BASE64);
        xmlChar *id = xmlGetNsProp(bst, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
        assert_non_null(id);
        assert_memory_equal(id, "X509-", 5);
        assert_ptr_equal(xmlGetID(wssec_msg_doc(msg), id)->parent, bst);
        xmlFree(id);

        unsigned char *got = NULL;
        size_t len = bst_content(bst, &got);
        if (rows[i].type == WSSEC_BST_X509V3) {
            assert_int_equal(len, leaf_len);
            assert_memory_equal(got, leaf_der, leaf_len);
        } else if (rows[i].type == WSSEC_BST_PKIPATH) {
            size_t body = inter_len + leaf_len, head = len - body;
            assert_true(len > body);
            assert_int_equal(got[0], 0x30); /* SEQUENCE */
            assert_memory_equal(got + head, inter_der, inter_len);
            assert_memory_equal(got + head + inter_len, leaf_der, leaf_len);
        } else {
            const unsigned char *p = got;
            PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
            assert_non_null(p7);
            assert_ptr_equal(p, got + len);
            assert_true(PKCS7_type_is_signed(p7));
            assert_int_equal(sk_X509_num(p7->d.sign->cert), 2);
            assert_int_equal(X509_cmp(sk_X509_value(p7->d.sign->cert, 0), cert), 0);
            assert_int_equal(
                X509_cmp(sk_X509_value(p7->d.sign->cert, 1), sk_X509_value(chain, 0)), 0);
            PKCS7_free(p7);
        }
        wssec_free(got);

        assert_int_equal(wssec_msg_token_count(msg), 1);
        assert_ptr_equal(wssec_msg_token(msg, 0), tok);
        assert_string_equal(wssec_token_type(tok), "x509-token");
        assert_ptr_equal(wssec_token_node(tok), bst);
        assert_ptr_equal(wssec_token_cert(tok), cert);
        assert_int_equal(sk_X509_num(wssec_token_chain(tok)), 1);
        assert_string_equal(wssec_token_identity(tok), ALICE);
        assert_string_equal(wssec_token_get(tok, "chain-certificates"), "1");

        /* without a token pointer: a second element, no token */
        xmlNodePtr second = NULL;
        assert_int_equal(
            wssec__bst_write(&second, NULL, msg, "test", cert, chain, rows[i].type), 0);
        assert_ptr_equal(wssec_xml_next_elem(bst), second);
        assert_int_equal(wssec_msg_token_count(msg), 1);
        msg_with_result_free(msg);
    }
    OPENSSL_free(leaf_der);
    OPENSSL_free(inter_der);
    wssec_ctx_free(ctx);
}

/* A chain type without a chain carries the certificate alone; an unknown
 * type is refused on the message, naming the caller, and writes nothing. */
static void test_bst_write_edges(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_signer("alice", NULL);
    X509 *cert = NULL;
    assert_int_equal(wssec_ctx_signing_key(NULL, &cert, NULL, ctx), 0);
    wssec_msg *msg = msg_with_result(ctx);
    xmlNodePtr bst = NULL;
    wssec_token *tok = NULL;
    assert_int_equal(wssec__bst_write(&bst, &tok, msg, "test", cert, NULL, WSSEC_BST_PKIPATH), 0);
    unsigned char *leaf_der = NULL, *got = NULL;
    size_t leaf_len = der(cert, &leaf_der), len = bst_content(bst, &got);
    assert_true(len > leaf_len);
    assert_memory_equal(got + (len - leaf_len), leaf_der, leaf_len);
    assert_null(wssec_token_chain(tok));
    assert_string_equal(wssec_token_get(tok, "chain-certificates"), "0");
    wssec_free(got);
    OPENSSL_free(leaf_der);

    assert_int_equal(wssec__bst_write(&bst, &tok, msg, "test", cert, NULL, 3), WSSEC_EINVALID);
    assert_null(bst);
    assert_null(tok);
    h_assert_error(wssec_msg_error(msg), WSSEC_EINVALID, NULL, NULL);
    assert_string_equal(wssec_msg_error(msg)->message, "test: no such token type");
    assert_int_equal(wssec_msg_token_count(msg), 1);
    msg_with_result_free(msg);
    wssec_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolved),
        cmocka_unit_test(test_unknown_certificate),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_configured_first),
        cmocka_unit_test(test_bst_write),
        cmocka_unit_test(test_bst_write_edges),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
