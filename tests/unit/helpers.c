/*
 * wssec unit tests — shared helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "helpers.h"
#include "pkigen.h"

volatile int h_password_calls;

static const struct {
    const char *user, *pw;
} users[] = {
    { "alice", "alice-s3cret" },
    { "bob", "pw2" },
};

int h_password_cb(char *buf, size_t size, size_t *len, const char *user,
                  wssec_password_usage usage, void *userdata)
{
    (void)usage;
    (void)userdata;
    __atomic_add_fetch(&h_password_calls, 1, __ATOMIC_RELAXED);
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        if (strcmp(users[i].user, user) != 0) continue;
        size_t n = strlen(users[i].pw);
        if (n > size) return WSSEC_ELIMIT;
        memcpy(buf, users[i].pw, n);
        *len = n;
        return 0;
    }
    return WSSEC_EAUTH;
}

int h_ctx_try(wssec_ctx **out, unsigned flags, const char *const *pairs, char *errbuf,
              size_t errlen)
{
    wssec_config *cfg = NULL;
    *out = NULL;
    if (errbuf && errlen) errbuf[0] = '\0';
    int rc = wssec_config_new(&cfg);
    if (rc) return rc;
    if (!(flags & H_NO_NOW)) rc = wssec_config_set(cfg, "now", H_NOW_TEXT);
    for (size_t i = 0; !rc && pairs && pairs[i]; i += 2)
        rc = wssec_config_set(cfg, pairs[i], pairs[i + 1]);
    if (!(flags & H_NO_PWCB)) wssec_config_set_password_cb(cfg, h_password_cb, NULL);
    if (!rc) rc = wssec_ctx_new(out, cfg);
    if (rc && errbuf && errlen)
        snprintf(errbuf, errlen, "%s", wssec_config_error(cfg)->message);
    wssec_config_free(cfg);
    return rc;
}

wssec_ctx *h_ctx_v(unsigned flags, const char *name, va_list ap)
{
    const char *pairs[64];
    size_t n = 0;
    for (const char *p = name; p && n < 62; p = va_arg(ap, const char *)) pairs[n++] = p;
    assert_true(n % 2 == 0);
    pairs[n] = NULL;
    wssec_ctx *ctx = NULL;
    char err[512];
    int rc = h_ctx_try(&ctx, flags, pairs, err, sizeof(err));
    if (rc) print_error("h_ctx: %s\n", err);
    assert_int_equal(rc, 0);
    assert_non_null(ctx);
    return ctx;
}

wssec_ctx *h_ctx(const char *name, ...)
{
    va_list ap;
    va_start(ap, name);
    wssec_ctx *ctx = h_ctx_v(0, name, ap);
    va_end(ap);
    return ctx;
}

wssec_ctx *h_ctxf(unsigned flags, const char *name, ...)
{
    va_list ap;
    va_start(ap, name);
    wssec_ctx *ctx = h_ctx_v(flags, name, ap);
    va_end(ap);
    return ctx;
}

wssec_ctx *h_ctx_pairs(const char *const *pairs)
{
    wssec_ctx *ctx = NULL;
    char err[600];
    int rc = h_ctx_try(&ctx, 0, pairs, err, sizeof(err));
    if (rc) print_error("h_ctx_pairs: %s\n", err);
    assert_int_equal(rc, 0);
    return ctx;
}

const char *h_time(char *buf, wssec_time t, int millis)
{
    assert_int_equal(wssec_time_format(buf, 32, t, millis), 0);
    return buf;
}

int h_parse_rc(const wssec_ctx *ctx, const char *data, size_t len, wssec_msg **out)
{
    assert_int_equal(wssec_msg_new(out, ctx), 0);
    return wssec_msg_parse(*out, data, len);
}

wssec_msg *h_parse(const wssec_ctx *ctx, const char *xml)
{
    wssec_msg *msg = NULL;
    int rc = h_parse_rc(ctx, xml, strlen(xml), &msg);
    if (rc) print_error("h_parse: %s\n", wssec_msg_error(msg)->message);
    assert_int_equal(rc, 0);
    return msg;
}

static char *vstrf(const char *fmt, va_list ap) H_PRINTF(1, 0);
static char *vstrf(const char *fmt, va_list ap)
{
    char *s = NULL;
    assert_true(vasprintf(&s, fmt, ap) >= 0);
    return s;
}

char *h_strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vstrf(fmt, ap);
    va_end(ap);
    return s;
}

static char *envelope(int soap, const char *header)
{
    const char *ns = soap == 12 ? WSSEC_NS_SOAP12 : WSSEC_NS_SOAP11;
    return h_strf("<soap:Envelope xmlns:soap=\"%s\" xmlns:wsse=\"%s\" xmlns:wsu=\"%s\">"
                  "%s%s%s"
                  "<soap:Body wsu:Id=\"body\"><m:Ping xmlns:m=\"urn:test\">hello</m:Ping>"
                  "</soap:Body></soap:Envelope>",
                  ns, H_NS_WSSE, H_NS_WSU, header ? "<soap:Header>" : "", header ? header : "",
                  header ? "</soap:Header>" : "");
}

char *h_envelope(int soap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *content = vstrf(fmt, ap);
    va_end(ap);
    char *header = h_strf("<wsse:Security soap:mustUnderstand=\"%s\">%s</wsse:Security>",
                          soap == 12 ? "true" : "1", content);
    char *env = envelope(soap, header);
    free(content);
    free(header);
    return env;
}

char *h_envelope_header(int soap, const char *fmt, ...)
{
    char *header = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        header = vstrf(fmt, ap);
        va_end(ap);
    }
    char *env = envelope(soap, header);
    free(header);
    return env;
}

char *h_timestamp(wssec_time created, wssec_time expires)
{
    char c[32], x[32];
    if (expires < 0)
        return h_strf("<wsu:Timestamp wsu:Id=\"TS-1\"><wsu:Created>%s</wsu:Created>"
                      "</wsu:Timestamp>",
                      h_time(c, created, 1));
    return h_strf("<wsu:Timestamp wsu:Id=\"TS-1\"><wsu:Created>%s</wsu:Created>"
                  "<wsu:Expires>%s</wsu:Expires></wsu:Timestamp>",
                  h_time(c, created, 1), h_time(x, expires, 1));
}

char *h_b64(const unsigned char *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    assert_non_null(out);
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

char *h_digest(const unsigned char *nonce, size_t nlen, const char *created, const char *pw)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_non_null(md);
    assert_true(EVP_DigestInit_ex(md, EVP_sha1(), NULL));
    assert_true(EVP_DigestUpdate(md, nonce, nlen));
    assert_true(EVP_DigestUpdate(md, created, strlen(created)));
    assert_true(EVP_DigestUpdate(md, pw, strlen(pw)));
    assert_true(EVP_DigestFinal_ex(md, d, &dl));
    EVP_MD_CTX_free(md);
    assert_int_equal(dl, 20);
    return h_b64(d, dl);
}

char *h_ut_digest(const char *user, const char *pw, const char *nonce, const char *created)
{
    char *d = h_digest((const unsigned char *)nonce, strlen(nonce), created, pw);
    char *n = h_b64((const unsigned char *)nonce, strlen(nonce));
    char *ut = h_strf("<wsse:UsernameToken><wsse:Username>%s</wsse:Username>"
                      "<wsse:Password Type=\"%s\">%s</wsse:Password>"
                      "<wsse:Nonce EncodingType=\"%s\">%s</wsse:Nonce>"
                      "<wsu:Created>%s</wsu:Created></wsse:UsernameToken>",
                      user, H_PW_DIGEST, d, H_ENC_B64, n, created);
    free(d);
    free(n);
    return ut;
}

char *h_ut_text(const char *user, const char *pw)
{
    return h_strf("<wsse:UsernameToken><wsse:Username>%s</wsse:Username>"
                  "<wsse:Password Type=\"%s\">%s</wsse:Password></wsse:UsernameToken>",
                  user, H_PW_TEXT, pw);
}

static int run(h_run *r, const wssec_ctx *ctx, const char *xml, int inspect)
{
    memset(r, 0, sizeof(*r));
    r->parse_rc = h_parse_rc(ctx, xml, strlen(xml), &r->msg);
    if (r->parse_rc) return r->rc = r->parse_rc;
    r->rc = inspect ? wssec_inspect(&r->res, r->msg) : wssec_verify(&r->res, r->msg);
    assert_non_null(r->res);
    return r->rc;
}

int h_verify(h_run *r, const wssec_ctx *ctx, const char *xml)
{
    return run(r, ctx, xml, 0);
}

int h_inspect(h_run *r, const wssec_ctx *ctx, const char *xml)
{
    return run(r, ctx, xml, 1);
}

const wssec_error *h_run_err(const h_run *r)
{
    return r->res ? wssec_result_error(r->res) : wssec_msg_error(r->msg);
}

void h_run_free(h_run *r)
{
    wssec_result_free(r->res);
    wssec_msg_free(r->msg);
    memset(r, 0, sizeof(*r));
}

void h_expect_at(const wssec_ctx *ctx, const char *xml, int code, const char *fault,
                 const char *needle, const char *file, int line)
{
    h_run r;
    int rc = h_verify(&r, ctx, xml);
    if (rc != code)
        print_error("got %s '%s', want %s\n", wssec_code_name(rc), h_run_err(&r)->message,
                    wssec_code_name(code));
    _assert_int_equal((LargestIntegralType)(intmax_t)rc, (LargestIntegralType)(intmax_t)code,
                      file, line);
    if (code) h_assert_error_at(h_run_err(&r), code, fault, needle, file, line);
    h_run_free(&r);
}

int h_has_warning(const wssec_result *res, const char *needle)
{
    for (size_t i = 0; i < wssec_result_warning_count(res); i++)
        if (strstr(wssec_result_warning(res, i), needle)) return 1;
    return 0;
}

char *h_secure_msg(wssec_msg *msg, const char *const *actions, size_t n, const char *user)
{
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = n;
    o.username = user;
    int rc = wssec_secure(msg, &o);
    if (rc) print_error("h_secure: %s\n", wssec_msg_error(msg)->message);
    assert_int_equal(rc, 0);
    unsigned char *out = NULL;
    size_t len = 0;
    assert_int_equal(wssec_msg_serialize(&out, &len, msg), 0);
    assert_int_equal(strlen((char *)out), len);
    wssec_msg_free(msg);
    return (char *)out;
}

char *h_secure(const wssec_ctx *ctx, const char *xml, const char *const *actions, size_t n,
               const char *user)
{
    return h_secure_msg(h_parse(ctx, xml), actions, n, user);
}

void h_secure_refused(wssec_msg *msg, const char *const *actions, size_t n, int code,
                      const char *needle)
{
    wssec_secure_options o = WSSEC_SECURE_OPTIONS_INIT;
    o.actions = actions;
    o.n_actions = n;
    assert_int_equal(wssec_secure(msg, &o), code);
    h_assert_contains(wssec_msg_error(msg)->message, needle);
}

char *h_sign_envelope(const wssec_ctx *ctx)
{
    static const char *const actions[] = { "timestamp", "signature" };
    char *plain = h_envelope_header(11, NULL);
    char *out = h_secure(ctx, plain, actions, 2, NULL);
    free(plain);
    return out;
}

void h_assert_error_at(const wssec_error *e, int code, const char *fault, const char *substr,
                       const char *file, int line)
{
    _assert_true(e != NULL, "error record", file, line);
    if (e->code != code)
        print_error("error: %s (%s) '%s'\n", wssec_code_name(e->code), e->fault, e->message);
    _assert_int_equal((LargestIntegralType)(intmax_t)e->code, (LargestIntegralType)(intmax_t)code,
                      file, line);
    _assert_int_equal(e->category, wssec_code_category(code), file, line);
    if (fault) _assert_string_equal(e->fault, fault, file, line);
    if (substr) h_assert_contains_at(e->message, substr, file, line);
}

void h_assert_contains_at(const char *hay, const char *needle, const char *file, int line)
{
    _assert_true(hay != NULL, "haystack", file, line);
    if (!strstr(hay, needle)) print_error("'%s' does not contain '%s'\n", hay, needle);
    _assert_true(strstr(hay, needle) != NULL, "strstr", file, line);
}

char *h_utf16le(const char *ascii, size_t *len)
{
    size_t n = strlen(ascii);
    char *out = malloc(2 * n + 2);
    assert_non_null(out);
    out[0] = (char)0xFF;
    out[1] = (char)0xFE;
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = ascii[i];
        out[3 + 2 * i] = 0;
    }
    *len = 2 * n + 2;
    return out;
}

char *h_tempfile(const char *text)
{
    char *path = h_strf("/tmp/wssec-unit-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
    return path;
}

void h_require_file(const char *path)
{
    if (access(path, R_OK) == 0) return;
    print_message("NOT RUN: %s is absent\n", path);
    skip();
}

static wssec_ctx *ctx_pairs(const char **pairs, size_t n, const char *name, va_list ap)
{
    for (const char *p = name; p && n < 58; p = va_arg(ap, const char *)) pairs[n++] = p;
    pairs[n] = NULL;
    return h_ctx_pairs(pairs);
}

wssec_ctx *h_signer(const char *who, const char *name, ...)
{
    char key[256], crt[256];
    snprintf(key, sizeof(key), H_PKI "%s.key", who);
    snprintf(crt, sizeof(crt), H_PKI "%s.crt", who);
    const char *pairs[60] = { "sign-key", key, "sign-cert", crt };
    va_list ap;
    va_start(ap, name);
    wssec_ctx *ctx = ctx_pairs(pairs, 4, name, ap);
    va_end(ap);
    return ctx;
}

wssec_ctx *h_receiver(const char *name, ...)
{
    const char *pairs[60] = { "trust", H_PKI "root.crt", "certs", H_PKI "inter.crt" };
    va_list ap;
    va_start(ap, name);
    wssec_ctx *ctx = ctx_pairs(pairs, 4, name, ap);
    va_end(ap);
    return ctx;
}

/* An XPath context with h_xp's prefixes. */
static xmlXPathContextPtr xp_ctx(xmlDocPtr doc)
{
    static const char *const ns[][2] = {
        { "soap", WSSEC_NS_SOAP11 },
        { "wsse", WSSEC_NS_WSSE },
        { "wsse11", WSSEC_NS_WSSE11 },
        { "wsu", WSSEC_NS_WSU },
        { "ds", "http://www.w3.org/2000/09/xmldsig#" },
        { "xenc", "http://www.w3.org/2001/04/xmlenc#" },
        { "m", "urn:example:bank" },
    };
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    assert_non_null(x);
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
        xmlXPathRegisterNs(x, BAD_CAST ns[i][0], BAD_CAST ns[i][1]);
    return x;
}

xmlNodePtr h_xp(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr x = xp_ctx(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, x);
    xmlNodePtr n = o && o->nodesetval && o->nodesetval->nodeNr ? o->nodesetval->nodeTab[0] : NULL;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(x);
    if (!n) print_error("h_xp: nothing at %s\n", expr);
    assert_non_null(n);
    return n;
}

char *h_operate(const char *xml, h_surgery fn, int reconcile)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    fn(doc);
    if (reconcile) xmlReconciliateNs(doc, xmlDocGetRootElement(doc));
    xmlChar *mem = NULL;
    int n = 0;
    xmlDocDumpMemory(doc, &mem, &n);
    xmlFreeDoc(doc);
    char *out = h_strf("%s", (char *)mem);
    xmlFree(mem);
    return out;
}

xmlNodePtr h_elem(xmlDocPtr doc, const char *ns, const char *prefix, const char *name)
{
    xmlNodePtr e = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL);
    assert_non_null(e);
    xmlSetNs(e, xmlNewNs(e, BAD_CAST ns, BAD_CAST prefix));
    return e;
}

xmlNodePtr h_wrap(xmlNodePtr parent, const char *name, xmlNodePtr node)
{
    xmlNodePtr w = h_elem(parent->doc, "urn:attacker", "w", name);
    xmlAddChild(parent, w);
    xmlUnlinkNode(node);
    xmlAddChild(w, node);
    return w;
}

void h_remove(xmlNodePtr n)
{
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

void h_move(xmlDocPtr doc, const char *what, const char *where, h_place how)
{
    xmlNodePtr n = h_xp(doc, what), to = h_xp(doc, where);
    xmlUnlinkNode(n);
    if (how == H_INTO) xmlAddChild(to, n);
    else if (how == H_BEFORE) xmlAddPrevSibling(to, n);
    else xmlAddNextSibling(to, n);
}

void h_unwrap(xmlDocPtr doc, const char *xpath)
{
    xmlNodePtr outer = h_xp(doc, xpath);
    xmlNodePtr inner = wssec_xml_first_elem(outer);
    assert_non_null(inner);
    xmlUnlinkNode(inner);
    xmlAddPrevSibling(outer, inner);
    h_remove(outer);
}

void h_set_b64(xmlNodePtr n, const unsigned char *p, size_t len)
{
    char *b = h_b64(p, len);
    xmlNodeSetContent(n, BAD_CAST b);
    free(b);
}

unsigned char *h_cert_der(const char *pem_path, size_t *len)
{
    X509 *x = pg_load_cert(pem_path);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    X509_free(x);
    assert_true(n > 0);
    *len = (size_t)n;
    return der;
}

typedef struct vis_top {
    xmlNodePtr top;
} vis_top;

static int vis_in(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
    xmlNodePtr n = node->type == XML_NAMESPACE_DECL ? parent : node;
    for (; n; n = n->parent)
        if (n == ((vis_top *)ud)->top) return 1;
    return 0;
}

xmlChar *h_c14n(xmlDocPtr doc, xmlNodePtr top, int mode, xmlChar **prefixes, int *len)
{
    xmlBufferPtr b = xmlBufferCreate();
    xmlOutputBufferPtr o = xmlOutputBufferCreateBuffer(b, NULL);
    vis_top v = { top };
    assert_true(xmlC14NExecute(doc, vis_in, &v, mode,
                               mode == XML_C14N_EXCLUSIVE_1_0 ? prefixes : NULL, 0, o) >= 0);
    xmlOutputBufferClose(o);
    *len = (int)xmlBufferLength(b);
    xmlChar *out = xmlStrndup(xmlBufferContent(b), *len);
    xmlBufferFree(b);
    return out;
}

void h_redigest(xmlDocPtr doc, int mode, void (*edit)(xmlNodePtr ref))
{
    xmlXPathContextPtr x = xp_ctx(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST "//ds:Reference", x);
    for (int i = 0; o && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
        xmlNodePtr ref = o->nodesetval->nodeTab[i], dv = NULL;
        if (edit) edit(ref);
        for (xmlNodePtr n = wssec_xml_first_elem(ref); n; n = wssec_xml_next_elem(n))
            if (xmlStrEqual(n->name, BAD_CAST "DigestValue")) dv = n;
        xmlChar *uri = xmlGetProp(ref, BAD_CAST "URI");
        char expr[200];
        snprintf(expr, sizeof(expr), "//*[@wsu:Id='%s']", (char *)uri + 1);
        xmlFree(uri);
        xmlXPathObjectPtr t = xmlXPathEvalExpression(BAD_CAST expr, x);
        assert_true(t && t->nodesetval && t->nodesetval->nodeNr == 1);
        int len = 0;
        xmlChar *c = h_c14n(doc, t->nodesetval->nodeTab[0], mode, NULL, &len);
        unsigned char md[32];
        SHA256(c, (size_t)len, md);
        xmlFree(c);
        assert_non_null(dv);
        h_set_b64(dv, md, 32);
        xmlXPathFreeObject(t);
    }
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(x);
}

void h_resign(xmlDocPtr doc, const char *key_path, int mode, xmlChar **prefixes)
{
    int len = 0;
    xmlChar *si = h_c14n(doc, h_xp(doc, "//ds:SignedInfo"), mode, prefixes, &len);
    EVP_PKEY *k = pg_load_key(key_path);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[512];
    size_t sl = sizeof(sig);
    assert_true(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1);
    assert_true(EVP_DigestSign(md, sig, &sl, si, (size_t)len) == 1);
    h_set_b64(h_xp(doc, "//ds:SignatureValue"), sig, sl);
    xmlFree(si);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
}

/* ---- a replay cache that records what is written to it ---- */

static int recorder_insert(void *state, const unsigned char key[WSSEC_REPLAY_KEY_LEN],
                           wssec_time expires, wssec_time now, char *errbuf, size_t errlen)
{
    (void)errbuf;
    (void)errlen;
    h_recorder *rec = state;
    assert_true(expires > now);
    rec->inserts++;
    for (size_t i = 0; i < rec->n; i++) {
        if (memcmp(rec->keys[i], key, WSSEC_REPLAY_KEY_LEN) == 0) {
            rec->replays++;
            return WSSEC_EREPLAY;
        }
    }
    assert_true(rec->n < H_RECORDER_MAX);
    memcpy(rec->keys[rec->n++], key, WSSEC_REPLAY_KEY_LEN);
    return 0;
}

static void recorder_destroy(void *state)
{
    h_recorder *rec = state;
    rec->destroyed++;
}

const wssec_replay_ops h_recorder_ops = { WSSEC_REPLAY_OPS_VERSION, "recorder", recorder_insert,
                                          recorder_destroy };

wssec_ctx *h_ctx_recorded(h_recorder *rec, const char *name, ...)
{
    wssec_replay_cache *cache = NULL;
    assert_int_equal(wssec_replay_cache_new(&cache, &h_recorder_ops, rec), 0);
    wssec_config *cfg = NULL;
    assert_int_equal(wssec_config_new(&cfg), 0);
    assert_int_equal(wssec_config_set(cfg, "now", H_NOW_TEXT), 0);
    va_list ap;
    va_start(ap, name);
    for (const char *p = name; p; p = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        assert_non_null(v);
        assert_int_equal(wssec_config_set(cfg, p, v), 0);
    }
    va_end(ap);
    wssec_config_set_password_cb(cfg, h_password_cb, NULL);
    wssec_config_set_replay_cache(cfg, cache);
    wssec_ctx *ctx = NULL;
    int rc = wssec_ctx_new(&ctx, cfg);
    if (rc) print_error("h_ctx_recorded: %s\n", wssec_config_error(cfg)->message);
    assert_int_equal(rc, 0);
    wssec_config_free(cfg);
    wssec_replay_cache_release(cache); /* the context holds its own reference */
    return ctx;
}
