/*
 * call_pair.h — one call from its two halves (`callbench report A B`).
 *
 * Each peer's run folder (callbench peer --signal) holds what that end
 * received, measured from the decoded content, and what it sent.  Put
 * together they give the whole call, each direction with the sender's own
 * counts beside the receiver's measurements: what the network really lost
 * (packets sent by one end and not received by the other, which a receiver
 * alone can only infer from sequence-number gaps), and the call's verdict,
 * the worse of the two directions.
 *
 * The two folders must be the two ends of one call: each summary.json has
 * a "peer" section, and each end's remote address is the other's local one
 * (and their rooms agree).  Anything else is refused, saying which file
 * and what is wrong.
 */
#ifndef CB_REPORT_CALL_PAIR_H
#define CB_REPORT_CALL_PAIR_H

#include <stddef.h>

#define CB_CALL_SCHEMA "callbench.call/1"

/** One media of one direction; NaN where a half did not say. */
struct cb_call_media {
	int on; /**< the sender sent it or the receiver measured it */
	char codec[16];
	double frames_sent, packets_sent, rtx_sent;		     /**< the sender's own counts */
	double frames_received, frames_identified, packets_received; /**< the receiver's */
	double packets_lost;	   /**< sent - received: the network's loss (NaN unknown) */
	double loss_pct;	   /**< of the packets sent */
	double identified_pct;	   /**< frames (video) or marks (audio) identified of those sent */
	double p50, p95, p99, max; /**< content-measured latency, ms */
	double n;
	char band[16]; /**< the receiver's verdict of this media ("none": none) */
	double verdict_ms;
};

/** One direction: `from` sends, `to` receives. */
struct cb_call_dir {
	int on;		       /**< one end sent and the other received */
	char from[64], to[64]; /**< run ids */
	char from_addr[64], to_addr[64];
	char status[16];	       /**< the receiving half's status */
	struct cb_call_media media[2]; /**< video, audio */
};

struct cb_call_pair {
	char room[72], signal[160];
	char dir_a[512], dir_b[512];
	struct cb_call_dir dir[2]; /**< A to B, B to A */
	char band[16];		   /**< the call's verdict: the worse direction */
	char worst[96];		   /**< which direction and media decided it */
};

/**
 * Read the halves in run folders `a` and `b` (folders holding
 * summary.json, or the files themselves).  0, or CB_E_FORMAT /
 * -ENOENT / -ENOMEM with `why` naming the file and what is wrong.
 */
int cb_call_pair_load(const char *a, const char *b, struct cb_call_pair *p, char *why,
		      size_t why_len);

/** The same, from the two files' texts (the fuzz target's way in). */
int cb_call_pair_parse(const char *text_a, size_t len_a, const char *text_b, size_t len_b,
		       struct cb_call_pair *p, char *why, size_t why_len);

/** call.json (schema callbench.call/1) and call.md into folder `dir`
 * (made if missing), each written to a temporary name and renamed. */
int cb_call_pair_write(const struct cb_call_pair *p, const char *dir);

#endif
