#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "base/error.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"
#include "rx/assembler.h"
#include "test_util.h"

#define MAXP 64

/* A stream of VP8 frames cut into RTP packets by the real packetizer. */
struct pkt {
	struct cb_rtp_hdr h;
	uint8_t payload[256];
};

struct stream {
	struct pkt p[1024];
	size_t n;
	uint8_t frames[64][600];
	size_t flen[64];
	size_t first_pkt[64], npk[64];
};

static void make_stream(struct stream *s, int nframes, uint16_t seq0, size_t budget)
{
	void *priv = calloc(1, cb_pay_vp8.priv_size);
	uint16_t seq = seq0;

	CU_ASSERT_FATAL(priv != NULL);
	cb_pay_vp8.init(priv);
	s->n = 0;
	for (int f = 0; f < nframes; f++) {
		int last = 0;
		s->flen[f] = 50 + (size_t)f * 37 % 500;
		for (size_t i = 0; i < s->flen[f]; i++)
			s->frames[f][i] = (uint8_t)(i * 3 + f);
		/* VP8 payload header: bit 0 of the first byte is 0 on key frames. */
		s->frames[f][0] = f == 0 ? 0x00 : 0x01;
		s->first_pkt[f] = s->n;
		CU_ASSERT_FATAL(cb_pay_vp8.begin(priv, s->frames[f], s->flen[f], f == 0) == 0);
		while (!last) {
			struct pkt *p = &s->p[s->n];
			size_t len = sizeof(p->payload);
			CU_ASSERT_FATAL(cb_pay_vp8.next(priv, budget, p->payload, &len, &last) ==
					1);
			memset(&p->h, 0, sizeof(p->h));
			p->h.seq = seq++;
			p->h.ts = 1000u + (uint32_t)f * 3000u;
			p->h.marker = (uint8_t)last;
			p->h.payload = p->payload;
			p->h.payload_len = len;
			s->n++;
		}
		s->npk[f] = s->n - s->first_pkt[f];
	}
	free(priv);
}

static struct cb_assembler *open_asm(void)
{
	struct cb_assembler *a = NULL;
	struct cb_assembler_cfg cfg = {.pay = &cb_pay_vp8, .max_wait = 100 * CB_NS_PER_MS};

	CU_ASSERT_FATAL(cb_assembler_open(&a, &cfg) == 0);
	return a;
}

static void check_frame(const struct stream *s, int f, const struct cb_asm_frame *out)
{
	CU_ASSERT_EQUAL(out->len, s->flen[f]);
	CU_ASSERT(out->len == s->flen[f] && memcmp(out->data, s->frames[f], out->len) == 0);
	CU_ASSERT_EQUAL(out->ts, 1000u + (uint32_t)f * 3000u);
	CU_ASSERT_EQUAL(out->npackets, s->npk[f]);
	CU_ASSERT_EQUAL(out->keyframe, f == 0);
}

static void test_in_order(void)
{
	static struct stream s;
	struct cb_assembler *a = open_asm();
	struct cb_asm_frame out;
	int f = 0;

	make_stream(&s, 20, 65530, 100); /* crosses the sequence wrap */
	for (size_t i = 0; i < s.n; i++) {
		CU_ASSERT_EQUAL(cb_assembler_insert(a, &s.p[i].h, (cb_ns)i, (cb_ns)i, (cb_ns)i + 1),
				0);
		while (cb_assembler_pop(a, (cb_ns)i, &out) == 1) {
			check_frame(&s, f, &out);
			CU_ASSERT_EQUAL(out.frames_skipped, 0);
			/* A frame comes out exactly when its last packet is in. */
			CU_ASSERT_EQUAL(i, s.first_pkt[f] + s.npk[f] - 1);
			CU_ASSERT_EQUAL(out.first_recv, (cb_ns)s.first_pkt[f]);
			CU_ASSERT_EQUAL(out.last_recv, (cb_ns)i);
			CU_ASSERT_EQUAL(out.unprotected, (cb_ns)i + 1);
			CU_ASSERT_EQUAL(out.arrived, (cb_ns)i);
			f++;
		}
	}
	CU_ASSERT_EQUAL(f, 20);
	cb_assembler_close(a);
}

static void test_reordered_and_duplicated(void)
{
	static struct stream s;
	struct cb_assembler *a = open_asm();
	struct cb_asm_frame out;
	size_t order[1024];
	int f = 0;

	make_stream(&s, 30, 100, 60);
	/* Swap neighbours and send every packet twice. */
	for (size_t i = 0; i < s.n; i++)
		order[i] = i;
	for (size_t i = 0; i + 1 < s.n; i += 2) {
		size_t t = order[i];
		order[i] = order[i + 1];
		order[i + 1] = t;
	}
	for (size_t i = 0; i < s.n; i++) {
		CU_ASSERT_EQUAL(cb_assembler_insert(a, &s.p[order[i]].h, 0, 0, 0), 0);
		CU_ASSERT_EQUAL(cb_assembler_insert(a, &s.p[order[i]].h, 0, 0, 0), 0);
		while (cb_assembler_pop(a, 0, &out) == 1)
			check_frame(&s, f++, &out);
	}
	CU_ASSERT_EQUAL(f, 30);
	{
		struct cb_assembler_stats st;
		cb_assembler_get_stats(a, &st);
		CU_ASSERT_EQUAL(st.duplicates, s.n);
		CU_ASSERT_EQUAL(st.frames_out, 30);
	}
	/* A packet of a frame already handed out is late. */
	CU_ASSERT_EQUAL(cb_assembler_insert(a, &s.p[0].h, 0, 0, 0), CB_E_LATE);
	cb_assembler_close(a);
}

static void test_gap_waits_then_skips(void)
{
	static struct stream s;
	struct cb_assembler *a = open_asm();
	struct cb_asm_frame out;
	const cb_ns ms = CB_NS_PER_MS;
	size_t lost;

	make_stream(&s, 4, 7, 100);
	CU_ASSERT_FATAL(s.npk[1] >= 1);
	CU_ASSERT_EQUAL(cb_assembler_next_wakeup(a), CB_NS_NONE);
	lost = s.first_pkt[1]; /* the first packet of frame 1 never arrives */
	for (size_t i = 0; i < s.n; i++)
		if (i != lost)
			CU_ASSERT_EQUAL(
			    cb_assembler_insert(a, &s.p[i].h, 10 * ms, 10 * ms, 10 * ms), 0);
	/* Frame 0 is ready: its wake-up is when it completed, now past. */
	CU_ASSERT_EQUAL(cb_assembler_next_wakeup(a), 10 * ms);
	CU_ASSERT_EQUAL(cb_assembler_pop(a, 10 * ms, &out), 1);
	check_frame(&s, 0, &out);
	/* Frame 2 is complete but must wait for frame 1 ... */
	CU_ASSERT_EQUAL(cb_assembler_next_wakeup(a), 110 * ms);
	CU_ASSERT_EQUAL(cb_assembler_pop(a, 50 * ms, &out), 0);
	CU_ASSERT_EQUAL(cb_assembler_pop(a, 110 * ms - 1, &out), 0);
	/* ... until max_wait after it completed. */
	CU_ASSERT_EQUAL(cb_assembler_pop(a, 110 * ms, &out), 1);
	check_frame(&s, 2, &out);
	CU_ASSERT_EQUAL(out.frames_skipped, 1);
	CU_ASSERT_EQUAL(cb_assembler_next_wakeup(a), 10 * ms);
	CU_ASSERT_EQUAL(cb_assembler_pop(a, 111 * ms, &out), 1);
	check_frame(&s, 3, &out);
	CU_ASSERT_EQUAL(cb_assembler_pop(a, 111 * ms, &out), 0);
	CU_ASSERT_EQUAL(cb_assembler_next_wakeup(a), CB_NS_NONE);
	/* The missing packet, arriving now, is late. */
	CU_ASSERT_EQUAL(cb_assembler_insert(a, &s.p[lost].h, 0, 0, 0), CB_E_LATE);
	cb_assembler_close(a);
}

/*
 * The work follows the packets: in order, or with neighbours swapped (from
 * the third packet on, so that frame 0 still completes first), and
 * popping after every packet as the receive thread does, the assembler
 * looks at a few slots per packet.  Scanning every slot on every pop, as
 * it once did, is 1024 a pop.
 */
static void test_work_follows_packets(void)
{
	static struct stream s;
	struct cb_assembler_stats st;
	struct cb_asm_frame out;

	make_stream(&s, 60, 65000, 60);
	CU_ASSERT_FATAL(s.n > 200);
	for (int swap = 0; swap < 2; swap++) {
		struct cb_assembler *a = open_asm();
		int f = 0;

		for (size_t i = 0; i < s.n; i++) {
			size_t k = !swap || i < 2 ? i : i % 2 ? i - 1 : i + 1 < s.n ? i + 1 : i;

			CU_ASSERT_EQUAL(cb_assembler_insert(a, &s.p[k].h, 0, 0, 0), 0);
			while (cb_assembler_pop(a, 0, &out) == 1)
				check_frame(&s, f++, &out);
		}
		CU_ASSERT_EQUAL(f, 60);
		cb_assembler_get_stats(a, &st);
		CU_ASSERT(st.slots_visited <= 4 * s.n);
		cb_assembler_close(a);
	}
}

static void test_bad_input(void)
{
	struct cb_assembler *a = NULL;
	struct cb_assembler_cfg cfg = {.pay = &cb_pay_vp8, .slots = 1000};
	struct cb_rtp_hdr h = {0};
	uint8_t empty[1] = {0};

	CU_ASSERT_EQUAL(cb_assembler_open(&a, &cfg), -EINVAL); /* not a power of two */
	CU_ASSERT_EQUAL(cb_assembler_open(&a, NULL), -EINVAL);
	a = open_asm();
	h.payload = empty;
	h.payload_len = 0;
	CU_ASSERT_EQUAL(cb_assembler_insert(a, &h, 0, 0, 0), CB_E_BADPKT);
	cb_assembler_close(a);
	cb_assembler_close(NULL);
}

int cb_suite_assembler(void)
{
	static const struct cb_test_case cases[] = {
	    {"frames in order across the seq wrap", test_in_order},
	    {"reordered and duplicated packets", test_reordered_and_duplicated},
	    {"a gap waits max_wait, then is skipped; when to look again",
	     test_gap_waits_then_skips},
	    {"work follows the packets, not the slots", test_work_follows_packets},
	    {"bad input", test_bad_input},
	    {NULL, NULL},
	};
	return cb_add_suite("assembler", cases);
}
