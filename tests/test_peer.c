/*
 * Two peers (call/peer.h): the call messages they exchange, two ends in
 * one process over a channel in memory, two `callbench peer` programs
 * through a signaling server's room, and what goes wrong on the way (a bad
 * offer, nobody there).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "call/peer.h"
#include "child.h"
#include "signal/peer_msg.h"
#include "signal/server.h"
#include "test_util.h"

/* ---- the messages ---- */

static void test_messages(void)
{
	struct cb_peer_msg m;
	char why[160], *s;

	s = cb_peer_msg_build(CB_PEER_MSG_OFFER, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(cb_peer_msg_parse(s, strlen(s), &m, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(m.type, CB_PEER_MSG_OFFER);
	CU_ASSERT_STRING_EQUAL(m.sdp, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n");
	CU_ASSERT_EQUAL(m.sdp_len, strlen(m.sdp));
	cb_peer_msg_clear(&m);
	free(s);

	s = cb_peer_msg_build(CB_PEER_MSG_BYE, "done");
	CU_ASSERT_EQUAL(cb_peer_msg_parse(s, strlen(s), &m, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(m.type, CB_PEER_MSG_BYE);
	CU_ASSERT_STRING_EQUAL(m.reason, "done");
	cb_peer_msg_clear(&m);
	free(s);

	/* A browser's answer as it comes; a trickled candidate is "other". */
	s = "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}";
	CU_ASSERT_EQUAL(cb_peer_msg_parse(s, strlen(s), &m, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(m.type, CB_PEER_MSG_ANSWER);
	CU_ASSERT_STRING_EQUAL(m.sdp, "v=0\r\n");
	cb_peer_msg_clear(&m);
	s = "{\"type\":\"candidate\",\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ host\"}";
	CU_ASSERT_EQUAL(cb_peer_msg_parse(s, strlen(s), &m, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(m.type, CB_PEER_MSG_OTHER);
	CU_ASSERT_STRING_EQUAL(m.name, "candidate");
	cb_peer_msg_clear(&m);

	{
		static const struct {
			const char *text, *why;
		} bad[] = {
		    {"{\"type\":", "not JSON"},
		    {"[1,2]", "not a JSON object"},
		    {"{\"sdp\":\"v=0\"}", "\"type\""},
		    {"{\"type\":7}", "\"type\""},
		    {"{\"type\":\"offer\"}", "\"sdp\""},
		    {"{\"type\":\"answer\",\"sdp\":3}", "\"sdp\""},
		    {"{\"type\":\"offer\",\"sdp\":\"\"}", "empty"},
		    {"{\"type\":\"offer\",\"sdp\":\"v=0\\u0000x\"}", "NUL"},
		    {"{\"type\":\"bye\",\"reason\":1}", "reason"},
		    {"{\"type\":\"offer\",\"type\":\"answer\",\"sdp\":\"v=0\"}", "not JSON"},
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			why[0] = '\0';
			CU_ASSERT_EQUAL(cb_peer_msg_parse(bad[i].text, strlen(bad[i].text), &m, why,
							  sizeof(why)),
					CB_E_FORMAT);
			CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i].why));
			CU_ASSERT_PTR_NULL(m.sdp);
		}
	}
	{
		/* An SDP longer than any description may be. */
		size_t n = CB_PEER_MSG_SDP_MAX + 1;
		char *big = malloc(n + 1);
		char *msg;

		CU_ASSERT_PTR_NOT_NULL_FATAL(big);
		memset(big, 'a', n);
		big[n] = '\0';
		msg = cb_peer_msg_build(CB_PEER_MSG_OFFER, big);
		CU_ASSERT_EQUAL(cb_peer_msg_parse(msg, strlen(msg), &m, why, sizeof(why)),
				CB_E_FORMAT);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "longer"));
		free(msg);
		free(big);
	}
}

/* ---- a channel in memory: each end's messages queue for the other ---- */

#define MQ_MAX 64

struct mq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *msg[MQ_MAX];
	size_t head, n;
	int closed; /* the sending end is gone */
};

struct mem_end {
	struct mq *in, *out;
	int sent; /* messages this end sent */
};

static void mq_init(struct mq *q)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
}

static void mq_free(struct mq *q)
{
	while (q->n) {
		free(q->msg[q->head]);
		q->head = (q->head + 1) % MQ_MAX;
		q->n--;
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}

static void mq_close(struct mq *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static int mem_send(void *user, const char *json)
{
	struct mem_end *e = user;
	struct mq *q = e->out;
	int rc = 0;

	pthread_mutex_lock(&q->mu);
	if (q->n == MQ_MAX) {
		rc = -ENOBUFS;
	} else {
		q->msg[(q->head + q->n) % MQ_MAX] = strdup(json);
		q->n++;
		e->sent++;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

static int mem_next(void *user, char **json, int timeout_ms, char *why, size_t why_len)
{
	struct mem_end *e = user;
	struct mq *q = e->in;
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->mu);
	while (!q->n && !q->closed && rc == 0)
		if (pthread_cond_timedwait(&q->cv, &q->mu, &until) == ETIMEDOUT)
			rc = CB_E_TIMEOUT;
	if (q->n) {
		*json = q->msg[q->head];
		q->head = (q->head + 1) % MQ_MAX;
		q->n--;
		rc = 0;
	} else if (q->closed) {
		snprintf(why, why_len, "the other end closed the channel");
		rc = -ENOTCONN;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

struct side {
	struct cb_call_cfg cfg;
	struct cb_peer_cfg pcfg;
	struct cb_peer_channel ch;
	struct mem_end end;
	struct cb_run_result res;
	int rc;
};

static void *side_thread(void *arg)
{
	struct side *s = arg;

	s->rc = cb_call_peer(&s->cfg, &s->pcfg, &s->ch, NULL, &s->res);
	mq_close(s->end.out);
	return NULL;
}

static void side_init(struct side *s, int offer, struct mq *in, struct mq *out, double dur)
{
	memset(s, 0, sizeof(*s));
	cb_call_cfg_default(&s->cfg);
	s->cfg.duration_s = dur;
	s->cfg.width = 320;
	s->cfg.height = 240;
	s->cfg.quality = CB_QUALITY_OFF;
	s->pcfg.offer = offer;
	s->pcfg.send = s->pcfg.recv = 1;
	s->pcfg.negotiate_ms = 10000;
	CU_ASSERT_EQUAL(cb_net_addr_from("127.0.0.1", 0, &s->pcfg.local), 0);
	s->end = (struct mem_end){.in = in, .out = out};
	s->ch = (struct cb_peer_channel){.send = mem_send, .next = mem_next, .user = &s->end};
}

/* What `rx` received of what `tx` sent, per media: all of it (loopback,
 * no emulated loss), identified, on time. */
static void check_direction(const struct side *tx, const struct side *rx, const char *name)
{
	const struct cb_media_result *mr[2] = {&rx->res.video, &rx->res.audio};

	CU_ASSERT_EQUAL(tx->rc, 0);
	CU_ASSERT_EQUAL(rx->res.status, CB_RUN_COMPLETE);
	CU_ASSERT(tx->res.has_sent);
	CU_ASSERT_STRING_EQUAL(rx->res.half, "receiver");
	for (int m = 0; m < 2; m++) {
		const uint64_t sent = tx->res.sent.frames[m];
		const uint64_t got = m == 0 ? mr[m]->identified : mr[m]->received;

		CU_ASSERT(sent > 0);
		/* Every packet arrives; a sanitizer build is slow enough that
		 * the jitter buffer lets a frame or two go late. */
		CU_ASSERT(got >= sent * (cb_test_slow() ? 95 : 99) / 100);
		CU_ASSERT_EQUAL(mr[m]->packets_received, tx->res.sent.packets[m]);
		CU_ASSERT(mr[m]->e2e.n > 0 && mr[m]->e2e.p50 > 0.1 && mr[m]->e2e.p50 < 300);
		if (!(got >= sent * (cb_test_slow() ? 95 : 99) / 100) ||
		    mr[m]->packets_received != tx->res.sent.packets[m])
			fprintf(stderr,
				"\n      %s %s: sent %llu frames / %llu packets, got %llu / %llu ",
				name, m ? "audio" : "video", (unsigned long long)sent,
				(unsigned long long)tx->res.sent.packets[m],
				(unsigned long long)got,
				(unsigned long long)mr[m]->packets_received);
	}
}

static void test_in_process(void)
{
	struct mq ab, ba; /* a -> b, b -> a */
	struct side *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	pthread_t ta, tb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	mq_init(&ab);
	mq_init(&ba);
	side_init(a, 1, &ba, &ab, 2);
	side_init(b, 0, &ab, &ba, 2);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&ta, NULL, side_thread, a), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&tb, NULL, side_thread, b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	if (a->rc || b->rc)
		fprintf(stderr, "\n      offerer: %s; answerer: %s ", a->res.error, b->res.error);
	check_direction(a, b, "offerer -> answerer");
	check_direction(b, a, "answerer -> offerer");
	CU_ASSERT_STRING_EQUAL(a->res.peer.role, "offer");
	CU_ASSERT_STRING_EQUAL(b->res.peer.role, "answer");
	/* Each saw the other's bye; the remote of one is the local of the other. */
	CU_ASSERT_STRING_EQUAL(a->res.peer.remote_bye, "done");
	CU_ASSERT_STRING_EQUAL(a->res.peer.ended, "bye");
	CU_ASSERT_STRING_EQUAL(b->res.peer.ended, "bye");
	CU_ASSERT_STRING_EQUAL(b->res.peer.remote_bye, "done");
	CU_ASSERT_STRING_EQUAL(a->res.peer.remote, b->res.peer.local);
	CU_ASSERT_STRING_EQUAL(b->res.peer.remote, a->res.peer.local);
	/* offer, answer, bye: three messages one way, two the other */
	CU_ASSERT_EQUAL(a->end.sent, 2);
	CU_ASSERT_EQUAL(b->end.sent, 2);
	CU_ASSERT_PTR_NOT_NULL(a->res.negotiated.offer);
	CU_ASSERT_PTR_NOT_NULL(b->res.negotiated.answer);
	/* Different draws per role: the two directions do not share SSRCs. */
	CU_ASSERT(a->res.sr_count[0] > 0 && b->res.sr_count[0] > 0);
	/* Each end's RTCP reached the other's sender, none refused. */
	CU_ASSERT_EQUAL(a->res.recovery.rtcp_rejected, 0);
	CU_ASSERT_EQUAL(b->res.recovery.rtcp_rejected, 0);
	CU_ASSERT_EQUAL(a->res.sent.nack_received, 0);
	{
		char dir[600];

		a->res.cfg.out_dir[0] = '\0';
		snprintf(a->res.cfg.out_dir, sizeof(a->res.cfg.out_dir), "/tmp/cb-peer-%d",
			 (int)getpid());
		cb_test_write_checked(&a->res, dir, sizeof(dir));
		{
			char sj[700];
			json_t *root;

			snprintf(sj, sizeof(sj), "%s/summary.json", dir);
			root = json_load_file(sj, 0, NULL);
			CU_ASSERT_PTR_NOT_NULL(root);
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
						   json_object_get(root, "peer"), "role")),
					       "offer");
			CU_ASSERT(json_integer_value(json_object_get(
				      json_object_get(json_object_get(root, "sent"), "video"),
				      "frames")) == (json_int_t)a->res.sent.frames[0]);
			json_decref(root);
		}
		cb_test_rm_rf(a->res.cfg.out_dir);
	}
	cb_run_result_free(&a->res);
	cb_run_result_free(&b->res);
	mq_free(&ab);
	mq_free(&ba);
	free(a);
	free(b);
}

/* An answerer given an offer it cannot read says why and tells the
 * offerer with a bye; an offerer whose peer is gone says so. */
static void test_bad_offer(void)
{
	struct mq ab, ba;
	struct side *b = malloc(sizeof(*b));
	struct mem_end fake = {.in = &ba, .out = &ab};
	char *json = NULL, why[160];
	struct cb_peer_msg m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	mq_init(&ab);
	mq_init(&ba);
	side_init(b, 0, &ab, &ba, 1);
	mem_send(&fake, "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\nthis is not SDP\\r\\n\"}");
	b->rc = cb_call_peer(&b->cfg, &b->pcfg, &b->ch, NULL, &b->res);
	CU_ASSERT_EQUAL(b->rc, CB_E_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(b->res.error, "offer"));
	CU_ASSERT_EQUAL(mem_next(&fake, &json, 100, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_peer_msg_parse(json, strlen(json), &m, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(m.type, CB_PEER_MSG_BYE);
	CU_ASSERT_PTR_NOT_NULL(strstr(m.reason, "refused"));
	cb_peer_msg_clear(&m);
	free(json);
	cb_run_result_free(&b->res);

	/* Nobody answers: the other end closed its channel after the offer. */
	side_init(b, 1, &ba, &ab, 1);
	mq_close(&ba);
	b->rc = cb_call_peer(&b->cfg, &b->pcfg, &b->ch, NULL, &b->res);
	CU_ASSERT_EQUAL(b->rc, -ENOTCONN);
	CU_ASSERT_PTR_NOT_NULL(strstr(b->res.error, "answer"));
	cb_run_result_free(&b->res);
	mq_free(&ab);
	mq_free(&ba);
	free(b);
}

/* ---- two programs through a room ---- */

static void test_two_programs(void)
{
	char tmpl[] = "/tmp/cb-peers.XXXXXX", prog[512], outa[600], outb[600];
	struct cb_sig_server_cfg scfg;
	struct cb_sig_server *srv = NULL;
	struct cb_child ca, cb;
	char url[128];

	cb_test_program_path(prog, sizeof(prog));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl));
	cb_sig_server_cfg_default(&scfg);
	CU_ASSERT_EQUAL_FATAL(cb_sig_server_start(&srv, &scfg), 0);
	snprintf(url, sizeof(url), "%s", cb_sig_server_url(srv));
	snprintf(outa, sizeof(outa), "%s/a", tmpl);
	snprintf(outb, sizeof(outb), "%s/b", tmpl);
	{
		char *v[] = {prog,	   "peer",     "--signal", url,		"--room",  "t1",
			     "--duration", "3",	       "--size",   "320x240",	"--quiet", "--out",
			     outa,	   "--run-id", "a",	   "--quality", "off",	   NULL};
		CU_ASSERT_EQUAL_FATAL(cb_child_start(&ca, tmpl, "a", v, NULL, NULL), 0);
	}
	cb_sleep_s(0.3);
	{
		char *v[] = {prog,	   "peer",     "--signal", url,		"--room",  "t1",
			     "--duration", "3",	       "--size",   "320x240",	"--quiet", "--out",
			     outb,	   "--run-id", "b",	   "--quality", "off",	   NULL};
		CU_ASSERT_EQUAL_FATAL(cb_child_start(&cb, tmpl, "b", v, NULL, NULL), 0);
	}
	CU_ASSERT_EQUAL(cb_child_wait(&ca, 60), 0);
	CU_ASSERT_EQUAL(cb_child_wait(&cb, 60), 0);
	for (int i = 0; i < 2; i++) {
		struct cb_child *c = i ? &cb : &ca;

		CU_ASSERT_EQUAL(cb_child_code(c), 0);
		if (cb_child_code(c) != 0) {
			char *e = cb_child_stderr(c);

			fprintf(stderr, "\n      peer %c: %s\n", 'a' + i, e ? e : "");
			free(e);
		}
		cb_child_reap(c);
	}
	cb_sig_server_stop(srv);
	for (int i = 0; i < 2; i++) {
		char sj[800], dir[700], other[800];
		static const char *const vs[] = {"sent", "video", "frames"};
		static const char *const as[] = {"sent", "audio", "frames"};
		static const char *const vi[] = {"media", "video", "counts", "identified"};
		static const char *const ar[] = {"media", "audio", "counts", "received"};
		static const char *const ai[] = {"media", "audio", "counts", "marks_identified"};
		json_t *root;
		double v_sent, a_sent, v_id, a_rx;
		const double least = cb_test_slow() ? 0.95 : 0.99;

		snprintf(dir, sizeof(dir), "%s/%s", i ? outb : outa, i ? "b" : "a");
		snprintf(sj, sizeof(sj), "%s/summary.json", dir);
		snprintf(other, sizeof(other), "%s/%s/summary.json", i ? outa : outb,
			 i ? "a" : "b");
		v_sent = cb_test_json_num(other, vs, 3);
		a_sent = cb_test_json_num(other, as, 3);
		v_id = cb_test_json_num(sj, vi, 4);
		a_rx = cb_test_json_num(sj, ar, 4);
		CU_ASSERT(v_sent >= 80 && a_sent >= 140);
		CU_ASSERT(v_id >= least * v_sent);
		CU_ASSERT(a_rx >= least * a_sent);
		CU_ASSERT(cb_test_json_num(sj, ai, 4) >= 10);
		if (!(v_id >= least * v_sent) || !(a_rx >= least * a_sent))
			fprintf(
			    stderr,
			    "\n      peer %c: video %.0f of %.0f identified, audio %.0f of %.0f "
			    "received ",
			    'a' + i, v_id, v_sent, a_rx, a_sent);
		root = json_load_file(sj, 0, NULL);
		CU_ASSERT_PTR_NOT_NULL(root);
		if (root) {
			json_t *peer = json_object_get(root, "peer");

			/* the first to join answers, the second offers */
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(peer, "role")),
					       i ? "offer" : "answer");
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(peer, "room")),
					       "t1");
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(peer, "ended")),
					       "bye");
			CU_ASSERT_STRING_EQUAL(
			    json_string_value(json_object_get(peer, "remote_bye")), "done");
			CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "status")),
					       "complete");
		}
		json_decref(root);
		cb_test_check_folder(dir);
	}
	cb_test_rm_rf(tmpl);
}

/* Bad use of --signal is a usage error naming the option; a room with
 * nobody else in it ends after --wait, saying so. */
static void test_usage(void)
{
	char out[2048], prog[512], cmd[512];
	struct cb_sig_server_cfg scfg;
	struct cb_sig_server *srv = NULL;

	cb_test_program_path(prog, sizeof(prog));
	CU_ASSERT_EQUAL(
	    cb_test_sh(prog, "callbench peer --signal ws://127.0.0.1:1 2>&1", out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--room"));
	CU_ASSERT_EQUAL(
	    cb_test_sh(prog, "callbench peer --signal http://x --room r 2>&1", out, sizeof(out)),
	    2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ws://"));
	CU_ASSERT_EQUAL(cb_test_sh(prog,
				   "callbench peer --signal ws://127.0.0.1:9 --room r --offer "
				   "--answer 2>&1",
				   out, sizeof(out)),
			2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--answer"));
	CU_ASSERT_EQUAL(
	    cb_test_sh(prog, "callbench peer --room r --sdp-in x.sdp 2>&1", out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--signal"));
	CU_ASSERT_EQUAL(
	    cb_test_sh(prog,
		       "callbench peer --signal ws://127.0.0.1:9 --room r --bind 0.0.0.0 "
		       "2>&1",
		       out, sizeof(out)),
	    2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--bind"));

	cb_sig_server_cfg_default(&scfg);
	CU_ASSERT_EQUAL_FATAL(cb_sig_server_start(&srv, &scfg), 0);
	snprintf(cmd, sizeof(cmd), "callbench peer --signal %s --room alone --wait 0.5 2>&1",
		 cb_sig_server_url(srv));
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "nobody else joined"));
	cb_sig_server_stop(srv);
}

/* `callbench report A B` on two peers' halves (fixtures/calls: a real
 * call's two run folders): one call report, each direction's sender beside
 * its receiver; what is not a pair is refused, saying why. */
static void test_report_pair(void)
{
	char tmpl[] = "/tmp/cb-callrep.XXXXXX", prog[512], cmd[2400], out[4096], path[700];
	char fx[600], cwd[500];
	json_t *root, *dirs;

	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	snprintf(fx, sizeof(fx), "%s/fixtures", cwd);
	snprintf(path, sizeof(path), "%s/calls/a/summary.json", fx);
	if (!cb_exists(path)) {
		CB_SKIP("fixtures/calls not found (run from the repository root)");
		return;
	}
	cb_test_program_path(prog, sizeof(prog));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl));
	snprintf(cmd, sizeof(cmd), "callbench report %s/calls/a %s/calls/b --out %s/call 2>&1", fx,
		 fx, tmpl);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a -> b video (vp8): identified 100.0 %"));
	snprintf(path, sizeof(path), "%s/call/call.json", tmpl);
	root = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "schema")),
			       "callbench.call/1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "room")), "demo2");
	dirs = json_object_get(root, "directions");
	CU_ASSERT_EQUAL(json_array_size(dirs), 2);
	for (size_t i = 0; i < json_array_size(dirs); i++) {
		json_t *d = json_array_get(dirs, i);
		json_t *v = json_object_get(json_object_get(d, "media"), "video");

		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "from")),
				       i ? "b" : "a");
		/* the sender's count of frames, the receiver's of what it identified */
		CU_ASSERT_EQUAL(
		    json_number_value(json_object_get(json_object_get(v, "sender"), "frames")), 90);
		CU_ASSERT_EQUAL(json_number_value(
				    json_object_get(json_object_get(v, "receiver"), "identified")),
				90);
		CU_ASSERT_EQUAL(json_number_value(json_object_get(v, "missing_packets")), 0);
	}
	json_decref(root);
	snprintf(path, sizeof(path), "%s/call/call.md", tmpl);
	CU_ASSERT(cb_exists(path));

	snprintf(cmd, sizeof(cmd), "callbench report %s/calls/a %s/calls/a --out %s/x 2>&1", fx, fx,
		 tmpl);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "same end"));
	snprintf(cmd, sizeof(cmd),
		 "callbench report %s/calls/a %s/baselines/clean.json --out %s/x 2>&1", fx, fx,
		 tmpl);
	CU_ASSERT_EQUAL(cb_test_sh(prog, cmd, out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "B: not one end of a call"));
	snprintf(path, sizeof(path), "%s/x", tmpl);
	CU_ASSERT(!cb_exists(path));
	cb_test_rm_rf(tmpl);
}

/* callbench run --peers MODE: the loopback call as two programs; the
 * receiver's folder is the run's, the sender's half inside, the call
 * report beside.  `extra`: more options.  Returns the exit status, the
 * program's output in `text`. */
static int run_peers(const char *mode, const char *extra, const char *tmpl, char *text, size_t room)
{
	char prog[512], cmd[1500];

	cb_test_program_path(prog, sizeof(prog));
	snprintf(cmd, sizeof(cmd),
		 "callbench run --peers %s %s --duration 2 --size 320x240 --quality off --out %s "
		 "--run-id r 2>&1",
		 mode, extra, tmpl);
	return cb_test_sh(prog, cmd, text, room);
}

static void check_peers_run(const char *tmpl, const char *host, double min_p50, double max_p50)
{
	char path[700], dir[600];
	static const char *const vi[] = {"media", "video", "counts", "identified"};
	static const char *const vs[] = {"sent", "video", "frames"};
	static const char *const p50[] = {"media", "video", "latency_ms", "p50"};
	double id, sent, lat;
	json_t *root;

	snprintf(dir, sizeof(dir), "%s/r", tmpl);
	snprintf(path, sizeof(path), "%s/r/summary.json", tmpl);
	id = cb_test_json_num(path, vi, 4);
	lat = cb_test_json_num(path, p50, 4);
	snprintf(path, sizeof(path), "%s/r/sender/summary.json", tmpl);
	sent = cb_test_json_num(path, vs, 3);
	CU_ASSERT(sent >= 55);
	CU_ASSERT(id >= (cb_test_slow() ? 0.95 : 0.99) * sent);
	CU_ASSERT(lat >= min_p50 && lat <= max_p50);
	if (!(id >= 0.95 * sent) || !(lat >= min_p50 && lat <= max_p50))
		fprintf(stderr, "\n      identified %.0f of %.0f, p50 %.1f ms ", id, sent, lat);
	snprintf(path, sizeof(path), "%s/r/summary.json", tmpl);
	root = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "status")), "complete");
	{
		const char *local =
		    json_string_value(json_object_get(json_object_get(root, "peer"), "local"));

		CU_ASSERT(local && !strncmp(local, host, strlen(host)));
	}
	json_decref(root);
	snprintf(path, sizeof(path), "%s/r/call.json", tmpl);
	root = json_load_file(path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(root);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "directions")), 1);
	json_decref(root);
	snprintf(path, sizeof(path), "%s/latest", tmpl);
	{
		char target[64] = "";
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		CU_ASSERT(n > 0 && !strncmp(target, "r", (size_t)n));
	}
	cb_test_check_folder(dir);
}

static void test_run_process(void)
{
	char tmpl[] = "/tmp/cb-runproc.XXXXXX", out[8192];

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl));
	CU_ASSERT_EQUAL(run_peers("process", "", tmpl, out, sizeof(out)), 0);
	check_peers_run(tmpl, "127.0.0.1:", 0.2, 200);
	cb_test_rm_rf(tmpl);
}

/* Two hosts: each peer in a network namespace of its own; nothing of
 * them is left after.  With netem on the veth, its delay shows. */
static void test_run_netns(void)
{
	char tmpl[] = "/tmp/cb-runns.XXXXXX", tmpl2[] = "/tmp/cb-netem.XXXXXX", out[8192], ns[128];
	int rc;

	if (geteuid() != 0) {
		CB_SKIP("--peers netns needs root (network namespaces)");
		return;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl));
	CU_ASSERT_EQUAL(run_peers("netns", "", tmpl, out, sizeof(out)), 0);
	check_peers_run(tmpl, "198.18.0.2:", 0.2, 200);
	{
		char path[700], room[80] = "";
		json_t *root;

		snprintf(path, sizeof(path), "%s/r/summary.json", tmpl);
		root = json_load_file(path, 0, NULL);
		const char *rm =
		    json_string_value(json_object_get(json_object_get(root, "peer"), "room"));

		snprintf(room, sizeof(room), "%s", rm ? rm : "");
		json_decref(root);
		/* room run-<pid>: its namespaces were cbx<pid>a and b */
		snprintf(ns, sizeof(ns), "/run/netns/cbx%sa", room + 4);
		CU_ASSERT(room[0] && !cb_exists(ns));
	}
	cb_test_rm_rf(tmpl);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpl2));
	rc = run_peers("netns", "--netem 'delay 30ms'", tmpl2, out, sizeof(out));
	if (rc != 0 && strstr(out, "qdisc kind is unknown")) {
		cb_test_rm_rf(tmpl2);
		CB_SKIP("this kernel has no netem (sch_netem): --netem not checked");
		return;
	}
	CU_ASSERT_EQUAL(rc, 0);
	/* 30 ms on the way out of the sender's namespace */
	check_peers_run(tmpl2, "198.18.0.2:", 30, 130);
	cb_test_rm_rf(tmpl2);
}

static void test_run_peers_usage(void)
{
	char prog[512], out[2048];

	cb_test_program_path(prog, sizeof(prog));
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench run --peers cloud 2>&1", out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--peers cloud"));
	CU_ASSERT_EQUAL(
	    cb_test_sh(prog, "callbench run --netem 'delay 5ms' 2>&1", out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--peers netns"));
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench run --peers netns --netem 'delay;reboot' 2>&1",
				   out, sizeof(out)),
			2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "netem words"));
	CU_ASSERT_EQUAL(
	    cb_test_sh(prog, "callbench run --peers process --clock sim 2>&1", out, sizeof(out)),
	    2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "real clock"));
}

int cb_suite_peer(void)
{
	static const struct cb_test_case cases[] = {
	    {"peer messages: offer, answer, bye; what is refused says why", test_messages},
	    {"two peers in one process: offer/answer, media and RTCP both ways on one socket",
	     test_in_process},
	    {"a bad offer is refused with a bye; an offerer left alone says so", test_bad_offer},
	    {"two callbench peer programs call through a signaling room", test_two_programs},
	    {"peer --signal: bad use is a usage error; an empty room times out", test_usage},
	    {"report A B: two peers' halves make one call report; what is no pair is refused",
	     test_report_pair},
	    {"run --peers process: the loopback call as two programs", test_run_process},
	    {"run --peers netns: two hosts in namespaces, nothing left; --netem on the veth",
	     test_run_netns},
	    {"run --peers / --netem: bad use is a usage error", test_run_peers_usage},
	    {NULL, NULL},
	};
	return cb_add_suite("peer", cases);
}
