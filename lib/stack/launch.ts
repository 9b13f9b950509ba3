/**
 * One way to boot a stack whatever the target: the settings say native or compose, the caller
 * says which ports and where to publish. The external target has nothing to boot.
 */
import { launchComposeStack } from "./compose.ts";
import { type LaunchOptions, launchStack } from "./native_launch.ts";
import type { RunningStack } from "./running.ts";
import { readSettings } from "./settings.ts";

export async function launch(options: LaunchOptions): Promise<RunningStack> {
  const settings = options.settings ?? readSettings();
  switch (settings.target) {
    case "compose":
      return await launchComposeStack({
        stackFile: options.stackFile,
        logsDir: options.logsDir,
        settings,
        ports: options.ports,
      });
    case "native":
      return await launchStack({ ...options, settings });
    default:
      throw new Error(`the ${settings.target} target is not booted here: its URLs are given`);
  }
}
