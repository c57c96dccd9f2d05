#!/usr/bin/env node
// `anycast-lab <command>` (`npx anycast-lab …`, `npm run -s lab -- …`): the lab
// CLI from the prebuilt bundle, rebuilt first when a source under src/ changed.
//
// Host preparation (scripts/prepare-host.sh: packages, dockerd, node_modules)
// is not run here: it costs ~0.12 s of `docker info`, half the budget of a
// `--help`, and a command that needs the engine and finds it down already says
// to run it (DOCKER_UNAVAILABLE). `npm run lab` keeps running it first, for the
// newcomer whose host is not set up yet; that path pays npm's own ~0.3 s anyway.
import { runEntry } from './bundle.mjs';

await runEntry('main');
