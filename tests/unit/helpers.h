/*
 * wssec unit tests — shared helpers: contexts from option pairs, a fixed
 * clock, message builders, UsernameToken digests, and error assertions.
 */
#ifndef WSSEC_TEST_HELPERS_H
#define WSSEC_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "private.h"
#include <wssec/wssec.h>

#define H_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* The fixed clock every helper context uses (the "now" option). */
#define H_NOW_TEXT "2025-06-01T12:00:00Z"
/* H_NOW_TEXT in milliseconds since the epoch. */
#define H_NOW ((wssec_time)1748779200000LL)
#define H_SEC ((wssec_time)1000)

#define H_NS_WSSE WSSEC_NS_WSSE
#define H_NS_WSU WSSEC_NS_WSU
#define H_UT_PROFILE \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
#define H_PW_TEXT H_UT_PROFILE "#PasswordText"
#define H_PW_DIGEST H_UT_PROFILE "#PasswordDigest"
#define H_ENC_B64 \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"

/* Flags for h_ctx_try(). */
#define H_NO_PWCB 1u /* no password callback */
#define H_NO_NOW 2u  /* no "now" option (system clock) */

/* The fixed user table: alice:alice-s3cret, bob:pw2. */
int h_password_cb(char *buf, size_t size, size_t *len, const char *user,
                  wssec_password_usage usage, void *userdata);
/* Number of times h_password_cb was called (any thread). */
extern volatile int h_password_calls;

/* Builds a context: wssec_config_new, the "now" option (unless H_NO_NOW),
 * the option pairs (NULL-terminated array {name, value, ..., NULL}), the
 * password callback (unless H_NO_PWCB), wssec_ctx_new. On failure returns
 * the code and copies the configuration's error message into errbuf. */
int h_ctx_try(wssec_ctx **out, unsigned flags, const char *const *pairs, char *errbuf,
              size_t errlen);
/* As h_ctx_try with flags 0, asserting success. Pairs as varargs, NULL-terminated. */
wssec_ctx *h_ctx(const char *name, ...);
/* As h_ctx, with flags. */
wssec_ctx *h_ctxf(unsigned flags, const char *name, ...);
/* As h_ctxf, the pairs from a va_list (for wrappers taking varargs). */
wssec_ctx *h_ctx_v(unsigned flags, const char *name, va_list ap);
/* As h_ctx, the pairs in a NULL-terminated array. */
wssec_ctx *h_ctx_pairs(const char *const *pairs);

/* Formats a time (millis 0 or 1) into a static-free caller buffer of >= 32 bytes. */
const char *h_time(char *buf, wssec_time t, int millis);

/* Parses xml on ctx; asserts success. */
wssec_msg *h_parse(const wssec_ctx *ctx, const char *xml);
/* Parses xml (len bytes) on ctx; returns the code; *out is the message either way. */
int h_parse_rc(const wssec_ctx *ctx, const char *data, size_t len, wssec_msg **out);

/* A SOAP 1.1 (soap 11) or 1.2 (soap 12) envelope whose Header holds one
 * wsse:Security (mustUnderstand) with the given content. The envelope
 * declares the wsse, wsu and soap prefixes. Free with free(). */
char *h_envelope(int soap, const char *fmt, ...) H_PRINTF(2, 3);
/* The same with the whole Header content given (NULL fmt: no Header). */
char *h_envelope_header(int soap, const char *fmt, ...) H_PRINTF(2, 3);
/* asprintf that asserts. */
char *h_strf(const char *fmt, ...) H_PRINTF(1, 2);

/* A wsu:Timestamp; expires < 0 omits Expires. */
char *h_timestamp(wssec_time created, wssec_time expires);

/* Base64 (EVP_EncodeBlock); free(). */
char *h_b64(const unsigned char *p, size_t n);
/* Base64(SHA-1(nonce + created + password)); free(). */
char *h_digest(const unsigned char *nonce, size_t nlen, const char *created, const char *pw);
/* A complete digest UsernameToken; nonce is raw bytes (NUL-terminated text). */
char *h_ut_digest(const char *user, const char *pw, const char *nonce, const char *created);
/* A PasswordText UsernameToken without Nonce or Created. */
char *h_ut_text(const char *user, const char *pw);

/* One inbound run: parse then verify. */
typedef struct h_run {
    wssec_msg *msg;
    wssec_result *res;
    int parse_rc;
    int rc;
} h_run;
/* Parses and (if the parse succeeded) verifies; returns the final code. */
int h_verify(h_run *r, const wssec_ctx *ctx, const char *xml);
/* Parses and (if the parse succeeded) inspects; returns the final code. */
int h_inspect(h_run *r, const wssec_ctx *ctx, const char *xml);
/* The error of the run: the result's when there is one, else the message's. */
const wssec_error *h_run_err(const h_run *r);
void h_run_free(h_run *r);
/* Verifies xml on ctx and asserts the outcome: code, and when code is not 0
 * the error as h_assert_error checks it (fault and needle NULL: skipped). */
void h_expect_at(const wssec_ctx *ctx, const char *xml, int code, const char *fault,
                 const char *needle, const char *file, int line);
#define h_expect(ctx, xml, code, fault, needle) \
    h_expect_at((ctx), (xml), (code), (fault), (needle), __FILE__, __LINE__)
/* Whether one of the result's warnings contains needle. */
int h_has_warning(const wssec_result *res, const char *needle);

/* Secures xml with actions (n of them; NULL/0: configuration's) for user;
 * asserts success and returns the serialized message (free()). */
char *h_secure(const wssec_ctx *ctx, const char *xml, const char *const *actions, size_t n,
               const char *user);
/* As h_secure, for a parsed message, which it frees. */
char *h_secure_msg(wssec_msg *msg, const char *const *actions, size_t n, const char *user);
/* wssec_secure of msg with actions fails with code, its error containing needle. */
void h_secure_refused(wssec_msg *msg, const char *const *actions, size_t n, int code,
                      const char *needle);
/* The plain SOAP 1.1 envelope (h_envelope_header(11, NULL)) secured by ctx
 * with a Timestamp and a signature; free(). */
char *h_sign_envelope(const wssec_ctx *ctx);

/* Asserts an error record: exact code, exact fault (NULL: skip), and that
 * the message contains substr (NULL: skip). */
void h_assert_error_at(const wssec_error *e, int code, const char *fault, const char *substr,
                       const char *file, int line);
#define h_assert_error(e, code, fault, substr) \
    h_assert_error_at((e), (code), (fault), (substr), __FILE__, __LINE__)
/* Asserts that hay contains needle. */
void h_assert_contains_at(const char *hay, const char *needle, const char *file, int line);
#define h_assert_contains(hay, needle) h_assert_contains_at((hay), (needle), __FILE__, __LINE__)

/* ---- a replay cache that records what is written to it ---- */

#define H_RECORDER_MAX 64
/* An exact insert-if-absent set of up to H_RECORDER_MAX keys, counting every
 * insert; wssec_replay_cache_new(&c, &h_recorder_ops, &recorder). */
typedef struct h_recorder {
    int inserts;   /* calls of insert, whatever they answered */
    int replays;   /* of which WSSEC_EREPLAY */
    int destroyed; /* calls of destroy */
    size_t n;
    unsigned char keys[H_RECORDER_MAX][WSSEC_REPLAY_KEY_LEN];
} h_recorder;
extern const wssec_replay_ops h_recorder_ops;
/* A context built as h_ctx builds one, with the recorder as its replay cache. */
wssec_ctx *h_ctx_recorded(h_recorder *rec, const char *name, ...);

/* ---- signed and encrypted messages, and DOM surgery on them ---- */

/* The test PKI (samples/pki). */
#define H_PKI WSSEC_SOURCE_DIR "/samples/pki/"

/* A context that signs with a test PKI leaf ("alice"), plus option pairs
 * (NULL-terminated); asserts success. */
wssec_ctx *h_signer(const char *who, const char *name, ...);
/* A receiving context trusting the test root and knowing the intermediate,
 * plus option pairs (NULL-terminated); asserts success. */
wssec_ctx *h_receiver(const char *name, ...);

/* The first node an XPath selects (prefixes soap (1.1), wsse, wsse11, wsu, ds,
 * xenc, m = urn:example:bank); asserts there is one. */
xmlNodePtr h_xp(xmlDocPtr doc, const char *expr);

typedef void (*h_surgery)(xmlDocPtr doc);
/* Parses xml, applies fn, (reconcile: repairs namespace declarations of moved
 * nodes) and serializes; free(). */
char *h_operate(const char *xml, h_surgery fn, int reconcile);

/* Surgery for h_operate callbacks. An element of namespace ns (declared on
 * it with prefix), not linked anywhere yet. */
xmlNodePtr h_elem(xmlDocPtr doc, const char *ns, const char *prefix, const char *name);
/* An attacker's element w:name (urn:attacker) appended to parent, with node
 * (unlinked from where it was, if anywhere) as its child; returns it. */
xmlNodePtr h_wrap(xmlNodePtr parent, const char *name, xmlNodePtr node);
/* Unlinks and frees n. */
void h_remove(xmlNodePtr n);
/* Moves the node at XPath what to the node at where: as its last child
 * (H_INTO), or as its sibling just before (H_BEFORE) or after (H_AFTER). */
typedef enum h_place { H_INTO, H_BEFORE, H_AFTER } h_place;
void h_move(xmlDocPtr doc, const char *what, const char *where, h_place how);
/* Replaces the element at xpath by its first child element (e.g. a
 * SecurityTokenReference by the ds:X509Data it holds). */
void h_unwrap(xmlDocPtr doc, const char *xpath);
/* Sets n's content to the base64 of p. */
void h_set_b64(xmlNodePtr n, const unsigned char *p, size_t len);
/* The DER of the certificate in a PEM file; *len its length; OPENSSL_free(). */
unsigned char *h_cert_der(const char *pem_path, size_t *len);

/* Re-signing a signed message, as a peer that signs differently would. C14N
 * (mode XML_C14N_1_0 or XML_C14N_EXCLUSIVE_1_0, with prefixes when
 * exclusive) of top's subtree; xmlFree(). */
xmlChar *h_c14n(xmlDocPtr doc, xmlNodePtr top, int mode, xmlChar **prefixes, int *len);
/* Every ds:Reference: edit (may be NULL) applied to it, then its
 * DigestValue set to the SHA-256 of the element its URI names (by wsu:Id,
 * exactly one) canonicalized with mode (no prefixes). */
void h_redigest(xmlDocPtr doc, int mode, void (*edit)(xmlNodePtr ref));
/* The SignatureValue set to an RSA/ECDSA-SHA-256 signature with the PEM key
 * at key_path over the SignedInfo canonicalized with mode and prefixes. */
void h_resign(xmlDocPtr doc, const char *key_path, int mode, xmlChar **prefixes);

/* Encodes ASCII text as UTF-16LE with a BOM; free(). */
char *h_utf16le(const char *ascii, size_t *len);

/* Writes text to a fresh temporary file under /tmp; returns its path (free(),
 * and unlink it). */
char *h_tempfile(const char *text);
/* Skips the calling test, printing "NOT RUN: PATH is absent", unless path
 * exists (data read in place beside the checkout, such as ../shared). */
void h_require_file(const char *path);

#endif /* WSSEC_TEST_HELPERS_H */
