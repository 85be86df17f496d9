/*
 * fuzz_rxvideo.c — the video receive path after SRTP, fed an arbitrary
 * packet sequence: RTP parse, the frame assembler, H.264 picture ids from
 * sequence numbers (rx/seqref), and the jitter buffer with its decode
 * feedback, as call/receiver.c drives them.
 *
 * Input: one byte choosing the payload format (vp8, vp9, h264), then
 * records of [time step, 1 byte][length, 2 bytes][RTP packet].  The time
 * step is 0..254 ms; 255 also tells the assembler to give up on everything
 * before the packet (what the NACK requester does when it gives up).  A
 * frame the jitter buffer releases "decodes" in 1 ms, or fails to when its
 * size is a multiple of 7.  Beyond not crashing: the assembler and the
 * buffer hand out no more frames than came in, released frames carry
 * their data, and a released frame is never due before it arrived.
 */
#include "fuzz.h"

#include "rtp/payload.h"
#include "rtp/rtp.h"
#include "rx/assembler.h"
#include "rx/jitterbuf.h"
#include "rx/seqref.h"

static const char *const formats[] = {"vp8", "vp9", "h264"};

struct rx {
	struct cb_assembler *asmb;
	struct cb_jitterbuf *jb;
	struct cb_seqref seqref;
	uint64_t asm_out, jb_in, jb_out, drops;
};

static void on_drop(void *user, const struct cb_jb_dropped *d)
{
	struct rx *rx = user;

	FUZZ_CHECK(d->reason < CB_JB_DROP_COUNT);
	rx->drops++;
}

static void poll(struct rx *rx, cb_ns now)
{
	struct cb_asm_frame f;
	struct cb_jb_out o;
	struct cb_jb_frame jf;
	int32_t pid;
	cb_ns since;

	while (cb_assembler_pop(rx->asmb, now, &f) == 1) {
		rx->asm_out++;
		FUZZ_CHECK(f.len == 0 || f.data);
		pid = f.picture_id;
		if (pid < 0)
			pid = cb_seqref_frame(&rx->seqref, f.first_seq, f.npackets);
		if (pid < 0)
			continue;
		jf = (struct cb_jb_frame){.picture_id = pid,
					  .rtp_ts = f.ts,
					  .keyframe = f.keyframe,
					  .first_arrival = f.first_recv,
					  .last_arrival = f.last_recv,
					  .data = f.data,
					  .len = f.len,
					  .tag = rx->asm_out};
		if (cb_jb_insert(rx->jb, &jf, now) == 0)
			rx->jb_in++;
	}
	while (cb_jb_pop(rx->jb, now, &o) == 1) {
		rx->jb_out++;
		FUZZ_CHECK(o.len == 0 || o.data);
		FUZZ_CHECK(o.released >= o.first_arrival);
		FUZZ_CHECK(o.tag >= 1 && o.tag <= rx->asm_out);
		if (o.len % 7 == 0)
			cb_jb_on_decode_error(rx->jb, o.picture_id, now);
		else
			cb_jb_on_decoded(rx->jb, o.picture_id, CB_NS_PER_MS, now);
	}
	(void)cb_jb_needs_keyframe(rx->jb, &since);
	(void)cb_jb_next_wakeup(rx->jb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	struct rx rx = {0};
	struct cb_assembler_cfg ac = {.max_wait = 100 * CB_NS_PER_MS, .slots = 256};
	struct cb_jb_cfg jc;
	struct cb_assembler_stats as;
	struct cb_jb_stats js;
	const uint8_t *pkt;
	size_t len;
	cb_ns now = 1000 * CB_NS_PER_MS;
	struct cb_rtp_hdr h;

	ac.pay = cb_pay_find(formats[fz_u8(&in) % 3]);
	cb_jb_cfg_default(&jc);
	jc.on_drop = on_drop;
	jc.user = &rx;
	jc.capacity = 16;
	cb_seqref_init(&rx.seqref);
	if (!ac.pay || cb_assembler_open(&rx.asmb, &ac) || cb_jb_open(&rx.jb, &jc))
		goto out;
	while (in.n) {
		uint8_t step = fz_u8(&in);

		if (!fz_record(&in, &pkt, &len, 1500))
			break;
		now += (cb_ns)step * CB_NS_PER_MS;
		if (cb_rtp_parse(pkt, len, &h) != 0)
			continue;
		if (step == 255)
			cb_assembler_give_up_before(rx.asmb, h.seq);
		(void)cb_assembler_insert(rx.asmb, &h, now, now, now);
		poll(&rx, now);
	}
	/* the call ends: everything still held comes out or is dropped */
	for (int i = 0; i < 50; i++)
		poll(&rx, now += 100 * CB_NS_PER_MS);
	cb_assembler_get_stats(rx.asmb, &as);
	cb_jb_get_stats(rx.jb, &js);
	FUZZ_CHECK(as.frames_out == rx.asm_out);
	FUZZ_CHECK(js.frames_out == rx.jb_out && rx.jb_out <= rx.jb_in);
out:
	cb_jb_close(rx.jb);
	cb_assembler_close(rx.asmb);
	return 0;
}
