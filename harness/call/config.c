/*
 * config.c — a call's settings: their defaults, what follows from them (the
 * packets a video frame can take, the assembler's room), and the check a
 * configuration must pass before a call starts (each setting's range is its
 * row's in call/settings.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "call/call.h"
#include "call/drive.h"
#include "call/endpoint.h"
#include "call/settings.h"
#include "report/report.h"
#include "rtp/rtp.h"
#include "srtp/srtp.h"

void cb_call_cfg_default(struct cb_call_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->duration_s = 10;
	c->video = c->audio = 1;
	c->width = 640;
	c->height = 480;
	c->fps = 30;
	c->video_kbps = 1000;
	c->audio_kbps = 32;
	c->keyint = 3000;
	c->speed = -6;
	c->opus_complexity = 9;
	c->audio_frame_ms = 20;
	c->mark_period_ms = 100;
	snprintf(c->video_codec, sizeof(c->video_codec), "vp8");
	snprintf(c->audio_codec, sizeof(c->audio_codec), "opus");
	c->srtp = CB_SRTP_AES128_CM_SHA1_80;
	snprintf(c->transport, sizeof(c->transport), "udp");
	c->mtu = 1200;
	c->verdict_pct = 95;
	c->seed = 1;
	snprintf(c->out_dir, sizeof(c->out_dir), "results");
	cb_impair_cfg_default(&c->net);
	c->codec_ms[0] = 5.0; /* used only with codec_time_fixed */
	c->codec_ms[1] = 1.0;
	c->codec_ms[2] = 0.5;
	c->codec_ms[3] = 0.1;
	c->nack = 1;
	c->rtcp_interval_ms = 500;
	c->opus_fec = 1;
	c->opus_loss_pct = 5;
	/* WebRTC's playout-delay defaults for video.  Audio starts at 20 ms
	 * rather than NetEq's 80 ms: a loopback call should not pay 60 ms
	 * that its own jitter would never ask for. */
	c->min_playout_delay_ms = 0;
	c->max_playout_delay_ms = 10000;
	/* libwebrtc's VCMTiming::kDefaultRenderDelay, for the default playout
	 * delay as for min = max = 0 (its low-latency path keeps it too, and
	 * then ignores it): part of the target delay and of the render time,
	 * never of the wait, since a frame leaves at render − decode −
	 * render delay (rx/timing.h). */
	c->render_delay_ms = 10;
	c->audio_jb_min_ms = 0;
	c->audio_jb_initial_ms = 20;
	/* No scene and no processing: the microphone is the near talker alone. */
	c->echo_delay_ms = 40;
}

size_t cb_video_packets_per_frame(const struct cb_call_cfg *c)
{
	size_t payload = (size_t)c->mtu - 12 - cb_srtp_overhead(c->srtp) - 8; /* descriptor */
	double bytes = c->video_kbps * 1000.0 / 8 / (c->fps > 0 ? c->fps : 1);

	return (size_t)ceil(bytes / (double)payload);
}

size_t cb_video_asm_slots(const struct cb_call_cfg *c)
{
	size_t want = 8 * cb_video_packets_per_frame(c), slots = 1024;

	while (slots < want && slots < CB_ASM_SLOTS_MAX)
		slots *= 2;
	return slots >= want ? slots : 0;
}

/*
 * Every setting is held to its row's range (call/settings.c); what is left
 * here are the checks that involve more than one setting.
 */
int cb_call_cfg_check(const struct cb_call_cfg *c, char *why, size_t len)
{
	const struct cb_codec_ops *ops;
	int rc = cb_settings_check(cb_call_settings, c, why, len);

	if (rc < 0)
		return rc;
	if (!c->video && !c->audio)
		return snprintf(why, len, "both video and audio are off"), -EINVAL;
	if (c->video) {
		ops = cb_codec_find(c->video_codec);
		if (!ops || ops->media != CB_MEDIA_VIDEO)
			return snprintf(why, len, "unknown video codec '%s'", c->video_codec),
			       CB_E_NOTFOUND;
	}
	if (c->audio) {
		ops = cb_codec_find(c->audio_codec);
		if (!ops || ops->media != CB_MEDIA_AUDIO)
			return snprintf(why, len, "unknown audio codec '%s'", c->audio_codec),
			       CB_E_NOTFOUND;
		if (c->mark_period_ms % c->audio_frame_ms)
			return snprintf(why, len,
					"mark period must be a multiple of the audio frame (%d ms)",
					c->audio_frame_ms),
			       -EINVAL;
	}
	if (c->video && cb_video_asm_slots(c) == 0)
		return snprintf(why, len,
				"a %d kbps, %d fps video frame averages %zu packets of a %d-byte "
				"MTU, more than the receiver holds (%d per frame): raise --mtu or "
				"--fps, or lower --video-bitrate",
				c->video_kbps, c->fps, cb_video_packets_per_frame(c), c->mtu,
				CB_ASM_SLOTS_MAX / 8),
		       -EINVAL;
	if (c->sim && c->transport[0] && strcmp(c->transport, "udp") && strcmp(c->transport, "sim"))
		return snprintf(why, len,
				"a simulated-clock run uses a virtual network, not transport '%s'",
				c->transport),
		       -EINVAL;
	if (!c->sim && !cb_transport_find(c->transport))
		return snprintf(why, len, "unknown transport '%s'", c->transport), CB_E_NOTFOUND;
	if (c->min_playout_delay_ms > c->max_playout_delay_ms)
		return snprintf(why, len, "playout delay must be 0 <= min <= max <= 10000 ms"),
		       -EINVAL;
	return 0;
}
