/*
 * The policy (src/policy.c), run once after every consumer over what they
 * proved: the required tokens, the required signed and encrypted parts,
 * the required signers, ciphertext nobody decrypted, and signed tokens that
 * were moved out of our Security header. Each refusal asserts the exact
 * code, fault, reason and the node the error names (its path); each rule
 * has its accepted control.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "helpers.h"

#define SEC_PATH "/Envelope/Header/Security"

typedef struct fixture {
    char *ut_only;   /* a UsernameToken (digest, alice), unsigned */
    char *ts_only;   /* a Timestamp, unsigned */
    char *no_sec;    /* a Header without a Security header */
    char *signed_;   /* Timestamp and Body signed by alice; an unsigned m:Route header */
    char *ts_signed; /* only the Timestamp signed by alice */
} fixture;

static const char *const sign_actions[] = { "timestamp", "signature" };

static char *sign(const char *who, const char *part)
{
    wssec_ctx *out = part ? h_signer(who, "sign-part", part, NULL) : h_signer(who, NULL);
    char *plain = h_envelope_header(11, "<r:Route xmlns:r=\"urn:route\">a</r:Route>");
    char *xml = h_secure(out, plain, sign_actions, 2, NULL);
    free(plain);
    wssec_ctx_free(out);
    return xml;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f) return -1;
    char *ut = h_ut_digest("alice", "alice-s3cret", "policy-nonce", H_NOW_TEXT);
    f->ut_only = h_envelope(11, "%s", ut);
    free(ut);
    char *ts = h_timestamp(H_NOW, H_NOW + 300 * H_SEC);
    f->ts_only = h_envelope(11, "%s", ts);
    free(ts);
    f->no_sec = h_envelope_header(11, "<r:Route xmlns:r=\"urn:route\">a</r:Route>");
    f->signed_ = sign("alice", NULL);
    f->ts_signed = sign("alice", "timestamp");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->ut_only);
    free(f->ts_only);
    free(f->no_sec);
    free(f->signed_);
    free(f->ts_signed);
    free(f);
    return 0;
}

/* Verifies xml on a receiver with the given "require" (and more pairs);
 * asserts the code and, on a refusal, the fault, a piece of the reason and
 * the exact node path of the error. */
static void check_at(const char *xml, const char *require, const char *name, const char *value,
                     int code, const char *needle, const char *subject, int line)
{
    wssec_ctx *in = h_receiver("require", require, "replay-signatures", "false", name, value, NULL);
    h_run r;
    int rc = h_verify(&r, in, xml);
    const wssec_error *e = h_run_err(&r);
    if (rc != code || (subject && strcmp(e->subject, subject) != 0))
        print_error("line %d, require %s: got %s '%s' at '%s'\n", line, require,
                    wssec_code_name(rc), e->message, e->subject);
    assert_int_equal(rc, code);
    if (code) {
        h_assert_error(e, code, wssec_code_fault(code), needle);
        assert_string_equal(e->subject, subject);
        assert_null(wssec_result_caller(r.res));
    }
    h_run_free(&r);
    wssec_ctx_free(in);
}
#define check(xml, require, code, needle, subject) \
    check_at((xml), (require), NULL, NULL, (code), (needle), (subject), __LINE__)
#define check_ns(xml, require, code, needle, subject) \
    check_at((xml), (require), "namespace", "r=urn:route", (code), (needle), (subject), __LINE__)

static void test_required_tokens(void **state)
{
    fixture *f = *state;
    check(f->no_sec, "timestamp", WSSEC_EPOLICY, "no wsse:Security header targets this node",
          "/Envelope/Header");
    check(f->no_sec, "none", 0, NULL, NULL);
    check(f->ut_only, "timestamp", WSSEC_EPOLICY,
          "policy requires a Timestamp in the Security header; there is none", SEC_PATH);
    check(f->ut_only, "username-token", 0, NULL, NULL);
    check(f->ts_only, "username-token", WSSEC_EPOLICY,
          "policy requires an authenticated UsernameToken; there is none", SEC_PATH);
    check(f->ts_only, "signature", WSSEC_EPOLICY,
          "policy requires a trusted X.509 signature; the message has none", SEC_PATH);
    check(f->ts_only, "timestamp", 0, NULL, NULL);
    /* signed:XPATH and signed-by: need a signature as much as "signature" does */
    check(f->ts_only, "timestamp,signed:/soap:Envelope/soap:Body", WSSEC_EPOLICY,
          "policy requires a trusted X.509 signature", SEC_PATH);
    check(f->ts_only, "timestamp,signed-by:^CN=alice,", WSSEC_EPOLICY,
          "policy requires a trusted X.509 signature", SEC_PATH);
}

static void test_required_signed_parts(void **state)
{
    fixture *f = *state;
    check(f->signed_, "timestamp,signature", 0, NULL, NULL);
    /* "signature": the Body and the Timestamp must be covered */
    check(f->ts_signed, "timestamp,signature", WSSEC_EUNSIGNED,
          "the SOAP Body (/Envelope/Body) is not covered by a verified signature reference",
          "/Envelope/Body");
    check(f->ts_signed, "timestamp,signed:/soap:Envelope/soap:Body", WSSEC_EUNSIGNED,
          "required signed part '/soap:Envelope/soap:Body' (/Envelope/Body) is not covered",
          "/Envelope/Body");
    /* an XPath: every node it selects, and it must select one */
    check_ns(f->signed_, "signed:/soap:Envelope/soap:Body", 0, NULL, NULL);
    check_ns(f->signed_, "signed://r:Route", WSSEC_EUNSIGNED,
             "required signed part '//r:Route' (/Envelope/Header/Route) is not covered",
             "/Envelope/Header/Route");
    check_ns(f->signed_, "signed://r:Missing", WSSEC_EUNSIGNED,
             "required signed part '//r:Missing' selects nothing in the message", "/Envelope/Body");
    /* a node inside a covered one is covered */
    check_ns(f->signed_, "signed://soap:Body/*", 0, NULL, NULL);
}

static void test_required_signer(void **state)
{
    fixture *f = *state;
    check(f->signed_, "signature,signed-by:^CN=alice,", 0, NULL, NULL);
    check(f->signed_, "signature,signed-by:^CN=bob,", WSSEC_EUNTRUSTED,
          "signer 'CN=alice,OU=Clients,O=wssec test,C=US' does not match the required signed-by",
          SEC_PATH "/Signature");
}

static void test_required_encrypted_parts(void **state)
{
    fixture *f = *state;
    /* plaintext where ciphertext was required: not decrypted by us */
    check(f->signed_, "signature,encrypted://soap:Body/*", WSSEC_EPOLICY,
          "required encrypted part '//soap:Body/*' (/Envelope/Body/Ping) did not come from an "
          "EncryptedData",
          "/Envelope/Body/Ping");
    check(f->signed_, "signature,encrypted://wsse:UsernameToken", WSSEC_EPOLICY,
          "required encrypted part '//wsse:UsernameToken' selects nothing in the message",
          "/Envelope/Body");
}

/* ---- ciphertext nobody decrypted, and signed tokens moved ---- */

static void add_encrypted_data(xmlDocPtr doc)
{
    xmlNodePtr body = h_xp(doc, "/soap:Envelope/soap:Body");
    xmlNodePtr ed = xmlNewChild(body, NULL, BAD_CAST "EncryptedData", NULL);
    xmlSetNs(ed, xmlNewNs(ed, BAD_CAST "http://www.w3.org/2001/04/xmlenc#", BAD_CAST "xenc"));
}

static void timestamp_out(xmlDocPtr doc)
{
    xmlNodePtr ts = h_xp(doc, "//wsse:Security/wsu:Timestamp");
    xmlNodePtr header = h_xp(doc, "/soap:Envelope/soap:Header");
    xmlUnlinkNode(ts);
    xmlAddChild(header, ts);
}

static void test_leftovers(void **state)
{
    fixture *f = *state;
    char *xml = h_operate(f->ts_only, add_encrypted_data, 0);
    check(xml, "timestamp", WSSEC_EPOLICY,
          "the Body holds an EncryptedData that no EncryptedKey of ours references",
          "/Envelope/Body/EncryptedData");
    free(xml);
    /* a signed Timestamp moved out of our Security header after signing:
     * the digest still matches, but no consumer saw it */
    xml = h_operate(f->signed_, timestamp_out, 1);
    check(xml, "signature", WSSEC_EMALFORMED,
          "lies outside our Security header (/Envelope/Header/Timestamp): moved after signing",
          "/Envelope/Header/Timestamp");
    free(xml);
}

/* The warning of a configuration that requires a signature but no
 * Timestamp: exactly when a signature (signature, signed:, signed-by:) is
 * required and a Timestamp is not, kept once however often it is said. */
static void test_warn_no_timestamp(void **state)
{
    (void)state;
    static const char *const warning =
        "the configuration requires a signature but no Timestamp (--require): a signed message "
        "without a signed Timestamp stays valid until its signer's certificate expires, and its "
        "replay entry is kept that long";
    static const struct {
        const char *require; /* NULL: the default, timestamp and signature */
        size_t warnings;
    } rows[] = {
        { NULL, 0 },
        { "signature", 1 },
        { "signed://soap:Body", 1 },
        { "signed-by:^CN=alice", 1 },
        { "signature,timestamp", 0 },
        { "timestamp", 0 },
        { "username-token", 0 },
        { "none", 0 },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        wssec_ctx *ctx = rows[i].require ? h_ctx("require", rows[i].require, NULL) : h_ctx(NULL);
        char *plain = h_envelope_header(11, NULL);
        wssec_msg *msg = h_parse(ctx, plain);
        assert_int_equal(wssec__result_new(&msg->res), 0);
        assert_int_equal(wssec__policy_warn_no_timestamp(msg), 0);
        assert_int_equal(wssec__policy_warn_no_timestamp(msg), 0);
        if (wssec_result_warning_count(msg->res) != rows[i].warnings)
            print_error("require %s\n", rows[i].require ? rows[i].require : "(default)");
        assert_int_equal(wssec_result_warning_count(msg->res), rows[i].warnings);
        if (rows[i].warnings) assert_string_equal(wssec_result_warning(msg->res, 0), warning);
        wssec_result_free(msg->res);
        msg->res = NULL;
        wssec_msg_free(msg);
        free(plain);
        wssec_ctx_free(ctx);
    }
}

/* ---- the part selector (wssec__part_select, wssec__part_mode) ---- */

typedef struct picked {
    xmlNodePtr v[8];
    size_t n, fail_at; /* fail_at: the add that fails (0: none) */
} picked;

static int pick(wssec_msg *msg, xmlNodePtr node, void *ud)
{
    picked *p = ud;
    if (p->fail_at && p->n + 1 == p->fail_at)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, node, "no room");
    assert_true(p->n < WSSEC_ARRAY_LEN(p->v));
    p->v[p->n++] = node;
    return 0;
}

/* {NS}LOCAL: every element of that name in document order, or with
 * outermost none inside one already selected; an XPath: its nodes; what
 * selects nothing is no error here; a broken QName or XPath, or a failing
 * add, is, in the caller's words. */
static void test_part_select(void **state)
{
    (void)state;
    wssec_ctx *ctx = h_ctx(NULL);
    char *xml = h_envelope_header(11, "<r:Route xmlns:r=\"urn:route\"><r:Route>in</r:Route>"
                                      "</r:Route><r:Route xmlns:r=\"urn:route\"/>");
    wssec_msg *msg = h_parse(ctx, xml);
    xmlNodePtr outer = wssec_xml_first_elem(wssec_msg_header(msg));
    xmlNodePtr inner = wssec_xml_first_elem(outer), second = wssec_xml_next_elem(outer);
    picked p = { .n = 0 };
    size_t found = 9;

    assert_int_equal(wssec__part_select(&found, msg, "sign-part", "{urn:route}Route", "x", false,
                                        pick, &p), 0);
    assert_int_equal(found, 3);
    assert_int_equal(p.n, 3);
    assert_ptr_equal(p.v[0], outer);
    assert_ptr_equal(p.v[1], inner);
    assert_ptr_equal(p.v[2], second);
    p.n = 0;
    assert_int_equal(wssec__part_select(&found, msg, "encrypt-part", "{urn:route}Route", "x", true,
                                        pick, &p), 0);
    assert_int_equal(found, 2);
    assert_ptr_equal(p.v[0], outer);
    assert_ptr_equal(p.v[1], second);
    p.n = 0;
    assert_int_equal(wssec__part_select(&found, msg, "sign-part", "//soap:Body", "x", true, pick,
                                        &p), 0);
    assert_int_equal(found, 1);
    assert_ptr_equal(p.v[0], wssec_msg_body(msg));
    p.n = 0;
    assert_int_equal(wssec__part_select(&found, msg, "sign-part", "{urn:none}Route", "x", false,
                                        pick, &p), 0);
    assert_int_equal(found, 0);
    assert_int_equal(wssec__part_select(&found, msg, "sign-part", "//nothing", "x", false, pick,
                                        &p), 0);
    assert_int_equal(found, 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(wssec_msg_error(msg)->code, 0);
    wssec_msg_free(msg);

    static const struct {
        const char *what, *part, *shown;
        size_t fail_at;
        int code;
        const char *message;
    } bad[] = {
        { "encrypt-part", "{urn:route", "{urn:route:content", 0, WSSEC_ECONFIG,
          "encrypt-part '{urn:route:content' is not a QName" },
        { "sign-part", "count(//r:Route)", "count(//r:Route)", 0, WSSEC_ECONFIG,
          "sign-part 'count(//r:Route)' cannot be evaluated" },
        { "sign-part", "//*[", "//*[", 0, WSSEC_ECONFIG, "sign-part '//*[' cannot be evaluated" },
        { "sign-part", "{urn:route}Route", "q", 2, WSSEC_ELIMIT, "no room" },
        { "sign-part", "//soap:Header/*", "q", 1, WSSEC_ELIMIT, "no room" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(bad); i++) {
        msg = h_parse(ctx, xml);
        picked q = { .n = 0, .fail_at = bad[i].fail_at };
        assert_int_equal(wssec__part_select(&found, msg, bad[i].what, bad[i].part, bad[i].shown,
                                            false, pick, &q), bad[i].code);
        assert_int_equal(q.n, bad[i].fail_at ? bad[i].fail_at - 1 : 0); /* stopped there */
        assert_int_equal(wssec_msg_error(msg)->code, bad[i].code);
        assert_string_equal(wssec_msg_error(msg)->message, bad[i].message);
        wssec_msg_free(msg);
    }
    free(xml);
    wssec_ctx_free(ctx);
}

/* An encrypt-part's suffix: taken off, and its mode. */
static void test_part_mode(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
        int mode;
    } rows[] = {
        { "//r:Route:content", "//r:Route", 1 }, { "{urn:r}R:element", "{urn:r}R", 0 },
        { "a:element", "a", 0 },                 { ":content", ":content", -1 },
        { "body", "body", -1 },                  { "x:contents", "x:contents", -1 },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(rows); i++) {
        char buf[64];
        assert_int_equal(wssec__part_mode(buf, sizeof(buf), rows[i].in), rows[i].mode);
        assert_string_equal(buf, rows[i].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required_tokens),
        cmocka_unit_test(test_required_signed_parts),
        cmocka_unit_test(test_required_signer),
        cmocka_unit_test(test_required_encrypted_parts),
        cmocka_unit_test(test_leftovers),
        cmocka_unit_test(test_warn_no_timestamp),
        cmocka_unit_test(test_part_select),
        cmocka_unit_test(test_part_mode),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    xmlCleanupParser();
    return rc;
}
