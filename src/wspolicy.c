/*
 * wssec — WS-SecurityPolicy: the document (WSDL 1.1 or wsp:Policy) read with
 * the safe parser, references resolved inside it, the policy of each message
 * merged (binding, operation, message) and normalised to alternatives, and
 * each alternative translated into wssec's options (wspolicy_map.c does the
 * assertions). Checks no option expresses (Layout, headers "when present")
 * run from wssec_policy_check().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/wspolicy.h"
#include "wssec/sys/xml.h"
#include "wspolicy.h"
#include "error.h"
#include "global.h"
#include "settings.h"
#include "util.h"
#include "xml.h"

#define NS_WSDL "http://schemas.xmlsoap.org/wsdl/"

bool wp_is_wsp(xmlNodePtr e)
{
    return e && e->type == XML_ELEMENT_NODE && e->ns &&
           (!strcmp((const char *)e->ns->href, WP_NS_WSP12) ||
            !strcmp((const char *)e->ns->href, WP_NS_WSP15));
}

static bool is_wsp(xmlNodePtr e, const char *local)
{
    return wp_is_wsp(e) && !strcmp((const char *)e->name, local);
}

/* A wsp: attribute (either namespace) that is "true" or "1". */
bool wp_attr_true(xmlNodePtr e, const char *name)
{
    for (xmlAttrPtr a = e->properties; a; a = a->next) {
        if (!a->ns || strcmp((const char *)a->name, name) != 0) continue;
        if (strcmp((const char *)a->ns->href, WP_NS_WSP12) != 0 &&
            strcmp((const char *)a->ns->href, WP_NS_WSP15) != 0)
            continue;
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        bool t = v && (!strcmp((const char *)v, "true") || !strcmp((const char *)v, "1"));
        xmlFree(v);
        return t;
    }
    return false;
}

/* ---- normalisation: sets of alternatives of assertion nodes ---- */

/* The empty set (no alternative: nothing is acceptable), or one empty
 * alternative (everything is). */
static wp_set *set_new(wssec_policy *p, bool one_empty)
{
    wp_set *s = wssec__calloc(1, sizeof(*s));
    if (!s) {
        WSSEC_ERR(&p->err, WSSEC_ENOMEM, "out of memory");
        return NULL;
    }
    s->n = one_empty ? 1 : 0;
    return s;
}

/* a := a x b (every alternative of a with every one of b). */
static int set_cross(wssec_policy *p, wp_set *a, const wp_set *b, xmlNodePtr where)
{
    if (a->n * b->n > WP_MAX_ALTS)
        return WSSEC_ERR(&p->err, WSSEC_ELIMIT,
                         "%s: line %ld: the policy has more than %d alternatives", p->name,
                         xmlGetLineNo(where), WP_MAX_ALTS);
    wp_set *r = set_new(p, false);
    if (!r) return WSSEC_ENOMEM;
    for (size_t i = 0; i < a->n; i++) {
        for (size_t j = 0; j < b->n; j++) {
            wp_alt_nodes *x = &r->v[r->n++];
            if (a->v[i].n + b->v[j].n > WP_MAX_ITEMS) {
                wssec__free(r);
                return WSSEC_ERR(&p->err, WSSEC_ELIMIT,
                                 "%s: line %ld: a policy alternative holds more than %d "
                                 "assertions",
                                 p->name, xmlGetLineNo(where), WP_MAX_ITEMS);
            }
            memcpy(x->a, a->v[i].a, a->v[i].n * sizeof(x->a[0]));
            memcpy(x->a + a->v[i].n, b->v[j].a, b->v[j].n * sizeof(x->a[0]));
            x->n = a->v[i].n + b->v[j].n;
        }
    }
    *a = *r;
    wssec__free(r);
    return 0;
}

/* a := a + b (the alternatives of both). */
static int set_union(wssec_policy *p, wp_set *a, const wp_set *b, xmlNodePtr where)
{
    if (a->n + b->n > WP_MAX_ALTS)
        return WSSEC_ERR(&p->err, WSSEC_ELIMIT,
                         "%s: line %ld: the policy has more than %d alternatives", p->name,
                         xmlGetLineNo(where), WP_MAX_ALTS);
    memcpy(a->v + a->n, b->v, b->n * sizeof(b->v[0]));
    a->n += b->n;
    return 0;
}

/* The wsp:Policy that URI "#id" names in the document (wsu:Id or xml:id). */
static xmlNodePtr find_policy(xmlDocPtr doc, const char *id)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    size_t depth = 0;
    for (xmlNodePtr n = root; n; n = wssec_xml_next_in_depth(n, root, &depth)) {
        if (!is_wsp(n, "Policy")) continue;
        xmlChar *v = xmlGetNsProp(n, BAD_CAST "Id", BAD_CAST WSSEC_NS_WSU);
        if (!v) v = xmlGetNsProp(n, BAD_CAST "id", XML_XML_NAMESPACE);
        bool same = v && !strcmp((const char *)v, id);
        xmlFree(v);
        if (same) return n;
    }
    return NULL;
}

static int norm(wssec_policy *p, xmlNodePtr e, wp_set *out, int depth);

/* A wsp:PolicyReference: the policy of this document it names, normalised;
 * a reference outside the document or back to a policy being expanded is
 * refused. */
static int norm_reference(wssec_policy *p, xmlNodePtr e, const char *uri, wp_set *out, int depth)
{
    if (!uri || uri[0] != '#' || !uri[1])
        return WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                         "%s: line %ld: wsp:PolicyReference URI '%s' is not a reference to a "
                         "policy of this document (\"#id\"); policies are never fetched",
                         p->name, xmlGetLineNo(e), uri ? uri : "");
    if (++p->nrefs > WP_MAX_REFS)
        return WSSEC_ERR(&p->err, WSSEC_ELIMIT, "%s: line %ld: more than %d policy references",
                         p->name, xmlGetLineNo(e), WP_MAX_REFS);
    xmlNodePtr target = find_policy(p->doc, uri + 1);
    if (!target)
        return WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                         "%s: line %ld: wsp:PolicyReference '%s': no wsp:Policy with that "
                         "wsu:Id in the document",
                         p->name, xmlGetLineNo(e), uri);
    for (size_t i = 0; i < p->nchain; i++)
        if (p->chain[i] == target)
            return WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                             "%s: line %ld: wsp:PolicyReference '%s' refers back to a policy "
                             "that contains it (a reference cycle)",
                             p->name, xmlGetLineNo(e), uri);
    if (p->nchain >= WSSEC_ARRAY_LEN(p->chain))
        return WSSEC_ERR(&p->err, WSSEC_ELIMIT,
                         "%s: line %ld: policy references nest deeper than %zu", p->name,
                         xmlGetLineNo(e), WSSEC_ARRAY_LEN(p->chain));
    p->chain[p->nchain++] = target;
    int rc = norm(p, target, out, depth + 1);
    p->nchain--;
    return rc;
}

/* wsp:Policy and wsp:All (every child), wsp:ExactlyOne (one of them). */
static int norm_operator(wssec_policy *p, xmlNodePtr e, wp_set *out, int depth)
{
    bool one = is_wsp(e, "ExactlyOne");
    out->n = one ? 0 : 1;
    out->v[0].n = 0;
    wp_set *c = set_new(p, false);
    if (!c) return WSSEC_ENOMEM;
    int rc = 0;
    for (xmlNodePtr k = wssec_xml_first_elem(e); k && !rc; k = wssec_xml_next_elem(k)) {
        rc = norm(p, k, c, depth + 1);
        if (!rc) rc = one ? set_union(p, out, c, k) : set_cross(p, out, c, k);
    }
    wssec__free(c);
    return rc;
}

static int norm(wssec_policy *p, xmlNodePtr e, wp_set *out, int depth)
{
    if (depth > WP_MAX_DEPTH)
        return WSSEC_ERR(&p->err, WSSEC_ELIMIT, "%s: line %ld: the policy nests deeper than %d",
                         p->name, xmlGetLineNo(e), WP_MAX_DEPTH);
    if (is_wsp(e, "Policy") || is_wsp(e, "All") || is_wsp(e, "ExactlyOne"))
        return norm_operator(p, e, out, depth);
    if (is_wsp(e, "PolicyReference"))
        return norm_reference(p, e, wssec_xml_attr(e, "URI"), out, depth);
    if (wp_is_wsp(e))
        return WSSEC_ERR(&p->err, WSSEC_ECONFIG, "%s: line %ld: wsp:%s is not a policy operator",
                         p->name, xmlGetLineNo(e), (const char *)e->name);
    /* an assertion: one alternative with it, and one without when optional */
    out->n = 1;
    out->v[0].a[0] = e;
    out->v[0].n = 1;
    if (wp_attr_true(e, "Optional")) out->v[out->n++].n = 0;
    return 0;
}

int wp_nested(wssec_policy *p, xmlNodePtr assertion, wp_alt_nodes *out)
{
    out->n = 0;
    xmlNodePtr pol = NULL;
    for (xmlNodePtr k = wssec_xml_first_elem(assertion); k; k = wssec_xml_next_elem(k))
        if (is_wsp(k, "Policy") || is_wsp(k, "PolicyReference")) pol = k;
    if (!pol) return 0;
    wp_set *s = set_new(p, false);
    if (!s) return WSSEC_ENOMEM;
    int rc = norm(p, pol, s, 1);
    if (!rc && s->n != 1)
        rc = WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                       "%s: line %ld: the policy nested in %s has %zu alternatives; wssec "
                       "supports exactly one there",
                       p->name, xmlGetLineNo(pol), (const char *)assertion->name, s->n);
    if (!rc) *out = s->v[0];
    wssec__free(s);
    return rc;
}

/* ---- attachment: the policies a WSDL element carries ---- */

/* The policy attached to e (its wsp:Policy and wsp:PolicyReference
 * children, all of them): one empty alternative when none. */
static int attached(wssec_policy *p, xmlNodePtr e, wp_set *out, bool *any)
{
    out->n = 1;
    out->v[0].n = 0;
    wp_set *c = set_new(p, false);
    if (!c) return WSSEC_ENOMEM;
    int rc = 0;
    for (xmlNodePtr k = wssec_xml_first_elem(e); k && !rc; k = wssec_xml_next_elem(k)) {
        if (!is_wsp(k, "Policy") && !is_wsp(k, "PolicyReference")) continue;
        if (any) *any = true;
        rc = norm(p, k, c, 0);
        if (!rc) rc = set_cross(p, out, c, k);
    }
    wssec__free(c);
    return rc;
}

static bool is_wsdl(xmlNodePtr e, const char *local) { return wssec_xml_is(e, NS_WSDL, local); }

/* A policy attached where wssec does not look (a port, a portType, a fault)
 * is refused, never ignored. */
static int check_attachments(wssec_policy *p, xmlNodePtr root)
{
    size_t depth = 0;
    for (xmlNodePtr n = root; n; n = wssec_xml_next_in_depth(n, root, &depth)) {
        if (!is_wsp(n, "Policy") && !is_wsp(n, "PolicyReference")) continue;
        xmlNodePtr up = n->parent;
        if (!up || up->type != XML_ELEMENT_NODE || !up->ns ||
            strcmp((const char *)up->ns->href, NS_WSDL) != 0)
            continue; /* inside a policy */
        xmlNodePtr gp = up->parent;
        bool ok = is_wsdl(up, "definitions") || is_wsdl(up, "binding") ||
                  (is_wsdl(up, "operation") && is_wsdl(gp, "binding")) ||
                  ((is_wsdl(up, "input") || is_wsdl(up, "output")) && gp &&
                   is_wsdl(gp, "operation") && is_wsdl(gp->parent, "binding"));
        if (!ok || (is_wsdl(up, "definitions") && is_wsp(n, "PolicyReference")))
            return WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                             "%s: line %ld: a policy attached to wsdl:%s is not supported: "
                             "attach it to the wsdl:binding, a binding operation or its input "
                             "or output",
                             p->name, xmlGetLineNo(n), (const char *)up->name);
    }
    return 0;
}

/* ---- targets ---- */

static int add_target(wssec_policy *p, const char *binding, const char *op, const char *msg,
                      const wp_set *alts, xmlNodePtr where)
{
    if (p->nt >= WP_MAX_TARGETS)
        return WSSEC_ERR(&p->err, WSSEC_ELIMIT, "%s: line %ld: more than %d messages with a policy",
                         p->name, xmlGetLineNo(where), WP_MAX_TARGETS);
    wp_target *t = &p->t[p->nt];
    memset(t, 0, sizeof(*t));
    snprintf(t->binding, sizeof(t->binding), "%s", binding);
    snprintf(t->operation, sizeof(t->operation), "%s", op);
    snprintf(t->message, sizeof(t->message), "%s", msg);
    if (alts->n == 0)
        return WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                         "%s: line %ld: the policy has no alternative (an empty wsp:ExactlyOne): "
                         "no message can satisfy it",
                         p->name, xmlGetLineNo(where));
    t->alts = wssec__calloc(alts->n, sizeof(*t->alts));
    if (!t->alts) return WSSEC_ERR(&p->err, WSSEC_ENOMEM, "out of memory");
    t->nalts = alts->n;
    p->nt++;
    for (size_t i = 0; i < alts->n; i++) {
        int rc = wp_translate(p, &t->alts[i], &alts->v[i], msg);
        if (rc == WSSEC_ENOMEM || rc == WSSEC_ELIMIT) return rc;
    }
    return 0;
}

/* The targets of one operation of a binding (bset: the binding's policy). */
static int operation_targets(wssec_policy *p, const char *bname, xmlNodePtr op, const wp_set *bset,
                             const char *want_msg, wp_set *work, wp_set *oset)
{
    const char *oname = wssec_xml_attr(op, "name") ? wssec_xml_attr(op, "name") : "";
    bool any = false;
    WSSEC_GUARD(attached(p, op, oset, &any));
    bool msgs = false;
    for (xmlNodePtr m = wssec_xml_first_elem(op); m; m = wssec_xml_next_elem(m))
        for (xmlNodePtr k = wssec_xml_first_elem(m); k; k = wssec_xml_next_elem(k))
            if ((is_wsdl(m, "input") || is_wsdl(m, "output")) &&
                (is_wsp(k, "Policy") || is_wsp(k, "PolicyReference")))
                msgs = true;
    if (!msgs) {
        *work = *bset;
        WSSEC_GUARD(set_cross(p, work, oset, op));
        return add_target(p, bname, oname, "", work, op);
    }
    for (xmlNodePtr m = wssec_xml_first_elem(op); m; m = wssec_xml_next_elem(m)) {
        if (!is_wsdl(m, "input") && !is_wsdl(m, "output")) continue;
        const char *mname = (const char *)m->name;
        if (want_msg && strcmp(want_msg, mname) != 0) continue;
        *work = *bset;
        WSSEC_GUARD(set_cross(p, work, oset, op));
        wp_set *mset = set_new(p, true);
        if (!mset) return WSSEC_ENOMEM;
        int rc = attached(p, m, mset, NULL);
        if (!rc) rc = set_cross(p, work, mset, m);
        wssec__free(mset);
        if (!rc) rc = add_target(p, bname, oname, mname, work, m);
        if (rc) return rc;
    }
    return 0;
}

/* Whether any operation of binding b carries a policy of its own. */
static bool operations_have_policy(xmlNodePtr b)
{
    for (xmlNodePtr op = wssec_xml_first_elem(b); op; op = wssec_xml_next_elem(op)) {
        if (!is_wsdl(op, "operation")) continue;
        size_t depth = 0;
        for (xmlNodePtr n = op; n; n = wssec_xml_next_in_depth(n, op, &depth))
            if ((is_wsp(n, "Policy") || is_wsp(n, "PolicyReference")) && n->parent &&
                n->parent->ns && !strcmp((const char *)n->parent->ns->href, NS_WSDL))
                return true;
    }
    return false;
}

/* One binding: its own policy alone when no operation adds one, else one
 * target per operation (and message, when messages carry policies). */
static int binding_targets(wssec_policy *p, xmlNodePtr b, const char *want_op, const char *want_msg)
{
    const char *bname = wssec_xml_attr(b, "name") ? wssec_xml_attr(b, "name") : "";
    wp_set *bset = set_new(p, true), *work = set_new(p, true), *oset = set_new(p, true);
    int rc = bset && work && oset ? attached(p, b, bset, NULL) : WSSEC_ENOMEM;
    if (!rc && !operations_have_policy(b)) {
        rc = add_target(p, bname, "", "", bset, b);
    } else {
        bool seen = false;
        for (xmlNodePtr op = wssec_xml_first_elem(b); op && !rc; op = wssec_xml_next_elem(op)) {
            if (!is_wsdl(op, "operation")) continue;
            const char *oname = wssec_xml_attr(op, "name");
            if (want_op && (!oname || strcmp(oname, want_op) != 0)) continue;
            seen = true;
            rc = operation_targets(p, bname, op, bset, want_msg, work, oset);
        }
        if (!rc && want_op && !seen)
            rc = WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                           "%s: binding '%s' has no operation '%s' (--policy-operation)", p->name,
                           bname, want_op);
    }
    wssec__free(bset);
    wssec__free(work);
    wssec__free(oset);
    return rc;
}

static int wsdl_targets(wssec_policy *p, xmlNodePtr root, const char *want_b, const char *want_op,
                        const char *want_msg)
{
    WSSEC_GUARD(check_attachments(p, root));
    bool seen = false;
    char names[400] = "";
    for (xmlNodePtr b = wssec_xml_first_elem(root); b; b = wssec_xml_next_elem(b)) {
        if (!is_wsdl(b, "binding")) continue;
        const char *bname = wssec_xml_attr(b, "name") ? wssec_xml_attr(b, "name") : "";
        size_t l = strlen(names);
        snprintf(names + l, sizeof(names) - l, "%s%s", l ? ", " : "", bname);
        if (want_b && strcmp(want_b, bname) != 0) continue;
        seen = true;
        WSSEC_GUARD(binding_targets(p, b, want_op, want_msg));
    }
    if (!seen)
        return WSSEC_ERR(&p->err, WSSEC_ECONFIG, "%s: %s%s%s (bindings: %s)", p->name,
                         want_b ? "no wsdl:binding named '" : "no wsdl:binding",
                         want_b ? want_b : "", want_b ? "'" : "", names[0] ? names : "none");
    return 0;
}

static int read_all(wssec_policy *p, const char *path, wssec_buf *b)
{
    char why[300];
    int rc = wssec__read_file(path, b, why, sizeof(why));
    if (rc == WSSEC_EIO || rc == WSSEC_ELIMIT) return WSSEC_ERR(&p->err, rc, "%s: %s", path, why);
    return rc;
}

static void targets_free(wssec_policy *p)
{
    for (size_t i = 0; i < p->nt; i++) {
        for (size_t j = 0; j < p->t[i].nalts; j++) wssec__free(p->t[i].alts[j].set);
        wssec__free(p->t[i].alts);
    }
    p->nt = 0;
}

int wssec_policy_parse(wssec_policy *p, const char *data, size_t len, const char *name,
                       const char *binding, const char *operation, const char *message)
{
    WSSEC_ARG(p && data && name);
    wssec__err_clear(&p->err);
    targets_free(p);
    if (p->doc) xmlFreeDoc(p->doc);
    p->doc = NULL;
    p->nrefs = 0;
    snprintf(p->name, sizeof(p->name), "%s", name);
    if (message && strcmp(message, "input") != 0 && strcmp(message, "output") != 0)
        return WSSEC_ERR(&p->err, WSSEC_ECONFIG, "policy-message: '%s' is not input or output",
                         message);
    WSSEC_GUARD(wssec__global_init());
    wssec_settings limits;
    wssec__settings_init(&limits);
    limits.max_depth = 64;
    wssec_errrec perr;
    wssec__err_clear(&perr);
    if (wssec__xml_parse(&perr, &limits, len ? data : "", len, &p->doc))
        return WSSEC_ERR(&p->err, WSSEC_ECONFIG, "%s: %s", name, perr.message);
    xmlNodePtr root = xmlDocGetRootElement(p->doc);
    int rc;
    if (is_wsp(root, "Policy")) {
        if (binding || operation || message)
            return WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                             "%s: a standalone wsp:Policy has no bindings, operations or "
                             "messages to choose (--policy-binding, --policy-operation, "
                             "--policy-message are for a WSDL)",
                             name);
        wp_set *s = set_new(p, false);
        if (!s) return WSSEC_ENOMEM;
        rc = norm(p, root, s, 0);
        if (!rc) rc = add_target(p, "", "", "", s, root);
        wssec__free(s);
    } else if (is_wsdl(root, "definitions")) {
        rc = wsdl_targets(p, root, binding, operation, message);
    } else {
        rc = WSSEC_ERR(&p->err, WSSEC_ECONFIG,
                       "%s: neither a WSDL 1.1 document nor a wsp:Policy (root element %s)", name,
                       root ? (const char *)root->name : "none");
    }
    return rc;
}

int wssec_policy_load(wssec_policy *p, const char *path, const char *binding, const char *operation,
                      const char *message)
{
    WSSEC_ARG(p && path);
    wssec__err_clear(&p->err);
    wssec_buf b = { .max = 1024 * 1024 };
    int rc = read_all(p, path, &b);
    if (!rc)
        rc = wssec_policy_parse(p, b.len ? (const char *)b.data : "", b.len, path, binding,
                                operation, message);
    wssec__buf_free(&b);
    return rc;
}

int wssec_policy_new(wssec_policy **out)
{
    WSSEC_ARG(out);
    *out = wssec__calloc(1, sizeof(**out));
    if (!*out) return WSSEC_ENOMEM;
    wssec__err_clear(&(*out)->err);
    return 0;
}

void wssec_policy_free(wssec_policy *p)
{
    if (!p) return;
    targets_free(p);
    if (p->doc) xmlFreeDoc(p->doc);
    wssec__free(p);
}

const wssec_error *wssec_policy_error(const wssec_policy *p)
{
    return p ? &p->err.pub : wssec__err_null();
}

size_t wssec_policy_target_count(const wssec_policy *p) { return p ? p->nt : 0; }

int wssec_policy_target(const char **binding, const char **operation, const char **message,
                        const wssec_policy *p, size_t t)
{
    WSSEC_ARG(binding && operation && message && p);
    if (t >= p->nt) return WSSEC_EINVALID;
    *binding = p->t[t].binding;
    *operation = p->t[t].operation;
    *message = p->t[t].message;
    return 0;
}

static const wp_alt *alt_at(const wssec_policy *p, size_t t, size_t a)
{
    return p && t < p->nt && a < p->t[t].nalts ? &p->t[t].alts[a] : NULL;
}

size_t wssec_policy_alternative_count(const wssec_policy *p, size_t t)
{
    return p && t < p->nt ? p->t[t].nalts : 0;
}

int wssec_policy_supported(const char **why, const wssec_policy *p, size_t t, size_t a)
{
    const wp_alt *x = alt_at(p, t, a);
    if (!x) return WSSEC_EINVALID;
    if (why) *why = x->why;
    return x->why[0] ? 0 : 1;
}

size_t wssec_policy_setting_count(const wssec_policy *p, size_t t, size_t a)
{
    const wp_alt *x = alt_at(p, t, a);
    return x ? x->nset : 0;
}

int wssec_policy_setting(const char **option, const char **value, const char **assertion,
                         wssec_policy_dir *dir, const wssec_policy *p, size_t t, size_t a, size_t i)
{
    WSSEC_ARG(option && value && assertion && dir && p);
    const wp_alt *x = alt_at(p, t, a);
    if (!x || i >= x->nset) return WSSEC_EINVALID;
    *option = x->set[i].option;
    *value = x->set[i].value;
    *assertion = x->set[i].assertion;
    *dir = (wssec_policy_dir)x->set[i].dir;
    return 0;
}

int wssec_policy_apply(wssec_config *cfg, const wssec_policy *p, size_t t, size_t a,
                       wssec_policy_dir dir)
{
    WSSEC_ARG(cfg && p);
    const wp_alt *x = alt_at(p, t, a);
    if (!x) return WSSEC_EINVALID;
    if (x->why[0]) return WSSEC_ECONFIG; /* the reason: wssec_policy_supported() */
    for (size_t i = 0; i < x->nset; i++) {
        if (!(x->set[i].dir & (int)dir) || !x->set[i].option[0]) continue;
        WSSEC_GUARD(wssec_config_set(cfg, x->set[i].option, x->set[i].value));
    }
    return 0;
}
