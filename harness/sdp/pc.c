/*
 * pc.c — the RTCPeerConnection signaling state machine (see pc.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "sdp/pc.h"
#include "sdp/sdp_int.h"

/* A description the connection holds; `d` is allocated on first use. */
struct slot {
	struct cb_sdp *d;
	int set;
};

struct cb_pc {
	enum cb_pc_state state;
	struct cb_sdp_caps caps;
	struct slot cur_local, cur_remote, pend_local, pend_remote;
	struct cb_sdp_negotiated neg, prov; /* the last answer's, the pranswer's */
	int have_neg;
	void *user;
};

static const char *const state_names[] = {
    [CB_PC_STABLE] = "stable",
    [CB_PC_HAVE_LOCAL_OFFER] = "have-local-offer",
    [CB_PC_HAVE_REMOTE_OFFER] = "have-remote-offer",
    [CB_PC_HAVE_LOCAL_PRANSWER] = "have-local-pranswer",
    [CB_PC_HAVE_REMOTE_PRANSWER] = "have-remote-pranswer",
    [CB_PC_CLOSED] = "closed",
};

static const char *const type_names[] = {
    [CB_SDP_TYPE_OFFER] = "offer",
    [CB_SDP_TYPE_PRANSWER] = "pranswer",
    [CB_SDP_TYPE_ANSWER] = "answer",
    [CB_SDP_TYPE_ROLLBACK] = "rollback",
};

#define BIT(s) (1u << (s))

/*
 * The states each call is allowed in (pc.h's table), and where it leads.
 * Index: [remote][type].
 */
static const struct transition {
	unsigned from; /* BIT(state) of the states allowed */
	enum cb_pc_state to;
} transitions[2][4] = {
    /* setLocalDescription */
    {
	[CB_SDP_TYPE_OFFER] = {BIT(CB_PC_STABLE) | BIT(CB_PC_HAVE_LOCAL_OFFER),
			       CB_PC_HAVE_LOCAL_OFFER},
	[CB_SDP_TYPE_PRANSWER] = {BIT(CB_PC_HAVE_REMOTE_OFFER) | BIT(CB_PC_HAVE_LOCAL_PRANSWER),
				  CB_PC_HAVE_LOCAL_PRANSWER},
	[CB_SDP_TYPE_ANSWER] = {BIT(CB_PC_HAVE_REMOTE_OFFER) | BIT(CB_PC_HAVE_LOCAL_PRANSWER),
				CB_PC_STABLE},
	[CB_SDP_TYPE_ROLLBACK] = {BIT(CB_PC_HAVE_LOCAL_OFFER) | BIT(CB_PC_HAVE_REMOTE_OFFER),
				  CB_PC_STABLE},
    },
    /* setRemoteDescription */
    {
	[CB_SDP_TYPE_OFFER] = {BIT(CB_PC_STABLE) | BIT(CB_PC_HAVE_REMOTE_OFFER) |
				   BIT(CB_PC_HAVE_LOCAL_OFFER),
			       CB_PC_HAVE_REMOTE_OFFER},
	[CB_SDP_TYPE_PRANSWER] = {BIT(CB_PC_HAVE_LOCAL_OFFER) | BIT(CB_PC_HAVE_REMOTE_PRANSWER),
				  CB_PC_HAVE_REMOTE_PRANSWER},
	[CB_SDP_TYPE_ANSWER] = {BIT(CB_PC_HAVE_LOCAL_OFFER) | BIT(CB_PC_HAVE_REMOTE_PRANSWER),
				CB_PC_STABLE},
	[CB_SDP_TYPE_ROLLBACK] = {BIT(CB_PC_HAVE_LOCAL_OFFER) | BIT(CB_PC_HAVE_REMOTE_OFFER),
				  CB_PC_STABLE},
    },
};

const char *cb_pc_state_name(enum cb_pc_state s)
{
	return (unsigned)s <= CB_PC_CLOSED ? state_names[s] : "?";
}

const char *cb_sdp_type_name(enum cb_sdp_type t)
{
	return (unsigned)t <= CB_SDP_TYPE_ROLLBACK ? type_names[t] : "?";
}

int cb_sdp_type_from_name(const char *name, enum cb_sdp_type *t)
{
	for (int i = 0; i <= CB_SDP_TYPE_ROLLBACK; i++)
		if (!strcmp(name, type_names[i])) {
			*t = (enum cb_sdp_type)i;
			return 0;
		}
	return CB_E_NOTFOUND;
}

/* InvalidStateError for `call` in the current state, listing where it is allowed. */
static int invalid_state(const struct cb_pc *pc, const char *call, unsigned allowed, char *why,
			 size_t why_len)
{
	char list[160] = "";
	size_t n = 0;

	for (int s = CB_PC_STABLE; s < CB_PC_CLOSED; s++)
		if (allowed & BIT(s))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
					      state_names[s]);
	return cb_sdp_say(why, why_len, CB_E_STATE,
			  "InvalidStateError: %s in state %s (allowed in %s)", call,
			  state_names[pc->state], n ? list : "no state");
}

int cb_pc_open(struct cb_pc **out, const struct cb_sdp_caps *caps, void *user)
{
	struct cb_pc *pc = calloc(1, sizeof(*pc));
	int rc;

	*out = NULL;
	if (!pc)
		return -ENOMEM;
	pc->caps = *caps;
	pc->user = user;
	if ((rc = cb_sdp_caps_fill(&pc->caps))) {
		free(pc);
		return rc;
	}
	*out = pc;
	return 0;
}

void cb_pc_free(struct cb_pc *pc)
{
	if (!pc)
		return;
	free(pc->cur_local.d);
	free(pc->cur_remote.d);
	free(pc->pend_local.d);
	free(pc->pend_remote.d);
	free(pc);
}

void cb_pc_close(struct cb_pc *pc)
{
	pc->state = CB_PC_CLOSED;
}

enum cb_pc_state cb_pc_signaling_state(const struct cb_pc *pc)
{
	return pc->state;
}

void *cb_pc_user(const struct cb_pc *pc)
{
	return pc->user;
}

const struct cb_sdp_caps *cb_pc_caps(const struct cb_pc *pc)
{
	return &pc->caps;
}

static const struct cb_sdp *got(const struct slot *s)
{
	return s->set ? s->d : NULL;
}

const struct cb_sdp *cb_pc_current_local(const struct cb_pc *pc)
{
	return got(&pc->cur_local);
}

const struct cb_sdp *cb_pc_pending_local(const struct cb_pc *pc)
{
	return got(&pc->pend_local);
}

const struct cb_sdp *cb_pc_current_remote(const struct cb_pc *pc)
{
	return got(&pc->cur_remote);
}

const struct cb_sdp *cb_pc_pending_remote(const struct cb_pc *pc)
{
	return got(&pc->pend_remote);
}

const struct cb_sdp *cb_pc_local_description(const struct cb_pc *pc)
{
	return pc->pend_local.set ? pc->pend_local.d : got(&pc->cur_local);
}

const struct cb_sdp *cb_pc_remote_description(const struct cb_pc *pc)
{
	return pc->pend_remote.set ? pc->pend_remote.d : got(&pc->cur_remote);
}

const struct cb_sdp_negotiated *cb_pc_negotiated(const struct cb_pc *pc)
{
	if (pc->state == CB_PC_HAVE_LOCAL_PRANSWER || pc->state == CB_PC_HAVE_REMOTE_PRANSWER)
		return &pc->prov;
	return pc->have_neg ? &pc->neg : NULL;
}

/* Make room in `s` (allocated once) and copy `d` in. */
static int slot_put(struct slot *s, const struct cb_sdp *d)
{
	if (!s->d && !(s->d = malloc(sizeof(*s->d))))
		return -ENOMEM;
	if (s->d != d)
		memcpy(s->d, d, sizeof(*d));
	s->set = 1;
	return 0;
}

/* Move `from` into `to` (their buffers swap, so nothing is copied). */
static void slot_move(struct slot *to, struct slot *from)
{
	struct cb_sdp *d = to->d;

	to->d = from->d;
	to->set = from->set;
	from->d = d;
	from->set = 0;
}

/*
 * The caps a new offer is made from: a re-offer keeps the current local
 * description's m= lines, kind and mid, in their order (JSEP 5.2.2); caps
 * media it does not have follow.
 */
static void offer_caps(const struct cb_pc *pc, struct cb_sdp_caps *c)
{
	const struct cb_sdp *cur = cb_pc_current_local(pc);
	int used[CB_SDP_MAX_MEDIA] = {0};
	size_t n = 0;

	*c = pc->caps;
	if (!cur)
		return;
	for (size_t i = 0; i < cur->n_media && n < CB_SDP_MAX_MEDIA; i++) {
		const struct cb_sdp_media *m = &cur->media[i];
		int kind = !strcmp(m->type, "video")   ? CB_MEDIA_VIDEO
			   : !strcmp(m->type, "audio") ? CB_MEDIA_AUDIO
						       : -1;

		for (size_t k = 0; k < pc->caps.n_media; k++)
			if (!used[k] && (int)pc->caps.media[k].kind == kind) {
				used[k] = 1;
				c->media[n] = pc->caps.media[k];
				snprintf(c->media[n++].mid, CB_SDP_TOKEN_LEN, "%s", m->mid);
				break;
			}
	}
	for (size_t k = 0; k < pc->caps.n_media && n < CB_SDP_MAX_MEDIA; k++)
		if (!used[k])
			c->media[n++] = pc->caps.media[k];
	c->n_media = n;
}

int cb_pc_create_offer(struct cb_pc *pc, struct cb_sdp *out, char *why, size_t why_len)
{
	struct cb_sdp_caps *c;
	int rc;

	if (pc->state == CB_PC_CLOSED)
		return invalid_state(pc, "createOffer", ~BIT(CB_PC_CLOSED), why, why_len);
	c = malloc(sizeof(*c));
	if (!c)
		return cb_sdp_say(why, why_len, -ENOMEM, "out of memory");
	offer_caps(pc, c);
	rc = cb_sdp_create_offer(c, out, why, why_len);
	if (!rc)
		pc->caps.session_version++;
	free(c);
	return rc;
}

int cb_pc_create_answer(struct cb_pc *pc, struct cb_sdp *out, char *why, size_t why_len)
{
	const unsigned allowed = BIT(CB_PC_HAVE_REMOTE_OFFER) | BIT(CB_PC_HAVE_LOCAL_PRANSWER);
	int rc;

	if (!(allowed & BIT(pc->state)))
		return invalid_state(pc, "createAnswer", allowed, why, why_len);
	rc = cb_sdp_create_answer(&pc->caps, pc->pend_remote.d, out, why, why_len);
	if (!rc)
		pc->caps.session_version++;
	return rc;
}

static void rollback(struct cb_pc *pc)
{
	pc->pend_local.set = 0;
	pc->pend_remote.set = 0;
	pc->state = CB_PC_STABLE;
}

/*
 * An answer or pranswer `d` set on side `remote`: it must answer the
 * pending offer (the other side's).  What they agree goes to `out`.
 */
static int check_answer(struct cb_pc *pc, int remote, const struct cb_sdp *d,
			struct cb_sdp_negotiated *out, char *why, size_t why_len)
{
	const struct cb_sdp *offer = remote ? pc->pend_local.d : pc->pend_remote.d;

	return cb_sdp_negotiate(offer, d, remote, out, why, why_len);
}

static int set_description(struct cb_pc *pc, int remote, enum cb_sdp_type type,
			   const struct cb_sdp *d, char *why, size_t why_len)
{
	const struct transition *t;
	struct slot *pend = remote ? &pc->pend_remote : &pc->pend_local;
	struct cb_sdp_negotiated *neg = NULL;
	char call[48];
	int rc;

	if (why_len)
		why[0] = '\0';
	if ((unsigned)type > CB_SDP_TYPE_ROLLBACK)
		return cb_sdp_say(why, why_len, -EINVAL, "%d is not an RTCSdpType", (int)type);
	snprintf(call, sizeof(call), "set%sDescription(%s)", remote ? "Remote" : "Local",
		 type_names[type]);
	t = &transitions[remote][type];
	if (pc->state == CB_PC_CLOSED || !(t->from & BIT(pc->state)))
		return invalid_state(pc, call, t->from, why, why_len);
	if (type == CB_SDP_TYPE_ROLLBACK) {
		rollback(pc);
		return 0;
	}
	if (!d)
		return cb_sdp_say(why, why_len, -EINVAL, "%s needs a description", call);
	if (type != CB_SDP_TYPE_OFFER) {
		neg = malloc(sizeof(*neg));
		if (!neg)
			return cb_sdp_say(why, why_len, -ENOMEM, "out of memory");
		if ((rc = check_answer(pc, remote, d, neg, why, why_len)))
			goto out;
		neg->provisional = type == CB_SDP_TYPE_PRANSWER;
	}
	/* Only now, with nothing left to fail but memory, does anything change. */
	if ((rc = slot_put(pend, d)))
		goto out;
	if (type == CB_SDP_TYPE_OFFER && remote && pc->state == CB_PC_HAVE_LOCAL_OFFER)
		pc->pend_local.set = 0; /* implicit rollback of our offer */
	if (type == CB_SDP_TYPE_PRANSWER)
		pc->prov = *neg;
	if (type == CB_SDP_TYPE_ANSWER) {
		pc->neg = *neg;
		pc->have_neg = 1;
		slot_move(&pc->cur_local, &pc->pend_local);
		slot_move(&pc->cur_remote, &pc->pend_remote);
	}
	pc->state = t->to;
out:
	free(neg);
	return rc;
}

int cb_pc_set_local(struct cb_pc *pc, enum cb_sdp_type type, const struct cb_sdp *d, char *why,
		    size_t why_len)
{
	struct cb_sdp *made;
	int rc;

	if (d || type == CB_SDP_TYPE_ROLLBACK || pc->state == CB_PC_CLOSED ||
	    (unsigned)type > CB_SDP_TYPE_ROLLBACK)
		return set_description(pc, 0, type, d, why, why_len);
	/* setLocalDescription() without a description: make the one it needs */
	if (!(transitions[0][type].from & BIT(pc->state)))
		return set_description(pc, 0, type, NULL, why, why_len);
	made = cb_sdp_new();
	if (!made)
		return cb_sdp_say(why, why_len, -ENOMEM, "out of memory");
	rc = type == CB_SDP_TYPE_OFFER ? cb_pc_create_offer(pc, made, why, why_len)
				       : cb_pc_create_answer(pc, made, why, why_len);
	if (!rc)
		rc = set_description(pc, 0, type, made, why, why_len);
	free(made);
	return rc;
}

int cb_pc_set_remote(struct cb_pc *pc, enum cb_sdp_type type, const struct cb_sdp *d, char *why,
		     size_t why_len)
{
	return set_description(pc, 1, type, d, why, why_len);
}
