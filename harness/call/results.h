/*
 * results.h — joining the two ends' records into the run's result, after
 * the call (internal to harness/call; see results.c).
 */
#ifndef CB_CALL_RESULTS_H
#define CB_CALL_RESULTS_H

#include "call/endpoint.h"

int cb_results_merge_video(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r,
			   const struct cb_session *ss);
int cb_results_merge_audio(struct cb_media_result *mr, struct cb_sender *s, struct cb_receiver *r,
			   const struct cb_session *ss);
int cb_results_merge_packets(struct cb_run_result *res, struct cb_track_log *tx,
			     struct cb_rx_log *rx, struct cb_media_result *mr);
int cb_results_summarize(struct cb_media_result *mr, const struct cb_call_cfg *cfg, double media_s,
			 const struct cb_packet_log *pk);
void cb_results_audio_quality(struct cb_media_result *mr, struct cb_sender *s,
			      struct cb_receiver *r);
void cb_results_merge_recovery(struct cb_run_result *res, struct cb_sender *s,
			       struct cb_receiver *r);
/* The receiver's refusals, by reason: stray packets, foreign SSRCs, SRTP's
 * authentication and replay checks (less the network's own duplicates),
 * unparsable packets and RTX that does not unwrap (after
 * cb_results_merge_packets, which counts the duplicates that arrived). */
void cb_results_merge_refused(struct cb_run_result *res, const struct cb_sender *s,
			      const struct cb_receiver *r);

/** Everything of both ends into `res` (see results.c); 0 or an error of the records. */
int cb_results_merge_call(struct cb_run_result *res, struct cb_sender *snd, struct cb_receiver *rcv,
			  const struct cb_session *ss);

#endif
