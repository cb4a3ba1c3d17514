import { InvalidInputError } from '../../core/errors.js';
import { SEARCH_MAX_ORDER_TERMS } from '../../core/limits.js';
import { type SearchRunsQuery, VIEW_TYPES, type ViewType } from '../types.js';
import { checkMaxResults, decodePageToken, encodePageToken } from '../validate.js';
import { type FilterNode, type OrderTerm, RUN_FIELDS, type SearchFields } from './ast.js';
import { compareRecords, evaluateFilter, type FieldReader } from './evaluate.js';
import { parseFilter, parseOrderBy } from './parser.js';

/** A search query checked and parsed once, before a store runs it. */
export interface PreparedSearch {
  readonly experimentIds: readonly string[] | undefined;
  readonly filter: FilterNode | null;
  readonly order: readonly OrderTerm[];
  readonly limit: number;
  readonly offset: number;
  readonly viewType: ViewType;
}

/** Check and parse a search over `fields` (runs by default; other searches take a subset of the run query). */
export function prepareSearch(query: SearchRunsQuery, fields: SearchFields = RUN_FIELDS): PreparedSearch {
  if (query === null || typeof query !== 'object') throw new InvalidInputError('a search query must be an object');
  const ids = query.experimentIds;
  if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string'))) {
    throw new InvalidInputError('experimentIds must be an array of experiment id strings');
  }
  const orderBy = query.orderBy ?? [];
  if (!Array.isArray(orderBy)) throw new InvalidInputError('orderBy must be an array of clauses such as "metrics.rmse asc"');
  if (orderBy.length > SEARCH_MAX_ORDER_TERMS) throw new InvalidInputError(`orderBy holds at most ${SEARCH_MAX_ORDER_TERMS} clauses; got ${orderBy.length}`);
  const viewType = query.viewType ?? 'ACTIVE_ONLY';
  if (!VIEW_TYPES.includes(viewType)) throw new InvalidInputError(`viewType ${JSON.stringify(viewType)} is invalid (${VIEW_TYPES.join(', ')})`);
  return {
    experimentIds: ids,
    filter: parseFilter(query.filter ?? '', fields),
    order: orderBy.map((clause) => parseOrderBy(clause, fields)),
    limit: checkMaxResults(query.maxResults),
    offset: decodePageToken(query.pageToken),
    viewType,
  };
}

/** Whether a record in `stage` shows in a search of `viewType`. */
export function inView(viewType: ViewType, stage: 'active' | 'deleted'): boolean {
  return viewType === 'ALL' || (viewType === 'ACTIVE_ONLY') === (stage === 'active');
}

/** Filter, sort and page records held in memory (experiments, the registry, the memory store). */
export function searchInMemory<T>(
  records: Iterable<T>,
  q: PreparedSearch,
  read: FieldReader<T>,
  tieBreak: (a: T, b: T) => number,
): { items: T[]; nextPageToken?: string } {
  const matches: T[] = [];
  for (const r of records) if (q.filter === null || evaluateFilter(q.filter, r, read)) matches.push(r);
  matches.sort((a, b) => compareRecords(a, b, q.order, read, tieBreak));
  const items = matches.slice(q.offset, q.offset + q.limit);
  const end = q.offset + items.length;
  return end < matches.length ? { items, nextPageToken: encodePageToken(end) } : { items };
}
