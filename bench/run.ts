/**
 * Runs Berth's benchmarks (`npm run bench`), printing each with dockerd's
 * figures beside it where dockerd is installed. `npm run bench -- ping` runs one.
 */
import { benchPing } from './ping.js';
import { benchImages } from './images.js';
import { benchContainers } from './containers.js';
import { benchNetwork } from './network.js';
import { benchVolumes } from './volumes.js';

const all: Record<string, () => Promise<void>> = {
  ping: () => benchPing(Number(process.env.BENCH_SECONDS ?? 5)),
  images: () => benchImages(),
  containers: () => benchContainers(),
  network: () => benchNetwork(),
  volumes: () => benchVolumes(),
};

const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : Object.keys(all)) {
  const fn = all[name];
  if (!fn) {
    console.error(`unknown benchmark ${name}; have: ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
  await fn();
}
