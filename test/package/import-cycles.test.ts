import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every module under src/ and the modules it imports (type-only imports included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    const deps = [...text.matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)'/gms)].map((m) => normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
    graph.set(normalize(file), deps);
  }
  return graph;
}

/** The import cycles of `graph`, each as the list of modules around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[][] = [];
  const visit = (module: string, path: string[]): void => {
    state.set(module, 'open');
    path.push(module);
    for (const dep of graph.get(module) ?? []) {
      if (state.get(dep) === 'open') found.push([...path.slice(path.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep, path);
    }
    path.pop();
    state.set(module, 'done');
  };
  for (const module of graph.keys()) if (!state.has(module)) visit(module, []);
  return found;
}

describe('the source tree', () => {
  it('has no import cycle, type-only imports included', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph).map((c) => c.map((m) => relative('.', m)).join(' -> '))).toEqual([]);
  });

  it('the cycle finder finds a cycle', () => {
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts', 'a.ts']]);
  });
});
