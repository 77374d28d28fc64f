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
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The program's own options; returns 1 when consumed, 0 for the library's,
 * negative on a bad value (c->why says why). Shared by argv and the file. */
static int cli_option(const char *name, const char *value, void *ud)
{
    cli *c = ud;
    if (!strcmp(name, "output")) return set_str(&c->output, value);
    if (!strcmp(name, "output-dir")) return set_str(&c->output_dir, value);
    if (!strcmp(name, "report")) return set_str(&c->report, value);
    if (!strcmp(name, "users")) return set_str(&c->users_path, value);
    if (!strcmp(name, "password-file")) return set_str(&c->password_file, value);
    if (!strcmp(name, "password-env")) return set_str(&c->password_env, value);
    if (!strcmp(name, "json")) return parse_bool(value, &c->json);
    if (!strcmp(name, "fault")) return parse_bool(value, &c->fault);
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
    if (!strcmp(name, "encrypt-cert") || !strcmp(name, "psk-file"))
        c->have_encrypting = *value != '\0';
    if (!strcmp(name, "actions")) c->explicit_actions = true;
    if (!strcmp(name, "assert-user") || !strcmp(name, "assert-dn"))
        c->have_assert = c->have_assert || *value != '\0';
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
            "      --timestamp[=TTL]    secure: add a Timestamp (TTL seconds, default 300)\n"
            "      --username USER      secure: add a UsernameToken for USER\n"
            "      --password-file F    secure: the UsernameToken password, first line of F\n"
            "      --password-env VAR   secure: the UsernameToken password, from variable VAR\n"
            "      --users FILE         verify: users and passwords, lines user:password\n"
            "  -h, --help               this help\n"
            "  -V, --version            the version\n"
            "\nLibrary options (also elements of the configuration file):\n");
    const char *name, *arg, *help;
    for (size_t i = 0; wssec_config_option_info(i, &name, &arg, &help) == 0; i++) {
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
    while (wssec_config_option_info(nlib, &name, &arg, &help) == 0) nlib++;
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
        wssec_config_option_info(i, &name, &arg, &help);
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
        default:
            snprintf(c->why, sizeof(c->why), "unknown option %s (see wssec --help)",
                     argv[optind - 1]);
            rc = WSSEC_ECONFIG;
            goto done;
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

static const char *out_name(const cli *c, const char *input, char *buf, size_t size)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", strcmp(input, "-") ? input : "stdin.xml");
    snprintf(buf, size, "%s/%s", c->output_dir, basename(tmp));
    return buf;
}

typedef struct outcome {
    int exit_code;
    const wssec_error *err;
    int soap;
} outcome;

static void complain(const char *file, const wssec_error *e)
{
    fprintf(stderr, "wssec: %s: %s%s%s [%s]\n", file, e->fault[0] ? e->fault : "",
            e->fault[0] ? ": " : "", e->message, wssec_code_name(e->code));
}

static int process_one(cli *c, wssec_ctx *ctx, const char *file, const char *dest, bool write_msg,
                       FILE *json)
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
        rc = wssec_verify(&res, msg);
        if (rc == WSSEC_ENOMEM && !res) goto oom;
        if (rc) err = wssec_result_error(res);
        break;
    case CMD_INSPECT:
        rc = wssec_inspect(&res, msg);
        if (rc) goto oom;
        break;
    }
    if (rc == 0 && write_msg && c->cmd != CMD_INSPECT) {
        if ((rc = wssec_msg_serialize(msg, &out, &outlen))) goto oom;
        if ((rc = cli_write(dest, out, outlen, why, sizeof(why)))) {
            static char msgbuf[800];
            snprintf(msgbuf, sizeof(msgbuf), "output %s", why);
            local = (wssec_error){ rc, wssec_code_category(rc), msgbuf, "", "", "", "", 0 };
            err = &local;
        }
    }
report:
    exit_code = err ? cli_exit_for(err->code) : EXIT_ACCEPTED;
    if (err && c->cmd != CMD_INSPECT) complain(file, err);
    if (err && c->fault && write_msg && (exit_code == EXIT_REJECTED || exit_code == EXIT_NOTSOAP)) {
        unsigned char *f = NULL;
        size_t flen = 0;
        int v = msg && wssec_msg_soap_version(msg) ? wssec_msg_soap_version(msg) : WSSEC_SOAP11;
        if (wssec_fault_serialize(err, v, &f, &flen) == 0 &&
            cli_write(dest, f, flen, why, sizeof(why)) != 0) {
            fprintf(stderr, "wssec: %s: fault not written: %s\n", file, why);
            exit_code = EXIT_INTERNAL;
        }
        wssec_free(f);
    }
    {
        cli_report r = { c->cmd_name, file, exit_code, err, msg ? wssec_msg_soap_version(msg) : 0,
                         res, wssec_ctx_replay_cache_name(ctx), msg };
        if (c->json) cli_report_json(json, &r);
        else if (c->cmd == CMD_INSPECT) cli_report_inspect(stdout, &r, wssec_ctx_now(ctx));
    }
    if (c->cmd == CMD_INSPECT && exit_code == EXIT_REJECTED) exit_code = EXIT_ACCEPTED;
    goto done;
oom:
    fprintf(stderr, "wssec: %s: out of memory\n", file);
    exit_code = EXIT_INTERNAL;
done:
    wssec_free(out);
    wssec_result_free(res);
    wssec_msg_free(msg);
    cli_bytes_free(&in);
    return exit_code;
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
    if (c->password_file) {
        if (cli_read_secret(c->password_file, c->secrets.outbound, sizeof(c->secrets.outbound),
                            &c->secrets.outbound_len, why, sizeof(why))) {
            fprintf(stderr, "wssec: password file %s: %s\n", c->password_file, why);
            return EXIT_USAGE;
        }
        c->secrets.have_outbound = true;
    } else if (c->password_env) {
        const char *v = getenv(c->password_env);
        if (!v) {
            fprintf(stderr, "wssec: environment variable %s is not set\n", c->password_env);
            return EXIT_USAGE;
        }
        size_t n = strlen(v);
        if (n > sizeof(c->secrets.outbound))
            return fail_usage("password in %s is too long", c->password_env);
        memcpy(c->secrets.outbound, v, n);
        c->secrets.outbound_len = n;
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
    if (config && (rc = wssec_config_load(c->cfg, config, cli_option, c))) {
        fprintf(stderr, "wssec: configuration: %s\n",
                c->why[0] ? c->why : wssec_config_error(c->cfg)->message);
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
            (c->have_encrypting && wssec_config_set(c->cfg, "actions", "encrypt"))) {
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
    if ((worst = setup_secrets(c)) != 0) goto done;
    if (c->secrets.users || c->secrets.have_outbound)
        wssec_config_set_password_cb(c->cfg, cli_password_cb, &c->secrets);
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
    for (int i = 0; i < nfiles; i++) {
        char dest[PATH_MAX + 64];
        const char *d = c->output ? c->output
                        : c->output_dir ? out_name(c, files[i], dest, sizeof(dest))
                                        : NULL;
        bool write_msg = c->output || c->output_dir || to_stdout;
        int e = process_one(c, ctx, files[i], d, write_msg, json);
        if (e > worst) worst = e;
        fflush(json);
    }
    if (json != stdout) {
        fclose(json);
        json = stdout;
        char why[600];
        if (cli_write(c->report, jsonbuf ? jsonbuf : "", jsonlen, why, sizeof(why))) {
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
    for (size_t i = 0; c.negs && c.negs[i]; i++) free(c.negs[i]);
    free(c.negs);
    return code;
}
