/** An error in the user's terms: main prints "grok <command>: <message>", no stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
