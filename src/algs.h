/*
 * wssec — algorithms, option vocabularies and the URIs messages spell them with
 * (algs.c).
 */
#ifndef WSSEC_SRC_ALGS_H
#define WSSEC_SRC_ALGS_H

#include <stdbool.h>

#include "wssec/ns.h"

enum { WSSEC_CRL_ALL = 0, WSSEC_CRL_LEAF = 1, WSSEC_CRL_OFF = 2 };
extern const char *const wssec__crl_check_names[];
extern const char *const wssec__enc_key_id_names[];
extern const char *const wssec__derived_key_ns_names[];
/* transport-client-cert: WSSEC_TRANSPORT_CERT_NONE, _REQUIRED */
enum { WSSEC_TRANSPORT_CERT_NONE, WSSEC_TRANSPORT_CERT_REQUIRED };
extern const char *const wssec__transport_cert_names[];
extern const char *const wssec__session_key_id_names[];
extern const char *const wssec__trust_mode_names[];
extern const char *const wssec__unsigned_ts_names[];

typedef struct wssec_alg {
    const char *name; /* as options spell it: "rsa-sha256" */
    const char *uri;  /* as messages spell it */
    bool weak;        /* SHA-1: only with allow-sha1 */
    int key_type;     /* EVP_PKEY_RSA, EVP_PKEY_EC; 0 for digests */
} wssec_alg;

extern const wssec_alg wssec__sig_algs[];    /* NULL-name terminated */
extern const wssec_alg wssec__digest_algs[]; /* NULL-name terminated */
extern const wssec_alg wssec__enc_algs[];    /* data encryption; key_type = key bytes */
extern const wssec_alg wssec__kt_algs[];     /* key transport and wrap */
extern const char *const wssec__enc_alg_names[];
extern const char *const wssec__kt_alg_names[];
enum { WSSEC_KT_RSA_OAEP = 0, WSSEC_KT_RSA15, WSSEC_KT_KW_AES128, WSSEC_KT_KW_AES256, WSSEC_KT_KW_3DES };
#define WSSEC_ENC_3DES 4 /* tripledes-cbc's index in wssec__enc_algs */
extern const char *const wssec__sig_alg_names[];
extern const char *const wssec__digest_alg_names[];
extern const char *const wssec__keyid_names[];
extern const char *const wssec__bsttype_names[];
extern const char *const wssec__transform_names[];
const wssec_alg *wssec__alg_by_uri(const wssec_alg *table, const char *uri);

#define WSSEC_URI_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define WSSEC_URI_C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define WSSEC_URI_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define WSSEC_URI_XPATH "http://www.w3.org/TR/1999/REC-xpath-19991116"
#define WSSEC_URI_XPATH2 "http://www.w3.org/2002/06/xmldsig-filter2"
#define WSSEC_URI_XSLT "http://www.w3.org/TR/1999/REC-xslt-19991116"
/* Namespaces, value types and encoding types: include/wssec/ns.h
 * (WSSEC_NS_DS, WSSEC_NS_XENC, WSSEC_X509_PROFILE, WSSEC_VT_X509V3, ...). */

#endif /* WSSEC_SRC_ALGS_H */
