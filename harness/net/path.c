#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "measure/record.h"
#include "net/path.h"

struct held {
	cb_ns release;
	cb_ns t_send;	/* for the added-delay count */
	uint64_t order; /* ties leave in the order they were sent */
	size_t len;
	uint8_t data[];
};

struct cb_path {
	struct cb_path_cfg cfg;
	struct cb_impair *im; /* NULL: perfect network */
	/* lock guards everything below; cond (CLOCK_MONOTONIC, see
	 * cb_clock_cond_init) wakes the shaping thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cb_path_stats st;
	/* shaped mode */
	int shaped;
	pthread_t thread;
	int thread_started;
	int stop;
	int sending; /* the thread is handing a batch to the transport */
	struct held **heap;
	size_t n, cap;
	uint64_t order;
	int send_err;
};

/* One copy handed on at `t_out`: count what the path added.  Lock held. */
static void count(struct cb_path *p, cb_ns t_send, cb_ns release, cb_ns t_out)
{
	cb_ns late = t_out > release ? t_out - release : 0;

	p->st.packets++;
	p->st.added_sum += t_out - t_send;
	p->st.late_sum += late;
	if (late > p->st.late_max)
		p->st.late_max = late;
}

static int before(const struct held *a, const struct held *b)
{
	return a->release < b->release || (a->release == b->release && a->order < b->order);
}

static int heap_push(struct cb_path *p, struct held *h)
{
	size_t i;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct held **v = realloc(p->heap, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->heap = v;
		p->cap = cap;
	}
	i = p->n++;
	while (i > 0 && before(h, p->heap[(i - 1) / 2])) {
		p->heap[i] = p->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	p->heap[i] = h;
	return 0;
}

static struct held *heap_pop(struct cb_path *p)
{
	struct held *top = p->heap[0], *last = p->heap[--p->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= p->n)
			break;
		if (c + 1 < p->n && before(p->heap[c + 1], p->heap[c]))
			c++;
		if (!before(p->heap[c], last))
			break;
		p->heap[i] = p->heap[c];
		i = c;
	}
	if (p->n)
		p->heap[i] = last;
	return top;
}

/*
 * The shaping thread: sleep until the earliest release, then hand every
 * packet that is due to the transport in one batch.  It sleeps on the
 * condition variable with the head's release as the deadline, so it wakes
 * once per batch; hold() wakes it early only when a packet due sooner than
 * the head arrives, and cb_path_close() when it must stop.
 */
static void *shaper(void *arg)
{
	struct cb_path *p = arg;
	struct cb_net_pkt batch[64];
	struct held *due[64];

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		cb_ns now;
		size_t k = 0;
		int rc;

		if (p->n == 0) {
			pthread_cond_wait(&p->cond, &p->lock);
			p->st.wakeups++;
			continue;
		}
		now = cb_clock_now(p->cfg.clock);
		if (p->heap[0]->release > now) {
			rc = cb_clock_wait_until(p->cfg.clock, &p->cond, &p->lock,
						 p->heap[0]->release);
			p->st.wakeups++;
			if (rc < 0 && rc != -ETIMEDOUT) {
				p->send_err = rc;
				break;
			}
			continue;
		}
		while (p->n && k < 64 && p->heap[0]->release <= now) {
			due[k] = heap_pop(p);
			batch[k] = (struct cb_net_pkt){.data = due[k]->data, .len = due[k]->len};
			count(p, due[k]->t_send, due[k]->release, now);
			k++;
		}
		/* Send outside the lock so senders are not held up, but flag it:
		 * hold() must not send directly meanwhile (one sender at a time
		 * on a transport, and no overtaking). */
		p->sending = 1;
		pthread_mutex_unlock(&p->lock);
		rc = cb_transport_send(p->cfg.tp, batch, k);
		for (size_t i = 0; i < k; i++)
			free(due[i]);
		pthread_mutex_lock(&p->lock);
		p->sending = 0;
		if (rc < 0)
			p->send_err = rc;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int cb_path_open(struct cb_path **out, const struct cb_path_cfg *cfg)
{
	struct cb_path *p;
	int rc;

	if (!out || !cfg || (!cfg->deliver && !cfg->tp))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	rc = -pthread_mutex_init(&p->lock, NULL);
	if (rc < 0)
		goto out_free;
	rc = cb_clock_cond_init(&p->cond);
	if (rc < 0)
		goto out_destroy_lock;
	if (cfg->impair && !cb_impair_is_perfect(cfg->impair)) {
		rc = cb_impair_open(&p->im, cfg->impair);
		if (rc < 0)
			goto out_destroy_cond;
	}
	if (p->im && !cfg->deliver) {
		if (!cfg->clock) {
			rc = -EINVAL;
			goto out_close_impair;
		}
		p->shaped = 1;
		rc = -pthread_create(&p->thread, NULL, shaper, p);
		if (rc < 0)
			goto out_close_impair;
		p->thread_started = 1;
	}
	*out = p;
	return 0;

out_close_impair:
	cb_impair_close(p->im);
out_destroy_cond:
	pthread_cond_destroy(&p->cond);
out_destroy_lock:
	pthread_mutex_destroy(&p->lock);
out_free:
	free(p);
	return rc;
}

/* Hold a copy of a packet sent at `t_send` until `release`: in the event
 * loop (simulated) or on the shaping thread (real). */
static int hold(struct cb_path *p, const struct cb_net_pkt *pk, cb_ns t_send, cb_ns release)
{
	struct held *h;
	int rc, head;

	if (p->cfg.deliver) {
		pthread_mutex_lock(&p->lock);
		count(p, t_send, release, release);
		pthread_mutex_unlock(&p->lock);
		p->cfg.deliver(p->cfg.user, pk->data, pk->len, release);
		return 0;
	}
	pthread_mutex_lock(&p->lock);
	if (p->n == 0 && !p->sending) {
		cb_ns now = cb_clock_now(p->cfg.clock);

		if (release <= now) {
			/* Due already and nothing ahead of it (loss only, or a
			 * jitter sample clipped to no delay): hand it on from
			 * here, without the hop through the thread.  Under the
			 * lock, so the thread cannot send at the same time. */
			count(p, t_send, release, now);
			rc = cb_transport_send(p->cfg.tp, pk, 1);
			pthread_mutex_unlock(&p->lock);
			return rc < 0 ? rc : 0;
		}
	}
	pthread_mutex_unlock(&p->lock);
	h = malloc(sizeof(*h) + pk->len);
	if (!h)
		return -ENOMEM;
	h->release = release;
	h->t_send = t_send;
	h->len = pk->len;
	memcpy(h->data, pk->data, pk->len);
	pthread_mutex_lock(&p->lock);
	h->order = p->order++;
	rc = heap_push(p, h);
	/* Wake the thread only when its deadline moves earlier: a packet due
	 * after the head changes nothing for it. */
	head = rc == 0 && p->heap[0] == h;
	if (head)
		pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (rc < 0)
		free(h);
	return rc;
}

int cb_path_send(struct cb_path *p, const struct cb_net_pkt *pkts, size_t n, cb_ns t_send,
		 struct cb_path_verdict *v)
{
	int rc;

	if (!p || (!pkts && n))
		return -EINVAL;
	if (p->send_err)
		return p->send_err;
	if (!p->im) {
		/* A perfect network: nothing to decide, nothing to hold. */
		for (size_t i = 0; v && i < n; i++)
			v[i] = (struct cb_path_verdict){
			    .fate = CB_PKT_DELIVERED, .net_delay = 0, .queue_delay = 0};
		pthread_mutex_lock(&p->lock);
		p->st.packets += n;
		pthread_mutex_unlock(&p->lock);
		if (!p->cfg.deliver)
			return cb_transport_send(p->cfg.tp, pkts, n);
		for (size_t i = 0; i < n; i++)
			p->cfg.deliver(p->cfg.user, pkts[i].data, pkts[i].len, t_send);
		return (int)n;
	}
	for (size_t i = 0; i < n; i++) {
		struct cb_impair_verdict iv;
		struct cb_path_verdict pv = {.net_delay = CB_NS_NONE, .queue_delay = CB_NS_NONE};

		rc = cb_impair_packet(p->im, t_send, pkts[i].len, &iv);
		if (rc < 0)
			return rc;
		switch (iv.fate) {
		case CB_IMPAIR_DELIVER:
			pv.fate = CB_PKT_DELIVERED;
			pv.duplicated = iv.copies > 1;
			pv.net_delay = iv.release[0] - t_send;
			pv.queue_delay = iv.queue_delay;
			for (int c = 0; c < iv.copies; c++) {
				rc = hold(p, &pkts[i], t_send, iv.release[c]);
				if (rc < 0)
					return rc;
			}
			break;
		case CB_IMPAIR_LOSS:
			pv.fate = CB_PKT_NET_LOSS;
			break;
		case CB_IMPAIR_QUEUE_DROP:
			pv.fate = CB_PKT_NET_QUEUE;
			break;
		}
		if (v)
			v[i] = pv;
	}
	return (int)n;
}

size_t cb_path_pending(struct cb_path *p)
{
	size_t n;

	if (!p || !p->shaped)
		return 0;
	pthread_mutex_lock(&p->lock);
	n = p->n;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void cb_path_get_stats(struct cb_path *p, struct cb_path_stats *out)
{
	if (!p) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&p->lock);
	*out = p->st;
	pthread_mutex_unlock(&p->lock);
}

void cb_path_close(struct cb_path *p)
{
	if (!p)
		return;
	if (p->shaped) {
		pthread_mutex_lock(&p->lock);
		p->stop = 1;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
		if (p->thread_started)
			pthread_join(p->thread, NULL);
		while (p->n)
			free(heap_pop(p));
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->heap);
	cb_impair_close(p->im);
	free(p);
}
