/*
 * rtp_stats.c — receive statistics per RFC 3550 A.1 (sequence numbers),
 * A.3 (loss) and A.8 (jitter), and RTT from a report block (§6.4.1).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/error.h"
#include "rtp/rtp_stats.h"

#define SEQ_MOD	     (1u << 16)
#define MAX_DROPOUT  3000
#define MAX_MISORDER 100

int cb_rtp_rx_stats_init(struct cb_rtp_rx_stats *st, uint32_t ssrc)
{
	if (!st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->ssrc = ssrc;
	st->last_arrival = CB_NS_NONE;
	return 0;
}

/* A.1 init_seq(): the source (re)starts at `seq`; jitter carries on. */
static void init_seq(struct cb_rtp_rx_stats *st, uint16_t seq)
{
	st->base_seq = seq;
	st->max_seq = seq;
	st->bad_seq = SEQ_MOD + 1; /* so that seq == bad_seq is false */
	st->cycles = 0;
	st->received = 0;
	st->received_prior = 0;
	st->expected_prior = 0;
}

static void update_jitter(struct cb_rtp_rx_stats *st, uint32_t rtp_ts, cb_ns arrival,
			  uint32_t clock_rate)
{
	if (st->last_arrival != CB_NS_NONE) {
		/*
		 * Work from the differences rather than from absolute "transit"
		 * values: converting an absolute cb_ns to RTP units would
		 * overflow and round each arrival separately, while the
		 * difference converts exactly enough in a double.  The
		 * timestamp difference is read as signed so that a reordered
		 * packet (earlier timestamp) gives the right sign.
		 */
		double da = (double)(arrival - st->last_arrival) * clock_rate / 1e9;
		double dt = (double)(int32_t)(rtp_ts - st->last_ts);
		double d = fabs(da - dt);

		st->jitter += (d - st->jitter) / 16.0;
	}
	st->last_arrival = arrival;
	st->last_ts = rtp_ts;
}

int cb_rtp_rx_stats_update(struct cb_rtp_rx_stats *st, uint16_t seq, uint32_t rtp_ts, cb_ns arrival,
			   uint32_t clock_rate)
{
	uint16_t udelta;
	int verdict;

	if (!st || clock_rate == 0)
		return -EINVAL;

	if (!st->started) {
		init_seq(st, seq);
		st->started = 1;
		verdict = CB_RTP_SEQ_FIRST;
		goto counted;
	}
	udelta = (uint16_t)(seq - st->max_seq);
	if (udelta == 0) {
		verdict = CB_RTP_SEQ_LATE;
	} else if (udelta < MAX_DROPOUT) {
		/* In order, with a permissible gap; a smaller number means a wrap. */
		if (seq < st->max_seq)
			st->cycles += SEQ_MOD;
		st->max_seq = seq;
		verdict = CB_RTP_SEQ_NEW;
	} else if (udelta <= SEQ_MOD - MAX_MISORDER) {
		/*
		 * A very large jump.  Two packets in a row on the new numbering
		 * mean the sender restarted; one alone is taken for garbage
		 * and ignored, jitter included, since its timestamp is as
		 * suspect as its sequence number.
		 */
		if (seq != st->bad_seq) {
			st->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
			return CB_RTP_SEQ_JUMP;
		}
		init_seq(st, seq);
		verdict = CB_RTP_SEQ_RESTART;
	} else {
		verdict = CB_RTP_SEQ_LATE;
	}
counted:
	st->received++;
	update_jitter(st, rtp_ts, arrival, clock_rate);
	return verdict;
}

uint32_t cb_rtp_rx_stats_ext_max(const struct cb_rtp_rx_stats *st)
{
	return st ? st->cycles + st->max_seq : 0;
}

uint32_t cb_rtp_rx_stats_expected(const struct cb_rtp_rx_stats *st)
{
	if (!st || !st->started)
		return 0;
	return cb_rtp_rx_stats_ext_max(st) - st->base_seq + 1;
}

int64_t cb_rtp_rx_stats_lost(const struct cb_rtp_rx_stats *st)
{
	if (!st || !st->started)
		return 0;
	return (int64_t)cb_rtp_rx_stats_expected(st) - (int64_t)st->received;
}

int cb_rtp_rx_stats_report_block(struct cb_rtp_rx_stats *st, cb_ns now, uint32_t last_sr_ntp_mid32,
				 cb_ns last_sr_arrival, struct cb_rtcp_report_block *b)
{
	uint32_t expected, exp_int, rec_int;
	int64_t lost, lost_int;

	if (!st || !b)
		return -EINVAL;
	if (!st->started)
		return CB_E_AGAIN;

	expected = cb_rtp_rx_stats_expected(st);
	lost = cb_rtp_rx_stats_lost(st);

	/* A.3: the fraction covers only the packets since the last report. */
	exp_int = expected - st->expected_prior;
	rec_int = st->received - st->received_prior;
	st->expected_prior = expected;
	st->received_prior = st->received;
	lost_int = (int64_t)exp_int - (int64_t)rec_int;

	memset(b, 0, sizeof(*b));
	b->ssrc = st->ssrc;
	b->fraction_lost =
	    (exp_int == 0 || lost_int <= 0) ? 0 : (uint8_t)((lost_int << 8) / exp_int);
	if (lost > CB_RTCP_LOST_MAX)
		lost = CB_RTCP_LOST_MAX;
	if (lost < CB_RTCP_LOST_MIN)
		lost = CB_RTCP_LOST_MIN;
	b->cumulative_lost = (int32_t)lost;
	b->ext_highest_seq = cb_rtp_rx_stats_ext_max(st);
	b->jitter = st->jitter >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)lround(st->jitter);
	/* §6.4.1: both fields stay 0 until an SR has been received. */
	if (last_sr_ntp_mid32 != 0 && last_sr_arrival != CB_NS_NONE) {
		b->lsr = last_sr_ntp_mid32;
		b->dlsr = cb_ntp_short_from_ns(now - last_sr_arrival);
	}
	return 0;
}

int cb_rtt_from_report_block(uint32_t now_ntp_mid32, uint32_t lsr, uint32_t dlsr, cb_ns *rtt)
{
	int32_t d;

	if (!rtt)
		return -EINVAL;
	if (lsr == 0)
		return CB_E_AGAIN;
	/*
	 * Modular arithmetic handles the 16-bit seconds wrapping (every 18
	 * hours); reading the result as signed catches a report that claims
	 * more delay than time has passed.
	 */
	d = (int32_t)(now_ntp_mid32 - lsr - dlsr);
	if (d < 0)
		return CB_E_RANGE;
	*rtt = cb_ntp_short_to_ns((uint32_t)d);
	return 0;
}
