#!/usr/bin/env node
// `npm run bench -- <name>`: the benchmarks from the prebuilt bundle (see anycast-lab.mjs).
import { runEntry } from './bundle.mjs';

await runEntry('bench');
