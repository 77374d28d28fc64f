/* LTPA: base64 and block ciphers, both OpenSSL's (ltpa_util.h). */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "ltpa.h"
#include "ltpa_util.h"

int ltpa_b64_decode(unsigned char *out, size_t cap, size_t *len, const char *in, size_t inlen)
{
    if (inlen == 0 || inlen % 4 || inlen > INT_MAX || inlen / 4 * 3 > cap) return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)inlen);
    if (n < 0) return -1;
    size_t pad = in[inlen - 1] == '=' ? (in[inlen - 2] == '=' ? 2 : 1) : 0;
    /* '=' only as padding at the very end */
    if (memchr(in, '=', inlen - pad)) return -1;
    *len = (size_t)n - pad;
    return 0;
}

int ltpa_cipher(unsigned char *out, size_t *outlen, const EVP_CIPHER *cipher,
                const unsigned char *key, const unsigned char *iv, const unsigned char *in,
                size_t inlen, int enc)
{
    if (inlen > INT_MAX / 2) return LTPA_ESIZE;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c) return LTPA_ENOMEM;
    int n1 = 0, n2 = 0, rc = LTPA_EINTERNAL;
    if (EVP_CipherInit_ex(c, cipher, NULL, key, iv, enc) == 1 &&
        EVP_CIPHER_CTX_set_padding(c, 1) == 1 &&
        EVP_CipherUpdate(c, out, &n1, in, (int)inlen) == 1) {
        if (EVP_CipherFinal_ex(c, out + n1, &n2) == 1) {
            *outlen = (size_t)n1 + (size_t)n2;
            rc = LTPA_OK;
        } else {
            rc = enc ? LTPA_EINTERNAL : LTPA_EDECRYPT;
        }
    }
    EVP_CIPHER_CTX_free(c);
    return rc;
}
