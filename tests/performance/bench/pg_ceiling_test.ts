/**
 * PostgreSQL's ceiling is read from pgbench's own summary; output without it is no figure.
 */
import assert from "node:assert/strict";
import { parseTps } from "./pg_ceiling.ts";

// pgbench 15's summary, as the benchmark's probe prints it (2026-12-03).
const OUTPUT = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: .zapa/bench-pg-ceiling.sql
scaling factor: 1
query mode: simple
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 3 s
number of transactions actually processed: 73441
number of failed transactions: 0 (0.000%)
latency average = 0.326 ms
initial connection time = 6.412 ms
tps = 24480.012345 (without initial connection time)
`;

Deno.test("bench pg ceiling: the rate is pgbench's tps without the initial connection time", () => {
  assert.equal(parseTps(OUTPUT), 24480.012345);
  assert.equal(parseTps(OUTPUT.replace(/^tps.*$/m, "")), null);
  assert.equal(parseTps("pgbench: error: connection to server failed"), null);
});
