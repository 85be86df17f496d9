/*
 * plot_data.h — the run plots' data files and what has data (plot_data.c),
 * for plot.c.  Each writer returns 0 or a negative error; t0 is the run's
 * time origin.
 */
#ifndef CB_REPORT_PLOT_DATA_H
#define CB_REPORT_PLOT_DATA_H

#include <stddef.h>

#include "call/call.h"

int cb_plot_write_latency(const struct cb_media_result *m, cb_ns t0, const char *dir, double *ymax);
int cb_plot_write_cdf(const struct cb_media_result *m, const char *dir);
int cb_plot_write_stages(const struct cb_run_result *res, const char *dir);
int cb_plot_has_stages(const struct cb_media_result *m);
int cb_plot_has_jb(const struct cb_media_result *m);
int cb_plot_has_psnr(const struct cb_media_result *m);
int cb_plot_has_rtcp(const struct cb_run_result *res, const struct cb_media_result *m);
size_t cb_plot_rtcp_reports(const struct cb_run_result *res, enum cb_media media);
int cb_plot_has_rtt(const struct cb_run_result *res, const struct cb_media_result *m);
int cb_plot_has_age(const struct cb_media_result *m);
int cb_plot_write_age(const struct cb_media_result *m, cb_ns t0, const char *dir);
int cb_plot_write_events(const struct cb_run_result *res, cb_ns t0, const char *dir, size_t *n_lost,
			 size_t *n_rec);
int cb_plot_write_jb(const struct cb_media_result *m, cb_ns t0, const char *dir);
int cb_plot_write_psnr(const struct cb_media_result *m, cb_ns t0, const char *dir);
int cb_plot_write_rtcp(const struct cb_run_result *res, enum cb_media media, cb_ns t0,
		       const char *dir, double *tmax);

#endif
