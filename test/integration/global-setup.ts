// Integration runs start from a clean engine (CI runs on a machine where an
// earlier session may have left stopped lab containers behind) and leave one:
// test files share the suite's lab while they run, and the last one out tears
// it down. Only the suite's own labs, by name: a user's `default` lab (or any
// other) running on the same engine is left alone.
import { labDown } from '../../src/lab/down.js';
import { createProgress } from '../../src/lab/progress.js';
import { createDockerRuntime } from '../../src/runtime/docker-runtime.js';
import { helperImage } from '../../src/runtime/image-store.js';
import { SIDE_LABS, SUITE_LAB_FILE, TEST_LAB, TEST_LAB_FILE } from './cli.js';

async function downSuiteLabs(when: string): Promise<void> {
  const rt = createDockerRuntime();
  const image = await helperImage(rt);
  // The suite's lab only when it is the suite's fixture: a lab file the
  // developer pointed ANYCAST_LAB_FILE at is theirs, and stays up.
  const names = [...(TEST_LAB_FILE === SUITE_LAB_FILE ? [TEST_LAB.name] : []), ...SIDE_LABS];
  for (const name of names) {
    await labDown(
      rt,
      name,
      createProgress(() => undefined),
      image,
    ).catch((err: Error) => {
      throw new Error(`removing lab ${name} ${when} the integration tests failed: ${err.message}`);
    });
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  await downSuiteLabs('before');
  return () => downSuiteLabs('after');
}
