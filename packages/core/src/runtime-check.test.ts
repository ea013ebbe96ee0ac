import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkRuntime,
  minNode,
  minNodeForClientNode2,
  nodeAtLeast,
  runtimeProblem,
} from './runtime-check.js';

describe('nodeAtLeast', () => {
  it('compares major then minor, with or without a leading v', () => {
    expect(nodeAtLeast('20.20.2', '22.19')).toBe(false);
    expect(nodeAtLeast('22.18.9', '22.19')).toBe(false);
    expect(nodeAtLeast('22.19.0', '22.19')).toBe(true);
    expect(nodeAtLeast('23.0.0', '22.19')).toBe(true);
    expect(nodeAtLeast('v24.9.0', '20.19')).toBe(true);
    expect(nodeAtLeast('20.18.3', '20.19')).toBe(false);
  });
});

describe('runtimeProblem', () => {
  const base = { program: 'my-app', command: 'dist/main.js --help' };

  it('client-node 2.x needs Node ≥ 22.19: names both versions, a command and the other way', () => {
    expect(minNodeForClientNode2).toBe('22.19');
    expect(
      runtimeProblem({
        ...base,
        nodeVersion: '20.20.2',
        clientNodeVersion: '2.x',
        otherwise: '`npm run demo`',
      }),
    ).toBe(
      'my-app needs Node ≥ 22.19 with @kubernetes/client-node 2.x (found Node 20.20.2): run it with Node 22.19 or later, e.g. `npx -p node@24 node dist/main.js --help`, or `npm run demo`',
    );
    expect(runtimeProblem({ ...base, nodeVersion: '18.20.0', clientNodeVersion: '2.0.1' })).toBe(
      'my-app needs Node ≥ 22.19 with @kubernetes/client-node 2.0.1 (found Node 18.20.0): run it with Node 22.19 or later, e.g. `npx -p node@24 node dist/main.js --help`',
    );
    expect(
      runtimeProblem({ ...base, nodeVersion: '22.19.0', clientNodeVersion: '2.0.1' }),
    ).toBeUndefined();
  });

  it('client-node 1.4, or none known: Node ≥ 20.19', () => {
    expect(minNode).toBe('20.19');
    expect(
      runtimeProblem({ ...base, nodeVersion: '20.20.2', clientNodeVersion: '1.4.0' }),
    ).toBeUndefined();
    expect(
      runtimeProblem({ ...base, nodeVersion: '20.20.2', clientNodeVersion: undefined }),
    ).toBeUndefined();
    expect(runtimeProblem({ ...base, nodeVersion: '20.18.0', clientNodeVersion: '1.4.0' })).toBe(
      'my-app needs Node ≥ 20.19 (found 20.18.0): run it with Node 22.19 or later, e.g. `npx -p node@24 node dist/main.js --help`',
    );
  });

  it('imports nothing, so it loads on any Node before client-node does', () => {
    const code = readFileSync(new URL('./runtime-check.ts', import.meta.url), 'utf8').replace(
      /\/\*[\s\S]*?\*\/|\/\/.*$/gm, // comments (the example imports)
      '',
    );
    expect(code).toMatch(/export function runtimeProblem/);
    expect(code).not.toMatch(/\bimport\b|\brequire\(|\bfrom\s*['"]/);
  });
});

describe('checkRuntime', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('on a Node that cannot run it: the line on stderr, exit code 2, false', () => {
    const write = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    const ok = checkRuntime({
      program: 'my-app',
      nodeVersion: '20.20.2',
      clientNodeVersion: '2.x',
      command: 'my-app --help',
    });
    expect(ok).toBe(false);
    expect(process.exitCode).toBe(2);
    expect(write.mock.calls).toEqual([
      [
        'my-app needs Node ≥ 22.19 with @kubernetes/client-node 2.x (found Node 20.20.2): run it with Node 22.19 or later, e.g. `npx -p node@24 node my-app --help`\n',
      ],
    ]);
  });

  it("on this Node (the tests' own, ≥ 22.19): true and nothing written", () => {
    const write = vi.spyOn(process.stderr, 'write');
    expect(checkRuntime({ program: 'my-app', clientNodeVersion: '2.x' })).toBe(true);
    expect(write).not.toHaveBeenCalled();
    expect(process.exitCode).toBeUndefined();
  });
});
