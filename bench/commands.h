/*
 * commands.h — subcommands of the callbench program that live in their own
 * files.  Each takes the arguments after its name and returns the exit
 * status (0 done, 1 failed, 2 bad usage).
 */
#ifndef CB_BENCH_COMMANDS_H
#define CB_BENCH_COMMANDS_H

/** `callbench bench BENCHMARK [options]`: transport, call (bench/bench.c). */
int cb_cmd_bench(int argc, char **argv);

/** `callbench compare [options] BASELINE CURRENT`: 0 pass, 1 regression, 2 bad input. */
int cb_cmd_compare(int argc, char **argv);

/** `callbench sweep [run options] --axis NAME=V1,V2 ...`: a grid of calls and its comparison. */
int cb_cmd_sweep(int argc, char **argv);

/** `callbench report [--out DIR] FOLDER...`: merge run or sweep folders into one comparison. */
int cb_cmd_report(int argc, char **argv);

/** `callbench signal [--listen HOST:PORT] [limits]`: the signaling server, until SIGINT/SIGTERM. */
int cb_cmd_signal(int argc, char **argv);

/** `callbench peer --sdp-out FILE --to HOST:PORT [run options]`: one end, sending to an address. */
int cb_cmd_peer(int argc, char **argv);

#endif
