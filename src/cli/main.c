/*
 * wssec(1) — secure, verify and inspect SOAP messages.
 *
 *   wssec secure  [options] [FILE...]
 *   wssec verify  [options] [FILE...]
 *   wssec inspect [options] [FILE...]
 *
 * Every library option is also a long option (--clock-skew 60) and an
 * element of the configuration file; the program's own options (output,
 * users, passwords, reports) are handled here, through the same callback for
 * the command line and the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"

typedef enum { CMD_SECURE, CMD_VERIFY, CMD_INSPECT } command;

typedef struct cli {
    command cmd;
    const char *cmd_name;
    wssec_config *cfg;
    char *output, *output_dir, *report, *users_path, *password_file, *password_env;
    bool json, fault;
    bool want_timestamp, have_username, have_signing, have_encrypting, explicit_actions;
    bool have_assert; /* --assert-user or --assert-dn: the identity-assertion action */
    bool private_output;          /* --private-output: files 0600 */
    bool sign_chain, pkcs12, sign_key; /* key sources given, for the conflict checks */
    char bst_type[16], key_id[16];     /* as given; "" for the default */
    const char *config_dir;       /* while the configuration file is read: its directory */
    bool require_none, require_other; /* --require: "none" and other requirements given */
    char *explain_dir;            /* --explain DIR: what the signatures digested */
    struct explain_log *explain;  /* the current input's, while it is verified */
    bool now_given;               /* --now: the clock is fixed */
    bool replay_external;         /* a replay cache other than memory was configured */
    cli_secrets secrets;
    char **negs; /* --no-NAME option names */
    char why[600]; /* the reason of a usage error */
} cli;

int cli_exit_for(int code)
{
    if (code == 0) return EXIT_ACCEPTED;
    switch (wssec_code_category(code)) {
    case WSSEC_CAT_USAGE: return EXIT_USAGE;
    case WSSEC_CAT_INTERNAL: return EXIT_INTERNAL;
    default: return code == WSSEC_EPARSE ? EXIT_NOTSOAP : EXIT_REJECTED;
    }
}

static int set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst ? 1 : WSSEC_ENOMEM;
}

static int parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !*v) *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "0")) *out = false;
    else return WSSEC_ECONFIG;
    return 1;
}

/* The edit distance between a and b (insertions, deletions, substitutions,
 * transpositions), for "did you mean" suggestions; capped at 99. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 60 || lb > 60) return 99;
    size_t d[62][62];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* The closest of names to word when it is close enough to be a typo, or NULL. */
static const char *closest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t bestd = 99, len = strlen(word);
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, names[i]);
        if (d < bestd) bestd = d, best = names[i];
    }
    size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    return best && bestd > 0 && bestd <= limit ? best : NULL;
}

/* The part names of sign-part and encrypt-part: a bare word close to one of
 * them is a typo (an XPath of one name never selects a SOAP part). */
static int check_part(cli *c, const char *opt, const char *value)
{
    static const char *const sign_names[] = { "body", "timestamp", "token", "username-token",
                                              "identity-assertion" };
    static const char *const enc_names[] = { "body", "signature" };
    bool enc = !strcmp(opt, "encrypt-part");
    const char *const *names = enc ? enc_names : sign_names;
    size_t n = enc ? 2 : sizeof(sign_names) / sizeof(sign_names[0]);
    char word[64];
    snprintf(word, sizeof(word), "%s", value);
    size_t l = strlen(word);
    if (enc && l > 8 && (!strcmp(word + l - 8, ":content") || !strcmp(word + l - 8, ":element")))
        word[l - 8] = '\0';
    for (const char *p = word; *p; p++)
        if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && *p != '-' && *p != '_')
            return 0; /* a QName or an XPath */
    for (size_t i = 0; i < n; i++)
        if (!strcmp(word, names[i])) return 0;
    const char *near = closest(word, names, n);
    if (!near) {
        char lower[64];
        size_t i;
        for (i = 0; word[i] && i < sizeof(lower) - 1; i++)
            lower[i] = (char)(word[i] >= 'A' && word[i] <= 'Z' ? word[i] + 32 : word[i]);
        lower[i] = '\0';
        for (i = 0; i < n && !near; i++)
            if (!strcmp(lower, names[i])) near = names[i];
    }
    if (!near) return 0;
    snprintf(c->why, sizeof(c->why), "%s: unknown part '%s'; did you mean '%s'?", opt, value, near);
    return WSSEC_ECONFIG;
}

/* A DN pasted from `openssl x509 -subject` in the slash form (/C=US/O=x/CN=y)
 * lists the RDNs in the reverse order and never matches: refused, with the
 * RFC 4514 text to write instead. */
static int check_dn(cli *c, const char *opt, const char *value)
{
    if (value[0] != '/' || !strchr(value, '=')) return 0;
    char rdns[32][256], fix[600];
    size_t n = 0;
    const char *p = value + 1;
    while (*p && n < 32) {
        size_t k = strcspn(p, "/");
        snprintf(rdns[n++], sizeof(rdns[0]), "%.*s", (int)k, p);
        p += k;
        if (*p == '/') p++;
    }
    size_t off = 0;
    fix[0] = '\0';
    for (size_t i = n; i-- > 0 && off < sizeof(fix);) {
        int w = snprintf(fix + off, sizeof(fix) - off, "%s%s", i + 1 < n ? ", " : "", rdns[i]);
        if (w < 0) break;
        off += (size_t)w;
    }
    snprintf(c->why, sizeof(c->why),
             "%s: '%.200s' is OpenSSL's slash form, most general first; write the RFC 4514 form, "
             "most specific first: '%.250s'",
             opt, value, fix);
    return WSSEC_ECONFIG;
}

/* A relative path read from the configuration file names a file beside it. */
static int set_path(cli *c, char **dst, const char *v)
{
    if (!c->config_dir || !*v || v[0] == '/' || !strcmp(v, "-")) return set_str(dst, v);
    char *p = NULL;
    if (asprintf(&p, "%s/%s", c->config_dir, v) < 0) return WSSEC_ENOMEM;
    free(*dst);
    *dst = p;
    return 1;
}

/* The program's own options; returns 1 when consumed, 0 for the library's,
 * negative on a bad value (c->why says why). Shared by argv and the file. */
static int cli_option(const char *name, const char *value, void *ud)
{
    cli *c = ud;
    if (!strcmp(name, "output")) return set_path(c, &c->output, value);
    if (!strcmp(name, "output-dir")) return set_path(c, &c->output_dir, value);
    if (!strcmp(name, "report")) return set_path(c, &c->report, value);
    if (!strcmp(name, "users")) return set_path(c, &c->users_path, value);
    if (!strcmp(name, "password-file")) return set_path(c, &c->password_file, value);
    if (!strcmp(name, "password-env")) return set_str(&c->password_env, value);
    if (!strcmp(name, "json")) return parse_bool(value, &c->json);
    if (!strcmp(name, "fault")) return parse_bool(value, &c->fault);
    if (!strcmp(name, "private-output")) return parse_bool(value, &c->private_output);
    if (!strcmp(name, "explain")) return set_path(c, &c->explain_dir, value);
    if (!strcmp(name, "timestamp")) {
        c->want_timestamp = true;
        if (*value && strcmp(value, "true") != 0 &&
            wssec_config_set(c->cfg, "timestamp-ttl", value) != 0) {
            snprintf(c->why, sizeof(c->why), "timestamp: '%s' is not a number of seconds", value);
            return WSSEC_ECONFIG;
        }
        return 1;
    }
    if (!strcmp(name, "username")) c->have_username = *value != '\0';
    if (!strcmp(name, "sign-key") || !strcmp(name, "pkcs12")) c->have_signing = *value != '\0';
    if (!strcmp(name, "sign-key")) c->sign_key = *value != '\0';
    if (!strcmp(name, "pkcs12")) c->pkcs12 = *value != '\0';
    if (!strcmp(name, "sign-chain")) c->sign_chain = *value != '\0';
    if (!strcmp(name, "bst-type")) snprintf(c->bst_type, sizeof(c->bst_type), "%s", value);
    if (!strcmp(name, "key-id")) snprintf(c->key_id, sizeof(c->key_id), "%s", value);
    if (!strcmp(name, "encrypt-cert") || !strcmp(name, "psk-file"))
        c->have_encrypting = *value != '\0';
    if (!strcmp(name, "actions")) c->explicit_actions = true;
    if (!strcmp(name, "assert-user") || !strcmp(name, "assert-dn"))
        c->have_assert = c->have_assert || *value != '\0';
    if (!strcmp(name, "now")) c->now_given = *value != '\0';
    if (!strcmp(name, "replay-cache")) c->replay_external = strcmp(value, "memory") != 0;
    if (!strcmp(name, "require")) {
        /* items are comma-separated; "none" is a whole item */
        for (const char *p = value; *p;) {
            size_t k = strcspn(p, ",");
            const char *b = p, *e = p + k;
            while (b < e && *b == ' ') b++;
            while (e > b && e[-1] == ' ') e--;
            if (e - b == 4 && !strncmp(b, "none", 4)) c->require_none = true;
            else if (e > b) c->require_other = true;
            p += k + (p[k] == ',');
        }
        if (c->require_none && c->require_other) {
            snprintf(c->why, sizeof(c->why),
                     "require: 'none' clears every other requirement; give 'none' alone, or the "
                     "requirements without 'none'");
            return WSSEC_ECONFIG;
        }
    }
    if (!strcmp(name, "sign-part") || !strcmp(name, "encrypt-part")) return check_part(c, name, value);
    if (!strcmp(name, "subject") || !strcmp(name, "issuer") || !strcmp(name, "assert-dn"))
        return check_dn(c, name, value);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: wssec secure  [options] [FILE...]   add WS-Security to messages\n"
            "       wssec verify  [options] [FILE...]   check the WS-Security of messages\n"
            "       wssec inspect [options] [FILE...]   explain what messages carry\n"
            "\n"
            "No FILE, or -, reads standard input.\n"
            "\n"
            "Program options:\n"
            "  -c, --config FILE        XML configuration (schemas/wssec-config.xsd); command-line\n"
            "                           options given after it override it\n"
            "  -o, --output FILE        write the message here (one input only)\n"
            "      --output-dir DIR     write each message to DIR under its input's name\n"
            "      --json               one JSON report per input, one per line\n"
            "      --report FILE        write the JSON reports to FILE instead of standard output\n"
            "      --fault              on rejection, write a SOAP Fault instead of the message\n"
            "      --private-output     output files readable by their owner only (0600)\n"
            "      --explain DIR        verify: write what each signature digested (canonical\n"
            "                           bytes, expected and computed digests) to DIR\n"
            "      --timestamp[=TTL]    secure: add a Timestamp (TTL seconds, default 300)\n"
            "      --username USER      secure: add a UsernameToken for USER\n"
            "      --password-file F    secure: the UsernameToken password, first line of F\n"
            "      --password-env VAR   secure: the UsernameToken password, from variable VAR\n"
            "      --users FILE         verify: users and passwords, lines user:password\n"
            "  -h, --help               this help\n"
            "  -V, --version            the version\n"
            "\nLibrary options (also elements of the configuration file):\n");
    const char *name, *arg, *help;
    for (size_t i = 0; wssec_config_option_info(&name, &arg, &help, i) == 0; i++) {
        if (!strcmp(name, "username")) continue;
        char left[64];
        snprintf(left, sizeof(left), "--%s %s", name, arg);
        fprintf(out, "      %-23s %s\n", left, help);
    }
    fprintf(out, "\nExit codes: 0 accepted/secured, 1 rejected by a security check, 2 usage or\n"
                 "configuration error, 3 input not well-formed XML or not SOAP, 4 I/O or\n"
                 "internal error. With several inputs the highest code wins.\n");
}

/* The program's options with no argument or an optional one; every other
 * long option takes an argument. */
static const struct option own[] = {
    { "config", required_argument, NULL, 'c' },
    { "output", required_argument, NULL, 'o' },
    { "output-dir", required_argument, NULL, 0 },
    { "json", no_argument, NULL, 0 },
    { "report", required_argument, NULL, 0 },
    { "fault", no_argument, NULL, 0 },
    { "timestamp", optional_argument, NULL, 0 },
    { "private-output", no_argument, NULL, 0 },
    { "explain", required_argument, NULL, 0 },
    { "password-file", required_argument, NULL, 0 },
    { "password-env", required_argument, NULL, 0 },
    { "users", required_argument, NULL, 0 },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
};

typedef struct argpair {
    const char *name, *value;
} argpair;

/* Parses argv: collects (name, value) pairs so that the configuration file,
 * wherever -c appears, is applied first and the command line overrides it. */
static int parse_args(cli *c, int argc, char **argv, char **config, argpair **pairs, size_t *npairs)
{
    size_t nown = sizeof(own) / sizeof(own[0]), nlib = 0;
    const char *name, *arg, *help;
    while (wssec_config_option_info(&name, &arg, &help, nlib) == 0) nlib++;
    /* every library option, plus --no-NAME for its switches */
    struct option *opts = calloc(nown + 2 * nlib + 1, sizeof(*opts));
    char **negs = calloc(nlib + 1, sizeof(*negs));
    *pairs = calloc((size_t)argc + 1, sizeof(**pairs));
    if (!opts || !*pairs || !negs) {
        free(opts);
        free(negs);
        return WSSEC_ENOMEM;
    }
    memcpy(opts, own, sizeof(own));
    size_t nopts = nown, nnegs = 0;
    for (size_t i = 0; i < nlib; i++) {
        wssec_config_option_info(&name, &arg, &help, i);
        bool sw = !strcmp(arg, "BOOL");
        opts[nopts++] = (struct option){ name, sw ? optional_argument : required_argument, NULL, 0 };
        if (sw && asprintf(&negs[nnegs], "no-%s", name) > 0)
            opts[nopts++] = (struct option){ negs[nnegs++], no_argument, NULL, 'n' };
    }
    int rc = 0, ch, idx;
    opterr = 0;
    optind = 2; /* argv[1] is the command */
    while ((ch = getopt_long(argc, argv, ":c:o:hV", opts, &idx)) != -1) {
        switch (ch) {
        case 'h': usage(stdout); rc = 1; goto done;
        case 'V': printf("wssec %s\n", wssec_version()); rc = 1; goto done;
        case 'c': *config = optarg; break;
        case 'o': (*pairs)[(*npairs)++] = (argpair){ "output", optarg }; break;
        case 0: /* a switch given alone (--allow-sha1) is on */
            if (!strcmp(opts[idx].name, "timestamp") && !optarg && optind < argc &&
                argv[optind][0] && strspn(argv[optind], "0123456789") == strlen(argv[optind])) {
                /* "--timestamp 600": the TTL is an optional value, so 600 would be an input */
                snprintf(c->why, sizeof(c->why),
                         "--timestamp takes its TTL after '=': write --timestamp=%s (or "
                         "--timestamp-ttl %s)",
                         argv[optind], argv[optind]);
                rc = WSSEC_ECONFIG;
                goto done;
            }
            (*pairs)[(*npairs)++] = (argpair){
                opts[idx].name, optarg ? optarg : opts[idx].has_arg == optional_argument ? "true" : ""
            };
            break;
        case 'n': /* --no-NAME: the switch NAME off */
            (*pairs)[(*npairs)++] = (argpair){ opts[idx].name + 3, "false" };
            break;
        case ':':
            snprintf(c->why, sizeof(c->why), "option %s needs a value", argv[optind - 1]);
            rc = WSSEC_ECONFIG;
            goto done;
        default: {
            const char *arg0 = argv[optind - 1];
            const char *near = NULL;
            if (!strncmp(arg0, "--", 2)) {
                char word[128];
                snprintf(word, sizeof(word), "%s", arg0 + 2);
                word[strcspn(word, "=")] = '\0';
                const char **names = calloc(nopts, sizeof(*names));
                if (names) {
                    for (size_t i = 0; i < nopts; i++) names[i] = opts[i].name;
                    near = closest(word, names, nopts);
                    free(names);
                }
            }
            if (near)
                snprintf(c->why, sizeof(c->why), "unknown option %s; did you mean --%s?", arg0,
                         near);
            else
                snprintf(c->why, sizeof(c->why), "unknown option %s (see wssec --help)", arg0);
            rc = WSSEC_ECONFIG;
            goto done;
        }
        }
    }
done:
    free(opts);
    /* the names are used by the pairs: keep them for the life of the process */
    if (rc) {
        for (size_t i = 0; negs[i]; i++) free(negs[i]);
        free(negs);
    } else {
        c->negs = negs;
    }
    return rc;
}

static const char *out_name(const cli *c, const char *dir, const char *input, char *buf,
                            size_t size)
{
    (void)c;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", strcmp(input, "-") ? input : "stdin.xml");
    snprintf(buf, size, "%s/%s", dir, basename(tmp));
    return buf;
}

/* ---- --explain: what the signatures digested ---- */

typedef struct explain_item {
    char *what, *alg, *expected, *computed;
    unsigned char *bytes;
    size_t len;
} explain_item;

typedef struct explain_log {
    explain_item *v;
    size_t n;
    bool oom;
} explain_log;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void explain_cb(const char *what, const unsigned char *bytes, size_t len,
                       const char *digest_alg, const char *expected, const char *computed,
                       void *userdata)
{
    cli *c = userdata;
    explain_log *l = c->explain;
    if (!l || l->oom) return;
    explain_item *v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v) {
        l->oom = true;
        return;
    }
    l->v = v;
    explain_item *it = &v[l->n];
    *it = (explain_item){ dup_or_null(what), dup_or_null(digest_alg), dup_or_null(expected),
                          dup_or_null(computed), malloc(len ? len : 1), len };
    if (!it->what || !it->alg || !it->computed || !it->bytes || (expected && !it->expected)) {
        free(it->what), free(it->alg), free(it->expected), free(it->computed), free(it->bytes);
        l->oom = true;
        return;
    }
    if (len) memcpy(it->bytes, bytes, len);
    l->n++;
}

static void explain_clear(explain_log *l)
{
    for (size_t i = 0; i < l->n; i++) {
        explain_item *it = &l->v[i];
        OPENSSL_cleanse(it->bytes, it->len);
        free(it->what), free(it->alg), free(it->expected), free(it->computed), free(it->bytes);
    }
    free(l->v);
    *l = (explain_log){ 0 };
}

/* Writes DIR/<input>.explain.txt and one DIR/<input>.N.c14n per digested
 * piece. Returns 0, or an exit code with the reason on standard error. */
static int explain_write(const cli *c, const char *file, const explain_log *l,
                         const wssec_error *err)
{
    char base[PATH_MAX + 64], path[PATH_MAX + 160], why[700];
    out_name(c, c->explain_dir, file, base, sizeof(base));
    char *text = NULL;
    size_t tlen = 0;
    FILE *t = open_memstream(&text, &tlen);
    if (!t || l->oom) {
        if (t) fclose(t);
        free(text);
        fprintf(stderr, "wssec: %s: explain: out of memory\n", file);
        return EXIT_INTERNAL;
    }
    fprintf(t, "%s: %s\n", file, err ? "rejected" : "accepted");
    if (err) fprintf(t, "  %s [%s]\n", err->message, wssec_code_name(err->code));
    if (l->n == 0) fprintf(t, "  nothing was digested (no signature got that far)\n");
    int rc = 0;
    for (size_t i = 0; i < l->n && !rc; i++) {
        const explain_item *it = &l->v[i];
        char name[80];
        snprintf(name, sizeof(name), "%zu.%s.c14n", i + 1,
                 strcmp(it->what, "SignedInfo") == 0 ? "SignedInfo" : "reference");
        const char *slash = strrchr(base, '/');
        snprintf(path, sizeof(path), "%s.%s", base, name);
        if (!strcmp(it->what, "SignedInfo"))
            fprintf(t, "  SignedInfo, %s: %s.%s (%zu bytes), digest %s; the SignatureValue is "
                       "checked over these bytes\n",
                    it->alg, slash ? slash + 1 : base, name, it->len, it->computed);
        else
            fprintf(t, "  Reference %s, %s: %s.%s (%zu bytes), expected %s, computed %s: %s\n",
                    it->what, it->alg, slash ? slash + 1 : base, name, it->len,
                    it->expected ? it->expected : "(none)", it->computed,
                    it->expected && !strcmp(it->expected, it->computed) ? "match" : "MISMATCH");
        if (cli_write(path, it->bytes, it->len, c->private_output, why, sizeof(why))) {
            fprintf(stderr, "wssec: %s: explain: %s\n", file, why);
            rc = EXIT_INTERNAL;
        }
    }
    fclose(t);
    snprintf(path, sizeof(path), "%s.explain.txt", base);
    if (!rc && cli_write(path, text, tlen, c->private_output, why, sizeof(why))) {
        fprintf(stderr, "wssec: %s: explain: %s\n", file, why);
        rc = EXIT_INTERNAL;
    }
    free(text);
    return rc;
}

/* What became of one input, for the summary of a batch run. */
typedef struct outcome {
    int code;     /* the wssec code of the failure; 0 accepted */
    bool written; /* the message was written (to a file or standard output) */
} outcome;

static void complain(const char *file, const wssec_error *e)
{
    fprintf(stderr, "wssec: %s: %s%s%s [%s]\n", file, e->fault[0] ? e->fault : "",
            e->fault[0] ? ": " : "", e->message, wssec_code_name(e->code));
}

/* inspect: what verify would conclude with the same options, from a second
 * parse of the same bytes (inspect's own pass changed nothing, but verify
 * wants a message of its own). The context of an inspect run has its own
 * in-memory replay cache, so the verdict never takes a place in a shared one.
 * Returns 0, or WSSEC_ENOMEM. */
static int inspect_verdict(const cli *c, wssec_ctx *ctx, const cli_bytes *in, cli_report *v)
{
    (void)c;
    wssec_msg *m = NULL;
    wssec_result *res = NULL;
    int rc = wssec_msg_new(&m, ctx);
    if (rc) return rc;
    rc = wssec_msg_parse(m, (const char *)in->data, in->len);
    if (rc == 0) {
        rc = wssec_verify(&res, m);
        if (rc == WSSEC_ENOMEM && !res) {
            wssec_msg_free(m);
            return rc;
        }
    }
    const wssec_error *e = rc == 0 ? NULL : res ? wssec_result_error(res) : wssec_msg_error(m);
    v->have_verdict = true;
    v->verdict_exit = e ? cli_exit_for(e->code) : EXIT_ACCEPTED;
    if (!e) {
        const char *caller = wssec_result_caller(res);
        snprintf(v->verdict, sizeof(v->verdict), "accepted%s%s", caller ? ", caller " : "",
                 caller ? caller : "");
    } else {
        snprintf(v->verdict, sizeof(v->verdict), "rejected, exit %d: %s%s%s [%s]", v->verdict_exit,
                 e->fault[0] ? e->fault : "", e->fault[0] ? ": " : "", e->message,
                 wssec_code_name(e->code));
    }
    wssec_result_free(res);
    wssec_msg_free(m);
    return 0;
}

static int process_one(cli *c, wssec_ctx *ctx, const char *file, const char *dest, bool write_msg,
                       FILE *json, outcome *o)
{
    wssec_msg *msg = NULL;
    wssec_result *res = NULL;
    cli_bytes in = { 0 };
    unsigned char *out = NULL;
    size_t outlen = 0;
    char why[700];
    int rc, exit_code;
    wssec_error local = { 0 };
    const wssec_error *err = NULL;
    cli_report verdict = { 0 };
    explain_log xlog = { 0 };
    int explained = 0;

    rc = cli_read(file, wssec_ctx_max_message_size(ctx), &in, why, sizeof(why));
    if (rc) {
        static char msgbuf[800];
        snprintf(msgbuf, sizeof(msgbuf), "%s", why);
        local.code = rc;
        local.category = wssec_code_category(rc);
        local.message = msgbuf;
        local.fault = rc == WSSEC_ELIMIT ? wssec_code_fault(rc) : "";
        local.fault_ns = "";
        local.subject = "";
        local.file = "";
        err = &local;
        goto report;
    }
    if ((rc = wssec_msg_new(&msg, ctx))) goto oom;
    rc = wssec_msg_parse(msg, (const char *)in.data, in.len);
    if (rc) {
        err = wssec_msg_error(msg);
        goto report;
    }
    switch (c->cmd) {
    case CMD_SECURE:
        rc = wssec_secure(msg, NULL);
        if (rc) err = wssec_msg_error(msg);
        break;
    case CMD_VERIFY:
        c->explain = c->explain_dir ? &xlog : NULL;
        rc = wssec_verify(&res, msg);
        c->explain = NULL;
        if (rc == WSSEC_ENOMEM && !res) goto oom;
        if (rc) err = wssec_result_error(res);
        if (c->explain_dir) explained = explain_write(c, file, &xlog, rc ? err : NULL);
        break;
    case CMD_INSPECT:
        rc = wssec_inspect(&res, msg);
        if (rc) goto oom;
        if ((rc = inspect_verdict(c, ctx, &in, &verdict))) goto oom;
        break;
    }
    if (rc == 0 && write_msg && c->cmd != CMD_INSPECT) {
        if ((rc = wssec_msg_serialize(&out, &outlen, msg))) goto oom;
        if ((rc = cli_write(dest, out, outlen, c->private_output, why, sizeof(why)))) {
            static char msgbuf[800];
            snprintf(msgbuf, sizeof(msgbuf), "output %s", why);
            local = (wssec_error){ rc, wssec_code_category(rc), msgbuf, "", "", "", "", 0 };
            err = &local;
        } else {
            o->written = true;
        }
    }
report:
    o->code = err ? err->code : 0;
    exit_code = err ? cli_exit_for(err->code) : EXIT_ACCEPTED;
    if (err && c->cmd != CMD_INSPECT) complain(file, err);
    if (err && c->fault && write_msg && (exit_code == EXIT_REJECTED || exit_code == EXIT_NOTSOAP)) {
        unsigned char *f = NULL;
        size_t flen = 0;
        int v = msg && wssec_msg_soap_version(msg) ? wssec_msg_soap_version(msg) : WSSEC_SOAP11;
        if (wssec_fault_serialize(&f, &flen, err, v) == 0 &&
            cli_write(dest, f, flen, c->private_output, why, sizeof(why)) != 0) {
            fprintf(stderr, "wssec: %s: fault not written: %s\n", file, why);
            exit_code = EXIT_INTERNAL;
        }
        wssec_free(f);
    }
    {
        cli_report r = { c->cmd_name, file, exit_code, err, msg ? wssec_msg_soap_version(msg) : 0,
                         res, wssec_ctx_replay_cache_name(ctx), msg };
        r.have_verdict = verdict.have_verdict;
        r.verdict_exit = verdict.verdict_exit;
        memcpy(r.verdict, verdict.verdict, sizeof(r.verdict));
        r.clock = c->now_given ? "--now" : "system clock";
        r.replay_note = c->replay_external ? "replay is checked against this run's inputs only, "
                                             "not the configured replay cache"
                                           : NULL;
        if (c->json) cli_report_json(json, &r);
        else if (c->cmd == CMD_INSPECT) cli_report_inspect(stdout, &r, wssec_ctx_now(ctx));
    }
    if (c->cmd == CMD_INSPECT && exit_code == EXIT_REJECTED) exit_code = EXIT_ACCEPTED;
    if (explained > exit_code) exit_code = explained;
    goto done;
oom:
    fprintf(stderr, "wssec: %s: out of memory\n", file);
    exit_code = EXIT_INTERNAL;
    o->code = WSSEC_ENOMEM;
done:
    explain_clear(&xlog);
    wssec_free(out);
    wssec_result_free(res);
    wssec_msg_free(msg);
    cli_bytes_free(&in);
    return exit_code;
}

/* ---- batch runs: progress on a terminal, a summary at the end ---- */

typedef struct batch {
    int total, done, written;
    int by_exit[5];            /* inputs per exit code */
    int codes[64], ncodes[64]; /* failures per wssec code */
    size_t nkinds;
    double start, last;        /* seconds, monotonic */
    bool tty, shown;
} batch;

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void batch_start(batch *b, int total)
{
    b->total = total;
    b->tty = total > 1 && isatty(STDERR_FILENO);
    b->start = b->last = seconds_now();
}

static void batch_add(batch *b, int exit_code, const outcome *o)
{
    b->done++;
    if (exit_code >= 0 && exit_code < 5) b->by_exit[exit_code]++;
    if (o->written) b->written++;
    if (o->code) {
        size_t i;
        for (i = 0; i < b->nkinds && b->codes[i] != o->code; i++) {}
        if (i == b->nkinds && i < 64) b->codes[b->nkinds++] = o->code;
        if (i < 64) b->ncodes[i]++;
    }
    if (!b->tty) return;
    /* progress once the run has lasted more than a second, five times a second */
    double t = seconds_now();
    if (t - b->start < 1.0 || (t - b->last < 0.2 && b->done < b->total)) return;
    b->last = t;
    b->shown = true;
    fprintf(stderr, "\rwssec: %d/%d inputs, %d failed", b->done, b->total,
            b->done - b->by_exit[0]);
}

/* One line on standard error after a run over several inputs. */
static void batch_end(batch *b, const cli *c)
{
    if (b->shown) fputs("\r\033[K", stderr);
    if (b->total < 2) return;
    const char *ok = c->cmd == CMD_SECURE ? "secured" : c->cmd == CMD_VERIFY ? "accepted"
                                                                             : "described";
    fprintf(stderr, "wssec: %s: %d inputs: %d %s", c->cmd_name, b->total, b->by_exit[0], ok);
    if (b->by_exit[EXIT_REJECTED]) fprintf(stderr, ", %d rejected", b->by_exit[EXIT_REJECTED]);
    if (b->by_exit[EXIT_NOTSOAP]) fprintf(stderr, ", %d not SOAP", b->by_exit[EXIT_NOTSOAP]);
    if (b->by_exit[EXIT_USAGE]) fprintf(stderr, ", %d not processed", b->by_exit[EXIT_USAGE]);
    if (b->by_exit[EXIT_INTERNAL]) fprintf(stderr, ", %d failed", b->by_exit[EXIT_INTERNAL]);
    for (size_t i = 0; i < b->nkinds; i++)
        fprintf(stderr, "%s%s %d", i ? ", " : " (", wssec_code_name(b->codes[i]), b->ncodes[i]);
    if (b->nkinds) fputc(')', stderr);
    if (c->cmd != CMD_INSPECT) fprintf(stderr, "; %d written", b->written);
    fputc('\n', stderr);
}

/* The option closest to an element the configuration schema did not expect
 * ("Element '{urn:wssec:config:1}NAME': This element is not expected"), or NULL. */
static const char *config_typo(const char *message)
{
    const char *p = strstr(message, "Element '{urn:wssec:config:1}");
    if (!p || !strstr(p, "is not expected")) return NULL;
    p += strlen("Element '{urn:wssec:config:1}");
    char word[80];
    size_t n = strcspn(p, "'");
    if (n == 0 || n >= sizeof(word)) return NULL;
    memcpy(word, p, n);
    word[n] = '\0';
    const char *names[160];
    size_t k = 0;
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]) && k < 160; i++)
        if (strcmp(own[i].name, "config") && strcmp(own[i].name, "help") &&
            strcmp(own[i].name, "version"))
            names[k++] = own[i].name;
    const char *name, *arg, *help;
    for (size_t i = 0; k < 160 && wssec_config_option_info(&name, &arg, &help, i) == 0; i++)
        names[k++] = name;
    return closest(word, names, k);
}

/* 1 when a redis:// or rediss:// URL carries a password (user:password@):
 * visible to every user of the machine (ps) when given in argv. */
static int url_has_password(const char *url)
{
    const char *p = !strncmp(url, "redis://", 8) ? url + 8 : !strncmp(url, "rediss://", 9) ? url + 9
                                                                                         : NULL;
    if (!p) return 0;
    size_t n = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '@') at = p + i;
    return at && memchr(p, ':', (size_t)(at - p)) != NULL;
}

static int fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wssec: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return EXIT_USAGE;
}

/* The library option's help text, or "". */
static const char *option_help(const char *opt)
{
    const char *name, *arg, *help;
    for (size_t i = 0; wssec_config_option_info(&name, &arg, &help, i) == 0; i++)
        if (!strcmp(name, opt)) return help;
    return "";
}

/* Options on the command line that the command never reads: a warning each. */
static void warn_no_effect(const cli *c, const argpair *pairs, size_t npairs)
{
    static const char *const secure_only[] = { "username", "password-file", "password-env",
                                               "timestamp" };
    static const char *const verify_only[] = { "users", "explain" };
    for (size_t i = 0; i < npairs; i++) {
        const char *n = pairs[i].name, *help = option_help(n);
        const char *kind = NULL;
        bool secure_opt = !strncmp(help, "secure:", 7) || !strncmp(help, "secure,", 7);
        bool verify_opt = !strncmp(help, "verify:", 7) || !strncmp(help, "verify,", 7);
        for (size_t j = 0; j < sizeof(secure_only) / sizeof(*secure_only); j++)
            if (!strcmp(n, secure_only[j])) secure_opt = true;
        for (size_t j = 0; j < sizeof(verify_only) / sizeof(*verify_only); j++)
            if (!strcmp(n, verify_only[j])) verify_opt = true;
        /* the own identity (sign-key, sign-cert) also decrypts inbound */
        if (!strcmp(n, "sign-key") || !strcmp(n, "sign-cert")) secure_opt = false;
        if (c->cmd == CMD_SECURE && verify_opt) kind = "verify";
        else if (c->cmd != CMD_SECURE && secure_opt) kind = "secure";
        if (!strcmp(n, "explain") && c->cmd == CMD_INSPECT) kind = "verify";
        if (kind)
            fprintf(stderr, "wssec: warning: --%s has no effect on %s (a %s option); remove it\n",
                    n, c->cmd_name, kind);
    }
    if (c->cmd == CMD_SECURE && !c->have_username && (c->password_file || c->password_env))
        fprintf(stderr, "wssec: warning: --password-%s is the UsernameToken password and has no "
                        "effect without --username USER\n",
                c->password_file ? "file" : "env");
}

/* Mistakes that would otherwise pass silently: EXIT_USAGE with the fix, or 0. */
static int check_mistakes(cli *c, const argpair *pairs, size_t npairs, char **files, int nfiles)
{
    warn_no_effect(c, pairs, npairs);
    if (c->cmd == CMD_SECURE && c->pkcs12 && c->sign_key)
        return fail_usage("%s", "--pkcs12 and --sign-key are two signing keys; give one: "
                                "--pkcs12 FILE, or --sign-key FILE with --sign-cert FILE");
    if (c->cmd == CMD_SECURE && c->sign_chain && c->have_signing) {
        if (c->key_id[0] && strcmp(c->key_id, "bst") != 0)
            return fail_usage("--sign-chain is sent only in a BinarySecurityToken, and --key-id "
                              "%s sends none; use --key-id bst --bst-type pkipath (or pkcs7)",
                              c->key_id);
        if (strcmp(c->bst_type, "pkipath") != 0 && strcmp(c->bst_type, "pkcs7") != 0)
            return fail_usage("%s", "--sign-chain is sent only in a pkipath or pkcs7 token and "
                                    "the x509v3 token carries one certificate; add --bst-type "
                                    "pkipath (or pkcs7)");
    }
    if (nfiles > 1 && !c->output_dir && !c->output && c->cmd == CMD_SECURE)
        return fail_usage("%d inputs and nowhere to write them: add --output-dir DIR "
                          "(standard output takes one message)",
                          nfiles);
    if (nfiles > 1 && !c->output_dir && !c->output && c->cmd != CMD_INSPECT && !c->json) {
        fprintf(stderr, "wssec: warning: the messages of %d inputs are checked, not written: add "
                        "--output-dir DIR to keep them\n",
                nfiles);
    }
    if (c->output_dir || (c->explain_dir && c->cmd == CMD_VERIFY)) {
        /* two inputs of the same base name would overwrite each other */
        for (int i = 0; i < nfiles; i++) {
            for (int j = 0; j < i; j++) {
                char a[PATH_MAX + 64], b[PATH_MAX + 64];
                out_name(c, c->output_dir ? c->output_dir : c->explain_dir, files[i], a, sizeof(a));
                out_name(c, c->output_dir ? c->output_dir : c->explain_dir, files[j], b, sizeof(b));
                if (!strcmp(a, b))
                    return fail_usage("%s and %s would both be written to %s; give them in "
                                      "separate runs (or rename one)",
                                      files[j], files[i], a);
            }
        }
    }
    if (c->report) { /* found before any message is written, not after */
        char dirbuf[PATH_MAX];
        struct stat st;
        snprintf(dirbuf, sizeof(dirbuf), "%s", c->report);
        /* a regular file is replaced through a temporary file beside it:
         * its directory must be writable; a device or pipe is written directly */
        if (stat(c->report, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                return fail_usage("--report %s: is a directory; name a file", c->report);
            if (!S_ISREG(st.st_mode) && access(c->report, W_OK) != 0)
                return fail_usage("--report %s: %s", c->report, strerror(errno));
            if (S_ISREG(st.st_mode) && access(dirname(dirbuf), W_OK) != 0)
                return fail_usage("--report %s: its directory: %s", c->report, strerror(errno));
        } else if (errno != ENOENT) {
            return fail_usage("--report %s: %s", c->report, strerror(errno));
        } else if (access(dirname(dirbuf), W_OK) != 0) {
            return fail_usage("--report %s: %s", c->report, strerror(errno));
        }
    }
    return 0;
}

static int setup_secrets(cli *c)
{
    char why[300];
    if (c->users_path && c->cmd != CMD_SECURE) {
        int rc = cli_users_load(&c->secrets.users, c->users_path, why, sizeof(why));
        if (rc) {
            fprintf(stderr, "wssec: users file %s: %s\n", c->users_path, why);
            return rc == WSSEC_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
        }
    }
    if (c->cmd != CMD_SECURE) return 0;
    if (c->password_file && c->password_env)
        return fail_usage("%s", "give --password-file or --password-env, not both");
    if (c->password_file || c->password_env) {
        /* the library's one rule for secrets: a non-empty first line, a
         * non-empty variable (wssec_secret_read) */
        if (wssec_secret_read(c->secrets.outbound, sizeof(c->secrets.outbound),
                              &c->secrets.outbound_len, c->password_file, c->password_env, why,
                              sizeof(why))) {
            if (c->password_file)
                fprintf(stderr, "wssec: password file %s: %s\n", c->password_file, why);
            else
                fprintf(stderr, "wssec: --password-env: %s\n", why);
            return EXIT_USAGE;
        }
        c->secrets.have_outbound = true;
    }
    if (c->have_username && !c->secrets.have_outbound)
        return fail_usage("%s", "--username needs --password-file F or --password-env VAR "
                                "(passwords are never given on the command line)");
    return 0;
}

static int run(cli *c, int argc, char **argv)
{
    char *config = NULL;
    argpair *pairs = NULL;
    size_t npairs = 0;
    int rc, worst = EXIT_ACCEPTED;
    wssec_ctx *ctx = NULL;
    FILE *json = stdout;
    char *jsonbuf = NULL;
    size_t jsonlen = 0;

    if (wssec_config_new(&c->cfg)) return EXIT_INTERNAL;
    rc = parse_args(c, argc, argv, &config, &pairs, &npairs);
    if (rc == 1) {
        worst = EXIT_ACCEPTED;
        goto done;
    }
    if (rc) {
        worst = rc == WSSEC_ENOMEM ? EXIT_INTERNAL : fail_usage("%s", c->why);
        goto done;
    }
    char *config_copy = config ? strdup(config) : NULL;
    if (config && !config_copy) {
        worst = EXIT_INTERNAL;
        goto done;
    }
    c->config_dir = config && strchr(config, '/') ? dirname(config_copy) : NULL;
    rc = config ? wssec_config_load(c->cfg, config, cli_option, c) : 0;
    c->config_dir = NULL;
    free(config_copy);
    /* the command line's --require none overrides the file's requirements */
    c->require_none = c->require_other = false;
    if (rc) {
        const char *m = c->why[0] ? c->why : wssec_config_error(c->cfg)->message;
        const char *near = config_typo(m);
        const char *cut = near ? strstr(m, "is not expected") : NULL;
        if (cut) /* the schema's list of every expected element gives way to the closest */
            fprintf(stderr, "wssec: configuration: %.*s; did you mean <%s>?\n",
                    (int)(cut - m + strlen("is not expected")), m, near);
        else
            fprintf(stderr, "wssec: configuration: %s\n", m);
        worst = rc == WSSEC_EIO ? EXIT_USAGE : cli_exit_for(rc);
        goto done;
    }
    for (size_t i = 0; i < npairs; i++) {
        if (!strcmp(pairs[i].name, "replay-cache") && url_has_password(pairs[i].value)) {
            worst = fail_usage("%s", "--replay-cache: passwords are never given on the command "
                                     "line; use --redis-password-file F or --redis-password-env "
                                     "VAR (or the URL in a configuration file)");
            goto done;
        }
        rc = cli_option(pairs[i].name, pairs[i].value, c);
        if (rc == 0) rc = wssec_config_set(c->cfg, pairs[i].name, pairs[i].value);
        if (rc < 0) {
            worst = rc == WSSEC_ENOMEM ? EXIT_INTERNAL
                                       : fail_usage("%s", c->why[0] ? c->why
                                                                    : wssec_config_error(c->cfg)->message);
            goto done;
        }
    }
    if (c->cmd == CMD_SECURE && !c->explicit_actions) {
        if ((c->want_timestamp && wssec_config_set(c->cfg, "actions", "timestamp")) ||
            (c->have_username && wssec_config_set(c->cfg, "actions", "username-token")) ||
            (c->have_assert && wssec_config_set(c->cfg, "actions", "identity-assertion")) ||
            (c->have_signing && wssec_config_set(c->cfg, "actions", "signature")) ||
            (c->have_encrypting && wssec_config_set(c->cfg, "actions", "encrypted-key"))) {
            worst = EXIT_INTERNAL;
            goto done;
        }
    }
    int nfiles = argc - optind;
    char *stdin_only[] = { "-" };
    char **files = nfiles > 0 ? argv + optind : stdin_only;
    if (nfiles <= 0) nfiles = 1;
    if (c->output && c->output_dir) {
        worst = fail_usage("%s", "give -o/--output or --output-dir, not both");
        goto done;
    }
    if (c->output && nfiles > 1) {
        worst = fail_usage("%s", "-o/--output takes one input; use --output-dir for several");
        goto done;
    }
    if (c->output_dir) {
        struct stat st;
        if (stat(c->output_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            worst = fail_usage("--output-dir %s is not a directory", c->output_dir);
            goto done;
        }
    }
    if (c->explain_dir && c->cmd == CMD_VERIFY) {
        struct stat st;
        if (stat(c->explain_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            worst = fail_usage("--explain %s is not a directory", c->explain_dir);
            goto done;
        }
    }
    if ((worst = check_mistakes(c, pairs, npairs, files, nfiles)) != 0) goto done;
    if ((worst = setup_secrets(c)) != 0) goto done;
    if (c->secrets.users || c->secrets.have_outbound)
        wssec_config_set_password_cb(c->cfg, cli_password_cb, &c->secrets);
    if (c->explain_dir && c->cmd == CMD_VERIFY) wssec_config_set_explain_cb(c->cfg, explain_cb, c);
    if (c->cmd == CMD_INSPECT && c->replay_external &&
        wssec_config_set(c->cfg, "replay-cache", "memory") != 0) {
        worst = EXIT_INTERNAL;
        goto done;
    }
    if ((rc = wssec_ctx_new(&ctx, c->cfg))) {
        fprintf(stderr, "wssec: configuration: %s\n", wssec_config_error(c->cfg)->message);
        worst = cli_exit_for(rc);
        goto done;
    }
    if (c->json && c->report && !(json = open_memstream(&jsonbuf, &jsonlen))) {
        worst = EXIT_INTERNAL;
        goto done;
    }
    /* Where messages go: -o, --output-dir, or standard output for a single
     * input unless the JSON reports have it. */
    bool to_stdout = !c->output && !c->output_dir && nfiles == 1 && !(c->json && !c->report) &&
                     c->cmd != CMD_INSPECT;
    batch b = { 0 };
    batch_start(&b, nfiles);
    for (int i = 0; i < nfiles; i++) {
        char dest[PATH_MAX + 64];
        const char *d = c->output ? c->output
                        : c->output_dir ? out_name(c, c->output_dir, files[i], dest, sizeof(dest))
                                        : NULL;
        bool write_msg = c->output || c->output_dir || to_stdout;
        outcome o = { 0, false };
        int e = process_one(c, ctx, files[i], d, write_msg, json, &o);
        if (e > worst) worst = e;
        fflush(json);
        batch_add(&b, e, &o);
    }
    batch_end(&b, c);
    if (json != stdout) {
        fclose(json);
        json = stdout;
        char why[600];
        if (cli_write(c->report, jsonbuf ? jsonbuf : "", jsonlen, c->private_output, why, sizeof(why))) {
            fprintf(stderr, "wssec: report %s\n", why);
            worst = EXIT_INTERNAL;
        }
    }
done:
    if (json != stdout) fclose(json);
    free(jsonbuf);
    free(pairs);
    wssec_ctx_free(ctx);
    return worst;
}

int main(int argc, char **argv)
{
    cli c = { 0 };
    int code;
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("wssec %s\n", wssec_version());
        return 0;
    }
    if (!strcmp(argv[1], "secure")) c.cmd = CMD_SECURE;
    else if (!strcmp(argv[1], "verify")) c.cmd = CMD_VERIFY;
    else if (!strcmp(argv[1], "inspect")) c.cmd = CMD_INSPECT;
    else {
        fprintf(stderr, "wssec: unknown command '%s' (secure, verify or inspect)\n", argv[1]);
        return EXIT_USAGE;
    }
    c.cmd_name = argv[1];
    code = run(&c, argc, argv);
    wssec_config_free(c.cfg);
    cli_users_free(c.secrets.users);
    OPENSSL_cleanse(&c.secrets, sizeof(c.secrets));
    free(c.output);
    free(c.output_dir);
    free(c.report);
    free(c.users_path);
    free(c.password_file);
    free(c.password_env);
    free(c.explain_dir);
    for (size_t i = 0; c.negs && c.negs[i]; i++) free(c.negs[i]);
    free(c.negs);
    return code;
}
