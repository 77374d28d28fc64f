/*
 * wssec — the transport's client certificate as a credential (see
 * transport.h). The TLS layer proved that its peer holds the key of the
 * certificate; whether that certificate is trusted, and who it names, is
 * decided here with the very rules a message signer's certificate meets
 * (anchors, path, CRLs and OCSP, subject and issuer rules, key usage, the
 * certificate validator), so that a gateway's two layers are judged alike.
 */
#include <string.h>

#include <openssl/x509.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "transport.h"
#include "algs.h"
#include "context.h"
#include "record.h"
#include "settings.h"
#include "trust.h"
#include "util.h"
#include "x509.h"

int wssec_msg_set_transport_cert(wssec_msg *msg, X509 *cert, STACK_OF(X509) * chain)
{
    WSSEC_ARG(msg);
    STACK_OF(X509) *copy = NULL;
    if (!cert && chain)
        return wssec_msg_fail(msg, WSSEC_EINVALID, NULL, NULL,
                              "wssec_msg_set_transport_cert: a chain without a certificate");
    if (chain && sk_X509_num(chain) > 64)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, NULL,
                              "transport certificate chain of %d certificates: at most 64",
                              sk_X509_num(chain));
    if (chain && !(copy = X509_chain_up_ref(chain)))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    if (cert && !X509_up_ref(cert)) {
        sk_X509_pop_free(copy, X509_free);
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    }
    X509_free(msg->transport_cert);
    sk_X509_pop_free(msg->transport_chain, X509_free);
    msg->transport_cert = cert;
    msg->transport_chain = copy;
    return 0;
}

/* The transport token: the certificate, its chain and its subject. */
static int record_token(wssec_msg *msg, wssec_token **out)
{
    char dn[1024];
    wssec_token *t = wssec_msg_add_token(msg, WSSEC_TRANSPORT_TOKEN_TYPE, msg->envelope);
    if (!t || wssec__dn_text(X509_get_subject_name(msg->transport_cert), dn, sizeof(dn)) ||
        wssec_token_set_identity(t, dn) || wssec_token_set(t, "subject", dn) ||
        wssec_token_set(t, "source", "transport-client-cert") || !X509_up_ref(msg->transport_cert))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    t->cert = msg->transport_cert;
    char fp[65];
    wssec__cert_fingerprint(t->cert, fp);
    if (wssec_token_set(t, "sha256", fp))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    *out = t;
    return 0;
}

int wssec__transport_run(wssec_msg *msg)
{
    wssec_token *t = NULL;
    msg->failed = false;
    if (msg->ctx->s.transport_client_cert != WSSEC_TRANSPORT_CERT_REQUIRED) return 0;
    if (!msg->transport_cert)
        return wssec_msg_fail(msg, WSSEC_EPOLICY, NULL, NULL,
                              "transport-client-cert required (sp:HttpsToken with "
                              "RequireClientCertificate): the transport authenticated no client "
                              "certificate");
    WSSEC_GUARD(wssec__trust_check(msg, msg->transport_cert, msg->transport_chain, NULL,
                                   WSSEC_USE_SIGN, "TLS client", NULL));
    WSSEC_GUARD(record_token(msg, &t));
    if (!msg->res->caller) return wssec_msg_set_caller(msg, t);
    return 0;
}
