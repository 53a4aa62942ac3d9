/**
 * A named collection of components (models, tasks, losses, derivations), in the spirit of
 * open_lth's registries: each component registers once under its name with its defaults and the
 * module that registers it, whose imports (src/runs/code-identity.ts) are the code its runs hash.
 */
export interface Registered {
  name: string;
  /** `import.meta.url` of the registering module: the entry of this component's code in its runs' key. */
  source: string;
}

export class Registry<T extends Registered> {
  private readonly items = new Map<string, T>();
  /** Bumped on every registration, so schemas built from the registry know when to rebuild. */
  version = 0;

  /**
   * @param list `file:` URL of the module whose imports register the built-ins (an index.ts): it
   * changes whenever a component is added, so a run's code identity neither hashes it nor follows
   * it to the other components.
   */
  constructor(readonly kind: string, readonly list: string) {}

  register(item: T): T {
    if (!/^[a-z][a-zA-Z0-9_-]*$/.test(item.name)) throw new Error(`${this.kind} name "${item.name}" is invalid (a letter, then letters, digits, _ or -)`);
    if (typeof item.source !== 'string' || !item.source.startsWith('file:')) {
      throw new Error(`${this.kind} "${item.name}": source must be the registering module's import.meta.url (a file: URL), got ${JSON.stringify(item.source)}`);
    }
    if (this.items.has(item.name)) throw new Error(`${this.kind} "${item.name}" is registered twice`);
    this.items.set(item.name, item);
    this.version++;
    return item;
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  get(name: string): T {
    const item = this.items.get(name);
    if (!item) throw new Error(`${this.kind}: "${name}" is not registered; registered: ${this.names().join(', ')}`);
    return item;
  }

  names(): string[] {
    return [...this.items.keys()];
  }

  all(): T[] {
    return [...this.items.values()];
  }
}
