import { InvalidInputError } from '../../core/errors.js';
import type { SearchRunsQuery } from '../types.js';
import { checkMaxResults, decodePageToken } from '../validate.js';
import type { FilterNode, OrderTerm } from './ast.js';
import { parseFilter, parseOrderBy } from './parser.js';

/** A search query checked and parsed once, before a store runs it. */
export interface PreparedSearch {
  readonly experimentIds: readonly string[] | undefined;
  readonly filter: FilterNode | null;
  readonly order: readonly OrderTerm[];
  readonly limit: number;
  readonly offset: number;
}

export function prepareSearch(query: SearchRunsQuery): PreparedSearch {
  const ids = query.experimentIds;
  if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string'))) {
    throw new InvalidInputError('experimentIds must be an array of experiment id strings');
  }
  const orderBy = query.orderBy ?? [];
  if (!Array.isArray(orderBy)) throw new InvalidInputError('orderBy must be an array of clauses such as "metrics.rmse asc"');
  return {
    experimentIds: ids,
    filter: parseFilter(query.filter ?? ''),
    order: orderBy.map(parseOrderBy),
    limit: checkMaxResults(query.maxResults),
    offset: decodePageToken(query.pageToken),
  };
}
