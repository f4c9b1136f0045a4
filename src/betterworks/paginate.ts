/**
 * Pages through one resource, yielding page by page (never a whole resource). Understands the envelopes the
 * API is known or suspected to use: `{results, more, nextURL}`, `{results, next}` (DRF) and bare arrays.
 * A next-page URL on another origin is refused by the client, and a loop guard stops a repeating sequence.
 */
import { BadResponseError, PageLoopError } from '../errors.ts';
import { type ApiClient, parseBody, type RequestContext } from './client.ts';
import type { Resource } from './resources/define-resource.ts';

export type SeenPaginationStyle = 'more-next-url' | 'drf' | 'array' | 'single';

export interface Page {
  /** 0-based position of this page in the pass. */
  index: number;
  url: string;
  records: unknown[];
  /** The page's body, from which `records` were parsed (parsing it again gives equal records). */
  body: Buffer;
  /** The URL of the next page, or null at the end. */
  nextUrl: string | null;
  /** The envelope the page came in; absent on a held page, which was not parsed. */
  style?: SeenPaginationStyle;
  requestId: string;
  /** DRF's `count`, when the API sent one. */
  total?: number;
  /** The page's fingerprint, when the caller asked for fingerprints (`PaginateOptions.held`). */
  hash?: string;
  /**
   * The caller holds this page exactly (same fingerprint at the same position): it was not parsed, so
   * `records` is empty and `nextUrl` is the one it gave when it was read.
   */
  held?: boolean;
}

/** Pages the caller already holds, recognized by a fingerprint of their body and then not parsed. */
export interface HeldPages {
  fingerprint(body: Buffer): string;
  /** What the caller holds at this position: the page's fingerprint and the next URL it gave. */
  at(index: number): { hash: string; nextUrl: string | null } | undefined;
}

/** The URL of a resource's first page. */
export function firstPageUrl(resource: Resource, path: string, pageSize: number): string {
  return resource.pagination === 'drf' ? `${path}?page_size=${pageSize}` : path;
}

/** What a page's body says: its records, the next page, and the envelope they came in. */
export type Envelope = Pick<Page, 'records' | 'nextUrl' | 'total'> & { style: SeenPaginationStyle };

/** Reads one page body into records, the next URL and the envelope style; a string says what is wrong. */
export function readEnvelope(body: unknown): Envelope | string {
  if (Array.isArray(body)) return { records: body, nextUrl: null, style: 'array' };
  if (!body || typeof body !== 'object') return 'expected a JSON object or array';
  const envelope = body as Record<string, unknown>;
  if (!Array.isArray(envelope.results)) return 'expected a "results" array';
  const records = envelope.results;
  if ('more' in envelope || 'nextURL' in envelope) {
    const more = envelope.more === true;
    const next = typeof envelope.nextURL === 'string' && envelope.nextURL ? envelope.nextURL : null;
    return { records, nextUrl: more ? next : null, style: 'more-next-url' };
  }
  if ('next' in envelope) {
    const next = typeof envelope.next === 'string' && envelope.next ? envelope.next : null;
    const total = typeof envelope.count === 'number' ? envelope.count : undefined;
    return { records, nextUrl: next, style: 'drf', total };
  }
  return { records, nextUrl: null, style: 'single' };
}

function idsAtEnds(records: unknown[]): string {
  const idOf = (record: unknown) =>
    record && typeof record === 'object' && 'id' in record ? String((record as { id: unknown }).id) : '?';
  return records.length === 0 ? '' : `${idOf(records[0])}…${idOf(records.at(-1))}#${records.length}`;
}

export interface PaginateOptions extends RequestContext {
  /** Where to start: a checkpoint's next URL, or the first page. */
  startUrl: string;
  /** Index of the first page yielded (pages already behind a checkpoint). */
  startIndex?: number;
  /** Fingerprint every page, and do not parse those the caller holds. */
  held?: HeldPages;
}

/**
 * Yields every page from `startUrl` to the end. The next page is requested as soon as a page is parsed,
 * before it is handed over, and kept as text until the consumer asks for it.
 */
export async function* paginate(client: ApiClient, options: PaginateOptions): AsyncGenerator<Page> {
  const requested = new Set<string>();
  let previousEnds = '';
  let index = options.startIndex ?? 0;
  const fetchPage = async (url: string) => {
    const resolved = client.resolve(url, options).toString();
    if (requested.has(resolved)) {
      throw new PageLoopError({
        method: 'GET',
        path: new URL(resolved).pathname,
        requestId: '(not sent)',
        resource: options.resource,
      });
    }
    requested.add(resolved);
    return { resolved, response: await client.getBody(resolved, options) };
  };
  let next: ReturnType<typeof fetchPage> | null = fetchPage(options.startUrl);
  let previousHash: string | undefined;
  while (next) {
    const { resolved, response } = await next;
    next = null;
    const info = {
      method: 'GET',
      path: new URL(resolved).pathname,
      status: response.status,
      requestId: response.requestId,
      resource: options.resource,
    };
    const hash = options.held?.fingerprint(response.body);
    const holding = hash === undefined ? undefined : options.held?.at(index);
    let page: Omit<Page, 'index' | 'url' | 'requestId' | 'body'>;
    if (holding && holding.hash === hash) {
      // The same body twice in a row is the loop the guard below catches for parsed pages.
      if (hash === previousHash) throw new PageLoopError(info);
      page = { records: [], nextUrl: holding.nextUrl, hash, held: true };
      previousEnds = '';
    } else {
      const envelope = readEnvelope(parseBody(response, options.resource));
      if (typeof envelope === 'string') throw new BadResponseError(info, envelope);
      const ends = idsAtEnds(envelope.records);
      if (index > (options.startIndex ?? 0) && ends !== '' && ends === previousEnds)
        throw new PageLoopError(info);
      previousEnds = ends;
      page = hash === undefined ? envelope : { ...envelope, hash };
    }
    previousHash = hash;
    if (page.nextUrl) {
      next = fetchPage(page.nextUrl);
      // Awaited on the next turn; if the consumer stops first, its failure must not go unhandled.
      next.catch(() => {});
    }
    yield { ...page, index, url: resolved, requestId: response.requestId, body: response.body };
    index++;
  }
}
