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
} cli_report;

/* One JSON object on one line. */
void cli_report_json(FILE *out, const cli_report *r);
/* The human account of `wssec inspect`. */
void cli_report_inspect(FILE *out, const cli_report *r, wssec_time now);

#endif /* WSSEC_CLI_H */
