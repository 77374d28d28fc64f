/*
 * encryption_fuzzer — the xenc:EncryptedKey and xenc:EncryptedData consumer
 * (tokens/encryption.c) on messages encrypted for the test server through
 * wssec_secure: sign-then-encrypt, encrypt-then-sign, an encrypted header,
 * and unsigned AES-CBC/RSA-1.5, AES-GCM/SKI, AES-CBC/thumbprint and
 * AES key wrap with a pre-shared key. The input mutates the
 * EncryptedKeys, the EncryptedData and the Body. Signed bases: an accepted
 * message has alice's Body (after decryption), signed, and alice as caller.
 * Every base: a rejected message reports nothing proved, a decryption
 * failure says only "decryption failed", and the plaintext never leaves a
 * rejected message (the Body holds FZ_MARKER).
 */
#include "fuzz_pairs.h"

static const char *const sig_enc[] = { "timestamp", "signature", "encrypt", NULL };
static const char *const enc_sig[] = { "timestamp", "encrypt", "signature", NULL };
static const char *const enc_only[] = { "timestamp", "encrypt", NULL };

static const char *const s_gcm[] = { ALICE, TO_SERVER, NULL };
static const char *const s_hdr[] = { ALICE, TO_SERVER, "encrypt-part", "body", "encrypt-part",
                                     "{urn:example:route}Route", "enc-key-id", "bst", NULL };
static const char *const s_cbc[] = { TO_SERVER, "enc-alg", "aes128-cbc", "key-transport", "rsa-1_5",
                                     NULL };
static const char *const s_ski[] = { TO_SERVER, "enc-alg", "aes128-gcm", "enc-key-id", "ski",
                                     NULL };
static const char *const s_tp[] = { TO_SERVER, "enc-alg", "aes256-cbc", "enc-key-id", "thumbprint",
                                    NULL };

/* a test pre-shared key (the one tests/unit/test_encryption.c uses) */
#define PSK "psk-file", WSSEC_SOURCE_DIR "/tests/fuzz/psk.b64"
static const char *const s_psk[] = { PSK, "key-transport", "kw-aes256", NULL };

static const char *const r_signed[] = { RX, DECRYPTS, NULL };
static const char *const r_legacy[] = { RX, DECRYPTS, "allow-cbc", "true", "allow-rsa15", "true",
                                        "require", "timestamp", NULL };
static const char *const r_psk[] = { RX, PSK, "require", "timestamp", NULL };
static const char *const r_open[] = { RX, DECRYPTS, "allow-cbc", "true", "require", "timestamp",
                                      NULL };

#define INTEGRITY (FZ_SIGNED_BODY | FZ_SAME_BODY | FZ_SAME_CALLER)

static const fz_base bases[] = {
    { "sign-then-encrypt", 11, s_gcm, sig_enc, NULL, NULL, r_signed, INTEGRITY },
    { "encrypt-then-sign", 11, s_gcm, enc_sig, NULL, NULL, r_signed, FZ_SAME_BODY | FZ_SAME_CALLER },
    { "header-and-body-bst", 12, s_hdr, sig_enc, NULL, NULL, r_signed, INTEGRITY },
    { "cbc-rsa15-unsigned", 11, s_cbc, enc_only, NULL, NULL, r_legacy, 0 },
    { "gcm-ski-unsigned", 11, s_ski, enc_only, NULL, NULL, r_open, 0 },
    { "cbc-thumbprint-unsigned", 11, s_tp, enc_only, NULL, NULL, r_open, 0 },
    { "kw-aes256-psk", 11, s_psk, enc_only, NULL, NULL, r_psk, 0 },
};

static const char *const focus[][2] = {
    { NS_XENC, "EncryptedKey" },
    { NS_XENC, "EncryptedData" },
    { NULL, "Body" },
};

const fz_target fz_target_def = {
    .name = "encryption",
    .bases = bases,
    .nbases = sizeof(bases) / sizeof(bases[0]),
    .focus = focus,
    .nfocus = sizeof(focus) / sizeof(focus[0]),
};
