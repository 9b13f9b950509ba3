/**
 * LLM, opt-in live run against the real anthropic API (issue 10). Enabled by TEST_ANTHROPIC_KEY
 * (optional TEST_ANTHROPIC_MODEL); ignored, naming the variable, without it. See live_helpers.ts.
 */
import { liveLlmTest } from "./live_helpers.ts";

// rules: R-LLMERR-1, R-CONTEXT-4, R-TOOLS-2, R-LLMCFG-4
liveLlmTest("anthropic");
