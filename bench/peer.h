/*
 * peer.h — what the modes of `callbench peer` share (peer.c: an SDP file
 * in or out; peer_room.c: a call through a signaling server's room).
 */
#ifndef CB_BENCH_PEER_H
#define CB_BENCH_PEER_H

#include <stdatomic.h>

#include "call/call.h"
#include "run_options.h"

#define PEER_EXIT_FAILED      1
#define PEER_EXIT_USAGE	      2
#define PEER_EXIT_INTERRUPTED 130

/** Set by SIGINT/SIGTERM once peer_install_signals ran. */
extern atomic_int peer_stop;
void peer_install_signals(void);
/** The hooks a peer runs with: its log to stderr at o's level, the stop flag. */
void peer_hooks(struct cb_call_hooks *hooks, const struct run_opts *o);

/** The options of a call through a room. */
struct peer_room_opts {
	const char *url; /**< ws://HOST:PORT */
	const char *room;
	int role; /**< -1: by joining order (the second offers); 1 offer; 0 answer */
	int send, recv;
	const char *bind; /**< the media socket's address ("127.0.0.1") */
	double wait_s;	  /**< how long the first peer waits for the second */
};

/** Join the room, negotiate, call, write the run folder: an exit status. */
int peer_room(struct run_opts *o, const struct peer_room_opts *r);

/** Write `res`'s run folder and print its summary: an exit status. */
int peer_finish(struct run_opts *o, struct cb_run_result *res, const struct cb_call_hooks *hooks);

#endif
