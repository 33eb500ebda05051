import { KafkaMessage } from 'kafkajs';
import { TOPICS, validateMessage } from '@restock/contracts';
import { parseValue } from '@restock/testing';
import { serviceUnderTest } from '@restock/testing/services';
import { catalogService } from './catalog.module';

const policy = { name: 'Trail shoe', backorderable: true, maxBackorderDays: 21, leadTimeDays: 14, onLimitExceeded: 'CANCEL' };

describe('catalog over HTTP', () => {
  const running = serviceUnderTest('catalog', catalogService);

  const put = (sku: string, body: unknown) =>
    fetch(`${running.url}/products/${sku}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('defines a product, serves it, and publishes ProductDefined through the outbox', async () => {
    const response = await put('SKU-HAPPY', policy);
    expect(response.status).toBe(200);
    const fetched = await (await fetch(`${running.url}/products/SKU-HAPPY`)).json();
    expect(fetched).toMatchObject({ sku: 'SKU-HAPPY', ...policy, status: 'ACTIVE', version: 1 });
    const mine = (message: KafkaMessage) => message.key?.toString() === 'SKU-HAPPY';
    const published = (await running.kafka.readUntil(TOPICS.catalogEvents, (messages) => messages.some(mine))).filter(mine);
    expect(published).toHaveLength(1);
    const check = validateMessage(TOPICS.catalogEvents, published[0]!.value);
    expect(check.ok).toBe(true);
    expect(parseValue(published[0]!)).toMatchObject({ type: 'ProductDefined', source: 'restock/catalog', data: { sku: 'SKU-HAPPY', ...policy } });
  });

  it('applies the defaults of DESIGN.md: maxBackorderDays 30, no lead time', async () => {
    expect((await put('SKU-DEFAULTS', { name: 'Socks', backorderable: false })).status).toBe(200);
    expect(await (await fetch(`${running.url}/products/SKU-DEFAULTS`)).json()).toMatchObject({ maxBackorderDays: 30, leadTimeDays: null });
  });

  it('treats a repeated identical PUT as one definition', async () => {
    await put('SKU-TWICE', policy);
    await put('SKU-TWICE', policy);
    expect(await (await fetch(`${running.url}/products/SKU-TWICE`)).json()).toMatchObject({ version: 1 });
    await put('SKU-TWICE', { ...policy, leadTimeDays: 20 });
    expect(await (await fetch(`${running.url}/products/SKU-TWICE`)).json()).toMatchObject({ version: 2, leadTimeDays: 20 });
  });

  it.each([
    ['a missing name', { backorderable: true }, 'name'],
    ['a wrong type', { name: 'Shoe', backorderable: 'yes' }, 'backorderable'],
    ['an unknown field', { name: 'Shoe', backorderable: true, colour: 'red' }, 'colour'],
    ['a negative lead time', { name: 'Shoe', backorderable: true, leadTimeDays: -1 }, 'leadTimeDays'],
    ['a fractional limit', { name: 'Shoe', backorderable: true, maxBackorderDays: 1.5 }, 'maxBackorderDays'],
    ['an unknown limit action', { name: 'Shoe', backorderable: true, onLimitExceeded: 'IGNORE' }, 'onLimitExceeded'],
  ])('answers 400 for %s, naming the field', async (_case, body, field) => {
    const response = await put('SKU-BAD', body);
    expect(response.status).toBe(400);
    const payload = (await response.json()) as { fields: { field: string }[] };
    expect(payload.fields.map((entry) => entry.field)).toContain(field);
  });

  it('answers 404 for an unknown SKU, on read and on discontinue', async () => {
    expect((await fetch(`${running.url}/products/SKU-NONE`)).status).toBe(404);
    expect((await fetch(`${running.url}/products/SKU-NONE/discontinue`, { method: 'POST' })).status).toBe(404);
  });

  it('discontinues once, then refuses to redefine', async () => {
    await put('SKU-END', policy);
    const first = await fetch(`${running.url}/products/SKU-END/discontinue`, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'DISCONTINUED', version: 2 });
    const again = await fetch(`${running.url}/products/SKU-END/discontinue`, { method: 'POST' });
    expect(await again.json()).toMatchObject({ status: 'DISCONTINUED', version: 2 });
    expect((await put('SKU-END', policy)).status).toBe(409);
  });
});
