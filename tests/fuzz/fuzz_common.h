/*
 * Structure-aware fuzz targets: the shared harness.
 *
 * A target names pre-built messages ("bases": made once, with the test PKI
 * in samples/pki, through wssec_secure — the library's own outbound path)
 * and the elements under test ("focus": e.g. ds:Signature and soap:Body).
 * The fuzz input picks a base and then drives mutations of the focus
 * subtrees, so that mutated messages still get past parsing and the SOAP
 * checks and reach the consumer:
 *
 *   input    = base-selector(1) command*
 *   command  = op(1) index(1) length(2, big-endian) payload(length)
 *
 * index picks a node (element, attribute, text, comment) of the focus
 * subtrees in document order, op what happens to it (fz_op). The mutated
 * document is serialized and handed to wssec_msg_parse, wssec_verify and
 * wssec_inspect; the invariants below (and the target's own check) abort()
 * when they fail, so libFuzzer and the CTest replay report them as crashes.
 *
 * Every target builds as a libFuzzer program (WSSEC_LIBFUZZER) and as a
 * corpus replay program for CTest (see fuzz_common.c, main()).
 */
#ifndef WSSEC_FUZZ_COMMON_H
#define WSSEC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <wssec/wssec.h>

#ifndef WSSEC_SOURCE_DIR
#error "WSSEC_SOURCE_DIR must name the project root (for the test PKI)"
#endif
#define FZ_PKI WSSEC_SOURCE_DIR "/samples/pki/"
#define FZ_NOW "2025-06-01T12:00:00Z"
/* In the Body of every base message; must never leave a rejected message. */
#define FZ_MARKER "PLAINTEXT-SECRET-7f3a"

/* What an accepted mutated message must still satisfy (fz_base.flags). */
#define FZ_SIGNED_BODY 0x01u  /* Body covered by a verified signature */
#define FZ_SAME_BODY 0x02u    /* Body canonically identical to the base's, after decryption */
#define FZ_SAME_CALLER 0x04u  /* same caller (and asserting upstream) as the base */
#define FZ_FRESH_CTX 0x08u    /* receiver context per input (replay cache state) */
#define FZ_KNOWN_USER 0x10u   /* caller is a user of the password table */

typedef struct fz_base {
    const char *name;
    int soap;                         /* 11 or 12 */
    const char *const *sender;        /* option pairs, NULL-terminated */
    const char *const *actions;       /* secure actions, NULL-terminated */
    const char *user;                 /* secure: UsernameToken user */
    const char *assert_user;          /* secure: asserted user */
    const char *const *receiver;      /* option pairs, NULL-terminated */
    unsigned flags;
} fz_base;

typedef struct fz_run {
    const fz_base *base;
    size_t base_index;
    wssec_msg *msg;
    wssec_result *res;
    int rc;
    const unsigned char *input; /* the serialized mutated message */
    size_t input_len;
} fz_run;

typedef struct fz_target {
    const char *name;
    const fz_base *bases;
    size_t nbases;
    const char *const (*focus)[2]; /* {ns, local}; ns NULL = any SOAP envelope namespace */
    size_t nfocus;
    /* extra invariant on a verified message (rc == 0), or NULL */
    void (*check)(const fz_run *run);
    /* a target that is not about messages (configuration) takes its input here */
    int (*one)(const uint8_t *data, size_t size);
    /* turns a file of the corpora into seed inputs, or NULL for the generic one */
    void (*seed)(const char *path, const unsigned char *bytes, size_t len,
                 void (*emit)(const unsigned char *, size_t, void *), void *ud);
} fz_target;

extern const fz_target fz_target_def;

/* Aborts with a message: an invariant failed. */
void fz_fail(const char *what, const char *detail) __attribute__((noreturn));

/* The test password table (alice, bob), and the callback that serves it. */
const char *fz_password(const char *user);
int fz_password_cb(char *buf, size_t size, size_t *len, const char *user,
                   wssec_password_usage usage, void *userdata);

/* A context from option pairs (NULL-terminated), or abort(). */
wssec_ctx *fz_ctx(const char *const *pairs);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- corpus replay (fuzz_corpus.c; replay programs only) ---- */

/* The most of a file an input is made of. */
#define FZ_MAX_INPUT (8u << 20)
/* The first FZ_MAX_INPUT bytes of a file (free()), their number in *len;
 * NULL when it cannot be opened or read. */
unsigned char *fz_read_file(const char *path, size_t *len);
/* Calls file on path, or on every file below it when it is a directory
 * (names starting with '.' skipped), until one returns non-zero; -1 (with
 * "prog: path: not found") when path does not exist. */
int fz_walk(const char *prog, const char *path, int (*file)(const char *path, void *ud), void *ud);
/* A replay program's main: every file under the paths named (argv[1..])
 * through one (the target's LLVMFuzzerTestOneInput), then
 * "PROG: N inputs, WHAT"; 1 when a path is missing or no file was found. */
int fz_replay_main(const char *prog, const char *what, int argc, char **argv,
                   int (*one)(const uint8_t *data, size_t size));

#endif
