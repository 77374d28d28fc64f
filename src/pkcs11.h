/*
 * wssec — keys in a PKCS#11 token (a hardware security module, a smart
 * card, SoftHSM), named by pkcs11: URIs (RFC 7512), through OpenSSL's
 * pkcs11 engine (libp11) (pkcs11.c).
 */
#ifndef WSSEC_SRC_PKCS11_H
#define WSSEC_SRC_PKCS11_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "settings.h"

/* One context's use of the process's pkcs11 engine. */
typedef struct wssec_p11 wssec_p11;

/* 1 when s is a pkcs11: URI. */
int wssec__pkcs11_is_uri(const char *s);
/* The private key uri names, loaded through the engine with the module and
 * the PIN of the settings (pkcs11-module, pkcs11-pin-file or -env); *p11
 * is taken on first use (release it after the keys are freed). The key
 * never leaves the token: it signs and decrypts there. 0, or WSSEC_ECONFIG
 * with the reason in why (never the PIN); WSSEC_ENOMEM. */
int wssec__pkcs11_key(wssec_p11 **p11, const wssec_settings *s, const char *uri, EVP_PKEY **out,
                      char *why, size_t whylen);
/* The certificate of the object uri names (its type= attribute ignored),
 * from the token, with p11 taken by wssec__pkcs11_key(). 0 or WSSEC_ECONFIG
 * with the reason. */
int wssec__pkcs11_cert(wssec_p11 *p11, const char *uri, X509 **out, char *why, size_t whylen);
/* Gives the engine back (the last user unloads the module). NULL is a no-op. */
void wssec__pkcs11_release(wssec_p11 *p11);

#endif /* WSSEC_SRC_PKCS11_H */
