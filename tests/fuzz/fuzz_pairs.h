/* Option pairs the fuzz targets share (senders and receivers of the bases). */
#ifndef WSSEC_FUZZ_PAIRS_H
#define WSSEC_FUZZ_PAIRS_H

#include "fuzz_common.h"

#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define NS_XENC "http://www.w3.org/2001/04/xmlenc#"

/* alice signs; server decrypts */
#define ALICE "sign-key", FZ_PKI "alice.key", "sign-cert", FZ_PKI "alice.crt"
#define TO_SERVER "encrypt-cert", FZ_PKI "server.crt"
/* the receiver: trusts the test root; signature replay off (every input is a new
 * message, and the bases are accepted again and again) */
#define RX "trust", FZ_PKI "root.crt", "certs", FZ_PKI "inter.crt", "replay-signatures", "false"
#define DECRYPTS "decrypt-key", FZ_PKI "server.key", "decrypt-cert", FZ_PKI "server.crt"

#endif
