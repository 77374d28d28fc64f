/*
 * wssec(1) — secure, verify and inspect SOAP messages.
 *
 *   wssec secure  [options] [FILE...]
 *   wssec verify  [options] [FILE...]
 *   wssec inspect [options] [FILE...]
 *
 * This file runs the command: each input through the library, its report,
 * and the summary of a batch. The options are read in args.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"

int cli_exit_for(int code)
{
    if (code == 0) return EXIT_ACCEPTED;
    switch (wssec_code_category(code)) {
    case WSSEC_CAT_USAGE: return EXIT_USAGE;
    case WSSEC_CAT_INTERNAL: return EXIT_INTERNAL;
    default: return code == WSSEC_EPARSE ? EXIT_NOTSOAP : EXIT_REJECTED;
    }
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

/* One input on its way through the command: what it holds while it is
 * processed, freed by job_free. */
typedef struct job {
    cli *c;
    wssec_ctx *ctx;
    const char *file, *dest; /* the input; where its message goes (NULL: stdout) */
    bool write_msg;          /* the message is written (to dest or stdout) */
    cli_bytes in;
    wssec_msg *msg;
    wssec_result *res;
    unsigned char *out;
    size_t outlen;
    wssec_error local;       /* a failure of the program's own (I/O) */
    const wssec_error *err;  /* the failure reported; NULL when accepted */
    cli_report verdict;      /* inspect: what verify would conclude */
    cli_explain_log xlog;    /* verify --explain: what was digested */
    int explained;           /* the exit code of writing the explanation */
    bool oom;                /* out of memory: no report, exit 4 */
    wssec_msg *req;          /* --confirm-request, --sent-request: the request */
    wssec_result *req_res;   /* --confirm-request: its verification */
} job;

/* Reads a file of the input (path) into out. Returns 0, or the failure
 * (I/O, or too large) as j->err with its message. */
static int read_file(job *j, const char *path, cli_bytes *out)
{
    static char msgbuf[800];
    char why[700];
    int rc = cli_read(path, wssec_ctx_max_message_size(j->ctx), out, why, sizeof(why));
    if (!rc) return 0;
    snprintf(msgbuf, sizeof(msgbuf), "%s", why);
    j->local.code = rc;
    j->local.category = wssec_code_category(rc);
    j->local.message = msgbuf;
    j->local.fault = rc == WSSEC_ELIMIT ? wssec_code_fault(rc) : "";
    j->local.fault_ns = "";
    j->local.subject = "";
    j->local.file = "";
    j->err = &j->local;
    return rc;
}

static int read_input(job *j) { return read_file(j, j->file, &j->in); }

/* SignatureConfirmation: the request of --confirm-request (verified here,
 * its signatures confirmed by the response) or of --sent-request (the
 * response must confirm its signatures), parsed into j->req. Returns 0,
 * or the failure as j->err (j->oom when out of memory). */
static int load_request(job *j)
{
    const char *path = j->c->cmd == CMD_SECURE ? j->c->confirm_request : j->c->sent_request;
    cli_bytes b = { 0 };
    int rc = read_file(j, path, &b);
    if (!rc && (rc = wssec_msg_new(&j->req, j->ctx))) j->oom = true;
    if (!rc && (rc = wssec_msg_parse(j->req, (const char *)b.data, b.len)))
        j->err = wssec_msg_error(j->req);
    cli_bytes_free(&b);
    if (rc || j->c->cmd != CMD_SECURE) {
        if (rc)
            fprintf(stderr, "wssec: --%s %s: the request cannot be read or parsed\n",
                    j->c->cmd == CMD_SECURE ? "confirm-request" : "sent-request", path);
        return rc;
    }
    rc = wssec_verify(&j->req_res, j->req);
    if (rc == WSSEC_ENOMEM && !j->req_res) j->oom = true;
    else if (rc) {
        fprintf(stderr, "wssec: --confirm-request %s: the request does not verify\n", path);
        j->err = wssec_result_error(j->req_res);
    }
    return rc;
}

/* The request's values for the message (secure: confirmed; verify:
 * expected). Returns 0, or the failure as j->err. */
static int use_request(job *j)
{
    if (load_request(j)) return -1;
    int rc = j->c->cmd == CMD_SECURE ? wssec_msg_confirm_signatures(j->msg, j->req_res)
                                     : wssec_msg_expect_confirmations(j->msg, j->req);
    if (rc == WSSEC_ENOMEM) j->oom = true;
    else if (rc) j->err = wssec_msg_error(j->msg);
    return rc;
}

/* One policy alternative (k of c->policy_alts) on a fresh parse of the
 * input: the Layout first, then verify, then the checks no option says.
 * Returns 0 (accepted: *m and *res the message and result) or the code
 * (*e the error, owned by *m or *res). */
static int verify_alternative(job *j, size_t k, wssec_msg **m, wssec_result **res,
                              const wssec_error **e)
{
    cli *c = j->c;
    size_t t = c->policy_target, a = c->policy_alts[k];
    int rc = wssec_msg_new(m, k ? c->alt_ctx[k] : j->ctx);
    if (rc) return rc;
    if ((rc = wssec_msg_parse(*m, (const char *)j->in.data, j->in.len)) == 0 && j->req &&
        (rc = wssec_msg_expect_confirmations(*m, j->req)) == WSSEC_ENOMEM)
        return rc;
    /* a response keyed by our request's session key (--session-key) */
    if (rc == 0 && c->session_key && (rc = wssec_msg_use_session_key(*m, c->session_key)) != 0)
        return rc;
    if (rc == 0 && (rc = wssec_policy_check(*m, NULL, c->policy, t, a)) == 0 &&
        (rc = wssec_verify(res, *m)) != 0 && *res) {
        *e = wssec_result_error(*res);
        return rc;
    }
    if (rc == 0) rc = wssec_policy_check(*m, *res, c->policy, t, a);
    if (rc) *e = wssec_msg_error(*m);
    return rc;
}

/* verify --policy: accepted when one alternative accepts the message (the
 * alternative said when there are several); refused with each
 * alternative's reason, the first that names an assertion leading. */
static int verify_policy(job *j)
{
    static char msgbuf[1800], fault[64], fault_ns[128], subject[256];
    cli *c = j->c;
    char reasons[1700] = "";
    size_t l = 0;
    if (c->sent_request && load_request(j)) return -1; /* the request of --sent-request */
    int lead = 0;
    bool named = false;
    for (size_t k = 0; k < c->npolicy_alts; k++) {
        wssec_msg *m = NULL;
        wssec_result *res = NULL;
        const wssec_error *e = NULL;
        int rc = verify_alternative(j, k, &m, &res, &e);
        if (rc == 0) {
            wssec_msg_free(j->msg);
            j->msg = m;
            j->res = res;
            if (c->npolicy_alts > 1)
                fprintf(stderr, "wssec: %s: accepted under policy alternative %zu\n", j->file,
                        c->policy_alts[k] + 1);
            return 0;
        }
        if (rc == WSSEC_ENOMEM && !e) {
            wssec_result_free(res);
            wssec_msg_free(m);
            j->oom = true;
            return rc;
        }
        char one[900];
        cli_policy_reason(c, k, e, one, sizeof(one));
        bool names = wssec_policy_blame(c->policy, c->policy_target, c->policy_alts[k], e) ||
                     strstr(e->message, "policy assertion ") != NULL;
        if (!lead || (names && !named)) {
            lead = rc;
            named = names;
            snprintf(fault, sizeof(fault), "%s", e->fault);
            snprintf(fault_ns, sizeof(fault_ns), "%s", e->fault_ns);
            snprintf(subject, sizeof(subject), "%s", e->subject);
        }
        l += (size_t)snprintf(reasons + l, sizeof(reasons) - l, "%s%s", l ? "; " : "", one);
        if (l >= sizeof(reasons)) l = sizeof(reasons) - 1;
        wssec_result_free(res);
        wssec_msg_free(m);
    }
    snprintf(msgbuf, sizeof(msgbuf), "%s%s",
             c->npolicy_alts > 1 ? "no policy alternative accepts the message: " : "", reasons);
    j->local =
        (wssec_error){ lead, wssec_code_category(lead), msgbuf, fault, fault_ns, subject, "", 0 };
    j->err = &j->local;
    return lead;
}

static int make_context(cli *c, wssec_ctx **ctx);

/* inspect --policy: whether the message satisfies one assertion of
 * alternative k, on a context with only that assertion's requirements (and
 * the alternative's algorithms), into v. */
static void inspect_assertion(job *j, size_t k, const char *label, cli_assertion_verdict *v)
{
    cli *c = j->c;
    size_t t = c->policy_target, a = c->policy_alts[k];
    wssec_config *keep = c->cfg, *cfg = NULL;
    wssec_ctx *ctx = NULL;
    wssec_msg *m = NULL;
    wssec_result *res = NULL;
    char *why = v->reason;
    size_t whysize = sizeof(v->reason);
    const char *verdict = "FAIL";
    why[0] = '\0';
    bool check = cli_policy_is_check(c, k, label);
    int rc = wssec_config_new(&cfg);
    if (!rc) {
        c->cfg = cfg;
        c->policy_cur = k;
        c->policy_label = label;
        rc = cli_apply_options(c, c->config_path, c->pairs, c->npairs);
        if (!rc) rc = make_context(c, &ctx);
        c->policy_label = NULL;
        c->policy_cur = 0;
        c->cfg = keep;
    }
    if (!rc) rc = wssec_msg_new(&m, ctx);
    if (!rc) rc = wssec_msg_parse(m, (const char *)j->in.data, j->in.len);
    int pre = rc ? rc : wssec_policy_check(m, NULL, c->policy, t, a);
    const wssec_error *e = NULL;
    if (rc) snprintf(why, whysize, "%s", "the message cannot be checked");
    else if (pre && strstr(wssec_msg_error(m)->message, label)) e = wssec_msg_error(m);
    else if ((rc = wssec_verify(&res, m)) != 0)
        e = res ? wssec_result_error(res) : wssec_msg_error(m);
    else if ((rc = wssec_policy_check(m, res, c->policy, t, a)) != 0 &&
             strstr(wssec_msg_error(m)->message, label))
        e = wssec_msg_error(m);
    if (e && check && !strstr(e->message, label)) {
        verdict = "?";
        snprintf(why, whysize, "not checked: the message fails first: %s", e->message);
    } else if (e) {
        snprintf(why, whysize, "%s", e->message);
    } else if (!why[0]) {
        verdict = "ok";
    }
    v->assertion = label;
    v->verdict = verdict;
    wssec_result_free(res);
    wssec_msg_free(m);
    wssec_ctx_free(ctx);
    wssec_config_free(cfg);
}

/* inspect --policy: each alternative's assertions, satisfied or not, in
 * *out (free()) and *n. Returns 0 or WSSEC_ENOMEM. */
static int inspect_policy(job *j, cli_policy_verdicts **out, size_t *n)
{
    cli *c = j->c;
    *n = 0;
    *out = calloc(c->npolicy_alts ? c->npolicy_alts : 1, sizeof(**out));
    if (!*out) return WSSEC_ENOMEM;
    for (size_t k = 0; k < c->npolicy_alts; k++) {
        cli_policy_verdicts *pv = &(*out)[k];
        const char *labels[CLI_POLICY_LABELS];
        pv->alternative = c->policy_alts[k] + 1;
        pv->n = cli_policy_labels(c, k, labels, CLI_POLICY_LABELS);
        for (size_t i = 0; i < pv->n; i++) inspect_assertion(j, k, labels[i], &pv->a[i]);
    }
    *n = c->npolicy_alts;
    return 0;
}

/* The verdicts of inspect --policy, after the account of the message. */
static void print_policy(const cli *c, const cli_policy_verdicts *pv, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        fprintf(stdout, "  Policy %s, alternative %zu:\n", c->policy_path, pv[k].alternative);
        for (size_t i = 0; i < pv[k].n; i++) {
            const cli_assertion_verdict *v = &pv[k].a[i];
            fprintf(stdout, "    %-4s %s%s%s\n", v->verdict, v->assertion, v->reason[0] ? ": " : "",
                    v->reason);
        }
    }
}

/* The command on the parsed message. Returns its result (j->err the
 * failure), or sets j->oom. */
static int run_command(job *j)
{
    int rc = 0;
    if (j->c->cmd == CMD_VERIFY && j->c->policy) return verify_policy(j);
    switch (j->c->cmd) {
    case CMD_SECURE:
        if (j->c->confirm_request && (rc = use_request(j))) break;
        rc = wssec_secure(j->msg, NULL);
        if (rc) j->err = wssec_msg_error(j->msg);
        break;
    case CMD_VERIFY:
        if (j->c->sent_request && (rc = use_request(j))) break;
        j->c->explain = j->c->explain_dir ? &j->xlog : NULL;
        rc = wssec_verify(&j->res, j->msg);
        j->c->explain = NULL;
        if (rc == WSSEC_ENOMEM && !j->res) {
            j->oom = true;
            break;
        }
        if (rc) j->err = wssec_result_error(j->res);
        if (j->c->explain_dir)
            j->explained = cli_explain_write(j->c, j->file, &j->xlog, rc ? j->err : NULL);
        break;
    case CMD_INSPECT:
        rc = wssec_inspect(&j->res, j->msg);
        if (rc || (rc = inspect_verdict(j->c, j->ctx, &j->in, &j->verdict))) j->oom = true;
        if (!rc && j->c->policy && j->c->npolicy_alts > 1) {
            char v[sizeof(j->verdict.verdict)];
            snprintf(v, sizeof(v), "%s", j->verdict.verdict);
            snprintf(j->verdict.verdict, sizeof(j->verdict.verdict),
                     "under policy alternative %zu (the others below): %.800s",
                     j->c->policy_alts[0] + 1, v);
        }
        break;
    }
    return rc;
}

/* Writes the secured or verified message whole, or records why not as
 * j->err; sets j->oom when it cannot be serialised. */
static void write_message(job *j, outcome *o)
{
    static char msgbuf[800];
    char why[700];
    int rc = wssec_msg_serialize(&j->out, &j->outlen, j->msg);
    if (rc) {
        j->oom = true;
        return;
    }
    if ((rc = cli_write(j->dest, j->out, j->outlen, j->c->private_output, why, sizeof(why)))) {
        snprintf(msgbuf, sizeof(msgbuf), "output %s", why);
        j->local = (wssec_error){ rc, wssec_code_category(rc), msgbuf, "", "", "", "", 0 };
        j->err = &j->local;
    } else {
        o->written = true;
    }
}

/* --session-key-out: the message's session key (what secure --symmetric
 * made, or what the accepted request carried) to a file only its owner
 * reads, before the message is written. Returns 0, or the failure as j->err
 * (or j->oom). */
static int write_session_key(job *j)
{
    static char msgbuf[800];
    char why[700];
    wssec_session_key *k = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = wssec_msg_session_key(&k, j->msg);
    if (!rc) rc = wssec_session_key_export(&text, &len, k);
    wssec_session_key_free(k);
    if (rc == WSSEC_ENOMEM) {
        j->oom = true;
        return rc;
    }
    if (rc) {
        snprintf(msgbuf, sizeof(msgbuf),
                 "--session-key-out: the message carries no session key (secure: --symmetric; "
                 "verify: an EncryptedKey key token)");
        rc = WSSEC_ECONFIG;
    } else if ((rc = cli_write(j->c->session_key_out, text, len, true, why, sizeof(why)))) {
        snprintf(msgbuf, sizeof(msgbuf), "--session-key-out %s", why);
    }
    if (text) OPENSSL_cleanse(text, len);
    wssec_free(text);
    if (rc) {
        j->local = (wssec_error){ rc, wssec_code_category(rc), msgbuf, "", "", "", "", 0 };
        j->err = &j->local;
    }
    return rc;
}

/* --fault: a SOAP Fault in place of a rejected message. Returns exit_code,
 * or EXIT_INTERNAL when the fault cannot be written. */
static int write_fault(const job *j, int exit_code)
{
    char why[700];
    unsigned char *f = NULL;
    size_t flen = 0;
    int v = j->msg && wssec_msg_soap_version(j->msg) ? wssec_msg_soap_version(j->msg)
                                                     : WSSEC_SOAP11;
    if (wssec_fault_serialize(&f, &flen, j->err, v) == 0 &&
        cli_write(j->dest, f, flen, j->c->private_output, why, sizeof(why)) != 0) {
        fprintf(stderr, "wssec: %s: fault not written: %s\n", j->file, why);
        exit_code = EXIT_INTERNAL;
    }
    wssec_free(f);
    return exit_code;
}

/* The report of one input: standard error, --fault, the JSON line or the
 * account of inspect. Returns the input's exit code. */
static int report(job *j, FILE *json, outcome *o)
{
    const cli *c = j->c;
    const wssec_error *err = j->err;
    o->code = err ? err->code : 0;
    int exit_code = err ? cli_exit_for(err->code) : EXIT_ACCEPTED;
    if (err && c->cmd != CMD_INSPECT) complain(j->file, err);
    if (err && c->fault && j->write_msg && (exit_code == EXIT_REJECTED || exit_code == EXIT_NOTSOAP))
        exit_code = write_fault(j, exit_code);
    cli_report r = { c->cmd_name, j->file, exit_code, err,
                     j->msg ? wssec_msg_soap_version(j->msg) : 0, j->res,
                     wssec_ctx_replay_cache_name(j->ctx), j->msg };
    r.have_verdict = j->verdict.have_verdict;
    r.verdict_exit = j->verdict.verdict_exit;
    memcpy(r.verdict, j->verdict.verdict, sizeof(r.verdict));
    r.clock = c->now_given ? "--now" : "system clock";
    r.replay_note = c->replay_external ? "replay is checked against this run's inputs only, "
                                         "not the configured replay cache"
                                       : NULL;
    cli_policy_verdicts *pv = NULL;
    if (c->cmd == CMD_INSPECT && c->policy && j->in.data) {
        if (inspect_policy(j, &pv, &r.npolicy)) {
            fprintf(stderr, "wssec: %s: out of memory\n", j->file);
            return EXIT_INTERNAL;
        }
        r.policy = pv;
        r.policy_file = c->policy_path;
        if (wssec_policy_target(&r.policy_binding, &r.policy_operation, &r.policy_message,
                                c->policy, c->policy_target))
            r.policy_binding = r.policy_operation = r.policy_message = "";
    }
    if (c->json) cli_report_json(json, &r);
    else if (c->cmd == CMD_INSPECT) cli_report_inspect(stdout, &r, wssec_ctx_now(j->ctx));
    if (!c->json && pv) print_policy(c, pv, r.npolicy);
    free(pv);
    if (c->cmd == CMD_INSPECT && exit_code == EXIT_REJECTED) exit_code = EXIT_ACCEPTED;
    if (j->explained > exit_code) exit_code = j->explained;
    return exit_code;
}

static void job_free(job *j)
{
    cli_explain_clear(&j->xlog);
    wssec_free(j->out);
    wssec_result_free(j->res);
    wssec_result_free(j->req_res);
    wssec_msg_free(j->req);
    wssec_msg_free(j->msg);
    cli_bytes_free(&j->in);
}

/* One input: read, parsed, run through the command, written and reported.
 * Returns its exit code; o says what became of it. */
static int process_one(cli *c, wssec_ctx *ctx, const char *file, const char *dest, bool write_msg,
                       FILE *json, outcome *o)
{
    job j = { .c = c, .ctx = ctx, .file = file, .dest = dest, .write_msg = write_msg,
              .xlog = CLI_EXPLAIN_LOG_INIT };
    int rc, exit_code = EXIT_INTERNAL;
    if (c->cmd == CMD_INSPECT && cli_cert_input(file))
        return cli_inspect_certs(c, ctx, file, json, &o->code);
    if (read_input(&j)) goto report;
    if (wssec_msg_new(&j.msg, ctx)) {
        j.oom = true;
        goto done;
    }
    if (wssec_msg_parse(j.msg, (const char *)j.in.data, j.in.len)) {
        j.err = wssec_msg_error(j.msg);
        goto report;
    }
    if (c->session_key && wssec_msg_use_session_key(j.msg, c->session_key)) {
        j.oom = true;
        goto done;
    }
    rc = run_command(&j);
    if (!j.oom && rc == 0 && c->session_key_out) rc = write_session_key(&j);
    if (!j.oom && rc == 0 && write_msg && c->cmd != CMD_INSPECT) write_message(&j, o);
    if (j.oom) goto done;
report:
    exit_code = report(&j, json, o);
done:
    if (j.oom) {
        fprintf(stderr, "wssec: %s: out of memory\n", file);
        exit_code = EXIT_INTERNAL;
        o->code = WSSEC_ENOMEM;
    }
    job_free(&j);
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

/* --session-key FILE: the session key of a request (written by
 * --session-key-out), read once. Returns 0 or an exit code. */
static int read_session_key(cli *c)
{
    char why[300];
    cli_bytes b = { 0 };
    int rc = cli_read(c->session_key_in, 4096, &b, why, sizeof(why));
    if (rc) {
        fprintf(stderr, "wssec: --session-key %s: %s\n", c->session_key_in, why);
        return EXIT_USAGE;
    }
    rc = wssec_session_key_import(&c->session_key, (const char *)b.data, b.len);
    OPENSSL_cleanse(b.data, b.len);
    cli_bytes_free(&b);
    if (rc == WSSEC_ENOMEM) return EXIT_INTERNAL;
    if (rc)
        return cli_fail_usage("--session-key %s: not a session key (as --session-key-out writes "
                              "it)",
                              c->session_key_in);
    return 0;
}

static int setup_secrets(cli *c)
{
    int rc = 0;
    char why[300];
    if (c->users_path && c->cmd != CMD_SECURE) {
        rc = cli_users_load(&c->secrets.users, c->users_path, why, sizeof(why));
        if (rc) {
            fprintf(stderr, "wssec: users file %s: %s\n", c->users_path, why);
            return rc == WSSEC_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
        }
    }
    if (c->session_key_in && (rc = read_session_key(c)) != 0) return rc;
    if (c->cmd != CMD_SECURE) return 0;
    if (c->password_file && c->password_env)
        return cli_fail_usage("%s", "give --password-file or --password-env, not both");
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
        return cli_fail_usage("%s", "--username needs --password-file F or --password-env VAR "
                                "(passwords are never given on the command line)");
    return 0;
}

/* Directories named by --output-dir and --explain must exist, and -o takes
 * one input. Returns 0 or EXIT_USAGE with the reason. */
static int check_outputs(const cli *c, int nfiles)
{
    struct stat st;
    if (c->output && c->output_dir)
        return cli_fail_usage("%s", "give -o/--output or --output-dir, not both");
    if (c->output && nfiles > 1)
        return cli_fail_usage("%s", "-o/--output takes one input; use --output-dir for several");
    if (c->output_dir && (stat(c->output_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        return cli_fail_usage("--output-dir %s is not a directory", c->output_dir);
    if (c->session_key_out && !strcmp(c->session_key_out, "-"))
        return cli_fail_usage("%s", "--session-key-out needs a file: a key is never written to "
                                    "standard output");
    if (c->session_key_out && nfiles > 1)
        return cli_fail_usage("%s", "--session-key-out takes one input");
    if ((c->session_key_out || c->session_key_in) && c->cmd == CMD_INSPECT)
        return cli_fail_usage("%s",
                              "--session-key and --session-key-out are for secure and verify");
    if (c->explain_dir && c->cmd == CMD_VERIFY &&
        (stat(c->explain_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        return cli_fail_usage("--explain %s is not a directory", c->explain_dir);
    return 0;
}

/* The callbacks the options call for, and the context. Returns 0 or an
 * exit code (the reason on standard error). */
static int make_context(cli *c, wssec_ctx **ctx)
{
    if (c->secrets.users || c->secrets.have_outbound)
        wssec_config_set_password_cb(c->cfg, cli_password_cb, &c->secrets);
    if (c->explain_dir && c->cmd == CMD_VERIFY)
        wssec_config_set_explain_cb(c->cfg, cli_explain_cb, c);
    if (c->cmd == CMD_INSPECT && c->replay_external &&
        wssec_config_set(c->cfg, "replay-cache", "memory") != 0)
        return EXIT_INTERNAL;
    int rc = wssec_ctx_new(ctx, c->cfg);
    if (rc) {
        fprintf(stderr, "wssec: configuration: %s\n", wssec_config_error(c->cfg)->message);
        return cli_exit_for(rc);
    }
    for (size_t i = 0; i < wssec_config_warning_count(c->cfg); i++)
        fprintf(stderr, "wssec: warning: %s\n", wssec_config_warning(c->cfg, i));
    return 0;
}

/* Every input, in order, with progress and a summary for a batch. Returns
 * the highest exit code. */
static int process_all(cli *c, wssec_ctx *ctx, char **files, int nfiles, FILE *json)
{
    /* Where messages go: -o, --output-dir, or standard output for a single
     * input unless the JSON reports have it. */
    bool to_stdout = !c->output && !c->output_dir && nfiles == 1 && !(c->json && !c->report) &&
                     c->cmd != CMD_INSPECT;
    int worst = EXIT_ACCEPTED;
    batch b = { 0 };
    batch_start(&b, nfiles);
    for (int i = 0; i < nfiles; i++) {
        char dest[PATH_MAX + 64];
        const char *d = c->output ? c->output
                        : c->output_dir ? cli_out_name(c->output_dir, files[i], dest, sizeof(dest))
                                        : NULL;
        bool write_msg = c->output || c->output_dir || to_stdout;
        outcome o = { 0, false };
        int e = process_one(c, ctx, files[i], d, write_msg, json, &o);
        if (e > worst) worst = e;
        fflush(json);
        batch_add(&b, e, &o);
    }
    batch_end(&b, c);
    return worst;
}

/* The inputs through the command, the JSON reports kept in memory for
 * --report and written whole at the end. Returns the highest exit code. */
static int run_inputs(cli *c, wssec_ctx *ctx, char **files, int nfiles)
{
    char *jsonbuf = NULL;
    size_t jsonlen = 0;
    FILE *json = stdout;
    if (c->json && c->report && !(json = open_memstream(&jsonbuf, &jsonlen))) return EXIT_INTERNAL;
    cli_sync_each(c->sync_each);
    int worst = process_all(c, ctx, files, nfiles, json);
    char why[PATH_MAX + 200];
    if (json != stdout) {
        fclose(json);
        if (cli_write(c->report, jsonbuf ? jsonbuf : "", jsonlen, c->private_output, why,
                      sizeof(why))) {
            fprintf(stderr, "wssec: report %s\n", why);
            worst = EXIT_INTERNAL;
        }
    }
    free(jsonbuf);
    /* every output file made durable, then named (--sync batch) */
    if (cli_commit_outputs(why, sizeof(why))) {
        fprintf(stderr, "wssec: output not written: %s\n", why);
        worst = EXIT_INTERNAL;
    }
    return worst;
}

/* verify --policy with several alternatives: a context for each of the
 * others, built once. Returns 0 or an exit code. */
static int policy_contexts(cli *c, const char *config, const cli_argpair *pairs, size_t npairs)
{
    if (!c->policy || c->cmd != CMD_VERIFY) return 0;
    wssec_config *main_cfg = c->cfg;
    int rc = 0;
    for (size_t k = 1; k < c->npolicy_alts && !rc; k++) {
        if (wssec_config_new(&c->alt_cfg[k])) {
            rc = EXIT_INTERNAL;
            break;
        }
        c->cfg = c->alt_cfg[k];
        c->policy_cur = k;
        rc = cli_apply_options(c, config, pairs, npairs);
        if (!rc) rc = make_context(c, &c->alt_ctx[k]);
    }
    c->cfg = main_cfg;
    c->policy_cur = 0;
    return rc;
}

/* The command: options, checks, secrets, the context, then every input.
 * Returns the exit code. */
static int run(cli *c, int argc, char **argv)
{
    char *config = NULL;
    cli_argpair *pairs = NULL;
    size_t npairs = 0;
    int rc, worst = EXIT_ACCEPTED;
    wssec_ctx *ctx = NULL;

    if (wssec_config_new(&c->cfg)) return EXIT_INTERNAL;
    rc = cli_parse_args(c, argc, argv, &config, &pairs, &npairs);
    if (rc == 1) goto done; /* --help or --version */
    if (rc) {
        worst = rc == WSSEC_ENOMEM ? EXIT_INTERNAL : cli_fail_usage("%s", c->why);
        goto done;
    }
    c->config_path = config; /* the policy checks the file's options against its own */
    if ((worst = cli_apply_options(c, config, pairs, npairs)) != 0) goto done;
    c->pairs = pairs;
    c->npairs = npairs;
    int nfiles = argc - optind;
    char *stdin_only[] = { "-" };
    char **files = nfiles > 0 ? argv + optind : stdin_only;
    if (nfiles <= 0) nfiles = 1;
    if ((worst = check_outputs(c, nfiles)) != 0) goto done;
    if ((worst = cli_check_mistakes(c, pairs, npairs, files, nfiles)) != 0) goto done;
    if ((worst = setup_secrets(c)) != 0) goto done;
    if ((worst = make_context(c, &ctx)) != 0) goto done;
    if ((worst = policy_contexts(c, config, pairs, npairs)) != 0) goto done;
    worst = run_inputs(c, ctx, files, nfiles);
done:
    free(pairs);
    wssec_ctx_free(ctx);
    return worst;
}

int main(int argc, char **argv)
{
    cli c = { 0 };
    int code;
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        cli_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("wssec %s\n", wssec_version());
        return 0;
    }
    if (!strcmp(argv[1], "policy")) return cli_policy_main(argc, argv);
    if (!strcmp(argv[1], "secure")) c.cmd = CMD_SECURE;
    else if (!strcmp(argv[1], "verify")) c.cmd = CMD_VERIFY;
    else if (!strcmp(argv[1], "inspect")) c.cmd = CMD_INSPECT;
    else {
        fprintf(stderr, "wssec: unknown command '%s' (secure, verify, inspect or policy)\n",
                argv[1]);
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
    free(c.confirm_request);
    free(c.sent_request);
    free(c.session_key_in);
    free(c.session_key_out);
    wssec_session_key_free(c.session_key);
    for (size_t k = 0; k < CLI_POLICY_ALTS; k++) {
        wssec_ctx_free(c.alt_ctx[k]);
        wssec_config_free(c.alt_cfg[k]);
    }
    wssec_policy_free(c.policy);
    free(c.policy_path);
    free(c.policy_binding);
    free(c.policy_operation);
    free(c.policy_message);
    for (size_t i = 0; c.negs && c.negs[i]; i++) free(c.negs[i]);
    free(c.negs);
    return code;
}
