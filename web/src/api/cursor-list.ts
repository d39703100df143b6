import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { z } from 'zod';
import { api } from './client.ts';

const PAGE_SIZE = 50;

/**
 * A cursor-paginated list of the API (`{items, next_cursor}`), newest first: the first page, then
 * older pages on `fetchNextPage` (a "more" button or an infinite scroll's sentinel). Its query key
 * starts with the list's name (`alerts`, `events`): invalidating that refreshes every filtered view.
 */
export function useCursorList<T>(path: string, query: Record<string, string | undefined>, schema: z.ZodType<{ items: T[]; next_cursor: string | null }>) {
  const list = useInfiniteQuery({
    queryKey: [path.split('/').at(-1), query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.get(path, { query: { ...query, limit: PAGE_SIZE, cursor: pageParam }, schema, signal }),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  return { list, items };
}
