import { ConfigError } from '../core/errors.js';

/** The text formats a config source reads. */
export type ConfigFormat = 'json' | 'yaml';

/**
 * Parses a config's text. YAML goes through the `yaml` package, an optional peer dependency
 * loaded on first use (install it to read YAML; JSON needs nothing).
 *
 * @param where - where the text came from, named in errors (a file path, an etcd key)
 * @throws ConfigError naming `where` when the text does not parse or `yaml` is not installed
 */
export async function parseConfigText(text: string, format: ConfigFormat, where: string): Promise<unknown> {
  if (format === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ConfigError(where, excerpt(text), `valid JSON (${(error as Error).message})`);
    }
  }
  let yaml: typeof import('yaml');
  try {
    yaml = await import('yaml');
  } catch {
    throw new ConfigError(where, excerpt(text), 'JSON, or YAML with the optional "yaml" package installed (npm install yaml)');
  }
  try {
    return yaml.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(where, excerpt(text), `valid YAML (${(error as Error).message})`);
  }
}

/** The format a file's name says: `.yaml` and `.yml` are YAML, anything else JSON. */
export function formatOfPath(path: string): ConfigFormat {
  return /\.ya?ml$/i.test(path) ? 'yaml' : 'json';
}

function excerpt(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
