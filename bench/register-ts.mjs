// Lets `node --import ./bench/register-ts.mjs bench/<name>.ts` run the TypeScript benches directly: the hooks in
// ts-hooks.mjs compile each .ts file in memory (decorators and their metadata included), nothing is written.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
