import { chooseBackend, describeDecision, parseBackendChoice } from '../backend/choose.ts';
import { environment } from '../backend/info.ts';

export async function info(): Promise<number> {
  // chooseBackend, not initBackend: the backend line below is this command's output, and
  // initBackend would announce it a second time on stderr
  const d = await chooseBackend(parseBackendChoice(process.env.GROK_BACKEND));
  const env = await environment(d);
  process.stdout.write(`${describeDecision(d)}\nthreads: ${env.threads}\nnode: ${env.node} (${env.platform})\ncommit: ${env.commit}\n`);
  for (const [k, v] of Object.entries(env.versions)) process.stdout.write(`${k}: ${v}\n`);
  return 0;
}
