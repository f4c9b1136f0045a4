/** `bwsync grant-reader`. */
import { createDb } from '../warehouse/db.ts';
import { grantReader as grantReaderRole } from '../warehouse/grant-reader.ts';
import { configure } from './shared.ts';

export async function grantReader(role: string): Promise<void> {
  const config = configure();
  const { pool } = createDb(config.database.url, {
    maxConnections: 1,
    applicationName: 'bwsync-grant-reader',
  });
  try {
    const client = await pool.connect();
    try {
      const { created } = await grantReaderRole(client, role);
      process.stdout.write(
        `${created ? 'created' : 'updated'} role ${role}: SELECT on the analytics schema only.\n` +
          `Let a login use it with: GRANT ${role} TO <login role>;\n`,
      );
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
