/**
 * `npm run admin -- add <email>` | `remove <email>` | `list`: platform admins of the local mode
 * (a running `npm start`, its data in `.local/`, or `--data-dir <dir>`). The user signs in again to
 * get a token carrying the group.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { addAdmin, listAdmins, removeAdmin, type LocalPool } from '../local/auth/admins';

const USAGE = 'Usage: npm run admin -- add <email> | remove <email> | list [--data-dir <dir>]';

/** The local pool of the platform whose data is in `dataDir` (it must be running). */
export function localPool(dataDir: string): LocalPool {
  const endpoints = join(dataDir, 'endpoints.json');
  const pool = join(dataDir, 'cognito', 'pool.json');
  if (!existsSync(endpoints) || !existsSync(pool)) {
    throw new Error(`No local platform data in ${dataDir}: start it with \`npm start\` first.`);
  }
  const { cognitoUrl } = JSON.parse(readFileSync(endpoints, 'utf8')) as { cognitoUrl: string };
  const { userPoolId } = JSON.parse(readFileSync(pool, 'utf8')) as { userPoolId: string };
  return { cognitoUrl, userPoolId };
}

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--data-dir');
  const dataDir = resolve(at >= 0 && argv[at + 1] ? argv[at + 1]! : join(import.meta.dirname, '..', '.local'));
  const args = at >= 0 ? argv.filter((_, i) => i !== at && i !== at + 1) : argv;
  const [command, email] = args;
  const pool = localPool(dataDir);
  if (command === 'list' && !email) {
    const admins = await listAdmins(pool);
    console.log(admins.length ? admins.join('\n') : 'No admins yet.');
  } else if ((command === 'add' || command === 'remove') && email) {
    try {
      await (command === 'add' ? addAdmin(pool, email) : removeAdmin(pool, email));
    } catch (error) {
      if ((error as Error).name === 'UserNotFoundException') throw new Error(`No user signed up with ${email}.`);
      throw error;
    }
    console.log(
      command === 'add'
        ? `${email} is an admin now; they sign in again to use it.`
        : `${email} is no longer an admin (from their next sign-in).`,
    );
  } else {
    throw new Error(USAGE);
  }
}

if (process.argv[1]?.endsWith('scripts/admin.ts')) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const e = error as Error & { code?: string };
    console.error(
      e.code === 'ECONNREFUSED' || e.name === 'TypeError'
        ? 'The local platform is not running: start it with `npm start`.'
        : e.message,
    );
    process.exit(1);
  });
}
