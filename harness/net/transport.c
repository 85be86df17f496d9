#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "net/transport.h"

static const struct cb_transport_ops *const transports[] = {
    &cb_transport_udp,
    &cb_transport_mem,
    &cb_transport_xdp,
    NULL,
};

const struct cb_transport_ops *cb_transport_find(const char *name)
{
	for (size_t i = 0; transports[i]; i++)
		if (strcmp(transports[i]->name, name) == 0)
			return transports[i];
	return NULL;
}

const struct cb_transport_ops *cb_transport_iterate(size_t *it)
{
	const struct cb_transport_ops *t = transports[*it];

	if (t)
		(*it)++;
	return t;
}

int cb_transport_open_pair(const struct cb_transport_ops *ops, const struct cb_transport_cfg *cfg,
			   struct cb_transport *a, struct cb_transport *b)
{
	int rc;

	if (!ops || !cfg || !cfg->clock || !a || !b)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->priv = calloc(1, ops->priv_size);
	if (!a->priv)
		return -ENOMEM;
	b->priv = calloc(1, ops->priv_size);
	if (!b->priv) {
		rc = -ENOMEM;
		goto out_free_a;
	}
	a->ops = b->ops = ops;
	rc = ops->open_pair(a->priv, b->priv, cfg);
	if (rc < 0)
		goto out_free_b;
	return 0;

out_free_b:
	free(b->priv);
	b->priv = NULL;
	b->ops = NULL;
out_free_a:
	free(a->priv);
	a->priv = NULL;
	a->ops = NULL;
	return rc;
}

int cb_transport_open_end(const struct cb_transport_ops *ops, const struct cb_transport_cfg *cfg,
			  const struct cb_net_addr *local, struct cb_transport *t)
{
	int rc;

	if (!ops || !cfg || !cfg->clock || !local || !t)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	if (!ops->open_end) {
		if (cfg->why && cfg->why_len)
			snprintf(cfg->why, cfg->why_len,
				 "the %s transport opens both ends of a call together, not one "
				 "end alone",
				 ops->name);
		return CB_E_UNSUPPORTED;
	}
	t->priv = calloc(1, ops->priv_size);
	if (!t->priv)
		return -ENOMEM;
	t->ops = ops;
	rc = ops->open_end(t->priv, cfg, local);
	if (rc < 0) {
		free(t->priv);
		t->priv = NULL;
		t->ops = NULL;
	}
	return rc;
}

int cb_transport_connect(struct cb_transport *t, const struct cb_net_addr *peer)
{
	if (!t || !t->ops || !peer)
		return -EINVAL;
	return t->ops->connect_to ? t->ops->connect_to(t->priv, peer) : CB_E_UNSUPPORTED;
}

int cb_transport_local(struct cb_transport *t, struct cb_net_addr *out)
{
	if (!t || !t->ops || !out)
		return -EINVAL;
	return t->ops->local_addr ? t->ops->local_addr(t->priv, out) : CB_E_UNSUPPORTED;
}

int cb_transport_recv_until(struct cb_transport *t, struct cb_net_pkt *p, size_t n, cb_ns deadline,
			    const struct cb_clock *clock, struct cb_recv_stats *st)
{
	cb_ns now = cb_clock_now(clock), timeout = deadline > now ? deadline - now : 0;
	int rc = cb_transport_recv(t, p, n, timeout);

	if (!st || rc < 0)
		return rc;
	st->calls++;
	if (rc > 0) {
		st->with_packets++;
		st->packets += (uint64_t)rc;
	} else if (timeout > 0 && cb_clock_now(clock) >= deadline) {
		st->at_deadline++;
	} else {
		st->early_empty++;
	}
	return rc;
}

void cb_transport_close(struct cb_transport *t)
{
	if (!t || !t->ops)
		return;
	t->ops->close(t->priv);
	free(t->priv);
	t->priv = NULL;
	t->ops = NULL;
}
