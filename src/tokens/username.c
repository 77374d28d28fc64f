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
#include "identity.h"
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

/* The settings a UsernameToken depends on, read through the module SDK. */
typedef struct ut_settings {
    const char *password_type; /* "digest", "text" or "any" */
    int64_t clock_skew, max_age;  /* milliseconds */
    int millis;                   /* timestamp-millis */
} ut_settings;

static int read_settings(wssec_msg *msg, ut_settings *s)
{
    const wssec_ctx *ctx = wssec_msg_ctx(msg);
    if (wssec_ctx_get_choice(NULL, &s->password_type, ctx, "password-type") ||
        wssec_ctx_get_ms(&s->clock_skew, ctx, "clock-skew") ||
        wssec_ctx_get_ms(&s->max_age, ctx, "max-age") ||
        wssec_ctx_get_bool(&s->millis, ctx, "timestamp-millis"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL,
                              "UsernameToken settings unavailable");
    return 0;
}

/* One inbound UsernameToken as the consumer's steps read it. What they
 * allocate is freed (and the password as sent wiped) by ut_clear(). */
typedef struct ut_read {
    xmlNodePtr elem;
    wssec_token *tok;
    ut_settings s;
    ut_parts p;
    char *user;          /* the Username */
    bool is_digest;      /* PasswordDigest, else PasswordText */
    char *nonce_text;    /* the Nonce as sent, and decoded */
    unsigned char *nonce;
    size_t nonce_len;
    char *created;       /* Created exactly as sent (the digest covers it) */
    wssec_time ctime;
    char *sent;          /* the Password as sent */
} ut_read;

static void ut_clear(ut_read *r)
{
    if (r->sent) {
        wssec__memzero(r->sent, strlen(r->sent));
        xmlFree(r->sent);
    }
    xmlFree(r->user);
    xmlFree(r->nonce_text);
    xmlFree(r->created);
    wssec__free(r->nonce);
}

static int nomem(wssec_msg *msg, const ut_read *r)
{
    return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, r->elem, "out of memory");
}

/* With identity assertion configured, a UsernameToken without a Password is
 * an asserted identity: it proves nothing by itself (CVE-2013-0239); the
 * identity phase accepts it only when a trusted upstream vouches for it. */
static int ut_assertion(wssec_msg *msg, const ut_read *r)
{
    if (r->p.nonce || r->p.created)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, r->p.nonce ? r->p.nonce : r->p.created,
                              "a UsernameToken without Password asserts an identity and holds "
                              "only a Username");
    if (wssec_token_set_asserted(r->tok, WSSEC_ASSERTED_USERNAME, r->user)) return nomem(msg, r);
    return 0;
}

/* The Password's Type attribute. A namespace-qualified wsse:Type (WCF,
 * XWSS) is not the Type attribute: it is read only when the rule is relaxed
 * by name. */
static int password_type_attr(wssec_msg *msg, const ut_read *r, const char **type)
{
    *type = wssec_xml_attr(r->p.password, "Type");
    if (*type) return 0;
    xmlAttrPtr qa = xmlHasNsProp(r->p.password, BAD_CAST "Type", BAD_CAST WSSEC_NS_WSSE);
    if (!qa || !wssec__bsp_relaxed_in(wssec_msg_ctx(msg), WSSEC_BSP_R4201))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, r->p.password,
                              qa ? "Password has a namespace-qualified wsse:Type, not a Type "
                                   "attribute (BSP R4201; --bsp-relax R4201 accepts it)"
                                 : "Password without a Type attribute (BSP R4201)");
    *type = qa->children ? (const char *)qa->children->content : "";
    if (wssec_msg_warn(msg, "BSP R4201 relaxed: the Password Type was read from a "
                            "namespace-qualified wsse:Type"))
        return nomem(msg, r);
    return 0;
}

/* The password's type, which the policy decides (password-type): a
 * PasswordText where a digest is required is a downgrade. */
static int ut_password_type(wssec_msg *msg, ut_read *r)
{
    const char *type = NULL;
    WSSEC_GUARD(password_type_attr(msg, r, &type));
    if (strcmp(type, PW_DIGEST) == 0) {
        r->is_digest = true;
    } else if (strcmp(type, PW_TEXT) == 0) {
        r->is_digest = false;
    } else {
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, r->p.password,
                              "Password Type '%.120s' is neither PasswordText nor PasswordDigest",
                              type);
    }
    if (wssec_token_set(r->tok, "password-type", r->is_digest ? "digest" : "text"))
        return nomem(msg, r);
    if (!r->is_digest && strcmp(r->s.password_type, "digest") == 0)
        return wssec_msg_fail(msg, WSSEC_EAUTH, NULL, r->p.password,
                              "UsernameToken for '%s' sends PasswordText where PasswordDigest is "
                              "required (password-type text or any accepts it)",
                              r->user);
    if (r->is_digest && strcmp(r->s.password_type, "text") == 0)
        return wssec_msg_fail(msg, WSSEC_EAUTH, NULL, r->p.password,
                              "UsernameToken for '%s' sends PasswordDigest where PasswordText is "
                              "required (password-type digest or any accepts it)",
                              r->user);
    return 0;
}

/* The Nonce, decoded. Without an EncodingType the UsernameToken Profile
 * reads base64; BSP requires it, so it is accepted only when relaxed by
 * name. */
static int ut_nonce(wssec_msg *msg, ut_read *r)
{
    xmlNodePtr n = r->p.nonce;
    const char *enc = wssec_xml_attr(n, "EncodingType");
    if (!enc && !wssec__bsp_relaxed_in(wssec_msg_ctx(msg), WSSEC_BSP_R4220))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, n,
                              "Nonce without an EncodingType (BSP R4220; --bsp-relax R4220 reads "
                              "it as base64)");
    if (enc && strcmp(enc, ENC_B64) != 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, n,
                              "Nonce EncodingType '%.120s' is not Base64Binary (BSP R4221)", enc);
    if (!enc &&
        wssec_msg_warn(msg, "BSP R4220 relaxed: a Nonce without an EncodingType was read as base64"))
        return nomem(msg, r);
    if (!(r->nonce_text = wssec_xml_text(n))) return nomem(msg, r);
    if (wssec_b64_decode(&r->nonce, &r->nonce_len, r->nonce_text, MAX_NONCE) || r->nonce_len == 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, n, "Nonce is not base64 of 1 to %d bytes",
                              MAX_NONCE);
    /* the property for reports, the nonce itself for the identity phase */
    if (wssec_token_set(r->tok, "nonce", r->nonce_text) ||
        wssec_token_set_nonce(r->tok, r->nonce, r->nonce_len))
        return nomem(msg, r);
    return 0;
}

/* Created: a UTC time, not in the future beyond the clock skew, not older
 * than max-age. */
static int ut_created(wssec_msg *msg, ut_read *r)
{
    xmlNodePtr c = r->p.created;
    wssec_time now = wssec_msg_now(msg);
    /* the digest covers Created exactly as sent */
    if (!(r->created = (char *)xmlNodeGetContent(c))) return nomem(msg, r);
    if (wssec_time_parse(&r->ctime, r->created))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, c,
                              "UsernameToken Created '%.40s' is not a UTC time", r->created);
    if (wssec_token_set(r->tok, "created", r->created)) return nomem(msg, r);
    if (r->ctime > now + r->s.clock_skew)
        return wssec_msg_fail(msg, WSSEC_EEXPIRED, NULL, c,
                              "UsernameToken Created %s is in the future (clock-skew %lld s)",
                              r->created, (long long)(r->s.clock_skew / 1000));
    if (now - r->ctime > r->s.max_age + r->s.clock_skew)
        return wssec_msg_fail(msg, WSSEC_EEXPIRED, NULL, c,
                              "UsernameToken Created %s is older than max-age %lld s", r->created,
                              (long long)(r->s.max_age / 1000));
    return 0;
}

/* A token that could be replayed is refused before its password is
 * checked: a digest needs both Nonce and Created; and since the nonce cache
 * remembers a Nonce until max-age + clock-skew after Created, a Nonce
 * without Created has no end to measure from, and the token could be
 * replayed each time the entry expires. */
static int ut_replayable(wssec_msg *msg, const ut_read *r)
{
    if (r->is_digest && (!r->nonce || !r->created))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, r->elem,
                              "PasswordDigest without both Nonce and Created can be replayed "
                              "(UsernameToken Profile 1.1 section 4)");
    if (r->nonce && !r->created)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, r->p.nonce,
                              "UsernameToken with a Nonce without Created can be replayed once the "
                              "nonce cache forgets it (UsernameToken Profile 1.1 section 4)");
    return 0;
}

/* Whether what was sent matches the password: the digest, or the text,
 * compared in constant time. 1 or 0; a negative code when SHA-1 fails. */
static int password_matches(wssec_msg *msg, const ut_read *r, const char *pw, size_t pwlen)
{
    if (!r->is_digest) return wssec__ct_equal(r->sent, strlen(r->sent), pw, pwlen);
    unsigned char want[20], *got = NULL;
    size_t gotlen = 0;
    if (digest(want, r->nonce, r->nonce_len, r->created, pw, pwlen))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, r->elem, "SHA-1 unavailable");
    if (wssec_b64_decode(&got, &gotlen, r->sent, 64)) got = NULL;
    int match = wssec__ct_equal(want, sizeof(want), got ? got : want, got ? gotlen : 0);
    wssec__free(got);
    return match;
}

/* Authenticates the user with the password from the password source. An
 * unknown user takes the same path as a wrong password. */
static int ut_authenticate(wssec_msg *msg, ut_read *r)
{
    if (!wssec_ctx_has_passwords(wssec_msg_ctx(msg)))
        return wssec_msg_fail(msg, WSSEC_EAUTH, NULL, r->elem,
                              "UsernameToken for '%s' cannot be checked: no password source "
                              "(users file or password callback) is configured",
                              r->user);
    if (!(r->sent = (char *)xmlNodeGetContent(r->p.password))) return nomem(msg, r);
    char pw[MAX_PASSWORD];
    size_t pwlen = 0;
    int rc = 0, known = wssec_msg_password(pw, sizeof(pw), &pwlen, msg, r->user, WSSEC_PW_VERIFY);
    if (known != 0 && known != WSSEC_EAUTH) {
        rc = wssec_msg_fail(msg, known, NULL, r->elem, "password store failed for '%s': %s",
                            r->user, wssec_code_description(known));
        goto done;
    }
    int match = password_matches(msg, r, pw, pwlen);
    if (match < 0) rc = match;
    else if (known != 0 || !match)
        rc = wssec_msg_fail(msg, WSSEC_EAUTH, NULL, r->elem,
                            "UsernameToken for '%s' not authenticated: %s", r->user,
                            known != 0 ? "unknown user" : "wrong password");
done:
    wssec__memzero(pw, sizeof(pw));
    return rc;
}

/* Replay: only once the token is proven, so strangers cannot fill the
 * cache with someone else's nonces. The key is the Nonce and Created (as a
 * time, whatever its spelling), not the user name as sent: a digest does
 * not cover the Username, and a case-insensitive password store would
 * accept one captured token once per spelling. */
static int ut_replay(wssec_msg *msg, const ut_read *r)
{
    if (!r->nonce) {
        if (wssec_token_set(r->tok, "replay-check", "none (no Nonce)")) return nomem(msg, r);
        return 0;
    }
    char when[32];
    snprintf(when, sizeof(when), "%lld", (long long)r->ctime);
    int rc = wssec_msg_replay_check(msg, "wssec:ut-nonce", when, r->nonce, r->nonce_len,
                                    r->ctime + r->s.max_age + r->s.clock_skew);
    if (rc == WSSEC_EREPLAY)
        return wssec_msg_fail(msg, WSSEC_EREPLAY, "wsse:FailedAuthentication", r->p.nonce,
                              "UsernameToken nonce of '%s' was already used (replay)", r->user);
    return rc;
}

/* The steps after the Username, in order. The password's presence and
 * type come before anything else: the message must not choose how it is
 * verified. */
static int ut_check(wssec_msg *msg, ut_read *r)
{
    if (!r->p.password) {
        if (wssec__identity_enabled(wssec_msg_ctx(msg))) return ut_assertion(msg, r);
        return wssec_msg_fail(msg, WSSEC_EAUTH, NULL, r->elem,
                              "UsernameToken for '%s' has no Password", r->user);
    }
    WSSEC_GUARD(ut_password_type(msg, r));
    if (r->p.nonce) WSSEC_GUARD(ut_nonce(msg, r));
    if (r->p.created) WSSEC_GUARD(ut_created(msg, r));
    WSSEC_GUARD(ut_replayable(msg, r));
    WSSEC_GUARD(ut_authenticate(msg, r));
    WSSEC_GUARD(ut_replay(msg, r));
    if (wssec_token_set_identity(r->tok, r->user)) return nomem(msg, r);
    return wssec_msg_set_caller(msg, r->tok);
}

static int ut_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    (void)ud;
    ut_read r = { .elem = elem };
    WSSEC_GUARD(read_settings(msg, &r.s));
    if (!(r.tok = wssec_msg_add_token(msg, "username-token", elem)))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    WSSEC_GUARD(collect(msg, elem, &r.p));
    if (!(r.user = wssec_xml_text(r.p.username))) return WSSEC_ENOMEM;
    int rc;
    if (!*r.user)
        rc = wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, r.p.username,
                            "UsernameToken with an empty Username");
    else if (wssec_token_set(r.tok, "username", r.user))
        rc = nomem(msg, &r);
    else
        rc = ut_check(msg, &r);
    ut_clear(&r);
    return rc;
}

static int ut_generate(wssec_msg *msg, void *ud)
{
    (void)ud;
    ut_settings s;
    WSSEC_GUARD(read_settings(msg, &s));
    const char *user = wssec_msg_username(msg);
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
    bool is_digest = strcmp(s.password_type, "text") != 0;
    unsigned char nonce[NONCE_LEN], d[20];
    char created[32];
    if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
        wssec_time_format(created, sizeof(created), wssec_msg_now(msg), s.millis)) {
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
