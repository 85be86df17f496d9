/*
 * versions.h — the version of callbench and of every library it links, as
 * the linked libraries report themselves (a shared library can differ from
 * the headers it was built against); where a library has no run-time
 * version call, the version it was built against, marked "(build)".
 */
#ifndef CB_REPORT_VERSIONS_H
#define CB_REPORT_VERSIONS_H

#include <stddef.h>

#define CB_VERSION "0.9.0"

struct cb_version {
	const char *name, *version; /**< static storage */
};

/** Fill up to `max` entries, callbench first; returns how many. */
size_t cb_versions(struct cb_version *v, size_t max);

#endif
