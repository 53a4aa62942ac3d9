import { SETTINGS } from '../config/settings.ts';
import { derivations } from '../derive/index.ts';
import { losses } from '../losses/index.ts';
import { models } from '../models/index.ts';
import { tasks } from '../tasks/index.ts';

/** What can be named in a config: every registered component with its defaults. */
export function list(o: { json?: boolean }): number {
  const defaults = (schema: { parse(v: unknown): unknown }) => schema.parse({}) as Record<string, unknown>;
  const listing = {
    models: models.all().map((m) => ({ name: m.name, description: m.description, paper: m.paperRef, inputs: m.accepts, defaults: defaults(m.schema) })),
    tasks: tasks.all().map((t) => ({ name: t.name, description: t.description, paper: t.paperRef, loss: t.loss, milestone: t.milestone, defaultModel: t.defaultModel, defaults: defaults(t.schema) })),
    losses: losses.all().map((l) => ({ name: l.name, description: l.description })),
    derivations: derivations.all().map((d) => ({ name: d.name, description: d.description, paper: d.paperRef })),
    settings: SETTINGS.map((st) => ({ name: st.name, title: st.title, paper: st.paperRef, task: st.task, model: st.model })),
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
    return 0;
  }
  const kv = (x: Record<string, unknown>) => Object.entries(x).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ');
  const out: string[] = ['models (--model NAME):'];
  for (const m of listing.models) out.push(`  ${m.name.padEnd(12)} ${m.description}\n  ${''.padEnd(12)} ${m.paper}; defaults: ${kv(m.defaults)}`);
  out.push('tasks (--task NAME):');
  for (const t of listing.tasks) out.push(`  ${t.name.padEnd(12)} ${t.description}; loss ${t.loss}, milestone ${t.milestone.metric} ${t.milestone.metric === 'accuracy' ? '≥' : '≤'} ${t.milestone.threshold}, model ${t.defaultModel}`);
  out.push('losses:');
  for (const l of listing.losses) out.push(`  ${l.name.padEnd(12)} ${l.description}`);
  out.push('derivations (derive.method):');
  for (const d of listing.derivations) out.push(`  ${d.name.padEnd(12)} ${d.description} (${d.paper})`);
  out.push('settings (GROK_SETTINGS=a,b):');
  for (const st of listing.settings) out.push(`  ${st.name.padEnd(22)} ${st.title} (${st.paper})`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
