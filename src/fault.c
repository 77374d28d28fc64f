/*
 * wssec — SOAP faults: the envelope a gateway sends back for an error, with
 * the WS-Security fault QName and a short generic reason (the precise
 * diagnostic stays in the local report: DESIGN.md, "Errors").
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "fault.h"
#include "util.h"

const char *wssec__fault_reason(const char *fault)
{
    static const struct {
        const char *fault, *reason;
    } reasons[] = {
        { "wsse:UnsupportedSecurityToken", "An unsupported token was provided" },
        { "wsse:UnsupportedAlgorithm", "An unsupported signature or encryption algorithm was used" },
        { "wsse:InvalidSecurity", "An error was discovered processing the <wsse:Security> header" },
        { "wsse:InvalidSecurityToken", "An invalid security token was provided" },
        { "wsse:FailedAuthentication", "The security token could not be authenticated or authorized" },
        { "wsse:FailedCheck", "The signature or decryption was invalid" },
        { "wsse:SecurityTokenUnavailable", "Referenced security token could not be retrieved" },
        { "wsse:MessageExpired", "The message has expired" },
        { "soap:Client", "The message is not acceptable" },
        { "soap:MustUnderstand", "A mandatory header block was not understood" },
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(reasons); i++)
        if (strcmp(reasons[i].fault, fault) == 0) return reasons[i].reason;
    return "The message could not be processed";
}

/* SOAP 1.1: faultcode (wsse:X or soap:X) and faultstring, both unqualified. */
static int fault11(xmlDocPtr doc, xmlNodePtr f, int wsse, const char *local, const char *reason)
{
    char qname[96];
    if (wsse) snprintf(qname, sizeof(qname), "wsse:%s", local);
    else snprintf(qname, sizeof(qname), "soap:%s", local);
    /* faultcode and faultstring are unqualified in SOAP 1.1; xmlNewChild
     * with a NULL namespace would put them in the parent's. */
    xmlNodePtr code = xmlNewDocNode(doc, NULL, BAD_CAST "faultcode", NULL);
    xmlNodePtr str = xmlNewDocNode(doc, NULL, BAD_CAST "faultstring", NULL);
    if (!code || !str) {
        xmlFreeNode(code);
        xmlFreeNode(str);
        return WSSEC_ENOMEM;
    }
    xmlAddChild(f, code);
    xmlAddChild(f, str);
    xmlNodeAddContent(code, BAD_CAST qname);
    xmlNodeAddContent(str, BAD_CAST reason);
    if (wsse) xmlNewNs(code, BAD_CAST WSSEC_NS_WSSE, BAD_CAST "wsse");
    return 0;
}

/* SOAP 1.2: Code/Value (Sender, Receiver, MustUnderstand), the wsse:X as a
 * Subcode, and Reason/Text in English. */
static int fault12(xmlDocPtr doc, xmlNodePtr f, xmlNsPtr sns, int wsse, const char *local,
                   const char *reason)
{
    char qname[96];
    const char *top = wsse || !strcmp(local, "Client")     ? "Sender"
                      : !strcmp(local, "MustUnderstand") ? "MustUnderstand"
                                                         : "Receiver";
    snprintf(qname, sizeof(qname), "env:%s", top);
    xmlNodePtr code = xmlNewChild(f, sns, BAD_CAST "Code", NULL);
    if (!code || !xmlNewChild(code, sns, BAD_CAST "Value", BAD_CAST qname)) return WSSEC_ENOMEM;
    if (wsse) {
        xmlNodePtr sub = xmlNewChild(code, sns, BAD_CAST "Subcode", NULL);
        snprintf(qname, sizeof(qname), "wsse:%s", local);
        xmlNodePtr v = sub ? xmlNewChild(sub, sns, BAD_CAST "Value", BAD_CAST qname) : NULL;
        if (!v) return WSSEC_ENOMEM;
        xmlNewNs(v, BAD_CAST WSSEC_NS_WSSE, BAD_CAST "wsse");
    }
    xmlNodePtr r = xmlNewChild(f, sns, BAD_CAST "Reason", NULL);
    xmlNodePtr t = r ? xmlNewTextChild(r, sns, BAD_CAST "Text", BAD_CAST reason) : NULL;
    if (!t) return WSSEC_ENOMEM;
    xmlNsPtr xmlns = xmlSearchNs(doc, t, BAD_CAST "xml");
    xmlSetNsProp(t, xmlns, BAD_CAST "lang", BAD_CAST "en");
    return 0;
}

/* The document as UTF-8 bytes of our own allocation, NUL-terminated. */
static int dump(unsigned char **out, size_t *len, xmlDocPtr doc)
{
    xmlChar *mem = NULL;
    int n = 0, rc = WSSEC_ENOMEM;
    xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
    if (mem) {
        unsigned char *p = wssec__malloc((size_t)n + 1);
        if (p) {
            memcpy(p, mem, (size_t)n);
            p[n] = '\0';
            *out = p;
            *len = (size_t)n;
            rc = 0;
        }
        xmlFree(mem);
    }
    return rc;
}

int wssec_fault_serialize(unsigned char **out, size_t *len, const wssec_error *err,
                          int soap_version)
{
    WSSEC_ARG(out && len);
    *out = NULL;
    *len = 0;
    WSSEC_ARG(err);
    if (!err->code || (soap_version != WSSEC_SOAP11 && soap_version != WSSEC_SOAP12))
        return WSSEC_EINVALID;
    const char *fault = err->fault && *err->fault ? err->fault : "soap:Server";
    int wsse = strncmp(fault, "wsse:", 5) == 0;
    const char *local = strchr(fault, ':') + 1;
    const char *reason = wssec__fault_reason(fault);
    int rc = WSSEC_ENOMEM;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    if (!doc) return rc;
    const char *ns = soap_version == WSSEC_SOAP11 ? WSSEC_NS_SOAP11 : WSSEC_NS_SOAP12;
    xmlNodePtr env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
    if (!env) goto done;
    xmlDocSetRootElement(doc, env);
    xmlNsPtr sns = xmlNewNs(env, BAD_CAST ns, BAD_CAST(soap_version == WSSEC_SOAP11 ? "soap" : "env"));
    xmlSetNs(env, sns);
    xmlNodePtr body = xmlNewChild(env, sns, BAD_CAST "Body", NULL);
    xmlNodePtr f = body ? xmlNewChild(body, sns, BAD_CAST "Fault", NULL) : NULL;
    if (!f) goto done;
    rc = soap_version == WSSEC_SOAP11 ? fault11(doc, f, wsse, local, reason)
                                      : fault12(doc, f, sns, wsse, local, reason);
    if (!rc) rc = dump(out, len, doc);
done:
    xmlFreeDoc(doc);
    return rc;
}
