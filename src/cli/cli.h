/*
 * wssec(1) — the command-line filter: shared declarations.
 */
#ifndef WSSEC_CLI_H
#define WSSEC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <wssec/wssec.h>

/* Exit codes (documented in README.md and wssec --help). */
enum {
    EXIT_ACCEPTED = 0,
    EXIT_REJECTED = 1,
    EXIT_USAGE = 2,
    EXIT_NOTSOAP = 3,
    EXIT_INTERNAL = 4
};

/* The exit code a wssec error code leads to. */
int cli_exit_for(int code);

/* ---- array.c: a growable array with a bound ---- */

/* items holds n elements of size bytes each, room for cap; never more than
 * max. Zero-initialise it with CLI_ARRAY_INIT. */
typedef struct cli_array {
    void *items;
    size_t n, cap, max, size;
} cli_array;

#define CLI_ARRAY_INIT(type, most) { NULL, 0, 0, (most), sizeof(type) }

/* Appends one zeroed element and points *slot at it. Returns 0,
 * WSSEC_ELIMIT when the array already holds max elements, or WSSEC_ENOMEM;
 * the array is unchanged on failure. */
int cli_array_push(cli_array *a, void **slot);
/* Frees the elements' storage (not what they point to); the array is then
 * empty, with the same bound. */
void cli_array_free(cli_array *a);

/* ---- io.c ---- */

typedef struct cli_bytes {
    unsigned char *data;
    size_t len;
} cli_bytes;

/* Reads a file ("-" = standard input) up to max bytes. Returns 0, WSSEC_EIO
 * (why filled) or WSSEC_ELIMIT (more than max bytes). */
int cli_read(const char *path, size_t max, cli_bytes *out, char *why, size_t whylen);
/* Writes bytes whole or not at all: to a temporary file beside path, then
 * renamed over it; standard output with path NULL; devices directly. A new
 * file gets the mode the umask gives, a replaced file keeps its mode;
 * private_file makes it 0600 in both cases. */
int cli_write(const char *path, const void *data, size_t len, bool private_file, char *why,
              size_t whylen);
/* Durability. By default (--sync batch) cli_write leaves each file under
 * its temporary name, unsynced, and cli_commit_outputs, before the program
 * exits, makes them all durable at once (one syncfs per file system), then
 * renames each over its target and syncs each directory: a file is whole or
 * absent even across a crash, and a batch pays one sync. With each set
 * (--sync each) cli_write syncs the file, renames it and syncs its
 * directory at once. */
void cli_sync_each(bool each);
/* 0, or WSSEC_EIO (why filled; the files not yet renamed are removed). */
int cli_commit_outputs(char *why, size_t whylen);
void cli_bytes_free(cli_bytes *b);

/* ---- users.c: the users file behind the password callback ---- */

typedef struct cli_users cli_users;
int cli_users_load(cli_users **out, const char *path, char *why, size_t whylen);
void cli_users_free(cli_users *u);

/* What the CLI's password callback knows: the users file (inbound) and the
 * one outbound password (from a file or the environment). */
typedef struct cli_secrets {
    cli_users *users;
    char outbound[1025]; /* up to 1024 bytes and a NUL (wssec_secret_read) */
    size_t outbound_len;
    bool have_outbound;
} cli_secrets;

int cli_password_cb(char *buf, size_t size, size_t *len, const char *user,
                    wssec_password_usage usage, void *userdata);

/* ---- report.c ---- */

/* inspect --policy: whether the message meets one assertion of an
 * alternative ("ok", "FAIL", or "?" when a check no option says could not
 * run because the message fails first), and why not. */
typedef struct cli_assertion_verdict {
    const char *assertion; /* borrowed from the policy */
    const char *verdict;   /* "ok", "FAIL", "?" */
    char reason[700];      /* "" when ok */
} cli_assertion_verdict;

/* The most assertions inspect --policy reports per alternative. */
#define CLI_POLICY_LABELS 32

typedef struct cli_policy_verdicts {
    size_t alternative; /* its number in the policy, from 1 */
    size_t n;
    cli_assertion_verdict a[CLI_POLICY_LABELS];
} cli_policy_verdicts;

typedef struct cli_report {
    const char *command;
    const char *file;
    int exit_code;
    const wssec_error *err;   /* NULL when accepted */
    int soap;                 /* 0 unknown */
    const wssec_result *res;  /* NULL when there is none */
    const char *replay_cache;
    const wssec_msg *msg;     /* for inspect: headers */
    /* inspect: what verify would conclude with the same options */
    bool have_verdict;
    int verdict_exit;         /* the exit code verify would give */
    char verdict[900];        /* "accepted, caller X" or the rejection */
    const char *clock;        /* "--now" or "system clock" */
    const char *replay_note;  /* NULL, or how the verdict treated replay */
    /* inspect --policy: the document, the message chosen, each alternative's verdicts */
    const char *policy_file, *policy_binding, *policy_operation, *policy_message;
    const cli_policy_verdicts *policy;
    size_t npolicy;
} cli_report;

/* One JSON object on one line. */
void cli_report_json(FILE *out, const cli_report *r);
/* The human account of `wssec inspect`. */
void cli_report_inspect(FILE *out, const cli_report *r, wssec_time now);
/* The human account of `wssec inspect` of certificates (certs.c). */
void cli_report_certs(FILE *out, const cli_report *r, wssec_time now);

/* ---- the program's state, shared by args.c (options) and main.c (run) ---- */

typedef enum { CMD_SECURE, CMD_VERIFY, CMD_INSPECT } cli_command;

/* The most policy alternatives verify tries (WP_MAX_ALTS of the library). */
#define CLI_POLICY_ALTS 16

typedef struct cli {
    cli_command cmd;
    const char *cmd_name;
    wssec_config *cfg;
    char *output, *output_dir, *report, *users_path, *password_file, *password_env;
    bool json, fault;
    bool want_timestamp, have_username, have_signing, have_encrypting, explicit_actions;
    bool symmetric;   /* --symmetric: the signature action needs no key of ours */
    bool have_assert; /* --assert-user or --assert-dn: the identity-assertion action */
    bool private_output;          /* --private-output: files 0600 */
    bool sync_each;               /* --sync each: each output file synced on its own */
    bool sign_chain, pkcs12, sign_key; /* key sources given, for the conflict checks */
    char bst_type[16], key_id[16];     /* as given; "" for the default */
    const char *config_dir;       /* while the configuration file is read: its directory */
    bool require_none, require_other; /* --require: "none" and other requirements given */
    char *explain_dir;            /* --explain DIR: what the signatures digested */
    bool want_endorse;            /* --endorse: the endorse action */
    char *confirm_request;        /* secure --confirm-request REQ: the request confirmed */
    char *sent_request;           /* verify --sent-request REQ: the request answered */
    /* --session-key FILE (read once: the handle), --session-key-out FILE */
    char *session_key_in, *session_key_out;
    wssec_session_key *session_key;
    struct cli_explain_log *explain; /* the current input's, while it is verified */
    bool now_given;               /* --now: the clock is fixed */
    bool replay_external;         /* a replay cache other than memory was configured */
    cli_secrets secrets;
    char **negs; /* --no-NAME option names */
    /* --policy: the document, the message chosen, the alternatives to try */
    char *policy_path, *policy_binding, *policy_operation, *policy_message;
    wssec_policy *policy;
    size_t policy_target;
    size_t policy_alts[CLI_POLICY_ALTS]; /* the supported alternatives, in order */
    size_t npolicy_alts;
    size_t policy_cur;                   /* which of them c->cfg gets */
    wssec_ctx *alt_ctx[CLI_POLICY_ALTS]; /* verify: a context per alternative */
    wssec_config *alt_cfg[CLI_POLICY_ALTS];
    const char *policy_label;            /* inspect: apply only this assertion's requirements */
    const char *config_path;             /* the -c file and the command line, kept to build */
    const struct cli_argpair *pairs;     /* a context per assertion for inspect --policy */
    size_t npairs;
    char why[600]; /* the reason of a usage error */
} cli;

/* One option of the command line, as given (name without the dashes). */
typedef struct cli_argpair {
    const char *name, *value;
} cli_argpair;

/* ---- args.c: the options ---- */

/* The help text. */
void cli_usage(FILE *out);
/* Parses argv into (name, value) pairs and the -c file; returns 0, 1 when
 * --help or --version was answered, or a negative code (c->why says why). */
int cli_parse_args(cli *c, int argc, char **argv, char **config, cli_argpair **pairs,
                   size_t *npairs);
/* Applies the configuration file, then the command line's pairs, to c and
 * c->cfg. Returns 0 or an exit code (the reason on standard error). */
int cli_apply_options(cli *c, const char *config, const cli_argpair *pairs, size_t npairs);
/* Mistakes that would otherwise pass silently: EXIT_USAGE with the fix, or 0
 * (warnings on standard error for options that have no effect). */
int cli_check_mistakes(cli *c, const cli_argpair *pairs, size_t npairs, char **files,
                       int nfiles);
/* "wssec: " and the message on standard error; returns EXIT_USAGE. */
int cli_fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* DIR/<input's base name> ("stdin.xml" for -) in buf. */
const char *cli_out_name(const char *dir, const char *input, char *buf, size_t size);

/* ---- policy.c: WS-SecurityPolicy (--policy, wssec policy) ---- */

/* Loads the policy (once), chooses its message and alternatives, and sets
 * alternative c->policy_cur on c->cfg for the command's direction.
 * Returns 0 or an exit code (the reason on standard error). */
int cli_policy_apply(cli *c, const cli_argpair *pairs, size_t npairs);
/* "alternative N refused: ..." for a rejection under alternative k; the
 * assertion named when the policy says which. Writes msg. */
void cli_policy_reason(const cli *c, size_t k, const wssec_error *e, char *msg, size_t size);
/* The distinct assertions alternative k (of c->policy_alts) checks inbound,
 * in order, into labels (at most max). Returns how many. */
size_t cli_policy_labels(const cli *c, size_t k, const char **labels, size_t max);
/* Whether label is one no option expresses (checked by wssec_policy_check). */
bool cli_policy_is_check(const cli *c, size_t k, const char *label);
/* wssec policy explain|config FILE [options]: returns the exit code. */
int cli_policy_main(int argc, char **argv);

/* ---- explain.c: --explain, what the signatures digested ---- */

/* The most pieces one message's --explain records (a SignedInfo and its
 * references per signature: max-signatures * (max-references + 1) with the
 * defaults is 132). */
#define CLI_EXPLAIN_MAX 4096

/* One digested piece: what (the SignedInfo or a reference URI), the digest
 * algorithm, the expected and computed digests, the canonical bytes. */
typedef struct cli_explain_item {
    char *what, *alg, *expected, *computed;
    unsigned char *bytes;
    size_t len;
} cli_explain_item;

typedef struct cli_explain_log {
    cli_array items; /* of cli_explain_item */
    bool oom;        /* an item was lost for want of memory */
    bool full;       /* an item was lost past CLI_EXPLAIN_MAX */
} cli_explain_log;

#define CLI_EXPLAIN_LOG_INIT { CLI_ARRAY_INIT(cli_explain_item, CLI_EXPLAIN_MAX), false, false }

/* The library's explain callback; userdata is the cli, whose explain log
 * (when set) records what was digested. */
void cli_explain_cb(const char *what, const unsigned char *bytes, size_t len,
                    const char *digest_alg, const char *expected, const char *computed,
                    void *userdata);
/* Wipes and frees what the log holds; it is then empty. */
void cli_explain_clear(cli_explain_log *l);
/* Writes DIR/<input>.explain.txt and one DIR/<input>.N.c14n per digested
 * piece. Returns 0, or an exit code with the reason on standard error. */
int cli_explain_write(const cli *c, const char *file, const cli_explain_log *l,
                      const wssec_error *err);

/* ---- certs.c: inspect of certificates and key stores ---- */

/* true when path is a directory, or a file of certificates (PEM, or DER: a
 * certificate, PKCS#7 bundle or PKCS#12 store) rather than a message. */
bool cli_cert_input(const char *path);
/* Checks the certificates of file against the context's trust and reports
 * them (JSON or the account); *code is the wssec code (0: all validate).
 * Returns the input's exit code. */
int cli_inspect_certs(const cli *c, wssec_ctx *ctx, const char *file, FILE *json, int *code);

#endif /* WSSEC_CLI_H */
