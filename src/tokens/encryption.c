/*
 * wssec — the XML Encryption module (WSS 1.1 §9, XML Encryption 1.1,
 * BSP R5601-R5629): an xenc:EncryptedKey in our Security header with a
 * ReferenceList of the EncryptedData it protects.
 *
 * Consumer, with no oracle (ATTACKS.md §8):
 *   1. algorithms first, for the key and for every referenced EncryptedData,
 *      before any decryption: RSA-OAEP (RSA-1.5 only with allow-rsa15),
 *      AES-KW with the pre-shared key, AES-GCM (AES-CBC only with allow-cbc;
 *      3DES-CBC and its key wrap only with allow-3des);
 *   2. the targets: each DataReference names an xenc:EncryptedData (bare in
 *      the Body or a header, or inside a wsse11:EncryptedHeader); when a
 *      verified signature covered ciphertext, every target must lie inside
 *      what it covered, so moved or redirected ciphertext is never decrypted;
 *   3. the key: the recipient named by the KeyInfo among our decryption
 *      keys; unwrapped in constant shape (with RSA-1.5, a failed unwrap goes
 *      on with a random key, so it fails later, in the same way);
 *   4. decryption in place (AES-GCM of the usual shape by OpenSSL straight
 *      from the base64 text, everything else by xmlsec); any failure
 *      (padding, tag, key, plaintext) is one and the same WSSEC_EDECRYPT
 *      with one message, and no plaintext stays; the document is then re-checked (structure, IDs,
 *      no processing instruction) as if it had just been parsed.
 * Generator: a fresh AES key per message, the selected parts encrypted
 * (Body content by default; SOAP header blocks as wsse11:EncryptedHeader),
 * and the key wrapped for the recipient's certificate (or with the
 * pre-shared key) in an EncryptedKey placed so that a receiver processing
 * the header in order decrypts and verifies in the right order.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <xmlsec/app.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmltree.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "encryption.h"
#include "algs.h"
#include "bsp.h"
#include "error.h"
#include "keylocator.h"
#include "keyref.h"
#include "policy.h"
#include "settings.h"
#include "symkey.h"
#include "util.h"
#include "x509.h"
#include "xml.h"

#define MAX_TARGETS 64

static xmlNodePtr child(xmlNodePtr e, const char *ns, const char *local)
{
    for (xmlNodePtr c = wssec_xml_first_elem(e); c; c = wssec_xml_next_elem(c))
        if (wssec_xml_is(c, ns, local)) return c;
    return NULL;
}

/* The settings this module reads, by their options' names (sys/settings.h).
 * The names are this file's own, so a lookup fails only by a mistake here,
 * which the tests show; it fails closed: a limit of 0, an allowance not
 * given. */
static size_t opt_size(const wssec_msg *msg, const char *name)
{
    size_t v = 0;
    return wssec_ctx_get_size(&v, wssec_msg_ctx(msg), name) == 0 ? v : 0;
}

static bool opt_bool(const wssec_msg *msg, const char *name)
{
    int v = 0;
    return wssec_ctx_get_bool(&v, wssec_msg_ctx(msg), name) == 0 && v;
}

static xmlSecTransformId transform_by_uri(const char *uri, xmlSecTransformUsage usage)
{
    return xmlSecTransformIdListFindByHref(xmlSecTransformIdsGet(), BAD_CAST uri, usage);
}

/* The xmlsec key data for a data encryption algorithm's key: DES for
 * tripledes-cbc, else AES. */
static xmlSecKeyDataId key_data(const wssec_alg *a)
{
    return a == &wssec__enc_algs[WSSEC_ENC_3DES] ? xmlSecKeyDataDesId : xmlSecKeyDataAesId;
}

/* ===================================================================== */
/* consumer                                                               */
/* ===================================================================== */

typedef struct target {
    xmlNodePtr data;    /* xenc:EncryptedData */
    xmlNodePtr wrapper; /* its wsse11:EncryptedHeader, or NULL */
    const wssec_alg *alg;
    const char *uri;
} target;

/* The data algorithm of an EncryptedData, against the allow-list. */
static int data_alg(wssec_msg *msg, xmlNodePtr ed, const wssec_alg **out)
{
    xmlNodePtr m = child(ed, WSSEC_NS_XENC, "EncryptionMethod");
    const char *uri = m ? wssec_xml_attr(m, "Algorithm") : NULL;
    const wssec_alg *a = uri ? wssec__alg_by_uri(wssec__enc_algs, uri) : NULL;
    if (!a)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, ed,
                              "data encryption algorithm '%.120s' is not allowed (AES-GCM; AES-CBC "
                              "with --allow-cbc)",
                              uri ? uri : "(none)");
    if (a == &wssec__enc_algs[WSSEC_ENC_3DES]) {
        if (!opt_bool(msg, "allow-3des"))
            return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, ed,
                                  "tripledes-cbc is refused by default: 64-bit blocks, and CBC "
                                  "without integrity is open to padding oracles (--allow-3des "
                                  "accepts it from old peers)");
    } else if (a->weak && !opt_bool(msg, "allow-cbc"))
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, ed,
                              "%s is refused by default: CBC without integrity is open to padding "
                              "oracles (--allow-cbc accepts it from old peers; WSS4J 1.6 encrypts "
                              "with aes128-cbc by default)",
                              a->name);
    *out = a;
    return 0;
}

/* The one xenc:CipherValue of an EncryptedData's or EncryptedKey's
 * CipherData. A CipherReference is refused before any key is used: a
 * message never makes wssec fetch or open anything (and every xmlsec
 * context is also set to allow no URI at all). */
static int cipher_value(wssec_msg *msg, xmlNodePtr enc, xmlNodePtr *out)
{
    xmlNodePtr cd = NULL, cv = NULL;
    size_t ncd = 0, ncv = 0;
    for (xmlNodePtr c = wssec_xml_first_elem(enc); c; c = wssec_xml_next_elem(c))
        if (wssec_xml_is(c, WSSEC_NS_XENC, "CipherData")) {
            cd = c;
            ncd++;
        }
    for (xmlNodePtr c = cd ? wssec_xml_first_elem(cd) : NULL; c; c = wssec_xml_next_elem(c)) {
        if (wssec_xml_is(c, WSSEC_NS_XENC, "CipherReference"))
            return wssec_msg_fail(msg, WSSEC_EUNSUPPORTED, "wsse:UnsupportedAlgorithm", c,
                                  "xenc:CipherReference is refused: ciphertext must be in the "
                                  "message (one xenc:CipherValue), never fetched");
        if (!wssec_xml_is(c, WSSEC_NS_XENC, "CipherValue"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "xenc:CipherData may hold only one xenc:CipherValue");
        cv = c;
        ncv++;
    }
    if (ncd != 1 || ncv != 1)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, enc,
                              "%s needs exactly one xenc:CipherData with exactly one "
                              "xenc:CipherValue (it has %zu CipherData, %zu CipherValue)",
                              (const char *)enc->name, ncd, ncv);
    if (out) *out = cv;
    return 0;
}

/* An EncryptedData directly in soap:Header: a header block encrypted WSS 1.0
 * style (WSS 1.0 §9.4.1; CXF and WSS4J 1.x send it), accepted though BSP
 * R3228 asks for a wsse11:EncryptedHeader, which is what we write. It stands
 * for one whole header block: Type Element, read before any key is used. */
static int header_bare(wssec_msg *msg, xmlNodePtr e, const char *uri)
{
    const char *type = wssec_xml_attr(e, "Type");
    if (!type || strcmp(type, "http://www.w3.org/2001/04/xmlenc#Element") != 0)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, e,
                              "EncryptedData %s directly in soap:Header must have Type "
                              "xmlenc#Element: it stands for one header block",
                              uri);
    return 0;
}

/* The EncryptedData a DataReference names: the element itself, or the one
 * inside a named EncryptedHeader. */
static int find_target(wssec_msg *msg, xmlNodePtr dr, target *t)
{
    const char *uri = wssec_xml_attr(dr, "URI");
    memset(t, 0, sizeof(*t));
    t->uri = uri;
    if (!uri || uri[0] != '#' || !uri[1])
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, dr,
                              "DataReference URI '%.120s' is refused: only #id in this message",
                              uri ? uri : "(none)");
    xmlAttrPtr a = xmlGetID(wssec_msg_doc(msg), BAD_CAST(uri + 1));
    xmlNodePtr e = a ? a->parent : NULL;
    if (e && wssec_xml_is(e, WSSEC_NS_WSSE11, "EncryptedHeader")) {
        t->wrapper = e;
        e = child(e, WSSEC_NS_XENC, "EncryptedData");
    } else if (e && e->parent && wssec_xml_is(e->parent, WSSEC_NS_WSSE11, "EncryptedHeader")) {
        t->wrapper = e->parent;
    }
    if (!e || !wssec_xml_is(e, WSSEC_NS_XENC, "EncryptedData"))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, dr,
                              "DataReference %s names no xenc:EncryptedData", uri);
    /* never the Envelope, Header or Body themselves, never in a Signature */
    for (xmlNodePtr p = e->parent; p; p = p->parent)
        if (wssec_xml_is(p, WSSEC_NS_DS, "Signature") || wssec_xml_is(p, WSSEC_NS_XENC, "EncryptedData"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, e,
                                  "EncryptedData %s lies inside a %s (BSP R5440)", uri,
                                  (const char *)p->name);
    xmlNodePtr where = t->wrapper ? t->wrapper : e;
    if (where->parent == wssec_msg_envelope(msg))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, e,
                              "EncryptedData %s replaces a SOAP Header or Body element itself", uri);
    if (where->parent == wssec_msg_header(msg) && !t->wrapper) WSSEC_GUARD(header_bare(msg, e, uri));
    if (t->wrapper) {
        size_t elems = 0;
        for (xmlNodePtr c = wssec_xml_first_elem(t->wrapper); c; c = wssec_xml_next_elem(c)) elems++;
        if (elems != 1)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, t->wrapper,
                                  "an EncryptedHeader holds exactly one EncryptedData (BSP R3230)");
    }
    t->data = e;
    WSSEC_GUARD(cipher_value(msg, e, NULL));
    return data_alg(msg, e, &t->alg);
}

/* Which key the EncryptedKey is for: the context's key locator asked
 * with its KeyInfo's reference (by default, our configured decryption
 * keys); a refusal says why, before any key or ciphertext is used. */
static int pick_rsa_key(wssec_msg *msg, xmlNodePtr ek, wssec_located_key *found)
{
    wssec_key_query q = WSSEC_KEY_QUERY_INIT;
    char why[512];
    q.use = WSSEC_KEY_USE_DECRYPT;
    q.key_info = child(ek, WSSEC_NS_DS, "KeyInfo");
    int rc = wssec_msg_locate_key(found, msg, &q, why, sizeof(why));
    return rc ? wssec_msg_fail(msg, rc, NULL, ek, "%s", why) : 0;
}

/* The per-process secret of RSA-1.5's implicit rejection. */
static unsigned char rejection_secret[32];
static int rejection_secret_ok;
static pthread_once_t rejection_once = PTHREAD_ONCE_INIT;

static void rejection_init(void)
{
    rejection_secret_ok = RAND_bytes(rejection_secret, sizeof(rejection_secret)) == 1;
}

/* An RSA decryption (OAEP with SHA-1, or PKCS#1 v1.5) with the copy of pk
 * kept for its private-key operations (keylocator.h: its blinding is made
 * once, not per message). The copy is renewed when the decryption failed
 * for want of memory (OpenSSL 3.0 leaves the blinding inconsistent then;
 * found by the allocation torture), never because of the ciphertext: a
 * renewal makes the next decryption slower, which would tell a sender how
 * its padding fared. The error queue is read and emptied on every path. 1
 * on success. */
static int rsa_decrypt(EVP_PKEY *pk, int padding, unsigned char *out, size_t *outlen,
                       const unsigned char *in, size_t inlen)
{
    EVP_PKEY *own = wssec__pkey_kept(pk);
    EVP_PKEY_CTX *c = own ? EVP_PKEY_CTX_new(own, NULL) : NULL;
    int ok = c && EVP_PKEY_decrypt_init(c) > 0 && EVP_PKEY_CTX_set_rsa_padding(c, padding) > 0;
    if (ok && padding == RSA_PKCS1_OAEP_PADDING)
        ok = EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha1()) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha1()) > 0;
    ok = ok && EVP_PKEY_decrypt(c, out, outlen, in, inlen) > 0;
    bool resource = wssec__err_resource_failure();
    if (!ok && resource && own) wssec__pkey_kept_renew(pk, own);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(own);
    ERR_clear_error();
    return ok;
}

/* RSA unwrap. With RSA-1.5 a failure goes on with a substitute key derived
 * from the wrapped key and a per-process secret (implicit rejection): the
 * same ciphertext always yields the same key, conformant or not, so no later
 * outcome tells the two apart (a fresh random key per attempt would).
 * Declared in tokens/encryption.h for the tests. */
int wssec__rsa_unwrap(EVP_PKEY *pk, int kt, const unsigned char *in, size_t inlen, size_t want,
                      unsigned char *key)
{
    unsigned char buf[1024], fake[EVP_MAX_MD_SIZE];
    unsigned int fakelen = 0;
    size_t outlen = sizeof(buf);
    int ok = 0;
    if (kt == WSSEC_KT_RSA15) {
        pthread_once(&rejection_once, rejection_init);
        if (!rejection_secret_ok || want > 32 ||
            !HMAC(EVP_sha256(), rejection_secret, sizeof(rejection_secret), in, inlen, fake,
                  &fakelen))
            return WSSEC_EDECRYPT;
    }
    ok = rsa_decrypt(pk, kt == WSSEC_KT_RSA_OAEP ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING,
                     buf, &outlen, in, inlen) &&
         outlen == want;
    if (kt == WSSEC_KT_RSA15) {
        /* constant-time select between the real and the substitute key */
        unsigned char mask = (unsigned char)(0 - (unsigned char)ok);
        for (size_t i = 0; i < want; i++)
            key[i] = (unsigned char)((buf[i] & mask) | (fake[i] & (unsigned char)~mask));
        ok = 1;
    } else if (ok) {
        memcpy(key, buf, want);
    }
    wssec__memzero(buf, sizeof(buf));
    wssec__memzero(fake, sizeof(fake));
    return ok ? 0 : WSSEC_EDECRYPT;
}

/* Key unwrap with the pre-shared key: AES-KW (RFC 3394) by its size, or
 * the CMS Triple-DES key wrap (RFC 3217) of kw-tripledes. */
static int kw_unwrap(int ktn, const unsigned char *kek, size_t keklen, const unsigned char *in,
                     size_t inlen, size_t want, unsigned char *key)
{
    const EVP_CIPHER *c = ktn == WSSEC_KT_KW_3DES ? EVP_des_ede3_wrap()
                          : keklen == 16          ? EVP_aes_128_wrap()
                                                  : EVP_aes_256_wrap();
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    unsigned char out[80];
    int n = 0, f = 0, ok = 0;
    if (x && inlen <= sizeof(out) && EVP_DecryptInit_ex(x, c, NULL, kek, NULL) == 1 &&
        EVP_DecryptUpdate(x, out, &n, in, (int)inlen) == 1 && EVP_DecryptFinal_ex(x, out + n, &f) == 1)
        ok = (size_t)(n + f) == want;
    EVP_CIPHER_CTX_free(x);
    ERR_clear_error();
    if (ok) memcpy(key, out, want);
    wssec__memzero(out, sizeof(out));
    return ok ? 0 : WSSEC_EDECRYPT;
}

/* Decrypted plaintext passes the parse guard's byte scan (attributes and
 * namespace declarations per element) before libxml2 parses it, and holds
 * at most max-namespaces-in-scope namespace declarations in all (so nesting
 * cannot pile them up: the fragment parser has no guard of its own). */
static int plaintext_guard(wssec_msg *msg, const char *p, size_t len)
{
    size_t in_scope = opt_size(msg, "max-namespaces-in-scope");
    wssec_errrec e;
    wssec__err_clear(&e);
    if (wssec__xml_prescan_limits(&e, opt_size(msg, "max-attributes"),
                                  opt_size(msg, "max-namespaces"), p, len))
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", NULL,
                              "decrypted content: %s", e.message);
    size_t decls = 0;
    for (const char *q = p, *end = p + len; (q = memmem(q, (size_t)(end - q), "xmlns", 5)); q += 5)
        if (++decls > in_scope)
            return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", NULL,
                                  "decrypted content holds more than max-namespaces-in-scope %zu "
                                  "namespace declarations",
                                  in_scope);
    return 0;
}

/* What decrypted in place of a header block (bare, or in an
 * EncryptedHeader) is one header block, and never a wsse:Security header:
 * plaintext neither adds a Security header (for us or for another actor)
 * nor stands in for ours. */
static int header_block(wssec_msg *msg, xmlNodePtr header, xmlNodePtr first, xmlNodePtr last)
{
    size_t elems = 0;
    for (xmlNodePtr n = first; n; n = n == last ? NULL : n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (wssec_xml_is(n, WSSEC_NS_WSSE, "Security"))
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, n,
                                  "an encrypted header block decrypted to a wsse:Security header: "
                                  "a Security header is never encrypted");
        elems++;
    }
    if (elems != 1)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, header,
                              "an encrypted header block decrypted to %zu elements, not one", elems);
    return 0;
}

/* ---- AES-GCM straight from the CipherValue's text ---- */

#define GCM_IV_LEN 12
#define GCM_TAG_LEN 16

/* Whether an EncryptedData is of the shape decrypted without xmlsec:
 * AES-GCM, Type Element or Content, no Encoding, an EncryptionMethod without
 * children,
 * an optional ds:KeyInfo and the CipherData, whose one CipherValue holds
 * only text. Anything else goes to xmlsec, which decides as it always has. */
static bool gcm_plain_shape(const target *t, xmlNodePtr *cv_out)
{
    if (t->alg != &wssec__enc_algs[0] && t->alg != &wssec__enc_algs[1]) return false;
    const char *type = wssec_xml_attr(t->data, "Type");
    if (!type || (strcmp(type, (const char *)xmlSecTypeEncElement) != 0 &&
                  strcmp(type, (const char *)xmlSecTypeEncContent) != 0) ||
        wssec_xml_attr(t->data, "Encoding"))
        return false;
    xmlNodePtr c = wssec_xml_first_elem(t->data);
    if (!c || !wssec_xml_is(c, WSSEC_NS_XENC, "EncryptionMethod") || wssec_xml_first_elem(c))
        return false;
    c = wssec_xml_next_elem(c);
    if (c && wssec_xml_is(c, WSSEC_NS_DS, "KeyInfo")) c = wssec_xml_next_elem(c);
    if (!c || !wssec_xml_is(c, WSSEC_NS_XENC, "CipherData") || wssec_xml_next_elem(c))
        return false;
    xmlNodePtr cv = wssec_xml_first_elem(c);
    if (!cv || !wssec_xml_is(cv, WSSEC_NS_XENC, "CipherValue") || wssec_xml_next_elem(cv))
        return false;
    for (xmlNodePtr n = cv->children; n; n = n->next)
        if (n->type != XML_TEXT_NODE && n->type != XML_CDATA_SECTION_NODE) return false;
    *cv_out = cv;
    return true;
}

typedef struct gcm_run {
    EVP_CIPHER_CTX *x;
    const EVP_CIPHER *cipher;
    const unsigned char *key;
    unsigned char iv[GCM_IV_LEN], tail[GCM_TAG_LEN];
    size_t ivlen, tlen;
    unsigned char *out;
    size_t len, cap;
} gcm_run;

static int gcm_update(gcm_run *g, const unsigned char *p, size_t n)
{
    int w = 0;
    if (!n) return 0;
    if (n > INT_MAX || n > g->cap - g->len ||
        EVP_DecryptUpdate(g->x, g->out + g->len, &w, p, (int)n) != 1 || (size_t)w != n)
        return -1;
    g->len += n;
    return 0;
}

/* Ciphertext bytes in order: the IV first, the last 16 bytes held back as
 * the tag, everything between decrypted into g->out. */
static int gcm_feed(gcm_run *g, const unsigned char *p, size_t n)
{
    while (n && g->ivlen < GCM_IV_LEN) {
        g->iv[g->ivlen++] = *p++;
        n--;
        if (g->ivlen == GCM_IV_LEN && EVP_DecryptInit_ex(g->x, g->cipher, NULL, g->key, g->iv) != 1)
            return -1;
    }
    if (g->tlen + n <= GCM_TAG_LEN) {
        memcpy(g->tail + g->tlen, p, n);
        g->tlen += n;
        return 0;
    }
    size_t release = g->tlen + n - GCM_TAG_LEN;
    size_t from_tail = release < g->tlen ? release : g->tlen;
    if (gcm_update(g, g->tail, from_tail)) return -1;
    memmove(g->tail, g->tail + from_tail, g->tlen - from_tail);
    g->tlen -= from_tail;
    if (gcm_update(g, p, release - from_tail)) return -1;
    memcpy(g->tail + g->tlen, p + (release - from_tail), n - (release - from_tail));
    g->tlen = GCM_TAG_LEN;
    return 0;
}

static int gcm_sink(void *ud, const unsigned char *p, size_t n)
{
    return gcm_feed(ud, p, n) ? -2 : 0;
}

/* Decrypts an AES-GCM EncryptedData of the shape above without xmlsec: the
 * base64 text decoded strictly (util.h) in pieces straight into
 * EVP_DecryptUpdate, with no copy of the text or of the ciphertext. 0 with
 * the plaintext in *out (free with wssec__free; nobody sees it before the
 * tag has checked), WSSEC_EDECRYPT when the tag or the length does not
 * check, WSSEC_ENOMEM, or 1 when the text is not strict base64 (xmlsec then
 * decides). Declared in tokens/encryption.h for the differential test and
 * fuzz target. */
int wssec__gcm_decrypt(xmlNodePtr cv, const wssec_alg *alg, const unsigned char *key,
                       unsigned char **out, size_t *outlen)
{
    size_t textlen = 0;
    for (xmlNodePtr n = cv->children; n; n = n->next)
        textlen += n->content ? (size_t)xmlStrlen(n->content) : 0;
    gcm_run g = { .cipher = alg == &wssec__enc_algs[0] ? EVP_aes_256_gcm() : EVP_aes_128_gcm(),
                  .key = key,
                  .cap = textlen / 4 * 3 + 3 };
    wssec_b64 *b = wssec__malloc(sizeof(*b));
    unsigned char fin[EVP_MAX_BLOCK_LENGTH];
    int n = 0, rc = WSSEC_ENOMEM;
    g.x = EVP_CIPHER_CTX_new();
    g.out = wssec__malloc(g.cap);
    if (!b || !g.x || !g.out) goto done;
    wssec__b64_init(b, gcm_sink, &g);
    rc = 0;
    for (xmlNodePtr t = cv->children; t && !rc; t = t->next)
        if (t->content) rc = wssec__b64_update(b, t->content, (size_t)xmlStrlen(t->content));
    if (!rc) rc = wssec__b64_final(b);
    if (rc) {
        rc = rc == -1 ? 1 : WSSEC_EDECRYPT;
        goto done;
    }
    rc = WSSEC_EDECRYPT;
    if (g.ivlen != GCM_IV_LEN || g.tlen != GCM_TAG_LEN ||
        EVP_CIPHER_CTX_ctrl(g.x, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN, g.tail) != 1 ||
        EVP_DecryptFinal_ex(g.x, fin, &n) != 1)
        goto done;
    *out = g.out;
    *outlen = g.len;
    g.out = NULL;
    rc = 0;
done:
    if (g.out) {
        wssec__memzero(g.out, g.cap);
        wssec__free(g.out);
    }
    wssec__free(b);
    EVP_CIPHER_CTX_free(g.x);
    ERR_clear_error();
    return rc;
}

/* Decrypts an EncryptedData with xmlsec (every shape wssec__gcm_decrypt
 * does not take): 0 with the plaintext, which e holds, or WSSEC_EDECRYPT. */
static int xmlsec_decrypt(wssec_msg *msg, xmlSecEncCtxPtr e, const target *t,
                          const unsigned char *key, size_t keylen, const char **pt, size_t *ptlen)
{
    xmlSecTransformId id = transform_by_uri(t->alg->uri, xmlSecTransformUsageEncryptionMethod);
    if (id == xmlSecTransformIdUnknown ||
        xmlSecPtrListAdd(&e->transformCtx.enabledTransforms, (void *)id) < 0)
        return WSSEC_EDECRYPT;
    e->encKey = xmlSecKeyReadMemory(key_data(t->alg), key, (xmlSecSize)keylen);
    e->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    e->keyInfoReadCtx.maxEncryptedKeyLevel = 0;
    e->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
    e->keyInfoReadCtx.retrievalMethodCtx.enabledUris = xmlSecTransformUriTypeNone;
    if (!e->encKey) return WSSEC_EDECRYPT;
    wssec_msg_decryption_started(msg);
    xmlSecBufferPtr plain = xmlSecEncCtxDecryptToBuffer(e, t->data);
    if (!plain || !e->type ||
        (!xmlStrEqual(e->type, xmlSecTypeEncElement) && !xmlStrEqual(e->type, xmlSecTypeEncContent)))
        return WSSEC_EDECRYPT;
    *pt = (const char *)xmlSecBufferGetData(plain);
    *ptlen = xmlSecBufferGetSize(plain);
    return 0;
}

/* Decrypts one EncryptedData in place with the session key and records
 * what came out. Before the EncryptedData (and its EncryptedHeader) leave
 * the document, every record that named them is re-pointed to the
 * plaintext: nothing keeps a pointer to freed nodes. Every failure is the
 * same WSSEC_EDECRYPT. */
static int decrypt_one(wssec_msg *msg, target *t, const unsigned char *key, size_t keylen)
{
    const char *type = wssec_xml_attr(t->data, "Type");
    bool content = type && strcmp(type, "http://www.w3.org/2001/04/xmlenc#Content") == 0;
    xmlNodePtr data = t->data, wrapper = t->wrapper;
    xmlNodePtr parent = data->parent, before = data->prev, after = data->next, replaced = NULL;
    xmlSecEncCtxPtr e = NULL;
    unsigned char *direct = NULL;
    const char *pt = NULL;
    size_t ptlen = 0;
    xmlNodePtr cv = NULL;
    int rc = WSSEC_EDECRYPT;
    if ((size_t)t->alg->key_type != keylen) goto done;
    if (gcm_plain_shape(t, &cv)) {
        wssec_msg_decryption_started(msg);
        rc = wssec__gcm_decrypt(cv, t->alg, key, &direct, &ptlen);
        if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, t->data, "out of memory");
        if (rc != 0 && rc != 1) goto done;
        pt = (const char *)direct;
    }
    if (!direct) {
        if (!(e = xmlSecEncCtxCreate(NULL)))
            return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, t->data, "out of memory");
        if ((rc = xmlsec_decrypt(msg, e, t, key, keylen, &pt, &ptlen))) goto done;
    }
    /* the plaintext is parsed under the same guard as the message: what a
     * sender encrypts to our public key costs no more than what it sends */
    if ((rc = plaintext_guard(msg, pt, ptlen))) goto done;
    rc = WSSEC_EDECRYPT;
    if (xmlSecReplaceNodeBufferAndReturn(data, (const xmlSecByte *)pt, (xmlSecSize)ptlen,
                                         &replaced) < 0)
        goto done;
    rc = 0;
    /* what came out stands where the EncryptedData stood */
    xmlNodePtr first = before ? before->next : parent->children;
    xmlNodePtr last = after ? after->prev : parent->last;
    if (first == after) first = last = NULL; /* nothing */
    if (wrapper) {
        /* an EncryptedHeader gives way to the header block it hid */
        for (xmlNodePtr c = first, next; c; c = next) {
            next = c == last ? NULL : c->next;
            xmlUnlinkNode(c);
            xmlAddPrevSibling(wrapper, c);
        }
        parent = wrapper->parent;
    }
    rc = wssec_msg_replace(msg, data, first, last);
    if (!rc && wrapper) rc = wssec_msg_replace(msg, wrapper, first, last);
    if (wrapper) {
        xmlUnlinkNode(wrapper);
        xmlFreeNode(wrapper);
    }
    if (!rc && parent == wssec_msg_header(msg) && (rc = header_block(msg, parent, first, last)))
        goto done;
    if (!rc && content) {
        rc = wssec_msg_add_decrypted(msg, parent, true, first, last);
    } else {
        for (xmlNodePtr n = first; n && !rc; n = n == last ? NULL : n->next)
            if (n->type == XML_ELEMENT_NODE) rc = wssec_msg_add_decrypted(msg, n, false, NULL, NULL);
    }
    if (rc) rc = wssec_msg_fail(msg, rc, NULL, parent, "out of memory");
done:
    ERR_clear_error();
    xmlFreeNode(replaced); /* the EncryptedData, once nothing names it */
    if (direct) {
        wssec__memzero(direct, ptlen);
        wssec__free(direct);
    }
    if (e) xmlSecEncCtxDestroy(e);
    if (rc == WSSEC_EDECRYPT) rc = wssec_msg_decrypt_failed(msg);
    return rc;
}

/* An EncryptedKey whose checks passed, waiting to be used after the walk of
 * the header (pipeline.c): by then every signature that can be verified
 * before any decryption has been. */
typedef struct ek_job {
    wssec_token *tok;
    xmlNodePtr ek;
    const wssec_alg *kt;
    int ktn;
    target t[MAX_TARGETS];
    size_t n;
    unsigned char *wrapped;
    size_t wlen;
    const wssec_token *keys[MAX_TARGETS]; /* standalone ReferenceList: each target's key token */
} ek_job;

static void ek_job_free(void *p)
{
    ek_job *j = p;
    if (!j) return;
    wssec__free(j->wrapped);
    wssec__free(j);
}

/* Stage 1, for every queued EncryptedKey before any is used: when a
 * verified signature covered ciphertext of this message (encrypt, then
 * sign), only covered ciphertext is decrypted, so ciphertext moved out of
 * the signed place, redirected or added beside it is refused, whatever the
 * order of the header's blocks (wssec_msg_may_decrypt). Coverage is by node
 * identity. */
static int ek_check(wssec_msg *msg, void *p)
{
    ek_job *j = p;
    for (size_t i = 0; i < j->n; i++)
        if (!wssec_msg_may_decrypt(msg, j->t[i].data))
            return wssec_msg_fail(msg, WSSEC_EUNSIGNED, NULL, j->t[i].data,
                                  "EncryptedData %s is not covered by the verified signature that "
                                  "covers this message's ciphertext: not decrypted",
                                  j->t[i].uri);
    return 0;
}

/* Decrypts the job's targets in place, with key (an EncryptedKey's session
 * key) or, when key is NULL, each with the key token its KeyInfo names (a
 * standalone ReferenceList); then counts them on the job's token. */
static int decrypt_targets(wssec_msg *msg, ek_job *j, const unsigned char *key, size_t keylen)
{
    int rc = 0;
    for (size_t i = 0; i < j->n && !rc; i++) {
        const unsigned char *k = key;
        size_t klen = key ? keylen : wssec_token_secret(&k, j->keys[i]);
        /* ciphertext no verified signature vouched for, in a mode without
         * integrity: from now on every rejection reads the same (the
         * pipeline answers WSSEC_EDECRYPT for any failure of the message) */
        wssec_msg_decrypting(msg, j->t[i].data, !j->t[i].alg->weak);
        wssec_msg_unclaim(msg, j->t[i].data);
        rc = decrypt_one(msg, &j->t[i], k, klen);
    }
    if (!rc) {
        char count[16];
        snprintf(count, sizeof(count), "%zu", j->n);
        if (wssec_token_set(j->tok, "decrypted", count)) rc = WSSEC_ENOMEM;
    }
    return rc;
}

/* Stage 2: the session key, then decryption in place. */
static int ek_run(wssec_msg *msg, void *p)
{
    ek_job *j = p;
    unsigned char key[64];
    size_t want = (size_t)j->t[0].alg->key_type;
    int rc;
    if (j->ktn == WSSEC_KT_KW_AES128 || j->ktn == WSSEC_KT_KW_AES256 || j->ktn == WSSEC_KT_KW_3DES) {
        const unsigned char *psk = NULL;
        size_t psk_len = 0;
        if (wssec_ctx_psk(&psk, &psk_len, wssec_msg_ctx(msg)) ||
            psk_len != (size_t)j->kt->key_type) {
            rc = wssec_msg_fail(msg, WSSEC_EDECRYPT, NULL, j->ek,
                                "%s key wrap, but no pre-shared key of %d bytes is configured "
                                "(--psk-file)",
                                j->kt->name, j->kt->key_type);
            goto done;
        }
        rc = kw_unwrap(j->ktn, psk, psk_len, j->wrapped, j->wlen, want, key);
    } else {
        wssec_located_key found = WSSEC_LOCATED_KEY_INIT;
        if ((rc = pick_rsa_key(msg, j->ek, &found))) goto done;
        rc = wssec__rsa_unwrap(found.key, j->ktn, j->wrapped, j->wlen, want, key);
        wssec_located_key_clear(&found);
    }
    if (rc) {
        wssec_msg_decryption_started(msg); /* a key was used */
        rc = wssec_msg_decrypt_failed(msg);
        goto done;
    }
    rc = decrypt_targets(msg, j, key, want);
done:
    wssec__memzero(key, sizeof(key));
    return rc;
}

/* inspect, after a refused key transport: the data algorithms its
 * DataReferences name (read, never used), and every option needed. */
static int inspect_refused(wssec_msg *msg, wssec_token *tok, xmlNodePtr ek, const char *kt_name,
                           int rc)
{
    if (!wssec_msg_inspecting(msg)) return rc;
    char refused[400], algs[200] = "";
    snprintf(refused, sizeof(refused), "key transport %s (--allow-rsa15)", kt_name);
    xmlNodePtr rl = child(ek, WSSEC_NS_XENC, "ReferenceList");
    size_t n = 0;
    for (xmlNodePtr dr = rl ? wssec_xml_first_elem(rl) : NULL; dr && n < 32;
         dr = wssec_xml_next_elem(dr), n++) {
        const char *u = wssec_xml_attr(dr, "URI");
        xmlAttrPtr id = u && u[0] == '#' ? xmlGetID(wssec_msg_doc(msg), BAD_CAST(u + 1)) : NULL;
        xmlNodePtr ed = id && id->parent ? id->parent : NULL;
        xmlNodePtr m = ed ? child(ed, WSSEC_NS_XENC, "EncryptionMethod") : NULL;
        const char *uri = m ? wssec_xml_attr(m, "Algorithm") : NULL;
        const wssec_alg *a = uri ? wssec__alg_by_uri(wssec__enc_algs, uri) : NULL;
        if (!a || strstr(algs, a->name)) continue;
        size_t off = strlen(algs);
        snprintf(algs + off, sizeof(algs) - off, "%s%s", off ? ", " : "", a->name);
        const char *allow = a == &wssec__enc_algs[WSSEC_ENC_3DES] ? "allow-3des" : "allow-cbc";
        if (a->weak && !opt_bool(msg, allow)) {
            off = strlen(refused);
            snprintf(refused + off, sizeof(refused) - off, "; data encryption %s (--%s)", a->name,
                     allow);
        }
    }
    if (wssec_token_set(tok, "key-transport", kt_name) ||
        (algs[0] && wssec_token_set(tok, "data-encryption", algs)) ||
        wssec_token_set(tok, "refused", refused))
        return WSSEC_ENOMEM;
    return rc;
}

/* 0. How many EncryptedKeys: bounded before any key is used. */
static int ek_count(wssec_msg *msg, xmlNodePtr ek)
{
    size_t count = 0, max = opt_size(msg, "max-encrypted-keys");
    for (xmlNodePtr c = wssec_xml_first_elem(ek->parent); c; c = wssec_xml_next_elem(c))
        if (wssec_xml_is(c, WSSEC_NS_XENC, "EncryptedKey")) count++;
    if (count > max)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", ek,
                              "the Security header holds %zu EncryptedKeys, more than "
                              "max-encrypted-keys %zu; refused before any key is used",
                              count, max);
    return 0;
}

/* 1. The key transport algorithm, against the allow-list (and RSA-OAEP's
 * digest), recorded on the token. */
static int ek_key_transport(wssec_msg *msg, wssec_token *tok, xmlNodePtr ek, const wssec_alg **out)
{
    xmlNodePtr m = child(ek, WSSEC_NS_XENC, "EncryptionMethod");
    const char *uri = m ? wssec_xml_attr(m, "Algorithm") : NULL;
    const wssec_alg *kt = uri ? wssec__alg_by_uri(wssec__kt_algs, uri) : NULL;
    if (!kt)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, ek,
                              "key transport algorithm '%.120s' is not allowed (rsa-oaep-mgf1p; "
                              "kw-aes128/256 with a pre-shared key)",
                              uri ? uri : "(none)");
    int ktn = (int)(kt - wssec__kt_algs);
    if (ktn == WSSEC_KT_RSA15 && !opt_bool(msg, "allow-rsa15"))
        return inspect_refused(msg, tok, ek, kt->name,
                               wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, ek,
                                              "rsa-1_5 key transport is refused by default "
                                              "(Bleichenbacher's attack); --allow-rsa15 accepts "
                                              "it from a legacy peer"));
    if (ktn == WSSEC_KT_KW_3DES && !opt_bool(msg, "allow-3des"))
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, ek,
                              "kw-tripledes key wrap is refused by default (3DES); --allow-3des "
                              "accepts it from an old peer");
    if (ktn == WSSEC_KT_RSA_OAEP) {
        xmlNodePtr dm = child(m, WSSEC_NS_DS, "DigestMethod");
        const char *d = dm ? wssec_xml_attr(dm, "Algorithm") : NULL;
        if (d && strcmp(d, "http://www.w3.org/2000/09/xmldsig#sha1") != 0)
            return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, dm,
                                  "RSA-OAEP digest '%.120s' is not supported (SHA-1, the "
                                  "rsa-oaep-mgf1p default)",
                                  d);
    }
    if (wssec_token_set(tok, "key-transport", kt->name)) return WSSEC_ENOMEM;
    *out = kt;
    return 0;
}

/* 1b. The KeyInfo that names our RSA key (BSP R5424, R5426), before any key
 * is used: one wsse:SecurityTokenReference; a bare ds:X509Data only when
 * R5426 is relaxed by name. (With key wrap the KeyInfo is not read: the
 * pre-shared key is the only key.) */
static int ek_key_info(wssec_msg *msg, xmlNodePtr ek, int ktn)
{
    xmlNodePtr eki = child(ek, WSSEC_NS_DS, "KeyInfo");
    if (!eki || (ktn != WSSEC_KT_RSA_OAEP && ktn != WSSEC_KT_RSA15)) return 0;
    xmlNodePtr c = wssec_xml_first_elem(eki);
    if (!c || wssec_xml_next_elem(c))
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, eki,
                              "EncryptedKey KeyInfo must hold exactly one "
                              "SecurityTokenReference (BSP R5424)");
    bool x509data = wssec_xml_is(c, WSSEC_NS_DS, "X509Data");
    if (wssec_xml_is(c, WSSEC_NS_WSSE, "SecurityTokenReference")) return 0;
    if (!x509data || !wssec__bsp_relaxed_in(wssec_msg_ctx(msg), WSSEC_BSP_R5426))
        return wssec_msg_fail(msg, WSSEC_EUNAVAILABLE, NULL, c,
                              "EncryptedKey KeyInfo holds a ds:%s, not a "
                              "wsse:SecurityTokenReference (BSP R5426%s)",
                              (const char *)c->name,
                              x509data ? "; --bsp-relax R5426 accepts it" : "");
    if (wssec_msg_warn(msg, "BSP R5426 relaxed: an EncryptedKey's KeyInfo held "
                            "a ds:X509Data"))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, c, "out of memory");
    return 0;
}

/* 2. One DataReference of the ReferenceList: its target found and checked
 * (algorithm included), never named twice, added to the job. */
static int ek_target(wssec_msg *msg, ek_job *j, xmlNodePtr rl, xmlNodePtr dr, size_t max_refs)
{
    if (!wssec_xml_is(dr, WSSEC_NS_XENC, "DataReference"))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, dr,
                              "ReferenceList may hold only DataReferences");
    if (j->n >= MAX_TARGETS || j->n >= max_refs)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", rl,
                              "ReferenceList with more than max-references %zu references",
                              max_refs);
    target *t = &j->t[j->n];
    int rc = find_target(msg, dr, t);
    if (rc) {
        /* ciphertext inside ciphertext: named once the outer part is decrypted */
        if (wssec_msg_deferred_count(msg)) wssec_msg_retry_after_decryption(msg);
        return rc;
    }
    for (size_t k = 0; k < j->n; k++)
        if (j->t[k].data == t->data)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, dr,
                                  "two DataReferences to one EncryptedData");
    /* RSA-1.5 with CBC is what WSS4J 1.x, CXF and Rampart send by default;
     * both had to be allowed by name. Implicit rejection (rsa_unwrap) and
     * the one failure after unauthenticated decryption (pipeline.c) keep
     * the pair from answering as an oracle; the report says it was used. */
    if (j->ktn == WSSEC_KT_RSA15 && t->alg->weak &&
        wssec_msg_warn(msg, "rsa-1_5 key transport with CBC encryption: legacy "
                            "algorithms without integrity; ask the peer for "
                            "RSA-OAEP and AES-GCM"))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, j->ek, "out of memory");
    j->n++;
    return 0;
}

/* 2. The targets, and their algorithms, before any decryption: every
 * EncryptedData under one key uses a key of one size. */
static int ek_targets(wssec_msg *msg, ek_job *j)
{
    xmlNodePtr rl = child(j->ek, WSSEC_NS_XENC, "ReferenceList");
    if (!rl)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, j->ek,
                              "EncryptedKey without a ReferenceList: nothing to decrypt");
    size_t max_refs = opt_size(msg, "max-references");
    for (xmlNodePtr dr = wssec_xml_first_elem(rl); dr; dr = wssec_xml_next_elem(dr))
        WSSEC_GUARD(ek_target(msg, j, rl, dr, max_refs));
    if (j->n == 0) return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, rl, "empty ReferenceList");
    for (size_t k = 1; k < j->n; k++)
        if (j->t[k].alg->key_type != j->t[0].alg->key_type)
            return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, j->t[k].data,
                                  "EncryptedData under one key use algorithms of different key "
                                  "sizes");
    if (wssec_token_set(j->tok, "data-encryption", j->t[0].alg->name))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, j->ek, "out of memory");
    return 0;
}

/* 3. The wrapped key, read now, used after the walk; and the targets
 * claimed, so no other EncryptedKey of the message names them. */
static int ek_wrapped_key(wssec_msg *msg, ek_job *j)
{
    xmlNodePtr cv = NULL;
    WSSEC_GUARD(cipher_value(msg, j->ek, &cv));
    if (wssec_msg_b64_elem(&j->wrapped, &j->wlen, msg, cv))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, j->ek,
                              "EncryptedKey without a base64 CipherValue");
    for (size_t k = 0; k < j->n; k++) {
        int rc = wssec_msg_claim(msg, j->t[k].data);
        if (rc) {
            while (k-- > 0) wssec_msg_unclaim(msg, j->t[k].data);
            return rc;
        }
    }
    return 0;
}

/* ===================================================================== */
/* the symmetric binding: EncryptedKeys as key tokens, standalone         */
/* ReferenceLists                                                         */
/* ===================================================================== */

/* RSA-OAEP unwrap of a key of 16 to 64 bytes, whatever its length (a key
 * token's length is fixed by its uses, which come later). */
static int oaep_unwrap_any(EVP_PKEY *pk, const unsigned char *in, size_t inlen, unsigned char *key,
                           size_t *keylen)
{
    unsigned char buf[1024];
    size_t outlen = sizeof(buf);
    int ok = rsa_decrypt(pk, RSA_PKCS1_OAEP_PADDING, buf, &outlen, in, inlen) && outlen >= 16 &&
             outlen <= 64;
    if (ok) {
        memcpy(key, buf, outlen);
        *keylen = outlen;
    }
    wssec__memzero(buf, sizeof(buf));
    return ok ? 0 : WSSEC_EDECRYPT;
}

/* The session key of a key token: RSA-OAEP with our key, or AES key wrap
 * with the pre-shared key. Any failure is WSSEC_EDECRYPT. */
static int session_key(wssec_msg *msg, xmlNodePtr ek, const wssec_alg *kt, const unsigned char *in,
                       size_t inlen, unsigned char key[64], size_t *keylen)
{
    int ktn = (int)(kt - wssec__kt_algs);
    if (ktn == WSSEC_KT_KW_AES128 || ktn == WSSEC_KT_KW_AES256) {
        const unsigned char *psk = NULL;
        size_t psk_len = 0;
        if (wssec_ctx_psk(&psk, &psk_len, wssec_msg_ctx(msg)) || psk_len != (size_t)kt->key_type ||
            inlen < 24 || inlen > 72 || inlen % 8)
            return WSSEC_EDECRYPT;
        *keylen = inlen - 8;
        return kw_unwrap(ktn, psk, psk_len, in, inlen, *keylen, key);
    }
    wssec_located_key found = WSSEC_LOCATED_KEY_INIT;
    WSSEC_GUARD(pick_rsa_key(msg, ek, &found));
    int rc = oaep_unwrap_any(found.key, in, inlen, key, keylen);
    wssec_located_key_clear(&found);
    return rc;
}

/* An EncryptedKey without a ReferenceList is a key token (the symmetric
 * binding): unwrapped now, in document order, so that the signature and the
 * standalone ReferenceList after it can use its session key. The key is the
 * token's secret (never a property, never in a report). It proves nothing
 * about its sender: anyone can encrypt a key to our certificate. */
static int ek_key_token(wssec_msg *msg, wssec_token *tok, xmlNodePtr ek, const wssec_alg *kt)
{
    if ((int)(kt - wssec__kt_algs) == WSSEC_KT_RSA15)
        return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, ek,
                              "an EncryptedKey used as a key token (no ReferenceList) must use "
                              "RSA-OAEP or AES key wrap: with rsa-1_5 its length is unknown, and "
                              "an unwrap that told it would be an oracle");
    xmlNodePtr cv = NULL;
    unsigned char *wrapped = NULL, key[64];
    size_t wlen = 0, klen = 0;
    WSSEC_GUARD(cipher_value(msg, ek, &cv));
    if (wssec_msg_b64_elem(&wrapped, &wlen, msg, cv))
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, ek,
                              "EncryptedKey without a base64 CipherValue");
    int rc = session_key(msg, ek, kt, wrapped, wlen, key, &klen);
    wssec__free(wrapped);
    if (rc == WSSEC_EDECRYPT) {
        wssec_msg_decryption_started(msg); /* a key was used */
        rc = wssec_msg_decrypt_failed(msg);
    } else if (!rc) {
        char bits[16];
        snprintf(bits, sizeof(bits), "%zu", klen * 8);
        if (wssec_token_set_secret(tok, key, klen) ||
            wssec_token_set(tok, "key-token", "session key (symmetric binding)") ||
            wssec_token_set(tok, "session-key-bits", bits))
            rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, ek, "out of memory");
    }
    wssec__memzero(key, sizeof(key));
    return rc;
}

/* A target of a standalone ReferenceList: its key, the EncryptedKey key
 * token its KeyInfo names. */
static int rl_key(wssec_msg *msg, ek_job *j, size_t i)
{
    char what[160];
    snprintf(what, sizeof(what), "EncryptedData %.120s", j->t[i].uri);
    xmlNodePtr ki = child(j->t[i].data, WSSEC_NS_DS, "KeyInfo");
    return wssec__symkey_resolve(msg, ki, what, &j->keys[i]);
}

/* Stage 2 of a standalone ReferenceList: each EncryptedData decrypted in
 * place with the session key of its key token. */
static int rl_run(wssec_msg *msg, void *p)
{
    return decrypt_targets(msg, p, NULL, 0);
}

/* The targets of a standalone ReferenceList, each with its key token, then
 * claimed (no EncryptedKey's own ReferenceList names them too). */
static int rl_targets(wssec_msg *msg, xmlNodePtr rl, ek_job *j)
{
    size_t max_refs = opt_size(msg, "max-references");
    for (xmlNodePtr dr = wssec_xml_first_elem(rl); dr; dr = wssec_xml_next_elem(dr)) {
        WSSEC_GUARD(ek_target(msg, j, rl, dr, max_refs));
        WSSEC_GUARD(rl_key(msg, j, j->n - 1));
    }
    if (j->n == 0) return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, rl, "empty ReferenceList");
    for (size_t k = 0; k < j->n; k++) {
        int rc = wssec_msg_claim(msg, j->t[k].data);
        if (rc) {
            while (k-- > 0) wssec_msg_unclaim(msg, j->t[k].data);
            return rc;
        }
    }
    return 0;
}

/* The kind of key token that keys a standalone ReferenceList's targets:
 * "derived-key" when every one is a DerivedKeyToken, else the type of the
 * first that is not (for the policy's RequireDerivedKeys). */
static const char *rl_key_kind(const ek_job *j)
{
    for (size_t k = 0; k < j->n; k++)
        if (strcmp(wssec_token_type(j->keys[k]), "derived-key") != 0)
            return wssec_token_type(j->keys[k]);
    return "derived-key";
}

/* A standalone xenc:ReferenceList in our Security header: every check that
 * needs no decryption now; the decryption queued like an EncryptedKey's
 * (ek_check, then rl_run). */
static int rl_consume(wssec_msg *msg, xmlNodePtr rl, void *ud)
{
    (void)ud;
    wssec_token *tok = wssec_msg_add_token(msg, "reference-list", rl);
    ek_job *j = tok ? wssec__calloc(1, sizeof(*j)) : NULL;
    if (!j) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, rl, "out of memory");
    j->tok = tok;
    j->ek = rl;
    j->ktn = -1;
    int rc = rl_targets(msg, rl, j);
    if (!rc && (wssec_token_set(tok, "data-encryption", j->t[0].alg->name) ||
                wssec_token_set(tok, "key-token", rl_key_kind(j))))
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, rl, "out of memory");
    if (rc) {
        ek_job_free(j);
        return rc;
    }
    return wssec_msg_defer(msg, tok, ek_check, rl_run, ek_job_free, j);
}

/* An EncryptedKey: every check that needs no key now, in order; the
 * decryption queued for the pipeline (ek_check, then ek_run). */
static int ek_consume(wssec_msg *msg, xmlNodePtr ek, void *ud)
{
    (void)ud;
    wssec_token *tok = wssec_msg_add_token(msg, "encrypted-key", ek);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, ek, "out of memory");
    const wssec_alg *kt = NULL;
    WSSEC_GUARD(ek_count(msg, ek));
    WSSEC_GUARD(ek_key_transport(msg, tok, ek, &kt));
    int ktn = (int)(kt - wssec__kt_algs);
    WSSEC_GUARD(ek_key_info(msg, ek, ktn));

    ek_job *j = wssec__calloc(1, sizeof(*j));
    if (!j) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, ek, "out of memory");
    j->tok = tok;
    j->ek = ek;
    j->kt = kt;
    j->ktn = ktn;
    if (!child(ek, WSSEC_NS_XENC, "ReferenceList")) {
        wssec__free(j);
        return ek_key_token(msg, tok, ek, kt);
    }
    int rc = ek_targets(msg, j);
    if (!rc) rc = ek_wrapped_key(msg, j);
    if (rc) {
        ek_job_free(j);
        return rc;
    }
    return wssec_msg_defer(msg, tok, ek_check, ek_run, ek_job_free, j);
}

/* ===================================================================== */
/* generator                                                              */
/* ===================================================================== */

typedef struct part {
    xmlNodePtr node;
    bool content;
} part;

static int add_target(wssec_msg *msg, part *p, size_t *n, xmlNodePtr e, bool content, const char *spec)
{
    if (e->type != XML_ELEMENT_NODE)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "encrypt-part '%s' selects something that is not an element", spec);
    if (e == wssec_msg_envelope(msg) || e == wssec_msg_header(msg) ||
        (e == wssec_msg_body(msg) && !content))
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, e,
                              "encrypt-part '%s': the SOAP Envelope, Header and Body themselves "
                              "are never encrypted (their content may be)",
                              spec);
    for (size_t i = 0; i < *n; i++)
        if (p[i].node == e) return 0;
    if (*n >= MAX_TARGETS)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, e, "more than %d encrypted parts", MAX_TARGETS);
    p[*n].node = e;
    p[*n].content = content;
    (*n)++;
    return 0;
}

/* The part selector's callback: a node for the parts of one encrypt-part;
 * its content or itself by the suffix, or by default (XPath only) the
 * Body's content and any other element itself. */
typedef struct part_sink {
    part *p;
    size_t *n;
    int mode; /* -1 by kind, 0 element, 1 content */
    bool xpath;
    const char *spec;
} part_sink;

static int add_selected(wssec_msg *msg, xmlNodePtr e, void *ud)
{
    const part_sink *k = ud;
    bool content = k->mode == 1 || (k->xpath && k->mode == -1 && e == wssec_msg_body(msg));
    return add_target(msg, k->p, k->n, e, content, k->spec);
}

/* A part: body (content), signature, {ns}local or an XPath, each with an
 * optional ":content" or ":element" suffix. */
static int select_parts(wssec_msg *msg, const char *spec0, part *p, size_t *n)
{
    char spec[1024];
    int mode = wssec__part_mode(spec, sizeof(spec), spec0);
    if (!strcmp(spec, "body")) {
        if (mode == 0)
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                                  "encrypt-part body:element: the Body itself is never encrypted");
        return add_target(msg, p, n, wssec_msg_body(msg), true, spec0);
    }
    if (!strcmp(spec, "signature")) {
        xmlNodePtr security = wssec_msg_security(msg, 0);
        xmlNodePtr sig = security ? child(security, WSSEC_NS_DS, "Signature") : NULL;
        if (!sig)
            return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                                  "encrypt-part signature: no Signature yet (sign before you "
                                  "encrypt it)");
        return add_target(msg, p, n, sig, mode == 1, spec0);
    }
    /* {ns}local: not searched inside an element already selected */
    part_sink k = { p, n, mode, spec[0] != '{', spec0 };
    size_t before = *n, found = 0;
    WSSEC_GUARD(wssec__part_select(&found, msg, "encrypt-part", spec, spec0, true, add_selected, &k));
    if (*n == before)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "encrypt-part '%s' selects nothing in the message", spec0);
    return 0;
}

/* Copies a header block's SOAP attributes (mustUnderstand, actor/role) to
 * the EncryptedHeader that hides it, so it stays addressable. */
static void copy_soap_attrs(wssec_msg *msg, xmlNodePtr from, xmlNodePtr to)
{
    const char *soap_ns = wssec_msg_soap_ns(msg);
    for (xmlAttrPtr a = from->properties; a; a = a->next) {
        if (!a->ns || !xmlStrEqual(a->ns->href, BAD_CAST soap_ns)) continue;
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        xmlNsPtr ns = xmlSearchNsByHref(wssec_msg_doc(msg), to, BAD_CAST soap_ns);
        if (v && ns) xmlSetNsProp(to, ns, a->name, v);
        xmlFree(v);
    }
}

/* Encrypts one part with the session key; returns the EncryptedData's ID. */
static int encrypt_one(wssec_msg *msg, const part *p, xmlSecTransformId alg, xmlSecKeyDataId kd,
                       const unsigned char *key, size_t keylen, char *id_out, size_t idlen)
{
    xmlNodePtr node = p->node;
    xmlDocPtr doc = wssec_msg_doc(msg);
    bool header_block = !p->content && node->parent == wssec_msg_header(msg);
    xmlNodePtr wrapper = NULL;
    char edid[40];
    WSSEC_GUARD(wssec__random_id(edid, sizeof(edid), "ED", 8));
    if (header_block) {
        /* wsse11:EncryptedHeader in place of the block, the block inside it */
        wrapper = xmlNewDocNode(doc, NULL, BAD_CAST "EncryptedHeader", NULL);
        if (!wrapper) return WSSEC_ENOMEM;
        xmlNsPtr ns = xmlNewNs(wrapper, BAD_CAST WSSEC_NS_WSSE11, BAD_CAST "wsse11");
        xmlSetNs(wrapper, ns);
        xmlAddPrevSibling(node, wrapper);
        copy_soap_attrs(msg, node, wrapper);
        xmlUnlinkNode(node);
        xmlAddChild(wrapper, node);
        if (!wssec_msg_new_id(msg, wrapper, "EH")) return WSSEC_ENOMEM;
    }
    xmlNodePtr tmpl = xmlSecTmplEncDataCreate(doc, alg, BAD_CAST edid,
                                              p->content ? xmlSecTypeEncContent : xmlSecTypeEncElement,
                                              NULL, NULL);
    if (!tmpl || !xmlSecTmplEncDataEnsureCipherValue(tmpl)) {
        xmlFreeNode(tmpl);
        return WSSEC_ENOMEM;
    }
    xmlSecEncCtxPtr e = xmlSecEncCtxCreate(NULL);
    int rc = WSSEC_EINTERNAL;
    if (!e) {
        xmlFreeNode(tmpl);
        return WSSEC_ENOMEM;
    }
    e->encKey = xmlSecKeyReadMemory(kd, key, (xmlSecSize)keylen);
    e->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    xmlNodePtr ed = tmpl;
    if (e->encKey && xmlSecEncCtxXmlEncrypt(e, tmpl, node) == 0) {
        rc = 0;
        tmpl = NULL; /* now in the document, where the part (or its content) was */
    }
    ERR_clear_error();
    xmlSecEncCtxDestroy(e);
    xmlFreeNode(tmpl);
    if (rc) return rc;
    /* register the new Id for the ReferenceList */
    xmlAttrPtr a = xmlHasProp(ed, BAD_CAST "Id");
    if (!a || !a->children) return WSSEC_EINTERNAL;
    xmlAttrPtr known = xmlGetID(doc, a->children->content);
    if (known != a && (known || !xmlAddID(NULL, doc, a->children->content, a)))
        return WSSEC_ENOMEM;
    snprintf(id_out, idlen, "%s", edid);
    return 0;
}

/* A ds:KeyInfo in the EncryptedData id, after its EncryptionMethod (XML
 * Encryption's order), naming the key it was encrypted with. */
static int ed_key_info(wssec_msg *msg, const char *id, const wssec_symkey_ref *ref)
{
    xmlAttrPtr a = xmlGetID(wssec_msg_doc(msg), BAD_CAST id);
    xmlNodePtr ed = a ? a->parent : NULL;
    xmlNodePtr em = ed ? child(ed, WSSEC_NS_XENC, "EncryptionMethod") : NULL;
    if (!em) return WSSEC_EINTERNAL;
    xmlNodePtr ki = xmlNewDocNode(wssec_msg_doc(msg), NULL, BAD_CAST "KeyInfo", NULL);
    if (!ki || !xmlAddNextSibling(em, ki)) {
        xmlFreeNode(ki);
        return WSSEC_ENOMEM;
    }
    xmlNsPtr ds = xmlNewNs(ki, BAD_CAST WSSEC_NS_DS, BAD_CAST "ds");
    if (!ds) return WSSEC_ENOMEM;
    xmlSetNs(ki, ds);
    return wssec__symkey_ref_write(msg, ki, ref);
}

/* What the generator reads of the settings and keys. */
typedef struct enc_opts {
    const wssec_alg *alg;     /* data encryption */
    wssec_key_wrap wrap;      /* the EncryptedKey's key transport and recipient */
    const char *const *parts; /* encrypt-part */
    size_t nparts;
    bool symmetric; /* the session key of the symmetric binding */
} enc_opts;

/* The generator's settings (by their options' names) and keys. */
static int enc_options(wssec_msg *msg, enc_opts *o)
{
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    int alg = 0;
    memset(o, 0, sizeof(*o));
    if (wssec_ctx_get_choice(&alg, NULL, ctx, "enc-alg") ||
        wssec_ctx_get_list(&o->parts, &o->nparts, ctx, "encrypt-part"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "encrypt: settings unreadable");
    o->alg = &wssec__enc_algs[alg];
    o->symmetric = opt_bool(msg, "symmetric");
    if (alg == WSSEC_ENC_3DES && !opt_bool(msg, "allow-3des"))
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "encrypt: enc-alg tripledes-cbc needs --allow-3des (3DES is for old "
                              "peers only)");
    return o->symmetric ? 0 : wssec__key_wrap_read(msg, &o->wrap);
}

/* Every part encrypted with key (ids[i] the i-th EncryptedData's ID);
 * with ref, each EncryptedData names the key in its KeyInfo. */
static int enc_parts(wssec_msg *msg, const enc_opts *o, const part *parts, size_t n,
                     char (*ids)[40], const unsigned char *key, size_t keylen,
                     const wssec_symkey_ref *ref)
{
    xmlSecTransformId id = transform_by_uri(o->alg->uri, xmlSecTransformUsageEncryptionMethod);
    if (id == xmlSecTransformIdUnknown)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "xmlsec lacks %s", o->alg->name);
    for (size_t i = 0; i < n; i++) {
        int rc =
            encrypt_one(msg, &parts[i], id, key_data(o->alg), key, keylen, ids[i], sizeof(ids[i]));
        if (!rc && ref) rc = ed_key_info(msg, ids[i], ref);
        if (rc)
            return wssec_msg_fail(msg, rc, NULL, parts[i].node, "encrypting a part with %s failed",
                                  o->alg->name);
    }
    return 0;
}

/* The ReferenceList of the n EncryptedData ids under parent. */
static int rl_write(wssec_msg *msg, xmlNodePtr rl, char (*ids)[40], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char uri[48];
        snprintf(uri, sizeof(uri), "#%.40s", ids[i]);
        xmlNodePtr dr = wssec_msg_add_elem(msg, rl, WSSEC_NS_XENC, "xenc", "DataReference", NULL);
        if (!dr || !xmlSetProp(dr, BAD_CAST "URI", BAD_CAST uri)) return WSSEC_ENOMEM;
    }
    return 0;
}

/* The EncryptedKey element, placed: before a Signature already in the
 * header (sign, then encrypt: the receiver decrypts first), else at the
 * end. NULL when memory ran out. */
static xmlNodePtr ek_place(wssec_msg *msg, xmlNodePtr security, const char *local)
{
    xmlNodePtr ek = xmlNewDocNode(wssec_msg_doc(msg), NULL, BAD_CAST local, NULL);
    if (!ek) return NULL;
    xmlSetNs(ek, xmlNewNs(ek, BAD_CAST WSSEC_NS_XENC, BAD_CAST "xenc"));
    xmlNodePtr sig = child(security, WSSEC_NS_DS, "Signature");
    if (!sig) {
        for (xmlNodePtr c = wssec_xml_first_elem(security); c && !sig; c = wssec_xml_next_elem(c))
            if (wssec_xml_is(c, WSSEC_NS_XENC, "EncryptedData")) sig = c; /* an encrypted Signature */
    }
    xmlNodePtr placed = sig ? xmlAddPrevSibling(sig, ek) : xmlAddChild(security, ek);
    if (!placed) {
        xmlFreeNode(ek);
        return NULL;
    }
    return ek;
}

/* The parts to encrypt: encrypt-part, or the Body's content. */
static int enc_select(wssec_msg *msg, const enc_opts *o, part *parts, size_t *n)
{
    if (o->nparts == 0) WSSEC_GUARD(select_parts(msg, "body", parts, n));
    for (size_t i = 0; i < o->nparts; i++) WSSEC_GUARD(select_parts(msg, o->parts[i], parts, n));
    return 0;
}

/* The symmetric binding: the parts encrypted with the message's session
 * key (or a key derived from it), each EncryptedData naming it in its
 * KeyInfo, and a standalone ReferenceList placed where the EncryptedKey
 * would be (before a Signature: the receiver decrypts first). */
static int enc_symmetric(wssec_msg *msg, const enc_opts *o, xmlNodePtr security, const part *parts,
                         size_t n, char (*ids)[40])
{
    const wssec_token *ek = NULL;
    WSSEC_GUARD(wssec__symkey_session(msg, &ek));
    xmlNodePtr rl = ek_place(msg, security, "ReferenceList");
    if (!rl) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    unsigned char key[64];
    size_t keylen = 0;
    wssec_symkey_ref ref;
    int rc = wssec__symkey_use(msg, ek, rl, (size_t)o->alg->key_type, key, &keylen, &ref);
    if (!rc) rc = enc_parts(msg, o, parts, n, ids, key, keylen, &ref);
    wssec__memzero(key, sizeof(key));
    if (!rc && rl_write(msg, rl, ids, n))
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return rc;
}

/* The encrypted-key action: the selected parts encrypted under a fresh key,
 * and the EncryptedKey that carries it to the recipient (with symmetric:
 * under the message's session key, enc_symmetric). */
static int enc_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    enc_opts o;
    WSSEC_GUARD(enc_options(msg, &o));
    xmlNodePtr security = wssec_msg_security(msg, 1);
    if (!security) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");

    part parts[MAX_TARGETS];
    size_t n = 0;
    char ids[MAX_TARGETS][40];
    WSSEC_GUARD(enc_select(msg, &o, parts, &n));
    if (o.symmetric) return enc_symmetric(msg, &o, security, parts, n, ids);

    unsigned char key[32];
    size_t keylen = (size_t)o.alg->key_type;
    if (RAND_bytes(key, (int)keylen) != 1)
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "no random");
    int rc = enc_parts(msg, &o, parts, n, ids, key, keylen, NULL);
    xmlNodePtr ek = rc ? NULL : ek_place(msg, security, "EncryptedKey");
    if (!rc && !ek) rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    if (!rc) rc = wssec__ek_fill(msg, &o.wrap, ek, key, keylen);
    wssec__memzero(key, sizeof(key));
    xmlNodePtr rl =
        rc ? NULL : wssec_msg_add_elem(msg, ek, WSSEC_NS_XENC, "xenc", "ReferenceList", NULL);
    if (!rc && (!rl || rl_write(msg, rl, ids, n)))
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return rc;
}

const wssec_module wssec__module_encryption = {
    .version = WSSEC_MODULE_VERSION,
    .name = "encrypted-key",
    .ns = WSSEC_NS_XENC,
    .local = "EncryptedKey",
    .consume = ek_consume,
    .generate = enc_generate,
};

const wssec_module wssec__module_reference_list = {
    .version = WSSEC_MODULE_VERSION,
    .name = "reference-list",
    .ns = WSSEC_NS_XENC,
    .local = "ReferenceList",
    .consume = rl_consume,
};
