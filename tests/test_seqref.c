/*
 * rx/seqref: picture ids from sequence numbers for H.264, alone and on the
 * receive path it serves (H.264 packetizer -> assembler -> seqref -> video
 * jitter buffer).
 */
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "base/error.h"
#include "rtp/payload.h"
#include "rtp/rtp.h"
#include "rx/assembler.h"
#include "rx/jitterbuf.h"
#include "rx/seqref.h"
#include "test_util.h"

#define MS CB_NS_PER_MS

static void test_ids(void)
{
	struct cb_seqref r;

	cb_seqref_init(&r);
	CU_ASSERT_EQUAL(cb_seqref_frame(NULL, 1, 1), -EINVAL);
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 1, 0), -EINVAL);
	/* Contiguous frames, across the sequence number wrap: 0, 1, 2. */
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 65533, 2), 0);
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 65535, 3), 1);
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 2, 1), 2);
	/* A packet or more missing before a frame: one id left out, so that
	 * a delta frame there has no reference. */
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 4, 1), 4);
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 5, 4), 5);
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 200, 1), 7);
	/* Not in decode order (overlaps or precedes the last frame): refused,
	 * and the state stays as it was. */
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 200, 1), CB_E_LATE);
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 150, 2), CB_E_LATE);
	CU_ASSERT_EQUAL(cb_seqref_frame(&r, 201, 1), 8);
}

static void test_id_wraps(void)
{
	struct cb_seqref r;
	uint16_t seq = 0;
	int32_t id = -1;

	cb_seqref_init(&r);
	for (int i = 0; i < CB_SEQREF_ID_MOD + 3; i++) {
		id = cb_seqref_frame(&r, seq, 2);
		CU_ASSERT_FATAL(id == i % CB_SEQREF_ID_MOD);
		seq = (uint16_t)(seq + 2);
	}
	CU_ASSERT_EQUAL(id, 2);
}

/*
 * The receive path.  Frames are Annex B access units cut by the real
 * packetizer: a key frame is SPS + PPS + IDR (a STAP-A, then FU-A
 * fragments), a delta frame one P slice (FU-A fragments).
 */
#define BUDGET	 400
#define MAX_PKTS 16
#define NFRAMES	 12

struct h264_frame {
	uint8_t pay[MAX_PKTS][BUDGET];
	size_t len[MAX_PKTS];
	int npk, key;
};

static size_t put_nal(uint8_t *b, size_t off, uint8_t hdr, uint8_t first, size_t n, int seed)
{
	b[off++] = 0;
	b[off++] = 0;
	b[off++] = 0;
	b[off++] = 1;
	b[off++] = hdr;
	b[off++] = first; /* first_mb_in_slice = 0 is a leading 1 bit */
	/* No zero bytes: nothing in the body looks like a start code. */
	for (size_t i = 0; i < n; i++)
		b[off++] = (uint8_t)(0x11 + (i * 7 + (size_t)seed) % 0xe0);
	return off;
}

static void make_frame(struct h264_frame *f, int key, int seed)
{
	static uint8_t au[4096];
	void *priv = calloc(1, cb_pay_h264.priv_size);
	size_t len = 0;
	int last = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(priv);
	CU_ASSERT_EQUAL_FATAL(cb_pay_h264.init(priv), 0);
	if (key) {
		len = put_nal(au, len, 0x67, 0x42, 10, seed); /* SPS */
		len = put_nal(au, len, 0x68, 0xce, 3, seed);  /* PPS */
		len = put_nal(au, len, 0x65, 0x88, 1500, seed);
	} else {
		len = put_nal(au, len, 0x41, 0x9a, 700, seed);
	}
	CU_ASSERT_EQUAL_FATAL(cb_pay_h264.begin(priv, au, len, key), 0);
	f->npk = 0;
	f->key = key;
	while (!last) {
		CU_ASSERT_FATAL(f->npk < MAX_PKTS);
		f->len[f->npk] = BUDGET;
		CU_ASSERT_EQUAL_FATAL(
		    cb_pay_h264.next(priv, BUDGET, f->pay[f->npk], &f->len[f->npk], &last), 1);
		f->npk++;
	}
	free(priv);
}

struct rx_path {
	struct cb_assembler *a;
	struct cb_seqref ref;
	struct cb_jitterbuf *jb;
	int released[64], keys[64], nout, nin;
	int32_t ids[64];
	int needed_key; /* the buffer asked for a key frame at some point */
};

static void rx_open(struct rx_path *p)
{
	struct cb_assembler_cfg ac = {.pay = &cb_pay_h264, .max_wait = 50 * MS};

	memset(p, 0, sizeof(*p));
	CU_ASSERT_EQUAL_FATAL(cb_assembler_open(&p->a, &ac), 0);
	CU_ASSERT_EQUAL_FATAL(cb_jb_open(&p->jb, NULL), 0);
	cb_seqref_init(&p->ref);
}

static void rx_close(struct rx_path *p)
{
	cb_assembler_close(p->a);
	cb_jb_close(p->jb);
}

/* What the receiver does at `now`: complete frames into the buffer, with
 * ids from seqref, then release what is due. */
static void rx_poll(struct rx_path *p, cb_ns now)
{
	struct cb_asm_frame f;
	struct cb_jb_out o;

	while (cb_assembler_pop(p->a, now, &f) == 1) {
		struct cb_jb_frame jf = {.rtp_ts = f.ts,
					 .keyframe = f.keyframe,
					 .first_arrival = f.first_recv,
					 .last_arrival = f.last_recv,
					 .data = f.data,
					 .len = f.len,
					 .tag = (uint64_t)(f.ts / 3000)};

		CU_ASSERT_EQUAL(f.picture_id, -1);
		jf.picture_id = cb_seqref_frame(&p->ref, f.first_seq, f.npackets);
		CU_ASSERT_FATAL(jf.picture_id >= 0);
		if (p->nin < 64)
			p->ids[p->nin++] = jf.picture_id;
		CU_ASSERT_EQUAL(cb_jb_insert(p->jb, &jf, now), 0);
	}
	while (cb_jb_pop(p->jb, now, &o) == 1) {
		CU_ASSERT(o.release_time <= now);
		if (p->nout < 64) {
			p->keys[p->nout] = o.keyframe;
			p->released[p->nout++] = (int)o.tag;
		}
	}
	p->needed_key |= cb_jb_needs_keyframe(p->jb, NULL);
}

/*
 * Send NFRAMES frames at 30 fps (key frames at 0 and `key_b`), every
 * packet delayed by 10 ms plus a jitter that reverses the order of the
 * packets inside each frame, so that a frame's first packet comes last
 * (the first frame's excepted: with no frame before it, only its first
 * packet says where it starts, and an IDR's first fragment would pass for
 * it); packet `lose_pkt` of frame `lose` (if >= 0) never arrives.  Polls
 * every ms.
 */
static void run(struct rx_path *p, int key_b, int lose, int lose_pkt)
{
	static struct h264_frame fr[NFRAMES];
	uint16_t seq = 65520; /* crosses the wrap */
	uint16_t first[NFRAMES];

	for (int k = 0; k < NFRAMES; k++) {
		make_frame(&fr[k], k == 0 || k == key_b, k);
		first[k] = seq;
		seq = (uint16_t)(seq + fr[k].npk);
	}
	for (cb_ns now = 0; now < 1000 * MS; now += MS) {
		for (int k = 0; k < NFRAMES; k++) {
			cb_ns sent = (cb_ns)(k * 100 / 3) * MS; /* whole ms */
			for (int i = 0; i < fr[k].npk; i++) {
				/* Backwards within the frame: packet i at
				 * sent + 10 + (npk - 1 - i) ms. */
				cb_ns at = sent + (10 + fr[k].npk - 1 - i) * MS;

				if (k == 0 && i == 0)
					at = sent + 10 * MS - MS;
				struct cb_rtp_hdr h = {.seq = (uint16_t)(first[k] + i),
						       .ts = 3000u * (uint32_t)k,
						       .marker = (uint8_t)(i == fr[k].npk - 1),
						       .payload = fr[k].pay[i],
						       .payload_len = fr[k].len[i]};

				if (at != now || (k == lose && i == lose_pkt))
					continue;
				CU_ASSERT_EQUAL(cb_assembler_insert(p->a, &h, now, now, now), 0);
			}
		}
		rx_poll(p, now);
	}
}

static void test_receive_path(void)
{
	struct rx_path p;

	rx_open(&p);
	run(&p, -1, -1, 0);
	/* Every frame is found (boundaries from timestamp and marker, the
	 * packets reordered inside it), gets the next id and is released in
	 * order through the jitter buffer; only the first is a key frame (SPS
	 * and IDR). */
	CU_ASSERT_EQUAL(p.nin, NFRAMES);
	CU_ASSERT_EQUAL(p.nout, NFRAMES);
	for (int k = 0; k < p.nout; k++) {
		CU_ASSERT_EQUAL(p.ids[k], k);
		CU_ASSERT_EQUAL(p.released[k], k);
		CU_ASSERT_EQUAL(p.keys[k], k == 0);
	}
	CU_ASSERT(!p.needed_key);
	rx_close(&p);
}

/* A lost packet of delta frame 3: frame 3 never completes, the assembler
 * gives up on it, frame 4 comes after a gap and cannot be decoded, nor can
 * anything until the key frame at 8; the buffer asks for one. */
static void test_loss_waits_for_key(void)
{
	struct rx_path p;
	struct cb_jb_stats st;

	rx_open(&p);
	run(&p, 8, 3, 1);
	CU_ASSERT_EQUAL(p.nin, NFRAMES - 1);
	CU_ASSERT_EQUAL(p.ids[3], 4); /* frame 4: one id left out for frame 3 */
	CU_ASSERT_EQUAL_FATAL(p.nout, 3 + NFRAMES - 8);
	for (int k = 0; k < 3; k++)
		CU_ASSERT_EQUAL(p.released[k], k);
	for (int k = 8; k < NFRAMES; k++)
		CU_ASSERT_EQUAL(p.released[k - 5], k);
	CU_ASSERT(p.keys[3]);
	CU_ASSERT(p.needed_key);
	CU_ASSERT_EQUAL(cb_jb_needs_keyframe(p.jb, NULL), 0); /* mended */
	cb_jb_get_stats(p.jb, &st);
	CU_ASSERT_EQUAL(st.recoveries, 1);
	CU_ASSERT_EQUAL(st.dropped[CB_JB_DROP_UNDECODABLE] + st.dropped[CB_JB_DROP_SKIPPED], 4);
	rx_close(&p);
}

int cb_suite_seqref(void)
{
	static const struct cb_test_case cases[] = {
	    {"ids follow the sequence numbers; a gap leaves one out", test_ids},
	    {"ids wrap at 2^15", test_id_wraps},
	    {"H.264 frames found, numbered and released in order", test_receive_path},
	    {"H.264: after a lost packet, nothing until a key frame", test_loss_waits_for_key},
	    {NULL, NULL},
	};
	return cb_add_suite("seqref", cases);
}
