/*
 * wssec — the per-message record: the message being processed, the tokens
 * found in it and the result an inbound pass builds (record.c).
 */
#ifndef WSSEC_SRC_RECORD_H
#define WSSEC_SRC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>
#include <libxml/tree.h>

#include "wssec/message.h"
#include "wssec/process.h"
#include "error.h"
#include "util.h"

typedef struct wssec_trust wssec_trust;

/* The one message of every decryption failure (no oracle). */
#define WSSEC_DECRYPT_FAILED "decryption failed"

/* The token type of the TLS client certificate that authenticated the
 * transport (wssec_msg_set_transport_cert). */
#define WSSEC_TRANSPORT_TOKEN_TYPE "transport-token"


struct wssec_token {
    char *type;
    xmlNodePtr node;
    char *identity;
    int status;
    wssec_errrec *err;     /* the token's error, or NULL while it has none */
    char **names;
    char **values;
    size_t nprops;
    X509 *cert;            /* X.509 tokens: the end-entity certificate */
    STACK_OF(X509) *chain; /* the other certificates the token carried */
    STACK_OF(X509_CRL) *crls; /* CRLs the token carried (PKCS7) */
    const wssec_token *signer_token; /* signatures: the token that held the key */
    X509 *signer_cert;               /* signatures: the certificate whose key verified it */
    /* signatures, for replay detection: SHA-256 over the SHA-256 of the
     * signer's public key (one encoding per key) and the canonical SignedInfo (what the
     * key fixes, whatever the encoding of the SignatureValue or the
     * certificate that carried the key), and when the signer's certificate
     * expires (the horizon of a signature without a signed Timestamp) */
    unsigned char replay_key[32];
    bool has_replay_key;
    wssec_time signer_not_after;
    /* Timestamps: Created and Expires (has_times: bit 1 Created, bit 2 Expires) */
    wssec_time created, expires;
    int has_times;
    /* asserted identities: who (NULL: none) and how (a wssec_asserted_kind) */
    char *asserted;
    int asserted_kind;
    /* UsernameTokens: the Nonce, decoded (NULL: none) */
    unsigned char *nonce;
    size_t nonce_len;
    /* signatures: the verified SignatureValue */
    unsigned char *sigvalue;
    size_t sigvalue_len;
    /* EncryptedKeys used as key tokens: the session key (zeroed when freed;
     * never a property, never in a report) */
    unsigned char *secret;
    size_t secret_len;
};

/* One decrypted part: the element that came out of an EncryptedData, or
 * (content) the element whose content did; for content, first..last are
 * the nodes decryption inserted there (what counts as decrypted: never
 * cleartext placed beside the EncryptedData). */
typedef struct wssec_plain {
    xmlNodePtr node;
    bool content;
    xmlNodePtr first, last;
} wssec_plain;

/* One verified signature reference: the node it covered. */
typedef struct wssec_ref {
    xmlNodePtr node;
    char *uri;
    const char *digest; /* algorithm name, static */
    const wssec_token *signature;
    bool whole; /* the whole subtree is covered (no XPath/XSLT transform) */
} wssec_ref;

struct wssec_result {
    wssec_errrec err;
    wssec_token **tokens;
    size_t ntokens;
    const wssec_token *caller;
    wssec_ref *refs;
    size_t nrefs;
    wssec_strlist warnings;
    wssec_plain *plains;
    size_t nplains;
    const wssec_token *asserted_by; /* identity assertion: the upstream's token */
    int assertion_proof;            /* a wssec_upstream_proof */
};

struct wssec_msg {
    const wssec_ctx *ctx;
    xmlDocPtr doc;
    int soap;
    const char *soap_ns;
    xmlNodePtr envelope, header, body, security;
    bool had_xmldecl;
    wssec_errrec err;
    wssec_result *res; /* being built by verify/inspect */
    wssec_time now;
    bool inspecting;
    bool failed;          /* an error was recorded for the current step */
    const char *username; /* outbound: the user of a UsernameToken */
    wssec_trust *trust;   /* the snapshot this message is checked against */
    bool cert_cache_hit;  /* the last trust check was answered by the cache */
    STACK_OF(X509) *candidates; /* while resolving a key reference */
    /* OCSP (ocsp.c): between wssec__ocsp_arm and _disarm, the validated
     * chain whose revocation checks wait for the signature, and its role */
    bool ocsp_armed;
    STACK_OF(X509) *ocsp_chain;
    char ocsp_role[32];
    /* inbound: tokens consumed ahead of the walk (forward references) */
    int (*consume_ahead)(wssec_msg *msg, xmlNodePtr elem);
    xmlNodePtr ahead[8];
    size_t nahead;
    /* inbound decryption, carried out between walks of the header (see
     * pipeline.c): the queued jobs, the EncryptedData they claim, whether a
     * verified signature covered ciphertext (then only covered ciphertext is
     * decrypted), whether ciphertext no signature covered was decrypted in an
     * unauthenticated mode (then every later rejection reads the same) */
    struct wssec_deferred *jobs;
    size_t njobs, jobs_cap;
    xmlNodePtr *claimed;
    size_t nclaimed, claimed_cap;
    bool signed_ciphertext;
    bool oracle_risk;
    bool decrypted;        /* something was decrypted in this message */
    bool retry;            /* the current consumer asks to run again after decryption */
    bool plaintext_refused; /* verify failed after decrypting: never serialized */
    size_t c14n_bytes; /* canonicalized so far for signatures (max-c14n-bytes) */
    /* outbound identity assertion (borrowed, during wssec_secure) and the
     * Security header strip-security took out (freed when it ends) */
    const char *assert_user, *assert_dn;
    xmlNodePtr stripped;
    /* SignatureConfirmation (confirm.c): the SignatureValues this response
     * confirms (wssec_msg_confirm_signatures) and those of the request this
     * response answers (wssec_msg_expect_confirmations); NULL: not set */
    struct wssec_sigvals *confirm, *expect;
    /* the symmetric binding (symkey.c): the session key this message made
     * (outbound) or was accepted with (inbound), and the one another message
     * gave it (wssec_msg_use_session_key: a request's, to answer with or to
     * read the response with); both owned, wiped when freed */
    struct wssec_session_key *session, *use_session;
    /* outbound encryption's recipient for this message (wssec_msg_set_recipient;
     * owned; NULL: the context's encrypt-cert) */
    X509 *recipient;
    /* inbound: the TLS client certificate and the chain it sent
     * (wssec_msg_set_transport_cert; owned; NULL: none) */
    X509 *transport_cert;
    STACK_OF(X509) * transport_chain;
    /* the modules' per-message states (wssec_msg_set_state) */
    struct wssec_modstate {
        const wssec_module *module;
        void *state;
    } *states;
    size_t nstates;
};

int wssec__result_new(wssec_result **out);
/* Sets a token's error: a copy of from when it holds one, else the
 * description of code; the record's code is code either way.
 * 0 or WSSEC_ENOMEM. */
int wssec__token_fail(wssec_token *t, int code, const wssec_errrec *from);
/* wssec_token_set_cert with the certificate's description already made
 * (a pooled one, x509.h): the strings are copied. */
struct wssec_certdesc;
int wssec__token_set_cert_desc(wssec_token *t, X509 *leaf, STACK_OF(X509) *others,
                               const struct wssec_certdesc *d);
/* Adds a warning once (the same text twice is kept once). */
int wssec__result_warn(wssec_result *r, const char *text);
int wssec__result_add_ref(wssec_result *r, xmlNodePtr node, const char *uri, const char *digest,
                          const wssec_token *signature, bool whole);
int wssec__result_add_plain(wssec_result *r, xmlNodePtr node, bool content, xmlNodePtr first,
                            xmlNodePtr last);
/* Before old (and its subtree) leaves the document: every record that names
 * old is re-pointed to the elements first..last that replace it (a signed
 * EncryptedData's plaintext counts as signed), and every record that names a
 * node inside old is dropped (tokens: re-pointed to the first element), so
 * that nothing in the result points at freed memory. */
int wssec__result_replace(wssec_result *r, xmlNodePtr old, xmlNodePtr first, xmlNodePtr last);
/* Forgets what a rejected message proved: caller, coverage, decrypted parts,
 * token identities (a rejection is final). */
void wssec__result_reject(wssec_result *r);
/* 1 when node is, or lies inside, a decrypted part. */
int wssec__result_decrypted(const wssec_result *r, xmlNodePtr node);
/* 1 when node is, or lies inside, a node a verified reference covered whole. */
int wssec__result_covers(const wssec_result *r, xmlNodePtr node);
/* The verified X.509 signature that endorses signature sig (a reference of
 * it covered sig's own element whole), or NULL. */
const wssec_token *wssec__result_endorser(const wssec_result *r, const wssec_token *sig);
/* The token whose element carries wsu:Id (or Id) id, or NULL. */
wssec_token *wssec__token_by_id(const wssec_msg *msg, const char *id);
/* A decryption that a consumer found during the walk of the header and
 * that the pipeline carries out after it: first every queued job's check
 * (with every signature that could be verified before any decryption known,
 * whatever the order of the header's blocks), then every job's run. */
typedef struct wssec_deferred {
    wssec_token *token;
    int (*check)(wssec_msg *msg, void *job);
    int (*run)(wssec_msg *msg, void *job);
    void (*free)(void *job);
    void *job;
} wssec_deferred;
/* Frees the queued jobs (each with its free). */
void wssec__msg_free_jobs(wssec_msg *msg);
/* Forgets the tokens recorded for elem: an attempt to be repeated leaves
 * no trace. */
void wssec__result_forget(wssec_result *r, xmlNodePtr elem);
/* Frees the message's inbound state (jobs, claims). */
void wssec__msg_clear_inbound(wssec_msg *msg);

#endif /* WSSEC_SRC_RECORD_H */
