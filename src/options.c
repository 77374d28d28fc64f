/*
 * wssec — the option table shared by the command line, the configuration
 * file and wssec_config_set(): each option's name, kind, field of the
 * settings, bounds and help, and the lookup by name.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wssec/wssec.h"
#include "options.h"
#include "algs.h"
#include "bsp.h"
#include "ocsp.h"
#include "settings.h"
#include "util.h"

#define OFF(field) offsetof(wssec_settings, field)

static const wssec_opt options[] = {
    { "max-message-size", OPT_SIZE, OFF(max_message_size), 256, "BYTES",
      "largest message accepted, checked while reading (default 4M)" },
    { "max-depth", OPT_SIZE, OFF(max_depth), 4, "N", "deepest element nesting (default 256)" },
    { "max-nodes", OPT_SIZE, OFF(max_nodes), 16, "N",
      "most nodes (elements, attributes, text) in a message (default 200000)" },
    { "max-attributes", OPT_SIZE, OFF(max_attributes), 1, "N",
      "most attributes on one element, namespace declarations apart (default 64)" },
    { "max-namespaces", OPT_SIZE, OFF(max_namespaces), 1, "N",
      "most namespace declarations on one element (default 64)" },
    { "max-namespaces-in-scope", OPT_SIZE, OFF(max_namespaces_in_scope), 1, "N",
      "most namespace declarations in scope at one element, shadowed ones included "
      "(default 256)" },
    { "max-token-size", OPT_SIZE, OFF(max_token_size), 64, "BYTES",
      "largest decoded base64 token (default 256K)" },
    { "clock-skew", OPT_SECONDS, OFF(clock_skew_ms), 0, "SECONDS",
      "tolerated clock difference with senders (default 60)" },
    { "max-age", OPT_SECONDS, OFF(max_age_ms), 0, "SECONDS",
      "oldest Created accepted, Timestamp and UsernameToken (default 300)" },
    { "timestamp-ttl", OPT_SECONDS, OFF(timestamp_ttl_ms), 0, "SECONDS",
      "outbound Timestamp lifetime; 0 omits Expires (default 300)" },
    { "timestamp-millis", OPT_BOOL, OFF(timestamp_millis), 0, "BOOL",
      "outbound times with milliseconds (default true)" },
    { "actor", OPT_STRING, OFF(actor), 0, "URI",
      "the actor/role whose Security header is ours (default: none, the ultimate receiver)" },
    { "password-type", OPT_PWTYPE, OFF(password_type), 0, "TYPE",
      "UsernameToken password: digest or text outbound; digest, text or any inbound "
      "(default digest)" },
    { "require", OPT_REQUIRE, OFF(require), 0, "LIST",
      "inbound requirements: timestamp, username-token, signature, signed:XPATH, "
      "signed-by:REGEX, encrypted:XPATH, none (default timestamp,signature)" },
    { "username", OPT_STRING, OFF(username), 0, "USER", "outbound UsernameToken user" },
    { "actions", OPT_LIST, OFF(actions), 0, "LIST",
      "outbound actions in order, e.g. timestamp,username-token,signature,encrypted-key" },
    { "now", OPT_TIME, OFF(now), 0, "TIME",
      "the clock for every time check, e.g. 2025-01-31T12:00:00Z (default: system clock)" },
    { "replay-cache", OPT_REPLAY, OFF(replay_cache), 0, "KIND",
      "replay cache back end: memory, redis://[user@]host[:port][/db] or "
      "unix:///path[?db=N] (default memory)" },
    { "replay-cache-size", OPT_SIZE, OFF(replay_cache_size), 1, "N",
      "most live entries in the in-memory replay cache (default 100000)" },
    { "redis-password-file", OPT_STRING, OFF(redis_password_file), 0, "FILE",
      "the Redis password: the first line of FILE" },
    { "redis-password-env", OPT_STRING, OFF(redis_password_env), 0, "VAR",
      "the Redis password: environment variable VAR" },
    { "redis-connect-timeout-ms", OPT_SIZE, OFF(redis_connect_timeout_ms), 1, "MS",
      "time allowed to connect to Redis, milliseconds (default 1000)" },
    { "redis-command-timeout-ms", OPT_SIZE, OFF(redis_command_timeout_ms), 1, "MS",
      "time allowed for each Redis command, milliseconds (default 1000)" },
    { "redis-pool-size", OPT_SIZE, OFF(redis_pool_size), 1, "N",
      "most idle Redis connections kept for reuse (default 8)" },
    { "replay-signatures", OPT_BOOL, OFF(replay_signatures), 0, "BOOL",
      "reject a signed message whose SignedInfo was already accepted from the same key "
      "(default true)" },
    { "unsigned-timestamps", OPT_ENUM, OFF(unsigned_timestamps), 0, "MODE",
      "verify: a wsu:Timestamp or wsse:Nonce outside the Security header that no verified "
      "signature covers: warn (accepted, with a warning) or refuse (default warn)",
      wssec__unsigned_ts_names },
    /* outbound signature */
    { "sign-key", OPT_STRING, OFF(sign_key), 0, "FILE",
      "secure: the signing private key (PEM or DER; encrypted: sign-key-password-file), or a "
      "pkcs11: URI of a key in a token (with pkcs11-module)" },
    { "sign-cert", OPT_STRING, OFF(sign_cert), 0, "FILE",
      "secure: the signing certificate (PEM or DER)" },
    { "sign-chain", OPT_STRING, OFF(sign_chain), 0, "FILE",
      "secure: intermediate certificates sent with the signing certificate (PEM)" },
    { "pkcs12", OPT_STRING, OFF(pkcs12), 0, "FILE",
      "the key and certificate(s) from a PKCS#12 file (instead of sign-key/sign-cert)" },
    { "pkcs12-password-file", OPT_STRING, OFF(pkcs12_pw_file), 0, "FILE",
      "the PKCS#12 password: the first line of FILE" },
    { "pkcs12-password-env", OPT_STRING, OFF(pkcs12_pw_env), 0, "VAR",
      "the PKCS#12 password: environment variable VAR" },
    { "pkcs12-alias", OPT_STRING, OFF(pkcs12_alias), 0, "NAME",
      "the key of the PKCS#12 file to use, by its alias (friendlyName), when it holds several" },
    { "sign-key-password-file", OPT_STRING, OFF(sign_key_pw_file), 0, "FILE",
      "the password of an encrypted sign-key: the first line of FILE" },
    { "sign-key-password-env", OPT_STRING, OFF(sign_key_pw_env), 0, "VAR",
      "the password of an encrypted sign-key: environment variable VAR" },
    { "decrypt-key-password-file", OPT_STRING, OFF(decrypt_key_pw_file), 0, "FILE",
      "verify: the password of an encrypted decrypt-key: the first line of FILE" },
    { "decrypt-key-password-env", OPT_STRING, OFF(decrypt_key_pw_env), 0, "VAR",
      "verify: the password of an encrypted decrypt-key: environment variable VAR" },
    { "key-id", OPT_ENUM, OFF(key_id), 0, "TYPE",
      "secure: how the signature names its certificate: bst, issuer-serial, ski, thumbprint, "
      "x509 (default bst)", wssec__keyid_names },
    { "bst-type", OPT_ENUM, OFF(bst_type), 0, "TYPE",
      "secure: BinarySecurityToken value type: x509v3, pkipath, pkcs7 (default x509v3; "
      "pkipath and pkcs7 carry the sign-chain)", wssec__bsttype_names },
    { "sign-alg", OPT_ENUM, OFF(sign_alg), 0, "ALG",
      "secure: rsa-sha256, rsa-sha384, rsa-sha512, rsa-sha1, ecdsa-sha256, ecdsa-sha384, "
      "ecdsa-sha512 (default rsa-sha256)", wssec__sig_alg_names },
    { "digest-alg", OPT_ENUM, OFF(digest_alg), 0, "ALG",
      "secure: sha256, sha384, sha512, sha1 (default sha256)", wssec__digest_alg_names },
    { "sign-part", OPT_MULTI, OFF(sign_parts), 0, "PART",
      "secure, repeatable: what to sign: body, timestamp, token, token-str (the token by the "
      "STR-Transform), username-token, "
      "{NS}LOCAL or an XPath (default body and timestamp)" },
    { "namespace", OPT_MULTI, OFF(namespaces), 0, "PREFIX=URI",
      "repeatable: a prefix for XPath expressions (soap, wsse, wsu, ds, xenc are predefined)" },
    { "timestamp-in", OPT_MULTI, OFF(timestamp_in), 0, "XPATH",
      "secure, repeatable: add a wsu:Timestamp (Created, Expires from timestamp-ttl) as the first "
      "child of each element the XPath selects, before signing; each must be signed" },
    { "nonce-in", OPT_MULTI, OFF(nonce_in), 0, "XPATH",
      "secure, repeatable: add a wsse:Nonce (16 random bytes) and a wsu:Created as the first "
      "children of each element the XPath selects, before signing; each must be signed" },
    /* inbound signature and trust */
    { "trust", OPT_MULTI, OFF(trust), 0, "FILE|DIR",
      "verify, repeatable: trust anchors: a certificate file (PEM or DER) or a directory of "
      ".pem, .crt and .cer files" },
    { "pin", OPT_MULTI, OFF(pins), 0, "PIN",
      "verify, repeatable: a signer accepted by fingerprint, with no path to a trust anchor: "
      "sha256:HEX (its certificate's SHA-256, as openssl x509 -fingerprint -sha256 prints it), "
      "spki-sha256:BASE64|HEX (its public key's) or a certificate FILE" },
    { "intermediates", OPT_MULTI, OFF(intermediates), 0, "FILE",
      "verify, repeatable: another name for certs" },
    { "crl", OPT_MULTI, OFF(crl), 0, "FILE",
      "verify, repeatable: certificate revocation lists (PEM or DER)" },
    { "crl-check", OPT_ENUM, OFF(crl_check), 0, "MODE",
      "verify: with CRLs configured, check all certificates of the chain, the leaf only, or off "
      "(default all)", wssec__crl_check_names },
    { "ocsp", OPT_ENUM, OFF(ocsp_mode), 0, "MODE",
      "verify: ask an OCSP responder, once the signature verifies, whether the signer (signer) "
      "or every certificate of its chain below the anchor (chain) is revoked, or off "
      "(default off)", wssec__ocsp_mode_names },
    { "ocsp-url", OPT_STRING, OFF(ocsp_url), 0, "URL",
      "verify: the OCSP responder to ask, http:// only (default: the one the certificate names "
      "in its authorityInfoAccess, http:// only)" },
    { "ocsp-timeout", OPT_SECONDS, OFF(ocsp_timeout_ms), 0, "SECONDS",
      "verify: time allowed for an OCSP exchange, connecting included, 1 to 600 (default 5)" },
    { "ocsp-soft-fail", OPT_BOOL, OFF(ocsp_soft_fail), 0, "BOOL",
      "verify: accept, with a warning, a certificate whose OCSP responder gives no usable "
      "answer (unreachable, timeout, an error status); revoked, unknown or a bad response are "
      "always refused (default false)" },
    { "ocsp-nonce", OPT_BOOL, OFF(ocsp_nonce), 0, "BOOL",
      "verify: send a nonce with each OCSP request; a response with another nonce is refused, "
      "one without is accepted within its validity (default true)" },
    { "ocsp-responder-cert", OPT_STRING, OFF(ocsp_responder_cert), 0, "FILE",
      "verify: OCSP responder certificates (PEM or DER) trusted directly, for every certificate "
      "checked (default: only the issuer and the responders it certified for OCSPSigning)" },
    { "ocsp-cache-size", OPT_SIZE, OFF(ocsp_cache_size), 0, "N",
      "verify: most OCSP answers remembered, each until its nextUpdate; 0 remembers none "
      "(default 1000)" },
    { "subject", OPT_MULTI, OFF(subjects), 0, "DN|re:REGEX",
      "verify, repeatable: accepted signer subjects, a DN compared after RFC 4514 "
      "normalisation or re:REGEX over the RFC 4514 text (default: any)" },
    { "issuer", OPT_MULTI, OFF(issuers), 0, "DN|re:REGEX",
      "verify, repeatable: accepted issuing CAs anywhere in the chain (default: any)" },
    { "transport-client-cert", OPT_ENUM, OFF(transport_client_cert), 0, "MODE",
      "verify: required: the TLS client certificate the embedding server passes "
      "(wssec_msg_set_transport_cert; WS-SecurityPolicy's HttpsToken with "
      "RequireClientCertificate) must be there and pass the trust rules of a signer; its "
      "subject is the caller of a message without one; none: not used (default none)",
      wssec__transport_cert_names },
    { "max-chain-length", OPT_SIZE, OFF(max_chain_length), 1, "N",
      "verify: most CA certificates between a signer and its trust anchor (default 8)" },
    { "expiry-warning-days", OPT_SIZE, OFF(expiry_warning_days), 0, "DAYS",
      "warn about trust anchors, own certificates, CRLs and signers that expire within DAYS "
      "days, and about those already expired or past nextUpdate (default 30; 0: no such "
      "warnings)" },
    { "cert-cache", OPT_BOOL, OFF(cert_cache), 0, "BOOL",
      "verify: remember validated certificate chains until they or a CRL expire (default true)" },
    { "cert-cache-size", OPT_SIZE, OFF(cert_cache_size), 1, "N",
      "verify: most chains remembered (default 10000)" },
    { "cert-cache-max-age", OPT_SECONDS, OFF(cert_cache_max_age_ms), 0, "SECONDS",
      "verify: longest a validated chain is remembered (default 3600)" },
    { "certs", OPT_MULTI, OFF(certs), 0, "FILE",
      "verify, repeatable: known certificates (PEM or DER): intermediate CAs for building "
      "chains, and signers named by issuer-serial, ski or thumbprint; never trusted by "
      "themselves (alias: intermediates)" },
    { "allow-sha1", OPT_BOOL, OFF(allow_sha1), 0, "BOOL",
      "verify: accept rsa-sha1 signatures and sha1 digests from old peers (default false)" },
    { "allow-transforms", OPT_LIST, OFF(allow_transforms), 0, "LIST",
      "verify: also allow these reference transforms: xpath, xpath2, xslt (default none)",
      wssec__transform_names },
    { "bsp-relax", OPT_LIST, OFF(bsp_relax), 0, "LIST",
      "verify: Basic Security Profile rules an old peer breaks, accepted by name: R3029 "
      "(bst-without-encoding-type), R4201 (qualified-password-type), R4220 (nonce-without-encoding-type), R5404 and R5412 "
      "(inclusive-c14n), R5417 and R5426 (keyinfo-x509data) (default none)",
      wssec__bsp_relax_names },
    { "max-references", OPT_SIZE, OFF(max_references), 1, "N",
      "verify: most references in one signature (default 32)" },
    { "max-transforms", OPT_SIZE, OFF(max_transforms), 1, "N",
      "verify: most transforms in one reference (default 4)" },
    { "max-encrypted-keys", OPT_SIZE, OFF(max_encrypted_keys), 1, "N",
      "verify: most EncryptedKeys in our Security header, counted before any decryption "
      "(default 4)" },
    { "max-derived-keys", OPT_SIZE, OFF(max_derived_keys), 1, "N",
      "verify: most wsc:DerivedKeyTokens in our Security header, counted before any key is "
      "derived (default 8)" },
    { "max-derived-key-length", OPT_SIZE, OFF(max_derived_key_length), 16, "BYTES",
      "verify: longest key a wsc:DerivedKeyToken may ask for, refused before any key is "
      "derived (default 64)" },
    { "max-derived-key-offset", OPT_SIZE, OFF(max_derived_key_offset), 0, "BYTES",
      "verify: largest Offset (or Generation x Length) of a wsc:DerivedKeyToken, refused "
      "before any key is derived (default 1024)" },
    { "max-signatures", OPT_SIZE, OFF(max_signatures), 1, "N",
      "verify: most signatures in our Security header, refused before any cryptography "
      "(default 4)" },
    { "max-c14n-bytes", OPT_SIZE, OFF(max_c14n_bytes), 1024, "BYTES",
      "verify: most bytes canonicalized for the signatures of one message, SignedInfo and "
      "references (default 16M)" },
    { "min-rsa-bits", OPT_SIZE, OFF(min_rsa_bits), 512, "BITS",
      "verify: smallest RSA key accepted for a signer and every certificate of its chain "
      "(default 2048)" },
    { "min-ec-bits", OPT_SIZE, OFF(min_ec_bits), 160, "BITS",
      "verify: smallest EC key accepted for a signer and every certificate of its chain "
      "(default 256)" },
    /* identity assertion and plug-ins (identity.c, plugin.c) */
    { "assert-user", OPT_STRING, OFF(assert_user), 0, "USER",
      "secure: the identity-assertion action asserts this user (a UsernameToken without "
      "password)" },
    { "assert-dn", OPT_STRING, OFF(assert_dn), 0, "DN",
      "secure: the identity-assertion action asserts this subject DN (an X.509 token)" },
    { "assert-cert", OPT_STRING, OFF(assert_cert), 0, "FILE",
      "secure: the certificate (PEM or DER) whose subject is assert-dn (default: the caller's "
      "X.509 token in the message)" },
    { "strip-security", OPT_BOOL, OFF(strip_security), 0, "BOOL",
      "secure: remove the Security header targeted at us before adding ours (default false)" },
    { "trusted-upstream", OPT_MULTI, OFF(trusted_upstreams), 0, "NAME|DN",
      "verify, repeatable: an upstream trusted to assert identities: a user name (trust-mode "
      "basic) or a DN compared after RFC 4514 normalisation (trust-mode signature), bound "
      "further by ;issuer=DN, ;cert-sha256=HEX or ;spki-sha256=HEX" },
    { "trust-mode", OPT_ENUM, OFF(trust_mode), 0, "MODE",
      "verify: how an upstream proves itself: signature (its X.509 signature) or basic (its "
      "UsernameToken) (default signature)", wssec__trust_mode_names },
    { "upstream-nonce-optional", OPT_BOOL, OFF(upstream_nonce_optional), 0, "BOOL",
      "verify: trust-mode basic accepts the upstream's UsernameToken without a Nonce when it has "
      "a fresh Created, as WebSphere does (default false: a Nonce is needed)" },
    { "plugin", OPT_MULTI, OFF(plugins), 0, "FILE[:ENTRY[:ARG]]",
      "repeatable: a plug-in shared object to load, its entry point (default "
      "wssec_plugin_init) and its argument" },
    /* encryption */
    { "encrypt-cert", OPT_STRING, OFF(encrypt_cert), 0, "FILE",
      "secure: the recipient's certificate (PEM or DER); its key wraps the session key" },
    { "enc-alg", OPT_ENUM, OFF(enc_alg), 0, "ALG",
      "secure: aes256-gcm, aes128-gcm, aes128-cbc, aes256-cbc, tripledes-cbc (with allow-3des) "
      "(default aes256-gcm)",
      wssec__enc_alg_names },
    { "key-transport", OPT_ENUM, OFF(key_transport), 0, "ALG",
      "secure: rsa-oaep, rsa-1_5 (legacy peers only), kw-aes128, kw-aes256 (with psk-file) "
      "(default rsa-oaep)", wssec__kt_alg_names },
    { "encrypt-part", OPT_MULTI, OFF(encrypt_parts), 0, "PART",
      "secure, repeatable: what to encrypt: body (its content), signature, {NS}LOCAL or an XPath, "
      "each with an optional :content or :element (default body)" },
    { "enc-key-id", OPT_ENUM, OFF(enc_key_id), 0, "TYPE",
      "secure: how the EncryptedKey names the recipient: issuer-serial, ski, thumbprint, bst, x509 "
      "(default issuer-serial)", wssec__enc_key_id_names },
    { "decrypt-key", OPT_STRING, OFF(decrypt_key), 0, "FILE",
      "verify: a private key (PEM or DER; encrypted: decrypt-key-password-file) that decrypts, "
      "or a pkcs11: URI of a key in a token; the signing identity (pkcs12 or sign-key) decrypts "
      "too" },
    { "pkcs11-module", OPT_STRING, OFF(pkcs11_module), 0, "FILE",
      "the PKCS#11 module (shared library) of the token that sign-key and decrypt-key "
      "pkcs11: URIs name, e.g. /usr/lib/softhsm/libsofthsm2.so" },
    { "pkcs11-pin-file", OPT_STRING, OFF(pkcs11_pin_file), 0, "FILE",
      "the PKCS#11 token's PIN: the first line of FILE (never in the URI)" },
    { "pkcs11-pin-env", OPT_STRING, OFF(pkcs11_pin_env), 0, "VAR",
      "the PKCS#11 token's PIN: environment variable VAR" },
    { "decrypt-cert", OPT_STRING, OFF(decrypt_cert), 0, "FILE",
      "verify: the certificate (PEM or DER) of decrypt-key, to match the EncryptedKey's "
      "reference" },
    { "psk-file", OPT_STRING, OFF(psk_file), 0, "FILE",
      "a pre-shared AES key (base64, first line) for kw-aes128/kw-aes256 key wrap (24 bytes: "
      "kw-tripledes, with allow-3des)" },
    { "psk-name", OPT_STRING, OFF(psk_name), 0, "NAME",
      "the KeyName that names the pre-shared key (default psk)" },
    { "allow-cbc", OPT_BOOL, OFF(allow_cbc), 0, "BOOL",
      "verify: accept AES-CBC data encryption from old peers (default false)" },
    { "allow-3des", OPT_BOOL, OFF(allow_3des), 0, "BOOL",
      "accept tripledes-cbc data encryption and kw-tripledes key wrap from old peers; secure: "
      "allow enc-alg tripledes-cbc (default false)" },
    { "allow-x509v1", OPT_BOOL, OFF(allow_x509v1), 0, "BOOL",
      "verify: accept a BinarySecurityToken of ValueType X509v1 (an X.509 version 1 certificate, "
      "without extensions) from old peers (default false)" },
    { "allow-rsa15", OPT_BOOL, OFF(allow_rsa15), 0, "BOOL",
      "verify: accept RSA-1.5 key transport from legacy peers (default false)" },
    { "symmetric", OPT_BOOL, OFF(symmetric), 0, "BOOL",
      "secure: the symmetric binding: the signature and encrypted-key actions use one session "
      "key per message, in an EncryptedKey for encrypt-cert (HMAC-SHA256 signature, "
      "EncryptedData listed in a ReferenceList) (default false)" },
    { "derived-keys", OPT_BOOL, OFF(derived_keys), 0, "BOOL",
      "secure, with symmetric: sign and encrypt with keys derived from the session key, each in "
      "its own wsc:DerivedKeyToken (default false)" },
    { "derived-key-ns", OPT_ENUM, OFF(derived_key_ns), 0, "VERSION",
      "secure: the WS-SecureConversation namespace of the DerivedKeyTokens: 2005-02 or 1.3 "
      "(default 2005-02)", wssec__derived_key_ns_names },
    { "session-key-id", OPT_ENUM, OFF(session_key_id), 0, "TYPE",
      "secure, with symmetric: how the signature, the EncryptedData and the DerivedKeyTokens name "
      "the EncryptedKey: reference or encrypted-key-sha1 (WSS 1.1) (default reference)",
      wssec__session_key_id_names },
};

int wssec_config_option_info(const char **name, const char **arg, const char **help, size_t i)
{
    WSSEC_ARG(name && arg && help);
    if (i >= WSSEC_ARRAY_LEN(options)) return WSSEC_EINVALID;
    *name = options[i].name;
    *arg = options[i].arg;
    *help = options[i].help;
    return 0;
}

/* The options by name, sorted once: modules read settings by name on every
 * message (sys/settings.h), so a lookup is a binary search. */
static const wssec_opt *by_name[WSSEC_ARRAY_LEN(options)];
static pthread_once_t by_name_once = PTHREAD_ONCE_INIT;

static int opt_cmp(const void *a, const void *b)
{
    return strcmp((*(const wssec_opt *const *)a)->name, (*(const wssec_opt *const *)b)->name);
}

static void sort_options(void)
{
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(options); i++) by_name[i] = &options[i];
    qsort(by_name, WSSEC_ARRAY_LEN(by_name), sizeof(by_name[0]), opt_cmp);
}

const wssec_opt *wssec__opt_find(const char *name)
{
    pthread_once(&by_name_once, sort_options);
    const wssec_opt key = { .name = name }, *kp = &key;
    const wssec_opt *const *o = bsearch(&kp, by_name, WSSEC_ARRAY_LEN(by_name), sizeof(by_name[0]),
                                  opt_cmp);
    return o ? *o : NULL;
}

int wssec_config_has_option(const char *name)
{
    WSSEC_ARG_OR(name, 0);
    return wssec__opt_find(name) != NULL;
}

size_t wssec__opt_count(void)
{
    return WSSEC_ARRAY_LEN(options);
}

const wssec_opt *wssec__opt_at(size_t i)
{
    return i < WSSEC_ARRAY_LEN(options) ? &options[i] : NULL;
}
