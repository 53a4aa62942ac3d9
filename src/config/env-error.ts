/**
 * A bad environment variable (GROK_SCALE, GROK_WORKERS, …). Its message names the variable, the
 * value and what is allowed; the stack is dropped because the input is wrong, not the code, and
 * vitest (the claims suite's global setup) prints an error's stack under its message.
 */
export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvError';
    this.stack = message;
  }
}
