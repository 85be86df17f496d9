/*
 * run_peers.h — `callbench run --peers process|netns` (run_peers.c).
 */
#ifndef CB_BENCH_RUN_PEERS_H
#define CB_BENCH_RUN_PEERS_H

#include "run_options.h"

/** Take --peers MODE and --netem SPEC out of argv (NULL when not given):
 * 0, or -1 after saying what is wrong. */
int run_take_peers(int *argc, char **argv, const char **peers, const char **netem);

/** The call as two `callbench peer` programs; argv: the run's options
 * (as cmd_run got them), already checked into `o`.  An exit status. */
int run_peers(int argc, char **argv, struct run_opts *o, const char *mode, const char *netem);

#endif
