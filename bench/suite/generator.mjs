/**
 * One load-generator process: runs one workload against one system and prints JSON lines on stdout —
 * `{"phase":…}` as phases start, then `{"result":…}` or `{"error":…}`. Started by run.mjs with the task
 * in the BENCH_TASK environment variable: { system, url, workload, params }.
 */
import { rabbitMqSystem } from './clients/rabbitmq-client.mjs';
import { socketIoSystem } from './clients/socketio-client.mjs';
import { deepQueue, fanout, latency, rest, throughput } from './workloads.mjs';

const task = JSON.parse(process.env.BENCH_TASK);
const emit = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const phase = (name) => emit({ phase: name });

const RUNNERS = {
  throughput: (sys, p) => throughput(sys, p),
  latency: (sys, p) => latency(sys, p),
  fanout: (sys, p) => fanout(sys, p),
  deep: (sys, p) => deepQueue(sys, p, phase),
  rest: (_sys, p) => rest(task.url, p),
};

async function main() {
  const sys = task.system === 'rabbitmq' ? rabbitMqSystem(task.url) : socketIoSystem(task.url);
  const started = process.cpuUsage();
  try {
    const result = await RUNNERS[task.kind](sys, task.params);
    const cpu = process.cpuUsage(started);
    emit({ result: { ...result, generatorCpuMs: (cpu.user + cpu.system) / 1000 } });
  } finally {
    await sys.close();
    await sys.cleanup().catch((error) => process.stderr.write(`cleanup: ${error.message}\n`));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    emit({ error: error.message });
    process.exit(1);
  },
);
