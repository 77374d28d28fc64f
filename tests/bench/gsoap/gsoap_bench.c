/*
 * gsoap_bench — the gSOAP side of wssec's benchmark (issue #9): gSOAP 2.8 (Debian gsoap,
 * libgsoap-dev) and its wsse plugin (/usr/share/gsoap/plugin/wsseapi.c, smdevp.c, mecevp.c),
 * in-process, on the messages `wssec_bench --dump DIR` writes, with the same keys.
 * tests/bench/run.sh generates the bindings from bench.h with soapcpp2 and builds this file.
 *
 *   gsoap_bench --dir DIR --pki DIR [--sizes 2K,...] [--cases LIST] [--time S] [--reps N]
 *               [--warmup S] [--case-timeout S]
 *
 * --case-timeout S (default 60) bounds a case beyond its warm-up and repetitions: gSOAP
 * 2.8.124 with the wsse plugin takes seconds per 2 MB message and many minutes per 20 MB one
 * (the time goes to soap_peek_element), and such a case is reported as an error.
 *
 * gSOAP works from data, not from a document: a gateway built on it deserializes a message
 * into C structures and serializes structures into a message. So here
 *   secure       = deserialize the plain message (b:Payload with its b:Item strings), add a
 *                  Timestamp, a BinarySecurityToken and an rsa-sha256 signature over the Body
 *                  and the Timestamp, serialize into memory;
 *   verify       = serve the message wssec signed (soap_serve reading from memory) with
 *                  soap_wsse_verify_auto: signature, digests and the signer's certificate
 *                  (X509_verify_cert against a store built once from a PEM bundle; gSOAP
 *                  takes no separate untrusted intermediates, so inter.crt is in the bundle)
 *                  and, in the operation, the Timestamp and that the Body and the Timestamp
 *                  were signed;
 *   encrypt      = deserialize, Timestamp, Body encrypted aes256-gcm with the key wrapped for
 *                  server.crt, serialize (see the note: gSOAP 2.8.124 pads that key with
 *                  PKCS#1 v1.5 whatever it declares, so no peer can decrypt it);
 *   ut-generate  = deserialize, UsernameToken PasswordDigest, serialize;
 *   ut-validate  = serve the UsernameToken message wssec wrote and check the password
 *                  (soap_wsse_verify_Password, with its nonce replay list). Each message gets a
 *                  fresh nonce and digest patched into its bytes first (a SHA-1 and two
 *                  base64 encodings, included in the time), since gSOAP refuses a nonce twice.
 *   secure+encrypt = secure, then encrypt, as above;
 * decrypt and decrypt+verify are reported n/a (gSOAP cannot decrypt what it or anyone else
 * encrypts here: tests/interop/MATRIX.md).
 *
 * Each case runs in a forked child: set-up, warm-up, --reps repetitions of --time seconds;
 * one JSON line per case on standard output, in bench.c's schema (impl "gsoap").
 */

#include "soapH.h"
#include "bench.nsmap"
#include "wsseapi.h"

#include <errno.h>
#include <signal.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WSU_NS "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define USER "alice"
#define PASSWORD "alice-s3cret"
#define MAX_REPS 64

static const char *dir, *pki, *cases;
static double time_s = 1.0, warmup_s = 0.5, case_timeout = 60;
static int reps = 5;

/* ------------------------------------------------------------------ helpers */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int wanted(const char *c)
{
    if (!cases) return 1;
    size_t n = strlen(c);
    for (const char *p = cases; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, c, n)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static char *slurp(const char *name, size_t *len)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        fclose(f);
        return NULL;
    }
    fclose(f);
    p[n] = 0;
    *len = (size_t)n;
    return p;
}

static const char *pki_path(const char *file)
{
    static char buf[4][2048];
    static int i;
    char *b = buf[i++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", pki, file);
    return b;
}

static X509 *read_cert(const char *file)
{
    FILE *f = fopen(pki_path(file), "r");
    X509 *c = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    return c;
}

static EVP_PKEY *read_key(const char *file)
{
    FILE *f = fopen(pki_path(file), "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    return k;
}

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    if (f) fclose(f);
    return v;
}

static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static char why[600];
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *soap_why(struct soap *soap)
{
    static char buf[400];
    const char *s = soap_fault_string(soap), *d = soap_fault_detail(soap);
    snprintf(buf, sizeof buf, "%s%s%s (error %d)", s ? s : "gSOAP error", d ? ": " : "",
             d ? d : "", soap->error);
    return buf;
}

/* ------------------------------------------------------------------ the state of a case */

static struct {
    const char *name;
    struct soap *soap;
    X509 *cert, *rcpt;
    EVP_PKEY *key;
    char *in;            /* the input message */
    size_t inlen;
    char *ut;            /* ut-validate: a writable copy of the input */
    char *nonce, *digest, *created; /* where they are in it */
    size_t nonce_len, created_len;
    unsigned char nonce_raw[64];
    size_t nonce_raw_len;
    unsigned long counter;
    /* checks made by the service operation */
    int called, ts_ok, body_signed, ts_signed, pw_ok;
    char bundle[64];
} S;

/* The service operation: what a gSOAP server's code would check. */
int __b__Payload(struct soap *soap, struct b__Payload *p, struct b__PayloadResponse *r)
{
    S.called = 1;
    if (!strcmp(S.name, "verify")) {
        S.ts_ok = soap_wsse_verify_Timestamp(soap) == SOAP_OK;
        S.body_signed = soap_wsse_verify_body(soap) == SOAP_OK; /* 0 when signed */
        S.ts_signed = soap_wsse_verify_element(soap, WSU_NS, "Timestamp") > 0;
    } else {
        const char *u = soap_wsse_get_Username(soap);
        S.pw_ok = u && !strcmp(u, USER) && soap_wsse_verify_Password(soap, PASSWORD) == SOAP_OK;
    }
    (void)p;
    r->b__Status = (char *)"ok";
    return SOAP_OK;
}

static struct soap *new_soap(void)
{
    struct soap *soap = soap_new1(SOAP_XML_CANONICAL);
    soap_set_namespaces(soap, namespaces);
    soap->maxoccurs = 100000000; /* the 20 MB message has ~300,000 items */
    soap->recv_maxlength = 0x7fffffff;
    soap_register_plugin(soap, soap_wsse);
    return soap;
}

/* Deserializes the plain message's Body. */
static int read_payload(struct soap *soap, const char *msg, struct b__Payload *p)
{
    soap->is = msg;
    soap_default_b__Payload(soap, p);
    if (soap_begin_recv(soap) || soap_envelope_begin_in(soap) || soap_recv_header(soap) ||
        soap_body_begin_in(soap) || !soap_get_b__Payload(soap, p, "b:Payload", NULL) ||
        soap_body_end_in(soap) || soap_envelope_end_in(soap) || soap_end_recv(soap))
        return fail("deserializing: %s", soap_why(soap));
    soap->is = NULL;
    return 0;
}

/* deserialize, secure, serialize (into gSOAP's memory, then dropped). */
static int op_produce(void)
{
    struct soap *soap = S.soap;
    struct b__Payload p;
    int rc = 0;
    if (read_payload(soap, S.in, &p)) {
        rc = -1;
        goto done;
    }
    int r = 0;
    if (!strcmp(S.name, "secure")) {
        r = soap_wsse_add_Timestamp(soap, "Time", 300) ||
            soap_wsse_add_BinarySecurityTokenX509(soap, "X509Token", S.cert) ||
            soap_wsse_add_KeyInfo_SecurityTokenReferenceX509(soap, "#X509Token") ||
            soap_wsse_sign_body(soap, SOAP_SMD_SIGN_RSA_SHA256, S.key, 0) ||
            soap_wsse_sign_only(soap, "Time Body");
    } else if (!strcmp(S.name, "secure+encrypt")) {
        r = soap_wsse_add_Timestamp(soap, "Time", 300) ||
            soap_wsse_add_BinarySecurityTokenX509(soap, "X509Token", S.cert) ||
            soap_wsse_add_KeyInfo_SecurityTokenReferenceX509(soap, "#X509Token") ||
            soap_wsse_sign_body(soap, SOAP_SMD_SIGN_RSA_SHA256, S.key, 0) ||
            soap_wsse_sign_only(soap, "Time Body") ||
            soap_wsse_add_EncryptedKey(soap, SOAP_MEC_ENV_ENC_AES256_GCM | SOAP_MEC_OAEP, "Cipher",
                                       S.rcpt, NULL, NULL, NULL);
    } else if (!strcmp(S.name, "encrypt")) {
        r = soap_wsse_add_Timestamp(soap, "Time", 300) ||
            soap_wsse_add_EncryptedKey(soap, SOAP_MEC_ENV_ENC_AES256_GCM | SOAP_MEC_OAEP, "Cipher",
                                       S.rcpt, NULL, NULL, NULL);
    } else { /* ut-generate */
        r = soap_wsse_add_UsernameTokenDigest(soap, "User", USER, PASSWORD);
    }
    if (r) {
        rc = fail("setting up %s: %s", S.name, soap_why(soap));
        goto done;
    }
    const char *out = NULL;
    soap->os = &out;
    if (soap_send___b__Payload(soap, "", NULL, &p) || !out) rc = fail("serializing: %s", soap_why(soap));
    soap->os = NULL;
done:
    soap_wsse_delete_Security(soap);
    soap_destroy(soap);
    soap_end(soap);
    return rc;
}

/* A fresh nonce, and the digest that goes with it, written into the message bytes. */
static void patch_ut(void)
{
    S.counter++;
    for (size_t i = 0; i < S.nonce_raw_len && i < 8; i++)
        S.nonce_raw[i] = (unsigned char)(S.counter >> (8 * i));
    unsigned char b64[128], md[20];
    int n = EVP_EncodeBlock(b64, S.nonce_raw, (int)S.nonce_raw_len);
    memcpy(S.nonce, b64, (size_t)n);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha1(), NULL);
    EVP_DigestUpdate(c, S.nonce_raw, S.nonce_raw_len);
    EVP_DigestUpdate(c, S.created, S.created_len);
    EVP_DigestUpdate(c, PASSWORD, strlen(PASSWORD));
    EVP_DigestFinal_ex(c, md, NULL);
    EVP_MD_CTX_free(c);
    EVP_EncodeBlock(b64, md, 20);
    memcpy(S.digest, b64, 28);
}

/* serve one message from memory; the operation records what it checked. */
static int op_consume(void)
{
    struct soap *soap = S.soap;
    const char *msg = S.in;
    if (!strcmp(S.name, "ut-validate")) {
        patch_ut();
        msg = S.ut;
    }
    S.called = S.ts_ok = S.body_signed = S.ts_signed = S.pw_ok = 0;
    const char *out = NULL;
    soap->is = msg;
    soap->os = &out;
    int r = soap_serve(soap);
    soap->is = NULL;
    soap->os = NULL;
    int rc = 0;
    if (r || !S.called) rc = fail("gSOAP rejected the message: %s", soap_why(soap));
    else if (!strcmp(S.name, "verify") && !(S.ts_ok && S.body_signed && S.ts_signed))
        rc = fail("Timestamp %s, Body %s, Timestamp %s", S.ts_ok ? "valid" : "INVALID",
                  S.body_signed ? "signed" : "NOT signed", S.ts_signed ? "signed" : "NOT signed");
    else if (!strcmp(S.name, "ut-validate") && !S.pw_ok)
        rc = fail("UsernameToken not accepted: %s", soap_why(soap));
    soap_wsse_delete_Security(soap);
    soap_destroy(soap);
    soap_end(soap);
    return rc;
}

/* Finds the text of element `local` (any prefix) in the message. */
static char *elem_text(char *msg, const char *local, size_t *len)
{
    char open[64];
    snprintf(open, sizeof open, ":%s", local);
    for (char *p = strstr(msg, open); p; p = strstr(p + 1, open)) {
        if (p[-1] == '/' ) continue;
        char *gt = strchr(p, '>');
        if (!gt || gt[-1] == '/') continue;
        char *end = strchr(gt + 1, '<');
        if (!end) return NULL;
        *len = (size_t)(end - gt - 1);
        return gt + 1;
    }
    return NULL;
}

static char fallback_note[200];

/* A message gSOAP secures itself, when wssec wrote none at this size: `kind` is "secure"
 * or "ut-generate". */
static char *produce_copy(const char *kind, const char *size, size_t *len)
{
    char file[300];
    size_t plen = 0;
    snprintf(file, sizeof file, "plain-%s.xml", size);
    char *plain = slurp(file, &plen);
    if (!plain) return NULL;
    struct soap *soap = new_soap();
    X509 *cert = read_cert("alice.crt");
    EVP_PKEY *key = read_key("alice.key");
    struct b__Payload p;
    const char *out = NULL;
    char *copy = NULL;
    int r = read_payload(soap, plain, &p);
    if (!r && !strcmp(kind, "secure"))
        r = soap_wsse_add_Timestamp(soap, "Time", 300) ||
            soap_wsse_add_BinarySecurityTokenX509(soap, "X509Token", cert) ||
            soap_wsse_add_KeyInfo_SecurityTokenReferenceX509(soap, "#X509Token") ||
            soap_wsse_sign_body(soap, SOAP_SMD_SIGN_RSA_SHA256, key, 0) ||
            soap_wsse_sign_only(soap, "Time Body");
    else if (!r)
        r = soap_wsse_add_UsernameTokenDigest(soap, "User", USER, PASSWORD);
    soap->os = &out;
    if (!r && !soap_send___b__Payload(soap, "", NULL, &p) && out) {
        *len = strlen(out);
        copy = malloc(*len + 1);
        if (copy) memcpy(copy, out, *len + 1);
    }
    soap->os = NULL;
    soap_destroy(soap);
    soap_end(soap);
    soap_free(soap);
    X509_free(cert);
    EVP_PKEY_free(key);
    free(plain);
    return copy;
}

static int setup(const char *name, const char *size)
{
    char file[300];
    memset(&S, 0, sizeof S);
    fallback_note[0] = 0;
    S.name = name;
    const char *input = !strcmp(name, "verify") ? "signed" : !strcmp(name, "ut-validate") ? "ut" : "plain";
    snprintf(file, sizeof file, "%s-%s.xml", input, size);
    if (!(S.in = slurp(file, &S.inlen)) && strcmp(input, "plain")) {
        S.in = produce_copy(!strcmp(name, "verify") ? "secure" : "ut-generate", size, &S.inlen);
        snprintf(fallback_note, sizeof fallback_note,
                 "; on a message gSOAP secured (wssec could not secure this size)");
    }
    if (!S.in) return fail("no %s/%s (wssec_bench --dump)", dir, file);
    S.soap = new_soap();
    if ((!strcmp(name, "secure") || !strcmp(name, "secure+encrypt")) &&
        (!(S.cert = read_cert("alice.crt")) || !(S.key = read_key("alice.key"))))
        return fail("cannot read alice.crt/alice.key");
    if ((!strcmp(name, "encrypt") || !strcmp(name, "secure+encrypt")) &&
        !(S.rcpt = read_cert("server.crt")))
        return fail("cannot read server.crt");
    if (!strcmp(name, "verify")) {
        /* the anchors, as gSOAP takes them: one PEM bundle of trusted certificates */
        snprintf(S.bundle, sizeof S.bundle, "/tmp/gsoap-bench-ca-XXXXXX");
        int fd = mkstemp(S.bundle);
        FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
        const char *files[] = { "root.crt", "inter.crt" };
        for (int i = 0; out && i < 2; i++) {
            X509 *c = read_cert(files[i]);
            if (c) PEM_write_X509(out, c);
            X509_free(c);
        }
        if (out) fclose(out);
        S.soap->cafile = S.bundle;
        soap_wsse_verify_auto(S.soap, SOAP_SMD_NONE, NULL, 0);
    } else if (!strcmp(name, "ut-validate")) {
        S.ut = malloc(S.inlen + 1);
        memcpy(S.ut, S.in, S.inlen + 1);
        size_t nl = 0, dl = 0;
        S.nonce = elem_text(S.ut, "Nonce", &nl);
        S.digest = elem_text(S.ut, "Password", &dl);
        S.created = elem_text(S.ut, "Created", &S.created_len);
        if (!S.nonce || !S.digest || !S.created || dl != 28 || nl % 4 || nl > 80)
            return fail("the UsernameToken message has no Nonce, digest Password or Created");
        S.nonce_len = nl;
        /* the clock: Created is set to now (same format), as a sender would */
        char ts[64];
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        size_t tl = strlen(ts);
        if (S.created_len < tl + 1) return fail("unexpected Created");
        memcpy(S.created, ts, tl);
        if (S.created[tl] == '.')
            for (size_t i = tl + 1; i < S.created_len && S.created[i] != 'Z'; i++) S.created[i] = '0';
        unsigned char raw[96];
        int n = EVP_DecodeBlock(raw, (unsigned char *)S.nonce, (int)nl);
        if (n < 0) return fail("the Nonce is not base64");
        S.nonce_raw_len = (size_t)n - (S.nonce[nl - 1] == '=') - (S.nonce[nl - 2] == '=');
        memcpy(S.nonce_raw, raw, S.nonce_raw_len);
    }
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void emit(const char *name, const char *size, size_t bytes, const char *status,
                 const double *rates, int n, long peak_kb, const char *note)
{
    printf("{\"impl\":\"gsoap\",\"case\":\"%s\",\"size\":\"%s\",\"bytes\":%zu,\"threads\":1,"
           "\"status\":\"%s\"",
           name, size, bytes, status);
    if (n > 0) {
        double v[MAX_REPS];
        memcpy(v, rates, sizeof(double) * (size_t)n);
        qsort(v, (size_t)n, sizeof(double), cmp);
        double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        printf(",\"ops_per_s\":%.6g,\"min\":%.6g,\"max\":%.6g,\"spread_pct\":%.4g,\"us_per_op\":%.6g,"
               "\"reps\":%d,\"rates\":[",
               med, v[0], v[n - 1], 100 * (v[n - 1] - v[0]) / med, 1e6 / med, n);
        for (int i = 0; i < n; i++) printf("%s%.6g", i ? "," : "", rates[i]);
        printf("],\"peak_rss_kb\":%ld", peak_kb);
    }
    printf(",\"note\":\"");
    for (const char *p = note; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        putchar((unsigned char)*p < 0x20 ? ' ' : *p);
    }
    printf("\"}\n");
    fflush(stdout);
}

static double timed(int (*op)(void), double seconds)
{
    long n = 0;
    double t0 = now_s(), t;
    do {
        if (op()) return -1;
        n++;
        t = now_s();
    } while (t - t0 < seconds);
    return (double)n / (t - t0);
}

/* A case that does not finish in time: gSOAP's deserializer is quadratic in some inputs
 * (see the note), so the largest messages can take many minutes per operation. */
static char timeout_line[700];
static void on_alarm(int sig)
{
    (void)sig;
    ssize_t w = write(1, timeout_line, strlen(timeout_line));
    (void)w;
    _exit(3);
}

static void run_case(const char *name, const char *size)
{
    fprintf(stderr, "  gsoap    %-22s %s\n", name, size);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        unsigned limit = (unsigned)(case_timeout + warmup_s + reps * time_s);
        snprintf(timeout_line, sizeof timeout_line,
                 "{\"impl\":\"gsoap\",\"case\":\"%s\",\"size\":\"%s\",\"bytes\":0,\"threads\":1,"
                 "\"status\":\"error\",\"note\":\"did not finish within %u s (set-up, one operation, "
                 "warm-up and the repetitions; --case-timeout)\"}\n",
                 name, size, limit);
        signal(SIGALRM, on_alarm);
        alarm(limit);
        int (*op)(void) = !strcmp(name, "verify") || !strcmp(name, "ut-validate") ? op_consume : op_produce;
        const char *note = !strcmp(name, "encrypt") || !strcmp(name, "secure+encrypt")
            ? "gSOAP 2.8.124 declares rsa-oaep-mgf1p but wraps the key with PKCS#1 v1.5 (no peer can decrypt it)"
            : !strcmp(name, "verify") ? "intermediate among the trusted certificates (gSOAP takes no untrusted chain)"
            : !strcmp(name, "ut-validate") ? "fresh nonce and digest patched in per message; gSOAP's nonce list is searched linearly and grows during the run"
            : "";
        if (setup(name, size) || op()) {
            emit(name, size, S.inlen, "error", NULL, 0, 0, why);
            _exit(1);
        }
        if (timed(op, warmup_s) < 0) {
            emit(name, size, S.inlen, "error", NULL, 0, 0, why);
            _exit(1);
        }
        reset_peak();
        double rates[MAX_REPS];
        for (int i = 0; i < reps; i++)
            if ((rates[i] = timed(op, time_s)) < 0) {
                emit(name, size, S.inlen, "error", NULL, 0, 0, why);
                _exit(1);
            }
        char full[600];
        snprintf(full, sizeof full, "%s%s", note, fallback_note);
        emit(name, size, S.inlen, "ok", rates, reps, status_kb("VmHWM"), full);
        if (S.bundle[0]) unlink(S.bundle);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st)) {
        char note[100];
        snprintf(note, sizeof note, "gSOAP crashed (signal %d)", WTERMSIG(st));
        emit(name, size, 0, "error", NULL, 0, 0, note);
    }
}

int main(int argc, char **argv)
{
    const char *sizes = "2K,20K,200K,2M,20M";
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--dir")) dir = v;
        else if (!strcmp(a, "--pki")) pki = v;
        else if (!strcmp(a, "--sizes")) sizes = v;
        else if (!strcmp(a, "--cases")) cases = v;
        else if (!strcmp(a, "--time")) time_s = strtod(v, NULL);
        else if (!strcmp(a, "--warmup")) warmup_s = strtod(v, NULL);
        else if (!strcmp(a, "--reps")) reps = (int)strtol(v, NULL, 10);
        else if (!strcmp(a, "--case-timeout")) case_timeout = strtod(v, NULL);
        else {
            fprintf(stderr, "gsoap_bench: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!dir || !pki || reps < 1 || reps > MAX_REPS || !(time_s > 0)) {
        fprintf(stderr, "usage: gsoap_bench --dir DIR --pki DIR [--sizes L] [--cases L] [--time S] "
                        "[--reps N] [--warmup S] [--case-timeout S]\n");
        return 2;
    }
    printf("{\"impl\":\"meta\",\"tool\":\"gsoap_bench\",\"gsoap\":\"%d\",\"openssl\":\"%s\","
           "\"time_s\":%g,\"reps\":%d,\"warmup_s\":%g}\n",
           GSOAP_VERSION, OpenSSL_version(OPENSSL_VERSION), time_s, reps, warmup_s);
    char list[256];
    snprintf(list, sizeof list, "%s", sizes);
    static const char *const names[] = { "secure", "verify", "encrypt", "decrypt", "secure+encrypt",
                                         "decrypt+verify", "ut-generate", "ut-validate" };
    for (char *s = list; s && *s;) {
        char *comma = strchr(s, ',');
        if (comma) *comma = 0;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            if (!wanted(names[k])) continue;
            if (!strcmp(names[k], "decrypt") || !strcmp(names[k], "decrypt+verify")) {
                emit(names[k], s, 0, "n/a", NULL, 0, 0,
                     "gSOAP 2.8.124 cannot decrypt what it or the other peers encrypt "
                     "(tests/interop/MATRIX.md)");
                continue;
            }
            run_case(names[k], s);
        }
        s = comma ? comma + 1 : NULL;
    }
    return 0;
}
