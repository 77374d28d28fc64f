/*
 * bst_fuzzer — the wsse:BinarySecurityToken consumer (tokens/bst.c, x509.c,
 * keyref.c) and the SecurityTokenReferences that point at it, on messages
 * alice signed with X509v3, X509PKIPathv1 and PKCS#7 tokens (RSA and ECDSA).
 * The input mutates the BinarySecurityToken and the STR. An accepted
 * message has alice's Body, signed, and the base's signer as the caller
 * (another certificate over the same key, or a chain shuffle, must not
 * relabel the signer).
 */
#include "fuzz_pairs.h"

static const char *const ts_sig[] = { "timestamp", "signature", NULL };

static const char *const s_x509[] = { ALICE, NULL };
static const char *const s_pkipath[] = { ALICE, "bst-type", "pkipath", "sign-chain",
                                         FZ_PKI "chain.pem", NULL };
static const char *const s_pkcs7[] = { ALICE, "bst-type", "pkcs7", "sign-chain", FZ_PKI "chain.pem",
                                       NULL };
static const char *const s_ec[] = { "sign-key", FZ_PKI "ec.key", "sign-cert", FZ_PKI "ec.crt",
                                    "sign-alg", "ecdsa-sha384", NULL };

static const char *const r_plain[] = { RX, NULL };
static const char *const r_crl[] = { RX, "crl", FZ_PKI "inter.crl", "crl-check", "leaf", NULL };

#define INTEGRITY (FZ_SIGNED_BODY | FZ_SAME_BODY | FZ_SAME_CALLER)

static const fz_base bases[] = {
    { "x509v3", 11, s_x509, ts_sig, NULL, NULL, r_plain, INTEGRITY },
    { "pkipath", 11, s_pkipath, ts_sig, NULL, NULL, r_plain, INTEGRITY },
    { "pkcs7-crl", 11, s_pkcs7, ts_sig, NULL, NULL, r_crl, INTEGRITY },
    { "ecdsa", 12, s_ec, ts_sig, NULL, NULL, r_plain, INTEGRITY },
};

static const char *const focus[][2] = {
    { WSSEC_NS_WSSE, "BinarySecurityToken" },
    { WSSEC_NS_WSSE, "SecurityTokenReference" },
};

const fz_target fz_target_def = {
    .name = "bst",
    .bases = bases,
    .nbases = sizeof(bases) / sizeof(bases[0]),
    .focus = focus,
    .nfocus = sizeof(focus) / sizeof(focus[0]),
};
