/*
 * rooms.c — clients, rooms and their limits, with no I/O (rooms.h).
 *
 * Clients are kept in an array sorted by id (ids only grow, so a new one is
 * appended) and rooms in an array sorted by name: both are found by binary
 * search, and neither needs more than the limits allow.  Every change is
 * reported as actions in the outbox, which the caller carries out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signal/rooms.h"

struct room;

struct client {
	uint64_t id;
	void *user;
	struct room *room;
	double tokens;	/* rate bucket: messages it may send now */
	cb_ns refilled; /* when `tokens` was last brought up to date */
	double strikes; /* errors, one forgiven per second */
	cb_ns struck;	/* when `strikes` was last brought up to date */
	cb_ns heard;	/* the last time anything came from it */
	cb_ns pinged;	/* the ping it has not answered, CB_NS_NONE if none */
};

struct room {
	char name[CB_SIG_ROOM_MAX + 1];
	struct client **members; /* in the order they joined */
	size_t n, cap;
};

struct cb_rooms {
	struct cb_sig_limits lim;
	const struct cb_logger *lg;
	struct client **clients; /* sorted by id */
	size_t n_clients, cap_clients;
	struct room **rooms; /* sorted by name */
	size_t n_rooms, cap_rooms;
	uint64_t last_id;
	struct cb_rooms_out *out;
	size_t n_out, cap_out;
};

static const char *const why_names[] = {
    [CB_ROOMS_LEFT] = "left",	  [CB_ROOMS_CLOSED] = "closed",	    [CB_ROOMS_TIMEOUT] = "timeout",
    [CB_ROOMS_KICKED] = "kicked", [CB_ROOMS_STOPPING] = "stopping",
};

/* Grow `*arr` (elements of `size`) to hold at least `want`. */
static int grow(void *arr, size_t *cap, size_t want, size_t size)
{
	void **p = arr, *n;
	size_t c = *cap ? *cap : 8;

	if (want <= *cap)
		return 0;
	while (c < want)
		c *= 2;
	n = realloc(*p, c * size);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

int cb_rooms_open(struct cb_rooms **r, const struct cb_sig_limits *lim, const struct cb_logger *lg)
{
	char why[128];

	if (!r || !lim)
		return -EINVAL;
	*r = NULL;
	if (cb_sig_limits_check(lim, why, sizeof(why)) < 0)
		return -EINVAL;
	*r = calloc(1, sizeof(**r));
	if (!*r)
		return -ENOMEM;
	(*r)->lim = *lim;
	(*r)->lg = lg;
	return 0;
}

static void free_room(struct room *rm)
{
	free(rm->members);
	free(rm);
}

void cb_rooms_close(struct cb_rooms *r)
{
	if (!r)
		return;
	cb_rooms_out_clear(r);
	for (size_t i = 0; i < r->n_clients; i++)
		free(r->clients[i]);
	for (size_t i = 0; i < r->n_rooms; i++)
		free_room(r->rooms[i]);
	free(r->clients);
	free(r->rooms);
	free(r->out);
	free(r);
}

/* ---- the outbox ---- */

static struct cb_rooms_out *push(struct cb_rooms *r, enum cb_rooms_act kind, uint64_t id,
				 void *user)
{
	struct cb_rooms_out *o;

	if (grow(&r->out, &r->cap_out, r->n_out + 1, sizeof(*r->out)) < 0)
		return NULL;
	o = &r->out[r->n_out++];
	*o = (struct cb_rooms_out){.kind = kind, .client = id, .user = user};
	return o;
}

/* Queue `text` (taken, even on failure) to the client. */
static int send_text(struct cb_rooms *r, uint64_t id, void *user, char *text)
{
	struct cb_rooms_out *o;

	if (!text)
		return -ENOMEM;
	o = push(r, CB_ROOMS_SEND, id, user);
	if (!o) {
		free(text);
		return -ENOMEM;
	}
	o->text = text;
	o->len = strlen(text);
	return 0;
}

static int send_close(struct cb_rooms *r, uint64_t id, void *user, int code, const char *reason,
		      int abort)
{
	struct cb_rooms_out *o = push(r, CB_ROOMS_CLOSE, id, user);

	if (!o)
		return -ENOMEM;
	o->close_code = code;
	o->reason = reason;
	o->abort = abort;
	return 0;
}

size_t cb_rooms_out(struct cb_rooms *r, struct cb_rooms_out **out)
{
	*out = r->n_out ? r->out : NULL;
	return r->n_out;
}

void cb_rooms_out_clear(struct cb_rooms *r)
{
	for (size_t i = 0; i < r->n_out; i++)
		free(r->out[i].text);
	r->n_out = 0;
}

/* ---- finding things ---- */

static size_t client_slot(const struct cb_rooms *r, uint64_t id)
{
	size_t lo = 0, hi = r->n_clients;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->clients[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct client *find_client(const struct cb_rooms *r, uint64_t id)
{
	size_t i = client_slot(r, id);

	return i < r->n_clients && r->clients[i]->id == id ? r->clients[i] : NULL;
}

/* Where room `name` is, or would go, in r->rooms; *found says which. */
static size_t room_slot(const struct cb_rooms *r, const char *name, int *found)
{
	size_t lo = 0, hi = r->n_rooms;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->rooms[mid]->name, name);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct room *find_room(const struct cb_rooms *r, const char *name)
{
	int found;
	size_t i = room_slot(r, name, &found);

	return found ? r->rooms[i] : NULL;
}

/* ---- leaving ---- */

/* Take `c` out of its room: peer-left to those who stay (unless the
 * server is stopping), the room gone when it is empty. */
static int leave_room(struct cb_rooms *r, struct client *c, enum cb_rooms_why why)
{
	struct room *rm = c->room;
	char sid[CB_SIG_ID_LEN];
	int rc = 0, found;
	size_t i;

	if (!rm)
		return 0;
	for (i = 0; i < rm->n && rm->members[i] != c; i++)
		;
	memmove(&rm->members[i], &rm->members[i + 1], (rm->n - i - 1) * sizeof(*rm->members));
	rm->n--;
	c->room = NULL;
	cb_sig_id_format(c->id, sid);
	cb_log(r->lg, CB_LOG_INFO, "signal", "leave room '%s': %s (%s; %zu left in the room)",
	       rm->name, sid, why_names[why], rm->n);
	for (i = 0; why != CB_ROOMS_STOPPING && i < rm->n && rc == 0; i++)
		rc = send_text(r, rm->members[i]->id, rm->members[i]->user,
			       cb_sig_build_peer("peer-left", rm->name, c->id, why_names[why]));
	if (rm->n == 0) {
		i = room_slot(r, rm->name, &found);
		memmove(&r->rooms[i], &r->rooms[i + 1], (r->n_rooms - i - 1) * sizeof(*r->rooms));
		r->n_rooms--;
		free_room(rm);
	}
	return rc;
}

/* Forget `c` (freed): out of its room, and out of the client list. */
static int remove_client(struct cb_rooms *r, struct client *c, enum cb_rooms_why why)
{
	size_t i = client_slot(r, c->id);
	int rc = leave_room(r, c, why);

	memmove(&r->clients[i], &r->clients[i + 1], (r->n_clients - i - 1) * sizeof(*r->clients));
	r->n_clients--;
	free(c);
	return rc;
}

/* Remove `c` and close its connection. */
static int kick(struct cb_rooms *r, struct client *c, enum cb_rooms_why why, int code,
		const char *reason, int abort)
{
	uint64_t id = c->id;
	void *user = c->user;
	int rc = remove_client(r, c, why);
	int rc2 = send_close(r, id, user, code, reason, abort);

	return rc < 0 ? rc : rc2;
}

/* ---- connections ---- */

int cb_rooms_connect(struct cb_rooms *r, cb_ns now, void *user, uint64_t *id)
{
	struct client *c;
	int rc;

	if (!r || !id)
		return -EINVAL;
	*id = 0;
	if (r->n_clients >= r->lim.max_clients) {
		rc = send_text(r, 0, user,
			       cb_sig_build_error(CB_SIG_E_SERVER_FULL,
						  "the server holds as many clients as it may"));
		if (rc == 0)
			rc = send_close(r, 0, user, 1013, "server full", 0);
		return rc < 0 ? rc : -EBUSY;
	}
	if (grow(&r->clients, &r->cap_clients, r->n_clients + 1, sizeof(*r->clients)) < 0)
		return -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->id = ++r->last_id;
	c->user = user;
	c->tokens = r->lim.burst;
	c->refilled = c->struck = c->heard = now;
	c->pinged = CB_NS_NONE;
	rc = send_text(r, c->id, user, cb_sig_build_welcome(c->id, &r->lim));
	if (rc < 0) {
		free(c);
		return rc;
	}
	r->clients[r->n_clients++] = c;
	*id = c->id;
	return 0;
}

int cb_rooms_disconnect(struct cb_rooms *r, cb_ns now, uint64_t id)
{
	struct client *c = find_client(r, id);

	(void)now;
	if (!c)
		return -ENOENT;
	return remove_client(r, c, CB_ROOMS_CLOSED);
}

static void heard_from(struct client *c, cb_ns now)
{
	if (now > c->heard)
		c->heard = now;
	c->pinged = CB_NS_NONE;
}

void cb_rooms_alive(struct cb_rooms *r, cb_ns now, uint64_t id)
{
	struct client *c = find_client(r, id);

	if (c)
		heard_from(c, now);
}

/* ---- errors and limits ---- */

/* Seconds from `*then` to `now` (never negative: simulated or fuzzed time
 * may go back), moving *then on. */
static double elapsed_s(cb_ns *then, cb_ns now)
{
	double s = now > *then ? (double)(now - *then) / CB_NS_PER_S : 0;

	if (now > *then)
		*then = now;
	return s;
}

/* Answer `c` with an error; one strike, and the client is closed when its
 * strikes reach max_strikes. */
static int refuse(struct cb_rooms *r, cb_ns now, struct client *c, enum cb_sig_err code,
		  const char *reason)
{
	int rc = send_text(r, c->id, c->user, cb_sig_build_error(code, reason));

	c->strikes -= elapsed_s(&c->struck, now);
	if (c->strikes < 0)
		c->strikes = 0;
	c->strikes += 1;
	if (rc == 0 && c->strikes >= r->lim.max_strikes)
		rc = kick(r, c, CB_ROOMS_KICKED, 1008, "too many errors", 0);
	return rc;
}

/* Take a token from `c`'s bucket: 1 when there was one. */
static int take_token(const struct cb_rooms *r, struct client *c, cb_ns now)
{
	c->tokens += elapsed_s(&c->refilled, now) * r->lim.rate;
	if (c->tokens > r->lim.burst)
		c->tokens = r->lim.burst;
	if (c->tokens < 1)
		return 0;
	c->tokens -= 1;
	return 1;
}

static int rate_refuse(struct cb_rooms *r, cb_ns now, struct client *c)
{
	char why[96];

	snprintf(why, sizeof(why), "more than %g messages at once or %g a second", r->lim.burst,
		 r->lim.rate);
	return refuse(r, now, c, CB_SIG_E_RATE, why);
}

int cb_rooms_refuse(struct cb_rooms *r, cb_ns now, uint64_t id, enum cb_sig_err code,
		    const char *reason)
{
	struct client *c = find_client(r, id);

	if (!c)
		return -ENOENT;
	heard_from(c, now);
	if (!take_token(r, c, now))
		return rate_refuse(r, now, c);
	return refuse(r, now, c, code, reason);
}

/* ---- requests ---- */

static int do_join(struct cb_rooms *r, cb_ns now, struct client *c, const char *name)
{
	char sid[CB_SIG_ID_LEN];
	struct room *rm;
	uint64_t *peers;
	size_t i;
	int found, rc = 0;

	if (c->room)
		return refuse(r, now, c, CB_SIG_E_ALREADY_JOINED,
			      "already in a room: leave it first");
	i = room_slot(r, name, &found);
	rm = found ? r->rooms[i] : NULL;
	if (rm && rm->n >= r->lim.max_room)
		return send_text(r, c->id, c->user, cb_sig_build_full(name));
	if (!rm) {
		if (r->n_rooms >= r->lim.max_rooms)
			return refuse(r, now, c, CB_SIG_E_TOO_MANY_ROOMS,
				      "the server holds as many rooms as it may");
		if (grow(&r->rooms, &r->cap_rooms, r->n_rooms + 1, sizeof(*r->rooms)) < 0 ||
		    !(rm = calloc(1, sizeof(*rm))))
			return -ENOMEM;
		snprintf(rm->name, sizeof(rm->name), "%s", name);
		memmove(&r->rooms[i + 1], &r->rooms[i], (r->n_rooms - i) * sizeof(*r->rooms));
		r->rooms[i] = rm;
		r->n_rooms++;
	}
	if (grow(&rm->members, &rm->cap, rm->n + 1, sizeof(*rm->members)) < 0)
		return -ENOMEM; /* an empty room left behind is harmless */
	peers = malloc((rm->n + 1) * sizeof(*peers));
	if (!peers)
		return -ENOMEM;
	for (i = 0; i < rm->n; i++)
		peers[i] = rm->members[i]->id;
	rc = send_text(r, c->id, c->user, cb_sig_build_joined(name, c->id, peers, rm->n));
	free(peers);
	for (i = 0; i < rm->n && rc == 0; i++)
		rc = send_text(r, rm->members[i]->id, rm->members[i]->user,
			       cb_sig_build_peer("peer-joined", name, c->id, NULL));
	rm->members[rm->n++] = c;
	c->room = rm;
	cb_sig_id_format(c->id, sid);
	cb_log(r->lg, CB_LOG_INFO, "signal", "join room '%s': %s (%zu of %u)", name, sid, rm->n,
	       r->lim.max_room);
	return rc;
}

static int do_message(struct cb_rooms *r, cb_ns now, struct client *c,
		      const struct cb_sig_request *req)
{
	struct room *rm = c->room;
	uint64_t to = req->to[0] ? cb_sig_id_parse(req->to) : 0;
	char *text;
	int rc = 0, found = 0;

	if (!rm)
		return refuse(r, now, c, CB_SIG_E_NOT_JOINED, "message before join");
	for (size_t i = 0; to && i < rm->n; i++)
		found |= rm->members[i]->id == to && rm->members[i] != c;
	if (to && !found)
		return refuse(r, now, c, CB_SIG_E_NO_PEER,
			      "\"to\" names no other client of this room");
	text = cb_sig_build_relay(rm->name, c->id, req->data);
	if (!text)
		return -ENOMEM;
	for (size_t i = 0; i < rm->n && rc == 0; i++) {
		struct client *p = rm->members[i];

		if (p == c || (to && p->id != to))
			continue;
		rc = send_text(r, p->id, p->user, strdup(text));
	}
	free(text);
	return rc;
}

int cb_rooms_input(struct cb_rooms *r, cb_ns now, uint64_t id, const char *text, size_t len)
{
	struct client *c = find_client(r, id);
	struct cb_sig_request req;
	struct cb_sig_error err;
	int rc;

	if (!c)
		return -ENOENT;
	heard_from(c, now);
	if (!take_token(r, c, now))
		return rate_refuse(r, now, c);
	rc = cb_sig_parse_request(text, len, &r->lim, &req, &err);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return refuse(r, now, c, err.code, err.reason);
	switch (req.type) {
	case CB_SIG_REQ_HELLO:
		if (req.version != CB_SIG_VERSION) {
			char why[96];

			snprintf(why, sizeof(why), "version %lld is not spoken here (this is %d)",
				 req.version, CB_SIG_VERSION);
			rc =
			    send_text(r, c->id, c->user, cb_sig_build_error(CB_SIG_E_VERSION, why));
			if (rc == 0)
				rc = kick(r, c, CB_ROOMS_KICKED, 1002, "unsupported version", 0);
		}
		break;
	case CB_SIG_REQ_JOIN:
		rc = do_join(r, now, c, req.room);
		break;
	case CB_SIG_REQ_LEAVE:
		if (!c->room) {
			rc = refuse(r, now, c, CB_SIG_E_NOT_JOINED, "leave before join");
			break;
		}
		rc = send_text(r, c->id, c->user, cb_sig_build_left(c->room->name));
		if (rc == 0)
			rc = leave_room(r, c, CB_ROOMS_LEFT);
		break;
	case CB_SIG_REQ_MESSAGE:
		rc = do_message(r, now, c, &req);
		break;
	case CB_SIG_REQ_PING:
		rc = send_text(r, c->id, c->user, cb_sig_build_pong());
		break;
	}
	cb_sig_request_clear(&req);
	return rc;
}

/* ---- heartbeat and shutdown ---- */

cb_ns cb_rooms_tick(struct cb_rooms *r, cb_ns now)
{
	cb_ns next = now + r->lim.ping_interval;

	for (size_t i = r->n_clients; i-- > 0;) {
		struct client *c = r->clients[i];
		cb_ns due;

		if (c->pinged != CB_NS_NONE && now - c->pinged >= r->lim.ping_timeout) {
			kick(r, c, CB_ROOMS_TIMEOUT, 1001, "no answer to ping", 1);
			continue;
		}
		if (c->pinged == CB_NS_NONE && now - c->heard >= r->lim.ping_interval &&
		    push(r, CB_ROOMS_PING, c->id, c->user))
			c->pinged = now;
		due = c->pinged != CB_NS_NONE ? c->pinged + r->lim.ping_timeout
					      : c->heard + r->lim.ping_interval;
		if (due < next)
			next = due;
	}
	return next;
}

void cb_rooms_shutdown(struct cb_rooms *r, cb_ns now)
{
	(void)now;
	while (r->n_clients)
		kick(r, r->clients[r->n_clients - 1], CB_ROOMS_STOPPING, 1001, "server stopping",
		     0);
}

/* ---- inspection ---- */

size_t cb_rooms_n_clients(const struct cb_rooms *r)
{
	return r->n_clients;
}

size_t cb_rooms_n_rooms(const struct cb_rooms *r)
{
	return r->n_rooms;
}

const char *cb_rooms_room_of(const struct cb_rooms *r, uint64_t id)
{
	const struct client *c = find_client(r, id);

	return c && c->room ? c->room->name : NULL;
}

size_t cb_rooms_room_size(const struct cb_rooms *r, const char *name)
{
	const struct room *rm = find_room(r, name);

	return rm ? rm->n : 0;
}
