/*
 * wssec — pins (trust_pin.c): signers accepted by a SHA-256 of their
 * certificate or of their public key (--pin), parsed from the settings
 * into a trust snapshot, and matched by exact bytes.
 */
#ifndef WSSEC_SRC_TRUST_PIN_H
#define WSSEC_SRC_TRUST_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "error.h"

/* One pin: the SHA-256 of a certificate's DER, or (spki) of its
 * SubjectPublicKeyInfo's DER; text is the setting it came from. */
typedef struct wssec_pin {
    unsigned char sha256[32];
    bool spki;
    char *text;
} wssec_pin;

/* 1 when a pin setting is a digest (sha256:HEX, spki-sha256:BASE64|HEX, or
 * the "AB:CD:…" of `openssl x509 -fingerprint -sha256`, with or without its
 * "sha256 Fingerprint=" prefix), 0 when it names a certificate file. */
int wssec__pin_is_digest(const char *v);
/* Adds the pins of one setting to *pins (*n of them; a certificate file
 * gives one per certificate). 0, WSSEC_ECONFIG with err set, or
 * WSSEC_ENOMEM. */
int wssec__pins_add(wssec_pin **pins, size_t *n, const char *v, wssec_errrec *err);
void wssec__pins_free(wssec_pin *pins, size_t n);
/* The pin cert matches by its certificate's or its key's SHA-256 (exact
 * bytes), or NULL. Borrowed. */
const wssec_pin *wssec__pin_match(const wssec_pin *pins, size_t n, const X509 *cert);
/* The certificate's SHA-256 as `openssl x509 -fingerprint -sha256` prints
 * it: "AB:CD:…" (95 characters), or "" when it cannot be computed. */
void wssec__cert_fingerprint_colons(const X509 *cert, char out[96]);

#endif /* WSSEC_SRC_TRUST_PIN_H */
