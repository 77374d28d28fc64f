/*
 * wssec — the configuration file (config_file.c): wssec_config_load() of the
 * public API, and the schema it validates against.
 */
#ifndef WSSEC_SRC_CONFIG_FILE_H
#define WSSEC_SRC_CONFIG_FILE_H

#include <stddef.h>

/* The configuration schema, built into the library (generated from schemas/). */
extern const unsigned char wssec__config_xsd[];
extern const size_t wssec__config_xsd_len;

#endif /* WSSEC_SRC_CONFIG_FILE_H */
