/*
 * drive.h — what runs a call's two ends once they are set up (call.c): on
 * the real clock (drive.c) or in simulated time (sim.c).  Internal to the
 * call family.
 */
#ifndef CB_CALL_DRIVE_H
#define CB_CALL_DRIVE_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "call/call.h"

struct cb_session;
struct cb_sender;
struct cb_receiver;
struct cb_path;
struct sim_ev;

/* How long, at most, the end of a call waits for what is on its way. */
#define CB_CALL_DRAIN_MAX_NS (1500 * CB_NS_PER_MS)
/* Real clock: from setting up to the first capture. */
#define CB_CALL_START_DELAY_NS (100 * CB_NS_PER_MS)

/* 0, or -EINVAL with `why` saying which setting is wrong. */
int cb_call_cfg_check(const struct cb_call_cfg *c, char *why, size_t len);
/* A result's settings, run id, media names and versions, before a call. */
void cb_call_result_begin(struct cb_run_result *res, const struct cb_call_cfg *cfg);

void cb_drive_progress(const struct cb_call_hooks *hooks, const struct cb_call_cfg *cfg,
		       struct cb_receiver *rcv, cb_ns now, cb_ns t0);
int cb_drive_stop_requested(const struct cb_call_hooks *hooks);

/* Real clock: run both ends' threads until the media is captured and has
 * drained through (or a stop); 0 or a negative error. */
int cb_drive_real(struct cb_session *ss, struct cb_sender *snd, struct cb_receiver *rcv,
		  struct cb_path *path, const struct cb_call_hooks *hooks);

/* Simulated time: the event queue, which the paths deliver into. */
struct cb_sim {
	struct sim_ev *heap; /* private to sim.c */
	size_t n, cap;
	uint64_t order;
	int err;
};
void cb_sim_deliver(void *user, const uint8_t *data, size_t len, cb_ns t_arrive);
void cb_sim_deliver_rev(void *user, const uint8_t *data, size_t len, cb_ns t_arrive);
int cb_drive_sim(struct cb_session *ss, struct cb_sender *snd, struct cb_receiver *rcv,
		 struct cb_sim *q, struct cb_sim_clock *vs, struct cb_sim_clock *as,
		 struct cb_sim_clock *rs, struct cb_sim_clock *fs,
		 const struct cb_call_hooks *hooks);
/* Free what the queue still holds. */
void cb_sim_free(struct cb_sim *q);

#endif
