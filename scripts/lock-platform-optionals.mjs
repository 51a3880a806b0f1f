// The npm registry mirror on our build machines serves only this platform's native
// packages, so `npm install` drops other platforms' optional packages from the lock
// and `npm ci` then refuses the lock as out of sync. This adds the missing entries
// (version, os, cpu, libc; optional) so `npm ci` skips them as platform mismatches.
// Run after `npm install`: node scripts/lock-platform-optionals.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;

function platformOf(name) {
  const m =
    /-(android|darwin|freebsd|linux|openbsd|openharmony|win32)-(arm64|arm|x64|ia32|loong64|ppc64|riscv64|s390x)(?:-(gnueabihf|musleabihf|eabi|gnu|musl|msvc))?$/.exec(
      name,
    );
  if (!m) return undefined;
  const [, os, cpu, abi] = m;
  const out = { os: [os], cpu: [cpu] };
  if (os === 'linux' && abi) out.libc = [abi.startsWith('musl') ? 'musl' : 'glibc'];
  return out;
}

function resolves(fromPath, dep) {
  let base = fromPath;
  for (;;) {
    const candidate = (base ? `${base}/` : '') + `node_modules/${dep}`;
    if (pkgs[candidate]) return true;
    const idx = base.lastIndexOf('/node_modules/');
    if (base === '') return false;
    base = idx === -1 ? '' : base.slice(0, idx);
  }
}

let added = 0;
for (const [path, meta] of Object.entries({ ...pkgs })) {
  for (const [dep, range] of Object.entries(meta.optionalDependencies ?? {})) {
    if (resolves(path, dep)) continue;
    const platform = platformOf(dep);
    if (!platform) {
      console.error(`cannot infer the platform of ${dep} (needed by ${path || 'root'})`);
      process.exitCode = 1;
      continue;
    }
    const at = (path ? `${path}/` : '') + `node_modules/${dep}`;
    pkgs[at] = { version: range.replace(/^[\^~]/, ''), ...platform, optional: true };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.error(`added ${added} platform-specific optional entries`);
