/** `bwsync probe`. */
import { probeAll } from '../betterworks/probe.ts';
import { resources } from '../betterworks/resources/registry.ts';
import { formatTable } from '../format-table.ts';
import { apiClientFor, configure } from './shared.ts';

export async function probe(flags: { json?: boolean }): Promise<void> {
  const config = configure();
  const client = apiClientFor(config);
  const rows = await probeAll(
    client,
    resources,
    config.betterworks.pathOverrides,
    config.betterworks.pageSize,
  );
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ baseUrl: client.baseUrl, resources: rows }, null, 2)}\n`);
  } else {
    process.stdout.write(`Probing ${client.baseUrl}\n\n`);
    const table = formatTable(
      [
        'resource',
        'path',
        'source',
        'status',
        'pagination',
        'items',
        'unknown fields',
        'missing fields',
        'verdict',
      ],
      rows.map((r) => [
        r.resource,
        r.path,
        r.pathSource,
        r.status,
        r.pagination,
        r.items,
        r.unknownFields.join(',') || '',
        r.missingFields.join(',') || '',
        r.verdict,
      ]),
    );
    process.stdout.write(`${table}\n`);
    for (const row of rows.filter((r) => r.verdict !== 'ok'))
      process.stdout.write(`\n${row.resource}: ${row.message}\n`);
  }
  const blocked = rows.find((r) => r.verdict === 'key rejected' || r.verdict === 'privacy notice pending');
  if (blocked) process.exitCode = 1;
  else if (rows.some((r) => r.verdict !== 'ok')) process.exitCode = 3;
}
