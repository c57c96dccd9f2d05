export { runProbeAgent, type ProbeAgentDeps } from './agent.js';
export { parseProbeConfig, ProbeConfigError, PROBE_DEFAULTS, type ProbeConfig, type Endpoint } from './config.js';
export { encodeChaosQuery, decodeChaosResponse, popOf, DnsWireError, type DnsAnswer } from './dns-wire.js';
export { startFixedRate, type FixedRate } from './schedule.js';
export { parseStreamLine } from './streams.js';
export { parseTraceResponse, httpResponseComplete } from './http-trace.js';
