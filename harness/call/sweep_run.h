/*
 * sweep_run.h — run every cell of a planned sweep (report/sweep.h) as a
 * call, then write the comparison.
 */
#ifndef CB_CALL_SWEEP_RUN_H
#define CB_CALL_SWEEP_RUN_H

#include <stdatomic.h>
#include <stddef.h>

#include "base/log.h"
#include "call/call.h"
#include "report/sweep.h"

struct cb_sweep_hooks {
	struct cb_logger log;
	void *user;
	/** Called with each cell's result before its report is written (may
	 * be NULL): e.g. to hold it to limits (cb_run_result.gates). */
	void (*cell_result)(void *user, size_t i, struct cb_run_result *res);
	/** Called after each cell (may be NULL): its index and the cell's result. */
	void (*cell_done)(void *user, size_t i, const struct cb_sweep_cell *c,
			  const struct cb_run_result *res);
	/** Call hooks for each cell (progress, log); its stop is `stop` below. */
	const struct cb_call_hooks *call;
	/** Non-zero stops the sweep: the running cell ends interrupted, the rest stay pending. */
	const atomic_int *stop;
	/** Non-zero (may be NULL) abandons the running cell's report as well
	 * (cb_report_write's stop): that cell is left without summary.json. */
	const atomic_int *report_stop;
};

/**
 * Run every cell of a planned sweep into `dir` (made if missing): start
 * from `base`, apply the cell's axis values in axis order (each axis is a
 * setting of call/settings.h, its value parsed by the setting's row), run the call
 * with out_dir = `dir` and run_id = the cell's name, and write its run
 * folder.  sweep.json is written before the first cell and after each one,
 * so an interrupted or killed sweep still describes itself.  At the end (or
 * on stop) cb_sweep_report_write() writes the comparison; a stop marks it
 * "interrupted".  Returns the number of cells that did not complete (0:
 * all did; see each cell's status), or a negative error (a value that
 * does not apply or an axis that is no setting, checked before anything
 * runs; a file that cannot be written; logged).
 */
int cb_sweep_run(struct cb_sweep *sw, const struct cb_call_cfg *base, const char *dir,
		 const struct cb_sweep_hooks *hooks);

#endif
