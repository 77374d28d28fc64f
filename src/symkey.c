/*
 * wssec — symmetric keys: the EncryptedKey that a ds:KeyInfo names as the
 * key of an HMAC signature or of an EncryptedData (WSS 1.1 §7.3, the
 * symmetric binding of WS-SecurityPolicy).
 *
 * A DerivedKeyToken (tokens/derivedkey.c) derived from such an EncryptedKey
 * is a key token too: its secret is the derived key; and so is a
 * SecurityContextToken the application's resolver answered for
 * (tokens/sct.c), named by its Id or by its Identifier.
 *
 * Only an EncryptedKey of this message, processed before what uses it and
 * unwrapped with our key (encryption.c: one without a ReferenceList), is a
 * key token. A KeyInfo that names anything else is refused, whatever it
 * holds: a certificate's bytes are public, so a key taken from an X.509
 * token would let anyone make an HMAC we accept (key confusion).
 *
 * Outbound (the symmetric option): the session key of a message, made by the
 * first action that needs it, as an EncryptedKey key token for the
 * recipient; each use names it, or a DerivedKeyToken derived from it
 * (derived-keys), in its KeyInfo. The EncryptedKey writer and P_SHA-1 are
 * here, shared by the encryption and derived-key modules.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "symkey.h"
#include "keyref.h"
#include "record.h"
#include "settings.h"
#include "util.h"
#include "x509.h"

#define ENCRYPTED_KEY_TYPE "encrypted-key"
#define DERIVED_KEY_TYPE "derived-key"
#define SCT_TYPE "security-context-token"

const char *wssec__symkey_kind(const wssec_token *t)
{
    const char *type = wssec_token_type(t);
    return strcmp(type, DERIVED_KEY_TYPE) == 0 ? "DerivedKeyToken"
           : strcmp(type, SCT_TYPE) == 0       ? "SecurityContextToken"
                                               : "EncryptedKey";
}

static bool ends_with(const char *s, const char *end)
{
    size_t sl = s ? strlen(s) : 0, el = strlen(end);
    return sl >= el && strcmp(s + sl - el, end) == 0;
}

#define SESSION_KEY_TYPE "session-key"

/* A session key kept inside the library (wssec_session_key). */
struct wssec_session_key {
    unsigned char key[64];
    size_t len;
    char sha1[32]; /* the EncryptedKeySHA1 of the EncryptedKey that carried it */
};

static xmlNodePtr only_child(xmlNodePtr e)
{
    xmlNodePtr c = wssec_xml_first_elem(e);
    return c && !wssec_xml_next_elem(c) ? c : NULL;
}

int wssec__symkey_sha1(wssec_msg *msg, xmlNodePtr ek, char *out, size_t size)
{
    xmlNodePtr cv = NULL;
    for (xmlNodePtr c = wssec_xml_first_elem(ek); c && !cv; c = wssec_xml_next_elem(c))
        if (wssec_xml_is(c, WSSEC_NS_XENC, "CipherData")) cv = only_child(c);
    unsigned char *octets = NULL, md[SHA_DIGEST_LENGTH];
    size_t len = 0;
    if (!cv || !wssec_xml_is(cv, WSSEC_NS_XENC, "CipherValue") ||
        wssec_msg_b64_elem(&octets, &len, msg, cv))
        return WSSEC_EINVALID;
    SHA1(octets, len, md);
    wssec_free(octets);
    char *b64 = wssec_b64_encode(md, sizeof(md));
    if (!b64) return WSSEC_ENOMEM;
    int rc = strlen(b64) < size ? 0 : WSSEC_EINVALID;
    if (!rc) snprintf(out, size, "%s", b64);
    xmlFree(b64);
    return rc;
}

/* The session key of a request we sent (wssec_msg_use_session_key), as a
 * key token of this message: made once, at the first KeyIdentifier that
 * names it (ki, its element). It proves no more than an EncryptedKey of the
 * message would. */
static int session_token(wssec_msg *msg, xmlNodePtr ki, const wssec_token **out)
{
    for (size_t i = 0; i < wssec_msg_token_count(msg); i++) {
        const wssec_token *t = wssec_msg_token(msg, i);
        if (strcmp(wssec_token_type(t), SESSION_KEY_TYPE) == 0) {
            *out = t;
            return 0;
        }
    }
    wssec_token *t = wssec_msg_add_token(msg, SESSION_KEY_TYPE, ki);
    if (!t || wssec_token_set_secret(t, msg->use_session->key, msg->use_session->len) ||
        wssec_token_set(t, "key-token", "session key of a request we sent (EncryptedKeySHA1)") ||
        wssec_token_set(t, "encrypted-key-sha1", msg->use_session->sha1))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, ki, "out of memory");
    *out = t;
    return 0;
}

/* The key token with the EncryptedKeySHA1 sha1 (base64, as sent). */
static int by_sha1(wssec_msg *msg, xmlNodePtr ki, const char *what, const char *sha1,
                   const wssec_token **out)
{
    for (size_t i = 0; i < wssec_msg_token_count(msg); i++) {
        const wssec_token *t = wssec_msg_token(msg, i);
        const unsigned char *key = NULL;
        char mine[64];
        if (strcmp(wssec_token_type(t), ENCRYPTED_KEY_TYPE) != 0 || !wssec_token_secret(&key, t))
            continue;
        int rc = wssec__symkey_sha1(msg, wssec_token_node(t), mine, sizeof(mine));
        if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, ki, "out of memory");
        if (rc == 0 && strcmp(mine, sha1) == 0) {
            *out = t;
            return 0;
        }
    }
    if (msg->use_session && strcmp(msg->use_session->sha1, sha1) == 0)
        return session_token(msg, ki, out);
    return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, ki,
                          "%s: KeyIdentifier EncryptedKeySHA1 '%.60s' names no EncryptedKey key "
                          "token of this message, nor the session key of a request we sent "
                          "(wssec_msg_use_session_key, --session-key)",
                          what, sha1);
}

/* Is t a key token a Reference may name: an EncryptedKey, a
 * SecurityContextToken, or (derived) a DerivedKeyToken, with a ValueType
 * (when given) that says the same? */
static bool key_kind(const wssec_token *t, const char *vt, bool derived)
{
    if (strcmp(wssec_token_type(t), ENCRYPTED_KEY_TYPE) == 0)
        return !vt || ends_with(vt, "#EncryptedKey");
    if (strcmp(wssec_token_type(t), SCT_TYPE) == 0) return !vt || ends_with(vt, "/sct");
    if (derived && strcmp(wssec_token_type(t), DERIVED_KEY_TYPE) == 0)
        return !vt || ends_with(vt, "/dk");
    return false;
}

/* The SecurityContextToken of this message whose wsc:Identifier is uri
 * (WCF and CXF name a context by its Identifier, ValueType .../sct). */
static int by_identifier(wssec_msg *msg, xmlNodePtr ref, const char *what, const char *uri,
                         const wssec_token **out)
{
    for (size_t i = 0; i < wssec_msg_token_count(msg); i++) {
        const wssec_token *t = wssec_msg_token(msg, i);
        const unsigned char *key = NULL;
        if (strcmp(wssec_token_type(t), SCT_TYPE) != 0 || !wssec_token_secret(&key, t)) continue;
        xmlNodePtr sct = wssec_token_node(t);
        for (xmlNodePtr c = wssec_xml_first_elem(sct); c; c = wssec_xml_next_elem(c)) {
            if (!c->ns || !xmlStrEqual(c->ns->href, sct->ns->href) ||
                !xmlStrEqual(c->name, BAD_CAST "Identifier"))
                continue;
            char *id = wssec_xml_text(c);
            if (!id) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, ref, "out of memory");
            bool same = strcmp(id, uri) == 0; /* wssec_xml_text trims */
            xmlFree(id);
            if (same) {
                *out = t;
                return 0;
            }
        }
    }
    return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, ref,
                          "%s: Reference %.200s names no SecurityContextToken of this message "
                          "(a context is used only when its token precedes, in the Security "
                          "header, what uses its key)",
                          what, uri);
}

/* The token a Reference URI="#id" names: an EncryptedKey key token, or
 * (derived) a DerivedKeyToken. */
static int by_reference(wssec_msg *msg, xmlNodePtr ref, const char *what, bool derived,
                        const wssec_token **out)
{
    const char *uri = wssec_xml_attr(ref, "URI");
    const char *vt = wssec_xml_attr(ref, "ValueType");
    if (uri && uri[0] && uri[0] != '#' && ends_with(vt, "/sct"))
        return by_identifier(msg, ref, what, uri, out);
    if (!uri || uri[0] != '#' || !uri[1])
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, ref,
                              "%s: Reference URI '%.120s' is refused: only #id in this message",
                              what, uri ? uri : "(none)");
    const wssec_token *t = wssec_msg_token_by_id(msg, uri + 1);
    const unsigned char *key = NULL;
    if (!t)
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, ref,
                              "%s: Reference %s names no token processed before it (an "
                              "EncryptedKey, SecurityContextToken%s precedes, in the Security "
                              "header, what uses its key)",
                              what, uri, derived ? " or DerivedKeyToken" : "");
    if (!key_kind(t, vt, derived))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, ref,
                              "%s: Reference %s names a %s token (ValueType %.100s), not an "
                              "EncryptedKey or SecurityContextToken%s: a symmetric key comes only "
                              "from those (a certificate's bytes are public: never a key)",
                              what, uri, wssec_token_type(t), vt ? vt : "none",
                              derived ? " or a DerivedKeyToken" : "");
    if (!wssec_token_secret(&key, t))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, ref,
                              "%s: %s %s is no key token (it carries its own "
                              "ReferenceList, or was not unwrapped)",
                              what, wssec__symkey_kind(t), uri);
    *out = t;
    return 0;
}

/* The key token one wsse:SecurityTokenReference names. */
static int by_str(wssec_msg *msg, xmlNodePtr str, xmlNodePtr at, const char *what, bool derived,
                  const wssec_token **out)
{
    xmlNodePtr c =
        str && wssec_xml_is(str, WSSEC_NS_WSSE, "SecurityTokenReference") ? only_child(str) : NULL;
    *out = NULL;
    if (c && wssec_xml_is(c, WSSEC_NS_WSSE, "Reference"))
        return by_reference(msg, c, what, derived, out);
    const char *vt = c ? wssec_xml_attr(c, "ValueType") : NULL;
    if (c && wssec_xml_is(c, WSSEC_NS_WSSE, "KeyIdentifier") && vt &&
        strcmp(vt, WSSEC_VT_ENCRYPTED_KEY_SHA1) == 0) {
        char *sha1 = wssec_xml_text(c);
        if (!sha1) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, c, "out of memory");
        int rc = by_sha1(msg, c, what, sha1, out);
        xmlFree(sha1);
        return rc;
    }
    return wssec_msg_fail(msg, c ? WSSEC_ETOKEN : WSSEC_EUNAVAILABLE, NULL, at,
                          "%s: its %s must hold one wsse:SecurityTokenReference naming an "
                          "EncryptedKey (a Reference to its Id, or a KeyIdentifier of type "
                          "EncryptedKeySHA1), a SecurityContextToken (a Reference to its Id or "
                          "Identifier)%s%s",
                          what, derived ? "KeyInfo" : "DerivedKeyToken",
                          derived ? " or a DerivedKeyToken (a Reference to its Id)" : "",
                          c ? "; it names the key another way" : "");
}

int wssec__symkey_base(wssec_msg *msg, xmlNodePtr str, const char *what, const wssec_token **out)
{
    return by_str(msg, str, str, what, false, out);
}

int wssec__symkey_resolve(wssec_msg *msg, xmlNodePtr key_info, const char *what,
                          const wssec_token **out)
{
    return by_str(msg, key_info ? only_child(key_info) : NULL, key_info, what, true, out);
}

/* ===================================================================== */
/* P_SHA-1 (WS-SecureConversation key derivation)                         */
/* ===================================================================== */

int wssec__p_sha1(const unsigned char *secret, size_t slen, const unsigned char *seed,
                  size_t seedlen, size_t offset, unsigned char *out, size_t len)
{
    unsigned char a[SHA_DIGEST_LENGTH], next[SHA_DIGEST_LENGTH], block[SHA_DIGEST_LENGTH];
    unsigned char *buf = wssec__malloc(SHA_DIGEST_LENGTH + seedlen);
    unsigned int n = 0;
    int rc = 0;
    if (!buf) return WSSEC_ENOMEM;
    memcpy(buf + SHA_DIGEST_LENGTH, seed, seedlen);
    /* A(1) = HMAC(secret, seed); block i = HMAC(secret, A(i) || seed) */
    if (!HMAC(EVP_sha1(), secret, (int)slen, seed, seedlen, a, &n)) rc = WSSEC_EINVALID;
    for (size_t pos = 0; !rc && pos < offset + len;) {
        memcpy(buf, a, SHA_DIGEST_LENGTH);
        if (!HMAC(EVP_sha1(), secret, (int)slen, buf, SHA_DIGEST_LENGTH + seedlen, block, &n) ||
            !HMAC(EVP_sha1(), secret, (int)slen, a, SHA_DIGEST_LENGTH, next, &n)) {
            rc = WSSEC_EINVALID;
            break;
        }
        for (size_t k = 0; k < SHA_DIGEST_LENGTH && pos < offset + len; k++, pos++)
            if (pos >= offset) out[pos - offset] = block[k];
        memcpy(a, next, SHA_DIGEST_LENGTH);
    }
    wssec__memzero(a, sizeof(a));
    wssec__memzero(next, sizeof(next));
    wssec__memzero(block, sizeof(block));
    wssec__memzero(buf, SHA_DIGEST_LENGTH + seedlen);
    wssec__free(buf);
    return rc;
}

/* ===================================================================== */
/* outbound: the EncryptedKey                                             */
/* ===================================================================== */

int wssec__key_wrap_read(wssec_msg *msg, wssec_key_wrap *w)
{
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    memset(w, 0, sizeof(*w));
    if (wssec_ctx_get_choice(&w->ktn, NULL, ctx, "key-transport") ||
        wssec_ctx_get_choice(&w->key_id, NULL, ctx, "enc-key-id") ||
        wssec_ctx_get_string(&w->psk_name, ctx, "psk-name"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "encrypt: settings unreadable");
    w->kt = &wssec__kt_algs[w->ktn];
    w->kw = w->ktn == WSSEC_KT_KW_AES128 || w->ktn == WSSEC_KT_KW_AES256;
    w->recipient = msg->recipient ? msg->recipient : wssec_ctx_recipient_cert(ctx);
    if (wssec_ctx_psk(&w->psk, &w->psk_len, ctx)) w->psk_len = 0;
    if (w->kw && w->psk_len != (size_t)w->kt->key_type)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "encrypt: %s needs a pre-shared key of %d bytes (--psk-file)",
                              w->kt->name, w->kt->key_type);
    if (!w->kw && !w->recipient)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "encrypt: no recipient certificate (--encrypt-cert)");
    return 0;
}

int wssec_msg_set_recipient(wssec_msg *msg, X509 *cert)
{
    WSSEC_ARG(msg);
    if (cert) {
        EVP_PKEY *pk = X509_get0_pubkey(cert);
        if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
            char who[300];
            wssec__cert_describe(cert, who, sizeof(who));
            return wssec_msg_fail(msg, WSSEC_EINVALID, NULL, NULL,
                                  "recipient %s: the recipient needs an RSA key", who);
        }
        if (!X509_up_ref(cert)) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    }
    X509_free(msg->recipient);
    msg->recipient = cert;
    return 0;
}

static int rsa_wrap(EVP_PKEY *pk, int kt, const unsigned char *key, size_t len, unsigned char *out,
                    size_t *outlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
    int ok = c && EVP_PKEY_encrypt_init(c) > 0;
    if (ok && kt == WSSEC_KT_RSA_OAEP)
        ok = EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha1()) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha1()) > 0;
    else if (ok) ok = EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0;
    ok = ok && EVP_PKEY_encrypt(c, out, outlen, key, len) > 0;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return ok ? 0 : WSSEC_EINTERNAL;
}

static int aes_wrap(const unsigned char *kek, size_t keklen, const unsigned char *key, size_t len,
                    unsigned char *out, size_t *outlen)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n = 0, f = 0, ok = 0;
    if (x) {
        EVP_CIPHER_CTX_set_flags(x, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
        ok = EVP_EncryptInit_ex(x, keklen == 16 ? EVP_aes_128_wrap() : EVP_aes_256_wrap(), NULL,
                                kek, NULL) == 1 &&
             EVP_EncryptUpdate(x, out, &n, key, (int)len) == 1 &&
             EVP_EncryptFinal_ex(x, out + n, &f) == 1;
    }
    EVP_CIPHER_CTX_free(x);
    *outlen = (size_t)(n + f);
    return ok ? 0 : WSSEC_EINTERNAL;
}

/* The recipient's certificate as a BinarySecurityToken (the shared
 * writer's, recorded as no token), moved to just before the EncryptedKey
 * (enc-key-id bst). 0, or the code of the error recorded on msg. */
static int recipient_bst(xmlNodePtr *out, wssec_msg *msg, xmlNodePtr ek, X509 *cert)
{
    WSSEC_GUARD(wssec__bst_write(out, NULL, msg, "encrypted-key", cert, NULL, WSSEC_BST_X509V3));
    if (!xmlAddPrevSibling(ek, *out))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return 0;
}

/* The EncryptedKey's KeyInfo: the pre-shared key's KeyName, or a
 * SecurityTokenReference to the recipient's certificate (after a
 * BinarySecurityToken holding it, for enc-key-id bst). */
static int ek_key_info_write(wssec_msg *msg, const wssec_key_wrap *w, xmlNodePtr ek)
{
    xmlNodePtr ki = wssec_msg_add_elem(msg, ek, WSSEC_NS_DS, "ds", "KeyInfo", NULL);
    if (!ki) return WSSEC_ENOMEM;
    if (w->kw)
        return wssec_msg_add_elem(msg, ki, WSSEC_NS_DS, "ds", "KeyName",
                                  w->psk_name ? w->psk_name : "psk")
                   ? 0
                   : WSSEC_ENOMEM;
    xmlNodePtr bst = NULL;
    if (w->key_id == WSSEC_KEYID_BST) WSSEC_GUARD(recipient_bst(&bst, msg, ek, w->recipient));
    return wssec__str_write(msg, ki, w->recipient, w->key_id, bst, WSSEC_BST_X509V3);
}

/* Id, EncryptionMethod, KeyInfo and the wrapped key (b64). */
static int ek_write(wssec_msg *msg, const wssec_key_wrap *w, xmlNodePtr ek, const char *b64)
{
    char ekid[40];
    if (wssec__random_id(ekid, sizeof(ekid), "EK", 8))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "no random");
    xmlNodePtr em = wssec_msg_add_elem(msg, ek, WSSEC_NS_XENC, "xenc", "EncryptionMethod", NULL);
    xmlAttrPtr ida = xmlSetProp(ek, BAD_CAST "Id", BAD_CAST ekid);
    if (!em || !ida || !b64 || !xmlSetProp(em, BAD_CAST "Algorithm", BAD_CAST w->kt->uri))
        return WSSEC_ENOMEM;
    if (w->ktn == WSSEC_KT_RSA_OAEP) {
        xmlNodePtr dm = wssec_msg_add_elem(msg, em, WSSEC_NS_DS, "ds", "DigestMethod", NULL);
        if (!dm || !xmlSetProp(dm, BAD_CAST "Algorithm",
                               BAD_CAST "http://www.w3.org/2000/09/xmldsig#sha1"))
            return WSSEC_ENOMEM;
    }
    WSSEC_GUARD(ek_key_info_write(msg, w, ek));
    xmlNodePtr cd = wssec_msg_add_elem(msg, ek, WSSEC_NS_XENC, "xenc", "CipherData", NULL);
    if (!cd || !wssec_msg_add_elem(msg, cd, WSSEC_NS_XENC, "xenc", "CipherValue", b64))
        return WSSEC_ENOMEM;
    return xmlAddID(NULL, wssec_msg_doc(msg), BAD_CAST ekid, ida) ? 0 : WSSEC_ENOMEM;
}

int wssec__ek_fill(wssec_msg *msg, const wssec_key_wrap *w, xmlNodePtr ek, const unsigned char *key,
                   size_t keylen)
{
    unsigned char wrapped[1024];
    size_t wlen = sizeof(wrapped);
    int rc = w->kw ? aes_wrap(w->psk, w->psk_len, key, keylen, wrapped, &wlen)
                   : rsa_wrap(X509_get0_pubkey(w->recipient), w->ktn, key, keylen, wrapped, &wlen);
    if (rc)
        return wssec_msg_fail(msg, rc, NULL, NULL, "wrapping the key with %s failed", w->kt->name);
    char *b64 = wssec_b64_encode(wrapped, wlen);
    rc = ek_write(msg, w, ek, b64);
    xmlFree(b64);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, NULL, "out of memory");
    return rc;
}

/* ===================================================================== */
/* outbound: the symmetric binding                                        */
/* ===================================================================== */

/* The session key token already made for this message, or NULL. */
static const wssec_token *made_session(const wssec_msg *msg)
{
    const unsigned char *key = NULL;
    for (size_t i = 0; i < wssec_msg_token_count(msg); i++) {
        const wssec_token *t = wssec_msg_token(msg, i);
        if (strcmp(wssec_token_type(t), ENCRYPTED_KEY_TYPE) == 0 && wssec_token_secret(&key, t))
            return t;
    }
    return NULL;
}

/* The session key's length: the data encryption algorithm's key size
 * (AES-256 by default), so that it encrypts the parts as it is. */
static int session_key_len(wssec_msg *msg, size_t *len)
{
    int alg = 0;
    if (wssec_ctx_get_choice(&alg, NULL, wssec_msg_ctx(msg), "enc-alg"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "symmetric: settings unreadable");
    if (alg == WSSEC_ENC_3DES)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "symmetric: enc-alg tripledes-cbc is not offered with a session key "
                              "(use an AES enc-alg)");
    *len = (size_t)wssec__enc_algs[alg].key_type;
    return 0;
}

/* Keeps what the message carries: key and the EncryptedKeySHA1 of ek. */
static int keep_session(wssec_msg *msg, xmlNodePtr ek, const unsigned char *key, size_t len)
{
    wssec_session_key *k = wssec__calloc(1, sizeof(*k));
    if (!k) return WSSEC_ENOMEM;
    int rc = len <= sizeof(k->key) ? wssec__symkey_sha1(msg, ek, k->sha1, sizeof(k->sha1))
                                   : WSSEC_EINVALID;
    if (rc) {
        wssec__free(k);
        return rc;
    }
    memcpy(k->key, key, len);
    k->len = len;
    wssec_session_key_free(msg->session);
    msg->session = k;
    return 0;
}

/* A new EncryptedKey key token carrying a fresh session key, appended to
 * our Security header. */
static int make_session(wssec_msg *msg, const wssec_token **out)
{
    wssec_key_wrap w;
    size_t len = 0;
    WSSEC_GUARD(wssec__key_wrap_read(msg, &w));
    if (w.ktn == WSSEC_KT_RSA15)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "symmetric: key-transport rsa-1_5 cannot carry a session key (a "
                              "receiver refuses an EncryptedKey key token with rsa-1_5); use "
                              "rsa-oaep");
    WSSEC_GUARD(session_key_len(msg, &len));
    xmlNodePtr security = wssec_msg_security(msg, 1);
    xmlNodePtr ek =
        security ? xmlNewDocNode(wssec_msg_doc(msg), NULL, BAD_CAST "EncryptedKey", NULL) : NULL;
    if (ek) xmlSetNs(ek, xmlNewNs(ek, BAD_CAST WSSEC_NS_XENC, BAD_CAST "xenc"));
    if (!ek || !ek->ns || !xmlAddChild(security, ek)) {
        xmlFreeNode(ek);
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    }
    unsigned char key[64];
    if (RAND_bytes(key, (int)len) != 1)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "no random");
    int rc = wssec__ek_fill(msg, &w, ek, key, len);
    wssec_token *tok = rc ? NULL : wssec_msg_add_token(msg, ENCRYPTED_KEY_TYPE, ek);
    if (!rc && (!tok || wssec_token_set_secret(tok, key, len) || keep_session(msg, ek, key, len)))
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    wssec__memzero(key, sizeof(key));
    *out = tok;
    return rc;
}

int wssec__symkey_session(wssec_msg *msg, const wssec_token **out)
{
    *out = NULL;
    if (msg->use_session) { /* a response keyed by the request's session key */
        size_t len = 0;
        return session_key_len(msg, &len);
    }
    if ((*out = made_session(msg))) return 0;
    return make_session(msg, out);
}

/* A wsse:SecurityTokenReference under parent naming the EncryptedKey: a
 * Reference to ek's Id, or (sha1 not NULL) a KeyIdentifier
 * EncryptedKeySHA1 of value sha1. */
static int ek_str_write(wssec_msg *msg, xmlNodePtr parent, xmlNodePtr ek, const char *sha1)
{
    xmlNodePtr str =
        wssec_msg_add_elem(msg, parent, WSSEC_NS_WSSE, "wsse", "SecurityTokenReference", NULL);
    if (!str) return WSSEC_ENOMEM;
    xmlNsPtr ns11 = xmlNewNs(str, BAD_CAST WSSEC_NS_WSSE11, BAD_CAST "wsse11");
    if (!ns11 || !xmlSetNsProp(str, ns11, BAD_CAST "TokenType", BAD_CAST WSSEC_VT_ENCRYPTED_KEY))
        return WSSEC_ENOMEM;
    if (!sha1) {
        char uri[64];
        const char *id = wssec_xml_attr(ek, "Id");
        snprintf(uri, sizeof(uri), "#%.60s", id ? id : "");
        xmlNodePtr r = wssec_msg_add_elem(msg, str, WSSEC_NS_WSSE, "wsse", "Reference", NULL);
        return r && xmlSetProp(r, BAD_CAST "URI", BAD_CAST uri) &&
                       xmlSetProp(r, BAD_CAST "ValueType", BAD_CAST WSSEC_VT_ENCRYPTED_KEY)
                   ? 0
                   : WSSEC_ENOMEM;
    }
    xmlNodePtr k = wssec_msg_add_elem(msg, str, WSSEC_NS_WSSE, "wsse", "KeyIdentifier", sha1);
    return k && xmlSetProp(k, BAD_CAST "EncodingType", BAD_CAST WSSEC_ENC_BASE64) &&
                   xmlSetProp(k, BAD_CAST "ValueType", BAD_CAST WSSEC_VT_ENCRYPTED_KEY_SHA1)
               ? 0
               : WSSEC_ENOMEM;
}

/* A wsc:DerivedKeyToken before `before`, derived from the session key
 * secret (named as r says), of len bytes at offset 0 with a fresh Nonce and
 * the default Label; the derived key into key. */
static int dk_write(wssec_msg *msg, const wssec_symkey_ref *r, const unsigned char *secret,
                    size_t slen, xmlNodePtr before, size_t len, unsigned char *key, xmlNodePtr *out)
{
    int ns13 = 0;
    if (wssec_ctx_get_choice(&ns13, NULL, wssec_msg_ctx(msg), "derived-key-ns"))
        return WSSEC_EINTERNAL;
    const char *ns = ns13 ? WSSEC_NS_WSC_13 : WSSEC_NS_WSC_2005;
    static const char label[] = "WS-SecureConversationWS-SecureConversation";
    unsigned char seed[sizeof(label) - 1 + 16];
    memcpy(seed, label, sizeof(label) - 1);
    if (RAND_bytes(seed + sizeof(label) - 1, 16) != 1) return WSSEC_EINTERNAL;
    xmlNodePtr dk = xmlNewDocNode(wssec_msg_doc(msg), NULL, BAD_CAST "DerivedKeyToken", NULL);
    if (!dk) return WSSEC_ENOMEM;
    xmlNsPtr wsc = xmlNewNs(dk, BAD_CAST ns, BAD_CAST "wsc");
    xmlSetNs(dk, wsc);
    if (!wsc || !xmlAddPrevSibling(before, dk)) {
        xmlFreeNode(dk);
        return WSSEC_ENOMEM;
    }
    char n[24], *nonce = wssec_b64_encode(seed + sizeof(label) - 1, 16);
    snprintf(n, sizeof(n), "%zu", len);
    int rc = nonce && wssec_msg_new_id(msg, dk, "DK") ? 0 : WSSEC_ENOMEM;
    if (!rc) rc = ek_str_write(msg, dk, r->ek, r->sha1[0] ? r->sha1 : NULL);
    if (!rc && (!wssec_msg_add_elem(msg, dk, ns, "wsc", "Offset", "0") ||
                !wssec_msg_add_elem(msg, dk, ns, "wsc", "Length", n) ||
                !wssec_msg_add_elem(msg, dk, ns, "wsc", "Nonce", nonce)))
        rc = WSSEC_ENOMEM;
    xmlFree(nonce);
    if (!rc) rc = wssec__p_sha1(secret, slen, seed, sizeof(seed), 0, key, len);
    *out = dk;
    return rc;
}

/* A Reference from key_info to the DerivedKeyToken dk. */
static int dk_str_write(wssec_msg *msg, xmlNodePtr key_info, xmlNodePtr dk)
{
    char uri[80];
    const char *id = wssec_msg_id_of(msg, dk, "DK");
    if (!id) return WSSEC_ENOMEM;
    snprintf(uri, sizeof(uri), "#%.70s", id);
    char vt[120];
    snprintf(vt, sizeof(vt), "%s/dk", (const char *)dk->ns->href);
    xmlNodePtr str =
        wssec_msg_add_elem(msg, key_info, WSSEC_NS_WSSE, "wsse", "SecurityTokenReference", NULL);
    xmlNodePtr r =
        str ? wssec_msg_add_elem(msg, str, WSSEC_NS_WSSE, "wsse", "Reference", NULL) : NULL;
    return r && xmlSetProp(r, BAD_CAST "URI", BAD_CAST uri) &&
                   xmlSetProp(r, BAD_CAST "ValueType", BAD_CAST vt)
               ? 0
               : WSSEC_ENOMEM;
}

/* The session key (of ek, or the request's) and how a use names it. */
static int key_source(wssec_msg *msg, const wssec_token *ek, const unsigned char **secret,
                      size_t *slen, wssec_symkey_ref *r)
{
    int sha1 = 0;
    if (wssec_ctx_get_choice(&sha1, NULL, wssec_msg_ctx(msg), "session-key-id"))
        return WSSEC_EINTERNAL;
    memset(r, 0, sizeof(*r));
    if (!ek) { /* the request's: named by its EncryptedKeySHA1, the only name it has here */
        *secret = msg->use_session->key;
        *slen = msg->use_session->len;
        snprintf(r->sha1, sizeof(r->sha1), "%s", msg->use_session->sha1);
        return 0;
    }
    *slen = wssec_token_secret(secret, ek);
    r->ek = wssec_token_node(ek);
    if (sha1) {
        int rc = wssec__symkey_sha1(msg, r->ek, r->sha1, sizeof(r->sha1));
        if (rc) return rc == WSSEC_ENOMEM ? rc : WSSEC_EINTERNAL;
    }
    return 0;
}

int wssec__symkey_use(wssec_msg *msg, const wssec_token *ek, xmlNodePtr before, size_t len,
                      unsigned char key[64], size_t *keylen, wssec_symkey_ref *ref)
{
    const unsigned char *secret = NULL;
    size_t slen = 0;
    int derived = 0;
    if (wssec_ctx_get_bool(&derived, wssec_msg_ctx(msg), "derived-keys"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "symmetric: settings unreadable");
    int rc = key_source(msg, ek, &secret, &slen, ref);
    if (len == 0) len = slen;
    if (!rc && (len > 64 || (!derived && len != slen)))
        return wssec_msg_fail(
            msg, WSSEC_ECONFIG, NULL, NULL,
            "symmetric: a key of %zu bytes is needed, and the session key has %zu "
            "(the request's enc-alg differs from ours: use derived-keys, or the "
            "same enc-alg)",
            len, slen);
    if (!rc && !derived) memcpy(key, secret, slen);
    else if (!rc) rc = dk_write(msg, ref, secret, slen, before, len, key, &ref->dk);
    *keylen = len;
    if (rc) {
        wssec__memzero(key, 64);
        return wssec_msg_fail(msg, rc, NULL, NULL,
                              rc == WSSEC_ENOMEM
                                  ? "out of memory"
                                  : "symmetric: the key's reference cannot be written");
    }
    return 0;
}

int wssec__symkey_ref_write(wssec_msg *msg, xmlNodePtr key_info, const wssec_symkey_ref *ref)
{
    int rc = ref->dk ? dk_str_write(msg, key_info, ref->dk)
                     : ek_str_write(msg, key_info, ref->ek, ref->sha1[0] ? ref->sha1 : NULL);
    return rc ? wssec_msg_fail(msg, rc, NULL, NULL, "out of memory") : 0;
}

/* ===================================================================== */
/* session keys between messages (the public API)                         */
/* ===================================================================== */

int wssec__symkey_keep(wssec_msg *msg)
{
    if (!msg->res) return 0;
    for (size_t i = 0; i < msg->res->ntokens; i++) {
        const wssec_token *t = msg->res->tokens[i];
        const unsigned char *key = NULL;
        size_t len = wssec_token_secret(&key, t);
        if (strcmp(wssec_token_type(t), ENCRYPTED_KEY_TYPE) != 0 || !len) continue;
        int rc = keep_session(msg, wssec_token_node(t), key, len);
        return rc == WSSEC_ENOMEM ? rc : 0;
    }
    return 0;
}

static wssec_session_key *session_copy(const wssec_session_key *from)
{
    wssec_session_key *k = wssec__malloc(sizeof(*k));
    if (k) memcpy(k, from, sizeof(*k));
    return k;
}

int wssec_msg_session_key(wssec_session_key **out, const wssec_msg *msg)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(msg);
    if (!msg->session) return WSSEC_EUNAVAILABLE;
    return (*out = session_copy(msg->session)) ? 0 : WSSEC_ENOMEM;
}

int wssec_msg_use_session_key(wssec_msg *msg, const wssec_session_key *key)
{
    WSSEC_ARG(msg && key);
    wssec_session_key *k = session_copy(key);
    if (!k) return WSSEC_ENOMEM;
    wssec_session_key_free(msg->use_session);
    msg->use_session = k;
    return 0;
}

void wssec_session_key_free(wssec_session_key *key)
{
    if (!key) return;
    wssec__memzero(key, sizeof(*key));
    wssec__free(key);
}

#define SESSION_KEY_HEAD "wssec-session-key 1\n"

int wssec_session_key_export(char **out, size_t *len, const wssec_session_key *key)
{
    WSSEC_ARG(out && len);
    *out = NULL;
    *len = 0;
    WSSEC_ARG(key);
    char *b64 = wssec_b64_encode(key->key, key->len);
    size_t size = sizeof(SESSION_KEY_HEAD) + sizeof(key->sha1) + (b64 ? strlen(b64) : 0) + 2;
    char *text = b64 ? wssec__malloc(size) : NULL;
    if (text) {
        int n = snprintf(text, size, SESSION_KEY_HEAD "%s\n%s\n", key->sha1, b64);
        *len = n > 0 ? (size_t)n : 0;
        *out = text;
    }
    if (b64) {
        wssec__memzero(b64, strlen(b64));
        xmlFree(b64);
    }
    return *out ? 0 : WSSEC_ENOMEM;
}

/* Line i (from 0) of text, without its newline, into buf; 0 or WSSEC_EINVALID. */
static int text_line(char *buf, size_t size, const char *text, size_t len, size_t i)
{
    size_t start = 0;
    for (size_t k = 0; k < i; k++) {
        const char *nl = memchr(text + start, '\n', len - start);
        if (!nl) return WSSEC_EINVALID;
        start = (size_t)(nl - text) + 1;
    }
    const char *nl = memchr(text + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - text) : len;
    if (end - start == 0 || end - start >= size) return WSSEC_EINVALID;
    memcpy(buf, text + start, end - start);
    buf[end - start] = '\0';
    return 0;
}

int wssec_session_key_import(wssec_session_key **out, const char *text, size_t len)
{
    WSSEC_ARG(out);
    *out = NULL;
    WSSEC_ARG(text);
    size_t head = sizeof(SESSION_KEY_HEAD) - 1;
    char line[128];
    unsigned char *sha1 = NULL, *key = NULL;
    size_t sha1_len = 0, key_len = 0;
    wssec_session_key *k = wssec__calloc(1, sizeof(*k));
    int rc = k ? 0 : WSSEC_ENOMEM;
    if (!rc && (len < head || memcmp(text, SESSION_KEY_HEAD, head) != 0)) rc = WSSEC_EINVALID;
    if (!rc) rc = text_line(k->sha1, sizeof(k->sha1), text, len, 1);
    if (!rc) rc = wssec_b64_decode(&sha1, &sha1_len, k->sha1, 64);
    if (!rc && sha1_len != SHA_DIGEST_LENGTH) rc = WSSEC_EINVALID;
    if (!rc) rc = text_line(line, sizeof(line), text, len, 2);
    if (!rc) rc = wssec_b64_decode(&key, &key_len, line, sizeof(k->key));
    if (!rc && key_len < 16) rc = WSSEC_EINVALID;
    if (!rc) {
        memcpy(k->key, key, key_len);
        k->len = key_len;
    }
    wssec__memzero(line, sizeof(line));
    if (key) wssec__memzero(key, key_len);
    wssec_free(key);
    wssec_free(sha1);
    if (rc) {
        wssec_session_key_free(k);
        return rc == WSSEC_ENOMEM ? rc : WSSEC_EINVALID;
    }
    *out = k;
    return 0;
}
