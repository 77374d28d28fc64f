/*
 * wssec(1) — the options: the table of the command line, the program's own
 * options (shared by argv and the configuration file), "did you mean"
 * suggestions, and the checks of options that would otherwise pass silently.
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
#include <unistd.h>

#include "cli.h"

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
    static const char *const sign_names[] = { "body", "timestamp", "token", "token-str",
                                              "username-token", "identity-assertion" };
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
    if (!strcmp(name, "sync")) {
        if (strcmp(value, "each") != 0 && strcmp(value, "batch") != 0) {
            snprintf(c->why, sizeof(c->why), "sync: '%s' is neither each nor batch", value);
            return WSSEC_ECONFIG;
        }
        c->sync_each = strcmp(value, "each") == 0;
        return 1;
    }
    if (!strcmp(name, "explain")) return set_path(c, &c->explain_dir, value);
    if (!strcmp(name, "endorse")) return parse_bool(value, &c->want_endorse);
    if (!strcmp(name, "confirm-request")) return set_path(c, &c->confirm_request, value);
    if (!strcmp(name, "sent-request")) return set_path(c, &c->sent_request, value);
    if (!strcmp(name, "session-key")) return set_path(c, &c->session_key_in, value);
    if (!strcmp(name, "session-key-out")) return set_path(c, &c->session_key_out, value);
    if (!strcmp(name, "policy")) return set_path(c, &c->policy_path, value);
    if (!strcmp(name, "policy-binding")) return set_str(&c->policy_binding, value);
    if (!strcmp(name, "policy-operation")) return set_str(&c->policy_operation, value);
    if (!strcmp(name, "policy-message")) return set_str(&c->policy_message, value);
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
    if (!strcmp(name, "symmetric")) {
        bool on = false;
        c->symmetric = parse_bool(value, &on) == 1 && on;
    }
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

void cli_usage(FILE *out)
{
    fprintf(out,
            "usage: wssec secure  [options] [FILE...]   add WS-Security to messages\n"
            "       wssec verify  [options] [FILE...]   check the WS-Security of messages\n"
            "       wssec inspect [options] [FILE...]   explain what messages carry\n"
            "       wssec policy explain|config FILE    a WS-SecurityPolicy in wssec's options\n"
            "\n"
            "No FILE, or -, reads standard input. inspect of certificates (PEM, DER,\n"
            ".p7b, PKCS#12, a directory) checks each end-entity one against --trust\n"
            "(--certs, --crl, --now): its chain, its verdict, dates soon due.\n"
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
            "      --sync each|batch    make output files durable each on its own, or all at\n"
            "                           once before exiting (default batch)\n"
            "      --explain DIR        verify: write what each signature digested (canonical\n"
            "                           bytes, expected and computed digests) to DIR\n"
            "      --timestamp[=TTL]    secure: add a Timestamp (TTL seconds, default 300)\n"
            "      --username USER      secure: add a UsernameToken for USER\n"
            "      --password-file F    secure: the UsernameToken password, first line of F\n"
            "      --password-env VAR   secure: the UsernameToken password, from variable VAR\n"
            "      --users FILE         verify: users and passwords, lines user:password\n"
            "      --endorse            secure: add an X.509 signature over the signature\n"
            "                           (an endorsing signature), with the signing key\n"
            "      --confirm-request REQ  secure: verify the request REQ and confirm its\n"
            "                           signatures (WSS 1.1 SignatureConfirmation)\n"
            "      --sent-request REQ   verify: the response must confirm the signatures of\n"
            "                           the request REQ that was sent\n"
            "      --session-key-out F  secure --symmetric: write the session key it made to F\n"
            "                           (0600), to read the response; verify: the key of the\n"
            "                           request accepted, to answer with it (one input only)\n"
            "      --session-key F      verify: a response keyed by the request's key in F;\n"
            "                           secure --symmetric: answer with the request's key in F\n"
            "      --policy FILE        WS-SecurityPolicy of a WSDL 1.1 or wsp:Policy document:\n"
            "                           secure applies it, verify enforces it (wssec policy\n"
            "                           explain FILE shows what it means in these options)\n"
            "      --policy-binding B   --policy: the wsdl:binding named B\n"
            "      --policy-operation O --policy: the binding operation named O\n"
            "      --policy-message M   --policy: the operation's input or output message\n"
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
    { "sync", required_argument, NULL, 0 },
    { "explain", required_argument, NULL, 0 },
    { "password-file", required_argument, NULL, 0 },
    { "password-env", required_argument, NULL, 0 },
    { "users", required_argument, NULL, 0 },
    { "endorse", no_argument, NULL, 0 },
    { "confirm-request", required_argument, NULL, 0 },
    { "sent-request", required_argument, NULL, 0 },
    { "session-key", required_argument, NULL, 0 },
    { "session-key-out", required_argument, NULL, 0 },
    { "policy", required_argument, NULL, 0 },
    { "policy-binding", required_argument, NULL, 0 },
    { "policy-operation", required_argument, NULL, 0 },
    { "policy-message", required_argument, NULL, 0 },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
};

/* The options getopt_long knows while argv is parsed, and what it found. */
typedef struct parser {
    struct option *opts; /* the program's, every library option, --no-NAME */
    size_t nopts;
    char **negs;          /* the --no-NAME names, NULL-terminated */
    cli_argpair *pairs;   /* the options found, in order */
    size_t npairs;
} parser;

/* The table of long options: the program's own, then every library option
 * and, for its switches, --no-NAME. Returns 0 or WSSEC_ENOMEM. */
static int option_table(parser *p)
{
    size_t nown = sizeof(own) / sizeof(own[0]), nlib = 0;
    const char *name, *arg, *help;
    while (wssec_config_option_info(&name, &arg, &help, nlib) == 0) nlib++;
    p->opts = calloc(nown + 2 * nlib + 1, sizeof(*p->opts));
    p->negs = calloc(nlib + 1, sizeof(*p->negs));
    if (!p->opts || !p->negs) return WSSEC_ENOMEM;
    memcpy(p->opts, own, sizeof(own));
    size_t nnegs = 0;
    p->nopts = nown;
    for (size_t i = 0; i < nlib; i++) {
        wssec_config_option_info(&name, &arg, &help, i);
        bool sw = !strcmp(arg, "BOOL");
        p->opts[p->nopts++] =
            (struct option){ name, sw ? optional_argument : required_argument, NULL, 0 };
        if (sw && asprintf(&p->negs[nnegs], "no-%s", name) > 0)
            p->opts[p->nopts++] = (struct option){ p->negs[nnegs++], no_argument, NULL, 'n' };
    }
    return 0;
}

/* An option getopt_long does not know: the reason, with the closest known
 * option when the word looks like a typo of one. */
static int unknown_option(cli *c, const parser *p, const char *arg0)
{
    const char *near = NULL;
    if (!strncmp(arg0, "--", 2)) {
        char word[128];
        snprintf(word, sizeof(word), "%s", arg0 + 2);
        word[strcspn(word, "=")] = '\0';
        const char **names = calloc(p->nopts, sizeof(*names));
        if (names) {
            for (size_t i = 0; i < p->nopts; i++) names[i] = p->opts[i].name;
            near = closest(word, names, p->nopts);
            free(names);
        }
    }
    if (near)
        snprintf(c->why, sizeof(c->why), "unknown option %s; did you mean --%s?", arg0, near);
    else
        snprintf(c->why, sizeof(c->why), "unknown option %s (see wssec --help)", arg0);
    return WSSEC_ECONFIG;
}

/* A long option without a short form (idx in the table), recorded as a pair;
 * a switch given alone (--allow-sha1) is on. Returns 0 or WSSEC_ECONFIG. */
static int long_option(cli *c, parser *p, int idx, int argc, char **argv)
{
    const struct option *o = &p->opts[idx];
    if (!strcmp(o->name, "timestamp") && !optarg && optind < argc && argv[optind][0] &&
        strspn(argv[optind], "0123456789") == strlen(argv[optind])) {
        /* "--timestamp 600": the TTL is an optional value, so 600 would be an input */
        snprintf(c->why, sizeof(c->why),
                 "--timestamp takes its TTL after '=': write --timestamp=%s (or "
                 "--timestamp-ttl %s)",
                 argv[optind], argv[optind]);
        return WSSEC_ECONFIG;
    }
    p->pairs[p->npairs++] = (cli_argpair){
        o->name, optarg ? optarg : o->has_arg == optional_argument ? "true" : ""
    };
    return 0;
}

/* One option getopt_long returned (ch, idx): 0 to go on, 1 when --help or
 * --version was answered, negative on a mistake (c->why says which). */
static int one_option(cli *c, parser *p, int ch, int idx, int argc, char **argv, char **config)
{
    switch (ch) {
    case 'h': cli_usage(stdout); return 1;
    case 'V': printf("wssec %s\n", wssec_version()); return 1;
    case 'c': *config = optarg; return 0;
    case 'o': p->pairs[p->npairs++] = (cli_argpair){ "output", optarg }; return 0;
    case 0: return long_option(c, p, idx, argc, argv);
    case 'n': /* --no-NAME: the switch NAME off */
        p->pairs[p->npairs++] = (cli_argpair){ p->opts[idx].name + 3, "false" };
        return 0;
    case ':':
        snprintf(c->why, sizeof(c->why), "option %s needs a value", argv[optind - 1]);
        return WSSEC_ECONFIG;
    default: return unknown_option(c, p, argv[optind - 1]);
    }
}

/* Parses argv: collects (name, value) pairs so that the configuration file,
 * wherever -c appears, is applied first and the command line overrides it. */
int cli_parse_args(cli *c, int argc, char **argv, char **config, cli_argpair **pairs,
                   size_t *npairs)
{
    parser p = { 0 };
    int rc = option_table(&p), ch, idx;
    p.pairs = *pairs = calloc((size_t)argc + 1, sizeof(**pairs));
    if (rc || !p.pairs) {
        free(p.opts);
        free(p.negs);
        return WSSEC_ENOMEM;
    }
    opterr = 0;
    optind = 2; /* argv[1] is the command */
    while (!rc && (ch = getopt_long(argc, argv, ":c:o:hV", p.opts, &idx)) != -1)
        rc = one_option(c, &p, ch, idx, argc, argv, config);
    *npairs = p.npairs;
    free(p.opts);
    /* the names are used by the pairs: keep them for the life of the process */
    if (rc) {
        for (size_t i = 0; p.negs[i]; i++) free(p.negs[i]);
        free(p.negs);
    } else {
        c->negs = p.negs;
    }
    return rc;
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

int cli_fail_usage(const char *fmt, ...)
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
static void warn_no_effect(const cli *c, const cli_argpair *pairs, size_t npairs)
{
    static const char *const secure_only[] = { "username", "password-file", "password-env",
                                               "timestamp", "endorse", "confirm-request" };
    static const char *const verify_only[] = { "users", "explain", "sent-request" };
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
        /* secure --confirm-request verifies the request with them */
        if (c->cmd == CMD_SECURE && verify_opt && !c->confirm_request) kind = "verify";
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

static int oom(void)
{
    fprintf(stderr, "wssec: out of memory\n");
    return EXIT_INTERNAL;
}

/* An output name and the index of the input it is made from. */
typedef struct out_name {
    char *name;
    int index;
} out_name;

static int out_name_cmp(const void *a, const void *b)
{
    const out_name *x = a, *y = b;
    int d = strcmp(x->name, y->name);
    return d ? d : (x->index > y->index) - (x->index < y->index);
}

/* Two inputs whose outputs in dir have the same name would overwrite each
 * other: refused (EXIT_USAGE) naming the first such pair in the order
 * given (the lowest second index, then its first); 0 when all differ. The
 * names are made once and sorted: a batch of many files costs n log n
 * comparisons, not n^2 names. */
static int same_output(const char *dir, char **files, int nfiles)
{
    if (nfiles < 2) return 0;
    out_name *v = calloc((size_t)nfiles, sizeof(*v));
    int rc = v ? 0 : oom();
    for (int i = 0; !rc && i < nfiles; i++) {
        char buf[PATH_MAX + 64];
        v[i].index = i;
        if (!(v[i].name = strdup(cli_out_name(dir, files[i], buf, sizeof(buf)))))
            rc = oom();
    }
    if (!rc) {
        qsort(v, (size_t)nfiles, sizeof(*v), out_name_cmp);
        int first = -1, second = -1;
        for (int k = 1; k < nfiles; k++) {
            /* the first two of a run of equal names: k-1 starts it or follows its first */
            if (strcmp(v[k].name, v[k - 1].name) != 0) continue;
            int start = k - 1;
            if (start > 0 && !strcmp(v[start - 1].name, v[k].name)) continue;
            if (second < 0 || v[k].index < second) {
                first = v[start].index;
                second = v[k].index;
            }
        }
        if (second >= 0) {
            char a[PATH_MAX + 64];
            cli_out_name(dir, files[second], a, sizeof(a));
            rc = cli_fail_usage("%s and %s would both be written to %s; give them in separate "
                                "runs (or rename one)",
                                files[first], files[second], a);
        }
    }
    for (int i = 0; v && i < nfiles; i++) free(v[i].name);
    free(v);
    return rc;
}

int cli_check_mistakes(cli *c, const cli_argpair *pairs, size_t npairs, char **files, int nfiles)
{
    int rc = 0;
    warn_no_effect(c, pairs, npairs);
    if (c->cmd == CMD_SECURE && c->pkcs12 && c->sign_key)
        return cli_fail_usage("%s", "--pkcs12 and --sign-key are two signing keys; give one: "
                                "--pkcs12 FILE, or --sign-key FILE with --sign-cert FILE");
    if (c->cmd == CMD_SECURE && c->sign_chain && c->have_signing) {
        if (c->key_id[0] && strcmp(c->key_id, "bst") != 0)
            return cli_fail_usage("--sign-chain is sent only in a BinarySecurityToken, and --key-id "
                              "%s sends none; use --key-id bst --bst-type pkipath (or pkcs7)",
                              c->key_id);
        if (strcmp(c->bst_type, "pkipath") != 0 && strcmp(c->bst_type, "pkcs7") != 0)
            return cli_fail_usage("%s", "--sign-chain is sent only in a pkipath or pkcs7 token and "
                                    "the x509v3 token carries one certificate; add --bst-type "
                                    "pkipath (or pkcs7)");
    }
    if (nfiles > 1 && !c->output_dir && !c->output && c->cmd == CMD_SECURE)
        return cli_fail_usage("%d inputs and nowhere to write them: add --output-dir DIR "
                          "(standard output takes one message)",
                          nfiles);
    if (nfiles > 1 && !c->output_dir && !c->output && c->cmd != CMD_INSPECT && !c->json) {
        fprintf(stderr, "wssec: warning: the messages of %d inputs are checked, not written: add "
                        "--output-dir DIR to keep them\n",
                nfiles);
    }
    if ((c->output_dir || (c->explain_dir && c->cmd == CMD_VERIFY)) &&
        (rc = same_output(c->output_dir ? c->output_dir : c->explain_dir, files, nfiles)) != 0)
        return rc;
    if (c->report) { /* found before any message is written, not after */
        char dirbuf[PATH_MAX];
        struct stat st;
        snprintf(dirbuf, sizeof(dirbuf), "%s", c->report);
        /* a regular file is replaced through a temporary file beside it:
         * its directory must be writable; a device or pipe is written directly */
        if (stat(c->report, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                return cli_fail_usage("--report %s: is a directory; name a file", c->report);
            if (!S_ISREG(st.st_mode) && access(c->report, W_OK) != 0)
                return cli_fail_usage("--report %s: %s", c->report, strerror(errno));
            if (S_ISREG(st.st_mode) && access(dirname(dirbuf), W_OK) != 0)
                return cli_fail_usage("--report %s: its directory: %s", c->report, strerror(errno));
        } else if (errno != ENOENT) {
            return cli_fail_usage("--report %s: %s", c->report, strerror(errno));
        } else if (access(dirname(dirbuf), W_OK) != 0) {
            return cli_fail_usage("--report %s: %s", c->report, strerror(errno));
        }
    }
    return 0;
}

/* Reads the configuration file (-c), its relative paths resolved beside it.
 * Returns 0 or an exit code (the reason on standard error). */
static int load_config_file(cli *c, const char *config)
{
    char *config_copy = config ? strdup(config) : NULL;
    if (config && !config_copy) return EXIT_INTERNAL;
    c->config_dir = config && strchr(config, '/') ? dirname(config_copy) : NULL;
    int rc = config ? wssec_config_load(c->cfg, config, cli_option, c) : 0;
    c->config_dir = NULL;
    free(config_copy);
    /* the command line's --require none overrides the file's requirements */
    c->require_none = c->require_other = false;
    if (!rc) return 0;
    const char *m = c->why[0] ? c->why : wssec_config_error(c->cfg)->message;
    const char *near = config_typo(m);
    const char *cut = near ? strstr(m, "is not expected") : NULL;
    if (cut) /* the schema's list of every expected element gives way to the closest */
        fprintf(stderr, "wssec: configuration: %.*s; did you mean <%s>?\n",
                (int)(cut - m + strlen("is not expected")), m, near);
    else
        fprintf(stderr, "wssec: configuration: %s\n", m);
    return rc == WSSEC_EIO ? EXIT_USAGE : cli_exit_for(rc);
}

/* The command line's options, over the file's. Returns 0 or an exit code. */
static int apply_pairs(cli *c, const cli_argpair *pairs, size_t npairs)
{
    for (size_t i = 0; i < npairs; i++) {
        if (!strcmp(pairs[i].name, "replay-cache") && url_has_password(pairs[i].value))
            return cli_fail_usage("%s", "--replay-cache: passwords are never given on the "
                                        "command line; use --redis-password-file F or "
                                        "--redis-password-env VAR (or the URL in a "
                                        "configuration file)");
        int rc = cli_option(pairs[i].name, pairs[i].value, c);
        if (rc == 0) rc = wssec_config_set(c->cfg, pairs[i].name, pairs[i].value);
        if (rc < 0)
            return rc == WSSEC_ENOMEM
                       ? EXIT_INTERNAL
                       : cli_fail_usage("%s", c->why[0] ? c->why
                                                        : wssec_config_error(c->cfg)->message);
    }
    return 0;
}

/* secure without --actions: the actions the options given imply, in the
 * order the header is built. Returns 0 or EXIT_INTERNAL. */
static int default_actions(cli *c)
{
    if (c->cmd != CMD_SECURE || c->explicit_actions) return 0;
    if ((c->want_timestamp && wssec_config_set(c->cfg, "actions", "timestamp")) ||
        (c->have_username && wssec_config_set(c->cfg, "actions", "username-token")) ||
        (c->have_assert && wssec_config_set(c->cfg, "actions", "identity-assertion")) ||
        (c->confirm_request && wssec_config_set(c->cfg, "actions", "signature-confirmation")) ||
        ((c->have_signing || c->symmetric) && wssec_config_set(c->cfg, "actions", "signature")) ||
        ((c->have_encrypting || (c->symmetric && c->session_key_in)) &&
         wssec_config_set(c->cfg, "actions", "encrypted-key")))
        return EXIT_INTERNAL;
    /* the endorsing signature last: over the signature, whatever its key */
    if (c->want_endorse && wssec_config_set(c->cfg, "actions", "endorse")) return EXIT_INTERNAL;
    return 0;
}

int cli_apply_options(cli *c, const char *config, const cli_argpair *pairs, size_t npairs)
{
    int rc = load_config_file(c, config);
    if (!rc) rc = apply_pairs(c, pairs, npairs);
    if (!rc && c->policy_path) rc = cli_policy_apply(c, pairs, npairs);
    if (!rc) rc = default_actions(c);
    return rc;
}
