/*
 * wssec — safe parsing and ID registration.
 *
 * The parser is libxml2's push parser with its SAX2 tree builder, wrapped so
 * that a DTD, an entity declaration or reference, or a processing
 * instruction stops the parse at once, and so that depth and node count are
 * bounded while parsing, before an oversized tree exists. External loads are
 * refused by the process-wide loader installed in context.c and by
 * XML_PARSE_NONET.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/valid.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "xml.h"
#include "context.h"
#include "error.h"
#include "record.h"
#include "settings.h"
#include "soap.h"
#include "util.h"

#define NS_DS WSSEC_NS_DS
#define NS_XENC WSSEC_NS_XENC

typedef struct guard {
    const wssec_settings *s;
    size_t depth, nodes;
    int code;        /* first refusal */
    char why[200];
    xmlSAXHandler orig;
    char first[300]; /* libxml2's first error: the cause, where the last is a consequence */
    int first_line;
} guard;

/* Keeps the first error libxml2 reports (it is called with ctxt->userData,
 * the parser context, for a push parser without user data). */
static void g_serror(void *ud, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ud;
    guard *g = ctxt ? ctxt->_private : NULL;
    if (!g || g->first[0] || !e || !e->message || e->level < XML_ERR_ERROR) return;
    snprintf(g->first, sizeof(g->first), "%s", e->message);
    size_t n = strlen(g->first);
    while (n && (g->first[n - 1] == '\n' || g->first[n - 1] == ' ')) g->first[--n] = '\0';
    g->first_line = e->line;
}

static void refuse(xmlParserCtxtPtr ctxt, int code, const char *why)
{
    guard *g = ctxt->_private;
    if (!g->code) {
        g->code = code;
        snprintf(g->why, sizeof(g->why), "%s", why);
    }
    xmlStopParser(ctxt);
}

static int count_node(xmlParserCtxtPtr ctxt, size_t n)
{
    guard *g = ctxt->_private;
    g->nodes += n;
    if (g->nodes > g->s->max_nodes) {
        char why[120];
        snprintf(why, sizeof(why), "more than %zu nodes (max-nodes)", g->s->max_nodes);
        refuse(ctxt, WSSEC_ELIMIT, why);
        return -1;
    }
    return 0;
}

static void g_start(void *c, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                    int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                    int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (++g->depth > g->s->max_depth) {
        char why[120];
        snprintf(why, sizeof(why), "elements nested deeper than %zu (max-depth)", g->s->max_depth);
        refuse(ctxt, WSSEC_ELIMIT, why);
        return;
    }
    if ((size_t)nb_attributes > g->s->max_attributes ||
        (size_t)nb_namespaces > g->s->max_namespaces) {
        char why[120];
        if ((size_t)nb_attributes > g->s->max_attributes)
            snprintf(why, sizeof(why), "an element has more than %zu attributes (max-attributes)",
                     g->s->max_attributes);
        else
            snprintf(why, sizeof(why),
                     "an element has more than %zu namespace declarations (max-namespaces)",
                     g->s->max_namespaces);
        refuse(ctxt, WSSEC_ELIMIT, why);
        return;
    }
    /* the tree builder looks each prefix up through every declaration in
     * scope (xmlSearchNs): bounded here, before it runs */
    if (ctxt->nsNr >= 0 && (size_t)ctxt->nsNr / 2 > g->s->max_namespaces_in_scope) {
        char why[120];
        snprintf(why, sizeof(why),
                 "more than %zu namespace declarations in scope (max-namespaces-in-scope)",
                 g->s->max_namespaces_in_scope);
        refuse(ctxt, WSSEC_ELIMIT, why);
        return;
    }
    if (count_node(ctxt, 1 + (size_t)nb_attributes + (size_t)nb_namespaces)) return;
    g->orig.startElementNs(c, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                           nb_defaulted, attributes);
}

static void g_end(void *c, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (g->depth) g->depth--;
    g->orig.endElementNs(c, localname, prefix, uri);
}

static void g_characters(void *c, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (count_node(ctxt, 1)) return;
    g->orig.characters(c, ch, len);
}

static void g_cdata(void *c, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (count_node(ctxt, 1)) return;
    g->orig.cdataBlock(c, ch, len);
}

static void g_comment(void *c, const xmlChar *value)
{
    xmlParserCtxtPtr ctxt = c;
    guard *g = ctxt->_private;
    if (count_node(ctxt, 1)) return;
    g->orig.comment(c, value);
}

static void g_subset(void *c, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    (void)name;
    (void)eid;
    (void)sid;
    refuse(c, WSSEC_EPARSE, "a DTD (document type declaration) is not allowed in a SOAP message");
}

static void g_entity_decl(void *c, const xmlChar *name, int type, const xmlChar *pid,
                          const xmlChar *sid, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)pid;
    (void)sid;
    (void)content;
    refuse(c, WSSEC_EPARSE, "an entity declaration is not allowed in a SOAP message");
}

static void g_reference(void *c, const xmlChar *name)
{
    (void)name;
    refuse(c, WSSEC_EPARSE, "an entity reference is not allowed in a SOAP message");
}

static xmlEntityPtr g_get_entity(void *c, const xmlChar *name)
{
    (void)name;
    refuse(c, WSSEC_EPARSE, "an entity reference is not allowed in a SOAP message");
    return NULL;
}

static void g_pi(void *c, const xmlChar *target, const xmlChar *data)
{
    (void)target;
    (void)data;
    refuse(c, WSSEC_EPARSE, "a processing instruction is not allowed in a SOAP message");
}

static int acceptable_encoding(const xmlChar *enc)
{
    if (!enc) return 1;
    static const char *const ok[] = { "UTF-8", "UTF8", "UTF-16", "UTF-16LE", "UTF-16BE" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(ok); i++)
        if (strcasecmp((const char *)enc, ok[i]) == 0) return 1;
    return 0;
}

/* ---- the start-tag pre-scan ----
 *
 * libxml2 2.9 reads a whole start tag before it calls startElementNs, and
 * the work it does there grows with the square of the attributes (its
 * duplicate-attribute and namespace checks in xmlParseStartTag2; the tree
 * builder's property list, measured at 98% of 10 s for one element with
 * 40,000 attributes). A callback comes too late, so the raw bytes are
 * scanned first, in one linear pass, and a start tag with more than
 * max-attributes attributes or max-namespaces namespace declarations is
 * refused before libxml2 sees it. The scan works on code units (UTF-8
 * bytes, or UTF-16 units) in the encoding libxml2 will use, which is why
 * encodings are settled here too: anything but UTF-8 and UTF-16 (UCS-4,
 * EBCDIC, an encoding declaration that would switch the decoder) is
 * refused before parsing. Every attribute has one '=' outside quotes, so
 * counting '=' never counts fewer attributes than libxml2 parses; text,
 * comments, CDATA sections, PIs and declarations are skipped as libxml2
 * ends them (at the first "-->", "]]>", "?>", '>'). The guard's
 * startElementNs checks the same limits again with libxml2's own counts. */

enum { ENC_8BIT, ENC_UTF16LE, ENC_UTF16BE };

typedef struct scan_src {
    const unsigned char *p;
    size_t len, pos; /* pos: next unit's first byte */
    int enc;
} scan_src;

/* The next code unit, or -1 at the end (an odd trailing byte is ignored:
 * libxml2 refuses it). */
static inline long scan_next(scan_src *s)
{
    if (s->enc == ENC_8BIT) return s->pos < s->len ? s->p[s->pos++] : -1;
    if (s->pos >= s->len || s->len - s->pos < 2) return -1;
    const unsigned char *u = s->p + s->pos;
    s->pos += 2;
    return s->enc == ENC_UTF16LE ? (long)(u[0] | u[1] << 8) : (long)(u[0] << 8 | u[1]);
}

/* Skips to the next unit ch and consumes it; 0 at the end (fast in 8-bit:
 * text and attribute values are most of a message's bytes). */
static inline __attribute__((always_inline)) int scan_skip_past(scan_src *s, long ch)
{
    if (s->enc == ENC_8BIT) {
        const unsigned char *hit = memchr(s->p + s->pos, (int)ch, s->len - s->pos);
        s->pos = hit ? (size_t)(hit - s->p) + 1 : s->len;
        return hit != NULL;
    }
    long c;
    while ((c = scan_next(s)) >= 0)
        if (c == ch) return 1;
    return 0;
}

static int scan_ws(long c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Settles the encoding as libxml2's xmlDetectCharEncoding and its handling
 * of the encoding declaration would; positions s after a byte order mark. */
static int scan_encoding(wssec_errrec *err, scan_src *s)
{
    const unsigned char *p = s->p;
    size_t n = s->len;
    s->enc = ENC_8BIT;
    static const unsigned char other[5][4] = { { 0, 0, 0, '<' }, { '<', 0, 0, 0 },
                                               { 0, 0, '<', 0 }, { 0, '<', 0, 0 },
                                               { 0x4C, 0x6F, 0xA7, 0x94 } };
    for (size_t i = 0; n >= 4 && i < WSSEC_ARRAY_LEN(other); i++)
        if (memcmp(p, other[i], 4) == 0)
            return WSSEC_ERR(err, WSSEC_EPARSE,
                             "encoding UCS-4 or EBCDIC is not accepted (UTF-8 or UTF-16 only)");
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        s->pos = 3;
    } else if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        s->enc = ENC_UTF16LE;
        s->pos = 2;
    } else if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        s->enc = ENC_UTF16BE;
        s->pos = 2;
    } else if (n >= 4 && p[0] == '<' && !p[1] && p[2] == '?' && !p[3]) {
        s->enc = ENC_UTF16LE;
    } else if (n >= 4 && !p[0] && p[1] == '<' && !p[2] && p[3] == '?') {
        s->enc = ENC_UTF16BE;
    }
    /* the XML declaration: "<?xml" and a space, at the very start */
    scan_src d = *s;
    static const char xmldecl[] = "<?xml";
    for (size_t i = 0; i < 5; i++)
        if (scan_next(&d) != xmldecl[i]) return 0;
    if (!scan_ws(scan_next(&d))) return 0;
    /* up to "?>": find "encoding" (nothing else in a declaration that
     * libxml2 accepts can hold that word) */
    static const char word[] = "encoding";
    size_t matched = 0;
    long c, prev = 0;
    while ((c = scan_next(&d)) >= 0 && !(prev == '?' && c == '>')) {
        prev = c;
        matched = c == word[matched] ? matched + 1 : c == 'e' ? 1 : 0;
        if (matched == sizeof(word) - 1) break;
    }
    if (matched != sizeof(word) - 1) return 0;
    while (scan_ws(c = scan_next(&d))) {}
    if (c == '=')
        while (scan_ws(c = scan_next(&d))) {}
    char enc[40];
    size_t len = 0;
    long q = c;
    if (q == '"' || q == '\'')
        while ((c = scan_next(&d)) >= 0 && c != q && len < sizeof(enc) - 1)
            enc[len++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    enc[len] = '\0';
    if (c != q || !len)
        return WSSEC_ERR(err, WSSEC_EPARSE, "not well-formed XML: the encoding declaration");
    /* "UTF-8" and "UTF-16" never switch libxml2's decoder; any other name
     * it looks up and switches to, so only the one the bytes already are
     * (UTF-16LE or UTF-16BE after a byte order mark) is accepted */
    static const char *const never_switch[] = { "UTF-8", "UTF8", "UTF-16", "UTF16" };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(never_switch); i++)
        if (strcasecmp(enc, never_switch[i]) == 0) return 0;
    if ((s->enc == ENC_UTF16LE && strcasecmp(enc, "UTF-16LE") == 0) ||
        (s->enc == ENC_UTF16BE && strcasecmp(enc, "UTF-16BE") == 0))
        return 0;
    return WSSEC_ERR(err, WSSEC_EPARSE, "encoding '%s' is not accepted (UTF-8 or UTF-16 only%s)",
                     enc, s->enc == ENC_8BIT ? "" : ", as the bytes are");
}

/* The bytes that end a name in a start tag. */
static const unsigned char name_end[256] = {
    [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, ['='] = 1, ['/'] = 1,
    ['<'] = 1, ['>'] = 1, ['\''] = 1, ['"'] = 1,
};

enum { S_TEXT, S_LT, S_BANG, S_BANG_DASH, S_COMMENT, S_CDATA, S_PI, S_DECL, S_ENDTAG, S_TAG };

int wssec__xml_prescan(wssec_errrec *err, const wssec_settings *s, const char *data, size_t len)
{
    return wssec__xml_prescan_limits(err, s->max_attributes, s->max_namespaces, data, len);
}

/* The state of the pre-scan: where it is in the markup, and, inside a
 * start tag, the counts and the name being read. */
typedef struct prescan {
    scan_src src;
    int st;        /* S_* */
    long quote;    /* the quote of the value or literal being skipped, or 0 */
    size_t run;    /* consecutive '-', ']' or '?'; DOCTYPE bracket depth */
    size_t attrs, nss, name_len;
    bool name_done, after_eq, plain_ns;
    char name[6];  /* the first bytes of the current name ("xmlns:") */
    size_t max_attributes, max_namespaces;
    wssec_errrec *err;
} prescan;

/* After '<': an end tag, markup (<!...), a processing instruction, or a
 * start tag, whose counts start again. */
static void prescan_lt(prescan *ps, long c)
{
    if (c == '/') {
        ps->st = S_ENDTAG;
    } else if (c == '!') {
        ps->st = S_BANG;
    } else if (c == '?') {
        ps->st = S_PI;
        ps->run = 0;
    } else {
        ps->st = S_TAG;
        ps->attrs = ps->nss = 0;
        ps->quote = 0;
        ps->after_eq = ps->name_done = false;
        ps->name_len = 1; /* the element's name */
        ps->name[0] = '\0';
    }
}

/* Inside an end tag, a comment, CDATA, a processing instruction or a
 * declaration: only where it ends matters. */
static void prescan_markup(prescan *ps, long c)
{
    switch (ps->st) {
    case S_ENDTAG:
        if (c == '>') ps->st = S_TEXT;
        break;
    case S_BANG:
        ps->st = c == '-' ? S_BANG_DASH : c == '[' ? S_CDATA : S_DECL;
        ps->run = 0;
        ps->quote = 0;
        break;
    case S_BANG_DASH:
        ps->st = c == '-' ? S_COMMENT : S_DECL;
        ps->run = 0;
        break;
    case S_COMMENT: /* ends at the first "-->" after "<!--" */
        if (c == '>' && ps->run >= 2) ps->st = S_TEXT;
        ps->run = c == '-' ? ps->run + 1 : 0;
        break;
    case S_CDATA: /* ends at the first "]]>" */
        if (c == '>' && ps->run >= 2) ps->st = S_TEXT;
        ps->run = c == ']' ? ps->run + 1 : 0;
        break;
    case S_PI: /* ends at the first "?>" */
        if (c == '>' && ps->run) ps->st = S_TEXT;
        ps->run = c == '?';
        break;
    case S_DECL: /* <!DOCTYPE ... [ ... ]>: refused by the guard anyway */
        if (ps->quote) {
            if (c == ps->quote) ps->quote = 0;
        } else if (c == '"' || c == '\'') {
            ps->quote = c;
        } else if (c == '[') {
            ps->run++;
        } else if (c == ']' && ps->run) {
            ps->run--;
        } else if (c == '>' && !ps->run) {
            ps->st = S_TEXT;
        }
        break;
    }
}

/* '=' after a name in a start tag: one more attribute or namespace
 * declaration. Returns 0, or WSSEC_ELIMIT past either bound. */
static int prescan_eq(prescan *ps)
{
    /* libxml2 takes a name for a namespace declaration only if
     * it is "xmlns" or starts with "xmlns:", so counting those
     * bounds its declarations; some of them (xmlns:, xmlns:1,
     * xmlns:a:b) it takes for attributes, so only "xmlns" and
     * "xmlns:" with a plain ASCII name are left out of the
     * attribute count */
    size_t name_len = ps->name_len;
    bool xmlns = (name_len == 5 && memcmp(ps->name, "xmlns", 5) == 0) ||
                 (name_len > 5 && memcmp(ps->name, "xmlns:", 6) == 0);
    bool sure_ns = name_len == 5 ? xmlns : xmlns && name_len > 6 && ps->plain_ns;
    if (xmlns && ++ps->nss > ps->max_namespaces)
        return WSSEC_ERR(ps->err, WSSEC_ELIMIT,
                         "an element has more than %zu namespace declarations "
                         "(max-namespaces)",
                         ps->max_namespaces);
    if (!sure_ns && ++ps->attrs > ps->max_attributes)
        return WSSEC_ERR(ps->err, WSSEC_ELIMIT,
                         "an element has more than %zu attributes (max-attributes)",
                         ps->max_attributes);
    ps->after_eq = true;
    ps->name_len = 0;
    ps->name_done = false;
    return 0;
}

/* One byte of a name in a start tag. */
static void prescan_name_char(prescan *ps, long c)
{
    scan_src *src = &ps->src;
    if (ps->name_done) ps->name_len = 0;
    ps->name_done = false;
    if (ps->name_len < sizeof(ps->name)) ps->name[ps->name_len] = (char)c;
    if (ps->name_len >= sizeof(ps->name) && src->enc == ENC_8BIT &&
        memcmp(ps->name, "xmlns:", 6) != 0) {
        /* the rest of a long name that is no namespace
         * declaration: only its length matters */
        while (src->pos < src->len && !name_end[src->p[src->pos]]) src->pos++, ps->name_len++;
    }
    /* after "xmlns:": [A-Za-z_][A-Za-z0-9._-]* */
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (ps->name_len == 6)
        ps->plain_ns = alpha;
    else if (ps->name_len > 6)
        ps->plain_ns = ps->plain_ns && (alpha || (c >= '0' && c <= '9') || c == '.' || c == '-');
    ps->name_len++;
}

/* One byte of a start tag (quoted values were skipped before). Returns 0
 * or WSSEC_ELIMIT. */
static int prescan_tag(prescan *ps, long c)
{
    if (c == '>') {
        ps->st = S_TEXT;
        return 0;
    }
    if (ps->after_eq) {
        if (scan_ws(c)) return 0;
        ps->after_eq = false;
        if (c == '"' || c == '\'') {
            ps->quote = c;
            return 0;
        }
    }
    if (scan_ws(c)) {
        ps->name_done = ps->name_len > 0;
    } else if (c == '=') {
        return prescan_eq(ps);
    } else if (c == '/' || c == '<') {
        ps->name_len = 0; /* libxml2 refuses '<' here */
        ps->name_done = false;
    } else {
        prescan_name_char(ps, c);
    }
    return 0;
}

int wssec__xml_prescan_limits(wssec_errrec *err, size_t max_attributes, size_t max_namespaces,
                              const char *data, size_t len)
{
    prescan ps = { .src = { .p = (const unsigned char *)data, .len = len },
                   .st = S_TEXT,
                   .max_attributes = max_attributes,
                   .max_namespaces = max_namespaces,
                   .err = err };
    WSSEC_GUARD(scan_encoding(err, &ps.src));
    long c;
    for (;;) {
        if (ps.st == S_TEXT) {
            if (!scan_skip_past(&ps.src, '<')) break;
            ps.st = S_LT;
        } else if (ps.st == S_TAG && ps.quote) {
            if (!scan_skip_past(&ps.src, ps.quote)) break;
            ps.quote = 0;
        }
        if ((c = scan_next(&ps.src)) < 0) break;
        if (ps.st == S_LT) prescan_lt(&ps, c);
        else if (ps.st == S_TAG) WSSEC_GUARD(prescan_tag(&ps, c));
        else prescan_markup(&ps, c);
    }
    return 0;
}

/* A push parser whose SAX events go through the guard g first, with safe
 * options. Returns NULL without memory. */
static xmlParserCtxtPtr guarded_parser(guard *g)
{
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, NULL);
    if (!ctxt) return NULL;
    g->orig = *ctxt->sax;
    ctxt->_private = g;
    ctxt->sax->startElementNs = g_start;
    ctxt->sax->endElementNs = g_end;
    ctxt->sax->characters = g_characters;
    ctxt->sax->ignorableWhitespace = g_characters;
    ctxt->sax->cdataBlock = g_cdata;
    ctxt->sax->comment = g_comment;
    ctxt->sax->internalSubset = g_subset;
    ctxt->sax->externalSubset = g_subset;
    ctxt->sax->entityDecl = g_entity_decl;
    ctxt->sax->reference = g_reference;
    ctxt->sax->getEntity = g_get_entity;
    ctxt->sax->getParameterEntity = g_get_entity;
    ctxt->sax->processingInstruction = g_pi;
    ctxt->sax->serror = g_serror;
    /* libxml2 refuses a text node over 10 MB (a large CipherValue) unless
     * XML_PARSE_HUGE: allowed only when max-message-size is above that, and
     * safe because depth and node count stay bounded by the guard above and
     * no entity can expand */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    if (g->s->max_message_size > (size_t)10 * 1000 * 1000) opts |= XML_PARSE_HUGE;
    /* no dictionary in the document: libxml2 2.9's xmlParseInNodeContext
     * (xmlsec's decryption in place) frees the document's dictionary when an
     * allocation fails, and freeing the document then reads freed memory
     * (found by the allocation torture) */
    opts |= XML_PARSE_NODICT;
    xmlCtxtUseOptions(ctxt, opts);
    return ctxt;
}

/* Feeds the bytes in chunks: libxml2 2.9 refuses more than 10 MB of
 * look-ahead in one chunk without XML_PARSE_HUGE, which would cap messages
 * below max-message-size; chunks also let a refusal stop the parse early.
 * Returns xmlParseChunk's last result. */
static int parse_chunks(xmlParserCtxtPtr ctxt, const guard *g, const char *data, size_t len)
{
    int prc = 0;
    const size_t chunk = 64 * 1024;
    for (size_t off = 0; prc == 0 && !g->code; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        prc = xmlParseChunk(ctxt, data + off, (int)n, off + n == len);
        if (off + n == len) break;
    }
    return prc;
}

/* Why the parse of doc failed, if it did: the guard's refusal, the first
 * well-formedness error, a DTD, an encoding other than UTF-8 or UTF-16.
 * Returns 0 or the error recorded in err. */
static int parse_verdict(wssec_errrec *err, xmlParserCtxtPtr ctxt, const guard *g, int prc,
                         xmlDocPtr doc)
{
    if (g->code) return WSSEC_ERR(err, g->code, "%s", g->why);
    if (prc != 0 || !ctxt->wellFormed || !ctxt->nsWellFormed || !doc) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        char what[300] = "not well-formed";
        if (g->first[0])
            return WSSEC_ERR(err, WSSEC_EPARSE, "not well-formed XML (line %d): %s", g->first_line,
                             g->first);
        if (e && e->message) {
            snprintf(what, sizeof(what), "%s", e->message);
            size_t n = strlen(what);
            while (n && (what[n - 1] == '\n' || what[n - 1] == ' ')) what[--n] = '\0';
        }
        return WSSEC_ERR(err, WSSEC_EPARSE, "not well-formed XML (line %d): %s", e ? e->line : 0,
                         what);
    }
    if (doc->intSubset || doc->extSubset)
        return WSSEC_ERR(err, WSSEC_EPARSE, "a DTD is not allowed in a SOAP message");
    if (!acceptable_encoding(doc->encoding))
        return WSSEC_ERR(err, WSSEC_EPARSE, "encoding '%s' is not accepted (UTF-8 or UTF-16 only)",
                         (const char *)doc->encoding);
    return 0;
}

int wssec__xml_parse(wssec_errrec *err, const wssec_settings *s, const char *data, size_t len,
                     xmlDocPtr *out)
{
    *out = NULL;
    if (len > s->max_message_size)
        return WSSEC_ERR(err, WSSEC_ELIMIT, "message of %zu bytes exceeds max-message-size %zu",
                         len, s->max_message_size);
    if (len > INT_MAX) return WSSEC_ERR(err, WSSEC_ELIMIT, "message too large");
    if (len == 0) return WSSEC_ERR(err, WSSEC_EPARSE, "empty input: not XML");
    WSSEC_GUARD(wssec__xml_prescan(err, s, data, len));

    guard g = { .s = s };
    xmlParserCtxtPtr ctxt = guarded_parser(&g);
    if (!ctxt) return WSSEC_ENOMEM;
    int prc = parse_chunks(ctxt, &g, data, len);
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    int rc = parse_verdict(err, ctxt, &g, prc, doc);
    xmlFreeParserCtxt(ctxt);
    if (rc) {
        xmlFreeDoc(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

/* ---- IDs ---- */

/* Attributes that take part in ID clash detection: any attribute named Id,
 * ID or id in any namespace, and xml:id. */
static int id_like(xmlAttrPtr a)
{
    return xmlStrEqual(a->name, BAD_CAST "Id") || xmlStrEqual(a->name, BAD_CAST "ID") ||
           xmlStrEqual(a->name, BAD_CAST "id");
}

/* Attributes that are registered as IDs (references may resolve to them). */
static int id_registered(xmlAttrPtr a)
{
    xmlNodePtr e = a->parent;
    if (a->ns) return xmlStrEqual(a->ns->href, BAD_CAST WSSEC_NS_WSU) &&
                      xmlStrEqual(a->name, BAD_CAST "Id");
    if (!xmlStrEqual(a->name, BAD_CAST "Id") || !e->ns) return 0;
    const xmlChar *ns = e->ns->href;
    return xmlStrEqual(ns, BAD_CAST NS_DS) || xmlStrEqual(ns, BAD_CAST NS_XENC) ||
           xmlStrEqual(ns, BAD_CAST WSSEC_NS_WSSE) || xmlStrEqual(ns, BAD_CAST WSSEC_NS_WSSE11);
}

static int is_xml_id(xmlAttrPtr a)
{
    return a->ns && xmlStrEqual(a->ns->href, XML_XML_NAMESPACE) &&
           xmlStrEqual(a->name, BAD_CAST "id");
}

int wssec__xml_register_ids(wssec_errrec *err, xmlDocPtr doc)
{
    int rc = 0;
    xmlHashTablePtr seen = xmlHashCreate(16);
    if (!seen) return WSSEC_ENOMEM;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr n = root; n && !rc; n = wssec_xml_next_in(n, root)) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttrPtr a = n->properties; a && !rc; a = a->next) {
                if (!id_like(a)) continue;
                xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
                if (!v) {
                    rc = WSSEC_ENOMEM;
                    break;
                }
                if (xmlHashLookup(seen, v)) {
                    char path[200];
                    wssec_xml_path(path, sizeof(path), n);
                    rc = wssec__err_set(err, WSSEC_EMALFORMED, NULL, path, __FILE__, __LINE__,
                                        "duplicate ID '%.80s' (on %s): IDs must be unique", v,
                                        path);
                } else if (xmlHashAddEntry(seen, v, (void *)1) < 0) {
                    rc = WSSEC_ENOMEM;
                } else if (id_registered(a) && !is_xml_id(a)) {
                    xmlAttrPtr prev = xmlGetID(doc, v);
                    if (prev && prev != a)
                        rc = WSSEC_ERR(err, WSSEC_EMALFORMED, "duplicate ID '%.80s'", v);
                    else if (!prev && !xmlAddID(NULL, doc, v, a))
                        rc = WSSEC_ENOMEM;
                }
                xmlFree(v);
            }
        }
    }
    xmlHashFree(seen, NULL);
    return rc;
}

int wssec__recheck(wssec_msg *msg)
{
    /* decrypted plaintext may not bring what the parser refuses, nor more
     * nodes or depth than the parser allows */
    const wssec_settings *s = &msg->ctx->s;
    size_t nodes = 1, depth = 0; /* below the root element */
    xmlNodePtr root = xmlDocGetRootElement(msg->doc);
    for (xmlNodePtr n = root; n; n = wssec_xml_next_in_depth(n, root, &depth)) {
        if (n->type == XML_PI_NODE || n->type == XML_ENTITY_REF_NODE || n->type == XML_DTD_NODE ||
            n->type == XML_ENTITY_DECL)
            return wssec_msg_fail(msg, WSSEC_EMALFORMED, NULL, n->parent,
                                  "decrypted content holds a processing instruction or an entity "
                                  "reference");
        if (++nodes > s->max_nodes || depth + 1 > s->max_depth)
            return wssec_msg_fail(msg, WSSEC_ELIMIT, "wsse:InvalidSecurity", NULL,
                                  "decrypted content makes the message exceed max-nodes %zu or "
                                  "max-depth %zu",
                                  s->max_nodes, s->max_depth);
    }
    /* the SOAP structure and the IDs, as after parsing: a second Security
     * header or a duplicate ID smuggled in by plaintext is refused */
    xmlNodePtr security = msg->security;
    int rc = wssec__soap_bind(msg);
    if (!rc && msg->security != security)
        rc = wssec__err_set(&msg->err, WSSEC_EMALFORMED, NULL, NULL, __FILE__, __LINE__,
                            "decrypted content changed which Security header is ours");
    if (!rc) rc = wssec__xml_register_ids(&msg->err, msg->doc);
    if (rc) {
        if (rc == WSSEC_EPARSE) {
            char why[sizeof(msg->err.message)];
            snprintf(why, sizeof(why), "%s", msg->err.message);
            rc = wssec__err_set(&msg->err, WSSEC_EMALFORMED, NULL, NULL, __FILE__, __LINE__,
                                "decrypted content breaks the message: %s", why);
        }
        msg->failed = true;
    }
    return rc;
}

/* ---- what a message's signatures canonicalize ---- */

/* Once exhausted, the count stands at max + 1 (wssec__c14n_over()), so
 * "what is left" is max - count only while the count is within the budget:
 * past it the unsigned subtraction would wrap around to nearly SIZE_MAX and
 * every later take would fit. An exhausted budget refuses every take, even
 * of nothing. */
int wssec__c14n_take(wssec_msg *msg, size_t n, bool exhaust)
{
    const size_t max = msg->ctx->s.max_c14n_bytes;
    if (msg->c14n_bytes > max || n > max - msg->c14n_bytes) {
        if (exhaust) msg->c14n_bytes = max + 1;
        return WSSEC_ELIMIT;
    }
    msg->c14n_bytes += n;
    return 0;
}

int wssec__c14n_over(const wssec_msg *msg)
{
    return msg->c14n_bytes > msg->ctx->s.max_c14n_bytes;
}

int wssec__explaining(const wssec_msg *msg) { return msg->ctx->explain_cb != NULL; }

void wssec__explain(const wssec_msg *msg, const char *what, const unsigned char *bytes,
                    size_t len, const char *digest_alg, const char *expected,
                    const char *computed)
{
    if (msg->ctx->explain_cb)
        msg->ctx->explain_cb(what, bytes, len, digest_alg, expected, computed,
                             msg->ctx->explain_ud);
}
