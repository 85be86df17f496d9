/*
 * proto.c — parse and build the signaling messages (PROTOCOL.md beside
 * this file).  jansson does the JSON; this file decides what a well-formed
 * message of each type is and says, with a code and a reason, what is wrong
 * with one that is not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "signal/proto.h"

static const char *const err_names[CB_SIG_E_COUNT] = {[CB_SIG_OK] = "ok",
#define XX(name, wire, what) [CB_SIG_E_##name] = wire,
						      CB_SIG_ERR_MAP(XX)
#undef XX
};

const char *cb_sig_err_name(enum cb_sig_err e)
{
	return (unsigned)e < CB_SIG_E_COUNT ? err_names[e] : "unknown";
}

enum cb_sig_err cb_sig_err_from_name(const char *name)
{
	for (int i = 1; i < CB_SIG_E_COUNT; i++)
		if (strcmp(err_names[i], name) == 0)
			return (enum cb_sig_err)i;
	return CB_SIG_E_COUNT;
}

static const char *const ev_names[CB_SIG_EV_COUNT] = {
    [CB_SIG_EV_WELCOME] = "welcome",
    [CB_SIG_EV_JOINED] = "joined",
    [CB_SIG_EV_PEER_JOINED] = "peer-joined",
    [CB_SIG_EV_FULL] = "full",
    [CB_SIG_EV_LEFT] = "left",
    [CB_SIG_EV_PEER_LEFT] = "peer-left",
    [CB_SIG_EV_MESSAGE] = "message",
    [CB_SIG_EV_ERROR] = "error",
    [CB_SIG_EV_PONG] = "pong",
    [CB_SIG_EV_CLOSED] = "closed",
};

const char *cb_sig_ev_name(enum cb_sig_ev_type t)
{
	return (unsigned)t < CB_SIG_EV_COUNT ? ev_names[t] : "unknown";
}

void cb_sig_limits_default(struct cb_sig_limits *lim)
{
	*lim = (struct cb_sig_limits){
	    .max_message = 64 * 1024,
	    .max_room_name = 64,
	    .max_room = 2,
	    .max_rooms = 1000,
	    .max_clients = 4096,
	    .rate = 20,
	    .burst = 40,
	    .max_strikes = 10,
	    .ping_interval = 10 * CB_NS_PER_S,
	    .ping_timeout = 10 * CB_NS_PER_S,
	};
}

int cb_sig_limits_check(const struct cb_sig_limits *lim, char *why, size_t len)
{
	const char *bad = NULL;

	if (lim->max_message < 64 || lim->max_message > 16u << 20)
		bad = "max_message must be 64 bytes to 16 MiB";
	else if (lim->max_room_name < 1 || lim->max_room_name > CB_SIG_ROOM_MAX)
		bad = "max_room_name must be 1 to 256";
	else if (lim->max_room < 1 || lim->max_room > 65536)
		bad = "max_room must be 1 to 65536";
	else if (lim->max_rooms < 1 || lim->max_rooms > 1000000)
		bad = "max_rooms must be 1 to 1000000";
	else if (lim->max_clients < 1 || lim->max_clients > 1000000)
		bad = "max_clients must be 1 to 1000000";
	else if (!(lim->rate > 0 && lim->rate <= 1e6))
		bad = "rate must be above 0 and at most 1000000 per second";
	else if (!(lim->burst >= 1 && lim->burst <= 1e6))
		bad = "burst must be 1 to 1000000";
	else if (lim->max_strikes < 1 || lim->max_strikes > 1000000)
		bad = "max_strikes must be 1 to 1000000";
	else if (lim->ping_interval < CB_NS_PER_MS || lim->ping_interval > 3600 * CB_NS_PER_S)
		bad = "ping_interval must be 1 ms to 1 hour";
	else if (lim->ping_timeout < CB_NS_PER_MS || lim->ping_timeout > 3600 * CB_NS_PER_S)
		bad = "ping_timeout must be 1 ms to 1 hour";
	if (!bad)
		return 0;
	snprintf(why, len, "%s", bad);
	return -EINVAL;
}

void cb_sig_id_format(uint64_t id, char out[CB_SIG_ID_LEN])
{
	snprintf(out, CB_SIG_ID_LEN, "c%" PRIu64, id);
}

uint64_t cb_sig_id_parse(const char *s)
{
	uint64_t v = 0;

	if (s[0] != 'c' || s[1] < '1' || s[1] > '9')
		return 0;
	for (s++; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v;
}

static int fail(struct cb_sig_error *err, enum cb_sig_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct cb_sig_error *err, enum cb_sig_err code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return -1;
}

int cb_sig_room_check(const char *room, size_t len, size_t max_len, struct cb_sig_error *err)
{
	if (len == 0)
		return fail(err, CB_SIG_E_BAD_ROOM, "room name is empty");
	if (len > max_len)
		return fail(err, CB_SIG_E_BAD_ROOM, "room name is %zu bytes, longer than %zu", len,
			    max_len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)room[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return fail(err, CB_SIG_E_BAD_ROOM,
				    "room name has a character other than A-Z a-z 0-9 . _ - "
				    "(byte %zu is 0x%02x)",
				    i, c);
	}
	return 0;
}

/* Parse `text` as one JSON object with a string "type": the object, the
 * type in *type, or NULL with `err` set. */
static json_t *load_object(const char *text, size_t len, size_t max, const char **type,
			   struct cb_sig_error *err)
{
	json_error_t je;
	json_t *root, *t;

	if (max && len > max) {
		fail(err, CB_SIG_E_TOO_BIG, "message of %zu bytes, the limit is %zu", len, max);
		return NULL;
	}
	root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		fail(err, CB_SIG_E_BAD_JSON, "not JSON: %s at byte %d", je.text, je.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		fail(err, CB_SIG_E_NOT_OBJECT, "the message must be a JSON object, not %s",
		     json_is_array(root) ? "an array" : "a scalar");
		json_decref(root);
		return NULL;
	}
	t = json_object_get(root, "type");
	if (!json_is_string(t)) {
		fail(err, CB_SIG_E_BAD_TYPE, "\"type\" is %s", t ? "not a string" : "missing");
		json_decref(root);
		return NULL;
	}
	*type = json_string_value(t);
	return root;
}

/* Copy string field `name` of `o` into out[room]: 0, or -1 with `err`
 * (missing, not a string, too long).  Optional fields absent give 1. */
static int get_str(json_t *o, const char *name, int optional, char *out, size_t room,
		   struct cb_sig_error *err)
{
	json_t *v = json_object_get(o, name);
	size_t n;

	if (!v && optional) {
		out[0] = 0;
		return 1;
	}
	if (!json_is_string(v))
		return fail(err, CB_SIG_E_BAD_FIELD, "\"%s\" is %s", name,
			    v ? "not a string" : "missing");
	n = json_string_length(v);
	if (n >= room || strlen(json_string_value(v)) != n)
		return fail(err, CB_SIG_E_BAD_FIELD, "\"%s\" is longer than %zu bytes", name,
			    room - 1);
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

int cb_sig_parse_request(const char *text, size_t len, const struct cb_sig_limits *lim,
			 struct cb_sig_request *req, struct cb_sig_error *err)
{
	const char *type;
	json_t *root, *v;
	int rc = -1;

	memset(req, 0, sizeof(*req));
	err->code = CB_SIG_OK;
	err->reason[0] = 0;
	root = load_object(text, len, lim->max_message, &type, err);
	if (!root)
		return -1;
	if (strcmp(type, "join") == 0) {
		req->type = CB_SIG_REQ_JOIN;
		v = json_object_get(root, "room");
		if (!json_is_string(v))
			fail(err, CB_SIG_E_BAD_FIELD, "join: \"room\" is %s",
			     v ? "not a string" : "missing");
		else if (cb_sig_room_check(json_string_value(v), json_string_length(v),
					   lim->max_room_name, err) == 0) {
			memcpy(req->room, json_string_value(v), json_string_length(v) + 1);
			rc = 0;
		}
	} else if (strcmp(type, "message") == 0) {
		req->type = CB_SIG_REQ_MESSAGE;
		v = json_object_get(root, "to");
		if (v && !json_is_string(v))
			fail(err, CB_SIG_E_BAD_FIELD, "message: \"to\" is not a string");
		else if (v && (json_string_length(v) >= sizeof(req->to) ||
			       cb_sig_id_parse(json_string_value(v)) == 0))
			fail(err, CB_SIG_E_NO_PEER, "message: \"to\" is not a client id");
		else if (!(req->data = json_object_get(root, "data")))
			fail(err, CB_SIG_E_BAD_FIELD, "message: \"data\" is missing");
		else {
			if (v)
				memcpy(req->to, json_string_value(v), json_string_length(v) + 1);
			json_incref(req->data);
			rc = 0;
		}
	} else if (strcmp(type, "hello") == 0) {
		req->type = CB_SIG_REQ_HELLO;
		v = json_object_get(root, "version");
		if (!json_is_integer(v))
			fail(err, CB_SIG_E_BAD_FIELD, "hello: \"version\" is %s",
			     v ? "not an integer" : "missing");
		else {
			req->version = json_integer_value(v);
			rc = 0;
		}
	} else if (strcmp(type, "leave") == 0) {
		req->type = CB_SIG_REQ_LEAVE;
		rc = 0;
	} else if (strcmp(type, "ping") == 0) {
		req->type = CB_SIG_REQ_PING;
		rc = 0;
	} else {
		char shown[40];

		snprintf(shown, sizeof(shown), "%s", type);
		fail(err, CB_SIG_E_UNKNOWN_TYPE,
		     "unknown type \"%s\" (allowed: hello, join, leave, message, ping)", shown);
	}
	json_decref(root);
	if (rc < 0)
		req->data = NULL;
	return rc;
}

void cb_sig_request_clear(struct cb_sig_request *req)
{
	json_decref(req->data);
	req->data = NULL;
}

/* Compact JSON of `o`, which this takes (decrefs); NULL on ENOMEM. */
static char *dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	json_decref(o);
	if (!s)
		errno = ENOMEM;
	return s;
}

char *cb_sig_build_hello(int version)
{
	return dump(json_pack("{s:s, s:i}", "type", "hello", "version", version));
}

char *cb_sig_build_join(const char *room)
{
	return dump(json_pack("{s:s, s:s}", "type", "join", "room", room));
}

char *cb_sig_build_leave(void)
{
	return dump(json_pack("{s:s}", "type", "leave"));
}

char *cb_sig_build_ping(void)
{
	return dump(json_pack("{s:s}", "type", "ping"));
}

char *cb_sig_build_message(const char *to, const char *data_json)
{
	json_t *data = json_loads(data_json, JSON_DECODE_ANY, NULL), *o;

	if (!data) {
		errno = EINVAL;
		return NULL;
	}
	o = json_pack("{s:s, s:o}", "type", "message", "data", data);
	if (o && to && json_object_set_new(o, "to", json_string(to)) < 0) {
		json_decref(o);
		o = NULL;
	}
	return dump(o);
}

char *cb_sig_build_welcome(uint64_t id, const struct cb_sig_limits *lim)
{
	char sid[CB_SIG_ID_LEN];

	cb_sig_id_format(id, sid);
	return dump(json_pack("{s:s, s:i, s:s, s:{s:I, s:I, s:I, s:f, s:f, s:f, s:f}}", "type",
			      "welcome", "version", CB_SIG_VERSION, "id", sid, "limits",
			      "max_message", (json_int_t)lim->max_message, "max_room_name",
			      (json_int_t)lim->max_room_name, "max_room", (json_int_t)lim->max_room,
			      "rate", lim->rate, "burst", lim->burst, "ping_interval_s",
			      (double)lim->ping_interval / CB_NS_PER_S, "ping_timeout_s",
			      (double)lim->ping_timeout / CB_NS_PER_S));
}

char *cb_sig_build_joined(const char *room, uint64_t id, const uint64_t *peers, size_t n)
{
	char sid[CB_SIG_ID_LEN];
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		cb_sig_id_format(peers[i], sid);
		if (json_array_append_new(arr, json_string(sid)) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr) {
		errno = ENOMEM;
		return NULL;
	}
	cb_sig_id_format(id, sid);
	return dump(json_pack("{s:s, s:s, s:s, s:o}", "type", "joined", "room", room, "id", sid,
			      "peers", arr));
}

char *cb_sig_build_peer(const char *type, const char *room, uint64_t id, const char *why)
{
	char sid[CB_SIG_ID_LEN];
	json_t *o;

	cb_sig_id_format(id, sid);
	o = json_pack("{s:s, s:s, s:s}", "type", type, "room", room, "id", sid);
	if (o && why && json_object_set_new(o, "reason", json_string(why)) < 0) {
		json_decref(o);
		o = NULL;
	}
	return dump(o);
}

char *cb_sig_build_full(const char *room)
{
	return dump(json_pack("{s:s, s:s}", "type", "full", "room", room));
}

char *cb_sig_build_left(const char *room)
{
	return dump(json_pack("{s:s, s:s}", "type", "left", "room", room));
}

char *cb_sig_build_relay(const char *room, uint64_t from, void *data)
{
	char sid[CB_SIG_ID_LEN];

	cb_sig_id_format(from, sid);
	return dump(json_pack("{s:s, s:s, s:s, s:O}", "type", "message", "room", room, "from", sid,
			      "data", (json_t *)data));
}

char *cb_sig_build_error(enum cb_sig_err code, const char *reason)
{
	/* A reason from outside bytes may hold invalid UTF-8: json_string
	 * refuses that, so fall back to the code's plain description. */
	json_t *r = json_string(reason);

	if (!r)
		r = json_string("(reason not UTF-8)");
	return dump(json_pack("{s:s, s:s, s:o}", "type", "error", "code", cb_sig_err_name(code),
			      "reason", r));
}

char *cb_sig_build_pong(void)
{
	return dump(json_pack("{s:s}", "type", "pong"));
}

static enum cb_sig_ev_type ev_from_name(const char *s)
{
	for (int i = 0; i < CB_SIG_EV_CLOSED; i++)
		if (strcmp(ev_names[i], s) == 0)
			return (enum cb_sig_ev_type)i;
	return CB_SIG_EV_COUNT;
}

static int parse_peers(json_t *root, struct cb_sig_event *ev, struct cb_sig_error *err)
{
	json_t *arr = json_object_get(root, "peers"), *v;
	size_t i;

	if (!json_is_array(arr))
		return fail(err, CB_SIG_E_BAD_FIELD, "joined: \"peers\" is %s",
			    arr ? "not an array" : "missing");
	ev->n_peers = json_array_size(arr);
	if (ev->n_peers == 0)
		return 0;
	ev->peers = calloc(ev->n_peers, sizeof(*ev->peers));
	if (!ev->peers)
		return -ENOMEM;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) >= CB_SIG_ID_LEN)
			return fail(err, CB_SIG_E_BAD_FIELD,
				    "joined: \"peers\"[%zu] is not a client id", i);
		memcpy(ev->peers[i], json_string_value(v), json_string_length(v) + 1);
	}
	return 0;
}

int cb_sig_parse_event(const char *text, size_t len, struct cb_sig_event *ev,
		       struct cb_sig_error *err)
{
	const char *type;
	json_t *root, *v;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	err->code = CB_SIG_OK;
	err->reason[0] = 0;
	root = load_object(text, len, 0, &type, err);
	if (!root)
		return -1;
	ev->type = ev_from_name(type);
	switch (ev->type) {
	case CB_SIG_EV_WELCOME:
		v = json_object_get(root, "version");
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 1000000)
			rc = fail(err, CB_SIG_E_BAD_FIELD, "welcome: \"version\" is not a version");
		else
			ev->version = (int)json_integer_value(v);
		if (rc == 0)
			rc = get_str(root, "id", 0, ev->id, sizeof(ev->id), err);
		break;
	case CB_SIG_EV_JOINED:
		rc = get_str(root, "room", 0, ev->room, sizeof(ev->room), err);
		if (rc == 0)
			rc = get_str(root, "id", 0, ev->id, sizeof(ev->id), err);
		if (rc == 0)
			rc = parse_peers(root, ev, err);
		break;
	case CB_SIG_EV_PEER_JOINED:
	case CB_SIG_EV_PEER_LEFT:
		rc = get_str(root, "room", 0, ev->room, sizeof(ev->room), err);
		if (rc == 0)
			rc = get_str(root, "id", 0, ev->id, sizeof(ev->id), err);
		if (rc == 0)
			rc = get_str(root, "reason", 1, ev->reason, sizeof(ev->reason), err) < 0
				 ? -1
				 : 0;
		break;
	case CB_SIG_EV_FULL:
	case CB_SIG_EV_LEFT:
		rc = get_str(root, "room", 0, ev->room, sizeof(ev->room), err);
		break;
	case CB_SIG_EV_MESSAGE:
		rc = get_str(root, "from", 0, ev->id, sizeof(ev->id), err);
		if (rc == 0)
			rc = get_str(root, "room", 1, ev->room, sizeof(ev->room), err) < 0 ? -1 : 0;
		if (rc == 0 && !(v = json_object_get(root, "data")))
			rc = fail(err, CB_SIG_E_BAD_FIELD, "message: \"data\" is missing");
		if (rc == 0 && !(ev->data = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
			rc = -ENOMEM;
		break;
	case CB_SIG_EV_ERROR:
		rc = get_str(root, "code", 0, ev->code, sizeof(ev->code), err);
		if (rc == 0)
			rc = get_str(root, "reason", 0, ev->reason, sizeof(ev->reason), err);
		break;
	case CB_SIG_EV_PONG:
		break;
	default:
		rc = fail(err, CB_SIG_E_UNKNOWN_TYPE, "unknown event type");
		break;
	}
	json_decref(root);
	if (rc != 0)
		cb_sig_event_clear(ev);
	return rc;
}

void cb_sig_event_clear(struct cb_sig_event *ev)
{
	free(ev->peers);
	free(ev->data);
	ev->peers = NULL;
	ev->data = NULL;
	ev->n_peers = 0;
}
