/**
 * `deno task down`: stops a stack started elsewhere (`deno task up` in another terminal)
 * through the service-control endpoint in `.zapa/stack.json`, and waits until it is gone.
 */

import { ServiceControl } from "./control_client.ts";
import { stackFilePath } from "./settings.ts";
import { readStackFile } from "./stack_file.ts";
import { controlAnswers } from "./temp_dirs.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function main(): Promise<number> {
  const stackFile = stackFilePath();
  let info;
  try {
    info = await readStackFile(stackFile);
  } catch {
    console.log(`no stack is running (${stackFile} does not exist)`);
    return 0;
  }
  if (!(await controlAnswers(info.control.url))) {
    await Deno.remove(stackFile).catch(() => {});
    console.log(`removed ${stackFile}: its stack is no longer running`);
    return 0;
  }
  try {
    await new ServiceControl(info.control.url, info.control.token).shutdown();
  } catch (error) {
    console.error(
      `could not stop the stack through ${info.control.url}: ${(error as Error).message}`,
    );
    return 1;
  }
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (!(await exists(stackFile))) {
      console.log("the stack is stopped");
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.error(`the stack did not stop within 30 s (${stackFile} is still there)`);
  return 1;
}

if (import.meta.main) Deno.exit(await main());
