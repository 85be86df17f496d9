#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "call/pair.h"
#include "sdp/pc.h"

/* Write `d` as text (a heap copy in *text) and parse it back into `into`,
 * as the other end would read it off the wire. */
static int carry(const struct cb_sdp *d, struct cb_sdp *into, char **text, const char *what,
		 char *why, size_t why_len)
{
	size_t n = CB_SDP_MAX_SIZE;
	char *buf = malloc(n + 1);
	char sub[200] = "";
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = cb_sdp_write(d, buf, &n, sub, sizeof(sub));
	if (rc < 0) {
		snprintf(why, why_len, "writing the %s: %s", what, sub[0] ? sub : cb_strerror(rc));
		free(buf);
		return rc;
	}
	rc = cb_sdp_parse(into, buf, n, sub, sizeof(sub));
	if (rc < 0) {
		snprintf(why, why_len, "reading the %s: %s", what, sub[0] ? sub : cb_strerror(rc));
		free(buf);
		return rc;
	}
	*text = buf;
	return 0;
}

void cb_negotiated_fill(struct cb_negotiated *out, const struct cb_session *ss,
			const struct cb_sdp_negotiated *n)
{
	out->done = 1;
	out->bundle = n->bundle;
	snprintf(out->suite, sizeof(out->suite), "%s", cb_srtp_profile_name(ss->suite));
	for (size_t i = 0; i < n->n_media; i++) {
		const struct cb_sdp_negotiated_media *nm = &n->media[i];
		int m = !strcmp(nm->type, "video")   ? CB_MEDIA_VIDEO
			: !strcmp(nm->type, "audio") ? CB_MEDIA_AUDIO
						     : -1;
		struct cb_negotiated_media *o;

		if (m < 0)
			continue;
		o = &out->media[m];
		o->accepted = nm->accepted;
		snprintf(o->mid, sizeof(o->mid), "%s", nm->mid);
		snprintf(o->codec, sizeof(o->codec), "%s", nm->codec);
		o->pt = nm->pt;
		o->rtx_pt = nm->rtx_pt;
		o->clock_rate = nm->clock_rate;
		snprintf(o->fmtp, sizeof(o->fmtp), "%s", nm->fmtp_remote);
		o->nack = !!(nm->fb & CB_SDP_FB_NACK);
		o->pli = !!(nm->fb & CB_SDP_FB_PLI);
		o->fir = !!(nm->fb & CB_SDP_FB_FIR);
		snprintf(o->local_dir, sizeof(o->local_dir), "%s",
			 cb_sdp_dir_name(nm->local_dir ? nm->local_dir : CB_SDP_SENDRECV));
		snprintf(o->remote_dir, sizeof(o->remote_dir), "%s",
			 cb_sdp_dir_name(nm->remote_dir ? nm->remote_dir : CB_SDP_SENDRECV));
	}
}

int cb_pair_negotiate(struct cb_session *tx, struct cb_session *rx, struct cb_negotiated *out,
		      char *why, size_t why_len)
{
	struct cb_sdp_caps *ctx = malloc(sizeof(*ctx)), *crx = malloc(sizeof(*crx));
	struct cb_sdp *d = cb_sdp_new();
	struct cb_pc *a = NULL, *b = NULL;
	char sub[300] = "";
	int rc = -ENOMEM;

	if (!ctx || !crx || !d)
		goto out;
	rc = cb_session_caps(tx, 1, 0, ctx, why, why_len);
	if (rc == 0)
		rc = cb_session_caps(rx, 0, 1, crx, why, why_len);
	if (rc < 0)
		goto out;
	rc = cb_pc_open(&a, ctx, NULL);
	if (rc == 0)
		rc = cb_pc_open(&b, crx, NULL);
	if (rc < 0) {
		snprintf(why, why_len, "opening the peer connections: %s", cb_strerror(rc));
		goto out;
	}
	if ((rc = cb_pc_set_local(a, CB_SDP_TYPE_OFFER, NULL, sub, sizeof(sub))) < 0) {
		snprintf(why, why_len, "the sender's offer: %s", sub);
		goto out;
	}
	rc = carry(cb_pc_local_description(a), d, &out->offer, "offer", why, why_len);
	if (rc < 0)
		goto out;
	if ((rc = cb_pc_set_remote(b, CB_SDP_TYPE_OFFER, d, sub, sizeof(sub))) < 0 ||
	    (rc = cb_pc_set_local(b, CB_SDP_TYPE_ANSWER, NULL, sub, sizeof(sub))) < 0) {
		snprintf(why, why_len, "the receiver's answer: %s", sub);
		goto out;
	}
	rc = carry(cb_pc_local_description(b), d, &out->answer, "answer", why, why_len);
	if (rc < 0)
		goto out;
	if ((rc = cb_pc_set_remote(a, CB_SDP_TYPE_ANSWER, d, sub, sizeof(sub))) < 0) {
		snprintf(why, why_len, "the sender taking the answer: %s", sub);
		goto out;
	}
	rc = cb_session_apply(tx, cb_pc_negotiated(a), 1, sub, sizeof(sub));
	if (rc < 0) {
		snprintf(why, why_len, "the sender: %s", sub);
		goto out;
	}
	rc = cb_session_apply(rx, cb_pc_negotiated(b), 0, sub, sizeof(sub));
	if (rc < 0) {
		snprintf(why, why_len, "the receiver: %s", sub);
		goto out;
	}
	cb_negotiated_fill(out, tx, cb_pc_negotiated(a));
out:
	cb_pc_free(a);
	cb_pc_free(b);
	free(d);
	free(ctx);
	free(crx);
	return rc;
}
