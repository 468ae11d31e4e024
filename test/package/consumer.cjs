// Requires the built package by name (package self-reference through the exports map).
const { createClient, ConfigError, VERSION } = require('switchyard');

let message = '';
try {
  createClient({ service: 'svc', endpoints: [] });
} catch (error) {
  message = error instanceof ConfigError ? `ConfigError ${error.option}` : 'wrong error';
}
const client = createClient({ service: 'svc', endpoints: ['http://127.0.0.1:1'] });
client.close().then(() => console.log(`cjs ${VERSION} ${message} ${typeof client.fetch}`));
