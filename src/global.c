/*
 * wssec — process-wide set-up of libxml2, xmlsec and OpenSSL: no external
 * loads, quiet error channels that still notice allocation failures.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "global.h"

/* Refuses every external entity, DTD and schema load: no file, no network. */
static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = WSSEC_EINTERNAL;

/* Whether libxml2 or xmlsec reported running out of memory on this thread
 * since wssec__oom_clear(): libxml2 2.9 goes on after some failed
 * allocations (a namespace declaration that loses its prefix, a node not
 * added), so the report is the only sign; see global.h. */
static __thread int oom_seen;

void wssec__oom_clear(void)
{
    oom_seen = 0;
}

int wssec__oom_seen(void)
{
    return oom_seen;
}

static bool debug_xmlsec;

/* xmlsec reports every failure on standard error; wssec reports its own,
 * precisely, on the message (WSSEC_DEBUG_XMLSEC=1 keeps xmlsec's). */
static void quiet_xmlsec(const char *file, int line, const char *func, const char *obj,
                         const char *subj, int reason, const char *msg)
{
    if (reason == XMLSEC_ERRORS_R_MALLOC_FAILED || reason == XMLSEC_ERRORS_R_STRDUP_FAILED)
        oom_seen = 1;
    if (debug_xmlsec) xmlSecErrorsDefaultCallback(file, line, func, obj, subj, reason, msg);
}

/* libxml2 reports parse errors (a decrypted fragment that is not XML, for
 * example) on standard error; wssec reports its own on the message. */
static void quiet_xml(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    if (e && e->code == XML_ERR_NO_MEMORY) oom_seen = 1;
}

/* A few of libxml2's allocation failures are told only on its generic
 * channel ("Cannot initialize memory for list", "malloc failed": the C14N
 * of a signature then goes on without its namespace stack, for example). */
static void quiet_generic(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void quiet_generic(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (char *p = text; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (strstr(text, "memory") || strstr(text, "alloc")) oom_seen = 1;
}

void wssec__quiet_libxml(void)
{
    xmlSetStructuredErrorFunc(NULL, quiet_xml);
    xmlSetGenericErrorFunc(NULL, quiet_generic);
}

static void global_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(deny_loader);
    xmlThrDefSetStructuredErrorFunc(NULL, quiet_xml);
    xmlThrDefSetGenericErrorFunc(NULL, quiet_generic);
    wssec__quiet_libxml();
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    if (xmlSecCryptoAppInit(NULL) < 0) return;
    if (xmlSecCryptoInit() < 0) return;
    const char *dbg = getenv("WSSEC_DEBUG_XMLSEC");
    debug_xmlsec = dbg && strcmp(dbg, "1") == 0;
    xmlSecErrorsSetCallback(quiet_xmlsec);
    init_status = 0;
}

int wssec__global_init(void)
{
    pthread_once(&init_once, global_init);
    return init_status;
}
