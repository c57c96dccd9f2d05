// The raw lab file, as written by a person. Shape and ranges only; checks
// that need the whole file (references, overlaps) live in resolve.ts.
import { z } from 'zod';
import { formatCidr, isIPv4, isNetwork, mask, tryParseCidr } from './ipv4.js';
import { formatCidr6, isIPv6, isNetwork6, networkOf6, tryParseCidr6 } from './ipv6.js';
import { ROLE_NAMES, type Role, roleRouterFields } from './roles/registry.js';

const NAME_RE = /^[a-z][a-z0-9-]{0,23}$/;
const nodeName = z.string().regex(NAME_RE, { error: 'expected a lower-case name: a letter, then letters, digits or "-", at most 24 characters' });

const ipv4 = z.string().refine(isIPv4, { error: 'expected an IPv4 address such as 192.0.2.53' });
const network = z.string().refine(isNetwork, {
  error: (iss) => {
    const c = typeof iss.input === 'string' ? tryParseCidr(iss.input) : undefined;
    // Name the network the person most likely meant rather than only restating the rule.
    if (c) return `${iss.input} has host bits set (the network is ${formatCidr({ base: (c.base & mask(c.bits)) >>> 0, bits: c.bits })})`;
    return 'expected an IPv4 network such as 10.77.0.0/16 (address/prefix length 0..32, no host bits set)';
  },
});

const ipv6 = z.string().refine(isIPv6, { error: 'expected an IPv6 address such as 2001:db8::53' });
const network6 = z.string().refine(isNetwork6, {
  error: (iss) => {
    const c = typeof iss.input === 'string' ? tryParseCidr6(iss.input) : undefined;
    if (c) return `${iss.input} has host bits set (the network is ${formatCidr6(networkOf6(c))})`;
    return 'expected an IPv6 network such as fd00:77::/48 (address/prefix length 0..128, no host bits set)';
  },
});
const FAMILIES = ['ipv4', 'ipv6'] as const;
const family = z.enum(FAMILIES, {
  error: (iss) => `${typeof iss.input === 'string' ? `unknown address family "${iss.input}"` : 'expected an address family'} (families: ipv4, ipv6)`,
});

const domainName = z.string().regex(/^([A-Za-z0-9-]+\.)+$/, { error: 'expected a fully qualified name ending in a dot, e.g. "ns.lab."' });
const soaTimer = (field: string, min: number, max: number) => {
  const error = `SOA ${field} out of range: expected ${min}..${max} seconds`;
  return z.number().int().min(min, { error }).max(max, { error });
};

// RFC 6793 4-byte ASNs; 0 and 65535/4294967295 are reserved (RFC 7607, RFC 7300),
// 23456 is AS_TRANS (RFC 6793) and would confuse 2-byte speakers.
const asn = z
  .number({ error: 'expected an AS number (1..4294967294)' })
  .int({ error: 'expected a whole AS number' })
  .min(1, { error: 'AS number out of range: expected 1..4294967294 (0 is reserved, RFC 7607)' })
  .max(4294967294, { error: 'AS number out of range: expected 1..4294967294' })
  .refine((n) => n !== 23456 && n !== 65535, { error: 'AS number is reserved (23456 is AS_TRANS, 65535 is reserved)' });

// FRR's bfdd accepts 10..60000 ms and a multiplier of 2..255.
export const BfdSchema = z.strictObject({
  enabled: z.boolean().optional(),
  interval: z
    .number()
    .int()
    .min(10, { error: 'BFD interval out of range: FRR accepts 10..60000 ms' })
    .max(60000, { error: 'BFD interval out of range: FRR accepts 10..60000 ms' })
    .optional(),
  multiplier: z
    .number()
    .int()
    .min(2, { error: 'BFD multiplier out of range: FRR accepts 2..255' })
    .max(255, { error: 'BFD multiplier out of range: FRR accepts 2..255' })
    .optional(),
});

const bfd = z.union([z.boolean(), BfdSchema], {
  error: 'expected true, false or { enabled, interval, multiplier }',
});

const seconds = (what: string, max: number) =>
  z
    .number()
    .int({ error: `expected whole seconds for ${what}` })
    .min(0)
    .max(max, { error: `${what} out of range: expected 0..${max} s` });

const SessionOptions = {
  bfd: bfd.optional(),
  keepalive: seconds('keepalive', 65535).optional(),
  hold: seconds('hold', 65535).optional(),
};

const EndPolicy = {
  localPref: z.number().int().min(0).max(4294967295, { error: 'local-pref out of range: expected 0..4294967295' }).optional(),
  prepend: z.number().int().min(0).max(10, { error: 'prepend out of range: expected 0..10 repetitions' }).optional(),
  med: z.number().int().min(0).max(4294967295, { error: 'MED out of range: expected 0..4294967295' }).optional(),
};

const LinkEndSchema = z.union(
  [
    nodeName,
    z.strictObject({
      node: nodeName,
      address: ipv4.optional(),
      ...EndPolicy,
      remoteAs: asn.optional(),
      /** The IPv6 session's own policy (dual-stack labs); each field defaults to the IPv4 one above. */
      ipv6: z.strictObject(EndPolicy).optional(),
    }),
  ],
  { error: 'expected a node name or { node, localPref, prepend, med, address, ipv6 }' },
);

export const LinkSchema = z.strictObject({
  a: LinkEndSchema,
  b: LinkEndSchema,
  subnet: network.optional(),
  /** One-way delay in ms, applied with netem on both ends' egress (needs sch_netem). */
  delay: z.number().min(0).max(10000, { error: 'delay out of range: expected 0..10000 ms one way' }).optional(),
  ...SessionOptions,
});

// Roles come from the registry (topology/roles/registry.ts); like containerlab's
// unknown kind, an unknown role is answered with the list of supported ones.
export const RoleSchema = z.enum(ROLE_NAMES as [Role, ...Role[]], {
  error: (iss) => `${typeof iss.input === 'string' ? `unknown role "${iss.input}"` : 'expected a role'} (supported roles: ${ROLE_NAMES.join(', ')})`,
});

// `verify:` durations carry their unit, as k6 thresholds do: "450ms", "2s".
// A bare number is refused: 450 could be ms or s, and a gate must not guess.
const DURATION_RE = /^\d+(\.\d+)?(ms|s)$/;
const duration = z
  .string({
    error: (iss) =>
      typeof iss.input === 'number' ? `${iss.input} has no unit: write ${iss.input}ms or ${iss.input}s` : 'expected a duration with its unit, e.g. 450ms or 2s',
  })
  .regex(DURATION_RE, {
    error: (iss) => {
      const m = typeof iss.input === 'string' ? /^\d+(\.\d+)?\s*([^\d\s.]*)$/.exec(iss.input.trim()) : null;
      if (m && m[2] === '') return `"${iss.input}" has no unit: write ${iss.input}ms or ${iss.input}s`;
      if (m) return `unknown unit "${m[2]}" in "${iss.input}": expected ms or s`;
      return 'expected a duration with its unit, e.g. 450ms or 2s';
    },
  });
const count = z.number({ error: 'expected a whole number (a count)' }).int({ error: 'expected a whole number (a count)' }).min(0);

/** Bounds of one verify case: client-visible failover times (with units) and counts that must not be exceeded. */
export const VerifyBoundsSchema = z.strictObject({
  /** Failover (last answer from the old PoP → first from the new one) of the expected movers, over every trial. */
  p50: duration.optional(),
  p95: duration.optional(),
  max: duration.optional(),
  /** Longest gap in answers to a mover around the failback (restore → back on its PoP). */
  failback: duration.optional(),
  /** Client-trials hurt although not expected to move (status collateral). */
  collateral: count.optional(),
  /** Client-trials that changed PoP more than once. */
  flaps: count.optional(),
  /** Probes lost outside the move: a mover's outside its failover gap, every probe of the others. */
  lost: count.optional(),
});

/** One case of `verify:`: a fault, how often, where its clients must land, and the bounds. */
export const VerifyCaseSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { error: 'expected a case name: lower-case letters, digits, ".", "_" or "-", at most 64' }),
  fault: z.strictObject({
    pop: nodeName,
    /** A fault mode registered in src/fault/ (checked when the lab is loaded for a run). */
    mode: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'expected a fault mode name such as freeze' }),
    /** on (the lab file), off, or <tx>x<mult> such as 100x3; @pop for the PoP's sessions only. */
    bfd: z
      .string({ error: 'expected on, off or <tx>x<mult> such as 100x3' })
      .regex(/^(on|off|\d+x\d+(@pop)?)$/, { error: 'expected on, off or <tx>x<mult> such as 100x3 (optionally @pop)' })
      .optional(),
  }),
  trials: z
    .number()
    .int({ error: 'expected a whole number of trials' })
    .min(1, { error: 'expected at least 1 trial' })
    .max(100, { error: 'at most 100 trials' }),
  /** Seed of the random fault phase: the same seed replays the same phases. */
  seed: z.number().int().min(0).max(4294967295).optional(),
  /** Where each named client must be answered from during the fault, e.g. { c-de: iad }. */
  expect: z.record(nodeName, nodeName).optional(),
  bounds: VerifyBoundsSchema.optional(),
});

export const LabFileSchema = z.strictObject({
  name: nodeName,
  description: z.string().optional(),
  /** Address families the lab runs: [ipv4] (the default) or [ipv4, ipv6]. */
  families: z.array(family).min(1, { error: 'expected at least one family, e.g. [ipv4, ipv6]' }).optional(),
  anycast: z
    .strictObject({
      prefix: network.optional(),
      dns: ipv4.optional(),
      http: ipv4.optional(),
      streamPort: z.number().int().min(1).max(65535).optional(),
      zone: z
        .string()
        .regex(/^([a-z0-9-]+\.)+$/, { error: 'expected a zone name ending in a dot, e.g. "lab."' })
        .optional(),
      records: z.record(z.string(), ipv4).optional(),
      /** Dual-stack labs: the /48 every PoP announces (default 2001:db8::/48), its service addresses and AAAA records. */
      prefix6: network6.optional(),
      dns6: ipv6.optional(),
      http6: ipv6.optional(),
      records6: z.record(z.string(), ipv6).optional(),
      /** The apex NS RRset; default: the records at the DNS address (ns.lab.). */
      nameservers: z.array(domainName).min(1, { error: 'expected at least one name server, e.g. [ns.lab.]' }).optional(),
      soa: z
        .strictObject({
          mname: domainName.optional(),
          rname: domainName.optional(),
          serial: z.number().int().min(0).max(4294967295, { error: 'SOA serial out of range: expected 0..4294967295 (RFC 1982)' }).optional(),
          // Zonemaster's ZONE02..ZONE06 lower bounds, RFC 1912 §2.2's upper ones.
          refresh: soaTimer('refresh', 14400, 86400).optional(),
          retry: soaTimer('retry', 3600, 86400).optional(),
          expire: soaTimer('expire', 604800, 2419200).optional(),
          minimum: soaTimer('minimum', 300, 86400).optional(),
        })
        .optional(),
    })
    .optional(),
  addressing: z
    .strictObject({
      links: network.optional(),
      lans: network.optional(),
      routerIds: network.optional(),
      /** Dual-stack labs: ULA pools, one /64 per link and one per LAN (and the collector LAN). */
      links6: network6.optional(),
      lans6: network6.optional(),
    })
    .optional(),
  /** A passive route collector (GoBGP) peering with every transit: `true`, or its AS and subnet. */
  collector: z.union([z.boolean(), z.strictObject({ asn: asn.optional(), subnet: network.optional() })]).optional(),
  bgp: z.strictObject(SessionOptions).optional(),
  health: z
    .strictObject({
      interval: z.number().int().min(20, { error: 'health interval out of range: expected 20..60000 ms' }).max(60000).optional(),
      failures: z.number().int().min(1).max(100).optional(),
      holdDown: z.number().int().min(0).max(600000).optional(),
    })
    .optional(),
  ases: z
    .array(
      z.strictObject({
        asn,
        name: z.string().min(1),
        role: RoleSchema,
      }),
    )
    .min(1, { error: 'expected at least one AS' }),
  routers: z
    .array(
      z.strictObject({
        name: nodeName,
        asn,
        location: z.string().optional(),
        // Fields only some roles accept (a PoP's colo); resolve checks the role.
        ...roleRouterFields(),
        routerId: ipv4.optional(),
      }),
    )
    .min(1, { error: 'expected at least one router' }),
  links: z.array(LinkSchema).default([]),
  clients: z
    .array(
      z.strictObject({
        name: nodeName,
        eyeball: nodeName,
        location: z.string().optional(),
        address: ipv4.optional(),
        expect: z.strictObject({ pop: nodeName, backup: nodeName.optional() }).optional(),
        /** Dual-stack labs: where IPv6 lands when it differs from `expect` on purpose. */
        expect6: z.strictObject({ pop: nodeName, backup: nodeName.optional() }).optional(),
      }),
    )
    .default([]),
  /** Failover gates for `lab verify` (k6-style thresholds); the project's own failover tests read them too. */
  verify: z.array(VerifyCaseSchema).optional(),
});

export type LabFile = z.infer<typeof LabFileSchema>;
export type RawLinkEnd = z.infer<typeof LinkEndSchema>;
export type RawBfd = z.infer<typeof bfd>;
export type RawVerifyCase = z.infer<typeof VerifyCaseSchema>;
