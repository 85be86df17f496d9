/*
 * fuzz_sdp.c — session descriptions (cb_sdp_parse) of arbitrary bytes, and
 * the answer callbench would give them.  Beyond not crashing:
 *   - a refused input says "line N: ..." and leaves the description empty;
 *   - an accepted one is written (the writer must take what the parser
 *     gave) and read back equal to it (cb_sdp_diff), and written again to
 *     the same text;
 *   - the answer made to it with the default caps (keys from a counting
 *     random source, so runs repeat) is written, reads back equal, and is
 *     an answer to it as cb_sdp_negotiate sees it from both ends;
 *   - the offer's source descriptions (a=x-callbench-source) as a receiver
 *     reads them: refused with a reason, or taken, and then written and
 *     read back to the same description;
 *   - the description taken as a contract nobody answers (cb_session_declare,
 *     `callbench peer --sdp-in`), sending and receiving.
 */
#include "fuzz.h"

#include "base/error.h"
#include "call/session.h"
#include "sdp/negotiate.h"
#include "sdp/sdp.h"

#include "sdp_samples.h"

#define OUT_MAX (CB_SDP_MAX_SIZE + 1)

/* Write `d`, read it back into `back`: equal, and the same text written twice. */
static void round_trip(const struct cb_sdp *d, struct cb_sdp *back, char *t1, char *t2)
{
	char why[256], where[256];
	size_t n1 = OUT_MAX, n2 = OUT_MAX;
	int rc = cb_sdp_write(d, t1, &n1, why, sizeof(why));

	if (rc)
		fprintf(stderr, "write: %s\n", why);
	FUZZ_CHECK(rc == 0);
	rc = cb_sdp_parse(back, t1, n1, why, sizeof(why));
	if (rc)
		fprintf(stderr, "read back: %s\n", why);
	FUZZ_CHECK(rc == 0);
	rc = cb_sdp_diff(d, back, where, sizeof(where));
	if (rc)
		fprintf(stderr, "read back differs: %s\n", where);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(cb_sdp_write(back, t2, &n2, why, sizeof(why)) == 0);
	FUZZ_CHECK(n1 == n2 && !memcmp(t1, t2, n1));
}

/* A receiver reading the source description of media `m`. */
static void source_desc(const struct cb_sdp_media *m)
{
	struct cb_source_desc d, d2;
	struct cb_sdp_kv kv[CB_SDP_MAX_SOURCE];
	size_t n = 0;
	char why[256] = "";
	enum cb_media kind = !strcmp(m->type, "video") ? CB_MEDIA_VIDEO : CB_MEDIA_AUDIO;
	int rc;

	memset(&d, 0, sizeof(d));
	rc = cb_source_desc_parse(&d, kind, m->source, m->n_source, why, sizeof(why));
	if (rc) {
		FUZZ_CHECK(why[0] != '\0');
		return;
	}
	FUZZ_CHECK(cb_source_desc_format(&d, kind, kv, &n) == 0);
	memcpy(&d2, &d, sizeof(d));
	FUZZ_CHECK(cb_source_desc_parse(&d2, kind, kv, n, why, sizeof(why)) == 0);
	FUZZ_CHECK(!memcmp(&d, &d2, sizeof(d)));
}

/* The description as a contract nobody answers (--sdp-in, --sdp-out): taken
 * or refused with a reason; a taken one names a codec callbench has. */
static void declare(const struct cb_sdp *d)
{
	static struct cb_call_cfg cfg;
	static int have_cfg;
	struct cb_session ss;
	char why[256] = "";

	if (!have_cfg) {
		cb_call_cfg_default(&cfg);
		have_cfg = 1;
	}
	for (int sending = 0; sending < 2; sending++) {
		cb_session_init(&ss, &cfg, NULL);
		if (cb_session_declare(&ss, d, sending, why, sizeof(why)) != 0) {
			FUZZ_CHECK(why[0] != '\0');
			continue;
		}
		for (int m = 0; m < 2; m++)
			FUZZ_CHECK(!ss.media[m].on || cb_codec_find(ss.media[m].codec));
		FUZZ_CHECK(ss.key_len == cb_srtp_key_len(ss.suite));
	}
}

static void answer(const struct cb_sdp *offer, struct cb_sdp *ans, struct cb_sdp *back, char *t1,
		   char *t2)
{
	struct cb_sdp_caps *caps = malloc(sizeof(*caps));
	struct cb_sdp_negotiated *neg = malloc(sizeof(*neg));
	char why[512];
	uint8_t next = 0;
	int rc;

	if (!caps || !neg)
		goto out;
	cb_sdp_caps_default(caps);
	caps->random = sdp_counting_random;
	caps->random_user = &next;
	rc = cb_sdp_create_answer(caps, offer, ans, why, sizeof(why));
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(ans->n_media == offer->n_media);
	round_trip(ans, back, t1, t2);
	for (int side = 0; side < 2; side++) {
		rc = cb_sdp_negotiate(offer, back, side, neg, why, sizeof(why));
		if (rc)
			fprintf(stderr, "not an answer: %s\n", why);
		FUZZ_CHECK(rc == 0);
		/* what is agreed is a codec callbench has, on a section not rejected */
		for (size_t i = 0; i < neg->n_media; i++)
			FUZZ_CHECK(!neg->media[i].accepted ||
				   (ans->media[i].port != 0 && cb_codec_find(neg->media[i].codec)));
	}
	for (size_t i = 0; i < offer->n_media; i++)
		source_desc(&offer->media[i]);
	declare(offer);
out:
	free(caps);
	free(neg);
}

/*
 * The descriptions and texts are large (390 kB each), and allocating them
 * for every input spent most of the time in mmap and page faults.  They are
 * allocated once and reused: every call below resets what it writes, and
 * nothing may read past a count, so the bytes an earlier input left in
 * them must never show (the round trips would see it).  Nothing else is
 * kept from one input to the next.
 */
struct scratch {
	struct cb_sdp d, back, ans;
	char t1[OUT_MAX], t2[OUT_MAX];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scratch *s;
	struct cb_sdp *d, *back, *ans;
	char *t1, *t2, why[256] = "";

	if (!s && !(s = calloc(1, sizeof(*s))))
		return 0;
	d = &s->d;
	back = &s->back;
	ans = &s->ans;
	t1 = s->t1;
	t2 = s->t2;
	if (cb_sdp_parse(d, (const char *)data, size, why, sizeof(why)) != 0) {
		FUZZ_CHECK(!strncmp(why, "line ", 5) && strstr(why, ": "));
		FUZZ_CHECK(d->n_media == 0 && d->n_times == 0 && d->origin.user[0] == '\0');
		goto out;
	}
	round_trip(d, back, t1, t2);
	answer(d, ans, back, t1, t2);
out:
	return 0;
}
