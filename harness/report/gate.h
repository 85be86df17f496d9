/*
 * gate.h — absolute limits a CI job holds a run to, without a baseline:
 *
 *   --fail-on BAND          fail if the verdict is BAND or worse
 *   --max METRIC=VALUE      fail if the figure is above VALUE
 *   --min METRIC=VALUE      fail if the figure is below VALUE
 *
 * METRIC is any number of summary.json by its documented path, with the
 * media's "media." prefix optional: video.latency_ms.p95,
 * media.audio.quality.segmental_snr_db, recovery.pli_sent.  A figure that
 * was not measured (null) fails its limit: a gate must never read "nothing"
 * as a pass.  The call's overall verdict "none" fails --fail-on.
 */
#ifndef CB_REPORT_GATE_H
#define CB_REPORT_GATE_H

#include <stddef.h>

#include "measure/stats.h"

#define CB_GATE_MAX 32

enum cb_gate_kind { CB_GATE_FAIL_ON = 0, CB_GATE_MAX_VALUE, CB_GATE_MIN_VALUE };

struct cb_gate {
	enum cb_gate_kind kind;
	char metric[96];   /**< as given: "video.latency_ms.p95"; "verdict" for --fail-on */
	double limit;	   /**< max/min */
	enum cb_band band; /**< fail-on */
	/* the outcome, from cb_gates_eval() */
	int evaluated;
	int pass;
	double value;	    /**< NaN when not measured */
	char value_txt[48]; /**< as shown: "153.2", "unusable", "not measured" */
	char text[192];	    /**< one line: "video.latency_ms.p95 = 153.2 > 150: breached" */
};

struct cb_gates {
	struct cb_gate v[CB_GATE_MAX];
	size_t n;
	size_t breached; /**< after cb_gates_eval() */
};

struct json_t;

/** Add --max (is_max 1) or --min from "METRIC=VALUE".  0, or -EINVAL with `why`. */
int cb_gates_add_limit(struct cb_gates *g, int is_max, const char *spec, char *why, size_t len);
/** Add --fail-on BAND ("excellent" ... "unusable").  0, or -EINVAL with `why`. */
int cb_gates_add_fail_on(struct cb_gates *g, const char *band, char *why, size_t len);
/**
 * Check every limit's METRIC names a figure of `summary` (one of an empty
 * run with both media on: it has every key).  0, or -EINVAL with `why`
 * naming the first unknown one.
 */
int cb_gates_check_paths(const struct cb_gates *g, struct json_t *summary, char *why, size_t len);
/** Evaluate against `summary` (summary.json's tree); returns the number breached. */
size_t cb_gates_eval(struct cb_gates *g, struct json_t *summary);
/** The limits and their outcome, for summary.json's "gates". */
struct json_t *cb_gates_json(const struct cb_gates *g);

#endif
