/*
 * The receiving end, fed by hand over a real UDP pair: tampered, replayed,
 * foreign and stray packets are rejected and counted, and never reach a
 * decoder.
 */
#include <string.h>

#include "base/error.h"
#include "call/endpoint.h"
#include "call/session.h"
#include "codec/codec.h"
#include "rtp/rtp.h"
#include "srtp/srtp.h"
#include "test_util.h"

static void wait_seen(struct cb_receiver *r, uint64_t n)
{
	struct cb_clock clk;
	cb_ns t0;

	cb_clock_real_init(&clk);
	t0 = cb_clock_now(&clk);
	while (atomic_load(&r->packets_seen) < n && cb_clock_now(&clk) - t0 < 5 * CB_NS_PER_S)
		cb_clock_sleep_until(&clk, cb_clock_now(&clk) + CB_NS_PER_MS);
}

/* One Opus packet of silence, as RTP, protected with `tx`. */
static size_t make_packet(struct cb_srtp *tx, struct cb_codec *enc, uint16_t seq, uint8_t *buf,
			  size_t room)
{
	int16_t pcm[960] = {0};
	struct cb_packet_out out;
	struct cb_rtp_hdr h = {.pt = 111, .seq = seq, .ts = 960u * seq, .ssrc = 0x1234};
	size_t hl = room, len = 0;

	CU_ASSERT_FATAL(enc->ops->encode(enc->priv, pcm, 960 * seq, 0, &out) == 0);
	CU_ASSERT_FATAL(cb_rtp_write(&h, buf, &hl) == 0);
	memcpy(buf + hl, out.data, out.len);
	CU_ASSERT_FATAL(cb_srtp_protect(tx, buf, hl + out.len, room, &len) == 0);
	return len;
}

static void test_tamper_and_replay_counted(void)
{
	struct cb_call_cfg cfg;
	struct cb_session ss;
	struct cb_transport a, b;
	struct cb_transport_cfg tcfg;
	struct cb_receiver r;
	struct cb_srtp *tx = NULL;
	struct cb_codec enc;
	struct cb_codec_cfg cc = {.bitrate_kbps = 32,
				  .sample_rate = 48000,
				  .channels = 1,
				  .frame_ms = 20,
				  .complexity = 5};
	uint8_t p0[1500], p1[1500], p2[1500], foreign[1500];
	/* not RTP version 2; shorter than a header; a payload type of no media */
	uint8_t v1[40] = {0x40}, stub[11] = {0x80}, pt33[40] = {0x80, 33};
	/* and larger than the receive buffer (CB_NET_MAX_PKT): cut */
	static uint8_t big[CB_NET_MAX_PKT + 100] = {0x80, 111};
	size_t l0, l1, l2;

	cb_call_cfg_default(&cfg);
	cfg.video = 0;
	cb_test_audio_rx_session(&ss, &cfg);
	tcfg = (struct cb_transport_cfg){.clock = &ss.clock};
	CU_ASSERT_FATAL(cb_transport_open_pair(&cb_transport_udp, &tcfg, &a, &b) == 0);
	CU_ASSERT_FATAL(cb_receiver_open(&r, &ss, &b, &ss.clock) == 0);
	CU_ASSERT_FATAL(cb_srtp_open(&tx, cfg.srtp, ss.key_remote, ss.key_len, CB_SRTP_OUTBOUND) ==
			0);
	CU_ASSERT_FATAL(cb_encoder_open(&enc, &cb_codec_opus, &cc) == 0);

	l0 = make_packet(tx, &enc, 10, p0, sizeof(p0));
	l1 = make_packet(tx, &enc, 11, p1, sizeof(p1));
	l2 = make_packet(tx, &enc, 12, p2, sizeof(p2));
	p1[l1 - 3] ^= 0x10; /* flip a bit of the auth tag */
	p2[12] ^= 0x01;	    /* and one of the encrypted payload */
	memcpy(foreign, p0, l0);
	foreign[3] ^= 0x40;  /* another sequence number */
	foreign[11] ^= 0x01; /* and another SSRC */
	CU_ASSERT_FATAL(cb_receiver_start(&r) == 0);
	{
		struct cb_net_pkt pk[9] = {
		    {.data = p0, .len = l0},
		    {.data = p0, .len = l0}, /* replayed */
		    {.data = p1, .len = l1},
		    {.data = p2, .len = l2},
		    {.data = foreign, .len = l0},
		    {.data = v1, .len = sizeof(v1)},
		    {.data = stub, .len = sizeof(stub)},
		    {.data = pt33, .len = sizeof(pt33)},
		    {.data = big, .len = sizeof(big)},
		};
		CU_ASSERT_EQUAL(cb_transport_send(&a, pk, 9), 9);
	}
	wait_seen(&r, 9);
	cb_receiver_stop_join(&r);
	CU_ASSERT_EQUAL(atomic_load(&r.packets_seen), 9);
	/* The foreign SSRC is refused once the stream's is known (from p0),
	 * and like the stray packets is in no packet log. */
	CU_ASSERT_EQUAL(r.rejected_foreign[CB_MEDIA_AUDIO], 1);
	CU_ASSERT_EQUAL(r.rejected_foreign[CB_MEDIA_VIDEO], 0);
	CU_ASSERT_EQUAL(r.stray_malformed, 2);
	CU_ASSERT_EQUAL(r.stray_unknown_pt, 1);
	CU_ASSERT_EQUAL(r.stray_truncated, 1);
	/* Only the one genuine packet was decoded.  It plays from the audio
	 * jitter buffer at its slot, its initial delay after it arrived: with
	 * the thread stopped, poll here until that slot has come (bounded). */
	{
		cb_ns until = cb_clock_now(&ss.clock) + CB_NS_PER_S;
		size_t decoded = 0;

		while (cb_spool_count(r.audio.frames) == 0 && cb_clock_now(&ss.clock) < until)
			CU_ASSERT_EQUAL(cb_receiver_poll(&r), 0);
		for (uint64_t i = 0; i < cb_spool_count(r.audio.frames); i++) {
			const struct cb_rx_frame *f = cb_spool_get(r.audio.frames, i);

			CU_ASSERT_PTR_NOT_NULL_FATAL(f);
			decoded += f->decoded;
		}
		CU_ASSERT_EQUAL(cb_spool_count(r.audio.frames), 1);
		CU_ASSERT_EQUAL(decoded, 1);
	}
	/* Only the packet that authenticated is in the packet log; the
	 * replayed and the tampered ones are counted, not logged, as their
	 * sequence numbers are whatever their sender chose. */
	CU_ASSERT_EQUAL_FATAL(cb_spool_count(r.audio.packets), 1);
	{
		const struct cb_rx_packet *p = cb_spool_get(r.audio.packets, 0);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(p->fate, CB_PKT_DELIVERED);
	}
	CU_ASSERT_EQUAL(r.rejected_replay[CB_MEDIA_AUDIO], 1);
	CU_ASSERT_EQUAL(r.rejected_auth[CB_MEDIA_AUDIO], 2);
	CU_ASSERT_EQUAL(r.rejected_malformed[CB_MEDIA_AUDIO], 0);
	CU_ASSERT_EQUAL(r.rejected_auth[CB_MEDIA_VIDEO] + r.rejected_replay[CB_MEDIA_VIDEO], 0);

	cb_codec_close(&enc);
	cb_srtp_close(tx);
	cb_receiver_close(&r);
	cb_transport_close(&a);
	cb_transport_close(&b);
}

int cb_suite_receiver(void)
{
	static const struct cb_test_case cases[] = {
	    {"tampered, replayed, foreign and stray packets are rejected and counted",
	     test_tamper_and_replay_counted},
	    {NULL, NULL},
	};
	return cb_add_suite("receiver", cases);
}
