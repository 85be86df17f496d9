/*
 * test_pc.c — the RTCPeerConnection signaling state machine: every call in
 * every state (allowed ones move as the W3C API says, the others are an
 * InvalidStateError that changes nothing), rollback explicit and implicit,
 * pranswer, a call between two connections, re-offers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "sdp/pc.h"
#include "test_util.h"

#define OUT_MAX (CB_SDP_MAX_SIZE + 1)

enum { STABLE, HLO, HRO, HLP, HRP, CLOSED, N_STATES };

struct pair {
	struct cb_pc *a, *b;
	struct cb_sdp *d;
	char why[512];
};

static void pair_open(struct pair *p)
{
	struct cb_sdp_caps c;

	memset(p, 0, sizeof(*p));
	cb_sdp_caps_default(&c);
	CU_ASSERT_EQUAL_FATAL(cb_pc_open(&p->a, &c, &p->a), 0);
	c.media[0].port = 6004;
	c.media[1].port = 6006;
	CU_ASSERT_EQUAL_FATAL(cb_pc_open(&p->b, &c, NULL), 0);
	p->d = cb_sdp_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->d);
}

static void pair_close(struct pair *p)
{
	cb_pc_free(p->a);
	cb_pc_free(p->b);
	free(p->d);
}

#define OK(call)                                                                                   \
	do {                                                                                       \
		int rc_ = (call);                                                                  \
		if (rc_)                                                                           \
			printf("\n    %s: %s\n", #call, p->why);                                   \
		CU_ASSERT_EQUAL_FATAL(rc_, 0);                                                     \
	} while (0)

/* Bring a (and b, its peer) to state `s`; b stays able to answer a's offer. */
static void reach(struct pair *p, int s)
{
	switch (s) {
	case HLO:
		OK(cb_pc_set_local(p->a, CB_SDP_TYPE_OFFER, NULL, p->why, sizeof(p->why)));
		OK(cb_pc_set_remote(p->b, CB_SDP_TYPE_OFFER, cb_pc_local_description(p->a), p->why,
				    sizeof(p->why)));
		break;
	case HRO:
		OK(cb_pc_set_local(p->b, CB_SDP_TYPE_OFFER, NULL, p->why, sizeof(p->why)));
		OK(cb_pc_set_remote(p->a, CB_SDP_TYPE_OFFER, cb_pc_local_description(p->b), p->why,
				    sizeof(p->why)));
		break;
	case HLP:
		reach(p, HRO);
		OK(cb_pc_set_local(p->a, CB_SDP_TYPE_PRANSWER, NULL, p->why, sizeof(p->why)));
		OK(cb_pc_set_remote(p->b, CB_SDP_TYPE_PRANSWER, cb_pc_local_description(p->a),
				    p->why, sizeof(p->why)));
		break;
	case HRP:
		reach(p, HLO);
		OK(cb_pc_set_local(p->b, CB_SDP_TYPE_PRANSWER, NULL, p->why, sizeof(p->why)));
		OK(cb_pc_set_remote(p->a, CB_SDP_TYPE_PRANSWER, cb_pc_local_description(p->b),
				    p->why, sizeof(p->why)));
		break;
	case CLOSED:
		cb_pc_close(p->a);
		break;
	}
	CU_ASSERT_EQUAL_FATAL(cb_pc_signaling_state(p->a), (enum cb_pc_state)s);
}

/* A description for `type` set on side `remote` of a in its state: a real one where it could be
 * set. */
static const struct cb_sdp *desc_for(struct pair *p, int remote, enum cb_sdp_type type)
{
	enum cb_pc_state s = cb_pc_signaling_state(p->a);

	if (type == CB_SDP_TYPE_ROLLBACK)
		return NULL;
	if (type == CB_SDP_TYPE_OFFER && !remote && s != CB_PC_CLOSED)
		OK(cb_pc_create_offer(p->a, p->d, p->why, sizeof(p->why)));
	else if (!remote && (s == CB_PC_HAVE_REMOTE_OFFER || s == CB_PC_HAVE_LOCAL_PRANSWER))
		OK(cb_pc_create_answer(p->a, p->d, p->why, sizeof(p->why)));
	else if (remote && type != CB_SDP_TYPE_OFFER &&
		 (s == CB_PC_HAVE_LOCAL_OFFER || s == CB_PC_HAVE_REMOTE_PRANSWER))
		OK(cb_pc_create_answer(p->b, p->d, p->why, sizeof(p->why)));
	else /* an offer of b's: a real description, whatever the call */
		OK(cb_pc_create_offer(p->b, p->d, p->why, sizeof(p->why)));
	return p->d;
}

static int same_desc(const struct cb_sdp *x, const struct cb_sdp *y)
{
	if (!x || !y)
		return x == y;
	return cb_sdp_diff(x, y, NULL, 0) == 0;
}

/*
 * Every setLocal/setRemote of every type in every state: where the W3C API
 * allows it, it moves to its state; elsewhere it is an InvalidStateError
 * naming the call and the state, and nothing changes.
 */
static void test_every_transition(void)
{
	static const char *const names[] = {"stable",
					    "have-local-offer",
					    "have-remote-offer",
					    "have-local-pranswer",
					    "have-remote-pranswer",
					    "closed"};
	/* [remote][type] = {allowed states as a bit set, the state reached} */
	static const struct {
		unsigned from;
		int to;
	} rules[2][4] = {
	    {{1u << STABLE | 1u << HLO, HLO},
	     {1u << HRO | 1u << HLP, HLP},
	     {1u << HRO | 1u << HLP, STABLE},
	     {1u << HLO | 1u << HRO, STABLE}},
	    {{1u << STABLE | 1u << HRO | 1u << HLO, HRO},
	     {1u << HLO | 1u << HRP, HRP},
	     {1u << HLO | 1u << HRP, STABLE},
	     {1u << HLO | 1u << HRO, STABLE}},
	};
	int allowed = 0, refused = 0;

	for (int s = 0; s < N_STATES; s++)
		for (int remote = 0; remote < 2; remote++)
			for (int type = 0; type < 4; type++) {
				struct pair pp, *p = &pp;
				const struct cb_sdp *d;
				struct cb_sdp *before_l = cb_sdp_new(), *before_r = cb_sdp_new();
				const struct cb_sdp *l, *r;
				char want[160];
				int rc, ok = rules[remote][type].from >> s & 1;

				CU_ASSERT_FATAL(before_l && before_r);
				pair_open(p);
				reach(p, s);
				d = desc_for(p, remote, (enum cb_sdp_type)type);
				l = cb_pc_local_description(p->a);
				r = cb_pc_remote_description(p->a);
				if (l)
					*before_l = *l;
				if (r)
					*before_r = *r;
				rc = remote ? cb_pc_set_remote(p->a, (enum cb_sdp_type)type, d,
							       p->why, sizeof(p->why))
					    : cb_pc_set_local(p->a, (enum cb_sdp_type)type, d,
							      p->why, sizeof(p->why));
				if (rc != (ok ? 0 : CB_E_STATE))
					printf("\n    %s: set%s(%s): %d %s\n", names[s],
					       remote ? "Remote" : "Local", cb_sdp_type_name(type),
					       rc, p->why);
				if (ok) {
					allowed++;
					CU_ASSERT_EQUAL(rc, 0);
					CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a),
							(enum cb_pc_state)rules[remote][type].to);
				} else {
					refused++;
					CU_ASSERT_EQUAL(rc, CB_E_STATE);
					snprintf(
					    want, sizeof(want),
					    "InvalidStateError: set%sDescription(%s) in state %s",
					    remote ? "Remote" : "Local", cb_sdp_type_name(type),
					    names[s]);
					CU_ASSERT_EQUAL(strncmp(p->why, want, strlen(want)), 0);
					CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a),
							(enum cb_pc_state)s);
					CU_ASSERT(same_desc(l ? before_l : NULL,
							    cb_pc_local_description(p->a)));
					CU_ASSERT(same_desc(r ? before_r : NULL,
							    cb_pc_remote_description(p->a)));
				}
				free(before_l);
				free(before_r);
				pair_close(p);
			}
	CU_ASSERT_EQUAL(allowed, 17);
	CU_ASSERT_EQUAL(refused, 6 * 8 - 17);
}

/* A whole offer/answer between two connections, through text. */
static void test_call(void)
{
	struct pair pp, *p = &pp;
	char *text = malloc(OUT_MAX);
	const struct cb_sdp_negotiated *na, *nb;
	size_t n = OUT_MAX;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	pair_open(p);
	CU_ASSERT_PTR_EQUAL(cb_pc_user(p->a), &p->a);
	CU_ASSERT_PTR_NULL(cb_pc_negotiated(p->a));
	OK(cb_pc_create_offer(p->a, p->d, p->why, sizeof(p->why)));
	OK(cb_pc_set_local(p->a, CB_SDP_TYPE_OFFER, p->d, p->why, sizeof(p->why)));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a), CB_PC_HAVE_LOCAL_OFFER);
	CU_ASSERT_PTR_NOT_NULL(cb_pc_pending_local(p->a));
	CU_ASSERT_PTR_NULL(cb_pc_current_local(p->a));
	/* the offer travels as text */
	OK(cb_sdp_write(cb_pc_local_description(p->a), text, &n, p->why, sizeof(p->why)));
	OK(cb_sdp_parse(p->d, text, n, p->why, sizeof(p->why)));
	OK(cb_pc_set_remote(p->b, CB_SDP_TYPE_OFFER, p->d, p->why, sizeof(p->why)));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->b), CB_PC_HAVE_REMOTE_OFFER);
	OK(cb_pc_create_answer(p->b, p->d, p->why, sizeof(p->why)));
	OK(cb_pc_set_local(p->b, CB_SDP_TYPE_ANSWER, p->d, p->why, sizeof(p->why)));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->b), CB_PC_STABLE);
	n = OUT_MAX;
	OK(cb_sdp_write(cb_pc_local_description(p->b), text, &n, p->why, sizeof(p->why)));
	OK(cb_sdp_parse(p->d, text, n, p->why, sizeof(p->why)));
	OK(cb_pc_set_remote(p->a, CB_SDP_TYPE_ANSWER, p->d, p->why, sizeof(p->why)));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a), CB_PC_STABLE);
	CU_ASSERT_PTR_NULL(cb_pc_pending_local(p->a));
	CU_ASSERT_PTR_NULL(cb_pc_pending_remote(p->a));
	CU_ASSERT_PTR_NOT_NULL(cb_pc_current_local(p->a));
	CU_ASSERT(same_desc(cb_pc_current_remote(p->a), p->d));
	na = cb_pc_negotiated(p->a);
	nb = cb_pc_negotiated(p->b);
	CU_ASSERT_FATAL(na && nb);
	CU_ASSERT_EQUAL(na->provisional, 0);
	for (size_t i = 0; i < 2; i++) {
		const struct cb_sdp_negotiated_media *x = &na->media[i], *y = &nb->media[i];

		CU_ASSERT(x->accepted && y->accepted);
		CU_ASSERT_STRING_EQUAL(x->codec, y->codec);
		CU_ASSERT_EQUAL(memcmp(x->local_key, y->remote_key, x->key_len), 0);
		CU_ASSERT_EQUAL(memcmp(x->remote_key, y->local_key, x->key_len), 0);
		CU_ASSERT_EQUAL(x->local_ssrc, y->remote_ssrc);
		CU_ASSERT_EQUAL(x->local_ssrc, cb_pc_caps(p->a)->media[i].ssrc);
	}
	CU_ASSERT_EQUAL(na->media[0].remote_port, 6004);
	CU_ASSERT_EQUAL(nb->media[0].remote_port, 5004);
	free(text);
	pair_close(p);
}

static void test_pranswer_then_answer(void)
{
	struct pair pp, *p = &pp;
	const struct cb_sdp_negotiated *n;

	pair_open(p);
	reach(p, HRP);
	n = cb_pc_negotiated(p->a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->provisional, 1);
	CU_ASSERT_EQUAL(n->media[0].accepted, 1);
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->b), CB_PC_HAVE_LOCAL_PRANSWER);
	CU_ASSERT_EQUAL(cb_pc_negotiated(p->b)->provisional, 1);
	/* the final answer, with its own (new) keys */
	OK(cb_pc_set_local(p->b, CB_SDP_TYPE_ANSWER, NULL, p->why, sizeof(p->why)));
	OK(cb_pc_set_remote(p->a, CB_SDP_TYPE_ANSWER, cb_pc_local_description(p->b), p->why,
			    sizeof(p->why)));
	n = cb_pc_negotiated(p->a);
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a), CB_PC_STABLE);
	CU_ASSERT_EQUAL(n->provisional, 0);
	CU_ASSERT_EQUAL(memcmp(n->media[0].remote_key, cb_pc_negotiated(p->b)->media[0].local_key,
			       n->media[0].key_len),
			0);
	pair_close(p);
}

static void test_rollback(void)
{
	struct pair pp, *p = &pp;
	struct cb_sdp *first = cb_sdp_new();
	const struct cb_sdp_negotiated *n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	pair_open(p);
	/* a local offer rolled back: as if never set */
	reach(p, HLO);
	OK(cb_pc_set_local(p->a, CB_SDP_TYPE_ROLLBACK, NULL, p->why, sizeof(p->why)));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a), CB_PC_STABLE);
	CU_ASSERT_PTR_NULL(cb_pc_local_description(p->a));
	CU_ASSERT_PTR_NULL(cb_pc_negotiated(p->a));
	/* b had a's offer as its remote one: b rolls back its remote offer */
	OK(cb_pc_set_remote(p->b, CB_SDP_TYPE_ROLLBACK, NULL, p->why, sizeof(p->why)));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->b), CB_PC_STABLE);
	CU_ASSERT_PTR_NULL(cb_pc_remote_description(p->b));
	/* after a whole exchange, a re-offer rolled back leaves what was agreed */
	reach(p, HLO);
	OK(cb_pc_set_local(p->b, CB_SDP_TYPE_ANSWER, NULL, p->why, sizeof(p->why)));
	OK(cb_pc_set_remote(p->a, CB_SDP_TYPE_ANSWER, cb_pc_local_description(p->b), p->why,
			    sizeof(p->why)));
	*first = *cb_pc_local_description(p->a);
	OK(cb_pc_set_local(p->a, CB_SDP_TYPE_OFFER, NULL, p->why, sizeof(p->why)));
	CU_ASSERT(!same_desc(first, cb_pc_local_description(p->a))); /* new keys, new version */
	OK(cb_pc_set_local(p->a, CB_SDP_TYPE_ROLLBACK, NULL, p->why, sizeof(p->why)));
	CU_ASSERT(same_desc(first, cb_pc_local_description(p->a)));
	n = cb_pc_negotiated(p->a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->media[0].accepted, 1);
	/* rollback in stable: InvalidStateError */
	CU_ASSERT_EQUAL(cb_pc_set_remote(p->a, CB_SDP_TYPE_ROLLBACK, NULL, p->why, sizeof(p->why)),
			CB_E_STATE);
	CU_ASSERT_STRING_EQUAL(p->why, "InvalidStateError: setRemoteDescription(rollback) in state "
				       "stable (allowed in have-local-offer, have-remote-offer)");
	free(first);
	pair_close(p);
}

/* Both ends offer at once (glare): the remote offer rolls the local one back. */
static void test_implicit_rollback(void)
{
	struct pair pp, *p = &pp;
	struct cb_sdp *bo = cb_sdp_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(bo);
	pair_open(p);
	OK(cb_pc_set_local(p->a, CB_SDP_TYPE_OFFER, NULL, p->why, sizeof(p->why)));
	OK(cb_pc_set_local(p->b, CB_SDP_TYPE_OFFER, NULL, p->why, sizeof(p->why)));
	*bo = *cb_pc_local_description(p->b);
	OK(cb_pc_set_remote(p->a, CB_SDP_TYPE_OFFER, bo, p->why, sizeof(p->why)));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a), CB_PC_HAVE_REMOTE_OFFER);
	CU_ASSERT_PTR_NULL(cb_pc_pending_local(p->a));
	OK(cb_pc_set_local(p->a, CB_SDP_TYPE_ANSWER, NULL, p->why, sizeof(p->why)));
	OK(cb_pc_set_remote(p->b, CB_SDP_TYPE_ANSWER, cb_pc_local_description(p->a), p->why,
			    sizeof(p->why)));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->b), CB_PC_STABLE);
	CU_ASSERT_EQUAL(cb_pc_negotiated(p->b)->media[1].accepted, 1);
	free(bo);
	pair_close(p);
}

static void test_create_in_wrong_state(void)
{
	struct pair pp, *p = &pp;

	pair_open(p);
	CU_ASSERT_EQUAL(cb_pc_create_answer(p->a, p->d, p->why, sizeof(p->why)), CB_E_STATE);
	CU_ASSERT_STRING_EQUAL(p->why, "InvalidStateError: createAnswer in state stable (allowed "
				       "in have-remote-offer, have-local-pranswer)");
	reach(p, HLO);
	CU_ASSERT_EQUAL(cb_pc_create_answer(p->a, p->d, p->why, sizeof(p->why)), CB_E_STATE);
	OK(cb_pc_create_offer(p->a, p->d, p->why, sizeof(p->why))); /* allowed: a re-offer */
	/* setLocalDescription(answer) without one cannot make one here either */
	CU_ASSERT_EQUAL(cb_pc_set_local(p->a, CB_SDP_TYPE_ANSWER, NULL, p->why, sizeof(p->why)),
			CB_E_STATE);
	cb_pc_close(p->a);
	CU_ASSERT_EQUAL(cb_pc_create_offer(p->a, p->d, p->why, sizeof(p->why)), CB_E_STATE);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->why, "createOffer in state closed"));
	CU_ASSERT_EQUAL(cb_pc_set_local(p->a, CB_SDP_TYPE_OFFER, NULL, p->why, sizeof(p->why)),
			CB_E_STATE);
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a), CB_PC_CLOSED);
	pair_close(p);
}

/* An answer to another offer is refused and changes nothing. */
static void test_wrong_answer(void)
{
	struct pair pp, *p = &pp;
	struct cb_sdp *offer = cb_sdp_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(offer);
	pair_open(p);
	reach(p, HLO);
	*offer = *cb_pc_local_description(p->a);
	OK(cb_pc_create_answer(p->b, p->d, p->why, sizeof(p->why)));
	p->d->media[1].crypto[0].tag = 9;
	CU_ASSERT_EQUAL(cb_pc_set_remote(p->a, CB_SDP_TYPE_ANSWER, p->d, p->why, sizeof(p->why)),
			CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->why, "answer media 1: a=crypto tag 9"));
	CU_ASSERT_EQUAL(cb_pc_signaling_state(p->a), CB_PC_HAVE_LOCAL_OFFER);
	CU_ASSERT(same_desc(offer, cb_pc_pending_local(p->a)));
	CU_ASSERT_PTR_NULL(cb_pc_remote_description(p->a));
	CU_ASSERT_PTR_NULL(cb_pc_negotiated(p->a));
	free(offer);
	pair_close(p);
}

/* A re-offer from the first answerer keeps the m= lines as negotiated. */
static void test_reoffer_keeps_mlines(void)
{
	struct pair pp, *p = &pp;
	struct cb_sdp_caps c;
	struct cb_sdp_media_caps t;
	struct cb_pc *b2;
	const struct cb_sdp *cur;
	uint64_t id, v;

	pair_open(p);
	/* b lists audio first */
	cb_sdp_caps_default(&c);
	t = c.media[0];
	c.media[0] = c.media[1];
	c.media[1] = t;
	CU_ASSERT_EQUAL_FATAL(cb_pc_open(&b2, &c, NULL), 0);
	cb_pc_free(p->b);
	p->b = b2;
	reach(p, HLO);
	OK(cb_pc_set_local(p->b, CB_SDP_TYPE_ANSWER, NULL, p->why, sizeof(p->why)));
	OK(cb_pc_set_remote(p->a, CB_SDP_TYPE_ANSWER, cb_pc_local_description(p->b), p->why,
			    sizeof(p->why)));
	/* b's own first offer would put audio first; its re-offer keeps video, audio */
	OK(cb_pc_create_offer(p->b, p->d, p->why, sizeof(p->why)));
	CU_ASSERT_STRING_EQUAL(p->d->media[0].type, "video");
	CU_ASSERT_STRING_EQUAL(p->d->media[0].mid, "0");
	CU_ASSERT_STRING_EQUAL(p->d->media[1].type, "audio");
	CU_ASSERT_STRING_EQUAL(p->d->media[1].mid, "1");
	cur = cb_pc_current_local(p->b);
	id = p->d->origin.sess_id;
	v = p->d->origin.sess_version;
	CU_ASSERT_EQUAL(id, cur->origin.sess_id);
	CU_ASSERT(v > cur->origin.sess_version);
	OK(cb_pc_set_local(p->b, CB_SDP_TYPE_OFFER, p->d, p->why, sizeof(p->why)));
	OK(cb_pc_set_remote(p->a, CB_SDP_TYPE_OFFER, p->d, p->why, sizeof(p->why)));
	OK(cb_pc_set_local(p->a, CB_SDP_TYPE_ANSWER, NULL, p->why, sizeof(p->why)));
	OK(cb_pc_set_remote(p->b, CB_SDP_TYPE_ANSWER, cb_pc_local_description(p->a), p->why,
			    sizeof(p->why)));
	CU_ASSERT_STRING_EQUAL(cb_pc_negotiated(p->b)->media[0].codec, "vp8");
	CU_ASSERT_STRING_EQUAL(cb_pc_negotiated(p->b)->media[1].codec, "opus");
	pair_close(p);
}

static void test_names(void)
{
	enum cb_sdp_type t;

	CU_ASSERT_STRING_EQUAL(cb_pc_state_name(CB_PC_HAVE_REMOTE_PRANSWER),
			       "have-remote-pranswer");
	CU_ASSERT_STRING_EQUAL(cb_sdp_type_name(CB_SDP_TYPE_ROLLBACK), "rollback");
	CU_ASSERT_EQUAL(cb_sdp_type_from_name("pranswer", &t), 0);
	CU_ASSERT_EQUAL(t, CB_SDP_TYPE_PRANSWER);
	CU_ASSERT_EQUAL(cb_sdp_type_from_name("Offer", &t), CB_E_NOTFOUND);
	CU_ASSERT_STRING_EQUAL(cb_err_name(CB_E_STATE), "CB_E_STATE");
}

int cb_suite_pc(void)
{
	static const struct cb_test_case cases[] = {
	    {"every call in every state", test_every_transition},
	    {"a call between two connections", test_call},
	    {"pranswer, then the answer", test_pranswer_then_answer},
	    {"rollback of a local and a remote offer", test_rollback},
	    {"a remote offer in have-local-offer rolls back (glare)", test_implicit_rollback},
	    {"createAnswer and createOffer in the wrong state", test_create_in_wrong_state},
	    {"an answer to another offer changes nothing", test_wrong_answer},
	    {"a re-offer keeps the negotiated m= lines", test_reoffer_keeps_mlines},
	    {"state and type names", test_names},
	    {NULL, NULL},
	};

	return cb_add_suite("pc", cases);
}
