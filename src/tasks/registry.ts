import { Registry } from '../registry.ts';
import type { TaskDef } from './types.ts';

/** Every task a run can name in `data.task`. Built-ins register in src/tasks/index.ts. */
export const tasks = new Registry<TaskDef>('task', new URL('./index.ts', import.meta.url).href);
export const registerTask = <C>(def: TaskDef<C>): TaskDef<C> => tasks.register(def as TaskDef) as TaskDef<C>;
