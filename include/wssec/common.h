/*
 * wssec — WS-Security SOAP message processor.
 *
 * common.h: export macros, version, attributes shared by every public header.
 */
#ifndef WSSEC_COMMON_H
#define WSSEC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(WSSEC_STATIC)
#define WSSEC_API
#elif defined(__GNUC__) && defined(WSSEC_BUILDING)
#define WSSEC_API __attribute__((visibility("default")))
#else
#define WSSEC_API
#endif

/*
 * WSSEC_WARN_UNUSED marks every call whose result decides security (verify,
 * parse, build a context, set an option, check replay, ask whether a node is
 * signed or decrypted, ...): ignoring it is a compile-time warning.
 *
 * WSSEC_NONNULL tells a caller's compiler which pointers must not be NULL, so
 * that a literal NULL there is a warning. The library checks those pointers
 * anyway and fails cleanly (WSSEC_EINVALID, or NULL / 0 / nothing as each
 * function documents): the attribute is compiled out while the library
 * itself is built (WSSEC_BUILDING), so the compiler can never assume the
 * pointers non-NULL and drop the checks. Define WSSEC_NO_NONNULL before
 * including wssec to compile it out in a program too (the argument-check
 * tests do, to pass NULL on purpose).
 */
#if defined(__GNUC__)
#define WSSEC_WARN_UNUSED __attribute__((warn_unused_result))
#if defined(WSSEC_BUILDING) || defined(WSSEC_NO_NONNULL)
#define WSSEC_NONNULL(...)
#else
#define WSSEC_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#endif
#define WSSEC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define WSSEC_WARN_UNUSED
#define WSSEC_NONNULL(...)
#define WSSEC_PRINTF(fmt, args)
#endif

/* WSSEC_VERSION_MAJOR, _MINOR, _PATCH, WSSEC_VERSION ("0.1.0") and
 * WSSEC_VERSION_NUMBER (0xMMmmpp), generated from the build's project version. */
#include <wssec/version.h>

/**
 * The version of the library linked at run time, as "MAJOR.MINOR.PATCH".
 *
 * @return a static string; never NULL. Thread-safe.
 */
WSSEC_API const char *wssec_version(void);

/**
 * Checks that the library linked at run time is compatible with the headers
 * the caller was compiled with: same major version, minor not older.
 *
 * @param number WSSEC_VERSION_NUMBER as the caller saw it.
 * @return 0 when compatible, WSSEC_EINVALID otherwise. Thread-safe.
 */
WSSEC_API int wssec_check_version(unsigned long number) WSSEC_WARN_UNUSED;

/** Milliseconds since 1970-01-01T00:00:00Z; all wssec times are in this unit. */
typedef int64_t wssec_time;

#ifdef __cplusplus
}
#endif

#endif /* WSSEC_COMMON_H */
