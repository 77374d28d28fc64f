/*
 * wssec — the algorithms wssec knows: names (as options spell them), URIs
 * (as messages spell them), and which of them are weak.
 */
#include <string.h>

#include <openssl/evp.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "algs.h"

/* Order matters: the option value is the index. */
const wssec_alg wssec__sig_algs[] = {
    { "rsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", false, EVP_PKEY_RSA },
    { "rsa-sha384", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", false, EVP_PKEY_RSA },
    { "rsa-sha512", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", false, EVP_PKEY_RSA },
    { "rsa-sha1", "http://www.w3.org/2000/09/xmldsig#rsa-sha1", true, EVP_PKEY_RSA },
    { "ecdsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", false, EVP_PKEY_EC },
    { "ecdsa-sha384", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", false, EVP_PKEY_EC },
    { "ecdsa-sha512", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", false, EVP_PKEY_EC },
    { "ecdsa-sha1", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", true, EVP_PKEY_EC },
    /* inbound only, keyed by an EncryptedKey's session key (symkey.c) */
    { "hmac-sha256", "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", false, EVP_PKEY_HMAC },
    { "hmac-sha1", "http://www.w3.org/2000/09/xmldsig#hmac-sha1", true, EVP_PKEY_HMAC },
    { NULL, NULL, false, 0 },
};
/* Option choices stop before the entries that are only recognised inbound. */
const char *const wssec__sig_alg_names[] = { "rsa-sha256",   "rsa-sha384",   "rsa-sha512",
                                             "rsa-sha1",     "ecdsa-sha256", "ecdsa-sha384",
                                             "ecdsa-sha512", NULL };

const wssec_alg wssec__digest_algs[] = {
    { "sha256", "http://www.w3.org/2001/04/xmlenc#sha256", false, 0 },
    { "sha384", "http://www.w3.org/2001/04/xmldsig-more#sha384", false, 0 },
    { "sha512", "http://www.w3.org/2001/04/xmlenc#sha512", false, 0 },
    { "sha1", "http://www.w3.org/2000/09/xmldsig#sha1", true, 0 },
    { NULL, NULL, false, 0 },
};
const char *const wssec__digest_alg_names[] = { "sha256", "sha384", "sha512", "sha1", NULL };

/* data encryption: key_type holds the key length in bytes */
const wssec_alg wssec__enc_algs[] = {
    { "aes256-gcm", "http://www.w3.org/2009/xmlenc11#aes256-gcm", false, 32 },
    { "aes128-gcm", "http://www.w3.org/2009/xmlenc11#aes128-gcm", false, 16 },
    { "aes128-cbc", "http://www.w3.org/2001/04/xmlenc#aes128-cbc", true, 16 },
    { "aes256-cbc", "http://www.w3.org/2001/04/xmlenc#aes256-cbc", true, 32 },
    { "tripledes-cbc", "http://www.w3.org/2001/04/xmlenc#tripledes-cbc", true, 24 },
    { NULL, NULL, false, 0 },
};
const char *const wssec__enc_alg_names[] = { "aes256-gcm", "aes128-gcm", "aes128-cbc", "aes256-cbc",
                                             "tripledes-cbc", NULL };

/* key transport (RSA) and key wrap (AES, with a pre-shared key) */
const wssec_alg wssec__kt_algs[] = {
    { "rsa-oaep", "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", false, EVP_PKEY_RSA },
    { "rsa-1_5", "http://www.w3.org/2001/04/xmlenc#rsa-1_5", true, EVP_PKEY_RSA },
    { "kw-aes128", "http://www.w3.org/2001/04/xmlenc#kw-aes128", false, 16 },
    { "kw-aes256", "http://www.w3.org/2001/04/xmlenc#kw-aes256", false, 32 },
    /* only recognised inbound, with allow-3des */
    { "kw-tripledes", "http://www.w3.org/2001/04/xmlenc#kw-tripledes", true, 24 },
    { NULL, NULL, false, 0 },
};
const char *const wssec__kt_alg_names[] = { "rsa-oaep", "rsa-1_5", "kw-aes128", "kw-aes256", NULL };
const char *const wssec__enc_key_id_names[] = { "bst", "issuer-serial", "ski", "thumbprint", "x509",
                                                NULL };

const char *const wssec__derived_key_ns_names[] = { "2005-02", "1.3", NULL };

const char *const wssec__transport_cert_names[] = { "none", "required", NULL };
const char *const wssec__session_key_id_names[] = { "reference", "encrypted-key-sha1", NULL };

const char *const wssec__keyid_names[] = { "bst", "issuer-serial", "ski", "thumbprint", "x509",
                                           NULL };
const char *const wssec__bsttype_names[] = { "x509v3", "pkipath", "pkcs7", NULL };
const char *const wssec__trust_mode_names[] = { "signature", "basic", NULL };
const char *const wssec__unsigned_ts_names[] = { "warn", "refuse", NULL };
const char *const wssec__crl_check_names[] = { "all", "leaf", "off", NULL };
const char *const wssec__transform_names[] = { "xpath", "xpath2", "xslt", NULL };

const wssec_alg *wssec__alg_by_uri(const wssec_alg *table, const char *uri)
{
    for (; uri && table->name; table++)
        if (strcmp(table->uri, uri) == 0) return table;
    return NULL;
}
