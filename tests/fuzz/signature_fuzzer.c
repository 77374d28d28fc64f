/*
 * signature_fuzzer — the ds:Signature consumer (tokens/signature.c, keyref.c,
 * trust.c) on messages alice signed through wssec_secure: the input mutates
 * the Signature, the Body and the Timestamp (fuzz_common.h). The receiver
 * requires a signature over the Body and a Timestamp; an accepted message
 * must have the very Body alice signed (canonically), covered by the
 * verified signature, and alice as the caller.
 */
#include "fuzz_pairs.h"

static const char *const ts_sig[] = { "timestamp", "signature", NULL };

static const char *const s_bst[] = { ALICE, NULL };
static const char *const s_is[] = { ALICE, "key-id", "issuer-serial", NULL };
static const char *const s_ski[] = { ALICE, "key-id", "ski", NULL };
static const char *const s_tp[] = { ALICE, "key-id", "thumbprint", "sign-alg", "rsa-sha512",
                                    "digest-alg", "sha512", NULL };
static const char *const s_x509[] = { ALICE, "key-id", "x509", NULL };
static const char *const s_ec[] = { "sign-key", FZ_PKI "ec.key", "sign-cert", FZ_PKI "ec.crt",
                                    "sign-alg", "ecdsa-sha256", NULL };
static const char *const s_route[] = { ALICE, "sign-part", "body", "sign-part", "timestamp",
                                       "sign-part", "{urn:example:route}Route", NULL };

static const char *const r_plain[] = { RX, NULL };
static const char *const r_alice[] = { RX, "certs", FZ_PKI "alice.crt", NULL };
static const char *const r_ec[] = { RX, "certs", FZ_PKI "ec.crt", NULL };

/* XPath filters allowed (allow-transforms): a filtered reference covers only
 * what it selects, so the Body must still be covered whole */
static const char *const r_xpath[] = { RX, "allow-transforms", "xpath,xpath2", "max-transforms", "6",
                                       NULL };
/* the signer pinned by subject and issuer, certificates not cached, CRLs checked */
static const char *const r_pinned[] = { RX, "certs", FZ_PKI "alice.crt", "subject", "re:^CN=alice,", "issuer",
                                        "CN=wssec Test Issuing CA,O=wssec test,C=US", "cert-cache",
                                        "false", "crl", FZ_PKI "inter.crl", "crl", FZ_PKI "root.crl",
                                        "crl-check", "all", NULL };

#define INTEGRITY (FZ_SIGNED_BODY | FZ_SAME_BODY | FZ_SAME_CALLER)

static const fz_base bases[] = {
    { "bst", 11, s_bst, ts_sig, NULL, NULL, r_plain, INTEGRITY },
    { "issuer-serial", 11, s_is, ts_sig, NULL, NULL, r_alice, INTEGRITY },
    { "ski", 11, s_ski, ts_sig, NULL, NULL, r_alice, INTEGRITY },
    { "thumbprint-sha512", 11, s_tp, ts_sig, NULL, NULL, r_alice, INTEGRITY },
    { "x509", 11, s_x509, ts_sig, NULL, NULL, r_plain, INTEGRITY },
    { "ecdsa-soap12", 12, s_ec, ts_sig, NULL, NULL, r_ec, INTEGRITY },
    { "signed-header", 11, s_route, ts_sig, NULL, NULL, r_plain, INTEGRITY },
    { "xpath-allowed", 11, s_bst, ts_sig, NULL, NULL, r_xpath, INTEGRITY },
    { "pinned-crl", 12, s_is, ts_sig, NULL, NULL, r_pinned, INTEGRITY },
};

static const char *const focus[][2] = {
    { NS_DS, "Signature" },
    { NULL, "Body" },
    { WSSEC_NS_WSU, "Timestamp" },
};

const fz_target fz_target_def = {
    .name = "signature",
    .bases = bases,
    .nbases = sizeof(bases) / sizeof(bases[0]),
    .focus = focus,
    .nfocus = sizeof(focus) / sizeof(focus[0]),
};
