/**
 * Events: filtered by camera, class, time range and zone (in the URL), newest first, loading older
 * pages as the list is scrolled to its end (the API's cursor), with the selected event's detail at
 * /events/{id}.
 */
import { useEffect, useRef } from 'react';
import { Link, useParams } from 'react-router';
import { eventPage } from '@contract/events.ts';
import { useSiteTimezone } from '../../api/cameras.ts';
import { errorText } from '../../api/client.ts';
import { useCursorList } from '../../api/cursor-list.ts';
import { formatDateTime, siteTimeToInstant } from '../../lib/time.ts';
import { usePageTitle } from '../../lib/title.ts';
import { CameraFilter, useCameraName, useUrlFilters } from '../../components/UrlFilters.tsx';
import { EventDetail } from './EventDetail.tsx';
import css from './EventsPage.module.css';

const CLASSES = ['person', 'car', 'truck', 'bus', 'motorcycle', 'bicycle'];


/** Calls `onVisible` whenever the returned element scrolls into view. */
function useSentinel(onVisible: () => void) {
  const ref = useRef<HTMLDivElement>(null);
  const callback = useRef(onVisible);
  callback.current = onVisible;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) callback.current(); }, { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, []);
  return ref;
}

export default function EventsPage() {
  const params = useParams();
  const selected = params.id ? Number(params.id) : null;
  usePageTitle(selected ? `Event ${selected}` : 'Events');
  const { search, setFilter, qs } = useUrlFilters();
  const tz = useSiteTimezone();
  const cameraName = useCameraName();
  const query = {
    camera: search.get('camera') ?? undefined, class: search.get('class') ?? undefined, zone: search.get('zone') ?? undefined,
    // the range is typed on the site's clock, as every time on the page is shown
    from: siteTimeToInstant(search.get('from') ?? '', tz)?.toISOString(), to: siteTimeToInstant(search.get('to') ?? '', tz)?.toISOString(),
  };

  const { list, items } = useCursorList('/api/v1/events', query, eventPage);
  const sentinel = useSentinel(() => {
    if (list.hasNextPage && !list.isFetchingNextPage && !list.isError) void list.fetchNextPage();
  });

  return (
    <div className={css.page} data-selected={selected !== null}>
      <section className={css.browser} aria-labelledby="events-title">
        <h1 id="events-title">Events</h1>
        <form className={css.filters} aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <CameraFilter value={query.camera ?? ''} onChange={(v) => setFilter('camera', v)} />
          <label>Class
            <select value={query.class ?? ''} onChange={(e) => setFilter('class', e.target.value)}>
              <option value="">Any</option>
              {CLASSES.map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          </label>
          <label>From (site time)
            <input type="datetime-local" value={search.get('from') ?? ''} onChange={(e) => setFilter('from', e.target.value)} />
          </label>
          <label>To (site time)
            <input type="datetime-local" value={search.get('to') ?? ''} onChange={(e) => setFilter('to', e.target.value)} />
          </label>
          <label>Zone
            <input type="text" value={query.zone ?? ''} placeholder="zone id" onChange={(e) => setFilter('zone', e.target.value.trim())} />
          </label>
        </form>
        {list.isError && <p role="alert">{errorText(list.error)}</p>}
        {list.isSuccess && items.length === 0 && <p className={css.muted}>No events{search.toString() ? ' match these filters' : ''}.</p>}
        <ul className={css.list} aria-label="Events, newest first" data-testid="event-list">
          {items.map((e) => (
            <li key={e.id}>
              <Link to={`/events/${e.id}${qs}`} className={css.item} aria-current={e.id === selected ? 'true' : undefined}>
                <span className={css.title}>{e.class}{e.event_type !== 'detection' ? ` · ${e.event_type}` : ''}</span>
                <span className={css.meta}>{cameraName(e.camera_id)} · <time dateTime={new Date(e.start_time).toISOString()}>{formatDateTime(e.start_time, tz)}</time>{e.zone_id ? ` · ${e.zone_id}` : ''}</span>
              </Link>
            </li>
          ))}
        </ul>
        <div ref={sentinel} className={css.sentinel} aria-hidden />
        {list.isFetchingNextPage && <p role="status" className={css.muted}>Loading older events…</p>}
        {list.isSuccess && !list.hasNextPage && items.length > 0 && <p className={css.muted}>No older events.</p>}
      </section>
      <section className={css.pane} aria-label="Event detail">
        {selected !== null
          ? <EventDetail id={selected} tz={tz} cameraName={cameraName} backTo={`/events${qs}`} />
          : <p className={css.muted}>Select an event to see its snapshot, track and clip.</p>}
      </section>
    </div>
  );
}
