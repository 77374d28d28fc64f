/*
 * wssec — private declarations shared by the library's parts.
 */
#ifndef WSSEC_INTERNAL_H
#define WSSEC_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include "wssec/wssec.h"

/* ---- safety macros (s2n-tls style); every one records file:line ---- */

/* Propagate a negative status unchanged. */
#define WSSEC_GUARD(expr)                 \
    do {                                  \
        int wssec__rc = (expr);           \
        if (wssec__rc < 0) return wssec__rc; \
    } while (0)

#define WSSEC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- one error record, owning its strings ---- */

typedef struct wssec_errrec {
    wssec_error pub;
    char message[512];
    char fault[64];
    char fault_ns[128];
    char subject[256];
} wssec_errrec;

void wssec__err_clear(wssec_errrec *e);
/* Records an error; returns code. fault NULL: the code's default. */
int wssec__err_set(wssec_errrec *e, int code, const char *fault, const char *subject,
                   const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
int wssec__err_setv(wssec_errrec *e, int code, const char *fault, const char *subject,
                    const char *file, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));
void wssec__err_copy(wssec_errrec *dst, const wssec_errrec *src);
/* The namespace a "prefix:local" fault lives in (wsse, soap ...). */
const char *wssec__fault_ns(const char *fault);

#define WSSEC_ERR(e, code, ...) wssec__err_set((e), (code), NULL, NULL, __FILE__, __LINE__, __VA_ARGS__)

/* ---- bounded buffer: every growable buffer has a max ---- */

typedef struct wssec_buf {
    unsigned char *data;
    size_t len, cap, max;
} wssec_buf;

int wssec__buf_append(wssec_buf *b, const void *p, size_t n); /* ELIMIT past max */
void wssec__buf_free(wssec_buf *b);                          /* wipes, then frees */

/* ---- small utilities ---- */

/* Wipes secrets; not optimised away. */
void wssec__memzero(void *p, size_t n);
/* Constant-time equality of two byte strings of possibly different lengths
 * (compares SHA-256 digests, so the time does not depend on where they differ). */
int wssec__ct_equal(const void *a, size_t alen, const void *b, size_t blen);
char *wssec__strdup(const char *s);
/* Parses a non-negative decimal with an optional K/M/G suffix (binary). */
int wssec__parse_size(const char *s, size_t *out);
/* Parses a non-negative decimal number of seconds. */
int wssec__parse_seconds(const char *s, int64_t *out_ms);
/* The XML whitespace-trimmed content of an element; caller frees with xmlFree. */
char *wssec__node_text(xmlNodePtr node);
/* An XPath-like path of a node for messages, e.g. /Envelope/Header/Security/Timestamp[1]. */
void wssec__node_path(xmlNodePtr node, char *buf, size_t size);
/* 1 if node is an element with this namespace and local name. */
int wssec__is(xmlNodePtr node, const char *ns, const char *local);
/* The first element child, next element sibling. */
xmlNodePtr wssec__first_elem(xmlNodePtr node);
xmlNodePtr wssec__next_elem(xmlNodePtr node);
/* Base64 decode of text (whitespace allowed) into a fresh buffer of at most max bytes. */
int wssec__b64_decode(const char *text, size_t max, unsigned char **out, size_t *outlen);
/* Base64 encode without line breaks; caller frees with xmlFree. */
char *wssec__b64_encode(const unsigned char *p, size_t n);

/* ---- settings: the typed form of the options; the context holds a copy ---- */

typedef struct wssec_strlist {
    char **v;
    size_t n;
} wssec_strlist;

int wssec__strlist_add(wssec_strlist *l, const char *s);
void wssec__strlist_clear(wssec_strlist *l);
int wssec__strlist_copy(wssec_strlist *dst, const wssec_strlist *src);

enum wssec_pwtype { WSSEC_PWTYPE_DIGEST = 0, WSSEC_PWTYPE_TEXT = 1, WSSEC_PWTYPE_ANY = 2 };

/* Requirements of the inbound policy. */
enum {
    WSSEC_REQ_TIMESTAMP = 1u << 0,
    WSSEC_REQ_USERNAME = 1u << 1
};

typedef struct wssec_settings {
    size_t max_message_size;
    size_t max_depth;
    size_t max_nodes;
    size_t max_token_size;
    int64_t clock_skew_ms;
    int64_t max_age_ms;
    int64_t timestamp_ttl_ms;
    bool timestamp_millis;
    char *actor;
    int password_type;
    unsigned require;
    char *username;
    wssec_strlist actions;
    bool have_now;
    wssec_time now;
    size_t replay_cache_size;
    char *replay_cache;
} wssec_settings;

void wssec__settings_init(wssec_settings *s);
int wssec__settings_copy(wssec_settings *dst, const wssec_settings *src);
void wssec__settings_free(wssec_settings *s);

/* ---- configuration and context ---- */

typedef struct wssec_modlist {
    const wssec_module **v;
    size_t n;
} wssec_modlist;

struct wssec_config {
    wssec_settings s;
    wssec_modlist modules;
    wssec_password_cb password_cb;
    void *password_ud;
    wssec_clock_cb clock_cb;
    void *clock_ud;
    wssec_replay_cache *replay;
    bool require_set; /* "require" was given: it replaces the default */
    wssec_errrec err;
};

struct wssec_ctx {
    wssec_settings s;
    wssec_modlist modules;
    wssec_password_cb password_cb;
    void *password_ud;
    wssec_clock_cb clock_cb;
    void *clock_ud;
    wssec_replay_cache *replay;
};

/* Module lookup: by element (and ValueType), or by action name. */
const wssec_module *wssec__module_for_elem(const wssec_ctx *ctx, xmlNodePtr elem);
const wssec_module *wssec__module_by_name(const wssec_ctx *ctx, const char *name);

/* Process-wide one-time initialisation of libxml2, xmlsec and OpenSSL. */
int wssec__global_init(void);

/* ---- tokens, results, messages ---- */

struct wssec_token {
    char *type;
    xmlNodePtr node;
    char *identity;
    int status;
    char *error;
    char **names;
    char **values;
    size_t nprops;
};

struct wssec_result {
    wssec_errrec err;
    wssec_token **tokens;
    size_t ntokens;
    const wssec_token *caller;
};

struct wssec_msg {
    const wssec_ctx *ctx;
    xmlDocPtr doc;
    int soap;
    const char *soap_ns;
    xmlNodePtr envelope, header, body, security;
    bool had_xmldecl;
    wssec_errrec err;
    wssec_result *res; /* being built by verify/inspect */
    wssec_time now;
    bool inspecting;
    bool failed;          /* an error was recorded for the current step */
    const char *username; /* outbound: the user of a UsernameToken */
};

int wssec__result_new(wssec_result **out);

/* ---- parsing and the SOAP model (xml.c, soap.c) ---- */

/* Parses data into a document with the safe settings and limits. */
int wssec__xml_parse(wssec_errrec *err, const wssec_settings *s, const char *data, size_t len,
                     xmlDocPtr *out);
/* Registers the IDs of the document; a duplicate value fails. */
int wssec__xml_register_ids(wssec_errrec *err, xmlDocPtr doc);
/* Checks the envelope and fills msg->soap, header, body, security. */
int wssec__soap_bind(wssec_msg *msg);
/* 1 if a header block is targeted at this node given the configured actor. */
int wssec__soap_targets_us(const wssec_msg *msg, xmlNodePtr block);

/* Gives an element a fresh, registered wsu:Id; returns it (borrowed) or NULL. */
const char *wssec__new_id(wssec_msg *msg, xmlNodePtr elem, const char *prefix);

/* Appends an element {ns}local (with text, if not NULL) to parent, declaring
 * the namespace with prefix on it when it is not in scope. NULL on ENOMEM. */
xmlNodePtr wssec__add_elem(wssec_msg *msg, xmlNodePtr parent, const char *ns, const char *prefix,
                           const char *local, const char *text);

/* Built-in modules. */
extern const wssec_module wssec__module_timestamp;
extern const wssec_module wssec__module_username;

#endif /* WSSEC_INTERNAL_H */
