/*
 * sim.c — running a call's two ends in simulated time: a discrete-event
 * loop over capture, send, arrival, poll and feedback events on virtual
 * clocks, so that a call of any length runs as fast as the machine allows
 * and repeats exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/call.h"
#include "call/drive.h"
#include "call/endpoint.h"
#include "net/path.h"

/* EV_WAKE: an extra receiver poll at the exact time its jitter buffers
 * asked for (EV_POLL is the regular 2 ms one). */
enum sim_ev_type {
	EV_VIDEO,
	EV_AUDIO,
	EV_VSEND,
	EV_ASEND,
	EV_ARRIVAL,
	EV_POLL,
	EV_FEEDBACK,
	EV_SPOLL,
	EV_WAKE
};

struct sim_ev {
	cb_ns t;
	uint64_t order; /* ties run in the order they were scheduled: determinism */
	enum sim_ev_type type;
	uint32_t idx;
	uint8_t *pkt;
	size_t len;
};

static int ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void sim_push(struct cb_sim *q, struct sim_ev e)
{
	size_t i;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 1024;
		struct sim_ev *v = realloc(q->heap, cap * sizeof(*v));
		if (!v) {
			q->err = -ENOMEM;
			free(e.pkt);
			return;
		}
		q->heap = v;
		q->cap = cap;
	}
	e.order = q->order++;
	i = q->n++;
	while (i > 0 && ev_before(&e, &q->heap[(i - 1) / 2])) {
		q->heap[i] = q->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->heap[i] = e;
}

static struct sim_ev sim_pop(struct cb_sim *q)
{
	struct sim_ev top = q->heap[0], last = q->heap[--q->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && ev_before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!ev_before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->n)
		q->heap[i] = last;
	return top;
}

/* The paths hand each packet that survives the network to the loop: the
 * forward one to the receiver, the reverse one (RTCP) to the sender. */
static void sim_deliver_to(struct cb_sim *q, enum sim_ev_type type, const uint8_t *data, size_t len,
			   cb_ns t_arrive)
{
	struct sim_ev e = {.t = t_arrive, .type = type, .len = len};

	e.pkt = malloc(len ? len : 1);
	if (!e.pkt) {
		q->err = -ENOMEM;
		return;
	}
	memcpy(e.pkt, data, len);
	sim_push(q, e);
}

void cb_sim_deliver(void *user, const uint8_t *data, size_t len, cb_ns t_arrive)
{
	sim_deliver_to(user, EV_ARRIVAL, data, len, t_arrive);
}

void cb_sim_deliver_rev(void *user, const uint8_t *data, size_t len, cb_ns t_arrive)
{
	sim_deliver_to(user, EV_FEEDBACK, data, len, t_arrive);
}

#define SIM_POLL_NS  (2 * CB_NS_PER_MS)
#define SIM_SPOLL_NS (10 * CB_NS_PER_MS)

/* Schedule a receiver poll at the jitter buffers' next wake-up unless one
 * is already scheduled for that instant.  A wake-up that moved later leaves
 * its old event behind: one harmless extra poll.  Everything here follows
 * from the event order, so a run stays deterministic. */
static void sim_arm_wake(struct cb_sim *q, struct cb_receiver *rcv, cb_ns now, cb_ns *armed)
{
	cb_ns w = cb_receiver_next_wakeup(rcv);

	if (w == CB_NS_NONE || w <= now || w == *armed)
		return;
	sim_push(q, (struct sim_ev){.t = w, .type = EV_WAKE});
	*armed = w;
}

int cb_drive_sim(struct cb_session *ss, struct cb_sender *snd, struct cb_receiver *rcv,
		 struct cb_sim *q, struct cb_sim_clock *vs, struct cb_sim_clock *as,
		 struct cb_sim_clock *rs, struct cb_sim_clock *fs,
		 const struct cb_call_hooks *hooks)
{
	const struct cb_call_cfg *cfg = ss->cfg;
	const uint32_t nv = cb_sender_video_frames(snd), na = cb_sender_audio_frames(snd);
	const cb_ns end = ss->t0 + (cb_ns)(cfg->duration_s * CB_NS_PER_S) + CB_CALL_DRAIN_MAX_NS;
	cb_ns next_progress = ss->t0, armed = CB_NS_NONE;
	uint8_t buf[CB_NET_MAX_PKT];
	int rc;

	rc = cb_sender_prepare(snd);
	if (rc < 0)
		return rc;
	if (nv)
		sim_push(q, (struct sim_ev){.t = cb_sender_video_due(snd, 0), .type = EV_VIDEO});
	if (na)
		sim_push(q, (struct sim_ev){.t = cb_sender_audio_due(snd, 0), .type = EV_AUDIO});
	sim_push(q, (struct sim_ev){.t = ss->t0, .type = EV_POLL});
	sim_push(q, (struct sim_ev){.t = ss->t0, .type = EV_SPOLL});
	while (q->n && !q->err && !snd->err && !rcv->err) {
		struct sim_ev e = sim_pop(q);

		if (e.t > end || cb_drive_stop_requested(hooks)) {
			free(e.pkt);
			break;
		}
		switch (e.type) {
		case EV_VIDEO:
		case EV_AUDIO: {
			/* A track starts a frame at its instant, or when it is
			 * done with the previous one if that ran late; the frame
			 * leaves when encoding is done (a separate event, so the
			 * network takes both tracks' packets in time order). */
			enum cb_media m = e.type == EV_VIDEO ? CB_MEDIA_VIDEO : CB_MEDIA_AUDIO;
			struct cb_sim_clock *c = m == CB_MEDIA_VIDEO ? vs : as;

			if (c->t < e.t)
				c->t = e.t;
			if (cb_sender_encode(snd, m, e.idx) == 0)
				sim_push(q, (struct sim_ev){.t = c->t,
							    .type = m == CB_MEDIA_VIDEO ? EV_VSEND
											: EV_ASEND,
							    .idx = e.idx});
			break;
		}
		case EV_VSEND:
		case EV_ASEND: {
			enum cb_media m = e.type == EV_VSEND ? CB_MEDIA_VIDEO : CB_MEDIA_AUDIO;
			struct cb_sim_clock *c = m == CB_MEDIA_VIDEO ? vs : as;
			uint32_t next = e.idx + 1, total = m == CB_MEDIA_VIDEO ? nv : na;
			cb_ns due;

			if (c->t < e.t)
				c->t = e.t;
			if (cb_sender_send(snd, m) < 0 || next >= total)
				break;
			due = m == CB_MEDIA_VIDEO ? cb_sender_video_due(snd, next)
						  : cb_sender_audio_due(snd, next);
			sim_push(q,
				 (struct sim_ev){.t = due,
						 .type = m == CB_MEDIA_VIDEO ? EV_VIDEO : EV_AUDIO,
						 .idx = next});
			break;
		}
		case EV_ARRIVAL: {
			/* The packet is in the receiver's socket at e.t; the
			 * receiver takes it when it is free. */
			struct cb_net_pkt p = {
			    .data = buf, .len = e.len, .cap = sizeof(buf), .t_kernel = e.t};

			if (rs->t < e.t)
				rs->t = e.t;
			memcpy(buf, e.pkt, e.len < sizeof(buf) ? e.len : sizeof(buf));
			free(e.pkt);
			p.t_recv = rs->t;
			cb_receiver_handle(rcv, &p);
			atomic_fetch_add(&rcv->packets_seen, 1);
			rc = cb_receiver_poll(rcv);
			if (rc < 0)
				return rc;
			sim_arm_wake(q, rcv, rs->t, &armed);
			break;
		}
		case EV_FEEDBACK: {
			struct cb_net_pkt p = {
			    .data = buf, .len = e.len, .cap = sizeof(buf), .t_kernel = e.t};

			if (fs->t < e.t)
				fs->t = e.t;
			memcpy(buf, e.pkt, e.len < sizeof(buf) ? e.len : sizeof(buf));
			free(e.pkt);
			p.t_recv = fs->t;
			cb_feedback_sender_handle(snd, &p);
			break;
		}
		case EV_SPOLL:
			if (fs->t < e.t)
				fs->t = e.t;
			cb_feedback_sender_poll(snd);
			sim_push(q, (struct sim_ev){.t = e.t + SIM_SPOLL_NS, .type = EV_SPOLL});
			break;
		case EV_POLL:
			if (rs->t < e.t)
				rs->t = e.t;
			rc = cb_receiver_poll(rcv);
			if (rc < 0)
				return rc;
			sim_push(q, (struct sim_ev){.t = e.t + SIM_POLL_NS, .type = EV_POLL});
			sim_arm_wake(q, rcv, rs->t, &armed);
			break;
		case EV_WAKE:
			if (rs->t < e.t)
				rs->t = e.t;
			rc = cb_receiver_poll(rcv);
			if (rc < 0)
				return rc;
			sim_arm_wake(q, rcv, rs->t, &armed);
			break;
		}
		if (e.t >= next_progress) {
			cb_drive_progress(hooks, cfg, rcv, e.t, ss->t0);
			next_progress = e.t + CB_NS_PER_S;
		}
	}
	while (q->n)
		free(sim_pop(q).pkt);
	return q->err;
}

void cb_sim_free(struct cb_sim *q)
{
	while (q->n)
		free(sim_pop(q).pkt);
	free(q->heap);
	q->heap = NULL;
	q->cap = 0;
}
