/*
 * wssec — the configuration file: read with a limit, parsed safely,
 * validated against the built-in schema, then applied option by option.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "config_file.h"
#include "config.h"
#include "error.h"
#include "global.h"
#include "options.h"
#include "settings.h"
#include "trust_pin.h"
#include "util.h"
#include "xml.h"

typedef struct schema_errors {
    char first[400];
} schema_errors;

static void schema_error(void *ud, xmlErrorPtr e)
{
    schema_errors *se = ud;
    if (se->first[0] || !e || !e->message) return;
    snprintf(se->first, sizeof(se->first), "line %d: %s", e->line, e->message);
    size_t n = strlen(se->first);
    while (n && (se->first[n - 1] == '\n' || se->first[n - 1] == ' ')) se->first[--n] = '\0';
}

static int validate(wssec_config *cfg, xmlDocPtr doc, const char *path)
{
    int rc = 0;
    schema_errors se = { { 0 } };
    xmlSchemaParserCtxtPtr pctx =
        xmlSchemaNewMemParserCtxt((const char *)wssec__config_xsd, (int)wssec__config_xsd_len);
    xmlSchemaPtr schema = pctx ? xmlSchemaParse(pctx) : NULL;
    xmlSchemaValidCtxtPtr vctx = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
    if (!vctx) {
        rc = WSSEC_ERR(&cfg->err, WSSEC_EINTERNAL, "configuration schema cannot be loaded");
        goto done;
    }
    xmlSchemaSetValidStructuredErrors(vctx, schema_error, &se);
    if (xmlSchemaValidateDoc(vctx, doc) != 0)
        rc = WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: not a valid wssec configuration: %s", path,
                       se.first[0] ? se.first : "schema validation failed");
done:
    xmlSchemaFreeValidCtxt(vctx);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctx);
    return rc;
}

/* The bytes of the configuration file, at most 1 MiB. Returns 0 (b holds
 * them), or an error recorded in cfg. */
static int read_file(wssec_config *cfg, const char *path, wssec_buf *b)
{
    char why[300];
    int rc = wssec__read_file(path, b, why, sizeof(why));
    if (rc == WSSEC_EIO || rc == WSSEC_ELIMIT)
        return WSSEC_ERR(&cfg->err, rc == WSSEC_EIO ? WSSEC_EIO : WSSEC_ECONFIG, "%s: %s", path,
                         why);
    return rc;
}

/* An element's text; a relative path in an option whose value is a FILE is
 * made to name a file beside the configuration file. Returns 0 (*value,
 * freed with xmlFree) or WSSEC_ENOMEM. */
static int element_value(char **value, const char *path, xmlNodePtr e)
{
    *value = wssec_xml_text(e);
    if (!*value) return WSSEC_ENOMEM;
    const wssec_opt *fo = wssec__opt_find((const char *)e->name);
    const char *slash = strrchr(path, '/');
    /* a pin is a file unless it is a digest */
    bool file = fo && (!strncmp(fo->arg, "FILE", 4) ||
                       (!strcmp(fo->name, "pin") && !wssec__pin_is_digest(*value)));
    if (file && slash && (*value)[0] && (*value)[0] != '/') {
        /* a relative path names a file beside the configuration file */
        size_t dl = (size_t)(slash - path) + 1, vl = strlen(*value);
        char *abs = xmlMalloc(dl + vl + 1);
        if (!abs) {
            xmlFree(*value);
            *value = NULL;
            return WSSEC_ENOMEM;
        }
        memcpy(abs, path, dl);
        memcpy(abs + dl, *value, vl + 1);
        xmlFree(*value);
        *value = abs;
    }
    return 0;
}

/* One element of the file: offered to the caller's callback first, then
 * set as a library option; an error names the file and the line. */
static int apply_element(wssec_config *cfg, const char *path, xmlNodePtr e,
                         wssec_config_option_cb cb, void *userdata)
{
    char *value = NULL;
    int rc = element_value(&value, path, e);
    if (rc) return rc;
    const char *name = (const char *)e->name;
    rc = cb ? cb(name, value, userdata) : 0;
    if (rc < 0) {
        if (!cfg->err.pub.code)
            WSSEC_ERR(&cfg->err, rc, "%s: line %ld: bad value for %s", path, xmlGetLineNo(e),
                      name);
    } else if (rc == 0 && wssec__opt_find(name)) {
        rc = wssec_config_set(cfg, name, value);
        if (rc) {
            char msg[sizeof(cfg->err.message)];
            snprintf(msg, sizeof(msg), "%s", cfg->err.message);
            WSSEC_ERR(&cfg->err, rc, "%s: line %ld: %s", path, xmlGetLineNo(e), msg);
        }
    } else if (rc == 0) {
        rc = WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: line %ld: unknown option '%s'", path,
                       xmlGetLineNo(e), name);
    } else {
        rc = 0;
    }
    xmlFree(value);
    return rc;
}

int wssec_config_load(wssec_config *cfg, const char *path, wssec_config_option_cb cb,
                      void *userdata)
{
    WSSEC_ARG(cfg);
    if (!path) return WSSEC_ERR(&cfg->err, WSSEC_EINVALID, "wssec_config_load: no file");
    wssec__err_clear(&cfg->err);
    WSSEC_GUARD(wssec__global_init());
    wssec_buf b = { .max = 1024 * 1024 };
    int rc = read_file(cfg, path, &b);
    if (rc) return rc;
    wssec_settings limits;
    wssec__settings_init(&limits);
    xmlDocPtr doc = NULL;
    wssec_errrec perr;
    wssec__err_clear(&perr);
    rc = wssec__xml_parse(&perr, &limits, b.len ? (const char *)b.data : "", b.len, &doc);
    wssec__buf_free(&b);
    if (rc) return WSSEC_ERR(&cfg->err, WSSEC_ECONFIG, "%s: %s", path, perr.message);
    if ((rc = validate(cfg, doc, path)) == 0)
        for (xmlNodePtr e = wssec_xml_first_elem(xmlDocGetRootElement(doc)); e && !rc;
             e = wssec_xml_next_elem(e))
            rc = apply_element(cfg, path, e, cb, userdata);
    xmlFreeDoc(doc);
    return rc;
}
