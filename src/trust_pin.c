/*
 * wssec — pins: a signer accepted by the SHA-256 of its certificate or of
 * its public key (--pin), as WSS4J's and WebSphere's trust stores accept a
 * partner's own certificate. A pin is compared by its 32 bytes, never by a
 * name or a key identifier: a certificate with the pinned one's subject
 * and SKI but another key (or other bytes) does not match.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "trust_pin.h"
#include "util.h"
#include "x509.h"

static const char CERT_PREFIX[] = "sha256:", SPKI_PREFIX[] = "spki-sha256:",
                  OPENSSL_PREFIX[] = "sha256 fingerprint=";

static size_t prefix_of(const char *v, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncasecmp(v, prefix, n) == 0 ? n : 0;
}

/* 32 bytes from 64 hexadecimal digits, a colon allowed between bytes. 0 or -1. */
static int parse_hex(const char *v, unsigned char out[32])
{
    size_t got = 0;
    for (size_t i = 0; v[i]; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == ':' && got % 2 == 0 && got > 0 && v[i + 1]) continue;
        if (!isxdigit(c) || got >= 64) return -1;
        int h = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
        if (got % 2 == 0) out[got / 2] = (unsigned char)(h << 4);
        else out[got / 2] |= (unsigned char)h;
        got++;
    }
    return got == 64 ? 0 : -1;
}

/* 32 bytes from base64 (as HPKP's pin-sha256 writes them). 0, -1 or WSSEC_ENOMEM. */
static int parse_b64(const char *v, unsigned char out[32])
{
    unsigned char *raw = NULL;
    size_t len = 0;
    int rc = wssec_b64_decode(&raw, &len, v, 64);
    if (rc == WSSEC_ENOMEM) return rc;
    rc = rc == 0 && len == 32 ? 0 : -1;
    if (!rc) memcpy(out, raw, 32);
    wssec_free(raw);
    return rc;
}

/* "AB:CD:…": 32 bytes of two hexadecimal digits each, colon-separated. */
static int colon_hex(const char *v)
{
    if (strlen(v) != 95) return 0;
    for (size_t i = 0; i < 95; i++)
        if (i % 3 == 2 ? v[i] != ':' : !isxdigit((unsigned char)v[i])) return 0;
    return 1;
}

int wssec__pin_is_digest(const char *v)
{
    return prefix_of(v, CERT_PREFIX) || prefix_of(v, SPKI_PREFIX) || prefix_of(v, OPENSSL_PREFIX) ||
           colon_hex(v);
}

static int push(wssec_pin **pins, size_t *n, const unsigned char sha256[32], bool spki,
                const char *text)
{
    wssec_pin *grown = wssec__realloc(*pins, (*n + 1) * sizeof(**pins));
    if (!grown) return WSSEC_ENOMEM;
    *pins = grown;
    wssec_pin *p = &grown[*n];
    memcpy(p->sha256, sha256, 32);
    p->spki = spki;
    if (!(p->text = wssec__strdup(text))) return WSSEC_ENOMEM;
    (*n)++;
    return 0;
}

/* A certificate file: one pin per certificate, of the whole certificate. */
static int pins_of_file(wssec_pin **pins, size_t *n, const char *path, wssec_errrec *err)
{
    STACK_OF(X509) *sk = NULL;
    char why[400];
    int rc = wssec__load_certs(path, &sk, why, sizeof(why));
    if (rc)
        return rc == WSSEC_ENOMEM ? rc
                                  : WSSEC_ERR(err, WSSEC_ECONFIG,
                                              "pin: %s (a pin is sha256:HEX, spki-sha256:BASE64 "
                                              "or a certificate file)",
                                              why);
    for (int i = 0; i < sk_X509_num(sk) && !rc; i++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (!X509_digest(sk_X509_value(sk, i), EVP_sha256(), md, &len) || len != 32) {
            ERR_clear_error();
            rc = WSSEC_ENOMEM;
        } else {
            rc = push(pins, n, md, false, path);
        }
    }
    sk_X509_pop_free(sk, X509_free);
    return rc;
}

int wssec__pins_add(wssec_pin **pins, size_t *n, const char *v, wssec_errrec *err)
{
    if (!wssec__pin_is_digest(v)) return pins_of_file(pins, n, v, err);
    unsigned char d[32];
    size_t skip = prefix_of(v, SPKI_PREFIX);
    bool spki = skip > 0;
    int rc;
    if (spki) {
        rc = parse_hex(v + skip, d);
        if (rc) rc = parse_b64(v + skip, d);
    } else {
        skip = prefix_of(v, CERT_PREFIX);
        if (!skip) skip = prefix_of(v, OPENSSL_PREFIX);
        rc = parse_hex(v + skip, d);
    }
    if (rc == WSSEC_ENOMEM) return rc;
    if (rc)
        return WSSEC_ERR(err, WSSEC_ECONFIG,
                         spki ? "pin: '%.200s': spki-sha256: takes a SHA-256 of the public key, "
                                "in base64 (44 characters) or 64 hexadecimal digits"
                              : "pin: '%.200s': a certificate's SHA-256 is 64 hexadecimal digits, "
                                "colons allowed (sha256:AB:CD:…, as openssl x509 -fingerprint "
                                "-sha256 prints it)",
                         v);
    return push(pins, n, d, spki, v);
}

void wssec__pins_free(wssec_pin *pins, size_t n)
{
    for (size_t i = 0; i < n; i++) wssec__free(pins[i].text);
    wssec__free(pins);
}

/* The SHA-256 of the certificate's SubjectPublicKeyInfo. 0 or -1. */
static int spki_sha256(const X509 *cert, unsigned char out[32])
{
    unsigned char *der = NULL;
    unsigned int len = 0;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    int ok = n > 0 && EVP_Digest(der, (size_t)n, out, &len, EVP_sha256(), NULL) && len == 32;
    OPENSSL_free(der);
    if (!ok) ERR_clear_error();
    return ok ? 0 : -1;
}

const wssec_pin *wssec__pin_match(const wssec_pin *pins, size_t n, const X509 *cert)
{
    if (!n || !cert) return NULL;
    unsigned char whole[EVP_MAX_MD_SIZE], key[32];
    unsigned int len = 0;
    bool have_whole = X509_digest(cert, EVP_sha256(), whole, &len) && len == 32;
    bool have_key = spki_sha256(cert, key) == 0;
    ERR_clear_error();
    for (size_t i = 0; i < n; i++) {
        const unsigned char *d =
            pins[i].spki ? (have_key ? key : NULL) : (have_whole ? whole : NULL);
        if (d && CRYPTO_memcmp(d, pins[i].sha256, 32) == 0) return &pins[i];
    }
    return NULL;
}

void wssec__cert_fingerprint_colons(const X509 *cert, char out[96])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (!X509_digest(cert, EVP_sha256(), md, &n) || n != 32) {
        ERR_clear_error();
        return;
    }
    for (unsigned int i = 0; i < 32; i++)
        snprintf(out + 3 * i, 4, i < 31 ? "%02X:" : "%02X", md[i]);
}
