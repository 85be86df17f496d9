/*
 * fuzz_signal.c — the signaling message parsers (cb_sig_parse_request, and
 * cb_sig_parse_event as a client reads the server), then the room logic
 * fed those messages from several clients, with connects, disconnects,
 * pongs and heartbeat ticks between them in simulated time.
 *
 * Input: one byte of limits, then records (fuzz.h's fz_record): the first
 * byte of each says what happens and to which client, the rest is the text.
 * Beyond not crashing: a refused message says why; everything the server
 * sends is a message its own client parses; a relayed message reaches only
 * clients of the sender's room (never the sender), says the sender's id and
 * room; no room is over its limit; a client that was closed is never sent
 * anything again.
 */
#include "fuzz.h"

#include "signal/proto.h"
#include "signal/rooms.h"

#define MAXC 12

struct state {
	struct cb_rooms *r;
	struct cb_sig_limits lim;
	uint64_t id[MAXC]; /* 0: no client in that slot */
	uint64_t gone[64]; /* closed ids, never to be sent to again */
	size_t n_gone;
	cb_ns now;
};

static int is_gone(const struct state *s, uint64_t id)
{
	for (size_t i = 0; i < s->n_gone; i++)
		if (s->gone[i] == id)
			return 1;
	return 0;
}

static int slot_of(const struct state *s, uint64_t id)
{
	for (int i = 0; i < MAXC; i++)
		if (s->id[i] && s->id[i] == id)
			return i;
	return -1;
}

/*
 * Check and clear the outbox.  `from` is the client whose input caused it
 * (0 for none) and `room` the room it was in before (NULL when none).
 */
static void check_out(struct state *s, uint64_t from, const char *room)
{
	struct cb_rooms_out *out;
	size_t n = cb_rooms_out(s->r, &out);
	char sid[CB_SIG_ID_LEN];

	cb_sig_id_format(from, sid);
	for (size_t i = 0; i < n; i++) {
		struct cb_sig_event ev;
		struct cb_sig_error err;

		FUZZ_CHECK(out[i].client == 0 || !is_gone(s, out[i].client));
		FUZZ_CHECK(out[i].client == 0 || slot_of(s, out[i].client) >= 0);
		if (out[i].kind == CB_ROOMS_CLOSE) {
			int k = slot_of(s, out[i].client);

			FUZZ_CHECK(out[i].reason && out[i].close_code >= 1000);
			if (k >= 0)
				s->id[k] = 0;
			if (out[i].client && s->n_gone < 64)
				s->gone[s->n_gone++] = out[i].client;
			continue;
		}
		if (out[i].kind != CB_ROOMS_SEND)
			continue;
		FUZZ_CHECK(out[i].text && out[i].len == strlen(out[i].text));
		FUZZ_CHECK(cb_sig_parse_event(out[i].text, out[i].len, &ev, &err) == 0);
		if (ev.type == CB_SIG_EV_MESSAGE) {
			const char *to_room = cb_rooms_room_of(s->r, out[i].client);

			FUZZ_CHECK(from != 0 && room != NULL);
			FUZZ_CHECK(out[i].client != from);
			FUZZ_CHECK(to_room && strcmp(to_room, room) == 0);
			FUZZ_CHECK(strcmp(ev.room, room) == 0);
			FUZZ_CHECK(strcmp(ev.id, sid) == 0);
		}
		if (ev.type == CB_SIG_EV_ERROR)
			FUZZ_CHECK(ev.reason[0] && out[i].client == from);
		cb_sig_event_clear(&ev);
	}
	cb_rooms_out_clear(s->r);
	FUZZ_CHECK(cb_rooms_n_rooms(s->r) <= s->lim.max_rooms);
	FUZZ_CHECK(cb_rooms_n_clients(s->r) <= s->lim.max_clients);
	for (int i = 0; i < MAXC; i++) {
		const char *rm = s->id[i] ? cb_rooms_room_of(s->r, s->id[i]) : NULL;

		if (rm)
			FUZZ_CHECK(cb_rooms_room_size(s->r, rm) <= s->lim.max_room);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct state s;
	const uint8_t *rec;
	size_t len;
	uint8_t cfg = fz_u8(&f);

	memset(&s, 0, sizeof(s));
	cb_sig_limits_default(&s.lim);
	s.lim.max_room = 1 + (cfg & 3);
	s.lim.max_rooms = 1 + (cfg >> 2 & 3);
	s.lim.max_clients = 4 + (cfg >> 4 & 7);
	s.lim.max_strikes = cfg & 0x80 ? 3 : 50;
	s.lim.max_message = 512;
	s.lim.max_room_name = 16;
	s.lim.burst = 8;
	s.lim.rate = 4;
	s.lim.ping_interval = 1 * CB_NS_PER_S;
	s.lim.ping_timeout = 1 * CB_NS_PER_S;
	if (cb_rooms_open(&s.r, &s.lim, NULL) < 0)
		return 0;
	while (fz_record(&f, &rec, &len, 4096)) {
		uint8_t op = len ? rec[0] : 0;
		int k = (op >> 4) % MAXC;
		const char *text = (const char *)rec + (len ? 1 : 0);
		size_t tl = len ? len - 1 : 0;
		uint64_t id = s.id[k];
		char room[CB_SIG_ROOM_MAX + 1] = "";
		const char *rm;

		/* The parsers alone, on every record. */
		{
			struct cb_sig_request req;
			struct cb_sig_event ev;
			struct cb_sig_error err;

			if (cb_sig_parse_request(text, tl, &s.lim, &req, &err) == 0)
				cb_sig_request_clear(&req);
			else
				FUZZ_CHECK(err.code != CB_SIG_OK && err.reason[0]);
			if (cb_sig_parse_event(text, tl, &ev, &err) == 0)
				cb_sig_event_clear(&ev);
			else
				FUZZ_CHECK(err.code != CB_SIG_OK && err.reason[0]);
		}
		rm = id ? cb_rooms_room_of(s.r, id) : NULL;
		if (rm)
			snprintf(room, sizeof(room), "%s", rm);
		switch (op & 7) {
		case 0: /* connect into slot k */
			if (!id) {
				uint64_t nid = 0;

				if (cb_rooms_connect(s.r, s.now, NULL, &nid) == 0)
					s.id[k] = nid;
			}
			check_out(&s, 0, NULL);
			break;
		case 1: /* its connection ends */
			if (id) {
				FUZZ_CHECK(cb_rooms_disconnect(s.r, s.now, id) == 0);
				s.id[k] = 0;
				if (s.n_gone < 64)
					s.gone[s.n_gone++] = id;
			}
			check_out(&s, 0, NULL);
			break;
		case 2: /* a pong */
			if (id)
				cb_rooms_alive(s.r, s.now, id);
			break;
		case 3: /* time passes, the heartbeat runs */
			s.now += (cb_ns)(op >> 3 & 1 ? 700 : 90) * CB_NS_PER_MS;
			cb_rooms_tick(s.r, s.now);
			check_out(&s, 0, NULL);
			break;
		case 4: /* refused by the transport */
			if (id)
				cb_rooms_refuse(s.r, s.now, id,
						op & 8 ? CB_SIG_E_BINARY : CB_SIG_E_TOO_BIG, "x");
			check_out(&s, id, rm ? room : NULL);
			break;
		default: /* a message */
			if (id)
				cb_rooms_input(s.r, s.now, id, text, tl);
			check_out(&s, id, rm ? room : NULL);
			s.now += 10 * CB_NS_PER_MS;
			break;
		}
	}
	cb_rooms_shutdown(s.r, s.now);
	check_out(&s, 0, NULL);
	FUZZ_CHECK(cb_rooms_n_clients(s.r) == 0 && cb_rooms_n_rooms(s.r) == 0);
	cb_rooms_close(s.r);
	return 0;
}
