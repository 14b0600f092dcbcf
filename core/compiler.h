/* SPDX-License-Identifier: MIT */
/*
 * Compiler attributes and the contract check used throughout core/.
 * CORE_ASSERT states a function's assumption; a failed one goes out through
 * port_assert_failed (core/port.h), which the kernel turns into a panic and
 * the host tests into a test failure.
 */
#ifndef CORE_COMPILER_H
#define CORE_COMPILER_H

#include "port.h"

#define MUST_CHECK __attribute__((warn_unused_result))
#define UNUSED __attribute__((unused))
#define ARRAY_LENGTH(a) (sizeof(a) / sizeof((a)[0]))
/* A one-line accessor on the IPC paths: always inlined (GCC's -O2 keeps
 * an out-of-line copy of a `static inline` called from many places). The
 * coverage build (CORE_HOT_OUT_OF_LINE) keeps one copy per file instead:
 * inlined at every call site, gcov would count each accessor's branches
 * once per site, most of them never meant to be taken there. */
#ifdef CORE_HOT_OUT_OF_LINE
#define HOT_INLINE static inline
#else
#define HOT_INLINE static inline __attribute__((always_inline))
#endif

#ifdef NDEBUG
/* Not evaluated (sizeof), but what it names still counts as used: the
 * release kernel (-DNDEBUG) builds with -Werror's unused checks. */
#define CORE_ASSERT(expr) ((void)sizeof(!(expr)))
#else
#define CORE_ASSERT(expr) ((expr) ? (void)0 : port_assert_failed(__FILE__, __LINE__, #expr))
#endif

/*
 * A contract of a one-line accessor on the IPC paths (cap.h): checked like
 * CORE_ASSERT in the host tests, left out of the kernel (which defines
 * CORE_HOT_UNCHECKED), where the checks cost more than the accessors and
 * kept the compiler from inlining them (docs/benchmarks.md).
 */
#if defined(NDEBUG) || defined(CORE_HOT_UNCHECKED)
#define CORE_ASSERT_HOT(expr) ((void)0)
#else
#define CORE_ASSERT_HOT(expr) CORE_ASSERT(expr)
#endif

#endif
