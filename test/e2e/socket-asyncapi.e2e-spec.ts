import { Parser } from '@asyncapi/parser';
import { readFile } from 'node:fs/promises';
import { ASYNCAPI_FILE } from '../../src/gateways/asyncapi.controller.js';
import { RunningApp, startApp } from '../support/start-app.js';

describe('AsyncAPI document', () => {
  it('is a valid AsyncAPI 3.0 document describing every event of the protocol', async () => {
    const text = await readFile(ASYNCAPI_FILE, 'utf8');
    const { document, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const names = (channel: string) => new Set(document!.channels().get(channel)!.messages().all().map((m) => m.name()));
    const clientEvents = ['join', 'joinRoom', 'leave', 'subscribe', 'unsubscribe', 'publish', 'publishBatch', 'ack', 'received', 'nack', 'getAll'];
    for (const event of [...clientEvents, 'message', 'alarm', 'alarm-cleared']) expect(names('events')).toContain(event);
    for (const event of [...clientEvents, 'pickup', 'in-transit', 'delivered', 'message', 'alarm', 'alarm-cleared']) expect(names('caps')).toContain(event);
  });

  describe('GET /docs/asyncapi', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp();
    });
    afterAll(async () => {
      await app.close();
    });

    it('serves the document as YAML', async () => {
      const response = await fetch(`${app.url}/docs/asyncapi`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/yaml/);
      expect(await response.text()).toBe(await readFile(ASYNCAPI_FILE, 'utf8'));
    });
  });
});
