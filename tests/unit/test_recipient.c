/*
 * The recipient of one message (wssec_msg_set_recipient) and the caller's
 * certificate (wssec_result_caller_cert): a responder encrypts its answer
 * for the party that signed the request, while the context's encrypt-cert
 * stays what every other message is encrypted for. And the transport's
 * client certificate (wssec_msg_set_transport_cert, "transport-client-cert
 * required"): checked as a signer's, the caller of an unsigned message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "helpers.h"
#include "pkigen.h"

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"

/* Decrypts as NAME (its key and certificate), trusting the test root. */
#define RECEIVER_AS(name)                                                                        \
    "trust", PKI "root.crt", "certs", PKI "inter.crt", "decrypt-key", PKI name ".key",          \
        "decrypt-cert", PKI name ".crt", "replay-signatures", "false", "require",                 \
        "timestamp,signature"

static const char *const ts_sig_enc[] = { "timestamp", "signature", "encrypted-key" };

static char *plain(void) { return h_envelope_header(11, NULL); }

/* A message of ctx for recipient (NULL: not set), secured with a Timestamp,
 * a signature and the Body encrypted. */
static char *secure_for(const wssec_ctx *ctx, X509 *recipient)
{
    char *xml = plain();
    wssec_msg *msg = h_parse(ctx, xml);
    free(xml);
    if (recipient) assert_int_equal(wssec_msg_set_recipient(msg, recipient), 0);
    return h_secure_msg(msg, ts_sig_enc, 3, NULL);
}

/* Verifies xml on rcv: 0, or the code of the refusal, which must be that the
 * EncryptedKey is for somebody else (the choice of our key may say why). */
static int open_as(const wssec_ctx *rcv, const char *xml)
{
    h_run r;
    int rc = h_verify(&r, rcv, xml);
    if (rc == 0) assert_int_equal(wssec_result_decrypted_count(r.res), 1);
    else h_assert_error(h_run_err(&r), WSSEC_EDECRYPT, "wsse:FailedCheck",
                        "names a certificate that is not one of our decryption certificates");
    h_run_free(&r);
    return rc;
}

/* The message's recipient is the one its key is wrapped for; the context's
 * encrypt-cert is left to every other message. */
static void test_per_message_recipient(void **state)
{
    (void)state;
    wssec_ctx *out = h_ctx("sign-key", PKI "gateway.key", "sign-cert", PKI "gateway.crt",
                           "encrypt-cert", PKI "server.crt", NULL);
    wssec_ctx *alice = h_ctx(RECEIVER_AS("alice"), NULL);
    wssec_ctx *server = h_ctx(RECEIVER_AS("server"), NULL);
    X509 *a = pg_load_cert(PKI "alice.crt");

    char *for_alice = secure_for(out, a);
    X509_free(a); /* the message took its own reference */
    assert_int_equal(open_as(alice, for_alice), 0);
    assert_int_equal(open_as(server, for_alice), WSSEC_EDECRYPT);

    /* the context's recipient is unaffected: the next message is the server's */
    char *for_server = secure_for(out, NULL);
    assert_int_equal(open_as(server, for_server), 0);
    assert_int_equal(open_as(alice, for_server), WSSEC_EDECRYPT);

    free(for_alice);
    free(for_server);
    wssec_ctx_free(out);
    wssec_ctx_free(alice);
    wssec_ctx_free(server);
}

/* The EncryptedKey names the message's recipient in every key reference
 * (bst carries its certificate). */
static void test_recipient_named(void **state)
{
    (void)state;
    static const char *const ids[] = { "issuer-serial", "ski", "thumbprint", "bst", "x509" };
    wssec_ctx *alice = h_ctx(RECEIVER_AS("alice"), NULL);
    X509 *a = pg_load_cert(PKI "alice.crt");
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(ids); i++) {
        wssec_ctx *out = h_ctx("sign-key", PKI "gateway.key", "sign-cert", PKI "gateway.crt",
                               "encrypt-cert", PKI "server.crt", "enc-key-id", ids[i], NULL);
        char *xml = secure_for(out, a);
        assert_int_equal(open_as(alice, xml), 0);
        free(xml);
        wssec_ctx_free(out);
    }
    X509_free(a);
    wssec_ctx_free(alice);
}

/* NULL goes back to the context's recipient; without one, encryption is
 * refused as before; a key that cannot wrap is refused when it is set. */
static void test_recipient_null_and_refusals(void **state)
{
    (void)state;
    wssec_ctx *out = h_ctx("sign-key", PKI "gateway.key", "sign-cert", PKI "gateway.crt",
                           "encrypt-cert", PKI "server.crt", NULL);
    wssec_ctx *none = h_ctx("sign-key", PKI "gateway.key", "sign-cert", PKI "gateway.crt", NULL);
    wssec_ctx *server = h_ctx(RECEIVER_AS("server"), NULL);
    wssec_ctx *alice = h_ctx(RECEIVER_AS("alice"), NULL);
    X509 *a = pg_load_cert(PKI "alice.crt"), *ec = pg_load_cert(PKI "ec.crt");
    char *xml = plain();

    /* set, then NULL: the context's recipient again */
    wssec_msg *msg = h_parse(out, xml);
    assert_int_equal(wssec_msg_set_recipient(msg, a), 0);
    assert_int_equal(wssec_msg_set_recipient(msg, NULL), 0);
    char *sec = h_secure_msg(msg, ts_sig_enc, 3, NULL);
    assert_int_equal(open_as(server, sec), 0);
    free(sec);

    /* an EC key cannot wrap the session key: refused, the recipient unchanged */
    msg = h_parse(out, xml);
    assert_int_equal(wssec_msg_set_recipient(msg, a), 0);
    assert_int_equal(wssec_msg_set_recipient(msg, ec), WSSEC_EINVALID);
    h_assert_error(wssec_msg_error(msg), WSSEC_EINVALID, NULL, "the recipient needs an RSA key");
    h_assert_contains(wssec_msg_error(msg)->message, "CN=");
    sec = h_secure_msg(msg, ts_sig_enc, 3, NULL);
    assert_int_equal(open_as(alice, sec), 0);
    free(sec);

    /* no encrypt-cert in the context: the message's recipient is enough ... */
    msg = h_parse(none, xml);
    assert_int_equal(wssec_msg_set_recipient(msg, a), 0);
    sec = h_secure_msg(msg, ts_sig_enc, 3, NULL);
    assert_int_equal(open_as(alice, sec), 0);
    free(sec);
    /* ... and without it, encryption is refused as it always was */
    msg = h_parse(none, xml);
    h_secure_refused(msg, ts_sig_enc, 3, WSSEC_ECONFIG, "no recipient certificate");
    wssec_msg_free(msg);

    /* the dates of the recipient's certificate are not checked (documented):
     * an expired certificate still gets the message */
    X509 *old = pg_load_cert(PKI "expired.crt");
    msg = h_parse(none, xml);
    assert_int_equal(wssec_msg_set_recipient(msg, old), 0);
    sec = h_secure_msg(msg, ts_sig_enc, 3, NULL);
    h_assert_contains(sec, "EncryptedKey");
    free(sec);
    X509_free(old);

    free(xml);
    X509_free(a);
    X509_free(ec);
    wssec_ctx_free(out);
    wssec_ctx_free(none);
    wssec_ctx_free(server);
    wssec_ctx_free(alice);
}

/* The caller's certificate: the verified signer's; none for a UsernameToken,
 * a rejection, or an unauthenticated message. */
static void test_caller_cert(void **state)
{
    (void)state;
    wssec_ctx *signer = h_ctx("sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt", NULL);
    wssec_ctx *rcv = h_ctx("trust", PKI "root.crt", "certs", PKI "inter.crt", NULL);
    X509 *a = pg_load_cert(PKI "alice.crt");
    char *xml = h_sign_envelope(signer);
    h_run r;
    assert_int_equal(h_verify(&r, rcv, xml), 0);
    X509 *c = wssec_result_caller_cert(r.res);
    assert_non_null(c);
    assert_int_equal(X509_cmp(c, a), 0);
    h_run_free(&r);

    /* a changed Body: rejected, no caller and no certificate */
    size_t xl = strlen(xml);
    char *bad = malloc(xl + 2); /* room for the character put in */
    assert_non_null(bad);
    memcpy(bad, xml, xl + 1);
    char *at = strstr(bad, "<soap:Body");
    assert_non_null(at);
    at = strstr(at, ">");
    assert_non_null(at);
    memmove(at + 2, at + 1, strlen(at + 1) + 1);
    at[1] = ' ';
    assert_int_not_equal(h_verify(&r, rcv, bad), 0);
    assert_null(wssec_result_caller_cert(r.res));
    h_run_free(&r);
    free(bad);

    /* a UsernameToken names a user, who has no certificate */
    wssec_ctx *ut_out = h_ctx("username", "alice", NULL);
    wssec_ctx *ut_in = h_ctx("require", "username-token", NULL);
    static const char *const ut[] = { "username-token" };
    char *p = plain();
    char *utm = h_secure(ut_out, p, ut, 1, NULL);
    assert_int_equal(h_verify(&r, ut_in, utm), 0);
    assert_string_equal(wssec_result_caller(r.res), "alice");
    assert_null(wssec_result_caller_cert(r.res));
    h_run_free(&r);

    free(p);
    free(utm);
    free(xml);
    X509_free(a);
    wssec_ctx_free(signer);
    wssec_ctx_free(rcv);
    wssec_ctx_free(ut_out);
    wssec_ctx_free(ut_in);
}

/* The gateway's round trip: the request's caller certificate becomes the
 * response's recipient, and stays with the response when the request and its
 * result are gone. */
static void test_response_for_caller(void **state)
{
    (void)state;
    wssec_ctx *client = h_ctx("sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt", NULL);
    wssec_ctx *gw = h_ctx("trust", PKI "root.crt", "certs", PKI "inter.crt", "sign-key",
                          PKI "gateway.key", "sign-cert", PKI "gateway.crt", NULL);
    wssec_ctx *alice = h_ctx(RECEIVER_AS("alice"), NULL);
    wssec_ctx *bob = h_ctx(RECEIVER_AS("bob"), NULL);
    char *req = h_sign_envelope(client);
    h_run r;
    assert_int_equal(h_verify(&r, gw, req), 0);
    char *p = plain();
    wssec_msg *resp = h_parse(gw, p);
    assert_int_equal(wssec_msg_set_recipient(resp, wssec_result_caller_cert(r.res)), 0);
    h_run_free(&r);
    char *out = h_secure_msg(resp, ts_sig_enc, 3, NULL);
    assert_int_equal(open_as(alice, out), 0);
    assert_int_equal(open_as(bob, out), WSSEC_EDECRYPT);
    free(out);
    free(p);
    free(req);
    wssec_ctx_free(client);
    wssec_ctx_free(gw);
    wssec_ctx_free(alice);
    wssec_ctx_free(bob);
}

/* A Timestamp alone: what a message over an authenticating transport carries. */
static char *timestamped(void)
{
    static const char *const ts[] = { "timestamp" };
    wssec_ctx *out = h_ctx("actions", "timestamp", NULL);
    char *p = plain();
    char *xml = h_secure(out, p, ts, 1, NULL);
    free(p);
    wssec_ctx_free(out);
    return xml;
}

/* Verifies xml on rcv with cert (a file, or NULL) as the transport's. */
static int verify_tls(h_run *r, const wssec_ctx *rcv, const char *xml, const char *cert)
{
    memset(r, 0, sizeof(*r));
    r->msg = h_parse(rcv, xml);
    if (cert) {
        X509 *x = pg_load_cert(cert);
        assert_int_equal(wssec_msg_set_transport_cert(r->msg, x, NULL), 0);
        X509_free(x);
    }
    r->rc = wssec_verify(&r->res, r->msg);
    return r->rc;
}

#define TLS_RECEIVER(...)                                                            \
    h_ctx("trust", PKI "root.crt", "certs", PKI "inter.crt", "require", "timestamp", \
          "transport-client-cert", "required", __VA_ARGS__)

/* The TLS client certificate is the caller of a message without a
 * signature; missing, it is refused naming the option and sp:HttpsToken. */
static void test_transport_caller(void **state)
{
    (void)state;
    wssec_ctx *rcv = TLS_RECEIVER(NULL);
    char *xml = timestamped();
    X509 *a = pg_load_cert(PKI "alice.crt");
    h_run r;
    assert_int_equal(verify_tls(&r, rcv, xml, PKI "alice.crt"), 0);
    assert_string_equal(wssec_result_caller(r.res), "CN=alice,OU=Clients,O=wssec test,C=US");
    assert_non_null(wssec_result_caller_cert(r.res));
    assert_int_equal(X509_cmp(wssec_result_caller_cert(r.res), a), 0);
    const wssec_token *t = NULL;
    for (size_t i = 0; i < wssec_result_token_count(r.res); i++)
        if (!strcmp(wssec_token_type(wssec_result_token(r.res, i)), "transport-token"))
            t = wssec_result_token(r.res, i);
    assert_non_null(t);
    assert_string_equal(wssec_token_get(t, "subject"), "CN=alice,OU=Clients,O=wssec test,C=US");
    assert_int_equal(strlen(wssec_token_get(t, "sha256")), 64);
    h_run_free(&r);

    /* none: refused, naming the setting and the policy assertion */
    assert_int_equal(verify_tls(&r, rcv, xml, NULL), WSSEC_EPOLICY);
    h_assert_error(h_run_err(&r), WSSEC_EPOLICY, NULL, "transport-client-cert required");
    h_assert_contains(h_run_err(&r)->message, "sp:HttpsToken");
    assert_null(wssec_result_caller(r.res));
    h_run_free(&r);

    /* "none" (the default): a certificate given is not used */
    wssec_ctx *plain_rcv =
        h_ctx("trust", PKI "root.crt", "certs", PKI "inter.crt", "require", "timestamp", NULL);
    assert_int_equal(verify_tls(&r, plain_rcv, xml, PKI "alice.crt"), 0);
    assert_null(wssec_result_caller(r.res));
    assert_null(wssec_result_caller_cert(r.res));
    h_run_free(&r);

    free(xml);
    X509_free(a);
    wssec_ctx_free(rcv);
    wssec_ctx_free(plain_rcv);
}

/* The certificate meets a signer's rules; each refusal says why. */
static void test_transport_untrusted(void **state)
{
    (void)state;
    static const struct {
        const char *cert, *needle;
    } cases[] = {
        { PKI "evil-alice.crt", "TLS client" },
        { PKI "expired.crt", "expired" },
        { PKI "revoked.crt", "revoked" },
        { PKI "bob.crt", "does not match the accepted subjects" },
        { PKI "selfsigned.crt", "TLS client" },
    };
    wssec_ctx *rcv = TLS_RECEIVER("crl", PKI "inter.crl", "crl", PKI "root.crl", "subject",
                                  "CN=alice,OU=Clients,O=wssec test,C=US", "subject",
                                  "re:^CN=(revoked|expired),.*", NULL);
    char *xml = timestamped();
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(cases); i++) {
        h_run r;
        assert_int_equal(verify_tls(&r, rcv, xml, cases[i].cert), WSSEC_EUNTRUSTED);
        h_assert_error(h_run_err(&r), WSSEC_EUNTRUSTED, "wsse:FailedAuthentication",
                       cases[i].needle);
        assert_null(wssec_result_caller(r.res));
        assert_null(wssec_result_caller_cert(r.res));
        h_run_free(&r);
    }
    free(xml);
    wssec_ctx_free(rcv);
}

/* A signature names the caller whatever the transport's certificate; a
 * chain without a certificate is refused. */
static void test_transport_beside_signature(void **state)
{
    (void)state;
    wssec_ctx *bob = h_ctx("sign-key", PKI "bob.key", "sign-cert", PKI "bob.crt", NULL);
    wssec_ctx *rcv = TLS_RECEIVER(NULL);
    char *xml = h_sign_envelope(bob);
    X509 *b = pg_load_cert(PKI "bob.crt");
    h_run r;
    assert_int_equal(verify_tls(&r, rcv, xml, PKI "alice.crt"), 0);
    assert_string_equal(wssec_result_caller(r.res), "CN=bob,OU=Clients,O=wssec test,C=US");
    assert_int_equal(X509_cmp(wssec_result_caller_cert(r.res), b), 0);
    h_run_free(&r);

    STACK_OF(X509) *chain = sk_X509_new_null();
    assert_non_null(chain);
    wssec_msg *msg = h_parse(rcv, xml);
    assert_int_equal(wssec_msg_set_transport_cert(msg, NULL, chain), WSSEC_EINVALID);
    h_assert_error(wssec_msg_error(msg), WSSEC_EINVALID, NULL, "a chain without a certificate");
    /* a chain the peer sent is taken with the certificate; NULL forgets both */
    assert_int_equal(sk_X509_push(chain, pg_load_cert(PKI "inter.crt")), 1);
    assert_int_equal(wssec_msg_set_transport_cert(msg, b, chain), 0);
    assert_int_equal(wssec_msg_set_transport_cert(msg, NULL, NULL), 0);
    sk_X509_pop_free(chain, X509_free);
    wssec_msg_free(msg);

    free(xml);
    X509_free(b);
    wssec_ctx_free(bob);
    wssec_ctx_free(rcv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_message_recipient),
        cmocka_unit_test(test_recipient_named),
        cmocka_unit_test(test_recipient_null_and_refusals),
        cmocka_unit_test(test_caller_cert),
        cmocka_unit_test(test_response_for_caller),
        cmocka_unit_test(test_transport_caller),
        cmocka_unit_test(test_transport_untrusted),
        cmocka_unit_test(test_transport_beside_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
