/*
 * LTPA tokens (IBM WebSphere / Liberty): the key file and the token format,
 * without the SOAP side (ltpa_plugin.c is the wssec plug-in on top of it).
 *
 * The key file is WebSphere's export (Java properties): 3DESKey and
 * PrivateKey are DES-EDE3-ECB ciphertext under SHA-1(password) || 0^4,
 * PublicKey is n || e. A token's plaintext is USERDATA%EXPIRY%SIGNATURE;
 * v2 (LtpaToken2) encrypts it with AES-128-CBC (key = IV = the first 16
 * bytes of the shared key) and signs SHA-1(USERDATA) with SHA1withRSA; v1
 * (LtpaToken) encrypts with DES-EDE3-ECB under the whole shared key and
 * signs SHA-1(USERDATA) with ISO/IEC 9796-1 (its expiry is not signed).
 *
 * Every size is bounded before any work is done on it (LTPA_MAX_*). All
 * cryptography is OpenSSL's; only the ISO 9796-1 message representative
 * (a byte layout, not a primitive) is built here.
 */
#ifndef WSSEC_LTPA_H
#define WSSEC_LTPA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define LTPA_VT_V1 "http://www.ibm.com/websphere/appserver/tokentype/5.0.2/LTPA"
#define LTPA_VT_V2 "http://www.ibm.com/websphere/appserver/tokentype/LTPAv2"

#define LTPA_MAX_KEYFILE 65536  /* bytes of a key file */
#define LTPA_MAX_PASSWORD 1024  /* bytes of a key-file password */
#define LTPA_MAX_CIPHER 6144    /* bytes of a token's ciphertext */
#define LTPA_MAX_USERDATA 4096  /* bytes of its user data */
#define LTPA_MAX_ATTRS 64       /* attributes in the user data */
#define LTPA_MAX_NAME 1024      /* bytes of a realm or a user (unescaped) */
#define LTPA_MIN_RSA_BITS 1024
#define LTPA_MAX_RSA_BITS 4096

/* What went wrong, for the caller to map to its own codes. */
enum {
    LTPA_OK = 0,
    LTPA_ESIZE = -1,    /* a size over its bound */
    LTPA_EDECRYPT = -2, /* does not decrypt with the shared key (another key, or changed) */
    LTPA_EFORMAT = -3,  /* decrypts, but is not USERDATA%EXPIRY%SIGNATURE with a u attribute */
    LTPA_ESIG = -4,     /* the signature does not verify */
    LTPA_ENOMEM = -5,
    LTPA_EKEYS = -6,    /* key file: unreadable, malformed, or the wrong password */
    LTPA_EINTERNAL = -7,
};

typedef struct ltpa_keys {
    unsigned char shared[24]; /* the shared (3DES) key; AES-128 uses its first 16 bytes */
    EVP_PKEY *rsa;            /* the key pair (private part from PrivateKey) */
    char realm[LTPA_MAX_NAME]; /* the file's Realm, or "" */
} ltpa_keys;

typedef struct ltpa_token {
    int version;            /* 1 or 2 */
    char *plain;            /* the decrypted plaintext, NUL-terminated (owned) */
    size_t plain_size;      /* the bytes allocated for it */
    size_t userdata_len;    /* the user data is plain[0 .. userdata_len) */
    int64_t expiry;         /* ms since 1970: v2 the signed expire attribute, v1 the outer field */
    int64_t outer_expiry;   /* the middle (unsigned) field */
    char realm[LTPA_MAX_NAME]; /* from the u attribute, unescaped */
    char user[LTPA_MAX_NAME];  /* the unique ID after the realm, unescaped */
} ltpa_token;

/**
 * Loads a key file with its password. why gets the reason on failure (never
 * the password or a key byte).
 * @return LTPA_OK, LTPA_EKEYS, LTPA_ENOMEM.
 */
int ltpa_keys_load(ltpa_keys *keys, const char *path, const char *password, size_t pwlen,
                   char *why, size_t whylen);

/** Frees and zeroes what ltpa_keys_load() loaded. */
void ltpa_keys_clear(ltpa_keys *keys);

/**
 * Decrypts a token's ciphertext (version 1 or 2), then checks its signature
 * and parses its user data. Expiry and realm are the caller's to check.
 * On success *tok holds the facts (ltpa_token_clear() frees them); on
 * failure why says what failed and *tok holds nothing.
 */
int ltpa_decode(ltpa_token *tok, const ltpa_keys *keys, int version, const unsigned char *ct,
                size_t len, char *why, size_t whylen);

void ltpa_token_clear(ltpa_token *tok);

/**
 * The user data of a token for user in realm (both escaped here): v2
 * "expire:MS$u:user\:REALM/USER", v1 "u:user\:REALM/USER".
 * @return LTPA_OK, or LTPA_ESIZE when it does not fit.
 */
int ltpa_userdata(char *out, size_t size, int version, const char *realm, const char *user,
                  int64_t expiry);

/**
 * Signs and encrypts USERDATA%EXPIRY%SIGNATURE: *b64 the token, base64
 * (free with OPENSSL_free()). Deterministic: the same keys, user data and
 * expiry make the same bytes.
 */
int ltpa_encode(char **b64, const ltpa_keys *keys, int version, const char *userdata,
                int64_t expiry, char *why, size_t whylen);

#endif /* WSSEC_LTPA_H */
