/**
 * The test runner: the test command (`./run test`), its suite groups and their permissions,
 * the group runner that turns `deno test` and k6 runs into JUnit and counts, the report, and
 * the commands built on it (`deno task flaky`, `deno task conformance`). It boots stacks only
 * through lib/stack's face.
 */

export { main as runTests, parseArgs } from "./test_command.ts";
export { findLoadScripts, type GroupResult, runDenoGroup, runLoadGroup } from "./group_runner.ts";
export { groupByName, type GroupName, GROUPS, type GroupSpec } from "./test_groups.ts";
export { publishGroup, rebuildReport, renderJobSummary } from "./report/mod.ts";
