/** The built-in tasks; importing this module registers them. A new task adds its line here. */
import './modular.ts';
import './polynomial.ts';
import './parity.ts';
export { tasks, registerTask } from './registry.ts';
import './mnist.ts';
import './imdb.ts';
