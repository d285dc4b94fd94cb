import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { chatStartSchema, messageSendSchema } from '../shared/schemas.js';
import { toE164 } from '../shared/phone.js';

const SHARED = join(import.meta.dirname, '../shared');

describe('shared/ is the contract the browser uses too', () => {
  it('imports nothing Node-only and bundles for the browser', async () => {
    for (const file of readdirSync(SHARED).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(SHARED, file), 'utf8');
      expect(source, file).not.toMatch(/from ['"](node:|fs|path|crypto|os|child_process)/);
    }
    const result = await build({
      stdin: { contents: "export * from './schemas.js'; export * from './chat.js'; export * from './errors.js';", resolveDir: SHARED, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
  });

  it('normalizes what visitors type: e-mail trimmed and lower-cased, phone to E.164 with the default region', () => {
    const schema = chatStartSchema({ defaultRegion: 'BR', locale: 'pt-BR' });
    expect(schema.parse({ name: ' Zé ', email: ' ZE@Example.COM ', phone: '(21) 99876-5432' })).toEqual({
      name: 'Zé',
      email: 'ze@example.com',
      phone: '+5521998765432',
    });
    expect(toE164('+351 912 345 678', 'BR')).toBe('+351912345678');
    expect(toE164('(212) 555-0123', 'US')).not.toBeNull();
    expect(toE164('(11) 1234', 'BR')).toBeNull();
  });

  it('reports each bad field once, in the requested locale', () => {
    const en = chatStartSchema({ defaultRegion: 'BR', locale: 'en' }).safeParse({ name: '', email: 'x', phone: '1' });
    expect(en.success).toBe(false);
    const paths = en.error!.issues.map((issue) => issue.path.join('.'));
    expect(new Set(paths)).toEqual(new Set(['name', 'email', 'phone']));
    const message = messageSendSchema({ locale: 'pt-BR' }).safeParse({ body: '', clientMsgId: '' });
    expect(message.error!.issues.map((i) => i.message)).toContain('A mensagem deve ter de 1 a 4000 caracteres');
  });
});
