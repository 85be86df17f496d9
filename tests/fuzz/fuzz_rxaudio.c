/*
 * fuzz_rxaudio.c — the audio jitter buffer fed an arbitrary packet
 * sequence, as call/receiver.c drives it: every RTP packet that parses is
 * inserted at its arrival time, and every due playout slot is pulled.
 *
 * Input: one byte of configuration (bit 0: in-band FEC hold on; bits 1-3:
 * the sub-frame shrink margin in ms), then records of
 * [time step in ms, 1 byte][length, 2 bytes][RTP packet].  Beyond not
 * crashing: slots come out in time order and at most once, each action is
 * a known one, and a played frame carries the data of a packet that came in.
 */
#include "fuzz.h"

#include "rtp/rtp.h"
#include "rx/audiojb.h"

static void pull(struct cb_audiojb *ajb, cb_ns now, cb_ns *last_slot)
{
	struct cb_ajb_out o;
	int act, guard = 0;

	while ((act = cb_ajb_pull(ajb, now, &o)) > 0) {
		FUZZ_CHECK(act <= CB_AJB_EXPAND);
		FUZZ_CHECK(o.slot > *last_slot || *last_slot == CB_NS_NONE);
		FUZZ_CHECK(o.slot <= now);
		*last_slot = o.slot;
		if (act == CB_AJB_PLAY || act == CB_AJB_FEC)
			FUZZ_CHECK(o.len == 0 || o.data);
		FUZZ_CHECK(++guard < 100000);
	}
	FUZZ_CHECK(act == CB_AJB_NOTHING);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	struct cb_ajb_cfg cfg;
	struct cb_audiojb *ajb = NULL;
	struct cb_ajb_stats st;
	struct cb_rtp_hdr h;
	const uint8_t *pkt;
	size_t len;
	cb_ns now = 1000 * CB_NS_PER_MS, last = CB_NS_NONE;
	uint8_t conf = fz_u8(&in);

	cb_ajb_cfg_default(&cfg);
	if (conf & 1)
		cfg.fec_hold = 1000 * CB_NS_PER_MS;
	cfg.margin = (cb_ns)((conf >> 1) & 7) * CB_NS_PER_MS;
	if (cb_ajb_open(&ajb, &cfg))
		return 0;
	while (in.n) {
		uint8_t step = fz_u8(&in);
		struct cb_ajb_packet p;

		if (!fz_record(&in, &pkt, &len, 1500))
			break;
		now += (cb_ns)step * CB_NS_PER_MS;
		pull(ajb, now, &last);
		if (cb_rtp_parse(pkt, len, &h) != 0)
			continue;
		p = (struct cb_ajb_packet){.seq = h.seq,
					   .rtp_ts = h.ts,
					   .arrival = now,
					   .data = h.payload,
					   .len = h.payload_len};
		(void)cb_ajb_insert(ajb, &p);
		(void)cb_ajb_next_pull(ajb);
		(void)cb_ajb_target(ajb);
	}
	for (int i = 0; i < 20; i++)
		pull(ajb, now += 100 * CB_NS_PER_MS, &last);
	cb_ajb_get_stats(ajb, &st);
	FUZZ_CHECK(st.played <= st.packets_in);
	cb_ajb_close(ajb);
	return 0;
}
