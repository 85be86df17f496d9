/*
 * sweep_run.c — running a sweep's cells: each one call, its run folder,
 * then the comparison (report/sweep.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "call/settings.h"
#include "call/sweep_run.h"
#include "report/report.h"

int cb_sweep_run(struct cb_sweep *sw, const struct cb_call_cfg *base, const char *dir,
		 const struct cb_sweep_hooks *hooks)
{
	const struct cb_logger *log;
	const struct cb_setting *row[CB_SWEEP_MAX_AXES];
	struct cb_call_cfg cfg;
	char why[256];
	size_t not_complete = 0;
	int err;

	if (!sw || !base || !dir || !hooks || !sw->n_cells || strlen(dir) >= sizeof(cfg.out_dir))
		return -EINVAL;
	log = &hooks->log;
	/* Every axis must be a setting, and every value apply, before anything
	 * runs: no half-done sweep on a typo. */
	for (size_t a = 0; a < sw->n_axes; a++) {
		row[a] = cb_call_setting_axis(sw->axis[a].name, why, sizeof(why));
		if (!row[a]) {
			cb_log(log, CB_LOG_ERROR, "sweep", "axis %s", why);
			return -EINVAL;
		}
		for (size_t v = 0; v < sw->axis[a].n; v++) {
			cfg = *base;
			why[0] = 0;
			err =
			    cb_setting_parse(row[a], &cfg, sw->axis[a].values[v], why, sizeof(why));
			if (err < 0) {
				cb_log(log, CB_LOG_ERROR, "sweep", "--%s %s: %s", sw->axis[a].name,
				       sw->axis[a].values[v], why);
				return err;
			}
		}
	}
	err = cb_mkdir_p(dir);
	if (err)
		return err;
	snprintf(sw->status, sizeof(sw->status), "running");
	err = cb_sweep_json_write(sw, dir);
	if (err)
		return err;
	for (size_t c = 0; c < sw->n_cells; c++) {
		struct cb_sweep_cell *cell = &sw->cells[c];
		struct cb_call_hooks ch = {0};
		struct cb_run_result res;
		int rc;

		if (hooks->stop && atomic_load(hooks->stop))
			break;
		cfg = *base;
		for (size_t a = 0; a < sw->n_axes; a++)
			cb_setting_parse(row[a], &cfg, cell->value[a], why, sizeof(why));
		snprintf(cfg.out_dir, sizeof(cfg.out_dir), "%s", dir);
		snprintf(cfg.run_id, sizeof(cfg.run_id), "%.63s", cell->name);
		if (hooks->call)
			ch = *hooks->call;
		ch.stop = hooks->stop;
		rc = cb_call_run(&cfg, &ch, &res);
		if (rc < 0) {
			cb_log(log, CB_LOG_ERROR, "sweep", "cell %s: %s", cell->name,
			       res.error[0] ? res.error : cb_strerror(rc));
			snprintf(cell->status, sizeof(cell->status), "failed");
		} else {
			if (hooks->cell_result)
				hooks->cell_result(hooks->user, c, &res);
			rc = cb_report_write(&res, log, hooks->report_stop, NULL, 0);
			snprintf(cell->status, sizeof(cell->status), "%s",
				 rc < 0 ? "failed" : cb_run_status_name(res.status));
		}
		if (hooks->cell_done)
			hooks->cell_done(hooks->user, c, cell, rc < 0 ? NULL : &res);
		cb_run_result_free(&res);
		err = cb_sweep_json_write(sw, dir);
		if (err)
			return err;
	}
	if (hooks->stop && atomic_load(hooks->stop))
		snprintf(sw->status, sizeof(sw->status), "interrupted");
	else
		snprintf(sw->status, sizeof(sw->status), "complete");
	err = cb_sweep_report_write(sw, dir, log, hooks->report_stop);
	if (err)
		return err;
	for (size_t c = 0; c < sw->n_cells; c++)
		not_complete += strcmp(sw->cells[c].status, "complete") != 0;
	return (int)(not_complete < INT_MAX ? not_complete : INT_MAX);
}
