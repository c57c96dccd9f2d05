// What goes into the lab's two images, and how their tags are derived.
// Pure: no Docker, no file system. image-store.ts, ensure-images.ts and the
// builders (mmdebstrap-builder.ts, dockerfile-builder.ts) do the I/O.

import { createHash } from 'node:crypto';

/** dind is a Docker-in-Docker Swarm node for tests of a lab spread over hosts (runtime/swarm/), built on demand, not by `up`. */
export type ImageKind = LabImageKind | 'dind';
/** The images every lab runs (`up`, `pack`, `doctor`). */
export type LabImageKind = 'router' | 'client';
export const IMAGE_KINDS: readonly LabImageKind[] = ['router', 'client'];

export type ImageBuilder = 'mmdebstrap' | 'dockerfile';
export const IMAGE_BUILDERS: readonly ImageBuilder[] = ['mmdebstrap', 'dockerfile'];

/**
 * Bump when the build recipe changes in a way the package list does not show
 * (hooks, image config, Dockerfile text), so every host rebuilds.
 */
export const RECIPE_VERSION = 1;

export const SUITE = 'bookworm';
export const IMAGE_REPO_PREFIX = 'anycast-lab';
/** docker-compose.yml refers to this floating tag. */
export const CURRENT_TAG = 'current';
/** Where the host's node binary lands; dns2 3.1.1 needs Node >= 20 and bookworm ships 18. */
export const NODE_IN_IMAGE = '/usr/local/bin/node';

/** An edit the builder makes to the rootfs after mmdebstrap; see rootfs-patches.ts. */
export type ImagePatch = 'bgpd-holds' | 'frr-poll';

export interface ImageSpec {
  kind: ImageKind;
  /** Debian packages, installed with apt's dependency resolution. */
  packages: readonly string[];
  patches?: readonly ImagePatch[];
}

export const IMAGE_SPECS: Readonly<Record<ImageKind, ImageSpec>> = {
  router: {
    kind: 'router',
    // frr brings bgpd/bfdd/zebra/staticd; nsd is the authoritative server some
    // PoPs run instead of the dns2 agent; tcpdump is for humans debugging;
    // traceroute for `lab trace` from a router (the way back to a client);
    // gobgpd (gobgpd + gobgp) for the route collector, which runs this image.
    packages: ['frr', 'iproute2', 'nftables', 'tcpdump', 'procps', 'dnsutils', 'nsd', 'iputils-ping', 'iptables', 'traceroute', 'gobgpd'],
    // bgpd's two compile-time work-queue holds (60 ms after BFD detection) set to 0;
    // libfrr's poll timeout rounded up, so daemons sleep until a timer instead of spinning.
    patches: ['bgpd-holds', 'frr-poll'],
  },
  client: {
    kind: 'client',
    // traceroute: `lab trace` (Debian's, 2.1: -I for ICMP echo, parallel probes).
    packages: ['dnsutils', 'curl', 'iproute2', 'dnsperf', 'procps', 'iputils-ping', 'nftables', 'traceroute'],
  },
  // Debian's own Engine (docker.io, with containerd and runc), run as `dockerd --storage-driver vfs` inside a container.
  dind: { kind: 'dind', packages: ['docker.io', 'iproute2', 'iptables', 'procps', 'iputils-ping'] },
};

/** Everything that, when changed, must produce a different image. */
export interface ImageHashInput {
  kind: ImageKind;
  packages: readonly string[];
  recipeVersion: number;
  builder: ImageBuilder;
  suite: string;
  /** `process.version` of the node binary copied in, e.g. "v20.20.2". */
  nodeVersion: string;
  /** Size in bytes of that binary: catches a rebuilt node with the same version string. */
  nodeSize: number;
  patches?: readonly ImagePatch[];
}

/** First 12 hex chars of sha256 over a canonical form of the inputs; package order does not matter. */
export function imageHash(input: ImageHashInput): string {
  const canonical = JSON.stringify({
    kind: input.kind,
    packages: [...new Set(input.packages)].sort(),
    recipeVersion: input.recipeVersion,
    builder: input.builder,
    suite: input.suite,
    nodeVersion: input.nodeVersion,
    nodeSize: input.nodeSize,
    // Only when there are some, so an image without patches keeps its hash.
    ...(input.patches?.length ? { patches: [...input.patches].sort() } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** The hash of `kind`'s image as this project's recipe builds it, with `builder` and the given node binary. */
export function specHash(kind: ImageKind, builder: ImageBuilder, node: { version: string; size: number }): string {
  return imageHash({
    kind,
    packages: IMAGE_SPECS[kind].packages,
    recipeVersion: RECIPE_VERSION,
    builder,
    suite: SUITE,
    nodeVersion: node.version,
    nodeSize: node.size,
    patches: IMAGE_SPECS[kind].patches,
  });
}

export const imageRepo = (kind: ImageKind): string => `${IMAGE_REPO_PREFIX}/${kind}`;
export const imageRef = (kind: ImageKind, tag: string): string => `${imageRepo(kind)}:${tag}`;

/** Labels every image carries, so an image is found by label (`anycast-lab.kind=image`) like every other resource. */
export function imageLabels(kind: ImageKind, hash: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'anycast-lab.kind': 'image', 'anycast-lab.image': kind, 'anycast-lab.image-hash': hash, ...extra };
}

/** Image label saying whether bgpd's holds were removed: "0" (patched) or "stock" (the patch did not apply; the build says why). */
export const BGPD_HOLDS_LABEL = 'anycast-lab.bgpd-holds';
/** Image label saying whether libfrr's poll timeout rounds up: "ceil" (patched) or "stock" (FRR 8.4's spin before each timer). */
export const FRR_POLL_LABEL = 'anycast-lab.frr-poll';

export function parseBuilder(value: string | undefined): ImageBuilder {
  if (value === undefined || value === '') return 'mmdebstrap';
  if ((IMAGE_BUILDERS as readonly string[]).includes(value)) return value as ImageBuilder;
  throw new Error(`Expected ANYCAST_LAB_IMAGE_BUILDER to be one of ${IMAGE_BUILDERS.join(', ')}, got "${value}"`);
}

export interface MmdebstrapPlan {
  spec: ImageSpec;
  /** Host path of the node binary to copy in. */
  nodePath: string;
  tarPath: string;
  /**
   * apt sources files from the host (deb822 or one-line); mmdebstrap pastes
   * an existing file's content into the chroot's sources. Empty = mmdebstrap's
   * built-in default mirror.
   */
  sourcesFiles: readonly string[];
}

export function mmdebstrapArgs(plan: MmdebstrapPlan): string[] {
  return [
    '--variant=apt',
    '--mode=auto',
    `--include=${plan.spec.packages.join(',')}`,
    // `upload` works in root and unshare mode alike; chmod because it lands 0644.
    `--customize-hook=upload ${plan.nodePath} ${NODE_IN_IMAGE}`,
    `--customize-hook=chroot "$1" chmod 0755 ${NODE_IN_IMAGE}`,
    // Fail the build here rather than at `up` if the binary needs a library the chroot lacks.
    `--customize-hook=chroot "$1" ${NODE_IN_IMAGE} --version`,
    // Lists and caches are ~60 MB that no container needs.
    '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/usr/share/doc/* "$1"/usr/share/man/*',
    '--',
    SUITE,
    plan.tarPath,
    ...plan.sourcesFiles,
  ];
}

/**
 * Which host apt sources describe the suite we build. On an Ubuntu host, or a
 * Debian host on another release, none match and mmdebstrap's default is used.
 */
export function pickSourcesFiles(files: readonly { path: string; content: string }[], suite = SUITE): string[] {
  const suiteRe = new RegExp(`(^|\\s)${suite}(\\s|$)`, 'm');
  return files
    .filter((f) => /\.(sources|list)$/.test(f.path))
    .filter((f) => !/^\s*Enabled:\s*no\b/im.test(f.content))
    .filter((f) => f.content.split('\n').some((line) => !line.trimStart().startsWith('#') && suiteRe.test(line)))
    .map((f) => f.path);
}

/** Docker `changes` for an imported rootfs (a tar has no image config at all). */
export function importChanges(kind: ImageKind, hash: string, extraLabels: Record<string, string> = {}): string[] {
  const labels = Object.entries(imageLabels(kind, hash, extraLabels))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return ['CMD ["/bin/sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `LABEL ${labels}`];
}
