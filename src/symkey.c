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
 */
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "symkey.h"
#include "util.h"

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
    return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, ki,
                          "%s: KeyIdentifier EncryptedKeySHA1 '%.60s' names no EncryptedKey key "
                          "token of this message (a key from a request we sent is not looked up: "
                          "responses to our own requests are not supported yet)",
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
