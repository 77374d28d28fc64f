/*
 * wssec — the module registry: the built-in modules, and lists of modules
 * looked up by element or action name (registry.c).
 */
#ifndef WSSEC_SRC_REGISTRY_H
#define WSSEC_SRC_REGISTRY_H

#include <stddef.h>

#include <libxml/tree.h>

#include "wssec/module.h"

typedef struct wssec_modlist {
    const wssec_module **v;
    size_t n;
} wssec_modlist;

/* Adds the built-in modules to a list. */
int wssec__modlist_builtins(wssec_modlist *l);
/* Adds a module; one that fills the slot of a listed one (same action name,
 * or same element and ValueType) replaces it. */
int wssec__modlist_add(wssec_modlist *l, const wssec_module *m);
int wssec__modlist_copy(wssec_modlist *dst, const wssec_modlist *src);
void wssec__modlist_clear(wssec_modlist *l);
/* The consumer of an element (by QName, and ValueType when modules register
 * one), or NULL. */
const wssec_module *wssec__modlist_for_elem(const wssec_modlist *l, xmlNodePtr elem);
/* Module names: a module, its action and the tokens it records share one
 * name (README, "Names of modules, actions and tokens"). Older spellings
 * stay accepted wherever an action is named: this gives the name an alias
 * stands for, or name itself. */
const char *wssec__module_alias(const char *name);
/* The module of an action (an alias accepted), or NULL. */
const wssec_module *wssec__modlist_by_name(const wssec_modlist *l, const char *name);

#endif /* WSSEC_SRC_REGISTRY_H */
