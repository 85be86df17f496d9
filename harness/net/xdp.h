/*
 * xdp.h — what the "xdp" transport counts.
 *
 * The transport itself is reached through the registry
 * (cb_transport_find("xdp"), see transport.h).  It builds and parses the
 * Ethernet/IPv4/UDP frames itself, so it drops what is not a packet of the
 * call (ARP, IPv6, damaged frames) and counts it here.
 */
#ifndef CB_NET_XDP_H
#define CB_NET_XDP_H

#include <stdint.h>

#include "net/transport.h"

struct cb_xdp_stats {
	uint64_t rx_frames;    /**< frames taken off the RX ring */
	uint64_t rx_packets;   /**< UDP payloads handed to the caller */
	uint64_t rx_truncated; /**< payloads too big for the caller's buffer, handed over empty */
	uint64_t rx_other;     /**< not IPv4/UDP (ARP, IPv6, VLAN, fragments): dropped */
	uint64_t rx_not_ours;  /**< IPv4/UDP for another MAC, address or port: dropped */
	uint64_t rx_bad;       /**< malformed, or a wrong length or checksum: dropped */
	uint64_t tx_packets;   /**< frames handed to the kernel */
	uint64_t tx_kicks;     /**< sendto() calls that woke the kernel's TX path */
	uint64_t tx_waits;     /**< times send had to wait for a free TX frame */
	uint64_t kern_rx_dropped;   /**< XDP_STATISTICS: dropped by the kernel for other reasons */
	uint64_t kern_rx_ring_full; /**< XDP_STATISTICS: dropped because the RX ring was full */
	uint64_t kern_rx_invalid;   /**< XDP_STATISTICS: invalid RX descriptors */
	uint64_t kern_tx_invalid;   /**< XDP_STATISTICS: invalid TX descriptors */
	uint64_t kern_fill_empty;   /**< XDP_STATISTICS: fill ring was empty */
};

/**
 * Counters of one end of an open "xdp" transport.  Any thread may ask.
 * -EINVAL if `t` is not an open xdp end.
 */
int cb_xdp_get_stats(const struct cb_transport *t, struct cb_xdp_stats *st);

#endif
