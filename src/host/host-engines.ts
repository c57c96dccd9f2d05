// The hosts of a lab file as HostEngines for `lab hosts check`: one Engine
// API client each (runtime/swarm/engine.ts), the probe a throwaway container
// of a lab router image on that host.
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { helperImage } from '../runtime/image-store.js';
import { labLabels } from '../runtime/labels.js';
import { dockerFor } from '../runtime/swarm/engine.js';
import type { Host } from '../topology/hosts.js';
import type { HostEngine } from './hosts-check.js';

/** A probe is `ip link` or `cat`: seconds at most, even on a loaded host. */
const PROBE_TIMEOUT_MS = 30_000;

export function hostEngine(host: Host, labFile: string): HostEngine {
  const docker = dockerFor(host.engine, dirname(labFile));
  const rt = new DockerRuntime(docker);
  return {
    name: host.name,
    endpoint: host.endpoint,
    async info() {
      const i = await docker.info();
      return {
        version: i.ServerVersion,
        swarmState: i.Swarm?.LocalNodeState ?? 'inactive',
        nodeId: i.Swarm?.NodeID || undefined,
        isManager: !!i.Swarm?.ControlAvailable,
        systemTime: i.SystemTime,
      };
    },
    swarmNodeIds: async () => (await docker.listNodes()).map((n) => n.ID as string),
    async probe(cmd) {
      // Any router image will do (a node fed by `docker save` has only the hash tag, not :current).
      const image = await helperImage(rt);
      if (!image) return undefined;
      return rt.runToCompletion(
        {
          name: `al-hosts-check-${randomBytes(3).toString('hex')}`,
          image,
          labels: labLabels('hosts-check', host.name, 'probe', 'helper'),
          cmd,
          capAdd: ['NET_ADMIN'],
          networkMode: 'none',
        },
        PROBE_TIMEOUT_MS,
      );
    },
  };
}
