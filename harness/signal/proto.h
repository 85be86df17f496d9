/*
 * proto.h — the signaling protocol's messages (harness/signal/PROTOCOL.md):
 * JSON text objects with a "type", parsed and built here and nowhere else.
 *
 * Parsers check everything a peer can get wrong (not JSON, not an object,
 * no type, an unknown type, a missing or mistyped field, a bad room name, a
 * message over the size limit) and answer with one of the protocol's error
 * codes and a reason a person can read.  Builders return a malloc'd,
 * NUL-terminated compact JSON text that the caller frees.
 */
#ifndef CB_SIGNAL_PROTO_H
#define CB_SIGNAL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"

/** The protocol version this build speaks (welcome.version, hello.version). */
#define CB_SIG_VERSION 1
/** The WebSocket subprotocol name (optional for clients: it is the default). */
#define CB_SIG_SUBPROTOCOL "callbench-signal"

/** Room names are at most this long whatever the configured limit. */
#define CB_SIG_ROOM_MAX 256
/** Room for a client id ("c" and up to 20 digits) and its NUL. */
#define CB_SIG_ID_LEN 24

/*
 * The error codes of `error {code, reason}`: enum name, wire name, what it
 * means.  Written once; generates the enum and cb_sig_err_name().
 */
#define CB_SIG_ERR_MAP(XX)                                                                         \
	XX(BAD_JSON, "bad-json", "not valid JSON text")                                            \
	XX(NOT_OBJECT, "not-object", "the message is not a JSON object")                           \
	XX(BAD_TYPE, "bad-type", "\"type\" missing or not a string")                               \
	XX(UNKNOWN_TYPE, "unknown-type", "no such message type")                                   \
	XX(BAD_FIELD, "bad-field", "a field is missing or of the wrong kind")                      \
	XX(BAD_ROOM, "bad-room", "room name empty, too long or with a character not allowed")      \
	XX(TOO_BIG, "too-big", "message larger than the limit")                                    \
	XX(BINARY, "binary", "a binary frame; the protocol is text")                               \
	XX(RATE, "rate-limited", "more messages than the rate limit allows")                       \
	XX(NOT_JOINED, "not-joined", "the message needs a room and the client is in none")         \
	XX(ALREADY_JOINED, "already-joined", "the client is in a room already")                    \
	XX(NO_PEER, "no-such-peer", "\"to\" names no other client of the room")                    \
	XX(TOO_MANY_ROOMS, "too-many-rooms", "the server holds as many rooms as it may")           \
	XX(SERVER_FULL, "server-full", "the server holds as many clients as it may")               \
	XX(VERSION, "bad-version", "a protocol version this server does not speak")

enum cb_sig_err {
	CB_SIG_OK = 0,
#define XX(name, wire, what) CB_SIG_E_##name,
	CB_SIG_ERR_MAP(XX)
#undef XX
	    CB_SIG_E_COUNT
};

/** The wire name ("bad-json"...), or "ok" for CB_SIG_OK; never NULL. */
const char *cb_sig_err_name(enum cb_sig_err e);
/** The code of a wire name, or CB_SIG_E_COUNT when it is none of ours. */
enum cb_sig_err cb_sig_err_from_name(const char *name);

/** A refused message: its code and why, for `error {code, reason}`. */
struct cb_sig_error {
	enum cb_sig_err code;
	char reason[160];
};

/**
 * The server's limits.  Every one is checked by cb_sig_limits_check();
 * cb_sig_limits_default() gives the documented defaults.
 */
struct cb_sig_limits {
	size_t max_message;   /**< bytes of one message (64 KiB) */
	size_t max_room_name; /**< bytes of a room name, 1..CB_SIG_ROOM_MAX (64) */
	unsigned max_room;    /**< clients per room (2) */
	unsigned max_rooms;   /**< rooms per server (1000) */
	unsigned max_clients; /**< clients per server, in rooms or not (4096) */
	double rate;	      /**< messages per second a client may keep up (20) */
	double burst;	      /**< messages a client may send at once (40) */
	unsigned max_strikes; /**< errors in a row before the client is closed (10);
				 one is forgiven per second */
	cb_ns ping_interval;  /**< silence before the server pings a client (10 s) */
	cb_ns ping_timeout;   /**< no answer to a ping for this long: removed (10 s) */
};

void cb_sig_limits_default(struct cb_sig_limits *lim);
/** 0, or -EINVAL with `why` naming the limit that is out of range. */
int cb_sig_limits_check(const struct cb_sig_limits *lim, char *why, size_t len);

/* ---- client -> server ---- */

enum cb_sig_req_type {
	CB_SIG_REQ_HELLO,
	CB_SIG_REQ_JOIN,
	CB_SIG_REQ_LEAVE,
	CB_SIG_REQ_MESSAGE,
	CB_SIG_REQ_PING
};

struct cb_sig_request {
	enum cb_sig_req_type type;
	long long version;		/**< hello */
	char room[CB_SIG_ROOM_MAX + 1]; /**< join */
	char to[CB_SIG_ID_LEN];		/**< message: "" for every other peer */
	void *data;			/**< message: the json_t to relay (owned) */
};

/**
 * Parse one client message of `len` bytes (need not be NUL-terminated)
 * against `lim` (max_message, max_room_name).  0 with `req` filled (free
 * with cb_sig_request_clear), or -1 with `err` set and nothing to free;
 * -ENOMEM when memory ran out.
 */
int cb_sig_parse_request(const char *text, size_t len, const struct cb_sig_limits *lim,
			 struct cb_sig_request *req, struct cb_sig_error *err);
void cb_sig_request_clear(struct cb_sig_request *req);

/**
 * Is `room` (`len` bytes) a valid name: 1..max_len bytes of A-Z a-z 0-9 and
 * "._-"?  0, or -1 with `err` saying what is wrong.
 */
int cb_sig_room_check(const char *room, size_t len, size_t max_len, struct cb_sig_error *err);

/* The client's messages.  `to` may be NULL (every other peer); `data_json`
 * must be JSON text (-EINVAL otherwise, as a NULL return with errno set). */
char *cb_sig_build_hello(int version);
char *cb_sig_build_join(const char *room);
char *cb_sig_build_leave(void);
char *cb_sig_build_ping(void);
char *cb_sig_build_message(const char *to, const char *data_json);

/* ---- server -> client ---- */

enum cb_sig_ev_type {
	CB_SIG_EV_WELCOME,
	CB_SIG_EV_JOINED,
	CB_SIG_EV_PEER_JOINED,
	CB_SIG_EV_FULL,
	CB_SIG_EV_LEFT,
	CB_SIG_EV_PEER_LEFT,
	CB_SIG_EV_MESSAGE,
	CB_SIG_EV_ERROR,
	CB_SIG_EV_PONG,
	CB_SIG_EV_CLOSED, /**< not a message: the connection ended (client.h) */
	CB_SIG_EV_COUNT
};

/** "welcome", "joined"... */
const char *cb_sig_ev_name(enum cb_sig_ev_type t);

/** One event as a client receives it.  Free with cb_sig_event_clear(). */
struct cb_sig_event {
	enum cb_sig_ev_type type;
	int version;			/**< welcome */
	char room[CB_SIG_ROOM_MAX + 1]; /**< joined, peer-joined, full, left, peer-left, message */
	char id[CB_SIG_ID_LEN]; /**< welcome, joined: own id; peer-*: the peer; message: from */
	char code[32];		/**< error: the wire code ("bad-json"...) */
	char reason[160];	/**< error, closed; peer-left: why (left, closed, timeout...) */
	int close_code;		/**< closed: the WebSocket close code, 0 if none */
	size_t n_peers;		/**< joined: the others already in the room */
	char (*peers)[CB_SIG_ID_LEN]; /**< joined (owned) */
	char *data;		      /**< message: the data as compact JSON text (owned) */
};

/**
 * Parse one server message.  0 with `ev` filled, or -1 with `err` set
 * (`ev` then holds nothing to free), -ENOMEM when memory ran out.
 */
int cb_sig_parse_event(const char *text, size_t len, struct cb_sig_event *ev,
		       struct cb_sig_error *err);
void cb_sig_event_clear(struct cb_sig_event *ev);

/* The server's messages (ids are "c<number>", cb_sig_id_format). */
char *cb_sig_build_welcome(uint64_t id, const struct cb_sig_limits *lim);
char *cb_sig_build_joined(const char *room, uint64_t id, const uint64_t *peers, size_t n);
char *cb_sig_build_peer(const char *type, const char *room, uint64_t id, const char *why);
char *cb_sig_build_full(const char *room);
char *cb_sig_build_left(const char *room);
char *cb_sig_build_relay(const char *room, uint64_t from, void *data);
char *cb_sig_build_error(enum cb_sig_err code, const char *reason);
char *cb_sig_build_pong(void);

/** "c17" for 17. */
void cb_sig_id_format(uint64_t id, char out[CB_SIG_ID_LEN]);
/** The number of "c17", or 0 when `s` is not an id (0 is never given). */
uint64_t cb_sig_id_parse(const char *s);

#endif
