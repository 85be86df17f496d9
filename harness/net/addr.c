/*
 * addr.c — numeric IPv4/IPv6 addresses with a port (see addr.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"

static int fail(char *why, size_t len, const char *s, const char *what)
{
	if (why && len)
		snprintf(why, len, "'%.80s': %s", s, what);
	return -EINVAL;
}

static int parse_port(const char *p, uint16_t *port)
{
	unsigned long v = 0;

	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int cb_net_addr_from(const char *host, uint16_t port, struct cb_net_addr *out)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		out->len = sizeof(*v4);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		out->len = sizeof(*v6);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int cb_net_addr_parse(const char *s, struct cb_net_addr *out, char *why, size_t why_len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hs, *he;
	uint16_t port;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		hs = s + 1;
		he = strchr(hs, ']');
		if (!he)
			return fail(why, why_len, s, "an IPv6 address needs its closing ']'");
		if (he[1] != ':')
			return fail(why, why_len, s, "expected ':PORT' after ']'");
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return fail(why, why_len, s, "expected HOST:PORT");
		if (memchr(s, ':', (size_t)(colon - s)))
			return fail(why, why_len, s,
				    "an IPv6 address goes in brackets: [HOST]:PORT");
		hs = s;
		he = colon;
	}
	if (he == hs)
		return fail(why, why_len, s, "the host is empty");
	if ((size_t)(he - hs) >= sizeof(host))
		return fail(why, why_len, s, "the host is too long");
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (parse_port(colon + 1, &port) < 0)
		return fail(why, why_len, s, "the port must be a number 0..65535");
	if (cb_net_addr_from(host, port, out) < 0 ||
	    (s[0] == '[') != (cb_net_addr_family(out) == AF_INET6)) {
		memset(out, 0, sizeof(*out));
		return fail(why, why_len, s,
			    "the host is not a numeric IPv4 or IPv6 address (names are not "
			    "looked up)");
	}
	return 0;
}

int cb_net_addr_family(const struct cb_net_addr *a)
{
	return a && a->len ? a->ss.ss_family : AF_UNSPEC;
}

uint16_t cb_net_addr_port(const struct cb_net_addr *a)
{
	switch (cb_net_addr_family(a)) {
	case AF_INET:
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	case AF_INET6:
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	default:
		return 0;
	}
}

void cb_net_addr_host(const struct cb_net_addr *a, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN] = "";

	if (cb_net_addr_family(a) == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, h, sizeof(h));
	else if (cb_net_addr_family(a) == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, h,
			  sizeof(h));
	snprintf(buf, len, "%s", h);
}

void cb_net_addr_format(const struct cb_net_addr *a, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN];

	cb_net_addr_host(a, h, sizeof(h));
	if (cb_net_addr_family(a) == AF_INET)
		snprintf(buf, len, "%s:%u", h, cb_net_addr_port(a));
	else if (cb_net_addr_family(a) == AF_INET6)
		snprintf(buf, len, "[%s]:%u", h, cb_net_addr_port(a));
	else
		snprintf(buf, len, "-");
}

int cb_net_addr_equal(const struct cb_net_addr *a, const struct cb_net_addr *b)
{
	int f = cb_net_addr_family(a);

	if (f != cb_net_addr_family(b) || cb_net_addr_port(a) != cb_net_addr_port(b))
		return 0;
	if (f == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&b->ss)->sin_addr.s_addr;
	if (f == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			       &((const struct sockaddr_in6 *)&b->ss)->sin6_addr,
			       sizeof(struct in6_addr));
	return f == AF_UNSPEC;
}
