/*
 * Differential fuzz target: the module's AES-GCM decryption of a
 * CipherValue's text (wssec__gcm_decrypt: base64 by EVP_DecodeBlock
 * straight into the cipher) against xmlsec's xmlSecEncCtxDecryptToBuffer
 * (tests/unit/gcm_diff.h). abort() when ours decrypts and xmlsec does not or
 * to other bytes, and when ours refuses what xmlsec decrypts.
 *
 * Input: one byte of flags, then the rest. Bit 0: aes256-gcm (else
 * aes128-gcm). Bit 1 clear: the rest is the CipherValue's text (NUL bytes
 * separate text and CDATA pieces). Bit 1 set: the rest is a plaintext,
 * whose first byte (when there is one) sets a line length; it is
 * encrypted under the fixed key and written as base64 broken into lines of
 * that length with a blank after every 5th character when bit 2 is set, and
 * then the text's last character is replaced by the flags' bits 3-7 as an
 * index into "=A \n" when bit 3 is set — the valid texts a sender writes,
 * and their near misses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <wssec/wssec.h>

#include "fuzz_common.h"
#include "../unit/gcm_diff.h"

#define MAX_PLAIN 4096

static wssec_ctx *ctx; /* made once: it sets up xmlsec and OpenSSL */
static const unsigned char key[32] = "0123456789abcdef0123456789ABCDEF";

static int setup(void)
{
    wssec_config *cfg = NULL;
    if (wssec_config_new(&cfg)) return -1;
    int rc = wssec_config_set(cfg, "require", "none") || wssec_ctx_new(&ctx, cfg);
    wssec_config_free(cfg);
    return rc;
}

/* IV || ciphertext || tag of the plaintext as base64 lines; its length. */
static size_t make_text(int aes256, unsigned flags, const uint8_t *p, size_t n, unsigned char *out)
{
    static unsigned char raw[MAX_PLAIN + 28];
    static unsigned char b64[(MAX_PLAIN + 28) / 3 * 4 + 8];
    size_t line = n ? (size_t)p[0] % 80 : 0;
    int w = 0, f = 0;
    memset(raw, 0x5c, 12);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (!x ||
        EVP_EncryptInit_ex(x, aes256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL, key, raw) != 1 ||
        EVP_EncryptUpdate(x, raw + 12, &w, p, (int)n) != 1 ||
        EVP_EncryptFinal_ex(x, raw + 12 + w, &f) != 1 ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, raw + 12 + n) != 1)
        abort();
    EVP_CIPHER_CTX_free(x);
    size_t len = (size_t)EVP_EncodeBlock(b64, raw, (int)(n + 28)), k = 0;
    for (size_t i = 0; i < len; i++) {
        if (line && i && i % line == 0) out[k++] = '\n';
        if ((flags & 4) && i % 5 == 4) out[k++] = ' ';
        out[k++] = b64[i];
    }
    if ((flags & 8) && k) out[k - 1] = (unsigned char)"=A \n"[(flags >> 4) & 3];
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx && setup()) abort();
    if (size < 1) return 0;
    unsigned flags = data[0];
    int aes256 = flags & 1;
    int rc;
    if (flags & 2) {
        static unsigned char text[((MAX_PLAIN + 28) / 3 * 4 + 8) * 3];
        size_t n = size - 1 > MAX_PLAIN ? MAX_PLAIN : size - 1;
        size_t len = make_text(aes256, flags, data + 1, n, text);
        rc = gd_compare(text, len, aes256, key);
        if (!(flags & 8) && rc != GD_SAME) {
            fprintf(stderr, "gcm: a valid text did not decrypt alike (%d)\n", rc);
            abort();
        }
    } else {
        rc = gd_compare(data + 1, size - 1, aes256, key);
    }
    if (rc == GD_DIFFER || rc == GD_OURS_ONLY || rc == GD_XMLSEC_ONLY) {
        fprintf(stderr, "gcm: ours and xmlsec differ (%d) on %zu bytes\n", rc, size);
        abort();
    }
    return 0;
}

#ifndef WSSEC_LIBFUZZER
int main(int argc, char **argv)
{
    int rc = fz_replay_main("fuzz_gcm_replay", "no difference from xmlsec", argc, argv, LLVMFuzzerTestOneInput);
    wssec_ctx_free(ctx);
    return rc;
}
#endif
