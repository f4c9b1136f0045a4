/**
 * `bwsync probe`: calls each catalog resource once with the configured key and reports what the tenant
 * actually returns, so an operator can correct assumed paths before the first sync.
 */
import { ApiError, ForbiddenError, KeyRejectedError, NotFoundError, PrivacyNoticeError } from '../errors.ts';
import type { ApiClient } from './client.ts';
import { firstPageUrl, readEnvelope } from './paginate.ts';
import { declaredFields, type Resource, resourcePath } from './resources/define-resource.ts';

export type ProbeVerdict =
  | 'ok'
  | 'forbidden'
  | 'not found'
  | 'key rejected'
  | 'privacy notice pending'
  | 'error';

export interface ProbeRow {
  resource: string;
  path: string;
  pathSource: 'documented' | 'assumed' | 'override';
  status: number | null;
  pagination: string | null;
  items: number | null;
  unknownFields: string[];
  missingFields: string[];
  verdict: ProbeVerdict;
  message?: string;
  requestId?: string;
}

function verdictFor(error: unknown): ProbeVerdict {
  if (error instanceof KeyRejectedError) return 'key rejected';
  if (error instanceof PrivacyNoticeError) return 'privacy notice pending';
  if (error instanceof ForbiddenError) return 'forbidden';
  if (error instanceof NotFoundError) return 'not found';
  return 'error';
}

export async function probeResource(
  client: ApiClient,
  resource: Resource,
  overrides: Readonly<Record<string, string>>,
  pageSize: number,
): Promise<ProbeRow> {
  const path = resourcePath(resource, overrides);
  const row: ProbeRow = {
    resource: resource.name,
    path,
    pathSource: overrides[resource.name] ? 'override' : resource.pathSource,
    status: null,
    pagination: null,
    items: null,
    unknownFields: [],
    missingFields: [],
    verdict: 'error',
  };
  try {
    const response = await client.getJson(firstPageUrl(resource, path, pageSize), {
      resource: resource.name,
    });
    row.status = response.status;
    row.requestId = response.requestId;
    const envelope = readEnvelope(response.body);
    if (typeof envelope === 'string') {
      row.message = envelope;
      return row;
    }
    row.pagination = envelope.style;
    row.items = envelope.records.length;
    const seen = new Set<string>();
    for (const record of envelope.records) {
      if (record && typeof record === 'object') for (const key of Object.keys(record)) seen.add(key);
    }
    const declared = declaredFields(resource);
    row.unknownFields = [...seen].filter((field) => !declared.includes(field)).sort();
    row.missingFields = envelope.records.length === 0 ? [] : declared.filter((field) => !seen.has(field));
    row.verdict = 'ok';
  } catch (error) {
    row.verdict = verdictFor(error);
    if (error instanceof ApiError) {
      row.status = error.request.status ?? null;
      row.requestId = error.request.requestId;
    }
    row.message = error instanceof Error ? error.message : String(error);
  }
  return row;
}

/** Probes every resource, one after another (the limiter paces them anyway). */
export async function probeAll(
  client: ApiClient,
  resources: readonly Resource[],
  overrides: Readonly<Record<string, string>>,
  pageSize: number,
): Promise<ProbeRow[]> {
  const rows: ProbeRow[] = [];
  for (const resource of resources) {
    const row = await probeResource(client, resource, overrides, pageSize);
    rows.push(row);
    // A rejected key or a pending privacy notice fails every call alike: no need to go on.
    if (row.verdict === 'key rejected' || row.verdict === 'privacy notice pending') break;
  }
  return rows;
}
