/*
 * wssec — derived keys: wsc:DerivedKeyToken (WS-SecureConversation, the
 * 2005/02 draft and 1.3), consumed in document order.
 *
 * A DerivedKeyToken names, by a wsse:SecurityTokenReference, an EncryptedKey
 * key token of this message (symkey.c: a Reference to its Id, or a
 * KeyIdentifier EncryptedKeySHA1) or a SecurityContextToken the application
 * resolved (sct.c: a Reference to its Id or Identifier), and derives from
 * its key, with
 * P_SHA-1, Length bytes at Offset (or Generation x Length) of the stream
 * seeded by Label (default "WS-SecureConversationWS-SecureConversation")
 * and the decoded Nonce. The derived key is the token's secret; an HMAC
 * signature or an EncryptedData whose KeyInfo names the DerivedKeyToken
 * uses it (symkey.c). Like the key it comes from, it proves nothing about
 * its sender.
 *
 * Length and Offset are bounded by max-derived-key-length and
 * max-derived-key-offset, checked before any key is derived: a sender
 * cannot ask for unbounded work.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "../symkey.h"
#include "../util.h"

#define DEFAULT_LABEL "WS-SecureConversationWS-SecureConversation"
#define DEFAULT_LENGTH 32
/* Most bytes of Label and Nonce together: the seed every HMAC reads. */
#define SEED_MAX 1024

typedef struct dkt {
    const char *id; /* for messages */
    xmlNodePtr str, gen, off, len, label, nonce;
} dkt;

static size_t opt_size(const wssec_msg *msg, const char *name)
{
    size_t v = 0;
    return wssec_ctx_get_size(&v, wssec_msg_ctx(msg), name) == 0 ? v : 0;
}

/* Algorithm: absent (P_SHA-1) or P_SHA-1 in either namespace. */
static int dk_algorithm(wssec_msg *msg, xmlNodePtr dk, const dkt *d)
{
    const char *alg = wssec_xml_attr(dk, "Algorithm");
    if (!alg || strcmp(alg, WSSEC_NS_WSC_2005 "/dk/p_sha1") == 0 ||
        strcmp(alg, WSSEC_NS_WSC_13 "/dk/p_sha1") == 0)
        return 0;
    return wssec_msg_fail(msg, WSSEC_EALGORITHM, NULL, dk,
                          "DerivedKeyToken %s: Algorithm '%.120s' is not supported (only P_SHA-1, "
                          "%s/dk/p_sha1)",
                          d->id, alg, WSSEC_NS_WSC_2005);
}

/* The children: one SecurityTokenReference, then Generation or Offset,
 * Length, Label, Nonce, each at most once. */
static int dk_fields(wssec_msg *msg, xmlNodePtr dk, dkt *d)
{
    const char *ns = dk->ns ? (const char *)dk->ns->href : "";
    for (xmlNodePtr c = wssec_xml_first_elem(dk); c; c = wssec_xml_next_elem(c)) {
        xmlNodePtr *slot = NULL;
        if (wssec_xml_is(c, WSSEC_NS_WSSE, "SecurityTokenReference")) slot = &d->str;
        else if (wssec_xml_is(c, ns, "Generation")) slot = &d->gen;
        else if (wssec_xml_is(c, ns, "Offset")) slot = &d->off;
        else if (wssec_xml_is(c, ns, "Length")) slot = &d->len;
        else if (wssec_xml_is(c, ns, "Label")) slot = &d->label;
        else if (wssec_xml_is(c, ns, "Nonce")) slot = &d->nonce;
        if (!slot || *slot)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, c,
                                  "DerivedKeyToken %s: %s element <%s> (it holds one "
                                  "SecurityTokenReference, then Generation or Offset, Length, "
                                  "Label and Nonce, each at most once; Properties is not supported)",
                                  d->id, slot ? "repeated" : "unexpected", (const char *)c->name);
        *slot = c;
    }
    if (!d->str)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, dk,
                              "DerivedKeyToken %s has no SecurityTokenReference: the key it "
                              "derives from is not named",
                              d->id);
    if (d->gen && d->off)
        return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, dk,
                              "DerivedKeyToken %s holds both Generation and Offset", d->id);
    return 0;
}

/* A non-negative decimal; a huge one saturates at SIZE_MAX (refused by the
 * bound after). */
static int dk_number(wssec_msg *msg, xmlNodePtr e, const dkt *d, size_t *out)
{
    char *s = wssec_xml_text(e);
    if (!s) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, e, "out of memory");
    size_t v = 0, i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned digit = (unsigned)(s[i] - '0');
        v = v > (SIZE_MAX - digit) / 10 ? SIZE_MAX : v * 10 + digit;
    }
    int bad = i == 0 || s[i] != '\0';
    xmlFree(s);
    if (bad)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, e,
                              "DerivedKeyToken %s: %s is not a non-negative integer", d->id,
                              (const char *)e->name);
    *out = v;
    return 0;
}

/* Length and Offset (or Generation x Length), bounded before any work. */
static int dk_bounds(wssec_msg *msg, xmlNodePtr dk, const dkt *d, size_t *len, size_t *off)
{
    size_t max_len = opt_size(msg, "max-derived-key-length");
    size_t max_off = opt_size(msg, "max-derived-key-offset"), gen = 0;
    *len = DEFAULT_LENGTH;
    *off = 0;
    if (d->len) WSSEC_GUARD(dk_number(msg, d->len, d, len));
    if (*len == 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, d->len, "DerivedKeyToken %s: Length 0",
                              d->id);
    if (*len > max_len)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, d->len ? d->len : dk,
                              "DerivedKeyToken %s: Length %zu is more than max-derived-key-length "
                              "%zu; refused before any key is derived",
                              d->id, *len, max_len);
    if (d->off) WSSEC_GUARD(dk_number(msg, d->off, d, off));
    if (d->gen) {
        WSSEC_GUARD(dk_number(msg, d->gen, d, &gen));
        *off = gen > SIZE_MAX / *len ? SIZE_MAX : gen * *len;
    }
    if (*off > max_off)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, d->gen ? d->gen : d->off,
                              "DerivedKeyToken %s: %s asks for the key at offset %s%zu, more than "
                              "max-derived-key-offset %zu; refused before any key is derived",
                              d->id, d->gen ? "Generation x Length" : "Offset",
                              *off == SIZE_MAX ? ">= " : "", *off, max_off);
    return 0;
}

/* The seed: Label (or the default) then the decoded Nonce, which must be
 * there (without one, every key derived from a secret repeats). */
static int dk_seed(wssec_msg *msg, xmlNodePtr dk, const dkt *d, unsigned char **seed, size_t *n)
{
    unsigned char *nonce = NULL;
    size_t nlen = 0;
    if (!d->nonce)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, dk,
                              "DerivedKeyToken %s has no Nonce (a key derived without one repeats "
                              "for every use of its secret)",
                              d->id);
    int rc = wssec_msg_b64_elem(&nonce, &nlen, msg, d->nonce);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, d->nonce, "out of memory");
    if (rc)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, d->nonce,
                              "DerivedKeyToken %s: its Nonce is not base64, or is empty", d->id);
    char *label = d->label ? wssec_xml_text(d->label) : NULL;
    const char *l = d->label ? label : DEFAULT_LABEL;
    size_t llen = l ? strlen(l) : 0;
    if (!l) rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, dk, "out of memory");
    else if (llen + nlen > SEED_MAX)
        rc = wssec_msg_fail(msg, WSSEC_ELIMIT, NULL, dk,
                            "DerivedKeyToken %s: Label and Nonce hold %zu bytes, more than %d",
                            d->id, llen + nlen, SEED_MAX);
    else if (!(*seed = wssec__malloc(llen + nlen)))
        rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, dk, "out of memory");
    if (!rc) {
        memcpy(*seed, l, llen);
        memcpy(*seed + llen, nonce, nlen);
        *n = llen + nlen;
    }
    if (label) xmlFree(label);
    wssec_free(nonce);
    return rc;
}

/* The key: bounds first, then the EncryptedKey or SecurityContextToken it
 * comes from, then P_SHA-1. */
static int dk_derive(wssec_msg *msg, wssec_token *tok, xmlNodePtr dk, const dkt *d)
{
    size_t len = 0, off = 0, seedlen = 0;
    unsigned char *seed = NULL, key[64];
    const unsigned char *secret = NULL;
    const wssec_token *base = NULL;
    char what[160];
    WSSEC_GUARD(dk_bounds(msg, dk, d, &len, &off));
    snprintf(what, sizeof(what), "DerivedKeyToken %.120s", d->id);
    WSSEC_GUARD(wssec__symkey_base(msg, d->str, what, &base));
    size_t slen = wssec_token_secret(&secret, base);
    WSSEC_GUARD(dk_seed(msg, dk, d, &seed, &seedlen));
    unsigned char *out = len <= sizeof(key) ? key : wssec__malloc(len);
    int rc = out ? wssec__p_sha1(secret, slen, seed, seedlen, off, out, len) : WSSEC_ENOMEM;
    wssec__free(seed);
    if (!rc && wssec_token_set_secret(tok, out, len)) rc = WSSEC_ENOMEM;
    if (out) wssec__memzero(out, len);
    if (out != key) wssec__free(out);
    char v[32];
    snprintf(v, sizeof(v), "%zu", len * 8);
    if (!rc && (wssec_token_set(tok, "derived-key-bits", v) ||
                wssec_token_set(tok, "key-token", "derived key (P_SHA-1)")))
        rc = WSSEC_ENOMEM;
    snprintf(v, sizeof(v), "%zu", off);
    if (!rc && wssec_token_set(tok, "offset", v)) rc = WSSEC_ENOMEM;
    if (rc) return wssec_msg_fail(msg, rc, NULL, dk, "DerivedKeyToken %s: no key derived", d->id);
    return 0;
}

/* How many DerivedKeyTokens (both namespaces): bounded before any key is
 * derived, as each costs HMACs. */
static int dk_count(wssec_msg *msg, xmlNodePtr dk)
{
    size_t count = 0, max = opt_size(msg, "max-derived-keys");
    for (xmlNodePtr c = wssec_xml_first_elem(dk->parent); c; c = wssec_xml_next_elem(c))
        if (wssec_xml_is(c, WSSEC_NS_WSC_2005, "DerivedKeyToken") ||
            wssec_xml_is(c, WSSEC_NS_WSC_13, "DerivedKeyToken"))
            count++;
    if (count > max)
        return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", dk,
                              "the Security header holds %zu DerivedKeyTokens, more than "
                              "max-derived-keys %zu; refused before any key is derived",
                              count, max);
    return 0;
}

static int dk_consume(wssec_msg *msg, xmlNodePtr dk, void *ud)
{
    (void)ud;
    dkt d = { 0 };
    wssec_token *tok = wssec_msg_add_token(msg, "derived-key", dk);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, dk, "out of memory");
    xmlChar *wsu_id = xmlGetNsProp(dk, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
    const char *id = wssec_xml_attr(dk, "Id");
    d.id = wsu_id ? (const char *)wsu_id : id ? id : "(no Id)";
    int rc = dk_count(msg, dk);
    if (!rc) rc = dk_algorithm(msg, dk, &d);
    if (!rc) rc = dk_fields(msg, dk, &d);
    if (!rc) rc = dk_derive(msg, tok, dk, &d);
    if (wsu_id) xmlFree(wsu_id);
    return rc;
}

const wssec_module wssec__module_derived_key = {
    .version = WSSEC_MODULE_VERSION,
    .name = "derived-key",
    .ns = WSSEC_NS_WSC_2005,
    .local = "DerivedKeyToken",
    .consume = dk_consume,
};

const wssec_module wssec__module_derived_key_13 = {
    .version = WSSEC_MODULE_VERSION,
    .name = "derived-key-1.3",
    .ns = WSSEC_NS_WSC_13,
    .local = "DerivedKeyToken",
    .consume = dk_consume,
};
