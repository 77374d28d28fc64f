/*
 * wssec unit tests — surgery shared by the symmetric-binding tests
 * (test_symmetric.c, test_derived_keys.c): keys, RSA-OAEP, base64 text,
 * SecurityTokenReferences to an EncryptedKey, the session key of the
 * message's EncryptedKey (to server), and a signature re-made with HMAC.
 * Include after helpers.h. A test that needs another receiver defines
 * RECEIVER first.
 */
#ifndef WSSEC_TEST_SYMTEST_H
#define WSSEC_TEST_SYMTEST_H

#include <stdbool.h>
#include <string.h>

#include <libxml/c14n.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "helpers.h"

#define SYM_UNUSED __attribute__((unused))

#define PKI WSSEC_SOURCE_DIR "/samples/pki/"
/* alice signs, and encrypts for server */
#define SENDER \
    "sign-key", PKI "alice.key", "sign-cert", PKI "alice.crt", "encrypt-cert", PKI "server.crt"
#ifndef RECEIVER /* server, trusting alice's CA */
#define RECEIVER                                                                        \
    "trust", PKI "root.crt", "certs", PKI "inter.crt", "decrypt-key", PKI "server.key", \
        "decrypt-cert", PKI "server.crt", "replay-signatures", "false"
#endif
#define VT_EK "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey"
#define VT_EKSHA1 \
    "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKeySHA1"
#define VT_X509 \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"

SYM_UNUSED static EVP_PKEY *load_key(const char *path, bool cert)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    EVP_PKEY *k = NULL;
    if (cert) {
        X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
        assert_non_null(x);
        k = X509_get_pubkey(x);
        X509_free(x);
    } else {
        k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    }
    fclose(f);
    assert_non_null(k);
    return k;
}

SYM_UNUSED static size_t oaep(EVP_PKEY *k, bool enc, const unsigned char *in, size_t inlen,
                              unsigned char *out)
{
    size_t outlen = 1024;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
    assert_non_null(c);
    assert_true((enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0);
    assert_true((enc ? EVP_PKEY_encrypt(c, out, &outlen, in, inlen)
                     : EVP_PKEY_decrypt(c, out, &outlen, in, inlen)) > 0);
    EVP_PKEY_CTX_free(c);
    return outlen;
}

SYM_UNUSED static size_t b64_content(xmlNodePtr n, unsigned char *out)
{
    xmlChar *t = xmlNodeGetContent(n);
    size_t l = 0;
    for (size_t i = 0; t[i]; i++) /* base64 lines: the whitespace dropped */
        if (t[i] != '\n' && t[i] != '\r' && t[i] != ' ' && t[i] != '\t') t[l++] = t[i];
    t[l] = '\0';
    int len = EVP_DecodeBlock(out, t, (int)l);
    size_t eq = (size_t)(l > 0 && t[l - 1] == '=') + (size_t)(l > 1 && t[l - 2] == '=');
    xmlFree(t);
    assert_true(len > 0);
    return (size_t)len - eq;
}

/* A wsse:SecurityTokenReference under parent naming a key. */
SYM_UNUSED static void add_str(xmlNodePtr parent, const char *uri, const char *vt,
                               const char *keyid)
{
    xmlNodePtr str = h_elem(parent->doc, H_NS_WSSE, "wsse", "SecurityTokenReference");
    xmlAddChild(parent, str);
    xmlNodePtr r = h_elem(parent->doc, H_NS_WSSE, "wsse", keyid ? "KeyIdentifier" : "Reference");
    xmlAddChild(str, r);
    if (keyid) {
        xmlSetProp(r, BAD_CAST "ValueType", BAD_CAST VT_EKSHA1);
        xmlNodeSetContent(r, BAD_CAST keyid);
    } else {
        xmlSetProp(r, BAD_CAST "URI", BAD_CAST uri);
        xmlSetProp(r, BAD_CAST "ValueType", BAD_CAST vt);
    }
}

/* An STR under parent naming the message's EncryptedKey by EncryptedKeySHA1;
 * with wrong, the SHA-1 of one changed CipherValue byte (a key no token of
 * the message has). */
SYM_UNUSED static void add_str_eksha1(xmlNodePtr parent, bool wrong)
{
    unsigned char cv[1024], md[SHA_DIGEST_LENGTH];
    size_t n =
        b64_content(h_xp(parent->doc, "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"), cv);
    if (wrong) cv[0] ^= 1;
    SHA1(cv, n, md);
    char *b = h_b64(md, sizeof(md));
    add_str(parent, NULL, NULL, b);
    free(b);
}

/* An STR under parent naming the message's BinarySecurityToken (a
 * certificate: public bytes, never a key). */
SYM_UNUSED static void add_str_bst(xmlNodePtr parent)
{
    xmlChar *id = xmlGetNsProp(h_xp(parent->doc, "//wsse:BinarySecurityToken"), BAD_CAST "Id",
                               BAD_CAST H_NS_WSU);
    char *uri = h_strf("#%s", (char *)id);
    add_str(parent, uri, VT_X509, NULL);
    free(uri);
    xmlFree(id);
}

/* The session key of the message's EncryptedKey, with server's key. */
SYM_UNUSED static size_t session_key(xmlDocPtr doc, unsigned char key[64])
{
    unsigned char w[1024];
    size_t wl = b64_content(h_xp(doc, "//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"), w);
    EVP_PKEY *k = load_key(PKI "server.key", false);
    unsigned char out[1024];
    size_t n = oaep(k, false, w, wl, out);
    EVP_PKEY_free(k);
    assert_true(n >= 16 && n <= 64);
    memcpy(key, out, n);
    return n;
}

SYM_UNUSED static void drop_prefix_list(xmlNodePtr ref)
{
    for (xmlNodePtr ts = wssec_xml_first_elem(ref); ts; ts = wssec_xml_next_elem(ts))
        for (xmlNodePtr t = wssec_xml_first_elem(ts); t; t = wssec_xml_next_elem(t)) {
            xmlNodePtr in = wssec_xml_first_elem(t);
            if (in && xmlStrEqual(in->name, BAD_CAST "InclusiveNamespaces")) h_remove(in);
        }
}

/* The signature re-made with HMAC (SHA-1 or SHA-256) keyed by key. */
SYM_UNUSED static void hmac_sign(xmlDocPtr doc, const unsigned char *key, size_t klen, bool sha1)
{
    xmlSetProp(h_xp(doc, "//ds:SignatureMethod"), BAD_CAST "Algorithm",
               BAD_CAST(sha1 ? "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
                             : "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"));
    h_redigest(doc, XML_C14N_EXCLUSIVE_1_0, drop_prefix_list);
    int len = 0;
    xmlChar *si = h_c14n(doc, h_xp(doc, "//ds:SignedInfo"), XML_C14N_EXCLUSIVE_1_0, NULL, &len);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    assert_non_null(
        HMAC(sha1 ? EVP_sha1() : EVP_sha256(), key, (int)klen, si, (size_t)len, mac, &maclen));
    xmlFree(si);
    h_set_b64(h_xp(doc, "//ds:SignatureValue"), mac, maclen);
}

/* The message both tests start from: Pay 10 to bob, secured by alice (the
 * test's SENDER) with a Timestamp, a signature and encryption for server
 * (and, with ut, a UsernameToken for alice the signature covers), then
 * reshaped by surgery. free() it. */
SYM_UNUSED static char *sym_message(h_surgery surgery, bool ut)
{
    static const char *const actions[] = { "timestamp", "signature", "encrypted-key" };
    static const char *const ut_actions[] = { "timestamp", "username-token", "signature",
                                              "encrypted-key" };
    wssec_ctx *out = ut ? h_ctx(SENDER, "sign-part", "body", "sign-part", "timestamp", "sign-part",
                                "username-token", NULL)
                        : h_ctx(SENDER, NULL);
    char *plain = h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsu=\"%s\"><soap:Header/>"
                         "<soap:Body><m:Pay xmlns:m=\"urn:example:bank\"><m:To>bob</m:To>"
                         "<m:Amount>10</m:Amount></m:Pay></soap:Body></soap:Envelope>",
                         WSSEC_NS_SOAP11, H_NS_WSU);
    char *secured = ut ? h_secure(out, plain, ut_actions, 4, "alice")
                       : h_secure(out, plain, actions, 3, NULL);
    char *xml = h_operate(secured, surgery, 1);
    free(plain);
    free(secured);
    wssec_ctx_free(out);
    return xml;
}

#endif /* WSSEC_TEST_SYMTEST_H */
