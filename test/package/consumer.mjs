// Imports the built package by name (package self-reference through the exports map).
import { createClient, ConfigError, VERSION } from 'switchyard';

let message = '';
try {
  createClient({ service: 'svc', endpoints: [] });
} catch (error) {
  message = error instanceof ConfigError ? `ConfigError ${error.option}` : 'wrong error';
}
const client = createClient({ service: 'svc', endpoints: ['http://127.0.0.1:1'] });
await client.close();
console.log(`esm ${VERSION} ${message} ${typeof client.fetch}`);
