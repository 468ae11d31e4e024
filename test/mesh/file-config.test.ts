import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createMesh, fileConfig, type ConfigEvent, type Mesh } from '../../src/index.js';

const dirs: string[] = [];
const meshes: Mesh[] = [];
afterEach(async () => {
  await Promise.all(meshes.splice(0).map((m) => m.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-config-'));
  dirs.push(dir);
  return dir;
}

const json = (routes: string[]) =>
  JSON.stringify({ services: { payments: { endpoints: ['http://127.0.0.1:1'], routes: routes.map((name) => ({ name })) } } });

/** Resolves with the next event of `name` the mesh emits. */
function next(mesh: Mesh, name: 'config-applied' | 'config-rejected'): Promise<ConfigEvent & { error?: unknown }> {
  return new Promise((resolve) => {
    const off = mesh.on(name, (e) => {
      off();
      resolve(e);
    });
  });
}

describe('fileConfig (a watched file on disk)', () => {
  it('applies the file, follows edits and atomic renames, and versions each by its content', async () => {
    const dir = await folder();
    const path = join(dir, 'mesh.json');
    await writeFile(path, json(['a']));
    const mesh = createMesh({ source: fileConfig(path, { debounceMs: 10 }), tracing: false });
    meshes.push(mesh);
    await mesh.ready();
    expect(mesh.stats().services.payments!.routes).toEqual(['a']);
    const first = mesh.config()!.version;
    expect(first).toMatch(/^sha256:[0-9a-f]{12}$/);

    let applied = next(mesh, 'config-applied');
    await writeFile(path, json(['a', 'b']));
    expect((await applied).version).not.toBe(first);
    expect(mesh.stats().services.payments!.routes).toEqual(['a', 'b']);

    // An editor's or a deploy tool's write: a new file renamed over the old one.
    applied = next(mesh, 'config-applied');
    await writeFile(join(dir, 'mesh.json.tmp'), json(['c']));
    await rename(join(dir, 'mesh.json.tmp'), path);
    await applied;
    expect(mesh.stats().services.payments!.routes).toEqual(['c']);
  });

  it('keeps the active config when the file becomes malformed or invalid, and says why', async () => {
    const dir = await folder();
    const path = join(dir, 'mesh.json');
    await writeFile(path, json(['a']));
    const mesh = createMesh({ source: fileConfig(path, { debounceMs: 10 }), tracing: false });
    meshes.push(mesh);
    await mesh.ready();
    let rejected = next(mesh, 'config-rejected');
    await writeFile(path, '{ "services": ');
    expect((await rejected).error).toBeInstanceOf(ConfigError);
    rejected = next(mesh, 'config-rejected');
    await writeFile(path, JSON.stringify({ services: { payments: { endpoints: [] } } }));
    expect(((await rejected).error as ConfigError).option).toBe('services.payments.endpoints');
    expect(mesh.stats().services.payments!.routes).toEqual(['a']);
    expect(mesh.config()!.generation).toBe(1);
  });

  it('reads YAML (through the optional yaml package)', async () => {
    const dir = await folder();
    const path = join(dir, 'mesh.yaml');
    await writeFile(path, ['version: canary-1', 'services:', '  payments:', '    endpoints: ["http://127.0.0.1:1"]', '    routes:', '      - name: all', ''].join('\n'));
    const mesh = createMesh({ source: fileConfig(path), tracing: false });
    meshes.push(mesh);
    await mesh.ready();
    // The config's own version wins over the source's content hash.
    expect(mesh.config()!.version).toBe('canary-1');
    expect(mesh.stats().services.payments!.routes).toEqual(['all']);
  });

  it('makes calls fail with a typed error when the first file is missing, instead of waiting forever', async () => {
    const dir = await folder();
    const mesh = createMesh({ source: fileConfig(join(dir, 'absent.json')), tracing: false });
    meshes.push(mesh);
    await expect(mesh.ready()).rejects.toMatchObject({ code: 'SWITCHYARD_NO_ENDPOINTS' });
    await expect(mesh.client('payments').request({ path: '/' })).rejects.toMatchObject({ code: 'SWITCHYARD_NO_ENDPOINTS' });
  });
});
