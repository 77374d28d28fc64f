/*
 * username_fuzzer — the wsse:UsernameToken consumer (tokens/username.c) on
 * tokens wssec_secure made for alice (PasswordDigest, PasswordText, with a
 * Timestamp). The input mutates the UsernameToken. A fresh receiver context
 * per input verifies the message twice: a nonce accepted once must be a
 * replay the second time. An accepted token must name a user of the table,
 * and its password must really check: the PasswordText equals the user's
 * password, or the PasswordDigest is Base64(SHA-1(nonce + created +
 * password)) recomputed here from the token's own text.
 */
#include <string.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "fuzz_pairs.h"

#define NS_UT "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"

static const char *const ut[] = { "username-token", NULL };
static const char *const ts_ut[] = { "timestamp", "username-token", NULL };

static const char *const s_digest[] = { "password-type", "digest", NULL };
static const char *const s_text[] = { "password-type", "text", NULL };

static const char *const r_any[] = { "require", "username-token", "password-type", "any", NULL };
static const char *const r_text[] = { "require", "username-token", "password-type", "text", NULL };
static const char *const r_digest[] = { "require", "timestamp,username-token", NULL };

static const fz_base bases[] = {
    { "digest", 11, s_digest, ut, "alice", NULL, r_any, FZ_FRESH_CTX | FZ_KNOWN_USER },
    { "text", 11, s_text, ut, "alice", NULL, r_any, FZ_FRESH_CTX | FZ_KNOWN_USER },
    { "timestamp-digest-soap12", 12, s_digest, ts_ut, "bob", NULL, r_digest,
      FZ_FRESH_CTX | FZ_KNOWN_USER },
    { "text-only-receiver", 11, s_text, ut, "bob", NULL, r_text, FZ_FRESH_CTX | FZ_KNOWN_USER },
};

static const char *const focus[][2] = {
    { WSSEC_NS_WSSE, "UsernameToken" },
};

static xmlNodePtr child(xmlNodePtr e, const char *ns, const char *local)
{
    for (xmlNodePtr c = e->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && c->ns && xmlStrEqual(c->ns->href, BAD_CAST ns) &&
            xmlStrEqual(c->name, BAD_CAST local))
            return c;
    return NULL;
}

/* base64 without whitespace; NULL when it is not base64 */
static unsigned char *unb64(const char *text, int *len)
{
    char clean[512];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') continue;
        if (n + 1 >= sizeof(clean)) return NULL;
        clean[n++] = *p;
    }
    clean[n] = '\0';
    if (n == 0 || n % 4) return NULL;
    unsigned char *out = malloc(n);
    if (!out) abort();
    int m = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)n);
    if (m < 0) {
        free(out);
        return NULL;
    }
    if (clean[n - 1] == '=') m--;
    if (clean[n - 2] == '=') m--;
    *len = m;
    return out;
}

static char *text_of(xmlNodePtr n)
{
    return n ? (char *)xmlNodeGetContent(n) : NULL;
}

static void check(const fz_run *r)
{
    for (size_t i = 0; i < wssec_result_token_count(r->res); i++) {
        const wssec_token *t = wssec_result_token(r->res, i);
        if (strcmp(wssec_token_type(t), "username-token") != 0 || wssec_token_status(t) != 0)
            continue;
        const char *user = wssec_token_identity(t);
        if (!user) continue;
        const char *pw = fz_password(user);
        if (!pw) fz_fail("UsernameToken of an unknown user accepted", user);
        xmlNodePtr e = wssec_token_node(t);
        xmlNodePtr p = child(e, WSSEC_NS_WSSE, "Password");
        if (!p) fz_fail("UsernameToken without Password accepted", user);
        char *type = (char *)xmlGetProp(p, BAD_CAST "Type");
        char *sent = text_of(p);
        if (!type || !sent) fz_fail("accepted Password without Type or text", user);
        if (strcmp(type, NS_UT "#PasswordText") == 0) {
            if (strcmp(sent, pw) != 0) fz_fail("wrong PasswordText accepted", sent);
        } else if (strcmp(type, NS_UT "#PasswordDigest") == 0) {
            char *nonce = text_of(child(e, WSSEC_NS_WSSE, "Nonce"));
            char *created = text_of(child(e, WSSEC_NS_WSU, "Created"));
            if (!nonce || !created) fz_fail("PasswordDigest without Nonce and Created accepted", user);
            int nl = 0, dl = 0;
            unsigned char *raw = unb64(nonce, &nl), *got = unb64(sent, &dl);
            unsigned char want[EVP_MAX_MD_SIZE];
            unsigned int wl = 0;
            EVP_MD_CTX *md = EVP_MD_CTX_new();
            if (!md || !raw || !EVP_DigestInit_ex(md, EVP_sha1(), NULL) ||
                !EVP_DigestUpdate(md, raw, (size_t)nl) ||
                !EVP_DigestUpdate(md, created, strlen(created)) ||
                !EVP_DigestUpdate(md, pw, strlen(pw)) || !EVP_DigestFinal_ex(md, want, &wl))
                fz_fail("accepted digest cannot be recomputed", nonce);
            if (!got || (unsigned)dl != wl || memcmp(got, want, wl) != 0)
                fz_fail("wrong PasswordDigest accepted", sent);
            EVP_MD_CTX_free(md);
            free(raw);
            free(got);
            xmlFree(nonce);
            xmlFree(created);
        } else {
            fz_fail("unknown Password Type accepted", type);
        }
        xmlFree(type);
        xmlFree(sent);
    }
}

const fz_target fz_target_def = {
    .name = "username",
    .bases = bases,
    .nbases = sizeof(bases) / sizeof(bases[0]),
    .focus = focus,
    .nfocus = sizeof(focus) / sizeof(focus[0]),
    .check = check,
};
