/*
 * wssec — private keys from files: PEM or DER keys, encrypted or not, and
 * PKCS#12 key stores, modern or legacy, with one key chosen by alias
 * (keystore.c).
 */
#ifndef WSSEC_SRC_KEYSTORE_H
#define WSSEC_SRC_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "wssec/config.h"

/* The password of one key file: read beforehand from OPTION-password-file
 * or OPTION-password-env, else the application's password callback, asked
 * (WSSEC_PW_KEY, the file's path as the user) at most once and only when the
 * file turns out to need a password. The loaders wipe it (wssec__keypw_wipe)
 * as soon as the key is decoded. */
typedef struct wssec_keypw {
    const char *option;   /* "sign-key", "decrypt-key", "pkcs12": named in messages */
    const char *path;     /* the key file: the callback's user */
    wssec_password_cb cb; /* may be NULL */
    void *ud;             /* the callback's userdata */
    bool have;            /* pw holds the password */
    bool cb_asked;        /* the callback was asked (cb_rc is its answer) */
    int cb_rc;
    size_t len;
    char pw[1024]; /* NUL-terminated when have */
} wssec_keypw;

/* The password, asking the callback if it was not read beforehand. 0 (kp->pw
 * holds it); WSSEC_ECONFIG when none is configured (why names the two
 * options); WSSEC_ELIMIT when the callback's does not fit; or the code of a
 * failing callback (why says so). */
int wssec__keypw_get(wssec_keypw *kp, char *why, size_t whylen);
/* Wipes the password (kp may be NULL). */
void wssec__keypw_wipe(wssec_keypw *kp);

/* A private key from a PEM file (PKCS#8, encrypted PKCS#8, traditional with
 * or without Proc-Type/DEK-Info encryption) or a DER file (PKCS#8, encrypted
 * PKCS#8, traditional). kp may be NULL (no password: an encrypted key is
 * refused); a password given for a key that is not encrypted is not used.
 * 0, WSSEC_EIO (unreadable), WSSEC_ECONFIG (why: not a key, encrypted and no
 * password, wrong password), or the callback's code. */
int wssec__load_key(const char *path, EVP_PKEY **out, wssec_keypw *kp, char *why, size_t whylen);

/* The key, its certificate and the rest of its chain from a PKCS#12 file.
 * Modern files (PBES2, AES) decode in the default library context; files
 * with legacy algorithms (RC2, DES, as keytool, ikeyman and Windows export)
 * are decrypted in a private library context with OpenSSL's legacy provider,
 * freed before returning: the key and certificates always belong to the
 * default context, which never gets the legacy algorithms. With several keys,
 * alias (the friendlyName, compared exactly, else without regard to ASCII
 * case as keytool does) chooses one; without it the file must hold one key.
 * The chain holds the file's other certificates but those of other keys,
 * without duplicates. 0, WSSEC_EIO, WSSEC_ECONFIG (why: not PKCS#12, wrong
 * password, no legacy provider, no such alias, several keys, no
 * certificate for the key), WSSEC_ELIMIT (too many bags), WSSEC_ENOMEM, or
 * the callback's code. */
int wssec__load_pkcs12(const char *path, wssec_keypw *kp, const char *alias, EVP_PKEY **key,
                       X509 **cert, STACK_OF(X509) **chain, char *why, size_t whylen);

#endif /* WSSEC_SRC_KEYSTORE_H */
