/*
 * wssec(1) — WS-SecurityPolicy: --policy FILE for secure and verify (the
 * policy's message chosen, its alternatives set as options), and
 * `wssec policy explain|config FILE`: what the policy means in wssec's
 * options, and the equivalent configuration file.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "binding B, operation O, message input" (or "the policy") in buf. */
static const char *target_name(const wssec_policy *p, size_t t, char *buf, size_t size)
{
    const char *b, *o, *m;
    if (wssec_policy_target(&b, &o, &m, p, t) != 0) return "";
    if (!*b) {
        snprintf(buf, size, "the policy");
        return buf;
    }
    snprintf(buf, size, "binding %s%s%s%s%s", b, *o ? ", operation " : "", o,
             *m ? ", message " : "", m);
    return buf;
}

/* The options that choose target t, for the list of candidates. */
static void target_options(const wssec_policy *p, size_t t, char *buf, size_t size)
{
    const char *b, *o, *m;
    if (wssec_policy_target(&b, &o, &m, p, t) != 0) return;
    snprintf(buf, size, "--policy-binding %s%s%s%s%s", b, *o ? " --policy-operation " : "", o,
             *m ? " --policy-message " : "", m);
}

static int load(wssec_policy **out, const char *path, const char *b, const char *o, const char *m)
{
    if (wssec_policy_new(out)) return EXIT_INTERNAL;
    int rc = wssec_policy_load(*out, path, b, o, m);
    if (rc) {
        fprintf(stderr, "wssec: policy: %s\n", wssec_policy_error(*out)->message);
        return rc == WSSEC_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
    }
    return 0;
}

/* The one message the options choose; several are an error listing them. */
static int choose_target(cli *c)
{
    size_t n = wssec_policy_target_count(c->policy);
    if (n == 1) {
        c->policy_target = 0;
        return 0;
    }
    char list[1500] = "";
    size_t l = 0;
    for (size_t t = 0; t < n && l < sizeof(list) - 200; t++) {
        char opt[400];
        target_options(c->policy, t, opt, sizeof(opt));
        l += (size_t)snprintf(list + l, sizeof(list) - l, "\n  %s", opt);
    }
    return cli_fail_usage("policy %s: %zu messages carry a policy; choose one:%s", c->policy_path,
                          n, list);
}

/* Whether alternative a's only requirement is "none". */
static bool requires_nothing(const wssec_policy *p, size_t t, size_t a)
{
    for (size_t i = 0; i < wssec_policy_setting_count(p, t, a); i++) {
        const char *opt, *val, *as;
        wssec_policy_dir d;
        if (!wssec_policy_setting(&opt, &val, &as, &d, p, t, a, i) && !strcmp(opt, "require"))
            return !strcmp(val, "none");
    }
    return true;
}

/* The supported alternatives (outbound: the first that can be applied). */
static int choose_alternatives(cli *c)
{
    size_t t = c->policy_target, n = wssec_policy_alternative_count(c->policy, t);
    const char *first_why = NULL;
    c->npolicy_alts = 0;
    for (size_t a = 0; a < n && c->npolicy_alts < CLI_POLICY_ALTS; a++) {
        const char *why = NULL;
        if (wssec_policy_supported(&why, c->policy, t, a) != 1) {
            if (!first_why) first_why = why;
            if (c->cmd != CMD_SECURE)
                fprintf(stderr,
                        "wssec: warning: policy alternative %zu is not supported and "
                        "never accepts a message: %s\n",
                        a + 1, why);
            continue;
        }
        const char *out = wssec_policy_outbound_refusal(c->policy, t, a);
        if (c->cmd == CMD_SECURE && *out) {
            if (!first_why) first_why = out;
            continue;
        }
        c->policy_alts[c->npolicy_alts++] = a;
        if (c->cmd == CMD_SECURE) break;
        if (requires_nothing(c->policy, t, a))
            fprintf(stderr, "wssec: warning: policy alternative %zu requires nothing of a "
                            "message: it accepts messages without any security\n",
                    a + 1);
    }
    if (c->npolicy_alts == 0)
        return cli_fail_usage("policy: no alternative can be %s: %s",
                              c->cmd == CMD_SECURE ? "applied" : "enforced",
                              first_why ? first_why : "none");
    return 0;
}

static bool given(const cli_argpair *pairs, size_t npairs, const char *name, const char **value)
{
    for (size_t i = 0; i < npairs; i++)
        if (!strcmp(pairs[i].name, name)) {
            if (value) *value = pairs[i].value;
            return true;
        }
    return false;
}

/* An option of the command line (file NULL) or of the configuration file
 * the policy also sets: a list option is the policy's alone; a different
 * value contradicts it. */
static int check_conflicts(cli *c, const cli_argpair *pairs, size_t npairs, size_t a,
                           wssec_policy_dir dir, const char *file)
{
    size_t t = c->policy_target;
    for (size_t i = 0; i < wssec_policy_setting_count(c->policy, t, a); i++) {
        const char *opt, *val, *as, *mine = NULL;
        wssec_policy_dir d;
        if (wssec_policy_setting(&opt, &val, &as, &d, c->policy, t, a, i) || !*opt || !(d & dir) ||
            !given(pairs, npairs, opt, &mine))
            continue;
        bool list = !strcmp(opt, "require") || !strcmp(opt, "actions") ||
                    !strcmp(opt, "sign-part") || !strcmp(opt, "encrypt-part") ||
                    !strcmp(opt, "namespace");
        if (list && file)
            return cli_fail_usage("configuration file %s: <%s>: the policy sets it (%s); remove "
                                  "<%s> from the file, or the policy",
                                  file, opt, as, opt);
        if (list)
            return cli_fail_usage("--%s: the policy sets it (%s); remove --%s, or --policy", opt,
                                  as, opt);
        if (strcmp(mine, val) != 0 && file)
            return cli_fail_usage("configuration file %s: <%s>%s</%s> contradicts the policy's "
                                  "%s (%s %s)",
                                  file, opt, mine, opt, as, opt, val);
        if (strcmp(mine, val) != 0)
            return cli_fail_usage("--%s %s contradicts the policy's %s (%s %s)", opt, mine, as, opt,
                                  val);
    }
    return 0;
}

/* The configuration file read again, each option checked as the command
 * line's are (nothing applied, nothing kept: the file may hold secrets). */
typedef struct file_check {
    cli *c;
    size_t a;
    wssec_policy_dir dir;
    int exit;
} file_check;

static int file_option(const char *name, const char *value, void *ud)
{
    file_check *f = ud;
    cli_argpair one = { name, value };
    if (f->exit) return 1;
    f->exit = check_conflicts(f->c, &one, 1, f->a, f->dir, f->c->config_path);
    return 1; /* consumed: the scratch configuration stays empty */
}

static int check_file_conflicts(cli *c, size_t a, wssec_policy_dir dir)
{
    if (!c->config_path) return 0;
    wssec_config *scratch = NULL;
    if (wssec_config_new(&scratch)) return EXIT_INTERNAL;
    file_check f = { c, a, dir, 0 };
    int rc = wssec_config_load(scratch, c->config_path, file_option, &f);
    wssec_config_free(scratch);
    if (f.exit) return f.exit;
    /* the file was read once already: a failure now is memory */
    return rc ? EXIT_INTERNAL : 0;
}

/* Whether alternative a asks for SignatureConfirmation. */
static bool wants_confirmation(const cli *c, size_t a)
{
    size_t t = c->policy_target;
    for (size_t i = 0; i < wssec_policy_setting_count(c->policy, t, a); i++) {
        const char *opt, *val, *as;
        wssec_policy_dir d;
        if (!wssec_policy_setting(&opt, &val, &as, &d, c->policy, t, a, i) &&
            strstr(as, "RequireSignatureConfirmation"))
            return true;
    }
    return false;
}

/* The program options the policy decides or needs: --endorse (the
 * policy's actions decide it), --confirm-request and
 * --sent-request (sp:RequireSignatureConfirmation, on a response). */
static int check_program_options(cli *c, size_t a)
{
    const char *b, *o, *m;
    if (c->want_endorse)
        return cli_fail_usage("%s", "--endorse: with --policy the policy decides the actions "
                                    "(sp:EndorsingSupportingTokens adds the endorse action)");
    if (wssec_policy_target(&b, &o, &m, c->policy, c->policy_target)) return EXIT_INTERNAL;
    bool response = !strcmp(m, "output"), confirm = wants_confirmation(c, a);
    if (c->confirm_request && !(confirm && response))
        return cli_fail_usage("--confirm-request: the policy asks for no SignatureConfirmation "
                              "on this message (sp:Wss11/sp:RequireSignatureConfirmation, on a "
                              "response: --policy-message output)");
    if (confirm && response && c->cmd == CMD_SECURE && !c->confirm_request)
        return cli_fail_usage("%s", "the policy's sp:Wss11/sp:RequireSignatureConfirmation: the "
                                    "response confirms the request's signatures; give the "
                                    "request with --confirm-request REQ");
    if (confirm && response && c->cmd == CMD_VERIFY && !c->sent_request)
        return cli_fail_usage("%s", "the policy's sp:Wss11/sp:RequireSignatureConfirmation: the "
                                    "response must confirm the request's signatures; give the "
                                    "request sent with --sent-request REQ");
    return 0;
}

/* secure: what the policy's actions need that only the user can give. */
static int check_outbound(cli *c, size_t a)
{
    size_t t = c->policy_target;
    for (size_t i = 0; i < wssec_policy_setting_count(c->policy, t, a); i++) {
        const char *opt, *val, *as;
        wssec_policy_dir d;
        if (wssec_policy_setting(&opt, &val, &as, &d, c->policy, t, a, i) ||
            strcmp(opt, "actions") != 0)
            continue;
        if (strstr(val, "signature") && !c->have_signing)
            return cli_fail_usage("the policy's %s signs: give --sign-key FILE --sign-cert FILE "
                                  "(or --pkcs12 FILE)",
                                  as);
        if (strstr(as, "SymmetricBinding") && !c->have_encrypting && !c->session_key_in)
            return cli_fail_usage("the policy's %s keys the message for the recipient: give "
                                  "the recipient's certificate with --encrypt-cert FILE (or "
                                  "answer a request with --session-key FILE)",
                                  as);
        if (strstr(val, "encrypted-key") && !c->have_encrypting &&
            !(strstr(as, "SymmetricBinding") && c->session_key_in))
            return cli_fail_usage("the policy's %s encrypts: give the recipient's certificate "
                                  "with --encrypt-cert FILE",
                                  as);
        if (strstr(val, "username-token") && !c->have_username)
            return cli_fail_usage("the policy asks for a UsernameToken: give --username USER "
                                  "and --password-file FILE (or --password-env VAR)");
    }
    return 0;
}

/* inspect: every inbound setting of alternative a but the requirements of
 * other assertions than c->policy_label. Returns 0 or EXIT_INTERNAL. */
static int apply_label(cli *c, size_t a)
{
    size_t t = c->policy_target;
    if (wssec_config_set(c->cfg, "require", "none")) return EXIT_INTERNAL;
    for (size_t i = 0; i < wssec_policy_setting_count(c->policy, t, a); i++) {
        const char *opt, *val, *as;
        wssec_policy_dir d;
        if (wssec_policy_setting(&opt, &val, &as, &d, c->policy, t, a, i) || !*opt ||
            !(d & WSSEC_POLICY_INBOUND) ||
            (!strcmp(opt, "require") && strcmp(as, c->policy_label) != 0))
            continue;
        if (wssec_config_set(c->cfg, opt, val)) return EXIT_INTERNAL;
    }
    return 0;
}

size_t cli_policy_labels(const cli *c, size_t k, const char **labels, size_t max)
{
    size_t t = c->policy_target, a = c->policy_alts[k], n = 0;
    for (size_t i = 0; i < wssec_policy_setting_count(c->policy, t, a) && n < max; i++) {
        const char *opt, *val, *as;
        wssec_policy_dir d;
        if (wssec_policy_setting(&opt, &val, &as, &d, c->policy, t, a, i) ||
            !(d & WSSEC_POLICY_INBOUND) || !strcmp(val, "none") ||
            strstr(val, "wssec does not see"))
            continue;
        size_t j;
        for (j = 0; j < n && strcmp(labels[j], as) != 0; j++) {
        }
        if (j == n) labels[n++] = as;
    }
    return n;
}

bool cli_policy_is_check(const cli *c, size_t k, const char *label)
{
    size_t t = c->policy_target, a = c->policy_alts[k];
    for (size_t i = 0; i < wssec_policy_setting_count(c->policy, t, a); i++) {
        const char *opt, *val, *as;
        wssec_policy_dir d;
        if (!wssec_policy_setting(&opt, &val, &as, &d, c->policy, t, a, i) && !*opt &&
            !strcmp(as, label))
            return true;
    }
    return false;
}

int cli_policy_apply(cli *c, const cli_argpair *pairs, size_t npairs)
{
    int rc;
    wssec_policy_dir dir = c->cmd == CMD_SECURE ? WSSEC_POLICY_OUTBOUND : WSSEC_POLICY_INBOUND;
    if (!c->policy) {
        if ((rc = load(&c->policy, c->policy_path, c->policy_binding, c->policy_operation,
                       c->policy_message)) != 0)
            return rc;
        if ((rc = choose_target(c)) != 0 || (rc = choose_alternatives(c)) != 0) return rc;
    }
    size_t a = c->policy_alts[c->policy_cur];
    if (c->policy_label) return apply_label(c, a);
    if ((rc = check_file_conflicts(c, a, dir)) != 0) return rc;
    if ((rc = check_conflicts(c, pairs, npairs, a, dir, NULL)) != 0) return rc;
    if ((rc = check_program_options(c, a)) != 0) return rc;
    if (c->cmd == CMD_SECURE && (rc = check_outbound(c, a)) != 0) return rc;
    rc = wssec_policy_apply(c->cfg, c->policy, c->policy_target, a, dir);
    if (rc)
        return rc == WSSEC_ENOMEM
                   ? EXIT_INTERNAL
                   : cli_fail_usage("policy: %s", wssec_config_error(c->cfg)->message);
    c->explicit_actions = true; /* the policy's actions, never the defaults */
    return 0;
}

void cli_policy_reason(const cli *c, size_t k, const wssec_error *e, char *msg, size_t size)
{
    size_t a = c->policy_alts[k];
    const char *as = wssec_policy_blame(c->policy, c->policy_target, a, e);
    if (c->npolicy_alts > 1)
        snprintf(msg, size, "alternative %zu: %s%s%s", a + 1, as ? "policy assertion " : "",
                 as ? as : "", as ? ": " : "");
    else snprintf(msg, size, "%s%s%s", as ? "policy assertion " : "", as ? as : "", as ? ": " : "");
    size_t l = strlen(msg);
    snprintf(msg + l, size - l, "%s", e->message);
}

/* ---- wssec policy explain | config ---- */

static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", out);
        else if (*s == '>') fputs("&gt;", out);
        else if (*s == '&') fputs("&amp;", out);
        else fputc(*s, out);
    }
}

/* The configuration file of one alternative: every setting with an option. */
static void config_file(FILE *out, const wssec_policy *p, size_t t, size_t a, const char *indent)
{
    fprintf(out, "%s<wssec xmlns=\"urn:wssec:config:1\">\n", indent);
    for (size_t i = 0; i < wssec_policy_setting_count(p, t, a); i++) {
        const char *opt, *val, *as;
        wssec_policy_dir d;
        if (wssec_policy_setting(&opt, &val, &as, &d, p, t, a, i)) continue;
        if (!*opt) {
            fprintf(out, "%s  <!-- %s: ", indent, as);
            for (const char *v = val; *v; v++) /* "--" ends a comment */
                if (!(v[0] == '-' && v[1] == '-')) fputc(*v, out);
            fputs(" (no option: checked with the policy itself) -->\n", out);
            continue;
        }
        fprintf(out, "%s  <%s>", indent, opt);
        xml_text(out, val);
        fprintf(out, "</%s>\n", opt);
    }
    fprintf(out, "%s</wssec>\n", indent);
}

static void settings_of(FILE *out, const wssec_policy *p, size_t t, size_t a, int which)
{
    for (size_t i = 0; i < wssec_policy_setting_count(p, t, a); i++) {
        const char *opt, *val, *as;
        wssec_policy_dir d;
        if (wssec_policy_setting(&opt, &val, &as, &d, p, t, a, i)) continue;
        bool check = !*opt;
        if (which == 0 ? !check : (check || !(d & which))) continue;
        char left[600];
        if (check) snprintf(left, sizeof(left), "%s", val);
        else snprintf(left, sizeof(left), "--%s %s", opt, val);
        fprintf(out, "      %-46s  %s\n", left, as);
    }
}

static void explain_target(FILE *out, const wssec_policy *p, size_t t)
{
    char name[400];
    fprintf(out, "%s:\n", target_name(p, t, name, sizeof(name)));
    size_t n = wssec_policy_alternative_count(p, t);
    for (size_t a = 0; a < n; a++) {
        const char *why = NULL;
        fprintf(out, "  alternative %zu of %zu: ", a + 1, n);
        if (wssec_policy_supported(&why, p, t, a) != 1) {
            fprintf(out, "not supported: %s\n", why);
            continue;
        }
        const char *wo = wssec_policy_outbound_refusal(p, t, a);
        fprintf(out, "supported%s%s\n", *wo ? "; inbound only: " : "", wo);
        fprintf(out, "    verify requires:\n");
        settings_of(out, p, t, a, WSSEC_POLICY_INBOUND);
        fprintf(out, "    secure adds:\n");
        settings_of(out, p, t, a, WSSEC_POLICY_OUTBOUND);
        fprintf(out, "    beyond the options (what --policy checks itself, or cannot see):\n");
        settings_of(out, p, t, a, 0);
        fprintf(out, "    configuration file:\n");
        config_file(out, p, t, a, "      ");
    }
}

static int policy_usage(void)
{
    return cli_fail_usage("%s", "usage: wssec policy explain|config FILE [--policy-binding B] "
                                "[--policy-operation O] [--policy-message input|output]");
}

int cli_policy_main(int argc, char **argv)
{
    const char *file = NULL, *b = NULL, *o = NULL, *m = NULL;
    if (argc < 3 || (strcmp(argv[2], "explain") != 0 && strcmp(argv[2], "config") != 0))
        return policy_usage();
    bool explain = !strcmp(argv[2], "explain");
    for (int i = 3; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--policy-binding")     ? &b
                            : !strcmp(argv[i], "--policy-operation") ? &o
                            : !strcmp(argv[i], "--policy-message")   ? &m
                                                                     : NULL;
        if (slot && i + 1 < argc) *slot = argv[++i];
        else if (!slot && argv[i][0] != '-' && !file) file = argv[i];
        else return policy_usage();
    }
    if (!file) return policy_usage();
    wssec_policy *p = NULL;
    int rc = load(&p, file, b, o, m);
    if (rc) {
        wssec_policy_free(p);
        return rc;
    }
    size_t nt = wssec_policy_target_count(p);
    if (explain) {
        printf("policy %s\n", file);
        for (size_t t = 0; t < nt; t++) explain_target(stdout, p, t);
    } else if (nt != 1) {
        rc = cli_fail_usage("policy %s: %zu messages carry a policy; choose one with "
                            "--policy-binding, --policy-operation, --policy-message",
                            file, nt);
    } else {
        size_t a, n = wssec_policy_alternative_count(p, 0);
        for (a = 0; a < n && wssec_policy_supported(NULL, p, 0, a) != 1; a++) {
        }
        if (a == n) rc = cli_fail_usage("policy %s: no supported alternative", file);
        else config_file(stdout, p, 0, a, "");
    }
    wssec_policy_free(p);
    return rc;
}
