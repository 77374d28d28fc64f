/*
 * wssec — distinguished names (x509_dn.c): canonical forms and comparisons.
 */
#ifndef WSSEC_SRC_X509_DN_H
#define WSSEC_SRC_X509_DN_H

#include <stdbool.h>

#include <openssl/x509.h>

/* Canonical DN forms (see x509_dn.c); caller frees. WSSEC_EINVALID for bad text. */
int wssec__dn_canon_name(const X509_NAME *name, char **out);
int wssec__dn_canon_text(const char *text, bool reverse, char **out);
/* The same, WSSEC_ELIMIT past max_values attribute values (0: no bound). */
int wssec__dn_canon_text_max(const char *text, bool reverse, size_t max_values, char **out);
/* 1 when the name equals the text DN (in RFC 4514 order, or either order). */
int wssec__dn_equal_text(const X509_NAME *name, const char *text, bool either_order);
/* 1 when the certificate's serial equals the decimal text. */
int wssec__serial_equal_text(const X509 *cert, const char *text);

#endif /* WSSEC_SRC_X509_DN_H */
