/*
 * wssec — the UsernameToken module (UsernameToken Profile 1.0/1.1; BSP
 * R4201, R4220-R4225).
 *
 * Consumer: one Username; one Password with a Type (PasswordText or
 * PasswordDigest, and the type the policy requires: a PasswordText where a
 * digest is required is a downgrade); a digest needs a Nonce and a Created,
 * and a Nonce needs a Created (the nonce cache forgets it max-age after it);
 * Created fresh; the password from the password callback compared in
 * constant time (digest = Base64(SHA-1(nonce + created + password))); the
 * nonce recorded in the replay cache, keyed by Nonce and Created (not the
 * user name as sent), once the password is proven.
 * Generator: the same token, with a random 16-byte nonce.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "bsp.h"
#include "context.h"
#include "identity.h"
#include "record.h"
#include "settings.h"
#include "util.h"

#define UT_NS_PROFILE "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
#define PW_TEXT UT_NS_PROFILE "#PasswordText"
#define PW_DIGEST UT_NS_PROFILE "#PasswordDigest"
#define ENC_B64 \
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"

#define MAX_PASSWORD 1024
#define MAX_NONCE 256
#define NONCE_LEN 16

/* Base64(SHA-1(nonce + created + password)) as raw 20 bytes. */
static int digest(unsigned char out[20], const unsigned char *nonce, size_t nlen,
                  const char *created, const char *pw, size_t pwlen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha1(), NULL) && EVP_DigestUpdate(md, nonce, nlen) &&
             EVP_DigestUpdate(md, created, strlen(created)) && EVP_DigestUpdate(md, pw, pwlen) &&
             EVP_DigestFinal_ex(md, out, &n) && n == 20;
    EVP_MD_CTX_free(md);
    return ok ? 0 : WSSEC_EINTERNAL;
}

typedef struct ut_parts {
    xmlNodePtr username, password, nonce, created;
} ut_parts;

static int collect(wssec_msg *msg, xmlNodePtr elem, ut_parts *p)
{
    for (xmlNodePtr c = elem->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_COMMENT_NODE) continue;
        xmlNodePtr *slot = NULL;
        if (wssec_xml_is(c, WSSEC_NS_WSSE, "Username")) slot = &p->username;
        else if (wssec_xml_is(c, WSSEC_NS_WSSE, "Password")) slot = &p->password;
        else if (wssec_xml_is(c, WSSEC_NS_WSSE, "Nonce")) slot = &p->nonce;
        else if (wssec_xml_is(c, WSSEC_NS_WSU, "Created")) slot = &p->created;
        if (!slot)
            return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, c,
                                  "UsernameToken child {%s}%s is not supported",
                                  c->ns ? (const char *)c->ns->href : "", (const char *)c->name);
        if (*slot)
            return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, c,
                                  "UsernameToken has more than one %s (BSP R4222-R4225)",
                                  (const char *)c->name);
        *slot = c;
    }
    if (!p->username)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "UsernameToken without Username");
    return 0;
}

/* With identity assertion configured, a UsernameToken without a Password is
 * an asserted identity: it proves nothing by itself (CVE-2013-0239); the
 * identity phase accepts it only when a trusted upstream vouches for it. */
static int ut_assertion(wssec_msg *msg, xmlNodePtr elem, wssec_token *tok, const ut_parts *p,
                        const char *user)
{
    if (p->nonce || p->created)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p->nonce ? p->nonce : p->created,
                              "a UsernameToken without Password asserts an identity and holds "
                              "only a Username");
    char *type = wssec__strdup(WSSEC_TOKEN_ASSERTION);
    if (!type) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    wssec__free(tok->type);
    tok->type = type;
    if (wssec_token_set(tok, "asserted-kind", "username") || wssec_token_set(tok, "asserted", user))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    return 0;
}

static int ut_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    (void)ud;
    const wssec_settings *s = &msg->ctx->s;
    int rc = 0;
    char *user = NULL, *sent = NULL, *nonce_text = NULL, *created = NULL;
    unsigned char *nonce = NULL;
    size_t nonce_len = 0;
    char pw[MAX_PASSWORD];
    size_t pwlen = 0;
    ut_parts p = { 0 };
    wssec_time ctime = 0;

    wssec_token *tok = wssec_msg_add_token(msg, "username-token", elem);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    if ((rc = collect(msg, elem, &p))) return rc;
    if (!(user = wssec_xml_text(p.username))) return WSSEC_ENOMEM;
    if (!*user) {
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p.username, "UsernameToken with an empty Username");
        goto done;
    }
    if (wssec_token_set(tok, "username", user)) goto nomem;

    /* The password's presence and type come before anything else: the
     * message must not choose how it is verified. */
    if (!p.password) {
        if (wssec__identity_enabled(msg->ctx)) {
            rc = ut_assertion(msg, elem, tok, &p, user);
            goto done;
        }
        rc = wssec_msg_fail(msg, WSSEC_EAUTH, NULL, elem,
                            "UsernameToken for '%s' has no Password", user);
        goto done;
    }
    const char *type = wssec_xml_attr(p.password, "Type");
    bool is_digest;
    if (!type) {
        /* a namespace-qualified wsse:Type (WCF, XWSS) is not the Type
         * attribute: read only when the rule is relaxed by name */
        xmlAttrPtr qa = xmlHasNsProp(p.password, BAD_CAST "Type", BAD_CAST WSSEC_NS_WSSE);
        if (qa && wssec__bsp_relaxed(s, WSSEC_BSP_R4201)) {
            type = qa->children ? (const char *)qa->children->content : "";
            if (wssec_msg_warn(msg, "BSP R4201 relaxed: the Password Type was read "
                                             "from a namespace-qualified wsse:Type"))
                goto nomem;
        } else {
            rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p.password,
                                qa ? "Password has a namespace-qualified wsse:Type, not a Type "
                                     "attribute (BSP R4201; --bsp-relax R4201 accepts it)"
                                   : "Password without a Type attribute (BSP R4201)");
            goto done;
        }
    }
    if (strcmp(type, PW_DIGEST) == 0) {
        is_digest = true;
    } else if (strcmp(type, PW_TEXT) == 0) {
        is_digest = false;
    } else {
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p.password,
                            "Password Type '%.120s' is neither PasswordText nor PasswordDigest", type);
        goto done;
    }
    if (wssec_token_set(tok, "password-type", is_digest ? "digest" : "text")) goto nomem;
    if (!is_digest && s->password_type == WSSEC_PWTYPE_DIGEST) {
        rc = wssec_msg_fail(msg, WSSEC_EAUTH, NULL, p.password,
                            "UsernameToken for '%s' sends PasswordText where PasswordDigest is "
                            "required (password-type text or any accepts it)",
                            user);
        goto done;
    }
    if (is_digest && s->password_type == WSSEC_PWTYPE_TEXT) {
        rc = wssec_msg_fail(msg, WSSEC_EAUTH, NULL, p.password,
                            "UsernameToken for '%s' sends PasswordDigest where PasswordText is "
                            "required (password-type digest or any accepts it)",
                            user);
        goto done;
    }

    if (p.nonce) {
        /* without an EncodingType the UsernameToken Profile reads base64;
         * BSP requires it, so it is accepted only when relaxed by name */
        const char *enc = wssec_xml_attr(p.nonce, "EncodingType");
        if (!enc && !wssec__bsp_relaxed(s, WSSEC_BSP_R4220)) {
            rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p.nonce,
                                "Nonce without an EncodingType (BSP R4220; --bsp-relax R4220 "
                                "reads it as base64)");
            goto done;
        }
        if (enc && strcmp(enc, ENC_B64) != 0) {
            rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p.nonce,
                                "Nonce EncodingType '%.120s' is not Base64Binary (BSP R4221)", enc);
            goto done;
        }
        if (!enc && wssec_msg_warn(msg, "BSP R4220 relaxed: a Nonce without an "
                                                 "EncodingType was read as base64"))
            goto nomem;
        if (!(nonce_text = wssec_xml_text(p.nonce))) goto nomem;
        if (wssec_b64_decode(&nonce, &nonce_len, nonce_text, MAX_NONCE) || nonce_len == 0) {
            rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p.nonce,
                                "Nonce is not base64 of 1 to %d bytes", MAX_NONCE);
            goto done;
        }
        if (wssec_token_set(tok, "nonce", nonce_text)) goto nomem;
    }
    if (p.created) {
        /* the digest covers Created exactly as sent */
        if (!(created = (char *)xmlNodeGetContent(p.created))) goto nomem;
        if (wssec_time_parse(&ctime, created)) {
            rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p.created,
                                "UsernameToken Created '%.40s' is not a UTC time", created);
            goto done;
        }
        if (wssec_token_set(tok, "created", created)) goto nomem;
        if (ctime > msg->now + s->clock_skew_ms) {
            rc = wssec_msg_fail(msg, WSSEC_EEXPIRED, NULL, p.created,
                                "UsernameToken Created %s is in the future (clock-skew %lld s)",
                                created, (long long)(s->clock_skew_ms / 1000));
            goto done;
        }
        if (msg->now - ctime > s->max_age_ms + s->clock_skew_ms) {
            rc = wssec_msg_fail(msg, WSSEC_EEXPIRED, NULL, p.created,
                                "UsernameToken Created %s is older than max-age %lld s", created,
                                (long long)(s->max_age_ms / 1000));
            goto done;
        }
    }
    if (is_digest && (!nonce || !created)) {
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                            "PasswordDigest without both Nonce and Created can be replayed "
                            "(UsernameToken Profile 1.1 section 4)");
        goto done;
    }
    /* The nonce cache remembers a Nonce until max-age + clock-skew after
     * Created; without Created there is no end to measure from, and the token
     * could be replayed each time the entry expires. */
    if (nonce && !created) {
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, p.nonce,
                            "UsernameToken with a Nonce without Created can be replayed once the "
                            "nonce cache forgets it (UsernameToken Profile 1.1 section 4)");
        goto done;
    }

    /* Authenticate. An unknown user takes the same path as a wrong password. */
    if (!msg->ctx->password_cb) {
        rc = wssec_msg_fail(msg, WSSEC_EAUTH, NULL, elem,
                            "UsernameToken for '%s' cannot be checked: no password source "
                            "(users file or password callback) is configured",
                            user);
        goto done;
    }
    if (!(sent = (char *)xmlNodeGetContent(p.password))) goto nomem;
    int known = wssec_msg_password(pw, sizeof(pw), &pwlen, msg, user, WSSEC_PW_VERIFY);
    if (known != 0 && known != WSSEC_EAUTH) {
        rc = wssec_msg_fail(msg, known, NULL, elem, "password store failed for '%s': %s", user,
                            wssec_code_description(known));
        goto done;
    }
    int match;
    if (is_digest) {
        unsigned char want[20], *got = NULL;
        size_t gotlen = 0;
        if (digest(want, nonce, nonce_len, created, pw, pwlen)) {
            rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, elem, "SHA-1 unavailable");
            goto done;
        }
        if (wssec_b64_decode(&got, &gotlen, sent, 64)) got = NULL;
        match = wssec__ct_equal(want, sizeof(want), got ? got : want, got ? gotlen : 0);
        wssec__free(got);
    } else {
        match = wssec__ct_equal(sent, strlen(sent), pw, pwlen);
    }
    if (known != 0 || !match) {
        rc = wssec_msg_fail(msg, WSSEC_EAUTH, NULL, elem,
                            "UsernameToken for '%s' not authenticated: %s", user,
                            known != 0 ? "unknown user" : "wrong password");
        goto done;
    }

    /* Replay: only once the token is proven, so strangers cannot fill the
     * cache with someone else's nonces. The key is the Nonce and Created
     * (as a time, whatever its spelling), not the user name as sent: a
     * digest does not cover the Username, and a case-insensitive password
     * store would accept one captured token once per spelling. */
    if (nonce) {
        char when[32];
        snprintf(when, sizeof(when), "%lld", (long long)ctime);
        int r = wssec_msg_replay_check(msg, "wssec:ut-nonce", when, nonce, nonce_len,
                                       ctime + s->max_age_ms + s->clock_skew_ms);
        if (r == WSSEC_EREPLAY) {
            rc = wssec_msg_fail(msg, WSSEC_EREPLAY, "wsse:FailedAuthentication", p.nonce,
                                "UsernameToken nonce of '%s' was already used (replay)", user);
            goto done;
        }
        if (r) {
            rc = r;
            goto done;
        }
    } else if (wssec_token_set(tok, "replay-check", "none (no Nonce)")) {
        goto nomem;
    }
    if (wssec_token_set_identity(tok, user)) goto nomem;
    rc = wssec_msg_set_caller(msg, tok);
    goto done;
nomem:
    rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
done:
    wssec__memzero(pw, sizeof(pw));
    if (sent) {
        wssec__memzero(sent, strlen(sent));
        xmlFree(sent);
    }
    xmlFree(user);
    xmlFree(nonce_text);
    xmlFree(created);
    wssec__free(nonce);
    return rc;
}

static int ut_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    const wssec_settings *s = &msg->ctx->s;
    const char *user = msg->username;
    char pw[MAX_PASSWORD];
    size_t pwlen = 0;
    char *b64 = NULL, *nonce_b64 = NULL;
    int rc = 0;
    if (!user || !*user)
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "username-token: no user name (username option)");
    rc = wssec_msg_password(pw, sizeof(pw), &pwlen, msg, user, WSSEC_PW_GENERATE);
    if (rc)
        return wssec_msg_fail(msg, rc == WSSEC_EAUTH ? WSSEC_ECONFIG : rc, NULL, NULL,
                              "username-token: no password for '%s' (password-file or "
                              "password-env)",
                              user);
    bool is_digest = s->password_type != WSSEC_PWTYPE_TEXT;
    unsigned char nonce[NONCE_LEN], d[20];
    char created[32];
    if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
        wssec_time_format(created, sizeof(created), msg->now, s->timestamp_millis)) {
        rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "random or clock unavailable");
        goto done;
    }
    if (is_digest) {
        if (digest(d, nonce, sizeof(nonce), created, pw, pwlen) ||
            !(b64 = wssec_b64_encode(d, sizeof(d)))) {
            rc = wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "digest unavailable");
            goto done;
        }
    } else if (!(b64 = (char *)xmlStrndup(BAD_CAST pw, (int)pwlen))) {
        goto nomem;
    }
    if (!(nonce_b64 = wssec_b64_encode(nonce, sizeof(nonce)))) goto nomem;
    xmlNodePtr sec = wssec_msg_security(msg, 1);
    xmlNodePtr ut = sec ? wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "wsse", "UsernameToken", NULL)
                        : NULL;
    xmlNodePtr pwe, ne;
    if (!ut || !wssec_msg_new_id(msg, ut, "UsernameToken") ||
        !wssec_msg_add_elem(msg, ut, WSSEC_NS_WSSE, "wsse", "Username", user) ||
        !(pwe = wssec_msg_add_elem(msg, ut, WSSEC_NS_WSSE, "wsse", "Password", b64)) ||
        !xmlSetProp(pwe, BAD_CAST "Type", BAD_CAST(is_digest ? PW_DIGEST : PW_TEXT)) ||
        !(ne = wssec_msg_add_elem(msg, ut, WSSEC_NS_WSSE, "wsse", "Nonce", nonce_b64)) ||
        !xmlSetProp(ne, BAD_CAST "EncodingType", BAD_CAST ENC_B64) ||
        !wssec_msg_add_elem(msg, ut, WSSEC_NS_WSU, "wsu", "Created", created))
        goto nomem;
    goto done;
nomem:
    rc = wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
done:
    wssec__memzero(pw, sizeof(pw));
    if (b64) {
        wssec__memzero(b64, strlen(b64));
        xmlFree(b64);
    }
    xmlFree(nonce_b64);
    return rc;
}

const wssec_module wssec__module_username = {
    .version = WSSEC_MODULE_VERSION,
    .name = "username-token",
    .ns = WSSEC_NS_WSSE,
    .local = "UsernameToken",
    .consume = ut_consume,
    .generate = ut_generate,
};
