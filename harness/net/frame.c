/*
 * frame.c — Ethernet II / IPv4 / UDP frames for transports that bypass the
 * kernel's socket layer.
 *
 * Header fields are written and read byte by byte in network order, so the
 * code does not depend on the host's byte order or on the alignment of the
 * caller's buffer (an AF_XDP frame starts wherever the ring says).
 */
#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "base/error.h"
#include "net/frame.h"

#define ETHERTYPE_IPV4 0x0800
#define IPPROTO_UDP_   17
#define IP_DF	       0x4000
#define IP_MF	       0x2000
#define IP_OFFMASK     0x1fff

/*
 * The one's-complement sum is independent of byte order (RFC 1071 §2(B)),
 * so words are loaded in the host's order four bytes at a time and the
 * folded result is stored back in the host's order, which puts the right
 * bytes on the wire.  Every call must start at an even offset of the summed
 * data; the callers sum whole headers and the payload that follows them.
 */
static uint64_t csum_partial(const uint8_t *p, size_t len, uint64_t sum)
{
	uint32_t w32;
	uint16_t w16;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w32, p, 4);
		sum += w32;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		sum += w16;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* An odd last byte is the high byte of a word padded with zero. */
		uint8_t last[2] = {p[0], 0};

		memcpy(&w16, last, 2);
		sum += w16;
	}
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The UDP pseudo-header (RFC 768) as wire bytes, summed like the rest. */
static uint64_t csum_pseudo(const uint8_t *ip, uint16_t udp_len)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8); /* source and destination address */
	ph[8] = 0;
	ph[9] = IPPROTO_UDP_;
	cb_put16(ph + 10, udp_len);
	return csum_partial(ph, sizeof(ph), 0);
}

int cb_frame_build_udp(const struct cb_frame_addr *fa, uint16_t ip_id, const uint8_t *in,
		       size_t in_len, uint8_t *out, size_t *out_len)
{
	uint8_t *eth = out, *ip = out + CB_FRAME_ETH_LEN, *udp = ip + CB_FRAME_IP_LEN;
	size_t total = in_len + CB_FRAME_HDR_LEN;
	uint16_t csum;

	if (!fa || (!in && in_len) || !out || !out_len)
		return -EINVAL;
	if (in_len > 65535 - CB_FRAME_IP_LEN - CB_FRAME_UDP_LEN)
		return -EMSGSIZE;
	if (*out_len < total)
		return CB_E_NOSPACE;

	memcpy(eth, fa->dst_mac, 6);
	memcpy(eth + 6, fa->src_mac, 6);
	cb_put16(eth + 12, ETHERTYPE_IPV4);

	ip[0] = 0x45; /* version 4, IHL 5 */
	ip[1] = 0;    /* DSCP/ECN: best effort */
	cb_put16(ip + 2, (uint16_t)(in_len + CB_FRAME_IP_LEN + CB_FRAME_UDP_LEN));
	cb_put16(ip + 4, ip_id);
	cb_put16(ip + 6, IP_DF);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP_;
	cb_put16(ip + 10, 0);
	cb_put32(ip + 12, fa->src_ip);
	cb_put32(ip + 16, fa->dst_ip);
	csum = (uint16_t)~csum_fold(csum_partial(ip, CB_FRAME_IP_LEN, 0));
	memcpy(ip + 10, &csum, 2);

	cb_put16(udp, fa->src_port);
	cb_put16(udp + 2, fa->dst_port);
	cb_put16(udp + 4, (uint16_t)(in_len + CB_FRAME_UDP_LEN));
	cb_put16(udp + 6, 0);
	if (in_len)
		memcpy(udp + CB_FRAME_UDP_LEN, in, in_len);
	csum = (uint16_t)~csum_fold(
	    csum_partial(udp, in_len + CB_FRAME_UDP_LEN,
			 csum_pseudo(ip, (uint16_t)(in_len + CB_FRAME_UDP_LEN))));
	/* A computed zero is sent as all ones: zero means "no checksum". */
	if (csum == 0)
		csum = 0xffff;
	memcpy(udp + 6, &csum, 2);

	*out_len = total;
	return 0;
}

int cb_frame_parse_udp(const struct cb_frame_addr *fa, const uint8_t *in, size_t in_len,
		       uint8_t *out, size_t *out_len)
{
	const uint8_t *ip, *udp;
	size_t ihl, ip_len, udp_len, pay_len;

	if (!fa || !in || !out_len || (!out && *out_len))
		return -EINVAL;
	if (in_len < CB_FRAME_ETH_LEN)
		return CB_E_BADPKT;
	/* ARP, IPv6 neighbour discovery and VLAN-tagged frames are simply not
	 * ours; they are told apart from damage so they can be counted apart. */
	if (cb_get16(in + 12) != ETHERTYPE_IPV4)
		return CB_E_UNSUPPORTED;
	ip = in + CB_FRAME_ETH_LEN;
	if (in_len < CB_FRAME_ETH_LEN + CB_FRAME_IP_LEN || ip[0] >> 4 != 4)
		return CB_E_BADPKT;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	ip_len = cb_get16(ip + 2);
	if (ihl < CB_FRAME_IP_LEN || ip_len < ihl || CB_FRAME_ETH_LEN + ip_len > in_len)
		return CB_E_BADPKT;
	if (csum_fold(csum_partial(ip, ihl, 0)) != 0xffff)
		return CB_E_BADPKT;
	if (ip[9] != IPPROTO_UDP_ || (cb_get16(ip + 6) & (IP_MF | IP_OFFMASK)))
		return CB_E_UNSUPPORTED;
	udp = ip + ihl;
	if (ip_len - ihl < CB_FRAME_UDP_LEN)
		return CB_E_BADPKT;
	udp_len = cb_get16(udp + 4);
	if (udp_len < CB_FRAME_UDP_LEN || udp_len > ip_len - ihl)
		return CB_E_BADPKT;
	if (memcmp(in, fa->dst_mac, 6) != 0 || cb_get32(ip + 16) != fa->dst_ip ||
	    cb_get16(udp + 2) != fa->dst_port)
		return CB_E_NOTFOUND;
	if ((udp[6] | udp[7]) &&
	    csum_fold(csum_partial(udp, udp_len, csum_pseudo(ip, (uint16_t)udp_len))) != 0xffff)
		return CB_E_BADPKT;
	pay_len = udp_len - CB_FRAME_UDP_LEN;
	if (*out_len < pay_len)
		return CB_E_NOSPACE;
	if (pay_len)
		memcpy(out, udp + CB_FRAME_UDP_LEN, pay_len);
	*out_len = pay_len;
	return 0;
}
