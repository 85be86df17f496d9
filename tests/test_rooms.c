/*
 * test_rooms.c — the signaling room logic (signal/rooms.h) and message
 * parser (signal/proto.h) with no sockets and simulated time: join, full,
 * leave, peer-left, relay only within a room, `to`, the rate and size
 * limits, strikes, heartbeat timeouts, and the parser on malformed input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signal/proto.h"
#include "signal/rooms.h"
#include "test_util.h"

#define MS CB_NS_PER_MS
#define S  CB_NS_PER_S

/* What the rooms asked for, parsed: one entry per action. */
struct got {
	enum cb_rooms_act kind;
	uint64_t client;
	struct cb_sig_event ev; /* SEND */
	int close_code, abort;
};

struct fx {
	struct cb_rooms *r;
	struct cb_sig_limits lim;
	struct got got[64];
	size_t n;
	cb_ns now;
};

static void fx_open(struct fx *f, void (*adjust)(struct cb_sig_limits *))
{
	memset(f, 0, sizeof(*f));
	cb_sig_limits_default(&f->lim);
	if (adjust)
		adjust(&f->lim);
	CU_ASSERT_EQUAL_FATAL(cb_rooms_open(&f->r, &f->lim, NULL), 0);
}

static void clear(struct fx *f)
{
	for (size_t i = 0; i < f->n; i++)
		cb_sig_event_clear(&f->got[i].ev);
	f->n = 0;
}

/* Take the outbox into f->got (every SEND must parse as an event). */
static size_t drain(struct fx *f)
{
	struct cb_rooms_out *out;
	size_t n = cb_rooms_out(f->r, &out);

	clear(f);
	for (size_t i = 0; i < n && f->n < 64; i++) {
		struct got *g = &f->got[f->n++];
		struct cb_sig_error err;

		memset(g, 0, sizeof(*g));
		g->kind = out[i].kind;
		g->client = out[i].client;
		g->close_code = out[i].close_code;
		g->abort = out[i].abort;
		if (out[i].kind == CB_ROOMS_SEND)
			CU_ASSERT_EQUAL(cb_sig_parse_event(out[i].text, out[i].len, &g->ev, &err),
					0);
	}
	cb_rooms_out_clear(f->r);
	return f->n;
}

static void fx_close(struct fx *f)
{
	clear(f);
	cb_rooms_close(f->r);
}

static uint64_t connect(struct fx *f)
{
	uint64_t id = 0;

	CU_ASSERT_EQUAL(cb_rooms_connect(f->r, f->now, NULL, &id), 0);
	CU_ASSERT(id != 0);
	drain(f);
	CU_ASSERT_EQUAL(f->n, 1);
	CU_ASSERT_EQUAL(f->got[0].ev.type, CB_SIG_EV_WELCOME);
	CU_ASSERT_EQUAL(f->got[0].ev.version, CB_SIG_VERSION);
	return id;
}

static int input(struct fx *f, uint64_t id, const char *text)
{
	int rc = cb_rooms_input(f->r, f->now, id, text, strlen(text));

	drain(f);
	return rc;
}

static void join(struct fx *f, uint64_t id, const char *room)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "{\"type\":\"join\",\"room\":\"%s\"}", room);
	CU_ASSERT_EQUAL(input(f, id, msg), 0);
}

/* The one event sent to `client` among f->got, or NULL. */
static const struct cb_sig_event *to(const struct fx *f, uint64_t client)
{
	const struct cb_sig_event *e = NULL;
	int n = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->got[i].kind == CB_ROOMS_SEND && f->got[i].client == client) {
			e = &f->got[i].ev;
			n++;
		}
	return n == 1 ? e : NULL;
}

static int is_error(const struct cb_sig_event *e, const char *code)
{
	return e && e->type == CB_SIG_EV_ERROR && strcmp(e->code, code) == 0 && e->reason[0];
}

static void id_str(uint64_t id, char out[CB_SIG_ID_LEN])
{
	cb_sig_id_format(id, out);
}

static void test_rooms_join_full_leave(void)
{
	struct fx f;
	const struct cb_sig_event *e;
	char sa[CB_SIG_ID_LEN], sb[CB_SIG_ID_LEN];
	uint64_t a, b, c;

	fx_open(&f, NULL);
	a = connect(&f);
	b = connect(&f);
	c = connect(&f);
	id_str(a, sa);
	id_str(b, sb);

	join(&f, a, "call-1");
	e = to(&f, a);
	CU_ASSERT(e && e->type == CB_SIG_EV_JOINED && e->n_peers == 0 &&
		  !strcmp(e->room, "call-1") && !strcmp(e->id, sa));
	CU_ASSERT_EQUAL(f.n, 1);

	join(&f, b, "call-1");
	e = to(&f, b);
	CU_ASSERT(e && e->type == CB_SIG_EV_JOINED && e->n_peers == 1 && !strcmp(e->peers[0], sa));
	e = to(&f, a);
	CU_ASSERT(e && e->type == CB_SIG_EV_PEER_JOINED && !strcmp(e->id, sb));
	CU_ASSERT_EQUAL(f.n, 2);
	CU_ASSERT_EQUAL(cb_rooms_room_size(f.r, "call-1"), 2);

	/* A third: full, and nobody else hears of it. */
	join(&f, c, "call-1");
	e = to(&f, c);
	CU_ASSERT(e && e->type == CB_SIG_EV_FULL && !strcmp(e->room, "call-1"));
	CU_ASSERT_EQUAL(f.n, 1);
	CU_ASSERT_PTR_NULL(cb_rooms_room_of(f.r, c));

	/* A second join while in a room. */
	join(&f, a, "other");
	CU_ASSERT(is_error(to(&f, a), "already-joined"));

	/* Leave: left to it, peer-left to the other. */
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"leave\"}"), 0);
	e = to(&f, a);
	CU_ASSERT(e && e->type == CB_SIG_EV_LEFT && !strcmp(e->room, "call-1"));
	e = to(&f, b);
	CU_ASSERT(e && e->type == CB_SIG_EV_PEER_LEFT && !strcmp(e->id, sa) &&
		  !strcmp(e->reason, "left"));
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"leave\"}"), 0);
	CU_ASSERT(is_error(to(&f, a), "not-joined"));

	/* Now there is room for c; b disconnecting leaves c alone. */
	join(&f, c, "call-1");
	CU_ASSERT(to(&f, c) && to(&f, c)->type == CB_SIG_EV_JOINED);
	CU_ASSERT_EQUAL(cb_rooms_disconnect(f.r, f.now, b), 0);
	drain(&f);
	e = to(&f, c);
	CU_ASSERT(e && e->type == CB_SIG_EV_PEER_LEFT && !strcmp(e->id, sb) &&
		  !strcmp(e->reason, "closed"));
	CU_ASSERT_EQUAL(cb_rooms_disconnect(f.r, f.now, b), -ENOENT);
	CU_ASSERT_EQUAL(cb_rooms_input(f.r, f.now, b, "{}", 2), -ENOENT);

	/* The room goes when its last client does. */
	CU_ASSERT_EQUAL(cb_rooms_n_rooms(f.r), 1);
	CU_ASSERT_EQUAL(cb_rooms_disconnect(f.r, f.now, c), 0);
	drain(&f);
	CU_ASSERT_EQUAL(f.n, 0);
	CU_ASSERT_EQUAL(cb_rooms_n_rooms(f.r), 0);
	CU_ASSERT_EQUAL(cb_rooms_n_clients(f.r), 1);
	fx_close(&f);
}

static void room_of_three(struct cb_sig_limits *l)
{
	l->max_room = 3;
}

static void test_rooms_relay(void)
{
	struct fx f;
	const struct cb_sig_event *e;
	char sa[CB_SIG_ID_LEN], sb[CB_SIG_ID_LEN], msg[200];
	uint64_t a, b, c, x, y;

	fx_open(&f, room_of_three);
	a = connect(&f);
	b = connect(&f);
	c = connect(&f);
	x = connect(&f);
	y = connect(&f);
	id_str(a, sa);
	id_str(b, sb);
	join(&f, a, "r1");
	join(&f, b, "r1");
	join(&f, c, "r1");
	join(&f, x, "r2");
	join(&f, y, "r2");

	/* To every other peer of the room, data as sent, nothing to r2. */
	CU_ASSERT_EQUAL(input(&f, a,
			      "{\"type\":\"message\",\"data\":{\"type\":\"offer\","
			      "\"sdp\":\"v=0\\r\\n\"}}"),
			0);
	CU_ASSERT_EQUAL(f.n, 2);
	for (int i = 0; i < 2; i++) {
		e = to(&f, i ? c : b);
		CU_ASSERT(e && e->type == CB_SIG_EV_MESSAGE && !strcmp(e->id, sa) &&
			  !strcmp(e->room, "r1") &&
			  !strcmp(e->data, "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}"));
	}
	CU_ASSERT_PTR_NULL(to(&f, a));
	CU_ASSERT_PTR_NULL(to(&f, x));
	CU_ASSERT_PTR_NULL(to(&f, y));

	/* `to` one peer: only it. */
	snprintf(msg, sizeof(msg), "{\"type\":\"message\",\"to\":\"%s\",\"data\":\"bye\"}", sb);
	CU_ASSERT_EQUAL(input(&f, a, msg), 0);
	CU_ASSERT_EQUAL(f.n, 1);
	e = to(&f, b);
	CU_ASSERT(e && e->type == CB_SIG_EV_MESSAGE && !strcmp(e->data, "\"bye\""));

	/* `to` someone of another room, to oneself, or no one: refused,
	 * nothing delivered. */
	snprintf(msg, sizeof(msg), "{\"type\":\"message\",\"to\":\"%s\",\"data\":1}", sa);
	CU_ASSERT_EQUAL(input(&f, x, msg), 0);
	CU_ASSERT_EQUAL(f.n, 1);
	CU_ASSERT(is_error(to(&f, x), "no-such-peer"));
	CU_ASSERT_EQUAL(input(&f, a, msg), 0);
	CU_ASSERT(is_error(to(&f, a), "no-such-peer"));
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"message\",\"to\":\"c999\",\"data\":1}"), 0);
	CU_ASSERT(is_error(to(&f, a), "no-such-peer"));
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"message\",\"to\":\"bob\",\"data\":1}"), 0);
	CU_ASSERT(is_error(to(&f, a), "no-such-peer"));
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"message\",\"to\":5,\"data\":1}"), 0);
	CU_ASSERT(is_error(to(&f, a), "bad-field"));
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"message\"}"), 0);
	CU_ASSERT(is_error(to(&f, a), "bad-field"));

	/* A message before join. */
	{
		uint64_t z = connect(&f);

		CU_ASSERT_EQUAL(input(&f, z, "{\"type\":\"message\",\"data\":{}}"), 0);
		CU_ASSERT_EQUAL(f.n, 1);
		CU_ASSERT(is_error(to(&f, z), "not-joined"));
	}
	/* ping -> pong. */
	CU_ASSERT_EQUAL(input(&f, y, "{\"type\":\"ping\"}"), 0);
	CU_ASSERT(to(&f, y) && to(&f, y)->type == CB_SIG_EV_PONG);
	fx_close(&f);
}

static void test_rooms_malformed(void)
{
	static const struct {
		const char *text, *code;
	} bad[] = {
	    {"", "bad-json"},
	    {"not json", "bad-json"},
	    {"{\"type\":\"join\",", "bad-json"},
	    {"{\"type\":\"join\",\"room\":\"a\",\"room\":\"b\"}", "bad-json"},
	    {"\"join\"", "not-object"},
	    {"[1,2]", "not-object"},
	    {"42", "not-object"},
	    {"{}", "bad-type"},
	    {"{\"type\":7}", "bad-type"},
	    {"{\"type\":\"dance\"}", "unknown-type"},
	    {"{\"type\":\"join\"}", "bad-field"},
	    {"{\"type\":\"join\",\"room\":null}", "bad-field"},
	    {"{\"type\":\"join\",\"room\":\"\"}", "bad-room"},
	    {"{\"type\":\"join\",\"room\":\"a b\"}", "bad-room"},
	    {"{\"type\":\"join\",\"room\":\"../etc\"}", "bad-room"},
	    {"{\"type\":\"join\",\"room\":\"caf\\u00e9\"}", "bad-room"},
	    {"{\"type\":\"join\",\"room\":"
	     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	     "bad-room"},
	    {"{\"type\":\"hello\"}", "bad-field"},
	    {"{\"type\":\"hello\",\"version\":\"1\"}", "bad-field"},
	    {"{\"type\":\"message\",\"data\":1}", "not-joined"},
	};
	struct fx f;
	uint64_t a, b;

	fx_open(&f, NULL);
	a = connect(&f);
	b = connect(&f);
	join(&f, b, "calm");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Time moves on so that strikes decay and a is never closed. */
		f.now += 2 * S;
		CU_ASSERT_EQUAL(input(&f, a, bad[i].text), 0);
		if (!is_error(to(&f, a), bad[i].code) || f.n != 1)
			printf("\n      '%s': expected %s, got %s %s ", bad[i].text, bad[i].code,
			       to(&f, a) ? to(&f, a)->code : "nothing",
			       to(&f, a) ? to(&f, a)->reason : "");
		CU_ASSERT(is_error(to(&f, a), bad[i].code));
		CU_ASSERT_EQUAL(f.n, 1);
	}
	/* A NUL inside the text, invalid UTF-8, a too-long message, a binary frame. */
	CU_ASSERT_EQUAL(cb_rooms_input(f.r, f.now, a, "{\"type\":\"ping\"}\0x", 17), 0);
	drain(&f);
	CU_ASSERT(is_error(to(&f, a), "bad-json"));
	f.now += 2 * S;
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"join\",\"room\":\"\xff\xfe\"}"), 0);
	CU_ASSERT(is_error(to(&f, a), "bad-json"));
	f.now += 2 * S;
	{
		size_t n = f.lim.max_message + 1;
		char *big = malloc(n + 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(big);
		memset(big, ' ', n);
		memcpy(big, "{\"type\":\"ping\"}", 15);
		big[n] = 0;
		CU_ASSERT_EQUAL(input(&f, a, big), 0);
		CU_ASSERT(is_error(to(&f, a), "too-big"));
		/* Exactly at the limit is fine. */
		big[n - 1] = 0;
		CU_ASSERT_EQUAL(input(&f, a, big), 0);
		CU_ASSERT(to(&f, a) && to(&f, a)->type == CB_SIG_EV_PONG);
		free(big);
	}
	CU_ASSERT_EQUAL(cb_rooms_refuse(f.r, f.now, a, CB_SIG_E_BINARY, "binary"), 0);
	drain(&f);
	CU_ASSERT(is_error(to(&f, a), "binary"));
	/* b was never disturbed, and a is still connected. */
	CU_ASSERT_EQUAL(cb_rooms_room_size(f.r, "calm"), 1);
	CU_ASSERT_EQUAL(cb_rooms_n_clients(f.r), 2);
	fx_close(&f);
}

static void test_rooms_rate_limit(void)
{
	struct fx f;
	uint64_t a;
	int ok = 0, limited = 0;

	fx_open(&f, NULL); /* 20 a second, bursts of 40, 10 strikes */
	a = connect(&f);
	/* A burst of 40 goes through; the 41st is refused. */
	for (int i = 0; i < 41; i++) {
		input(&f, a, "{\"type\":\"ping\"}");
		ok += to(&f, a) && to(&f, a)->type == CB_SIG_EV_PONG;
		limited += is_error(to(&f, a), "rate-limited");
	}
	CU_ASSERT_EQUAL(ok, 40);
	CU_ASSERT_EQUAL(limited, 1);
	/* 100 ms later, 2 more tokens. */
	f.now += 100 * MS;
	ok = limited = 0;
	for (int i = 0; i < 3; i++) {
		input(&f, a, "{\"type\":\"ping\"}");
		ok += to(&f, a) && to(&f, a)->type == CB_SIG_EV_PONG;
		limited += is_error(to(&f, a), "rate-limited");
	}
	CU_ASSERT_EQUAL(ok, 2);
	CU_ASSERT_EQUAL(limited, 1);
	/* At the sustained rate (one every 50 ms), nothing is refused. */
	ok = 0;
	for (int i = 0; i < 200; i++) {
		f.now += 50 * MS;
		input(&f, a, "{\"type\":\"ping\"}");
		ok += to(&f, a) && to(&f, a)->type == CB_SIG_EV_PONG;
	}
	CU_ASSERT_EQUAL(ok, 200);
	fx_close(&f);
}

/* A client that keeps breaching is closed, and its room told. */
static void test_rooms_repeat_offender(void)
{
	struct fx f;
	const struct cb_sig_event *e;
	char sa[CB_SIG_ID_LEN];
	uint64_t a, b;
	int closed_at = -1;

	fx_open(&f, NULL);
	a = connect(&f);
	b = connect(&f);
	id_str(a, sa);
	join(&f, a, "r");
	join(&f, b, "r");
	/* Slow errors are forgiven: one a second for a minute stays open. */
	for (int i = 0; i < 60; i++) {
		f.now += S;
		input(&f, a, "garbage");
		CU_ASSERT(is_error(to(&f, a), "bad-json"));
	}
	CU_ASSERT_EQUAL(cb_rooms_n_clients(f.r), 2);
	f.now += 20 * S;
	/* Fast ones are not: the 10th closes it. */
	for (int i = 0; i < 20 && closed_at < 0; i++) {
		input(&f, a, "garbage");
		for (size_t k = 0; k < f.n; k++)
			if (f.got[k].kind == CB_ROOMS_CLOSE && f.got[k].client == a) {
				CU_ASSERT_EQUAL(f.got[k].close_code, 1008);
				CU_ASSERT_EQUAL(f.got[k].abort, 0);
				/* The error comes before the close. */
				CU_ASSERT(k > 0 && f.got[k - 1].kind == CB_ROOMS_SEND);
				closed_at = i;
			}
	}
	CU_ASSERT_EQUAL(closed_at, 9);
	e = to(&f, b);
	CU_ASSERT(e && e->type == CB_SIG_EV_PEER_LEFT && !strcmp(e->id, sa) &&
		  !strcmp(e->reason, "kicked"));
	CU_ASSERT_EQUAL(cb_rooms_n_clients(f.r), 1);
	CU_ASSERT_EQUAL(cb_rooms_input(f.r, f.now, a, "{}", 2), -ENOENT);
	/* A bad version closes at once (1002). */
	a = connect(&f);
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"hello\",\"version\":1}"), 0);
	CU_ASSERT_EQUAL(f.n, 0);
	CU_ASSERT_EQUAL(input(&f, a, "{\"type\":\"hello\",\"version\":2}"), 0);
	CU_ASSERT(f.n == 2 && is_error(&f.got[0].ev, "bad-version") &&
		  f.got[1].kind == CB_ROOMS_CLOSE && f.got[1].close_code == 1002);
	fx_close(&f);
}

static void short_heartbeat(struct cb_sig_limits *l)
{
	l->ping_interval = 1 * S;
	l->ping_timeout = 2 * S;
}

static void test_rooms_heartbeat(void)
{
	struct fx f;
	const struct cb_sig_event *e;
	char sa[CB_SIG_ID_LEN];
	uint64_t a, b;
	int pings_b = 0;

	fx_open(&f, short_heartbeat);
	a = connect(&f);
	b = connect(&f);
	id_str(a, sa);
	join(&f, a, "hb");
	join(&f, b, "hb");
	/* Before the interval, nothing. */
	f.now += 900 * MS;
	CU_ASSERT_EQUAL(cb_rooms_tick(f.r, f.now), 1 * S);
	CU_ASSERT_EQUAL(drain(&f), 0);
	/* At it, both are pinged; b answers every ping, a never does. */
	for (int step = 0; step < 40; step++) {
		f.now += 100 * MS;
		cb_rooms_tick(f.r, f.now);
		drain(&f);
		for (size_t k = 0; k < f.n; k++)
			if (f.got[k].kind == CB_ROOMS_PING && f.got[k].client == b) {
				pings_b++;
				cb_rooms_alive(f.r, f.now + 10 * MS, b);
			}
		if (cb_rooms_n_clients(f.r) == 1)
			break;
	}
	/* a: pinged at 1.0 s, removed at 3.0 s (the timeout after the ping). */
	CU_ASSERT_EQUAL(f.now, 3 * S);
	CU_ASSERT_PTR_NULL(cb_rooms_room_of(f.r, a));
	e = to(&f, b);
	CU_ASSERT(e && e->type == CB_SIG_EV_PEER_LEFT && !strcmp(e->id, sa) &&
		  !strcmp(e->reason, "timeout"));
	{
		int closed = 0;

		for (size_t k = 0; k < f.n; k++)
			closed += f.got[k].kind == CB_ROOMS_CLOSE && f.got[k].client == a &&
				  f.got[k].abort;
		CU_ASSERT_EQUAL(closed, 1);
	}
	CU_ASSERT(pings_b >= 2);
	CU_ASSERT_STRING_EQUAL(cb_rooms_room_of(f.r, b), "hb");
	/* A message counts as an answer too. */
	f.now += 1 * S;
	cb_rooms_tick(f.r, f.now);
	drain(&f);
	f.now += 1 * S;
	input(&f, b, "{\"type\":\"ping\"}");
	f.now += 1500 * MS;
	cb_rooms_tick(f.r, f.now);
	drain(&f);
	CU_ASSERT_EQUAL(cb_rooms_n_clients(f.r), 1);
	fx_close(&f);
}

static void small_server(struct cb_sig_limits *l)
{
	l->max_rooms = 2;
	l->max_clients = 3;
	l->max_room_name = 8;
}

static void test_rooms_server_limits(void)
{
	struct fx f;
	uint64_t a, b, c, d = 0;

	fx_open(&f, small_server);
	a = connect(&f);
	b = connect(&f);
	c = connect(&f);
	/* The fourth connection: refused with an error and a close. */
	CU_ASSERT_EQUAL(cb_rooms_connect(f.r, f.now, NULL, &d), -EBUSY);
	drain(&f);
	CU_ASSERT(f.n == 2 && is_error(&f.got[0].ev, "server-full") &&
		  f.got[1].kind == CB_ROOMS_CLOSE && f.got[1].close_code == 1013);
	join(&f, a, "one");
	join(&f, b, "two");
	join(&f, c, "three");
	CU_ASSERT(is_error(to(&f, c), "too-many-rooms"));
	join(&f, c, "ninechars");
	CU_ASSERT(is_error(to(&f, c), "bad-room"));
	join(&f, c, "eight888");
	CU_ASSERT(is_error(to(&f, c), "too-many-rooms"));
	join(&f, c, "two");
	CU_ASSERT(to(&f, c) && to(&f, c)->type == CB_SIG_EV_JOINED);
	/* Shutdown closes everyone with 1001, no peer-left between them. */
	cb_rooms_shutdown(f.r, f.now);
	drain(&f);
	CU_ASSERT_EQUAL(f.n, 3);
	for (size_t k = 0; k < f.n; k++)
		CU_ASSERT(f.got[k].kind == CB_ROOMS_CLOSE && f.got[k].close_code == 1001);
	CU_ASSERT_EQUAL(cb_rooms_n_clients(f.r), 0);
	CU_ASSERT_EQUAL(cb_rooms_n_rooms(f.r), 0);
	fx_close(&f);
}

static void test_rooms_limits_check(void)
{
	struct cb_sig_limits l;
	struct cb_rooms *r = (struct cb_rooms *)&r;
	char why[128] = "";

	cb_sig_limits_default(&l);
	CU_ASSERT_EQUAL(cb_sig_limits_check(&l, why, sizeof(why)), 0);
	l.max_room = 0;
	CU_ASSERT_EQUAL(cb_sig_limits_check(&l, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "max_room"));
	CU_ASSERT_EQUAL(cb_rooms_open(&r, &l, NULL), -EINVAL);
	CU_ASSERT_PTR_NULL(r);
	cb_sig_limits_default(&l);
	l.rate = 0;
	CU_ASSERT_EQUAL(cb_sig_limits_check(&l, why, sizeof(why)), -EINVAL);
	cb_sig_limits_default(&l);
	l.max_room_name = CB_SIG_ROOM_MAX + 1;
	CU_ASSERT_EQUAL(cb_sig_limits_check(&l, why, sizeof(why)), -EINVAL);
}

/* The client-side parser: what the server sends, and what it must refuse. */
static void test_proto_events(void)
{
	static const char *const bad[] = {
	    "",
	    "{\"type\":\"welcome\"}",
	    "{\"type\":\"welcome\",\"version\":1}",
	    "{\"type\":\"joined\",\"room\":\"r\",\"id\":\"c1\"}",
	    "{\"type\":\"joined\",\"room\":\"r\",\"id\":\"c1\",\"peers\":[1]}",
	    "{\"type\":\"message\",\"from\":\"c1\"}",
	    "{\"type\":\"error\",\"code\":\"x\"}",
	    "{\"type\":\"peer-left\",\"room\":\"r\",\"id\":\"c1234567890123456789012345\"}",
	    "{\"type\":\"closed\"}",
	    "{\"type\":\"surprise\"}",
	};
	const uint64_t peers[] = {3, 9};
	struct cb_sig_limits lim;
	struct cb_sig_event ev;
	struct cb_sig_error err;
	char *t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(cb_sig_parse_event(bad[i], strlen(bad[i]), &ev, &err), -1);
		CU_ASSERT(err.code != CB_SIG_OK && err.reason[0]);
		CU_ASSERT_PTR_NULL(ev.data);
		CU_ASSERT_PTR_NULL(ev.peers);
	}
	cb_sig_limits_default(&lim);
	t = cb_sig_build_joined("r", 4, peers, 2);
	CU_ASSERT_EQUAL_FATAL(cb_sig_parse_event(t, strlen(t), &ev, &err), 0);
	CU_ASSERT(ev.type == CB_SIG_EV_JOINED && ev.n_peers == 2 && !strcmp(ev.peers[1], "c9") &&
		  !strcmp(ev.id, "c4"));
	cb_sig_event_clear(&ev);
	free(t);
	t = cb_sig_build_welcome(12, &lim);
	CU_ASSERT_EQUAL(cb_sig_parse_event(t, strlen(t), &ev, &err), 0);
	CU_ASSERT(ev.type == CB_SIG_EV_WELCOME && ev.version == CB_SIG_VERSION &&
		  !strcmp(ev.id, "c12"));
	free(t);
	/* Error reasons that are not UTF-8 are still a valid message. */
	t = cb_sig_build_error(CB_SIG_E_BAD_ROOM, "\xff\xfe");
	CU_ASSERT_EQUAL(cb_sig_parse_event(t, strlen(t), &ev, &err), 0);
	CU_ASSERT_STRING_EQUAL(ev.code, "bad-room");
	free(t);
	/* The client's own messages parse as requests. */
	{
		struct cb_sig_request req;

		t = cb_sig_build_message("c4", "{\"candidate\":\"a=1\"}");
		CU_ASSERT_EQUAL(cb_sig_parse_request(t, strlen(t), &lim, &req, &err), 0);
		CU_ASSERT(req.type == CB_SIG_REQ_MESSAGE && !strcmp(req.to, "c4") && req.data);
		cb_sig_request_clear(&req);
		free(t);
		errno = 0;
		CU_ASSERT_PTR_NULL(cb_sig_build_message(NULL, "{not json"));
		CU_ASSERT_EQUAL(errno, EINVAL);
	}
	/* Ids, names. */
	CU_ASSERT_EQUAL(cb_sig_id_parse("c17"), 17);
	CU_ASSERT_EQUAL(cb_sig_id_parse("c0"), 0);
	CU_ASSERT_EQUAL(cb_sig_id_parse("c017"), 0);
	CU_ASSERT_EQUAL(cb_sig_id_parse("c99999999999999999999999"), 0);
	CU_ASSERT_EQUAL(cb_sig_id_parse("17"), 0);
	CU_ASSERT_EQUAL(cb_sig_err_from_name("rate-limited"), CB_SIG_E_RATE);
	CU_ASSERT_EQUAL(cb_sig_err_from_name("nope"), CB_SIG_E_COUNT);
	CU_ASSERT_STRING_EQUAL(cb_sig_err_name(CB_SIG_E_TOO_BIG), "too-big");
}

int cb_suite_rooms(void)
{
	static const struct cb_test_case cases[] = {
	    {"join, full, leave, peer-left", test_rooms_join_full_leave},
	    {"relay only within the room, to", test_rooms_relay},
	    {"malformed messages each get an error", test_rooms_malformed},
	    {"rate limit (token bucket)", test_rooms_rate_limit},
	    {"a repeat offender is closed", test_rooms_repeat_offender},
	    {"heartbeat timeout -> peer-left", test_rooms_heartbeat},
	    {"rooms, clients and room name limits", test_rooms_server_limits},
	    {"limits are checked", test_rooms_limits_check},
	    {"protocol: events and builders", test_proto_events},
	    {NULL, NULL},
	};
	return cb_add_suite("rooms", cases);
}
