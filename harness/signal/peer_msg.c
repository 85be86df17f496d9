/*
 * peer_msg.c — the call messages two peers exchange through a room
 * (peer_msg.h), read and written with jansson.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "signal/peer_msg.h"

static const char *const names[] = {"offer", "answer", "bye"};

const char *cb_peer_msg_type_name(enum cb_peer_msg_type t)
{
	return t < CB_PEER_MSG_OTHER ? names[t] : "other";
}

/* `src` cut to fit `room` at a character's start (UTF-8 stays whole). */
static void copy_utf8(char *dst, size_t room, const char *src)
{
	size_t n = strlen(src);

	if (n >= room) {
		n = room - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void cb_peer_msg_clear(struct cb_peer_msg *m)
{
	free(m->sdp);
	memset(m, 0, sizeof(*m));
}

int cb_peer_msg_parse(const char *json, size_t len, struct cb_peer_msg *m, char *why,
		      size_t why_len)
{
	json_error_t err;
	json_t *root, *type, *sdp, *reason;
	const char *t;
	int rc = CB_E_FORMAT;

	memset(m, 0, sizeof(*m));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		snprintf(why, why_len, "not JSON (at byte %d: %s)", err.position, err.text);
		return CB_E_FORMAT;
	}
	if (!json_is_object(root)) {
		snprintf(why, why_len, "not a JSON object");
		goto out;
	}
	type = json_object_get(root, "type");
	if (!json_is_string(type) || !json_string_length(type)) {
		snprintf(why, why_len, "no string \"type\"");
		goto out;
	}
	t = json_string_value(type);
	copy_utf8(m->name, sizeof(m->name), t);
	m->type = CB_PEER_MSG_OTHER;
	for (int i = 0; i < CB_PEER_MSG_OTHER; i++)
		if (json_string_length(type) == strlen(names[i]) && !strcmp(t, names[i]))
			m->type = (enum cb_peer_msg_type)i;
	if (m->type == CB_PEER_MSG_OFFER || m->type == CB_PEER_MSG_ANSWER) {
		size_t n;

		sdp = json_object_get(root, "sdp");
		if (!json_is_string(sdp)) {
			snprintf(why, why_len, "an %s without a string \"sdp\"", names[m->type]);
			goto out;
		}
		n = json_string_length(sdp);
		if (n == 0 || n > CB_PEER_MSG_SDP_MAX || memchr(json_string_value(sdp), 0, n)) {
			snprintf(why, why_len, "the %s's \"sdp\" is %s", names[m->type],
				 n == 0			   ? "empty"
				 : n > CB_PEER_MSG_SDP_MAX ? "longer than an SDP may be"
							   : "not text (it holds a NUL)");
			goto out;
		}
		m->sdp = malloc(n + 1);
		if (!m->sdp) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(m->sdp, json_string_value(sdp), n + 1);
		m->sdp_len = n;
	} else if (m->type == CB_PEER_MSG_BYE) {
		reason = json_object_get(root, "reason");
		if (reason && !json_is_string(reason)) {
			snprintf(why, why_len, "a bye whose \"reason\" is not a string");
			goto out;
		}
		if (reason)
			copy_utf8(m->reason, sizeof(m->reason), json_string_value(reason));
	}
	rc = 0;
out:
	json_decref(root);
	if (rc < 0)
		cb_peer_msg_clear(m);
	return rc;
}

char *cb_peer_msg_build(enum cb_peer_msg_type t, const char *text)
{
	json_t *o;
	char *s;

	if (t == CB_PEER_MSG_OFFER || t == CB_PEER_MSG_ANSWER)
		o = text ? json_pack("{s:s, s:s}", "type", names[t], "sdp", text) : NULL;
	else if (t == CB_PEER_MSG_BYE)
		o = text ? json_pack("{s:s, s:s}", "type", "bye", "reason", text)
			 : json_pack("{s:s}", "type", "bye");
	else
		o = NULL;
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}
