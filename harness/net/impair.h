/*
 * impair.h — the network impairment emulator: a pure, seeded, deterministic
 * model of what a path does to each packet (delay, jitter, reordering,
 * random and burst loss, duplication, link capacity with a finite queue).
 *
 * The model never touches a socket or a clock.  The caller hands it each
 * packet's send time and size, in send order, and gets back a verdict: lost,
 * dropped by the queue, or delivered (once or twice) at given absolute
 * times.  The caller then holds the packet until then; the same model works
 * over every transport and in real or simulated time.
 *
 * The stages follow WebRTC's SimulatedNetwork (call/simulated_network.cc)
 * in this order:
 *   1. capacity link: a drop-tail queue of `queue_packets` packets in front
 *      of a link of `rate_kbps`.  A packet that finds `queue_packets` packets
 *      not yet fully serialized (the one on the wire counts) is dropped
 *      (CB_IMPAIR_QUEUE_DROP).  Otherwise it waits until the link is free
 *      (queue_delay) and takes (size + overhead_bytes) * 8 / rate to
 *      serialize, rounded up to the next nanosecond.
 *   2. loss, decided as the packet leaves the link, as WebRTC does: a lost
 *      packet has used its share of the capacity (CB_IMPAIR_LOSS).  Either
 *      WebRTC's model (loss_pct with burst_len) or netem's Gilbert-Elliott
 *      "loss gemodel p r 1-h 1-k" (gemodel = 1).
 *   3. delay link: delay_ms plus a jitter sample, never earlier than the
 *      packet left the link; without reordering a packet is never released
 *      before the one released before it (release = max(release, last)),
 *      as WebRTC's SimulatedNetwork does.  Keeping order this way holds
 *      packets back, so the mean delay is above delay_ms: D + 6.0 ms per
 *      packet for jitter 10 ms normal in the default call (~175 packets/s);
 *      with reordering it is D.
 *   4. duplication: with dup_pct a second copy goes through the delay link
 *      with its own jitter sample (as netem, which duplicates at enqueue; the
 *      copy here does not take link capacity).
 *
 * Each model draws from its own generator derived from `seed`, so turning
 * jitter or duplication on does not change which packets are lost.
 *
 * Jitter distributions (jitter_ms = J, delay_ms = D):
 *   - CB_JITTER_NORMAL: D + N(0, J^2); J is the standard deviation.
 *   - CB_JITTER_UNIFORM: D + U(-J, +J); J is the half-width.
 *   - CB_JITTER_PARETO: D + X with X >= 0 a Lomax (Pareto type II) sample of
 *     shape 3 and scale 2J: E[X] = J (J is the mean excess over D),
 *     sd(X) = sqrt(3) J, P(X > x) = (1 + x / 2J)^-3.  A heavy tail: 1.6 % of
 *     packets come more than 6 J late, against none for a normal of sd J.
 *     Models queueing on a busy path (Wi-Fi retries, cellular scheduling).
 * Normal and uniform samples are clipped at -D: a packet never arrives
 * before it left the link.
 *
 * Loss models:
 *   - burst_len <= 1 (or -1): each packet is lost with probability loss_pct.
 *   - burst_len > 1: WebRTC's Gilbert-Elliott form, where "bursting" means
 *     "this packet is lost": P(stay lost) = 1 - 1/burst_len and
 *     P(start a burst) = p / (1 - p) / burst_len, so the loss rate is p and
 *     the mean run of consecutive losses is burst_len.  Needs
 *     burst_len >= p / (1 - p).
 *   - gemodel: good -> bad with ge_p %, bad -> good with ge_r %, loss with
 *     ge_1h % in bad and ge_1k % in good; the loss of a packet follows the
 *     state it found, then the state moves (as netem's loss_gilb_ell).
 *     Loss rate = (p (1-h) + r (1-k)) / (p + r); with 1-h = 100 % and
 *     1-k = 0 the mean burst is 1 / r.
 */
#ifndef CB_NET_IMPAIR_H
#define CB_NET_IMPAIR_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/setting.h"

enum cb_jitter_dist {
	CB_JITTER_NORMAL,
	CB_JITTER_UNIFORM,
	CB_JITTER_PARETO,
};

#define CB_IMPAIR_NAME_LEN 64

struct cb_impair_cfg {
	double delay_ms;  /**< fixed one-way delay of the delay link */
	double jitter_ms; /**< sd (normal), half-width (uniform), mean excess (pareto) */
	enum cb_jitter_dist jitter_dist; /**< shape of the jitter */
	int allow_reordering;		 /**< 0: a packet never overtakes the one before it */
	double loss_pct;		 /**< loss, percent (WebRTC model) */
	double burst_len;		 /**< mean loss burst; <= 1 (or -1): independent losses */
	int gemodel; /**< 1: netem gemodel below instead of loss_pct/burst_len */
	double ge_p, ge_r, ge_1h, ge_1k; /**< netem gemodel parameters, percent */
	double dup_pct;			 /**< duplication, percent */
	double rate_kbps;		 /**< link capacity, kbit/s (1000 bit/s); 0 = unlimited */
	int queue_packets;		 /**< drop-tail queue limit, packets; 0 = unlimited */
	int overhead_bytes;		 /**< bytes added to each packet for the capacity */
	double outage_at_s;		 /**< an outage starts this long after the first packet */
	double outage_s;	       /**< and lasts this long: every packet is lost (0 = none) */
	uint64_t seed;		       /**< seeds every random choice */
	char name[CB_IMPAIR_NAME_LEN]; /**< profile name, "custom", or "<profile>+" when modified */
};

enum cb_impair_fate {
	CB_IMPAIR_DELIVER,    /**< delivered, once or twice */
	CB_IMPAIR_LOSS,	      /**< lost on the path (after the link) */
	CB_IMPAIR_QUEUE_DROP, /**< dropped at the tail of a full queue */
};

struct cb_impair_verdict {
	enum cb_impair_fate fate;
	int copies;	     /**< 1, or 2 when duplicated; 0 when not delivered */
	cb_ns release[2];    /**< absolute arrival time of each copy, CB_NS_NONE if none */
	cb_ns queue_delay;   /**< time waiting for the link before serialization */
	cb_ns serialization; /**< (size + overhead) / capacity; 0 when unlimited */
};

struct cb_impair;

/**
 * The emulator's settings table (base/setting.h): each row's name is the
 * field's, as a profile file names it; its alias is the key of a --net
 * spec; its json key that of summary.json's settings.network.  The netem
 * gemodel fields have neither an alias (the spec's "gemodel=p:r:1-h:1-k"
 * sets them all) nor a json key (the summary writes them as one array).
 */
extern const struct cb_setting cb_impair_settings[];

/** Everything off: a perfect network, seed 1, name "perfect". */
void cb_impair_cfg_default(struct cb_impair_cfg *c);

/**
 * Check a configuration.  Returns 0, or -EINVAL with a sentence naming the
 * field and what is allowed in `why` (may be NULL).
 */
int cb_impair_cfg_check(const struct cb_impair_cfg *c, char *why, size_t why_len);

/** Open an emulator for one direction of one flow.  -EINVAL, -ENOMEM. */
int cb_impair_open(struct cb_impair **out, const struct cb_impair_cfg *cfg);

/**
 * Decide the fate of one packet of `size` bytes sent at `t_send`.  Send
 * times must not decrease from one call to the next (-EINVAL otherwise, and
 * nothing changes).  Returns 0 or a negative error (-ENOMEM when an
 * unlimited queue must grow).
 */
int cb_impair_packet(struct cb_impair *im, cb_ns t_send, size_t size, struct cb_impair_verdict *v);

/** 1 when no model changes anything (callers may skip the emulator). */
int cb_impair_is_perfect(const struct cb_impair_cfg *c);

/** The configuration the emulator runs with. */
const struct cb_impair_cfg *cb_impair_cfg_of(const struct cb_impair *im);

/** Safe on NULL. */
void cb_impair_close(struct cb_impair *im);

/**
 * Apply a "--net" spec onto `cfg` (so it may override a loaded profile):
 * comma-separated key=value, e.g.
 *   "delay=50,jitter=10,dist=pareto,reorder,loss=5,burst=3,dup=1,rate=500,
 *    queue=30,overhead=28,seed=7"  or  "gemodel=1:30:100:0"
 * Keys: delay, jitter (ms, optional "ms"), dist (normal|uniform|pareto),
 * reorder (bare, or =0/1), loss, dup (percent, optional "%"), burst,
 * gemodel (p[:r[:1-h[:1-k]]] percent; netem defaults r = 100, 1-h = 100,
 * 1-k = 0), rate (kbit/s, optional "kbps"), queue (packets), overhead
 * (bytes), seed.  "loss=" selects the WebRTC loss model and "gemodel=" the
 * netem one.  The name becomes "custom", or "<profile>+".  On error returns
 * -EINVAL, writes in `why` which key is wrong and what is allowed, and
 * leaves `cfg` unchanged.
 */
int cb_impair_parse(const char *spec, struct cb_impair_cfg *cfg, char *why, size_t why_len);

/**
 * Load a profile: `name_or_path` is a name looked up as `dir`/<name>.json
 * (`dir` NULL means cb_impair_profile_dir()), or a path to a .json file (it contains
 * '/' or ends in ".json").  Members: "name", "description", "assumptions"
 * (string or array of strings), "sources" (optional, the same), and the
 * cfg fields by their struct names; "jitter_dist" is "normal", "uniform" or
 * "pareto"; flags are booleans.  Missing fields keep the defaults.
 * Returns 0; CB_E_NOTFOUND with the known names in `why`; CB_E_FORMAT with
 * the file and the bad member in `why`.  Fields the file leaves out take the values of
 * cb_impair_cfg_default(), not those already in `cfg`, which is unchanged
 * on error.
 */
int cb_impair_profile_load(const char *dir, const char *name_or_path, struct cb_impair_cfg *cfg,
			   char *why, size_t why_len);

/**
 * The folder of the named profiles, into dir: "fixtures/net" when the
 * current folder has one, else the one beside the program
 * (<program's folder>/../fixtures/net, as build/callbench is placed).
 */
void cb_impair_profile_dir(char *dir, size_t len);

/**
 * The profile names in `dir` (NULL: cb_impair_profile_dir), sorted, separated by
 * ", ".  Returns how many, or a negative error.
 */
int cb_impair_profile_names(const char *dir, char *buf, size_t len);
/** The keys of a --net spec, comma-separated, into buf. */
void cb_impair_keys(char *buf, size_t len);

/**
 * One line for reports, e.g. "4g: delay 35 ms, jitter 8 ms normal sd, loss
 * 0.5 % (bursts of 2), rate 5000 kbps, queue 300 pkts, overhead 28 B".
 */
void cb_impair_describe(const struct cb_impair_cfg *c, char *buf, size_t len);

#endif
