/*
 * A sample wssec plug-in: a custom BinarySecurityToken in the spirit of an
 * LTPA single-sign-on token, and (optionally) a trusted-ID evaluator.
 *
 * The token is opaque to everyone but the holders of one HMAC key: it names
 * a user and an expiry, and carries an HMAC-SHA256 over both:
 *
 *   <wsse:BinarySecurityToken ValueType="urn:wssec:sample:ltpa-token"
 *       EncodingType="...#Base64Binary" wsu:Id="LTPA-...">
 *     base64("v=1;user=alice;expires=2025-06-01T12:10:00Z;mac=<64 hex digits>")
 *   </wsse:BinarySecurityToken>
 *
 * Consumer: the MAC is checked first (in constant time), then the expiry at
 * the message's clock (with a tolerance for clock skew); the user becomes
 * the caller. Like any bearer SSO token it can be presented again until it
 * expires: keep the lifetime short, and sign the message when that matters.
 * Generator ("ltpa-token" action): a token for the configured user.
 *
 * Load it with
 *
 *   wssec verify --plugin ./ltpa_token.so::key-file=ltpa.key ...
 *   wssec secure --plugin ./ltpa_token.so::key-file=ltpa.key,user=alice,ttl=600 \
 *                --actions timestamp,ltpa-token ...
 *
 * The argument (after "FILE:ENTRY:", the entry point left empty for the
 * default wssec_plugin_init) is a comma-separated list:
 *   key-file=PATH   the HMAC key: the file's bytes (a final line end
 *                   dropped), 16 to 256 of them. Required. The key itself is
 *                   never given on the command line.
 *   user=NAME       generator: the user the token names
 *   ttl=SECONDS     generator: the token's lifetime (default 600)
 *   skew=SECONDS    consumer: tolerated clock difference (default: the
 *                   context's clock-skew option)
 *   trusted-ou=OU   also install a trusted-ID evaluator that trusts upstreams
 *                   proven by signature whose subject has the RDN OU=OU
 *
 * It uses only the public API (<wssec/wssec.h>) and the module SDK
 * (<wssec/sys/sdk.h>: attributes, base64 element text, wsu:Id creation,
 * settings), libxml2 and OpenSSL, and is not linked with libwssec: the
 * process that loads it provides it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <wssec/wssec.h>
#include <wssec/sys/sdk.h>

#define LTPA_VT "urn:wssec:sample:ltpa-token"
#define MAX_TOKEN 1536 /* bytes, decoded */
#define MAX_KEY 256
#define MAC_LEN 32

typedef struct ltpa {
    wssec_module module; /* registered; its userdata is this state */
    unsigned char key[MAX_KEY];
    size_t keylen;
    char user[256];
    long ttl, skew; /* seconds; skew -1: the context's clock-skew */
    char trusted_ou[300]; /* normalised "ou=..." or "" */
} ltpa;

WSSEC_PLUGIN_EXPORT int wssec_plugin_init(wssec_plugin *plugin, wssec_config *cfg, const char *arg);

/* ---- helpers ---- */

static int hmac(const ltpa *st, const char *data, size_t len, unsigned char out[MAC_LEN])
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), st->key, (int)st->keylen, (const unsigned char *)data, len, out,
                &n) && n == MAC_LEN
               ? 0
               : WSSEC_EINTERNAL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* ---- consumer ---- */

static int ltpa_consume(wssec_msg *msg, xmlNodePtr elem, void *ud)
{
    const ltpa *st = ud;
    wssec_token *tok = wssec_msg_add_token(msg, "ltpa-token", elem);
    if (!tok) return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    const char *enc = wssec_xml_attr(elem, "EncodingType");
    if (!enc || strcmp(enc, WSSEC_ENC_BASE64) != 0)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "LTPA token: EncodingType must be Base64Binary");
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = wssec_msg_b64_elem(&bytes, &len, msg, elem);
    if (rc == WSSEC_ENOMEM) return wssec_msg_fail(msg, rc, NULL, elem, "out of memory");
    char raw[MAX_TOKEN + 1];
    if (!rc && len <= MAX_TOKEN) {
        memcpy(raw, bytes, len);
        raw[len] = '\0';
    }
    wssec_free(bytes);
    if (rc || len > MAX_TOKEN)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "LTPA token is not base64");
    if (strlen(raw) != len)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "LTPA token holds a NUL byte");

    /* integrity first: nothing of the token is believed before its MAC */
    char *mac = strstr(raw, ";mac=");
    if (!mac || strlen(mac + 5) != 2 * MAC_LEN)
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "LTPA token without a MAC");
    unsigned char want[MAC_LEN], got[MAC_LEN];
    for (size_t i = 0; i < MAC_LEN; i++) {
        int h = hexval(mac[5 + 2 * i]), l = hexval(mac[6 + 2 * i]);
        if (h < 0 || l < 0)
            return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem, "LTPA token MAC is not hex");
        got[i] = (unsigned char)(h * 16 + l);
    }
    *mac = '\0';
    if (hmac(st, raw, strlen(raw), want))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, elem, "HMAC-SHA256 unavailable");
    if (CRYPTO_memcmp(want, got, MAC_LEN) != 0)
        return wssec_msg_fail(msg, WSSEC_EAUTH, NULL, elem,
                              "LTPA token MAC does not verify (another key, or the token was "
                              "changed)");

    /* "v=1;user=NAME;expires=TIME" */
    char *user = NULL, *expires = NULL;
    if (strncmp(raw, "v=1;user=", 9) == 0) {
        user = raw + 9;
        char *sep = strstr(user, ";expires=");
        if (sep) {
            *sep = '\0';
            expires = sep + 9;
        }
    }
    wssec_time until = 0;
    if (!user || !*user || !expires || strchr(user, ';') || wssec_time_parse(&until, expires))
        return wssec_msg_fail(msg, WSSEC_ETOKEN, NULL, elem,
                              "LTPA token is not v=1;user=NAME;expires=TIME");
    if (wssec_token_set(tok, "user", user) || wssec_token_set(tok, "expires", expires))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    /* the plug-in's skew, else the context's clock-skew */
    int64_t skew = (int64_t)st->skew * 1000;
    if (st->skew < 0 && wssec_ctx_get_ms(&skew, wssec_msg_ctx(msg), "clock-skew"))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, elem, "clock-skew unavailable");
    if (wssec_msg_now(msg) > until + skew)
        return wssec_msg_fail(msg, WSSEC_EEXPIRED, NULL, elem,
                              "LTPA token for '%s' expired at %s (skew %lld s)", user, expires,
                              (long long)(skew / 1000));
    if (wssec_token_set_identity(tok, user))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, elem, "out of memory");
    return wssec_msg_set_caller(msg, tok);
}

/* ---- generator ---- */

static int ltpa_generate(wssec_msg *msg, void *ud)
{
    const ltpa *st = ud;
    if (!st->user[0])
        return wssec_msg_fail(msg, WSSEC_ECONFIG, NULL, NULL,
                              "ltpa-token: no user (the plug-in argument user=NAME)");
    char until[32], payload[400], token[600];
    unsigned char mac[MAC_LEN];
    if (wssec_time_format(until, sizeof(until), wssec_msg_now(msg) + st->ttl * 1000, 0))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "ltpa-token: clock out of range");
    int n = snprintf(payload, sizeof(payload), "v=1;user=%s;expires=%s", st->user, until);
    if (n < 0 || (size_t)n >= sizeof(payload) || hmac(st, payload, (size_t)n, mac))
        return wssec_msg_fail(msg, WSSEC_EINTERNAL, NULL, NULL, "ltpa-token: cannot be made");
    size_t off = (size_t)snprintf(token, sizeof(token), "%s;mac=", payload);
    for (size_t i = 0; i < MAC_LEN && off + 3 <= sizeof(token); i++)
        off += (size_t)snprintf(token + off, sizeof(token) - off, "%02x", mac[i]);

    char *b64 = wssec_b64_encode((const unsigned char *)token, off);
    xmlNodePtr sec = b64 ? wssec_msg_security(msg, 1) : NULL;
    xmlNodePtr bst = sec ? wssec_msg_add_elem(msg, sec, WSSEC_NS_WSSE, "wsse",
                                              "BinarySecurityToken", b64)
                         : NULL;
    xmlFree(b64);
    if (!bst || !wssec_msg_new_id(msg, bst, "LTPA") ||
        !xmlSetProp(bst, BAD_CAST "ValueType", BAD_CAST LTPA_VT) ||
        !xmlSetProp(bst, BAD_CAST "EncodingType", BAD_CAST WSSEC_ENC_BASE64))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    /* into the outbound token store, where later generators find it */
    if (!wssec_msg_add_token(msg, "ltpa-token", bst))
        return wssec_msg_fail(msg, WSSEC_ENOMEM, NULL, NULL, "out of memory");
    return 0;
}

/* ---- an optional trusted-ID evaluator ---- */

/* 1 when the normalised DN has the AVA want ("ou=gateways") in any RDN. */
static int dn_has_ava(const char *dn, const char *want)
{
    size_t wl = strlen(want);
    const char *p = dn;
    while (*p) {
        const char *start = p;
        while (*p && *p != ',' && *p != '+') {
            if (*p == '\\' && p[1]) p++;
            p++;
        }
        if ((size_t)(p - start) == wl && memcmp(start, want, wl) == 0) return 1;
        if (*p) p++;
    }
    return 0;
}

static int ou_evaluator(const wssec_upstream *up, char *why, size_t whylen, void *ud)
{
    const ltpa *st = ud;
    if (up->proof != WSSEC_PROOF_SIGNATURE) {
        snprintf(why, whylen, "the ltpa plug-in trusts only upstreams proven by signature");
        return 0;
    }
    if (dn_has_ava(up->normalized, st->trusted_ou)) return 1;
    snprintf(why, whylen, "its subject has no %s (the ltpa plug-in's trusted-ou)", st->trusted_ou);
    return 0;
}

/* ---- the entry point ---- */

static void ltpa_free(void *state)
{
    ltpa *st = state;
    if (!st) return;
    OPENSSL_cleanse(st, sizeof(*st));
    free(st);
}

static int read_key(ltpa *st, const char *path, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whylen, "cannot be opened");
        return -1;
    }
    size_t n = fread(st->key, 1, sizeof(st->key), f);
    int more = fgetc(f) != EOF, err = ferror(f);
    fclose(f);
    while (n && (st->key[n - 1] == '\n' || st->key[n - 1] == '\r')) n--;
    if (err || more || n < 16) {
        OPENSSL_cleanse(st->key, sizeof(st->key));
        snprintf(why, whylen, "%s", err ? "read error" : "must hold 16 to 256 bytes");
        return -1;
    }
    st->keylen = n;
    return 0;
}

/* Copies a non-empty value that fits; 1 when it does not. */
static int copy(char *dst, size_t size, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n >= size) return 1;
    memcpy(dst, v, n + 1);
    return 0;
}

static int parse_seconds(const char *v, long *out)
{
    char *end = NULL;
    long s = strtol(v, &end, 10);
    if (!*v || *end || s < 0 || s > 86400 * 366) return -1;
    *out = s;
    return 0;
}

int wssec_plugin_init(wssec_plugin *plugin, wssec_config *cfg, const char *arg)
{
    if (wssec_check_version(WSSEC_VERSION_NUMBER))
        return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "built for wssec %s, loaded by wssec %s",
                                 WSSEC_VERSION, wssec_version());
    ltpa *st = calloc(1, sizeof(*st));
    if (!st) return wssec_plugin_fail(plugin, WSSEC_ENOMEM, "out of memory");
    wssec_plugin_set_state(plugin, st, ltpa_free); /* freed with the context, or now on failure */
    st->ttl = 600;
    st->skew = -1;
    char key_file[1024] = "", item[1100];
    for (const char *p = arg; *p;) {
        size_t n = strcspn(p, ",");
        if (n >= sizeof(item))
            return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "argument too long");
        memcpy(item, p, n);
        item[n] = '\0';
        p += n + (p[n] == ',');
        char *eq = strchr(item, '=');
        if (!eq)
            return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "argument '%s' is not NAME=VALUE",
                                     item);
        *eq = '\0';
        const char *v = eq + 1;
        int bad = 0;
        if (!strcmp(item, "key-file")) {
            bad = copy(key_file, sizeof(key_file), v);
        } else if (!strcmp(item, "user")) {
            bad = strchr(v, ';') != NULL || copy(st->user, sizeof(st->user), v);
        } else if (!strcmp(item, "ttl")) {
            bad = parse_seconds(v, &st->ttl);
        } else if (!strcmp(item, "skew")) {
            bad = parse_seconds(v, &st->skew);
        } else if (!strcmp(item, "trusted-ou")) {
            /* compared with the upstream's normalised DN, so normalised alike */
            char dn[300], *norm = NULL;
            snprintf(dn, sizeof(dn), "OU=%s", v);
            bad = !*v || wssec_dn_normalize(&norm, dn) != 0 ||
                  copy(st->trusted_ou, sizeof(st->trusted_ou), norm);
            wssec_free(norm);
        } else {
            return wssec_plugin_fail(plugin, WSSEC_ECONFIG,
                                     "unknown argument '%s' (key-file, user, ttl, skew, trusted-ou)",
                                     item);
        }
        if (bad) return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "bad value for %s", item);
    }
    char why[200];
    if (!key_file[0])
        return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "no key: give the argument key-file=PATH");
    if (read_key(st, key_file, why, sizeof(why)))
        return wssec_plugin_fail(plugin, WSSEC_ECONFIG, "key-file %s: %s", key_file, why);

    st->module = (wssec_module){
        .version = WSSEC_MODULE_VERSION,
        .name = "ltpa-token",
        .ns = WSSEC_NS_WSSE,
        .local = "BinarySecurityToken",
        .value_type = LTPA_VT,
        .consume = ltpa_consume,
        .generate = ltpa_generate,
        .userdata = st,
    };
    int rc = wssec_config_add_module(cfg, &st->module);
    if (rc) return rc; /* the configuration's error says why */
    if (st->trusted_ou[0]) wssec_config_set_trusted_id_evaluator(cfg, ou_evaluator, st);
    return 0;
}
