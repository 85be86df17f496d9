/*
 * drive.c — running a call's two ends on the real clock: the sender's and
 * receiver's threads run, this supervises them (progress, a stop asked for,
 * draining what is still on its way), and what both drivers share.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "call/call.h"
#include "call/drive.h"
#include "call/endpoint.h"
#include "net/path.h"

void cb_drive_progress(const struct cb_call_hooks *hooks, const struct cb_call_cfg *cfg,
		       struct cb_receiver *rcv, cb_ns now, cb_ns t0)
{
	int64_t lv = atomic_load(&rcv->last_video_ns), la = atomic_load(&rcv->last_audio_ns);
	struct cb_call_progress p = {
	    .media_s = now > t0 ? (double)(now - t0) / 1e9 : 0,
	    .duration_s = cfg->duration_s,
	    .video_frames_identified = atomic_load(&rcv->video_identified),
	    .audio_marks_identified = atomic_load(&rcv->audio_identified),
	    .last_video_ms = lv == INT64_MIN ? NAN : (double)lv / 1e6,
	    .last_audio_ms = la == INT64_MIN ? NAN : (double)la / 1e6,
	};

	if (!hooks || !hooks->progress)
		return;
	if (p.media_s > cfg->duration_s)
		p.media_s = cfg->duration_s;
	hooks->progress(hooks->user, &p);
}

int cb_drive_stop_requested(const struct cb_call_hooks *hooks)
{
	return hooks && hooks->stop && atomic_load(hooks->stop);
}

/* ---- real time: threads on the real clock ---- */

int cb_drive_real(struct cb_session *ss, struct cb_sender *snd, struct cb_receiver *rcv,
		  struct cb_path *path, const struct cb_call_hooks *hooks)
{
	const struct cb_call_cfg *cfg = ss->cfg;
	cb_ns last_progress = 0, drain_start;
	int rc;

	rc = cb_receiver_start(rcv);
	if (rc == 0)
		rc = cb_sender_start(snd);
	if (rc == 0)
		rc = cb_feedback_sender_start(snd);
	if (rc < 0) {
		atomic_store(&snd->abort, 1);
		return rc;
	}
	/* Supervise: progress while the sender captures, then let what is in
	 * flight arrive (every copy the network will deliver, or a deadline). */
	while (!cb_sender_done(snd)) {
		cb_ns now = cb_clock_now(&ss->clock);
		if (rcv->err)
			atomic_store(&snd->abort, 1);
		if (now - last_progress >= 250 * CB_NS_PER_MS) {
			cb_drive_progress(hooks, cfg, rcv, now, ss->t0);
			last_progress = now;
		}
		cb_clock_sleep_until(&ss->clock, now + 20 * CB_NS_PER_MS);
	}
	cb_sender_join(snd);
	drain_start = cb_clock_now(&ss->clock);
	while ((atomic_load(&rcv->packets_seen) < atomic_load(&snd->packets_expected) ||
		cb_path_pending(path)) &&
	       cb_clock_now(&ss->clock) - drain_start < CB_CALL_DRAIN_MAX_NS && !rcv->err)
		cb_clock_sleep_until(&ss->clock, cb_clock_now(&ss->clock) + 5 * CB_NS_PER_MS);
	/* Then let the jitter buffers play out what they hold (the last marks
	 * may wait there a playout delay), within a bound: a frame that can
	 * never be decoded leaves when its buffer drops it. */
	drain_start = cb_clock_now(&ss->clock);
	do
		cb_clock_sleep_until(&ss->clock, cb_clock_now(&ss->clock) + 10 * CB_NS_PER_MS);
	while (atomic_load(&rcv->backlog) > 0 && !rcv->err &&
	       cb_clock_now(&ss->clock) - drain_start < CB_CALL_DRAIN_MAX_NS);
	cb_receiver_stop_join(rcv);
	cb_feedback_sender_stop(snd);
	return 0;
}
