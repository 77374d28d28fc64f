/*
 * wssec(1) — reports: one JSON object per input, and the human account of
 * `wssec inspect`.
 */
#include <string.h>

#include "cli.h"

static void json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20) fprintf(out, "\\u%04x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

static const char *soap_name(int v)
{
    return v == WSSEC_SOAP11 ? "1.1" : v == WSSEC_SOAP12 ? "1.2" : NULL;
}

static void json_tokens(FILE *out, const wssec_result *res)
{
    fputs("[", out);
    for (size_t i = 0; res && i < wssec_result_token_count(res); i++) {
        const wssec_token *t = wssec_result_token(res, i);
        fputs(i ? ",{" : "{", out);
        fputs("\"type\":", out);
        json_str(out, wssec_token_type(t));
        fputs(",\"ok\":", out);
        fputs(wssec_token_status(t) == 0 ? "true" : "false", out);
        fputs(",\"identity\":", out);
        json_str(out, wssec_token_identity(t));
        fputs(",\"error\":", out);
        json_str(out, wssec_token_status(t) ? wssec_token_error(t)->message : NULL);
        fputs(",\"properties\":{", out);
        for (size_t j = 0; j < wssec_token_prop_count(t); j++) {
            const char *n, *v;
            if (wssec_token_prop(&n, &v, t, j)) continue;
            if (j) fputc(',', out);
            json_str(out, n);
            fputc(':', out);
            json_str(out, v);
        }
        fputs("}}", out);
    }
    fputs("]", out);
}

/* inspect --policy: "policy":{the document, the message chosen, and for
 * each alternative whether the message satisfies it and each assertion's
 * verdict: "ok", "fail" or "unchecked" (the message fails first)}. */
static void json_policy(FILE *out, const cli_report *r)
{
    fputs(",\"policy\":{\"file\":", out);
    json_str(out, r->policy_file);
    fputs(",\"binding\":", out);
    json_str(out, r->policy_binding && *r->policy_binding ? r->policy_binding : NULL);
    fputs(",\"operation\":", out);
    json_str(out, r->policy_operation && *r->policy_operation ? r->policy_operation : NULL);
    fputs(",\"message\":", out);
    json_str(out, r->policy_message && *r->policy_message ? r->policy_message : NULL);
    fputs(",\"alternatives\":[", out);
    for (size_t k = 0; k < r->npolicy; k++) {
        const cli_policy_verdicts *pv = &r->policy[k];
        bool all = true;
        for (size_t i = 0; i < pv->n; i++) all &= !strcmp(pv->a[i].verdict, "ok");
        fprintf(out, "%s{\"alternative\":%zu,\"satisfied\":%s,\"assertions\":[", k ? "," : "",
                pv->alternative, all ? "true" : "false");
        for (size_t i = 0; i < pv->n; i++) {
            const cli_assertion_verdict *v = &pv->a[i];
            fputs(i ? ",{\"assertion\":" : "{\"assertion\":", out);
            json_str(out, v->assertion);
            fputs(",\"verdict\":", out);
            json_str(out, !strcmp(v->verdict, "ok")     ? "ok"
                          : !strcmp(v->verdict, "FAIL") ? "fail"
                                                        : "unchecked");
            fputs(",\"reason\":", out);
            json_str(out, v->reason[0] ? v->reason : NULL);
            fputs("}", out);
        }
        fputs("]}", out);
    }
    fputs("]}", out);
}

void cli_report_json(FILE *out, const cli_report *r)
{
    const wssec_error *e = r->err && r->err->code ? r->err : NULL;
    fputs("{\"command\":", out);
    json_str(out, r->command);
    fputs(",\"file\":", out);
    json_str(out, r->file);
    fprintf(out, ",\"ok\":%s,\"exit\":%d", e ? "false" : "true", r->exit_code);
    fputs(",\"fault\":", out);
    json_str(out, e && e->fault[0] ? e->fault : NULL);
    fputs(",\"code\":", out);
    json_str(out, e ? wssec_code_name(e->code) : NULL);
    fputs(",\"category\":", out);
    json_str(out, e ? wssec_category_name(e->category) : NULL);
    fputs(",\"reason\":", out);
    json_str(out, e ? e->message : NULL);
    fputs(",\"subject\":", out);
    json_str(out, e && e->subject[0] ? e->subject : NULL);
    fputs(",\"soap\":", out);
    json_str(out, soap_name(r->soap));
    fputs(",\"replay_cache\":", out);
    json_str(out, r->replay_cache);
    fputs(",\"caller\":", out);
    json_str(out, r->res ? wssec_result_caller(r->res) : NULL);
    /* identity assertion: the upstream that vouched for the caller, and how it proved itself */
    wssec_upstream_proof proof = r->res ? wssec_result_assertion_proof(r->res) : WSSEC_PROOF_NONE;
    fputs(",\"asserted_by\":", out);
    json_str(out, r->res ? wssec_result_asserted_by(r->res) : NULL);
    fputs(",\"assertion_proof\":", out);
    json_str(out, proof == WSSEC_PROOF_SIGNATURE ? "signature"
                  : proof == WSSEC_PROOF_PASSWORD ? "password"
                                                  : NULL);
    fputs(",\"signed\":[", out);
    for (size_t i = 0; r->res && i < wssec_result_signed_count(r->res); i++) {
        xmlNodePtr node;
        const char *uri, *digest;
        if (wssec_result_signed(&node, &uri, &digest, NULL, r->res, i)) continue;
        xmlChar *path = xmlGetNodePath(node);
        fputs(i ? ",{\"uri\":" : "{\"uri\":", out);
        json_str(out, uri);
        fputs(",\"node\":", out);
        json_str(out, (const char *)path);
        fputs(",\"digest\":", out);
        json_str(out, digest);
        fputs("}", out);
        xmlFree(path);
    }
    fputs("],\"warnings\":[", out);
    for (size_t i = 0; r->res && i < wssec_result_warning_count(r->res); i++) {
        if (i) fputc(',', out);
        json_str(out, wssec_result_warning(r->res, i));
    }
    fputs("],\"tokens\":", out);
    json_tokens(out, r->res);
    if (r->have_verdict) { /* inspect: what verify would conclude */
        fprintf(out, ",\"verdict_exit\":%d,\"verdict\":", r->verdict_exit);
        json_str(out, r->verdict);
    }
    if (r->policy) json_policy(out, r);
    fputs("}\n", out);
}

static const char *attr_any(xmlNodePtr e, const char *local)
{
    for (xmlAttrPtr a = e->properties; a; a = a->next)
        if (xmlStrEqual(a->name, BAD_CAST local) && a->children)
            return (const char *)a->children->content;
    return NULL;
}

static void describe_headers(FILE *out, const wssec_msg *msg, const wssec_result *res)
{
    xmlNodePtr h = wssec_msg_header(msg);
    size_t n = 0;
    for (xmlNodePtr b = h ? h->children : NULL; b; b = b->next)
        if (b->type == XML_ELEMENT_NODE) n++;
    fprintf(out, "  Header: %zu block%s\n", n, n == 1 ? "" : "s");
    for (xmlNodePtr b = h ? h->children : NULL; b; b = b->next) {
        if (b->type != XML_ELEMENT_NODE) continue;
        const char *actor = attr_any(b, "actor");
        if (!actor) actor = attr_any(b, "role");
        const char *mu = attr_any(b, "mustUnderstand");
        int ours = res && wssec_result_token_count(res) &&
                   wssec_token_node(wssec_result_token(res, 0))->parent == b;
        fprintf(out, "    {%s}%s%s%s%s%s%s\n", b->ns ? (const char *)b->ns->href : "",
                (const char *)b->name, actor ? " actor=" : "", actor ? actor : "",
                mu ? " mustUnderstand=" : "", mu ? mu : "", ours ? "  <- processed" : "");
    }
    xmlNodePtr body = wssec_msg_body(msg);
    xmlNodePtr first = NULL;
    for (xmlNodePtr c = body ? body->children : NULL; c && !first; c = c->next)
        if (c->type == XML_ELEMENT_NODE) first = c;
    if (first)
        fprintf(out, "  Body: {%s}%s\n", first->ns ? (const char *)first->ns->href : "",
                (const char *)first->name);
    else
        fprintf(out, "  Body: empty\n");
}

/* The chain result of a certificate token (its chain and chain-N
 * properties): NULL when the chain validated or there is none, else the
 * first problem. */
static const char *chain_problem(const wssec_token *t, char *buf, size_t size)
{
    for (size_t j = 0; j < wssec_token_prop_count(t); j++) {
        const char *pn, *pv;
        if (wssec_token_prop(&pn, &pv, t, j)) continue;
        if (!strcmp(pn, "chain")) {
            snprintf(buf, size, "chain %s", pv);
            return buf;
        }
        if (strncmp(pn, "chain-", 6) != 0 || !strcmp(pn, "chain-certificates")) continue;
        const char *res = NULL;
        for (const char *p = strstr(pv, ": "); p; p = strstr(p + 2, ": ")) res = p + 2;
        if (res && strncmp(res, "ok", 2) != 0) {
            snprintf(buf, size, "%s (%s)", pn, pv);
            return buf;
        }
    }
    return NULL;
}

static void print_verdict(FILE *out, const cli_report *r)
{
    if (!r->have_verdict) return;
    fprintf(out, "  Verdict of wssec verify with these options: %s\n", r->verdict);
    if (r->replay_note) fprintf(out, "    (%s)\n", r->replay_note);
}

void cli_report_inspect(FILE *out, const cli_report *r, wssec_time now)
{
    char nowtext[32] = "";
    if (wssec_time_format(nowtext, sizeof(nowtext), now, 1)) nowtext[0] = '\0';
    fprintf(out, "%s\n", r->file);
    if (!r->msg || !wssec_msg_soap_version(r->msg)) {
        fprintf(out, "  not a usable SOAP message: %s\n", r->err ? r->err->message : "?");
        return;
    }
    fprintf(out, "  SOAP %s; checked at %s (%s)\n", soap_name(wssec_msg_soap_version(r->msg)),
            nowtext, r->clock ? r->clock : "system clock");
    describe_headers(out, r->msg, r->res);
    size_t n = r->res ? wssec_result_token_count(r->res) : 0;
    if (n == 0) {
        fprintf(out, "  No wsse:Security header (or an empty one) targets this node.\n");
        print_verdict(out, r);
        return;
    }
    fprintf(out, "  Security header for this node: %zu item%s\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < wssec_result_warning_count(r->res); i++)
        fprintf(out, "  warning: %s\n", wssec_result_warning(r->res, i));
    for (size_t i = 0; i < n; i++) {
        const wssec_token *t = wssec_result_token(r->res, i);
        xmlNodePtr node = wssec_token_node(t);
        fprintf(out, "    [%zu] %s (%s)\n", i + 1, wssec_token_type(t),
                node ? (const char *)node->name : "?");
        for (size_t j = 0; j < wssec_token_prop_count(t); j++) {
            const char *pn, *pv;
            if (!wssec_token_prop(&pn, &pv, t, j)) fprintf(out, "        %-14s %s\n", pn, pv);
        }
        char problem[800];
        if (wssec_token_status(t) == 0 && chain_problem(t, problem, sizeof(problem)))
            fprintf(out, "        %-14s not trusted: %s\n", "status", problem);
        else if (wssec_token_status(t) == 0)
            fprintf(out, "        %-14s ok%s%s\n", "status", wssec_token_identity(t) ? ", proves " : "",
                    wssec_token_identity(t) ? wssec_token_identity(t) : "");
        else
            fprintf(out, "        %-14s %s: %s\n", "status", wssec_code_name(wssec_token_status(t)),
                    wssec_token_error(t)->message);
    }
    print_verdict(out, r);
}

/* The account of `wssec inspect` of certificates: each one checked, its
 * chain and its verdict, the warnings, and the verdict of the whole. */
void cli_report_certs(FILE *out, const cli_report *r, wssec_time now)
{
    char nowtext[32] = "";
    if (wssec_time_format(nowtext, sizeof(nowtext), now, 1)) nowtext[0] = '\0';
    size_t n = wssec_result_token_count(r->res), bad = 0;
    fprintf(out, "%s\n", r->file);
    fprintf(out, "  %zu certificate%s checked against the configured trust at %s (%s)\n", n,
            n == 1 ? "" : "s", nowtext, r->clock ? r->clock : "system clock");
    for (size_t i = 0; i < wssec_result_warning_count(r->res); i++)
        fprintf(out, "  warning: %s\n", wssec_result_warning(r->res, i));
    for (size_t i = 0; i < n; i++) {
        const wssec_token *t = wssec_result_token(r->res, i);
        const char *as = wssec_token_get(t, "checked-as");
        fprintf(out, "    [%zu] %s\n", i + 1, wssec_token_get(t, "subject"));
        for (size_t j = 0; j < wssec_token_prop_count(t); j++) {
            const char *pn, *pv;
            if (!wssec_token_prop(&pn, &pv, t, j)) fprintf(out, "        %-14s %s\n", pn, pv);
        }
        if (wssec_token_status(t) == 0) {
            fprintf(out, "        %-14s ok: validates as a %s\n", "status",
                    as && !strncmp(as, "CA", 2) ? "CA" : "signer");
            continue;
        }
        bad++;
        fprintf(out, "        %-14s %s: %s\n", "status", wssec_code_name(wssec_token_status(t)),
                wssec_token_error(t)->message);
    }
    if (bad == 0)
        fprintf(out, "  Verdict: %s validate%s\n", n == 1 ? "the certificate" : "every certificate",
                n == 1 ? "s" : "");
    else
        fprintf(out, "  Verdict: %zu of %zu certificate%s do%s not validate (exit %d)\n", bad, n,
                n == 1 ? "" : "s", bad == 1 ? "es" : "", r->exit_code);
}
