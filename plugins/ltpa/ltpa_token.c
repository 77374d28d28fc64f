/*
 * LTPA tokens: USERDATA%EXPIRY%SIGNATURE, signed and encrypted (ltpa.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "ltpa.h"
#include "ltpa_util.h"

#define MAX_SIG (LTPA_MAX_RSA_BITS / 8)

/* ---- the signatures ---- */

static int sha1(unsigned char out[20], const char *data, size_t len)
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha1(), NULL) && n == 20 ? 0 : -1;
}

/*
 * The ISO/IEC 9796-1 message representative of the 20-byte digest z for a
 * k-bit signature (k = modulus bits - 1), into out[0 .. size): the digest
 * repeated over the odd positions, each even position its shadow (the
 * standard's nibble permutation), the redundancy mark, the top bits fixed
 * and the low nibble 6. size = ceil(k / 8) >= 40.
 */
static void iso9796_1(unsigned char *out, size_t size, unsigned k, const unsigned char z[20])
{
    static const unsigned char shadow[16] = { 0xE, 0x3, 0x5, 0x8, 0x9, 0x4, 0x2, 0xF,
                                              0x0, 0xD, 0xB, 0x6, 0x7, 0xA, 0xC, 0x1 };
    size_t half = size / 2;
    for (size_t i = 0; i < half; i++) out[size - 1 - 2 * i] = z[19 - i % 20];
    if (size % 2) out[0] = z[19 - half % 20];
    for (size_t i = 0; i < half; i++) {
        unsigned char b = out[size - 1 - 2 * i];
        out[size - 2 - 2 * i] = (unsigned char)(shadow[b >> 4] << 4 | shadow[b & 0xF]);
    }
    out[size - 40] ^= 1;
    unsigned r = k % 8;
    if (r) out[0] &= (unsigned char)((1u << r) - 1);
    out[0] |= (unsigned char)(1u << ((r + 7) % 8));
    out[size - 1] = (unsigned char)(out[size - 1] << 4 | 0x06);
}

/* The representative of SHA-1(data) for key, as many bytes as the modulus. */
static int v1_representative(unsigned char *rep, size_t size, const EVP_PKEY *key,
                             const char *data, size_t len)
{
    unsigned char z[20];
    int bits = EVP_PKEY_get_bits(key);
    size_t repsize = (size_t)(bits - 1 + 7) / 8;
    if (bits < LTPA_MIN_RSA_BITS || repsize > size || sha1(z, data, len)) return LTPA_EINTERNAL;
    memset(rep, 0, size);
    iso9796_1(rep + (size - repsize), repsize, (unsigned)(bits - 1), z);
    return LTPA_OK;
}

/* The raw RSA operation (no padding): the private key's (sign 1) or the public one's. */
static int rsa_raw(unsigned char *out, size_t size, EVP_PKEY *key, const unsigned char *in,
                   int sign)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    size_t n = size;
    int ok = c && (sign ? EVP_PKEY_sign_init(c) : EVP_PKEY_verify_recover_init(c)) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) > 0 &&
             (sign ? EVP_PKEY_sign(c, out, &n, in, size)
                   : EVP_PKEY_verify_recover(c, out, &n, in, size)) > 0 &&
             n == size;
    EVP_PKEY_CTX_free(c);
    return ok ? LTPA_OK : sign ? LTPA_EINTERNAL : LTPA_ESIG;
}

/* n - x, as size bytes. */
static int n_minus(unsigned char *out, size_t size, const EVP_PKEY *key, const unsigned char *x)
{
    BIGNUM *n = NULL, *v = BN_bin2bn(x, (int)size, NULL);
    int rc = LTPA_EINTERNAL;
    if (v && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) > 0 && BN_sub(v, n, v) &&
        !BN_is_negative(v) && BN_bn2binpad(v, out, (int)size) == (int)size)
        rc = LTPA_OK;
    BN_free(n);
    BN_free(v);
    return rc;
}

/* v1: ISO 9796-1; the smaller of s and n - s is sent. */
static int v1_sign(unsigned char *sig, size_t size, EVP_PKEY *key, const char *data, size_t len)
{
    unsigned char rep[MAX_SIG], alt[MAX_SIG];
    int rc = v1_representative(rep, size, key, data, len);
    if (!rc) rc = rsa_raw(sig, size, key, rep, 1);
    if (!rc) rc = n_minus(alt, size, key, sig);
    if (!rc && memcmp(alt, sig, size) < 0) memcpy(sig, alt, size);
    return rc;
}

static int v1_verify(EVP_PKEY *key, const char *data, size_t len, const unsigned char *sig,
                     size_t size)
{
    unsigned char rep[MAX_SIG], m[MAX_SIG], alt[MAX_SIG];
    int rc = v1_representative(rep, size, key, data, len);
    if (!rc) rc = rsa_raw(m, size, key, sig, 0);
    if (!rc) rc = n_minus(alt, size, key, m);
    if (!rc && CRYPTO_memcmp(m, rep, size) != 0 && CRYPTO_memcmp(alt, rep, size) != 0)
        rc = LTPA_ESIG;
    return rc;
}

/* v2: SHA1withRSA (PKCS#1 v1.5) over the 20-byte SHA-1 of the data. */
static int v2_sigop(unsigned char *sig, size_t *siglen, EVP_PKEY *key, const char *data,
                    size_t len, int sign)
{
    unsigned char z[20];
    if (sha1(z, data, len)) return LTPA_EINTERNAL;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c) return LTPA_ENOMEM;
    int ok = sign ? EVP_DigestSignInit(c, NULL, EVP_sha1(), NULL, key) == 1 &&
                        EVP_DigestSign(c, sig, siglen, z, sizeof(z)) == 1
                  : EVP_DigestVerifyInit(c, NULL, EVP_sha1(), NULL, key) == 1 &&
                        EVP_DigestVerify(c, sig, *siglen, z, sizeof(z)) == 1;
    EVP_MD_CTX_free(c);
    return ok ? LTPA_OK : sign ? LTPA_EINTERNAL : LTPA_ESIG;
}

/* ---- the user data ---- */

/* Index of the next unescaped c in s[from .. len), or len. */
static size_t find_unescaped(const char *s, size_t from, size_t len, char c)
{
    for (size_t i = from; i < len; i++) {
        if (s[i] == '\\') i++;
        else if (s[i] == c) return i;
    }
    return len;
}

/* Unescapes s[0 .. len) into out; -1 when it does not fit or ends in a lone backslash. */
static int unescape(char *out, size_t size, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && ++i == len) return -1;
        if (n + 1 >= size) return -1;
        out[n++] = s[i];
    }
    out[n] = '\0';
    return 0;
}

/* Milliseconds: 1 to 18 digits. */
static int parse_ms(int64_t *out, const char *s, size_t len)
{
    if (len == 0 || len > 18) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "user:REALM/UNIQUEID", unescaped, into the token. */
static int parse_u(ltpa_token *tok, const char *v, size_t len)
{
    char *u = malloc(len + 1);
    if (!u) return LTPA_ENOMEM;
    int rc = LTPA_EFORMAT;
    if (!unescape(u, len + 1, v, len) && strncmp(u, "user:", 5) == 0) {
        const char *realm = u + 5, *slash = strchr(realm, '/');
        size_t rl = slash ? (size_t)(slash - realm) : 0;
        if (slash && rl > 0 && rl < sizeof(tok->realm) && slash[1] &&
            strlen(slash + 1) < sizeof(tok->user)) {
            memcpy(tok->realm, realm, rl);
            tok->realm[rl] = '\0';
            memcpy(tok->user, slash + 1, strlen(slash + 1) + 1);
            rc = LTPA_OK;
        }
    }
    free(u);
    return rc;
}

/* The attributes name:value joined by '$': u (both versions), expire (v2). */
static int parse_userdata(ltpa_token *tok, char *why, size_t wl)
{
    const char *s = tok->plain;
    size_t len = tok->userdata_len, at = 0, n = 0;
    int have_u = 0, have_expire = 0;
    while (at < len) {
        size_t end = find_unescaped(s, at, len, '$'), colon = find_unescaped(s, at, end, ':');
        if (++n > LTPA_MAX_ATTRS) {
            snprintf(why, wl, "its user data has more than %d attributes", LTPA_MAX_ATTRS);
            return LTPA_EFORMAT;
        }
        if (colon == end) {
            snprintf(why, wl, "an attribute of its user data is not name:value");
            return LTPA_EFORMAT;
        }
        const char *name = s + at, *v = s + colon + 1;
        size_t nl = colon - at, vl = end - colon - 1;
        if (nl == 1 && name[0] == 'u') {
            if (have_u++ || parse_u(tok, v, vl)) {
                snprintf(why, wl, "its u attribute is not one user:REALM/ID");
                return LTPA_EFORMAT;
            }
        } else if (nl == 6 && memcmp(name, "expire", 6) == 0) {
            if (have_expire++ || parse_ms(&tok->expiry, v, vl)) {
                snprintf(why, wl, "its expire attribute is not one time in milliseconds");
                return LTPA_EFORMAT;
            }
        }
        at = end + 1;
    }
    if (!have_u || (tok->version == 2 && !have_expire)) {
        snprintf(why, wl, "its user data has no %s attribute", have_u ? "expire" : "u");
        return LTPA_EFORMAT;
    }
    if (tok->version == 1) tok->expiry = tok->outer_expiry;
    return LTPA_OK;
}

/* ---- decoding ---- */

static int decrypt(ltpa_token *tok, const ltpa_keys *keys, const unsigned char *ct, size_t len)
{
    const EVP_CIPHER *c = tok->version == 2 ? EVP_aes_128_cbc() : EVP_des_ede3_ecb();
    size_t block = tok->version == 2 ? 16 : 8, n = 0;
    if (len == 0 || len % block) return LTPA_EDECRYPT;
    unsigned char *plain = malloc(len + block + 1);
    if (!plain) return LTPA_ENOMEM;
    int rc = ltpa_cipher(plain, &n, c, keys->shared, tok->version == 2 ? keys->shared : NULL, ct,
                         len, 0);
    if (rc) {
        OPENSSL_clear_free(plain, len + block + 1);
        return rc;
    }
    plain[n] = '\0';
    tok->plain = (char *)plain;
    tok->plain_size = len + block + 1;
    return strlen(tok->plain) == n ? LTPA_OK : LTPA_EFORMAT;
}

/* USERDATA%EXPIRY%SIGNATURE, split at the last two '%', then the signature checked. */
static int check(ltpa_token *tok, EVP_PKEY *key, char *why, size_t wl)
{
    char *p = tok->plain, *p2 = strrchr(p, '%'), *p1 = NULL;
    for (char *q = p2; q && q > p && !p1;)
        if (*--q == '%') p1 = q;
    if (!p1) {
        snprintf(why, wl, "it decrypts, but not to USERDATA%%EXPIRY%%SIGNATURE");
        return LTPA_EFORMAT;
    }
    tok->userdata_len = (size_t)(p1 - p);
    if (tok->userdata_len > LTPA_MAX_USERDATA) {
        snprintf(why, wl, "its user data is longer than %d bytes", LTPA_MAX_USERDATA);
        return LTPA_ESIZE;
    }
    unsigned char sig[MAX_SIG];
    size_t siglen = 0, size = (size_t)EVP_PKEY_get_size(key);
    if (parse_ms(&tok->outer_expiry, p1 + 1, (size_t)(p2 - p1 - 1)) ||
        ltpa_b64_decode(sig, sizeof(sig), &siglen, p2 + 1, strlen(p2 + 1)) || siglen != size) {
        snprintf(why, wl, "its expiry or signature field is malformed");
        return LTPA_EFORMAT;
    }
    int rc = tok->version == 2 ? v2_sigop(sig, &siglen, key, p, tok->userdata_len, 0)
                               : v1_verify(key, p, tok->userdata_len, sig, siglen);
    if (rc == LTPA_ESIG)
        snprintf(why, wl, "its signature does not verify with the key file's public key (the "
                          "user data was changed, or another key signed it)");
    else if (rc)
        snprintf(why, wl, "its signature cannot be checked");
    return rc ? rc : parse_userdata(tok, why, wl);
}

int ltpa_decode(ltpa_token *tok, const ltpa_keys *keys, int version, const unsigned char *ct,
                size_t len, char *why, size_t whylen)
{
    memset(tok, 0, sizeof(*tok));
    tok->version = version;
    if (len > LTPA_MAX_CIPHER) {
        snprintf(why, whylen, "it is %zu bytes, more than %d", len, LTPA_MAX_CIPHER);
        return LTPA_ESIZE;
    }
    int rc = decrypt(tok, keys, ct, len);
    if (rc == LTPA_EDECRYPT)
        snprintf(why, whylen, "it does not decrypt with the key file's shared key (made with "
                              "another key, or changed)");
    else if (rc == LTPA_EFORMAT)
        snprintf(why, whylen, "it decrypts to bytes that are not text (changed, or another key)");
    else if (rc)
        snprintf(why, whylen, "it cannot be decrypted");
    if (!rc) rc = check(tok, keys->rsa, why, whylen);
    if (rc) ltpa_token_clear(tok);
    return rc;
}

void ltpa_token_clear(ltpa_token *tok)
{
    if (tok->plain) OPENSSL_clear_free(tok->plain, tok->plain_size);
    OPENSSL_cleanse(tok, sizeof(*tok));
}

/* ---- encoding ---- */

/* Appends s escaped (backslash before % $ : | \); -1 when it does not fit. */
static int put_escaped(char *out, size_t size, size_t *n, const char *s)
{
    for (; *s; s++) {
        if (strchr("%$:|\\", *s) && *n + 1 < size) out[(*n)++] = '\\';
        if (*n + 1 >= size) return -1;
        out[(*n)++] = *s;
    }
    out[*n] = '\0';
    return 0;
}

int ltpa_userdata(char *out, size_t size, int version, const char *realm, const char *user,
                  int64_t expiry)
{
    int k = version == 2 ? snprintf(out, size, "expire:%lld$u:", (long long)expiry)
                         : snprintf(out, size, "u:");
    if (k < 0 || (size_t)k >= size || !*realm || strchr(realm, '/') || !*user) return LTPA_ESIZE;
    size_t n = (size_t)k;
    if (put_escaped(out, size, &n, "user:") || put_escaped(out, size, &n, realm) ||
        put_escaped(out, size, &n, "/") || put_escaped(out, size, &n, user) ||
        n > LTPA_MAX_USERDATA)
        return LTPA_ESIZE;
    return LTPA_OK;
}

/* USERDATA%EXPIRY%base64(SIGNATURE) into plain (size bytes). */
static int sign_plain(char *plain, size_t size, size_t *len, const ltpa_keys *keys, int version,
                      const char *userdata, int64_t expiry)
{
    unsigned char sig[MAX_SIG];
    size_t ul = strlen(userdata), siglen = (size_t)EVP_PKEY_get_size(keys->rsa);
    if (ul > LTPA_MAX_USERDATA || siglen > sizeof(sig)) return LTPA_ESIZE;
    int rc = version == 2 ? v2_sigop(sig, &siglen, keys->rsa, userdata, ul, 1)
                          : v1_sign(sig, siglen, keys->rsa, userdata, ul);
    if (rc) return rc;
    int k = snprintf(plain, size, "%s%%%lld%%", userdata, (long long)expiry);
    if (k < 0 || (size_t)k + 4 * ((siglen + 2) / 3) >= size) return LTPA_ESIZE;
    k += EVP_EncodeBlock((unsigned char *)plain + k, sig, (int)siglen);
    *len = (size_t)k;
    return LTPA_OK;
}

int ltpa_encode(char **b64, const ltpa_keys *keys, int version, const char *userdata,
                int64_t expiry, char *why, size_t whylen)
{
    *b64 = NULL;
    size_t size = LTPA_MAX_USERDATA + 64 + 4 * MAX_SIG / 3 + 8, plen = 0, clen = 0;
    char *plain = malloc(size);
    unsigned char *ct = malloc(size + 16);
    int rc = plain && ct ? LTPA_OK : LTPA_ENOMEM;
    if (!rc) rc = sign_plain(plain, size, &plen, keys, version, userdata, expiry);
    if (!rc)
        rc = ltpa_cipher(ct, &clen, version == 2 ? EVP_aes_128_cbc() : EVP_des_ede3_ecb(),
                         keys->shared, version == 2 ? keys->shared : NULL,
                         (const unsigned char *)plain, plen, 1);
    if (!rc && !(*b64 = OPENSSL_malloc(4 * ((clen + 2) / 3) + 1))) rc = LTPA_ENOMEM;
    if (!rc) EVP_EncodeBlock((unsigned char *)*b64, ct, (int)clen);
    if (rc) snprintf(why, whylen, rc == LTPA_ESIZE ? "the user data is too long"
                                                  : "the token cannot be signed or encrypted");
    if (plain) OPENSSL_clear_free(plain, size);
    if (ct) OPENSSL_clear_free(ct, size + 16);
    return rc;
}
