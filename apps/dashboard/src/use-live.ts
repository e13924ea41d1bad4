import { useEffect, useRef, useState } from 'preact/hooks';
import type { Picture, TimelineEntry } from './api';
import { LiveFeed, type FeedState } from './live-feed';

/** What the page says about its live connection. */
export type LiveState = 'connecting' | 'catching-up' | 'live' | 'reconnecting' | 'paused' | 'closed';

export interface LiveView {
  readonly state: LiveState;
  /** The newest picture pushed, null until the first arrives. */
  readonly picture: Picture | null;
  /** The latest timeline changes pushed, newest first (at most TICKER_SIZE). */
  readonly recent: readonly {
    readonly position: string;
    readonly kind: string;
    readonly entry: TimelineEntry;
  }[];
}

const TICKER_SIZE = 50;

/**
 * The operation's two live feeds (picture and timeline), resumed with Last-Event-ID after a
 * drop. Messages are only buffered as they arrive; the page is updated at most once per
 * animation frame with the newest picture and the latest entries, so a burst of a thousand
 * events a second costs one render per frame, not one per event.
 */
export function useLive(token: string, operationId: string, enabled: boolean): LiveView {
  const [view, setView] = useState<LiveView>({
    state: enabled ? 'connecting' : 'paused',
    picture: null,
    recent: [],
  });
  const pending = useRef<{ picture: Picture | null; recent: LiveView['recent'][number][] }>({
    picture: null,
    recent: [],
  });
  const frame = useRef<number | null>(null);

  useEffect(() => {
    if (!enabled) {
      setView({ state: 'paused', picture: null, recent: [] });
      return;
    }
    setView({ state: 'connecting', picture: null, recent: [] });
    const states: Record<'picture' | 'timeline', FeedState> = {
      picture: 'connecting',
      timeline: 'connecting',
    };
    // After a (re)connection the picture feed first sends the current picture: until it has, the page is catching up.
    let pictureSinceOpen = false;
    const combined = (): LiveState => {
      const all = Object.values(states);
      if (all.includes('closed')) return 'closed';
      if (all.includes('reconnecting')) return 'reconnecting';
      if (all.includes('connecting')) return 'connecting';
      return pictureSinceOpen ? 'live' : 'catching-up';
    };
    const flush = () => {
      frame.current = null;
      const { picture, recent } = pending.current;
      pending.current = { picture: null, recent: [] };
      setView((previous) => ({
        state: combined(),
        picture: picture ?? previous.picture,
        recent:
          recent.length === 0
            ? previous.recent
            : [...recent.slice(-TICKER_SIZE).reverse(), ...previous.recent].slice(0, TICKER_SIZE),
      }));
    };
    const schedule = () => {
      frame.current ??= requestAnimationFrame(flush);
    };
    const onState = (feed: 'picture' | 'timeline') => (state: FeedState) => {
      states[feed] = state;
      if (feed === 'picture' && state !== 'open') pictureSinceOpen = false;
      schedule();
    };
    const base = `/operations/${encodeURIComponent(operationId)}`;
    const pictureFeed = new LiveFeed({
      url: `${base}/picture/live`,
      token,
      onState: onState('picture'),
      onMessage: (message) => {
        if (message.event !== 'message') return;
        pictureSinceOpen = true;
        pending.current.picture = JSON.parse(message.data) as Picture;
        schedule();
      },
    });
    const timelineFeed = new LiveFeed({
      url: `${base}/timeline/live`,
      token,
      onState: onState('timeline'),
      onMessage: (message) => {
        if (message.event !== 'message' || message.id === undefined) return;
        const change = JSON.parse(message.data) as { kind: string; entry: TimelineEntry };
        pending.current.recent.push({ position: message.id, kind: change.kind, entry: change.entry });
        if (pending.current.recent.length > TICKER_SIZE * 4)
          pending.current.recent.splice(0, pending.current.recent.length - TICKER_SIZE);
        schedule();
      },
    });
    return () => {
      pictureFeed.close();
      timelineFeed.close();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
      pending.current = { picture: null, recent: [] };
    };
  }, [token, operationId, enabled]);

  return view;
}
