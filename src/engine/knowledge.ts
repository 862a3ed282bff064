/** The knowledge base: torch API -> JAX/Flax form, loaded from the JSON files in semantics/. */
import { KNOWLEDGE_FILES } from './semantics';

export type EntryKind = 'function' | 'method' | 'layer' | 'attribute' | 'property';

export interface TestSpec {
  inputs?: Record<string, string>;
  expr?: string;
  random?: boolean;
  /** With random: also compare the whole distribution (Kolmogorov-Smirnov). */
  distribution?: boolean;
  rtol?: number;
  atol?: number;
  why?: string;
  /** Why there is no numerical case (no value to compare, or not converted yet). */
  none?: string;
}

export interface Entry {
  kind: EntryKind;
  target?: string;
  args?: string[];
  varargs?: string;
  rename?: Record<string, string>;
  positional?: string[];
  drop?: string[];
  unsupportedArgs?: string[];
  convert?: Record<string, string>;
  defaults?: Record<string, string>;
  hook?: string;
  training?: 'use_running_average' | 'deterministic';
  notes?: string;
  test?: TestSpec;
}

export interface KnowledgeFile {
  description?: string;
  entries: Record<string, Entry>;
}

export class KnowledgeBase {
  private readonly functions = new Map<string, Entry>();
  /** Tensor methods and properties by bare name: 'sum' -> torch.Tensor.sum */
  private readonly methods = new Map<string, Entry>();

  constructor(files: Record<string, KnowledgeFile> = KNOWLEDGE_FILES) {
    for (const file of Object.values(files)) {
      for (const [name, entry] of Object.entries(file.entries)) {
        if (name.startsWith('torch.Tensor.')) {
          this.methods.set(name.slice('torch.Tensor.'.length), entry);
        } else {
          this.functions.set(name, entry);
        }
      }
    }
  }

  /** Entry for a canonical torch name (torch.sum, torch.nn.Linear, torch.float32). */
  lookup(name: string): Entry | undefined {
    return this.functions.get(name);
  }

  /** Entry for a tensor method or property by bare name. */
  method(name: string): Entry | undefined {
    return this.methods.get(name);
  }

  /** Every entry, with its canonical name: for docs and coverage checks. */
  *entries(): Iterable<[string, Entry]> {
    yield* this.functions;
    for (const [name, entry] of this.methods) {
      yield [`torch.Tensor.${name}`, entry];
    }
  }
}
