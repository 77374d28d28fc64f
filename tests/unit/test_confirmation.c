/*
 * wssec unit tests — SignatureConfirmation (WSS 1.1 §8.5): a responder
 * confirms the SignatureValues of the request it verified (from the
 * request's result); the requester checks the response against the request
 * it sent: each value confirmed exactly once, by a SignatureConfirmation
 * the response's signature covers, no other.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "helpers.h"

static const char *const sign_actions[] = { "timestamp", "signature" };
static const char *const respond_actions[] = { "timestamp", "signature-confirmation", "signature" };

/* A request secured by alice with actions (n of them). */
static char *request(const char *const *actions, size_t n)
{
    wssec_ctx *c = h_signer("alice", NULL);
    char *plain = h_envelope_header(11, NULL);
    char *out = h_secure(c, plain, actions, n, NULL);
    free(plain);
    wssec_ctx_free(c);
    return out;
}

/* The server's response to the request xml (verified with require), with
 * actions, signed with sign-part part and the Timestamp (NULL: the default
 * parts). */
static char *response(const char *xml, const char *require, const char *const *actions, size_t n,
                      const char *part)
{
    wssec_ctx *in = h_receiver("require", require, "replay-signatures", "false", NULL);
    h_run r;
    assert_int_equal(h_verify(&r, in, xml), 0);
    wssec_ctx *out = part ? h_signer("server", "sign-part", part, "sign-part", "timestamp", NULL)
                          : h_signer("server", NULL);
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *resp = h_parse(out, plain);
    assert_int_equal(wssec_msg_confirm_signatures(resp, r.res), 0);
    char *bytes = h_secure_msg(resp, actions, n, NULL);
    free(plain);
    wssec_ctx_free(out);
    h_run_free(&r);
    wssec_ctx_free(in);
    return bytes;
}

/* The requester's verification of resp against the request sent (NULL:
 * none given): the code, and the error and result in *r. */
static int check(h_run *r, const char *resp, const char *sent)
{
    wssec_ctx *c = h_receiver("replay-signatures", "false", NULL);
    memset(r, 0, sizeof(*r));
    r->msg = h_parse(c, resp);
    if (sent) {
        wssec_msg *req = h_parse(c, sent);
        assert_int_equal(wssec_msg_expect_confirmations(r->msg, req), 0);
        wssec_msg_free(req);
    }
    r->rc = wssec_verify(&r->res, r->msg);
    wssec_ctx_free(c);
    return r->rc;
}

static void expect_refusal(const char *resp, const char *sent, int code, const char *fault,
                           const char *needle)
{
    h_run r;
    assert_int_equal(check(&r, resp, sent), code);
    h_assert_error(wssec_result_error(r.res), code, fault, needle);
    h_run_free(&r);
}

static void test_confirmed(void **state)
{
    (void)state;
    char *req = request(sign_actions, 2);
    char *resp = response(req, "timestamp,signature", respond_actions, 3, NULL);
    h_run r;
    assert_int_equal(check(&r, resp, req), 0);
    size_t scs = 0;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++) {
        const wssec_token *t = wssec_result_token(r.res, i);
        if (strcmp(wssec_token_type(t), "signature-confirmation") != 0) continue;
        scs++;
        assert_true(wssec_result_is_signed(r.res, wssec_token_node(t)));
    }
    assert_int_equal(scs, 1);
    h_run_free(&r);
    /* without the request sent, read and not checked: a warning says so */
    assert_int_equal(check(&r, resp, NULL), 0);
    assert_true(h_has_warning(r.res, "SignatureConfirmations were not checked"));
    h_run_free(&r);
    free(resp);
    free(req);
}

/* Alice's request, answered by a response the server made with actions
 * (and sign-part part), confirming that request or (other) another one of
 * alice's: the requester refuses it with code, fault and needle. */
static void refused_answer(const char *const *actions, size_t n, const char *part, bool other,
                           int code, const char *fault, const char *needle)
{
    char *req = request(sign_actions, 2);
    char *answered = other ? request(sign_actions, 2) : NULL;
    char *resp = response(other ? answered : req, "timestamp,signature", actions, n, part);
    expect_refusal(resp, req, code, fault, needle);
    free(resp);
    free(answered);
    free(req);
}

/* A response to another request (another SignatureValue). */
static void test_confirms_another_request(void **state)
{
    (void)state;
    refused_answer(respond_actions, 3, NULL, true, WSSEC_ESIGNATURE, "wsse:FailedCheck",
                   "confirms a SignatureValue the request sent did not carry");
}

static void test_confirmation_not_signed(void **state)
{
    (void)state;
    refused_answer(respond_actions, 3, "body", false, WSSEC_EUNSIGNED, "wsse:InvalidSecurity",
                   "is not covered by a verified signature of the response");
}

static void test_confirmation_missing(void **state)
{
    (void)state;
    static const char *const no_sc[] = { "timestamp", "signature" };
    refused_answer(no_sc, 2, NULL, false, WSSEC_ESIGNATURE, "wsse:FailedCheck",
                   "the response does not confirm the SignatureValue");
}

/* The SignatureConfirmation copied (another wsu:Id) before the response is
 * signed: both are signed, one value is confirmed twice. */
static void duplicate_sc(xmlDocPtr doc)
{
    xmlNodePtr sc = h_xp(doc, "//wsse11:SignatureConfirmation");
    xmlNodePtr copy = xmlDocCopyNode(sc, doc, 1);
    xmlSetNsProp(copy, xmlSearchNsByHref(doc, sc, BAD_CAST H_NS_WSU), BAD_CAST "Id",
                 BAD_CAST "SC-copy");
    xmlAddNextSibling(sc, copy);
}

static void test_confirmation_duplicated(void **state)
{
    (void)state;
    static const char *const sc_only[] = { "timestamp", "signature-confirmation" };
    static const char *const sign_only[] = { "signature" };
    char *req = request(sign_actions, 2);
    char *unsigned_resp = response(req, "timestamp,signature", sc_only, 2, NULL);
    char *two = h_operate(unsigned_resp, duplicate_sc, 1);
    wssec_ctx *c = h_signer("server", NULL);
    char *resp = h_secure(c, two, sign_only, 1, NULL);
    expect_refusal(resp, req, WSSEC_ESIGNATURE, "wsse:FailedCheck", "is confirmed twice");
    wssec_ctx_free(c);
    free(resp);
    free(two);
    free(unsigned_resp);
    free(req);
}

/* A request without a signature: one SignatureConfirmation without Value. */
static void test_unsigned_request(void **state)
{
    (void)state;
    static const char *const ts[] = { "timestamp" };
    char *req = request(ts, 1);
    char *resp = response(req, "timestamp", respond_actions, 3, NULL);
    h_assert_contains(resp, "SignatureConfirmation");
    assert_null(strstr(resp, "Value=\""));
    h_run r;
    assert_int_equal(check(&r, resp, req), 0);
    h_run_free(&r);
    /* a signed request's confirmation does not answer an unsigned one */
    char *signed_req = request(sign_actions, 2);
    char *other = response(signed_req, "timestamp,signature", respond_actions, 3, NULL);
    expect_refusal(other, req, WSSEC_ESIGNATURE, "wsse:FailedCheck",
                   "but the request sent was not signed");
    /* and "not signed" does not answer a signed one */
    expect_refusal(resp, signed_req, WSSEC_ESIGNATURE, "wsse:FailedCheck",
                   "says the request was not signed, but the request sent carried 1");
    free(other);
    free(signed_req);
    free(resp);
    free(req);
}

/* Only a verified request is confirmed; the action needs one. */
static void test_confirm_needs_request(void **state)
{
    (void)state;
    char *req = request(sign_actions, 2);
    wssec_ctx *in = h_receiver("require", "timestamp,signature,username-token", NULL);
    h_run r;
    assert_int_not_equal(h_verify(&r, in, req), 0);
    wssec_ctx *out = h_signer("server", NULL);
    char *plain = h_envelope_header(11, NULL);
    wssec_msg *resp = h_parse(out, plain);
    assert_int_equal(wssec_msg_confirm_signatures(resp, r.res), WSSEC_EINVALID);
    h_assert_contains(wssec_msg_error(resp)->message, "the request was rejected");
    h_secure_refused(resp, respond_actions, 3, WSSEC_ECONFIG, "no request to confirm");
    wssec_msg_free(resp);
    free(plain);
    wssec_ctx_free(out);
    h_run_free(&r);
    wssec_ctx_free(in);
    free(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confirmed),
        cmocka_unit_test(test_confirms_another_request),
        cmocka_unit_test(test_confirmation_not_signed),
        cmocka_unit_test(test_confirmation_missing),
        cmocka_unit_test(test_confirmation_duplicated),
        cmocka_unit_test(test_unsigned_request),
        cmocka_unit_test(test_confirm_needs_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
