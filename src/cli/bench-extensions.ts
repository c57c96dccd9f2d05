// Benchmarks: one file each, one line here.
import type { Command } from 'commander';
import type { CliContext } from './main.js';
import { registerResponderBench } from '../bench/responder.js';
import { registerFailoverBench } from '../bench/failover.js';
import { registerReportBench } from '../bench/report.js';
import { registerSoakBench } from '../bench/soak.js';
import { registerUpBench } from '../bench/up.js';

export type BenchExtension = (program: Command, ctx: CliContext) => void;

export const benchExtensions: BenchExtension[] = [registerResponderBench, registerFailoverBench, registerUpBench, registerSoakBench, registerReportBench];
