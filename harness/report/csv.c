#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"
#include "report/report.h"

/*
 * Times are written in ms relative to the run's origin with 3 decimals, i.e.
 * to the microsecond.  The integer arithmetic keeps the cell exact however
 * long the run: a double of nanoseconds since boot would not be.
 */
static void put_ms(FILE *f, cb_ns t, cb_ns t0)
{
	int64_t us;

	if (t == CB_NS_NONE)
		return;
	us = (t - t0) / 1000;
	if ((t - t0) % 1000 >= 500)
		us++;
	else if ((t - t0) % 1000 <= -500)
		us--;
	if (us < 0)
		fprintf(f, "-%" PRId64 ".%03" PRId64, -us / 1000, -us % 1000);
	else
		fprintf(f, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
}

static void put_double(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, "%.3f", x);
}

static void frame_rows(FILE *f, const struct cb_frame_log *fl, cb_ns t0)
{
	for (size_t i = 0; i < fl->n; i++) {
		const struct cb_frame_rec *r = &fl->v[i];

		fprintf(
		    f, "%s,%" PRIu32 ",%" PRIu32 ",%u,%u,%" PRIu32 ",%u,%u,%u,%u,%u,%u,%u,%" PRId64,
		    cb_media_name(r->media), r->index, r->rtp_ts, r->first_seq, r->npackets,
		    r->bytes, !!r->keyframe, !!r->encoded, !!r->sent, !!r->received, !!r->decoded,
		    !!r->identified, !!r->mismatch, (int64_t)r->content_id);
		for (int s = 0; s < CB_ST_COUNT; s++) {
			fputc(',', f);
			put_ms(f, r->st[s], t0);
		}
		fputc(',', f);
		put_double(f, r->e2e_ms);
		fputc(',', f);
		put_double(f, r->algo_ms);
		fputc(',', f);
		if (!isnan(r->e2e_ms))
			fputs(cb_band_name(cb_band_of(r->e2e_ms)), f);
		fputc(',', f);
		put_double(f, r->psnr);
		fputc(',', f);
		if (!isnan(r->ssim))
			fprintf(f, "%.5f", r->ssim);
		fprintf(f, ",%u\n", !!r->concealed);
	}
}

static int frames_table(FILE *f, const struct cb_run_result *res, cb_ns t0)
{
	fputs("media,index,rtp_ts,first_seq,packets,bytes,keyframe,encoded,sent,received,decoded,"
	      "identified,mismatch,content_id",
	      f);
	for (int s = 0; s < CB_ST_COUNT; s++)
		fprintf(f, ",%s_ms", cb_stamp_name((enum cb_stamp)s));
	fputs(",e2e_ms,algo_ms,band,psnr_db,ssim,concealed\n", f);
	frame_rows(f, &res->video.frames, t0);
	frame_rows(f, &res->audio.frames, t0);
	return 0;
}

/* The rows may come from a spool on disk (measure/record.h): its I/O error
 * fails the table. */
static int packets_table(FILE *f, const struct cb_run_result *res, cb_ns t0)
{
	fputs("media,seq,rtp_ts,size,marker,fate,duplicated,sent_ms,received_ms,transit_ms,"
	      "net_delay_ms,queue_delay_ms\n",
	      f);
	for (size_t i = 0; i < res->packets.n; i++) {
		const struct cb_packet_rec *p = cb_packet_log_at(&res->packets, i);

		if (!p)
			return cb_packet_log_error(&res->packets)
				   ? cb_packet_log_error(&res->packets)
				   : -EIO;

		fprintf(f, "%s,%u,%" PRIu32 ",%u,%u,%s,%u,", cb_media_name(p->media), p->seq,
			p->rtp_ts, p->size, !!p->marker,
			cb_pkt_fate_name((enum cb_pkt_fate)p->fate), !!p->duplicated);
		put_ms(f, p->sent, t0);
		fputc(',', f);
		put_ms(f, p->received, t0);
		fputc(',', f);
		if (p->sent != CB_NS_NONE && p->received != CB_NS_NONE)
			put_ms(f, p->received, p->sent);
		fputc(',', f);
		if (p->net_delay != CB_NS_NONE)
			put_ms(f, p->net_delay, 0);
		fputc(',', f);
		if (p->queue_delay != CB_NS_NONE)
			put_ms(f, p->queue_delay, 0);
		fputc('\n', f);
	}
	return 0;
}

/*
 * Both tables grow with the call (about 19 and 14 kB per media second), so
 * they are streamed to a temporary file and renamed into place when whole:
 * a reader never sees half a table.  Every time in them is relative to the
 * run's origin.
 */
static int write_csv(const struct cb_run_result *res, const char *path,
		     int (*table)(FILE *f, const struct cb_run_result *res, cb_ns t0))
{
	struct cb_out o;
	int err;

	if (!res || !path)
		return -EINVAL;
	err = cb_out_open(&o, path);
	if (err)
		return err;
	err = table(o.f, res, cb_run_t0(res));
	if (err) {
		cb_out_discard(&o);
		return err;
	}
	return cb_out_commit(&o);
}

int cb_report_frames_csv(const struct cb_run_result *res, const char *path)
{
	return write_csv(res, path, frames_table);
}

int cb_report_packets_csv(const struct cb_run_result *res, const char *path)
{
	return write_csv(res, path, packets_table);
}
