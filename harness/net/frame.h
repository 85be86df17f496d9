/*
 * frame.h — Ethernet II / IPv4 / UDP frames, built and parsed by hand.
 *
 * Transports that bypass the kernel's socket layer (AF_XDP) must put the
 * headers around each packet themselves.  These are pure functions with the
 * libsrtp buffer contract, so they can be tested and fuzzed without root:
 * `*out_len` carries the room in `out` on entry and the bytes written on
 * return; too little room is CB_E_NOSPACE, never an overflow.
 *
 * Built frames carry no VLAN tag and no IP options: IHL 5, TTL 64, DF set,
 * the caller's IP identification, a correct IPv4 header checksum and a
 * correct UDP checksum over the pseudo-header, so tcpdump and tshark decode
 * them as ordinary UDP.
 */
#ifndef CB_NET_FRAME_H
#define CB_NET_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define CB_FRAME_ETH_LEN 14
#define CB_FRAME_IP_LEN	 20
#define CB_FRAME_UDP_LEN 8
/** Bytes of headers around the UDP payload in a built frame (42). */
#define CB_FRAME_HDR_LEN (CB_FRAME_ETH_LEN + CB_FRAME_IP_LEN + CB_FRAME_UDP_LEN)

/** Both ends of a UDP flow as it appears on the wire. */
struct cb_frame_addr {
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip;     /**< host byte order */
	uint16_t src_port, dst_port; /**< host byte order */
};

/**
 * Build one frame from `src` to `dst` around the UDP payload `in`.
 * Returns 0, CB_E_NOSPACE if `*out_len` is below in_len + CB_FRAME_HDR_LEN,
 * -EMSGSIZE if the payload does not fit one IPv4 datagram, -EINVAL on NULL.
 */
int cb_frame_build_udp(const struct cb_frame_addr *fa, uint16_t ip_id, const uint8_t *in,
		       size_t in_len, uint8_t *out, size_t *out_len);

/**
 * Check one received frame and copy its UDP payload into `out`.
 *
 * `fa` is the flow as the frame should carry it (src = the peer,
 * dst = this end); only the destination fields are checked, and the source
 * fields are ignored.  A frame is accepted when its destination MAC, IPv4
 * destination and UDP destination port match, it is not a fragment, and
 * every length and checksum is right (a zero UDP checksum means "none", as
 * RFC 768 allows).  Ethernet padding after the IP datagram is ignored.
 *
 * Returns 0 with the payload in `out` and its length in `*out_len`, or:
 * CB_E_UNSUPPORTED for a frame that is not IPv4/UDP (ARP, IPv6, VLAN,
 * fragments), CB_E_NOTFOUND for IPv4/UDP addressed elsewhere, CB_E_BADPKT
 * for a malformed frame or a wrong checksum, CB_E_NOSPACE if the payload
 * does not fit in `*out_len` (nothing is copied), -EINVAL on NULL.
 */
int cb_frame_parse_udp(const struct cb_frame_addr *fa, const uint8_t *in, size_t in_len,
		       uint8_t *out, size_t *out_len);

#endif
