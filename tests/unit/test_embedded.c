/*
 * Timestamps and Nonces inside signed content (WebSphere's "timestamp in
 * other elements" and "nonce in other elements", src/embedded.c).
 * Outbound: timestamp-in and nonce-in put them in place before signing and
 * refuse to leave one unsigned. Inbound: a Timestamp inside signed content
 * is checked like the header's (expired, future, older than max-age: the
 * same codes, its path in the reason); a Nonce inside signed content goes
 * through the replay cache keyed by the signer; one in content no signature
 * covers is warned about, or refused with unsigned-timestamps refuse.
 * Hostile: an expired Timestamp inside a signed Body (ignored before), a
 * Timestamp moved out of its signed element, the same message twice, the
 * same Nonce in another element of another message, the same Nonce from a
 * different signer (accepted).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "helpers.h"

#define BANK "urn:example:bank"

static const char *const ts_sig[] = { "timestamp", "signature" };
static const char *const sig_only[] = { "signature" };

/* A SOAP 1.1 envelope with header content (NULL: no Header) and the content
 * of m:Pay in the Body. */
static char *env(const char *header, const char *pay)
{
    return h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsse=\"%s\" xmlns:wsu=\"%s\">"
                  "%s%s%s<soap:Body><m:Pay xmlns:m=\"" BANK "\">%s<m:Amount>10</m:Amount>"
                  "</m:Pay></soap:Body></soap:Envelope>",
                  WSSEC_NS_SOAP11, H_NS_WSSE, H_NS_WSU, header ? "<soap:Header>" : "",
                  header ? header : "", header ? "</soap:Header>" : "", pay ? pay : "");
}

static char *ts_at(wssec_time created, wssec_time expires)
{
    char c[32], x[32];
    if (expires < 0)
        return h_strf("<wsu:Timestamp><wsu:Created>%s</wsu:Created></wsu:Timestamp>",
                      h_time(c, created, 1));
    return h_strf("<wsu:Timestamp><wsu:Created>%s</wsu:Created><wsu:Expires>%s</wsu:Expires>"
                  "</wsu:Timestamp>",
                  h_time(c, created, 1), h_time(x, expires, 1));
}

static char *nonce_at(const char *b64, wssec_time created)
{
    char c[32];
    return h_strf("<wsse:Nonce EncodingType=\"" H_ENC_B64 "\">%s</wsse:Nonce>"
                  "<wsu:Created>%s</wsu:Created>",
                  b64, h_time(c, created, 1));
}

/* The message pay (m:Pay's extra content) signed by who (Body and header
 * Timestamp). */
static char *signed_by(const char *who, const char *header, const char *pay)
{
    wssec_ctx *s = h_signer(who, NULL);
    char *p = env(header, pay);
    char *out = h_secure(s, p, ts_sig, 2, NULL);
    free(p);
    wssec_ctx_free(s);
    return out;
}

static int secure_rc(const wssec_ctx *ctx, const char *xml, const char *const *actions, size_t n,
                     char **out, char *err, size_t errlen)
{
    wssec_msg *msg = h_parse(ctx, xml);
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = n;
    int rc = wssec_secure(msg, &o);
    *out = NULL;
    snprintf(err, errlen, "%s", rc ? wssec_msg_error(msg)->message : "");
    if (rc == 0) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        assert_int_equal(wssec_msg_serialize(&bytes, &len, msg), 0);
        *out = (char *)bytes;
    }
    wssec_msg_free(msg);
    return rc;
}

static void expect_ok(const wssec_ctx *ctx, const char *xml, const char *warning)
{
    h_run r;
    int rc = h_verify(&r, ctx, xml);
    if (rc) print_error("got %s: %s\n", wssec_code_name(rc), h_run_err(&r)->message);
    assert_int_equal(rc, 0);
    if (warning) assert_true(h_has_warning(r.res, warning));
    else assert_false(h_has_warning(r.res, "no verified signature covers"));
    h_run_free(&r);
}

/* ---- outbound ---- */

static wssec_ctx *signer_in(const char *opt, const char *xpath)
{
    return h_signer("alice", "namespace", "m=" BANK, opt, xpath, NULL);
}

static void test_timestamp_in_round_trip(void **state)
{
    (void)state;
    wssec_ctx *s = signer_in("timestamp-in", "/soap:Envelope/soap:Body/m:Pay");
    char *p = env(NULL, NULL), *out = h_secure(s, p, ts_sig, 2, NULL);
    /* the first child of m:Pay, Created now and Expires now + timestamp-ttl */
    xmlDocPtr doc = xmlReadMemory(out, (int)strlen(out), NULL, NULL, 0);
    xmlNodePtr ts = h_xp(doc, "//m:Pay/*[1]");
    assert_string_equal((const char *)ts->name, "Timestamp");
    assert_string_equal((const char *)ts->ns->href, H_NS_WSU);
    xmlNodePtr created = h_xp(doc, "//m:Pay/wsu:Timestamp/wsu:Created");
    xmlChar *c = xmlNodeGetContent(created);
    assert_string_equal((const char *)c, "2025-06-01T12:00:00.000Z");
    xmlFree(c);
    xmlChar *x = xmlNodeGetContent(h_xp(doc, "//m:Pay/wsu:Timestamp/wsu:Expires"));
    assert_string_equal((const char *)x, "2025-06-01T12:05:00.000Z");
    xmlFree(x);
    xmlFreeDoc(doc);
    wssec_ctx *r = h_receiver(NULL);
    expect_ok(r, out, NULL);
    wssec_ctx_free(r);
    /* past its Expires (the header's own Timestamp left out, so only the
     * embedded one can refuse) */
    char *lone = NULL, err[600];
    assert_int_equal(secure_rc(s, p, sig_only, 1, &lone, err, sizeof(err)), 0);
    r = h_receiver("require", "signature", "now", "2025-06-01T12:06:01Z", "max-age", "3600", NULL);
    h_expect(r, lone, WSSEC_EEXPIRED, "wsse:MessageExpired",
             "Timestamp at /Envelope/Body/Pay/Timestamp: Timestamp expired at "
             "2025-06-01T12:05:00.000Z");
    wssec_ctx_free(r);
    free(lone);
    free(out);
    free(p);
    wssec_ctx_free(s);
}

static void test_timestamp_in_must_be_signed(void **state)
{
    (void)state;
    char err[600], *out = NULL;
    /* in a header block the signature does not cover */
    wssec_ctx *s = signer_in("timestamp-in", "/soap:Envelope/soap:Header/m:Info");
    char *p = env("<m:Info xmlns:m=\"" BANK "\">x</m:Info>", NULL);
    assert_int_equal(secure_rc(s, p, ts_sig, 2, &out, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "timestamp-in '/soap:Envelope/soap:Header/m:Info': the Timestamp added "
                           "to /Envelope/Header/Info is not covered by the signature");
    assert_null(out);
    /* signed by a sign-part naming it: accepted */
    wssec_ctx_free(s);
    s = h_signer("alice", "namespace", "m=" BANK, "timestamp-in",
                 "/soap:Envelope/soap:Header/m:Info", "sign-part", "body", "sign-part", "timestamp",
                 "sign-part", "/soap:Envelope/soap:Header/m:Info", NULL);
    assert_int_equal(secure_rc(s, p, ts_sig, 2, &out, err, sizeof(err)), 0);
    wssec_ctx *r = h_receiver(NULL);
    expect_ok(r, out, NULL);
    wssec_ctx_free(r);
    free(out);
    /* no signature at all */
    static const char *const ts_only[] = { "timestamp" };
    assert_int_equal(secure_rc(s, p, ts_only, 1, &out, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "adds content that must be signed, and no signature is made");
    wssec_ctx_free(s);
    /* selects nothing; selects an attribute */
    s = signer_in("nonce-in", "//m:Nothing");
    assert_int_equal(secure_rc(s, p, ts_sig, 2, &out, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "nonce-in '//m:Nothing' selects nothing in the message");
    wssec_ctx_free(s);
    s = signer_in("timestamp-in", "//m:Info/text()");
    assert_int_equal(secure_rc(s, p, ts_sig, 2, &out, err, sizeof(err)), WSSEC_ECONFIG);
    h_assert_contains(err, "selects something that is not an element");
    wssec_ctx_free(s);
    /* not an XPath: refused when the context is built */
    wssec_ctx *bad = NULL;
    const char *pairs[] = { "timestamp-in", "//m:Pay[", NULL };
    char cerr[300];
    assert_int_equal(h_ctx_try(&bad, 0, pairs, cerr, sizeof(cerr)), WSSEC_ECONFIG);
    h_assert_contains(cerr, "timestamp-in: '//m:Pay[' is not an XPath expression");
    free(p);
}

/* ---- inbound Timestamps ---- */

/* The regression: an expired Timestamp inside a signed Body was ignored. */
static void test_expired_in_signed_body(void **state)
{
    (void)state;
    char *ts = ts_at(H_NOW - 3600 * H_SEC, H_NOW - 3300 * H_SEC);
    char *msg = signed_by("alice", NULL, ts);
    wssec_ctx *r = h_receiver(NULL);
    h_expect(r, msg, WSSEC_EEXPIRED, "wsse:MessageExpired",
             "Timestamp at /Envelope/Body/Pay/Timestamp: Timestamp expired at "
             "2025-06-01T11:05:00.000Z");
    /* inspect still describes it (no check there) */
    h_run in;
    assert_int_equal(h_inspect(&in, r, msg), 0);
    h_run_free(&in);
    wssec_ctx_free(r);
    free(msg);
    free(ts);
}

static void test_future_and_old_in_signed_body(void **state)
{
    (void)state;
    wssec_ctx *r = h_receiver(NULL);
    char *ts = ts_at(H_NOW + 600 * H_SEC, -1);
    char *msg = signed_by("alice", NULL, ts);
    h_expect(r, msg, WSSEC_EEXPIRED, "wsse:MessageExpired",
             "Timestamp at /Envelope/Body/Pay/Timestamp: Timestamp Created "
             "2025-06-01T12:10:00.000Z is in the future");
    free(msg);
    free(ts);
    ts = ts_at(H_NOW - 400 * H_SEC, -1);
    msg = signed_by("alice", NULL, ts);
    h_expect(r, msg, WSSEC_EEXPIRED, "wsse:MessageExpired", "is older than max-age 300 s");
    free(msg);
    free(ts);
    /* a malformed one: the header's rules */
    msg = signed_by("alice", NULL,
                    "<wsu:Timestamp><wsu:Expires>2025-06-01T12:05:00Z</wsu:Expires>"
                    "</wsu:Timestamp>");
    h_expect(r, msg, WSSEC_EMALFORMED, NULL, "out of place");
    free(msg);
    /* a fresh one is accepted */
    ts = ts_at(H_NOW - 10 * H_SEC, H_NOW + 60 * H_SEC);
    msg = signed_by("alice", NULL, ts);
    expect_ok(r, msg, NULL);
    free(msg);
    free(ts);
    wssec_ctx_free(r);
}

static void test_unsigned_timestamp(void **state)
{
    (void)state;
    char *ts = ts_at(H_NOW - 3600 * H_SEC, H_NOW - 3300 * H_SEC);
    char *hdr = h_strf("<m:Info xmlns:m=\"" BANK "\">%s</m:Info>", ts);
    char *msg = signed_by("alice", hdr, NULL);
    wssec_ctx *r = h_receiver(NULL);
    expect_ok(r, msg,
              "Timestamp at /Envelope/Header/Info/Timestamp is in content no verified "
              "signature covers");
    wssec_ctx_free(r);
    r = h_receiver("unsigned-timestamps", "refuse", NULL);
    h_expect(r, msg, WSSEC_EUNSIGNED, NULL,
             "Timestamp at /Envelope/Header/Info/Timestamp is in content no verified signature "
             "covers");
    wssec_ctx_free(r);
    free(msg);
    free(hdr);
    free(ts);
}

/* The Timestamp moved out of the element whose signature covered it. */
static void s_ts_out_of_pay(xmlDocPtr doc)
{
    h_move(doc, "//m:Pay/wsu:Timestamp", "//soap:Header", H_INTO);
}

static void test_timestamp_moved_out(void **state)
{
    (void)state;
    wssec_ctx *s = signer_in("timestamp-in", "//m:Pay");
    char *p = env(NULL, NULL), *out = h_secure(s, p, ts_sig, 2, NULL);
    char *moved = h_operate(out, s_ts_out_of_pay, 1);
    wssec_ctx *r = h_receiver("unsigned-timestamps", "refuse", NULL);
    h_expect(r, moved, WSSEC_EDIGEST, NULL, NULL);
    wssec_ctx_free(r);
    free(moved);
    free(out);
    free(p);
    wssec_ctx_free(s);
}

/* ---- Nonces ---- */

static void test_nonce_in_round_trip_and_replay(void **state)
{
    (void)state;
    wssec_ctx *s = signer_in("nonce-in", "//m:Pay");
    char *p = env(NULL, NULL), *out = h_secure(s, p, ts_sig, 2, NULL);
    xmlDocPtr doc = xmlReadMemory(out, (int)strlen(out), NULL, NULL, 0);
    xmlNodePtr n = h_xp(doc, "//m:Pay/*[1]");
    assert_string_equal((const char *)n->name, "Nonce");
    xmlChar *enc = xmlGetProp(n, BAD_CAST "EncodingType");
    assert_string_equal((const char *)enc, H_ENC_B64);
    xmlFree(enc);
    xmlChar *v = xmlNodeGetContent(n);
    assert_int_equal(strlen((const char *)v), 24); /* 16 bytes */
    assert_string_equal((const char *)h_xp(doc, "//m:Pay/*[2]")->name, "Created");
    /* the same Nonce, with a later Created, in another element of another
     * message from the same signer */
    char *again = nonce_at((const char *)v, H_NOW + 5 * H_SEC);
    char *other = h_strf("<m:Memo>%s</m:Memo>", again);
    xmlFree(v);
    xmlFreeDoc(doc);
    char *msg2 = signed_by("alice", NULL, other), *msg3 = signed_by("bob", NULL, other);

    wssec_ctx *r = h_receiver("replay-signatures", "false", NULL);
    expect_ok(r, out, NULL);
    h_expect(r, out, WSSEC_EREPLAY, NULL,
             "Nonce at /Envelope/Body/Pay/Nonce signed by 'CN=alice,OU=Clients,O=wssec test,C=US' "
             "was already used (replay)");
    h_expect(r, msg2, WSSEC_EREPLAY, NULL, "Nonce at /Envelope/Body/Pay/Memo/Nonce");
    /* keyed by the signer: bob's is another nonce */
    expect_ok(r, msg3, NULL);
    wssec_ctx_free(r);
    free(msg2);
    free(msg3);
    free(other);
    free(again);
    free(out);
    free(p);
    wssec_ctx_free(s);
}

/* A rejected message records nothing: its nonce is still free. */
static void test_nonce_not_recorded_on_rejection(void **state)
{
    (void)state;
    char *pay = h_strf("%s%s",
                       "<wsse:Nonce EncodingType=\"" H_ENC_B64 "\">AAECAwQFBgcICQoLDA0ODw=="
                       "</wsse:Nonce><wsu:Created>2025-06-01T12:00:00Z</wsu:Created>",
                       "<wsu:Timestamp><wsu:Created>2025-06-01T11:00:00Z</wsu:Created>"
                       "<wsu:Expires>2025-06-01T11:05:00Z</wsu:Expires></wsu:Timestamp>");
    char *bad = signed_by("alice", NULL, pay);
    char *good = signed_by("alice", NULL,
                           "<wsse:Nonce EncodingType=\"" H_ENC_B64 "\">AAECAwQFBgcICQoLDA0ODw=="
                           "</wsse:Nonce><wsu:Created>2025-06-01T12:00:00Z</wsu:Created>");
    h_recorder rec = { 0 };
    wssec_ctx *r = h_ctx_recorded(&rec, "trust", H_PKI "root.crt", "certs", H_PKI "inter.crt",
                                  "replay-signatures", "false", NULL);
    h_expect(r, bad, WSSEC_EEXPIRED, NULL, "Timestamp at /Envelope/Body/Pay/Timestamp");
    assert_int_equal(rec.inserts, 0);
    expect_ok(r, good, NULL);
    assert_int_equal(rec.inserts, 1);
    wssec_ctx_free(r);
    free(bad);
    free(good);
    free(pay);
}

static void test_nonce_hostile_forms(void **state)
{
    (void)state;
    wssec_ctx *r = h_receiver(NULL);
    /* without a Created beside it */
    char *msg = signed_by("alice", NULL,
                          "<wsse:Nonce EncodingType=\"" H_ENC_B64 "\">AAECAwQFBgcICQoLDA0ODw=="
                          "</wsse:Nonce>");
    h_expect(r, msg, WSSEC_ETOKEN, NULL, "without a wsu:Created beside it");
    free(msg);
    /* a stale Created: the cache would have forgotten it */
    char *n = nonce_at("AAECAwQFBgcICQoLDA0ODw==", H_NOW - 3600 * H_SEC);
    msg = signed_by("alice", NULL, n);
    h_expect(r, msg, WSSEC_EEXPIRED, NULL, "Nonce at /Envelope/Body/Pay/Nonce: Timestamp Created");
    free(msg);
    free(n);
    /* another encoding, not base64 */
    msg = signed_by("alice", NULL,
                    "<wsse:Nonce>AAECAwQFBgcICQoLDA0ODw==</wsse:Nonce>"
                    "<wsu:Created>2025-06-01T12:00:00Z</wsu:Created>");
    h_expect(r, msg, WSSEC_ETOKEN, NULL, "EncodingType must be Base64Binary");
    free(msg);
    n = nonce_at("!!!", H_NOW);
    msg = signed_by("alice", NULL, n);
    h_expect(r, msg, WSSEC_ETOKEN, NULL, "is not base64 of 1 to 64 bytes");
    free(msg);
    free(n);
    /* unsigned: warned about, refused on demand */
    n = nonce_at("AAECAwQFBgcICQoLDA0ODw==", H_NOW);
    char *hdr = h_strf("<m:Info xmlns:m=\"" BANK "\">%s</m:Info>", n);
    msg = signed_by("alice", hdr, NULL);
    expect_ok(r, msg, "Nonce at /Envelope/Header/Info/Nonce is in content no verified signature");
    wssec_ctx_free(r);
    r = h_receiver("unsigned-timestamps", "refuse", NULL);
    h_expect(r, msg, WSSEC_EUNSIGNED, NULL, "Nonce at /Envelope/Header/Info/Nonce");
    wssec_ctx_free(r);
    free(msg);
    free(hdr);
    free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamp_in_round_trip),
        cmocka_unit_test(test_timestamp_in_must_be_signed),
        cmocka_unit_test(test_expired_in_signed_body),
        cmocka_unit_test(test_future_and_old_in_signed_body),
        cmocka_unit_test(test_unsigned_timestamp),
        cmocka_unit_test(test_timestamp_moved_out),
        cmocka_unit_test(test_nonce_in_round_trip_and_replay),
        cmocka_unit_test(test_nonce_not_recorded_on_rejection),
        cmocka_unit_test(test_nonce_hostile_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
