/*
 * WS-SecurityPolicy: reading (references inside the document only, cycles,
 * bounds, no DTD), normalisation (ExactlyOne, Optional, Ignorable), the
 * choice of a WSDL message, and the translation into options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "helpers.h"

#define WSP "xmlns:wsp=\"http://www.w3.org/ns/ws-policy\" "
#define SP "xmlns:sp=\"http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702\" "
#define WSU "xmlns:wsu=\"" WSSEC_NS_WSU "\" "
#define POLICY(body) "<wsp:Policy " WSP SP WSU ">" body "</wsp:Policy>"
#define WSDL(body)                                                                           \
    "<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" " WSP SP WSU ">" body \
    "</wsdl:definitions>"

#define UT_SUPPORTING(attrs)                                                                  \
    "<sp:SupportingTokens" attrs "><wsp:Policy><sp:UsernameToken><wsp:Policy>"                \
    "<sp:WssUsernameToken10/><sp:HashPassword/></wsp:Policy></sp:UsernameToken></wsp:Policy>" \
    "</sp:SupportingTokens>"

static int parse(wssec_policy **p, const char *doc, const char *b, const char *o, const char *m)
{
    assert_int_equal(wssec_policy_new(p), 0);
    return wssec_policy_parse(*p, doc, strlen(doc), "t.xml", b, o, m);
}

/* The value of option opt in alternative a of target 0 (the first), or NULL. */
static const char *setting(const wssec_policy *p, size_t a, const char *opt, const char *value)
{
    for (size_t i = 0; i < wssec_policy_setting_count(p, 0, a); i++) {
        const char *o, *v, *as;
        wssec_policy_dir d;
        assert_int_equal(wssec_policy_setting(&o, &v, &as, &d, p, 0, a, i), 0);
        if (!strcmp(o, opt) && (!value || !strcmp(v, value))) return as;
    }
    return NULL;
}

static void assert_error(wssec_policy **pp, int rc, int code, const char *piece)
{
    wssec_policy *p = *pp;
    assert_int_equal(rc, code);
    assert_int_equal(wssec_policy_error(p)->code, code);
    if (!strstr(wssec_policy_error(p)->message, piece))
        fail_msg("'%s' not in '%s'", piece, wssec_policy_error(p)->message);
}

static void test_reference_resolved(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *doc = WSDL("<wsp:Policy wsu:Id=\"ut\">" UT_SUPPORTING(
        "") "</wsp:Policy>"
            "<wsp:Policy wsu:Id=\"outer\"><wsp:PolicyReference URI=\"#ut\"/>"
            "</wsp:Policy>"
            "<wsdl:binding name=\"B\"><wsp:PolicyReference URI=\"#outer\"/>"
            "</wsdl:binding>");
    assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_target_count(p), 1);
    const char *b, *o, *m;
    assert_int_equal(wssec_policy_target(&b, &o, &m, p, 0), 0);
    assert_string_equal(b, "B");
    assert_string_equal(o, "");
    assert_int_equal(wssec_policy_alternative_count(p, 0), 1);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
    assert_string_equal(setting(p, 0, "require", "username-token"),
                        "sp:SupportingTokens/sp:UsernameToken");
    assert_non_null(setting(p, 0, "password-type", "digest"));
    wssec_policy_free(p);
}

static void test_reference_outside_refused(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *doc = WSDL("<wsdl:binding name=\"B\"><wsp:PolicyReference "
                           "URI=\"http://attacker.example/p.xml\"/></wsdl:binding>");
    assert_error(&p, parse(&p, doc, NULL, NULL, NULL), WSSEC_ECONFIG, "policies are never fetched");
    wssec_policy_free(p);
    doc = WSDL("<wsdl:binding name=\"B\"><wsp:PolicyReference URI=\"#nope\"/></wsdl:binding>");
    assert_error(&p, parse(&p, doc, NULL, NULL, NULL), WSSEC_ECONFIG,
                 "'#nope': no wsp:Policy with that wsu:Id");
    wssec_policy_free(p);
}

static void test_reference_cycle_refused(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *doc = WSDL("<wsp:Policy wsu:Id=\"a\"><wsp:PolicyReference URI=\"#b\"/></wsp:Policy>"
                           "<wsp:Policy wsu:Id=\"b\"><wsp:PolicyReference URI=\"#a\"/></wsp:Policy>"
                           "<wsdl:binding name=\"B\"><wsp:PolicyReference URI=\"#a\"/>"
                           "</wsdl:binding>");
    assert_error(&p, parse(&p, doc, NULL, NULL, NULL), WSSEC_ECONFIG, "a reference cycle");
    wssec_policy_free(p);
}

static void test_unknown_assertion_named(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *why = NULL;
    assert_int_equal(parse(&p, POLICY("\n<x:Audit xmlns:x=\"urn:x\"/>"), NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "t.xml: line 2: unknown assertion {urn:x}Audit in the policy"));
    assert_int_equal(wssec_policy_setting_count(p, 0, 0), 0);
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_policy_apply(cfg, p, 0, 0, WSSEC_POLICY_INBOUND), WSSEC_ECONFIG);
    wssec_config_free(cfg);
    wssec_policy_free(p);
    /* an unknown sp: assertion too */
    assert_int_equal(parse(&p, POLICY("<sp:MadeUp/>"), NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "unknown assertion sp:MadeUp"));
    wssec_policy_free(p);
}

static void test_ignorable_skipped(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    assert_int_equal(
        parse(&p, POLICY("<x:Audit xmlns:x=\"urn:x\" wsp:Ignorable=\"true\"/>" UT_SUPPORTING("")),
              NULL, NULL, NULL),
        0);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
    assert_non_null(setting(p, 0, "require", "username-token"));
    wssec_policy_free(p);
}

static void test_optional_two_alternatives(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    assert_int_equal(parse(&p, POLICY(UT_SUPPORTING(" wsp:Optional=\"true\"")), NULL, NULL, NULL),
                     0);
    assert_int_equal(wssec_policy_alternative_count(p, 0), 2);
    assert_non_null(setting(p, 0, "require", "username-token"));
    assert_null(setting(p, 1, "require", "username-token"));
    assert_string_equal(setting(p, 1, "require", "none"), "the policy");
    /* an optional unknown assertion: the alternative without it stands */
    wssec_policy_free(p);
    assert_int_equal(
        parse(&p, POLICY("<x:A xmlns:x=\"urn:x\" wsp:Optional=\"true\"/>"), NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_alternative_count(p, 0), 2);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 0);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 1), 1);
    wssec_policy_free(p);
}

static void test_exactly_one_nested(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    /* (A | B) x (C | D) = four alternatives */
    const char *doc =
        POLICY("<wsp:ExactlyOne><sp:Wss10/><sp:Wss11/></wsp:ExactlyOne>"
               "<wsp:ExactlyOne><wsp:All>" UT_SUPPORTING("") "</wsp:All>"
                                                             "<wsp:All/></wsp:ExactlyOne>");
    assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_alternative_count(p, 0), 4);
    for (size_t a = 0; a < 4; a++) assert_int_equal(wssec_policy_supported(NULL, p, 0, a), 1);
    wssec_policy_free(p);
    /* an empty ExactlyOne: nothing can satisfy it */
    assert_error(&p, parse(&p, POLICY("<wsp:ExactlyOne/>"), NULL, NULL, NULL), WSSEC_ECONFIG,
                 "no alternative");
    wssec_policy_free(p);
}

static void test_bounds(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    char deep[4000] = "";
    size_t l = 0;
    for (int i = 0; i < 20; i++) l += (size_t)snprintf(deep + l, sizeof(deep) - l, "<wsp:All>");
    for (int i = 0; i < 20; i++) l += (size_t)snprintf(deep + l, sizeof(deep) - l, "</wsp:All>");
    char doc[5000];
    snprintf(doc, sizeof(doc), POLICY("%s"), deep);
    assert_error(&p, parse(&p, doc, NULL, NULL, NULL), WSSEC_ELIMIT, "nests deeper than 16");
    wssec_policy_free(p);
    /* five optional assertions: 32 alternatives */
    snprintf(doc, sizeof(doc), POLICY("%s%s%s%s%s"), "<sp:Wss10 wsp:Optional=\"true\"/>",
             "<sp:Wss11 wsp:Optional=\"true\"/>", "<sp:Wss10 wsp:Optional=\"true\"/>",
             "<sp:Wss11 wsp:Optional=\"true\"/>", "<sp:Wss10 wsp:Optional=\"true\"/>");
    assert_error(&p, parse(&p, doc, NULL, NULL, NULL), WSSEC_ELIMIT, "more than 16 alternatives");
    wssec_policy_free(p);
    /* every reference walks the document: at most 256 of them */
    size_t cap = 300 * 40 + 400;
    char *refs = calloc(1, cap), *big = calloc(1, cap + 400);
    assert_non_null(refs);
    assert_non_null(big);
    l = 0;
    for (int i = 0; i < 300; i++)
        l += (size_t)snprintf(refs + l, cap - l, "<wsp:PolicyReference URI=\"#e\"/>");
    snprintf(big, cap + 400,
             WSDL("<wsp:Policy wsu:Id=\"e\"/><wsdl:binding name=\"B\"><wsp:Policy>%s</wsp:Policy>"
                  "</wsdl:binding>"),
             refs);
    assert_error(&p, parse(&p, big, NULL, NULL, NULL), WSSEC_ELIMIT,
                 "more than 256 policy references");
    wssec_policy_free(p);
    free(refs);
    free(big);
}

static void test_dtd_refused(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *doc = "<!DOCTYPE wsp:Policy [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" POLICY(
        "<x:A xmlns:x=\"urn:x\">&x;</x:A>");
    int rc = parse(&p, doc, NULL, NULL, NULL);
    assert_int_equal(rc, WSSEC_ECONFIG);
    assert_int_equal(wssec_policy_target_count(p), 0);
    wssec_policy_free(p);
}

static void test_recognised_not_supported(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *why = NULL;
    assert_int_equal(parse(&p, POLICY("<sp:SymmetricBinding/>"), NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "sp:SymmetricBinding without an sp:ProtectionToken"));
    wssec_policy_free(p);
    assert_int_equal(parse(&p,
                           POLICY("<sp:Wss11><wsp:Policy><sp:RequireSignatureConfirmation/>"
                                  "</wsp:Policy></sp:Wss11>"),
                           NULL, NULL, NULL),
                     0);
    /* SignatureConfirmation: supported, a check said by the explanation */
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 1);
    assert_string_equal(setting(p, 0, "", NULL), "sp:Wss11/sp:RequireSignatureConfirmation");
    wssec_policy_free(p);
    assert_int_equal(parse(&p,
                           POLICY("<sp:EndorsingSupportingTokens><wsp:Policy><sp:UsernameToken/>"
                                  "</wsp:Policy></sp:EndorsingSupportingTokens>"),
                           NULL, NULL, NULL),
                     0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "sp:UsernameToken is recognised but not supported yet: wssec's "
                                "endorsing supporting tokens are X.509 tokens"));
    wssec_policy_free(p);
}

#define BINDING(name, body) "<wsdl:binding name=\"" name "\">" body "</wsdl:binding>"

static void test_wsdl_selection(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *doc = WSDL("<wsp:Policy wsu:Id=\"u\">" UT_SUPPORTING("") "</wsp:Policy>" BINDING(
        "A", "<wsp:PolicyReference URI=\"#u\"/>"
             "<wsdl:operation name=\"Op1\"><wsdl:input><wsp:Policy><sp:Wss10/></wsp:Policy>"
             "</wsdl:input><wsdl:output/></wsdl:operation>"
             "<wsdl:operation name=\"Op2\"/>") BINDING("B", ""));
    assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_target_count(p), 4); /* A Op1 input, A Op1 output, A Op2, B */
    wssec_policy_free(p);
    assert_int_equal(parse(&p, doc, "A", "Op1", "input"), 0);
    assert_int_equal(wssec_policy_target_count(p), 1);
    const char *b, *o, *m;
    assert_int_equal(wssec_policy_target(&b, &o, &m, p, 0), 0);
    assert_string_equal(m, "input");
    assert_non_null(setting(p, 0, "require", "username-token"));
    wssec_policy_free(p);
    assert_error(&p, parse(&p, doc, "C", NULL, NULL), WSSEC_ECONFIG,
                 "no wsdl:binding named 'C' (bindings: A, B)");
    wssec_policy_free(p);
    assert_error(&p, parse(&p, doc, "A", "Op9", NULL), WSSEC_ECONFIG,
                 "binding 'A' has no operation 'Op9'");
    wssec_policy_free(p);
    assert_error(&p, parse(&p, doc, "A", NULL, "fault"), WSSEC_ECONFIG,
                 "'fault' is not input or output");
    wssec_policy_free(p);
    /* a policy where wssec does not look is refused, not ignored */
    doc = WSDL("<wsdl:service name=\"S\"><wsdl:port name=\"P\"><wsp:Policy><sp:Wss10/>"
               "</wsp:Policy></wsdl:port></wsdl:service>" BINDING("A", ""));
    assert_error(&p, parse(&p, doc, NULL, NULL, NULL), WSSEC_ECONFIG,
                 "a policy attached to wsdl:port is not supported");
    wssec_policy_free(p);
}

#define X509(mode, extra)                                                                       \
    "<wsp:Policy><sp:X509Token sp:IncludeToken=\"http://docs.oasis-open.org/ws-sx/"             \
    "ws-securitypolicy/200702/IncludeToken/" mode "\"><wsp:Policy><sp:WssX509V3Token10/>" extra \
    "</wsp:Policy></sp:X509Token></wsp:Policy>"

static void test_asymmetric_translation(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *doc = POLICY(
        "<sp:AsymmetricBinding><wsp:Policy>"
        "<sp:InitiatorToken>" X509(
            "Never",
            "<sp:RequireThumbprintReference/>") "</sp:InitiatorToken>"
                                                "<sp:RecipientToken>" X509(
                                                    "Never",
                                                    "") "</sp:RecipientToken>"
                                                        "<sp:AlgorithmSuite><wsp:Policy><sp:"
                                                        "TripleDesRsa15/></wsp:Policy></"
                                                        "sp:AlgorithmSuite>"
                                                        "<sp:IncludeTimestamp/"
                                                        "><sp:EncryptSignature/"
                                                        "><sp:EncryptBeforeSigning/>"
                                                        "</wsp:Policy></sp:AsymmetricBinding>"
                                                        "<sp:SignedElements><sp:XPath "
                                                        "xmlns:m=\"urn:m\">//m:Symbol</sp:XPath></"
                                                        "sp:SignedElements>"
                                                        "<sp:EncryptedParts><sp:Body/></"
                                                        "sp:EncryptedParts>");
    assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
    assert_string_equal(setting(p, 0, "actions", "timestamp,encrypted-key,signature"),
                        "sp:AsymmetricBinding");
    assert_string_equal(setting(p, 0, "key-id", "thumbprint"), "sp:InitiatorToken/sp:X509Token");
    assert_string_equal(setting(p, 0, "sign-alg", "rsa-sha1"),
                        "sp:AlgorithmSuite/sp:TripleDesRsa15");
    assert_non_null(setting(p, 0, "digest-alg", "sha1"));
    assert_non_null(setting(p, 0, "enc-alg", "tripledes-cbc"));
    assert_non_null(setting(p, 0, "key-transport", "rsa-1_5"));
    assert_non_null(setting(p, 0, "allow-3des", "true"));
    assert_non_null(setting(p, 0, "allow-rsa15", "true"));
    assert_non_null(setting(p, 0, "allow-sha1", "true"));
    assert_non_null(setting(p, 0, "allow-cbc", "true"));
    assert_string_equal(setting(p, 0, "encrypt-part", "signature"), "sp:EncryptSignature");
    assert_non_null(setting(p, 0, "sign-part", "//m:Symbol"));
    assert_non_null(setting(p, 0, "require", "signed://m:Symbol"));
    assert_non_null(setting(p, 0, "namespace", "m=urn:m"));
    assert_string_equal(setting(p, 0, "require", "encrypted:/soap:Envelope/soap:Body"),
                        "sp:EncryptedParts/sp:Body");
    /* applied, it is a configuration wssec accepts */
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_policy_apply(cfg, p, 0, 0, WSSEC_POLICY_INBOUND), 0);
    assert_int_equal(wssec_policy_apply(cfg, p, 0, 0, WSSEC_POLICY_OUTBOUND), 0);
    wssec_config_free(cfg);
    wssec_policy_free(p);
    /* Basic192 has no AES-192 in wssec */
    doc = POLICY("<sp:AsymmetricBinding><wsp:Policy><sp:InitiatorToken>" X509(
        "Always",
        "") "</sp:InitiatorToken><sp:AlgorithmSuite><wsp:Policy><sp:Basic192/></wsp:Policy>"
            "</sp:AlgorithmSuite></wsp:Policy></sp:AsymmetricBinding>");
    const char *why = NULL;
    assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "sp:Basic192 is recognised but not supported yet"));
    wssec_policy_free(p);
}

#define DS_REF(id)                                                                  \
    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>" \
    "<ds:Reference URI=\"#" id "\"/></ds:SignedInfo></ds:Signature>"
#define TS(id) "<wsu:Timestamp wsu:Id=\"" id "\"/>"
#define LAYOUT_FMT                                                                              \
    POLICY("<sp:AsymmetricBinding><wsp:Policy><sp:InitiatorToken>" X509(                        \
        "Always", "") "</sp:InitiatorToken><sp:AlgorithmSuite><wsp:Policy><sp:Basic256Sha256/>" \
                      "</wsp:Policy></sp:AlgorithmSuite><sp:Layout><wsp:Policy><sp:%s/>"        \
                      "</wsp:Policy></sp:Layout><sp:IncludeTimestamp/><sp:EncryptSignature/>"   \
                      "</wsp:Policy></sp:AsymmetricBinding>")

/* The layout of the Security header, before verify: code, fault and node. */
static int layout_rc(const char *which, const char *security, wssec_msg **out, wssec_ctx **ctx,
                     wssec_policy **p)
{
    char doc[4000];
    snprintf(doc, sizeof(doc), LAYOUT_FMT, which);
    assert_int_equal(parse(p, doc, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(NULL, *p, 0, 0), 1);
    *ctx = h_ctx(NULL);
    char *xml = h_envelope(11, "%s", security);
    *out = h_parse(*ctx, xml);
    free(xml);
    return wssec_policy_check(*out, NULL, *p, 0, 0);
}

#define SYM(prot, suite, extra)                                                             \
    "<sp:SymmetricBinding><wsp:Policy><sp:ProtectionToken>" prot "</sp:ProtectionToken>"    \
    "<sp:AlgorithmSuite><wsp:Policy><sp:" suite "/></wsp:Policy></sp:AlgorithmSuite>" extra \
    "</wsp:Policy></sp:SymmetricBinding>"
#define ENDORSING(kind, mode)                                                              \
    "<sp:" kind "><wsp:Policy><sp:X509Token sp:IncludeToken=\"http://docs.oasis-open.org/" \
    "ws-sx/ws-securitypolicy/200702/IncludeToken/" mode "\"/></wsp:Policy></sp:" kind ">"
#define BODY_SIGNED_ENCRYPTED \
    "<sp:SignedParts><sp:Body/></sp:SignedParts><sp:EncryptedParts><sp:Body/></sp:EncryptedParts>"

static void test_symmetric_translation(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    /* the ProtectionToken with derived keys, a SHA-1 suite, endorsed */
    const char *doc =
        POLICY(SYM(X509("Never", "<sp:RequireIssuerSerialReference/>"
                                 "<sp:RequireDerivedKeys/>"),
                   "Basic128", "<sp:IncludeTimestamp/>")
                   ENDORSING("EndorsingSupportingTokens", "Never") BODY_SIGNED_ENCRYPTED);
    assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
    assert_string_equal(setting(p, 0, "actions", "timestamp,signature,encrypted-key,endorse"),
                        "sp:SymmetricBinding");
    assert_string_equal(setting(p, 0, "symmetric", "true"), "sp:SymmetricBinding");
    assert_string_equal(setting(p, 0, "derived-keys", "true"),
                        "sp:ProtectionToken/sp:RequireDerivedKeys");
    assert_non_null(setting(p, 0, "derived-key-ns", "1.3")); /* SP 1.2: WS-SC 1.3 */
    assert_string_equal(setting(p, 0, "enc-key-id", "issuer-serial"),
                        "sp:ProtectionToken/sp:X509Token");
    /* the endorsing token, never included: named by issuer and serial */
    assert_string_equal(setting(p, 0, "key-id", "issuer-serial"),
                        "sp:EndorsingSupportingTokens/sp:X509Token");
    assert_non_null(setting(p, 0, "enc-alg", "aes128-cbc"));
    assert_non_null(setting(p, 0, "allow-sha1", "true")); /* hmac-sha1 from others */
    assert_string_equal(setting(p, 0, "require", "signed:/soap:Envelope/soap:Body"),
                        "sp:SignedParts/sp:Body");
    assert_string_equal(setting(p, 0, "", NULL), "sp:SymmetricBinding");
    /* anything not signed under the symmetric binding is the endorsement's failure */
    wssec_error e = { WSSEC_EPOLICY,
                      WSSEC_CAT_POLICY,
                      "policy requires a trusted X.509 signature; the message has none",
                      "",
                      "",
                      "",
                      "",
                      0 };
    assert_string_equal(wssec_policy_blame(p, 0, 0, &e),
                        "sp:EndorsingSupportingTokens/sp:X509Token");
    wssec_policy_free(p);

    /* SP 1.1 derived keys: the 2005-02 namespace; no signed part: no endorsement needed */
    const char *doc11 =
        "<wsp:Policy " WSP "xmlns:sp=\"http://schemas.xmlsoap.org/ws/2005/07/securitypolicy\">"
        "<sp:SymmetricBinding><wsp:Policy><sp:ProtectionToken><wsp:Policy><sp:X509Token>"
        "<wsp:Policy><sp:RequireDerivedKeys/></wsp:Policy></sp:X509Token></wsp:Policy>"
        "</sp:ProtectionToken><sp:AlgorithmSuite><wsp:Policy><sp:Basic256Sha256/></wsp:Policy>"
        "</sp:AlgorithmSuite></wsp:Policy></sp:SymmetricBinding>"
        "<sp:EncryptedParts><sp:Body/></sp:EncryptedParts></wsp:Policy>";
    assert_int_equal(parse(&p, doc11, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
    assert_non_null(setting(p, 0, "derived-key-ns", "2005-02"));
    assert_non_null(setting(p, 0, "actions", "encrypted-key"));
    assert_null(setting(p, 0, "", NULL)); /* no signature: no check */
    wssec_policy_free(p);
}

static void test_symmetric_refusals(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *why = NULL;
    /* signed parts, no endorsing token: both assertions named */
    assert_int_equal(
        parse(&p, POLICY(SYM(X509("Never", ""), "Basic256Sha256", "") BODY_SIGNED_ENCRYPTED), NULL,
              NULL, NULL),
        0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "sp:SymmetricBinding with sp:SignedParts"));
    assert_non_null(strstr(why, "needs sp:EndorsingSupportingTokens"));
    wssec_policy_free(p);
    /* a session key is neither 3DES nor RSA-1.5-wrapped */
    assert_int_equal(parse(&p,
                           POLICY(SYM(X509("Never", ""), "TripleDes", "") ENDORSING(
                               "EndorsingSupportingTokens", "Always") BODY_SIGNED_ENCRYPTED),
                           NULL, NULL, NULL),
                     0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "sp:SymmetricBinding with sp:AlgorithmSuite/sp:TripleDes"));
    wssec_policy_free(p);
    /* derived keys belong to the symmetric binding; implied ones are not written */
    assert_int_equal(parse(&p,
                           POLICY("<sp:AsymmetricBinding><wsp:Policy><sp:InitiatorToken>" X509(
                               "Always", "<sp:RequireDerivedKeys/>") "</sp:InitiatorToken>"
                                                                     "</wsp:Policy>"
                                                                     "</sp:AsymmetricBinding>"),
                           NULL, NULL, NULL),
                     0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "sp:RequireDerivedKeys under sp:AsymmetricBinding"));
    wssec_policy_free(p);
    assert_int_equal(
        parse(&p,
              POLICY(SYM(X509("Never", "<sp:RequireImpliedDerivedKeys/>"), "Basic256Sha256", "")),
              NULL, NULL, NULL),
        0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "sp:RequireImpliedDerivedKeys is recognised but not supported"));
    wssec_policy_free(p);
    /* an endorsing token endorses a binding's signature */
    assert_int_equal(
        parse(&p, POLICY(ENDORSING("SignedEndorsingSupportingTokens", "Always")), NULL, NULL, NULL),
        0);
    assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
    assert_non_null(strstr(why, "sp:SignedEndorsingSupportingTokens/sp:X509Token without "
                                "sp:AsymmetricBinding or sp:SymmetricBinding"));
    wssec_policy_free(p);
}

static void test_endorsing_asymmetric(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    const char *doc = POLICY("<sp:AsymmetricBinding><wsp:Policy><sp:InitiatorToken>" X509(
        "AlwaysToRecipient",
        "") "</sp:InitiatorToken>"
            "<sp:AlgorithmSuite><wsp:Policy><sp:Basic256Sha256/>"
            "</wsp:Policy></sp:AlgorithmSuite>"
            "</wsp:Policy></sp:AsymmetricBinding>" ENDORSING(
                "SignedEndorsingSupportingTokens",
                "AlwaysToRecipient") "<sp:SignedParts><sp:Body/></sp:SignedParts>");
    assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
    assert_string_equal(setting(p, 0, "actions", "signature,endorse"), "sp:AsymmetricBinding");
    assert_null(setting(p, 0, "symmetric", NULL));
    assert_string_equal(setting(p, 0, "key-id", "bst"), "sp:InitiatorToken/sp:X509Token");
    assert_string_equal(setting(p, 0, "", NULL), "sp:SignedEndorsingSupportingTokens/sp:X509Token");
    wssec_policy_free(p);
}

static void test_layout(void **state)
{
    (void)state;
    static const struct {
        const char *layout, *security, *piece, *node;
    } cases[] = {
        /* Strict: the Timestamp after the Signature that references it */
        { "Strict", DS_REF("ts") TS("ts"),
          "policy assertion sp:Layout/sp:Strict: the Security header's Signature uses '#ts', "
          "which comes after it",
          "/Envelope/Header/Security/Signature" },
        { "Strict", TS("ts") DS_REF("ts"), NULL, NULL },
        { "LaxTsFirst", "<wsse:BinarySecurityToken/>" TS("ts"),
          "policy assertion sp:Layout/sp:LaxTsFirst: the Security header's first child is not "
          "a wsu:Timestamp",
          "/Envelope/Header/Security/BinarySecurityToken" },
        { "LaxTsFirst", TS("ts") "<wsse:BinarySecurityToken/>", NULL, NULL },
        { "LaxTsLast", TS("ts") "<wsse:BinarySecurityToken/>",
          "policy assertion sp:Layout/sp:LaxTsLast: the Security header's last child is not a "
          "wsu:Timestamp",
          "/Envelope/Header/Security/BinarySecurityToken" },
        { "LaxTsLast", "<wsse:BinarySecurityToken/>" TS("ts"), NULL, NULL },
        { "Lax", DS_REF("ts") TS("ts"), NULL, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wssec_msg *m = NULL;
        wssec_ctx *ctx = NULL;
        wssec_policy *p = NULL;
        /* the Signature in the clear breaks EncryptSignature: checked first */
        int rc = layout_rc(cases[i].layout, cases[i].security, &m, &ctx, &p);
        if (strstr(cases[i].security, "ds:Signature")) {
            h_assert_error(wssec_msg_error(m), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                           "policy assertion sp:EncryptSignature: the Security header holds a "
                           "ds:Signature in the clear");
        } else if (cases[i].piece) {
            h_assert_error(wssec_msg_error(m), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                           cases[i].piece);
            assert_string_equal(wssec_msg_error(m)->subject, cases[i].node);
        } else {
            assert_int_equal(rc, 0);
        }
        wssec_msg_free(m);
        wssec_ctx_free(ctx);
        wssec_policy_free(p);
    }
}

/* Strict without EncryptSignature: the order of references alone. */
static void test_layout_strict_references(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    assert_int_equal(
        parse(&p,
              POLICY("<sp:AsymmetricBinding><wsp:Policy><sp:InitiatorToken>" X509(
                  "Always",
                  "") "</sp:InitiatorToken><sp:AlgorithmSuite><wsp:Policy><sp:Basic256Sha256/>"
                      "</wsp:Policy></sp:AlgorithmSuite><sp:Layout><wsp:Policy><sp:Strict/>"
                      "</wsp:Policy></sp:Layout><sp:IncludeTimestamp/></wsp:Policy>"
                      "</sp:AsymmetricBinding>"),
              NULL, NULL, NULL),
        0);
    wssec_ctx *ctx = h_ctx(NULL);
    char *bad = h_envelope(
        11, "%s",
        TS("ts") DS_REF("ts") "<wsse:BinarySecurityToken wsu:Id=\"b\"/>"
                              "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
                              "<ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference "
                              "URI=\"#b\"/></wsse:SecurityTokenReference></ds:KeyInfo>"
                              "</ds:Signature>");
    char *good = h_envelope(11, "%s", TS("ts") DS_REF("ts"));
    wssec_msg *m = h_parse(ctx, good);
    assert_int_equal(wssec_policy_check(m, NULL, p, 0, 0), 0);
    wssec_msg_free(m);
    /* a token after the signature that names it is fine only if it comes first */
    m = h_parse(ctx, bad);
    assert_int_equal(wssec_policy_check(m, NULL, p, 0, 0), 0);
    wssec_msg_free(m);
    free(bad);
    bad = h_envelope(11, "%s",
                     TS("ts") "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
                              "<ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference "
                              "URI=\"#b\"/></wsse:SecurityTokenReference></ds:KeyInfo>"
                              "</ds:Signature><wsse:BinarySecurityToken wsu:Id=\"b\"/>");
    m = h_parse(ctx, bad);
    assert_int_equal(wssec_policy_check(m, NULL, p, 0, 0), WSSEC_EPOLICY);
    h_assert_error(wssec_msg_error(m), WSSEC_EPOLICY, "wsse:InvalidSecurity",
                   "sp:Layout/sp:Strict: the Security header's Signature uses '#b'");
    wssec_msg_free(m);
    free(bad);
    free(good);
    wssec_ctx_free(ctx);
    wssec_policy_free(p);
}

/* ---- the checks that need the verified signatures: IncludeToken, the
 * protection order ---- */

#define ASYM_FMT                                                                           \
    POLICY("<sp:AsymmetricBinding><wsp:Policy><sp:InitiatorToken><wsp:Policy>"             \
           "<sp:X509Token%s><wsp:Policy><sp:WssX509V3Token10/></wsp:Policy>"               \
           "</sp:X509Token></wsp:Policy></sp:InitiatorToken><sp:RecipientToken>" X509(     \
               "Never", "") "</sp:RecipientToken><sp:AlgorithmSuite><wsp:Policy>"          \
                            "<sp:Basic256Sha256/></wsp:Policy></sp:AlgorithmSuite>"        \
                            "<sp:IncludeTimestamp/>%s</wsp:Policy></sp:AsymmetricBinding>" \
                            "<sp:SignedParts><sp:Body/></sp:SignedParts>%s")

/* A context with option pairs (NULL-terminated), then the policy's settings
 * for dir (none when p is NULL), then more pairs (after the first NULL,
 * NULL-terminated). */
static wssec_ctx *policy_ctx(const wssec_policy *p, wssec_policy_dir dir, const char *const *pairs)
{
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    wssec_config_set_password_cb(cfg, h_password_cb, NULL);
    size_t i = 0;
    for (; pairs[i]; i += 2) assert_int_equal(wssec_config_set(cfg, pairs[i], pairs[i + 1]), 0);
    if (p) assert_int_equal(wssec_policy_apply(cfg, p, 0, 0, dir), 0);
    for (i++; pairs[i]; i += 2) assert_int_equal(wssec_config_set(cfg, pairs[i], pairs[i + 1]), 0);
    wssec_ctx *ctx = NULL;
    if (wssec_ctx_new(&ctx, cfg)) fail_msg("%s", wssec_config_error(cfg)->message);
    wssec_config_free(cfg);
    return ctx;
}

/* Verifies xml under the policy as `wssec verify --policy` does (layout,
 * verify, then the checks after it): the code; the error in *e (copied). */
static int policy_verify(const wssec_ctx *ctx, const wssec_policy *p, const char *xml, char *why,
                         size_t size, char *subject, size_t ssize)
{
    wssec_msg *m = h_parse(ctx, xml);
    wssec_result *res = NULL;
    int rc = wssec_policy_check(m, NULL, p, 0, 0);
    const wssec_error *e = rc ? wssec_msg_error(m) : NULL;
    if (!rc && (rc = wssec_verify(&res, m)) != 0) e = wssec_result_error(res);
    if (!rc && (rc = wssec_policy_check(m, res, p, 0, 0)) != 0) e = wssec_msg_error(m);
    snprintf(why, size, "%s", e ? e->message : "");
    snprintf(subject, ssize, "%s", e ? e->subject : "");
    wssec_result_free(res);
    wssec_msg_free(m);
    return rc;
}

#define INC(mode)                                                                   \
    " sp:IncludeToken=\"http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702/" \
    "IncludeToken/" mode "\""

static void test_include_token(void **state)
{
    (void)state;
    static const struct {
        const char *include, *key_id, *piece;
    } cases[] = {
        { INC("Never"), "issuer-serial", NULL },
        { INC("Never"), "bst",
          "policy assertion sp:InitiatorToken/sp:X509Token: IncludeToken Never: the message "
          "carries the signer's certificate in a BinarySecurityToken" },
        { INC("Always"), "bst", NULL },
        { INC("Always"), "issuer-serial",
          "policy assertion sp:InitiatorToken/sp:X509Token: IncludeToken Always: the signer's "
          "certificate is not in the message (a BinarySecurityToken); the signature names it "
          "by issuer-serial" },
        { INC("AlwaysToRecipient"), "thumbprint",
          "policy assertion sp:InitiatorToken/sp:X509Token: IncludeToken AlwaysToRecipient: the "
          "signer's certificate is not in the message (a BinarySecurityToken); the signature "
          "names it by thumbprint" },
        /* a request: the token goes to the initiator only */
        { INC("AlwaysToInitiator"), "bst",
          "policy assertion sp:InitiatorToken/sp:X509Token: IncludeToken AlwaysToInitiator: the "
          "message carries the signer's certificate in a BinarySecurityToken" },
        { INC("AlwaysToInitiator"), "issuer-serial", NULL },
        /* Once: required at the recipient, as CXF reads it */
        { INC("Once"), "ski",
          "policy assertion sp:InitiatorToken/sp:X509Token: IncludeToken Once: the signer's "
          "certificate is not in the message (a BinarySecurityToken); the signature names it "
          "by ski" },
        { INC("Once"), "bst", NULL },
        /* no IncludeToken: not checked */
        { "", "issuer-serial", NULL },
        { "", "bst", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char doc[4000], why[600], subject[200];
        snprintf(doc, sizeof(doc), ASYM_FMT, cases[i].include, "", "");
        wssec_policy *p = NULL;
        assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
        assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
        const char *snd[] = { "sign-key", H_PKI "alice.key", "sign-cert",     H_PKI "alice.crt",
                              NULL,       "key-id",          cases[i].key_id, NULL };
        const char *rcv[] = { "trust", H_PKI "root.crt",  "certs", H_PKI "inter.crt",
                              "certs", H_PKI "alice.crt", NULL,    NULL };
        wssec_ctx *sctx = policy_ctx(p, WSSEC_POLICY_OUTBOUND, snd);
        wssec_ctx *rctx = policy_ctx(p, WSSEC_POLICY_INBOUND, rcv);
        char *plain = h_envelope_header(11, NULL);
        char *xml = h_secure(sctx, plain, NULL, 0, NULL);
        int rc = policy_verify(rctx, p, xml, why, sizeof(why), subject, sizeof(subject));
        if (cases[i].piece) {
            if (rc != WSSEC_EPOLICY || !strstr(why, cases[i].piece))
                fail_msg("case %zu: %d '%s'", i, rc, why);
            assert_string_equal(subject, "/Envelope/Header/Security/Signature");
        } else if (rc) {
            fail_msg("case %zu: %d '%s'", i, rc, why);
        }
        free(xml);
        free(plain);
        wssec_ctx_free(sctx);
        wssec_ctx_free(rctx);
        wssec_policy_free(p);
    }
}

static void test_protection_order(void **state)
{
    (void)state;
    static const char *const ste[] = { "timestamp", "signature", "encrypted-key" };
    static const char *const ets[] = { "timestamp", "encrypted-key", "signature" };
    static const struct {
        const char *order;
        const char *const *actions;
        const char *piece, *subject;
    } cases[] = {
        { "", ste, NULL, NULL },
        { "<sp:SignBeforeEncrypting/>", ste, NULL, NULL },
        { "", ets, "policy assertion sp:SignBeforeEncrypting: the signature's reference #",
          "/Envelope/Header/Security/Signature" },
        { "<sp:SignBeforeEncrypting/>", ets,
          "covers ciphertext: the message was encrypted, then signed",
          "/Envelope/Header/Security/Signature" },
        { "<sp:EncryptBeforeSigning/>", ets, NULL, NULL },
        { "<sp:EncryptBeforeSigning/>", ste,
          "policy assertion sp:EncryptBeforeSigning: the signature's reference #",
          "/Envelope/Body" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char doc[4000], why[600], subject[200];
        snprintf(doc, sizeof(doc), ASYM_FMT, INC("AlwaysToRecipient"), cases[i].order,
                 "<sp:EncryptedParts><sp:Body/></sp:EncryptedParts>");
        wssec_policy *p = NULL;
        assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
        assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
        const char *snd[] = { "sign-key",     H_PKI "alice.key",  "sign-cert", H_PKI "alice.crt",
                              "encrypt-cert", H_PKI "server.crt", NULL,        NULL };
        const char *rcv[] = { "trust",       H_PKI "root.crt",   "certs", H_PKI "inter.crt",
                              "decrypt-key", H_PKI "server.key", NULL,    NULL };
        wssec_ctx *sctx = policy_ctx(p, WSSEC_POLICY_OUTBOUND, snd);
        wssec_ctx *rctx = policy_ctx(p, WSSEC_POLICY_INBOUND, rcv);
        char *plain = h_envelope_header(11, NULL);
        char *xml = h_secure(sctx, plain, cases[i].actions, 3, NULL);
        int rc = policy_verify(rctx, p, xml, why, sizeof(why), subject, sizeof(subject));
        if (cases[i].piece) {
            if (rc != WSSEC_EPOLICY || !strstr(why, cases[i].piece))
                fail_msg("case %zu: %d '%s'", i, rc, why);
            assert_string_equal(subject, cases[i].subject);
        } else if (rc) {
            fail_msg("case %zu: %d '%s'", i, rc, why);
        }
        free(xml);
        free(plain);
        wssec_ctx_free(sctx);
        wssec_ctx_free(rctx);
        wssec_policy_free(p);
    }
}

/* For each assertion the mapping enforces with a requirement or a check
 * that no other test breaks: a message made without the policy that
 * violates it alone, refused under the policy naming it (as verify --policy
 * names it: the check's message, or wssec_policy_blame of the error). */
#define ASYM2(extra, parts)                                                                      \
    POLICY("<sp:AsymmetricBinding><wsp:Policy><sp:InitiatorToken>" X509(                         \
        "AlwaysToRecipient",                                                                     \
        "") "</sp:InitiatorToken><sp:RecipientToken>" X509("Never",                              \
                                                           "") "</"                              \
                                                               "sp:RecipientToken><sp:"          \
                                                               "AlgorithmSuite><wsp:Policy><sp:" \
                                                               "Basic256Sha256/></wsp:Policy>"   \
                                                               "</"                              \
                                                               "sp:AlgorithmSuite><sp:"          \
                                                               "IncludeTimestamp/>" extra        \
                                                               "</wsp:Policy>"                   \
                                                               "</sp:AsymmetricBinding>" parts)
#define SIGNED_BODY "<sp:SignedParts><sp:Body/></sp:SignedParts>"
#define XPATH_PING "<sp:XPath xmlns:m=\"urn:test\">//m:Ping</sp:XPath>"
#define HEADER_X "<sp:Header Name=\"X\" Namespace=\"urn:h\"/>"
#define SUP_X509                                                                          \
    "<sp:X509Token sp:IncludeToken=\"http://docs.oasis-open.org/ws-sx/ws-securitypolicy/" \
    "200702/IncludeToken/AlwaysToRecipient\"><wsp:Policy><sp:WssX509V3Token10/>"          \
    "</wsp:Policy></sp:X509Token>"

/* SignedSupportingTokens/X509Token: the sender's certificate in a
 * BinarySecurityToken the signature covers; the forms wssec does not write
 * are refused naming the assertion. */
static void test_signed_supporting_x509(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    assert_int_equal(parse(&p,
                           ASYM2("", SIGNED_BODY "<sp:SignedSupportingTokens><wsp:Policy>" SUP_X509
                                                 "</wsp:Policy></sp:SignedSupportingTokens>"),
                           NULL, NULL, NULL),
                     0);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
    assert_string_equal(setting(p, 0, "actions", "timestamp,x509-token,signature"),
                        "sp:AsymmetricBinding");
    assert_string_equal(setting(p, 0, "sign-part", "token"),
                        "sp:SignedSupportingTokens/sp:X509Token");
    assert_string_equal(setting(p, 0, "require",
                                "signed:/soap:Envelope/soap:Header/wsse:Security/"
                                "wsse:BinarySecurityToken"),
                        "sp:SignedSupportingTokens/sp:X509Token");
    wssec_policy_free(p);
    /* a signed endorsing token under the symmetric binding: written before the HMAC
     * signature, which covers it */
    assert_int_equal(parse(&p,
                           POLICY(SYM(X509("Never", ""), "Basic256Sha256", "<sp:IncludeTimestamp/>")
                                      ENDORSING("SignedEndorsingSupportingTokens",
                                                "AlwaysToRecipient") SIGNED_BODY),
                           NULL, NULL, NULL),
                     0);
    assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
    assert_string_equal(setting(p, 0, "actions", "timestamp,x509-token,signature,endorse"),
                        "sp:SymmetricBinding");
    assert_string_equal(setting(p, 0, "sign-part", "token"),
                        "sp:SignedEndorsingSupportingTokens/sp:X509Token");
    assert_string_equal(setting(p, 0, "require",
                                "signed:/soap:Envelope/soap:Header/wsse:Security/"
                                "wsse:BinarySecurityToken"),
                        "sp:SignedEndorsingSupportingTokens/sp:X509Token");
    wssec_policy_free(p);
    /* never included: nothing to sign */
    assert_int_equal(parse(&p,
                           POLICY(SYM(X509("Never", ""), "Basic256Sha256", "<sp:IncludeTimestamp/>")
                                      ENDORSING("SignedEndorsingSupportingTokens", "Never")
                                          SIGNED_BODY),
                           NULL, NULL, NULL),
                     0);
    assert_null(setting(p, 0, "sign-part", "token"));
    assert_string_equal(setting(p, 0, "actions", "timestamp,signature,endorse"),
                        "sp:SymmetricBinding");
    wssec_policy_free(p);
    static const struct {
        const char *doc, *piece;
    } refused[] = {
        { ASYM2("", SIGNED_BODY "<sp:SupportingTokens><wsp:Policy>" SUP_X509
                                "</wsp:Policy></sp:SupportingTokens>"),
          "sp:X509Token is recognised but not supported yet: an X.509 supporting token that is "
          "not signed" },
        { ASYM2("", SIGNED_BODY "<sp:SignedSupportingTokens><wsp:Policy>" X509(
                        "Never", "") "</wsp:Policy></sp:SignedSupportingTokens>"),
          "sp:SignedSupportingTokens/sp:X509Token with IncludeToken Never" },
        { ASYM2("", SIGNED_BODY "<sp:SignedSupportingTokens><wsp:Policy>"
                                "<sp:X509Token><wsp:Policy><sp:WssX509PkiPathV1Token10/>"
                                "</wsp:Policy></sp:X509Token>"
                                "</wsp:Policy></sp:SignedSupportingTokens>"),
          "other than an X509v3 token" },
        { POLICY(SYM(X509("Never", ""), "Basic256Sha256", "<sp:IncludeTimestamp/>") ENDORSING(
              "EndorsingSupportingTokens",
              "AlwaysToRecipient") "<sp:SignedSupportingTokens><wsp:Policy>" SUP_X509
                                   "</wsp:Policy></sp:SignedSupportingTokens>"),
          "sp:SignedSupportingTokens/sp:X509Token without sp:AsymmetricBinding" },
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        const char *why = NULL;
        assert_int_equal(parse(&p, refused[i].doc, NULL, NULL, NULL), 0);
        assert_int_equal(wssec_policy_supported(&why, p, 0, 0), 0);
        if (!strstr(why, refused[i].piece)) fail_msg("case %zu: '%s'", i, why);
        wssec_policy_free(p);
    }
}

static void test_each_assertion_violated(void **state)
{
    (void)state;
    static const struct {
        const char *policy, *header, *user;
        const char *snd[16];
        const char *assertion, *piece;
    } cases[] = {
        { ASYM2("<sp:OnlySignEntireHeadersAndBody/>", SIGNED_BODY),
          NULL,
          NULL,
          { "actions", "timestamp,signature", "sign-part", "body", "sign-part", "timestamp",
            "sign-part", "/soap:Envelope/soap:Body/m:Ping", "namespace", "m=urn:test", NULL },
          "sp:OnlySignEntireHeadersAndBody",
          "a signature covers Ping, which is neither the Body nor a whole header" },
        { ASYM2("<sp:ProtectTokens/>", SIGNED_BODY),
          NULL,
          NULL,
          { "actions", "timestamp,signature", "sign-part", "body", "sign-part", "timestamp",
            "key-id", "bst", NULL },
          "sp:ProtectTokens",
          "wsse:BinarySecurityToken" },
        { ASYM2("", "<sp:SignedElements>" XPATH_PING "</sp:SignedElements>"),
          NULL,
          NULL,
          { "actions", "timestamp,signature", "sign-part", "timestamp", NULL },
          "sp:SignedElements/sp:XPath //m:Ping",
          "required signed part '//m:Ping'" },
        { ASYM2("", SIGNED_BODY "<sp:EncryptedElements>" XPATH_PING "</sp:EncryptedElements>"),
          NULL,
          NULL,
          { "actions", "timestamp,signature", "sign-part", "body", "sign-part", "timestamp", NULL },
          "sp:EncryptedElements/sp:XPath //m:Ping",
          "required encrypted part '//m:Ping'" },
        { ASYM2("", SIGNED_BODY "<sp:ContentEncryptedElements>" XPATH_PING
                                "</sp:ContentEncryptedElements>"),
          NULL,
          NULL,
          { "actions", "timestamp,signature", "sign-part", "body", "sign-part", "timestamp", NULL },
          "sp:ContentEncryptedElements/sp:XPath //m:Ping",
          "required encrypted part '//m:Ping'" },
        { ASYM2("", "<sp:SignedParts><sp:Body/>" HEADER_X "</sp:SignedParts>"),
          "<h:X xmlns:h=\"urn:h\">v</h:X>",
          NULL,
          { "actions", "timestamp,signature", "sign-part", "body", "sign-part", "timestamp", NULL },
          "sp:SignedParts/sp:Header {urn:h}X",
          "the header X is not signed" },
        { ASYM2("", SIGNED_BODY "<sp:EncryptedParts>" HEADER_X "</sp:EncryptedParts>"),
          "<h:X xmlns:h=\"urn:h\">v</h:X>",
          NULL,
          { "actions", "timestamp,signature", "sign-part", "body", "sign-part", "timestamp", NULL },
          "sp:EncryptedParts/sp:Header {urn:h}X",
          "the header X is not encrypted" },
        { ASYM2("", SIGNED_BODY "<sp:SignedSupportingTokens><wsp:Policy><sp:UsernameToken>"
                                "<wsp:Policy><sp:WssUsernameToken10/></wsp:Policy>"
                                "</sp:UsernameToken></wsp:Policy></sp:SignedSupportingTokens>"),
          NULL,
          "alice",
          { "actions", "timestamp,username-token,signature", "sign-part", "body", "sign-part",
            "timestamp", "password-type", "text", NULL },
          "sp:SignedSupportingTokens/sp:UsernameToken",
          "wsse:UsernameToken" },
        /* the certificate sent, not signed */
        { ASYM2("", SIGNED_BODY "<sp:SignedSupportingTokens><wsp:Policy>" SUP_X509
                                "</wsp:Policy></sp:SignedSupportingTokens>"),
          NULL,
          NULL,
          { "actions", "timestamp,x509-token,signature", "sign-part", "body", "sign-part",
            "timestamp", "key-id", "issuer-serial", NULL },
          "sp:SignedSupportingTokens/sp:X509Token",
          "wsse:BinarySecurityToken" },
        { POLICY(UT_SUPPORTING("")),
          NULL,
          "alice",
          { "actions", "username-token", "password-type", "text", NULL },
          "sp:UsernameToken/sp:HashPassword",
          "password" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wssec_policy *p = NULL;
        if (parse(&p, cases[i].policy, NULL, NULL, NULL) != 0)
            fail_msg("case %zu: %s", i, wssec_policy_error(p)->message);
        const char *why = NULL;
        if (wssec_policy_supported(&why, p, 0, 0) != 1) fail_msg("case %zu: %s", i, why);
        const char *snd[24] = { "sign-key", H_PKI "alice.key", "sign-cert", H_PKI "alice.crt" };
        size_t n = 4;
        for (size_t k = 0; cases[i].snd[k]; k++) snd[n++] = cases[i].snd[k];
        snd[n++] = NULL;
        snd[n] = NULL;
        const char *rcv[] = { "trust",       H_PKI "root.crt",   "certs", H_PKI "inter.crt",
                              "decrypt-key", H_PKI "server.key", NULL,    NULL };
        wssec_ctx *sctx = policy_ctx(NULL, WSSEC_POLICY_OUTBOUND, snd);
        wssec_ctx *rctx = policy_ctx(p, WSSEC_POLICY_INBOUND, rcv);
        char *plain = h_envelope_header(11, cases[i].header ? "%s" : NULL, cases[i].header);
        char *xml = h_secure(sctx, plain, NULL, 0, cases[i].user);
        /* as verify --policy does it: the layout, verify, the checks after it */
        wssec_msg *m = h_parse(rctx, xml);
        wssec_result *res = NULL;
        const wssec_error *e = NULL;
        int rc = wssec_policy_check(m, NULL, p, 0, 0);
        if (rc) e = wssec_msg_error(m);
        else if ((rc = wssec_verify(&res, m)) != 0) e = wssec_result_error(res);
        else if ((rc = wssec_policy_check(m, res, p, 0, 0)) != 0) e = wssec_msg_error(m);
        if (!e) fail_msg("case %zu (%s): accepted", i, cases[i].assertion);
        char named[200];
        const char *blamed = wssec_policy_blame(p, 0, 0, e);
        if (blamed) snprintf(named, sizeof(named), "policy assertion %s: ", blamed);
        else named[0] = '\0';
        char want[200];
        snprintf(want, sizeof(want), "policy assertion %s: ", cases[i].assertion);
        if (!strstr(e->message, want) && strcmp(named, want) != 0)
            fail_msg("case %zu: '%s' names %s, not %s", i, e->message, blamed ? blamed : "none",
                     cases[i].assertion);
        h_assert_contains(e->message, cases[i].piece);
        wssec_result_free(res);
        wssec_msg_free(m);
        free(xml);
        free(plain);
        wssec_ctx_free(sctx);
        wssec_ctx_free(rctx);
        wssec_policy_free(p);
    }
}

static void test_blame(void **state)
{
    (void)state;
    wssec_policy *p = NULL;
    assert_int_equal(parse(&p, POLICY(UT_SUPPORTING("")), NULL, NULL, NULL), 0);
    wssec_error e = { WSSEC_EPOLICY,
                      WSSEC_CAT_POLICY,
                      "policy requires an authenticated UsernameToken; there is none",
                      "",
                      "",
                      "",
                      "",
                      0 };
    assert_string_equal(wssec_policy_blame(p, 0, 0, &e), "sp:SupportingTokens/sp:UsernameToken");
    e.message = "signature value does not verify";
    e.code = WSSEC_ESIGNATURE;
    assert_null(wssec_policy_blame(p, 0, 0, &e));
    wssec_policy_free(p);
}

/* sp:HttpsToken with RequireClientCertificate (SP 1.2 nested, SP 1.1
 * attribute): the TLS client certificate is required (the embedding server
 * passes it); a plain HttpsToken requires nothing of it. */
static void test_https_client_cert(void **state)
{
    (void)state;
    static const char *const tokens[] = {
        "<sp:HttpsToken><wsp:Policy><sp:RequireClientCertificate/></wsp:Policy></sp:HttpsToken>",
        "<sp:HttpsToken RequireClientCertificate=\"true\"/>",
        "<sp:HttpsToken/>",
    };
    for (size_t i = 0; i < 3; i++) {
        char doc[1024];
        snprintf(doc, sizeof(doc),
                 POLICY("<sp:TransportBinding><wsp:Policy><sp:TransportToken><wsp:Policy>%s"
                        "</wsp:Policy></sp:TransportToken><sp:AlgorithmSuite><wsp:Policy>"
                        "<sp:Basic256/></wsp:Policy></sp:AlgorithmSuite><sp:IncludeTimestamp/>"
                        "</wsp:Policy></sp:TransportBinding>"),
                 tokens[i]);
        wssec_policy *p = NULL;
        assert_int_equal(parse(&p, doc, NULL, NULL, NULL), 0);
        assert_int_equal(wssec_policy_supported(NULL, p, 0, 0), 1);
        const char *as = setting(p, 0, "transport-client-cert", "required");
        if (i < 2) assert_string_equal(as, "sp:HttpsToken/sp:RequireClientCertificate");
        else assert_null(as);
        assert_non_null(setting(p, 0, "require", "timestamp"));
        wssec_policy_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_resolved),
        cmocka_unit_test(test_reference_outside_refused),
        cmocka_unit_test(test_reference_cycle_refused),
        cmocka_unit_test(test_unknown_assertion_named),
        cmocka_unit_test(test_ignorable_skipped),
        cmocka_unit_test(test_optional_two_alternatives),
        cmocka_unit_test(test_exactly_one_nested),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_dtd_refused),
        cmocka_unit_test(test_recognised_not_supported),
        cmocka_unit_test(test_wsdl_selection),
        cmocka_unit_test(test_asymmetric_translation),
        cmocka_unit_test(test_symmetric_translation),
        cmocka_unit_test(test_symmetric_refusals),
        cmocka_unit_test(test_endorsing_asymmetric),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_layout_strict_references),
        cmocka_unit_test(test_blame),
        cmocka_unit_test(test_include_token),
        cmocka_unit_test(test_protection_order),
        cmocka_unit_test(test_each_assertion_violated),
        cmocka_unit_test(test_signed_supporting_x509),
        cmocka_unit_test(test_https_client_cert),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
