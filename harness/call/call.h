/*
 * call.h — one loopback call: a sender endpoint and a receiver endpoint that
 * share nothing but the network between them; each has its own settings,
 * keys and clock, and learns of the other only from the offer/answer (SDP)
 * and the wire.  cb_call_run() runs it to the end (or until
 * *stop becomes non-zero) and fills a cb_run_result that the report writers
 * turn into files.
 */
#ifndef CB_CALL_CALL_H
#define CB_CALL_CALL_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/log.h"
#include "measure/experience.h"
#include "measure/record.h"
#include "measure/stats.h"
#include "net/impair.h"
#include "net/transport.h"
#include "rx/timeline.h"
#include "srtp/srtp.h"

enum { CB_QUALITY_ALL = 0, CB_QUALITY_SAMPLE, CB_QUALITY_OFF };
#define CB_QUALITY_SAMPLE_EVERY 10

struct cb_call_cfg {
	double duration_s; /**< media time to capture */
	int video, audio;  /**< 1 = the track is on */
	int width, height;
	int fps;
	int video_kbps;
	int audio_kbps;
	int keyint; /**< frames between key frames */
	int speed;  /**< VP8 cpu-used: negative = fixed speed (default -6, as WebRTC) */
	int opus_complexity;
	int audio_frame_ms;   /**< 20 */
	int mark_period_ms;   /**< audio mark spacing, 100 */
	char video_codec[16]; /**< "vp8" */
	char audio_codec[16]; /**< "opus" */
	enum cb_srtp_profile srtp;
	char transport[16]; /**< "udp" */
	int mtu;	    /**< bytes of SRTP packet, max; 1200 */
	double verdict_pct; /**< percentile whose band is the verdict: 95 */
	uint64_t seed;
	char out_dir[256]; /**< parent folder of run folders: "results" */
	char run_id[64];   /**< "" = made from the date and seed */
	/* the network and the clock */
	struct cb_impair_cfg net; /**< impairment emulator; all zero = a perfect network */
	int sim;		  /**< 1: simulated clock (discrete events, virtual network) */
	int codec_time_fixed;	  /**< sim: charge codec work as codec_ms, not as measured */
	double codec_ms[4];	  /**< video encode, video decode, audio encode, audio decode */
	/* recovery */
	int nack;	      /**< 1: generic NACK with RTX retransmission (video) */
	int opus_fec;	      /**< 1: Opus in-band FEC (useinbandfec=1), used by the receiver */
	int opus_loss_pct;    /**< loss the Opus encoder plans its FEC for */
	int rtcp_interval_ms; /**< regular SR/RR interval */
	/* capture: what getUserMedia chose (see media/constraints.h) */
	int native_width, native_height; /**< camera mode; 0 = the track size (no crop-and-scale) */
	char video_settings[768];	 /**< track.getSettings() as JSON; "" without constraints */
	char audio_settings[768];
	/* playout (the receiver's jitter buffers) */
	int min_playout_delay_ms; /**< video: lower bound of the target delay (0) */
	int max_playout_delay_ms; /**< video: upper bound of the target delay (10000) */
	int render_delay_ms;	  /**< video: decode-to-display allowance of the target (10) */
	int quality;		  /**< video PSNR/SSIM: CB_QUALITY_ALL, _SAMPLE (one picture in
				     CB_QUALITY_SAMPLE_EVERY), _OFF */
	int audio_jb_min_ms;	  /**< audio: floor of the target delay (0) */
	int audio_jb_initial_ms;  /**< audio: delay before the first playout slot (20) */
	/* audio processing (getUserMedia's booleans, media/apm.h) and the
	 * acoustic scene the microphone hears (media/audio_scene.h); all off
	 * and no echo or noise = the microphone is the near talker alone */
	int echo_cancellation, noise_suppression, auto_gain_control; /**< 0 */
	double echo_db;	   /**< echo path gain, -60..-1 dB; 0 = no echo */
	int echo_delay_ms; /**< loudspeaker to microphone, 0..500 (40) */
	double noise_dbfs; /**< background noise RMS, -90..-10 dBFS; 0 = none */
};

/** Fill `cfg` with the defaults (640x480@30 VP8 1000 kbps, Opus 32 kbps, 10 s). */
void cb_call_cfg_default(struct cb_call_cfg *cfg);

enum cb_run_status { CB_RUN_COMPLETE = 0, CB_RUN_INTERRUPTED, CB_RUN_FAILED };
const char *cb_run_status_name(enum cb_run_status s);

/**
 * Audio processing on the sender, measured on the synthetic scene by
 * cb_apm_meter over the call after its first seconds (the echo canceller's
 * convergence).  Figures without samples to measure are NaN.
 */
struct cb_audio_processing {
	int on; /**< a scene (echo or noise) or any processing was on */
	int echo_cancellation, noise_suppression, auto_gain_control;
	double echo_db;		/**< scene: echo path gain, 0 = no echo */
	int echo_delay_ms;	/**< scene */
	double noise_dbfs;	/**< scene: 0 = no noise */
	double measured_from_s; /**< media time the meter started at */
	double erle_db;		/**< echo in the microphone minus residual in the output */
	double echo_in_dbfs, echo_out_dbfs;
	double noise_reduction_db; /**< quiet stretches, in minus out */
	double noise_in_dbfs, noise_out_dbfs;
	double level_in_dbfs, level_out_dbfs; /**< near talk without echo */
	double apm_delay_ms;		      /**< output lag added by the processing */
	double apm_cpu_us_per_frame;	      /**< mean real time per processed frame */
	int apm_frame_ms;		      /**< the processing's frame (10 or 20) */
};

/** What decided a media's verdict. */
enum cb_verdict_by {
	CB_VERDICT_BY_NONE = 0, /**< nothing measured */
	CB_VERDICT_BY_LATENCY,	/**< latency of the delivered frames / marks */
	CB_VERDICT_BY_AGE,	/**< age of what was on screen / heard */
	CB_VERDICT_BY_MISSING	/**< share of frames never shown / heard */
};
const char *cb_verdict_by_name(enum cb_verdict_by b); /* "latency", "age", "missing", "none" */

/** Everything measured for one media (track). */
struct cb_media_result {
	enum cb_media media;
	int enabled;
	char codec[16];
	/* frame counts along the path */
	uint64_t captured, encoded, sent, received, decoded, identified, mismatches;
	/* audio: marks in the captured audio and marks found in the decoded audio */
	uint64_t marks_sent, marks_identified;
	/* packets */
	uint64_t packets_sent, packets_received, packets_rejected, packets_lost;
	uint64_t rejected_auth, rejected_replay, rejected_malformed;
	/* under another SSRC than the stream's (once that is known from its
	 * first authenticated packet): refused before SRTP, not in packets.csv */
	uint64_t rejected_foreign;
	/* what the emulated network did: dropped by loss, dropped by the full
	 * queue, sent twice (the second copy is not counted as rejected) */
	uint64_t net_dropped_loss, net_dropped_queue, net_duplicated;
	/* of those sent twice (and, for video, of the retransmissions sent
	 * twice), the packets whose copies arrived: each explains one refusal
	 * by the replay check, which rejected_replay does not count */
	uint64_t net_duplicated_arrived;
	uint64_t bytes_sent;		   /**< SRTP bytes on the wire */
	uint64_t payload_bytes;		   /**< encoded media bytes */
	double target_kbps, achieved_kbps; /**< achieved: encoded media bits / media seconds */
	/** (achieved − target) / target in %; target_missed when |that| > 10 */
	double rate_miss_pct;
	int target_missed;
	double algo_ms; /**< audio: median framing + look-ahead share; NaN video */
	/** The receiver's own capture times (from the sender's reports) held
	 * against the sender's stamps: how many identified frames or marks
	 * had one, and the largest difference in us (NaN none). */
	uint64_t capture_checked;
	double capture_err_max_us;
	struct cb_dist e2e; /**< content-measured end-to-end, ms */
	/** Stage dists over one set of frames, so that their means add up:
	 * identified frames, content as expected, with every stamp of the
	 * chain (stage_frames of them); stage_total_ms is the mean of
	 * identified − captured over that set (= the sum of the stage means). */
	struct cb_dist stage[CB_SG_COUNT];
	uint64_t stage_frames;
	double stage_total_ms;
	/** What the viewer saw / the listener heard (measure/experience.h):
	 * video: age of the picture on screen at every display instant;
	 * audio: age of every played fresh sample, concealment apart. */
	struct cb_experience seen;
	/** Audio: the playout timeline, one slot per played frame (owned);
	 * its underruns and slip count up to the last fresh slot, as the
	 * concealed time does (after it the buffer only waits and conceals
	 * until the call stops). */
	struct cb_timeline playout;
	/** The verdict (see cb_media_result_compute): the worst of the bands
	 * of the delivered latency's percentile, of the seen age's same
	 * percentile, and of the share never shown/heard. */
	enum cb_band verdict;
	enum cb_verdict_by verdict_by;
	double verdict_ms; /**< the larger of the two percentiles below */
	double verdict_latency_ms, verdict_age_ms;
	enum cb_band band_latency, band_age, band_missing;
	struct cb_frame_log frames;
	/** Mismatches to show: content read vs frame from the RTP timestamp (first few). */
	struct {
		uint32_t expected, found;
	} mismatch_examples[8];
	size_t n_mismatch_examples;
	/* frames lost on the way, by the phase that lost them (the source never
	 * drops: it is synthetic) */
	uint64_t dropped_encoder, dropped_network, dropped_jitter_buffer, dropped_decoder;
	/** video: decoded, but the frame number could not be read from it */
	uint64_t dropped_unreadable;
	/* webrtc-stats: jitterBufferDelay / jitterBufferEmittedCount, ms */
	double jb_delay_mean_ms;
	/* audio: the margin the jitter buffer kept above its target (mean and
	 * largest over the slots; NaN without), and the frames that came late,
	 * were waited for and played, and how long their slots waited in all
	 * (rx/audiojb.h) */
	double jb_margin_mean_ms, jb_margin_max_ms;
	uint64_t jb_late_frames;
	double jb_late_wait_ms;
	/* video quality (libyuv I420PSNR / I420SSIM definitions) over identified frames */
	struct cb_dist psnr, ssim;
	/** The quality worker (video): pictures it measured, pictures it could
	 * not take (a full queue in real time), and its thread's CPU seconds,
	 * which are the harness's own and not the call's. */
	uint64_t quality_pictures, quality_skipped;
	double quality_cpu_s;
	/* video smoothness (webrtc-stats freeze rule), over rendered frames */
	uint32_t freeze_count, pause_count;
	double freeze_total_ms, pause_total_ms, harmonic_fps;
	/* audio: frames and samples played as concealment, and the events (runs) */
	uint64_t concealed_frames, concealed_samples, concealment_events;
	uint64_t fec_frames; /**< audio frames rebuilt from in-band FEC */
	/* audio objective quality against the aligned source (not PESQ/POLQA) */
	double audio_seg_snr_db, audio_snr_db, audio_correlation;
	/* played samples in those figures (concealed and inserted ones are not),
	 * and the stretches of constant alignment they fall into */
	uint64_t audio_compared_samples, audio_stretches;
	/* E-model (ITU-T G.107) from the measured mouth-to-ear delay and the
	 * loss left after recovery; Opus values assumed: Ie 0, Bpl 25.1 */
	double emodel_r, emodel_mos, emodel_loss_pct;
	char emodel_band[24];
	/* audio: what the audio processing did to the microphone (see
	 * struct cb_audio_processing); apm.on = 0 when neither a scene nor
	 * processing was on */
	struct cb_audio_processing apm;
};

/**
 * What the impairment emulator added on the way from sender to receiver
 * (the forward path: media, RTX and the sender's RTCP), from
 * cb_path_get_stats.  Without reordering, jitter keeps packet order by
 * holding packets back, so the mean added delay is above delay_ms.
 */
struct cb_net_added {
	uint64_t packets;      /**< copies handed on (a duplicate counts twice) */
	double added_delay_ms; /**< mean hand-on - send time; NaN without packets */
	double late_ms;	       /**< real clock: mean lag behind the release times; NaN in sim */
	double late_max_ms;    /**< real clock: the largest lag; NaN in sim */
};

/** One reception report as the sender saw it (RTCP RR, RFC 3550 §6.4). */
struct cb_rtcp_sample {
	cb_ns t; /**< when the sender received it */
	enum cb_media media;
	double rtt_ms;	      /**< from LSR/DLSR; NaN before the receiver had an SR */
	double fraction_lost; /**< 0..1 since the previous report */
	int64_t cumulative_lost;
	double jitter_ms; /**< interarrival jitter */
};

/** Loss recovery: NACK/RTX and PLI/key frames (video). */
struct cb_recovery {
	int nack_enabled;
	/* receiver */
	uint64_t packets_missing;    /**< gaps seen by the NACK requester */
	uint64_t nack_requested;     /**< distinct packets asked for */
	uint64_t nack_requests_sent; /**< with retries */
	uint64_t recovered;	     /**< arrived after being asked for */
	uint64_t recovered_late;     /**< arrived after the requester gave up */
	uint64_t never_recovered;
	uint64_t pli_sent;
	uint64_t rtcp_sent, rtcp_rejected;
	struct cb_dist recovery_ms;	 /**< first detection -> recovered */
	struct cb_dist keyframe_wait_ms; /**< decoder broken -> next decodable (key) frame */
	/* sender */
	uint64_t nack_received, rtx_sent, rtx_bytes, rtx_refused;
	uint64_t pli_received, keyframes_on_request;
};

#define CB_MAX_VERSIONS 16

struct cb_gates;

/** One media as the offer/answer agreed it, seen from the sending end. */
struct cb_negotiated_media {
	int accepted;
	char mid[64];
	char codec[16]; /**< registry name */
	int pt, rtx_pt; /**< rtx_pt -1: no RTX */
	unsigned clock_rate;
	char fmtp[256]; /**< what the receiving end wrote for it */
	int nack, pli, fir;
	char local_dir[12], remote_dir[12]; /**< the sending end's and the receiving end's */
};

/** What the two ends agreed (the sender offered, the receiver answered). */
struct cb_negotiated {
	int done; /**< 0: no offer/answer (a failed set-up) */
	int bundle;
	char suite[32];
	struct cb_negotiated_media media[2]; /**< by enum cb_media */
	char *offer, *answer;		     /**< the SDP texts, owned */
};

/** What one end sent (a peer, or a sender alone: call/send_to.h). */
struct cb_send_result {
	enum cb_run_status status;
	char error[320];
	double media_s;
	uint64_t frames[2];  /**< sent, by enum cb_media */
	uint64_t packets[2]; /**< RTP packets sent */
	uint64_t bytes[2];   /**< RTP payload bytes sent */
	uint64_t rtx[2];     /**< retransmissions sent (RTX), for NACKs received */
	uint64_t nack_received, pli_received;
	char local[CB_NET_ADDR_STRLEN], remote[2][CB_NET_ADDR_STRLEN];
};

/** A call between two peers (callbench peer --signal): this end's part. */
struct cb_peer_info {
	int on;
	char role[8];	  /**< "offer" or "answer": what this end made */
	char signal[160]; /**< the signaling server's URL */
	char room[72];
	char self_id[24], remote_id[24];			    /**< the server's ids ("c3") */
	char local[CB_NET_ADDR_STRLEN], remote[CB_NET_ADDR_STRLEN]; /**< the media transport */
	int sends, receives;  /**< what this end did (the directions agreed) */
	char remote_bye[160]; /**< the other end's bye reason; "" when none came */
	/** How the call ended here: "bye" (both said it), "left" (the other end
	 * left the room), "idle" (nothing came for 10 s, and no bye), "linger"
	 * (sending only: no bye within 3 s of this end's), "stopped", "failed",
	 * "nothing" (nothing arrived). */
	char ended[16];
};

struct cb_run_result {
	struct cb_call_cfg cfg;
	/** The absolute limits the run was held to, evaluated (report/gate.h);
	 * NULL: none.  Not owned: the program sets it before writing. */
	const struct cb_gates *gates;
	/** What the report writer's gnuplot made (report/report.h): bit i of
	 * plots_made / plots_failed is plot i of cb_report_plot_name(); none
	 * of either when gnuplot did not run (missing, or not yet). */
	unsigned plots_made, plots_failed;
	char run_id[64];
	char started_utc[32]; /**< ISO 8601 wall time the run began */
	enum cb_run_status status;
	char error[512]; /**< why a failed run failed */
	char clock[16];	 /**< "real" */
	double wall_s;	 /**< how long the run took */
	double media_s;	 /**< media time actually captured */
	struct {
		char name[24];
		char version[64];
	} versions[CB_MAX_VERSIONS];
	int n_versions;
	struct cb_media_result video, audio;
	struct cb_packet_log packets;
	struct cb_recovery recovery;
	/** Packets at the receiving end that belong to no media of the call. */
	struct cb_stray {
		uint64_t truncated; /**< larger than the receive buffer: cut by the transport */
		uint64_t malformed; /**< shorter than an RTP header, or not RTP version 2 */
		uint64_t unknown_payload_type; /**< RTP of a payload type no enabled media uses */
	} stray;
	struct cb_net_added net_added;
	/** Real clock: the receive thread's calls to the transport (all zero
	 * in the simulator, which has no receive thread). */
	struct cb_recv_stats receive;
	struct cb_rtcp_sample *rtcp; /**< reception reports over time */
	size_t n_rtcp;
	struct cb_negotiated negotiated;
	/** "" for a whole call; "receiver" for a receiver alone, whose sender
	 * is what the description and the wire said (call/half.h). */
	char half[16];
	/** How the receiver knew capture times: from the sender's reports
	 * (RTCP SR), the smallest SR transit it saw (offset + one-way delay,
	 * ms; NaN none) and how many SRs it took. */
	double sr_min_transit_ms[2];
	uint64_t sr_count[2];
	/** A peer: who it was, and what its sending half sent (has_sent). */
	struct cb_peer_info peer;
	int has_sent;
	struct cb_send_result sent;
};

void cb_run_result_free(struct cb_run_result *r);

/** Progress, called from the call's control thread about 4 times a second. */
struct cb_call_progress {
	double media_s, duration_s;
	uint64_t video_frames_identified, audio_marks_identified;
	double last_video_ms, last_audio_ms; /* latest content-measured latency, NaN if none */
};

struct cb_call_hooks {
	struct cb_logger log;
	void (*progress)(void *user, const struct cb_call_progress *p);
	void *user;
	/** Non-zero stops the call early; the result is then marked interrupted. */
	const atomic_int *stop;
};

/**
 * Run one call.  Returns 0 when a result was produced (complete,
 * interrupted or failed part-way: look at res->status) and a negative error
 * when nothing could start (bad settings).  res is always safe to free.
 */
int cb_call_run(const struct cb_call_cfg *cfg, const struct cb_call_hooks *hooks,
		struct cb_run_result *res);

#endif
