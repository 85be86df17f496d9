#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "measure/record.h"
#include "net/path.h"

struct held {
	cb_ns release;
	uint64_t order; /* ties leave in the order they were sent */
	size_t len;
	uint8_t data[];
};

struct cb_path {
	struct cb_path_cfg cfg;
	struct cb_impair *im; /* NULL: perfect network */
	/* shaped mode */
	int shaped;
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
	struct held **heap;
	size_t n, cap;
	uint64_t order;
	int send_err;
};

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

/* The shaping thread: sleep until the earliest release, then hand every
 * packet that is due to the transport in one batch. */
static void *shaper(void *arg)
{
	struct cb_path *p = arg;
	struct cb_net_pkt batch[64];
	struct held *due[64];

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		cb_ns now, next;
		size_t k = 0;

		if (p->n == 0) {
			pthread_cond_wait(&p->cond, &p->lock);
			continue;
		}
		next = p->heap[0]->release;
		now = cb_clock_now(p->cfg.clock);
		if (next > now) {
			/* Sleep on the clock, not on the condition variable, for
			 * precision; a packet sent meanwhile with an earlier
			 * release is at most this sleep late, and we wake at most
			 * 200 us later to look again. */
			cb_ns until = next - now > 200000 ? now + 200000 : next;
			pthread_mutex_unlock(&p->lock);
			cb_clock_sleep_until(p->cfg.clock, until);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		while (p->n && k < 64 && p->heap[0]->release <= now) {
			due[k] = heap_pop(p);
			batch[k] = (struct cb_net_pkt){.data = due[k]->data, .len = due[k]->len};
			k++;
		}
		pthread_mutex_unlock(&p->lock);
		{
			int rc = cb_transport_send(p->cfg.tp, batch, k);
			if (rc < 0)
				p->send_err = rc;
		}
		for (size_t i = 0; i < k; i++)
			free(due[i]);
		pthread_mutex_lock(&p->lock);
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
	if (cfg->impair && !cb_impair_is_perfect(cfg->impair)) {
		rc = cb_impair_open(&p->im, cfg->impair);
		if (rc < 0)
			goto out_free;
	}
	if (p->im && !cfg->deliver) {
		if (!cfg->clock) {
			rc = -EINVAL;
			goto out_close_impair;
		}
		pthread_mutex_init(&p->lock, NULL);
		pthread_cond_init(&p->cond, NULL);
		p->shaped = 1;
		rc = -pthread_create(&p->thread, NULL, shaper, p);
		if (rc < 0)
			goto out_destroy_lock;
		p->thread_started = 1;
	}
	*out = p;
	return 0;

out_destroy_lock:
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
out_close_impair:
	cb_impair_close(p->im);
out_free:
	free(p);
	return rc;
}

/* Hold a copy of a packet until `release`: in the event loop (simulated)
 * or on the shaping thread (real). */
static int hold(struct cb_path *p, const struct cb_net_pkt *pk, cb_ns release)
{
	struct held *h;
	int rc;

	if (p->cfg.deliver) {
		p->cfg.deliver(p->cfg.user, pk->data, pk->len, release);
		return 0;
	}
	h = malloc(sizeof(*h) + pk->len);
	if (!h)
		return -ENOMEM;
	h->release = release;
	h->len = pk->len;
	memcpy(h->data, pk->data, pk->len);
	pthread_mutex_lock(&p->lock);
	h->order = p->order++;
	rc = heap_push(p, h);
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
				rc = hold(p, &pkts[i], iv.release[c]);
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
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
	}
	free(p->heap);
	cb_impair_close(p->im);
	free(p);
}
