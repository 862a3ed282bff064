import Ajv from 'ajv';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { builtinHooks } from '../plugins';
import { KnowledgeBase } from '../src/engine/knowledge';
import { KNOWLEDGE_FILES } from '../src/engine/semantics';
import { VALUE_CONVERTERS } from '../src/engine/values';

const DIR = join(__dirname, '..', 'src', 'engine', 'semantics');
const FILES = readdirSync(DIR).filter(f => f.endsWith('.json') && f !== 'schema.json');
const read = (f: string) => JSON.parse(readFileSync(join(DIR, f), 'utf8'));

/** Hooks named by entries whose conversion is not written yet: those calls are reported as unsupported. */
const PENDING_HOOKS: string[] = [];

describe('knowledge base', () => {
  const validate = new Ajv({ allErrors: true }).compile(read('schema.json'));

  test.each(FILES)('%s validates against schema.json', file => {
    const ok = validate(read(file));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('every JSON file is loaded by semantics/index.ts', () => {
    expect(Object.keys(KNOWLEDGE_FILES).sort()).toEqual([...FILES].sort());
  });

  test('no torch name is mapped twice', () => {
    const seen = new Map<string, string>();
    const dupes: string[] = [];
    for (const file of FILES) {
      for (const name of Object.keys(read(file).entries)) {
        if (seen.has(name)) {
          dupes.push(`${name} in ${seen.get(name)} and ${file}`);
        }
        seen.set(name, file);
      }
    }
    expect(dupes).toEqual([]);
  });

  test('every hook an entry names is registered (or listed as pending)', () => {
    const registered = new Set(builtinHooks().names());
    const missing = new Set<string>();
    for (const [, entry] of new KnowledgeBase().entries()) {
      if (entry.hook && !registered.has(entry.hook)) {
        missing.add(entry.hook);
      }
    }
    expect([...missing].sort()).toEqual(PENDING_HOOKS);
  });

  test('every value converter an entry names exists', () => {
    const unknown: string[] = [];
    for (const [name, entry] of new KnowledgeBase().entries()) {
      for (const converter of Object.values(entry.convert ?? {})) {
        if (!VALUE_CONVERTERS[converter]) {
          unknown.push(`${name}: ${converter}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  test('method and property entries are keyed under torch.Tensor', () => {
    const misplaced = [...new KnowledgeBase().entries()]
      .filter(
        ([name, e]) =>
          (e.kind === 'method' || e.kind === 'property') !== name.startsWith('torch.Tensor.')
      )
      .map(([name]) => name);
    expect(misplaced).toEqual([]);
  });
});
