/*
 * addr.h — a transport end's address: IPv4 or IPv6 with a port, written and
 * read as "HOST:PORT" ("127.0.0.1:40122", "[::1]:40122").  Numeric hosts
 * only: an address comes from a session description or the command line,
 * and a call never waits on a name lookup.
 */
#ifndef CB_NET_ADDR_H
#define CB_NET_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cb_net_addr {
	struct sockaddr_storage ss; /**< AF_INET or AF_INET6; AF_UNSPEC when unset */
	socklen_t len;
};

/* "127.0.0.1:0" and "[::1]:0" are the longest forms plus room. */
#define CB_NET_ADDR_STRLEN 64

/**
 * Parse "A.B.C.D:PORT" or "[IPv6]:PORT" (PORT 0..65535, decimal).  0, or
 * -EINVAL with `why` (may be NULL) saying what is wrong.
 */
int cb_net_addr_parse(const char *s, struct cb_net_addr *out, char *why, size_t why_len);
/** An address from a numeric host (no brackets) and a port. 0 or -EINVAL. */
int cb_net_addr_from(const char *host, uint16_t port, struct cb_net_addr *out);
/** "HOST:PORT" into buf (IPv6 in brackets); "-" for an unset address. */
void cb_net_addr_format(const struct cb_net_addr *a, char *buf, size_t len);
/** The host alone, numeric, without brackets ("" for an unset address). */
void cb_net_addr_host(const struct cb_net_addr *a, char *buf, size_t len);
/** The port, host byte order (0 when unset). */
uint16_t cb_net_addr_port(const struct cb_net_addr *a);
/** The address family (AF_INET, AF_INET6, or AF_UNSPEC). */
int cb_net_addr_family(const struct cb_net_addr *a);
/** Same family, host and port. */
int cb_net_addr_equal(const struct cb_net_addr *a, const struct cb_net_addr *b);

#endif
