/**
 * A named collection of components (models, tasks, losses, derivations), in the spirit of
 * open_lth's registries: each component registers once under its name with its defaults and the
 * source files whose change must invalidate the runs that use it.
 */
export interface Registered {
  name: string;
  /** Package-relative source files of this component: hashed into the code version of its runs. */
  files: string[];
}

export class Registry<T extends Registered> {
  private readonly items = new Map<string, T>();
  /** Bumped on every registration, so schemas built from the registry know when to rebuild. */
  version = 0;

  constructor(readonly kind: string) {}

  register(item: T): T {
    if (!/^[a-z][a-zA-Z0-9_-]*$/.test(item.name)) throw new Error(`${this.kind} name "${item.name}" is invalid (a letter, then letters, digits, _ or -)`);
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
