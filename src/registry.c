/*
 * wssec — the module registry: the built-in token modules, and a list of
 * modules looked up by the element they consume or the action they
 * generate. A configuration holds one list (built-ins first, then what the
 * caller and plug-ins add); the context copies it.
 */
#include <string.h>

#include "wssec/wssec.h"
#include "wssec/sys/sdk.h"
#include "registry.h"
#include "tokens/tokens.h"
#include "util.h"

/* Modules a list holds: built-ins, the caller's and plug-ins'. */
#define MODULES_MAX 1024

static const wssec_module *const builtins[] = {
    &wssec__module_timestamp,      &wssec__module_username,   &wssec__module_bst,
    &wssec__module_signature,      &wssec__module_encryption, &wssec__module_assertion,
    &wssec__module_reference_list, &wssec__module_derived_key, &wssec__module_derived_key_13,
    &wssec__module_sct,            &wssec__module_sct_13,
    &wssec__module_endorse,        &wssec__module_confirmation,
};

int wssec__modlist_builtins(wssec_modlist *l)
{
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(builtins); i++)
        WSSEC_GUARD(wssec__modlist_add(l, builtins[i]));
    return 0;
}

/* Two modules fill the same slot when they share an action name, or consume
 * the same element (and ValueType). */
static int same_slot(const wssec_module *a, const wssec_module *b)
{
    if (strcmp(a->name, b->name) == 0) return 1;
    if (!a->local || !b->local) return 0;
    return strcmp(a->local, b->local) == 0 && strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "") == 0 &&
           strcmp(a->value_type ? a->value_type : "", b->value_type ? b->value_type : "") == 0;
}

int wssec__modlist_add(wssec_modlist *l, const wssec_module *m)
{
    for (size_t i = 0; i < l->n; i++) {
        if (same_slot(l->v[i], m)) {
            l->v[i] = m;
            return 0;
        }
    }
    WSSEC_GUARD(wssec__array_grow(&l->v, l->n, sizeof(*l->v), MODULES_MAX));
    l->v[l->n++] = m;
    return 0;
}

int wssec__modlist_copy(wssec_modlist *dst, const wssec_modlist *src)
{
    dst->v = wssec__malloc((src->n ? src->n : 1) * sizeof(*dst->v));
    dst->n = 0;
    if (!dst->v) return WSSEC_ENOMEM;
    if (src->n) memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
    dst->n = src->n;
    return 0;
}

void wssec__modlist_clear(wssec_modlist *l)
{
    wssec__free(l->v);
    l->v = NULL;
    l->n = 0;
}

const wssec_module *wssec__modlist_for_elem(const wssec_modlist *l, xmlNodePtr elem)
{
    const wssec_module *generic = NULL;
    const char *vt = NULL;
    for (size_t i = 0; i < l->n; i++) {
        const wssec_module *m = l->v[i];
        if (!m->local || !wssec_xml_is(elem, m->ns, m->local)) continue;
        if (!m->value_type) {
            generic = m;
            continue;
        }
        if (!vt) vt = wssec_xml_attr(elem, "ValueType");
        if (vt && strcmp(vt, m->value_type) == 0) return m;
    }
    return generic;
}

const char *wssec__module_alias(const char *name)
{
    /* old spelling -> the name of the module (and of its tokens) */
    static const struct {
        const char *alias, *name;
    } aliases[] = {
        { "encrypt", "encrypted-key" }, /* the action's name before 0.2 */
    };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(aliases); i++)
        if (strcmp(name, aliases[i].alias) == 0) return aliases[i].name;
    return name;
}

const wssec_module *wssec__modlist_by_name(const wssec_modlist *l, const char *name)
{
    name = wssec__module_alias(name);
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i]->name, name) == 0) return l->v[i];
    return NULL;
}
