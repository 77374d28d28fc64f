/*
 * Identity assertion: a front gateway (the upstream) vouches for the caller
 * and the back end runs the request as that caller. Both trust modes
 * (signature, basic), both kinds of asserted identity (a UsernameToken
 * without Password, an asserted X.509 token), the trusted-ID evaluator
 * (the trusted-upstream list and one installed through the API), the
 * generator, strip-security, and the hostile cases (ATTACKS.md §12.15,
 * §13.2): an untrusted upstream, an assertion not bound to the upstream's
 * proof (unsigned, signed by someone else, moved, changed, sent without
 * credentials), two assertions, replay, DN injection — each with its exact
 * code, fault and reason.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "helpers.h"
#include "pkigen.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define GW_DN "CN=gateway,OU=Gateways,O=wssec test,C=US"
#define GW_NORM "cn=gateway,ou=gateways,o=wssec test,c=us"
#define ALICE_DN "CN=alice,OU=Clients,O=wssec test,C=US"
#define SERVER_DN "CN=server,OU=Services,O=wssec test,C=US"

static const char *const gw_actions[] = { "timestamp", "identity-assertion", "signature" };

/* wssec_secure with the identity options; returns the code, *out the message. */
static int secure_rc(const wssec_ctx *ctx, const char *xml, const char *const *actions, size_t n,
                     const char *user, const char *assert_user, const char *assert_dn, char **out,
                     char *err, size_t errlen)
{
    wssec_msg *msg = h_parse(ctx, xml);
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = n;
    o.username = user;
    o.assert_user = assert_user;
    o.assert_dn = assert_dn;
    int rc = wssec_secure(msg, &o);
    *out = NULL;
    if (err) snprintf(err, errlen, "%s", rc ? wssec_msg_error(msg)->message : "");
    if (rc == 0) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        assert_int_equal(wssec_msg_serialize(&bytes, &len, msg), 0);
        *out = (char *)bytes;
    }
    wssec_msg_free(msg);
    return rc;
}

static char *secure(const wssec_ctx *ctx, const char *xml, const char *const *actions, size_t n,
                    const char *user, const char *assert_user, const char *assert_dn)
{
    char *out = NULL, err[600];
    int rc = secure_rc(ctx, xml, actions, n, user, assert_user, assert_dn, &out, err, sizeof(err));
    if (rc) print_error("secure: %s\n", err);
    assert_int_equal(rc, 0);
    return out;
}

static char *plain(void)
{
    return h_envelope_header(11, NULL);
}

/* A gateway message: who signs, asserting a user (or a DN with assert-cert). */
static char *gateway_says(const char *who, const char *assert_user, const char *assert_dn)
{
    wssec_ctx *gw = h_signer(who, "assert-cert", PKI "alice.crt", NULL);
    char *p = plain();
    char *out = secure(gw, p, gw_actions, 3, NULL, assert_user, assert_dn);
    free(p);
    wssec_ctx_free(gw);
    return out;
}

/* Verifies and asserts the exact error. */
static void expect_error(const wssec_ctx *ctx, const char *xml, int code, const char *fault,
                         const char *needle)
{
    h_run r;
    int rc = h_verify(&r, ctx, xml);
    if (rc != code) print_error("got %s: %s\n", wssec_code_name(rc), h_run_err(&r)->message);
    assert_int_equal(rc, code);
    h_assert_error(h_run_err(&r), code, fault, needle);
    h_run_free(&r);
}

static const wssec_token *token_of(const wssec_result *res, const char *type)
{
    for (size_t i = 0; i < wssec_result_token_count(res); i++)
        if (!strcmp(wssec_token_type(wssec_result_token(res, i)), type))
            return wssec_result_token(res, i);
    return NULL;
}

/* ---- DOM h_surgery ---- */

/* §1 on the assertion: the signed assertion moved into a header wrapper, an
 * unsigned one asserting "admin" in its place. */
static void s_assertion_wrapped(xmlDocPtr doc)
{
    xmlNodePtr ut = h_xp(doc, "//wsse:Security/wsse:UsernameToken"), hdr = h_xp(doc, "//soap:Header");
    xmlNodePtr evil = xmlNewDocNode(doc, ut->ns, BAD_CAST "UsernameToken", NULL);
    xmlNewChild(evil, ut->ns, BAD_CAST "Username", BAD_CAST "admin");
    xmlAddPrevSibling(ut, evil);
    xmlUnlinkNode(ut);
    xmlNodePtr w = xmlNewDocNode(doc, NULL, BAD_CAST "Wrapper", NULL);
    xmlSetNs(w, xmlNewNs(w, BAD_CAST "urn:attacker", BAD_CAST "w"));
    xmlAddChild(hdr, w);
    xmlAddChild(w, ut);
}

/* the signed asserted X.509 token moved out of the Security header into a
 * header block of its own, nothing in its place: the gateway would become
 * the caller (found by tests/fuzz/assertion_fuzzer.c) */
static void s_asserted_cert_out(xmlDocPtr doc)
{
    xmlNodePtr a = h_xp(doc, "//wsse:Security/wsse:BinarySecurityToken"
                             "[starts-with(@wsu:Id, 'IdentityAssertion-')]");
    xmlUnlinkNode(a);
    xmlAddChild(h_xp(doc, "//soap:Header"), a);
}

/* the same with the asserted user */
static void s_assertion_out(xmlDocPtr doc)
{
    xmlNodePtr ut = h_xp(doc, "//wsse:Security/wsse:UsernameToken");
    xmlUnlinkNode(ut);
    xmlAddChild(h_xp(doc, "//soap:Header"), ut);
}

/* the asserted user changed after signing */
static void s_assertion_changed(xmlDocPtr doc)
{
    xmlNodeSetContent(h_xp(doc, "//wsse:Security/wsse:UsernameToken/wsse:Username"),
                      BAD_CAST "admin");
}

/* a second, unsigned assertion beside the signed one */
static void s_second_assertion(xmlDocPtr doc)
{
    xmlNodePtr ut = h_xp(doc, "//wsse:Security/wsse:UsernameToken");
    xmlNodePtr evil = xmlNewDocNode(doc, ut->ns, BAD_CAST "UsernameToken", NULL);
    xmlNewChild(evil, ut->ns, BAD_CAST "Username", BAD_CAST "admin");
    xmlAddNextSibling(ut, evil);
}

/* a second Security header, for another actor, asserting "admin" */
static void s_assertion_other_actor(xmlDocPtr doc)
{
    xmlNodePtr sec = h_xp(doc, "//wsse:Security"), hdr = h_xp(doc, "//soap:Header");
    xmlNodePtr other = xmlNewDocNode(doc, sec->ns, BAD_CAST "Security", NULL);
    xmlSetNsProp(other, xmlSearchNsByHref(doc, hdr, BAD_CAST WSSEC_NS_SOAP11), BAD_CAST "actor",
                 BAD_CAST "urn:somebody-else");
    xmlNodePtr ut = xmlNewChild(other, sec->ns, BAD_CAST "UsernameToken", NULL);
    xmlNewChild(ut, sec->ns, BAD_CAST "Username", BAD_CAST "admin");
    xmlAddChild(hdr, other);
}

/* the signature's token reference pointed at the asserted X.509 token */
static void s_sign_with_assertion(xmlDocPtr doc)
{
    xmlNodePtr a = h_xp(doc, "//wsse:Security/wsse:BinarySecurityToken"
                             "[starts-with(@wsu:Id, 'IdentityAssertion-')]");
    xmlChar *id = xmlGetNsProp(a, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
    char *uri = h_strf("#%s", (char *)id);
    xmlSetProp(h_xp(doc, "//ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference"), BAD_CAST "URI",
               BAD_CAST uri);
    free(uri);
    xmlFree(id);
}

/* ---- trust-mode signature ---- */

static void test_signature_user(void **state)
{
    (void)state;
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    char *xml = gateway_says("gateway", "alice", NULL);
    /* the generator: a password-less UsernameToken, signed by default */
    h_assert_contains(xml, "<wsse:Username>alice</wsse:Username></wsse:UsernameToken>");
    h_assert_contains(xml, "wsu:Id=\"IdentityAssertion-");
    h_run r;
    int rc = h_verify(&r, be, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    assert_string_equal(wssec_result_asserted_by(r.res), GW_DN);
    assert_int_equal(wssec_result_assertion_proof(r.res), WSSEC_PROOF_SIGNATURE);
    const wssec_token *a = token_of(r.res, "identity-assertion");
    assert_non_null(a);
    assert_string_equal(wssec_token_identity(a), "alice");
    assert_string_equal(wssec_token_get(a, "asserted-kind"), "username");
    assert_string_equal(wssec_token_get(a, "asserted-by"), GW_DN);
    assert_string_equal(wssec_token_get(a, "proof"), "signature");
    assert_int_equal(wssec_result_is_signed(r.res, wssec_token_node(a)), 1);
    h_run_free(&r);
    /* the same message to a back end without identity assertion: the
     * password-less UsernameToken is refused as ever (CVE-2013-0239) */
    wssec_ctx *plain_be = h_receiver(NULL);
    expect_error(plain_be, xml, WSSEC_EAUTH, "wsse:FailedAuthentication",
                 "UsernameToken for 'alice' has no Password");
    free(xml);
    wssec_ctx_free(be);
    wssec_ctx_free(plain_be);
}

static void test_signature_dn(void **state)
{
    (void)state;
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    char *xml = gateway_says("gateway", NULL, ALICE_DN);
    {
        /* the signed asserted certificate moved out: never the gateway as the caller */
        char *moved = h_operate(xml, s_asserted_cert_out, 1);
        expect_error(be, moved, WSSEC_EMALFORMED, "wsse:InvalidSecurity",
                     "signed BinarySecurityToken #IdentityAssertion-");
        free(moved);
    }
    /* the standard X509v3 token (issue 20), not the private ValueType */
    h_assert_contains(xml, "<wsse:BinarySecurityToken wsu:Id=\"IdentityAssertion-");
    h_assert_contains(xml, "ValueType=\"" WSSEC_VT_X509V3 "\">MII");
    assert_null(strstr(xml, WSSEC_VT_ASSERTED_X509));
    h_run r;
    int rc = h_verify(&r, be, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), ALICE_DN);
    assert_string_equal(wssec_result_asserted_by(r.res), GW_DN);
    const wssec_token *a = token_of(r.res, "identity-assertion");
    assert_non_null(a);
    assert_string_equal(wssec_token_get(a, "asserted-kind"), "dn");
    assert_string_equal(wssec_token_get(a, "subject"), ALICE_DN);
    assert_int_equal(wssec_result_is_signed(r.res, wssec_token_node(a)), 1);
    /* the signer is the gateway, never the asserted certificate */
    assert_string_equal(wssec_token_get(token_of(r.res, "signature"), "signer"), GW_DN);
    h_run_free(&r);
    /* not configured: a standard X.509 token no signature uses is ignored,
     * as other stacks ignore it, with a warning; the caller is the signer */
    wssec_ctx *plain_be = h_receiver(NULL);
    rc = h_verify(&r, plain_be, xml);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), GW_DN);
    assert_true(h_has_warning(r.res, "is used by no signature: ignored (with trusted-upstream it "
                                     "is an asserted identity)"));
    h_run_free(&r);
    /* made to sign: the gateway's signature does not verify with alice's key */
    wssec_ctx *be2 = h_receiver("trusted-upstream", GW_DN, NULL);
    char *evil = h_operate(xml, s_sign_with_assertion, 1);
    expect_error(be2, evil, WSSEC_ESIGNATURE, NULL, NULL);
    free(evil);
    free(xml);
    wssec_ctx_free(be);
    wssec_ctx_free(be2);
    wssec_ctx_free(plain_be);
}

/* Every InclusiveNamespaces of a reference goes (h_redigest digests without). */
static void drop_prefix_list(xmlNodePtr ref)
{
    for (xmlNodePtr ts = wssec_xml_first_elem(ref); ts; ts = wssec_xml_next_elem(ts))
        if (xmlStrEqual(ts->name, BAD_CAST "Transforms"))
            for (xmlNodePtr t = wssec_xml_first_elem(ts); t; t = wssec_xml_next_elem(t)) {
                xmlNodePtr in = wssec_xml_first_elem(t);
                if (in && xmlStrEqual(in->name, BAD_CAST "InclusiveNamespaces")) h_remove(in);
            }
}

/* The asserted X.509 token given the old private ValueType, then signed
 * again by the gateway: what an upstream running the previous release sends. */
static void s_old_value_type(xmlDocPtr doc)
{
    xmlNodePtr a = h_xp(doc, "//wsse:Security/wsse:BinarySecurityToken"
                             "[starts-with(@wsu:Id, 'IdentityAssertion-')]");
    xmlSetProp(a, BAD_CAST "ValueType", BAD_CAST WSSEC_VT_ASSERTED_X509);
    h_redigest(doc, XML_C14N_EXCLUSIVE_1_0, drop_prefix_list);
    h_resign(doc, PKI "gateway.key", XML_C14N_EXCLUSIVE_1_0, NULL);
}

/* Issue 20: the asserted DN in the standard form (an X509v3 token no
 * signature uses as its key), its binding, and the old form for one release. */
static void test_x509_standard_form(void **state)
{
    (void)state;
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    /* the gateway signs the Body and the Timestamp, not the assertion */
    wssec_ctx *gw = h_signer("gateway", "assert-cert", PKI "alice.crt", "sign-part", "body",
                             "sign-part", "timestamp", NULL);
    char *p = plain(), *xml = secure(gw, p, gw_actions, 3, NULL, NULL, ALICE_DN);
    expect_error(be, xml, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
                 "the asserted identity '" ALICE_DN "' (/Envelope/Header/Security/"
                 "BinarySecurityToken) is not covered by a verified signature");
    free(xml);
    wssec_ctx_free(gw);
    /* the old private ValueType: still accepted, with a warning */
    xml = gateway_says("gateway", NULL, ALICE_DN);
    char *old = h_operate(xml, s_old_value_type, 1);
    h_assert_contains(old, WSSEC_VT_ASSERTED_X509);
    h_run r;
    int rc = h_verify(&r, be, old);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), ALICE_DN);
    assert_string_equal(wssec_result_asserted_by(r.res), GW_DN);
    assert_true(h_has_warning(r.res, "is accepted until the next release"));
    h_run_free(&r);
    free(old);
    free(xml);
    free(p);
    wssec_ctx_free(be);
}

static void test_untrusted_upstream(void **state)
{
    (void)state;
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    /* the server's certificate is valid, but it is no trusted upstream */
    char *xml = gateway_says("server", "admin", NULL);
    expect_error(be, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                 "upstream '" SERVER_DN "' (proven by signature) is not trusted to assert "
                 "identities: not in the trusted-upstream list (1 entry); its assertion of "
                 "'admin' is refused");
    free(xml);
    /* DN injection: a CN holding "alice,OU=Clients,..." is not alice */
    wssec_ctx *be2 = h_receiver("trusted-upstream", ALICE_DN, NULL);
    xml = gateway_says("dninject", "admin", NULL);
    expect_error(be2, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                 "upstream 'CN=alice\\,OU=Clients\\,O=wssec test\\,C=US,OU=Other");
    free(xml);
    wssec_ctx_free(be);
    wssec_ctx_free(be2);
}

/* A gateway message signed with a key and certificate made in the test
 * (chain: NULL-terminated, may be NULL; more option pairs may be NULL). */
static char *gateway_made(EVP_PKEY *key, X509 *cert, X509 *const *chain, const char *assert_user,
                          const char *const *more)
{
    char *kf = pg_key_file(key), *cf = pg_cert_file(cert);
    char *chf = chain ? pg_file_of(pg_w_certs, chain) : NULL;
    const char *pairs[40] = { "sign-key", kf, "sign-cert", cf, "assert-cert", PKI "alice.crt" };
    size_t n = 6;
    if (chf) {
        pairs[n++] = "sign-chain";
        pairs[n++] = chf;
    }
    for (size_t i = 0; more && more[i] && n < 38; i++) pairs[n++] = more[i];
    pairs[n] = NULL;
    wssec_ctx *gw = NULL;
    char err[600];
    int rc = h_ctx_try(&gw, 0, pairs, err, sizeof(err));
    if (rc) print_error("gateway_made: %s\n", err);
    assert_int_equal(rc, 0);
    char *p = plain();
    char *out = secure(gw, p, gw_actions, 3, NULL, assert_user, NULL);
    free(p);
    wssec_ctx_free(gw);
    pg_rm(kf);
    pg_rm(cf);
    pg_rm(chf);
    return out;
}

/* The null-prefix attack on trusted-upstream: "gateway\0.attacker.example"
 * is not the gateway. */
static void test_upstream_nul(void **state)
{
    (void)state;
    X509 *inter = pg_load_cert(PKI "inter.crt");
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key"), *key = pg_key(2048, NULL);
    pg_spec sp = { .cn = "gateway\0.attacker.example", .cn_len = 25, .ou = "Gateways",
                   .issuer = inter, .issuer_key = ikey, .key = key };
    X509 *cert = pg_cert(&sp);
    X509 *const chain[] = { inter, NULL };
    char *xml = gateway_made(key, cert, chain, "admin", NULL);
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    expect_error(be, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                 "a NUL or control character in its subject");
    free(xml);
    wssec_ctx_free(be);
    X509_free(cert);
    X509_free(inter);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ikey);
}

/* ---- identity follows the key, never unsigned text ---- */

static char *g_bst_b64;
/* Adds an X.509 BinarySecurityToken (g_bst_b64) ahead of the Signature. */
static void s_add_bst(xmlDocPtr doc)
{
    xmlNodePtr sig = h_xp(doc, "//ds:Signature");
    xmlNodePtr sec = sig->parent;
    xmlNodePtr bst = xmlNewDocNode(doc, sec->ns, BAD_CAST "BinarySecurityToken", BAD_CAST g_bst_b64);
    xmlSetProp(bst, BAD_CAST "ValueType", BAD_CAST WSSEC_VT_X509V3);
    xmlSetProp(bst, BAD_CAST "EncodingType", BAD_CAST H_ENC_B64);
    xmlNsPtr wsu = xmlSearchNsByHref(doc, sec, BAD_CAST H_NS_WSU);
    xmlSetNsProp(bst, wsu, BAD_CAST "Id", BAD_CAST "X509-added");
    xmlAddPrevSibling(sig, bst);
}

static char *b64_of(X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    char *b = h_b64(der, (size_t)n);
    OPENSSL_free(der);
    return b;
}

/* (a) An SKI reference names the gateway's configured certificate; a token
 * added to the message with another certificate over the same key (same
 * SKI, subject CN=admin) must not relabel the signer. */
static void test_keyref_no_relabel(void **state)
{
    (void)state;
    X509 *inter = pg_load_cert(PKI "inter.crt"), *gw = pg_load_cert(PKI "gateway.crt");
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key"), *gkey = pg_load_key(PKI "gateway.key");
    pg_spec as = { .cn = "admin", .ou = "Gateways", .issuer = inter, .issuer_key = ikey, .key = gkey };
    X509 *admin = pg_cert(&as);
    for (int kind = 0; kind < 2; kind++) {
        const char *more[] = { "key-id", kind ? "thumbprint" : "ski", NULL };
        char *xml = gateway_made(gkey, gw, NULL, "alice", more);
        wssec_ctx *be = h_receiver("certs", PKI "gateway.crt", "trusted-upstream",
                                   "CN=admin,OU=Gateways,O=wssec test,C=US", NULL);
        h_run r;
        int rc = h_verify(&r, be, xml);
        /* as sent: the gateway signs, and it is no trusted upstream here */
        if (rc != WSSEC_EUNTRUSTED) print_error("as sent: %s\n", h_run_err(&r)->message);
        assert_int_equal(rc, WSSEC_EUNTRUSTED);
        h_assert_contains(h_run_err(&r)->message, "upstream '" GW_DN "'");
        h_run_free(&r);
        g_bst_b64 = b64_of(admin);
        char *evil = h_operate(xml, s_add_bst, 1);
        free(g_bst_b64);
        if (kind == 0)
            expect_error(be, evil, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                         "is ambiguous: it matches certificates of two subjects");
        else /* a thumbprint names one certificate: the added token is no match,
              * and reads as a second asserted identity */
            expect_error(be, evil, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                         "two asserted identities");
        free(evil);
        free(xml);
        wssec_ctx_free(be);
    }
    X509_free(admin);
    X509_free(inter);
    X509_free(gw);
    EVP_PKEY_free(ikey);
    EVP_PKEY_free(gkey);
}

/* (c) A signer named by a key reference (no token) is normalised from its
 * certificate's name, never from display text cut at 600 characters: a
 * country "US" padded with spaces and more is not C=US. */
static void test_signer_dn_from_name(void **state)
{
    (void)state;
    X509 *inter = pg_load_cert(PKI "inter.crt");
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key"), *key = pg_key(2048, NULL);
    X509 *x = X509_new();
    assert_non_null(x);
    assert_true(X509_set_version(x, 2));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 0x7fff));
    X509_NAME *n = X509_get_subject_name(x);
    char country[700];
    memset(country, ' ', sizeof(country));
    memcpy(country, "US", 2);
    memcpy(country + sizeof(country) - 4, "evil", 4);
    assert_true(X509_NAME_add_entry_by_txt(n, "C", V_ASN1_UTF8STRING, (unsigned char *)country,
                                           (int)sizeof(country), -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"wssec test", -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)"Gateways", -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"gateway", -1, -1, 0));
    assert_true(X509_set_issuer_name(x, X509_get_subject_name(inter)));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L * 365 * 2);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365 * 10);
    assert_true(X509_set_pubkey(x, key));
    pg_ext(x, inter, NID_basic_constraints, "critical,CA:FALSE");
    pg_ext(x, inter, NID_key_usage, "critical,digitalSignature");
    pg_ext(x, inter, NID_subject_key_identifier, "hash");
    assert_true(X509_sign(x, ikey, EVP_sha256()) > 0);
    char *cf = pg_cert_file(x);
    const char *more[] = { "key-id", "ski", NULL };
    char *xml = gateway_made(key, x, NULL, "admin", more);
    wssec_ctx *be = h_receiver("certs", cf, "trusted-upstream", GW_DN, NULL);
    /* the signature consumer refuses a subject its text would cut, before
     * the identity phase (which compares names from the certificate) */
    expect_error(be, xml, WSSEC_ETOKEN, "wsse:InvalidSecurityToken",
                 "refused rather than cut");
    wssec_ctx_free(be);
    free(xml);
    pg_rm(cf);
    X509_free(x);
    X509_free(inter);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ikey);
}

static void sha256_hex(const unsigned char *p, size_t n, char hex[65])
{
    unsigned char d[32];
    unsigned int dl = 0;
    assert_true(EVP_Digest(p, n, d, &dl, EVP_sha256(), NULL));
    for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* (b) An upstream is bound to more than its DN: an issuer or a pin; a bare
 * DN needs a chain of configured certificates only, and warns. */
static void test_upstream_binding(void **state)
{
    (void)state;
    X509 *inter = pg_load_cert(PKI "inter.crt"), *other = pg_load_cert(PKI "other-inter.crt"),
         *gw = pg_load_cert(PKI "gateway.crt");
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key"), *okey = pg_load_key(PKI "other-inter.key"),
             *gkey = pg_load_key(PKI "gateway.key"), *k2 = pg_key(2048, NULL);
    /* the gateway's exact DN from another sub-CA, and with another key */
    pg_spec os = { .cn = "gateway", .ou = "Gateways", .issuer = other, .issuer_key = okey, .key = k2 };
    pg_spec ks = { .cn = "gateway", .ou = "Gateways", .issuer = inter, .issuer_key = ikey, .key = k2 };
    X509 *gw_other = pg_cert(&os), *gw_rekey = pg_cert(&ks);
    X509 *const other_chain[] = { other, NULL };
    const char *pkipath[] = { "bst-type", "pkipath", NULL };
    char *real = gateway_made(gkey, gw, NULL, "admin", NULL);
    char *from_other = gateway_made(k2, gw_other, other_chain, "admin", pkipath);
    char *rekeyed = gateway_made(k2, gw_rekey, NULL, "admin", NULL);

    /* DN only: a CA carried in the message does not make the upstream */
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    h_run r;
    assert_int_equal(h_verify(&r, be, real), 0);
    assert_string_equal(wssec_result_caller(r.res), "admin");
    bool warned = false;
    for (size_t i = 0; i < wssec_result_warning_count(r.res); i++)
        warned = warned || strstr(wssec_result_warning(r.res, i), "is bound by its DN alone") != NULL;
    assert_true(warned);
    h_run_free(&r);
    expect_error(be, from_other, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                 "chains only through a CA carried in the message");
    wssec_ctx_free(be);

    /* an issuer constraint */
    char *gw_issuer = h_strf("%s;issuer=CN=wssec Test Issuing CA,O=wssec test,C=US", GW_DN);
    be = h_receiver("trusted-upstream", gw_issuer, "certs", PKI "other-inter.crt", NULL);
    assert_int_equal(h_verify(&r, be, real), 0);
    assert_string_equal(wssec_result_caller(r.res), "admin");
    h_run_free(&r);
    expect_error(be, from_other, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                 "its issuer 'CN=wssec Test Other CA,O=wssec test,C=US' is not");
    wssec_ctx_free(be);
    free(gw_issuer);

    /* pins: the certificate or its public key */
    unsigned char *der = NULL;
    int dl = i2d_X509(gw, &der);
    char cert_hex[65], spki_hex[65];
    sha256_hex(der, (size_t)dl, cert_hex);
    OPENSSL_free(der);
    der = NULL;
    dl = i2d_PUBKEY(X509_get0_pubkey(gw), &der);
    sha256_hex(der, (size_t)dl, spki_hex);
    OPENSSL_free(der);
    char *pins[] = { h_strf("%s;cert-sha256=%s", GW_DN, cert_hex),
                     h_strf("%s ; spki-sha256=%s", GW_DN, spki_hex) };
    for (size_t i = 0; i < 2; i++) {
        be = h_receiver("trusted-upstream", pins[i], NULL);
        assert_int_equal(h_verify(&r, be, real), 0);
        assert_string_equal(wssec_result_caller(r.res), "admin");
        h_run_free(&r);
        expect_error(be, rekeyed, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                     i ? "its public key is not the pinned one" : "its certificate is not the pinned one");
        wssec_ctx_free(be);
        free(pins[i]);
    }
    /* a malformed entry is a configuration error */
    wssec_ctx *bad = NULL;
    char err[600];
    const char *junk[] = { "trusted-upstream", GW_DN ";cert-sha256=12zz", "replay-signatures", "true",
                           NULL };
    assert_int_equal(h_ctx_try(&bad, 0, junk, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "cert-sha256");
    free(real);
    free(from_other);
    free(rekeyed);
    X509_free(gw_other);
    X509_free(gw_rekey);
    X509_free(inter);
    X509_free(other);
    X509_free(gw);
    EVP_PKEY_free(ikey);
    EVP_PKEY_free(okey);
    EVP_PKEY_free(gkey);
    EVP_PKEY_free(k2);
}

/* trusted-upstream DNs compare after RFC 4514 normalisation, in RFC 4514 order */
/* Signers are compared by certificate, not by subject: the assertion signed
 * by the gateway, the Body and Timestamp by another certificate with the
 * gateway's very DN (another key, same CA) is not "signed by the upstream". */
static void test_same_dn_other_signer(void **state)
{
    (void)state;
    X509 *inter = pg_load_cert(PKI "inter.crt"), *gw = pg_load_cert(PKI "gateway.crt");
    EVP_PKEY *ikey = pg_load_key(PKI "inter.key"), *gkey = pg_load_key(PKI "gateway.key"),
             *k2 = pg_key(2048, NULL);
    pg_spec ks = { .cn = "gateway", .ou = "Gateways", .issuer = inter, .issuer_key = ikey, .key = k2 };
    X509 *twin = pg_cert(&ks);
    const char *only_assertion[] = { "sign-part", "identity-assertion", NULL };
    char *first = gateway_made(gkey, gw, NULL, "admin", only_assertion);
    char *kf = pg_key_file(k2), *cf = pg_cert_file(twin);
    wssec_ctx *second = h_ctx("sign-key", kf, "sign-cert", cf, "sign-part", "body", "sign-part",
                              "timestamp", "key-id", "issuer-serial", NULL);
    static const char *const sig_only[] = { "signature" };
    char *xml = secure(second, first, sig_only, 1, NULL, NULL, NULL);
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, "certs", cf, NULL);
    expect_error(be, xml, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
                 "the SOAP Body is not signed by the upstream");
    wssec_ctx_free(be);
    wssec_ctx_free(second);
    free(xml);
    free(first);
    pg_rm(kf);
    pg_rm(cf);
    X509_free(twin);
    X509_free(inter);
    X509_free(gw);
    EVP_PKEY_free(ikey);
    EVP_PKEY_free(gkey);
    EVP_PKEY_free(k2);
}

static void test_trusted_dn_normalised(void **state)
{
    (void)state;
    wssec_ctx *loose = h_receiver("trusted-upstream", "cn=GATEWAY,  ou=gateways ,o=WSSEC TEST,c=us",
                               NULL);
    wssec_ctx *reversed = h_receiver("trusted-upstream", "C=US,O=wssec test,OU=Gateways,CN=gateway",
                                  NULL);
    wssec_ctx *several = h_receiver("trusted-upstream", SERVER_DN, "trusted-upstream", "2.5.4.3=gateway,"
                                 "organizationalUnitName=Gateways,O=wssec test,C=US", NULL);
    char *xml = gateway_says("gateway", "alice", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, loose, xml), 0);
    h_run_free(&r);
    expect_error(reversed, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                 "upstream '" GW_DN "'");
    assert_int_equal(h_verify(&r, several, xml), 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    free(xml);
    wssec_ctx_free(loose);
    wssec_ctx_free(reversed);
    wssec_ctx_free(several);
}

static void test_signature_unbound(void **state)
{
    (void)state;
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    char *p = plain(), *xml;

    /* signed, but not the assertion */
    wssec_ctx *gw = h_signer("gateway", "sign-part", "body", "sign-part", "timestamp", NULL);
    xml = secure(gw, p, gw_actions, 3, NULL, "alice", NULL);
    expect_error(be, xml, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
                 "the asserted identity 'alice' (/Envelope/Header/Security/UsernameToken) is not "
                 "covered by a verified signature");
    free(xml);
    wssec_ctx_free(gw);

    /* the client signs the Body and the Timestamp, the gateway only the
     * assertion; or a second signer co-signs the assertion: messages signed by
     * two signers are refused before the identity phase (two callers); the
     * identity phase's own checks for them are in test_binding_rules */
    static const char *const sig[] = { "timestamp", "signature" };
    static const char *const ia_sig[] = { "identity-assertion", "signature" };
    wssec_ctx *client = h_signer("alice", NULL);
    char *c = secure(client, p, sig, 2, NULL, NULL, NULL);
    gw = h_signer("gateway", "sign-part", "identity-assertion", "sign-part", "timestamp", NULL);
    xml = secure(gw, c, ia_sig, 2, NULL, "alice", NULL);
    expect_error(be, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                 "two tokens authenticate different callers ('CN=alice,OU=Clients,O=wssec "
                 "test,C=US' and '" GW_DN "')");
    free(xml);
    wssec_ctx_free(gw);
    xml = gateway_says("gateway", "alice", NULL);
    static const char *const sig_only[] = { "signature" };
    wssec_ctx *second = h_signer("server", "sign-part", "username-token", NULL);
    char *both = secure(second, xml, sig_only, 1, NULL, NULL, NULL);
    wssec_ctx *be2 = h_receiver("trusted-upstream", GW_DN, NULL);
    expect_error(be2, both, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                 "two tokens authenticate different callers ('" GW_DN "' and '" SERVER_DN "')");
    free(both);
    free(xml);

    /* no Timestamp: the assertion could be replayed once the cache forgets it */
    wssec_ctx *no_ts = h_receiver("trusted-upstream", GW_DN, "require", "signature", NULL);
    gw = h_signer("gateway", NULL);
    xml = secure(gw, p, ia_sig, 2, NULL, "alice", NULL);
    expect_error(no_ts, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                 "the asserted identity 'alice' comes without a Timestamp");
    free(xml);

    free(c);
    free(p);
    wssec_ctx_free(gw);
    wssec_ctx_free(client);
    wssec_ctx_free(second);
    wssec_ctx_free(be);
    wssec_ctx_free(be2);
    wssec_ctx_free(no_ts);
}

/* The identity phase's binding rules on their own (white box): the record of
 * a verified gateway message, with one covering reference at a time
 * credited to another signer. The pipeline refuses messages signed by two
 * signers before this phase (test_signature_unbound); the phase does not
 * rely on that. */
static void test_binding_rules(void **state)
{
    (void)state;
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    char *xml = gateway_says("gateway", "alice", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, be, xml), 0);
    wssec_result *res = r.res;
    wssec_msg *msg = r.msg;
    xmlNodePtr assertion = wssec_token_node(token_of(res, "identity-assertion"));
    size_t ib = SIZE_MAX, its = SIZE_MAX;
    for (size_t i = 0; i < res->nrefs; i++) {
        if (res->refs[i].node == msg->body) ib = i;
        if (wssec_xml_is(res->refs[i].node, WSSEC_NS_WSU, "Timestamp")) its = i;
    }
    assert_true(ib != SIZE_MAX && its != SIZE_MAX);
    wssec_token other = { .type = (char *)"signature", .identity = (char *)SERVER_DN };
    msg->res = res;

    /* the control: as verified */
    assert_int_equal(wssec__identity_run(msg), 0);
    assert_string_equal(wssec_result_caller(res), "alice");

    const wssec_token *gw = res->refs[ib].signature;
    res->refs[ib].signature = &other;
    assert_int_equal(wssec__identity_run(msg), WSSEC_EUNSIGNED);
    h_assert_error(wssec_msg_error(msg), WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
                   "the SOAP Body is not signed by the upstream '" GW_DN
                   "' that signed the asserted identity 'alice'");
    res->refs[ib].signature = gw;

    res->refs[its].signature = &other;
    assert_int_equal(wssec__identity_run(msg), WSSEC_EUNSIGNED);
    h_assert_error(wssec_msg_error(msg), WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
                   "the Timestamp is not signed by the upstream '" GW_DN "'");
    res->refs[its].signature = gw;

    /* two signers cover the assertion: which one vouches is ambiguous */
    assert_int_equal(wssec__result_add_ref(res, assertion, "#other", "sha256", &other, true), 0);
    assert_int_equal(wssec__identity_run(msg), WSSEC_EPOLICY);
    h_assert_error(wssec_msg_error(msg), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                   "the asserted identity 'alice' is signed by two signers ('" GW_DN "' and '"
                   SERVER_DN "')");
    /* a reference that does not cover the whole subtree (an XPath transform) counts for nothing */
    res->refs[res->nrefs - 1].whole = false;
    assert_int_equal(wssec__identity_run(msg), 0);
    msg->res = NULL;
    h_run_free(&r);
    free(xml);
    wssec_ctx_free(be);
}

static void test_signature_hostile(void **state)
{
    (void)state;
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    char *xml = gateway_says("gateway", "alice", NULL);
    static const struct {
        const char *name;
        h_surgery fn;
        int code;
        const char *fault, *needle;
    } cases[] = {
        { "signed assertion moved, unsigned one in its place", s_assertion_wrapped,
          WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
          "the asserted identity 'admin' (/Envelope/Header/Security/UsernameToken) is not covered" },
        { "asserted user changed", s_assertion_changed, WSSEC_EDIGEST, "wsse:FailedCheck",
          "/Envelope/Header/Security/UsernameToken) does not match" },
        { "a second, unsigned assertion", s_second_assertion, WSSEC_EPOLICY,
          "wsse:InvalidSecurity", "two asserted identities ('alice' and 'admin')" },
        { "signed assertion moved out, nothing in its place", s_assertion_out, WSSEC_EMALFORMED,
          "wsse:InvalidSecurity", "lies outside our Security header (/Envelope/Header/UsernameToken)" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        char *evil = h_operate(xml, cases[i].fn, 1);
        h_run r;
        int rc = h_verify(&r, be, evil);
        if (rc != cases[i].code)
            print_error("%s: %s %s\n", cases[i].name, wssec_code_name(rc), h_run_err(&r)->message);
        h_assert_error(h_run_err(&r), cases[i].code, cases[i].fault, cases[i].needle);
        h_run_free(&r);
        free(evil);
    }
    /* §13.2: an assertion in a Security header for another actor is not
     * ours: it counts for nothing, the gateway's own is the one used */
    char *other = h_operate(xml, s_assertion_other_actor, 1);
    h_assert_contains(other, "<wsse:Username>admin</wsse:Username>");
    h_run r;
    int rc = h_verify(&r, be, other);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    h_run_free(&r);
    free(other);
    /* the message again, with or without the extra header: a replay */
    expect_error(be, xml, WSSEC_EREPLAY, "wsse:InvalidSecurity", "already accepted: a replay");
    free(xml);
    wssec_ctx_free(be);
}

/* ---- trust-mode basic ---- */

#define CARGO "<wsse:UsernameToken><wsse:Username>carol</wsse:Username></wsse:UsernameToken>"

static char *basic_message(const char *upstream_ut, const char *assertion)
{
    char *ts = h_timestamp(H_NOW, H_NOW + 300 * H_SEC);
    char *xml = h_envelope(11, "%s%s%s", ts, upstream_ut ? upstream_ut : "", assertion);
    free(ts);
    return xml;
}

static void test_basic(void **state)
{
    (void)state;
    wssec_ctx *be = h_ctx("trust-mode", "basic", "trusted-upstream", "bob", "require",
                          "timestamp,username-token", NULL);
    char created[32];
    h_time(created, H_NOW, 1);

    /* generated by a gateway: its own UsernameToken (bob), then the assertion */
    static const char *const acts[] = { "timestamp", "username-token", "identity-assertion" };
    wssec_ctx *gw = h_ctx(NULL);
    char *p = plain();
    char *xml = secure(gw, p, acts, 3, "bob", "carol", NULL);
    h_run r;
    int rc = h_verify(&r, be, xml);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), "carol");
    assert_string_equal(wssec_result_asserted_by(r.res), "bob");
    assert_int_equal(wssec_result_assertion_proof(r.res), WSSEC_PROOF_PASSWORD);
    h_run_free(&r);
    /* replay: the upstream's nonce */
    expect_error(be, xml, WSSEC_EREPLAY, "wsse:FailedAuthentication", "nonce of 'bob' was already used");
    free(xml);

    /* an assertion without upstream credentials */
    xml = basic_message(NULL, CARGO);
    wssec_ctx *be_open = h_ctx("trust-mode", "basic", "trusted-upstream", "bob", "require",
                               "timestamp", NULL);
    expect_error(be_open, xml, WSSEC_EAUTH, "wsse:FailedAuthentication",
                 "the asserted identity 'carol' comes without upstream credentials");
    free(xml);

    /* an authenticated user who is no trusted upstream */
    char *ut = h_ut_digest("alice", "alice-s3cret", "nonce-alice-1", created);
    xml = basic_message(ut, CARGO);
    expect_error(be, xml, WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                 "upstream 'alice' (proven by password) is not trusted to assert identities");
    free(xml);
    free(ut);

    /* the upstream's password is wrong */
    ut = h_ut_digest("bob", "not-bobs", "nonce-bob-2", created);
    xml = basic_message(ut, CARGO);
    expect_error(be, xml, WSSEC_EAUTH, "wsse:FailedAuthentication", "wrong password");
    free(xml);
    free(ut);

    /* an upstream token without a Nonce could be replayed */
    wssec_ctx *be_text = h_ctx("trust-mode", "basic", "trusted-upstream", "bob", "require",
                               "timestamp,username-token", "password-type", "any", NULL);
    ut = h_ut_text("bob", "pw2");
    xml = basic_message(ut, CARGO);
    expect_error(be_text, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                 "the upstream's UsernameToken ('bob') has no Nonce");
    free(xml);
    free(ut);
    /* upstream-nonce-optional: a fresh Created instead of a Nonce, as
     * WebSphere accepts (replayable within max-age: a warning says so) */
    wssec_ctx *be_ws = h_ctx("trust-mode", "basic", "trusted-upstream", "bob", "require",
                             "timestamp,username-token", "password-type", "any",
                             "upstream-nonce-optional", "true", NULL);
    ut = h_ut_text("bob", "pw2");
    xml = basic_message(ut, CARGO);
    expect_error(be_ws, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                 "has no Nonce: its assertion of 'carol' could be replayed "
                 "(upstream-nonce-optional needs a Created then)");
    free(xml);
    free(ut);
    ut = h_strf("<wsse:UsernameToken><wsse:Username>bob</wsse:Username>"
                "<wsse:Password Type=\"%s\">pw2</wsse:Password>"
                "<wsu:Created>%s</wsu:Created></wsse:UsernameToken>",
                H_PW_TEXT, created);
    xml = basic_message(ut, CARGO);
    expect_error(be_text, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                 "(upstream-nonce-optional accepts a fresh Created instead)");
    h_run rn;
    assert_int_equal(h_verify(&rn, be_ws, xml), 0);
    assert_string_equal(wssec_result_caller(rn.res), "carol");
    assert_string_equal(wssec_result_asserted_by(rn.res), "bob");
    assert_true(h_has_warning(rn.res, "only a fresh Created (upstream-nonce-optional)"));
    h_run_free(&rn);
    free(xml);
    free(ut);
    /* a stale Created is refused by the UsernameToken's own check */
    char stale[32];
    ut = h_strf("<wsse:UsernameToken><wsse:Username>bob</wsse:Username>"
                "<wsse:Password Type=\"%s\">pw2</wsse:Password>"
                "<wsu:Created>%s</wsu:Created></wsse:UsernameToken>",
                H_PW_TEXT, h_time(stale, H_NOW - 3600 * H_SEC, 0));
    xml = basic_message(ut, CARGO);
    expect_error(be_ws, xml, WSSEC_EEXPIRED, NULL, "is older than max-age");
    wssec_ctx_free(be_ws);
    free(xml);
    free(ut);
    ut = h_ut_text("bob", "pw2");
    xml = basic_message(ut, CARGO);
    /* nor one with a Nonce but no Created (the nonce cache forgets it) */
    free(xml);
    free(ut);
    ut = h_strf("<wsse:UsernameToken><wsse:Username>bob</wsse:Username>"
                "<wsse:Password Type=\"%s\">pw2</wsse:Password>"
                "<wsse:Nonce EncodingType=\"%s\">bm9uY2UtYm9iLXQ=</wsse:Nonce>"
                "</wsse:UsernameToken>",
                H_PW_TEXT, H_ENC_B64);
    xml = basic_message(ut, CARGO);
    expect_error(be_text, xml, WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "Nonce without Created");
    free(xml);
    free(ut);

    /* two assertions */
    ut = h_ut_digest("bob", "pw2", "nonce-bob-3", created);
    xml = basic_message(ut, CARGO "<wsse:UsernameToken><wsse:Username>dave</wsse:Username>"
                                  "</wsse:UsernameToken>");
    expect_error(be, xml, WSSEC_EPOLICY, "wsse:InvalidSecurity",
                 "two asserted identities ('carol' and 'dave')");
    free(xml);
    free(ut);

    /* an assertion carries only a Username */
    ut = h_ut_digest("bob", "pw2", "nonce-bob-4", created);
    char *with_created = h_strf("<wsse:UsernameToken><wsse:Username>carol</wsse:Username>"
                                "<wsu:Created>%s</wsu:Created></wsse:UsernameToken>",
                                created);
    xml = basic_message(ut, with_created);
    expect_error(be, xml, WSSEC_ETOKEN, "wsse:InvalidSecurityToken", "holds only a Username");
    free(xml);
    free(ut);
    free(with_created);

    /* a signature-mode back end does not take the upstream's password */
    wssec_ctx *be_sig = h_receiver("trusted-upstream", GW_DN, "require", "timestamp", NULL);
    ut = h_ut_digest("bob", "pw2", "nonce-bob-5", created);
    xml = basic_message(ut, CARGO);
    expect_error(be_sig, xml, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
                 "is not covered by a verified signature");
    free(xml);
    free(ut);

    free(p);
    wssec_ctx_free(gw);
    wssec_ctx_free(be);
    wssec_ctx_free(be_open);
    wssec_ctx_free(be_text);
    wssec_ctx_free(be_sig);
}

/* ---- the evaluator ---- */

typedef struct seen {
    int calls;
    int answer;
    wssec_upstream up;
    char identity[300], normalized[300], asserted[300];
} seen;

static int evaluator(const wssec_upstream *up, char *why, size_t whylen, void *ud)
{
    seen *s = ud;
    s->calls++;
    s->up = *up;
    snprintf(s->identity, sizeof(s->identity), "%s", up->identity);
    snprintf(s->normalized, sizeof(s->normalized), "%s", up->normalized);
    snprintf(s->asserted, sizeof(s->asserted), "%s", up->asserted);
    if (s->answer != 1) snprintf(why, whylen, "the directory says no");
    return s->answer;
}

static wssec_ctx *with_evaluator(seen *s, const char *mode)
{
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    assert_int_equal(wssec_config_set(cfg, "trust", PKI "root.crt"), 0);
    assert_int_equal(wssec_config_set(cfg, "certs", PKI "inter.crt"), 0);
    assert_int_equal(wssec_config_set(cfg, "trust-mode", mode), 0);
    if (!strcmp(mode, "basic"))
        assert_int_equal(wssec_config_set(cfg, "require", "timestamp,username-token"), 0);
    wssec_config_set_password_cb(cfg, h_password_cb, NULL);
    wssec_config_set_trusted_id_evaluator(cfg, evaluator, s);
    wssec_ctx *ctx = NULL;
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_config_free(cfg);
    return ctx;
}

static void test_evaluator(void **state)
{
    (void)state;
    seen s = { .answer = 1 };
    wssec_ctx *be = with_evaluator(&s, "signature");
    char *xml = gateway_says("gateway", NULL, ALICE_DN);
    h_run r;
    assert_int_equal(h_verify(&r, be, xml), 0);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.up.version, WSSEC_UPSTREAM_VERSION);
    assert_int_equal(s.up.proof, WSSEC_PROOF_SIGNATURE);
    assert_string_equal(s.identity, GW_DN);
    assert_string_equal(s.normalized, GW_NORM);
    assert_int_equal(s.up.asserted_kind, WSSEC_ASSERTED_DN);
    assert_string_equal(s.asserted, ALICE_DN);
    assert_string_equal(wssec_result_caller(r.res), ALICE_DN);
    h_run_free(&r);
    free(xml);

    /* only 1 trusts; negative answers are the evaluator's own failures */
    static const struct {
        int answer, code;
        const char *needle;
    } answers[] = {
        { 0, WSSEC_EUNTRUSTED, "is not trusted to assert identities: the directory says no" },
        { 2, WSSEC_EUNTRUSTED, "is not trusted to assert identities" },
        { WSSEC_EBACKEND, WSSEC_EBACKEND, "the trusted-ID evaluator failed for upstream '" GW_DN },
        { -1000, WSSEC_EINTERNAL, "the trusted-ID evaluator failed" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(answers); i++) {
        s.answer = answers[i].answer;
        xml = gateway_says("gateway", "alice", NULL);
        expect_error(be, xml, answers[i].code, NULL, answers[i].needle);
        assert_int_equal(s.up.asserted_kind, WSSEC_ASSERTED_USERNAME);
        free(xml);
    }
    /* an unbound assertion never reaches the evaluator */
    s.calls = 0;
    s.answer = 1;
    wssec_ctx *gw = h_signer("gateway", "sign-part", "body", "sign-part", "timestamp", NULL);
    char *p = plain();
    xml = secure(gw, p, gw_actions, 3, NULL, "alice", NULL);
    expect_error(be, xml, WSSEC_EUNSIGNED, "wsse:InvalidSecurity", "not covered");
    assert_int_equal(s.calls, 0);
    free(xml);
    wssec_ctx_free(be);

    /* basic mode: the user name, proven by password */
    be = with_evaluator(&s, "basic");
    static const char *const acts[] = { "timestamp", "username-token", "identity-assertion" };
    xml = secure(gw, p, acts, 3, "bob", "carol", NULL);
    assert_int_equal(h_verify(&r, be, xml), 0);
    assert_int_equal(s.up.proof, WSSEC_PROOF_PASSWORD);
    assert_string_equal(s.identity, "bob");
    assert_string_equal(s.normalized, "bob");
    assert_string_equal(wssec_result_caller(r.res), "carol");
    h_run_free(&r);
    free(xml);
    free(p);
    wssec_ctx_free(gw);
    wssec_ctx_free(be);
}

/* ---- configuration ---- */

static void test_config_errors(void **state)
{
    (void)state;
    static const struct {
        const char *pairs[8];
        const char *needle;
    } cases[] = {
        { { "trusted-upstream", "gateway", NULL }, "trusted-upstream: 'gateway' is not a distinguished name" },
        { { "trusted-upstream", GW_DN, "replay-signatures", "false", NULL },
          "identity assertion in trust-mode signature needs replay-signatures" },
        { { "assert-user", "alice", "assert-dn", ALICE_DN, NULL }, "give assert-user or assert-dn, not both" },
        { { "assert-dn", "alice", NULL }, "assert-dn: 'alice' is not a distinguished name" },
        { { "assert-dn", "CN=bob,OU=Clients,O=wssec test,C=US", "assert-cert", PKI "alice.crt", NULL },
          "has subject '" ALICE_DN "', not the asserted DN 'CN=bob,OU=Clients,O=wssec test,C=US'" },
        { { "assert-cert", PKI "no-such.crt", NULL }, "assert-cert: " },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        wssec_ctx *ctx = NULL;
        char err[600];
        int rc = h_ctx_try(&ctx, 0, cases[i].pairs, err, sizeof(err));
        if (rc != WSSEC_ECONFIG) print_error("case %zu: %d %s\n", i, rc, err);
        assert_int_equal(rc, WSSEC_ECONFIG);
        assert_null(ctx);
        h_assert_contains(err, cases[i].needle);
    }
    /* the list in basic mode holds user names; replay-signatures may be off there */
    static const char *const basic[] = { "trust-mode", "basic", "trusted-upstream", "gateway",
                                         "replay-signatures", "false", NULL };
    wssec_ctx *ctx = NULL;
    char err[600];
    assert_int_equal(h_ctx_try(&ctx, 0, basic, err, sizeof(err)), 0);
    wssec_ctx_free(ctx);

    /* an evaluator and a list: refused, nothing is silently ignored */
    seen s = { .answer = 1 };
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "trusted-upstream", GW_DN), 0);
    wssec_config_set_trusted_id_evaluator(cfg, evaluator, &s);
    assert_int_equal(wssec_ctx_new(&ctx, cfg), WSSEC_ECONFIG);
    h_assert_error(wssec_config_error(cfg), WSSEC_ECONFIG, "",
                   "trusted-upstream and a trusted-ID evaluator are both configured");
    /* NULL goes back to the list */
    wssec_config_set_trusted_id_evaluator(cfg, NULL, &s);
    assert_int_equal(wssec_ctx_new(&ctx, cfg), 0);
    wssec_ctx_free(ctx);
    wssec_config_free(cfg);
}

/* ---- the generator and strip-security ---- */

/* (not inlined: GCC 12 sees dangling pointers that are not there) */
__attribute__((noinline)) static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, off = 0;
    const char *at;
    while ((at = strstr(hay + off, needle)) != NULL) {
        n++;
        off = (size_t)(at - hay) + 1;
    }
    return n;
}

static void test_generator(void **state)
{
    (void)state;
    char *p = plain(), *out = NULL, err[600];
    static const char *const ia[] = { "identity-assertion" };
    wssec_ctx *none = h_ctx(NULL);
    assert_int_equal(secure_rc(none, p, ia, 1, NULL, NULL, NULL, &out, err, sizeof(err)),
                     WSSEC_ECONFIG);
    h_assert_contains(err, "identity-assertion: no identity to assert (assert-user or assert-dn)");
    assert_int_equal(secure_rc(none, p, ia, 1, NULL, "alice", ALICE_DN, &out, err, sizeof(err)),
                     WSSEC_ECONFIG);
    h_assert_contains(err, "a user name and a DN are both given");
    assert_int_equal(secure_rc(none, p, ia, 1, NULL, "al\nice", NULL, &out, err, sizeof(err)),
                     WSSEC_ECONFIG);
    h_assert_contains(err, "control character");
    assert_int_equal(secure_rc(none, p, ia, 1, NULL, NULL, "not a dn", &out, err, sizeof(err)),
                     WSSEC_ECONFIG);
    h_assert_contains(err, "'not a dn' is not a distinguished name");
    /* a DN without a certificate: none in the message either */
    assert_int_equal(secure_rc(none, p, ia, 1, NULL, NULL, ALICE_DN, &out, err, sizeof(err)),
                     WSSEC_ECONFIG);
    h_assert_contains(err, "no certificate with subject '" ALICE_DN "'");
    /* the option, when the call names nobody */
    wssec_ctx *opt = h_ctx("assert-user", "erin", NULL);
    out = secure(opt, p, ia, 1, NULL, NULL, NULL);
    h_assert_contains(out, "<wsse:Username>erin</wsse:Username>");
    free(out);
    /* a version 1 caller (without the assert fields) is still served */
    wssec_msg *msg = h_parse(opt, p);
    wssec_secure_options v1 = { 1, ia, 1, NULL, NULL, NULL };
    assert_int_equal(wssec_secure(msg, &v1), 0);
    wssec_msg_free(msg);
    msg = h_parse(opt, p);
    wssec_secure_options v3 = WSSEC_SECURE_OPTIONS_INIT;
    v3.version = WSSEC_SECURE_OPTIONS_VERSION + 1;
    assert_int_equal(wssec_secure(msg, &v3), WSSEC_EINVALID);
    wssec_msg_free(msg);
    wssec_ctx_free(opt);
    wssec_ctx_free(none);
    free(p);
}

/* The gateway flow in one process: the client's signed message is verified,
 * then re-secured for the back end with the client's Security header taken
 * out and the caller's DN asserted, with the caller's certificate from the
 * header that was taken out. */
static void test_strip_security(void **state)
{
    (void)state;
    static const char *const sig[] = { "timestamp", "signature" };
    wssec_ctx *client = h_signer("alice", NULL);
    wssec_ctx *front = h_receiver(NULL);
    wssec_ctx *gw = h_signer("gateway", "strip-security", "true", NULL);
    wssec_ctx *be = h_receiver("trusted-upstream", GW_DN, NULL);
    char *p = plain();
    char *c = secure(client, p, sig, 2, NULL, NULL, NULL);
    assert_int_equal(count(c, "</wsse:Security>"), 1);

    /* at the gateway: verify, then secure the very same message */
    wssec_msg *msg = h_parse(front, c);
    wssec_result *res = NULL;
    assert_int_equal(wssec_verify(&res, msg), 0);
    char caller[300];
    snprintf(caller, sizeof(caller), "%s", wssec_result_caller(res));
    assert_string_equal(caller, ALICE_DN);
    wssec_result_free(res);
    unsigned char *bytes = NULL;
    size_t len = 0;
    assert_int_equal(wssec_msg_serialize(&bytes, &len, msg), 0);
    wssec_msg_free(msg);
    char *out = secure(gw, (char *)bytes, gw_actions, 3, NULL, NULL, caller);
    wssec_free(bytes);
    /* one Security header, the gateway's: the client's signature is gone */
    assert_int_equal(count(out, "</wsse:Security>"), 1);
    assert_int_equal(count(out, "</ds:Signature>"), 1);
    assert_int_equal(count(out, "X509PKIPathv1"), 0);
    /* the gateway's token, the asserted one, the signature's reference */
    assert_int_equal(count(out, "ValueType=\"" WSSEC_VT_X509V3 "\""), 3);
    assert_int_equal(count(out, WSSEC_VT_ASSERTED_X509), 0);

    h_run r;
    int rc = h_verify(&r, be, out);
    if (rc) print_error("%s\n", h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    assert_string_equal(wssec_result_caller(r.res), ALICE_DN);
    assert_string_equal(wssec_result_asserted_by(r.res), GW_DN);
    assert_int_equal(wssec_result_token_count(r.res), 4); /* Timestamp, assertion, BST, Signature */
    h_run_free(&r);
    free(out);

    /* another DN than the caller's: no certificate for it in the message */
    char err[600];
    assert_int_equal(secure_rc(gw, c, gw_actions, 3, NULL, NULL,
                               "CN=bob,OU=Clients,O=wssec test,C=US", &out, err, sizeof(err)),
                     WSSEC_ECONFIG);
    h_assert_contains(err, "no certificate with subject 'CN=bob,OU=Clients,O=wssec test,C=US'");
    free(c);
    free(p);
    wssec_ctx_free(client);
    wssec_ctx_free(front);
    wssec_ctx_free(gw);
    wssec_ctx_free(be);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_user),
        cmocka_unit_test(test_signature_dn),
        cmocka_unit_test(test_untrusted_upstream),
        cmocka_unit_test(test_upstream_nul),
        cmocka_unit_test(test_keyref_no_relabel),
        cmocka_unit_test(test_x509_standard_form),
        cmocka_unit_test(test_signer_dn_from_name),
        cmocka_unit_test(test_upstream_binding),
        cmocka_unit_test(test_same_dn_other_signer),
        cmocka_unit_test(test_trusted_dn_normalised),
        cmocka_unit_test(test_signature_unbound),
        cmocka_unit_test(test_binding_rules),
        cmocka_unit_test(test_signature_hostile),
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_evaluator),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_generator),
        cmocka_unit_test(test_strip_security),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
