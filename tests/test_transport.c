#include <errno.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"
#include "net/transport.h"
#include "test_util.h"

/* Receive until `want` packets arrived or a generous deadline passed. */
static size_t recv_all(struct cb_transport *t, struct cb_net_pkt *p, size_t want)
{
	size_t got = 0;

	for (int tries = 0; got < want && tries < 200; tries++) {
		int rc = cb_transport_recv(t, p + got, want - got, 20);
		CU_ASSERT_FATAL(rc >= 0);
		got += (size_t)rc;
	}
	return got;
}

/* Every size from 1 byte up to a 1500-byte MTU's UDP payload crosses
 * unchanged, in both directions. */
static void roundtrip(const char *name)
{
	const struct cb_transport_ops *ops = cb_transport_find(name);
	struct cb_transport a, b;
	struct cb_clock clk;
	struct cb_transport_cfg cfg = {.clock = &clk};
	static uint8_t tx[CB_NET_MAX_PKT], rx[8][CB_NET_MAX_PKT];
	const size_t max = 1500 - 20 - 8;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	cb_clock_real_init(&clk);
	CU_ASSERT_EQUAL_FATAL(cb_transport_open_pair(ops, &cfg, &a, &b), 0);
	for (size_t len = 1; len <= max; len += (len < 64 ? 1 : 37)) {
		struct cb_transport *from = (len & 1) ? &a : &b, *to = (len & 1) ? &b : &a;
		struct cb_net_pkt sp = {.data = tx, .len = len};
		struct cb_net_pkt rp = {.data = rx[0], .cap = sizeof(rx[0])};

		for (size_t i = 0; i < len; i++)
			tx[i] = (uint8_t)(i * 7 + len);
		CU_ASSERT_EQUAL(cb_transport_send(from, &sp, 1), 1);
		CU_ASSERT_EQUAL_FATAL(recv_all(to, &rp, 1), 1);
		CU_ASSERT_EQUAL(rp.len, len);
		CU_ASSERT(memcmp(rx[0], tx, len) == 0);
		CU_ASSERT(rp.t_recv != CB_NS_NONE);
	}
	/* A batch arrives whole and in order. */
	{
		struct cb_net_pkt sp[8], rp[8];

		for (int i = 0; i < 8; i++) {
			static uint8_t bufs[8][4];
			memset(bufs[i], i, sizeof(bufs[i]));
			sp[i] = (struct cb_net_pkt){.data = bufs[i], .len = 4};
			rp[i] = (struct cb_net_pkt){.data = rx[i], .cap = sizeof(rx[i])};
		}
		CU_ASSERT_EQUAL(cb_transport_send(&a, sp, 8), 8);
		CU_ASSERT_EQUAL_FATAL(recv_all(&b, rp, 8), 8);
		for (int i = 0; i < 8; i++)
			CU_ASSERT_EQUAL(rp[i].data[0], i);
	}
	/* Nothing waiting: a poll returns 0 at once. */
	{
		struct cb_net_pkt rp = {.data = rx[0], .cap = sizeof(rx[0])};
		CU_ASSERT_EQUAL(cb_transport_recv(&a, &rp, 1, 0), 0);
	}
	cb_transport_close(&a);
	cb_transport_close(&b);
	cb_transport_close(&b); /* twice is harmless */
}

static void test_udp_roundtrip(void)
{
	roundtrip("udp");
}

static void test_registry(void)
{
	size_t it = 0;
	int n = 0;

	CU_ASSERT_PTR_NULL(cb_transport_find("carrier-pigeon"));
	while (cb_transport_iterate(&it))
		n++;
	CU_ASSERT(n >= 1);
	CU_ASSERT_EQUAL(cb_transport_open_pair(NULL, NULL, NULL, NULL), -EINVAL);
}

int cb_suite_transport(void)
{
	static const struct cb_test_case cases[] = {
	    {"registry", test_registry},
	    {"udp carries every size up to the MTU", test_udp_roundtrip},
	    {NULL, NULL},
	};
	return cb_add_suite("transport", cases);
}
