/*
 * gsoap_peer.c — a gSOAP 2.8 (Debian libgsoap-dev) WS-Security peer for wssec's interop
 * suite, built on gSOAP's wsse plugin (/usr/share/gsoap/plugin/wsseapi.c, smdevp.c,
 * mecevp.c). run-matrix.sh generates the bindings from quote.h with soapcpp2 and compiles
 * this file into tests/interop/out/gsoap/gsoap_peer.
 *
 * char* strings are UTF-8 here (SOAP_C_UTFSTRING; gSOAP's default is ISO-8859-1).
 * gSOAP serializes its own messages from data, as any gSOAP client does: the request is
 * q:GetQuote with q:Symbol "ACME" and q:Venue "Zürich & Genève" (the content of
 * tests/interop/input/, less its attribute and extra header); --in only says which SOAP
 * version to speak.
 *
 *   gsoap_peer produce --in F --out F --actions LIST [options]
 *       LIST: timestamp, ut, sign, encrypt (gSOAP always signs before it encrypts)
 *       --ttl S --created TIME (e.g. 2025-06-01T11:59:30Z)
 *       --user U --password-file F --pw-type text|digest
 *       --sign-key PEM --sign-cert PEM --key-id bst|x509|ski|thumbprint
 *       --sign-alg rsa-sha1|rsa-sha256   (the digests follow the signature algorithm)
 *       --enc-cert PEM --enc-alg aes128-cbc|aes256-cbc|aes128-gcm|aes256-gcm
 *       --enc-key-id issuer-serial|x509|ski
 *   gsoap_peer consume --in F --require LIST [--trust PEM]... [--certs PEM]...
 *       [--decrypt-key PEM] [--users FILE] [--body-contains TEXT] [--now TIME]
 *       LIST: timestamp, ut-text, ut-digest, signature, encrypted
 *   gsoap_peer batch      jobs on standard input, as the other peers (each in a child)
 *
 * Exit: 0 ok/accepted, 1 rejected or failed (reason on stderr), 2 usage.
 */

#define _GNU_SOURCE
#include "soapH.h"
#include "quote.nsmap"
#include "wsseapi.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYMBOL "ACME"
#define VENUE "Z\xC3\xBCrich & Gen\xC3\xA8ve"
#define WSU_NS "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define VT_X509V3 "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
#define VT_SKI "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier"
#define VT_THUMB "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1"

/* ------------------------------------------------------------------ clock */

/* --created (produce) and --now (consume) fix the clock of the wsse plugin (Timestamp and
   UsernameToken Created, their checks) for the fixed test vectors: the program is linked with -Wl,--wrap=time, which redirects the
   plugin's time() calls (wsseapi.c is compiled into it) here. */
static time_t fixed_now;
time_t __real_time(time_t *t);
time_t __wrap_time(time_t *t)
{
    if (!fixed_now) return __real_time(t);
    if (t) *t = fixed_now;
    return fixed_now;
}

static int set_clock(const char *when)
{
    struct tm tm = { 0 };
    if (!when) return 0;
    if (!strptime(when, "%Y-%m-%dT%H:%M:%S", &tm)) return -1;
    fixed_now = timegm(&tm);
    return 0;
}

/* ------------------------------------------------------------------ options */

#define MAXOPT 64
typedef struct { const char *name[MAXOPT], *value[MAXOPT]; int n; } opts;

static char reason[1024];
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return 1;
}
static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return 2;
}

static const char *opt(const opts *o, const char *name)
{
    const char *v = NULL;
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->name[i], name)) v = o->value[i];
    return v;
}

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, word, n)) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static char *first_line(const char *file, char *buf, size_t size)
{
    FILE *f = fopen(file, "r");
    if (!f || !fgets(buf, (int)size, f)) {
        if (f) fclose(f);
        return NULL;
    }
    fclose(f);
    buf[strcspn(buf, "\r\n")] = 0;
    return buf;
}

static int is_soap12(const char *file)
{
    char buf[4096];
    FILE *f = fopen(file, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return strstr(buf, "http://www.w3.org/2003/05/soap-envelope") != NULL;
}

/* ------------------------------------------------------------------ keys */

static X509 *read_cert(const char *file)
{
    FILE *f = fopen(file, "r");
    X509 *c = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    return c;
}

static EVP_PKEY *read_key(const char *file)
{
    FILE *f = fopen(file, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    return k;
}

/* ------------------------------------------------------------------ produce */

static int produce(const opts *o)
{
    const char *in = opt(o, "in"), *out = opt(o, "out"), *actions = opt(o, "actions");
    if (!in || !out || !actions) return usage("produce needs --in, --out and --actions");
    int ttl = opt(o, "ttl") ? atoi(opt(o, "ttl")) : 300;
    if (set_clock(opt(o, "created"))) return usage("bad --created");
    if (has_word(actions, "encrypt") && has_word(actions, "sign") &&
        strstr(actions, "encrypt") < strstr(actions, "sign"))
        return usage("the gSOAP wsse plugin always signs before it encrypts");

    struct soap *soap = soap_new1(SOAP_XML_CANONICAL | SOAP_C_UTFSTRING);
    soap_set_namespaces(soap, namespaces);
    if (is_soap12(in)) soap_set_version(soap, 2);
    soap_register_plugin(soap, soap_wsse);
    int rc = 0;
    X509 *cert = NULL, *rcpt = NULL;
    EVP_PKEY *key = NULL;

    if (has_word(actions, "timestamp") && soap_wsse_add_Timestamp(soap, "Time", ttl)) {
        rc = fail("soap_wsse_add_Timestamp failed");
        goto done;
    }
    if (has_word(actions, "ut")) {
        char pw[256];
        const char *user = opt(o, "user"), *type = opt(o, "pw-type");
        if (!user || !opt(o, "password-file") || !first_line(opt(o, "password-file"), pw, sizeof pw)) {
            rc = usage("ut needs --user and a readable --password-file");
            goto done;
        }
        int r = type && !strcmp(type, "text") ? soap_wsse_add_UsernameTokenText(soap, "User", user, pw)
                                              : soap_wsse_add_UsernameTokenDigest(soap, "User", user, pw);
        if (r) { rc = fail("adding the UsernameToken failed"); goto done; }
    }
    if (has_word(actions, "sign")) {
        const char *kid = opt(o, "key-id") ? opt(o, "key-id") : "bst";
        const char *alg = opt(o, "sign-alg") ? opt(o, "sign-alg") : "rsa-sha256";
        int smd = !strcmp(alg, "rsa-sha1") ? SOAP_SMD_SIGN_RSA_SHA1
                : !strcmp(alg, "rsa-sha256") ? SOAP_SMD_SIGN_RSA_SHA256 : -1;
        if (smd < 0) { rc = usage("unknown --sign-alg %s", alg); goto done; }
        if (!opt(o, "sign-key") || !opt(o, "sign-cert") ||
            !(key = read_key(opt(o, "sign-key"))) || !(cert = read_cert(opt(o, "sign-cert")))) {
            rc = usage("sign needs a readable --sign-key and --sign-cert");
            goto done;
        }
        int r;
        if (!strcmp(kid, "bst")) {
            r = soap_wsse_add_BinarySecurityTokenX509(soap, "X509Token", cert) ||
                soap_wsse_add_KeyInfo_SecurityTokenReferenceX509(soap, "#X509Token");
        } else if (!strcmp(kid, "x509")) {
            unsigned char *der = NULL;
            int len = i2d_X509(cert, &der);
            r = len <= 0 || soap_wsse_add_KeyInfo_SecurityTokenReferenceKeyIdentifier(soap, NULL, VT_X509V3, der, len);
            OPENSSL_free(der);
        } else if (!strcmp(kid, "ski")) {
            const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cert);
            r = !ski || soap_wsse_add_KeyInfo_SecurityTokenReferenceKeyIdentifier(
                            soap, NULL, VT_SKI, (unsigned char *)ASN1_STRING_get0_data(ski), ASN1_STRING_length(ski));
        } else if (!strcmp(kid, "thumbprint")) {
            unsigned char md[SHA_DIGEST_LENGTH];
            unsigned int n = 0;
            r = !X509_digest(cert, EVP_sha1(), md, &n) ||
                soap_wsse_add_KeyInfo_SecurityTokenReferenceKeyIdentifier(soap, NULL, VT_THUMB, md, (int)n);
        } else {
            rc = usage("gSOAP's wsse API offers no %s reference for signatures", kid);
            goto done;
        }
        if (r || soap_wsse_sign_body(soap, smd, key, 0) ||
            soap_wsse_sign_only(soap, has_word(actions, "timestamp") ? "Time Body" : "Body")) {
            rc = fail("setting up the signature failed");
            goto done;
        }
    }
    if (has_word(actions, "encrypt")) {
        const char *alg = opt(o, "enc-alg") ? opt(o, "enc-alg") : "aes256-gcm";
        const char *kid = opt(o, "enc-key-id") ? opt(o, "enc-key-id") : "issuer-serial";
        int mec = !strcmp(alg, "aes128-cbc") ? SOAP_MEC_ENV_ENC_AES128_CBC
                : !strcmp(alg, "aes256-cbc") ? SOAP_MEC_ENV_ENC_AES256_CBC
                : !strcmp(alg, "aes128-gcm") ? SOAP_MEC_ENV_ENC_AES128_GCM
                : !strcmp(alg, "aes256-gcm") ? SOAP_MEC_ENV_ENC_AES256_GCM : -1;
        if (mec < 0) { rc = usage("unknown --enc-alg %s", alg); goto done; }
        if (!opt(o, "enc-cert") || !(rcpt = read_cert(opt(o, "enc-cert")))) {
            rc = usage("encrypt needs a readable --enc-cert");
            goto done;
        }
        int r;
        if (!strcmp(kid, "issuer-serial")) {
            /* the issuer as RFC 2253 text, the serial in decimal, as the plugin requires */
            char issuer[512];
            BIO *b = BIO_new(BIO_s_mem());
            X509_NAME_print_ex(b, X509_get_issuer_name(rcpt), 0, XN_FLAG_RFC2253);
            int n = BIO_read(b, issuer, sizeof issuer - 1);
            BIO_free(b);
            issuer[n > 0 ? n : 0] = 0;
            BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(rcpt), NULL);
            char *serial = BN_bn2dec(bn);
            r = soap_wsse_add_EncryptedKey(soap, mec | SOAP_MEC_OAEP, "Cipher", rcpt, NULL, issuer, serial);
            OPENSSL_free(serial);
            BN_free(bn);
        } else if (!strcmp(kid, "x509")) {
            r = soap_wsse_add_EncryptedKey(soap, mec | SOAP_MEC_OAEP, "Cipher", rcpt, NULL, NULL, NULL);
        } else {
            rc = usage("the gSOAP peer names the recipient by issuer-serial or x509 only");
            goto done;
        }
        if (r) { rc = fail("soap_wsse_add_EncryptedKey failed"); goto done; }
    }

    {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", out);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) { rc = fail("%s: %s", tmp, strerror(errno)); goto done; }
        soap->sendfd = fd;
        /* no endpoint: gSOAP writes the bare message, no HTTP */
        int r = soap_send_q__GetQuote(soap, "", NULL, (char *)SYMBOL, (char *)VENUE);
        close(fd);
        if (r) {
            const char *s = soap_fault_string(soap);
            rc = fail("gSOAP send failed: %s", s ? s : "error");
            unlink(tmp);
            goto done;
        }
        if (rename(tmp, out)) rc = fail("rename %s: %s", out, strerror(errno));
    }
done:
    X509_free(cert);
    X509_free(rcpt);
    EVP_PKEY_free(key);
    soap_destroy(soap);
    soap_end(soap);
    soap_free(soap);
    return rc;
}

/* ------------------------------------------------------------------ consume */

static struct {
    const opts *o;
    EVP_PKEY *dkey;
    STACK_OF(X509) *known;
    X509_STORE *store;
    char symbol[256], venue[256];
    int called, ts_ok, ut_ok, body_signed, ts_signed;
    char why[512];
} in;

static int chain_ok(X509 *cert)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = ctx && X509_STORE_CTX_init(ctx, in.store, cert, in.known) && X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    return ok;
}

/* RFC 2253 text compared loosely: spaces around the separators and the attribute types'
   case do not matter ("CN=a,O=b" equals "CN=a, O=b"). */
static void dn_norm(const char *in, char *out, size_t size)
{
    size_t o = 0;
    int after_sep = 1;
    for (const char *p = in; *p && o + 1 < size; p++) {
        if (*p == '\\' && p[1]) { out[o++] = *p++; if (o + 1 < size) out[o++] = *p; after_sep = 0; continue; }
        if (*p == ' ' && (after_sep || p[1] == ',' || p[1] == '=' || p[1] == '+')) continue;
        after_sep = *p == ',' || *p == '=' || *p == '+';
        out[o++] = *p;
    }
    out[o] = 0;
}

static X509 *known_match(const unsigned char *ski_or_thumb, int len, int thumb,
                         const char *issuer, const char *serial)
{
    for (int i = 0; in.known && i < sk_X509_num(in.known); i++) {
        X509 *c = sk_X509_value(in.known, i);
        if (ski_or_thumb && !thumb) {
            const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(c);
            if (ski && ASN1_STRING_length(ski) == len && !memcmp(ASN1_STRING_get0_data(ski), ski_or_thumb, (size_t)len))
                return c;
        } else if (ski_or_thumb) {
            unsigned char md[SHA_DIGEST_LENGTH];
            unsigned int n = 0;
            if (X509_digest(c, EVP_sha1(), md, &n) && (int)n == len && !memcmp(md, ski_or_thumb, n)) return c;
        } else if (issuer && serial) {
            char a[512], b[512], txt[512];
            BIO *bio = BIO_new(BIO_s_mem());
            X509_NAME_print_ex(bio, X509_get_issuer_name(c), 0, XN_FLAG_RFC2253);
            int n = BIO_read(bio, txt, sizeof txt - 1);
            BIO_free(bio);
            txt[n > 0 ? n : 0] = 0;
            dn_norm(txt, a, sizeof a);
            dn_norm(issuer, b, sizeof b);
            BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
            char *dec = BN_bn2dec(bn);
            int same = !strcmp(a, b) && dec && !strcmp(dec, serial);
            OPENSSL_free(dec);
            BN_free(bn);
            if (same) return c;
        }
    }
    return NULL;
}

/* The wsse plugin asks for keys and certificates it cannot find in the message itself: it
   resolves a BinarySecurityToken reference, and leaves KeyIdentifiers (X509v3, SKI,
   ThumbprintSHA1) and X509IssuerSerial to the application, which this handler is. */
static const void *token_handler(struct soap *soap, int *alg, const char *keyname,
                                 const unsigned char *keyid, int keyidlen, int *keylen)
{
    (void)keyname; (void)keyid; (void)keyidlen; (void)keylen;
    if (*alg & SOAP_MEC_ENV) return in.dkey;               /* decrypt the EncryptedKey */
    ds__KeyInfoType *ki = soap_wsse_KeyInfo(soap);
    const char *vt = soap_wsse_get_KeyInfo_SecurityTokenReferenceKeyIdentifierValueType(soap, ki);
    X509 *c = NULL;
    if (vt) {
        int len = 0;
        const unsigned char *data = soap_wsse_get_KeyInfo_SecurityTokenReferenceKeyIdentifier(soap, ki, &len);
        if (!data) return NULL;
        if (!strcmp(vt, VT_X509V3)) {
            const unsigned char *p = data;
            X509 *x = d2i_X509(NULL, &p, len);
            if (!x) return NULL;
            sk_X509_push(in.known, x);   /* freed with the others; only used if the chain is good */
            c = x;
        } else if (!strcmp(vt, VT_SKI)) {
            c = known_match(data, len, 0, NULL, NULL);
        } else if (!strcmp(vt, VT_THUMB)) {
            c = known_match(data, len, 1, NULL, NULL);
        }
    } else {
        ds__X509IssuerSerialType *is = soap_wsse_get_KeyInfo_SecurityTokenReferenceX509Data(soap);
        if (is && is->X509IssuerName && is->X509SerialNumber)
            c = known_match(NULL, 0, 0, is->X509IssuerName, is->X509SerialNumber);
    }
    return c && chain_ok(c) ? c : NULL;
}

/* Whether the element NS:TAG (the first in the message) carries a wsu:Id that a Reference of
   the verified SignedInfo points to. Used instead of soap_wsse_verify_body() and
   soap_wsse_verify_element(): in gSOAP 2.8.124 these count an element again when the signed
   element before it is the last one of the Security header (soap_wsse_verify_nested walks
   past its end), so they answer "not signed" for the Body of every message whose header
   ends with its signed Timestamp — the order WSS4J, zeep and xmlsec1 write. */
static int signed_by_id(struct soap *soap, const char *ns, const char *tag)
{
    ds__SignedInfoType *si = soap_wsse_SignedInfo(soap);
    for (struct soap_dom_element *e = soap->dom; si && e; e = soap_dom_next_element(e, NULL)) {
        const char *n = e->name ? strchr(e->name, ':') : NULL;
        n = n ? n + 1 : e->name;
        if (!n || !e->nstr || strcmp(e->nstr, ns) || strcmp(n, tag)) continue;
        for (struct soap_dom_attribute *a = e->atts; a; a = a->next) {
            const char *an = a->name ? strchr(a->name, ':') : NULL;
            an = an ? an + 1 : a->name;
            if (!an || strcmp(an, "Id") || !a->nstr || strcmp(a->nstr, WSU_NS) || !a->text) continue;
            for (int i = 0; i < si->__sizeReference; i++) {
                const char *uri = si->Reference[i]->URI;
                if (uri && uri[0] == '#' && !strcmp(uri + 1, a->text)) return 1;
            }
        }
        return 0;
    }
    return 0;
}

int q__GetQuote(struct soap *soap, char *symbol, char *venue, struct q__GetQuoteResponse *r)
{
    in.called = 1;
    snprintf(in.symbol, sizeof in.symbol, "%s", symbol ? symbol : "");
    snprintf(in.venue, sizeof in.venue, "%s", venue ? venue : "");
    in.ts_ok = soap_wsse_verify_Timestamp(soap) == SOAP_OK;

    in.body_signed = signed_by_id(soap, "http://schemas.xmlsoap.org/soap/envelope/", "Body") ||
                     signed_by_id(soap, "http://www.w3.org/2003/05/soap-envelope", "Body");
    in.ts_signed = signed_by_id(soap, WSU_NS, "Timestamp");
    const char *req = opt(in.o, "require");
    if (req && (has_word(req, "ut-text") || has_word(req, "ut-digest"))) {
        const char *user = soap_wsse_get_Username(soap);
        char line[512], pw[256] = "";
        FILE *f = opt(in.o, "users") ? fopen(opt(in.o, "users"), "r") : NULL;
        while (user && f && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            char *c = strchr(line, ':');
            if (line[0] != '#' && c && (size_t)(c - line) == strlen(user) && !strncmp(line, user, strlen(user)))
                snprintf(pw, sizeof pw, "%s", c + 1);
        }
        if (f) fclose(f);
        _wsse__UsernameToken *ut = soap_wsse_UsernameToken(soap, NULL);
        const char *type = ut && ut->Password ? ut->Password->Type : NULL;
        int digest = type && strstr(type, "#PasswordDigest") != NULL;
        in.ut_ok = user && pw[0] && soap_wsse_verify_Password(soap, pw) == SOAP_OK &&
                   (has_word(req, "ut-digest") ? digest : !digest);
    }
    r->q__Price = (char *)"42";
    return SOAP_OK;
}

static int consume(const opts *o)
{
    const char *file = opt(o, "in"), *req = opt(o, "require");
    if (!file || !req) return usage("consume needs --in and --require");
    if (set_clock(opt(o, "now"))) return usage("bad --now");
    memset(&in, 0, sizeof in);
    in.o = o;
    in.store = X509_STORE_new();
    in.known = sk_X509_new_null();
    int rc = 0;
    struct soap *soap = soap_new1(SOAP_XML_CANONICAL | SOAP_C_UTFSTRING);
    soap_set_namespaces(soap, namespaces);
    soap_register_plugin(soap, soap_wsse);
    soap_wsse_set_security_token_handler(soap, token_handler);

    /* trust: the anchors plus the known certificates (gSOAP's cafile is one PEM bundle of
       trusted certificates, so the intermediate goes there too) */
    char bundle[] = "/tmp/gsoap-peer-ca-XXXXXX";
    int bfd = mkstemp(bundle);
    FILE *bf = bfd >= 0 ? fdopen(bfd, "w") : NULL;
    for (int i = 0; i < o->n; i++) {
        int trust = !strcmp(o->name[i], "trust"), known = !strcmp(o->name[i], "certs");
        if (!trust && !known) continue;
        FILE *f = fopen(o->value[i], "r");
        X509 *c;
        while (f && (c = PEM_read_X509(f, NULL, NULL, NULL))) {
            if (trust) X509_STORE_add_cert(in.store, c);
            if (known) sk_X509_push(in.known, X509_dup(c));
            if (bf && (trust || X509_check_ca(c))) PEM_write_X509(bf, c);
            X509_free(c);
        }
        if (f) fclose(f);
        ERR_clear_error();
    }
    if (bf) fclose(bf);
    soap->cafile = bundle;
    if (opt(o, "decrypt-key")) in.dkey = read_key(opt(o, "decrypt-key"));
    if (has_word(req, "signature")) soap_wsse_verify_auto(soap, SOAP_SMD_NONE, NULL, 0);
    if (in.dkey) soap_wsse_decrypt_auto(soap, SOAP_MEC_ENV_DEC_AES256_CBC, in.dkey, 0);

    int fd = open(file, O_RDONLY), nul = open("/dev/null", O_WRONLY);
    if (fd < 0) { rc = usage("%s: %s", file, strerror(errno)); goto done; }
    soap->recvfd = fd;
    soap->sendfd = nul;
    int r = soap_serve(soap);
    close(fd);
    close(nul);
    if (r || !in.called) {
        const char *s = soap_fault_string(soap), *d = soap_fault_detail(soap);
        rc = fail("gSOAP rejected the message: %s%s%s", s ? s : "error", d ? ": " : "", d ? d : "");
        goto done;
    }
    if (has_word(req, "timestamp") && !in.ts_ok) { rc = fail("no valid Timestamp"); goto done; }
    if ((has_word(req, "ut-text") || has_word(req, "ut-digest")) && !in.ut_ok) {
        rc = fail("UsernameToken missing, wrong password or wrong password type");
        goto done;
    }
    if (has_word(req, "signature") && !in.body_signed) { rc = fail("the Body is not signed"); goto done; }
    if (has_word(req, "signature") && has_word(req, "timestamp") && !in.ts_signed) {
        rc = fail("the Timestamp is not signed");
        goto done;
    }
    if (has_word(req, "encrypted")) {
        /* gSOAP decrypts transparently: the Body came in encrypted, and it was read */
        FILE *f = fopen(file, "r");
        char buf[65536];
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) fclose(f);
        buf[n] = 0;
        char *body = strstr(buf, "Body");
        if (!body || !strstr(body, "EncryptedData")) { rc = fail("the Body was not encrypted"); goto done; }
    }
    const char *want = opt(o, "body-contains");
    if (want && !strstr(in.venue, want) && !strstr(in.symbol, want)) {
        rc = fail("Body does not contain '%s' (got Symbol '%s', Venue '%s')", want, in.symbol, in.venue);
        goto done;
    }
done:
    unlink(bundle);
    EVP_PKEY_free(in.dkey);
    sk_X509_pop_free(in.known, X509_free);
    X509_STORE_free(in.store);
    soap_destroy(soap);
    soap_end(soap);
    soap_free(soap);
    return rc;
}

/* ------------------------------------------------------------------ main */

static int run(int argc, char **argv)
{
    opts o = { .n = 0 };
    if (argc < 1) return usage("usage: gsoap_peer produce|consume|batch OPTIONS");
    for (int i = 1; i < argc; i += 2) {
        if (strncmp(argv[i], "--", 2) || i + 1 >= argc || o.n == MAXOPT)
            return usage("bad argument %s", argv[i]);
        o.name[o.n] = argv[i] + 2;
        o.value[o.n++] = argv[i + 1];
    }
    if (!strcmp(argv[0], "produce")) return produce(&o);
    if (!strcmp(argv[0], "consume")) return consume(&o);
    return usage("unknown command %s", argv[0]);
}

static int batch(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char *fields[2 * MAXOPT + 4];
        int n = 0;
        for (char *p = line; p && n < (int)(sizeof fields / sizeof *fields);) {
            fields[n++] = p;
            p = strchr(p, '\t');
            if (p) *p++ = 0;
        }
        int pfd[2];
        if (pipe(pfd)) return 1;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {           /* a child per job: a fresh gSOAP and OpenSSL state */
            close(pfd[0]);
            reason[0] = 0;
            int rc = run(n - 1, fields + 1);
            if (write(pfd[1], reason, strlen(reason)) < 0) _exit(3);
            _exit(rc);
        }
        close(pfd[1]);
        char msg[1024];
        ssize_t m = read(pfd[0], msg, sizeof msg - 1);
        close(pfd[0]);
        msg[m > 0 ? m : 0] = 0;
        for (char *p = msg; *p; p++)
            if (*p == '\t' || *p == '\n') *p = ' ';
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            printf("%s\tok\t\n", fields[0]);
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
            printf("%s\terror\t%s\n", fields[0], msg);
        else if (WIFEXITED(status))
            printf("%s\tfail\t%s\n", fields[0], msg);
        else
            printf("%s\tfail\tgSOAP peer crashed (signal %d) %s\n", fields[0], WTERMSIG(status), msg);
        fflush(stdout);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "batch")) return batch();
    int rc = run(argc - 1, argv + 1);
    if (rc) fprintf(stderr, "gsoap_peer: %s\n", reason);
    return rc;
}
