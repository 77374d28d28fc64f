/*
 * LTPA key files: WebSphere's export, a Java properties file whose 3DESKey
 * and PrivateKey are protected by the key-file password (ltpa.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ltpa.h"
#include "ltpa_util.h"

#define PROP_PREFIX "com.ibm.websphere.ltpa."

/* ---- Java properties ---- */

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\f';
}

static int hexdigit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Appends the UTF-8 form of code point cp; 0, or -1 when it does not fit. */
static int put_utf8(char *out, size_t size, size_t *n, unsigned cp)
{
    unsigned char b[3];
    size_t k = 0;
    if (cp < 0x80) {
        b[k++] = (unsigned char)cp;
    } else if (cp < 0x800) {
        b[k++] = (unsigned char)(0xC0 | (cp >> 6));
        b[k++] = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        b[k++] = (unsigned char)(0xE0 | (cp >> 12));
        b[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[k++] = (unsigned char)(0x80 | (cp & 0x3F));
    }
    if (*n + k >= size) return -1;
    memcpy(out + *n, b, k);
    *n += k;
    return 0;
}

typedef struct props_reader {
    const char *p, *end;
} props_reader;

/*
 * Reads the next character of the current logical line, unescaped: a
 * backslash before a line end continues the line (the next line's leading
 * blanks dropped). *escaped tells a literal from a separator.
 * @return the byte (or code point), -1 at the end of the logical line.
 */
static long props_next(props_reader *r, int *escaped)
{
    *escaped = 0;
    while (r->p < r->end) {
        int c = (unsigned char)*r->p;
        if (c == '\n' || c == '\r') return -1;
        r->p++;
        if (c != '\\') return c;
        if (r->p >= r->end) return -1;
        c = (unsigned char)*r->p++;
        if (c == '\r' || c == '\n') { /* continuation */
            if (c == '\r' && r->p < r->end && *r->p == '\n') r->p++;
            while (r->p < r->end && is_blank((unsigned char)*r->p)) r->p++;
            continue;
        }
        *escaped = 1;
        switch (c) {
        case 't': return '\t';
        case 'n': return '\n';
        case 'r': return '\r';
        case 'f': return '\f';
        case 'u': {
            long cp = 0;
            for (int i = 0; i < 4; i++) {
                int h = r->p < r->end ? hexdigit((unsigned char)*r->p) : -1;
                if (h < 0) return '?'; /* malformed: never matches a key we want */
                cp = cp * 16 + h;
                r->p++;
            }
            return 0x10000 + cp; /* marked as a code point */
        }
        default: return c;
        }
    }
    return -1;
}

static void props_skip_eol(props_reader *r)
{
    while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) r->p++;
}

/* Appends c (a byte, or 0x10000 + a code point) to out; -1 when full. */
static int props_put(char *out, size_t size, size_t *n, long c)
{
    if (c >= 0x10000) return put_utf8(out, size, n, (unsigned)(c - 0x10000));
    if (*n + 1 >= size) return -1;
    out[(*n)++] = (char)c;
    return 0;
}

/*
 * Finds the value of key want in a properties text.
 * @return 1 found (out NUL-terminated), 0 absent, -1 a value too long.
 */
static int props_get(const char *text, size_t len, const char *want, char *out, size_t size)
{
    props_reader r = { text, text + len };
    char key[256];
    int found = 0;
    while (r.p < r.end) {
        while (r.p < r.end && (is_blank((unsigned char)*r.p) || *r.p == '\n' || *r.p == '\r'))
            r.p++;
        if (r.p >= r.end) break;
        if (*r.p == '#' || *r.p == '!') {
            while (r.p < r.end && *r.p != '\n' && *r.p != '\r') r.p++;
            continue;
        }
        size_t kn = 0, vn = 0;
        int esc = 0, toolong = 0;
        long c;
        while ((c = props_next(&r, &esc)) != -1) {
            if (!esc && (c == '=' || c == ':' || is_blank((int)c))) break;
            if (props_put(key, sizeof(key), &kn, c)) toolong = 1;
        }
        key[kn] = '\0';
        if (c != -1 && is_blank((int)c)) { /* blanks, then at most one separator */
            while (r.p < r.end && is_blank((unsigned char)*r.p)) r.p++;
            if (r.p < r.end && (*r.p == '=' || *r.p == ':')) r.p++;
        }
        if (c != -1)
            while (r.p < r.end && is_blank((unsigned char)*r.p)) r.p++;
        int want_this = !toolong && strcmp(key, want) == 0;
        int over = 0;
        if (c != -1)
            while ((c = props_next(&r, &esc)) != -1)
                if (want_this && !over && props_put(out, size, &vn, c)) over = 1;
        props_skip_eol(&r);
        if (want_this) { /* the last occurrence wins, as in java.util.Properties */
            if (over) return -1;
            out[vn] = '\0';
            found = 1;
        }
    }
    return found;
}

/* ---- the keys ---- */

/* The key-file key: SHA-1(password) followed by four zero bytes. */
static int password_key(unsigned char key[24], const char *pw, size_t pwlen)
{
    unsigned int n = 0;
    memset(key, 0, 24);
    return EVP_Digest(pw, pwlen, key, &n, EVP_sha1(), NULL) && n == 20 ? 0 : -1;
}

/* Base64 value of a property, decrypted under the key-file key. */
static int decrypt_prop(unsigned char *out, size_t cap, size_t *len, const char *b64,
                        const unsigned char pwkey[24])
{
    unsigned char ct[2048];
    size_t ctlen = 0;
    if (ltpa_b64_decode(ct, sizeof(ct), &ctlen, b64, strlen(b64)) || ctlen == 0 || ctlen % 8 ||
        ctlen > cap)
        return LTPA_EFORMAT;
    return ltpa_cipher(out, len, EVP_des_ede3_ecb(), pwkey, NULL, ct, ctlen, 0);
}

typedef struct rsa_parts {
    BIGNUM *n, *e, *d, *p, *q;
} rsa_parts;

static void parts_free(rsa_parts *k)
{
    BN_free(k->n);
    BN_free(k->e);
    BN_clear_free(k->d);
    BN_clear_free(k->p);
    BN_clear_free(k->q);
}

/* PrivateKey's plaintext: L (4 bytes, big-endian), d (L), e (3), p and q (half each). */
static int split_private(rsa_parts *k, const unsigned char *b, size_t len, char *why, size_t wl)
{
    size_t l = len >= 4 ? ((size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3]) : 0;
    if (len < 4 || l == 0 || l > 4 + LTPA_MAX_RSA_BITS / 8 || 4 + l + 3 > len ||
        (len - 4 - l - 3) % 2 || len - 4 - l - 3 < 2) {
        snprintf(why, wl, "PrivateKey is not d, e, p and q");
        return LTPA_EKEYS;
    }
    size_t half = (len - 4 - l - 3) / 2;
    k->d = BN_bin2bn(b + 4, (int)l, NULL);
    k->e = BN_bin2bn(b + 4 + l, 3, NULL);
    k->p = BN_bin2bn(b + 4 + l + 3, (int)half, NULL);
    k->q = BN_bin2bn(b + 4 + l + 3 + half, (int)half, NULL);
    return k->d && k->e && k->p && k->q ? 0 : LTPA_ENOMEM;
}

/* The RSA key pair from n, e, d, p, q (the CRT values derived). */
static int make_rsa(EVP_PKEY **pkey, const rsa_parts *k, char *why, size_t wl)
{
    BN_CTX *bc = BN_CTX_new();
    BIGNUM *pq = BN_new(), *p1 = BN_new(), *q1 = BN_new(), *dp = BN_new(), *dq = BN_new(),
           *qi = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int rc = LTPA_ENOMEM;
    if (!bc || !pq || !p1 || !q1 || !dp || !dq || !qi || !bld) goto done;
    rc = LTPA_EKEYS;
    if (!BN_mul(pq, k->p, k->q, bc) || BN_cmp(pq, k->n) != 0) {
        snprintf(why, wl, "PrivateKey does not belong to PublicKey (p*q is not n)");
        goto done;
    }
    if (!BN_sub(p1, k->p, BN_value_one()) || !BN_sub(q1, k->q, BN_value_one()) ||
        !BN_mod(dp, k->d, p1, bc) || !BN_mod(dq, k->d, q1, bc) ||
        !BN_mod_inverse(qi, k->q, k->p, bc)) {
        snprintf(why, wl, "PrivateKey is not an RSA key");
        goto done;
    }
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, k->n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, k->e) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, k->d) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, k->p) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, k->q) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)) ||
        !(pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) ||
        EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, pkey, EVP_PKEY_KEYPAIR, params) <= 0) {
        snprintf(why, wl, "OpenSSL refuses the RSA key");
        goto done;
    }
    rc = LTPA_OK;
done:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(pq);
    BN_clear_free(p1);
    BN_clear_free(q1);
    BN_clear_free(dp);
    BN_clear_free(dq);
    BN_clear_free(qi);
    BN_CTX_free(bc);
    return rc;
}

/* PublicKey: n then e (3 bytes); the same e as PrivateKey's, n of a bounded size. */
static int public_parts(rsa_parts *k, const char *b64, char *why, size_t wl)
{
    unsigned char pub[LTPA_MAX_RSA_BITS / 8 + 8];
    size_t len = 0;
    if (ltpa_b64_decode(pub, sizeof(pub), &len, b64, strlen(b64)) || len < 4) {
        snprintf(why, wl, "PublicKey is not base64 of n and e");
        return LTPA_EKEYS;
    }
    k->n = BN_bin2bn(pub, (int)(len - 3), NULL);
    BIGNUM *e = BN_bin2bn(pub + len - 3, 3, NULL);
    int rc = !k->n || !e ? LTPA_ENOMEM : LTPA_OK;
    if (!rc && (BN_cmp(e, k->e) != 0 || BN_num_bits(k->n) < LTPA_MIN_RSA_BITS ||
                BN_num_bits(k->n) > LTPA_MAX_RSA_BITS)) {
        snprintf(why, wl, "PublicKey is not an RSA key of %d to %d bits with PrivateKey's e",
                 LTPA_MIN_RSA_BITS, LTPA_MAX_RSA_BITS);
        rc = LTPA_EKEYS;
    }
    BN_free(e);
    return rc;
}

static int read_file(char **text, size_t *len, const char *path, char *why, size_t wl)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, wl, "cannot be opened");
        return LTPA_EKEYS;
    }
    char *buf = malloc(LTPA_MAX_KEYFILE + 1);
    size_t n = buf ? fread(buf, 1, LTPA_MAX_KEYFILE + 1, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!buf) return LTPA_ENOMEM;
    if (err || n > LTPA_MAX_KEYFILE) {
        snprintf(why, wl, "%s", err ? "read error" : "is larger than 64 KiB");
        free(buf);
        return LTPA_EKEYS;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return LTPA_OK;
}

/* The three values a key file must have, and its Realm if any. */
typedef struct props {
    char des[256], priv[2048], pub[1024];
} props;

static int get_props(props *pr, ltpa_keys *keys, const char *text, size_t len, char *why,
                     size_t wl)
{
    static const char *const names[] = { PROP_PREFIX "3DESKey", PROP_PREFIX "PrivateKey",
                                         PROP_PREFIX "PublicKey" };
    char *const outs[] = { pr->des, pr->priv, pr->pub };
    const size_t sizes[] = { sizeof(pr->des), sizeof(pr->priv), sizeof(pr->pub) };
    for (size_t i = 0; i < 3; i++) {
        int got = props_get(text, len, names[i], outs[i], sizes[i]);
        if (got != 1) {
            snprintf(why, wl, "%s %s", names[i] + strlen(PROP_PREFIX),
                     got ? "is too long" : "is missing (not a WebSphere LTPA key file?)");
            return LTPA_EKEYS;
        }
    }
    if (props_get(text, len, PROP_PREFIX "Realm", keys->realm, sizeof(keys->realm)) < 0) {
        snprintf(why, wl, "Realm is too long");
        return LTPA_EKEYS;
    }
    return LTPA_OK;
}

/* Decrypts 3DESKey and PrivateKey and builds the key pair. */
static int unlock(ltpa_keys *keys, const props *pr, const char *pw, size_t pwlen, char *why,
                  size_t wl)
{
    unsigned char pwkey[24], plain[1600];
    size_t n = 0;
    rsa_parts k = { 0 };
    int rc = password_key(pwkey, pw, pwlen) ? LTPA_EINTERNAL : LTPA_OK;
    if (!rc && decrypt_prop(plain, sizeof(plain), &n, pr->des, pwkey) != LTPA_OK) {
        snprintf(why, wl, "3DESKey does not decrypt: wrong password");
        rc = LTPA_EKEYS;
    } else if (!rc && n != 24) {
        snprintf(why, wl, "3DESKey decrypts to %zu bytes, not 24: wrong password", n);
        rc = LTPA_EKEYS;
    }
    if (!rc) {
        memcpy(keys->shared, plain, 24);
        if (decrypt_prop(plain, sizeof(plain), &n, pr->priv, pwkey) != LTPA_OK) {
            snprintf(why, wl, "PrivateKey does not decrypt: wrong password");
            rc = LTPA_EKEYS;
        }
    }
    if (!rc) rc = split_private(&k, plain, n, why, wl);
    if (!rc) rc = public_parts(&k, pr->pub, why, wl);
    if (!rc) rc = make_rsa(&keys->rsa, &k, why, wl);
    parts_free(&k);
    OPENSSL_cleanse(pwkey, sizeof(pwkey));
    OPENSSL_cleanse(plain, sizeof(plain));
    return rc;
}

int ltpa_keys_load(ltpa_keys *keys, const char *path, const char *password, size_t pwlen,
                   char *why, size_t whylen)
{
    memset(keys, 0, sizeof(*keys));
    char *text = NULL;
    size_t len = 0;
    props *pr = NULL;
    int rc = pwlen > LTPA_MAX_PASSWORD ? LTPA_EKEYS : LTPA_OK;
    if (rc) snprintf(why, whylen, "the password is longer than %d bytes", LTPA_MAX_PASSWORD);
    if (!rc) rc = read_file(&text, &len, path, why, whylen);
    if (!rc && !(pr = calloc(1, sizeof(*pr)))) rc = LTPA_ENOMEM;
    if (!rc) rc = get_props(pr, keys, text, len, why, whylen);
    if (!rc) rc = unlock(keys, pr, password, pwlen, why, whylen);
    if (pr) OPENSSL_clear_free(pr, sizeof(*pr));
    if (text) OPENSSL_clear_free(text, len + 1);
    if (rc) ltpa_keys_clear(keys);
    return rc;
}

void ltpa_keys_clear(ltpa_keys *keys)
{
    EVP_PKEY_free(keys->rsa);
    OPENSSL_cleanse(keys, sizeof(*keys));
}
