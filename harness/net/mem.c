/*
 * mem.c — the "mem" transport: two lock-free single-producer/single-consumer
 * rings between the two ends, no system call on the data path.
 *
 * Both rings live in one mmap(MAP_SHARED | MAP_ANONYMOUS) region, so that a
 * peer made by fork() after open_pair could keep using its end unchanged:
 * the region holds no pointers, only indices and bytes.  Layout (every
 * block starts on its own 64-byte cache line):
 *
 *   offset 0         struct mem_region header: magic, slot count and size,
 *                    reference count (one per open end)
 *   ring[0]          a -> b
 *     +0               head: next slot the producer fills (written by a)
 *     +64              tail: next slot the consumer empties (written by b)
 *     +128             sleeping: the consumer is (about to be) asleep on head
 *     +192             1024 slots of MEM_SLOT_BYTES: a 4-byte length, padding
 *                      to 64 bytes, then CB_NET_MAX_PKT bytes of packet
 *   ring[1]          b -> a, the same shape
 *
 * head and tail run freely as 32-bit counters; the slot is index % 1024 and
 * head - tail (in unsigned arithmetic) is the fill level.  The producer
 * publishes a slot by storing head with release order after copying the
 * bytes in, and the consumer reads head with acquire order before copying
 * them out; tail works the same way in the other direction, so a slot is
 * never reused while it is being read.  Each end keeps a private copy of the
 * other side's index and only rereads the shared one when its copy says the
 * ring is full (or empty), so the hot path touches the peer's cache line
 * once per batch, not once per packet.
 *
 * A receiver with nothing to take spins for MEM_SPIN_NS, then sleeps on
 * the ring's head with a futex until the producer moves it or the timeout
 * passes: an idle end takes no core from the encoders of a real call, and
 * a wait for the next deadline is one system call, not a loop.  The two
 * sides meet as in Dekker's algorithm, both with sequentially consistent
 * order: the consumer stores sleeping = 1 and then reads head; the
 * producer stores head and then reads sleeping, and wakes the futex if it
 * is set.  One of them sees the other's store, so a packet is never left
 * waiting for the timeout; the futex call itself rechecks head, so a wake
 * that comes before the sleep is not lost either.  The producer makes a
 * system call only while the consumer sleeps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "net/transport.h"

#define MEM_SLOTS      1024u
#define MEM_CACHE_LINE 64
#define MEM_MAGIC      0x6362726eu /* "cbrn" */

/*
 * A waiting receiver spins this long before it sleeps on the ring (see
 * above): while packets come closer together than this it never leaves
 * user space, and a burst's packets are taken as they land.  A packet that
 * comes to a sleeping receiver waits for its wake-up, as on a socket.
 */
#define MEM_SPIN_NS 50000
/* A sender facing a full ring starts to yield its core after this long. */
#define MEM_IDLE_YIELD_NS 50000
/* The clock is read once every this many empty polls to honour timeouts. */
#define MEM_SPINS_PER_CLOCK 64
/*
 * A sender facing a full ring waits at most this long for the consumer
 * before giving up and reporting how many packets it did place.  The
 * caller expects every packet to go, so the transport waits rather than
 * drop; the bound only keeps a sender from hanging on a dead peer.
 */
#define MEM_FULL_WAIT_NS (1000 * CB_NS_PER_MS)

struct mem_slot {
	alignas(MEM_CACHE_LINE) uint32_t len;
	alignas(MEM_CACHE_LINE) uint8_t data[CB_NET_MAX_PKT];
};

struct mem_ring {
	alignas(MEM_CACHE_LINE) _Atomic uint32_t head;
	alignas(MEM_CACHE_LINE) _Atomic uint32_t tail;
	alignas(MEM_CACHE_LINE) _Atomic uint32_t sleeping;
	alignas(MEM_CACHE_LINE) struct mem_slot slots[MEM_SLOTS];
};

struct mem_region {
	alignas(MEM_CACHE_LINE) uint32_t magic;
	uint32_t slots, slot_bytes;
	_Atomic int refs;
	struct mem_ring ring[2];
};

struct mem_end {
	struct mem_region *reg;
	struct mem_ring *tx, *rx;
	const struct cb_clock *clock;
	/* Private copies of the indices: ours (authoritative) and the peer's
	 * last seen value. */
	uint32_t tx_head, tx_tail_seen;
	uint32_t rx_tail, rx_head_seen;
};

/* The futex word is the ring's head; the region is shared (MAP_SHARED, maybe
 * with a forked peer), so the calls are not the process-private kind. */
static void ring_wake(struct mem_ring *r)
{
	syscall(SYS_futex, &r->head, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void ring_sleep(struct mem_ring *r, uint32_t head, cb_ns timeout)
{
	struct timespec ts = {.tv_sec = (time_t)(timeout / CB_NS_PER_S),
			      .tv_nsec = (long)(timeout % CB_NS_PER_S)};

	/* Returns at once (EAGAIN) if head is no longer `head`; EINTR and
	 * ETIMEDOUT need nothing either: the caller looks again. */
	syscall(SYS_futex, &r->head, FUTEX_WAIT, head, &ts, NULL, 0);
}

/* Tell the CPU we are spinning: saves power and frees the sibling thread. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

static int mem_open_pair(void *pa, void *pb, const struct cb_transport_cfg *cfg)
{
	struct mem_end *a = pa, *b = pb;
	struct mem_region *reg;

	/* MAP_POPULATE faults every page in now, so the first lap of the ring
	 * does not pay page faults on the data path. */
	reg = mmap(NULL, sizeof(*reg), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (reg == MAP_FAILED)
		return -errno;
	reg->magic = MEM_MAGIC;
	reg->slots = MEM_SLOTS;
	reg->slot_bytes = sizeof(struct mem_slot);
	atomic_init(&reg->refs, 2);
	for (int i = 0; i < 2; i++) {
		atomic_init(&reg->ring[i].head, 0);
		atomic_init(&reg->ring[i].tail, 0);
		atomic_init(&reg->ring[i].sleeping, 0);
	}
	*a = (struct mem_end){
	    .reg = reg, .tx = &reg->ring[0], .rx = &reg->ring[1], .clock = cfg->clock};
	*b = (struct mem_end){
	    .reg = reg, .tx = &reg->ring[1], .rx = &reg->ring[0], .clock = cfg->clock};
	return 0;
}

static int mem_send(void *self, const struct cb_net_pkt *pkts, size_t n)
{
	struct mem_end *e = self;
	struct mem_ring *r = e->tx;
	cb_ns full_since = CB_NS_NONE;
	size_t done = 0;
	unsigned spins = 0;

	if (!e->reg)
		return -EBADF;
	for (size_t i = 0; i < n; i++)
		if (pkts[i].len > CB_NET_MAX_PKT || (pkts[i].len && !pkts[i].data))
			return -EINVAL;
	while (done < n) {
		uint32_t room = MEM_SLOTS - (e->tx_head - e->tx_tail_seen);
		size_t k;

		if (room == 0) {
			e->tx_tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
			room = MEM_SLOTS - (e->tx_head - e->tx_tail_seen);
		}
		if (room == 0) {
			/* Full: the consumer is behind.  Spin, and past the idle
			 * threshold yield the core so that a consumer sharing it
			 * can run. */
			cpu_relax();
			if (++spins % MEM_SPINS_PER_CLOCK)
				continue;
			cb_ns now = cb_clock_now(e->clock);
			if (full_since == CB_NS_NONE)
				full_since = now;
			else if (now - full_since >= MEM_FULL_WAIT_NS)
				break;
			else if (now - full_since >= MEM_IDLE_YIELD_NS)
				sched_yield();
			continue;
		}
		k = n - done < room ? n - done : room;
		for (size_t i = 0; i < k; i++) {
			struct mem_slot *s = &r->slots[(e->tx_head + i) % MEM_SLOTS];

			s->len = (uint32_t)pkts[done + i].len;
			if (s->len)
				memcpy(s->data, pkts[done + i].data, s->len);
		}
		e->tx_head += (uint32_t)k;
		/* Sequentially consistent, then the sleeping flag: see the
		 * comment at the top. */
		atomic_store(&r->head, e->tx_head);
		if (atomic_load(&r->sleeping))
			ring_wake(r);
		done += k;
		full_since = CB_NS_NONE;
	}
	return (int)done;
}

/* Copy out up to n waiting packets; the ring must hold `avail` of them. */
static int mem_take(struct mem_end *e, struct cb_net_pkt *pkts, size_t n, uint32_t avail)
{
	struct mem_ring *r = e->rx;
	size_t k = n < avail ? n : avail;
	cb_ns t = cb_clock_now(e->clock);

	for (size_t i = 0; i < k; i++) {
		const struct mem_slot *s = &r->slots[(e->rx_tail + i) % MEM_SLOTS];

		/* A packet larger than the buffer is reported as empty and
		 * cut, like a truncated datagram on udp. */
		pkts[i].cut = s->len > pkts[i].cap;
		if (!pkts[i].cut) {
			memcpy(pkts[i].data, s->data, s->len);
			pkts[i].len = s->len;
		} else {
			pkts[i].len = 0;
		}
		pkts[i].t_recv = t;
		pkts[i].t_kernel = CB_NS_NONE;
	}
	e->rx_tail += (uint32_t)k;
	atomic_store_explicit(&r->tail, e->rx_tail, memory_order_release);
	return (int)k;
}

static int mem_recv(void *self, struct cb_net_pkt *pkts, size_t n, cb_ns timeout)
{
	struct mem_end *e = self;
	struct mem_ring *r = e->rx;
	cb_ns start = CB_NS_NONE, now;
	unsigned spins = 0;

	if (!e->reg)
		return -EBADF;
	if (n == 0)
		return 0;
	for (;;) {
		uint32_t avail = e->rx_head_seen - e->rx_tail;

		if (avail == 0) {
			e->rx_head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
			avail = e->rx_head_seen - e->rx_tail;
		}
		if (avail)
			return mem_take(e, pkts, n, avail);
		if (timeout <= 0)
			return 0;
		cpu_relax();
		if (++spins % MEM_SPINS_PER_CLOCK)
			continue;
		now = cb_clock_now(e->clock);
		if (start == CB_NS_NONE)
			start = now;
		if (now - start >= timeout)
			return 0;
		if (now - start < MEM_SPIN_NS)
			continue;
		/* Sleep on head until the producer moves it (see the top). */
		atomic_store(&r->sleeping, 1);
		e->rx_head_seen = atomic_load(&r->head);
		if (e->rx_head_seen == e->rx_tail)
			ring_sleep(r, e->rx_tail, timeout - (now - start));
		atomic_store(&r->sleeping, 0);
	}
}

static void mem_describe(void *self, char *buf, size_t len)
{
	(void)self;
	snprintf(buf, len, "mem ring %u x %u B", MEM_SLOTS, (unsigned)CB_NET_MAX_PKT);
}

static void mem_close(void *self)
{
	struct mem_end *e = self;

	if (!e || !e->reg)
		return;
	/* The last end to close unmaps the region. */
	if (atomic_fetch_sub(&e->reg->refs, 1) == 1)
		munmap(e->reg, sizeof(*e->reg));
	e->reg = NULL;
	e->tx = e->rx = NULL;
}

const struct cb_transport_ops cb_transport_mem = {
    .name = "mem",
    .description = "lock-free SPSC rings in shared memory (no system call on the data path)",
    .priv_size = sizeof(struct mem_end),
    .caps = CB_NET_CAP_ZERO_SYSCALL,
    .open_pair = mem_open_pair,
    .send = mem_send,
    .recv = mem_recv,
    .describe = mem_describe,
    .close = mem_close,
};
