// The role registry: every role is complete and filed under its own name, and
// a lab file naming a role that does not exist is answered like containerlab
// answers an unknown kind: with the file, line, field and the supported roles.
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POP_PATHS } from '../../src/contract/agent.js';
import { LabFileError } from '../../src/errors.js';
import { planLab } from '../../src/lab/plan.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { loadLabFile, parseLab } from '../../src/topology/load.js';
import { ROLE_NAMES, ROLES, roleSpec } from '../../src/topology/roles/registry.js';
import type { RoleSpec } from '../../src/topology/roles/role-spec.js';
import { BASE_FILE, editLine } from '../fixtures/topology/base.js';

const lab = loadLabFile('labs/default.yaml');

// Every key of RoleSpec, per section: what a role module must define.
const FIELDS: { [S in keyof RoleSpec]: RoleSpec[S] extends object | null ? (keyof NonNullable<RoleSpec[S]>)[] | true : true } = {
  name: true,
  title: ['a', 'one', 'many'],
  topology: ['routerFields', 'router', 'sharesAs', 'noSameRoleLink', 'required', 'buysTransit', 'prefersCustomers', 'hostsClients', 'servesAnycast'],
  render: ['describe', 'policySummary', 'accepts', 'sends', 'networkLines', 'daemons'],
  converge: ['routes', 'runtimeOwned'],
  container: ['env', 'setup', 'services', 'agentFiles'],
  status: ['script', 'read', 'summary'],
};

describe('role registry', () => {
  it('files each role under its own name, in display order', () => {
    expect(ROLE_NAMES).toEqual(['pop', 'transit', 'eyeball']);
    for (const name of ROLE_NAMES) expect(ROLES[name].name).toBe(name);
  });

  for (const name of ROLE_NAMES) {
    it(`${name} defines every field of RoleSpec`, () => {
      const spec = roleSpec(name) as unknown as Record<string, Record<string, unknown> | null>;
      for (const [section, keys] of Object.entries(FIELDS)) {
        expect(spec, section).toHaveProperty(section);
        if (keys === true || spec[section] === null) continue;
        for (const key of keys as string[]) expect(spec[section]![key], `${section}.${key}`).toBeDefined();
      }
    });

    it(`${name}: what its containers run at start holds no "$" (Compose would interpolate it)`, () => {
      for (const r of lab.routers.filter((x) => x.role === name)) {
        const c = roleSpec(name).container;
        expect(`${c.setup(lab, r) ?? ''}${c.services(lab, r) ?? ''}`).not.toContain('$');
      }
    });
  }

  it("a PoP's agent config is mounted where its agents read it", () => {
    const fra = lab.routers.find((r) => r.name === 'fra')!;
    expect(Object.keys(roleSpec('pop').container.agentFiles(lab, fra))).toEqual([posix.basename(POP_PATHS.config)]);
    const plan = planLab(lab, { router: 'r', client: 'c' }, { configRoot: '/cfg', agentDir: '/agent' });
    expect(plan.nodes.find((n) => n.node === 'fra')!.spec.binds).toContain(`/cfg/default/fra/agent:${posix.dirname(POP_PATHS.config)}:ro`);
    expect(plan.nodes.find((n) => n.node === 't-eu')!.spec.binds).toEqual(['/cfg/default/t-eu:/etc/frr', '/agent:/opt/anycast-lab:ro']);
  });

  it('every role of the default lab renders and names its role in the header', () => {
    for (const r of lab.routers) expect(renderRouter(lab, r.name)['frr.conf'].split('\n')[1]).toContain(roleSpec(r.role).render.describe(r));
  });
});

describe('an unknown role in a lab file', () => {
  it('names file, line and field, and lists the supported roles', () => {
    let err: unknown;
    try {
      parseLab(editLine(19, 'role: transit', 'role: tranzit'), BASE_FILE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabFileError);
    const issues = (err as LabFileError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: BASE_FILE, line: 19, field: 'ases[1].role' });
    expect(issues[0].message).toBe('unknown role "tranzit" (supported roles: pop, transit, eyeball)');
    expect((err as LabFileError).message).toBe(
      `${BASE_FILE}:19:${issues[0].column}: ases[1].role: unknown role "tranzit" (supported roles: pop, transit, eyeball)`,
    );
  });

  it('a role-specific router field on another role names the roles that take it', () => {
    let err: unknown;
    try {
      parseLab(editLine(25, 'asn: 65010 }', 'asn: 65010, colo: FRA }'), BASE_FILE);
    } catch (e) {
      err = e;
    }
    expect((err as LabFileError).issues).toEqual([
      expect.objectContaining({ line: 25, field: 'routers[2].colo', message: '"colo" is only meaningful on PoPs; t-one is a transit' }),
    ]);
  });
});
