/*
 * wssec — the transport's client certificate (transport.c): the TLS client
 * certificate an embedding server hands to a message
 * (wssec_msg_set_transport_cert), checked as a signer's would be and made
 * the caller of a message that names none, when the configuration says the
 * transport authenticates ("transport-client-cert required", which the
 * policy mapping writes for sp:HttpsToken with RequireClientCertificate).
 */
#ifndef WSSEC_SRC_TRANSPORT_H
#define WSSEC_SRC_TRANSPORT_H

#include "wssec/message.h"

/* After the consumers, before the policy: with transport-client-cert
 * required, a message without a transport certificate is refused
 * (WSSEC_EPOLICY), one whose certificate the trust rules refuse too
 * (WSSEC_EUNTRUSTED, their reason); an accepted certificate is recorded as
 * a token of type "transport-token" and is the caller when no token named
 * one. 0, or the code of the error recorded on msg. */
int wssec__transport_run(wssec_msg *msg);

#endif /* WSSEC_SRC_TRANSPORT_H */
